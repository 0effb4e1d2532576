/* kdh-server-stream.c: the guarded stream under a server's D-Bus connection
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GDBus trusts its peer: it reads a message of any length up to 128 MiB
 * that the header announces, and an authentication line of any length.
 * A debugging server's peers are other machines, so this stream sits
 * between GDBus and the socket (or TLS connection, or serial line) and
 * watches the bytes the peer sends: the authentication lines, then each
 * message's 16-byte header. A message longer than the limit, or bytes
 * that are not D-Bus, fail the read before the body is taken in; GDBus
 * then closes the connection.
 *
 * It also keeps a stalled peer from making the server buffer without
 * bound: while a write to the peer is stuck (it does not read), the stream
 * does not read the peer's next request either, so requests cannot pile
 * up replies. Signals are bounded separately (kdh-server-client.c).
 *
 * Reads and writes come from GDBus's worker thread (and, during
 * authentication, from the thread GDBus authenticates in), never at once
 * from two threads in the same direction.
 */
#include "kdh-server-private.h"

#include <glib/gi18n.h>
#include <string.h>

#define AUTH_LINE_MAX   (16 * 1024)
#define AUTH_TOTAL_MAX  (64 * 1024)
#define HEADER_SIZE     16
#define WRITE_STUCK_US  (G_USEC_PER_SEC / 2)

typedef enum {
  PARSE_NUL,          /* the one byte before authentication */
  PARSE_AUTH,         /* CR LF lines until BEGIN */
  PARSE_HEADER,
  PARSE_BODY,
  PARSE_FAILED,
} ParsePhase;

/* What the three objects share, each holding a reference. */
typedef struct {
  GIOStream *base;
  GCancellable *abort;
  gsize max_message;

  GMutex lock;
  gchar *violation;
  guint64 written;
  gboolean write_pending;
  gint64 write_since;            /* monotonic: when the pending write started */
  GTask *deferred_read;          /* waits for a stuck write (worker thread) */

  /* The peer's bytes, parsed in order (one reader at a time). */
  ParsePhase phase;
  gsize line_len;
  gchar line_start[8];
  gsize auth_total;
  guint8 header[HEADER_SIZE];
  gsize header_len;
  guint64 remaining;
} Shared;

static void
shared_clear (gpointer data)
{
  Shared *sh = data;

  g_clear_object (&sh->base);
  g_clear_object (&sh->abort);
  g_mutex_clear (&sh->lock);
  g_free (sh->violation);
}

static void
shared_release (Shared *sh)
{
  g_atomic_rc_box_release_full (sh, shared_clear);
}

static gboolean G_GNUC_PRINTF (3, 4)
violate (Shared       *sh,
         GError      **error,
         const gchar  *format,
         ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_mutex_lock (&sh->lock);
  if (sh->violation == NULL)
    sh->violation = g_strdup (text);
  g_mutex_unlock (&sh->lock);
  sh->phase = PARSE_FAILED;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, text);
  return FALSE;
}

static guint32
header_u32 (const guint8 *h,
            gsize         offset)
{
  guint32 v;

  memcpy (&v, h + offset, 4);
  return h[0] == 'l' ? GUINT32_FROM_LE (v) : GUINT32_FROM_BE (v);
}

/* The D-Bus specification's fixed header: endianness, type, flags,
 * version, body length, serial, then the header fields' array length; the
 * fields start at 16 and the body at the next multiple of 8. */
static gboolean
check_header (Shared  *sh,
              GError **error)
{
  const guint8 *h = sh->header;
  guint64 fields, body, total;

  if ((h[0] != 'l' && h[0] != 'B') || h[1] < 1 || h[1] > 4 || h[3] != 1)
    return violate (sh, error, _("sent bytes that are not D-Bus (a header starting "
                                 "%02x %02x %02x %02x)"), h[0], h[1], h[2], h[3]);
  body = header_u32 (h, 4);
  fields = header_u32 (h, 12);
  total = HEADER_SIZE + ((fields + 7) & ~(guint64) 7) + body;
  if (total > sh->max_message)
    return violate (sh, error, _("sent a message of %" G_GUINT64_FORMAT " bytes "
                                 "(the limit is %" G_GSIZE_FORMAT ")"), total, sh->max_message);
  sh->remaining = total - HEADER_SIZE;
  return TRUE;
}

static gboolean
inspect (Shared        *sh,
         const guint8  *data,
         gsize          len,
         GError       **error)
{
  gsize i = 0;

  while (i < len)
    {
      switch (sh->phase)
        {
        case PARSE_NUL:
          /* GDBus reads and ignores it; a non-NUL byte is still a
           * stranger, but the authentication that follows will say so. */
          sh->phase = PARSE_AUTH;
          sh->auth_total = 1;
          i++;
          break;

        case PARSE_AUTH:
          {
            guint8 c = data[i++];

            if (++sh->auth_total > AUTH_TOTAL_MAX)
              return violate (sh, error, _("sent more than %d bytes of D-Bus authentication"),
                              AUTH_TOTAL_MAX);
            if (c == '\n' && sh->line_len > 0 && sh->line_start[MIN (sh->line_len, 8) - 1] == '\r')
              {
                gboolean begin = sh->line_len == 6 && memcmp (sh->line_start, "BEGIN\r", 6) == 0;

                sh->line_len = 0;
                if (begin)
                  sh->phase = PARSE_HEADER;
                break;
              }
            if (sh->line_len < sizeof sh->line_start)
              sh->line_start[sh->line_len] = (gchar) c;
            else
              /* Only the end of a long line matters from here: is it CR? */
              sh->line_start[sizeof sh->line_start - 1] = (gchar) c;
            if (++sh->line_len > AUTH_LINE_MAX)
              return violate (sh, error, _("sent a D-Bus authentication line of more than "
                                           "%d bytes"), AUTH_LINE_MAX);
          }
          break;

        case PARSE_HEADER:
          {
            gsize n = MIN (len - i, HEADER_SIZE - sh->header_len);

            memcpy (sh->header + sh->header_len, data + i, n);
            sh->header_len += n;
            i += n;
            if (sh->header_len == HEADER_SIZE)
              {
                sh->header_len = 0;
                if (!check_header (sh, error))
                  return FALSE;
                sh->phase = sh->remaining > 0 ? PARSE_BODY : PARSE_HEADER;
              }
          }
          break;

        case PARSE_BODY:
          {
            gsize n = (gsize) MIN ((guint64) (len - i), sh->remaining);

            sh->remaining -= n;
            i += n;
            if (sh->remaining == 0)
              sh->phase = PARSE_HEADER;
          }
          break;

        case PARSE_FAILED:
        default:
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, sh->violation);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- Input ------------------------------------------------------------- */

G_DECLARE_FINAL_TYPE (KdhServerIn, kdh_server_in, KDH, SERVER_IN, GInputStream)

struct _KdhServerIn
{
  GInputStream parent_instance;
  Shared *sh;
};

G_DEFINE_FINAL_TYPE (KdhServerIn, kdh_server_in, G_TYPE_INPUT_STREAM)

static gssize
kdh_server_in_read (GInputStream  *stream,
                    void          *buffer,
                    gsize          count,
                    GCancellable  *cancellable,
                    GError       **error)
{
  Shared *sh = KDH_SERVER_IN (stream)->sh;
  gssize n;

  /* GDBus passes the cancellable it was given: ours, the abort one. */
  n = g_input_stream_read (g_io_stream_get_input_stream (sh->base), buffer, count,
                           cancellable ? cancellable : sh->abort, error);
  if (n > 0 && !inspect (sh, buffer, (gsize) n, error))
    return -1;
  return n;
}

typedef struct {
  void *buffer;
  gsize count;
} ReadData;

static void
on_base_read (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GTask *task = data;
  Shared *sh = KDH_SERVER_IN (g_task_get_source_object (task))->sh;
  ReadData *rd = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    g_task_return_error (task, error);
  else if (n > 0 && !inspect (sh, rd->buffer, (gsize) n, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
  g_object_unref (task);
}

static void
start_base_read (GTask *task)
{
  Shared *sh = KDH_SERVER_IN (g_task_get_source_object (task))->sh;
  ReadData *rd = g_task_get_task_data (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (sh->base), rd->buffer, rd->count,
                             g_task_get_priority (task), sh->abort, on_base_read, task);
}

static void
kdh_server_in_read_async (GInputStream        *stream,
                          void                *buffer,
                          gsize                count,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Shared *sh = KDH_SERVER_IN (stream)->sh;
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  ReadData *rd = g_new0 (ReadData, 1);
  gboolean defer;

  rd->buffer = buffer;
  rd->count = count;
  g_task_set_task_data (task, rd, g_free);
  g_task_set_priority (task, io_priority);
  g_task_set_source_tag (task, kdh_server_in_read_async);

  /* Back-pressure: a peer that does not read our replies gets its next
   * request read only when it does. The write's completion (or the abort,
   * which completes it) starts the read. */
  g_mutex_lock (&sh->lock);
  defer = sh->write_pending;
  if (defer)
    sh->deferred_read = task;
  g_mutex_unlock (&sh->lock);
  if (!defer)
    start_base_read (task);
}

static gssize
kdh_server_in_read_finish (GInputStream  *stream,
                           GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
kdh_server_in_close (GInputStream  *stream,
                     GCancellable  *cancellable,
                     GError       **error)
{
  /* The base is closed with the KdhServerStream. */
  return TRUE;
}

static void
kdh_server_in_finalize (GObject *object)
{
  shared_release (KDH_SERVER_IN (object)->sh);
  G_OBJECT_CLASS (kdh_server_in_parent_class)->finalize (object);
}

static void
kdh_server_in_class_init (KdhServerInClass *klass)
{
  GInputStreamClass *in_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = kdh_server_in_finalize;
  in_class->read_fn = kdh_server_in_read;
  in_class->read_async = kdh_server_in_read_async;
  in_class->read_finish = kdh_server_in_read_finish;
  in_class->close_fn = kdh_server_in_close;
}

static void
kdh_server_in_init (KdhServerIn *self)
{
}

/* ---- Output ------------------------------------------------------------ */

G_DECLARE_FINAL_TYPE (KdhServerOut, kdh_server_out, KDH, SERVER_OUT, GOutputStream)

struct _KdhServerOut
{
  GOutputStream parent_instance;
  Shared *sh;
};

G_DEFINE_FINAL_TYPE (KdhServerOut, kdh_server_out, G_TYPE_OUTPUT_STREAM)

static void
count_written (Shared *sh,
               gssize  n)
{
  g_mutex_lock (&sh->lock);
  if (n > 0)
    sh->written += (guint64) n;
  g_mutex_unlock (&sh->lock);
}

static gssize
kdh_server_out_write (GOutputStream  *stream,
                      const void     *buffer,
                      gsize           count,
                      GCancellable   *cancellable,
                      GError        **error)
{
  Shared *sh = KDH_SERVER_OUT (stream)->sh;
  gssize n = g_output_stream_write (g_io_stream_get_output_stream (sh->base), buffer, count,
                                    cancellable ? cancellable : sh->abort, error);

  count_written (sh, n);
  return n;
}

static void
on_base_write (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  GTask *task = data;
  Shared *sh = KDH_SERVER_OUT (g_task_get_source_object (task))->sh;
  GError *error = NULL;
  gssize n = g_output_stream_write_finish (G_OUTPUT_STREAM (source), result, &error);
  GTask *deferred;

  g_mutex_lock (&sh->lock);
  if (n > 0)
    sh->written += (guint64) n;
  sh->write_pending = FALSE;
  deferred = g_steal_pointer (&sh->deferred_read);
  g_mutex_unlock (&sh->lock);

  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
  g_object_unref (task);
  if (deferred)
    start_base_read (deferred);
}

static void
kdh_server_out_write_async (GOutputStream       *stream,
                            const void          *buffer,
                            gsize                count,
                            int                  io_priority,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Shared *sh = KDH_SERVER_OUT (stream)->sh;
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, kdh_server_out_write_async);
  g_mutex_lock (&sh->lock);
  sh->write_pending = TRUE;
  sh->write_since = g_get_monotonic_time ();
  g_mutex_unlock (&sh->lock);
  g_output_stream_write_async (g_io_stream_get_output_stream (sh->base), buffer, count,
                               io_priority, sh->abort, on_base_write, task);
}

static gssize
kdh_server_out_write_finish (GOutputStream  *stream,
                             GAsyncResult   *result,
                             GError        **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
kdh_server_out_flush (GOutputStream  *stream,
                      GCancellable   *cancellable,
                      GError        **error)
{
  Shared *sh = KDH_SERVER_OUT (stream)->sh;

  return g_output_stream_flush (g_io_stream_get_output_stream (sh->base),
                                cancellable ? cancellable : sh->abort, error);
}

static void
on_base_flush (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;

  if (g_output_stream_flush_finish (G_OUTPUT_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
kdh_server_out_flush_async (GOutputStream       *stream,
                            int                  io_priority,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Shared *sh = KDH_SERVER_OUT (stream)->sh;
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_output_stream_flush_async (g_io_stream_get_output_stream (sh->base), io_priority, sh->abort,
                               on_base_flush, task);
}

static gboolean
kdh_server_out_flush_finish (GOutputStream  *stream,
                             GAsyncResult   *result,
                             GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
kdh_server_out_close (GOutputStream  *stream,
                      GCancellable   *cancellable,
                      GError        **error)
{
  return TRUE;
}

static void
kdh_server_out_finalize (GObject *object)
{
  shared_release (KDH_SERVER_OUT (object)->sh);
  G_OBJECT_CLASS (kdh_server_out_parent_class)->finalize (object);
}

static void
kdh_server_out_class_init (KdhServerOutClass *klass)
{
  GOutputStreamClass *out_class = G_OUTPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = kdh_server_out_finalize;
  out_class->write_fn = kdh_server_out_write;
  out_class->write_async = kdh_server_out_write_async;
  out_class->write_finish = kdh_server_out_write_finish;
  out_class->flush = kdh_server_out_flush;
  out_class->flush_async = kdh_server_out_flush_async;
  out_class->flush_finish = kdh_server_out_flush_finish;
  out_class->close_fn = kdh_server_out_close;
}

static void
kdh_server_out_init (KdhServerOut *self)
{
}

/* ---- The stream -------------------------------------------------------- */

struct _KdhServerStream
{
  GIOStream parent_instance;
  Shared *sh;
  KdhServerIn *in;
  KdhServerOut *out;
};

G_DEFINE_FINAL_TYPE (KdhServerStream, kdh_server_stream, G_TYPE_IO_STREAM)

static GInputStream *
kdh_server_stream_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (KDH_SERVER_STREAM (stream)->in);
}

static GOutputStream *
kdh_server_stream_get_output_stream (GIOStream *stream)
{
  return G_OUTPUT_STREAM (KDH_SERVER_STREAM (stream)->out);
}

static gboolean
kdh_server_stream_close (GIOStream     *stream,
                         GCancellable  *cancellable,
                         GError       **error)
{
  Shared *sh = KDH_SERVER_STREAM (stream)->sh;

  /* The abort cancellable bounds a TLS close whose peer does not read. */
  return g_io_stream_close (sh->base, cancellable ? cancellable : sh->abort, error);
}

static void
kdh_server_stream_finalize (GObject *object)
{
  KdhServerStream *self = KDH_SERVER_STREAM (object);

  g_clear_object (&self->in);
  g_clear_object (&self->out);
  shared_release (self->sh);
  G_OBJECT_CLASS (kdh_server_stream_parent_class)->finalize (object);
}

static void
kdh_server_stream_class_init (KdhServerStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);

  object_class->finalize = kdh_server_stream_finalize;
  io_class->get_input_stream = kdh_server_stream_get_input_stream;
  io_class->get_output_stream = kdh_server_stream_get_output_stream;
  io_class->close_fn = kdh_server_stream_close;
}

static void
kdh_server_stream_init (KdhServerStream *self)
{
}

KdhServerStream *
kdh_server_stream_new (GIOStream    *base,
                       GCancellable *abort,
                       gsize         max_message)
{
  KdhServerStream *self = g_object_new (KDH_TYPE_SERVER_STREAM, NULL);
  Shared *sh = g_atomic_rc_box_new0 (Shared);

  sh->base = g_object_ref (base);
  sh->abort = g_object_ref (abort);
  sh->max_message = max_message;
  g_mutex_init (&sh->lock);
  self->sh = sh;
  self->in = g_object_new (kdh_server_in_get_type (), NULL);
  self->in->sh = g_atomic_rc_box_acquire (sh);
  self->out = g_object_new (kdh_server_out_get_type (), NULL);
  self->out->sh = g_atomic_rc_box_acquire (sh);
  return self;
}

gchar *
kdh_server_stream_dup_violation (KdhServerStream *self)
{
  gchar *text;

  g_mutex_lock (&self->sh->lock);
  text = g_strdup (self->sh->violation);
  g_mutex_unlock (&self->sh->lock);
  return text;
}

guint64
kdh_server_stream_get_written (KdhServerStream *self)
{
  guint64 n;

  g_mutex_lock (&self->sh->lock);
  n = self->sh->written;
  g_mutex_unlock (&self->sh->lock);
  return n;
}

gboolean
kdh_server_stream_write_blocked (KdhServerStream *self)
{
  gboolean pending;

  /* A write in flight is normal; one that has waited a while is a peer
   * that does not read (.clients said "not reading" about any client that
   * was being written to at that moment). */
  g_mutex_lock (&self->sh->lock);
  pending = self->sh->write_pending
            && g_get_monotonic_time () - self->sh->write_since > WRITE_STUCK_US;
  g_mutex_unlock (&self->sh->lock);
  return pending;
}
