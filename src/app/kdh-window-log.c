/* kdh-window-log.c: File > Open Log File… and Close Log File
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WinDbg's Edit > Open/Close Log File, in the File menu here. The menu only
 * asks for the file: .logopen (or .logappend, with "Append" ticked) and
 * .logclose do the work, echoed in the output like any command, so that
 * the menu and the command line cannot disagree.
 */
#include "kdh-window-private.h"

#include <string.h>
#include <glib/gi18n.h>

void
kdh_window_log_open (KdhWindow   *self,
                     const gchar *path,
                     gboolean     append)
{
  g_autofree gchar *line = NULL;

  /* The command line has no way to quote a quote. */
  if (strchr (path, '"') != NULL)
    {
      g_autofree gchar *text =
        g_strdup_printf (_("Cannot log to '%s': a log file's name cannot contain '\"'.\n"), path);

      kdh_command_view_append (self->command_view, KDH_OUTPUT_ERROR, text);
      return;
    }
  line = g_strdup_printf ("%s \"%s\"", append ? ".logappend" : ".logopen", path);
  kdh_engine_execute (self->engine, line, NULL);
}

static void
on_response (GtkNativeDialog *chooser,
             gint             response,
             gpointer         data)
{
  KdhWindow *self = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree gchar *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
      const gchar *append = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "append");

      if (path)
        kdh_window_log_open (self, path, g_strcmp0 (append, "true") == 0);
    }
  g_object_unref (chooser);
}

static void
open_log_action (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       data)
{
  KdhWindow *self = data;
  GtkFileChooserNative *chooser;
  GtkFileFilter *logs = gtk_file_filter_new ();
  GtkFileFilter *all = gtk_file_filter_new ();

  /* Save, as the file may not exist yet. */
  chooser = gtk_file_chooser_native_new (_("Open Log File"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (logs, _("Log files (*.log, *.txt)"));
  gtk_file_filter_add_pattern (logs, "*.log");
  gtk_file_filter_add_pattern (logs, "*.txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), logs);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "kd.log");
  /* Appending is the other way to keep what a file holds (.logappend). */
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "append",
                               _("_Append to the file instead of replacing it"), NULL, NULL);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "append", "false");
  g_signal_connect (chooser, "response", G_CALLBACK (on_response), self);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
close_log_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_execute (self->engine, ".logclose", NULL);
}

static const GActionEntry log_actions[] = {
  { "open-log", open_log_action },
  { "close-log", close_log_action },
};

void
kdh_window_install_log (KdhWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), log_actions, G_N_ELEMENTS (log_actions),
                                   self);
}
