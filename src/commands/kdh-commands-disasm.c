/* kdh-commands-disasm.c: u, ub and uf
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built on the typed disassembly queries (kdh-query.h). As in KD, u alone
 * (and Enter after a u) goes on where the last u ended, at the current
 * instruction after a new stop.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kdh-query.h"

#define DEFAULT_COUNT 8
/* u ADDR L n: at most this many instructions (a range at most 256 KB). */
#define MAX_COUNT 0x10000
#define MAX_RANGE (256u * 1024)

typedef struct {
  gboolean valid;
  guint64 next;                /* where a bare u goes on */
  guint64 stop_pc;             /* ... at the stop it was made at */
  guint stop_cpu;
} UState;

static gboolean
same_stop (UState    *u,
           KdhTarget *target)
{
  const KdhStateChange *stop = kdh_target_get_stop (target);

  return u->valid && stop && stop->program_counter == u->stop_pc
         && kdh_target_get_cpu (target) == u->stop_cpu;
}

static void
remember (UState    *u,
          KdhTarget *target,
          guint64    next)
{
  const KdhStateChange *stop = kdh_target_get_stop (target);

  u->valid = stop != NULL;
  u->next = next;
  u->stop_pc = stop ? stop->program_counter : 0;
  u->stop_cpu = kdh_target_get_cpu (target);
}

static gboolean
has_offset (const gchar *symbol)
{
  return strstr (symbol, "+0x") != NULL;
}

/* The lines for @insns: a label where a symbol starts (and first, with its
 * offset), as KD shows them. @blocks (uf): a blank line and a label before
 * each basic block, "Branch" after conditional jumps. */
static void
print_instructions (KdhCommandCall *inv,
                    KdhTarget      *target,
                    GArray         *insns,
                    GHashTable     *blocks)
{
  gboolean ptr64 = kdh_target_is_ptr64 (target);
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < insns->len; i++)
    {
      const KdhInstruction *insn = &g_array_index (insns, KdhInstruction, i);
      g_autofree gchar *line = kdh_instruction_format (insn, ptr64);
      gboolean block = blocks && i > 0
                       && g_hash_table_contains (blocks, &insn->address);

      if (insn->symbol && (i == 0 || block || !has_offset (insn->symbol)))
        g_string_append_printf (out, "%s%s:\n", block ? "\n" : "", insn->symbol);
      else if (block)
        g_string_append_c (out, '\n');
      g_string_append (out, line);
      if (blocks && insn->flow == KDH_FLOW_BRANCH)
        g_string_append (out, "  Branch");
      g_string_append_c (out, '\n');
    }
  kdh_commands_say (inv, out->str);
}

static guint64
end_of (GArray *insns)
{
  const KdhInstruction *last = &g_array_index (insns, KdhInstruction, insns->len - 1);

  return last->address + last->length;
}

static gboolean
current_ip (KdhTarget  *target,
            guint64    *ip,
            GError    **error)
{
  const KdhStateChange *stop = kdh_target_get_stop (target);

  if (stop == NULL)
    return kdh_target_get_register (target, "$ip", ip, error);
  *ip = stop->program_counter;
  return TRUE;
}

/* "ADDR", "ADDR L n", "ADDR END": the start, and either a count of
 * instructions or an end address (*to, exclusive). */
static gboolean
parse_u_range (KdhCommandCall *inv,
               KdhTarget      *target,
               guint64        *address,
               guint64        *count,
               guint64        *to,
               GError        **error)
{
  KdhExprScope scope;
  const gchar *rest = NULL;
  guint64 value;

  kdh_commands_init_scope (&scope, target);
  *to = 0;
  if (!kdh_expr_evaluate_prefix (inv->args, &scope, &value, &rest, NULL)
      || *rest == '\0' || *rest == 'l' || *rest == 'L')
    return kdh_expr_parse_range (inv->args, &scope, 1, DEFAULT_COUNT, MAX_COUNT, address, count,
                                 error);
  /* ADDR END: bytes, through END. */
  if (!kdh_expr_parse_range (inv->args, &scope, 1, DEFAULT_COUNT, MAX_RANGE, address, count,
                             error))
    return FALSE;
  *to = *address + *count;
  return TRUE;
}

static gboolean
cmd_u (KdhCommandCall *inv,
       gpointer        data,
       GError        **error)
{
  UState *u = data;
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  guint64 address, count = DEFAULT_COUNT, to = 0;
  g_autoptr (GArray) insns = NULL;

  if (target == NULL || !kdh_target_ensure_version (target, error))
    return FALSE;
  if (*inv->args == '\0')
    {
      if (same_stop (u, target))
        address = u->next;
      else if (!current_ip (target, &address, error))
        return FALSE;
    }
  else if (!parse_u_range (inv, target, &address, &count, &to, error))
    return FALSE;
  insns = to ? kdh_query_disassembly_range (target, address, to, error)
             : kdh_query_disassembly (target, address, (guint) count, error);
  if (insns == NULL)
    return FALSE;
  if (insns->len > 0)
    {
      print_instructions (inv, target, insns, NULL);
      remember (u, target, end_of (insns));
    }
  kdh_commands_set_repeat (inv->commands, "u");
  return TRUE;
}

static gboolean
cmd_ub (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  UState *u = data;
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhExprScope scope;
  const gchar *rest = NULL;
  guint64 address, count = DEFAULT_COUNT;
  g_autoptr (GArray) insns = NULL;

  if (target == NULL || !kdh_target_ensure_version (target, error))
    return FALSE;
  kdh_commands_init_scope (&scope, target);
  if (*inv->args == '\0')
    {
      if (!current_ip (target, &address, error))
        return FALSE;
    }
  else
    {
      if (!kdh_expr_evaluate_prefix (inv->args, &scope, &address, &rest, error))
        return FALSE;
      if (*rest == 'l' || *rest == 'L')
        {
          const gchar *n = rest + 1;

          if (*n == '?')
            n++;
          if (!kdh_expr_evaluate (n, &scope, &count, error))
            return FALSE;
          if (count == 0 || count > 256)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Range error: ub shows 1 to 256 instructions, not %" G_GUINT64_FORMAT
                             "."), count);
              return FALSE;
            }
        }
      else if (*rest != '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("ub takes ADDR [L n], not '%s'."), inv->args);
          return FALSE;
        }
    }
  insns = kdh_query_disassembly_back (target, address, (guint) count, error);
  if (insns == NULL)
    return FALSE;
  print_instructions (inv, target, insns, NULL);
  remember (u, target, address);
  return TRUE;
}

static gboolean
cmd_uf (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  UState *u = data;
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhExprScope scope;
  guint64 address, begin, end;
  g_autoptr (GArray) insns = NULL;
  g_autoptr (GHashTable) blocks = NULL;

  if (target == NULL || !kdh_target_ensure_version (target, error))
    return FALSE;
  if (*inv->args == '\0' || *inv->args == '/')
    {
      if (*inv->args)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                     _("uf options ('%s') are not supported yet; uf takes an address."),
                     inv->args);
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("uf needs an address, e.g. 'uf nt!KeBugCheckEx'."));
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &address, error))
    return FALSE;
  if (kdh_target_get_machine (target) == KDH_MACHINE_I386)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("uf finds function bounds in .pdata, which x86 images do not have; "
                             "use u ADDR END."));
      return FALSE;
    }
  if (!kdh_query_function_bounds (target, address, &begin, &end, error))
    return FALSE;
  insns = kdh_query_disassembly_range (target, begin, end, error);
  if (insns == NULL || insns->len == 0)
    return insns != NULL;
  /* Basic blocks start at the targets of jumps inside the function and
   * after conditional ones. */
  blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < insns->len; i++)
    {
      const KdhInstruction *insn = &g_array_index (insns, KdhInstruction, i);
      guint64 starts[2];
      guint n = 0;

      if (insn->has_target && insn->flow != KDH_FLOW_CALL && insn->target >= begin
          && insn->target < end)
        starts[n++] = insn->target;
      if (insn->flow == KDH_FLOW_BRANCH || insn->flow == KDH_FLOW_JUMP
          || insn->flow == KDH_FLOW_RETURN)
        starts[n++] = insn->address + insn->length;
      for (guint k = 0; k < n; k++)
        g_hash_table_add (blocks, g_memdup2 (&starts[k], sizeof starts[k]));
    }
  print_instructions (inv, target, insns, blocks);
  remember (u, target, end);
  return TRUE;
}

void
kdh_commands_add_disasm (KdhCommands *c)
{
  UState *u = g_new0 (UState, 1);

  /* The three share where a bare u goes on; u owns it. */
  kdh_commands_add (c, "u", "u [ADDR [L n|END]]  disassemble (Enter goes on)", cmd_u, u, g_free);
  kdh_commands_add (c, "ub", "ub [ADDR] [L n]   disassemble the instructions before ADDR",
                    cmd_ub, u, NULL);
  kdh_commands_add (c, "uf", "uf ADDR           disassemble the function holding ADDR (.pdata)",
                    cmd_uf, u, NULL);
}
