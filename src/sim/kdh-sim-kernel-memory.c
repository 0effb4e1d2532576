/* kdh-sim-kernel-memory.c: the simulated kernel's sparse virtual and physical memory
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Memory is a set of mapped regions plus 4 KiB pages allocated on demand.
 * A page that was never written reads as its region's pristine contents:
 * zeros, or for the pattern region the computed pattern, so 16 MiB of
 * pattern cost nothing until someone writes to them. Writing a page copies
 * its pristine contents first; that copy is the write overlay.
 *
 * Breakpoints live in memory as on a real target: the 0xCC is there and
 * reads return it. A write that covers an active breakpoint updates the
 * saved byte and keeps the 0xCC, as the NT kernel debugger does, so
 * restoring it later puts back what the host wrote.
 */

#include <string.h>

#include <glib.h>

#include "kdh-sim-kernel-private.h"

typedef struct {
  guint64 start;
  guint64 end;          /* exclusive */
  gboolean pattern;
} KdhSimRegion;

typedef struct {
  guint64 address;      /* the hash key points here */
  guint8 data[KDH_SIM_PAGE_SIZE];
} KdhSimPage;

void
_kdh_sim_map (KdhSimKernel *k,
              guint64       start,
              guint64       size,
              gboolean      pattern)
{
  KdhSimRegion r = { start, start + size, pattern };

  g_assert ((start & (KDH_SIM_PAGE_SIZE - 1)) == 0);
  g_assert ((size & (KDH_SIM_PAGE_SIZE - 1)) == 0);
  g_assert (size > 0 && r.end > start);
  g_array_append_val (k->regions, r);
}

static const KdhSimRegion *
find_region (KdhSimKernel *k,
             guint64       address)
{
  for (guint i = 0; i < k->regions->len; i++)
    {
      const KdhSimRegion *r = &g_array_index (k->regions, KdhSimRegion, i);

      if (address >= r->start && address < r->end)
        return r;
    }
  return NULL;
}

/* The pattern: every aligned u64 at A holds A ^ KDH_SIM_PATTERN_XOR, stored
 * little-endian, so the byte at any address is a byte of the u64 that
 * covers it. */
static void
pattern_bytes (guint64  address,
               guint8  *out,
               gsize    len)
{
  for (gsize i = 0; i < len; i++)
    {
      guint64 a = address + i;
      guint64 v = (a & ~G_GUINT64_CONSTANT (7)) ^ KDH_SIM_PATTERN_XOR;

      out[i] = (guint8) (v >> (8 * (a & 7)));
    }
}

static KdhSimPage *
lookup_page (KdhSimKernel *k,
             guint64       page_address)
{
  return g_hash_table_lookup (k->pages, &page_address);
}

/* The page holding @address, made writable (copied from the region's
 * pristine contents on first use); NULL when unmapped. */
static KdhSimPage *
writable_page (KdhSimKernel *k,
               guint64       address)
{
  guint64 page_address = address & ~(guint64) (KDH_SIM_PAGE_SIZE - 1);
  KdhSimPage *page = lookup_page (k, page_address);
  const KdhSimRegion *r;

  if (page != NULL)
    return page;
  r = find_region (k, page_address);
  if (r == NULL)
    return NULL;
  page = g_new (KdhSimPage, 1);
  page->address = page_address;
  if (r->pattern)
    pattern_bytes (page_address, page->data, KDH_SIM_PAGE_SIZE);
  else
    memset (page->data, 0, KDH_SIM_PAGE_SIZE);
  g_hash_table_insert (k->pages, &page->address, page);
  return page;
}

gsize
_kdh_sim_raw_read (KdhSimKernel *k,
                   guint64       address,
                   guint8       *buf,
                   gsize         len)
{
  gsize done = 0;

  while (done < len)
    {
      guint64 a = address + done;
      guint offset = (guint) (a & (KDH_SIM_PAGE_SIZE - 1));
      gsize n = MIN (len - done, (gsize) (KDH_SIM_PAGE_SIZE - offset));
      KdhSimPage *page = lookup_page (k, a - offset);

      if (done > 0 && a == 0)
        break;                                    /* wrapped around */
      if (page != NULL)
        memcpy (buf + done, page->data + offset, n);
      else
        {
          const KdhSimRegion *r = find_region (k, a);

          if (r == NULL)
            break;
          if (r->pattern)
            pattern_bytes (a, buf + done, n);
          else
            memset (buf + done, 0, n);
        }
      done += n;
    }
  return done;
}

gsize
_kdh_sim_raw_write (KdhSimKernel *k,
                    guint64       address,
                    const guint8 *buf,
                    gsize         len)
{
  gsize done = 0;

  while (done < len)
    {
      guint64 a = address + done;
      guint offset = (guint) (a & (KDH_SIM_PAGE_SIZE - 1));
      gsize n = MIN (len - done, (gsize) (KDH_SIM_PAGE_SIZE - offset));
      KdhSimPage *page;

      if (done > 0 && a == 0)
        break;
      page = writable_page (k, a);
      if (page == NULL)
        break;
      memcpy (page->data + offset, buf + done, n);
      done += n;
    }
  return done;
}

void
_kdh_sim_poke (KdhSimKernel *k,
               guint64       address,
               const void   *data,
               gsize         len)
{
  gsize n = _kdh_sim_raw_write (k, address, data, len);

  g_assert (n == len);
}

void
_kdh_sim_poke_u8 (KdhSimKernel *k, guint64 address, guint8 v)
{
  _kdh_sim_poke (k, address, &v, 1);
}

void
_kdh_sim_poke_u16 (KdhSimKernel *k, guint64 address, guint16 v)
{
  guint8 b[2];

  _kdh_sim_set (b, 0, 2, v);
  _kdh_sim_poke (k, address, b, 2);
}

void
_kdh_sim_poke_u32 (KdhSimKernel *k, guint64 address, guint32 v)
{
  guint8 b[4];

  _kdh_sim_set (b, 0, 4, v);
  _kdh_sim_poke (k, address, b, 4);
}

void
_kdh_sim_poke_u64 (KdhSimKernel *k, guint64 address, guint64 v)
{
  guint8 b[8];

  _kdh_sim_set (b, 0, 8, v);
  _kdh_sim_poke (k, address, b, 8);
}

guint64
_kdh_sim_peek_u64 (KdhSimKernel *k, guint64 address)
{
  guint8 b[8] = { 0 };

  _kdh_sim_raw_read (k, address, b, 8);
  return _kdh_sim_get (b, 0, 8);
}

gsize
_kdh_sim_poke_utf16 (KdhSimKernel *k,
                     guint64       address,
                     const gchar  *s)
{
  glong n = 0;
  g_autofree gunichar2 *u = g_utf8_to_utf16 (s, -1, NULL, &n, NULL);

  g_assert (u != NULL);
  for (glong i = 0; i <= n; i++)
    _kdh_sim_poke_u16 (k, address + 2 * i, u[i]);
  return (gsize) n * 2;
}

guint64
_kdh_sim_pool_alloc (KdhSimKernel *k,
                     gsize         size,
                     const gchar  *tag)
{
  /* POOL_HEADER: PreviousSize, PoolIndex, BlockSize (16-byte units),
   * PoolType bytes, then the tag. */
  guint64 header = k->pool_next;
  gsize blocks = (size + 16 + 15) / 16;

  g_assert (header + blocks * 16 <= KDH_SIM_POOL_BASE + KDH_SIM_POOL_SIZE);
  _kdh_sim_poke_u8 (k, header + 2, (guint8) MIN (blocks, 0xFF));
  _kdh_sim_poke_u8 (k, header + 3, 0x02);
  _kdh_sim_poke (k, header + 4, tag, 4);
  k->pool_next = header + blocks * 16;
  return header + 16;
}

gsize
kdh_sim_kernel_read_virtual (KdhSimKernel *k,
                             guint64       address,
                             guint8       *buf,
                             gsize         len)
{
  g_return_val_if_fail (k != NULL, 0);
  g_return_val_if_fail (buf != NULL || len == 0, 0);

  return _kdh_sim_raw_read (k, address, buf, len);
}

gsize
kdh_sim_kernel_write_virtual (KdhSimKernel *k,
                              guint64       address,
                              const guint8 *buf,
                              gsize         len)
{
  gsize n;

  g_return_val_if_fail (k != NULL, 0);
  g_return_val_if_fail (buf != NULL || len == 0, 0);

  n = _kdh_sim_raw_write (k, address, buf, len);
  for (guint i = 0; i < KDH_SIM_MAX_BREAKPOINTS; i++)
    {
      KdhSimBreakpoint *bp = &k->breakpoints[i];
      static const guint8 int3 = 0xCC;

      if (bp->active && bp->address - address < n)
        {
          bp->original = buf[bp->address - address];
          _kdh_sim_raw_write (k, bp->address, &int3, 1);
        }
    }
  return n;
}

/* Clips a physical range to the mapped window and gives its virtual
 * address; FALSE when nothing of it is inside. */
static gboolean
physical_to_virtual (guint64  address,
                     gsize   *len,
                     guint64 *virtual_address)
{
  if (address >= KDH_SIM_PHYS_SIZE)
    return FALSE;
  *len = (gsize) MIN ((guint64) *len, KDH_SIM_PHYS_SIZE - address);
  *virtual_address = KDH_SIM_PHYS_BASE + address;
  return TRUE;
}

gsize
kdh_sim_kernel_read_physical (KdhSimKernel *k,
                              guint64       address,
                              guint8       *buf,
                              gsize         len)
{
  guint64 va;

  g_return_val_if_fail (k != NULL, 0);

  if (!physical_to_virtual (address, &len, &va))
    return 0;
  return kdh_sim_kernel_read_virtual (k, va, buf, len);
}

gsize
kdh_sim_kernel_write_physical (KdhSimKernel *k,
                               guint64       address,
                               const guint8 *buf,
                               gsize         len)
{
  guint64 va;

  g_return_val_if_fail (k != NULL, 0);

  if (!physical_to_virtual (address, &len, &va))
    return 0;
  return kdh_sim_kernel_write_virtual (k, va, buf, len);
}

void
_kdh_sim_memory_init (KdhSimKernel *k)
{
  k->pages = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  k->regions = g_array_new (FALSE, FALSE, sizeof (KdhSimRegion));
}

void
_kdh_sim_memory_reset (KdhSimKernel *k)
{
  g_hash_table_remove_all (k->pages);
  g_array_set_size (k->regions, 0);
  k->pool_next = KDH_SIM_POOL_BASE;
}

void
_kdh_sim_memory_clear (KdhSimKernel *k)
{
  g_clear_pointer (&k->pages, g_hash_table_unref);
  g_clear_pointer (&k->regions, g_array_unref);
}
