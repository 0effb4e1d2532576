/* kdh-commands-search.c: s, searching memory for a pattern
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * s [-b|-w|-d|-q|-a|-u] RANGE PATTERN, as KD takes it: values of the
 * type's size (bytes by default) or a quoted string. Each hit is shown
 * as a line of the matching dump (db for bytes and strings, dw, dd, dq),
 * starting at the hit. The range is read a piece at a time, the pieces
 * overlapping by the pattern's length so that no hit across them is lost.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kdh-dump.h"

#define PIECE (64u * 1024)

static gboolean
cmd_search (KdhCommandCall *inv,
            gpointer        data,
            GError        **error)
{
  KdhCommands *c = inv->commands;
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  const gchar *args = inv->args, *rest = NULL;
  gchar type = 'b';
  guint unit, step;
  guint64 address, count, length;
  g_autoptr (GByteArray) pattern = g_byte_array_new ();
  g_autofree guint8 *buffer = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (target == NULL)
    return FALSE;
  if (*args == '-')
    {
      if (args[1] == '\0' || strchr ("bwdqau", args[1]) == NULL
          || (args[2] != ' ' && args[2] != '\t'))
        {
          g_autofree gchar *flag = g_strndup (args, strcspn (args, " \t"));

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("s takes -b, -w, -d, -q, -a or -u, not '%s'."), flag);
          return FALSE;
        }
      type = args[1];
      args += 2;
      while (*args == ' ' || *args == '\t')
        args++;
    }
  if (*args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("s needs a range and a pattern, e.g. 's -b nt L1000 4d 5a'."));
      return FALSE;
    }
  unit = type == 'w' ? 2 : type == 'd' ? 4 : type == 'q' ? 8 : 1;
  /* Ranges are in bytes whatever the type. */
  if (!kdh_commands_parse_range_prefix (target, args, 1, 0, &address, &count, &rest, error))
    return FALSE;
  if (type == 'a' || type == 'u')
    {
      gsize len = strlen (rest);

      if (len < 3 || rest[0] != '"' || rest[len - 1] != '"')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("s -%c needs a string in double quotes, not '%s'."), type, rest);
          return FALSE;
        }
      for (gsize i = 1; i + 1 < len; i++)
        {
          guint8 ch[2] = { (guint8) rest[i], 0 };

          g_byte_array_append (pattern, ch, type == 'u' ? 2 : 1);
        }
    }
  else if (!kdh_commands_parse_values (target, rest, unit, pattern, error))
    return FALSE;
  length = count;
  if (pattern->len > length)
    return TRUE;
  /* Values are looked for at their own alignment from the range's start;
   * strings and bytes anywhere. */
  step = type == 'a' || type == 'u' ? 1 : unit;
  buffer = g_malloc (PIECE + pattern->len);
  for (guint64 done = 0; done + pattern->len <= length; )
    {
      gsize want = (gsize) MIN (length - done, (guint64) PIECE + pattern->len - 1), got = 0;

      if (done > 0 && !kdh_host_wait_for_front_ends (c->host, error))
        return FALSE;
      if (!kdh_target_read_virtual (target, address + done, buffer, want, &got, error))
        return FALSE;
      for (gsize at = 0; at + pattern->len <= got && at < PIECE; at += step)
        if (memcmp (buffer + at, pattern->data, pattern->len) == 0)
          {
            guint8 line[16];
            gsize shown = MIN (16, got - at);

            /* The line shows 16 bytes, past the piece (and the range) too. */
            memcpy (line, buffer + at, shown);
            if (shown < 16
                && !kdh_target_read_virtual (target, address + done + at, line, 16, &shown,
                                             error))
              return FALSE;
            kdh_dump_format (out, address + done + at, line, 16, shown,
                             type == 'a' || type == 'u' ? 'b' : type,
                             kdh_target_is_ptr64 (target));
          }
      if (out->len > 0)
        {
          kdh_commands_say (inv, out->str);
          g_string_truncate (out, 0);
        }
      if (got < want)
        {
          /* Memory that cannot be read ends the search, as in KD. */
          g_autofree gchar *where = kdh_commands_format_address (target, address + done + got);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Memory access error at %s; the search stopped there."), where);
          return FALSE;
        }
      done += PIECE;
    }
  return TRUE;
}

void
kdh_commands_add_search (KdhCommands *c)
{
  kdh_commands_add (c, "s", "s [-b|-w|-d|-q|-a|-u] RANGE PATTERN   search memory", cmd_search,
                    NULL, NULL);
}
