/* kdh-symbol-download.c: files from HTTP symbol servers
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-symbol-download.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libgcab.h>
#include <libsoup/soup.h>

/* Bounds: connecting, silence on an open connection, and the whole file. */
#define CONNECT_TIMEOUT_S 10
#define IDLE_TIMEOUT_S 30
#define TOTAL_TIMEOUT_S 600
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 2)
/* The window's progress bar moves more often than the lines are printed. */
#define PROGRESS_EVENT_INTERVAL_US (G_USEC_PER_SEC / 10)
#define MAX_FILE_BYTES (G_GINT64_CONSTANT (2) * 1024 * 1024 * 1024)
#define CHUNK 65536

typedef struct {
  KdhHost *host;
  const gchar *url;
  GCancellable *cancel;
  GInputStream *in;
  GOutputStream *out;
  guint status;
  goffset total;               /* -1 when the server does not say */
  goffset received;
  gint64 last_progress;
  gint64 last_event;
  GSource *event_due;          /* a held-back progress event, posted later */
  gboolean done;
  GError *error;
  guint8 buf[CHUNK];
} Download;

static void
finish (Download *d,
        GError   *error)
{
  if (error != NULL && d->error == NULL)
    d->error = error;
  else if (error != NULL)
    g_error_free (error);
  d->done = TRUE;
}

static void post_progress (Download *d, gboolean end);

static gboolean
on_event_due (gpointer data)
{
  Download *d = data;

  g_clear_pointer (&d->event_due, g_source_unref);
  post_progress (d, FALSE);
  return G_SOURCE_REMOVE;
}

/* For front ends that show a progress bar; @end when the download is over,
 * whatever its outcome. At most one event every PROGRESS_EVENT_INTERVAL_US,
 * and one held back is posted when its time comes: a transfer that stalls
 * shows how far it got. */
static void
post_progress (Download *d,
               gboolean  end)
{
  gint64 now = g_get_monotonic_time ();
  KdhEvent *event;
  const gchar *slash = strrchr (d->url, '/');

  if (!end && d->last_event != 0 && now - d->last_event < PROGRESS_EVENT_INTERVAL_US)
    {
      if (d->event_due == NULL)
        {
          gint64 wait_ms = (d->last_event + PROGRESS_EVENT_INTERVAL_US - now + 999) / 1000;

          d->event_due = g_timeout_source_new ((guint) CLAMP (wait_ms, 1, 1000));
          g_source_set_callback (d->event_due, on_event_due, d, NULL);
          g_source_attach (d->event_due, g_main_context_get_thread_default ());
        }
      return;
    }
  if (d->event_due != NULL)
    {
      g_source_destroy (d->event_due);
      g_clear_pointer (&d->event_due, g_source_unref);
    }
  d->last_event = now;
  event = kdh_event_new (KDH_EVENT_PROGRESS);
  event->text = g_strdup (slash && slash[1] ? slash + 1 : d->url);
  event->reason = g_strdup (d->url);
  event->progress_done = d->received;
  event->progress_total = d->total;
  event->progress_end = end;
  kdh_host_post (d->host, event);
}

static void
progress (Download *d,
          gboolean  last)
{
  gint64 now = g_get_monotonic_time ();

  if (!last)
    post_progress (d, FALSE);
  if (!last && now - d->last_progress < PROGRESS_INTERVAL_US)
    return;
  d->last_progress = now;
  if (d->total >= 0)
    kdh_host_printf (d->host, KDH_OUTPUT_DEBUGGER,
                     "SYMSRV:  %s: %" G_GOFFSET_FORMAT " of %" G_GOFFSET_FORMAT " bytes\n", d->url,
                     d->received, d->total);
  else
    kdh_host_printf (d->host, KDH_OUTPUT_DEBUGGER, "SYMSRV:  %s: %" G_GOFFSET_FORMAT " bytes\n",
                     d->url, d->received);
}

static void on_read (GObject *source, GAsyncResult *result, gpointer data);

static void
read_next (Download *d)
{
  g_input_stream_read_async (d->in, d->buf, sizeof d->buf, G_PRIORITY_DEFAULT, d->cancel,
                             on_read, d);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Download *d = data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      finish (d, error);
      return;
    }
  if (n == 0)
    {
      if (d->total >= 0 && d->received != d->total)
        finish (d, g_error_new (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                _("the server sent %" G_GOFFSET_FORMAT " of %" G_GOFFSET_FORMAT
                                  " bytes"), d->received, d->total));
      else
        finish (d, NULL);
      return;
    }
  if (!g_output_stream_write_all (d->out, d->buf, (gsize) n, NULL, d->cancel, &error))
    {
      finish (d, error);
      return;
    }
  d->received += n;
  if (d->received > MAX_FILE_BYTES)
    {
      finish (d, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                      _("the file is implausibly large")));
      return;
    }
  progress (d, FALSE);
  read_next (d);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Download *d = data;
  GError *error = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  d->in = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (d->in == NULL)
    {
      finish (d, error);
      return;
    }
  d->status = soup_message_get_status (msg);
  if (d->status != SOUP_STATUS_OK)
    {
      finish (d, g_error_new (G_IO_ERROR, d->status == SOUP_STATUS_NOT_FOUND
                                            ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_FAILED,
                              "HTTP %u %s", d->status, soup_message_get_reason_phrase (msg)));
      return;
    }
  d->total = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  if (d->total == 0
      && soup_message_headers_get_encoding (soup_message_get_response_headers (msg))
         != SOUP_ENCODING_CONTENT_LENGTH)
    d->total = -1;
  /* The size is known now: the bar can say how far. */
  d->last_event = 0;
  post_progress (d, FALSE);
  read_next (d);
}

static gboolean
is_done (gpointer data)
{
  return ((Download *) data)->done;
}

/* symsrv's name.pd_: a cabinet holding the one file. */
static gboolean
expand_cab (const gchar  *cab_path,
            const gchar  *dest,
            GError      **error)
{
  g_autoptr (GFile) cab_file = g_file_new_for_path (cab_path);
  g_autoptr (GFileInputStream) in = g_file_read (cab_file, NULL, error);
  g_autoptr (GCabCabinet) cab = gcab_cabinet_new ();
  g_autofree gchar *dir = g_path_get_dirname (dest);
  g_autofree gchar *base = g_path_get_basename (dest);
  g_autofree gchar *tmp_name = g_strconcat (base, ".expand", NULL);
  g_autofree gchar *tmp = g_build_filename (dir, tmp_name, NULL);
  g_autoptr (GFile) out_dir = g_file_new_for_path (dir);
  GPtrArray *folders;
  GSList *files;

  if (in == NULL || !gcab_cabinet_load (cab, G_INPUT_STREAM (in), NULL, error))
    return FALSE;
  folders = gcab_cabinet_get_folders (cab);
  files = folders->len > 0 ? gcab_folder_get_files (folders->pdata[0]) : NULL;
  if (files == NULL || files->next != NULL)
    {
      g_slist_free (files);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("the compressed file does not hold exactly one file"));
      return FALSE;
    }
  /* Whatever the cabinet calls it, it lands under a temporary name. */
  gcab_file_set_extract_name (files->data, tmp_name);
  g_slist_free (files);
  if (!gcab_cabinet_extract (cab, out_dir, NULL, NULL, NULL, NULL, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  if (g_rename (tmp, dest) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", dest,
                   g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

gboolean
kdh_symbol_download (KdhHost       *host,
                     GCancellable  *cancel,
                     const gchar   *url,
                     const gchar   *dest,
                     gboolean       compressed,
                     GError       **error)
{
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autofree gchar *part = g_strconcat (dest, compressed ? ".pd_.part" : ".part", NULL);
  g_autoptr (GFile) part_file = g_file_new_for_path (part);
  g_autoptr (GError) wait_error = NULL;
  Download *d;
  gboolean ok;

  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("'%s' is not a URL"), url);
      return FALSE;
    }
  d = g_new0 (Download, 1);
  d->host = host;
  d->url = url;
  d->cancel = cancel;
  d->total = -1;
  d->last_progress = g_get_monotonic_time ();
  d->out = G_OUTPUT_STREAM (g_file_replace (part_file, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                            error));
  if (d->out == NULL)
    {
      g_free (d);
      return FALSE;
    }
  post_progress (d, FALSE);
  session = soup_session_new_with_options ("timeout", IDLE_TIMEOUT_S,
                                           "idle-timeout", IDLE_TIMEOUT_S,
                                           "user-agent", "kdhost-symsrv/" KDH_VERSION, NULL);
  /* Connecting has its own, shorter bound than a stalled transfer. */
  soup_session_set_timeout (session, CONNECT_TIMEOUT_S + IDLE_TIMEOUT_S);
  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, cancel, on_sent, d);
  if (!kdh_host_wait (host, is_done, d, g_get_monotonic_time () + TOTAL_TIMEOUT_S * G_USEC_PER_SEC,
                      &wait_error))
    {
      /* Interrupted or out of time: stop the transfer, then let its
       * callbacks run out before the state they use goes. */
      g_cancellable_cancel (cancel);
      while (!d->done)
        g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
      g_clear_error (&d->error);
      d->error = g_steal_pointer (&wait_error);
    }
  if (d->error == NULL && d->received > 0)
    progress (d, TRUE);
  post_progress (d, TRUE);
  g_output_stream_close (d->out, NULL, NULL);
  g_clear_object (&d->out);
  g_clear_object (&d->in);
  ok = d->error == NULL;
  if (!ok)
    {
      if (g_error_matches (d->error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && wait_error == NULL)
        {
          g_clear_error (&d->error);
          d->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cancelled"));
        }
      g_propagate_error (error, g_steal_pointer (&d->error));
    }
  g_free (d);
  if (ok && compressed)
    ok = expand_cab (part, dest, error);
  else if (ok && g_rename (part, dest) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", dest,
                   g_strerror (errno));
      ok = FALSE;
    }
  g_unlink (part);
  return ok;
}
