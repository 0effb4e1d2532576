/* kdh-stop.h: what the debugger does and says when the target stops
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "kdh-host.h"
#include "kdh-target.h"

G_BEGIN_DECLS

typedef enum {
  KDH_STOP_BREAK,       /* stay stopped, show the prompt */
  KDH_STOP_CONTINUE,    /* resume the target at once (module loads, our own break-ins) */
} KdhStopAction;

/* Handles one state change: decodes it, makes it the target's current
 * stop, gets the version when unknown, prints the connection banner when
 * @announce, then the exception or module load as WinDbg does, and says
 * whether to resume. @auto_continue: the stop is a break-in the debugger
 * caused only to get the target talking (resync of a running target, an
 * attach without initial break). @stale_breakin_pc: not 0 when this stop
 * may be a break-in left pending in the target by a sync (the sync's stop
 * was at that address); it is resumed when it is one. An exception is
 * shown with @headline ("Breakpoint 0 hit"; "" for the place alone)
 * instead of its name when given, and not at all when @quiet. */
gboolean kdh_stop_handle (KdhHost       *host,
                          KdhTarget     *target,
                          GBytes        *payload,
                          gboolean       announce,
                          gboolean       auto_continue,
                          guint64        stale_breakin_pc,
                          const gchar   *headline,
                          gboolean       quiet,
                          KdhStopAction *action,
                          GError       **error);

/* "Mon Dec  7 03:11:10.568 2026 (UTC + 0:00)", as KD writes times. */
gchar   *kdh_stop_format_time (GDateTime *now);

/* "Break instruction exception" for 0x80000003 and the like, as the stop
 * line and .exr say it ("Unknown exception" for codes without a name). */
const gchar *kdh_stop_exception_name (guint32 code);
/* "Break instruction exception - code 80000003 (first chance)". */
gchar       *kdh_stop_describe_exception (const KdhStateChange *sc);

G_END_DECLS
