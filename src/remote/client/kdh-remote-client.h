/* kdh-remote-client.h: the engine as a debugging client (-remote)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engine thread only. Instead of a kernel connection of its own, the
 * engine proxies a debugging server's session (kdh-remote-protocol.h):
 * the server's state, prompt and output become the engine's events, and
 * the engine's commands become calls to the server. Front ends cannot
 * tell the difference, except for the transport description ("remote tcp
 * host:5005 — pipe /run/vm.sock").
 */
#pragma once

#include <glib.h>

#include "target/kdh-backend.h"
#include "target/kdh-host.h"

G_BEGIN_DECLS

#define KDH_REMOTE_CLIENT_ERROR (kdh_remote_client_error_quark ())
GQuark kdh_remote_client_error_quark (void);

typedef enum {
  KDH_REMOTE_CLIENT_ERROR_FAILED,
  /* (A command that failed on the server, which has shown its error to
   * every participant already, fails with KDH_BACKEND_ERROR_REPORTED.) */
  KDH_REMOTE_CLIENT_ERROR_NOT_CONNECTED,
  KDH_REMOTE_CLIENT_ERROR_NOT_ALLOWED,
} KdhRemoteClientError;

typedef struct _KdhRemoteClient KdhRemoteClient;

/* @host must outlive the client. */
KdhRemoteClient *kdh_remote_client_new        (KdhHost *host);
/* The client as the engine's backend; freeing that frees the client. */
KdhBackend      *kdh_remote_client_as_backend (KdhRemoteClient *client);
/* Disconnects (announcing it when a session was up) and frees. May wait
 * briefly on the engine's context for calls in flight to end. */
void             kdh_remote_client_free       (KdhRemoteClient *client);

/* Parses @remote_string (a -remote string), connects, authenticates with
 * Hello, mirrors the server's state and starts the output stream, the
 * keepalive and the acknowledgements. Waits through the host's wait, so
 * detach and quit can interrupt it. Errors name what failed ("cannot
 * connect to 127.0.0.1:5005: Connection refused", "The server refused the
 * password."). */
gboolean  kdh_remote_client_connect      (KdhRemoteClient  *client,
                                          const gchar      *remote_string,
                                          GError          **error);
gboolean  kdh_remote_client_is_connected (KdhRemoteClient *client);

/* Runs @line on the server and waits for its reply. "q" does not reach
 * the server: it asks for a disconnection (see quit_requested). */
gboolean  kdh_remote_client_execute      (KdhRemoteClient  *client,
                                          const gchar      *line,
                                          GError          **error);
gboolean  kdh_remote_client_quit_requested (KdhRemoteClient *client);
gboolean  kdh_remote_client_resync       (KdhRemoteClient  *client,
                                          GError          **error);
gboolean  kdh_remote_client_cycle_baud   (KdhRemoteClient  *client,
                                          GError          **error);
/* Always refused, with KD's rule, without asking the server. */
gboolean  kdh_remote_client_restart      (KdhRemoteClient  *client,
                                          GError          **error);
/* Break in; does not wait. */
void      kdh_remote_client_interrupt    (KdhRemoteClient *client);

/* The server's prompt while connected ("kd> " and ready otherwise). */
gchar    *kdh_remote_client_dup_prompt   (KdhRemoteClient *client,
                                          gboolean        *ready);
/* The -remote string with the password hidden, for "connection options". */
gchar    *kdh_remote_client_dup_string   (KdhRemoteClient *client);

G_END_DECLS
