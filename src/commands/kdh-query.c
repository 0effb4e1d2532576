/* kdh-query.c: typed queries of a stopped target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-query.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "common/kdh-address.h"
#include "common/kdh-le.h"

/* The longest x86 instruction. */
#define MAX_INSN 16
/* uf refuses functions longer than this. */
#define MAX_FUNCTION_BYTES (256u * 1024)
#define UNW_FLAG_CHAININFO 0x4

void
kdh_memory_range_free (KdhMemoryRange *range)
{
  if (range == NULL)
    return;
  g_free (range->data);
  g_free (range);
}

KdhMemoryRange *
kdh_query_memory (KdhTarget  *target,
                  guint64     address,
                  gsize       length,
                  GError    **error)
{
  g_autoptr (KdhMemoryRange) range = g_new0 (KdhMemoryRange, 1);

  range->address = address;
  range->length = length;
  range->data = g_malloc0 (MAX (length, 1));
  if (!kdh_target_read_virtual (target, address, range->data, length, &range->valid, error))
    return NULL;
  return g_steal_pointer (&range);
}

static gchar *
symbolize (guint64  address,
           gpointer data)
{
  return kdh_target_symbolize (data, address);
}

static GArray *
decode (KdhTarget      *target,
        KdhMemoryRange *range,
        guint           max_count)
{
  return kdh_disasm_decode (kdh_target_get_machine (target), range->address, range->data,
                            range->length, range->valid, max_count, symbolize, target);
}

GArray *
kdh_query_disassembly (KdhTarget  *target,
                       guint64     address,
                       guint       count,
                       GError    **error)
{
  /* One read holds them all: no instruction is longer than 16 bytes. */
  g_autoptr (KdhMemoryRange) range = kdh_query_memory (target, address,
                                                       (gsize) count * MAX_INSN, error);

  return range ? decode (target, range, count) : NULL;
}

GArray *
kdh_query_disassembly_range (KdhTarget  *target,
                             guint64     start,
                             guint64     end,
                             GError    **error)
{
  g_autoptr (KdhMemoryRange) range = NULL;
  GArray *insns;

  if (end <= start || end - start > MAX_FUNCTION_BYTES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Range error: a function of %" G_GUINT64_FORMAT " bytes (at most %u)."),
                   end - start, MAX_FUNCTION_BYTES);
      return NULL;
    }
  range = kdh_query_memory (target, start, (gsize) (end - start) + MAX_INSN, error);
  if (range == NULL)
    return NULL;
  insns = decode (target, range, G_MAXUINT);
  /* Only what starts inside the range. */
  while (insns->len > 0 && g_array_index (insns, KdhInstruction, insns->len - 1).address >= end)
    g_array_remove_index (insns, insns->len - 1);
  return insns;
}

/* Whether decoding [@from, @address) lands on @address with no byte that
 * fails to decode; then the last @count instructions. */
static GArray *
decode_onto (KdhTarget      *target,
             KdhMemoryRange *range,
             gsize           from,
             guint           count)
{
  g_autoptr (GArray) insns = kdh_disasm_decode (kdh_target_get_machine (target),
                                                range->address + from, range->data + from,
                                                range->length - from,
                                                range->valid > from ? range->valid - from : 0,
                                                G_MAXUINT, symbolize, target);
  gsize at = from;
  guint n = 0;

  for (; n < insns->len && at < range->length; n++)
    {
      const KdhInstruction *insn = &g_array_index (insns, KdhInstruction, n);

      if (!insn->valid)
        return NULL;
      at += insn->length;
    }
  if (at != range->length || n < count)
    return NULL;
  g_array_remove_range (insns, 0, n - count);
  g_array_set_size (insns, count);
  return g_steal_pointer (&insns);
}

GArray *
kdh_query_disassembly_back (KdhTarget  *target,
                            guint64     address,
                            guint       count,
                            GError    **error)
{
  gsize window = (gsize) count * MAX_INSN;
  guint64 begin = 0, end = 0;
  g_autoptr (KdhMemoryRange) range = NULL;
  gsize from = 0;

  /* The function's start is a known instruction boundary. */
  if (kdh_target_get_machine (target) != KDH_MACHINE_I386
      && kdh_query_function_bounds (target, address - 1, &begin, &end, NULL)
      && address - begin <= (guint64) window * 4)
    window = MAX (window, (gsize) (address - begin));
  else
    begin = 0;
  if (address < window)
    window = (gsize) address;
  range = kdh_query_memory (target, address - window, window, error);
  if (range == NULL)
    return NULL;
  if (range->valid < window)
    {
      g_autofree gchar *where = kdh_format_address (address - window + range->valid,
                                                    kdh_target_is_ptr64 (target));

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Memory access error at %s."), where);
      return NULL;
    }
  if (begin != 0)
    {
      gsize offset = (gsize) (begin - (address - window));
      GArray *insns = decode_onto (target, range, offset, count);

      if (insns)
        return insns;
      /* The function holds fewer: all of them, after those that end at
       * its start, rather than a decoding that straddles its start. */
      for (guint n = count; n-- > 1; )
        if ((insns = decode_onto (target, range, offset, n)) != NULL)
          {
            GArray *before = kdh_query_disassembly_back (target, begin, count - n, NULL);

            if (before == NULL)
              return insns;
            /* The elements move to @before, which frees them. */
            g_array_append_vals (before, insns->data, insns->len);
            g_array_set_clear_func (insns, NULL);
            g_array_unref (insns);
            return before;
          }
    }
  for (from = 0; from < window; from++)
    {
      GArray *insns = decode_onto (target, range, from, count);

      if (insns)
        return insns;
    }
  /* Nothing decodes cleanly onto it with that many: fewer instructions. */
  for (guint n = count; n-- > 1; )
    for (from = window - (gsize) n * MAX_INSN > window ? 0 : window - (gsize) n * MAX_INSN;
         from < window; from++)
      {
        GArray *insns = decode_onto (target, range, from, n);

        if (insns)
          return insns;
      }
  {
    g_autofree gchar *where = kdh_format_address (address, kdh_target_is_ptr64 (target));

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 _("No instructions decode onto %s from before it."), where);
  }
  return NULL;
}

static gboolean
read_exactly (KdhTarget  *target,
              guint64     address,
              guint8     *buffer,
              gsize       length,
              GError    **error)
{
  gsize got = 0;

  if (!kdh_target_read_virtual (target, address, buffer, length, &got, error))
    return FALSE;
  if (got < length)
    {
      g_autofree gchar *where = kdh_format_address (address + got, kdh_target_is_ptr64 (target));

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Memory access error at %s."), where);
      return FALSE;
    }
  return TRUE;
}

static KdhModule *
module_of (KdhTarget  *target,
           guint64     address,
           GError    **error)
{
  GPtrArray *modules;
  g_autofree gchar *where = NULL;

  if (!kdh_target_ensure_modules (target, error))
    return NULL;
  modules = kdh_target_get_modules (target);
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = modules->pdata[i];

      if (address >= m->base && address - m->base < m->size)
        return m;
    }
  where = kdh_format_address (address, kdh_target_is_ptr64 (target));
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No module holds %s."), where);
  return NULL;
}

/* The exception directory's RVA and size, from the PE headers in memory. */
static gboolean
exception_directory (KdhTarget  *target,
                     KdhModule  *m,
                     guint32    *rva,
                     guint32    *size,
                     GError    **error)
{
  guint8 dos[0x40], nt[0x18 + 0x70 + 4 * 8];
  guint32 lfanew;

  if (!read_exactly (target, m->base, dos, sizeof dos, error))
    return FALSE;
  lfanew = kdh_read_le32 (dos + 0x3C);
  if (kdh_read_le16 (dos) != 0x5A4D || lfanew >= m->size
      || !read_exactly (target, m->base + lfanew, nt, sizeof nt, error))
    {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("%s has no PE header in memory."), m->short_name);
      return FALSE;
    }
  /* PE32+ only: x86 images have no .pdata. */
  if (kdh_read_le32 (nt) != 0x4550 || kdh_read_le16 (nt + 0x18) != 0x20B
      || kdh_read_le32 (nt + 0x18 + 0x6C) < 4)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s has no exception directory (.pdata) to give function bounds."),
                   m->short_name);
      return FALSE;
    }
  *rva = kdh_read_le32 (nt + 0x18 + 0x70 + 3 * 8);
  *size = kdh_read_le32 (nt + 0x18 + 0x70 + 3 * 8 + 4);
  if (*rva == 0 || *size < 12 || *rva >= m->size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("%s has no exception directory (.pdata) to give function bounds."),
                   m->short_name);
      return FALSE;
    }
  return TRUE;
}

gboolean
kdh_query_function_bounds (KdhTarget  *target,
                           guint64     address,
                           guint64    *begin,
                           guint64    *end,
                           GError    **error)
{
  KdhModule *m = module_of (target, address, error);
  guint32 rva, size, n, lo, hi, target_rva;
  guint8 entry[12];
  gboolean found = FALSE;

  if (m == NULL || !exception_directory (target, m, &rva, &size, error))
    return FALSE;
  target_rva = (guint32) (address - m->base);
  n = size / 12;
  /* Sorted by start: a binary search reads a dozen entries, not all. */
  for (lo = 0, hi = n; lo < hi && !found; )
    {
      guint32 mid = lo + (hi - lo) / 2;

      if (!read_exactly (target, m->base + rva + (guint64) mid * 12, entry, 12, error))
        return FALSE;
      if (target_rva < kdh_read_le32 (entry))
        hi = mid;
      else if (target_rva >= kdh_read_le32 (entry + 4))
        lo = mid + 1;
      else
        found = TRUE;
    }
  if (!found)
    {
      g_autofree gchar *where = kdh_format_address (address, kdh_target_is_ptr64 (target));

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No function in %s's .pdata holds %s."), m->short_name, where);
      return FALSE;
    }
  /* A chained entry describes part of a function: the primary one has its
   * start. Bounded against a cycle. */
  for (guint hops = 0; hops < 32; hops++)
    {
      guint32 unwind = kdh_read_le32 (entry + 8);
      guint8 info[4];

      if (unwind & 1)
        {
          /* An indirect entry: the RUNTIME_FUNCTION it points to. */
          if (!read_exactly (target, m->base + (unwind & ~1u), entry, 12, error))
            return FALSE;
          continue;
        }
      if (!read_exactly (target, m->base + unwind, info, sizeof info, error))
        return FALSE;
      if (!((info[0] >> 3) & UNW_FLAG_CHAININFO))
        break;
      if (!read_exactly (target, m->base + unwind + 4 + ((info[2] + 1u) & ~1u) * 2, entry, 12,
                         error))
        return FALSE;
    }
  *begin = m->base + kdh_read_le32 (entry);
  *end = m->base + kdh_read_le32 (entry + 4);
  return TRUE;
}
