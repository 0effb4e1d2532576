/* kdh-cli-readline.h: kdhost-cli's line editor on a terminal (GNU Readline)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Readline's callback interface driven from the default main context, so
 * that the engine's output keeps arriving while a line is being typed.
 * Readline has one global state: there is one editor per process.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many lines the history keeps, in memory and in its file. */
#define KDH_CLI_HISTORY_MAX 1000

/* Called with each line the user enters (without its newline; KD's
 * control keys stay in it as characters), or with NULL when the terminal
 * is gone. */
typedef void (*KdhCliLineFunc) (const gchar *line,
                                gpointer     data);

/* $XDG_STATE_HOME/kdhost/history (~/.local/state/kdhost/history). */
gchar   *kdh_cli_history_path        (void);

/* Starts editing lines on standard input, a terminal, with the history
 * of earlier runs from @history_path (NULL: none kept). Readline leaves
 * the signals to us (Ctrl+C stays the caller's SIGINT). Ctrl+R, Ctrl+B
 * and Ctrl+D are characters of the line, as in KD, not reverse search,
 * backward-char and end-of-file. */
void     kdh_cli_readline_start      (const gchar    *history_path,
                                      KdhCliLineFunc  on_line,
                                      gpointer        data);
/* Gives the terminal back as it was; a line being edited stays on the
 * screen. */
void     kdh_cli_readline_stop       (void);
/* The prompt in front of the line ("" while the debugger is busy). */
void     kdh_cli_readline_set_prompt (const gchar    *prompt);
/* Shows output above the line being edited, which is then redrawn. */
void     kdh_cli_readline_print      (const gchar    *text);
/* After Ctrl+C: abandons a search or key sequence under way; with
 * @discard_line, also the line being typed (the prompt was up: Ctrl+C
 * aimed at the line, as in a shell), else the line stays (it was typed
 * ahead while the target ran). */
void     kdh_cli_readline_interrupt  (gboolean        discard_line);

G_END_DECLS
