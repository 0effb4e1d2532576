/* kdh-engine-api.c: what front ends call, from any thread
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each call queues a command for the engine thread (kdh-engine.c) or reads
 * a snapshot under its lock; none of them waits for the target.
 */
#include "kdh-engine-private.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How much less than the front end's thread the engine asks for. */
#define BACKGROUND_NICE 5

void
kdh_engine_set_background (KdhEngine *engine)
{
  g_atomic_int_set (&engine->nice_wanted, BACKGROUND_NICE);
  g_main_context_wakeup (engine->context);
}

void
kdh_engine_apply_priority (KdhEngine *engine)
{
  gint wanted = g_atomic_int_get (&engine->nice_wanted);

  if (wanted == engine->nice_applied)
    return;
  engine->nice_applied = wanted;
  /* Linux gives each thread its own nice value, and threads started from
   * here later (the in-process simulator's) inherit it. A failure only
   * leaves the thread as it was. */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid),
                   getpriority (PRIO_PROCESS, 0) + wanted) != 0)
    g_debug ("engine: could not lower the engine thread's priority: %s", g_strerror (errno));
}

guint
kdh_engine_attach (KdhEngine   *engine,
                   const gchar *connection)
{
  return kdh_engine_post_command (engine, CMD_ATTACH, connection, NULL, FALSE, FALSE);
}

guint
kdh_engine_open_dump (KdhEngine   *engine,
                      const gchar *path)
{
  return kdh_engine_post_command (engine, CMD_OPEN_DUMP, path, NULL, FALSE, FALSE);
}

guint
kdh_engine_connect_remote (KdhEngine   *engine,
                           const gchar *remote_string)
{
  return kdh_engine_post_command (engine, CMD_CONNECT_REMOTE, remote_string, NULL, FALSE, FALSE);
}

guint
kdh_engine_execute (KdhEngine   *engine,
                    const gchar *command_line,
                    const gchar *origin)
{
  return kdh_engine_post_command (engine, CMD_EXECUTE, command_line, origin, FALSE, FALSE);
}

guint
kdh_engine_query (KdhEngine   *engine,
                  KdhViewQuery query,
                  guint64      address,
                  guint        count)
{
  KdhEngineCommand *cmd = kdh_engine_command_new (engine, CMD_QUERY, NULL, NULL, FALSE);

  cmd->query = query;
  cmd->address = address;
  cmd->count = count;
  return kdh_engine_push (engine, cmd, FALSE);
}

guint
kdh_engine_query_expression (KdhEngine   *engine,
                             const gchar *expression)
{
  KdhEngineCommand *cmd = kdh_engine_command_new (engine, CMD_QUERY, expression, NULL, FALSE);

  cmd->query = KDH_VIEW_QUERY_EVALUATE;
  return kdh_engine_push (engine, cmd, FALSE);
}

guint
kdh_engine_resync (KdhEngine *engine)
{
  return kdh_engine_post_command (engine, CMD_RESYNC, NULL, NULL, FALSE, TRUE);
}

guint
kdh_engine_restart (KdhEngine *engine)
{
  return kdh_engine_post_command (engine, CMD_RESTART, NULL, NULL, FALSE, TRUE);
}

guint
kdh_engine_cycle_baud (KdhEngine *engine)
{
  return kdh_engine_post_command (engine, CMD_CYCLE_BAUD, NULL, NULL, FALSE, TRUE);
}

guint
kdh_engine_detach (KdhEngine *engine)
{
  return kdh_engine_post_command (engine, CMD_DETACH, NULL, NULL, FALSE, TRUE);
}

void
kdh_engine_break (KdhEngine *engine)
{
  kdh_engine_post_command (engine, CMD_BREAK, NULL, NULL, FALSE, TRUE);
}

void
kdh_engine_set_trace (KdhEngine *engine,
                      gboolean   enabled)
{
  kdh_engine_post_command (engine, CMD_TRACE, NULL, NULL, enabled, TRUE);
}

void
kdh_engine_set_verbose (KdhEngine *engine,
                        gboolean   enabled)
{
  kdh_engine_post_command (engine, CMD_VERBOSE, NULL, NULL, enabled, TRUE);
}

gboolean
kdh_engine_get_verbose (KdhEngine *engine)
{
  return g_atomic_int_get (&engine->verbose);
}

void
kdh_engine_set_initial_break (KdhEngine *engine,
                              gboolean   enabled)
{
  kdh_engine_post_command (engine, CMD_INITIAL_BREAK, NULL, NULL, enabled, TRUE);
}

void
kdh_engine_print (KdhEngine    *engine,
                  KdhOutputKind kind,
                  const gchar  *text)
{
  KdhEngineCommand *cmd = kdh_engine_command_new (engine, CMD_PRINT, text, NULL, FALSE);

  cmd->token = 0;
  cmd->output_kind = kind;
  kdh_engine_push (engine, cmd, TRUE);
}

KdhEngineSubscription *
kdh_engine_subscribe (KdhEngine         *engine,
                      GMainContext      *context,
                      KdhEngineEventFunc func,
                      gpointer           user_data)
{
  KdhEngineSubscription *sub = kdh_engine_subscribe_new (engine, context, func, user_data);
  KdhEngineCommand *cmd = kdh_engine_command_new (engine, CMD_SUBSCRIBE, NULL, NULL, FALSE);

  cmd->token = 0;
  cmd->subscription = sub;
  kdh_engine_push (engine, cmd, TRUE);
  return sub;
}

guint
kdh_engine_add_command (KdhEngine     *engine,
                        const gchar   *name,
                        const gchar   *help,
                        KdhCommandFunc func,
                        gpointer       user_data,
                        GDestroyNotify destroy)
{
  return kdh_commands_add (engine->cmds, name, help, func, user_data, destroy);
}

guint
kdh_engine_add_front_command (KdhEngine     *engine,
                              const gchar   *name,
                              const gchar   *help,
                              KdhCommandFunc func,
                              gpointer       user_data,
                              GDestroyNotify destroy)
{
  guint id = kdh_commands_add (engine->cmds, name, help, func, user_data, destroy);

  /* The front end's own (the window's .cls): it runs here even in a
   * debugging client, whose other commands go to the server. */
  g_mutex_lock (&engine->snap_lock);
  if (engine->front_commands == NULL)
    engine->front_commands = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (id != 0)
    g_hash_table_insert (engine->front_commands, g_ascii_strdown (name, -1), GUINT_TO_POINTER (id));
  g_mutex_unlock (&engine->snap_lock);
  return id;
}

static gboolean
has_id (gpointer key,
        gpointer value,
        gpointer data)
{
  return GPOINTER_TO_UINT (value) == GPOINTER_TO_UINT (data);
}

void
kdh_engine_remove_command (KdhEngine *engine,
                           guint      id)
{
  g_mutex_lock (&engine->snap_lock);
  if (engine->front_commands)
    g_hash_table_foreach_remove (engine->front_commands, has_id, GUINT_TO_POINTER (id));
  g_mutex_unlock (&engine->snap_lock);
  kdh_commands_remove (engine->cmds, id);
}

gboolean
kdh_engine_is_front_command (KdhEngine   *engine,
                             const gchar *line)
{
  g_autofree gchar *text = g_strstrip (g_strdup (line ? line : ""));
  gboolean found;

  /* Alone on its line, as the log commands (a ';' sends the whole line to
   * the server). */
  if (strchr (text, ';') != NULL)
    return FALSE;
  text[strcspn (text, " \t")] = '\0';
  for (gchar *c = text; *c; c++)
    *c = g_ascii_tolower (*c);
  g_mutex_lock (&engine->snap_lock);
  found = engine->front_commands && g_hash_table_contains (engine->front_commands, text);
  g_mutex_unlock (&engine->snap_lock);
  return found;
}

KdhConnState
kdh_engine_get_state (KdhEngine *engine)
{
  KdhConnState state;

  g_mutex_lock (&engine->snap_lock);
  state = engine->snap_state;
  g_mutex_unlock (&engine->snap_lock);
  return state;
}

gboolean
kdh_engine_get_trace (KdhEngine *engine)
{
  return g_atomic_int_get (&engine->trace);
}

gboolean
kdh_engine_get_initial_break (KdhEngine *engine)
{
  return g_atomic_int_get (&engine->initial_break);
}

gchar *
kdh_engine_dup_connection_options (KdhEngine *engine)
{
  gchar *text;

  g_mutex_lock (&engine->snap_lock);
  text = g_strdup (engine->snap_connection);
  g_mutex_unlock (&engine->snap_lock);
  return text;
}

GVariant *
kdh_engine_dup_peer_counters (KdhEngine *engine)
{
  GVariant *counters;

  g_mutex_lock (&engine->snap_lock);
  counters = engine->snap_peer_counters ? g_variant_ref (engine->snap_peer_counters) : NULL;
  g_mutex_unlock (&engine->snap_lock);
  return counters;
}
