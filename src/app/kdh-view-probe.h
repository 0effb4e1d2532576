/* kdh-view-probe.h: how long after a stop the open views show it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opt-in instrumentation for bench/ui-views-stop.sh (KDH_VIEW_PROBE=FILE in
 * the environment; without it each call below is one test of a static
 * flag). For every stop, timed from the Break state event reaching the
 * window: when every open view had applied the answers to the queries it
 * posted for that stop (shown_ms: none has a query in flight any more),
 * when the window next painted after that (painted_ms), and when the views
 * last went quiet before the target ran again (settled_ms: a command that
 * finishes after the stop makes them ask again). FILE is rewritten as it
 * changes, key=value lines:
 *
 *   views=7
 *   stop=1 views=7 shown_ms=21.4 painted_ms=30.2 settled_ms=48.9 results=12 errors=0
 *
 * results: view query answers between the stop and the next run; errors:
 * those that came without data.
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/kdh-engine.h"

G_BEGIN_DECLS

/* Whether KDH_VIEW_PROBE is set (read once). */
gboolean kdh_view_probe_enabled (void);
/* Around handing @event to the views (@views, the KdhViews docked in
 * @window). */
void     kdh_view_probe_before  (GPtrArray      *views,
                                 const KdhEvent *event);
void     kdh_view_probe_after   (GPtrArray      *views,
                                 GtkWidget      *window,
                                 const KdhEvent *event);

G_END_DECLS
