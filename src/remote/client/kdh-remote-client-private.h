/* kdh-remote-client-private.h: what the debugging client's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kdh-remote-client.h"
#include "remote/kdh-remote-string.h"

G_BEGIN_DECLS

typedef enum {
  PHASE_IDLE,
  PHASE_CONNECTING,
  PHASE_CONNECTED,
  PHASE_LOST,          /* the server died or stopped answering */
  PHASE_CLOSED,        /* disconnected on purpose, or never connected */
} Phase;

struct _KdhRemoteClient
{
  KdhBackend backend;            /* first: the engine drives it as its backend */
  /* The client outlives kdh_remote_client_free() while asynchronous
   * operations still hold it; host is NULL from then on, and their
   * callbacks only release what they got. */
  gint ref_count;
  KdhHost *host;
  GMainContext *context;         /* the engine thread's */
  Phase phase;

  KdhRemoteString *rs;
  gchar *peer;                   /* "127.0.0.1:5005", "pipe /run/user/1000/kdhost/x" */
  gchar *description;            /* "remote tcp 127.0.0.1:5005" */
  gchar *safe_string;            /* the -remote string, password hidden */

  GCancellable *cancellable;     /* every operation; cancelled on free */
  guint pending;                 /* asynchronous operations in flight */

  /* The connect step being waited for (one at a time). */
  gboolean step_done;
  GObject *step_object;          /* the stream or connection it produced */
  GError *step_error;
  GSocketListener *listener;     /* tcp:clicon */
  GList *clicon_addresses;       /* GInetAddress the dialling server may have */
  GList *trusted;                /* ssl Cert=: GTlsCertificate to trust */
  gchar *fingerprint;            /* ssl: the server certificate's SHA-256 */
  gchar *certificate_problem;    /* ssl: why it was not accepted */

  GDBusConnection *bus;
  guint signal_id;
  gulong closed_id;
  gchar *server_name;

  /* The mirrored state, as published. */
  KdhConnState state;
  gboolean published;            /* a state of ours reached the front ends */
  gchar *server_state_transport; /* the server's own transport description */
  gchar *prompt;
  gboolean ready;

  /* Output: every chunk once, in order of its sequence number. */
  guint64 expected;              /* the next chunk to post */
  GTree *held;                   /* seq -> Chunk that arrived ahead of a gap */
  gsize held_bytes;
  gboolean fetching;             /* a GetOutput is in flight */
  gboolean initial_fetch;        /* the history after Hello */
  guint64 acked;                 /* everything below this has been acked */
  gsize unacked_bytes;
  GSource *ack_timer;
  GSource *keepalive_timer;
  gboolean keepalive_pending;
  gboolean output_seen;          /* an Output signal since the last keepalive */

  gboolean quit_requested;
};

#define KEEPALIVE_TIMEOUT_MS    10000
#define CATCH_UP_US             (5 * G_USEC_PER_SEC)

typedef struct _KdhRemoteCall KdhRemoteCall;
typedef void (*KdhRemoteCallThen) (KdhRemoteClient *client,
                          GVariant        *reply,
                          const GError    *error);

struct _KdhRemoteCall {
  gint ref_count;              /* the callback's, plus a waiter's */
  KdhRemoteClient *client;     /* a reference */
  gboolean done;
  GVariant *reply;
  GError *error;
  KdhRemoteCallThen then;
};

/* kdh-remote-client-calls.c: D-Bus calls to the server, and the commands */
extern const KdhBackendClass _kdh_remote_client_backend_class;
/* Starts a call; returns it with a reference for the caller when @wait. */
KdhRemoteCall *_kdh_remote_client_call_start (KdhRemoteClient    *client,
                                              const gchar        *method,
                                              GVariant           *parameters,
                                              const GVariantType *reply_type,
                                              gint                timeout_ms,
                                              KdhRemoteCallThen   then,
                                              gboolean            wait);
/* Waits for @call; on failure the error is the call's (remote errors with
 * the server's message alone). */
gboolean       _kdh_remote_client_call_wait  (KdhRemoteClient  *client,
                                              KdhRemoteCall    *call,
                                              GError          **error);
void           _kdh_remote_client_call_unref (KdhRemoteCall *call);
/* Done, or the connection is gone: for the host's wait. */
gboolean       _kdh_remote_client_call_finished (gpointer call);
gboolean       _kdh_remote_client_require_connected (KdhRemoteClient *client,
                                                     GError         **error);
gchar         *_kdh_remote_client_lost_message (KdhRemoteClient *client);

/* kdh-remote-client-output.c */
void     _kdh_remote_client_chunk_free   (gpointer chunk);
gint     _kdh_remote_client_compare_seq  (gconstpointer a,
                                          gconstpointer b,
                                          gpointer      data);
/* A chunk of output numbered @seq: posted in order, held ahead of a gap. */
void     _kdh_remote_client_receive_chunk (KdhRemoteClient *client,
                                           guint64          seq,
                                           const gchar     *kind,
                                           const gchar     *origin,
                                           const gchar     *text);
/* Fetches what is missing with GetOutput. */
void     _kdh_remote_client_fetch_output (KdhRemoteClient *client);
/* Acknowledges what has been posted. */
void     _kdh_remote_client_send_ack     (KdhRemoteClient *client);

/* kdh-remote-client.c */
/* Every chunk of output the server has sent so far has been posted. */
gboolean _kdh_remote_client_caught_up (gpointer client);
KdhRemoteClient *_kdh_remote_client_ref   (KdhRemoteClient *client);
void             _kdh_remote_client_unref (KdhRemoteClient *client);
/* Publishes @state with the transport "remote tcp host:port — <the
 * server's transport>". */
void     _kdh_remote_client_publish   (KdhRemoteClient *client,
                                       KdhConnState     state,
                                       const gchar     *reason,
                                       guint            attempt,
                                       const gchar     *target);
/* Waits (through the host's wait) until the current step is done or
 * @deadline_us passes; on a timeout the step is cancelled and @timeout_message
 * becomes the error. */
gboolean _kdh_remote_client_wait_step (KdhRemoteClient  *client,
                                       gint64            deadline_us,
                                       const gchar      *timeout_message,
                                       GError          **error);
void     _kdh_remote_client_begin_step (KdhRemoteClient *client);
/* An asynchronous step's completion: takes @object and @error. */
void     _kdh_remote_client_end_step   (KdhRemoteClient *client,
                                        GObject         *object,
                                        GError          *error);

/* kdh-remote-client-stream.c: the byte stream to the server, by kind
 * (tcp, tcp clicon, npipe, ssl, com). Fills in peer and description
 * first, so that a failure can name them. */
void       _kdh_remote_client_describe    (KdhRemoteClient *client);
GIOStream *_kdh_remote_client_open_stream (KdhRemoteClient  *client,
                                           GError          **error);

G_END_DECLS
