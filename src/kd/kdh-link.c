/* kdh-link.c: the host side of the KDCOM link, as a pure state machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This file: set-up, our one outgoing data packet and its retransmission,
 * the resync procedure (docs/protocol.md §2.7), the clock, and what goes
 * out. What comes in is kdh-link-receive.c.
 */
#include "kdh-link-private.h"

#include <string.h>

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
    /* The link counts all of these damaged packets as checksum errors,
     * and the monitor shows them so: a filter on "checksum" finds each. */
    case KDH_TRACE_BAD_TRAILER: return "checksum error: bad trailer";
    case KDH_TRACE_BAD_LENGTH: return "checksum error: bad length";
    case KDH_TRACE_TRUNCATED: return "checksum error: cut short";
    case KDH_TRACE_BAD_ID: return "bad id";
    case KDH_TRACE_BAD_TYPE: return "checksum error: payload does not fit type";
    case KDH_TRACE_IGNORED: return "ignored";
    default: return "?";
    }
}

KdhLinkEvent *
kdh_link_push_event (KdhLink          *link,
                     KdhLinkEventKind  kind)
{
  KdhLinkEvent *event = g_new0 (KdhLinkEvent, 1);

  event->kind = kind;
  g_queue_push_tail (&link->events, event);
  return event;
}

void
kdh_link_push_trace (KdhLink               *link,
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
  event = kdh_link_push_event (link, KDH_LINK_EVENT_TRACE);
  event->trace.time_us = now_us;
  event->trace.outgoing = outgoing;
  event->trace.header = *header;
  event->trace.verdict = verdict;
  if (payload != NULL)
    event->trace.payload = g_bytes_new (payload, payload_len);
}

void
kdh_link_write_control (KdhLink *link,
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
    case KDH_PACKET_TYPE_RESET:
      /* Whatever sent it (a sync round, our answer to the target's own),
       * the target answers it once if it reads it (§7.2). */
      link->stats.resets_out++;
      link->resets_unanswered++;
      link->send_after_resets = FALSE;
      break;
    default: break;
    }
  kdh_link_push_trace (link, now_us, TRUE, &header, NULL, 0, KDH_TRACE_OK);
}

/* @counts_as_try is FALSE when the target asked for the retransmission
 * (RESEND, RESET): it is alive, so its requests don't use up our tries. */
void
kdh_link_transmit_pending (KdhLink  *link,
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
  kdh_link_push_trace (link, now_us, TRUE, &header, data, len,
                       link->send_tries > 0 ? KDH_TRACE_RETRANSMIT : KDH_TRACE_OK);
  if (counts_as_try)
    link->send_tries++;
  link->ack_deadline_us = now_us + (gint64) link->config.ack_timeout_ms * US_PER_MS
                          + (gint64) link->config.byte_time_us * (gint64) (len + 17);
}

void
kdh_link_finish_send (KdhLink *link,
                      gint64   now_us)
{
  if (link->send_tries == 1)
    link->stats.last_rtt_us = now_us - link->send_first_us;
  kdh_link_cancel_send (link);
  kdh_link_take_as_delivered (link);
  kdh_link_push_event (link, KDH_LINK_EVENT_SENT);
}

void
kdh_link_cancel_send (KdhLink *link)
{
  link->sending = FALSE;
  g_clear_pointer (&link->send_payload, g_bytes_unref);
}

void
kdh_link_take_as_delivered (KdhLink *link)
{
  g_return_if_fail (!link->sending);

  link->next_id = kdh_packet_id_next (link->config.kdnet_ids, link->next_id);
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
  link->send_after_resets = TRUE;
  kdh_link_transmit_pending (link, TRUE, now_us);
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
  /* It is on the wire as much as a packet is. */
  if (link->trace)
    {
      KdhLinkEvent *event = kdh_link_push_event (link, KDH_LINK_EVENT_TRACE);

      event->trace.outgoing = TRUE;
      event->trace.breakin = TRUE;
      event->trace.verdict = KDH_TRACE_OK;
    }
}

void
kdh_link_send_resend (KdhLink *link,
                      gint64   now_us)
{
  kdh_link_write_control (link, KDH_PACKET_TYPE_RESEND, 0, now_us);
}

void
kdh_link_reset_ids (KdhLink *link)
{
  link->next_id = kdh_packet_id_first (link->config.kdnet_ids, TRUE);
  link->expected_id = KDH_PACKET_ID_INITIAL;
  link->any_id = TRUE;
  link->have_last_sync = FALSE;
  link->check_resent_print = link->last_print != NULL;
}

void
kdh_link_sync_send_reset (KdhLink *link,
                          gint64   now_us)
{
  /* Our ids start again after the sync; a KDNET target takes the
   * RESET's id as our next one. */
  kdh_link_write_control (link, KDH_PACKET_TYPE_RESET,
                          kdh_packet_id_for_reset (link->config.kdnet_ids,
                                                   kdh_packet_id_first (link->config.kdnet_ids,
                                                                        TRUE)),
                          now_us);
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
  link->sync_started_us = now_us;
  link->sync_next_reset_us = now_us;
  link->sync_rounds_over = FALSE;
  link->sync_saw_reboot = FALSE;
  link->sync_target_talked = FALSE;
  /* RESETs of earlier syncs that are still unanswered stay counted: a
   * frozen target answers them together with this sync's. */
  kdh_link_tick (link, now_us);
}

void
kdh_link_assume_synced (KdhLink *link)
{
  kdh_link_cancel_send (link);
  kdh_link_reset_ids (link);
  link->mode = KDH_LINK_IDLE;
  link->sync_rounds_over = FALSE;
}

void
kdh_link_reset (KdhLink *link)
{
  kdh_link_cancel_send (link);
  kdh_link_reset_ids (link);
  link->mode = KDH_LINK_IDLE;
  link->sync_rounds_over = FALSE;
  /* A new byte stream: what the old one carried is gone. */
  link->resets_unanswered = 0;
  link->partial_start_us = 0;
  g_clear_pointer (&link->last_sync_payload, g_bytes_unref);
  g_clear_pointer (&link->last_print, g_bytes_unref);
  link->check_resent_print = FALSE;
  kdh_packet_parser_reset (link->parser);
  g_byte_array_set_size (link->out, 0);
  g_queue_clear_full (&link->events, event_free);
}

void
kdh_link_finish_sync (KdhLink *link,
                      gint64   now_us)
{
  KdhLinkEvent *event;

  kdh_link_reset_ids (link);
  link->mode = KDH_LINK_IDLE;
  link->sync_rounds_over = FALSE;
  link->stats.syncs++;
  event = kdh_link_push_event (link, KDH_LINK_EVENT_SYNCED);
  event->attempt = link->sync_round;
  event->elapsed_us = now_us - link->sync_started_us;
  if (link->sync_saw_reboot)
    {
      /* A fresh target met for the first time has not "rebooted". */
      if (link->had_contact)
        link->stats.target_reboots++;
      kdh_link_push_event (link, KDH_LINK_EVENT_TARGET_REBOOTED);
    }
  link->had_contact = TRUE;
}

gint64
kdh_link_next_deadline (KdhLink *link)
{
  gint64 deadline = kdh_link_partial_deadline (link);

  if (link->mode == KDH_LINK_SYNCING && !link->sync_rounds_over)
    deadline = MIN (deadline, link->sync_next_reset_us);
  if (link->sending)
    deadline = MIN (deadline, link->ack_deadline_us);
  return deadline;
}

void
kdh_link_tick (KdhLink *link,
               gint64   now_us)
{
  if (link->mode == KDH_LINK_SYNCING && !link->sync_rounds_over
      && now_us >= link->sync_next_reset_us)
    {
      KdhLinkEvent *event;

      if (link->sync_round >= link->config.sync_max_rounds)
        {
          /* No more rounds, but the link keeps waiting for the answer
           * (docs/protocol.md §7.2): a target that was frozen reads our
           * RESETs when it wakes and answers them, and that late answer
           * still ends this sync. Until then its data packets are not
           * acknowledged but answered with RESET (§2.7 step 5). */
          link->sync_rounds_over = TRUE;
          event = kdh_link_push_event (link, KDH_LINK_EVENT_SYNC_FAILED);
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
          kdh_link_sync_send_reset (link, now_us);
          link->sync_next_reset_us = now_us
                                     + (gint64) link->config.sync_reset_interval_ms * US_PER_MS;
          event = kdh_link_push_event (link, KDH_LINK_EVENT_SYNC_ATTEMPT);
          event->attempt = link->sync_round;
        }
    }

  if (link->sending && now_us >= link->ack_deadline_us)
    {
      link->stats.timeouts++;
      if (link->send_tries >= link->config.max_send_tries)
        {
          KdhLinkEvent *event = kdh_link_push_event (link, KDH_LINK_EVENT_SEND_FAILED);

          event->tries = link->send_tries;
          event->elapsed_us = now_us - link->send_first_us;
          kdh_link_cancel_send (link);
        }
      else
        kdh_link_transmit_pending (link, TRUE, now_us);
    }

  if (now_us >= kdh_link_partial_deadline (link))
    kdh_link_abandon_partial (link, now_us);
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
