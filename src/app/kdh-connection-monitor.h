/* kdh-connection-monitor.h: the connection monitor pane
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "target/kdh-event.h"

G_BEGIN_DECLS

#define KDH_TYPE_CONNECTION_MONITOR (kdh_connection_monitor_get_type ())
G_DECLARE_FINAL_TYPE (KdhConnectionMonitor, kdh_connection_monitor, KDH, CONNECTION_MONITOR, GtkBox)

/* A state timeline strip (coloured by state over the last minutes), the
 * link counters (packets and bytes each way, ACKs, RESENDs, RESETs,
 * checksum errors, timeouts, resyncs, restarts, target reboots), the last
 * round-trip time, and a throughput graph; drawn with Cairo and redrawn at
 * a bounded rate however fast events arrive. */
GtkWidget *kdh_connection_monitor_new       (void);
/* A STATE event starts a timeline segment at its time_us (monotonic); a
 * RESTARTING one counts as a restart. */
void       kdh_connection_monitor_add_state (KdhConnectionMonitor *self,
                                             const KdhEvent       *state_event);
/* @time_us: when the snapshot was taken (the STATS event's time_us,
 * monotonic); throughput comes from the difference to the previous one. */
void       kdh_connection_monitor_set_stats (KdhConnectionMonitor *self,
                                             const KdhLinkStats   *stats,
                                             gint64                time_us);
/* Counters as shown, for tests: "packets-in", "resyncs", ... -> value. */
guint64    kdh_connection_monitor_get_counter (KdhConnectionMonitor *self,
                                               const gchar          *name);
/* The number of state segments in the timeline (tests). */
guint      kdh_connection_monitor_get_n_segments (KdhConnectionMonitor *self);

G_END_DECLS
