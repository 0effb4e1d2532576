/* kdh-word-wrap.h: output lines broken between words, for the terminal
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* U+200B ZERO WIDTH SPACE: ends each row the wrap broke. */
#define KDH_WORD_WRAP_MARK "\342\200\213"
/* U+2060 WORD JOINER: before the mark, a space that did not fit the row. */
#define KDH_WORD_WRAP_SPACE "\342\201\240"

/* Appends @text to @out for a terminal @columns wide whose cursor is at
 * column *@column (updated): LF becomes CR LF, and where a word would cross
 * the right edge the line is broken before it, the break marked with
 * KDH_WORD_WRAP_MARK (spaces that do not fit the row become
 * KDH_WORD_WRAP_SPACE).
 * A word longer than a whole line is left to the terminal to cut. @columns
 * 0 wraps nothing. */
void kdh_word_wrap_append (GString     *out,
                           const gchar *text,
                           guint        columns,
                           guint       *column);

/* @text, as read back from the terminal, with the wrap's breaks taken out
 * (a mark and the line break after it), the lines joined as they came;
 * a mark without a break (a selection that ends there) goes too. */
gchar *kdh_word_wrap_unwrap (const gchar *text);

G_END_DECLS
