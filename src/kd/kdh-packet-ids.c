/* kdh-packet-ids.c: how each side numbers its KD data packets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-packet-ids.h"

#include "kdh-packet.h"

guint32
kdh_packet_id_first (gboolean kdnet,
                     gboolean host)
{
  if (kdnet)
    return host ? KDH_PACKET_ID_KDNET_HOST_INITIAL : 0;
  return host ? KDH_PACKET_ID_INITIAL : KDH_PACKET_ID_INITIAL | KDH_PACKET_ID_SYNC;
}

guint32
kdh_packet_id_next (gboolean kdnet,
                    guint32  id)
{
  if (kdnet)
    return id + 2;
  return (id & ~KDH_PACKET_ID_SYNC) ^ 1;
}

gboolean
kdh_packet_id_acks (gboolean kdnet,
                    guint32  pending,
                    guint32  ack)
{
  /* A KDNET id may have bit 0x800 set as any counter does: masking it
   * would take an ACK from 1024 packets ago for this one. */
  if (kdnet)
    return ack == pending;
  return ack == (pending & ~KDH_PACKET_ID_SYNC);
}

guint32
kdh_packet_id_for_reset (gboolean kdnet,
                         guint32  next)
{
  return kdnet ? next : 0;
}

gboolean
kdh_packet_id_is_new (gboolean kdnet,
                      guint32  expected,
                      gboolean any,
                      guint32  id)
{
  if (kdnet)
    return any || (gint32) (id - expected) > 0;
  return id == expected;
}

guint32
kdh_packet_id_taken (gboolean kdnet,
                     guint32  expected,
                     guint32  id)
{
  return kdnet ? id : expected ^ 1;
}
