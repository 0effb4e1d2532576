/* kdh-remote-client.c: the engine as a debugging client (-remote)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything runs on the engine thread: the D-Bus connection is created
 * there, so its signals and replies are dispatched on the engine's
 * context, also while a command waits in kdh_engine_wait(). The server's
 * output chunks are re-posted exactly once and in sequence order: a chunk
 * that arrives ahead of a gap is held until GetOutput has filled the gap.
 * A dead server is noticed two ways: the connection's "closed" signal
 * (the peer went away) and a GetState keepalive that goes unanswered (the
 * peer hangs, or the network does).
 */
#include "kdh-remote-client-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "kdh-remote-protocol.h"

#define CONNECT_TIMEOUT_US      (30 * G_USEC_PER_SEC)
#define HANDSHAKE_TIMEOUT_MS    15000
#define KEEPALIVE_INTERVAL_MS   5000
#define KEEPALIVE_TIMEOUT_MS    10000
#define FETCH_TIMEOUT_MS        30000
#define ACK_INTERVAL_MS         1000
#define ACK_BYTES               (64 * 1024)
/* Chunks held ahead of a gap; past this they are dropped and fetched
 * again with GetOutput once the gap is filled. */
#define HELD_MAX_BYTES          (8 * 1024 * 1024)
#define CATCH_UP_US             (5 * G_USEC_PER_SEC)
#define DRAIN_US                (3 * G_USEC_PER_SEC)

G_DEFINE_QUARK (kdh-remote-client-error-quark, kdh_remote_client_error)

typedef struct {
  KdhOutputKind kind;
  gchar *origin;
  gchar *text;
} Chunk;

static void
chunk_free (gpointer data)
{
  Chunk *chunk = data;

  g_free (chunk->origin);
  g_free (chunk->text);
  g_free (chunk);
}

static gint
compare_seq (gconstpointer a,
             gconstpointer b,
             gpointer      data)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/* ---- Life cycle -------------------------------------------------------- */

KdhRemoteClient *
_kdh_remote_client_ref (KdhRemoteClient *client)
{
  client->ref_count++;
  return client;
}

void
_kdh_remote_client_unref (KdhRemoteClient *client)
{
  if (--client->ref_count > 0)
    return;
  g_clear_pointer (&client->rs, kdh_remote_string_free);
  g_free (client->peer);
  g_free (client->description);
  g_free (client->safe_string);
  g_free (client->server_name);
  g_free (client->server_state_transport);
  g_free (client->prompt);
  g_free (client->fingerprint);
  g_free (client->certificate_problem);
  g_clear_object (&client->cancellable);
  g_clear_object (&client->step_object);
  g_clear_error (&client->step_error);
  g_clear_object (&client->listener);
  g_list_free_full (client->clicon_addresses, g_object_unref);
  g_list_free_full (client->trusted, g_object_unref);
  g_clear_object (&client->bus);
  g_tree_unref (client->held);
  g_main_context_unref (client->context);
  g_free (client);
}

KdhRemoteClient *
kdh_remote_client_new (KdhEngine *engine)
{
  KdhRemoteClient *client = g_new0 (KdhRemoteClient, 1);

  client->ref_count = 1;
  client->engine = engine;
  client->context = g_main_context_ref_thread_default ();
  client->cancellable = g_cancellable_new ();
  client->state = KDH_CONN_DISCONNECTED;
  client->held = g_tree_new_full (compare_seq, NULL, g_free, chunk_free);
  client->prompt = g_strdup ("kd> ");
  return client;
}

/* ---- Publishing -------------------------------------------------------- */

void
_kdh_remote_client_publish (KdhRemoteClient *client,
                            KdhConnState     state,
                            const gchar     *reason,
                            guint            attempt,
                            const gchar     *target)
{
  g_autofree gchar *transport = NULL;

  /* What the server's kernel connection is, behind the remote link. */
  if (client->server_state_transport && *client->server_state_transport)
    transport = g_strdup_printf ("%s — %s", client->description, client->server_state_transport);
  else
    transport = g_strdup (client->description);
  client->state = state;
  client->published = TRUE;
  kdh_engine_publish_state (client->engine, state, reason && *reason ? reason : NULL, attempt,
                            transport, target && *target ? target : NULL);
}

static KdhConnState
state_from_id (const gchar *id)
{
  for (KdhConnState s = KDH_CONN_DISCONNECTED; s <= KDH_CONN_LOST; s++)
    if (g_strcmp0 (kdh_conn_state_id (s), id) == 0)
      return s;
  return KDH_CONN_LOST;
}

static KdhOutputKind
kind_from_id (const gchar *id)
{
  if (g_strcmp0 (id, "target") == 0)
    return KDH_OUTPUT_TARGET;
  if (g_strcmp0 (id, "error") == 0)
    return KDH_OUTPUT_ERROR;
  if (g_strcmp0 (id, "echo") == 0)
    return KDH_OUTPUT_ECHO;
  return KDH_OUTPUT_DEBUGGER;
}

/* "the debugging server at X closed the connection" as a sentence. */
static void
print_sentence (KdhRemoteClient *client,
                KdhOutputKind    kind,
                const gchar     *text)
{
  g_autofree gchar *first = g_utf8_strup (text, g_utf8_next_char (text) - text);

  kdh_engine_printf (client->engine, kind, "%s%s.\n", first, g_utf8_next_char (text));
}

/* ---- Steps of the connection ------------------------------------------- */

void
_kdh_remote_client_begin_step (KdhRemoteClient *client)
{
  client->step_done = FALSE;
  g_clear_object (&client->step_object);
  g_clear_error (&client->step_error);
  client->pending++;
  _kdh_remote_client_ref (client);
}

void
_kdh_remote_client_end_step (KdhRemoteClient *client,
                             GObject         *object,
                             GError          *error)
{
  client->pending--;
  if (client->engine == NULL || client->step_done)
    {
      /* Given up on (timed out, interrupted, freed): only release. */
      if (object && G_IS_IO_STREAM (object))
        g_io_stream_close (G_IO_STREAM (object), NULL, NULL);
      g_clear_object (&object);
      g_clear_error (&error);
    }
  else
    {
      client->step_object = object;
      client->step_error = error;
      client->step_done = TRUE;
    }
  _kdh_remote_client_unref (client);
}

static gboolean
step_finished (gpointer data)
{
  return ((KdhRemoteClient *) data)->step_done;
}

gboolean
_kdh_remote_client_wait_step (KdhRemoteClient  *client,
                              gint64            deadline_us,
                              const gchar      *timeout_message,
                              GError          **error)
{
  g_autoptr (GError) local = NULL;

  if (!kdh_engine_wait (client->engine, step_finished, client, deadline_us, &local))
    {
      /* A late completion must not be taken for this step's result. */
      client->step_done = TRUE;
      g_cancellable_cancel (client->cancellable);
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                             timeout_message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (client->step_error)
    {
      g_propagate_error (error, g_steal_pointer (&client->step_error));
      return FALSE;
    }
  return TRUE;
}

/* ---- D-Bus calls ------------------------------------------------------- */

typedef struct _Call Call;
typedef void (*CallThen) (KdhRemoteClient *client,
                          GVariant        *reply,
                          const GError    *error);

struct _Call {
  gint ref_count;              /* the callback's, plus a waiter's */
  KdhRemoteClient *client;     /* a reference */
  gboolean done;
  GVariant *reply;
  GError *error;
  CallThen then;
};

static void
call_unref (Call *call)
{
  if (--call->ref_count > 0)
    return;
  g_clear_pointer (&call->reply, g_variant_unref);
  g_clear_error (&call->error);
  _kdh_remote_client_unref (call->client);
  g_free (call);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Call *call = data;
  KdhRemoteClient *client = call->client;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->done = TRUE;
  client->pending--;
  if (client->engine && call->then)
    call->then (client, call->reply, call->error);
  call_unref (call);
}

/* Starts a call; returns it with a reference for the caller when @wait. */
static Call *
call_start (KdhRemoteClient    *client,
            const gchar        *method,
            GVariant           *parameters,
            const GVariantType *reply_type,
            gint                timeout_ms,
            CallThen            then,
            gboolean            wait)
{
  Call *call = g_new0 (Call, 1);

  call->ref_count = wait ? 2 : 1;
  call->client = _kdh_remote_client_ref (client);
  call->then = then;
  client->pending++;
  g_dbus_connection_call (client->bus, NULL, KDH_REMOTE_OBJECT_PATH, KDH_REMOTE_INTERFACE, method,
                          parameters, reply_type, G_DBUS_CALL_FLAGS_NONE, timeout_ms,
                          client->cancellable, on_call_done, call);
  return wait ? call : NULL;
}

static gboolean
call_finished (gpointer data)
{
  Call *call = data;

  return call->done || call->client->phase == PHASE_LOST || call->client->phase == PHASE_CLOSED;
}

static gchar *
lost_message (KdhRemoteClient *client)
{
  return g_strdup_printf (_("Not connected: the connection to the debugging server at %s was "
                            "lost. Connect again with -remote (File > Connect to Remote "
                            "Session)."), client->peer);
}

/* Waits for @call; on failure the error is the call's (remote errors with
 * the server's message alone). */
static gboolean
call_wait (KdhRemoteClient  *client,
           Call             *call,
           GError          **error)
{
  if (!kdh_engine_wait (client->engine, call_finished, call, G_MAXINT64, error))
    return FALSE;
  if (!call->done)
    {
      g_autofree gchar *message = lost_message (client);

      g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_NOT_CONNECTED,
                           message);
      return FALSE;
    }
  if (call->error)
    {
      GError *e = g_error_copy (call->error);

      if (g_dbus_error_is_remote_error (e))
        g_dbus_error_strip_remote_error (e);
      g_propagate_error (error, e);
      return FALSE;
    }
  return TRUE;
}

static gboolean
require_connected (KdhRemoteClient  *client,
                   GError          **error)
{
  if (client->phase == PHASE_CONNECTED)
    return TRUE;
  if (client->phase == PHASE_LOST)
    {
      g_autofree gchar *message = lost_message (client);

      g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_NOT_CONNECTED,
                           message);
    }
  else
    g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_NOT_CONNECTED,
                         _("Not connected to a debugging server."));
  return FALSE;
}

/* ---- Output ------------------------------------------------------------ */

static void fetch_output (KdhRemoteClient *client);

static void
send_ack (KdhRemoteClient *client)
{
  if (client->phase != PHASE_CONNECTED || client->expected <= client->acked)
    return;
  call_start (client, "Ack", g_variant_new ("(t)", client->expected - 1), NULL,
              KEEPALIVE_TIMEOUT_MS, NULL, FALSE);
  client->acked = client->expected;
  client->unacked_bytes = 0;
}

static void
post_chunk (KdhRemoteClient *client,
            const gchar     *kind,
            const gchar     *origin,
            const gchar     *text)
{
  KdhEvent *event;

  client->expected++;
  if (*text == '\0')
    return;
  event = kdh_event_new (KDH_EVENT_OUTPUT);
  event->output_kind = kind_from_id (kind);
  event->text = g_strdup (text);
  /* The server's own user types without a name; to a client that is
   * somebody else, so the echo says who. */
  if (origin && *origin)
    event->origin = g_strdup (origin);
  else if (event->output_kind == KDH_OUTPUT_ECHO)
    event->origin = g_strdup (client->server_name ? client->server_name : "server");
  kdh_engine_post (client->engine, event);
  client->unacked_bytes += strlen (text);
  if (client->unacked_bytes >= ACK_BYTES)
    send_ack (client);
}

static const gchar *
kind_id (KdhOutputKind kind)
{
  switch (kind)
    {
    case KDH_OUTPUT_TARGET: return "target";
    case KDH_OUTPUT_ERROR: return "error";
    case KDH_OUTPUT_ECHO: return "echo";
    case KDH_OUTPUT_DEBUGGER:
    default: return "debugger";
    }
}

static gboolean
first_held (gpointer key,
            gpointer value,
            gpointer data)
{
  *(guint64 *) data = *(guint64 *) key;
  return TRUE;
}

static gboolean
held_min (KdhRemoteClient *client,
          guint64         *seq)
{
  if (g_tree_nnodes (client->held) == 0)
    return FALSE;
  g_tree_foreach (client->held, first_held, seq);
  return TRUE;
}

/* Posts the held chunks that are next in line and forgets older ones. */
static void
drain_held (KdhRemoteClient *client)
{
  guint64 seq;

  while (held_min (client, &seq) && seq <= client->expected)
    {
      Chunk *chunk = g_tree_lookup (client->held, &seq);

      client->held_bytes -= strlen (chunk->text);
      if (seq == client->expected)
        post_chunk (client, kind_id (chunk->kind), chunk->origin, chunk->text);
      g_tree_remove (client->held, &seq);
    }
}

static void
hold_chunk (KdhRemoteClient *client,
            guint64          seq,
            const gchar     *kind,
            const gchar     *origin,
            const gchar     *text)
{
  Chunk *chunk;
  guint64 *key;

  if (g_tree_lookup (client->held, &seq) || client->held_bytes + strlen (text) > HELD_MAX_BYTES)
    return;
  chunk = g_new0 (Chunk, 1);
  chunk->kind = kind_from_id (kind);
  chunk->origin = g_strdup (origin);
  chunk->text = g_strdup (text);
  key = g_new (guint64, 1);
  *key = seq;
  g_tree_insert (client->held, key, chunk);
  client->held_bytes += strlen (text);
}

static void
report_lost_chunks (KdhRemoteClient *client,
                    guint64          count)
{
  kdh_engine_printf (client->engine, KDH_OUTPUT_ERROR,
                     g_dngettext (NULL, "[kdhost] %" G_GUINT64_FORMAT
                                  " piece of output is missing: the debugging server no longer "
                                  "keeps it.\n",
                                  "[kdhost] %" G_GUINT64_FORMAT
                                  " pieces of output are missing: the debugging server no longer "
                                  "keeps them.\n", count),
                     count);
}

static void
on_output_fetched (KdhRemoteClient *client,
                   GVariant        *reply,
                   const GError    *error)
{
  g_autoptr (GVariant) chunks = NULL;
  guint64 first, before = client->expected, seq, min;
  const gchar *kind, *origin, *text;
  GVariantIter iter;

  client->fetching = FALSE;
  if (error || client->phase != PHASE_CONNECTED)
    return;   /* a dead server is the keepalive's business; a gap is fetched again */
  g_variant_get (reply, "(t@a(tsss))", &first, &chunks);
  if (first > client->expected)
    {
      /* The history of a server that has run a while starts later. */
      if (!client->initial_fetch)
        report_lost_chunks (client, first - client->expected);
      client->expected = first;
    }
  client->initial_fetch = FALSE;
  g_variant_iter_init (&iter, chunks);
  while (g_variant_iter_next (&iter, "(t&s&s&s)", &seq, &kind, &origin, &text))
    {
      if (seq < client->expected)
        continue;
      if (seq > client->expected)
        {
          report_lost_chunks (client, seq - client->expected);
          client->expected = seq;
        }
      post_chunk (client, kind, origin, text);
    }
  drain_held (client);
  if (held_min (client, &min))
    {
      /* No progress although later chunks exist: the ones between are
       * gone from the server. */
      if (client->expected == before)
        {
          report_lost_chunks (client, min - client->expected);
          client->expected = min;
          drain_held (client);
        }
      if (g_tree_nnodes (client->held) > 0)
        fetch_output (client);
    }
}

static void
fetch_output (KdhRemoteClient *client)
{
  if (client->fetching || client->phase != PHASE_CONNECTED)
    return;
  client->fetching = TRUE;
  call_start (client, "GetOutput", g_variant_new ("(t)", client->expected),
              G_VARIANT_TYPE ("(ta(tsss))"), FETCH_TIMEOUT_MS, on_output_fetched, FALSE);
}

static void
receive_chunk (KdhRemoteClient *client,
               guint64          seq,
               const gchar     *kind,
               const gchar     *origin,
               const gchar     *text)
{
  if (seq < client->expected)
    return;   /* already posted (from GetOutput) */
  if (seq == client->expected && !client->fetching)
    {
      post_chunk (client, kind, origin, text);
      drain_held (client);
      return;
    }
  hold_chunk (client, seq, kind, origin, text);
  fetch_output (client);
}

static gboolean
caught_up (gpointer data)
{
  KdhRemoteClient *client = data;

  return client->phase != PHASE_CONNECTED
         || (!client->fetching && g_tree_nnodes (client->held) == 0);
}

/* ---- Losing the server ------------------------------------------------- */

static void
stop_timers (KdhRemoteClient *client)
{
  if (client->ack_timer)
    {
      g_source_destroy (client->ack_timer);
      g_clear_pointer (&client->ack_timer, g_source_unref);
    }
  if (client->keepalive_timer)
    {
      g_source_destroy (client->keepalive_timer);
      g_clear_pointer (&client->keepalive_timer, g_source_unref);
    }
}

static void
on_bus_closed (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  KdhRemoteClient *client = data;

  g_dbus_connection_close_finish (G_DBUS_CONNECTION (source), result, NULL);
  client->pending--;
  _kdh_remote_client_unref (client);
}

/* Stops listening to the server and closes the connection; calls in
 * flight then end with an error. */
static void
close_bus (KdhRemoteClient *client)
{
  if (client->bus == NULL)
    return;
  if (client->signal_id)
    g_dbus_connection_signal_unsubscribe (client->bus, client->signal_id);
  client->signal_id = 0;
  g_clear_signal_handler (&client->closed_id, client->bus);
  client->pending++;
  g_dbus_connection_close (client->bus, NULL, on_bus_closed, _kdh_remote_client_ref (client));
  g_clear_object (&client->bus);
}

static void
lose (KdhRemoteClient *client,
      const gchar     *reason)
{
  if (client->phase != PHASE_CONNECTED)
    return;
  client->phase = PHASE_LOST;
  stop_timers (client);
  print_sentence (client, KDH_OUTPUT_ERROR, reason);
  kdh_engine_output (client->engine, KDH_OUTPUT_ERROR,
                     _("Connect again with -remote (File > Connect to Remote Session).\n"));
  _kdh_remote_client_publish (client, KDH_CONN_LOST, reason, 0, NULL);
  close_bus (client);
  kdh_engine_refresh_prompt (client->engine);
}

static void
on_closed (GDBusConnection *connection,
           gboolean         remote_peer_vanished,
           GError          *error,
           gpointer         data)
{
  KdhRemoteClient *client = data;
  g_autofree gchar *reason = NULL;

  if (remote_peer_vanished || error == NULL)
    reason = g_strdup_printf (_("the debugging server at %s closed the connection"), client->peer);
  else
    reason = g_strdup_printf (_("the connection to the debugging server at %s failed: %s"),
                              client->peer, error->message);
  lose (client, reason);
}

static void
on_keepalive_reply (KdhRemoteClient *client,
                    GVariant        *reply,
                    const GError    *error)
{
  g_autofree gchar *reason = NULL;

  client->keepalive_pending = FALSE;
  if (error == NULL || client->phase != PHASE_CONNECTED)
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    reason = g_strdup_printf (_("the debugging server at %s stopped answering (no reply in %d s)"),
                              client->peer, KEEPALIVE_TIMEOUT_MS / 1000);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    reason = g_strdup_printf (_("the debugging server at %s closed the connection"), client->peer);
  else
    return;   /* it answered, if only with an error: it is alive */
  lose (client, reason);
}

static gboolean
on_keepalive (gpointer data)
{
  KdhRemoteClient *client = data;

  if (!client->keepalive_pending)
    {
      client->keepalive_pending = TRUE;
      call_start (client, "GetState", NULL, NULL, KEEPALIVE_TIMEOUT_MS, on_keepalive_reply, FALSE);
    }
  /* A quiet stream may be one the server held back (a client too far
   * behind gets no Output signals until it fetches): ask. While signals
   * flow, a fetch would only duplicate them. */
  if (!client->output_seen)
    fetch_output (client);
  client->output_seen = FALSE;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_ack_timer (gpointer data)
{
  send_ack (data);
  return G_SOURCE_CONTINUE;
}

static GSource *
add_timer (KdhRemoteClient *client,
           guint            interval_ms,
           GSourceFunc      func)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, client, NULL);
  g_source_set_name (source, "[kdhost] remote client timer");
  g_source_attach (source, client->context);
  return source;
}

/* ---- Signals ----------------------------------------------------------- */

static void
apply_state (KdhRemoteClient *client,
             const gchar     *state,
             const gchar     *reason,
             guint            attempt,
             const gchar     *transport,
             const gchar     *target)
{
  g_free (client->server_state_transport);
  client->server_state_transport = g_strdup (transport);
  _kdh_remote_client_publish (client, state_from_id (state), reason, attempt, target);
}

static void
on_signal (GDBusConnection *connection,
           const gchar     *sender,
           const gchar     *path,
           const gchar     *interface,
           const gchar     *signal,
           GVariant        *parameters,
           gpointer         data)
{
  KdhRemoteClient *client = data;

  if (client->engine == NULL || client->phase != PHASE_CONNECTED)
    return;
  if (g_str_equal (signal, "Output")
      && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(tsss)")))
    {
      const gchar *kind, *origin, *text;
      guint64 seq;

      g_variant_get (parameters, "(t&s&s&s)", &seq, &kind, &origin, &text);
      client->output_seen = TRUE;
      receive_chunk (client, seq, kind, origin, text);
    }
  else if (g_str_equal (signal, "StateChanged")
           && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssuss)")))
    {
      const gchar *state, *reason, *transport, *target;
      guint attempt;

      g_variant_get (parameters, "(&s&su&s&s)", &state, &reason, &attempt, &transport, &target);
      apply_state (client, state, reason, attempt, transport, target);
    }
  else if (g_str_equal (signal, "Prompt")
           && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sb)")))
    {
      g_free (client->prompt);
      g_variant_get (parameters, "(sb)", &client->prompt, &client->ready);
      kdh_engine_refresh_prompt (client->engine);
    }
}

/* ---- Connecting -------------------------------------------------------- */

static void
on_bus_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  KdhRemoteClient *client = data;
  GError *error = NULL;
  GDBusConnection *bus = g_dbus_connection_new_finish (result, &error);

  if (error && client->engine && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GError *e = g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                               _("%s is not a kdhost debugging server: the D-Bus handshake "
                                 "failed (%s)"), client->peer, error->message);

      g_error_free (error);
      error = e;
    }
  _kdh_remote_client_end_step (client, G_OBJECT (bus), error);
}

static gboolean
remote_error_is (const GError *error,
                 const gchar  *name)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);

  return g_strcmp0 (remote, name) == 0;
}

/* Hello's errors, each naming what failed. */
static GError *
hello_error (KdhRemoteClient *client,
             const GError    *error)
{
  g_autoptr (GError) stripped = g_error_copy (error);

  if (g_dbus_error_is_remote_error (stripped))
    g_dbus_error_strip_remote_error (stripped);
  if (remote_error_is (error, KDH_REMOTE_ERROR_WRONG_PASSWORD)
      || remote_error_is (error, KDH_REMOTE_ERROR_AUTH_REQUIRED))
    {
      if (client->rs->password)
        return g_error_new_literal (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                                    _("The server refused the password."));
      return g_error_new_literal (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                                  _("The server requires a password: add Password=... to the "
                                    "-remote string."));
    }
  if (remote_error_is (error, KDH_REMOTE_ERROR_VERSION))
    return g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                        _("Protocol version mismatch: the debugging server at %s refused this "
                          "client's protocol version %u: %s"),
                        client->peer, KDH_REMOTE_PROTOCOL_VERSION, stripped->message);
  if (remote_error_is (error, "org.freedesktop.DBus.Error.UnknownMethod")
      || remote_error_is (error, "org.freedesktop.DBus.Error.UnknownObject")
      || remote_error_is (error, "org.freedesktop.DBus.Error.UnknownInterface")
      || remote_error_is (error, "org.freedesktop.DBus.Error.ServiceUnknown"))
    return g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                        _("%s is not a kdhost debugging server: it has no %s (%s)"),
                        client->peer, KDH_REMOTE_INTERFACE, stripped->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                        _("%s is not a kdhost debugging server: no answer to Hello within %d s"),
                        client->peer, HANDSHAKE_TIMEOUT_MS / 1000);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                        _("The debugging server at %s closed the connection during the "
                          "handshake"), client->peer);
  return g_error_new (KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                      _("The debugging server at %s refused the connection: %s"), client->peer,
                      stripped->message);
}

static gboolean
hello (KdhRemoteClient  *client,
       GError          **error)
{
  g_autofree gchar *name = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  GVariantBuilder info;
  const gchar *server;
  guint32 protocol;
  guint64 next_seq;
  Call *call;
  gboolean ok;

  g_variant_builder_init (&info, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&info, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&info, "{sv}", "user", g_variant_new_string (g_get_user_name ()));
  g_variant_builder_add (&info, "{sv}", "machine", g_variant_new_string (g_get_host_name ()));
  g_variant_builder_add (&info, "{sv}", "protocol",
                         g_variant_new_uint32 (KDH_REMOTE_PROTOCOL_VERSION));
  if (client->rs->password)
    g_variant_builder_add (&info, "{sv}", "password",
                           g_variant_new_string (client->rs->password));
  call = call_start (client, "Hello", g_variant_new ("(a{sv})", &info), G_VARIANT_TYPE ("(ust)"),
                     HANDSHAKE_TIMEOUT_MS, NULL, TRUE);
  ok = kdh_engine_wait (client->engine, call_finished, call, G_MAXINT64, error);
  if (ok && call->error)
    {
      g_propagate_error (error, hello_error (client, call->error));
      ok = FALSE;
    }
  else if (ok)
    {
      g_variant_get (call->reply, "(u&st)", &protocol, &server, &next_seq);
      client->server_name = g_strdup (server);
      if (protocol != KDH_REMOTE_PROTOCOL_VERSION)
        {
          g_set_error (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                       _("Protocol version mismatch: the debugging server at %s speaks version "
                         "%u, this client version %u"), client->peer, protocol,
                       KDH_REMOTE_PROTOCOL_VERSION);
          ok = FALSE;
        }
    }
  call_unref (call);
  return ok;
}

/* The server's state and prompt as they are now. */
static gboolean
fetch_state (KdhRemoteClient  *client,
             GError          **error)
{
  const gchar *state, *reason, *transport, *target, *prompt;
  guint attempt;
  gboolean ready;
  Call *call = call_start (client, "GetState", NULL, G_VARIANT_TYPE ("(ssusssb)"),
                           HANDSHAKE_TIMEOUT_MS, NULL, TRUE);
  gboolean ok = call_wait (client, call, error);

  if (ok)
    {
      g_variant_get (call->reply, "(&s&su&s&s&sb)", &state, &reason, &attempt, &transport,
                     &target, &prompt, &ready);
      g_free (client->prompt);
      client->prompt = g_strdup (prompt);
      client->ready = ready;
      apply_state (client, state, reason, attempt, transport, target);
    }
  call_unref (call);
  return ok;
}

static void
teardown (KdhRemoteClient *client)
{
  stop_timers (client);
  close_bus (client);
  if (client->listener)
    g_socket_listener_close (client->listener);
}

gboolean
kdh_remote_client_connect (KdhRemoteClient  *client,
                           const gchar      *remote_string,
                           GError          **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GIOStream) stream = NULL;

  g_return_val_if_fail (client->phase == PHASE_IDLE, FALSE);
  client->rs = kdh_remote_string_parse_client (remote_string, error);
  if (client->rs == NULL)
    {
      client->phase = PHASE_CLOSED;
      return FALSE;
    }
  client->safe_string = kdh_remote_string_mask_passwords (remote_string);
  _kdh_remote_client_describe (client);
  client->phase = PHASE_CONNECTING;
  {
    g_autofree gchar *reason = g_strdup_printf (_("connecting to the debugging server at %s"),
                                                client->peer);

    _kdh_remote_client_publish (client, KDH_CONN_OPENING, reason, 0, NULL);
  }

  stream = _kdh_remote_client_open_stream (client, &local);
  if (stream == NULL)
    goto failed;

  /* Signals are subscribed to before any message is processed, so that
   * none that follows Hello can slip by. */
  _kdh_remote_client_begin_step (client);
  g_dbus_connection_new (stream, NULL,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                         | G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                         NULL, client->cancellable, on_bus_ready, client);
  {
    g_autofree gchar *message =
      g_strdup_printf (_("%s is not a kdhost debugging server: no answer to the D-Bus handshake "
                         "within %d s"), client->peer, HANDSHAKE_TIMEOUT_MS / 1000);

    if (!_kdh_remote_client_wait_step (client, g_get_monotonic_time ()
                                       + HANDSHAKE_TIMEOUT_MS * (gint64) 1000, message, &local))
      goto failed;
  }
  client->bus = G_DBUS_CONNECTION (g_steal_pointer (&client->step_object));
  g_dbus_connection_set_exit_on_close (client->bus, FALSE);
  client->signal_id = g_dbus_connection_signal_subscribe (client->bus, NULL, KDH_REMOTE_INTERFACE,
                                                          NULL, KDH_REMOTE_OBJECT_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_signal,
                                                          client, NULL);
  client->closed_id = g_signal_connect (client->bus, "closed", G_CALLBACK (on_closed), client);
  g_dbus_connection_start_message_processing (client->bus);

  if (!hello (client, &local))
    goto failed;
  client->phase = PHASE_CONNECTED;
  kdh_engine_printf (client->engine, KDH_OUTPUT_DEBUGGER,
                     _("Connected to the debugging server %s at %s.\n"),
                     client->server_name && *client->server_name ? client->server_name : "",
                     client->peer);
  if (!fetch_state (client, &local))
    goto failed;

  /* The history first (GetOutput from 0), then the stream of signals;
   * chunks that come as both are posted once. */
  client->expected = 0;
  client->initial_fetch = TRUE;
  fetch_output (client);
  client->ack_timer = add_timer (client, ACK_INTERVAL_MS, on_ack_timer);
  client->keepalive_timer = add_timer (client, KEEPALIVE_INTERVAL_MS, on_keepalive);
  kdh_engine_refresh_prompt (client->engine);
  return TRUE;

failed:
  teardown (client);
  client->phase = PHASE_CLOSED;
  _kdh_remote_client_publish (client, KDH_CONN_DISCONNECTED, local ? local->message : NULL, 0,
                              NULL);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

gboolean
kdh_remote_client_is_connected (KdhRemoteClient *client)
{
  return client->phase == PHASE_CONNECTED;
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_REMOVE;
}

void
kdh_remote_client_free (KdhRemoteClient *client)
{
  gint64 deadline = g_get_monotonic_time () + DRAIN_US;

  if (client == NULL)
    return;
  if (client->phase == PHASE_CONNECTED)
    kdh_engine_printf (client->engine, KDH_OUTPUT_DEBUGGER,
                       _("Disconnected from the debugging server at %s.\n"), client->peer);
  teardown (client);
  g_cancellable_cancel (client->cancellable);
  if (client->published && client->state != KDH_CONN_DISCONNECTED)
    {
      g_autofree gchar *reason =
        g_strdup_printf (_("disconnected from the debugging server at %s"), client->peer);

      g_clear_pointer (&client->server_state_transport, g_free);
      _kdh_remote_client_publish (client, KDH_CONN_DISCONNECTED, reason, 0, NULL);
    }
  client->phase = PHASE_CLOSED;

  /* Calls and connects in flight hold the client; their completions are
   * queued on this context. Let them run, so that nothing is left behind
   * when the engine's context goes away. */
  while (client->pending > 0 && g_get_monotonic_time () < deadline)
    {
      GSource *timer = g_timeout_source_new (50);

      g_source_set_callback (timer, wake_up, NULL, NULL);
      g_source_attach (timer, client->context);
      g_main_context_iteration (client->context, TRUE);
      g_source_destroy (timer);
      g_source_unref (timer);
    }
  client->engine = NULL;
  _kdh_remote_client_unref (client);
}

/* ---- Commands ---------------------------------------------------------- */

gboolean
kdh_remote_client_execute (KdhRemoteClient  *client,
                           const gchar      *line,
                           GError          **error)
{
  g_autofree gchar *trimmed = g_strstrip (g_strdup (line ? line : ""));
  gboolean success;
  const gchar *message;
  Call *call;
  gboolean ok;

  /* KD's "q" on a client ends the client, not the server's session. */
  if (g_ascii_strcasecmp (trimmed, "q") == 0)
    {
      client->quit_requested = TRUE;
      return TRUE;
    }
  if (!require_connected (client, error))
    return FALSE;
  if (!g_utf8_validate (line, -1, NULL))
    {
      g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                           _("The command is not valid UTF-8."));
      return FALSE;
    }
  /* No timeout: a command may run as long as the target takes; a dead
   * server ends the wait through the keepalive. */
  call = call_start (client, "Execute", g_variant_new ("(s)", line), G_VARIANT_TYPE ("(bss)"),
                     G_MAXINT, NULL, TRUE);
  ok = call_wait (client, call, error);
  if (ok)
    {
      g_variant_get (call->reply, "(b&s&s)", &success, NULL, &message);
      if (!success)
        {
          g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_REPORTED,
                               *message ? message : _("The command failed on the debugging "
                                                      "server."));
          ok = FALSE;
        }
      /* The command's output reached us as signals before its reply, but
       * part of it may still be on its way through GetOutput: finish
       * posting it, so that the command ends after its output. */
      kdh_engine_wait (client->engine, caught_up, client, g_get_monotonic_time () + CATCH_UP_US,
                       NULL);
    }
  call_unref (call);
  return ok;
}

gboolean
kdh_remote_client_quit_requested (KdhRemoteClient *client)
{
  return client->quit_requested;
}

static gboolean
simple_call (KdhRemoteClient  *client,
             const gchar      *method,
             GError          **error)
{
  Call *call;
  gboolean ok;

  if (!require_connected (client, error))
    return FALSE;
  call = call_start (client, method, NULL, NULL, G_MAXINT, NULL, TRUE);
  ok = call_wait (client, call, error);
  call_unref (call);
  return ok;
}

gboolean
kdh_remote_client_resync (KdhRemoteClient  *client,
                          GError          **error)
{
  return simple_call (client, "Resync", error);
}

gboolean
kdh_remote_client_cycle_baud (KdhRemoteClient  *client,
                              GError          **error)
{
  return simple_call (client, "CycleBaud", error);
}

gboolean
kdh_remote_client_restart (KdhRemoteClient  *client,
                           GError          **error)
{
  g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_NOT_ALLOWED,
                       _(".restart is not allowed from a remote debugging client; run it on the "
                         "debugging server."));
  return FALSE;
}

static void
on_interrupt_reply (KdhRemoteClient *client,
                    GVariant        *reply,
                    const GError    *error)
{
  g_autoptr (GError) stripped = NULL;

  if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || client->phase != PHASE_CONNECTED)
    return;
  stripped = g_error_copy (error);
  if (g_dbus_error_is_remote_error (stripped))
    g_dbus_error_strip_remote_error (stripped);
  kdh_engine_printf (client->engine, KDH_OUTPUT_ERROR, _("Break failed: %s\n"), stripped->message);
}

void
kdh_remote_client_interrupt (KdhRemoteClient *client)
{
  g_autoptr (GError) error = NULL;

  if (!require_connected (client, &error))
    {
      kdh_engine_printf (client->engine, KDH_OUTPUT_ERROR, "%s\n", error->message);
      return;
    }
  call_start (client, "Interrupt", NULL, NULL, KEEPALIVE_TIMEOUT_MS, on_interrupt_reply, FALSE);
}

gchar *
kdh_remote_client_dup_prompt (KdhRemoteClient *client,
                              gboolean        *ready)
{
  if (client->phase == PHASE_CONNECTED)
    {
      if (ready)
        *ready = client->ready;
      return g_strdup (client->prompt);
    }
  if (ready)
    *ready = client->phase != PHASE_CONNECTING;
  return g_strdup ("kd> ");
}

gchar *
kdh_remote_client_dup_string (KdhRemoteClient *client)
{
  return g_strdup (client->safe_string);
}
