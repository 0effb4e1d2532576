/* kdh-link-receive.c: what the host link does with what the target sends
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The receiving side of docs/protocol.md §2.3: every packet the parser
 * finds is an ACK, a RESEND, a RESET (the target's own, or the answer to
 * one of ours, §7.2), a data packet to acknowledge, deliver, or drop as a
 * copy, or a damaged one to ask for again.
 */
#include "kdh-link-private.h"

#include "kdh-dbgkd.h"

#include <string.h>


/* A RESET: the answer to one of ours, or the target's own.
 *
 * It carries nothing to tell which (docs/protocol.md §1.6), but a target
 * answers every RESET it reads with exactly one RESET, and hardly ever sends
 * one of its own accord: so while RESETs we wrote are unanswered, a RESET is
 * one of their answers, however late it comes and whichever sync sent it.
 * A target that was frozen (a stopped VM) while we resynchronised reads
 * all of them when it wakes and answers each (§7.2). The first answer of
 * a sync ends it, also one that failed; the others are consumed, and our
 * ids are not reset again: the target, after each, sends its pending packet
 * again under the initial id, and those copies are told from new packets
 * because our ids moved on after the first (§2.5). Only a RESET beyond
 * every answer owed is the target's own: we reset our ids and answer it,
 * and owe ourselves the answer to that answer. */
static void
handle_reset (KdhLink               *link,
              const KdhPacketHeader *h,
              gint64                 now_us)
{
  link->stats.resets_in++;
  if (link->resets_unanswered > 0 || link->mode == KDH_LINK_SYNCING)
    {
      if (link->resets_unanswered > 0)
        link->resets_unanswered--;
      if (link->mode == KDH_LINK_SYNCING)
        {
          kdh_link_push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
          kdh_link_finish_sync (link, now_us);
        }
      else
        kdh_link_push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_IGNORED);
      return;
    }
  kdh_link_push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
  kdh_link_reset_ids (link);
  kdh_link_write_control (link, KDH_PACKET_TYPE_RESET,
                          kdh_packet_id_for_reset (link->config.kdnet_ids, link->next_id), now_us);
  kdh_link_push_event (link, KDH_LINK_EVENT_TARGET_RESET);
  if (link->sending)
    kdh_link_transmit_pending (link, FALSE, now_us);
}

static void
handle_control (KdhLink               *link,
                const KdhPacketHeader *h,
                gint64                 now_us)
{
  switch (h->type)
    {
    case KDH_PACKET_TYPE_ACKNOWLEDGE:
      link->stats.acks_in++;
      if (link->sending && link->mode == KDH_LINK_IDLE
          && kdh_packet_id_acks (link->config.kdnet_ids, link->next_id, h->id))
        {
          kdh_link_push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
          /* The target read this packet after every RESET we wrote before
           * it, and answered those first: no answer is still on its way.
           * (Some RESETs are never answered: a running target reads only
           * break-in bytes, and a line loses bytes.) */
          if (link->send_after_resets)
            link->resets_unanswered = 0;
          kdh_link_finish_send (link, now_us);
        }
      else
        kdh_link_push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_IGNORED);
      break;

    case KDH_PACKET_TYPE_RESEND:
      link->stats.resends_in++;
      kdh_link_push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
      if (link->sending && link->mode == KDH_LINK_IDLE)
        kdh_link_transmit_pending (link, FALSE, now_us);
      break;

    case KDH_PACKET_TYPE_RESET:
      handle_reset (link, h, now_us);
      break;

    default:
      break;
    }
}

static void
deliver (KdhLink               *link,
         const KdhPacketHeader *h,
         const guint8          *payload,
         gsize                  len)
{
  KdhLinkEvent *event = kdh_link_push_event (link, KDH_LINK_EVENT_PACKET);

  event->packet_type = h->type;
  event->payload = g_bytes_new (payload, len);
  g_clear_pointer (&link->last_print, g_bytes_unref);
  if (h->type == KDH_PACKET_TYPE_DEBUG_IO)
    link->last_print = g_bytes_ref (event->payload);
  if (h->type == KDH_PACKET_TYPE_STATE_CHANGE64 || h->type == KDH_PACKET_TYPE_STATE_CHANGE32)
    {
      g_clear_pointer (&link->last_stop, g_bytes_unref);
      link->last_stop = g_bytes_ref (event->payload);
    }
}

static gboolean
same_packet (GBytes       *bytes,
             const guint8 *payload,
             gsize         len)
{
  gsize blen;
  const guint8 *bdata = g_bytes_get_data (bytes, &blen);

  return blen == len && (len == 0 || memcmp (bdata, payload, len) == 0);
}

static void
handle_data (KdhLink               *link,
             const KdhPacketHeader *h,
             const guint8          *payload,
             gsize                  len,
             gint64                 now_us)
{
  guint32 raw = h->id & ~KDH_PACKET_ID_SYNC;
  gboolean kdnet = link->config.kdnet_ids;
  gboolean is_new = kdh_packet_id_is_new (kdnet, link->expected_id, link->any_id, h->id);

  link->stats.packets_in++;

  if (link->mode == KDH_LINK_SYNCING)
    {
      /* The target has not seen our RESET yet (§2.7 step 5): don't ACK,
       * send RESET again, at most a few times per interval so that a
       * flood of output cannot turn into a flood of RESETs. */
      if (!kdnet && (h->id & KDH_PACKET_ID_SYNC))
        link->sync_saw_reboot = TRUE;
      link->sync_target_talked = TRUE;
      kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_IGNORED);
      if (now_us - link->sync_last_reset_us >= 100 * US_PER_MS)
        kdh_link_sync_send_reset (link, now_us);
      return;
    }

  if (link->config.check_payloads && !kdh_dbgkd_payload_plausible (h->type, payload, len))
    {
      /* A garbled type byte (the checksum does not cover the header):
       * treat it as damaged so the target sends it again. */
      link->stats.checksum_errors++;
      kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_BAD_TYPE);
      kdh_link_write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
      return;
    }

  if (!kdnet && raw != KDH_PACKET_ID_INITIAL && raw != (KDH_PACKET_ID_INITIAL | 1))
    {
      kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_BAD_ID);
      kdh_link_write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
      return;
    }

  if (!kdnet && (h->id & KDH_PACKET_ID_SYNC))
    {
      if (link->have_last_sync && link->last_sync_id == h->id && link->last_sync_type == h->type
          && same_packet (link->last_sync_payload, payload, len))
        {
          link->stats.duplicates++;
          kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_DUPLICATE);
          kdh_link_write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, raw, now_us);
          return;
        }
      /* A target that has just booted, or gave up on us and reinitialised
       * its ids (§2.9): whatever we were sending, it is not waiting for it. */
      kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_OK);
      link->check_resent_print = FALSE;
      kdh_link_cancel_send (link);
      link->next_id = KDH_PACKET_ID_INITIAL;
      link->expected_id = raw ^ 1;
      kdh_link_write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, raw, now_us);
      link->have_last_sync = TRUE;
      link->last_sync_id = h->id;
      link->last_sync_type = h->type;
      g_clear_pointer (&link->last_sync_payload, g_bytes_unref);
      link->last_sync_payload = g_bytes_new (payload, len);
      if (link->had_contact)
        link->stats.target_reboots++;
      link->had_contact = TRUE;
      kdh_link_push_event (link, KDH_LINK_EVENT_TARGET_REBOOTED);
      deliver (link, h, payload, len);
      return;
    }

  if (is_new && link->check_resent_print && link->last_print != NULL
      && h->type == KDH_PACKET_TYPE_DEBUG_IO && same_packet (link->last_print, payload, len))
    {
      /* The DbgPrint we delivered last, sent again after a RESET: the
       * target never had our ACK for it. Acknowledged as the new packet it
       * is on the wire, but not shown twice. (The cost: a target whose
       * first packet after a resync is a new print of the very same text
       * loses that copy.) */
      link->stats.duplicates++;
      link->check_resent_print = FALSE;
      g_clear_pointer (&link->last_print, g_bytes_unref);
      kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_DUPLICATE);
      if (link->sending)
        kdh_link_finish_send (link, now_us);
      kdh_link_write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id, now_us);
      link->expected_id = kdh_packet_id_taken (kdnet, link->expected_id, h->id);
      link->any_id = FALSE;
      return;
    }

  if (is_new)
    {
      link->check_resent_print = FALSE;
      kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_OK);
      /* The target only sends a new packet once it has our pending one:
       * an implicit ACK (the real ACK was lost). Except the state change it
       * is stopped on, sent again under a new id: a stopped target does
       * that when it asked us for a RESEND (docs/protocol.md §2.2), so it may
       * not have our packet at all; it goes again on its ACK timeout, and
       * a target that had it acknowledges the duplicate. */
      if (link->sending
          && !((h->type == KDH_PACKET_TYPE_STATE_CHANGE64
                || h->type == KDH_PACKET_TYPE_STATE_CHANGE32)
               && link->last_stop != NULL && same_packet (link->last_stop, payload, len)))
        kdh_link_finish_send (link, now_us);
      kdh_link_write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id, now_us);
      link->expected_id = kdh_packet_id_taken (kdnet, link->expected_id, h->id);
      link->any_id = FALSE;
      link->have_last_sync = FALSE;
      link->had_contact = TRUE;
      deliver (link, h, payload, len);
    }
  else
    {
      link->stats.duplicates++;
      kdh_link_push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_DUPLICATE);
      kdh_link_write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id, now_us);
    }
}

static KdhTraceVerdict
verdict_for_fault (KdhPacketFault fault)
{
  switch (fault)
    {
    case KDH_PACKET_FAULT_CHECKSUM: return KDH_TRACE_BAD_CHECKSUM;
    case KDH_PACKET_FAULT_TRAILER: return KDH_TRACE_BAD_TRAILER;
    case KDH_PACKET_FAULT_LENGTH: return KDH_TRACE_BAD_LENGTH;
    case KDH_PACKET_FAULT_TRUNCATED: return KDH_TRACE_TRUNCATED;
    case KDH_PACKET_FAULT_NONE:
    default: return KDH_TRACE_OK;
    }
}

static void
handle_bad_packet (KdhLink             *link,
                   const KdhParseEvent *ev,
                   gint64               now_us)
{
  link->stats.checksum_errors++;
  kdh_link_push_trace (link, now_us, FALSE, &ev->header, NULL, 0, verdict_for_fault (ev->fault));
  if (link->mode == KDH_LINK_SYNCING)
    {
      if (now_us - link->sync_last_reset_us >= 100 * US_PER_MS)
        kdh_link_sync_send_reset (link, now_us);
      return;
    }
  kdh_link_write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
}

static void
process_parser (KdhLink *link,
                gint64   now_us)
{
  KdhParseEvent ev;
  gboolean progressed = FALSE;

  while (kdh_packet_parser_next (link->parser, &ev))
    {
      progressed = TRUE;
      switch (ev.kind)
        {
        case KDH_PARSE_PACKET:
          if (ev.header.control)
            handle_control (link, &ev.header, now_us);
          else
            handle_data (link, &ev.header, ev.payload, ev.payload_len, now_us);
          break;
        case KDH_PARSE_BAD_PACKET:
          handle_bad_packet (link, &ev, now_us);
          break;
        case KDH_PARSE_BREAKIN:
        default:
          /* Targets never send break-in; a stray 0x62 is line noise. */
          break;
        }
    }

  if (kdh_packet_parser_in_packet (link->parser, NULL))
    {
      if (progressed || link->partial_start_us == 0)
        link->partial_start_us = now_us;
      link->partial_last_us = now_us;
    }
  else
    link->partial_start_us = 0;
}

void
kdh_link_receive (KdhLink      *link,
                  const guint8 *data,
                  gsize         len,
                  gint64        now_us)
{
  if (len == 0)
    return;
  link->stats.bytes_in += len;
  link->stats.last_rx_us = now_us;
  kdh_packet_parser_feed (link->parser, data, len);
  process_parser (link, now_us);
}

/* A packet is abandoned after partial_timeout of silence, or when it has
 * taken far longer than its length needs: a garbled byte count can make the
 * parser wait for bytes that are really the target's retransmissions. */
gint64
kdh_link_partial_deadline (KdhLink *link)
{
  gsize needed;
  gint64 timeout = (gint64) link->config.partial_timeout_ms * US_PER_MS;
  gint64 quiet, cap;

  if (link->partial_start_us == 0 || !kdh_packet_parser_in_packet (link->parser, &needed))
    return G_MAXINT64;
  quiet = link->partial_last_us + timeout;
  cap = link->partial_start_us + 2 * timeout
        + 2 * (gint64) link->config.byte_time_us * (gint64) (needed + KDH_PACKET_MAX_SIZE);
  return MIN (quiet, cap);
}

void
kdh_link_abandon_partial (KdhLink *link,
                          gint64   now_us)
{
  KdhParseEvent ev;

  link->partial_start_us = 0;
  if (kdh_packet_parser_abandon (link->parser, &ev))
    handle_bad_packet (link, &ev, now_us);
  /* The rescan may find whole packets in the bytes after the leader. */
  process_parser (link, now_us);
}
