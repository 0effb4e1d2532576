/* kdh-test-wait.h: bounded waiting on the default main context, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Iterates the default main context until @done returns TRUE; FALSE when
 * @timeout_s seconds pass first. The loop also wakes every 20 ms, so that
 * conditions that are polled (a file another process writes, another
 * thread's state) rather than signalled are checked again. */
gboolean kdh_test_wait (gboolean (*done) (gpointer data),
                        gpointer   data,
                        guint      timeout_s);

G_END_DECLS
