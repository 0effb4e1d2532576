/* kdh-view-stack.h: Call Stack (Alt+6)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-view.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW_STACK (kdh_view_stack_get_type ())
G_DECLARE_FINAL_TYPE (KdhViewStack, kdh_view_stack, KDH, VIEW_STACK, KdhView)

GtkWidget *kdh_view_stack_new (void);

G_END_DECLS
