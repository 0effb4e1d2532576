/* kdh-packet-log.c: the packet log pane
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A traced link can produce thousands of packets a second. Appending a row
 * to a GtkListStore costs the model, the filter and the view each a little
 * work, so appends only queue a small copy of the event; a tick callback
 * moves a bounded batch into the store once per frame. The queue is cut to
 * the row limit as it grows, so a pane that is hidden (no frames) keeps no
 * more than it could show.
 */
#include "kdh-packet-log.h"
#include "kdh-app-resources.h"

#include <string.h>
#include <glib/gi18n.h>

#include "kd/kdh-packet.h"

#define DEFAULT_LIMIT        10000
/* Enough to keep up with any real link at 60 frames a second while a frame
 * stays well under its budget. */
#define MAX_ROWS_PER_FRAME   2000

enum {
  COL_TIME,
  COL_DIRECTION,
  COL_TYPE,
  COL_ID,
  COL_LENGTH,
  COL_MEANING,
  COL_VERDICT,
  COL_WARN,
  COL_WEIGHT,
  COL_HAYSTACK,
};

typedef struct {
  gint64 real_time_us;
  guint32 id;
  guint16 type;
  guint16 byte_count;
  gboolean outgoing;
  gboolean breakin;            /* the break-in byte, not a packet */
  gchar *verdict;
  gchar *meaning;
} PendingRow;

struct _KdhPacketLog
{
  GtkBox parent_instance;

  GtkListStore *store;
  GtkTreeModelFilter *filter;
  GtkSearchEntry *search_entry;
  GtkLabel *count_label;
  GtkScrolledWindow *scrolled;
  GtkTreeView *tree_view;
  GtkTreeViewColumn *time_column;
  GtkTreeViewColumn *direction_column;
  GtkTreeViewColumn *type_column;
  GtkTreeViewColumn *id_column;
  GtkTreeViewColumn *length_column;
  GtkTreeViewColumn *verdict_column;
  GtkCellRenderer *time_renderer;
  GtkCellRenderer *id_renderer;
  GtkCellRenderer *length_renderer;
  GtkCellRenderer *verdict_renderer;

  GQueue pending;              /* PendingRow, oldest first */
  guint tick_id;
  guint n_rows;                /* in the store */
  guint limit;
  gchar *needle;               /* case-folded; NULL shows every row */
  gboolean follow;             /* keep the newest row in view */
  gboolean capturing;          /* the engine's packet trace is on */

  gint64 cached_second;        /* formatting the time of day once a second */
  gchar cached_hms[16];

  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (KdhPacketLog, kdh_packet_log, GTK_TYPE_BOX)

static void
pending_row_free (gpointer data)
{
  PendingRow *row = data;

  g_free (row->verdict);
  g_free (row->meaning);
  g_free (row);
}

static void
format_time (KdhPacketLog *self,
             gint64        real_time_us,
             gchar        *buf,
             gsize         size)
{
  gint64 second = real_time_us / G_USEC_PER_SEC;
  gint64 ms = real_time_us % G_USEC_PER_SEC / 1000;

  if (ms < 0)
    {
      ms += 1000;
      second--;
    }
  if (second != self->cached_second)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_local (second);
      g_autofree gchar *hms = dt ? g_date_time_format (dt, "%H:%M:%S") : NULL;

      g_strlcpy (self->cached_hms, hms ? hms : "??:??:??", sizeof self->cached_hms);
      self->cached_second = second;
    }
  g_snprintf (buf, size, "%s.%03u", self->cached_hms, (guint) ms);
}

static void
update_count_label (KdhPacketLog *self)
{
  g_autofree gchar *text = NULL;

  if (self->needle == NULL && self->n_rows == 0 && !self->capturing)
    text = g_strdup (_("Capture is off: View > Capture Packets (Ctrl+Alt+D) starts it"));
  else if (self->needle == NULL)
    text = g_strdup_printf (ngettext ("%u packet", "%u packets", self->n_rows), self->n_rows);
  else
    {
      guint shown = gtk_tree_model_iter_n_children (GTK_TREE_MODEL (self->filter), NULL);

      text = g_strdup_printf (ngettext ("%u of %u packet", "%u of %u packets", self->n_rows),
                              shown, self->n_rows);
    }
  if (self->capturing)
    {
      /* Capture on, in words: the log is live. */
      g_autofree gchar *live = g_strdup_printf (_("Capturing · %s"), text);

      gtk_label_set_text (self->count_label, live);
    }
  else
    gtk_label_set_text (self->count_label, text);
}

void
kdh_packet_log_set_capturing (KdhPacketLog *self,
                              gboolean      capturing)
{
  g_return_if_fail (KDH_IS_PACKET_LOG (self));
  self->capturing = capturing;
  update_count_label (self);
}

static void
drop_oldest_rows (KdhPacketLog *self,
                  guint         n)
{
  GtkTreeIter iter;

  if (n == 0)
    return;
  if (n >= self->n_rows)
    {
      gtk_list_store_clear (self->store);
      self->n_rows = 0;
      return;
    }
  if (!gtk_tree_model_get_iter_first (GTK_TREE_MODEL (self->store), &iter))
    return;
  for (guint i = 0; i < n; i++)
    {
      self->n_rows--;
      if (!gtk_list_store_remove (self->store, &iter))
        break;
    }
}

static void
trim_pending (KdhPacketLog *self)
{
  while (self->pending.length > self->limit)
    pending_row_free (g_queue_pop_head (&self->pending));
}

static void
insert_row (KdhPacketLog     *self,
            const PendingRow *row)
{
  /* TRANSLATORS: the packet log's type for the lone byte that asks a
   * running target to stop */
  const gchar *type = row->breakin ? _("Break-in") : kdh_packet_type_name (row->type);
  const gchar *verdict = row->verdict ? row->verdict : "";
  const gchar *meaning = row->meaning ? row->meaning : "";
  g_autofree gchar *joined = g_strjoin ("\n", type, meaning, verdict, NULL);
  g_autofree gchar *haystack = g_utf8_casefold (joined, -1);
  gboolean warn = g_strcmp0 (verdict, "ok") != 0;
  gchar time[32];
  gchar id[16];

  format_time (self, row->real_time_us, time, sizeof time);
  /* No packet, no id: empty, as every empty value. */
  g_snprintf (id, sizeof id, row->breakin ? "—" : "%08x", row->id);
  gtk_list_store_insert_with_values (self->store, NULL, -1,
                                     COL_TIME, time,
                                     COL_DIRECTION, row->outgoing ? "→" : "←",
                                     COL_TYPE, type,
                                     COL_ID, id,
                                     COL_LENGTH, (guint) row->byte_count,
                                     COL_MEANING, meaning,
                                     COL_VERDICT, verdict,
                                     COL_WARN, warn,
                                     COL_WEIGHT, warn ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL,
                                     COL_HAYSTACK, haystack,
                                     -1);
  self->n_rows++;
}

static void
flush_pending (KdhPacketLog *self,
               guint         max_rows)
{
  guint n = MIN (max_rows, self->pending.length);

  if (n == 0)
    return;
  /* Make room first, so the store never holds more than the limit. */
  if (self->n_rows + n > self->limit)
    drop_oldest_rows (self, self->n_rows + n - self->limit);
  for (guint i = 0; i < n; i++)
    {
      PendingRow *row = g_queue_pop_head (&self->pending);

      insert_row (self, row);
      pending_row_free (row);
    }
  update_count_label (self);
}

static gboolean
flush_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       data)
{
  KdhPacketLog *self = KDH_PACKET_LOG (widget);

  flush_pending (self, MAX_ROWS_PER_FRAME);
  if (g_queue_is_empty (&self->pending))
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Autoscroll: follow the newest row while the view is at the bottom, and
 * stop following as soon as the user scrolls up. */

static gboolean
at_bottom (GtkAdjustment *adj)
{
  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
         >= gtk_adjustment_get_upper (adj) - 4;
}

static void
vadjustment_value_changed_cb (KdhPacketLog  *self,
                              GtkAdjustment *adj)
{
  self->follow = at_bottom (adj);
}

static void
vadjustment_changed_cb (KdhPacketLog  *self,
                        GtkAdjustment *adj)
{
  /* Rows arrived (upper grew): scroll after them if we were following. */
  if (self->follow && !at_bottom (adj))
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj)
                                   - gtk_adjustment_get_page_size (adj));
}

/* Filter */

static gboolean
row_visible (GtkTreeModel *model,
             GtkTreeIter  *iter,
             gpointer      data)
{
  KdhPacketLog *self = data;
  g_autofree gchar *haystack = NULL;

  if (self->needle == NULL)
    return TRUE;
  gtk_tree_model_get (model, iter, COL_HAYSTACK, &haystack, -1);
  return haystack && strstr (haystack, self->needle) != NULL;
}

static void
search_changed_cb (KdhPacketLog   *self,
                   GtkSearchEntry *entry)
{
  const gchar *text = gtk_entry_get_text (GTK_ENTRY (entry));
  g_autofree gchar *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->needle, g_free);
  if (*stripped)
    self->needle = g_utf8_casefold (stripped, -1);
  gtk_tree_model_filter_refilter (self->filter);
  update_count_label (self);
}

/* Escape in the search entry shows every row again. */
static void
stop_search_cb (KdhPacketLog   *self,
                GtkSearchEntry *entry)
{
  gtk_entry_set_text (GTK_ENTRY (entry), "");
}

/* Export */

static void
show_export_error (KdhPacketLog *self,
                   const GError *error)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  GtkWidget *dialog;

  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                   _("Could not export the packet log"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_widget_destroy), NULL);
  gtk_widget_show (dialog);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  KdhPacketLog *self = KDH_PACKET_LOG (source);
  g_autoptr (GError) error = NULL;

  if (!kdh_packet_log_export_finish (self, result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_export_error (self, error);
}

static void
chooser_response_cb (KdhPacketLog         *self,
                     gint                  response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      kdh_packet_log_export_async (self, file, NULL, export_done_cb, NULL);
    }
  g_clear_object (&self->chooser);
}

static void
export_clicked_cb (KdhPacketLog *self,
                   GtkButton    *button)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Export Packet Log"),
                                               GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel)
                                                                        : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), _("packets.txt"));
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
clear_clicked_cb (KdhPacketLog *self,
                  GtkButton    *button)
{
  kdh_packet_log_clear (self);
}

/* Column widths from the font in use, since fixed-height mode needs fixed
 * widths and the numbers must not be cut off at larger text sizes. */
static gint
text_width (KdhPacketLog *self,
            const gchar  *markup)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  gint width;

  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &width, NULL);
  /* Cell padding and the column separator. */
  return width + 16;
}

static void
size_columns (KdhPacketLog *self)
{
  g_autofree gchar *length_title = g_markup_escape_text (_("Length"), -1);

  gtk_tree_view_column_set_fixed_width (self->time_column, text_width (self, "00:00:00.000"));
  gtk_tree_view_column_set_fixed_width (self->direction_column,
                                        MAX (text_width (self, "→"), text_width (self, _("Dir"))));
  gtk_tree_view_column_set_fixed_width (self->type_column, text_width (self, "StateManipulate"));
  gtk_tree_view_column_set_fixed_width (self->id_column, text_width (self, "80800000"));
  gtk_tree_view_column_set_fixed_width (self->length_column,
                                        MAX (text_width (self, "65535"),
                                             text_width (self, length_title)));
  /* Verdicts other than "ok" are bold. */
  gtk_tree_view_column_set_fixed_width (self->verdict_column,
                                        text_width (self, "<b>bad checksum</b>"));
}

static void
kdh_packet_log_style_updated (GtkWidget *widget)
{
  KdhPacketLog *self = KDH_PACKET_LOG (widget);
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  GdkRGBA warning;

  GTK_WIDGET_CLASS (kdh_packet_log_parent_class)->style_updated (widget);

  /* Also called before the template is in place. */
  if (self->verdict_renderer == NULL)
    return;
  if (!gtk_style_context_lookup_color (context, "warning_color", &warning))
    gdk_rgba_parse (&warning, "#c64600");
  g_object_set (self->verdict_renderer, "foreground-rgba", &warning, NULL);
  size_columns (self);
}

/* Public API */

GtkWidget *
kdh_packet_log_new (void)
{
  return g_object_new (KDH_TYPE_PACKET_LOG, NULL);
}

void
kdh_packet_log_append (KdhPacketLog   *self,
                       const KdhEvent *packet_event)
{
  PendingRow *row;

  g_return_if_fail (KDH_IS_PACKET_LOG (self));
  g_return_if_fail (packet_event != NULL);

  /* Destroyed (its template children are gone) while events still come. */
  if (self->store == NULL)
    return;

  row = g_new (PendingRow, 1);
  row->real_time_us = packet_event->real_time_us;
  row->id = packet_event->packet_id;
  row->type = packet_event->packet_type;
  row->byte_count = packet_event->byte_count;
  row->outgoing = packet_event->outgoing;
  row->breakin = packet_event->breakin;
  row->verdict = g_strdup (packet_event->verdict);
  row->meaning = g_strdup (packet_event->meaning);
  g_queue_push_tail (&self->pending, row);
  trim_pending (self);
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), flush_tick_cb, NULL, NULL);
}

void
kdh_packet_log_clear (KdhPacketLog *self)
{
  g_return_if_fail (KDH_IS_PACKET_LOG (self));

  g_queue_clear_full (&self->pending, pending_row_free);
  if (self->store == NULL)
    return;
  gtk_list_store_clear (self->store);
  self->n_rows = 0;
  self->follow = TRUE;
  update_count_label (self);
}

void
kdh_packet_log_set_limit (KdhPacketLog *self,
                          guint         max_rows)
{
  g_return_if_fail (KDH_IS_PACKET_LOG (self));

  self->limit = MAX (max_rows, 1);
  trim_pending (self);
  if (self->store == NULL)
    return;
  /* Queued rows are newer than stored ones; keep the newest overall. */
  if (self->n_rows + self->pending.length > self->limit)
    drop_oldest_rows (self, self->n_rows + self->pending.length - self->limit);
  update_count_label (self);
}

guint
kdh_packet_log_get_n_rows (KdhPacketLog *self)
{
  g_return_val_if_fail (KDH_IS_PACKET_LOG (self), 0);

  return self->n_rows;
}

gchar *
kdh_packet_log_dup_text (KdhPacketLog *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  GString *text;
  gboolean valid;

  g_return_val_if_fail (KDH_IS_PACKET_LOG (self), NULL);

  if (self->filter == NULL)
    return g_strdup ("");
  model = GTK_TREE_MODEL (self->filter);
  text = g_string_new (NULL);
  for (valid = gtk_tree_model_get_iter_first (model, &iter); valid;
       valid = gtk_tree_model_iter_next (model, &iter))
    {
      g_autofree gchar *time = NULL;
      g_autofree gchar *direction = NULL;
      g_autofree gchar *type = NULL;
      g_autofree gchar *id = NULL;
      g_autofree gchar *meaning = NULL;
      g_autofree gchar *verdict = NULL;
      guint length;

      gtk_tree_model_get (model, &iter,
                          COL_TIME, &time,
                          COL_DIRECTION, &direction,
                          COL_TYPE, &type,
                          COL_ID, &id,
                          COL_LENGTH, &length,
                          COL_MEANING, &meaning,
                          COL_VERDICT, &verdict,
                          -1);
      /* The engine's console trace reads "verdict: meaning" too. */
      g_string_append_printf (text, "%s %s %-15s %s %5u %s: %s\n",
                              time, direction, type, id, length, verdict, meaning);
    }
  return g_string_free (text, FALSE);
}

static void
export_write_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
kdh_packet_log_export_async (KdhPacketLog        *self,
                             GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gchar *text;

  g_return_if_fail (KDH_IS_PACKET_LOG (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kdh_packet_log_export_async);
  /* A snapshot: rows that arrive during the write are not in the file. */
  text = kdh_packet_log_dup_text (self);
  bytes = g_bytes_new_take (text, strlen (text));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                                       export_write_cb, g_steal_pointer (&task));
}

gboolean
kdh_packet_log_export_finish (KdhPacketLog  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (KDH_IS_PACKET_LOG (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* GObject */

static void
kdh_packet_log_dispose (GObject *object)
{
  KdhPacketLog *self = KDH_PACKET_LOG (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_queue_clear_full (&self->pending, pending_row_free);
  G_OBJECT_CLASS (kdh_packet_log_parent_class)->dispose (object);
}

static void
kdh_packet_log_finalize (GObject *object)
{
  KdhPacketLog *self = KDH_PACKET_LOG (object);

  g_free (self->needle);
  G_OBJECT_CLASS (kdh_packet_log_parent_class)->finalize (object);
}

static void
kdh_packet_log_class_init (KdhPacketLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kdh_packet_log_dispose;
  object_class->finalize = kdh_packet_log_finalize;
  widget_class->style_updated = kdh_packet_log_style_updated;

  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-packet-log.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, store);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, filter);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, search_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, count_label);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, scrolled);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, tree_view);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, time_column);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, direction_column);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, type_column);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, id_column);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, length_column);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, verdict_column);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, time_renderer);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, id_renderer);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, length_renderer);
  gtk_widget_class_bind_template_child (widget_class, KdhPacketLog, verdict_renderer);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_set_css_name (widget_class, "kdhpacketlog");
}

static void
kdh_packet_log_init (KdhPacketLog *self)
{
  GtkAdjustment *vadj;
  g_autoptr (PangoAttrList) digits = pango_attr_list_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->limit = DEFAULT_LIMIT;
  self->follow = TRUE;
  self->cached_second = G_MININT64;
  g_queue_init (&self->pending);

  gtk_tree_model_filter_set_visible_func (self->filter, row_visible, self, NULL);

  /* Times, ids and lengths line up when every digit is as wide as the next. */
  pango_attr_list_insert (digits, pango_attr_font_features_new ("tnum"));
  g_object_set (self->time_renderer, "attributes", digits, NULL);
  g_object_set (self->id_renderer, "attributes", digits, NULL);
  g_object_set (self->length_renderer, "attributes", digits, NULL);

  vadj = gtk_scrolled_window_get_vadjustment (self->scrolled);
  g_signal_connect_object (vadj, "value-changed", G_CALLBACK (vadjustment_value_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vadj, "changed", G_CALLBACK (vadjustment_changed_cb), self,
                           G_CONNECT_SWAPPED);
  update_count_label (self);
}
