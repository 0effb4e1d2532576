/* kdh-commands-stack.c: k, kb, kn, kv, .frame, gu and ~N
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The text is made from the session's stack (target/kdh-stack.h), the
 * same frames a view of the window would show.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kd/kdh-context.h"
#include "kdh-disasm.h"
#include "symbols/kdh-pdb-types.h"
#include "target/kdh-target-symbols.h"
#include "target/kdh-exec.h"
#include "target/kdh-stack.h"

#define say kdh_command_call_print

/* KD's default frame count. */
#define DEFAULT_FRAMES 20

/* The context's registers in KdhUnwindRegs order. */
static const gchar *const amd64_names[KDH_UNWIND_N_REGS] = {
  "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
};
static const gchar *const x86_names[KDH_UNWIND_N_REGS] = {
  "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "eip",
};

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

/* kp's call site where the PDB has the procedure's type but not its
 * parameters' records: "kdhtest!KdhTestTick(unsigned int, unsigned
 * __int64)+0x1c"; a function without a type keeps the plain call site. */
static gchar *
call_site_with_types (KdhTarget *target,
                      guint64    address)
{
  g_autofree gchar *site = call_site (target, address);
  KdhModule *m = kdh_target_module_at (target, address);
  KdhPdb *pdb = m != NULL ? kdh_target_get_pdb (target, m) : NULL;
  const KdhPdbSymbol *sym;
  g_autofree gchar *args = NULL;
  const gchar *bang, *plus;

  if (pdb == NULL || !kdh_pdb_load_types (pdb, NULL))
    return g_steal_pointer (&site);
  sym = kdh_pdb_lookup_address (pdb, (guint32) (address - m->base), NULL);
  if (sym == NULL || sym->kind != KDH_PDB_FUNCTION || sym->type_index == 0)
    return g_steal_pointer (&site);
  args = kdh_pdb_procedure_arguments (pdb, sym->type_index);
  bang = strchr (site, '!');
  if (args == NULL || bang == NULL || strncmp (bang + 1, sym->name, strlen (sym->name)) != 0)
    return g_steal_pointer (&site);
  plus = bang + 1 + strlen (sym->name);
  return g_strdup_printf ("%.*s%s%s", (int) (plus - site), site, args, plus);
}

/* "", "L 5", "L5", "5": how many frames. */
static gboolean
parse_frame_count (KdhCommandCall *inv,
                   KdhTarget      *target,
                   guint64        *count,
                   GError        **error)
{
  const gchar *p = inv->args;
  KdhExprScope scope;

  *count = DEFAULT_FRAMES;
  if (*p == '\0')
    return TRUE;
  if (*p == 'L' || *p == 'l')
    {
      p++;
      while (*p == ' ')
        p++;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (p, &scope, count, error))
    return FALSE;
  if (*count == 0 || *count > KDH_STACK_MAX_FRAMES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The frame count must be 1 to %u, not %" G_GUINT64_FORMAT "."),
                   KDH_STACK_MAX_FRAMES, *count);
      return FALSE;
    }
  return TRUE;
}

static void
print_frame (KdhCommandCall      *inv,
             KdhTarget           *target,
             const GArray        *frames,
             guint                number,
             const KdhStackFrame *f,
             gboolean             numbers,
             gboolean             args,
             gboolean             verbose,
             gboolean             typed)
{
  g_autofree gchar *sp = kdh_commands_format_address (target, f->child_sp);
  g_autofree gchar *ret = f->unexplained ? g_strdup ("????????`????????")
                                         : kdh_commands_format_address (target, f->return_address);
  g_autofree gchar *site = !typed ? call_site (target, f->instruction) : NULL;
  g_autoptr (GString) line = g_string_new (NULL);

  /* kp: with the parameters' names and values where the PDB places them,
   * else with their types. */
  if (site == NULL)
    site = kdh_commands_kp_site (target, frames, number);
  if (site == NULL)
    site = call_site_with_types (target, f->instruction);

  if (numbers)
    g_string_append_printf (line, "%02x ", number);
  if (kdh_target_get_machine (target) == KDH_MACHINE_I386)
    {
      /* KD's x86 columns: the frame's EBP, the return address and three
       * arguments. */
      g_string_append_printf (line, "%08x ", (guint32) f->regs.r[KDH_UNWIND_RBP]);
      g_string_append (line, f->unexplained ? "????????" : "");
      if (!f->unexplained)
        g_string_append_printf (line, "%08x", (guint32) f->return_address);
      if (args)
        for (guint i = 0; i < 3; i++)
          g_string_append_printf (line, " %08x", (guint32) f->args[i]);
      g_string_append_printf (line, " %s", site);
      if (f->unexplained)
        g_string_append (line, _("  <- no frame pointer chain explains the caller; the stack "
                                 "shown ends here"));
      say (inv, "%s\n", line->str);
      return;
    }
  g_string_append_printf (line, "%s %s    ", sp, ret);
  if (args)
    {
      g_string_append (line, " :");
      for (guint i = 0; i < 4; i++)
        {
          g_autofree gchar *a = kdh_commands_format_address (target, f->args[i]);

          g_string_append_printf (line, " %s", a);
        }
      g_string_append (line, " :");
    }
  g_string_append_printf (line, " %s", site);
  if (verbose && f->trap_frame)
    g_string_append (line, " (interrupt or trap frame below)");
  if (f->unexplained)
    g_string_append (line, _("  <- no unwind data explains the caller; the stack shown ends here"));
  say (inv, "%s\n", line->str);
}

static gboolean
cmd_k (KdhCommandCall *inv,
       gpointer        data,
       GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  const gchar *name = inv->name;
  gboolean numbers = strchr (name + 1, 'n') != NULL;
  gboolean args = strchr (name + 1, 'b') != NULL || strchr (name + 1, 'v') != NULL;
  gboolean verbose = strchr (name + 1, 'v') != NULL;
  gboolean typed = strchr (name + 1, 'p') != NULL;
  const GArray *frames;
  guint64 count;

  if (target == NULL || !parse_frame_count (inv, target, &count, error))
    return FALSE;
  frames = kdh_session_get_stack (inv->commands->session, kdh_target_get_cpu (target), error);
  if (frames == NULL)
    return FALSE;
  if (kdh_target_get_machine (target) == KDH_MACHINE_I386)
    say (inv, "%sChildEBP RetAddr  %s\n", numbers ? " # " : "", args ? "Args to Child" : "");
  else if (args)
    say (inv, "%sChild-SP          RetAddr               : Args to Child                         "
         "                                  : Call Site\n", numbers ? " # " : "");
  else
    say (inv, "%sChild-SP          RetAddr               Call Site\n", numbers ? " # " : "");
  for (guint i = 0; i < frames->len && i < count; i++)
    print_frame (inv, target, frames, i, &g_array_index (frames, KdhStackFrame, i), numbers, args,
                 verbose, typed);
  return TRUE;
}

static gboolean
cmd_frame (KdhCommandCall *inv,
           gpointer        data,
           GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  const gchar *p = inv->args;
  gboolean registers = FALSE;
  const GArray *frames;
  const KdhStackFrame *f;
  KdhExprScope scope;
  guint64 n;

  if (target == NULL)
    return FALSE;
  if (g_str_has_prefix (p, "/r"))
    {
      registers = TRUE;
      p += 2;
      while (*p == ' ')
        p++;
    }
  frames = kdh_session_get_stack (s, kdh_target_get_cpu (target), error);
  if (frames == NULL)
    return FALSE;
  n = kdh_session_get_frame (s);
  if (*p != '\0')
    {
      kdh_commands_init_scope (&scope, target);
      if (!kdh_expr_evaluate (p, &scope, &n, error))
        return FALSE;
    }
  if (n >= frames->len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Frame %" G_GINT64_MODIFIER "x is not on the stack (k shows frames 0 to %x)."),
                   n, frames->len - 1);
      return FALSE;
    }
  kdh_session_set_frame (s, (guint) n);
  f = &g_array_index (frames, KdhStackFrame, n);
  print_frame (inv, target, frames, (guint) n, f, TRUE, FALSE, FALSE, FALSE);
  if (registers)
    {
      g_autoptr (GBytes) context = kdh_commands_scope_context (inv, target, NULL, error);
      g_autofree gchar *text = NULL;
      gsize len;
      const guint8 *bytes;

      if (context == NULL)
        return FALSE;
      bytes = g_bytes_get_data (context, &len);
      text = kdh_context_format (bytes, len, kdh_target_get_machine (target));
      say (inv, "%s", text);
    }
  return TRUE;
}

GBytes *
kdh_commands_scope_context (KdhCommandCall *inv,
                            KdhTarget      *target,
                            guint          *frame,
                            GError        **error)
{
  KdhSession *s = inv->commands->session;
  g_autoptr (GBytes) context = kdh_target_get_context (target, kdh_target_get_cpu (target),
                                                       error);
  const GArray *frames;
  const KdhStackFrame *f;
  guint n = s != NULL ? kdh_session_get_frame (s) : 0;
  guint8 *copy;
  gsize len;

  if (frame != NULL)
    *frame = 0;
  if (context == NULL || n == 0)
    return g_steal_pointer (&context);
  frames = kdh_session_get_stack (s, kdh_target_get_cpu (target), error);
  if (frames == NULL)
    return NULL;
  if (n >= frames->len)
    return g_steal_pointer (&context);
  if (frame != NULL)
    *frame = n;
  f = &g_array_index (frames, KdhStackFrame, n);
  copy = g_bytes_unref_to_data (g_steal_pointer (&context), &len);
  /* The frame's registers over the processor's: volatile ones a caller
   * does not get back are shown as the unwinder left them. */
  for (guint i = 0; i < KDH_UNWIND_N_REGS; i++)
    {
      const gchar *name = kdh_target_get_machine (target) == KDH_MACHINE_I386 ? x86_names[i]
                                                                              : amd64_names[i];
      const KdhRegisterInfo *reg = name ? kdh_context_find_register (kdh_target_get_machine (target),
                                                                     name) : NULL;

      if (reg != NULL)
        kdh_context_set (copy, len, reg, f->regs.r[i]);
    }
  return g_bytes_new_take (copy, len);
}

void
kdh_commands_show_scope_location (KdhCommandCall *inv,
                                  KdhTarget      *target,
                                  GBytes         *context)
{
  guint16 machine = kdh_target_get_machine (target);
  const KdhRegisterInfo *pc = kdh_context_find_register (machine,
                                                         machine == KDH_MACHINE_I386 ? "eip"
                                                                                     : "rip");
  g_autofree gchar *symbol = NULL;
  g_autofree gchar *line = NULL;
  guint8 code[16];
  gsize code_len = 0;
  guint64 ip;

  if (pc == NULL || !kdh_context_get (g_bytes_get_data (context, NULL),
                                      g_bytes_get_size (context), pc, &ip))
    return;
  symbol = kdh_target_symbolize (target, ip);
  if (symbol != NULL)
    say (inv, "%s:\n", symbol);
  if (!kdh_target_read_virtual (target, ip, code, sizeof code, &code_len, NULL))
    code_len = 0;
  line = kdh_disasm_format_line (machine, ip, code, code_len, kdh_target_is_ptr64 (target));
  say (inv, "%s\n", line);
}

static gboolean
cmd_gu (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  const GArray *frames;
  const KdhStackFrame *f;
  KdhStepResult result;

  if (target == NULL)
    return FALSE;
  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("gu takes no arguments, not '%s'."), inv->args);
      return FALSE;
    }
  frames = kdh_session_get_stack (s, kdh_target_get_cpu (target), error);
  if (frames == NULL)
    return FALSE;
  f = &g_array_index (frames, KdhStackFrame, 0);
  if (f->unexplained || f->return_address == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The return address of the current function is not known (its "
                             "frame cannot be unwound); gu would not stop."));
      return FALSE;
    }
  /* Returned, rsp is the caller's: above the return address. */
  if (!kdh_session_run_to (s, f->return_address, f->child_sp + 8, TRUE, &result, error))
    return FALSE;
  if (result == KDH_STEP_RUNNING)
    {
      say (inv, "%s", _("The function has not returned yet; the stop is shown when it comes.\n"));
      return TRUE;
    }
  if (result == KDH_STEP_DONE)
    kdh_commands_show_location (inv->commands, target);
  return TRUE;
}

/* "~1": the processor the commands work on. */
static gboolean
cmd_processor (KdhCommandCall *inv,
               gpointer        data,
               GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  const gchar *text = inv->name + 1;
  g_autofree gchar *all = NULL;
  gchar *end = NULL;
  guint64 cpu;

  if (target == NULL)
    return FALSE;
  all = g_strconcat (text, inv->args, NULL);
  g_strstrip (all);
  if (*all == '\0')
    {
      say (inv, "%u\n", kdh_target_get_cpu (target));
      return TRUE;
    }
  cpu = g_ascii_strtoull (all, &end, 16);
  if (end == all || *end != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("~ takes a processor number, not '%s'."), all);
      return FALSE;
    }
  if (cpu >= kdh_target_get_n_cpus (target))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("There is no processor %" G_GINT64_MODIFIER "x: the target has %u."), cpu,
                   kdh_target_get_n_cpus (target));
      return FALSE;
    }
  if (cpu == kdh_target_get_cpu (target))
    return TRUE;
  return kdh_session_switch_processor (inv->commands->session, (guint) cpu, error);
}

void
kdh_commands_add_stack (KdhCommands *c)
{
  static const gchar *const k_names[] = { "k", "kb", "kn", "kv", "kbn", "knb", "kvn", "knv",
                                          "kp", "kpn", "knp" };

  for (guint i = 0; i < G_N_ELEMENTS (k_names); i++)
    kdh_commands_add (c, k_names[i],
                      i == 0 ? "k[b|n|v|p] [L n]   the call stack (b: arguments, n: numbers, "
                               "p: parameters, with values where known)"
                             : NULL, cmd_k, NULL, NULL);
  kdh_commands_add (c, ".frame", ".frame [/r] [N]   choose a stack frame (/r: its registers)",
                    cmd_frame, NULL, NULL);
  kdh_commands_add (c, "gu", "gu                go up: run until the function returns", cmd_gu,
                    NULL, NULL);
  kdh_commands_add (c, "~", "~N                switch to processor N", cmd_processor, NULL, NULL);
}
