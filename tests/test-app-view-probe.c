/* test-app-view-probe.c: the opt-in view probe writes a line per stop
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real KdhWindow with two views open on the in-process simulator and
 * KDH_VIEW_PROBE set: the probe's file names the open views and, for the
 * initial break and a break-in after `g`, a stop whose views have shown
 * their answers, with figures in milliseconds. What the figures are is the
 * benchmark's business (bench/ui-views-stop.sh); nothing here is timed.
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-window-private.h"

static gboolean have_display;
static gchar *probe_path;

typedef struct {
  guint stop;
  gchar *line;                  /* that stop's line, once shown and painted */
} StopWait;

static gboolean
stop_shown (gpointer data)
{
  StopWait *w = data;
  g_autofree gchar *text = NULL;
  g_autofree gchar *prefix = g_strdup_printf ("stop=%u ", w->stop);
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (probe_path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix) && strstr (lines[i], "painted_ms=-") == NULL)
      {
        w->line = g_strdup (lines[i]);
        return TRUE;
      }
  return FALSE;
}

static gboolean
is_running (gpointer data)
{
  return kdh_window_get_state (data) == KDH_CONN_RUNNING;
}

/* Checks one stop's line: two views, figures, answers without errors. */
static void
check_stop (KdhWindow *window,
            guint      stop)
{
  StopWait w = { stop, NULL };
  g_autofree gchar *what = g_strdup_printf ("stop %u in the view probe's file", stop);
  gdouble shown, painted, settled;
  guint n, views, results, errors;

  kdh_test_run_until (stop_shown, &w, 120, what);
  g_test_message ("%s", w.line);
  g_assert_cmpint (sscanf (w.line, "stop=%u views=%u shown_ms=%lf painted_ms=%lf settled_ms=%lf "
                           "results=%u errors=%u", &n, &views, &shown, &painted, &settled, &results,
                           &errors), ==, 7);
  g_assert_cmpuint (n, ==, stop);
  g_assert_cmpuint (views, ==, 2);
  /* Each view answered at least once, with data. */
  g_assert_cmpuint (results, >=, 2);
  g_assert_cmpuint (errors, ==, 0);
  /* The order of the moments, not their size. */
  g_assert_cmpfloat (shown, >=, 0);
  g_assert_cmpfloat (painted, >=, shown);
  g_assert_cmpfloat (settled, >=, shown);
  g_free (w.line);
}

static void
test_view_probe (void)
{
  g_autofree gchar *text = NULL;
  KdhWindow *window;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  window = kdh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_widget_show (GTK_WIDGET (window));
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-registers", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-stack", NULL);
  kdh_window_attach (window, "sim:");
  check_stop (window, 1);
  g_assert_true (g_file_get_contents (probe_path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "views=2\n"));

  kdh_engine_execute (kdh_window_get_engine (window), "g", NULL);
  kdh_test_run_until (is_running, window, 60, "the target running");
  kdh_engine_break (kdh_window_get_engine (window));
  check_stop (window, 2);
  gtk_widget_destroy (GTK_WIDGET (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree gchar *dir = g_dir_make_tmp ("kdh-view-probe-XXXXXX", NULL);
  int result;

  probe_path = g_build_filename (dir, "probe", NULL);
  g_setenv ("KDH_VIEW_PROBE", probe_path, TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check (&argc, &argv);

  g_test_add_func ("/app/view-probe/stops", test_view_probe);

  result = g_test_run ();
  g_remove (probe_path);
  g_rmdir (dir);
  g_free (probe_path);
  return result;
}
