/* kdh-window.h: a debugging session's main window
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/kdh-engine.h"

G_BEGIN_DECLS

#define KDH_TYPE_WINDOW (kdh_window_get_type ())
G_DECLARE_FINAL_TYPE (KdhWindow, kdh_window, KDH, WINDOW, GtkApplicationWindow)

/* Each window is one debugging session with an engine of its own. */
KdhWindow   *kdh_window_new        (GtkApplication *application);
/* Opens a kernel connection (a -k string); errors are shown in the
 * command window. */
void         kdh_window_attach     (KdhWindow   *self,
                                    const gchar *connection);
/* Becomes a debugging client of the server a -remote string names; the
 * window then shows that server's session. Errors go to the command
 * window. */
void         kdh_window_connect_remote (KdhWindow   *self,
                                        const gchar *remote_string);
/* Opens a kernel crash dump (-z) as the window's target: stopped for
 * good, so Go and the steps stay disabled. */
void         kdh_window_open_dump  (KdhWindow   *self,
                                    const gchar *path);
KdhEngine   *kdh_window_get_engine (KdhWindow *self);
KdhConnState kdh_window_get_state  (KdhWindow *self);

G_END_DECLS
