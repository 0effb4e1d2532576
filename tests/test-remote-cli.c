/* test-remote-cli.c: kdhost-cli -remote against kdhost-cli -server
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two kdhost-cli processes, as two people would run them: one debugs the
 * simulated target and shares the session (-server, spelled as WinDbg
 * spells it), the other joins it (-remote). Both read commands from a
 * pipe; their output is read as it comes. Loopback only; every wait is
 * bounded and fails with the output so far.
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>

#include "kdh-test-net.h"

#define WAIT_S 60

typedef struct {
  const gchar *name;
  GSubprocess *proc;
  GOutputStream *input;
  GInputStream *output;
  GString *text;
  GCancellable *cancellable;
  gboolean exited;
  guint8 buf[4096];
} Proc;

static void read_more (Proc *p);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Proc *p = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    return;
  g_string_append_len (p->text, (const gchar *) p->buf, n);
  if (g_test_verbose ())
    g_printerr ("[%s] %.*s", p->name, (int) n, p->buf);
  read_more (p);
}

static void
read_more (Proc *p)
{
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
child_setup (gpointer data)
{
  /* If the test dies half-way, so do its children. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Proc *
spawn_cli (const gchar *name,
           const gchar *const *args)
{
  g_autofree gchar *binary = g_build_filename (g_getenv ("KDH_BUILD_DIR"), "src", "cli",
                                               "kdhost-cli", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Proc *p = g_new0 (Proc, 1);

  g_ptr_array_add (argv, binary);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  p->name = name;
  p->text = g_string_new (NULL);
  p->cancellable = g_cancellable_new ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  p->proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  p->input = g_object_ref (g_subprocess_get_stdin_pipe (p->proc));
  p->output = g_object_ref (g_subprocess_get_stdout_pipe (p->proc));
  read_more (p);
  g_subprocess_wait_async (p->proc, NULL, on_exited, p);
  return p;
}

static void
proc_free (Proc *p)
{
  if (!p->exited)
    {
      g_subprocess_force_exit (p->proc);
      g_subprocess_wait (p->proc, NULL, NULL);
    }
  g_cancellable_cancel (p->cancellable);
  /* Let the cancelled read and the wait report back. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (p->input);
  g_object_unref (p->output);
  g_object_unref (p->proc);
  g_object_unref (p->cancellable);
  g_string_free (p->text, TRUE);
  g_free (p);
}

static void
send_line (Proc        *p,
           const gchar *line)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = g_strdup_printf ("%s\n", line);

  g_output_stream_write_all (p->input, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (p->input, NULL, NULL);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Predicate) (Proc *p, gconstpointer data);

static void
wait_for (Proc          *p,
          Predicate      pred,
          gconstpointer  data,
          const gchar   *what)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (WAIT_S, on_timeout, &expired);
  guint tick = g_timeout_add (20, on_tick, NULL);

  while (!pred (p, data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (expired)
    g_error ("%s: timed out waiting for %s; output so far:\n%s", p->name, what, p->text->str);
  g_source_remove (timeout);
}

static gboolean
has_text (Proc          *p,
          gconstpointer  data)
{
  return strstr (p->text->str, data) != NULL;
}

static gboolean
has_exited (Proc          *p,
            gconstpointer  data)
{
  return p->exited;
}

static void
wait_text (Proc        *p,
           const gchar *text)
{
  g_autofree gchar *what = g_strdup_printf ("'%s'", text);

  wait_for (p, has_text, text, what);
}

typedef struct {
  Proc *server;
  Proc *client;
  guint16 port;
} Pair;

static void
pair_start (Pair *pair)
{
  g_autofree gchar *server_string = NULL;
  g_autofree gchar *remote = NULL;
  g_autofree gchar *listed = NULL;

  pair->port = kdh_test_free_port ();
  server_string = g_strdup_printf ("tcp:port=%u,bind=127.0.0.1", pair->port);
  {
    const gchar *args[] = { "-k", "sim:", "-server", server_string, NULL };

    pair->server = spawn_cli ("server", args);
  }
  /* The server says how to connect once it listens. */
  listed = g_strdup_printf ("tcp:Port=%u", pair->port);
  wait_text (pair->server, listed);
  wait_text (pair->server, "Windows 10");

  remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", pair->port);
  {
    const gchar *args[] = { "-remote", remote, NULL };

    pair->client = spawn_cli ("client", args);
  }
  wait_text (pair->client, "Connected to the debugging server");
}

static void
pair_stop (Pair *pair)
{
  if (pair->client)
    proc_free (pair->client);
  if (pair->server)
    {
      if (!pair->server->exited)
        {
          g_output_stream_close (pair->server->input, NULL, NULL);
          wait_for (pair->server, has_exited, NULL, "the server to exit");
        }
      proc_free (pair->server);
    }
}

/* A command from the client runs on the server's target, is echoed on the
 * server with the client's name, and the server's own commands reach the
 * client; q ends the client only. */
static void
test_echo (void)
{
  Pair pair = { 0 };
  g_autofree gchar *echo = g_strdup_printf ("[%s@%s] 0: kd> vertarget", g_get_user_name (),
                                            g_get_host_name ());

  pair_start (&pair);
  send_line (pair.client, "vertarget");
  wait_text (pair.client, "Windows 10 Kernel Version 19041");
  wait_text (pair.server, echo);
  wait_text (pair.client, echo);

  send_line (pair.server, "? 2+3");
  wait_text (pair.client, "0: kd> ? 2+3");
  wait_text (pair.client, "Evaluate expression: 5");

  send_line (pair.client, "q");
  wait_for (pair.client, has_exited, NULL, "the client to exit after q");
  g_assert_true (g_subprocess_get_if_exited (pair.client->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (pair.client->proc), ==, 0);

  /* The session goes on without it. */
  send_line (pair.server, ".echo still here");
  wait_text (pair.server, "still here");
  pair_stop (&pair);
}

/* The server dies: the client says so. */
static void
test_server_killed (void)
{
  Pair pair = { 0 };

  pair_start (&pair);
  send_line (pair.client, "r");
  wait_text (pair.client, "rip=");
  g_subprocess_force_exit (pair.server->proc);
  wait_for (pair.server, has_exited, NULL, "the server to die");
  wait_text (pair.client, "closed the connection");
  send_line (pair.client, "q");
  wait_for (pair.client, has_exited, NULL, "the client to exit after q");
  pair_stop (&pair);
}

/* A refused connection ends a scripted client with a failure. */
static void
test_refused (void)
{
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *message = g_strdup_printf ("cannot connect to 127.0.0.1:%u: Connection refused",
                                               port);
  const gchar *args[] = { "--remote", remote, NULL };
  Proc *client = spawn_cli ("client", args);

  wait_for (client, has_exited, NULL, "the client to give up");
  g_assert_nonnull (strstr (client->text->str, message));
  g_assert_cmpint (g_subprocess_get_exit_status (client->proc), ==, 1);
  proc_free (client);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("KDH_BUILD_DIR") == NULL)
    {
      g_test_message ("KDH_BUILD_DIR is not set (run the test through ctest)");
      return 77;
    }
  g_test_add_func ("/remote/cli/echo", test_echo);
  g_test_add_func ("/remote/cli/server-killed", test_server_killed);
  g_test_add_func ("/remote/cli/refused", test_refused);
  return g_test_run ();
}
