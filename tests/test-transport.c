/* test-transport.c: byte transports over ptys, Unix sockets, TCP and the simulator
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs on a main context of its own, pushed as the thread
 * default the way the engine thread does it, and waits on it with a
 * bounded timeout; the other end of each stream lives on the same context,
 * so nothing sleeps. Only loopback addresses are used.
 */

/* posix_openpt(), grantpt(), unlockpt(), ptsname() */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "sim/kdh-sim-transport.h"
#include "transport/kdh-connection-string.h"
#include "transport/kdh-transport.h"

#define TIMEOUT_S 10

typedef struct {
  GMainContext *context;
  KdhTransport *transport;
  gboolean in_call;            /* inside a call into the transport */
  gboolean free_on_opened;

  guint opened;
  guint waiting;
  guint closed;
  GByteArray *received;
  gchar *waiting_reason;
  gboolean waiting_retrying;
  GError *closed_error;
  GString *log;                /* "opened;waiting;closed;..." */

  /* The far end of a pty. */
  int master;
  gchar *slave_path;
  GSource *master_source;
  GByteArray *master_data;
  gboolean master_eof;

  gchar *tmpdir;
  GHashTable *fds_at_start;
} Fixture;

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
check_context (Fixture *f)
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
  Fixture *f = user_data;

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
  Fixture *f = user_data;

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
  Fixture *f = user_data;

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
  Fixture *f = user_data;

  check_context (f);
  f->closed++;
  g_clear_error (&f->closed_error);
  if (error != NULL)
    f->closed_error = g_error_copy (error);
  g_string_append (f->log, "closed;");
  g_test_message ("closed: %s", error != NULL ? error->message : "(no error)");
}

static const KdhTransportCallbacks callbacks = {
  .opened = on_opened,
  .received = on_received,
  .waiting = on_waiting,
  .closed = on_closed,
};

/* Fixture */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->fds_at_start = snapshot_fds ();
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->received = g_byte_array_new ();
  f->master_data = g_byte_array_new ();
  f->log = g_string_new (NULL);
  f->master = -1;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
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

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs @f's context until @cond holds, failing after TIMEOUT_S. */
#define WAIT_FOR(f, cond)                                                       \
  G_STMT_START {                                                                \
    GSource *timeout_ = g_timeout_source_new_seconds (TIMEOUT_S);               \
    gboolean expired_ = FALSE;                                                  \
    g_source_set_callback (timeout_, on_timeout, &expired_, NULL);              \
    g_source_attach (timeout_, (f)->context);                                   \
    while (!(cond) && !expired_)                                                \
      g_main_context_iteration ((f)->context, TRUE);                            \
    g_source_destroy (timeout_);                                                \
    g_source_unref (timeout_);                                                  \
    if (!(cond))                                                                \
      g_error ("timed out after %d s waiting for %s (events: %s)",              \
               TIMEOUT_S, #cond, (f)->log->str);                                \
  } G_STMT_END

/* Runs @f's context for @ms: only to see that something does NOT happen
 * within a window several times longer than the interval it would. */
static void
run_for (Fixture *f,
         guint    ms)
{
  GSource *timeout = g_timeout_source_new (ms);
  gboolean expired = FALSE;

  g_source_set_callback (timeout, on_timeout, &expired, NULL);
  g_source_attach (timeout, f->context);
  while (!expired)
    g_main_context_iteration (f->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

/* Dispatches whatever is ready now, without waiting. */
static void
drain (Fixture *f)
{
  while (g_main_context_iteration (f->context, FALSE))
    ;
}

static KdhTransport *
transport_new (Fixture     *f,
               const gchar *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KdhConnectionString) cs = kdh_connection_string_parse (text, &error);

  g_assert_no_error (error);
  f->transport = kdh_transport_new (cs, &callbacks, f);
  g_assert_nonnull (f->transport);
  return f->transport;
}

static gboolean
transport_open (Fixture  *f,
                GError  **error)
{
  gboolean ok;

  f->in_call = TRUE;
  ok = kdh_transport_open (f->transport, error);
  f->in_call = FALSE;
  return ok;
}

static void
transport_write (Fixture     *f,
                 const gchar *text)
{
  g_autoptr(GError) error = NULL;

  f->in_call = TRUE;
  g_assert_true (kdh_transport_write (f->transport, (const guint8 *) text, strlen (text),
                                      &error));
  f->in_call = FALSE;
  g_assert_no_error (error);
}

static gboolean
received_is (Fixture     *f,
             const gchar *text)
{
  return f->received->len == strlen (text)
         && memcmp (f->received->data, text, f->received->len) == 0;
}

static gboolean
bytes_are (GByteArray  *bytes,
           const gchar *text)
{
  return bytes->len == strlen (text) && memcmp (bytes->data, text, bytes->len) == 0;
}

/* The far end of a socket: reads into a buffer as bytes arrive. */

typedef struct {
  GSocketConnection *connection;
  GSource *source;
  GByteArray *data;
  gboolean eof;
} Peer;

static gboolean
on_peer_readable (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  Peer *peer = user_data;
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

static Peer *
peer_new (GSocketConnection *connection)
{
  Peer *peer = g_new0 (Peer, 1);
  GSocket *socket = g_socket_connection_get_socket (connection);

  peer->connection = connection;
  peer->data = g_byte_array_new ();
  peer->source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (peer->source, G_SOURCE_FUNC (on_peer_readable), peer, NULL);
  g_source_attach (peer->source, g_main_context_get_thread_default ());
  return peer;
}

static void
peer_write (Peer        *peer,
            const gchar *text)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_connection_get_socket (peer->connection);
  gssize n;

  n = g_socket_send_with_blocking (socket, text, strlen (text), TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, (gssize) strlen (text));
}

static void
peer_free (Peer *peer)
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* A listening end that accepts one connection per server_accept(). */

typedef struct {
  GSocketListener *listener;
  GCancellable *cancellable;
  gboolean accepting;
  Peer *peer;                  /* the last accepted */
  guint accepted;
} Server;

static void
on_server_accepted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Server *server = user_data;
  GSocketConnection *connection;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, NULL);
  server->accepting = FALSE;
  if (connection == NULL)
    return;

  g_clear_pointer (&server->peer, peer_free);
  server->peer = peer_new (connection);
  server->accepted++;
}

static void
server_accept (Server *server)
{
  server->accepting = TRUE;
  g_socket_listener_accept_async (server->listener, server->cancellable,
                                  on_server_accepted, server);
}

static Server *
server_new (GSocketAddress  *address,
            GSocketAddress **effective)
{
  g_autoptr(GError) error = NULL;
  Server *server = g_new0 (Server, 1);

  server->listener = g_socket_listener_new ();
  server->cancellable = g_cancellable_new ();
  g_socket_listener_add_address (server->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, NULL, effective, &error);
  g_assert_no_error (error);
  server_accept (server);
  return server;
}

/* Stops listening (the socket file stays, refusing) but keeps any
 * accepted peer. */
static void
server_stop_listening (Fixture *f,
                       Server  *server)
{
  g_cancellable_cancel (server->cancellable);
  WAIT_FOR (f, !server->accepting);
  g_socket_listener_close (server->listener);
}

static void
server_free (Fixture *f,
             Server  *server)
{
  server_stop_listening (f, server);
  g_clear_pointer (&server->peer, peer_free);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_free (server);
}

static gchar *
make_socket_path (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("kdh-transport-XXXXXX", &error);
  g_assert_no_error (error);
  return g_build_filename (f->tmpdir, "vm.sock", NULL);
}

static Server *
unix_server_new (const gchar *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);

  return server_new (address, NULL);
}

static Server *
tcp_server_new (const gchar *host,
                guint16     *port)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  Server *server = server_new (address, &effective);

  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return server;
}

/* Pseudo-terminals */

static gboolean
on_master_readable (gint         fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  Fixture *f = user_data;
  guint8 buf[65536];
  gssize n = read (fd, buf, sizeof buf);

  if (n > 0)
    {
      g_byte_array_append (f->master_data, buf, (guint) n);
      return G_SOURCE_CONTINUE;
    }
  if (n < 0 && errno == EAGAIN)
    return G_SOURCE_CONTINUE;

  /* EIO: no slave open any more. */
  f->master_eof = TRUE;
  g_clear_pointer (&f->master_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
pty_setup (Fixture *f)
{
  f->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (f->master, >=, 0);
  g_assert_cmpint (grantpt (f->master), ==, 0);
  g_assert_cmpint (unlockpt (f->master), ==, 0);
  f->slave_path = g_strdup (ptsname (f->master));
  g_assert_nonnull (f->slave_path);
  g_assert_true (g_unix_set_fd_nonblocking (f->master, TRUE, NULL));
}

/* Reads the master side from now on; only once a slave is open, since
 * before that the master reads EIO. */
static void
pty_watch_master (Fixture *f)
{
  f->master_source = g_unix_fd_source_new (f->master, G_IO_IN);
  g_source_set_callback (f->master_source, G_SOURCE_FUNC (on_master_readable), f, NULL);
  g_source_attach (f->master_source, f->context);
}

static void
pty_write_master (Fixture     *f,
                  const gchar *text)
{
  g_assert_cmpint (write (f->master, text, strlen (text)), ==, (gssize) strlen (text));
}

static void
pty_open_transport (Fixture *f,
                    guint    baud)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  pty_setup (f);
  text = g_strdup_printf ("com:port=%s,baud=%u", f->slave_path, baud);
  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  g_assert_true (kdh_transport_is_open (f->transport));
  pty_watch_master (f);
  WAIT_FOR (f, f->opened == 1);
}

static void
test_pty_both_ways (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree gchar *prefix = NULL;
  g_autofree gchar *description = NULL;

  pty_open_transport (f, 115200);
  description = g_strdup_printf ("com %s 115200", f->slave_path);
  g_assert_cmpstr (kdh_transport_describe (f->transport), ==, description);

  pty_write_master (f, "hello");
  WAIT_FOR (f, f->received->len >= 5);
  g_assert_true (received_is (f, "hello"));

  transport_write (f, "world");
  WAIT_FOR (f, f->master_data->len >= 5);
  g_assert_true (bytes_are (f->master_data, "world"));

  /* The far end goes away: closed() with the errno text, once, and then
   * nothing left to dispatch (no watch spinning on the hangup). */
  g_source_destroy (f->master_source);
  g_clear_pointer (&f->master_source, g_source_unref);
  close (f->master);
  f->master = -1;
  WAIT_FOR (f, f->closed == 1);

  prefix = g_strdup_printf ("serial port %s failed: ", f->slave_path);
  g_assert_nonnull (f->closed_error);
  g_assert_true (g_str_has_prefix (f->closed_error->message, prefix));
  g_assert_nonnull (strstr (f->closed_error->message, g_strerror (EIO)));
  g_assert_false (kdh_transport_is_open (f->transport));
  drain (f);
  g_assert_false (g_main_context_pending (f->context));
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");
}

static guint
slave_speed (Fixture *f)
{
  struct termios tio;
  int fd = open (f->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  speed_t speed;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (tcgetattr (fd, &tio), ==, 0);
  close (fd);
  speed = cfgetospeed (&tio);
  switch (speed)
    {
    case B9600:
      return 9600;
    case B57600:
      return 57600;
    case B115200:
      return 115200;
    default:
      return 0;
    }
}

static void
test_pty_baud (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  pty_open_transport (f, 115200);
  g_assert_cmpuint (kdh_transport_get_baud (f->transport), ==, 115200);
  g_assert_cmpuint (slave_speed (f), ==, 115200);

  g_assert_true (kdh_transport_set_baud (f->transport, 9600, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kdh_transport_get_baud (f->transport), ==, 9600);
  g_assert_cmpuint (slave_speed (f), ==, 9600);

  /* Set while closed: used by the next open. */
  kdh_transport_close (f->transport);
  g_assert_true (kdh_transport_set_baud (f->transport, 57600, &error));
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 2);
  g_assert_cmpuint (slave_speed (f), ==, 57600);

  /* Still a working raw line at the new rate. */
  pty_write_master (f, "\x62");
  WAIT_FOR (f, f->received->len >= 1);
  g_assert_cmpuint (f->received->data[0], ==, 0x62);
}

static void
test_serial_missing (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *text = NULL;

  transport_new (f, "com:port=/dev/ttyUSB-kdhost-no-such-device");
  g_assert_false (transport_open (f, &error));
  expected = g_strdup_printf ("cannot open serial port /dev/ttyUSB-kdhost-no-such-device: %s",
                              g_strerror (ENOENT));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_clear_pointer (&f->transport, kdh_transport_free);
  g_clear_error (&error);

  /* A file that is not a device at all. */
  f->tmpdir = g_dir_make_tmp ("kdh-transport-XXXXXX", &error);
  g_assert_no_error (error);
  file = g_build_filename (f->tmpdir, "plain", NULL);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  text = g_strdup_printf ("com:port=%s", file);
  transport_new (f, text);
  g_assert_false (transport_open (f, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, file));

  drain (f);
  g_assert_cmpstr (f->log->str, ==, "");
}

/* Serial reconnection. A pty's slave name cannot be chosen, so the
 * connection string names a symlink standing for the device node: removed
 * when the "adapter" is pulled out, pointed at a new pty when it is back
 * under the same name. */

/* Points @link at @target in one step, as udev replaces a node. */
static void
point_link (const gchar *link,
            const gchar *target)
{
  g_autofree gchar *tmp = g_strconcat (link, ".new", NULL);

  g_assert_cmpint (symlink (target, tmp), ==, 0);
  g_assert_cmpint (g_rename (tmp, link), ==, 0);
}

static gchar *
make_device_link (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("kdh-transport-XXXXXX", &error);
  g_assert_no_error (error);
  return g_build_filename (f->tmpdir, "ttyFAKE", NULL);
}

/* The adapter goes: its node first, then the line. */
static void
pty_unplug (Fixture     *f,
            const gchar *link)
{
  g_assert_cmpint (g_unlink (link), ==, 0);
  if (f->master_source != NULL)
    {
      g_source_destroy (f->master_source);
      g_clear_pointer (&f->master_source, g_source_unref);
    }
  close (f->master);
  f->master = -1;
  g_clear_pointer (&f->slave_path, g_free);
}

static void
pty_exchange (Fixture *f)
{
  gsize before = f->received->len;

  g_byte_array_set_size (f->master_data, 0);
  pty_write_master (f, "ping");
  WAIT_FOR (f, f->received->len >= before + 4);
  g_assert_cmpmem (f->received->data + before, 4, "ping", 4);

  transport_write (f, "pong");
  WAIT_FOR (f, f->master_data->len >= 4);
  g_assert_true (bytes_are (f->master_data, "pong"));
}

static void
test_serial_reconnect (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree gchar *link = make_device_link (f);
  g_autofree gchar *text = g_strdup_printf ("com:port=%s,reconnect", link);
  g_autofree gchar *failed = g_strdup_printf ("serial port %s failed: %s", link,
                                              g_strerror (EIO));
  g_autofree gchar *gone = g_strdup_printf ("waiting for %s to come back", link);
  g_autofree gchar *not_device = NULL;
  g_autofree gchar *plain = NULL;
  g_autoptr(GError) error = NULL;

  pty_setup (f);
  point_link (link, f->slave_path);
  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1);
  pty_watch_master (f);
  pty_exchange (f);

  /* Unplugged: closed() naming the device and why, then waiting() for it
   * to come back, retrying by itself. */
  pty_unplug (f, link);
  WAIT_FOR (f, f->closed == 1 && f->waiting == 1);
  g_assert_nonnull (f->closed_error);
  g_assert_cmpstr (f->closed_error->message, ==, failed);
  g_assert_cmpstr (f->waiting_reason, ==, gone);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_assert_cmpstr (f->log->str, ==, "opened;closed;waiting;");

  /* A node that is there but cannot be opened yet: it keeps trying and
   * says why. */
  plain = g_build_filename (f->tmpdir, "plain", NULL);
  g_assert_true (g_file_set_contents (plain, "", 0, NULL));
  point_link (link, plain);
  not_device = g_strdup_printf ("%s; cannot open serial port %s: not a character device",
                                gone, link);
  WAIT_FOR (f, f->waiting == 2);
  g_assert_cmpstr (f->waiting_reason, ==, not_device);
  g_assert_true (f->waiting_retrying);

  /* Plugged in again under the same name: opened() again, and the line
   * works both ways. */
  pty_setup (f);
  point_link (link, f->slave_path);
  WAIT_FOR (f, f->opened == 2);
  g_assert_true (kdh_transport_is_open (f->transport));
  pty_watch_master (f);
  pty_exchange (f);
  g_assert_cmpuint (f->closed, ==, 1);
  g_assert_cmpstr (f->log->str, ==, "opened;closed;waiting;waiting;opened;");

  /* And again, which the first reopen must not have spoiled. */
  pty_unplug (f, link);
  WAIT_FOR (f, f->closed == 2 && f->waiting == 3);
  g_assert_cmpstr (f->waiting_reason, ==, gone);
  pty_setup (f);
  point_link (link, f->slave_path);
  WAIT_FOR (f, f->opened == 3);
  pty_watch_master (f);
  pty_exchange (f);
}

/* With ",reconnect" a device that is not there yet is waited for; close()
 * stops the waiting, silently. */
static void
test_serial_absent_reconnect (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree gchar *link = make_device_link (f);
  g_autofree gchar *text = g_strdup_printf ("com:port=%s,reconnect", link);
  g_autofree gchar *expected = g_strdup_printf ("waiting for %s to appear", link);
  g_autoptr(GError) error = NULL;

  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->waiting == 1);
  g_assert_cmpstr (f->waiting_reason, ==, expected);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));

  /* Closed while waiting: no more attempts, so the device that turns up
   * now is not opened (the transport retries every 500 ms). */
  kdh_transport_close (f->transport);
  pty_setup (f);
  point_link (link, f->slave_path);
  run_for (f, 1500);
  g_assert_cmpstr (f->log->str, ==, "waiting;");

  /* Opened again, the device is there now. */
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1);
  pty_watch_master (f);
  pty_exchange (f);
  g_assert_cmpstr (f->log->str, ==, "waiting;opened;");
}

/* Unix socket pipes */

static void
pipe_exchange (Fixture *f,
               Server  *server)
{
  gsize before = f->received->len;

  g_byte_array_set_size (server->peer->data, 0);
  peer_write (server->peer, "ping");
  WAIT_FOR (f, f->received->len >= before + 4);
  g_assert_cmpmem (f->received->data + before, 4, "ping", 4);

  transport_write (f, "pong");
  WAIT_FOR (f, server->peer->data->len >= 4);
  g_assert_true (bytes_are (server->peer->data, "pong"));
}

/* A pipe transport to a new Unix server, open and accepted there; *@path:
 * the socket's. */
static Server *
open_pipe (Fixture *f,
           gchar  **path)
{
  g_autofree gchar *text = NULL;
  g_autoptr(GError) error = NULL;
  Server *server;

  *path = make_socket_path (f);
  text = g_strdup_printf ("com:pipe,port=%s", *path);
  server = unix_server_new (*path);
  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  return server;
}

static void
test_pipe_both_ways (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree gchar *path = NULL;
  Server *server = open_pipe (f, &path);

  pipe_exchange (f, server);

  /* The VM closes its end: closed(), and no retrying without
   * ",reconnect". */
  g_clear_pointer (&server->peer, peer_free);
  WAIT_FOR (f, f->closed == 1);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (f->closed_error->message, path));
  g_assert_false (kdh_transport_is_open (f->transport));
  drain (f);
  g_assert_false (g_main_context_pending (f->context));
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");

  server_free (f, server);
}

/* Bytes that arrive within @ms through kdh_transport_look() alone, the
 * context never iterated (as the engine spins for a reply). */
static gboolean
look_until_delivered (Fixture *f,
                      guint    ms)
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
test_pipe_look (Fixture       *f,
                gconstpointer  data)
{
  g_autofree gchar *path = NULL;
  Server *server = open_pipe (f, &path);
  GSocket *peer_socket;
  gboolean delivered = TRUE;

  drain (f);
  peer_socket = g_socket_connection_get_socket (server->peer->connection);

  g_assert_true (kdh_transport_look (f->transport, &delivered));
  g_assert_false (delivered);

  /* A gathered write leaves at the look, the loop never run. */
  transport_write (f, "ask");
  g_assert_true (kdh_transport_look (f->transport, &delivered));
  g_assert_true (g_socket_condition_timed_wait (peer_socket, G_IO_IN, TIMEOUT_S * G_USEC_PER_SEC,
                                                NULL, NULL));
  {
    gchar buf[8];

    g_assert_cmpint (g_socket_receive (peer_socket, buf, sizeof buf, NULL, NULL), ==, 3);
    g_assert_cmpmem (buf, 3, "ask", 3);
  }

  /* What the far end sends comes through looks, whole and once. */
  peer_write (server->peer, "reply-1;");
  peer_write (server->peer, "reply-2;");
  while (f->received->len < strlen ("reply-1;reply-2;"))
    g_assert_true (look_until_delivered (f, TIMEOUT_S * 1000));
  g_assert_true (received_is (f, "reply-1;reply-2;"));
  drain (f);
  g_assert_true (received_is (f, "reply-1;reply-2;"));

  /* Paused input is the loop's to resume: a look declines. */
  kdh_transport_pause_input (f->transport, TRUE);
  g_assert_false (kdh_transport_look (f->transport, &delivered));
  kdh_transport_pause_input (f->transport, FALSE);

  /* The far end goes: the look finds the end, and closed() comes from
   * the loop, after everything that was sent before it. */
  peer_write (server->peer, "last;");
  g_clear_pointer (&server->peer, peer_free);
  for (gint64 until = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
       g_get_monotonic_time () < until && kdh_transport_look (f->transport, &delivered); )
    g_usleep (1000);
  g_assert_true (received_is (f, "reply-1;reply-2;last;"));
  g_assert_cmpuint (f->closed, ==, 0);
  g_assert_false (kdh_transport_look (f->transport, &delivered));
  WAIT_FOR (f, f->closed == 1);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");

  server_free (f, server);
}

static void
test_pipe_reconnect (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree gchar *path = make_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s,reconnect", path);
  g_autofree gchar *refused = NULL;
  g_autoptr(GError) error = NULL;
  Server *server = unix_server_new (path);

  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  pipe_exchange (f, server);

  /* The VM goes away: first its listening socket, then the connection. */
  server_stop_listening (f, server);
  g_clear_pointer (&server->peer, peer_free);
  WAIT_FOR (f, f->closed == 1 && f->waiting >= 1);
  g_assert_nonnull (f->closed_error);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_assert_true (g_str_has_prefix (f->log->str, "opened;closed;waiting;"));
  server_free (f, server);

  /* It keeps trying, and says why once it knows. */
  refused = g_strdup_printf ("waiting for %s: %s", path, g_strerror (ECONNREFUSED));
  WAIT_FOR (f, f->waiting >= 2);
  g_assert_cmpstr (f->waiting_reason, ==, refused);
  g_assert_cmpuint (f->closed, ==, 1);

  /* ... and comes back later at the same path. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  server = unix_server_new (path);
  WAIT_FOR (f, f->opened == 2 && server->peer != NULL);
  g_assert_true (kdh_transport_is_open (f->transport));
  pipe_exchange (f, server);
  g_assert_cmpuint (f->closed, ==, 1);
  g_assert_true (g_str_has_suffix (f->log->str, "waiting;opened;"));

  server_free (f, server);
}

static void
test_pipe_absent (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *path = make_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s", path);
  g_autofree gchar *expected = g_strdup_printf ("cannot connect to pipe %s: %s", path,
                                                g_strerror (ENOENT));
  g_autoptr(GError) error = NULL;

  transport_new (f, text);
  g_assert_false (transport_open (f, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, expected);
  drain (f);
  g_assert_cmpstr (f->log->str, ==, "");
}

static void
test_pipe_absent_reconnect (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree gchar *path = make_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s,reconnect", path);
  g_autofree gchar *expected = g_strdup_printf ("waiting for %s to appear", path);
  g_autoptr(GError) error = NULL;
  Server *server;

  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->waiting == 1);
  g_assert_cmpstr (f->waiting_reason, ==, expected);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));

  server = unix_server_new (path);
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  pipe_exchange (f, server);
  g_assert_cmpstr (f->log->str, ==, "waiting;opened;");

  server_free (f, server);
}

/* close() and free() silence everything already on its way. */
static void
test_close_silences (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree gchar *path = make_socket_path (f);
  g_autofree gchar *text = g_strdup_printf ("com:pipe,port=%s", path);
  g_autoptr(GError) error = NULL;
  Server *server = unix_server_new (path);

  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  /* Connected at once: opened() is queued but not delivered yet. */
  g_assert_true (kdh_transport_is_open (f->transport));
  kdh_transport_close (f->transport);
  g_assert_false (kdh_transport_is_open (f->transport));
  WAIT_FOR (f, server->peer != NULL && server->peer->eof);
  drain (f);
  g_assert_cmpstr (f->log->str, ==, "");

  /* And it can be opened again. */
  server_accept (server);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1 && server->accepted == 2);
  pipe_exchange (f, server);

  server_free (f, server);
}

/* free() from inside a callback, with bytes queued behind it: nothing
 * more may arrive, and ASan watches the freed struct. */
static void
test_free_in_callback (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  pty_setup (f);
  text = g_strdup_printf ("com:port=%s", f->slave_path);
  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);

  /* Before the context runs: the bytes are read in the same iteration
   * that delivers opened(), and queued behind it. */
  pty_write_master (f, "late");
  f->free_on_opened = TRUE;
  WAIT_FOR (f, f->opened == 1);
  g_assert_null (f->transport);
  drain (f);
  g_assert_cmpstr (f->log->str, ==, "opened;");
  g_assert_cmpuint (f->received->len, ==, 0);
}

/* TCP client */

static void
test_tcp_connect (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  guint16 port;
  Server *server = tcp_server_new ("127.0.0.1", &port);

  text = g_strdup_printf ("com:ipport=%u,port=127.0.0.1", port);
  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1 && server->peer != NULL);
  pipe_exchange (f, server);

  g_clear_pointer (&server->peer, peer_free);
  WAIT_FOR (f, f->closed == 1);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  drain (f);
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");

  server_free (f, server);
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
check_refused (Fixture     *f,
               const gchar *host,
               const gchar *shown)
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
  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->closed == 1);

  expected = g_strdup_printf ("cannot connect to %s:%u: %s", shown, port,
                              g_strerror (ECONNREFUSED));
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpstr (f->closed_error->message, ==, expected);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_assert_cmpstr (f->log->str, ==, "closed;");

  /* The failed open is over; a new one may start at once. */
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->closed == 2);
  drain (f);
  g_assert_cmpstr (f->log->str, ==, "closed;closed;");
}

static void
test_tcp_refused (Fixture       *f,
                  gconstpointer  data)
{
  check_refused (f, "127.0.0.1", "127.0.0.1");
}

static void
test_tcp_refused_ipv6 (Fixture       *f,
                       gconstpointer  data)
{
  check_refused (f, "::1", "[::1]");
}

/* free() while the address is still being looked up: the lookup's
 * callback must find nothing to do and nothing may leak (LSan). */
static void
test_tcp_free_while_connecting (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) blocker = NULL;
  g_autofree gchar *text = NULL;
  guint16 port = 0;

  blocker = bound_socket ("127.0.0.1", &port);
  g_assert_nonnull (blocker);
  text = g_strdup_printf ("com:ipport=%u,port=127.0.0.1", port);
  transport_new (f, text);
  g_assert_true (transport_open (f, &error));
  g_assert_no_error (error);
  g_clear_pointer (&f->transport, kdh_transport_free);
  drain (f);
  g_assert_cmpstr (f->log->str, ==, "");
}

/* TCP listener */

static Peer *
client_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  /* Loopback connects complete in the kernel's backlog, before anyone
   * accepts, so a blocking connect does not need the loop. */
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return peer_new (connection);
}

static KdhTransport *
listen_transport_new (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KdhConnectionString) cs = NULL;

  /* Port 0 cannot be spelled in a string; the struct takes it, and the
   * system picks a free port. */
  cs = kdh_connection_string_parse ("com:ipport=4445,listen,port=127.0.0.1", &error);
  g_assert_no_error (error);
  cs->tcp_port = 0;
  f->transport = kdh_transport_new (cs, &callbacks, f);
  return f->transport;
}

static void
test_tcp_listen (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(Peer) first = NULL;
  g_autoptr(Peer) second = NULL;
  g_autoptr(Peer) third = NULL;
  guint16 port;

  listen_transport_new (f);
  g_assert_cmpuint (kdh_transport_get_listen_port (f->transport), ==, 0);
  g_assert_true (transport_open (f, &error));
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
  peer_write (first, "one");
  WAIT_FOR (f, f->received->len >= 3);
  g_assert_true (received_is (f, "one"));
  transport_write (f, "back");
  WAIT_FOR (f, first->data->len >= 4);
  g_assert_true (bytes_are (first->data, "back"));

  /* One target at a time: the second is shut out, the first carries on. */
  second = client_connect (port);
  WAIT_FOR (f, second->eof);
  g_assert_cmpuint (second->data->len, ==, 0);
  peer_write (first, "two");
  WAIT_FOR (f, f->received->len >= 6);
  g_assert_true (received_is (f, "onetwo"));
  g_assert_cmpuint (f->opened, ==, 1);

  /* The target disconnects: closed(), then waiting for the next one. */
  g_clear_pointer (&first, peer_free);
  WAIT_FOR (f, f->closed == 1 && f->waiting == 2);
  g_assert_cmpstr (f->waiting_reason, ==, expected);
  g_assert_false (kdh_transport_is_open (f->transport));

  third = client_connect (port);
  WAIT_FOR (f, f->opened == 2);
  transport_write (f, "three");
  WAIT_FOR (f, third->data->len >= 5);
  g_assert_true (bytes_are (third->data, "three"));
  g_assert_cmpstr (f->log->str, ==, "waiting;opened;closed;waiting;opened;");

  /* close() stops listening too. */
  kdh_transport_close (f->transport);
  g_assert_cmpuint (kdh_transport_get_listen_port (f->transport), ==, 0);
  WAIT_FOR (f, third->eof);
}

static void
test_tcp_listen_in_use (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  guint16 port;
  Server *server = tcp_server_new ("127.0.0.1", &port);

  text = g_strdup_printf ("com:ipport=%u,listen,port=127.0.0.1", port);
  transport_new (f, text);
  g_assert_false (transport_open (f, &error));
  expected = g_strdup_printf ("cannot listen on 127.0.0.1:%u: %s", port, g_strerror (EADDRINUSE));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_cmpstr (error->message, ==, expected);
  drain (f);
  g_assert_cmpstr (f->log->str, ==, "");

  server_free (f, server);
}

/* Baud rates */

static void
test_baud_not_supported (Fixture       *f,
                         gconstpointer  data)
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

      transport_new (f, cases[i].text);
      g_assert_cmpuint (kdh_transport_get_baud (f->transport), ==, 0);
      g_assert_false (kdh_transport_set_baud (f->transport, 9600, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_clear_pointer (&f->transport, kdh_transport_free);
    }
}

/* The write queue */

static void
test_write_queue_bound (Fixture       *f,
                        gconstpointer  data)
{
  enum { CHUNK = 65536 };
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *chunk = g_malloc (CHUNK);
  gsize total = 0;
  gsize i;

  /* Not open yet: refused. */
  pty_setup (f);
  {
    g_autofree gchar *text = g_strdup_printf ("com:port=%s", f->slave_path);

    transport_new (f, text);
  }
  g_assert_false (kdh_transport_write (f->transport, (const guint8 *) "x", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  g_assert_true (transport_open (f, &error));
  WAIT_FOR (f, f->opened == 1);

  /* Nobody reads the master: the kernel's buffer fills, then the queue,
   * up to its bound. Every byte accepted must come out, in order. */
  for (;;)
    {
      for (i = 0; i < CHUNK; i++)
        chunk[i] = (guint8) ((total + i) % 251);
      if (!kdh_transport_write (f->transport, chunk, CHUNK, &error))
        break;
      total += CHUNK;
      g_assert_cmpuint (total, <=, 64 * KDH_TRANSPORT_MAX_QUEUED);
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_cmpuint (total, >, KDH_TRANSPORT_MAX_QUEUED - CHUNK);
  g_assert_true (kdh_transport_is_open (f->transport));

  pty_watch_master (f);
  WAIT_FOR (f, f->master_data->len >= total);
  g_assert_cmpuint (f->master_data->len, ==, total);
  for (i = 0; i < total; i++)
    if (f->master_data->data[i] != (guint8) (i % 251))
      g_error ("byte %" G_GSIZE_FORMAT " is wrong", i);

  /* Drained: it takes data again. */
  transport_write (f, "more");
  WAIT_FOR (f, f->master_data->len >= total + 4);
  g_assert_cmpmem (f->master_data->data + total, 4, "more", 4);
  g_assert_cmpuint (f->closed, ==, 0);
}

/* The in-process simulator */

static void
test_sim (Fixture       *f,
          gconstpointer  data)
{
  static const guint8 breakin[] = { 0x62 };
  static const guint8 reset[] = {
    0x69, 0x69, 0x69, 0x69, 0x06, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) counters = NULL;
  KdhSimCounters values = { 0, };

  transport_new (f, "sim:");
  g_assert_cmpstr (kdh_transport_describe (f->transport), ==, "sim");
  g_assert_null (kdh_transport_dup_peer_counters (f->transport));
  g_assert_true (transport_open (f, &error));
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
  drain (f);
  g_assert_cmpuint (f->closed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  kdh_sim_transport_register ();

#define ADD(path, func) \
  g_test_add ("/transport/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("pty/both-ways", test_pty_both_ways);
  ADD ("pty/baud", test_pty_baud);
  ADD ("serial/missing", test_serial_missing);
  ADD ("serial/reconnect", test_serial_reconnect);
  ADD ("serial/absent-reconnect", test_serial_absent_reconnect);
  ADD ("pipe/both-ways", test_pipe_both_ways);
  ADD ("pipe/look", test_pipe_look);
  ADD ("pipe/reconnect", test_pipe_reconnect);
  ADD ("pipe/absent", test_pipe_absent);
  ADD ("pipe/absent-reconnect", test_pipe_absent_reconnect);
  ADD ("close-silences", test_close_silences);
  ADD ("free-in-callback", test_free_in_callback);
  ADD ("tcp/connect", test_tcp_connect);
  ADD ("tcp/refused", test_tcp_refused);
  ADD ("tcp/refused-ipv6", test_tcp_refused_ipv6);
  ADD ("tcp/free-while-connecting", test_tcp_free_while_connecting);
  ADD ("tcp/listen", test_tcp_listen);
  ADD ("tcp/listen-in-use", test_tcp_listen_in_use);
  ADD ("baud/not-supported", test_baud_not_supported);
  ADD ("write-queue-bound", test_write_queue_bound);
  ADD ("sim", test_sim);

#undef ADD

  return g_test_run ();
}
