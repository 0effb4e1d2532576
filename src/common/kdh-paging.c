/* kdh-paging.c: x64 four-level page tables, walked through a reader
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The layout is the processor's (AMD64 Architecture Programmer's Manual,
 * vol. 2, long-mode page translation): 9 bits of the address index each
 * table, bit 0 of an entry says present, bit 7 of a PDPE or PDE says it
 * maps a large page itself, bits 12-51 hold the next table's or the
 * page's frame.
 */
#include "kdh-paging.h"

#define PAGE_SHIFT    12

const gchar *
kdh_paging_level_name (guint level)
{
  static const gchar *const names[KDH_PAGING_LEVELS] = { "PML4E", "PDPE", "PDE", "PTE" };

  return level < KDH_PAGING_LEVELS ? names[level] : "?";
}

KdhPagingResult
kdh_paging_walk_amd64 (guint64            directory,
                       guint64            address,
                       KdhPagingReadFunc  read,
                       gpointer           data,
                       KdhPageWalk       *walk)
{
  guint64 table = directory & KDH_PTE_FRAME;

  *walk = (KdhPageWalk) { .directory = table };
  for (guint level = 0; level < KDH_PAGING_LEVELS; level++)
    {
      guint shift = PAGE_SHIFT + 9 * (KDH_PAGING_LEVELS - 1 - level);
      guint64 entry = 0;

      walk->entry_address[level] = table + 8 * ((address >> shift) & 0x1FF);
      walk->levels = level + 1;
      if (!read (walk->entry_address[level], &entry, data))
        return KDH_PAGING_UNREADABLE;
      walk->entry[level] = entry;
      if (!(entry & KDH_PTE_PRESENT))
        return KDH_PAGING_NOT_PRESENT;
      if ((level == 1 || level == 2) && (entry & KDH_PTE_LARGE))
        {
          guint64 size_mask = (G_GUINT64_CONSTANT (1) << shift) - 1;

          walk->large = TRUE;
          walk->physical = (entry & KDH_PTE_FRAME & ~size_mask) | (address & size_mask);
          return KDH_PAGING_MAPPED;
        }
      table = entry & KDH_PTE_FRAME;
    }
  walk->physical = table | (address & ((1u << PAGE_SHIFT) - 1));
  return KDH_PAGING_MAPPED;
}
