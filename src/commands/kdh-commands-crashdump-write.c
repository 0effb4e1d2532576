/* kdh-commands-crashdump-write.c: the pages of a dump, read and written
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A complete dump holds every page of the physical memory runs; a kernel
 * dump (.dump /ka, a summary dump with an SDMP bitmap) the pages the
 * kernel's half of the page tables maps, and those tables, as far as they
 * are in the runs. Pages are read with ReadPhysicalMemory and written in
 * order to a temporary file beside the one asked for, renamed when done.
 */
#include "kdh-commands-crashdump.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "common/kdh-front-end-keys.h"
#include "common/kdh-le.h"
#include "common/kdh-paging.h"

#define say kdh_command_call_print

#define WRITE_CHUNK (1024 * 1024)
#define PROGRESS_US (1 * G_USEC_PER_SEC)
#define PAGE_SHIFT 12
/* The bitmap header at 0x2000 and the bitmap, before the first page. */
#define BMP_HEADER 0x38

static gboolean
write_all (gint          fd,
           const guint8 *data,
           gsize         len,
           const gchar  *path,
           GError      **error)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot write %s: %s"), path, g_strerror (saved));
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Where a dump has got to, for its progress line. */
typedef struct {
  KdhCommandCall *inv;
  guint64 done;
  guint64 total;
  gint64 started_us;
  gint64 last_us;
} Progress;

static void
progress_add (Progress *p,
              guint64   bytes)
{
  gint64 now = g_get_monotonic_time ();
  gdouble seconds, rate;
  guint64 eta;

  p->done += bytes;
  if (now - p->last_us < PROGRESS_US)
    return;
  p->last_us = now;
  seconds = (now - p->started_us) / (gdouble) G_USEC_PER_SEC;
  rate = seconds > 0 ? p->done / seconds : 0;
  eta = rate > 0 ? (guint64) ((p->total - MIN (p->done, p->total)) / rate) : 0;
  say (p->inv, _("Dumping physical memory: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                 " MiB (%u%%), %.1f MB/s, about %" G_GUINT64_FORMAT " s left\n"),
       p->done >> 20, p->total >> 20, p->total ? (guint) (MIN (p->done, p->total) * 100 / p->total) : 100,
       rate / 1e6, eta);
}

/* Reads [address, address + len) physically into @buffer; pages the target
 * cannot read are left as zeros and counted. Ctrl+C between two requests
 * cancels; @progress (may be NULL) is told of every request. */
static gboolean
read_physical (KdhSession *s,
               guint64     address,
               guint8     *buffer,
               gsize       len,
               guint64    *unreadable_pages,
               Progress   *progress,
               GError    **error)
{
  gsize done = 0;

  memset (buffer, 0, len);
  while (done < len)
    {
      guint32 chunk = (guint32) MIN (len - done, (gsize) KDH_MAX_MEMORY_TRANSFER);
      KdhManipulate request, reply;
      g_autoptr (GBytes) payload = NULL;
      gsize got, before = done;

      if (kdh_session_take_break_request (s))
        {
          /* Not G_IO_ERROR_CANCELLED: the engine leaves those unsaid, and
           * the user should see that no file was written. */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The dump was cancelled (%s); no file was written."),
                       kdh_front_end_key_name (KDH_FRONT_END_KEY_BREAK));
          return FALSE;
        }
      kdh_manipulate_init_memory (&request, KDH_API_READ_PHYSICAL_MEMORY, 0, address + done, chunk);
      if (!kdh_session_request (s, &request, NULL, 0, &reply, &payload, error))
        return FALSE;
      got = MIN (MIN ((gsize) kdh_manipulate_memory_actual (&reply), reply.data_len), chunk);
      if (got > 0)
        memcpy (buffer + done, reply.data, got);
      done += got;
      if (got < chunk)
        {
          /* Skip to the next page. */
          guint64 a = address + done;

          done = (gsize) MIN ((gsize) ((a | (KDH_DUMP_PAGE_SIZE - 1)) + 1 - address), len);
          (*unreadable_pages)++;
        }
      if (progress)
        progress_add (progress, done - before);
    }
  return TRUE;
}

/* ---- Which pages --------------------------------------------------------- */

typedef struct {
  KdhSession *s;
  const KdhDumpRun *runs;
  guint n_runs;
  guint64 n_bits;               /* pages up to the end of the last run */
  guint8 *keep;                 /* a bit per page: in the dump */
  guint8 *tables;               /* a bit per page: read as a table already */
  guint64 unreadable;           /* tables that could not be read */
} Walk;

static gboolean
in_runs (const Walk *w,
         guint64     page)
{
  for (guint i = 0; i < w->n_runs; i++)
    if (page >= w->runs[i].base_page && page - w->runs[i].base_page < w->runs[i].page_count)
      return TRUE;
  return FALSE;
}

static void
keep (Walk   *w,
      guint64 page,
      guint64 count)
{
  for (guint64 p = page; p < page + count && p < w->n_bits; p++)
    if (in_runs (w, p))
      w->keep[p / 8] |= (guint8) (1u << (p & 7));
}

static gboolean
walk (Walk    *w,
      guint64  table,
      gint     level,
      guint64  dtb,
      GError **error)
{
  guint64 page = table >> PAGE_SHIFT;
  guint8 raw[KDH_DUMP_PAGE_SIZE];
  guint64 missing = 0;

  if (page >= w->n_bits || !in_runs (w, page) || (w->tables[page / 8] & (1u << (page & 7))))
    return TRUE;
  w->tables[page / 8] |= (guint8) (1u << (page & 7));
  if (!read_physical (w->s, table, raw, sizeof raw, &missing, NULL, error))
    return FALSE;
  if (missing)
    {
      w->unreadable++;
      return TRUE;
    }
  keep (w, page, 1);
  /* The kernel's half: PML4 entries 256 to 511. */
  for (guint i = level == 3 ? 256 : 0; i < 512; i++)
    {
      guint64 e = kdh_read_le64 (raw + 8 * i), frame = e & KDH_PTE_FRAME;

      if (!(e & KDH_PTE_PRESENT))
        {
          /* A transition page is still in memory. */
          if (level == 0 && (e & KDH_PTE_TRANSITION) && !(e & KDH_PTE_PROTOTYPE))
            keep (w, frame >> PAGE_SHIFT, 1);
          continue;
        }
      /* The self-map shows the tables again: they are walked once. */
      if (level == 3 && frame == (dtb & KDH_PTE_FRAME))
        continue;
      if (level == 0)
        keep (w, frame >> PAGE_SHIFT, 1);
      else if ((level == 1 || level == 2) && (e & KDH_PTE_LARGE))
        {
          guint64 pages = G_GUINT64_CONSTANT (1) << (9 * level);

          keep (w, (frame >> PAGE_SHIFT) & ~(pages - 1), pages);
        }
      else if (!walk (w, frame, level - 1, dtb, error))
        return FALSE;
    }
  return TRUE;
}

/* The kernel dump's pages as ranges, and its bitmap header. */
static gboolean
kernel_pages (KdhCommandCall *inv,
              KdhSession     *s,
              guint64         dtb,
              const KdhDumpRun *runs,
              guint           n_runs,
              GByteArray     *prefix,
              GArray         *ranges,
              GError        **error)
{
  Walk w = { s, runs, n_runs, 0, NULL, NULL, 0 };
  guint64 present = 0, first;
  gsize bitmap_len;
  gboolean ok;

  for (guint i = 0; i < n_runs; i++)
    w.n_bits = MAX (w.n_bits, runs[i].base_page + runs[i].page_count);
  bitmap_len = (gsize) ((w.n_bits + 7) / 8);
  /* Two bitmaps of the physical address space the runs span: 32 MiB each
   * for 1 TiB of it. A target that claims more gets an error, not an
   * allocation that cannot be made. */
  w.keep = g_try_malloc0 (bitmap_len);
  w.tables = g_try_malloc0 (bitmap_len);
  if (w.keep == NULL || w.tables == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("The physical memory runs span 0x%" G_GINT64_MODIFIER "x pages; their "
                     "bitmap does not fit in memory."), w.n_bits);
      ok = FALSE;
    }
  else
    ok = walk (&w, dtb & KDH_PTE_FRAME, 3, dtb, error);
  if (ok)
    {
      guint8 sub[BMP_HEADER] = { 0 };

      for (guint64 p = 0; p < w.n_bits; p++)
        if (w.keep[p / 8] & (1u << (p & 7)))
          {
            KdhDumpRun *last = ranges->len ? &g_array_index (ranges, KdhDumpRun, ranges->len - 1) : NULL;

            if (last && last->base_page + last->page_count == p)
              last->page_count++;
            else
              {
                KdhDumpRun r = { p, 1 };

                g_array_append_val (ranges, r);
              }
            present++;
          }
      first = (KDH_DUMP_HEADER64_SIZE + BMP_HEADER + bitmap_len + KDH_DUMP_PAGE_SIZE - 1)
              & ~(guint64) (KDH_DUMP_PAGE_SIZE - 1);
      memcpy (sub, "SDMPDUMP", 8);
      kdh_write_le64 (sub + KDH_DUMP_BMP_OFF_FIRST_PAGE, first);
      kdh_write_le64 (sub + KDH_DUMP_BMP_OFF_TOTAL_PRESENT, present);
      kdh_write_le64 (sub + KDH_DUMP_BMP_OFF_PAGES, w.n_bits);
      g_byte_array_append (prefix, sub, sizeof sub);
      g_byte_array_append (prefix, w.keep, bitmap_len);
      g_byte_array_set_size (prefix, first);
      memset (prefix->data + KDH_DUMP_HEADER64_SIZE + BMP_HEADER + bitmap_len, 0,
              first - (KDH_DUMP_HEADER64_SIZE + BMP_HEADER + bitmap_len));
      /* The whole file's size, where the header says how much it needs. */
      kdh_write_le64 (prefix->data + KDH_DUMP_OFF_REQUIRED_SPACE, first + present * KDH_DUMP_PAGE_SIZE);
      if (w.unreadable)
        say (inv, _("%" G_GUINT64_FORMAT " page tables could not be read; what they map is left out.\n"),
             w.unreadable);
    }
  g_free (w.keep);
  g_free (w.tables);
  return ok;
}

/* ---- Writing ------------------------------------------------------------- */

gboolean
kdh_crashdump_write (KdhCommandCall *inv,
                     KdhSession     *s,
                     KdhTarget      *target,
                     const gchar    *path,
                     KdhDumpType     type,
                     gboolean        overwrite,
                     GError        **error)
{
  KdhDumpRun runs[KDH_DUMP_MAX_RUNS];
  guint n_runs = 0;
  guint64 n_pages = 0, unreadable = 0, total = 0, dtb = 0;
  g_autoptr (GByteArray) prefix = g_byte_array_new ();
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (KdhDumpRun));
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *base = g_path_get_basename (path);
  g_autofree gchar *tmp = g_strdup_printf ("%s/.%s.partial-XXXXXX", dir, base);
  g_autofree guint8 *buffer = NULL;
  Progress progress = { inv, 0, 0, g_get_monotonic_time (), g_get_monotonic_time () };
  gint fd;

  if (!overwrite && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("%s exists; use .dump /o to overwrite it."), path);
      return FALSE;
    }
  g_byte_array_set_size (prefix, KDH_DUMP_HEADER64_SIZE);
  if (!kdh_crashdump_build_header (inv, target, prefix->data, runs, &n_runs, &n_pages, type,
                                   &dtb, error))
    return FALSE;
  if (type == KDH_DUMP_TYPE_FULL)
    g_array_append_vals (ranges, runs, n_runs);
  else if (!kernel_pages (inv, s, dtb, runs, n_runs, prefix, ranges, error))
    return FALSE;
  for (guint i = 0; i < ranges->len; i++)
    total += g_array_index (ranges, KdhDumpRun, i).page_count * KDH_DUMP_PAGE_SIZE;
  progress.total = total;
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create a file in %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  say (inv, _("Creating %s - %s memory dump (%" G_GUINT64_FORMAT " MiB)\n"), path,
       type == KDH_DUMP_TYPE_FULL ? _("complete") : _("kernel"), total >> 20);
  if (!write_all (fd, prefix->data, prefix->len, tmp, error))
    goto fail;
  buffer = g_malloc (WRITE_CHUNK);
  for (guint i = 0; i < ranges->len; i++)
    {
      const KdhDumpRun *r = &g_array_index (ranges, KdhDumpRun, i);
      guint64 start = r->base_page * KDH_DUMP_PAGE_SIZE;
      guint64 end = start + r->page_count * KDH_DUMP_PAGE_SIZE;

      for (guint64 a = start; a < end; a += WRITE_CHUNK)
        {
          gsize len = (gsize) MIN ((guint64) WRITE_CHUNK, end - a);

          if (!read_physical (s, a, buffer, len, &unreadable, &progress, error)
              || !write_all (fd, buffer, len, tmp, error))
            goto fail;
        }
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved = errno;

      fd = -1;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot write %s: %s"), tmp, g_strerror (saved));
      goto fail;
    }
  fd = -1;
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot rename the dump to %s: %s"), path, g_strerror (saved));
      goto fail;
    }
  if (unreadable > 0)
    say (inv, _("%" G_GUINT64_FORMAT " pages could not be read and are zeros in the dump.\n"),
         unreadable);
  say (inv, _("Dump successfully written\n"));
  return TRUE;

fail:
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return FALSE;
}
