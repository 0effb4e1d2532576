/* kdh-window-crash.c: a command line from the window, and asking before
 * .crash
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * .crash makes the target bug check at once: the machine's work is gone
 * and it will write a dump and restart. KD does it without a word, and so
 * do kdhost-cli and a debugging server's clients; in the window, where a
 * line may come from a mistyped history entry or a script through D-Bus,
 * it is asked first, as the window asks before a live target is let go
 * (kdh-window-confirm.c).
 */
#include "kdh-window-crash.h"
#include "kdh-window-private.h"

#include <glib/gi18n.h>

#include "commands/kdh-command-line.h"

#define CRASH_DIALOG "kdh-crash-dialog"
#define LAST_LINE "kdh-last-line"
#define PENDING_LINE "kdh-crash-line"

enum {
  RESPONSE_CRASH = 1,
};

gboolean
kdh_window_line_crashes (const gchar *line)
{
  g_autoptr (GPtrArray) parts = kdh_command_line_split (line != NULL ? line : "");

  for (guint i = 0; i < parts->len; i++)
    {
      const gchar *args = NULL;
      g_autofree gchar *name = kdh_command_line_name (parts->pdata[i], &args);

      if (g_str_equal (name, ".crash"))
        return TRUE;
    }
  return FALSE;
}

GtkWidget *
kdh_window_get_crash_dialog (KdhWindow *self)
{
  return g_object_get_data (G_OBJECT (self), CRASH_DIALOG);
}

static void
on_response (GtkDialog *dialog,
             gint       response,
             gpointer   data)
{
  KdhWindow *self = data;
  g_autofree gchar *line = g_strdup (g_object_get_data (G_OBJECT (dialog), PENDING_LINE));

  g_object_set_data (G_OBJECT (self), CRASH_DIALOG, NULL);
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response == RESPONSE_CRASH)
    {
      kdh_engine_execute (self->engine, line, NULL);
      return;
    }
  /* Said where the line would have shown its output. */
  {
    g_autofree gchar *echo = g_strdup_printf ("%s%s\n", self->prompt_echo ? self->prompt_echo : "",
                                              line);

    kdh_command_view_append (self->command_view, KDH_OUTPUT_ECHO, echo);
    kdh_command_view_append (self->command_view, KDH_OUTPUT_ERROR,
                             _("Not run: the target was not made to bug check.\n"));
  }
}

static void
on_destroy (GtkWidget *dialog,
            gpointer   data)
{
  if (kdh_window_get_crash_dialog (data) == dialog)
    g_object_set_data (G_OBJECT (data), CRASH_DIALOG, NULL);
}

static void
ask (KdhWindow   *self,
     const gchar *line)
{
  GtkWidget *dialog = kdh_window_get_crash_dialog (self);

  if (dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s",
                                   _("Make the target bug check?"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
    _(".crash stops the target with bug check 0xE2 (MANUALLY_INITIATED_CRASH). What it was "
      "doing is lost: it writes its crash dump and restarts, or waits for a debugger."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  gtk_style_context_add_class (gtk_widget_get_style_context (
                                 gtk_dialog_add_button (GTK_DIALOG (dialog),
                                                        _("C_rash the Target"), RESPONSE_CRASH)),
                               "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_object_set_data_full (G_OBJECT (dialog), PENDING_LINE, g_strdup (line), g_free);
  g_object_set_data (G_OBJECT (self), CRASH_DIALOG, dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_response), self, 0);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (on_destroy), self, 0);
  gtk_widget_show (dialog);
}

void
kdh_window_execute_line (KdhWindow   *self,
                         const gchar *line)
{
  const gchar *meant = line;
  g_autofree gchar *stripped = g_strstrip (g_strdup (line != NULL ? line : ""));

  /* Enter alone repeats the last line: that is the one to judge. */
  if (*stripped == '\0')
    meant = g_object_get_data (G_OBJECT (self), LAST_LINE);
  else
    g_object_set_data_full (G_OBJECT (self), LAST_LINE, g_strdup (stripped), g_free);
  /* Only a stopped live target can be made to bug check; otherwise (a
   * running target, a crash dump) the engine says why not, as it does for
   * every front end, and there is nothing to ask. */
  if (self->state == KDH_CONN_BREAK && !self->is_dump && meant != NULL
      && kdh_window_line_crashes (meant))
    {
      ask (self, meant);
      return;
    }
  kdh_engine_execute (self->engine, line, NULL);
}
