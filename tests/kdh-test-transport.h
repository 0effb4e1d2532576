/* kdh-test-transport.h: a transport's fixture, and the far ends of its streams
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs on a main context of its own, pushed as the thread
 * default the way the engine thread does it, and waits on it with a
 * bounded timeout; the other end of each stream lives on the same context,
 * so nothing sleeps. Only loopback addresses are used.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "transport/kdh-connection-string.h"
#include "transport/kdh-transport.h"

#define TIMEOUT_S 10

typedef struct {
  GMainContext *context;
  KdhTransport *transport;
  gboolean in_call;            /* inside a call into the transport */
  gboolean free_on_opened;

  guint opened;
  guint waiting;
  guint closed;
  GByteArray *received;
  gchar *waiting_reason;
  gboolean waiting_retrying;
  GError *closed_error;
  GString *log;                /* "opened;waiting;closed;..." */

  /* The far end of a pty. */
  int master;
  gchar *slave_path;
  GSource *master_source;
  GByteArray *master_data;
  gboolean master_eof;

  gchar *tmpdir;
  GHashTable *fds_at_start;
} KdhTransportFixture;

/* The far end of a socket: reads into a buffer as bytes arrive. */
typedef struct {
  GSocketConnection *connection;
  GSource *source;
  GByteArray *data;
  gboolean eof;
} KdhTestPeer;

/* A listening end that accepts one connection per kdh_test_server_accept(). */
typedef struct {
  GSocketListener *listener;
  GCancellable *cancellable;
  gboolean accepting;
  KdhTestPeer *peer;                  /* the last accepted */
  guint accepted;
} KdhTestServer;

/* Records every callback of a transport made with kdh_test_transport_new(). */
extern const KdhTransportCallbacks kdh_test_transport_callbacks;

void          kdh_test_transport_setup    (KdhTransportFixture *f,
                                           gconstpointer        data);
void          kdh_test_transport_teardown (KdhTransportFixture *f,
                                           gconstpointer        data);
gboolean      kdh_test_transport_on_timeout (gpointer user_data);

/* Runs @f's context until @cond holds, failing after TIMEOUT_S. */
#define WAIT_FOR(f, cond)                                                       \
  G_STMT_START {                                                                \
    GSource *timeout_ = g_timeout_source_new_seconds (TIMEOUT_S);               \
    gboolean expired_ = FALSE;                                                  \
    g_source_set_callback (timeout_, kdh_test_transport_on_timeout, &expired_, NULL);              \
    g_source_attach (timeout_, (f)->context);                                   \
    while (!(cond) && !expired_)                                                \
      g_main_context_iteration ((f)->context, TRUE);                            \
    g_source_destroy (timeout_);                                                \
    g_source_unref (timeout_);                                                  \
    if (!(cond))                                                                \
      g_error ("timed out after %d s waiting for %s (events: %s)",              \
               TIMEOUT_S, #cond, (f)->log->str);                                \
  } G_STMT_END

/* Runs @f's context for @ms: only to see that something does NOT happen
 * within a window several times longer than the interval it would. */
void          kdh_test_transport_run_for  (KdhTransportFixture *f,
                                           guint                ms);
/* Dispatches whatever is ready now, without waiting. */
void          kdh_test_transport_drain    (KdhTransportFixture *f);
KdhTransport *kdh_test_transport_new      (KdhTransportFixture *f,
                                           const gchar         *text);
gboolean      kdh_test_transport_open     (KdhTransportFixture *f,
                                           GError             **error);
void          kdh_test_transport_write    (KdhTransportFixture *f,
                                           const gchar         *text);
gboolean      kdh_test_transport_received_is (KdhTransportFixture *f,
                                              const gchar         *text);
gboolean      kdh_test_bytes_are          (GByteArray          *bytes,
                                           const gchar         *text);
/* A socket's path in the fixture's own directory. */
gchar        *kdh_test_transport_socket_path (KdhTransportFixture *f);

KdhTestPeer  *kdh_test_peer_new           (GSocketConnection   *connection);
void          kdh_test_peer_write         (KdhTestPeer         *peer,
                                           const gchar         *text);
void          kdh_test_peer_free          (KdhTestPeer         *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhTestPeer, kdh_test_peer_free)

void           kdh_test_server_accept         (KdhTestServer       *server);
/* Listens on @address; *@effective (when not NULL): where, with the port. */
KdhTestServer *kdh_test_server_new            (GSocketAddress      *address,
                                               GSocketAddress     **effective);
/* Stops listening (the socket file stays, refusing) but keeps any
 * accepted connection. */
void           kdh_test_server_stop_listening (KdhTransportFixture *f,
                                               KdhTestServer       *server);
void           kdh_test_server_free           (KdhTransportFixture *f,
                                               KdhTestServer       *server);
KdhTestServer *kdh_test_unix_server_new       (const gchar         *path);
KdhTestServer *kdh_test_tcp_server_new        (const gchar         *host,
                                               guint16             *port);
