/* kdh-windows-name.h: what a Windows build is called
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* KUSER_SHARED_DATA.NtProductType. */
typedef enum {
  KDH_PRODUCT_UNKNOWN = 0,       /* not offered by the target, or not valid */
  KDH_PRODUCT_WIN_NT = 1,        /* a workstation */
  KDH_PRODUCT_LANMAN_NT = 2,     /* a domain controller */
  KDH_PRODUCT_SERVER_NT = 3,     /* a server */
} KdhProductType;

/* "Windows 10", "Windows Server 2022", or "Windows" when the product type is
 * unknown: a workstation and a server of the same build have different
 * names, and the build alone cannot tell them apart. */
const gchar *kdh_windows_name         (guint          build,
                                       KdhProductType product);
/* "WinNt", "LanManNt", "ServerNt" as KD says it; NULL when unknown. */
const gchar *kdh_windows_product_name (KdhProductType product);
/* "TerminalServer SingleUserTS" for a KUSER_SHARED_DATA.SuiteMask; "" for 0. */
gchar       *kdh_windows_suite_names  (guint32        suite_mask);

G_END_DECLS
