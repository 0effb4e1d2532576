/* kdh-pdb-private.h: what the PDB reader's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-pdb.c          the info and DBI streams, sections, the whole load
 * kdh-pdb-symbols.c  symbol records, and the name and address indexes
 * kdh-pdb-types.c    the TPI stream's type records
 */
#pragma once

#include "kdh-pdb.h"
#include "kdh-msf.h"

G_BEGIN_DECLS

/* A bounded cursor over a stream: reads past the end give zeros and clear
 * ok, so a parser checks once after a group of reads. */
typedef struct {
  const guint8 *data;
  gsize length;
  gsize pos;
  gboolean ok;
} KdhCursor;

void     kdh_cursor_init  (KdhCursor *c, const guint8 *data, gsize length);
guint8   kdh_cursor_u8    (KdhCursor *c);
guint16  kdh_cursor_u16   (KdhCursor *c);
guint32  kdh_cursor_u32   (KdhCursor *c);
void     kdh_cursor_skip  (KdhCursor *c, gsize n);
/* A NUL-terminated string; NULL (and ok cleared) when unterminated. */
const gchar *kdh_cursor_string (KdhCursor *c);
/* A CodeView numeric leaf (a value, and the leaf kinds that spell larger
 * or signed ones); FALSE for a leaf that is not a number. */
gboolean kdh_cursor_numeric (KdhCursor *c, guint64 *value);

typedef struct {
  gchar name[9];
  guint32 virtual_size;
  guint32 virtual_address;
} KdhPdbSection;

typedef struct {
  guint16 stream;              /* 0xFFFF: none */
  guint32 symbol_bytes;        /* the signature and symbol records at its start */
} KdhPdbModuleStream;

struct _KdhPdb
{
  KdhMsf *msf;
  guint8 guid[16];
  guint32 age;
  guint32 signature;
  guint32 dbi_age;
  guint16 machine;
  GHashTable *named_streams;   /* name -> stream + 1 */
  GArray *sections;            /* KdhPdbSection */
  GPtrArray *module_names;     /* gchar*, per DBI module */
  GArray *module_streams;      /* KdhPdbModuleStream, per DBI module */
  GStringChunk *strings;
  GArray *symbols;             /* KdhPdbSymbol */
  GArray *by_address;          /* guint32 indexes into symbols, by rva */
  GHashTable *by_name;         /* folded name -> index + 1 */
  GBytes *tpi;                 /* the TPI stream, once types are loaded */
  guint32 type_begin;          /* the first type index in it */
  GArray *type_offsets;        /* guint32: each record's offset in tpi */
  GHashTable *types_by_name;   /* folded tag -> type index (definitions first) */
};

/* kdh-pdb-symbols.c */
gboolean kdh_pdb_read_symbol_records (KdhPdb        *pdb,
                                      const guint8  *data,
                                      gsize          length,
                                      gsize          start,
                                      gboolean       module_stream,
                                      guint16        module,
                                      GError       **error);
void     kdh_pdb_build_indexes       (KdhPdb        *pdb);
guint    kdh_pdb_fold_hash           (gconstpointer  key);
gboolean kdh_pdb_fold_equal          (gconstpointer  a,
                                      gconstpointer  b);

G_END_DECLS
