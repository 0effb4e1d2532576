/* kdh-pdb-symbols.c: symbol records, and the name and address indexes
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-pdb-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#define S_CONSTANT 0x1107
#define S_UDT 0x1108
#define S_LDATA32 0x110C
#define S_GDATA32 0x110D
#define S_PUB32 0x110E
#define S_LPROC32 0x110F
#define S_GPROC32 0x1110
#define S_LTHREAD32 0x1112
#define S_GTHREAD32 0x1113
#define S_LPROC32_ID 0x1146
#define S_GPROC32_ID 0x1147

#define PUB32_FUNCTION 0x2

/* A bound on symbols per file, against a PDB made to exhaust memory; far
 * above what an operating system's kernel has. */
#define MAX_SYMBOLS (16 * 1024 * 1024)

static void
add_symbol (KdhPdb       *pdb,
            KdhPdbSymbol *s,
            const gchar  *name)
{
  s->name = g_string_chunk_insert_const (pdb->strings, name);
  if (s->kind != KDH_PDB_CONSTANT && s->kind != KDH_PDB_UDT && s->section >= 1
      && s->section <= pdb->sections->len)
    {
      const KdhPdbSection *sec = &g_array_index (pdb->sections, KdhPdbSection, s->section - 1);

      s->has_address = TRUE;
      s->rva = sec->virtual_address + s->offset;
    }
  g_array_append_val (pdb->symbols, *s);
}

/* One record's body (after its length and kind). */
static void
read_record (KdhPdb    *pdb,
             guint16    kind,
             KdhCursor *c,
             gboolean   module_stream,
             guint16    module)
{
  KdhPdbSymbol s = { 0 };
  const gchar *name;

  switch (kind)
    {
    case S_PUB32:
      if (module_stream)
        return;
      s.kind = KDH_PDB_PUBLIC;
      s.is_code = (kdh_cursor_u32 (c) & PUB32_FUNCTION) != 0;
      s.offset = kdh_cursor_u32 (c);
      s.section = kdh_cursor_u16 (c);
      break;
    case S_GDATA32: case S_LDATA32: case S_GTHREAD32: case S_LTHREAD32:
      /* Module streams repeat the globals and add function statics: the
       * symbol record stream has every one that has a name of its own. */
      if (module_stream)
        return;
      s.kind = KDH_PDB_DATA;
      s.is_local = kind == S_LDATA32 || kind == S_LTHREAD32;
      s.type_index = kdh_cursor_u32 (c);
      s.offset = kdh_cursor_u32 (c);
      s.section = kdh_cursor_u16 (c);
      break;
    case S_GPROC32: case S_LPROC32: case S_GPROC32_ID: case S_LPROC32_ID:
      if (!module_stream)
        return;
      s.kind = KDH_PDB_FUNCTION;
      s.is_code = TRUE;
      s.is_local = kind == S_LPROC32 || kind == S_LPROC32_ID;
      s.module = module;
      kdh_cursor_skip (c, 12);   /* parent, end, next */
      s.size = kdh_cursor_u32 (c);
      kdh_cursor_skip (c, 8);    /* debug start and end */
      s.type_index = kdh_cursor_u32 (c);
      s.offset = kdh_cursor_u32 (c);
      s.section = kdh_cursor_u16 (c);
      kdh_cursor_u8 (c);         /* flags */
      break;
    case S_CONSTANT:
      if (module_stream)
        return;
      s.kind = KDH_PDB_CONSTANT;
      s.type_index = kdh_cursor_u32 (c);
      if (!kdh_cursor_numeric (c, &s.value))
        return;
      break;
    case S_UDT:
      if (module_stream)
        return;
      s.kind = KDH_PDB_UDT;
      s.type_index = kdh_cursor_u32 (c);
      break;
    default:
      return;
    }
  name = kdh_cursor_string (c);
  /* A record whose fields or name run past it is skipped, not trusted. */
  if (c->ok && *name != '\0')
    add_symbol (pdb, &s, name);
}

gboolean
kdh_pdb_read_symbol_records (KdhPdb        *pdb,
                             const guint8  *data,
                             gsize          length,
                             gsize          start,
                             gboolean       module_stream,
                             guint16        module,
                             GError       **error)
{
  gsize pos = start;

  while (pos + 4 <= length)
    {
      guint16 record_length = (guint16) (data[pos] | data[pos + 1] << 8);
      guint16 kind = (guint16) (data[pos + 2] | data[pos + 3] << 8);
      KdhCursor c;

      if (record_length < 2 || record_length > length - pos - 2)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The PDB file is corrupt: a symbol record at offset %" G_GSIZE_FORMAT
                         " runs past its stream."), pos);
          return FALSE;
        }
      if (pdb->symbols->len >= MAX_SYMBOLS)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("The PDB file has implausibly many symbols."));
          return FALSE;
        }
      kdh_cursor_init (&c, data + pos + 4, record_length - 2u);
      read_record (pdb, kind, &c, module_stream, module);
      pos += 2 + (gsize) record_length;
    }
  return TRUE;
}

/* ---- Indexes ----------------------------------------------------------- */

/* What a name or an address means first: a function or variable has more
 * to say (size, type) than the public that names the same place. */
static guint
rank (const KdhPdbSymbol *s)
{
  switch (s->kind)
    {
    case KDH_PDB_FUNCTION: return 0;
    case KDH_PDB_DATA: return 1;
    case KDH_PDB_PUBLIC: return 2;
    case KDH_PDB_CONSTANT: return 3;
    case KDH_PDB_UDT: default: return 4;
    }
}

guint
kdh_pdb_fold_hash (gconstpointer key)
{
  guint h = 5381;

  for (const gchar *p = key; *p; p++)
    h = h * 33 + (guchar) g_ascii_tolower (*p);
  return h;
}

gboolean
kdh_pdb_fold_equal (gconstpointer a,
                    gconstpointer b)
{
  return g_ascii_strcasecmp (a, b) == 0;
}

static gint
by_rva (gconstpointer a,
        gconstpointer b,
        gpointer      data)
{
  const KdhPdbSymbol *symbols = data;
  const KdhPdbSymbol *x = &symbols[*(const guint32 *) a], *y = &symbols[*(const guint32 *) b];

  if (x->rva != y->rva)
    return x->rva < y->rva ? -1 : 1;
  if (rank (x) != rank (y))
    return rank (x) < rank (y) ? -1 : 1;
  /* Stable: the earlier record first. */
  return *(const guint32 *) a < *(const guint32 *) b ? -1 : 1;
}

void
kdh_pdb_build_indexes (KdhPdb *pdb)
{
  const KdhPdbSymbol *symbols = (const KdhPdbSymbol *) pdb->symbols->data;
  guint32 kept = 0;

  pdb->by_name = g_hash_table_new (kdh_pdb_fold_hash, kdh_pdb_fold_equal);
  pdb->by_address = g_array_sized_new (FALSE, FALSE, sizeof (guint32), pdb->symbols->len);
  for (guint32 i = 0; i < pdb->symbols->len; i++)
    {
      const KdhPdbSymbol *s = &symbols[i];
      gpointer old = g_hash_table_lookup (pdb->by_name, s->name);

      if (old == NULL || rank (s) < rank (&symbols[GPOINTER_TO_UINT (old) - 1]))
        g_hash_table_insert (pdb->by_name, (gpointer) s->name, GUINT_TO_POINTER (i + 1));
      if (s->has_address)
        g_array_append_val (pdb->by_address, i);
    }
  g_array_sort_with_data (pdb->by_address, by_rva, (gpointer) symbols);
  /* One symbol per address: the best ranked, which sorts first. */
  for (guint32 i = 0; i < pdb->by_address->len; i++)
    {
      guint32 index = g_array_index (pdb->by_address, guint32, i);

      if (kept > 0
          && symbols[g_array_index (pdb->by_address, guint32, kept - 1)].rva == symbols[index].rva)
        continue;
      g_array_index (pdb->by_address, guint32, kept++) = index;
    }
  g_array_set_size (pdb->by_address, kept);
}

guint
kdh_pdb_get_n_symbols (const KdhPdb *pdb)
{
  return pdb->symbols->len;
}

const KdhPdbSymbol *
kdh_pdb_get_symbol (const KdhPdb *pdb,
                    guint         index)
{
  g_return_val_if_fail (index < pdb->symbols->len, NULL);
  return &g_array_index (pdb->symbols, KdhPdbSymbol, index);
}

const KdhPdbSymbol *
kdh_pdb_lookup_name (const KdhPdb *pdb,
                     const gchar  *name)
{
  guint v = GPOINTER_TO_UINT (g_hash_table_lookup (pdb->by_name, name));

  return v == 0 ? NULL : &g_array_index (pdb->symbols, KdhPdbSymbol, v - 1);
}

const KdhPdbSymbol *
kdh_pdb_lookup_address (const KdhPdb        *pdb,
                        guint32              rva,
                        const KdhPdbSymbol **next)
{
  const KdhPdbSymbol *symbols = (const KdhPdbSymbol *) pdb->symbols->data;
  const guint32 *order = (const guint32 *) pdb->by_address->data;
  guint lo = 0, hi = pdb->by_address->len;

  /* lo ends at the first symbol above @rva. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (symbols[order[mid]].rva <= rva)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (next != NULL)
    *next = lo < pdb->by_address->len ? &symbols[order[lo]] : NULL;
  return lo > 0 ? &symbols[order[lo - 1]] : NULL;
}
