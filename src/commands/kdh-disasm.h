/* kdh-disasm.h: one-instruction disassembly through Capstone
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Disassembles the instruction at the start of @code (which was read at
 * @address) for @machine (KDH_MACHINE_AMD64 or KDH_MACHINE_I386). Fills
 * *length and returns "int     3" style text (mnemonic padded to 7 as
 * WinDbg prints it), or NULL when the bytes do not decode. */
gchar *kdh_disasm_one (guint16       machine,
                       guint64       address,
                       const guint8 *code,
                       gsize         code_len,
                       gsize        *length);

/* WinDbg's line: "fffff800`0201a0b0 cc              int     3". */
gchar *kdh_disasm_format_line (guint16       machine,
                               guint64       address,
                               const guint8 *code,
                               gsize         code_len,
                               gboolean      pointer64);

G_END_DECLS
