/* kdh-pdb-locals.c: a procedure's parameters and where they live
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-pdb-locals.h"
#include "kdh-pdb-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "common/kdh-le.h"

#define S_END 0x0006
#define S_FRAMEPROC 0x1012
#define S_THUNK32 0x1102
#define S_BLOCK32 0x1103
#define S_WITH32 0x1104
#define S_REGISTER 0x1106
#define S_BPREL32 0x110B
#define S_LPROC32 0x110F
#define S_GPROC32 0x1110
#define S_REGREL32 0x1111
#define S_SEPCODE 0x1132
#define S_LOCAL 0x113E
#define S_DEFRANGE_REGISTER 0x1141
#define S_DEFRANGE_FRAMEPOINTER_REL 0x1142
#define S_DEFRANGE_FRAMEPOINTER_REL_FULL_SCOPE 0x1144
#define S_DEFRANGE_REGISTER_REL 0x1145
#define S_LPROC32_ID 0x1146
#define S_GPROC32_ID 0x1147
#define S_INLINESITE 0x114D
#define S_INLINESITE_END 0x114E
#define S_PROC_ID_END 0x114F
#define S_LPROC32_DPC 0x1155
#define S_LPROC32_DPC_ID 0x1156
#define S_INLINESITE2 0x115D

#define LOCAL_IS_PARAMETER 0x0001
#define LOCAL_OPTIMIZED_OUT 0x0100

/* CodeView register numbers of the frame registers S_FRAMEPROC names. */
#define CV_EBX 20
#define CV_EBP 22
#define CV_AMD64_RBP 334
#define CV_AMD64_RSP 335
#define CV_AMD64_R13 341

#define MACHINE_AMD64 0x8664

/* A bound against a hostile file: no real procedure has more. */
#define MAX_PARAMETERS 256
#define MAX_GAPS 1024

static void
parameter_free (gpointer data)
{
  KdhPdbParameter *p = data;

  g_free (p->name);
  g_array_unref (p->locations);
  g_free (p);
}

static KdhPdbParameter *
parameter_new (const gchar *name,
               guint32      type)
{
  KdhPdbParameter *p = g_new0 (KdhPdbParameter, 1);

  p->name = g_strdup (name);
  p->type = type;
  p->locations = g_array_new (FALSE, FALSE, sizeof (KdhPdbLocation));
  return p;
}

static gboolean
opens_scope (guint16 kind)
{
  switch (kind)
    {
    case S_GPROC32: case S_LPROC32: case S_GPROC32_ID: case S_LPROC32_ID:
    case S_LPROC32_DPC: case S_LPROC32_DPC_ID: case S_THUNK32: case S_BLOCK32:
    case S_WITH32: case S_SEPCODE: case S_INLINESITE: case S_INLINESITE2:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
closes_scope (guint16 kind)
{
  return kind == S_END || kind == S_INLINESITE_END || kind == S_PROC_ID_END;
}

/* A section and offset as an RVA; FALSE for a section the PDB lacks. */
static gboolean
section_rva (KdhPdb  *pdb,
             guint16  section,
             guint32  offset,
             guint32 *rva)
{
  if (section < 1 || section > pdb->sections->len)
    return FALSE;
  *rva = g_array_index (pdb->sections, KdhPdbSection, section - 1).virtual_address + offset;
  return TRUE;
}

/* A CV_LVAR_ADDR_RANGE and the gaps after it: the location once for each
 * stretch the gaps leave. */
static void
add_ranges (KdhPdb         *pdb,
            KdhCursor      *c,
            KdhPdbParameter *p,
            KdhPdbLocation *loc)
{
  guint32 offset = kdh_cursor_u32 (c), start;
  guint16 section = kdh_cursor_u16 (c);
  guint16 length = kdh_cursor_u16 (c);
  guint32 at;

  if (!c->ok || !section_rva (pdb, section, offset, &start))
    return;
  at = start;
  for (guint n = 0; c->pos + 4 <= c->length && n < MAX_GAPS; n++)
    {
      guint16 gap = kdh_cursor_u16 (c);
      guint16 gap_length = kdh_cursor_u16 (c);

      if (start + gap > at)
        {
          loc->start = at;
          loc->end = start + gap;
          g_array_append_val (p->locations, *loc);
        }
      at = MAX (at, start + gap + gap_length);
    }
  if (start + length > at)
    {
      loc->start = at;
      loc->end = start + length;
      g_array_append_val (p->locations, *loc);
    }
}

static guint16
frame_register (guint16 machine,
                guint32 frameproc_flags)
{
  /* Bits 16-17: the parameters' frame pointer (none, stack pointer,
   * frame pointer, base pointer). */
  switch ((frameproc_flags >> 16) & 3)
    {
    case 1: return machine == MACHINE_AMD64 ? CV_AMD64_RSP : KDH_CV_REG_NONE;
    case 2: return machine == MACHINE_AMD64 ? CV_AMD64_RBP : CV_EBP;
    case 3: return machine == MACHINE_AMD64 ? CV_AMD64_R13 : CV_EBX;
    default: return KDH_CV_REG_NONE;
    }
}

/* The procedure's records: @data from just after its own record to the
 * end of the module's symbols. */
static void
read_parameters (KdhPdb       *pdb,
                 const guint8 *data,
                 gsize         length,
                 gint          declared,
                 GPtrArray    *out)
{
  g_autoptr (GPtrArray) fallback = g_ptr_array_new_with_free_func (parameter_free);
  KdhPdbParameter *current = NULL;
  guint16 frame_reg = KDH_CV_REG_NONE;
  gsize pos = 0;
  guint depth = 1;
  gboolean described = FALSE;

  while (pos + 4 <= length && depth > 0 && out->len < MAX_PARAMETERS)
    {
      guint16 record_length = kdh_read_le16 (data + pos);
      guint16 kind = kdh_read_le16 (data + pos + 2);
      KdhPdbLocation loc = { 0 };
      KdhCursor c;

      if (record_length < 2 || record_length > length - pos - 2)
        return;
      kdh_cursor_init (&c, data + pos + 4, record_length - 2u);
      pos += 2 + (gsize) record_length;
      if (opens_scope (kind) || closes_scope (kind))
        {
          depth += opens_scope (kind) ? 1 : -1;
          current = NULL;
          continue;
        }
      if (depth != 1)
        continue;
      switch (kind)
        {
        case S_FRAMEPROC:
          kdh_cursor_skip (&c, 4 * 5 + 2);
          frame_reg = frame_register (pdb->machine, kdh_cursor_u32 (&c));
          break;
        case S_LOCAL:
          {
            guint32 type = kdh_cursor_u32 (&c);
            guint16 flags = kdh_cursor_u16 (&c);
            const gchar *name = kdh_cursor_string (&c);

            current = NULL;
            described = TRUE;
            if (!c.ok || !(flags & LOCAL_IS_PARAMETER))
              break;
            current = parameter_new (name, type);
            current->optimized_away = (flags & LOCAL_OPTIMIZED_OUT) != 0;
            g_ptr_array_add (out, current);
          }
          break;
        case S_DEFRANGE_REGISTER:
          loc.kind = KDH_PDB_LOCATION_REGISTER;
          loc.cv_register = kdh_cursor_u16 (&c);
          kdh_cursor_u16 (&c);   /* may have no name */
          if (current != NULL)
            add_ranges (pdb, &c, current, &loc);
          break;
        case S_DEFRANGE_FRAMEPOINTER_REL:
          loc.kind = KDH_PDB_LOCATION_REGISTER_REL;
          loc.cv_register = frame_reg;
          loc.offset = (gint32) kdh_cursor_u32 (&c);
          if (current != NULL && frame_reg != KDH_CV_REG_NONE)
            add_ranges (pdb, &c, current, &loc);
          break;
        case S_DEFRANGE_FRAMEPOINTER_REL_FULL_SCOPE:
          loc.kind = KDH_PDB_LOCATION_REGISTER_REL;
          loc.cv_register = frame_reg;
          loc.offset = (gint32) kdh_cursor_u32 (&c);
          loc.end = G_MAXUINT32;
          if (current != NULL && frame_reg != KDH_CV_REG_NONE && c.ok)
            g_array_append_val (current->locations, loc);
          break;
        case S_DEFRANGE_REGISTER_REL:
          loc.kind = KDH_PDB_LOCATION_REGISTER_REL;
          loc.cv_register = kdh_cursor_u16 (&c);
          kdh_cursor_u16 (&c);   /* spilled member, offset in the parent */
          loc.offset = (gint32) kdh_cursor_u32 (&c);
          if (current != NULL)
            add_ranges (pdb, &c, current, &loc);
          break;
        case S_REGREL32: case S_BPREL32: case S_REGISTER:
          {
            KdhPdbParameter *p;
            guint32 type;
            const gchar *name;

            loc.kind = kind == S_REGISTER ? KDH_PDB_LOCATION_REGISTER
                                          : KDH_PDB_LOCATION_REGISTER_REL;
            loc.end = G_MAXUINT32;
            if (kind == S_REGISTER)
              {
                type = kdh_cursor_u32 (&c);
                loc.cv_register = kdh_cursor_u16 (&c);
              }
            else
              {
                loc.offset = (gint32) kdh_cursor_u32 (&c);
                type = kdh_cursor_u32 (&c);
                loc.cv_register = kind == S_BPREL32 ? CV_EBP : kdh_cursor_u16 (&c);
              }
            name = kdh_cursor_string (&c);
            if (!c.ok || fallback->len >= MAX_PARAMETERS)
              break;
            p = parameter_new (name, type);
            g_array_append_val (p->locations, loc);
            g_ptr_array_add (fallback, p);
          }
          break;
        default:
          break;
        }
    }
  /* Without S_LOCAL records the parameters come first among the
   * register- and frame-relative ones. */
  if (!described && declared > 0)
    for (guint i = 0; i < fallback->len && i < (guint) declared; i++)
      g_ptr_array_add (out, g_steal_pointer (&fallback->pdata[i]));
}

GPtrArray *
kdh_pdb_get_parameters (KdhPdb             *pdb,
                        const KdhPdbSymbol *function,
                        GError            **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (parameter_free);
  g_autoptr (GBytes) bytes = NULL;
  const KdhPdbModuleStream *ms;
  const guint8 *data;
  gsize length, pos = 4;
  gint declared;

  if (function->kind != KDH_PDB_FUNCTION || function->module == 0
      || function->module > pdb->module_streams->len)
    return g_steal_pointer (&out);
  ms = &g_array_index (pdb->module_streams, KdhPdbModuleStream, function->module - 1);
  if (ms->stream == 0xFFFF || ms->symbol_bytes == 0)
    return g_steal_pointer (&out);
  bytes = kdh_msf_read_stream (pdb->msf, ms->stream, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &length);
  length = MIN (length, ms->symbol_bytes);
  declared = kdh_pdb_procedure_n_parameters (pdb, function->type_index);
  /* The procedure's own record, by its section and offset. */
  while (pos + 4 <= length)
    {
      guint16 record_length = kdh_read_le16 (data + pos);
      guint16 kind = kdh_read_le16 (data + pos + 2);
      gsize next = pos + 2 + (gsize) record_length;

      if (record_length < 2 || record_length > length - pos - 2)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The PDB file is corrupt: a symbol record at offset %" G_GSIZE_FORMAT
                         " runs past its stream."), pos);
          return NULL;
        }
      if ((kind == S_GPROC32 || kind == S_LPROC32 || kind == S_GPROC32_ID || kind == S_LPROC32_ID)
          && record_length >= 2 + 34
          && kdh_read_le32 (data + pos + 4 + 28) == function->offset
          && kdh_read_le16 (data + pos + 4 + 32) == function->section)
        {
          read_parameters (pdb, data + next, length - next, declared, out);
          break;
        }
      pos = next;
    }
  return g_steal_pointer (&out);
}

const KdhPdbLocation *
kdh_pdb_parameter_location (const KdhPdbParameter *parameter,
                            guint32                rva)
{
  for (guint i = 0; i < parameter->locations->len; i++)
    {
      const KdhPdbLocation *loc = &g_array_index (parameter->locations, KdhPdbLocation, i);

      if (rva >= loc->start && rva < loc->end)
        return loc;
    }
  return NULL;
}

gint
kdh_pdb_procedure_n_parameters (KdhPdb  *pdb,
                                guint32  procedure)
{
  const guint8 *data;
  gsize length;
  guint32 offset;
  KdhCursor c;

  if (procedure < 0x1000 || pdb->tpi == NULL || procedure < pdb->type_begin
      || procedure - pdb->type_begin >= pdb->type_offsets->len)
    return -1;
  data = g_bytes_get_data (pdb->tpi, &length);
  offset = g_array_index (pdb->type_offsets, guint32, procedure - pdb->type_begin);
  kdh_cursor_init (&c, data + offset + 4, kdh_read_le16 (data + offset) - 2u);
  /* LF_PROCEDURE: return type, calling convention, options, then the
   * count; LF_MFUNCTION has class and this types before them. */
  switch (kdh_read_le16 (data + offset + 2))
    {
    case 0x1008:
      kdh_cursor_skip (&c, 6);
      break;
    case 0x1009:
      kdh_cursor_skip (&c, 14);
      break;
    default:
      return -1;
    }
  {
    guint16 n = kdh_cursor_u16 (&c);

    return c.ok ? n : -1;
  }
}
