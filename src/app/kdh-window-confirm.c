/* kdh-window-confirm.c: asking before a live target is let go
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Stop Debugging, closing the window and connecting anew all drop the
 * session. With a target attached (at a break or running) that is not
 * harmless: a machine left at a break stays frozen until a debugger comes
 * back, as WinDbg warns. So the window asks first, says what will happen
 * to the target, and offers to let it run before detaching. A session
 * that has no live target (disconnected, waiting, lost) or that belongs
 * to a debugging server (-remote) is dropped without asking.
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>

enum {
  RESPONSE_GO_AND_DETACH = 1,
  RESPONSE_DETACH = 2,
};

gboolean
kdh_window_has_live_target (KdhWindow *self)
{
  /* A server's target is not this window's to lose; a dump cannot run. */
  if (self->is_remote || self->is_dump)
    return FALSE;
  switch (self->state)
    {
    case KDH_CONN_BREAK:
    case KDH_CONN_RUNNING:
    case KDH_CONN_RESYNCHRONIZING:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
destroy_idle (gpointer data)
{
  gtk_widget_destroy (data);
  return G_SOURCE_REMOVE;
}

/* What the user asked for, once the target has been dealt with. */
static void
finish (KdhWindow   *self,
        KdhDropWhat  what)
{
  g_autofree gchar *connection = g_steal_pointer (&self->drop_connection);

  self->drop_after_running = KDH_DROP_NONE;
  switch (what)
    {
    case KDH_DROP_STOP:
      kdh_engine_detach (self->engine);
      break;
    case KDH_DROP_CLOSE:
      /* Destroying the window stops its engine and closes the connection;
       * from an idle, since this may run inside the engine's event
       * delivery, which must not free the engine under itself. */
      kdh_engine_detach (self->engine);
      gtk_widget_hide (GTK_WIDGET (self));
      g_idle_add_full (G_PRIORITY_DEFAULT, destroy_idle, g_object_ref (self), g_object_unref);
      break;
    case KDH_DROP_CONNECT:
      kdh_window_attach (self, connection);
      break;
    case KDH_DROP_NONE:
    default:
      break;
    }
}

void
kdh_window_confirm_state_changed (KdhWindow *self)
{
  KdhDropWhat what = self->drop_after_running;

  /* "Go and detach": the target runs now (or the connection went away
   * meanwhile); either way there is nothing left to resume. */
  if (what == KDH_DROP_NONE || self->state == KDH_CONN_BREAK)
    return;
  if (self->state == KDH_CONN_RESYNCHRONIZING || self->state == KDH_CONN_SYNCHRONIZING)
    return;
  finish (self, what);
}

static void
on_response (GtkDialog *dialog,
             gint       response,
             gpointer   data)
{
  KdhWindow *self = data;
  KdhDropWhat what = self->drop_pending;

  self->confirm_dialog = NULL;
  self->drop_pending = KDH_DROP_NONE;
  gtk_widget_destroy (GTK_WIDGET (dialog));
  switch (response)
    {
    case RESPONSE_DETACH:
      finish (self, what);
      break;
    case RESPONSE_GO_AND_DETACH:
      if (self->state == KDH_CONN_BREAK)
        {
          self->drop_after_running = what;
          kdh_engine_execute (self->engine, "g", NULL);
        }
      else
        finish (self, what);
      break;
    default:
      g_clear_pointer (&self->drop_connection, g_free);
      break;
    }
}

static const gchar *
question_for (KdhDropWhat what)
{
  switch (what)
    {
    case KDH_DROP_CLOSE: return _("Close the window and stop debugging?");
    case KDH_DROP_CONNECT: return _("Stop debugging this target and connect anew?");
    case KDH_DROP_STOP:
    default: return _("Stop debugging?");
    }
}

void
kdh_window_drop_session (KdhWindow   *self,
                         KdhDropWhat  what,
                         const gchar *connection)
{
  GtkWidget *dialog;
  gboolean at_break = self->state != KDH_CONN_RUNNING;

  g_free (self->drop_connection);
  self->drop_connection = g_strdup (connection);
  if (!kdh_window_has_live_target (self))
    {
      finish (self, what);
      return;
    }
  if (self->confirm_dialog)
    {
      gtk_window_present (GTK_WINDOW (self->confirm_dialog));
      return;
    }
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", question_for (what));
  if (at_break)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
      _("The target is stopped at a break. If you detach now it stays frozen until a "
        "debugger connects to it again. Go and Detach lets it run first."));
  else
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
      _("The target is running and keeps running. If it breaks later (a breakpoint, an "
        "assertion or a crash), it waits frozen for a debugger."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  if (at_break)
    gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Go and Detach"), RESPONSE_GO_AND_DETACH);
  gtk_style_context_add_class (gtk_widget_get_style_context (
                                 gtk_dialog_add_button (GTK_DIALOG (dialog),
                                                        at_break ? _("_Detach, Leave Stopped")
                                                                 : _("_Detach"),
                                                        RESPONSE_DETACH)),
                               "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog),
                                   at_break ? RESPONSE_GO_AND_DETACH : GTK_RESPONSE_CANCEL);
  self->confirm_dialog = dialog;
  self->drop_pending = what;
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), self);
  gtk_widget_show (dialog);
}

/* The window manager's close button, Ctrl+W and File > Close come here. */
static gboolean
on_delete_event (GtkWidget *widget,
                 GdkEvent  *event,
                 gpointer   data)
{
  KdhWindow *self = KDH_WINDOW (widget);

  if (!kdh_window_has_live_target (self))
    return GDK_EVENT_PROPAGATE;
  kdh_window_drop_session (self, KDH_DROP_CLOSE, NULL);
  return GDK_EVENT_STOP;
}

void
kdh_window_confirm_init (KdhWindow *self)
{
  g_signal_connect (self, "delete-event", G_CALLBACK (on_delete_event), NULL);
}
