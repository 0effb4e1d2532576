/* test-paging.c: the x64 page walk, on tables laid out by hand
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Physical memory is a table of the entries the test wrote; the expected
 * addresses are worked out from the processor's layout (9 bits per level
 * above a 12-bit page offset), not from kdh-paging.c.
 */
#include "common/kdh-paging.h"

typedef struct {
  GHashTable *entries;          /* physical address -> entry */
  guint reads;
  guint64 unreadable;           /* this address cannot be read (0: none) */
} Memory;

static gboolean
read_entry (guint64  physical,
            guint64 *entry,
            gpointer data)
{
  Memory *m = data;
  gpointer value;

  m->reads++;
  if (physical == m->unreadable)
    return FALSE;
  value = g_hash_table_lookup (m->entries, &physical);
  *entry = value ? *(guint64 *) value : 0;
  return TRUE;
}

static void
put (Memory *m,
     guint64 table,
     guint   index,
     guint64 entry)
{
  guint64 *key = g_new (guint64, 1), *value = g_new (guint64, 1);

  *key = table + 8 * index;
  *value = entry;
  g_hash_table_insert (m->entries, key, value);
}

#define VA G_GUINT64_CONSTANT (0xfffff80012345678)
/* Its indexes: PML4 0x1f0, PDPT 0x000, PD 0x091, PT 0x145; offset 0x678. */

static void
test_walk (void)
{
  Memory m = { g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free), 0, 0 };
  KdhPageWalk walk;

  g_assert_cmpuint ((VA >> 39) & 0x1FF, ==, 0x1f0);
  g_assert_cmpuint ((VA >> 21) & 0x1FF, ==, 0x091);
  g_assert_cmpuint ((VA >> 12) & 0x1FF, ==, 0x145);

  /* Nothing mapped: the PML4E is zero. */
  g_assert_cmpint (kdh_paging_walk_amd64 (0x10000, VA, read_entry, &m, &walk), ==,
                   KDH_PAGING_NOT_PRESENT);
  g_assert_cmpuint (walk.levels, ==, 1);
  g_assert_cmphex (walk.entry_address[0], ==, 0x10000 + 8 * 0x1f0);

  /* A 4 KiB page; the directory base's low bits (PCID) are not part of it. */
  put (&m, 0x10000, 0x1f0, 0x11000 | 0x63);
  put (&m, 0x11000, 0x000, 0x12000 | 0x63);
  put (&m, 0x12000, 0x091, 0x13000 | 0x63);
  put (&m, 0x13000, 0x145, G_GUINT64_CONSTANT (0x80000000ABCDE963));
  g_assert_cmpint (kdh_paging_walk_amd64 (0x10000 | 0x5, VA, read_entry, &m, &walk), ==,
                   KDH_PAGING_MAPPED);
  g_assert_cmpuint (walk.levels, ==, 4);
  g_assert_false (walk.large);
  g_assert_cmphex (walk.directory, ==, 0x10000);
  g_assert_cmphex (walk.entry_address[1], ==, 0x11000);
  g_assert_cmphex (walk.entry_address[2], ==, 0x12000 + 8 * 0x091);
  g_assert_cmphex (walk.entry_address[3], ==, 0x13000 + 8 * 0x145);
  /* Bit 63 (no-execute) and the flags are not part of the frame. */
  g_assert_cmphex (walk.physical, ==, 0xABCDE678);

  /* A 2 MiB page at the PDE. */
  put (&m, 0x12000, 0x091, 0x40000000 | 0x80 | 0x63);
  g_assert_cmpint (kdh_paging_walk_amd64 (0x10000, VA, read_entry, &m, &walk), ==,
                   KDH_PAGING_MAPPED);
  g_assert_true (walk.large);
  g_assert_cmpuint (walk.levels, ==, 3);
  g_assert_cmphex (walk.physical, ==, 0x40000000 + (VA & 0x1FFFFF));

  /* A 1 GiB page at the PDPE. */
  put (&m, 0x11000, 0x000, G_GUINT64_CONSTANT (0x1C0000000) | 0x80 | 0x63);
  g_assert_cmpint (kdh_paging_walk_amd64 (0x10000, VA, read_entry, &m, &walk), ==,
                   KDH_PAGING_MAPPED);
  g_assert_cmpuint (walk.levels, ==, 2);
  g_assert_cmphex (walk.physical, ==, G_GUINT64_CONSTANT (0x1C0000000) + (VA & 0x3FFFFFFF));

  /* Not present at the PTE, the entry kept (a transition PTE is a
   * caller's business). */
  put (&m, 0x11000, 0x000, 0x12000 | 0x63);
  put (&m, 0x12000, 0x091, 0x13000 | 0x63);
  put (&m, 0x13000, 0x145, 0xABCDE800);
  g_assert_cmpint (kdh_paging_walk_amd64 (0x10000, VA, read_entry, &m, &walk), ==,
                   KDH_PAGING_NOT_PRESENT);
  g_assert_cmpuint (walk.levels, ==, 4);
  g_assert_cmphex (walk.entry[3], ==, 0xABCDE800);

  /* An entry that cannot be read ends the walk there. */
  m.unreadable = 0x12000 + 8 * 0x091;
  m.reads = 0;
  g_assert_cmpint (kdh_paging_walk_amd64 (0x10000, VA, read_entry, &m, &walk), ==,
                   KDH_PAGING_UNREADABLE);
  g_assert_cmpuint (walk.levels, ==, 3);
  g_assert_cmpuint (m.reads, ==, 3);
  g_assert_cmpstr (kdh_paging_level_name (2), ==, "PDE");
  g_hash_table_unref (m.entries);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/paging/walk", test_walk);
  return g_test_run ();
}
