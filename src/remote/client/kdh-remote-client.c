/* kdh-remote-client.c: the engine as a debugging client (-remote)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything runs on the engine thread: the D-Bus connection is created
 * there, so its signals and replies are dispatched on the engine's
 * context, also while a command waits in the host's wait. The server's
 * output chunks are re-posted exactly once and in sequence order: a chunk
 * that arrives ahead of a gap is held until GetOutput has filled the gap.
 * A dead server is noticed two ways: the connection's "closed" signal
 * (the peer went away) and a GetState keepalive that goes unanswered (the
 * peer hangs, or the network does).
 */
#include "kdh-remote-client-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "remote/kdh-remote-protocol.h"

#define CONNECT_TIMEOUT_US      (30 * G_USEC_PER_SEC)
#define HANDSHAKE_TIMEOUT_MS    15000
#define KEEPALIVE_INTERVAL_MS   5000
#define ACK_INTERVAL_MS         1000
#define DRAIN_US                (3 * G_USEC_PER_SEC)

G_DEFINE_QUARK (kdh-remote-client-error-quark, kdh_remote_client_error)

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
kdh_remote_client_new (KdhHost *host)
{
  KdhRemoteClient *client = g_new0 (KdhRemoteClient, 1);

  client->backend.klass = &_kdh_remote_client_backend_class;
  client->ref_count = 1;
  client->host = host;
  client->context = g_main_context_ref_thread_default ();
  client->cancellable = g_cancellable_new ();
  client->state = KDH_CONN_DISCONNECTED;
  client->held = g_tree_new_full (_kdh_remote_client_compare_seq, NULL, g_free, _kdh_remote_client_chunk_free);
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
  kdh_host_publish_state (client->host, state, reason && *reason ? reason : NULL, attempt, 0, 0,
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

/* "the debugging server at X closed the connection" as a sentence. */
static void
print_sentence (KdhRemoteClient *client,
                KdhOutputKind    kind,
                const gchar     *text)
{
  g_autofree gchar *first = g_utf8_strup (text, g_utf8_next_char (text) - text);

  kdh_host_printf (client->host, kind, "%s%s.\n", first, g_utf8_next_char (text));
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
  if (client->host == NULL || client->step_done)
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

  if (!kdh_host_wait (client->host, step_finished, client, deadline_us, &local))
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
  kdh_host_output (client->host, KDH_OUTPUT_ERROR,
                     _("Connect again with -remote (File > Connect to Remote Session).\n"));
  _kdh_remote_client_publish (client, KDH_CONN_LOST, reason, 0, NULL);
  close_bus (client);
  kdh_host_prompt_changed (client->host);
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
      _kdh_remote_client_call_start (client, "GetState", NULL, NULL, KEEPALIVE_TIMEOUT_MS, on_keepalive_reply, FALSE);
    }
  /* A quiet stream may be one the server held back (a client too far
   * behind gets no Output signals until it fetches): ask. While signals
   * flow, a fetch would only duplicate them. */
  if (!client->output_seen)
    _kdh_remote_client_fetch_output (client);
  client->output_seen = FALSE;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_ack_timer (gpointer data)
{
  _kdh_remote_client_send_ack (data);
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

  if (client->host == NULL || client->phase != PHASE_CONNECTED)
    return;
  if (g_str_equal (signal, "Output")
      && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(tsss)")))
    {
      const gchar *kind, *origin, *text;
      guint64 seq;

      g_variant_get (parameters, "(t&s&s&s)", &seq, &kind, &origin, &text);
      client->output_seen = TRUE;
      _kdh_remote_client_receive_chunk (client, seq, kind, origin, text);
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
      kdh_host_prompt_changed (client->host);
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

  if (error && client->host && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
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
  KdhRemoteCall *call;
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
  call = _kdh_remote_client_call_start (client, "Hello", g_variant_new ("(a{sv})", &info),
                                        G_VARIANT_TYPE ("(ust)"), HANDSHAKE_TIMEOUT_MS, NULL, TRUE);
  ok = kdh_host_wait (client->host, _kdh_remote_client_call_finished, call, G_MAXINT64, error);
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
  _kdh_remote_client_call_unref (call);
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
  KdhRemoteCall *call = _kdh_remote_client_call_start (client, "GetState", NULL, G_VARIANT_TYPE ("(ssusssb)"),
                           HANDSHAKE_TIMEOUT_MS, NULL, TRUE);
  gboolean ok = _kdh_remote_client_call_wait (client, call, error);

  if (ok)
    {
      g_variant_get (call->reply, "(&s&su&s&s&sb)", &state, &reason, &attempt, &transport,
                     &target, &prompt, &ready);
      g_free (client->prompt);
      client->prompt = g_strdup (prompt);
      client->ready = ready;
      apply_state (client, state, reason, attempt, transport, target);
    }
  _kdh_remote_client_call_unref (call);
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
  kdh_host_printf (client->host, KDH_OUTPUT_DEBUGGER,
                     _("Connected to the debugging server %s at %s.\n"),
                     client->server_name && *client->server_name ? client->server_name : "",
                     client->peer);
  if (!fetch_state (client, &local))
    goto failed;

  /* The history first (GetOutput from 0), then the stream of signals;
   * chunks that come as both are posted once. */
  client->expected = 0;
  client->initial_fetch = TRUE;
  _kdh_remote_client_fetch_output (client);
  client->ack_timer = add_timer (client, ACK_INTERVAL_MS, on_ack_timer);
  client->keepalive_timer = add_timer (client, KEEPALIVE_INTERVAL_MS, on_keepalive);
  kdh_host_prompt_changed (client->host);
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
    kdh_host_printf (client->host, KDH_OUTPUT_DEBUGGER,
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
  client->host = NULL;
  _kdh_remote_client_unref (client);
}

