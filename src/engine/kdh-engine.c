/* kdh-engine.c: the debugger engine thread, its queues and its events
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine thread runs a loop of its own around its GMainContext rather
 * than a GMainLoop: commands run at the top of that loop, one at a time,
 * and wait for the target through kdh_engine_wait(), which iterates the
 * same context (transport I/O and timers keep running) and watches the
 * urgent queue. That keeps every command a plain sequence of requests
 * while break, resync and restart can still cut in.
 */
#include "kdh-engine-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

#include "kdh-commands.h"
#include "kdh-remote-client.h"
#include "kdh-remote-string.h"
#include "kdh-server.h"
#include "kdh-session.h"

typedef enum {
  CMD_ATTACH,
  CMD_EXECUTE,
  CMD_RESYNC,
  CMD_RESTART,
  CMD_CYCLE_BAUD,
  CMD_DETACH,
  CMD_BREAK,
  CMD_TRACE,
  CMD_INITIAL_BREAK,
  CMD_VERBOSE,
  CMD_QUIT,
  CMD_CONNECT_REMOTE,
} CommandKind;

typedef struct {
  CommandKind kind;
  guint token;
  gchar *text;
  gchar *origin;
  gboolean flag;
} Command;

/* Output coalescing: one event per kind change, per step, or per this many
 * bytes, whichever comes first. */
#define OUTPUT_CHUNK_MAX (64 * 1024)

/* Front-end flow control. A dispatch of the delivery source hands events
 * to the front end for at most DELIVERY_BUDGET_US and then yields, so that
 * a backlog costs the front end's main loop a few milliseconds at a time
 * rather than one long stall. Undelivered events are counted in bytes
 * (their text plus EVENT_COST each); above KDH_ENGINE_BACKLOG_HIGH_WATER
 * the engine is backlogged and the session stops reading from the target
 * (kdh_session_throttle_input()) until the front end has drained below
 * BACKLOG_LOW_WATER. The target keeps its DbgPrint and sends it again until
 * it is acknowledged, so memory stays bounded and nothing is lost. */
#define DELIVERY_BUDGET_US 3000
#define BACKLOG_LOW_WATER (KDH_ENGINE_BACKLOG_HIGH_WATER / 4)
#define EVENT_COST 128

struct _KdhEngine
{
  GThread *thread;
  GMainContext *context;          /* the engine thread's */
  GAsyncQueue *commands;          /* Command*, in order */
  GAsyncQueue *urgent;            /* Command*, overtaking */
  guint next_token;               /* atomic */

  /* Front end delivery. */
  GMainContext *frontend_context;
  KdhEngineEventFunc frontend_func;
  gpointer frontend_data;
  GMutex out_lock;
  GQueue out_events;              /* KdhEvent* */
  GSource *out_source;            /* pending delivery, or NULL */
  gboolean shutting_down;         /* no deliveries after free() */
  gboolean out_held;              /* the front end asked to hold delivery */
  gsize out_bytes;                /* what out_events costs, see EVENT_COST */
  gsize out_bytes_peak;
  gint backlogged;                /* atomic: above the high-water mark */

  /* Snapshots for other threads. */
  GMutex snap_lock;
  KdhConnState snap_state;
  gchar *snap_connection;
  gboolean snap_have_sim;
  KdhSimCounters snap_sim;
  gint trace;                     /* atomic booleans */
  gint initial_break;
  gint verbose;

  /* Engine thread only. */
  GArray *taps;                   /* Tap */
  KdhSession *session;
  KdhRemoteClient *remote;        /* -remote: a debugging server's session instead */
  KdhCommands *cmds;
  KdhServerSet *servers;          /* .server, created by the first one */
  gboolean quit;
  gboolean busy;                  /* a command is running */
  GString *pending_output;
  KdhOutputKind pending_kind;
  KdhConnState state;
  gchar *last_prompt;
  gint last_ready;                /* -1: none sent yet */
};

static void
command_free (gpointer data)
{
  Command *cmd = data;

  g_free (cmd->text);
  g_free (cmd->origin);
  g_free (cmd);
}

/* ---- Delivery to the front end ----------------------------------------- */

static gboolean deliver_events (gpointer data);

static gsize
event_cost (const KdhEvent *event)
{
  return EVENT_COST + (event->text ? strlen (event->text) : 0);
}

/* Under out_lock. */
static void
schedule_delivery (KdhEngine *engine)
{
  if (engine->out_source || engine->out_held || engine->shutting_down
      || g_queue_is_empty (&engine->out_events))
    return;
  engine->out_source = g_idle_source_new ();
  g_source_set_priority (engine->out_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (engine->out_source, deliver_events, engine, NULL);
  g_source_set_name (engine->out_source, "[kdhost] engine events");
  g_source_attach (engine->out_source, engine->frontend_context);
}

static gboolean
deliver_events (gpointer data)
{
  KdhEngine *engine = data;
  gint64 deadline = g_get_monotonic_time () + DELIVERY_BUDGET_US;
  gboolean more;

  g_mutex_lock (&engine->out_lock);
  for (;;)
    {
      KdhEvent *event;

      if (engine->out_held || engine->shutting_down
          || (event = g_queue_pop_head (&engine->out_events)) == NULL)
        break;
      engine->out_bytes -= event_cost (event);
      if (engine->out_bytes < BACKLOG_LOW_WATER && g_atomic_int_get (&engine->backlogged))
        {
          /* The engine looks at this before it sleeps again. */
          g_atomic_int_set (&engine->backlogged, FALSE);
          g_main_context_wakeup (engine->context);
        }
      /* Unlocked: the handler may post commands or hold delivery. */
      g_mutex_unlock (&engine->out_lock);
      if (engine->frontend_func)
        engine->frontend_func (engine, event, engine->frontend_data);
      kdh_event_unref (event);
      g_mutex_lock (&engine->out_lock);
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  /* Still something to deliver: the same source runs again after the main
   * loop has seen to everything else (input, drawing) once. */
  more = !engine->out_held && !engine->shutting_down && !g_queue_is_empty (&engine->out_events);
  if (!more)
    g_clear_pointer (&engine->out_source, g_source_unref);
  g_mutex_unlock (&engine->out_lock);
  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

typedef struct {
  KdhEngineTap func;
  gpointer data;
} Tap;

void
kdh_engine_add_tap (KdhEngine    *engine,
                    KdhEngineTap  tap,
                    gpointer      user_data)
{
  Tap t = { tap, user_data };

  g_array_append_val (engine->taps, t);
}

void
kdh_engine_remove_tap (KdhEngine    *engine,
                       KdhEngineTap  tap,
                       gpointer      user_data)
{
  for (guint i = 0; i < engine->taps->len; i++)
    {
      Tap *t = &g_array_index (engine->taps, Tap, i);

      if (t->func == tap && t->data == user_data)
        {
          g_array_remove_index (engine->taps, i);
          return;
        }
    }
}

static void
queue_event (KdhEngine *engine,
             KdhEvent  *event)
{
  for (guint i = 0; i < engine->taps->len; i++)
    {
      Tap *t = &g_array_index (engine->taps, Tap, i);

      t->func (engine, event, t->data);
    }
  g_mutex_lock (&engine->out_lock);
  g_queue_push_tail (&engine->out_events, event);
  engine->out_bytes += event_cost (event);
  engine->out_bytes_peak = MAX (engine->out_bytes_peak, engine->out_bytes);
  if (engine->out_bytes > KDH_ENGINE_BACKLOG_HIGH_WATER)
    g_atomic_int_set (&engine->backlogged, TRUE);
  /* One pending source delivers what is queued by the time it runs, a
   * time budget at a time: bursts cost the front end few dispatches. */
  schedule_delivery (engine);
  g_mutex_unlock (&engine->out_lock);
}

/* Before the engine thread sleeps: reading from the target follows the
 * front end's backlog. Returns when to look again (G_MAXINT64: no need). */
static gint64
throttle_input (KdhEngine *engine)
{
  if (engine->session == NULL)
    return G_MAXINT64;
  return kdh_session_throttle_input (engine->session, g_atomic_int_get (&engine->backlogged));
}

static void
flush_output (KdhEngine *engine)
{
  KdhEvent *event;

  if (engine->pending_output->len == 0)
    return;
  event = kdh_event_new (KDH_EVENT_OUTPUT);
  event->output_kind = engine->pending_kind;
  event->text = g_strndup (engine->pending_output->str, engine->pending_output->len);
  g_string_truncate (engine->pending_output, 0);
  queue_event (engine, event);
}

void
kdh_engine_post (KdhEngine *engine,
                 KdhEvent  *event)
{
  flush_output (engine);
  queue_event (engine, event);
}

void
kdh_engine_output (KdhEngine     *engine,
                   KdhOutputKind  kind,
                   const gchar   *text)
{
  if (text == NULL || *text == '\0')
    return;
  if (engine->pending_output->len > 0
      && (engine->pending_kind != kind || engine->pending_output->len > OUTPUT_CHUNK_MAX))
    flush_output (engine);
  engine->pending_kind = kind;
  g_string_append (engine->pending_output, text);
}

void
kdh_engine_printf (KdhEngine     *engine,
                   KdhOutputKind  kind,
                   const gchar   *format,
                   ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  kdh_engine_output (engine, kind, text);
}

void
kdh_engine_publish_state (KdhEngine    *engine,
                          KdhConnState  state,
                          const gchar  *reason,
                          guint         attempt,
                          const gchar  *transport,
                          const gchar  *target)
{
  KdhEvent *event = kdh_event_new (KDH_EVENT_STATE);

  engine->state = state;
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
  event->transport = g_strdup (transport);
  event->target = g_strdup (target);
  kdh_engine_post (engine, event);
}

static gchar *
current_prompt (KdhEngine *engine)
{
  if (engine->remote)
    return kdh_remote_client_dup_prompt (engine->remote, NULL);
  if (engine->state == KDH_CONN_BREAK && engine->session)
    return g_strdup_printf ("%u: kd> ", kdh_session_get_cpu (engine->session));
  return g_strdup ("kd> ");
}

static gboolean
prompt_ready (KdhEngine *engine)
{
  gboolean remote_ready;

  if (engine->remote)
    {
      g_free (kdh_remote_client_dup_prompt (engine->remote, &remote_ready));
      return !engine->busy && remote_ready;
    }
  return !engine->busy
         && (engine->state == KDH_CONN_BREAK || engine->state == KDH_CONN_DISCONNECTED
             || engine->state == KDH_CONN_LOST);
}

gchar *
kdh_engine_dup_prompt (KdhEngine *engine,
                       gboolean  *ready)
{
  if (ready)
    *ready = prompt_ready (engine);
  return current_prompt (engine);
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
  g_autofree gchar *prompt = current_prompt (engine);

  g_autofree gchar *shown = kdh_remote_string_mask_passwords (line ? line : "");

  event->output_kind = KDH_OUTPUT_ECHO;
  /* The debugging server matches a client's command to its output. */
  event->token = token;
  /* Passwords (.server ...,password=P) are never shown again. */
  event->text = g_strdup_printf ("%s%s\n", prompt, shown);
  event->origin = g_strdup (origin);
  kdh_engine_post (engine, event);
}

/* The prompt follows the state: ready at a break and with no connection,
 * busy while a command runs and while the target runs or is being
 * connected to. Sent only when it changes. */
static void
update_prompt (KdhEngine *engine)
{
  g_autofree gchar *prompt = current_prompt (engine);
  gboolean ready = prompt_ready (engine);
  KdhEvent *event;

  if (engine->last_ready == ready && g_strcmp0 (prompt, engine->last_prompt) == 0)
    return;
  engine->last_ready = ready;
  g_free (engine->last_prompt);
  engine->last_prompt = g_strdup (prompt);
  event = kdh_event_new (KDH_EVENT_PROMPT);
  event->prompt = g_steal_pointer (&prompt);
  event->ready = ready;
  kdh_engine_post (engine, event);
}

void
kdh_engine_refresh_prompt (KdhEngine *engine)
{
  update_prompt (engine);
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

/* ---- Accessors for the engine's parts ---------------------------------- */

gboolean
kdh_engine_trace_enabled (KdhEngine *engine)
{
  return g_atomic_int_get (&engine->trace);
}

gboolean
kdh_engine_initial_break (KdhEngine *engine)
{
  return g_atomic_int_get (&engine->initial_break);
}

KdhSession *
kdh_engine_get_session (KdhEngine *engine)
{
  return engine->session;
}

KdhServerSet *
kdh_engine_get_servers (KdhEngine *engine,
                        gboolean   create)
{
  if (engine->servers == NULL && create)
    engine->servers = kdh_server_set_new (engine);
  return engine->servers;
}

/* ---- Waiting ----------------------------------------------------------- */

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static void
handle_inline (KdhEngine *engine,
               Command   *cmd)
{
  switch (cmd->kind)
    {
    case CMD_BREAK:
      /* A command running or queued may be a `g`: the break is for the
       * target it lets run. */
      if (engine->session)
        kdh_session_break (engine->session,
                           engine->busy || g_async_queue_length (engine->commands) > 0);
      else if (engine->remote)
        kdh_remote_client_interrupt (engine->remote);
      else
        kdh_engine_output (engine, KDH_OUTPUT_ERROR, _("No kernel connection to break into.\n"));
      break;
    case CMD_TRACE:
      g_atomic_int_set (&engine->trace, cmd->flag);
      if (engine->session)
        kdh_session_set_trace (engine->session, cmd->flag);
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
                         cmd->flag ? _("Will request an initial break at the next connection.\n")
                                   : _("No initial break will be requested.\n"));
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_inline (Command *cmd)
{
  return cmd->kind == CMD_BREAK || cmd->kind == CMD_TRACE || cmd->kind == CMD_INITIAL_BREAK
         || cmd->kind == CMD_VERBOSE;
}

static const gchar *
command_label (Command *cmd)
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

#define FRONT_END_WAIT_MAX_MS 5000

static gboolean
front_ends_caught_up (gpointer data)
{
  KdhEngine *engine = data;

  return !g_atomic_int_get (&engine->backlogged);
}

gboolean
kdh_engine_wait_for_front_ends (KdhEngine  *engine,
                                GError    **error)
{
  g_autoptr (GError) local = NULL;

  /* What the command printed so far counts. */
  flush_output (engine);
  if (!g_atomic_int_get (&engine->backlogged))
    return TRUE;
  if (kdh_engine_wait (engine, front_ends_caught_up, engine,
                       g_get_monotonic_time () + FRONT_END_WAIT_MAX_MS * 1000, &local))
    return TRUE;
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

gboolean
kdh_engine_wait (KdhEngine  *engine,
                 gboolean  (*done) (gpointer data),
                 gpointer    data,
                 gint64      deadline_us,
                 GError    **error)
{
  for (;;)
    {
      Command *cmd;
      GSource *timer = NULL;
      gint64 wake_us;

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
      flush_output (engine);
      wake_us = MIN (deadline_us, throttle_input (engine));
      if (wake_us != G_MAXINT64)
        {
          gint64 ms = (wake_us - g_get_monotonic_time () + 999) / 1000;

          timer = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXINT));
          g_source_set_callback (timer, wake_up, NULL, NULL);
          g_source_attach (timer, engine->context);
        }
      g_main_context_iteration (engine->context, TRUE);
      if (timer)
        {
          g_source_destroy (timer);
          g_source_unref (timer);
        }
    }
}

/* ---- Commands ---------------------------------------------------------- */

static void
set_connection_snapshot (KdhEngine *engine)
{
  g_autofree gchar *text = NULL;

  if (engine->session)
    text = kdh_connection_string_to_string (kdh_session_get_connection (engine->session));
  else if (engine->remote)
    text = kdh_remote_client_dup_string (engine->remote);
  g_mutex_lock (&engine->snap_lock);
  g_free (engine->snap_connection);
  engine->snap_connection = g_steal_pointer (&text);
  g_mutex_unlock (&engine->snap_lock);
}

static void
close_session (KdhEngine *engine)
{
  if (engine->remote)
    {
      /* The snapshot first: a front end that sees Disconnected must not
       * still read the remote string. */
      KdhRemoteClient *remote = g_steal_pointer (&engine->remote);

      set_connection_snapshot (engine);
      kdh_remote_client_free (remote);
    }
  if (engine->session == NULL)
    return;
  kdh_session_close (engine->session);
  g_clear_pointer (&engine->session, kdh_session_free);
  set_connection_snapshot (engine);
  kdh_engine_store_sim_counters (engine, NULL);
}

static gboolean
run_attach (KdhEngine   *engine,
            const gchar *text,
            GError     **error)
{
  KdhConnectionString *cs = kdh_connection_string_parse (text, error);

  if (cs == NULL)
    return FALSE;
  close_session (engine);
  engine->session = kdh_session_new (engine, cs);
  set_connection_snapshot (engine);
  return kdh_session_attach (engine->session, error);
}

/* Remote mode: the engine is a debugging client, and commands go to the
 * server, which echoes them to everyone (this front end included). */
static gboolean
run_connect_remote (KdhEngine   *engine,
                    const gchar *text,
                    GError     **error)
{
  close_session (engine);
  engine->remote = kdh_remote_client_new (engine);
  if (!kdh_remote_client_connect (engine->remote, text, error))
    {
      g_clear_pointer (&engine->remote, kdh_remote_client_free);
      return FALSE;
    }
  set_connection_snapshot (engine);
  return TRUE;
}

static gboolean
run_remote (KdhEngine  *engine,
            Command    *cmd,
            GError    **error)
{
  gboolean ok = TRUE;

  switch (cmd->kind)
    {
    case CMD_EXECUTE:
      /* Nobody else can echo it while there is no server. */
      if (!kdh_remote_client_is_connected (engine->remote))
        echo_command (engine, cmd->text, cmd->origin, cmd->token);
      ok = kdh_remote_client_execute (engine->remote, cmd->text, error);
      if (kdh_remote_client_quit_requested (engine->remote))
        close_session (engine);
      break;
    case CMD_RESYNC:
      ok = kdh_remote_client_resync (engine->remote, error);
      break;
    case CMD_RESTART:
      ok = kdh_remote_client_restart (engine->remote, error);
      break;
    case CMD_CYCLE_BAUD:
      ok = kdh_remote_client_cycle_baud (engine->remote, error);
      break;
    default:
      g_assert_not_reached ();
    }
  return ok;
}

static gboolean
require_session (KdhEngine  *engine,
                 GError    **error)
{
  if (engine->session)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                       _("There is no kernel connection (use kdhost -k or File > Kernel Debug)."));
  return FALSE;
}

static void
run_command (KdhEngine *engine,
             Command   *cmd)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  if (is_inline (cmd))
    {
      /* Break and the switches are not commands the prompt waits for. */
      handle_inline (engine, cmd);
      command_done (engine, cmd->token, NULL);
      return;
    }
  engine->busy = TRUE;
  update_prompt (engine);
  if (engine->remote && (cmd->kind == CMD_EXECUTE || cmd->kind == CMD_RESYNC
                         || cmd->kind == CMD_RESTART || cmd->kind == CMD_CYCLE_BAUD))
    ok = run_remote (engine, cmd, &error);
  else switch (cmd->kind)
    {
    case CMD_CONNECT_REMOTE:
      ok = run_connect_remote (engine, cmd->text, &error);
      break;
    case CMD_ATTACH:
      ok = run_attach (engine, cmd->text, &error);
      break;
    case CMD_EXECUTE:
      echo_command (engine, cmd->text, cmd->origin, cmd->token);
      ok = kdh_commands_execute (engine->cmds, cmd->text, cmd->origin, &error);
      break;
    case CMD_RESYNC:
      ok = require_session (engine, &error) && kdh_session_resync (engine->session, &error);
      break;
    case CMD_RESTART:
      ok = require_session (engine, &error) && kdh_session_restart (engine->session, &error);
      break;
    case CMD_CYCLE_BAUD:
      ok = require_session (engine, &error) && kdh_session_cycle_baud (engine->session, &error);
      break;
    case CMD_DETACH:
      close_session (engine);
      break;
    case CMD_QUIT:
      close_session (engine);
      engine->quit = TRUE;
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok && error)
    {
      /* Interruptions are reported by whatever interrupted; a debugging
       * server has shown its own errors to everyone already. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !g_error_matches (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_REPORTED))
        kdh_engine_printf (engine, KDH_OUTPUT_ERROR, "%s\n", error->message);
    }
  engine->busy = FALSE;
  if (engine->session)
    kdh_session_command_finished (engine->session);
  /* The prompt first: a front end that sees the command done already knows
   * whether the debugger is ready for the next one. */
  update_prompt (engine);
  command_done (engine, cmd->token, ok ? NULL : error);
}

/* Everything the top of the loop has to do now; returns TRUE when it did
 * something (so the loop looks again before sleeping). */
static gboolean
engine_step (KdhEngine *engine)
{
  Command *cmd;

  if ((cmd = g_async_queue_try_pop (engine->urgent)))
    {
      run_command (engine, cmd);
      command_free (cmd);
      return TRUE;
    }
  if (engine->session && kdh_session_next_poll (engine->session) <= g_get_monotonic_time ())
    {
      kdh_session_poll (engine->session);
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

  g_main_context_push_thread_default (engine->context);
  update_prompt (engine);
  while (!engine->quit)
    {
      GSource *timer = NULL;
      gint64 next;

      if (engine_step (engine))
        continue;
      flush_output (engine);
      next = engine->session ? kdh_session_next_poll (engine->session) : G_MAXINT64;
      next = MIN (next, throttle_input (engine));
      if (next != G_MAXINT64)
        {
          gint64 ms = (next - g_get_monotonic_time () + 999) / 1000;

          timer = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXINT));
          g_source_set_callback (timer, wake_up, NULL, NULL);
          g_source_attach (timer, engine->context);
        }
      g_main_context_iteration (engine->context, TRUE);
      if (timer)
        {
          g_source_destroy (timer);
          g_source_unref (timer);
        }
    }
  close_session (engine);
  flush_output (engine);
  /* The servers' sockets and D-Bus connections belong to this context. */
  g_clear_pointer (&engine->servers, kdh_server_set_free);
  flush_output (engine);
  g_main_context_pop_thread_default (engine->context);
  return NULL;
}

static guint
post (KdhEngine   *engine,
      CommandKind  kind,
      const gchar *text,
      const gchar *origin,
      gboolean     flag,
      gboolean     urgent)
{
  Command *cmd = g_new0 (Command, 1);
  guint token = (guint) g_atomic_int_add (&engine->next_token, 1);

  cmd->kind = kind;
  cmd->token = token;
  cmd->text = g_strdup (text);
  cmd->origin = g_strdup (origin);
  cmd->flag = flag;
  /* From here on the engine thread owns (and may already have freed) cmd. */
  g_async_queue_push (urgent ? engine->urgent : engine->commands, cmd);
  g_main_context_wakeup (engine->context);
  return token;
}

/* ---- Public API -------------------------------------------------------- */

KdhEngine *
kdh_engine_new (GMainContext       *context,
                KdhEngineEventFunc  func,
                gpointer            user_data)
{
  KdhEngine *engine = g_new0 (KdhEngine, 1);

  engine->context = g_main_context_new ();
  engine->commands = g_async_queue_new_full (command_free);
  engine->urgent = g_async_queue_new_full (command_free);
  engine->next_token = 1;
  engine->frontend_context = context ? g_main_context_ref (context)
                                     : g_main_context_ref_thread_default ();
  engine->frontend_func = func;
  engine->frontend_data = user_data;
  g_mutex_init (&engine->out_lock);
  g_mutex_init (&engine->snap_lock);
  g_queue_init (&engine->out_events);
  engine->initial_break = TRUE;
  engine->pending_output = g_string_new (NULL);
  engine->last_ready = -1;
  engine->cmds = kdh_commands_new (engine);
  engine->taps = g_array_new (FALSE, FALSE, sizeof (Tap));
  engine->thread = g_thread_new ("kdh-engine", engine_thread, engine);
  return engine;
}

void
kdh_engine_free (KdhEngine *engine)
{
  if (engine == NULL)
    return;
  post (engine, CMD_QUIT, NULL, NULL, FALSE, TRUE);
  g_thread_join (engine->thread);

  g_mutex_lock (&engine->out_lock);
  engine->shutting_down = TRUE;
  if (engine->out_source)
    {
      g_source_destroy (engine->out_source);
      g_clear_pointer (&engine->out_source, g_source_unref);
    }
  g_queue_clear_full (&engine->out_events, (GDestroyNotify) kdh_event_unref);
  g_mutex_unlock (&engine->out_lock);

  g_async_queue_unref (engine->commands);
  g_async_queue_unref (engine->urgent);
  g_main_context_unref (engine->context);
  g_main_context_unref (engine->frontend_context);
  g_mutex_clear (&engine->out_lock);
  g_mutex_clear (&engine->snap_lock);
  g_string_free (engine->pending_output, TRUE);
  g_free (engine->snap_connection);
  g_free (engine->last_prompt);
  kdh_commands_free (engine->cmds);
  g_array_unref (engine->taps);
  g_free (engine);
}

guint
kdh_engine_attach (KdhEngine   *engine,
                   const gchar *connection)
{
  return post (engine, CMD_ATTACH, connection, NULL, FALSE, FALSE);
}

guint
kdh_engine_connect_remote (KdhEngine   *engine,
                           const gchar *remote_string)
{
  return post (engine, CMD_CONNECT_REMOTE, remote_string, NULL, FALSE, FALSE);
}

guint
kdh_engine_execute (KdhEngine   *engine,
                    const gchar *command_line,
                    const gchar *origin)
{
  return post (engine, CMD_EXECUTE, command_line, origin, FALSE, FALSE);
}

guint
kdh_engine_resync (KdhEngine *engine)
{
  return post (engine, CMD_RESYNC, NULL, NULL, FALSE, TRUE);
}

guint
kdh_engine_restart (KdhEngine *engine)
{
  return post (engine, CMD_RESTART, NULL, NULL, FALSE, TRUE);
}

guint
kdh_engine_cycle_baud (KdhEngine *engine)
{
  return post (engine, CMD_CYCLE_BAUD, NULL, NULL, FALSE, TRUE);
}

guint
kdh_engine_detach (KdhEngine *engine)
{
  return post (engine, CMD_DETACH, NULL, NULL, FALSE, TRUE);
}

void
kdh_engine_break (KdhEngine *engine)
{
  post (engine, CMD_BREAK, NULL, NULL, FALSE, TRUE);
}

void
kdh_engine_set_trace (KdhEngine *engine,
                      gboolean   enabled)
{
  post (engine, CMD_TRACE, NULL, NULL, enabled, TRUE);
}

void
kdh_engine_set_verbose (KdhEngine *engine,
                        gboolean   enabled)
{
  post (engine, CMD_VERBOSE, NULL, NULL, enabled, TRUE);
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
  post (engine, CMD_INITIAL_BREAK, NULL, NULL, enabled, TRUE);
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

void
kdh_engine_hold_delivery (KdhEngine *engine,
                          gboolean   hold)
{
  g_mutex_lock (&engine->out_lock);
  engine->out_held = hold;
  schedule_delivery (engine);
  g_mutex_unlock (&engine->out_lock);
}

gsize
kdh_engine_get_backlog (KdhEngine *engine,
                        gsize     *peak)
{
  gsize bytes;

  g_mutex_lock (&engine->out_lock);
  bytes = engine->out_bytes;
  if (peak)
    *peak = engine->out_bytes_peak;
  g_mutex_unlock (&engine->out_lock);
  return bytes;
}

void
kdh_engine_store_sim_counters (KdhEngine            *engine,
                               const KdhSimCounters *counters)
{
  g_mutex_lock (&engine->snap_lock);
  engine->snap_have_sim = counters != NULL;
  if (counters)
    engine->snap_sim = *counters;
  g_mutex_unlock (&engine->snap_lock);
}

gboolean
kdh_engine_get_sim_counters (KdhEngine *engine,
                             gpointer   counters_out)
{
  gboolean have;

  g_mutex_lock (&engine->snap_lock);
  have = engine->snap_have_sim;
  if (have)
    *(KdhSimCounters *) counters_out = engine->snap_sim;
  g_mutex_unlock (&engine->snap_lock);
  return have;
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
