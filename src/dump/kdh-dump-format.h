/* kdh-dump-format.h: the layout of a 64-bit kernel crash dump's header
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Offsets of DUMP_HEADER64 and of the bitmap header that follows it in
 * bitmap dumps, as public readers agree on them (docs/dump-format.md lists
 * the sources). The reader and the writer share them, so a test checks
 * the files with a reader of its own.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_DUMP_PAGE_SIZE            0x1000u
#define KDH_DUMP_HEADER64_SIZE        0x2000u
/* Unset header fields hold the signature "PAGE" repeated. */
#define KDH_DUMP_FILL                 0x45474150u          /* "PAGE" */
#define KDH_DUMP_VALID64              0x34365544u          /* "DU64" */
#define KDH_DUMP_VALID32              0x504D5544u          /* "DUMP" */

#define KDH_DUMP_OFF_SIGNATURE        0x000
#define KDH_DUMP_OFF_VALID            0x004
#define KDH_DUMP_OFF_MAJOR            0x008
#define KDH_DUMP_OFF_MINOR            0x00C
#define KDH_DUMP_OFF_DTB              0x010
#define KDH_DUMP_OFF_PFN_DATABASE     0x018
#define KDH_DUMP_OFF_MODULE_LIST      0x020
#define KDH_DUMP_OFF_PROCESS_HEAD     0x028
#define KDH_DUMP_OFF_MACHINE          0x030
#define KDH_DUMP_OFF_N_PROCESSORS     0x034
#define KDH_DUMP_OFF_BUGCHECK_CODE    0x038
#define KDH_DUMP_OFF_BUGCHECK_PARAMS  0x040                /* 4 x u64 */
#define KDH_DUMP_OFF_VERSION_USER     0x060                /* 32 bytes */
#define KDH_DUMP_OFF_KDDEBUGGER_DATA  0x080
#define KDH_DUMP_OFF_PHYS_BLOCK       0x088                /* PHYSICAL_MEMORY_DESCRIPTOR64 */
#define KDH_DUMP_PHYS_BLOCK_SIZE      0x2C0                /* 700 bytes, padded */
#define KDH_DUMP_OFF_CONTEXT          0x348
#define KDH_DUMP_CONTEXT_SIZE         3000
#define KDH_DUMP_OFF_EXCEPTION        0xF00                /* EXCEPTION_RECORD64 */
#define KDH_DUMP_EXCEPTION_SIZE       0x98
#define KDH_DUMP_OFF_DUMP_TYPE        0xF98
#define KDH_DUMP_OFF_REQUIRED_SPACE   0xFA0
#define KDH_DUMP_OFF_SYSTEM_TIME      0xFA8
#define KDH_DUMP_OFF_COMMENT          0xFB0                /* 128 bytes */
#define KDH_DUMP_OFF_SYSTEM_UP_TIME   0x1030
#define KDH_DUMP_OFF_MINIDUMP_FIELDS  0x1038
#define KDH_DUMP_OFF_SECONDARY_STATE  0x103C
#define KDH_DUMP_OFF_PRODUCT_TYPE     0x1040
#define KDH_DUMP_OFF_SUITE_MASK       0x1044
#define KDH_DUMP_OFF_WRITER_STATUS    0x1048
#define KDH_DUMP_OFF_KD_SECONDARY     0x104D

/* PHYSICAL_MEMORY_DESCRIPTOR64: NumberOfRuns (u32, padded), NumberOfPages
 * (u64), then {BasePage, PageCount} pairs of u64. */
#define KDH_DUMP_MAX_RUNS ((KDH_DUMP_PHYS_BLOCK_SIZE - 0x10) / 0x10)   /* 43 */

/* The 32-bit header (PAGEDUMP, 0x1000 bytes): where it differs. Bin2Dmp's
 * DUMP_HEADER32 and volatility agree; rizin's struct leaves out the
 * reserved bytes before DumpType. */
#define KDH_DUMP_HEADER32_SIZE        0x1000u
#define KDH_DUMP32_OFF_DTB            0x010
#define KDH_DUMP32_OFF_PFN_DATABASE   0x014
#define KDH_DUMP32_OFF_MODULE_LIST    0x018
#define KDH_DUMP32_OFF_PROCESS_HEAD   0x01C
#define KDH_DUMP32_OFF_MACHINE        0x020
#define KDH_DUMP32_OFF_N_PROCESSORS   0x024
#define KDH_DUMP32_OFF_BUGCHECK_CODE  0x028
#define KDH_DUMP32_OFF_BUGCHECK_PARAMS 0x02C               /* 4 x u32 */
#define KDH_DUMP32_OFF_PAE_ENABLED    0x05C
#define KDH_DUMP32_OFF_KD_SECONDARY   0x05D
#define KDH_DUMP32_OFF_KDDEBUGGER_DATA 0x060
#define KDH_DUMP32_OFF_PHYS_BLOCK     0x064                /* NumberOfRuns, NumberOfPages, {u32, u32} */
#define KDH_DUMP32_PHYS_BLOCK_SIZE    700
#define KDH_DUMP32_OFF_CONTEXT        0x320                /* 1200 bytes */
#define KDH_DUMP32_CONTEXT_SIZE       1200
#define KDH_DUMP32_OFF_EXCEPTION      0x7D0                /* EXCEPTION_RECORD32, 0x50 */
#define KDH_DUMP32_OFF_DUMP_TYPE      0xF88
#define KDH_DUMP32_OFF_PRODUCT_TYPE   0xF94
#define KDH_DUMP32_OFF_SUITE_MASK     0xF98
#define KDH_DUMP32_OFF_REQUIRED_SPACE 0xFA0
#define KDH_DUMP32_OFF_SYSTEM_UP_TIME 0xFB8
#define KDH_DUMP32_OFF_SYSTEM_TIME    0xFC0
#define KDH_DUMP32_MAX_RUNS ((KDH_DUMP32_PHYS_BLOCK_SIZE - 8) / 8)         /* 86 */

/* The bitmap header at 0x2000 in dump types 5 and 6. */
#define KDH_DUMP_BMP_SDMP             0x504D4453u          /* "SDMP" */
#define KDH_DUMP_BMP_FDMP             0x504D4446u          /* "FDMP" */
#define KDH_DUMP_BMP_OFF_FIRST_PAGE   0x20                 /* file offset of the first page */
#define KDH_DUMP_BMP_OFF_TOTAL_PRESENT 0x28
#define KDH_DUMP_BMP_OFF_PAGES        0x30                 /* bits in the bitmap */
#define KDH_DUMP_BMP_OFF_BITMAP       0x38

typedef enum {
  KDH_DUMP_TYPE_FULL = 1,
  KDH_DUMP_TYPE_KERNEL = 2,
  KDH_DUMP_TYPE_TRIAGE = 4,
  KDH_DUMP_TYPE_BITMAP_FULL = 5,
  KDH_DUMP_TYPE_BITMAP_KERNEL = 6,
} KdhDumpType;

/* "full", "kernel", "bitmap full", "bitmap kernel", or NULL. */
const gchar *kdh_dump_type_name (guint32 type);

G_END_DECLS
