/* kdh-connect-dialog-private.h: KdhConnectDialog internals for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests drive the dialog through its real widgets. The widgets are template
 * children, fetched by their id in ui/kdh-connect-dialog.ui:
 *
 *   serial:  serial_port_combo, serial_port_entry, serial_baud_combo,
 *            serial_baud_entry, serial_refresh_button, serial_ports_label
 *   pipe:    pipe_path_entry, pipe_choose_button, pipe_reconnect_check,
 *            pipe_resets_check
 *   tcp:     tcp_connect_radio, tcp_listen_radio, tcp_host_entry, tcp_port_spin
 *   net:     net_key_entry, net_new_key_button, net_port_spin, net_target_entry,
 *            net_setup_label
 *   sim:     sim_drop_spin, sim_corrupt_spin, sim_dup_spin,
 *            sim_dbgprint_off_radio, sim_dbgprint_rate_radio,
 *            sim_dbgprint_rate_spin, sim_dbgprint_max_radio, sim_seed_spin
 *   string:  string_entry
 *   recent:  recent_list
 *   always:  stack, preview_label, message_label
 */
#pragma once

#include "kdh-connect-dialog.h"

G_BEGIN_DECLS

/* Names of the pages of the "stack" child. */
#define KDH_CONNECT_DIALOG_PAGE_SERIAL "serial"
#define KDH_CONNECT_DIALOG_PAGE_PIPE   "pipe"
#define KDH_CONNECT_DIALOG_PAGE_TCP    "tcp"
#define KDH_CONNECT_DIALOG_PAGE_NET    "net"
#define KDH_CONNECT_DIALOG_PAGE_SIM    "sim"
#define KDH_CONNECT_DIALOG_PAGE_STRING "string"
#define KDH_CONNECT_DIALOG_PAGE_RECENT "recent"

/* The template child called @name (see above); never NULL for those. */
GtkWidget   *_kdh_connect_dialog_get_child        (KdhConnectDialog *self,
                                                   const gchar      *name);
void         _kdh_connect_dialog_set_page         (KdhConnectDialog *self,
                                                   const gchar      *page);
const gchar *_kdh_connect_dialog_get_page         (KdhConnectDialog *self);
/* The text under the tabs: the string being built ("" when incomplete) and
 * the message below it ("" when the string is valid). The message is an
 * error (style class "error") when the string is invalid, and a dim hint
 * when something is merely missing, such as an empty socket path. */
const gchar *_kdh_connect_dialog_get_preview      (KdhConnectDialog *self);
const gchar *_kdh_connect_dialog_get_message      (KdhConnectDialog *self);
gboolean     _kdh_connect_dialog_message_is_error (KdhConnectDialog *self);
/* TRUE while serial ports are being listed in a worker thread. */
gboolean     _kdh_connect_dialog_is_listing_ports (KdhConnectDialog *self);
/* Rows of the recent list, most recent first. */
guint        _kdh_connect_dialog_get_n_recent     (KdhConnectDialog *self);

G_END_DECLS
