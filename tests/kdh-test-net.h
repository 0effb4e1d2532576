/* kdh-test-net.h: network helpers for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0,
 * read back, closed. Another process may take it meanwhile; tests that
 * need a port known before the listener exists live with that. */
guint16 kdh_test_free_port (void);
/* The same for a UDP port, free for IPv6 and IPv4 (KDNET listens on both). */
guint16 kdh_test_free_udp_port (void);

G_END_DECLS
