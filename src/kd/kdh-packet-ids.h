/* kdh-packet-ids.h: how each side numbers its KD data packets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over a serial line (KDCOM, docs/protocol.md §1.6) only bit 0 of an id
 * changes, from 0x80800000, and the SYNC bit marks a target's first packet
 * after it (re)initialised. Over KDNET (§5) the ids are counters: the host
 * starts at 0x80000000 and steps by 2, a target counts from 0 in steps of 2
 * and keeps counting across a RESET; an ACK carries the id exactly, a
 * packet is new when its id is above the last one taken, and there is no
 * SYNC bit. Both the host link and the simulated target use these, with
 * @kdnet choosing the scheme.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_PACKET_ID_KDNET_HOST_INITIAL 0x80000000u

/* The id of a side's first packet after it starts (or, for the host,
 * after a RESET). */
guint32  kdh_packet_id_first    (gboolean kdnet,
                                 gboolean host);
/* NextIdToSend once the packet numbered @id has been acknowledged. */
guint32  kdh_packet_id_next     (gboolean kdnet,
                                 guint32  id);
/* Whether an ACK carrying @ack is the one for our packet @pending. */
gboolean kdh_packet_id_acks     (gboolean kdnet,
                                 guint32  pending,
                                 guint32  ack);
/* The id field of a RESET from a side whose next packet is @next: 0 on a
 * serial line (Xen kdd acts only on 0), the next id over KDNET. */
guint32  kdh_packet_id_for_reset (gboolean kdnet,
                                  guint32  next);
/* Whether a data packet numbered @id is new. KDCOM: it has the expected
 * id. KDNET: @expected is the last id taken, and @any says nothing has
 * been taken since a RESET or the start. */
gboolean kdh_packet_id_is_new   (gboolean kdnet,
                                 guint32  expected,
                                 gboolean any,
                                 guint32  id);
/* The new @expected after taking the packet @id. */
guint32  kdh_packet_id_taken    (gboolean kdnet,
                                 guint32  expected,
                                 guint32  id);

G_END_DECLS
