/* kdh-session.h: one kernel connection: transport, link, connection state
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engine thread only. The session drives the pure KdhLink with the bytes
 * and timers of a KdhTransport, turns link events into connection states,
 * target output and stops, and offers the request/reply primitive the
 * target model is built on. Its long operations (attach, resync, restart,
 * a request) wait through its host (kdh-host.h), so they can be
 * interrupted and never block the front ends. The engine drives it as its
 * backend (kdh-backend.h).
 */
#pragma once

#include <glib.h>

#include "dump/kdh-dump-file.h"
#include "kd/kdh-dbgkd.h"
#include "kdh-backend.h"
#include "kdh-host.h"
#include "kdh-target.h"
#include "transport/kdh-connection-string.h"

G_BEGIN_DECLS

typedef struct _KdhSession KdhSession;

/* Takes ownership of @cs. @host must outlive the session. */
KdhSession  *kdh_session_new      (KdhHost             *host,
                                   KdhConnectionString *cs);
/* The session as the engine's backend; freeing that frees the session. */
KdhBackend  *kdh_session_as_backend (KdhSession *session);
void         kdh_session_free     (KdhSession *session);
/* A crash dump file as the target (kdh-session-dump.c): opens it, prints
 * what KD prints on loading one, and stays at Break for good; requests
 * are answered from the file, and what needs a live target is refused.
 * Its backend's restart reopens the file. NULL with why the file cannot
 * be read. */
KdhSession  *kdh_session_open_dump (KdhHost     *host,
                                    const gchar *path,
                                    GError     **error);
/* .crash: the stopped processor bug checks (0xE2); the target runs until
 * the bug check breaks in, as after a Continue (kdh-session-crash.c). */
gboolean     kdh_session_cause_bugcheck (KdhSession  *session,
                                         GError     **error);
/* Whether the user asked to break in (Ctrl+C) while a command ran with
 * the target stopped; a long command (.dump) takes it as "cancel". */
gboolean     kdh_session_take_break_request (KdhSession *session);
/* The dump's header, or NULL for a live connection. */
const KdhDumpHeader *kdh_session_get_dump_header (KdhSession *session);

/* Opens the transport and synchronizes as a new debugger would; returns
 * when the target's first event has been handled (Break, or Running when
 * the initial break is off). */
gboolean     kdh_session_attach   (KdhSession  *session,
                                   GError     **error);
/* The resync procedure of docs/protocol.md §2.7; ends Connected or Lost. */
gboolean     kdh_session_resync   (KdhSession  *session,
                                   GError     **error);
/* Closes everything, drops all target state, reopens, synchronizes. */
gboolean     kdh_session_restart  (KdhSession  *session,
                                   GError     **error);
void         kdh_session_close    (KdhSession  *session);
/* Sends the break-in byte (Ctrl+C); the state change that follows is
 * handled by kdh_session_poll(). At a break it does nothing, unless
 * @defer: then it is remembered until the current command ends, in case
 * that command (a `g` posted just before) lets the target run. */
void         kdh_session_break    (KdhSession  *session,
                                   gboolean     defer);
void         kdh_session_command_finished (KdhSession *session);
gboolean     kdh_session_cycle_baud (KdhSession *session,
                                     GError    **error);
/* Top-level housekeeping between commands: handles a stop that arrived
 * while the target ran, Lost-state retries, statistics. */
void         kdh_session_poll     (KdhSession  *session);
/* When kdh_session_poll() wants to run next (G_MAXINT64: nothing). */
gint64       kdh_session_next_poll (KdhSession *session);
/* Called before the engine thread sleeps: stops or resumes reading from
 * the target as the front ends are @backlogged or not, where that is safe
 * (see kdh-session.c). Returns when to call it again (G_MAXINT64: only
 * when something else happens). */
gint64       kdh_session_throttle_input (KdhSession *session,
                                         gboolean    backlogged);

/* One manipulate request and its reply (none for Continue, Reboot,
 * SwitchProcessor): retransmitted by the link until acknowledged,
 * re-issued when acknowledged but unanswered. @reply and @reply_payload
 * (the whole packet, which the reply's data borrows from) may be NULL. */
gboolean     kdh_session_request  (KdhSession          *session,
                                   const KdhManipulate *request,
                                   const guint8        *data,
                                   gsize                data_len,
                                   KdhManipulate       *reply,
                                   GBytes             **reply_payload,
                                   GError             **error);
/* Continue2 (the target runs); caches are dropped. */
gboolean     kdh_session_go       (KdhSession  *session,
                                   GError     **error);

KdhConnState kdh_session_get_state  (KdhSession *session);
/* The reason given with the current state ("connection lost: ..."), or NULL. */
const gchar *kdh_session_get_state_reason (KdhSession *session);
KdhTarget   *kdh_session_get_target (KdhSession *session);
const KdhConnectionString *kdh_session_get_connection (KdhSession *session);
const gchar *kdh_session_describe_transport (KdhSession *session);
void         kdh_session_set_trace  (KdhSession *session, gboolean enabled);
/* The processor the target stopped on (the prompt's "0:"). */
guint        kdh_session_get_cpu    (KdhSession *session);

G_END_DECLS
