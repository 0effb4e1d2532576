/* test-app-packet-log.c: the packet log, fed synthetic engine events under
 * a real display
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the log shows is read through the tree view itself: its model
 * (after the filter) and its columns' cell renderers, as it would draw
 * them. Set KDH_TEST_ARTIFACTS to keep images of it.
 */
#include <stdarg.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "target/kdh-event.h"
#include "kd/kdh-packet.h"
#include "kdh-packet-log.h"
#include "kdh-test-gtk.h"

static gboolean have_display;

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

  g_assert_true (kdh_test_gtk_iterate_until (has_rows, &wait, KDH_TEST_GTK_WAIT_MS));
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

/* The rows the tree view shows, read through its own columns and cell
 * renderers (what it would draw), each as the columns' text joined by
 * " | ", the time left out; a verdict drawn bold in the warning colour
 * gets " (warning)". */
static GPtrArray *
shown_rows (KdhPacketLog *log)
{
  GtkTreeView *view = GTK_TREE_VIEW (gtk_widget_get_template_child (GTK_WIDGET (log),
                                                                    KDH_TYPE_PACKET_LOG,
                                                                    "tree_view"));
  GtkTreeModel *model = gtk_tree_view_get_model (view);
  g_autoptr (GList) columns = gtk_tree_view_get_columns (view);
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  GtkTreeIter iter;

  /* Time, direction, type, id, length, meaning, verdict. */
  g_assert_cmpuint (g_list_length (columns), ==, 7);
  for (gboolean valid = gtk_tree_model_get_iter_first (model, &iter); valid;
       valid = gtk_tree_model_iter_next (model, &iter))
    {
      GString *row = g_string_new (NULL);

      for (GList *l = columns->next; l; l = l->next)
        {
          GtkTreeViewColumn *column = l->data;
          g_autoptr (GList) cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (column));
          g_autofree gchar *text = NULL;
          gboolean colored = FALSE;
          gint weight = PANGO_WEIGHT_NORMAL;

          gtk_tree_view_column_cell_set_cell_data (column, model, &iter, FALSE, FALSE);
          g_assert_cmpuint (g_list_length (cells), ==, 1);
          g_object_get (cells->data, "text", &text, "foreground-set", &colored, "weight", &weight,
                        NULL);
          g_string_append_printf (row, "%s%s", row->len ? " | " : "", text ? text : "");
          if (l->next == NULL && colored && weight >= PANGO_WEIGHT_BOLD)
            g_string_append (row, " (warning)");
          else
            {
              /* Only the verdict is ever emphasised. */
              g_assert_false (colored);
              g_assert_cmpint (weight, ==, PANGO_WEIGHT_NORMAL);
            }
        }
      g_ptr_array_add (rows, g_string_free (row, FALSE));
    }
  return rows;
}

static void
assert_rows (KdhPacketLog       *log,
             const gchar *const *expected,
             guint               n)
{
  g_autoptr (GPtrArray) rows = shown_rows (log);

  for (guint i = 0; i < MAX (rows->len, n); i++)
    if (i >= rows->len || i >= n || !g_str_equal (rows->pdata[i], expected[i]))
      g_error ("row %u shown: \"%s\"; expected: \"%s\"", i,
               i < rows->len ? (const gchar *) rows->pdata[i] : "(none)",
               i < n ? expected[i] : "(none)");
}

/* The view shows exactly the rows given (NULL-terminated), in order. */
static void G_GNUC_NULL_TERMINATED
assert_shown (KdhPacketLog *log,
              ...)
{
  g_autoptr (GPtrArray) expected = g_ptr_array_new ();
  const gchar *row;
  va_list args;

  va_start (args, log);
  while ((row = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (expected, (gpointer) row);
  va_end (args);
  assert_rows (log, (const gchar *const *) expected->pdata, expected->len);
}

static const gchar *
count_text (KdhPacketLog *log)
{
  GObject *label = gtk_widget_get_template_child (GTK_WIDGET (log), KDH_TYPE_PACKET_LOG,
                                                  "count_label");

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_text (GTK_LABEL (label));
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
  window = kdh_test_gtk_show (widget, 800, 300);

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

  cairo_surface_destroy (kdh_test_gtk_draw (window, "packet-log"));

  kdh_packet_log_clear (log);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 0);
  g_clear_pointer (&text, g_free);
  text = kdh_packet_log_dup_text (log);
  g_assert_cmpstr (text, ==, "");

  /* Clear also drops what was queued and not shown yet. */
  append_packet (log, 1, TRUE, KDH_PACKET_TYPE_DEBUG_IO, "DebugIo", "ok");
  kdh_packet_log_clear (log);
  kdh_test_gtk_iterate_for (100);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 0);

  kdh_test_gtk_destroy (window, widget);
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
  window = kdh_test_gtk_show (widget, 800, 300);

  /* The default limit is 10000: the oldest 100 go. */
  for (guint i = 0; i < 10100; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetVersion",
                   "ok");
  wait_rows (log, 10000);
  kdh_test_gtk_iterate_for (100);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 10000);
  g_assert_cmpuint (row_id (log, FALSE), ==, 100);
  g_assert_cmpuint (row_id (log, TRUE), ==, 10099);

  /* Lowering the limit drops the oldest rows at once. */
  kdh_packet_log_set_limit (log, 50);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 50);
  g_assert_cmpuint (row_id (log, FALSE), ==, 10050);
  for (guint i = 0; i < 150; i++)
    append_packet (log, 20000 + i, TRUE, KDH_PACKET_TYPE_DEBUG_IO, "DebugIo Print", "ok");
  kdh_test_gtk_iterate_for (200);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 50);
  g_assert_cmpuint (row_id (log, FALSE), ==, 20100);
  g_assert_cmpuint (row_id (log, TRUE), ==, 20149);

  kdh_test_gtk_destroy (window, widget);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   gpointer        data)
{
  (*(guint *) data)++;
}

static gboolean
is_positive (gpointer data)
{
  return *(guint *) data > 0;
}

/* Types @search into the search entry and waits until the log has applied
 * it: the entry waits a moment after typing before it says so. The log's
 * handler was connected first and has run by the time this one does. */
static void
set_search (KdhPacketLog *log,
            const gchar  *search,
            guint         expect_lines)
{
  GObject *entry = gtk_widget_get_template_child (GTK_WIDGET (log), KDH_TYPE_PACKET_LOG,
                                                  "search_entry");
  g_autofree gchar *text = NULL;
  guint changed = 0;
  gulong id;

  g_assert_true (GTK_IS_SEARCH_ENTRY (entry));
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (entry)), !=, search);
  id = g_signal_connect (entry, "search-changed", G_CALLBACK (on_search_changed), &changed);
  gtk_entry_set_text (GTK_ENTRY (entry), search);
  g_assert_true (kdh_test_gtk_iterate_until (is_positive, &changed, KDH_TEST_GTK_WAIT_MS));
  g_signal_handler_disconnect (entry, id);
  text = kdh_packet_log_dup_text (log);
  g_assert_cmpuint (count_lines (text), ==, expect_lines);
}

static void
test_packet_log_filter (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  static const gchar *const row[] = {
    "→ | StateManipulate | 00000010 | 56 | Manipulate ReadVirtualMemory 0xfffff800`00400000 "
    "0x1000 | ok",
    "← | Ack | 00000010 | 0 | Ack | ok",
    "← | StateManipulate | 00000011 | 56 | Manipulate ReadVirtualMemory reply | "
    "bad checksum (warning)",
    "→ | Resend | 00000011 | 0 | Resend | ok",
    "← | StateManipulate | 00000011 | 56 | Manipulate ReadVirtualMemory reply | ok",
    "← | StateManipulate | 00000011 | 56 | Manipulate ReadVirtualMemory reply | "
    "duplicate (warning)",
    "← | StateChange64 | 00000012 | 56 | StateChange Exception 0x80000003 at "
    "0xfffff800`0041b2c0 | ok",
    "← | DebugIo | 00000013 | 56 | DebugIo Print \"Hello\" | ok",
    "← | Ack | 00000014 | 0 | Ack | ok",
  };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = kdh_test_gtk_show (widget, 800, 300);

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
  assert_shown (log, row[0], row[1], row[2], row[3], row[4], row[5],
                                              row[6], NULL);
  g_assert_cmpstr (count_text (log), ==, "7 packets");

  /* Case-insensitive, over the meaning ... */
  set_search (log, "READVIRTUAL", 4);
  assert_shown (log, row[0], row[2], row[4], row[5], NULL);
  g_assert_cmpstr (count_text (log), ==, "4 of 7 packets");
  /* ... the verdict ... */
  set_search (log, "Checksum", 1);
  assert_shown (log, row[2], NULL);
  set_search (log, "dupl", 1);
  assert_shown (log, row[5], NULL);
  /* ... and the type name. */
  set_search (log, "statechange64", 1);
  assert_shown (log, row[6], NULL);
  set_search (log, "resend", 1);
  assert_shown (log, row[3], NULL);
  set_search (log, "no such packet", 0);
  assert_shown (log, NULL);
  g_assert_cmpstr (count_text (log), ==, "0 of 7 packets");

  /* Rows arriving while filtered are filtered too; the row count is all rows. */
  set_search (log, "debugio", 0);
  append_packet (log, 0x13, FALSE, KDH_PACKET_TYPE_DEBUG_IO, "DebugIo Print \"Hello\"", "ok");
  append_packet (log, 0x14, FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, "Ack", "ok");
  wait_rows (log, 9);
  assert_shown (log, row[7], NULL);
  g_assert_cmpstr (count_text (log), ==, "1 of 9 packets");

  /* Surrounding blanks do not count; an empty search shows everything. */
  set_search (log, "  ack ", 2);
  assert_shown (log, row[1], row[8], NULL);
  set_search (log, "", 9);
  assert_rows (log, row, G_N_ELEMENTS (row));
  g_assert_cmpstr (count_text (log), ==, "9 packets");

  kdh_test_gtk_destroy (window, widget);
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
  window = kdh_test_gtk_show (widget, 800, 300);

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
  g_assert_true (kdh_test_gtk_iterate_until (is_set, &result, KDH_TEST_GTK_WAIT_MS));
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
  g_assert_true (kdh_test_gtk_iterate_until (is_set, &result, KDH_TEST_GTK_WAIT_MS));
  g_assert_false (kdh_packet_log_export_finish (log, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "packets.txt", NULL);
  g_unlink (path);
  g_rmdir (dir);
  kdh_test_gtk_destroy (window, widget);
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
  window = kdh_test_gtk_show (widget, 800, 300);

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
  g_assert_true (kdh_test_gtk_iterate_until (has_last_row, &wait, 20000));
  g_test_message ("appending %u packets took %.1f ms, showing them %.1f ms", n,
                  appended / 1000.0, (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 10000);
  g_assert_cmpuint (row_id (log, FALSE), ==, n - 10000);

  kdh_test_gtk_destroy (window, widget);
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
  window = kdh_test_gtk_show (widget, 800, 300);
  scrolled = GTK_SCROLLED_WINDOW (gtk_widget_get_template_child (widget, KDH_TYPE_PACKET_LOG,
                                                                 "scrolled"));
  wait.adj = gtk_scrolled_window_get_vadjustment (scrolled);
  wait.log = log;

  /* Following the newest row. */
  for (guint i = 0; i < 300; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetContext", "ok");
  wait.rows = 300;
  g_assert_true (kdh_test_gtk_iterate_until (scrolled_to_bottom, &wait, KDH_TEST_GTK_WAIT_MS));

  /* The user scrolls up: new rows leave the view where it is. */
  gtk_adjustment_set_value (wait.adj, 0);
  upper = gtk_adjustment_get_upper (wait.adj);
  for (guint i = 300; i < 400; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetContext", "ok");
  wait_rows (log, 400);
  kdh_test_gtk_iterate_for (200);
  g_assert_cmpfloat (gtk_adjustment_get_upper (wait.adj), >, upper);
  g_assert_cmpfloat (gtk_adjustment_get_value (wait.adj), ==, 0);

  /* Back at the bottom, it follows again. */
  gtk_adjustment_set_value (wait.adj, gtk_adjustment_get_upper (wait.adj)
                                      - gtk_adjustment_get_page_size (wait.adj));
  for (guint i = 400; i < 500; i++)
    append_packet (log, i, i % 2, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetContext", "ok");
  wait.rows = 500;
  g_assert_true (kdh_test_gtk_iterate_until (scrolled_to_bottom, &wait, KDH_TEST_GTK_WAIT_MS));

  kdh_test_gtk_destroy (window, widget);
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
  kdh_test_gtk_iterate_for (100);
  g_assert_false (gtk_widget_get_mapped (widget));

  kdh_packet_log_set_limit (log, 100);
  for (guint i = 0; i < 300; i++)
    append_packet (log, i, TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE, "Manipulate GetVersion", "ok");
  kdh_test_gtk_iterate_for (100);

  gtk_widget_show (widget);
  wait_rows (log, 100);
  kdh_test_gtk_iterate_for (50);
  g_assert_cmpuint (kdh_packet_log_get_n_rows (log), ==, 100);
  g_assert_cmpuint (row_id (log, FALSE), ==, 200);
  g_assert_cmpuint (row_id (log, TRUE), ==, 299);

  kdh_test_gtk_destroy (window, widget);
}

/* The view's rows in its viewport, first and last (-1 when none). */
static void
visible_rows (KdhPacketLog *log,
              gint         *first,
              gint         *last)
{
  GtkTreeView *view = GTK_TREE_VIEW (gtk_widget_get_template_child (GTK_WIDGET (log),
                                                                    KDH_TYPE_PACKET_LOG,
                                                                    "tree_view"));
  GtkTreePath *start = NULL, *end = NULL;

  *first = *last = -1;
  if (gtk_tree_view_get_visible_range (view, &start, &end))
    {
      *first = gtk_tree_path_get_indices (start)[0];
      *last = gtk_tree_path_get_indices (end)[0];
    }
  g_clear_pointer (&start, gtk_tree_path_free);
  g_clear_pointer (&end, gtk_tree_path_free);
}

static void
test_packet_log_render (void)
{
  GtkWidget *widget;
  GtkWidget *window;
  KdhPacketLog *log;
  gint first, last;
  static const struct {
    gboolean outgoing;
    guint16 type;
    guint32 id;
    const gchar *meaning;
    const gchar *verdict;
    const gchar *shown;        /* the row as the view shows it, the time left out */
  } trace[] = {
    { TRUE, KDH_PACKET_TYPE_RESET, 0x80800000, "Reset", "ok",
      "→ | Reset | 80800000 | 0 | Reset | ok" },
    { FALSE, KDH_PACKET_TYPE_RESET, 0x80800000, "Reset", "ok",
      "← | Reset | 80800000 | 0 | Reset | ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000,
      "StateChange Exception 0x80000003 at 0xfffff800`0041b2c0", "ok",
      "← | StateChange64 | 80800000 | 56 | StateChange Exception 0x80000003 at "
      "0xfffff800`0041b2c0 | ok" },
    { TRUE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000, "Ack", "ok",
      "→ | Ack | 80800000 | 0 | Ack | ok" },
    { TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, "Manipulate GetVersion", "ok",
      "→ | StateManipulate | 80800000 | 56 | Manipulate GetVersion | ok" },
    { FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000, "Ack", "ok",
      "← | Ack | 80800000 | 0 | Ack | ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001, "Manipulate GetVersion reply",
      "bad checksum",
      "← | StateManipulate | 80800001 | 56 | Manipulate GetVersion reply | "
      "bad checksum (warning)" },
    { TRUE, KDH_PACKET_TYPE_RESEND, 0x80800001, "Resend", "ok",
      "→ | Resend | 80800001 | 0 | Resend | ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001,
      "Manipulate GetVersion reply: 10.0.19041 x64, KernBase 0xfffff800`00400000", "ok",
      "← | StateManipulate | 80800001 | 56 | Manipulate GetVersion reply: 10.0.19041 x64, "
      "KernBase 0xfffff800`00400000 | ok" },
    { TRUE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001, "Ack", "ok",
      "→ | Ack | 80800001 | 0 | Ack | ok" },
    { FALSE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001,
      "Manipulate GetVersion reply: 10.0.19041 x64, KernBase 0xfffff800`00400000", "duplicate",
      "← | StateManipulate | 80800001 | 56 | Manipulate GetVersion reply: 10.0.19041 x64, "
      "KernBase 0xfffff800`00400000 | duplicate (warning)" },
    { TRUE, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001,
      "Manipulate ReadVirtualMemory 0xfffff800`00400000 0x1000", "ok",
      "→ | StateManipulate | 80800001 | 56 | Manipulate ReadVirtualMemory "
      "0xfffff800`00400000 0x1000 | ok" },
    { FALSE, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001, "Ack", "ok",
      "← | Ack | 80800001 | 0 | Ack | ok" },
    { FALSE, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "DebugIo Print \"Hello from the target\"",
      "ok", "← | DebugIo | 80800000 | 56 | DebugIo Print \"Hello from the target\" | ok" },
  };
  const gchar *all[G_N_ELEMENTS (trace)];

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  widget = kdh_packet_log_new ();
  log = KDH_PACKET_LOG (widget);
  window = kdh_test_gtk_show (widget, 760, 300);

  for (guint i = 0; i < G_N_ELEMENTS (trace); i++)
    {
      append_packet (log, trace[i].id, trace[i].outgoing, trace[i].type, trace[i].meaning,
                     trace[i].verdict);
      all[i] = trace[i].shown;
    }
  wait_rows (log, G_N_ELEMENTS (trace));
  kdh_test_gtk_iterate_for (200);
  assert_rows (log, all, G_N_ELEMENTS (trace));
  g_assert_cmpstr (count_text (log), ==, "14 packets");
  cairo_surface_destroy (kdh_test_gtk_draw (window, "packet-log-trace"));

  /* Filtered: exactly the four GetVersion packets, in order, and they are
   * the rows in view. */
  set_search (log, "version", 4);
  kdh_test_gtk_iterate_for (100);
  assert_shown (log, trace[4].shown, trace[6].shown, trace[8].shown, trace[10].shown, NULL);
  g_assert_cmpstr (count_text (log), ==, "4 of 14 packets");
  visible_rows (log, &first, &last);
  g_assert_cmpint (first, ==, 0);
  g_assert_cmpint (last, ==, 3);
  cairo_surface_destroy (kdh_test_gtk_draw (window, "packet-log-filtered"));

  kdh_test_gtk_destroy (window, widget);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  have_display = kdh_test_gtk_init (&argc, &argv);

  g_test_add_func ("/app/packet-log/rows", test_packet_log_rows);
  g_test_add_func ("/app/packet-log/limit", test_packet_log_limit);
  g_test_add_func ("/app/packet-log/filter", test_packet_log_filter);
  g_test_add_func ("/app/packet-log/export", test_packet_log_export);
  g_test_add_func ("/app/packet-log/flood", test_packet_log_flood);
  g_test_add_func ("/app/packet-log/autoscroll", test_packet_log_autoscroll);
  g_test_add_func ("/app/packet-log/hidden", test_packet_log_hidden);
  g_test_add_func ("/app/packet-log/render", test_packet_log_render);

  return g_test_run ();
}
