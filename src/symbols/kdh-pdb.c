/* kdh-pdb.c: a program database (PDB) file's identity and symbols
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-pdb-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "common/kdh-le.h"

/* Fixed stream numbers. */
#define STREAM_INFO 1
#define STREAM_DBI 3

#define DBI_HEADER_SIZE 64
#define MODULE_INFO_FIXED 64
#define SECTION_HEADER_SIZE 40
/* The optional debug header's slot for the section header stream. */
#define DEBUG_SECTION_HEADERS 5
#define MAX_NAMED_STREAMS 4096

/* ---- Cursor ------------------------------------------------------------ */

void
kdh_cursor_init (KdhCursor    *c,
                 const guint8 *data,
                 gsize         length)
{
  c->data = data;
  c->length = length;
  c->pos = 0;
  c->ok = TRUE;
}

static gboolean
cursor_take (KdhCursor *c,
             gsize      n)
{
  if (!c->ok || n > c->length || c->pos > c->length - n)
    {
      c->ok = FALSE;
      return FALSE;
    }
  return TRUE;
}

guint8
kdh_cursor_u8 (KdhCursor *c)
{
  if (!cursor_take (c, 1))
    return 0;
  return c->data[c->pos++];
}

guint16
kdh_cursor_u16 (KdhCursor *c)
{
  guint16 v;

  if (!cursor_take (c, 2))
    return 0;
  v = kdh_read_le16 (c->data + c->pos);
  c->pos += 2;
  return v;
}

guint32
kdh_cursor_u32 (KdhCursor *c)
{
  guint32 v;

  if (!cursor_take (c, 4))
    return 0;
  v = kdh_read_le32 (c->data + c->pos);
  c->pos += 4;
  return v;
}

void
kdh_cursor_skip (KdhCursor *c,
                 gsize      n)
{
  if (cursor_take (c, n))
    c->pos += n;
}

const gchar *
kdh_cursor_string (KdhCursor *c)
{
  const guint8 *end;
  const gchar *s;

  if (!c->ok || c->pos >= c->length)
    {
      c->ok = FALSE;
      return NULL;
    }
  end = memchr (c->data + c->pos, 0, c->length - c->pos);
  if (end == NULL)
    {
      c->ok = FALSE;
      return NULL;
    }
  s = (const gchar *) c->data + c->pos;
  c->pos = (gsize) (end - c->data) + 1;
  return s;
}

gboolean
kdh_cursor_numeric (KdhCursor *c,
                    guint64   *value)
{
  guint16 leaf = kdh_cursor_u16 (c);

  if (leaf < 0x8000)
    {
      *value = leaf;
      return c->ok;
    }
  switch (leaf)
    {
    case 0x8000: *value = (guint64) (gint64) (gint8) kdh_cursor_u8 (c); break;     /* LF_CHAR */
    case 0x8001: *value = (guint64) (gint64) (gint16) kdh_cursor_u16 (c); break;   /* LF_SHORT */
    case 0x8002: *value = kdh_cursor_u16 (c); break;                                /* LF_USHORT */
    case 0x8003: *value = (guint64) (gint64) (gint32) kdh_cursor_u32 (c); break;   /* LF_LONG */
    case 0x8004: *value = kdh_cursor_u32 (c); break;                                /* LF_ULONG */
    case 0x8009:                                                                    /* LF_QUADWORD */
    case 0x800A:                                                                    /* LF_UQUADWORD */
      {
        guint64 lo = kdh_cursor_u32 (c);

        *value = lo | (guint64) kdh_cursor_u32 (c) << 32;
        break;
      }
    default:
      c->ok = FALSE;
      return FALSE;
    }
  return c->ok;
}

/* ---- Streams ----------------------------------------------------------- */

static gboolean
corrupt (GError     **error,
         const gchar *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The PDB file is corrupt: %s."),
               what);
  return FALSE;
}

/* Stream 1: version, signature, age, GUID, then the named stream map (a
 * string buffer and a serialized hash table of offset -> stream). */
static gboolean
read_info (KdhPdb  *pdb,
           GError **error)
{
  g_autoptr (GBytes) bytes = kdh_msf_read_stream (pdb->msf, STREAM_INFO, error);
  KdhCursor c;
  guint32 strings_len, n_present, capacity, words, deleted_words;
  gsize strings_at;
  g_autofree guint32 *present = NULL;

  if (bytes == NULL)
    return FALSE;
  kdh_cursor_init (&c, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  kdh_cursor_u32 (&c);   /* version */
  pdb->signature = kdh_cursor_u32 (&c);
  pdb->age = kdh_cursor_u32 (&c);
  if (cursor_take (&c, 16))
    memcpy (pdb->guid, c.data + c.pos, 16);
  kdh_cursor_skip (&c, 16);
  if (!c.ok)
    return corrupt (error, _("its info stream is truncated"));

  strings_len = kdh_cursor_u32 (&c);
  strings_at = c.pos;
  kdh_cursor_skip (&c, strings_len);
  n_present = kdh_cursor_u32 (&c);
  capacity = kdh_cursor_u32 (&c);
  words = kdh_cursor_u32 (&c);
  if (!c.ok || n_present > MAX_NAMED_STREAMS || n_present > capacity
      || words > c.length / 4)
    return corrupt (error, _("its named stream map is out of bounds"));
  present = g_new0 (guint32, MAX (words, 1));
  for (guint32 i = 0; i < words; i++)
    present[i] = kdh_cursor_u32 (&c);
  deleted_words = kdh_cursor_u32 (&c);
  kdh_cursor_skip (&c, 4 * (gsize) MIN (deleted_words, c.length / 4));
  for (guint32 bit = 0, seen = 0; c.ok && seen < n_present && bit < 32 * words; bit++)
    {
      guint32 key, stream;

      if (!(present[bit / 32] & (1u << (bit % 32))))
        continue;
      seen++;
      key = kdh_cursor_u32 (&c);
      stream = kdh_cursor_u32 (&c);
      if (c.ok && key < strings_len
          && memchr (c.data + strings_at + key, 0, strings_len - key) != NULL)
        g_hash_table_insert (pdb->named_streams,
                             g_strdup ((const gchar *) c.data + strings_at + key),
                             GUINT_TO_POINTER (stream + 1));
    }
  if (!c.ok)
    return corrupt (error, _("its named stream map is truncated"));
  return TRUE;
}

static gboolean
read_sections (KdhPdb  *pdb,
               guint16  stream,
               GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  const guint8 *p;
  gsize n;

  if (stream == 0xFFFF)
    return TRUE;   /* no section headers: nothing has an address */
  bytes = kdh_msf_read_stream (pdb->msf, stream, error);
  if (bytes == NULL)
    return FALSE;
  p = g_bytes_get_data (bytes, &n);
  for (gsize i = 0; i + SECTION_HEADER_SIZE <= n; i += SECTION_HEADER_SIZE)
    {
      KdhPdbSection s = { { 0 } };

      memcpy (s.name, p + i, 8);
      s.virtual_size = kdh_read_le32 (p + i + 8);
      s.virtual_address = kdh_read_le32 (p + i + 12);
      g_array_append_val (pdb->sections, s);
    }
  return TRUE;
}

/* One module's stream: a signature, then symbol records. */
static gboolean
read_module (KdhPdb   *pdb,
             guint16   stream,
             guint32   sym_bytes,
             guint16   module,
             GError  **error)
{
  g_autoptr (GBytes) bytes = NULL;
  gsize n;

  if (stream == 0xFFFF || sym_bytes == 0)
    return TRUE;
  bytes = kdh_msf_read_stream (pdb->msf, stream, error);
  if (bytes == NULL)
    return FALSE;
  n = g_bytes_get_size (bytes);
  if (sym_bytes > n)
    return corrupt (error, _("a module's symbols run past its stream"));
  return kdh_pdb_read_symbol_records (pdb, g_bytes_get_data (bytes, NULL), sym_bytes, 4, TRUE,
                                      module, error);
}

/* Stream 3: the header, the module list, and (skipping the substreams we do
 * not use) the optional debug header. */
static gboolean
read_dbi (KdhPdb  *pdb,
          GError **error)
{
  g_autoptr (GBytes) bytes = kdh_msf_read_stream (pdb->msf, STREAM_DBI, error);
  g_autoptr (GBytes) records = NULL;
  KdhCursor c, mods;
  guint32 sizes[7];
  guint16 symrec_stream, section_stream = 0xFFFF;
  gsize at;

  if (bytes == NULL)
    return FALSE;
  kdh_cursor_init (&c, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if ((gint32) kdh_cursor_u32 (&c) != -1)
    return corrupt (error, _("its DBI stream has an old or unknown header"));
  kdh_cursor_u32 (&c);   /* version */
  pdb->dbi_age = kdh_cursor_u32 (&c);
  kdh_cursor_skip (&c, 8);   /* global, build, public stream, dll version */
  symrec_stream = kdh_cursor_u16 (&c);
  kdh_cursor_u16 (&c);
  /* Module info, section contributions, section map, source info, type
   * server map, (MFC index), optional debug header, EC: their sizes. */
  sizes[0] = kdh_cursor_u32 (&c);
  sizes[1] = kdh_cursor_u32 (&c);
  sizes[2] = kdh_cursor_u32 (&c);
  sizes[3] = kdh_cursor_u32 (&c);
  sizes[4] = kdh_cursor_u32 (&c);
  kdh_cursor_u32 (&c);
  sizes[6] = kdh_cursor_u32 (&c);   /* optional debug header */
  sizes[5] = kdh_cursor_u32 (&c);   /* EC, which comes before it */
  kdh_cursor_u16 (&c);
  pdb->machine = kdh_cursor_u16 (&c);
  kdh_cursor_u32 (&c);
  if (!c.ok)
    return corrupt (error, _("its DBI stream is truncated"));
  for (guint i = 0; i < 7; i++)
    if ((gint32) sizes[i] < 0)
      return corrupt (error, _("its DBI stream has a negative substream size"));

  /* The module list. */
  if (sizes[0] > c.length - c.pos)
    return corrupt (error, _("its module list runs past the DBI stream"));
  kdh_cursor_init (&mods, c.data + c.pos, sizes[0]);
  while (mods.ok && mods.pos < mods.length)
    {
      const gchar *name;

      /* Unused, first contribution, flags, stream, symbol bytes, ... */
      kdh_cursor_skip (&mods, MODULE_INFO_FIXED);
      name = kdh_cursor_string (&mods);
      kdh_cursor_string (&mods);   /* object file */
      kdh_cursor_skip (&mods, (4 - mods.pos % 4) % 4);
      if (!mods.ok)
        return corrupt (error, _("its module list is truncated"));
      if (pdb->module_names->len >= 0xFFFF)
        return corrupt (error, _("it has too many modules"));
      g_ptr_array_add (pdb->module_names, g_string_chunk_insert (pdb->strings, name));
    }

  /* The optional debug header: stream numbers, one of them the section
   * headers'. */
  at = c.pos;
  for (guint i = 0; i < 6; i++)
    {
      if (sizes[i] > c.length - at)
        return corrupt (error, _("its substreams run past the DBI stream"));
      at += sizes[i];
    }
  if (sizes[6] > c.length - at)
    return corrupt (error, _("its debug header runs past the DBI stream"));
  if (sizes[6] >= 2 * (DEBUG_SECTION_HEADERS + 1))
    section_stream = kdh_read_le16 (c.data + at + 2 * DEBUG_SECTION_HEADERS);
  if (!read_sections (pdb, section_stream, error))
    return FALSE;

  /* Every module's procedures, then the global symbol records. */
  kdh_cursor_init (&mods, c.data + c.pos, sizes[0]);
  for (guint16 m = 0; mods.pos < mods.length; m++)
    {
      guint16 stream;
      guint32 sym_bytes;
      KdhPdbModuleStream ms;

      kdh_cursor_skip (&mods, 4 + 28 + 2);
      stream = kdh_cursor_u16 (&mods);
      sym_bytes = kdh_cursor_u32 (&mods);
      kdh_cursor_skip (&mods, MODULE_INFO_FIXED - 4 - 28 - 2 - 2 - 4);
      kdh_cursor_string (&mods);
      kdh_cursor_string (&mods);
      kdh_cursor_skip (&mods, (4 - mods.pos % 4) % 4);
      ms.stream = stream;
      ms.symbol_bytes = sym_bytes;
      g_array_append_val (pdb->module_streams, ms);
      if (!read_module (pdb, stream, sym_bytes, m + 1, error))
        return FALSE;
    }
  if (symrec_stream != 0xFFFF)
    {
      records = kdh_msf_read_stream (pdb->msf, symrec_stream, error);
      if (records == NULL
          || !kdh_pdb_read_symbol_records (pdb, g_bytes_get_data (records, NULL),
                                           g_bytes_get_size (records), 0, FALSE, 0, error))
        return FALSE;
    }
  return TRUE;
}

KdhPdb *
kdh_pdb_new (const guint8  *data,
             gsize          length,
             GError       **error)
{
  g_autoptr (KdhPdb) pdb = g_new0 (KdhPdb, 1);

  pdb->named_streams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  pdb->sections = g_array_new (FALSE, FALSE, sizeof (KdhPdbSection));
  pdb->module_names = g_ptr_array_new ();
  pdb->module_streams = g_array_new (FALSE, FALSE, sizeof (KdhPdbModuleStream));
  pdb->strings = g_string_chunk_new (4096);
  pdb->symbols = g_array_new (FALSE, FALSE, sizeof (KdhPdbSymbol));
  pdb->msf = kdh_msf_new (data, length, error);
  if (pdb->msf == NULL || !read_info (pdb, error) || !read_dbi (pdb, error))
    return NULL;
  kdh_pdb_build_indexes (pdb);
  return g_steal_pointer (&pdb);
}

void
kdh_pdb_free (KdhPdb *pdb)
{
  if (pdb == NULL)
    return;
  kdh_msf_free (pdb->msf);
  g_hash_table_unref (pdb->named_streams);
  g_array_unref (pdb->sections);
  g_ptr_array_unref (pdb->module_names);
  g_array_unref (pdb->module_streams);
  g_string_chunk_free (pdb->strings);
  g_array_unref (pdb->symbols);
  g_clear_pointer (&pdb->by_address, g_array_unref);
  g_clear_pointer (&pdb->by_name, g_hash_table_unref);
  g_clear_pointer (&pdb->tpi, g_bytes_unref);
  g_clear_pointer (&pdb->type_offsets, g_array_unref);
  g_clear_pointer (&pdb->types_by_name, g_hash_table_unref);
  g_free (pdb);
}

const guint8 *
kdh_pdb_get_guid (const KdhPdb *pdb)
{
  return pdb->guid;
}

guint32
kdh_pdb_get_age (const KdhPdb *pdb)
{
  return pdb->age;
}

gchar *
kdh_pdb_format_guid (const guint8 *g)
{
  return g_strdup_printf ("{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                          kdh_read_le32 (g), kdh_read_le16 (g + 4), kdh_read_le16 (g + 6),
                          g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

gchar *
kdh_pdb_store_key (const guint8 *g,
                   guint32       age)
{
  return g_strdup_printf ("%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%X",
                          kdh_read_le32 (g), kdh_read_le16 (g + 4), kdh_read_le16 (g + 6),
                          g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], age);
}

guint16
kdh_pdb_get_machine (const KdhPdb *pdb)
{
  return pdb->machine;
}

gboolean
kdh_pdb_get_named_stream (const KdhPdb *pdb,
                          const gchar  *name,
                          guint32      *stream)
{
  guint v = GPOINTER_TO_UINT (g_hash_table_lookup (pdb->named_streams, name));

  if (v == 0)
    return FALSE;
  *stream = v - 1;
  return TRUE;
}

guint
kdh_pdb_get_n_sections (const KdhPdb *pdb)
{
  return pdb->sections->len;
}

guint
kdh_pdb_get_n_modules (const KdhPdb *pdb)
{
  return pdb->module_names->len;
}
