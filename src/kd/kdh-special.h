/* kdh-special.h: registers beyond the CONTEXT, as WinDbg names them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `r cr3`, `@gdtr`, `r zf=1`: the control registers and descriptor tables
 * of an AMD64 processor come from its KSPECIAL_REGISTERS (control space,
 * docs/protocol.md §4.4), and the flag names are bits of EFLAGS.
 */
#pragma once

#include <glib.h>

#include "kdh-context.h"

G_BEGIN_DECLS

/* The special registers of @machine in WinDbg's order, with their offsets
 * in KSPECIAL_REGISTERS, or NULL where kdhost does not read them (x86). */
const KdhRegisterInfo *kdh_special_registers (guint16      machine,
                                              guint       *n_registers);
const KdhRegisterInfo *kdh_special_find      (guint16      machine,
                                              const gchar *name);

typedef struct {
  const gchar *name;   /* "zf", "iopl" */
  guint8 shift;        /* the lowest bit in EFLAGS */
  guint8 width;        /* 1, or 2 for iopl */
} KdhFlagInfo;

/* EFLAGS's named bits in the order WinDbg's register window lists them. */
const KdhFlagInfo *kdh_flags_table (guint       *n_flags);
const KdhFlagInfo *kdh_flag_find   (const gchar *name);

static inline guint64
kdh_flag_get (const KdhFlagInfo *flag,
              guint64            eflags)
{
  return (eflags >> flag->shift) & ((1u << flag->width) - 1);
}

/* EFLAGS with @flag set to @value; FALSE when @value does not fit. */
gboolean kdh_flag_set (const KdhFlagInfo *flag,
                       guint64            eflags,
                       guint64            value,
                       guint64           *out);

G_END_DECLS
