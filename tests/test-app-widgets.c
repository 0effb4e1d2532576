/* test-app-widgets.c: the connection monitor and the packet log, fed
 * synthetic engine events under a real display
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every wait is bounded. Set KDH_TEST_ARTIFACTS to a directory to keep a
 * PNG of each widget as drawn.
 */
#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "target/kdh-event.h"
#include "kd/kdh-packet.h"
#include "kdh-app-resources.h"
#include "kdh-connection-monitor.h"
#include "kdh-packet-log.h"

#define WAIT_MS 5000
#define SEC G_USEC_PER_SEC

static gboolean have_display;

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the default main context until @cond holds or @timeout_ms pass. */
static gboolean
iterate_until (Condition cond,
               gpointer  data,
               guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (5, wake_cb, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return ok;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
iterate_for (guint ms)
{
  iterate_until (never, NULL, ms);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* A real toplevel on the test's X server: frame clocks tick there as in the
 * application. */
static GtkWidget *
show_in_window (GtkWidget *widget,
                gint       width,
                gint       height)
{
  GtkWidget *window = gtk_window_new (GTK_WINDOW_TOPLEVEL);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_container_add (GTK_CONTAINER (window), widget);
  gtk_widget_show (widget);
  gtk_widget_show (window);
  g_assert_true (iterate_until (is_mapped, widget, WAIT_MS));
  iterate_for (50);
  return window;
}

/* Draws the whole toplevel (background included) into an image, checks the
 * drawing went through, and keeps it as a PNG when asked to. */
static void
render (GtkWidget   *window,
        const gchar *name)
{
  gint width = gtk_widget_get_allocated_width (window);
  gint height = gtk_widget_get_allocated_height (window);
  cairo_surface_t *surface;
  cairo_t *cr;
  const gchar *dir = g_getenv ("KDH_TEST_ARTIFACTS");
  const guint8 *data;
  gboolean any = FALSE;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  gtk_widget_draw (window, cr);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  data = cairo_image_surface_get_data (surface);
  for (gint i = 0; i < width * height * 4 && !any; i++)
    any = data[i] != 0;
  g_assert_true (any);

  if (dir != NULL && *dir)
    {
      g_autofree gchar *file = g_strconcat (name, ".png", NULL);
      g_autofree gchar *path = g_build_filename (dir, file, NULL);

      g_mkdir_with_parents (dir, 0755);
      g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
      g_test_message ("wrote %s", path);
    }
  cairo_surface_destroy (surface);

  /* What the X server shows, too: gtk_widget_draw() leaves out the tree
   * view's column headers, which live in a window of their own. */
  if (dir != NULL && *dir)
    {
      g_autofree gchar *file = g_strconcat (name, "-screen.png", NULL);
      g_autofree gchar *path = g_build_filename (dir, file, NULL);
      g_autoptr (GdkPixbuf) pixbuf = NULL;

      pixbuf = gdk_pixbuf_get_from_window (gtk_widget_get_window (window), 0, 0, width, height);
      if (pixbuf != NULL)
        g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL));
    }
}

/* Destroys the window and checks that the widget went with it: nothing of
 * ours (a timer, a signal handler, a pending write) holds it alive. */
static void
destroy_window (GtkWidget *window,
                GtkWidget *widget)
{
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &widget);
  gtk_widget_destroy (window);
  iterate_for (20);
  g_assert_null (widget);
}

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
  window = show_in_window (widget, 360, 700);

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, expect[i].name), ==, 0);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rtt_label"), ==, "—");
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), ==, "—");

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
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "rtt_label"), ==, "—");
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), ==, "never");

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
  iterate_for (2600);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "last_rx_label"), !=,
                   "just now");

  destroy_window (window, widget);
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
  window = show_in_window (widget, 360, 700);

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

  destroy_window (window, widget);
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
  window = show_in_window (widget, 360, 700);

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
  destroy_window (window, widget);
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = show_in_window (widget, 360, 700);
  add_state (monitor, KDH_CONN_OPENING, 30 * 60 * SEC, NULL, 0);
  add_state (monitor, KDH_CONN_RUNNING, 20 * 60 * SEC, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 1);

  /* A flapping link inside the window is capped. */
  for (guint i = 0; i < 1500; i++)
    add_state (monitor, i % 2 ? KDH_CONN_RUNNING : KDH_CONN_RESYNCHRONIZING,
               (gint64) (1500 - i) * 100000, NULL, 0);
  g_assert_cmpuint (kdh_connection_monitor_get_n_segments (monitor), ==, 1000);
  iterate_for (100);
  render (window, "monitor-flapping");

  destroy_window (window, widget);
  /* The monitor's clock must be gone with it (ASan would see it fire). */
  iterate_for (1200);
}

static void
test_monitor_throughput (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhConnectionMonitor *monitor;
  KdhLinkStats stats = { 0 };
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *size = NULL;
  g_autofree gchar *expected = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = show_in_window (widget, 360, 700);

  /* At least 1 kB/s full scale with no traffic. */
  size = g_format_size (1000);
  expected = g_strdup_printf ("%s/s", size);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "scale_label"), ==, expected);

  stats.last_rtt_us = -1;
  kdh_connection_monitor_set_stats (monitor, &stats, now - 3 * SEC);
  stats.bytes_in += 1500;
  stats.bytes_out += 100;
  kdh_connection_monitor_set_stats (monitor, &stats, now - 2 * SEC);
  stats.bytes_in += 4200;   /* 4.2 kB/s: the scale rounds up to 5 kB/s */
  stats.bytes_out += 300;
  kdh_connection_monitor_set_stats (monitor, &stats, now - 1 * SEC);
  g_clear_pointer (&size, g_free);
  g_clear_pointer (&expected, g_free);
  size = g_format_size (5000);
  expected = g_strdup_printf ("%s/s", size);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "scale_label"), ==, expected);

  /* Counters that start again (a new link) do not make a negative rate. */
  stats.bytes_in = 10;
  kdh_connection_monitor_set_stats (monitor, &stats, now);
  g_assert_cmpuint (kdh_connection_monitor_get_counter (monitor, "bytes-in"), ==, 10);
  g_assert_cmpstr (label_text (widget, KDH_TYPE_CONNECTION_MONITOR, "scale_label"), ==, expected);

  destroy_window (window, widget);
}

static void
test_monitor_render (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhConnectionMonitor *monitor;
  KdhLinkStats stats = { 0 };
  gint64 now = g_get_monotonic_time ();
  static const struct {
    KdhConnState state;
    gint ago_s;
    const gchar *reason;
    guint attempt;
  } history[] = {
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

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_connection_monitor_new ();
  monitor = KDH_CONNECTION_MONITOR (widget);
  window = show_in_window (widget, 340, 720);

  for (guint i = 0; i < G_N_ELEMENTS (history); i++)
    add_state (monitor, history[i].state, history[i].ago_s * SEC, history[i].reason,
               history[i].attempt);

  /* A minute of traffic: a burst of memory reads, a quiet spell, a trickle. */
  stats.last_rtt_us = -1;
  for (gint t = -62; t <= 0; t++)
    {
      gint64 when = now + t * SEC;

      if (t > -55 && t < -40)
        {
          stats.bytes_out += 600 + 40 * (t % 3);
          stats.bytes_in += 8000 + 1500 * ((t * 7) % 4);
          stats.packets_out += 10;
          stats.packets_in += 10;
        }
      else if (t > -20)
        {
          stats.bytes_out += 120;
          stats.bytes_in += 900 + 300 * (t % 2);
          stats.packets_out += 2;
          stats.packets_in += 3;
        }
      else
        continue;
      stats.acks_in = stats.packets_out;
      stats.acks_out = stats.packets_in;
      stats.last_rx_us = when;
      stats.last_rtt_us = 1840;
      kdh_connection_monitor_set_stats (monitor, &stats, when);
    }
  stats.resends_out = 2;
  stats.checksum_errors = 2;
  stats.timeouts = 1;
  stats.retransmits = 1;
  stats.syncs = 1;
  stats.resets_out = 7;
  stats.resets_in = 2;
  stats.garbage_bytes = 37;
  kdh_connection_monitor_set_stats (monitor, &stats, now);
  iterate_for (200);
  render (window, "monitor");

  destroy_window (window, widget);
}

/* Packet log */

static KdhEvent *
make_packet (guint32      id,
             gboolean     outgoing,
             guint16      type,
             const gchar *meaning,
             const gchar *verdict)
{
  KdhEvent *event = kdh_event_new (KDH_EVENT_PACKET);

  event->outgoing = outgoing;
  event->control = type == KDH_PACKET_TYPE_ACKNOWLEDGE || type == KDH_PACKET_TYPE_RESEND
                   || type == KDH_PACKET_TYPE_RESET;
  event->packet_type = type;
  event->packet_id = id;
  event->byte_count = event->control ? 0 : 56;
  event->verdict = g_strdup (verdict);
  event->meaning = g_strdup (meaning);
  return event;
}

static void
append_packet (KdhPacketLog *log,
               guint32       id,
               gboolean      outgoing,
               guint16       type,
               const gchar  *meaning,
               const gchar  *verdict)
{
  g_autoptr (KdhEvent) event = make_packet (id, outgoing, type, meaning, verdict);

  kdh_packet_log_append (log, event);
}

typedef struct {
  KdhPacketLog *log;
  guint n;
} RowsWait;

static gboolean
has_rows (gpointer data)
{
  RowsWait *wait = data;

  return kdh_packet_log_get_n_rows (wait->log) == wait->n;
}

static void
wait_rows (KdhPacketLog *log,
           guint         n)
{
  RowsWait wait = { log, n };

  g_assert_true (iterate_until (has_rows, &wait, WAIT_MS));
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* The id in the store's first or last row. */
static guint32
row_id (KdhPacketLog *log,
        gboolean      last)
{
  GtkTreeModel *store = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (log),
                                                                        KDH_TYPE_PACKET_LOG,
                                                                        "store"));
  gint n = gtk_tree_model_iter_n_children (store, NULL);
  g_autofree gchar *id = NULL;
  GtkTreeIter iter;

  if (n == 0 || !gtk_tree_model_iter_nth_child (store, &iter, NULL, last ? n - 1 : 0))
    return 0;
  gtk_tree_model_get (store, &iter, 3, &id, -1);
  return (guint32) g_ascii_strtoull (id, NULL, 16);
}

static void
test_packet_log_rows (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  g_autoptr (KdhEvent) event = NULL;
  g_autoptr (GDateTime) dt = NULL;
  g_autofree gchar *hms = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = show_in_window (widget, 800, 300);

  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 0);
  text = kdh_packet_log_dup_text (log);
  g_assert_cmpstr (text, ==, "");
  g_clear_pointer (&text, g_free);

  /* 2026-01-01 00:00:00.123456 UTC; the log shows local time. */
  event = make_packet (0x80800001, TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE,
                       "Manipulate ReadVirtualMemory 0xfffff80000400000 0x100", "ok");
  event->real_time_us = G_GINT64_CONSTANT (1767225600123456);
  kdh_packet_log_append (log, event);
  /* Append only queues: nothing in the log before the next frame. */
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 0);
  append_packet (log, 0x80800001, FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, "Ack", "ok");
  append_packet (log, 0x80800000, FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE,
                 "Manipulate ReadVirtualMemory reply 0x100 bytes", "bad checksum");
  append_packet (log, 0x80800000, TRUE, KDH_PACKET_TYPE_RESEND, "Resend", "ok");
  wait_rows (log, 4);

  text = kdh_packet_log_dup_text (log);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (count_lines (text), ==, 4);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[4], ==, "");

  dt = g_date_time_new_from_unix_local (1767225600);
  hms = g_date_time_format (dt, "%H:%M:%S");
  expected = g_strdup_printf ("%s.123 → StateManipulate 80800001    56 ok: "
                              "Manipulate ReadVirtualMemory 0xfffff80000400000 0x100", hms);
  g_assert_cmpstr (lines[0], ==, expected);
  g_assert_true (g_str_has_suffix (lines[1], " ← Ack             80800001     0 ok: Ack"));
  g_assert_true (g_str_has_suffix (lines[2], " ← StateManipulate 80800000    56 bad checksum: "
                                             "Manipulate ReadVirtualMemory reply 0x100 bytes"));
  g_assert_true (g_str_has_suffix (lines[3], " → Resend          80800000     0 ok: Resend"));
  g_assert_true (g_regex_match_simple ("^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} ", lines[3], 0, 0));

  render (window, "packet-log");

  kdh_packet_log_clear (log);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 0);
  g_clear_pointer (&text, g_free);
  text = kdh_packet_log_dup_text (log);
  g_assert_cmpstr (text, ==, "");

  /* Clear also drops what was queued and not shown yet. */
  append_packet (log, 1, TRUE, KDH_PACKET_TYPE_DEBUG_IO, "DebugIo", "ok");
  kdh_packet_log_clear (log);
  iterate_for (100);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 0);

  destroy_window (window, widget);
}

static void
test_packet_log_limit (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = show_in_window (widget, 800, 300);

  /* The default limit is 10000: the oldest 100 go. */
  for (guint i = 0; i < 10100; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetVersion",
                   "ok");
  wait_rows (log, 10000);
  iterate_for (100);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 10000);
  g_assert_cmpuint (row_id (log, FALSE), ==, 100);
  g_assert_cmpuint (row_id (log, TRUE), ==, 10099);

  /* Lowering the limit drops the oldest rows at once. */
  kdh_packet_log_set_limit (log, 50);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 50);
  g_assert_cmpuint (row_id (log, FALSE), ==, 10050);
  for (guint i = 0; i < 150; i++)
    append_packet (log, 20000 + i, TRUE, KDH_PACKET_TYPE_DEBUG_IO, "DebugIo Print", "ok");
  iterate_for (200);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 50);
  g_assert_cmpuint (row_id (log, FALSE), ==, 20100);
  g_assert_cmpuint (row_id (log, TRUE), ==, 20149);

  destroy_window (window, widget);
}

typedef struct {
  KdhPacketLog *log;
  guint lines;
} TextWait;

static gboolean
has_lines (gpointer data)
{
  TextWait *wait = data;
  g_autofree gchar *text = kdh_packet_log_dup_text (wait->log);

  return count_lines (text) == wait->lines;
}

static void
set_search (KdhPacketLog *log,
            const gchar  *search,
            guint         expect_lines)
{
  GObject *entry = gtk_widget_get_template_child (GTK_WIDGET (log), KDH_TYPE_PACKET_LOG,
                                                  "search_entry");
  TextWait wait = { log, expect_lines };

  g_assert_true (GTK_IS_SEARCH_ENTRY (entry));
  gtk_entry_set_text (GTK_ENTRY (entry), search);
  /* The search entry waits a moment after typing before it filters. */
  g_assert_true (iterate_until (has_lines, &wait, WAIT_MS));
}

static void
test_packet_log_filter (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  g_autofree gchar *text = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = show_in_window (widget, 800, 300);

  append_packet (log, 0x10, TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE,
                 "Manipulate ReadVirtualMemory 0xfffff800`00400000 0x1000", "ok");
  append_packet (log, 0x10, FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, "Ack", "ok");
  append_packet (log, 0x11, FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE,
                 "Manipulate ReadVirtualMemory reply", "bad checksum");
  append_packet (log, 0x11, TRUE, KDH_PACKET_TYPE_RESEND, "Resend", "ok");
  append_packet (log, 0x11, FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE,
                 "Manipulate ReadVirtualMemory reply", "ok");
  append_packet (log, 0x11, FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE,
                 "Manipulate ReadVirtualMemory reply", "duplicate");
  append_packet (log, 0x12, FALSE, KDH_PACKET_TYPE_STATE_CHANGE64,
                 "StateChange Exception 0x80000003 at 0xfffff800`0041b2c0", "ok");
  wait_rows (log, 7);

  /* Case-insensitive, over the meaning ... */
  set_search (log, "READVIRTUAL", 4);
  text = kdh_packet_log_dup_text (log);
  g_assert_nonnull (strstr (text, "0xfffff800`00400000"));
  g_assert_null (strstr (text, "Exception"));
  g_clear_pointer (&text, g_free);
  /* ... the verdict ... */
  set_search (log, "Checksum", 1);
  text = kdh_packet_log_dup_text (log);
  g_assert_nonnull (strstr (text, "bad checksum: Manipulate ReadVirtualMemory reply"));
  g_clear_pointer (&text, g_free);
  set_search (log, "dupl", 1);
  /* ... and the type name. */
  set_search (log, "statechange64", 1);
  set_search (log, "resend", 1);
  set_search (log, "no such packet", 0);

  /* Rows arriving while filtered are filtered too; the row count is all rows. */
  set_search (log, "debugio", 0);
  append_packet (log, 0x13, FALSE, KDH_PACKET_TYPE_DEBUG_IO, "DebugIo Print \"Hello\"", "ok");
  append_packet (log, 0x14, FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, "Ack", "ok");
  wait_rows (log, 9);
  set_search (log, "debugio", 1);

  set_search (log, "", 9);

  destroy_window (window, widget);
}

static void
export_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
test_packet_log_export (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GFile) file = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *contents = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = show_in_window (widget, 800, 300);

  for (guint i = 0; i < 20; i++)
    append_packet (log, 0x80800000 + i, i % 2, i % 3 ? KDH_PACKET_TYPE_STATE_MANIPULATE
                                                     : KDH_PACKET_TYPE_ACKNOWLEDGE,
                   i % 3 ? "Manipulate ReadControlSpace" : "Ack", i == 7 ? "duplicate" : "ok");
  wait_rows (log, 20);
  set_search (log, "control", 13);

  dir = g_dir_make_tmp ("kdh-test-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "packets.txt", NULL);
  file = g_file_new_for_path (path);
  kdh_packet_log_export_async (log, file, NULL, export_cb, &result);
  g_assert_true (iterate_until (is_set, &result, WAIT_MS));
  g_assert_true (kdh_packet_log_export_finish (log, result, &error));
  g_assert_no_error (error);

  /* The file holds exactly the rows shown, as dup_text gives them. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  text = kdh_packet_log_dup_text (log);
  g_assert_cmpstr (contents, ==, text);
  g_assert_cmpuint (count_lines (contents), ==, 13);
  g_assert_true (g_regex_match_simple ("^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} [→←] "
                                       "StateManipulate 8080000[0-9a-f] +56 ok: "
                                       "Manipulate ReadControlSpace$",
                                       contents, G_REGEX_MULTILINE, 0));

  /* A file that cannot be written is an error, not a crash. */
  g_clear_object (&result);
  g_clear_object (&file);
  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "missing", "packets.txt", NULL);
  file = g_file_new_for_path (path);
  kdh_packet_log_export_async (log, file, NULL, export_cb, &result);
  g_assert_true (iterate_until (is_set, &result, WAIT_MS));
  g_assert_false (kdh_packet_log_export_finish (log, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "packets.txt", NULL);
  g_unlink (path);
  g_rmdir (dir);
  destroy_window (window, widget);
}

typedef struct {
  KdhPacketLog *log;
  guint32 last_id;
} LastWait;

static gboolean
has_last_row (gpointer data)
{
  LastWait *wait = data;

  return row_id (wait->log, TRUE) == wait->last_id;
}

static void
test_packet_log_flood (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  KdhEvent *event;
  LastWait wait;
  gint64 start, appended;
  const guint n = 100000;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = show_in_window (widget, 800, 300);

  /* One event reused, as a flood from the engine would look to the log. */
  event = make_packet (0, FALSE, KDH_PACKET_TYPE_DEBUG_IO, "DebugIo Print \"tick\"", "ok");
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      event->packet_id = i;
      kdh_packet_log_append (log, event);
    }
  appended = g_get_monotonic_time () - start;
  kdh_event_unref (event);
  /* Nothing ran yet: the appends only queued. */
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 0);

  wait.log = log;
  wait.last_id = n - 1;
  start = g_get_monotonic_time ();
  g_assert_true (iterate_until (has_last_row, &wait, 20000));
  g_test_message ("appending %u packets took %.1f ms, showing them %.1f ms", n,
                  appended / 1000.0, (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 10000);
  g_assert_cmpuint (row_id (log, FALSE), ==, n - 10000);

  destroy_window (window, widget);
}

typedef struct {
  GtkAdjustment *adj;
  KdhPacketLog *log;
  guint rows;
} ScrollWait;

static gboolean
scrolled_to_bottom (gpointer data)
{
  ScrollWait *wait = data;
  GtkAdjustment *adj = wait->adj;

  return kdh_packet_log_get_n_rows (wait->log) == wait->rows
         && gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) * 2
         && gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
            >= gtk_adjustment_get_upper (adj) - 1;
}

static void
test_packet_log_autoscroll (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  GtkScrolledWindow *scrolled;
  ScrollWait wait;
  gdouble upper;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = show_in_window (widget, 800, 300);
  scrolled = GTK_SCROLLED_WINDOW (gtk_widget_get_template_child (widget, KDH_TYPE_PACKET_LOG,
                                                                 "scrolled"));
  wait.adj = gtk_scrolled_window_get_vadjustment (scrolled);
  wait.log = log;

  /* Following the newest row. */
  for (guint i = 0; i < 300; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetContext", "ok");
  wait.rows = 300;
  g_assert_true (iterate_until (scrolled_to_bottom, &wait, WAIT_MS));

  /* The user scrolls up: new rows leave the view where it is. */
  gtk_adjustment_set_value (wait.adj, 0);
  upper = gtk_adjustment_get_upper (wait.adj);
  for (guint i = 300; i < 400; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetContext", "ok");
  wait_rows (log, 400);
  iterate_for (200);
  g_assert_cmpfloat (gtk_adjustment_get_upper (wait.adj), >, upper);
  g_assert_cmpfloat (gtk_adjustment_get_value (wait.adj), ==, 0);

  /* Back at the bottom, it follows again. */
  gtk_adjustment_set_value (wait.adj, gtk_adjustment_get_upper (wait.adj)
                                      - gtk_adjustment_get_page_size (wait.adj));
  for (guint i = 400; i < 500; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetContext", "ok");
  wait.rows = 500;
  g_assert_true (iterate_until (scrolled_to_bottom, &wait, WAIT_MS));

  destroy_window (window, widget);
}

/* A hidden pane gets no frames: what it queues meanwhile stays within the
 * limit, and shows up once the pane does. */
static void
test_packet_log_hidden (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 300);
  gtk_container_add (GTK_CONTAINER (window), widget);
  gtk_widget_show (window);
  iterate_for (100);
  g_assert_false (gtk_widget_get_mapped (widget));

  kdh_packet_log_set_limit (log, 100);
  for (guint i = 0; i < 300; i++)
    append_packet (log, i, TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetVersion", "ok");
  iterate_for (100);

  gtk_widget_show (widget);
  wait_rows (log, 100);
  iterate_for (50);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 100);
  g_assert_cmpuint (row_id (log, FALSE), ==, 200);
  g_assert_cmpuint (row_id (log, TRUE), ==, 299);

  destroy_window (window, widget);
}

static void
test_packet_log_render (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  static const struct {
    gboolean outgoing;
    guint16 type;
    guint32 id;
    const gchar *meaning;
    const gchar *verdict;
  } trace[] = {
    { TRUE, KDH_PACKET_TYPE_RESET, 0x80800000, "Reset", "ok" },
    { FALSE, KDH_PACKET_TYPE_RESET, 0x80800000, "Reset", "ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000,
      "StateChange Exception 0x80000003 at 0xfffff800`0041b2c0", "ok" },
    { TRUE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000, "Ack", "ok" },
    { TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, "Manipulate GetVersion", "ok" },
    { FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000, "Ack", "ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001, "Manipulate GetVersion reply",
      "bad checksum" },
    { TRUE, KDH_PACKET_TYPE_RESEND, 0x80800001, "Resend", "ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001,
      "Manipulate GetVersion reply: 10.0.19041 x64, KernBase 0xfffff800`00400000", "ok" },
    { TRUE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001, "Ack", "ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001,
      "Manipulate GetVersion reply: 10.0.19041 x64, KernBase 0xfffff800`00400000", "duplicate" },
    { TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001,
      "Manipulate ReadVirtualMemory 0xfffff800`00400000 0x1000", "ok" },
    { FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001, "Ack", "ok" },
    { FALSE, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "DebugIo Print \"Hello from the target\"",
      "ok" },
  };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = show_in_window (widget, 760, 300);

  for (guint i = 0; i < G_N_ELEMENTS (trace); i++)
    append_packet (log, trace[i].id, trace[i].outgoing, trace[i].type, trace[i].meaning,
                   trace[i].verdict);
  wait_rows (log, G_N_ELEMENTS (trace));
  iterate_for (200);
  render (window, "packet-log-trace");

  set_search (log, "version", 4);
  iterate_for (100);
  render (window, "packet-log-filtered");

  destroy_window (window, widget);
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
  window = show_in_window (box, 800, 700);
  gtk_widget_destroy (window);

  state = make_state (KDH_CONN_LOST, 0, "gone", 1);
  packet = make_packet (1, FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, "Ack", "ok");
  kdh_connection_monitor_add_state (KDH_CONNECTION_MONITOR (monitor), state);
  kdh_connection_monitor_set_stats (KDH_CONNECTION_MONITOR (monitor), &stats,
                                    g_get_monotonic_time ());
  kdh_packet_log_append (KDH_PACKET_LOG (log), packet);
  kdh_packet_log_set_limit (KDH_PACKET_LOG (log), 10);
  kdh_packet_log_clear (KDH_PACKET_LOG (log));
  text = kdh_packet_log_dup_text (KDH_PACKET_LOG (log));
  g_assert_cmpstr (text, ==, "");
  iterate_for (50);

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
  g_setenv ("NO_AT_BRIDGE", "1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check (&argc, &argv);
  if (have_display)
    {
      g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

      /* The application's small touches on top of the theme. */
      kdh_app_ensure_resources ();
      gtk_css_provider_load_from_resource (css, "/org/kdhost/Kdhost/style.css");
      gtk_style_context_add_provider_for_screen (gdk_screen_get_default (),
                                                 GTK_STYLE_PROVIDER (css),
                                                 GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }

  g_test_add_func ("/app/monitor/counters", test_monitor_counters);
  g_test_add_func ("/app/monitor/restarts", test_monitor_restarts);
  g_test_add_func ("/app/monitor/segments", test_monitor_segments);
  g_test_add_func ("/app/monitor/throughput", test_monitor_throughput);
  g_test_add_func ("/app/monitor/render", test_monitor_render);
  g_test_add_func ("/app/packet-log/rows", test_packet_log_rows);
  g_test_add_func ("/app/packet-log/limit", test_packet_log_limit);
  g_test_add_func ("/app/packet-log/filter", test_packet_log_filter);
  g_test_add_func ("/app/packet-log/export", test_packet_log_export);
  g_test_add_func ("/app/packet-log/flood", test_packet_log_flood);
  g_test_add_func ("/app/packet-log/autoscroll", test_packet_log_autoscroll);
  g_test_add_func ("/app/packet-log/hidden", test_packet_log_hidden);
  g_test_add_func ("/app/packet-log/render", test_packet_log_render);
  g_test_add_func ("/app/widgets/late-events", test_late_events);

  return g_test_run ();
}
