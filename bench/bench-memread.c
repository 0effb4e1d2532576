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
 * On the socket it also measures the link's own limit (a minimal
 * single-threaded host, kdh-bench-raw.c, reading as fast as the simulator
 * answers) and what the user sees: kdhost-cli printing a 1 MiB `dq` (65536
 * lines) to a pipe, from writing the command to its last line, with the
 * CPU time kdhost-cli spent on it; --cli-runs runs, median.
 *
 * The protocol's own ceiling on a serial line: each 3944 bytes of memory
 * cost a request (73 bytes) and the target's ACK (16), then the reply
 * (4017) and our ACK (16), one after the other: 3944 / 4122 = 95.7 % of
 * the line rate, before any turnaround time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include "kdh-bench.h"

#define PATTERN_BASE G_GUINT64_CONSTANT (0xfffff80000400000)
#define LINE_BYTES_PER_S 11520.0
#define CHUNK_BYTES (256 * 1024)

static gint socket_mib = 16;
static gint line_kib = 256;
static gint cli_runs = 9;
static gint writemem_count = 7;
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

/* CPU time of every thread of process @pid so far, in seconds
 * (/proc/PID/task/TID/schedstat: nanoseconds on the CPU). */
static gdouble
process_cpu_s (GPid pid)
{
  g_autofree gchar *dir = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr (GDir) tasks = g_dir_open (dir, 0, NULL);
  const gchar *tid;
  gdouble total = 0;

  while (tasks && (tid = g_dir_read_name (tasks)))
    {
      g_autofree gchar *path = g_build_filename (dir, tid, "schedstat", NULL);
      g_autofree gchar *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL))
        total += g_ascii_strtod (text, NULL) / 1e9;
    }
  return total;
}

/* What kdhost-cli wrote and the bench has not looked at yet. */
typedef struct {
  int fd;
  gchar buf[256 * 1024];
  gsize len;
} Reader;

/* Reads from @r until @count lines starting with @prefix went by; exits on
 * EOF. Large reads and memchr(): the reader must not be what is measured. */
static void
read_lines (Reader      *r,
            const gchar *prefix,
            guint        count)
{
  gsize prefix_len = strlen (prefix);

  while (count > 0)
    {
      gchar *line = r->buf, *nl;
      ssize_t n;

      while (count > 0 && (nl = memchr (line, '\n', r->buf + r->len - line)) != NULL)
        {
          if ((gsize) (nl - line) >= prefix_len && memcmp (line, prefix, prefix_len) == 0)
            count--;
          line = nl + 1;
        }
      r->len -= line - r->buf;
      memmove (r->buf, line, r->len);
      if (count == 0)
        break;
      if (r->len == sizeof r->buf)
        r->len = 0;                       /* a line longer than the buffer: not ours */
      n = read (r->fd, r->buf + r->len, sizeof r->buf - r->len);
      if (n <= 0)
        {
          fprintf (stderr, "bench-memread: kdhost-cli ended early\n");
          exit (1);
        }
      r->len += (gsize) n;
    }
}

/* kdhost-cli on @connection printing `dq` over 1 MiB to a pipe. */
static void
run_cli (const gchar *connection)
{
  g_autofree gchar *cli = kdh_bench_build_path ("src/cli/kdhost-cli");
  g_autoptr (GArray) seconds = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  const guint lines = 1024 * 1024 / 16;
  gdouble load[3] = { 0 };

  getloadavg (load, 3);
  for (gint i = 0; i < cli_runs; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                    | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                                    cli, "-k", connection, NULL);
      g_autofree Reader *in = g_new0 (Reader, 1);
      GOutputStream *to = p ? g_subprocess_get_stdin_pipe (p) : NULL;
      const gchar *warm = "dq fffff800`00400000 L1\n", *big = "dq fffff800`00400000 L20000\n";
      gdouble cpu0, s;
      gint64 start;

      if (p == NULL)
        {
          fprintf (stderr, "bench-memread: %s\n", error->message);
          exit (1);
        }
      in->fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (p)));
      /* Attached, and one line read: the start-up is behind us. */
      g_output_stream_write_all (to, warm, strlen (warm), NULL, NULL, NULL);
      read_lines (in, "fffff800`00400000  ", 1);
      cpu0 = process_cpu_s (atoi (g_subprocess_get_identifier (p)));
      start = g_get_monotonic_time ();
      g_output_stream_write_all (to, big, strlen (big), NULL, NULL, NULL);
      read_lines (in, "fffff800`00", lines);
      s = (g_get_monotonic_time () - start) / 1e6;
      g_array_append_val (seconds, s);
      s = process_cpu_s (atoi (g_subprocess_get_identifier (p))) - cpu0;
      g_array_append_val (cpu, s);
      g_output_stream_write_all (to, "q\n", 2, NULL, NULL, NULL);
      g_subprocess_wait (p, NULL, NULL);
    }
  {
    gdouble median = kdh_bench_quantile (seconds, 0.5);
    gdouble fastest = g_array_index (seconds, gdouble, 0);
    gdouble slowest = g_array_index (seconds, gdouble, seconds->len - 1);

    printf ("memread kdhost-cli to a pipe  1 MiB dq: median %.1f ms = %.1f MB/s, %.0f lines/s "
            "(%d runs: fastest %.1f MB/s, slowest %.1f MB/s; load average %.2f)\n",
            median * 1e3, 1048576 / median / 1e6, lines / median, cli_runs,
            1048576 / fastest / 1e6, 1048576 / slowest / 1e6, load[0]);
    printf ("memread kdhost-cli to a pipe  CPU time of kdhost-cli (all threads): median %.1f ms "
            "per MiB\n", kdh_bench_quantile (cpu, 0.5) * 1e3);
  }
}

/* Three runs of the minimal host, added to @rates (bytes/s). */
static void
measure_link_limit (const gchar *socket,
                    GArray      *rates)
{
  for (guint i = 0; i < 3; i++)
    {
      gdouble r = kdh_bench_raw_read_rate (socket, PATTERN_BASE, 4 * 1024 * 1024);

      g_array_append_val (rates, r);
    }
}

/* .writemem: the same reads as dq without formatting, into a file. On
 * this VM the link's limit moves by a third from one second to the next,
 * so each run is paired with a run of the minimal host just before it,
 * and the figure is the median of the pairs' ratios (--writemem-runs). */
static void
writemem_rounds (const gchar *socket,
                 const gchar *connection,
                 const gchar *dir,
                 guint64      bytes)
{
  g_autofree gchar *file = g_build_filename (dir, "mem.bin", NULL);
  g_autofree gchar *line = g_strdup_printf (".writemem %s fffff800`00400000 L?%" G_GINT64_MODIFIER "x",
                                            file, bytes);
  g_autoptr (GArray) ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) rates = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) limits = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (gint i = 0; i < writemem_count; i++)
    {
      gdouble limit = kdh_bench_raw_read_rate (socket, PATTERN_BASE, bytes);
      gdouble rate, ratio;
      KdhBenchEngine b;
      gint64 start;

      kdh_bench_engine_init (&b);
      kdh_bench_attach (&b, connection);
      start = g_get_monotonic_time ();
      kdh_bench_run (&b, line, 600);
      rate = bytes / ((g_get_monotonic_time () - start) / 1e6);
      kdh_bench_detach (&b);
      kdh_bench_engine_clear (&b);
      g_remove (file);
      ratio = rate / limit;
      g_array_append_val (ratios, ratio);
      g_array_append_val (rates, rate);
      g_array_append_val (limits, limit);
    }
  {
    gdouble rate = kdh_bench_quantile (rates, 0.5), limit = kdh_bench_quantile (limits, 0.5);
    gdouble ratio = kdh_bench_quantile (ratios, 0.5);   /* sorts them */

    printf ("memread .writemem, socket    %d MiB, median of %u runs: %.1f MB/s; each run beside "
            "the link's limit just before it (median %.1f MB/s): median %.0f %% of the link's "
            "limit (runs %.0f to %.0f %%)\n", socket_mib, rates->len, rate / 1e6, limit / 1e6,
            100.0 * ratio, 100.0 * g_array_index (ratios, gdouble, 0),
            100.0 * g_array_index (ratios, gdouble, ratios->len - 1));
  }
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
  g_autoptr (GArray) raw = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint64 bytes;
  gdouble seconds;

  sim = kdh_bench_start_sim (pty ? pty_args : unix_args, &where);
  if (pty)
    connection = g_strdup_printf ("com:port=%s,baud=115200", where + strlen ("pty "));
  else
    connection = g_strdup_printf ("com:pipe,port=%s", socket);
  if (!pty)
    {
      measure_link_limit (socket, raw);
      printf ("memread link limit (socket)  %.1f MB/s: a minimal host reading 3944 bytes per "
              "request, one after the other (median of 3 x 4 MiB)\n",
              kdh_bench_quantile (raw, 0.5) / 1e6);
      run_cli (connection);
    }
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
  if (!pty)
    writemem_rounds (socket, connection, dir, (guint64) socket_mib * 1024 * 1024);
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
    { "cli-runs", 0, 0, G_OPTION_ARG_INT, &cli_runs, "Runs of kdhost-cli's 1 MiB dq (9)", "N" },
    { "writemem-runs", 0, 0, G_OPTION_ARG_INT, &writemem_count, "Runs of .writemem (7)", "N" },
    { "transport", 't', 0, G_OPTION_ARG_STRING, &only, "Only this one: unix or pty", "NAME" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- memory-read throughput");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || socket_mib < 1 || line_kib < 1 || cli_runs < 1
      || writemem_count < 1)
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
