/* kdh-link.h: the host side of the KDCOM link, as a pure state machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Events in (bytes received, the clock, requests from the layer above),
 * actions out (bytes to write, events to handle, the next deadline). It
 * implements docs/protocol.md §2 for a host: ACK every accepted data packet,
 * RESEND a damaged one, re-ACK and drop a retransmitted duplicate, keep one
 * outgoing data packet and retransmit it until it is acknowledged (a bounded
 * number of times), answer the target's own RESET but not the answers to
 * ours (§7.2), recognise a rebooted target by the SYNC id bit, and run the
 * resync procedure of §2.7 (break-in byte, RESET until answered). No I/O
 * and no main loop: the engine feeds it and drains it.
 *
 * Times are monotonic microseconds (g_get_monotonic_time() in the engine,
 * anything in tests).
 */
#pragma once

#include <glib.h>

#include "kdh-packet.h"

G_BEGIN_DECLS

typedef struct {
  guint ack_timeout_ms;        /* wait for an ACK before retransmitting */
  guint max_send_tries;        /* transmissions of one packet before giving up */
  guint sync_reset_interval_ms; /* resend RESET this often while synchronizing */
  guint sync_max_rounds;       /* RESET rounds before the resync fails */
  guint partial_timeout_ms;    /* silence inside a packet before it is abandoned */
  guint byte_time_us;          /* time one byte takes on the line (0: a socket) */
  gsize max_payload;           /* largest ByteCount accepted (4000 on serial lines) */
  gboolean check_payloads;     /* treat a payload that does not fit its type as damaged */
  gboolean kdnet_ids;          /* KDNET's packet ids (kdh-packet-ids.h): no SYNC bit */
} KdhLinkConfig;

/* Defaults for a line of @baud bits per second (0 for a socket): timeouts
 * grow with the time a full packet takes on the line. */
void kdh_link_config_init (KdhLinkConfig *config,
                           guint          baud);

typedef enum {
  KDH_LINK_EVENT_PACKET,          /* a new data packet: type, payload */
  KDH_LINK_EVENT_SENT,            /* our pending data packet was acknowledged */
  KDH_LINK_EVENT_SEND_FAILED,     /* no ACK after max_send_tries; packet dropped */
  KDH_LINK_EVENT_SYNC_ATTEMPT,    /* a RESET round started: attempt */
  KDH_LINK_EVENT_SYNCED,          /* the target answered RESET; ids reset (also
                                   * after SYNC_FAILED: a late answer) */
  KDH_LINK_EVENT_SYNC_FAILED,     /* no RESET answer after sync_max_rounds */
  KDH_LINK_EVENT_TARGET_RESET,    /* the target sent RESET on its own; answered */
  KDH_LINK_EVENT_TARGET_REBOOTED, /* a packet with the SYNC id bit: a fresh target */
  KDH_LINK_EVENT_TRACE,           /* one packet in or out (when tracing is on) */
} KdhLinkEventKind;

typedef enum {
  KDH_TRACE_OK,
  KDH_TRACE_DUPLICATE,     /* a retransmission of a packet already delivered */
  KDH_TRACE_RETRANSMIT,    /* our packet, sent again */
  KDH_TRACE_BAD_CHECKSUM,
  KDH_TRACE_BAD_TRAILER,
  KDH_TRACE_BAD_LENGTH,
  KDH_TRACE_TRUNCATED,
  KDH_TRACE_BAD_ID,
  KDH_TRACE_BAD_TYPE,      /* the payload does not fit the packet type */
  KDH_TRACE_IGNORED,       /* valid but not for us now: a stray ACK, data during sync */
} KdhTraceVerdict;

typedef struct {
  gint64 time_us;
  gboolean outgoing;
  KdhPacketHeader header;
  GBytes *payload;         /* NULL for control packets and damaged ones */
  KdhTraceVerdict verdict;
  gboolean breakin;        /* no packet: the lone break-in byte, sent (header zero) */
} KdhPacketTrace;

typedef struct {
  KdhLinkEventKind kind;
  guint16 packet_type;     /* PACKET */
  GBytes *payload;         /* PACKET */
  guint attempt;           /* SYNC_ATTEMPT, SYNC_FAILED: rounds so far */
  guint tries;             /* SEND_FAILED: transmissions made */
  gint64 elapsed_us;       /* SEND_FAILED, SYNC_FAILED, SYNCED: time spent */
  KdhPacketTrace trace;    /* TRACE */
} KdhLinkEvent;

void kdh_link_event_clear (KdhLinkEvent *event);

typedef struct {
  guint64 packets_in, packets_out;   /* data packets, retransmissions included */
  guint64 bytes_in, bytes_out;
  guint64 acks_in, acks_out;
  guint64 resends_in, resends_out;
  guint64 resets_in, resets_out;
  guint64 checksum_errors;           /* damaged data packets (checksum, trailer, length, cut) */
  guint64 timeouts;                  /* ACK waits that expired */
  guint64 retransmits;
  guint64 duplicates;                /* retransmitted packets dropped */
  guint64 garbage_bytes;             /* bytes outside any packet */
  guint64 breakins_sent;
  guint64 sync_rounds;
  guint64 syncs;                     /* completed resynchronisations */
  guint64 target_reboots;            /* SYNC-bit packets after earlier contact */
  /* Datagram transports (KDNET) fill these in; the link never does. */
  guint64 datagrams_in, datagrams_out;
  guint64 datagrams_dropped;         /* bad tag, signature, length, stale sequence ... */
  gint64 last_rx_us;                 /* last byte from the target, 0 = never */
  gint64 last_rtt_us;                /* last first-try ACK round trip, -1 = none */
} KdhLinkStats;

typedef enum {
  KDH_LINK_IDLE,           /* connected packet exchange */
  KDH_LINK_SYNCING,        /* waiting for the RESET answer; after a failed
                            * sync too, without more rounds, until the
                            * answer or the next sync */
} KdhLinkMode;

typedef struct _KdhLink KdhLink;

KdhLink *kdh_link_new  (const KdhLinkConfig *config);
void     kdh_link_free (KdhLink *link);

void     kdh_link_set_config (KdhLink *link, const KdhLinkConfig *config);
void     kdh_link_set_trace  (KdhLink *link, gboolean enabled);
gboolean kdh_link_get_trace  (KdhLink *link);

/* Inputs. */
void     kdh_link_receive (KdhLink      *link,
                           const guint8 *data,
                           gsize         len,
                           gint64        now_us);
/* Call when the clock reaches kdh_link_next_deadline() (or any time). */
void     kdh_link_tick    (KdhLink *link,
                           gint64   now_us);
/* Queues one data packet for reliable delivery. FALSE when a packet is
 * still unacknowledged (one at a time, as the protocol is stop-and-wait) or
 * while synchronizing. */
gboolean kdh_link_send    (KdhLink      *link,
                           guint16       packet_type,
                           GBytes       *payload,
                           gint64        now_us);
gboolean kdh_link_is_sending (KdhLink *link);
/* Drops the unacknowledged packet, if any, without an event. */
void     kdh_link_cancel_send (KdhLink *link);
/* After KDH_LINK_EVENT_SEND_FAILED: the packet given up on is taken as
 * received all the same (a Continue to a target that now runs and reads
 * nothing more), so the next packet gets the next id. */
void     kdh_link_take_as_delivered (KdhLink *link);
/* Writes the break-in byte. */
void     kdh_link_send_breakin (KdhLink *link);
/* Writes a RESEND control packet: a target stopped in its state-change
 * loop answers it with that state change again (docs/protocol.md §2.4). */
void     kdh_link_send_resend  (KdhLink *link,
                                gint64   now_us);
/* Whether a sync sends the break-in byte before its RESET rounds (until the
 * target has said something). LATER skips it in the first round: for a
 * target believed stopped, which hears the RESET and would keep a break-in
 * byte pending (docs/protocol.md §2.7, cautions); if that belief was wrong
 * the target is running, deaf to RESET, and the later rounds wake it. */
typedef enum {
  KDH_SYNC_NO_BREAKIN,
  KDH_SYNC_BREAKIN_FIRST,
  KDH_SYNC_BREAKIN_LATER,
} KdhSyncBreakin;

/* Starts the resync procedure: drops any pending packet, sends the
 * break-in byte as @breakin says and RESET every sync_reset_interval_ms
 * until the target answers with RESET, for sync_max_rounds rounds
 * (SYNC_FAILED). The link then stays SYNCING: the first answer to any
 * RESET it sent still ends the sync with SYNCED. */
void     kdh_link_start_sync (KdhLink        *link,
                              KdhSyncBreakin  breakin,
                              gint64          now_us);
/* Accepts whatever the target sends next as in sync, without a RESET
 * (connection strings with resets=0): ids are set to the initial values. */
void     kdh_link_assume_synced (KdhLink *link);
KdhLinkMode kdh_link_get_mode (KdhLink *link);
/* Back to the state of a new link: initial ids, nothing buffered or pending.
 * Statistics are kept. */
void     kdh_link_reset (KdhLink *link);

/* Outputs. */
gint64   kdh_link_next_deadline (KdhLink *link);   /* G_MAXINT64: none */
/* Moves the bytes to write into @out (appended). FALSE when there are none. */
gboolean kdh_link_take_output (KdhLink    *link,
                               GByteArray *out);
gboolean kdh_link_has_output  (KdhLink *link);
/* Pops the next event. FALSE when none. Clear it with kdh_link_event_clear(). */
gboolean kdh_link_next_event (KdhLink      *link,
                              KdhLinkEvent *event);

const KdhLinkStats *kdh_link_get_stats (KdhLink *link);
const gchar        *kdh_trace_verdict_name (KdhTraceVerdict verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhLink, kdh_link_free)

G_END_DECLS
