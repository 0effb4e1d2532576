/* kdh-engine-private.h: what the engine's own files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-engine.c           the thread, its command queues, the host interface
 *                        (kdh-host.h) and the backend it drives
 * kdh-engine-api.c       the public calls: queueing commands, snapshots
 * kdh-engine-query.c     the views' typed queries and their answers
 * kdh-engine-delivery.c  events to the subscribers: output coalescing,
 *                        per-subscriber queues, backlog and flow control
 */
#pragma once

#include <stdio.h>

#include "kdh-engine.h"

#include "commands/kdh-commands.h"
#include "target/kdh-backend.h"
#include "target/kdh-host.h"
#include "target/kdh-session.h"

G_BEGIN_DECLS

/* Output coalescing: one event per kind change, per step, or per this many
 * bytes, whichever comes first. */
#define KDH_ENGINE_OUTPUT_CHUNK_MAX (64 * 1024)

struct _KdhEngine
{
  KdhHost host;                   /* first: what the backend and commands talk to */
  GThread *thread;
  GMainContext *context;          /* the engine thread's */
  GAsyncQueue *commands;          /* KdhEngineCommand*, in order */
  GAsyncQueue *urgent;            /* KdhEngineCommand*, overtaking */
  guint next_token;               /* atomic */
  gint nice_wanted;               /* atomic: kdh_engine_set_background() */
  gint nice_applied;              /* the engine thread's */

  /* Delivery (kdh-engine-delivery.c), under out_lock. */
  GMutex out_lock;
  GPtrArray *subscriptions;       /* KdhEngineSubscription* */
  KdhEngineSubscription *front_end; /* the one kdh_engine_new() made */
  gboolean shutting_down;         /* no deliveries after free() */
  gint backlogged;                /* atomic: a subscriber is above the high-water mark */

  /* Snapshots for other threads, under snap_lock. */
  GMutex snap_lock;
  KdhConnState snap_state;
  gchar *snap_connection;
  GVariant *snap_peer_counters;
  GHashTable *front_commands;     /* a front end's commands: lower-case name -> id */
  gint trace;                     /* atomic booleans */
  gint initial_break;
  gint verbose;

  /* Engine thread only. */
  KdhBackend *backend;            /* a -k session or a -remote client; NULL: none */
  KdhSession *session;            /* the backend when it is a session */
  KdhCommands *cmds;
  guint quit_command;
  gboolean quit;
  gboolean busy;                  /* a command is running */
  GString *pending_output;
  KdhOutputKind pending_kind;
  gint64 pending_since;           /* when pending_output stopped being empty */
  KdhConnState state;
  KdhEvent *last_state;           /* for new subscribers */
  gchar *last_prompt;
  gchar *break_prompt;            /* the last prompt at a break ("0: kd> ") */
  gint last_ready;                /* -1: none sent yet */
  guint spin_looks;               /* kdh-engine-sleep.c */
  FILE *log;                      /* .logopen (kdh-engine-log.c); NULL: none */
  gchar *log_path;
};

typedef enum {
  CMD_ATTACH,
  CMD_EXECUTE,
  CMD_RESYNC,
  CMD_RESTART,
  CMD_CYCLE_BAUD,
  CMD_DETACH,
  CMD_BREAK,
  CMD_TRACE,
  CMD_INITIAL_BREAK,
  CMD_VERBOSE,
  CMD_QUIT,
  CMD_CONNECT_REMOTE,
  CMD_SUBSCRIBE,
  CMD_PRINT,
  CMD_OPEN_DUMP,
  CMD_QUERY,
} KdhEngineCommandKind;

typedef struct {
  KdhEngineCommandKind kind;
  guint token;
  gchar *text;
  gchar *origin;
  gboolean flag;
  KdhOutputKind output_kind;      /* PRINT */
  KdhEngineSubscription *subscription;  /* SUBSCRIBE: the engine's reference */
  KdhViewQuery query;             /* QUERY, with its address and count */
  guint64 address;
  guint count;
} KdhEngineCommand;

/* kdh-engine-sleep.c */
/* Reading from the target follows the subscribers' backlog: when to look
 * again (G_MAXINT64: no need). */
gint64   kdh_engine_throttle_input    (KdhEngine *engine);
/* Iterates the engine's context once, waking up by @wake_us at the latest
 * (G_MAXINT64: only when something happens); while the backend spins, one
 * look without blocking. */
void     kdh_engine_sleep_until       (KdhEngine *engine,
                                       gint64     wake_us);

/* kdh-engine.c */
KdhEngineCommand *kdh_engine_command_new (KdhEngine           *engine,
                                          KdhEngineCommandKind kind,
                                          const gchar         *text,
                                          const gchar         *origin,
                                          gboolean             flag);
/* Queues @cmd (urgent ones overtake) and wakes the engine thread; returns
 * its token. The engine thread owns @cmd from then on. */
guint    kdh_engine_push              (KdhEngine        *engine,
                                       KdhEngineCommand *cmd,
                                       gboolean          urgent);
guint    kdh_engine_post_command      (KdhEngine            *engine,
                                       KdhEngineCommandKind  kind,
                                       const gchar          *text,
                                       const gchar          *origin,
                                       gboolean              flag,
                                       gboolean              urgent);

/* kdh-engine-delivery.c */
/* On the engine thread: takes the priority kdh_engine_set_background() asked for. */
void     kdh_engine_apply_priority    (KdhEngine *engine);
void     kdh_engine_delivery_init     (KdhEngine *engine);
/* Stops every delivery and drops what is queued (free()). */
void     kdh_engine_delivery_shutdown (KdhEngine *engine);
void     kdh_engine_delivery_clear    (KdhEngine *engine);
/* Queues @event (taking it) for every subscriber; output collected so far
 * goes first. Engine thread. */
void     kdh_engine_post              (KdhEngine     *engine,
                                       KdhEvent      *event);
void     kdh_engine_output            (KdhEngine     *engine,
                                       KdhOutputKind  kind,
                                       const gchar   *text);
void     kdh_engine_printf            (KdhEngine     *engine,
                                       KdhOutputKind  kind,
                                       const gchar   *format,
                                       ...) G_GNUC_PRINTF (3, 4);
void     kdh_engine_flush_output      (KdhEngine     *engine);
/* Before the engine sleeps: flushes the output if it has waited long
 * enough for more to join it; returns when to look again (G_MAXINT64:
 * nothing is pending). */
gint64   kdh_engine_linger_output     (KdhEngine     *engine);
/* The front end's subscription, before the thread starts. */
KdhEngineSubscription *kdh_engine_subscribe_front_end (KdhEngine         *engine,
                                                       GMainContext      *context,
                                                       KdhEngineEventFunc func,
                                                       gpointer           user_data);
/* A subscription for kdh_engine_subscribe(), with a reference for the
 * engine thread to hand to kdh_engine_add_subscription(). */
KdhEngineSubscription *kdh_engine_subscribe_new (KdhEngine         *engine,
                                                 GMainContext      *context,
                                                 KdhEngineEventFunc func,
                                                 gpointer           user_data);
void kdh_engine_subscription_unref (KdhEngineSubscription *subscription);
/* Engine thread: adds a subscriber made by kdh_engine_subscribe() and
 * gives it the current state and prompt first. */
void     kdh_engine_add_subscription  (KdhEngine             *engine,
                                       KdhEngineSubscription *subscription);

/* kdh-engine-query.c: answers a view query with a QUERY_RESULT event.
 * Engine thread. */
void     kdh_engine_run_query         (KdhEngine        *engine,
                                       KdhEngineCommand *cmd);

/* kdh-engine-log.c: .logopen, .logappend, .logclose. The engine writes
 * every output event it queues to the open log. Engine thread. */
void     kdh_engine_log_add_commands  (KdhEngine      *engine);
void     kdh_engine_log_event         (KdhEngine      *engine,
                                       const KdhEvent *event);
void     kdh_engine_log_close         (KdhEngine      *engine);
/* @line is one log command: a remote client's engine runs it itself. */
gboolean kdh_engine_log_is_command    (const gchar    *line);
/* @line is one command added with kdh_engine_add_command(): run here too. */
gboolean kdh_engine_is_front_command (KdhEngine      *engine,
                                      const gchar    *line);

G_END_DECLS
