/* kdh-connect-dialog-internal.h: what the Kernel Debug dialog's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-connect-dialog.c        the tabs, the string they build, recent ones
 * kdh-connect-dialog-ports.c  the serial port list and the VM pipe chooser
 * kdh-connect-dialog-recent.c the recent connections (GSettings)
 * kdh-connect-dialog-net.c    the Network (KDNET) tab
 */
#pragma once

#include <gtk/gtk.h>

#include "kdh-connect-dialog.h"
#include "transport/kdh-connection-string.h"

G_BEGIN_DECLS

struct _KdhConnectDialog
{
  GtkDialog             parent_instance;

  GSettings            *settings;
  GCancellable         *ports_cancellable;  /* non-NULL while listing ports */
  GtkFileChooserNative *chooser;
  gboolean              message_is_error;

  GtkStack             *stack;
  GtkLabel             *preview_label;
  GtkLabel             *message_label;

  GtkListStore         *serial_ports;
  GtkComboBox          *serial_port_combo;
  GtkEntry             *serial_port_entry;
  GtkComboBoxText      *serial_baud_combo;
  GtkEntry             *serial_baud_entry;
  GtkButton            *serial_refresh_button;
  GtkLabel             *serial_ports_label;
  GtkToggleButton      *serial_reconnect_check;

  GtkEntry             *pipe_path_entry;
  GtkButton            *pipe_choose_button;
  GtkToggleButton      *pipe_reconnect_check;
  GtkToggleButton      *pipe_resets_check;

  GtkToggleButton      *tcp_connect_radio;
  GtkToggleButton      *tcp_listen_radio;
  GtkEntry             *tcp_host_entry;
  GtkSpinButton        *tcp_port_spin;

  GtkEntry             *net_key_entry;
  GtkButton            *net_new_key_button;
  GtkSpinButton        *net_port_spin;
  GtkEntry             *net_target_entry;
  GtkLabel             *net_setup_label;

  GtkSpinButton        *sim_drop_spin;
  GtkSpinButton        *sim_corrupt_spin;
  GtkSpinButton        *sim_dup_spin;
  GtkToggleButton      *sim_dbgprint_off_radio;
  GtkToggleButton      *sim_dbgprint_rate_radio;
  GtkToggleButton      *sim_dbgprint_max_radio;
  GtkSpinButton        *sim_dbgprint_rate_spin;
  GtkLabel             *sim_dbgprint_rate_label;
  GtkSpinButton        *sim_seed_spin;

  GtkEntry             *string_entry;

  GtkListBox           *recent_list;
};

/* Builds the string from the current tab and shows it, or what is wrong. */
void kdh_connect_dialog_update           (KdhConnectDialog *self);

/* kdh-connect-dialog-recent.c */
#define KDH_CONNECT_DIALOG_RECENT_KEY "recent-connections"
void         kdh_connect_dialog_reload_recent      (KdhConnectDialog *self);
void         kdh_connect_dialog_recent_activated   (KdhConnectDialog *self,
                                                    GtkListBoxRow    *row);
/* The connection string a row of the recent list stands for. */
const gchar *kdh_connect_dialog_row_get_connection (GtkListBoxRow *row);

/* kdh-connect-dialog-net.c */
gchar *kdh_connect_dialog_build_net      (KdhConnectDialog  *self,
                                          gboolean          *is_incomplete,
                                          GError           **error);
void   kdh_connect_dialog_fill_net       (KdhConnectDialog          *self,
                                          const KdhConnectionString *cs);
/* Shows what to run on the target for the key and port typed. */
void   kdh_connect_dialog_update_net     (KdhConnectDialog  *self);
void   kdh_connect_dialog_new_key_clicked (KdhConnectDialog *self);

/* kdh-connect-dialog-ports.c */
void kdh_connect_dialog_setup_port_cells (KdhConnectDialog *self);
/* Lists the serial ports in a worker thread into the serial tab. */
void kdh_connect_dialog_list_ports       (KdhConnectDialog *self);
void kdh_connect_dialog_refresh_clicked  (KdhConnectDialog *self);
void kdh_connect_dialog_choose_clicked   (KdhConnectDialog *self);

G_END_DECLS
