/* kdh-event.h: what the engine tells its front ends
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Events are immutable once posted and reference counted, so the same event
 * can go to the window, the console and every remote client.
 */
#pragma once

#include <glib.h>

#include "kd/kdh-link.h"

G_BEGIN_DECLS

/* The connection states the user sees (design.md). */
typedef enum {
  KDH_CONN_DISCONNECTED,
  KDH_CONN_OPENING,
  KDH_CONN_WAITING,          /* waiting for the target (listen, reconnect) */
  KDH_CONN_SYNCHRONIZING,
  KDH_CONN_BREAK,            /* connected, target stopped */
  KDH_CONN_RUNNING,          /* connected, target running */
  KDH_CONN_RESYNCHRONIZING,
  KDH_CONN_RESTARTING,
  KDH_CONN_LOST,             /* retrying with back-off, or given up */
} KdhConnState;

const gchar *kdh_conn_state_name     (KdhConnState state);  /* "Waiting for target" */
/* A stable, untranslated identifier for scripts: "waiting", "break", ... */
const gchar *kdh_conn_state_id       (KdhConnState state);
/* Connected: Break or Running. */
gboolean     kdh_conn_state_connected (KdhConnState state);

typedef enum {
  KDH_EVENT_STATE,           /* the connection state changed */
  KDH_EVENT_OUTPUT,          /* text for the command window */
  KDH_EVENT_PROMPT,          /* the engine is ready for a command, or busy */
  KDH_EVENT_COMMAND_DONE,    /* a command posted with a token finished (after its PROMPT) */
  KDH_EVENT_STATS,           /* link counters (at most a few per second) */
  KDH_EVENT_PACKET,          /* one packet, when the packet trace is on */
  KDH_EVENT_QUERY_RESULT,    /* the answer to kdh_engine_query() (token, query, result or error) */
  KDH_EVENT_PROGRESS,        /* long work the current command waits for (a symbol download) */
} KdhEventKind;

typedef enum {
  KDH_OUTPUT_DEBUGGER,       /* the debugger's own messages and results */
  KDH_OUTPUT_TARGET,         /* DbgPrint output from the target */
  KDH_OUTPUT_ERROR,          /* errors from commands or the connection */
  KDH_OUTPUT_ECHO,           /* a command echoed as typed */
} KdhOutputKind;

typedef struct {
  gint ref_count;
  KdhEventKind kind;
  gint64 time_us;              /* g_get_monotonic_time() when posted */
  gint64 real_time_us;         /* g_get_real_time() when posted */

  /* STATE */
  KdhConnState state;
  gchar *reason;               /* why, e.g. "no RESET answer after 6 tries over 6.0 s" */
  guint attempt;               /* resync attempt, 0 when not applicable */
  guint retry;                 /* automatic retries since the connection was
                                * lost (LOST: the next one's number), 0: none */
  gint64 retry_at_us;          /* LOST: when the next retry starts (monotonic),
                                * 0 when none will */
  gchar *transport;            /* "pipe /run/vm.sock", NULL when none */
  gchar *target;               /* "Windows 10 19041 x64, 2 CPUs", NULL until known */

  /* OUTPUT */
  KdhOutputKind output_kind;
  gchar *text;                 /* OUTPUT and PACKET text, "\n" line ends */
  gchar *origin;               /* ECHO: who typed it; NULL for the local user */
                               /* ECHO also carries the command's token */

  /* PROMPT */
  gchar *prompt;               /* "0: kd> " */
  gboolean ready;              /* FALSE: busy ("*BUSY*") */

  /* COMMAND_DONE */
  guint token;
  gboolean success;
  gchar *error;                /* NULL on success */

  /* STATS */
  KdhLinkStats stats;

  /* PACKET (text holds the whole line, for consoles) */
  gboolean outgoing;
  gboolean control;            /* ACK, RESEND, RESET */
  gboolean breakin;            /* not a packet: the break-in byte, sent */
  guint16 packet_type;
  guint32 packet_id;
  guint16 byte_count;
  gchar *verdict;              /* "ok", "duplicate", "bad checksum", ... */
  gchar *meaning;              /* "Manipulate ReadVirtualMemory 0xfffff800... 0x1000" */

  /* PROGRESS (text: what, "ntkrnlmp.pdb"; reason: where from, its URL; the
   * console has its progress lines in the output instead) */
  gint64 progress_done;        /* bytes so far */
  gint64 progress_total;       /* -1: not known */
  gboolean progress_end;       /* the work is over: done, failed or cancelled */

  /* QUERY_RESULT (token and error as COMMAND_DONE) */
  guint query;                 /* a KdhViewQuery */
  GVariant *result;            /* its typed answer; NULL with @error */
} KdhEvent;

KdhEvent *kdh_event_new   (KdhEventKind kind);
KdhEvent *kdh_event_ref   (KdhEvent *event);
void      kdh_event_unref (KdhEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhEvent, kdh_event_unref)

G_END_DECLS
