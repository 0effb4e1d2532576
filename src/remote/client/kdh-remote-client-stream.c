/* kdh-remote-client-stream.c: the debugging client's byte stream to a server
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One GIOStream per -remote kind, for GDBus to run on: a TCP connection
 * (or, with clicon=, the one the server dials in on), a Unix socket
 * (npipe), TLS over TCP (ssl) or a serial line between the two debuggers
 * (com). Every step that takes time is asynchronous and waited for
 * through the host's wait, so that detach and quit can cut in.
 *
 * TLS: the connection gets no certificate database, so that GIO asks
 * accept-certificate about every server certificate and the decision is
 * made here: with Cert= the certificate must be that one or be signed by
 * it; without, any is accepted and its fingerprint printed, so the user
 * can compare it with the server's.
 */
#include "kdh-remote-client-private.h"

#include "common/kdh-serial-line.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <gio/gunixsocketaddress.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* "[::1]:5005" for IPv6 literals. */
static gchar *
host_port (const gchar *host,
           guint16      port)
{
  if (strchr (host, ':'))
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

static gchar *
pipe_path (KdhRemoteClient *client)
{
  return kdh_remote_string_pipe_path (client->rs->pipe, getpid ());
}

void
_kdh_remote_client_describe (KdhRemoteClient *client)
{
  const KdhRemoteString *rs = client->rs;
  g_autofree gchar *path = NULL;

  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
      if (rs->clicon)
        {
          client->peer = g_strdup (rs->clicon);
          client->description = g_strdup_printf ("remote tcp %s (dialling in to port %u)",
                                                 rs->clicon, rs->port);
        }
      else
        {
          client->peer = host_port (rs->server, rs->port);
          client->description = g_strdup_printf ("remote tcp %s", client->peer);
        }
      break;
    case KDH_REMOTE_SSL:
      client->peer = host_port (rs->server, rs->port);
      client->description = g_strdup_printf ("remote ssl %s", client->peer);
      break;
    case KDH_REMOTE_NPIPE:
      path = pipe_path (client);
      client->peer = g_strdup_printf ("pipe %s", path);
      client->description = g_strdup_printf ("remote npipe %s", path);
      break;
    case KDH_REMOTE_COM:
      client->peer = g_strdup (rs->device);
      client->description = g_strdup_printf ("remote com %s %u", rs->device, rs->baud);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Why a connect failed, as the system says it ("Connection refused"),
 * rather than GIO's sentence around it. */
static const gchar *
connect_reason (const GError *error)
{
  static const struct {
    gint code;
    gint errsv;
  } map[] = {
    { G_IO_ERROR_CONNECTION_REFUSED, ECONNREFUSED },
    { G_IO_ERROR_TIMED_OUT, ETIMEDOUT },
    { G_IO_ERROR_HOST_UNREACHABLE, EHOSTUNREACH },
    { G_IO_ERROR_NETWORK_UNREACHABLE, ENETUNREACH },
    { G_IO_ERROR_NOT_FOUND, ENOENT },
    { G_IO_ERROR_PERMISSION_DENIED, EACCES },
  };

  if (error->domain == G_IO_ERROR)
    for (guint i = 0; i < G_N_ELEMENTS (map); i++)
      if (error->code == map[i].code)
        return g_strerror (map[i].errsv);
  return error->message;
}

/* ---- TCP and Unix sockets ---------------------------------------------- */

/* The server batches its output itself (a message every few ms at most
 * while output flows) and Acks and calls are small: Nagle's algorithm
 * would only hold each one back until the previous was acknowledged,
 * which with delayed ACKs costs up to 40 ms. */
static void
set_no_delay (GSocketConnection *connection)
{
  if (G_IS_TCP_CONNECTION (connection))
    g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                         1, NULL);
}

static void
on_socket_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  KdhRemoteClient *client = data;
  GError *error = NULL;
  GSocketConnection *connection =
    g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  if (connection)
    set_no_delay (connection);
  if (error && client->host && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GError *e = g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                               _("cannot connect to %s: %s"), client->peer,
                               connect_reason (error));

      g_error_free (error);
      error = e;
    }
  _kdh_remote_client_end_step (client, G_OBJECT (connection), error);
}

static GIOStream *
connect_socket (KdhRemoteClient     *client,
                GSocketConnectable  *address,
                GError             **error)
{
  g_autoptr (GSocketClient) socket_client = g_socket_client_new ();
  g_autofree gchar *timeout = g_strdup_printf (_("cannot connect to %s: no answer within %d s"),
                                               client->peer,
                                               (gint) (CONNECT_TIMEOUT_US / G_USEC_PER_SEC));

  /* Straight to the server, as WinDbg goes: a debugging session is no
   * web traffic, and a proxy lookup (libproxy, WPAD) would only delay it. */
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  _kdh_remote_client_begin_step (client);
  g_socket_client_connect_async (socket_client, address, client->cancellable,
                                 on_socket_connected, client);
  if (!_kdh_remote_client_wait_step (client, g_get_monotonic_time () + CONNECT_TIMEOUT_US,
                                     timeout, error))
    return NULL;
  return G_IO_STREAM (g_steal_pointer (&client->step_object));
}

/* ---- tcp:clicon=HOST: the server dials in ------------------------------ */

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  KdhRemoteClient *client = data;
  GError *error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);

  if (client->host && error == NULL)
    client->clicon_addresses = addresses;
  else
    g_resolver_free_addresses (addresses);
  _kdh_remote_client_end_step (client, NULL, error);
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  KdhRemoteClient *client = data;
  GError *error = NULL;
  GSocketConnection *connection =
    g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);

  if (connection)
    set_no_delay (connection);
  _kdh_remote_client_end_step (client, G_OBJECT (connection), error);
}

static gboolean
from_clicon_host (KdhRemoteClient   *client,
                  GSocketConnection *connection,
                  gchar            **peer_text)
{
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  GInetAddress *address;

  *peer_text = NULL;
  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return FALSE;
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  *peer_text = g_inet_address_to_string (address);
  for (GList *l = client->clicon_addresses; l; l = l->next)
    if (g_inet_address_equal (l->data, address))
      return TRUE;
  return FALSE;
}

static GIOStream *
wait_for_server (KdhRemoteClient  *client,
                 GError          **error)
{
  const KdhRemoteString *rs = client->rs;
  g_autoptr (GResolver) resolver = g_resolver_get_default ();
  g_autoptr (GError) local = NULL;
  g_autofree gchar *resolve_timeout = g_strdup_printf (_("cannot resolve %s: no answer"),
                                                       rs->clicon);
  g_autofree gchar *reason = NULL;

  /* Only the named server may dial in: the port is open to anyone. */
  _kdh_remote_client_begin_step (client);
  g_resolver_lookup_by_name_async (resolver, rs->clicon, client->cancellable, on_resolved, client);
  if (!_kdh_remote_client_wait_step (client, g_get_monotonic_time () + CONNECT_TIMEOUT_US,
                                     resolve_timeout, &local))
    {
      if (local->domain == G_RESOLVER_ERROR)
        g_set_error (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                     _("cannot resolve %s: %s"), rs->clicon, local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  client->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_inet_port (client->listener, rs->port, NULL, &local))
    {
      g_set_error (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                   _("cannot listen on port %u for the debugging server: %s"), rs->port,
                   local->message);
      return NULL;
    }
  reason = g_strdup_printf (_("waiting for the debugging server at %s to connect to port %u"),
                            rs->clicon, rs->port);
  _kdh_remote_client_publish (client, KDH_CONN_WAITING, reason, 0, NULL);
  kdh_host_printf (client->host, KDH_OUTPUT_DEBUGGER, "%c%s.\n",
                     g_ascii_toupper (reason[0]), reason + 1);

  for (;;)
    {
      g_autoptr (GSocketConnection) connection = NULL;
      g_autofree gchar *from = NULL;

      _kdh_remote_client_begin_step (client);
      g_socket_listener_accept_async (client->listener, client->cancellable, on_accepted, client);
      if (!_kdh_remote_client_wait_step (client, G_MAXINT64, "", error))
        return NULL;
      connection = G_SOCKET_CONNECTION (g_steal_pointer (&client->step_object));
      if (from_clicon_host (client, connection, &from))
        {
          g_socket_listener_close (client->listener);
          return G_IO_STREAM (g_steal_pointer (&connection));
        }
      kdh_host_printf (client->host, KDH_OUTPUT_ERROR,
                         _("Refused a connection from %s: waiting for %s.\n"),
                         from ? from : _("an unknown address"), rs->clicon);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
}

/* ---- ssl: TLS over TCP ------------------------------------------------- */

static gchar *
fingerprint (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;
  g_autofree gchar *hex = NULL;
  GString *out = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_string_free (out, FALSE);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (guint i = 0; hex[i]; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (out, FALSE);
}

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *peer,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  KdhRemoteClient *client = data;
  GSocketConnectable *identity = g_tls_client_connection_get_server_identity (
                                   G_TLS_CLIENT_CONNECTION (connection));

  g_free (client->fingerprint);
  client->fingerprint = fingerprint (peer);
  if (client->rs->cert == NULL)
    return TRUE;
  /* The very certificate given, or one it signed for this host name. */
  for (GList *l = client->trusted; l; l = l->next)
    if (g_tls_certificate_is_same (peer, l->data))
      return TRUE;
  for (GList *l = client->trusted; l; l = l->next)
    if (g_tls_certificate_verify (peer, identity, l->data) == 0)
      return TRUE;
  g_free (client->certificate_problem);
  client->certificate_problem =
    g_strdup_printf (_("its certificate (SHA-256 %s) is not the one in %s, nor signed by it for "
                       "this host name"), client->fingerprint, client->rs->cert);
  return FALSE;
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  KdhRemoteClient *client = data;
  GError *error = NULL;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  if (error && client->host && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GError *e = g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                               _("TLS with %s failed: %s"), client->peer,
                               client->certificate_problem ? client->certificate_problem
                                                           : error->message);

      g_error_free (error);
      error = e;
    }
  _kdh_remote_client_end_step (client, error ? NULL : g_object_ref (source), error);
}

static GIOStream *
connect_tls (KdhRemoteClient  *client,
             GError          **error)
{
  const KdhRemoteString *rs = client->rs;
  g_autoptr (GSocketConnectable) address = g_network_address_new (rs->server, rs->port);
  g_autoptr (GIOStream) tcp = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree gchar *timeout = g_strdup_printf (_("TLS with %s failed: no answer within %d s"),
                                               client->peer,
                                               (gint) (CONNECT_TIMEOUT_US / G_USEC_PER_SEC));

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                           _("TLS is not available on this machine (install glib-networking)"));
      return NULL;
    }
  if (rs->cert)
    {
      client->trusted = g_tls_certificate_list_new_from_file (rs->cert, &local);
      if (client->trusted == NULL)
        {
          g_set_error (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                       _("cannot read the certificate %s: %s"), rs->cert,
                       local ? local->message : _("no certificate in it"));
          return NULL;
        }
    }

  tcp = connect_socket (client, address, error);
  if (tcp == NULL)
    return NULL;
  tls = g_tls_client_connection_new (tcp, address, &local);
  if (tls == NULL)
    {
      g_set_error (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                   _("TLS with %s failed: %s"), client->peer, local->message);
      return NULL;
    }
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), NULL);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), client);
  _kdh_remote_client_begin_step (client);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    client->cancellable, on_handshake, client);
  if (!_kdh_remote_client_wait_step (client, g_get_monotonic_time () + CONNECT_TIMEOUT_US,
                                     timeout, error))
    {
      g_signal_handlers_disconnect_by_data (tls, client);
      return NULL;
    }
  g_clear_object (&client->step_object);
  g_signal_handlers_disconnect_by_data (tls, client);
  if (rs->cert)
    kdh_host_printf (client->host, KDH_OUTPUT_DEBUGGER,
                       _("The server's certificate was verified against %s.\n"), rs->cert);
  else
    kdh_host_printf (client->host, KDH_OUTPUT_DEBUGGER,
                       _("The server's certificate was not verified (no Cert= given). Its "
                         "SHA-256 fingerprint is %s.\n"),
                       client->fingerprint ? client->fingerprint : "?");
  return g_steal_pointer (&tls);
}

/* ---- com: a serial line between the debuggers -------------------------- */

/* Raw 8N1 without flow control, as the kernel link uses; a rate the line
 * cannot be set to is refused, not ignored. */
static GIOStream *
open_serial (KdhRemoteClient  *client,
             GError          **error)
{
  const KdhRemoteString *rs = client->rs;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = NULL;
  int fd = kdh_serial_line_open (rs->device, rs->baud, error);

  if (fd < 0)
    return NULL;
  in = g_unix_input_stream_new (fd, TRUE);
  out = g_unix_output_stream_new (fd, FALSE);
  return g_simple_io_stream_new (in, out);
}

GIOStream *
_kdh_remote_client_open_stream (KdhRemoteClient  *client,
                                GError          **error)
{
  const KdhRemoteString *rs = client->rs;

  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
      if (rs->clicon)
        return wait_for_server (client, error);
      else
        {
          g_autoptr (GSocketConnectable) address = g_network_address_new (rs->server, rs->port);

          return connect_socket (client, address, error);
        }
    case KDH_REMOTE_NPIPE:
      {
        g_autofree gchar *path = pipe_path (client);
        g_autoptr (GSocketAddress) address = g_unix_socket_address_new (path);

        return connect_socket (client, G_SOCKET_CONNECTABLE (address), error);
      }
    case KDH_REMOTE_SSL:
      return connect_tls (client, error);
    case KDH_REMOTE_COM:
      return open_serial (client, error);
    default:
      g_assert_not_reached ();
    }
}
