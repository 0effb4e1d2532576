/* kdh-command.h: one command of the KD language, as its function sees it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Commands are functions registered under a name in the command table
 * (kdh-commands.h); other parts add their own through the engine
 * (kdh_engine_add_command(): the debugging server adds .server, .servers,
 * .endsrv and .clients). They run on the engine thread, one at a time.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KdhCommandCall KdhCommandCall;

/* Returns FALSE with @error when the command failed; the message is
 * printed by the caller. */
typedef gboolean (*KdhCommandFunc) (KdhCommandCall  *call,
                                    gpointer         user_data,
                                    GError         **error);

/* The name as typed, in lower case ("db"), and what follows it, trimmed. */
const gchar *kdh_command_call_get_name   (KdhCommandCall *call);
const gchar *kdh_command_call_get_args   (KdhCommandCall *call);
/* Who typed it: a debugging client's name, NULL for the local user. */
const gchar *kdh_command_call_get_origin (KdhCommandCall *call);
/* The command's output, for every front end. */
void         kdh_command_call_print      (KdhCommandCall *call,
                                          const gchar    *format,
                                          ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
