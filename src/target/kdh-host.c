/* kdh-host.c: what a kernel connection needs from whoever drives it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-host.h"

#include <stdarg.h>

void
kdh_host_printf (KdhHost       *host,
                 KdhOutputKind  kind,
                 const gchar   *format,
                 ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  host->funcs->output (host, kind, text);
}
