/* kdh-expr-range.c: WinDbg address ranges ("nt L20", "rsp rsp+40", "x L?n")
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-expr-private.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <string.h>

#include "common/kdh-address.h"

static gboolean G_GNUC_PRINTF (4, 5)
range_fail (GError      **error,
            const gchar  *text,
            const gchar  *hint,
            const gchar  *format,
            ...)
{
  g_autofree gchar *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (hint != NULL)
    g_set_error (error, KDH_EXPR_ERROR, KDH_EXPR_ERROR_RANGE, _("%s in '%s' (%s)"),
                 what, text, hint);
  else
    g_set_error (error, KDH_EXPR_ERROR, KDH_EXPR_ERROR_RANGE, _("%s in '%s'"), what, text);
  return FALSE;
}

gboolean
kdh_expr_parse_range (const gchar        *text,
                      const KdhExprScope *scope,
                      guint               unit_size,
                      guint64             default_count,
                      guint64             max_units,
                      guint64            *address,
                      guint64            *count,
                      GError            **error)
{
  gboolean pointer64 = scope != NULL && scope->pointer64;
  gboolean unlimited = FALSE;
  gboolean backwards = FALSE;
  const gchar *rest;
  guint64 start, n;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (unit_size > 0, FALSE);
  g_return_val_if_fail (address != NULL && count != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kdh_expr_evaluate_in (text, text, scope, &start, &rest, error))
    return FALSE;

  if (*rest == '\0')
    {
      *address = start;
      *count = default_count;
      return TRUE;
    }

  /* An 'L' where the end address would be always starts a length, as in
   * WinDbg: "L20", "L 20", "L?20", "L-20". */
  if (*rest == 'l' || *rest == 'L')
    {
      rest++;
      if (*rest == '?')
        unlimited = TRUE;
      else if (*rest == '-')
        backwards = TRUE;
      if (unlimited || backwards)
        rest++;

      if (!kdh_expr_evaluate_in (text, rest, scope, &n, NULL, error))
        return FALSE;
      if (n == 0)
        return range_fail (error, text, NULL, _("zero length"));
    }
  else
    {
      guint64 last;

      if (!kdh_expr_evaluate_in (text, rest, scope, &last, NULL, error))
        return FALSE;
      if (last < start)
        {
          g_autofree gchar *s = kdh_format_address (start, pointer64);
          g_autofree gchar *e = kdh_format_address (last, pointer64);

          return range_fail (error, text, NULL,
                             _("end address %s is below start address %s"), e, s);
        }
      /* The end is inclusive: "1000 1007" is 8 bytes, or 2 dwords. "0
       * ffffffff`ffffffff" in bytes is 2^64 units, one more than fits. */
      n = (last - start) / unit_size;
      if (n == G_MAXUINT64)
        return range_fail (error, text, NULL, _("range is larger than the address space"));
      n++;
    }

  if (!unlimited && max_units != 0 && n > max_units)
    {
      g_autofree gchar *hint = g_strdup_printf (_("use L?%" G_GINT64_MODIFIER "x to allow it"), n);

      return range_fail (error, text, hint,
                         _("range of %" G_GINT64_MODIFIER "x units is larger than the "
                           "limit of %" G_GINT64_MODIFIER "x"),
                         n, max_units);
    }

  if (n > G_MAXUINT64 / unit_size)
    return range_fail (error, text, NULL, _("range is larger than the address space"));

  if (backwards)
    {
      if (n * unit_size > start)
        return range_fail (error, text, NULL, _("range starts below address 0"));
      start -= n * unit_size;
    }
  else if (n * unit_size - 1 > G_MAXUINT64 - start)
    return range_fail (error, text, NULL, _("range runs past the end of the address space"));

  *address = start;
  *count = n;
  return TRUE;
}


gboolean
kdh_expr_quotes_whole (const gchar *message,
                       const gchar *text)
{
  g_autofree gchar *quoted = g_strdup_printf ("'%s'", text);

  return g_str_has_suffix (message, quoted);
}
