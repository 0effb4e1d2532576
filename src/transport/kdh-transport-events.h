/* kdh-transport-events.h: the queue of what a transport tells its owner
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inside this library. kdh_transport_emit_waiting() and
 * kdh_transport_fail_open() (kdh-transport-kind.h) queue through it too.
 */
#pragma once

#include "kdh-transport-kind.h"

G_BEGIN_DECLS

void kdh_transport_queue_opened   (KdhTransport *self);
/* Bytes behind other queued events (they join the last batch). */
void kdh_transport_queue_received (KdhTransport *self,
                                   const guint8 *data,
                                   gsize         len);
/* Takes @error. */
void kdh_transport_queue_closed   (KdhTransport *self,
                                   GError       *error);
/* Drops what is queued: nothing more reaches the callbacks. */
void kdh_transport_clear_events   (KdhTransport *self);

G_END_DECLS
