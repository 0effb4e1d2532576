/* test-sim-guest.c: the simulated machine's images are real PE files with PDBs
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Checked with LLVM's own readers (llvm-readobj, llvm-pdbutil) on the build
 * tree's files, and against what the kdh-sim library embeds.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "kdh-sim-guest.h"
#include "kdh-sim-kernel.h"

static const gchar *const images[] = {
  "ntoskrnl.exe", "hal.dll", "kdcom.dll", "kdhtest.sys", "CI.dll", "ACPI.sys", "Ntfs.sys",
};

static gchar *
find_tool (const gchar *name)
{
  g_autofree gchar *versioned = g_strconcat (name, "-14", NULL);
  gchar *path = g_find_program_in_path (name);

  if (path == NULL)
    path = g_find_program_in_path (versioned);
  if (path == NULL)
    g_error ("%s is not installed (scripts/install-deps installs llvm)", name);
  return path;
}

/* Runs an LLVM tool on a file of the guest build directory; its output. */
static gchar *
tool (const gchar *name,
      const gchar *option,
      const gchar *option2,
      const gchar *file)
{
  g_autofree gchar *program = find_tool (name);
  g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, file, NULL);
  const gchar *argv[] = { program, option, option2 != NULL ? option2 : path,
                          option2 != NULL ? path : NULL, NULL };
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* The value after "key:" on the first line that has it, trimmed. */
static gchar *
field (const gchar *text,
       const gchar *key)
{
  const gchar *p = strstr (text, key);
  const gchar *end;

  g_assert_nonnull (p);
  p += strlen (key);
  end = strchr (p, '\n');
  return g_strstrip (g_strndup (p, end != NULL ? (gsize) (end - p) : strlen (p)));
}

/* "(7C 9C 93 77 19 01 51 E6 4C 4C ...)" as llvm-readobj prints the RSDS
 * GUID bytes, in the registry form llvm-pdbutil prints. */
static gchar *
guid_from_bytes (const gchar *bytes)
{
  guint b[16];

  g_assert_cmpint (sscanf (bytes, "(%x %x %x %x %x %x %x %x %x %x %x %x %x %x %x %x)", &b[0],
                           &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7], &b[8], &b[9], &b[10],
                           &b[11], &b[12], &b[13], &b[14], &b[15]), ==, 16);
  return g_strdup_printf ("{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                          b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10],
                          b[11], b[12], b[13], b[14], b[15]);
}

static void
test_rsds (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autofree gchar *stem = g_strndup (images[i], strchr (images[i], '.') - images[i]);
      g_autofree gchar *pdb = g_strconcat (stem, ".pdb", NULL);
      g_autofree gchar *debug = tool ("llvm-readobj", "--coff-debug-directory", NULL, images[i]);
      g_autofree gchar *summary = tool ("llvm-pdbutil", "dump", "--summary", pdb);
      g_autofree gchar *name = field (debug, "PDBFileName:");
      g_autofree gchar *guid_bytes = field (debug, "PDBGUID:");
      g_autofree gchar *guid = guid_from_bytes (guid_bytes);
      g_autofree gchar *age = field (debug, "PDBAge:");
      g_autofree gchar *pdb_guid = field (summary, "GUID:");
      g_autofree gchar *pdb_age = field (summary, "Age:");

      g_test_message ("%s: %s %s age %s", images[i], name, guid, age);
      /* Only the file name, as Microsoft's images carry it. */
      g_assert_cmpstr (name, ==, pdb);
      g_assert_cmpstr (guid, ==, pdb_guid);
      g_assert_cmpstr (age, ==, pdb_age);
    }
}

static void
test_exports (void)
{
  static const gchar *const nt[] = {
    "KeBugCheckEx", "DbgPrint", "DbgBreakPointWithStatus", "KeUpdateSystemTime",
    "PsLoadedModuleList", "KdDebuggerDataBlock", "KiProcessorBlock", "KeNumberProcessors",
  };
  static const gchar *const kdhtest[] = {
    "KdhTestTick", "KdhTestTickCount", "KdhTestDeviceList",
  };
  g_autofree gchar *nt_exports = tool ("llvm-readobj", "--coff-exports", NULL, "ntoskrnl.exe");
  g_autofree gchar *test_exports = tool ("llvm-readobj", "--coff-exports", NULL, "kdhtest.sys");
  g_autofree gchar *publics = tool ("llvm-pdbutil", "dump", "--publics", "ntoskrnl.pdb");
  g_autofree gchar *types = tool ("llvm-pdbutil", "dump", "--types", "kdhtest.pdb");
  g_autofree gchar *unwind = tool ("llvm-readobj", "--unwind", NULL, "kdhtest.sys");

  for (guint i = 0; i < G_N_ELEMENTS (nt); i++)
    {
      g_autofree gchar *line = g_strdup_printf ("Name: %s\n", nt[i]);

      g_assert_nonnull (strstr (nt_exports, line));
    }
  for (guint i = 0; i < G_N_ELEMENTS (kdhtest); i++)
    {
      g_autofree gchar *line = g_strdup_printf ("Name: %s\n", kdhtest[i]);

      g_assert_nonnull (strstr (test_exports, line));
    }
  /* Routines only the PDB knows, types, and unwind data. */
  g_assert_nonnull (strstr (publics, "`KiIdleLoop`"));
  g_assert_null (strstr (nt_exports, "Name: KiIdleLoop\n"));
  g_assert_nonnull (strstr (types, "_KDHTEST_DEVICE"));
  g_assert_nonnull (strstr (types, "_KDHTEST_STATISTICS"));
  /* .pdata has a RUNTIME_FUNCTION for the tick routine, whose frame
   * (pushes, then sub rsp) its unwind codes describe. */
  g_assert_nonnull (strstr (unwind, "RuntimeFunction {"));
  g_assert_nonnull (strstr (unwind, "ALLOC_SMALL"));
}

static void
test_embedded (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, images[i], NULL);
      g_autofree gchar *contents = NULL;
      g_autoptr (GBytes) embedded = kdh_sim_guest_image (images[i]);
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_nonnull (embedded);
      g_assert_cmpmem (g_bytes_get_data (embedded, NULL), g_bytes_get_size (embedded), contents,
                       len);
    }
  g_assert_null (kdh_sim_guest_image ("nosuch.sys"));
}

/* The RVA of public symbol @name in @pdb, from llvm-pdbutil alone: its
 * "addr = SECTION:OFFSET" and that section's virtual address. */
static guint64
pdb_rva (const gchar *pdb,
         const gchar *name)
{
  g_autofree gchar *publics = tool ("llvm-pdbutil", "dump", "--publics", pdb);
  g_autofree gchar *headers = tool ("llvm-pdbutil", "dump", "--section-headers", pdb);
  g_autofree gchar *quoted = g_strdup_printf ("`%s`", name);
  g_autofree gchar *section_title = NULL;
  const gchar *p = strstr (publics, quoted);
  guint section = 0, offset = 0, va = 0;

  g_assert_nonnull (p);
  p = strstr (p, "addr = ");
  g_assert_nonnull (p);
  /* llvm-pdbutil prints both in decimal. */
  g_assert_cmpint (sscanf (p, "addr = %u:%u", &section, &offset), ==, 2);
  section_title = g_strdup_printf ("SECTION HEADER #%u\n", section);
  p = strstr (headers, section_title);
  g_assert_nonnull (p);
  p = strstr (p, "virtual size");
  g_assert_nonnull (p);
  g_assert_cmpint (sscanf (p, "virtual size %x virtual address", &va), ==, 1);
  return (guint64) va + offset;
}

/* Where the running machine has KdhTestTick is the driver's base (from
 * PsLoadedModuleList, read as a debugger would) plus the PDB's RVA. */
static void
test_addresses_match_pdb (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  KdhVersion v;
  guint64 head, e, base = 0;
  guint8 b[8];

  kdh_sim_kernel_get_version (k, &v);
  head = v.ps_loaded_module_list;
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, head, b, 8), ==, 8);
  for (e = GUINT64_FROM_LE (*(guint64 *) b); e != head; )
    {
      guint8 name[2 * 11];
      guint64 buffer;

      g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, e + 0x60, b, 8), ==, 8);
      buffer = GUINT64_FROM_LE (*(guint64 *) b);
      g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, buffer, name, sizeof name), ==,
                        sizeof name);
      if (memcmp (name, "k\0d\0h\0t\0e\0s\0t\0.\0s\0y\0s\0", sizeof name) == 0)
        {
          g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, e + 0x30, b, 8), ==, 8);
          base = GUINT64_FROM_LE (*(guint64 *) b);
        }
      g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, e, b, 8), ==, 8);
      e = GUINT64_FROM_LE (*(guint64 *) b);
    }
  g_assert_cmphex (base, ==, G_GUINT64_CONSTANT (0xFFFFF80003000000));
  g_assert_cmphex (kdh_sim_kernel_lookup_export (k, "kdhtest", "KdhTestTick"), ==,
                   base + pdb_rva ("kdhtest.pdb", "KdhTestTick"));
  g_assert_cmphex (kdh_sim_kernel_lookup_export (k, "nt", "KeBugCheckEx"), ==,
                   KDH_SIM_NT_BASE + pdb_rva ("ntoskrnl.pdb", "KeBugCheckEx"));
  /* The break-in address stays where the debugger's tests know it. */
  g_assert_cmphex (pdb_rva ("ntoskrnl.pdb", "DbgBreakPointWithStatus"), ==, 0x1010);
  kdh_sim_kernel_free (k);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/guest/rsds", test_rsds);
  g_test_add_func ("/sim/guest/exports", test_exports);
  g_test_add_func ("/sim/guest/embedded", test_embedded);
  g_test_add_func ("/sim/guest/addresses-match-pdb", test_addresses_match_pdb);

  return g_test_run ();
}
