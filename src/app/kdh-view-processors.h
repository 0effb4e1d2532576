/* kdh-view-processors.h: Processors (Alt+9)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-view.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW_PROCESSORS (kdh_view_processors_get_type ())
G_DECLARE_FINAL_TYPE (KdhViewProcessors, kdh_view_processors, KDH, VIEW_PROCESSORS, KdhView)

GtkWidget *kdh_view_processors_new (void);

G_END_DECLS
