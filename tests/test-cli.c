/* test-cli.c: kdhost-cli as a user runs it, on a pipe and on a terminal
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts the kdhost-cli executable (and, for one of them, a
 * kdhost-sim process) and talks to it the way a script or a person does:
 * lines on a pipe, or keys on a pseudo-terminal that is the program's
 * controlling terminal, so that Ctrl+C reaches it as SIGINT from the line
 * discipline. Output is read as it comes and searched in order; every wait
 * is bounded and fails with the output so far, and nothing sleeps.
 */
#define _GNU_SOURCE   /* posix_openpt(), ptsname_r() */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include "kdh-test-wait.h"

#define WAIT_SECONDS 30

/* The simulated target's pattern region: the qword at A holds A ^ this. */
#define PATTERN_BASE G_GUINT64_CONSTANT (0xfffff80000400000)
#define PATTERN_XOR  G_GUINT64_CONSTANT (0xa5a5a5a5a5a5a5a5)

#define KEY_CTRL(c) ((c) & 0x1F)

/* ---- Bounded waiting ---------------------------------------------------- */

typedef gboolean (*Predicate) (gpointer data);

static gboolean
wait_until (Predicate pred,
            gpointer  data)
{
  return kdh_test_wait (pred, data, WAIT_SECONDS);
}

/* ---- A child process and its output ------------------------------------ */

typedef struct {
  const gchar *name;           /* for messages */
  GSubprocess *proc;
  GOutputStream *input;        /* its stdin pipe, or NULL */
  GInputStream *output;        /* its stdout (and stderr) pipe, or a pty master */
  int master;                  /* the pseudo-terminal's master, or -1 */
  int slave;                   /* our own descriptor of its slave, or -1 */
  struct termios initial;      /* the slave's settings before the child ran */
  GString *text;               /* all output so far */
  gsize mark;                  /* where the next expectation is searched from */
  gboolean reading;            /* a read is under way */
  gboolean eof;
  gboolean exited;
  GCancellable *cancellable;
  guint8 buf[4096];
} Proc;

static void read_more (Proc *p);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Proc *p = data;
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
read_more (Proc *p)
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
  Proc *p = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  p->exited = TRUE;
}

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

static gchar *
build_binary (const gchar *dir,
              const gchar *name)
{
  const gchar *build = g_getenv ("KDH_BUILD_DIR");

  if (build == NULL)
    return NULL;
  return g_build_filename (build, "src", dir, name, NULL);
}

/* NULL (and the test skipped) outside CTest; a failure when the build
 * directory is known but the program is not there. */
static gchar *
find_binary (const gchar *dir,
             const gchar *name)
{
  gchar *path = build_binary (dir, name);

  if (path == NULL)
    {
      g_test_skip ("KDH_BUILD_DIR is not set (run the test through ctest)");
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s not found; build the %s target", path, name);
  return path;
}

static Proc *
proc_new (const gchar *name)
{
  Proc *p = g_new0 (Proc, 1);

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

/* Starts @dir/@name with its stdin a pipe and its stdout and stderr one
 * pipe; NULL when the test is skipped. */
static Proc *
spawn_piped (const gchar *dir,
             const gchar *name,
             const gchar *first_arg,
             ...)
{
  gchar *binary = find_binary (dir, name);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (GError) error = NULL;
  va_list ap;
  Proc *p;

  if (binary == NULL)
    return NULL;
  va_start (ap, first_arg);
  argv = make_argv (binary, first_arg, ap);
  va_end (ap);

  p = proc_new (name);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, pipe_child_setup, NULL, NULL);
  p->proc = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  p->input = g_object_ref (g_subprocess_get_stdin_pipe (p->proc));
  p->output = g_object_ref (g_subprocess_get_stdout_pipe (p->proc));
  read_more (p);
  g_subprocess_wait_async (p->proc, NULL, on_exited, p);
  return p;
}

/* Starts kdhost-cli on a new pseudo-terminal that becomes its controlling
 * terminal; we keep the master and a descriptor of the slave (to look at
 * the terminal's settings). NULL when the test is skipped. */
static Proc *
spawn_on_terminal (const gchar *first_arg,
                   ...)
{
  gchar *binary = find_binary ("cli", "kdhost-cli");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (GError) error = NULL;
  gchar slave_name[128];
  va_list ap;
  Proc *p;

  if (binary == NULL)
    return NULL;
  va_start (ap, first_arg);
  argv = make_argv (binary, first_arg, ap);
  va_end (ap);

  p = proc_new ("kdhost-cli");
  p->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (p->master, >=, 0);
  g_assert_cmpint (grantpt (p->master), ==, 0);
  g_assert_cmpint (unlockpt (p->master), ==, 0);
  g_assert_cmpint (ptsname_r (p->master, slave_name, sizeof slave_name), ==, 0);
  p->slave = open (slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (p->slave, >=, 0);
  g_assert_cmpint (tcgetattr (p->slave, &p->initial), ==, 0);
  g_assert_cmpint (fcntl (p->master, F_SETFL, fcntl (p->master, F_GETFL) | O_NONBLOCK), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdin_fd (launcher, dup (p->slave));
  g_subprocess_launcher_take_stdout_fd (launcher, dup (p->slave));
  g_subprocess_launcher_take_stderr_fd (launcher, dup (p->slave));
  g_subprocess_launcher_set_child_setup (launcher, terminal_child_setup, NULL, NULL);
  p->proc = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  p->output = g_unix_input_stream_new (p->master, FALSE);
  read_more (p);
  g_subprocess_wait_async (p->proc, NULL, on_exited, p);
  return p;
}

static gboolean
proc_not_reading (Proc *p)
{
  return !p->reading;
}

static gboolean
proc_exited (Proc *p)
{
  return p->exited;
}

static void
proc_free (Proc *p)
{
  if (p == NULL)
    return;
  if (!p->exited)
    {
      g_subprocess_force_exit (p->proc);
      wait_until ((Predicate) proc_exited, p);
    }
  g_cancellable_cancel (p->cancellable);
  wait_until ((Predicate) proc_not_reading, p);
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proc, proc_free)

/* ---- Talking to it ------------------------------------------------------ */

static void
proc_send (Proc        *p,
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

      g_assert_cmpint (poll (&pfd, 1, WAIT_SECONDS * 1000), ==, 1);
      n = write (p->master, bytes, len);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      g_assert_cmpint (n, >, 0);
      bytes += n;
      len -= (gsize) n;
    }
}

/* End of file on its standard input. */
static void
proc_close_input (Proc *p)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_close (p->input, NULL, &error);
  g_assert_no_error (error);
}

typedef struct {
  Proc *p;
  const gchar *text;
} Expect;

static const gchar *
find_after_mark (Proc        *p,
                 const gchar *text)
{
  return strstr (p->text->str + p->mark, text);
}

static gboolean
expect_found (Expect *e)
{
  /* Stop early when no more output can come. */
  return find_after_mark (e->p, e->text) != NULL || e->p->eof;
}

static void G_GNUC_NORETURN
fail_with_output (Proc        *p,
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
proc_wait_for_at (Proc        *p,
                  const gchar *text,
                  const gchar *file,
                  int          line,
                  const gchar *func)
{
  Expect e = { p, text };
  const gchar *at;

  wait_until ((Predicate) expect_found, &e);
  at = find_after_mark (p, text);
  if (at == NULL)
    {
      g_autofree gchar *escaped = g_strescape (text, NULL);
      g_autofree gchar *what = g_strdup_printf ("%s waiting for \"%s\"",
                                                p->eof ? "end of output" : "timed out",
                                                escaped);

      fail_with_output (p, file, line, func, what);
    }
  return (gsize) (at - p->text->str);
}

/* Waits until the output after the mark holds @text, then moves the mark
 * past it: successive expectations check the order of the output. */
static void
proc_expect_at (Proc        *p,
                const gchar *text,
                const gchar *file,
                int          line,
                const gchar *func)
{
  p->mark = proc_wait_for_at (p, text, file, line, func) + strlen (text);
}

#define proc_expect(p, text) proc_expect_at ((p), (text), __FILE__, __LINE__, G_STRFUNC)

/* Waits for @text like proc_expect(), and asserts that the output between
 * the mark and @text does not hold @absent; the mark stays. */
static void
proc_assert_absent_before_at (Proc        *p,
                              const gchar *absent,
                              const gchar *text,
                              const gchar *file,
                              int          line,
                              const gchar *func)
{
  gsize end = proc_wait_for_at (p, text, file, line, func);
  g_autofree gchar *span = g_strndup (p->text->str + p->mark, end - p->mark);

  if (strstr (span, absent) != NULL)
    {
      g_autofree gchar *escaped = g_strescape (absent, NULL);
      g_autofree gchar *what = g_strdup_printf ("unexpected \"%s\" before \"%s\"", escaped,
                                                text);

      fail_with_output (p, file, line, func, what);
    }
}

#define proc_assert_absent_before(p, absent, text) \
  proc_assert_absent_before_at ((p), (absent), (text), __FILE__, __LINE__, G_STRFUNC)

static gboolean
proc_done (Proc *p)
{
  /* On a terminal we hold the slave open, so the master never ends. */
  return p->exited && (p->eof || p->master >= 0);
}

/* Waits for the process to exit (and its output to end) and returns its
 * exit status; fails if it does not, or if a signal killed it. */
static gint
proc_wait_exit_at (Proc        *p,
                   const gchar *file,
                   int          line,
                   const gchar *func)
{
  if (!wait_until ((Predicate) proc_done, p))
    fail_with_output (p, file, line, func, "did not exit");
  if (!g_subprocess_get_if_exited (p->proc))
    fail_with_output (p, file, line, func, "was killed by a signal");
  /* In a -DKDH_SANITIZE=ON build, the children report there too. */
  if (strstr (p->text->str, "Sanitizer") != NULL || strstr (p->text->str, "runtime error:") != NULL)
    fail_with_output (p, file, line, func, "a sanitizer reported an error");
  return g_subprocess_get_exit_status (p->proc);
}

#define proc_wait_exit(p) proc_wait_exit_at ((p), __FILE__, __LINE__, G_STRFUNC)

/* The line `dq` prints for the two pattern qwords at @addr, without its
 * end (a terminal ends it with CR LF). */
static gchar *
dq_line (guint64 addr)
{
  guint64 a = addr ^ PATTERN_XOR;
  guint64 b = (addr + 8) ^ PATTERN_XOR;

  return g_strdup_printf ("%08x`%08x  %08x`%08x %08x`%08x", (guint) (addr >> 32), (guint) addr,
                          (guint) (a >> 32), (guint) a, (guint) (b >> 32), (guint) b);
}

/* Expects @n_lines lines of `dq` output from @addr on, on a pipe. */
static void
expect_dq_lines (Proc    *p,
                 guint64  addr,
                 guint    n_lines)
{
  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree gchar *text = dq_line (addr + 16 * i);
      g_autofree gchar *line = g_strconcat (text, "\n", NULL);

      proc_expect (p, line);
    }
}

/* ---- Pipe mode ---------------------------------------------------------- */

/* A whole session as a script on a pipe would run it, one line at a time,
 * each sent once the previous one's output is there. */
static void
test_pipe_session (void)
{
  g_autoptr (Proc) cli = spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);

  if (cli == NULL)
    return;

  proc_expect (cli, "Kernel Debugger connection established.\n");
  proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");

  /* A script's lines are echoed after the prompt, as KD echoes input. */
  proc_send (cli, "vertarget\n");
  proc_expect (cli, "0: kd> vertarget\n");
  proc_expect (cli, "Windows 10 Kernel Version 19041 MP (2 procs) Free x64\n");
  proc_expect (cli, "Kernel base = 0xfffff800`02000000");
  proc_expect (cli, "Kernel connection: sim (Break)\n");

  proc_send (cli, "r\n");
  proc_expect (cli, "0: kd> r\n");
  proc_expect (cli, "rax=");
  proc_expect (cli, "rip=fffff80002001010 ");
  proc_expect (cli, "cs=0010  ss=0018");
  proc_expect (cli, "nt!DbgBreakPointWithStatus:\n");

  proc_send (cli, "dq fffff800`00400000 L4\n");
  proc_expect (cli, "0: kd> dq fffff800`00400000 L4\n");
  expect_dq_lines (cli, PATTERN_BASE, 2);

  /* Ctrl+R alone on a line. */
  proc_send (cli, "\x12\n");
  proc_expect (cli, "Kernel debugger connection resynchronized.\n");

  /* Go, then Ctrl+C alone on a line breaks in again. */
  proc_send (cli, "g\n");
  proc_expect (cli, "0: kd> g\n");
  proc_send (cli, "\x03\n");
  proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  proc_expect (cli, "nt!DbgBreakPointWithStatus:\n");

  /* Ctrl+D: the packet trace, for the next command only while it is on. */
  proc_send (cli, "\x04\n");
  proc_expect (cli, "Packet trace on.\n");
  proc_send (cli, "dq fffff800`00400100 L2\n");
  proc_expect (cli, "0: kd> dq fffff800`00400100 L2\n");
  proc_expect (cli, ">> id=");
  proc_expect (cli, "Manipulate ReadVirtualMemory");
  proc_expect (cli, "<< id=");
  expect_dq_lines (cli, PATTERN_BASE + 0x100, 1);
  proc_send (cli, "\x04\n");
  proc_expect (cli, "Packet trace off.\n");
  /* Memory not read before, so that it takes packets. */
  proc_send (cli, "dq fffff800`00400200 L2\n");
  proc_expect (cli, "0: kd> dq fffff800`00400200 L2\n");
  {
    g_autofree gchar *text = dq_line (PATTERN_BASE + 0x200);

    proc_assert_absent_before (cli, ">> ", text);
    proc_assert_absent_before (cli, "<< ", text);
    expect_dq_lines (cli, PATTERN_BASE + 0x200, 1);
  }

  /* An empty line repeats the dump where the last one ended. */
  proc_send (cli, "dq fffff800`00400000 L4\n");
  proc_expect (cli, "0: kd> dq fffff800`00400000 L4\n");
  expect_dq_lines (cli, PATTERN_BASE, 2);
  proc_send (cli, "\n");
  expect_dq_lines (cli, PATTERN_BASE + 0x20, 2);
  proc_send (cli, "\n");
  expect_dq_lines (cli, PATTERN_BASE + 0x40, 2);

  /* Ctrl+B quits. */
  proc_send (cli, "\x02\n");
  g_assert_cmpint (proc_wait_exit (cli), ==, 0);
}

/* `q` quits with status 0. */
static void
test_pipe_quit (void)
{
  g_autoptr (Proc) cli = spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);

  if (cli == NULL)
    return;

  proc_expect (cli, "Kernel Debugger connection established.\n");
  proc_send (cli, "q\n");
  g_assert_cmpint (proc_wait_exit (cli), ==, 0);
}

/* -c commands run first, then standard input's lines, in order; end of
 * file ends the program once the last command has finished. */
static void
test_pipe_commands_then_eof (void)
{
  g_autoptr (Proc) cli = spawn_piped ("cli", "kdhost-cli", "-k", "sim:", "-c", "vertarget; r",
                                      NULL);

  if (cli == NULL)
    return;

  /* All of the input at once, then end of file: each line still waits for
   * the one before it. */
  proc_send (cli, "r rip\ndq fffff800`00400000 L4\n");
  proc_close_input (cli);

  proc_expect (cli, "Kernel Debugger connection established.\n");
  proc_expect (cli, "0: kd> vertarget\n");
  proc_expect (cli, "Kernel connection: sim (Break)\n");
  proc_expect (cli, "0: kd> r\n");
  proc_expect (cli, "rax=");
  proc_expect (cli, "nt!DbgBreakPointWithStatus:\n");
  proc_expect (cli, "0: kd> r rip\n");
  proc_expect (cli, "rip=fffff80002001010\n");
  proc_expect (cli, "0: kd> dq fffff800`00400000 L4\n");
  expect_dq_lines (cli, PATTERN_BASE, 2);
  g_assert_cmpint (proc_wait_exit (cli), ==, 0);
}

/* A script that goes and breaks in at once: the break must wait for the
 * `g` before it, or it would find the target still stopped, be dropped,
 * and leave the target running. */
static void
test_pipe_go_break_script (void)
{
  g_autoptr (Proc) cli = spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);

  if (cli == NULL)
    return;

  proc_send (cli, "g\n\x03\nr rip\n");
  proc_close_input (cli);
  proc_expect (cli, "Kernel Debugger connection established.\n");
  proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  proc_expect (cli, "0: kd> g\n");
  proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  proc_expect (cli, "0: kd> r rip\n");
  proc_expect (cli, "rip=fffff80002001010\n");
  g_assert_cmpint (proc_wait_exit (cli), ==, 0);
}

/* ---- Errors ------------------------------------------------------------- */

static void
test_error_bad_connection_string (void)
{
  g_autoptr (Proc) cli = spawn_piped ("cli", "kdhost-cli", "-k", "com:port=/dev/ttyS0,bad=1",
                                      NULL);

  if (cli == NULL)
    return;

  /* Standard input stays open: the failed attach alone ends it. */
  proc_expect (cli, "bad=1");
  g_assert_cmpint (proc_wait_exit (cli), !=, 0);
}

static void
test_error_no_socket (void)
{
  g_autoptr (Proc) cli = spawn_piped ("cli", "kdhost-cli", "-k",
                                      "com:pipe,port=/nonexistent/x.sock", NULL);

  if (cli == NULL)
    return;

  proc_expect (cli, "/nonexistent/x.sock");
  proc_expect (cli, "No such file or directory");
  g_assert_cmpint (proc_wait_exit (cli), !=, 0);
}

/* An unknown command is reported and the session goes on; a script whose
 * last command failed ends with a failure status. */
static void
test_error_unknown_command (void)
{
  g_autoptr (Proc) cli = spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);
  g_autoptr (Proc) script = NULL;

  if (cli == NULL)
    return;

  proc_send (cli, "frobnicate 1 2\n");
  proc_expect (cli, "0: kd> frobnicate 1 2\n");
  proc_expect (cli, "Unknown command");
  proc_send (cli, "vertarget\n");
  proc_expect (cli, "Kernel connection: sim (Break)\n");
  proc_send (cli, "q\n");
  g_assert_cmpint (proc_wait_exit (cli), ==, 0);

  script = spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);
  proc_send (script, "frobnicate\n");
  proc_close_input (script);
  proc_expect (script, "Unknown command");
  g_assert_cmpint (proc_wait_exit (script), !=, 0);
}

/* ---- Terminal mode ------------------------------------------------------ */

static void
get_termios (Proc           *p,
             struct termios *t)
{
  g_assert_cmpint (tcgetattr (p->slave, t), ==, 0);
}

/* KD's keys on a real terminal: Ctrl+C through the line discipline as
 * SIGINT, and Ctrl+R and Ctrl+D as characters of a line, which needs the
 * terminal's reprint and end-of-file characters switched off while
 * kdhost-cli runs (and back on after). */
static void
test_terminal_keys (void)
{
  g_autoptr (Proc) cli = NULL;
  struct termios during, after;

  /* The target prints while it runs, which shows when `g` has gone. */
  cli = spawn_on_terminal ("-k", "sim:dbgprint-rate=20", NULL);
  if (cli == NULL)
    return;
  /* A new terminal's defaults, which the test relies on. */
  g_assert_cmpint (cli->initial.c_cc[VREPRINT], ==, KEY_CTRL ('R'));
  g_assert_cmpint (cli->initial.c_cc[VEOF], ==, KEY_CTRL ('D'));

  proc_expect (cli, "Kernel Debugger connection established.");
  proc_expect (cli, "Break instruction exception - code 80000003 (first chance)");
  proc_expect (cli, "0: kd> ");

  get_termios (cli, &during);
  g_assert_cmpint (during.c_cc[VREPRINT], ==, _POSIX_VDISABLE);
  g_assert_cmpint (during.c_cc[VEOF], ==, _POSIX_VDISABLE);
  g_assert_true (during.c_lflag & ISIG);
  g_assert_cmpint (during.c_cc[VINTR], ==, KEY_CTRL ('C'));

  proc_send (cli, "vertarget\r");
  proc_expect (cli, "Windows 10 Kernel Version 19041 MP (2 procs) Free x64");
  proc_expect (cli, "Kernel connection: sim dbgprint-rate=20 (Break)");
  proc_expect (cli, "0: kd> ");

  /* Go; once the target prints, Ctrl+C breaks in. */
  proc_send (cli, "g\r");
  proc_expect (cli, "kdhtest: dbgprint seq=");
  proc_send (cli, "\x03");
  proc_expect (cli, "Break instruction exception - code 80000003 (first chance)");
  proc_expect (cli, "0: kd> ");

  /* Ctrl+R, Enter. */
  proc_send (cli, "\x12\r");
  proc_expect (cli, "Kernel debugger connection resynchronized.");
  proc_expect (cli, "0: kd> ");

  /* Ctrl+D, Enter, twice around a command. */
  proc_send (cli, "\x04\r");
  proc_expect (cli, "Packet trace on.");
  proc_expect (cli, "0: kd> ");
  proc_send (cli, "dq fffff800`00400100 L2\r");
  proc_expect (cli, ">> id=");
  proc_expect (cli, "<< id=");
  {
    g_autofree gchar *text = dq_line (PATTERN_BASE + 0x100);

    proc_expect (cli, text);
  }
  proc_expect (cli, "0: kd> ");
  proc_send (cli, "\x04\r");
  proc_expect (cli, "Packet trace off.");
  proc_expect (cli, "0: kd> ");

  proc_send (cli, "q\r");
  g_assert_cmpint (proc_wait_exit (cli), ==, 0);

  /* The terminal is as it was. */
  get_termios (cli, &after);
  g_assert_cmpint (after.c_cc[VREPRINT], ==, cli->initial.c_cc[VREPRINT]);
  g_assert_cmpint (after.c_cc[VEOF], ==, cli->initial.c_cc[VEOF]);
  g_assert_cmpint (after.c_cc[VDISCARD], ==, cli->initial.c_cc[VDISCARD]);
  g_assert_cmpint (after.c_lflag, ==, cli->initial.c_lflag);
  g_assert_cmpint (after.c_iflag, ==, cli->initial.c_iflag);
}

/* ---- Against a kdhost-sim process --------------------------------------- */

typedef struct {
  const gchar *path;
  guint64 value;
} Counter;

/* resets_received from a counters file; FALSE while it is not there. */
static gboolean
read_resets_received (const gchar *path,
                      guint64     *value)
{
  g_autofree gchar *contents = NULL;
  const gchar *key = "resets_received=";
  const gchar *at;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  at = strstr (contents, key);
  if (at == NULL)
    return FALSE;
  *value = g_ascii_strtoull (at + strlen (key), NULL, 10);
  return TRUE;
}

static gboolean
counter_changed (Counter *c)
{
  guint64 now;

  return read_resets_received (c->path, &now) && now != c->value;
}

static void
test_sim_process_resync (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = NULL, *socket_path = NULL, *counters_path = NULL;
  g_autofree gchar *listen = NULL, *counters_arg = NULL, *connection = NULL;
  g_autofree gchar *listening = NULL, *sim_binary = NULL;
  g_autoptr (Proc) sim = NULL;
  g_autoptr (Proc) cli = NULL;
  Counter counter;
  guint64 baseline, after;

  sim_binary = find_binary ("sim", "kdhost-sim");
  if (sim_binary == NULL)
    return;
  dir = g_dir_make_tmp ("kdh-cli-XXXXXX", &error);
  g_assert_no_error (error);
  socket_path = g_build_filename (dir, "sim.sock", NULL);
  counters_path = g_build_filename (dir, "counters", NULL);
  listen = g_strconcat ("unix:", socket_path, NULL);
  counters_arg = g_strconcat ("--counters-file=", counters_path, NULL);
  connection = g_strconcat ("com:pipe,port=", socket_path, NULL);

  sim = spawn_piped ("sim", "kdhost-sim", "--listen", listen, counters_arg, "--quiet", NULL);
  listening = g_strconcat ("kdhost-sim: listening on unix:", socket_path, "\n", NULL);
  proc_expect (sim, listening);

  cli = spawn_piped ("cli", "kdhost-cli", "-k", connection, NULL);
  proc_expect (cli, "Kernel Debugger connection established.\n");
  proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  /* A command after the attach: by the time its answer is back, the
   * target has counted every RESET the attach sent. */
  proc_send (cli, "r rip\n");
  proc_expect (cli, "rip=fffff80002001010\n");

  /* SIGUSR1 makes the target print its counters (and write the file). */
  g_subprocess_send_signal (sim->proc, SIGUSR1);
  proc_expect (sim, "kdhost-sim: counters resets_received=");
  baseline = g_ascii_strtoull (sim->text->str + sim->mark, NULL, 10);
  g_assert_cmpuint (baseline, >=, 1);

  proc_send (cli, "\x12\n");
  proc_expect (cli, "Kernel debugger connection resynchronized.\n");

  counter.path = counters_path;
  counter.value = baseline;
  g_assert_true (wait_until ((Predicate) counter_changed, &counter));
  g_assert_true (read_resets_received (counters_path, &after));
  g_assert_cmpuint (after, ==, baseline + 1);

  /* Still connected; and once a command has gone through after the
   * resync, the target has still seen exactly one more RESET. */
  proc_send (cli, "r rip\n");
  proc_expect (cli, "0: kd> r rip\n");
  proc_expect (cli, "rip=fffff80002001010\n");
  g_subprocess_send_signal (sim->proc, SIGUSR1);
  proc_expect (sim, "kdhost-sim: counters resets_received=");
  g_assert_cmpuint (g_ascii_strtoull (sim->text->str + sim->mark, NULL, 10), ==, baseline + 1);
  proc_send (cli, "q\n");
  g_assert_cmpint (proc_wait_exit (cli), ==, 0);

  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_assert_cmpint (proc_wait_exit (sim), ==, 0);
  g_unlink (counters_path);
  g_unlink (socket_path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A child that has gone must fail our writes, not kill us. */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/cli/pipe/session", test_pipe_session);
  g_test_add_func ("/cli/pipe/quit", test_pipe_quit);
  g_test_add_func ("/cli/pipe/commands-then-eof", test_pipe_commands_then_eof);
  g_test_add_func ("/cli/pipe/go-break-script", test_pipe_go_break_script);
  g_test_add_func ("/cli/errors/bad-connection-string", test_error_bad_connection_string);
  g_test_add_func ("/cli/errors/no-socket", test_error_no_socket);
  g_test_add_func ("/cli/errors/unknown-command", test_error_unknown_command);
  g_test_add_func ("/cli/terminal/keys", test_terminal_keys);
  g_test_add_func ("/cli/sim-process/resync", test_sim_process_resync);

  return g_test_run ();
}
