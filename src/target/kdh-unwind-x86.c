/* kdh-unwind-x86.c: x86 stack unwinding by frame pointer
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 32-bit Windows code keeps EBP chains (the kernel is built with frame
 * pointers): a function's "push ebp; mov ebp, esp" leaves the caller's
 * EBP at [ebp] and the return address at [ebp+4]. The first two
 * instructions of a function, before the chain link exists, are
 * recognised so that a stop at a function's entry (a breakpoint) still
 * unwinds. Pure: memory is read through the callback.
 */
#include "kdh-unwind.h"

/* 32-bit addresses travel sign-extended, as the KD protocol and the
 * module list give them (0x80401000 is 0xffffffff`80401000). */
#define SX(v) ((guint64) (gint64) (gint32) (guint32) (v))

static gboolean
read32 (KdhUnwindReadFunc  read,
        gpointer           data,
        guint32            address,
        guint32           *value)
{
  guint8 b[4];

  if (!read (data, SX (address), b, sizeof b))
    return FALSE;
  *value = (guint32) b[0] | (guint32) b[1] << 8 | (guint32) b[2] << 16 | (guint32) b[3] << 24;
  return TRUE;
}

KdhUnwindResult
kdh_unwind_x86_step (KdhUnwindReadFunc  read,
                     gpointer           data,
                     KdhUnwindRegs     *regs)
{
  guint32 eip = (guint32) regs->r[KDH_UNWIND_RIP];
  guint32 esp = (guint32) regs->r[KDH_UNWIND_RSP];
  guint32 ebp = (guint32) regs->r[KDH_UNWIND_RBP];
  guint32 ret, saved_ebp;
  guint8 code[2];

  /* At "push ebp" the return address is on top of the stack; after it,
   * at "mov ebp, esp" (8B EC or 89 E5), the caller's EBP is. */
  if (read (data, SX (eip), code, sizeof code))
    {
      if (code[0] == 0x55)
        {
          if (!read32 (read, data, esp, &ret))
            return KDH_UNWIND_FAILED;
          regs->r[KDH_UNWIND_RIP] = SX (ret);
          regs->r[KDH_UNWIND_RSP] = SX (esp + 4);
          return KDH_UNWIND_OK;
        }
      if ((code[0] == 0x8B && code[1] == 0xEC) || (code[0] == 0x89 && code[1] == 0xE5))
        {
          if (!read32 (read, data, esp, &saved_ebp) || !read32 (read, data, esp + 4, &ret))
            return KDH_UNWIND_FAILED;
          regs->r[KDH_UNWIND_RIP] = SX (ret);
          regs->r[KDH_UNWIND_RBP] = SX (saved_ebp);
          regs->r[KDH_UNWIND_RSP] = SX (esp + 8);
          return KDH_UNWIND_OK;
        }
    }
  /* A frame pointer below the stack pointer or misaligned is not a link
   * of the chain (a function that uses EBP for something else). */
  if (ebp == 0 || (ebp & 3) != 0 || ebp < esp)
    return KDH_UNWIND_FAILED;
  if (ebp > G_MAXUINT32 - 8 || !read32 (read, data, ebp, &saved_ebp)
      || !read32 (read, data, ebp + 4, &ret))
    return KDH_UNWIND_FAILED;
  regs->r[KDH_UNWIND_RIP] = SX (ret);
  regs->r[KDH_UNWIND_RBP] = SX (saved_ebp);
  regs->r[KDH_UNWIND_RSP] = SX (ebp + 8);
  return KDH_UNWIND_OK;
}
