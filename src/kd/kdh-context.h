/* kdh-context.h: AMD64 and x86 CONTEXT layouts and register tables
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CONTEXT blocks travel as raw bytes (GetContext/SetContext). Rather
 * than mirror them as C structs (padding and alignment would have to match
 * the Windows ABI), registers are read and written through a table of
 * name, offset and width (docs/protocol.md §4.1, §4.2).
 */
#pragma once

#include <glib.h>

#include "kdh-dbgkd.h"   /* KDH_MACHINE_AMD64, KDH_MACHINE_I386 */

G_BEGIN_DECLS

#define KDH_CONTEXT_AMD64_SIZE  0x4D0  /* 1232 */
#define KDH_CONTEXT_X86_SIZE    0x2CC  /* 716 */

#define KDH_CONTEXT_AMD64       0x00100000u
#define KDH_CONTEXT_AMD64_ALL   0x0010001Fu
#define KDH_CONTEXT_AMD64_FULL  0x0010000Bu
#define KDH_CONTEXT_I386        0x00010000u
#define KDH_CONTEXT_I386_ALL    0x0001003Fu
#define KDH_CONTEXT_I386_FULL   0x00010007u

/* AMD64 KSPECIAL_REGISTERS as a Windows 10 20H1+ target reports them. */
#define KDH_KSPECIAL_AMD64_SIZE 0xF0
#define KDH_KSPECIAL_X86_SIZE   0x54

typedef struct {
  const gchar *name;   /* lower case, as WinDbg prints and parses them: "rax" */
  guint16 offset;      /* byte offset in the CONTEXT */
  guint8 size;         /* 1, 2, 4 or 8 */
} KdhRegisterInfo;

/* Returns the register table of @machine (KDH_MACHINE_AMD64 or
 * KDH_MACHINE_I386) and its length, or NULL for an unknown machine. The table
 * lists full registers in WinDbg's order. kdh_context_find_register() matches
 * names case-insensitively and also knows the narrower views WinDbg accepts
 * (eax, r8d, ax, al, ah ... on x64; ax, al, ah ... on x86), which alias the
 * bytes of their full register and are not in the table. */
const KdhRegisterInfo *kdh_context_registers      (guint16      machine,
                                                   guint       *n_registers);
const KdhRegisterInfo *kdh_context_find_register  (guint16      machine,
                                                   const gchar *name);
gsize                  kdh_context_size           (guint16      machine);

/* Read/write a register in a raw CONTEXT. Returns FALSE when the buffer is
 * too short for the register (a truncated reply). */
gboolean kdh_context_get (const guint8          *context,
                          gsize                  len,
                          const KdhRegisterInfo *reg,
                          guint64               *value);
gboolean kdh_context_set (guint8                *context,
                          gsize                  len,
                          const KdhRegisterInfo *reg,
                          guint64                value);

/* Formats the WinDbg `r` display (general registers, rip/eip, flags
 * mnemonics, segments) into a newly allocated string with "\n" line ends.
 * Registers beyond the end of a truncated CONTEXT print as question marks. */
gchar *kdh_context_format (const guint8 *context,
                           gsize         len,
                           guint16       machine);

/* WinDbg's flag mnemonics for EFLAGS, such as "nv up ei pl zr na po nc". */
gchar *kdh_context_format_eflags (guint32 eflags);

G_END_DECLS
