/* kdh-word-wrap.c: output lines broken between words, for the terminal
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The terminal cuts a long line at its last column, mid-word; a prose
 * message (an error, a DbgPrint line) reads better broken between words.
 * The breaks are made as the text goes in, for the width of that moment.
 */
#include "kdh-word-wrap.h"

#define TAB_WIDTH 8

static void
advance (guint *column,
         guint  columns,
         guint  width)
{
  *column += width;
  /* The terminal wrapped by itself; it holds the cursor at the edge until
   * the next character comes. */
  if (columns > 0 && *column > columns)
    *column = (*column - 1) % columns + 1;
}

void
kdh_word_wrap_append (GString     *out,
                      const gchar *text,
                      guint        columns,
                      guint       *column)
{
  const gchar *p = text;

  while (*p)
    {
      if (*p == '\n')
        {
          g_string_append_len (out, "\r\n", 2);
          *column = 0;
          p++;
        }
      else if (*p == '\r')
        {
          g_string_append_c (out, '\r');
          *column = 0;
          p++;
        }
      else if (*p == ' ' || *p == '\t')
        {
          const gchar *start = p;
          guint width = 0;

          for (; *p == ' ' || *p == '\t'; p++)
            width += *p == '\t' ? TAB_WIDTH - (*column + width) % TAB_WIDTH : 1;
          if (columns > 0 && *column + width >= columns && *column > 0)
            {
              /* Spaces at the edge: a line break instead. */
              g_string_append_len (out, "\r\n", 2);
              *column = 0;
            }
          else
            {
              g_string_append_len (out, start, p - start);
              advance (column, columns, width);
            }
        }
      else
        {
          const gchar *start = p;
          guint width = 0;

          while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            {
              guint skip = (guint) g_utf8_skip[(guchar) *p];

              /* Control characters (an escape sequence's ESC) take no room. */
              if ((guchar) *p >= 0x20)
                width++;
              /* Never past the end, whatever the bytes claim. */
              for (p++; --skip > 0 && *p; p++)
                ;
            }
          if (columns > 0 && *column > 0 && *column + width > columns && width <= columns)
            {
              g_string_append_len (out, "\r\n", 2);
              *column = 0;
            }
          g_string_append_len (out, start, p - start);
          advance (column, columns, width);
        }
    }
}
