/* kdh-transport-private.h: the built-in kinds, inside this library
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-transport-kind.h"

G_BEGIN_DECLS

KdhTransport *kdh_transport_serial_new (const KdhConnectionString *cs);
KdhTransport *kdh_transport_pipe_new   (const KdhConnectionString *cs);
KdhTransport *kdh_transport_tcp_new    (const KdhConnectionString *cs);
KdhTransport *kdh_transport_listen_new (const KdhConnectionString *cs);
KdhTransport *kdh_transport_net_new    (const KdhConnectionString *cs);

G_END_DECLS
