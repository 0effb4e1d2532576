/* test-dump-file.c: the crash dump reader refuses what does not hold together
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small full dump is made in memory (header by kdh_dump_header_build(),
 * checked against literal offsets of the published layout), then every
 * field the reader relies on is set out of range, the runs and the bitmap
 * are cut short or overstated: each is an error naming what is wrong,
 * never a crash or a read outside the file (the sanitizer build runs this
 * too). Reads and page-table walks stay inside what the dump holds.
 */
#include <string.h>

#include "common/kdh-le.h"
#include "dump/kdh-dump-file.h"
#include "dump/kdh-dump-write.h"

#define PAGE 0x1000
/* Physical pages 0x10..0x13 and 0x20..0x21. */
static const KdhDumpRun runs[] = { { 0x10, 4 }, { 0x20, 2 } };
#define N_PAGES 6
#define DTB (0x10 * PAGE)

/* A full dump whose page tables (PML4 at page 0x10, PDPT 0x11, PD 0x12,
 * PT 0x13) map VA 0xFFFFF80000000000 to page 0x20 and the 2 MiB page
 * after it large onto physical 0x200000 (not in the dump). */
static GByteArray *
make_dump (void)
{
  GByteArray *a = g_byte_array_sized_new (KDH_DUMP_HEADER64_SIZE + N_PAGES * PAGE);
  KdhDumpHeader h = { 0 };
  guint8 context[0x4D0] = { 0 };
  guint64 va = G_GUINT64_CONSTANT (0xFFFFF80000000000);
  guint8 *page;

  h.major_version = 0xF;
  h.minor_version = 19041;
  h.directory_table_base = DTB;
  h.machine_type = 0x8664;
  h.number_processors = 1;
  h.bugcheck_code = 0xE2;
  h.dump_type = KDH_DUMP_TYPE_FULL;
  g_byte_array_set_size (a, KDH_DUMP_HEADER64_SIZE + N_PAGES * PAGE);
  memset (a->data + KDH_DUMP_HEADER64_SIZE, 0, N_PAGES * PAGE);
  g_assert_true (kdh_dump_header_build (a->data, &h, runs, G_N_ELEMENTS (runs), context,
                                        sizeof context, NULL));
  page = a->data + KDH_DUMP_HEADER64_SIZE;
  kdh_write_le64 (page + 0 * PAGE + 8 * ((va >> 39) & 0x1FF), 0x11 * PAGE | 1);
  kdh_write_le64 (page + 1 * PAGE + 8 * ((va >> 30) & 0x1FF), 0x12 * PAGE | 1);
  kdh_write_le64 (page + 2 * PAGE + 8 * ((va >> 21) & 0x1FF), 0x13 * PAGE | 1);
  kdh_write_le64 (page + 2 * PAGE + 8 * (((va >> 21) & 0x1FF) + 1), 0x200000 | 0x81);
  kdh_write_le64 (page + 3 * PAGE, 0x20 * PAGE | 1);
  /* A transition PTE (not present, bit 11) to page 0x21. */
  kdh_write_le64 (page + 3 * PAGE + 8, 0x21 * PAGE | 0x800);
  memset (page + 4 * PAGE, 0xAB, PAGE);
  memset (page + 5 * PAGE, 0xCD, PAGE);
  return a;
}

static KdhDumpFile *
open_bytes (GByteArray *a,
            gsize       len,
            GError    **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (a->data, len);

  return kdh_dump_file_new_from_bytes (bytes, error);
}

static void
expect_error (GByteArray  *a,
              gsize        len,
              gint         code,
              const gchar *words)
{
  g_autoptr (GError) error = NULL;
  KdhDumpFile *d = open_bytes (a, len, &error);

  g_assert_null (d);
  g_assert_error (error, KDH_DUMP_ERROR, code);
  if (strstr (error->message, words) == NULL)
    g_error ("expected '%s' in '%s'", words, error->message);
}

static void
test_layout (void)
{
  g_autoptr (GByteArray) a = make_dump ();

  /* The published offsets, literally. */
  g_assert_cmpmem (a->data, 8, "PAGEDU64", 8);
  g_assert_cmphex (kdh_read_le32 (a->data + 0x0C), ==, 19041);
  g_assert_cmphex (kdh_read_le64 (a->data + 0x10), ==, DTB);
  g_assert_cmphex (kdh_read_le32 (a->data + 0x30), ==, 0x8664);
  g_assert_cmphex (kdh_read_le32 (a->data + 0x38), ==, 0xE2);
  g_assert_cmphex (kdh_read_le32 (a->data + 0x88), ==, 2);
  g_assert_cmphex (kdh_read_le64 (a->data + 0x90), ==, N_PAGES);
  g_assert_cmphex (kdh_read_le64 (a->data + 0xA8), ==, 0x20);
  g_assert_cmphex (kdh_read_le32 (a->data + 0xF98), ==, 1);
  g_assert_cmphex (kdh_read_le64 (a->data + 0xFA0), ==, a->len);
  g_assert_cmpmem (a->data + 0x1FFC, 4, "PAGE", 4);
}

static void
test_reads (void)
{
  g_autoptr (GByteArray) a = make_dump ();
  g_autoptr (GError) error = NULL;
  KdhDumpFile *d = open_bytes (a, a->len, &error);
  guint64 va = G_GUINT64_CONSTANT (0xFFFFF80000000000), pa = 0;
  guint8 buf[2 * PAGE];

  g_assert_no_error (error);
  g_assert_cmpuint (kdh_dump_file_get_header (d)->n_pages, ==, N_PAGES);
  g_assert_cmpuint (kdh_dump_file_get_header (d)->bugcheck_code, ==, 0xE2);
  /* Physical: a run, across a run's end (stops), and a hole. */
  g_assert_cmpuint (kdh_dump_file_read_physical (d, 0x20 * PAGE + 0x10, buf, 16), ==, 16);
  g_assert_cmphex (buf[0], ==, 0xAB);
  g_assert_cmpuint (kdh_dump_file_read_physical (d, 0x21 * PAGE + 0xFF0, buf, 32), ==, 16);
  g_assert_cmpuint (kdh_dump_file_read_physical (d, 0x0, buf, 8), ==, 0);
  g_assert_cmpuint (kdh_dump_file_read_physical (d, G_MAXUINT64 - 3, buf, 8), ==, 0);
  /* Virtual: a 4 KiB page, a transition page, a large page not in the
   * dump, an unmapped address. */
  g_assert_true (kdh_dump_file_translate (d, DTB, va + 5, &pa));
  g_assert_cmphex (pa, ==, 0x20 * PAGE + 5);
  g_assert_cmpuint (kdh_dump_file_read_virtual (d, va, buf, 2 * PAGE), ==, 2 * PAGE);
  g_assert_cmphex (buf[PAGE], ==, 0xCD);
  g_assert_true (kdh_dump_file_translate (d, DTB, va + 0x200000 + 0x1234, &pa));
  g_assert_cmphex (pa, ==, 0x201234);
  g_assert_cmpuint (kdh_dump_file_read_virtual (d, va + 0x200000, buf, 8), ==, 0);
  g_assert_false (kdh_dump_file_translate (d, DTB, 0x1000, &pa));
  /* Tables outside the dump. */
  g_assert_false (kdh_dump_file_translate (d, 0x7000000, va, &pa));
  kdh_dump_file_free (d);
}

static void
set32 (GByteArray *a, gsize off, guint32 v)
{
  kdh_write_le32 (a->data + off, v);
}

static void
set64 (GByteArray *a, gsize off, guint64 v)
{
  kdh_write_le64 (a->data + off, v);
}

static void
test_malformed_header (void)
{
  struct {
    gsize offset;
    guint width;
    guint64 value;
    gint code;
    const gchar *words;
  } cases[] = {
    { 0x000, 4, 0x12345678, KDH_DUMP_ERROR_NOT_A_DUMP, "signature" },
    { 0x004, 4, 0x504D5544, KDH_DUMP_ERROR_UNSUPPORTED, "MachineImageType" },
    { 0x030, 4, 0x014C, KDH_DUMP_ERROR_UNSUPPORTED, "MachineImageType" },
    { 0x034, 4, 0, KDH_DUMP_ERROR_CORRUPT, "NumberProcessors" },
    { 0x034, 4, 100000, KDH_DUMP_ERROR_CORRUPT, "NumberProcessors" },
    { 0xF98, 4, 0, KDH_DUMP_ERROR_CORRUPT, "DumpType" },
    { 0xF98, 4, 3, KDH_DUMP_ERROR_CORRUPT, "DumpType" },
    { 0xF98, 4, 4, KDH_DUMP_ERROR_UNSUPPORTED, "triage" },
    { 0xF98, 4, 0x45474150, KDH_DUMP_ERROR_CORRUPT, "DumpType" },
    { 0x088, 4, 0, KDH_DUMP_ERROR_CORRUPT, "NumberOfRuns" },
    { 0x088, 4, 44, KDH_DUMP_ERROR_CORRUPT, "NumberOfRuns" },
    { 0x088, 4, 0xFFFFFFFF, KDH_DUMP_ERROR_CORRUPT, "NumberOfRuns" },
    { 0x090, 8, 7, KDH_DUMP_ERROR_CORRUPT, "NumberOfPages" },
    { 0x090, 8, G_MAXUINT64, KDH_DUMP_ERROR_CORRUPT, "NumberOfPages" },
    { 0x0A0, 8, 0, KDH_DUMP_ERROR_CORRUPT, "run 0" },                     /* PageCount 0 */
    { 0x0A0, 8, G_MAXUINT64, KDH_DUMP_ERROR_CORRUPT, "run 0" },
    { 0x098, 8, G_GUINT64_CONSTANT (1) << 50, KDH_DUMP_ERROR_CORRUPT, "run 0" },
    { 0x0A8, 8, 0x11, KDH_DUMP_ERROR_CORRUPT, "overlaps" },               /* run 1 inside run 0 */
    { 0x0A8, 8, 0x1, KDH_DUMP_ERROR_CORRUPT, "overlaps" },
    { 0x0B0, 8, 0x1000, KDH_DUMP_ERROR_CORRUPT, "NumberOfPages" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GByteArray) a = make_dump ();

      if (cases[i].width == 4)
        set32 (a, cases[i].offset, (guint32) cases[i].value);
      else
        set64 (a, cases[i].offset, cases[i].value);
      expect_error (a, a->len, cases[i].code, cases[i].words);
    }
}

static void
test_truncated (void)
{
  g_autoptr (GByteArray) a = make_dump ();
  gsize sizes[] = { 0, 4, 7, 8, 0x100, 0x1FFF, 0x2000, 0x2000 + PAGE, a->len - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    expect_error (a, sizes[i], sizes[i] < 8 ? KDH_DUMP_ERROR_NOT_A_DUMP : KDH_DUMP_ERROR_CORRUPT,
                  sizes[i] < 8 ? "too short" : sizes[i] < 0x2000 ? "header" : "truncated");
  /* Runs that hold more pages than the file, with a matching count. */
  set64 (a, 0x0B0, 0x100);
  set64 (a, 0x090, 0x104);
  expect_error (a, a->len, KDH_DUMP_ERROR_CORRUPT, "truncated");
}

/* A bitmap dump of the same pages, as the Python converter would make it. */
static GByteArray *
make_bitmap (guint64 bits)
{
  g_autoptr (GByteArray) full = make_dump ();
  GByteArray *a = g_byte_array_new ();
  guint64 first = 2 * PAGE + ((0x38 + (bits + 7) / 8 + PAGE - 1) / PAGE) * PAGE;
  guint8 sub[0x38];
  gsize bitmap_len = (bits + 7) / 8;

  g_byte_array_append (a, full->data, KDH_DUMP_HEADER64_SIZE);
  set32 (a, 0xF98, KDH_DUMP_TYPE_BITMAP_FULL);
  memset (sub, 0, sizeof sub);
  memcpy (sub, "FDMPDUMP", 8);
  kdh_write_le64 (sub + 0x20, first);
  kdh_write_le64 (sub + 0x28, N_PAGES);
  kdh_write_le64 (sub + 0x30, bits);
  g_byte_array_append (a, sub, sizeof sub);
  g_byte_array_set_size (a, first);
  memset (a->data + 0x2038, 0, first - 0x2038);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    for (guint64 p = runs[i].base_page; p < runs[i].base_page + runs[i].page_count; p++)
      a->data[0x2038 + p / 8] |= 1 << (p % 8);
  g_assert_cmpuint (bitmap_len, <=, first - 0x2038);
  g_byte_array_append (a, full->data + KDH_DUMP_HEADER64_SIZE, N_PAGES * PAGE);
  return a;
}

static void
test_bitmap (void)
{
  g_autoptr (GByteArray) a = make_bitmap (0x40);
  g_autoptr (GError) error = NULL;
  KdhDumpFile *d = open_bytes (a, a->len, &error);
  guint8 buf[16];

  g_assert_no_error (error);
  g_assert_cmpuint (kdh_dump_file_read_physical (d, 0x20 * PAGE, buf, 16), ==, 16);
  g_assert_cmphex (buf[0], ==, 0xAB);
  g_assert_cmpuint (kdh_dump_file_read_physical (d, 0x21 * PAGE, buf, 16), ==, 16);
  g_assert_cmphex (buf[0], ==, 0xCD);
  g_assert_cmpuint (kdh_dump_file_read_physical (d, 0x14 * PAGE, buf, 16), ==, 0);
  g_assert_cmpuint (kdh_dump_file_read_physical (d, 0x40 * PAGE, buf, 16), ==, 0);
  g_assert_cmpuint (kdh_dump_file_read_virtual (d, G_GUINT64_CONSTANT (0xFFFFF80000001000), buf, 16),
                    ==, 16);
  g_assert_cmphex (buf[0], ==, 0xCD);
  kdh_dump_file_free (d);

  {
    g_autoptr (GByteArray) b = make_bitmap (0x40);

    memcpy (b->data + 0x2000, "XDMP", 4);
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "SDMP or FDMP");
  }
  {
    g_autoptr (GByteArray) b = make_bitmap (0x40);

    set64 (b, 0x2030, G_GUINT64_CONSTANT (1) << 36);   /* bitmap larger than the file */
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "larger than the file");
    set64 (b, 0x2030, 0);
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "page count");
  }
  {
    g_autoptr (GByteArray) b = make_bitmap (0x40);

    set64 (b, 0x2028, 5);
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "present");
    set64 (b, 0x2028, N_PAGES);
    set64 (b, 0x2020, 0x10);
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "first page");
    set64 (b, 0x2020, G_MAXUINT64 & ~G_GUINT64_CONSTANT (0xFFF));
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "first page");
    set64 (b, 0x2020, 0x3000);
    expect_error (b, b->len - 1, KDH_DUMP_ERROR_CORRUPT, "truncated");
    expect_error (b, 0x2010, KDH_DUMP_ERROR_CORRUPT, "bitmap header");
  }
}

static GByteArray *make_dump32 (void);

/* Random damage to the header and the bitmap header: an error or a dump
 * whose reads stay inside the file. */
static void
test_random_damage (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (14);

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr (GByteArray) a = i % 3 == 0 ? make_dump () : i % 3 == 1 ? make_bitmap (0x40 + i % 300)
                                                                    : make_dump32 ();
      g_autoptr (GError) error = NULL;
      KdhDumpFile *d;
      guint8 buf[64];

      for (guint j = 0; j < 1 + i % 4; j++)
        a->data[g_rand_int_range (rand, 0, 0x2040)] = (guint8) g_rand_int (rand);
      d = open_bytes (a, g_rand_int_range (rand, a->len / 2, a->len + 1), &error);
      if (d == NULL)
        {
          g_assert_nonnull (error);
          continue;
        }
      for (guint j = 0; j < 16; j++)
        {
          kdh_dump_file_read_physical (d, g_rand_int_range (rand, 0, 0x40) * PAGE, buf, sizeof buf);
          kdh_dump_file_read_virtual (d, G_GUINT64_CONSTANT (0xFFFFF80000000000)
                                         + g_rand_int_range (rand, 0, 0x400000), buf, sizeof buf);
        }
      kdh_dump_file_free (d);
    }
}

/* A 32-bit PAGEDUMP header (x86, not PAE): one run of 4 pages, a page
 * directory at page 0 whose entry for 0x80000000 is a 4 MiB page and
 * whose entry for 0x80400000 leads to a page table at page 1. */
static GByteArray *
make_dump32 (void)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_set_size (a, 0x1000 + 4 * PAGE);
  for (gsize i = 0; i < 0x1000; i += 4)
    memcpy (a->data + i, "PAGE", 4);
  memset (a->data + 0x1000, 0, 4 * PAGE);
  memcpy (a->data + 4, "DUMP", 4);
  set32 (a, 0x10, 0);                          /* DirectoryTableBase */
  set32 (a, 0x20, 0x14C);
  set32 (a, 0x24, 1);
  a->data[0x5C] = 0;                           /* PaeEnabled */
  set32 (a, 0x64, 1);                          /* NumberOfRuns */
  set32 (a, 0x68, 4);                          /* NumberOfPages */
  set32 (a, 0x6C, 0);                          /* BasePage */
  set32 (a, 0x70, 4);                          /* PageCount */
  set32 (a, 0xF88, 1);                         /* DumpType */
  set32 (a, 0x1000 + 4 * (0x80000000u >> 22), 0x00000083);   /* 4 MiB page at 0 */
  set32 (a, 0x1000 + 4 * (0x80400000u >> 22), 0x1000 | 1);
  set32 (a, 0x2000 + 4 * 3, 0x3000 | 1);      /* 0x80403000 -> page 3 */
  memset (a->data + 0x1000 + 3 * PAGE, 0x5A, PAGE);
  return a;
}

static void
test_x86 (void)
{
  g_autoptr (GByteArray) a = make_dump32 ();
  g_autoptr (GError) error = NULL;
  KdhDumpFile *d = open_bytes (a, a->len, &error);
  guint64 pa = 0;
  guint8 buf[8];

  g_assert_no_error (error);
  g_assert_false (kdh_dump_file_get_header (d)->is_64);
  g_assert_true (kdh_dump_file_translate (d, 0, G_GUINT64_CONSTANT (0xFFFFFFFF80000123), &pa));
  g_assert_cmphex (pa, ==, 0x123);
  g_assert_true (kdh_dump_file_translate (d, 0, 0x80403010, &pa));
  g_assert_cmphex (pa, ==, 0x3010);
  g_assert_cmpuint (kdh_dump_file_read_virtual (d, 0x80403000, buf, 8), ==, 8);
  g_assert_cmphex (buf[0], ==, 0x5A);
  g_assert_false (kdh_dump_file_translate (d, 0, 0x80404000, &pa));
  g_assert_false (kdh_dump_file_translate (d, 0, G_GUINT64_CONSTANT (0x180000000), &pa));
  kdh_dump_file_free (d);

  {
    g_autoptr (GByteArray) b = make_dump32 ();

    set32 (b, 0xF88, 2);
    expect_error (b, b->len, KDH_DUMP_ERROR_UNSUPPORTED, "32-bit kernel");
    set32 (b, 0xF88, 9);
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "DumpType");
    set32 (b, 0xF88, 1);
    set32 (b, 0x20, 0x8664);
    expect_error (b, b->len, KDH_DUMP_ERROR_UNSUPPORTED, "MachineImageType");
    set32 (b, 0x20, 0x14C);
    set32 (b, 0x64, 87);
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "NumberOfRuns");
    set32 (b, 0x64, 1);
    set32 (b, 0x70, 5);
    set32 (b, 0x68, 5);
    expect_error (b, b->len, KDH_DUMP_ERROR_CORRUPT, "truncated");
    expect_error (b, 0xFFF, KDH_DUMP_ERROR_CORRUPT, "header");
  }
}

static void
test_open_errors (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (kdh_dump_file_open ("/nonexistent/kdhost.dmp", &error));
  g_assert_nonnull (strstr (error->message, "Cannot open the dump file"));
}

/* KDH_DUMP_CORPUS=DIR: writes the dumps made here as fuzz seeds
 * (fuzz/corpus/dump-file/ holds them). */
static void
write_corpus (const gchar *dir)
{
  g_autoptr (GByteArray) full = make_dump ();
  g_autoptr (GByteArray) bitmap = make_bitmap (0x40);
  g_autofree gchar *a = g_build_filename (dir, "full", NULL);
  g_autofree gchar *b = g_build_filename (dir, "kernel-sdmp", NULL);

  g_assert_true (g_file_set_contents (a, (const gchar *) full->data, full->len, NULL));
  set32 (bitmap, 0xF98, KDH_DUMP_TYPE_KERNEL);
  memcpy (bitmap->data + 0x2000, "SDMP", 4);
  g_assert_true (g_file_set_contents (b, (const gchar *) bitmap->data, bitmap->len, NULL));
  {
    g_autoptr (GByteArray) x86 = make_dump32 ();
    g_autofree gchar *c = g_build_filename (dir, "x86-full", NULL);

    g_assert_true (g_file_set_contents (c, (const gchar *) x86->data, x86->len, NULL));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("KDH_DUMP_CORPUS"))
    write_corpus (g_getenv ("KDH_DUMP_CORPUS"));
  g_test_add_func ("/dump-file/layout", test_layout);
  g_test_add_func ("/dump-file/reads", test_reads);
  g_test_add_func ("/dump-file/malformed-header", test_malformed_header);
  g_test_add_func ("/dump-file/truncated", test_truncated);
  g_test_add_func ("/dump-file/bitmap", test_bitmap);
  g_test_add_func ("/dump-file/random-damage", test_random_damage);
  g_test_add_func ("/dump-file/x86", test_x86);
  g_test_add_func ("/dump-file/open-errors", test_open_errors);
  return g_test_run ();
}
