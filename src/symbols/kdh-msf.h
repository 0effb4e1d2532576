/* kdh-msf.h: the MSF 7.00 container that a PDB file is
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PDB is a little file system of numbered streams stored in fixed-size
 * blocks. This reads its superblock and stream directory from bytes the
 * caller owns (which must outlive the KdhMsf) and gathers a stream's
 * blocks into one buffer. Every index and size is checked against the
 * file, so a truncated or hostile file gives an error, never a bad read.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KdhMsf KdhMsf;

KdhMsf  *kdh_msf_new            (const guint8  *data,
                                 gsize          length,
                                 GError       **error);
void     kdh_msf_free           (KdhMsf        *msf);
guint32  kdh_msf_get_n_streams  (const KdhMsf  *msf);
guint32  kdh_msf_get_block_size (const KdhMsf  *msf);
/* The size of stream @index (0 for a nil stream); FALSE when there is no
 * such stream. */
gboolean kdh_msf_get_stream_size (const KdhMsf *msf,
                                  guint32       index,
                                  guint32      *size);
/* Stream @index as one buffer (empty for a nil stream). */
GBytes  *kdh_msf_read_stream    (const KdhMsf  *msf,
                                 guint32        index,
                                 GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhMsf, kdh_msf_free)

G_END_DECLS
