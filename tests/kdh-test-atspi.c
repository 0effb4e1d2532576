/* kdh-test-atspi.c: kdhost as a user and a screen reader meet it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-atspi.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "kdh-test-engine.h"
#include "kdh-test-x11.h"

#define PYTHON "/usr/bin/python3"
#define END_MARK "END-OF-COMMAND\n"
#define SCRIPT_SECONDS 90u

static gchar *display_name;

gboolean
kdh_test_app_can_run (int    *argc,
                      char ***argv)
{
  g_autofree gchar *probe_out = NULL;
  const gchar *probe[] = { PYTHON, "-c", "import pyatspi", NULL };
  gint status = 1;

  display_name = g_strdup (g_getenv ("DISPLAY"));
  if (!gtk_init_check (argc, argv))
    {
      g_test_message ("no display: skipping the GUI tests");
      return FALSE;
    }
  if (!kdh_test_x11_have_xdotool ())
    {
      g_test_message ("xdotool is not installed: skipping");
      return FALSE;
    }
  if (!g_spawn_sync (NULL, (gchar **) probe, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &probe_out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("python3-pyatspi is not installed: skipping");
      return FALSE;
    }
  return TRUE;
}

static void
on_signal (GDBusConnection *connection,
           const gchar     *sender,
           const gchar     *path,
           const gchar     *interface,
           const gchar     *signal,
           GVariant        *parameters,
           gpointer         data)
{
  KdhTestApp *app = data;
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
  KdhTestApp *app;
  gsize from;
  const gchar *text;
} Seen;

static gboolean
output_contains (gpointer data)
{
  Seen *e = data;

  return strstr (e->app->output->str + e->from, e->text) != NULL;
}

void
kdh_test_app_wait_output (KdhTestApp  *app,
                          gsize        from,
                          const gchar *text)
{
  Seen e = { app, from, text };

  kdh_test_run_until (output_contains, &e, 60, text);
}

/* The marker twice: in the echo of the line, and printed by .echo (they
 * may come in two Output signals). */
static gboolean
output_ended (gpointer data)
{
  Seen *e = data;
  const gchar *first = strstr (e->app->output->str + e->from, e->text);

  return first != NULL && strstr (first + strlen (e->text), e->text) != NULL;
}

gchar *
kdh_test_app_run_typed (KdhTestApp  *app,
                        const gchar *line)
{
  gsize from = app->output->len;
  g_autofree gchar *typed = g_strdup_printf ("%s; .echo END-OF-COMMAND", line);
  g_autofree gchar *what = g_strdup_printf ("output of '%s'", line);
  Seen e = { app, from, END_MARK };
  const gchar *start, *end;

  kdh_test_x11_focus (app->window_id);
  /* The command window (Alt+1) may not have the focus: a view may. */
  kdh_test_x11_key ("alt+1");
  kdh_test_x11_type (typed, 20);
  kdh_test_x11_key ("Return");
  kdh_test_run_until (output_ended, &e, 60, what);
  /* Past the echo of the line itself, up to the marker. */
  start = strstr (app->output->str + from, END_MARK);
  g_assert_nonnull (start);
  start += strlen (END_MARK);
  end = strstr (start, END_MARK);
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

static gboolean
session_exported (gpointer data)
{
  KdhTestApp *app = data;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", KDH_TEST_SESSION_PATH,
                                 "org.kdhost.Window1", "GetState", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  const gchar *state;

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(&s&s&s&s)", &state, NULL, NULL, NULL);
  return g_str_equal (state, "break");
}

typedef struct {
  gboolean done;
  gchar *out;
  GError *error;
} ScriptRun;

static void
on_script_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  ScriptRun *run = data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, NULL,
                                        &run->error);
  run->done = TRUE;
}

static gboolean
on_script_late (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* One run of read-views.py, or NULL when it gave no answer in time. Its
 * own context, so that nothing of the test's runs meanwhile. */
static gchar *
run_script_once (const gchar *arg,
                 guint        seconds)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "read-views.py", NULL);
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (seconds);
  g_autoptr (GError) error = NULL;
  ScriptRun run = { 0 };

  g_main_context_push_thread_default (context);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, PYTHON, script, arg, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, cancellable, on_script_done, &run);
  g_source_set_callback (timeout, on_script_late, cancellable, NULL);
  g_source_attach (timeout, context);
  while (!run.done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
    }
  g_main_context_pop_thread_default (context);
  if (run.error != NULL)
    {
      g_test_message ("read-views.py %s: %s", arg, run.error->message);
      g_error_free (run.error);
      return NULL;
    }
  /* Its stderr is the test's: what went wrong is printed above. */
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("read-views.py %s failed (wait status %d)", arg, g_subprocess_get_status (process));
  return run.out;
}

/* An accessibility call can hang when the bus or the window is starved;
 * such a run is killed and, when it only reads, made again, so a test
 * fails on an answer that is wrong or on none twice, never at ctest's
 * limit. A run that acts (click:, enter:, pane:N=) is not made twice. */
gchar *
kdh_test_app_run_atspi (const gchar *arg)
{
  gboolean acts = g_str_has_prefix (arg, "click:") || g_str_has_prefix (arg, "enter:")
                  || (g_str_has_prefix (arg, "pane:") && strchr (arg, '=') != NULL);

  for (guint attempt = 0; attempt < (acts ? 1 : 2); attempt++)
    {
      gchar *out = run_script_once (arg, SCRIPT_SECONDS);

      if (out != NULL)
        return out;
    }
  g_error ("read-views.py %s gave no answer in %u s%s", arg, SCRIPT_SECONDS, acts ? "" : ", twice");
}

gchar **
kdh_test_app_read_atspi (const gchar *arg,
                         const gchar *header_line)
{
  g_autofree gchar *out = kdh_test_app_run_atspi (arg);
  g_autofree gchar *header = g_strdup_printf ("%s\n", header_line);

  if (!g_str_has_prefix (out, header))
    return g_new0 (gchar *, 1);
  g_strchomp (out);
  return g_strsplit (out + strlen (header), "\n", -1);
}

gchar **
kdh_test_app_read_table (const gchar *name)
{
  g_autofree gchar *table = g_strndup (name, strcspn (name, "@"));
  g_autofree gchar *header = g_strdup_printf ("TABLE %s", table);

  return kdh_test_app_read_atspi (name, header);
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
  w->rows = kdh_test_app_read_table (w->table);
  for (guint i = 0; w->rows[i]; i++)
    if (strstr (w->rows[i], w->needle))
      return TRUE;
  if (g_test_verbose ())
    g_printerr ("%s: %u rows, first '%s'\n", w->table, g_strv_length (w->rows),
                w->rows[0] ? w->rows[0] : "");
  /* AT-SPI is asked again a little later, not in a busy loop. */
  g_usleep (200 * 1000);
  return FALSE;
}

gchar **
kdh_test_app_wait_table (const gchar *table,
                         const gchar *needle)
{
  TableWait w = { table, needle, NULL };
  g_autofree gchar *what = g_strdup_printf ("the %s view showing '%s'", table, needle);

  kdh_test_run_until (table_has, &w, 60, what);
  return w.rows;
}

guint
kdh_test_app_registers_as_r (gchar       **rows,
                             const gchar  *r)
{
  guint checked = 0;

  for (guint i = 0; rows[i]; i++)
    {
      g_auto (GStrv) cells = g_strsplit (rows[i], "\t", 3);
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
  return checked;
}

guint
kdh_test_app_stack_as_k (gchar       **rows,
                         const gchar  *k)
{
  g_autoptr (GString) from_view = g_string_new ("Child-SP          RetAddr               Call Site\n");
  guint frames = 0;

  for (guint i = 0; rows[i]; i++)
    {
      g_auto (GStrv) cells = g_strsplit (rows[i], "\t", 4);

      g_assert_cmpuint (g_strv_length (cells), ==, 4);
      g_string_append_printf (from_view, "%s %s     %s\n", cells[1], cells[2], cells[3]);
      frames++;
    }
  g_assert_cmpstr (from_view->str, ==, k);
  return frames;
}

void
kdh_test_app_click (const gchar *name)
{
  g_autofree gchar *arg = g_strdup_printf ("click:%s", name);
  g_autofree gchar *out = kdh_test_app_run_atspi (arg);
  g_autofree gchar *expect = g_strdup_printf ("CLICKED %s\n", name);

  g_assert_cmpstr (out, ==, expect);
}

gint
kdh_test_app_pane (const gchar *name,
                   gint         set,
                   gint        *width)
{
  g_autofree gchar *arg = set >= 0 ? g_strdup_printf ("pane:%s=%d", name, set)
                                   : g_strdup_printf ("pane:%s", name);
  g_autofree gchar *out = kdh_test_app_run_atspi (arg);
  g_autofree gchar *prefix = g_strdup_printf ("PANE %s ", name);
  gint position = -1, size = -1;

  g_assert_true (g_str_has_prefix (out, prefix));
  g_assert_cmpint (sscanf (out + strlen (prefix), "%d %d", &position, &size), ==, 2);
  if (width)
    *width = size;
  return position;
}

typedef struct {
  const gchar *name;
  gint value;
} PaneWait;

static gboolean
pane_is (gpointer data)
{
  PaneWait *w = data;

  if (kdh_test_app_pane (w->name, -1, NULL) == w->value)
    return TRUE;
  g_usleep (200 * 1000);
  return FALSE;
}

void
kdh_test_app_wait_pane (const gchar *name,
                        gint         value)
{
  PaneWait w = { name, value };
  g_autofree gchar *what = g_strdup_printf ("%s at %d", name, value);

  kdh_test_run_until (pane_is, &w, 60, what);
}

void
kdh_test_app_remove_config (const gchar *config)
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

void
kdh_test_app_stop (KdhTestApp *app)
{
  g_subprocess_send_signal (app->kdhost, SIGTERM);
  g_subprocess_wait (app->kdhost, NULL, NULL);
  g_clear_object (&app->kdhost);
  g_clear_pointer (&app->window_id, g_free);
}

static void
die_with_test (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

GSubprocessLauncher *
kdh_test_app_launcher_new (void)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  /* A test that fails ends its kdhost too, which would otherwise keep
   * ctest waiting on the output they share until the test's time is up. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  /* The test environment turns the bridge off for the other tests. */
  g_subprocess_launcher_unsetenv (launcher, "NO_AT_BRIDGE");
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "atk", TRUE);
  return launcher;
}

GTestDBus *
kdh_test_app_bus_new (void)
{
  GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);

  /* The accessibility bus is started on demand through the session bus. */
  g_test_dbus_add_service_dir (bus, "/usr/share/dbus-1/services");
  g_test_dbus_up (bus);
  return bus;
}

void
kdh_test_app_start (KdhTestApp  *app,
                    const gchar *config)
{
  g_autoptr (GSubprocessLauncher) launcher = kdh_test_app_launcher_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *kdhost_path = g_build_filename (g_getenv ("KDH_BUILD_DIR"), "src", "app",
                                                    "kdhost", NULL);

  if (config)
    {
      g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
    }
  else
    g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  app->kdhost = g_subprocess_launcher_spawn (launcher, &error, kdhost_path, "-k", "sim:", NULL);
  g_assert_no_error (error);
  kdh_test_run_until (session_exported, app, 60, "kdhost stopped at the initial break");
  app->window_id = kdh_test_x11_window_of (app->kdhost);
}

void
kdh_test_app_setup (KdhTestApp    *app,
                    gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  memset (app, 0, sizeof *app);
  app->output = g_string_new (NULL);
  app->bus_fixture = kdh_test_app_bus_new ();
  g_setenv ("DISPLAY", display_name, TRUE);
  app->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  app->subscription = g_dbus_connection_signal_subscribe (app->bus, NULL, "org.kdhost.Window1",
                                                          NULL, KDH_TEST_SESSION_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_signal,
                                                          app, NULL);
  kdh_test_app_start (app, NULL);
}

void
kdh_test_app_teardown (KdhTestApp    *app,
                       gconstpointer  data)
{
  kdh_test_app_stop (app);
  g_dbus_connection_signal_unsubscribe (app->bus, app->subscription);
  g_object_unref (app->bus);
  g_test_dbus_down (app->bus_fixture);
  g_object_unref (app->bus_fixture);
  g_string_free (app->output, TRUE);
}
