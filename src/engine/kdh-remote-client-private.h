/* kdh-remote-client-private.h: what the debugging client's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kdh-remote-client.h"
#include "kdh-remote-string.h"

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
  /* The client outlives kdh_remote_client_free() while asynchronous
   * operations still hold it; engine is NULL from then on, and their
   * callbacks only release what they got. */
  gint ref_count;
  KdhEngine *engine;
  GMainContext *context;         /* the engine's */
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

/* kdh-remote-client.c */
KdhRemoteClient *_kdh_remote_client_ref   (KdhRemoteClient *client);
void             _kdh_remote_client_unref (KdhRemoteClient *client);
/* Publishes @state with the transport "remote tcp host:port — <the
 * server's transport>". */
void     _kdh_remote_client_publish   (KdhRemoteClient *client,
                                       KdhConnState     state,
                                       const gchar     *reason,
                                       guint            attempt,
                                       const gchar     *target);
/* Waits (through kdh_engine_wait) until the current step is done or
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
