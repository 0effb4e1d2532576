/* kdh-transport-socket.c: VM pipes (Unix sockets), TCP client, TCP listener
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GIO builds the addresses (GUnixSocketAddress, GInetSocketAddress) and
 * resolves host names asynchronously (GNetworkAddress), but connect(),
 * bind() and accept() are called on the descriptors directly rather than
 * through GSocketClient and GSocketListener: those wrap the errno text in
 * sentences of their own ("Could not connect to 127.0.0.1: Connection
 * refused", "Error binding to address ..."), and the messages here must
 * say which pipe or port failed and why in one line. The connected
 * descriptor then goes to the common stream code like every other kind.
 */

/* accept4() */
#define _GNU_SOURCE

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "kdh-transport-private.h"

#define PIPE_RETRY_MS   500
#define ACCEPT_RETRY_MS 500

/* Shared helpers */

/* Starts a non-blocking connect to @address. Returns 0 when connected,
 * EINPROGRESS when the answer comes with POLLOUT, or the errno of the
 * failure; *@fd_out is set in the first two cases. */
static int
start_connect (GSocketAddress *address,
               int            *fd_out)
{
  struct sockaddr_storage native;
  gssize native_len;
  int fd;
  int r;

  native_len = g_socket_address_get_native_size (address);
  if (native_len <= 0 || (gsize) native_len > sizeof native
      || !g_socket_address_to_native (address, &native, sizeof native, NULL))
    return EINVAL;

  fd = socket (g_socket_address_get_family (address),
               SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;

  r = connect (fd, (struct sockaddr *) &native, (socklen_t) native_len);
  /* An interrupted non-blocking connect carries on by itself. */
  if (r == 0 || errno == EINPROGRESS || errno == EINTR)
    {
      *fd_out = fd;
      return r == 0 ? 0 : EINPROGRESS;
    }

  r = errno;
  close (fd);
  return r;
}

/* The outcome of a connect that was in progress: 0 or an errno. */
static int
finish_connect (int fd)
{
  int soerr = 0;
  socklen_t len = sizeof soerr;

  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
    return errno;
  return soerr;
}

/* KD packets are small and every one waits for an answer: Nagle's delay
 * would only add latency. */
static void
set_nodelay (int fd)
{
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static gchar *
format_host_port (const gchar *host,
                  guint16      port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    {
      close (*fd);
      *fd = -1;
    }
}

/* Pipe: a VM's serial port as a Unix socket */

typedef struct {
  KdhTransport parent;
  int connecting_fd;
  GSource *connect_source;
  GSource *retry_source;
  gchar *last_reason;      /* the last waiting() said, so it is said once */
} KdhPipeTransport;

static void pipe_schedule_retry (KdhPipeTransport *self, int errsv);
static void pipe_connected (KdhPipeTransport *self, int fd);

static GError *
pipe_connect_error (KdhPipeTransport *self,
                    int               errsv)
{
  return kdh_transport_errno_error (errsv, _("cannot connect to pipe %s"),
                                     self->parent.cs->port);
}

static gboolean
on_pipe_connect_done (gint         fd,
                      GIOCondition condition,
                      gpointer     user_data)
{
  KdhPipeTransport *self = user_data;
  int errsv = finish_connect (fd);

  kdh_transport_clear_source (&self->connect_source);
  if (errsv == 0)
    {
      self->connecting_fd = -1;
      pipe_connected (self, fd);
      return G_SOURCE_REMOVE;
    }

  close_fd (&self->connecting_fd);
  if (self->parent.cs->reconnect)
    pipe_schedule_retry (self, errsv);
  else
    kdh_transport_fail_open (&self->parent, pipe_connect_error (self, errsv));
  return G_SOURCE_REMOVE;
}

/* One attempt: 0 when connected or under way, else the errno. */
static int
pipe_attempt (KdhPipeTransport *self)
{
  const gchar *path = self->parent.cs->port;
  g_autoptr(GSocketAddress) address = NULL;
  int fd = -1;
  int errsv;

  /* GUnixSocketAddress would quietly cut a long path short. */
  if (strlen (path) >= sizeof ((struct sockaddr_un *) NULL)->sun_path)
    return ENAMETOOLONG;

  address = g_unix_socket_address_new (path);
  errsv = start_connect (address, &fd);
  if (errsv == 0)
    {
      pipe_connected (self, fd);
    }
  else if (errsv == EINPROGRESS)
    {
      self->connecting_fd = fd;
      self->connect_source = kdh_transport_add_fd_watch (&self->parent, fd, G_IO_OUT,
                                                          on_pipe_connect_done);
      errsv = 0;
    }
  return errsv;
}

static void
pipe_say_waiting (KdhPipeTransport *self,
                  gchar            *reason)
{
  if (g_strcmp0 (reason, self->last_reason) == 0)
    {
      g_free (reason);
      return;
    }
  g_free (self->last_reason);
  self->last_reason = reason;
  kdh_transport_emit_waiting (&self->parent, reason, TRUE);
}

static gboolean
on_pipe_retry (gpointer user_data)
{
  KdhPipeTransport *self = user_data;
  int errsv;

  kdh_transport_clear_source (&self->retry_source);
  errsv = pipe_attempt (self);
  if (errsv != 0)
    pipe_schedule_retry (self, errsv);
  return G_SOURCE_REMOVE;
}

static void
pipe_schedule_retry (KdhPipeTransport *self,
                     int               errsv)
{
  const gchar *path = self->parent.cs->port;

  if (errsv == ENOENT)
    pipe_say_waiting (self, g_strdup_printf (_("waiting for %s to appear"), path));
  else
    pipe_say_waiting (self, g_strdup_printf (_("waiting for %s: %s"), path, g_strerror (errsv)));

  g_assert (self->retry_source == NULL);
  self->retry_source = kdh_transport_add_timeout (&self->parent, PIPE_RETRY_MS, on_pipe_retry);
}

static void
pipe_connected (KdhPipeTransport *self,
                int               fd)
{
  g_autofree gchar *what = g_strdup_printf (_("pipe %s"), self->parent.cs->port);

  g_clear_pointer (&self->last_reason, g_free);
  kdh_transport_stream_up (&self->parent, fd, TRUE, what);
}

static gboolean
pipe_open (KdhTransport  *transport,
           GError       **error)
{
  KdhPipeTransport *self = (KdhPipeTransport *) transport;
  int errsv;

  /* A Unix socket answers at once, so without ",reconnect" a missing or
   * refusing socket is an immediate failure. */
  errsv = pipe_attempt (self);
  if (errsv == 0)
    return TRUE;
  if (!transport->cs->reconnect)
    {
      g_propagate_error (error, pipe_connect_error (self, errsv));
      return FALSE;
    }
  pipe_schedule_retry (self, errsv);
  return TRUE;
}

static void
pipe_close (KdhTransport *transport)
{
  KdhPipeTransport *self = (KdhPipeTransport *) transport;

  kdh_transport_clear_source (&self->connect_source);
  kdh_transport_clear_source (&self->retry_source);
  close_fd (&self->connecting_fd);
  g_clear_pointer (&self->last_reason, g_free);
}

static gboolean
pipe_lost (KdhTransport *transport)
{
  KdhPipeTransport *self = (KdhPipeTransport *) transport;

  if (!transport->cs->reconnect)
    return FALSE;

  /* Not at once: a VM that accepts and drops connections straight away
   * would otherwise keep this loop spinning. */
  pipe_say_waiting (self, g_strdup_printf (_("waiting to reconnect to %s"), transport->cs->port));
  self->retry_source = kdh_transport_add_timeout (transport, PIPE_RETRY_MS, on_pipe_retry);
  return TRUE;
}

static void
pipe_finalize (KdhTransport *transport)
{
  pipe_close (transport);
}

static const KdhTransportClass pipe_class = {
  .name = "pipe",
  .open = pipe_open,
  .close = pipe_close,
  .lost = pipe_lost,
  .finalize = pipe_finalize,
};

KdhTransport *
kdh_transport_pipe_new (const KdhConnectionString *cs)
{
  KdhPipeTransport *self = g_new0 (KdhPipeTransport, 1);

  self->parent.klass = &pipe_class;
  self->connecting_fd = -1;
  return &self->parent;
}

/* TCP client: a VM's serial port as a TCP server */

typedef struct {
  KdhTransport parent;
  gchar *target;                      /* "127.0.0.1:4445", for messages */
  GSocketAddressEnumerator *enumerator;
  GCancellable *cancellable;
  int connecting_fd;
  GSource *connect_source;
  int last_errno;                     /* of the last address tried */
  GError *resolve_error;
} KdhTcpTransport;

static void tcp_next_address (KdhTcpTransport *self);

static void
tcp_connected (KdhTcpTransport *self,
               int              fd)
{
  g_autofree gchar *what = g_strdup_printf (_("connection to %s"), self->target);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->enumerator);
  set_nodelay (fd);
  kdh_transport_stream_up (&self->parent, fd, TRUE, what);
}

static void
tcp_give_up (KdhTcpTransport *self)
{
  GError *error;

  if (self->last_errno != 0)
    error = kdh_transport_errno_error (self->last_errno, _("cannot connect to %s"), self->target);
  else if (self->resolve_error != NULL)
    error = g_error_new (G_IO_ERROR, self->resolve_error->code, _("cannot connect to %s: %s"),
                         self->target, self->resolve_error->message);
  else
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND,
                         _("cannot connect to %s: the name has no addresses"), self->target);

  kdh_transport_fail_open (&self->parent, error);
}

static gboolean
on_tcp_connect_done (gint         fd,
                     GIOCondition condition,
                     gpointer     user_data)
{
  KdhTcpTransport *self = user_data;
  int errsv = finish_connect (fd);

  kdh_transport_clear_source (&self->connect_source);
  if (errsv == 0)
    {
      self->connecting_fd = -1;
      tcp_connected (self, fd);
    }
  else
    {
      close_fd (&self->connecting_fd);
      self->last_errno = errsv;
      tcp_next_address (self);
    }
  return G_SOURCE_REMOVE;
}

static void
on_tcp_address (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KdhTcpTransport *self = user_data;
  GSocketAddressEnumerator *enumerator = G_SOCKET_ADDRESS_ENUMERATOR (source);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  int fd = -1;
  int errsv;

  address = g_socket_address_enumerator_next_finish (enumerator, result, &error);

  /* Closed (or freed, or closed and reopened) while resolving. */
  if (enumerator != self->enumerator)
    goto out;

  if (address == NULL)
    {
      if (error != NULL && self->resolve_error == NULL)
        self->resolve_error = g_steal_pointer (&error);
      tcp_give_up (self);
      goto out;
    }

  errsv = start_connect (address, &fd);
  if (errsv == 0)
    {
      tcp_connected (self, fd);
    }
  else if (errsv == EINPROGRESS)
    {
      self->connecting_fd = fd;
      self->connect_source = kdh_transport_add_fd_watch (&self->parent, fd, G_IO_OUT,
                                                          on_tcp_connect_done);
    }
  else
    {
      self->last_errno = errsv;
      tcp_next_address (self);
    }

out:
  kdh_transport_unref (&self->parent);
}

static void
tcp_next_address (KdhTcpTransport *self)
{
  g_socket_address_enumerator_next_async (self->enumerator, self->cancellable,
                                          on_tcp_address,
                                          kdh_transport_ref (&self->parent));
}

static gboolean
tcp_open (KdhTransport  *transport,
          GError       **error)
{
  KdhTcpTransport *self = (KdhTcpTransport *) transport;
  g_autoptr(GSocketConnectable) address = NULL;

  self->last_errno = 0;
  g_clear_error (&self->resolve_error);
  address = g_network_address_new (transport->cs->port, transport->cs->tcp_port);
  self->enumerator = g_socket_connectable_enumerate (address);
  self->cancellable = g_cancellable_new ();
  tcp_next_address (self);
  return TRUE;
}

static void
tcp_close (KdhTransport *transport)
{
  KdhTcpTransport *self = (KdhTcpTransport *) transport;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->enumerator);
  kdh_transport_clear_source (&self->connect_source);
  close_fd (&self->connecting_fd);
  g_clear_error (&self->resolve_error);
}

static gboolean
tcp_lost (KdhTransport *transport)
{
  return FALSE;
}

static void
tcp_finalize (KdhTransport *transport)
{
  KdhTcpTransport *self = (KdhTcpTransport *) transport;

  tcp_close (transport);
  g_free (self->target);
}

static const KdhTransportClass tcp_class = {
  .name = "tcp",
  .open = tcp_open,
  .close = tcp_close,
  .lost = tcp_lost,
  .finalize = tcp_finalize,
};

KdhTransport *
kdh_transport_tcp_new (const KdhConnectionString *cs)
{
  KdhTcpTransport *self = g_new0 (KdhTcpTransport, 1);

  self->parent.klass = &tcp_class;
  self->connecting_fd = -1;
  self->target = format_host_port (cs->port, cs->tcp_port);
  return &self->parent;
}

/* TCP listener: a target that dials out (Xen's kdd) */

typedef struct {
  KdhTransport parent;
  int listen_fd;
  guint16 port;                 /* the one bound, once open */
  GSource *accept_source;
  GSource *pause_source;        /* accept() failing for lack of fds */
} KdhListenTransport;

static void listen_watch (KdhListenTransport *self);

static gchar *
listen_where (KdhListenTransport *self,
              guint16             port)
{
  const gchar *host = self->parent.cs->port;

  if (host == NULL || *host == '\0')
    return g_strdup_printf (_("port %u"), port);
  return format_host_port (host, port);
}

static void
listen_say_waiting (KdhListenTransport *self)
{
  g_autofree gchar *where = listen_where (self, self->port);
  g_autofree gchar *reason = g_strdup_printf (_("waiting for a target to connect on %s"), where);

  kdh_transport_emit_waiting (&self->parent, reason, TRUE);
}

static gchar *
describe_peer (const struct sockaddr_storage *peer,
               socklen_t                      len)
{
  g_autoptr(GSocketAddress) address = g_socket_address_new_from_native ((gpointer) peer, len);
  g_autofree gchar *host = NULL;

  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup (_("target connection"));

  host = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf (_("target connection from %s port %u"), host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static gboolean
on_accept_resume (gpointer user_data)
{
  KdhListenTransport *self = user_data;

  kdh_transport_clear_source (&self->pause_source);
  listen_watch (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_accept (gint         listen_fd,
           GIOCondition condition,
           gpointer     user_data)
{
  KdhListenTransport *self = user_data;

  for (;;)
    {
      struct sockaddr_storage peer;
      socklen_t peer_len = sizeof peer;
      g_autofree gchar *what = NULL;
      int fd;

      fd = accept4 (listen_fd, (struct sockaddr *) &peer, &peer_len,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          int errsv = errno;

          if (errsv == EAGAIN || errsv == EWOULDBLOCK)
            return G_SOURCE_CONTINUE;
          if (errsv == EINTR || errsv == ECONNABORTED || errsv == EPROTO)
            continue;

          /* Out of descriptors or memory: the listening socket stays
           * readable, so stop watching it for a while rather than spin. */
          g_warning ("accept on port %u failed: %s", self->port, g_strerror (errsv));
          kdh_transport_clear_source (&self->accept_source);
          self->pause_source = kdh_transport_add_timeout (&self->parent, ACCEPT_RETRY_MS,
                                                           on_accept_resume);
          return G_SOURCE_REMOVE;
        }

      what = describe_peer (&peer, peer_len);
      if (self->parent.fd >= 0)
        {
          /* One target at a time: a second one is shut out at once, so it
           * does not sit in the backlog believing it is connected. */
          g_debug ("refused %s on port %u: a target is already connected", what, self->port);
          close (fd);
          continue;
        }

      set_nodelay (fd);
      kdh_transport_stream_up (&self->parent, fd, TRUE, what);
    }
}

static void
listen_watch (KdhListenTransport *self)
{
  self->accept_source = kdh_transport_add_fd_watch (&self->parent, self->listen_fd, G_IO_IN,
                                                     on_accept);
}

/* Creates, binds and listens; returns 0 or the errno. */
static int
listen_bind (KdhListenTransport *self,
             GInetAddress       *address,
             guint16             port)
{
  g_autoptr(GSocketAddress) sockaddr = g_inet_socket_address_new (address, port);
  struct sockaddr_storage native;
  socklen_t native_len = sizeof native;
  GSocketFamily family = g_inet_address_get_family (address);
  int one = 1;
  int zero = 0;
  int fd;

  if (!g_socket_address_to_native (sockaddr, &native, sizeof native, NULL))
    return EINVAL;
  native_len = (socklen_t) g_socket_address_get_native_size (sockaddr);

  fd = socket (family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;

  /* Reuse lets a restarted debugger listen again while the last
   * connection is in TIME_WAIT; one socket for IPv6 and IPv4 when bound to
   * the wildcard address. */
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == G_SOCKET_FAMILY_IPV6 && g_inet_address_get_is_any (address))
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);

  if (bind (fd, (struct sockaddr *) &native, native_len) < 0
      || listen (fd, 4) < 0)
    {
      int errsv = errno;

      close (fd);
      return errsv;
    }

  native_len = sizeof native;
  if (getsockname (fd, (struct sockaddr *) &native, &native_len) == 0)
    {
      if (native.ss_family == AF_INET6)
        self->port = g_ntohs (((struct sockaddr_in6 *) &native)->sin6_port);
      else
        self->port = g_ntohs (((struct sockaddr_in *) &native)->sin_port);
    }
  self->listen_fd = fd;
  return 0;
}

static gboolean
listen_open (KdhTransport  *transport,
             GError       **error)
{
  KdhListenTransport *self = (KdhListenTransport *) transport;
  const gchar *host = transport->cs->port;
  guint16 port = transport->cs->tcp_port;
  g_autoptr(GInetAddress) address = NULL;
  g_autofree gchar *where = listen_where (self, port);
  int errsv;

  if (host == NULL || *host == '\0')
    {
      address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
      errsv = listen_bind (self, address, port);
      if (errsv == EAFNOSUPPORT)
        {
          g_clear_object (&address);
          address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
          errsv = listen_bind (self, address, port);
        }
    }
  else
    {
      /* Only addresses: a name would need a blocking lookup here. */
      if (g_ascii_strcasecmp (host, "localhost") == 0)
        address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      else
        address = g_inet_address_new_from_string (host);
      if (address == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("cannot listen on %s: '%s' is not an IP address"), where, host);
          return FALSE;
        }
      errsv = listen_bind (self, address, port);
    }

  if (errsv != 0)
    {
      g_propagate_error (error, kdh_transport_errno_error (errsv, _("cannot listen on %s"),
                                                            where));
      return FALSE;
    }

  listen_watch (self);
  listen_say_waiting (self);
  return TRUE;
}

static void
listen_close (KdhTransport *transport)
{
  KdhListenTransport *self = (KdhListenTransport *) transport;

  kdh_transport_clear_source (&self->accept_source);
  kdh_transport_clear_source (&self->pause_source);
  close_fd (&self->listen_fd);
  self->port = 0;
}

static gboolean
listen_lost (KdhTransport *transport)
{
  listen_say_waiting ((KdhListenTransport *) transport);
  return TRUE;
}

static guint16
listen_get_port (KdhTransport *transport)
{
  return ((KdhListenTransport *) transport)->port;
}

static void
listen_finalize (KdhTransport *transport)
{
  listen_close (transport);
}

static const KdhTransportClass listen_class = {
  .name = "listen",
  .open = listen_open,
  .close = listen_close,
  .lost = listen_lost,
  .get_listen_port = listen_get_port,
  .finalize = listen_finalize,
};

KdhTransport *
kdh_transport_listen_new (const KdhConnectionString *cs)
{
  KdhListenTransport *self = g_new0 (KdhListenTransport, 1);

  self->parent.klass = &listen_class;
  self->listen_fd = -1;
  return &self->parent;
}
