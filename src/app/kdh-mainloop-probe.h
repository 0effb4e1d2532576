/* kdh-mainloop-probe.h: measures how long the main loop stalls
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Opt-in instrumentation (KDH_MAINLOOP_PROBE=FILE in the environment): a
 * high-priority timer due every few milliseconds measures how late the
 * main loop runs it, which is how long the loop was busy with something
 * else. Once a second the figures are written to FILE as key=value lines:
 * max_stall_ms, max_cpu_stall_ms (the most of one stall the main thread
 * spent on a CPU, the rest being a wait for a core or for another
 * process), p99_stall_ms, samples, and the counters added with
 * kdh_mainloop_probe_count(). With KDH_MAINLOOP_PROBE_WARMUP_MS=N the
 * stall figures start over N ms after start-up (what start-up itself
 * cost is kept as startup_max_stall_ms). Returns FALSE when not enabled. */
gboolean kdh_mainloop_probe_start (void);
void     kdh_mainloop_probe_stop  (void);
gboolean kdh_mainloop_probe_enabled (void);
/* Adds to a named counter reported in the file ("target-lines"). */
void     kdh_mainloop_probe_count (const gchar *name,
                                   guint64      n);

G_END_DECLS
