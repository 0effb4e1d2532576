/* kdh-view-breakpoints.h: Breakpoints (Alt+F9)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-view.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW_BREAKPOINTS (kdh_view_breakpoints_get_type ())
G_DECLARE_FINAL_TYPE (KdhViewBreakpoints, kdh_view_breakpoints, KDH, VIEW_BREAKPOINTS, KdhView)

GtkWidget *kdh_view_breakpoints_new (void);

G_END_DECLS
