/* test-sim-kernel.c: tests of the simulated Windows x64 kernel model
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The checks read the simulated machine only through memory, as a debugger
 * host would: PE headers and export tables from the image bases, the module
 * list and KDDEBUGGER_DATA64 from the GetVersion addresses, processor
 * structures through control space.
 */

#include <string.h>

#include <glib.h>

#include "kd/kdh-context.h"
#include "kdh-sim-kernel.h"

#define PATTERN_END   (KDH_SIM_PATTERN_BASE + KDH_SIM_PATTERN_SIZE)
#define PHYS_BASE     (KDH_SIM_NT_BASE - G_GUINT64_CONSTANT (0x2000000))
#define KUSER         G_GUINT64_CONSTANT (0xFFFFF78000000000)

/* CONTEXT and KSPECIAL_REGISTERS offsets (docs/protocol.md §4.2, §4.4) */
#define CTX_FLAGS     0x030
#define CTX_SEG_CS    0x038
#define CTX_SEG_DS    0x03A
#define CTX_SEG_ES    0x03C
#define CTX_SEG_FS    0x03E
#define CTX_SEG_GS    0x040
#define CTX_SEG_SS    0x042
#define CTX_EFLAGS    0x044
#define CTX_RCX       0x080
#define CTX_RSP       0x098
#define CTX_RIP       0x0F8

/* ---- Helpers: read the machine as a host does --------------------------- */

static guint64
le (const guint8 *p,
    guint         size)
{
  guint64 v = 0;

  for (guint i = 0; i < size; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

static guint64
rd (KdhSimKernel *k,
    guint64       address,
    guint         size)
{
  guint8 b[8];

  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, address, b, size), ==, size);
  return le (b, size);
}

#define rd8(k, a)  ((guint8) rd ((k), (a), 1))
#define rd16(k, a) ((guint16) rd ((k), (a), 2))
#define rd32(k, a) ((guint32) rd ((k), (a), 4))
#define rd64(k, a) rd ((k), (a), 8)

static guint64
ctx_get (KdhSimKernel *k,
         guint         cpu,
         guint         offset,
         guint         size)
{
  const guint8 *ctx = kdh_sim_kernel_context (k, cpu);

  g_assert_nonnull (ctx);
  return le (ctx + offset, size);
}

static gchar *
rd_cstring (KdhSimKernel *k,
            guint64       address)
{
  GString *s = g_string_new (NULL);
  guint8 c;

  while (s->len < 256)
    {
      g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, address + s->len, &c, 1), ==, 1);
      if (c == 0)
        break;
      g_string_append_c (s, (gchar) c);
    }
  return g_string_free (s, FALSE);
}

/* A UNICODE_STRING {Length, MaximumLength, pad, Buffer} as UTF-8. */
static gchar *
rd_unicode_string (KdhSimKernel *k,
                   guint64       address)
{
  guint16 length = rd16 (k, address);
  guint16 maximum = rd16 (k, address + 2);
  guint64 buffer = rd64 (k, address + 8);
  g_autofree gunichar2 *u = g_new0 (gunichar2, length / 2 + 1);

  g_assert_cmpuint (length % 2, ==, 0);
  g_assert_cmpuint (maximum, >=, length);
  for (guint i = 0; i < length / 2u; i++)
    u[i] = rd16 (k, buffer + 2 * i);
  return g_utf16_to_utf8 (u, length / 2, NULL, NULL, NULL);
}

typedef struct {
  guint64 base;
  guint64 nt_headers;
  guint16 n_sections;
  guint64 sections;
  guint32 size_of_image;
  guint32 export_rva;
  guint32 export_size;
} PeInfo;

/* MZ -> e_lfanew -> PE\0\0 -> file header -> optional header. */
static void
pe_parse (KdhSimKernel *k,
          guint64       base,
          PeInfo       *pe)
{
  guint32 e_lfanew;
  guint64 oh;

  memset (pe, 0, sizeof *pe);
  pe->base = base;
  g_assert_cmpuint (rd16 (k, base), ==, 0x5A4D);           /* "MZ" */
  e_lfanew = rd32 (k, base + 0x3C);
  g_assert_cmpuint (e_lfanew, >=, 0x40);
  g_assert_cmpuint (e_lfanew, <, 0x400);
  pe->nt_headers = base + e_lfanew;
  g_assert_cmpuint (rd32 (k, pe->nt_headers), ==, 0x00004550); /* "PE\0\0" */
  g_assert_cmpuint (rd16 (k, pe->nt_headers + 4), ==, 0x8664);
  pe->n_sections = rd16 (k, pe->nt_headers + 6);
  g_assert_cmpuint (rd16 (k, pe->nt_headers + 4 + 16), ==, 0xF0);
  oh = pe->nt_headers + 24;
  g_assert_cmpuint (rd16 (k, oh), ==, 0x20B);                 /* PE32+ */
  g_assert_cmphex (rd64 (k, oh + 0x18), ==, base);            /* ImageBase */
  pe->size_of_image = rd32 (k, oh + 0x38);
  g_assert_cmpuint (rd32 (k, oh + 0x6C), ==, 16);
  pe->export_rva = rd32 (k, oh + 0x70);
  pe->export_size = rd32 (k, oh + 0x74);
  pe->sections = oh + 0xF0;
}

static gboolean
pe_section (KdhSimKernel *k,
            const PeInfo *pe,
            const gchar  *name,
            guint32      *rva,
            guint32      *size)
{
  for (guint i = 0; i < pe->n_sections; i++)
    {
      guint64 s = pe->sections + 40 * i;
      gchar n[9] = { 0 };

      g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, s, (guint8 *) n, 8), ==, 8);
      if (g_str_equal (n, name))
        {
          *rva = rd32 (k, s + 0x0C);
          *size = rd32 (k, s + 0x08);
          return TRUE;
        }
    }
  return FALSE;
}

/* Binary search of the name pointer table, then the ordinal table, then
 * the address table: the way a debugger resolves an export. */
static guint64
pe_find_export (KdhSimKernel *k,
                const PeInfo *pe,
                const gchar  *name)
{
  guint64 dir = pe->base + pe->export_rva;
  guint32 n_functions, n_names, functions, names, ordinals;
  gint lo = 0, hi;

  if (pe->export_size == 0)
    return 0;
  n_functions = rd32 (k, dir + 0x14);
  n_names = rd32 (k, dir + 0x18);
  functions = rd32 (k, dir + 0x1C);
  names = rd32 (k, dir + 0x20);
  ordinals = rd32 (k, dir + 0x24);
  hi = (gint) n_names - 1;
  while (lo <= hi)
    {
      gint mid = (lo + hi) / 2;
      g_autofree gchar *s = rd_cstring (k, pe->base + rd32 (k, pe->base + names + 4 * mid));
      gint c = strcmp (name, s);

      if (c == 0)
        {
          guint16 ordinal = rd16 (k, pe->base + ordinals + 2 * mid);

          g_assert_cmpuint (ordinal, <, n_functions);
          return pe->base + rd32 (k, pe->base + functions + 4 * ordinal);
        }
      if (c < 0)
        hi = mid - 1;
      else
        lo = mid + 1;
    }
  return 0;
}

static const KdhSimModule *
module_named (KdhSimKernel *k,
              const gchar  *base_name)
{
  for (guint i = 0; i < kdh_sim_kernel_n_modules (k); i++)
    if (g_str_equal (kdh_sim_kernel_module (k, i)->base_name, base_name))
      return kdh_sim_kernel_module (k, i);
  g_assert_not_reached ();
  return NULL;
}

static gboolean
in_module (KdhSimKernel *k,
           const gchar  *base_name,
           guint64       address)
{
  const KdhSimModule *m = module_named (k, base_name);

  return address >= m->base && address < m->base + m->size_of_image;
}

/* The pattern as the header defines it, computed independently. */
static guint8
pattern_byte (guint64 address)
{
  guint64 v = (address & ~G_GUINT64_CONSTANT (7)) ^ KDH_SIM_PATTERN_XOR;
  guint8 b[8];

  for (guint i = 0; i < 8; i++)
    b[i] = (guint8) (v >> (8 * i));
  return b[address & 7];
}

/* Breaks in as the debugger does: the byte reaches kdcom, and processor 0
 * stops in DbgBreakPointWithStatus on its next clock tick. Returns rip. */
static guint64
break_in (KdhSimKernel *k)
{
  KdhSimEvent ev;

  kdh_sim_kernel_break_in (k);
  g_assert_true (kdh_sim_kernel_execute (k, 4000, &ev));
  g_assert_cmpint (ev.kind, ==, KDH_SIM_EVENT_EXCEPTION);
  g_assert_cmpuint (ev.cpu, ==, 0);
  g_assert_cmphex (ev.code, ==, 0x80000003);
  g_assert_cmphex (ev.address, ==, kdh_sim_kernel_lookup_export (k, "nt", "DbgBreakPointWithStatus"));
  kdh_sim_event_clear (&ev);
  return ctx_get (k, 0, CTX_RIP, 8);
}

/* ---- GetVersion ----------------------------------------------------------- */

static void
test_version (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (4, 1);
  KdhVersion v;

  kdh_sim_kernel_get_version (k, &v);
  g_assert_cmphex (v.major_version, ==, 0x000F);
  g_assert_cmpuint (v.minor_version, ==, 19041);
  g_assert_cmpuint (v.protocol_version, ==, 6);
  g_assert_cmpuint (v.kd_secondary_version, ==, 2);
  g_assert_cmphex (v.flags, ==, KDH_VERS_FLAG_MP | KDH_VERS_FLAG_DATA | KDH_VERS_FLAG_PTR64);
  g_assert_cmphex (v.machine_type, ==, 0x8664);
  g_assert_cmpuint (v.max_packet_type, ==, 12);
  g_assert_cmpuint (v.max_state_change, ==, 3);
  g_assert_cmphex (v.max_manipulate, ==, 0x31);
  g_assert_cmphex (v.kern_base, ==, KDH_SIM_NT_BASE);
  g_assert_true (in_module (k, "nt", v.ps_loaded_module_list));
  g_assert_true (in_module (k, "nt", v.debugger_data_list));
  g_assert_cmpuint (kdh_sim_kernel_n_cpus (k), ==, 4);
  kdh_sim_kernel_free (k);
}

/* ---- PE images -------------------------------------------------------------- */

static void
test_pe_headers (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);

  for (guint i = 0; i < kdh_sim_kernel_n_modules (k); i++)
    {
      const KdhSimModule *m = kdh_sim_kernel_module (k, i);
      guint64 oh;
      guint32 prev_end = 0, rva, size, entry;
      guint64 debug;
      g_autofree gchar *pdb = NULL;
      PeInfo pe;

      pe_parse (k, m->base, &pe);
      oh = pe.nt_headers + 24;
      g_assert_cmphex (pe.size_of_image, ==, m->size_of_image);
      g_assert_cmphex (rd32 (k, pe.nt_headers + 8), ==, m->timestamp);
      g_assert_cmphex (rd32 (k, oh + 0x40), ==, m->checksum);
      g_assert_cmpuint (rd32 (k, oh + 0x20), ==, 0x1000);     /* SectionAlignment */
      g_assert_cmpuint (rd16 (k, oh + 0x44), ==, 1);          /* native */
      g_assert_cmpuint (pe.n_sections, >=, 2);

      /* Sections: page aligned, ascending, inside the image. */
      for (guint s = 0; s < pe.n_sections; s++)
        {
          guint64 sh = pe.sections + 40 * s;

          rva = rd32 (k, sh + 0x0C);
          size = rd32 (k, sh + 0x08);
          g_assert_cmpuint (rva % 0x1000, ==, 0);
          g_assert_cmpuint (rva, >=, prev_end);
          g_assert_cmpuint (rva + size, <=, m->size_of_image);
          prev_end = rva + size;
        }
      g_assert_true (pe_section (k, &pe, ".rdata", &rva, &size));
      g_assert_true (pe_section (k, &pe, ".text", &rva, &size));
      g_assert_cmphex (rd32 (k, pe.sections + 0x24) & 0x20000020, ==, 0x20000020);
      entry = rd32 (k, oh + 0x10);
      g_assert_cmpuint (entry, >=, rva);
      g_assert_cmpuint (entry, <, rva + size);

      /* Debug directory: CodeView RSDS with a PDB name. */
      debug = m->base + rd32 (k, oh + 0x70 + 6 * 8);
      g_assert_cmpuint (rd32 (k, debug + 0x0C), ==, 2);
      g_assert_cmphex (rd32 (k, m->base + rd32 (k, debug + 0x14)), ==, 0x53445352);
      pdb = rd_cstring (k, m->base + rd32 (k, debug + 0x14) + 24);
      g_assert_true (g_str_has_suffix (pdb, ".pdb"));
      g_assert_null (strchr (pdb, '/'));
      g_assert_null (strchr (pdb, '\\'));
      if (i == 0)
        g_assert_cmpstr (pdb, ==, "ntoskrnl.pdb");
    }
  kdh_sim_kernel_free (k);
}

static void
test_pe_exports (void)
{
  static const gchar *const nt_required[] = {
    "DbgBreakPointWithStatus", "DbgBreakPoint", "DbgPrint", "DbgPrintEx", "KeBugCheckEx",
    "KeQueryPerformanceCounter", "PsLoadedModuleList", "KdDebuggerDataBlock",
    "KeNumberProcessors", "NtBuildNumber", "PsActiveProcessHead", "KiProcessorBlock",
    "ExAllocatePoolWithTag", "RtlInitUnicodeString", "MmGetSystemRoutineAddress",
    "KeUpdateSystemTime",
  };
  KdhSimKernel *k = kdh_sim_kernel_new (3, 1);
  guint64 a, kdbg;
  guint8 code[8];
  PeInfo pe;
  KdhVersion v;

  for (guint i = 0; i < kdh_sim_kernel_n_modules (k); i++)
    {
      const KdhSimModule *m = kdh_sim_kernel_module (k, i);
      guint64 dir;
      guint32 n, names, ordinals;
      g_autofree gchar *dll = NULL;
      g_autofree gchar *prev = NULL;

      pe_parse (k, m->base, &pe);
      if (pe.export_size == 0)
        continue;
      dir = m->base + pe.export_rva;
      dll = rd_cstring (k, m->base + rd32 (k, dir + 0x0C));
      g_assert_cmpstr (dll, ==, m->file_name);
      n = rd32 (k, dir + 0x18);
      g_assert_cmpuint (n, <=, rd32 (k, dir + 0x14));          /* names <= functions */
      names = rd32 (k, dir + 0x20);
      ordinals = rd32 (k, dir + 0x24);

      /* Names strictly ascending; each resolves to what lookup_export says
       * and lies inside the image. */
      for (guint j = 0; j < n; j++)
        {
          g_autofree gchar *name = rd_cstring (k, m->base + rd32 (k, m->base + names + 4 * j));

          if (prev != NULL)
            g_assert_cmpint (strcmp (prev, name), <, 0);
          g_assert_cmpuint (rd16 (k, m->base + ordinals + 2 * j), <, rd32 (k, dir + 0x14));
          a = pe_find_export (k, &pe, name);
          g_assert_cmphex (a, ==, kdh_sim_kernel_lookup_export (k, m->base_name, name));
          g_assert_true (in_module (k, m->base_name, a));
          g_clear_pointer (&prev, g_free);
          prev = g_steal_pointer (&name);
        }
    }
  pe_parse (k, KDH_SIM_NT_BASE, &pe);
  for (guint i = 0; i < G_N_ELEMENTS (nt_required); i++)
    {
      a = pe_find_export (k, &pe, nt_required[i]);
      g_assert_cmphex (a, !=, 0);
      g_assert_cmphex (a, ==, kdh_sim_kernel_lookup_export (k, "nt", nt_required[i]));
    }
  g_assert_cmphex (pe_find_export (k, &pe, "NoSuchRoutine"), ==, 0);
  g_assert_cmphex (kdh_sim_kernel_lookup_export (k, "nt", "NoSuchRoutine"), ==, 0);
  g_assert_cmphex (kdh_sim_kernel_lookup_export (k, "nosuchmodule", "DbgPrint"), ==, 0);
  g_assert_cmphex (kdh_sim_kernel_lookup_export (k, "ntoskrnl", "DbgPrint"), ==,
                   kdh_sim_kernel_lookup_export (k, "nt", "DbgPrint"));

  /* KdDebuggerDataBlock by name is the block DebuggerDataList leads to. */
  kdh_sim_kernel_get_version (k, &v);
  kdbg = pe_find_export (k, &pe, "KdDebuggerDataBlock");
  g_assert_cmphex (kdbg, ==, kdh_sim_kernel_lookup_export (k, "nt", "KdDebuggerDataBlock"));
  g_assert_cmphex (kdbg, ==, rd64 (k, v.debugger_data_list));
  g_assert_cmphex (pe_find_export (k, &pe, "PsLoadedModuleList"), ==, v.ps_loaded_module_list);

  /* Code and data behind the exports. */
  a = pe_find_export (k, &pe, "DbgBreakPointWithStatus");
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, a, code, 2), ==, 2);
  g_assert_cmphex (code[0], ==, 0xCC);
  g_assert_cmphex (code[1], ==, 0xC3);
  a = pe_find_export (k, &pe, "KeBugCheckEx");
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, a, code, 1), ==, 1);
  g_assert_cmphex (code[0], !=, 0x00);                          /* code, not padding */
  g_assert_cmphex (code[0], !=, 0xCC);
  g_assert_cmphex (rd32 (k, pe_find_export (k, &pe, "NtBuildNumber")), ==, 0xF0004A61);
  g_assert_cmpuint (rd32 (k, pe_find_export (k, &pe, "KeNumberProcessors")), ==, 3);

  /* The test driver's routine. */
  pe_parse (k, module_named (k, "kdhtest")->base, &pe);
  a = pe_find_export (k, &pe, "KdhTestTick");
  g_assert_cmphex (a, ==, kdh_sim_kernel_lookup_export (k, "kdhtest", "KdhTestTick"));
  g_assert_true (in_module (k, "kdhtest", a));
  g_assert_cmphex (rd8 (k, a), !=, 0);
  kdh_sim_kernel_free (k);
}

/* ---- Kernel data ---------------------------------------------------------- */

static void
test_module_list (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  KdhVersion v;
  guint64 head, e, prev;
  guint n = 0;

  kdh_sim_kernel_get_version (k, &v);
  head = v.ps_loaded_module_list;
  prev = head;
  for (e = rd64 (k, head); e != head && n < 64; e = rd64 (k, e), n++)
    {
      const KdhSimModule *m = kdh_sim_kernel_module (k, n);
      g_autofree gchar *full = rd_unicode_string (k, e + 0x48);
      g_autofree gchar *base = rd_unicode_string (k, e + 0x58);
      guint64 entry = rd64 (k, e + 0x38);

      g_assert_nonnull (m);
      g_assert_cmphex (rd64 (k, e + 8), ==, prev);              /* Blink */
      g_assert_cmphex (rd64 (k, e + 0x30), ==, m->base);        /* DllBase */
      g_assert_cmphex (rd32 (k, e + 0x40), ==, m->size_of_image);
      g_assert_cmpstr (full, ==, m->full_path);
      g_assert_cmpstr (base, ==, m->file_name);
      g_assert_cmpuint (rd16 (k, e + 0x48), ==, 2 * strlen (m->full_path));
      g_assert_cmpuint (rd16 (k, e + 0x4A), ==, rd16 (k, e + 0x48) + 2);
      g_assert_cmpuint (rd16 (k, rd64 (k, e + 0x50) + rd16 (k, e + 0x48)), ==, 0); /* NUL */
      g_assert_cmpuint (entry, >, m->base);
      g_assert_cmpuint (entry, <, m->base + m->size_of_image);
      prev = e;
    }
  g_assert_cmpuint (n, ==, kdh_sim_kernel_n_modules (k));
  g_assert_cmphex (rd64 (k, head + 8), ==, prev);               /* head.Blink = last */

  g_assert_cmpstr (kdh_sim_kernel_module (k, 0)->base_name, ==, "nt");
  g_assert_cmpstr (kdh_sim_kernel_module (k, 1)->file_name, ==, "hal.dll");
  g_assert_cmpstr (kdh_sim_kernel_module (k, 2)->file_name, ==, "kdcom.dll");
  g_assert_cmpstr (kdh_sim_kernel_module (k, 3)->full_path, ==,
                   "\\SystemRoot\\system32\\drivers\\kdhtest.sys");
  g_assert_null (kdh_sim_kernel_module (k, n));

  /* No two images overlap each other or the pattern region. */
  for (guint i = 0; i < n; i++)
    {
      const KdhSimModule *a = kdh_sim_kernel_module (k, i);

      g_assert_true (a->base >= PATTERN_END
                     || a->base + a->size_of_image <= KDH_SIM_PATTERN_BASE);
      for (guint j = i + 1; j < n; j++)
        {
          const KdhSimModule *b = kdh_sim_kernel_module (k, j);

          g_assert_true (a->base + a->size_of_image <= b->base
                         || b->base + b->size_of_image <= a->base);
        }
    }
  kdh_sim_kernel_free (k);
}

static void
test_debugger_data (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  KdhVersion v;
  guint64 kdbg;
  guint8 block[0x368];
  g_autofree gchar *lab = NULL;

  kdh_sim_kernel_get_version (k, &v);
  kdbg = rd64 (k, v.debugger_data_list);
  g_assert_cmphex (rd64 (k, kdbg), ==, v.debugger_data_list);     /* circular */
  g_assert_cmphex (rd64 (k, kdbg + 8), ==, v.debugger_data_list);
  g_assert_cmphex (rd64 (k, v.debugger_data_list + 8), ==, kdbg);

  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, kdbg, block, sizeof block), ==,
                    sizeof block);
  g_assert_cmphex (le (block + 0x10, 4), ==, 0x4742444B);       /* 'KDBG' */
  g_assert_cmphex (le (block + 0x14, 4), ==, 0x368);
  g_assert_cmphex (le (block + 0x18, 8), ==, v.kern_base);
  g_assert_cmphex (le (block + 0x20, 8), ==,
                   kdh_sim_kernel_lookup_export (k, "nt", "DbgBreakPointWithStatus"));
  g_assert_cmphex (le (block + 0x48, 8), ==, v.ps_loaded_module_list);
  g_assert_cmphex (le (block + 0x50, 8), ==,
                   kdh_sim_kernel_lookup_export (k, "nt", "PsActiveProcessHead"));
  g_assert_cmphex (le (block + 0x218, 8), ==,
                   kdh_sim_kernel_lookup_export (k, "nt", "KiProcessorBlock"));
  g_assert_true (in_module (k, "nt", le (block + 0xC0, 8)));     /* MmPfnDatabase */
  g_assert_true (in_module (k, "nt", le (block + 0x268, 8)));    /* CmNtCSDVersion */
  lab = rd_cstring (k, le (block + 0x208, 8));
  g_assert_true (g_str_has_prefix (lab, "19041."));
  kdh_sim_kernel_free (k);
}

static void
test_processes (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 head = kdh_sim_kernel_lookup_export (k, "nt", "PsActiveProcessHead");
  guint64 system = rd64 (k, kdh_sim_kernel_lookup_export (k, "nt", "PsInitialSystemProcess"));
  guint64 e, prev = head;
  guint n = 0;

  for (e = rd64 (k, head); e != head && n < 100; e = rd64 (k, e), n++)
    {
      g_assert_cmphex (rd64 (k, e + 8), ==, prev);
      if (n == 0)
        {
          g_autofree gchar *name = rd_cstring (k, e - 0x448 + 0x5A8);

          g_assert_cmphex (e - 0x448, ==, system);
          g_assert_cmpuint (rd64 (k, e - 8), ==, 4);               /* UniqueProcessId */
          g_assert_cmpstr (name, ==, "System");
        }
      prev = e;
    }
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpuint (n, <, 100);
  g_assert_cmphex (rd64 (k, head + 8), ==, prev);
  kdh_sim_kernel_free (k);
}

/* ---- Memory ------------------------------------------------------------------ */

static void
test_pattern_aligned (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  static const guint64 offsets[] = { 0, 8, 0x1000, 0x7FFFF8, 0x123450, KDH_SIM_PATTERN_SIZE - 8 };
  g_autofree guint8 *page = g_malloc (0x3000);

  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      guint64 a = KDH_SIM_PATTERN_BASE + offsets[i];

      g_assert_cmphex (rd64 (k, a), ==, a ^ KDH_SIM_PATTERN_XOR);
    }
  /* A read across page boundaries */
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, KDH_SIM_PATTERN_BASE + 0x5000, page, 0x3000),
                    ==, 0x3000);
  for (guint i = 0; i < 0x3000; i += 8)
    g_assert_cmphex (le (page + i, 8), ==,
                     (KDH_SIM_PATTERN_BASE + 0x5000 + i) ^ KDH_SIM_PATTERN_XOR);
  kdh_sim_kernel_free (k);
}

static void
test_pattern_unaligned (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint8 buf[37];
  guint64 a = KDH_SIM_PATTERN_BASE + 0xFFD;                     /* crosses a page too */
  guint64 u0 = (a & ~G_GUINT64_CONSTANT (7)) ^ KDH_SIM_PATTERN_XOR;

  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, a, buf, sizeof buf), ==, sizeof buf);
  for (guint i = 0; i < sizeof buf; i++)
    g_assert_cmphex (buf[i], ==, pattern_byte (a + i));
  /* Byte 5 of the u64 at 0xFF8 is the first byte read. */
  g_assert_cmphex (buf[0], ==, (guint8) (u0 >> 40));
  g_assert_cmphex (rd32 (k, KDH_SIM_PATTERN_BASE + 6), ==,
                   (guint32) (((KDH_SIM_PATTERN_BASE ^ KDH_SIM_PATTERN_XOR) >> 48)
                              | (((KDH_SIM_PATTERN_BASE + 8) ^ KDH_SIM_PATTERN_XOR) & 0xFFFF)
                                 << 16));
  kdh_sim_kernel_free (k);
}

static void
test_pattern_end (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint8 buf[100];

  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, PATTERN_END - 16, buf, 32), ==, 16);
  g_assert_cmphex (le (buf + 8, 8), ==, (PATTERN_END - 8) ^ KDH_SIM_PATTERN_XOR);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, PATTERN_END - 3, buf, 100), ==, 3);
  g_assert_cmphex (buf[2], ==, pattern_byte (PATTERN_END - 1));
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, PATTERN_END, buf, 8), ==, 0);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, KDH_SIM_PATTERN_BASE - 4, buf, 8), ==, 0);
  kdh_sim_kernel_free (k);
}

static void
test_pattern_overlay (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 a = KDH_SIM_PATTERN_BASE + 0x10003;
  const guint8 data[5] = { 1, 2, 3, 4, 5 };
  guint8 buf[16];

  g_assert_cmpuint (kdh_sim_kernel_write_virtual (k, a, data, 5), ==, 5);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, a - 3, buf, 16), ==, 16);
  for (guint i = 0; i < 16; i++)
    {
      if (i >= 3 && i < 8)
        g_assert_cmphex (buf[i], ==, data[i - 3]);
      else
        g_assert_cmphex (buf[i], ==, pattern_byte (a - 3 + i));   /* neighbours intact */
    }
  /* The rest of the written page still holds the pattern. */
  g_assert_cmphex (rd64 (k, a + 0x800 - 3), ==, (a + 0x800 - 3) ^ KDH_SIM_PATTERN_XOR);

  /* A write across the end of the region stops there. */
  g_assert_cmpuint (kdh_sim_kernel_write_virtual (k, PATTERN_END - 2, data, 5), ==, 2);
  g_assert_cmphex (rd16 (k, PATTERN_END - 2), ==, 0x0201);
  kdh_sim_kernel_free (k);
}

static void
test_unmapped (void)
{
  static const guint64 holes[] = {
    0, 0x1000, G_GUINT64_CONSTANT (0x00007FF000000000), G_GUINT64_CONSTANT (0xFFFF800000000000),
    PHYS_BASE, PATTERN_END, G_GUINT64_CONSTANT (0xFFFFF80001B00000),
    G_GUINT64_CONSTANT (0xFFFFF8000FFFF000), G_GUINT64_CONSTANT (0xFFFFFFFFFFFFF000),
  };
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  const KdhSimModule *nt = kdh_sim_kernel_module (k, 0);
  guint8 buf[64];
  gsize actual = 0;
  guint64 kthread, stack_limit, stack_base;

  for (guint i = 0; i < G_N_ELEMENTS (holes); i++)
    {
      g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, holes[i], buf, sizeof buf), ==, 0);
      g_assert_cmpuint (kdh_sim_kernel_write_virtual (k, holes[i], buf, sizeof buf), ==, 0);
      g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, holes[i]), ==, 0);
    }
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, G_GUINT64_CONSTANT (0xFFFFFFFFFFFFFFF0),
                                                 buf, 32), ==, 0);
  /* The end of an image. */
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, nt->base + nt->size_of_image - 8, buf, 64),
                    ==, 8);
  /* Stack guard pages below and above the kernel stack. */
  g_assert_true (kdh_sim_kernel_read_control_space (k, 1, 3, buf, 8, &actual));
  kthread = le (buf, 8);
  stack_limit = rd64 (k, kthread + 0x30);
  stack_base = rd64 (k, kthread + 0x38);
  g_assert_cmpuint (stack_base - stack_limit, ==, 0x6000);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, stack_limit - 8, buf, 16), ==, 0);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, stack_limit, buf, 16), ==, 16);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, stack_base - 8, buf, 16), ==, 8);
  kdh_sim_kernel_free (k);
}

static void
test_physical (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint8 buf[32], vbuf[32];
  const guint8 data[4] = { 0xDE, 0xAD, 0xBE, 0xEF };
  guint64 p = KDH_SIM_PATTERN_BASE - PHYS_BASE + 0x2345;

  g_assert_cmphex (p, ==, 0x402345);
  g_assert_cmpuint (kdh_sim_kernel_read_physical (k, p, buf, sizeof buf), ==, sizeof buf);
  for (guint i = 0; i < sizeof buf; i++)
    g_assert_cmphex (buf[i], ==, pattern_byte (KDH_SIM_PATTERN_BASE + 0x2345 + i));

  /* The kernel image at physical 32 MiB */
  g_assert_cmpuint (kdh_sim_kernel_read_physical (k, 0x2000000, buf, 2), ==, 2);
  g_assert_cmpmem (buf, 2, "MZ", 2);

  g_assert_cmpuint (kdh_sim_kernel_write_physical (k, p, data, 4), ==, 4);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, KDH_SIM_PATTERN_BASE + 0x2345, vbuf, 4), ==, 4);
  g_assert_cmpmem (vbuf, 4, data, 4);

  /* Outside the 256 MiB window, and an unmapped physical page inside it */
  g_assert_cmpuint (kdh_sim_kernel_read_physical (k, 0x10000000, buf, 8), ==, 0);
  g_assert_cmpuint (kdh_sim_kernel_read_physical (k, G_GUINT64_CONSTANT (0xFFFFFFFFFFFFFFF8),
                                                  buf, 8), ==, 0);
  g_assert_cmpuint (kdh_sim_kernel_write_physical (k, 0x10000000, data, 4), ==, 0);
  g_assert_cmpuint (kdh_sim_kernel_read_physical (k, 0, buf, 8), ==, 0);
  g_assert_cmpuint (kdh_sim_kernel_read_physical (k, 0x13FFFFC, buf, 8), ==, 4);
  kdh_sim_kernel_free (k);
}

/* ---- Breakpoints --------------------------------------------------------------- */

static void
test_breakpoint_basic (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  guint64 a = kdh_sim_kernel_lookup_export (k, "nt", "DbgPrint");
  guint8 original = rd8 (k, a);
  guint8 *ctx = kdh_sim_kernel_context (k, 1);
  KdhControlReport r;
  guint8 code[5];
  guint32 h;

  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, a, code, 5), ==, 5);
  g_assert_cmphex (original, !=, 0xCC);
  g_assert_false (kdh_sim_kernel_breakpoint_at (k, a));
  h = kdh_sim_kernel_write_breakpoint (k, a);
  g_assert_cmpuint (h, ==, 1);
  g_assert_true (kdh_sim_kernel_breakpoint_at (k, a));
  g_assert_false (kdh_sim_kernel_breakpoint_at (k, a + 1));
  g_assert_cmphex (rd8 (k, a), ==, 0xCC);                       /* as a real target reads */
  g_assert_cmphex (rd8 (k, a + 1), ==, code[1]);

  /* The control report shows the code, not the int 3. */
  for (guint i = 0; i < 8; i++)
    ctx[CTX_RIP + i] = (guint8) (a >> (8 * i));
  kdh_sim_kernel_control_report (k, 1, &r);
  g_assert_cmpuint (r.instruction_count, ==, 16);
  g_assert_cmpmem (r.instruction_stream, 5, code, 5);

  g_assert_true (kdh_sim_kernel_restore_breakpoint (k, h));
  g_assert_cmphex (rd8 (k, a), ==, original);
  g_assert_false (kdh_sim_kernel_breakpoint_at (k, a));
  g_assert_false (kdh_sim_kernel_restore_breakpoint (k, h));      /* already gone */
  g_assert_false (kdh_sim_kernel_restore_breakpoint (k, 0));
  g_assert_false (kdh_sim_kernel_restore_breakpoint (k, 7));
  g_assert_false (kdh_sim_kernel_restore_breakpoint (k, KDH_SIM_MAX_BREAKPOINTS + 1));

  /* In the pattern region the original byte comes from the pattern. */
  a = KDH_SIM_PATTERN_BASE + 0x333;
  h = kdh_sim_kernel_write_breakpoint (k, a);
  g_assert_cmpuint (h, ==, 1);
  g_assert_cmphex (rd8 (k, a), ==, 0xCC);
  g_assert_true (kdh_sim_kernel_restore_breakpoint (k, h));
  g_assert_cmphex (rd8 (k, a), ==, pattern_byte (a));
  kdh_sim_kernel_free (k);
}

static void
test_breakpoint_reuse (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 a = kdh_sim_kernel_lookup_export (k, "nt", "KeBugCheckEx");
  guint8 at5 = rd8 (k, a + 5);

  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a), ==, 1);
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a + 5), ==, 2);
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a + 10), ==, 3);
  g_assert_true (kdh_sim_kernel_restore_breakpoint (k, 2));
  g_assert_cmphex (rd8 (k, a + 5), ==, at5);
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a + 15), ==, 2);  /* lowest free */
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a + 20), ==, 4);
  kdh_sim_kernel_free (k);
}

static void
test_breakpoint_full (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 a = KDH_SIM_PATTERN_BASE + 0x100;

  for (guint i = 0; i < KDH_SIM_MAX_BREAKPOINTS; i++)
    g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a + i), ==, i + 1);
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a + 100), ==, 0);
  g_assert_cmphex (rd8 (k, a + 100), ==, pattern_byte (a + 100));   /* untouched */
  g_assert_true (kdh_sim_kernel_restore_breakpoint (k, 17));
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a + 100), ==, 17);
  for (guint i = 1; i <= KDH_SIM_MAX_BREAKPOINTS; i++)
    g_assert_true (kdh_sim_kernel_restore_breakpoint (k, i));
  for (guint i = 0; i < 0x80; i++)
    g_assert_cmphex (rd8 (k, a + i), ==, pattern_byte (a + i));
  kdh_sim_kernel_free (k);
}

static void
test_breakpoint_same_address (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 a = kdh_sim_kernel_lookup_export (k, "nt", "DbgPrintEx");
  guint8 original = rd8 (k, a);
  guint32 h1 = kdh_sim_kernel_write_breakpoint (k, a);
  guint32 h2 = kdh_sim_kernel_write_breakpoint (k, a);

  g_assert_cmpuint (h1, !=, h2);
  g_assert_true (kdh_sim_kernel_restore_breakpoint (k, h1));
  g_assert_cmphex (rd8 (k, a), ==, 0xCC);                       /* h2 still there */
  g_assert_true (kdh_sim_kernel_breakpoint_at (k, a));
  g_assert_true (kdh_sim_kernel_restore_breakpoint (k, h2));
  g_assert_cmphex (rd8 (k, a), ==, original);                   /* not h2's view of 0xCC */
  kdh_sim_kernel_free (k);
}

static void
test_breakpoint_write_over (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 a = kdh_sim_kernel_lookup_export (k, "nt", "DbgPrint");
  const guint8 patch[3] = { 0x90, 0x90, 0x90 };
  KdhControlReport r;
  guint8 *ctx = kdh_sim_kernel_context (k, 0);
  guint8 expect[4] = { 0x90, 0x90, 0x90, rd8 (k, a + 3) };
  guint32 h = kdh_sim_kernel_write_breakpoint (k, a + 1);

  g_assert_cmpuint (kdh_sim_kernel_write_virtual (k, a, patch, 3), ==, 3);
  g_assert_cmphex (rd8 (k, a), ==, 0x90);
  g_assert_cmphex (rd8 (k, a + 1), ==, 0xCC);                   /* still armed */
  for (guint i = 0; i < 8; i++)
    ctx[CTX_RIP + i] = (guint8) (a >> (8 * i));
  kdh_sim_kernel_control_report (k, 0, &r);
  g_assert_cmpmem (r.instruction_stream, 4, expect, 4);
  g_assert_true (kdh_sim_kernel_restore_breakpoint (k, h));
  g_assert_cmphex (rd8 (k, a + 1), ==, 0x90);                   /* what the host wrote */
  kdh_sim_kernel_free (k);
}

/* ---- Processors ------------------------------------------------------------------ */

static void
test_control_report (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  const KdhSimModule *t = module_named (k, "kdhtest");
  guint8 *ctx = kdh_sim_kernel_context (k, 0);
  guint64 rip = break_in (k);
  guint8 expect[16];
  KdhControlReport r;
  guint64 end;

  g_assert_cmpuint (kdh_sim_kernel_read_virtual (k, rip, expect, 16), ==, 16);
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, rip + 1), ==, 1);
  kdh_sim_kernel_control_report (k, 0, &r);
  g_assert_cmpuint (r.instruction_count, ==, 16);
  g_assert_cmphex (r.instruction_stream[0], ==, 0xCC);          /* the real int 3 */
  g_assert_cmphex (r.instruction_stream[1], ==, 0xC3);          /* not our breakpoint */
  g_assert_cmpmem (r.instruction_stream, 16, expect, 16);
  g_assert_cmphex (r.report_flags, ==, 0x0003);
  g_assert_cmphex (r.seg_cs, ==, 0x10);
  g_assert_cmphex (r.seg_ds, ==, 0x2B);
  g_assert_cmphex (r.seg_es, ==, 0x2B);
  g_assert_cmphex (r.seg_fs, ==, 0x53);
  g_assert_cmphex (r.eflags, ==, ctx_get (k, 0, CTX_EFLAGS, 4));
  g_assert_cmphex (r.dr6, ==, ctx_get (k, 0, 0x68, 8));
  g_assert_cmphex (r.dr7, ==, ctx_get (k, 0, 0x70, 8));

  /* Five bytes before the end of mapped memory: five bytes reported. */
  end = t->base + t->size_of_image - 5;
  for (guint i = 0; i < 8; i++)
    ctx[CTX_RIP + i] = (guint8) (end >> (8 * i));
  kdh_sim_kernel_control_report (k, 0, &r);
  g_assert_cmpuint (r.instruction_count, ==, 5);
  kdh_sim_kernel_free (k);
}

static void
test_control_space (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (3, 1);
  guint64 block = kdh_sim_kernel_lookup_export (k, "nt", "KiProcessorBlock");
  guint64 lstar = 0;

  for (guint cpu = 0; cpu < 3; cpu++)
    {
      guint8 buf[0x200];
      guint8 special[0xF0];
      gsize actual = 99;
      guint64 kpcr, kprcb, kthread, msr;

      g_assert_true (kdh_sim_kernel_read_control_space (k, cpu, 0, buf, 8, &actual));
      g_assert_cmpuint (actual, ==, 8);
      kpcr = le (buf, 8);
      g_assert_true (kdh_sim_kernel_read_control_space (k, cpu, 1, buf, 16, &actual));
      g_assert_cmpuint (actual, ==, 8);                         /* 8 whatever was asked */
      kprcb = le (buf, 8);
      g_assert_true (kdh_sim_kernel_read_control_space (k, cpu, 3, buf, 8, &actual));
      kthread = le (buf, 8);

      g_assert_cmphex (kprcb, ==, kpcr + 0x180);                /* KPCR.Prcb */
      g_assert_cmphex (rd64 (k, kpcr + 0x18), ==, kpcr);        /* KPCR.Self */
      g_assert_cmphex (rd64 (k, kpcr + 0x20), ==, kprcb);       /* KPCR.CurrentPrcb */
      g_assert_cmphex (rd64 (k, kprcb + 8), ==, kthread);       /* KPRCB.CurrentThread */
      g_assert_cmphex (rd64 (k, block + 8 * cpu), ==, kprcb);   /* KiProcessorBlock[n] */
      g_assert_cmpuint (rd8 (k, kthread), ==, 6);               /* ThreadObject */
      g_assert_true (kdh_sim_kernel_read_msr (k, cpu, 0xC0000101, &msr));
      g_assert_cmphex (msr, ==, kpcr);                          /* GS base */

      g_assert_true (kdh_sim_kernel_read_control_space (k, cpu, 2, buf, sizeof buf, &actual));
      g_assert_cmpuint (actual, ==, 0xF0);
      memcpy (special, buf, sizeof special);
      g_assert_cmphex (le (special + 0x00, 8), ==, 0x80050033);  /* cr0 */
      g_assert_cmphex (le (special + 0x10, 8), !=, 0);            /* cr3 */
      g_assert_cmphex (le (special + 0x56, 2), ==, 0x57);         /* gdtr limit */
      g_assert_cmphex (le (special + 0x66, 2), ==, 0xFFF);        /* idtr limit */
      g_assert_cmphex (le (special + 0x70, 2), ==, 0x40);         /* tr */
      g_assert_cmphex (le (special + 0xA8, 8), ==, kpcr);         /* MsrGsBase */
      g_assert_cmphex (rd64 (k, kpcr), ==, le (special + 0x58, 8));  /* KPCR.GdtBase */
      /* The GDT's kernel code descriptor is a 64-bit code segment. */
      g_assert_cmphex (rd64 (k, le (special + 0x58, 8) + 0x10), ==,
                       G_GUINT64_CONSTANT (0x00209B0000000000));
      g_assert_true (in_module (k, "nt", le (special + 0xC0, 8)));   /* LSTAR */
      lstar = le (special + 0xC0, 8);
      g_assert_true (kdh_sim_kernel_read_msr (k, cpu, 0xC0000082, &msr));
      g_assert_cmphex (msr, ==, lstar);

      /* Short reads carry what was asked for. */
      g_assert_true (kdh_sim_kernel_read_control_space (k, cpu, 2, buf, 0x18, &actual));
      g_assert_cmpuint (actual, ==, 0x18);
    }

  {
    guint8 buf[0xF0];
    gsize actual = 99;
    guint64 msr;

    g_assert_false (kdh_sim_kernel_read_control_space (k, 0, 4, buf, 8, &actual));
    g_assert_cmpuint (actual, ==, 0);
    g_assert_false (kdh_sim_kernel_read_control_space (k, 3, 0, buf, 8, &actual));
    g_assert_cmpuint (actual, ==, 0);
    g_assert_false (kdh_sim_kernel_write_control_space (k, 0, 0, buf, 8, &actual));
    g_assert_false (kdh_sim_kernel_write_control_space (k, 0, 3, buf, 8, &actual));
    g_assert_false (kdh_sim_kernel_write_control_space (k, 7, 2, buf, 8, &actual));

    /* Writes to index 2 read back, MSR reads included. */
    g_assert_true (kdh_sim_kernel_read_control_space (k, 1, 2, buf, sizeof buf, &actual));
    buf[0xC0] ^= 0x10;
    g_assert_true (kdh_sim_kernel_write_control_space (k, 1, 2, buf, sizeof buf, &actual));
    g_assert_cmpuint (actual, ==, 0xF0);
    g_assert_true (kdh_sim_kernel_read_msr (k, 1, 0xC0000082, &msr));
    g_assert_cmphex (msr, ==, lstar ^ 0x10);
    g_assert_true (kdh_sim_kernel_read_msr (k, 0, 0xC0000082, &msr));
    g_assert_cmphex (msr, ==, lstar);                           /* other CPUs unchanged */
  }
  kdh_sim_kernel_free (k);
}

static void
test_msr (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  guint64 v = 0, kgs = 0;

  g_assert_true (kdh_sim_kernel_read_msr (k, 0, 0xC0000080, &v));
  g_assert_cmphex (v, ==, 0xD01);                               /* EFER */
  g_assert_true (kdh_sim_kernel_read_msr (k, 1, 0xC0000081, &v));
  g_assert_cmphex (v, ==, G_GUINT64_CONSTANT (0x0023001000000000));  /* STAR */
  g_assert_true (kdh_sim_kernel_read_msr (k, 1, 0xC0000083, &v));
  g_assert_true (in_module (k, "nt", v));                       /* CSTAR */
  g_assert_true (kdh_sim_kernel_read_msr (k, 0, 0xC0000084, &v));
  g_assert_cmphex (v, ==, 0x4700);                              /* SFMASK */
  g_assert_true (kdh_sim_kernel_read_msr (k, 0, 0xC0000102, &kgs));
  g_assert_cmphex (kgs, <, G_GUINT64_CONSTANT (0x0000800000000000)); /* a user TEB */
  g_assert_true (kdh_sim_kernel_read_msr (k, 0, 0xC0000101, &v));
  g_assert_cmphex (v, >=, G_GUINT64_CONSTANT (0xFFFF800000000000));
  g_assert_false (kdh_sim_kernel_read_msr (k, 0, 0x12345678, &v));
  g_assert_false (kdh_sim_kernel_read_msr (k, 2, 0xC0000080, &v));
  kdh_sim_kernel_free (k);
}

static void
test_context (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (4, 1);
  const KdhSimModule *nt = kdh_sim_kernel_module (k, 0);

  for (guint cpu = 0; cpu < 4; cpu++)
    {
      guint8 buf[8];
      gsize actual;
      guint64 kthread, rsp, rip;

      g_assert_true (kdh_sim_kernel_read_control_space (k, cpu, 3, buf, 8, &actual));
      kthread = le (buf, 8);
      rsp = ctx_get (k, cpu, CTX_RSP, 8);
      rip = ctx_get (k, cpu, CTX_RIP, 8);
      g_assert_cmphex (ctx_get (k, cpu, CTX_FLAGS, 4), ==, 0x10001F);
      g_assert_cmphex (ctx_get (k, cpu, CTX_SEG_CS, 2), ==, 0x10);
      g_assert_cmphex (ctx_get (k, cpu, CTX_SEG_SS, 2), ==, 0x18);
      g_assert_cmphex (ctx_get (k, cpu, CTX_SEG_DS, 2), ==, 0x2B);
      g_assert_cmphex (ctx_get (k, cpu, CTX_SEG_ES, 2), ==, 0x2B);
      g_assert_cmphex (ctx_get (k, cpu, CTX_SEG_GS, 2), ==, 0x2B);
      g_assert_cmphex (ctx_get (k, cpu, CTX_SEG_FS, 2), ==, 0x53);
      g_assert_cmphex (ctx_get (k, cpu, CTX_EFLAGS, 4) & 0x200, ==, 0x200);
      g_assert_cmpuint (rsp, >, rd64 (k, kthread + 0x30));     /* StackLimit */
      g_assert_cmpuint (rsp, <, rd64 (k, kthread + 0x38));     /* StackBase */
      g_assert_cmpuint (rip, >, nt->base + 0x1000);
      g_assert_cmpuint (rip, <, nt->base + nt->size_of_image);
      g_assert_cmphex (rd8 (k, rip - 1), ==, 0xF4);            /* just after a hlt */
    }
  g_assert_null (kdh_sim_kernel_context (k, 4));
  kdh_sim_kernel_free (k);
}

static void
test_reboot (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 5);
  guint8 *ctx = kdh_sim_kernel_context (k, 1);
  guint64 a = kdh_sim_kernel_lookup_export (k, "nt", "DbgPrint");
  guint64 p = KDH_SIM_PATTERN_BASE + 0x40;
  guint64 rip = ctx_get (k, 1, CTX_RIP, 8);
  guint64 rsp = ctx_get (k, 1, CTX_RSP, 8);
  guint64 count = kdh_sim_kernel_lookup_export (k, "kdhtest", "KdhTestTickCount");
  KdhSimEvent ev;
  const guint8 zero[8] = { 0 };
  guint8 special[0xF0], special2[0xF0];
  gsize actual;
  guint64 cr3;

  g_assert_true (kdh_sim_kernel_read_control_space (k, 0, 2, special, sizeof special, &actual));
  cr3 = le (special + 0x10, 8);
  g_assert_cmpuint (kdh_sim_kernel_write_breakpoint (k, a), ==, 1);
  g_assert_cmpuint (kdh_sim_kernel_write_virtual (k, p, zero, 8), ==, 8);
  g_assert_cmpuint (kdh_sim_kernel_write_virtual (k, KDH_SIM_NT_BASE, zero, 2), ==, 2);
  special[0x10] ^= 0xFF;
  g_assert_true (kdh_sim_kernel_write_control_space (k, 0, 2, special, sizeof special, &actual));
  g_assert_false (kdh_sim_kernel_execute (k, 20000, &ev));
  g_assert_cmpuint (rd64 (k, count), ==, 10);                  /* 5 ticks, 2 processors */
  g_assert_cmphex (ctx_get (k, 1, CTX_RIP, 8), ==, rip);        /* idle again */
  g_assert_cmphex (ctx_get (k, 1, CTX_RSP, 8), ==, rsp);

  kdh_sim_kernel_reboot (k);
  g_assert_true (kdh_sim_kernel_context (k, 1) == ctx);        /* same storage */
  g_assert_cmphex (ctx_get (k, 1, CTX_RIP, 8), ==, rip);
  g_assert_cmphex (ctx_get (k, 1, CTX_RSP, 8), ==, rsp);
  g_assert_false (kdh_sim_kernel_breakpoint_at (k, a));
  g_assert_false (kdh_sim_kernel_restore_breakpoint (k, 1));
  g_assert_cmphex (rd8 (k, a), ==, 0x48);
  g_assert_cmphex (rd64 (k, p), ==, p ^ KDH_SIM_PATTERN_XOR);
  g_assert_cmphex (rd16 (k, KDH_SIM_NT_BASE), ==, 0x5A4D);
  g_assert_cmpuint (rd64 (k, count), ==, 0);
  g_assert_true (kdh_sim_kernel_read_control_space (k, 0, 2, special2, sizeof special2, &actual));
  g_assert_cmphex (le (special2 + 0x10, 8), ==, cr3);
  g_assert_cmphex (kdh_sim_kernel_lookup_export (k, "nt", "DbgPrint"), ==, a);
  kdh_sim_kernel_free (k);
}

/* The seed changes live values only, never the layout a host relies on. */
static void
test_seed (void)
{
  KdhSimKernel *a = kdh_sim_kernel_new (2, 1);
  KdhSimKernel *b = kdh_sim_kernel_new (2, 0xDEADBEEF12345678);
  g_autofree guint8 *ba = g_malloc (0x10000);
  g_autofree guint8 *bb = g_malloc (0x10000);
  KdhVersion va, vb;
  guint8 ka[0x368], kb[0x368];
  guint32 nt_size;

  kdh_sim_kernel_get_version (a, &va);
  kdh_sim_kernel_get_version (b, &vb);
  g_assert_cmpmem (&va, sizeof va, &vb, sizeof vb);
  nt_size = kdh_sim_kernel_module (a, 0)->size_of_image;
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (a, KDH_SIM_NT_BASE, ba, nt_size), ==, nt_size);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (b, KDH_SIM_NT_BASE, bb, nt_size), ==, nt_size);
  g_assert_cmpmem (ba, nt_size, bb, nt_size);
  kdh_sim_kernel_read_virtual (a, rd64 (a, va.debugger_data_list), ka, sizeof ka);
  kdh_sim_kernel_read_virtual (b, rd64 (b, vb.debugger_data_list), kb, sizeof kb);
  g_assert_cmpmem (ka, sizeof ka, kb, sizeof kb);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (a, KDH_SIM_PATTERN_BASE, ba, 0x1000), ==, 0x1000);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (b, KDH_SIM_PATTERN_BASE, bb, 0x1000), ==, 0x1000);
  g_assert_cmpmem (ba, 0x1000, bb, 0x1000);
  kdh_sim_kernel_free (a);
  kdh_sim_kernel_free (b);
}

static void
test_cpu_count (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (64, 1);
  guint64 block = kdh_sim_kernel_lookup_export (k, "nt", "KiProcessorBlock");
  guint8 buf[8];
  gsize actual;

  g_assert_cmpuint (kdh_sim_kernel_n_cpus (k), ==, 64);
  g_assert_true (kdh_sim_kernel_read_control_space (k, 63, 1, buf, 8, &actual));
  g_assert_cmphex (rd64 (k, block + 8 * 63), ==, le (buf, 8));
  g_assert_cmpuint (rd32 (k, kdh_sim_kernel_lookup_export (k, "nt", "KeNumberProcessors")), ==, 64);
  kdh_sim_kernel_free (k);

  k = kdh_sim_kernel_new (1, 1);
  g_assert_cmphex (rd64 (k, kdh_sim_kernel_lookup_export (k, "nt", "KiProcessorBlock") + 8), ==, 0);
  kdh_sim_kernel_free (k);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/kernel/version", test_version);
  g_test_add_func ("/sim/kernel/pe/headers", test_pe_headers);
  g_test_add_func ("/sim/kernel/pe/exports", test_pe_exports);
  g_test_add_func ("/sim/kernel/module-list", test_module_list);
  g_test_add_func ("/sim/kernel/debugger-data", test_debugger_data);
  g_test_add_func ("/sim/kernel/processes", test_processes);
  g_test_add_func ("/sim/kernel/memory/pattern-aligned", test_pattern_aligned);
  g_test_add_func ("/sim/kernel/memory/pattern-unaligned", test_pattern_unaligned);
  g_test_add_func ("/sim/kernel/memory/pattern-end", test_pattern_end);
  g_test_add_func ("/sim/kernel/memory/pattern-overlay", test_pattern_overlay);
  g_test_add_func ("/sim/kernel/memory/unmapped", test_unmapped);
  g_test_add_func ("/sim/kernel/memory/physical", test_physical);
  g_test_add_func ("/sim/kernel/breakpoint/basic", test_breakpoint_basic);
  g_test_add_func ("/sim/kernel/breakpoint/reuse", test_breakpoint_reuse);
  g_test_add_func ("/sim/kernel/breakpoint/full", test_breakpoint_full);
  g_test_add_func ("/sim/kernel/breakpoint/same-address", test_breakpoint_same_address);
  g_test_add_func ("/sim/kernel/breakpoint/write-over", test_breakpoint_write_over);
  g_test_add_func ("/sim/kernel/cpu/control-report", test_control_report);
  g_test_add_func ("/sim/kernel/cpu/control-space", test_control_space);
  g_test_add_func ("/sim/kernel/cpu/msr", test_msr);
  g_test_add_func ("/sim/kernel/cpu/context", test_context);
  g_test_add_func ("/sim/kernel/cpu/count", test_cpu_count);
  g_test_add_func ("/sim/kernel/reboot", test_reboot);
  g_test_add_func ("/sim/kernel/seed", test_seed);

  return g_test_run ();
}
