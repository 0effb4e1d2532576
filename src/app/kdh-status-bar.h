/* kdh-status-bar.h: the connection at a glance, at the bottom of the window
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "target/kdh-event.h"

G_BEGIN_DECLS

#define KDH_TYPE_STATUS_BAR (kdh_status_bar_get_type ())
G_DECLARE_FINAL_TYPE (KdhStatusBar, kdh_status_bar, KDH, STATUS_BAR, GtkBox)

/* A coloured state indicator with the state's name (the reason of the
 * last transition on hover), the transport, the target, and the time since
 * the last packet from the target. */
GtkWidget   *kdh_status_bar_new        (void);
void         kdh_status_bar_set_state  (KdhStatusBar   *self,
                                        const KdhEvent *state_event);
void         kdh_status_bar_set_stats  (KdhStatusBar       *self,
                                        const KdhLinkStats *stats);
/* A PROGRESS event: a bar with what is downloaded and a Cancel button
 * (win.cancel-download) while it runs; hidden at its end. */
void         kdh_status_bar_set_progress (KdhStatusBar   *self,
                                          const KdhEvent *event);
KdhConnState kdh_status_bar_get_state  (KdhStatusBar *self);
const gchar *kdh_status_bar_get_state_text (KdhStatusBar *self);   /* as shown */
gchar       *kdh_status_bar_dup_state_tooltip (KdhStatusBar *self); /* on hover */

G_END_DECLS
