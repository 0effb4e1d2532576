/* kdh-expr-private.h: what the expression files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-expr.c        MASM expressions
 * kdh-expr-range.c  address ranges built on them
 */
#pragma once

#include "kdh-expr.h"

G_BEGIN_DECLS

/* Evaluates from @start, quoting @whole in messages. With @end NULL, the
 * expression must be all there is; otherwise *end is where it stopped. */
gboolean kdh_expr_evaluate_in (const gchar        *whole,
                               const gchar        *start,
                               const KdhExprScope *scope,
                               guint64            *value,
                               const gchar       **end,
                               GError            **error);

/* Whether @message ends by quoting all of @text ("syntax error at 'zzz'"
 * for "zzz"), so that " in 'zzz'" would only repeat it. */
gboolean kdh_expr_quotes_whole (const gchar *message,
                                const gchar *text);

G_END_DECLS
