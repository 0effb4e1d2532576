/* kdh-commands.c: the KD command language: the table and command lines
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-commands-private.h"

#include "target/kdh-exec.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

#include "common/kdh-front-end-keys.h"
#include "kd/kdh-context.h"
#include "kd/kdh-dbgkd.h"
#include "kdh-command-line.h"
#include "kdh-disasm.h"

typedef struct {
  gint ref_count;
  guint id;
  gchar *name;
  gchar *help;
  KdhCommandFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Entry;

static Entry *
entry_ref (Entry *e)
{
  g_atomic_int_inc (&e->ref_count);
  return e;
}

static void
entry_unref (gpointer data)
{
  Entry *e = data;

  if (!g_atomic_int_dec_and_test (&e->ref_count))
    return;
  if (e->destroy)
    e->destroy (e->data);
  g_free (e->name);
  g_free (e->help);
  g_free (e);
}

static gint
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const Entry *ea = *(const Entry * const *) a;
  const Entry *eb = *(const Entry * const *) b;

  return strcmp (ea->name, eb->name);
}

KdhCommands *
kdh_commands_new (KdhHost *host)
{
  KdhCommands *c = g_new0 (KdhCommands, 1);

  c->host = host;
  g_mutex_init (&c->lock);
  c->table = g_ptr_array_new_with_free_func (entry_unref);
  c->next_id = 1;
  kdh_commands_add_builtins (c);
  return c;
}

void
kdh_commands_free (KdhCommands *c)
{
  if (c == NULL)
    return;
  g_ptr_array_unref (c->table);
  g_mutex_clear (&c->lock);
  g_free (c->last_line);
  g_free (c->repeat);
  g_free (c);
}

void
kdh_commands_set_session (KdhCommands *c,
                          KdhSession  *session)
{
  c->session = session;
  c->dump_valid = FALSE;
  g_clear_pointer (&c->repeat, g_free);
  if (session != NULL)
    kdh_session_set_hit_func (session, kdh_commands_run_hit, c);
}

guint
kdh_commands_add (KdhCommands   *c,
                  const gchar   *name,
                  const gchar   *help,
                  KdhCommandFunc func,
                  gpointer       user_data,
                  GDestroyNotify destroy)
{
  Entry *e;
  guint id;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->table->len; i++)
    if (g_ascii_strcasecmp (((Entry *) c->table->pdata[i])->name, name) == 0)
      {
        g_mutex_unlock (&c->lock);
        g_warning ("command %s is registered twice", name);
        return 0;
      }
  e = g_new0 (Entry, 1);
  e->ref_count = 1;
  e->id = id = c->next_id++;
  e->name = g_ascii_strdown (name, -1);
  e->help = g_strdup (help);
  e->func = func;
  e->data = user_data;
  e->destroy = destroy;
  g_ptr_array_add (c->table, e);
  g_ptr_array_sort (c->table, compare_entries);
  g_mutex_unlock (&c->lock);
  return id;
}

void
kdh_commands_remove (KdhCommands *c,
                     guint        id)
{
  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->table->len; i++)
    if (((Entry *) c->table->pdata[i])->id == id)
      {
        g_ptr_array_remove_index (c->table, i);
        break;
      }
  g_mutex_unlock (&c->lock);
}

static Entry *
lookup (KdhCommands *c,
        const gchar *name)
{
  Entry *found = NULL;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->table->len && !found; i++)
    if (strcmp (((Entry *) c->table->pdata[i])->name, name) == 0)
      found = entry_ref (c->table->pdata[i]);
  g_mutex_unlock (&c->lock);
  return found;
}

/* ---- What a command sees ----------------------------------------------- */

const gchar *
kdh_command_call_get_name (KdhCommandCall *call)
{
  return call->name;
}

const gchar *
kdh_command_call_get_args (KdhCommandCall *call)
{
  return call->args;
}

const gchar *
kdh_command_call_get_origin (KdhCommandCall *call)
{
  return call->origin;
}

void
kdh_command_call_print (KdhCommandCall *call,
                        const gchar    *format,
                        ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  kdh_host_output (call->commands->host, KDH_OUTPUT_DEBUGGER, text);
}

void
kdh_commands_say (KdhCommandCall *call,
                  const gchar    *text)
{
  kdh_host_output (call->commands->host, KDH_OUTPUT_DEBUGGER, text);
}

/* ---- Helpers for commands ---------------------------------------------- */

KdhSession *
kdh_commands_need_session (KdhCommandCall *call,
                           GError        **error)
{
  KdhSession *s = call->commands->session;

  if (s == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                         _("There is no kernel connection."));
  return s;
}

KdhTarget *
kdh_commands_stopped_target (KdhCommandCall *call)
{
  KdhSession *s = call->commands->session;

  return s && kdh_session_get_state (s) == KDH_CONN_BREAK ? kdh_session_get_target (s) : NULL;
}

KdhTarget *
kdh_commands_need_stopped (KdhCommandCall *call,
                           GError        **error)
{
  KdhSession *s = kdh_commands_need_session (call, error);
  const gchar *reason;

  if (s == NULL)
    return NULL;
  switch (kdh_session_get_state (s))
    {
    case KDH_CONN_BREAK:
      return kdh_session_get_target (s);
    case KDH_CONN_RUNNING:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("The target is running; break in first (%s)."),
                   kdh_front_end_key_name (KDH_FRONT_END_KEY_BREAK));
      return NULL;
    default:
      reason = kdh_session_get_state_reason (s);
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

/* The command running on this thread (the engine's: one at a time, a
 * breakpoint's commands nested inside a g): its expressions read the
 * registers of the frame .frame chose, as KD's local context does. */
static GPrivate running_call;

static gboolean
scope_register (const gchar *name,
                guint64     *value,
                gpointer     data)
{
  KdhCommandCall *call = g_private_get (&running_call);
  KdhSession *s = call != NULL ? call->commands->session : NULL;

  if (s != NULL && kdh_session_get_target (s) == data && kdh_session_get_frame (s) > 0)
    {
      guint16 machine = kdh_target_get_machine (data);
      const gchar *real = g_str_equal (name, "$ip") ? (machine == KDH_MACHINE_I386 ? "eip" : "rip")
                                                    : name;
      const KdhRegisterInfo *reg = kdh_context_find_register (machine, real);
      g_autoptr (GBytes) ctx = reg != NULL ? kdh_commands_scope_context (call, data, NULL, NULL)
                                           : NULL;

      if (ctx != NULL && kdh_context_get (g_bytes_get_data (ctx, NULL), g_bytes_get_size (ctx),
                                          reg, value))
        return TRUE;
    }
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

void
kdh_commands_init_scope (KdhExprScope *scope,
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

gchar *
kdh_commands_format_address (KdhTarget *target,
                             guint64    address)
{
  return kdh_format_address (address, target == NULL || kdh_target_is_ptr64 (target));
}

void
kdh_commands_remember_dump (KdhCommands *c,
                            gchar        format,
                            guint64      next,
                            guint64      count)
{
  c->dump_valid = TRUE;
  c->dump_format = format;
  c->dump_next = next;
  c->dump_count = count;
}

void
kdh_commands_show_location (KdhCommands *c,
                            KdhTarget   *target)
{
  const KdhStateChange *stop = kdh_target_get_stop (target);
  guint16 machine = kdh_target_get_machine (target);
  KdhControlReport report;
  guint8 code[16];
  gsize code_len = 0;
  g_autofree gchar *symbol = NULL;
  g_autofree gchar *line = NULL;

  if (stop == NULL)
    return;
  symbol = kdh_target_symbolize (target, stop->program_counter);
  if (symbol)
    kdh_host_printf (c->host, KDH_OUTPUT_DEBUGGER, "%s:\n", symbol);
  /* The control report carries the instruction bytes (breakpoints shown
   * as the original bytes); read memory only when it has none. */
  if (kdh_control_report_decode (stop->raw_control_report, machine, &report, NULL)
      && report.instruction_count > 0)
    {
      code_len = MIN (report.instruction_count, sizeof code);
      memcpy (code, report.instruction_stream, code_len);
    }
  else if (!kdh_target_read_virtual (target, stop->program_counter, code, sizeof code, &code_len,
                                     NULL))
    code_len = 0;
  line = kdh_disasm_format_line (machine, stop->program_counter, code, code_len,
                                 kdh_target_is_ptr64 (target));
  kdh_host_printf (c->host, KDH_OUTPUT_DEBUGGER, "%s\n", line);
}

/* ---- .help ------------------------------------------------------------- */

gboolean
kdh_commands_help (KdhCommandCall *call,
                   gpointer        data,
                   GError        **error)
{
  KdhCommands *c = call->commands;
  g_autoptr (GString) out = g_string_new (_("Commands:\n"));

  g_mutex_lock (&c->lock);
  /* Plain commands first, then the dot commands, as KD lists them. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < c->table->len; i++)
      {
        Entry *e = c->table->pdata[i];

        if (e->help && (e->name[0] == '.') == (pass == 1))
          g_string_append_printf (out, "  %s\n", e->help);
      }
  g_mutex_unlock (&c->lock);
  g_string_append_printf (out, _("Keys: %s breaks in, %s resynchronizes, %s switches the packet "
                                 "trace, %s ends the session.\n"),
                          kdh_front_end_key_name (KDH_FRONT_END_KEY_BREAK),
                          kdh_front_end_key_name (KDH_FRONT_END_KEY_RESYNC),
                          kdh_front_end_key_name (KDH_FRONT_END_KEY_TRACE),
                          kdh_front_end_key_name (KDH_FRONT_END_KEY_QUIT));
  kdh_commands_say (call, out->str);
  return TRUE;
}

/* ---- Command lines ----------------------------------------------------- */

/* Splits one command into its name and arguments: "db nt L20" -> "db",
 * "nt L20"; "?1+2" -> "?", "1+2". */
void
kdh_commands_set_repeat (KdhCommands *c,
                         const gchar *line)
{
  g_free (c->repeat);
  c->repeat = g_strdup (line);
}

gboolean
kdh_commands_run_one (KdhCommands  *c,
         const gchar  *text,
         const gchar  *origin,
         GError      **error)
{
  KdhCommandCall call = { c, NULL, NULL, origin };
  g_autofree gchar *name = kdh_command_line_name (text, &call.args);
  KdhCommandCall *outer;
  Entry *e;
  gboolean ok;

  call.name = name;
  e = lookup (c, name);
  if (e == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unknown command '%s' (.help lists the commands)."), name);
      return FALSE;
    }
  /* Only a dump keeps the dump's continuation going (it sets it again). */
  c->dump_was_valid = c->dump_valid;
  c->dump_valid = FALSE;
  g_clear_pointer (&c->repeat, g_free);
  outer = g_private_get (&running_call);
  g_private_set (&running_call, &call);
  ok = e->func (&call, e->data, error);
  g_private_set (&running_call, outer);
  entry_unref (e);
  return ok;
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

          return kdh_commands_run_one (c, name, origin, error);
        }
      if (c->repeat)
        {
          g_autofree gchar *again = g_strdup (c->repeat);

          return kdh_commands_run_one (c, again, origin, error);
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
      if (!kdh_commands_run_one (c, part, origin, error))
        return FALSE;
    }
  return TRUE;
}
