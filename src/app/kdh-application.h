/* kdh-application.h: kdhost, the GTK application
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KDH_TYPE_APPLICATION (kdh_application_get_type ())
G_DECLARE_FINAL_TYPE (KdhApplication, kdh_application, KDH, APPLICATION, GtkApplication)

KdhApplication *kdh_application_new          (void);
GSettings      *kdh_application_get_settings (KdhApplication *self);

G_END_DECLS
