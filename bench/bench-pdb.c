/* bench-pdb.c: the PDB reader on a large generated PDB
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-pdb PDB: loads the file (median of several loads), then looks up
 * every public by name and by address (a shuffled order), and prints the
 * time per lookup and the memory a loaded PDB takes against the file's
 * size. The PDB comes from bench/gen-pdb-source.py compiled by the guest
 * toolchain (clang, lld-link): 50 000 functions and 50 000 globals.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "symbols/kdh-pdb.h"

#define LOADS 9

static gsize
rss_bytes (void)
{
  g_autofree gchar *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    sscanf (statm, "%lu %lu", &size, &resident);
  return (gsize) resident * 4096;
}

static gint
compare_double (gconstpointer a,
                gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = NULL;
  gdouble loads[LOADS];
  KdhPdb *pdb = NULL;
  const guint8 *data;
  gsize length, before, after;
  guint n, publics = 0, found = 0;
  g_autofree guint *order = NULL;
  GRand *rand = g_rand_new_with_seed (1);
  gint64 t0;

  if (argc != 2)
    {
      g_printerr ("usage: bench-pdb FILE.pdb\n");
      return 2;
    }
  file = g_mapped_file_new (argv[1], FALSE, &error);
  if (file == NULL)
    {
      g_printerr ("bench-pdb: %s\n", error->message);
      return 1;
    }
  data = (const guint8 *) g_mapped_file_get_contents (file);
  length = g_mapped_file_get_length (file);
  /* The file's pages in memory first, so a load measures parsing. */
  for (gsize i = 0; i < length; i += 4096)
    publics += data[i];

  /* Memory first, while malloc has nothing freed to hand out again. */
  before = rss_bytes ();
  pdb = kdh_pdb_new (data, length, &error);
  after = rss_bytes ();
  if (pdb == NULL)
    {
      g_printerr ("bench-pdb: %s\n", error->message);
      return 1;
    }
  kdh_pdb_free (pdb);

  for (guint i = 0; i < LOADS; i++)
    {
      t0 = g_get_monotonic_time ();
      pdb = kdh_pdb_new (data, length, &error);
      loads[i] = (g_get_monotonic_time () - t0) / 1000.0;
      if (pdb == NULL)
        {
          g_printerr ("bench-pdb: %s\n", error->message);
          return 1;
        }
      kdh_pdb_free (pdb);
    }
  qsort (loads, LOADS, sizeof loads[0], (int (*) (const void *, const void *)) compare_double);

  pdb = kdh_pdb_new (data, length, NULL);
  n = kdh_pdb_get_n_symbols (pdb);
  publics = 0;
  for (guint i = 0; i < n; i++)
    publics += kdh_pdb_get_symbol (pdb, i)->kind == KDH_PDB_PUBLIC;

  order = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  for (guint i = n; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i), tmp = order[i - 1];

      order[i - 1] = order[j], order[j] = tmp;
    }

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    found += kdh_pdb_lookup_name (pdb, kdh_pdb_get_symbol (pdb, order[i])->name) != NULL;
  printf ("pdb lookup by name: %.3f µs per lookup (%u lookups, %u found)\n",
          (gdouble) (g_get_monotonic_time () - t0) / n, n, found);
  found = 0;
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    found += kdh_pdb_lookup_address (pdb, kdh_pdb_get_symbol (pdb, order[i])->rva + 1, NULL)
             != NULL;
  printf ("pdb lookup by address: %.3f µs per lookup (%u lookups, %u found)\n",
          (gdouble) (g_get_monotonic_time () - t0) / n, n, found);
  printf ("pdb load: median %.1f ms, fastest %.1f ms, slowest %.1f ms (%u loads; %" G_GSIZE_FORMAT
          " bytes, %u symbols, %u publics)\n", loads[LOADS / 2], loads[0], loads[LOADS - 1],
          LOADS, length, n, publics);
  printf ("pdb memory: %.2f times the file's size (%" G_GSIZE_FORMAT " KiB resident for a "
          "%" G_GSIZE_FORMAT " KiB file)\n", (gdouble) (after - before) / length,
          (after - before) / 1024, length / 1024);
  kdh_pdb_free (pdb);
  g_rand_free (rand);
  return 0;
}
