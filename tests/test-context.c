/* test-context.c: tests for the CONTEXT register tables and `r` formatting
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Offsets are restated here from docs/protocol.md §4.1/§4.2 and contexts are
 * filled by raw offset, so the tables are checked against the document rather
 * than against themselves.
 */

#include <string.h>

#include <glib.h>

#include "kd/kdh-context.h"
#include "kd/kdh-dbgkd.h"

typedef struct {
  const gchar *name;
  guint offset;
  guint size;
} Expected;

static const Expected amd64_main[] = {
  { "rax", 0x78, 8 }, { "rbx", 0x90, 8 }, { "rcx", 0x80, 8 }, { "rdx", 0x88, 8 },
  { "rsi", 0xA8, 8 }, { "rdi", 0xB0, 8 }, { "rip", 0xF8, 8 }, { "rsp", 0x98, 8 },
  { "rbp", 0xA0, 8 }, { "r8", 0xB8, 8 }, { "r9", 0xC0, 8 }, { "r10", 0xC8, 8 },
  { "r11", 0xD0, 8 }, { "r12", 0xD8, 8 }, { "r13", 0xE0, 8 }, { "r14", 0xE8, 8 },
  { "r15", 0xF0, 8 }, { "efl", 0x44, 4 }, { "cs", 0x38, 2 }, { "ss", 0x42, 2 },
  { "ds", 0x3A, 2 }, { "es", 0x3C, 2 }, { "fs", 0x3E, 2 }, { "gs", 0x40, 2 },
  { "dr0", 0x48, 8 }, { "dr1", 0x50, 8 }, { "dr2", 0x58, 8 }, { "dr3", 0x60, 8 },
  { "dr6", 0x68, 8 }, { "dr7", 0x70, 8 }, { "mxcsr", 0x34, 4 },
};

static const Expected amd64_views[] = {
  { "eax", 0x78, 4 }, { "ebx", 0x90, 4 }, { "ecx", 0x80, 4 }, { "edx", 0x88, 4 },
  { "esi", 0xA8, 4 }, { "edi", 0xB0, 4 }, { "esp", 0x98, 4 }, { "ebp", 0xA0, 4 },
  { "eip", 0xF8, 4 }, { "r8d", 0xB8, 4 }, { "r15d", 0xF0, 4 },
  { "ax", 0x78, 2 }, { "sp", 0x98, 2 }, { "r9w", 0xC0, 2 },
  { "al", 0x78, 1 }, { "ah", 0x79, 1 }, { "bl", 0x90, 1 }, { "bh", 0x91, 1 },
  { "cl", 0x80, 1 }, { "ch", 0x81, 1 }, { "dl", 0x88, 1 }, { "dh", 0x89, 1 },
  { "sil", 0xA8, 1 }, { "dil", 0xB0, 1 }, { "spl", 0x98, 1 }, { "bpl", 0xA0, 1 },
  { "r10b", 0xC8, 1 },
};

static const Expected x86_main[] = {
  { "eax", 0xB0, 4 }, { "ebx", 0xA4, 4 }, { "ecx", 0xAC, 4 }, { "edx", 0xA8, 4 },
  { "esi", 0xA0, 4 }, { "edi", 0x9C, 4 }, { "eip", 0xB8, 4 }, { "esp", 0xC4, 4 },
  { "ebp", 0xB4, 4 }, { "efl", 0xC0, 4 }, { "cs", 0xBC, 4 }, { "ss", 0xC8, 4 },
  { "ds", 0x98, 4 }, { "es", 0x94, 4 }, { "fs", 0x90, 4 }, { "gs", 0x8C, 4 },
  { "dr0", 0x04, 4 }, { "dr1", 0x08, 4 }, { "dr2", 0x0C, 4 }, { "dr3", 0x10, 4 },
  { "dr6", 0x14, 4 }, { "dr7", 0x18, 4 },
};

static const Expected x86_views[] = {
  { "ax", 0xB0, 2 }, { "bx", 0xA4, 2 }, { "cx", 0xAC, 2 }, { "dx", 0xA8, 2 },
  { "si", 0xA0, 2 }, { "di", 0x9C, 2 }, { "sp", 0xC4, 2 }, { "bp", 0xB4, 2 },
  { "al", 0xB0, 1 }, { "ah", 0xB1, 1 }, { "bl", 0xA4, 1 }, { "bh", 0xA5, 1 },
  { "cl", 0xAC, 1 }, { "ch", 0xAD, 1 }, { "dl", 0xA8, 1 }, { "dh", 0xA9, 1 },
};

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xFF;
  p[1] = v >> 8;
}

static void
put32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xFF;
}

static void
put64 (guint8 *p, guint64 v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (v >> (8 * i)) & 0xFF;
}

static void
fill_background (guint8 *ctx,
                 gsize   len)
{
  for (gsize i = 0; i < len; i++)
    ctx[i] = (guint8) ((i * 31) ^ 0x5A);
}

/* ---- Tables ----------------------------------------------------------- */

static void
test_sizes (void)
{
  guint n = 99;

  g_assert_cmpuint (kdh_context_size (KDH_MACHINE_AMD64), ==, 1232);
  g_assert_cmpuint (kdh_context_size (KDH_MACHINE_I386), ==, 716);
  g_assert_cmpuint (kdh_context_size (0x0200), ==, 0);
  g_assert_null (kdh_context_registers (0x0200, &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_null (kdh_context_find_register (0x0200, "rax"));
}

static void
check_table (guint16         machine,
             const Expected *expected,
             guint           n_expected)
{
  const KdhRegisterInfo *regs;
  gsize ctx_size = kdh_context_size (machine);
  guint n = 0;

  regs = kdh_context_registers (machine, &n);
  g_assert_nonnull (regs);
  g_assert_cmpuint (n, ==, n_expected);

  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (regs[i].name, ==, expected[i].name);
      g_assert_cmpuint (regs[i].offset, ==, expected[i].offset);
      g_assert_cmpuint (regs[i].size, ==, expected[i].size);
      g_assert_cmpuint (regs[i].offset + regs[i].size, <=, ctx_size);

      /* Names are stored in lower case and unique; lookup returns the entry. */
      for (const gchar *p = regs[i].name; *p != '\0'; p++)
        g_assert_false (g_ascii_isupper (*p));
      g_assert_true (kdh_context_find_register (machine, regs[i].name) == &regs[i]);
    }
}

static void
test_table_amd64 (void)
{
  check_table (KDH_MACHINE_AMD64, amd64_main, G_N_ELEMENTS (amd64_main));
}

static void
test_table_x86 (void)
{
  check_table (KDH_MACHINE_I386, x86_main, G_N_ELEMENTS (x86_main));
}

static void
check_views (guint16         machine,
             const Expected *views,
             guint           n_views)
{
  for (guint i = 0; i < n_views; i++)
    {
      const KdhRegisterInfo *r = kdh_context_find_register (machine, views[i].name);

      g_assert_nonnull (r);
      g_assert_cmpstr (r->name, ==, views[i].name);
      g_assert_cmpuint (r->offset, ==, views[i].offset);
      g_assert_cmpuint (r->size, ==, views[i].size);
    }
}

static void
test_find_register (void)
{
  const KdhRegisterInfo *r;

  check_views (KDH_MACHINE_AMD64, amd64_views, G_N_ELEMENTS (amd64_views));
  check_views (KDH_MACHINE_I386, x86_views, G_N_ELEMENTS (x86_views));

  /* Case does not matter. */
  r = kdh_context_find_register (KDH_MACHINE_AMD64, "RIP");
  g_assert_nonnull (r);
  g_assert_cmpuint (r->offset, ==, 0xF8);
  g_assert_true (kdh_context_find_register (KDH_MACHINE_AMD64, "Efl")
                 == kdh_context_find_register (KDH_MACHINE_AMD64, "efl"));
  g_assert_true (kdh_context_find_register (KDH_MACHINE_I386, "EAX")
                 == kdh_context_find_register (KDH_MACHINE_I386, "eax"));
  g_assert_true (kdh_context_find_register (KDH_MACHINE_AMD64, "R8D")
                 == kdh_context_find_register (KDH_MACHINE_AMD64, "r8d"));

  /* Names from the other machine, or none at all. */
  g_assert_null (kdh_context_find_register (KDH_MACHINE_I386, "rax"));
  g_assert_null (kdh_context_find_register (KDH_MACHINE_I386, "r8"));
  g_assert_null (kdh_context_find_register (KDH_MACHINE_I386, "mxcsr"));
  g_assert_null (kdh_context_find_register (KDH_MACHINE_AMD64, "foo"));
  g_assert_null (kdh_context_find_register (KDH_MACHINE_AMD64, ""));
  g_assert_null (kdh_context_find_register (KDH_MACHINE_AMD64, "ra"));
}

/* ---- get / set -------------------------------------------------------- */

static void
check_get_set (guint16         machine,
               const Expected *regs,
               guint           n_regs)
{
  gsize size = kdh_context_size (machine);

  for (guint i = 0; i < n_regs; i++)
    {
      const KdhRegisterInfo *r = kdh_context_find_register (machine, regs[i].name);
      g_autofree guint8 *ctx = g_malloc (size);
      g_autofree guint8 *before = g_malloc (size);
      guint64 value = G_GUINT64_CONSTANT (0x8877665544332211) + i;
      guint64 mask = regs[i].size == 8 ? G_MAXUINT64
                                       : (G_GUINT64_CONSTANT (1) << (8 * regs[i].size)) - 1;
      guint64 got = 0;

      g_assert_nonnull (r);
      fill_background (ctx, size);
      memcpy (before, ctx, size);

      g_assert_true (kdh_context_set (ctx, size, r, value));
      g_assert_true (kdh_context_get (ctx, size, r, &got));
      g_assert_cmpuint (got, ==, value & mask);

      /* Little-endian at the documented offset, nothing else touched. */
      for (gsize b = 0; b < size; b++)
        {
          if (b >= regs[i].offset && b < regs[i].offset + regs[i].size)
            g_assert_cmpuint (ctx[b], ==, (guint8) (value >> (8 * (b - regs[i].offset))));
          else
            g_assert_cmpuint (ctx[b], ==, before[b]);
        }
    }
}

static void
test_get_set_amd64 (void)
{
  check_get_set (KDH_MACHINE_AMD64, amd64_main, G_N_ELEMENTS (amd64_main));
  check_get_set (KDH_MACHINE_AMD64, amd64_views, G_N_ELEMENTS (amd64_views));
}

static void
test_get_set_x86 (void)
{
  check_get_set (KDH_MACHINE_I386, x86_main, G_N_ELEMENTS (x86_main));
  check_get_set (KDH_MACHINE_I386, x86_views, G_N_ELEMENTS (x86_views));
}

static guint64
get_named (const guint8 *ctx,
           const gchar  *name)
{
  const KdhRegisterInfo *r = kdh_context_find_register (KDH_MACHINE_AMD64, name);
  guint64 v = 0;

  g_assert_nonnull (r);
  g_assert_true (kdh_context_get (ctx, KDH_CONTEXT_AMD64_SIZE, r, &v));
  return v;
}

static void
set_named (guint8      *ctx,
           const gchar *name,
           guint64      v)
{
  const KdhRegisterInfo *r = kdh_context_find_register (KDH_MACHINE_AMD64, name);

  g_assert_nonnull (r);
  g_assert_true (kdh_context_set (ctx, KDH_CONTEXT_AMD64_SIZE, r, v));
}

static void
test_sub_registers (void)
{
  g_autofree guint8 *ctx = g_malloc0 (KDH_CONTEXT_AMD64_SIZE);

  set_named (ctx, "rax", G_GUINT64_CONSTANT (0x1122334455667788));
  g_assert_cmpuint (get_named (ctx, "eax"), ==, 0x55667788);
  g_assert_cmpuint (get_named (ctx, "ax"), ==, 0x7788);
  g_assert_cmpuint (get_named (ctx, "al"), ==, 0x88);
  g_assert_cmpuint (get_named (ctx, "ah"), ==, 0x77);

  /* A narrow write keeps the rest of the register. */
  set_named (ctx, "ah", 0xAB);
  g_assert_cmpuint (get_named (ctx, "rax"), ==, G_GUINT64_CONSTANT (0x112233445566AB88));
  set_named (ctx, "eax", G_GUINT64_CONSTANT (0xFFFFFFFF00000001));
  g_assert_cmpuint (get_named (ctx, "rax"), ==, G_GUINT64_CONSTANT (0x1122334400000001));
  set_named (ctx, "r8", G_GUINT64_CONSTANT (0x0102030405060708));
  set_named (ctx, "r8b", 0xFF);
  g_assert_cmpuint (get_named (ctx, "r8"), ==, G_GUINT64_CONSTANT (0x01020304050607FF));
  g_assert_cmpuint (get_named (ctx, "r8w"), ==, 0x07FF);
  g_assert_cmpuint (get_named (ctx, "r8d"), ==, 0x050607FF);
}

/* A reply shorter than the CONTEXT: registers past its end fail cleanly. */
static void
check_truncated (guint16         machine,
                 const Expected *regs,
                 guint           n_regs)
{
  for (guint i = 0; i < n_regs; i++)
    {
      const KdhRegisterInfo *r = kdh_context_find_register (machine, regs[i].name);
      gsize end = regs[i].offset + regs[i].size;

      for (gsize len = end - regs[i].size; len <= end; len++)
        {
          g_autofree guint8 *ctx = len > 0 ? g_malloc (len) : NULL;
          g_autofree guint8 *before = NULL;
          guint64 v = 42;

          fill_background (ctx, len);
          before = g_memdup2 (ctx, len);

          if (len < end)
            {
              g_assert_false (kdh_context_get (ctx, len, r, &v));
              g_assert_cmpuint (v, ==, 42);
              g_assert_false (kdh_context_set (ctx, len, r, 0));
              if (len > 0)
                g_assert_cmpmem (ctx, len, before, len);
            }
          else
            {
              g_assert_true (kdh_context_get (ctx, len, r, &v));
              g_assert_true (kdh_context_set (ctx, len, r, 0));
            }
        }
    }
}

static void
test_truncated (void)
{
  check_truncated (KDH_MACHINE_AMD64, amd64_main, G_N_ELEMENTS (amd64_main));
  check_truncated (KDH_MACHINE_AMD64, amd64_views, G_N_ELEMENTS (amd64_views));
  check_truncated (KDH_MACHINE_I386, x86_main, G_N_ELEMENTS (x86_main));
  check_truncated (KDH_MACHINE_I386, x86_views, G_N_ELEMENTS (x86_views));
}

/* ---- Formatting ------------------------------------------------------- */

static void
test_eflags (void)
{
  static const struct {
    guint32 efl;
    const gchar *text;
  } cases[] = {
    { 0x00000000, "nv up di pl nz na po nc" },
    { 0x00000246, "nv up ei pl zr na pe nc" },
    { 0x00000202, "nv up ei pl nz na po nc" },
    { 0x00000ED5, "ov dn ei ng zr ac pe cy" },
    { 0x00000800, "ov up di pl nz na po nc" },
    { 0x00000400, "nv dn di pl nz na po nc" },
    { 0x00000200, "nv up ei pl nz na po nc" },
    { 0x00000080, "nv up di ng nz na po nc" },
    { 0x00000040, "nv up di pl zr na po nc" },
    { 0x00000010, "nv up di pl nz ac po nc" },
    { 0x00000004, "nv up di pl nz na pe nc" },
    { 0x00000001, "nv up di pl nz na po cy" },
    /* Bits WinDbg does not name here change nothing. */
    { 0xFFFFF12A, "nv up di pl nz na po nc" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *s = kdh_context_format_eflags (cases[i].efl);

      g_assert_cmpstr (s, ==, cases[i].text);
    }
}

static void
test_format_amd64 (void)
{
  g_autofree guint8 *ctx = g_malloc0 (KDH_CONTEXT_AMD64_SIZE);
  g_autofree gchar *s = NULL;

  put64 (ctx + 0x80, 1);                                         /* rcx */
  put64 (ctx + 0xF8, G_GUINT64_CONSTANT (0xFFFFF8000201A0B0));   /* rip */
  put64 (ctx + 0x98, G_GUINT64_CONSTANT (0xFFFFF80002B5FB88));   /* rsp */
  put32 (ctx + 0x44, 0x246);
  put16 (ctx + 0x38, 0x10);
  put16 (ctx + 0x42, 0x18);
  put16 (ctx + 0x3A, 0x2B);
  put16 (ctx + 0x3C, 0x2B);
  put16 (ctx + 0x3E, 0x53);
  put16 (ctx + 0x40, 0x2B);

  s = kdh_context_format (ctx, KDH_CONTEXT_AMD64_SIZE, KDH_MACHINE_AMD64);
  g_assert_cmpstr (s, ==,
    "rax=0000000000000000 rbx=0000000000000000 rcx=0000000000000001\n"
    "rdx=0000000000000000 rsi=0000000000000000 rdi=0000000000000000\n"
    "rip=fffff8000201a0b0 rsp=fffff80002b5fb88 rbp=0000000000000000\n"
    " r8=0000000000000000  r9=0000000000000000 r10=0000000000000000\n"
    "r11=0000000000000000 r12=0000000000000000 r13=0000000000000000\n"
    "r14=0000000000000000 r15=0000000000000000\n"
    "iopl=0         nv up ei pl zr na pe nc\n"
    "cs=0010  ss=0018  ds=002b  es=002b  fs=0053  gs=002b             efl=00000246\n");
}

/* Every register a distinct value, placed by raw offset. */
static void
test_format_amd64_all (void)
{
  g_autofree guint8 *ctx = g_malloc0 (KDH_CONTEXT_AMD64_SIZE);
  g_autofree gchar *s = NULL;

  /* Rax..R15 are 16 consecutive u64 at 0x78 in the order
   * rax rcx rdx rbx rsp rbp rsi rdi r8..r15, then Rip. */
  for (guint i = 0; i < 17; i++)
    put64 (ctx + 0x78 + 8 * i, G_GUINT64_CONSTANT (0x0101010101010101) * (i + 1));
  put32 (ctx + 0x44, 0x00003ED7 | (1u << 19));   /* iopl 3, vif, every named flag */
  put16 (ctx + 0x38, 0x0033);
  put16 (ctx + 0x3A, 0x002B);
  put16 (ctx + 0x3C, 0x0023);
  put16 (ctx + 0x3E, 0x0053);
  put16 (ctx + 0x40, 0x002F);
  put16 (ctx + 0x42, 0x0018);

  s = kdh_context_format (ctx, KDH_CONTEXT_AMD64_SIZE, KDH_MACHINE_AMD64);
  g_assert_cmpstr (s, ==,
    "rax=0101010101010101 rbx=0404040404040404 rcx=0202020202020202\n"
    "rdx=0303030303030303 rsi=0707070707070707 rdi=0808080808080808\n"
    "rip=1111111111111111 rsp=0505050505050505 rbp=0606060606060606\n"
    " r8=0909090909090909  r9=0a0a0a0a0a0a0a0a r10=0b0b0b0b0b0b0b0b\n"
    "r11=0c0c0c0c0c0c0c0c r12=0d0d0d0d0d0d0d0d r13=0e0e0e0e0e0e0e0e\n"
    "r14=0f0f0f0f0f0f0f0f r15=1010101010101010\n"
    "iopl=3     vif ov dn ei ng zr ac pe cy\n"
    "cs=0033  ss=0018  ds=002b  es=0023  fs=0053  gs=002f             efl=00083ed7\n");
}

static void
test_format_x86 (void)
{
  g_autofree guint8 *ctx = g_malloc0 (KDH_CONTEXT_X86_SIZE);
  g_autofree gchar *s = NULL;

  put32 (ctx + 0xB0, 0x00000001);   /* eax */
  put32 (ctx + 0xA4, 0x7FFDF000);   /* ebx */
  put32 (ctx + 0xAC, 0x00000002);   /* ecx */
  put32 (ctx + 0xA8, 0x00000003);   /* edx */
  put32 (ctx + 0xA0, 0x00000004);   /* esi */
  put32 (ctx + 0x9C, 0x00000005);   /* edi */
  put32 (ctx + 0xB8, 0x80527BDC);   /* eip */
  put32 (ctx + 0xC4, 0x80552010);   /* esp */
  put32 (ctx + 0xB4, 0x80552020);   /* ebp */
  put32 (ctx + 0xC0, 0x00000202);   /* efl */
  put32 (ctx + 0xBC, 0x0008);       /* cs */
  put32 (ctx + 0xC8, 0x0010);       /* ss */
  put32 (ctx + 0x98, 0x0023);       /* ds */
  put32 (ctx + 0x94, 0x0023);       /* es */
  put32 (ctx + 0x90, 0x0030);       /* fs */
  put32 (ctx + 0x8C, 0x0000);       /* gs */

  s = kdh_context_format (ctx, KDH_CONTEXT_X86_SIZE, KDH_MACHINE_I386);
  g_assert_cmpstr (s, ==,
    "eax=00000001 ebx=7ffdf000 ecx=00000002 edx=00000003 esi=00000004 edi=00000005\n"
    "eip=80527bdc esp=80552010 ebp=80552020 iopl=0         nv up ei pl nz na po nc\n"
    "cs=0008  ss=0010  ds=0023  es=0023  fs=0030  gs=0000             efl=00000202\n");
}

static void
test_format_truncated (void)
{
  g_autofree guint8 *full = g_malloc0 (KDH_CONTEXT_AMD64_SIZE);
  g_autofree guint8 *ctx = NULL;
  g_autofree gchar *s = NULL;
  g_autofree gchar *empty = NULL;

  /* 0x80 bytes hold the segments, EFlags and Rax, but not Rcx onwards. */
  put64 (full + 0x78, G_GUINT64_CONSTANT (0xDEADBEEF));
  put32 (full + 0x44, 0x202);
  put16 (full + 0x38, 0x10);
  put16 (full + 0x42, 0x18);
  ctx = g_memdup2 (full, 0x80);

  s = kdh_context_format (ctx, 0x80, KDH_MACHINE_AMD64);
  g_assert_cmpstr (s, ==,
    "rax=00000000deadbeef rbx=???????????????? rcx=????????????????\n"
    "rdx=???????????????? rsi=???????????????? rdi=????????????????\n"
    "rip=???????????????? rsp=???????????????? rbp=????????????????\n"
    " r8=????????????????  r9=???????????????? r10=????????????????\n"
    "r11=???????????????? r12=???????????????? r13=????????????????\n"
    "r14=???????????????? r15=????????????????\n"
    "iopl=0         nv up ei pl nz na po nc\n"
    "cs=0010  ss=0018  ds=0000  es=0000  fs=0000  gs=0000             efl=00000202\n");

  empty = kdh_context_format (NULL, 0, KDH_MACHINE_I386);
  g_assert_cmpstr (empty, ==,
    "eax=???????? ebx=???????? ecx=???????? edx=???????? esi=???????? edi=????????\n"
    "eip=???????? esp=???????? ebp=???????? iopl=?\n"
    "cs=????  ss=????  ds=????  es=????  fs=????  gs=????             efl=????????\n");
}

static void
test_format_unknown_machine (void)
{
  guint8 ctx[16] = { 0 };
  g_autofree gchar *s = kdh_context_format (ctx, sizeof ctx, 0x0200);

  g_assert_cmpstr (s, ==, "unknown machine 0x0200\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kd/context/sizes", test_sizes);
  g_test_add_func ("/kd/context/table-amd64", test_table_amd64);
  g_test_add_func ("/kd/context/table-x86", test_table_x86);
  g_test_add_func ("/kd/context/find-register", test_find_register);
  g_test_add_func ("/kd/context/get-set-amd64", test_get_set_amd64);
  g_test_add_func ("/kd/context/get-set-x86", test_get_set_x86);
  g_test_add_func ("/kd/context/sub-registers", test_sub_registers);
  g_test_add_func ("/kd/context/truncated", test_truncated);
  g_test_add_func ("/kd/context/eflags", test_eflags);
  g_test_add_func ("/kd/context/format-amd64", test_format_amd64);
  g_test_add_func ("/kd/context/format-amd64-all", test_format_amd64_all);
  g_test_add_func ("/kd/context/format-x86", test_format_x86);
  g_test_add_func ("/kd/context/format-truncated", test_format_truncated);
  g_test_add_func ("/kd/context/format-unknown-machine", test_format_unknown_machine);

  return g_test_run ();
}
