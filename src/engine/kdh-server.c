/* kdh-server.c: the debugging servers of one engine, and their commands
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The set sees every engine event through a tap, on the engine thread,
 * before the local front end does. Output goes into the numbered history
 * and from there to every client; state and prompt changes are signalled
 * as they come. A client's command is queued like the local user's, with
 * the client's name as origin, so the engine runs all commands in arrival
 * order and echoes each with its sender; the command's ECHO event (which
 * carries its token) and its COMMAND_DONE bracket the output that goes
 * back in the Execute reply.
 *
 * The tap must not produce engine output itself (that would re-enter the
 * tap), so messages that arise there are deferred to an idle callback.
 *
 * Output is batched before it is numbered: a DbgPrint flood is one engine
 * event per line or few, and one Output signal per event and client made
 * fan-out cost a D-Bus message (serialization, a write, wake-ups of the
 * GDBus worker and of the client's threads) per line and client, so that
 * 8 clients got a fraction of what the server printed. Output of one kind
 * and origin is gathered for at most KDH_SERVER_BATCH_DELAY_US, and up to
 * KDH_SERVER_BATCH_BYTES, then becomes one numbered chunk for everyone.
 * The first output after a quiet spell goes out at once, so interactive
 * use sees no delay. Every client still reads the same numbered history,
 * so each gets every chunk exactly once and in order.
 */
#include "kdh-server-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "kdh-session.h"

/* How long shutting down waits for connections still being set up or
 * torn down to let go of their clients. */
#define DRAIN_US (3 * G_USEC_PER_SEC)

/* ---- Output from the server -------------------------------------------- */

static gboolean
flush_notices (gpointer data)
{
  KdhServerSet *set = data;

  g_clear_pointer (&set->notice_source, g_source_unref);
  if (set->notices->len > 0)
    {
      kdh_engine_output (set->engine, KDH_OUTPUT_DEBUGGER, set->notices->str);
      g_string_truncate (set->notices, 0);
    }
  return G_SOURCE_REMOVE;
}

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
  if (!set->in_tap)
    {
      kdh_engine_output (set->engine, kind, text);
      return;
    }
  g_string_append (set->notices, text);
  if (set->notice_source == NULL)
    {
      set->notice_source = g_idle_source_new ();
      g_source_set_callback (set->notice_source, flush_notices, set, NULL);
      g_source_attach (set->notice_source, g_main_context_get_thread_default ());
    }
}

/* ---- Output batching ---------------------------------------------------- */

void
kdh_server_set_seal_output (KdhServerSet *set)
{
  if (set->batch_source)
    {
      g_source_destroy (set->batch_source);
      g_clear_pointer (&set->batch_source, g_source_unref);
    }
  if (set->batch->len == 0)
    return;
  kdh_server_history_append (set->history, set->batch_kind, set->batch_origin, set->batch->str);
  g_string_truncate (set->batch, 0);
  g_clear_pointer (&set->batch_origin, g_free);
  set->last_seal_us = g_get_monotonic_time ();
  for (GList *l = set->clients; l; l = l->next)
    kdh_server_client_pump (l->data);
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
  gsize len = strlen (text);
  gint64 now;

  if (len == 0)
    return;
  origin = origin ? origin : "";
  if (set->batch->len > 0
      && (kind != set->batch_kind || g_strcmp0 (origin, set->batch_origin) != 0
          || set->batch->len + len > KDH_SERVER_BATCH_BYTES))
    kdh_server_set_seal_output (set);
  if (set->batch->len == 0)
    {
      set->batch_kind = kind;
      set->batch_origin = g_strdup (origin);
    }
  g_string_append_len (set->batch, text, (gssize) len);

  now = g_get_monotonic_time ();
  /* An echo is one command line of its own (front ends prefix it with its
   * sender); output after a quiet spell is not held either. */
  if (kind == KDH_OUTPUT_ECHO || set->batch->len >= KDH_SERVER_BATCH_BYTES
      || now - set->last_seal_us >= KDH_SERVER_BATCH_DELAY_US)
    {
      kdh_server_set_seal_output (set);
      return;
    }
  if (set->batch_source == NULL)
    {
      gint64 due_us = set->last_seal_us + KDH_SERVER_BATCH_DELAY_US - now;

      set->batch_source = g_timeout_source_new ((guint) ((due_us + 999) / 1000));
      g_source_set_callback (set->batch_source, on_batch_due, set, NULL);
      g_source_set_name (set->batch_source, "[kdhost] server output batch");
      g_source_attach (set->batch_source, g_main_context_get_thread_default ());
    }
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

/* ---- The tap ------------------------------------------------------------ */

static void
on_event (KdhEngine      *engine,
          const KdhEvent *event,
          gpointer        data)
{
  KdhServerSet *set = data;

  set->in_tap = TRUE;
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

        /* (Echoes come with passwords masked: kdh_remote_string_mask_passwords.) */
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

    default:
      break;
    }
  set->in_tap = FALSE;
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
      /* No change since the server started: the state as it is. */
      KdhSession *session = kdh_engine_get_session (set->engine);

      id = kdh_conn_state_id (kdh_engine_get_state (set->engine));
      valid = g_utf8_make_valid (session ? kdh_session_describe_transport (session) : "", -1);
      reason = target = "";
      transport = valid;
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
  set->notices = g_string_new (NULL);
  set->batch = g_string_new (NULL);
  set->prompt = kdh_engine_dup_prompt (engine, &set->ready);
  kdh_engine_add_tap (engine, on_event, set);
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

void
kdh_server_set_free (KdhServerSet *set)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) kdh_server_client_unref);
  GMainContext *context = g_main_context_get_thread_default ();
  gint64 deadline = g_get_monotonic_time () + DRAIN_US;

  if (set == NULL)
    return;
  kdh_engine_remove_tap (set->engine, on_event, set);
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
      g_source_attach (timer, context);
      g_main_context_iteration (context, TRUE);
      g_source_destroy (timer);
      g_source_unref (timer);
    }
  g_clear_pointer (&gone, g_ptr_array_unref);
  if (set->notice_source)
    {
      g_source_destroy (set->notice_source);
      flush_notices (set);
    }
  g_hash_table_unref (set->pending);
  kdh_server_history_free (set->history);
  g_clear_pointer (&set->state, g_variant_unref);
  g_dbus_node_info_unref (set->node);
  g_object_unref (set->observer);
  g_string_free (set->notices, TRUE);
  g_string_free (set->batch, TRUE);
  g_free (set->batch_origin);
  g_free (set->prompt);
  g_free (set);
}

/* ---- Commands ----------------------------------------------------------- */

static gboolean
is_loopback_host (const gchar *host)
{
  g_autoptr (GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
kdh_server_set_start (KdhServerSet  *set,
                      const gchar   *text,
                      GError       **error)
{
  KdhRemoteString *rs = kdh_remote_string_parse_server (text, error);
  g_autoptr (GPtrArray) hosts = NULL;
  KdhServer *server;

  if (rs == NULL)
    return FALSE;
  server = kdh_server_start (set, rs, error);
  if (server == NULL)
    return FALSE;
  set->servers = g_list_append (set->servers, server);

  hosts = kdh_server_hosts (server);
  kdh_engine_output (set->engine, KDH_OUTPUT_DEBUGGER,
                     _("Server started.  Client can connect with any of these command lines\n"));
  for (guint i = 0; i < hosts->len; i++)
    {
      g_autofree gchar *remote = kdh_remote_string_client_command (server->rs, hosts->pdata[i],
                                                                   server->port, TRUE);

      kdh_engine_printf (set->engine, KDH_OUTPUT_DEBUGGER, "%u: kdhost -remote %s\n", i, remote);
    }
  if (server->rs->kind == KDH_REMOTE_COM && server->rs->channel != 0)
    kdh_engine_printf (set->engine, KDH_OUTPUT_DEBUGGER,
                       _("(channel %u is accepted but not multiplexed: this line carries one "
                         "session)\n"), server->rs->channel);
  if (server->rs->password == NULL
      && (server->rs->kind == KDH_REMOTE_TCP || server->rs->kind == KDH_REMOTE_SSL)
      && !is_loopback_host (server->rs->clicon ? server->rs->clicon : server->rs->bind))
    kdh_engine_printf (set->engine, KDH_OUTPUT_DEBUGGER,
                       _("Warning: server %u (%s) is reachable from other machines and has no "
                         "password: anyone who reaches it controls the target. Add "
                         "password=..., or bind=127.0.0.1 for this machine only.\n"),
                       server->id, server->describe);
  return TRUE;
}

void
kdh_server_set_list (KdhServerSet *set,
                     gboolean      show_hidden)
{
  guint shown = 0;

  for (GList *l = set ? set->servers : NULL; l; l = l->next)
    {
      KdhServer *server = l->data;

      if (server->rs->hidden && !show_hidden)
        continue;
      kdh_engine_printf (set->engine, KDH_OUTPUT_DEBUGGER, "%u - kdhost -remote %s%s\n",
                         server->id, server->remote, server->rs->hidden ? _(" (hidden)") : "");
      shown++;
    }
  if (shown == 0 && set)
    kdh_engine_output (set->engine, KDH_OUTPUT_DEBUGGER, _("No debugging servers are running.\n"));
}

gboolean
kdh_server_set_end (KdhServerSet  *set,
                    guint          id,
                    GError       **error)
{
  for (GList *l = set ? set->servers : NULL; l; l = l->next)
    {
      KdhServer *server = l->data;
      g_autofree gchar *describe = NULL;
      guint attached = 0;

      if (server->id != id)
        continue;
      for (GList *c = set->clients; c; c = c->next)
        if (((KdhServerClient *) c->data)->server_id == id
            && ((KdhServerClient *) c->data)->phase == KDH_CLIENT_GREETED)
          attached++;
      describe = g_strdup (server->describe);
      set->servers = g_list_delete_link (set->servers, l);
      kdh_server_stop (server);
      kdh_engine_printf (set->engine, KDH_OUTPUT_DEBUGGER,
                         g_dngettext (NULL, "Server %u (%s) accepts no new clients; its %u "
                                      "client stays connected.\n",
                                      "Server %u (%s) accepts no new clients; its %u clients "
                                      "stay connected.\n", attached),
                         id, describe, attached);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("There is no debugging server %u (.servers lists them)."), id);
  return FALSE;
}

void
kdh_server_set_list_clients (KdhServerSet *set)
{
  guint shown = 0;

  for (GList *l = set ? set->clients : NULL; l; l = l->next)
    {
      KdhServerClient *client = l->data;
      g_autofree gchar *line = NULL;

      if (client->phase != KDH_CLIENT_GREETED)
        continue;
      line = kdh_server_client_describe (client);
      kdh_engine_printf (set->engine, KDH_OUTPUT_DEBUGGER, "%u - %s\n", client->id, line);
      shown++;
    }
  if (shown == 0 && set)
    kdh_engine_output (set->engine, KDH_OUTPUT_DEBUGGER, _("No clients are connected.\n"));
}
