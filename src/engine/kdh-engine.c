/* kdh-engine.c: the debugger engine thread, its queues and its backend
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine thread runs a loop of its own around its GMainContext rather
 * than a GMainLoop: commands run at the top of that loop, one at a time,
 * and wait for the target through the host interface's wait (engine_wait
 * below), which iterates the same context (transport I/O and timers keep
 * running) and watches the urgent queue. That keeps every command a plain
 * sequence of requests while break, resync and restart can still cut in.
 *
 * The engine drives at most one backend (kdh-backend.h): a KdhSession for
 * -k, a KdhRemoteClient for -remote. It never asks which one it has.
 */
#include "kdh-engine-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "remote/client/kdh-remote-client.h"
#include "remote/kdh-remote-string.h"
#include "transport/kdh-connection-string.h"

static void
command_free (gpointer data)
{
  KdhEngineCommand *cmd = data;

  /* A subscription the engine thread never took (it quit first). */
  if (cmd->subscription)
    kdh_engine_subscription_unref (cmd->subscription);
  g_free (cmd->text);
  g_free (cmd->origin);
  g_free (cmd);
}

static KdhEngine *
from_host (KdhHost *host)
{
  return (KdhEngine *) host;
}

/* ---- State and prompt ---------------------------------------------------- */

static void
set_connection_snapshot (KdhEngine *engine)
{
  g_autofree gchar *text = engine->backend ? engine->backend->klass->dup_connection (engine->backend)
                                           : NULL;

  g_mutex_lock (&engine->snap_lock);
  g_free (engine->snap_connection);
  engine->snap_connection = g_steal_pointer (&text);
  g_mutex_unlock (&engine->snap_lock);
}

static void
host_publish_state (KdhHost     *host,
                    KdhConnState state,
                    const gchar *reason,
                    guint        attempt,
                    guint        retry,
                    gint64       retry_at_us,
                    const gchar *transport,
                    const gchar *target)
{
  KdhEngine *engine = from_host (host);
  KdhEvent *event = kdh_event_new (KDH_EVENT_STATE);

  engine->state = state;
  /* A new connection's processors are not the old one's. */
  if (state == KDH_CONN_DISCONNECTED || state == KDH_CONN_OPENING)
    g_clear_pointer (&engine->break_prompt, g_free);
  g_mutex_lock (&engine->snap_lock);
  engine->snap_state = state;
  g_mutex_unlock (&engine->snap_lock);

  if (g_atomic_int_get (&engine->verbose))
    {
      g_autofree gchar *count = attempt > 1 ? g_strdup_printf (" (attempt %u)", attempt) : NULL;

      kdh_engine_printf (engine, KDH_OUTPUT_DEBUGGER, "[kdhost] %s%s%s%s\n",
                         kdh_conn_state_name (state), count ? count : "", reason ? ": " : "",
                         reason ? reason : "");
    }
  event->state = state;
  event->reason = g_strdup (reason);
  event->attempt = attempt;
  event->retry = retry;
  event->retry_at_us = retry_at_us;
  event->transport = g_strdup (transport);
  event->target = g_strdup (target);
  kdh_engine_post (engine, event);
}

static gchar *
current_prompt (KdhEngine *engine,
                gboolean  *ready)
{
  gboolean backend_ready = TRUE;
  gchar *prompt = engine->backend
                  ? engine->backend->klass->dup_prompt (engine->backend, &backend_ready)
                  : g_strdup ("kd> ");

  if (ready)
    *ready = !engine->busy && backend_ready;
  return prompt;
}

/* The prompt follows the state: ready at a break and with no connection,
 * busy while a command runs and while the target runs or is being
 * connected to. Sent only when it changes. */
static void
update_prompt (KdhEngine *engine)
{
  gboolean ready;
  g_autofree gchar *prompt = current_prompt (engine, &ready);
  KdhEvent *event;

  if (engine->last_ready == ready && g_strcmp0 (prompt, engine->last_prompt) == 0)
    return;
  engine->last_ready = ready;
  g_free (engine->last_prompt);
  engine->last_prompt = g_strdup (prompt);
  if (ready && engine->state == KDH_CONN_BREAK)
    {
      g_free (engine->break_prompt);
      engine->break_prompt = g_strdup (prompt);
    }
  event = kdh_event_new (KDH_EVENT_PROMPT);
  event->prompt = g_steal_pointer (&prompt);
  event->ready = ready;
  kdh_engine_post (engine, event);
}

/* Every command line is shown to every front end, with who typed it, in
 * the same order as the output. */
static void
echo_command (KdhEngine   *engine,
              const gchar *line,
              const gchar *origin,
              guint        token)
{
  KdhEvent *event = kdh_event_new (KDH_EVENT_OUTPUT);
  g_autofree gchar *prompt = current_prompt (engine, NULL);
  g_autofree gchar *shown = kdh_remote_string_mask_passwords (line ? line : "");

  /* Typed while the target runs (or resyncs): the prompt keeps the
   * processor it last stopped on ("0: kd> "), as it had when typed. */
  if (engine->break_prompt && strchr (prompt, ':') == NULL && engine->state != KDH_CONN_BREAK)
    {
      g_free (prompt);
      prompt = g_strdup (engine->break_prompt);
    }
  event->output_kind = KDH_OUTPUT_ECHO;
  /* The debugging server matches a client's command to its output. */
  event->token = token;
  /* Passwords (.server ...,password=P) are never shown again. */
  event->text = g_strdup_printf ("%s%s\n", prompt, shown);
  event->origin = g_strdup (origin);
  kdh_engine_post (engine, event);
}

static void
command_done (KdhEngine    *engine,
              guint         token,
              const GError *error)
{
  KdhEvent *event = kdh_event_new (KDH_EVENT_COMMAND_DONE);

  event->token = token;
  event->success = error == NULL;
  event->error = error ? g_strdup (error->message) : NULL;
  kdh_engine_post (engine, event);
}

/* ---- Urgent commands handled at once ------------------------------------ */

static void
handle_inline (KdhEngine        *engine,
               KdhEngineCommand *cmd)
{
  switch (cmd->kind)
    {
    case CMD_BREAK:
      /* A command running or queued may be a `g`: the break is for the
       * target it lets run. */
      if (engine->backend)
        engine->backend->klass->interrupt (engine->backend,
                                           engine->busy
                                           || g_async_queue_length (engine->commands) > 0);
      else
        kdh_engine_output (engine, KDH_OUTPUT_ERROR, _("No kernel connection to break into.\n"));
      break;
    case CMD_TRACE:
      g_atomic_int_set (&engine->trace, cmd->flag);
      if (engine->backend && engine->backend->klass->set_trace)
        engine->backend->klass->set_trace (engine->backend, cmd->flag);
      kdh_engine_printf (engine, KDH_OUTPUT_DEBUGGER, _("Packet trace %s.\n"),
                         cmd->flag ? _("on") : _("off"));
      break;
    case CMD_VERBOSE:
      g_atomic_int_set (&engine->verbose, cmd->flag);
      kdh_engine_printf (engine, KDH_OUTPUT_DEBUGGER, _("Verbose mode %s.\n"),
                         cmd->flag ? _("ON") : _("OFF"));
      break;
    case CMD_INITIAL_BREAK:
      g_atomic_int_set (&engine->initial_break, cmd->flag);
      kdh_engine_output (engine, KDH_OUTPUT_DEBUGGER,
                         cmd->flag ? _("Will request an initial break at the next connection "
                                       "and after the target reboots.\n")
                                   : _("No initial break will be requested.\n"));
      break;
    case CMD_SUBSCRIBE:
      kdh_engine_add_subscription (engine, g_steal_pointer (&cmd->subscription));
      break;
    case CMD_PRINT:
      kdh_engine_output (engine, cmd->output_kind, cmd->text);
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_inline (KdhEngineCommand *cmd)
{
  return cmd->kind == CMD_BREAK || cmd->kind == CMD_TRACE || cmd->kind == CMD_INITIAL_BREAK
         || cmd->kind == CMD_VERBOSE || cmd->kind == CMD_SUBSCRIBE || cmd->kind == CMD_PRINT;
}

static const gchar *
command_label (KdhEngineCommand *cmd)
{
  switch (cmd->kind)
    {
    case CMD_RESYNC: return _("resynchronize");
    case CMD_RESTART: return _(".restart");
    case CMD_DETACH: return _("stop debugging");
    case CMD_QUIT: return _("quit");
    case CMD_CYCLE_BAUD: return _("cycle baud rate");
    default: return _("another command");
    }
}

/* ---- Waiting ------------------------------------------------------------- */

static gboolean
engine_wait (KdhHost   *host,
             gboolean (*done) (gpointer data),
             gpointer   data,
             gint64     deadline_us,
             GError   **error)
{
  KdhEngine *engine = from_host (host);
  gint64 flush_at;

  for (;;)
    {
      KdhEngineCommand *cmd;

      /* Urgent commands: handle break and trace here, leave the others
       * queued (in front) for the top level and end this wait. */
      while ((cmd = g_async_queue_try_pop (engine->urgent)))
        {
          if (is_inline (cmd))
            {
              handle_inline (engine, cmd);
              command_free (cmd);
              continue;
            }
          g_async_queue_push_front (engine->urgent, cmd);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("interrupted by %s"),
                       command_label (cmd));
          return FALSE;
        }
      if (done (data))
        return TRUE;
      if (g_get_monotonic_time () >= deadline_us)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("timed out"));
          return FALSE;
        }
      flush_at = kdh_engine_linger_output (engine);
      kdh_engine_sleep_until (engine, MIN (MIN (deadline_us, kdh_engine_throttle_input (engine)),
                                          flush_at));
    }
}

#define FRONT_END_WAIT_MAX_MS 5000

static gboolean
front_ends_caught_up (gpointer data)
{
  KdhEngine *engine = data;

  return !g_atomic_int_get (&engine->backlogged);
}

static gboolean
engine_wait_for_front_ends (KdhHost *host,
                            GError **error)
{
  KdhEngine *engine = from_host (host);
  g_autoptr (GError) local = NULL;

  /* What the command printed counts: a long output goes in chunks as it
   * is printed, the rest once it has waited OUTPUT_LINGER_US. Flushing a
   * piece's progress dot every time woke every front end per 64 KiB of a
   * .writemem, a tenth of its time on a fast link (issue 16). */
  kdh_engine_linger_output (engine);
  if (!g_atomic_int_get (&engine->backlogged))
    return TRUE;
  if (engine_wait (host, front_ends_caught_up, engine,
                   g_get_monotonic_time () + FRONT_END_WAIT_MAX_MS * 1000, &local))
    return TRUE;
  /* A frozen front end must not stop the engine for good: its output
   * then queues. */
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* ---- The rest of the host interface -------------------------------------- */

static void
host_output (KdhHost      *host,
             KdhOutputKind kind,
             const gchar  *text)
{
  kdh_engine_output (from_host (host), kind, text);
}

static void
host_post (KdhHost  *host,
           KdhEvent *event)
{
  kdh_engine_post (from_host (host), event);
}

static void
host_prompt_changed (KdhHost *host)
{
  update_prompt (from_host (host));
}

static gboolean
host_trace_enabled (KdhHost *host)
{
  return g_atomic_int_get (&from_host (host)->trace);
}

static gboolean
host_initial_break (KdhHost *host)
{
  return g_atomic_int_get (&from_host (host)->initial_break);
}

static void
host_peer_counters (KdhHost  *host,
                    GVariant *counters)
{
  KdhEngine *engine = from_host (host);

  g_mutex_lock (&engine->snap_lock);
  g_clear_pointer (&engine->snap_peer_counters, g_variant_unref);
  engine->snap_peer_counters = counters ? g_variant_ref (counters) : NULL;
  g_mutex_unlock (&engine->snap_lock);
}

static void
host_show_location (KdhHost   *host,
                    KdhTarget *target)
{
  kdh_commands_show_location (from_host (host)->cmds, target);
}

static const KdhHostFuncs engine_host_funcs = {
  .output = host_output,
  .post = host_post,
  .publish_state = host_publish_state,
  .wait = engine_wait,
  .wait_for_front_ends = engine_wait_for_front_ends,
  .prompt_changed = host_prompt_changed,
  .trace_enabled = host_trace_enabled,
  .initial_break = host_initial_break,
  .peer_counters = host_peer_counters,
  .show_location = host_show_location,
};

/* ---- Commands ------------------------------------------------------------ */

static void
close_backend (KdhEngine *engine)
{
  KdhBackend *backend = g_steal_pointer (&engine->backend);

  if (backend == NULL)
    return;
  engine->session = NULL;
  kdh_commands_set_session (engine->cmds, NULL);
  /* The snapshot first: a front end that sees Disconnected must not still
   * read the old connection string. */
  set_connection_snapshot (engine);
  backend->klass->free (backend);
  host_peer_counters (&engine->host, NULL);
}

static gboolean
run_attach (KdhEngine   *engine,
            const gchar *text,
            GError     **error)
{
  KdhConnectionString *cs = kdh_connection_string_parse (text, error);

  if (cs == NULL)
    return FALSE;
  close_backend (engine);
  engine->session = kdh_session_new (&engine->host, cs);
  engine->backend = kdh_session_as_backend (engine->session);
  kdh_commands_set_session (engine->cmds, engine->session);
  set_connection_snapshot (engine);
  return kdh_session_attach (engine->session, error);
}

static gboolean
run_open_dump (KdhEngine   *engine,
               const gchar *path,
               GError     **error)
{
  KdhSession *session;

  close_backend (engine);
  session = kdh_session_open_dump (&engine->host, path, error);
  if (session == NULL)
    return FALSE;
  engine->session = session;
  engine->backend = kdh_session_as_backend (session);
  kdh_commands_set_session (engine->cmds, session);
  set_connection_snapshot (engine);
  return TRUE;
}

/* Remote mode: the engine is a debugging client, and commands go to the
 * server, which echoes them to everyone (this front end included). */
static gboolean
run_connect_remote (KdhEngine   *engine,
                    const gchar *text,
                    GError     **error)
{
  KdhRemoteClient *client;

  close_backend (engine);
  client = kdh_remote_client_new (&engine->host);
  engine->backend = kdh_remote_client_as_backend (client);
  if (!kdh_remote_client_connect (client, text, error))
    {
      close_backend (engine);
      return FALSE;
    }
  set_connection_snapshot (engine);
  return TRUE;
}

static gboolean
run_execute (KdhEngine        *engine,
             KdhEngineCommand *cmd,
             GError          **error)
{
  KdhBackend *backend = engine->backend;
  gboolean ok;

  if (backend && backend->klass->execute && !kdh_engine_log_is_command (cmd->text)
      && !kdh_engine_is_front_command (engine, cmd->text))
    {
      /* Nobody else can echo it while the backend does not. */
      if (!backend->klass->echoes_commands || !backend->klass->echoes_commands (backend))
        echo_command (engine, cmd->text, cmd->origin, cmd->token);
      ok = backend->klass->execute (backend, cmd->text, cmd->origin, error);
      if (backend->klass->wants_close && backend->klass->wants_close (backend))
        close_backend (engine);
      return ok;
    }
  echo_command (engine, cmd->text, cmd->origin, cmd->token);
  return kdh_commands_execute (engine->cmds, cmd->text, cmd->origin, error);
}

static KdhBackend *
require_backend (KdhEngine *engine,
                 GError   **error)
{
  if (engine->backend == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                         _("There is no kernel connection (use kdhost -k or File > Kernel Debug)."));
  return engine->backend;
}

static void
run_command (KdhEngine        *engine,
             KdhEngineCommand *cmd)
{
  g_autoptr (GError) error = NULL;
  KdhBackend *backend;
  gboolean ok = TRUE;

  if (is_inline (cmd))
    {
      /* Break and the switches are not commands the prompt waits for. */
      handle_inline (engine, cmd);
      if (cmd->token)
        command_done (engine, cmd->token, NULL);
      return;
    }
  if (cmd->kind == CMD_QUERY)
    {
      /* Not a command: no echo, no busy prompt. */
      kdh_engine_run_query (engine, cmd);
      return;
    }
  engine->busy = TRUE;
  update_prompt (engine);
  switch (cmd->kind)
    {
    case CMD_CONNECT_REMOTE:
      ok = run_connect_remote (engine, cmd->text, &error);
      break;
    case CMD_ATTACH:
      ok = run_attach (engine, cmd->text, &error);
      break;
    case CMD_OPEN_DUMP:
      ok = run_open_dump (engine, cmd->text, &error);
      break;
    case CMD_EXECUTE:
      ok = run_execute (engine, cmd, &error);
      break;
    case CMD_RESYNC:
      ok = (backend = require_backend (engine, &error)) && backend->klass->resync (backend, &error);
      break;
    case CMD_RESTART:
      ok = (backend = require_backend (engine, &error)) && backend->klass->restart (backend, &error);
      break;
    case CMD_CYCLE_BAUD:
      ok = (backend = require_backend (engine, &error))
           && backend->klass->cycle_baud (backend, &error);
      break;
    case CMD_DETACH:
      close_backend (engine);
      break;
    case CMD_QUIT:
      close_backend (engine);
      engine->quit = TRUE;
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok && error)
    {
      /* Interruptions are reported by whatever interrupted; a backend may
       * have shown the failure to everyone already. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !g_error_matches (error, KDH_BACKEND_ERROR, KDH_BACKEND_ERROR_REPORTED))
        kdh_engine_printf (engine, KDH_OUTPUT_ERROR, "%s\n", error->message);
    }
  engine->busy = FALSE;
  if (engine->backend && engine->backend->klass->command_finished)
    engine->backend->klass->command_finished (engine->backend);
  /* The prompt first: a front end that sees the command done already knows
   * whether the debugger is ready for the next one. */
  update_prompt (engine);
  command_done (engine, cmd->token, ok ? NULL : error);
}

static gint64
backend_next_poll (KdhEngine *engine)
{
  if (engine->backend == NULL || engine->backend->klass->next_poll == NULL)
    return G_MAXINT64;
  return engine->backend->klass->next_poll (engine->backend);
}

/* Everything the top of the loop has to do now; returns TRUE when it did
 * something (so the loop looks again before sleeping). */
static gboolean
engine_step (KdhEngine *engine)
{
  KdhEngineCommand *cmd;

  if ((cmd = g_async_queue_try_pop (engine->urgent)))
    {
      run_command (engine, cmd);
      command_free (cmd);
      return TRUE;
    }
  if (backend_next_poll (engine) <= g_get_monotonic_time ())
    {
      engine->backend->klass->poll (engine->backend);
      update_prompt (engine);
    }
  if ((cmd = g_async_queue_try_pop (engine->commands)))
    {
      run_command (engine, cmd);
      command_free (cmd);
      return TRUE;
    }
  return FALSE;
}

static gpointer
engine_thread (gpointer data)
{
  KdhEngine *engine = data;
  gint64 flush_at;

  g_main_context_push_thread_default (engine->context);
  update_prompt (engine);
  while (!engine->quit)
    {
      kdh_engine_apply_priority (engine);
      if (engine_step (engine))
        continue;
      flush_at = kdh_engine_linger_output (engine);
      kdh_engine_sleep_until (engine, MIN (MIN (backend_next_poll (engine), kdh_engine_throttle_input (engine)),
                                flush_at));
    }
  close_backend (engine);
  kdh_engine_flush_output (engine);
  g_main_context_pop_thread_default (engine->context);
  return NULL;
}

KdhEngineCommand *
kdh_engine_command_new (KdhEngine           *engine,
                        KdhEngineCommandKind kind,
                        const gchar         *text,
                        const gchar         *origin,
                        gboolean             flag)
{
  KdhEngineCommand *cmd = g_new0 (KdhEngineCommand, 1);

  cmd->kind = kind;
  cmd->token = (guint) g_atomic_int_add (&engine->next_token, 1);
  cmd->text = g_strdup (text);
  cmd->origin = g_strdup (origin);
  cmd->flag = flag;
  return cmd;
}

guint
kdh_engine_push (KdhEngine        *engine,
                 KdhEngineCommand *cmd,
                 gboolean          urgent)
{
  guint token = cmd->token;

  /* From here on the engine thread owns (and may already have freed) cmd. */
  g_async_queue_push (urgent ? engine->urgent : engine->commands, cmd);
  g_main_context_wakeup (engine->context);
  return token;
}

guint
kdh_engine_post_command (KdhEngine           *engine,
                         KdhEngineCommandKind kind,
                         const gchar         *text,
                         const gchar         *origin,
                         gboolean             flag,
                         gboolean             urgent)
{
  return kdh_engine_push (engine, kdh_engine_command_new (engine, kind, text, origin, flag), urgent);
}

/* ---- Commands of the engine's own ----------------------------------------- */

static gboolean
cmd_quit (KdhCommandCall *call,
          gpointer        data,
          GError        **error)
{
  /* The front end decides what quitting means; the engine drops the
   * connection. */
  kdh_engine_detach (data);
  return TRUE;
}

/* ---- Public API ---------------------------------------------------------- */

KdhEngine *
kdh_engine_new (GMainContext       *context,
                KdhEngineEventFunc  func,
                gpointer            user_data)
{
  KdhEngine *engine = g_new0 (KdhEngine, 1);

  engine->host.funcs = &engine_host_funcs;
  engine->context = g_main_context_new ();
  engine->commands = g_async_queue_new_full (command_free);
  engine->urgent = g_async_queue_new_full (command_free);
  engine->next_token = 1;
  g_mutex_init (&engine->snap_lock);
  kdh_engine_delivery_init (engine);
  engine->front_end = kdh_engine_subscribe_front_end (engine, context, func, user_data);
  engine->initial_break = TRUE;
  engine->last_ready = -1;
  engine->cmds = kdh_commands_new (&engine->host);
  engine->quit_command = kdh_commands_add (engine->cmds, "q", "q                 end the session",
                                           cmd_quit, engine, NULL);
  kdh_engine_log_add_commands (engine);
  engine->thread = g_thread_new ("kdh-engine", engine_thread, engine);
  return engine;
}

void
kdh_engine_free (KdhEngine *engine)
{
  if (engine == NULL)
    return;
  kdh_engine_post_command (engine, CMD_QUIT, NULL, NULL, FALSE, TRUE);
  g_thread_join (engine->thread);
  kdh_engine_log_close (engine);

  kdh_engine_delivery_shutdown (engine);
  g_async_queue_unref (engine->commands);
  g_async_queue_unref (engine->urgent);
  g_main_context_unref (engine->context);
  kdh_engine_delivery_clear (engine);
  g_mutex_clear (&engine->snap_lock);
  g_free (engine->snap_connection);
  g_clear_pointer (&engine->front_commands, g_hash_table_unref);
  g_clear_pointer (&engine->snap_peer_counters, g_variant_unref);
  g_free (engine->last_prompt);
  g_free (engine->break_prompt);
  kdh_commands_free (engine->cmds);
  g_free (engine);
}

