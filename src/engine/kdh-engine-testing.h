/* kdh-engine-testing.h: what tests and benchmarks look at inside the engine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not for front ends: these probe the engine's flow control and the far
 * end of its connection, so that tests can check what must always hold.
 */
#pragma once

#include "kdh-engine.h"

G_BEGIN_DECLS

/* The front end's undelivered events in bytes now, and the most it has
 * been (@peak, may be NULL). Any thread. */
gsize     kdh_engine_get_backlog         (KdhEngine *engine,
                                          gsize     *peak);
/* The far end's own counters (a{st}; the in-process simulator's), as the
 * connection last reported them, or NULL. Any thread. */
GVariant *kdh_engine_dup_peer_counters   (KdhEngine *engine);

G_END_DECLS
