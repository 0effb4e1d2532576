/* kdh-link.c: the host side of the KDCOM link, as a pure state machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-link.h"

#include "kdh-dbgkd.h"
#include "kdh-packet-ids.h"

#include <string.h>

#define US_PER_MS 1000

struct _KdhLink
{
  KdhLinkConfig config;
  KdhPacketParser *parser;
  GByteArray *out;
  GQueue events;                 /* of KdhLinkEvent* */
  gboolean trace;
  KdhLinkMode mode;

  guint32 next_id;               /* NextIdToSend */
  guint32 expected_id;           /* ExpectedId; over KDNET the last id taken */
  gboolean any_id;               /* KDNET: nothing taken since a RESET, any id is new */

  /* The one unacknowledged data packet. */
  gboolean sending;
  guint16 send_type;
  GBytes *send_payload;
  guint send_tries;
  gint64 send_first_us;
  gint64 ack_deadline_us;

  /* Resync. */
  KdhSyncBreakin sync_breakin;
  guint sync_round;
  guint sync_resets_sent;
  gint64 sync_started_us;
  gint64 sync_next_reset_us;
  gint64 sync_last_reset_us;
  gboolean sync_saw_reboot;
  gboolean sync_target_talked;   /* a data packet came during this sync */
  /* RESET answers still owed for the extra RESETs of a finished sync: they
   * are consumed, not answered, or the two sides would bounce RESETs. */
  guint stale_reset_answers;
  gint64 stale_reset_until_us;

  /* A half-received packet. */
  gint64 partial_start_us;
  gint64 partial_last_us;

  /* The last SYNC-flagged packet accepted, to tell its retransmission (our
   * ACK was lost) from a second reboot. */
  gboolean had_contact;           /* a packet was accepted or a sync completed */
  gboolean have_last_sync;
  guint32 last_sync_id;
  guint16 last_sync_type;
  GBytes *last_sync_payload;

  /* The last data packet delivered, when it was a DbgPrint and nothing has
   * come since: the target may not have had our ACK for it. After a RESET
   * the target sends its pending packet again with the initial id, which
   * no id check can tell from a new packet (§2.5), so the first data packet
   * after a RESET is compared with it. */
  GBytes *last_print;
  GBytes *last_stop;          /* the last state change delivered */
  gboolean check_resent_print;

  KdhLinkStats stats;
};

void
kdh_link_config_init (KdhLinkConfig *config,
                      guint          baud)
{
  guint packet_ms;

  memset (config, 0, sizeof *config);
  /* A UART byte is 10 bits: start, 8 data, stop. */
  config->byte_time_us = baud ? (guint) (10u * G_USEC_PER_SEC / baud) : 0;
  packet_ms = config->byte_time_us * (KDH_PACKET_MAX_SIZE + KDH_PACKET_HEADER_SIZE + 1) / US_PER_MS;
  config->ack_timeout_ms = 300 + 2 * packet_ms;
  config->max_send_tries = 20;
  config->sync_reset_interval_ms = MAX (1000, 500 + 4 * packet_ms);
  config->sync_max_rounds = 6;
  config->partial_timeout_ms = 500 + 2 * packet_ms;
  /* A serial line carries KDCOM, whose packets never exceed 4000 bytes:
   * a larger ByteCount there is a garbled byte, and waiting for up to
   * 64 KiB at the line rate, while the target's retransmissions pour into
   * the false packet, leaves the link deaf for seconds. Sockets may carry
   * Xen kdd, which accepts and may send larger packets. */
  config->max_payload = baud ? KDH_PACKET_MAX_SIZE : KDH_PACKET_MAX_SIZE_LENIENT;
  config->check_payloads = TRUE;
}

void
kdh_link_event_clear (KdhLinkEvent *event)
{
  g_clear_pointer (&event->payload, g_bytes_unref);
  g_clear_pointer (&event->trace.payload, g_bytes_unref);
}

static void
event_free (gpointer data)
{
  KdhLinkEvent *event = data;

  kdh_link_event_clear (event);
  g_free (event);
}

KdhLink *
kdh_link_new (const KdhLinkConfig *config)
{
  KdhLink *link = g_new0 (KdhLink, 1);

  link->config = *config;
  link->parser = kdh_packet_parser_new (config->max_payload);
  link->out = g_byte_array_new ();
  g_queue_init (&link->events);
  link->next_id = kdh_packet_id_first (config->kdnet_ids, TRUE);
  link->expected_id = KDH_PACKET_ID_INITIAL;
  link->any_id = TRUE;
  link->stats.last_rtt_us = -1;
  return link;
}

void
kdh_link_free (KdhLink *link)
{
  if (link == NULL)
    return;
  kdh_packet_parser_free (link->parser);
  g_byte_array_unref (link->out);
  g_queue_clear_full (&link->events, event_free);
  g_clear_pointer (&link->send_payload, g_bytes_unref);
  g_clear_pointer (&link->last_sync_payload, g_bytes_unref);
  g_clear_pointer (&link->last_print, g_bytes_unref);
  g_clear_pointer (&link->last_stop, g_bytes_unref);
  g_free (link);
}

void
kdh_link_set_config (KdhLink             *link,
                     const KdhLinkConfig *config)
{
  link->config = *config;
}

void
kdh_link_set_trace (KdhLink  *link,
                    gboolean  enabled)
{
  link->trace = enabled;
}

gboolean
kdh_link_get_trace (KdhLink *link)
{
  return link->trace;
}

KdhLinkMode
kdh_link_get_mode (KdhLink *link)
{
  return link->mode;
}

const KdhLinkStats *
kdh_link_get_stats (KdhLink *link)
{
  link->stats.garbage_bytes = kdh_packet_parser_garbage (link->parser);
  return &link->stats;
}

const gchar *
kdh_trace_verdict_name (KdhTraceVerdict verdict)
{
  switch (verdict)
    {
    case KDH_TRACE_OK: return "ok";
    case KDH_TRACE_DUPLICATE: return "duplicate";
    case KDH_TRACE_RETRANSMIT: return "retransmit";
    case KDH_TRACE_BAD_CHECKSUM: return "bad checksum";
    case KDH_TRACE_BAD_TRAILER: return "bad trailer";
    case KDH_TRACE_BAD_LENGTH: return "bad length";
    case KDH_TRACE_TRUNCATED: return "truncated";
    case KDH_TRACE_BAD_ID: return "bad id";
    case KDH_TRACE_BAD_TYPE: return "payload does not fit type";
    case KDH_TRACE_IGNORED: return "ignored";
    default: return "?";
    }
}

static KdhLinkEvent *
push_event (KdhLink          *link,
            KdhLinkEventKind  kind)
{
  KdhLinkEvent *event = g_new0 (KdhLinkEvent, 1);

  event->kind = kind;
  g_queue_push_tail (&link->events, event);
  return event;
}

static void
push_trace (KdhLink               *link,
            gint64                 now_us,
            gboolean               outgoing,
            const KdhPacketHeader *header,
            const guint8          *payload,
            gsize                  payload_len,
            KdhTraceVerdict        verdict)
{
  KdhLinkEvent *event;

  if (!link->trace)
    return;
  event = push_event (link, KDH_LINK_EVENT_TRACE);
  event->trace.time_us = now_us;
  event->trace.outgoing = outgoing;
  event->trace.header = *header;
  event->trace.verdict = verdict;
  if (payload != NULL)
    event->trace.payload = g_bytes_new (payload, payload_len);
}

static void
write_control (KdhLink *link,
               guint16  type,
               guint32  id,
               gint64   now_us)
{
  KdhPacketHeader header = { TRUE, type, 0, id, 0 };

  kdh_packet_write_control (link->out, type, id);
  link->stats.bytes_out += KDH_PACKET_HEADER_SIZE;
  switch (type)
    {
    case KDH_PACKET_TYPE_ACKNOWLEDGE: link->stats.acks_out++; break;
    case KDH_PACKET_TYPE_RESEND: link->stats.resends_out++; break;
    case KDH_PACKET_TYPE_RESET: link->stats.resets_out++; break;
    default: break;
    }
  push_trace (link, now_us, TRUE, &header, NULL, 0, KDH_TRACE_OK);
}

/* @counts_as_try is FALSE when the target asked for the retransmission
 * (RESEND, RESET): it is alive, so its requests don't use up our tries. */
static void
transmit_pending (KdhLink  *link,
                  gboolean  counts_as_try,
                  gint64    now_us)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (link->send_payload, &len);
  KdhPacketHeader header = { FALSE, link->send_type, (guint16) len, link->next_id,
                             kdh_packet_checksum (data, len) };

  kdh_packet_write_data (link->out, link->send_type, link->next_id, data, len, NULL, 0);
  link->stats.packets_out++;
  link->stats.bytes_out += KDH_PACKET_HEADER_SIZE + len + 1;
  if (link->send_tries > 0)
    link->stats.retransmits++;
  push_trace (link, now_us, TRUE, &header, data, len,
              link->send_tries > 0 ? KDH_TRACE_RETRANSMIT : KDH_TRACE_OK);
  if (counts_as_try)
    link->send_tries++;
  link->ack_deadline_us = now_us + (gint64) link->config.ack_timeout_ms * US_PER_MS
                          + (gint64) link->config.byte_time_us * (gint64) (len + 17);
}

static void
finish_send (KdhLink *link,
             gint64   now_us)
{
  if (link->send_tries == 1)
    link->stats.last_rtt_us = now_us - link->send_first_us;
  link->next_id = kdh_packet_id_next (link->config.kdnet_ids, link->next_id);
  link->sending = FALSE;
  g_clear_pointer (&link->send_payload, g_bytes_unref);
  push_event (link, KDH_LINK_EVENT_SENT);
}

void
kdh_link_cancel_send (KdhLink *link)
{
  link->sending = FALSE;
  g_clear_pointer (&link->send_payload, g_bytes_unref);
}

gboolean
kdh_link_send (KdhLink *link,
               guint16  packet_type,
               GBytes  *payload,
               gint64   now_us)
{
  g_return_val_if_fail (kdh_packet_type_is_data (packet_type), FALSE);
  g_return_val_if_fail (g_bytes_get_size (payload) <= KDH_PACKET_MAX_SIZE, FALSE);

  if (link->sending || link->mode == KDH_LINK_SYNCING)
    return FALSE;
  link->sending = TRUE;
  link->send_type = packet_type;
  link->send_payload = g_bytes_ref (payload);
  link->send_tries = 0;
  link->send_first_us = now_us;
  transmit_pending (link, TRUE, now_us);
  return TRUE;
}

gboolean
kdh_link_is_sending (KdhLink *link)
{
  return link->sending;
}

void
kdh_link_send_breakin (KdhLink *link)
{
  static const guint8 breakin = KDH_BREAKIN_BYTE;

  g_byte_array_append (link->out, &breakin, 1);
  link->stats.bytes_out++;
  link->stats.breakins_sent++;
}

void
kdh_link_send_resend (KdhLink *link,
                      gint64   now_us)
{
  write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
}

static void
reset_ids (KdhLink *link)
{
  link->next_id = kdh_packet_id_first (link->config.kdnet_ids, TRUE);
  link->expected_id = KDH_PACKET_ID_INITIAL;
  link->any_id = TRUE;
  link->have_last_sync = FALSE;
  link->check_resent_print = link->last_print != NULL;
}

static void
sync_send_reset (KdhLink *link,
                 gint64   now_us)
{
  /* Our ids start again after the sync; a KDNET target takes the
   * RESET's id as our next one. */
  write_control (link, KDH_PACKET_TYPE_RESET,
                 kdh_packet_id_for_reset (link->config.kdnet_ids,
                                          kdh_packet_id_first (link->config.kdnet_ids, TRUE)),
                 now_us);
  link->sync_resets_sent++;
  link->sync_last_reset_us = now_us;
}

void
kdh_link_start_sync (KdhLink        *link,
                     KdhSyncBreakin  breakin,
                     gint64          now_us)
{
  kdh_link_cancel_send (link);
  link->mode = KDH_LINK_SYNCING;
  link->sync_breakin = breakin;
  link->sync_round = 0;
  link->sync_resets_sent = 0;
  link->sync_started_us = now_us;
  link->sync_next_reset_us = now_us;
  link->sync_saw_reboot = FALSE;
  link->sync_target_talked = FALSE;
  link->stale_reset_answers = 0;
  kdh_link_tick (link, now_us);
}

void
kdh_link_assume_synced (KdhLink *link)
{
  kdh_link_cancel_send (link);
  reset_ids (link);
  link->mode = KDH_LINK_IDLE;
}

void
kdh_link_reset (KdhLink *link)
{
  kdh_link_cancel_send (link);
  reset_ids (link);
  link->mode = KDH_LINK_IDLE;
  link->stale_reset_answers = 0;
  link->partial_start_us = 0;
  g_clear_pointer (&link->last_sync_payload, g_bytes_unref);
  g_clear_pointer (&link->last_print, g_bytes_unref);
  link->check_resent_print = FALSE;
  kdh_packet_parser_reset (link->parser);
  g_byte_array_set_size (link->out, 0);
  g_queue_clear_full (&link->events, event_free);
}

static void
finish_sync (KdhLink *link,
             gint64   now_us)
{
  KdhLinkEvent *event;

  reset_ids (link);
  link->mode = KDH_LINK_IDLE;
  link->stats.syncs++;
  link->stale_reset_answers = link->sync_resets_sent - 1;
  link->stale_reset_until_us = now_us + 2 * (gint64) link->config.sync_reset_interval_ms * US_PER_MS;
  event = push_event (link, KDH_LINK_EVENT_SYNCED);
  event->attempt = link->sync_round;
  event->elapsed_us = now_us - link->sync_started_us;
  if (link->sync_saw_reboot)
    {
      /* A fresh target met for the first time has not "rebooted". */
      if (link->had_contact)
        link->stats.target_reboots++;
      push_event (link, KDH_LINK_EVENT_TARGET_REBOOTED);
    }
  link->had_contact = TRUE;
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
          push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
          finish_send (link, now_us);
        }
      else
        push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_IGNORED);
      break;

    case KDH_PACKET_TYPE_RESEND:
      link->stats.resends_in++;
      push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
      if (link->sending && link->mode == KDH_LINK_IDLE)
        transmit_pending (link, FALSE, now_us);
      break;

    case KDH_PACKET_TYPE_RESET:
      link->stats.resets_in++;
      if (link->mode == KDH_LINK_SYNCING)
        {
          push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
          finish_sync (link, now_us);
        }
      else if (link->stale_reset_answers > 0 && now_us < link->stale_reset_until_us)
        {
          link->stale_reset_answers--;
          push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_IGNORED);
        }
      else
        {
          push_trace (link, now_us, FALSE, h, NULL, 0, KDH_TRACE_OK);
          reset_ids (link);
          write_control (link, KDH_PACKET_TYPE_RESET,
                         kdh_packet_id_for_reset (link->config.kdnet_ids, link->next_id), now_us);
          /* The target answers our answer; that RESET is consumed, or the
           * two sides would bounce RESETs for ever (§2.5). */
          link->stale_reset_answers = 1;
          link->stale_reset_until_us = now_us
                                       + 2 * (gint64) link->config.sync_reset_interval_ms * US_PER_MS;
          push_event (link, KDH_LINK_EVENT_TARGET_RESET);
          if (link->sending)
            transmit_pending (link, FALSE, now_us);
        }
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
  KdhLinkEvent *event = push_event (link, KDH_LINK_EVENT_PACKET);

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
      push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_IGNORED);
      if (now_us - link->sync_last_reset_us >= 100 * US_PER_MS)
        sync_send_reset (link, now_us);
      return;
    }

  if (link->config.check_payloads && !kdh_dbgkd_payload_plausible (h->type, payload, len))
    {
      /* A garbled type byte (the checksum does not cover the header):
       * treat it as damaged so the target sends it again. */
      link->stats.checksum_errors++;
      push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_BAD_TYPE);
      write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
      return;
    }

  if (!kdnet && raw != KDH_PACKET_ID_INITIAL && raw != (KDH_PACKET_ID_INITIAL | 1))
    {
      push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_BAD_ID);
      write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
      return;
    }

  if (!kdnet && (h->id & KDH_PACKET_ID_SYNC))
    {
      if (link->have_last_sync && link->last_sync_id == h->id && link->last_sync_type == h->type
          && same_packet (link->last_sync_payload, payload, len))
        {
          link->stats.duplicates++;
          push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_DUPLICATE);
          write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, raw, now_us);
          return;
        }
      /* A target that has just booted, or gave up on us and reinitialised
       * its ids (§2.9): whatever we were sending, it is not waiting for it. */
      push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_OK);
      link->check_resent_print = FALSE;
      kdh_link_cancel_send (link);
      link->next_id = KDH_PACKET_ID_INITIAL;
      link->expected_id = raw ^ 1;
      write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, raw, now_us);
      link->have_last_sync = TRUE;
      link->last_sync_id = h->id;
      link->last_sync_type = h->type;
      g_clear_pointer (&link->last_sync_payload, g_bytes_unref);
      link->last_sync_payload = g_bytes_new (payload, len);
      if (link->had_contact)
        link->stats.target_reboots++;
      link->had_contact = TRUE;
      push_event (link, KDH_LINK_EVENT_TARGET_REBOOTED);
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
      push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_DUPLICATE);
      if (link->sending)
        finish_send (link, now_us);
      write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id, now_us);
      link->expected_id = kdh_packet_id_taken (kdnet, link->expected_id, h->id);
      link->any_id = FALSE;
      return;
    }

  if (is_new)
    {
      link->check_resent_print = FALSE;
      push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_OK);
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
        finish_send (link, now_us);
      write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id, now_us);
      link->expected_id = kdh_packet_id_taken (kdnet, link->expected_id, h->id);
      link->any_id = FALSE;
      link->have_last_sync = FALSE;
      link->had_contact = TRUE;
      deliver (link, h, payload, len);
    }
  else
    {
      link->stats.duplicates++;
      push_trace (link, now_us, FALSE, h, payload, len, KDH_TRACE_DUPLICATE);
      write_control (link, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id, now_us);
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
  push_trace (link, now_us, FALSE, &ev->header, NULL, 0, verdict_for_fault (ev->fault));
  if (link->mode == KDH_LINK_SYNCING)
    {
      if (now_us - link->sync_last_reset_us >= 100 * US_PER_MS)
        sync_send_reset (link, now_us);
      return;
    }
  write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
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
static gint64
partial_deadline (KdhLink *link)
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

gint64
kdh_link_next_deadline (KdhLink *link)
{
  gint64 deadline = partial_deadline (link);

  if (link->mode == KDH_LINK_SYNCING)
    deadline = MIN (deadline, link->sync_next_reset_us);
  if (link->sending)
    deadline = MIN (deadline, link->ack_deadline_us);
  return deadline;
}

void
kdh_link_tick (KdhLink *link,
               gint64   now_us)
{
  if (link->mode == KDH_LINK_SYNCING && now_us >= link->sync_next_reset_us)
    {
      KdhLinkEvent *event;

      if (link->sync_round >= link->config.sync_max_rounds)
        {
          link->mode = KDH_LINK_IDLE;
          event = push_event (link, KDH_LINK_EVENT_SYNC_FAILED);
          event->attempt = link->sync_round;
          event->elapsed_us = now_us - link->sync_started_us;
        }
      else
        {
          link->sync_round++;
          link->stats.sync_rounds++;
          /* A target that has sent us something is in its packet layer and
           * will see the RESET; another break-in byte would only stay
           * pending there and stop it again after the next Continue. */
          if (!link->sync_target_talked
              && (link->sync_breakin == KDH_SYNC_BREAKIN_FIRST
                  || (link->sync_breakin == KDH_SYNC_BREAKIN_LATER && link->sync_round > 1)))
            kdh_link_send_breakin (link);
          sync_send_reset (link, now_us);
          link->sync_next_reset_us = now_us
                                     + (gint64) link->config.sync_reset_interval_ms * US_PER_MS;
          event = push_event (link, KDH_LINK_EVENT_SYNC_ATTEMPT);
          event->attempt = link->sync_round;
        }
    }

  if (link->sending && now_us >= link->ack_deadline_us)
    {
      link->stats.timeouts++;
      if (link->send_tries >= link->config.max_send_tries)
        {
          KdhLinkEvent *event = push_event (link, KDH_LINK_EVENT_SEND_FAILED);

          event->tries = link->send_tries;
          event->elapsed_us = now_us - link->send_first_us;
          kdh_link_cancel_send (link);
        }
      else
        transmit_pending (link, TRUE, now_us);
    }

  if (now_us >= partial_deadline (link))
    {
      KdhParseEvent ev;

      link->partial_start_us = 0;
      if (kdh_packet_parser_abandon (link->parser, &ev))
        handle_bad_packet (link, &ev, now_us);
      /* The rescan may find whole packets in the bytes after the leader. */
      process_parser (link, now_us);
    }
}

gboolean
kdh_link_take_output (KdhLink    *link,
                      GByteArray *out)
{
  if (link->out->len == 0)
    return FALSE;
  g_byte_array_append (out, link->out->data, link->out->len);
  g_byte_array_set_size (link->out, 0);
  return TRUE;
}

gboolean
kdh_link_has_output (KdhLink *link)
{
  return link->out->len > 0;
}

gboolean
kdh_link_next_event (KdhLink      *link,
                     KdhLinkEvent *event)
{
  KdhLinkEvent *head = g_queue_pop_head (&link->events);

  if (head == NULL)
    return FALSE;
  *event = *head;
  g_free (head);
  return TRUE;
}
