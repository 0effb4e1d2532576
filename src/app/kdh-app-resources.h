/* kdh-app-resources.h: the application's GResources
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers the compiled resources (templates, menus, CSS) once. Called
 * by every class that loads a template: the resources live in a static
 * library, where a constructor-registered bundle would not be linked in. */
void kdh_app_ensure_resources (void);

G_END_DECLS
