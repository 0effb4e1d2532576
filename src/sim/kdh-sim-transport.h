/* kdh-sim-transport.h: the in-process simulated target, as a connection
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Registers the "sim:" kind of connection string with the transport
 * library, which knows nothing of the simulator: a front end that offers
 * the built-in target (kdhost, kdhost-cli, the tests) calls
 * kdh_sim_transport_register() once at start.
 */
#pragma once

#include <glib.h>

#include "kdh-sim-options.h"
#include "kdh-sim-target.h"
#include "transport/kdh-connection-string.h"

G_BEGIN_DECLS

/* Makes "sim:OPTIONS" (and plain "sim") parse and connect. Any thread,
 * any number of times. */
void                 kdh_sim_transport_register    (void);

/* The simulator's options of a parsed "sim:" string; NULL for others. */
const KdhSimOptions *kdh_sim_transport_get_options (const KdhConnectionString *cs);

/* The simulated target's counters as the transport reports them
 * (kdh_transport_dup_peer_counters(): a{st} named as the fields). */
GVariant            *kdh_sim_counters_to_variant   (const KdhSimCounters *counters);
/* Back again; FALSE when @variant is NULL or not such a dictionary. */
gboolean             kdh_sim_counters_from_variant (GVariant       *variant,
                                                    KdhSimCounters *counters);

G_END_DECLS
