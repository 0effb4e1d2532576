/* kdh-kdnet-setup.h: what a user needs to set a target up for KDNET
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A fresh key and the bcdedit command that gives it to Windows, as
 * `kdhost-cli --kdnet-key` and the window's Kernel Debug dialog show them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_KDNET_DEFAULT_PORT 50000

/* A new key from the system's CSPRNG (getrandom): "w.x.y.z", four
 * base-36 numbers of 64 random bits each. */
gchar  *kdh_kdnet_setup_new_key        (void);
/* This machine's IPv4 addresses a target could send to (interfaces that
 * are up, loopback excepted), dotted; empty when there is none. bcdedit's
 * hostip takes IPv4. */
GStrv   kdh_kdnet_setup_host_addresses (void);
/* "bcdedit /dbgsettings net hostip:IP port:PORT key:KEY". */
gchar  *kdh_kdnet_setup_bcdedit        (const gchar *host_ip,
                                        guint16      port,
                                        const gchar *key);
/* The whole explanation: the key, the commands to run on the target (one
 * bcdedit line per address of this machine) and the -k string to use
 * here. */
gchar  *kdh_kdnet_setup_instructions   (const gchar *key,
                                        guint16      port);

G_END_DECLS
