/* kdh-commands.c: the KD command language
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-commands.h"
#include "kdh-command-line.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kd/kdh-context.h"
#include "kdh-dump.h"
#include "kdh-expr.h"
#include "kdh-server.h"
#include "kdh-session.h"
#include "kdh-stop.h"
#include "kdh-target.h"

/* WinDbg refuses ranges over 256 MB unless L? is used. */
#define MAX_DUMP_BYTES (256u * 1024 * 1024)

struct _KdhCommands
{
  KdhEngine *engine;
  gchar *last_line;            /* for Enter on an empty line */
  gboolean dump_valid;         /* a repeated dump continues here */
  gchar dump_format;
  guint64 dump_next;
  guint64 dump_count;          /* units */
};

typedef struct {
  KdhCommands *commands;
  const gchar *name;           /* as typed, lower case */
  const gchar *args;           /* after the name, trimmed */
  const gchar *origin;
} Invocation;

typedef gboolean (*CommandFunc) (Invocation *inv, GError **error);

KdhCommands *
kdh_commands_new (KdhEngine *engine)
{
  KdhCommands *c = g_new0 (KdhCommands, 1);

  c->engine = engine;
  return c;
}

void
kdh_commands_free (KdhCommands *c)
{
  if (c == NULL)
    return;
  g_free (c->last_line);
  g_free (c);
}

static void
say (Invocation  *inv,
     const gchar *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
say (Invocation  *inv,
     const gchar *format,
     ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  kdh_engine_output (inv->commands->engine, KDH_OUTPUT_DEBUGGER, text);
}

/* ---- Helpers ----------------------------------------------------------- */

static KdhSession *
need_session (Invocation  *inv,
              GError     **error)
{
  KdhSession *s = kdh_engine_get_session (inv->commands->engine);

  if (s == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                         _("There is no kernel connection."));
  return s;
}

/* Commands that read or change the machine need it stopped. */
static KdhTarget *
need_stopped (Invocation  *inv,
              GError     **error)
{
  KdhSession *s = need_session (inv, error);

  if (s == NULL)
    return NULL;
  switch (kdh_session_get_state (s))
    {
    case KDH_CONN_BREAK:
      return kdh_session_get_target (s);
    case KDH_CONN_RUNNING:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("The target is running; break in first (Ctrl+C, Ctrl+Break)."));
      return NULL;
    default:
      {
        const gchar *reason = kdh_session_get_state_reason (s);

        if (reason && *reason)
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                       _("The target is not connected (%s: %s)."),
                       kdh_conn_state_name (kdh_session_get_state (s)), reason);
        else
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                       _("The target is not connected (%s)."),
                       kdh_conn_state_name (kdh_session_get_state (s)));
        return NULL;
      }
    }
}

static gboolean
scope_register (const gchar *name,
                guint64     *value,
                gpointer     data)
{
  return kdh_target_get_register (data, name, value, NULL);
}

static gboolean
scope_symbol (const gchar *module,
              const gchar *name,
              guint64     *value,
              gpointer     data)
{
  return kdh_target_lookup_symbol (data, module, name, value);
}

static gboolean
scope_memory (guint64  address,
              guint8  *buf,
              gsize    len,
              gpointer data)
{
  gsize got;

  return kdh_target_read_virtual (data, address, buf, len, &got, NULL) && got == len;
}

static void
init_scope (KdhExprScope *scope,
            KdhTarget    *target)
{
  memset (scope, 0, sizeof *scope);
  if (target == NULL)
    return;
  scope->get_register = scope_register;
  scope->get_symbol = scope_symbol;
  scope->read_memory = scope_memory;
  scope->pointer64 = kdh_target_is_ptr64 (target);
  scope->user_data = target;
}

static gchar *
format_address (KdhTarget *target,
                guint64    address)
{
  return kdh_expr_format_address (address, target == NULL || kdh_target_is_ptr64 (target));
}

/* ---- Commands ---------------------------------------------------------- */

static gboolean
cmd_echo (Invocation  *inv,
          GError     **error)
{
  say (inv, "%s\n", inv->args);
  return TRUE;
}

static gboolean
cmd_evaluate (Invocation  *inv,
              GError     **error)
{
  KdhSession *s = kdh_engine_get_session (inv->commands->engine);
  KdhTarget *target = s && kdh_session_get_state (s) == KDH_CONN_BREAK
                      ? kdh_session_get_target (s) : NULL;
  KdhExprScope scope;
  guint64 value;

  init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &value, error))
    return FALSE;
  say (inv, "Evaluate expression: %" G_GINT64_FORMAT " = %08x`%08x\n", (gint64) value,
       (guint32) (value >> 32), (guint32) value);
  return TRUE;
}

static gboolean
cmd_vertarget (Invocation  *inv,
               GError     **error)
{
  KdhSession *s = need_session (inv, error);
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
  kernbase = format_address (target, v->kern_base);
  modlist = format_address (target, v->ps_loaded_module_list);
  ddl = format_address (target, v->debugger_data_list);
  when = g_date_time_format (now, "%a %b %e %H:%M:%S %Y");
  say (inv, "%s Kernel Version %u %s (%u procs) %s %s\n", kdh_target_get_os_name (target),
       v->minor_version,
       (v->flags & KDH_VERS_FLAG_MP) ? "MP" : "UP", kdh_target_get_n_cpus (target),
       (v->major_version & 0xFF) == 0x0C ? "Checked" : "Free", kdh_machine_name (v->machine_type));
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
cmd_registers (Invocation  *inv,
               GError     **error)
{
  KdhTarget *target = need_stopped (inv, error);
  g_autoptr (GBytes) ctx = NULL;
  g_auto (GStrv) items = NULL;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_autofree gchar *text = NULL;
      gsize len;
      const guint8 *data;

      ctx = kdh_target_get_context (target, kdh_target_get_cpu (target), error);
      if (ctx == NULL)
        return FALSE;
      data = g_bytes_get_data (ctx, &len);
      text = kdh_context_format (data, len, kdh_target_get_machine (target));
      say (inv, "%s", text);
      kdh_stop_print_location (inv->commands->engine, target);
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

          init_scope (&scope, target);
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
dump (Invocation  *inv,
      KdhTarget   *target,
      gchar        format,
      guint64      address,
      guint64      count,
      GError     **error)
{
  KdhCommands *c = inv->commands;
  guint unit = unit_size (format);
  gsize len = (gsize) (count * unit);
  g_autofree guint8 *data = g_malloc0 (MIN (MAX (len, 1), DUMP_PIECE_BYTES));
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean readable = TRUE;

  for (gsize done = 0; done < len || done == 0; )
    {
      gsize n = MIN (len - done, DUMP_PIECE_BYTES);
      gsize got = 0;

      if (done > 0 && !kdh_engine_wait_for_front_ends (c->engine, error))
        return FALSE;
      /* Past an unreadable byte the rest shows as unreadable, unread. */
      if (readable && !kdh_target_read_virtual (target, address + done, data, n, &got, error))
        return FALSE;
      readable = readable && got == n;
      g_string_truncate (out, 0);
      kdh_dump_format (out, address + done, data, n, got, format, kdh_target_is_ptr64 (target));
      kdh_engine_output (c->engine, KDH_OUTPUT_DEBUGGER, out->str);
      done += n;
      if (n == 0)
        break;
    }
  c->dump_valid = TRUE;
  c->dump_format = format;
  c->dump_next = address + len;
  c->dump_count = count;
  return TRUE;
}

static gboolean
cmd_dump (Invocation  *inv,
          GError     **error)
{
  KdhCommands *c = inv->commands;
  KdhTarget *target = need_stopped (inv, error);
  gchar format = inv->name[1];
  guint unit = unit_size (format);
  KdhExprScope scope;
  guint64 address, count;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      if (!c->dump_valid)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("%s needs an address, e.g. '%s nt L20'."), inv->name, inv->name);
          return FALSE;
        }
      return dump (inv, target, format, c->dump_next,
                   c->dump_format == format ? c->dump_count : 128 / unit, error);
    }
  init_scope (&scope, target);
  if (!kdh_expr_parse_range (inv->args, &scope, unit, 128 / unit, MAX_DUMP_BYTES / unit, &address,
                             &count, error))
    return FALSE;
  return dump (inv, target, format, address, count, error);
}

static gboolean
cmd_go (Invocation  *inv,
        GError     **error)
{
  KdhSession *s = need_session (inv, error);

  if (s == NULL || need_stopped (inv, error) == NULL)
    return FALSE;
  return kdh_session_go (s, error);
}

static gboolean
cmd_restart (Invocation  *inv,
             GError     **error)
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
  s = need_session (inv, error);
  return s != NULL && kdh_session_restart (s, error);
}

static gboolean
cmd_modules (Invocation  *inv,
             GError     **error)
{
  KdhTarget *target = need_stopped (inv, error);
  GPtrArray *modules;

  if (target == NULL || !kdh_target_ensure_modules (target, error))
    return FALSE;
  modules = kdh_target_get_modules (target);
  say (inv, kdh_target_is_ptr64 (target) ? "start             end                 module name\n"
                                         : "start    end        module name\n");
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = modules->pdata[i];
      g_autofree gchar *start = format_address (target, m->base);
      g_autofree gchar *end = format_address (target, m->base + m->size);

      say (inv, "%s %s   %-10s %s\n", start, end, m->short_name, m->name);
    }
  return TRUE;
}

static gboolean
cmd_breakpoint (Invocation  *inv,
                GError     **error)
{
  KdhTarget *target = need_stopped (inv, error);
  KdhSession *s = need_session (inv, NULL);
  KdhExprScope scope;
  KdhManipulate request, reply;
  guint64 address;
  g_autofree gchar *symbol = NULL, *where = NULL;

  if (target == NULL)
    return FALSE;
  init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &address, error))
    return FALSE;
  where = format_address (target, address);
  kdh_manipulate_init_write_breakpoint (&request, address);
  if (!kdh_session_request (s, &request, NULL, 0, &reply, NULL, error))
    return FALSE;
  if (reply.return_status != KDH_STATUS_SUCCESS || kdh_manipulate_get_u32 (&reply, 0x08) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The target could not set a breakpoint at %s (status 0x%08x)."),
                   where, reply.return_status);
      return FALSE;
    }
  symbol = kdh_target_symbolize (target, address);
  say (inv, "Breakpoint %u set at %s%s%s%s\n", kdh_manipulate_get_u32 (&reply, 0x08),
       where, symbol ? " (" : "", symbol ? symbol : "",
       symbol ? ")" : "");
  return TRUE;
}

static gboolean
cmd_breakpoint_clear (Invocation  *inv,
                      GError     **error)
{
  KdhTarget *target = need_stopped (inv, error);
  KdhSession *s = need_session (inv, NULL);
  KdhManipulate request, reply;
  guint64 handle;

  if (target == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (inv->args, 10, 1, G_MAXUINT32, &handle, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("bc needs a breakpoint number as 'bp' printed it, not '%s'."), inv->args);
      return FALSE;
    }
  kdh_manipulate_init_restore_breakpoint (&request, (guint32) handle);
  if (!kdh_session_request (s, &request, NULL, 0, &reply, NULL, error))
    return FALSE;
  if (reply.return_status != KDH_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The target has no breakpoint %" G_GUINT64_FORMAT "."), handle);
      return FALSE;
    }
  say (inv, "Breakpoint %" G_GUINT64_FORMAT " cleared\n", handle);
  return TRUE;
}

static gboolean
cmd_reboot (Invocation  *inv,
            GError     **error)
{
  KdhSession *s = need_session (inv, error);
  KdhManipulate request;

  if (s == NULL || need_stopped (inv, error) == NULL)
    return FALSE;
  kdh_manipulate_init_reboot (&request);
  if (!kdh_session_request (s, &request, NULL, 0, NULL, NULL, error))
    return FALSE;
  say (inv, "%s", _("The target is rebooting; the debugger reconnects when it comes back.\n"));
  kdh_target_forget_all (kdh_session_get_target (s));
  return TRUE;
}

static gboolean
cmd_quit (Invocation  *inv,
          GError     **error)
{
  /* The front end decides what quitting means; the engine drops the
   * connection. */
  kdh_engine_detach (inv->commands->engine);
  return TRUE;
}

static gboolean
cmd_server (Invocation  *inv,
            GError     **error)
{
  if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _(".server needs a transport, e.g. '.server tcp:port=5005' "
                             "(also npipe:pipe=NAME, ssl:port=N,cert=FILE, com:port=DEV,baud=N)."));
      return FALSE;
    }
  return kdh_server_set_start (kdh_engine_get_servers (inv->commands->engine, TRUE), inv->args,
                               error);
}

static gboolean
cmd_servers (Invocation  *inv,
             GError     **error)
{
  /* Hidden servers are not shown to clients. */
  kdh_server_set_list (kdh_engine_get_servers (inv->commands->engine, TRUE), inv->origin == NULL);
  return TRUE;
}

static gboolean
cmd_endsrv (Invocation  *inv,
            GError     **error)
{
  guint64 id;

  if (!g_ascii_string_to_unsigned (inv->args, 10, 0, G_MAXUINT, &id, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".endsrv needs a server number as .servers lists it, not '%s'."), inv->args);
      return FALSE;
    }
  return kdh_server_set_end (kdh_engine_get_servers (inv->commands->engine, TRUE), (guint) id,
                             error);
}

static gboolean
cmd_clients (Invocation  *inv,
             GError     **error)
{
  kdh_server_set_list_clients (kdh_engine_get_servers (inv->commands->engine, TRUE));
  return TRUE;
}

static gboolean cmd_help (Invocation *inv, GError **error);

static const struct {
  const gchar *name;
  CommandFunc func;
  const gchar *help;
} command_table[] = {
  { "?", cmd_evaluate, "? EXPR            evaluate an expression" },
  { "bc", cmd_breakpoint_clear, "bc N              clear breakpoint N" },
  { "bp", cmd_breakpoint, "bp ADDR           set a software breakpoint" },
  { "db", cmd_dump, "db ADDR [L n]     display bytes (also dw, dd, dq, dc)" },
  { "dc", cmd_dump, NULL },
  { "dd", cmd_dump, NULL },
  { "dq", cmd_dump, NULL },
  { "dw", cmd_dump, NULL },
  { "g", cmd_go, "g                 go: let the target run" },
  { "lm", cmd_modules, "lm                list loaded modules" },
  { "q", cmd_quit, "q                 end the session" },
  { "r", cmd_registers, "r [REG[=EXPR]]    show or set registers" },
  { "vertarget", cmd_vertarget, "vertarget         show the target's version" },
  { ".clients", cmd_clients, ".clients          list the connected debugging clients" },
  { ".echo", cmd_echo, ".echo TEXT        print TEXT" },
  { ".endsrv", cmd_endsrv, ".endsrv N         stop debugging server N accepting clients" },
  { ".help", cmd_help, ".help             this list" },
  { ".reboot", cmd_reboot, ".reboot           reboot the target" },
  { ".restart", cmd_restart, ".restart          restart the kernel connection" },
  { ".server", cmd_server, ".server STRING    start a debugging server (tcp:port=5005, ...)" },
  { ".servers", cmd_servers, ".servers          list the debugging servers" },
};

static gboolean
cmd_help (Invocation  *inv,
          GError     **error)
{
  say (inv, "%s", _("Commands:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (command_table); i++)
    if (command_table[i].help)
      say (inv, "  %s\n", command_table[i].help);
  say (inv, "%s", _("Keys: Ctrl+C break, Ctrl+R Enter resynchronize, Ctrl+D Enter packet trace, "
                    "Ctrl+B Enter quit (console); Ctrl+Alt+R resynchronize (window).\n"));
  return TRUE;
}

/* Splits one command into its name and arguments: "db nt L20" -> "db",
 * "nt L20"; "?1+2" -> "?", "1+2". */
static gboolean
run_one (KdhCommands  *c,
         const gchar  *text,
         const gchar  *origin,
         GError      **error)
{
  Invocation inv = { c, NULL, NULL, origin };
  g_autofree gchar *name = kdh_command_line_name (text, &inv.args);

  inv.name = name;
  for (guint i = 0; i < G_N_ELEMENTS (command_table); i++)
    if (strcmp (command_table[i].name, name) == 0)
      {
        /* Any command but a repeated dump ends the dump's continuation. */
        if (command_table[i].func != cmd_dump)
          c->dump_valid = FALSE;
        return command_table[i].func (&inv, error);
      }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Unknown command '%s' (.help lists the commands)."), name);
  return FALSE;
}

gboolean
kdh_commands_execute (KdhCommands  *c,
                      const gchar  *line,
                      const gchar  *origin,
                      GError      **error)
{
  g_autoptr (GPtrArray) parts = NULL;
  g_autofree gchar *stripped = g_strstrip (g_strdup (line ? line : ""));

  if (*stripped == '\0')
    {
      /* Enter repeats the last command; a dump goes on from its end. */
      if (c->last_line == NULL)
        return TRUE;
      if (c->dump_valid)
        {
          g_autofree gchar *name = g_strdup_printf ("d%c", c->dump_format);

          return run_one (c, name, origin, error);
        }
      g_free (stripped);
      stripped = g_strdup (c->last_line);
    }
  else
    {
      g_free (c->last_line);
      c->last_line = g_strdup (stripped);
    }

  parts = kdh_command_line_split (stripped);
  for (guint i = 0; i < parts->len; i++)
    {
      const gchar *part = parts->pdata[i];

      if (*part == '\0')
        continue;
      if (!run_one (c, part, origin, error))
        return FALSE;
    }
  return TRUE;
}
