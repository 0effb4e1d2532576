/* kdh-dump.c: WinDbg memory display formats (db, dw, dd, dq, dc, dp)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <string.h>

#include "kdh-dump.h"

#include "common/kdh-address.h"
#include "common/kdh-le.h"

#define LINE_BYTES 16
/* The longest line: a 64-bit address, 16 bytes with their separators, a
 * text column. */
#define LINE_CHARS 160

/* A line is built in a buffer of its own and appended once: a dump has
 * millions of values, and appending them one by one was most of its cost. */
typedef struct {
  gchar text[LINE_CHARS];
  gsize len;
} Line;

static inline void
put_c (Line  *line,
       gchar  c)
{
  line->text[line->len++] = c;
}

static inline void
put_hex (Line    *line,
         guint64  value,
         guint    digits)
{
  static const gchar hex[] = "0123456789abcdef";

  for (guint i = digits; i > 0; i--)
    {
      line->text[line->len + i - 1] = hex[value & 0xF];
      value >>= 4;
    }
  line->len += digits;
}

static void
put_repeat (Line  *line,
            gchar  c,
            gsize  n)
{
  memset (line->text + line->len, c, n);
  line->len += n;
}

/* One value as WinDbg prints it, or its width in '?' when unreadable. */
static void
put_unit (Line         *line,
          const guint8 *p,
          guint         size,
          gboolean      readable)
{
  guint64 v;

  if (!readable)
    {
      put_repeat (line, '?', size == 8 ? 8 : 2 * size);
      if (size == 8)
        {
          put_c (line, '`');
          put_repeat (line, '?', 8);
        }
      return;
    }
  switch (size)
    {
    case 1: put_hex (line, p[0], 2); break;
    case 2: put_hex (line, kdh_read_le16 (p), 4); break;
    case 4: put_hex (line, kdh_read_le32 (p), 8); break;
    default:
      v = kdh_read_le64 (p);
      put_hex (line, v >> 32, 8);
      put_c (line, '`');
      put_hex (line, v, 8);
      break;
    }
}

static void
put_address (Line     *line,
             guint64   address,
             gboolean  pointer64)
{
  if (pointer64 || !kdh_address_fits_32 (address))
    {
      put_hex (line, address >> 32, 8);
      put_c (line, '`');
    }
  put_hex (line, address, 8);
}

void
kdh_dump_format (GString      *out,
                 guint64       address,
                 const guint8 *data,
                 gsize         len,
                 gsize         valid_len,
                 gchar         format,
                 gboolean      pointer64)
{
  gboolean with_text;
  guint unit;
  gsize n_units, per_line, unit_width;

  g_return_if_fail (out != NULL);
  g_return_if_fail (data != NULL || valid_len == 0);

  switch (format)
    {
    case 'b': unit = 1; with_text = TRUE; break;
    case 'w': unit = 2; with_text = FALSE; break;
    case 'd': unit = 4; with_text = FALSE; break;
    case 'c': unit = 4; with_text = TRUE; break;
    case 'q': unit = 8; with_text = FALSE; break;
    case 'p': unit = pointer64 ? 8 : 4; with_text = FALSE; break;
    default:
      g_return_if_reached ();
    }

  valid_len = MIN (valid_len, len);
  n_units = len / unit;
  per_line = LINE_BYTES / unit;
  unit_width = unit == 8 ? 17 : 2 * unit;   /* dq has a backtick */

  for (gsize first = 0; first < n_units; first += per_line)
    {
      gsize n = MIN (per_line, n_units - first);
      gsize offset = first * unit;
      guint64 at_address = address + offset;
      Line line;

      line.len = 0;
      /* A 32-bit target's address space wraps at 4 GiB. */
      if (!pointer64 && kdh_address_fits_32 (address))
        at_address = (guint32) at_address;
      put_address (&line, at_address, pointer64);
      put_repeat (&line, ' ', 2);

      for (gsize i = 0; i < n; i++)
        {
          gsize at = offset + i * unit;

          if (i > 0)
            put_c (&line, unit == 1 && i == 8 ? '-' : ' ');
          put_unit (&line, data != NULL ? data + at : NULL, unit, at + unit <= valid_len);
        }

      if (with_text)
        {
          /* A short last line keeps the text column where full lines
           * have it. */
          put_repeat (&line, ' ', (per_line - n) * (unit_width + 1) + 2);
          for (gsize i = 0; i < n * unit; i++)
            {
              gsize at = offset + i;
              /* dc shows a unit's bytes only when its value shows too. */
              gsize unit_end = offset + (i / unit + 1) * unit;
              guint8 c = at < valid_len ? data[at] : 0;

              if (unit_end > valid_len)
                put_c (&line, '?');
              else
                put_c (&line, c >= 0x20 && c <= 0x7e ? (gchar) c : '.');
            }
        }

      put_c (&line, '\n');
      g_string_append_len (out, line.text, (gssize) line.len);
    }
}

gchar *
kdh_dump_format_unit (const guint8 *p,
                      guint         size,
                      gboolean      readable)
{
  Line line;

  g_return_val_if_fail (size == 1 || size == 2 || size == 4 || size == 8, NULL);
  g_return_val_if_fail (p != NULL || !readable, NULL);
  line.len = 0;
  put_unit (&line, p, size, readable);
  return g_strndup (line.text, line.len);
}
