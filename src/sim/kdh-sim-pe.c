/* kdh-sim-pe.c: the simulated kernel's module images (PE32+ headers, code, exports)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each module gets what a debugger reads from a real image in memory: a DOS
 * header and stub, PE32+ headers with a section table, a CodeView debug
 * record naming its PDB, and an export directory. Exported routines hold
 * short, valid x64 instruction sequences so that a disassembler shows
 * something sensible; the space between them is int 3 filler, as MSVC
 * leaves it. Only the pages written here exist; the rest of each image
 * reads as zeros.
 */

#include <string.h>

#include <glib.h>

#include "kdh-sim-kernel-private.h"

/* IMAGE_SCN_* combinations */
#define SCN_TEXT   0x68000020u  /* code, not paged, execute, read */
#define SCN_PAGE   0x60000020u  /* code, execute, read */
#define SCN_INIT   0x62000020u  /* code, discardable, execute, read */
#define SCN_RDATA  0x48000040u  /* initialized data, not paged, read */
#define SCN_DATA   0xC8000040u  /* initialized data, not paged, read, write */
#define SCN_RSRC   0x40000040u
#define SCN_RELOC  0x42000040u  /* discardable */

#define FILE_EXE   0x0022u      /* EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE */
#define FILE_DLL   0x2022u      /* ... | DLL */

#define E_LFANEW        0x100u
#define SIZE_OF_HEADERS 0x400u

typedef struct {
  const gchar *name;
  guint32 rva;
  guint32 size;
  guint32 characteristics;
} SectionSpec;

typedef struct {
  const SectionSpec *sections;
  guint n_sections;
  const gchar *pdb_name;
  guint16 file_characteristics;
} ImageSpec;

/* Load order, as PsLoadedModuleList lists them. */
static const KdhSimModule modules[KDH_SIM_N_MODULES] = {
  { "nt", "ntoskrnl.exe", "\\SystemRoot\\system32\\ntoskrnl.exe",
    KDH_SIM_NT_BASE, 0xAB6000, 0x00A4F2C1, 0x6C1B8E2D },
  { "hal", "hal.dll", "\\SystemRoot\\system32\\hal.dll",
    G_GUINT64_CONSTANT (0xFFFFF80001C00000), 0x9F000, 0x000A6D3B, 0x1E3A57C4 },
  { "kdcom", "kdcom.dll", "\\SystemRoot\\system32\\kdcom.dll",
    G_GUINT64_CONSTANT (0xFFFFF80001D00000), 0xB000, 0x00011E4F, 0x9B6D2F10 },
  { "kdhtest", "kdhtest.sys", "\\SystemRoot\\system32\\drivers\\kdhtest.sys",
    G_GUINT64_CONSTANT (0xFFFFF80003000000), 0x8000, 0x0000D9A2, 0x69A1C000 },
  { "CI", "CI.dll", "\\SystemRoot\\system32\\CI.dll",
    G_GUINT64_CONSTANT (0xFFFFF80003100000), 0xC7000, 0x000C93F0, 0x0F3A8B52 },
  { "ACPI", "ACPI.sys", "\\SystemRoot\\System32\\drivers\\ACPI.sys",
    G_GUINT64_CONSTANT (0xFFFFF80003200000), 0xD3000, 0x000DB6E7, 0xA1C40E93 },
  { "Ntfs", "Ntfs.sys", "\\SystemRoot\\System32\\Drivers\\Ntfs.sys",
    G_GUINT64_CONSTANT (0xFFFFF80003400000), 0x2A0000, 0x002A5D18, 0x4B7E21A6 },
};

static const SectionSpec nt_sections[] = {
  { ".text",  0x001000, 0x3FE000, SCN_TEXT },
  { ".rdata", 0x3FF000, 0x0F0000, SCN_RDATA },
  { ".data",  0x4EF000, 0x120000, SCN_DATA },
  { ".pdata", 0x60F000, 0x050000, SCN_RDATA },
  { "PAGE",   0x65F000, 0x3A0000, SCN_PAGE },
  { "INIT",   0x9FF000, 0x0A0000, SCN_INIT },
  { ".rsrc",  0xA9F000, 0x00F000, SCN_RSRC },
  { ".reloc", 0xAAE000, 0x008000, SCN_RELOC },
};

static const SectionSpec hal_sections[] = {
  { ".text",  0x01000, 0x5E000, SCN_TEXT },
  { ".rdata", 0x5F000, 0x18000, SCN_RDATA },
  { ".data",  0x77000, 0x10000, SCN_DATA },
  { ".pdata", 0x87000, 0x06000, SCN_RDATA },
  { "INIT",   0x8D000, 0x08000, SCN_INIT },
  { ".rsrc",  0x95000, 0x01000, SCN_RSRC },
  { ".reloc", 0x96000, 0x09000, SCN_RELOC },
};

static const SectionSpec kdcom_sections[] = {
  { ".text",  0x1000, 0x4000, SCN_TEXT },
  { ".rdata", 0x5000, 0x2000, SCN_RDATA },
  { ".data",  0x7000, 0x1000, SCN_DATA },
  { ".pdata", 0x8000, 0x1000, SCN_RDATA },
  { "INIT",   0x9000, 0x1000, SCN_INIT },
  { ".reloc", 0xA000, 0x1000, SCN_RELOC },
};

static const SectionSpec kdhtest_sections[] = {
  { ".text",  0x1000, 0x2000, SCN_TEXT },
  { ".rdata", 0x3000, 0x1000, SCN_RDATA },
  { ".data",  0x4000, 0x1000, SCN_DATA },
  { ".pdata", 0x5000, 0x1000, SCN_RDATA },
  { "INIT",   0x6000, 0x1000, SCN_INIT },
  { ".reloc", 0x7000, 0x1000, SCN_RELOC },
};

static const SectionSpec ci_sections[] = {
  { ".text",  0x01000, 0x8E000, SCN_TEXT },
  { ".rdata", 0x8F000, 0x1C000, SCN_RDATA },
  { ".data",  0xAB000, 0x06000, SCN_DATA },
  { ".pdata", 0xB1000, 0x07000, SCN_RDATA },
  { "PAGE",   0xB8000, 0x08000, SCN_PAGE },
  { "INIT",   0xC0000, 0x04000, SCN_INIT },
  { ".rsrc",  0xC4000, 0x01000, SCN_RSRC },
  { ".reloc", 0xC5000, 0x02000, SCN_RELOC },
};

static const SectionSpec acpi_sections[] = {
  { ".text",  0x01000, 0x9A000, SCN_TEXT },
  { ".rdata", 0x9B000, 0x1A000, SCN_RDATA },
  { ".data",  0xB5000, 0x08000, SCN_DATA },
  { ".pdata", 0xBD000, 0x08000, SCN_RDATA },
  { "INIT",   0xC5000, 0x09000, SCN_INIT },
  { ".rsrc",  0xCE000, 0x01000, SCN_RSRC },
  { ".reloc", 0xCF000, 0x04000, SCN_RELOC },
};

static const SectionSpec ntfs_sections[] = {
  { ".text",  0x001000, 0x1DF000, SCN_TEXT },
  { ".rdata", 0x1E0000, 0x058000, SCN_RDATA },
  { ".data",  0x238000, 0x01A000, SCN_DATA },
  { ".pdata", 0x252000, 0x022000, SCN_RDATA },
  { "INIT",   0x274000, 0x01E000, SCN_INIT },
  { ".rsrc",  0x292000, 0x001000, SCN_RSRC },
  { ".reloc", 0x293000, 0x00D000, SCN_RELOC },
};

static const ImageSpec image_specs[KDH_SIM_N_MODULES] = {
  { nt_sections, G_N_ELEMENTS (nt_sections), "ntkrnlmp.pdb", FILE_EXE },
  { hal_sections, G_N_ELEMENTS (hal_sections), "hal.pdb", FILE_DLL },
  { kdcom_sections, G_N_ELEMENTS (kdcom_sections), "kdcom.pdb", FILE_DLL },
  { kdhtest_sections, G_N_ELEMENTS (kdhtest_sections), "kdhtest.pdb", FILE_EXE },
  { ci_sections, G_N_ELEMENTS (ci_sections), "ci.pdb", FILE_DLL },
  { acpi_sections, G_N_ELEMENTS (acpi_sections), "acpi.pdb", FILE_EXE },
  { ntfs_sections, G_N_ELEMENTS (ntfs_sections), "ntfs.pdb", FILE_EXE },
};

guint
_kdh_sim_n_modules (void)
{
  return KDH_SIM_N_MODULES;
}

const KdhSimModule *
_kdh_sim_module (guint index)
{
  return index < KDH_SIM_N_MODULES ? &modules[index] : NULL;
}

/* ---- Image builder ---------------------------------------------------- */

typedef struct {
  KdhSimKernel *k;
  guint index;
  const KdhSimModule *mod;
  const ImageSpec *spec;
  /* Allocation cursors, as RVAs. */
  guint32 text;
  guint32 init;
  guint32 data;
  guint32 rdata;
  guint32 entry;
  GArray *exports;
} Image;

static const SectionSpec *
find_section (const ImageSpec *spec,
              const gchar     *name)
{
  for (guint i = 0; i < spec->n_sections; i++)
    if (g_str_equal (spec->sections[i].name, name))
      return &spec->sections[i];
  g_assert_not_reached ();
  return NULL;
}

static void
image_init (Image        *img,
            KdhSimKernel *k,
            guint         index)
{
  img->k = k;
  img->index = index;
  img->mod = &modules[index];
  img->spec = &image_specs[index];
  img->text = find_section (img->spec, ".text")->rva;
  img->init = find_section (img->spec, "INIT")->rva;
  img->data = find_section (img->spec, ".data")->rva;
  img->rdata = find_section (img->spec, ".rdata")->rva;
  img->entry = 0;
  img->exports = g_array_new (FALSE, FALSE, sizeof (KdhSimExport));

  _kdh_sim_map (k, img->mod->base, img->mod->size_of_image, FALSE);
}

static void
poke_rva (Image       *img,
          guint32      rva,
          const void  *data,
          gsize        len)
{
  _kdh_sim_poke (img->k, img->mod->base + rva, data, len);
}

static void
add_export (Image       *img,
            const gchar *name,
            guint32      rva)
{
  KdhSimExport e = { name, img->mod->base + rva };

  g_array_append_val (img->exports, e);
}

/* Places code at the next 16-byte boundary of a code cursor, padding with
 * int 3 as the compiler does, and exports it when @name is given. */
static guint32
emit (Image        *img,
      guint32      *cursor,
      const gchar  *name,
      const guint8 *code,
      gsize         len)
{
  guint32 rva = (*cursor + 15) & ~15u;
  guint8 pad[16];

  memset (pad, 0xCC, sizeof pad);
  if (rva > *cursor)
    poke_rva (img, *cursor, pad, rva - *cursor);
  poke_rva (img, rva, code, len);
  *cursor = rva + (guint32) len;
  if (name != NULL)
    add_export (img, name, rva);
  return rva;
}

/* Fills in the rel32 of an instruction at @insn_rva + @disp_offset whose
 * next instruction starts at @insn_rva + @next_offset. */
static void
patch_rel32 (Image   *img,
             guint32  insn_rva,
             guint    disp_offset,
             guint    next_offset,
             guint64  target)
{
  guint64 next = img->mod->base + insn_rva + next_offset;

  _kdh_sim_poke_u32 (img->k, img->mod->base + insn_rva + disp_offset,
                     (guint32) (target - next));
}

/* An ordinary routine: one of a few compiler-shaped bodies, chosen by name
 * so that neighbouring routines differ. */
static guint32
emit_routine (Image       *img,
              guint32     *cursor,
              const gchar *name,
              guint        variant)
{
  static const guint8 v0[] = {
    0x48, 0x89, 0x5C, 0x24, 0x08,         /* mov [rsp+8], rbx */
    0x57,                                 /* push rdi */
    0x48, 0x83, 0xEC, 0x20,               /* sub rsp, 20h */
    0x48, 0x8B, 0xD9,                     /* mov rbx, rcx */
    0x33, 0xC0,                           /* xor eax, eax */
    0x48, 0x8B, 0x5C, 0x24, 0x30,         /* mov rbx, [rsp+30h] */
    0x48, 0x83, 0xC4, 0x20,               /* add rsp, 20h */
    0x5F,                                 /* pop rdi */
    0xC3,                                 /* ret */
  };
  static const guint8 v1[] = {
    0x48, 0x89, 0x5C, 0x24, 0x08,         /* mov [rsp+8], rbx */
    0x48, 0x89, 0x74, 0x24, 0x10,         /* mov [rsp+10h], rsi */
    0x57,                                 /* push rdi */
    0x48, 0x83, 0xEC, 0x30,               /* sub rsp, 30h */
    0x48, 0x8B, 0xF2,                     /* mov rsi, rdx */
    0x48, 0x8B, 0xD9,                     /* mov rbx, rcx */
    0x33, 0xC0,                           /* xor eax, eax */
    0x48, 0x8B, 0x5C, 0x24, 0x40,         /* mov rbx, [rsp+40h] */
    0x48, 0x8B, 0x74, 0x24, 0x48,         /* mov rsi, [rsp+48h] */
    0x48, 0x83, 0xC4, 0x30,               /* add rsp, 30h */
    0x5F,                                 /* pop rdi */
    0xC3,                                 /* ret */
  };
  static const guint8 v2[] = {
    0x48, 0x83, 0xEC, 0x28,               /* sub rsp, 28h */
    0x45, 0x33, 0xC9,                     /* xor r9d, r9d */
    0x48, 0x8B, 0xC1,                     /* mov rax, rcx */
    0x48, 0x83, 0xC4, 0x28,               /* add rsp, 28h */
    0xC3,                                 /* ret */
  };
  static const guint8 v3[] = {
    0x48, 0x8B, 0xC1,                     /* mov rax, rcx */
    0x48, 0x85, 0xC0,                     /* test rax, rax */
    0x0F, 0x95, 0xC0,                     /* setne al */
    0xC3,                                 /* ret */
  };

  switch (variant % 4)
    {
    case 0: return emit (img, cursor, name, v0, sizeof v0);
    case 1: return emit (img, cursor, name, v1, sizeof v1);
    case 2: return emit (img, cursor, name, v2, sizeof v2);
    default: return emit (img, cursor, name, v3, sizeof v3);
    }
}

static void
emit_routines (Image              *img,
               const gchar *const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    emit_routine (img, &img->text, names[i], g_str_hash (names[i]));
}

/* A zero-filled variable in .data, exported when @name is given. */
static guint64
data_var (Image       *img,
          const gchar *name,
          guint32      size,
          guint32      align)
{
  guint32 rva = (img->data + align - 1) & ~(align - 1);

  img->data = rva + size;
  if (name != NULL)
    add_export (img, name, rva);
  return img->mod->base + rva;
}

static void
emit_entry (Image *img)
{
  img->entry = emit_routine (img, &img->init, NULL, 1);
}

/* ---- Headers, debug directory and export directory --------------------- */

static gint
compare_export_names (gconstpointer a,
                      gconstpointer b)
{
  const KdhSimExport *ea = *(const KdhSimExport *const *) a;
  const KdhSimExport *eb = *(const KdhSimExport *const *) b;

  return strcmp (ea->name, eb->name);
}

/* Writes the export directory at @rva in the layout link.exe uses: the
 * directory, the address table (in the order the exports were defined, so
 * that a host must really go through the ordinal table), the name pointers
 * sorted by name, the ordinals, then the strings. Returns its size. */
static guint32
write_exports (Image   *img,
               guint32  rva)
{
  KdhSimKernel *k = img->k;
  guint64 base = img->mod->base;
  guint n = img->exports->len;
  guint32 eat = rva + 40;
  guint32 names = eat + 4 * n;
  guint32 ordinals = names + 4 * n;
  guint32 strings = ordinals + 2 * n;
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  guint64 at = base + rva;

  for (guint i = 0; i < n; i++)
    {
      KdhSimExport *e = &g_array_index (img->exports, KdhSimExport, i);

      _kdh_sim_poke_u32 (k, base + eat + 4 * i, (guint32) (e->address - base));
      g_ptr_array_add (sorted, e);
    }
  g_ptr_array_sort (sorted, compare_export_names);

  _kdh_sim_poke (k, base + strings, img->mod->file_name, strlen (img->mod->file_name) + 1);
  _kdh_sim_poke_u32 (k, at + 0x0C, strings);
  strings += (guint32) strlen (img->mod->file_name) + 1;

  for (guint i = 0; i < n; i++)
    {
      const KdhSimExport *e = g_ptr_array_index (sorted, i);
      guint ordinal = (guint) (e - &g_array_index (img->exports, KdhSimExport, 0));
      gsize len = strlen (e->name) + 1;

      _kdh_sim_poke_u32 (k, base + names + 4 * i, strings);
      _kdh_sim_poke_u16 (k, base + ordinals + 2 * i, (guint16) ordinal);
      _kdh_sim_poke (k, base + strings, e->name, len);
      strings += (guint32) len;
    }

  _kdh_sim_poke_u32 (k, at + 0x00, 0);                       /* Characteristics */
  _kdh_sim_poke_u32 (k, at + 0x04, img->mod->timestamp);
  _kdh_sim_poke_u32 (k, at + 0x10, 1);                       /* Base */
  _kdh_sim_poke_u32 (k, at + 0x14, n);                       /* NumberOfFunctions */
  _kdh_sim_poke_u32 (k, at + 0x18, n);                       /* NumberOfNames */
  _kdh_sim_poke_u32 (k, at + 0x1C, eat);
  _kdh_sim_poke_u32 (k, at + 0x20, names);
  _kdh_sim_poke_u32 (k, at + 0x24, ordinals);
  return strings - rva;
}

/* IMAGE_DEBUG_DIRECTORY with a CodeView "RSDS" record: the PDB name and a
 * GUID/age pair, what a symbol server lookup would need. Returns the size
 * used in .rdata; the directory itself is 28 bytes at @rva. */
static guint32
write_debug_directory (Image   *img,
                       guint32  rva)
{
  KdhSimKernel *k = img->k;
  guint64 at = img->mod->base + rva;
  guint32 cv = rva + 28;
  const gchar *pdb = img->spec->pdb_name;
  guint32 cv_size = 4 + 16 + 4 + (guint32) strlen (pdb) + 1;
  guint32 seed = img->mod->timestamp ^ img->mod->checksum;

  _kdh_sim_poke_u32 (k, at + 0x04, img->mod->timestamp);
  _kdh_sim_poke_u32 (k, at + 0x0C, 2);                       /* IMAGE_DEBUG_TYPE_CODEVIEW */
  _kdh_sim_poke_u32 (k, at + 0x10, cv_size);
  _kdh_sim_poke_u32 (k, at + 0x14, cv);
  _kdh_sim_poke_u32 (k, at + 0x18, cv);                      /* file offset: same as RVA here */

  _kdh_sim_poke (k, img->mod->base + cv, "RSDS", 4);
  for (guint i = 0; i < 4; i++)
    {
      seed = seed * 1664525u + 1013904223u;
      _kdh_sim_poke_u32 (k, img->mod->base + cv + 4 + 4 * i, seed);
    }
  _kdh_sim_poke_u32 (k, img->mod->base + cv + 20, 1);        /* Age */
  _kdh_sim_poke (k, img->mod->base + cv + 24, pdb, strlen (pdb) + 1);
  return (cv + cv_size + 7) - rva;
}

static void
write_headers (Image   *img,
               guint32  export_rva,
               guint32  export_size,
               guint32  debug_rva)
{
  static const guint8 dos_stub[] = {
    0x0E, 0x1F, 0xBA, 0x0E, 0x00, 0xB4, 0x09, 0xCD, 0x21, 0xB8, 0x01, 0x4C, 0xCD, 0x21,
  };
  static const gchar dos_message[] = "This program cannot be run in DOS mode.\r\r\n$";
  KdhSimKernel *k = img->k;
  const KdhSimModule *mod = img->mod;
  const ImageSpec *spec = img->spec;
  guint64 base = mod->base;
  guint64 fh = base + E_LFANEW + 4;          /* IMAGE_FILE_HEADER */
  guint64 oh = fh + 20;                      /* IMAGE_OPTIONAL_HEADER64 */
  guint64 sh = oh + 0xF0;                    /* section table */
  guint32 size_of_code = 0, size_of_data = 0, raw = SIZE_OF_HEADERS;

  /* IMAGE_DOS_HEADER */
  _kdh_sim_poke (k, base, "MZ", 2);
  _kdh_sim_poke_u16 (k, base + 0x02, 0x90);  /* e_cblp */
  _kdh_sim_poke_u16 (k, base + 0x04, 3);     /* e_cp */
  _kdh_sim_poke_u16 (k, base + 0x08, 4);     /* e_cparhdr */
  _kdh_sim_poke_u16 (k, base + 0x0C, 0xFFFF);/* e_maxalloc */
  _kdh_sim_poke_u16 (k, base + 0x10, 0xB8);  /* e_sp */
  _kdh_sim_poke_u16 (k, base + 0x18, 0x40);  /* e_lfarlc */
  _kdh_sim_poke_u32 (k, base + 0x3C, E_LFANEW);
  _kdh_sim_poke (k, base + 0x40, dos_stub, sizeof dos_stub);
  _kdh_sim_poke (k, base + 0x40 + sizeof dos_stub, dos_message, sizeof dos_message - 1);

  _kdh_sim_poke (k, base + E_LFANEW, "PE\0\0", 4);

  for (guint i = 0; i < spec->n_sections; i++)
    {
      const SectionSpec *s = &spec->sections[i];
      guint64 at = sh + 40 * i;
      guint32 raw_size = (s->size + 0x1FF) & ~0x1FFu;

      _kdh_sim_poke (k, at, s->name, strlen (s->name));
      _kdh_sim_poke_u32 (k, at + 0x08, s->size);
      _kdh_sim_poke_u32 (k, at + 0x0C, s->rva);
      _kdh_sim_poke_u32 (k, at + 0x10, raw_size);
      _kdh_sim_poke_u32 (k, at + 0x14, raw);
      _kdh_sim_poke_u32 (k, at + 0x24, s->characteristics);
      raw += raw_size;
      if (s->characteristics & 0x20)
        size_of_code += raw_size;
      else
        size_of_data += raw_size;
    }

  /* IMAGE_FILE_HEADER */
  _kdh_sim_poke_u16 (k, fh + 0x00, 0x8664);
  _kdh_sim_poke_u16 (k, fh + 0x02, (guint16) spec->n_sections);
  _kdh_sim_poke_u32 (k, fh + 0x04, mod->timestamp);
  _kdh_sim_poke_u16 (k, fh + 0x10, 0xF0);    /* SizeOfOptionalHeader */
  _kdh_sim_poke_u16 (k, fh + 0x12, spec->file_characteristics);

  /* IMAGE_OPTIONAL_HEADER64 */
  _kdh_sim_poke_u16 (k, oh + 0x00, 0x20B);
  _kdh_sim_poke_u8 (k, oh + 0x02, 14);       /* linker 14.20 */
  _kdh_sim_poke_u8 (k, oh + 0x03, 20);
  _kdh_sim_poke_u32 (k, oh + 0x04, size_of_code);
  _kdh_sim_poke_u32 (k, oh + 0x08, size_of_data);
  _kdh_sim_poke_u32 (k, oh + 0x10, img->entry);
  _kdh_sim_poke_u32 (k, oh + 0x14, find_section (spec, ".text")->rva);
  _kdh_sim_poke_u64 (k, oh + 0x18, base);
  _kdh_sim_poke_u32 (k, oh + 0x20, 0x1000);  /* SectionAlignment */
  _kdh_sim_poke_u32 (k, oh + 0x24, 0x200);   /* FileAlignment */
  _kdh_sim_poke_u16 (k, oh + 0x28, 10);      /* OS 10.0 */
  _kdh_sim_poke_u16 (k, oh + 0x2C, 10);      /* image 10.0 */
  _kdh_sim_poke_u16 (k, oh + 0x30, 10);      /* subsystem 10.0 */
  _kdh_sim_poke_u32 (k, oh + 0x38, mod->size_of_image);
  _kdh_sim_poke_u32 (k, oh + 0x3C, SIZE_OF_HEADERS);
  _kdh_sim_poke_u32 (k, oh + 0x40, mod->checksum);
  _kdh_sim_poke_u16 (k, oh + 0x44, 1);       /* IMAGE_SUBSYSTEM_NATIVE */
  _kdh_sim_poke_u16 (k, oh + 0x46, 0x4160);  /* guard CF, NX, dynamic base, high entropy */
  _kdh_sim_poke_u64 (k, oh + 0x48, 0x80000); /* stack reserve */
  _kdh_sim_poke_u64 (k, oh + 0x50, 0x2000);
  _kdh_sim_poke_u64 (k, oh + 0x58, 0x100000);
  _kdh_sim_poke_u64 (k, oh + 0x60, 0x1000);
  _kdh_sim_poke_u32 (k, oh + 0x6C, 16);      /* NumberOfRvaAndSizes */
  if (export_size != 0)
    {
      _kdh_sim_poke_u32 (k, oh + 0x70, export_rva);
      _kdh_sim_poke_u32 (k, oh + 0x74, export_size);
    }
  _kdh_sim_poke_u32 (k, oh + 0x70 + 6 * 8, debug_rva);
  _kdh_sim_poke_u32 (k, oh + 0x74 + 6 * 8, 28);
}

static void
image_finish (Image *img)
{
  guint32 debug_rva = img->rdata;
  guint32 export_rva = debug_rva + write_debug_directory (img, debug_rva);
  guint32 export_size = 0;

  export_rva = (export_rva + 15) & ~15u;
  if (img->exports->len > 0)
    export_size = write_exports (img, export_rva);
  write_headers (img, export_rva, export_size, debug_rva);

  g_clear_pointer (&img->k->exports[img->index], g_array_unref);
  img->k->exports[img->index] = img->exports;
  img->k->entry_points[img->index] = img->mod->base + img->entry;
}

/* ---- ntoskrnl.exe ----------------------------------------------------- */

static const gchar *const nt_routines[] = {
  "DbgPrompt", "ExAllocatePoolWithTag", "ExFreePoolWithTag", "IoCreateDevice",
  "IoDeleteDevice", "IofCompleteRequest", "KdDisableDebugger", "KdEnableDebugger",
  "KdRefreshDebuggerNotPresent", "KeDelayExecutionThread", "KeInitializeDpc",
  "KeInitializeTimer", "KeInsertQueueDpc", "KeIpiGenericCall", "KeQueryActiveProcessorCount",
  "KeQuerySystemTimePrecise", "KeSetTimer", "KeStackAttachProcess", "KeUnstackDetachProcess",
  "KeWaitForSingleObject", "MmGetSystemRoutineAddress", "MmIsAddressValid",
  "ObfDereferenceObject", "ObfReferenceObject", "PsLookupProcessByProcessId",
  "RtlCompareMemory", "RtlInitUnicodeString",
  NULL
};

static void
emit_zw_stub (Image       *img,
              const gchar *name,
              guint32      service,
              guint64      linkage,
              guint64      service_internal)
{
  guint8 code[] = {
    0x48, 0x8B, 0xC4,                         /* mov rax, rsp */
    0xFA,                                     /* cli */
    0x48, 0x83, 0xEC, 0x10,                   /* sub rsp, 10h */
    0x50,                                     /* push rax */
    0x9C,                                     /* pushfq */
    0x6A, 0x10,                               /* push 10h */
    0x48, 0x8D, 0x05, 0, 0, 0, 0,             /* lea rax, [KiServiceLinkage] */
    0x50,                                     /* push rax */
    0xB8, 0, 0, 0, 0,                         /* mov eax, service */
    0xE9, 0, 0, 0, 0,                         /* jmp KiServiceInternal */
    0xC3,                                     /* ret */
  };
  guint32 rva;

  code[21] = (guint8) service;
  code[22] = (guint8) (service >> 8);
  rva = emit (img, &img->text, name, code, sizeof code);
  patch_rel32 (img, rva, 15, 19, linkage);
  patch_rel32 (img, rva, 26, 30, service_internal);
}

static void
build_nt (KdhSimKernel *k)
{
  static const guint8 int3_ret[] = { 0xCC, 0xC3 };
  static const guint8 dbg_print[] = {
    0x48, 0x89, 0x4C, 0x24, 0x08,             /* mov [rsp+8], rcx */
    0x48, 0x89, 0x54, 0x24, 0x10,             /* mov [rsp+10h], rdx */
    0x4C, 0x89, 0x44, 0x24, 0x18,             /* mov [rsp+18h], r8 */
    0x4C, 0x89, 0x4C, 0x24, 0x20,             /* mov [rsp+20h], r9 */
    0x48, 0x83, 0xEC, 0x38,                   /* sub rsp, 38h */
    0x48, 0x8D, 0x44, 0x24, 0x48,             /* lea rax, [rsp+48h] */
    0x48, 0x89, 0x44, 0x24, 0x20,             /* mov [rsp+20h], rax */
    0x33, 0xC0,                               /* xor eax, eax */
    0x48, 0x83, 0xC4, 0x38,                   /* add rsp, 38h */
    0xC3,                                     /* ret */
  };
  static const guint8 dbg_print_ex[] = {
    0x48, 0x89, 0x4C, 0x24, 0x08,
    0x48, 0x89, 0x54, 0x24, 0x10,
    0x4C, 0x89, 0x44, 0x24, 0x18,
    0x4C, 0x89, 0x4C, 0x24, 0x20,
    0x48, 0x83, 0xEC, 0x38,                   /* sub rsp, 38h */
    0x48, 0x8D, 0x44, 0x24, 0x58,             /* lea rax, [rsp+58h] */
    0x48, 0x89, 0x44, 0x24, 0x20,
    0x33, 0xC0,
    0x48, 0x83, 0xC4, 0x38,
    0xC3,
  };
  static const guint8 bug_check[] = {
    0x48, 0x89, 0x4C, 0x24, 0x08,             /* mov [rsp+8], rcx */
    0x48, 0x89, 0x54, 0x24, 0x10,             /* mov [rsp+10h], rdx */
    0x4C, 0x89, 0x44, 0x24, 0x18,             /* mov [rsp+18h], r8 */
    0x4C, 0x89, 0x4C, 0x24, 0x20,             /* mov [rsp+20h], r9 */
    0x9C,                                     /* pushfq */
    0x48, 0x83, 0xEC, 0x30,                   /* sub rsp, 30h */
    0xFA,                                     /* cli */
    0xF4,                                     /* hlt */
    0xEB, 0xFD,                               /* jmp (the hlt) */
  };
  static const guint8 query_counter[] = {
    0x48, 0x85, 0xC9,                         /* test rcx, rcx */
    0x74, 0x07,                               /* je +7 */
    0x48, 0xC7, 0x01, 0x80, 0x96, 0x98, 0x00, /* mov qword [rcx], 10000000 (Hz) */
    0x0F, 0x31,                               /* rdtsc */
    0x48, 0xC1, 0xE2, 0x20,                   /* shl rdx, 20h */
    0x48, 0x0B, 0xC2,                         /* or rax, rdx */
    0xC3,                                     /* ret */
  };
  static const guint8 current_pid[] = {
    0x65, 0x48, 0x8B, 0x04, 0x25, 0x88, 0x01, 0x00, 0x00, /* mov rax, gs:[188h] */
    0x48, 0x8B, 0x80, 0x78, 0x04, 0x00, 0x00,             /* mov rax, [rax+478h] */
    0xC3,
  };
  static const guint8 current_tid[] = {
    0x65, 0x48, 0x8B, 0x04, 0x25, 0x88, 0x01, 0x00, 0x00, /* mov rax, gs:[188h] */
    0x48, 0x8B, 0x80, 0x80, 0x04, 0x00, 0x00,             /* mov rax, [rax+480h] */
    0xC3,
  };
  static const guint8 idle_loop[] = {
    0x48, 0x83, 0xEC, 0x28,                   /* sub rsp, 28h */
    0xFB,                                     /* sti */
    0xF4,                                     /* hlt */
    0xFA,                                     /* cli */
    0xEB, 0xFB,                               /* jmp (the sti) */
  };
  /* The break-in poll: DbgBreakPointWithStatus (DBG_STATUS_CONTROL_C). */
  static const guint8 break_in_poll[] = {
    0x48, 0x83, 0xEC, 0x28,                   /* sub rsp, 28h */
    0xB9, 0x01, 0x00, 0x00, 0x00,             /* mov ecx, 1 */
    0xE8, 0, 0, 0, 0,                         /* call DbgBreakPointWithStatus */
    0x48, 0x83, 0xC4, 0x28,                   /* add rsp, 28h */
    0xC3,
  };
  /* Calls a KDPC's DeferredRoutine (KDPC +0x18) with its context (+0x20). */
  static const guint8 execute_dpc[] = {
    0x48, 0x89, 0x5C, 0x24, 0x08,             /* mov [rsp+8], rbx */
    0x57,                                     /* push rdi */
    0x48, 0x83, 0xEC, 0x20,                   /* sub rsp, 20h */
    0x48, 0x8B, 0xD9,                         /* mov rbx, rcx */
    0x48, 0x8B, 0x41, 0x18,                   /* mov rax, [rcx+18h] */
    0x48, 0x8B, 0x51, 0x20,                   /* mov rdx, [rcx+20h] */
    0xFF, 0xD0,                               /* call rax */
    0x48, 0x8B, 0x5C, 0x24, 0x30,             /* mov rbx, [rsp+30h] */
    0x48, 0x83, 0xC4, 0x20,                   /* add rsp, 20h */
    0x5F,                                     /* pop rdi */
    0xC3,
  };
  static const guint8 system_call64[] = {
    0x0F, 0x01, 0xF8,                                     /* swapgs */
    0x65, 0x48, 0x89, 0x24, 0x25, 0x10, 0x00, 0x00, 0x00, /* mov gs:[10h], rsp */
    0x65, 0x48, 0x8B, 0x24, 0x25, 0xA8, 0x01, 0x00, 0x00, /* mov rsp, gs:[1A8h] */
    0x6A, 0x2B,                                           /* push 2Bh */
    0x65, 0xFF, 0x34, 0x25, 0x10, 0x00, 0x00, 0x00,       /* push gs:[10h] */
    0x41, 0x53,                                           /* push r11 */
    0x6A, 0x33,                                           /* push 33h */
    0x51,                                                 /* push rcx */
    0x49, 0x8B, 0xCA,                                     /* mov rcx, r10 */
    0x48, 0x83, 0xEC, 0x08,                               /* sub rsp, 8 */
    0x55,                                                 /* push rbp */
    0x48, 0x81, 0xEC, 0x58, 0x01, 0x00, 0x00,             /* sub rsp, 158h */
    0x0F, 0x01, 0xF8,                                     /* swapgs */
    0x48, 0x0F, 0x07,                                     /* sysretq */
  };
  static const guint8 system_call32[] = {
    0x0F, 0x01, 0xF8,                                     /* swapgs */
    0x65, 0x48, 0x89, 0x24, 0x25, 0x10, 0x00, 0x00, 0x00, /* mov gs:[10h], rsp */
    0x65, 0x48, 0x8B, 0x24, 0x25, 0xA8, 0x01, 0x00, 0x00, /* mov rsp, gs:[1A8h] */
    0x6A, 0x2B,                                           /* push 2Bh */
    0x65, 0xFF, 0x34, 0x25, 0x10, 0x00, 0x00, 0x00,       /* push gs:[10h] */
    0x41, 0x53,                                           /* push r11 */
    0x6A, 0x23,                                           /* push 23h */
    0x51,                                                 /* push rcx */
    0x0F, 0x01, 0xF8,                                     /* swapgs */
    0x0F, 0x07,                                           /* sysret */
  };
  static const guint8 ret[] = { 0xC3 };
  KdhSimSymbols *sym = &k->sym;
  Image img;
  guint64 linkage, service_internal;
  guint32 rva;

  image_init (&img, k, 0);

  /* Code. The order matters only for looks. */
  emit (&img, &img.text, "DbgBreakPoint", int3_ret, sizeof int3_ret);
  rva = emit (&img, &img.text, "DbgBreakPointWithStatus", int3_ret, sizeof int3_ret);
  sym->dbg_break_point_with_status = img.mod->base + rva;
  emit (&img, &img.text, "DbgPrint", dbg_print, sizeof dbg_print);
  emit (&img, &img.text, "DbgPrintEx", dbg_print_ex, sizeof dbg_print_ex);
  emit (&img, &img.text, "KeBugCheckEx", bug_check, sizeof bug_check);
  emit (&img, &img.text, "KeQueryPerformanceCounter", query_counter, sizeof query_counter);
  emit (&img, &img.text, "PsGetCurrentProcessId", current_pid, sizeof current_pid);
  emit (&img, &img.text, "PsGetCurrentThreadId", current_tid, sizeof current_tid);
  emit_routines (&img, nt_routines);

  rva = emit (&img, &img.text, NULL, idle_loop, sizeof idle_loop);
  sym->idle_rip = img.mod->base + rva + 6;
  rva = emit (&img, &img.text, NULL, break_in_poll, sizeof break_in_poll);
  patch_rel32 (&img, rva, 10, 14, sym->dbg_break_point_with_status);
  sym->break_in_return = img.mod->base + rva + 14;
  rva = emit (&img, &img.text, NULL, execute_dpc, sizeof execute_dpc);
  sym->dpc_return = img.mod->base + rva + 23;
  sym->system_call64 = img.mod->base + emit (&img, &img.text, NULL, system_call64,
                                             sizeof system_call64);
  sym->system_call32 = img.mod->base + emit (&img, &img.text, NULL, system_call32,
                                             sizeof system_call32);
  sym->ki_call_user_mode = img.mod->base + emit_routine (&img, &img.text, NULL, 1);
  linkage = img.mod->base + emit (&img, &img.text, NULL, ret, sizeof ret);
  service_internal = img.mod->base + emit_routine (&img, &img.text, NULL, 0);
  emit_zw_stub (&img, "ZwClose", 0x0F, linkage, service_internal);
  emit_zw_stub (&img, "ZwCreateFile", 0x55, linkage, service_internal);
  emit_zw_stub (&img, "ZwOpenKey", 0x12, linkage, service_internal);
  emit_zw_stub (&img, "ZwQuerySystemInformation", 0x36, linkage, service_internal);
  emit_entry (&img);                           /* KiSystemStartup */

  /* Data. kdh-sim-kernel-data.c fills in the values. */
  sym->ps_loaded_module_list = data_var (&img, "PsLoadedModuleList", 16, 16);
  sym->ps_active_process_head = data_var (&img, "PsActiveProcessHead", 16, 16);
  sym->debugger_data_list = data_var (&img, NULL, 16, 16);
  sym->ke_number_processors = data_var (&img, "KeNumberProcessors", 4, 4);
  sym->nt_build_number = data_var (&img, "NtBuildNumber", 4, 4);
  sym->kd_debugger_enabled = data_var (&img, "KdDebuggerEnabled", 1, 1);
  sym->kd_debugger_not_present = data_var (&img, "KdDebuggerNotPresent", 1, 1);
  data_var (&img, "InitSafeBootMode", 4, 4);
  data_var (&img, "NtGlobalFlag", 4, 4);
  sym->ps_initial_system_process = data_var (&img, "PsInitialSystemProcess", 8, 8);
  sym->mm_highest_user_address = data_var (&img, "MmHighestUserAddress", 8, 8);
  sym->mm_system_range_start = data_var (&img, "MmSystemRangeStart", 8, 8);
  sym->mm_user_probe_address = data_var (&img, "MmUserProbeAddress", 8, 8);
  sym->ke_time_increment = data_var (&img, NULL, 4, 4);
  sym->cm_nt_csd_version = data_var (&img, NULL, 4, 4);
  sym->mm_pfn_database = data_var (&img, NULL, 8, 8);
  sym->ke_user_callback_dispatcher = data_var (&img, NULL, 8, 8);
  sym->ki_processor_block = data_var (&img, "KiProcessorBlock", 8 * KDH_SIM_MAX_CPUS, 64);
  sym->kd_debugger_data_block = data_var (&img, "KdDebuggerDataBlock", 0x368, 16);
  sym->nt_build_lab = data_var (&img, NULL, 64, 16);

  image_finish (&img);
}

/* ---- The other modules ------------------------------------------------- */

static void
build_simple (KdhSimKernel       *k,
              guint               index,
              const gchar *const *routines)
{
  Image img;

  image_init (&img, k, index);
  if (routines != NULL)
    emit_routines (&img, routines);
  emit_entry (&img);
  image_finish (&img);
}

static void
build_kdhtest (KdhSimKernel *k)
{
  static const guint8 timer_routine[] = {
    0x48, 0x83, 0xEC, 0x28,                   /* sub rsp, 28h */
    0xF0, 0x48, 0xFF, 0x05, 0, 0, 0, 0,       /* lock inc qword [KdhTestCallCount] */
    0x48, 0x83, 0xC4, 0x28,                   /* add rsp, 28h */
    0xC3,
  };
  KdhSimSymbols *sym = &k->sym;
  guint64 timer;
  Image img;
  guint32 rva;

  G_STATIC_ASSERT (sizeof timer_routine == KDH_SIM_TIMER_SIZE);
  image_init (&img, k, 3);
  rva = emit (&img, &img.text, "KdhTestTimerRoutine", timer_routine, sizeof timer_routine);
  sym->timer_routine = img.mod->base + rva;
  emit_routine (&img, &img.text, "KdhTestQueryStatistics", 1);
  emit_routine (&img, &img.text, NULL, 0);     /* the unload routine */

  sym->timer_call_count = data_var (&img, "KdhTestCallCount", 8, 8);
  patch_rel32 (&img, rva, 8, 12, sym->timer_call_count);

  /* A KDPC (Type 0x13, DeferredRoutine at +0x18) and the KTIMER (Type 8,
   * Dpc at +0x30, Period at +0x3C) that queue the routine. */
  sym->timer_dpc = data_var (&img, NULL, 0x40, 16);
  _kdh_sim_poke_u8 (k, sym->timer_dpc, 0x13);
  _kdh_sim_poke_u64 (k, sym->timer_dpc + 0x18, sym->timer_routine);
  timer = data_var (&img, NULL, 0x40, 16);
  _kdh_sim_poke_u8 (k, timer, 0x08);
  _kdh_sim_poke_u64 (k, timer + 0x30, sym->timer_dpc);
  _kdh_sim_poke_u32 (k, timer + 0x3C, KDH_SIM_TIMER_PERIOD_MS);

  emit_entry (&img);                           /* DriverEntry */
  image_finish (&img);
}

void
_kdh_sim_build_images (KdhSimKernel *k)
{
  static const gchar *const hal_routines[] = {
    "HalQueryRealTimeClock", "HalSetRealTimeClock", "HalReturnToFirmware",
    "HalGetBusDataByOffset", "HalSetBusDataByOffset", "HalMakeBeep",
    "HalAcquireDisplayOwnership", "HalTranslateBusAddress", "HalGetAdapter",
    "KeStallExecutionProcessor", NULL
  };
  static const gchar *const kdcom_routines[] = {
    "KdDebuggerInitialize0", "KdDebuggerInitialize1", "KdSendPacket", "KdReceivePacket",
    "KdSave", "KdRestore", "KdD0Transition", "KdD3Transition", "KdSetHiberRange", NULL
  };
  static const gchar *const ci_routines[] = {
    "CiInitialize", "CiCheckSignedFile", "CiValidateImageHeader", "CiValidateImageData",
    "CiFreePolicyInfo", "CiGetPEInformation", NULL
  };

  build_nt (k);
  build_simple (k, 1, hal_routines);
  build_simple (k, 2, kdcom_routines);
  build_kdhtest (k);
  build_simple (k, 4, ci_routines);
  build_simple (k, 5, NULL);
  build_simple (k, 6, NULL);
}
