/* kdh-view-disassembly.h: Disassembly (Alt+7)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-view.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW_DISASSEMBLY (kdh_view_disassembly_get_type ())
G_DECLARE_FINAL_TYPE (KdhViewDisassembly, kdh_view_disassembly, KDH, VIEW_DISASSEMBLY, KdhView)

GtkWidget *kdh_view_disassembly_new (void);
/* The address of the selected line (Run to Cursor's target); FALSE when
 * no line is selected. */
gboolean   kdh_view_disassembly_get_selected (KdhViewDisassembly *self,
                                              guint64            *address);

G_END_DECLS
