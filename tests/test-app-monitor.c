/* test-app-monitor.c: the connection monitor, fed synthetic engine events
 * under a real display
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The counters and labels are read as shown; the timeline and the
 * throughput graph are drawn into images whose pixels are checked where a
 * known history of states and traffic must put them. Set
 * KDH_TEST_ARTIFACTS to keep the images.
 */
#include <math.h>
#include <string.h>
#include <gtk/gtk.h>

#include "target/kdh-event.h"
#include "kd/kdh-packet.h"
#include "kdh-connection-monitor.h"
#include "kdh-packet-log.h"
#include "kdh-state-style.h"
#include "kdh-test-gtk.h"

#define SEC G_USEC_PER_SEC
/* What the monitor promises to show: the states of the last 5 minutes and
 * the throughput of the last minute (kdh-connection-monitor.h, .ui). */
#define TIMELINE_S 300
#define GRAPH_S 60

static gboolean have_display;

/* Connection monitor */

static KdhEvent *
make_state (KdhConnState  state,
            gint64        ago_us,
            const gchar  *reason,
            guint         attempt)
{
  KdhEvent *event = kdh_event_new (KDH_EVENT_STATE);

  event->time_us -= ago_us;
  event->real_time_us -= ago_us;
  event->state = state;
  event->reason = g_strdup (reason);
  event->attempt = attempt;
  return event;
}

static void
add_state (KdhConnectionMonitor *monitor,
           KdhConnState          state,
           gint64                ago_us,
           const gchar          *reason,
           guint                 attempt)
{
  g_autoptr (KdhEvent) event = make_state (state, ago_us, reason, attempt);

  kdh_connection_monitor_add_state (monitor, event);
}

static const gchar *
label_text (GtkWidget   *widget,
            GType        type,
            const gchar *child)
{
  GObject *label = gtk_widget_get_template_child (widget, type, child);

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

/* Whether the counter grid shows its "Datagrams" row. */
static gboolean
datagram_row_shown (GtkWidget *monitor)
{
  GObject *grid = gtk_widget_get_template_child (monitor, KDH_TYPE_CONNECTION_MONITOR,
                                                 "counter_grid");
  g_autoptr (GList) children = gtk_container_get_children (GTK_CONTAINER (grid));
  gboolean shown = FALSE, found = FALSE;

  for (GList *l = children; l; l = l->next)
    if (GTK_IS_LABEL (l->data) && g_str_equal (gtk_label_get_text (l->data), "Datagrams"))
      {
        found = TRUE;
        shown = gtk_widget_get_visible (l->data);
      }
  g_assert_true (found);
  return shown;
}

static void
test_monitor_counters (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhConnectionMonitor *monitor;
  KdhLinkStats stats = { 0 };
  g_autofree gchar *rtt = NULL;
  const struct {
    const gchar *name;
    guint64 *field;
  } expect[] = {
    { "packets-in", &stats.packets_in }, { "packets-out", &stats.packets_out },
    { "bytes-in", &stats.bytes_in }, { "bytes-out", &stats.bytes_out },
    { "acks-in", &stats.acks_in }, { "acks-out", &stats.acks_out },
    { "resends-in", &stats.resends_in }, { "resends-out", &stats.resends_out },
    { "resets-in", &stats.resets_in }, { "resets-out", &stats.resets_out },
    { "checksum-errors", &stats.checksum_errors }, { "timeouts", &stats.timeouts },
    { "retransmits", &stats.retransmits }, { "duplicates", &stats.duplicates },
    { "resyncs", &stats.syncs }, { "reboots", &stats.target_reboots },
    { "garbage-bytes", &stats.garbage_bytes },
    { "datagrams-in", &stats.datagrams_in }, { "datagrams-out", &stats.datagrams_out },
    { "datagrams-dropped", &stats.datagrams_dropped },
  };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = kdh_test_gtk_show (widget, 360, 700);

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, expect[i].name), ==, 0);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rtt_label"), ==, "—");
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), ==, "—");
  /* No datagram rows on a link that counts none (serial, pipe, sim:). */
  g_assert_false (datagram_row_shown (widget));

  /* Distinct values, so that a field shown in the wrong place is caught. */
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    *expect[i].field = 1000 + 17 * i;
  stats.bytes_in = 123456789;
  stats.last_rtt_us = -1;
  stats.last_rx_us = 0;
  kdh_connection_monitor_set_stats (monitor, &stats, g_get_monotonic_time ());
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, expect[i].name), ==,
                      *expect[i].field);
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "restarts"), ==, 0);
  /* KDNET counts datagrams: its rows are there. */
  g_assert_true (datagram_row_shown (widget));
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rtt_label"), ==, "—");
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), ==, "—");

  stats.packets_in++;
  stats.last_rtt_us = 1500;
  stats.last_rx_us = g_get_monotonic_time () - 3 * SEC - SEC / 4;
  kdh_connection_monitor_set_stats (monitor, &stats, g_get_monotonic_time ());
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "packets-in"), ==,
                    stats.packets_in);
  rtt = g_strdup_printf ("%.1f ms", 1.5);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rtt_label"), ==, rtt);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), ==,
                   "3 s ago");

  /* The once-a-second clock moves "last packet" on without new statistics. */
  stats.last_rx_us = g_get_monotonic_time () - SEC / 2;
  kdh_connection_monitor_set_stats (monitor, &stats, g_get_monotonic_time ());
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), ==,
                   "just now");
  kdh_test_gtk_iterate_for (2600);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), !=,
                   "just now");

  kdh_test_gtk_destroy (window, widget);
}

static void
test_monitor_restarts (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhConnectionMonitor *monitor;
  KdhLinkStats stats = { 0 };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = kdh_test_gtk_show (widget, 360, 700);

  add_state (monitor, KDH_CONN_OPENING, 50 * SEC, NULL, 0);
  add_state (monitor, KDH_CONN_SYNCHRONIZING, 49 * SEC, NULL, 1);
  add_state (monitor, KDH_CONN_BREAK, 48 * SEC, NULL, 0);
  add_state (monitor, KDH_CONN_RESTARTING, 40 * SEC, NULL, 0);
  add_state (monitor, KDH_CONN_OPENING, 39 * SEC, NULL, 0);
  add_state (monitor, KDH_CONN_RUNNING, 38 * SEC, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "restarts"), ==, 1);
  add_state (monitor, KDH_CONN_RESYNCHRONIZING, 30 * SEC, "target did not answer", 2);
  add_state (monitor, KDH_CONN_RESTARTING, 20 * SEC, NULL, 0);
  add_state (monitor, KDH_CONN_BREAK, 10 * SEC, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "restarts"), ==, 2);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 9);

  /* Restarts are counted here, not taken from the link's statistics. */
  stats.syncs = 4;
  kdh_connection_monitor_set_stats (monitor, &stats, g_get_monotonic_time ());
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "restarts"), ==, 2);
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "resyncs"), ==, 4);

  kdh_test_gtk_destroy (window, widget);
}

static void
test_monitor_segments (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhConnectionMonitor *monitor;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = kdh_test_gtk_show (widget, 360, 700);

  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 0);
  /* The window is 5 minutes: a state that ended before it goes, one that
   * started before it but ended inside it stays. */
  add_state (monitor, KDH_CONN_OPENING, 10 * 60 * SEC, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 1);
  add_state (monitor, KDH_CONN_RUNNING, 9 * 60 * SEC, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 1);
  add_state (monitor, KDH_CONN_LOST, 7 * 60 * SEC, "no RESET answer after 6 tries", 1);
  add_state (monitor, KDH_CONN_SYNCHRONIZING, 4 * 60 * SEC, NULL, 1);
  add_state (monitor, KDH_CONN_BREAK, 1 * 60 * SEC, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 3);

  /* The newest state stays however old it is: it lasts until now. */
  kdh_test_gtk_destroy (window, widget);
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = kdh_test_gtk_show (widget, 360, 700);
  add_state (monitor, KDH_CONN_OPENING, 30 * 60 * SEC, NULL, 0);
  add_state (monitor, KDH_CONN_RUNNING, 20 * 60 * SEC, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 1);

  /* A flapping link inside the window is capped. */
  for (guint i = 0; i < 1500; i++)
    add_state (monitor, i % 2 ? KDH_CONN_RUNNING : KDH_CONN_RESYNCHRONIZING,
               (gint64) (1500 - i) * 100000, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 1000);
  kdh_test_gtk_iterate_for (100);
  cairo_surface_destroy (kdh_test_gtk_draw (window, "monitor-flapping"));

  kdh_test_gtk_destroy (window, widget);
  /* The monitor's clock must be gone with it (ASan would see it fire). */
  kdh_test_gtk_iterate_for (1200);
}

static GtkWidget *monitor_part (GtkWidget   *monitor,
                                const gchar *name);

/* As the monitor writes a rate. */
static gchar *
rate_text (gdouble rate)
{
  g_autofree gchar *size = NULL;

  if (rate < 1000)
    return g_strdup_printf ("%.0f B/s", rate);
  size = g_format_size ((guint64) rate);
  return g_strdup_printf ("%s/s", size);
}

/* The corner shows the rate now (both ways, over the last two seconds),
 * the legend each way; the graph's tooltip names its scale. */
static void
test_monitor_throughput (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhConnectionMonitor *monitor;
  KdhLinkStats stats = { 0 };
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *expected = NULL;
  g_autofree gchar *tooltip = NULL;
  g_autofree gchar *in_text = NULL;
  g_autofree gchar *legend = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = kdh_test_gtk_show (widget, 360, 700);

  /* No traffic: 0, on a scale up to 1 kB/s. */
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rate_label"), ==, "0 B/s");
  tooltip = gtk_widget_get_tooltip_text (monitor_part (widget, "graph"));
  g_assert_nonnull (strstr (tooltip, "logarithmic scale up to 1 kB/s"));

  stats.last_rtt_us = -1;
  kdh_connection_monitor_set_stats (monitor, &stats, now - 2 * SEC);
  stats.bytes_in += 1500;
  stats.bytes_out += 100;
  kdh_connection_monitor_set_stats (monitor, &stats, now - 1 * SEC);
  stats.bytes_in += 4200;
  stats.bytes_out += 300;
  kdh_connection_monitor_set_stats (monitor, &stats, now);
  /* (1500 + 4200) / 2 s in, (100 + 300) / 2 s out: the rate, not the
   * scale's top. */
  expected = rate_text ((1500 + 4200 + 100 + 300) / 2.0);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rate_label"), ==, expected);
  in_text = rate_text ((1500 + 4200) / 2.0);
  legend = g_strdup_printf ("In %s", in_text);
  g_assert_nonnull (strstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "legend_label"),
                            legend));
  g_assert_nonnull (strstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "legend_label"),
                            "Out 200 B/s"));
  g_clear_pointer (&tooltip, g_free);
  tooltip = gtk_widget_get_tooltip_text (monitor_part (widget, "graph"));
  g_assert_nonnull (strstr (tooltip, "up to 10 kB/s"));

  /* Counters that start again (a new link) do not make a negative rate. */
  stats.bytes_in = 10;
  kdh_connection_monitor_set_stats (monitor, &stats, now);
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "bytes-in"), ==, 10);
  g_clear_pointer (&expected, g_free);
  expected = rate_text ((1500 + 4200 + 10 + 100 + 300) / 2.0);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rate_label"), ==, expected);

  kdh_test_gtk_destroy (window, widget);
}

/* Pixels */

typedef struct {
  gint r, g, b, a;
} Pixel;

static Pixel
pixel_at (cairo_surface_t *surface,
          gint             x,
          gint             y)
{
  guint8 r, g, b, a;

  kdh_test_gtk_pixel (surface, x, y, &r, &g, &b, &a);
  return (Pixel) { r, g, b, a };
}

/* Opaque and @color, give or take Cairo's rounding. */
static gboolean
pixel_is (Pixel          p,
          const GdkRGBA *color)
{
  return p.a == 255 && ABS (p.r - (gint) lround (color->red * 255)) <= 1
         && ABS (p.g - (gint) lround (color->green * 255)) <= 1
         && ABS (p.b - (gint) lround (color->blue * 255)) <= 1;
}

static GtkWidget *
monitor_part (GtkWidget   *monitor,
              const gchar *name)
{
  GObject *part = gtk_widget_get_template_child (monitor, KDH_TYPE_CONNECTION_MONITOR, name);

  g_assert_true (GTK_IS_DRAWING_AREA (part));
  return GTK_WIDGET (part);
}

/* Moves @x off the 1-pixel tick lines that divide an area of @width into
 * @n parts (they are drawn over the data). */
static gint
off_ticks (gint x,
           gint width,
           gint n)
{
  for (gint i = 1; i < n; i++)
    if (ABS (x - (gint) (width * i / n)) <= 1)
      return x + 3;
  return x;
}

typedef struct {
  KdhConnState state;
  gint ago_s;
  const gchar *reason;
  guint attempt;
} Step;

static const Step history[] = {
  { KDH_CONN_OPENING, 295, "pipe /run/vm.sock", 0 },
  { KDH_CONN_WAITING, 293, "waiting for the VM to open its serial port", 0 },
  { KDH_CONN_SYNCHRONIZING, 280, NULL, 1 },
  { KDH_CONN_BREAK, 276, "initial break", 0 },
  { KDH_CONN_RUNNING, 240, NULL, 0 },
  { KDH_CONN_LOST, 190, "no RESET answer after 6 tries over 3.0 s", 1 },
  { KDH_CONN_RESYNCHRONIZING, 170, "Ctrl+Alt+R", 1 },
  { KDH_CONN_BREAK, 160, NULL, 0 },
  { KDH_CONN_RUNNING, 130, NULL, 0 },
  { KDH_CONN_RESTARTING, 75, ".restart", 0 },
  { KDH_CONN_OPENING, 73, NULL, 0 },
  { KDH_CONN_SYNCHRONIZING, 72, NULL, 1 },
  { KDH_CONN_BREAK, 70, NULL, 0 },
  { KDH_CONN_RUNNING, 45, NULL, 0 },
};

/* Where time @t (monotonic µs) is drawn on an axis of @width pixels that
 * ends at @now and spans @span_s seconds. */
static gdouble
axis_x (gint   width,
        gint64 now,
        gint   span_s,
        gint64 t)
{
  return width * (gdouble) (t - (now - span_s * SEC)) / (span_s * SEC);
}

/* Every state of @history in its colour (kdh-state-style) where its time
 * falls on the timeline, a short one still a pixel wide, and nothing
 * before the first. */
static void
check_timeline (GtkWidget *monitor,
                gint64     base)
{
  GtkWidget *timeline = monitor_part (monitor, "timeline");
  gint64 before = g_get_monotonic_time ();
  cairo_surface_t *surface = kdh_test_gtk_draw (timeline, "monitor-timeline");
  gint64 after = g_get_monotonic_time ();
  gint width = cairo_image_surface_get_width (surface);
  gint y = cairo_image_surface_get_height (surface) / 2;
  guint checked = 0;

  g_assert_cmpint (width, >=, TIMELINE_S);
  for (guint i = 0; i < G_N_ELEMENTS (history); i++)
    {
      gint64 start = base - history[i].ago_s * SEC;
      gint64 end = i + 1 < G_N_ELEMENTS (history) ? base - history[i + 1].ago_s * SEC : after;
      /* The pixels inside the segment whenever between @before and @after
       * it was drawn, one in from each end. */
      gint x0 = (gint) ceil (axis_x (width, before, TIMELINE_S, start)) + 1;
      gint x1 = (gint) floor (axis_x (width, after, TIMELINE_S, end)) - 2;
      GdkRGBA color;

      kdh_state_style_get_color (history[i].state, &color);
      x1 = MIN (x1, width - 3);   /* the trough's border */
      if (x1 - x0 >= 4)
        {
          gint xs[] = { x0, (x0 + x1) / 2, x1 };

          for (guint k = 0; k < G_N_ELEMENTS (xs); k++)
            {
              gint x = off_ticks (xs[k], width, 5);
              Pixel p = pixel_at (surface, MIN (x, x1), y);

              if (!pixel_is (p, &color))
                g_error ("timeline: %s (%d s ago) at x=%d is #%02x%02x%02x/%02x, not its colour",
                         kdh_conn_state_name (history[i].state), history[i].ago_s, x, p.r, p.g,
                         p.b, p.a);
              checked++;
            }
        }
      else
        {
          /* Too short to sample inside: still there, at least a pixel. */
          gint from = (gint) floor (axis_x (width, after, TIMELINE_S, start)) - 1;
          gint to = (gint) ceil (axis_x (width, before, TIMELINE_S, end)) + 1;
          gboolean seen = FALSE;

          for (gint x = MAX (from, 0); x <= MIN (to, width - 1) && !seen; x++)
            seen = pixel_is (pixel_at (surface, x, y), &color);
          if (!seen)
            g_error ("timeline: %s (%d s ago) shows nowhere in x=%d..%d",
                     kdh_conn_state_name (history[i].state), history[i].ago_s, from, to);
          checked++;
        }
    }
  /* The 5 s before the first state: the trough only. */
  {
    gint first = (gint) floor (axis_x (width, after, TIMELINE_S, base - history[0].ago_s * SEC));

    g_assert_cmpint (first, >=, 4);
    for (gint x = 1; x < first - 1; x++)
      g_assert_cmpint (pixel_at (surface, x, y).a, <, 128);
  }
  g_test_message ("timeline: %u places checked over %d pixels", checked, width);
  cairo_surface_destroy (surface);
}

/* Traffic of a known shape, in snapshots a second apart as the engine
 * posts them: 4000 B/s in and 1000 out from 51 to 30 s ago, nothing until
 * 21 s ago, then 2000 in and 500 out. The scale then reaches 10 kB/s. */
static void
feed_traffic (KdhConnectionMonitor *monitor,
              gint64                base)
{
  KdhLinkStats stats = { 0 };

  stats.last_rtt_us = 1840;
  for (gint t = -51; t <= 0; t++)
    {
      if (t > -51 && t <= -30)
        {
          stats.bytes_in += 4000;
          stats.bytes_out += 1000;
        }
      else if (t > -21)
        {
          stats.bytes_in += 2000;
          stats.bytes_out += 500;
        }
      else if (t != -51)
        continue;
      stats.packets_in = stats.bytes_in / 100;
      stats.packets_out = stats.bytes_out / 50;
      stats.last_rx_us = base + t * SEC;
      kdh_connection_monitor_set_stats (monitor, &stats, base + t * SEC);
    }
}

/* In one column of the graph: the row where the incoming line (blue) and
 * the outgoing one (orange) are strongest, and how strong. */
static void
graph_column (cairo_surface_t *surface,
              gint             x,
              gint            *in_row,
              gint            *in_strength,
              gint            *out_row,
              gint            *out_strength)
{
  gint height = cairo_image_surface_get_height (surface);

  *in_strength = *out_strength = G_MININT;
  *in_row = *out_row = -1;
  /* Rows 0 and height - 1 are the trough's border. */
  for (gint y = 1; y < height - 1; y++)
    {
      Pixel p = pixel_at (surface, x, y);

      if (p.b - p.r > *in_strength)
        {
          *in_strength = p.b - p.r;
          *in_row = y;
        }
      if (p.r - p.b > *out_strength)
        {
          *out_strength = p.r - p.b;
          *out_row = y;
        }
    }
}

/* The lines at the heights the figures give on the logarithmic scale
 * (log(1 + rate) / log(1 + top) of the height, from the bottom), at zero
 * where no snapshot came, nothing above them. */
static void
check_graph (GtkWidget *monitor,
             gint64     base)
{
  GtkWidget *graph = monitor_part (monitor, "graph");
  gint64 now = g_get_monotonic_time ();
  cairo_surface_t *surface = kdh_test_gtk_draw (graph, "monitor-graph");
  gint width = cairo_image_surface_get_width (surface);
  gint height = cairo_image_surface_get_height (surface);
  const gdouble top = 10000;
  static const struct {
    gdouble at_s;              /* seconds before base */
    gdouble in_rate, out_rate; /* bytes per second; 0: no line above zero */
  } columns[] = {
    { -43, 4000, 1000 },
    { -34, 4000, 1000 },
    { -25.5, 0, 0 },
    { -14, 2000, 500 },
    { -6, 2000, 500 },
  };

  g_assert_cmpint (height, >=, 40);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      gint x = off_ticks ((gint) axis_x (width, now, GRAPH_S,
                                         base + (gint64) (columns[i].at_s * SEC)), width, 6);
      gint in_row, in_strength, out_row, out_strength;

      graph_column (surface, x, &in_row, &in_strength, &out_row, &out_strength);
      g_test_message ("graph at %.1f s (x=%d): in at row %d (%d), out at row %d (%d)",
                      columns[i].at_s, x, in_row, in_strength, out_row, out_strength);
      if (columns[i].in_rate == 0)
        {
          /* Nothing moved: no line and no fill above the bottom rows. */
          for (gint y = 1; y < height - 3; y++)
            {
              Pixel p = pixel_at (surface, x, y);

              g_assert_cmpint (ABS (p.b - p.r), <, 40);
            }
          continue;
        }
      {
        gdouble in_y = height - 1 - (height - 2) * log10 (1 + columns[i].in_rate)
                                     / log10 (1 + top);
        gdouble out_y = height - 1 - (height - 2) * log10 (1 + columns[i].out_rate)
                                      / log10 (1 + top);

        /* A 1.5-pixel line centred on y covers row y - 0.5 most. */
        g_assert_cmpint (in_strength, >=, 100);
        g_assert_cmpfloat (fabs (in_row + 0.5 - in_y), <=, 1.25);
        g_assert_cmpint (out_strength, >=, 80);
        g_assert_cmpfloat (fabs (out_row + 0.5 - out_y), <=, 1.25);
        /* Above the higher line, nothing of either. */
        for (gint y = 1; y < in_y - 2; y++)
          {
            Pixel p = pixel_at (surface, x, y);

            g_assert_cmpint (ABS (p.b - p.r), <, 40);
          }
      }
    }
  cairo_surface_destroy (surface);
}

static void
test_monitor_render (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhConnectionMonitor *monitor;
  gint64 base = g_get_monotonic_time ();
  g_autofree gchar *rate = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = kdh_test_gtk_show (widget, 340, 720);

  for (guint i = 0; i < G_N_ELEMENTS (history); i++)
    add_state (monitor, history[i].state, history[i].ago_s * SEC, history[i].reason,
               history[i].attempt);
  feed_traffic (monitor, base);
  /* The last two seconds: 2000 in and 500 out. */
  rate = rate_text (2500);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rate_label"), ==, rate);
  kdh_test_gtk_iterate_for (200);
  cairo_surface_destroy (kdh_test_gtk_draw (window, "monitor"));

  check_timeline (widget, base);
  check_graph (widget, base);

  kdh_test_gtk_destroy (window, widget);
}

/* The window may destroy the panes while engine events are still on their
 * way; the panes ignore them without criticals. */
static void
test_late_events (void)
{
  GtkWidget *window;
  GtkWidget *box;
  GtkWidget *monitor;
  GtkWidget *log;
  g_autoptr (KdhEvent) state = NULL;
  g_autoptr (KdhEvent) packet = NULL;
  g_autofree gchar *text = NULL;
  KdhLinkStats stats = { 0 };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  monitor = g_object_ref (kdh_connection_monitor_new ());
  log = g_object_ref (kdh_packet_log_new ());
  gtk_container_add (GTK_CONTAINER (box), monitor);
  gtk_container_add (GTK_CONTAINER (box), log);
  gtk_widget_show_all (box);
  window = kdh_test_gtk_show (box, 800, 700);
  gtk_widget_destroy (window);

  state = make_state (KDH_CONN_LOST, 0, "gone", 1);
  packet = kdh_event_new (KDH_EVENT_PACKET);
  packet->control = TRUE;
  packet->packet_type = KDH_PACKET_TYPE_ACKNOWLEDGE;
  packet->packet_id = 1;
  packet->verdict = g_strdup ("ok");
  packet->meaning = g_strdup ("Ack");
  kdh_connection_monitor_add_state (KDH_CONNECTION_MONITOR (monitor), state);
  kdh_connection_monitor_set_stats (KDH_CONNECTION_MONITOR (monitor), &stats,
                                    g_get_monotonic_time ());
  kdh_packet_log_append (KDH_PACKET_LOG (log), packet);
  kdh_packet_log_set_limit (KDH_PACKET_LOG (log), 10);
  kdh_packet_log_clear (KDH_PACKET_LOG (log));
  text = kdh_packet_log_dup_text (KDH_PACKET_LOG (log));
  g_assert_cmpstr (text, ==, "");
  kdh_test_gtk_iterate_for (50);

  g_object_add_weak_pointer (G_OBJECT (monitor), (gpointer *) &monitor);
  g_object_add_weak_pointer (G_OBJECT (log), (gpointer *) &log);
  g_object_unref (monitor);
  g_object_unref (log);
  g_assert_null (monitor);
  g_assert_null (log);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  have_display = kdh_test_gtk_init (&argc, &argv);

  g_test_add_func ("/app/monitor/counters", test_monitor_counters);
  g_test_add_func ("/app/monitor/restarts", test_monitor_restarts);
  g_test_add_func ("/app/monitor/segments", test_monitor_segments);
  g_test_add_func ("/app/monitor/throughput", test_monitor_throughput);
  g_test_add_func ("/app/monitor/render", test_monitor_render);
  g_test_add_func ("/app/widgets/late-events", test_late_events);

  return g_test_run ();
}
