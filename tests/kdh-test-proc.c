/* kdh-test-proc.c: a program under test, on a pipe or a pseudo-terminal
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE   /* posix_openpt(), ptsname_r() */

#include "kdh-test-proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "kdh-test-wait.h"

gboolean
kdh_test_proc_wait_until (gboolean (*pred) (gpointer data),
                          gpointer   data)
{
  return kdh_test_wait (pred, data, KDH_TEST_PROC_WAIT_SECONDS);
}

/* ---- Stopping a process ------------------------------------------------ */

static gboolean
all_threads_stopped (gpointer data)
{
  const gchar *pid = data;
  g_autofree gchar *tasks = g_build_filename ("/proc", pid, "task", NULL);
  g_autoptr (GDir) dir = g_dir_open (tasks, 0, NULL);
  const gchar *tid;

  if (dir == NULL)
    return FALSE;
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (tasks, tid, "stat", NULL);
      g_autofree gchar *stat = NULL;
      const gchar *state;

      /* A thread that exits between the listing and the read is gone,
       * which is as good as stopped. */
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* "tid (comm) S ...": the command may hold spaces and parentheses. */
      state = strrchr (stat, ')');
      if (state == NULL || state[1] != ' ' || (state[2] != 'T' && state[2] != 't'))
        return FALSE;
    }
  return TRUE;
}

void
kdh_test_proc_freeze (GSubprocess *proc)
{
  const gchar *pid = g_subprocess_get_identifier (proc);

  g_assert_nonnull (pid);
  g_subprocess_send_signal (proc, SIGSTOP);
  if (!kdh_test_wait (all_threads_stopped, (gpointer) pid, KDH_TEST_PROC_WAIT_SECONDS))
    g_error ("process %s did not stop within %d s of SIGSTOP", pid, KDH_TEST_PROC_WAIT_SECONDS);
}

/* ---- Its output --------------------------------------------------------- */

static void read_more (KdhTestProc *p);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  KdhTestProc *p = data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  p->reading = FALSE;
  if (n <= 0)
    {
      /* End of file, or EIO from a pty master once no slave is left. */
      p->eof = TRUE;
      return;
    }
  g_string_append_len (p->text, (const gchar *) p->buf, n);
  read_more (p);
}

static void
read_more (KdhTestProc *p)
{
  p->reading = TRUE;
  g_input_stream_read_async (p->output, p->buf, sizeof p->buf, G_PRIORITY_DEFAULT,
                             p->cancellable, on_read, p);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  KdhTestProc *p = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  p->exited = TRUE;
}

/* ---- Starting it -------------------------------------------------------- */

static void
pipe_child_setup (gpointer data)
{
  /* If the test dies half-way, so does the child. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The child's stdin, stdout and stderr are already the pty's slave here;
 * a new session makes that terminal its controlling terminal, so that
 * Ctrl+C typed on the master becomes SIGINT. Only async-signal-safe
 * calls between fork and exec. */
static void
terminal_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  setsid ();
  ioctl (STDIN_FILENO, TIOCSCTTY, 0);
}

gchar *
kdh_test_require_program (const gchar *program,
                          const gchar *package)
{
  gchar *path = g_find_program_in_path (program);

  if (path == NULL)
    g_error ("'%s' is not installed (Debian package %s, which scripts/install-deps installs); "
             "this test needs it", program, package);
  return path;
}

gchar *
kdh_test_proc_find_binary (const gchar *dir,
                           const gchar *name)
{
  const gchar *build = g_getenv ("KDH_BUILD_DIR");
  gchar *path;

  if (build == NULL)
    {
      g_test_skip ("KDH_BUILD_DIR is not set (run the test through ctest)");
      return NULL;
    }
  path = g_build_filename (build, "src", dir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s not found; build the %s target", path, name);
  return path;
}

static KdhTestProc *
proc_new (const gchar *name)
{
  KdhTestProc *p = g_new0 (KdhTestProc, 1);

  p->name = name;
  p->master = -1;
  p->slave = -1;
  p->text = g_string_new (NULL);
  p->cancellable = g_cancellable_new ();
  return p;
}

static GPtrArray *
make_argv (gchar       *binary,
           const gchar *first_arg,
           va_list      ap)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, binary);
  for (const gchar *arg = first_arg; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static KdhTestProc *
spawn_piped (const gchar *const *env,
             const gchar        *dir,
             const gchar        *name,
             const gchar        *first_arg,
             va_list             ap)
{
  gchar *binary = kdh_test_proc_find_binary (dir, name);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (GError) error = NULL;
  KdhTestProc *p;

  if (binary == NULL)
    return NULL;
  argv = make_argv (binary, first_arg, ap);

  p = proc_new (name);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const gchar *eq = strchr (env[i], '=');

      if (eq == NULL)
        g_subprocess_launcher_unsetenv (launcher, env[i]);
      else
        {
          g_autofree gchar *key = g_strndup (env[i], eq - env[i]);

          g_subprocess_launcher_setenv (launcher, key, eq + 1, TRUE);
        }
    }
  g_subprocess_launcher_set_child_setup (launcher, pipe_child_setup, NULL, NULL);
  p->proc = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  p->input = g_object_ref (g_subprocess_get_stdin_pipe (p->proc));
  p->output = g_object_ref (g_subprocess_get_stdout_pipe (p->proc));
  p->output_is_pipe = TRUE;
  read_more (p);
  g_subprocess_wait_async (p->proc, NULL, on_exited, p);
  return p;
}

KdhTestProc *
kdh_test_proc_spawn_piped (const gchar *dir,
                           const gchar *name,
                           const gchar *first_arg,
                           ...)
{
  KdhTestProc *p;
  va_list ap;

  va_start (ap, first_arg);
  p = spawn_piped (NULL, dir, name, first_arg, ap);
  va_end (ap);
  return p;
}

KdhTestProc *
kdh_test_proc_spawn_piped_env (const gchar *const *env,
                               const gchar        *dir,
                               const gchar        *name,
                               const gchar        *first_arg,
                               ...)
{
  KdhTestProc *p;
  va_list ap;

  va_start (ap, first_arg);
  p = spawn_piped (env, dir, name, first_arg, ap);
  va_end (ap);
  return p;
}

static KdhTestProc *
spawn_on_terminal (const gchar *state_home,
                   gboolean     output_too,
                   const gchar *first_arg,
                   va_list      ap)
{
  gchar *binary = kdh_test_proc_find_binary ("cli", "kdhost-cli");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (GError) error = NULL;
  struct winsize size = { .ws_row = 30, .ws_col = 100 };
  gchar slave_name[128];
  KdhTestProc *p;

  if (binary == NULL)
    return NULL;
  argv = make_argv (binary, first_arg, ap);

  p = proc_new ("kdhost-cli");
  p->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (p->master, >=, 0);
  g_assert_cmpint (grantpt (p->master), ==, 0);
  g_assert_cmpint (unlockpt (p->master), ==, 0);
  g_assert_cmpint (ptsname_r (p->master, slave_name, sizeof slave_name), ==, 0);
  p->slave = open (slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (p->slave, >=, 0);
  g_assert_cmpint (ioctl (p->slave, TIOCSWINSZ, &size), ==, 0);
  g_assert_cmpint (tcgetattr (p->slave, &p->initial), ==, 0);
  g_assert_cmpint (fcntl (p->master, F_SETFL, fcntl (p->master, F_GETFL) | O_NONBLOCK), ==, 0);

  launcher = g_subprocess_launcher_new (output_too ? G_SUBPROCESS_FLAGS_NONE
                                        : G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                          | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "TERM", "xterm", TRUE);
  g_subprocess_launcher_setenv (launcher, "INPUTRC", "/dev/null", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state_home, TRUE);
  g_subprocess_launcher_take_stdin_fd (launcher, dup (p->slave));
  if (output_too)
    {
      g_subprocess_launcher_take_stdout_fd (launcher, dup (p->slave));
      g_subprocess_launcher_take_stderr_fd (launcher, dup (p->slave));
    }
  g_subprocess_launcher_set_child_setup (launcher, terminal_child_setup, NULL, NULL);
  p->proc = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (output_too)
    p->output = g_unix_input_stream_new (p->master, FALSE);
  else
    {
      /* Typed keys are still written to the master; output comes by pipe. */
      p->output = g_object_ref (g_subprocess_get_stdout_pipe (p->proc));
      p->output_is_pipe = TRUE;
    }
  read_more (p);
  g_subprocess_wait_async (p->proc, NULL, on_exited, p);
  return p;
}

KdhTestProc *
kdh_test_proc_spawn_terminal (const gchar *state_home,
                              const gchar *first_arg,
                              ...)
{
  KdhTestProc *p;
  va_list ap;

  va_start (ap, first_arg);
  p = spawn_on_terminal (state_home, TRUE, first_arg, ap);
  va_end (ap);
  return p;
}

KdhTestProc *
kdh_test_proc_spawn_terminal_input (const gchar *state_home,
                                    const gchar *first_arg,
                                    ...)
{
  KdhTestProc *p;
  va_list ap;

  va_start (ap, first_arg);
  p = spawn_on_terminal (state_home, FALSE, first_arg, ap);
  va_end (ap);
  return p;
}

static gboolean
proc_not_reading (gpointer data)
{
  return !((KdhTestProc *) data)->reading;
}

static gboolean
proc_exited (gpointer data)
{
  return ((KdhTestProc *) data)->exited;
}

void
kdh_test_proc_free (KdhTestProc *p)
{
  if (p == NULL)
    return;
  if (!p->exited)
    {
      g_subprocess_force_exit (p->proc);
      kdh_test_proc_wait_until (proc_exited, p);
    }
  g_cancellable_cancel (p->cancellable);
  kdh_test_proc_wait_until (proc_not_reading, p);
  g_clear_object (&p->input);
  g_clear_object (&p->output);
  g_clear_object (&p->proc);
  g_clear_object (&p->cancellable);
  if (p->master >= 0)
    close (p->master);
  if (p->slave >= 0)
    close (p->slave);
  g_string_free (p->text, TRUE);
  g_free (p);
}

/* ---- Talking to it ------------------------------------------------------ */

void
kdh_test_proc_send (KdhTestProc *p,
                    const gchar *bytes)
{
  gsize len = strlen (bytes);
  g_autoptr (GError) error = NULL;

  if (p->input != NULL)
    {
      g_output_stream_write_all (p->input, bytes, len, NULL, NULL, &error);
      g_assert_no_error (error);
      return;
    }
  while (len > 0)
    {
      struct pollfd pfd = { p->master, POLLOUT, 0 };
      ssize_t n;

      g_assert_cmpint (poll (&pfd, 1, KDH_TEST_PROC_WAIT_SECONDS * 1000), ==, 1);
      n = write (p->master, bytes, len);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      g_assert_cmpint (n, >, 0);
      bytes += n;
      len -= (gsize) n;
    }
}

void
kdh_test_proc_close_input (KdhTestProc *p)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_close (p->input, NULL, &error);
  g_assert_no_error (error);
}

typedef struct {
  KdhTestProc *p;
  const gchar *text;
} Expect;

static const gchar *
find_after_mark (KdhTestProc *p,
                 const gchar *text)
{
  return strstr (p->text->str + p->mark, text);
}

static gboolean
expect_found (gpointer data)
{
  Expect *e = data;

  /* Stop early when no more output can come. */
  return find_after_mark (e->p, e->text) != NULL || e->p->eof;
}

void
kdh_test_proc_fail_at (KdhTestProc *p,
                       const gchar *file,
                       int          line,
                       const gchar *func,
                       const gchar *what)
{
  g_autofree gchar *seen = g_strescape (p->text->str + p->mark, "\n");
  g_autofree gchar *before = g_strndup (p->text->str, p->mark);
  g_autofree gchar *before_escaped = g_strescape (before, "\n");
  g_autofree gchar *msg = NULL;

  msg = g_strdup_printf ("%s: %s\n--- %s output before the mark ---\n%s\n"
                         "--- %s output after the mark ---\n%s\n--- end ---",
                         p->name, what, p->name, before_escaped, p->name, seen);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
  abort ();
}

/* Waits until the output after the mark holds @text; returns where. */
static gsize
wait_for_at (KdhTestProc *p,
             const gchar *text,
             const gchar *file,
             int          line,
             const gchar *func)
{
  Expect e = { p, text };
  const gchar *at;

  kdh_test_proc_wait_until (expect_found, &e);
  at = find_after_mark (p, text);
  if (at == NULL)
    {
      g_autofree gchar *escaped = g_strescape (text, NULL);
      g_autofree gchar *what = g_strdup_printf ("%s waiting for \"%s\"",
                                                p->eof ? "end of output" : "timed out",
                                                escaped);

      kdh_test_proc_fail_at (p, file, line, func, what);
    }
  return (gsize) (at - p->text->str);
}

void
kdh_test_proc_expect_at (KdhTestProc *p,
                         const gchar *text,
                         const gchar *file,
                         int          line,
                         const gchar *func)
{
  p->mark = wait_for_at (p, text, file, line, func) + strlen (text);
}

void
kdh_test_proc_assert_absent_before_at (KdhTestProc *p,
                                       const gchar *absent,
                                       const gchar *text,
                                       const gchar *file,
                                       int          line,
                                       const gchar *func)
{
  gsize end = wait_for_at (p, text, file, line, func);
  g_autofree gchar *span = g_strndup (p->text->str + p->mark, end - p->mark);

  if (strstr (span, absent) != NULL)
    {
      g_autofree gchar *escaped = g_strescape (absent, NULL);
      g_autofree gchar *what = g_strdup_printf ("unexpected \"%s\" before \"%s\"", escaped,
                                                text);

      kdh_test_proc_fail_at (p, file, line, func, what);
    }
}

static gboolean
proc_done (gpointer data)
{
  KdhTestProc *p = data;
  struct pollfd pfd = { p->master, POLLIN, 0 };

  if (!p->exited)
    return FALSE;
  if (p->output_is_pipe)
    return p->eof;
  /* On a terminal we hold the slave open, so the master never ends: the
   * output is all there once nothing is left to read. */
  return poll (&pfd, 1, 0) == 0;
}

gint
kdh_test_proc_wait_exit_at (KdhTestProc *p,
                            const gchar *file,
                            int          line,
                            const gchar *func)
{
  if (!kdh_test_proc_wait_until (proc_done, p))
    kdh_test_proc_fail_at (p, file, line, func, "did not exit");
  if (!g_subprocess_get_if_exited (p->proc))
    kdh_test_proc_fail_at (p, file, line, func, "was killed by a signal");
  /* In a -DKDH_SANITIZE=ON build, the children report there too. */
  if (strstr (p->text->str, "Sanitizer") != NULL || strstr (p->text->str, "runtime error:") != NULL)
    kdh_test_proc_fail_at (p, file, line, func, "a sanitizer reported an error");
  return g_subprocess_get_exit_status (p->proc);
}
