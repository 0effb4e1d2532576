/* bench-exec.c: what stacks, disassembly and steps cost on the wire
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against kdhost-sim over a Unix socket and a 115200-baud pty, with the
 * build's PDBs on the symbol path: stopped at a breakpoint in the leaf of
 * the test driver's recursion (kdhtest!KdhTestNestLeaf, 15 frames deep),
 * the round trips (manipulate requests the simulator served, from its
 * --counters-file, which it rewrites within 100 ms of a change) and the
 * time from the command to its prompt for `kn` on a fresh stop (the
 * second hit: what a session keeps across stops, the module list and the
 * symbols, is known; memory and stacks are not), `kn` again, `u` of 16
 * instructions, `t` and `p`. Targets (issue 11): k of 10 or more frames
 * <= 12 round trips fresh and none again, u of 16 instructions 1, t <= 3.
 */
#include <stdio.h>
#include <string.h>

#include "kdh-bench.h"

/* Longer than the simulator's counters poll (100 ms), twice over. */
#define SETTLE_MS 250

static gboolean
elapsed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

static guint64
manipulates (KdhBenchEngine *b,
             const gchar    *counters)
{
  gint64 until = g_get_monotonic_time () + SETTLE_MS * 1000;
  g_autofree gchar *text = NULL;
  const gchar *at;

  /* The main loop runs meanwhile, so that the engine's events are taken. */
  kdh_bench_run_until (elapsed, &until, 10, "the counters");
  if (!g_file_get_contents (counters, &text, NULL, NULL)
      || (at = strstr (text, "manipulates=")) == NULL)
    {
      fprintf (stderr, "bench-exec: no manipulates in %s\n", counters);
      exit (1);
    }
  return g_ascii_strtoull (at + strlen ("manipulates="), NULL, 10);
}

static guint64
round_trips (KdhBenchEngine *b,
             const gchar    *counters,
             const gchar    *line,
             gdouble        *ms)
{
  guint64 before = manipulates (b, counters);
  gint64 start = g_get_monotonic_time ();

  kdh_bench_run (b, line, 120);
  *ms = (g_get_monotonic_time () - start) / 1000.0;
  return manipulates (b, counters) - before;
}

static void
run (gboolean pty)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *socket = g_build_filename (dir, "sim.sock", NULL);
  g_autofree gchar *counters = g_build_filename (dir, "counters", NULL);
  g_autofree gchar *listen = g_strdup_printf ("--listen=unix:%s", socket);
  g_autofree gchar *counters_arg = g_strdup_printf ("--counters-file=%s", counters);
  g_autofree gchar *where = NULL, *connection = NULL;
  g_autofree gchar *guest = kdh_bench_build_path ("src/sim/guest");
  g_autofree gchar *sympath = g_strdup_printf (".sympath %s", guest);
  const gchar *unix_args[] = { listen, counters_arg, "--quiet", NULL };
  const gchar *pty_args[] = { "--pty", "--baud=115200", counters_arg, "--quiet", NULL };
  const gchar *name = pty ? "pty at 115200 baud" : "unix socket       ";
  static const gchar *const lines[] = { "kn", "kn", "u kdhtest!KdhTestNest L10", "t", "p" };
  static const gchar *const what[] = { "kn, fresh stop ", "kn, again      ", "u, 16 instrs   ",
                                       "t              ", "p              " };
  KdhBenchEngine b;
  GSubprocess *sim;

  sim = kdh_bench_start_sim (pty ? pty_args : unix_args, &where);
  if (pty)
    connection = g_strdup_printf ("com:port=%s,baud=115200", where + strlen ("pty "));
  else
    connection = g_strdup_printf ("com:pipe,port=%s", socket);
  kdh_bench_engine_init (&b);
  b.keep_output = TRUE;
  kdh_bench_attach (&b, connection);
  kdh_bench_run (&b, sympath, 60);
  kdh_bench_run (&b, ".reload", 60);
  kdh_bench_run (&b, "bp kdhtest!KdhTestNestLeaf", 60);
  /* The first hit loads what a session keeps (modules, PDBs); the second
   * is the fresh stop measured. */
  for (guint hit = 0; hit < 2; hit++)
    {
      kdh_bench_run (&b, "g", 60);
      kdh_bench_wait_state (&b, KDH_CONN_BREAK, 60);
      if (hit == 0)
        kdh_bench_run (&b, "kn; u kdhtest!KdhTestNest L10", 60);
    }
  kdh_bench_run (&b, "bc *", 60);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      gsize mark = b.output->len;
      gdouble ms;
      guint64 n = round_trips (&b, counters, lines[i], &ms);
      guint frames = 0;

      for (const gchar *p = b.output->str + mark; i < 2 && (p = strstr (p, "\n0")) != NULL; p++)
        frames++;
      printf ("exec %s  %s %3" G_GUINT64_FORMAT " round trips, %7.1f ms", name, what[i], n, ms);
      if (i < 2)
        printf (" (%u frames)", frames);
      printf ("\n");
    }
  kdh_bench_detach (&b);
  kdh_bench_engine_clear (&b);
  kdh_bench_stop_process (sim);
  kdh_bench_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  run (FALSE);
  run (TRUE);
  return 0;
}
