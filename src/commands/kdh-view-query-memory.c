/* kdh-view-query-memory.c: the Memory and Processors views' answers
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Memory comes as bytes with a readable flag for each, so the view can
 * show any of d*'s formats from one answer and mark holes as d* does;
 * it is read a page at a time because a read stops at the first byte
 * that cannot be read, and a hole must not hide the pages after it.
 * Processors: each one's CONTEXT at this stop (GetContext takes the
 * processor), its instruction pointer and where that is.
 */
#include "kdh-commands-private.h"
#include "kdh-view-query.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kd/kdh-context.h"

/* A tall pane of bytes many times over; the view asks for what it shows. */
#define VIEW_MAX_MEMORY (64u * 1024u)
#define PAGE_SIZE 0x1000u

GVariant *
kdh_commands_view_memory (KdhTarget  *target,
                          guint64     address,
                          guint       count,
                          GError    **error)
{
  g_autofree guint8 *data = NULL, *readable = NULL;
  gsize done = 0;

  count = MIN (count, VIEW_MAX_MEMORY);
  /* Not past the top of the address space. */
  if (count > 0 && address + count - 1 < address)
    count = (guint) (G_MAXUINT64 - address + 1);
  data = g_malloc0 (MAX (count, 1));
  readable = g_malloc0 (MAX (count, 1));
  while (done < count)
    {
      guint64 at = address + done;
      gsize piece = MIN ((gsize) (PAGE_SIZE - (at & (PAGE_SIZE - 1))), count - done);
      gsize valid = 0;

      if (!kdh_target_read_virtual (target, at, data + done, piece, &valid, error))
        return NULL;
      memset (readable + done, 1, valid);
      done += piece;
    }
  return g_variant_ref_sink (
    g_variant_new ("(t@ay@ayb)", address,
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, count, 1),
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, readable, count, 1),
                   kdh_target_is_ptr64 (target)));
}

GVariant *
kdh_commands_view_processors (KdhTarget  *target,
                              GError    **error)
{
  guint16 machine = kdh_target_get_machine (target);
  const KdhRegisterInfo *ip = kdh_context_find_register (machine,
                                                         kdh_target_is_ptr64 (target) ? "rip" : "eip");
  guint current = kdh_target_get_cpu (target);
  guint n = MAX (kdh_target_get_n_cpus (target), current + 1);
  GVariantBuilder b;

  if (ip == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("The target's processor type is not known yet."));
      return NULL;
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(usts)"));
  for (guint cpu = 0; cpu < n; cpu++)
    {
      g_autoptr (GBytes) ctx = kdh_target_get_context (target, cpu, error);
      g_autofree gchar *where = NULL;
      const guint8 *bytes;
      guint64 rip = 0;
      gsize len;

      if (ctx == NULL)
        return NULL;
      bytes = g_bytes_get_data (ctx, &len);
      if (!kdh_context_get (bytes, len, ip, &rip))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The registers of processor %u are too short to hold %s."), cpu, ip->name);
          return NULL;
        }
      where = kdh_target_symbolize (target, rip);
      if (where == NULL)
        where = kdh_commands_format_address (target, rip);
      /* At a stop every processor is frozen; the current one is the one
       * the commands work on (~N) and that reported the stop. */
      g_variant_builder_add (&b, "(usts)", cpu, cpu == current ? _("current") : _("stopped"), rip,
                             where);
    }
  return g_variant_ref_sink (g_variant_new ("(ua(usts))", current, &b));
}

GVariant *
kdh_commands_view_evaluate (KdhCommands  *c,
                            const gchar  *expression,
                            GError      **error)
{
  KdhSession *s = c->session;
  /* As ? does: numbers and symbols-free expressions need no stop. */
  KdhTarget *target = s && kdh_session_get_state (s) == KDH_CONN_BREAK
                      ? kdh_session_get_target (s) : NULL;
  KdhExprScope scope;
  guint64 value;

  while (expression != NULL && g_ascii_isspace (*expression))
    expression++;
  if (expression == NULL || *expression == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Type an address or an expression, such as @rsp or nt!KeBugCheckEx."));
      return NULL;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (expression, &scope, &value, error))
    return NULL;
  return g_variant_ref_sink (g_variant_new ("(t)", value));
}
