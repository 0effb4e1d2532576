/* kdh-commands-builtin.c: the KD commands that work on the target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each takes what KD takes; what is not supported yet is refused with a
 * message that says so, never silently ignored.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kd/kdh-context.h"
#include "kdh-dump.h"

/* WinDbg refuses ranges over 256 MB unless L? is used. */
#define MAX_DUMP_BYTES (256u * 1024 * 1024)

#define say kdh_command_call_print

/* ---- Commands ---------------------------------------------------------- */

static gboolean
cmd_echo (KdhCommandCall *inv,
          gpointer        data,
          GError        **error)
{
  const gchar *text = inv->args;
  gsize len = strlen (text);

  /* .echo "String": the quotes let it hold semicolons and are not shown. */
  if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
    say (inv, "%.*s\n", (int) (len - 2), text + 1);
  else
    say (inv, "%s\n", text);
  return TRUE;
}

static gboolean
cmd_evaluate (KdhCommandCall *inv,
              gpointer        data,
              GError        **error)
{
  KdhSession *s = inv->commands->session;
  KdhTarget *target = s && kdh_session_get_state (s) == KDH_CONN_BREAK
                      ? kdh_session_get_target (s) : NULL;
  KdhExprScope scope;
  guint64 value;

  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &value, error))
    return FALSE;
  say (inv, "Evaluate expression: %" G_GINT64_FORMAT " = %08x`%08x\n", (gint64) value,
       (guint32) (value >> 32), (guint32) value);
  return TRUE;
}

static gboolean
cmd_vertarget (KdhCommandCall *inv,
               gpointer        data,
               GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);
  KdhTarget *target;
  const KdhVersion *v;
  g_autofree gchar *kernbase = NULL, *modlist = NULL, *ddl = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *when = NULL;

  if (s == NULL)
    return FALSE;
  target = kdh_session_get_target (s);
  if (kdh_session_get_state (s) == KDH_CONN_BREAK && !kdh_target_ensure_version (target, error))
    return FALSE;
  v = kdh_target_get_version (target);
  if (v == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("The target's version is not known yet (no connection)."));
      return FALSE;
    }
  kernbase = kdh_commands_format_address (target, v->kern_base);
  modlist = kdh_commands_format_address (target, v->ps_loaded_module_list);
  ddl = kdh_commands_format_address (target, v->debugger_data_list);
  when = g_date_time_format (now, "%a %b %e %H:%M:%S %Y");
  say (inv, "%s Kernel Version %u %s (%u procs) %s %s\n", kdh_target_get_os_name (target),
       v->minor_version,
       (v->flags & KDH_VERS_FLAG_MP) ? "MP" : "UP", kdh_target_get_n_cpus (target),
       (v->major_version & 0xFF) == 0x0C ? "Checked" : "Free", kdh_machine_name (v->machine_type));
  {
    guint32 suite_mask;
    const gchar *product = kdh_windows_product_name (kdh_target_get_product (target, &suite_mask));
    g_autofree gchar *suites = kdh_windows_suite_names (suite_mask);

    if (product)
      say (inv, "Product: %s%s%s\n", product, *suites ? ", suite: " : "", suites);
    else
      say (inv, "%s", _("Product: unknown (the target does not say in KUSER_SHARED_DATA)\n"));
  }
  say (inv, "Kernel base = 0x%s PsLoadedModuleList = 0x%s\n", kernbase, modlist);
  say (inv, "Debugger data list = 0x%s\n", ddl);
  say (inv, "KD protocol %u, secondary version %u, flags 0x%04x%s%s%s%s\n", v->protocol_version,
       v->kd_secondary_version, v->flags, (v->flags & KDH_VERS_FLAG_MP) ? " MP" : "",
       (v->flags & KDH_VERS_FLAG_DATA) ? " DATA" : "", (v->flags & KDH_VERS_FLAG_PTR64) ? " PTR64" : "",
       (v->flags & KDH_VERS_FLAG_NOMM) ? " NOMM" : "");
  say (inv, "Machine type 0x%04x (%s), max packet type %u, max state change %u, "
       "max manipulate 0x%x\n", v->machine_type, kdh_machine_name (v->machine_type),
       v->max_packet_type, v->max_state_change, v->max_manipulate);
  say (inv, "Kernel connection: %s (%s)\n", kdh_session_describe_transport (s),
       kdh_conn_state_name (kdh_session_get_state (s)));
  say (inv, "Debug session time: %s\n", when);
  return TRUE;
}

static gboolean
cmd_registers (KdhCommandCall *inv,
               gpointer        data,
               GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  g_autoptr (GBytes) ctx = NULL;
  g_auto (GStrv) items = NULL;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_autofree gchar *text = NULL;
      gsize len;
      const guint8 *bytes;

      ctx = kdh_target_get_context (target, kdh_target_get_cpu (target), error);
      if (ctx == NULL)
        return FALSE;
      bytes = g_bytes_get_data (ctx, &len);
      text = kdh_context_format (bytes, len, kdh_target_get_machine (target));
      say (inv, "%s", text);
      kdh_commands_show_location (inv->commands, target);
      return TRUE;
    }

  /* r rax, r rax=expr, r rax, rbx */
  items = g_strsplit (inv->args, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      g_autofree gchar *item = g_strstrip (g_strdup (items[i]));
      gchar *eq = strchr (item, '=');
      const gchar *name;
      guint64 value;

      if (eq)
        *eq = '\0';
      name = g_strstrip (item);
      if (*name == '@')
        name++;
      if (eq)
        {
          KdhExprScope scope;

          kdh_commands_init_scope (&scope, target);
          if (!kdh_expr_evaluate (eq + 1, &scope, &value, error)
              || !kdh_target_set_register (target, name, value, error))
            return FALSE;
        }
      else
        {
          const KdhRegisterInfo *reg = kdh_context_find_register (kdh_target_get_machine (target),
                                                                  name);

          if (!kdh_target_get_register (target, name, &value, error))
            return FALSE;
          say (inv, "%s=%0*" G_GINT64_MODIFIER "x\n", name, reg ? reg->size * 2 : 16, value);
        }
    }
  return TRUE;
}

static guint
unit_size (gchar format)
{
  switch (format)
    {
    case 'w': return 2;
    case 'd': case 'c': return 4;
    case 'q': return 8;
    default: return 1;
    }
}

/* Dumps are read and shown a piece at a time, so that a long one (up to
 * MAX_DUMP_BYTES, as WinDbg allows) needs no more memory than a piece and
 * its output goes no faster than the front ends show it. A multiple of 16
 * bytes: every format's lines are 16 bytes, so the pieces join up. */
#define DUMP_PIECE_BYTES (64u * 1024)

static gboolean
dump (KdhCommandCall *inv,
      KdhTarget      *target,
      gchar           format,
      guint64         address,
      guint64         count,
      GError        **error)
{
  KdhCommands *c = inv->commands;
  guint unit = unit_size (format);
  gsize len = (gsize) (count * unit);
  g_autofree guint8 *bytes = g_malloc0 (MIN (MAX (len, 1), DUMP_PIECE_BYTES));
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean readable = TRUE;

  for (gsize done = 0; done < len || done == 0; )
    {
      gsize n = MIN (len - done, DUMP_PIECE_BYTES);
      gsize got = 0;

      if (done > 0 && !kdh_host_wait_for_front_ends (c->host, error))
        return FALSE;
      /* Past an unreadable byte the rest shows as unreadable, unread. */
      if (readable && !kdh_target_read_virtual (target, address + done, bytes, n, &got, error))
        return FALSE;
      readable = readable && got == n;
      g_string_truncate (out, 0);
      kdh_dump_format (out, address + done, bytes, n, got, format, kdh_target_is_ptr64 (target));
      kdh_host_output (c->host, KDH_OUTPUT_DEBUGGER, out->str);
      done += n;
      if (n == 0)
        break;
    }
  kdh_commands_remember_dump (c, format, address + len, count);
  return TRUE;
}

static gboolean
cmd_dump (KdhCommandCall *inv,
          gpointer        data,
          GError        **error)
{
  KdhCommands *c = inv->commands;
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  gchar format = inv->name[1];
  guint unit = unit_size (format);
  KdhExprScope scope;
  guint64 address, count;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      if (!c->dump_was_valid)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("%s needs an address, e.g. '%s nt L20'."), inv->name, inv->name);
          return FALSE;
        }
      return dump (inv, target, format, c->dump_next,
                   c->dump_format == format ? c->dump_count : 128 / unit, error);
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_parse_range (inv->args, &scope, unit, 128 / unit, MAX_DUMP_BYTES / unit, &address,
                             &count, error))
    return FALSE;
  return dump (inv, target, format, address, count, error);
}

static gboolean
cmd_go (KdhCommandCall *inv,
        gpointer        data,
        GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);

  if (s == NULL || kdh_commands_need_stopped (inv, error) == NULL)
    return FALSE;
  if (*inv->args != '\0')
    {
      /* "g ADDR" (run to ADDR) and "g =START" need a breakpoint that the
       * engine removes at the next stop; until it has one, say so rather
       * than let the target run past the address. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("'g %s' is not supported yet: g takes no address here. Set a breakpoint "
                     "('bp ADDR') and use 'g'."), inv->args);
      return FALSE;
    }
  return kdh_session_go (s, error);
}

static gboolean
cmd_restart (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhSession *s;

  if (inv->origin != NULL)
    {
      /* KD's rule: a debugging client cannot restart the server's
       * kernel connection. */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _(".restart is not allowed from a remote debugging client; "
                             "run it on the debugging server."));
      return FALSE;
    }
  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".restart takes no arguments, not '%s'."), inv->args);
      return FALSE;
    }
  s = kdh_commands_need_session (inv, error);
  return s != NULL && kdh_session_restart (s, error);
}

/* ---- lm ---------------------------------------------------------------- */

typedef struct {
  gchar *pattern;              /* m PATTERN: the module name, wildcards */
  gchar *image_pattern;        /* M PATTERN: the image name */
  gboolean have_address;       /* a ADDRESS: the module holding it */
  guint64 address;
  gboolean by_name;            /* sm: sorted by name (default: by address) */
  gboolean verbose;            /* v: image and symbol details */
} LmOptions;

static void
lm_options_clear (LmOptions *o)
{
  g_free (o->pattern);
  g_free (o->image_pattern);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LmOptions, lm_options_clear)

/* KD's syntax: lm [Options] [a Address] [m Pattern | M Pattern]. */
static gboolean
parse_lm (KdhCommandCall *inv,
          KdhTarget      *target,
          LmOptions      *o,
          GError        **error)
{
  g_auto (GStrv) words = NULL;
  guint i = 0;

  /* KD glues options to the name: lmv, lmvm PATTERN. */
  if (strcmp (inv->name, "lm") != 0)
    {
      g_autofree gchar *spaced = g_strdup_printf ("%s %s", inv->name[3] == 'm' ? "m" : "",
                                                  inv->args);

      o->verbose = TRUE;
      words = g_strsplit_set (spaced, " \t", -1);
    }
  else
    words = g_strsplit_set (inv->args, " \t", -1);
  for (i = 0; words[i]; i++)
    {
      const gchar *w = words[i];

      if (*w == '\0')
        continue;
      if (strcmp (w, "m") == 0 || strcmp (w, "M") == 0 || strcmp (w, "a") == 0)
        {
          const gchar *arg = NULL;

          while (words[i + 1] && *words[i + 1] == '\0')
            i++;
          arg = words[i + 1];
          if (arg == NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("lm %s needs %s after it."), w,
                           *w == 'a' ? _("an address") : _("a pattern"));
              return FALSE;
            }
          i++;
          if (*w == 'a')
            {
              KdhExprScope scope;

              kdh_commands_init_scope (&scope, target);
              if (!kdh_expr_evaluate (arg, &scope, &o->address, error))
                return FALSE;
              o->have_address = TRUE;
            }
          else if (*w == 'm')
            o->pattern = g_ascii_strdown (arg, -1);
          else
            o->image_pattern = g_ascii_strdown (arg, -1);
        }
      else if (strcmp (w, "sm") == 0)
        o->by_name = TRUE;
      else if (strcmp (w, "v") == 0)
        o->verbose = TRUE;
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("lm option '%s' is not supported yet (lm takes m PATTERN, M PATTERN, "
                         "a ADDRESS, sm and v)."), w);
          return FALSE;
        }
    }
  return TRUE;
}

static gint
by_address (gconstpointer a,
            gconstpointer b)
{
  const KdhModule *ma = *(const KdhModule * const *) a;
  const KdhModule *mb = *(const KdhModule * const *) b;

  return ma->base < mb->base ? -1 : ma->base > mb->base;
}

static gint
by_name (gconstpointer a,
         gconstpointer b)
{
  const KdhModule *ma = *(const KdhModule * const *) a;
  const KdhModule *mb = *(const KdhModule * const *) b;

  return g_ascii_strcasecmp (ma->short_name, mb->short_name);
}

static gboolean
lm_matches (const LmOptions *o,
            const KdhModule *m)
{
  g_autofree gchar *name = g_ascii_strdown (m->short_name, -1);
  g_autofree gchar *image = g_ascii_strdown (m->name, -1);

  if (o->pattern && !g_pattern_match_simple (o->pattern, name))
    return FALSE;
  if (o->image_pattern && !g_pattern_match_simple (o->image_pattern, image))
    return FALSE;
  if (o->have_address && (o->address < m->base || o->address - m->base >= m->size))
    return FALSE;
  return TRUE;
}

static gboolean
cmd_modules (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  g_auto (LmOptions) options = { 0 };
  g_autoptr (GPtrArray) shown = NULL;
  GPtrArray *modules;

  if (target == NULL || !parse_lm (inv, target, &options, error)
      || !kdh_target_ensure_modules (target, error))
    return FALSE;
  modules = kdh_target_get_modules (target);
  shown = g_ptr_array_new ();
  for (guint i = 0; i < modules->len; i++)
    if (lm_matches (&options, modules->pdata[i]))
      g_ptr_array_add (shown, modules->pdata[i]);
  g_ptr_array_sort (shown, options.by_name ? by_name : by_address);
  say (inv, kdh_target_is_ptr64 (target) ? "start             end                 module name\n"
                                         : "start    end        module name\n");
  for (guint i = 0; i < shown->len; i++)
    {
      KdhModule *m = shown->pdata[i];
      g_autofree gchar *start = kdh_commands_format_address (target, m->base);
      g_autofree gchar *end = kdh_commands_format_address (target, m->base + m->size);
      g_autofree gchar *symbols = kdh_commands_symbol_column (target, m);

      say (inv, "%s %s   %-10s %s\n", start, end, m->short_name, symbols);
      if (options.verbose)
        kdh_commands_print_module_details (inv, target, m);
    }
  return TRUE;
}

/* ---- Breakpoints ------------------------------------------------------- */

static gboolean
cmd_breakpoint (KdhCommandCall *inv,
                gpointer        data,
                GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  KdhExprScope scope;
  KdhManipulate request, reply;
  guint64 address;
  guint32 handle;
  g_autofree gchar *symbol = NULL, *where = NULL;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("bp needs an address, e.g. 'bp nt!DbgBreakPointWithStatus'."));
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &address, error))
    return FALSE;
  where = kdh_commands_format_address (target, address);
  kdh_manipulate_init_write_breakpoint (&request, address);
  if (!kdh_session_request (s, &request, NULL, 0, &reply, NULL, error))
    return FALSE;
  handle = kdh_manipulate_get_u32 (&reply, 0x08);
  if (reply.return_status != KDH_STATUS_SUCCESS || handle == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The target could not set a breakpoint at %s (status 0x%08x)."),
                   where, reply.return_status);
      return FALSE;
    }
  kdh_target_add_breakpoint (target, handle, address);
  symbol = kdh_target_symbolize (target, address);
  say (inv, "Breakpoint %u set at %s%s%s%s\n", handle, where, symbol ? " (" : "",
       symbol ? symbol : "", symbol ? ")" : "");
  return TRUE;
}

static gboolean
cmd_breakpoint_list (KdhCommandCall *inv,
                     gpointer        data,
                     GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  const GArray *bps;

  if (target == NULL)
    return FALSE;
  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("bl lists every breakpoint; a list of breakpoints ('%s') is not "
                     "supported yet."), inv->args);
      return FALSE;
    }
  bps = kdh_target_get_breakpoints (target);
  for (guint i = 0; i < bps->len; i++)
    {
      const KdhBreakpointRecord *bp = &g_array_index (bps, KdhBreakpointRecord, i);
      g_autofree gchar *where = kdh_commands_format_address (target, bp->address);
      g_autofree gchar *symbol = kdh_target_symbolize (target, bp->address);

      say (inv, " %u e %s     %s\n", bp->handle, where, symbol ? symbol : "");
    }
  return TRUE;
}

/* "bc *", "bc 1 3", "bc 1,3", "bc 1-3": the handles of the breakpoints
 * set, in the order given, each once. */
static GArray *
parse_breakpoint_list (const gchar  *args,
                       const GArray *known,
                       GError      **error)
{
  g_autoptr (GArray) handles = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_auto (GStrv) words = g_strsplit_set (args, " \t,", -1);

  for (guint i = 0; words[i]; i++)
    {
      const gchar *w = words[i];
      g_auto (GStrv) range = NULL;
      guint64 first, last;

      if (*w == '\0')
        continue;
      if (strcmp (w, "*") == 0)
        {
          for (guint k = 0; k < known->len; k++)
            g_array_append_val (handles, g_array_index (known, KdhBreakpointRecord, k).handle);
          continue;
        }
      range = g_strsplit (w, "-", 2);
      if (!g_ascii_string_to_unsigned (range[0], 10, 0, G_MAXUINT32, &first, NULL)
          || (range[1] && !g_ascii_string_to_unsigned (range[1], 10, first, G_MAXUINT32, &last,
                                                       NULL)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("'%s' is not a breakpoint number, a range (1-3) or '*'."), w);
          return NULL;
        }
      if (!range[1])
        last = first;
      for (guint k = 0; k < known->len; k++)
        {
          guint32 h = g_array_index (known, KdhBreakpointRecord, k).handle;

          if (h >= first && h <= last)
            g_array_append_val (handles, h);
        }
      if (!range[1])
        {
          gboolean found = FALSE;

          for (guint k = 0; k < known->len && !found; k++)
            found = g_array_index (known, KdhBreakpointRecord, k).handle == first;
          if (!found)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There is no breakpoint %" G_GUINT64_FORMAT " (bl lists them)."),
                           first);
              return NULL;
            }
        }
    }
  return g_steal_pointer (&handles);
}

static gboolean
cmd_breakpoint_clear (KdhCommandCall *inv,
                      gpointer        data,
                      GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  g_autoptr (GArray) handles = NULL;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("bc needs breakpoints to clear: numbers as bl lists them, ranges "
                             "(1-3) or '*'."));
      return FALSE;
    }
  handles = parse_breakpoint_list (inv->args, kdh_target_get_breakpoints (target), error);
  if (handles == NULL)
    return FALSE;
  for (guint i = 0; i < handles->len; i++)
    {
      guint32 handle = g_array_index (handles, guint32, i);
      KdhManipulate request, reply;
      gboolean seen = FALSE;

      /* "bc 1 1" or "bc 1 1-2" name one twice: clear it once. */
      for (guint k = 0; k < i && !seen; k++)
        seen = g_array_index (handles, guint32, k) == handle;
      if (seen)
        continue;
      kdh_manipulate_init_restore_breakpoint (&request, handle);
      if (!kdh_session_request (s, &request, NULL, 0, &reply, NULL, error))
        return FALSE;
      kdh_target_remove_breakpoint (target, handle);
      if (reply.return_status != KDH_STATUS_SUCCESS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The target has no breakpoint %u (status 0x%08x)."), handle,
                       reply.return_status);
          return FALSE;
        }
      say (inv, "Breakpoint %u cleared\n", handle);
    }
  return TRUE;
}

static gboolean
cmd_reboot (KdhCommandCall *inv,
            gpointer        data,
            GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);
  KdhManipulate request;

  if (s == NULL || kdh_commands_need_stopped (inv, error) == NULL)
    return FALSE;
  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".reboot takes no arguments, not '%s'."), inv->args);
      return FALSE;
    }
  kdh_manipulate_init_reboot (&request);
  if (!kdh_session_request (s, &request, NULL, 0, NULL, NULL, error))
    return FALSE;
  kdh_commands_say (inv, _("The target is rebooting; the debugger reconnects when it comes "
                           "back.\n"));
  kdh_target_forget_all (kdh_session_get_target (s));
  return TRUE;
}

/* ---- The table --------------------------------------------------------- */

static const struct {
  const gchar *name;
  KdhCommandFunc func;
  const gchar *help;
} builtins[] = {
  { "?", cmd_evaluate, "? EXPR            evaluate an expression" },
  { "bc", cmd_breakpoint_clear, "bc N|N-M|*        clear breakpoints" },
  { "bl", cmd_breakpoint_list, "bl                list breakpoints" },
  { "bp", cmd_breakpoint, "bp ADDR           set a software breakpoint" },
  { "db", cmd_dump, "db ADDR [L n]     display bytes (also dw, dd, dq, dc)" },
  { "dc", cmd_dump, NULL },
  { "dd", cmd_dump, NULL },
  { "dq", cmd_dump, NULL },
  { "dw", cmd_dump, NULL },
  { "g", cmd_go, "g                 go: let the target run" },
  { "lmv", cmd_modules, NULL },
  { "lmvm", cmd_modules, NULL },
  { "lm", cmd_modules, "lm [v] [m PATTERN] [a ADDR] [sm]   list loaded modules" },
  { "r", cmd_registers, "r [REG[=EXPR]]    show or set registers" },
  { "vertarget", cmd_vertarget, "vertarget         show the target's version" },
  { ".echo", cmd_echo, ".echo TEXT        print TEXT" },
  { ".help", kdh_commands_help, ".help             this list" },
  { ".reboot", cmd_reboot, ".reboot           reboot the target" },
  { ".restart", cmd_restart, ".restart          restart the kernel connection" },
};

void
kdh_commands_add_builtins (KdhCommands *c)
{
  for (guint i = 0; i < G_N_ELEMENTS (builtins); i++)
    kdh_commands_add (c, builtins[i].name, builtins[i].help, builtins[i].func, NULL, NULL);
  kdh_commands_add_disasm (c);
  kdh_commands_add_memory (c);
  kdh_commands_add_search (c);
  kdh_commands_add_file (c);
  kdh_commands_add_session (c);
  kdh_commands_add_symbols (c);
  kdh_commands_add_crashdump (c);
}
