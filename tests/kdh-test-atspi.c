/* kdh-test-atspi.c: kdhost as a user and a screen reader meet it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-atspi.h"

#include <signal.h>
#include <string.h>

#include <gtk/gtk.h>

#include "kdh-test-engine.h"
#include "kdh-test-x11.h"

#define PYTHON "/usr/bin/python3"
#define END_MARK "END-OF-COMMAND\n"

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

gchar *
kdh_test_app_run_atspi (const gchar *arg)
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
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("read-views.py %s failed: %s", arg, err);
  return out;
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

void
kdh_test_app_stop (KdhTestApp *app)
{
  g_subprocess_send_signal (app->kdhost, SIGTERM);
  g_subprocess_wait (app->kdhost, NULL, NULL);
  g_clear_object (&app->kdhost);
  g_clear_pointer (&app->window_id, g_free);
}

void
kdh_test_app_start (KdhTestApp  *app,
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

void
kdh_test_app_setup (KdhTestApp    *app,
                    gconstpointer  data)
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
