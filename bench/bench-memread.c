/* bench-memread.c: memory-read throughput, and how close it gets to the line
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the simulator's pattern region with `dq`, as a user would (the
 * figure includes formatting the output; it is thrown away here): 16 MiB
 * over a Unix socket, in MB/s, and 256 KiB over a pty limited to 115200
 * baud, as a percentage of the line rate (11520 bytes/s). On the line
 * 16 MiB would take some 25 minutes; the percentage does not depend on
 * the amount read (--line-kib reads more).
 *
 * The protocol's own ceiling on a serial line: each 3944 bytes of memory
 * cost a request (73 bytes) and the target's ACK (16), then the reply
 * (4017) and our ACK (16), one after the other: 3944 / 4122 = 95.7 % of
 * the line rate, before any turnaround time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdh-bench.h"

#define PATTERN_BASE G_GUINT64_CONSTANT (0xfffff80000400000)
#define LINE_BYTES_PER_S 11520.0
#define CHUNK_BYTES (256 * 1024)

static gint socket_mib = 16;
static gint line_kib = 256;
static gchar *only;

/* Reads @bytes from the start of the pattern region; returns seconds. */
static gdouble
read_pattern (KdhBenchEngine *b,
              guint64         bytes,
              guint           timeout_s)
{
  gint64 start = g_get_monotonic_time ();

  for (guint64 done = 0; done < bytes; done += CHUNK_BYTES)
    {
      guint64 chunk = MIN (CHUNK_BYTES, bytes - done);
      guint64 address = PATTERN_BASE + done;
      g_autofree gchar *line = g_strdup_printf ("dq %08x`%08x L%" G_GINT64_MODIFIER "x",
                                                (guint32) (address >> 32), (guint32) address,
                                                chunk / 8);

      kdh_bench_run (b, line, timeout_s);
    }
  return (g_get_monotonic_time () - start) / 1e6;
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
  KdhBenchEngine b;
  GSubprocess *sim;
  KdhLinkStats before;
  guint64 bytes;
  gdouble seconds;

  sim = kdh_bench_start_sim (pty ? pty_args : unix_args, &where);
  if (pty)
    connection = g_strdup_printf ("com:port=%s,baud=115200", where + strlen ("pty "));
  else
    connection = g_strdup_printf ("com:pipe,port=%s", socket);
  kdh_bench_engine_init (&b);
  kdh_bench_attach (&b, connection);
  /* The counters as of now (a resync's end publishes them exactly). */
  kdh_bench_wait_token (&b, kdh_engine_resync (b.engine), 60);
  before = b.stats;

  if (!pty)
    {
      bytes = (guint64) socket_mib * 1024 * 1024;
      seconds = read_pattern (&b, bytes, 600);
      printf ("memread unix socket          %d MiB in %.2f s: %.1f MB/s (%.1f MiB/s)\n",
              socket_mib, seconds, bytes / seconds / 1e6, bytes / seconds / 1048576.0);
    }
  else
    {
      gdouble rate, wire;

      bytes = (guint64) line_kib * 1024;
      seconds = read_pattern (&b, bytes, 3600);
      rate = bytes / seconds;
      /* STATS events come at most every 250 ms: after a pause, the next
       * exchange publishes the counters (one more tiny read). */
      g_usleep (300 * 1000);
      kdh_bench_run (&b, "dq fffff800`00400000 L1", 60);
      wire = (gdouble) (b.stats.bytes_in - before.bytes_in + b.stats.bytes_out - before.bytes_out);
      printf ("memread pty at 115200 baud   %d KiB in %.1f s: %.0f bytes/s = %.1f %% of the line "
              "rate (11520 bytes/s; the protocol's ceiling is 95.7 %%)\n",
              line_kib, seconds, rate, 100.0 * rate / LINE_BYTES_PER_S);
      printf ("memread pty at 115200 baud   %.0f bytes crossed the line per 1000 bytes read; "
              "the percentage does not depend on the amount read (--line-kib)\n",
              wire / bytes * 1000.0);
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
  GOptionEntry entries[] = {
    { "socket-mib", 0, 0, G_OPTION_ARG_INT, &socket_mib, "MiB to read over the socket (16)", "N" },
    { "line-kib", 0, 0, G_OPTION_ARG_INT, &line_kib,
      "KiB to read over the 115200-baud pty (256; 16384 takes some 25 minutes)", "N" },
    { "transport", 't', 0, G_OPTION_ARG_STRING, &only, "Only this one: unix or pty", "NAME" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- memory-read throughput");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || socket_mib < 1 || line_kib < 1)
    {
      fprintf (stderr, "bench-memread: %s\n", error ? error->message : "sizes must be >= 1");
      return 2;
    }
  if (only == NULL || g_str_equal (only, "unix"))
    run (FALSE);
  if (only == NULL || g_str_equal (only, "pty"))
    run (TRUE);
  g_free (only);
  return 0;
}
