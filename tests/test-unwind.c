/* test-unwind.c: the x64 unwinder (and the x86 frame-pointer one) against hand-built images and stacks
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case lays out a RUNTIME_FUNCTION, its UNWIND_INFO and a stack as
 * Microsoft's x64 exception-handling documentation describes them, and
 * checks the caller's registers the unwinder computes against what the
 * prologue saved (known here by construction).
 */
#include <string.h>

#include "target/kdh-unwind.h"

#define BASE       G_GUINT64_CONSTANT (0x10000)
#define IMAGE_SIZE 0x4000
#define STACK      G_GUINT64_CONSTANT (0x80000)
#define STACK_SIZE 0x1000
#define PDATA      0x100
#define FUNC       0x1000       /* the function: [FUNC, FUNC + 0x100) */
#define INFO       0x2000

typedef struct {
  guint8 image[IMAGE_SIZE];
  guint8 stack[STACK_SIZE];
  guint32 n_functions;
  gboolean stack_unreadable;
} Machine;

static gboolean
mem_read (gpointer data,
          guint64  address,
          guint8  *buffer,
          gsize    len)
{
  Machine *m = data;

  if (address >= BASE && address + len <= BASE + IMAGE_SIZE)
    memcpy (buffer, m->image + (address - BASE), len);
  else if (!m->stack_unreadable && address >= STACK && address + len <= STACK + STACK_SIZE)
    memcpy (buffer, m->stack + (address - STACK), len);
  else
    return FALSE;
  return TRUE;
}

static gboolean
mem_image (gpointer  data,
           guint64   address,
           guint64  *base,
           guint32  *pdata_rva,
           guint32  *pdata_size)
{
  Machine *m = data;

  if (address < BASE || address >= BASE + IMAGE_SIZE)
    return FALSE;
  *base = BASE;
  *pdata_rva = PDATA;
  *pdata_size = m->n_functions * 12;
  return TRUE;
}

static void
put32 (guint8  *p,
       guint32  v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
put64 (guint8  *p,
       guint64  v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
stack_put (Machine *m,
           guint64  address,
           guint64  value)
{
  put64 (m->stack + (address - STACK), value);
}

/* A RUNTIME_FUNCTION at index @i (entries must be added in address order). */
static void
add_function (Machine *m,
              guint32  begin,
              guint32  end,
              guint32  unwind)
{
  guint8 *e = m->image + PDATA + 12 * m->n_functions++;

  put32 (e, begin);
  put32 (e + 4, end);
  put32 (e + 8, unwind);
}

/* UNWIND_INFO at @rva: @codes are (offset, op | info << 4) byte pairs. */
static void
add_info (Machine      *m,
          guint32       rva,
          guint8        flags,
          guint8        prolog,
          guint8        frame,
          const guint8 *codes,
          guint         n_slots)
{
  guint8 *u = m->image + rva;

  u[0] = 1 | (guint8) (flags << 3);
  u[1] = prolog;
  u[2] = (guint8) n_slots;
  u[3] = frame;
  memcpy (u + 4, codes, 2 * n_slots);
}

static Machine *
machine_new (void)
{
  Machine *m = g_new0 (Machine, 1);

  /* Function bodies of nops: no epilogue anywhere unless a case puts one. */
  memset (m->image + FUNC, 0x90, 0x800);
  return m;
}

static void
init_regs (KdhUnwindRegs *r,
           guint64        rip,
           guint64        rsp)
{
  for (guint i = 0; i < KDH_UNWIND_N_REGS; i++)
    r->r[i] = 0x1111 * (i + 1);
  r->r[KDH_UNWIND_RIP] = rip;
  r->r[KDH_UNWIND_RSP] = rsp;
}

/* push rbx; sub rsp, 28h; mov [rsp+40h], rsi: all three undone in the
 * body; only the push when rip is between the push and the sub. */
static void
test_prologue_codes (void)
{
  g_autofree Machine *m = machine_new ();
  const guint8 codes[] = { 10, 4 | (6 << 4), 8, 0,      /* SAVE_NONVOL rsi at rsp+8*8 */
                           5, 2 | (4 << 4),             /* ALLOC_SMALL 4*8+8 = 0x28 */
                           1, 0 | (3 << 4) };           /* PUSH_NONVOL rbx */
  guint64 sp = STACK + 0x800, start;
  KdhUnwindRegs r;

  add_function (m, FUNC, FUNC + 0x100, INFO);
  add_info (m, INFO, 0, 10, 0, codes, 4);
  stack_put (m, sp + 0x40, 0x5151);     /* rsi, in the caller's home area */
  stack_put (m, sp + 0x28, 0xB0B0);     /* rbx */
  stack_put (m, sp + 0x30, BASE + 0x3000);

  init_regs (&r, BASE + FUNC + 0x20, sp);
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, &start), ==, KDH_UNWIND_OK);
  g_assert_cmphex (start, ==, BASE + FUNC);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3000);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, sp + 0x38);
  g_assert_cmphex (r.r[KDH_UNWIND_RBX], ==, 0xB0B0);
  g_assert_cmphex (r.r[KDH_UNWIND_RSI], ==, 0x5151);
  g_assert_cmphex (r.r[KDH_UNWIND_RDI], ==, 0x1111 * (KDH_UNWIND_RDI + 1));

  /* In the prologue after the push only: rsp points at the saved rbx. */
  stack_put (m, sp, 0xB1B1);
  stack_put (m, sp + 8, BASE + 0x3008);
  init_regs (&r, BASE + FUNC + 3, sp);
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RBX], ==, 0xB1B1);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3008);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, sp + 0x10);
  g_assert_cmphex (r.r[KDH_UNWIND_RSI], ==, 0x1111 * (KDH_UNWIND_RSI + 1));
}

/* UWOP_ALLOC_LARGE in both forms and UWOP_SAVE_NONVOL_FAR. */
static void
test_large_codes (void)
{
  g_autofree Machine *m = machine_new ();
  const guint8 codes[] = { 20, 5 | (12 << 4), 0x10, 0x02, 0x00, 0x00,  /* r12 at rsp+0x210 */
                           12, 1 | (1 << 4), 0x00, 0x01, 0x00, 0x00,  /* ALLOC 0x100 (32-bit) */
                           4, 1 | (0 << 4), 0x21, 0x00 };             /* ALLOC 0x21*8 = 0x108 */
  guint64 sp = STACK + 0x100;
  KdhUnwindRegs r;

  add_function (m, FUNC, FUNC + 0x100, INFO);
  add_info (m, INFO, 0, 20, 0, codes, 8);
  stack_put (m, sp + 0x210, 0xC12C12);
  stack_put (m, sp + 0x208, BASE + 0x3010);
  init_regs (&r, BASE + FUNC + 0x40, sp);
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_R12], ==, 0xC12C12);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3010);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, sp + 0x210);
}

/* push rbp; sub rsp, 40h; lea rbp, [rsp+20h] (frame register rbp, offset
 * 2*16): rsp comes from rbp, whatever rsp is now (an alloca). */
static void
test_frame_register (void)
{
  g_autofree Machine *m = machine_new ();
  const guint8 codes[] = { 9, 3,                       /* SET_FPREG */
                           5, 2 | (7 << 4),            /* ALLOC_SMALL 0x40 */
                           1, 0 | (5 << 4) };          /* PUSH_NONVOL rbp */
  guint64 body_sp = STACK + 0x400;      /* rsp after the prologue */
  KdhUnwindRegs r;

  add_function (m, FUNC, FUNC + 0x100, INFO);
  add_info (m, INFO, 0, 9, 5 | (2 << 4), codes, 3);
  stack_put (m, body_sp + 0x40, 0xBEBE);          /* saved rbp */
  stack_put (m, body_sp + 0x48, BASE + 0x3020);
  init_regs (&r, BASE + FUNC + 0x30, STACK + 0x200);   /* alloca moved rsp */
  r.r[KDH_UNWIND_RBP] = body_sp + 0x20;
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RBP], ==, 0xBEBE);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3020);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, body_sp + 0x50);
}

/* A function fragment whose UNWIND_INFO chains to its parent's: the
 * fragment's own code and all of the parent's are undone. Then the same
 * fragment reached through an odd unwind RVA (an indirect entry). */
static void
test_chained (void)
{
  g_autofree Machine *m = machine_new ();
  const guint8 parent[] = { 1, 0 | (3 << 4) };          /* push rbx */
  guint8 fragment[4 + 12] = { 4, 2 | (1 << 4), 0, 0 };  /* ALLOC_SMALL 0x10, padding */
  guint64 sp = STACK + 0x300;
  KdhUnwindRegs r;

  put32 (fragment + 4, FUNC);
  put32 (fragment + 8, FUNC + 0x80);
  put32 (fragment + 12, INFO);
  add_function (m, FUNC, FUNC + 0x80, INFO);
  add_function (m, FUNC + 0x80, FUNC + 0x100, INFO + 0x40);
  add_info (m, INFO, 0, 1, 0, parent, 1);
  add_info (m, INFO + 0x40, 4 /* UNW_FLAG_CHAININFO */, 4, 0, fragment, 1);
  /* The chained RUNTIME_FUNCTION follows the codes, padded to even. */
  memcpy (m->image + INFO + 0x40 + 4 + 4, fragment + 4, 12);
  stack_put (m, sp + 0x10, 0xB2B2);
  stack_put (m, sp + 0x18, BASE + 0x3030);
  init_regs (&r, BASE + FUNC + 0x90, sp);
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RBX], ==, 0xB2B2);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3030);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, sp + 0x20);
}

static void
test_indirect_entry (void)
{
  g_autofree Machine *m = machine_new ();
  const guint8 codes[] = { 1, 0 | (3 << 4) };           /* push rbx */
  guint64 sp = STACK + 0x300;
  KdhUnwindRegs r;

  add_function (m, FUNC, FUNC + 0x80, INFO);
  /* The second range's entry points (odd RVA) at the first entry. */
  add_function (m, FUNC + 0x80, FUNC + 0x100, PDATA | 1);
  add_info (m, INFO, 0, 1, 0, codes, 1);
  stack_put (m, sp, 0xB3B3);
  stack_put (m, sp + 8, BASE + 0x3040);
  init_regs (&r, BASE + FUNC + 0xA0, sp);
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RBX], ==, 0xB3B3);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3040);
}

/* UWOP_PUSH_MACHFRAME: rip and rsp from the interrupt frame, with and
 * without an error code; no return address is popped. */
static void
test_machine_frame (void)
{
  for (guint with_code = 0; with_code < 2; with_code++)
    {
      g_autofree Machine *m = machine_new ();
      const guint8 codes[] = { 0, 10 | (with_code << 4) };
      guint64 sp = STACK + 0x500, frame = sp + (with_code ? 8 : 0);
      KdhUnwindRegs r;

      add_function (m, FUNC, FUNC + 0x100, INFO);
      add_info (m, INFO, 0, 0, 0, codes, 1);
      stack_put (m, frame, BASE + 0x3050);            /* RIP */
      stack_put (m, frame + 8, 0x10);                 /* CS */
      stack_put (m, frame + 16, 0x246);               /* EFLAGS */
      stack_put (m, frame + 24, STACK + 0x900);       /* RSP */
      init_regs (&r, BASE + FUNC + 0x10, sp);
      g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==,
                       KDH_UNWIND_MACHINE_FRAME);
      g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3050);
      g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, STACK + 0x900);
    }
}

/* In an epilogue the codes no longer describe the stack: it is run
 * forwards instead (add rsp, 28h; pop rbx; pop r12; ret). */
static void
test_epilogue (void)
{
  g_autofree Machine *m = machine_new ();
  const guint8 codes[] = { 7, 2 | (4 << 4), 3, 0 | (12 << 4), 1, 0 | (3 << 4) };
  const guint8 epilogue[] = { 0x48, 0x83, 0xC4, 0x28, 0x5B, 0x41, 0x5C, 0xC3 };
  guint64 sp = STACK + 0x600;
  KdhUnwindRegs r;

  add_function (m, FUNC, FUNC + 0x100, INFO);
  add_info (m, INFO, 0, 7, 0, codes, 3);
  memcpy (m->image + FUNC + 0x60, epilogue, sizeof epilogue);
  stack_put (m, sp + 0x28, 0xB4B4);
  stack_put (m, sp + 0x30, 0xC4C4);
  stack_put (m, sp + 0x38, BASE + 0x3060);

  init_regs (&r, BASE + FUNC + 0x60, sp);
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RBX], ==, 0xB4B4);
  g_assert_cmphex (r.r[KDH_UNWIND_R12], ==, 0xC4C4);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3060);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, sp + 0x40);

  /* Half-way: after "add rsp" and "pop rbx", at "pop r12". */
  init_regs (&r, BASE + FUNC + 0x65, sp + 0x30);
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_R12], ==, 0xC4C4);
  g_assert_cmphex (r.r[KDH_UNWIND_RBX], ==, 0x1111 * (KDH_UNWIND_RBX + 1));
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3060);
}

/* No RUNTIME_FUNCTION: a leaf, its return address at rsp. Unreadable
 * stack or a bad UNWIND_INFO: nothing is made up, the registers stay. */
static void
test_leaf_and_failures (void)
{
  g_autofree Machine *m = machine_new ();
  const guint8 codes[] = { 1, 0 | (3 << 4) };
  guint64 sp = STACK + 0x700;
  KdhUnwindRegs r, before;

  add_function (m, FUNC, FUNC + 0x100, INFO);
  add_info (m, INFO, 0, 1, 0, codes, 1);
  stack_put (m, sp, BASE + 0x3070);
  init_regs (&r, BASE + FUNC + 0x200, sp);               /* past the only function */
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_LEAF);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, BASE + 0x3070);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, sp + 8);

  m->stack_unreadable = TRUE;
  init_regs (&r, BASE + FUNC + 0x20, sp);
  before = r;
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_FAILED);
  g_assert_cmpmem (&r, sizeof r, &before, sizeof before);

  m->stack_unreadable = FALSE;
  m->image[INFO] = 7;                                    /* UNWIND_INFO version 7 */
  g_assert_cmpint (kdh_unwind_step (mem_read, mem_image, m, &r, NULL), ==, KDH_UNWIND_FAILED);
  g_assert_cmpmem (&r, sizeof r, &before, sizeof before);
}

/* x86 by frame pointer: a chain of two EBP links built on the stack as
 * "push ebp; mov ebp, esp" leaves them, ending at a zero EBP. */
static void
test_x86_chain (void)
{
  g_autofree Machine *m = machine_new ();
  guint64 ebp0 = STACK + 0x100, ebp1 = STACK + 0x200;
  KdhUnwindRegs r = { 0 }, before;

  put32 (m->stack + 0x100, (guint32) ebp1);
  put32 (m->stack + 0x104, 0x11111);
  put32 (m->stack + 0x200, 0);
  put32 (m->stack + 0x204, 0x22222);
  put32 (m->stack + 0x208, 0xA1);                        /* an argument */
  r.r[KDH_UNWIND_RIP] = BASE + FUNC + 0x10;              /* mid-function: nops */
  r.r[KDH_UNWIND_RSP] = STACK + 0x80;
  r.r[KDH_UNWIND_RBP] = ebp0;
  r.r[KDH_UNWIND_RBX] = 0xB0B0;
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, 0x11111);
  g_assert_cmphex (r.r[KDH_UNWIND_RBP], ==, ebp1);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, ebp0 + 8);
  g_assert_cmphex (r.r[KDH_UNWIND_RBX], ==, 0xB0B0);
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, 0x22222);
  g_assert_cmphex (r.r[KDH_UNWIND_RBP], ==, 0);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, ebp1 + 8);
  /* The end of the chain: nothing more, the registers stay. */
  before = r;
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_FAILED);
  g_assert_cmpmem (&r, sizeof r, &before, sizeof before);
}

/* A stop at a function's entry, before its EBP link exists; and EBP
 * values that cannot be links. */
static void
test_x86_prologue_and_failures (void)
{
  g_autofree Machine *m = machine_new ();
  KdhUnwindRegs r = { 0 }, before;

  m->image[FUNC] = 0x55;                                 /* push ebp */
  m->image[FUNC + 1] = 0x8B;                             /* mov ebp, esp */
  m->image[FUNC + 2] = 0xEC;
  put32 (m->stack + 0x80, 0x33333);
  r.r[KDH_UNWIND_RIP] = BASE + FUNC;
  r.r[KDH_UNWIND_RSP] = STACK + 0x80;
  r.r[KDH_UNWIND_RBP] = STACK + 0x400;                   /* the caller's, untouched */
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, 0x33333);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, STACK + 0x84);
  g_assert_cmphex (r.r[KDH_UNWIND_RBP], ==, STACK + 0x400);

  /* After the push: the caller's EBP on top, the return address above. */
  put32 (m->stack + 0x7C, STACK + 0x300);
  memset (&r, 0, sizeof r);
  r.r[KDH_UNWIND_RIP] = BASE + FUNC + 1;
  r.r[KDH_UNWIND_RSP] = STACK + 0x7C;
  r.r[KDH_UNWIND_RBP] = 0x12345678;
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_OK);
  g_assert_cmphex (r.r[KDH_UNWIND_RIP], ==, 0x33333);
  g_assert_cmphex (r.r[KDH_UNWIND_RBP], ==, STACK + 0x300);
  g_assert_cmphex (r.r[KDH_UNWIND_RSP], ==, STACK + 0x84);

  /* EBP below ESP, misaligned, unreadable: no frame is made up. */
  memset (&r, 0, sizeof r);
  r.r[KDH_UNWIND_RIP] = BASE + FUNC + 0x10;
  r.r[KDH_UNWIND_RSP] = STACK + 0x200;
  r.r[KDH_UNWIND_RBP] = STACK + 0x100;
  before = r;
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_FAILED);
  g_assert_cmpmem (&r, sizeof r, &before, sizeof before);
  r.r[KDH_UNWIND_RBP] = STACK + 0x202;
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_FAILED);
  r.r[KDH_UNWIND_RBP] = STACK + STACK_SIZE + 0x100;
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_FAILED);
  r.r[KDH_UNWIND_RBP] = STACK + 0x300;
  m->stack_unreadable = TRUE;
  before = r;
  g_assert_cmpint (kdh_unwind_x86_step (mem_read, m, &r), ==, KDH_UNWIND_FAILED);
  g_assert_cmpmem (&r, sizeof r, &before, sizeof before);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/unwind/prologue-codes", test_prologue_codes);
  g_test_add_func ("/unwind/large-codes", test_large_codes);
  g_test_add_func ("/unwind/frame-register", test_frame_register);
  g_test_add_func ("/unwind/chained", test_chained);
  g_test_add_func ("/unwind/indirect-entry", test_indirect_entry);
  g_test_add_func ("/unwind/machine-frame", test_machine_frame);
  g_test_add_func ("/unwind/epilogue", test_epilogue);
  g_test_add_func ("/unwind/leaf-and-failures", test_leaf_and_failures);
  g_test_add_func ("/unwind/x86-chain", test_x86_chain);
  g_test_add_func ("/unwind/x86-prologue-and-failures", test_x86_prologue_and_failures);
  return g_test_run ();
}
