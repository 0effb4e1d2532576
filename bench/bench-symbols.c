/* bench-symbols.c: symbols for all simulated modules from a warm cache
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine attached to the in-process simulated target (sim:). The
 * build's PDBs are laid out in a cache as symsrv lays them out
 * (name.pdb/GUIDAGE/name.pdb); with that cache alone on the symbol path,
 * ".reload /f" loads every module's PDB from it: the time from the command to its end (the
 * RSDS records read from target memory, the cache looked up, each PDB
 * opened and matched) over several rounds. The target: ≤ 100 ms.
 */
#include <stdio.h>
#include <string.h>

#include "kdh-bench.h"
#include "symbols/kdh-pdb.h"

#define ROUNDS 9

/* Every PDB of @guest into @cache at its store key. */
static void
fill_cache (const gchar *guest,
            const gchar *cache)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (guest, 0, &error);
  const gchar *name;

  if (d == NULL)
    g_error ("%s", error->message);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (guest, name, NULL);
      g_autofree gchar *data = NULL;
      g_autofree gchar *key = NULL, *dir = NULL, *to = NULL;
      g_autoptr (KdhPdb) pdb = NULL;
      gsize len;

      if (!g_str_has_suffix (name, ".pdb") || !g_file_get_contents (path, &data, &len, NULL))
        continue;
      pdb = kdh_pdb_new ((const guint8 *) data, len, &error);
      if (pdb == NULL)
        g_error ("%s: %s", path, error->message);
      key = kdh_pdb_store_key (kdh_pdb_get_guid (pdb), kdh_pdb_get_age (pdb));
      dir = g_build_filename (cache, name, key, NULL);
      to = g_build_filename (dir, name, NULL);
      if (g_mkdir_with_parents (dir, 0755) != 0 || !g_file_set_contents (to, data, len, &error))
        g_error ("cannot write %s", to);
    }
}

static guint
count (const gchar *text,
       const gchar *needle)
{
  guint n = 0;

  for (const gchar *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *cache = g_build_filename (dir, "cache", NULL);
  g_autofree gchar *guest = kdh_bench_build_path ("src/sim/guest");
  g_autofree gchar *warm = g_strdup_printf (".sympath cache*%s", cache);
  g_autoptr (GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  KdhBenchEngine b;
  guint modules, with_pdb;
  gsize mark;

  kdh_bench_engine_init (&b);
  b.keep_output = TRUE;
  kdh_bench_attach (&b, "sim:");
  fill_cache (guest, cache);
  kdh_bench_run (&b, warm, 60);
  for (guint i = 0; i < ROUNDS; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gdouble t;

      kdh_bench_run (&b, ".reload /f", 120);
      t = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (ms, t);
    }
  mark = b.output->len;
  kdh_bench_run (&b, "lm", 60);
  modules = count (b.output->str + mark, "\n") - 1;
  with_pdb = count (b.output->str + mark, "(pdb symbols)");
  printf ("symbols from a warm cache: median %.1f ms, fastest %.1f ms, slowest %.1f ms for "
          "%u modules (%u with PDB symbols from the cache; %u rounds of .reload /f)\n",
          kdh_bench_quantile (ms, 0.5), kdh_bench_quantile (ms, 0.0),
          kdh_bench_quantile (ms, 1.0), modules, with_pdb, ROUNDS);
  kdh_bench_detach (&b);
  kdh_bench_engine_clear (&b);
  kdh_bench_remove_tree (dir);
  return 0;
}
