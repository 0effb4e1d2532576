/* test-expr.c: tests for MASM expressions and address ranges
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include <glib.h>

#include "commands/kdh-expr.h"
#include "common/kdh-address.h"

#define U64(x) G_GUINT64_CONSTANT (x)

/* A small x64 target: a few registers, nt and hal, and 64 bytes of
 * memory at fffff800`00400000 with a pointer chain in it. */

#define MEM_BASE U64 (0xfffff80000400000)
#define MEM_SIZE 64
#define MEM32_BASE U64 (0xffffffff8054a000)

typedef struct {
  const gchar *name;
  guint64      value;
} Named;

static const Named registers[] = {
  { "rax", U64 (0x0000000000001234) },
  { "rbx", U64 (0xfffff80002000000) },
  { "rsp", U64 (0xfffff80000400000) },
  { "rip", U64 (0xfffff80002100005) },
  { "eax", U64 (0x0000000000001234) },
  { "eip", U64 (0xffffffff8054a123) },
  { "efl", U64 (0x0000000000000246) },
  { "cl", U64 (0x0000000000000011) },
  { "ch", U64 (0x0000000000000022) },
  { "ah", U64 (0x0000000000000012) },
  { "r8", U64 (0x0000000000000008) },
};

static const struct {
  const gchar *module;
  const gchar *name;
  guint64      value;
} symbols[] = {
  { "nt", NULL, U64 (0xfffff80002000000) },
  { "nt", "KeBugCheckEx", U64 (0xfffff80002100000) },
  { "nt", "DbgPrint", U64 (0xfffff80002100400) },
  { "nt", "KiPointer", U64 (0xfffff80000400010) },
  { "nt", "add", U64 (0xfffff80002100800) },
  { "hal", NULL, U64 (0xfffff80001000000) },
  { "hal", "HalpTimer", U64 (0xfffff80001000100) },
};

static guint8 memory[MEM_SIZE];
static guint8 memory32[16];
static guint n_lookups;

static gboolean
fake_register (const gchar *name,
               guint64     *value,
               gpointer     user_data)
{
  n_lookups++;
  for (guint i = 0; i < G_N_ELEMENTS (registers); i++)
    if (strcmp (registers[i].name, name) == 0)
      {
        *value = registers[i].value;
        return TRUE;
      }
  return FALSE;
}

/* "name" alone searches every module, as a debugger without a module
 * qualifier does. */
static gboolean
fake_symbol (const gchar *module,
             const gchar *name,
             guint64     *value,
             gpointer     user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
    {
      if (module != NULL && strcmp (symbols[i].module, module) != 0)
        continue;
      if (name == NULL ? symbols[i].name != NULL
                       : symbols[i].name == NULL || strcmp (symbols[i].name, name) != 0)
        continue;
      *value = symbols[i].value;
      return TRUE;
    }
  return FALSE;
}

static gboolean
fake_read (guint64  address,
           guint8  *buf,
           gsize    len,
           gpointer user_data)
{
  if (address >= MEM_BASE && address - MEM_BASE <= MEM_SIZE - len)
    {
      memcpy (buf, memory + (address - MEM_BASE), len);
      return TRUE;
    }
  if (address >= MEM32_BASE && address - MEM32_BASE <= sizeof memory32 - len)
    {
      memcpy (buf, memory32 + (address - MEM32_BASE), len);
      return TRUE;
    }
  return FALSE;
}

static void
put64 (guint8  *p,
       guint64  v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
setup_memory (void)
{
  for (guint i = 0; i < MEM_SIZE; i++)
    memory[i] = (guint8) (0xa0 + i);
  /* +10: a pointer to +20, which holds 0x1122334455667788. */
  put64 (memory + 0x10, MEM_BASE + 0x20);
  put64 (memory + 0x20, U64 (0x1122334455667788));
  /* 32-bit target: a kernel pointer and a small value. */
  memory32[0] = 0x00; memory32[1] = 0xa0; memory32[2] = 0x54; memory32[3] = 0x80;
  memory32[4] = 0x78; memory32[5] = 0x56; memory32[6] = 0x34; memory32[7] = 0x12;
}

static const KdhExprScope scope64 = {
  .get_register = fake_register,
  .get_symbol = fake_symbol,
  .read_memory = fake_read,
  .pointer64 = TRUE,
};

static const KdhExprScope scope32 = {
  .get_register = fake_register,
  .get_symbol = fake_symbol,
  .read_memory = fake_read,
  .pointer64 = FALSE,
};

typedef struct {
  const gchar *text;
  guint64      value;
} ValueCase;

static void
check_values (const ValueCase    *cases,
              gsize               n_cases,
              const KdhExprScope *scope)
{
  setup_memory ();

  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 v = U64 (0xdeaddeaddeaddead);

      if (!kdh_expr_evaluate (cases[i].text, scope, &v, &error))
        g_error ("'%s' failed: %s", cases[i].text, error->message);
      if (v != cases[i].value)
        g_error ("'%s' gave %" G_GINT64_MODIFIER "x, expected %" G_GINT64_MODIFIER "x",
                 cases[i].text, v, cases[i].value);
    }
}

static void
test_numbers (void)
{
  static const ValueCase cases[] = {
    /* Default radix 16, upper or lower case. */
    { "10", 0x10 },
    { "0", 0 },
    { "bad", 0xbad },
    { "DeadBeef`00000000", U64 (0xdeadbeef00000000) },
    { "  1f  ", 0x1f },
    /* Radix prefixes override it; a prefix alone is 0. */
    { "0x10", 0x10 },
    { "0X4aB3", 0x4ab3 },
    { "0n10", 10 },
    { "0N255", 255 },
    { "0t17", 15 },
    { "0y101", 5 },
    { "0Y1111`0000", 0xf0 },
    { "0x", 0 },
    { "0n", 0 },
    { "0y", 0 },
    /* The documented 'h' suffix. */
    { "4ab3h", 0x4ab3 },
    { "4aB3H", 0x4ab3 },
    { "10h+1", 0x11 },
    /* 64-bit values with and without the backtick. */
    { "fffff800`02000000", U64 (0xfffff80002000000) },
    { "fffff80002000000", U64 (0xfffff80002000000) },
    { "0xfffff800`02000000", U64 (0xfffff80002000000) },
    { "ffffffff`ffffffff", G_MAXUINT64 },
    { "0n18446744073709551615", G_MAXUINT64 },
    /* Kernel-mode sign extension of 32-bit constants, and the backtick
     * that prevents it. */
    { "80000000", U64 (0xffffffff80000000) },
    { "0x8054a000", U64 (0xffffffff8054a000) },
    { "ffffffff", G_MAXUINT64 },
    { "7fffffff", 0x7fffffff },
    { "0`80000000", 0x80000000 },
    { "00000000`ffffffff", 0xffffffff },
    { "1`00000000", U64 (0x100000000) },
  };

  check_values (cases, G_N_ELEMENTS (cases), &scope64);
}

static void
test_operators (void)
{
  static const ValueCase cases[] = {
    /* Unary. */
    { "-1", G_MAXUINT64 },
    { "--5", 5 },
    { "+5", 5 },
    { "~0", G_MAXUINT64 },
    { "~ff", U64 (0xffffffffffffff00) },
    { "not 0", 1 },
    { "not 5", 0 },
    { "NOT(0)", 1 },
    { "not not 7", 1 },
    { "hi(12345678)", 0x1234 },
    { "low(12345678)", 0x5678 },
    { "hi 0`87654321", 0x8765 },
    /* Arithmetic wraps at 64 bits and is unsigned. */
    { "1-2", G_MAXUINT64 },
    { "ffffffff`ffffffff+2", 1 },
    { "8000000000000000*2", 0 },
    { "10*10", 0x100 },
    { "10/3", 5 },
    { "-4/2", U64 (0x7ffffffffffffffe) },
    { "10%3", 1 },
    { "10 mod 3", 1 },
    { "10 MOD 3", 1 },
    /* Shifts: >> is logical, >>> arithmetic; 64 or more shifts all out. */
    { "1<<4", 0x10 },
    { "100>>4", 0x10 },
    { "-100>>4", U64 (0x0ffffffffffffff0) },
    { "-100>>>4", U64 (0xfffffffffffffff0) },
    { "100>>>4", 0x10 },
    { "1<<3f", U64 (0x8000000000000000) },
    { "1<<0n64", 0 },
    { "-1>>>0n64", G_MAXUINT64 },
    { "-1>>0n100", 0 },
    /* Comparisons give 1 or 0 and are unsigned. */
    { "1==1", 1 },
    { "1=1", 1 },
    { "1=2", 0 },
    { "1!=1", 0 },
    { "1!=2", 1 },
    { "2<3", 1 },
    { "3<2", 0 },
    { "3<=3", 1 },
    { "3>=4", 0 },
    { "4>3", 1 },
    { "-1>0", 1 },
    /* Bitwise, symbols and keywords. */
    { "6&3", 2 },
    { "6 and 3", 2 },
    { "6 AND 3", 2 },
    { "6^3", 5 },
    { "6 xor 3", 5 },
    { "6|3", 7 },
    { "6 or 3", 7 },
    { "6 or(3)", 7 },
  };

  check_values (cases, G_N_ELEMENTS (cases), &scope64);
}

static void
test_precedence (void)
{
  static const ValueCase cases[] = {
    { "1+2*3", 7 },
    { "(1+2)*3", 9 },
    { "2*3+1", 7 },
    { "8-2-1", 5 },           /* left to right */
    { "100/10/2", 8 },
    { "7 mod 4 * 2", 6 },     /* same level: (7 mod 4) * 2 */
    { "1+2<<1", 6 },          /* + binds tighter than << */
    { "1<<2+1", 8 },
    { "1+1==2", 1 },          /* shifts and sums before comparisons */
    { "1<<1==2", 1 },
    { "2==2&1", 1 },          /* comparisons before & */
    { "4|2==2", 5 },
    { "1|2^3&4", 3 },         /* & before ^ before | */
    { "6&3^1", 3 },
    { "1|6^3", 5 },
    { "-1+2", 1 },            /* unary before binary */
    { "-(1+2)", U64 (0xfffffffffffffffd) },
    { "not 0+1", 2 },
    { "hi 12345678+1", 0x1235 },
    { "((((((1))))))", 1 },
    { " ( 1 + 2 ) * ( 3 + 4 ) ", 0x15 },
    { "NOT((1 = 1) AND (2 = 2))", 0 },
  };

  check_values (cases, G_N_ELEMENTS (cases), &scope64);
}

static void
test_registers (void)
{
  static const ValueCase cases[] = {
    { "@rax", 0x1234 },
    { "rax", 0x1234 },
    { "RAX", 0x1234 },
    { "@RaX", 0x1234 },
    { "rax+8", 0x123c },
    { "@rax+@rax", 0x2468 },
    { "eax", 0x1234 },
    { "efl", 0x246 },
    { "@r8*2", 0x10 },
    { "r8", 8 },
    /* A word that reads as a number is a number; '@' forces a register. */
    { "cl", 0x11 },
    { "ch", 0xc },
    { "@ch", 0x22 },
    { "ah", 0xa },
    { "@ah", 0x12 },
    /* The instruction pointer through its pseudo-register names. */
    { ".", U64 (0xfffff80002100005) },
    { ". + 3", U64 (0xfffff80002100008) },
    { "$ip", U64 (0xfffff80002100005) },
    { "@$ip", U64 (0xfffff80002100005) },
  };

  check_values (cases, G_N_ELEMENTS (cases), &scope64);
}

static void
test_registers_32 (void)
{
  guint64 v = 0;

  /* $ip and "." fall back to eip on a 32-bit target, rip on x64. */
  g_assert_true (kdh_expr_evaluate ("$ip", &scope32, &v, NULL));
  g_assert_cmphex (v, ==, U64 (0xffffffff8054a123));
  g_assert_true (kdh_expr_evaluate (".", &scope32, &v, NULL));
  g_assert_cmphex (v, ==, U64 (0xffffffff8054a123));
  g_assert_true (kdh_expr_evaluate ("@eax", &scope32, &v, NULL));
  g_assert_cmphex (v, ==, 0x1234);
}

static void
test_symbols (void)
{
  static const ValueCase cases[] = {
    { "nt!KeBugCheckEx", U64 (0xfffff80002100000) },
    { "nt!KeBugCheckEx+10", U64 (0xfffff80002100010) },
    { "nt!KeBugCheckEx + 0n16", U64 (0xfffff80002100010) },
    { "DbgPrint", U64 (0xfffff80002100400) },
    { "DbgPrint-nt!KeBugCheckEx", 0x400 },
    { "nt", U64 (0xfffff80002000000) },
    { "hal", U64 (0xfffff80001000000) },
    { "hal!HalpTimer-hal", 0x100 },
    /* "add" is a number; "!add" and "nt!add" are the symbol. */
    { "add", 0xadd },
    { "!add", U64 (0xfffff80002100800) },
    { "nt!add", U64 (0xfffff80002100800) },
    /* '!' before '=' is the operator, not a module separator. */
    { "nt!=1", 1 },
    { "nt!=nt", 0 },
  };

  check_values (cases, G_N_ELEMENTS (cases), &scope64);
}

static void
test_memory (void)
{
  static const ValueCase cases[] = {
    { "poi(fffff800`00400010)", U64 (0xfffff80000400020) },
    { "poi(poi(fffff800`00400010))", U64 (0x1122334455667788) },
    { "poi(nt!KiPointer)", U64 (0xfffff80000400020) },
    { "poi(rsp+10)", U64 (0xfffff80000400020) },
    { "poi(@rsp+10)+8", U64 (0xfffff80000400028) },
    { "poi @rsp+10", U64 (0xa7a6a5a4a3a2a1a0 + 0x10) },   /* (poi rsp)+10 */
    { "poi poi(rsp+10)", U64 (0x1122334455667788) },
    { "POI(rsp+10)", U64 (0xfffff80000400020) },
    { "qwo(rsp+20)", U64 (0x1122334455667788) },
    { "dwo(rsp+20)", 0x55667788 },
    { "wo(rsp+20)", 0x7788 },
    { "by(rsp+20)", 0x88 },
    { "by(rsp)", 0xa0 },
    { "wo(rsp+1)", 0xa2a1 },
    { "dwo(rsp+3c)", 0xdfdedddc },   /* the last 4 bytes, not sign-extended */
    { "hi(dwo(rsp+20))", 0x5566 },
    { "poi(rsp+10)==rsp+20", 1 },
  };

  check_values (cases, G_N_ELEMENTS (cases), &scope64);
}

static void
test_memory_32 (void)
{
  /* poi reads 4 bytes on a 32-bit target, and the pointer it reads is a
   * sign-extended kernel address; dwo reads the same bytes as data. */
  static const ValueCase cases[] = {
    { "poi(8054a000)", U64 (0xffffffff8054a000) },
    { "dwo(8054a000)", U64 (0x8054a000) },
    { "poi(8054a004)", 0x12345678 },
    { "poi(poi(8054a000)+4)", 0x12345678 },
    { "qwo(8054a000)", U64 (0x123456788054a000) },
  };

  check_values (cases, G_N_ELEMENTS (cases), &scope32);
}

typedef struct {
  const gchar  *text;
  KdhExprError  code;
  const gchar  *message;    /* a substring of the message */
} ErrorCase;

static void
check_errors (const ErrorCase    *cases,
              gsize               n_cases,
              const KdhExprScope *scope)
{
  setup_memory ();

  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 v = 0x5a5a;

      if (kdh_expr_evaluate (cases[i].text, scope, &v, &error))
        g_error ("'%s' should fail, gave %" G_GINT64_MODIFIER "x", cases[i].text, v);
      g_assert_nonnull (error);
      g_assert_true (error->domain == KDH_EXPR_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("'%s': message '%s' lacks '%s'", cases[i].text, error->message,
                 cases[i].message);
      if (error->code != (gint) cases[i].code)
        g_error ("'%s': code %d, expected %d (%s)", cases[i].text, error->code,
                 cases[i].code, error->message);
      /* A failed evaluation leaves the result alone. */
      g_assert_cmphex (v, ==, 0x5a5a);
    }
}

static void
test_errors (void)
{
  static const ErrorCase cases[] = {
    { "zz+1", KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "syntax error at 'zz' in 'zz+1'" },
    { "KiNothing", KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "not a number, register or symbol" },
    { "foo!bar+8", KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "unknown symbol 'foo!bar' in 'foo!bar+8'" },
    { "nt!Missing", KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "unknown symbol 'nt!Missing'" },
    { "@foo", KDH_EXPR_ERROR_UNKNOWN_REGISTER, "unknown register '@foo'" },
    { "@$peb", KDH_EXPR_ERROR_UNKNOWN_REGISTER, "unknown register '@$peb'" },
    { "@", KDH_EXPR_ERROR_SYNTAX, "syntax error at '@'" },
    { "$", KDH_EXPR_ERROR_SYNTAX, "syntax error at '$'" },
    { "10/0", KDH_EXPR_ERROR_DIVIDE_BY_ZERO, "division by zero at '/' in '10/0'" },
    { "10%(1-1)", KDH_EXPR_ERROR_DIVIDE_BY_ZERO, "division by zero at '%'" },
    { "10 mod 0", KDH_EXPR_ERROR_DIVIDE_BY_ZERO, "division by zero at 'mod'" },
    { "poi(fffff800`00000000)", KDH_EXPR_ERROR_MEMORY,
      "memory at fffff800`00000000 could not be read for poi()" },
    { "by(0)", KDH_EXPR_ERROR_MEMORY, "memory at 00000000`00000000 could not be read for by()" },
    { "qwo(rsp+3c)", KDH_EXPR_ERROR_MEMORY, "could not be read for qwo()" },
    { "1+", KDH_EXPR_ERROR_SYNTAX, "missing operand at the end in '1+'" },
    { "", KDH_EXPR_ERROR_SYNTAX, "missing operand" },
    { "   ", KDH_EXPR_ERROR_SYNTAX, "missing operand" },
    { "poi", KDH_EXPR_ERROR_SYNTAX, "missing operand" },
    { "(1+2", KDH_EXPR_ERROR_SYNTAX, "missing ')' at the end in '(1+2'" },
    { "(1 2)", KDH_EXPR_ERROR_SYNTAX, "syntax error at '2' in '(1 2)' (expected ')')" },
    { "1 2", KDH_EXPR_ERROR_SYNTAX, "syntax error at '2' in '1 2'" },
    { "1)", KDH_EXPR_ERROR_SYNTAX, "syntax error at ')'" },
    { "12zz", KDH_EXPR_ERROR_SYNTAX, "syntax error at 'zz' in '12zz'" },
    { "1+#", KDH_EXPR_ERROR_SYNTAX, "syntax error at '#' in '1+#'" },
    /* A character outside words is quoted whole, never half of its UTF-8
     * bytes (found by fuzz-expr): "1+é", and U+0638 before ']'. */
    { "1+\xc3\xa9", KDH_EXPR_ERROR_SYNTAX, "syntax error at '\xc3\xa9' in '1+\xc3\xa9'" },
    { "\xd8\xb8]", KDH_EXPR_ERROR_SYNTAX, "syntax error at '\xd8\xb8' in" },
    { "(1\xe2\x82\xac", KDH_EXPR_ERROR_SYNTAX, "syntax error at '\xe2\x82\xac' in" },
    { "0n12a", KDH_EXPR_ERROR_SYNTAX, "syntax error at 'a'" },
    { "0y102", KDH_EXPR_ERROR_SYNTAX, "syntax error at '2'" },
    { "1000 L20", KDH_EXPR_ERROR_SYNTAX, "syntax error at 'L20'" },
    { "1 ** 2", KDH_EXPR_ERROR_SYNTAX, "syntax error at '*'" },
    { "nt!", KDH_EXPR_ERROR_SYNTAX, "syntax error at '!'" },
    { "rax`1", KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "syntax error at 'rax`1'" },
    { "10000000000000000", KDH_EXPR_ERROR_OVERFLOW, "does not fit in 64 bits" },
    { "0n18446744073709551616", KDH_EXPR_ERROR_OVERFLOW, "does not fit in 64 bits" },
    { "ffffffffffffffff0", KDH_EXPR_ERROR_OVERFLOW, "'ffffffffffffffff0' does not fit" },
  };

  check_errors (cases, G_N_ELEMENTS (cases), &scope64);
}

/* The whole text as the bad part is not quoted twice; a part of it still
 * says where it came from. */
static void
test_error_not_repeated (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  guint64 v = 0;

  g_assert_false (kdh_expr_evaluate ("zzz", &scope64, &v, &error));
  g_assert_cmpstr (error->message, ==, "syntax error at 'zzz' (not a number, register or symbol)");
  g_assert_false (kdh_expr_evaluate ("1+zzz", &scope64, &v, &error2));
  g_assert_cmpstr (error2->message, ==,
                   "syntax error at 'zzz' in '1+zzz' (not a number, register or symbol)");
}

/* With no callbacks nothing resolves, but numbers still work. */
static void
test_empty_scope (void)
{
  static const KdhExprScope empty = { 0 };
  static const ErrorCase cases[] = {
    { "rax", KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "syntax error at 'rax'" },
    { "@rax", KDH_EXPR_ERROR_UNKNOWN_REGISTER, "unknown register '@rax'" },
    { ".", KDH_EXPR_ERROR_UNKNOWN_REGISTER, "'.' is not available" },
    { "nt!KeBugCheckEx", KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "unknown symbol 'nt!KeBugCheckEx'" },
    { "poi(1000)", KDH_EXPR_ERROR_MEMORY, "memory at 00001000 could not be read for poi()" },
  };
  guint64 v = 0;

  check_errors (cases, G_N_ELEMENTS (cases), &empty);

  g_assert_true (kdh_expr_evaluate ("1+2*3", NULL, &v, NULL));
  g_assert_cmphex (v, ==, 7);
  g_assert_true (kdh_expr_evaluate ("bad", &empty, &v, NULL));
  g_assert_cmphex (v, ==, 0xbad);
}

/* Each level of nesting costs stack; a silly depth must fail, not crash. */
static void
test_nesting (void)
{
  g_autoptr(GError) error = NULL;
  GString *deep = g_string_new (NULL);
  guint64 v = 0;

  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '(');
  g_string_append_c (deep, '1');
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, ')');
  g_assert_true (kdh_expr_evaluate (deep->str, &scope64, &v, NULL));
  g_assert_cmphex (v, ==, 1);

  g_string_truncate (deep, 0);
  for (guint i = 0; i < 100000; i++)
    g_string_append (deep, i % 2 ? "-(" : "~");
  g_string_append_c (deep, '1');
  g_assert_false (kdh_expr_evaluate (deep->str, &scope64, &v, &error));
  g_assert_error (error, KDH_EXPR_ERROR, KDH_EXPR_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
  g_string_free (deep, TRUE);
}

static void
test_prefix (void)
{
  static const struct {
    const gchar *text;
    guint64      value;
    const gchar *rest;
  } cases[] = {
    { "rsp+8 L20", U64 (0xfffff80000400008), "L20" },
    { "rsp+8   L20", U64 (0xfffff80000400008), "L20" },
    { "1000L20", 0x1000, "L20" },
    { "1000 L?20", 0x1000, "L?20" },
    { "nt!KeBugCheckEx  fffff800`02100010", U64 (0xfffff80002100000), "fffff800`02100010" },
    { "1000", 0x1000, "" },
    { "1000   ", 0x1000, "" },
    { "1000 -10", 0xff0, "" },            /* binary operators span spaces */
    { "poi(rsp+10) 20", U64 (0xfffff80000400020), "20" },
    { "1 \"text\"", 1, "\"text\"" },
    { "1000 2000", 0x1000, "2000" },
    { "(1) (2)", 1, "(2)" },
  };

  setup_memory ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      const gchar *end = NULL;
      guint64 v = 0;

      if (!kdh_expr_evaluate_prefix (cases[i].text, &scope64, &v, &end, &error))
        g_error ("'%s' failed: %s", cases[i].text, error->message);
      g_assert_cmphex (v, ==, cases[i].value);
      g_assert_cmpstr (end, ==, cases[i].rest);
      /* @end points into the text, not at a copy. */
      g_assert_true (end >= cases[i].text && end <= cases[i].text + strlen (cases[i].text));
    }

  /* The leading expression itself must still be valid. */
  {
    g_autoptr(GError) error = NULL;
    const gchar *end = NULL;
    guint64 v = 0;

    g_assert_false (kdh_expr_evaluate_prefix ("zz L20", &scope64, &v, &end, &error));
    g_assert_error (error, KDH_EXPR_ERROR, KDH_EXPR_ERROR_UNKNOWN_SYMBOL);
    g_assert_false (kdh_expr_evaluate_prefix ("1+ L20", &scope64, &v, &end, NULL));
  }
}

typedef struct {
  const gchar *text;
  guint        unit;
  guint64      address;
  guint64      count;
} RangeCase;

#define DEFAULT_COUNT 0x80
#define MAX_UNITS     U64 (0x10000000)

static void
test_range (void)
{
  static const RangeCase cases[] = {
    { "1000", 1, 0x1000, DEFAULT_COUNT },
    { "rsp", 8, U64 (0xfffff80000400000), DEFAULT_COUNT },
    { "1000 L20", 1, 0x1000, 0x20 },
    { "1000 l20", 1, 0x1000, 0x20 },
    { "1000 L 20", 1, 0x1000, 0x20 },
    { "1000L20", 1, 0x1000, 0x20 },
    { "1000 L20 ", 4, 0x1000, 0x20 },
    { "rsp+8 L4", 8, U64 (0xfffff80000400008), 4 },
    { "1000 L(2*8)", 1, 0x1000, 0x10 },
    { "1000 L0n16", 1, 0x1000, 0x10 },
    { "1000 L@r8", 1, 0x1000, 8 },
    { "nt!KeBugCheckEx L10", 1, U64 (0xfffff80002100000), 0x10 },
    { "fffff800`02000000 L10", 4, U64 (0xfffff80002000000), 0x10 },
    /* L? lifts the limit. */
    { "1000 L?20000000", 1, 0x1000, 0x20000000 },
    { "1000 L? 20000000", 1, 0x1000, 0x20000000 },
    { "1000 L10000000", 1, 0x1000, 0x10000000 },
    /* L- ends just below the address. */
    { "80000000 L-20", 1, U64 (0xffffffff7fffffe0), 0x20 },
    { "0`80000000 L-20", 1, U64 (0x7fffffe0), 0x20 },
    { "1000 L-2", 4, 0xff8, 2 },
    { "20 L-20", 1, 0, 0x20 },
    /* An end address is inclusive: 1000..1007 is 8 bytes or 2 dwords. */
    { "1000 1007", 1, 0x1000, 8 },
    { "1000 1007", 4, 0x1000, 2 },
    { "1000 1004", 4, 0x1000, 2 },
    { "1000 1000", 1, 0x1000, 1 },
    { "0x00001000  0x00001007", 1, 0x1000, 8 },
    { "fffff880`05875000 fffff880`05875010", 8, U64 (0xfffff88005875000), 3 },
    { "rsp rsp+3f", 1, U64 (0xfffff80000400000), 0x40 },
    /* The very top of the address space is still addressable. */
    { "ffffffff`fffffff0 L10", 1, U64 (0xfffffffffffffff0), 0x10 },
    { "ffffffff`fffffff0 L2", 8, U64 (0xfffffffffffffff0), 2 },
  };

  setup_memory ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 address = 0, count = 0;

      if (!kdh_expr_parse_range (cases[i].text, &scope64, cases[i].unit, DEFAULT_COUNT,
                                 MAX_UNITS, &address, &count, &error))
        g_error ("'%s' failed: %s", cases[i].text, error->message);
      g_assert_cmphex (address, ==, cases[i].address);
      g_assert_cmphex (count, ==, cases[i].count);
    }
}

static void
test_range_errors (void)
{
  static const struct {
    const gchar  *text;
    guint         unit;
    KdhExprError  code;
    const gchar  *message;
  } cases[] = {
    { "1000 L10000001", 1, KDH_EXPR_ERROR_RANGE,
      "range of 10000001 units is larger than the limit of 10000000 in '1000 L10000001' "
      "(use L?10000001 to allow it)" },
    { "1000 L80000000", 1, KDH_EXPR_ERROR_RANGE, "use L?ffffffff80000000" },
    { "0 10000000", 1, KDH_EXPR_ERROR_RANGE, "use L?10000001" },
    { "1000 L0", 1, KDH_EXPR_ERROR_RANGE, "zero length in '1000 L0'" },
    { "1000 L?0", 1, KDH_EXPR_ERROR_RANGE, "zero length" },
    { "1000 fff", 1, KDH_EXPR_ERROR_RANGE,
      "end address 00000000`00000fff is below start address 00000000`00001000 in '1000 fff'" },
    { "ffffffff`fffffff0 L11", 1, KDH_EXPR_ERROR_RANGE, "runs past the end of the address space" },
    { "ffffffff`fffffff0 L?3", 8, KDH_EXPR_ERROR_RANGE, "runs past the end" },
    { "1 L?ffffffff`ffffffff", 2, KDH_EXPR_ERROR_RANGE, "larger than the address space" },
    /* 2^64 bytes: the count wrapped to 0 and the range passed (found by
     * fuzz-expr). */
    { "0 ffffffff`ffffffff", 1, KDH_EXPR_ERROR_RANGE, "larger than the address space" },
    { "10 L-11", 1, KDH_EXPR_ERROR_RANGE, "below address 0" },
    { "1000 L", 1, KDH_EXPR_ERROR_SYNTAX, "missing operand at the end in '1000 L'" },
    { "1000 L20 junk", 1, KDH_EXPR_ERROR_SYNTAX, "syntax error at 'junk' in '1000 L20 junk'" },
    { "1000 2000 3000", 1, KDH_EXPR_ERROR_SYNTAX, "syntax error at '3000'" },
    { "1000 L2zz", 1, KDH_EXPR_ERROR_SYNTAX, "syntax error at 'zz' in '1000 L2zz'" },
    { "zz L20", 1, KDH_EXPR_ERROR_UNKNOWN_SYMBOL, "syntax error at 'zz' in 'zz L20'" },
    { "", 1, KDH_EXPR_ERROR_SYNTAX, "missing operand" },
    { "1000 L poi(0)", 1, KDH_EXPR_ERROR_MEMORY, "could not be read for poi()" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 address = 0x77, count = 0x77;

      if (kdh_expr_parse_range (cases[i].text, &scope64, cases[i].unit, DEFAULT_COUNT,
                                MAX_UNITS, &address, &count, &error))
        g_error ("'%s' should fail", cases[i].text);
      g_assert_true (error->domain == KDH_EXPR_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("'%s': message '%s' lacks '%s'", cases[i].text, error->message,
                 cases[i].message);
      g_assert_cmpint (error->code, ==, cases[i].code);
      g_assert_cmphex (address, ==, 0x77);
      g_assert_cmphex (count, ==, 0x77);
    }
}

static void
test_range_no_limit (void)
{
  guint64 address = 0, count = 0;

  /* max_units 0: no limit at all. */
  g_assert_true (kdh_expr_parse_range ("0 L0`ffffffff", NULL, 1, 0x80, 0, &address, &count,
                                       NULL));
  g_assert_cmphex (address, ==, 0);
  g_assert_cmphex (count, ==, 0xffffffff);

  /* A 32-bit target's messages use 32-bit addresses. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (kdh_expr_parse_range ("8054a010 8054a000", &scope32, 1, 0x80, 0,
                                          &address, &count, &error));
    g_assert_nonnull (strstr (error->message, "end address 8054a000 is below start address "
                                              "8054a010"));
  }
}

static void
test_format_address (void)
{
  static const struct {
    guint64      address;
    gboolean     pointer64;
    const gchar *text;
  } cases[] = {
    { U64 (0xfffff80002000000), TRUE, "fffff800`02000000" },
    { 0, TRUE, "00000000`00000000" },
    { U64 (0x00007ff96bb40770), TRUE, "00007ff9`6bb40770" },
    { U64 (0x8054a000), FALSE, "8054a000" },
    { U64 (0xffffffff8054a000), FALSE, "8054a000" },
    { 0x1000, FALSE, "00001000" },
    /* A 64-bit address given to a 32-bit target is never cut short. */
    { U64 (0xfffff80000100000), FALSE, "fffff800`00100000" },
    { U64 (0x100000000), FALSE, "00000001`00000000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = kdh_format_address (cases[i].address, cases[i].pointer64);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* Random printable junk must give a value or an error, never a crash, a
 * leak or both a value and an error. */
static void
test_fuzz (void)
{
  static const gchar alphabet[] = "0123456789abcdefxntyhLl?!@$.`()+-*/%<>=&^|~ rspaxnotpoi";
  GRand *rand = g_rand_new_with_seed (0x4b44);

  setup_memory ();

  for (guint round = 0; round < 20000; round++)
    {
      g_autoptr(GError) error = NULL;
      gchar text[24];
      guint len = g_rand_int_range (rand, 0, sizeof text);
      guint64 v = 0, address = 0, count = 0;
      const gchar *end = NULL;

      for (guint i = 0; i < len; i++)
        text[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      text[len] = '\0';

      if (!kdh_expr_evaluate (text, &scope64, &v, &error))
        g_assert_nonnull (error);
      g_clear_error (&error);
      if (kdh_expr_evaluate_prefix (text, &scope64, &v, &end, &error))
        g_assert_true (end >= text && end <= text + len);
      else
        g_assert_nonnull (error);
      g_clear_error (&error);
      if (!kdh_expr_parse_range (text, &scope32, 4, 0x20, MAX_UNITS, &address, &count, &error))
        g_assert_nonnull (error);
    }

  g_rand_free (rand);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/expr/numbers", test_numbers);
  g_test_add_func ("/engine/expr/error-not-repeated", test_error_not_repeated);
  g_test_add_func ("/engine/expr/operators", test_operators);
  g_test_add_func ("/engine/expr/precedence", test_precedence);
  g_test_add_func ("/engine/expr/registers", test_registers);
  g_test_add_func ("/engine/expr/registers-32", test_registers_32);
  g_test_add_func ("/engine/expr/symbols", test_symbols);
  g_test_add_func ("/engine/expr/memory", test_memory);
  g_test_add_func ("/engine/expr/memory-32", test_memory_32);
  g_test_add_func ("/engine/expr/errors", test_errors);
  g_test_add_func ("/engine/expr/empty-scope", test_empty_scope);
  g_test_add_func ("/engine/expr/nesting", test_nesting);
  g_test_add_func ("/engine/expr/prefix", test_prefix);
  g_test_add_func ("/engine/expr/range", test_range);
  g_test_add_func ("/engine/expr/range-errors", test_range_errors);
  g_test_add_func ("/engine/expr/range-no-limit", test_range_no_limit);
  g_test_add_func ("/engine/expr/format-address", test_format_address);
  g_test_add_func ("/engine/expr/fuzz", test_fuzz);

  return g_test_run ();
}
