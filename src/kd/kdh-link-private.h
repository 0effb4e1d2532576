/* kdh-link-private.h: what the link's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-link.c          set-up, sending, the resync procedure, the clock,
 *                     what goes out
 * kdh-link-receive.c  what comes in: the parser's packets, ACKs, RESEND,
 *                     RESET and its answers, data packets, damaged ones
 */
#pragma once

#include "kdh-link.h"
#include "kdh-packet-ids.h"

G_BEGIN_DECLS

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
  /* Every transmission of it came after our last RESET: its ACK shows that
   * the target has read, and answered, every RESET we sent before it. */
  gboolean send_after_resets;

  /* Resync. */
  KdhSyncBreakin sync_breakin;
  guint sync_round;
  gint64 sync_started_us;
  gint64 sync_next_reset_us;
  gint64 sync_last_reset_us;
  gboolean sync_rounds_over;     /* failed: no more rounds, but still waiting */
  gboolean sync_saw_reboot;
  gboolean sync_target_talked;   /* a data packet came during this sync */

  /* RESETs we wrote that the target may still answer, whichever sync (or
   * answer of ours) sent them (docs/protocol.md §7.2). A RESET that comes
   * while this is non-zero is one of those answers: it is consumed, not
   * answered, or the two sides would bounce RESETs for ever. */
  guint resets_unanswered;

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

/* kdh-link.c */
G_GNUC_INTERNAL
KdhLinkEvent *kdh_link_push_event      (KdhLink               *link,
                                        KdhLinkEventKind       kind);
G_GNUC_INTERNAL
void          kdh_link_push_trace      (KdhLink               *link,
                                        gint64                 now_us,
                                        gboolean               outgoing,
                                        const KdhPacketHeader *header,
                                        const guint8          *payload,
                                        gsize                  payload_len,
                                        KdhTraceVerdict        verdict);
G_GNUC_INTERNAL
void          kdh_link_write_control   (KdhLink               *link,
                                        guint16                type,
                                        guint32                id,
                                        gint64                 now_us);
/* @counts_as_try is FALSE when the target asked for the retransmission. */
G_GNUC_INTERNAL
void          kdh_link_transmit_pending (KdhLink              *link,
                                         gboolean              counts_as_try,
                                         gint64                now_us);
G_GNUC_INTERNAL
void          kdh_link_finish_send     (KdhLink               *link,
                                        gint64                 now_us);
G_GNUC_INTERNAL
void          kdh_link_reset_ids       (KdhLink               *link);
/* One more RESET of the running sync (a round, or §2.7 step 5). */
G_GNUC_INTERNAL
void          kdh_link_sync_send_reset (KdhLink               *link,
                                        gint64                 now_us);
/* The target answered a RESET of the sync: ids reset, SYNCED. */
G_GNUC_INTERNAL
void          kdh_link_finish_sync     (KdhLink               *link,
                                        gint64                 now_us);

/* kdh-link-receive.c */
/* When a half-received packet is given up (G_MAXINT64: none). */
G_GNUC_INTERNAL
gint64        kdh_link_partial_deadline (KdhLink              *link);
/* Gives the half-received packet up: RESEND, and the bytes after its
 * leader are parsed again. */
G_GNUC_INTERNAL
void          kdh_link_abandon_partial (KdhLink               *link,
                                        gint64                 now_us);

G_END_DECLS
