/* test-pdb.c: the PDB reader against LLVM's llvm-pdbutil on the build's PDBs
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every guest image's PDB: the GUID and age llvm-pdbutil's summary
 * gives; the same public symbols, global data and type names at the same
 * section:offset as its -publics and -globals dumps; the same procedures
 * (name, address, code size) as its -symbols dump; and lookups by name and
 * address that land on them, with RVAs from its -section-headers. Then
 * truncated and damaged copies give errors, not crashes.
 */
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>

#include "symbols/kdh-pdb.h"
#include "symbols/kdh-pdb-types.h"

static const gchar *const pdbs[] = {
  "ntoskrnl.pdb", "hal.pdb", "kdcom.pdb", "kdhtest.pdb", "CI.pdb", "ACPI.pdb", "Ntfs.pdb",
};

static gchar *
pdbutil (const gchar *option,
         const gchar *option2,
         const gchar *path)
{
  g_autofree gchar *program = g_find_program_in_path ("llvm-pdbutil");
  const gchar *argv[] = { NULL, "dump", option, option2 ? option2 : path, option2 ? path : NULL,
                          NULL };
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

/* "KIND name section:offset [size]" for each record llvm-pdbutil prints of
 * the kinds in @kinds (S_PUB32 -> PUB, data -> DATA, S_UDT -> UDT,
 * procedures -> PROC). */
static GHashTable *
llvm_records (const gchar *dump,
              gboolean     procedures)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = g_strsplit (dump, "\n", -1);

  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    {
      gchar kind[32], name[256];
      guint section = 0, offset = 0, size = 0;
      const gchar *addr = strstr (lines[i + 1], "addr = ");
      const gchar *tag;

      if (sscanf (lines[i], " %*u | %31s [size = %*u] `%255[^`]`", kind, name) != 2)
        continue;
      if (addr != NULL)
        g_assert_cmpint (sscanf (addr, "addr = %u:%u", &section, &offset), ==, 2);
      if (procedures)
        {
          const gchar *code = strstr (lines[i + 1], "code size = ");

          if (strcmp (kind, "S_GPROC32") != 0 && strcmp (kind, "S_LPROC32") != 0)
            continue;
          g_assert_nonnull (code);
          g_assert_cmpint (sscanf (code, "code size = %u", &size), ==, 1);
          g_hash_table_add (set, g_strdup_printf ("PROC %s %u:%u %u", name, section, offset,
                                                  size));
          continue;
        }
      if (strcmp (kind, "S_PUB32") == 0)
        tag = "PUB";
      else if (strcmp (kind, "S_GDATA32") == 0 || strcmp (kind, "S_LDATA32") == 0)
        tag = "DATA";
      else if (strcmp (kind, "S_UDT") == 0)
        {
          g_hash_table_add (set, g_strdup_printf ("UDT %s", name));
          continue;
        }
      else
        continue;
      g_hash_table_add (set, g_strdup_printf ("%s %s %u:%u", tag, name, section, offset));
    }
  return set;
}

static GHashTable *
our_records (const KdhPdb *pdb,
             gboolean      procedures)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < kdh_pdb_get_n_symbols (pdb); i++)
    {
      const KdhPdbSymbol *s = kdh_pdb_get_symbol (pdb, i);

      if (procedures != (s->kind == KDH_PDB_FUNCTION))
        continue;
      switch (s->kind)
        {
        case KDH_PDB_FUNCTION:
          g_hash_table_add (set, g_strdup_printf ("PROC %s %u:%u %u", s->name, s->section,
                                                  s->offset, s->size));
          break;
        case KDH_PDB_PUBLIC:
          g_hash_table_add (set, g_strdup_printf ("PUB %s %u:%u", s->name, s->section, s->offset));
          break;
        case KDH_PDB_DATA:
          g_hash_table_add (set, g_strdup_printf ("DATA %s %u:%u", s->name, s->section,
                                                  s->offset));
          break;
        case KDH_PDB_UDT:
          g_hash_table_add (set, g_strdup_printf ("UDT %s", s->name));
          break;
        case KDH_PDB_CONSTANT:
          break;
        }
    }
  return set;
}

static void
assert_same_set (GHashTable  *expected,
                 GHashTable  *got,
                 const gchar *pdb)
{
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, expected);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!g_hash_table_contains (got, key))
      g_error ("%s: llvm-pdbutil has '%s', we do not", pdb, (const gchar *) key);
  g_hash_table_iter_init (&it, got);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!g_hash_table_contains (expected, key))
      g_error ("%s: we have '%s', llvm-pdbutil does not", pdb, (const gchar *) key);
}

static gchar *
read_pdb (const gchar *name,
          gsize       *length)
{
  g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, name, NULL);
  g_autoptr (GError) error = NULL;
  gchar *data = NULL;

  g_file_get_contents (path, &data, length, &error);
  g_assert_no_error (error);
  return data;
}

/* Section virtual addresses from llvm-pdbutil -section-headers. */
static guint32
section_va (const gchar *headers,
            guint        section)
{
  g_autofree gchar *title = g_strdup_printf ("SECTION HEADER #%u\n", section);
  const gchar *p = strstr (headers, title);
  guint va = 0;

  g_assert_nonnull (p);
  p = strstr (p, "virtual size");
  g_assert_nonnull (p);
  g_assert_cmpint (sscanf (p, "virtual size %x virtual address", &va), ==, 1);
  return va;
}

static void
test_against_llvm (void)
{
  for (guint n = 0; n < G_N_ELEMENTS (pdbs); n++)
    {
      g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, pdbs[n], NULL);
      g_autofree gchar *summary = pdbutil ("-summary", NULL, path);
      g_autofree gchar *globals = pdbutil ("-publics", "-globals", path);
      g_autofree gchar *symbols = pdbutil ("-symbols", NULL, path);
      g_autofree gchar *headers = pdbutil ("-section-headers", NULL, path);
      g_autoptr (GError) error = NULL;
      g_autoptr (KdhPdb) pdb = NULL;
      g_autofree gchar *data = NULL;
      g_autofree gchar *guid = NULL, *age = NULL;
      g_autoptr (GHashTable) want = NULL, got = NULL, want_procs = NULL, got_procs = NULL;
      guint n_procs = 0;
      gsize length;

      data = read_pdb (pdbs[n], &length);
      pdb = kdh_pdb_new ((const guint8 *) data, length, &error);
      g_assert_no_error (error);
      g_assert_nonnull (pdb);

      guid = kdh_pdb_format_guid (kdh_pdb_get_guid (pdb));
      g_assert_nonnull (strstr (summary, guid));
      age = g_strdup_printf ("Age: %u\n", kdh_pdb_get_age (pdb));
      g_assert_nonnull (strstr (summary, age));

      want = llvm_records (globals, FALSE);
      got = our_records (pdb, FALSE);
      g_assert_cmpuint (g_hash_table_size (want), >, 0);
      assert_same_set (want, got, pdbs[n]);
      want_procs = llvm_records (symbols, TRUE);
      got_procs = our_records (pdb, TRUE);
      assert_same_set (want_procs, got_procs, pdbs[n]);

      /* Every procedure is found by its name and at its RVA (from
       * llvm-pdbutil's section headers), and its last byte is inside it. */
      for (guint i = 0; i < kdh_pdb_get_n_symbols (pdb); i++)
        {
          const KdhPdbSymbol *s = kdh_pdb_get_symbol (pdb, i), *at, *by_name, *next = NULL;
          guint32 rva;

          if (s->kind != KDH_PDB_FUNCTION)
            continue;
          n_procs++;
          rva = section_va (headers, s->section) + s->offset;
          g_assert_cmphex (s->rva, ==, rva);
          by_name = kdh_pdb_lookup_name (pdb, s->name);
          g_assert_nonnull (by_name);
          g_assert_cmphex (by_name->rva, ==, rva);
          at = kdh_pdb_lookup_address (pdb, rva + MAX (s->size, 1) - 1, &next);
          g_assert_nonnull (at);
          g_assert_cmpstr (at->name, ==, s->name);
          g_assert_true (next == NULL || next->rva >= rva + s->size);
          if (!s->is_local)
            {
              /* Names match as KD's do: whatever the case. */
              g_autofree gchar *upper = g_ascii_strup (s->name, -1);

              g_assert_true (kdh_pdb_lookup_name (pdb, upper) != NULL);
            }
        }
      g_assert_cmpuint (n_procs, ==, g_hash_table_size (want_procs));
      g_test_message ("%s: %u symbols, %u procedures", pdbs[n], kdh_pdb_get_n_symbols (pdb),
                      n_procs);
    }
}

/* The store directory name symsrv uses, from llvm-pdbutil's GUID and age. */
static void
test_store_key (void)
{
  g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, "kdhtest.pdb", NULL);
  g_autofree gchar *summary = pdbutil ("-summary", NULL, path);
  g_autofree gchar *data = NULL, *key = NULL, *want = NULL;
  g_autoptr (KdhPdb) pdb = NULL;
  gchar g[5][13];
  guint age;
  gsize length;

  g_assert_cmpint (sscanf (strstr (summary, "Age:"), "Age: %u", &age), ==, 1);
  g_assert_cmpint (sscanf (strstr (summary, "GUID:"), "GUID: {%8[0-9A-F]-%4[0-9A-F]-%4[0-9A-F]-"
                           "%4[0-9A-F]-%12[0-9A-F]}", g[0], g[1], g[2], g[3], g[4]), ==, 5);
  data = read_pdb ("kdhtest.pdb", &length);
  pdb = kdh_pdb_new ((const guint8 *) data, length, NULL);
  g_assert_nonnull (pdb);
  key = kdh_pdb_store_key (kdh_pdb_get_guid (pdb), kdh_pdb_get_age (pdb));
  want = g_strdup_printf ("%s%s%s%s%s%X", g[0], g[1], g[2], g[3], g[4], age);
  g_assert_cmpstr (key, ==, want);
}

/* Truncated anywhere, or with bytes overwritten, a PDB gives an error or a
 * smaller symbol set, never a read out of bounds (ASan checks that). */
static void
test_damaged (void)
{
  gsize length;
  g_autofree gchar *data = read_pdb ("ntoskrnl.pdb", &length);
  g_autoptr (GError) error = NULL;
  KdhPdb *pdb;
  GRand *rand = g_rand_new_with_seed (12);

  pdb = kdh_pdb_new ((const guint8 *) data, 40, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_null (pdb);
  g_clear_error (&error);
  pdb = kdh_pdb_new ((const guint8 *) data, length / 2, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "corrupt"));
  g_assert_null (pdb);
  g_clear_error (&error);

  for (gsize cut = 0; cut < length; cut += 509)
    {
      g_autofree guint8 *copy = g_memdup2 (data, cut);

      pdb = kdh_pdb_new (copy, cut, NULL);
      kdh_pdb_free (pdb);
    }
  for (guint round = 0; round < 400; round++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, length);

      for (guint k = 0; k < 8; k++)
        copy[g_rand_int_range (rand, 0, (gint32) length)] = (guint8) g_rand_int (rand);
      pdb = kdh_pdb_new (copy, length, NULL);
      if (pdb != NULL)
        for (guint i = 0; i < kdh_pdb_get_n_symbols (pdb); i++)
          kdh_pdb_lookup_address (pdb, kdh_pdb_get_symbol (pdb, i)->rva, NULL);
      if (pdb != NULL && kdh_pdb_load_types (pdb, NULL))
        for (guint32 index = 0x1000; index < 0x1100; index++)
          {
            g_autofree gchar *name = kdh_pdb_type_name (pdb, index);
            KdhType t;

            if (kdh_pdb_get_type (pdb, index, &t) && t.field_list != 0)
              {
                GArray *members = kdh_pdb_get_members (pdb, t.field_list);

                g_clear_pointer (&members, g_array_unref);
              }
            kdh_pdb_type_size (pdb, kdh_pdb_resolve_type (pdb, index));
          }
      kdh_pdb_free (pdb);
    }
  g_rand_free (rand);
}

/* "name type offset" (or "name = value" for enumerators) of each member
 * llvm-pdbutil prints under the field list at @at. */
static gchar *
llvm_members (const gchar *at)
{
  GString *out = g_string_new (NULL);
  const gchar *end = strstr (at + 1, "\n  0x");
  g_autofree gchar *record = end ? g_strndup (at, end - at) : g_strdup (at);
  g_auto (GStrv) lines = g_strsplit (record, "\n", -1);

  for (guint i = 1; lines[i]; i++)
    {
      gchar name[256];
      guint type;
      guint64 offset;

      if (sscanf (lines[i], " - LF_MEMBER [name = `%255[^`]`, Type = 0x%x", name, &type) == 2)
        {
          g_assert_cmpint (sscanf (strstr (lines[i], "offset = "), "offset = %" G_GUINT64_FORMAT,
                                   &offset), ==, 1);
          g_string_append_printf (out, "%s 0x%04X %" G_GUINT64_FORMAT "\n", name, type, offset);
        }
      else if (sscanf (lines[i], " - LF_ENUMERATE [%255[^ ] = %" G_GUINT64_FORMAT "]", name,
                      &offset) == 2)
        g_string_append_printf (out, "%s = %" G_GUINT64_FORMAT "\n", name, offset);
    }
  return g_string_free (out, FALSE);
}

static gchar *
our_members (KdhPdb  *pdb,
             guint32  field_list,
             gboolean enumerators)
{
  g_autoptr (GArray) members = kdh_pdb_get_members (pdb, field_list);
  GString *out = g_string_new (NULL);

  g_assert_nonnull (members);
  for (guint i = 0; i < members->len; i++)
    {
      const KdhTypeMember *m = &g_array_index (members, KdhTypeMember, i);

      if (enumerators)
        g_string_append_printf (out, "%s = %" G_GUINT64_FORMAT "\n", m->name, m->value);
      else
        g_string_append_printf (out, "%s 0x%04X %" G_GUINT64_FORMAT "\n", m->name, m->type,
                                m->value);
    }
  return g_string_free (out, FALSE);
}

/* Every struct, union and enum llvm-pdbutil's -types shows: the same name,
 * size and members (name, type index, offset; enumerators and values),
 * forward references resolved to the definitions, and names found. */
static void
test_types (void)
{
  static const gchar *const with_types[] = { "kdhtest.pdb", "ntoskrnl.pdb" };

  for (guint n = 0; n < G_N_ELEMENTS (with_types); n++)
    {
      g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, with_types[n], NULL);
      g_autofree gchar *dump = pdbutil ("-types", NULL, path);
      g_autofree gchar *data = NULL;
      g_autoptr (KdhPdb) pdb = NULL;
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) lines = g_strsplit (dump, "\n", -1);
      guint checked = 0, forwards = 0;
      gsize length;

      data = read_pdb (with_types[n], &length);
      pdb = kdh_pdb_new ((const guint8 *) data, length, &error);
      g_assert_no_error (error);
      g_assert_true (kdh_pdb_load_types (pdb, &error));
      g_assert_no_error (error);
      for (guint i = 0; lines[i] && lines[i + 1] && lines[i + 2]; i++)
        {
          guint index, field_list = 0, size = 0;
          gchar leaf[32], name[256];
          const gchar *fl, *sz;
          KdhType t;

          if (sscanf (lines[i], " 0x%x | %31s [size = %*u] `%255[^`]`", &index, leaf, name) != 3
              || (strcmp (leaf, "LF_STRUCTURE") != 0 && strcmp (leaf, "LF_UNION") != 0
                  && strcmp (leaf, "LF_ENUM") != 0))
            continue;
          g_assert_true (kdh_pdb_get_type (pdb, index, &t));
          g_assert_cmpstr (t.name, ==, name);
          fl = strstr (lines[i + 1], "field list: ");
          g_assert_nonnull (fl);
          if (strncmp (fl, "field list: <no type>", 21) == 0)
            {
              /* A forward reference: resolved to a definition of the name. */
              KdhType def;

              g_assert_true (t.is_forward);
              g_assert_true (kdh_pdb_get_type (pdb, kdh_pdb_resolve_type (pdb, index), &def));
              g_assert_cmpstr (def.name, ==, name);
              g_assert_false (def.is_forward);
              forwards++;
              continue;
            }
          g_assert_cmpint (sscanf (fl, "field list: 0x%x", &field_list), ==, 1);
          g_assert_cmphex (t.field_list, ==, field_list);
          g_assert_false (t.is_forward);
          if (strcmp (leaf, "LF_ENUM") != 0)
            {
              sz = strstr (lines[i + 2], "sizeof ");
              g_assert_nonnull (sz);
              g_assert_cmpint (sscanf (sz, "sizeof %u", &size), ==, 1);
              g_assert_cmpuint (t.size, ==, size);
            }
          {
            g_autofree gchar *title = g_strdup_printf ("\n  0x%04X | LF_FIELDLIST", field_list);
            const gchar *at = strstr (dump, title);
            g_autofree gchar *want = NULL, *got = NULL;

            g_assert_nonnull (at);
            want = llvm_members (at + 1);
            got = our_members (pdb, field_list, strcmp (leaf, "LF_ENUM") == 0);
            g_assert_cmpstr (got, ==, want);
          }
          g_assert_cmphex (kdh_pdb_find_type (pdb, name), ==, index);
          checked++;
        }
      g_assert_cmpuint (checked, >=, 3);
      g_assert_cmpuint (forwards, >=, 1);
      g_test_message ("%s: %u definitions, %u forward references", with_types[n], checked,
                      forwards);
    }
}

/* The names dt shows for _KDHTEST_DEVICE's members, against the C
 * declarations in src/sim/guest/kdhtest.c. */
static void
test_type_names (void)
{
  static const gchar *const want[][2] = {
    { "Next", "Ptr64 _KDHTEST_DEVICE" }, { "Id", "Uint4B" }, { "Kind", "_KDHTEST_DEVICE_KIND" },
    { "Flags", "Uint2B" }, { "Enabled", "UChar" }, { "Name", "[16] Char" },
    { "Description", "Ptr64 Char" }, { "Statistics", "_KDHTEST_STATISTICS" },
    { "Samples", "[4] Uint8B" }, { "SampleIndex", "Uint4B" },
  };
  g_autofree gchar *data = NULL;
  g_autoptr (KdhPdb) pdb = NULL;
  g_autoptr (GArray) members = NULL;
  gsize length;
  KdhType t;

  data = read_pdb ("kdhtest.pdb", &length);
  pdb = kdh_pdb_new ((const guint8 *) data, length, NULL);
  g_assert_true (kdh_pdb_load_types (pdb, NULL));
  g_assert_true (kdh_pdb_get_type (pdb, kdh_pdb_find_type (pdb, "_kdhtest_device"), &t));
  members = kdh_pdb_get_members (pdb, t.field_list);
  g_assert_cmpuint (members->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < members->len; i++)
    {
      const KdhTypeMember *m = &g_array_index (members, KdhTypeMember, i);
      g_autofree gchar *name = kdh_pdb_type_name (pdb, m->type);

      g_assert_cmpstr (m->name, ==, want[i][0]);
      g_assert_cmpstr (name, ==, want[i][1]);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pdb/against-llvm-pdbutil", test_against_llvm);
  g_test_add_func ("/pdb/store-key", test_store_key);
  g_test_add_func ("/pdb/types", test_types);
  g_test_add_func ("/pdb/type-names", test_type_names);
  g_test_add_func ("/pdb/damaged", test_damaged);
  return g_test_run ();
}
