/* kdh-windows-name.c: what a Windows build is called
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Build numbers from Microsoft's release information; the first build of
 * each release is the bound.
 */
#include "kdh-windows-name.h"

static const struct {
  guint build;
  const gchar *name;
} workstations[] = {
  { 22000, "Windows 11" },
  { 10240, "Windows 10" },
  { 9600, "Windows 8.1" },
  { 9200, "Windows 8" },
  { 7600, "Windows 7" },
  { 6000, "Windows Vista" },
  { 2600, "Windows XP" },
}, servers[] = {
  { 26100, "Windows Server 2025" },
  { 20348, "Windows Server 2022" },
  { 17763, "Windows Server 2019" },
  { 14393, "Windows Server 2016" },
  { 9600, "Windows Server 2012 R2" },
  { 9200, "Windows Server 2012" },
  { 7600, "Windows Server 2008 R2" },
  { 6001, "Windows Server 2008" },
  { 3790, "Windows Server 2003" },
};

const gchar *
kdh_windows_name (guint          build,
                  KdhProductType product)
{
  switch (product)
    {
    case KDH_PRODUCT_WIN_NT:
      for (gsize i = 0; i < G_N_ELEMENTS (workstations); i++)
        if (build >= workstations[i].build)
          return workstations[i].name;
      return "Windows";
    case KDH_PRODUCT_LANMAN_NT:
    case KDH_PRODUCT_SERVER_NT:
      for (gsize i = 0; i < G_N_ELEMENTS (servers); i++)
        if (build >= servers[i].build)
          return servers[i].name;
      return "Windows Server";
    default:
      /* As KD says it before it knows the product. */
      return "Windows";
    }
}

const gchar *
kdh_windows_product_name (KdhProductType product)
{
  switch (product)
    {
    case KDH_PRODUCT_WIN_NT: return "WinNt";
    case KDH_PRODUCT_LANMAN_NT: return "LanManNt";
    case KDH_PRODUCT_SERVER_NT: return "ServerNt";
    default: return NULL;
    }
}

gchar *
kdh_windows_suite_names (guint32 suite_mask)
{
  static const gchar *const names[] = {
    "SmallBusiness", "Enterprise", "BackOffice", "CommunicationServer", "TerminalServer",
    "SmallBusinessRestricted", "EmbeddedNT", "DataCenter", "SingleUserTS", "Personal",
    "Blade", "EmbeddedRestricted", "SecurityAppliance", "StorageServer", "ComputeServer",
    "WHServer",
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (suite_mask & (1u << i))
      g_string_append_printf (out, "%s%s", out->len ? " " : "", names[i]);
  return g_string_free (out, FALSE);
}
