/* kdh-commands-crashdump.h: what the .dump files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-commands-crashdump.c        .dump's arguments, the header from the
 *                                 target, .bugcheck, .crash
 * kdh-commands-crashdump-write.c  the pages: which (runs, or the kernel's
 *                                 page tables), reading, writing the file
 */
#pragma once

#include "kdh-commands-private.h"

#include "dump/kdh-dump-write.h"

G_BEGIN_DECLS

/* KdDebuggerDataBlock (KDDEBUGGER_DATA64): the first entry on the list
 * GetVersion names, checked by its "KDBG" tag. */
gboolean kdh_crashdump_find_debugger_data (KdhTarget  *target,
                                           guint64    *kdbg,
                                           GError    **error);

/* The 0x2000-byte header of a @type dump of the stopped @target, with
 * the physical memory runs it describes and the kernel's CR3. */
gboolean kdh_crashdump_build_header (KdhCommandCall *inv,
                                     KdhTarget      *target,
                                     guint8          header[KDH_DUMP_HEADER64_SIZE],
                                     KdhDumpRun     *runs,
                                     guint          *n_runs,
                                     guint64        *n_pages,
                                     KdhDumpType     type,
                                     guint64        *dtb,
                                     GError        **error);

/* Writes a dump of @type (full, or kernel) to @path as .dump does. */
gboolean kdh_crashdump_write (KdhCommandCall *inv,
                              KdhSession     *s,
                              KdhTarget      *target,
                              const gchar    *path,
                              KdhDumpType     type,
                              gboolean        overwrite,
                              GError        **error);

G_END_DECLS
