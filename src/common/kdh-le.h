/* kdh-le.h: little-endian fields at any alignment
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every multi-byte field of the KD protocol is little-endian, and payloads
 * arrive at any alignment: memcpy, then GLib's byte-order macros.
 */
#pragma once

#include <string.h>

#include <glib.h>

static inline guint16
kdh_read_le16 (const guint8 *p)
{
  guint16 v;

  memcpy (&v, p, sizeof v);
  return GUINT16_FROM_LE (v);
}

static inline guint32
kdh_read_le32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return GUINT32_FROM_LE (v);
}

static inline guint64
kdh_read_le64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

static inline void
kdh_write_le16 (guint8  *p,
                guint16  v)
{
  v = GUINT16_TO_LE (v);
  memcpy (p, &v, sizeof v);
}

static inline void
kdh_write_le32 (guint8  *p,
                guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, sizeof v);
}

static inline void
kdh_write_le64 (guint8  *p,
                guint64  v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, sizeof v);
}
