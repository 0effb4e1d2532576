/* kdh-dump-write.h: the header of a kernel crash dump, as Windows writes it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: fills the 0x2000 bytes of a 64-bit full dump's header; the
 * caller writes it and the pages of the runs after it, in order.
 */
#pragma once

#include <glib.h>

#include "kdh-dump-file.h"

G_BEGIN_DECLS

typedef struct {
  guint64 base_page;
  guint64 page_count;
} KdhDumpRun;

/* @fields: every field but context, exception and n_pages (taken from
 * @runs) is written; @context (at most KDH_DUMP_CONTEXT_SIZE bytes) and
 * @exception (KDH_DUMP_EXCEPTION_SIZE bytes, or NULL) are copied. Unset
 * space holds "PAGE" as in Windows' dumps. FALSE when there are more runs
 * than the header holds. */
gboolean kdh_dump_header_build (guint8               header[KDH_DUMP_HEADER64_SIZE],
                                const KdhDumpHeader *fields,
                                const KdhDumpRun    *runs,
                                guint                n_runs,
                                const guint8        *context,
                                gsize                context_len,
                                const guint8        *exception);

/* EXCEPTION_RECORD64 from its fields (@information: @n_parameters, at most 15). */
void     kdh_dump_exception_build (guint8         record[KDH_DUMP_EXCEPTION_SIZE],
                                   guint32        code,
                                   guint32        flags,
                                   guint64        address,
                                   guint32        n_parameters,
                                   const guint64 *information);

G_END_DECLS
