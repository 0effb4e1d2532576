/* kdh-dump-file.h: reading a kernel crash dump file
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A 64-bit PAGEDU64 dump (full, or kernel and bitmap ones with an
 * SDMP/FDMP bitmap) or a 32-bit PAGEDUMP full dump (PAE or not), memory-mapped and read lazily: opening a dump of many
 * GiB checks the header and builds an index of a few KiB, and each read
 * looks its pages up. Every offset and count in the file is checked
 * against the file's size before use; a file that does not hold together
 * is refused with what is wrong. Pure: no I/O after the mapping, any
 * thread (one dump per thread).
 */
#pragma once

#include <glib.h>

#include "kdh-dump-format.h"

G_BEGIN_DECLS

#define KDH_DUMP_ERROR (kdh_dump_error_quark ())
GQuark kdh_dump_error_quark (void);

typedef enum {
  KDH_DUMP_ERROR_NOT_A_DUMP,      /* no PAGEDU64/PAGEDUMP signature */
  KDH_DUMP_ERROR_UNSUPPORTED,     /* a dump type or machine this reader does not read */
  KDH_DUMP_ERROR_CORRUPT,         /* a field out of range, a truncated file */
} KdhDumpError;

/* What the header says, decoded; 32-bit dumps' addresses sign-extended
 * as the KD protocol carries them. */
typedef struct {
  gboolean is_64;                 /* PAGEDU64; FALSE: PAGEDUMP (x86) */
  gboolean pae_enabled;           /* x86: 3-level PAE page tables */
  guint32 major_version;
  guint32 minor_version;          /* the build */
  guint64 directory_table_base;
  guint64 pfn_database;
  guint64 ps_loaded_module_list;
  guint64 ps_active_process_head;
  guint32 machine_type;
  guint32 number_processors;
  guint32 bugcheck_code;
  guint64 bugcheck_parameters[4];
  guint64 kd_debugger_data_block;
  guint32 dump_type;
  guint64 required_dump_space;
  guint64 system_time;            /* FILETIME */
  guint64 system_up_time;
  guint32 product_type;
  guint32 suite_mask;
  guint8 kd_secondary_version;
  const guint8 *context;          /* context_size bytes, in the mapping */
  gsize context_size;             /* 3000 (64-bit header) or 1200 (32-bit) */
  /* The exception record, when the header holds one (not "PAGE"). */
  gboolean has_exception;
  guint32 exception_code;
  guint32 exception_flags;
  guint64 exception_record;
  guint64 exception_address;
  guint32 exception_n_parameters; /* at most 15 */
  guint64 exception_information[15];
  guint64 n_pages;                /* physical pages the dump holds */
} KdhDumpHeader;

typedef struct _KdhDumpFile KdhDumpFile;

KdhDumpFile *kdh_dump_file_open      (const gchar  *path,
                                      GError      **error);
/* The same over bytes in memory (the fuzzer, tests). */
KdhDumpFile *kdh_dump_file_new_from_bytes (GBytes  *bytes,
                                           GError **error);
void         kdh_dump_file_free      (KdhDumpFile *dump);

const KdhDumpHeader *kdh_dump_file_get_header (KdhDumpFile *dump);

/* Physical memory: copies what the dump holds from @address on, stopping
 * at the first page it does not hold; returns how many bytes. */
gsize        kdh_dump_file_read_physical (KdhDumpFile *dump,
                                          guint64      address,
                                          guint8      *buffer,
                                          gsize        length);
/* Virtual to physical through the tables at @dtb: 4-level on x64, PAE or
 * 2-level on x86 (large pages, transition entries); FALSE when not mapped
 * or the tables are not in the dump. */
gboolean     kdh_dump_file_translate     (KdhDumpFile *dump,
                                          guint64      dtb,
                                          guint64      address,
                                          guint64     *physical);
/* Virtual memory through the header's DirectoryTableBase, stopping at the
 * first byte that cannot be read; returns how many bytes. */
gsize        kdh_dump_file_read_virtual  (KdhDumpFile *dump,
                                          guint64      address,
                                          guint8      *buffer,
                                          gsize        length);

G_END_DECLS
