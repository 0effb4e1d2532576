/* kdh-address.c: target addresses as WinDbg writes them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-address.h"

void
kdh_append_hex (GString *out,
                guint64  value,
                guint    digits)
{
  static const gchar hex[] = "0123456789abcdef";
  gchar buf[16];

  g_return_if_fail (digits <= sizeof buf);
  for (guint i = digits; i > 0; i--)
    {
      buf[i - 1] = hex[value & 0xF];
      value >>= 4;
    }
  g_string_append_len (out, buf, digits);
}

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
    {
      kdh_append_hex (out, address >> 32, 8);
      g_string_append_c (out, '`');
    }
  kdh_append_hex (out, address, 8);
}

gchar *
kdh_format_address (guint64  address,
                    gboolean pointer64)
{
  GString *out = g_string_sized_new (18);

  kdh_append_address (out, address, pointer64);
  return g_string_free (out, FALSE);
}
