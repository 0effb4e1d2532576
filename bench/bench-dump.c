/* bench-dump.c: crash dumps: opening a large one, reading it, writing one
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 1. A 4 GiB complete dump, sparse on disk (header, page tables, nothing
 *    else written), whose tables map the 4 GiB at 0xFFFF800000000000 with
 *    4 KiB pages: the time and the memory kdh_dump_file_open() takes, then
 *    random 4 KiB virtual reads (each a 4-level walk) per second.
 * 2. `.dump /f` of kdhost-sim over a Unix socket: MB of dump per second.
 * 3. `.dump /f` over a pty limited to 115200 baud, as a percentage of the
 *    line rate (11520 bytes/s). The whole dump (33 MiB) would take the
 *    better part of an hour, so the bench measures --line-seconds (60) of
 *    its pages and cancels it as Ctrl+C does (no file may be left). The
 *    bytes are the ReadPhysicalMemory requests the link sent in that time
 *    (its counters, from STATS events) times the 3944 bytes each carries
 *    (the last of every MiB carries 3416: 0.05 % less on average, not
 *    counted).
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/kdh-le.h"
#include "kd/kdh-dbgkd.h"
#include "dump/kdh-dump-file.h"
#include "dump/kdh-dump-write.h"
#include "kdh-bench.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define PAGE 0x1000u
#define VA_BASE G_GUINT64_CONSTANT (0xFFFF800000000000)

static gint reads = 200000;
static gint line_seconds = 60;

#define LINE_BYTES_PER_S 11520.0

/* "RssAnon:" (the heap and the like) or "RssFile:" (mapped file pages,
 * which the page cache holds and shares). */
static guint64
rss_kib (const gchar *key)
{
  g_autofree gchar *status = NULL;
  const gchar *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, key)) == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (key), NULL, 10);
}

static void
put_entry (gint fd, guint64 table_page, guint index, guint64 value)
{
  guint8 raw[8];

  kdh_write_le64 (raw, value);
  if (pwrite (fd, raw, 8, KDH_DUMP_HEADER64_SIZE + table_page * PAGE + 8 * index) != 8)
    g_error ("bench-dump: cannot write the page tables");
}

/* PML4 at page 1, PDPT at 2, 4 PDs at 3..6, 2048 PTs from 7 on. */
static void
make_sparse_dump (const gchar *path)
{
  guint64 pages = 4 * GIB / PAGE;
  KdhDumpRun run = { 0, pages };
  KdhDumpHeader h = { 0 };
  guint8 header[KDH_DUMP_HEADER64_SIZE], context[0x4D0] = { 0 };
  g_autofree guint8 *pt = g_malloc (PAGE);
  gint fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  h.major_version = 0xF;
  h.minor_version = 19041;
  h.directory_table_base = 1 * PAGE;
  h.machine_type = 0x8664;
  h.number_processors = 1;
  h.dump_type = KDH_DUMP_TYPE_FULL;
  kdh_dump_header_build (header, &h, &run, 1, context, sizeof context, NULL);
  if (fd < 0 || write (fd, header, sizeof header) != sizeof header
      || ftruncate (fd, KDH_DUMP_HEADER64_SIZE + pages * PAGE) != 0)
    g_error ("bench-dump: cannot make %s", path);
  put_entry (fd, 1, (VA_BASE >> 39) & 0x1FF, 2 * PAGE | 3);
  for (guint pd = 0; pd < 4; pd++)
    {
      put_entry (fd, 2, pd, (3 + pd) * PAGE | 3);
      for (guint i = 0; i < 512; i++)
        put_entry (fd, 3 + pd, i, (7 + pd * 512 + i) * PAGE | 3);
    }
  for (guint64 t = 0; t < 2048; t++)
    {
      for (guint i = 0; i < 512; i++)
        kdh_write_le64 (pt + 8 * i, (t * 512 + i) * PAGE | 3);
      if (pwrite (fd, pt, PAGE, KDH_DUMP_HEADER64_SIZE + (7 + t) * PAGE) != PAGE)
        g_error ("bench-dump: cannot write the page tables");
    }
  close (fd);
}

static void
bench_reader (void)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *path = g_build_filename (dir, "sparse.dmp", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (14);
  guint8 buf[PAGE];
  guint64 anon, file, bytes = 0;
  gint64 t0, t1;
  KdhDumpFile *d;

  make_sparse_dump (path);
  /* Out of the page cache as far as we can, for a cold-ish open. */
  anon = rss_kib ("RssAnon:");
  file = rss_kib ("RssFile:");
  t0 = g_get_monotonic_time ();
  d = kdh_dump_file_open (path, &error);
  t1 = g_get_monotonic_time ();
  if (d == NULL)
    g_error ("bench-dump: %s", error->message);
  printf ("dump open, 4 GiB sparse complete dump  %.3f ms, memory +%" G_GUINT64_FORMAT
          " KiB anonymous, +%" G_GUINT64_FORMAT " KiB of the file mapped in\n", (t1 - t0) / 1e3,
          rss_kib ("RssAnon:") - anon, rss_kib ("RssFile:") - file);
  t0 = g_get_monotonic_time ();
  for (gint i = 0; i < reads; i++)
    {
      guint64 va = VA_BASE + (guint64) g_rand_int_range (rand, 0, (gint32) (4 * GIB / PAGE)) * PAGE;

      bytes += kdh_dump_file_read_virtual (d, va, buf, sizeof buf);
    }
  t1 = g_get_monotonic_time ();
  if (bytes != (guint64) reads * PAGE)
    g_error ("bench-dump: only %" G_GUINT64_FORMAT " bytes read", bytes);
  printf ("dump random 4 KiB virtual reads        %.0f reads/s (%d reads, 4-level walks); then "
          "+%" G_GUINT64_FORMAT " KiB anonymous, +%" G_GUINT64_FORMAT " KiB of the file mapped in "
          "(page cache)\n", reads / ((t1 - t0) / 1e6), reads, rss_kib ("RssAnon:") - anon,
          rss_kib ("RssFile:") - file);
  kdh_dump_file_free (d);
  kdh_bench_remove_tree (dir);
}

static void
bench_writer (void)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *socket = g_build_filename (dir, "sim.sock", NULL);
  g_autofree gchar *listen = g_strdup_printf ("--listen=unix:%s", socket);
  g_autofree gchar *dump = g_build_filename (dir, "sim.dmp", NULL);
  g_autofree gchar *where = NULL, *connection = NULL, *line = NULL;
  const gchar *args[] = { listen, "--quiet", NULL };
  KdhBenchEngine b;
  GSubprocess *sim;
  GStatBuf st;
  gint64 t0, t1;

  sim = kdh_bench_start_sim (args, &where);
  connection = g_strdup_printf ("com:pipe,port=%s", socket);
  kdh_bench_engine_init (&b);
  kdh_bench_attach (&b, connection);
  line = g_strdup_printf (".dump /f %s", dump);
  t0 = g_get_monotonic_time ();
  kdh_bench_run (&b, line, 3600);
  t1 = g_get_monotonic_time ();
  if (g_stat (dump, &st) != 0)
    g_error ("bench-dump: no dump written");
  printf ("dump .dump /f over a Unix socket        %.1f MiB in %.2f s: %.1f MB/s\n",
          st.st_size / 1048576.0, (t1 - t0) / 1e6, st.st_size / ((t1 - t0) / 1e6) / 1e6);
  kdh_bench_detach (&b);
  kdh_bench_engine_clear (&b);
  kdh_bench_stop_process (sim);
  kdh_bench_remove_tree (dir);
}

static gboolean
elapsed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

static void
wait_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  kdh_bench_run_until (elapsed, &until, ms / 1000 + 10, "time to pass");
}

/* Waits for the link to send its next request (ReadPhysicalMemory, the
 * only one while the pages are read); *@when is when that was seen. */
static guint64
next_request (KdhBenchEngine *b,
              gint64         *when)
{
  guint64 now = b->stats.packets_out, then = now;

  while (then == now)
    {
      wait_ms (2);
      then = b->stats.packets_out;
    }
  *when = g_get_monotonic_time ();
  return then;
}

static void
bench_writer_line (void)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *dump_dir = g_build_filename (dir, "out", NULL);
  g_autofree gchar *dump = g_build_filename (dump_dir, "sim.dmp", NULL);
  g_autofree gchar *where = NULL, *connection = NULL, *line = NULL, *left = NULL;
  const gchar *args[] = { "--pty", "--baud=115200", "--quiet", NULL };
  g_autoptr (GDir) d = NULL;
  KdhBenchEngine b;
  GSubprocess *sim;
  guint64 m0, m1, total_mib = 0;
  gint64 t0, t1;
  gdouble rate;
  gsize mark;
  guint token;

  g_mkdir (dump_dir, 0700);
  sim = kdh_bench_start_sim (args, &where);
  connection = g_strdup_printf ("com:port=%s,baud=115200", where + strlen ("pty "));
  kdh_bench_engine_init (&b);
  b.keep_output = TRUE;
  kdh_bench_attach (&b, connection);
  line = g_strdup_printf (".dump /f %s", dump);
  mark = b.output->len;
  token = kdh_engine_execute (b.engine, line, NULL);
  /* The header's reads first; the pages once the file is announced. */
  while (strstr (b.output->str + mark, "Creating ") == NULL)
    wait_ms (100);
  {
    const gchar *dash = strstr (b.output->str + mark, "memory dump (");

    if (dash != NULL)
      total_mib = g_ascii_strtoull (dash + strlen ("memory dump ("), NULL, 10);
  }
  wait_ms (2000);
  /* Both ends where the link's counters (STATS events, at most every
   * 250 ms, on a packet) have just counted a request, not in the middle
   * of one (a request takes a third of a second on this line). */
  m0 = next_request (&b, &t0);
  wait_ms ((guint) line_seconds * 1000);
  m1 = next_request (&b, &t1);
  kdh_engine_break (b.engine);
  if (kdh_bench_wait_token (&b, token, 120) || strstr (b.errors->str, "cancelled") == NULL)
    g_error ("bench-dump: the dump over the pty did not end cancelled: %s", b.errors->str);
  d = g_dir_open (dump_dir, 0, NULL);
  if (d == NULL || (left = g_strdup (g_dir_read_name (d))) != NULL)
    g_error ("bench-dump: a cancelled dump left %s behind", left ? left : "(no directory)");
  rate = (m1 - m0) * (gdouble) KDH_MAX_MEMORY_TRANSFER / ((t1 - t0) / 1e6);
  printf ("dump .dump /f over a 115200-baud pty   %.0f KiB of the pages in %.1f s (then cancelled, "
          "no file left): %.0f bytes/s = %.1f %% of the line rate (11520 bytes/s); the whole "
          "%" G_GUINT64_FORMAT " MiB would take about %.0f min\n",
          (m1 - m0) * (gdouble) KDH_MAX_MEMORY_TRANSFER / 1024, (t1 - t0) / 1e6, rate,
          100 * rate / LINE_BYTES_PER_S, total_mib, total_mib * 1048576.0 / rate / 60);
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
    { "reads", 0, 0, G_OPTION_ARG_INT, &reads, "Random reads (200000)", "N" },
    { "line-seconds", 0, 0, G_OPTION_ARG_INT, &line_seconds,
      "Seconds of .dump over the 115200-baud pty (60; 0 skips it)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- crash dump figures");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || reads < 1 || line_seconds < 0)
    {
      fprintf (stderr, "bench-dump: %s\n", error ? error->message
                                                  : "--reads must be >= 1, --line-seconds >= 0");
      return 2;
    }
  bench_reader ();
  bench_writer ();
  if (line_seconds > 0)
    bench_writer_line ();
  return 0;
}
