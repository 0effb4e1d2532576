/* kdh-target-stack.c: a processor's call stack at a stop, as data
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-stack.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-le.h"
#include "kd/kdh-context.h"

/* Memory is read in aligned blocks, each once per stop: the stack, the
 * code around each return address and the unwind data are a handful.
 * Blocks inside a module's read-only sections (code, .pdata, unwind
 * data) are kept across stops: the target running does not change them.
 * Those go when the module list is walked again (a module loaded or
 * unloaded, a resync, a reboot) or the debugger writes memory. */
#define BLOCK 0x400u
#define CTX_RAX 0x78            /* CONTEXT.Rax; Rcx ... R15, Rip follow it */

/* The x86 CONTEXT's integer registers in KdhUnwindRegs order (0: none). */
#define X86_CTX_ESP 0xC4
static const guint16 x86_offsets[KDH_UNWIND_N_REGS] = {
  [KDH_UNWIND_RAX] = 0xB0, [KDH_UNWIND_RCX] = 0xAC, [KDH_UNWIND_RDX] = 0xA8,
  [KDH_UNWIND_RBX] = 0xA4, [KDH_UNWIND_RSP] = X86_CTX_ESP, [KDH_UNWIND_RBP] = 0xB4,
  [KDH_UNWIND_RSI] = 0xA0, [KDH_UNWIND_RDI] = 0x9C, [KDH_UNWIND_RIP] = 0xB8,
};

typedef struct {
  guint8 bytes[BLOCK];
  gsize valid;                  /* readable bytes from the block's start */
} Block;

#define MAX_RO_RANGES 16
#define IMAGE_SCN_MEM_DISCARDABLE 0x02000000u
#define IMAGE_SCN_MEM_WRITE 0x80000000u

typedef struct {
  guint64 base;
  guint32 size;
  guint32 pdata_rva;
  guint32 pdata_size;
  guint n_ro;
  guint32 ro_start[MAX_RO_RANGES], ro_end[MAX_RO_RANGES];   /* RVAs, end exclusive */
} ImageInfo;

struct _KdhStackCache
{
  GHashTable *blocks;           /* block address -> Block */
  GHashTable *stacks;           /* cpu -> GArray of KdhStackFrame */
  GBytes *contexts[64];         /* the CONTEXT each stack was made from */
  GArray *images;               /* ImageInfo; kept across stops */
  GHashTable *stable;           /* block address -> Block, in read-only sections */
  GPtrArray *modules;           /* the module list images and stable belong to */
  guint64 memory_writes;        /* the target's count when they were read */
};

typedef struct {
  KdhTarget *target;
  KdhStackCache *cache;
} Reader;

KdhStackCache *
kdh_stack_cache_new (void)
{
  KdhStackCache *c = g_new0 (KdhStackCache, 1);

  c->blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  c->stacks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                     (GDestroyNotify) g_array_unref);
  c->images = g_array_new (FALSE, FALSE, sizeof (ImageInfo));
  c->stable = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  return c;
}

void
kdh_stack_cache_clear (KdhStackCache *c)
{
  g_hash_table_remove_all (c->blocks);
  g_hash_table_remove_all (c->stacks);
  for (guint i = 0; i < G_N_ELEMENTS (c->contexts); i++)
    g_clear_pointer (&c->contexts[i], g_bytes_unref);
}

void
kdh_stack_cache_free (KdhStackCache *c)
{
  if (c == NULL)
    return;
  kdh_stack_cache_clear (c);
  g_hash_table_unref (c->stable);
  g_clear_pointer (&c->modules, g_ptr_array_unref);
  g_hash_table_unref (c->blocks);
  g_hash_table_unref (c->stacks);
  g_array_unref (c->images);
  g_free (c);
}

/* Whether the block at @key lies in a read-only section of a known image
 * (one that is not discarded after boot either). */
static gboolean
block_is_stable (KdhStackCache *c,
                 guint64        key)
{
  for (guint i = 0; i < c->images->len; i++)
    {
      const ImageInfo *im = &g_array_index (c->images, ImageInfo, i);

      if (key < im->base || key - im->base >= im->size)
        continue;
      for (guint j = 0; j < im->n_ro; j++)
        if (key - im->base >= im->ro_start[j] && key - im->base + BLOCK <= im->ro_end[j])
          return TRUE;
      return FALSE;
    }
  return FALSE;
}

static const Block *
get_block (Reader  *r,
           guint64  address)
{
  KdhStackCache *c = r->cache;
  guint64 key = address & ~(guint64) (BLOCK - 1);
  GPtrArray *modules = kdh_target_get_modules (r->target);
  guint64 writes = kdh_target_get_memory_writes (r->target);
  Block *b;

  if (modules != c->modules || writes != c->memory_writes)
    {
      /* What was read before may no longer be what is there. */
      g_hash_table_remove_all (c->stable);
      g_array_set_size (c->images, 0);
      if (writes != c->memory_writes)
        g_hash_table_remove_all (c->blocks);
      g_clear_pointer (&c->modules, g_ptr_array_unref);
      c->modules = modules ? g_ptr_array_ref (modules) : NULL;
      c->memory_writes = writes;
    }
  if ((b = g_hash_table_lookup (c->stable, &key)) != NULL
      || (b = g_hash_table_lookup (c->blocks, &key)) != NULL)
    return b;
  b = g_new0 (Block, 1);
  if (!kdh_target_read_virtual (r->target, key, b->bytes, BLOCK, &b->valid, NULL))
    b->valid = 0;
  /* A block only partly readable (paged out) may read differently later. */
  g_hash_table_insert (b->valid == BLOCK && block_is_stable (c, key) ? c->stable : c->blocks,
                       g_memdup2 (&key, sizeof key), b);
  return b;
}

static gboolean
read_cached (gpointer data,
             guint64  address,
             guint8  *buffer,
             gsize    len)
{
  Reader *r = data;

  while (len > 0)
    {
      const Block *b = get_block (r, address);
      gsize at = (gsize) (address & (BLOCK - 1));
      gsize n = MIN (len, BLOCK - at);

      if (at + n > b->valid)
        return FALSE;
      memcpy (buffer, b->bytes + at, n);
      buffer += n;
      address += n;
      len -= n;
    }
  return TRUE;
}

/* The image's sections that the target cannot write (IMAGE_SECTION_HEADER:
 * VirtualSize at 8, VirtualAddress at 12, Characteristics at 36). */
static void
read_sections (Reader    *r,
               ImageInfo *info,
               guint64    table,
               guint      count,
               guint32    alignment)
{
  guint8 h[40];

  for (guint i = 0; i < MIN (count, 96u) && info->n_ro < MAX_RO_RANGES; i++)
    {
      guint32 flags, start, size;

      if (!read_cached (r, table + 40 * i, h, sizeof h))
        return;
      size = kdh_read_le32 (h + 8);
      start = kdh_read_le32 (h + 12);
      flags = kdh_read_le32 (h + 36);
      if ((flags & (IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_DISCARDABLE)) || size == 0
          || start >= info->size || size > info->size - start)
        continue;
      /* The rest of a section's last page has its protection too, where
       * sections are page-aligned. */
      if (alignment >= 0x1000 && (alignment & (alignment - 1)) == 0)
        size = MIN ((size + alignment - 1) & ~(alignment - 1), info->size - start);
      info->ro_start[info->n_ro] = start;
      info->ro_end[info->n_ro++] = start + size;
    }
}

/* The exception directory of the module at @address, from its PE headers. */
static gboolean
find_image (gpointer  data,
            guint64   address,
            guint64  *image_base,
            guint32  *pdata_rva,
            guint32  *pdata_size)
{
  Reader *r = data;
  GPtrArray *modules;
  KdhModule *m = NULL;
  ImageInfo info = { 0 };
  guint8 b[0x100];

  if (!kdh_target_ensure_modules (r->target, NULL))
    return FALSE;
  modules = kdh_target_get_modules (r->target);
  for (guint i = 0; i < modules->len && m == NULL; i++)
    {
      KdhModule *mod = g_ptr_array_index (modules, i);

      if (address >= mod->base && address - mod->base < mod->size)
        m = mod;
    }
  if (m == NULL)
    return FALSE;
  for (guint i = 0; i < r->cache->images->len; i++)
    {
      ImageInfo *known = &g_array_index (r->cache->images, ImageInfo, i);

      if (known->base == m->base && known->size == m->size)
        {
          *image_base = known->base;
          *pdata_rva = known->pdata_rva;
          *pdata_size = known->pdata_size;
          return known->pdata_size != 0;
        }
    }
  info.base = m->base;
  info.size = m->size;
  /* IMAGE_DOS_HEADER.e_lfanew, then "PE\0\0", the file header and a PE32+
   * optional header whose data directory 3 is the exception directory. */
  if (read_cached (r, m->base + 0x3C, b, 4))
    {
      guint32 nt = kdh_read_le32 (b);

      if (nt < 0x1000 && read_cached (r, m->base + nt, b, 0x100)
          && memcmp (b, "PE\0\0", 4) == 0 && kdh_read_le16 (b + 24) == 0x20B
          && kdh_read_le32 (b + 24 + 108) > 3)
        {
          info.pdata_rva = kdh_read_le32 (b + 24 + 112 + 3 * 8);
          info.pdata_size = kdh_read_le32 (b + 24 + 112 + 3 * 8 + 4);
          /* The optional header's SectionAlignment is at its offset 32. */
          read_sections (r, &info, m->base + nt + 24 + kdh_read_le16 (b + 20),
                         kdh_read_le16 (b + 6), kdh_read_le32 (b + 24 + 32));
        }
    }
  g_array_append_val (r->cache->images, info);
  *image_base = info.base;
  *pdata_rva = info.pdata_rva;
  *pdata_size = info.pdata_size;
  return info.pdata_size != 0;
}

static gboolean
in_module (KdhTarget *target,
           guint64    address)
{
  GPtrArray *modules;

  if (!kdh_target_ensure_modules (target, NULL))
    return FALSE;
  modules = kdh_target_get_modules (target);
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = g_ptr_array_index (modules, i);

      if (address >= m->base && address - m->base < m->size)
        return TRUE;
    }
  return FALSE;
}

const GArray *
kdh_stack_get (KdhTarget     *target,
               KdhStackCache *cache,
               guint          cpu,
               GError       **error)
{
  g_autoptr (GBytes) context = NULL;
  g_autoptr (GArray) frames = NULL;
  Reader reader = { target, cache };
  KdhUnwindRegs regs;
  const guint8 *ctx;
  gsize len;
  GArray *known;

  guint16 machine = kdh_target_get_machine (target);

  if (machine != KDH_MACHINE_AMD64 && machine != KDH_MACHINE_I386)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Stacks are unwound for x64 and x86 targets only."));
      return NULL;
    }
  if (cpu >= G_N_ELEMENTS (cache->contexts))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("There is no processor %u."), cpu);
      return NULL;
    }
  context = kdh_target_get_context (target, cpu, error);
  if (context == NULL)
    return NULL;
  known = g_hash_table_lookup (cache->stacks, GUINT_TO_POINTER (cpu));
  /* The same registers (no "r rip=..." since): the same stack. */
  if (known != NULL && cache->contexts[cpu] != NULL
      && g_bytes_equal (cache->contexts[cpu], context))
    return known;
  ctx = g_bytes_get_data (context, &len);
  if (len < (machine == KDH_MACHINE_I386 ? X86_CTX_ESP + 4 : CTX_RAX + 8 * KDH_UNWIND_N_REGS))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The processor's CONTEXT is too short to unwind from."));
      return NULL;
    }
  memset (&regs, 0, sizeof regs);
  if (machine == KDH_MACHINE_I386)
    for (guint i = 0; i < G_N_ELEMENTS (x86_offsets); i++)
      {
        if (x86_offsets[i] != 0)
          regs.r[i] = (guint64) (gint64) (gint32) kdh_read_le32 (ctx + x86_offsets[i]);
      }
  else
    for (guint i = 0; i < KDH_UNWIND_N_REGS; i++)
      regs.r[i] = kdh_read_le64 (ctx + CTX_RAX + 8 * i);

  frames = g_array_new (FALSE, TRUE, sizeof (KdhStackFrame));
  while (frames->len < KDH_STACK_MAX_FRAMES)
    {
      KdhStackFrame f = { 0 };
      KdhUnwindRegs caller = regs;
      KdhUnwindResult result;
      guint8 home[32];

      f.child_sp = regs.r[KDH_UNWIND_RSP];
      f.instruction = regs.r[KDH_UNWIND_RIP];
      f.regs = regs;
      if (frames->len > 0 && !in_module (target, f.instruction))
        {
          /* Nothing describes code outside the loaded images: going on
           * would be guessing. */
          f.unexplained = TRUE;
          g_array_append_val (frames, f);
          break;
        }
      if (machine == KDH_MACHINE_I386)
        result = kdh_unwind_x86_step (read_cached, &reader, &caller);
      else
        result = kdh_unwind_step (read_cached, find_image, &reader, &caller, NULL);
      if (result == KDH_UNWIND_FAILED)
        {
          f.unexplained = TRUE;
          g_array_append_val (frames, f);
          break;
        }
      f.return_address = caller.r[KDH_UNWIND_RIP];
      f.trap_frame = result == KDH_UNWIND_MACHINE_FRAME;
      /* x64: the home slots above the return address; x86: the
       * arguments pushed above it. */
      if (read_cached (&reader, caller.r[KDH_UNWIND_RSP], home, sizeof home))
        for (guint i = 0; i < 4; i++)
          f.args[i] = machine == KDH_MACHINE_I386 ? kdh_read_le32 (home + 4 * i)
                                                  : kdh_read_le64 (home + 8 * i);
      g_array_append_val (frames, f);
      /* The stack ends at a zero return address; one that does not move
       * up the stack would loop. */
      if (f.return_address == 0)
        break;
      if (caller.r[KDH_UNWIND_RSP] <= regs.r[KDH_UNWIND_RSP] && !f.trap_frame)
        {
          g_array_index (frames, KdhStackFrame, frames->len - 1).unexplained = TRUE;
          break;
        }
      regs = caller;
    }
  g_clear_pointer (&cache->contexts[cpu], g_bytes_unref);
  cache->contexts[cpu] = g_bytes_ref (context);
  g_hash_table_replace (cache->stacks, GUINT_TO_POINTER (cpu), g_array_ref (frames));
  return frames;
}
