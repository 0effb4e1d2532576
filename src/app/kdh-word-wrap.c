/* kdh-word-wrap.c: output lines broken between words, for the terminal
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The terminal cuts a long line at its last column, mid-word; a prose
 * message (an error, a DbgPrint line) reads better broken between words.
 * The breaks are made as the text goes in, for the width of that moment.
 *
 * Each break the wrap makes ends its row with KDH_WORD_WRAP_MARK, a zero
 * width space the terminal keeps with the row's last character, so that a
 * copy can tell these breaks from the text's own and join the line again
 * (kdh_word_wrap_unwrap()): a DbgPrint line or an address copied from the
 * output is the text as it came.
 */
#include "kdh-word-wrap.h"

#include <string.h>

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
              /* Whitespace at the edge: a line break instead. The spaces
               * stay in the row, before the mark, so a copy has them; a
               * tab cell takes no mark after it, so a run with a
               * tab puts the mark first and keeps only its tabs. */
              if (memchr (start, '\t', p - start) == NULL)
                {
                  /* Those past the edge (a word that ended there) as
                   * marks of their own, which take no cell either. */
                  for (guint i = 0; i < width; i++)
                    g_string_append (out, *column + i < columns ? " " : KDH_WORD_WRAP_SPACE);
                  g_string_append (out, KDH_WORD_WRAP_MARK);
                }
              else
                {
                  g_string_append (out, KDH_WORD_WRAP_MARK);
                  for (const gchar *q = start; q < p; q++)
                    if (*q == '\t')
                      g_string_append_c (out, '\t');
                }
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
              g_string_append (out, KDH_WORD_WRAP_MARK "\r\n");
              *column = 0;
            }
          g_string_append_len (out, start, p - start);
          advance (column, columns, width);
        }
    }
}

gchar *
kdh_word_wrap_unwrap (const gchar *text)
{
  GString *out = g_string_sized_new (strlen (text));
  const gsize mark_len = strlen (KDH_WORD_WRAP_MARK);
  const gsize space_len = strlen (KDH_WORD_WRAP_SPACE);
  const gchar *p = text;

  while (*p)
    {
      const gchar *q = p;
      guint spaces = 0;

      for (; strncmp (q, KDH_WORD_WRAP_SPACE, space_len) == 0; q += space_len)
        spaces++;
      if (strncmp (q, KDH_WORD_WRAP_MARK, mark_len) != 0)
        {
          /* Not the wrap's: the text's own character. */
          g_string_append_len (out, p, g_utf8_skip[(guchar) *p]);
          p += g_utf8_skip[(guchar) *p];
          continue;
        }
      for (guint i = 0; i < spaces; i++)
        g_string_append_c (out, ' ');
      /* The row's whitespace stays; the break the wrap made goes. */
      for (p = q += mark_len; *q == ' ' || *q == '\t'; q++)
        ;
      g_string_append_len (out, p, q - p);
      if (q[0] == '\r' && q[1] == '\n')
        q += 2;
      else if (q[0] == '\n')
        q++;
      p = q;
    }
  return g_string_free (out, FALSE);
}
