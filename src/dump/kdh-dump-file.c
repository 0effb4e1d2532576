/* kdh-dump-file.c: reading a kernel crash dump file
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-dump-file.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/mman.h>

#include "common/kdh-le.h"
#include "common/kdh-paging.h"

#define PAGE_SHIFT 12
#define PAGE_MASK  (KDH_DUMP_PAGE_SIZE - 1)
/* Physical addresses have at most 52 bits; more pages than that is a lie. */
#define MAX_PAGE_NUMBER (G_GUINT64_CONSTANT (1) << 40)
/* Windows runs on at most this many logical processors. */
#define MAX_PROCESSORS 4096
/* A bitmap's rank index: a running count every this many bits. */
#define RANK_BITS 4096


typedef struct {
  guint64 base_page;
  guint64 page_count;
  guint64 file_page;              /* index of its first page after the header */
} Run;

struct _KdhDumpFile
{
  GMappedFile *mapped;            /* or ... */
  GBytes *bytes;                  /* ... the bytes given */
  const guint8 *data;
  gsize size;
  gsize data_offset;              /* full dumps: where the runs' pages start */
  KdhDumpHeader header;
  /* Full dumps: the runs, ascending. */
  Run *runs;
  guint n_runs;
  /* Bitmap dumps: bit N set = physical page N is stored, in bit order
   * from first_page on; rank[i] = set bits before bit i * RANK_BITS. */
  const guint8 *bitmap;
  guint64 n_bits;
  guint64 first_page;
  guint64 *rank;
};

G_DEFINE_QUARK (kdh-dump-error-quark, kdh_dump_error)

const gchar *
kdh_dump_type_name (guint32 type)
{
  switch (type)
    {
    case KDH_DUMP_TYPE_FULL:          return "full";
    case KDH_DUMP_TYPE_KERNEL:        return "kernel";
    case KDH_DUMP_TYPE_TRIAGE:        return "small (triage)";
    case KDH_DUMP_TYPE_BITMAP_FULL:   return "bitmap full";
    case KDH_DUMP_TYPE_BITMAP_KERNEL: return "bitmap kernel";
    default:                          return NULL;
    }
}

static gboolean
corrupt (GError     **error,
         const gchar *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
corrupt (GError     **error,
         const gchar *format,
         ...)
{
  va_list ap;
  g_autofree gchar *what = NULL;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, KDH_DUMP_ERROR, KDH_DUMP_ERROR_CORRUPT,
               _("The dump file is corrupt: %s."), what);
  return FALSE;
}

static void
decode_header (KdhDumpFile *d)
{
  const guint8 *p = d->data, *e;
  KdhDumpHeader *h = &d->header;

  h->major_version = kdh_read_le32 (p + KDH_DUMP_OFF_MAJOR);
  h->minor_version = kdh_read_le32 (p + KDH_DUMP_OFF_MINOR);
  h->directory_table_base = kdh_read_le64 (p + KDH_DUMP_OFF_DTB);
  h->pfn_database = kdh_read_le64 (p + KDH_DUMP_OFF_PFN_DATABASE);
  h->ps_loaded_module_list = kdh_read_le64 (p + KDH_DUMP_OFF_MODULE_LIST);
  h->ps_active_process_head = kdh_read_le64 (p + KDH_DUMP_OFF_PROCESS_HEAD);
  h->machine_type = kdh_read_le32 (p + KDH_DUMP_OFF_MACHINE);
  h->number_processors = kdh_read_le32 (p + KDH_DUMP_OFF_N_PROCESSORS);
  h->bugcheck_code = kdh_read_le32 (p + KDH_DUMP_OFF_BUGCHECK_CODE);
  for (guint i = 0; i < 4; i++)
    h->bugcheck_parameters[i] = kdh_read_le64 (p + KDH_DUMP_OFF_BUGCHECK_PARAMS + 8 * i);
  h->kd_debugger_data_block = kdh_read_le64 (p + KDH_DUMP_OFF_KDDEBUGGER_DATA);
  h->dump_type = kdh_read_le32 (p + KDH_DUMP_OFF_DUMP_TYPE);
  h->required_dump_space = kdh_read_le64 (p + KDH_DUMP_OFF_REQUIRED_SPACE);
  h->system_time = kdh_read_le64 (p + KDH_DUMP_OFF_SYSTEM_TIME);
  h->system_up_time = kdh_read_le64 (p + KDH_DUMP_OFF_SYSTEM_UP_TIME);
  h->product_type = kdh_read_le32 (p + KDH_DUMP_OFF_PRODUCT_TYPE);
  h->suite_mask = kdh_read_le32 (p + KDH_DUMP_OFF_SUITE_MASK);
  h->kd_secondary_version = p[KDH_DUMP_OFF_KD_SECONDARY];
  h->context = p + KDH_DUMP_OFF_CONTEXT;
  h->context_size = KDH_DUMP_CONTEXT_SIZE;
  h->is_64 = TRUE;
  e = p + KDH_DUMP_OFF_EXCEPTION;
  h->has_exception = kdh_read_le32 (e) != KDH_DUMP_FILL;
  if (h->has_exception)
    {
      h->exception_code = kdh_read_le32 (e);
      h->exception_flags = kdh_read_le32 (e + 4);
      h->exception_record = kdh_read_le64 (e + 8);
      h->exception_address = kdh_read_le64 (e + 0x10);
      h->exception_n_parameters = MIN (kdh_read_le32 (e + 0x18), 15u);
      for (guint i = 0; i < h->exception_n_parameters; i++)
        h->exception_information[i] = kdh_read_le64 (e + 0x20 + 8 * i);
    }
}

static guint64
sign_extend32 (guint32 v)
{
  return (guint64) (gint64) (gint32) v;
}

static void
decode_header32 (KdhDumpFile *d)
{
  const guint8 *p = d->data, *e = p + KDH_DUMP32_OFF_EXCEPTION;
  KdhDumpHeader *h = &d->header;

  h->is_64 = FALSE;
  h->major_version = kdh_read_le32 (p + KDH_DUMP_OFF_MAJOR);
  h->minor_version = kdh_read_le32 (p + KDH_DUMP_OFF_MINOR);
  h->directory_table_base = kdh_read_le32 (p + KDH_DUMP32_OFF_DTB);
  h->pfn_database = sign_extend32 (kdh_read_le32 (p + KDH_DUMP32_OFF_PFN_DATABASE));
  h->ps_loaded_module_list = sign_extend32 (kdh_read_le32 (p + KDH_DUMP32_OFF_MODULE_LIST));
  h->ps_active_process_head = sign_extend32 (kdh_read_le32 (p + KDH_DUMP32_OFF_PROCESS_HEAD));
  h->machine_type = kdh_read_le32 (p + KDH_DUMP32_OFF_MACHINE);
  h->number_processors = kdh_read_le32 (p + KDH_DUMP32_OFF_N_PROCESSORS);
  h->bugcheck_code = kdh_read_le32 (p + KDH_DUMP32_OFF_BUGCHECK_CODE);
  for (guint i = 0; i < 4; i++)
    h->bugcheck_parameters[i] = kdh_read_le32 (p + KDH_DUMP32_OFF_BUGCHECK_PARAMS + 4 * i);
  h->pae_enabled = p[KDH_DUMP32_OFF_PAE_ENABLED] != 0;
  h->kd_secondary_version = p[KDH_DUMP32_OFF_KD_SECONDARY];
  h->kd_debugger_data_block = sign_extend32 (kdh_read_le32 (p + KDH_DUMP32_OFF_KDDEBUGGER_DATA));
  h->dump_type = kdh_read_le32 (p + KDH_DUMP32_OFF_DUMP_TYPE);
  h->product_type = kdh_read_le32 (p + KDH_DUMP32_OFF_PRODUCT_TYPE);
  h->suite_mask = kdh_read_le32 (p + KDH_DUMP32_OFF_SUITE_MASK);
  h->required_dump_space = kdh_read_le64 (p + KDH_DUMP32_OFF_REQUIRED_SPACE);
  h->system_up_time = kdh_read_le64 (p + KDH_DUMP32_OFF_SYSTEM_UP_TIME);
  h->system_time = kdh_read_le64 (p + KDH_DUMP32_OFF_SYSTEM_TIME);
  h->context = p + KDH_DUMP32_OFF_CONTEXT;
  h->context_size = KDH_DUMP32_CONTEXT_SIZE;
  h->has_exception = kdh_read_le32 (e) != KDH_DUMP_FILL;
  if (h->has_exception)
    {
      h->exception_code = kdh_read_le32 (e);
      h->exception_flags = kdh_read_le32 (e + 4);
      h->exception_record = sign_extend32 (kdh_read_le32 (e + 8));
      h->exception_address = sign_extend32 (kdh_read_le32 (e + 0x0C));
      h->exception_n_parameters = MIN (kdh_read_le32 (e + 0x10), 15u);
      for (guint i = 0; i < h->exception_n_parameters; i++)
        h->exception_information[i] = kdh_read_le32 (e + 0x14 + 4 * i);
    }
}

/* PHYSICAL_MEMORY_DESCRIPTOR: 64-bit {u32 + pad, u64, {u64, u64}...} or
 * 32-bit {u32, u32, {u32, u32}...}. */
static gboolean
load_runs (KdhDumpFile *d,
           GError     **error)
{
  gboolean w64 = d->header.is_64;
  const guint8 *block = d->data + (w64 ? KDH_DUMP_OFF_PHYS_BLOCK : KDH_DUMP32_OFF_PHYS_BLOCK);
  guint32 n_runs = kdh_read_le32 (block);
  guint64 n_pages = w64 ? kdh_read_le64 (block + 8) : kdh_read_le32 (block + 4);
  guint max_runs = w64 ? KDH_DUMP_MAX_RUNS : KDH_DUMP32_MAX_RUNS;
  guint64 total = 0, end = 0;

  if (n_runs == 0 || n_runs > max_runs)
    return corrupt (error, _("PhysicalMemoryBlock.NumberOfRuns is %u (1 to %u fit in the header)"),
                    n_runs, max_runs);
  d->runs = g_new0 (Run, n_runs);
  d->n_runs = n_runs;
  for (guint i = 0; i < n_runs; i++)
    {
      Run *r = &d->runs[i];

      r->base_page = w64 ? kdh_read_le64 (block + 0x10 + 0x10 * i) : kdh_read_le32 (block + 8 + 8 * i);
      r->page_count = w64 ? kdh_read_le64 (block + 0x18 + 0x10 * i) : kdh_read_le32 (block + 12 + 8 * i);
      if (r->page_count == 0 || r->base_page >= MAX_PAGE_NUMBER
          || r->page_count > MAX_PAGE_NUMBER - r->base_page)
        return corrupt (error, _("run %u (base page 0x%" G_GINT64_MODIFIER "x, 0x%"
                                 G_GINT64_MODIFIER "x pages) is out of range"),
                        i, r->base_page, r->page_count);
      if (i > 0 && r->base_page < end)
        return corrupt (error, _("run %u overlaps or precedes the one before it"), i);
      end = r->base_page + r->page_count;
      r->file_page = total;
      total += r->page_count;
    }
  if (total != n_pages)
    return corrupt (error, _("PhysicalMemoryBlock.NumberOfPages is 0x%" G_GINT64_MODIFIER
                             "x but its runs hold 0x%" G_GINT64_MODIFIER "x pages"),
                    n_pages, total);
  if (total > (d->size - d->data_offset) / KDH_DUMP_PAGE_SIZE)
    return corrupt (error, _("the runs hold 0x%" G_GINT64_MODIFIER "x pages, the file only 0x%"
                             G_GINT64_MODIFIER "x (truncated)"),
                    total, (guint64) ((d->size - d->data_offset) / KDH_DUMP_PAGE_SIZE));
  d->header.n_pages = total;
  return TRUE;
}

static gboolean
load_bitmap (KdhDumpFile *d,
             GError     **error)
{
  const guint8 *b = d->data + KDH_DUMP_HEADER64_SIZE;
  guint64 present, bitmap_bytes, n_blocks, count = 0;
  guint32 sig;

  if (d->size < KDH_DUMP_HEADER64_SIZE + KDH_DUMP_BMP_OFF_BITMAP)
    return corrupt (error, _("the file ends before its bitmap header"));
  sig = kdh_read_le32 (b);
  if ((sig != KDH_DUMP_BMP_SDMP && sig != KDH_DUMP_BMP_FDMP)
      || kdh_read_le32 (b + 4) != KDH_DUMP_VALID32)
    return corrupt (error, _("a %s dump has no SDMP or FDMP header at 0x2000"),
                    kdh_dump_type_name (d->header.dump_type));
  d->first_page = kdh_read_le64 (b + KDH_DUMP_BMP_OFF_FIRST_PAGE);
  present = kdh_read_le64 (b + KDH_DUMP_BMP_OFF_TOTAL_PRESENT);
  d->n_bits = kdh_read_le64 (b + KDH_DUMP_BMP_OFF_PAGES);
  if (d->n_bits == 0 || d->n_bits > MAX_PAGE_NUMBER)
    return corrupt (error, _("the bitmap's page count 0x%" G_GINT64_MODIFIER "x is out of range"),
                    d->n_bits);
  bitmap_bytes = (d->n_bits + 7) / 8;
  if (bitmap_bytes > d->size - KDH_DUMP_HEADER64_SIZE - KDH_DUMP_BMP_OFF_BITMAP)
    return corrupt (error, _("the bitmap (0x%" G_GINT64_MODIFIER "x bytes) is larger than the file"),
                    bitmap_bytes);
  d->bitmap = b + KDH_DUMP_BMP_OFF_BITMAP;
  if (d->first_page < KDH_DUMP_HEADER64_SIZE + KDH_DUMP_BMP_OFF_BITMAP + bitmap_bytes
      || d->first_page > d->size || (d->first_page & PAGE_MASK) != 0)
    return corrupt (error, _("the first page's offset 0x%" G_GINT64_MODIFIER "x is out of range"),
                    d->first_page);
  n_blocks = (d->n_bits + RANK_BITS - 1) / RANK_BITS;
  d->rank = g_new (guint64, n_blocks);
  for (guint64 i = 0; i < n_blocks; i++)
    {
      guint64 lo = i * (RANK_BITS / 8), hi = MIN (lo + RANK_BITS / 8, bitmap_bytes);

      d->rank[i] = count;
      for (guint64 j = lo; j < hi; j++)
        {
          guint8 byte = d->bitmap[j];

          /* Bits past the last page do not count. */
          if (j == bitmap_bytes - 1 && (d->n_bits & 7))
            byte &= (guint8) ((1u << (d->n_bits & 7)) - 1);
          count += (guint64) __builtin_popcount (byte);
        }
    }
  if (count != present)
    return corrupt (error, _("the bitmap has 0x%" G_GINT64_MODIFIER "x pages set but says 0x%"
                             G_GINT64_MODIFIER "x are present"), count, present);
  if (count > (d->size - d->first_page) / KDH_DUMP_PAGE_SIZE)
    return corrupt (error, _("the bitmap's 0x%" G_GINT64_MODIFIER "x pages do not fit in the "
                             "file (truncated)"), count);
  d->header.n_pages = count;
  return TRUE;
}

/* PAGEDUMP: x86, full dumps (the 32-bit summary and bitmap layouts are
 * not read). */
static KdhDumpFile *
load32 (KdhDumpFile *d,
        GError     **error)
{
  if (d->size < KDH_DUMP_HEADER32_SIZE)
    {
      corrupt (error, _("the file ends inside its 0x1000-byte header"));
      goto fail;
    }
  decode_header32 (d);
  if (d->header.machine_type != 0x014C)
    {
      g_set_error (error, KDH_DUMP_ERROR, KDH_DUMP_ERROR_UNSUPPORTED,
                   _("The 32-bit dump's MachineImageType 0x%x is not supported (x86 0x14c is)."),
                   d->header.machine_type);
      goto fail;
    }
  if (d->header.number_processors == 0 || d->header.number_processors > MAX_PROCESSORS)
    {
      corrupt (error, _("NumberProcessors is %u"), d->header.number_processors);
      goto fail;
    }
  if (d->header.dump_type != KDH_DUMP_TYPE_FULL)
    {
      if (kdh_dump_type_name (d->header.dump_type))
        g_set_error (error, KDH_DUMP_ERROR, KDH_DUMP_ERROR_UNSUPPORTED,
                     _("32-bit %s dumps are not supported; 32-bit full ones are."),
                     kdh_dump_type_name (d->header.dump_type));
      else
        corrupt (error, _("DumpType is %u (1, 2, 5 and 6 are dumps of physical memory)"),
                 d->header.dump_type);
      goto fail;
    }
  d->data_offset = KDH_DUMP_HEADER32_SIZE;
  if (!load_runs (d, error))
    goto fail;
  return d;

fail:
  kdh_dump_file_free (d);
  return NULL;
}

static KdhDumpFile *
load (KdhDumpFile *d,
      GError     **error)
{
  guint32 signature, valid;

  if (d->size < 8)
    {
      g_set_error_literal (error, KDH_DUMP_ERROR, KDH_DUMP_ERROR_NOT_A_DUMP,
                           _("This is not a kernel crash dump (the file is too short)."));
      goto fail;
    }
  signature = kdh_read_le32 (d->data + KDH_DUMP_OFF_SIGNATURE);
  valid = kdh_read_le32 (d->data + KDH_DUMP_OFF_VALID);
  if (signature != KDH_DUMP_FILL || (valid != KDH_DUMP_VALID64 && valid != KDH_DUMP_VALID32))
    {
      g_set_error_literal (error, KDH_DUMP_ERROR, KDH_DUMP_ERROR_NOT_A_DUMP,
                           _("This is not a kernel crash dump (no PAGEDU64 or PAGEDUMP signature)."));
      goto fail;
    }
  if (valid == KDH_DUMP_VALID32)
    return load32 (d, error);
  if (d->size < KDH_DUMP_HEADER64_SIZE)
    {
      corrupt (error, _("the file ends inside its 0x2000-byte header"));
      goto fail;
    }
  decode_header (d);
  if (d->header.machine_type != 0x8664)
    {
      g_set_error (error, KDH_DUMP_ERROR, KDH_DUMP_ERROR_UNSUPPORTED,
                   _("The dump's MachineImageType 0x%x is not supported (x64 0x8664 is)."),
                   d->header.machine_type);
      goto fail;
    }
  if (d->header.number_processors == 0 || d->header.number_processors > MAX_PROCESSORS)
    {
      corrupt (error, _("NumberProcessors is %u"), d->header.number_processors);
      goto fail;
    }
  switch (d->header.dump_type)
    {
    case KDH_DUMP_TYPE_FULL:
      d->data_offset = KDH_DUMP_HEADER64_SIZE;
      if (!load_runs (d, error))
        goto fail;
      break;
    case KDH_DUMP_TYPE_KERNEL:
    case KDH_DUMP_TYPE_BITMAP_FULL:
    case KDH_DUMP_TYPE_BITMAP_KERNEL:
      if (!load_bitmap (d, error))
        goto fail;
      break;
    case KDH_DUMP_TYPE_TRIAGE:
      g_set_error_literal (error, KDH_DUMP_ERROR, KDH_DUMP_ERROR_UNSUPPORTED,
                           _("Small (triage) dumps are not supported; full, kernel and bitmap ones are."));
      goto fail;
    default:
      corrupt (error, _("DumpType is %u (1, 2, 5 and 6 are dumps of physical memory)"),
               d->header.dump_type);
      goto fail;
    }
  return d;

fail:
  kdh_dump_file_free (d);
  return NULL;
}

KdhDumpFile *
kdh_dump_file_open (const gchar *path,
                    GError     **error)
{
  GError *local = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &local);
  KdhDumpFile *d;

  if (mapped == NULL)
    {
      g_propagate_prefixed_error (error, local, _("Cannot open the dump file: "));
      return NULL;
    }
  d = g_new0 (KdhDumpFile, 1);
  d->mapped = mapped;
  d->data = (const guint8 *) g_mapped_file_get_contents (mapped);
  d->size = g_mapped_file_get_length (mapped);
#ifdef MADV_RANDOM
  /* Reads jump about the file (page tables, then the page): read-ahead
   * would fault in 128 KiB for every 4 KiB asked for. */
  if (d->data != NULL && d->size > 0)
    madvise ((void *) d->data, d->size, MADV_RANDOM);
#endif
  return load (d, error);
}

KdhDumpFile *
kdh_dump_file_new_from_bytes (GBytes  *bytes,
                              GError **error)
{
  KdhDumpFile *d = g_new0 (KdhDumpFile, 1);

  d->bytes = g_bytes_ref (bytes);
  d->data = g_bytes_get_data (bytes, &d->size);
  return load (d, error);
}

void
kdh_dump_file_free (KdhDumpFile *d)
{
  if (d == NULL)
    return;
  g_clear_pointer (&d->mapped, g_mapped_file_unref);
  g_clear_pointer (&d->bytes, g_bytes_unref);
  g_free (d->runs);
  g_free (d->rank);
  g_free (d);
}

const KdhDumpHeader *
kdh_dump_file_get_header (KdhDumpFile *d)
{
  return &d->header;
}

/* The page's bytes in the file, or NULL when the dump does not hold it. */
static const guint8 *
find_page (KdhDumpFile *d,
           guint64      page)
{
  if (d->runs)
    {
      guint lo = 0, hi = d->n_runs;

      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;
          const Run *r = &d->runs[mid];

          if (page < r->base_page)
            hi = mid;
          else if (page - r->base_page >= r->page_count)
            lo = mid + 1;
          else
            return d->data + d->data_offset
                   + (r->file_page + (page - r->base_page)) * KDH_DUMP_PAGE_SIZE;
        }
      return NULL;
    }
  if (d->bitmap && page < d->n_bits && (d->bitmap[page / 8] & (1u << (page & 7))))
    {
      guint64 index = d->rank[page / RANK_BITS];

      for (guint64 b = page / RANK_BITS * RANK_BITS; b < page; )
        {
          if ((b & 7) == 0 && page - b >= 8)
            {
              index += (guint64) __builtin_popcount (d->bitmap[b / 8]);
              b += 8;
            }
          else
            {
              index += (d->bitmap[b / 8] >> (b & 7)) & 1;
              b++;
            }
        }
      return d->data + d->first_page + index * KDH_DUMP_PAGE_SIZE;
    }
  return NULL;
}

gsize
kdh_dump_file_read_physical (KdhDumpFile *d,
                             guint64      address,
                             guint8      *buffer,
                             gsize        length)
{
  gsize done = 0;

  while (done < length)
    {
      guint64 a = address + done;
      const guint8 *page;
      gsize n;

      if (a < address)
        break;
      page = find_page (d, a >> PAGE_SHIFT);
      if (page == NULL)
        break;
      n = MIN (length - done, (gsize) (KDH_DUMP_PAGE_SIZE - (a & PAGE_MASK)));
      memcpy (buffer + done, page + (a & PAGE_MASK), n);
      done += n;
    }
  return done;
}

static gboolean
read_entry (KdhDumpFile *d,
            guint64      table,
            guint        index,
            guint64     *entry)
{
  guint8 raw[8];

  if (kdh_dump_file_read_physical (d, (table & KDH_PTE_FRAME) + 8 * index, raw, 8) != 8)
    return FALSE;
  *entry = kdh_read_le64 (raw);
  return TRUE;
}

static gboolean
read_entry_at (guint64  physical,
               guint64 *entry,
               gpointer data)
{
  guint8 raw[8];

  if (kdh_dump_file_read_physical (data, physical, raw, 8) != 8)
    return FALSE;
  *entry = kdh_read_le64 (raw);
  return TRUE;
}

static gboolean
read_entry32 (KdhDumpFile *d,
              guint64      table,
              guint        index,
              guint64     *entry)
{
  guint8 raw[4];

  if (kdh_dump_file_read_physical (d, table + 4 * index, raw, 4) != 4)
    return FALSE;
  *entry = kdh_read_le32 (raw);
  return TRUE;
}

static gboolean
leaf (guint64  entry,
      guint64  frame,
      guint64  address,
      guint64 *physical)
{
  if (entry & KDH_PTE_PRESENT)
    {
      *physical = frame | (address & PAGE_MASK);
      return TRUE;
    }
  /* A page on the standby or modified list is still in memory. */
  if ((entry & KDH_PTE_TRANSITION) && !(entry & KDH_PTE_PROTOTYPE))
    {
      *physical = frame | (address & PAGE_MASK);
      return TRUE;
    }
  return FALSE;
}

/* x86: PAE (a 4-entry PDPT at CR3, then 8-byte PD and PT entries, 2 MiB
 * large pages) or the classic 2 levels of 4-byte entries (4 MiB pages). */
static gboolean
translate32 (KdhDumpFile *d,
             guint64      dtb,
             guint32      va,
             guint64     *physical)
{
  guint64 e;

  if (d->header.pae_enabled)
    {
      guint8 raw[8];

      if (kdh_dump_file_read_physical (d, (dtb & ~G_GUINT64_CONSTANT (0x1F)) + 8 * (va >> 30),
                                       raw, 8) != 8)
        return FALSE;
      e = kdh_read_le64 (raw);
      if (!(e & KDH_PTE_PRESENT) || !read_entry (d, e, (va >> 21) & 0x1FF, &e) || !(e & KDH_PTE_PRESENT))
        return FALSE;
      if (e & KDH_PTE_LARGE)
        {
          *physical = (e & KDH_PTE_FRAME & ~G_GUINT64_CONSTANT (0x1FFFFF)) | (va & 0x1FFFFF);
          return TRUE;
        }
      if (!read_entry (d, e, (va >> 12) & 0x1FF, &e))
        return FALSE;
      return leaf (e, e & KDH_PTE_FRAME, va, physical);
    }
  if (!read_entry32 (d, dtb & ~G_GUINT64_CONSTANT (0xFFF), va >> 22, &e) || !(e & KDH_PTE_PRESENT))
    return FALSE;
  if (e & KDH_PTE_LARGE)
    {
      *physical = (e & 0xFFC00000u) | (va & 0x3FFFFF);
      return TRUE;
    }
  if (!read_entry32 (d, e & 0xFFFFF000u, (va >> 12) & 0x3FF, &e))
    return FALSE;
  return leaf (e, e & 0xFFFFF000u, va, physical);
}

gboolean
kdh_dump_file_translate (KdhDumpFile *d,
                         guint64      dtb,
                         guint64      address,
                         guint64     *physical)
{
  KdhPageWalk walk;

  if (!d->header.is_64)
    {
      /* Sign-extended as the protocol carries them, or plain. */
      if ((address >> 32) != 0 && (address >> 32) != 0xFFFFFFFFu)
        return FALSE;
      return translate32 (d, dtb, (guint32) address, physical);
    }

  switch (kdh_paging_walk_amd64 (dtb, address, read_entry_at, d, &walk))
    {
    case KDH_PAGING_MAPPED:
      *physical = walk.physical;
      return TRUE;
    case KDH_PAGING_NOT_PRESENT:
      /* A PTE may still name a page in memory (a transition PTE). */
      return walk.levels == KDH_PAGING_LEVELS
             && leaf (walk.entry[walk.levels - 1], walk.entry[walk.levels - 1] & KDH_PTE_FRAME,
                      address, physical);
    default:
      return FALSE;
    }
}

gsize
kdh_dump_file_read_virtual (KdhDumpFile *d,
                            guint64      address,
                            guint8      *buffer,
                            gsize        length)
{
  gsize done = 0;

  while (done < length)
    {
      guint64 a = address + done, pa;
      gsize n = MIN (length - done, (gsize) (KDH_DUMP_PAGE_SIZE - (a & PAGE_MASK)));
      gsize got;

      if (!kdh_dump_file_translate (d, d->header.directory_table_base, a, &pa))
        break;
      got = kdh_dump_file_read_physical (d, pa, buffer + done, n);
      done += got;
      if (got < n)
        break;
    }
  return done;
}
