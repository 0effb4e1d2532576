/* kdh-commands-exec.c: g, t, p, gu and what a breakpoint's commands do
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The target runs through target/kdh-exec.h; a step shows the registers
 * and the next instruction afterwards, as KD does.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kd/kdh-context.h"
#include "kdh-disasm.h"
#include "target/kdh-exec.h"

#define say kdh_command_call_print

/* KD's limit for a step count is far above any use; this one keeps a
 * mistyped count from holding the engine for hours. */
#define MAX_STEPS 100000

void
kdh_commands_run_hit (gpointer     data,
                      const gchar *commands)
{
  KdhCommands *c = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *last = g_steal_pointer (&c->last_line);
  g_autofree gchar *repeat = g_steal_pointer (&c->repeat);
  gboolean dump_valid = c->dump_valid;

  /* The breakpoint's commands are not what Enter repeats: the user's
   * last command (a dump or u going on) stays. */
  if (!kdh_commands_execute (c, commands, NULL, &error) && error != NULL)
    kdh_host_printf (c->host, KDH_OUTPUT_ERROR, "%s\n", error->message);
  g_free (c->last_line);
  c->last_line = g_steal_pointer (&last);
  g_free (c->repeat);
  c->repeat = g_steal_pointer (&repeat);
  c->dump_valid = dump_valid;
}

/* The registers and the next instruction, as KD shows them after a step. */
static gboolean
show_step (KdhCommandCall *inv,
           KdhTarget      *target,
           GError        **error)
{
  g_autoptr (GBytes) ctx = kdh_target_get_context (target, kdh_target_get_cpu (target), error);
  g_autofree gchar *text = NULL;
  const guint8 *bytes;
  gsize len;

  if (ctx == NULL)
    return FALSE;
  bytes = g_bytes_get_data (ctx, &len);
  text = kdh_context_format (bytes, len, kdh_target_get_machine (target));
  say (inv, "%s", text);
  kdh_commands_show_location (inv->commands, target);
  return TRUE;
}

/* rsp now: after a call returns it is back here. */
static guint64
current_sp (KdhTarget *target)
{
  guint64 rsp = 0;

  if (!kdh_target_get_register (target, "rsp", &rsp, NULL))
    return 0;
  return rsp;
}

static gboolean
parse_count (KdhCommandCall *inv,
             KdhTarget      *target,
             guint64        *count,
             GError        **error)
{
  KdhExprScope scope;

  *count = 1;
  if (*inv->args == '\0')
    return TRUE;
  if (*inv->args == '=')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("'%s =ADDRESS' (start elsewhere) is not supported; set rip with 'r rip=...'."),
                   inv->name);
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, count, error))
    return FALSE;
  if (*count == 0 || *count > MAX_STEPS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The step count must be 1 to %u, not %" G_GUINT64_FORMAT "."), MAX_STEPS,
                   *count);
      return FALSE;
    }
  return TRUE;
}

/* The instruction at @address: its length and how it goes on (p steps
 * over calls, pt stops at returns, tc at calls). FALSE with @error when
 * it cannot be read or decoded. */
static gboolean
decode_at (KdhTarget          *target,
           guint64             address,
           gsize              *length,
           KdhInstructionFlow *flow,
           GError            **error)
{
  guint8 code[16];
  gsize got = 0;
  g_autoptr (GArray) insns = NULL;
  const KdhInstruction *insn;

  if (!kdh_target_read_virtual (target, address, code, sizeof code, &got, error))
    return FALSE;
  insns = kdh_disasm_decode (kdh_target_get_machine (target), address, code, sizeof code, got, 1,
                             NULL, NULL);
  insn = insns->len > 0 ? &g_array_index (insns, KdhInstruction, 0) : NULL;
  if (insn == NULL || !insn->valid)
    {
      g_autofree gchar *where = kdh_commands_format_address (target, address);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The instruction at %s cannot be decoded; it cannot be stepped over."),
                   where);
      return FALSE;
    }
  *length = insn->length;
  *flow = insn->flow;
  return TRUE;
}

static gboolean
cmd_step (KdhCommandCall *inv,
          gpointer        data,
          GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  gboolean over = inv->name[0] == 'p';
  guint64 count;

  if (target == NULL || !parse_count (inv, target, &count, error))
    return FALSE;
  for (guint64 i = 0; i < count; i++)
    {
      KdhStepResult result;
      KdhInstructionFlow flow = KDH_FLOW_NEXT;
      gboolean ok;
      gsize length = 0;

      if (over && !decode_at (target, kdh_target_get_stop (target)->program_counter, &length,
                              &flow, error))
        return FALSE;
      if (flow == KDH_FLOW_CALL)
        ok = kdh_session_run_to (s, kdh_target_get_stop (target)->program_counter + length,
                                 current_sp (target), TRUE, &result, error);
      else
        ok = kdh_session_trace (s, &result, error);
      if (!ok)
        return FALSE;
      if (result == KDH_STEP_RUNNING)
        {
          say (inv, "%s", _("The target is still running the call; it is shown when it "
                            "stops.\n"));
          return TRUE;
        }
      if (result == KDH_STEP_STOPPED_ELSEWHERE)
        return TRUE;
      if (!show_step (inv, target, error))
        return FALSE;
    }
  return TRUE;
}

/* pt: step over calls up to the next return; tc: trace up to the next
 * call. Each is a run of single steps, shown at the end only. */
#define MAX_STEP_TO 10000

static gboolean
cmd_step_to (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  gboolean to_return = inv->name[0] == 'p';

  if (target == NULL)
    return FALSE;
  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s takes no arguments here, not '%s'."), inv->name, inv->args);
      return FALSE;
    }
  for (guint i = 0; i < MAX_STEP_TO; i++)
    {
      const KdhStateChange *stop = kdh_target_get_stop (target);
      gsize length = 0;
      KdhInstructionFlow flow = KDH_FLOW_NEXT;
      KdhStepResult result;
      gboolean ok;

      if (!decode_at (target, stop->program_counter, &length, &flow, error))
        return FALSE;
      /* Where it is to stop: on the return (pt) or the call (tc), after at
       * least one step. */
      if (i > 0 && flow == (to_return ? KDH_FLOW_RETURN : KDH_FLOW_CALL))
        return show_step (inv, target, error);
      if (to_return && flow == KDH_FLOW_CALL)
        ok = kdh_session_run_to (s, stop->program_counter + length, current_sp (target), TRUE,
                                 &result, error);
      else
        ok = kdh_session_trace (s, &result, error);
      if (!ok)
        return FALSE;
      if (result == KDH_STEP_RUNNING)
        {
          say (inv, "%s", _("The target is still running a call; it is shown when it "
                            "stops.\n"));
          return TRUE;
        }
      if (result == KDH_STEP_STOPPED_ELSEWHERE)
        return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("No %s within %u instructions; stopped here."),
               to_return ? "return" : "call", MAX_STEP_TO);
  show_step (inv, target, NULL);
  return FALSE;
}

static gboolean
cmd_go (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  KdhExprScope scope;
  KdhStepResult result;
  guint64 address;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    return kdh_session_go (s, error);
  if (*inv->args == '=')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("'g =ADDRESS' (start elsewhere) is not supported; set rip with "
                     "'r rip=...' and use 'g'."));
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &address, error))
    return FALSE;
  return kdh_session_run_to (s, address, 0, FALSE, &result, error);
}

void
kdh_commands_add_exec (KdhCommands *c)
{
  kdh_commands_add (c, "g", "g [ADDR]          go: let the target run (to ADDR)", cmd_go, NULL,
                    NULL);
  kdh_commands_add (c, "p", "p [N]             step over calls (N instructions)", cmd_step, NULL,
                    NULL);
  kdh_commands_add (c, "t", "t [N]             trace into calls (N instructions)", cmd_step, NULL,
                    NULL);
  kdh_commands_add (c, "pt", "pt                step to the next return", cmd_step_to, NULL, NULL);
  kdh_commands_add (c, "tc", "tc                trace to the next call", cmd_step_to, NULL, NULL);
}
