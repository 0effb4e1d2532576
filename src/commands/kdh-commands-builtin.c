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
#include "kd/kdh-special.h"
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
  KdhTarget *target = kdh_commands_stopped_target (inv);
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

/* As r prints a register: its width, one digit for a flag (zf=1). */
static gint
register_digits (KdhTarget             *target,
                 const KdhRegisterInfo *reg,
                 const gchar           *name)
{
  if (reg == NULL && kdh_flag_find (name) != NULL)
    return 1;
  if (reg == NULL)
    reg = kdh_special_find (kdh_target_get_machine (target), name);
  return reg ? reg->size * 2 : 16;
}

static gboolean
cmd_registers (KdhCommandCall *inv,
               gpointer        data,
               GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  g_autoptr (GBytes) ctx = NULL;
  g_auto (GStrv) items = NULL;
  guint frame = 0;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_autofree gchar *text = NULL;
      gsize len;
      const guint8 *bytes;

      ctx = kdh_commands_scope_context (inv, target, &frame, error);
      if (ctx == NULL)
        return FALSE;
      bytes = g_bytes_get_data (ctx, &len);
      text = kdh_context_format (bytes, len, kdh_target_get_machine (target));
      say (inv, "%s", text);
      if (frame == 0)
        kdh_commands_show_location (inv->commands, target);
      else
        kdh_commands_show_scope_location (inv, target, ctx);
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

          /* After .frame N, the frame's value where unwinding gives one. */
          if (ctx == NULL && (ctx = kdh_commands_scope_context (inv, target, &frame, error)) == NULL)
            return FALSE;
          if (frame == 0 || reg == NULL
              || !kdh_context_get (g_bytes_get_data (ctx, NULL), g_bytes_get_size (ctx), reg,
                                   &value))
            if (!kdh_target_get_register (target, name, &value, error))
              return FALSE;
          say (inv, "%s=%0*" G_GINT64_MODIFIER "x\n", name, register_digits (target, reg, name),
               value);
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
  { "db", cmd_dump, "db ADDR [L n]     display bytes (also dw, dd, dq, dc)" },
  { "dc", cmd_dump, NULL },
  { "dd", cmd_dump, NULL },
  { "dq", cmd_dump, NULL },
  { "dw", cmd_dump, NULL },
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
  kdh_commands_add_formats (c);
  kdh_commands_add_paging (c);
  kdh_commands_add_symbols (c);
  kdh_commands_add_crashdump (c);
  kdh_commands_add_pcr (c);
  kdh_commands_add_breakpoints (c);
  kdh_commands_add_exec (c);
  kdh_commands_add_stack (c);
}
