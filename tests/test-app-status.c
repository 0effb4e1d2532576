/* test-app-status.c: what the window shows about the connection and its
 * work, read from its widgets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real KdhWindows on the in-process simulator (sim:): the status bar's
 * retry count and countdown after a loss.
 */
#include <string.h>
#include <gtk/gtk.h>

#include "kdh-test-engine.h"
#include "kdh-test-gtk.h"
#include "kdh-window-private.h"

static gboolean have_display;

static gboolean
state_is (gpointer data)
{
  gpointer *w = data;

  return kdh_window_get_state (w[0]) == (KdhConnState) GPOINTER_TO_INT (w[1]);
}

G_GNUC_UNUSED static void
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

int
main (int   argc,
      char *argv[])
{
  g_setenv ("NO_AT_BRIDGE", "1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);
  have_display = kdh_test_gtk_init (&argc, &argv);

  g_test_add_func ("/app/status/retry-countdown", test_retry_countdown);

  return g_test_run ();
}
