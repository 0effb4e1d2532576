/* kdh-view-query.h: what the window's views ask of a stopped target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each answer is one immutable GVariant, built from the same data and
 * formatting functions as the commands r, k, u, lm and bl, so that a
 * view and the command window cannot disagree, and so that an answer can
 * be handed across threads (and, later, over D-Bus) as it is. Engine
 * thread only; the engine posts the answers (kdh_engine_query()).
 */
#pragma once

#include <glib.h>

#include "kdh-commands.h"

G_BEGIN_DECLS

typedef enum {
  /* (u a(sts)): the current processor; each register of the CONTEXT's
   * table in WinDbg's order, then EFLAGS's named bits and (x64) the
   * control registers: name, value, value as r prints it */
  KDH_VIEW_QUERY_REGISTERS,
  /* a(tssss): per frame as k prints it: the frame's rip, Child-SP,
   * RetAddr, call site, a note ("" or why the stack ends) */
  KDH_VIEW_QUERY_STACK,
  /* (ta(tsssib)): the current rip; @count instructions from @address
   * (G_MAXUINT64: from the current rip): address, label (the symbol
   * line u prints before it, or ""), u's line, its instruction part,
   * the id of the breakpoint in force there (-1: none), whether it is
   * the current instruction */
  KDH_VIEW_QUERY_DISASSEMBLY,
  /* a(ttssuss): per module: start, end, name, short name, timestamp,
   * symbol state as lm shows it ("deferred", "pdb symbols", "export
   * symbols") and its file (the PDB, the image, or "") */
  KDH_VIEW_QUERY_MODULES,
  /* a(ubbstu): per breakpoint as bl lists it: id, enabled, deferred,
   * expression, address (0 when unresolved), hits */
  KDH_VIEW_QUERY_BREAKPOINTS,
  /* (tayayb): @count bytes (at most 64 KiB) of virtual memory from
   * @address: the address, the bytes (0 where unreadable), one flag
   * byte per byte, 1 where it could be read, and whether addresses are
   * written with 64 bits (as d* does). Read page by page, so an
   * unreadable page does not hide the readable ones after it. */
  KDH_VIEW_QUERY_MEMORY,
  /* (ua(usts)): the current processor (~N's); per processor: number,
   * state, its instruction pointer, and where that is (mod!fn+off as a
   * stop shows it, or the address) */
  KDH_VIEW_QUERY_PROCESSORS,
  /* (t): the value of an expression (kdh_engine_query_expression()), as
   * d* evaluates its address: registers, symbols, poi() */
  KDH_VIEW_QUERY_EVALUATE,
  /* (ta(tsssib)): as DISASSEMBLY, the @count instructions that end just
   * before @address, as ub finds them (scrolling backwards) */
  KDH_VIEW_QUERY_DISASSEMBLY_BACK,
} KdhViewQuery;

/* The answer, not floating; NULL with @error when there is no stopped
 * target or it could not be read. */
GVariant *kdh_commands_view_query (KdhCommands  *commands,
                                   KdhViewQuery  query,
                                   guint64       address,
                                   guint         count,
                                   GError      **error);

/* KDH_VIEW_QUERY_EVALUATE's answer for @expression. */
GVariant *kdh_commands_view_evaluate (KdhCommands  *commands,
                                      const gchar  *expression,
                                      GError      **error);

G_END_DECLS
