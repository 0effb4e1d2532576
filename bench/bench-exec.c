/* bench-exec.c: what stacks and steps cost on the wire
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against kdhost-sim over a Unix socket and a 115200-baud pty: stopped at
 * a breakpoint in the test driver's tick routine (called three calls deep
 * from the idle loop), the requests (data packets sent) and the time from
 * the command to its prompt for `kn` on a fresh stop, `kn` again, `t` and
 * `p`. Counters come with STATS events at most every 250 ms, so after each
 * command the bench waits and reads one byte (one request), which it
 * subtracts.
 */
#include <stdio.h>
#include <string.h>

#include "kdh-bench.h"

static guint64
requests_for (KdhBenchEngine *b,
              const gchar    *line,
              gdouble        *ms)
{
  KdhLinkStats before;
  gint64 start;

  g_usleep (300 * 1000);
  kdh_bench_run (b, "db kdhtest!KdhTestTick L1", 60);
  before = b->stats;
  start = g_get_monotonic_time ();
  kdh_bench_run (b, line, 120);
  *ms = (g_get_monotonic_time () - start) / 1000.0;
  g_usleep (300 * 1000);
  kdh_bench_run (b, "db kdhtest!KdhTestTick L1", 60);
  return b->stats.packets_out - before.packets_out - 1;
}

static void
run (gboolean pty)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *socket = g_build_filename (dir, "sim.sock", NULL);
  g_autofree gchar *listen = g_strdup_printf ("--listen=unix:%s", socket);
  g_autofree gchar *where = NULL, *connection = NULL;
  const gchar *unix_args[] = { listen, "--quiet", NULL };
  const gchar *pty_args[] = { "--pty", "--baud=115200", "--quiet", NULL };
  const gchar *name = pty ? "pty at 115200 baud" : "unix socket       ";
  static const gchar *const lines[] = { "kn", "kn", "t", "p" };
  static const gchar *const what[] = { "kn, fresh stop ", "kn, again      ", "t              ",
                                       "p              " };
  KdhBenchEngine b;
  GSubprocess *sim;
  guint frames = 0;

  sim = kdh_bench_start_sim (pty ? pty_args : unix_args, &where);
  if (pty)
    connection = g_strdup_printf ("com:port=%s,baud=115200", where + strlen ("pty "));
  else
    connection = g_strdup_printf ("com:pipe,port=%s", socket);
  kdh_bench_engine_init (&b);
  b.keep_output = TRUE;
  kdh_bench_attach (&b, connection);
  kdh_bench_run (&b, "bp kdhtest!KdhTestTick", 60);
  kdh_bench_run (&b, "g", 60);
  kdh_bench_wait_state (&b, KDH_CONN_BREAK, 60);
  kdh_bench_run (&b, "bc *", 60);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      gsize mark = b.output->len;
      gdouble ms;
      guint64 n = requests_for (&b, lines[i], &ms);

      if (i == 0)
        for (const gchar *p = b.output->str + mark; (p = strstr (p, "\n0")); p++)
          frames++;
      if (i == 0)
        printf ("exec %s  %s %3" G_GUINT64_FORMAT " requests, %7.1f ms (%u frames)\n", name,
                what[i], n, ms, frames);
      else
        printf ("exec %s  %s %3" G_GUINT64_FORMAT " requests, %7.1f ms\n", name, what[i], n,
                ms);
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
