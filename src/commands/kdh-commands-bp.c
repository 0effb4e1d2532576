/* kdh-commands-bp.c: bp, bu, bm, ba, bl, bc, bd, be
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The breakpoints are the engine's table (target/kdh-breakpoints.h): these
 * commands only edit it; the session writes them into the target when it
 * runs (target/kdh-exec.h).
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-front-end-keys.h"
#include "kd/kdh-dbgkd.h"
#include "target/kdh-exec.h"

#define say kdh_command_call_print

/* "ADDR" or "ADDR \"commands\"": the address part and the commands. */
static gboolean
split_commands (const gchar  *args,
                gchar       **address,
                gchar       **commands,
                GError      **error)
{
  const gchar *quote = strchr (args, '"');
  const gchar *end;

  *commands = NULL;
  if (quote == NULL)
    {
      *address = g_strstrip (g_strdup (args));
      return TRUE;
    }
  end = strrchr (quote + 1, '"');
  if (end == NULL || end[1] != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The breakpoint's commands must be one quoted string at the end: %s"), args);
      return FALSE;
    }
  *address = g_strstrip (g_strndup (args, (gsize) (quote - args)));
  *commands = g_strndup (quote + 1, (gsize) (end - quote - 1));
  return TRUE;
}

/* A crash dump does not run: breakpoints in it would never be hit. */
static KdhTarget *
need_live_target (KdhCommandCall *inv,
                  GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);

  if (target != NULL && kdh_session_get_dump_header (inv->commands->session) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Cannot set breakpoints: this is a crash dump, not a live target."));
      return NULL;
    }
  return target;
}

static void
describe_set (KdhCommandCall *inv,
              KdhTarget      *target,
              KdhBreakpoint  *bp)
{
  g_autofree gchar *where = kdh_commands_format_address (target, bp->address);
  g_autofree gchar *symbol = kdh_target_symbolize (target, bp->address);

  say (inv, "Breakpoint %x set at %s%s%s%s\n", bp->id, where, symbol ? " (" : "",
       symbol ? symbol : "", symbol ? ")" : "");
}

/* The same kind of breakpoint at the same place is redefined, as KD does. */
static KdhBreakpoint *
find_same (KdhBreakpoints   *bps,
           KdhBreakpointKind kind,
           guint64           address,
           const gchar      *expression)
{
  GPtrArray *list = kdh_breakpoints_list (bps);

  for (guint i = 0; i < list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (list, i);

      if (bp->kind != kind)
        continue;
      if (expression != NULL
          ? (bp->deferred && g_ascii_strcasecmp (bp->expression, expression) == 0)
          : (!bp->deferred && bp->address == address))
        return bp;
    }
  return NULL;
}

static gboolean
check_readable (KdhTarget *target,
                guint64    address,
                GError   **error)
{
  guint8 byte;
  gsize got = 0;

  if (!kdh_target_read_virtual (target, address, &byte, 1, &got, error))
    return FALSE;
  if (got != 1)
    {
      g_autofree gchar *where = kdh_commands_format_address (target, address);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unable to set a breakpoint at %s: the memory cannot be read."), where);
      return FALSE;
    }
  return TRUE;
}

static gboolean
cmd_bp (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  KdhTarget *target = need_live_target (inv, error);
  gboolean deferred = inv->name[1] == 'u';
  g_autofree gchar *expression = NULL, *commands = NULL;
  KdhBreakpoints *bps;
  KdhBreakpoint *bp;
  KdhExprScope scope;
  guint64 address = 0;
  gboolean known;

  if (target == NULL)
    return FALSE;
  bps = kdh_session_get_breakpoints (inv->commands->session);
  if (!split_commands (inv->args, &expression, &commands, error))
    return FALSE;
  if (*expression == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s needs an address, e.g. '%s kdhtest!KdhTestTick'."), inv->name, inv->name);
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  known = kdh_expr_evaluate (expression, &scope, &address, deferred ? NULL : error);
  if (!known && !deferred)
    return FALSE;
  if (known && !check_readable (target, address, deferred ? NULL : error))
    {
      if (!deferred)
        return FALSE;
      known = FALSE;
    }
  if (deferred && strchr (expression, '!') == NULL && !known)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("bu needs a symbol as module!name for a module not loaded yet, not '%s'."),
                   expression);
      return FALSE;
    }
  bp = find_same (bps, KDH_BREAKPOINT_SOFTWARE, address, deferred ? expression : NULL);
  if (bp != NULL)
    say (inv, "breakpoint %x redefined\n", bp->id);
  else
    bp = kdh_breakpoints_add (bps, KDH_BREAKPOINT_SOFTWARE);
  g_free (bp->command);
  bp->command = g_steal_pointer (&commands);
  g_free (bp->expression);
  bp->expression = g_strdup (expression);
  bp->enabled = TRUE;
  bp->deferred = deferred;
  bp->resolved = known;
  bp->address = address;
  if (known)
    describe_set (inv, target, bp);
  else
    say (inv, "Breakpoint %x deferred until %s can be resolved\n", bp->id, expression);
  return TRUE;
}

static gboolean
cmd_bm (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  KdhTarget *target = need_live_target (inv, error);
  g_autofree gchar *pattern_text = NULL, *commands = NULL;
  g_autoptr (GPatternSpec) pattern = NULL;
  KdhBreakpoints *bps;
  GPtrArray *modules;
  const gchar *bang;
  guint matched = 0;

  if (target == NULL)
    return FALSE;
  bps = kdh_session_get_breakpoints (inv->commands->session);
  if (!split_commands (inv->args, &pattern_text, &commands, error))
    return FALSE;
  bang = strchr (pattern_text, '!');
  if (bang == NULL || bang == pattern_text || bang[1] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("bm needs module!pattern, e.g. 'bm kdhtest!KdhTest*', not '%s'."),
                   pattern_text);
      return FALSE;
    }
  if (!kdh_target_ensure_modules (target, error))
    return FALSE;
  {
    g_autofree gchar *lower = g_ascii_strdown (bang + 1, -1);

    pattern = g_pattern_spec_new (lower);
  }
  modules = kdh_target_get_modules (target);
  for (guint m = 0; m < modules->len; m++)
    {
      KdhModule *mod = g_ptr_array_index (modules, m);
      g_autofree gchar *mod_pattern = g_ascii_strdown (pattern_text, bang - pattern_text);
      g_autofree gchar *short_name = g_ascii_strdown (mod->short_name, -1);

      if (!g_pattern_match_simple (mod_pattern, short_name))
        continue;
      if (!kdh_target_ensure_exports (target, mod, error))
        return FALSE;
      for (guint e = 0; e < mod->exports->len; e++)
        {
          const KdhExport *ex = &g_array_index (mod->exports, KdhExport, e);
          g_autofree gchar *lower = g_ascii_strdown (ex->name, -1);
          g_autofree gchar *where = NULL;
          KdhBreakpoint *bp;

          if (!g_pattern_spec_match_string (pattern, lower))
            continue;
          bp = find_same (bps, KDH_BREAKPOINT_SOFTWARE, ex->address, NULL);
          if (bp == NULL)
            bp = kdh_breakpoints_add (bps, KDH_BREAKPOINT_SOFTWARE);
          bp->address = ex->address;
          bp->enabled = TRUE;
          g_free (bp->expression);
          bp->expression = g_strdup_printf ("%s!%s", mod->short_name, ex->name);
          g_free (bp->command);
          bp->command = g_strdup (commands);
          where = kdh_commands_format_address (target, ex->address);
          say (inv, "%4x: %s @!\"%s\"\n", bp->id, where, bp->expression);
          matched++;
        }
    }
  if (matched == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No matching code symbols found, no breakpoints set: %s"), pattern_text);
      return FALSE;
    }
  return TRUE;
}

/* "ba w8 ADDR", "ba w 8 ADDR". */
static gboolean
cmd_ba (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  KdhTarget *target = need_live_target (inv, error);
  g_autofree gchar *address_text = NULL, *commands = NULL;
  const gchar *p;
  gchar access;
  guint64 size, address;
  gchar *end = NULL;
  KdhBreakpoints *bps;
  KdhBreakpoint *bp;
  KdhExprScope scope;

  if (target == NULL)
    return FALSE;
  if (kdh_target_get_machine (target) != KDH_MACHINE_AMD64)
    {
      /* The debug registers are written where x64's KSPECIAL_REGISTERS
       * keeps them. */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("ba is supported on x64 targets only so far."));
      return FALSE;
    }
  bps = kdh_session_get_breakpoints (inv->commands->session);
  p = inv->args;
  access = g_ascii_tolower (*p);
  if (*p == '\0' || strchr ("erwi", access) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("ba needs an access type e, r, w or i, a size 1, 2, 4 or 8 and an "
                     "address, e.g. 'ba w8 kdhtest!KdhTestTickCount'."));
      return FALSE;
    }
  p++;
  while (*p == ' ')
    p++;
  size = g_ascii_strtoull (p, &end, 10);
  if (end == p || (size != 1 && size != 2 && size != 4 && size != 8)
      || (*end != ' ' && *end != '\0'))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The size of a data breakpoint must be 1, 2, 4 or 8: '%s'."), inv->args);
      return FALSE;
    }
  if (access == 'e' && size != 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("An execute breakpoint (ba e) has size 1."));
      return FALSE;
    }
  if (!split_commands (end, &address_text, &commands, error))
    return FALSE;
  kdh_commands_init_scope (&scope, target);
  if (*address_text == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("ba needs an address after the access and size."));
      return FALSE;
    }
  if (!kdh_expr_evaluate (address_text, &scope, &address, error))
    return FALSE;
  if (address % size != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Data breakpoint must be aligned: %" G_GINT64_MODIFIER "x is not a "
                     "multiple of %" G_GUINT64_FORMAT "."), address, size);
      return FALSE;
    }
  bp = find_same (bps, KDH_BREAKPOINT_HARDWARE, address, NULL);
  if (kdh_breakpoints_count_hardware (bps, bp) >= KDH_BREAKPOINT_MAX_HARDWARE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("Too many data breakpoints: the processor has %u debug registers, all in "
                     "use (bl lists them; bd or bc frees one)."), KDH_BREAKPOINT_MAX_HARDWARE);
      return FALSE;
    }
  if (bp != NULL)
    say (inv, "breakpoint %x redefined\n", bp->id);
  else
    bp = kdh_breakpoints_add (bps, KDH_BREAKPOINT_HARDWARE);
  bp->address = address;
  bp->access = access;
  bp->size = (guint) size;
  bp->enabled = TRUE;
  g_free (bp->expression);
  bp->expression = g_strdup (address_text);
  g_free (bp->command);
  bp->command = g_steal_pointer (&commands);
  describe_set (inv, target, bp);
  return TRUE;
}

static gboolean
cmd_bl (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);
  KdhTarget *target;
  GPtrArray *list;
  g_autoptr (GArray) ids = NULL;

  if (s == NULL)
    return FALSE;
  target = kdh_session_get_target (s);
  list = kdh_breakpoints_list (kdh_session_get_breakpoints (s));
  if (*inv->args != '\0')
    {
      ids = kdh_breakpoints_parse_list (kdh_session_get_breakpoints (s), inv->args, error);
      if (ids == NULL)
        return FALSE;
    }
  for (guint i = 0; i < list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (list, i);
      g_autofree gchar *where = NULL, *symbol = NULL, *kind = NULL;
      gboolean listed = ids == NULL;

      for (guint j = 0; ids != NULL && j < ids->len && !listed; j++)
        listed = g_array_index (ids, guint, j) == bp->id;
      if (!listed)
        continue;
      if (bp->deferred && !bp->resolved)
        {
          say (inv, "%2x %cu                   0001 (0001) (%s)%s%s%s\n", bp->id,
               bp->enabled ? 'e' : 'd', bp->expression, bp->command ? " \"" : "",
               bp->command ? bp->command : "", bp->command ? "\"" : "");
          continue;
        }
      where = kdh_commands_format_address (target, bp->address);
      symbol = target != NULL && kdh_session_get_state (s) == KDH_CONN_BREAK
               ? kdh_target_symbolize (target, bp->address) : NULL;
      kind = bp->kind == KDH_BREAKPOINT_HARDWARE ? g_strdup_printf (" %c %u", bp->access, bp->size)
                                                 : g_strdup ("    ");
      say (inv, "%2x %c %s%s 0001 (0001) %s%s%s%s\n", bp->id, bp->enabled ? 'e' : 'd', where,
           kind, symbol ? symbol : "",
           bp->command ? " \"" : "", bp->command ? bp->command : "", bp->command ? "\"" : "");
    }
  return TRUE;
}

/* bc, bd, be: the breakpoints named by a list. */
static gboolean
cmd_bc_bd_be (KdhCommandCall *inv,
              gpointer        data,
              GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);
  KdhBreakpoints *bps;
  g_autoptr (GArray) ids = NULL;
  gchar what = inv->name[1];

  if (s == NULL)
    return FALSE;
  if (kdh_session_get_state (s) == KDH_CONN_RUNNING)
    {
      /* Our breakpoints are in the running target's memory. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("The target is running; break in first (%s)."),
                   kdh_front_end_key_name (KDH_FRONT_END_KEY_BREAK));
      return FALSE;
    }
  bps = kdh_session_get_breakpoints (s);
  if (*inv->args == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s needs breakpoints to %s: numbers as bl lists them, ranges (1-3) or "
                     "'*'."), inv->name,
                   what == 'c' ? _("clear") : what == 'd' ? _("disable") : _("enable"));
      return FALSE;
    }
  ids = kdh_breakpoints_parse_list (bps, inv->args, error);
  if (ids == NULL)
    return FALSE;
  if (what == 'e')
    {
      /* Enabling data breakpoints must not ask for a fifth debug register. */
      guint hardware = kdh_breakpoints_count_hardware (bps, NULL);

      for (guint i = 0; i < ids->len; i++)
        {
          KdhBreakpoint *bp = kdh_breakpoints_get (bps, g_array_index (ids, guint, i));

          hardware += bp->kind == KDH_BREAKPOINT_HARDWARE && !bp->enabled;
        }
      if (hardware > KDH_BREAKPOINT_MAX_HARDWARE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                       _("Too many data breakpoints: enabling these would need %u debug "
                         "registers; the processor has %u."), hardware,
                       KDH_BREAKPOINT_MAX_HARDWARE);
          return FALSE;
        }
    }
  for (guint i = 0; i < ids->len; i++)
    {
      guint id = g_array_index (ids, guint, i);

      if (what == 'c')
        {
          kdh_breakpoints_remove (bps, id);
          say (inv, "Breakpoint %x cleared\n", id);
        }
      else
        kdh_breakpoints_get (bps, id)->enabled = what == 'e';
    }
  return TRUE;
}

void
kdh_commands_add_breakpoints (KdhCommands *c)
{
  kdh_commands_add (c, "ba", "ba e|r|w|i 1|2|4|8 ADDR   data breakpoint (debug registers)",
                    cmd_ba, NULL, NULL);
  kdh_commands_add (c, "bc", "bc LIST           clear breakpoints (N, N-M, *)", cmd_bc_bd_be,
                    NULL, NULL);
  kdh_commands_add (c, "bd", "bd LIST           disable breakpoints", cmd_bc_bd_be, NULL, NULL);
  kdh_commands_add (c, "be", "be LIST           enable breakpoints", cmd_bc_bd_be, NULL, NULL);
  kdh_commands_add (c, "bl", "bl [LIST]         list breakpoints", cmd_bl, NULL, NULL);
  kdh_commands_add (c, "bm", "bm MOD!PATTERN    breakpoints on matching symbols", cmd_bm, NULL,
                    NULL);
  kdh_commands_add (c, "bp", "bp ADDR [\"CMDS\"]  set a breakpoint", cmd_bp, NULL, NULL);
  kdh_commands_add (c, "bu", "bu MOD!SYM        breakpoint deferred until the module loads",
                    cmd_bp, NULL, NULL);
}
