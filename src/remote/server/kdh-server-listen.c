/* kdh-server-listen.c: one debugging server and its transport
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tcp and ssl listen with a GSocketService (the first free port of a
 * range); ssl wraps each accepted socket in a GTlsServerConnection and
 * shakes hands before any D-Bus byte. npipe is a Unix socket in the
 * user's runtime directory. tcp with clicon= dials out to one client
 * instead, and dials again when it goes. com opens a serial line (or a
 * pseudo-terminal) in raw 8N1 and runs one D-Bus connection over it,
 * reopened when that one ends. All on the set's thread.
 */
#include "kdh-server-private.h"

#include "common/kdh-serial-line.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <gio/gunixsocketaddress.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define RETRY_MS          2000   /* clicon redial, com reopen */
#define DIAL_TIMEOUT_S    10
#define MAX_LISTED_HOSTS  8

/* Async work of a server (dialing, waiting to retry) holds this rather
 * than the server, which .endsrv may free first: the cancellable says
 * whether the server is still there. */
typedef struct {
  KdhServer *server;
  GCancellable *cancellable;
} ServerRef;

static ServerRef *
server_ref_new (KdhServer *server)
{
  ServerRef *ref = g_new0 (ServerRef, 1);

  ref->server = server;
  ref->cancellable = g_object_ref (server->cancellable);
  return ref;
}

static void
server_ref_free (gpointer data)
{
  ServerRef *ref = data;

  g_object_unref (ref->cancellable);
  g_free (ref);
}

static KdhServer *
server_ref_get (ServerRef *ref)
{
  return g_cancellable_is_cancelled (ref->cancellable) ? NULL : ref->server;
}

/* "127.0.0.1:40122", "[::1]:40122"; @host_out gets the bare address, an
 * IPv4 address seen through a dual-stack socket as plain IPv4. */
static gchar *
describe_inet (GSocketAddress  *address,
               gchar          **host_out)
{
  GInetSocketAddress *inet;
  g_autofree gchar *host = NULL;
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    {
      *host_out = g_strdup ("unknown");
      return g_strdup ("unknown");
    }
  inet = G_INET_SOCKET_ADDRESS (address);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  port = g_inet_socket_address_get_port (inet);
  if (g_str_has_prefix (host, "::ffff:") && strchr (host + 7, '.'))
    memmove (host, host + 7, strlen (host + 7) + 1);
  *host_out = g_strdup (host);
  if (strchr (host, ':'))
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/* ---- Accepting ----------------------------------------------------------- */

static gboolean
room_for_one_more (KdhServer   *server,
                   const gchar *transport)
{
  KdhServerSet *set = server->set;
  guint waiting = kdh_server_set_count_clients (set, KDH_CLIENT_HANDSHAKE)
                  + kdh_server_set_count_clients (set, KDH_CLIENT_HELLO);

  if (waiting < KDH_SERVER_MAX_PENDING)
    return TRUE;
  kdh_server_set_notice (set, KDH_OUTPUT_DEBUGGER,
                         _("Refused a connection (%s): %u connections are already waiting to "
                           "say Hello.\n"), transport, waiting);
  return FALSE;
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  KdhServerClient *client = data;
  g_autoptr (GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      g_autofree gchar *reason = g_strdup_printf (_("TLS handshake failed: %s"), error->message);

      kdh_server_client_finish (client, reason);
    }
  else if (client->phase == KDH_CLIENT_HANDSHAKE)
    kdh_server_client_start (client, G_IO_STREAM (source), client->socket);
  kdh_server_client_unref (client);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           data)
{
  KdhServer *server = data;
  KdhRemoteKind kind = server->rs->kind;
  g_autofree gchar *transport = NULL, *peer = NULL;
  KdhServerClient *client;

  if (kind == KDH_REMOTE_NPIPE)
    {
      transport = g_strdup_printf ("npipe %s", server->rs->pipe);
      peer = g_strdup ("local");
    }
  else
    {
      g_autoptr (GSocketAddress) address = g_socket_connection_get_remote_address (connection,
                                                                                 NULL);
      g_autofree gchar *where = describe_inet (address, &peer);

      transport = g_strdup_printf ("%s %s", kind == KDH_REMOTE_SSL ? "ssl" : "tcp", where);
    }
  if (!room_for_one_more (server, transport))
    {
      g_socket_close (g_socket_connection_get_socket (connection), NULL);
      return TRUE;
    }

  client = kdh_server_client_new (server->set, server, transport, peer);
  if (kind == KDH_REMOTE_SSL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (connection),
                                                               server->certificate, &error);

      if (tls == NULL)
        {
          kdh_server_client_finish (client, error->message);
          return TRUE;
        }
      g_set_object (&client->socket, g_socket_connection_get_socket (connection));
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                        client->cancellable, on_handshake,
                                        kdh_server_client_ref (client));
      return TRUE;
    }
  kdh_server_client_start (client, G_IO_STREAM (connection),
                           g_socket_connection_get_socket (connection));
  return TRUE;
}

/* ---- tcp and ssl ---------------------------------------------------------- */

static gboolean
listen_inet (KdhServer  *server,
             GError    **error)
{
  KdhRemoteString *rs = server->rs;
  g_autoptr (GInetAddress) bind = NULL;
  g_autoptr (GError) last = NULL;

  if (rs->bind)
    {
      bind = g_inet_address_new_from_string (rs->bind);
      if (bind == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("bind=%s is not an IP address of this machine"), rs->bind);
          return FALSE;
        }
    }
  server->service = g_socket_service_new ();
  for (guint port = rs->port; port <= rs->port_last; port++)
    {
      gboolean ok;

      g_clear_error (&last);
      if (bind)
        {
          g_autoptr (GSocketAddress) address = g_inet_socket_address_new (bind, (guint16) port);

          ok = g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                              G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                              NULL, &last);
        }
      else
        ok = g_socket_listener_add_inet_port (G_SOCKET_LISTENER (server->service),
                                              (guint16) port, NULL, &last);
      if (ok)
        {
          server->port = (guint16) port;
          break;
        }
      if (!g_error_matches (last, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        break;
    }
  if (server->port == 0)
    {
      if (rs->port != rs->port_last && g_error_matches (last, G_IO_ERROR,
                                                        G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                     _("cannot start the server: every port from %u to %u is in use"),
                     rs->port, rs->port_last);
      else
        g_set_error (error, last->domain, last->code, _("cannot listen on port %u: %s"),
                     rs->port, last->message);
      return FALSE;
    }
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);
  return TRUE;
}

static gboolean
load_certificate (KdhServer  *server,
                  GError    **error)
{
  KdhRemoteString *rs = server->rs;
  g_autoptr (GError) local = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("TLS is not available (install glib-networking)"));
      return FALSE;
    }
  server->certificate = rs->key ? g_tls_certificate_new_from_files (rs->cert, rs->key, &local)
                                : g_tls_certificate_new_from_file (rs->cert, &local);
  if (server->certificate == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   rs->key ? _("cannot load the certificate %s with the key %s: %s")
                           : _("cannot load the certificate and key from %s: %s%s"),
                   rs->cert, rs->key ? rs->key : local->message,
                   rs->key ? local->message : _(" (give the key with key=FILE if it is in "
                                                "another file)"));
      return FALSE;
    }
  return TRUE;
}

/* ---- npipe ---------------------------------------------------------------- */

static gboolean
listen_unix (KdhServer  *server,
             GError    **error)
{
  g_autofree gchar *path = kdh_remote_string_pipe_path (server->rs->pipe, getpid ());
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketClient) probe = NULL;
  g_autoptr (GSocketConnection) other = NULL;
  struct stat st;

  /* Private to this user: the socket's own mode is not portable
   * protection, the directory's is. */
  if (g_mkdir_with_parents (dir, 0700) < 0 || g_stat (dir, &st) < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("cannot create %s: %s"), dir, g_strerror (errsv));
      return FALSE;
    }
  if (st.st_uid != getuid () || (st.st_mode & 077) != 0)
    {
      if (st.st_uid != getuid () || g_chmod (dir, 0700) < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       _("%s must be a directory of yours that only you can open"), dir);
          return FALSE;
        }
    }
  if (strlen (path) >= 108)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   _("the socket path %s is too long for a Unix socket; use a shorter pipe "
                     "name"), path);
      return FALSE;
    }
  address = g_unix_socket_address_new (path);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      /* A server that died left its socket; a live one answers. */
      probe = g_socket_client_new ();
      other = g_socket_client_connect (probe, G_SOCKET_CONNECTABLE (address), NULL, NULL);
      if (other)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       _("pipe %s is in use by another debugging server (%s)"),
                       server->rs->pipe, path);
          return FALSE;
        }
      g_unlink (path);
    }
  server->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                      error))
    return FALSE;
  server->socket_path = g_steal_pointer (&path);
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);
  return TRUE;
}

/* ---- clicon: dialing out -------------------------------------------------- */

static void     dial               (KdhServer  *server);
static gboolean open_serial_client (KdhServer  *server,
                                    GError    **error);

static gboolean
on_retry (gpointer data)
{
  KdhServer *server = server_ref_get (data);

  if (server)
    {
      g_clear_pointer (&server->retry, g_source_unref);
      if (server->rs->kind == KDH_REMOTE_COM)
        {
          g_autoptr (GError) error = NULL;

          if (!open_serial_client (server, &error))
            kdh_server_set_notice (server->set, KDH_OUTPUT_ERROR,
                                   _("Server %u cannot reopen %s: %s\n"), server->id,
                                   server->rs->device, error->message);
        }
      else
        dial (server);
    }
  return G_SOURCE_REMOVE;
}

static void
retry_later (KdhServer *server)
{
  if (server->retry)
    return;
  server->retry = g_timeout_source_new (RETRY_MS);
  g_source_set_callback (server->retry, on_retry, server_ref_new (server), server_ref_free);
  g_source_attach (server->retry, g_main_context_get_thread_default ());
}

static void
on_dialed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  ServerRef *ref = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) connection =
    g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  KdhServer *server = server_ref_get (ref);

  if (server && connection == NULL)
    {
      if (!server->warned_dial)
        kdh_server_set_notice (server->set, KDH_OUTPUT_DEBUGGER,
                               _("Server %u cannot reach its client at %s port %u yet (%s); "
                                 "trying again every %d s.\n"), server->id, server->rs->clicon,
                               server->port, error->message, RETRY_MS / 1000);
      server->warned_dial = TRUE;
      retry_later (server);
    }
  else if (server)
    {
      g_autoptr (GSocketAddress) address = g_socket_connection_get_remote_address (connection,
                                                                                 NULL);
      g_autofree gchar *peer = NULL;
      g_autofree gchar *where = describe_inet (address, &peer);
      g_autofree gchar *transport = g_strdup_printf ("tcp %s, dialed", where);

      server->warned_dial = FALSE;
      server->single = kdh_server_client_new (server->set, server, transport, peer);
      kdh_server_client_start (server->single, G_IO_STREAM (connection),
                               g_socket_connection_get_socket (connection));
    }
  server_ref_free (ref);
}

static void
dial (KdhServer *server)
{
  g_autoptr (GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr (GSocketConnectable) address = g_network_address_new (server->rs->clicon,
                                                                   server->port);

  g_socket_client_set_timeout (socket_client, DIAL_TIMEOUT_S);
  g_socket_client_connect_async (socket_client, address, server->cancellable, on_dialed,
                                 server_ref_new (server));
}

/* ---- com: a serial line --------------------------------------------------- */

static gboolean
open_serial_client (KdhServer  *server,
                    GError    **error)
{
  int fd = kdh_serial_line_open (server->rs->device, server->rs->baud, error);
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = NULL;
  g_autoptr (GIOStream) stream = NULL;
  g_autofree gchar *transport = NULL;

  if (fd < 0)
    return FALSE;
  in = g_unix_input_stream_new (fd, TRUE);
  out = g_unix_output_stream_new (fd, FALSE);
  stream = g_simple_io_stream_new (in, out);
  transport = g_strdup_printf ("com %s", server->rs->device);
  server->single = kdh_server_client_new (server->set, server, transport, server->rs->device);
  kdh_server_client_start (server->single, stream, NULL);
  return TRUE;
}

/* ---- The server ----------------------------------------------------------- */

static void
server_free (KdhServer *server)
{
  kdh_remote_string_free (server->rs);
  g_free (server->remote);
  g_free (server->describe);
  g_free (server->socket_path);
  g_clear_object (&server->certificate);
  g_clear_object (&server->cancellable);
  g_free (server);
}

void
kdh_server_stop (KdhServer *server)
{
  g_cancellable_cancel (server->cancellable);
  if (server->retry)
    {
      g_source_destroy (server->retry);
      g_clear_pointer (&server->retry, g_source_unref);
    }
  if (server->service)
    {
      g_signal_handlers_disconnect_by_data (server->service, server);
      g_socket_service_stop (server->service);
      g_socket_listener_close (G_SOCKET_LISTENER (server->service));
      g_clear_object (&server->service);
    }
  if (server->socket_path)
    g_unlink (server->socket_path);
  /* Its clients stay; they only forget where they came from. */
  for (GList *l = server->set->clients; l; l = l->next)
    {
      KdhServerClient *client = l->data;

      if (client->server == server)
        client->server = NULL;
    }
  server_free (server);
}

void
kdh_server_single_gone (KdhServer       *server,
                        KdhServerClient *client)
{
  if (server->single != client)
    return;
  server->single = NULL;
  retry_later (server);
}

KdhServer *
kdh_server_start (KdhServerSet     *set,
                  KdhRemoteString  *rs,
                  GError          **error)
{
  KdhServer *server = g_new0 (KdhServer, 1);
  gboolean ok = TRUE;

  server->set = set;
  server->rs = rs;
  server->id = set->next_server_id;
  server->cancellable = g_cancellable_new ();
  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
      if (rs->clicon)
        {
          server->port = rs->port;
          server->describe = g_strdup_printf ("tcp to %s port %u", rs->clicon, rs->port);
          dial (server);
        }
      else if ((ok = listen_inet (server, error)))
        server->describe = g_strdup_printf ("tcp port %u", server->port);
      break;
    case KDH_REMOTE_SSL:
      if ((ok = load_certificate (server, error) && listen_inet (server, error)))
        server->describe = g_strdup_printf ("ssl port %u", server->port);
      break;
    case KDH_REMOTE_NPIPE:
      if ((ok = listen_unix (server, error)))
        server->describe = g_strdup_printf ("npipe %s", server->socket_path);
      break;
    case KDH_REMOTE_COM:
      if ((ok = open_serial_client (server, error)))
        server->describe = g_strdup_printf ("com %s", rs->device);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    {
      if (server->single)
        kdh_server_client_finish (server->single, NULL);
      kdh_server_stop (server);
      return NULL;
    }
  set->next_server_id++;
  server->remote = kdh_remote_string_client_command (rs, rs->bind, server->port, TRUE);
  return server;
}

/* What a client on another machine can put after Server=: this machine's
 * name, then its addresses (a few), unless the server listens on one. */
GPtrArray *
kdh_server_hosts (KdhServer *server)
{
  GPtrArray *hosts = g_ptr_array_new_with_free_func (g_free);
  KdhRemoteString *rs = server->rs;
  struct ifaddrs *list = NULL;

  if (rs->bind)
    {
      g_ptr_array_add (hosts, g_strdup (rs->bind));
      return hosts;
    }
  g_ptr_array_add (hosts, g_strdup (g_get_host_name ()));
  if ((rs->kind != KDH_REMOTE_TCP && rs->kind != KDH_REMOTE_SSL) || rs->clicon
      || getifaddrs (&list) < 0)
    return hosts;
  for (struct ifaddrs *i = list; i && hosts->len < MAX_LISTED_HOSTS; i = i->ifa_next)
    {
      g_autoptr (GSocketAddress) address = NULL;
      GInetAddress *inet;

      if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP)
          || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
        continue;
      address = g_socket_address_new_from_native (i->ifa_addr,
                                                  i->ifa_addr->sa_family == AF_INET
                                                  ? sizeof (struct sockaddr_in)
                                                  : sizeof (struct sockaddr_in6));
      if (address == NULL)
        continue;
      inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      if (g_inet_address_get_is_loopback (inet) || g_inet_address_get_is_link_local (inet))
        continue;
      g_ptr_array_add (hosts, g_inet_address_to_string (inet));
    }
  freeifaddrs (list);
  return hosts;
}
