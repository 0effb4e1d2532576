/* test-app-status.c: what the window shows about the connection and its
 * work, read from its widgets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real KdhWindows on the in-process simulator (sim:): the status bar's
 * retry count and countdown after a loss; the break-in byte and damaged
 * packets in the packet log; the echo of a line typed while busy; File >
 * Open Log File… through its file chooser; a symbol download's progress
 * bar and its Cancel, against the loopback symbol server of
 * test-symbol-server (kdh-test-symsrv.c).
 */
#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "kdh-test-engine.h"
#include "kdh-test-gtk.h"
#include "kdh-test-symsrv.h"
#include "kdh-app-resources.h"
#include "kdh-window-private.h"

static gboolean have_display;

static gboolean
state_is (gpointer data)
{
  gpointer *w = data;

  return kdh_window_get_state (w[0]) == (KdhConnState) GPOINTER_TO_INT (w[1]);
}

static void
wait_state (KdhWindow    *window,
            KdhConnState  state)
{
  gpointer w[2] = { window, GINT_TO_POINTER (state) };

  kdh_test_run_until (state_is, w, 60, kdh_conn_state_name (state));
}

/* ---- Retries ----------------------------------------------------------- */

typedef struct {
  GtkLabel *label;
  GPtrArray *seen;             /* every text the state label showed, in order */
} LabelLog;

static void
on_label (GObject    *label,
          GParamSpec *pspec,
          LabelLog   *log)
{
  const gchar *text = gtk_label_get_text (GTK_LABEL (label));

  if (log->seen->len == 0 || g_strcmp0 (g_ptr_array_index (log->seen, log->seen->len - 1), text))
    {
      g_test_message ("state label: %s", text);
      g_ptr_array_add (log->seen, g_strdup (text));
    }
}

static gboolean
label_is (gpointer data)
{
  gpointer *w = data;

  return g_strcmp0 (gtk_label_get_text (w[0]), w[1]) == 0;
}

static void
wait_label (GtkLabel    *label,
            const gchar *text)
{
  gpointer w[2] = { label, (gpointer) text };

  kdh_test_run_until (label_is, w, 60, text);
}

/* A target that never answers (every byte dropped): after each failed
 * round the status bar says which retry comes next and counts down to it;
 * the retry number goes on from round to round, while each round's RESETs
 * (counted from one again) do not show as a count that starts over. */
static void
test_retry_countdown (void)
{
  KdhWindow *window;
  LabelLog log;
  guint lost1 = 0, resync1 = 0, lost2 = 0;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  window = kdh_window_new (NULL);
  gtk_widget_show (GTK_WIDGET (window));
  log.label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (window->status_bar),
                                                        KDH_TYPE_STATUS_BAR, "state_label"));
  log.seen = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (log.label, "notify::label", G_CALLBACK (on_label), &log);
  kdh_window_attach (window, "sim:drop=1");

  /* 1 s, then 2 s of back-off: the second countdown is seen at 2 and at 1. */
  wait_label (log.label, "Lost, retrying in 2 s (retry 2)");
  wait_label (log.label, "Lost, retrying in 1 s (retry 2)");
  for (guint i = 0; i < log.seen->len; i++)
    {
      const gchar *text = g_ptr_array_index (log.seen, i);

      if (g_str_equal (text, "Lost, retrying in 1 s (retry 1)") && lost1 == 0)
        lost1 = i + 1;
      /* Synchronizing: the target was never there to be announced. */
      if (g_str_has_suffix (text, "ynchronizing (retry 1)") && resync1 == 0)
        resync1 = i + 1;
      if (g_str_equal (text, "Lost, retrying in 2 s (retry 2)") && lost2 == 0)
        lost2 = i + 1;
      /* Once retrying, never an attempt count that starts again. */
      if (lost1 > 0)
        g_assert_null (strstr (text, "attempt"));
    }
  g_assert_cmpuint (lost1, >, 0);
  g_assert_cmpuint (resync1, >, lost1);
  g_assert_cmpuint (lost2, >, resync1);
  g_signal_handlers_disconnect_by_data (log.label, &log);
  g_ptr_array_unref (log.seen);
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* ---- The packet log ----------------------------------------------------- */

static gboolean
output_has (gpointer data)
{
  gpointer *w = data;
  g_autofree gchar *text = kdh_command_view_dup_text (((KdhWindow *) w[0])->command_view);

  return strstr (text, w[1]) != NULL;
}

/* Runs @line in @window and waits for its end (a marker echoed after it). */
static void
run_in_window (KdhWindow   *window,
               const gchar *line)
{
  static guint n;
  /* A command of its own, after @line (some commands, .sympath, take the
   * rest of their line); waited for on a line of its own, not in its echo. */
  g_autofree gchar *echo = g_strdup_printf (".echo mark-%u-done", ++n);
  g_autofree gchar *mark = g_strdup_printf ("\nmark-%u-done\n", n);
  gpointer w[2] = { window, mark };

  kdh_engine_execute (window->engine, line, NULL);
  kdh_engine_execute (window->engine, echo, NULL);
  kdh_test_run_until (output_has, w, 60, mark);
}

static void
find_label (GtkWidget *widget,
            gpointer   data)
{
  gpointer *found = data;

  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), found[0]))
    found[1] = widget;
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), find_label, data);
}

static gboolean
has_label (GtkWidget   *widget,
           const gchar *text)
{
  gpointer found[2] = { (gpointer) text, NULL };

  find_label (widget, found);
  return found[1] != NULL;
}

static KdhWindow *
window_capturing (const gchar *connection)
{
  KdhWindow *window = kdh_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_widget_show (GTK_WIDGET (window));
  g_action_group_change_action_state (G_ACTION_GROUP (window), "packet-capture",
                                      g_variant_new_boolean (TRUE));
  kdh_window_attach (window, connection);
  wait_state (window, KDH_CONN_BREAK);
  return window;
}

static gboolean
log_has (gpointer data)
{
  gpointer *w = data;
  g_autofree gchar *text = kdh_packet_log_dup_text (((KdhWindow *) w[0])->packet_log);

  return strstr (text, w[1]) != NULL;
}

/* Ctrl+Break's byte is on the wire as much as a packet is: a row of its
 * own, towards the target. */
static void
test_breakin_logged (void)
{
  KdhWindow *window;
  gpointer w[2];
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint found = 0;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  window = window_capturing ("sim:");
  kdh_engine_execute (window->engine, "g", NULL);
  wait_state (window, KDH_CONN_RUNNING);
  g_action_group_activate_action (G_ACTION_GROUP (window), "break", NULL);
  wait_state (window, KDH_CONN_BREAK);
  w[0] = window;
  w[1] = "Break-in";
  kdh_test_run_until (log_has, w, 30, "the break-in row");
  text = kdh_packet_log_dup_text (window->packet_log);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (strstr (lines[i], "Break-in"))
      {
        g_test_message ("%s", lines[i]);
        g_assert_nonnull (strstr (lines[i], " → Break-in "));
        g_assert_nonnull (strstr (lines[i], "ok: break-in byte 0x62"));
        found++;
        /* The target's stop follows it. */
        g_assert_nonnull (lines[i + 1]);
      }
  g_assert_cmpuint (found, >=, 1);
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* The monitor's "Checksum errors" and the packet log say the same: as many
 * rows found by "checksum" as the counter counts. */
static void
test_checksum_vocabulary (void)
{
  KdhWindow *window;
  g_autofree gchar *text = NULL;
  g_autofree gchar *folded = NULL;
  guint64 counted;
  guint rows = 0;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  window = window_capturing ("sim:corrupt=0.2,drop=0.2,dup=0.1,seed=7");
  for (guint i = 0; i < 10; i++)
    run_in_window (window, "dq fffff800`00400000 L20");
  /* Everything received has been through the log and the counters. */
  kdh_test_gtk_iterate_for (1500);
  counted = kdh_connection_monitor_get_counter (window->monitor, "checksum-errors");
  text = kdh_packet_log_dup_text (window->packet_log);
  folded = g_utf8_casefold (text, -1);
  for (const gchar *p = folded; p && (p = strstr (p, "checksum")); p = strchr (p, '\n'))
    {
      const gchar *end = strchr (p, '\n');
      g_autofree gchar *verdict = g_strndup (p, end ? (gsize) (end - p) : strlen (p));

      g_test_message ("%s", verdict);
      rows++;
    }
  g_test_message ("%" G_GUINT64_FORMAT " checksum errors counted, %u rows", counted, rows);
  g_assert_cmpuint (counted, >, 0);
  g_assert_cmpuint (rows, ==, counted);
  /* Not only bad checksums: lost bytes cut packets short or hit trailers. */
  g_assert_nonnull (strstr (folded, "checksum error: "));
  g_assert_true (has_label (GTK_WIDGET (window->monitor), "Checksum errors"));
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* ---- The echo ---------------------------------------------------------- */

/* A command typed while the target runs is echoed with the prompt of the
 * processor it will be read on, as at a break: "0: kd> r". */
static void
test_busy_echo (void)
{
  KdhWindow *window;
  g_autofree gchar *text = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  window = kdh_window_new (NULL);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_window_attach (window, "sim:");
  wait_state (window, KDH_CONN_BREAK);
  kdh_engine_execute (window->engine, "g", NULL);
  wait_state (window, KDH_CONN_RUNNING);
  run_in_window (window, ".echo typed-while-running");
  text = kdh_command_view_dup_text (window->command_view);
  g_assert_nonnull (strstr (text, "\n0: kd> .echo typed-while-running\n"));
  g_assert_null (strstr (text, "\nkd> .echo typed-while-running\n"));
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* ---- File > Open Log File… ---------------------------------------------- */

/* The item @label of the File menu's sections, and its action. */
static gchar *
file_menu_action (const gchar *label)
{
  g_autoptr (GtkBuilder) builder = NULL;
  GMenuModel *menubar;
  gchar *found = NULL;

  kdh_app_ensure_resources ();
  builder = gtk_builder_new_from_resource ("/org/kdhost/Kdhost/gtk/menus.ui");
  menubar = G_MENU_MODEL (gtk_builder_get_object (builder, "menubar"));
  for (gint i = 0; i < g_menu_model_get_n_items (menubar); i++)
    {
      g_autofree gchar *name = NULL;
      g_autoptr (GMenuModel) file = NULL;

      g_menu_model_get_item_attribute (menubar, i, "label", "s", &name);
      if (g_strcmp0 (name, "_File") != 0)
        continue;
      file = g_menu_model_get_item_link (menubar, i, G_MENU_LINK_SUBMENU);
      for (gint s = 0; s < g_menu_model_get_n_items (file); s++)
        {
          g_autoptr (GMenuModel) section = g_menu_model_get_item_link (file, s, G_MENU_LINK_SECTION);

          for (gint j = 0; section && j < g_menu_model_get_n_items (section); j++)
            {
              g_autofree gchar *item = NULL;

              g_menu_model_get_item_attribute (section, j, "label", "s", &item);
              if (g_strcmp0 (item, label) == 0)
                g_menu_model_get_item_attribute (section, j, "action", "s", &found);
            }
        }
    }
  return found;
}

static GtkWidget *
find_chooser (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkWidget *found = NULL;

  for (GList *l = toplevels; l; l = l->next)
    if (GTK_IS_FILE_CHOOSER_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static gboolean
chooser_shown (gpointer data)
{
  return find_chooser () != NULL;
}

static gboolean
chooser_gone (gpointer data)
{
  return find_chooser () == NULL;
}

static gboolean
file_has (gpointer data)
{
  gpointer *w = data;
  g_autofree gchar *contents = NULL;

  return g_file_get_contents (w[0], &contents, NULL, NULL) && strstr (contents, w[1]) != NULL;
}

static gboolean
chooser_has_file (gpointer data)
{
  g_autofree gchar *path = gtk_file_chooser_get_filename (data);

  return path != NULL;
}

/* Chooses @name in @dir in the Open Log File dialog, appending or not. */
static void
choose_log (KdhWindow   *window,
            const gchar *dir,
            const gchar *name,
            gboolean     append)
{
  GtkWidget *chooser;

  g_action_group_activate_action (G_ACTION_GROUP (window), "open-log", NULL);
  kdh_test_run_until (chooser_shown, NULL, 30, "the Open Log File dialog");
  chooser = find_chooser ();
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (chooser)), ==, "Open Log File");
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), dir);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "append", append ? "true" : "false");
  /* The folder loads in the background; the name counts once it has. */
  g_assert_true (kdh_test_gtk_iterate_until (chooser_has_file, chooser, 30000));
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  kdh_test_run_until (chooser_gone, NULL, 30, "the Open Log File dialog to go");
}

/* File > Open Log File… and Close Log File are in the menu; the file chosen
 * is logged to by .logopen (the output says so), Append keeps what it held
 * (.logappend), and Close Log File ends it (.logclose). */
static void
test_log_menu (void)
{
  KdhWindow *window;
  g_autofree gchar *open_action = file_menu_action ("Open _Log File…");
  g_autofree gchar *close_action = file_menu_action ("Close Lo_g File");
  g_autofree gchar *dir = g_dir_make_tmp ("kdh-log-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "with space; semicolon.log", NULL);
  g_autofree gchar *opened = g_strdup_printf ("Opened log file '%s'", path);
  g_autofree gchar *contents = NULL;
  gpointer w[2] = { path, NULL };

  g_assert_cmpstr (open_action, ==, "win.open-log");
  g_assert_cmpstr (close_action, ==, "win.close-log");
  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  window = kdh_window_new (NULL);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_window_attach (window, "sim:");
  wait_state (window, KDH_CONN_BREAK);

  choose_log (window, dir, "with space; semicolon.log", FALSE);
  {
    gpointer o[2] = { window, opened };

    kdh_test_run_until (output_has, o, 30, opened);
  }
  run_in_window (window, ".echo first-logged-line");
  g_action_group_activate_action (G_ACTION_GROUP (window), "close-log", NULL);
  w[1] = "Closing open log file";
  kdh_test_run_until (file_has, w, 30, "the log closed");
  run_in_window (window, ".echo not-logged");

  /* Again, appending: the first line stays. */
  choose_log (window, dir, "with space; semicolon.log", TRUE);
  run_in_window (window, ".echo second-logged-line");
  g_action_group_activate_action (G_ACTION_GROUP (window), "close-log", NULL);
  w[1] = "second-logged-line";
  kdh_test_run_until (file_has, w, 30, "the second line in the log");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "first-logged-line"));
  g_assert_null (strstr (contents, "not-logged"));
  gtk_widget_destroy (GTK_WIDGET (window));
  g_remove (path);
  g_rmdir (dir);
}

/* ---- A download's progress ------------------------------------------- */

typedef struct {
  KdhWindow *window;
  Server *server;
} Download;

static GtkWidget *
status_part (KdhWindow   *window,
             const gchar *name)
{
  GObject *part = gtk_widget_get_template_child (GTK_WIDGET (window->status_bar),
                                                 KDH_TYPE_STATUS_BAR, name);

  g_assert_nonnull (part);
  return GTK_WIDGET (part);
}

static gboolean
bar_at_half (gpointer data)
{
  Download *d = data;
  GtkWidget *bar = status_part (d->window, "progress_bar");

  /* The test server's sockets are served from this main context too. */
  return gtk_widget_is_visible (bar)
         && gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar)) > 0.45;
}

static gboolean
bar_hidden (gpointer data)
{
  return !gtk_widget_is_visible (status_part (data, "progress_box"));
}

/* .reload of a PDB that the server sends half of and then holds: the status
 * bar shows what is downloaded and how far (half of its size, as the bar's
 * text says), and its Cancel stops the download as Ctrl+Break would: the
 * bar goes, the output says cancelled, the module keeps its exports. A
 * download that runs to its end takes its bar away too. */
static void
test_download_progress (void)
{
  KdhWindow *window;
  Server server = { 0 };
  Download d;
  g_autofree gchar *tmp = g_dir_make_tmp ("kdh-symsrv-XXXXXX", NULL);
  g_autofree gchar *root = g_build_filename (tmp, "www", NULL);
  g_autofree gchar *cache = g_build_filename (tmp, "cache", NULL);
  g_autofree gchar *line = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *half = NULL, *whole = NULL, *expected = NULL;
  gsize len;
  GtkWidget *bar, *label, *cancel;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  kdh_test_symsrv_publish (root, "ntoskrnl.pdb", FALSE);
  g_free (kdh_test_symsrv_guest_file ("ntoskrnl.pdb", &len));
  kdh_test_symsrv_start (&server, root);
  window = kdh_window_new (NULL);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_window_attach (window, "sim:");
  wait_state (window, KDH_CONN_BREAK);
  g_assert_false (gtk_widget_is_visible (status_part (window, "progress_box")));

  line = g_strdup_printf (".sympath srv*%s*%s/slow", cache, server.url);
  run_in_window (window, line);
  kdh_engine_execute (window->engine, ".reload /f nt", NULL);
  d.window = window;
  d.server = &server;
  kdh_test_run_until (bar_at_half, &d, 60, "the progress bar at half");
  bar = status_part (window, "progress_bar");
  label = status_part (window, "progress_label");
  cancel = status_part (window, "progress_cancel");
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar)), ==,
                     (gdouble) (len / 2) / len);
  half = g_format_size (len / 2);
  whole = g_format_size (len);
  expected = g_strdup_printf ("%s of %s", half, whole);
  g_assert_cmpstr (gtk_progress_bar_get_text (GTK_PROGRESS_BAR (bar)), ==, expected);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "Downloading ntoskrnl.pdb");
  {
    g_autofree gchar *tip = gtk_widget_get_tooltip_text (label);
    g_autofree gchar *url = g_strdup_printf ("%s/slow/ntoskrnl.pdb/", server.url);

    g_assert_true (g_str_has_prefix (tip, url));
  }
  g_assert_true (gtk_widget_is_sensitive (cancel));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  cairo_surface_destroy (kdh_test_gtk_draw (GTK_WIDGET (window->status_bar), "status-download"));

  gtk_button_clicked (GTK_BUTTON (cancel));
  kdh_test_run_until (bar_hidden, window, 60, "the progress bar gone");
  {
    gpointer w[2] = { window, "cancelled" };

    kdh_test_run_until (output_has, w, 60, "the download cancelled");
  }
  run_in_window (window, "lm m nt");
  text = kdh_command_view_dup_text (window->command_view);
  if (strstr (text, "(export symbols)") == NULL)
    g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "(export symbols)"));

  /* A download that ends: no bar left behind. */
  kdh_test_symsrv_release (&server);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf (".sympath srv*%s*%s", cache, server.url);
  run_in_window (window, line);
  run_in_window (window, ".reload /f nt");
  if (gtk_widget_is_visible (status_part (window, "progress_box")))
    {
      g_autofree gchar *t = kdh_command_view_dup_text (window->command_view);

      /* What the window showed, to tell why. */
      g_test_message ("bar: %s / %s; output: %s", gtk_label_get_text (GTK_LABEL (label)),
                      gtk_progress_bar_get_text (GTK_PROGRESS_BAR (bar)), t);
    }
  g_assert_false (gtk_widget_is_visible (status_part (window, "progress_box")));
  g_clear_pointer (&text, g_free);
  run_in_window (window, "lm m nt");
  text = kdh_command_view_dup_text (window->command_view);
  if (strstr (text, "(pdb symbols)") == NULL)
    g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "(pdb symbols)"));

  gtk_widget_destroy (GTK_WIDGET (window));
  kdh_test_symsrv_stop (&server);
  {
    const gchar *argv[] = { "rm", "-rf", tmp, NULL };

    g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                  NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("NO_AT_BRIDGE", "1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);
  have_display = kdh_test_gtk_init (&argc, &argv);

  g_test_add_func ("/app/status/retry-countdown", test_retry_countdown);
  g_test_add_func ("/app/status/breakin-logged", test_breakin_logged);
  g_test_add_func ("/app/status/checksum-vocabulary", test_checksum_vocabulary);
  g_test_add_func ("/app/status/busy-echo", test_busy_echo);
  g_test_add_func ("/app/status/log-menu", test_log_menu);
  g_test_add_func ("/app/status/download-progress", test_download_progress);

  return g_test_run ();
}
