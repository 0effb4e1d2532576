/* test-remote-server.c: the debugging server (.server) and its clients
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An engine attached to the in-process simulator serves on loopback TCP, a
 * Unix socket, TLS, a pseudo-terminal and a dialed-out TCP connection.
 * The clients here are plain GDBus connections (and raw sockets for the
 * misbehaving ones), written against kdh-remote-protocol.h only: they are
 * what any other client would be.
 */
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <fcntl.h>
#include <pty.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remote/kdh-remote-protocol.h"
#include "kdh-test-engine.h"
#include "kdh-test-net.h"
#include "kdh-test-proc.h"

#define CALL_TIMEOUT_MS 60000
/* What the server may hold for one client that does not keep up: the
 * unacknowledged limit plus the chunk that crossed it. */
#define STALL_BOUND (KDH_REMOTE_MAX_UNACKED + 64 * 1024 + 4096)

static gchar *test_dir;       /* XDG_RUNTIME_DIR and certificates */
static gchar *cert_file, *key_file;

/* ---- Helpers ------------------------------------------------------------- */

typedef struct {
  KdhTestEngine *t;
  const gchar *needle;
  gsize from;
} OutputWait;

static gboolean
output_has (gpointer data)
{
  OutputWait *w = data;

  return w->t->output->len >= w->from && strstr (w->t->output->str + w->from, w->needle) != NULL;
}

/* Waits until the server's own output (from @from on) contains @needle. */
static void
wait_output (KdhTestEngine *t,
             gsize          from,
             const gchar   *needle)
{
  OutputWait w = { t, needle, from };
  g_autofree gchar *what = g_strdup_printf ("server output '%s'", needle);

  kdh_test_run_until (output_has, &w, 30, what);
}

static gboolean
echo_has (gpointer data)
{
  OutputWait *w = data;

  return w->t->echoes->len >= w->from && strstr (w->t->echoes->str + w->from, w->needle) != NULL;
}

/* Waits until the server's echoes (from @from on) contain @needle
 * ("origin: prompt line"). */
static void
wait_echo_from (KdhTestEngine *t,
                gsize          from,
                const gchar   *needle)
{
  OutputWait w = { t, needle, from };
  g_autofree gchar *what = g_strdup_printf ("echo '%s'", needle);

  kdh_test_run_until (echo_has, &w, 30, what);
}

static void
wait_echo (KdhTestEngine *t,
           const gchar   *needle)
{
  wait_echo_from (t, 0, needle);
}

/* Runs a local command and returns its output alone: a command first
 * whose completion guarantees that output from clients' commands has
 * arrived, so it does not count as this one's. */
static gchar *
run_local (KdhTestEngine *t,
           const gchar   *line,
           gboolean       may_fail)
{
  g_free (kdh_test_engine_run (t, ".echo", FALSE));
  return kdh_test_engine_run (t, line, may_fail);
}

static void
start_server (KdhTestEngine *t,
              const gchar   *spec)
{
  g_autofree gchar *line = g_strdup_printf (".server %s", spec);
  g_autofree gchar *out = run_local (t, line, FALSE);

  g_assert_nonnull (strstr (out, "Server started.  Client can connect with any of these "
                                 "command lines\n0: kdhost -remote "));
}

static guint16
start_tcp_server (KdhTestEngine *t,
                  const gchar   *extra)
{
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *spec = g_strdup_printf ("tcp:port=%u,bind=127.0.0.1%s", port,
                                            extra ? extra : "");
  g_autofree gchar *want = g_strdup_printf ("0: kdhost -remote tcp:Port=%u,Server=127.0.0.1", port);
  gsize from = t->output->len;

  start_server (t, spec);
  g_assert_nonnull (strstr (t->output->str + from, want));
  /* Loopback only: no warning about other machines. */
  g_assert_null (strstr (t->output->str + from, "Warning"));
  return port;
}

/* ---- A client on GDBus ---------------------------------------------------- */

typedef struct {
  GDBusConnection *conn;
  gchar *name;
  guint subs[3];
  gulong closed_id;
  GArray *seqs;              /* every Output signal's seq, in arrival order */
  GPtrArray *chunks;         /* "kind|origin|text" per Output signal */
  GString *target;           /* target output received as signals */
  GPtrArray *states;         /* StateChanged state ids */
  guint64 next_seq;          /* from Hello */
  gboolean strict;           /* assert that signals come without gaps */
  gboolean auto_ack;
  guint ack_timer;
  gsize unacked;
  gboolean closed;
  guint prompts;
  guint target_signals;      /* Output signals of kind "target" */
  guint target_lines;        /* the lines they carried */
} Client;

/* As the protocol asks: acknowledge every 64 KiB, and every so often. */
static void
client_ack (Client *c)
{
  if (c->seqs->len == 0)
    return;
  g_dbus_connection_call (c->conn, NULL, KDH_REMOTE_OBJECT_PATH, KDH_REMOTE_INTERFACE, "Ack",
                          g_variant_new ("(t)", g_array_index (c->seqs, guint64, c->seqs->len - 1)),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  c->unacked = 0;
}

static gboolean
on_ack_timer (gpointer data)
{
  Client *c = data;

  if (c->unacked > 0)
    client_ack (c);
  return G_SOURCE_CONTINUE;
}

static void
on_output (GDBusConnection *connection,
           const gchar     *sender,
           const gchar     *path,
           const gchar     *iface,
           const gchar     *signal,
           GVariant        *parameters,
           gpointer         data)
{
  Client *c = data;
  guint64 seq;
  const gchar *kind, *origin, *text;

  g_variant_get (parameters, "(t&s&s&s)", &seq, &kind, &origin, &text);
  if (c->strict && c->seqs->len > 0)
    g_assert_cmpuint (seq, ==, g_array_index (c->seqs, guint64, c->seqs->len - 1) + 1);
  g_array_append_val (c->seqs, seq);
  g_ptr_array_add (c->chunks, g_strdup_printf ("%s|%s|%s", kind, origin, text));
  if (g_str_equal (kind, "target"))
    {
      g_string_append (c->target, text);
      c->target_signals++;
      for (const gchar *p = text; (p = strchr (p, '\n')); p++)
        c->target_lines++;
    }
  c->unacked += strlen (text);
  if (c->auto_ack && c->unacked > 64 * 1024)
    client_ack (c);
}

static void
on_state (GDBusConnection *connection,
          const gchar     *sender,
          const gchar     *path,
          const gchar     *iface,
          const gchar     *signal,
          GVariant        *parameters,
          gpointer         data)
{
  Client *c = data;
  const gchar *state;

  g_variant_get (parameters, "(&s&su&s&s)", &state, NULL, NULL, NULL, NULL);
  g_ptr_array_add (c->states, g_strdup (state));
}

static void
on_prompt (GDBusConnection *connection,
           const gchar     *sender,
           const gchar     *path,
           const gchar     *iface,
           const gchar     *signal,
           GVariant        *parameters,
           gpointer         data)
{
  ((Client *) data)->prompts++;
}

static void
on_closed (GDBusConnection *connection,
           gboolean         vanished,
           GError          *error,
           gpointer         data)
{
  ((Client *) data)->closed = TRUE;
}

static Client *
client_wrap (GDBusConnection *conn,
             const gchar     *name)
{
  Client *c = g_new0 (Client, 1);

  c->conn = conn;
  c->name = g_strdup (name);
  c->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  c->chunks = g_ptr_array_new_with_free_func (g_free);
  c->target = g_string_new (NULL);
  c->states = g_ptr_array_new_with_free_func (g_free);
  c->strict = TRUE;
  c->subs[0] = g_dbus_connection_signal_subscribe (conn, NULL, KDH_REMOTE_INTERFACE, "Output",
                                                   KDH_REMOTE_OBJECT_PATH, NULL,
                                                   G_DBUS_SIGNAL_FLAGS_NONE, on_output, c, NULL);
  c->subs[1] = g_dbus_connection_signal_subscribe (conn, NULL, KDH_REMOTE_INTERFACE,
                                                   "StateChanged", KDH_REMOTE_OBJECT_PATH, NULL,
                                                   G_DBUS_SIGNAL_FLAGS_NONE, on_state, c, NULL);
  c->subs[2] = g_dbus_connection_signal_subscribe (conn, NULL, KDH_REMOTE_INTERFACE, "Prompt",
                                                   KDH_REMOTE_OBJECT_PATH, NULL,
                                                   G_DBUS_SIGNAL_FLAGS_NONE, on_prompt, c, NULL);
  c->closed_id = g_signal_connect (conn, "closed", G_CALLBACK (on_closed), c);
  return c;
}

static Client *
client_on_stream (GIOStream   *stream,
                  const gchar *name)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *conn = g_dbus_connection_new_sync (stream, NULL,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                      NULL, NULL, &error);

  g_assert_no_error (error);
  return client_wrap (conn, name);
}

static Client *
client_tcp (guint16      port,
            const gchar *name)
{
  g_autofree gchar *address = g_strdup_printf ("tcp:host=127.0.0.1,port=%u", port);
  g_autoptr (GError) error = NULL;
  GDBusConnection *conn =
    g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return client_wrap (conn, name);
}

static void
client_free (Client *c)
{
  if (c->ack_timer)
    g_source_remove (c->ack_timer);
  for (guint i = 0; i < G_N_ELEMENTS (c->subs); i++)
    g_dbus_connection_signal_unsubscribe (c->conn, c->subs[i]);
  g_signal_handler_disconnect (c->conn, c->closed_id);
  g_dbus_connection_close_sync (c->conn, NULL, NULL);
  g_object_unref (c->conn);
  g_array_unref (c->seqs);
  g_ptr_array_unref (c->chunks);
  g_string_free (c->target, TRUE);
  g_ptr_array_unref (c->states);
  g_free (c->name);
  g_free (c);
}

static GVariant *
client_call (Client       *c,
             const gchar  *method,
             GVariant     *parameters,
             const gchar  *reply_type,
             GError      **error)
{
  return g_dbus_connection_call_sync (c->conn, NULL, KDH_REMOTE_OBJECT_PATH, KDH_REMOTE_INTERFACE,
                                      method, parameters,
                                      reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, error);
}

static GVariant *
hello_info (const gchar *name,
            const gchar *password)
{
  GVariantBuilder info;

  g_variant_builder_init (&info, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&info, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&info, "{sv}", "protocol", g_variant_new_uint32 (KDH_REMOTE_PROTOCOL_VERSION));
  if (password)
    g_variant_builder_add (&info, "{sv}", "password", g_variant_new_string (password));
  return g_variant_new ("(a{sv})", &info);
}

static gboolean
client_hello (Client       *c,
              const gchar  *password,
              GError      **error)
{
  g_autoptr (GVariant) reply = client_call (c, "Hello", hello_info (c->name, password), "(ust)",
                                            error);
  guint32 protocol;
  const gchar *server;

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u&st)", &protocol, &server, &c->next_seq);
  g_assert_cmpuint (protocol, ==, KDH_REMOTE_PROTOCOL_VERSION);
  g_assert_true (g_str_has_prefix (server, "kdhost "));
  return TRUE;
}

/* Execute: returns the reply's success; @output and @error_text get its
 * other two fields. */
static gboolean
client_execute (Client       *c,
                const gchar  *line,
                gchar       **output,
                gchar       **error_text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = client_call (c, "Execute", g_variant_new ("(s)", line), "(bss)",
                                            &error);
  gboolean success;

  g_assert_no_error (error);
  g_variant_get (reply, "(bss)", &success, output, error_text);
  return success;
}

typedef struct {
  Client *c;
  guint64 seq;
} SeqWait;

static gboolean
client_has_seq (gpointer data)
{
  SeqWait *w = data;

  return w->c->seqs->len > 0
         && g_array_index (w->c->seqs, guint64, w->c->seqs->len - 1) >= w->seq;
}

static void
client_wait_seq (Client  *c,
                 guint64  seq)
{
  SeqWait w = { c, seq };
  g_autofree gchar *what = g_strdup_printf ("%s to receive Output %" G_GUINT64_FORMAT, c->name, seq);

  kdh_test_run_until (client_has_seq, &w, 60, what);
}

static gboolean
client_closed (gpointer data)
{
  return ((Client *) data)->closed;
}

/* GetOutput(from): the chunks as "kind|origin|text", and first_seq. */
static GPtrArray *
client_get_output (Client  *c,
                   guint64  from,
                   guint64 *first)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = client_call (c, "GetOutput", g_variant_new ("(t)", from),
                                            "(ta(tsss))", &error);
  g_autoptr (GVariantIter) iter = NULL;
  GPtrArray *chunks = g_ptr_array_new_with_free_func (g_free);
  guint64 seq, expect;
  const gchar *kind, *origin, *text;

  g_assert_no_error (error);
  g_variant_get (reply, "(ta(tsss))", first, &iter);
  expect = *first;
  while (g_variant_iter_loop (iter, "(t&s&s&s)", &seq, &kind, &origin, &text))
    {
      g_assert_cmpuint (seq, ==, expect);
      expect++;
      g_ptr_array_add (chunks, g_strdup_printf ("%s|%s|%s", kind, origin, text));
    }
  return chunks;
}

/* The last seq the server has handed out (via a GetOutput from far on). */
static guint64
last_seq (Client *c)
{
  guint64 first;
  g_autoptr (GPtrArray) chunks = client_get_output (c, 0, &first);

  return first + chunks->len - 1;
}

static gchar *
client_state (Client *c)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = client_call (c, "GetState", NULL, "(ssusssb)", &error);
  gchar *state;

  g_assert_no_error (error);
  g_variant_get (reply, "(ssusssb)", &state, NULL, NULL, NULL, NULL, NULL, NULL);
  return state;
}

typedef struct {
  Client *c;
  const gchar *state;
} StateWait;

static gboolean
client_saw_state (gpointer data)
{
  StateWait *w = data;

  for (guint i = 0; i < w->c->states->len; i++)
    if (g_str_equal (w->c->states->pdata[i], w->state))
      return TRUE;
  return FALSE;
}

static void
client_wait_state (Client      *c,
                   const gchar *state)
{
  StateWait w = { c, state };
  g_autofree gchar *what = g_strdup_printf ("%s to see StateChanged %s", c->name, state);

  kdh_test_run_until (client_saw_state, &w, 60, what);
}

static void
assert_remote_error (GError      *error,
                     const gchar *name,
                     const gchar *needle)
{
  g_autofree gchar *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, name);
  if (needle)
    g_assert_nonnull (strstr (error->message, needle));
}

/* ---- A raw socket client -------------------------------------------------- */

static GSocketConnection *
raw_connect (guint16 port)
{
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn = g_socket_client_connect_to_host (sc, "127.0.0.1", port, NULL, &error);

  g_assert_no_error (error);
  /* The test's own blocking reads are bounded. */
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 30);
  return conn;
}

static void
raw_write (GSocketConnection *conn,
           const void        *data,
           gsize              len)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), data, len, NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

/* Anonymous D-Bus authentication by hand, up to BEGIN. */
static void
raw_authenticate (GSocketConnection *conn)
{
  static const gchar auth[] = "\0AUTH ANONYMOUS 6b6468\r\n";
  gchar line[256];
  gsize n = 0;

  raw_write (conn, auth, sizeof auth - 1);
  while (n < sizeof line - 1)
    {
      gssize got = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)),
                                        line + n, 1, NULL, NULL);

      g_assert_cmpint (got, ==, 1);
      n++;
      if (n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n')
        break;
    }
  line[n] = '\0';
  g_assert_true (g_str_has_prefix (line, "OK "));
  raw_write (conn, "BEGIN\r\n", 7);
}

/* Reads until the server closes the connection; FALSE if it stays open
 * (the socket's timeout). */
static gboolean
raw_wait_closed (GSocketConnection *conn)
{
  gchar buf[4096];

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
                                      sizeof buf, NULL, &error);

      if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)))
        return TRUE;
      if (n < 0)
        return FALSE;
    }
}

static void
raw_send_hello (GSocketConnection *conn,
                const gchar       *name)
{
  g_autoptr (GDBusMessage) m = g_dbus_message_new_method_call (NULL, KDH_REMOTE_OBJECT_PATH,
                                                               KDH_REMOTE_INTERFACE, "Hello");
  g_autoptr (GError) error = NULL;
  g_autofree guchar *blob = NULL;
  gsize size;

  g_dbus_message_set_body (m, hello_info (name, NULL));
  g_dbus_message_set_serial (m, 1);
  blob = g_dbus_message_to_blob (m, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  g_assert_no_error (error);
  raw_write (conn, blob, size);
}

/* ---- Tests ----------------------------------------------------------------- */

static void
engine_on_sim (KdhTestEngine *t,
               const gchar   *sim)
{
  kdh_test_engine_init (t);
  kdh_test_engine_attach (t, sim ? sim : "sim:");
}

/* One client over TCP: Hello, Execute, signals, state, the refusals. */
static void
test_basic (void)
{
  KdhTestEngine t;
  guint16 port;
  Client *c;
  g_autofree gchar *out = NULL, *err = NULL, *state = NULL, *servers = NULL, *clients = NULL;
  g_autofree gchar *want = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GPtrArray) history = NULL;
  guint64 first;
  gsize mark;
  gboolean seen_vertarget = FALSE;

  engine_on_sim (&t, NULL);
  port = start_tcp_server (&t, NULL);
  c = client_tcp (port, "alice@box");
  mark = t.output->len;
  g_assert_true (client_hello (c, NULL, &error));
  g_assert_no_error (error);
  wait_output (&t, mark, "Client alice@box connected (tcp 127.0.0.1:");

  /* The history from the start of the server. */
  history = client_get_output (c, 0, &first);
  g_assert_cmpuint (first, ==, 0);
  g_assert_cmpuint (history->len, >=, 1);
  g_assert_true (g_str_has_prefix (history->pdata[0], "debugger||Server started."));

  g_assert_true (client_execute (c, "vertarget", &out, &err));
  g_assert_nonnull (strstr (out, "Kernel base = 0xfffff800`02000000"));
  g_assert_cmpstr (err, ==, "");
  wait_echo (&t, "alice@box: 0: kd> vertarget\n");
  /* The same output came as signals, numbered on from Hello's next_seq. */
  client_wait_seq (c, last_seq (c));
  g_assert_cmpuint (g_array_index (c->seqs, guint64, 0), ==, c->next_seq);
  for (guint i = 0; i < c->chunks->len; i++)
    {
      const gchar *chunk = c->chunks->pdata[i];

      if (g_str_equal (chunk, "echo|alice@box|0: kd> vertarget\n"))
        seen_vertarget = TRUE;
      else if (seen_vertarget && strstr (chunk, "Kernel base"))
        break;
    }
  g_assert_true (seen_vertarget);
  {
    g_autoptr (GString) all = g_string_new (NULL);

    for (guint i = 0; i < c->chunks->len; i++)
      g_string_append (all, c->chunks->pdata[i]);
    g_assert_nonnull (strstr (all->str, out));
  }

  state = client_state (c);
  g_assert_cmpstr (state, ==, "break");

  /* g and a break from the client come back as state changes. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (client_execute (c, "g", &out, &err));
  client_wait_state (c, "running");
  g_ptr_array_set_size (c->states, 0);
  reply = client_call (c, "Interrupt", NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  client_wait_state (c, "break");
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);

  /* KD's rule: no .restart from a client, either way. */
  reply = client_call (c, "Restart", NULL, NULL, &error);
  g_assert_null (reply);
  assert_remote_error (error, KDH_REMOTE_ERROR_NOT_ALLOWED, ".restart is not allowed");
  g_clear_error (&error);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_false (client_execute (c, ".restart", &out, &err));
  g_assert_nonnull (strstr (err, "not allowed from a remote debugging client"));

  /* Several lines in one Execute: refused, one command line per call. */
  g_assert_null (client_call (c, "Execute", g_variant_new ("(s)", "r\ng"), "(bss)", &error));
  assert_remote_error (error, KDH_REMOTE_ERROR_FAILED, "without line breaks");
  g_clear_error (&error);

  /* .servers and .clients, as the local user sees them. */
  servers = run_local (&t, ".servers", FALSE);
  want = g_strdup_printf ("0 - kdhost -remote tcp:Port=%u,Server=127.0.0.1\n", port);
  g_assert_cmpstr (servers, ==, want);
  clients = run_local (&t, ".clients", FALSE);
  g_assert_true (g_str_has_prefix (clients, "1 - alice@box (tcp 127.0.0.1:"));
  g_assert_nonnull (strstr (clients, "), last active "));
  g_assert_nonnull (strstr (clients, " s ago\n"));

  mark = t.output->len;
  client_free (c);
  wait_output (&t, mark, "Client alice@box disconnected (tcp 127.0.0.1:");
  g_free (clients);
  clients = run_local (&t, ".clients", FALSE);
  g_assert_cmpstr (clients, ==, "No clients are connected.\n");
  kdh_test_engine_clear (&t);
}

/* -server runs .server before there is a kernel connection. */
static void
test_before_attach (void)
{
  KdhTestEngine t;
  guint16 port;
  Client *c;
  g_autofree gchar *out = NULL, *err = NULL, *state = NULL;

  kdh_test_engine_init (&t);
  port = start_tcp_server (&t, NULL);
  c = client_tcp (port, "early@box");
  g_assert_true (client_hello (c, NULL, NULL));
  state = client_state (c);
  g_assert_cmpstr (state, ==, "disconnected");
  g_assert_false (client_execute (c, "vertarget", &out, &err));
  g_assert_nonnull (strstr (err, "no kernel connection"));

  kdh_test_engine_attach (&t, "sim:");
  client_wait_state (c, "break");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (client_execute (c, "vertarget", &out, &err));
  g_assert_nonnull (strstr (out, "Kernel base"));
  client_free (c);
  kdh_test_engine_clear (&t);
}

/* Makes the self-signed certificate the ssl servers here use, once. */
static void
make_certificate (void)
{
  g_autofree gchar *openssl = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  if (cert_file)
    return;
  openssl = kdh_test_require_program ("openssl", "openssl");
  cert_file = g_build_filename (test_dir, "cert.pem", NULL);
  key_file = g_build_filename (test_dir, "key.pem", NULL);
  {
    const gchar *argv[] = { openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                            "/CN=localhost", "-days", "1", "-keyout", key_file, "-out", cert_file,
                            NULL };

    g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
  }
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

static gboolean
accept_any_certificate (GTlsConnection       *conn,
                        GTlsCertificate      *peer,
                        GTlsCertificateFlags  errors,
                        gpointer              data)
{
  return TRUE;
}

static Client *
client_ssl (guint16      port,
            const gchar *name)
{
  g_autoptr (GSocketConnection) tcp = raw_connect (port);
  g_autoptr (GError) error = NULL;
  g_autoptr (GIOStream) tls = g_tls_client_connection_new (G_IO_STREAM (tcp), NULL, &error);

  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  return client_on_stream (tls, name);
}

static Client *
client_npipe (const gchar *pipe,
              const gchar *name)
{
  g_autofree gchar *path = g_build_filename (test_dir, "kdhost", pipe, NULL);
  g_autofree gchar *address = g_strdup_printf ("unix:path=%s", path);
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  GDBusConnection *conn =
    g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                            NULL, NULL, &error);
  struct stat st;

  g_assert_no_error (error);
  /* The socket's directory is the user's alone. */
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  return client_wrap (conn, name);
}

/* Every chunk from 0 to @last, as @c has it: GetOutput for what came
 * before its Hello, signals after. */
static GPtrArray *
client_full_record (Client  *c,
                    guint64  last)
{
  guint64 first;
  GPtrArray *all = client_get_output (c, 0, &first);

  g_assert_cmpuint (first, ==, 0);
  /* Signals from next_seq on, exactly once each and in order. */
  client_wait_seq (c, last);
  for (guint i = 0; i < c->seqs->len; i++)
    {
      guint64 seq = g_array_index (c->seqs, guint64, i);

      g_assert_cmpuint (seq, ==, c->next_seq + i);
      if (seq < all->len)
        g_assert_cmpstr (all->pdata[seq], ==, c->chunks->pdata[i]);
      else if (seq <= last)
        {
          g_assert_cmpuint (seq, ==, all->len);
          g_ptr_array_add (all, g_strdup (c->chunks->pdata[i]));
        }
    }
  g_ptr_array_set_size (all, MIN (all->len, last + 1));
  g_assert_cmpuint (all->len, ==, last + 1);
  return all;
}

/* One server on tcp, npipe and ssl, a client on each: everyone sees every
 * line once and in one order; commands are attributed; .restart only from
 * the server; a client's resync reaches the target. */
static void
test_three_transports (void)
{
  KdhTestEngine t;
  guint16 tcp_port, ssl_port;
  Client *clients[3] = { NULL, };
  guint n_clients;
  gsize start;
  guint64 last;
  g_autoptr (GPtrArray) reference = NULL;
  g_autoptr (GString) debugger_text = g_string_new (NULL);
  KdhSimCounters before, after;

  engine_on_sim (&t, NULL);
  start = t.output->len;
  tcp_port = start_tcp_server (&t, NULL);
  /* The server's history starts with its first line. */
  start = strstr (t.output->str + start, "Server started.") - t.output->str;
  start_server (&t, "npipe:pipe=kdtest%d");
  make_certificate ();
  {
    g_autofree gchar *spec = NULL;

    ssl_port = kdh_test_free_port ();
    spec = g_strdup_printf ("ssl:port=%u,bind=127.0.0.1,cert=%s,key=%s", ssl_port, cert_file,
                            key_file);
    start_server (&t, spec);
  }

  clients[0] = client_tcp (tcp_port, "ann@tcp");
  {
    g_autofree gchar *pipe = g_strdup_printf ("kdtest%d", getpid ());

    clients[1] = client_npipe (pipe, "bob@npipe");
  }
  clients[2] = client_ssl (ssl_port, "cat@ssl");
  n_clients = 3;
  for (guint i = 0; i < n_clients; i++)
    g_assert_true (client_hello (clients[i], NULL, NULL));

  /* Commands from each, in turn and attributed. */
  for (guint i = 0; i < n_clients; i++)
    {
      g_autofree gchar *line = g_strdup_printf (".echo hello from %s", clients[i]->name);
      g_autofree gchar *echo = g_strdup_printf ("%s: 0: kd> %s\n", clients[i]->name, line);
      g_autofree gchar *want = g_strdup_printf ("hello from %s\n", clients[i]->name);
      g_autofree gchar *out = NULL, *err = NULL;

      g_assert_true (client_execute (clients[i], line, &out, &err));
      g_assert_cmpstr (out, ==, want);
      wait_echo (&t, echo);
    }
  {
    g_autofree gchar *out = NULL, *err = NULL;

    g_assert_true (client_execute (clients[0], "r rip; lm", &out, &err));
    g_assert_nonnull (strstr (out, "rip="));
    g_assert_nonnull (strstr (out, "kdhtest"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_false (client_execute (clients[1], ".restart", &out, &err));
    g_assert_nonnull (strstr (err, "not allowed"));
  }

  /* The server's own .restart works, and everyone sees it happen. */
  {
    guint from = t.states->len;
    g_autofree gchar *out = kdh_test_engine_run (&t, ".restart", FALSE);

    g_assert_true (kdh_test_engine_saw_state (&t, from, KDH_CONN_RESTARTING));
    kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
    for (guint i = 0; i < n_clients; i++)
      {
        client_wait_state (clients[i], "restarting");
        client_wait_state (clients[i], "break");
      }
  }

  /* A client's resync reaches the target. */
  before = kdh_test_engine_sim_counters (&t);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GVariant) reply = client_call (clients[n_clients - 1], "Resync", NULL, NULL, &error);

    g_assert_no_error (error);
  }
  wait_output (&t, start, "Kernel debugger connection resynchronized.\n");
  after = kdh_test_engine_sim_counters (&t);
  g_assert_cmpuint (after.resets_received, >, before.resets_received);
  {
    g_autofree gchar *out = kdh_test_engine_run (&t, ".echo the end", FALSE);
  }

  /* Everyone has every chunk once, in the same order... */
  last = last_seq (clients[0]);
  reference = client_full_record (clients[0], last);
  for (guint i = 1; i < n_clients; i++)
    {
      g_autoptr (GPtrArray) other = client_full_record (clients[i], last);

      for (guint64 s = 0; s <= last; s++)
        g_assert_cmpstr (other->pdata[s], ==, reference->pdata[s]);
    }
  /* ... and the same as the server's own window: its debugger and error
   * output since the first .server, byte for byte. */
  for (guint64 s = 0; s <= last; s++)
    {
      const gchar *chunk = reference->pdata[s];

      if (g_str_has_prefix (chunk, "debugger||") || g_str_has_prefix (chunk, "error||"))
        g_string_append (debugger_text, strchr (strchr (chunk, '|') + 1, '|') + 1);
    }
  g_assert_cmpuint (t.output->len - start, >=, debugger_text->len);
  if (memcmp (t.output->str + start, debugger_text->str, debugger_text->len) != 0)
    g_error ("the clients' output differs from the server's:\n--- clients\n%s\n--- server\n%s",
             debugger_text->str, t.output->str + start);
  g_assert_nonnull (strstr (debugger_text->str, "the end\n"));

  for (guint i = 0; i < n_clients; i++)
    client_free (clients[i]);
  kdh_test_engine_clear (&t);
  {
    g_autofree gchar *path = g_strdup_printf ("%s/kdhost/kdtest%d", test_dir, getpid ());

    /* The socket goes with its server. */
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
}

/* Passwords: Hello first, a wrong one refused and logged without it, and
 * never shown to anyone. */
static void
test_password (void)
{
  KdhTestEngine t;
  guint16 port;
  Client *c, *intruder;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GPtrArray) history = NULL;
  guint64 first;
  gsize mark;
  g_autofree gchar *servers = NULL, *out = NULL, *err = NULL;

  engine_on_sim (&t, NULL);
  port = start_tcp_server (&t, ",password=Sup3r-Secret");
  servers = run_local (&t, ".servers", FALSE);
  g_assert_nonnull (strstr (servers, ",Password=*\n"));

  intruder = client_tcp (port, "mallory@elsewhere");
  reply = client_call (intruder, "Execute", g_variant_new ("(s)", "vertarget"), "(bss)", &error);
  g_assert_null (reply);
  assert_remote_error (error, KDH_REMOTE_ERROR_AUTH_REQUIRED, "Hello");
  g_clear_error (&error);
  mark = t.output->len;
  g_assert_false (client_hello (intruder, "guess-1234", &error));
  assert_remote_error (error, KDH_REMOTE_ERROR_WRONG_PASSWORD, NULL);
  g_clear_error (&error);
  wait_output (&t, mark, "Refused client mallory@elsewhere (tcp 127.0.0.1:");
  wait_output (&t, mark, "): wrong password\n");
  kdh_test_run_until (client_closed, intruder, 30, "the refused client's connection to close");
  client_free (intruder);

  c = client_tcp (port, "alice@box");
  g_assert_true (client_hello (c, "Sup3r-Secret", &error));
  g_assert_no_error (error);
  g_assert_true (client_execute (c, "vertarget", &out, &err));

  /* Not in the log, not in what clients get (the .server echo included). */
  history = client_get_output (c, 0, &first);
  for (guint i = 0; i < history->len; i++)
    g_assert_null (strstr (history->pdata[i], "Sup3r-Secret"));
  g_assert_null (strstr (t.output->str, "Sup3r-Secret"));
  g_assert_null (strstr (t.echoes->str, "Sup3r-Secret"));
  g_assert_nonnull (strstr (t.echoes->str, ",password=*\n"));
  g_assert_null (strstr (t.output->str, "guess-1234"));
  client_free (c);
  kdh_test_engine_clear (&t);
}

/* Garbage, a message over the limit, silence: each closes that one
 * connection, with a reason in the log; the server serves on. */
static void
test_garbage (void)
{
  KdhTestEngine t;
  guint16 port;
  gsize mark;
  Client *c, *good;
  g_autofree gchar *out = NULL, *err = NULL;

  engine_on_sim (&t, NULL);
  port = start_tcp_server (&t, NULL);

  /* Not D-Bus at all. */
  {
    g_autoptr (GSocketConnection) raw = raw_connect (port);

    mark = t.output->len;
    raw_write (raw, "GET / HTTP/1.0\r\n\r\n", 18);
    g_assert_true (raw_wait_closed (raw));
    wait_output (&t, mark, "Dropped a connection (tcp 127.0.0.1:");
    wait_output (&t, mark, "not a D-Bus client");
  }
  /* A line without end during authentication. */
  {
    g_autoptr (GSocketConnection) raw = raw_connect (port);
    g_autofree gchar *junk = g_malloc (40000);

    memset (junk, 'A', 40000);
    mark = t.output->len;
    raw_write (raw, "\0AUTH ", 6);
    raw_write (raw, junk, 40000);
    g_assert_true (raw_wait_closed (raw));
    wait_output (&t, mark, "authentication line of more than 16384 bytes");
  }
  /* Authenticated, then bytes that are no D-Bus header. */
  {
    g_autoptr (GSocketConnection) raw = raw_connect (port);

    raw_authenticate (raw);
    mark = t.output->len;
    raw_write (raw, "\x01\x02garbage-garbage", 17);
    g_assert_true (raw_wait_closed (raw));
    wait_output (&t, mark, "sent bytes that are not D-Bus (a header starting 01 02 67 61)");
  }
  /* A header announcing 1 MiB: closed before the body is read. */
  {
    g_autoptr (GSocketConnection) raw = raw_connect (port);
    guint8 header[16] = { 'l', 1, 0, 1 };
    guint32 body = GUINT32_TO_LE (1024 * 1024), serial = GUINT32_TO_LE (1), fields = 0;

    memcpy (header + 4, &body, 4);
    memcpy (header + 8, &serial, 4);
    memcpy (header + 12, &fields, 4);
    raw_authenticate (raw);
    mark = t.output->len;
    raw_write (raw, header, sizeof header);
    g_assert_true (raw_wait_closed (raw));
    wait_output (&t, mark, "sent a message of 1048592 bytes (the limit is 262144)");
  }
  /* A participant that sends an oversized message is disconnected too. */
  {
    g_autofree gchar *huge = g_malloc (KDH_REMOTE_MAX_MESSAGE + 1);

    memset (huge, 'x', KDH_REMOTE_MAX_MESSAGE);
    huge[KDH_REMOTE_MAX_MESSAGE] = '\0';
    c = client_tcp (port, "big@box");
    g_assert_true (client_hello (c, NULL, NULL));
    mark = t.output->len;
    g_dbus_connection_call (c->conn, NULL, KDH_REMOTE_OBJECT_PATH, KDH_REMOTE_INTERFACE,
                            "Execute", g_variant_new ("(s)", huge), NULL, G_DBUS_CALL_FLAGS_NONE,
                            -1, NULL, NULL, NULL);
    kdh_test_run_until (client_closed, c, 30, "the oversized client's connection to close");
    wait_output (&t, mark, "Client big@box disconnected (tcp 127.0.0.1:");
    wait_output (&t, mark, "): sent a message of ");
    client_free (c);
  }

  /* The server is fine. */
  good = client_tcp (port, "good@box");
  g_assert_true (client_hello (good, NULL, NULL));
  g_assert_true (client_execute (good, "vertarget", &out, &err));
  g_assert_nonnull (strstr (out, "Kernel base"));
  client_free (good);
  kdh_test_engine_clear (&t);
}

/* A connection that never says anything is closed after the Hello
 * timeout. */
static void
test_hello_timeout (void)
{
  KdhTestEngine t;
  guint16 port;
  gsize mark;
  g_autoptr (GSocketConnection) silent = NULL;
  g_autofree gchar *want = g_strdup_printf ("no Hello within %d s",
                                            KDH_REMOTE_HELLO_TIMEOUT_MS / 1000);

  engine_on_sim (&t, NULL);
  port = start_tcp_server (&t, NULL);
  mark = t.output->len;
  silent = raw_connect (port);
  g_assert_true (raw_wait_closed (silent));
  wait_output (&t, mark, want);
  kdh_test_engine_clear (&t);
}

typedef struct {
  Client *c;
  gsize len;
} TargetWait;

static gboolean
client_has_target (gpointer data)
{
  TargetWait *w = data;

  return w->c->target->len >= w->len;
}

typedef struct {
  KdhTestEngine *t;
  const gchar *name;
} PausedWait;

static gboolean
client_paused (gpointer data)
{
  PausedWait *w = data;
  g_autofree gchar *clients = run_local (w->t, ".clients", FALSE);
  g_auto (GStrv) lines = g_strsplit (clients, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (strstr (lines[i], w->name) && strstr (lines[i], "output paused"))
      return TRUE;
  return FALSE;
}

/* A client that stops reading (or acknowledging) while the target floods:
 * it is paused at a bounded backlog, and the others go on. */
static void
test_stalled_client (void)
{
  KdhTestEngine t;
  guint16 port;
  Client *fast, *lazy;
  g_autoptr (GSocketConnection) deaf = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *clients = NULL;
  g_auto (GStrv) lines = NULL;
  guint64 fast_seq;
  guint paused = 0;
  const gchar *p;

  /* A flood as fast as the link allows: the emulator may use a whole core,
   * so that what is measured is the fan-out, not its CPU budget. */
  engine_on_sim (&t, "sim:dbgprint-rate=0,cpu-budget=100");
  port = start_tcp_server (&t, NULL);
  fast = client_tcp (port, "fast@box");
  fast->auto_ack = TRUE;
  fast->ack_timer = g_timeout_add (200, on_ack_timer, fast);
  g_assert_true (client_hello (fast, NULL, NULL));
  lazy = client_tcp (port, "lazy@box");        /* reads, never acknowledges */
  lazy->strict = FALSE;
  g_assert_true (client_hello (lazy, NULL, NULL));
  deaf = raw_connect (port);                   /* never reads at all */
  raw_authenticate (deaf);
  raw_send_hello (deaf, "deaf@box");
  wait_output (&t, 0, "Client deaf@box connected");

  g_assert_true (client_execute (fast, "g", &out, &err));
  {
    PausedWait w1 = { &t, "lazy@box" }, w2 = { &t, "deaf@box" };

    kdh_test_run_until (client_paused, &w1, 120, "lazy@box to be paused");
    kdh_test_run_until (client_paused, &w2, 120, "deaf@box to be paused");
  }

  /* The others still get everything: another 2 MiB to the fast one. */
  fast_seq = g_array_index (fast->seqs, guint64, fast->seqs->len - 1);
  {
    TargetWait w = { fast, fast->target->len + 2 * 1024 * 1024 };

    kdh_test_run_until (client_has_target, &w, 120, "fast@box to receive 2 MiB more");
  }
  g_assert_cmpuint (g_array_index (fast->seqs, guint64, fast->seqs->len - 1), >, fast_seq);

  /* What the server keeps for each paused client stays bounded. */
  clients = run_local (&t, ".clients", FALSE);
  g_test_message ("%s", clients);
  lines = g_strsplit (clients, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if ((p = strstr (lines[i], "output paused: ")))
      {
        guint64 bytes = g_ascii_strtoull (p + strlen ("output paused: "), NULL, 10);

        g_assert_cmpuint (bytes, <=, STALL_BOUND);
        if (strstr (lines[i], "lazy@box") || strstr (lines[i], "deaf@box"))
          paused++;
      }
  /* (The fast one may be paused for a moment too, when this thread is
   * busy; it is fed again as soon as it acknowledges.) */
  g_assert_cmpuint (paused, ==, 2);
  g_test_message ("flood: %" G_GSIZE_FORMAT " bytes of DbgPrint at the server, %" G_GSIZE_FORMAT
                  " to the fast client", t.target_output->len, fast->target->len);
  g_assert_nonnull (strstr (clients, "deaf@box"));

  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  /* The fast client saw the DbgPrint lines without a gap. */
  {
    const gchar *first_line = strstr (fast->target->str, "kdhtest: dbgprint seq=");
    guint64 first = g_ascii_strtoull (first_line + strlen ("kdhtest: dbgprint seq="), NULL, 10);

    g_assert_cmpuint (kdh_test_check_dbgprint_sequence (first_line, first), >, 1000);
  }
  client_free (fast);
  client_free (lazy);
  kdh_test_engine_clear (&t);
}

static gboolean
clients_have_lines (gpointer data)
{
  Client **clients = data;

  for (guint i = 0; clients[i]; i++)
    if (clients[i]->target_lines < 20000)
      return FALSE;
  return TRUE;
}

/* The texts of the front end's target OUTPUT events, in order: what the
 * engine handed every subscriber, the server included. */
static GPtrArray *
engine_target_events (KdhTestEngine *t)
{
  GPtrArray *events = g_ptr_array_new ();
  g_autofree gchar *prefix = g_strdup_printf ("%d|", KDH_OUTPUT_TARGET);

  for (guint i = 0; i < t->chunks->len; i++)
    {
      const gchar *chunk = t->chunks->pdata[i];
      const gchar *origin_end;

      if (!g_str_has_prefix (chunk, prefix))
        continue;
      origin_end = strchr (chunk + strlen (prefix), '|');
      g_assert_nonnull (origin_end);
      g_ptr_array_add (events, (gpointer) (origin_end + 1));
    }
  return events;
}

/* Checks that every target Output signal @c got is a run of whole,
 * consecutive engine events (@events), all of them in order and none
 * twice, whatever the batching made of them; returns the most events one
 * signal carried. */
static guint
check_signals_are_whole_events (Client    *c,
                                GPtrArray *events)
{
  guint next = 0, most = 0;

  for (guint i = 0; i < c->chunks->len; i++)
    {
      const gchar *chunk = c->chunks->pdata[i];
      const gchar *text;
      gsize len, used = 0;
      guint first = next;

      if (!g_str_has_prefix (chunk, "target|"))
        continue;
      text = strchr (chunk + strlen ("target|"), '|') + 1;
      len = strlen (text);
      /* Whole lines: a DbgPrint line is never cut between two signals. */
      g_assert_true (g_str_has_suffix (text, "\n"));
      while (used < len)
        {
          const gchar *event;
          gsize event_len;

          if (next >= events->len)
            g_error ("%s: signal %u holds more than the engine printed", c->name, i);
          event = events->pdata[next++];
          event_len = strlen (event);
          if (used + event_len > len || memcmp (text + used, event, event_len) != 0)
            g_error ("%s: signal %u is not whole engine events from event %u on", c->name, i,
                     first);
          used += event_len;
        }
      most = MAX (most, next - first);
    }
  g_assert_cmpuint (next, ==, events->len);
  return most;
}

/* Eight clients while the target floods: each gets every line exactly
 * once and in the server's order, every Output signal whole engine events
 * (and so whole lines). How many lines a signal carries depends on the
 * machine's speed: test-server-batch checks the batching on a clock it
 * sets, bench-fanout measures the rates; here they are only reported. */
static void
test_fanout_batched (void)
{
  KdhTestEngine t;
  guint16 port;
  Client *clients[9] = { NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GPtrArray) events = NULL;
  guint64 last;

  /* A flood as fast as the link allows: the emulator may use a whole core,
   * so that what is measured is the fan-out, not its CPU budget. */
  engine_on_sim (&t, "sim:dbgprint-rate=0,cpu-budget=100");
  port = start_tcp_server (&t, NULL);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("fan%u@box", i);

      clients[i] = client_tcp (port, name);
      clients[i]->auto_ack = TRUE;      /* and strict: no gap, no repeat */
      clients[i]->ack_timer = g_timeout_add (200, on_ack_timer, clients[i]);
      g_assert_true (client_hello (clients[i], NULL, NULL));
    }

  g_assert_true (client_execute (clients[0], "g", &out, &err));
  kdh_test_run_until (clients_have_lines, clients, 240, "every client to receive 20000 lines");
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  /* Everything the server printed has reached its own front end ... */
  g_free (run_local (&t, ".echo", FALSE));
  /* ... and every client. */
  last = last_seq (clients[0]);
  for (guint i = 0; i < 8; i++)
    client_wait_seq (clients[i], last);
  events = engine_target_events (&t);

  for (guint i = 0; i < 8; i++)
    {
      Client *c = clients[i];
      const gchar *first_line = strstr (c->target->str, "kdhtest: dbgprint seq=");
      guint64 first;
      guint most = check_signals_are_whole_events (c, events);

      g_test_message ("%s: %u lines from %u engine events in %u Output signals, at most %u "
                      "events in one", c->name, c->target_lines, events->len,
                      c->target_signals, most);
      /* The same lines in the same order as the server's own front end
       * (the target printed nothing before "g", while they were there). */
      g_assert_cmpuint (c->target->len, ==, t.target_output->len);
      g_assert_true (memcmp (c->target->str, t.target_output->str, c->target->len) == 0);
      g_assert_nonnull (first_line);
      first = g_ascii_strtoull (first_line + strlen ("kdhtest: dbgprint seq="), NULL, 10);
      g_assert_cmpuint (kdh_test_check_dbgprint_sequence (first_line, first), >=, 20000);
    }
  for (guint i = 0; i < 8; i++)
    client_free (clients[i]);
  kdh_test_engine_clear (&t);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);
}

/* A client that goes away in the middle of its command hurts nobody. */
static void
test_disconnect_mid_command (void)
{
  KdhTestEngine t;
  guint16 port;
  Client *gone, *other;
  gsize mark, echo_mark;
  g_autofree gchar *out = NULL, *err = NULL;

  engine_on_sim (&t, NULL);
  port = start_tcp_server (&t, NULL);
  other = client_tcp (port, "stays@box");
  g_assert_true (client_hello (other, NULL, NULL));
  for (guint round = 0; round < 3; round++)
    {
      gone = client_tcp (port, "leaves@box");
      g_assert_true (client_hello (gone, NULL, NULL));
      mark = t.output->len;
      echo_mark = t.echoes->len;
      /* A memory read (256 KiB: many packets), and the connection is cut
       * as soon as it has started. */
      g_dbus_connection_call (gone->conn, NULL, KDH_REMOTE_OBJECT_PATH, KDH_REMOTE_INTERFACE,
                              "Execute", g_variant_new ("(s)", "dq fffff800`00400000 L8000"),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_call_done, NULL);
      wait_echo_from (&t, echo_mark, "leaves@box: 0: kd> dq fffff800`00400000 L8000\n");
      client_free (gone);
      wait_output (&t, mark, "Client leaves@box disconnected");
      /* The command still runs to its end, in its turn. */
      wait_output (&t, mark, "fffff800`0043fff0");
    }
  g_assert_true (client_execute (other, "vertarget", &out, &err));
  g_assert_nonnull (strstr (out, "Kernel base"));
  client_free (other);
  kdh_test_engine_clear (&t);
}

/* .endsrv: attached clients stay, new ones are not accepted. */
static void
test_endsrv (void)
{
  KdhTestEngine t;
  guint16 port0, port1;
  Client *c;
  g_autofree gchar *out = NULL, *err = NULL, *ended = NULL, *servers = NULL, *want = NULL;
  g_autofree gchar *bad = NULL;
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketConnection) refused = NULL;
  g_autoptr (GError) error = NULL;

  engine_on_sim (&t, NULL);
  port0 = start_tcp_server (&t, NULL);
  port1 = start_tcp_server (&t, ",hidden");
  c = client_tcp (port0, "sticky@box");
  g_assert_true (client_hello (c, NULL, NULL));

  /* Clients do not see hidden servers; the local user does. */
  g_assert_true (client_execute (c, ".servers", &out, &err));
  want = g_strdup_printf ("0 - kdhost -remote tcp:Port=%u,Server=127.0.0.1\n", port0);
  g_assert_cmpstr (out, ==, want);
  servers = run_local (&t, ".servers", FALSE);
  g_assert_nonnull (strstr (servers, "(hidden)"));

  ended = run_local (&t, ".endsrv 0", FALSE);
  g_assert_nonnull (strstr (ended, "Server 0 (tcp port "));
  g_assert_nonnull (strstr (ended, "accepts no new clients; its 1 client stays connected."));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (client_execute (c, "vertarget", &out, &err));
  refused = g_socket_client_connect_to_host (sc, "127.0.0.1", port0, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_free (servers);
  servers = run_local (&t, ".servers", FALSE);
  g_free (want);
  want = g_strdup_printf ("1 - kdhost -remote tcp:Port=%u,Server=127.0.0.1 (hidden)\n", port1);
  g_assert_cmpstr (servers, ==, want);
  bad = run_local (&t, ".endsrv 7", TRUE);
  g_assert_nonnull (strstr (bad, "There is no debugging server 7"));
  client_free (c);
  kdh_test_engine_clear (&t);
}

/* KDH_REMOTE_MAX_CLIENTS, and one more is told why. */
static void
test_max_clients (void)
{
  KdhTestEngine t;
  guint16 port;
  GPtrArray *all = g_ptr_array_new ();
  Client *extra;
  g_autoptr (GError) error = NULL;
  gsize mark;

  engine_on_sim (&t, NULL);
  port = start_tcp_server (&t, NULL);
  for (guint i = 0; i < KDH_REMOTE_MAX_CLIENTS; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("c%u@box", i);
      Client *c = client_tcp (port, name);

      g_assert_true (client_hello (c, NULL, NULL));
      g_ptr_array_add (all, c);
    }
  extra = client_tcp (port, "onetoomany@box");
  mark = t.output->len;
  g_assert_false (client_hello (extra, NULL, &error));
  assert_remote_error (error, KDH_REMOTE_ERROR_FAILED, "maximum of 32 clients");
  wait_output (&t, mark, "Refused client onetoomany@box (tcp 127.0.0.1:");
  wait_output (&t, mark, "): too many clients\n");
  client_free (extra);
  for (guint i = 0; i < all->len; i++)
    client_free (all->pdata[i]);
  g_ptr_array_unref (all);
  kdh_test_engine_clear (&t);
}

/* A client nobody here wrote: the command line the README gives. */
static void
test_gdbus_tool (void)
{
  KdhTestEngine t;
  guint16 port;
  g_autofree gchar *gdbus = kdh_test_require_program ("gdbus", "libglib2.0-bin");
  g_autofree gchar *address = NULL, *out = NULL, *errout = NULL;
  g_autoptr (GError) error = NULL;
  gint status;

  engine_on_sim (&t, NULL);
  port = start_tcp_server (&t, NULL);
  address = g_strdup_printf ("tcp:host=127.0.0.1,port=%u", port);
  {
    const gchar *argv[] = { gdbus, "call", "--address", address, "--dest", "org.kdhost.Session",
                            "--object-path", "/org/kdhost/Session",
                            "--method", "org.kdhost.Session1.Execute", "vertarget", NULL };

    g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout,
                  &status, &error);
  }
  g_assert_no_error (error);
  g_test_message ("gdbus: %s%s", out, errout);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "(true, 'Windows 10 Kernel Version 19041"));
  g_assert_nonnull (strstr (out, "Kernel base = 0xfffff800`02000000"));
  wait_echo (&t, "anonymous@127.0.0.1: 0: kd> vertarget\n");
  kdh_test_engine_clear (&t);
}

/* com: a serial line between two debuggers (here a pseudo-terminal). */
static void
test_com (void)
{
  KdhTestEngine t;
  int master, slave;
  gchar name[256];
  g_autofree gchar *spec = NULL, *started = NULL, *out = NULL, *err = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) outs = NULL;
  g_autoptr (GIOStream) stream = NULL;
  Client *c;

  g_assert_cmpint (openpty (&master, &slave, name, NULL, NULL), ==, 0);
  g_unix_set_fd_nonblocking (master, TRUE, NULL);
  engine_on_sim (&t, NULL);
  spec = g_strdup_printf (".server com:port=%s,baud=115200,channel=3", name);
  started = kdh_test_engine_run (&t, spec, FALSE);
  g_assert_nonnull (strstr (started, "0: kdhost -remote com:Port="));
  g_assert_nonnull (strstr (started, ",Baud=115200,Channel=3\n"));
  g_assert_nonnull (strstr (started, "not multiplexed"));

  in = g_unix_input_stream_new (master, FALSE);
  outs = g_unix_output_stream_new (master, FALSE);
  stream = g_simple_io_stream_new (in, outs);
  c = client_on_stream (stream, "serial@box");
  g_assert_true (client_hello (c, NULL, NULL));
  g_assert_true (client_execute (c, "vertarget", &out, &err));
  g_assert_nonnull (strstr (out, "Kernel base"));
  wait_output (&t, 0, "Client serial@box connected (com ");
  client_free (c);
  kdh_test_engine_clear (&t);
  close (master);
  close (slave);
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  *(GSocketConnection **) data = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source),
                                                                  result, NULL, NULL);
}

static gboolean
accepted (gpointer data)
{
  return *(GSocketConnection **) data != NULL;
}

/* tcp with clicon: the server dials the client. */
static void
test_clicon (void)
{
  KdhTestEngine t;
  guint16 port = kdh_test_free_port ();
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (lo, port);
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *spec = NULL, *started = NULL, *want = NULL, *out = NULL, *err = NULL;
  Client *c;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, NULL, &error));
  g_socket_listener_accept_async (listener, NULL, on_accepted, &conn);
  engine_on_sim (&t, NULL);
  spec = g_strdup_printf (".server tcp:port=%u,clicon=127.0.0.1", port);
  started = kdh_test_engine_run (&t, spec, FALSE);
  want = g_strdup_printf ("0: kdhost -remote tcp:clicon=%s,Port=%u\n", g_get_host_name (), port);
  g_assert_nonnull (strstr (started, want));
  g_assert_null (strstr (started, "Warning"));
  kdh_test_run_until (accepted, &conn, 30, "the server to dial in");
  c = client_on_stream (G_IO_STREAM (conn), "waiting@client");
  g_assert_true (client_hello (c, NULL, NULL));
  g_assert_true (client_execute (c, "vertarget", &out, &err));
  g_assert_nonnull (strstr (out, "Kernel base"));
  client_free (c);
  kdh_test_engine_clear (&t);
}

/* No password and reachable from other machines: the server says so. */
static void
test_warning (void)
{
  KdhTestEngine t;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *spec = g_strdup_printf (".server tcp:port=%u:%u", port, port);
  g_autofree gchar *out = NULL, *bad = NULL;

  engine_on_sim (&t, NULL);
  out = kdh_test_engine_run (&t, spec, FALSE);
  g_assert_nonnull (strstr (out, "Warning: server 0 (tcp port "));
  g_assert_nonnull (strstr (out, "has no password"));
  /* The port is taken now: the same range has nothing free. */
  bad = kdh_test_engine_run (&t, spec, TRUE);
  g_assert_nonnull (strstr (bad, "in use"));
  kdh_test_engine_clear (&t);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  /* npipe sockets go under XDG_RUNTIME_DIR: a private one for the test,
   * set before anything reads it. */
  test_dir = g_dir_make_tmp ("kdh-remote-XXXXXX", NULL);
  g_setenv ("XDG_RUNTIME_DIR", test_dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote/server/basic", test_basic);
  g_test_add_func ("/remote/server/before-attach", test_before_attach);
  g_test_add_func ("/remote/server/three-transports", test_three_transports);
  g_test_add_func ("/remote/server/password", test_password);
  g_test_add_func ("/remote/server/garbage", test_garbage);
  g_test_add_func ("/remote/server/hello-timeout", test_hello_timeout);
  g_test_add_func ("/remote/server/stalled-client", test_stalled_client);
  g_test_add_func ("/remote/server/fanout-batched", test_fanout_batched);
  g_test_add_func ("/remote/server/disconnect-mid-command", test_disconnect_mid_command);
  g_test_add_func ("/remote/server/endsrv", test_endsrv);
  g_test_add_func ("/remote/server/max-clients", test_max_clients);
  g_test_add_func ("/remote/server/gdbus-tool", test_gdbus_tool);
  g_test_add_func ("/remote/server/com", test_com);
  g_test_add_func ("/remote/server/clicon", test_clicon);
  g_test_add_func ("/remote/server/warning", test_warning);
  ret = g_test_run ();
  remove_tree (test_dir);
  g_free (test_dir);
  g_free (cert_file);
  g_free (key_file);
  return ret;
}
