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
#include <stdlib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-test-x11.h"

#define SESSION_PATH "/org/kdhost/Kdhost/session/1"
#define PYTHON "/usr/bin/python3"

static gchar *display_name;

typedef struct {
  GTestDBus *bus_fixture;
  GDBusConnection *bus;
  GSubprocess *kdhost;
  gchar *window_id;
  GString *output;
  guint breaks;                /* StateChanged to break */
  guint runs;                  /* ... to running */
  guint subscription;
} App;

static void
on_signal (GDBusConnection *connection,
           const gchar     *sender,
           const gchar     *path,
           const gchar     *interface,
           const gchar     *signal,
           GVariant        *parameters,
           gpointer         data)
{
  App *app = data;
  const gchar *a, *text;

  if (g_str_equal (signal, "StateChanged"))
    {
      g_variant_get (parameters, "(&s&su)", &a, NULL, NULL);
      app->breaks += g_str_equal (a, "break");
      app->runs += g_str_equal (a, "running");
    }
  else if (g_str_equal (signal, "Output"))
    {
      g_variant_get (parameters, "(&s&s)", &a, &text);
      g_string_append (app->output, text);
      if (g_test_verbose ())
        g_printerr ("%s", text);
    }
}

typedef struct {
  App *app;
  gsize from;
  const gchar *text;
} Expect;

static gboolean
output_contains (gpointer data)
{
  Expect *e = data;

  return strstr (e->app->output->str + e->from, e->text) != NULL;
}

/* The marker twice: in the echo of the line, and printed by .echo. */
static gboolean
output_ended (gpointer data)
{
  Expect *e = data;
  const gchar *first = strstr (e->app->output->str + e->from, e->text);

  return first != NULL && strstr (first + strlen (e->text), e->text) != NULL;
}

/* Types @line and returns what it printed: ".echo" after it marks the
 * end, so the output is whole. */
static gchar *
run_typed (App         *app,
           const gchar *line)
{
  gsize from = app->output->len;
  g_autofree gchar *typed = g_strdup_printf ("%s; .echo END-OF-COMMAND", line);
  g_autofree gchar *what = g_strdup_printf ("output of '%s'", line);
  Expect e = { app, from, "END-OF-COMMAND\n" };
  const gchar *start, *end;

  kdh_test_x11_focus (app->window_id);
  /* The command window (Alt+1) may not have the focus: a view may. */
  kdh_test_x11_key ("alt+1");
  kdh_test_x11_type (typed, 20);
  kdh_test_x11_key ("Return");
  kdh_test_run_until (output_ended, &e, 60, what);
  /* Past the echo of the line itself, up to the marker. */
  start = strstr (app->output->str + from, "END-OF-COMMAND\n");
  g_assert_nonnull (start);
  start += strlen ("END-OF-COMMAND\n");
  end = strstr (start, "END-OF-COMMAND\n");
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

static gboolean
session_exported (gpointer data)
{
  App *app = data;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "GetState", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  const gchar *state;

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(&s&s&s&s)", &state, NULL, NULL, NULL);
  return g_str_equal (state, "break");
}

/* What read-views.py prints for @arg after the line @header (without
 * it): a table's rows, a toolbar's buttons; empty when not found. */
static gchar *
run_atspi (const gchar *arg)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "read-views.py", NULL);
  const gchar *argv[] = { PYTHON, script, arg, NULL };
  g_autofree gchar *err = NULL;
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static gchar **
read_atspi (const gchar *arg,
            const gchar *header_line)
{
  g_autofree gchar *out = run_atspi (arg);
  g_autofree gchar *header = g_strdup_printf ("%s\n", header_line);

  if (!g_str_has_prefix (out, header))
    return g_new0 (gchar *, 1);
  g_strchomp (out);
  return g_strsplit (out + strlen (header), "\n", -1);
}

/* The rows of the table named @name, as AT-SPI gives them ("a\tb"). */
static gchar **
read_table (const gchar *name)
{
  g_autofree gchar *header = g_strdup_printf ("TABLE %s", name);

  return read_atspi (name, header);
}

typedef struct {
  const gchar *table;
  const gchar *needle;          /* a row containing this */
  gchar **rows;
} TableWait;

static gboolean
table_has (gpointer data)
{
  TableWait *w = data;

  g_clear_pointer (&w->rows, g_strfreev);
  w->rows = read_table (w->table);
  for (guint i = 0; w->rows[i]; i++)
    if (strstr (w->rows[i], w->needle))
      return TRUE;
  /* AT-SPI is asked again a little later, not in a busy loop. */
  g_usleep (200 * 1000);
  return FALSE;
}

static gchar **
wait_table (const gchar *table,
            const gchar *needle)
{
  TableWait w = { table, needle, NULL };
  g_autofree gchar *what = g_strdup_printf ("the %s view showing '%s'", table, needle);

  kdh_test_run_until (table_has, &w, 60, what);
  return w.rows;
}

static void start_kdhost (App         *app,
                          const gchar *config);

static void
stop_kdhost (App *app)
{
  g_subprocess_send_signal (app->kdhost, SIGTERM);
  g_subprocess_wait (app->kdhost, NULL, NULL);
  g_clear_object (&app->kdhost);
  g_clear_pointer (&app->window_id, g_free);
}

static void
app_setup (App          *app,
           gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  memset (app, 0, sizeof *app);
  app->output = g_string_new (NULL);
  app->bus_fixture = g_test_dbus_new (G_TEST_DBUS_NONE);
  /* The accessibility bus is started on demand through the session bus. */
  g_test_dbus_add_service_dir (app->bus_fixture, "/usr/share/dbus-1/services");
  g_test_dbus_up (app->bus_fixture);
  g_setenv ("DISPLAY", display_name, TRUE);
  app->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  app->subscription = g_dbus_connection_signal_subscribe (app->bus, NULL, "org.kdhost.Window1",
                                                          NULL, SESSION_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_signal,
                                                          app, NULL);
  start_kdhost (app, NULL);
}

/* kdhost -k sim:, stopped at its first break. @config: settings kept
 * in a key file under this XDG_CONFIG_HOME (NULL: in memory only). */
static void
start_kdhost (App         *app,
              const gchar *config)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *kdhost_path = g_build_filename (g_getenv ("KDH_BUILD_DIR"), "src", "app",
                                                    "kdhost", NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  if (config)
    {
      g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
    }
  else
    g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  /* The test environment turns the bridge off for the other tests. */
  g_subprocess_launcher_unsetenv (launcher, "NO_AT_BRIDGE");
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "atk", TRUE);
  app->kdhost = g_subprocess_launcher_spawn (launcher, &error, kdhost_path, "-k", "sim:", NULL);
  g_assert_no_error (error);
  kdh_test_run_until (session_exported, app, 60, "kdhost stopped at the initial break");
  app->window_id = kdh_test_x11_window_of (app->kdhost);
}

static void
app_teardown (App          *app,
              gconstpointer data)
{
  stop_kdhost (app);
  g_dbus_connection_signal_unsubscribe (app->bus, app->subscription);
  g_object_unref (app->bus);
  g_test_dbus_down (app->bus_fixture);
  g_object_unref (app->bus_fixture);
  g_string_free (app->output, TRUE);
}

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

static void
test_views_at_breakpoint (App          *app,
                          gconstpointer data)
{
  g_autofree gchar *r = NULL, *k = NULL, *u = NULL, *bl = NULL, *shown = NULL;
  g_auto (GStrv) bps = NULL, regs = NULL, frames = NULL, code = NULL, code2 = NULL, u_lines = NULL;
  g_autoptr (GString) from_view = g_string_new ("Child-SP          RetAddr               Call Site\n");
  g_autofree gchar *second = NULL, *expect = NULL, *rip_row = NULL;
  guint checked = 0, k_frames = 0;

  g_free (run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (run_typed (app, "g"));
  g_assert_nonnull (strstr (app->output->str, "Breakpoint 0 hit"));
  r = run_typed (app, "r");
  k = run_typed (app, "k");
  u = run_typed (app, "u");

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+4");
  kdh_test_x11_key ("alt+6");
  kdh_test_x11_key ("alt+7");

  /* Registers: every value r prints is the view's, digit for digit. */
  regs = wait_table ("Registers", "rip\t");
  for (guint i = 0; regs[i]; i++)
    {
      g_auto (GStrv) cells = g_strsplit (regs[i], "\t", 3);
      g_autofree gchar *needle = NULL;
      const gchar *at;

      if (g_strv_length (cells) < 2)
        continue;
      needle = g_strdup_printf ("%s=", cells[0]);
      at = strstr (r, needle);
      if (at == NULL || (at > r && g_ascii_isalnum (at[-1])))
        continue;
      g_assert_cmpint (strncmp (at + strlen (needle), cells[1], strlen (cells[1])), ==, 0);
      checked++;
    }
  g_assert_cmpuint (checked, >=, 18);

  /* Call Stack: k's lines, frame by frame. */
  frames = wait_table ("Call Stack", "kdhtest!KdhTestTick");
  for (guint i = 0; frames[i]; i++)
    {
      g_auto (GStrv) cells = g_strsplit (frames[i], "\t", 4);

      g_assert_cmpuint (g_strv_length (cells), ==, 4);
      g_string_append_printf (from_view, "%s %s     %s\n", cells[1], cells[2], cells[3]);
      k_frames++;
    }
  g_assert_cmpuint (k_frames, >=, 4);
  g_assert_cmpstr (from_view->str, ==, k);

  /* Disassembly: u's eight instructions from rip, labels as u shows
   * them; the current one and the breakpoint marked in the gutter. */
  code = wait_table ("Disassembly", "kdhtest!KdhTestTick:");
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
  code2 = wait_table ("Disassembly", rip_row);
  bl = run_typed (app, "bl");
  expect = g_strdup_printf (" 1 e %s     0001 (0001) kdhtest!KdhTestTick+0x", second);
  g_assert_nonnull (strstr (bl, expect));

  /* Breakpoints (Alt+F9): bl's two, by id, address and what was typed. */
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+F9");
  bps = wait_table ("Breakpoints", second);
  g_assert_cmpuint (g_strv_length (bps), ==, 2);
  g_assert_nonnull (strstr (bps[0], "\t0\t"));
  g_assert_nonnull (strstr (bps[0], "kdhtest!KdhTestTick"));
  g_assert_nonnull (strstr (bps[1], "\t1\t"));
  kdh_test_x11_screenshot (app->window_id, "views-breakpoints");
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
  Expect e = { app, app->breaks, NULL };
  g_autofree gchar *what = g_strdup_printf ("the stop after %s", keys);
  g_autofree gchar *out = NULL;

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key (keys);
  kdh_test_run_until (stopped_again, &e, 60, what);
  out = run_typed (app, "r rip");
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

  g_free (run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (run_typed (app, "g"));
  g_free (run_typed (app, "bc *"));
  u = run_typed (app, "u");
  k = run_typed (app, "k");
  u_lines = g_strsplit (u, "\n", -1);
  k_lines = g_strsplit (k, "\n", -1);

  /* Registers open before the step, to compare with this stop. */
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+4");
  g_strfreev (wait_table ("Registers", "rip\t"));
  rip = step_key (app, "F11");
  expect = g_strdup_printf ("%.8s%.8s", u_lines[2], u_lines[2] + 9);
  g_assert_cmpstr (rip, ==, expect);
  /* rip moved and push rsi moved rsp: both marked changed, rax not. */
  {
    g_autofree gchar *row = g_strdup_printf ("rip\t%s\tchanged", expect);
    g_auto (GStrv) regs = wait_table ("Registers", row);
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
  g_strfreev (wait_table ("Registers", "rax\t"));
  /* The first row is rax: Home puts the cursor there, Enter edits it. */
  kdh_test_x11_key ("Home");
  kdh_test_x11_key ("Return");
  kdh_test_x11_key ("ctrl+a");
  kdh_test_x11_type ("1234abcd", 20);
  kdh_test_x11_key ("Return");
  regs = wait_table ("Registers", "rax\t000000001234abcd");
  r = run_typed (app, "r rax");
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

  stop_kdhost (app);
  start_kdhost (app, config);
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+6");
  before = wait_table ("Call Stack", "nt!DbgBreakPointWithStatus");
  stop_kdhost (app);
  g_assert_true (g_file_test (keyfile, G_FILE_TEST_EXISTS));

  /* No key pressed this time. */
  start_kdhost (app, config);
  after = wait_table ("Call Stack", "nt!DbgBreakPointWithStatus");
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
  w->rows = read_atspi ("toolbar:Debug", "TOOLBAR Debug");
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

static void
click (const gchar *name)
{
  g_autofree gchar *arg = g_strdup_printf ("click:%s", name);
  g_autofree gchar *out = run_atspi (arg);
  g_autofree gchar *expect = g_strdup_printf ("CLICKED %s\n", name);

  g_assert_cmpstr (out, ==, expect);
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
  Expect running = { app, app->runs, NULL }, stopped = { app, 0, NULL };
  Expect refused = { app, 0, "Run to Cursor: the target is running" };

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
  refused.from = app->output->len;
  kdh_test_x11_key ("F7");
  kdh_test_run_until (output_contains, &refused, 60, "Run to Cursor refused while running");

  /* The toolbar's Break stops it. */
  stopped.from = app->breaks;
  click ("Break");
  kdh_test_run_until (stopped_again, &stopped, 60, "the stop after the toolbar's Break");
  g_strfreev (wait_toolbar ("Go", TRUE));

  g_free (run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (run_typed (app, "g"));
  g_free (run_typed (app, "bc *"));
  u = run_typed (app, "u");
  u_lines = g_strsplit (u, "\n", -1);
  stopped.from = app->breaks;
  click ("Step Over");
  kdh_test_run_until (stopped_again, &stopped, 60, "the stop after the toolbar's Step Over");
  out = run_typed (app, "r rip");
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
  Expect stopped = { app, 0, NULL };
  Expect refused = { app, 0, "Run to Cursor: select a line in the Disassembly view" };

  g_free (run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (run_typed (app, "g"));
  g_free (run_typed (app, "bc *"));
  u = run_typed (app, "u");
  u_lines = g_strsplit (u, "\n", -1);

  /* No Disassembly view, no line selected: F7 says so. */
  refused.from = app->output->len;
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("F7");
  kdh_test_run_until (output_contains, &refused, 60, "Run to Cursor refused without a line");

  kdh_test_x11_key ("alt+7");
  g_strfreev (wait_table ("Disassembly", "kdhtest!KdhTestTick:"));
  /* From the current line (u's first instruction), two down: the third. */
  kdh_test_x11_key ("Down");
  kdh_test_x11_key ("Down");
  stopped.from = app->breaks;
  kdh_test_x11_key ("F7");
  kdh_test_run_until (stopped_again, &stopped, 60, "the stop after F7");
  out = run_typed (app, "r rip");
  third = line_address (u_lines[3]);
  expect = g_strdup_printf ("rip=%s\n", third);
  g_assert_cmpstr (out, ==, expect);
  /* g ADDR's breakpoint was for that run only. */
  bl = run_typed (app, "bl");
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

  g_free (run_typed (app, "bp kdhtest!KdhTestTick+0x19"));
  g_free (run_typed (app, "g"));
  g_free (run_typed (app, "bc *"));
  ub = run_typed (app, "ub @rip L10");
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
  g_strfreev (wait_table ("Disassembly", "kdhtest!KdhTestTick+0x19:"));
  kdh_test_x11_key ("Home");
  kdh_test_x11_key ("Up");
  rows = wait_table ("Disassembly", first);
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

  lm = run_typed (app, "lm");
  kdh_test_x11_focus (app->window_id);
  /* View > Modules, as a screen reader's user opens it. */
  click ("View");
  click ("Modules");
  rows = wait_table ("Modules", "\tdeferred\t");
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
  rows2 = wait_table ("Modules", "hal\tfffff800`01c00000\tfffff800`01c04000\texport symbols\t");
  lm2 = run_typed (app, "lm");
  check_modules_against_lm (rows2, lm2);
}

/* The divider's position in the pane @name (moved to @set first unless
 * it is -1); its width in *@width. */
static gint
pane_size (const gchar *name,
           gint         set,
           gint        *width)
{
  g_autofree gchar *arg = set >= 0 ? g_strdup_printf ("pane:%s=%d", name, set)
                                   : g_strdup_printf ("pane:%s", name);
  g_autofree gchar *out = run_atspi (arg);
  g_autofree gchar *prefix = g_strdup_printf ("PANE %s ", name);

  gint position = -1;

  g_assert_true (g_str_has_prefix (out, prefix));
  g_assert_cmpint (sscanf (out + strlen (prefix), "%d %d", &position, width), ==, 2);
  return position;
}

static gint
pane (const gchar *name,
      gint         set)
{
  gint width;

  return pane_size (name, set, &width);
}

typedef struct {
  const gchar *name;
  gint value;
} PaneWait;

static gboolean
pane_is (gpointer data)
{
  PaneWait *w = data;

  gint now = pane (w->name, -1);

  if (now == w->value)
    return TRUE;
  g_usleep (200 * 1000);
  return FALSE;
}

static void
wait_pane (const gchar *name,
           gint         value)
{
  PaneWait w = { name, value };
  g_autofree gchar *what = g_strdup_printf ("%s at %d", name, value);

  kdh_test_run_until (pane_is, &w, 60, what);
}

static gboolean
table_gone (gpointer data)
{
  g_auto (GStrv) rows = read_table (data);

  if (rows[0] == NULL)
    return TRUE;
  g_usleep (200 * 1000);
  return FALSE;
}

static void
remove_config (const gchar *config)
{
  g_autofree gchar *keyfile = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);

  g_remove (keyfile);
  for (guint up = 0; up < 3; up++)
    {
      gchar *dir = g_path_get_dirname (keyfile);

      g_rmdir (dir);
      g_free (keyfile);
      keyfile = dir;
    }
}

/* Dividers moved (through AT-SPI, as a screen reader's user can) stay
 * where they were put in the next run; View > Reset Layout puts them
 * back and closes the views. */
static void
test_layout_remembered (App          *app,
                        gconstpointer data)
{
  g_autofree gchar *config = g_dir_make_tmp ("kdh-layout-XXXXXX", NULL);
  const gchar *monitor = "Connection monitor divider", *views = "Views divider";
  gint monitor0, views0;

  stop_kdhost (app);
  start_kdhost (app, config);
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+6");
  g_strfreev (wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  monitor0 = pane (monitor, -1);
  views0 = pane (views, -1);
  g_assert_cmpint (monitor0, >, 400);
  g_assert_cmpint (views0, >, 300);
  g_assert_cmpint (pane (monitor, monitor0 - 60), ==, monitor0 - 60);
  g_assert_cmpint (pane (views, views0 + 60), ==, views0 + 60);
  stop_kdhost (app);

  start_kdhost (app, config);
  g_strfreev (wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  wait_pane (monitor, monitor0 - 60);
  wait_pane (views, views0 + 60);

  click ("View");
  click ("Reset Layout");
  kdh_test_run_until (table_gone, (gpointer) "Call Stack", 60, "the views closed");
  wait_pane (monitor, monitor0);
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+6");
  g_strfreev (wait_table ("Call Stack", "nt!DbgBreakPointWithStatus"));
  /* The sizes are the defaults again: no longer kept. */
  {
    g_autofree gchar *keyfile = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);
    g_autofree gchar *kept = NULL;

    g_assert_true (g_file_get_contents (keyfile, &kept, NULL, NULL));
    g_assert_null (strstr (kept, "views-width"));
    g_assert_null (strstr (kept, "monitor-width"));
  }
  stop_kdhost (app);

  /* And so it stays. */
  start_kdhost (app, config);
  wait_pane (monitor, monitor0);
  remove_config (config);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *probe_out = NULL;
  gint status = 1;
  const gchar *probe[] = { PYTHON, "-c", "import pyatspi", NULL };

  g_test_init (&argc, &argv, NULL);
  display_name = g_strdup (g_getenv ("DISPLAY"));
  if (!gtk_init_check (&argc, &argv))
    {
      g_test_message ("no display: skipping the GUI tests");
      return 77;
    }
  if (!kdh_test_x11_have_xdotool ())
    {
      g_test_message ("xdotool is not installed: skipping");
      return 77;
    }
  if (!g_spawn_sync (NULL, (gchar **) probe, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &probe_out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("python3-pyatspi is not installed: skipping");
      return 77;
    }
  g_test_add ("/app/views/at-breakpoint", App, NULL, app_setup, test_views_at_breakpoint,
              app_teardown);
  g_test_add ("/app/views/register-edit", App, NULL, app_setup, test_register_edit, app_teardown);
  g_test_add ("/app/views/remembered", App, NULL, app_setup, test_views_remembered, app_teardown);
  g_test_add ("/app/views/step-keys", App, NULL, app_setup, test_step_keys, app_teardown);
  g_test_add ("/app/views/toolbar", App, NULL, app_setup, test_toolbar, app_teardown);
  g_test_add ("/app/views/disassembly-back", App, NULL, app_setup, test_disassembly_back,
              app_teardown);
  g_test_add ("/app/views/run-to-cursor", App, NULL, app_setup, test_run_to_cursor, app_teardown);
  g_test_add ("/app/views/modules-symbols", App, NULL, app_setup, test_modules_symbols,
              app_teardown);
  g_test_add ("/app/views/layout-remembered", App, NULL, app_setup, test_layout_remembered,
              app_teardown);
  return g_test_run ();
}
