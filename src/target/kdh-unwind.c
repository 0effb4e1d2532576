/* kdh-unwind.c: x64 stack unwinding from .pdata and UNWIND_INFO
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The formats are Microsoft's "x64 exception handling" (RUNTIME_FUNCTION,
 * UNWIND_INFO, UNWIND_CODE) and the epilogue forms its x64 calling
 * convention allows.
 */
#include "kdh-unwind.h"

#include <string.h>

#include "common/kdh-le.h"

#define UNW_FLAG_CHAININFO 0x4
/* Chained UNWIND_INFO nests; a loop in it must not hang the debugger. */
#define MAX_CHAIN 32
#define MAX_PDATA_ENTRIES (1u << 20)

enum {
  UWOP_PUSH_NONVOL = 0,
  UWOP_ALLOC_LARGE = 1,
  UWOP_ALLOC_SMALL = 2,
  UWOP_SET_FPREG = 3,
  UWOP_SAVE_NONVOL = 4,
  UWOP_SAVE_NONVOL_FAR = 5,
  UWOP_EPILOG = 6,              /* version 2; UWOP_SAVE_XMM in version 1 */
  UWOP_SPARE_CODE = 7,          /* UWOP_SAVE_XMM_FAR in version 1 */
  UWOP_SAVE_XMM128 = 8,
  UWOP_SAVE_XMM128_FAR = 9,
  UWOP_PUSH_MACHFRAME = 10,
};

typedef struct {
  KdhUnwindReadFunc read;
  gpointer data;
  guint64 base;
  KdhUnwindRegs *regs;
  gboolean machine_frame;
} Unwinder;

static gboolean
read_u64 (Unwinder *u,
          guint64   address,
          guint64  *value)
{
  guint8 b[8];

  if (!u->read (u->data, address, b, 8))
    return FALSE;
  *value = kdh_read_le64 (b);
  return TRUE;
}

/* The RUNTIME_FUNCTION (begin, end, unwind RVAs) that holds @rva. */
static gboolean
find_function (Unwinder *u,
               guint32   pdata_rva,
               guint32   pdata_size,
               guint32   rva,
               guint32   entry[3])
{
  guint32 lo = 0, hi = MIN (pdata_size / 12, MAX_PDATA_ENTRIES);

  while (lo < hi)
    {
      guint32 mid = lo + (hi - lo) / 2;
      guint8 b[12];

      if (!u->read (u->data, u->base + pdata_rva + (guint64) mid * 12, b, 12))
        return FALSE;
      entry[0] = kdh_read_le32 (b);
      entry[1] = kdh_read_le32 (b + 4);
      entry[2] = kdh_read_le32 (b + 8);
      if (rva < entry[0])
        hi = mid;
      else if (rva >= entry[1])
        lo = mid + 1;
      else
        return TRUE;
    }
  return FALSE;
}

/* Undoes the unwind codes of one UNWIND_INFO; @offset is how far into the
 * function rip is (codes for prologue instructions not yet run are
 * skipped), G_MAXUINT32 for chained info, whose prologue has run. */
static gboolean
undo_codes (Unwinder *u,
            guint32   unwind_rva,
            guint32   offset,
            guint     depth)
{
  guint8 header[4], codes[512 + 12];
  guint version, flags, count, frame_reg, frame_off;
  guint64 *r = u->regs->r;
  gsize codes_len;

  if (depth > MAX_CHAIN || !u->read (u->data, u->base + unwind_rva, header, 4))
    return FALSE;
  version = header[0] & 7;
  flags = header[0] >> 3;
  count = header[2];
  frame_reg = header[3] & 0xF;
  frame_off = header[3] >> 4;
  if (version != 1 && version != 2)
    return FALSE;
  /* The codes, padded to an even count, then a chained RUNTIME_FUNCTION. */
  codes_len = ((count + 1u) & ~1u) * 2 + ((flags & UNW_FLAG_CHAININFO) ? 12 : 0);
  if (codes_len > 0 && !u->read (u->data, u->base + unwind_rva + 4, codes, codes_len))
    return FALSE;

  for (guint i = 0; i < count;)
    {
      guint code_offset = codes[2 * i];
      guint op = codes[2 * i + 1] & 0xF, info = codes[2 * i + 1] >> 4;
      guint slots;
      guint64 value;
      gboolean run = offset == G_MAXUINT32 || code_offset <= offset;

      switch (op)
        {
        case UWOP_ALLOC_LARGE: slots = info == 0 ? 2 : 3; break;
        case UWOP_SAVE_NONVOL: case UWOP_SAVE_XMM128: slots = 2; break;
        case UWOP_SAVE_NONVOL_FAR: case UWOP_SAVE_XMM128_FAR: slots = 3; break;
        case UWOP_EPILOG: slots = 2; break;
        case UWOP_SPARE_CODE: slots = 3; break;
        default: slots = 1; break;
        }
      if (i + slots > count)
        return FALSE;
      if (op == UWOP_EPILOG && version == 2)
        run = FALSE;              /* describes epilogues; emulated from the code instead */
      if (run)
        switch (op)
          {
          case UWOP_PUSH_NONVOL:
            if (!read_u64 (u, r[KDH_UNWIND_RSP], &value))
              return FALSE;
            r[info] = value;
            r[KDH_UNWIND_RSP] += 8;
            break;
          case UWOP_ALLOC_LARGE:
            r[KDH_UNWIND_RSP] += info == 0
                                 ? (guint64) kdh_read_le16 (codes + 2 * i + 2) * 8
                                 : (guint64) kdh_read_le32 (codes + 2 * i + 2);
            break;
          case UWOP_ALLOC_SMALL:
            r[KDH_UNWIND_RSP] += (guint64) info * 8 + 8;
            break;
          case UWOP_SET_FPREG:
            if (frame_reg == 0)
              return FALSE;
            r[KDH_UNWIND_RSP] = r[frame_reg] - (guint64) frame_off * 16;
            break;
          case UWOP_SAVE_NONVOL:
          case UWOP_SAVE_NONVOL_FAR:
            {
              guint64 at = op == UWOP_SAVE_NONVOL
                           ? (guint64) kdh_read_le16 (codes + 2 * i + 2) * 8
                           : (guint64) kdh_read_le32 (codes + 2 * i + 2);

              if (!read_u64 (u, r[KDH_UNWIND_RSP] + at, &value))
                return FALSE;
              r[info] = value;
            }
            break;
          case UWOP_PUSH_MACHFRAME:
            {
              /* The processor pushed SS, RSP, EFLAGS, CS, RIP (and with
               * info 1 an error code below them). */
              guint64 frame = r[KDH_UNWIND_RSP] + (info ? 8 : 0), rip, rsp;

              if (!read_u64 (u, frame, &rip) || !read_u64 (u, frame + 24, &rsp))
                return FALSE;
              r[KDH_UNWIND_RIP] = rip;
              r[KDH_UNWIND_RSP] = rsp;
              u->machine_frame = TRUE;
            }
            break;
          default:
            break;                /* XMM saves: not tracked */
          }
      i += slots;
    }
  if (flags & UNW_FLAG_CHAININFO)
    {
      const guint8 *chained = codes + ((count + 1u) & ~1u) * 2;

      return undo_codes (u, kdh_read_le32 (chained + 8), G_MAXUINT32, depth + 1);
    }
  return TRUE;
}

/* An epilogue starting at rip ("add rsp, N" or "lea rsp, [frame+N]", pops,
 * then ret or a jump out of the function) is run forwards; TRUE when rip
 * was in one. */
static gboolean
emulate_epilogue (Unwinder *u,
                  guint32   begin_rva,
                  guint32   end_rva)
{
  guint64 *r = u->regs->r;
  guint8 code[64];
  guint i = 0;
  guint64 rsp = r[KDH_UNWIND_RSP];
  guint pops[16], n_pops = 0;

  memset (code, 0, sizeof code);
  if (!u->read (u->data, r[KDH_UNWIND_RIP], code, 16))
    return FALSE;
  u->read (u->data, r[KDH_UNWIND_RIP] + 16, code + 16, 48);
  if (code[0] == 0x48 && code[1] == 0x83 && code[2] == 0xC4)
    rsp += (guint64) (gint64) (gint8) code[3], i = 4;
  else if (code[0] == 0x48 && code[1] == 0x81 && code[2] == 0xC4)
    rsp += (guint64) (gint64) (gint32) kdh_read_le32 (code + 3), i = 7;
  else if ((code[0] & 0xFE) == 0x48 && code[1] == 0x8D && ((code[2] >> 3) & 7) == 4
           && (code[2] & 7) != 4 && (code[2] >> 6) != 0 && (code[2] >> 6) != 3)
    {
      guint base = (code[2] & 7) | ((code[0] & 1) << 3);
      gint64 disp = (code[2] >> 6) == 1 ? (gint8) code[3] : (gint32) kdh_read_le32 (code + 3);

      rsp = r[base] + (guint64) disp;
      i = (code[2] >> 6) == 1 ? 4 : 7;
    }
  for (;;)
    {
      if (code[i] >= 0x58 && code[i] <= 0x5F && n_pops < 16)
        pops[n_pops++] = code[i] - 0x58, i += 1;
      else if (code[i] == 0x41 && code[i + 1] >= 0x58 && code[i + 1] <= 0x5F && n_pops < 16)
        pops[n_pops++] = 8 + code[i + 1] - 0x58, i += 2;
      else
        break;
      if (i > 48)
        return FALSE;
    }
  if (code[i] == 0xE9)
    {
      /* A tail call: an epilogue only when it leaves the function. */
      gint64 rel = (gint32) kdh_read_le32 (code + i + 1);
      guint64 target = r[KDH_UNWIND_RIP] + i + 5 + (guint64) rel;

      if (target >= u->base + begin_rva && target < u->base + end_rva)
        return FALSE;
    }
  else if (code[i] != 0xC3 && code[i] != 0xC2 && !(code[i] == 0xF3 && code[i + 1] == 0xC3))
    return FALSE;
  {
    KdhUnwindRegs saved = *u->regs;
    guint64 value;

    for (guint p = 0; p < n_pops; p++, rsp += 8)
      {
        if (!read_u64 (u, rsp, &value))
          {
            *u->regs = saved;
            return FALSE;
          }
        r[pops[p]] = value;
      }
    if (!read_u64 (u, rsp, &value))
      {
        *u->regs = saved;
        return FALSE;
      }
    r[KDH_UNWIND_RIP] = value;
    r[KDH_UNWIND_RSP] = rsp + 8;
  }
  return TRUE;
}

KdhUnwindResult
kdh_unwind_step (KdhUnwindReadFunc   read,
                 KdhUnwindImageFunc  image,
                 gpointer            data,
                 KdhUnwindRegs      *regs,
                 guint64            *function_start)
{
  Unwinder u = { read, data, 0, NULL, FALSE };
  KdhUnwindRegs work = *regs;
  guint64 rip = regs->r[KDH_UNWIND_RIP], ret;
  guint32 pdata_rva = 0, pdata_size = 0, entry[3] = { 0, 0, 0 };
  guint32 rva = 0;

  if (function_start)
    *function_start = 0;
  u.regs = &work;
  if (image (data, rip, &u.base, &pdata_rva, &pdata_size) && rip - u.base <= G_MAXUINT32)
    rva = (guint32) (rip - u.base);
  if (rva == 0 || !find_function (&u, pdata_rva, pdata_size, rva, entry))
    {
      /* No entry: a leaf function, which leaves rsp alone and keeps its
       * return address at [rsp]. */
      if (!read_u64 (&u, regs->r[KDH_UNWIND_RSP], &ret))
        return KDH_UNWIND_FAILED;
      regs->r[KDH_UNWIND_RIP] = ret;
      regs->r[KDH_UNWIND_RSP] += 8;
      return KDH_UNWIND_LEAF;
    }
  if (function_start)
    *function_start = u.base + entry[0];
  /* An odd unwind RVA points at the RUNTIME_FUNCTION whose info applies. */
  for (guint hop = 0; (entry[2] & 1) && hop < MAX_CHAIN; hop++)
    {
      guint8 b[12];

      if (!read (data, u.base + (entry[2] & ~1u), b, 12))
        return KDH_UNWIND_FAILED;
      entry[2] = kdh_read_le32 (b + 8);
    }
  if (emulate_epilogue (&u, entry[0], entry[1]))
    {
      *regs = work;
      return KDH_UNWIND_OK;
    }
  if (!undo_codes (&u, entry[2], rva - entry[0], 0))
    return KDH_UNWIND_FAILED;
  if (!u.machine_frame)
    {
      if (!read_u64 (&u, work.r[KDH_UNWIND_RSP], &ret))
        return KDH_UNWIND_FAILED;
      work.r[KDH_UNWIND_RIP] = ret;
      work.r[KDH_UNWIND_RSP] += 8;
    }
  *regs = work;
  return u.machine_frame ? KDH_UNWIND_MACHINE_FRAME : KDH_UNWIND_OK;
}
