/* kdh-sim-line.h: the simulated serial line between host and target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Carries bytes both ways and does to them what a bad line does: drops,
 * garbles and repeats bytes, stalls, and limits the rate to that of a UART
 * at a given baud rate. Faults are drawn from a seeded generator, so a run
 * is reproducible.
 *
 * Fault rates are per packet, not per byte: at 1 % per byte no packet of
 * 4 KiB would ever cross intact (0.99^4000 is about 3e-18), and a memory
 * read could not complete. Each packet the target sends is hit with the
 * given probability (one byte dropped, garbled or repeated at a random
 * offset). The host's bytes arrive as a stream with no packet boundaries
 * known to the line, so each of them is hit with probability P/64: the same
 * rate for a 64-byte packet, about the size of a request or two ACKs.
 */
#pragma once

#include <glib.h>

#include "kdh-sim-options.h"

G_BEGIN_DECLS

typedef struct {
  guint64 dropped;
  guint64 corrupted;
  guint64 duplicated;
  guint64 stalls;
} KdhSimLineStats;

typedef struct _KdhSimLine KdhSimLine;

KdhSimLine *kdh_sim_line_new  (const KdhSimOptions *opts);
void        kdh_sim_line_free (KdhSimLine *line);

/* One unit (a packet, or a lone byte) from the target towards the host. */
void     kdh_sim_line_to_host        (KdhSimLine   *line,
                                      const guint8 *unit,
                                      gsize         len,
                                      gint64        now_us);
/* Bytes from the host towards the target, as read from the transport. */
void     kdh_sim_line_from_host      (KdhSimLine   *line,
                                      const guint8 *data,
                                      gsize         len,
                                      gint64        now_us);
/* The bytes that have crossed the line by @now_us, appended to @out. */
gboolean kdh_sim_line_take_to_host   (KdhSimLine *line,
                                      gint64      now_us,
                                      GByteArray *out);
gboolean kdh_sim_line_take_from_host (KdhSimLine *line,
                                      gint64      now_us,
                                      GByteArray *out);
/* When more bytes will be ready (G_MAXINT64: nothing waiting). */
gint64   kdh_sim_line_next_deadline  (KdhSimLine *line);
/* Throws away everything in flight (the host hung up). */
void     kdh_sim_line_flush          (KdhSimLine *line);

const KdhSimLineStats *kdh_sim_line_get_stats (KdhSimLine *line);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhSimLine, kdh_sim_line_free)

G_END_DECLS
