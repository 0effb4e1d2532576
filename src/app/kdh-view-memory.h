/* kdh-view-memory.h: Memory (Alt+5)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-view.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW_MEMORY (kdh_view_memory_get_type ())
G_DECLARE_FINAL_TYPE (KdhViewMemory, kdh_view_memory, KDH, VIEW_MEMORY, KdhView)

GtkWidget *kdh_view_memory_new (void);

G_END_DECLS
