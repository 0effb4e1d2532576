/* kdh-sim-guest.h: the simulated machine's Windows images, embedded
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ntoskrnl.exe, hal.dll, kdcom.dll, kdhtest.sys and the other images are
 * built from src/sim/guest/ by clang and lld-link and compiled into the
 * kdh-sim library, so that kdhost-sim and the in-process `sim:` target find
 * them wherever they run. Their PDBs stay in the build tree (the tests know
 * it as KDH_SIM_GUEST_DIR).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The bytes of the image file @file_name ("ntoskrnl.exe"), or NULL when no
 * such image was built in. */
GBytes *kdh_sim_guest_image (const gchar *file_name);

G_END_DECLS
