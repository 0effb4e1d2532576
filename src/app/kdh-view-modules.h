/* kdh-view-modules.h: Modules (View > Modules)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-view.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW_MODULES (kdh_view_modules_get_type ())
G_DECLARE_FINAL_TYPE (KdhViewModules, kdh_view_modules, KDH, VIEW_MODULES, KdhView)

GtkWidget *kdh_view_modules_new (void);

G_END_DECLS
