/* kdh-view-registers.h: Registers (Alt+4)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-view.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW_REGISTERS (kdh_view_registers_get_type ())
G_DECLARE_FINAL_TYPE (KdhViewRegisters, kdh_view_registers, KDH, VIEW_REGISTERS, KdhView)

GtkWidget *kdh_view_registers_new (void);

G_END_DECLS
