/* kdh-dump.c: WinDbg memory display formats (db, dw, dd, dq, dc, dp)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>

#include "kdh-dump.h"

#include "common/kdh-address.h"
#include "common/kdh-le.h"

#define LINE_BYTES 16

/* One value as WinDbg prints it, or its width in '?' when unreadable. */
static void
append_unit (GString      *out,
             const guint8 *p,
             guint         size,
             gboolean      readable)
{
  guint64 v;

  if (!readable)
    {
      switch (size)
        {
        case 1: g_string_append (out, "??"); break;
        case 2: g_string_append (out, "????"); break;
        case 4: g_string_append (out, "????????"); break;
        default: g_string_append (out, "????????`????????"); break;
        }
      return;
    }

  switch (size)
    {
    case 1: g_string_append_printf (out, "%02x", (guint) p[0]); break;
    case 2: g_string_append_printf (out, "%04x", (guint) kdh_read_le16 (p)); break;
    case 4: g_string_append_printf (out, "%08x", (guint) kdh_read_le32 (p)); break;
    default:
      v = kdh_read_le64 (p);
      g_string_append_printf (out, "%08x`%08x", (guint) (v >> 32), (guint) v);
      break;
    }
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
      guint64 line = address + offset;

      /* A 32-bit target's address space wraps at 4 GiB. */
      if (!pointer64 && kdh_address_fits_32 (address))
        line = (guint32) line;
      kdh_append_address (out, line, pointer64);
      g_string_append (out, "  ");

      for (gsize i = 0; i < n; i++)
        {
          gsize at = offset + i * unit;

          if (i > 0)
            g_string_append_c (out, unit == 1 && i == 8 ? '-' : ' ');
          append_unit (out, data != NULL ? data + at : NULL, unit, at + unit <= valid_len);
        }

      if (with_text)
        {
          /* A short last line keeps the text column where full lines
           * have it. */
          gsize pad = (per_line - n) * (unit_width + 1);

          g_string_append_printf (out, "%*s  ", (int) pad, "");
          for (gsize i = 0; i < n * unit; i++)
            {
              gsize at = offset + i;
              /* dc shows a unit's bytes only when its value shows too. */
              gsize unit_end = offset + (i / unit + 1) * unit;
              guint8 c = at < valid_len ? data[at] : 0;

              if (unit_end > valid_len)
                g_string_append_c (out, '?');
              else
                g_string_append_c (out, c >= 0x20 && c <= 0x7e ? (gchar) c : '.');
            }
        }

      g_string_append_c (out, '\n');
    }
}
