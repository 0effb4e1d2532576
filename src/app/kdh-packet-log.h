/* kdh-packet-log.h: the packet log pane
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "target/kdh-event.h"

G_BEGIN_DECLS

#define KDH_TYPE_PACKET_LOG (kdh_packet_log_get_type ())
G_DECLARE_FINAL_TYPE (KdhPacketLog, kdh_packet_log, KDH, PACKET_LOG, GtkBox)

/* One row per packet: time, direction, type, id, length, decoded meaning
 * (such as "Manipulate ReadVirtualMemory 0xfffff800... 0x1000") and the
 * verdict (ok, duplicate, bad checksum, ...). Bounded (the oldest rows go
 * first), filterable by a search entry, exportable as text. Rows are added
 * in batches at most once per frame. */
GtkWidget *kdh_packet_log_new       (void);
void       kdh_packet_log_append    (KdhPacketLog   *self,
                                     const KdhEvent *packet_event);
void       kdh_packet_log_clear     (KdhPacketLog *self);
void       kdh_packet_log_set_limit (KdhPacketLog *self,
                                     guint         max_rows);
/* Rows currently kept (tests). Appended packets count from the frame that
 * moves them into the log. */
guint      kdh_packet_log_get_n_rows (KdhPacketLog *self);
/* The rows shown (after the filter) as text lines, as the export writes them:
 * "HH:MM:SS.mmm → Type Id Length verdict: meaning". */
gchar     *kdh_packet_log_dup_text  (KdhPacketLog *self);
/* Writes kdh_packet_log_dup_text() to @file without blocking (the Export…
 * button's work, for actions and tests). */
void       kdh_packet_log_export_async  (KdhPacketLog         *self,
                                         GFile                *file,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean   kdh_packet_log_export_finish (KdhPacketLog  *self,
                                         GAsyncResult  *result,
                                         GError       **error);

/* Whether capture is on (the window's View > Capture Packets): the count
 * says so, and an empty log without capture says how to start it. */
void          kdh_packet_log_set_capturing (KdhPacketLog *self,
                                            gboolean      capturing);

G_END_DECLS
