/* kdh-symbol-download.h: files from HTTP symbol servers
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On the engine thread, with libsoup 3's asynchronous API on the engine's
 * main context: the command waits through the host's bounded wait, so
 * break-in keeps working and Ctrl+C (which cancels @cancel) stops the
 * download. Progress lines go to the host. The file appears at its name
 * only once complete.
 */
#pragma once

#include <gio/gio.h>

#include "kdh-host.h"

G_BEGIN_DECLS

/* Fetches @url into @dest; with @compressed, @url is a CAB (symsrv's
 * name.pd_) whose one file is expanded into @dest. FALSE with
 * G_IO_ERROR_NOT_FOUND for a 404, G_IO_ERROR_CANCELLED, G_IO_ERROR_TIMED_OUT,
 * or why else. */
gboolean kdh_symbol_download (KdhHost       *host,
                              GCancellable  *cancel,
                              const gchar   *url,
                              const gchar   *dest,
                              gboolean       compressed,
                              GError       **error);

G_END_DECLS
