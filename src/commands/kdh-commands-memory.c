/* kdh-commands-memory.c: editing and showing memory: e*, f, d*s, da, du
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A command that changes memory parses all of its arguments and checks
 * that the whole destination can be read before it writes anything, so a
 * bad command changes nothing.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-le.h"
#include "kdh-query.h"

/* As the dumps: WinDbg refuses more than 256 MB unless L? is used. */
#define MAX_RANGE_BYTES (256u * 1024 * 1024)
#define PIECE (64u * 1024)

/* ---- Shared parsing ------------------------------------------------------ */

gboolean
kdh_commands_parse_range_prefix (KdhTarget    *target,
                                 const gchar  *args,
                                 guint         unit,
                                 guint64       default_count,
                                 guint64      *address,
                                 guint64      *count,
                                 const gchar **rest,
                                 GError      **error)
{
  KdhExprScope scope;
  const gchar *end = NULL, *p;
  guint64 value;
  g_autofree gchar *range = NULL;

  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate_prefix (args, &scope, &value, &end, error))
    return FALSE;
  p = end;
  if (*p == 'l' || *p == 'L')
    {
      p++;
      if (*p == '?')
        p++;
      if (*p == '-')
        p++;
      while (*p == ' ' || *p == '\t')
        p++;
    }
  /* The count or the end address; what follows is for the command. */
  if (*p != '\0' && !kdh_expr_evaluate_prefix (p, &scope, &value, &end, error))
    return FALSE;
  if (*p == '\0')
    end = p;
  range = g_strchomp (g_strndup (args, end - args));
  if (!kdh_expr_parse_range (range, &scope, unit, default_count, MAX_RANGE_BYTES / unit,
                             address, count, error))
    return FALSE;
  *rest = end;
  return TRUE;
}

/* A quoted string's bytes ("text": ASCII; @wide: UTF-16LE). */
static gboolean
parse_string (const gchar  *text,
              gboolean      wide,
              GByteArray   *out,
              GError      **error)
{
  gsize len = strlen (text);

  if (len < 2 || text[0] != '"' || text[len - 1] != '"')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Expected a string in double quotes, not '%s'."), text);
      return FALSE;
    }
  if (!wide)
    {
      g_byte_array_append (out, (const guint8 *) text + 1, (guint) len - 2);
      return TRUE;
    }
  {
    g_autofree gchar *inner = g_strndup (text + 1, len - 2);
    glong n = 0;
    g_autofree gunichar2 *utf16 = g_utf8_to_utf16 (inner, -1, NULL, &n, error);

    if (utf16 == NULL)
      return FALSE;
    for (glong i = 0; i < n; i++)
      {
        guint8 le[2] = { utf16[i] & 0xFF, utf16[i] >> 8 };

        g_byte_array_append (out, le, 2);
      }
  }
  return TRUE;
}

gboolean
kdh_commands_parse_values (KdhTarget    *target,
                           const gchar  *text,
                           guint         unit,
                           GByteArray   *out,
                           GError      **error)
{
  KdhExprScope scope;
  g_auto (GStrv) words = g_strsplit_set (text, " \t", -1);

  kdh_commands_init_scope (&scope, target);
  for (guint i = 0; words[i]; i++)
    {
      const gchar *w = words[i];
      guint64 value;
      guint8 le[8];

      if (*w == '\0')
        continue;
      if (unit == 1 && strlen (w) == 3 && w[0] == '\'' && w[2] == '\'')
        value = (guint8) w[1];
      else if (!kdh_expr_evaluate (w, &scope, &value, error))
        return FALSE;
      /* Sign-extended negatives ("-1") fit too. */
      if (unit < 8 && value >> (unit * 8) != 0
          && (value | ((G_GUINT64_CONSTANT (1) << (unit * 8 - 1)) - 1)) != G_MAXUINT64)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("The value '%s' does not fit in %u byte%s."), w, unit,
                       unit == 1 ? "" : "s");
          return FALSE;
        }
      kdh_write_le64 (le, value);
      g_byte_array_append (out, le, unit);
    }
  if (out->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("No values given (entering values one by one is not supported)."));
      return FALSE;
    }
  return TRUE;
}

gboolean
kdh_commands_check_readable (KdhTarget  *target,
                             guint64     address,
                             guint64     length,
                             GError    **error)
{
  g_autofree guint8 *buffer = g_malloc (MIN (MAX (length, 1), PIECE));

  for (guint64 done = 0; done < length; )
    {
      gsize n = (gsize) MIN (length - done, PIECE), got = 0;

      if (!kdh_target_read_virtual (target, address + done, buffer, n, &got, error))
        return FALSE;
      if (got < n)
        {
          g_autofree gchar *where = kdh_commands_format_address (target, address + done + got);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Memory access error at %s; nothing was written."), where);
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

gboolean
kdh_commands_write (KdhTarget     *target,
                    guint64        address,
                    const guint8  *data,
                    gsize          length,
                    GError       **error)
{
  gsize put = 0;

  if (!kdh_target_write_virtual (target, address, data, length, &put, error))
    return FALSE;
  if (put < length)
    {
      g_autofree gchar *where = kdh_commands_format_address (target, address + put);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Memory access error at %s."), where);
      return FALSE;
    }
  return TRUE;
}

/* ---- e*: enter values ------------------------------------------------------ */

static gboolean
cmd_enter (KdhCommandCall *inv,
           gpointer        data,
           GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  gchar kind = inv->name[1];
  KdhExprScope scope;
  const gchar *rest = NULL;
  guint64 address;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s needs an address and what to write, e.g. '%s'."), inv->name,
                   kind == 'a' ? "ea ADDR \"text\"" : kind == 'u' ? "eu ADDR \"text\""
                                                                  : "eb ADDR 90 90");
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate_prefix (inv->args, &scope, &address, &rest, error))
    return FALSE;
  if (kind == 'a' || kind == 'u')
    {
      if (!parse_string (rest, kind == 'u', bytes, error))
        return FALSE;
    }
  else if (!kdh_commands_parse_values (target, rest,
                                       kind == 'w' ? 2 : kind == 'd' ? 4 : kind == 'q' ? 8 : 1,
                                       bytes, error))
    return FALSE;
  if (bytes->len == 0)
    return TRUE;
  return kdh_commands_check_readable (target, address, bytes->len, error)
         && kdh_commands_write (target, address, bytes->data, bytes->len, error);
}

/* ---- f: fill ------------------------------------------------------------- */

static gboolean
cmd_fill (KdhCommandCall *inv,
          gpointer        data,
          GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  const gchar *rest = NULL;
  guint64 address, count;
  g_autoptr (GByteArray) pattern = g_byte_array_new ();
  g_autofree guint8 *piece = NULL;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("f needs a range and a pattern, e.g. 'f ADDR L20 90 cc'."));
      return FALSE;
    }
  if (!kdh_commands_parse_range_prefix (target, inv->args, 1, 0x80, &address, &count, &rest,
                                        error)
      || !kdh_commands_parse_values (target, rest, 1, pattern, error)
      || !kdh_commands_check_readable (target, address, count, error))
    return FALSE;
  piece = g_malloc (MIN (count, PIECE));
  /* Each piece starts where the pattern's phase is at its offset. */
  for (guint64 done = 0; done < count; )
    {
      gsize n = (gsize) MIN (count - done, PIECE);

      for (gsize i = 0; i < n; i++)
        piece[i] = pattern->data[(done + i) % pattern->len];
      if (!kdh_commands_write (target, address + done, piece, n, error))
        return FALSE;
      done += n;
    }
  return TRUE;
}

/* ---- dps, dqs, dds: values with symbols -------------------------------------- */

/* The range of a display command (dps, da and the like): ADDR [L n|END]
 * and nothing after it, at most 0x10000 units; @example names a register
 * for the message when the address is missing. */
static gboolean
parse_display_range (KdhCommandCall *inv,
                     KdhTarget      *target,
                     guint           unit,
                     guint64         default_count,
                     const gchar    *example,
                     const gchar    *units,
                     guint64        *address,
                     guint64        *count,
                     GError        **error)
{
  const gchar *rest = NULL;

  if (*inv->args == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s needs an address, e.g. '%s %s'."), inv->name, inv->name, example);
      return FALSE;
    }
  if (!kdh_commands_parse_range_prefix (target, inv->args, unit, default_count, address, count,
                                        &rest, error))
    return FALSE;
  if (*rest != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s takes a range, not '%s' after it."), inv->name, rest);
      return FALSE;
    }
  if (*count > 0x10000)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Range error: %s shows at most 0x10000 %s."), inv->name, units);
      return FALSE;
    }
  return TRUE;
}

static gboolean
cmd_dump_symbols (KdhCommandCall *inv,
                  gpointer        data,
                  GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  gchar kind = inv->name[1];
  guint unit;
  guint64 address, count;
  g_autoptr (KdhMemoryRange) range = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (target == NULL || !kdh_target_ensure_version (target, error))
    return FALSE;
  unit = kind == 'd' ? 4 : kind == 'q' ? 8 : kdh_target_is_ptr64 (target) ? 8 : 4;
  if (!parse_display_range (inv, target, unit, 128 / unit, "rsp", _("values"), &address,
                            &count, error))
    return FALSE;
  range = kdh_query_memory (target, address, (gsize) (count * unit), error);
  if (range == NULL)
    return FALSE;
  for (guint64 i = 0; i < count; i++)
    {
      gsize at = (gsize) (i * unit);
      g_autofree gchar *where = kdh_commands_format_address (target, address + at);
      guint64 value;
      g_autofree gchar *symbol = NULL;

      g_string_append_printf (out, "%s  ", where);
      if (at + unit > range->valid)
        {
          g_string_append (out, unit == 8 ? "????????`????????\n" : "????????\n");
          continue;
        }
      value = unit == 8 ? kdh_read_le64 (range->data + at) : kdh_read_le32 (range->data + at);
      if (unit == 8)
        g_string_append_printf (out, "%08x`%08x", (guint32) (value >> 32), (guint32) value);
      else
        g_string_append_printf (out, "%08x", (guint32) value);
      if (unit == 4 && kdh_target_is_ptr64 (target))
        value = (guint64) (gint64) (gint32) value;
      symbol = value ? kdh_target_symbolize (target, value) : NULL;
      g_string_append_printf (out, "%s%s\n", symbol ? " " : "", symbol ? symbol : "");
    }
  kdh_commands_say (inv, out->str);
  return TRUE;
}

/* ---- da, du: strings ------------------------------------------------------- */

#define CHARS_PER_LINE 48

static gboolean
cmd_dump_string (KdhCommandCall *inv,
                 gpointer        data,
                 GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  gboolean wide = inv->name[1] == 'u';
  guint unit = wide ? 2 : 1;
  guint64 address, count, n = 0;
  g_autoptr (KdhMemoryRange) range = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean open = FALSE;

  if (target == NULL)
    return FALSE;
  if (!parse_display_range (inv, target, unit, 0x100 / unit, "rcx", _("characters"), &address,
                            &count, error))
    return FALSE;
  range = kdh_query_memory (target, address, (gsize) (count * unit), error);
  if (range == NULL)
    return FALSE;
  /* Up to the first NUL, 48 characters a line, in quotes. */
  for (n = 0; n < count; n++)
    {
      gsize at = (gsize) (n * unit);
      guint c;

      if (n % CHARS_PER_LINE == 0)
        {
          g_autofree gchar *where = kdh_commands_format_address (target, address + at);

          if (open)
            g_string_append (out, "\"\n");
          g_string_append_printf (out, "%s  ", where);
          open = FALSE;
        }
      if (at + unit > range->valid)
        {
          if (open)
            g_string_append_c (out, '"');
          g_string_append (out, wide ? "????" : "??");
          open = FALSE;
          n++;
          break;
        }
      c = wide ? kdh_read_le16 (range->data + at) : range->data[at];
      if (c == 0)
        break;
      if (!open)
        g_string_append_c (out, '"');
      open = TRUE;
      if (c >= 0x20 && c < 0x7F)
        g_string_append_c (out, (gchar) c);
      else if (wide && c >= 0xA0 && !(c >= 0xD800 && c < 0xE000))
        g_string_append_unichar (out, c);
      else
        g_string_append_c (out, '.');
    }
  if (open)
    g_string_append_c (out, '"');
  else if (out->len == 0 || out->str[out->len - 1] == ' ')
    g_string_append (out, "\"\"");
  g_string_append_c (out, '\n');
  kdh_commands_say (inv, out->str);
  return TRUE;
}

/* ---- The table ---------------------------------------------------------- */

static const struct {
  const gchar *name;
  KdhCommandFunc func;
  const gchar *help;
} memory_commands[] = {
  { "eb", cmd_enter, "eb ADDR VALUES    enter bytes (also ew, ed, eq)" },
  { "ew", cmd_enter, NULL },
  { "ed", cmd_enter, NULL },
  { "eq", cmd_enter, NULL },
  { "ea", cmd_enter, "ea ADDR \"text\"    enter an ASCII string (eu: Unicode)" },
  { "eu", cmd_enter, NULL },
  { "f", cmd_fill, "f RANGE PATTERN   fill memory with a byte pattern" },
  { "dps", cmd_dump_symbols, "dps RANGE         pointers with symbols (also dqs, dds)" },
  { "dqs", cmd_dump_symbols, NULL },
  { "dds", cmd_dump_symbols, NULL },
  { "da", cmd_dump_string, "da RANGE          an ASCII string (du: Unicode)" },
  { "du", cmd_dump_string, NULL },
};

void
kdh_commands_add_memory (KdhCommands *c)
{
  for (guint i = 0; i < G_N_ELEMENTS (memory_commands); i++)
    kdh_commands_add (c, memory_commands[i].name, memory_commands[i].help,
                      memory_commands[i].func, NULL, NULL);
}
