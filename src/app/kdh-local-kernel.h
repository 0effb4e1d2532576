/* kdh-local-kernel.h: KD's -kl and WinDbg's local kernel debugging
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Local kernel debugging looks at the Windows kernel the debugger runs on.
 * On Linux there is none; what to say instead, on the command line and in
 * the Kernel Debug dialog.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @text, typed where a connection string goes, asks for local kernel
 * debugging: "-kl" (KD), "kl" or "local" (WinDbg's Local tab), in any
 * case, with or without a ':' and surrounding blanks. */
gboolean     kdh_local_kernel_requested (const gchar *text);
/* For the dialog: no local kernel on Linux, and how to reach a VM. */
const gchar *kdh_local_kernel_explain   (void);
/* The same for `kdhost -kl`, with kdhost command lines. */
const gchar *kdh_local_kernel_explain_command_line (void);

G_END_DECLS
