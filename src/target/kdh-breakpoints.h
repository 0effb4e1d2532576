/* kdh-breakpoints.h: the debugger's own breakpoint table
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Breakpoints live here, in the engine, not in the target: software ones
 * are written into the target just before it runs and taken out again when
 * it stops (kdh-exec.h), data and execute ones go to the debug registers.
 * The table outlives reboots and resyncs; what a reboot invalidates (the
 * target's handles, resolved addresses of deferred breakpoints) is
 * forgotten by kdh_breakpoints_reset(). Engine thread only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_BREAKPOINT_MAX_HARDWARE 4

typedef enum {
  KDH_BREAKPOINT_SOFTWARE,      /* bp, bu, bm: int 3 */
  KDH_BREAKPOINT_HARDWARE,      /* ba: a debug register */
} KdhBreakpointKind;

typedef struct {
  guint id;                     /* as bl lists it, from 0 */
  KdhBreakpointKind kind;
  gboolean enabled;
  gboolean deferred;            /* bu: kept as an expression, resolved when it can be */
  gboolean resolved;            /* a deferred one has an address now */
  gchar *expression;            /* what was typed for the address (bu keeps it) */
  guint64 address;
  gchar *command;               /* run after a hit; NULL for none */
  gchar access;                 /* ba: 'e', 'r', 'w' or 'i' */
  guint size;                   /* ba: 1, 2, 4 or 8 */
  guint32 handle;               /* the target's handle while written, else 0 */
  guint hits;
} KdhBreakpoint;

typedef struct _KdhBreakpoints KdhBreakpoints;

KdhBreakpoints *kdh_breakpoints_new  (void);
void            kdh_breakpoints_free (KdhBreakpoints *bps);

/* A new breakpoint with the lowest free id; the table keeps it. */
KdhBreakpoint  *kdh_breakpoints_add     (KdhBreakpoints    *bps,
                                         KdhBreakpointKind  kind);
void            kdh_breakpoints_remove  (KdhBreakpoints    *bps,
                                         guint              id);
KdhBreakpoint  *kdh_breakpoints_get     (KdhBreakpoints    *bps,
                                         guint              id);
/* An enabled software breakpoint at @address that is in force, or NULL. */
KdhBreakpoint  *kdh_breakpoints_find_at (KdhBreakpoints    *bps,
                                         guint64            address);
/* Every breakpoint, by id (KdhBreakpoint *); never NULL. */
GPtrArray      *kdh_breakpoints_list    (KdhBreakpoints    *bps);
guint           kdh_breakpoints_count_hardware (KdhBreakpoints *bps,
                                                const KdhBreakpoint *except);
/* In force: enabled, and with an address (a deferred one resolved). */
gboolean        kdh_breakpoint_is_armed (const KdhBreakpoint *bp);

/* The target rebooted or the connection started over: nothing is written
 * any more, and deferred breakpoints are pending again. */
void            kdh_breakpoints_reset   (KdhBreakpoints    *bps);

/* "0-2", "1,3 5", "*": the ids named, sorted, each once. Ids not in the
 * table are an error naming them. */
GArray         *kdh_breakpoints_parse_list (KdhBreakpoints *bps,
                                            const gchar    *text,
                                            GError        **error);

/* DR7 for the enabled hardware breakpoints (local enables, types and
 * lengths) and their addresses in @dr[4]. */
guint64         kdh_breakpoints_debug_registers (KdhBreakpoints *bps,
                                                 guint64         dr[KDH_BREAKPOINT_MAX_HARDWARE]);

G_END_DECLS
