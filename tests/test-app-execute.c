/* test-app-execute.c: the window's D-Bus Execute gives the engine's text
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdhost (the window) runs on its own simulated target (-k sim:), the test
 * drives a second one through the engine as the console does. The same
 * debugging commands (u, k, bp/bl, db, dt, x, ln, r) go through the
 * window's org.kdhost.Window1.Execute and through the engine, at the same
 * stop: their text must be equal. Execute returns before the command runs;
 * each command is followed by a ".echo" marker, and what the Output
 * signals carry (debugger and error kinds) up to the marker is its text.
 * Needs a display and a session bus; no keys are pressed.
 */
#include <gio/gio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "kdh-test-engine.h"

#define SESSION_PATH "/org/kdhost/Kdhost/session/1"

typedef struct {
  KdhTestEngine t;
  GTestDBus *bus_fixture;
  GDBusConnection *bus;
  GSubprocess *kdhost;
  GString *output;             /* debugger and error Output texts */
  guint subscription;
  guint markers;
} App;

static gchar *display_name;

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
  const gchar *kind, *text;

  if (!g_str_equal (signal, "Output"))
    return;
  g_variant_get (parameters, "(&s&s)", &kind, &text);
  /* What kdh_test_engine_run collects: not the echoed command line, nor
   * the target's DbgPrint output. */
  if (g_str_equal (kind, "debugger") || g_str_equal (kind, "error"))
    g_string_append (app->output, text);
}

static gboolean
window_state_is (gpointer data)
{
  gpointer *args = data;
  App *app = args[0];
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "GetState", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  const gchar *state;

  if (reply == NULL)
    return FALSE;   /* not exported yet */
  g_variant_get (reply, "(&s&s&s&s)", &state, NULL, NULL, NULL);
  return g_str_equal (state, args[1]);
}

static void
wait_window_state (App         *app,
                   const gchar *state)
{
  gpointer args[] = { app, (gpointer) state };
  g_autofree gchar *what = g_strdup_printf ("the window in state %s", state);

  kdh_test_run_until (window_state_is, args, 120, what);
}

static void
execute (App         *app,
         const gchar *line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "Execute", g_variant_new ("(s)", line),
                                 NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);

  g_assert_no_error (error);
}

typedef struct {
  App *app;
  gsize from;
  const gchar *text;
} Expect;

static gboolean
output_has (gpointer data)
{
  Expect *e = data;

  return strstr (e->app->output->str + e->from, e->text) != NULL;
}

/* @line through the window: the text it printed before the marker. */
static gchar *
window_run (App         *app,
            const gchar *line)
{
  gsize from = app->output->len;
  g_autofree gchar *marker = g_strdup_printf ("kdh-test-marker-%u", app->markers++);
  g_autofree gchar *echo = g_strdup_printf (".echo %s", marker);
  g_autofree gchar *needle = g_strdup_printf ("%s\n", marker);
  Expect e = { app, from, needle };
  const gchar *end;

  execute (app, line);
  execute (app, echo);
  kdh_test_run_until (output_has, &e, 120, needle);
  end = strstr (app->output->str + from, needle);
  return g_strndup (app->output->str + from, end - (app->output->str + from));
}

static void
app_setup (App          *app,
           gconstpointer data)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *kdhost_path = NULL;

  memset (app, 0, sizeof *app);
  app->output = g_string_new (NULL);
  /* The build's PDBs, for the window and the engine alike. */
  g_setenv ("_NT_SYMBOL_PATH", KDH_SIM_GUEST_DIR, TRUE);
  /* A private session bus; GTestDBus unsets DISPLAY, kdhost needs it. */
  app->bus_fixture = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (app->bus_fixture);
  g_setenv ("DISPLAY", display_name, TRUE);
  kdh_test_engine_init (&app->t);
  app->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  app->subscription = g_dbus_connection_signal_subscribe (app->bus, NULL, "org.kdhost.Window1",
                                                          NULL, SESSION_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_signal,
                                                          app, NULL);
  kdhost_path = g_build_filename (g_getenv ("KDH_BUILD_DIR"), "src", "app", "kdhost", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  app->kdhost = g_subprocess_launcher_spawn (launcher, &error, kdhost_path, "-k", "sim:", NULL);
  g_assert_no_error (error);
  wait_window_state (app, "break");
  kdh_test_engine_attach (&app->t, "sim:");
  g_assert_cmpint (app->t.state, ==, KDH_CONN_BREAK);
}

static void
app_teardown (App          *app,
              gconstpointer data)
{
  g_subprocess_send_signal (app->kdhost, SIGTERM);
  g_subprocess_wait (app->kdhost, NULL, NULL);
  g_object_unref (app->kdhost);
  g_dbus_connection_signal_unsubscribe (app->bus, app->subscription);
  g_object_unref (app->bus);
  kdh_test_engine_clear (&app->t);
  g_test_dbus_down (app->bus_fixture);
  g_object_unref (app->bus_fixture);
  g_string_free (app->output, TRUE);
}

static void
same_text (App         *app,
           const gchar *line,
           gboolean     may_fail)
{
  g_autofree gchar *engine = kdh_test_engine_run (&app->t, line, may_fail);
  g_autofree gchar *window = window_run (app, line);

  g_test_message ("%s:\n%s", line, engine);
  g_assert_cmpstr (window, ==, engine);
}

/* Both targets stop at the tick routine, then the same commands give the
 * same text through the window's Execute as through the engine. */
static void
test_execute_same_text (App          *app,
                        gconstpointer data)
{
  static const gchar *const at_stop[] = {
    "bl",
    "k",
    "kn L3",
    "kb L2",
    "u kdhtest!KdhTestTick L8",
    "db kdhtest!KdhTestTick L20",
    "dt kdhtest!_KDHTEST_DEVICE",
    "x kdhtest!*Device*",
    "ln kdhtest!KdhTestTick+0x4",
    "lm m kdh*",
    "r rip",
    "!pcr 0",
    ".frame 2",
    "? @rsp",                            /* frame 2's */
    ".frame 0",
  };
  Expect hit = { app, 0, "Breakpoint 0 hit" };

  same_text (app, "bp kdhtest!KdhTestTick", FALSE);
  /* g: both stop at the breakpoint. */
  g_free (kdh_test_engine_run (&app->t, "g", FALSE));
  kdh_test_engine_wait_state (&app->t, KDH_CONN_BREAK, 120);
  g_assert_nonnull (strstr (app->t.output->str, "Breakpoint 0 hit"));
  hit.from = app->output->len;
  execute (app, "g");
  kdh_test_run_until (output_has, &hit, 120, "the window's breakpoint hit");
  wait_window_state (app, "break");
  for (guint i = 0; i < G_N_ELEMENTS (at_stop); i++)
    same_text (app, at_stop[i], FALSE);
  /* Errors: the same messages. */
  same_text (app, "u kdhtest!NoSuchRoutine", TRUE);
  same_text (app, "bp 0", TRUE);
  same_text (app, "bc *", FALSE);
  same_text (app, "bl", FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  display_name = g_strdup (g_getenv ("DISPLAY"));
  if (!gtk_init_check (&argc, &argv))
    {
      g_test_message ("no display: skipping the window tests");
      return 77;
    }
  g_test_add ("/app/execute/same-text", App, NULL, app_setup, test_execute_same_text,
              app_teardown);
  return g_test_run ();
}
