/* kdh-command-line.h: a KD command line into its commands, names and
 * arguments
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure text handling, no target: what kdh-commands.c runs is decided here.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Splits @line on ';' outside double quotes, as KD does ("r rax; g",
 * ".echo \"a;b\""); .sympath takes the rest of the line. Every part is
 * stripped of surrounding whitespace and may be empty. Never returns an
 * empty array. */
GPtrArray *kdh_command_line_split (const gchar *line);

/* Splits one stripped command into its name, lower case (the first word;
 * "?" alone, as in "?1+2", is a name too), and its arguments (@args points
 * into @command, past the blanks after the name). */
gchar     *kdh_command_line_name  (const gchar  *command,
                                   const gchar **args);

G_END_DECLS
