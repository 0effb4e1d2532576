/* kdh-window-actions.c: the window's GActions and when they are enabled
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every user command is a win.* action; the accelerators live in one
 * table in kdh-application.c. Enabled states follow the connection state:
 * Go only at a break, Break only while running, the Kernel Connection
 * items only while a kernel connection exists.
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>

#include "kdh-connect-dialog.h"
#include "kdh-remote-dialog.h"

static void
on_connect_response (GtkDialog *dialog,
                     gint       response,
                     gpointer   data)
{
  KdhWindow *self = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *connection =
        kdh_connect_dialog_build_connection (KDH_CONNECT_DIALOG (dialog), &error);

      /* The dialog only offers Connect for a valid string. */
      if (connection)
        {
          kdh_window_drop_session (self, KDH_DROP_CONNECT, connection);
        }
      else
        kdh_command_view_append (self->command_view, KDH_OUTPUT_ERROR, error->message);
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
kernel_debug_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       data)
{
  KdhWindow *self = data;
  GtkWidget *dialog = kdh_connect_dialog_new (GTK_WINDOW (self), self->settings);

  /* This window's connection, not whichever window connected last. */
  if (self->connection && !self->is_remote)
    kdh_connect_dialog_set_connection (KDH_CONNECT_DIALOG (dialog), self->connection);
  g_signal_connect (dialog, "response", G_CALLBACK (on_connect_response), self);
  gtk_widget_show (dialog);
}

static void
on_remote_response (GtkDialog *dialog,
                    gint       response,
                    gpointer   data)
{
  KdhWindow *self = data;

  /* The dialog only offers Connect for a string that parses. */
  if (response == GTK_RESPONSE_ACCEPT)
    kdh_window_connect_remote (self, kdh_remote_dialog_get_string (KDH_REMOTE_DIALOG (dialog)));
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
connect_remote_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       data)
{
  KdhWindow *self = data;
  GtkWidget *dialog = kdh_remote_dialog_new (GTK_WINDOW (self));

  /* This window's session, when it is a client. */
  if (self->remote_string)
    kdh_remote_dialog_set_string (KDH_REMOTE_DIALOG (dialog), self->remote_string);
  g_signal_connect (dialog, "response", G_CALLBACK (on_remote_response), self);
  gtk_widget_show (dialog);
}

static void
stop_debugging_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       data)
{
  KdhWindow *self = data;

  kdh_window_drop_session (self, KDH_DROP_STOP, NULL);
}

/* WinDbg's Restart (Ctrl+Shift+F5): the last connection again, also after
 * Stop Debugging. */
static void
reconnect_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  KdhWindow *self = data;
  g_autofree gchar *connection = g_strdup (self->connection);

  /* A debugging client joins its server's session again. */
  if (self->is_remote && self->remote_string)
    kdh_window_connect_remote (self, self->remote_string);
  else if (connection)
    kdh_window_drop_session (self, KDH_DROP_CONNECT, connection);
}

/* File > Recent Connections > one of them. */
static void
connect_recent_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       data)
{
  KdhWindow *self = data;

  kdh_window_drop_session (self, KDH_DROP_CONNECT, g_variant_get_string (param, NULL));
}

static void
close_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  /* Through delete-event, which asks first when a target is attached. */
  gtk_window_close (GTK_WINDOW (data));
}

static void
go_action (GSimpleAction *action,
           GVariant      *param,
           gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_execute (self->engine, "g", NULL);
}

static void
break_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_break (self->engine);
}

static void
cycle_baud_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_cycle_baud (self->engine);
}

static void
resync_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_resync (self->engine);
}

static void
restart_action (GSimpleAction *action,
                GVariant      *param,
                gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_restart (self->engine);
}

static void
show_command_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       data)
{
  KdhWindow *self = data;

  kdh_command_view_focus_entry (self->command_view);
}

static void
show_version_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_execute (self->engine, "vertarget", NULL);
}

static void
initial_break_change (GSimpleAction *action,
                      GVariant      *value,
                      gpointer       data)
{
  KdhWindow *self = data;
  gboolean on = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  kdh_engine_set_initial_break (self->engine, on);
  if (self->settings)
    g_settings_set_boolean (self->settings, "initial-break", on);
}

/* WinDbg's Cycle Initial Break (Ctrl+Alt+K): an action that says what it
 * did; the state itself is the Break on Connect and Reboot check box. */
static void
cycle_initial_break_action (GSimpleAction *action,
                            GVariant      *param,
                            gpointer       data)
{
  KdhWindow *self = data;
  GAction *state = g_action_map_lookup_action (G_ACTION_MAP (self), "initial-break");
  g_autoptr (GVariant) old = g_action_get_state (state);
  gboolean on = !g_variant_get_boolean (old);

  g_action_change_state (state, g_variant_new_boolean (on));
  kdh_command_view_append (self->command_view, KDH_OUTPUT_DEBUGGER,
                           on ? _("Will break in when the target connects and after it "
                                  "reboots.\n")
                              : _("Will leave the target running when it connects and after "
                                  "it reboots.\n"));
}

static void
show_monitor_change (GSimpleAction *action,
                     GVariant      *value,
                     gpointer       data)
{
  KdhWindow *self = data;
  gboolean on = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (GTK_WIDGET (self->monitor), on);
  if (self->settings)
    g_settings_set_boolean (self->settings, "show-monitor", on);
}

static void
show_packet_log_change (GSimpleAction *action,
                        GVariant      *value,
                        gpointer       data)
{
  KdhWindow *self = data;
  gboolean on = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (GTK_WIDGET (self->packet_log), on);
  if (self->settings)
    g_settings_set_boolean (self->settings, "show-packet-log", on);
}

static void
packet_capture_change (GSimpleAction *action,
                       GVariant      *value,
                       gpointer       data)
{
  KdhWindow *self = data;
  gboolean on = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  kdh_engine_set_trace (self->engine, on);
  kdh_packet_log_set_capturing (self->packet_log, on);
  /* Capturing into a hidden log would be pointless: show it. */
  if (on)
    g_action_group_change_action_state (G_ACTION_GROUP (self), "show-packet-log",
                                        g_variant_new_boolean (TRUE));
}

static void
verbose_change (GSimpleAction *action,
                GVariant      *value,
                gpointer       data)
{
  KdhWindow *self = data;

  g_simple_action_set_state (action, value);
  kdh_engine_set_verbose (self->engine, g_variant_get_boolean (value));
}

static const GActionEntry window_actions[] = {
  { "kernel-debug", kernel_debug_action },
  { "open-dump", kdh_window_open_dump_action },
  { "connect-remote", connect_remote_action },
  { "stop-debugging", stop_debugging_action },
  { "close", close_action },
  { "reconnect", reconnect_action },
  { "connect-recent", connect_recent_action, "s" },
  { "go", go_action },
  { "break", break_action },
  { "cycle-baud", cycle_baud_action },
  { "cycle-initial-break", cycle_initial_break_action },
  { "initial-break", NULL, NULL, "true", initial_break_change },
  { "resync", resync_action },
  { "restart", restart_action },
  { "show-command", show_command_action },
  { "show-monitor", NULL, NULL, "true", show_monitor_change },
  { "show-packet-log", NULL, NULL, "false", show_packet_log_change },
  { "packet-capture", NULL, NULL, "false", packet_capture_change },
  { "verbose", NULL, NULL, "false", verbose_change },
  { "show-version", show_version_action },
};

static void
set_enabled (KdhWindow   *self,
             const gchar *name,
             gboolean     enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
kdh_window_update_actions (KdhWindow *self)
{
  gboolean has_connection = self->state != KDH_CONN_DISCONNECTED;

  set_enabled (self, "go", self->state == KDH_CONN_BREAK);
  set_enabled (self, "break", self->state == KDH_CONN_RUNNING);
  set_enabled (self, "stop-debugging", has_connection);
  set_enabled (self, "resync", has_connection);
  set_enabled (self, "restart", has_connection);
  /* Only a serial line has a baud rate to cycle. */
  set_enabled (self, "cycle-baud", has_connection && self->serial && !self->is_remote);
  set_enabled (self, "reconnect", self->is_remote ? self->remote_string != NULL
                                                 : self->connection != NULL);
  set_enabled (self, "show-version", kdh_conn_state_connected (self->state));
  kdh_window_toolbar_update (self);
}

void
kdh_window_install_actions (KdhWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions,
                                   G_N_ELEMENTS (window_actions), self);
  /* Stateful actions start from the settings, not the table's defaults. */
  if (self->settings)
    {
      GAction *action;

      action = g_action_map_lookup_action (G_ACTION_MAP (self), "initial-break");
      g_simple_action_set_state (G_SIMPLE_ACTION (action),
                                 g_variant_new_boolean (g_settings_get_boolean (self->settings,
                                                                                "initial-break")));
      action = g_action_map_lookup_action (G_ACTION_MAP (self), "show-monitor");
      g_simple_action_set_state (G_SIMPLE_ACTION (action),
                                 g_variant_new_boolean (g_settings_get_boolean (self->settings,
                                                                                "show-monitor")));
      action = g_action_map_lookup_action (G_ACTION_MAP (self), "show-packet-log");
      g_simple_action_set_state (G_SIMPLE_ACTION (action),
                                 g_variant_new_boolean (g_settings_get_boolean (self->settings,
                                                                                "show-packet-log")));
    }
}
