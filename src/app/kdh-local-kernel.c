/* kdh-local-kernel.c: KD's -kl and WinDbg's local kernel debugging
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-local-kernel.h"

#include <string.h>

#include <glib/gi18n.h>

gboolean
kdh_local_kernel_requested (const gchar *text)
{
  static const gchar *const spellings[] = { "-kl", "kl", "local" };
  g_autofree gchar *word = g_strstrip (g_strdup (text));
  gsize len = strlen (word);

  if (len > 0 && word[len - 1] == ':')
    word[len - 1] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (spellings); i++)
    if (g_ascii_strcasecmp (word, spellings[i]) == 0)
      return TRUE;
  return FALSE;
}

const gchar *
kdh_local_kernel_explain (void)
{
  return _("Local kernel debugging (KD's -kl) debugs the Windows kernel the debugger runs on; "
           "on Linux there is no local Windows kernel to debug. Debug Windows in a virtual "
           "machine instead: enable kernel debugging on its first serial port "
           "(bcdedit /debug on; bcdedit /dbgsettings serial debugport:1 baudrate:115200), give "
           "the VM a serial port such as QEMU's -serial unix:/tmp/win.sock,server,nowait, and "
           "connect to it on the VM Pipe tab (com:pipe,port=/tmp/win.sock,reconnect).");
}

const gchar *
kdh_local_kernel_explain_command_line (void)
{
  return _("kdhost: -kl is KD's local kernel debugging: it debugs the Windows kernel that the\n"
           "debugger itself runs on. On Linux there is no local Windows kernel to debug.\n"
           "\n"
           "Debug Windows in a virtual machine instead. In the guest, as administrator:\n"
           "  bcdedit /debug on\n"
           "  bcdedit /dbgsettings serial debugport:1 baudrate:115200\n"
           "then give the VM a serial port and attach to it, e.g. with QEMU:\n"
           "  qemu-system-x86_64 ... -serial unix:/tmp/win.sock,server,nowait\n"
           "  kdhost -k com:pipe,port=/tmp/win.sock,reconnect\n"
           "or open File > Kernel Debug... in kdhost and choose the VM Pipe tab\n"
           "(README: \"Setting up a VM\"). kdhost -k sim: debugs a simulated target.\n");
}
