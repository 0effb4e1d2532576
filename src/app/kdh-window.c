/* kdh-window.c: a debugging session's main window
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window is the engine's front end: user actions become engine
 * commands, engine events become widget updates. Nothing here waits for
 * the engine; the engine's events arrive on this (the main) thread.
 */
#include "kdh-window-private.h"
#include "kdh-window-crash.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

#include "kdh-application.h"
#include "kdh-connect-dialog.h"
#include "transport/kdh-connection-string.h"
#include "kdh-mainloop-probe.h"
#include "sim/kdh-sim-transport.h"

G_DEFINE_FINAL_TYPE (KdhWindow, kdh_window, GTK_TYPE_APPLICATION_WINDOW)

static void
update_title (KdhWindow *self)
{
  g_autofree gchar *title = NULL;
  const gchar *state = kdh_conn_state_name (self->state);

  /* The connection too: two windows on two VMs of one Windows build are
   * told apart by it, also in the taskbar. */
  if (self->last_target && *self->last_target && self->last_transport && *self->last_transport)
    title = g_strdup_printf ("%s — %s — %s — kdhost", self->last_target, self->last_transport,
                             state);
  else if (self->last_target && *self->last_target)
    title = g_strdup_printf ("%s — %s — kdhost", self->last_target, state);
  else if (self->last_transport && *self->last_transport)
    title = g_strdup_printf ("%s — %s — kdhost", self->last_transport, state);
  else
    title = g_strdup_printf ("%s — kdhost", state);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
on_engine_event (KdhEngine      *engine,
                 const KdhEvent *event,
                 gpointer        data)
{
  KdhWindow *self = data;

  kdh_window_views_event (self, event);
  switch (event->kind)
    {
    case KDH_EVENT_OUTPUT:
      if (event->output_kind == KDH_OUTPUT_TARGET && kdh_mainloop_probe_enabled ())
        {
          guint64 lines = 0;

          for (const gchar *p = event->text; *p; p++)
            lines += *p == '\n';
          kdh_mainloop_probe_count ("target-lines", lines);
        }
      if (event->output_kind == KDH_OUTPUT_ECHO && event->origin)
        {
          g_autofree gchar *text = g_strdup_printf ("[%s] %s", event->origin, event->text);

          kdh_command_view_append (self->command_view, event->output_kind, text);
        }
      else
        kdh_command_view_append (self->command_view, event->output_kind, event->text);
      kdh_window_bus_output (self, event->output_kind, event->text);
      break;

    case KDH_EVENT_PROMPT:
      g_free (self->prompt_echo);
      self->prompt_echo = g_strdup (event->prompt);
      kdh_command_view_set_prompt (self->command_view, event->prompt, event->ready);
      break;

    case KDH_EVENT_STATE:
      self->state = event->state;
      g_free (self->last_reason);
      self->last_reason = g_strdup (event->reason);
      g_free (self->last_transport);
      self->last_transport = g_strdup (event->transport);
      g_free (self->last_target);
      self->last_target = g_strdup (event->target);
      kdh_status_bar_set_state (self->status_bar, event);
      kdh_connection_monitor_add_state (self->monitor, event);
      kdh_window_update_actions (self);
      kdh_window_bus_state_changed (self, event);
      update_title (self);
      kdh_window_confirm_state_changed (self);
      break;

    case KDH_EVENT_PROGRESS:
      kdh_status_bar_set_progress (self->status_bar, event);
      break;

    case KDH_EVENT_STATS:
      kdh_status_bar_set_stats (self->status_bar, &event->stats);
      kdh_connection_monitor_set_stats (self->monitor, &event->stats, event->time_us);
      break;

    case KDH_EVENT_PACKET:
      kdh_packet_log_append (self->packet_log, event);
      break;

    case KDH_EVENT_COMMAND_DONE:
      kdh_window_edit_command_done (self);
      break;

    default:
      break;
    }
}

/* The command view takes output faster than the terminal shows it; when
 * too much waits, the engine keeps the rest (and stops reading from the
 * target) until the view has caught up. */
static void
on_backlogged (GObject    *view,
               GParamSpec *pspec,
               gpointer    data)
{
  KdhWindow *self = data;

  if (self->engine)
    kdh_engine_hold_delivery (self->engine,
                              kdh_command_view_get_backlogged (self->command_view));
}

static void
on_command (KdhCommandView *view,
            const gchar    *line,
            gpointer        data)
{
  KdhWindow *self = data;

  /* KD's q ends the session; as the console does, the front end decides
   * what that means here: the question a live target deserves, or a word
   * on why nothing happens. */
  if (g_ascii_strcasecmp (line, "q") == 0 && !self->is_remote)
    {
      if (self->state == KDH_CONN_DISCONNECTED)
        {
          g_autofree gchar *text = g_strdup_printf ("%s%s\n", self->prompt_echo ? self->prompt_echo
                                                                      : "", line);

          kdh_command_view_append (self->command_view, KDH_OUTPUT_ECHO, text);
          kdh_command_view_append (self->command_view, KDH_OUTPUT_ERROR,
                                   _("There is no session to end. Ctrl+W closes the window.\n"));
        }
      else
        kdh_window_drop_session (self, KDH_DROP_STOP, NULL);
      return;
    }
  kdh_window_execute_line (self, line);
}

void
kdh_window_attach (KdhWindow   *self,
                   const gchar *connection)
{
  g_return_if_fail (KDH_IS_WINDOW (self));
  self->is_remote = FALSE;
  self->is_dump = FALSE;
  g_free (self->connection);
  self->connection = g_strdup (connection);
  {
    g_autoptr (KdhConnectionString) cs = kdh_connection_string_parse (connection, NULL);

    self->serial = cs && cs->kind == KDH_TRANSPORT_SERIAL;
  }
  /* -k connections are recent connections as much as the dialog's. */
  if (self->settings)
    kdh_connect_dialog_remember (self->settings, connection);
  kdh_engine_attach (self->engine, connection);
  kdh_window_update_actions (self);
  kdh_command_view_focus_entry (self->command_view);
}

void
kdh_window_connect_remote (KdhWindow   *self,
                           const gchar *remote_string)
{
  g_return_if_fail (KDH_IS_WINDOW (self));
  self->is_remote = TRUE;
  self->is_dump = FALSE;
  if (remote_string != self->remote_string)
    {
      g_free (self->remote_string);
      self->remote_string = g_strdup (remote_string);
    }
  kdh_engine_connect_remote (self->engine, remote_string);
  kdh_window_update_actions (self);
  kdh_command_view_focus_entry (self->command_view);
}

void
kdh_window_open_dump (KdhWindow   *self,
                      const gchar *path)
{
  g_return_if_fail (KDH_IS_WINDOW (self));
  self->is_remote = FALSE;
  self->is_dump = TRUE;
  kdh_engine_open_dump (self->engine, path);
  kdh_window_update_actions (self);
}

KdhEngine *
kdh_window_get_engine (KdhWindow *self)
{
  return self->engine;
}

KdhConnState
kdh_window_get_state (KdhWindow *self)
{
  return self->state;
}

/* Everything that needs the application (its settings, its bus). GtkWindow's
 * "application" is not a construct property, so this runs once it is set. */
static void
setup_session (KdhWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree gchar *history = g_build_filename (g_get_user_state_dir (), "kdhost", "history", NULL);

  if (KDH_IS_APPLICATION (app))
    self->settings = g_object_ref (kdh_application_get_settings (KDH_APPLICATION (app)));
  kdh_command_view_set_history_file (self->command_view, history);
  if (self->settings)
    {
      kdh_command_view_set_scrollback (self->command_view,
                                       g_settings_get_int (self->settings, "scrollback-lines"));
      kdh_packet_log_set_limit (self->packet_log,
                                (guint) g_settings_get_int (self->settings, "packet-log-limit"));
      gtk_widget_set_visible (GTK_WIDGET (self->monitor),
                              g_settings_get_boolean (self->settings, "show-monitor"));
      gtk_widget_set_visible (GTK_WIDGET (self->packet_log),
                              g_settings_get_boolean (self->settings, "show-packet-log"));
    }

  self->engine = kdh_engine_new (NULL, on_engine_event, self);
  /* Drawing and keys first: the engine may look for packets without sleeping. */
  kdh_engine_set_background (self->engine);
  self->servers = kdh_server_set_new (self->engine);
  if (self->settings)
    kdh_engine_set_initial_break (self->engine,
                                  g_settings_get_boolean (self->settings, "initial-break"));
  kdh_window_install_actions (self);
  kdh_window_install_edit (self);
  kdh_window_install_log (self);
  kdh_window_install_progress (self);
  kdh_window_views_setup (self);
  kdh_window_toolbar_setup (self);
  kdh_window_layout_setup (self);
  kdh_window_update_actions (self);
  kdh_window_bus_export (self);
  update_title (self);
  kdh_command_view_focus_entry (self->command_view);
}

static void
kdh_window_dispose (GObject *object)
{
  KdhWindow *self = KDH_WINDOW (object);

  kdh_window_bus_unexport (self);
  if (self->confirm_dialog)
    {
      g_signal_handlers_disconnect_by_data (self->confirm_dialog, self);
      gtk_widget_destroy (g_steal_pointer (&self->confirm_dialog));
    }
  /* The servers first: they are a front end of the engine. Then the
   * engine thread; no event is delivered after this. */
  g_clear_pointer (&self->servers, kdh_server_set_free);
  g_clear_pointer (&self->engine, kdh_engine_free);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (kdh_window_parent_class)->dispose (object);
}

static void
kdh_window_finalize (GObject *object)
{
  KdhWindow *self = KDH_WINDOW (object);

  g_free (self->last_reason);
  g_free (self->last_transport);
  g_free (self->last_target);
  g_free (self->remote_string);
  g_free (self->connection);
  g_free (self->drop_connection);
  g_free (self->prompt_echo);
  G_OBJECT_CLASS (kdh_window_parent_class)->finalize (object);
}

static void
kdh_window_class_init (KdhWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kdh_window_dispose;
  object_class->finalize = kdh_window_finalize;

  /* Every window offers the built-in target (sim:). */
  kdh_sim_transport_register ();

  g_type_ensure (KDH_TYPE_COMMAND_VIEW);
  g_type_ensure (KDH_TYPE_STATUS_BAR);
  g_type_ensure (KDH_TYPE_CONNECTION_MONITOR);
  g_type_ensure (KDH_TYPE_PACKET_LOG);
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/kdhost/Kdhost/ui/kdh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhWindow, command_view);
  gtk_widget_class_bind_template_child (widget_class, KdhWindow, status_bar);
  gtk_widget_class_bind_template_child (widget_class, KdhWindow, monitor);
  gtk_widget_class_bind_template_child (widget_class, KdhWindow, packet_log);
  gtk_widget_class_bind_template_child (widget_class, KdhWindow, main_paned);
  gtk_widget_class_bind_template_child (widget_class, KdhWindow, left_paned);
  gtk_widget_class_bind_template_child (widget_class, KdhWindow, toolbar);
}

static void
kdh_window_init (KdhWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->state = KDH_CONN_DISCONNECTED;
  g_signal_connect (self->command_view, "command", G_CALLBACK (on_command), self);
  g_signal_connect (self->command_view, "notify::backlogged", G_CALLBACK (on_backlogged), self);
  kdh_window_confirm_init (self);
  kdh_window_layout_init (self);
}

KdhWindow *
kdh_window_new (GtkApplication *application)
{
  KdhWindow *self = g_object_new (KDH_TYPE_WINDOW, "application", application, NULL);

  setup_session (self);
  return self;
}
