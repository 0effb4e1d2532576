/* kdh-window-private.h: what the window's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-command-view.h"
#include "kdh-connection-monitor.h"
#include "kdh-packet-log.h"
#include "kdh-status-bar.h"
#include "kdh-window.h"
#include "remote/server/kdh-server.h"

G_BEGIN_DECLS

/* What dropping the session is for (kdh-window-confirm.c). */
typedef enum {
  KDH_DROP_NONE,
  KDH_DROP_STOP,               /* File > Stop Debugging */
  KDH_DROP_CLOSE,              /* closing the window */
  KDH_DROP_CONNECT,            /* a new connection in this window */
} KdhDropWhat;

struct _KdhWindow
{
  GtkApplicationWindow parent_instance;

  /* Template children. */
  KdhCommandView *command_view;
  KdhStatusBar *status_bar;
  KdhConnectionMonitor *monitor;
  KdhPacketLog *packet_log;
  GtkPaned *main_paned;
  GtkPaned *left_paned;
  GtkNotebook *views;          /* the debugger views right of the command window */
  GtkNotebook *views_bottom;   /* ... and below it (kdh-window-dock.c) */
  GtkWidget *last_view;        /* the view the focus was in last */
  GtkToolbar *toolbar;         /* kdh-window-toolbar.c */

  KdhEngine *engine;
  KdhServerSet *servers;       /* .server: this window's session shared */
  GSettings *settings;
  KdhConnState state;
  guint bus_registration;      /* org.kdhost.Window1 on the session bus */
  gchar *bus_path;
  GDBusConnection *bus;
  GString *bus_output;         /* Output not yet signalled, of bus_output_kind */
  KdhOutputKind bus_output_kind;
  guint bus_output_id;         /* its flush timeout */
  gchar *last_reason;
  gchar *last_transport;
  gchar *last_target;
  gboolean is_remote;          /* a debugging server's session (-remote) */
  gchar *connection;           /* the last kernel connection string attached */
  gchar *remote_string;        /* the last -remote string (Reconnect, the remote dialog) */
  gboolean serial;             /* ... and it is a serial line (Cycle Baud Rate) */
  gboolean is_dump;            /* the target is a crash dump: it cannot run */

  GtkWidget *confirm_dialog;   /* asking before a live target is let go */
  KdhDropWhat drop_pending;    /* what that dialog is about */
  KdhDropWhat drop_after_running; /* Go and Detach: what follows once running */
  gchar *drop_connection;      /* KDH_DROP_CONNECT's string */
  gchar *prompt_echo;          /* the last prompt, to echo a line the window handles */
  gint cls_pending;
  gboolean layout_setting;     /* the window is moving a divider itself */
  gboolean main_moved;         /* the user moved the monitor's divider */
  gboolean left_moved;         /* ... the packet log's */            /* .cls ran (engine thread); cleared at its end */
};

/* kdh-window-actions.c */
void kdh_window_install_actions  (KdhWindow *self);
void kdh_window_update_actions   (KdhWindow *self);

/* kdh-window-views.c: Registers, Call Stack, Disassembly beside the
 * command window, and the stepping keys. */
void kdh_window_views_setup      (KdhWindow      *self);
void kdh_window_views_event      (KdhWindow      *self,
                                  const KdhEvent *event);

/* The open views in their default order, all in the right notebook
 * (View > Reset Layout). */
void kdh_window_views_reset      (KdhWindow      *self);

/* kdh-window-dock.c: the notebooks the views are docked in. */
void       kdh_window_dock_setup   (KdhWindow   *self);
/* Every docked view, the right notebook's first; free with
 * g_ptr_array_unref(). */
GPtrArray *kdh_window_dock_views   (KdhWindow   *self);
GtkWidget *kdh_window_dock_find    (KdhWindow   *self,
                                    GType        type);
void       kdh_window_dock_add     (KdhWindow   *self,
                                    GtkWidget   *view,
                                    GtkWidget   *tab_label,
                                    gboolean     bottom);
/* Makes @view its notebook's current page. */
void       kdh_window_dock_present (KdhWindow   *self,
                                    GtkWidget   *view);
/* Puts @view at @position (-1: last) of @to, its tab label with it. */
void       kdh_window_dock_move    (KdhWindow   *self,
                                    GtkWidget   *view,
                                    GtkNotebook *to,
                                    gint         position);

/* kdh-window-toolbar.c: the toolbar's actions and their states */
void kdh_window_toolbar_setup    (KdhWindow *self);
void kdh_window_toolbar_update   (KdhWindow *self);

/* kdh-window-dump.c: File > Open Crash Dump… */
void kdh_window_open_dump_action (GSimpleAction *action,
                                  GVariant      *param,
                                  gpointer       data);
/* kdh-window-layout.c */
void     kdh_window_layout_init           (KdhWindow *self);
/* After the views' setup: the sizes kept in GSettings, View > Reset Layout. */
void     kdh_window_layout_setup          (KdhWindow *self);
/* The views' divider at the width the user gave them, or half. */
void     kdh_window_layout_place_views    (KdhWindow *self);
/* The bottom views' divider at the height the user gave them, or a third. */
void     kdh_window_layout_place_bottom   (KdhWindow *self);

/* kdh-window-edit.c */
void     kdh_window_install_edit          (KdhWindow *self);

/* kdh-window-progress.c: win.cancel-download, the status bar's Cancel */
void     kdh_window_install_progress      (KdhWindow *self);

/* kdh-window-log.c: File > Open Log File…, Close Log File */
void     kdh_window_install_log           (KdhWindow *self);
/* What the file chooser's answer does: .logopen or .logappend @path. */
void     kdh_window_log_open              (KdhWindow   *self,
                                           const gchar *path,
                                           gboolean     append);
void     kdh_window_edit_command_done     (KdhWindow *self);

/* kdh-window-confirm.c */
void     kdh_window_confirm_init          (KdhWindow *self);
gboolean kdh_window_has_live_target       (KdhWindow *self);
void     kdh_window_drop_session          (KdhWindow   *self,
                                           KdhDropWhat  what,
                                           const gchar *connection);
void     kdh_window_confirm_state_changed (KdhWindow *self);

/* kdh-window-bus.c: the session as org.kdhost.Window1 on the session
 * bus, so that scripts (and tests) can see and drive it. */
void kdh_window_bus_export       (KdhWindow *self);
void kdh_window_bus_unexport     (KdhWindow *self);
void kdh_window_bus_state_changed (KdhWindow      *self,
                                   const KdhEvent *event);
void kdh_window_bus_output        (KdhWindow     *self,
                                   KdhOutputKind  kind,
                                   const gchar   *text);
void kdh_window_bus_flush_output  (KdhWindow     *self);

G_END_DECLS
