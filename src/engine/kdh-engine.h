/* kdh-engine.h: the debugger engine, on a thread of its own
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KdhEngine runs one backend (a kernel connection of its own, or a
 * debugging server's session) and the KD command language, on its own
 * thread and GMainContext. Front ends (the window, the console, the
 * debugging server's clients) only post commands and receive events:
 *
 *   - every call below is non-blocking and safe from any thread; commands
 *     are queued to the engine thread and run in the order posted; the
 *     "urgent" ones (break, resync, restart, detach, trace) overtake queued
 *     commands and interrupt a command waiting on the target;
 *   - events (KdhEvent) are delivered, in order, on the front end's main
 *     context through the handler given to kdh_engine_new(), and to every
 *     other subscriber (kdh_engine_subscribe()) on its own. Target output
 *     is coalesced, so a flood cannot starve the front end's main loop.
 *   - every command line is echoed as an ECHO output event carrying its
 *     origin (NULL for the local user), so that all front ends (and remote
 *     clients) see commands and their output in one order. A front end
 *     whose own input is already on screen skips echoes with no origin.
 */
#pragma once

#include <glib.h>

#include "commands/kdh-command.h"
#include "commands/kdh-view-query.h"
#include "target/kdh-event.h"

G_BEGIN_DECLS

typedef struct _KdhEngine KdhEngine;

typedef void (*KdhEngineEventFunc) (KdhEngine      *engine,
                                    const KdhEvent *event,
                                    gpointer        user_data);

/* Starts the engine thread. Events go to @func on @context (the
 * thread-default context of the caller when NULL). */
KdhEngine *kdh_engine_new   (GMainContext       *context,
                             KdhEngineEventFunc  func,
                             gpointer            user_data);
/* Stops the engine thread (closing any connection) and frees it. Events
 * still queued are dropped; the handler is not called after this. */
void       kdh_engine_free  (KdhEngine *engine);

/* The engine thread, and the threads it starts, yield the processor to
 * the front end's: a window stays responsive while a fast link keeps the
 * engine looking for the next packet. Call before connecting. */
void       kdh_engine_set_background (KdhEngine *engine);

/* Each returns a token that the COMMAND_DONE event carries. */
guint kdh_engine_attach     (KdhEngine   *engine,
                             const gchar *connection);     /* "-k" string */
/* Opens a kernel crash dump file (-z) as the target: stopped for good,
 * read-only; .restart reopens it. */
guint kdh_engine_open_dump  (KdhEngine   *engine,
                             const gchar *path);
/* Becomes a debugging client of the server named by @remote_string
 * (WinDbg's -remote: "tcp:Port=5005,Server=HOST", npipe:, ssl:, com:)
 * instead of a kernel connection: the server's state, prompt and output
 * arrive as this engine's events (output exactly once, in the server's
 * order, commands echoed by the server with their sender's name and not
 * locally); execute, break, resync and cycle_baud go to the server;
 * restart is refused (KD's rule); detach, attach or "q" disconnect. A
 * dead server turns the state to Lost with the reason. */
guint kdh_engine_connect_remote (KdhEngine   *engine,
                                 const gchar *remote_string);
guint kdh_engine_execute    (KdhEngine   *engine,
                             const gchar *command_line,
                             const gchar *origin);         /* NULL: local user */
/* Asks for typed data of the stopped target for a view (kdh-view-query.h:
 * @address and @count are the disassembly's). The answer comes as a
 * QUERY_RESULT event with the returned token, after the commands posted
 * before it; the query prints nothing and does not touch the prompt. */
guint kdh_engine_query      (KdhEngine   *engine,
                             KdhViewQuery query,
                             guint64      address,
                             guint        count);
/* KDH_VIEW_QUERY_EVALUATE: the value of @expression, answered the same
 * way (a debugging client cannot ask its server for it yet). */
guint kdh_engine_query_expression (KdhEngine   *engine,
                                   const gchar *expression);
guint kdh_engine_resync     (KdhEngine *engine);           /* Ctrl+Alt+R, Ctrl+R */
guint kdh_engine_restart    (KdhEngine *engine);           /* .restart */
guint kdh_engine_cycle_baud (KdhEngine *engine);           /* Ctrl+Alt+A */
guint kdh_engine_detach     (KdhEngine *engine);           /* close the connection */
void  kdh_engine_break      (KdhEngine *engine);           /* Ctrl+C, Ctrl+Break */
void  kdh_engine_set_trace  (KdhEngine *engine,
                             gboolean   enabled);          /* packet trace events */
/* Verbose output: every connection state change and its reason is also
 * printed in the output (WinDbg's Ctrl+Alt+V). */
void  kdh_engine_set_verbose (KdhEngine *engine,
                              gboolean   enabled);
/* Whether an attach stops the target (the default, as kd -b) or leaves it
 * running once connected; KD's "cycle initial break". */
void  kdh_engine_set_initial_break (KdhEngine *engine,
                                    gboolean   enabled);

/* Flow control. Events a subscriber has not taken yet are bounded: past
 * about this many bytes of them the engine stops reading from the target
 * (which holds its output until acknowledged; nothing is lost) until the
 * subscriber has caught up. Each delivery takes a few milliseconds at most
 * and then yields to the subscriber's main loop.
 *
 * A front end whose own buffers are full holds delivery (@hold TRUE) and
 * releases it once it has drained; held events count towards the bound.
 * Call it from the front end's thread, also from the event handler. */
#define KDH_ENGINE_BACKLOG_HIGH_WATER (1024 * 1024)
void  kdh_engine_hold_delivery (KdhEngine *engine,
                                gboolean   hold);

/* Another receiver of every event (the debugging server): events go to
 * @func on @context in the engine's order, beginning with the state and
 * prompt as they are when the engine thread takes the subscription. Any
 * thread. Its backlog counts towards the bound above. */
typedef struct _KdhEngineSubscription KdhEngineSubscription;
KdhEngineSubscription *kdh_engine_subscribe   (KdhEngine             *engine,
                                               GMainContext          *context,
                                               KdhEngineEventFunc     func,
                                               gpointer               user_data);
/* From @context's thread: @func is not called again once this returns. */
void                   kdh_engine_unsubscribe (KdhEngine             *engine,
                                               KdhEngineSubscription *subscription);

/* Adds a command to the engine's command language (the debugging server
 * adds .server and its friends); @func runs on the engine thread. Any
 * thread. Returns 0 when the name is taken. */
guint kdh_engine_add_command    (KdhEngine      *engine,
                                 const gchar    *name,
                                 const gchar    *help,
                                 KdhCommandFunc  func,
                                 gpointer        user_data,
                                 GDestroyNotify  destroy);
/* The same, for a command about the front end itself (the window's .cls):
 * a debugging client runs it too, when it is alone on its line, instead
 * of sending it to the server as its other commands. */
guint kdh_engine_add_front_command (KdhEngine      *engine,
                                    const gchar    *name,
                                    const gchar    *help,
                                    KdhCommandFunc  func,
                                    gpointer        user_data,
                                    GDestroyNotify  destroy);
/* Any thread; a call that is running finishes first. */
void  kdh_engine_remove_command (KdhEngine *engine,
                                 guint      id);
/* Prints @text in the session's output, for every front end ("alice
 * connected"). Any thread; it comes after what the engine has printed. */
void  kdh_engine_print          (KdhEngine      *engine,
                                 KdhOutputKind   kind,
                                 const gchar    *text);

/* Snapshots, safe from any thread. */
KdhConnState kdh_engine_get_state (KdhEngine *engine);
gboolean     kdh_engine_get_trace (KdhEngine *engine);
gboolean     kdh_engine_get_verbose (KdhEngine *engine);
gboolean     kdh_engine_get_initial_break (KdhEngine *engine);
/* The connection string in use, canonical (WinDbg's "get connection
 * options"); NULL when there is no connection. */
gchar       *kdh_engine_dup_connection_options (KdhEngine *engine);

G_END_DECLS
