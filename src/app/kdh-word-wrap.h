/* kdh-word-wrap.h: output lines broken between words, for the terminal
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends @text to @out for a terminal @columns wide whose cursor is at
 * column *@column (updated): LF becomes CR LF, and where a word would cross
 * the right edge the line is broken before it (the spaces there dropped).
 * A word longer than a whole line is left to the terminal to cut. @columns
 * 0 wraps nothing. */
void kdh_word_wrap_append (GString     *out,
                           const gchar *text,
                           guint        columns,
                           guint       *column);

G_END_DECLS
