/* fuzz-pdb.c: libFuzzer harness for the PDB reader (src/symbols/)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a PDB file, as a symbol path or a symbol server could hand
 * one over. Seeded with the build's own PDBs (the guest images').
 *
 * Checks: the reader fails cleanly or gives a PDB whose every symbol is
 * found again by its name (as a symbol of that name) and by its address
 * (at or below it, the next one above); type names, members, sizes and
 * forward references can be asked for any type index without reading
 * outside the file; every function's parameters (kp) come with names and
 * non-empty location ranges; the stream sizes the directory gives are what reading
 * the streams returns.
 */
#include "kdh-fuzz.h"

#include "symbols/kdh-msf.h"
#include "symbols/kdh-pdb.h"
#include "symbols/kdh-pdb-locals.h"
#include "symbols/kdh-pdb-types.h"

#define TYPES_TRIED 2048

static void
check_msf (const guint8 *data,
           gsize         size)
{
  g_autoptr (KdhMsf) msf = kdh_msf_new (data, size, NULL);

  if (msf == NULL)
    return;
  for (guint32 i = 0; i < MIN (kdh_msf_get_n_streams (msf), 64); i++)
    {
      g_autoptr (GBytes) stream = kdh_msf_read_stream (msf, i, NULL);
      guint32 want = 0;

      g_assert_true (kdh_msf_get_stream_size (msf, i, &want));
      if (stream != NULL)
        g_assert_cmpuint (g_bytes_get_size (stream), ==, want);
    }
  g_assert_false (kdh_msf_get_stream_size (msf, kdh_msf_get_n_streams (msf), &(guint32){ 0 }));
}

static void
check_symbols (KdhPdb *pdb)
{
  for (guint i = 0; i < kdh_pdb_get_n_symbols (pdb); i++)
    {
      const KdhPdbSymbol *s = kdh_pdb_get_symbol (pdb, i), *by_name, *at, *next = NULL;

      g_assert_nonnull (s->name);
      by_name = kdh_pdb_lookup_name (pdb, s->name);
      g_assert_nonnull (by_name);
      g_assert_cmpint (g_ascii_strcasecmp (by_name->name, s->name), ==, 0);
      if (!s->has_address)
        continue;
      at = kdh_pdb_lookup_address (pdb, s->rva, &next);
      g_assert_nonnull (at);
      g_assert_cmpuint (at->rva, ==, s->rva);
      g_assert_true (next == NULL || next->rva > s->rva);
    }
}

static void
check_types (KdhPdb *pdb)
{
  if (!kdh_pdb_load_types (pdb, NULL))
    return;
  for (guint32 index = 0; index < 0x1000 + TYPES_TRIED; index += index < 0x1000 ? 0x11 : 1)
    {
      g_autofree gchar *name = kdh_pdb_type_name (pdb, index);
      g_autofree gchar *c_name = kdh_pdb_c_type_name (pdb, index);
      g_autofree gchar *args = kdh_pdb_procedure_arguments (pdb, index);
      KdhType t;

      g_assert_nonnull (name);
      g_assert_nonnull (c_name);
      g_assert_true (args == NULL || (args[0] == '(' && g_str_has_suffix (args, ")")));
      kdh_pdb_type_size (pdb, index);
      if (!kdh_pdb_get_type (pdb, kdh_pdb_resolve_type (pdb, index), &t))
        continue;
      if (t.field_list != 0)
        {
          g_autoptr (GArray) members = kdh_pdb_get_members (pdb, t.field_list);

          for (guint k = 0; members != NULL && k < members->len; k++)
            g_assert_nonnull (g_array_index (members, KdhTypeMember, k).name);
        }
      if (t.name != NULL && (t.kind == KDH_TYPE_STRUCT || t.kind == KDH_TYPE_UNION
                             || t.kind == KDH_TYPE_ENUM))
        g_assert_cmpuint (kdh_pdb_find_type (pdb, t.name), !=, 0);
    }
}

static void
check_parameters (KdhPdb *pdb)
{
  for (guint i = 0; i < kdh_pdb_get_n_symbols (pdb); i++)
    {
      const KdhPdbSymbol *s = kdh_pdb_get_symbol (pdb, i);
      g_autoptr (GPtrArray) params = NULL;

      if (s->kind != KDH_PDB_FUNCTION)
        continue;
      params = kdh_pdb_get_parameters (pdb, s, NULL);
      for (guint k = 0; params != NULL && k < params->len; k++)
        {
          const KdhPdbParameter *p = params->pdata[k];

          g_assert_nonnull (p->name);
          for (guint l = 0; l < p->locations->len; l++)
            {
              const KdhPdbLocation *loc = &g_array_index (p->locations, KdhPdbLocation, l);

              g_assert_cmpuint (loc->start, <, loc->end);
              g_assert_nonnull (kdh_pdb_parameter_location (p, loc->start));
            }
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhPdb) pdb = NULL;

  check_msf (data, size);
  pdb = kdh_pdb_new (data, size, &error);
  if (pdb == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  {
    g_autofree gchar *guid = kdh_pdb_format_guid (kdh_pdb_get_guid (pdb));
    g_autofree gchar *key = kdh_pdb_store_key (kdh_pdb_get_guid (pdb), kdh_pdb_get_age (pdb));

    g_assert_cmpuint (strlen (guid), ==, 38);
    g_assert_cmpuint (strlen (key), >=, 33);
  }
  check_symbols (pdb);
  check_types (pdb);
  check_parameters (pdb);
  return 0;
}
