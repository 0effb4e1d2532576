/* kdh-window-crash.h: a command line from the window, and asking before
 * .crash
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-window.h"

G_BEGIN_DECLS

/* Whether @line (commands separated by ';', as the engine splits them)
 * runs .crash. */
gboolean   kdh_window_line_crashes     (const gchar *line);

/* Runs @line (typed, or through org.kdhost.Window1.Execute) in the
 * window's engine. A line that would make the target bug check waits for
 * the user to confirm it in a dialog first; KD (and so kdhost-cli and a
 * debugging server's clients) asks nothing. Enter on an empty line counts
 * as the line it repeats. */
void       kdh_window_execute_line     (KdhWindow   *self,
                                        const gchar *line);

/* The dialog asking about .crash while it is shown, or NULL. */
GtkWidget *kdh_window_get_crash_dialog (KdhWindow   *self);

G_END_DECLS
