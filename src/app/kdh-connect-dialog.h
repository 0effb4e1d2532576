/* kdh-connect-dialog.h: File > Kernel Debug...
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KDH_TYPE_CONNECT_DIALOG (kdh_connect_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KdhConnectDialog, kdh_connect_dialog, KDH, CONNECT_DIALOG, GtkDialog)

/* Tabs for a serial port (ports listed through libserialport, baud rate),
 * a VM pipe (socket path, reconnect), TCP (host and port, or wait for the
 * target), the simulated target, and a field for a raw connection string;
 * recent connections from @settings ("recent-connections"; @settings may
 * be NULL: no recent list). Opens on the tab of the most recent connection,
 * filled in from it. The header bar has Cancel (GTK_RESPONSE_CANCEL) and
 * Connect (GTK_RESPONSE_ACCEPT, the default); Connect is only sensitive
 * while the string is valid: a malformed one shows its error in the
 * dialog. Double-clicking a recent connection responds with Connect. */
GtkWidget *kdh_connect_dialog_new (GtkWindow *parent,
                                   GSettings *settings);
/* The canonical connection string the current tab builds (NULL and @error,
 * in KDH_CONNECTION_STRING_ERROR, when it is not valid or incomplete). */
gchar     *kdh_connect_dialog_build_connection (KdhConnectDialog *self,
                                                GError          **error);
/* Shows the tab that can build @connection, filled in from it (a string
 * that no tab but "Connection String" can express goes there). */
void       kdh_connect_dialog_set_connection (KdhConnectDialog *self,
                                              const gchar      *connection);
/* Adds @connection to the front of the recent list (canonicalised when it
 * parses, deduplicated, at most 10). */
void       kdh_connect_dialog_remember (GSettings   *settings,
                                        const gchar *connection);

G_END_DECLS
