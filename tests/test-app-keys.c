/* test-app-keys.c: kdhost as a user runs it, driven through the X server
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts kdhost-sim and then the kdhost program against it, on a private
 * session bus, presses real keys through the X server with xdotool, and
 * watches the window's session on the bus (org.kdhost.Window1: state
 * changes and output) and the simulator's counters. The tests run under
 * xvfb-run; without a display they are skipped.
 */
#include <gio/gio.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-test-proc.h"
#include "kdh-test-x11.h"

#define SESSION_PATH "/org/kdhost/Kdhost/session/1"

/* The X display, saved before GTestDBus unsets DISPLAY. */
static gchar *display_name;

typedef struct {
  KdhTestEngine t;             /* processes, temp dir, simulator helpers */
  GTestDBus *bus_fixture;
  GDBusConnection *bus;
  GSubprocess *kdhost;
  gchar *counters_file;
  gchar *window_id;
  GPtrArray *states;           /* state ids from StateChanged, in order */
  GString *output;             /* Output signal texts */
  guint subscription;
  const gchar *start_state;    /* the state kdhost is expected to reach first */
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
      if (g_test_verbose ())
        g_printerr ("[state %s]\n", state);
    }
  else if (g_str_equal (signal, "Output"))
    {
      const gchar *text;

      g_variant_get (parameters, "(&s&s)", NULL, &text);
      g_string_append (app->output, text);
      if (g_test_verbose ())
        g_printerr ("%s", text);
    }
}

typedef struct {
  App *app;
  const gchar *text;
  guint from;
} Expect;

static gboolean
output_contains (gpointer data)
{
  Expect *e = data;

  return strstr (e->app->output->str + e->from, e->text) != NULL;
}

static void
wait_output (App         *app,
             gsize        from,
             const gchar *text)
{
  Expect e = { app, text, (guint) from };
  g_autofree gchar *what = g_strdup_printf ("output '%s'", text);

  kdh_test_run_until (output_contains, &e, 60, what);
}

static gboolean
state_seen (gpointer data)
{
  Expect *e = data;

  for (guint i = e->from; i < e->app->states->len; i++)
    if (g_str_equal (e->app->states->pdata[i], e->text))
      return TRUE;
  return FALSE;
}

/* Waits until @state is announced at or after index @from; returns its
 * index + 1 so that a sequence can be checked in order. */
static guint
wait_state (App         *app,
            guint        from,
            const gchar *state)
{
  Expect e = { app, state, from };
  g_autofree gchar *what = g_strdup_printf ("state '%s'", state);

  kdh_test_run_until (state_seen, &e, 60, what);
  for (guint i = from; i < app->states->len; i++)
    if (g_str_equal (app->states->pdata[i], state))
      return i + 1;
  g_assert_not_reached ();
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
    return FALSE;   /* not exported yet */
  g_variant_get (reply, "(&s&s&s&s)", &state, NULL, NULL, NULL);
  return g_str_equal (state, app->start_state);
}

static guint64
counter (App         *app,
         const gchar *name)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *key = g_strdup_printf ("%s=", name);
  const gchar *p;

  if (!g_file_get_contents (app->counters_file, &text, NULL, NULL))
    return 0;
  p = strstr (text, key);
  return p ? g_ascii_strtoull (p + strlen (key), NULL, 10) : 0;
}

typedef struct {
  App *app;
  const gchar *name;
  guint64 at_least;
} CounterWait;

static gboolean
counter_reached (gpointer data)
{
  CounterWait *w = data;

  return counter (w->app, w->name) >= w->at_least;
}

static void
wait_counter (App         *app,
              const gchar *name,
              guint64      at_least)
{
  CounterWait w = { app, name, at_least };
  g_autofree gchar *what = g_strdup_printf ("simulator counter %s >= %" G_GUINT64_FORMAT, name,
                                            at_least);

  kdh_test_run_until (counter_reached, &w, 30, what);
}

/* Keys and text go to the kdhost window, focused first. */
static void
press (App         *app,
       const gchar *keys)
{
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_key (keys);
}

static void
type_text (App         *app,
           const gchar *text)
{
  kdh_test_x11_focus (app->window_id);
  kdh_test_x11_type (text, 30);
}

/* Saves the kdhost window as it looks now into $KDH_TEST_ARTIFACTS. */
static void
screenshot (App         *app,
            const gchar *name)
{
  kdh_test_x11_screenshot (app->window_id, name);
}

static void
app_setup (App *app,
           gconstpointer data)
{
  g_autofree gchar *socket = NULL, *sim_arg = NULL, *counters_arg = NULL, *kdhost_path = NULL;
  g_autofree gchar *connection = NULL, *first = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *build = g_getenv ("KDH_BUILD_DIR");

  memset (app, 0, sizeof *app);
  app->states = g_ptr_array_new_with_free_func (g_free);
  app->output = g_string_new (NULL);
  /* A private session bus; GTestDBus unsets DISPLAY, kdhost needs it. */
  app->bus_fixture = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (app->bus_fixture);
  g_setenv ("DISPLAY", display_name, TRUE);
  kdh_test_engine_init (&app->t);

  socket = g_build_filename (app->t.tmpdir, "sim.sock", NULL);
  app->counters_file = g_build_filename (app->t.tmpdir, "counters", NULL);
  sim_arg = g_strdup_printf ("unix:%s", socket);
  counters_arg = g_strdup_printf ("--counters-file=%s", app->counters_file);
  {
    const gchar *args[] = { "--listen", sim_arg, counters_arg, NULL };

    first = kdh_test_start_sim (&app->t, args);
  }

  app->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  app->subscription = g_dbus_connection_signal_subscribe (app->bus, NULL, "org.kdhost.Window1",
                                                          NULL, SESSION_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_signal,
                                                          app, NULL);

  kdhost_path = g_build_filename (build, "src", "app", "kdhost", NULL);
  /* @data "waiting": a VM pipe that is not there yet, with reconnect. */
  if (g_strcmp0 (data, "waiting") == 0)
    {
      g_autofree gchar *absent = g_build_filename (app->t.tmpdir, "vm-not-started.sock", NULL);

      connection = g_strdup_printf ("com:pipe,port=%s,reconnect", absent);
      app->start_state = "waiting";
    }
  else
    {
      connection = g_strdup_printf ("com:pipe,port=%s", socket);
      app->start_state = "break";
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  /* A kdhost that exits by itself (Ctrl+W) is leak-checked in the
   * sanitizer build; Fontconfig keeps its configuration until exit, as
   * kdh-test-lsan.c explains for the test programs. */
  {
    g_autofree gchar *supp = g_build_filename (app->t.tmpdir, "lsan.supp", NULL);
    g_autofree gchar *lsan = g_strdup_printf ("suppressions=%s", supp);

    g_assert_true (g_file_set_contents (supp, "leak:libfontconfig.so\n", -1, NULL));
    g_subprocess_launcher_setenv (launcher, "LSAN_OPTIONS", lsan, TRUE);
  }
  app->kdhost = g_subprocess_launcher_spawn (launcher, &error, kdhost_path, "-k", connection, NULL);
  g_assert_no_error (error);
  kdh_test_run_until (session_exported, app, 60, "kdhost's session in its first state");
  if (g_str_equal (app->start_state, "break"))
    wait_counter (app, "resets_received", 1);

  app->window_id = kdh_test_x11_window_of (app->kdhost);
}

static void
app_teardown (App *app,
              gconstpointer data)
{
  if (app->kdhost)
    {
      g_subprocess_send_signal (app->kdhost, SIGTERM);
      g_subprocess_wait (app->kdhost, NULL, NULL);
      g_object_unref (app->kdhost);
    }
  g_dbus_connection_signal_unsubscribe (app->bus, app->subscription);
  g_object_unref (app->bus);
  kdh_test_engine_clear (&app->t);
  g_test_dbus_down (app->bus_fixture);
  g_object_unref (app->bus_fixture);
  g_ptr_array_unref (app->states);
  g_string_free (app->output, TRUE);
  g_free (app->counters_file);
  g_free (app->window_id);
}

/* The test: a real Ctrl+Alt+R through the X server resynchronizes:
 * a RESET reaches the simulator, and the window goes through
 * Resynchronizing back to Connected (Break). */
static void
test_ctrl_alt_r (App *app,
                 gconstpointer data)
{
  guint64 resets = counter (app, "resets_received");
  guint from = app->states->len;
  guint next;

  screenshot (app, "break");
  press (app, "ctrl+alt+r");
  next = wait_state (app, from, "resynchronizing");
  wait_state (app, next, "break");
  wait_counter (app, "resets_received", resets + 1);
  wait_output (app, 0, "Kernel debugger connection resynchronized.");
}

/* The shortcut works while the command entry has focus and does not leak
 * into it: "abc", Ctrl+Alt+R, Enter runs "abc", not "abcr". */
static void
test_shortcut_does_not_leak (App *app,
                             gconstpointer data)
{
  guint64 resets = counter (app, "resets_received");
  gsize mark = app->output->len;
  guint from = app->states->len;

  type_text (app, "abc");
  press (app, "ctrl+alt+r");
  wait_state (app, from, "resynchronizing");
  wait_counter (app, "resets_received", resets + 1);
  press (app, "Return");
  wait_output (app, mark, "Unknown command 'abc'");
  g_assert_null (strstr (app->output->str + mark, "abcr"));
}

/* With the output terminal focused (clicked), Ctrl+Alt+R still works, and
 * keys typed there go to the command line: "xyz" and Enter run as a
 * command, none of it lost. */
static void
test_shortcut_in_terminal (App *app,
                           gconstpointer data)
{
  const gchar *click[] = { "xdotool", "mousemove", "--window", app->window_id, "200", "150",
                           "click", "1", NULL };
  guint64 resets = counter (app, "resets_received");
  gsize mark = app->output->len;
  guint from = app->states->len;

  kdh_test_x11_focus (app->window_id);
  g_free (kdh_test_x11_run (click));
  type_text (app, "xyz");
  press (app, "Return");
  wait_output (app, mark, "Unknown command 'xyz'");
  press (app, "ctrl+alt+r");
  wait_state (app, from, "resynchronizing");
  wait_counter (app, "resets_received", resets + 1);
  wait_output (app, mark, "Kernel debugger connection resynchronized.");
}

static void
on_exited (GObject      *process,
           GAsyncResult *result,
           gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (process), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Ctrl+W at a break asks before closing (Escape keeps the window and the
 * session); Enter takes the default, Go and Detach: the target runs, the
 * connection closes, and the window (the last one) with it. */
static void
test_ctrl_w (App *app,
             gconstpointer data)
{
  guint from = app->states->len;
  gboolean exited = FALSE;

  press (app, "ctrl+w");
  /* The question is up: the window and its session are still there. */
  g_usleep (G_USEC_PER_SEC);
  kdh_test_x11_key ("Escape");
  g_usleep (G_USEC_PER_SEC);
  g_free (kdh_test_x11_window_of (app->kdhost));   /* fails the test when gone */
  g_assert_cmpuint (app->states->len, ==, from);

  press (app, "ctrl+w");
  g_usleep (G_USEC_PER_SEC);
  screenshot (app, "close-question");
  kdh_test_x11_key ("Return");
  wait_state (app, from, "running");
  g_subprocess_wait_async (app->kdhost, NULL, on_exited, &exited);
  kdh_test_run_until (is_true, &exited, 30, "kdhost to exit");
  /* A clean exit: in the sanitizer build also no leak at exit. */
  g_assert_true (g_subprocess_get_if_exited (app->kdhost));
  g_assert_cmpint (g_subprocess_get_exit_status (app->kdhost), ==, 0);
}

static void execute (App         *app,
                     const gchar *command);

/* F5 goes, Ctrl+Break and Ctrl+C (nothing selected) break in. */
static void
test_go_and_break_keys (App *app,
                        gconstpointer data)
{
  guint from = app->states->len;
  guint64 breakins = counter (app, "breakins");

  press (app, "F5");
  from = wait_state (app, from, "running");
  screenshot (app, "running");
  /* Messages name the window's keys, not the console's. */
  execute (app, "r");
  wait_output (app, 0, "break in first (Ctrl+Break)");
  /* Every such message: bd's too (it named the console's and the
   * window's keys at once). */
  {
    gsize mark = app->output->len;

    execute (app, "bd *");
    wait_output (app, mark, "The target is running; break in first (Ctrl+Break).");
  }
  g_assert_null (strstr (app->output->str, "Ctrl+C, Ctrl+Break"));
  execute (app, ".help");
  wait_output (app, 0, "Ctrl+Alt+R resynchronizes");
  g_assert_null (strstr (app->output->str, "Ctrl+R then Enter"));
  press (app, "ctrl+Break");
  from = wait_state (app, from, "break");
  wait_counter (app, "breakins", breakins + 1);
  /* Ctrl+C with nothing selected breaks in too, as in KD's console. */
  press (app, "F5");
  from = wait_state (app, from, "running");
  press (app, "ctrl+c");
  wait_state (app, from, "break");
  wait_counter (app, "breakins", breakins + 2);
}

/* Debug > Kernel Connection > Resynchronize through the menu bar, by its
 * mnemonics (Alt+D, K, R), as a keyboard user opens it. */
static void
test_menu_path (App *app,
                gconstpointer data)
{
  guint64 resets = counter (app, "resets_received");
  guint from = app->states->len;

  press (app, "alt+d");
  press (app, "k");
  press (app, "r");
  wait_state (app, from, "resynchronizing");
  wait_counter (app, "resets_received", resets + 1);
}

/* The menu model the application exports: Debug > Kernel Connection holds
 * Resynchronize, bound to win.resync, showing Ctrl+Alt+R; and activating
 * win.resync (as the menu item does) reaches the target. */
static void
test_menu_model (App *app,
                 gconstpointer data)
{
  g_autoptr (GDBusMenuModel) menubar = g_dbus_menu_model_get (app->bus, "org.kdhost.Kdhost",
                                                              "/org/kdhost/Kdhost/menus/menubar");
  g_autoptr (GDBusActionGroup) actions = NULL;
  GMenuModel *debug = NULL, *connection = NULL;
  gboolean found = FALSE;
  guint64 resets = counter (app, "resets_received");
  guint from = app->states->len;

  /* A remote menu model fills in asynchronously: poke it and wait. */
  for (guint tries = 0; tries < 200 && g_menu_model_get_n_items (G_MENU_MODEL (menubar)) == 0;
       tries++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  for (gint i = 0; i < g_menu_model_get_n_items (G_MENU_MODEL (menubar)); i++)
    {
      g_autofree gchar *label = NULL;

      g_menu_model_get_item_attribute (G_MENU_MODEL (menubar), i, "label", "s", &label);
      if (g_strcmp0 (label, "_Debug") == 0)
        debug = g_menu_model_get_item_link (G_MENU_MODEL (menubar), i, G_MENU_LINK_SUBMENU);
    }
  g_assert_nonnull (debug);
  for (guint tries = 0; tries < 200 && !found; tries++)
    {
      for (gint s = 0; s < g_menu_model_get_n_items (debug) && !connection; s++)
        {
          g_autoptr (GMenuModel) section = g_menu_model_get_item_link (debug, s, G_MENU_LINK_SECTION);

          for (gint i = 0; section && i < g_menu_model_get_n_items (section); i++)
            {
              g_autofree gchar *label = NULL;

              g_menu_model_get_item_attribute (section, i, "label", "s", &label);
              if (g_strcmp0 (label, "_Kernel Connection") == 0)
                connection = g_menu_model_get_item_link (section, i, G_MENU_LINK_SUBMENU);
            }
        }
      for (gint s = 0; connection && s < g_menu_model_get_n_items (connection); s++)
        {
          g_autoptr (GMenuModel) section = g_menu_model_get_item_link (connection, s,
                                                                       G_MENU_LINK_SECTION);

          for (gint i = 0; section && i < g_menu_model_get_n_items (section); i++)
            {
              g_autofree gchar *label = NULL, *action = NULL, *accel = NULL;

              g_menu_model_get_item_attribute (section, i, "label", "s", &label);
              g_menu_model_get_item_attribute (section, i, "action", "s", &action);
              g_menu_model_get_item_attribute (section, i, "accel", "s", &accel);
              if (g_strcmp0 (label, "_Resynchronize") == 0)
                {
                  g_assert_cmpstr (action, ==, "win.resync");
                  g_assert_cmpstr (accel, ==, "<Control><Alt>r");
                  found = TRUE;
                }
            }
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_true (found);
  g_clear_object (&debug);
  g_clear_object (&connection);

  actions = g_dbus_action_group_get (app->bus, "org.kdhost.Kdhost", "/org/kdhost/Kdhost/window/1");
  g_strfreev (g_action_group_list_actions (G_ACTION_GROUP (actions)));
  for (guint tries = 0; tries < 200 && !g_action_group_has_action (G_ACTION_GROUP (actions), "resync");
       tries++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (actions), "resync"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (actions), "go"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (actions), "break"));
  g_action_group_activate_action (G_ACTION_GROUP (actions), "resync", NULL);
  wait_state (app, from, "resynchronizing");
  wait_counter (app, "resets_received", resets + 1);
}

/* The submenu labelled @label in @menu's sections (or @menu itself). */
static GMenuModel *
find_submenu (GMenuModel  *menu,
              const gchar *label)
{
  for (gint s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);
      GMenuModel *where = section ? section : menu;

      for (gint i = 0; i < g_menu_model_get_n_items (where); i++)
        {
          g_autofree gchar *l = NULL;

          g_menu_model_get_item_attribute (where, i, "label", "s", &l);
          if (g_strcmp0 (l, label) == 0)
            return g_menu_model_get_item_link (where, i, G_MENU_LINK_SUBMENU);
        }
    }
  return NULL;
}

/* The connection given with -k is a recent connection: File > Recent
 * Connections lists it, bound to win.connect-recent with it as target. */
static void
test_recent_menu (App *app,
                  gconstpointer data)
{
  g_autoptr (GDBusMenuModel) menubar = g_dbus_menu_model_get (app->bus, "org.kdhost.Kdhost",
                                                              "/org/kdhost/Kdhost/menus/menubar");
  g_autoptr (GMenuModel) file = NULL, recent = NULL;
  gboolean found = FALSE;

  for (guint tries = 0; tries < 500 && !found; tries++)
    {
      /* A remote menu fills in asynchronously, level by level: keep what
       * has been found so that it stays subscribed. */
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
      if (file == NULL && g_menu_model_get_n_items (G_MENU_MODEL (menubar)) > 0)
        file = find_submenu (G_MENU_MODEL (menubar), "_File");
      if (file && recent == NULL)
        recent = find_submenu (file, "Recent Co_nnections");
      if (recent == NULL)
        continue;
      for (gint i = 0; i < g_menu_model_get_n_items (recent); i++)
        {
          g_autofree gchar *action = NULL;
          g_autoptr (GVariant) target = g_menu_model_get_item_attribute_value (recent, i, "target",
                                                                               G_VARIANT_TYPE_STRING);

          g_menu_model_get_item_attribute (recent, i, "action", "s", &action);
          if (g_strcmp0 (action, "win.connect-recent") == 0 && target
              && strstr (g_variant_get_string (target, NULL), "sim.sock"))
            found = TRUE;
        }
    }
  g_assert_true (found);
}

static GActionGroup *
window_actions (App *app)
{
  GDBusActionGroup *actions = g_dbus_action_group_get (app->bus, "org.kdhost.Kdhost",
                                                       "/org/kdhost/Kdhost/window/1");

  /* Remote action groups fill in asynchronously. */
  g_strfreev (g_action_group_list_actions (G_ACTION_GROUP (actions)));
  for (guint tries = 0; tries < 500 && !g_action_group_has_action (G_ACTION_GROUP (actions), "go");
       tries++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (actions), "go"));
  return G_ACTION_GROUP (actions);
}

typedef struct {
  GActionGroup *actions;
  const gchar *name;
  gboolean enabled;
} EnabledWait;

static gboolean
enabled_is (gpointer data)
{
  EnabledWait *w = data;

  return g_action_group_get_action_enabled (w->actions, w->name) == w->enabled;
}

/* Waits for the remote group to catch up with an enabled state. */
static void
assert_enabled (GActionGroup *actions,
                const gchar  *name,
                gboolean      enabled)
{
  EnabledWait w = { actions, name, enabled };
  g_autofree gchar *what = g_strdup_printf ("action %s %s", name, enabled ? "enabled" : "disabled");

  kdh_test_run_until (enabled_is, &w, 10, what);
}

/* Enabled states follow the connection: Go only at a break, Break only
 * while running, the Kernel Connection items while a connection exists. */
static void
test_action_states (App *app,
                    gconstpointer data)
{
  g_autoptr (GDBusActionGroup) remote = G_DBUS_ACTION_GROUP (window_actions (app));
  GActionGroup *actions = G_ACTION_GROUP (remote);
  guint from = app->states->len;
  GSubprocess *sim = app->t.processes->pdata[0];

  assert_enabled (actions, "go", TRUE);
  assert_enabled (actions, "break", FALSE);
  assert_enabled (actions, "resync", TRUE);
  assert_enabled (actions, "restart", TRUE);
  assert_enabled (actions, "step-over", TRUE);
  assert_enabled (actions, "run-to-cursor", TRUE);

  g_action_group_activate_action (actions, "go", NULL);
  from = wait_state (app, from, "running");
  assert_enabled (actions, "go", FALSE);
  assert_enabled (actions, "break", TRUE);
  assert_enabled (actions, "step-over", FALSE);
  assert_enabled (actions, "run-to-cursor", FALSE);
  assert_enabled (actions, "resync", TRUE);

  g_subprocess_force_exit (sim);
  g_subprocess_wait (sim, NULL, NULL);
  from = wait_state (app, from, "lost");
  assert_enabled (actions, "go", FALSE);
  assert_enabled (actions, "break", FALSE);
  assert_enabled (actions, "resync", TRUE);
  assert_enabled (actions, "restart", TRUE);

  g_action_group_activate_action (actions, "stop-debugging", NULL);
  wait_state (app, from, "disconnected");
  assert_enabled (actions, "resync", FALSE);
  assert_enabled (actions, "restart", FALSE);
  assert_enabled (actions, "stop-debugging", FALSE);
}

/* The simulator goes away: the window says so (Lost, with the reason),
 * and .restart after it comes back reconnects. Screenshots of Lost and of
 * Disconnected (File > Stop Debugging, Shift+F5). */
static void
test_lost_and_stop (App *app,
                    gconstpointer data)
{
  guint from = app->states->len;
  GSubprocess *sim = app->t.processes->pdata[0];

  g_subprocess_force_exit (sim);
  g_subprocess_wait (sim, NULL, NULL);
  from = wait_state (app, from, "lost");
  screenshot (app, "lost");
  press (app, "shift+F5");
  wait_state (app, from, "disconnected");
  screenshot (app, "disconnected");
}

static void
execute (App         *app,
         const gchar *command)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "Execute", g_variant_new ("(s)", command),
                                 NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);

  g_assert_no_error (error);
}

static gboolean
reason_is_retry (gpointer data)
{
  App *app = data;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "GetState", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  const gchar *reason = NULL;

  if (reply)
    g_variant_get (reply, "(&s&s&s&s)", NULL, &reason, NULL, NULL);
  return reason && g_str_equal (reason, "sending RESET again");
}

/* The simulator is frozen (SIGSTOP): its socket stays open, but nothing
 * answers. A resync and a .restart then show their progress for as long
 * as it lasts (Resynchronizing with its attempt count); screenshots of
 * Resynchronizing and Synchronizing. Once it thaws, both complete. */
static void
test_progress_screenshots (App *app,
                           gconstpointer data)
{
  GSubprocess *sim = app->t.processes->pdata[0];
  guint64 resets = counter (app, "resets_received");
  guint from = app->states->len;

  kdh_test_proc_freeze (sim);
  press (app, "ctrl+alt+r");
  from = wait_state (app, from, "resynchronizing");
  /* The second round, with its attempt count on screen. */
  kdh_test_run_until (reason_is_retry, app, 30, "a second RESET round");
  screenshot (app, "resynchronizing");
  g_subprocess_send_signal (sim, SIGCONT);
  from = wait_state (app, from, "break");
  wait_counter (app, "resets_received", resets + 1);

  kdh_test_proc_freeze (sim);
  execute (app, ".restart");
  from = wait_state (app, from, "restarting");
  from = wait_state (app, from, "synchronizing");
  screenshot (app, "synchronizing");
  g_subprocess_send_signal (sim, SIGCONT);
  wait_state (app, from, "break");
}

/* A VM that is not running yet: the window waits for its pipe and says
 * which; Go, Break and Show Version are off, Stop Debugging is on.
 * Screenshot of Waiting. */
static void
test_waiting (App *app,
              gconstpointer data)
{
  g_autoptr (GDBusActionGroup) remote = G_DBUS_ACTION_GROUP (window_actions (app));
  GActionGroup *actions = G_ACTION_GROUP (remote);
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "GetState", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  const gchar *reason = NULL;

  g_assert_nonnull (reply);
  g_variant_get (reply, "(&s&s&s&s)", NULL, &reason, NULL, NULL);
  g_assert_nonnull (strstr (reason, "vm-not-started.sock"));
  assert_enabled (actions, "go", FALSE);
  assert_enabled (actions, "break", FALSE);
  assert_enabled (actions, "show-version", FALSE);
  assert_enabled (actions, "stop-debugging", TRUE);
  screenshot (app, "waiting");
}

static gboolean
transport_is_dump (gpointer data)
{
  App *app = data;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH,
                                 "org.kdhost.Window1", "GetState", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  const gchar *state = NULL, *transport = NULL;

  if (reply)
    g_variant_get (reply, "(&s&s&s&s)", &state, NULL, &transport, NULL);
  return reply && g_str_equal (state, "break") && g_str_has_prefix (transport, "Dump file ");
}

static gboolean
dialog_shown (gpointer data)
{
  gchar **id = data;
  const gchar *argv[] = { "xdotool", "search", "--onlyvisible", "--name", "Open Crash Dump", NULL };
  g_autofree gchar *out = kdh_test_x11_run (argv);

  if (out == NULL || *out == '\0')
    return FALSE;
  g_free (*id);
  *id = g_strndup (out, strcspn (out, "\n"));
  return TRUE;
}

/* Ctrl+D (File > Open Crash Dump…): a file chooser; the path typed into
 * it (Ctrl+L) opens the dump written a moment before with .dump, and the
 * window's session becomes that dump. */
static void
test_open_dump (App *app,
                gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (app->t.tmpdir, "window.dmp", NULL);
  g_autofree gchar *line = g_strdup_printf (".dump /f %s", path);
  g_autofree gchar *dialog = NULL;
  gsize from = app->output->len;

  g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH, "org.kdhost.Window1",
                               "Execute", g_variant_new ("(s)", line), NULL,
                               G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  wait_output (app, from, "Dump successfully written");
  press (app, "ctrl+d");
  kdh_test_run_until (dialog_shown, &dialog, 30, "the Open Crash Dump dialog");
  /* Keys typed before the chooser is ready for them are lost on a busy
   * machine: type the path again while the dialog is still there. */
  for (guint attempt = 0; attempt < 5 && !transport_is_dump (app); attempt++)
    {
      gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      if (!dialog_shown (&dialog))
        break;
      kdh_test_x11_focus (dialog);
      kdh_test_x11_key ("ctrl+l");
      kdh_test_x11_key ("ctrl+a");      /* what an earlier attempt left there */
      kdh_test_x11_type (path, 20);
      kdh_test_x11_screenshot (dialog, "open-dump-dialog");
      kdh_test_x11_key ("Return");
      while (!transport_is_dump (app) && g_get_monotonic_time () < until)
        {
          while (g_main_context_iteration (NULL, FALSE))
            ;
          g_usleep (20 * 1000);
        }
    }
  kdh_test_run_until (transport_is_dump, app, 60, "the window on the dump file");
  from = app->output->len;
  g_dbus_connection_call_sync (app->bus, "org.kdhost.Kdhost", SESSION_PATH, "org.kdhost.Window1",
                               "Execute", g_variant_new ("(s)", "lm"), NULL,
                               G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  wait_output (app, from, "ntoskrnl.exe");
  screenshot (app, "dump");
  /* A dump is stopped for good: nothing runs or steps it. */
  {
    g_autoptr (GDBusActionGroup) remote = G_DBUS_ACTION_GROUP (window_actions (app));
    static const gchar *const runs[] = { "go", "break", "step-over", "step-into", "step-out",
                                         "run-to-cursor" };

    for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
      assert_enabled (G_ACTION_GROUP (remote), runs[i], FALSE);
  }
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
  if (!kdh_test_x11_have_xdotool ())
    {
      g_test_message ("xdotool is not installed: skipping");
      return 77;
    }
#define ADD(path, fn) g_test_add ("/app/keys/" path, App, NULL, app_setup, fn, app_teardown)
  ADD ("ctrl-alt-r", test_ctrl_alt_r);
  ADD ("shortcut-does-not-leak", test_shortcut_does_not_leak);
  ADD ("shortcut-in-terminal", test_shortcut_in_terminal);
  ADD ("ctrl-w", test_ctrl_w);
  ADD ("recent-menu", test_recent_menu);
  ADD ("go-and-break", test_go_and_break_keys);
  ADD ("menu-path", test_menu_path);
  ADD ("menu-model", test_menu_model);
  ADD ("action-states", test_action_states);
  ADD ("lost-and-stop", test_lost_and_stop);
  ADD ("progress-screenshots", test_progress_screenshots);
  ADD ("open-dump", test_open_dump);
  g_test_add ("/app/keys/waiting", App, "waiting", app_setup, test_waiting, app_teardown);
#undef ADD
  return g_test_run ();
}
