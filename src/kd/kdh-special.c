/* kdh-special.c: registers beyond the CONTEXT, as WinDbg names them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-special.h"

/* Offsets in the AMD64 KSPECIAL_REGISTERS (docs/protocol.md §4.4). */
static const KdhRegisterInfo amd64_special[] = {
  { "cr0", 0x00, 8 }, { "cr2", 0x08, 8 }, { "cr3", 0x10, 8 }, { "cr4", 0x18, 8 },
  { "cr8", 0xA0, 8 },
  { "gdtr", 0x58, 8 }, { "gdtl", 0x56, 2 }, { "idtr", 0x68, 8 }, { "idtl", 0x66, 2 },
  { "tr", 0x70, 2 }, { "ldtr", 0x72, 2 },
};

static const KdhFlagInfo flags[] = {
  { "of", 11, 1 }, { "df", 10, 1 }, { "if", 9, 1 }, { "tf", 8, 1 }, { "sf", 7, 1 },
  { "zf", 6, 1 }, { "af", 4, 1 }, { "pf", 2, 1 }, { "cf", 0, 1 }, { "iopl", 12, 2 },
  { "vip", 20, 1 }, { "vif", 19, 1 },
};

const KdhRegisterInfo *
kdh_special_registers (guint16  machine,
                       guint   *n_registers)
{
  if (machine != KDH_MACHINE_AMD64)
    {
      *n_registers = 0;
      return NULL;
    }
  *n_registers = G_N_ELEMENTS (amd64_special);
  return amd64_special;
}

const KdhRegisterInfo *
kdh_special_find (guint16      machine,
                  const gchar *name)
{
  guint n = 0;
  const KdhRegisterInfo *table = kdh_special_registers (machine, &n);

  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

const KdhFlagInfo *
kdh_flags_table (guint *n_flags)
{
  *n_flags = G_N_ELEMENTS (flags);
  return flags;
}

const KdhFlagInfo *
kdh_flag_find (const gchar *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (g_ascii_strcasecmp (flags[i].name, name) == 0)
      return &flags[i];
  return NULL;
}

gboolean
kdh_flag_set (const KdhFlagInfo *flag,
              guint64            eflags,
              guint64            value,
              guint64           *out)
{
  guint64 mask = (G_GUINT64_CONSTANT (1) << flag->width) - 1;

  if (value > mask)
    return FALSE;
  *out = (eflags & ~(mask << flag->shift)) | (value << flag->shift);
  return TRUE;
}
