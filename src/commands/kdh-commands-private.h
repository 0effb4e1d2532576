/* kdh-commands-private.h: what the command language's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-commands.c          the table, line splitting, repetition, .help
 * kdh-commands-builtin.c  the commands that work on the target
 * kdh-commands-symbols.c  the symbol commands
 * kdh-commands-types.c    dt
 */
#pragma once

#include "kdh-commands.h"

#include "common/kdh-address.h"
#include "kdh-expr.h"
#include "symbols/kdh-pdb.h"

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
  gchar *repeat;               /* Enter runs this instead of the last line (u) */
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
/* kdh-commands-bp.c, kdh-commands-exec.c, kdh-commands-stack.c */
void       kdh_commands_add_breakpoints (KdhCommands *commands);
void       kdh_commands_add_exec        (KdhCommands *commands);
void       kdh_commands_add_stack       (KdhCommands *commands);
/* Runs a breakpoint's commands after its hit (kdh_session_set_hit_func). */
void       kdh_commands_run_hit         (gpointer     commands,
                                         const gchar *line);
/* kdh-commands-crashdump.c: .dump, .bugcheck */
void       kdh_commands_add_crashdump (KdhCommands *commands);
/* kdh-commands-pcr.c: !pcr */
void       kdh_commands_add_pcr       (KdhCommands *commands);

/* The commands of other files, added by kdh_commands_add_builtins(). */
void       kdh_commands_add_disasm  (KdhCommands *commands);   /* kdh-commands-disasm.c */
void       kdh_commands_add_memory  (KdhCommands *commands);   /* kdh-commands-memory.c */
void       kdh_commands_add_search  (KdhCommands *commands);   /* kdh-commands-search.c */
void       kdh_commands_add_file    (KdhCommands *commands);   /* kdh-commands-file.c */
void       kdh_commands_add_session (KdhCommands *commands);   /* kdh-commands-session.c */
void       kdh_commands_add_formats (KdhCommands *commands);   /* kdh-commands-formats.c */
void       kdh_commands_add_paging  (KdhCommands *commands);   /* kdh-commands-paging.c */

/* Enter (an empty line) after this command runs @line instead of
 * repeating the command, until another command runs: "u" goes on. */
void       kdh_commands_set_repeat (KdhCommands *commands,
                                    const gchar *line);
/* Runs one command (no ';' splitting) without making it the line Enter
 * repeats. */
gboolean   kdh_commands_run_one    (KdhCommands  *commands,
                                    const gchar  *text,
                                    const gchar  *origin,
                                    GError      **error);

/* kdh-commands-memory.c: what the memory commands share. A range at the
 * start of @args ("ADDR L20", "ADDR END") in units of @unit bytes (256 MB
 * at most unless L?), and in @rest what follows it. */
gboolean   kdh_commands_parse_range_prefix (KdhTarget    *target,
                                            const gchar  *args,
                                            guint         unit,
                                            guint64       default_count,
                                            guint64      *address,
                                            guint64      *count,
                                            const gchar **rest,
                                            GError      **error);
/* Values separated by spaces, each an expression that fits in @unit
 * bytes ('c' for a byte), appended little-endian to @out. */
gboolean   kdh_commands_parse_values (KdhTarget    *target,
                                      const gchar  *text,
                                      guint         unit,
                                      GByteArray   *out,
                                      GError      **error);
/* "Memory access error at ..." unless all of the range can be read. */
gboolean   kdh_commands_check_readable (KdhTarget  *target,
                                        guint64     address,
                                        guint64     length,
                                        GError    **error);
gboolean   kdh_commands_write (KdhTarget     *target,
                               guint64        address,
                               const guint8  *data,
                               gsize          length,
                               GError       **error);
/* kdh-commands-symbols.c: .sympath, .reload, x, ln and friends; symbol
 * messages of @session's target go to the host; lm's symbol column and
 * lmv's lines. */
void       kdh_commands_add_symbols (KdhCommands *commands);
/* kdh-commands-types.c: dt; a value of a PDB type in target memory as dt
 * writes it. */
void       kdh_commands_add_types   (KdhCommands *commands);
gchar     *kdh_commands_format_value (KdhTarget *target,
                                      KdhPdb    *pdb,
                                      guint32    type,
                                      guint64    address);
void       kdh_commands_attach_symbols (KdhCommands *commands,
                                        KdhSession  *session);
gchar     *kdh_commands_symbol_column (KdhTarget *target,
                                       KdhModule *module);
void       kdh_commands_print_module_details (KdhCommandCall *call,
                                              KdhTarget      *target,
                                              KdhModule      *module);

/* Helpers for commands. */
void       kdh_commands_say      (KdhCommandCall *call,
                                  const gchar    *text);
/* The session, or NULL with "There is no kernel connection." */
KdhSession *kdh_commands_need_session (KdhCommandCall *call,
                                       GError        **error);
/* Physical memory through ReadPhysicalMemory (a dump's pages on a dump):
 * *@got is how much was read, up to the first byte that was not there;
 * FALSE only when a request failed (kdh-commands-file.c). */
gboolean   kdh_commands_read_physical (KdhSession  *session,
                                       guint64      address,
                                       guint8      *buffer,
                                       gsize        length,
                                       gsize       *got,
                                       GError     **error);
/* The target when it is stopped, else NULL (for commands that do without
 * one: ?, .formats). */
KdhTarget *kdh_commands_stopped_target (KdhCommandCall *call);
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
/* The registers r shows: the processor's CONTEXT, or after ".frame N"
 * (N > 0) that of frame N as unwinding restores it (KD's local context).
 * *@frame gets N. */
GBytes    *kdh_commands_scope_context (KdhCommandCall *call,
                                       KdhTarget      *target,
                                       guint          *frame,
                                       GError        **error);
/* kdh-commands-params.c: kp's call site of frame @n of @frames (a
 * KdhStackFrame array), the function with its parameters' types, names
 * and values, "kdhtest!KdhTestTick(unsigned int Processor = 0, ...)+0x19";
 * NULL when the PDB does not describe its parameters. */
gchar     *kdh_commands_kp_site (KdhTarget    *target,
                                 const GArray *frames,
                                 guint         n);
/* The symbol and instruction at the rip of @context, as a stop shows them. */
void       kdh_commands_show_scope_location (KdhCommandCall *call,
                                             KdhTarget      *target,
                                             GBytes         *context);
gboolean   kdh_commands_help (KdhCommandCall *call,
                              gpointer        data,
                              GError        **error);
/* A repeated dump ("db" alone, Enter) continues at @next. */
void       kdh_commands_remember_dump (KdhCommands *commands,
                                       gchar        format,
                                       guint64      next,
                                       guint64      count);
/* kdh-view-query-memory.c: the Memory and Processors views' answers
 * (kdh-view-query.h) from a stopped @target. */
GVariant  *kdh_commands_view_memory     (KdhTarget  *target,
                                         guint64     address,
                                         guint       count,
                                         GError    **error);
GVariant  *kdh_commands_view_processors (KdhTarget  *target,
                                         GError    **error);

G_END_DECLS
