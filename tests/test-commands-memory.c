/* test-commands-memory.c: editing, searching and copying memory
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the in-process simulated target. Its pattern region is known
 * without asking it (the aligned qword at A holds A ^ 0xA5A5...) and is
 * mapped 1:1 to physical memory from 0x400000, so what the e* commands
 * write through virtual addresses is read back through the physical ones
 * (!db), and files are checked against the formula, not against our own
 * reads.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "kdh-test-engine.h"

#define PATTERN G_GUINT64_CONSTANT (0xFFFFF80000400000)
#define PATTERN_PHYS 0x400000
#define XOR G_GUINT64_CONSTANT (0xA5A5A5A5A5A5A5A5)

static guint8
pattern_byte (guint64 address)
{
  guint64 q = (address & ~G_GUINT64_CONSTANT (7)) ^ XOR;

  return (guint8) (q >> (8 * (address & 7)));
}

static gchar *
run (KdhTestEngine *t,
     gboolean       may_fail,
     const gchar   *format,
     ...) G_GNUC_PRINTF (3, 4);

static gchar *
run (KdhTestEngine *t,
     gboolean       may_fail,
     const gchar   *format,
     ...)
{
  g_autofree gchar *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  return kdh_test_engine_run (t, line, may_fail);
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* eb, ew, ed, eq through virtual addresses; read back physically. */
static void
test_enter (void)
{
  KdhTestEngine t;
  g_autofree gchar *eb = NULL, *ew = NULL, *ed = NULL, *eq = NULL, *phys = NULL, *dd = NULL;
  g_autofree gchar *ea = NULL, *da = NULL, *eu = NULL, *du = NULL, *db = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  eb = run (&t, FALSE, "eb %" G_GINT64_MODIFIER "x+0x1001 90 'A' 0n255", PATTERN);
  ew = run (&t, FALSE, "ew %" G_GINT64_MODIFIER "x+0x1004 1234", PATTERN);
  ed = run (&t, FALSE, "ed %" G_GINT64_MODIFIER "x+0x1008 deadbeef -1", PATTERN);
  eq = run (&t, FALSE, "eq %" G_GINT64_MODIFIER "x+0x1010 01234567`89abcdef", PATTERN);
  g_assert_cmpstr (eb, ==, "");
  phys = run (&t, FALSE, "!db %x L20", PATTERN_PHYS + 0x1000);
  g_assert_cmpstr (phys, ==,
                   "#  401000 a5 90 41 ff 34 12 5a 5a-ef be ad de ff ff ff ff  ..A.4.ZZ........\n"
                   "#  401010 ef cd ab 89 67 45 23 01-bd b5 e5 a5 a5 5d 5a 5a  ....gE#......]ZZ\n");
  dd = run (&t, FALSE, "dd %" G_GINT64_MODIFIER "x+0x1008 L2", PATTERN);
  g_assert_cmpstr (dd, ==, "fffff800`00401008  deadbeef ffffffff\n");
  /* The byte before and after what eb wrote is the pattern's. */
  g_assert_cmpuint (pattern_byte (PATTERN + 0x1000), ==, 0xa5);

  ea = run (&t, FALSE, "ea %" G_GINT64_MODIFIER "x+0x2000 \"Hello; world\"", PATTERN);
  eb = (g_free (eb), run (&t, FALSE, "eb %" G_GINT64_MODIFIER "x+0x200c 0", PATTERN));
  da = run (&t, FALSE, "da %" G_GINT64_MODIFIER "x+0x2000", PATTERN);
  g_assert_cmpstr (da, ==, "fffff800`00402000  \"Hello; world\"\n");
  eu = run (&t, FALSE, "eu %" G_GINT64_MODIFIER "x+0x3000 \"Wide\"", PATTERN);
  db = run (&t, FALSE, "!db %x L8", PATTERN_PHYS + 0x3000);
  g_assert_true (g_str_has_prefix (db, "#  403000 57 00 69 00 64 00 65 00"));
  eb = (g_free (eb), run (&t, FALSE, "ew %" G_GINT64_MODIFIER "x+0x3008 0", PATTERN));
  du = run (&t, FALSE, "du %" G_GINT64_MODIFIER "x+0x3000", PATTERN);
  g_assert_cmpstr (du, ==, "fffff800`00403000  \"Wide\"\n");
  kdh_test_engine_clear (&t);
}

/* f fills a range with a repeating pattern, nothing outside it. */
static void
test_fill (void)
{
  KdhTestEngine t;
  g_autofree gchar *f = NULL, *phys = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  f = run (&t, FALSE, "f %" G_GINT64_MODIFIER "x+0x5001 L0e 1 2 3", PATTERN);
  phys = run (&t, FALSE, "!db %x L10", PATTERN_PHYS + 0x5000);
  g_assert_cmpstr (phys, ==,
                   "#  405000 a5 01 02 03 01 02 03 01-02 03 01 02 03 01 02 5a  ...............Z\n");
  kdh_test_engine_clear (&t);
}

/* s finds a planted pattern, and nothing outside its range. */
static void
test_search (void)
{
  KdhTestEngine t;
  g_autofree gchar *hit = NULL, *outside = NULL, *q = NULL, *unaligned = NULL, *a = NULL;
  g_autofree gchar *plant = NULL, *plant2 = NULL, *w = NULL, *ea = NULL;
  guint64 at = PATTERN + 0x7123, at2 = PATTERN + 0x9000;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  plant = run (&t, FALSE, "eb %" G_GINT64_MODIFIER "x c0 ff ee 11", at);
  plant2 = run (&t, FALSE, "eb %" G_GINT64_MODIFIER "x c0 ff ee 11", at2);
  hit = run (&t, FALSE, "s -b %" G_GINT64_MODIFIER "x L2000 c0 ff ee 11", PATTERN + 0x7000);
  g_assert_cmpuint (count_lines (hit), ==, 1);
  g_assert_true (g_str_has_prefix (hit, "fffff800`00407123  c0 ff ee 11 "));
  /* The same pattern just past the range's end, and a range that ends
   * one byte short of a whole hit. */
  outside = run (&t, FALSE, "s -b %" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x c0 ff ee 11",
                 at + 1, at2 + 2);
  g_assert_cmpstr (outside, ==, "");
  /* A hit across the 64 KiB pieces the search reads. */
  w = run (&t, FALSE, "eb %" G_GINT64_MODIFIER "x+0x1fffe 77 88 99", PATTERN);
  g_free (hit);
  hit = run (&t, FALSE, "s -b %" G_GINT64_MODIFIER "x+0x10000 L20000 77 88 99", PATTERN);
  g_assert_cmpstr (hit, ==, "fffff800`0041fffe  77 88 99 a5 e7 a5 a5 5d-5a 5a ad a5 e7 a5 a5 5d  "
                            "w......]ZZ.....]\n");
  /* -q at qword alignment: the pattern's own value at one address. */
  q = run (&t, FALSE, "s -q %" G_GINT64_MODIFIER "x L10000 %" G_GINT64_MODIFIER "x",
           PATTERN + 0x20000, (PATTERN + 0x28000) ^ XOR);
  {
    guint64 v0 = (PATTERN + 0x28000) ^ XOR, v1 = (PATTERN + 0x28008) ^ XOR;
    g_autofree gchar *expect = g_strdup_printf ("fffff800`00428000  %08x`%08x %08x`%08x\n",
                                                (guint32) (v0 >> 32), (guint32) v0,
                                                (guint32) (v1 >> 32), (guint32) v1);

    g_assert_cmpstr (q, ==, expect);
  }
  /* ... and only there: from an odd start the qwords are not aligned. */
  unaligned = run (&t, FALSE, "s -q %" G_GINT64_MODIFIER "x L10000 %" G_GINT64_MODIFIER "x",
                   PATTERN + 0x20001, (PATTERN + 0x28000) ^ XOR);
  g_assert_cmpstr (unaligned, ==, "");
  ea = run (&t, FALSE, "ea %" G_GINT64_MODIFIER "x \"needle\"", PATTERN + 0x30005);
  a = run (&t, FALSE, "s -a %" G_GINT64_MODIFIER "x L1000 \"needle\"", PATTERN + 0x30000);
  g_assert_true (g_str_has_prefix (a, "fffff800`00430005  6e 65 65 64 6c 65 "));
  kdh_test_engine_clear (&t);
}

/* .writemem is byte-exact; .readmem writes a file back. */
static void
test_files (void)
{
  KdhTestEngine t;
  g_autofree gchar *dir = g_dir_make_tmp ("kdh-memory-XXXXXX", NULL);
  g_autofree gchar *out_path = g_build_filename (dir, "pattern.bin", NULL);
  g_autofree gchar *in_path = g_build_filename (dir, "in.bin", NULL);
  g_autofree gchar *back_path = g_build_filename (dir, "back.bin", NULL);
  g_autofree gchar *w = NULL, *r = NULL, *w2 = NULL, *contents = NULL, *back = NULL;
  g_autofree gchar *phys = NULL;
  guint8 in[0x3000];
  gsize len = 0;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  w = run (&t, FALSE, ".writemem %s %" G_GINT64_MODIFIER "x L20003", out_path, PATTERN + 0x101);
  /* A progress line: a dot per 64 KiB piece (three), one at the end. */
  g_assert_cmpstr (w, ==, "Writing 20003 bytes....\n");
  g_assert_true (g_file_get_contents (out_path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, 0x20003);
  for (gsize i = 0; i < len; i++)
    if ((guint8) contents[i] != pattern_byte (PATTERN + 0x101 + i))
      g_error ("byte %zx of the file is %02x, the target has %02x", i, (guint8) contents[i],
               pattern_byte (PATTERN + 0x101 + i));

  for (gsize i = 0; i < sizeof in; i++)
    in[i] = (guint8) g_test_rand_int ();
  g_assert_true (g_file_set_contents (in_path, (const gchar *) in, sizeof in, NULL));
  r = run (&t, FALSE, ".readmem %s %" G_GINT64_MODIFIER "x L3000", in_path, PATTERN + 0x100000);
  g_assert_cmpstr (r, ==, "Reading 3000 bytes.\n");
  w2 = run (&t, FALSE, ".writemem \"%s\" %" G_GINT64_MODIFIER "x L3000", back_path,
            PATTERN + 0x100000);
  g_assert_true (g_file_get_contents (back_path, &back, &len, NULL));
  g_assert_cmpmem (back, len, in, sizeof in);
  phys = run (&t, FALSE, "!db %x L1", PATTERN_PHYS + 0x100000 + 0x2fff);
  {
    g_autofree gchar *expect = g_strdup_printf ("#  502fff %02x", in[0x2fff]);

    g_assert_true (g_str_has_prefix (phys, expect));
  }
  g_remove (out_path);
  g_remove (in_path);
  g_remove (back_path);
  g_rmdir (dir);
  kdh_test_engine_clear (&t);
}

/* dps: pointers with the symbols they point at. */
static void
test_dps (void)
{
  KdhTestEngine t;
  g_autofree gchar *eq = NULL, *dps = NULL, *dqs = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  eq = run (&t, FALSE, "eq %" G_GINT64_MODIFIER "x kdhtest!KdhTestTick+0x14 0", PATTERN + 0x40);
  dps = run (&t, FALSE, "dps %" G_GINT64_MODIFIER "x L3", PATTERN + 0x40);
  g_assert_cmpstr (dps, ==,
                   "fffff800`00400040  fffff800`03001014 kdhtest!KdhTestTick+0x14\n"
                   "fffff800`00400048  00000000`00000000\n"
                   "fffff800`00400050  5a5a5da5`a5e5a5f5\n");
  g_assert_cmphex ((PATTERN + 0x50) ^ XOR, ==, G_GUINT64_CONSTANT (0x5a5a5da5a5e5a5f5));
  dqs = run (&t, FALSE, "dqs fffff800`03005ff8 L2");
  g_assert_cmpstr (dqs, ==, "fffff800`03005ff8  00000000`00000000\n"
                            "fffff800`03006000  ????????`????????\n");
  kdh_test_engine_clear (&t);
}

/* Bad input changes nothing and says what is wrong. */
static void
test_errors (void)
{
  KdhTestEngine t;
  g_autofree gchar *before = NULL, *after = NULL;
  const gchar *bad[][2] = {
    { "eb 1000 90", "Memory access error at 00000000`00001000" },
    { "eb fffff800`00400000 100", "The value '100' does not fit in 1 byte" },
    { "eb fffff800`00400000 1 zz!zz", "unknown symbol 'zz!zz'" },
    { "ed fffff800`00400000 1 100000000", "does not fit in 4 bytes" },
    { "eb fffff800`00400000", "No values given" },
    { "eb", "eb needs an address" },
    { "ea fffff800`00400000 nope", "Expected a string in double quotes" },
    { "f fffff800`00400000 L10", "No values given" },
    { "f 1000 L10 1", "Memory access error at 00000000`00001000" },
    { "s -x fffff800`00400000 L10 1", "s takes -b, -w, -d, -q, -a or -u, not '-x'" },
    { "s -b fffff800`00400000 L20000000 1", "larger than the limit" },
    { "s -a fffff800`00400000 L10 x", "s -a needs a string in double quotes" },
    { "!db [c] 1000", "caching flags" },
    { ".writemem", ".writemem needs a file and a range" },
    { ".readmem /nonexistent/kdh fffff800`00400000 L10", "nonexistent" },
  };

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  before = run (&t, FALSE, "!dq %x L2", PATTERN_PHYS);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *out = kdh_test_engine_run (&t, bad[i][0], TRUE);

      g_test_message ("%s: %s", bad[i][0], out);
      g_assert_nonnull (strstr (out, bad[i][1]));
    }
  /* A write that runs off the end of an image writes nothing at all. */
  {
    g_autofree gchar *tail = run (&t, FALSE, "db kdhtest+0x5ffe L2");
    g_autofree gchar *err = run (&t, TRUE, "eb kdhtest+0x5ffe 11 22 33");
    g_autofree gchar *tail2 = run (&t, FALSE, "db kdhtest+0x5ffe L2");

    g_assert_nonnull (strstr (err, "Memory access error at fffff800`03006000; nothing was "
                                   "written"));
    g_assert_cmpstr (tail, ==, tail2);
  }
  after = run (&t, FALSE, "!dq %x L2", PATTERN_PHYS);
  g_assert_cmpstr (before, ==, after);
  kdh_test_engine_clear (&t);
}

/* The values after each @label in @text ("contains ", "PML4E "), hex. */
static GArray *
hex_after (const gchar *text,
           const gchar *label)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (const gchar *at = strstr (text, label); at != NULL; at = strstr (at + 1, label))
    {
      guint64 v = g_ascii_strtoull (at + strlen (label), NULL, 16);

      g_array_append_val (values, v);
    }
  return values;
}

/* !pte: each entry where the self-map shows it (the simulator's PteBase,
 * 0xFFFFB30000000000, kdh-sim-kernel.h's map, with the self-map's
 * arithmetic worked out here), holding what !vtop's physical walk finds at
 * the entry's physical address. */
static void
test_pte (void)
{
  static const guint64 addresses[] = { G_GUINT64_CONSTANT (0xfffff80002000000),
                                       PATTERN + 0x123 };
  const guint64 pte_base = G_GUINT64_CONSTANT (0xFFFFB30000000000);
  KdhTestEngine t;
  g_autofree gchar *none = NULL, *bad = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autofree gchar *pte = run (&t, FALSE, "!pte %" G_GINT64_MODIFIER "x", addresses[i]);
      g_autofree gchar *vtop = run (&t, FALSE, "!vtop 0 %" G_GINT64_MODIFIER "x", addresses[i]);
      g_autoptr (GArray) contains = hex_after (pte, "contains ");
      const gchar *names[] = { "PXE at ", "PPE at ", "PDE at ", "PTE at " };
      const gchar *physical[] = { "PML4E ", "PDPE ", "PDE ", "PTE " };
      guint64 where = addresses[i];

      /* The PTE's self-map address, then the entry mapping each. */
      for (gint level = 3; level >= 0; level--)
        {
          g_autoptr (GArray) at = hex_after (pte, names[level]);

          where = pte_base + ((where >> 9) & G_GUINT64_CONSTANT (0x7FFFFFFFF8));
          g_assert_cmpuint (at->len, ==, 1);
          g_assert_cmphex (g_array_index (at, guint64, 0), ==, where);
        }
      /* 4 KiB: all four entries; the pattern's 2 MiB page: three. */
      g_assert_cmpuint (contains->len, ==, i == 0 ? 4 : 3);
      g_assert_true ((strstr (pte, "LARGE PAGE pfn ") != NULL) == (i == 1));
      for (guint level = 0; level < contains->len; level++)
        {
          g_autoptr (GArray) entry_at = hex_after (strstr (vtop, "Amd64VtoP: PML4E"),
                                                   physical[level]);
          g_autofree gchar *dq = run (&t, FALSE, "!dq %" G_GINT64_MODIFIER "x L1",
                                      g_array_index (entry_at, guint64, 0));

          g_strstrip (dq);
          {
            g_autofree gchar *value = g_strdup (strrchr (dq, ' ') + 1);
            gchar *tick = strchr (value, '`');

            memmove (tick, tick + 1, strlen (tick));
            g_assert_cmphex (g_ascii_strtoull (value, NULL, 16), ==,
                             g_array_index (contains, guint64, level));
          }
        }
    }
  none = run (&t, FALSE, "!pte 0");
  g_assert_nonnull (strstr (none, "contains 0000000000000000\nnot valid\n"));
  bad = run (&t, TRUE, "!pte");
  g_assert_nonnull (strstr (bad, "!pte needs an address"));
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/commands/memory/enter", test_enter);
  g_test_add_func ("/commands/memory/fill", test_fill);
  g_test_add_func ("/commands/memory/search", test_search);
  g_test_add_func ("/commands/memory/files", test_files);
  g_test_add_func ("/commands/memory/dps", test_dps);
  g_test_add_func ("/commands/memory/pte", test_pte);
  g_test_add_func ("/commands/memory/errors", test_errors);
  return g_test_run ();
}
