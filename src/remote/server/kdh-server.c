/* kdh-server.c: the debugging servers of one engine, and their commands
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The set runs on a thread of its own and sees every engine event through
 * a subscription, in the engine's order. Output goes into the numbered history
 * and from there to every client; state and prompt changes are signalled
 * as they come. A client's command is queued like the local user's, with
 * the client's name as origin, so the engine runs all commands in arrival
 * order and echoes each with its sender; the command's ECHO event (which
 * carries its token) and its COMMAND_DONE bracket the output that goes
 * back in the Execute reply.
 *
 * Output is batched before it is numbered: a DbgPrint flood is one engine
 * event per line or few, and one Output signal per event and client made
 * fan-out cost a D-Bus message (serialization, a write, wake-ups of the
 * GDBus worker and of the client's threads) per line and client, so that
 * 8 clients got a fraction of what the server printed. Output of one kind
 * and origin is gathered for at most KDH_SERVER_BATCH_DELAY_US, and up to
 * KDH_SERVER_BATCH_BYTES, then becomes one numbered chunk for everyone
 * (kdh-server-batch.c). The first output after a quiet spell goes out at
 * once, so interactive use sees no delay. Every client still reads the
 * same numbered history, so each gets every chunk exactly once and in
 * order.
 */
#include "kdh-server-private.h"

#include <glib/gi18n.h>
#include <string.h>


/* How long shutting down waits for connections still being set up or
 * torn down to let go of their clients. */
#define DRAIN_US (3 * G_USEC_PER_SEC)

/* ---- Output from the server -------------------------------------------- */

void
kdh_server_set_notice (KdhServerSet  *set,
                       KdhOutputKind  kind,
                       const gchar   *format,
                       ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* What a command (.server) says while it runs belongs to its output;
   * the rest goes into the session's output for everyone. */
  if (set->job_output)
    g_string_append (set->job_output, text);
  else
    kdh_engine_print (set->engine, kind, text);
}

/* ---- Output batching ---------------------------------------------------- */

/* A chunk is complete: into the history, and on to every client. */
static void
on_chunk (KdhOutputKind  kind,
          const gchar   *origin,
          const gchar   *text,
          gpointer       data)
{
  KdhServerSet *set = data;

  kdh_server_history_append (set->history, kind, origin, text);
  for (GList *l = set->clients; l; l = l->next)
    kdh_server_client_pump (l->data);
}

static void
cancel_batch_timer (KdhServerSet *set)
{
  if (set->batch_source)
    {
      g_source_destroy (set->batch_source);
      g_clear_pointer (&set->batch_source, g_source_unref);
    }
}

void
kdh_server_set_seal_output (KdhServerSet *set)
{
  cancel_batch_timer (set);
  kdh_server_batch_send (&set->batch, g_get_monotonic_time ());
}

static gboolean
on_batch_due (gpointer data)
{
  KdhServerSet *set = data;

  g_clear_pointer (&set->batch_source, g_source_unref);
  kdh_server_set_seal_output (set);
  return G_SOURCE_REMOVE;
}

static void
batch_output (KdhServerSet  *set,
              KdhOutputKind  kind,
              const gchar   *origin,
              const gchar   *text)
{
  gint64 now = g_get_monotonic_time ();
  gint64 due = kdh_server_batch_add (&set->batch, kind, origin, text, now);

  if (set->batch_source && due == set->batch_due_us)
    return;
  cancel_batch_timer (set);
  if (due == 0)
    return;
  set->batch_due_us = due;
  set->batch_source = g_timeout_source_new ((guint) ((MAX (due - now, 0) + 999) / 1000));
  g_source_set_callback (set->batch_source, on_batch_due, set, NULL);
  g_source_set_name (set->batch_source, "[kdhost] server output batch");
  g_source_attach (set->batch_source, g_main_context_get_thread_default ());
}

/* ---- Client commands ---------------------------------------------------- */

static void
pending_free (gpointer data)
{
  KdhServerPending *p = data;

  if (p->invocation)
    g_dbus_method_invocation_return_dbus_error (p->invocation, KDH_REMOTE_ERROR_FAILED,
                                                _("The debugging server is shutting down."));
  if (p->client)
    kdh_server_client_unref (p->client);
  g_string_free (p->output, TRUE);
  g_free (p);
}

void
kdh_server_set_execute (KdhServerSet          *set,
                        KdhServerClient       *client,
                        GDBusMethodInvocation *invocation,
                        const gchar           *line)
{
  KdhServerPending *p = g_new0 (KdhServerPending, 1);

  /* The engine thread is this one: the command cannot start before it is
   * recorded here. */
  p->token = kdh_engine_execute (set->engine, line, kdh_server_client_name (client));
  p->client = kdh_server_client_ref (client);
  p->invocation = g_object_ref (invocation);
  p->output = g_string_new (NULL);
  g_hash_table_insert (set->pending, GUINT_TO_POINTER (p->token), p);
}

void
kdh_server_set_query (KdhServerSet          *set,
                      KdhServerClient       *client,
                      GDBusMethodInvocation *invocation,
                      guint                  query,
                      guint64                address,
                      guint                  count)
{
  KdhServerPending *p = g_new0 (KdhServerPending, 1);

  p->token = kdh_engine_query (set->engine, query, address, count);
  p->client = kdh_server_client_ref (client);
  p->invocation = g_object_ref (invocation);
  p->output = g_string_new (NULL);
  p->query = TRUE;
  g_hash_table_insert (set->pending, GUINT_TO_POINTER (p->token), p);
}

static void
reply_query (KdhServerSet   *set,
             const KdhEvent *event)
{
  KdhServerPending *p = g_hash_table_lookup (set->pending, GUINT_TO_POINTER (event->token));

  if (p == NULL || !p->query)
    return;
  if (event->result)
    g_dbus_method_invocation_return_value (g_steal_pointer (&p->invocation),
                                           g_variant_new ("(v)", event->result));
  else
    g_dbus_method_invocation_return_dbus_error (g_steal_pointer (&p->invocation),
                                                KDH_REMOTE_ERROR_FAILED,
                                                event->error ? event->error : "");
  g_hash_table_remove (set->pending, GUINT_TO_POINTER (event->token));
}

static void
collect_output (KdhServerPending *p,
                const gchar      *text)
{
  gsize len = strlen (text);
  gsize room = KDH_SERVER_MAX_REPLY_OUTPUT - MIN (p->output->len, KDH_SERVER_MAX_REPLY_OUTPUT);

  if (len <= room && p->dropped == 0)
    {
      g_string_append (p->output, text);
      return;
    }
  p->dropped += len;
}

static void
reply_pending (KdhServerSet   *set,
               const KdhEvent *event)
{
  KdhServerPending *p = g_hash_table_lookup (set->pending, GUINT_TO_POINTER (event->token));
  g_autofree gchar *output = NULL;

  if (p == NULL)
    return;
  if (set->current == p)
    set->current = NULL;
  if (p->client)
    p->client->n_executes--;
  if (p->invocation)
    {
      if (p->dropped > 0)
        g_string_append_printf (p->output, _("[%" G_GSIZE_FORMAT " more bytes of output are not "
                                             "in this reply; every byte went out as Output "
                                             "signals]\n"), p->dropped);
      output = g_utf8_make_valid (p->output->str, -1);
      g_dbus_method_invocation_return_value (g_steal_pointer (&p->invocation),
                                             g_variant_new ("(bss)", event->success, output,
                                                            event->error ? event->error : ""));
    }
  g_hash_table_remove (set->pending, GUINT_TO_POINTER (event->token));
}

/* ---- Engine events ------------------------------------------------------- */

static void
on_event (KdhEngine      *engine,
          const KdhEvent *event,
          gpointer        data)
{
  KdhServerSet *set = data;

  switch (event->kind)
    {
    case KDH_EVENT_OUTPUT:
      {
        KdhServerPending *p = NULL;

        if (event->output_kind == KDH_OUTPUT_ECHO && event->token)
          p = g_hash_table_lookup (set->pending, GUINT_TO_POINTER (event->token));
        if (p)
          set->current = p;
        else if (set->current && event->output_kind != KDH_OUTPUT_ECHO)
          collect_output (set->current, event->text);

        /* (Echoes come with passwords masked: kdh_remote_string_mask_passwords.)
         * The shared history begins with the first server. */
        if (set->recording)
          batch_output (set, event->output_kind, event->origin, event->text);
      }
      break;

    case KDH_EVENT_STATE:
      /* Clients see output and state changes in the server's order. */
      kdh_server_set_seal_output (set);
      {
        g_autofree gchar *reason = g_utf8_make_valid (event->reason ? event->reason : "", -1);
        g_autofree gchar *transport = g_utf8_make_valid (event->transport ? event->transport : "",
                                                         -1);
        g_autofree gchar *target = g_utf8_make_valid (event->target ? event->target : "", -1);

        g_clear_pointer (&set->state, g_variant_unref);
        set->state = g_variant_ref_sink (g_variant_new ("(ssuss)", kdh_conn_state_id (event->state),
                                                        reason, event->attempt, transport,
                                                        target));
      }
      for (GList *l = set->clients; l; l = l->next)
        kdh_server_client_signal_state (l->data);
      break;

    case KDH_EVENT_PROMPT:
      kdh_server_set_seal_output (set);
      g_free (set->prompt);
      set->prompt = g_utf8_make_valid (event->prompt ? event->prompt : "", -1);
      set->ready = event->ready;
      for (GList *l = set->clients; l; l = l->next)
        kdh_server_client_signal_prompt (l->data);
      break;

    case KDH_EVENT_COMMAND_DONE:
      /* The command's output goes out as signals before its reply. */
      kdh_server_set_seal_output (set);
      reply_pending (set, event);
      break;

    case KDH_EVENT_QUERY_RESULT:
      reply_query (set, event);
      break;

    default:
      break;
    }
}

GVariant *
kdh_server_set_get_state (KdhServerSet *set)
{
  const gchar *id, *reason, *transport, *target;
  g_autofree gchar *valid = NULL;
  guint32 attempt;

  if (set->state)
    g_variant_get (set->state, "(&s&su&s&s)", &id, &reason, &attempt, &transport, &target);
  else
    {
      /* The subscription's first event is on its way: the state as it is. */
      id = kdh_conn_state_id (kdh_engine_get_state (set->engine));
      valid = kdh_engine_dup_connection_options (set->engine);
      reason = target = "";
      transport = valid ? valid : "";
      attempt = 0;
    }
  return g_variant_new ("(ssusssb)", id, reason, attempt, transport, target, set->prompt,
                        set->ready);
}

guint
kdh_server_set_count_clients (KdhServerSet   *set,
                              KdhClientPhase  phase)
{
  guint n = 0;

  for (GList *l = set->clients; l; l = l->next)
    if (((KdhServerClient *) l->data)->phase == phase)
      n++;
  return n;
}

/* ---- The set ------------------------------------------------------------ */

/* Authentication is anonymous at the D-Bus level (the password travels in
 * Hello): no EXTERNAL or cookie mechanisms, which would tie a client to
 * this machine's users. Called in GDBus's authentication thread. */
static gboolean
allow_mechanism (GDBusAuthObserver *observer,
                 const gchar       *mechanism,
                 gpointer           data)
{
  return g_strcmp0 (mechanism, "ANONYMOUS") == 0;
}

static gpointer
server_thread (gpointer data)
{
  KdhServerSet *set = data;

  g_main_context_push_thread_default (set->context);
  g_main_loop_run (set->loop);
  g_main_context_pop_thread_default (set->context);
  return NULL;
}

KdhServerSet *
kdh_server_set_new (KdhEngine *engine)
{
  KdhServerSet *set = g_new0 (KdhServerSet, 1);
  g_autoptr (GError) error = NULL;

  set->engine = engine;
  set->history = kdh_server_history_new (KDH_SERVER_KEEP_BYTES);
  set->pending = g_hash_table_new_full (NULL, NULL, NULL, pending_free);
  set->node = g_dbus_node_info_new_for_xml (kdh_remote_introspection_xml, &error);
  g_assert_no_error (error);
  set->observer = g_dbus_auth_observer_new ();
  g_signal_connect (set->observer, "allow-mechanism", G_CALLBACK (allow_mechanism), NULL);
  kdh_server_batch_init (&set->batch, on_chunk, set);
  set->prompt = g_strdup ("kd> ");
  set->context = g_main_context_new ();
  set->loop = g_main_loop_new (set->context, FALSE);
  g_mutex_init (&set->job_lock);
  g_cond_init (&set->job_cond);
  set->subscription = kdh_engine_subscribe (engine, set->context, on_event, set);
  set->thread = g_thread_new ("kdh-server", server_thread, set);
  kdh_server_set_add_commands (set);
  return set;
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static gboolean
clients_released (GPtrArray *gone)
{
  for (guint i = 0; i < gone->len; i++)
    if (g_atomic_int_get (&((KdhServerClient *) gone->pdata[i])->ref_count) > 1)
      return FALSE;
  return TRUE;
}

/* On the servers' thread: everything down, then the loop ends. */
static gboolean
shut_down (gpointer data)
{
  KdhServerSet *set = data;
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) kdh_server_client_unref);
  gint64 deadline = g_get_monotonic_time () + DRAIN_US;

  set->closing = TRUE;
  /* What is batched still goes to the clients before they are closed. */
  kdh_server_set_seal_output (set);
  while (set->servers)
    {
      KdhServer *server = set->servers->data;

      set->servers = g_list_delete_link (set->servers, set->servers);
      kdh_server_stop (server);
    }
  while (set->clients)
    {
      KdhServerClient *client = set->clients->data;

      g_ptr_array_add (gone, kdh_server_client_ref (client));
      kdh_server_client_finish (client, NULL);
    }
  g_hash_table_remove_all (set->pending);
  /* Connections being authenticated or closed call back into this
   * context; let them, for a while, so they let go of their clients. */
  while (!clients_released (gone) && g_get_monotonic_time () < deadline)
    {
      GSource *timer = g_timeout_source_new (50);

      g_source_set_callback (timer, wake_up, NULL, NULL);
      g_source_attach (timer, set->context);
      g_main_context_iteration (set->context, TRUE);
      g_source_destroy (timer);
      g_source_unref (timer);
    }
  kdh_engine_unsubscribe (set->engine, g_steal_pointer (&set->subscription));
  /* Events that came during the drain may have armed the batch timer
   * again; its source would outlive the context's (a leak). */
  cancel_batch_timer (set);
  g_main_loop_quit (set->loop);
  return G_SOURCE_REMOVE;
}

void
kdh_server_set_free (KdhServerSet *set)
{
  if (set == NULL)
    return;
  /* No new .server once this starts; one that runs now finishes, or finds
   * the set closing. */
  kdh_server_set_remove_commands (set);
  g_main_context_invoke (set->context, shut_down, set);
  g_thread_join (set->thread);
  /* Jobs queued after the loop ended are answered as refused. */
  while (g_main_context_iteration (set->context, FALSE))
    ;
  g_main_loop_unref (set->loop);
  g_main_context_unref (set->context);
  g_mutex_clear (&set->job_lock);
  g_cond_clear (&set->job_cond);
  g_hash_table_unref (set->pending);
  kdh_server_history_free (set->history);
  g_clear_pointer (&set->state, g_variant_unref);
  g_dbus_node_info_unref (set->node);
  g_object_unref (set->observer);
  kdh_server_batch_clear (&set->batch);
  g_free (set->prompt);
  g_free (set);
}
