/* kdh-remote-dialog.h: File > Connect to Remote Session...
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KDH_TYPE_REMOTE_DIALOG (kdh_remote_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KdhRemoteDialog, kdh_remote_dialog, KDH, REMOTE_DIALOG, GtkDialog)

/* A -remote string entry, checked with the real parser as it is typed:
 * Connect (GTK_RESPONSE_ACCEPT, the default) is only sensitive while the
 * string parses, and a malformed one shows the parser's error. Cancel is
 * GTK_RESPONSE_CANCEL. */
GtkWidget   *kdh_remote_dialog_new        (GtkWindow   *parent);
/* The string as typed, trimmed. */
const gchar *kdh_remote_dialog_get_string (KdhRemoteDialog *self);
void         kdh_remote_dialog_set_string (KdhRemoteDialog *self,
                                           const gchar     *text);
/* The error shown, "" when the string is valid or empty. */
const gchar *kdh_remote_dialog_get_message (KdhRemoteDialog *self);

G_END_DECLS
