/* test-app-dock.c: the debugger views arranged in the window's two docks
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs kdhost against the executing simulator (sim:) with its settings in
 * a key file, presses real keys through the X server (xdotool) and reads
 * the two notebooks the views are docked in through the accessibility
 * tree (AT-SPI, read-views.py's notebook:NAME), as a screen reader would:
 * a view moved to the bottom pane with the keyboard (the tab's menu, View
 * > Move View to Other Pane) is in the bottom notebook, the others stay
 * on the right; the next run puts them back where they were, in the same
 * order, with the bottom pane's size; View > Reset Layout puts them all
 * on the right again. A tab dragged with the mouse (xdotool) from the
 * right notebook onto the bottom one, which shows for the drag, is docked
 * there, and a right click on that tab gives its menu, which moves it
 * back. Skipped without a display, xdotool or pyatspi.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-test-atspi.h"
#include "kdh-test-wait.h"
#include "kdh-test-x11.h"

typedef KdhTestApp App;

#define RIGHT "Right views"
#define BOTTOM "Bottom views"
#define BOTTOM_DIVIDER "Bottom views divider"

static gchar *
notebook (const gchar *name)
{
  g_autofree gchar *arg = g_strdup_printf ("notebook:%s", name);

  return kdh_test_app_run_atspi (arg);
}

typedef struct {
  const gchar *name;
  const gchar *expect;
  gchar *last;
} NotebookWait;

static gboolean
notebook_is (gpointer data)
{
  NotebookWait *w = data;

  g_free (w->last);
  w->last = notebook (w->name);
  if (g_str_equal (w->last, w->expect))
    return TRUE;
  g_usleep (200 * 1000);
  return FALSE;
}

/* Waits until read-views.py reads the notebook @name as @expect: its
 * header, then "tab\ttables" a line, the current one starred. */
static void
wait_notebook (const gchar *name,
               const gchar *expect)
{
  NotebookWait w = { name, expect, NULL };
  g_autofree gchar *what = g_strdup_printf ("the notebook %s reading\n%s", name, expect);

  if (!kdh_test_wait (notebook_is, &w, 60))
    g_error ("%s\nbut it reads\n%s", what, w.last);
  g_free (w.last);
}

static void
test_dock_keyboard (App          *app,
                    gconstpointer data)
{
  g_autofree gchar *config = g_dir_make_tmp ("kdh-dock-XXXXXX", NULL);
  gint divider;

  kdh_test_app_stop (app);
  kdh_test_app_start (app, config);
  kdh_test_x11_focus (app->window_id);
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " hidden\n");
  kdh_test_x11_key ("alt+4");
  g_strfreev (kdh_test_app_wait_table ("Registers", "rip\t"));
  kdh_test_x11_key ("alt+6");
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\nRegisters\tRegisters\n*Call Stack\tCall Stack\n");

  /* From the stack's rows back to its tab, the tab's menu, its first
   * item: Move to Bottom Pane. */
  kdh_test_x11_key ("shift+Tab");
  kdh_test_x11_key ("shift+F10");
  kdh_test_x11_key ("Return");
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " shown\n*Call Stack\tCall Stack\n");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\n*Registers\tRegisters\n");
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));

  /* A view opened now goes to the right; View > Move View to Other Pane
   * (Alt+V, T) moves the one with the focus, after the stack. */
  kdh_test_x11_key ("alt+7");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\nRegisters\tRegisters\n*Disassembly\tDisassembly\n");
  kdh_test_x11_key ("alt+v");
  kdh_test_x11_key ("t");
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " shown\nCall Stack\tCall Stack\n*Disassembly\tDisassembly\n");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\n*Registers\tRegisters\n");

  /* The bottom pane made 40 px taller, as a screen reader's user can. */
  divider = kdh_test_app_pane (BOTTOM_DIVIDER, -1, NULL) - 40;
  g_assert_cmpint (divider, >, 100);
  g_assert_cmpint (kdh_test_app_pane (BOTTOM_DIVIDER, divider, NULL), ==, divider);
  kdh_test_app_stop (app);

  /* The next run: the same docks, order and size, no key pressed. */
  kdh_test_app_start (app, config);
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " shown\nCall Stack\tCall Stack\n*Disassembly\tDisassembly\n");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\n*Registers\tRegisters\n");
  kdh_test_app_wait_pane (BOTTOM_DIVIDER, divider);

  /* Alt+6 shows the stack where it is. */
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+6");
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " shown\n*Call Stack\tCall Stack\nDisassembly\tDisassembly\n");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\n*Registers\tRegisters\n");

  /* The tab's menu there says Move to Right Pane. */
  kdh_test_x11_key ("shift+Tab");
  kdh_test_x11_key ("shift+F10");
  kdh_test_x11_key ("Return");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\nRegisters\tRegisters\n*Call Stack\tCall Stack\n");
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " shown\n*Disassembly\tDisassembly\n");

  /* View > Reset Layout: all on the right, in the View menu's order; the
   * bottom pane hidden. */
  kdh_test_app_click ("View");
  kdh_test_app_click ("Reset Layout");
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " hidden\n");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\nRegisters\tRegisters\n*Call Stack\tCall Stack\n"
                        "Disassembly\tDisassembly\n");
  kdh_test_app_stop (app);

  /* And so it stays. */
  kdh_test_app_start (app, config);
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " hidden\n");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\nRegisters\tRegisters\nCall Stack\tCall Stack\n"
                        "*Disassembly\tDisassembly\n");
  kdh_test_app_remove_config (config);
}

/* Where read-views.py says the notebook @name is, and its tab @tab (NULL:
 * the notebook itself), on the screen; FALSE when it cannot say. */
static gboolean
where (const gchar *name,
       const gchar *tab,
       gint        *x,
       gint        *y,
       gint        *width,
       gint        *height)
{
  g_autofree gchar *arg = g_strdup_printf ("where:%s", name);
  g_autofree gchar *header = g_strdup_printf ("WHERE %s", name);
  g_autofree gchar *out = kdh_test_app_run_atspi (arg);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      const gchar *line = lines[i];

      if (tab == NULL && g_str_has_prefix (line, header))
        line += strlen (header);
      else if (tab != NULL && i > 0 && g_str_has_prefix (line, tab) && line[strlen (tab)] == ' ')
        line += strlen (tab);
      else
        continue;
      return sscanf (line, "%d %d %d %d", x, y, width, height) == 4;
    }
  return FALSE;
}

/* Moves the pointer (to a place it is not at: --sync waits for a move). */
static void
pointer (gint x,
         gint y)
{
  g_autofree gchar *xs = g_strdup_printf ("%d", x), *ys = g_strdup_printf ("%d", y);
  const gchar *move[] = { "xdotool", "mousemove", "--sync", xs, ys, NULL };

  g_free (kdh_test_x11_run (move));
  g_usleep (50 * 1000);
}

static void
button (const gchar *what)
{
  const gchar *argv[] = { "xdotool", what, "1", NULL };

  g_free (kdh_test_x11_run (argv));
  g_usleep (50 * 1000);
}

/* A tab dragged with the mouse from the right notebook and dropped on
 * the bottom one (which shows for the drag) is docked there. */
static void
test_dock_drag (App          *app,
                gconstpointer data)
{
  gint x, y, width, height, tx, ty;

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+4");
  g_strfreev (kdh_test_app_wait_table ("Registers", "rip\t"));
  kdh_test_x11_key ("alt+6");
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\nRegisters\tRegisters\n*Call Stack\tCall Stack\n");
  g_assert_true (where (RIGHT, "Registers", &x, &y, &width, &height));
  tx = x + width / 2;
  ty = y + height / 2;
  pointer (tx, ty);
  button ("mousedown");
  /* Down out of the tabs, and left: the drag begins. */
  for (gint step = 1; step <= 10; step++)
    pointer (tx - step * 8, ty + step * 8);
  g_assert_true (where (BOTTOM, NULL, &x, &y, &width, &height));
  g_assert_cmpint (width, >, 0);
  for (gint step = 1; step <= 10; step++)
    pointer (tx - 80 + (x + width / 2 - (tx - 80)) * step / 10,
             ty + 80 + (y + height / 2 - (ty + 80)) * step / 10);
  button ("mouseup");
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " shown\n*Registers\tRegisters\n");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\n*Call Stack\tCall Stack\n");

  /* A right click on its tab there: the tab's menu, Move to Right Pane;
   * the bottom notebook, empty, hides. */
  g_assert_true (where (BOTTOM, "Registers", &x, &y, &width, &height));
  pointer (x + width / 3, y + height / 2);
  {
    const gchar *argv[] = { "xdotool", "click", "3", NULL };

    g_free (kdh_test_x11_run (argv));
  }
  kdh_test_x11_key ("Down");
  kdh_test_x11_key ("Return");
  wait_notebook (RIGHT, "NOTEBOOK " RIGHT " shown\nCall Stack\tCall Stack\n*Registers\tRegisters\n");
  wait_notebook (BOTTOM, "NOTEBOOK " BOTTOM " hidden\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!kdh_test_app_can_run (&argc, &argv))
    return 77;
  g_test_add ("/app/dock/keyboard-remembered", App, NULL, kdh_test_app_setup, test_dock_keyboard,
              kdh_test_app_teardown);
  g_test_add ("/app/dock/drag", App, NULL, kdh_test_app_setup, test_dock_drag, kdh_test_app_teardown);
  return g_test_run ();
}
