/* kdh-server-batch.h: output gathered into chunks for the clients
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The debugging server's batching policy (kdh-server.c explains why it
 * batches), apart from the clock and the main loop: the caller says what
 * time it is and keeps the timer, so that the policy can be checked
 * against a clock a test sets. Output of one kind and origin is held
 * while it comes faster than KDH_SERVER_BATCH_DELAY_US after the last
 * chunk went out, up to KDH_SERVER_BATCH_BYTES; an echo (one command
 * line), a change of kind or origin and output after a quiet spell go out
 * at once. A chunk is always whole pieces of text as they were added, in
 * order.
 */
#pragma once

#include <glib.h>

#include "target/kdh-event.h"

G_BEGIN_DECLS

/* Consecutive output of one kind and origin goes out as one chunk (one
 * Output signal) of at most this much text ... */
#define KDH_SERVER_BATCH_BYTES      (16 * 1024)
/* ... at most this long after the chunk before it. Output on a quiet link
 * goes out at once; only while it flows are chunks held this long, so that
 * each client gets at most one signal per interval instead of one per line
 * (every signal costs a serialization, a write and several thread
 * wake-ups on both ends). */
#define KDH_SERVER_BATCH_DELAY_US   (1 * 1000)

/* Called with each chunk that is complete, in order. */
typedef void (*KdhServerBatchFunc) (KdhOutputKind  kind,
                                    const gchar   *origin,
                                    const gchar   *text,
                                    gpointer       data);

typedef struct {
  GString *text;               /* held, not sent yet */
  KdhOutputKind kind;
  gchar *origin;               /* "" for none */
  gint64 last_sent_us;         /* when the last chunk went out */
  KdhServerBatchFunc func;
  gpointer data;
} KdhServerBatch;

void   kdh_server_batch_init  (KdhServerBatch     *batch,
                               KdhServerBatchFunc  func,
                               gpointer            data);
/* Drops what is held without sending it. */
void   kdh_server_batch_clear (KdhServerBatch *batch);
/* Adds @text (output of @kind from @origin, NULL for none) at @now_us
 * (monotonic), sending whatever that completes. Returns when what is held
 * must go out (call kdh_server_batch_send() then), or 0 when nothing is
 * held. */
gint64 kdh_server_batch_add   (KdhServerBatch *batch,
                               KdhOutputKind   kind,
                               const gchar    *origin,
                               const gchar    *text,
                               gint64          now_us);
/* Sends what is held, if anything, as one chunk. */
void   kdh_server_batch_send  (KdhServerBatch *batch,
                               gint64          now_us);

G_END_DECLS
