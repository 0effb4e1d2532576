/* kdh-unwind.h: x64 stack unwinding from .pdata and UNWIND_INFO
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One virtual unwind step as Windows' RtlVirtualUnwind does it: the
 * function's RUNTIME_FUNCTION is looked up in its image's exception
 * directory, its unwind codes (all of them, chained UNWIND_INFO, frame
 * registers, machine frames) are undone in reverse, and an epilogue the
 * instruction pointer is in is emulated forwards. Pure: the image and the
 * stack are read through a callback, nothing else is touched.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The integer registers in CONTEXT order: rax rcx rdx rbx rsp rbp rsi rdi
 * r8-r15, then rip. */
enum {
  KDH_UNWIND_RAX, KDH_UNWIND_RCX, KDH_UNWIND_RDX, KDH_UNWIND_RBX,
  KDH_UNWIND_RSP, KDH_UNWIND_RBP, KDH_UNWIND_RSI, KDH_UNWIND_RDI,
  KDH_UNWIND_R8, KDH_UNWIND_R9, KDH_UNWIND_R10, KDH_UNWIND_R11,
  KDH_UNWIND_R12, KDH_UNWIND_R13, KDH_UNWIND_R14, KDH_UNWIND_R15,
  KDH_UNWIND_RIP,
  KDH_UNWIND_N_REGS
};

typedef struct {
  guint64 r[KDH_UNWIND_N_REGS];
} KdhUnwindRegs;

/* Reads @len bytes at @address; FALSE when they cannot all be read. */
typedef gboolean (*KdhUnwindReadFunc) (gpointer  data,
                                       guint64   address,
                                       guint8   *buffer,
                                       gsize     len);

/* Where the instruction pointer's image is: its base and exception
 * directory (RVA, size); FALSE when the address is in no known image. */
typedef gboolean (*KdhUnwindImageFunc) (gpointer  data,
                                        guint64   address,
                                        guint64  *image_base,
                                        guint32  *pdata_rva,
                                        guint32  *pdata_size);

typedef enum {
  KDH_UNWIND_OK,                /* the caller's registers are in @regs */
  KDH_UNWIND_LEAF,              /* no function entry: a leaf, return address at rsp */
  KDH_UNWIND_MACHINE_FRAME,     /* an interrupt or trap frame was undone */
  KDH_UNWIND_FAILED,            /* unreadable or malformed: nothing explains this frame */
} KdhUnwindResult;

/* Unwinds @regs by one frame. With KDH_UNWIND_FAILED @regs are left as
 * they were. @function_start (may be NULL) gets the function's start when
 * a RUNTIME_FUNCTION was found, else 0. */
KdhUnwindResult kdh_unwind_step (KdhUnwindReadFunc   read,
                                 KdhUnwindImageFunc  image,
                                 gpointer            data,
                                 KdhUnwindRegs      *regs,
                                 guint64            *function_start);

/* Unwinds the x86 registers in @regs (eip, esp and ebp in the rip, rsp
 * and rbp slots) by one frame along the EBP chain: KDH_UNWIND_OK or
 * KDH_UNWIND_FAILED (no chain link: @regs are left as they were). */
KdhUnwindResult kdh_unwind_x86_step (KdhUnwindReadFunc   read,
                                     gpointer            data,
                                     KdhUnwindRegs      *regs);

G_END_DECLS
