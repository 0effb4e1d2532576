/* test-app-views.c: the debugger views as a user and a screen reader see them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs kdhost against the executing simulator (sim:) on a private session
 * bus, types commands and presses keys through the X server (xdotool),
 * and reads the views through the accessibility tree (AT-SPI, with
 * read-views.py on Debian's python3-pyatspi), as a screen reader would.
 * At a breakpoint hit, Registers (Alt+4), Call Stack (Alt+6) and
 * Disassembly (Alt+7) must show what r, k and u print for the same stop;
 * F9 in the disassembly sets a breakpoint that bl lists. Skipped without
 * a display, xdotool or pyatspi.
 */
#include <gio/gio.h>
#include <gtk/gtk.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-test-atspi.h"
#include "kdh-test-x11.h"

typedef KdhTestApp App;

/* A count of the app's (breaks, runs) grown past @from. */
typedef struct {
  App *app;
  guint from;
} Expect;

/* The view's rows of the disassembly as u's lines (the gutter dropped). */
static gchar *
code_text (gchar **rows,
           guint   max_instructions)
{
  GString *text = g_string_new (NULL);
  guint n = 0;

  for (guint i = 0; rows[i] && n < max_instructions; i++)
    {
      const gchar *tab = strchr (rows[i], '\t');

      g_assert_nonnull (tab);
      g_string_append_printf (text, "%s\n", tab + 1);
      n += !g_str_has_suffix (tab + 1, ":");
    }
  return g_string_free (text, FALSE);
}

/* Clicks the Disassembly view's gutter on the row holding @text, where
 * AT-SPI says that cell is on the screen. */
static void
click_gutter (App         *app,
              const gchar *text)
{
  g_autofree gchar *arg = g_strdup_printf ("cell:Disassembly@%s:0", text);
  g_autofree gchar *out = kdh_test_app_run_atspi (arg);
  g_autofree gchar *x = NULL, *y = NULL;
  gint cx, cy, width, height;

  if (sscanf (out, "CELL Disassembly %d %d %d %d", &cx, &cy, &width, &height) != 4)
    g_error ("no gutter cell for '%s': %s", text, out);
  x = g_strdup_printf ("%d", cx + width / 2);
  y = g_strdup_printf ("%d", cy + height / 2);
  {
    const gchar *argv[] = { "xdotool", "mousemove", "--sync", x, y, "click", "1", NULL };

    g_free (kdh_test_x11_run (argv));
  }
}

static void
test_views_at_breakpoint (App          *app,
                          gconstpointer data)
{
  g_autofree gchar *r = NULL, *k = NULL, *u = NULL, *bl = NULL, *shown = NULL;
  g_auto (GStrv) bps = NULL, regs = NULL, frames = NULL, code = NULL, code2 = NULL, u_lines = NULL;
  g_autofree gchar *second = NULL, *expect = NULL, *rip_row = NULL, *third = NULL;
  g_autofree gchar *third_row = NULL, *entered = NULL;

  g_free (kdh_test_app_run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (kdh_test_app_run_typed (app, "g"));
  g_assert_nonnull (strstr (app->output->str, "Breakpoint 0 hit"));
  r = kdh_test_app_run_typed (app, "r");
  k = kdh_test_app_run_typed (app, "k");
  u = kdh_test_app_run_typed (app, "u");

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+4");
  kdh_test_x11_key ("alt+6");
  kdh_test_x11_key ("alt+7");

  /* Registers: every value r prints is the view's, digit for digit. */
  regs = kdh_test_app_wait_table ("Registers", "rip\t");
  g_assert_cmpuint (kdh_test_app_registers_as_r (regs, r), >=, 18);

  /* Call Stack: k's lines, frame by frame. */
  frames = kdh_test_app_wait_table ("Call Stack", "kdhtest!KdhTestTick");
  g_assert_cmpuint (kdh_test_app_stack_as_k (frames, k), >=, 4);

  /* Disassembly: u's eight instructions from rip, labels as u shows
   * them; the current one and the breakpoint marked in the gutter. */
  code = kdh_test_app_wait_table ("Disassembly", "kdhtest!KdhTestTick:");
  shown = code_text (code, 8);
  g_assert_cmpstr (shown, ==, u);
  g_assert_true (g_str_has_prefix (code[1], "●▶\t"));
  kdh_test_x11_screenshot (app->window_id, "views-at-breakpoint");

  /* F9 on the next instruction (Down from the current line) sets a
   * breakpoint there that bl lists. */
  u_lines = g_strsplit (u, "\n", -1);
  second = g_strndup (u_lines[2], 17);
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+7");
  kdh_test_x11_key ("Down");
  kdh_test_x11_key ("F9");
  rip_row = g_strdup_printf ("● \t%s", second);
  code2 = kdh_test_app_wait_table ("Disassembly", rip_row);
  bl = kdh_test_app_run_typed (app, "bl");
  expect = g_strdup_printf (" 1 e %s     0001 (0001) kdhtest!KdhTestTick+0x", second);
  g_assert_nonnull (strstr (bl, expect));

  /* A click in the gutter of the third instruction sets one there, a
   * second click clears it. */
  third = g_strndup (u_lines[3], 17);
  click_gutter (app, third);
  third_row = g_strdup_printf ("● \t%s", third);
  g_strfreev (kdh_test_app_wait_table ("Disassembly", third_row));
  g_free (bl);
  bl = kdh_test_app_run_typed (app, "bl");
  g_assert_nonnull (strstr (bl, third));
  click_gutter (app, third);
  g_free (third_row);
  third_row = g_strdup_printf ("  \t%s", third);
  g_strfreev (kdh_test_app_wait_table ("Disassembly", third_row));
  g_free (bl);
  bl = kdh_test_app_run_typed (app, "bl");
  g_assert_null (strstr (bl, third));

  /* Breakpoints (Alt+F9): bl's two, by id, address and what was typed. */
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+F9");
  bps = kdh_test_app_wait_table ("Breakpoints", second);
  g_assert_cmpuint (g_strv_length (bps), ==, 2);
  g_assert_nonnull (strstr (bps[0], "\t0\t"));
  g_assert_nonnull (strstr (bps[0], "kdhtest!KdhTestTick"));
  g_assert_nonnull (strstr (bps[1], "\t1\t"));
  kdh_test_x11_screenshot (app->window_id, "views-breakpoints");

  /* Its entry sets one by expression, with bp as if typed. */
  entered = kdh_test_app_run_atspi ("enter:New breakpoint=nt!KeBugCheckEx");
  g_assert_cmpstr (entered, ==, "ENTERED New breakpoint\n");
  g_strfreev (bps);
  bps = kdh_test_app_wait_table ("Breakpoints", "nt!KeBugCheckEx");
  g_assert_cmpuint (g_strv_length (bps), ==, 3);
  g_free (bl);
  bl = kdh_test_app_run_typed (app, "bl");
  g_assert_nonnull (strstr (bl, "nt!KeBugCheckEx"));
  g_assert_nonnull (strstr (app->output->str, "bp nt!KeBugCheckEx\n"));
}

static gboolean
stopped_again (gpointer data)
{
  Expect *e = data;

  return e->app->breaks > e->from;
}

/* Presses @keys (a step) and returns rip where the target stopped, as
 * "r rip" prints it. */
static gchar *
step_key (App         *app,
          const gchar *keys)
{
  Expect e = { app, app->breaks };
  g_autofree gchar *what = g_strdup_printf ("the stop after %s", keys);
  g_autofree gchar *out = NULL;

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key (keys);
  kdh_test_run_until (stopped_again, &e, 60, what);
  out = kdh_test_app_run_typed (app, "r rip");
  g_assert_true (g_str_has_prefix (out, "rip="));
  return g_strndup (out + 4, 16);
}

/* F11, F10 and Shift+F11 step as t, p and gu do: into the next
 * instruction, over the next one, and out to the caller's return
 * address (k's first RetAddr). The Registers view marks what the step
 * changed. */
static void
test_step_keys (App          *app,
                gconstpointer data)
{
  g_autofree gchar *u = NULL, *k = NULL, *rip = NULL;
  g_auto (GStrv) u_lines = NULL, k_lines = NULL;
  g_autofree gchar *expect = NULL;

  g_free (kdh_test_app_run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (kdh_test_app_run_typed (app, "g"));
  g_free (kdh_test_app_run_typed (app, "bc *"));
  u = kdh_test_app_run_typed (app, "u");
  k = kdh_test_app_run_typed (app, "k");
  u_lines = g_strsplit (u, "\n", -1);
  k_lines = g_strsplit (k, "\n", -1);

  /* Registers open before the step, to compare with this stop. */
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+4");
  g_strfreev (kdh_test_app_wait_table ("Registers", "rip\t"));
  rip = step_key (app, "F11");
  expect = g_strdup_printf ("%.8s%.8s", u_lines[2], u_lines[2] + 9);
  g_assert_cmpstr (rip, ==, expect);
  /* rip moved and push rsi moved rsp: both marked changed, rax not. */
  {
    g_autofree gchar *row = g_strdup_printf ("rip\t%s\tchanged", expect);
    g_auto (GStrv) regs = kdh_test_app_wait_table ("Registers", row);
    gboolean rsp_changed = FALSE, rax_changed = FALSE;

    for (guint i = 0; regs[i]; i++)
      {
        rsp_changed |= g_str_has_prefix (regs[i], "rsp\t") && g_str_has_suffix (regs[i], "\tchanged");
        rax_changed |= g_str_has_prefix (regs[i], "rax\t") && g_str_has_suffix (regs[i], "\tchanged");
      }
    g_assert_true (rsp_changed);
    g_assert_false (rax_changed);
  }
  g_clear_pointer (&rip, g_free);
  g_clear_pointer (&expect, g_free);

  rip = step_key (app, "F10");
  expect = g_strdup_printf ("%.8s%.8s", u_lines[3], u_lines[3] + 9);
  g_assert_cmpstr (rip, ==, expect);
  g_clear_pointer (&rip, g_free);
  g_clear_pointer (&expect, g_free);

  rip = step_key (app, "shift+F11");
  expect = g_strdup_printf ("%.8s%.8s", k_lines[1] + 18, k_lines[1] + 27);
  g_assert_cmpstr (rip, ==, expect);
}

/* A value edited in the Registers view reads back through r. */
static void
test_register_edit (App          *app,
                    gconstpointer data)
{
  g_autofree gchar *r = NULL;
  g_auto (GStrv) regs = NULL;

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+4");
  g_strfreev (kdh_test_app_wait_table ("Registers", "rax\t"));
  /* The first row is rax: Home puts the cursor there, Enter edits it. */
  kdh_test_x11_key ("Home");
  kdh_test_x11_key ("Return");
  kdh_test_x11_key ("ctrl+a");
  kdh_test_x11_type ("1234abcd", 20);
  kdh_test_x11_key ("Return");
  regs = kdh_test_app_wait_table ("Registers", "rax\t000000001234abcd");
  r = kdh_test_app_run_typed (app, "r rax");
  g_assert_cmpstr (r, ==, "rax=000000001234abcd\n");
}

/* The open views come back in the next run (GSettings open-views). */
static void
test_views_remembered (App          *app,
                       gconstpointer data)
{
  g_autofree gchar *config = g_dir_make_tmp ("kdh-views-XXXXXX", NULL);
  g_autofree gchar *keyfile = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);
  g_auto (GStrv) before = NULL, after = NULL;

  kdh_test_app_stop (app);
  kdh_test_app_start (app, config);
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+6");
  before = kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus");
  kdh_test_app_stop (app);
  g_assert_true (g_file_test (keyfile, G_FILE_TEST_EXISTS));

  /* No key pressed this time. */
  kdh_test_app_start (app, config);
  after = kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus");
  g_assert_cmpstr (after[0], ==, before[0]);
  g_remove (keyfile);
  for (guint up = 0; up < 3; up++)
    {
      gchar *dir = g_path_get_dirname (keyfile);

      g_rmdir (dir);
      g_free (keyfile);
      keyfile = dir;
    }
}

/* ---- The toolbar, Run to Cursor, Modules, the layout ------------------ */

typedef struct {
  const gchar *button;
  gboolean enabled;
  gchar **rows;
} ToolbarWait;

static gboolean
toolbar_shows (gpointer data)
{
  ToolbarWait *w = data;
  g_autofree gchar *row = g_strdup_printf ("%s\t%s", w->button, w->enabled ? "enabled" : "disabled");

  g_clear_pointer (&w->rows, g_strfreev);
  w->rows = kdh_test_app_read_atspi ("toolbar:Debug", "TOOLBAR Debug");
  if (g_strv_contains ((const gchar *const *) w->rows, row))
    return TRUE;
  g_usleep (200 * 1000);
  return FALSE;
}

/* The toolbar's buttons ("name\tenabled") once @button is (or is not). */
static gchar **
wait_toolbar (const gchar *button,
              gboolean     enabled)
{
  ToolbarWait w = { button, enabled, NULL };
  g_autofree gchar *what = g_strdup_printf ("the toolbar's %s %s", button,
                                            enabled ? "enabled" : "disabled");

  kdh_test_run_until (toolbar_shows, &w, 60, what);
  return w.rows;
}

static void
assert_buttons (gchar       **rows,
                const gchar  *state,
                const gchar  *const *names)
{
  for (guint i = 0; names[i]; i++)
    {
      g_autofree gchar *row = g_strdup_printf ("%s\t%s", names[i], state);

      if (!g_strv_contains ((const gchar *const *) rows, row))
        g_error ("the toolbar has no '%s'", row);
    }
}

static gboolean
running_again (gpointer data)
{
  Expect *e = data;

  return e->app->runs > e->from;
}

/* u's line @line as "r rip" prints the address: 16 digits. */
static gchar *
line_address (const gchar *line)
{
  return g_strdup_printf ("%.8s%.8s", line, line + 9);
}

/* The toolbar's buttons follow the state, read as a screen reader reads
 * them: at a break Go, the steps and Run to Cursor, while running Break
 * only; each is named and says its key. Its Step Over moves rip as p
 * does: over the instruction to the next one. */
static void
test_toolbar (App          *app,
              gconstpointer data)
{
  static const gchar *const at_break[] = { "Go", "Step Into", "Step Over", "Step Out",
                                           "Run to Cursor", NULL };
  static const gchar *const while_running[] = { "Break", NULL };
  g_auto (GStrv) rows = NULL, u_lines = NULL;
  g_autofree gchar *u = NULL, *rip = NULL, *expect = NULL, *out = NULL;
  Expect running = { app, app->runs }, stopped = { app, 0 };
  gsize from;

  rows = wait_toolbar ("Go", TRUE);
  assert_buttons (rows, "enabled", at_break);
  assert_buttons (rows, "disabled", while_running);
  g_clear_pointer (&rows, g_strfreev);

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+1");
  kdh_test_x11_type ("g", 20);
  kdh_test_x11_key ("Return");
  kdh_test_run_until (running_again, &running, 60, "the target running");
  rows = wait_toolbar ("Break", TRUE);
  assert_buttons (rows, "disabled", at_break);
  assert_buttons (rows, "enabled", while_running);
  g_clear_pointer (&rows, g_strfreev);

  /* F7 while running says why it does nothing. */
  from = app->output->len;
  kdh_test_x11_key ("F7");
  kdh_test_app_wait_output (app, from, "Run to Cursor: the target is running");

  /* The toolbar's Break stops it. */
  stopped.from = app->breaks;
  kdh_test_app_click ("Break");
  kdh_test_run_until (stopped_again, &stopped, 60, "the stop after the toolbar's Break");
  g_strfreev (wait_toolbar ("Go", TRUE));

  g_free (kdh_test_app_run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (kdh_test_app_run_typed (app, "g"));
  g_free (kdh_test_app_run_typed (app, "bc *"));
  u = kdh_test_app_run_typed (app, "u");
  u_lines = g_strsplit (u, "\n", -1);
  stopped.from = app->breaks;
  kdh_test_app_click ("Step Over");
  kdh_test_run_until (stopped_again, &stopped, 60, "the stop after the toolbar's Step Over");
  out = kdh_test_app_run_typed (app, "r rip");
  rip = g_strndup (out + 4, 16);
  /* push rsi: p goes to the next instruction. */
  expect = line_address (u_lines[2]);
  g_assert_cmpstr (rip, ==, expect);
}

/* F7 on a line selected in the disassembly runs there (g ADDR). */
static void
test_run_to_cursor (App          *app,
                    gconstpointer data)
{
  g_autofree gchar *u = NULL, *out = NULL, *expect = NULL, *bl = NULL, *third = NULL;
  g_auto (GStrv) u_lines = NULL;
  Expect stopped = { app, 0 };
  gsize from;

  g_free (kdh_test_app_run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (kdh_test_app_run_typed (app, "g"));
  g_free (kdh_test_app_run_typed (app, "bc *"));
  u = kdh_test_app_run_typed (app, "u");
  u_lines = g_strsplit (u, "\n", -1);

  /* No Disassembly view, no line selected: F7 says so. */
  from = app->output->len;
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("F7");
  kdh_test_app_wait_output (app, from, "Run to Cursor: select a line in the Disassembly view");

  kdh_test_x11_key ("alt+7");
  g_strfreev (kdh_test_app_wait_table ("Disassembly", "kdhtest!KdhTestTick:"));
  /* From the current line (u's first instruction), two down: the third. */
  kdh_test_x11_key ("Down");
  kdh_test_x11_key ("Down");
  stopped.from = app->breaks;
  kdh_test_x11_key ("F7");
  kdh_test_run_until (stopped_again, &stopped, 60, "the stop after F7");
  out = kdh_test_app_run_typed (app, "r rip");
  third = line_address (u_lines[3]);
  expect = g_strdup_printf ("rip=%s\n", third);
  g_assert_cmpstr (out, ==, expect);
  /* g ADDR's breakpoint was for that run only. */
  bl = kdh_test_app_run_typed (app, "bl");
  g_assert_cmpstr (bl, ==, "");
}

/* Up on the first line of the disassembly shows the instructions before
 * it, as ub finds them (16 at a time: L10); those of the function from
 * its start, not a decoding that straddles it. */
static void
test_disassembly_back (App          *app,
                       gconstpointer data)
{
  g_autofree gchar *ub = NULL;
  g_auto (GStrv) ub_lines = NULL, rows = NULL;
  g_autoptr (GString) expect = g_string_new (NULL), shown = g_string_new (NULL);
  g_autofree gchar *first = NULL;
  guint i;

  g_free (kdh_test_app_run_typed (app, "bp kdhtest!KdhTestTick+0x19"));
  g_free (kdh_test_app_run_typed (app, "g"));
  g_free (kdh_test_app_run_typed (app, "bc *"));
  ub = kdh_test_app_run_typed (app, "ub @rip L10");
  ub_lines = g_strsplit (ub, "\n", -1);
  for (i = 0; ub_lines[i]; i++)
    if (*ub_lines[i] && !g_str_has_suffix (ub_lines[i], ":"))
      {
        g_string_append_printf (expect, "%s\n", ub_lines[i]);
        if (first == NULL)
          first = g_strdup_printf ("\t%s", ub_lines[i]);
      }
  g_assert_nonnull (first);

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+7");
  g_strfreev (kdh_test_app_wait_table ("Disassembly", "kdhtest!KdhTestTick+0x19:"));
  kdh_test_x11_key ("Home");
  kdh_test_x11_key ("Up");
  rows = kdh_test_app_wait_table ("Disassembly", first);
  /* The view's instructions above the current one are ub's. */
  for (i = 0; rows[i] && strstr (rows[i], "▶") == NULL; i++)
    {
      const gchar *tab = strchr (rows[i], '\t');

      g_assert_nonnull (tab);
      if (!g_str_has_suffix (tab + 1, ":"))
        g_string_append_printf (shown, "%s\n", tab + 1);
    }
  g_assert_nonnull (rows[i]);
  g_assert_cmpstr (shown->str, ==, expect->str);
  g_assert_nonnull (strstr (expect->str, "fffff800`03001000 56              push    rsi\n"));
}

/* Each module's symbol state in the Modules view is lm's; its menu's
 * Reload Symbols loads them as .reload /f does, and the view follows. */
static void
check_modules_against_lm (gchar       **rows,
                          const gchar  *lm)
{
  guint checked = 0;

  for (guint i = 0; rows[i]; i++)
    {
      g_auto (GStrv) cells = g_strsplit (rows[i], "\t", -1);
      g_autofree gchar *state = NULL;
      const gchar *line;
      g_autofree gchar *text = NULL;

      const gchar *file;

      /* Module, Start, End, Symbols, Image, Timestamp, Symbol File (an
       * empty one is chomped off the last row). */
      g_assert_cmpuint (g_strv_length (cells), >=, 6);
      file = cells[6] ? cells[6] : "";
      line = strstr (lm, cells[1]);
      g_assert_nonnull (line);
      text = g_strndup (line, strcspn (line, "\n"));
      state = g_strdup_printf ("(%s)", cells[3]);
      if (strstr (text, state) == NULL)
        g_error ("lm says '%s', the view '%s'", text, rows[i]);
      if (*file)
        g_assert_true (g_str_has_suffix (text, file));
      else
        g_assert_true (g_str_has_suffix (text, "(deferred)"));
      checked++;
    }
  g_assert_cmpuint (checked, >=, 5);
}

static void
test_modules_symbols (App          *app,
                      gconstpointer data)
{
  g_autofree gchar *lm = NULL, *lm2 = NULL;
  g_auto (GStrv) rows = NULL, rows2 = NULL;
  guint hal = 0;

  lm = kdh_test_app_run_typed (app, "lm");
  kdh_test_x11_focus (app->window_id);
  /* View > Modules, as a screen reader's user opens it. */
  kdh_test_app_click ("View");
  kdh_test_app_click ("Modules");
  rows = kdh_test_app_wait_table ("Modules", "\tdeferred\t");
  check_modules_against_lm (rows, lm);
  while (rows[hal] && !g_str_has_prefix (rows[hal], "hal\t"))
    hal++;
  g_assert_nonnull (rows[hal]);
  g_assert_nonnull (strstr (rows[hal], "\tdeferred\t"));

  /* hal's menu (Shift+F10 on its row), Reload Symbols. */
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("Home");
  for (guint i = 0; i < hal; i++)
    kdh_test_x11_key ("Down");
  kdh_test_x11_key ("shift+F10");
  kdh_test_x11_key ("Return");
  rows2 = kdh_test_app_wait_table ("Modules", "hal\tfffff800`01c00000\tfffff800`01c04000\texport symbols\t");
  lm2 = kdh_test_app_run_typed (app, "lm");
  check_modules_against_lm (rows2, lm2);
}

/* Dividers moved (through AT-SPI, as a screen reader's user can) stay
 * where they were put in the next run; View > Reset Layout puts them
 * back. */
static void
test_layout_remembered (App          *app,
                        gconstpointer data)
{
  g_autofree gchar *config = g_dir_make_tmp ("kdh-layout-XXXXXX", NULL);
  const gchar *monitor = "Connection monitor divider", *views = "Views divider";
  gint monitor0, views0;

  kdh_test_app_stop (app);
  kdh_test_app_start (app, config);
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+6");
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  monitor0 = kdh_test_app_pane (monitor, -1, NULL);
  views0 = kdh_test_app_pane (views, -1, NULL);
  g_assert_cmpint (monitor0, >, 400);
  g_assert_cmpint (views0, >, 300);
  g_assert_cmpint (kdh_test_app_pane (monitor, monitor0 - 60, NULL), ==, monitor0 - 60);
  g_assert_cmpint (kdh_test_app_pane (views, views0 + 60, NULL), ==, views0 + 60);
  kdh_test_app_stop (app);

  kdh_test_app_start (app, config);
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  kdh_test_app_wait_pane (monitor, monitor0 - 60);
  kdh_test_app_wait_pane (views, views0 + 60);

  kdh_test_app_click ("View");
  kdh_test_app_click ("Reset Layout");
  kdh_test_app_wait_pane (monitor, monitor0);
  /* The view stays open (test-app-dock checks which dock it is in). */
  kdh_test_app_wait_pane (views, views0);
  g_strfreev (kdh_test_app_wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  /* The sizes are the defaults again: no longer kept. */
  {
    g_autofree gchar *keyfile = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);
    g_autofree gchar *kept = NULL;

    g_assert_true (g_file_get_contents (keyfile, &kept, NULL, NULL));
    g_assert_null (strstr (kept, "views-width"));
    g_assert_null (strstr (kept, "monitor-width"));
  }
  kdh_test_app_stop (app);

  /* And so it stays. */
  kdh_test_app_start (app, config);
  kdh_test_app_wait_pane (monitor, monitor0);
  kdh_test_app_remove_config (config);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!kdh_test_app_can_run (&argc, &argv))
    return 77;
  g_test_add ("/app/views/at-breakpoint", App, NULL, kdh_test_app_setup, test_views_at_breakpoint,
              kdh_test_app_teardown);
  g_test_add ("/app/views/register-edit", App, NULL, kdh_test_app_setup, test_register_edit, kdh_test_app_teardown);
  g_test_add ("/app/views/remembered", App, NULL, kdh_test_app_setup, test_views_remembered, kdh_test_app_teardown);
  g_test_add ("/app/views/step-keys", App, NULL, kdh_test_app_setup, test_step_keys, kdh_test_app_teardown);
  g_test_add ("/app/views/toolbar", App, NULL, kdh_test_app_setup, test_toolbar, kdh_test_app_teardown);
  g_test_add ("/app/views/disassembly-back", App, NULL, kdh_test_app_setup, test_disassembly_back,
              kdh_test_app_teardown);
  g_test_add ("/app/views/run-to-cursor", App, NULL, kdh_test_app_setup, test_run_to_cursor, kdh_test_app_teardown);
  g_test_add ("/app/views/modules-symbols", App, NULL, kdh_test_app_setup, test_modules_symbols,
              kdh_test_app_teardown);
  g_test_add ("/app/views/layout-remembered", App, NULL, kdh_test_app_setup, test_layout_remembered,
              kdh_test_app_teardown);
  return g_test_run ();
}
