/* kdh-paging.h: x64 four-level page tables, walked through a reader
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: the caller reads each 8-byte entry from physical memory (a live
 * target's ReadPhysicalMemory, a crash dump's pages), this follows them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An entry's bits (AMD64 long mode; a PTE's prototype and transition bits
 * are Windows' own, for a page that is not present). */
#define KDH_PTE_PRESENT     (G_GUINT64_CONSTANT (1) << 0)
#define KDH_PTE_LARGE       (G_GUINT64_CONSTANT (1) << 7)
#define KDH_PTE_PROTOTYPE   (G_GUINT64_CONSTANT (1) << 10)
#define KDH_PTE_TRANSITION  (G_GUINT64_CONSTANT (1) << 11)
#define KDH_PTE_NO_EXECUTE  (G_GUINT64_CONSTANT (1) << 63)
#define KDH_PTE_FRAME       G_GUINT64_CONSTANT (0x000FFFFFFFFFF000)

/* The levels, from the top: PML4E, PDPE, PDE, PTE. */
#define KDH_PAGING_LEVELS 4

typedef enum {
  KDH_PAGING_MAPPED,            /* walk->physical holds the address */
  KDH_PAGING_NOT_PRESENT,       /* the entry at walk->levels - 1 is not present */
  KDH_PAGING_UNREADABLE,        /* that entry could not be read */
} KdhPagingResult;

typedef struct {
  guint64 directory;            /* the PML4's physical address */
  guint levels;                 /* entries looked at */
  guint64 entry_address[KDH_PAGING_LEVELS];   /* physical */
  guint64 entry[KDH_PAGING_LEVELS];
  gboolean large;               /* a 1 GiB (PDPE) or 2 MiB (PDE) page */
  guint64 physical;
} KdhPageWalk;

/* Reads the 8-byte entry at @physical; FALSE if it cannot. */
typedef gboolean (*KdhPagingReadFunc) (guint64  physical,
                                       guint64 *entry,
                                       gpointer data);

const gchar     *kdh_paging_level_name (guint level);   /* "PML4E" ... "PTE" */
KdhPagingResult  kdh_paging_walk_amd64 (guint64            directory,
                                        guint64            address,
                                        KdhPagingReadFunc  read,
                                        gpointer           data,
                                        KdhPageWalk       *walk);

G_END_DECLS
