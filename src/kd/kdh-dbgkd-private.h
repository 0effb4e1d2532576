/* kdh-dbgkd-private.h: what the DbgKd codec files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-dbgkd.h"

G_BEGIN_DECLS

/* Offsets inside DBGKD_ANY_WAIT_STATE_CHANGE. */
#define SC_UNION            0x20
#define SC_CONTROL_REPORT   0xC0
#define SC_REPORT_SIZE      0x30

/* The union of DBGKD_MANIPULATE_STATE64 starts here. */
#define M_UNION             0x10
#define M_UNION_SIZE        40

/* FALSE with KDH_DBGKD_ERROR_TRUNCATED naming @what when @len < @need. */
gboolean kdh_dbgkd_check_length (gsize        len,
                                 gsize        need,
                                 const gchar *what,
                                 GError     **error);

G_END_DECLS
