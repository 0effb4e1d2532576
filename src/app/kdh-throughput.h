/* kdh-throughput.h: bytes per second from the link's byte counters
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model behind the connection monitor's throughput graph, on GLib
 * only: counter snapshots in, rates, a scale and its axis out.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The graph shows the last minute in one-second columns. */
#define KDH_THROUGHPUT_WINDOW_US (60 * G_USEC_PER_SEC)
#define KDH_THROUGHPUT_BUCKET_US G_USEC_PER_SEC
/* "Now" is the average over this much time. */
#define KDH_THROUGHPUT_CURRENT_US (2 * G_USEC_PER_SEC)
/* The lowest top of the scale, in bytes per second. */
#define KDH_THROUGHPUT_MIN_TOP 1000.0

typedef struct _KdhThroughput KdhThroughput;

KdhThroughput *kdh_throughput_new      (void);
void           kdh_throughput_free     (KdhThroughput *self);
/* A snapshot of the byte counters taken at @time_us (monotonic). The first
 * is where counting starts; each later one's growth is spread over the time
 * since the one before (at most a second, as the engine posts a snapshot
 * within 250 ms of a change). Counters that went down started again (a new
 * link): all of their value is new. */
void           kdh_throughput_add      (KdhThroughput *self,
                                        guint64        bytes_in,
                                        guint64        bytes_out,
                                        gint64         time_us);
/* Bytes per second each way over (@from_us, @to_us]. */
void           kdh_throughput_rate     (KdhThroughput *self,
                                        gint64         from_us,
                                        gint64         to_us,
                                        gdouble       *in_rate,
                                        gdouble       *out_rate);
/* The rate now: over the last KDH_THROUGHPUT_CURRENT_US up to the latest
 * snapshot while snapshots still come, up to @now_us once they stop. */
void           kdh_throughput_current  (KdhThroughput *self,
                                        gint64         now_us,
                                        gdouble       *in_rate,
                                        gdouble       *out_rate);
/* The one-second column that holds @time_us: [start, start + bucket). */
gint64         kdh_throughput_bucket_start (gint64 time_us);
/* The highest column rate, either way, of the window ending at @now_us. */
gdouble        kdh_throughput_peak     (KdhThroughput *self,
                                        gint64         now_us);

/* The scale is logarithmic, so that a trickle of DbgPrint output stays
 * visible next to a burst of memory reads: 0 at the bottom, then decades.
 * Its top: the power of ten at or above @peak, at least
 * KDH_THROUGHPUT_MIN_TOP. */
gdouble        kdh_throughput_scale_top (gdouble peak);
/* Where @rate sits between the bottom (0) and @top (1). */
gdouble        kdh_throughput_scale_position (gdouble rate,
                                              gdouble top);
/* The axis: 10, 100, ... up to @top; free with g_free. */
gdouble       *kdh_throughput_axis_ticks (gdouble top,
                                          guint  *n_ticks);

G_END_DECLS
