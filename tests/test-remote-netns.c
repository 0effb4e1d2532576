/* test-remote-netns.c: a remote session across a real network interface
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two network namespaces made by the test, joined by a veth pair:
 * 10.200.0.1/24 (the server's) and 10.200.0.2/24 (the client's), the
 * project's own test hosts. kdhost-cli serves a simulated target in one;
 * gdbus and kdhost-cli -remote reach it from the other, so the session
 * crosses an interface that is not loopback. Needs root (or the right to
 * make namespaces): skipped with a message otherwise.
 *
 * The scenario runs in a subprocess, so that the namespaces are removed
 * by the parent whatever becomes of it.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kdh-test-proc.h"

#define SERVER_ADDRESS "10.200.0.1"
#define CLIENT_ADDRESS "10.200.0.2"
#define PORT           "5005"
#define WAIT_S         60

static gchar *ns_server, *ns_client, *veth_server, *veth_client;

static void
names_for (const gchar *suffix)
{
  ns_server = g_strdup_printf ("kdhsrv-%s", suffix);
  ns_client = g_strdup_printf ("kdhcli-%s", suffix);
  /* Interface names: at most 15 characters. */
  veth_server = g_strdup_printf ("kdh%sa", suffix);
  veth_client = g_strdup_printf ("kdh%sb", suffix);
}

/* Runs a command to its end; FALSE with its error output in @error. */
static gboolean
run (GError      **error,
     const gchar  *first,
     ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *err = NULL;
  gint status;
  va_list args;

  va_start (args, first);
  for (const gchar *a = first; a; a = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                     &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", first, g_strstrip (err));
      return FALSE;
    }
  return TRUE;
}

static void
remove_namespaces (void)
{
  /* Deleting a namespace deletes the veth end inside it, and so the pair;
   * the last one is for a pair that never got moved. */
  run (NULL, "ip", "netns", "del", ns_server, NULL);
  run (NULL, "ip", "netns", "del", ns_client, NULL);
  run (NULL, "ip", "link", "del", veth_server, NULL);
}

/* Namespaces left by a run that was killed (its PID is gone). */
static void
remove_stale_namespaces (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/run/netns", 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      guint64 pid;

      if ((g_str_has_prefix (name, "kdhsrv-") || g_str_has_prefix (name, "kdhcli-"))
          && g_ascii_string_to_unsigned (name + 7, 10, 1, G_MAXINT, &pid, NULL)
          && kill ((pid_t) pid, 0) < 0)
        run (NULL, "ip", "netns", "del", name, NULL);
    }
}

static gboolean
make_namespaces (GError **error)
{
  return run (error, "ip", "netns", "add", ns_server, NULL)
         && run (error, "ip", "netns", "add", ns_client, NULL)
         && run (error, "ip", "link", "add", veth_server, "type", "veth", "peer", "name",
                 veth_client, NULL)
         && run (error, "ip", "link", "set", veth_server, "netns", ns_server, NULL)
         && run (error, "ip", "link", "set", veth_client, "netns", ns_client, NULL)
         && run (error, "ip", "-n", ns_server, "addr", "add", SERVER_ADDRESS "/24", "dev",
                 veth_server, NULL)
         && run (error, "ip", "-n", ns_client, "addr", "add", CLIENT_ADDRESS "/24", "dev",
                 veth_client, NULL)
         && run (error, "ip", "-n", ns_server, "link", "set", "lo", "up", NULL)
         && run (error, "ip", "-n", ns_client, "link", "set", "lo", "up", NULL)
         && run (error, "ip", "-n", ns_server, "link", "set", veth_server, "up", NULL)
         && run (error, "ip", "-n", ns_client, "link", "set", veth_client, "up", NULL);
}

/* ---- The scenario (in the subprocess) ----------------------------------- */

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_until (gboolean    *done,
           const gchar *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_S, on_timeout, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out after %d s waiting for %s", WAIT_S, what);
  g_source_remove (id);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct {
  GDataInputStream *in;
  GString *text;
  const gchar *needle;
  gboolean found;
  gboolean eof;
} Reader;

static void read_more (Reader *r);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Reader *r = data;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (r->in, result, NULL, NULL);

  if (line == NULL)
    {
      r->eof = TRUE;
      return;
    }
  if (g_test_verbose ())
    g_printerr ("server: %s\n", line);
  g_string_append_printf (r->text, "%s\n", line);
  read_more (r);
}

static void
read_more (Reader *r)
{
  if (r->needle && strstr (r->text->str, r->needle))
    r->found = TRUE;
  g_data_input_stream_read_line_async (r->in, G_PRIORITY_DEFAULT, NULL, on_line, r);
}

static void
wait_server (Reader      *r,
             const gchar *needle)
{
  r->needle = needle;
  r->found = strstr (r->text->str, needle) != NULL;
  run_until (&r->found, needle);
}

typedef struct {
  gboolean done;
  gchar *out;
} Finished;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Finished *f = data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &f->out, NULL, NULL);
  f->done = TRUE;
}

/* Runs @argv in the client's namespace with @input, bounded; returns
 * what it printed. */
static gchar *
run_in_client (const gchar *const *argv,
               const gchar        *input)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                               | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  Finished f = { FALSE, NULL };

  g_ptr_array_add (full, (gpointer) "ip");
  g_ptr_array_add (full, (gpointer) "netns");
  g_ptr_array_add (full, (gpointer) "exec");
  g_ptr_array_add (full, ns_client);
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (full, (gpointer) argv[i]);
  g_ptr_array_add (full, NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) full->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, input, NULL, on_communicated, &f);
  run_until (&f.done, argv[0]);
  g_test_message ("%s: %s", argv[0], f.out);
  if (!g_subprocess_get_successful (process))
    g_error ("%s failed: %s", argv[0], f.out);
  return f.out;
}

static void
scenario (void)
{
  g_autofree gchar *cli = g_build_filename (g_getenv ("KDH_BUILD_DIR"), "src", "cli", "kdhost-cli",
                                            NULL);
  g_autofree gchar *gdbus = kdh_test_require_program ("gdbus", "libglib2.0-bin");
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                               | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) server = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  Reader r = { NULL, };
  const gchar *argv[] = { "ip", "netns", "exec", ns_server, cli, "-k", "sim:",
                          "-c", ".server tcp:port=" PORT, NULL };

  /* The server; its standard input stays open, as a terminal's would. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  r.in = in;
  r.text = g_string_new (NULL);
  read_more (&r);
  /* It lists its address on the veth, and warns: no password. */
  wait_server (&r, "kdhost -remote tcp:Port=" PORT ",Server=" SERVER_ADDRESS "\n");
  wait_server (&r, "Warning: server 0 (tcp port " PORT ")");

  {
    const gchar *call[] = { gdbus, "call", "--address",
                            "tcp:host=" SERVER_ADDRESS ",port=" PORT, "--dest",
                            "org.kdhost.Session", "--object-path", "/org/kdhost/Session",
                            "--method", "org.kdhost.Session1.Execute", "vertarget", NULL };
    g_autofree gchar *out = run_in_client (call, NULL);

    g_assert_nonnull (strstr (out, "Kernel base = 0xfffff800`02000000"));
    wait_server (&r, "Client anonymous@" CLIENT_ADDRESS " connected (tcp " CLIENT_ADDRESS ":");
  }

  {
    const gchar *remote[] = { cli, "-remote", "tcp:Port=" PORT ",Server=" SERVER_ADDRESS, NULL };
    g_autofree gchar *out = run_in_client (remote, "vertarget\n.echo across the veth\n");

    g_assert_nonnull (strstr (out, "Connected to the debugging server"));
    g_assert_nonnull (strstr (out, "Kernel base = 0xfffff800`02000000"));
    g_assert_nonnull (strstr (out, "across the veth\n"));
    wait_server (&r, "0: kd> .echo across the veth\n");
    wait_server (&r, " disconnected (tcp " CLIENT_ADDRESS ":");
  }

  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  while (!r.eof)
    g_main_context_iteration (NULL, TRUE);
  g_string_free (r.text, TRUE);
}

/* ---- The test ------------------------------------------------------------- */

static void
test_across_namespaces (void)
{
  g_autoptr (GError) error = NULL;

  if (g_test_subprocess ())
    {
      names_for (g_getenv ("KDH_NETNS_SUFFIX"));
      scenario ();
      return;
    }
  if (getuid () != 0)
    {
      g_test_skip ("network namespaces need root: run as root to cross a veth pair");
      return;
    }
  g_free (kdh_test_require_program ("ip", "iproute2"));
  remove_stale_namespaces ();
  if (!make_namespaces (&error))
    {
      g_autofree gchar *why = g_strdup_printf ("cannot make network namespaces here (%s)",
                                               error->message);

      remove_namespaces ();
      g_test_skip (why);
      return;
    }
  g_test_trap_subprocess (NULL, 3 * WAIT_S * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  remove_namespaces ();
  g_test_trap_assert_passed ();
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *suffix = g_strdup_printf ("%d", getpid ());

  g_test_init (&argc, &argv, NULL);
  if (!g_test_subprocess ())
    {
      /* The subprocess finds the same names through the environment. */
      g_setenv ("KDH_NETNS_SUFFIX", suffix, TRUE);
      names_for (suffix);
    }
  g_test_add_func ("/remote/netns/across-veth", test_across_namespaces);
  return g_test_run ();
}
