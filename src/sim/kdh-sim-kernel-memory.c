/* kdh-sim-kernel-memory.c: simulated physical memory and the page tables over it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Physical memory is one host buffer (reserved, so untouched pages cost
 * nothing). Every mapping is written into real x64 4-level page tables in
 * that memory, and every virtual access the host makes goes through those
 * tables from CR3, so what a debugger reads virtually, physically or by
 * walking the tables itself agrees by construction. The processors
 * (kdh-sim-cpu.c) map the same regions onto the same host bytes.
 *
 * Breakpoints live in memory as on a real target: the 0xCC is there and
 * reads return it. A write that covers an active breakpoint updates the
 * saved byte and keeps the 0xCC, as the NT kernel debugger does, so
 * restoring it later puts back what the host wrote.
 */

#include <string.h>
#include <sys/mman.h>

#include <glib.h>

#include "kdh-sim-kernel-private.h"

#define PTE_PRESENT  G_GUINT64_CONSTANT (0x1)
#define PTE_WRITE    G_GUINT64_CONSTANT (0x2)
#define PTE_ACCESSED G_GUINT64_CONSTANT (0x20)
#define PTE_DIRTY    G_GUINT64_CONSTANT (0x40)
#define PTE_LARGE    G_GUINT64_CONSTANT (0x80)
#define PTE_GLOBAL   G_GUINT64_CONSTANT (0x100)
#define PTE_NX       G_GUINT64_CONSTANT (0x8000000000000000)
#define PTE_FRAME    G_GUINT64_CONSTANT (0x000FFFFFFFFFF000)
#define LARGE_PAGE   G_GUINT64_CONSTANT (0x200000)

static guint64
phys_u64 (KdhSimKernel *k,
          guint64       pa)
{
  guint64 v;

  memcpy (&v, k->phys + pa, 8);
  return GUINT64_FROM_LE (v);
}

static void
phys_set_u64 (KdhSimKernel *k,
              guint64       pa,
              guint64       v)
{
  v = GUINT64_TO_LE (v);
  memcpy (k->phys + pa, &v, 8);
}

static void
mark_present (KdhSimKernel *k,
              guint64       pa,
              guint64       size)
{
  for (guint64 p = pa; p < pa + size; p += KDH_SIM_PAGE_SIZE)
    k->present[p / KDH_SIM_PAGE_SIZE] = 1;
}

/* A physical page from the top of memory, for what has no 1:1 twin. */
static guint64
extra_page (KdhSimKernel *k)
{
  guint64 pa = k->phys_extra_next;

  g_assert (pa + KDH_SIM_PAGE_SIZE <= KDH_SIM_PHYS_SIZE);
  k->phys_extra_next += KDH_SIM_PAGE_SIZE;
  memset (k->phys + pa, 0, KDH_SIM_PAGE_SIZE);
  mark_present (k, pa, KDH_SIM_PAGE_SIZE);
  return pa;
}

/* The physical address of the entry for @va at @level (3 = PML4 .. 0 = PT)
 * in the table at @table. */
static guint64
table_entry (guint64 table,
             guint64 va,
             guint   level)
{
  return table + 8 * ((va >> (12 + 9 * level)) & 0x1FF);
}

static guint64
next_table (KdhSimKernel *k,
            guint64       entry)
{
  guint64 e = phys_u64 (k, entry);

  if (!(e & PTE_PRESENT))
    {
      guint64 page = extra_page (k);

      /* Upper levels allow everything; the leaf says what is allowed. */
      e = page | PTE_PRESENT | PTE_WRITE | PTE_ACCESSED;
      phys_set_u64 (k, entry, e);
    }
  g_assert (!(e & PTE_LARGE));
  return e & PTE_FRAME;
}

static void
map_pages (KdhSimKernel *k,
           guint64       va,
           guint64       pa,
           guint64       size,
           gboolean      large)
{
  guint64 done = 0;

  while (done < size)
    {
      guint64 a = va + done;
      guint64 pdpt = next_table (k, table_entry (k->pml4, a, 3));
      guint64 pd = next_table (k, table_entry (pdpt, a, 2));

      if (large && (a & (LARGE_PAGE - 1)) == 0 && size - done >= LARGE_PAGE)
        {
          phys_set_u64 (k, table_entry (pd, a, 1),
                        (pa + done) | PTE_PRESENT | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY
                        | PTE_LARGE | PTE_GLOBAL | PTE_NX);
          done += LARGE_PAGE;
          continue;
        }
      phys_set_u64 (k, table_entry (next_table (k, table_entry (pd, a, 1)), a, 0),
                    (pa + done) | PTE_PRESENT | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY
                    | PTE_GLOBAL);
      done += KDH_SIM_PAGE_SIZE;
    }
}

gboolean
_kdh_sim_translate (KdhSimKernel *k,
                    guint64       va,
                    guint64      *pa)
{
  guint64 table = k->pml4;

  /* Canonical addresses only. */
  if ((va >> 47) != 0 && (va >> 47) != 0x1FFFF)
    return FALSE;
  for (gint level = 3; level >= 0; level--)
    {
      guint64 e = phys_u64 (k, table_entry (table, va, (guint) level));

      if (!(e & PTE_PRESENT))
        return FALSE;
      if (level == 1 && (e & PTE_LARGE))
        {
          *pa = (e & PTE_FRAME & ~(LARGE_PAGE - 1)) | (va & (LARGE_PAGE - 1));
          return *pa < KDH_SIM_PHYS_SIZE;
        }
      table = e & PTE_FRAME;
      if (table >= KDH_SIM_PHYS_SIZE)
        return FALSE;
    }
  *pa = table | (va & (KDH_SIM_PAGE_SIZE - 1));
  return TRUE;
}

/* The pattern: every aligned u64 at A holds A ^ KDH_SIM_PATTERN_XOR,
 * little-endian. */
static void
fill_pattern (guint8  *out,
              guint64  va,
              guint64  size)
{
  for (guint64 i = 0; i < size; i += 8)
    {
      guint64 v = GUINT64_TO_LE ((va + i) ^ KDH_SIM_PATTERN_XOR);

      memcpy (out + i, &v, 8);
    }
}

void
_kdh_sim_map (KdhSimKernel *k,
              guint64       va,
              guint64       size,
              gboolean      pattern)
{
  KdhSimRegion r = { va, size, 0 };

  g_assert ((va & (KDH_SIM_PAGE_SIZE - 1)) == 0);
  g_assert ((size & (KDH_SIM_PAGE_SIZE - 1)) == 0);
  g_assert (size > 0 && va + size > va);

  if (va >= KDH_SIM_PHYS_BASE && va + size <= KDH_SIM_PHYS_BASE + KDH_SIM_PHYS_SIZE
                                                 - KDH_SIM_PHYS_EXTRA)
    r.pa = va - KDH_SIM_PHYS_BASE;
  else
    {
      g_assert (size == KDH_SIM_PAGE_SIZE);      /* KUSER_SHARED_DATA */
      r.pa = extra_page (k);
    }
  if (pattern)
    fill_pattern (k->phys + r.pa, va, size);
  /* Otherwise the pages are still zero: nothing mapped them since the
   * reset, and untouched they cost nothing (4 MiB of pool, stacks). */
  mark_present (k, r.pa, size);
  map_pages (k, va, r.pa, size, pattern);
  g_array_append_val (k->regions, r);
  _kdh_sim_cpus_map (k, &r);
}

typedef enum { READ, WRITE, WRITE_DATA } Direction;

static gsize
virtual_copy (KdhSimKernel *k,
              guint64       address,
              guint8       *buf,
              gsize         len,
              Direction     dir)
{
  gsize done = 0;

  while (done < len)
    {
      guint64 a = address + done;
      guint offset = (guint) (a & (KDH_SIM_PAGE_SIZE - 1));
      gsize n = MIN (len - done, (gsize) (KDH_SIM_PAGE_SIZE - offset));
      guint64 pa;

      if (done > 0 && a == 0)
        break;                                    /* wrapped around */
      if (!_kdh_sim_translate (k, a, &pa))
        break;
      if (dir == READ)
        memcpy (buf + done, k->phys + pa, n);
      else
        memcpy (k->phys + pa, buf + done, n);
      done += n;
    }
  if (dir == WRITE && done > 0)
    _kdh_sim_cpus_invalidate (k, address, done);
  return done;
}

gsize
_kdh_sim_raw_read (KdhSimKernel *k,
                   guint64       address,
                   guint8       *buf,
                   gsize         len)
{
  return virtual_copy (k, address, buf, len, READ);
}

gsize
_kdh_sim_raw_write (KdhSimKernel *k,
                    guint64       address,
                    const guint8 *buf,
                    gsize         len)
{
  return virtual_copy (k, address, (guint8 *) buf, len, WRITE);
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

void
_kdh_sim_poke_data_u64 (KdhSimKernel *k, guint64 address, guint64 v)
{
  guint8 b[8];

  _kdh_sim_set (b, 0, 8, v);
  g_assert (virtual_copy (k, address, b, 8, WRITE_DATA) == 8);
}

guint64
_kdh_sim_peek_u64 (KdhSimKernel *k, guint64 address)
{
  guint8 b[8] = { 0 };

  _kdh_sim_raw_read (k, address, b, 8);
  return _kdh_sim_get (b, 0, 8);
}

guint32
_kdh_sim_peek_u32 (KdhSimKernel *k, guint64 address)
{
  guint8 b[4] = { 0 };

  _kdh_sim_raw_read (k, address, b, 4);
  return (guint32) _kdh_sim_get (b, 0, 4);
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

/* A write over active breakpoints changes their saved bytes and keeps the
 * 0xCCs in memory. @n bytes at @address were just written from @buf. */
static void
rearm_breakpoints (KdhSimKernel *k,
                   guint64       address,
                   const guint8 *buf,
                   gsize         n)
{
  static const guint8 int3 = 0xCC;

  for (guint i = 0; i < KDH_SIM_MAX_BREAKPOINTS; i++)
    {
      KdhSimBreakpoint *bp = &k->breakpoints[i];

      if (bp->active && bp->address - address < n)
        {
          bp->original = buf[bp->address - address];
          _kdh_sim_raw_write (k, bp->address, &int3, 1);
        }
    }
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
  rearm_breakpoints (k, address, buf, n);
  return n;
}

/* How much of [address, address + len) is present physical memory. */
static gsize
physical_extent (KdhSimKernel *k,
                 guint64       address,
                 gsize         len)
{
  gsize done = 0;

  if (address >= KDH_SIM_PHYS_SIZE)
    return 0;
  len = (gsize) MIN ((guint64) len, KDH_SIM_PHYS_SIZE - address);
  while (done < len)
    {
      guint64 a = address + done;

      if (!k->present[a / KDH_SIM_PAGE_SIZE])
        break;
      done += MIN (len - done, (gsize) (KDH_SIM_PAGE_SIZE - (a & (KDH_SIM_PAGE_SIZE - 1))));
    }
  return done;
}

gsize
kdh_sim_kernel_read_physical (KdhSimKernel *k,
                              guint64       address,
                              guint8       *buf,
                              gsize         len)
{
  gsize n;

  g_return_val_if_fail (k != NULL, 0);

  n = physical_extent (k, address, len);
  if (n > 0)
    memcpy (buf, k->phys + address, n);
  return n;
}

gsize
kdh_sim_kernel_write_physical (KdhSimKernel *k,
                               guint64       address,
                               const guint8 *buf,
                               gsize         len)
{
  gsize n;

  g_return_val_if_fail (k != NULL, 0);

  n = physical_extent (k, address, len);
  if (n == 0)
    return 0;
  memcpy (k->phys + address, buf, n);
  /* Whatever virtual pages show these bytes. */
  for (guint i = 0; i < k->regions->len; i++)
    {
      const KdhSimRegion *r = &g_array_index (k->regions, KdhSimRegion, i);
      guint64 lo = MAX (r->pa, address), hi = MIN (r->pa + r->size, address + n);

      if (lo < hi)
        {
          _kdh_sim_cpus_invalidate (k, r->va + (lo - r->pa), hi - lo);
          rearm_breakpoints (k, r->va + (lo - r->pa), buf + (lo - address), hi - lo);
        }
    }
  return n;
}

void
_kdh_sim_memory_init (KdhSimKernel *k)
{
  k->phys = mmap (NULL, KDH_SIM_PHYS_SIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (k->phys == MAP_FAILED)
    g_error ("kdhost-sim: cannot reserve %" G_GUINT64_FORMAT " MiB for the simulated machine's "
             "physical memory", KDH_SIM_PHYS_SIZE >> 20);
  k->present = g_malloc0 (KDH_SIM_PHYS_SIZE / KDH_SIM_PAGE_SIZE);
  k->regions = g_array_new (FALSE, FALSE, sizeof (KdhSimRegion));
}

void
_kdh_sim_memory_reset (KdhSimKernel *k)
{
  /* Back to zero pages without touching them. */
  madvise (k->phys, KDH_SIM_PHYS_SIZE, MADV_DONTNEED);
  memset (k->present, 0, KDH_SIM_PHYS_SIZE / KDH_SIM_PAGE_SIZE);
  g_array_set_size (k->regions, 0);
  k->phys_extra_next = KDH_SIM_PHYS_SIZE - KDH_SIM_PHYS_EXTRA;
  k->pool_next = KDH_SIM_POOL_BASE;
  k->pml4 = extra_page (k);
  /* The self-map: the tables are visible at PteBase. */
  phys_set_u64 (k, table_entry (k->pml4, KDH_SIM_PTE_BASE, 3),
                k->pml4 | PTE_PRESENT | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_NX);
}

void
_kdh_sim_memory_clear (KdhSimKernel *k)
{
  if (k->phys != NULL)
    munmap (k->phys, KDH_SIM_PHYS_SIZE);
  k->phys = NULL;
  g_clear_pointer (&k->present, g_free);
  g_clear_pointer (&k->regions, g_array_unref);
}

/* The RAM a boot loader's memory map would report: the 1 MiB granules in
 * use at boot, with the pool, the area later drivers load into and the
 * first page-table pages whole, as PHYSICAL_MEMORY_DESCRIPTOR runs that
 * KdDebuggerDataBlock.MmPhysicalMemoryBlock (0x270) points to through
 * the kernel's variable. A debugger writing a complete dump reads these
 * runs; pages in them that nothing uses read as zeros would on a real
 * machine, and here they are simply not present. */
#define GRANULE (G_GUINT64_CONSTANT (1) << 20)
#define N_GRANULES (KDH_SIM_PHYS_SIZE / GRANULE)

static void
mark_ram (gboolean *ram,
          guint64   pa,
          guint64   size)
{
  for (guint64 g = pa / GRANULE; g < (pa + size + GRANULE - 1) / GRANULE && g < N_GRANULES; g++)
    ram[g] = TRUE;
}

void
_kdh_sim_build_memory_block (KdhSimKernel *k)
{
  guint64 variable = _kdh_sim_peek_u64 (k, k->sym.kd_debugger_data_block + 0x270);
  gboolean ram[N_GRANULES] = { 0 };
  guint64 runs[N_GRANULES][2];
  guint n_runs = 0;
  guint64 pages = 0, block;

  if (variable == 0)
    return;
  for (guint64 p = 0; p < KDH_SIM_PHYS_SIZE / KDH_SIM_PAGE_SIZE; p++)
    if (k->present[p])
      ram[p * KDH_SIM_PAGE_SIZE / GRANULE] = TRUE;
  mark_ram (ram, KDH_SIM_POOL_BASE - KDH_SIM_PHYS_BASE, KDH_SIM_POOL_SIZE);
  mark_ram (ram, KDH_SIM_LATE_BASE - KDH_SIM_PHYS_BASE, 2 * GRANULE);
  mark_ram (ram, KDH_SIM_PHYS_SIZE - KDH_SIM_PHYS_EXTRA, 2 * GRANULE);
  for (guint g = 0; g < N_GRANULES; g++)
    {
      if (!ram[g])
        continue;
      if (n_runs > 0 && runs[n_runs - 1][0] + runs[n_runs - 1][1] == g * (GRANULE / KDH_SIM_PAGE_SIZE))
        runs[n_runs - 1][1] += GRANULE / KDH_SIM_PAGE_SIZE;
      else
        {
          runs[n_runs][0] = g * (GRANULE / KDH_SIM_PAGE_SIZE);
          runs[n_runs][1] = GRANULE / KDH_SIM_PAGE_SIZE;
          n_runs++;
        }
      pages += GRANULE / KDH_SIM_PAGE_SIZE;
    }
  block = _kdh_sim_pool_alloc (k, 0x10 + 0x10 * n_runs, "MmPm");
  _kdh_sim_poke_u32 (k, block, n_runs);
  _kdh_sim_poke_u64 (k, block + 8, pages);
  for (guint i = 0; i < n_runs; i++)
    {
      _kdh_sim_poke_u64 (k, block + 0x10 + 0x10 * i, runs[i][0]);
      _kdh_sim_poke_u64 (k, block + 0x18 + 0x10 * i, runs[i][1]);
    }
  _kdh_sim_poke_u64 (k, variable, block);
}
