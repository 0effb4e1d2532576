/* kdh-address.c: target addresses as WinDbg writes them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-address.h"

gboolean
kdh_address_fits_32 (guint64 address)
{
  guint64 high = address >> 32;

  return high == 0 || (high == 0xFFFFFFFFu && (address & 0x80000000u));
}

void
kdh_append_address (GString *out,
                    guint64  address,
                    gboolean pointer64)
{
  if (pointer64 || !kdh_address_fits_32 (address))
    g_string_append_printf (out, "%08x`%08x", (guint) (address >> 32), (guint) address);
  else
    g_string_append_printf (out, "%08x", (guint) address);
}

gchar *
kdh_format_address (guint64  address,
                    gboolean pointer64)
{
  GString *out = g_string_sized_new (18);

  kdh_append_address (out, address, pointer64);
  return g_string_free (out, FALSE);
}
