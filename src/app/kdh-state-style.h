/* kdh-state-style.h: how connection states look
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "target/kdh-event.h"

G_BEGIN_DECLS

/* One colour per connection state, shared by the status bar and the
 * connection monitor's timeline so that they read the same. */
void kdh_state_style_get_color (KdhConnState  state,
                                GdkRGBA      *color);

G_END_DECLS
