/* kdh-disasm.h: x64 and x86 disassembly through Capstone, as KD shows it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Instructions are decoded from bytes into KdhInstruction records (the
 * typed form the commands and the window's views share) and written as
 * KD writes them: MASM operands without spaces ("qword ptr [rsp+10h],rdx",
 * hex in upper case with an 'h'), direct call and jump targets and
 * RIP-relative or absolute memory operands with their symbol and address
 * ("call    kdhtest!KdhTestTick+0x30 (fffff800`03001030)").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "nt!KeBugCheckEx+0x10", or NULL when @address is in no module. */
typedef gchar *(*KdhDisasmSymbolFunc) (guint64  address,
                                       gpointer user_data);

typedef enum {
  KDH_FLOW_NEXT,               /* falls through */
  KDH_FLOW_CALL,
  KDH_FLOW_JUMP,               /* unconditional: does not fall through */
  KDH_FLOW_BRANCH,             /* conditional */
  KDH_FLOW_RETURN,             /* ret, iret: does not fall through */
} KdhInstructionFlow;

typedef struct {
  guint64 address;
  guint length;                /* bytes; 1 for what does not decode */
  guint8 bytes[16];
  gboolean readable;           /* FALSE: the memory could not be read */
  gboolean valid;              /* FALSE: the bytes are no instruction */
  gchar *mnemonic;             /* "mov", "lock xadd"; "???" when not valid */
  gchar *operands;             /* KD's spelling, symbols resolved; "" when none */
  gchar *symbol;               /* of @address, or NULL */
  KdhInstructionFlow flow;
  gboolean has_target;         /* a direct call or jump: its destination */
  guint64 target;
} KdhInstruction;

void   kdh_instruction_clear (KdhInstruction *insn);

/* Decodes up to @max_count instructions from @code (read at @address, of
 * which @valid_len bytes could be read; @code_len in all) for @machine
 * (KDH_MACHINE_AMD64 or KDH_MACHINE_I386). Stops early only when @code
 * ends; bytes that do not decode or could not be read make one-byte
 * entries, as KD shows them. Returns a GArray of KdhInstruction that
 * clears its elements. @symbolize may be NULL. */
GArray *kdh_disasm_decode (guint16              machine,
                           guint64              address,
                           const guint8        *code,
                           gsize                code_len,
                           gsize                valid_len,
                           guint                max_count,
                           KdhDisasmSymbolFunc  symbolize,
                           gpointer             user_data);

/* KD's line, without a newline:
 * "fffff800`03001002 4883ec28        sub     rsp,28h". */
gchar *kdh_instruction_format (const KdhInstruction *insn,
                               gboolean              pointer64);

/* The first instruction of @code alone, formatted as above (for a stop's
 * location); "???" when nothing decodes. */
gchar *kdh_disasm_format_line (guint16       machine,
                               guint64       address,
                               const guint8 *code,
                               gsize         code_len,
                               gboolean      pointer64);

G_END_DECLS
