/* test-symbols.c: PDB symbols for the executing simulated target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine on `sim:` with the guest images' PDBs in symbol stores and
 * plain directories the test lays out. Addresses are checked against
 * llvm-pdbutil (section:offset and section headers) plus the module base
 * the target's PsLoadedModuleList gives; routines that are not exported
 * (nt!KiIdleLoop) must resolve. PDBs with a wrong GUID or age and damaged
 * ones are refused with the reason, and the module keeps its exports.
 */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "kdh-test-engine.h"

#define NT_BASE G_GUINT64_CONSTANT (0xfffff80002000000)

static gchar *
pdbutil (const gchar *option,
         const gchar *pdb)
{
  g_autofree gchar *program = g_find_program_in_path ("llvm-pdbutil");
  g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, pdb, NULL);
  const gchar *argv[] = { NULL, "dump", option, path, NULL };
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint status = 0;

  if (program == NULL)
    program = g_find_program_in_path ("llvm-pdbutil-14");
  g_assert_nonnull (program);
  argv[0] = program;
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* symsrv's directory name for @pdb: GUID digits and age, from llvm-pdbutil. */
static gchar *
store_key (const gchar *pdb)
{
  g_autofree gchar *summary = pdbutil ("-summary", pdb);
  gchar g[5][13];
  guint age;

  g_assert_cmpint (sscanf (strstr (summary, "Age:"), "Age: %u", &age), ==, 1);
  g_assert_cmpint (sscanf (strstr (summary, "GUID:"), "GUID: {%8[0-9A-F]-%4[0-9A-F]-%4[0-9A-F]-"
                           "%4[0-9A-F]-%12[0-9A-F]}", g[0], g[1], g[2], g[3], g[4]), ==, 5);
  return g_strdup_printf ("%s%s%s%s%s%X", g[0], g[1], g[2], g[3], g[4], age);
}

/* Procedures of @pdb whose names start with @prefix, as "name" -> RVA,
 * from llvm-pdbutil's -symbols and -section-headers. */
static GHashTable *
procedures (const gchar *pdb,
            const gchar *prefix)
{
  g_autofree gchar *symbols = pdbutil ("-symbols", pdb);
  g_autofree gchar *headers = pdbutil ("-section-headers", pdb);
  g_auto (GStrv) lines = g_strsplit (symbols, "\n", -1);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    {
      gchar kind[32], name[256];
      guint section, offset, va;
      const gchar *addr, *p;
      g_autofree gchar *title = NULL;

      if (sscanf (lines[i], " %*u | %31s [size = %*u] `%255[^`]`", kind, name) != 2
          || (strcmp (kind, "S_GPROC32") != 0 && strcmp (kind, "S_LPROC32") != 0)
          || !g_str_has_prefix (name, prefix))
        continue;
      addr = strstr (lines[i + 1], "addr = ");
      g_assert_nonnull (addr);
      g_assert_cmpint (sscanf (addr, "addr = %u:%u", &section, &offset), ==, 2);
      title = g_strdup_printf ("SECTION HEADER #%u\n", section);
      p = strstr (headers, title);
      g_assert_nonnull (p);
      g_assert_cmpint (sscanf (strstr (p, "virtual size"), "virtual size %x virtual address",
                               &va), ==, 1);
      g_hash_table_insert (out, g_strdup (name), GUINT_TO_POINTER (va + offset));
    }
  return out;
}

static void
copy_file (const gchar *from,
           const gchar *dir,
           const gchar *name,
           gsize        truncate_to)
{
  g_autofree gchar *src = g_build_filename (KDH_SIM_GUEST_DIR, from, NULL);
  g_autofree gchar *dest = g_build_filename (dir, name, NULL);
  g_autofree gchar *data = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_get_contents (src, &data, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (dest, data, truncate_to ? MIN (truncate_to, len) : len, &error);
  g_assert_no_error (error);
}

static gchar *
run (KdhTestEngine *t,
     const gchar   *format,
     ...) G_GNUC_PRINTF (2, 3);

static gchar *
run (KdhTestEngine *t,
     const gchar   *format,
     ...)
{
  va_list ap;
  g_autofree gchar *line = NULL;

  va_start (ap, format);
  line = g_strdup_vprintf (format, ap);
  va_end (ap);
  return kdh_test_engine_run (t, line, FALSE);
}

/* x nt!Ki* lists the kernel's Ki routines from the PDB, none of them
 * exported, at llvm-pdbutil's RVAs plus the base; ln and expressions use
 * them; lm and lmv say where the symbols came from. */
static void
test_store_and_lookups (void)
{
  KdhTestEngine t;
  g_autofree gchar *key = store_key ("ntoskrnl.pdb");
  g_autofree gchar *store = NULL, *dir = NULL, *x = NULL, *ln = NULL, *eval = NULL, *lm = NULL;
  g_autofree gchar *lmv = NULL, *before = NULL, *expected_path = NULL;
  g_autoptr (GHashTable) ki = procedures ("ntoskrnl.pdb", "Ki");
  GHashTableIter it;
  gpointer name, rva;
  guint64 idle;

  kdh_test_engine_init (&t);
  store = g_build_filename (t.tmpdir, "store", NULL);
  dir = g_build_filename (store, "ntoskrnl.pdb", key, NULL);
  copy_file ("ntoskrnl.pdb", dir, "ntoskrnl.pdb", 0);
  expected_path = g_build_filename (dir, "ntoskrnl.pdb", NULL);
  kdh_test_engine_attach (&t, "sim:");

  /* Without symbols the routine is unknown: only exports are. */
  before = kdh_test_engine_run (&t, "? nt!KiIdleLoop", TRUE);
  g_assert_nonnull (strstr (before, "unknown symbol 'nt!KiIdleLoop'"));

  g_free (run (&t, ".sympath srv*%s", store));
  g_free (kdh_test_engine_run (&t, ".reload", FALSE));
  lm = kdh_test_engine_run (&t, "lm", FALSE);
  g_assert_nonnull (strstr (lm, "   nt         (deferred)\n"));

  x = kdh_test_engine_run (&t, "x nt!Ki*", FALSE);
  g_assert_cmpuint (g_hash_table_size (ki), >=, 3);
  g_assert_true (g_hash_table_contains (ki, "KiIdleLoop"));
  g_hash_table_iter_init (&it, ki);
  while (g_hash_table_iter_next (&it, &name, &rva))
    {
      guint64 a = NT_BASE + GPOINTER_TO_UINT (rva);
      g_autofree gchar *row = g_strdup_printf ("%08x`%08x nt!%s (", (guint32) (a >> 32),
                                               (guint32) a, (const gchar *) name);

      g_assert_nonnull (kdh_test_find_in_lines (x, row));
    }
  /* Only Ki names. */
  {
    g_auto (GStrv) rows = g_strsplit (x, "\n", -1);

    for (guint i = 0; rows[i]; i++)
      if (*rows[i])
        g_assert_nonnull (strstr (rows[i], " nt!Ki"));
  }

  idle = NT_BASE + GPOINTER_TO_UINT (g_hash_table_lookup (ki, "KiIdleLoop"));
  eval = kdh_test_engine_run (&t, "? nt!KiIdleLoop+0x10", FALSE);
  {
    g_autofree gchar *want = g_strdup_printf ("= %08x`%08x", (guint32) ((idle + 0x10) >> 32),
                                              (guint32) (idle + 0x10));

    g_assert_nonnull (strstr (eval, want));
  }
  ln = run (&t, "ln %" G_GINT64_MODIFIER "x", idle + 3);
  {
    g_autofree gchar *want = g_strdup_printf ("(%08x`%08x)   nt!KiIdleLoop+0x3   |  (",
                                              (guint32) (idle >> 32), (guint32) idle);

    g_assert_nonnull (strstr (ln, want));
  }
  g_free (ln);
  ln = kdh_test_engine_run (&t, "ln nt!KiIdleLoop", FALSE);
  g_assert_nonnull (strstr (ln, "Exact matches:\n    nt!KiIdleLoop ("));

  lm = (g_free (lm), kdh_test_engine_run (&t, "lm m nt", FALSE));
  {
    g_autofree gchar *want = g_strdup_printf ("   nt         (pdb symbols)          %s\n",
                                              expected_path);

    g_assert_nonnull (strstr (lm, want));
  }
  lmv = kdh_test_engine_run (&t, "lmvm nt", FALSE);
  g_assert_nonnull (strstr (lmv, "    Image name: ntoskrnl.exe\n"));
  g_assert_nonnull (strstr (lmv, "    PDB name:         ntoskrnl.pdb\n"));
  {
    g_autofree gchar *want = g_strdup_printf ("    Symbol file:      %s\n", expected_path);

    g_assert_nonnull (strstr (lmv, want));
  }
  /* .reload /u nt: nt's symbols let go, back to deferred; the next name
   * from its PDB loads them again. */
  {
    g_autofree gchar *u = kdh_test_engine_run (&t, ".reload /u nt", FALSE);
    g_autofree gchar *after = kdh_test_engine_run (&t, "lm m nt", FALSE);
    g_autofree gchar *again = NULL, *lm_again = NULL;

    g_assert_cmpstr (u, ==, "Unloaded symbols for ntoskrnl.exe\n");
    g_assert_nonnull (strstr (after, "   nt         (deferred)\n"));
    g_assert_null (strstr (after, "pdb symbols"));
    again = kdh_test_engine_run (&t, "ln nt!KiIdleLoop", FALSE);
    g_assert_nonnull (strstr (again, "Exact matches:\n    nt!KiIdleLoop ("));
    lm_again = kdh_test_engine_run (&t, "lm m nt", FALSE);
    g_assert_nonnull (strstr (lm_again, "(pdb symbols)"));
  }
  kdh_test_engine_clear (&t);
}

/* cache*DIR before a store: the first load copies the PDB into the cache,
 * the next uses the cache with the store gone. */
static void
test_cache (void)
{
  KdhTestEngine t;
  g_autofree gchar *key = store_key ("kdhtest.pdb");
  g_autofree gchar *store = NULL, *cache = NULL, *dir = NULL, *cached = NULL, *src = NULL;
  g_autofree gchar *lm = NULL, *lm2 = NULL, *want = NULL;

  kdh_test_engine_init (&t);
  store = g_build_filename (t.tmpdir, "server", NULL);
  cache = g_build_filename (t.tmpdir, "cache", NULL);
  dir = g_build_filename (store, "kdhtest.pdb", key, NULL);
  copy_file ("kdhtest.pdb", dir, "kdhtest.pdb", 0);
  cached = g_build_filename (cache, "kdhtest.pdb", key, "kdhtest.pdb", NULL);
  kdh_test_engine_attach (&t, "sim:");
  g_free (run (&t, ".sympath cache*%s;srv*%s", cache, store));
  g_free (kdh_test_engine_run (&t, ".reload /f kdhtest", FALSE));
  g_assert_true (g_file_test (cached, G_FILE_TEST_IS_REGULAR));
  want = g_strdup_printf ("   kdhtest    (pdb symbols)          %s\n", cached);
  lm = kdh_test_engine_run (&t, "lm m kdhtest", FALSE);
  g_assert_nonnull (strstr (lm, want));

  src = g_build_filename (dir, "kdhtest.pdb", NULL);
  g_assert_cmpint (g_unlink (src), ==, 0);
  g_free (kdh_test_engine_run (&t, ".reload /f kdhtest", FALSE));
  lm2 = kdh_test_engine_run (&t, "lm m kdhtest", FALSE);
  g_assert_nonnull (strstr (lm2, want));
  kdh_test_engine_clear (&t);
}

/* Overwrites the age in the PDB info stream of the copy at @path: it is
 * the 4 bytes before the GUID llvm-pdbutil prints. */
static void
bump_age (const gchar *path,
          const gchar *pdb)
{
  g_autofree gchar *summary = pdbutil ("-summary", pdb);
  g_autofree gchar *data = NULL;
  guint g0, g1, g2, g3[8];
  guint8 guid[16];
  gsize len;
  guint found = 0;

  g_assert_cmpint (sscanf (strstr (summary, "GUID:"), "GUID: {%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}",
                           &g0, &g1, &g2, &g3[0], &g3[1], &g3[2], &g3[3], &g3[4], &g3[5], &g3[6],
                           &g3[7]), ==, 11);
  guid[0] = g0, guid[1] = g0 >> 8, guid[2] = g0 >> 16, guid[3] = g0 >> 24;
  guid[4] = g1, guid[5] = g1 >> 8, guid[6] = g2, guid[7] = g2 >> 8;
  for (guint i = 0; i < 8; i++)
    guid[8 + i] = g3[i];
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  for (gsize i = 12; i + 16 <= len; i++)
    if (memcmp (data + i, guid, 16) == 0 && data[i - 4] == 1)
      {
        data[i - 4] = 7;
        found++;
      }
  g_assert_cmpuint (found, ==, 1);
  g_assert_true (g_file_set_contents (path, data, len, NULL));
}

/* Another image's PDB, the right PDB with another age, and a truncated
 * one: each refused with why, the module on its exports. */
static void
test_refused (void)
{
  KdhTestEngine t;
  g_autofree gchar *wrong_guid = NULL, *wrong_age = NULL, *broken = NULL, *aged = NULL;
  g_autofree gchar *out = NULL, *lm = NULL, *eval = NULL, *x = NULL;

  kdh_test_engine_init (&t);
  wrong_guid = g_build_filename (t.tmpdir, "guid", NULL);
  wrong_age = g_build_filename (t.tmpdir, "age", NULL);
  broken = g_build_filename (t.tmpdir, "broken", NULL);
  copy_file ("kdhtest.pdb", wrong_guid, "ntoskrnl.pdb", 0);
  copy_file ("ntoskrnl.pdb", wrong_age, "ntoskrnl.pdb", 0);
  aged = g_build_filename (wrong_age, "ntoskrnl.pdb", NULL);
  bump_age (aged, "ntoskrnl.pdb");
  copy_file ("ntoskrnl.pdb", broken, "ntoskrnl.pdb", 5000);
  kdh_test_engine_attach (&t, "sim:");

  g_free (run (&t, ".sympath %s", wrong_guid));
  out = kdh_test_engine_run (&t, ".reload /f nt", FALSE);
  g_assert_nonnull (strstr (out, "does not match the image: the image wants {"));
  g_assert_nonnull (strstr (out, "Defaulted to export symbols for ntoskrnl.exe"));
  g_free (out);

  g_free (run (&t, ".sympath %s", wrong_age));
  out = kdh_test_engine_run (&t, ".reload /f nt", FALSE);
  g_assert_nonnull (strstr (out, "age 1, the file is {"));
  g_assert_nonnull (strstr (out, "age 7"));
  g_free (out);

  g_free (run (&t, ".sympath %s", broken));
  out = kdh_test_engine_run (&t, "!sym noisy", FALSE);
  g_free (out);
  out = kdh_test_engine_run (&t, ".reload /f nt", FALSE);
  g_assert_nonnull (strstr (out, "could not be read: The PDB file is corrupt"));
  g_assert_nonnull (strstr (out, "DBGHELP: nt - export symbols ("));
  lm = kdh_test_engine_run (&t, "lm m nt", FALSE);
  g_assert_nonnull (strstr (lm, "   nt         (export symbols)       ntoskrnl.exe\n"));
  eval = kdh_test_engine_run (&t, "? nt!DbgPrint", FALSE);
  g_assert_nonnull (strstr (eval, "Evaluate expression:"));
  x = kdh_test_engine_run (&t, "x nt!KiIdle*", FALSE);
  g_assert_cmpstr (x, ==, "");
  kdh_test_engine_clear (&t);
}

/* The commands' arguments: what is wrong is named, nothing changes. */
static void
test_arguments (void)
{
  KdhTestEngine t;
  g_autofree gchar *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, ".sympath /tmp/one", FALSE));
  a = kdh_test_engine_run (&t, ".sympath bogus*thing", TRUE);
  g_assert_nonnull (strstr (a, "neither a directory nor srv*STORE"));
  b = kdh_test_engine_run (&t, ".sympath+ /tmp/two", FALSE);
  g_assert_nonnull (strstr (b, "Symbol search path is: /tmp/one;/tmp/two\n"));
  c = kdh_test_engine_run (&t, ".reload nosuch", TRUE);
  g_assert_nonnull (strstr (c, "Module 'nosuch' is not loaded"));
  d = kdh_test_engine_run (&t, "x KiIdleLoop", TRUE);
  g_assert_nonnull (strstr (d, "x needs MODULE!PATTERN"));
  e = kdh_test_engine_run (&t, ".reload /x", TRUE);
  g_assert_nonnull (strstr (e, ".reload option '/x' is not supported yet"));
  g_free (e);
  e = kdh_test_engine_run (&t, ".reload /f /u nt", TRUE);
  g_assert_nonnull (strstr (e, "give one of them"));
  f = kdh_test_engine_run (&t, ".symfix /tmp/cache", FALSE);
  g_assert_nonnull (strstr (f, "srv*/tmp/cache*https://msdl.microsoft.com/download/symbols"));
  kdh_test_engine_clear (&t);
}

/* dt's layout of _KDHTEST_DEVICE has the members, in order, at the offsets
 * llvm-pdbutil's -types gives; on the first device of the driver's list
 * it shows what target memory holds (dq/dd) and what the driver set. */
static void
test_display_type (void)
{
  KdhTestEngine t;
  g_autofree gchar *types = pdbutil ("-types", "kdhtest.pdb");
  g_autofree gchar *dir = NULL, *layout = NULL, *values = NULL, *next = NULL, *id = NULL;
  g_autofree gchar *field = NULL, *recursive = NULL, *bad = NULL;
  const gchar *def, *list;
  guint field_list = 0, members = 0;

  /* The definition (not the forward reference) and its field list. */
  def = strstr (types, "LF_STRUCTURE [size = 40] `_KDHTEST_DEVICE`\n           vtable: <no type>, "
                "base list: <no type>, field list: 0x");
  g_assert_nonnull (def);
  g_assert_cmpint (sscanf (strstr (def, "field list: 0x"), "field list: 0x%x", &field_list), ==, 1);
  {
    g_autofree gchar *title = g_strdup_printf ("0x%04X | LF_FIELDLIST", field_list);

    list = strstr (types, title);
    g_assert_nonnull (list);
  }

  kdh_test_engine_init (&t);
  dir = g_build_filename (t.tmpdir, "plain", NULL);
  copy_file ("kdhtest.pdb", dir, "kdhtest.pdb", 0);
  kdh_test_engine_attach (&t, "sim:");
  g_free (run (&t, ".sympath %s", dir));
  layout = kdh_test_engine_run (&t, "dt kdhtest!_KDHTEST_DEVICE", FALSE);
  g_assert_true (g_str_has_prefix (layout, "kdhtest!_KDHTEST_DEVICE\n"));
  {
    g_auto (GStrv) lines = g_strsplit (list, "\n", -1);
    const gchar *at = layout;

    for (guint i = 1; lines[i] && strstr (lines[i], "- LF_MEMBER"); i++)
      {
        gchar name[64];
        guint offset;
        g_autofree gchar *want = NULL;

        g_assert_cmpint (sscanf (lines[i], " - LF_MEMBER [name = `%63[^`]`", name), ==, 1);
        g_assert_cmpint (sscanf (strstr (lines[i], "offset = "), "offset = %u", &offset), ==, 1);
        want = g_strdup_printf ("\n   +0x%03x %-16s : ", offset, name);
        /* In the PDB's order. */
        at = strstr (at, want);
        g_assert_nonnull (at);
        members++;
      }
  }
  g_assert_cmpuint (members, ==, 10);
  g_assert_nonnull (strstr (layout, " Next             : Ptr64 _KDHTEST_DEVICE\n"));
  g_assert_nonnull (strstr (layout, " Name             : [16] Char\n"));

  values = kdh_test_engine_run (&t, "dt kdhtest!KdhTestDeviceList", FALSE);
  next = kdh_test_engine_run (&t, "dq poi(kdhtest!KdhTestDeviceList) L1", FALSE);
  id = kdh_test_engine_run (&t, "dd poi(kdhtest!KdhTestDeviceList)+8 L1", FALSE);
  {
    /* "fffff800`04008180  fffff800`04008210" and "...  00000100". */
    g_auto (GStrv) q = g_strsplit_set (next, " \n", -1);
    g_auto (GStrv) dw = g_strsplit_set (id, " \n", -1);
    g_autofree gchar *want_next = g_strdup_printf (" Next             : 0x%s _KDHTEST_DEVICE\n",
                                                   q[2]);
    g_autofree gchar *want_id = g_strdup_printf (" Id               : 0x%" G_GINT64_MODIFIER "x\n",
                                                 g_ascii_strtoull (dw[2], NULL, 16));

    g_assert_nonnull (strstr (values, want_next));
    g_assert_nonnull (strstr (values, want_id));
  }
  /* What DriverEntry set for device 0 (src/sim/guest/kdhtest.c). */
  g_assert_nonnull (strstr (values, " Id               : 0x100\n"));
  g_assert_nonnull (strstr (values, " Kind             : 0n1 ( KdhTestDeviceTimer )\n"));
  g_assert_nonnull (strstr (values, " Name             : [16]  \"kdh0\"\n"));
  g_assert_nonnull (strstr (values, " Description      : 0x"));
  g_assert_nonnull (strstr (values, "  \"periodic timer\"\n"));
  g_assert_nonnull (strstr (values, " Statistics       : _KDHTEST_STATISTICS\n"));

  field = kdh_test_engine_run (&t, "dt kdhtest!_KDHTEST_DEVICE Name poi(kdhtest!KdhTestDeviceList)",
                               FALSE);
  g_assert_cmpstr (field, ==, "   +0x013 Name             : [16]  \"kdh0\"\n");
  recursive = kdh_test_engine_run (&t, "dt kdhtest!_KDHTEST_DEVICE poi(kdhtest!KdhTestDeviceList) "
                                   "-r1", FALSE);
  g_assert_nonnull (strstr (recursive, "\n      +0x000 Updates          : 0x"));
  /* x with types: a function's parameters (kdhtest.c declares them;
   * llvm-pdbutil's arglist 0x1019 lists the same), a variable's value. */
  {
    g_autofree gchar *sig = kdh_test_engine_run (&t, "x kdhtest!KdhTestUpdateDevice", FALSE);
    g_autofree gchar *var = kdh_test_engine_run (&t, "x kdhtest!KdhTestDeviceList", FALSE);
    g_auto (GStrv) q = g_strsplit_set (next, " \n", -1);
    g_autofree gchar *want = g_strdup_printf (" kdhtest!KdhTestDeviceList = 0x%s _KDHTEST_DEVICE\n",
                                              q[0]);

    g_assert_nonnull (strstr (types, "`_KDHTEST_DEVICE*`\n           0x0075 (unsigned): `unsigned`\n"
                              "           0x0023 (unsigned __int64): `unsigned __int64`"));
    g_assert_nonnull (strstr (sig, " kdhtest!KdhTestUpdateDevice (struct _KDHTEST_DEVICE *, "
                              "unsigned int, unsigned __int64)\n"));
    g_assert_nonnull (strstr (var, want));
  }
  bad = kdh_test_engine_run (&t, "dt kdhtest!_KDHTEST_DEVICE -v", TRUE);
  g_assert_nonnull (strstr (bad, "dt option '-v' is not supported yet"));
  g_free (bad);
  bad = kdh_test_engine_run (&t, "dt kdhtest!_NO_SUCH_TYPE", TRUE);
  g_assert_nonnull (strstr (bad, "Symbol kdhtest!_NO_SUCH_TYPE not found"));
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *cache = g_dir_make_tmp ("kdh-symbols-XXXXXX", NULL);

  /* Never the user's cache, and no symbol path from the environment. */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_unsetenv ("_NT_SYMBOL_PATH");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/symbols/store-and-lookups", test_store_and_lookups);
  g_test_add_func ("/symbols/cache", test_cache);
  g_test_add_func ("/symbols/refused", test_refused);
  g_test_add_func ("/symbols/arguments", test_arguments);
  g_test_add_func ("/symbols/display-type", test_display_type);
  return g_test_run ();
}
