/* kdh-commands.h: the KD command language
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parses and runs command lines as KD and WinDbg do ("db rsp L20; r"),
 * on the engine thread, printing results through the engine's output.
 */
#pragma once

#include <glib.h>

#include "kdh-engine-private.h"

G_BEGIN_DECLS

typedef struct _KdhCommands KdhCommands;

KdhCommands *kdh_commands_new  (KdhEngine   *engine);
void         kdh_commands_free (KdhCommands *commands);

/* Runs every command of @line (separated by ';'). An empty line repeats
 * the previous command, and a repeated dump continues where the last one
 * ended, as in KD. @origin names a remote client (NULL: the local user);
 * commands that only the local user may run (.restart) are refused for
 * others. Returns FALSE with @error when a command failed; the message
 * has not been printed yet. */
gboolean     kdh_commands_execute (KdhCommands  *commands,
                                   const gchar  *line,
                                   const gchar  *origin,
                                   GError      **error);

G_END_DECLS
