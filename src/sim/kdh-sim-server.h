/* kdh-sim-server.h: runs a simulated target on a byte stream
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Glue between a KdhSimTarget, a KdhSimLine and a file descriptor: reads
 * what the host writes, feeds it through the line into the target, writes
 * the target's output back through the line, and keeps the target's and
 * the line's timers on the thread-default main context of the thread that
 * created it. One host at a time: when the descriptor reaches EOF or
 * fails, the target carries on as a machine whose cable was pulled, and a
 * new descriptor can be attached (a VM serial socket gets a new client).
 *
 * kdhost-sim wraps it with endpoints (listen, connect, pty); the engine's
 * in-process `sim:` transport runs it on a thread of its own over one end
 * of a socket pair (kdh_sim_thread_*).
 */
#pragma once

#include <glib.h>

#include "kdh-sim-options.h"
#include "kdh-sim-target.h"

G_BEGIN_DECLS

typedef struct _KdhSimServer KdhSimServer;

/* The server's sources go to the thread-default main context of the
 * calling thread; the target starts running at once, with or without a
 * host. */
KdhSimServer *kdh_sim_server_new  (const KdhSimOptions *opts);
void          kdh_sim_server_free (KdhSimServer *server);

/* Takes ownership of @fd (made non-blocking) and starts serving it. Any
 * previous descriptor is closed first. */
void          kdh_sim_server_attach_fd (KdhSimServer *server,
                                        int           fd);
/* Closes the descriptor without calling the detached function. */
void          kdh_sim_server_detach    (KdhSimServer *server);
gboolean      kdh_sim_server_is_attached (KdhSimServer *server);
/* Handles what the descriptor has ready right now (bytes, a hang-up)
 * without waiting for the main loop to get round to it, and returns
 * whether a host is still attached. A listener calls it before refusing a
 * newcomer: the host it would refuse for may have just hung up. May call
 * the detached function. */
gboolean      kdh_sim_server_refresh   (KdhSimServer *server);

/* Called on the server's main context when the host side closes or fails
 * (after the descriptor has been closed). It may attach a new descriptor,
 * but must not free the server. */
void          kdh_sim_server_set_detached_func (KdhSimServer *server,
                                                void        (*func) (KdhSimServer *server,
                                                                     gpointer      user_data),
                                                gpointer      user_data);

/* The target the server runs, for tests and benchmarks: only on the
 * server's own thread. */
KdhSimTarget *kdh_sim_server_get_target (KdhSimServer *server);

/* A copy of the target's counters; callable from any thread. */
void          kdh_sim_server_get_counters (KdhSimServer   *server,
                                           KdhSimCounters *out);

/* A simulated target on a thread of its own, serving one end of a Unix
 * socket pair; the other end is returned in *host_fd for the caller. */
typedef struct _KdhSimThread KdhSimThread;

KdhSimThread *kdh_sim_thread_start (const KdhSimOptions *opts,
                                    int                 *host_fd,
                                    GError             **error);
/* Stops the thread and frees everything; the host end is not closed. */
void          kdh_sim_thread_stop  (KdhSimThread *thread);
void          kdh_sim_thread_get_counters (KdhSimThread   *thread,
                                           KdhSimCounters *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhSimServer, kdh_sim_server_free)

G_END_DECLS
