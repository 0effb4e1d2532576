/* kdh-context.c: AMD64 and x86 CONTEXT layouts and register tables
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Offsets are those of docs/protocol.md §4.1 (x86) and §4.2 (AMD64).
 */

#include <string.h>

#include <glib.h>

#include "kdh-context.h"
#include "kdh-dbgkd.h"

/* Each table lists the registers a register view shows, in WinDbg's order,
 * then the narrower views WinDbg also accepts by name (eax on x64, ax, al,
 * ah ...). Views alias the bytes of their full register: the CONTEXT is
 * little-endian, so the low part starts at the same offset and "ah" one
 * byte later. */

static const KdhRegisterInfo amd64_registers[] = {
  { "rax", 0x078, 8 }, { "rbx", 0x090, 8 }, { "rcx", 0x080, 8 },
  { "rdx", 0x088, 8 }, { "rsi", 0x0A8, 8 }, { "rdi", 0x0B0, 8 },
  { "rip", 0x0F8, 8 }, { "rsp", 0x098, 8 }, { "rbp", 0x0A0, 8 },
  { "r8", 0x0B8, 8 }, { "r9", 0x0C0, 8 }, { "r10", 0x0C8, 8 },
  { "r11", 0x0D0, 8 }, { "r12", 0x0D8, 8 }, { "r13", 0x0E0, 8 },
  { "r14", 0x0E8, 8 }, { "r15", 0x0F0, 8 },
  { "efl", 0x044, 4 },
  { "cs", 0x038, 2 }, { "ss", 0x042, 2 }, { "ds", 0x03A, 2 },
  { "es", 0x03C, 2 }, { "fs", 0x03E, 2 }, { "gs", 0x040, 2 },
  { "dr0", 0x048, 8 }, { "dr1", 0x050, 8 }, { "dr2", 0x058, 8 },
  { "dr3", 0x060, 8 }, { "dr6", 0x068, 8 }, { "dr7", 0x070, 8 },
  { "mxcsr", 0x034, 4 },
#define AMD64_N_MAIN 31
  /* 32-bit views */
  { "eax", 0x078, 4 }, { "ebx", 0x090, 4 }, { "ecx", 0x080, 4 },
  { "edx", 0x088, 4 }, { "esi", 0x0A8, 4 }, { "edi", 0x0B0, 4 },
  { "eip", 0x0F8, 4 }, { "esp", 0x098, 4 }, { "ebp", 0x0A0, 4 },
  { "r8d", 0x0B8, 4 }, { "r9d", 0x0C0, 4 }, { "r10d", 0x0C8, 4 },
  { "r11d", 0x0D0, 4 }, { "r12d", 0x0D8, 4 }, { "r13d", 0x0E0, 4 },
  { "r14d", 0x0E8, 4 }, { "r15d", 0x0F0, 4 },
  /* 16-bit views */
  { "ax", 0x078, 2 }, { "bx", 0x090, 2 }, { "cx", 0x080, 2 },
  { "dx", 0x088, 2 }, { "si", 0x0A8, 2 }, { "di", 0x0B0, 2 },
  { "ip", 0x0F8, 2 }, { "sp", 0x098, 2 }, { "bp", 0x0A0, 2 },
  { "r8w", 0x0B8, 2 }, { "r9w", 0x0C0, 2 }, { "r10w", 0x0C8, 2 },
  { "r11w", 0x0D0, 2 }, { "r12w", 0x0D8, 2 }, { "r13w", 0x0E0, 2 },
  { "r14w", 0x0E8, 2 }, { "r15w", 0x0F0, 2 },
  /* 8-bit views */
  { "al", 0x078, 1 }, { "bl", 0x090, 1 }, { "cl", 0x080, 1 },
  { "dl", 0x088, 1 }, { "sil", 0x0A8, 1 }, { "dil", 0x0B0, 1 },
  { "spl", 0x098, 1 }, { "bpl", 0x0A0, 1 },
  { "r8b", 0x0B8, 1 }, { "r9b", 0x0C0, 1 }, { "r10b", 0x0C8, 1 },
  { "r11b", 0x0D0, 1 }, { "r12b", 0x0D8, 1 }, { "r13b", 0x0E0, 1 },
  { "r14b", 0x0E8, 1 }, { "r15b", 0x0F0, 1 },
  { "ah", 0x079, 1 }, { "bh", 0x091, 1 }, { "ch", 0x081, 1 },
  { "dh", 0x089, 1 },
};

/* The x86 CONTEXT stores segment selectors as 32-bit fields. */
static const KdhRegisterInfo x86_registers[] = {
  { "eax", 0x0B0, 4 }, { "ebx", 0x0A4, 4 }, { "ecx", 0x0AC, 4 },
  { "edx", 0x0A8, 4 }, { "esi", 0x0A0, 4 }, { "edi", 0x09C, 4 },
  { "eip", 0x0B8, 4 }, { "esp", 0x0C4, 4 }, { "ebp", 0x0B4, 4 },
  { "efl", 0x0C0, 4 },
  { "cs", 0x0BC, 4 }, { "ss", 0x0C8, 4 }, { "ds", 0x098, 4 },
  { "es", 0x094, 4 }, { "fs", 0x090, 4 }, { "gs", 0x08C, 4 },
  { "dr0", 0x004, 4 }, { "dr1", 0x008, 4 }, { "dr2", 0x00C, 4 },
  { "dr3", 0x010, 4 }, { "dr6", 0x014, 4 }, { "dr7", 0x018, 4 },
#define X86_N_MAIN 22
  /* 16-bit views */
  { "ax", 0x0B0, 2 }, { "bx", 0x0A4, 2 }, { "cx", 0x0AC, 2 },
  { "dx", 0x0A8, 2 }, { "si", 0x0A0, 2 }, { "di", 0x09C, 2 },
  { "ip", 0x0B8, 2 }, { "sp", 0x0C4, 2 }, { "bp", 0x0B4, 2 },
  /* 8-bit views */
  { "al", 0x0B0, 1 }, { "bl", 0x0A4, 1 }, { "cl", 0x0AC, 1 },
  { "dl", 0x0A8, 1 },
  { "ah", 0x0B1, 1 }, { "bh", 0x0A5, 1 }, { "ch", 0x0AD, 1 },
  { "dh", 0x0A9, 1 },
};

G_STATIC_ASSERT (AMD64_N_MAIN <= G_N_ELEMENTS (amd64_registers));
G_STATIC_ASSERT (X86_N_MAIN <= G_N_ELEMENTS (x86_registers));

/* EFLAGS bits WinDbg shows. */
#define EFL_CF   (1u << 0)
#define EFL_PF   (1u << 2)
#define EFL_AF   (1u << 4)
#define EFL_ZF   (1u << 6)
#define EFL_SF   (1u << 7)
#define EFL_IF   (1u << 9)
#define EFL_DF   (1u << 10)
#define EFL_OF   (1u << 11)
#define EFL_IOPL_SHIFT 12
#define EFL_VIF  (1u << 19)
#define EFL_VIP  (1u << 20)

static const KdhRegisterInfo *
machine_table (guint16  machine,
               guint   *n_main,
               guint   *n_all)
{
  switch (machine)
    {
    case KDH_MACHINE_AMD64:
      *n_main = AMD64_N_MAIN;
      *n_all = G_N_ELEMENTS (amd64_registers);
      return amd64_registers;
    case KDH_MACHINE_I386:
      *n_main = X86_N_MAIN;
      *n_all = G_N_ELEMENTS (x86_registers);
      return x86_registers;
    default:
      *n_main = *n_all = 0;
      return NULL;
    }
}

const KdhRegisterInfo *
kdh_context_registers (guint16  machine,
                       guint   *n_registers)
{
  const KdhRegisterInfo *table;
  guint n_main, n_all;

  table = machine_table (machine, &n_main, &n_all);
  if (n_registers != NULL)
    *n_registers = n_main;
  return table;
}

const KdhRegisterInfo *
kdh_context_find_register (guint16      machine,
                           const gchar *name)
{
  const KdhRegisterInfo *table;
  guint n_main, n_all;

  g_return_val_if_fail (name != NULL, NULL);

  table = machine_table (machine, &n_main, &n_all);
  for (guint i = 0; i < n_all; i++)
    if (g_ascii_strcasecmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

gsize
kdh_context_size (guint16 machine)
{
  switch (machine)
    {
    case KDH_MACHINE_AMD64:
      return KDH_CONTEXT_AMD64_SIZE;
    case KDH_MACHINE_I386:
      return KDH_CONTEXT_X86_SIZE;
    default:
      return 0;
    }
}

static gboolean
register_fits (gsize                  len,
               const KdhRegisterInfo *reg)
{
  return reg->size >= 1 && reg->size <= 8 && reg->offset <= len && reg->size <= len - reg->offset;
}

gboolean
kdh_context_get (const guint8          *context,
                 gsize                  len,
                 const KdhRegisterInfo *reg,
                 guint64               *value)
{
  guint64 v = 0;

  g_return_val_if_fail (reg != NULL, FALSE);
  g_return_val_if_fail (context != NULL || len == 0, FALSE);

  if (!register_fits (len, reg))
    return FALSE;

  for (guint i = reg->size; i > 0; i--)
    v = (v << 8) | context[reg->offset + i - 1];

  if (value != NULL)
    *value = v;
  return TRUE;
}

gboolean
kdh_context_set (guint8                *context,
                 gsize                  len,
                 const KdhRegisterInfo *reg,
                 guint64                value)
{
  g_return_val_if_fail (reg != NULL, FALSE);
  g_return_val_if_fail (context != NULL || len == 0, FALSE);

  if (!register_fits (len, reg))
    return FALSE;

  /* Narrow views write only their own bytes; the rest stays. */
  for (guint i = 0; i < reg->size; i++)
    context[reg->offset + i] = (guint8) (value >> (8 * i));
  return TRUE;
}

gchar *
kdh_context_format_eflags (guint32 eflags)
{
  return g_strdup_printf ("%s %s %s %s %s %s %s %s",
                          eflags & EFL_OF ? "ov" : "nv",
                          eflags & EFL_DF ? "dn" : "up",
                          eflags & EFL_IF ? "ei" : "di",
                          eflags & EFL_SF ? "ng" : "pl",
                          eflags & EFL_ZF ? "zr" : "nz",
                          eflags & EFL_AF ? "ac" : "na",
                          eflags & EFL_PF ? "pe" : "po",
                          eflags & EFL_CF ? "cy" : "nc");
}

/* Appends "name=value" with the value in @digits hex digits, or question
 * marks when a truncated CONTEXT does not hold the register. Names are
 * right-aligned in three columns, as WinDbg prints " r8". */
static void
append_register (GString      *s,
                 const guint8 *context,
                 gsize         len,
                 guint16       machine,
                 const gchar  *name,
                 guint         digits)
{
  const KdhRegisterInfo *reg = kdh_context_find_register (machine, name);
  guint64 v;

  g_string_append_printf (s, "%3s=", name);
  if (reg != NULL && kdh_context_get (context, len, reg, &v))
    {
      if (digits < 16)
        v &= (G_GUINT64_CONSTANT (1) << (4 * digits)) - 1;
      g_string_append_printf (s, "%0*" G_GINT64_MODIFIER "x", (int) digits, v);
    }
  else
    {
      for (guint i = 0; i < digits; i++)
        g_string_append_c (s, '?');
    }
}

/* "iopl=0         nv up ei pl zr na po nc": the two blank slots after the
 * privilege level hold vip and vif when those bits are set. */
static void
append_flags (GString      *s,
              const guint8 *context,
              gsize         len,
              guint16       machine)
{
  const KdhRegisterInfo *reg = kdh_context_find_register (machine, "efl");
  g_autofree gchar *mnemonics = NULL;
  guint64 v;
  guint32 efl;

  if (reg == NULL || !kdh_context_get (context, len, reg, &v))
    {
      g_string_append (s, "iopl=?");
      return;
    }

  efl = (guint32) v;
  mnemonics = kdh_context_format_eflags (efl);
  g_string_append_printf (s, "iopl=%u %s %s %s",
                          (efl >> EFL_IOPL_SHIFT) & 3,
                          efl & EFL_VIP ? "vip" : "   ",
                          efl & EFL_VIF ? "vif" : "   ",
                          mnemonics);
}

static void
append_segments (GString      *s,
                 const guint8 *context,
                 gsize         len,
                 guint16       machine)
{
  static const gchar * const segments[] = { "cs", "ss", "ds", "es", "fs", "gs" };

  for (guint i = 0; i < G_N_ELEMENTS (segments); i++)
    {
      const KdhRegisterInfo *reg = kdh_context_find_register (machine, segments[i]);
      guint64 v;

      if (i > 0)
        g_string_append (s, "  ");
      g_string_append_printf (s, "%s=", segments[i]);
      if (kdh_context_get (context, len, reg, &v))
        g_string_append_printf (s, "%04x", (guint) (v & 0xFFFF));
      else
        g_string_append (s, "????");
    }
  g_string_append (s, "             ");
  append_register (s, context, len, machine, "efl", 8);
  g_string_append_c (s, '\n');
}

static void
append_rows (GString            *s,
             const guint8       *context,
             gsize               len,
             guint16             machine,
             const gchar * const rows[][3],
             guint               n_rows,
             guint               digits)
{
  for (guint r = 0; r < n_rows; r++)
    {
      for (guint c = 0; c < 3 && rows[r][c] != NULL; c++)
        {
          if (c > 0)
            g_string_append_c (s, ' ');
          append_register (s, context, len, machine, rows[r][c], digits);
        }
      g_string_append_c (s, '\n');
    }
}

gchar *
kdh_context_format (const guint8 *context,
                    gsize         len,
                    guint16       machine)
{
  static const gchar * const amd64_rows[][3] = {
    { "rax", "rbx", "rcx" },
    { "rdx", "rsi", "rdi" },
    { "rip", "rsp", "rbp" },
    { "r8", "r9", "r10" },
    { "r11", "r12", "r13" },
    { "r14", "r15", NULL },
  };
  GString *s;

  g_return_val_if_fail (context != NULL || len == 0, NULL);

  s = g_string_new (NULL);

  switch (machine)
    {
    case KDH_MACHINE_AMD64:
      append_rows (s, context, len, machine, amd64_rows, G_N_ELEMENTS (amd64_rows), 16);
      append_flags (s, context, len, machine);
      g_string_append_c (s, '\n');
      append_segments (s, context, len, machine);
      break;

    case KDH_MACHINE_I386:
      {
        static const gchar * const first[] = { "eax", "ebx", "ecx", "edx", "esi", "edi" };

        /* WinDbg's x86 layout is wider: six registers on the first line,
         * and the flags share the line with eip, esp and ebp. */
        for (guint i = 0; i < G_N_ELEMENTS (first); i++)
          {
            if (i > 0)
              g_string_append_c (s, ' ');
            append_register (s, context, len, machine, first[i], 8);
          }
        g_string_append_c (s, '\n');
        append_register (s, context, len, machine, "eip", 8);
        g_string_append_c (s, ' ');
        append_register (s, context, len, machine, "esp", 8);
        g_string_append_c (s, ' ');
        append_register (s, context, len, machine, "ebp", 8);
        g_string_append_c (s, ' ');
        append_flags (s, context, len, machine);
        g_string_append_c (s, '\n');
        append_segments (s, context, len, machine);
      }
      break;

    default:
      g_string_append_printf (s, "unknown machine 0x%04x\n", machine);
      break;
    }

  return g_string_free (s, FALSE);
}
