/* kdh-target-registers.c: registers by WinDbg's names, beyond the CONTEXT
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The flags of EFLAGS (zf, iopl) and, on x64, the control registers and
 * descriptor tables of KSPECIAL_REGISTERS (cr0, cr3, gdtr), as r and
 * expressions name them.
 */
#include "kdh-target.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "kdh-target-private.h"
#include "kd/kdh-context.h"
#include "kd/kdh-special.h"

/* ReadControlSpace 2 (AMD64): the control registers and descriptor
 * tables kept with the processor's state (docs/protocol.md §4.4, §4.5). */
GBytes *
kdh_target_get_special (KdhTarget  *t,
                        guint       cpu,
                        GError    **error)
{
  GBytes *cached = g_hash_table_lookup (_kdh_target_special_cache (t), GUINT_TO_POINTER (cpu));
  KdhManipulate request, reply;
  g_autoptr (GBytes) payload = NULL;

  if (cached)
    return g_bytes_ref (cached);
  if (!_kdh_target_need_stop (t, error))
    return NULL;
  if (kdh_target_get_machine (t) != KDH_MACHINE_AMD64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Control registers are read on x64 targets only."));
      return NULL;
    }
  kdh_manipulate_init_memory (&request, KDH_API_READ_CONTROL_SPACE, (guint16) cpu, 2,
                              KDH_KSPECIAL_AMD64_SIZE);
  if (!_kdh_target_request (t, &request, &reply, &payload, error))
    return NULL;
  if (reply.return_status != KDH_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The target did not return the control registers of processor %u "
                     "(status 0x%08x)."), cpu, reply.return_status);
      return NULL;
    }
  /* Older kernels keep a shorter block: what came is what there is. */
  cached = g_bytes_new (reply.data, MIN (reply.data_len, KDH_KSPECIAL_AMD64_SIZE));
  g_hash_table_insert (_kdh_target_special_cache (t), GUINT_TO_POINTER (cpu), cached);
  return g_bytes_ref (cached);
}

gboolean
kdh_target_get_register (KdhTarget   *t,
                         const gchar *name,
                         guint64     *value,
                         GError     **error)
{
  guint cpu = kdh_target_get_cpu (t);
  g_autoptr (GBytes) ctx = kdh_target_get_context (t, cpu, error);
  const KdhRegisterInfo *reg;
  const KdhFlagInfo *flag;
  gsize len;
  const guint8 *data;

  if (ctx == NULL)
    return FALSE;
  data = g_bytes_get_data (ctx, &len);
  reg = kdh_context_find_register (kdh_target_get_machine (t), name);
  if (reg != NULL)
    return kdh_context_get (data, len, reg, value);
  /* WinDbg's flag names read their bits of EFLAGS. */
  if ((flag = kdh_flag_find (name)) != NULL)
    {
      guint64 eflags;

      reg = kdh_context_find_register (kdh_target_get_machine (t), "efl");
      if (reg == NULL || !kdh_context_get (data, len, reg, &eflags))
        {
          _kdh_target_bad_register (error, name);
          return FALSE;
        }
      *value = kdh_flag_get (flag, eflags);
      return TRUE;
    }
  if ((reg = kdh_special_find (kdh_target_get_machine (t), name)) != NULL)
    {
      g_autoptr (GBytes) special = kdh_target_get_special (t, cpu, error);

      if (special == NULL)
        return FALSE;
      if (kdh_context_get (g_bytes_get_data (special, NULL), g_bytes_get_size (special), reg,
                           value))
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The target's control registers end before %s."), name);
      return FALSE;
    }
  _kdh_target_bad_register (error, name);
  return FALSE;
}
