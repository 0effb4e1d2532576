/* test-app-flood.c: the window under a DbgPrint flood loses nothing
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real KdhWindow on the in-process simulator printing as fast as it can,
 * with a main loop that stalls for seconds (a slow frame, a machine under
 * load): every DbgPrint line must reach the terminal once and in order.
 * No wall-clock figure is asserted; every wait is bounded.
 */
#include <string.h>
#include <gtk/gtk.h>

#include "kdh-test-engine.h"
#include "kdh-window-private.h"

static gboolean have_display;

static gboolean
never (gpointer data)
{
  return FALSE;
}

static guint
count_lines (KdhWindow *window)
{
  g_autofree gchar *text = kdh_command_view_dup_text (window->command_view);
  const gchar *p = text;
  guint n = 0;

  while ((p = kdh_test_find_in_lines (p, "kdhtest: dbgprint seq=")))
    {
      n++;
      p++;
    }
  return n;
}

typedef struct {
  KdhWindow *window;
  guint lines;
} LinesWait;

static gboolean
has_lines (gpointer data)
{
  LinesWait *w = data;

  return count_lines (w->window) >= w->lines;
}

static gboolean
at_break_and_drained (gpointer data)
{
  KdhWindow *window = data;

  return kdh_window_get_state (window) == KDH_CONN_BREAK
         && !kdh_command_view_get_backlogged (window->command_view);
}

static gchar *
terminal_contents (VteTerminal *terminal)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;

  if (!vte_terminal_write_contents_sync (terminal, out, VTE_WRITE_DEFAULT, NULL, &error))
    g_error ("cannot read the terminal: %s", error->message);
  g_output_stream_write (out, "", 1, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* The sequence number of the first DbgPrint line in @text. */
static guint64
first_seq (const gchar *text)
{
  const gchar *p = strstr (text, "kdhtest: dbgprint seq=");

  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen ("kdhtest: dbgprint seq="), NULL, 10);
}

static void
test_flood_stalled_loop (void)
{
  KdhWindow *window;
  LinesWait w;
  g_autofree gchar *shown = NULL;
  g_autofree gchar *copy = NULL;
  guint before, lines;
  gsize peak = 0;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  window = kdh_window_new (NULL);
  /* Unlimited: whatever the view drops shows as a gap. */
  kdh_command_view_set_scrollback (window->command_view, -1);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_engine_set_initial_break (kdh_window_get_engine (window), FALSE);
  kdh_window_attach (window, "sim:dbgprint-rate=0");

  w.window = window;
  w.lines = 200;
  kdh_test_run_until (has_lines, &w, 120, "the first DbgPrint lines");
  /* The main loop stalls for seconds while the target floods: more output
   * than any buffer of the window's may hold is produced meanwhile. */
  g_usleep (10 * G_USEC_PER_SEC);
  before = count_lines (window);
  kdh_engine_get_backlog (kdh_window_get_engine (window), &peak);
  g_test_message ("backlog peak: %" G_GSIZE_FORMAT " bytes; %u lines shown", peak, before);
  /* Meanwhile the engine held back rather than piling the flood up. */
  g_assert_cmpuint (peak, <=, 2 * KDH_ENGINE_BACKLOG_HIGH_WATER);
  w.lines = before + 20000;
  kdh_test_run_until (has_lines, &w, 240, "DbgPrint lines after the stall");

  kdh_engine_break (kdh_window_get_engine (window));
  kdh_test_run_until (at_break_and_drained, window, 60, "the break");
  /* What is left in the view reaches the terminal within a few frames. */
  kdh_test_wait (never, NULL, 1);

  /* Everything from the first line on is in the terminal, in order. */
  shown = terminal_contents (kdh_command_view_get_terminal (window->command_view));
  lines = kdh_test_check_dbgprint_sequence (shown, 0);
  g_assert_cmpuint (lines, >=, before + 20000);
  /* The plain-text copy keeps the latest part, also without a gap. */
  copy = kdh_command_view_dup_text (window->command_view);
  g_assert_cmpuint (kdh_test_check_dbgprint_sequence (copy, first_seq (copy)), >, 0);
  g_assert_cmpuint (first_seq (copy) + kdh_test_check_dbgprint_sequence (copy, first_seq (copy)),
                    ==, lines);

  gtk_widget_destroy (GTK_WIDGET (window));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("NO_AT_BRIDGE", "1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check (&argc, &argv);

  g_test_add_func ("/app/flood/stalled-loop", test_flood_stalled_loop);

  return g_test_run ();
}
