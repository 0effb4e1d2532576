/* kdh-dump.h: WinDbg memory display formats (db, dw, dd, dq, dc, dp)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each line shows the address of its first byte, two spaces and 16 bytes'
 * worth of values, counted from the start address even when it is not
 * aligned, as WinDbg does:
 *
 *   db  fffff800`00400000  4d 5a 90 00 03 00 00 00-04 00 00 00 ff ff 00 00  MZ..............
 *   dw  fffff800`00400000  5a4d 0090 0003 0000 0004 0000 ffff 0000
 *   dd  fffff800`00400000  00905a4d 00000003 00000004 0000ffff
 *   dc  fffff800`00400000  00905a4d 00000003 00000004 0000ffff  MZ..............
 *   dq  fffff800`00400000  00000003`00905a4d 0000ffff`00000004
 *
 * Values are little-endian. Bytes past @valid_len print as "??" (and '?' in
 * the text column); a larger unit with any unreadable byte prints as all
 * question marks ("????", "????????", "????????`????????"). A short last
 * line of db or dc is padded so that its text column lines up.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends the lines for @len bytes at @address to @out, each ending in
 * "\n". @data holds @valid_len readable bytes (it may be NULL when that is
 * 0). @format is 'b', 'w', 'd', 'q', 'c' (dwords and text) or 'p'
 * (dq when @pointer64, else dd). A trailing part of @len too short for a
 * whole unit is not shown. @pointer64 also picks the address column:
 * "fffff800`00400000" or "8054a000". */
void kdh_dump_format (GString      *out,
                      guint64       address,
                      const guint8 *data,
                      gsize         len,
                      gsize         valid_len,
                      gchar         format,
                      gboolean      pointer64);

/* One value of @size bytes (1, 2, 4 or 8) at @p, as the lines above show
 * it, or its width in question marks when it is not @readable (@p may
 * then be NULL): for the window's Memory view. */
gchar *kdh_dump_format_unit (const guint8 *p,
                             guint         size,
                             gboolean      readable);

G_END_DECLS
