/* kdh-commands.h: the KD command language
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parses and runs command lines as KD and WinDbg do ("db rsp L20; r"),
 * on the engine thread, printing results through the host (kdh-host.h).
 * The built-in commands work on the current session's target; others are
 * registered into the same table.
 */
#pragma once

#include <glib.h>

#include "kdh-command.h"
#include "target/kdh-host.h"
#include "target/kdh-session.h"

G_BEGIN_DECLS

typedef struct _KdhCommands KdhCommands;

KdhCommands *kdh_commands_new  (KdhHost     *host);
void         kdh_commands_free (KdhCommands *commands);

/* The kernel connection the commands work on; NULL when there is none. */
void         kdh_commands_set_session (KdhCommands *commands,
                                       KdhSession  *session);

/* Runs every command of @line (separated by ';' outside quotes). An
 * empty line repeats the previous command, and a repeated dump continues
 * where the last one ended, as in KD. @origin names a remote client (NULL:
 * the local user); commands that only the local user may run (.restart)
 * are refused for others. Returns FALSE with @error when a command
 * failed; the message has not been printed yet. */
gboolean     kdh_commands_execute (KdhCommands  *commands,
                                   const gchar  *line,
                                   const gchar  *origin,
                                   GError      **error);

/* Adds a command; any thread. A name already taken is refused (returns
 * 0). @help is the line .help shows ("NAME ARGS   what it does"), or
 * NULL to leave it out. Returns an id for kdh_commands_remove(). */
guint        kdh_commands_add    (KdhCommands    *commands,
                                  const gchar    *name,
                                  const gchar    *help,
                                  KdhCommandFunc  func,
                                  gpointer        user_data,
                                  GDestroyNotify  destroy);
/* Any thread; a call already running finishes first (its data is
 * destroyed after it). */
void         kdh_commands_remove (KdhCommands *commands,
                                  guint        id);

/* Prints "nt!DbgBreakPointWithStatus:" and the disassembled instruction
 * at @target's current stop, as WinDbg does at a break and for `r`. */
void         kdh_commands_show_location (KdhCommands *commands,
                                         KdhTarget   *target);

G_END_DECLS
