/* kdh-window-dump.c: File > Open Crash Dump… (Ctrl+D, as in WinDbg)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Asks for a dump file and opens it as the window's target, as
 * `kdhost -z FILE` does; whatever the window was connected to is closed
 * first by the engine.
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>

static void
on_response (GtkNativeDialog *chooser,
             gint             response,
             gpointer         data)
{
  KdhWindow *self = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree gchar *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));

      if (path)
        kdh_window_open_dump (self, path);
    }
  g_object_unref (chooser);
}

void
kdh_window_open_dump_action (GSimpleAction *action,
                             GVariant      *param,
                             gpointer       data)
{
  KdhWindow *self = data;
  GtkFileChooserNative *chooser;
  GtkFileFilter *dumps = gtk_file_filter_new ();
  GtkFileFilter *all = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Open Crash Dump"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (dumps, _("Crash dumps (*.dmp)"));
  gtk_file_filter_add_pattern (dumps, "*.dmp");
  gtk_file_filter_add_pattern (dumps, "*.DMP");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), dumps);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_signal_connect (chooser, "response", G_CALLBACK (on_response), self);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
