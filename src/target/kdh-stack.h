/* kdh-stack.h: a processor's call stack at a stop, as data
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The frames of an x64 stack, unwound (kdh-unwind.h) from the CONTEXT of
 * the processor with the images' .pdata and UNWIND_INFO read from target
 * memory. The k commands print it and the window's views can show it;
 * both read the same frames. Memory and the result are cached for the
 * stop, so asking again costs no round trip. Engine thread only.
 */
#pragma once

#include <glib.h>

#include "kdh-target.h"
#include "kdh-unwind.h"

G_BEGIN_DECLS

#define KDH_STACK_MAX_FRAMES 256

typedef struct {
  guint64 child_sp;             /* rsp in this frame */
  guint64 instruction;          /* rip in this frame (the call site) */
  guint64 return_address;       /* where it returns: the next frame's rip */
  guint64 args[4];              /* the home slots of its first four arguments */
  KdhUnwindRegs regs;           /* its registers, as far as unwinding restores them */
  gboolean trap_frame;          /* the next frame was entered by an interrupt or trap */
  gboolean unexplained;         /* unwinding could not go on from here (the stack ends) */
} KdhStackFrame;

typedef struct _KdhStackCache KdhStackCache;

KdhStackCache *kdh_stack_cache_new   (void);
void           kdh_stack_cache_free  (KdhStackCache *cache);
/* The target stopped or ran: forget memory and stacks. */
void           kdh_stack_cache_clear (KdhStackCache *cache);

/* The stack of @cpu at the current stop (KdhStackFrame), at most
 * KDH_STACK_MAX_FRAMES frames; owned by the cache. NULL with @error when
 * the registers cannot be read; an x86 target is refused. */
const GArray  *kdh_stack_get (KdhTarget     *target,
                              KdhStackCache *cache,
                              guint          cpu,
                              GError       **error);

G_END_DECLS
