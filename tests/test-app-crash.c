/* test-app-crash.c: the window asks before .crash; the console does not
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real KdhWindow on the in-process simulator (sim:), in an application
 * registered on the test's session bus: .crash typed into the command
 * line and sent through the window's org.kdhost.Window1.Execute waits for
 * a GtkMessageDialog; Cancel leaves the target as it was (.bugcheck still
 * says 0), Crash makes it bug check 0xE2. The engine itself, as kdhost-cli
 * and a debugging server's clients use it, runs .crash at once.
 */
#include <string.h>
#include <gtk/gtk.h>

#include "kdh-test-engine.h"
#include "kdh-test-gtk.h"
#include "kdh-window-crash.h"
#include "kdh-window-private.h"

static gboolean have_display;
static GtkApplication *the_app;

/* One application, registered on the test's session bus once: a second
 * registration in the same process would find the first's names. */
static GtkApplication *
shared_app (GError **error)
{
  if (the_app == NULL)
    {
      GtkApplication *app = gtk_application_new ("org.kdhost.TestCrash", G_APPLICATION_NON_UNIQUE);

      if (!g_application_register (G_APPLICATION (app), NULL, error))
        {
          g_object_unref (app);
          return NULL;
        }
      the_app = app;
    }
  return the_app;
}

static gboolean
state_is (gpointer data)
{
  gpointer *w = data;

  return kdh_window_get_state (w[0]) == (KdhConnState) GPOINTER_TO_INT (w[1]);
}

static void
wait_state (KdhWindow    *window,
            KdhConnState  state)
{
  gpointer w[2] = { window, GINT_TO_POINTER (state) };

  kdh_test_run_until (state_is, w, 60, kdh_conn_state_name (state));
}

static gboolean
text_shown (gpointer data)
{
  gpointer *w = data;
  g_autofree gchar *text = kdh_command_view_dup_text (((KdhWindow *) w[0])->command_view);

  return strstr (text, w[1]) != NULL;
}

static void
wait_text (KdhWindow   *window,
           const gchar *text)
{
  gpointer w[2] = { window, (gpointer) text };

  kdh_test_run_until (text_shown, w, 60, text);
}

static guint
count_in_view (KdhWindow   *window,
               const gchar *needle)
{
  g_autofree gchar *text = kdh_command_view_dup_text (window->command_view);
  guint n = 0;

  for (const gchar *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

static gboolean
asking (gpointer data)
{
  return kdh_window_get_crash_dialog (data) != NULL;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
type_line (KdhWindow   *window,
           const gchar *line)
{
  g_signal_emit_by_name (window->command_view, "command", line);
}

/* .bugcheck's code, read after the window's own marker line. */
static void
expect_bugcheck (KdhWindow   *window,
                 const gchar *code,
                 guint        marker)
{
  g_autofree gchar *line = g_strdup_printf (".bugcheck; .echo marker-%u", marker);
  g_autofree gchar *done = g_strdup_printf ("\nmarker-%u\n", marker);
  g_autofree gchar *text = NULL, *want = g_strdup_printf ("Bugcheck code %s\n", code);
  const gchar *end;

  type_line (window, line);
  wait_text (window, done);
  text = kdh_command_view_dup_text (window->command_view);
  end = strstr (text, done);
  /* The last .bugcheck before the marker. */
  {
    g_autofree gchar *before = g_strndup (text, end - text);
    const gchar *last = g_strrstr (before, "Bugcheck code ");

    g_assert_nonnull (last);
    g_assert_true (g_str_has_prefix (last, want));
  }
}

typedef struct {
  gboolean done;
  GError *error;
} Call;

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Call *call = data;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                              &call->error);

  call->done = TRUE;
}

static gboolean
call_done (gpointer data)
{
  return ((Call *) data)->done;
}

/* org.kdhost.Window1.Execute on the window's object, as a script calls it. */
static void
bus_execute (GApplication *app,
             KdhWindow    *window,
             const gchar  *line)
{
  GDBusConnection *bus = g_application_get_dbus_connection (app);
  Call call = { FALSE, NULL };

  g_dbus_connection_call (bus, g_dbus_connection_get_unique_name (bus), window->bus_path,
                          "org.kdhost.Window1", "Execute", g_variant_new ("(s)", line), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_call_done, &call);
  kdh_test_run_until (call_done, &call, 60, "Execute's reply");
  g_assert_no_error (call.error);
}

static void
test_window_asks (void)
{
  GtkApplication *app;
  KdhWindow *window;
  GtkWidget *dialog;
  g_autofree gchar *secondary = NULL;
  g_autoptr (GError) error = NULL;
  guint echoes;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  app = shared_app (&error);
  if (app == NULL)
    {
      g_test_skip ("no session bus");
      return;
    }
  window = kdh_window_new (app);
  g_assert_nonnull (window->bus_path);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_window_attach (window, "sim:");
  wait_state (window, KDH_CONN_BREAK);
  expect_bugcheck (window, "00000000", 1);

  /* Typed: a dialog, nothing sent yet; Cancel says it was not run. */
  g_assert_true (kdh_window_line_crashes (".crash"));
  g_assert_true (kdh_window_line_crashes ("r rip; .CRASH"));
  g_assert_false (kdh_window_line_crashes (".echo \".crash\""));
  echoes = count_in_view (window, "kd> .crash\n");
  type_line (window, "r rip; .crash");
  dialog = kdh_window_get_crash_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_true (GTK_IS_MESSAGE_DIALOG (dialog));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_object_get (dialog, "secondary-text", &secondary, NULL);
  g_assert_nonnull (strstr (secondary, "0xE2"));
  g_assert_nonnull (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), 1));
  kdh_test_wait (never, NULL, 1);
  g_assert_cmpuint (count_in_view (window, "kd> r rip; .crash\n"), ==, 0);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_assert_null (kdh_window_get_crash_dialog (window));
  wait_text (window, "Not run: the target was not made to bug check.\n");
  g_assert_cmpint (kdh_window_get_state (window), ==, KDH_CONN_BREAK);
  expect_bugcheck (window, "00000000", 2);

  /* Through D-Bus, as if typed: asked too; Crash the Target runs it. */
  bus_execute (G_APPLICATION (app), window, ".crash");
  kdh_test_run_until (asking, window, 60, "the .crash dialog");
  g_assert_cmpuint (count_in_view (window, "kd> .crash\n"), ==, echoes);
  gtk_dialog_response (GTK_DIALOG (kdh_window_get_crash_dialog (window)), 1 /* Crash */);
  /* The bug check's DbgPrint can come before the engine reports the
   * target running, so the Break before .crash is no sign: wait for the
   * stop that follows the print. */
  wait_text (window, "*** Fatal System Error: 0x000000e2\n"
                     "                       (0x0000000000000000,0x0000000000000000,"
                     "0x0000000000000000,0x0000000000000000)\n\n"
                     "Break instruction exception - code 80000003");
  wait_state (window, KDH_CONN_BREAK);
  expect_bugcheck (window, "000000E2", 3);

  /* Lines that do not crash go straight through. */
  bus_execute (G_APPLICATION (app), window, ".echo plain");
  wait_text (window, "\nplain\n");
  g_assert_null (kdh_window_get_crash_dialog (window));

  gtk_widget_destroy (GTK_WIDGET (window));
}

/* A crash dump cannot bug check: the window does not ask, the engine
 * says why. */
static void
test_dump_not_asked (void)
{
  GtkApplication *app;
  KdhWindow *window;
  KdhTestEngine t;
  g_autofree gchar *path = NULL, *line = NULL;
  g_autoptr (GError) error = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  path = g_build_filename (t.tmpdir, "crash-not-asked.dmp", NULL);
  line = g_strdup_printf (".dump /f %s", path);
  g_free (kdh_test_engine_run (&t, line, FALSE));
  app = shared_app (&error);
  if (app == NULL)
    {
      g_test_skip ("no session bus");
      kdh_test_engine_clear (&t);
      return;
    }
  window = kdh_window_new (app);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_window_open_dump (window, path);
  wait_state (window, KDH_CONN_BREAK);
  type_line (window, ".crash");
  g_assert_null (kdh_window_get_crash_dialog (window));
  wait_text (window, "this is a crash dump");
  g_assert_null (kdh_window_get_crash_dialog (window));
  gtk_widget_destroy (GTK_WIDGET (window));
  kdh_test_engine_clear (&t);
}

/* The engine (kdhost-cli, debugging clients) asks nothing. */
static void
test_engine_direct (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL, *check = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  out = kdh_test_engine_run (&t, ".crash", FALSE);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  check = kdh_test_engine_run (&t, ".bugcheck", FALSE);
  g_assert_true (g_str_has_prefix (check, "Bugcheck code 000000E2\n"));
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  int status;

  have_display = kdh_test_gtk_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/crash/window-asks", test_window_asks);
  g_test_add_func ("/app/crash/engine-direct", test_engine_direct);
  g_test_add_func ("/app/crash/dump-not-asked", test_dump_not_asked);
  status = g_test_run ();
  g_clear_object (&the_app);
  return status;
}
