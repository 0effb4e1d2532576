/* kdh-address.h: target addresses as WinDbg writes them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "fffff800`02000000" for a 64-bit target, "80100000" for a 32-bit one.
 * On a 32-bit target an address that does not fit 32 bits (and is not the
 * sign extension of one, as the protocol carries kernel addresses) is
 * written in full: an address is never shown truncated. */
gchar *kdh_format_address        (guint64   address,
                                  gboolean  pointer64);
/* @value as @digits lower-case hex digits (leading zeros kept, higher
 * digits cut), appended to @out: the dumps write millions of them, and
 * printf is most of their cost. */
void   kdh_append_hex            (GString  *out,
                                  guint64   value,
                                  guint     digits);
/* Whether @address is what a 32-bit target can have: below 4 GiB, or the
 * sign extension of a kernel address (ffffffff`8xxxxxxx). */
gboolean kdh_address_fits_32     (guint64   address);
/* The same, appended to @out (no allocation: dumps write many). */
void   kdh_append_address        (GString  *out,
                                  guint64   address,
                                  gboolean  pointer64);

G_END_DECLS
