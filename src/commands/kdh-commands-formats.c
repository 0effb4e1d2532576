/* kdh-commands-formats.c: .formats, one value in every way WinDbg shows it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expression is evaluated as `?` does (with the target's registers
 * and symbols when it is stopped, without them otherwise), then shown as
 * hex, signed and unsigned decimal, octal, binary, eight characters, a
 * time, two floats and a double. The time is a time_t (seconds since
 * 1970) when the value fits 32 bits, else a FILETIME (100 ns units since
 * 1601), as WinDbg reads them; both in local time.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "target/kdh-stop.h"

/* FILETIME's epoch, 1601-01-01, before the Unix one, in 100 ns units. */
#define FILETIME_UNIX_EPOCH G_GUINT64_CONSTANT (116444736000000000)

static void
append_binary (GString *out,
               guint64  value)
{
  for (gint bit = 63; bit >= 0; bit--)
    {
      g_string_append_c (out, (value >> bit) & 1 ? '1' : '0');
      if (bit % 8 == 0 && bit > 0)
        g_string_append_c (out, ' ');
    }
}

/* The bytes from the most significant, '.' for those not printable. */
static void
append_chars (GString *out,
              guint64  value)
{
  for (gint shift = 56; shift >= 0; shift -= 8)
    {
      guint8 c = (guint8) (value >> shift);

      g_string_append_c (out, c >= 0x20 && c < 0x7F ? (gchar) c : '.');
    }
}

static gchar *
format_time (guint64 value)
{
  g_autoptr (GDateTime) when = NULL;

  if (value <= G_MAXUINT32)
    {
      g_autofree gchar *day = NULL, *rest = NULL;

      when = g_date_time_new_from_unix_local ((gint64) value);
      if (when == NULL)
        return g_strdup (_("***** Invalid"));
      /* As ctime() writes it; the day of the month padded with a space. */
      day = g_date_time_format (when, "%a %b");
      rest = g_date_time_format (when, "%H:%M:%S %Y");
      return g_strdup_printf ("%s %2d %s", day, g_date_time_get_day_of_month (when), rest);
    }
  if (value >= FILETIME_UNIX_EPOCH)
    {
      g_autoptr (GDateTime) seconds = NULL;
      guint64 since_1970 = (value - FILETIME_UNIX_EPOCH) / 10;

      seconds = g_date_time_new_from_unix_local ((gint64) (since_1970 / G_USEC_PER_SEC));
      if (seconds != NULL)
        when = g_date_time_add (seconds, (GTimeSpan) (since_1970 % G_USEC_PER_SEC));
    }
  if (when == NULL)
    return g_strdup (_("***** Invalid FILETIME"));
  return kdh_stop_format_time (when);
}

static gboolean
cmd_formats (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhTarget *target = kdh_commands_stopped_target (inv);
  g_autoptr (GString) binary = g_string_new (NULL), chars = g_string_new (NULL);
  g_autofree gchar *time = NULL;
  KdhExprScope scope;
  guint64 value;
  guint32 low, high;
  gfloat low_float, high_float;
  gdouble as_double;

  if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _(".formats needs an expression, e.g. '.formats @rax'."));
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &value, error))
    return FALSE;
  low = (guint32) value;
  high = (guint32) (value >> 32);
  memcpy (&low_float, &low, sizeof low_float);
  memcpy (&high_float, &high, sizeof high_float);
  memcpy (&as_double, &value, sizeof as_double);
  append_binary (binary, value);
  append_chars (chars, value);
  time = format_time (value);
  kdh_command_call_print (inv,
                          "Evaluate expression:\n"
                          "  Hex:     %08x`%08x\n"
                          "  Decimal: %" G_GINT64_FORMAT "\n"
                          "  Decimal (unsigned) : %" G_GUINT64_FORMAT "\n"
                          "  Octal:   %022" G_GINT64_MODIFIER "o\n"
                          "  Binary:  %s\n"
                          "  Chars:   %s\n"
                          "  Time:    %s\n"
                          "  Float:   low %g high %g\n"
                          "  Double:  %g\n",
                          high, low, (gint64) value, value, value, binary->str, chars->str,
                          time, (gdouble) low_float, (gdouble) high_float, as_double);
  return TRUE;
}

void
kdh_commands_add_formats (KdhCommands *c)
{
  kdh_commands_add (c, ".formats", ".formats EXPR     show a value in every format", cmd_formats,
                    NULL, NULL);
}
