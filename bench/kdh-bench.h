/* kdh-bench.h: what the benchmarks share: an engine driven as a front end
 * drives it, kdhost-sim processes, timing and percentiles
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Benchmarks print figures; they do not pass or fail on them. Every wait
 * is bounded, and a wait that runs out ends the program with a message
 * (a benchmark that cannot finish has nothing to report).
 */
#pragma once

#include <gio/gio.h>

#include "engine/kdh-engine.h"
#include "engine/kdh-engine-testing.h"
#include "remote/server/kdh-server.h"
#include "sim/kdh-sim-transport.h"

G_BEGIN_DECLS

typedef struct {
  KdhEngine *engine;
  KdhServerSet *servers;
  KdhConnState state;
  GHashTable *done;            /* token -> GINT_TO_POINTER (1 ok, 2 failed) */
  GHashTable *done_us;         /* token -> gint64* g_get_monotonic_time () at COMMAND_DONE */
  KdhLinkStats stats;          /* the latest STATS event */
  guint64 output_bytes;        /* debugger output, not kept */
  guint64 target_lines;        /* DbgPrint lines */
  GString *errors;
  gboolean keep_output;
  GString *output;             /* debugger output, when keep_output */
  GString *packets;            /* the packet trace's lines (kdh_engine_set_trace()) */
} KdhBenchEngine;

void     kdh_bench_engine_init  (KdhBenchEngine *b);
void     kdh_bench_engine_clear (KdhBenchEngine *b);

/* Runs the default main context until @done returns TRUE; exits the
 * program after @timeout_s seconds. */
void     kdh_bench_run_until    (gboolean    (*done) (gpointer data),
                                 gpointer      data,
                                 guint         timeout_s,
                                 const gchar  *what);
/* Waits for @token (a command's or a query's); returns its success. */
gboolean kdh_bench_wait_token   (KdhBenchEngine *b,
                                 guint           token,
                                 guint           timeout_s);
/* The monotonic time at which @token's COMMAND_DONE arrived. */
gint64   kdh_bench_done_time    (KdhBenchEngine *b,
                                 guint           token);
/* Attaches, exiting the program on failure. */
void     kdh_bench_attach       (KdhBenchEngine *b,
                                 const gchar    *connection);
/* Runs a command; exits the program on failure. */
void     kdh_bench_run          (KdhBenchEngine *b,
                                 const gchar    *line,
                                 guint           timeout_s);
void     kdh_bench_wait_state   (KdhBenchEngine *b,
                                 KdhConnState    state,
                                 guint           timeout_s);
/* Detaches and waits for it. */
void     kdh_bench_detach       (KdhBenchEngine *b);

/* Build-tree programs: "src/sim/kdhost-sim" and the like, under the build
 * directory (KDH_BUILD_DIR in the environment, or the one this was built
 * in). */
gchar   *kdh_bench_build_path   (const gchar *relative);

/* Starts kdhost-sim with @args (NULL-terminated) and returns the process;
 * *where gets the rest of its first line ("pty /dev/pts/3", "listening on
 * unix:/tmp/x"). The process dies with this one. */
GSubprocess *kdh_bench_start_sim (const gchar *const *args,
                                  gchar              **where);
void     kdh_bench_stop_process (GSubprocess *process);

/* Sorts @values (gdouble) and returns the @p quantile (0..1), nearest
 * rank. */
gdouble  kdh_bench_quantile     (GArray  *values,
                                 gdouble  p);

/* A fresh private directory, removed with kdh_bench_remove_tree(). */
gchar   *kdh_bench_make_tmpdir  (void);
void     kdh_bench_remove_tree  (const gchar *path);

/* Seconds of CPU time this thread has used: the cost of work measured on
 * its own, which wall time on a shared machine would blur with other work. */
gdouble  kdh_bench_thread_cpu_s (void);

/* Bytes per second that a minimal single-threaded host reads from
 * kdhost-sim on @socket_path with ReadVirtualMemory requests of the largest
 * size, one after the other, replies thrown away (kdh-bench-raw.c): the
 * stop-and-wait limit of the link as measured. @bytes from @address. */
gdouble  kdh_bench_raw_read_rate (const gchar *socket_path,
                                  guint64      address,
                                  guint64      bytes);
/* DbgPrint lines per second that the same minimal host acknowledges from
 * kdhost-sim on @socket_path (started with --dbgprint-rate=0), counted for
 * @seconds: the link's limit for a DbgPrint flood. */
gdouble  kdh_bench_raw_dbgprint_rate (const gchar *socket_path,
                                      gdouble      seconds);

G_END_DECLS
