/* kdh-server-private.h: what the debugging server's parts share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-server.c          the set and its thread, the engine events: fan-out,
 *                       command replies, announcements
 * kdh-server-commands.c .server, .servers, .endsrv, .clients
 * kdh-server-batch.c    output gathered into chunks (the batching policy)
 * kdh-server-history.c  the numbered output history (GetOutput, late joiners)
 * kdh-server-listen.c   one server: tcp, clicon, npipe, ssl and com transports
 * kdh-server-client.c   one client: its D-Bus connection, Hello, the methods
 * kdh-server-output.c   one client's output flow (Output signals, acks)
 * kdh-server-stream.c   the stream under each D-Bus connection: message size
 *                       limit, garbage detection, back-pressure
 *
 * Everything runs on the set's own thread (its context) except the stream,
 * whose I/O runs in GDBus's worker thread (and its authentication thread),
 * and the commands' functions, which the engine calls on its thread and
 * which hand their work to the set's thread (kdh-server-commands.c).
 */
#pragma once

#include <gio/gio.h>

#include "kdh-server.h"
#include "kdh-server-batch.h"
#include "remote/kdh-remote-protocol.h"
#include "remote/kdh-remote-string.h"

G_BEGIN_DECLS

/* Connections that have not said Hello yet, beyond which new ones are
 * closed at once (a flood of silent connections cannot exhaust anything). */
#define KDH_SERVER_MAX_PENDING      16
/* Commands one client may have queued at once. */
#define KDH_SERVER_MAX_EXECUTES     16
/* One Execute reply's output; the rest is still sent as Output signals. */
#define KDH_SERVER_MAX_REPLY_OUTPUT (1024 * 1024)
/* How much output the history keeps: what a late joiner is shown
 * (KDH_REMOTE_HISTORY_BYTES) is the recent part of it; the rest is there
 * for clients that were paused and resume. */
#define KDH_SERVER_KEEP_BYTES       (2 * KDH_REMOTE_MAX_UNACKED)
/* One Output signal's text; longer output is split. */
#define KDH_SERVER_CHUNK_MAX        (64 * 1024)
/* What one Output signal costs the server while GDBus holds it for a
 * client: the text twice (the message's body and its serialized copy) and
 * the message around it. Flow control counts this, not the bare text, so
 * that a flood of small chunks is bounded too. */
#define KDH_SERVER_SIGNAL_COST(len) (2 * (guint64) (len) + 1024)
/* A refused client gets this long to read its error before it is cut. */
#define KDH_SERVER_REFUSE_GRACE_MS  2000

/* ---- The stream (kdh-server-stream.c) ---------------------------------- */

#define KDH_TYPE_SERVER_STREAM (kdh_server_stream_get_type ())
G_DECLARE_FINAL_TYPE (KdhServerStream, kdh_server_stream, KDH, SERVER_STREAM, GIOStream)

/* Wraps @base for GDBus: refuses (with a read error, which closes the D-Bus
 * connection) an authentication line or a message longer than the limits,
 * and bytes that are not D-Bus; stops reading the peer while a write to it
 * is stuck. @abort (also given to g_dbus_connection_new) cancels every
 * operation on @base. */
KdhServerStream *kdh_server_stream_new           (GIOStream    *base,
                                                  GCancellable *abort,
                                                  gsize         max_message);
/* Why the stream refused the peer (NULL: it did not). Any thread. */
gchar           *kdh_server_stream_dup_violation (KdhServerStream *self);
/* Bytes written to the peer so far, and whether a write has been waiting
 * for the peer to read for more than half a second. Any thread. */
guint64          kdh_server_stream_get_written   (KdhServerStream *self);
gboolean         kdh_server_stream_write_blocked (KdhServerStream *self);

/* ---- The history (kdh-server-history.c) -------------------------------- */

typedef struct {
  guint64 seq;
  KdhOutputKind kind;
  gchar *origin;               /* "" unless an echo of a client's command */
  gchar *text;                 /* valid UTF-8 */
  gsize len;
  guint64 cost;                /* KDH_SERVER_SIGNAL_COST (len) */
  guint64 end;                 /* cost of all chunks so far, this one included */
} KdhServerChunk;

typedef struct _KdhServerHistory KdhServerHistory;

KdhServerHistory     *kdh_server_history_new       (gsize             max_bytes);
void                  kdh_server_history_free      (KdhServerHistory *history);
/* Adds @text as one chunk or more (at most KDH_SERVER_CHUNK_MAX bytes
 * each, split at line ends where it can), made valid UTF-8. Returns how
 * many chunks it added. */
guint                 kdh_server_history_append    (KdhServerHistory *history,
                                                    KdhOutputKind     kind,
                                                    const gchar      *origin,
                                                    const gchar      *text);
guint64               kdh_server_history_next_seq  (KdhServerHistory *history);
/* The first chunk of the newest @bytes of history: where a late joiner
 * starts. */
guint64               kdh_server_history_recent_seq (KdhServerHistory *history,
                                                     gsize             bytes);
/* Cost of all chunks ever added (a chunk's "end" when it is the last). */
guint64               kdh_server_history_end       (KdhServerHistory *history);
/* The oldest chunk kept; the next sequence number when empty. */
guint64               kdh_server_history_first_seq (KdhServerHistory *history);
/* Where chunk @seq ended (its "end"), known for longer than its text:
 * for acknowledgements. FALSE when too old or not there yet. */
gboolean              kdh_server_history_end_of    (KdhServerHistory *history,
                                                    guint64           seq,
                                                    guint64          *end);
/* NULL when @seq is gone or not there yet. */
const KdhServerChunk *kdh_server_history_get       (KdhServerHistory *history,
                                                    guint64           seq);
const gchar          *kdh_server_output_kind_id    (KdhOutputKind     kind);

/* ---- Servers, clients, the set ----------------------------------------- */

typedef struct _KdhServer KdhServer;
typedef struct _KdhServerClient KdhServerClient;

typedef struct {
  guint token;
  KdhServerClient *client;     /* a ref; NULL once that client is gone */
  GDBusMethodInvocation *invocation;
  GString *output;
  gsize dropped;               /* bytes past KDH_SERVER_MAX_REPLY_OUTPUT */
  gboolean query;              /* a Query, answered by QUERY_RESULT */
} KdhServerPending;

struct _KdhServerSet
{
  KdhEngine *engine;
  GThread *thread;
  GMainContext *context;       /* the set's thread's */
  GMainLoop *loop;
  KdhEngineSubscription *subscription;
  guint command_ids[4];        /* .server, .servers, .endsrv, .clients */
  gboolean closing;            /* shutting down: no new servers */
  gboolean recording;          /* output goes into the history: since the first
                                  server started (after its .server's echo) */
  GMutex job_lock;             /* a command's work handed to this thread */
  GCond job_cond;
  GString *job_output;         /* what the running command prints, or NULL */
  GList *servers;              /* KdhServer*, accepting clients, by id */
  guint next_server_id;
  GList *clients;              /* KdhServerClient*, from accept to goodbye */
  guint next_client_id;
  KdhServerHistory *history;
  GHashTable *pending;         /* token -> KdhServerPending* */
  KdhServerPending *current;   /* the client command running now */
  GVariant *state;             /* StateChanged's (ssuss), made valid UTF-8;
                                  NULL until the first STATE event */
  gchar *prompt;
  gboolean ready;
  GDBusNodeInfo *node;
  GDBusAuthObserver *observer;
  /* Output not in the history yet (kdh-server-batch.h). */
  KdhServerBatch batch;
  GSource *batch_source;       /* sends what is held when its delay is up */
  gint64 batch_due_us;         /* when batch_source fires */
};

struct _KdhServer
{
  KdhServerSet *set;
  guint id;
  KdhRemoteString *rs;
  guint16 port;                /* in use (a range picks one) */
  gchar *remote;               /* the -remote string, password as * */
  gchar *describe;             /* "tcp port 5005", for messages */
  GSocketService *service;     /* tcp, npipe, ssl */
  gchar *socket_path;          /* npipe: removed when the server ends */
  GTlsCertificate *certificate;
  GCancellable *cancellable;   /* clicon's dial, com's open */
  GSource *retry;              /* clicon redial, com reopen */
  KdhServerClient *single;     /* clicon, com: the one client */
  gboolean warned_dial;
};

typedef enum {
  KDH_CLIENT_HANDSHAKE,        /* TLS, then D-Bus authentication */
  KDH_CLIENT_HELLO,            /* D-Bus up, waiting for Hello */
  KDH_CLIENT_GREETED,          /* a participant: gets output, runs commands */
  KDH_CLIENT_REFUSED,          /* told why, closing */
  KDH_CLIENT_GONE,
} KdhClientPhase;

struct _KdhServerClient
{
  gint ref_count;
  KdhServerSet *set;           /* NULL once gone */
  KdhServer *server;           /* NULL once its server ended */
  guint id;
  guint server_id;
  KdhRemoteKind kind;
  gchar *transport;            /* "tcp 127.0.0.1:40122" */
  gchar *peer;                 /* "127.0.0.1", for a client without a name */
  gchar *name;                 /* user@machine, once known */
  gchar *password;             /* the server's; NULL: none */
  GIOStream *raw;              /* what was accepted (TLS: the TLS connection) */
  GSocket *socket;             /* under it, or NULL (com) */
  KdhServerStream *stream;
  GCancellable *cancellable;   /* aborts every operation of this client */
  GDBusConnection *connection;
  guint registration;
  guint bus_shim;              /* org.freedesktop.DBus.Hello, for gdbus */
  gulong closed_handler;
  GSource *hello_timer;
  GSource *refuse_timer;
  KdhClientPhase phase;
  gboolean announced;
  gint64 last_activity;        /* monotonic */
  /* Output flow (kdh-server-client.c). */
  guint64 floor_seq;           /* GetOutput goes no further back (late joiners) */
  guint64 next_seq;            /* the next chunk to signal */
  guint64 sent_end;            /* history end of the last chunk signalled (cost units) */
  guint64 acked_end;           /* ... of the last one acknowledged */
  gboolean stalled;
  gboolean state_missed;
  gboolean prompt_missed;
  guint n_executes;
};

/* kdh-server-commands.c */
void     kdh_server_set_add_commands    (KdhServerSet *set);
void     kdh_server_set_remove_commands (KdhServerSet *set);

/* kdh-server.c */
/* Something the server has to say: into the output of the command that
 * runs now (.server), or into the session's output for everyone. */
void     kdh_server_set_notice        (KdhServerSet *set,
                                       KdhOutputKind kind,
                                       const gchar  *format,
                                       ...) G_GNUC_PRINTF (3, 4);
/* Puts the output batched so far into the history and sends it to every
 * client: before anything that must come after it (a state or prompt
 * change, a command's reply, a GetOutput). */
void     kdh_server_set_seal_output   (KdhServerSet *set);
guint    kdh_server_set_count_clients (KdhServerSet  *set,
                                       KdhClientPhase phase);
void     kdh_server_set_execute       (KdhServerSet          *set,
                                       KdhServerClient       *client,
                                       GDBusMethodInvocation *invocation,
                                       const gchar           *line);
/* A client's Query: answered from the engine's QUERY_RESULT event. */
void     kdh_server_set_query         (KdhServerSet          *set,
                                       KdhServerClient       *client,
                                       GDBusMethodInvocation *invocation,
                                       guint                  query,
                                       guint64                address,
                                       guint                  count);
/* GetState's reply, floating. */
GVariant *kdh_server_set_get_state    (KdhServerSet *set);

/* kdh-server-client.c */
KdhServerClient *kdh_server_client_new    (KdhServerSet  *set,
                                           KdhServer     *server,
                                           const gchar   *transport,
                                           const gchar   *peer);
KdhServerClient *kdh_server_client_ref    (KdhServerClient *client);
void             kdh_server_client_unref  (KdhServerClient *client);
/* Runs D-Bus over @raw (after any TLS handshake). */
void             kdh_server_client_start  (KdhServerClient *client,
                                           GIOStream       *raw,
                                           GSocket         *socket);
/* Ends the client now; @reason (may be NULL) goes to the log. */
void             kdh_server_client_finish (KdhServerClient *client,
                                           const gchar     *reason);
/* kdh-server-output.c */
void             kdh_server_client_pump   (KdhServerClient *client);
/* Bytes signalled to @client and not acknowledged yet. */
guint64          kdh_server_client_unacked (KdhServerClient *client);
/* @client has everything up to chunk @seq (Ack, GetOutput). */
void             kdh_server_client_acknowledge (KdhServerClient *client,
                                                guint64          seq);
void             kdh_server_client_signal_state  (KdhServerClient *client);
void             kdh_server_client_signal_prompt (KdhServerClient *client);
gchar           *kdh_server_client_describe (KdhServerClient *client);
const gchar     *kdh_server_client_name   (KdhServerClient *client);

/* kdh-server-listen.c */
KdhServer *kdh_server_start  (KdhServerSet     *set,
                              KdhRemoteString  *rs,
                              GError          **error);
/* Stops accepting; the clients stay. Frees @server. */
void       kdh_server_stop   (KdhServer        *server);
/* The host names and addresses clients can use for this server. */
GPtrArray *kdh_server_hosts  (KdhServer        *server);
/* A clicon or com server's client went away: dial or open again. */
void       kdh_server_single_gone (KdhServer       *server,
                                   KdhServerClient *client);

G_END_DECLS
