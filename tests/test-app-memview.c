/* test-app-memview.c: the Memory (Alt+5) and Processors (Alt+9) views
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On test-app-views's harness (kdh-test-atspi.h): kdhost on the executing
 * simulator, keys through the X server, the views read through AT-SPI.
 * The Memory view at an
 * expression in the simulator's pattern region shows what db prints,
 * scrolled far down still shows the pattern (the aligned qword at A holds
 * A ^ 0xA5A5...), and a byte edited in it reads back through db sent on
 * the window's D-Bus Execute; its address and format come back in the
 * next run. The Processors view shows the simulator's two processors, and
 * activating processor 1 switches to it as ~1 does. Skipped without a
 * display, xdotool or pyatspi.
 */
#include <gio/gio.h>
#include <gtk/gtk.h>
#include <signal.h>
#include <glib/gstdio.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-test-atspi.h"
#include "kdh-test-x11.h"

typedef KdhTestApp App;

typedef struct {
  App *app;
  gsize from;
  const gchar *text;
} Expect;

/* The marker twice: in the echo of the line, and printed by .echo. */
static gboolean
output_twice (gpointer data)
{
  Expect *e = data;
  const gchar *first = strstr (e->app->output->str + e->from, e->text);

  return first != NULL && strstr (first + strlen (e->text), e->text) != NULL;
}

#define PATTERN G_GUINT64_CONSTANT (0xFFFFF80000400000)
#define XOR G_GUINT64_CONSTANT (0xA5A5A5A5A5A5A5A5)

static guint8
pattern_byte (guint64 address)
{
  return (guint8) (((address & ~G_GUINT64_CONSTANT (7)) ^ XOR) >> (8 * (address & 7)));
}

/* Sends @line on the window's D-Bus Execute, not through the keyboard,
 * and returns what it printed. */
static gchar *
run_bus (App         *app,
         const gchar *line)
{
  gsize from = app->output->len;
  g_autofree gchar *full = g_strdup_printf ("%s; .echo END-OF-BUS", line);
  g_autofree gchar *what = g_strdup_printf ("output of '%s' on D-Bus", line);
  Expect e = { app, from, "END-OF-BUS\n" };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *start, *end;

  reply = g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", KDH_TEST_SESSION_PATH,
                                       "org.kdhost.Window1", "Execute",
                                       g_variant_new ("(s)", full), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  /* The echo of the line, then .echo's output. */
  kdh_test_run_until (output_twice, &e, 60, what);
  start = strstr (app->output->str + from, "END-OF-BUS\n");
  start += strlen ("END-OF-BUS\n");
  end = strstr (start, "END-OF-BUS\n");
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

/* db's line from one row of the Memory view in bytes: the address, 16
 * cells and the text column. */
static gchar *
row_as_db (const gchar *row)
{
  g_auto (GStrv) cells = g_strsplit (row, "\t", -1);
  GString *line = g_string_new (NULL);

  g_assert_cmpuint (g_strv_length (cells), ==, 18);
  g_string_append_printf (line, "%s  ", cells[0]);
  for (guint i = 1; i <= 16; i++)
    g_string_append_printf (line, "%s%s", i == 1 ? "" : i == 9 ? "-" : " ", cells[i]);
  g_string_append_printf (line, "  %s\n", cells[17]);
  return g_string_free (line, FALSE);
}

static gboolean
memory_view_shown (gpointer data)
{
  /* No row asked for: only whether the table is there. */
  g_autofree gchar *out = kdh_test_app_run_atspi ("Memory@no row:0");

  if (out != NULL && g_str_has_prefix (out, "TABLE Memory"))
    return TRUE;
  g_usleep (200 * 1000);
  return FALSE;
}

/* Types @text into the Memory view's address box (Alt+A) and Enter. */
static void
set_memory_address (App         *app,
                    const gchar *text)
{
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+5");
  /* Alt+A finds the box once the view is on screen. */
  kdh_test_run_until (memory_view_shown, NULL, 60, "the Memory view");
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+a");
  /* Ctrl+A is the window's Select All: the line is selected by keys. */
  kdh_test_x11_key ("End");
  kdh_test_x11_key ("shift+Home");
  kdh_test_x11_type (text, 20);
  kdh_test_x11_key ("Return");
}

static void
test_memory (App          *app,
             gconstpointer data)
{
  g_autofree gchar *db = NULL, *shown = NULL, *back = NULL, *spec = NULL;
  g_auto (GStrv) rows = NULL, edited = NULL, scrolled = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  guint64 last = 0;

  g_free (kdh_test_app_run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (kdh_test_app_run_typed (app, "g"));
  db = run_bus (app, "db fffff800`00400100 L40");

  /* An expression, evaluated by the engine. */
  set_memory_address (app, "fffff800`00400000+0x100");
  spec = g_strdup ("Memory@fffff800`00400100:4");
  rows = kdh_test_app_wait_table (spec, "\ta5\ta4\te5\ta5");
  g_assert_cmpuint (g_strv_length (rows), ==, 4);
  for (guint i = 0; rows[i]; i++)
    {
      g_autofree gchar *line = row_as_db (rows[i]);

      g_string_append (text, line);
    }
  g_assert_cmpstr (text->str, ==, db);
  kdh_test_x11_screenshot (app->window_id, "view-memory");

  /* Far past the lines first read (40 pages of rows): each line on
   * screen is read when it shows, and still is the pattern. */
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+5");
  for (guint i = 0; i < 40; i++)
    kdh_test_x11_key ("Next");
  scrolled = kdh_test_app_wait_table ("Memory@selected:3", "fffff800`004");
  for (guint tries = 0; tries < 100; tries++)
    {
      gboolean filled = TRUE;

      for (guint i = 0; scrolled[i]; i++)
        filled &= strstr (scrolled[i], "\t\t") == NULL && !g_str_has_suffix (scrolled[i], "\t");
      if (filled && g_strv_length (scrolled) == 3)
        break;
      g_usleep (200 * 1000);
      g_strfreev (scrolled);
      scrolled = kdh_test_app_wait_table ("Memory@selected:3", "fffff800`004");
    }
  for (guint i = 0; scrolled[i]; i++)
    {
      g_auto (GStrv) cells = g_strsplit (scrolled[i], "\t", -1);
      g_autofree gchar *hex = g_strdup_printf ("%.8s%.8s", cells[0], cells[0] + 9);
      guint64 address = g_ascii_strtoull (hex, NULL, 16);

      g_assert_cmpuint (g_strv_length (cells), ==, 18);
      for (guint b = 0; b < 16; b++)
        {
          g_autofree gchar *expect = g_strdup_printf ("%02x", pattern_byte (address + b));

          g_assert_cmpstr (cells[1 + b], ==, expect);
        }
      last = address;
    }
  /* Beyond the window of lines the view started with. */
  g_assert_cmphex (last, >, PATTERN + 0x100 + 256 * 16);

  /* Edit the first byte in place: Enter on its cell, a value, Enter; db
   * on D-Bus reads it back. */
  set_memory_address (app, "fffff800`00400100");
  g_strfreev (kdh_test_app_wait_table (spec, "\ta5\ta4\te5\ta5"));
  kdh_test_x11_key ("alt+5");
  kdh_test_x11_key ("Return");
  /* The cell's value is selected: typing replaces it. */
  kdh_test_x11_type ("3c", 20);
  kdh_test_x11_key ("Return");
  edited = kdh_test_app_wait_table (spec, "\t3c\ta4\te5\ta5");
  back = run_bus (app, "db fffff800`00400100 L4");
  g_assert_true (g_str_has_prefix (back, "fffff800`00400100  3c a4 e5 a5 "));
  g_assert_true (g_str_has_suffix (back, "  <...\n"));
}

/* Across the end of the pattern region into unmapped memory: question
 * marks where db prints them. Follow mode: @rsp evaluated again after a
 * step (t over push rsi moves rsp by 8, off the lines shown before). */
static void
test_memory_unreadable_and_follow (App          *app,
                                   gconstpointer data)
{
  g_autofree gchar *db = NULL, *rsp = NULL, *rsp2 = NULL, *spec = NULL, *row = NULL;
  g_autofree gchar *spec2 = NULL, *row2 = NULL, *t = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_auto (GStrv) rows = NULL, followed = NULL;

  g_free (kdh_test_app_run_typed (app, "bp kdhtest!KdhTestTick"));
  g_free (kdh_test_app_run_typed (app, "g"));
  db = run_bus (app, "db fffff800`013ffff0 L20");
  g_assert_nonnull (strstr (db, "?? ??"));
  set_memory_address (app, "fffff800`013ffff0");
  rows = kdh_test_app_wait_table ("Memory@fffff800`013ffff0:2", "\t??\t??");
  g_assert_cmpuint (g_strv_length (rows), ==, 2);
  for (guint i = 0; rows[i]; i++)
    {
      g_autofree gchar *line = row_as_db (rows[i]);

      g_string_append (text, line);
    }
  g_assert_cmpstr (text->str, ==, db);

  rsp = kdh_test_app_run_typed (app, "r rsp");
  set_memory_address (app, "@rsp");
  spec = g_strdup_printf ("Memory@%.8s`%.8s:1", rsp + 4, rsp + 12);
  row = g_strdup_printf ("%.8s`%.8s\t", rsp + 4, rsp + 12);
  g_strfreev (kdh_test_app_wait_table (spec, row));
  /* Follow (Alt+O), then a step. */
  kdh_test_x11_key ("alt+o");
  t = kdh_test_app_run_typed (app, "t");
  rsp2 = kdh_test_app_run_typed (app, "r rsp");
  g_assert_cmpstr (rsp, !=, rsp2);
  spec2 = g_strdup_printf ("Memory@%.8s`%.8s:1", rsp2 + 4, rsp2 + 12);
  row2 = g_strdup_printf ("%.8s`%.8s\t", rsp2 + 4, rsp2 + 12);
  followed = kdh_test_app_wait_table (spec2, row2);
  g_assert_true (g_str_has_prefix (followed[0], row2));
}

/* The Memory view's address and format come back in the next run. */
static void
test_memory_remembered (App          *app,
                        gconstpointer data)
{
  g_autofree gchar *config = g_dir_make_tmp ("kdh-memview-XXXXXX", NULL);
  g_autofree gchar *keyfile = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);
  g_autofree gchar *contents = NULL, *dq = NULL;
  g_auto (GStrv) rows = NULL, lines = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  kdh_test_app_stop (app);
  kdh_test_app_start (app, config);
  set_memory_address (app, "fffff800`00400200");
  g_strfreev (kdh_test_app_wait_table ("Memory@fffff800`00400200:1", "fffff800`00400200\t"));
  kdh_test_app_stop (app);
  g_assert_true (g_file_get_contents (keyfile, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "memory-address='fffff800`00400200'"));
  g_assert_nonnull (strstr (contents, "'memory'"));

  /* The format as the next run reads it: quad words, as dq shows them. */
  g_key_file_load_from_file (kf, keyfile, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_string (kf, "org/kdhost/Kdhost", "memory-format", "'qwords'");
  g_key_file_save_to_file (kf, keyfile, &error);
  g_assert_no_error (error);
  kdh_test_app_start (app, config);
  dq = run_bus (app, "dq fffff800`00400200 L4");
  lines = g_strsplit (dq, "\n", -1);
  rows = kdh_test_app_wait_table ("Memory@fffff800`00400200:2", "fffff800`00400200\t");
  for (guint i = 0; i < 2; i++)
    {
      g_auto (GStrv) cells = g_strsplit (rows[i], "\t", -1);
      g_autofree gchar *line = NULL;

      g_assert_cmpuint (g_strv_length (cells), ==, 3);
      line = g_strdup_printf ("%s  %s %s", cells[0], cells[1], cells[2]);
      g_assert_cmpstr (line, ==, lines[i]);
    }
  kdh_test_app_remove_config (config);
}

/* Processors: the simulator's two, rip as r shows it; Enter on the
 * second runs ~1: the prompt and r follow, and so does the view. */
static void
test_processors (App          *app,
                 gconstpointer data)
{
  g_autofree gchar *rip0 = NULL, *rip1 = NULL, *row0 = NULL, *row1 = NULL;
  g_auto (GStrv) cpus = NULL, after = NULL;
  gsize from;

  rip0 = kdh_test_app_run_typed (app, "r rip");
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+9");
  cpus = kdh_test_app_wait_table ("Processors", "1\tstopped\t");
  g_assert_cmpuint (g_strv_length (cpus), ==, 2);
  row0 = g_strdup_printf ("0\tcurrent\t%.8s`%.8s\t", rip0 + 4, rip0 + 12);
  g_assert_true (g_str_has_prefix (cpus[0], row0));
  kdh_test_x11_screenshot (app->window_id, "view-processors");

  from = app->output->len;
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+9");
  kdh_test_x11_key ("Down");
  kdh_test_x11_key ("Return");
  after = kdh_test_app_wait_table ("Processors", "1\tcurrent\t");
  g_assert_true (g_str_has_prefix (after[0], "0\tstopped\t"));
  rip1 = kdh_test_app_run_typed (app, "r rip");
  /* ~1 went through the command window, as typed, and so the prompt is
   * processor 1's. */
  g_assert_nonnull (strstr (app->output->str + from, "0: kd> ~1\n"));
  g_assert_nonnull (strstr (app->output->str + from, "1: kd> r rip"));
  row1 = g_strdup_printf ("1\tcurrent\t%.8s`%.8s\t", rip1 + 4, rip1 + 12);
  g_assert_true (g_str_has_prefix (after[1], row1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!kdh_test_app_can_run (&argc, &argv))
    return 77;
  g_test_add ("/app/memview/memory", App, NULL, kdh_test_app_setup, test_memory, kdh_test_app_teardown);
  g_test_add ("/app/memview/unreadable-and-follow", App, NULL, kdh_test_app_setup,
              test_memory_unreadable_and_follow, kdh_test_app_teardown);
  g_test_add ("/app/memview/memory-remembered", App, NULL, kdh_test_app_setup, test_memory_remembered,
              kdh_test_app_teardown);
  g_test_add ("/app/memview/processors", App, NULL, kdh_test_app_setup, test_processors, kdh_test_app_teardown);
  return g_test_run ();
}
