/* bench-resync.c: how long a resync takes, against what the line allows
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs N resyncs (kdh_engine_resync(), as Ctrl+R) with the target stopped,
 * against kdhost-sim on a Unix socket and on a pty limited to 115200 baud,
 * and measures each from the moment it is posted to its COMMAND_DONE. The
 * bytes a resync moves come from the link's counters (STATS events): the
 * RESETs, the state change the target sends again, the ACKs, and what the
 * debugger reads to show where the target stopped. Over a serial line the
 * exchange is one packet at a time, so the fastest a resync could possibly
 * be is all those bytes, both ways, at the line's 11520 bytes/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdh-bench.h"

#define LINE_BYTES_PER_S 11520.0   /* 115200 baud, 10 bits a byte */

static gint n_resyncs = 50;
static gchar *only;

static void
run (const gchar *name,
     gboolean     pty)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *socket = g_build_filename (dir, "sim.sock", NULL);
  g_autofree gchar *listen = g_strdup_printf ("--listen=unix:%s", socket);
  g_autofree gchar *where = NULL, *connection = NULL;
  const gchar *unix_args[] = { listen, "--quiet", NULL };
  const gchar *pty_args[] = { "--pty", "--baud=115200", "--quiet", NULL };
  g_autoptr (GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint64 bytes_in = 0, bytes_out = 0;
  KdhBenchEngine b;
  GSubprocess *sim;
  gdouble limit_ms, p50, p99;

  sim = kdh_bench_start_sim (pty ? pty_args : unix_args, &where);
  if (pty)
    connection = g_strdup_printf ("com:port=%s,baud=115200", where + strlen ("pty "));
  else
    connection = g_strdup_printf ("com:pipe,port=%s", socket);

  kdh_bench_engine_init (&b);
  kdh_bench_attach (&b, connection);
  /* One to warm up: the first resync after attaching is like the others,
   * but the link counters are only exact from a resync's end on. */
  kdh_bench_wait_token (&b, kdh_engine_resync (b.engine), 60);

  for (gint i = 0; i < n_resyncs; i++)
    {
      KdhLinkStats before = b.stats;
      gint64 start = g_get_monotonic_time ();
      guint token = kdh_engine_resync (b.engine);
      gdouble took;

      if (!kdh_bench_wait_token (&b, token, 60) || b.state != KDH_CONN_BREAK)
        {
          fprintf (stderr, "bench-resync: resync %d over %s failed: %s\n", i, name,
                   b.errors->str);
          exit (1);
        }
      took = (kdh_bench_done_time (&b, token) - start) / 1000.0;
      g_array_append_val (ms, took);
      bytes_in += b.stats.bytes_in - before.bytes_in;
      bytes_out += b.stats.bytes_out - before.bytes_out;
    }

  p50 = kdh_bench_quantile (ms, 0.50);
  p99 = kdh_bench_quantile (ms, 0.99);
  limit_ms = (gdouble) (bytes_in + bytes_out) / n_resyncs / LINE_BYTES_PER_S * 1000.0;
  printf ("resync %-22s n=%d  p50=%.1f ms  p99=%.1f ms  min=%.1f ms  max=%.1f ms\n", name,
          n_resyncs, p50, p99, g_array_index (ms, gdouble, 0),
          g_array_index (ms, gdouble, ms->len - 1));
  printf ("resync %-22s bytes per resync: %.0f from the target, %.0f to it; "
          "at 115200 baud (11520 bytes/s) that is %.1f ms%s\n", name,
          (gdouble) bytes_in / n_resyncs, (gdouble) bytes_out / n_resyncs, limit_ms,
          pty ? "" : " (a socket has no line rate)");
  if (pty)
    printf ("resync %-22s p50 is %.2f x the line-rate limit (%.1f ms above it)\n", name,
            p50 / limit_ms, p50 - limit_ms);

  kdh_bench_detach (&b);
  kdh_bench_engine_clear (&b);
  kdh_bench_stop_process (sim);
  kdh_bench_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &n_resyncs, "Resyncs per transport (50)", "N" },
    { "transport", 't', 0, G_OPTION_ARG_STRING, &only, "Only this one: unix or pty", "NAME" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- resync latency");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_resyncs < 1)
    {
      fprintf (stderr, "bench-resync: %s\n", error ? error->message : "--count must be >= 1");
      return 2;
    }
  if (only == NULL || g_str_equal (only, "unix"))
    run ("unix socket", FALSE);
  if (only == NULL || g_str_equal (only, "pty"))
    run ("pty at 115200 baud", TRUE);
  g_free (only);
  return 0;
}
