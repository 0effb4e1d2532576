/* kdh-application.c: kdhost, the GTK application
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command line as WinDbg's: `kdhost -k CONNECTION` opens a window on that
 * kernel connection, `kdhost -remote STRING` one on a debugging server's
 * session, `-server STRING` (repeatable) shares the window's session as
 * .server does, and `kdhost` alone opens a window with no connection.
 * Each invocation opens a window in the running instance; every window is
 * a debugging session of its own.
 */
#include "kdh-application.h"

#include <glib/gi18n.h>

#include "kdh-app-resources.h"
#include "common/kdh-front-end-keys.h"
#include "kdh-mainloop-probe.h"
#include "kdh-window.h"

struct _KdhApplication
{
  GtkApplication parent_instance;
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (KdhApplication, kdh_application, GTK_TYPE_APPLICATION)

/* The one accelerator table. The menus' accel attributes only display. */
static const struct {
  const gchar *action;
  const gchar *accels[3];
} default_accels[] = {
  { "win.kernel-debug", { "<Control>k", NULL } },
  { "win.open-dump", { "<Control>d", NULL } },
  { "win.stop-debugging", { "<Shift>F5", NULL } },
  { "win.close", { "<Control>w", NULL } },
  { "win.reconnect", { "<Control><Shift>F5", NULL } },
  { "win.copy", { "<Control>c", NULL } },
  { "win.select-all", { "<Control>a", NULL } },
  { "win.find", { "<Control>f", NULL } },
  { "win.go", { "F5", NULL } },
  { "win.break", { "<Control>Break", "<Control>Pause", NULL } },
  { "win.cycle-baud", { "<Control><Alt>a", NULL } },
  { "win.cycle-initial-break", { "<Control><Alt>k", NULL } },
  { "win.resync", { "<Control><Alt>r", NULL } },
  { "win.packet-capture", { "<Control><Alt>d", NULL } },
  { "win.verbose", { "<Control><Alt>v", NULL } },
  { "win.show-version", { "<Control><Alt>w", NULL } },
  { "win.show-command", { "<Alt>1", NULL } },
  { "win.show-registers", { "<Alt>4", NULL } },
  { "win.show-memory", { "<Alt>5", NULL } },
  { "win.show-processors", { "<Alt>9", NULL } },
  { "win.show-stack", { "<Alt>6", NULL } },
  { "win.show-disassembly", { "<Alt>7", NULL } },
  { "win.show-breakpoints", { "<Alt>F9", NULL } },
  { "win.step-over", { "F10", NULL } },
  { "win.step-into", { "F11", NULL } },
  { "win.step-out", { "<Shift>F11", NULL } },
  { "win.run-to-cursor", { "F7", "<Control>F10", NULL } },
  { "win.show-help-overlay", { "<Control>question", NULL } },
  { "app.new-window", { "<Control>n", NULL } },
  { "app.quit", { "<Control>q", NULL } },
};

GSettings *
kdh_application_get_settings (KdhApplication *self)
{
  return self->settings;
}

static KdhWindow *
open_window (KdhApplication *self)
{
  KdhWindow *window = kdh_window_new (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
new_window_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       data)
{
  open_window (data);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (data));

  /* Each window closes as its close button would: one with a live target
   * asks first. Closing a window stops its engine and its connection. */
  while (windows)
    {
      GtkWidget *window = windows->data;

      windows = windows->next;
      gtk_window_close (GTK_WINDOW (window));
    }
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  static const gchar *authors[] = { "The kdhost authors", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (GTK_APPLICATION (data)),
                         "program-name", "kdhost",
                         "logo-icon-name", KDH_APP_ID,
                         "version", KDH_VERSION,
                         "comments", _("A kernel debugger host for Windows targets"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         NULL);
}

/* File > Recent Connections: the Kernel Debug dialog's list and every -k
 * connection, most recent first; choosing one connects the window. */
static void
fill_recent (GSettings   *settings,
             const gchar *key,
             gpointer     data)
{
  GMenu *menu = data;
  g_auto (GStrv) recent = g_settings_get_strv (settings, "recent-connections");

  g_menu_remove_all (menu);
  for (guint i = 0; recent[i]; i++)
    {
      /* Underscores are mnemonics in a menu label. */
      g_auto (GStrv) parts = g_strsplit (recent[i], "_", -1);
      g_autofree gchar *label = g_strjoinv ("__", parts);
      g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.connect-recent",
                                               g_variant_new_string (recent[i]));
      g_menu_append_item (menu, item);
    }
  if (recent[0] == NULL)
    g_menu_append (menu, _("No recent connections"), "win.no-recent");
}

static const GActionEntry app_actions[] = {
  { "new-window", new_window_action },
  { "quit", quit_action },
  { "about", about_action },
};

static void
kdh_application_startup (GApplication *app)
{
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (kdh_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  for (guint i = 0; i < G_N_ELEMENTS (default_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), default_accels[i].action,
                                           default_accels[i].accels);

  {
    GMenu *recent = gtk_application_get_menu_by_id (GTK_APPLICATION (app), "recent-connections");

    if (recent)
      {
        fill_recent (KDH_APPLICATION (app)->settings, NULL, recent);
        g_signal_connect_object (KDH_APPLICATION (app)->settings, "changed::recent-connections",
                                 G_CALLBACK (fill_recent), recent, 0);
      }
  }
  gtk_css_provider_load_from_resource (css, "/org/kdhost/Kdhost/style.css");
  gtk_style_context_add_provider_for_screen (gdk_screen_get_default (), GTK_STYLE_PROVIDER (css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_window_set_default_icon_name (KDH_APP_ID);
  kdh_mainloop_probe_start ();
}

static void
kdh_application_shutdown (GApplication *app)
{
  kdh_mainloop_probe_stop ();
  G_APPLICATION_CLASS (kdh_application_parent_class)->shutdown (app);
}

static gint
kdh_application_command_line (GApplication            *app,
                              GApplicationCommandLine *command_line)
{
  KdhApplication *self = KDH_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree gchar *connection = NULL;
  g_autofree gchar *remote = NULL;
  g_autofree gchar *dump_arg = NULL;
  g_autofree gchar *dump = NULL;
  g_auto (GStrv) servers = NULL;
  KdhWindow *window;

  g_variant_dict_lookup (options, "kernel", "s", &connection);
  g_variant_dict_lookup (options, "remote", "s", &remote);
  g_variant_dict_lookup (options, "server", "^as", &servers);
  g_variant_dict_lookup (options, "dump", "^ay", &dump_arg);
  if ((connection != NULL) + (remote != NULL) + (dump_arg != NULL) > 1)
    {
      g_application_command_line_printerr (command_line, "%s\n",
                                           _("kdhost: -k, -z and -remote cannot be used together"));
      return 2;
    }
  if (dump_arg)
    {
      /* Relative to where kdhost was started, which may be another
       * instance's directory. */
      g_autoptr (GFile) file = g_application_command_line_create_file_for_arg (command_line,
                                                                               dump_arg);

      dump = g_file_get_path (file);
    }
  window = open_window (self);
  if (g_variant_dict_contains (options, "no-initial-break"))
    kdh_engine_set_initial_break (kdh_window_get_engine (window), FALSE);
  /* Servers first, as WinDbg starts them: clients can join while the
   * kernel connection is still being made. */
  for (guint i = 0; servers && servers[i]; i++)
    {
      g_autofree gchar *line = g_strdup_printf (".server %s", servers[i]);

      kdh_engine_execute (kdh_window_get_engine (window), line, NULL);
    }
  if (connection)
    kdh_window_attach (window, connection);
  else if (remote)
    kdh_window_connect_remote (window, remote);
  else if (dump)
    kdh_window_open_dump (window, dump);
  return 0;
}

static void
kdh_application_activate (GApplication *app)
{
  open_window (KDH_APPLICATION (app));
}

static void
kdh_application_finalize (GObject *object)
{
  KdhApplication *self = KDH_APPLICATION (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (kdh_application_parent_class)->finalize (object);
}

static void
kdh_application_class_init (KdhApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = kdh_application_finalize;
  app_class->startup = kdh_application_startup;
  app_class->shutdown = kdh_application_shutdown;
  app_class->command_line = kdh_application_command_line;
  app_class->activate = kdh_application_activate;
}

static const GOptionEntry option_entries[] = {
  { "kernel", 'k', 0, G_OPTION_ARG_STRING, NULL,
    N_("Kernel connection, e.g. com:pipe,port=/run/vm.sock or sim:"), N_("CONNECTION") },
  { "dump", 'z', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Open a kernel crash dump file"), N_("FILE") },
  { "no-initial-break", 'n', 0, G_OPTION_ARG_NONE, NULL,
    N_("Leave the target running once connected and after it reboots"), NULL },
  { "remote", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Join a debugging server's session, e.g. tcp:Port=5005,Server=HOST (also -remote)"),
    N_("STRING") },
  { "server", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Share this session as a debugging server, e.g. tcp:port=5005 (also -server)"),
    N_("STRING") },
  { NULL }
};

/* What messages name for keys, in this window (the console names its own). */
static const gchar *const window_keys[KDH_FRONT_END_N_KEYS] = {
  "Ctrl+Break", "Ctrl+Alt+R", "Ctrl+Alt+D", "Ctrl+W",
};

static void
kdh_application_init (KdhApplication *self)
{
  kdh_front_end_keys_set (window_keys);
  /* Before GtkApplication looks for gtk/menus.ui under its base path. */
  kdh_app_ensure_resources ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self),
                                                     _("- kernel debugger for Windows targets"));
  self->settings = g_settings_new (KDH_APP_ID);
}

KdhApplication *
kdh_application_new (void)
{
  return g_object_new (KDH_TYPE_APPLICATION,
                       "application-id", KDH_APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/org/kdhost/Kdhost",
                       NULL);
}
