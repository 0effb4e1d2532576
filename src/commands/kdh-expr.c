/* kdh-expr.c: WinDbg MASM expressions and address ranges
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A recursive-descent evaluator: one function per binary precedence level,
 * then unary operators, then operands. It evaluates while it parses, so
 * that poi() and symbol lookups happen in the order the user wrote them.
 */

#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "kdh-expr-private.h"

#include "common/kdh-address.h"

G_DEFINE_QUARK (kdh-expr-error-quark, kdh_expr_error)

/* Deeper nesting than this is a typing accident or an attack on the
 * stack, not an expression anyone means. */
#define MAX_DEPTH 200

typedef struct {
  const gchar        *text;    /* the whole input, quoted in messages */
  const gchar        *p;       /* the cursor */
  const KdhExprScope *scope;
  guint               depth;
  GError            **error;
} Parser;

typedef enum {
  OP_MUL, OP_DIV, OP_MOD,
  OP_ADD, OP_SUB,
  OP_SHL, OP_SHR, OP_SAR,
  OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE,
  OP_AND,
  OP_XOR,
  OP_OR,
} BinaryOp;

/* Precedence levels, loosest first: parse_binary (0) parses a whole
 * expression. */
enum {
  LEVEL_OR,
  LEVEL_XOR,
  LEVEL_AND,
  LEVEL_COMPARE,
  LEVEL_SHIFT,
  LEVEL_ADD,
  LEVEL_MUL,
  N_LEVELS
};

typedef struct {
  const gchar *spelling;
  BinaryOp     op;
  guint        level;
  gboolean     keyword;   /* "and": must not run on into a longer word */
} BinaryOpInfo;

/* Longer spellings come before their prefixes: ">>>" before ">>" before
 * ">", "==" before "=". */
static const BinaryOpInfo binary_ops[] = {
  { ">>>", OP_SAR, LEVEL_SHIFT, FALSE },
  { "<<", OP_SHL, LEVEL_SHIFT, FALSE },
  { ">>", OP_SHR, LEVEL_SHIFT, FALSE },
  { "==", OP_EQ, LEVEL_COMPARE, FALSE },
  { "!=", OP_NE, LEVEL_COMPARE, FALSE },
  { "<=", OP_LE, LEVEL_COMPARE, FALSE },
  { ">=", OP_GE, LEVEL_COMPARE, FALSE },
  { "=", OP_EQ, LEVEL_COMPARE, FALSE },
  { "<", OP_LT, LEVEL_COMPARE, FALSE },
  { ">", OP_GT, LEVEL_COMPARE, FALSE },
  { "*", OP_MUL, LEVEL_MUL, FALSE },
  { "/", OP_DIV, LEVEL_MUL, FALSE },
  { "%", OP_MOD, LEVEL_MUL, FALSE },
  { "+", OP_ADD, LEVEL_ADD, FALSE },
  { "-", OP_SUB, LEVEL_ADD, FALSE },
  { "&", OP_AND, LEVEL_AND, FALSE },
  { "^", OP_XOR, LEVEL_XOR, FALSE },
  { "|", OP_OR, LEVEL_OR, FALSE },
  { "mod", OP_MOD, LEVEL_MUL, TRUE },
  { "and", OP_AND, LEVEL_AND, TRUE },
  { "xor", OP_XOR, LEVEL_XOR, TRUE },
  { "or", OP_OR, LEVEL_OR, TRUE },
};

typedef enum {
  UNARY_NOT,
  UNARY_HI,
  UNARY_LOW,
  UNARY_BY,
  UNARY_WO,
  UNARY_DWO,
  UNARY_QWO,
  UNARY_POI,
} UnaryKeyword;

static const struct {
  const gchar  *spelling;
  UnaryKeyword  op;
} unary_keywords[] = {
  { "not", UNARY_NOT },
  { "hi", UNARY_HI },
  { "low", UNARY_LOW },
  { "by", UNARY_BY },
  { "wo", UNARY_WO },
  { "dwo", UNARY_DWO },
  { "qwo", UNARY_QWO },
  { "poi", UNARY_POI },
};

static gboolean parse_binary (Parser  *ps,
                              guint    level,
                              guint64 *value);

static gboolean parse_unary  (Parser  *ps,
                              guint64 *value);

/* "<what> in '<text>' (<hint>)": the bad part, then where (unless it is all). */
static gboolean G_GNUC_PRINTF (4, 5)
fail (Parser       *ps,
      KdhExprError  code,
      const gchar  *hint,
      const gchar  *format,
      ...)
{
  g_autofree gchar *what = NULL;
  GString *msg;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  msg = g_string_new (what);
  if (!kdh_expr_quotes_whole (what, ps->text))
    g_string_append_printf (msg, _(" in '%s'"), ps->text);
  if (hint != NULL)
    g_string_append_printf (msg, " (%s)", hint);

  g_set_error_literal (ps->error, KDH_EXPR_ERROR, code, msg->str);
  g_string_free (msg, TRUE);
  return FALSE;
}

static gboolean
is_word_char (gchar c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '$' || c == '`';
}

static gboolean
is_name_start (gchar c)
{
  return g_ascii_isalpha (c) || c == '_' || c == '$' || c == '?';
}

static const gchar *
skip_spaces (const gchar *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* The end of the word at @p: a number, register, keyword or symbol. '!'
 * joins module and name only when a name follows, so that "a!=b" is a
 * comparison; "::" joins C++ scopes. */
static const gchar *
scan_word (const gchar *p)
{
  for (;;)
    {
      if (is_word_char (*p))
        p++;
      else if (*p == '!' && is_name_start (p[1]))
        p++;
      else if (p[0] == ':' && p[1] == ':' && is_name_start (p[2]))
        p += 2;
      else
        return p;
    }
}

/* How much of the text at @p to quote as "the token" in a message. A
 * character that is not part of a word is quoted whole, all of its UTF-8
 * bytes: half a character would make the message invalid UTF-8, which
 * GTK, the terminal and D-Bus replies all refuse. */
static gsize
token_length (const gchar *p)
{
  const gchar *end = scan_word (p);

  if (*p == '\0')
    return 0;
  if (end > p)
    return (gsize) (end - p);
  end = p + 1;
  while (((guchar) *end & 0xC0) == 0x80)
    end++;
  return (gsize) (end - p);
}

static gint
digit_value (gchar c,
             guint radix)
{
  gint d;

  if (c >= '0' && c <= '9')
    d = c - '0';
  else if (c >= 'a' && c <= 'f')
    d = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    d = c - 'A' + 10;
  else
    return -1;

  return (guint) d < radix ? d : -1;
}

/* Reads a MASM number at @p and sets @end after it. Returns FALSE when
 * @p does not start with one. A radix prefix alone reads as 0, as
 * WinDbg documents; backticks may separate digits ("fffff800`02000000");
 * an 'h' suffix is accepted after unprefixed digits ("4ab3h"). */
static gboolean
scan_number (const gchar  *p,
             const gchar **end,
             guint64      *value,
             gboolean     *backtick,
             gboolean     *overflow)
{
  guint radix = 16;
  gboolean prefixed = FALSE;
  guint n_digits = 0;
  guint64 v = 0;

  *backtick = FALSE;
  *overflow = FALSE;

  if (p[0] == '0')
    {
      prefixed = TRUE;
      switch (p[1])
        {
        case 'x': case 'X': radix = 16; break;
        case 'n': case 'N': radix = 10; break;
        case 't': case 'T': radix = 8; break;
        case 'y': case 'Y': radix = 2; break;
        default: prefixed = FALSE; break;
        }
      if (prefixed)
        p += 2;
    }

  for (;;)
    {
      gint d;

      if (*p == '`' && n_digits > 0 && digit_value (p[1], radix) >= 0)
        {
          *backtick = TRUE;
          p++;
          continue;
        }

      d = digit_value (*p, radix);
      if (d < 0)
        break;
      if (v > (G_MAXUINT64 - (guint) d) / radix)
        *overflow = TRUE;
      v = v * radix + (guint) d;
      n_digits++;
      p++;
    }

  if (!prefixed && n_digits == 0)
    return FALSE;
  if (!prefixed && (*p == 'h' || *p == 'H') && !is_word_char (p[1]))
    p++;

  *end = p;
  *value = v;
  return TRUE;
}

/* WinDbg's kernel-mode rule: a constant from 80000000 to ffffffff is a
 * sign-extended 32-bit address unless a backtick says it is 64-bit. The
 * KD protocol carries 32-bit targets' addresses the same way. */
static guint64
sign_extend_constant (guint64  value,
                      gboolean backtick)
{
  if (!backtick && value >= G_GUINT64_CONSTANT (0x80000000) &&
      value <= G_GUINT64_CONSTANT (0xffffffff))
    value |= G_GUINT64_CONSTANT (0xffffffff00000000);
  return value;
}

static gboolean
lookup_register (Parser      *ps,
                 const gchar *name,
                 gsize        len,
                 guint64     *value)
{
  const KdhExprScope *scope = ps->scope;
  g_autofree gchar *lower = g_ascii_strdown (name, len);

  if (scope->get_register != NULL &&
      scope->get_register (lower, value, scope->user_data))
    return TRUE;

  /* "." and $ip work even when the scope knows only real registers. */
  if (g_str_equal (lower, "$ip") && scope->get_register != NULL)
    return scope->get_register (scope->pointer64 ? "rip" : "eip", value, scope->user_data);

  return FALSE;
}

static gboolean
lookup_symbol (Parser      *ps,
               const gchar *module,
               const gchar *name,
               guint64     *value)
{
  const KdhExprScope *scope = ps->scope;

  return scope->get_symbol != NULL &&
         scope->get_symbol (module, name, value, scope->user_data);
}

static gboolean
read_value (Parser      *ps,
            const gchar *what,
            guint64      address,
            gsize        size,
            guint64     *value)
{
  const KdhExprScope *scope = ps->scope;
  guint8 buf[8] = { 0 };
  guint64 v = 0;

  if (scope->read_memory == NULL ||
      !scope->read_memory (address, buf, size, scope->user_data))
    {
      g_autofree gchar *where = kdh_format_address (address, scope->pointer64);

      return fail (ps, KDH_EXPR_ERROR_MEMORY, NULL,
                   _("memory at %s could not be read for %s()"), where, what);
    }

  for (gsize i = size; i > 0; i--)
    v = (v << 8) | buf[i - 1];
  *value = v;
  return TRUE;
}

static gboolean
apply_unary_keyword (Parser       *ps,
                     UnaryKeyword  op,
                     guint64       operand,
                     guint64      *value)
{
  switch (op)
    {
    case UNARY_NOT:
      *value = operand == 0;
      return TRUE;
    case UNARY_HI:
      *value = (operand >> 16) & 0xffff;
      return TRUE;
    case UNARY_LOW:
      *value = operand & 0xffff;
      return TRUE;
    case UNARY_BY:
      return read_value (ps, "by", operand, 1, value);
    case UNARY_WO:
      return read_value (ps, "wo", operand, 2, value);
    case UNARY_DWO:
      return read_value (ps, "dwo", operand, 4, value);
    case UNARY_QWO:
      return read_value (ps, "qwo", operand, 8, value);
    case UNARY_POI:
      if (ps->scope->pointer64)
        return read_value (ps, "poi", operand, 8, value);
      /* A 32-bit pointer is an address, and addresses of 32-bit targets
       * are sign-extended like the constants above. */
      if (!read_value (ps, "poi", operand, 4, value))
        return FALSE;
      *value = sign_extend_constant (*value, FALSE);
      return TRUE;
    }

  g_assert_not_reached ();
  return FALSE;
}

/* A word that is not a keyword: a number if it reads as one, else
 * module!name, else a register, else a symbol or module name. WinDbg
 * tries symbols before uncommon registers; a kernel debugger's bare
 * register names never collide with kernel symbols, so registers go
 * first here. */
static gboolean
resolve_word (Parser      *ps,
              const gchar *word,
              gsize        len,
              guint64     *value)
{
  g_autofree gchar *name = g_strndup (word, len);
  const gchar *bang = strchr (name, '!');
  const gchar *end;
  gboolean backtick, overflow;
  guint64 v;

  if (bang == NULL && scan_number (name, &end, &v, &backtick, &overflow) && *end == '\0')
    {
      if (overflow)
        return fail (ps, KDH_EXPR_ERROR_OVERFLOW, NULL,
                     _("number '%s' does not fit in 64 bits"), name);
      *value = sign_extend_constant (v, backtick);
      return TRUE;
    }

  if (bang != NULL)
    {
      g_autofree gchar *module = g_strndup (name, bang - name);

      if (lookup_symbol (ps, *module != '\0' ? module : NULL, bang + 1, value))
        return TRUE;
      return fail (ps, KDH_EXPR_ERROR_UNKNOWN_SYMBOL, NULL,
                   _("unknown symbol '%s'"), name);
    }

  if (strchr (name, '`') == NULL)
    {
      if (lookup_register (ps, name, len, value))
        return TRUE;
      if (lookup_symbol (ps, NULL, name, value))
        return TRUE;
      if (lookup_symbol (ps, name, NULL, value))
        return TRUE;
    }

  return fail (ps, KDH_EXPR_ERROR_UNKNOWN_SYMBOL,
               _("not a number, register or symbol"),
               _("syntax error at '%s'"), name);
}

static gboolean
syntax_error_here (Parser *ps)
{
  if (*ps->p == '\0')
    return fail (ps, KDH_EXPR_ERROR_SYNTAX, NULL, _("missing operand at the end"));

  return fail (ps, KDH_EXPR_ERROR_SYNTAX, NULL, _("syntax error at '%.*s'"),
               (int) token_length (ps->p), ps->p);
}

static gboolean
parse_register (Parser  *ps,
                guint64 *value)
{
  const gchar *at = ps->p;
  const gchar *name = *at == '@' ? at + 1 : at;
  const gchar *end = name;

  /* '$' starts pseudo-register names: @$ip, $ip. */
  if (*end == '$')
    end++;
  while (g_ascii_isalnum (*end) || *end == '_')
    end++;

  if (end == name || (*name == '$' && end == name + 1))
    return syntax_error_here (ps);

  ps->p = end;
  if (lookup_register (ps, name, end - name, value))
    return TRUE;
  return fail (ps, KDH_EXPR_ERROR_UNKNOWN_REGISTER, NULL,
               _("unknown register '%.*s'"), (int) (end - at), at);
}

static gboolean
parse_primary (Parser  *ps,
               guint64 *value)
{
  const gchar *p;

  ps->p = skip_spaces (ps->p);
  p = ps->p;

  if (*p == '(')
    {
      ps->p++;
      if (!parse_binary (ps, LEVEL_OR, value))
        return FALSE;
      ps->p = skip_spaces (ps->p);
      if (*ps->p != ')')
        {
          if (*ps->p == '\0')
            return fail (ps, KDH_EXPR_ERROR_SYNTAX, NULL, _("missing ')' at the end"));
          return fail (ps, KDH_EXPR_ERROR_SYNTAX, _("expected ')'"),
                       _("syntax error at '%.*s'"), (int) token_length (ps->p), ps->p);
        }
      ps->p++;
      return TRUE;
    }

  if (*p == '@' || *p == '$')
    return parse_register (ps, value);

  /* A lone '.' is the current instruction pointer, like $ip. */
  if (*p == '.' && !is_word_char (p[1]))
    {
      ps->p++;
      if (lookup_register (ps, "$ip", 3, value))
        return TRUE;
      return fail (ps, KDH_EXPR_ERROR_UNKNOWN_REGISTER, NULL,
                   _("the instruction pointer '.' is not available"));
    }

  /* Digits start a number even when letters follow without a space, as
   * in "1000L20": the number ends where its digits do. */
  if (g_ascii_isdigit (*p))
    {
      const gchar *end;
      gboolean backtick, overflow;
      guint64 v;

      scan_number (p, &end, &v, &backtick, &overflow);
      if (overflow)
        return fail (ps, KDH_EXPR_ERROR_OVERFLOW, NULL,
                     _("number '%.*s' does not fit in 64 bits"), (int) (end - p), p);
      ps->p = end;
      *value = sign_extend_constant (v, backtick);
      return TRUE;
    }

  if (is_name_start (*p) || (*p == '!' && is_name_start (p[1])))
    {
      const gchar *end = scan_word (p + 1);

      ps->p = end;
      return resolve_word (ps, p, end - p, value);
    }

  return syntax_error_here (ps);
}

/* The unary keyword spelled by the whole word at @p, if any. */
static gboolean
match_unary_keyword (const gchar  *p,
                     const gchar **end,
                     UnaryKeyword *op)
{
  const gchar *word_end = scan_word (p);
  gsize len = word_end - p;

  for (guint i = 0; i < G_N_ELEMENTS (unary_keywords); i++)
    if (strlen (unary_keywords[i].spelling) == len &&
        g_ascii_strncasecmp (unary_keywords[i].spelling, p, len) == 0)
      {
        *end = word_end;
        *op = unary_keywords[i].op;
        return TRUE;
      }

  return FALSE;
}

static gboolean
parse_unary_inner (Parser  *ps,
                   guint64 *value)
{
  const gchar *end;
  UnaryKeyword op;
  guint64 operand;

  ps->p = skip_spaces (ps->p);

  switch (*ps->p)
    {
    case '-':
      ps->p++;
      if (!parse_unary (ps, &operand))
        return FALSE;
      *value = 0 - operand;
      return TRUE;
    case '+':
      ps->p++;
      return parse_unary (ps, value);
    case '~':
      ps->p++;
      if (!parse_unary (ps, &operand))
        return FALSE;
      *value = ~operand;
      return TRUE;
    default:
      break;
    }

  if (g_ascii_isalpha (*ps->p) && match_unary_keyword (ps->p, &end, &op))
    {
      ps->p = end;
      if (!parse_unary (ps, &operand))
        return FALSE;
      return apply_unary_keyword (ps, op, operand, value);
    }

  return parse_primary (ps, value);
}

static gboolean
parse_unary (Parser  *ps,
             guint64 *value)
{
  gboolean ok;

  if (ps->depth >= MAX_DEPTH)
    return fail (ps, KDH_EXPR_ERROR_SYNTAX, NULL, _("expression nested too deeply"));

  ps->depth++;
  ok = parse_unary_inner (ps, value);
  ps->depth--;
  return ok;
}

static const BinaryOpInfo *
match_binary_op (const gchar *p)
{
  for (guint i = 0; i < G_N_ELEMENTS (binary_ops); i++)
    {
      const BinaryOpInfo *info = &binary_ops[i];
      gsize len = strlen (info->spelling);

      if (info->keyword)
        {
          if (g_ascii_strncasecmp (p, info->spelling, len) == 0 && !is_word_char (p[len]))
            return info;
        }
      else if (strncmp (p, info->spelling, len) == 0)
        return info;
    }

  return NULL;
}

static gboolean
apply_binary (Parser             *ps,
              const BinaryOpInfo *info,
              const gchar        *where,
              guint64             lhs,
              guint64             rhs,
              guint64            *value)
{
  switch (info->op)
    {
    case OP_MUL: *value = lhs * rhs; break;
    case OP_DIV:
    case OP_MOD:
      if (rhs == 0)
        return fail (ps, KDH_EXPR_ERROR_DIVIDE_BY_ZERO, NULL, _("division by zero at '%.*s'"),
                     (int) strlen (info->spelling), where);
      *value = info->op == OP_DIV ? lhs / rhs : lhs % rhs;
      break;
    case OP_ADD: *value = lhs + rhs; break;
    case OP_SUB: *value = lhs - rhs; break;
    /* C leaves shifts by 64 or more undefined; the mathematical answer is
     * what a user means. */
    case OP_SHL: *value = rhs >= 64 ? 0 : lhs << rhs; break;
    case OP_SHR: *value = rhs >= 64 ? 0 : lhs >> rhs; break;
    case OP_SAR:
      {
        gboolean negative = (lhs >> 63) != 0;
        guint64 shifted = rhs >= 64 ? 0 : (negative ? ~lhs : lhs) >> rhs;

        *value = negative ? ~shifted : shifted;
      }
      break;
    case OP_EQ: *value = lhs == rhs; break;
    case OP_NE: *value = lhs != rhs; break;
    case OP_LT: *value = lhs < rhs; break;
    case OP_GT: *value = lhs > rhs; break;
    case OP_LE: *value = lhs <= rhs; break;
    case OP_GE: *value = lhs >= rhs; break;
    case OP_AND: *value = lhs & rhs; break;
    case OP_XOR: *value = lhs ^ rhs; break;
    case OP_OR: *value = lhs | rhs; break;
    }

  return TRUE;
}

static gboolean
parse_binary (Parser  *ps,
              guint    level,
              guint64 *value)
{
  guint64 lhs;

  if (level == N_LEVELS)
    return parse_unary (ps, value);

  if (!parse_binary (ps, level + 1, &lhs))
    return FALSE;

  for (;;)
    {
      const gchar *op_at = skip_spaces (ps->p);
      const BinaryOpInfo *info = match_binary_op (op_at);
      guint64 rhs;

      /* Anything else ends this level; the cursor stays before the
       * spaces so that a prefix evaluation reports its true end. */
      if (info == NULL || info->level != level)
        break;

      ps->p = op_at + strlen (info->spelling);
      if (!parse_binary (ps, level + 1, &rhs))
        return FALSE;
      if (!apply_binary (ps, info, op_at, lhs, rhs, &lhs))
        return FALSE;
    }

  *value = lhs;
  return TRUE;
}

static const KdhExprScope empty_scope = { 0 };

gboolean
kdh_expr_evaluate_in (const gchar        *whole,
                      const gchar        *start,
                      const KdhExprScope *scope,
                      guint64            *value,
                      const gchar       **end,
                      GError            **error)
{
  Parser ps = {
    .text = whole,
    .p = start,
    .scope = scope != NULL ? scope : &empty_scope,
    .error = error,
  };
  guint64 v;

  if (!parse_binary (&ps, LEVEL_OR, &v))
    return FALSE;

  ps.p = skip_spaces (ps.p);
  if (end != NULL)
    *end = ps.p;
  else if (*ps.p != '\0')
    return fail (&ps, KDH_EXPR_ERROR_SYNTAX, NULL, _("syntax error at '%.*s'"),
                 (int) token_length (ps.p), ps.p);

  *value = v;
  return TRUE;
}

gboolean
kdh_expr_evaluate (const gchar         *text,
                   const KdhExprScope  *scope,
                   guint64             *value,
                   GError             **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return kdh_expr_evaluate_in (text, text, scope, value, NULL, error);
}

gboolean
kdh_expr_evaluate_prefix (const gchar         *text,
                          const KdhExprScope  *scope,
                          guint64             *value,
                          const gchar        **end,
                          GError             **error)
{
  const gchar *stop;
  guint64 v;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kdh_expr_evaluate_in (text, text, scope, &v, &stop, error))
    return FALSE;

  *value = v;
  if (end != NULL)
    *end = stop;
  return TRUE;
}
