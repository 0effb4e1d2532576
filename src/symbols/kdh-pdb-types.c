/* kdh-pdb-types.c: the types of a PDB's TPI stream
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-pdb-types.h"
#include "kdh-pdb-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "common/kdh-le.h"

#define STREAM_TPI 2
#define TPI_HEADER_MIN 56
#define FIRST_TYPE 0x1000
#define MAX_TYPES (8 * 1024 * 1024)
/* Bounds on walking chains: continuation field lists, nested names. */
#define MAX_CONTINUATIONS 256
#define MAX_NAME_DEPTH 16

#define LF_MODIFIER 0x1001
#define LF_POINTER 0x1002
#define LF_PROCEDURE 0x1008
#define LF_MFUNCTION 0x1009
#define LF_BITFIELD 0x1205
#define LF_FIELDLIST 0x1203
#define LF_BCLASS 0x1400
#define LF_VBCLASS 0x1401
#define LF_IVBCLASS 0x1402
#define LF_INDEX 0x1404
#define LF_VFUNCTAB 0x1409
#define LF_ENUMERATE 0x1502
#define LF_ARRAY 0x1503
#define LF_CLASS 0x1504
#define LF_STRUCTURE 0x1505
#define LF_UNION 0x1506
#define LF_ENUM 0x1507
#define LF_MEMBER 0x150D
#define LF_STMEMBER 0x150E
#define LF_METHOD 0x150F
#define LF_NESTTYPE 0x1510
#define LF_ONEMETHOD 0x1511

#define PROP_FORWARD 0x80

gboolean
kdh_pdb_load_types (KdhPdb  *pdb,
                    GError **error)
{
  g_autoptr (GBytes) tpi = NULL;
  const guint8 *data;
  gsize length, pos;
  guint32 header_size, begin, end, record_bytes;

  if (pdb->tpi != NULL)
    return TRUE;
  tpi = kdh_msf_read_stream (pdb->msf, STREAM_TPI, error);
  if (tpi == NULL)
    return FALSE;
  data = g_bytes_get_data (tpi, &length);
  if (length < TPI_HEADER_MIN)
    goto corrupt;
  header_size = kdh_read_le32 (data + 4);
  begin = kdh_read_le32 (data + 8);
  end = kdh_read_le32 (data + 12);
  record_bytes = kdh_read_le32 (data + 16);
  if (header_size < TPI_HEADER_MIN || header_size > length
      || record_bytes > length - header_size || begin != FIRST_TYPE || end < begin
      || end - begin > MAX_TYPES)
    goto corrupt;

  pdb->type_offsets = g_array_sized_new (FALSE, FALSE, sizeof (guint32), end - begin);
  pdb->types_by_name = g_hash_table_new (kdh_pdb_fold_hash, kdh_pdb_fold_equal);
  pdb->type_begin = begin;
  pdb->tpi = g_steal_pointer (&tpi);
  for (pos = header_size; pos + 4 <= (gsize) header_size + record_bytes
       && pdb->type_offsets->len < end - begin;)
    {
      guint16 len = kdh_read_le16 (data + pos);
      guint32 offset = (guint32) pos;

      if (len < 2 || pos + 2 + len > (gsize) header_size + record_bytes)
        break;
      g_array_append_val (pdb->type_offsets, offset);
      pos += 2 + (gsize) len;
    }
  /* Names of structs, unions and enums: definitions win over forward
   * references. */
  for (guint32 i = 0; i < pdb->type_offsets->len; i++)
    {
      KdhType t;
      gpointer old;

      if (!kdh_pdb_get_type (pdb, begin + i, &t) || t.name == NULL
          || (t.kind != KDH_TYPE_STRUCT && t.kind != KDH_TYPE_UNION && t.kind != KDH_TYPE_ENUM))
        continue;
      old = g_hash_table_lookup (pdb->types_by_name, t.name);
      if (old == NULL || (!t.is_forward && kdh_pdb_get_type (pdb, GPOINTER_TO_UINT (old), &t)
                          && t.is_forward))
        {
          kdh_pdb_get_type (pdb, begin + i, &t);
          g_hash_table_insert (pdb->types_by_name, (gpointer) t.name,
                               GUINT_TO_POINTER (begin + i));
        }
    }
  return TRUE;

corrupt:
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The PDB file is corrupt: its type stream header is out of bounds."));
  return FALSE;
}

static gboolean
simple_type (guint32  index,
             KdhType *t)
{
  static const struct {
    guint8 code;
    const gchar *name;
    guint8 size;
    gboolean is_signed;
    gboolean is_char;
  } simple[] = {
    { 0x03, "Void", 0, FALSE, FALSE }, { 0x08, "Int4B", 4, TRUE, FALSE },
    { 0x10, "Char", 1, TRUE, TRUE }, { 0x20, "UChar", 1, FALSE, TRUE },
    { 0x70, "Char", 1, TRUE, TRUE }, { 0x71, "Wchar", 2, FALSE, TRUE },
    { 0x7A, "Wchar", 2, FALSE, TRUE }, { 0x7B, "Uint4B", 4, FALSE, FALSE },
    { 0x68, "Int1B", 1, TRUE, FALSE }, { 0x69, "Uint1B", 1, FALSE, FALSE },
    { 0x11, "Int2B", 2, TRUE, FALSE }, { 0x21, "Uint2B", 2, FALSE, FALSE },
    { 0x72, "Int2B", 2, TRUE, FALSE }, { 0x73, "Uint2B", 2, FALSE, FALSE },
    { 0x12, "Int4B", 4, TRUE, FALSE }, { 0x22, "Uint4B", 4, FALSE, FALSE },
    { 0x74, "Int4B", 4, TRUE, FALSE }, { 0x75, "Uint4B", 4, FALSE, FALSE },
    { 0x13, "Int8B", 8, TRUE, FALSE }, { 0x23, "Uint8B", 8, FALSE, FALSE },
    { 0x76, "Int8B", 8, TRUE, FALSE }, { 0x77, "Uint8B", 8, FALSE, FALSE },
    { 0x30, "Bool", 1, FALSE, FALSE }, { 0x31, "Bool", 2, FALSE, FALSE },
    { 0x32, "Bool", 4, FALSE, FALSE }, { 0x33, "Bool", 8, FALSE, FALSE },
    { 0x40, "Float", 4, TRUE, FALSE }, { 0x41, "Double", 8, TRUE, FALSE },
  };
  guint mode = (index >> 8) & 0xF;

  memset (t, 0, sizeof *t);
  if (mode == 4 || mode == 6)
    {
      /* A pointer to a simple type, spelled in the index. */
      t->kind = KDH_TYPE_POINTER;
      t->size = mode == 6 ? 8 : 4;
      t->element = index & 0xFF;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (simple); i++)
    if (simple[i].code == (index & 0xFF) && mode == 0)
      {
        t->kind = KDH_TYPE_BASE;
        t->name = simple[i].name;
        t->size = simple[i].size;
        t->is_signed = simple[i].is_signed;
        t->is_char = simple[i].is_char;
        return TRUE;
      }
  t->kind = KDH_TYPE_OTHER;
  return TRUE;
}

gboolean
kdh_pdb_get_type (KdhPdb  *pdb,
                  guint32  index,
                  KdhType *t)
{
  const guint8 *data;
  gsize length;
  guint32 offset;
  guint16 props;
  KdhCursor c;

  if (index < FIRST_TYPE)
    return simple_type (index, t);
  memset (t, 0, sizeof *t);
  if (pdb->tpi == NULL || index - pdb->type_begin >= pdb->type_offsets->len)
    return FALSE;
  data = g_bytes_get_data (pdb->tpi, &length);
  offset = g_array_index (pdb->type_offsets, guint32, index - pdb->type_begin);
  kdh_cursor_init (&c, data + offset + 4, kdh_read_le16 (data + offset) - 2u);
  switch (kdh_read_le16 (data + offset + 2))
    {
    case LF_MODIFIER:
      t->kind = KDH_TYPE_MODIFIER;
      t->element = kdh_cursor_u32 (&c);
      t->is_const = (kdh_cursor_u16 (&c) & 1) != 0;
      break;
    case LF_POINTER:
      {
        guint32 attrs;

        t->kind = KDH_TYPE_POINTER;
        t->element = kdh_cursor_u32 (&c);
        attrs = kdh_cursor_u32 (&c);
        t->size = (attrs >> 13) & 0x3F;
        break;
      }
    case LF_PROCEDURE:
    case LF_MFUNCTION:
      t->kind = KDH_TYPE_PROCEDURE;
      t->element = kdh_cursor_u32 (&c);
      break;
    case LF_BITFIELD:
      t->kind = KDH_TYPE_BITFIELD;
      t->element = kdh_cursor_u32 (&c);
      t->bit_length = kdh_cursor_u8 (&c);
      t->bit_position = kdh_cursor_u8 (&c);
      break;
    case LF_ARRAY:
      t->kind = KDH_TYPE_ARRAY;
      t->element = kdh_cursor_u32 (&c);
      kdh_cursor_u32 (&c);   /* index type */
      kdh_cursor_numeric (&c, &t->size);
      break;
    case LF_CLASS:
    case LF_STRUCTURE:
      t->kind = KDH_TYPE_STRUCT;
      kdh_cursor_u16 (&c);
      props = kdh_cursor_u16 (&c);
      t->is_forward = (props & PROP_FORWARD) != 0;
      t->field_list = kdh_cursor_u32 (&c);
      kdh_cursor_skip (&c, 8);   /* derived, vshape */
      kdh_cursor_numeric (&c, &t->size);
      t->name = kdh_cursor_string (&c);
      break;
    case LF_UNION:
      t->kind = KDH_TYPE_UNION;
      kdh_cursor_u16 (&c);
      props = kdh_cursor_u16 (&c);
      t->is_forward = (props & PROP_FORWARD) != 0;
      t->field_list = kdh_cursor_u32 (&c);
      kdh_cursor_numeric (&c, &t->size);
      t->name = kdh_cursor_string (&c);
      break;
    case LF_ENUM:
      t->kind = KDH_TYPE_ENUM;
      kdh_cursor_u16 (&c);
      props = kdh_cursor_u16 (&c);
      t->is_forward = (props & PROP_FORWARD) != 0;
      t->element = kdh_cursor_u32 (&c);
      t->field_list = kdh_cursor_u32 (&c);
      t->name = kdh_cursor_string (&c);
      break;
    default:
      t->kind = KDH_TYPE_OTHER;
      return TRUE;
    }
  if (!c.ok)
    {
      /* A record cut short describes nothing. */
      memset (t, 0, sizeof *t);
      t->kind = KDH_TYPE_OTHER;
    }
  return TRUE;
}

guint32
kdh_pdb_resolve_type (KdhPdb  *pdb,
                      guint32  index)
{
  KdhType t;
  gpointer def;

  if (!kdh_pdb_get_type (pdb, index, &t) || !t.is_forward || t.name == NULL)
    return index;
  def = g_hash_table_lookup (pdb->types_by_name, t.name);
  return def != NULL ? GPOINTER_TO_UINT (def) : index;
}

guint32
kdh_pdb_find_type (KdhPdb      *pdb,
                   const gchar *name)
{
  if (pdb->types_by_name == NULL)
    return 0;
  return GPOINTER_TO_UINT (g_hash_table_lookup (pdb->types_by_name, name));
}

guint64
kdh_pdb_type_size (KdhPdb  *pdb,
                   guint32  index)
{
  KdhType t;

  for (guint depth = 0; depth < MAX_NAME_DEPTH; depth++)
    {
      if (!kdh_pdb_get_type (pdb, kdh_pdb_resolve_type (pdb, index), &t))
        return 0;
      if (t.kind != KDH_TYPE_MODIFIER)
        return t.kind == KDH_TYPE_BITFIELD ? kdh_pdb_type_size (pdb, t.element) : t.size;
      index = t.element;
    }
  return 0;
}

/* One field list's subrecords; FALSE at a leaf whose length is unknown. */
static gboolean
read_fields (KdhPdb    *pdb,
             KdhCursor *c,
             GArray    *members,
             guint32   *continuation)
{
  while (c->ok && c->pos < c->length)
    {
      KdhTypeMember m = { 0 };
      guint16 leaf;
      guint64 ignored;

      if (c->data[c->pos] >= 0xF0)
        {
          /* LF_PAD: the low nibble skips to the next subrecord. */
          kdh_cursor_skip (c, c->data[c->pos] & 0x0F ? c->data[c->pos] & 0x0F : 1);
          continue;
        }
      leaf = kdh_cursor_u16 (c);
      switch (leaf)
        {
        case LF_MEMBER:
          kdh_cursor_u16 (c);
          m.type = kdh_cursor_u32 (c);
          kdh_cursor_numeric (c, &m.value);
          m.name = kdh_cursor_string (c);
          break;
        case LF_ENUMERATE:
          kdh_cursor_u16 (c);
          kdh_cursor_numeric (c, &m.value);
          m.name = kdh_cursor_string (c);
          break;
        case LF_BCLASS:
          kdh_cursor_skip (c, 6);
          kdh_cursor_numeric (c, &ignored);
          continue;
        case LF_VBCLASS:
        case LF_IVBCLASS:
          kdh_cursor_skip (c, 10);
          kdh_cursor_numeric (c, &ignored);
          kdh_cursor_numeric (c, &ignored);
          continue;
        case LF_INDEX:
          kdh_cursor_u16 (c);
          *continuation = kdh_cursor_u32 (c);
          continue;
        case LF_VFUNCTAB:
          kdh_cursor_skip (c, 6);
          continue;
        case LF_STMEMBER:
        case LF_NESTTYPE:
          kdh_cursor_skip (c, 6);
          kdh_cursor_string (c);
          continue;
        case LF_METHOD:
          kdh_cursor_skip (c, 6);
          kdh_cursor_string (c);
          continue;
        case LF_ONEMETHOD:
          {
            guint16 attrs = kdh_cursor_u16 (c);
            guint kind = (attrs >> 2) & 7;

            kdh_cursor_u32 (c);
            if (kind == 4 || kind == 6)   /* introducing virtual: a vtable offset */
              kdh_cursor_u32 (c);
            kdh_cursor_string (c);
            continue;
          }
        default:
          return FALSE;
        }
      if (c->ok && m.name != NULL)
        g_array_append_val (members, m);
    }
  return c->ok;
}

GArray *
kdh_pdb_get_members (KdhPdb  *pdb,
                     guint32  field_list)
{
  GArray *members;
  const guint8 *data;
  gsize length;

  if (pdb->tpi == NULL || field_list < pdb->type_begin
      || field_list - pdb->type_begin >= pdb->type_offsets->len)
    return NULL;
  data = g_bytes_get_data (pdb->tpi, &length);
  members = g_array_new (FALSE, FALSE, sizeof (KdhTypeMember));
  for (guint n = 0; n < MAX_CONTINUATIONS && field_list != 0; n++)
    {
      guint32 offset, next = 0;
      KdhCursor c;

      if (field_list < pdb->type_begin || field_list - pdb->type_begin >= pdb->type_offsets->len)
        break;
      offset = g_array_index (pdb->type_offsets, guint32, field_list - pdb->type_begin);
      if (kdh_read_le16 (data + offset + 2) != LF_FIELDLIST)
        break;
      kdh_cursor_init (&c, data + offset + 4, kdh_read_le16 (data + offset) - 2u);
      read_fields (pdb, &c, members, &next);
      field_list = next;
    }
  return members;
}

static void
append_name (KdhPdb  *pdb,
             guint32  index,
             GString *out,
             guint    depth)
{
  KdhType t;

  if (depth > MAX_NAME_DEPTH || !kdh_pdb_get_type (pdb, index, &t))
    {
      g_string_append (out, "<unknown>");
      return;
    }
  switch (t.kind)
    {
    case KDH_TYPE_BASE:
    case KDH_TYPE_STRUCT:
    case KDH_TYPE_UNION:
    case KDH_TYPE_ENUM:
      g_string_append (out, t.name != NULL ? t.name : "<unnamed>");
      break;
    case KDH_TYPE_POINTER:
      {
        KdhType to;

        g_string_append (out, t.size == 4 ? "Ptr32 " : "Ptr64 ");
        if (kdh_pdb_get_type (pdb, t.element, &to) && to.kind == KDH_TYPE_PROCEDURE)
          {
            /* KD writes a function pointer with its return type. */
            g_string_append (out, "    ");
            append_name (pdb, to.element, out, depth + 1);
            g_string_append_c (out, ' ');
          }
        else
          append_name (pdb, t.element, out, depth + 1);
        break;
      }
    case KDH_TYPE_MODIFIER:
      append_name (pdb, t.element, out, depth + 1);
      break;
    case KDH_TYPE_ARRAY:
      {
        guint64 element = kdh_pdb_type_size (pdb, t.element);

        g_string_append_printf (out, "[%" G_GUINT64_FORMAT "] ",
                                element != 0 ? t.size / element : 0);
        append_name (pdb, t.element, out, depth + 1);
        break;
      }
    case KDH_TYPE_BITFIELD:
      g_string_append_printf (out, "Pos %u, %u Bit%s", t.bit_position, t.bit_length,
                              t.bit_length == 1 ? "" : "s");
      break;
    case KDH_TYPE_PROCEDURE:
      append_name (pdb, t.element, out, depth + 1);
      g_string_append (out, " ()");
      break;
    case KDH_TYPE_OTHER:
    default:
      g_string_append_printf (out, "<type 0x%x>", index);
      break;
    }
}

gchar *
kdh_pdb_type_name (KdhPdb  *pdb,
                   guint32  index)
{
  GString *out = g_string_new (NULL);

  append_name (pdb, index, out, 0);
  return g_string_free (out, FALSE);
}
