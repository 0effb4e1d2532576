/* kdh-server.h: the debugging servers (.server), shared with remote clients
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KdhServerSet is a front end of one engine, made by the front end that
 * offers remote debugging (kdhost, kdhost-cli): it runs on a thread of its
 * own, receives every engine event through a subscription, and adds the
 * commands .server, .servers, .endsrv and .clients to the engine. It holds
 * every server started with them (or with -server, which the front ends
 * turn into .server), the clients connected to them, and the output
 * history they share. Clients speak org.kdhost.Session1
 * (remote/kdh-remote-protocol.h) over D-Bus peer to peer; their commands
 * go through the engine's command queue like the local user's, with their
 * name as origin. It uses the engine's public API only.
 */
#pragma once

#include <glib.h>

#include "engine/kdh-engine.h"

G_BEGIN_DECLS

typedef struct _KdhServerSet KdhServerSet;

/* Starts the servers' thread and adds the commands. Call it from the front
 * end's thread, after kdh_engine_new(). */
KdhServerSet *kdh_server_set_new  (KdhEngine    *engine);
/* Removes the commands, closes every server and client (bounded) and
 * stops the thread. Before kdh_engine_free(). */
void          kdh_server_set_free (KdhServerSet *set);

G_END_DECLS
