/* kdh-backend.c: what an engine drives
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-backend.h"

G_DEFINE_QUARK (kdh-backend-error-quark, kdh_backend_error)
