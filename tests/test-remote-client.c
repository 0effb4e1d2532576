/* test-remote-client.c: debugging clients (-remote) against debugging servers
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A server engine (on the in-process simulator, sharing its session with
 * .server) and client engines live in this process, each engine on its
 * own thread, all delivering their events to the test's main context.
 * Clients attach with kdh_engine_connect_remote() and are checked the way
 * a front end sees them: states, prompts, output and command results, and
 * the simulator's counters on the server side show that what a client
 * asked for reached the target. A fake server (a GDBusServer speaking
 * org.kdhost.Session1 from this file) covers what a real one never does:
 * another protocol version, gaps in the output, a server that hangs.
 * Everything stays on the loopback interface or in a temporary runtime
 * directory, and every wait is bounded.
 */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>

#include "remote/kdh-remote-protocol.h"
#include "kdh-test-engine.h"
#include "kdh-test-net.h"
#include "kdh-test-proc.h"

#define WAIT_S 60

static gchar *runtime_dir;

/* GCC 12's LeakSanitizer crashes at exit on the dynamic TLS that GnuTLS
 * (loaded by glib-networking) leaves in the threads that ran it. The tests
 * that use TLS therefore run in a subprocess of their own, which skips the
 * leak check; every other test keeps it, on the same client code. */
static gboolean used_tls;

int __lsan_is_turned_off (void);

int
__lsan_is_turned_off (void)
{
  return used_tls;
}

/* TRUE in the subprocess that is to run the test; in the parent, runs
 * it there and checks that it passed. */
static gboolean
run_in_subprocess (void)
{
  if (g_test_subprocess ())
    {
      used_tls = TRUE;
      return TRUE;
    }
  g_test_trap_subprocess (NULL, 300 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

/* ---- Helpers ------------------------------------------------------------ */

static gchar *
my_name (void)
{
  return g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
}

typedef struct {
  KdhTestEngine *t;
  const gchar *text;
  gsize from;
  KdhConnState state;
  guint count;
} Wait;

static gboolean
output_has (gpointer data)
{
  Wait *w = data;

  return w->t->output->len >= w->from && strstr (w->t->output->str + w->from, w->text) != NULL;
}

static void
wait_output (KdhTestEngine *t,
             gsize          from,
             const gchar   *text)
{
  Wait w = { t, text, from };
  g_autofree gchar *what = g_strdup_printf ("output '%s' (so far: %s)", text,
                                            t->output->str + from);

  kdh_test_run_until (output_has, &w, WAIT_S, what);
}

static gboolean
state_seen (gpointer data)
{
  Wait *w = data;

  return kdh_test_engine_saw_state (w->t, (guint) w->from, w->state);
}

/* Waits until @state is announced at or after STATE event @from. */
static void
wait_state_from (KdhTestEngine *t,
                 guint          from,
                 KdhConnState   state)
{
  Wait w = { t, NULL, from, state };
  g_autofree gchar *what = g_strdup_printf ("state %s", kdh_conn_state_name (state));

  kdh_test_run_until (state_seen, &w, WAIT_S, what);
}

static gboolean
is_ready (gpointer data)
{
  return ((KdhTestEngine *) data)->ready;
}

static void
wait_ready (KdhTestEngine *t)
{
  kdh_test_run_until (is_ready, t, WAIT_S, "the prompt");
}

static const gchar *
last_reason (KdhTestEngine *t)
{
  return t->reasons->len ? t->reasons->pdata[t->reasons->len - 1] : "";
}

static const gchar *
last_transport (KdhTestEngine *t)
{
  return t->transports->len ? t->transports->pdata[t->transports->len - 1] : "";
}

/* A server engine on the simulator, at a break. */
static void
server_init (KdhTestEngine *server,
             const gchar   *sim)
{
  kdh_test_engine_init (server);
  kdh_test_engine_attach (server, sim ? sim : "sim:");
  kdh_test_engine_wait_state (server, KDH_CONN_BREAK, WAIT_S);
}

static void
server_start (KdhTestEngine *server,
              const gchar   *format,
              ...) G_GNUC_PRINTF (2, 3);

static void
server_start (KdhTestEngine *server,
              const gchar   *format,
              ...)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *out = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_strdup_printf (".server %s", text);
  out = kdh_test_engine_run (server, line, FALSE);
  g_assert_nonnull (strstr (out, "-remote"));
}

/* Connects @client (initialised here) and returns whether it worked. */
static gboolean
client_connect (KdhTestEngine *client,
                const gchar   *remote)
{
  guint token;

  kdh_test_engine_init (client);
  token = kdh_engine_connect_remote (client->engine, remote);
  return kdh_test_engine_wait_token (client, token, WAIT_S);
}

static KdhSimCounters
counters (KdhTestEngine *server)
{
  return kdh_test_engine_sim_counters (server);
}

typedef struct {
  KdhTestEngine *server;
  guint64 resets;
  guint64 breakins;
} CounterWait;

static gboolean
resets_above (gpointer data)
{
  CounterWait *w = data;

  return counters (w->server).resets_received > w->resets;
}

static gboolean
breakins_above (gpointer data)
{
  CounterWait *w = data;

  return counters (w->server).breakins > w->breakins;
}

/* The DbgPrint lines in @text run on without gaps from the first one. */
static guint
check_dbgprints (const gchar *text)
{
  static const gchar prefix[] = "kdhtest: dbgprint seq=";
  const gchar *p = strstr (text, prefix);

  if (p == NULL)
    return 0;
  return kdh_test_check_dbgprint_sequence (p, g_ascii_strtoull (p + strlen (prefix), NULL, 10));
}

typedef struct {
  KdhTestEngine *t;
  guint lines;
} PrintWait;

static gboolean
enough_dbgprints (gpointer data)
{
  PrintWait *w = data;

  return check_dbgprints (w->t->target_output->str) >= w->lines;
}

/* ---- One client: the session through the server ------------------------ */

static void
test_session (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *transport = g_strdup_printf ("remote tcp 127.0.0.1:%u — ", port);
  g_autofree gchar *name = my_name ();
  g_autofree gchar *echo = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *options = NULL;
  CounterWait cw = { &server };
  PrintWait pw = { &client, 20 };
  guint from, token;

  server_init (&server, "sim:dbgprint-rate=200");
  server_start (&server, "tcp:port=%u,bind=127.0.0.1", port);
  g_assert_true (client_connect (&client, remote));

  /* The server's state, with both links in the transport. */
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, WAIT_S);
  g_assert_true (g_str_has_prefix (last_transport (&client), transport));
  g_assert_nonnull (strstr (last_transport (&client), "sim"));
  options = kdh_engine_dup_connection_options (client.engine);
  g_assert_cmpstr (options, ==, remote);
  wait_ready (&client);

  /* A command runs on the server; everyone sees it echoed with our name. */
  out = kdh_test_engine_run (&client, "vertarget", FALSE);
  g_assert_nonnull (strstr (out, "Windows 10 Kernel Version 19041"));
  g_clear_pointer (&out, g_free);
  echo = g_strdup_printf ("%s: 0: kd> vertarget\n", name);
  g_assert_nonnull (strstr (client.echoes->str, echo));
  wait_output (&server, 0, "Windows 10 Kernel Version 19041");
  g_assert_nonnull (strstr (server.echoes->str, echo));

  /* g: the target runs, its DbgPrint output reaches the client in order. */
  from = client.states->len;
  g_free (kdh_test_engine_run (&client, "g", FALSE));
  wait_state_from (&client, from, KDH_CONN_RUNNING);
  kdh_test_run_until (enough_dbgprints, &pw, WAIT_S, "20 DbgPrint lines on the client");

  /* Break from the client reaches the target. */
  cw.breakins = counters (&server).breakins;
  from = client.states->len;
  kdh_engine_break (client.engine);
  wait_state_from (&client, from, KDH_CONN_BREAK);
  kdh_test_run_until (breakins_above, &cw, WAIT_S, "a break-in on the target");
  check_dbgprints (client.target_output->str);
  wait_ready (&client);

  /* Resync from the client reaches the target too. */
  cw.resets = counters (&server).resets_received;
  from = client.states->len;
  token = kdh_engine_resync (client.engine);
  g_assert_true (kdh_test_engine_wait_token (&client, token, WAIT_S));
  kdh_test_run_until (resets_above, &cw, WAIT_S, "a RESET on the target");
  wait_state_from (&client, from, KDH_CONN_RESYNCHRONIZING);
  wait_state_from (&client, from, KDH_CONN_BREAK);
  wait_ready (&client);

  /* .restart is the server's alone, typed or through the menu. */
  g_free (kdh_test_engine_run (&client, ".restart", TRUE));
  wait_output (&client, 0, ".restart is not allowed from a remote debugging client");
  token = kdh_engine_restart (client.engine);
  g_assert_false (kdh_test_engine_wait_token (&client, token, WAIT_S));
  g_assert_nonnull (strstr (client.errors->str,
                            ".restart is not allowed from a remote debugging client; run it on the "
                            "debugging server."));

  /* ... and the server's own works, which the client watches. */
  from = client.states->len;
  g_free (kdh_test_engine_run (&server, ".restart", FALSE));
  wait_state_from (&client, from, KDH_CONN_RESTARTING);
  wait_state_from (&client, from, KDH_CONN_BREAK);

  /* q ends the client, not the session. */
  from = client.states->len;
  kdh_engine_execute (client.engine, "q", NULL);
  wait_state_from (&client, from, KDH_CONN_DISCONNECTED);
  g_assert_cmpint (server.state, ==, KDH_CONN_BREAK);
  g_clear_pointer (&options, g_free);
  options = kdh_engine_dup_connection_options (client.engine);
  g_assert_null (options);

  kdh_test_engine_clear (&client);
  kdh_test_engine_clear (&server);
}

/* ---- Errors, each naming what failed ------------------------------------ */

/* The connection fails with @message in the output and, unless the string
 * itself was refused (no connection was tried), as the reason of the
 * Disconnected state it ends in. */
static void
assert_connect_fails (const gchar *remote,
                      const gchar *message)
{
  KdhTestEngine client;

  g_assert_false (client_connect (&client, remote));
  if (strstr (client.errors->str, message) == NULL)
    g_error ("connecting with '%s': expected '%s' in '%s'", remote, message, client.errors->str);
  g_assert_cmpint (client.state, ==, KDH_CONN_DISCONNECTED);
  if (client.states->len > 0)
    g_assert_nonnull (strstr (last_reason (&client), message));
  kdh_test_engine_clear (&client);
}

static void
test_password (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *wrong = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1,Password=guess", port);
  g_autofree gchar *none = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *right = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1,Password=s3cret",
                                             port);
  g_autofree gchar *options = NULL;

  server_init (&server, NULL);
  server_start (&server, "tcp:port=%u,password=s3cret,bind=127.0.0.1", port);
  assert_connect_fails (wrong, "The server refused the password.");
  assert_connect_fails (none, "The server requires a password");
  /* The server logs the refusal, not what was tried. */
  g_assert_null (strstr (server.output->str, "guess"));

  g_assert_true (client_connect (&client, right));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, WAIT_S);
  options = kdh_engine_dup_connection_options (client.engine);
  g_assert_null (strstr (options, "s3cret"));
  kdh_test_engine_clear (&client);
  kdh_test_engine_clear (&server);
}

static void
test_unreachable (void)
{
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *message = g_strdup_printf ("cannot connect to 127.0.0.1:%u: Connection refused",
                                               port);

  assert_connect_fails (remote, message);
  assert_connect_fails ("npipe:Pipe=nobody-here", "No such file or directory");
  assert_connect_fails ("tcp:Port=0,Server=127.0.0.1", "bad port '0'");
}

/* Something that is not D-Bus answers on the port. */
static void
on_garbage_client (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr (GSocketConnection) connection =
    g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, NULL);
  static const gchar reply[] = "HTTP/1.0 400 Bad Request\r\n\r\n";

  if (connection == NULL)
    return;
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), reply,
                             strlen (reply), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static void
test_not_kdhost (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *remote = NULL;
  g_autofree gchar *message = NULL;
  guint16 port;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_accept_async (listener, NULL, on_garbage_client, NULL);
  remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  message = g_strdup_printf ("127.0.0.1:%u is not a kdhost debugging server", port);
  assert_connect_fails (remote, message);
  g_socket_listener_close (listener);
}

/* ---- A dead server ------------------------------------------------------ */

static void
test_server_gone (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *reason = g_strdup_printf ("the debugging server at 127.0.0.1:%u closed the "
                                              "connection", port);
  guint from, token;

  server_init (&server, NULL);
  server_start (&server, "tcp:port=%u,bind=127.0.0.1", port);
  g_assert_true (client_connect (&client, remote));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, WAIT_S);
  from = client.states->len;
  kdh_test_engine_clear (&server);

  wait_state_from (&client, from, KDH_CONN_LOST);
  g_assert_cmpstr (last_reason (&client), ==, reason);
  wait_output (&client, 0, "closed the connection.");
  /* Commands now say why they cannot run. */
  token = kdh_engine_execute (client.engine, "r", NULL);
  g_assert_false (kdh_test_engine_wait_token (&client, token, WAIT_S));
  g_assert_nonnull (strstr (client.errors->str, "was lost"));
  /* Stop Debugging leaves Lost for Disconnected. */
  token = kdh_engine_detach (client.engine);
  kdh_test_engine_wait_token (&client, token, WAIT_S);
  g_assert_cmpint (client.state, ==, KDH_CONN_DISCONNECTED);
  kdh_test_engine_clear (&client);
}

/* ---- Three clients, three transports, one order ------------------------- */

/* A self-signed certificate and its key in @dir. */
static void
make_certificate (const gchar *dir,
                  const gchar *name,
                  gchar      **cert,
                  gchar      **key)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cert_name = g_strdup_printf ("%s.pem", name);
  g_autofree gchar *key_name = g_strdup_printf ("%s.key", name);
  gint status;

  g_autofree gchar *openssl = kdh_test_require_program ("openssl", "openssl");

  *cert = g_build_filename (dir, cert_name, NULL);
  *key = g_build_filename (dir, key_name, NULL);
  {
    const gchar *argv[] = { openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=localhost", "-days", "1", "-keyout", *key,
                            "-out", *cert, NULL };

    g_spawn_sync (NULL, (gchar **) argv, NULL,
                  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
  }
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

/* The chunks of @t from the one holding @start through the one holding
 * @end, as "kind|origin|text", or "kind||text" without @keep_origin
 * (origins differ between the server's own front end and its clients). */
static GPtrArray *
chunks_between (KdhTestEngine *t,
                const gchar   *start,
                const gchar   *end,
                gboolean       keep_origin)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gboolean inside = FALSE;

  for (guint i = 0; i < t->chunks->len; i++)
    {
      const gchar *chunk = t->chunks->pdata[i];

      if (!inside && strstr (chunk, start) && !strstr (chunk, ".echo"))
        inside = TRUE;
      if (!inside)
        continue;
      if (keep_origin)
        g_ptr_array_add (out, g_strdup (chunk));
      else
        {
          const gchar *bar = strchr (chunk, '|');
          const gchar *text = strchr (bar + 1, '|') + 1;

          g_ptr_array_add (out, g_strdup_printf ("%.*s||%s", (int) (bar - chunk), chunk, text));
        }
      if (strstr (chunk, end) && !strstr (chunk, ".echo"))
        return out;
    }
  g_error ("no output from '%s' to '%s'", start, end);
}

static gchar *
joined (GPtrArray *chunks)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < chunks->len; i++)
    {
      const gchar *bar = strchr (chunks->pdata[i], '|');

      g_string_append (s, strchr (bar + 1, '|') + 1);
    }
  return g_string_free (s, FALSE);
}

typedef struct {
  KdhTestEngine *clients;
  guint n;
  const gchar *text;
} AllWait;

static gboolean
all_have (gpointer data)
{
  AllWait *w = data;

  for (guint i = 0; i < w->n; i++)
    if (strstr (w->clients[i].output->str, w->text) == NULL)
      return FALSE;
  return TRUE;
}

static void
test_three_clients (void)
{
  KdhTestEngine server, clients[3];
  guint16 tcp_port = kdh_test_free_port (), ssl_port = kdh_test_free_port ();
  g_autofree gchar *cert = NULL, *key = NULL;
  g_autofree gchar *tcp = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", tcp_port);
  g_autofree gchar *ssl = NULL;
  g_autoptr (GPtrArray) reference = NULL;
  g_autoptr (GPtrArray) server_chunks = NULL;
  g_autofree gchar *server_text = NULL;
  g_autofree gchar *reference_text = NULL;
  const gchar *remotes[3];
  guint tokens[3];
  AllWait aw = { clients, 3, "MARK-END" };
  PrintWait pw = { &clients[1], 30 };
  guint n = 3, from;

  if (!run_in_subprocess ())
    return;
  server_init (&server, "sim:dbgprint-rate=300");
  server_start (&server, "tcp:port=%u,bind=127.0.0.1", tcp_port);
  server_start (&server, "npipe:pipe=kdhtest-%%d");
  remotes[0] = tcp;
  remotes[1] = NULL;
  {
    g_autofree gchar *pipe = g_strdup_printf ("npipe:Pipe=kdhtest-%d", getpid ());

    remotes[1] = g_intern_string (pipe);
  }
  make_certificate (server.tmpdir, "server", &cert, &key);
  server_start (&server, "ssl:port=%u,cert=%s,key=%s,bind=127.0.0.1", ssl_port, cert, key);
  ssl = g_strdup_printf ("ssl:Port=%u,Server=127.0.0.1,Cert=%s", ssl_port, cert);
  remotes[2] = ssl;

  for (guint i = 0; i < n; i++)
    {
      g_assert_true (client_connect (&clients[i], remotes[i]));
      kdh_test_engine_wait_state (&clients[i], KDH_CONN_BREAK, WAIT_S);
      wait_ready (&clients[i]);
    }
  /* The third is on TLS, and checked the server against its Cert=. */
  g_assert_nonnull (strstr (clients[2].output->str, "verified against"));

  /* A burst: commands from every client at once, the server's own, the
   * target running and printing, a break from another client. */
  g_free (kdh_test_engine_run (&server, ".echo MARK-START", FALSE));
  tokens[0] = kdh_engine_execute (clients[0].engine, "vertarget", NULL);
  tokens[1] = kdh_engine_execute (clients[1].engine, "r", NULL);
  tokens[2] = kdh_engine_execute (clients[2].engine, "lm", NULL);
  kdh_engine_execute (server.engine, "? 1+2", NULL);
  for (guint i = 0; i < n; i++)
    g_assert_true (kdh_test_engine_wait_token (&clients[i], tokens[i], WAIT_S));
  for (guint i = 0; i < n; i++)
    wait_ready (&clients[i]);
  from = clients[1].states->len;
  g_assert_true (kdh_test_engine_wait_token (&clients[0],
                                             kdh_engine_execute (clients[0].engine, "g", NULL),
                                             WAIT_S));
  wait_state_from (&clients[1], from, KDH_CONN_RUNNING);
  kdh_test_run_until (enough_dbgprints, &pw, WAIT_S, "30 DbgPrint lines");
  kdh_engine_break (clients[1].engine);
  wait_state_from (&clients[1], from, KDH_CONN_BREAK);
  kdh_test_engine_wait_state (&server, KDH_CONN_BREAK, WAIT_S);
  wait_ready (&server);
  g_free (kdh_test_engine_run (&server, ".echo MARK-END", FALSE));
  kdh_test_run_until (all_have, &aw, WAIT_S, "MARK-END on every client");

  /* The same chunks, in the same order, everywhere. */
  reference = chunks_between (&clients[0], "MARK-START", "MARK-END", TRUE);
  g_assert_cmpuint (reference->len, >, 10);
  for (guint i = 1; i < n; i++)
    {
      g_autoptr (GPtrArray) other = chunks_between (&clients[i], "MARK-START", "MARK-END", TRUE);

      g_assert_cmpuint (other->len, ==, reference->len);
      for (guint c = 0; c < reference->len; c++)
        g_assert_cmpstr (other->pdata[c], ==, reference->pdata[c]);
    }
  /* Every command appears once, attributed; the DbgPrint lines once each. */
  for (guint i = 0; i < n; i++)
    {
      static const gchar *const commands[] = { "> vertarget\n", "> r\n", "> lm\n" };
      g_autofree gchar *name = my_name ();
      g_autofree gchar *text = joined (reference);
      const gchar *hit = strstr (text, commands[i]);

      g_assert_nonnull (hit);
      g_assert_null (strstr (hit + 1, commands[i]));
      g_assert_nonnull (strstr (clients[0].echoes->str, name));
    }
  g_assert_cmpuint (check_dbgprints (clients[0].target_output->str), >=, 30);
  /* The server's own front end saw the same text. */
  server_chunks = chunks_between (&server, "MARK-START", "MARK-END", FALSE);
  server_text = joined (server_chunks);
  reference_text = joined (reference);
  g_assert_cmpstr (server_text, ==, reference_text);

  for (guint i = 0; i < n; i++)
    kdh_test_engine_clear (&clients[i]);
  kdh_test_engine_clear (&server);
}

typedef struct {
  KdhTestEngine *clients;
  guint n;
  gsize bytes;
} FloodWait;

static gboolean
all_have_bytes (gpointer data)
{
  FloodWait *w = data;

  for (guint i = 0; i < w->n; i++)
    if (w->clients[i].target_output->len < w->bytes)
      return FALSE;
  return TRUE;
}

/* Eight clients while the target prints as fast as it can: each shows
 * every DbgPrint line exactly once and in the server's order, and none
 * has to report output as missing (as they did when every line was a
 * D-Bus message per client: they fell behind, were paused, and the
 * server's history had moved on by the time they caught up). */
static void
test_eight_clients_flood (void)
{
  KdhTestEngine server, clients[8];
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  FloodWait fw = { clients, G_N_ELEMENTS (clients), 1024 * 1024 };
  AllWait aw = { clients, G_N_ELEMENTS (clients), "MARK-FLOOD-END" };

  /* A flood as fast as the link allows: the emulator may use a whole core,
   * so that what is measured is the fan-out, not its CPU budget. */
  server_init (&server, "sim:dbgprint-rate=0,cpu-budget=100");
  server_start (&server, "tcp:port=%u,bind=127.0.0.1", port);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_assert_true (client_connect (&clients[i], remote));
      kdh_test_engine_wait_state (&clients[i], KDH_CONN_BREAK, WAIT_S);
    }
  g_assert_true (kdh_test_engine_wait_token (&server, kdh_engine_execute (server.engine, "g", NULL),
                                             WAIT_S));
  kdh_test_run_until (all_have_bytes, &fw, 240, "1 MiB of DbgPrint on every client");
  kdh_engine_break (server.engine);
  kdh_test_engine_wait_state (&server, KDH_CONN_BREAK, WAIT_S);
  wait_ready (&server);
  g_free (kdh_test_engine_run (&server, ".echo MARK-FLOOD-END", FALSE));
  kdh_test_run_until (all_have, &aw, WAIT_S, "MARK-FLOOD-END on every client");

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      /* The target printed nothing before "g", when all were there. */
      g_assert_cmpuint (clients[i].target_output->len, ==, server.target_output->len);
      g_assert_true (memcmp (clients[i].target_output->str, server.target_output->str,
                             server.target_output->len) == 0);
      g_assert_cmpuint (check_dbgprints (clients[i].target_output->str), >=, 10000);
      g_assert_null (strstr (clients[i].errors->str, "missing"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    kdh_test_engine_clear (&clients[i]);
  kdh_test_engine_clear (&server);
}

/* Without Cert= the client accepts the server and prints the SHA-256
 * fingerprint that openssl shows for it; with a different Cert= it
 * refuses. */
static void
test_ssl_certificates (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *cert = NULL, *key = NULL, *other = NULL, *other_key = NULL;
  g_autofree gchar *open = g_strdup_printf ("ssl:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *pinned = NULL;
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *fingerprint;

  g_autofree gchar *openssl = kdh_test_require_program ("openssl", "openssl");

  if (!run_in_subprocess ())
    return;
  server_init (&server, NULL);
  make_certificate (server.tmpdir, "server", &cert, &key);
  make_certificate (server.tmpdir, "other", &other, &other_key);
  server_start (&server, "ssl:port=%u,cert=%s,key=%s,bind=127.0.0.1", port, cert, key);

  {
    const gchar *argv[] = { openssl, "x509", "-noout", "-fingerprint", "-sha256", "-in", cert,
                            NULL };

    g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, NULL,
                  &error);
    g_assert_no_error (error);
  }
  fingerprint = strchr (out, '=');
  g_assert_nonnull (fingerprint);
  g_strstrip ((gchar *) fingerprint + 1);

  g_assert_true (client_connect (&client, open));
  g_assert_nonnull (strstr (client.output->str, "not verified"));
  g_assert_nonnull (strstr (client.output->str, fingerprint + 1));
  kdh_test_engine_clear (&client);

  pinned = g_strdup_printf ("ssl:Port=%u,Server=127.0.0.1,Cert=%s", port, other);
  assert_connect_fails (pinned, "is not the one in");
  kdh_test_engine_clear (&server);
}

/* tcp:clicon=: the client waits, the server dials it. */
static void
test_clicon (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:clicon=127.0.0.1,Port=%u", port);
  guint token;

  server_init (&server, NULL);
  kdh_test_engine_init (&client);
  token = kdh_engine_connect_remote (client.engine, remote);
  kdh_test_engine_wait_state (&client, KDH_CONN_WAITING, WAIT_S);
  g_assert_nonnull (strstr (last_reason (&client),
                            "waiting for the debugging server at 127.0.0.1"));
  server_start (&server, "tcp:port=%u,clicon=127.0.0.1", port);
  g_assert_true (kdh_test_engine_wait_token (&client, token, WAIT_S));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, WAIT_S);
  g_free (kdh_test_engine_run (&client, "vertarget", FALSE));
  g_assert_nonnull (strstr (client.output->str, "19041"));
  kdh_test_engine_clear (&client);
  kdh_test_engine_clear (&server);
}

/* com: two pseudo-terminals joined by socat stand for a null-modem cable
 * between the two debuggers. */
static gboolean
links_exist (gpointer data)
{
  gchar **paths = data;

  return g_file_test (paths[0], G_FILE_TEST_EXISTS) && g_file_test (paths[1], G_FILE_TEST_EXISTS);
}

static void
test_com (void)
{
  KdhTestEngine server, client;
  g_autofree gchar *socat = kdh_test_require_program ("socat", "socat");
  g_autofree gchar *a = NULL, *b = NULL, *arg_a = NULL, *arg_b = NULL, *remote = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  gchar *paths[2];

  server_init (&server, NULL);
  a = g_build_filename (server.tmpdir, "com-a", NULL);
  b = g_build_filename (server.tmpdir, "com-b", NULL);
  arg_a = g_strdup_printf ("pty,raw,echo=0,link=%s", a);
  arg_b = g_strdup_printf ("pty,raw,echo=0,link=%s", b);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, socat, arg_a, arg_b,
                              NULL);
  g_assert_no_error (error);
  paths[0] = a;
  paths[1] = b;
  kdh_test_run_until (links_exist, paths, WAIT_S, "socat's pseudo-terminals");

  server_start (&server, "com:port=%s,baud=115200", a);
  remote = g_strdup_printf ("com:Port=%s,Baud=115200", b);
  g_assert_true (client_connect (&client, remote));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, WAIT_S);
  wait_ready (&client);
  g_free (kdh_test_engine_run (&client, "vertarget", FALSE));
  g_assert_nonnull (strstr (client.output->str, "19041"));
  kdh_test_engine_clear (&client);
  kdh_test_engine_clear (&server);
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

/* ---- A fake server ------------------------------------------------------ */

typedef enum {
  FAKE_NO_OBJECT,          /* D-Bus, but no org.kdhost.Session1 */
  FAKE_VERSION_ERROR,      /* Hello refused: another protocol version */
  FAKE_VERSION_REPLY,      /* Hello answered with another version */
  FAKE_SESSION,            /* a session whose output the test drives */
} FakeMode;

typedef struct {
  guint64 seq;
  gchar *text;
} FakeChunk;

typedef struct {
  FakeMode mode;
  GDBusServer *server;
  GDBusConnection *connection;
  guint registration;
  GPtrArray *history;          /* FakeChunk*, history->pdata[i] has seq first + i */
  guint64 first;
  guint64 last_ack;
  gboolean hang;               /* stop answering GetState */
  GPtrArray *held_invocations; /* unanswered, answered at teardown */
  gchar *path;
} Fake;

static void
fake_chunk_free (gpointer data)
{
  FakeChunk *c = data;

  g_free (c->text);
  g_free (c);
}

static void
fake_method (GDBusConnection       *connection,
             const gchar           *sender,
             const gchar           *path,
             const gchar           *interface,
             const gchar           *method,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation,
             gpointer               data)
{
  Fake *fake = data;

  if (g_str_equal (method, "Hello"))
    {
      if (fake->mode == FAKE_VERSION_ERROR)
        g_dbus_method_invocation_return_dbus_error (invocation, KDH_REMOTE_ERROR_VERSION,
                                                    "this server speaks protocol 7");
      else
        g_dbus_method_invocation_return_value (invocation,
                                               g_variant_new ("(ust)",
                                                              fake->mode == FAKE_VERSION_REPLY
                                                              ? 7 : KDH_REMOTE_PROTOCOL_VERSION,
                                                              "fake@server",
                                                              fake->first + fake->history->len));
    }
  else if (g_str_equal (method, "GetState"))
    {
      if (fake->hang)
        {
          g_ptr_array_add (fake->held_invocations, g_object_ref (invocation));
          return;
        }
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(ssusssb)", "break", "", 0, "sim", "",
                                                            "0: kd> ", TRUE));
    }
  else if (g_str_equal (method, "GetOutput"))
    {
      GVariantBuilder chunks;
      guint64 from;

      g_variant_get (parameters, "(t)", &from);
      g_variant_builder_init (&chunks, G_VARIANT_TYPE ("a(tsss)"));
      for (guint i = 0; i < fake->history->len; i++)
        {
          FakeChunk *c = fake->history->pdata[i];

          if (c->seq >= from)
            g_variant_builder_add (&chunks, "(tsss)", c->seq, "debugger", "", c->text);
        }
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(ta(tsss))", MAX (from, fake->first),
                                                            &chunks));
    }
  else if (g_str_equal (method, "Ack"))
    {
      g_variant_get (parameters, "(t)", &fake->last_ack);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable fake_vtable = { fake_method, NULL, NULL };

static gboolean
on_fake_connection (GDBusServer     *server,
                    GDBusConnection *connection,
                    gpointer         data)
{
  Fake *fake = data;
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (kdh_remote_introspection_xml,
                                                                 NULL);

  g_set_object (&fake->connection, connection);
  if (fake->mode != FAKE_NO_OBJECT)
    fake->registration = g_dbus_connection_register_object (connection, KDH_REMOTE_OBJECT_PATH,
                                                            node->interfaces[0], &fake_vtable,
                                                            fake, NULL, NULL);
  return TRUE;
}

static void
fake_start (Fake     *fake,
            FakeMode  mode)
{
  g_autofree gchar *guid = g_dbus_generate_guid ();
  g_autofree gchar *dir = g_build_filename (runtime_dir, "kdhost", NULL);
  g_autofree gchar *address = NULL;
  g_autoptr (GError) error = NULL;

  memset (fake, 0, sizeof *fake);
  fake->mode = mode;
  fake->history = g_ptr_array_new_with_free_func (fake_chunk_free);
  fake->held_invocations = g_ptr_array_new_with_free_func (g_object_unref);
  g_mkdir_with_parents (dir, 0700);
  fake->path = g_build_filename (dir, "fake", NULL);
  g_unlink (fake->path);
  address = g_strdup_printf ("unix:path=%s", fake->path);
  fake->server = g_dbus_server_new_sync (address, G_DBUS_SERVER_FLAGS_NONE, guid, NULL, NULL,
                                         &error);
  g_assert_no_error (error);
  g_signal_connect (fake->server, "new-connection", G_CALLBACK (on_fake_connection), fake);
  g_dbus_server_start (fake->server);
}

static void
fake_stop (Fake *fake)
{
  for (guint i = 0; i < fake->held_invocations->len; i++)
    g_dbus_method_invocation_return_dbus_error (g_object_ref (fake->held_invocations->pdata[i]),
                                                KDH_REMOTE_ERROR_FAILED, "gone");
  g_ptr_array_unref (fake->held_invocations);
  if (fake->connection && fake->registration)
    g_dbus_connection_unregister_object (fake->connection, fake->registration);
  if (fake->connection)
    g_dbus_connection_close_sync (fake->connection, NULL, NULL);
  g_clear_object (&fake->connection);
  g_dbus_server_stop (fake->server);
  g_clear_object (&fake->server);
  g_ptr_array_unref (fake->history);
  g_unlink (fake->path);
  g_free (fake->path);
}

/* Adds chunk "line N\n" to the history, with or without its signal. */
static void
fake_output (Fake    *fake,
             gboolean signal)
{
  FakeChunk *c = g_new0 (FakeChunk, 1);

  c->seq = fake->first + fake->history->len;
  c->text = g_strdup_printf ("line %" G_GUINT64_FORMAT "\n", c->seq);
  g_ptr_array_add (fake->history, c);
  if (signal)
    g_dbus_connection_emit_signal (fake->connection, NULL, KDH_REMOTE_OBJECT_PATH,
                                   KDH_REMOTE_INTERFACE, "Output",
                                   g_variant_new ("(tsss)", c->seq, "debugger", "", c->text),
                                   NULL);
}

/* Sends chunk @seq's signal (again). */
static void
fake_resend (Fake    *fake,
             guint64  seq)
{
  FakeChunk *c = fake->history->pdata[seq - fake->first];

  g_dbus_connection_emit_signal (fake->connection, NULL, KDH_REMOTE_OBJECT_PATH,
                                 KDH_REMOTE_INTERFACE, "Output",
                                 g_variant_new ("(tsss)", c->seq, "debugger", "", c->text), NULL);
}

static void
test_fake_errors (void)
{
  Fake fake;

  fake_start (&fake, FAKE_NO_OBJECT);
  assert_connect_fails ("npipe:Pipe=fake", "is not a kdhost debugging server: it has no "
                                           "org.kdhost.Session1");
  fake_stop (&fake);

  fake_start (&fake, FAKE_VERSION_ERROR);
  assert_connect_fails ("npipe:Pipe=fake", "refused this client's protocol version 1: this "
                                           "server speaks protocol 7");
  fake_stop (&fake);

  fake_start (&fake, FAKE_VERSION_REPLY);
  assert_connect_fails ("npipe:Pipe=fake", "speaks version 7, this client version 1");
  fake_stop (&fake);
}

typedef struct {
  KdhTestEngine *t;
  guint64 upto;
  Fake *fake;
} LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *w = data;
  g_autofree gchar *line = g_strdup_printf ("line %" G_GUINT64_FORMAT "\n", w->upto);

  return strstr (w->t->output->str, line) != NULL;
}

static gboolean
acked (gpointer data)
{
  LineWait *w = data;

  return w->fake->last_ack >= w->upto;
}

/* Gaps are filled, duplicates dropped, output the server no longer has is
 * reported as missing, output whose signals never came is fetched, and the
 * client acknowledges what it has. */
static void
test_fake_gaps (void)
{
  KdhTestEngine client;
  Fake fake;
  LineWait w = { &client, 0, &fake };
  GString *expected = g_string_new (NULL);
  g_autofree gchar *lines = NULL;

  fake_start (&fake, FAKE_SESSION);
  for (guint i = 0; i < 5; i++)
    fake_output (&fake, FALSE);               /* history before the client came */
  g_assert_true (client_connect (&client, "npipe:Pipe=fake"));
  w.upto = 4;
  kdh_test_run_until (has_line, &w, WAIT_S, "the history");

  fake_output (&fake, TRUE);                  /* 5 */
  fake_output (&fake, FALSE);                 /* 6: its signal got lost */
  fake_output (&fake, TRUE);                  /* 7 */
  fake_output (&fake, TRUE);                  /* 8 */
  fake_resend (&fake, 8);                     /* and 8 once more */
  fake_resend (&fake, 5);
  w.upto = 8;
  kdh_test_run_until (has_line, &w, WAIT_S, "line 8");

  /* 9 to 11 are gone from the server by the time the client asks. */
  for (guint i = 0; i < 3; i++)
    fake_output (&fake, FALSE);
  g_ptr_array_remove_range (fake.history, 0, fake.history->len);
  fake.first = 12;
  fake_output (&fake, FALSE);                 /* 12 */
  fake_output (&fake, TRUE);                  /* 13 */
  w.upto = 13;
  kdh_test_run_until (has_line, &w, WAIT_S, "line 13");
  kdh_test_run_until (acked, &w, WAIT_S, "Ack (13)");

  /* A server that holds back a client's signals (it fell too far behind)
   * leaves it to fetch: the keepalive does when the stream goes quiet. */
  fake_output (&fake, FALSE);                 /* 14 */
  fake_output (&fake, FALSE);                 /* 15 */
  w.upto = 15;
  kdh_test_run_until (has_line, &w, WAIT_S, "line 15, without its signal");

  for (guint i = 0; i <= 8; i++)
    g_string_append_printf (expected, "line %u\n", i);
  g_string_append (expected, "[kdhost] 3 pieces of output are missing: the debugging server no "
                             "longer keeps them.\nline 12\nline 13\nline 14\nline 15\n");
  lines = g_strdup (strstr (client.output->str, "line 0\n"));
  g_assert_cmpstr (lines, ==, expected->str);
  g_string_free (expected, TRUE);
  kdh_test_engine_clear (&client);
  fake_stop (&fake);
}

/* A server that stops answering (hung, or the network is gone) is noticed
 * by the keepalive. */
static void
test_fake_hang (void)
{
  KdhTestEngine client;
  Fake fake;
  guint from;

  fake_start (&fake, FAKE_SESSION);
  g_assert_true (client_connect (&client, "npipe:Pipe=fake"));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, WAIT_S);
  from = client.states->len;
  fake.hang = TRUE;
  wait_state_from (&client, from, KDH_CONN_LOST);
  g_assert_nonnull (strstr (last_reason (&client), "stopped answering"));
  wait_output (&client, 0, "stopped answering");
  kdh_test_engine_clear (&client);
  fake_stop (&fake);
}

int
main (int argc, char **argv)
{
  gint status;

  g_test_init (&argc, &argv, NULL);
  /* npipe servers put their sockets under the runtime directory: a fresh
   * one, before GLib caches the real one. */
  runtime_dir = g_dir_make_tmp ("kdh-remote-XXXXXX", NULL);
  g_setenv ("XDG_RUNTIME_DIR", runtime_dir, TRUE);

  g_test_add_func ("/remote/client/session", test_session);
  g_test_add_func ("/remote/client/password", test_password);
  g_test_add_func ("/remote/client/unreachable", test_unreachable);
  g_test_add_func ("/remote/client/not-kdhost", test_not_kdhost);
  g_test_add_func ("/remote/client/server-gone", test_server_gone);
  g_test_add_func ("/remote/client/three-clients", test_three_clients);
  g_test_add_func ("/remote/client/eight-clients-flood", test_eight_clients_flood);
  g_test_add_func ("/remote/client/ssl-certificates", test_ssl_certificates);
  g_test_add_func ("/remote/client/clicon", test_clicon);
  g_test_add_func ("/remote/client/com", test_com);
  g_test_add_func ("/remote/client/fake-errors", test_fake_errors);
  g_test_add_func ("/remote/client/fake-gaps", test_fake_gaps);
  g_test_add_func ("/remote/client/fake-hang", test_fake_hang);
  status = g_test_run ();

  {
    g_autofree gchar *kdhost = g_build_filename (runtime_dir, "kdhost", NULL);

    g_rmdir (kdhost);
    g_rmdir (runtime_dir);
    g_free (runtime_dir);
  }
  return status;
}
