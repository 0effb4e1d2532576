/* kdh-test-transport.c: a transport's fixture, and the far ends of its streams
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by test-transport.c and test-transport-stream.c: a main context
 * of the test's own pushed as the thread default (as the engine thread
 * does), the transport's callbacks recorded in order, and sockets that
 * play the VM or the target on the same context.
 */
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "kdh-test-transport.h"

/* The open descriptors, other than GLib's own eventfds (its singletons
 * create them on first use and keep them), each named by what it refers
 * to.  Comparing identities rather than counts keeps a descriptor that a
 * GIO helper thread of an earlier test closes late from reading as a leak,
 * while a new descriptor that reuses a closed one's number still shows. */
static GHashTable *
snapshot_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  GHashTable *fds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* The listing's own descriptor, whatever number it gets. */
  g_autofree gchar *listing = g_strdup_printf ("/proc/%d/fd", (int) getpid ());
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree gchar *target = g_file_read_link (path, NULL);
      struct stat st;

      if (target == NULL || g_str_has_prefix (target, "anon_inode:")
          || strcmp (target, listing) == 0)
        continue;
      if (stat (path, &st) != 0)
        continue;
      g_hash_table_insert (fds,
                           g_strdup_printf ("%s %ju:%ju", name,
                                            (uintmax_t) st.st_dev,
                                            (uintmax_t) st.st_ino),
                           g_steal_pointer (&target));
    }
  return fds;
}

static void
assert_no_new_fds (GHashTable *before)
{
  g_autoptr(GHashTable) now = snapshot_fds ();
  g_autoptr(GString) leaked = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (before, key))
      g_string_append_printf (leaked, " fd %s -> %s;", (const gchar *) key,
                              (const gchar *) value);
  if (leaked->len > 0)
    g_error ("descriptors left open:%s", leaked->str);
}

/* Callbacks */

static void
check_context (KdhTransportFixture *f)
{
  /* Delivered from the context the transport was created on, and never
   * from inside one of our calls into it. */
  g_assert_true (g_main_context_is_owner (f->context));
  g_assert_false (f->in_call);
}

static void
on_opened (KdhTransport *transport,
           gpointer      user_data)
{
  KdhTransportFixture *f = user_data;

  check_context (f);
  g_assert_true (transport == f->transport);
  f->opened++;
  g_string_append (f->log, "opened;");

  if (f->free_on_opened)
    {
      kdh_transport_free (transport);
      f->transport = NULL;
    }
}

static void
on_received (KdhTransport *transport,
             const guint8 *data,
             gsize         len,
             gpointer      user_data)
{
  KdhTransportFixture *f = user_data;

  check_context (f);
  g_assert_cmpuint (len, >, 0);
  g_byte_array_append (f->received, data, len);
}

static void
on_waiting (KdhTransport *transport,
            const gchar  *reason,
            gboolean      retrying,
            gpointer      user_data)
{
  KdhTransportFixture *f = user_data;

  check_context (f);
  g_assert_nonnull (reason);
  f->waiting++;
  g_free (f->waiting_reason);
  f->waiting_reason = g_strdup (reason);
  f->waiting_retrying = retrying;
  g_string_append (f->log, "waiting;");
  g_test_message ("waiting: %s", reason);
}

static void
on_closed (KdhTransport *transport,
           const GError *error,
           gpointer      user_data)
{
  KdhTransportFixture *f = user_data;

  check_context (f);
  f->closed++;
  g_clear_error (&f->closed_error);
  if (error != NULL)
    f->closed_error = g_error_copy (error);
  g_string_append (f->log, "closed;");
  g_test_message ("closed: %s", error != NULL ? error->message : "(no error)");
}

const KdhTransportCallbacks kdh_test_transport_callbacks = {
  .opened = on_opened,
  .received = on_received,
  .waiting = on_waiting,
  .closed = on_closed,
};

/* The fixture */

void
kdh_test_transport_setup (KdhTransportFixture *f,
                          gconstpointer        data)
{
  f->fds_at_start = snapshot_fds ();
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->received = g_byte_array_new ();
  f->master_data = g_byte_array_new ();
  f->log = g_string_new (NULL);
  f->master = -1;
}

void
kdh_test_transport_teardown (KdhTransportFixture *f,
                             gconstpointer        data)
{
  g_clear_pointer (&f->transport, kdh_transport_free);

  if (f->master_source != NULL)
    {
      g_source_destroy (f->master_source);
      g_clear_pointer (&f->master_source, g_source_unref);
    }
  if (f->master >= 0)
    close (f->master);

  /* Let cancelled operations finish on this context before it goes. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);

  /* Everything the transport opened is closed again. */
  assert_no_new_fds (f->fds_at_start);
  g_clear_pointer (&f->fds_at_start, g_hash_table_unref);

  if (f->tmpdir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (f->tmpdir, 0, NULL);
      const gchar *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *path = g_build_filename (f->tmpdir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (f->tmpdir);
      g_free (f->tmpdir);
    }

  g_byte_array_unref (f->received);
  g_byte_array_unref (f->master_data);
  g_string_free (f->log, TRUE);
  g_free (f->waiting_reason);
  g_clear_error (&f->closed_error);
  g_free (f->slave_path);
}

gboolean
kdh_test_transport_on_timeout (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs @f's context for @ms: only to see that something does NOT happen
 * within a window several times longer than the interval it would. */
void
kdh_test_transport_run_for (KdhTransportFixture *f,
                            guint                ms)
{
  GSource *timeout = g_timeout_source_new (ms);
  gboolean expired = FALSE;

  g_source_set_callback (timeout, kdh_test_transport_on_timeout, &expired, NULL);
  g_source_attach (timeout, f->context);
  while (!expired)
    g_main_context_iteration (f->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

/* Dispatches whatever is ready now, without waiting. */
void
kdh_test_transport_drain (KdhTransportFixture *f)
{
  while (g_main_context_iteration (f->context, FALSE))
    ;
}

KdhTransport *
kdh_test_transport_new (KdhTransportFixture *f,
                        const gchar         *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KdhConnectionString) cs = kdh_connection_string_parse (text, &error);

  g_assert_no_error (error);
  f->transport = kdh_transport_new (cs, &kdh_test_transport_callbacks, f);
  g_assert_nonnull (f->transport);
  return f->transport;
}

gboolean
kdh_test_transport_open (KdhTransportFixture  *f,
                         GError              **error)
{
  gboolean ok;

  f->in_call = TRUE;
  ok = kdh_transport_open (f->transport, error);
  f->in_call = FALSE;
  return ok;
}

void
kdh_test_transport_write (KdhTransportFixture *f,
                          const gchar         *text)
{
  g_autoptr(GError) error = NULL;

  f->in_call = TRUE;
  g_assert_true (kdh_transport_write (f->transport, (const guint8 *) text, strlen (text),
                                      &error));
  f->in_call = FALSE;
  g_assert_no_error (error);
}

gboolean
kdh_test_transport_received_is (KdhTransportFixture *f,
                                const gchar         *text)
{
  return f->received->len == strlen (text)
         && memcmp (f->received->data, text, f->received->len) == 0;
}

gboolean
kdh_test_bytes_are (GByteArray  *bytes,
                    const gchar *text)
{
  return bytes->len == strlen (text) && memcmp (bytes->data, text, bytes->len) == 0;
}

/* The far end of a socket: reads into a buffer as bytes arrive. */

static gboolean
on_peer_readable (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  KdhTestPeer *peer = user_data;
  g_autoptr(GError) error = NULL;
  gchar buf[4096];
  gssize n;

  n = g_socket_receive_with_blocking (socket, buf, sizeof buf, FALSE, NULL, &error);
  if (n > 0)
    {
      g_byte_array_append (peer->data, (guint8 *) buf, (guint) n);
      return G_SOURCE_CONTINUE;
    }
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  peer->eof = TRUE;
  g_clear_pointer (&peer->source, g_source_unref);
  return G_SOURCE_REMOVE;
}

KdhTestPeer *
kdh_test_peer_new (GSocketConnection *connection)
{
  KdhTestPeer *peer = g_new0 (KdhTestPeer, 1);
  GSocket *socket = g_socket_connection_get_socket (connection);

  peer->connection = connection;
  peer->data = g_byte_array_new ();
  peer->source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (peer->source, G_SOURCE_FUNC (on_peer_readable), peer, NULL);
  g_source_attach (peer->source, g_main_context_get_thread_default ());
  return peer;
}

void
kdh_test_peer_write (KdhTestPeer *peer,
                     const gchar *text)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_connection_get_socket (peer->connection);
  gssize n;

  n = g_socket_send_with_blocking (socket, text, strlen (text), TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, (gssize) strlen (text));
}

void
kdh_test_peer_free (KdhTestPeer *peer)
{
  if (peer->source != NULL)
    {
      g_source_destroy (peer->source);
      g_source_unref (peer->source);
    }
  g_io_stream_close (G_IO_STREAM (peer->connection), NULL, NULL);
  g_object_unref (peer->connection);
  g_byte_array_unref (peer->data);
  g_free (peer);
}

/* A listening end that accepts one connection per kdh_test_server_accept(). */

static void
on_server_accepted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KdhTestServer *server = user_data;
  GSocketConnection *connection;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, NULL);
  server->accepting = FALSE;
  if (connection == NULL)
    return;

  g_clear_pointer (&server->peer, kdh_test_peer_free);
  server->peer = kdh_test_peer_new (connection);
  server->accepted++;
}

void
kdh_test_server_accept (KdhTestServer *server)
{
  server->accepting = TRUE;
  g_socket_listener_accept_async (server->listener, server->cancellable,
                                  on_server_accepted, server);
}

KdhTestServer *
kdh_test_server_new (GSocketAddress  *address,
                     GSocketAddress **effective)
{
  g_autoptr(GError) error = NULL;
  KdhTestServer *server = g_new0 (KdhTestServer, 1);

  server->listener = g_socket_listener_new ();
  server->cancellable = g_cancellable_new ();
  g_socket_listener_add_address (server->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, NULL, effective, &error);
  g_assert_no_error (error);
  kdh_test_server_accept (server);
  return server;
}

/* Stops listening (the socket file stays, refusing) but keeps any
 * accepted peer. */
void
kdh_test_server_stop_listening (KdhTransportFixture *f,
                                KdhTestServer       *server)
{
  g_cancellable_cancel (server->cancellable);
  WAIT_FOR (f, !server->accepting);
  g_socket_listener_close (server->listener);
}

void
kdh_test_server_free (KdhTransportFixture *f,
                      KdhTestServer       *server)
{
  kdh_test_server_stop_listening (f, server);
  g_clear_pointer (&server->peer, kdh_test_peer_free);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_free (server);
}

gchar *
kdh_test_transport_socket_path (KdhTransportFixture *f)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("kdh-transport-XXXXXX", &error);
  g_assert_no_error (error);
  return g_build_filename (f->tmpdir, "vm.sock", NULL);
}

KdhTestServer *
kdh_test_unix_server_new (const gchar *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);

  return kdh_test_server_new (address, NULL);
}

KdhTestServer *
kdh_test_tcp_server_new (const gchar *host,
                         guint16     *port)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  KdhTestServer *server = kdh_test_server_new (address, &effective);

  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return server;
}

