/* kdh-query.h: typed queries of a stopped target, for text and views alike
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The commands build their text on these (u, ub, uf, the dumps and
 * searches), so that a view showing the same data through them cannot
 * disagree with the command window. Each reads the target in as few
 * requests as the protocol allows: 16 instructions are one read.
 * Engine thread only.
 */
#pragma once

#include <glib.h>

#include "kdh-disasm.h"
#include "target/kdh-target.h"

G_BEGIN_DECLS

/* A range of virtual memory as read: @data holds @length bytes, of which
 * the first @valid could be read (the rest are zero). */
typedef struct {
  guint64 address;
  gsize length;
  gsize valid;
  guint8 *data;
} KdhMemoryRange;

void            kdh_memory_range_free (KdhMemoryRange *range);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhMemoryRange, kdh_memory_range_free)

/* NULL with @error only when the target could not be asked; memory that
 * cannot be read is not an error (see @valid). */
KdhMemoryRange *kdh_query_memory (KdhTarget  *target,
                                  guint64     address,
                                  gsize       length,
                                  GError    **error);

/* @count instructions from @address, with symbols (GArray of
 * KdhInstruction). */
GArray   *kdh_query_disassembly (KdhTarget  *target,
                                 guint64     address,
                                 guint       count,
                                 GError    **error);
/* The instructions of [@start, @end). */
GArray   *kdh_query_disassembly_range (KdhTarget  *target,
                                       guint64     start,
                                       guint64     end,
                                       GError    **error);
/* @count instructions that end just before @address: the start is one
 * from which the bytes decode cleanly onto @address (the function's
 * start when .pdata knows it and is near enough). */
GArray   *kdh_query_disassembly_back (KdhTarget  *target,
                                      guint64     address,
                                      guint       count,
                                      GError    **error);

/* The function holding @address, from its image's exception directory
 * (.pdata RUNTIME_FUNCTION entries read from target memory, chained
 * entries followed to their primary one): [*begin, *end). x64 only. */
gboolean  kdh_query_function_bounds (KdhTarget  *target,
                                     guint64     address,
                                     guint64    *begin,
                                     guint64    *end,
                                     GError    **error);

G_END_DECLS
