/* kdh-server.h: the debugging server (.server), shared with remote clients
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engine thread only. A KdhServerSet holds every server started with
 * .server (or -server, which the front ends turn into .server), the
 * clients connected to them, and the output history they share. Clients
 * speak org.kdhost.Session1 (kdh-remote-protocol.h) over D-Bus peer to
 * peer; their commands go through the engine's command queue like the
 * local user's, with their name as origin.
 */
#pragma once

#include <glib.h>

#include "kdh-engine-private.h"

G_BEGIN_DECLS

KdhServerSet *kdh_server_set_new   (KdhEngine    *engine);
/* Closes every server and client; runs the engine context (bounded) until
 * their connections are gone. */
void          kdh_server_set_free  (KdhServerSet *set);

/* .server STRING: starts a server and prints how clients connect. */
gboolean      kdh_server_set_start (KdhServerSet  *set,
                                    const gchar   *text,
                                    GError       **error);
/* .servers: the running servers with their -remote strings (passwords
 * as *); hidden ones only when @show_hidden (the local user). */
void          kdh_server_set_list  (KdhServerSet  *set,
                                    gboolean       show_hidden);
/* .endsrv N: server N accepts no new clients; its clients stay. */
gboolean      kdh_server_set_end   (KdhServerSet  *set,
                                    guint          id,
                                    GError       **error);
/* .clients: who is connected, over what, and when they were last heard. */
void          kdh_server_set_list_clients (KdhServerSet *set);

G_END_DECLS
