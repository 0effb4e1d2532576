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
 *    (Over a 115200-baud line the same ReadPhysicalMemory exchanges run at
 *    bench-memread's percentage of the line rate; a dump of the simulator
 *    would take the better part of an hour there.)
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/kdh-le.h"
#include "dump/kdh-dump-file.h"
#include "dump/kdh-dump-write.h"
#include "kdh-bench.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define PAGE 0x1000u
#define VA_BASE G_GUINT64_CONSTANT (0xFFFF800000000000)

static gint reads = 200000;

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

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "reads", 0, 0, G_OPTION_ARG_INT, &reads, "Random reads (200000)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- crash dump figures");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || reads < 1)
    {
      fprintf (stderr, "bench-dump: %s\n", error ? error->message : "--reads must be >= 1");
      return 2;
    }
  bench_reader ();
  bench_writer ();
  return 0;
}
