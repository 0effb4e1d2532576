/* test-remote-app.c: the kdhost window as a debugging client
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A debugging server runs in this process (an engine on the simulated
 * target, shared with .server on the loopback interface); the kdhost
 * program joins it, either with -remote on its command line or through
 * File > Connect to Remote Session..., typed as a user would with
 * xdotool. The window's session is watched on a private session bus
 * (org.kdhost.Window1) and the target's side through the server's
 * simulator counters. Run under xvfb-run; skipped without a display.
 */
#include <gio/gio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "kdh-remote-dialog.h"
#include "kdh-test-atspi.h"
#include "kdh-test-engine.h"
#include "kdh-test-x11.h"
#include "kdh-test-net.h"

#define SESSION_PATH "/org/kdhost/Kdhost/session/1"
#define WAIT_S 60

static gchar *display_name;

typedef struct {
  KdhTestEngine server;        /* the debugging server; a client in "serve" mode */
  GTestDBus *bus_fixture;
  GDBusConnection *bus;
  GSubprocess *kdhost;
  gchar *window_id;
  gchar *remote;
  guint16 port;
  GPtrArray *states;
  GString *output;             /* the window's Output signals' text, in order */
  GString *echoes;             /* the same, kind "echo" only */
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

  if (g_str_equal (signal, "StateChanged"))
    {
      const gchar *state;

      g_variant_get (parameters, "(&s&su)", &state, NULL, NULL);
      g_ptr_array_add (app->states, g_strdup (state));
    }
  else if (g_str_equal (signal, "Output"))
    {
      const gchar *kind, *text;

      g_variant_get (parameters, "(&s&s)", &kind, &text);
      g_string_append (app->output, text);
      if (g_str_equal (kind, "echo"))
        g_string_append (app->echoes, text);
    }
}

/* The window's session as GetState tells it: state and transport. */
static gboolean
window_state (App    *app,
              gchar **state,
              gchar **transport)
{
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "GetState", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(ss&s&s)", state, NULL, NULL, NULL);
  g_variant_get (reply, "(&s&ss&s)", NULL, NULL, transport, NULL);
  return TRUE;
}

static gboolean
remote_at_break (gpointer data)
{
  App *app = data;
  g_autofree gchar *state = NULL, *transport = NULL;
  g_autofree gchar *prefix = g_strdup_printf ("remote tcp 127.0.0.1:%u — ", app->port);

  return window_state (app, &state, &transport) && g_str_equal (state, "break")
         && g_str_has_prefix (transport, prefix);
}

static gboolean
exported (gpointer data)
{
  g_autofree gchar *state = NULL, *transport = NULL;

  return window_state (data, &state, &transport);
}

typedef struct {
  App *app;
  guint from;
  const gchar *state;
} StateWait;

static gboolean
state_seen (gpointer data)
{
  StateWait *w = data;

  for (guint i = w->from; i < w->app->states->len; i++)
    if (g_str_equal (w->app->states->pdata[i], w->state))
      return TRUE;
  return FALSE;
}

static void
wait_state (App         *app,
            guint        from,
            const gchar *state)
{
  StateWait w = { app, from, state };
  g_autofree gchar *what = g_strdup_printf ("window state '%s'", state);

  kdh_test_run_until (state_seen, &w, WAIT_S, what);
}

typedef struct {
  App *app;
  guint64 above;
} ResetWait;

static gboolean
resets_above (gpointer data)
{
  ResetWait *w = data;

  return kdh_test_engine_sim_counters (&w->app->server).resets_received > w->above;
}

static gboolean
at_break (gpointer data)
{
  g_autofree gchar *state = NULL, *transport = NULL;

  return window_state (data, &state, &transport) && g_str_equal (state, "break");
}

/* A debugging client's window has the server's views: Registers (Alt+4)
 * and Call Stack (Alt+6), fed by queries through the server, show what r
 * and k print on the server, read as a screen reader reads them. */
static void
test_remote_views (App           *app,
                   gconstpointer  data)
{
  g_autofree gchar *r = kdh_test_engine_run (&app->server, "r", FALSE);
  g_autofree gchar *k = kdh_test_engine_run (&app->server, "k", FALSE);
  g_auto (GStrv) regs = NULL, frames = NULL;

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+4");
  kdh_test_x11_key ("alt+6");
  regs = kdh_test_app_wait_table ("Registers", "rip\t");
  g_assert_cmpuint (kdh_test_app_registers_as_r (regs, r), >=, 18);
  frames = kdh_test_app_wait_table ("Call Stack", "nt!");
  g_assert_cmpuint (kdh_test_app_stack_as_k (frames, k), >=, 1);
}

/* Setup: the server; kdhost with -remote (data "remote") or with no
 * connection at all (data "none"). With "serve", kdhost is the server
 * (-k sim: -server ...) and this process only makes a client engine. */
static void
app_setup (App           *app,
           gconstpointer  data)
{
  const gchar *mode = data;
  g_autofree gchar *server_line = NULL, *kdhost_path = NULL, *out = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;

  memset (app, 0, sizeof *app);
  app->states = g_ptr_array_new_with_free_func (g_free);
  app->output = g_string_new (NULL);
  app->echoes = g_string_new (NULL);
  app->bus_fixture = kdh_test_app_bus_new ();
  g_setenv ("DISPLAY", display_name, TRUE);

  kdh_test_engine_init (&app->server);
  app->port = kdh_test_free_port ();
  app->remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", app->port);
  server_line = g_strdup_printf ("tcp:port=%u,bind=127.0.0.1", app->port);
  if (!g_str_equal (mode, "serve"))
    {
      g_autofree gchar *line = g_strdup_printf (".server %s", server_line);

      kdh_test_engine_attach (&app->server, "sim:");
      out = kdh_test_engine_run (&app->server, line, FALSE);
    }

  app->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  app->subscription = g_dbus_connection_signal_subscribe (app->bus, NULL, "org.kdhost.Window1",
                                                          NULL, SESSION_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_signal,
                                                          app, NULL);

  kdhost_path = g_build_filename (g_getenv ("KDH_BUILD_DIR"), "src", "app", "kdhost", NULL);
  launcher = kdh_test_app_launcher_new ();
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  if (g_str_equal (mode, "remote"))
    {
      /* WinDbg's spelling, one dash. */
      app->kdhost = g_subprocess_launcher_spawn (launcher, &error, kdhost_path, "-remote",
                                                 app->remote, NULL);
      g_assert_no_error (error);
      kdh_test_run_until (remote_at_break, app, WAIT_S, "the window's remote session at Break");
    }
  else if (g_str_equal (mode, "serve"))
    {
      app->kdhost = g_subprocess_launcher_spawn (launcher, &error, kdhost_path, "-k", "sim:",
                                                 "-server", server_line, NULL);
      g_assert_no_error (error);
      kdh_test_run_until (at_break, app, WAIT_S, "the window's session at Break");
    }
  else
    {
      app->kdhost = g_subprocess_launcher_spawn (launcher, &error, kdhost_path, NULL);
      g_assert_no_error (error);
      kdh_test_run_until (exported, app, WAIT_S, "the window's session on the bus");
    }

  app->window_id = kdh_test_x11_window_of (app->kdhost);
}

static void
app_teardown (App           *app,
              gconstpointer  data)
{
  if (app->kdhost)
    {
      g_subprocess_send_signal (app->kdhost, SIGTERM);
      g_subprocess_wait (app->kdhost, NULL, NULL);
      g_object_unref (app->kdhost);
    }
  g_dbus_connection_signal_unsubscribe (app->bus, app->subscription);
  g_object_unref (app->bus);
  kdh_test_engine_clear (&app->server);
  g_test_dbus_down (app->bus_fixture);
  g_object_unref (app->bus_fixture);
  g_ptr_array_unref (app->states);
  g_string_free (app->output, TRUE);
  g_string_free (app->echoes, TRUE);
  g_free (app->window_id);
  g_free (app->remote);
}

/* Ctrl+Alt+R in the remote window resynchronizes the server's target. */
static void
test_remote_resync_key (App           *app,
                        gconstpointer  data)
{
  ResetWait w = { app, kdh_test_engine_sim_counters (&app->server).resets_received };
  guint from = app->states->len;

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("ctrl+alt+r");
  kdh_test_run_until (resets_above, &w, WAIT_S, "a RESET on the server's target");
  wait_state (app, from, "resynchronizing");
  wait_state (app, from, "break");
}

/* Stop Debugging (Shift+F5) leaves the server's session; the server's
 * target is still at its break. */
static void
test_remote_stop (App           *app,
                  gconstpointer  data)
{
  guint from = app->states->len;

  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("shift+F5");
  wait_state (app, from, "disconnected");
  g_assert_cmpint (app->server.state, ==, KDH_CONN_BREAK);
}

/* File > Connect to Remote Session...: opened from the menu bar by its
 * mnemonics, the string typed, Enter. */
static void
test_connect_dialog (App           *app,
                     gconstpointer  data)
{
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key ("alt+f");
  kdh_test_x11_key ("r");
  /* The dialog takes the focus; its entry has it. */
  for (guint i = 0; i < 50; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
  kdh_test_x11_type (app->remote, 20);
  kdh_test_x11_screenshot (NULL, "remote-dialog");
  kdh_test_x11_key ("Return");
  kdh_test_run_until (remote_at_break, app, WAIT_S, "the window's remote session at Break");
  kdh_test_x11_screenshot (NULL, "remote-session");
}

typedef struct {
  GString *text;
  const gchar *needle;
} TextWait;

static gboolean
text_has (gpointer data)
{
  TextWait *w = data;

  return strstr (w->text->str, w->needle) != NULL;
}

static guint
count_of (const gchar *haystack,
          const gchar *needle)
{
  guint n = 0;

  for (const gchar *p = haystack; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

/* kdhost -server: the window shares its session; a client engine here
 * joins it and runs a command. The window's own output (its Output
 * signals, what its command view shows) has the client's command line
 * and then that command's output, once each. */
static void
test_window_serves (App           *app,
                    gconstpointer  data)
{
  KdhTestEngine *client = &app->server;
  guint token = kdh_engine_connect_remote (client->engine, app->remote);
  g_autofree gchar *out = NULL;
  TextWait w = { app->output, NULL };
  const gchar *echo = "kd> vertarget\n";
  const gchar *echo_at, *out_at;

  g_assert_true (kdh_test_engine_wait_token (client, token, WAIT_S));
  kdh_test_engine_wait_state (client, KDH_CONN_BREAK, WAIT_S);
  /* A command first, so that the session's history the client was sent
   * when it joined is not counted as vertarget's output. */
  g_free (kdh_test_engine_run (client, ".echo", FALSE));
  out = kdh_test_engine_run (client, "vertarget", FALSE);
  g_assert_nonnull (strstr (out, "Kernel Version 19041"));
  g_assert_nonnull (strstr (out, "Kernel base = 0xfffff800`"));

  w.needle = out;
  kdh_test_run_until (text_has, &w, WAIT_S, "the client's command output in the window");
  g_test_message ("the window's output:\n%s", app->output->str);
  /* The command line as an echo, once; its output, once, after it. */
  g_assert_cmpuint (count_of (app->echoes->str, echo), ==, 1);
  g_assert_cmpuint (count_of (app->output->str, echo), ==, 1);
  g_assert_cmpuint (count_of (app->output->str, out), ==, 1);
  echo_at = strstr (app->output->str, echo);
  out_at = strstr (app->output->str, out);
  g_assert_true (echo_at < out_at);
  /* Nothing between the two but what the command printed. */
  g_assert_true (echo_at + strlen (echo) == out_at);
  kdh_test_x11_screenshot (NULL, "window-serving");
}

/* The dialog in this process: Connect only for a string that parses, the
 * parser's error shown. */
static void
test_dialog_validation (void)
{
  GtkWidget *dialog = kdh_remote_dialog_new (NULL);
  KdhRemoteDialog *self = KDH_REMOTE_DIALOG (dialog);
  GtkWidget *connect = gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                           GTK_RESPONSE_ACCEPT);

  g_assert_false (gtk_widget_get_sensitive (connect));
  g_assert_cmpstr (kdh_remote_dialog_get_message (self), ==, "");
  kdh_remote_dialog_set_string (self, "tcp:Port=70000,Server=host");
  g_assert_false (gtk_widget_get_sensitive (connect));
  g_assert_nonnull (strstr (kdh_remote_dialog_get_message (self), "bad port '70000'"));
  kdh_remote_dialog_set_string (self, "  tcp:Port=5005,Server=host  ");
  g_assert_true (gtk_widget_get_sensitive (connect));
  g_assert_cmpstr (kdh_remote_dialog_get_message (self), ==, "");
  g_assert_cmpstr (kdh_remote_dialog_get_string (self), ==, "tcp:Port=5005,Server=host");
  kdh_remote_dialog_set_string (self, "npipe:Password=x");
  g_assert_false (gtk_widget_get_sensitive (connect));
  g_assert_nonnull (strstr (kdh_remote_dialog_get_message (self), "Pipe="));
  gtk_widget_destroy (dialog);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  display_name = g_strdup (g_getenv ("DISPLAY"));
  if (!gtk_init_check (&argc, &argv))
    {
      g_test_message ("no display: skipping the GUI tests");
      return 77;
    }
  g_test_add_func ("/remote/app/dialog-validation", test_dialog_validation);
  if (kdh_test_x11_have_xdotool () && g_getenv ("KDH_BUILD_DIR"))
    {
      g_test_add ("/remote/app/resync-key", App, "remote", app_setup, test_remote_resync_key,
                  app_teardown);
      g_test_add ("/remote/app/stop", App, "remote", app_setup, test_remote_stop, app_teardown);
      g_test_add ("/remote/app/views", App, "remote", app_setup, test_remote_views,
                  app_teardown);
      g_test_add ("/remote/app/connect-dialog", App, "none", app_setup, test_connect_dialog,
                  app_teardown);
      g_test_add ("/remote/app/window-serves", App, "serve", app_setup, test_window_serves,
                  app_teardown);
    }
  else
    g_test_message ("xdotool or KDH_BUILD_DIR missing: only the in-process tests run");
  return g_test_run ();
}
