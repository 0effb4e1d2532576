/* kdh-pdb-cnames.c: types written as C writes them, for x's signatures
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-pdb-types.h"
#include "kdh-pdb-private.h"

#include <string.h>

#include "common/kdh-le.h"

#define LF_ARGLIST 0x1201
#define MAX_ARGUMENTS 256
#define MAX_DEPTH 16

static const gchar *
simple_c_name (guint code)
{
  static const struct {
    guint8 code;
    const gchar *name;
  } names[] = {
    { 0x03, "void" }, { 0x08, "long" }, { 0x10, "char" }, { 0x20, "unsigned char" },
    { 0x70, "char" }, { 0x71, "wchar_t" }, { 0x7A, "char16_t" }, { 0x7B, "char32_t" },
    { 0x68, "signed char" }, { 0x69, "unsigned char" }, { 0x11, "short" },
    { 0x21, "unsigned short" }, { 0x72, "short" }, { 0x73, "unsigned short" },
    { 0x12, "long" }, { 0x22, "unsigned long" }, { 0x74, "int" }, { 0x75, "unsigned int" },
    { 0x13, "__int64" }, { 0x23, "unsigned __int64" }, { 0x76, "__int64" },
    { 0x77, "unsigned __int64" }, { 0x30, "bool" }, { 0x40, "float" }, { 0x41, "double" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].code == code)
      return names[i].name;
  return NULL;
}

static void
append_c_name (KdhPdb  *pdb,
               guint32  index,
               GString *out,
               guint    depth)
{
  KdhType t;

  if (index < 0x1000 && ((index >> 8) & 0xF) == 0)
    {
      const gchar *name = simple_c_name (index & 0xFF);

      g_string_append (out, name != NULL ? name : "<unknown>");
      return;
    }
  if (depth > MAX_DEPTH || !kdh_pdb_get_type (pdb, index, &t))
    {
      g_string_append (out, "<unknown>");
      return;
    }
  switch (t.kind)
    {
    case KDH_TYPE_POINTER:
      append_c_name (pdb, t.element, out, depth + 1);
      g_string_append (out, " *");
      break;
    case KDH_TYPE_MODIFIER:
      if (t.is_const)
        g_string_append (out, "const ");
      append_c_name (pdb, t.element, out, depth + 1);
      break;
    case KDH_TYPE_STRUCT:
    case KDH_TYPE_UNION:
    case KDH_TYPE_ENUM:
      g_string_append_printf (out, "%s%s",
                              t.kind == KDH_TYPE_STRUCT ? "struct "
                              : t.kind == KDH_TYPE_UNION ? "union " : "",
                              t.name != NULL ? t.name : "<unnamed-tag>");
      break;
    case KDH_TYPE_ARRAY:
      append_c_name (pdb, t.element, out, depth + 1);
      g_string_append (out, " []");
      break;
    case KDH_TYPE_PROCEDURE:
      append_c_name (pdb, t.element, out, depth + 1);
      g_string_append (out, " ()");
      break;
    default:
      g_string_append (out, "<unknown>");
      break;
    }
}

gchar *
kdh_pdb_c_type_name (KdhPdb  *pdb,
                     guint32  index)
{
  GString *out = g_string_new (NULL);

  append_c_name (pdb, index, out, 0);
  return g_string_free (out, FALSE);
}

gchar *
kdh_pdb_procedure_arguments (KdhPdb  *pdb,
                             guint32  procedure)
{
  const guint8 *data;
  gsize length;
  guint32 arglist, offset, count;
  GString *out;
  KdhCursor c;

  if (procedure < 0x1000 || pdb->tpi == NULL
      || procedure - pdb->type_begin >= pdb->type_offsets->len)
    return NULL;
  data = g_bytes_get_data (pdb->tpi, &length);
  offset = g_array_index (pdb->type_offsets, guint32, procedure - pdb->type_begin);
  /* LF_PROCEDURE: return type, calling convention, options, count, list;
   * LF_MFUNCTION has class and this types before them. */
  kdh_cursor_init (&c, data + offset + 4, kdh_read_le16 (data + offset) - 2u);
  switch (kdh_read_le16 (data + offset + 2))
    {
    case 0x1008:
      kdh_cursor_skip (&c, 8);
      break;
    case 0x1009:
      kdh_cursor_skip (&c, 16);
      break;
    default:
      return NULL;
    }
  arglist = kdh_cursor_u32 (&c);
  if (!c.ok || arglist < pdb->type_begin || arglist - pdb->type_begin >= pdb->type_offsets->len)
    return NULL;
  offset = g_array_index (pdb->type_offsets, guint32, arglist - pdb->type_begin);
  if (kdh_read_le16 (data + offset + 2) != LF_ARGLIST)
    return NULL;
  kdh_cursor_init (&c, data + offset + 4, kdh_read_le16 (data + offset) - 2u);
  count = kdh_cursor_u32 (&c);
  if (!c.ok || count > MAX_ARGUMENTS)
    return NULL;
  out = g_string_new ("(");
  for (guint32 i = 0; i < count; i++)
    {
      guint32 arg = kdh_cursor_u32 (&c);

      if (!c.ok)
        break;
      if (i > 0)
        g_string_append (out, ", ");
      /* No type at the end: a variable argument list. */
      if (arg == 0)
        g_string_append (out, "...");
      else
        append_c_name (pdb, arg, out, 0);
    }
  if (count == 0)
    g_string_append (out, "void");
  g_string_append_c (out, ')');
  return g_string_free (out, FALSE);
}
