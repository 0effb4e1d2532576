/* kdh-session-private.h: what the session's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-session.c          state, transport callbacks, the link pump,
 *                        housekeeping between commands
 * kdh-session-sync.c     attach, resync, restart, the target's stops
 * kdh-session-request.c  manipulate requests and their replies, Continue
 * kdh-session-backend.c  the session as the engine's backend
 * kdh-session-net.c      what a datagram transport (KDNET) adds
 * kdh-session-dump.c     a crash dump file instead of a connection
 * kdh-session-crash.c    .crash: the target bug checks
 */
#pragma once

#include "kdh-session.h"

#include "dump/kdh-dump-file.h"
#include "kd/kdh-link.h"
#include "kdh-stop.h"
#include "kdh-target.h"
#include "transport/kdh-transport.h"

G_BEGIN_DECLS

typedef struct _KdhSessionExec KdhSessionExec;

#define US_PER_MS 1000
#define STATS_INTERVAL_US (250 * US_PER_MS)
/* Re-issue an acknowledged but unanswered request this many times. */
#define REQUEST_TRIES 3
/* Lost: retry the resync after 1, 2, 4 ... up to 30 s, this many times. */
#define LOST_MAX_ATTEMPTS 8
#define LOST_MAX_BACKOFF_MS 30000
/* Break-in: repeat the byte if no state change follows within this time. */
#define BREAKIN_RETRY_MS 2000
#define BREAKIN_MAX_TRIES 3
/* The longest pause in reading from the target (flow control): well
 * inside the retry budget a target has for a DbgPrint before it gives the
 * debugger up (docs/protocol.md §2.1 step 3; 20 tries 0.5 s apart on the
 * simulator, and Windows is not more patient). */
#define INPUT_PAUSE_MAX_MS 2000

typedef enum {
  SYNC_ATTACH,
  SYNC_RESYNC,
  SYNC_RECONNECT,
} KdhSyncKind;

struct _KdhSession
{
  KdhBackend backend;             /* first: the engine drives a session as its backend */
  KdhHost *host;
  KdhConnectionString *cs;
  gchar *description;
  KdhTransport *transport;
  KdhLink *link;
  KdhLinkConfig link_config;
  GSource *link_timer;
  KdhTarget *target;
  KdhConnState state;
  gchar *state_reason;            /* why, as last published; may be NULL */

  /* Transport. */
  gboolean transport_open;
  gboolean transport_dead;        /* closed and not coming back by itself */
  gchar *transport_error;
  gchar *waiting_reason;
  gboolean reconnect_pending;     /* reopened after a drop: resync at top level */

  /* Link results, watched by waits. */
  gboolean synced;
  gboolean sync_failed;
  gchar *sync_error;
  gboolean sent;
  gboolean send_failed;
  /* The last Continue went unacknowledged: taken as running (see
   * kdh_session_request()). */
  gboolean resume_unconfirmed;
  /* Stepping off a breakpoint before the user's g: Running and Break are
   * kept from the front ends (kdh_session_set_state()). */
  gboolean quiet_state;
  gchar *send_error;
  guint32 awaiting_api;
  gint64 spin_until_us;           /* kdh_session_spin_until() */
  gint64 print_spin_until_us;     /* the same after a running target's DbgPrint */
  gboolean backlogged;            /* the front ends, at the last throttle */
  GBytes *reply;
  GBytes *stop;                   /* a state change not yet handled */
  GBytes *current_stop;           /* the one we are stopped on, while at Break */
  gboolean rebooted;
  /* The transport says a new machine is behind it (a KDNET target that
   * rebooted, which has no SYNC bit to show it): the next sync's stop is
   * a rebooted target's. */
  gboolean peer_restarted;
  guint64 peer_reboots;           /* ... counted for the monitor */

  /* What we believe. */
  gboolean target_running;        /* last known: running (TRUE) or stopped */
  gboolean auto_continue;         /* the pending stop is one we caused */
  gboolean announced;             /* the connection banner has been printed */
  guint cpu;
  guint dump_header_cpu;          /* a dump's: the processor its header's context is */

  /* Top-level housekeeping. */
  gint64 next_stats_us;
  gint64 next_peer_us;            /* kdh_session_publish_peer_counters() */
  KdhLinkStats last_stats;
  gint64 lost_retry_us;
  guint lost_attempts;
  gint64 breakin_retry_us;
  guint breakin_tries;
  gboolean break_requested;       /* a break-in asked for before the target ran */
  gboolean break_outstanding;     /* a break-in byte sent, no stop seen since */
  gboolean awaiting_stop;         /* a resync waits for the target's state change */

  /* The last sync, as it began: a failed one can still be answered late,
   * by a target that was frozen while we sent RESETs (docs/protocol.md
   * §7.2), and is then finished as it would have been. */
  KdhSyncKind sync_kind;
  gboolean sync_with_breakin;     /* it sent (or meant to send) break-in bytes */
  gboolean sync_was_running;      /* the target was believed running */
  gboolean sync_stop;             /* the stop being handled is a sync's */
  guint64 sync_breakins_before;   /* the link's break-in count when it began */
  gboolean sync_answer_due;       /* it failed; the link still waits for an answer */
  gboolean late_synced;           /* that answer came: finish it at the next poll */

  /* A break-in byte a sync sent to a target that was already stopped stays
   * pending there and stops it again right after the first Continue
   * (docs/protocol.md §2.7, cautions). That one stop is recognised (same
   * break-in instruction, Ctrl-C status, soon after the Continue, no break
   * asked for) and resumed. */
  gboolean believe_stopped;       /* a .restart from Break: the target is stopped */
  gboolean stale_breakin_armed;   /* the sync sent break-in bytes; waiting for the Continue */
  guint64 stale_breakin_pc;       /* where the sync's stop was */
  gboolean stale_breakin_open;    /* after that Continue, until the next stop */

  struct _KdhSessionExec *exec;   /* breakpoints and stepping (kdh-session-exec.c) */

  /* Flow control (kdh_session_throttle_input). */
  gint64 input_paused_us;         /* since when reading is paused, or 0 */
  guint64 input_resume_packets;   /* after a forced resume: read until past this */

  /* A crash dump instead of a connection (kdh-session-dump.c). */
  KdhDumpFile *dump;
  gchar *dump_path;
};


typedef gboolean (*KdhSessionPredicate) (KdhSession *s);

extern const KdhBackendClass kdh_session_backend_class;
extern const KdhTransportCallbacks kdh_session_transport_callbacks;

/* kdh-session.c */
void     kdh_session_set_state     (KdhSession   *s,
                                    KdhConnState  state,
                                    const gchar  *reason,
                                    guint         attempt);
/* Moves bytes and events between the link and the transport. */
void     kdh_session_pump          (KdhSession   *s);
void     kdh_session_publish_stats (KdhSession *s,
                                    gboolean    force);
void     kdh_session_make_link     (KdhSession   *s);

/* kdh-session-net.c: what a datagram transport (KDNET) adds */
/* The link's configuration for this connection's line and packet ids. */
void     kdh_session_link_config   (KdhSession   *s,
                                    guint         baud);
/* The transport closed(@error): notes a rebooted peer; returns whether
 * the transport comes back by itself. */
gboolean kdh_session_note_closed   (KdhSession   *s,
                                    const GError *error);
/* The link's counters with the transport's datagrams and reboots. */
KdhLinkStats kdh_session_collect_stats (KdhSession *s);
/* When to look at unchanged counters again: 0 for the next packet; a
 * datagram transport counts datagrams (a flood of forged ones) that
 * bring the link nothing, so it is looked at every STATS_INTERVAL_US. */
gint64   kdh_session_next_stats_look (KdhSession *s,
                                      gint64      now_us);

/* kdh-session-sync.c */
gboolean kdh_session_sync          (KdhSession   *s,
                                    KdhSyncKind   kind,
                                    GError      **error);
gboolean kdh_session_handle_stop   (KdhSession   *s,
                                    GError      **error);
/* Finishes a sync that had failed when the target answers it late. */
gboolean kdh_session_sync_late     (KdhSession   *s,
                                    GError      **error);
/* The connection is lost: says why, and retries with back-off when
 * @retry and the transport is alive. */
void     kdh_session_set_lost      (KdhSession   *s,
                                    const gchar  *reason,
                                    gboolean      retry);

/* kdh-session-dump.c: the requests answered from the dump */
gboolean kdh_session_dump_request  (KdhSession          *s,
                                    const KdhManipulate *request,
                                    KdhManipulate       *reply,
                                    GBytes             **reply_payload,
                                    GError             **error);

/* kdh-session-request.c */
/* Continue2 (@trace: one instruction on the current processor). */
gboolean _kdh_session_continue     (KdhSession          *s,
                                    gboolean             trace,
                                    guint64              dr7,
                                    GError             **error);
/* The far end's counters (the in-process simulator's) to the host now;
 * otherwise they go with state changes and every PEER_INTERVAL_US. */
void     kdh_session_publish_peer_counters (KdhSession *s);
/* Until when the engine should look for the reply to the request in
 * flight, or a running target's next DbgPrint, without sleeping (0: none
 * is due soon). */
gint64   kdh_session_spin_until    (KdhSession          *s);
/* A DbgPrint came from the target: on a fast link its next one is looked
 * for without sleeping for a while. */
void     kdh_session_note_print    (KdhSession          *s);
/* Waits for @predicate, failing when the transport dies for good. */
gboolean kdh_session_wait          (KdhSession          *s,
                                    KdhSessionPredicate  predicate,
                                    gint64               deadline_us,
                                    GError             **error);

/* kdh-session-dump.c: ~N on a dump (processor N's saved registers). */
gboolean kdh_session_dump_switch_processor (KdhSession  *s,
                                            guint        cpu,
                                            GError     **error);

G_END_DECLS
