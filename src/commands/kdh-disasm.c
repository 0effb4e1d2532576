/* kdh-disasm.c: one-instruction disassembly through Capstone
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-disasm.h"

#include <capstone/capstone.h>

#include "kd/kdh-dbgkd.h"
#include "common/kdh-address.h"

gchar *
kdh_disasm_one (guint16       machine,
                guint64       address,
                const guint8 *code,
                gsize         code_len,
                gsize        *length)
{
  csh handle;
  cs_insn *insn = NULL;
  gchar *text = NULL;
  cs_mode mode = machine == KDH_MACHINE_I386 ? CS_MODE_32 : CS_MODE_64;

  if (code_len == 0 || cs_open (CS_ARCH_X86, mode, &handle) != CS_ERR_OK)
    return NULL;
  if (cs_disasm (handle, code, code_len, address, 1, &insn) == 1)
    {
      /* WinDbg spells the one-byte breakpoint "int 3". */
      if (g_str_equal (insn->mnemonic, "int3"))
        text = g_strdup ("int     3");
      else if (insn->op_str[0])
        text = g_strdup_printf ("%-7s %s", insn->mnemonic, insn->op_str);
      else
        text = g_strdup (insn->mnemonic);
      *length = insn->size;
      cs_free (insn, 1);
    }
  cs_close (&handle);
  return text;
}

gchar *
kdh_disasm_format_line (guint16       machine,
                        guint64       address,
                        const guint8 *code,
                        gsize         code_len,
                        gboolean      pointer64)
{
  g_autofree gchar *addr = kdh_format_address (address, pointer64);
  g_autofree gchar *text = NULL;
  g_autoptr (GString) bytes = g_string_new (NULL);
  gsize length = 0;

  text = kdh_disasm_one (machine, address, code, code_len, &length);
  if (text == NULL)
    return g_strdup_printf ("%s %-15s ???", addr, code_len ? "??" : "");
  for (gsize i = 0; i < length; i++)
    g_string_append_printf (bytes, "%02x", code[i]);
  return g_strdup_printf ("%s %-15s %s", addr, bytes->str, text);
}
