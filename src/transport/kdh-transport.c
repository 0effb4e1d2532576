/* kdh-transport.c: byte transports, the part all kinds share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "kdh-transport.h"
#include "kdh-transport-events.h"
#include "kdh-transport-private.h"

G_DEFINE_QUARK (kdh-transport-error-quark, kdh_transport_error)

/* Bytes read per wakeup: a few packets' worth on a serial line, enough to
 * keep up with the in-process simulator without starving other sources. */
#define READ_CHUNK 65536

KdhTransport *
kdh_transport_ref (KdhTransport *self)
{
  self->ref_count++;
  return self;
}

void
kdh_transport_unref (KdhTransport *self)
{
  if (--self->ref_count > 0)
    return;

  if (self->klass->finalize != NULL)
    self->klass->finalize (self);
  g_clear_pointer (&self->write_queue, g_byte_array_unref);
  g_free (self->stream_what);
  g_free (self->description);
  kdh_connection_string_free (self->cs);
  g_main_context_unref (self->context);
  g_free (self);
}

GError *
kdh_transport_errno_error (int          errsv,
                           const gchar *format,
                           ...)
{
  g_autofree gchar *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  return g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv),
                      "%s: %s", what, g_strerror (errsv));
}

void
kdh_transport_clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

GSource *
kdh_transport_add_fd_watch (KdhTransport     *self,
                            int               fd,
                            GIOCondition      condition,
                            GUnixFDSourceFunc func)
{
  GSource *source;

  /* Not g_unix_fd_add(): that attaches to the global default context,
   * and the transport lives on the engine thread's own. */
  source = g_unix_fd_source_new (fd, condition);
  g_source_set_callback (source, G_SOURCE_FUNC (func), self, NULL);
  /* The watches never run the loop. GLib blocks a source that cannot
   * recurse while it dispatches by taking its fd out of the poll set and
   * back, and each wakes the context (an eventfd write): twice a packet. */
  g_source_set_can_recurse (source, TRUE);
  g_source_attach (source, self->context);
  return source;
}

GSource *
kdh_transport_add_timeout (KdhTransport *self,
                           guint         interval_ms,
                           GSourceFunc   func)
{
  GSource *source;

  source = g_timeout_source_new (interval_ms);
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* The stream */

static gboolean flush_write_queue (KdhTransport *self, gboolean report_loss);

void
kdh_transport_stream_down (KdhTransport *self)
{
  kdh_transport_clear_source (&self->read_source);
  self->input_paused = FALSE;
  /* What was gathered still goes, as it would have without gathering (a
   * detach's last Continue). */
  if (self->flush_source != NULL && self->fd >= 0)
    flush_write_queue (self, FALSE);
  kdh_transport_clear_source (&self->flush_source);
  kdh_transport_clear_source (&self->write_source);
  g_byte_array_set_size (self->write_queue, 0);
  self->write_offset = 0;

  if (self->fd >= 0)
    {
      if (self->klass->release_fd != NULL)
        self->klass->release_fd (self, self->fd);
      else
        close (self->fd);
      self->fd = -1;
    }
  g_clear_pointer (&self->stream_what, g_free);
}

/* The stream failed (@errsv != 0) or reached its end (@errsv == 0). */
static void
stream_lost (KdhTransport *self,
             int           errsv)
{
  GError *error;

  if (errsv == 0 && self->klass->eof_is_failure)
    errsv = EIO;

  if (errsv != 0)
    error = kdh_transport_errno_error (errsv, _("%s failed"), self->stream_what);
  else
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                         _("%s was closed by the other end"), self->stream_what);

  kdh_transport_stream_down (self);
  kdh_transport_queue_closed (self, error);

  if (!self->klass->lost (self))
    {
      self->klass->close (self);
      self->active = FALSE;
    }
}

/* One read from the stream; *@got_bytes: whether it gave bytes. */
static gboolean
read_stream (KdhTransport *self,
             gint          fd,
             GIOCondition  condition,
             gboolean     *got_bytes)
{
  guint8 buf[READ_CHUNK];
  gssize n;
  int errsv;

  do
    n = self->klass->read != NULL ? self->klass->read (self, fd, buf, sizeof buf)
                                   : read (fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  errsv = errno;

  *got_bytes = n > 0;
  if (n > 0)
    {
      /* Any hangup is seen again on the next wakeup, after the data.
       * With nothing queued before them the bytes go to the owner at once
       * rather than through the idle source: one pass of the loop per
       * packet instead of two. (received() never runs the loop.) */
      if (g_queue_is_empty (&self->events) && self->callbacks.received != NULL)
        {
          self->ref_count++;
          self->callbacks.received (self, buf, (gsize) n, self->user_data);
          kdh_transport_unref (self);
        }
      else
        kdh_transport_queue_received (self, buf, (gsize) n);
      return G_SOURCE_CONTINUE;
    }

  if (n < 0 && (errsv == EAGAIN || errsv == EWOULDBLOCK))
    {
      int soerr = 0;
      socklen_t soerr_len = sizeof soerr;

      if ((condition & (G_IO_HUP | G_IO_ERR)) == 0)
        return G_SOURCE_CONTINUE;

      /* A hangup with nothing to read: a socket may have the reason
       * pending; a tty has none to give. */
      if (self->fd_is_socket
          && getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) == 0)
        errsv = soerr;
      else
        errsv = 0;
      stream_lost (self, errsv);
      return G_SOURCE_REMOVE;
    }

  stream_lost (self, n == 0 ? 0 : errsv);
  return G_SOURCE_REMOVE;
}

static gboolean
on_readable (gint         fd,
             GIOCondition condition,
             gpointer     user_data)
{
  gboolean got_bytes;

  return read_stream (user_data, fd, condition, &got_bytes);
}

gboolean
kdh_transport_look (KdhTransport *transport,
                    gboolean     *delivered)
{
  *delivered = FALSE;
  /* Only a stream whose bytes would go straight to the owner: with
   * events queued, or input paused, the main loop keeps the order. */
  if (transport->fd < 0 || transport->flush_source == NULL || transport->read_source == NULL
      || !g_queue_is_empty (&transport->events))
    return FALSE;
  if (transport->write_offset < transport->write_queue->len && transport->write_source == NULL)
    flush_write_queue (transport, FALSE);
  /* An end found here is reported as the read watch would have: the
   * watch gone, closed() queued. */
  if (read_stream (transport, transport->fd, 0, delivered) == G_SOURCE_REMOVE)
    *delivered = TRUE;
  return TRUE;
}

void
kdh_transport_stream_restarted (KdhTransport *self,
                                GError       *error)
{
  kdh_transport_queue_closed (self, error);
  kdh_transport_queue_opened (self);
}

static gssize
default_write (KdhTransport *self,
               int           fd,
               const guint8 *data,
               gsize         len)
{
  /* A peer that has gone must come back as EPIPE, not as SIGPIPE. */
  if (self->fd_is_socket)
    return send (fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  return write (fd, data, len);
}

static gboolean on_writable (gint fd, GIOCondition condition, gpointer user_data);

/* Writes what the stream takes now; the rest waits for POLLOUT. Returns
 * FALSE when the stream was lost (a loss is reported only if @report_loss;
 * otherwise the watches find it). */
static gboolean
flush_write_queue (KdhTransport *self,
                   gboolean      report_loss)
{
  while (self->write_offset < self->write_queue->len)
    {
      const guint8 *data = self->write_queue->data + self->write_offset;
      gsize len = self->write_queue->len - self->write_offset;
      gssize n;

      if (self->klass->write != NULL)
        n = self->klass->write (self, self->fd, data, len);
      else
        n = default_write (self, self->fd, data, len);

      if (n < 0)
        {
          int errsv = errno;

          if (errsv == EINTR)
            continue;
          if (errsv == EAGAIN || errsv == EWOULDBLOCK || !report_loss)
            break;
          stream_lost (self, errsv);
          return FALSE;
        }
      self->write_offset += (gsize) n;
    }

  if (self->write_offset == self->write_queue->len)
    {
      g_byte_array_set_size (self->write_queue, 0);
      self->write_offset = 0;
      kdh_transport_clear_source (&self->write_source);
    }
  else if (self->write_source == NULL)
    {
      self->write_source = kdh_transport_add_fd_watch (self, self->fd, G_IO_OUT, on_writable);
    }

  return TRUE;
}

/* Gathered writes on a stream: the ACK of a reply and the next request
 * leave in one write() just before the loop polls (prepare() runs before
 * every poll), which wakes the far end once per exchange, not per packet.
 * A failure is left to the write and read watches to report: the stream
 * is not taken down in the middle of GLib's prepare phase. */
typedef struct {
  GSource parent;
  KdhTransport *transport;
} FlushSource;

void
kdh_transport_flush (KdhTransport *transport)
{
  if (transport->fd >= 0 && transport->write_source == NULL
      && transport->write_offset < transport->write_queue->len)
    flush_write_queue (transport, TRUE);
}

static gboolean
flush_prepare (GSource *source,
               gint    *timeout)
{
  KdhTransport *self = ((FlushSource *) source)->transport;

  *timeout = -1;
  if (self->write_offset < self->write_queue->len && self->write_source == NULL)
    flush_write_queue (self, FALSE);
  return FALSE;
}

static gboolean
flush_dispatch (GSource    *source,
                GSourceFunc callback,
                gpointer    user_data)
{
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_source_funcs = { flush_prepare, NULL, flush_dispatch, NULL, NULL, NULL };

static gboolean
on_writable (gint         fd,
             GIOCondition condition,
             gpointer     user_data)
{
  KdhTransport *self = user_data;

  /* Hangups and errors are the read watch's to report; a failing write
   * reports itself. Either way this source is gone or still wanted. */
  flush_write_queue (self, TRUE);
  return G_SOURCE_CONTINUE;
}

void
kdh_transport_stream_up (KdhTransport *self,
                         int           fd,
                         gboolean      is_socket,
                         const gchar  *what)
{
  int flags;

  g_return_if_fail (self->fd < 0);

  flags = fcntl (fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0)
    fcntl (fd, F_SETFL, flags | O_NONBLOCK);

  self->fd = fd;
  self->fd_is_socket = is_socket;
  g_free (self->stream_what);
  self->stream_what = g_strdup (what);
  self->read_source = kdh_transport_add_fd_watch (self, fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                                   on_readable);
  /* Not for kinds with a write of their own (datagrams, paced lines). */
  if (self->klass->write == NULL)
    {
      self->flush_source = g_source_new (&flush_source_funcs, sizeof (FlushSource));
      ((FlushSource *) self->flush_source)->transport = self;
      g_source_set_static_name (self->flush_source, "[kdhost] transport writes");
      g_source_attach (self->flush_source, self->context);
    }
  kdh_transport_queue_opened (self);
}

/* Public API */

KdhTransport *
kdh_transport_new (const KdhConnectionString   *cs,
                   const KdhTransportCallbacks *callbacks,
                   gpointer                     user_data)
{
  KdhTransport *self;

  g_return_val_if_fail (cs != NULL, NULL);
  g_return_val_if_fail (callbacks != NULL, NULL);

  switch (cs->kind)
    {
    case KDH_TRANSPORT_SERIAL:
      self = kdh_transport_serial_new (cs);
      break;

    case KDH_TRANSPORT_PIPE:
      self = kdh_transport_pipe_new (cs);
      break;

    case KDH_TRANSPORT_TCP_CONNECT:
      self = kdh_transport_tcp_new (cs);
      break;

    case KDH_TRANSPORT_TCP_LISTEN:
      self = kdh_transport_listen_new (cs);
      break;

    case KDH_TRANSPORT_NET:
      self = kdh_transport_net_new (cs);
      break;

    case KDH_TRANSPORT_REGISTERED:
      self = cs->registered->create (cs);
      break;

    default:
      g_return_val_if_reached (NULL);
    }

  self->ref_count = 1;
  self->cs = kdh_connection_string_copy (cs);
  self->description = kdh_connection_string_describe (cs);
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->context = g_main_context_ref_thread_default ();
  self->fd = -1;
  self->write_queue = g_byte_array_new ();
  g_queue_init (&self->events);

  return self;
}

void
kdh_transport_free (KdhTransport *transport)
{
  if (transport == NULL)
    return;

  g_return_if_fail (!transport->disposed);

  kdh_transport_close (transport);
  transport->disposed = TRUE;
  kdh_transport_unref (transport);
}

gboolean
kdh_transport_open (KdhTransport  *transport,
                    GError       **error)
{
  g_return_val_if_fail (transport != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (transport->active)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("%s is already open"), transport->description);
      return FALSE;
    }

  /* Left-overs of an open that ended by itself (closed() after a failed
   * connect) must not reach the new one's callbacks. */
  kdh_transport_clear_events (transport);

  transport->active = TRUE;
  if (!transport->klass->open (transport, error))
    {
      kdh_transport_stream_down (transport);
      transport->klass->close (transport);
      transport->active = FALSE;
      kdh_transport_clear_events (transport);
      return FALSE;
    }

  return TRUE;
}

void
kdh_transport_close (KdhTransport *transport)
{
  g_return_if_fail (transport != NULL);

  kdh_transport_stream_down (transport);
  if (transport->active)
    transport->klass->close (transport);
  transport->active = FALSE;

  /* Nothing reaches the callbacks after close(), not even what was
   * already on its way. */
  kdh_transport_clear_events (transport);
}

void
kdh_transport_pause_input (KdhTransport *transport,
                           gboolean      paused)
{
  g_return_if_fail (transport != NULL);

  if (transport->fd < 0 || transport->input_paused == paused)
    return;
  transport->input_paused = paused;
  if (paused)
    kdh_transport_clear_source (&transport->read_source);
  else
    transport->read_source = kdh_transport_add_fd_watch (transport, transport->fd,
                                                          G_IO_IN | G_IO_HUP | G_IO_ERR,
                                                          on_readable);
}

gboolean
kdh_transport_input_paused (KdhTransport *transport)
{
  return transport->input_paused;
}

gboolean
kdh_transport_is_open (KdhTransport *transport)
{
  g_return_val_if_fail (transport != NULL, FALSE);

  return transport->fd >= 0;
}

gboolean
kdh_transport_write (KdhTransport  *transport,
                     const guint8  *data,
                     gsize          len,
                     GError       **error)
{
  gsize queued;

  g_return_val_if_fail (transport != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (transport->fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("%s is not connected"), transport->description);
      return FALSE;
    }

  queued = transport->write_queue->len - transport->write_offset;
  if (len > KDH_TRANSPORT_MAX_QUEUED || queued > KDH_TRANSPORT_MAX_QUEUED - len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("%s is not taking data: %" G_GSIZE_FORMAT
                     " bytes are still waiting to be written"),
                   transport->description, queued);
      return FALSE;
    }

  if (len == 0)
    return TRUE;

  /* Drop what has been written before growing the buffer. */
  if (transport->write_offset > 0)
    {
      g_byte_array_remove_range (transport->write_queue, 0, transport->write_offset);
      transport->write_offset = 0;
    }
  g_byte_array_append (transport->write_queue, data, len);

  /* Gathered: it leaves when the loop polls next. */
  if (transport->flush_source != NULL)
    return TRUE;
  /* A failure here is reported through closed(), like one found later. */
  flush_write_queue (transport, TRUE);
  return TRUE;
}

guint
kdh_transport_get_baud (KdhTransport *transport)
{
  g_return_val_if_fail (transport != NULL, 0);

  if (transport->klass->get_baud == NULL)
    return 0;
  return transport->klass->get_baud (transport);
}

gboolean
kdh_transport_set_baud (KdhTransport  *transport,
                        guint          baud,
                        GError       **error)
{
  g_return_val_if_fail (transport != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (transport->klass->set_baud == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s is not a serial line; there is no baud rate to cycle"),
                   transport->description);
      return FALSE;
    }
  if (baud == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("0 is not a baud rate"));
      return FALSE;
    }
  return transport->klass->set_baud (transport, baud, error);
}

const gchar *
kdh_transport_describe (KdhTransport *transport)
{
  g_return_val_if_fail (transport != NULL, NULL);

  return transport->description;
}

guint16
kdh_transport_get_listen_port (KdhTransport *transport)
{
  g_return_val_if_fail (transport != NULL, 0);

  if (transport->klass->get_listen_port == NULL)
    return 0;
  return transport->klass->get_listen_port (transport);
}

gboolean
kdh_transport_get_datagram_counts (KdhTransport *transport,
                                   guint64      *in,
                                   guint64      *out,
                                   guint64      *dropped)
{
  g_return_val_if_fail (transport != NULL, FALSE);

  *in = *out = *dropped = 0;
  if (transport->klass->get_datagram_counts == NULL)
    return FALSE;
  return transport->klass->get_datagram_counts (transport, in, out, dropped);
}

GVariant *
kdh_transport_dup_peer_counters (KdhTransport *transport)
{
  g_return_val_if_fail (transport != NULL, NULL);

  if (transport->klass->dup_peer_counters == NULL)
    return NULL;
  return transport->klass->dup_peer_counters (transport);
}
