/* test-transport-stream.c: byte transports over Unix sockets, TCP and the simulator
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A VM's serial pipe (a Unix socket kdhost connects to), TCP both ways,
 * the look outside the main loop, close() and the in-process simulator;
 * the fixture is kdh-test-transport.c's.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "sim/kdh-sim-transport.h"
#include "kdh-test-transport.h"

/* Unix socket pipes */

static void
pipe_exchange (KdhTransportFixture *f,
               KdhTestServer       *server)
{
  gsize before = f->received->len;

  g_byte_array_set_size (server->peer->data, 0);
  kdh_test_peer_write (server->peer, "ping");
  WAIT_FOR (f, f->received->len >= before + 4);
  g_assert_cmpmem (f->received->data + before, 4, "ping", 4);

  kdh_test_transport_write (f, "pong");
  WAIT_FOR (f, server->peer->data->len >= 4);
  g_assert_true (kdh_test_bytes_are (server->peer->data, "pong"));
}

/* A pipe transport to a new Unix server, open and accepted there; *@path:
 * the socket's. */
static KdhTestServer *
open_pipe (KdhTransportFixture  *f,
           gchar               **path)
{
  g_autofree gchar *text = NULL;
  g_autoptr(GError) error = NULL;
  KdhTestServer *server;

  *path = kdh_test_transport_socket_path (f);
  text = g_strdup_printf ("com:pipe,port=%s", *path);
  server = kdh_test_unix_server_new (*path);
  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  return server;
}

static void
test_pipe_both_ways (KdhTransportFixture *f,
                     gconstpointer        data)
{
  g_autofree gchar *path = NULL;
  KdhTestServer *server = open_pipe (f, &path);

  pipe_exchange (f, server);

  /* The VM closes its end: closed(), and no retrying without
   * ",reconnect". */
  g_clear_pointer (&server->peer, kdh_test_peer_free);
  WAIT_FOR (f, f->closed == 1);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (f->closed_error->message, path));
  g_assert_false (kdh_transport_is_open (f->transport));
  kdh_test_transport_drain (f);
  g_assert_false (g_main_context_pending (f->context));
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");

  kdh_test_server_free (f, server);
}

/* Bytes that arrive within @ms through kdh_transport_look() alone, the
 * context never iterated (as the engine spins for a reply). */
static gboolean
look_until_delivered (KdhTransportFixture *f,
                      guint                ms)
{
  gint64 until = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    {
      gboolean delivered = FALSE;

      g_assert_true (kdh_transport_look (f->transport, &delivered));
      if (delivered)
        return TRUE;
      g_usleep (1000);
    }
  return FALSE;
}

/* A look outside the main loop sends what is gathered and delivers what
 * came, in order, once; an end it finds is reported as the loop would;
 * it declines where the loop must keep the order (issue 16). */
static void
test_pipe_look (KdhTransportFixture *f,
                gconstpointer        data)
{
  g_autofree gchar *path = NULL;
  KdhTestServer *server = open_pipe (f, &path);
  GSocket *peer_socket;
  gboolean delivered = TRUE;

  kdh_test_transport_drain (f);
  peer_socket = g_socket_connection_get_socket (server->peer->connection);

  g_assert_true (kdh_transport_look (f->transport, &delivered));
  g_assert_false (delivered);

  /* A gathered write leaves at the look, the loop never run. */
  kdh_test_transport_write (f, "ask");
  g_assert_true (kdh_transport_look (f->transport, &delivered));
  g_assert_true (g_socket_condition_timed_wait (peer_socket, G_IO_IN, TIMEOUT_S * G_USEC_PER_SEC,
                                                NULL, NULL));
  {
    gchar buf[8];

    g_assert_cmpint (g_socket_receive (peer_socket, buf, sizeof buf, NULL, NULL), ==, 3);
    g_assert_cmpmem (buf, 3, "ask", 3);
  }

  /* What the far end sends comes through looks, whole and once. */
  kdh_test_peer_write (server->peer, "reply-1;");
  kdh_test_peer_write (server->peer, "reply-2;");
  while (f->received->len < strlen ("reply-1;reply-2;"))
    g_assert_true (look_until_delivered (f, TIMEOUT_S * 1000));
  g_assert_true (kdh_test_transport_received_is (f, "reply-1;reply-2;"));
  kdh_test_transport_drain (f);
  g_assert_true (kdh_test_transport_received_is (f, "reply-1;reply-2;"));

  /* Paused input is the loop's to resume: a look declines. */
  kdh_transport_pause_input (f->transport, TRUE);
  g_assert_false (kdh_transport_look (f->transport, &delivered));
  kdh_transport_pause_input (f->transport, FALSE);

  /* The far end goes: the look finds the end, and closed() comes from
   * the loop, after everything that was sent before it. */
  kdh_test_peer_write (server->peer, "last;");
  g_clear_pointer (&server->peer, kdh_test_peer_free);
  for (gint64 until = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
       g_get_monotonic_time () < until && kdh_transport_look (f->transport, &delivered); )
    g_usleep (1000);
  g_assert_true (kdh_test_transport_received_is (f, "reply-1;reply-2;last;"));
  g_assert_cmpuint (f->closed, ==, 0);
  g_assert_false (kdh_transport_look (f->transport, &delivered));
  WAIT_FOR (f, f->closed == 1);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");

  kdh_test_server_free (f, server);
}

static void
test_pipe_reconnect (KdhTransportFixture *f,
                     gconstpointer        data)
{
  g_autofree gchar *path = kdh_test_transport_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s,reconnect", path);
  g_autofree gchar *refused = NULL;
  g_autoptr(GError) error = NULL;
  KdhTestServer *server = kdh_test_unix_server_new (path);

  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  pipe_exchange (f, server);

  /* The VM goes away: first its listening socket, then the connection. */
  kdh_test_server_stop_listening (f, server);
  g_clear_pointer (&server->peer, kdh_test_peer_free);
  WAIT_FOR (f, f->closed == 1 && f->waiting >= 1);
  g_assert_nonnull (f->closed_error);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_assert_true (g_str_has_prefix (f->log->str, "opened;closed;waiting;"));
  kdh_test_server_free (f, server);

  /* It keeps trying, and says why once it knows. */
  refused = g_strdup_printf ("waiting for %s: %s", path, g_strerror (ECONNREFUSED));
  WAIT_FOR (f, f->waiting >= 2);
  g_assert_cmpstr (f->waiting_reason, ==, refused);
  g_assert_cmpuint (f->closed, ==, 1);

  /* ... and comes back later at the same path. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  server = kdh_test_unix_server_new (path);
  WAIT_FOR (f, f->opened == 2 && server->peer != NULL);
  g_assert_true (kdh_transport_is_open (f->transport));
  pipe_exchange (f, server);
  g_assert_cmpuint (f->closed, ==, 1);
  g_assert_true (g_str_has_suffix (f->log->str, "waiting;opened;"));

  kdh_test_server_free (f, server);
}

static void
test_pipe_absent (KdhTransportFixture *f,
                  gconstpointer        data)
{
  g_autofree gchar *path = kdh_test_transport_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s", path);
  g_autofree gchar *expected = g_strdup_printf ("cannot connect to pipe %s: %s", path,
                                                g_strerror (ENOENT));
  g_autoptr(GError) error = NULL;

  kdh_test_transport_new (f, text);
  g_assert_false (kdh_test_transport_open (f, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, expected);
  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "");
}

static void
test_pipe_absent_reconnect (KdhTransportFixture *f,
                            gconstpointer        data)
{
  g_autofree gchar *path = kdh_test_transport_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s,reconnect", path);
  g_autofree gchar *expected = g_strdup_printf ("waiting for %s to appear", path);
  g_autoptr(GError) error = NULL;
  KdhTestServer *server;

  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->waiting == 1);
  g_assert_cmpstr (f->waiting_reason, ==, expected);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));

  server = kdh_test_unix_server_new (path);
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  pipe_exchange (f, server);
  g_assert_cmpstr (f->log->str, ==, "waiting;opened;");

  kdh_test_server_free (f, server);
}

/* close() and free() silence everything already on its way. */
static void
test_close_silences (KdhTransportFixture *f,
                     gconstpointer        data)
{
  g_autofree gchar *path = kdh_test_transport_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s", path);
  g_autoptr(GError) error = NULL;
  KdhTestServer *server = kdh_test_unix_server_new (path);

  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  /* Connected at once: opened() is queued but not delivered yet. */
  g_assert_true (kdh_transport_is_open (f->transport));
  kdh_transport_close (f->transport);
  g_assert_false (kdh_transport_is_open (f->transport));
  WAIT_FOR (f, server->peer != NULL && server->peer->eof);
  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "");

  /* And it can be opened again. */
  kdh_test_server_accept (server);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1 && server->accepted == 2);
  pipe_exchange (f, server);

  kdh_test_server_free (f, server);
}

/* TCP client */

static void
test_tcp_connect (KdhTransportFixture *f,
                  gconstpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  guint16 port;
  KdhTestServer *server = kdh_test_tcp_server_new ("127.0.0.1", &port);

  text = g_strdup_printf ("com:ipport=%u,port=127.0.0.1", port);
  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  pipe_exchange (f, server);

  g_clear_pointer (&server->peer, kdh_test_peer_free);
  WAIT_FOR (f, f->closed == 1);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");

  kdh_test_server_free (f, server);
}

/* A bound socket that does not listen: connecting to it is refused, and
 * nobody else can take the port meanwhile. */
static GSocket *
bound_socket (const gchar *host,
              guint16     *port)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  if (!g_socket_bind (socket, address, FALSE, &error))
    {
      g_object_unref (socket);
      return NULL;
    }
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return socket;
}

static void
check_refused (KdhTransportFixture *f,
               const gchar         *host,
               const gchar         *shown)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) blocker = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  guint16 port = 0;

  blocker = bound_socket (host, &port);
  if (blocker == NULL)
    {
      g_test_skip ("no such loopback address here");
      return;
    }

  text = g_strdup_printf ("com:ipport=%u,port=%s", port, host);
  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->closed == 1);

  expected = g_strdup_printf ("cannot connect to %s:%u: %s", shown, port,
                              g_strerror (ECONNREFUSED));
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpstr (f->closed_error->message, ==, expected);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_assert_cmpstr (f->log->str, ==, "closed;");

  /* The failed open is over; a new one may start at once. */
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->closed == 2);
  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "closed;closed;");
}

static void
test_tcp_refused (KdhTransportFixture *f,
                  gconstpointer        data)
{
  check_refused (f, "127.0.0.1", "127.0.0.1");
}

static void
test_tcp_refused_ipv6 (KdhTransportFixture *f,
                       gconstpointer        data)
{
  check_refused (f, "::1", "[::1]");
}

/* free() while the address is still being looked up: the lookup's
 * callback must find nothing to do and nothing may leak (LSan). */
static void
test_tcp_free_while_connecting (KdhTransportFixture *f,
                                gconstpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) blocker = NULL;
  g_autofree gchar *text = NULL;
  guint16 port = 0;

  blocker = bound_socket ("127.0.0.1", &port);
  g_assert_nonnull (blocker);
  text = g_strdup_printf ("com:ipport=%u,port=127.0.0.1", port);
  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  g_clear_pointer (&f->transport, kdh_transport_free);
  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "");
}

/* TCP listener */

static KdhTestPeer *
client_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  /* Loopback connects complete in the kernel's backlog, before anyone
   * accepts, so a blocking connect does not need the loop. */
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return kdh_test_peer_new (connection);
}

static KdhTransport *
listen_transport_new (KdhTransportFixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KdhConnectionString) cs = NULL;

  /* Port 0 cannot be spelled in a string; the struct takes it, and the
   * system picks a free port. */
  cs = kdh_connection_string_parse ("com:ipport=4445,listen,port=127.0.0.1", &error);
  g_assert_no_error (error);
  cs->tcp_port = 0;
  f->transport = kdh_transport_new (cs, &kdh_test_transport_callbacks, f);
  return f->transport;
}

static void
test_tcp_listen (KdhTransportFixture *f,
                 gconstpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(KdhTestPeer) first = NULL;
  g_autoptr(KdhTestPeer) second = NULL;
  g_autoptr(KdhTestPeer) third = NULL;
  guint16 port;

  listen_transport_new (f);
  g_assert_cmpuint (kdh_transport_get_listen_port (f->transport), ==, 0);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  port = kdh_transport_get_listen_port (f->transport);
  g_assert_cmpuint (port, !=, 0);

  WAIT_FOR (f, f->waiting == 1);
  expected = g_strdup_printf ("waiting for a target to connect on 127.0.0.1:%u", port);
  g_assert_cmpstr (f->waiting_reason, ==, expected);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));

  first = client_connect (port);
  WAIT_FOR (f, f->opened == 1);
  kdh_test_peer_write (first, "one");
  WAIT_FOR (f, f->received->len >= 3);
  g_assert_true (kdh_test_transport_received_is (f, "one"));
  kdh_test_transport_write (f, "back");
  WAIT_FOR (f, first->data->len >= 4);
  g_assert_true (kdh_test_bytes_are (first->data, "back"));

  /* One target at a time: the second is shut out, the first carries on. */
  second = client_connect (port);
  WAIT_FOR (f, second->eof);
  g_assert_cmpuint (second->data->len, ==, 0);
  kdh_test_peer_write (first, "two");
  WAIT_FOR (f, f->received->len >= 6);
  g_assert_true (kdh_test_transport_received_is (f, "onetwo"));
  g_assert_cmpuint (f->opened, ==, 1);

  /* The target disconnects: closed(), then waiting for the next one. */
  g_clear_pointer (&first, kdh_test_peer_free);
  WAIT_FOR (f, f->closed == 1 && f->waiting == 2);
  g_assert_cmpstr (f->waiting_reason, ==, expected);
  g_assert_false (kdh_transport_is_open (f->transport));

  third = client_connect (port);
  WAIT_FOR (f, f->opened == 2);
  kdh_test_transport_write (f, "three");
  WAIT_FOR (f, third->data->len >= 5);
  g_assert_true (kdh_test_bytes_are (third->data, "three"));
  g_assert_cmpstr (f->log->str, ==, "waiting;opened;closed;waiting;opened;");

  /* close() stops listening too. */
  kdh_transport_close (f->transport);
  g_assert_cmpuint (kdh_transport_get_listen_port (f->transport), ==, 0);
  WAIT_FOR (f, third->eof);
}

static void
test_tcp_listen_in_use (KdhTransportFixture *f,
                        gconstpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  guint16 port;
  KdhTestServer *server = kdh_test_tcp_server_new ("127.0.0.1", &port);

  text = g_strdup_printf ("com:ipport=%u,listen,port=127.0.0.1", port);
  kdh_test_transport_new (f, text);
  g_assert_false (kdh_test_transport_open (f, &error));
  expected = g_strdup_printf ("cannot listen on 127.0.0.1:%u: %s", port, g_strerror (EADDRINUSE));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_cmpstr (error->message, ==, expected);
  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "");

  kdh_test_server_free (f, server);
}

/* Baud rates */

static void
test_baud_not_supported (KdhTransportFixture *f,
                         gconstpointer        data)
{
  static const struct {
    const gchar *text;
    const gchar *message;
  } cases[] = {
    { "com:pipe,port=/run/vm.sock",
      "pipe /run/vm.sock is not a serial line; there is no baud rate to cycle" },
    { "com:ipport=4445,port=127.0.0.1",
      "tcp 127.0.0.1:4445 is not a serial line; there is no baud rate to cycle" },
    { "com:ipport=4445,listen",
      "tcp listen :4445 is not a serial line; there is no baud rate to cycle" },
    { "sim:", "sim is not a serial line; there is no baud rate to cycle" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      kdh_test_transport_new (f, cases[i].text);
      g_assert_cmpuint (kdh_transport_get_baud (f->transport), ==, 0);
      g_assert_false (kdh_transport_set_baud (f->transport, 9600, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_clear_pointer (&f->transport, kdh_transport_free);
    }
}

/* The write queue */

/* The in-process simulator */

static void
test_sim (KdhTransportFixture *f,
          gconstpointer        data)
{
  static const guint8 breakin[] = { 0x62 };
  static const guint8 reset[] = {
    0x69, 0x69, 0x69, 0x69, 0x06, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) counters = NULL;
  KdhSimCounters values = { 0, };

  kdh_test_transport_new (f, "sim:");
  g_assert_cmpstr (kdh_transport_describe (f->transport), ==, "sim");
  g_assert_null (kdh_transport_dup_peer_counters (f->transport));
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1);

  f->in_call = TRUE;
  g_assert_true (kdh_transport_write (f->transport, breakin, sizeof breakin, &error));
  g_assert_true (kdh_transport_write (f->transport, reset, sizeof reset, &error));
  f->in_call = FALSE;
  g_assert_no_error (error);

  /* The simulated target answers: a packet, data ("0000") or control
   * ("iiii"), whichever it sends first. */
  WAIT_FOR (f, f->received->len >= 4);
  g_assert_true (memcmp (f->received->data, "0000", 4) == 0
                 || memcmp (f->received->data, "iiii", 4) == 0);
  /* Only that they can be read: their values are the simulator's
   * business (test-sim-target). */
  counters = kdh_transport_dup_peer_counters (f->transport);
  g_assert_true (kdh_sim_counters_from_variant (counters, &values));
  /* It saw the break-in byte or the RESET at least. */
  g_assert_cmpuint (values.breakins + values.resets_received, >=, 1);

  kdh_transport_close (f->transport);
  g_assert_null (kdh_transport_dup_peer_counters (f->transport));
  kdh_test_transport_drain (f);
  g_assert_cmpuint (f->closed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  kdh_sim_transport_register ();

#define ADD(path, func) \
  g_test_add ("/transport/" path, KdhTransportFixture, NULL, kdh_test_transport_setup, func, \
              kdh_test_transport_teardown)

  ADD ("pipe/both-ways", test_pipe_both_ways);
  ADD ("pipe/look", test_pipe_look);
  ADD ("pipe/reconnect", test_pipe_reconnect);
  ADD ("pipe/absent", test_pipe_absent);
  ADD ("pipe/absent-reconnect", test_pipe_absent_reconnect);
  ADD ("close-silences", test_close_silences);
  ADD ("tcp/connect", test_tcp_connect);
  ADD ("tcp/refused", test_tcp_refused);
  ADD ("tcp/refused-ipv6", test_tcp_refused_ipv6);
  ADD ("tcp/free-while-connecting", test_tcp_free_while_connecting);
  ADD ("tcp/listen", test_tcp_listen);
  ADD ("tcp/listen-in-use", test_tcp_listen_in_use);
  ADD ("baud/not-supported", test_baud_not_supported);
  ADD ("sim", test_sim);

#undef ADD

  return g_test_run ();
}
