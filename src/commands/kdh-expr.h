/* kdh-expr.h: WinDbg MASM expressions and address ranges
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The KD command language evaluates its arguments as MASM expressions, as
 * WinDbg does by default. Everything is 64-bit, unsigned and wrapping.
 *
 *   numbers     default radix 16: fffff800`02000000 (the backtick is
 *               optional), 0x10, 0n16 (decimal), 0t20 (octal), 0y10000
 *               (binary), 10h; a prefix alone ("0x") is 0. In kernel mode
 *               WinDbg sign-extends constants 80000000..ffffffff written
 *               without a backtick, and so does this evaluator:
 *               "80000000" is ffffffff`80000000, "0`80000000" is not.
 *   registers   @rax always names a register; a bare word is a number if it
 *               reads as one ("bad", "ah" = 0xa), else a register, else a
 *               symbol. @$ip, $ip and "." are pseudo-registers.
 *   symbols     nt!KeBugCheckEx, !name (forces a symbol: "!add"), name,
 *               and a module name alone for its base ("nt").
 *   unary       + - ~ not (logical: 1 when zero) hi low (bits 31..16 and
 *               15..0) by wo dwo qwo poi (read 1, 2, 4, 8 or pointer-size
 *               bytes at the address); function form "poi(x)" or "poi x".
 *   binary      by precedence, high to low, left-associative:
 *                 * / % mod     + -     << >> (logical) >>> (arithmetic)
 *                 == = != < > <= >= (unsigned, give 1 or 0)
 *                 & and     ^ xor     | or
 *
 * Errors (KDH_EXPR_ERROR) name the problem, the token and the text, e.g.
 * "syntax error at 'zz' in 'zz+1'", "unknown symbol 'foo!bar' in
 * 'foo!bar+8'", "division by zero at '/' in '10/0'",
 * "memory at fffff800`00000000 could not be read for poi()".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_EXPR_ERROR (kdh_expr_error_quark ())
GQuark kdh_expr_error_quark (void);

typedef enum {
  KDH_EXPR_ERROR_SYNTAX,           /* bad token, missing operand or ')' */
  KDH_EXPR_ERROR_UNKNOWN_SYMBOL,   /* module!name that does not resolve */
  KDH_EXPR_ERROR_UNKNOWN_REGISTER, /* @name that does not resolve */
  KDH_EXPR_ERROR_OVERFLOW,         /* a number wider than 64 bits */
  KDH_EXPR_ERROR_DIVIDE_BY_ZERO,
  KDH_EXPR_ERROR_MEMORY,           /* poi() and friends could not read */
  KDH_EXPR_ERROR_RANGE,            /* bad or too large address range */
} KdhExprError;

/* Where names and memory come from. Every callback may be NULL, which
 * makes every lookup fail; each returns FALSE when the name is unknown. */
typedef struct {
  /* @name is in lower case without the '@' ("rax", "eax", "efl", "$ip").
   * Return 32-bit registers sign-extended, as WinDbg does. */
  gboolean (*get_register) (const gchar *name,
                            guint64     *value,
                            gpointer     user_data);
  /* "DbgPrint": module NULL; "nt": name NULL, the module base;
   * "nt!DbgPrint": both. Names keep the case they were typed in. */
  gboolean (*get_symbol)   (const gchar *module,
                            const gchar *name,
                            guint64     *value,
                            gpointer     user_data);
  /* For poi(), by(), wo(), dwo() and qwo(); all of @len or FALSE. */
  gboolean (*read_memory)  (guint64  address,
                            guint8  *buf,
                            gsize    len,
                            gpointer user_data);
  gboolean pointer64;      /* poi() reads 8 bytes, else 4 (sign-extended) */
  gpointer user_data;
} KdhExprScope;

/* Evaluates all of @text (surrounding spaces allowed). */
gboolean kdh_expr_evaluate        (const gchar         *text,
                                   const KdhExprScope  *scope,
                                   guint64             *value,
                                   GError             **error);

/* Evaluates the longest leading expression of @text and sets @end to what
 * follows it, past any spaces: for "rsp+8 L20", @end points at "L20". */
gboolean kdh_expr_evaluate_prefix (const gchar         *text,
                                   const KdhExprScope  *scope,
                                   guint64             *value,
                                   const gchar        **end,
                                   GError             **error);

/* WinDbg address ranges, the whole of @text:
 *
 *   ADDR               @default_count units from ADDR
 *   ADDR L COUNT       also "LCOUNT"; COUNT units of @unit_size bytes
 *   ADDR L?COUNT       the same without the @max_units limit
 *   ADDR L-COUNT       COUNT units ending just below ADDR
 *   ADDR END           ADDR through END inclusive: (END-ADDR)/unit + 1 units
 *
 * @max_units (0: none) rejects larger ranges, as WinDbg's 256 MB limit
 * does, with a hint to use L?. A zero count, an END below ADDR and a range
 * that wraps past the top of the address space are errors too. */
gboolean kdh_expr_parse_range     (const gchar         *text,
                                   const KdhExprScope  *scope,
                                   guint                unit_size,
                                   guint64              default_count,
                                   guint64              max_units,
                                   guint64             *address,
                                   guint64             *count,
                                   GError             **error);

G_END_DECLS
