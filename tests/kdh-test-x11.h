/* kdh-test-x11.h: driving kdhost windows through the X server, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Key presses go through xdotool, so they reach the window as a user's
 * would (focus, accelerators, input methods); screenshots come from the
 * X server's root window.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean kdh_test_x11_have_xdotool (void);
/* Runs @argv (searched in PATH) and returns its standard output; a failure
 * fails the test. */
gchar   *kdh_test_x11_run          (const gchar *const *argv);
/* The X window id of @process's visible window named "kdhost". */
gchar   *kdh_test_x11_window_of    (GSubprocess *process);
void     kdh_test_x11_focus        (const gchar *window_id);
/* Keys to whatever has the focus, e.g. "ctrl+alt+r". */
void     kdh_test_x11_key          (const gchar *keys);
void     kdh_test_x11_type         (const gchar *text,
                                    guint        delay_ms);
/* Saves $KDH_TEST_ARTIFACTS/kdhost-@name.png (nothing without that
 * variable): the window @window_id, or the whole screen when NULL. */
void     kdh_test_x11_screenshot   (const gchar *window_id,
                                    const gchar *name);

G_END_DECLS
