/* fuzz-expr.c: libFuzzer harness for MASM expressions, ranges and dumps
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the expression text up to the first NUL ("nt!DbgPrint+0x10",
 * "poi(rsp+8)", "fffff800`00400000 L20"), then, optionally, a flags byte,
 * an address and the bytes to dump. The text is evaluated as an
 * expression, as an expression prefix and as an address range against a
 * small fake target (registers, modules and symbols, a readable memory
 * region), for a 64-bit and a 32-bit target; the trailing bytes go
 * through every dump format.
 *
 * Checks: results and errors are consistent between the entry points and
 * stable from run to run; errors have the right domain and valid UTF-8
 * messages for valid UTF-8 input; ranges that parse are non-empty and do
 * not wrap; dumps have the documented shape.
 */
#include <string.h>

#include "commands/kdh-dump.h"
#include "commands/kdh-expr.h"
#include "common/kdh-address.h"
#include "kdh-fuzz.h"

#define U64(x) G_GUINT64_CONSTANT (x)

#define MEM_BASE    U64 (0xfffff80000400000)   /* as the simulator's pattern region */
#define MEM_SIZE    U64 (0x1000000)
#define LOW_LIMIT   U64 (0x10000)              /* low memory reads back its address bytes */
#define MAX_UNITS   U64 (0x10000000)
#define MAX_DUMP    4096

static const struct {
  const gchar *name;
  guint64 value;
} registers[] = {
  { "rax", U64 (0x0000000000001234) }, { "rbx", U64 (0xfffff80002000000) },
  { "rcx", U64 (0x0000000000000010) }, { "rdx", U64 (0xffffffffffffffff) },
  { "rsp", U64 (0xfffff80000400100) }, { "rbp", U64 (0xfffff80000400200) },
  { "rip", U64 (0xfffff80002100005) }, { "r8", U64 (0x0000000000000008) },
  { "eax", U64 (0x0000000000001234) }, { "eip", U64 (0xffffffff8054a123) },
  { "esp", U64 (0xffffffff80400100) }, { "efl", U64 (0x0000000000000246) },
  { "cl", U64 (0x0000000000000010) }, { "ah", U64 (0x0000000000000012) },
  { "$ip", U64 (0xfffff80002100005) },
};

static const struct {
  const gchar *module;
  guint64 base;
} modules[] = {
  { "nt", U64 (0xfffff80002000000) },
  { "hal", U64 (0xfffff80001000000) },
  { "kdcom", U64 (0xfffff80001800000) },
  { "kdhtest", U64 (0xfffff80003000000) },
};

static gboolean
fake_register (const gchar *name,
               guint64     *value,
               gpointer     user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (registers); i++)
    if (strcmp (registers[i].name, name) == 0)
      {
        *value = registers[i].value;
        return TRUE;
      }
  return FALSE;
}

/* Every module has every symbol whose name hashes right (about 3 in 4),
 * at a stable offset from its base; a name alone is looked up in nt. */
static gboolean
fake_symbol (const gchar *module,
             const gchar *name,
             guint64     *value,
             gpointer     user_data)
{
  guint hash;

  if (module == NULL && name == NULL)
    return FALSE;
  if (module == NULL)
    module = "nt";
  for (guint i = 0; i < G_N_ELEMENTS (modules); i++)
    {
      if (g_ascii_strcasecmp (modules[i].module, module) != 0)
        continue;
      if (name == NULL)
        {
          *value = modules[i].base;
          return TRUE;
        }
      hash = g_str_hash (name);
      if (*name == '\0' || hash % 4 == 0)
        return FALSE;
      *value = modules[i].base + (hash & 0xFFFFF);
      return TRUE;
    }
  return FALSE;
}

/* The pattern region (every qword at A holds A xor a5a5...) and low
 * memory (each byte holds its address's low byte); nothing else. */
static gboolean
fake_read (guint64  address,
           guint8  *buf,
           gsize    len,
           gpointer user_data)
{
  g_assert_cmpuint (len, >=, 1);
  g_assert_cmpuint (len, <=, 8);
  for (gsize i = 0; i < len; i++)
    {
      guint64 a = address + i;

      if (a < address)
        return FALSE;   /* wraps */
      if (a >= MEM_BASE && a - MEM_BASE < MEM_SIZE)
        {
          guint64 q = (a & ~U64 (7)) ^ U64 (0xa5a5a5a5a5a5a5a5);

          buf[i] = (guint8) (q >> (8 * (a & 7)));
        }
      else if (a < LOW_LIMIT)
        buf[i] = (guint8) a;
      else
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  gboolean ok;
  guint64 value;
  gint code;
} Result;

static Result
evaluate (const gchar        *text,
          const KdhExprScope *scope)
{
  g_autoptr (GError) error = NULL;
  Result r = { 0 };

  r.ok = kdh_expr_evaluate (text, scope, &r.value, &error);
  if (!r.ok)
    {
      kdh_fuzz_check_error (error, KDH_EXPR_ERROR, text);
      r.code = error->code;
      r.value = 0;
    }
  else
    g_assert_no_error (error);
  return r;
}

static void
fuzz_expression (const gchar        *text,
                 const KdhExprScope *scope)
{
  Result r = evaluate (text, scope);
  Result r2 = evaluate (text, scope);
  g_autoptr (GError) error = NULL;
  const gchar *end = NULL;
  guint64 v = 0;
  gboolean ok;

  /* No hidden state: the same text gives the same answer. */
  g_assert_cmpint (r.ok, ==, r2.ok);
  g_assert_cmpuint (r.value, ==, r2.value);
  g_assert_cmpint (r.code, ==, r2.code);

  ok = kdh_expr_evaluate_prefix (text, scope, &v, &end, &error);
  if (ok)
    {
      g_assert_no_error (error);
      g_assert_nonnull (end);
      g_assert_true (end >= text && end <= text + strlen (text));
      /* The prefix takes the blanks after it. */
      g_assert_true (*end != ' ' && *end != '\t');
      if (r.ok)
        {
          /* A whole expression is its own longest prefix. */
          g_assert_cmpuint (v, ==, r.value);
          g_assert_cmpint (*end, ==, '\0');
        }
      else if (*end == '\0')
        g_error ("'%s' evaluates as a prefix but not as a whole", text);
    }
  else
    {
      kdh_fuzz_check_error (error, KDH_EXPR_ERROR, text);
      g_assert_false (r.ok);
    }
}

static void
fuzz_range (const gchar        *text,
            const KdhExprScope *scope,
            guint               unit_size,
            guint64             default_count)
{
  g_autoptr (GError) error = NULL;
  Result whole = evaluate (text, scope);
  guint64 address = 0, count = 0;

  if (!kdh_expr_parse_range (text, scope, unit_size, default_count, MAX_UNITS,
                             &address, &count, &error))
    {
      kdh_fuzz_check_error (error, KDH_EXPR_ERROR, text);
      g_assert_false (whole.ok);
      return;
    }
  g_assert_no_error (error);

  if (whole.ok)
    {
      /* Just an address: the default count. */
      g_assert_cmpuint (address, ==, whole.value);
      g_assert_cmpuint (count, ==, default_count);
      return;
    }

  /* An explicit length or end: never empty, never past the top. */
  g_assert_cmpuint (count, >=, 1);
  g_assert_cmpuint (count, <=, G_MAXUINT64 / unit_size);
  g_assert_cmpuint (count * unit_size - 1, <=, G_MAXUINT64 - address);
  if (strchr (text, '?') == NULL)
    g_assert_cmpuint (count, <=, MAX_UNITS);
}

static void
check_dump (const GString *out,
            gchar          format,
            gboolean       pointer64,
            gsize          len)
{
  guint unit;
  gsize n_units, lines = 0;

  switch (format)
    {
    case 'b': unit = 1; break;
    case 'w': unit = 2; break;
    case 'd': case 'c': unit = 4; break;
    case 'q': unit = 8; break;
    default: unit = pointer64 ? 8 : 4; break;
    }
  n_units = len / unit;

  for (gsize i = 0; i < out->len; i++)
    {
      gchar c = out->str[i];

      if (c == '\n')
        lines++;
      else
        g_assert_true (c >= 0x20 && c < 0x7F);
    }
  g_assert_cmpuint (lines, ==, (n_units * unit + 15) / 16);
  g_assert_true (out->len == 0 || out->str[out->len - 1] == '\n');
}

static void
fuzz_dump (KdhFuzzInput *in)
{
  static const gchar formats[] = { 'b', 'w', 'd', 'q', 'c', 'p' };
  guint8 flags = kdh_fuzz_take_u8 (in);
  guint64 address = kdh_fuzz_take_u64 (in);
  gsize extra = kdh_fuzz_take_u8 (in);
  gsize valid = in->len;
  gsize len = MIN (valid + extra, MAX_DUMP);
  gboolean pointer64 = (flags & 0x80) == 0;
  g_autofree guint8 *copy = g_memdup2 (in->data, valid);

  /* A private copy, so that ASan sees reads past the valid bytes. */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr (GString) out = g_string_new (NULL);

      kdh_dump_format (out, address, copy, len, valid, formats[i], pointer64);
      check_dump (out, formats[i], pointer64, len);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const guint8 *nul = memchr (data, 0, size);
  gsize text_len = nul != NULL ? (gsize) (nul - data) : size;
  g_autofree gchar *text = kdh_fuzz_strndup (data, text_len);
  KdhFuzzInput rest = { data + text_len, size - text_len };
  KdhExprScope scope64 = { fake_register, fake_symbol, fake_read, TRUE, NULL };
  KdhExprScope scope32 = { fake_register, fake_symbol, fake_read, FALSE, NULL };
  guint8 options;

  kdh_fuzz_take_u8 (&rest);   /* the NUL */
  options = rest.len > 0 ? rest.data[0] : 0;

  fuzz_expression (text, &scope64);
  fuzz_expression (text, &scope32);
  fuzz_expression (text, NULL);
  fuzz_range (text, &scope64, 1, 0x80);
  fuzz_range (text, &scope64, 8, 0x10);
  fuzz_range (text, &scope32, 1u << (options & 3), 0x20);

  {
    guint64 address = 0;
    g_autofree gchar *text64 = NULL;
    g_autofree gchar *text32 = NULL;

    memcpy (&address, rest.data, MIN (rest.len, sizeof address));
    text64 = kdh_format_address (address, TRUE);
    text32 = kdh_format_address (address, FALSE);
    g_assert_cmpuint (strlen (text64), ==, 17);
    /* Never truncated: 8 digits only for what 32 bits hold. */
    if ((address >> 32) == 0 || ((address >> 32) == 0xFFFFFFFFu && (address & 0x80000000u)))
      g_assert_cmpuint (strlen (text32), ==, 8);
    else
      g_assert_cmpstr (text32, ==, text64);
  }

  fuzz_dump (&rest);
  return 0;
}
