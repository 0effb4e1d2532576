/* kdh-pdb.h: a program database (PDB) file's identity and symbols
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads a PDB from bytes: the info stream (GUID, age, named streams), the
 * DBI stream (modules, section headers through the optional debug
 * header), the public symbols (S_PUB32), the global data, constants and
 * types of the symbol record stream, and each module's procedures
 * (S_GPROC32, S_LPROC32). Lookups by name (case-insensitive, as KD's) and
 * by address use a hash table and a sorted array. Everything is checked
 * against the file's bounds: a truncated or hostile PDB gives an error.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KdhPdb KdhPdb;

typedef enum {
  KDH_PDB_PUBLIC,              /* S_PUB32 */
  KDH_PDB_FUNCTION,            /* S_GPROC32, S_LPROC32 */
  KDH_PDB_DATA,                /* S_GDATA32, S_LDATA32, S_GTHREAD32, S_LTHREAD32 */
  KDH_PDB_CONSTANT,            /* S_CONSTANT: a value, no address */
  KDH_PDB_UDT,                 /* S_UDT: a type's name, no address */
} KdhPdbSymbolKind;

typedef struct {
  const gchar *name;
  KdhPdbSymbolKind kind;
  gboolean is_local;           /* S_LPROC32, S_LDATA32: static */
  gboolean is_code;            /* a function, or a public marked as one */
  gboolean has_address;        /* its section exists */
  guint16 section;             /* 1-based, as the PDB says */
  guint32 offset;
  guint32 rva;                 /* from the section headers */
  guint32 size;                /* a function's code size; 0 when unknown */
  guint32 type_index;
  guint64 value;               /* constants */
  guint16 module;              /* DBI module + 1 for procedures, else 0 */
} KdhPdbSymbol;

/* @data must outlive the KdhPdb: types are read from it on first use. */
KdhPdb   *kdh_pdb_new            (const guint8  *data,
                                  gsize          length,
                                  GError       **error);
void      kdh_pdb_free           (KdhPdb        *pdb);

/* The identity an image's RSDS record must match. */
const guint8 *kdh_pdb_get_guid   (const KdhPdb  *pdb);   /* 16 bytes, as stored */
guint32   kdh_pdb_get_age        (const KdhPdb  *pdb);
/* "{7C9C9377-0119-E651-4C4C-44205044422E}" */
gchar    *kdh_pdb_format_guid    (const guint8  *guid);
/* The symbol store's directory name: GUID digits and the age in hex. */
gchar    *kdh_pdb_store_key      (const guint8  *guid,
                                  guint32        age);
guint16   kdh_pdb_get_machine    (const KdhPdb  *pdb);
/* A named stream's index ("/names"); FALSE when it has none. */
gboolean  kdh_pdb_get_named_stream (const KdhPdb *pdb,
                                    const gchar  *name,
                                    guint32      *stream);
guint     kdh_pdb_get_n_sections (const KdhPdb  *pdb);
guint     kdh_pdb_get_n_modules  (const KdhPdb  *pdb);

guint     kdh_pdb_get_n_symbols  (const KdhPdb  *pdb);
const KdhPdbSymbol *kdh_pdb_get_symbol (const KdhPdb *pdb,
                                        guint         index);
/* By name, ignoring case; a function or data before a public of the same
 * name. NULL when there is none. */
const KdhPdbSymbol *kdh_pdb_lookup_name (const KdhPdb *pdb,
                                         const gchar  *name);
/* The symbol with an address nearest at or below @rva (functions before
 * data before publics at one address), and the next one above it
 * (@next may be NULL). NULL when none lies at or below. */
const KdhPdbSymbol *kdh_pdb_lookup_address (const KdhPdb        *pdb,
                                            guint32              rva,
                                            const KdhPdbSymbol **next);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhPdb, kdh_pdb_free)

G_END_DECLS
