/* kdh-connection-monitor.c: the connection monitor pane
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Events only change the data kept here and queue a redraw; GTK folds any
 * number of queued redraws into one per frame, so a burst of events costs
 * one paint. A one-second clock moves the time axes while the pane is
 * mapped.
 */
#include "kdh-connection-monitor.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

#include "kdh-monitor-draw.h"
#include "kdh-state-style.h"
#include "kdh-throughput-draw.h"

#define TIMELINE_WINDOW_US   (5 * 60 * G_USEC_PER_SEC)
#define MAX_SEGMENTS         1000

typedef struct {
  gint64 start_us;             /* monotonic */
  gint64 real_start_us;
  KdhConnState state;
  guint attempt;
  gchar *reason;
} Segment;

typedef enum {
  COUNTER_PACKETS_IN,
  COUNTER_PACKETS_OUT,
  COUNTER_BYTES_IN,
  COUNTER_BYTES_OUT,
  COUNTER_ACKS_IN,
  COUNTER_ACKS_OUT,
  COUNTER_RESENDS_IN,
  COUNTER_RESENDS_OUT,
  COUNTER_RESETS_IN,
  COUNTER_RESETS_OUT,
  COUNTER_CHECKSUM_ERRORS,
  COUNTER_TIMEOUTS,
  COUNTER_RETRANSMITS,
  COUNTER_DUPLICATES,
  COUNTER_RESYNCS,
  COUNTER_RESTARTS,
  COUNTER_REBOOTS,
  COUNTER_GARBAGE_BYTES,
  COUNTER_DATAGRAMS_IN,
  COUNTER_DATAGRAMS_OUT,
  COUNTER_DATAGRAMS_DROPPED,
  N_COUNTERS
} Counter;

#define STATS_FIELD(f) G_STRUCT_OFFSET (KdhLinkStats, f)

static const struct {
  const gchar *name;
  gssize offset;               /* into KdhLinkStats; -1: counted here */
  gboolean bytes;              /* shown as a size */
} counters[N_COUNTERS] = {
  [COUNTER_PACKETS_IN] = { "packets-in", STATS_FIELD (packets_in), FALSE },
  [COUNTER_PACKETS_OUT] = { "packets-out", STATS_FIELD (packets_out), FALSE },
  [COUNTER_BYTES_IN] = { "bytes-in", STATS_FIELD (bytes_in), TRUE },
  [COUNTER_BYTES_OUT] = { "bytes-out", STATS_FIELD (bytes_out), TRUE },
  [COUNTER_ACKS_IN] = { "acks-in", STATS_FIELD (acks_in), FALSE },
  [COUNTER_ACKS_OUT] = { "acks-out", STATS_FIELD (acks_out), FALSE },
  [COUNTER_RESENDS_IN] = { "resends-in", STATS_FIELD (resends_in), FALSE },
  [COUNTER_RESENDS_OUT] = { "resends-out", STATS_FIELD (resends_out), FALSE },
  [COUNTER_RESETS_IN] = { "resets-in", STATS_FIELD (resets_in), FALSE },
  [COUNTER_RESETS_OUT] = { "resets-out", STATS_FIELD (resets_out), FALSE },
  [COUNTER_CHECKSUM_ERRORS] = { "checksum-errors", STATS_FIELD (checksum_errors), FALSE },
  [COUNTER_TIMEOUTS] = { "timeouts", STATS_FIELD (timeouts), FALSE },
  [COUNTER_RETRANSMITS] = { "retransmits", STATS_FIELD (retransmits), FALSE },
  [COUNTER_DUPLICATES] = { "duplicates", STATS_FIELD (duplicates), FALSE },
  [COUNTER_RESYNCS] = { "resyncs", STATS_FIELD (syncs), FALSE },
  [COUNTER_RESTARTS] = { "restarts", -1, FALSE },
  [COUNTER_REBOOTS] = { "reboots", STATS_FIELD (target_reboots), FALSE },
  [COUNTER_GARBAGE_BYTES] = { "garbage-bytes", STATS_FIELD (garbage_bytes), FALSE },
  [COUNTER_DATAGRAMS_IN] = { "datagrams-in", STATS_FIELD (datagrams_in), FALSE },
  [COUNTER_DATAGRAMS_OUT] = { "datagrams-out", STATS_FIELD (datagrams_out), FALSE },
  [COUNTER_DATAGRAMS_DROPPED] = { "datagrams-dropped", STATS_FIELD (datagrams_dropped), FALSE },
};

/* Rows of the counter grid: a pair of columns (in, out) or one value. */
static const struct {
  const gchar *title;
  Counter first;
  gint second;                 /* -1: a single value across both columns */
} grid_rows[] = {
  { N_("Packets"), COUNTER_PACKETS_IN, COUNTER_PACKETS_OUT },
  { N_("Bytes"), COUNTER_BYTES_IN, COUNTER_BYTES_OUT },
  { N_("ACKs"), COUNTER_ACKS_IN, COUNTER_ACKS_OUT },
  { N_("RESENDs"), COUNTER_RESENDS_IN, COUNTER_RESENDS_OUT },
  { N_("RESETs"), COUNTER_RESETS_IN, COUNTER_RESETS_OUT },
  /* Damaged packets: a bad checksum, trailer, length or type, or cut
   * short; each asked for again. The packet log's verdicts name each
   * "checksum error" too. */
  { N_("Checksum errors"), COUNTER_CHECKSUM_ERRORS, -1 },
  { N_("Timeouts"), COUNTER_TIMEOUTS, -1 },
  { N_("Retransmits"), COUNTER_RETRANSMITS, -1 },
  { N_("Duplicates"), COUNTER_DUPLICATES, -1 },
  { N_("Resyncs"), COUNTER_RESYNCS, -1 },
  { N_("Restarts"), COUNTER_RESTARTS, -1 },
  { N_("Target reboots"), COUNTER_REBOOTS, -1 },
  { N_("Garbage bytes"), COUNTER_GARBAGE_BYTES, -1 },
  /* KDNET: a bad tag, signature or length, a stale sequence, a stranger's. */
  { N_("Datagrams"), COUNTER_DATAGRAMS_IN, COUNTER_DATAGRAMS_OUT },
  { N_("Datagrams dropped"), COUNTER_DATAGRAMS_DROPPED, -1 },
};

struct _KdhConnectionMonitor
{
  GtkBox parent_instance;

  GtkLabel *state_label;
  GtkDrawingArea *timeline;
  GtkLabel *rtt_label;
  GtkLabel *last_rx_label;
  GtkGrid *counter_grid;
  GtkLabel *rate_label;
  GtkDrawingArea *graph;
  GtkLabel *legend_label;

  GtkLabel *value_labels[N_COUNTERS];
  guint64 shown[N_COUNTERS];

  GArray *segments;            /* Segment, oldest first */
  KdhThroughput *throughput;
  KdhLinkStats stats;
  gboolean have_stats;
  guint64 restarts;
  gdouble top;                 /* bytes per second at the top of the graph */

  guint clock_id;
};

G_DEFINE_FINAL_TYPE (KdhConnectionMonitor, kdh_connection_monitor, GTK_TYPE_BOX)

static void
segment_clear (gpointer data)
{
  Segment *segment = data;

  g_clear_pointer (&segment->reason, g_free);
}

/* Timeline */

static gint64
segment_end (KdhConnectionMonitor *self,
             guint                 i,
             gint64                now)
{
  if (i + 1 < self->segments->len)
    return g_array_index (self->segments, Segment, i + 1).start_us;
  return MAX (now, g_array_index (self->segments, Segment, i).start_us);
}

/* Drops segments that ended before the window; the newest always stays, as
 * it lasts until now. */
static void
prune_segments (KdhConnectionMonitor *self,
                gint64                now)
{
  guint drop = 0;

  while (drop + 1 < self->segments->len
         && g_array_index (self->segments, Segment, drop + 1).start_us <= now - TIMELINE_WINDOW_US)
    drop++;
  if (self->segments->len - drop > MAX_SEGMENTS)
    drop = self->segments->len - MAX_SEGMENTS;
  if (drop > 0)
    g_array_remove_range (self->segments, 0, drop);
}

static gboolean
timeline_draw_cb (KdhConnectionMonitor *self,
                  cairo_t              *cr,
                  GtkWidget            *area)
{
  gdouble width = gtk_widget_get_allocated_width (area);
  gdouble height = gtk_widget_get_allocated_height (area);
  gint64 now = g_get_monotonic_time ();
  gint64 from = now - TIMELINE_WINDOW_US;
  GdkRGBA fg;

  kdh_monitor_get_foreground (area, &fg);
  kdh_monitor_begin_trough (cr, &fg, width, height);
  for (guint i = 0; i < self->segments->len; i++)
    {
      const Segment *segment = &g_array_index (self->segments, Segment, i);
      gint64 start = MAX (segment->start_us, from);
      gint64 end = segment_end (self, i, now);
      gdouble x0, x1;
      GdkRGBA color;

      if (end <= from)
        continue;
      /* Whole pixels, so that neighbours meet without a seam. */
      x0 = (gint) (width * (start - from) / TIMELINE_WINDOW_US);
      x1 = (gint) (width * (end - from) / TIMELINE_WINDOW_US + 0.999);
      kdh_state_style_get_color (segment->state, &color);
      gdk_cairo_set_source_rgba (cr, &color);
      /* At least a pixel, so that a short resync still shows. */
      cairo_rectangle (cr, x0, 0, MAX (x1 - x0, 1), height);
      cairo_fill (cr);
    }
  kdh_monitor_vertical_ticks (cr, &fg, width, height, 5);
  kdh_monitor_end_trough (cr, &fg, width, height);
  return FALSE;
}

static gboolean
timeline_query_tooltip_cb (KdhConnectionMonitor *self,
                           gint                  x,
                           gint                  y,
                           gboolean              keyboard_mode,
                           GtkTooltip           *tooltip,
                           GtkWidget            *area)
{
  gint width = gtk_widget_get_allocated_width (area);
  gint64 now = g_get_monotonic_time ();
  gint64 t;
  GString *markup;

  if (keyboard_mode || width <= 0 || self->segments->len == 0)
    return FALSE;
  t = now - TIMELINE_WINDOW_US + (gint64) ((gdouble) x / width * TIMELINE_WINDOW_US);
  for (guint i = self->segments->len; i-- > 0;)
    {
      const Segment *segment = &g_array_index (self->segments, Segment, i);
      gint64 end = segment_end (self, i, now);
      gboolean current = i + 1 == self->segments->len;
      g_autofree gchar *since = NULL;
      g_autofree gchar *duration = NULL;

      if (segment->start_us > t)
        continue;
      markup = g_string_new (NULL);
      g_string_append_printf (markup, "<b>%s</b>", kdh_conn_state_name (segment->state));
      if (segment->attempt > 1)
        g_string_append_printf (markup, _(" (attempt %u)"), segment->attempt);
      if (segment->reason && *segment->reason)
        {
          g_autofree gchar *reason = g_markup_escape_text (segment->reason, -1);

          g_string_append_printf (markup, "\n%s", reason);
        }
      since = kdh_monitor_format_wall_clock (segment->real_start_us);
      duration = kdh_monitor_format_duration (end - segment->start_us);
      g_string_append_c (markup, '\n');
      if (current)
        g_string_append_printf (markup, _("Since %s, %s"), since, duration);
      else
        g_string_append_printf (markup, _("From %s, for %s"), since, duration);
      gtk_tooltip_set_markup (tooltip, markup->str);
      g_string_free (markup, TRUE);
      return TRUE;
    }
  return FALSE;
}

/* The current state in words, with the timeline's colour as its legend. */
static void
update_state_label (KdhConnectionMonitor *self)
{
  const Segment *segment = NULL;
  KdhConnState state = KDH_CONN_DISCONNECTED;
  const gchar *reason = NULL;
  g_autofree gchar *hex = NULL;
  g_autofree gchar *markup = NULL;
  GdkRGBA color;

  if (self->segments->len > 0)
    {
      segment = &g_array_index (self->segments, Segment, self->segments->len - 1);
      state = segment->state;
      if (segment->reason && *segment->reason)
        reason = segment->reason;
    }
  kdh_state_style_get_color (state, &color);
  hex = kdh_monitor_color_to_hex (&color);
  markup = g_markup_printf_escaped ("<span foreground=\"%s\">●</span> <b>%s</b>%s%s", hex,
                                    kdh_conn_state_name (state), reason ? " — " : "",
                                    reason ? reason : "");
  gtk_label_set_markup (self->state_label, markup);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), reason);
}

/* Counters and timing */

static guint64
counter_value (KdhConnectionMonitor *self,
               Counter               counter)
{
  if (counters[counter].offset < 0)
    return self->restarts;
  return G_STRUCT_MEMBER (guint64, &self->stats, counters[counter].offset);
}

static void
show_counter (KdhConnectionMonitor *self,
              Counter               counter,
              gboolean              force)
{
  guint64 value = counter_value (self, counter);
  GtkLabel *label = self->value_labels[counter];
  g_autofree gchar *text = NULL;

  if (value == self->shown[counter] && !force)
    return;
  self->shown[counter] = value;
  if (counters[counter].bytes)
    {
      g_autofree gchar *number = g_strdup_printf ("%'" G_GUINT64_FORMAT, value);
      g_autofree gchar *exact = g_strdup_printf (_("%s bytes"), number);

      text = value < 1000 ? g_strdup_printf ("%" G_GUINT64_FORMAT " B", value)
                          : g_format_size (value);
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), exact);
    }
  else
    text = g_strdup_printf ("%'" G_GUINT64_FORMAT, value);
  gtk_label_set_text (label, text);
}

/* The datagram rows only for a link that counts datagrams (KDNET): on a
 * serial line they would be two rows of zeros pushing the graph down. */
static void
show_datagram_rows (KdhConnectionMonitor *self)
{
  gboolean kdnet = counter_value (self, COUNTER_DATAGRAMS_IN) > 0
                   || counter_value (self, COUNTER_DATAGRAMS_OUT) > 0
                   || counter_value (self, COUNTER_DATAGRAMS_DROPPED) > 0;

  for (guint row = 0; row < G_N_ELEMENTS (grid_rows); row++)
    if (grid_rows[row].first >= COUNTER_DATAGRAMS_IN)
      for (gint column = 0; column < 3; column++)
        {
          GtkWidget *cell = gtk_grid_get_child_at (self->counter_grid, column, (gint) row + 1);

          if (cell)
            gtk_widget_set_visible (cell, kdnet);
        }
}

static void
update_counters (KdhConnectionMonitor *self)
{
  for (guint i = 0; i < N_COUNTERS; i++)
    show_counter (self, i, FALSE);
  show_datagram_rows (self);
}

static void
update_timing (KdhConnectionMonitor *self)
{
  g_autofree gchar *rtt = NULL;
  g_autofree gchar *last_rx = NULL;

  if (!self->have_stats || self->stats.last_rtt_us < 0)
    rtt = g_strdup ("—");
  else if (self->stats.last_rtt_us < 1000)
    rtt = g_strdup_printf (_("%u µs"), (guint) self->stats.last_rtt_us);
  else if (self->stats.last_rtt_us < G_USEC_PER_SEC)
    rtt = g_strdup_printf (_("%.1f ms"), self->stats.last_rtt_us / 1000.0);
  else
    rtt = g_strdup_printf (_("%.2f s"), self->stats.last_rtt_us / 1e6);
  gtk_label_set_text (self->rtt_label, rtt);

  if (!self->have_stats)
    last_rx = g_strdup ("—");
  else if (self->stats.last_rx_us == 0)
    last_rx = g_strdup ("—");   /* as every empty value */
  else
    {
      gint64 ago = g_get_monotonic_time () - self->stats.last_rx_us;

      if (ago < G_USEC_PER_SEC)
        last_rx = g_strdup (_("just now"));
      else
        {
          g_autofree gchar *duration = kdh_monitor_format_duration (ago);

          /* TRANSLATORS: a duration, such as "12 s ago" */
          last_rx = g_strdup_printf (_("%s ago"), duration);
        }
    }
  gtk_label_set_text (self->last_rx_label, last_rx);
}

static void
build_counter_grid (KdhConnectionMonitor *self)
{
  GtkGrid *grid = self->counter_grid;
  const gchar *headers[] = { N_("In"), N_("Out") };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      GtkWidget *header = gtk_label_new (_(headers[i]));

      gtk_label_set_xalign (GTK_LABEL (header), 1);
      gtk_style_context_add_class (gtk_widget_get_style_context (header), "dim-label");
      gtk_widget_show (header);
      gtk_grid_attach (grid, header, 1 + i, 0, 1, 1);
    }

  for (guint row = 0; row < G_N_ELEMENTS (grid_rows); row++)
    {
      GtkWidget *title = gtk_label_new (_(grid_rows[row].title));
      gint columns = grid_rows[row].second < 0 ? 1 : 2;

      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_widget_set_hexpand (title, TRUE);
      gtk_style_context_add_class (gtk_widget_get_style_context (title), "dim-label");
      gtk_widget_show (title);
      gtk_grid_attach (grid, title, 0, row + 1, 1, 1);

      for (gint c = 0; c < columns; c++)
        {
          Counter counter = c == 0 ? grid_rows[row].first : (Counter) grid_rows[row].second;
          GtkWidget *value = gtk_label_new (NULL);

          gtk_label_set_xalign (GTK_LABEL (value), 1);
          /* Room for a few digits, so the columns do not jump as counts grow. */
          gtk_label_set_width_chars (GTK_LABEL (value), 7);
          gtk_style_context_add_class (gtk_widget_get_style_context (value),
                                       "kdh-monitor-counter");
          gtk_widget_show (value);
          /* A single value spans both columns and ends under "Out". */
          gtk_grid_attach (grid, value, 1 + c, row + 1, columns == 1 ? 2 : 1, 1);
          self->value_labels[counter] = GTK_LABEL (value);
        }
    }
  for (guint i = 0; i < N_COUNTERS; i++)
    show_counter (self, i, TRUE);
  show_datagram_rows (self);
}

/* Throughput */

static void
update_throughput (KdhConnectionMonitor *self)
{
  gint64 now = g_get_monotonic_time ();
  gdouble top = kdh_throughput_scale_top (kdh_throughput_peak (self->throughput, now));
  gdouble in_rate, out_rate;
  g_autofree gchar *in_hex = kdh_monitor_color_to_hex (&kdh_throughput_in_color);
  g_autofree gchar *out_hex = kdh_monitor_color_to_hex (&kdh_throughput_out_color);
  g_autofree gchar *in_text = NULL;
  g_autofree gchar *out_text = NULL;
  g_autofree gchar *total_text = NULL;
  g_autofree gchar *in_label = NULL;
  g_autofree gchar *out_label = NULL;
  g_autofree gchar *legend = NULL;

  if (top != self->top)
    {
      g_autofree gchar *top_text = kdh_throughput_format_tick (top);
      g_autofree gchar *tooltip = NULL;

      self->top = top;
      /* TRANSLATORS: %s is the top of the graph's scale, such as "10 kB/s" */
      tooltip = g_strdup_printf (_("Bytes per second each way, one column a second; "
                                   "logarithmic scale up to %s"), top_text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->graph), tooltip);
    }

  kdh_throughput_current (self->throughput, now, &in_rate, &out_rate);
  in_text = kdh_monitor_format_rate (in_rate);
  out_text = kdh_monitor_format_rate (out_rate);
  /* The figure in the corner: both ways together, now. */
  total_text = kdh_monitor_format_rate (in_rate + out_rate);
  gtk_label_set_text (self->rate_label, total_text);
  /* TRANSLATORS: the incoming data rate, such as "In 1.2 kB/s" */
  in_label = g_strdup_printf (_("In %s"), in_text);
  /* TRANSLATORS: the outgoing data rate, such as "Out 300 B/s" */
  out_label = g_strdup_printf (_("Out %s"), out_text);
  legend = g_markup_printf_escaped ("<span foreground=\"%s\">■</span> %s     "
                                    "<span foreground=\"%s\">■</span> %s",
                                    in_hex, in_label, out_hex, out_label);
  gtk_label_set_markup (self->legend_label, legend);
}

static gboolean
graph_draw_cb (KdhConnectionMonitor *self,
               cairo_t              *cr,
               GtkWidget            *area)
{
  kdh_throughput_draw (cr, area, self->throughput, g_get_monotonic_time (), self->top);
  return FALSE;
}

/* The clock */

static gboolean
clock_cb (gpointer data)
{
  KdhConnectionMonitor *self = data;

  prune_segments (self, g_get_monotonic_time ());
  update_timing (self);
  update_throughput (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->timeline));
  gtk_widget_queue_draw (GTK_WIDGET (self->graph));
  return G_SOURCE_CONTINUE;
}

static void
kdh_connection_monitor_map (GtkWidget *widget)
{
  KdhConnectionMonitor *self = KDH_CONNECTION_MONITOR (widget);

  GTK_WIDGET_CLASS (kdh_connection_monitor_parent_class)->map (widget);
  /* The axes only move while someone can see them. */
  if (self->clock_id == 0)
    self->clock_id = g_timeout_add_seconds (1, clock_cb, self);
  clock_cb (self);
}

static void
kdh_connection_monitor_unmap (GtkWidget *widget)
{
  KdhConnectionMonitor *self = KDH_CONNECTION_MONITOR (widget);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  GTK_WIDGET_CLASS (kdh_connection_monitor_parent_class)->unmap (widget);
}

/* Public API */

GtkWidget *
kdh_connection_monitor_new (void)
{
  return g_object_new (KDH_TYPE_CONNECTION_MONITOR, NULL);
}

void
kdh_connection_monitor_add_state (KdhConnectionMonitor *self,
                                  const KdhEvent       *state_event)
{
  Segment segment = { 0 };

  g_return_if_fail (KDH_IS_CONNECTION_MONITOR (self));
  g_return_if_fail (state_event != NULL);

  /* Destroyed (its template children are gone) while events still come. */
  if (self->timeline == NULL)
    return;

  segment.start_us = state_event->time_us;
  segment.real_start_us = state_event->real_time_us;
  segment.state = state_event->state;
  segment.attempt = state_event->attempt;
  segment.reason = g_strdup (state_event->reason);
  /* Keep the timeline ordered even if a late event carries an older time. */
  if (self->segments->len > 0)
    {
      const Segment *last = &g_array_index (self->segments, Segment, self->segments->len - 1);

      segment.start_us = MAX (segment.start_us, last->start_us);
    }
  g_array_append_val (self->segments, segment);
  prune_segments (self, MAX (g_get_monotonic_time (), segment.start_us));

  if (segment.state == KDH_CONN_RESTARTING)
    {
      self->restarts++;
      show_counter (self, COUNTER_RESTARTS, FALSE);
    }
  update_state_label (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->timeline));
}

void
kdh_connection_monitor_set_stats (KdhConnectionMonitor *self,
                                  const KdhLinkStats   *stats,
                                  gint64                time_us)
{
  g_return_if_fail (KDH_IS_CONNECTION_MONITOR (self));
  g_return_if_fail (stats != NULL);

  if (self->graph == NULL)
    return;

  kdh_throughput_add (self->throughput, stats->bytes_in, stats->bytes_out, time_us);
  self->stats = *stats;
  self->have_stats = TRUE;
  update_counters (self);
  update_timing (self);
  update_throughput (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->graph));
}

guint64
kdh_connection_monitor_get_counter (KdhConnectionMonitor *self,
                                    const gchar          *name)
{
  g_return_val_if_fail (KDH_IS_CONNECTION_MONITOR (self), 0);
  g_return_val_if_fail (name != NULL, 0);

  for (guint i = 0; i < N_COUNTERS; i++)
    if (g_str_equal (counters[i].name, name))
      return self->shown[i];
  g_critical ("%s: no counter named \"%s\"", G_STRFUNC, name);
  return 0;
}

guint
kdh_connection_monitor_get_n_segments (KdhConnectionMonitor *self)
{
  g_return_val_if_fail (KDH_IS_CONNECTION_MONITOR (self), 0);

  return self->segments->len;
}

/* GObject */

static void
kdh_connection_monitor_dispose (GObject *object)
{
  KdhConnectionMonitor *self = KDH_CONNECTION_MONITOR (object);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  G_OBJECT_CLASS (kdh_connection_monitor_parent_class)->dispose (object);
}

static void
kdh_connection_monitor_finalize (GObject *object)
{
  KdhConnectionMonitor *self = KDH_CONNECTION_MONITOR (object);

  g_clear_pointer (&self->segments, g_array_unref);
  g_clear_pointer (&self->throughput, kdh_throughput_free);
  G_OBJECT_CLASS (kdh_connection_monitor_parent_class)->finalize (object);
}

static void
kdh_connection_monitor_class_init (KdhConnectionMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kdh_connection_monitor_dispose;
  object_class->finalize = kdh_connection_monitor_finalize;
  widget_class->map = kdh_connection_monitor_map;
  widget_class->unmap = kdh_connection_monitor_unmap;

  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-connection-monitor.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, state_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, timeline);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, rtt_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, last_rx_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, counter_grid);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, rate_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, graph);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectionMonitor, legend_label);
  gtk_widget_class_bind_template_callback (widget_class, timeline_draw_cb);
  gtk_widget_class_bind_template_callback (widget_class, timeline_query_tooltip_cb);
  gtk_widget_class_bind_template_callback (widget_class, graph_draw_cb);
  gtk_widget_class_set_css_name (widget_class, "kdhconnectionmonitor");
}

static void
kdh_connection_monitor_init (KdhConnectionMonitor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  g_array_set_clear_func (self->segments, segment_clear);
  self->throughput = kdh_throughput_new ();
  self->stats.last_rtt_us = -1;

  build_counter_grid (self);
  update_timing (self);
  update_throughput (self);
  update_state_label (self);
}
