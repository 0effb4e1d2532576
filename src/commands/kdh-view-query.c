/* kdh-view-query.c: the typed answers the window's views show
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built on the data r, k, u, lm and bl print (the CONTEXT's register
 * table, the session's cached stack, kdh-query.h's instructions, the
 * target's modules, the breakpoint table), with the same formatting
 * functions, so a view shows what the command would.
 */
#include "kdh-commands-private.h"
#include "kdh-view-query.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kd/kdh-context.h"
#include "kd/kdh-special.h"
#include "kdh-query.h"
#include "target/kdh-exec.h"
#include "target/kdh-stack.h"
#include "target/kdh-target-symbols.h"

#define VIEW_MAX_INSTRUCTIONS 512

static KdhTarget *
stopped_target (KdhCommands *c,
                GError     **error)
{
  KdhTarget *target = c->session ? kdh_session_get_target (c->session) : NULL;

  if (target == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("There is no kernel connection."));
      return NULL;
    }
  if (kdh_session_get_state (c->session) != KDH_CONN_BREAK || kdh_target_get_stop (target) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("The target is running; its state is shown at the next stop."));
      return NULL;
    }
  return target;
}

/* After the CONTEXT's: EFLAGS's named bits as r names them (zf=1), and on
 * x64 the control registers (cr0, cr3, gdtr...) when the target gives them
 * (a dump may not: then they are left out). */
static void
add_flags_and_specials (GVariantBuilder *b,
                        KdhTarget       *target,
                        guint            cpu,
                        guint16          machine,
                        const guint8    *context,
                        gsize            len)
{
  const KdhRegisterInfo *efl = kdh_context_find_register (machine, "efl");
  const KdhRegisterInfo *specials;
  g_autoptr (GBytes) special = NULL;
  guint64 eflags;
  guint n = 0;

  if (efl != NULL && kdh_context_get (context, len, efl, &eflags))
    {
      const KdhFlagInfo *flags = kdh_flags_table (&n);

      for (guint i = 0; i < n; i++)
        {
          guint64 value = kdh_flag_get (&flags[i], eflags);
          g_autofree gchar *text = g_strdup_printf ("%" G_GINT64_MODIFIER "x", value);

          g_variant_builder_add (b, "(sts)", flags[i].name, value, text);
        }
    }
  specials = kdh_special_registers (machine, &n);
  if (specials == NULL || (special = kdh_target_get_special (target, cpu, NULL)) == NULL)
    return;
  for (guint i = 0; i < n; i++)
    {
      guint64 value;
      g_autofree gchar *text = NULL;

      if (!kdh_context_get (g_bytes_get_data (special, NULL), g_bytes_get_size (special),
                            &specials[i], &value))
        continue;
      text = g_strdup_printf ("%0*" G_GINT64_MODIFIER "x", specials[i].size * 2, value);
      g_variant_builder_add (b, "(sts)", specials[i].name, value, text);
    }
}

static GVariant *
query_registers (KdhCommands *c,
                 KdhTarget   *target,
                 GError     **error)
{
  /* The registers r shows: after .frame N, that frame's. */
  KdhCommandCall call = { .commands = c, .name = "r", .args = "", .origin = NULL };
  guint cpu = kdh_target_get_cpu (target);
  guint16 machine = kdh_target_get_machine (target);
  guint frame = 0;
  g_autoptr (GBytes) ctx = kdh_commands_scope_context (&call, target, &frame, error);
  const KdhRegisterInfo *regs;
  GVariantBuilder b;
  const guint8 *bytes;
  guint n = 0;
  gsize len;

  if (ctx == NULL)
    return NULL;
  regs = kdh_context_registers (machine, &n);
  if (regs == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("The target's processor type is not known yet."));
      return NULL;
    }
  bytes = g_bytes_get_data (ctx, &len);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sts)"));
  for (guint i = 0; i < n; i++)
    {
      guint64 value = 0;
      g_autofree gchar *text = NULL;

      /* A truncated CONTEXT shows question marks, as r does. */
      if (kdh_context_get (bytes, len, &regs[i], &value))
        text = g_strdup_printf ("%0*" G_GINT64_MODIFIER "x", regs[i].size * 2, value);
      else
        text = g_strnfill (regs[i].size * 2, '?');
      g_variant_builder_add (&b, "(sts)", regs[i].name, value, text);
    }
  add_flags_and_specials (&b, target, cpu, machine, bytes, len);
  return g_variant_ref_sink (g_variant_new ("(ua(sts))", cpu, &b));
}

static gchar *
call_site (KdhTarget *target,
           guint64    address)
{
  gchar *symbol = kdh_target_symbolize (target, address);
  g_autofree gchar *raw = NULL;

  if (symbol != NULL)
    return symbol;
  raw = kdh_commands_format_address (target, address);
  return g_strdup_printf ("0x%s", raw);
}

static GVariant *
query_stack (KdhCommands *c,
             KdhTarget   *target,
             GError     **error)
{
  const GArray *frames = kdh_session_get_stack (c->session, kdh_target_get_cpu (target), error);
  GVariantBuilder b;

  if (frames == NULL)
    return NULL;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(tssss)"));
  for (guint i = 0; i < frames->len; i++)
    {
      const KdhStackFrame *f = &g_array_index (frames, KdhStackFrame, i);
      g_autofree gchar *sp = kdh_commands_format_address (target, f->child_sp);
      g_autofree gchar *ret = f->unexplained ? g_strdup ("????????`????????")
                                             : kdh_commands_format_address (target, f->return_address);
      g_autofree gchar *site = call_site (target, f->instruction);

      g_variant_builder_add (&b, "(tssss)", f->instruction, sp, ret, site,
                             f->unexplained ? _("no unwind data explains the caller; the stack shown ends here")
                                            : "");
    }
  return g_variant_ref_sink (g_variant_new ("a(tssss)", &b));
}

static GVariant *
query_disassembly (KdhCommands *c,
                   KdhTarget   *target,
                   guint64      address,
                   guint        count,
                   gboolean     back,
                   GError     **error)
{
  KdhBreakpoints *bps = kdh_session_get_breakpoints (c->session);
  gboolean ptr64 = kdh_target_is_ptr64 (target);
  g_autoptr (GArray) insns = NULL;
  GVariantBuilder b;
  guint64 rip = 0;

  if (!kdh_target_get_register (target, ptr64 ? "rip" : "eip", &rip, error))
    return NULL;
  if (address == G_MAXUINT64)
    address = rip;
  count = CLAMP (count, 1, VIEW_MAX_INSTRUCTIONS);
  insns = back ? kdh_query_disassembly_back (target, address, count, error)
               : kdh_query_disassembly (target, address, count, error);
  if (insns == NULL)
    return NULL;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(tsssib)"));
  for (guint i = 0; i < insns->len; i++)
    {
      const KdhInstruction *insn = &g_array_index (insns, KdhInstruction, i);
      g_autofree gchar *line = kdh_instruction_format (insn, ptr64);
      const gchar *text = line;
      const KdhBreakpoint *bp = kdh_breakpoints_find_at (bps, insn->address);
      /* u's rule: the first line, and where a symbol starts. */
      gboolean label = insn->symbol && (i == 0 || strstr (insn->symbol, "+0x") == NULL);

      /* The instruction is u's line after the address and the bytes. */
      for (guint field = 0; field < 2; field++)
        {
          text += strcspn (text, " ");
          text += strspn (text, " ");
        }

      g_variant_builder_add (&b, "(tsssib)", insn->address, label ? insn->symbol : "", line, text,
                             bp ? (gint32) bp->id : -1, insn->address == rip);
    }
  return g_variant_ref_sink (g_variant_new ("(ta(tsssib))", rip, &b));
}

static GVariant *
query_modules (KdhTarget *target,
               GError   **error)
{
  GPtrArray *modules;
  GVariantBuilder b;

  if (!kdh_target_ensure_modules (target, error))
    return NULL;
  modules = kdh_target_get_modules (target);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ttssuss)"));
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = g_ptr_array_index (modules, i);
      KdhModuleSymbolInfo info;
      const gchar *state = "deferred", *file = "";

      /* lm's column (kdh_commands_symbol_column), without loading anything. */
      kdh_target_get_module_symbols (target, m, &info);
      if (info.state == KDH_SYMBOLS_PDB)
        state = "pdb symbols", file = info.pdb_path;
      else if (info.state == KDH_SYMBOLS_EXPORT)
        state = "export symbols", file = m->name;
      g_variant_builder_add (&b, "(ttssuss)", m->base, m->base + m->size, m->name,
                             m->short_name ? m->short_name : "", m->timestamp, state,
                             file ? file : "");
    }
  return g_variant_ref_sink (g_variant_new ("a(ttssuss)", &b));
}

static GVariant *
query_breakpoints (KdhCommands *c)
{
  GPtrArray *list = kdh_breakpoints_list (kdh_session_get_breakpoints (c->session));
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ubbstu)"));
  for (guint i = 0; i < list->len; i++)
    {
      const KdhBreakpoint *bp = g_ptr_array_index (list, i);
      gboolean unresolved = bp->deferred && !bp->resolved;

      g_variant_builder_add (&b, "(ubbstu)", bp->id, bp->enabled, unresolved,
                             bp->expression ? bp->expression : "", unresolved ? 0 : bp->address,
                             bp->hits);
    }
  return g_variant_ref_sink (g_variant_new ("a(ubbstu)", &b));
}

GVariant *
kdh_commands_view_query (KdhCommands  *c,
                         KdhViewQuery  query,
                         guint64       address,
                         guint         count,
                         GError      **error)
{
  KdhTarget *target;

  if (query == KDH_VIEW_QUERY_BREAKPOINTS)
    {
      /* The table is the engine's: it can be listed while running. */
      if (c->session == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("There is no kernel connection."));
          return NULL;
        }
      return query_breakpoints (c);
    }
  if ((target = stopped_target (c, error)) == NULL)
    return NULL;
  switch (query)
    {
    case KDH_VIEW_QUERY_REGISTERS:
      return query_registers (c, target, error);
    case KDH_VIEW_QUERY_STACK:
      return query_stack (c, target, error);
    case KDH_VIEW_QUERY_DISASSEMBLY:
      return query_disassembly (c, target, address, count, FALSE, error);
    case KDH_VIEW_QUERY_DISASSEMBLY_BACK:
      return query_disassembly (c, target, address, count, TRUE, error);
    case KDH_VIEW_QUERY_MODULES:
      return query_modules (target, error);
    case KDH_VIEW_QUERY_MEMORY:
      return kdh_commands_view_memory (target, address, count, error);
    case KDH_VIEW_QUERY_PROCESSORS:
      return kdh_commands_view_processors (target, error);
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown view query %u", query);
      return NULL;
    }
}
