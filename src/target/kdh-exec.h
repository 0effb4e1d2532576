/* kdh-exec.h: running the target under the debugger's breakpoints
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What g, t, p, gu and g ADDR do on the wire, as Windows' debuggers do it:
 * every software breakpoint in the table (kdh-breakpoints.h) is written
 * just before the target runs and taken out again as soon as it stops, so
 * memory reads at a stop see the original bytes. Resuming from an address
 * that holds a breakpoint first executes that one instruction with the
 * trace flag (the other processors stay frozen), then writes the
 * breakpoints and lets the target go. Engine thread only.
 */
#pragma once

#include <glib.h>

#include "kdh-breakpoints.h"
#include "kdh-session.h"

G_BEGIN_DECLS

/* The session's breakpoint table; never NULL. */
KdhBreakpoints *kdh_session_get_breakpoints (KdhSession *session);

/* Commands a breakpoint carries ("bp ADDR \"k; g\"") run through this
 * after its hit has been shown and the session is at Break. */
typedef void (*KdhSessionHitFunc) (gpointer     data,
                                   const gchar *commands);
void     kdh_session_set_hit_func (KdhSession        *session,
                                   KdhSessionHitFunc  func,
                                   gpointer           data);

typedef enum {
  KDH_STEP_DONE,                /* it stopped where the step meant to */
  KDH_STEP_STOPPED_ELSEWHERE,   /* a breakpoint or an exception first: shown already */
  KDH_STEP_RUNNING,             /* no stop within the bound: the target runs */
} KdhStepResult;

/* One instruction on the current processor with the trace flag. The stop
 * it ends with is not shown (the caller shows registers and code). */
gboolean kdh_session_trace   (KdhSession     *session,
                              KdhStepResult  *result,
                              GError        **error);
/* Runs with the breakpoints written and a one-shot breakpoint at
 * @address (g ADDR, gu, p over a call). With @frame_sp not 0 only the
 * current processor stops there, and only with rsp at or above @frame_sp
 * (the instance of the function being left, not another processor's or a
 * deeper recursion's); other hits go on silently. @wait: wait (bounded)
 * for the stop and leave it unshown when it is the one-shot's; otherwise
 * return with the target running, the stop shown when it comes. */
gboolean kdh_session_run_to  (KdhSession     *session,
                              guint64         address,
                              guint64         frame_sp,
                              gboolean        wait,
                              KdhStepResult  *result,
                              GError        **error);

/* The stack of @cpu at the current stop (KdhStackFrame, kdh-stack.h),
 * cached until the target runs. */
const GArray *kdh_session_get_stack (KdhSession  *session,
                                     guint        cpu,
                                     GError     **error);
/* The frame .frame chose (0 after every stop). */
guint    kdh_session_get_frame (KdhSession *session);
void     kdh_session_set_frame (KdhSession *session,
                                guint       frame);

/* ~N: makes @cpu the processor that reports the stop (SwitchProcessor);
 * its place is shown as a stop's. */
gboolean kdh_session_switch_processor (KdhSession  *session,
                                       guint        cpu,
                                       GError     **error);

/* For the session's own files. */
gboolean _kdh_session_exec_prepare (KdhSession  *s,
                                    guint64     *dr7,
                                    gboolean    *stopped,
                                    GError     **error);
/* A stop arrived: takes the breakpoints out of memory and says how to show
 * it: @headline ("Breakpoint 0 hit") or NULL, @quiet: not at all. */
void     _kdh_session_exec_stopped (KdhSession  *s,
                                    GBytes      *payload,
                                    gboolean     rebooted,
                                    gchar      **headline,
                                    gboolean    *quiet);
/* The stop was a one-shot's hit by the wrong instance: resume quietly. */
gboolean _kdh_session_exec_take_resume (KdhSession *s);
/* The stop has been handled and the session is at Break. */
void     _kdh_session_exec_after_stop (KdhSession *s);
void     _kdh_session_exec_free   (KdhSession *s);
/* Before the connection closes: a running target gets its breakpoints
 * taken out (break in, remove, continue). */
void     _kdh_session_exec_detach (KdhSession *s);

G_END_DECLS
