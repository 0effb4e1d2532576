/* kdh-commands-private.h: what the command language's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-commands.c          the table, line splitting, repetition, .help
 * kdh-commands-builtin.c  the commands that work on the target
 */
#pragma once

#include "kdh-commands.h"

#include "common/kdh-address.h"
#include "kdh-expr.h"

G_BEGIN_DECLS

struct _KdhCommands
{
  KdhHost *host;
  KdhSession *session;         /* NULL: no connection */
  GMutex lock;                 /* the table: commands are added from any thread */
  GPtrArray *table;            /* KdhCommandEntry*, sorted by name */
  guint next_id;
  gchar *last_line;            /* for Enter on an empty line */
  gboolean dump_valid;         /* a repeated dump continues here */
  gboolean dump_was_valid;     /* ... as it was before the current command */
  gchar dump_format;
  guint64 dump_next;
  guint64 dump_count;          /* units */
};

struct _KdhCommandCall
{
  KdhCommands *commands;
  const gchar *name;           /* as typed, lower case */
  const gchar *args;           /* after the name, trimmed */
  const gchar *origin;
};

/* kdh-commands-builtin.c: adds the built-in commands to the table. */
void       kdh_commands_add_builtins (KdhCommands *commands);
/* kdh-commands-crashdump.c: .dump, .bugcheck */
void       kdh_commands_add_crashdump (KdhCommands *commands);

/* Helpers for commands. */
void       kdh_commands_say      (KdhCommandCall *call,
                                  const gchar    *text);
/* The session, or NULL with "There is no kernel connection." */
KdhSession *kdh_commands_need_session (KdhCommandCall *call,
                                       GError        **error);
/* The target, when it is stopped; otherwise NULL with why not. */
KdhTarget *kdh_commands_need_stopped (KdhCommandCall *call,
                                      GError        **error);
/* Registers, symbols and memory of @target for expressions (@target may
 * be NULL: numbers only). */
void       kdh_commands_init_scope (KdhExprScope *scope,
                                    KdhTarget    *target);
/* An address as this target writes them. */
gchar     *kdh_commands_format_address (KdhTarget *target,
                                        guint64    address);
gboolean   kdh_commands_help (KdhCommandCall *call,
                              gpointer        data,
                              GError        **error);
/* A repeated dump ("db" alone, Enter) continues at @next. */
void       kdh_commands_remember_dump (KdhCommands *commands,
                                       gchar        format,
                                       guint64      next,
                                       guint64      count);

G_END_DECLS
