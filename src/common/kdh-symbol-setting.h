/* kdh-symbol-setting.h: the symbol path from kdhost's settings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A new target's symbol path starts as $_NT_SYMBOL_PATH (the engine reads
 * nothing else, so it needs neither GSettings nor a display). The front
 * ends pass the "symbol-path" settings key in the same way: at start,
 * before any thread, when the variable is not set.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* When $_NT_SYMBOL_PATH is unset and kdhost's settings schema is
 * installed, sets it to the non-empty "symbol-path" key. Returns the key's
 * value used, or NULL when nothing was set. Call from main(), before
 * threads start. */
gchar *kdh_symbol_setting_apply (void);

G_END_DECLS
