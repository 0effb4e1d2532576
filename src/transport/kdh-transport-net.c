/* kdh-transport-net.c: KDNET, the kernel debugger over UDP
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Listens on a UDP port (IPv6 and IPv4 on one dual-stack socket, or the
 * bind= address) for a Windows target that pokes with the key, and from
 * then on carries the KDCOM byte stream the host link speaks: each data
 * datagram's KD packet comes out as bytes (with the trailer KDNET leaves
 * out), and each packet the link writes goes out as one datagram
 * (docs/protocol.md §5). The protocol is kd/kdh-kdnet-host.c's; this file
 * owns the socket, the system's random numbers and the messages. The
 * socket is created and bound directly, so that a failure says which port
 * and why in one line, and then wrapped in a GSocket for the datagrams.
 */

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "kd/kdh-kdnet-host.h"
#include "kdh-transport-private.h"

typedef struct {
  KdhTransport parent;

  GSocket *socket;
  GSocketFamily family;
  guint16 port;                  /* the UDP port actually bound */
  KdhKdnetHost *host;            /* NULL until target= is resolved */
  GArray *only;                  /* target='s addresses, of KdhKdnetPeer; NULL: any */
  GSource *early_watch;          /* reads pokes before the stream is up */
  GCancellable *resolving;
  gboolean up;
  guint64 early_dropped;         /* before the host existed */
  guint8 buf[KDH_KDNET_MAX_DATAGRAM];
} KdhTransportNet;

static KdhTransportNet *
net (KdhTransport *t)
{
  return (KdhTransportNet *) t;
}

static void emit_listening (KdhTransportNet *self);

/* The system's CSPRNG: the host's half of every session key. */
static void
system_random (guint8  *buf,
               gsize    len,
               gpointer data)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = getrandom (buf + done, len - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom: %s", g_strerror (errno));
      done += (gsize) n;
    }
}

/* ---- Addresses --------------------------------------------------------- */

static void
peer_from_address (GSocketAddress *address,
                   KdhKdnetPeer   *peer)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
  GInetAddress *ip = g_inet_socket_address_get_address (inet);
  const guint8 *bytes = g_inet_address_to_bytes (ip);

  memset (peer, 0, sizeof *peer);
  if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV4)
    {
      peer->address[10] = 0xFF;
      peer->address[11] = 0xFF;
      memcpy (peer->address + 12, bytes, 4);
    }
  else
    memcpy (peer->address, bytes, 16);
  peer->port = g_inet_socket_address_get_port (inet);
}

static GSocketAddress *
address_from_peer (KdhTransportNet    *self,
                   const KdhKdnetPeer *peer)
{
  g_autoptr (GInetAddress) ip = NULL;

  if (self->family == G_SOCKET_FAMILY_IPV4)
    ip = g_inet_address_new_from_bytes (peer->address + 12, G_SOCKET_FAMILY_IPV4);
  else
    ip = g_inet_address_new_from_bytes (peer->address, G_SOCKET_FAMILY_IPV6);
  return g_inet_socket_address_new (ip, peer->port);
}

/* ---- Datagrams --------------------------------------------------------- */

static void
send_pending (KdhTransportNet *self)
{
  KdhKdnetPeer to;
  GBytes *datagram;

  while (self->host && kdh_kdnet_host_pop_datagram (self->host, &to, &datagram))
    {
      g_autoptr (GSocketAddress) address = address_from_peer (self, &to);
      g_autoptr (GError) error = NULL;
      gsize len;
      const guint8 *data = g_bytes_get_data (datagram, &len);

      /* A datagram the socket will not take now is lost, as on the wire;
       * the link sends its packet again. */
      if (g_socket_send_to (self->socket, address, (const gchar *) data, len, NULL, &error) < 0)
        g_debug ("KDNET datagram to port %u not sent: %s", to.port, error->message);
      g_bytes_unref (datagram);
    }
}

static void
handle_events (KdhTransportNet *self)
{
  KdhTransport *t = &self->parent;
  KdhKdnetHostEvent ev;

  while (kdh_kdnet_host_next_event (self->host, &ev))
    {
      g_autofree gchar *who = kdh_kdnet_peer_to_string (&ev.peer);
      g_autofree gchar *what = NULL;

      switch (ev.kind)
        {
        case KDH_KDNET_HOST_EVENT_SESSION:
          if (self->up)
            break;
          self->up = TRUE;
          kdh_transport_clear_source (&self->early_watch);
          what = g_strdup_printf (_("KDNET target %s"), who);
          kdh_transport_stream_up (t, g_socket_get_fd (self->socket), TRUE, what);
          break;

        case KDH_KDNET_HOST_EVENT_RESTARTED:
          if (self->up)
            kdh_transport_stream_restarted (
              t, g_error_new (KDH_TRANSPORT_ERROR, KDH_TRANSPORT_ERROR_PEER_RESTARTED,
                              _("KDNET target %s started a new session: it rebooted"), who));
          break;

        case KDH_KDNET_HOST_EVENT_WRONG_KEY:
          if (!self->up)
            {
              g_autofree gchar *reason =
                g_strdup_printf (_("KDNET datagrams from %s do not match the key %s: that "
                                   "machine was set up with another key (on it, "
                                   "bcdedit /dbgsettings shows the key); still waiting "
                                   "on UDP port %u"), who, t->cs->net_key, self->port);

              kdh_transport_emit_waiting (t, reason, TRUE);
            }
          break;

        default:
          break;
        }
    }
}

/* Reads one datagram, if there is one, and passes it to the host; what
 * it carried for the link lands in @stream. Returns FALSE when the socket
 * had nothing. */
static gboolean
receive_one (KdhTransportNet *self,
             GByteArray      *stream)
{
  g_autoptr (GSocketAddress) from = NULL;
  g_autoptr (GError) error = NULL;
  KdhKdnetPeer peer;
  gssize n;

  n = g_socket_receive_from (self->socket, &from, (gchar *) self->buf, sizeof self->buf, NULL,
                             &error);
  if (n < 0)
    {
      /* Unconnected UDP reports no errors of a peer's; anything else is
       * passing (a datagram too long for the buffer is cut, then dropped
       * by its checks). */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_debug ("KDNET receive: %s", error->message);
      return FALSE;
    }
  if (self->host == NULL || !G_IS_INET_SOCKET_ADDRESS (from))
    {
      self->early_dropped++;
      return TRUE;
    }
  peer_from_address (from, &peer);
  kdh_kdnet_host_receive (self->host, self->buf, (gsize) n, &peer, g_get_monotonic_time (),
                          stream);
  send_pending (self);
  handle_events (self);
  return TRUE;
}

/* Before the stream is up: pokes, strangers, a wrong key. */
static gboolean
on_early_readable (gint         fd,
                   GIOCondition condition,
                   gpointer     data)
{
  KdhTransportNet *self = data;
  g_autoptr (GByteArray) stream = g_byte_array_new ();

  /* A few at a time, so that a flood cannot hold the main context. */
  for (guint i = 0; i < 64 && !self->up; i++)
    if (!receive_one (self, stream))
      break;
  /* Data before a session is dropped by the host; nothing to deliver. */
  return self->up ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* The stream's read: datagrams until one carries KD bytes, or none is
 * left (EAGAIN). */
static gssize
net_read (KdhTransport *t,
          int           fd,
          guint8       *buf,
          gsize         len)
{
  KdhTransportNet *self = net (t);
  g_autoptr (GByteArray) stream = g_byte_array_new ();

  for (guint i = 0; i < 64; i++)
    {
      if (!receive_one (self, stream))
        break;
      if (stream->len > 0)
        {
          gsize n = MIN (stream->len, len);

          /* One datagram's packet always fits the common code's buffer. */
          memcpy (buf, stream->data, n);
          return (gssize) n;
        }
    }
  errno = EAGAIN;
  return -1;
}

static gssize
net_write (KdhTransport *t,
           int           fd,
           const guint8 *data,
           gsize         len)
{
  KdhTransportNet *self = net (t);

  if (self->host == NULL)
    return (gssize) len;
  kdh_kdnet_host_send (self->host, data, len);
  send_pending (self);
  return (gssize) len;
}

/* ---- Opening ----------------------------------------------------------- */

/* Starts the protocol, listening to target='s addresses (@only) or to
 * any machine (NULL). */
static void
start_host (KdhTransportNet *self,
            GArray          *only)
{
  KdhTransport *t = &self->parent;
  guint8 key[KDH_KDNET_KEY_SIZE];
  gboolean ok = kdh_kdnet_key_parse (t->cs->net_key, key, NULL);

  g_assert (ok);   /* checked when the string was parsed */
  if (only != self->only)
    {
      g_clear_pointer (&self->only, g_array_unref);
      self->only = only ? g_array_ref (only) : NULL;
    }
  self->host = kdh_kdnet_host_new (key, only ? (const KdhKdnetPeer *) only->data : NULL,
                                   only ? only->len : 0, system_random, NULL);
  memset (key, 0, sizeof key);
}

static GArray *
peers_of (GList *addresses)
{
  GArray *peers = g_array_new (FALSE, FALSE, sizeof (KdhKdnetPeer));

  for (GList *l = addresses; l; l = l->next)
    {
      g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (l->data, 0);
      KdhKdnetPeer peer;

      peer_from_address (addr, &peer);
      g_array_append_val (peers, peer);
    }
  return peers;
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  KdhTransportNet *self = data;
  KdhTransport *t = &self->parent;
  g_autoptr (GError) error = NULL;
  GList *list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);

  if (t->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_resolver_free_addresses (list);
      kdh_transport_unref (t);
      return;
    }
  g_clear_object (&self->resolving);
  if (list == NULL)
    {
      kdh_transport_fail_open (t, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                               _("cannot resolve KDNET target '%s': %s"),
                                               t->cs->net_target, error->message));
    }
  else
    {
      g_autoptr (GArray) only = peers_of (list);

      start_host (self, only);
      g_resolver_free_addresses (list);
    }
  kdh_transport_unref (t);
}

static int
bind_socket (KdhTransportNet  *self,
             GError          **error)
{
  KdhTransport *t = &self->parent;
  g_autoptr (GInetAddress) bind_ip = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  struct sockaddr_storage native;
  socklen_t native_len = sizeof native;
  int fd;
  int off = 0;

  if (t->cs->net_bind != NULL)
    bind_ip = g_inet_address_new_from_string (t->cs->net_bind);
  else
    bind_ip = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  self->family = g_inet_address_get_family (bind_ip);
  fd = socket (self->family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET,
               SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && errno == EAFNOSUPPORT && t->cs->net_bind == NULL)
    {
      /* A machine without IPv6 still has IPv4. */
      g_clear_object (&bind_ip);
      bind_ip = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
      self->family = G_SOCKET_FAMILY_IPV4;
      fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
  if (fd < 0)
    {
      g_propagate_error (error, kdh_transport_errno_error (errno, _("cannot open a UDP socket")));
      return -1;
    }
  /* One socket for IPv6 and IPv4 targets (these arrive as ::ffff:a.b.c.d). */
  if (self->family == G_SOCKET_FAMILY_IPV6 && t->cs->net_bind == NULL)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);

  address = g_inet_socket_address_new (bind_ip, t->cs->tcp_port);
  if (!g_socket_address_to_native (address, &native, sizeof native, NULL)
      || bind (fd, (struct sockaddr *) &native,
               (socklen_t) g_socket_address_get_native_size (address)) < 0)
    {
      int errsv = errno;

      close (fd);
      if (t->cs->net_bind != NULL)
        g_propagate_error (error, kdh_transport_errno_error (
                                    errsv, _("cannot listen on UDP %s port %u"),
                                    t->cs->net_bind, t->cs->tcp_port));
      else
        g_propagate_error (error, kdh_transport_errno_error (
                                    errsv, _("cannot listen on UDP port %u"), t->cs->tcp_port));
      return -1;
    }
  if (getsockname (fd, (struct sockaddr *) &native, &native_len) == 0)
    {
      g_autoptr (GSocketAddress) bound = g_socket_address_new_from_native (&native, native_len);

      if (G_IS_INET_SOCKET_ADDRESS (bound))
        self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }
  return fd;
}

static gboolean
net_open (KdhTransport  *t,
          GError       **error)
{
  KdhTransportNet *self = net (t);
  int fd = bind_socket (self, error);

  if (fd < 0)
    return FALSE;
  self->socket = g_socket_new_from_fd (fd, error);
  if (self->socket == NULL)
    {
      close (fd);
      return FALSE;
    }
  g_socket_set_blocking (self->socket, FALSE);
  self->up = FALSE;

  if (t->cs->net_target == NULL)
    start_host (self, NULL);
  else
    {
      g_autoptr (GInetAddress) literal = g_inet_address_new_from_string (t->cs->net_target);

      if (literal != NULL)
        {
          GList one = { literal, NULL, NULL };
          g_autoptr (GArray) only = peers_of (&one);

          start_host (self, only);
        }
      else
        {
          g_autoptr (GResolver) resolver = g_resolver_get_default ();

          self->resolving = g_cancellable_new ();
          g_resolver_lookup_by_name_async (resolver, t->cs->net_target, self->resolving,
                                           on_resolved, kdh_transport_ref (t));
        }
    }

  self->early_watch = kdh_transport_add_fd_watch (t, fd, G_IO_IN, on_early_readable);
  emit_listening (self);
  return TRUE;
}

static void
net_close (KdhTransport *t)
{
  KdhTransportNet *self = net (t);

  kdh_transport_clear_source (&self->early_watch);
  if (self->resolving)
    g_cancellable_cancel (self->resolving);
  g_clear_object (&self->resolving);
  g_clear_pointer (&self->host, kdh_kdnet_host_free);
  g_clear_pointer (&self->only, g_array_unref);
  if (self->socket)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  self->up = FALSE;
}

static void
emit_listening (KdhTransportNet *self)
{
  KdhTransport *t = &self->parent;
  g_autofree gchar *reason = NULL;

  if (t->cs->net_target != NULL)
    reason = g_strdup_printf (_("waiting for KDNET target %s on UDP port %u"),
                              t->cs->net_target, self->port);
  else
    reason = g_strdup_printf (_("waiting for a KDNET target on UDP port %u"), self->port);
  kdh_transport_emit_waiting (t, reason, TRUE);
}

/* The socket reported an error (UDP has no end of stream): listen again,
 * as a new debugger would. */
static gboolean
net_lost (KdhTransport *t)
{
  KdhTransportNet *self = net (t);

  self->up = FALSE;
  if (self->host != NULL)
    {
      g_clear_pointer (&self->host, kdh_kdnet_host_free);
      start_host (self, self->only);
    }
  self->early_watch = kdh_transport_add_fd_watch (t, g_socket_get_fd (self->socket), G_IO_IN,
                                                  on_early_readable);
  emit_listening (self);
  return TRUE;
}

static void
net_release_fd (KdhTransport *t,
                int           fd)
{
  /* The GSocket owns the descriptor; close() closes it. */
}

static guint16
net_get_listen_port (KdhTransport *t)
{
  return net (t)->socket ? net (t)->port : 0;
}

static gboolean
net_get_datagram_counts (KdhTransport *t,
                         guint64      *in,
                         guint64      *out,
                         guint64      *dropped)
{
  KdhTransportNet *self = net (t);
  const KdhKdnetHostStats *stats;

  *in = *out = 0;
  *dropped = self->early_dropped;
  if (self->host == NULL)
    return TRUE;
  stats = kdh_kdnet_host_get_stats (self->host);
  *in = stats->datagrams_in + self->early_dropped;
  *out = stats->datagrams_out;
  *dropped += kdh_kdnet_host_stats_dropped (stats);
  return TRUE;
}

static void
net_finalize (KdhTransport *t)
{
  net_close (t);
}

static const KdhTransportClass net_class = {
  .name = "net",
  .open = net_open,
  .close = net_close,
  .lost = net_lost,
  .release_fd = net_release_fd,
  .write = net_write,
  .read = net_read,
  .get_listen_port = net_get_listen_port,
  .get_datagram_counts = net_get_datagram_counts,
  .finalize = net_finalize,
};

KdhTransport *
kdh_transport_net_new (const KdhConnectionString *cs)
{
  KdhTransportNet *self = g_new0 (KdhTransportNet, 1);

  self->parent.klass = &net_class;
  return &self->parent;
}
