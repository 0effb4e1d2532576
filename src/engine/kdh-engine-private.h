/* kdh-engine-private.h: what the engine's parts share on the engine thread
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-engine.h"
#include "sim/kdh-sim-target.h"

G_BEGIN_DECLS

typedef struct _KdhSession KdhSession;
typedef struct _KdhServerSet KdhServerSet;

/* Output and events, engine thread only. Output of one kind is coalesced
 * until another event or the end of the current step. */
void     kdh_engine_output    (KdhEngine     *engine,
                               KdhOutputKind  kind,
                               const gchar   *text);
void     kdh_engine_printf    (KdhEngine     *engine,
                               KdhOutputKind  kind,
                               const gchar   *format,
                               ...) G_GNUC_PRINTF (3, 4);
void     kdh_engine_post      (KdhEngine     *engine,
                               KdhEvent      *event);   /* takes ownership */
/* Publishes the connection state (event + cross-thread snapshot). */
void     kdh_engine_publish_state (KdhEngine    *engine,
                                   KdhConnState  state,
                                   const gchar  *reason,
                                   guint         attempt,
                                   const gchar  *transport,
                                   const gchar  *target);
/* Taps see every event, on the engine thread, before it is queued for the
 * front end (the debugging server fans them out to its clients). */
typedef void (*KdhEngineTap) (KdhEngine      *engine,
                              const KdhEvent *event,
                              gpointer        user_data);
void     kdh_engine_add_tap        (KdhEngine    *engine,
                                    KdhEngineTap  tap,
                                    gpointer      user_data);
void     kdh_engine_remove_tap     (KdhEngine    *engine,
                                    KdhEngineTap  tap,
                                    gpointer      user_data);
/* The prompt as front ends are shown it ("0: kd> "), and whether the engine
 * is ready for a command. */
gchar   *kdh_engine_dup_prompt     (KdhEngine *engine,
                                    gboolean  *ready);
/* Sends a PROMPT event if the prompt changed (the debugging client calls
 * it when its server's prompt does). */
void     kdh_engine_refresh_prompt (KdhEngine *engine);
gboolean kdh_engine_trace_enabled  (KdhEngine *engine);
gboolean kdh_engine_initial_break  (KdhEngine *engine);
KdhSession *kdh_engine_get_session (KdhEngine *engine);
/* The debugging servers (.server); NULL until the first one unless
 * @create. They are closed when the engine thread ends. */
KdhServerSet *kdh_engine_get_servers (KdhEngine *engine,
                                      gboolean   create);
/* The latest counters of the in-process simulator (NULL: none), kept for
 * kdh_engine_get_sim_counters() on other threads. */
void     kdh_engine_store_sim_counters (KdhEngine            *engine,
                                        const KdhSimCounters *counters);

/* The one way to wait on the engine thread: runs the engine's main context
 * until @done returns TRUE, @deadline_us (monotonic; G_MAXINT64 for an
 * open-ended wait that only an urgent command can end) passes, or an
 * urgent command asks the current work to stop. Break and trace commands
 * are handled during the wait. Returns FALSE with G_IO_ERROR_TIMED_OUT or
 * G_IO_ERROR_CANCELLED (message naming the interrupting command). */
gboolean kdh_engine_wait (KdhEngine  *engine,
                          gboolean  (*done) (gpointer data),
                          gpointer    data,
                          gint64      deadline_us,
                          GError    **error);

/* Between two steps of a command that produces much output (a long dump):
 * while the front ends are behind (the engine is backlogged), waits for
 * them to catch up, at most a few seconds (a frozen front end must not
 * stop the engine for good; its output then queues). FALSE only when an
 * urgent command interrupts the wait. */
gboolean kdh_engine_wait_for_front_ends (KdhEngine  *engine,
                                         GError    **error);

G_END_DECLS
