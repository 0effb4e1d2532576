/* kdh-remote-client-calls.c: the debugging client's calls to its server
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * D-Bus calls that a command waits for (through the host, so that break,
 * detach and quit can cut in), the commands themselves, and the client as
 * the engine's backend.
 */
#include "kdh-remote-client-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "remote/kdh-remote-protocol.h"

/* ---- D-Bus calls ------------------------------------------------------- */

void
_kdh_remote_client_call_unref (KdhRemoteCall *call)
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
  KdhRemoteCall *call = data;
  KdhRemoteClient *client = call->client;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->done = TRUE;
  client->pending--;
  if (client->host && call->then)
    call->then (client, call->reply, call->error);
  _kdh_remote_client_call_unref (call);
}

KdhRemoteCall *
_kdh_remote_client_call_start (KdhRemoteClient    *client,
                               const gchar        *method,
                               GVariant           *parameters,
                               const GVariantType *reply_type,
                               gint                timeout_ms,
                               KdhRemoteCallThen   then,
                               gboolean            wait)
{
  KdhRemoteCall *call = g_new0 (KdhRemoteCall, 1);

  call->ref_count = wait ? 2 : 1;
  call->client = _kdh_remote_client_ref (client);
  call->then = then;
  client->pending++;
  g_dbus_connection_call (client->bus, NULL, KDH_REMOTE_OBJECT_PATH, KDH_REMOTE_INTERFACE, method,
                          parameters, reply_type, G_DBUS_CALL_FLAGS_NONE, timeout_ms,
                          client->cancellable, on_call_done, call);
  return wait ? call : NULL;
}

gboolean
_kdh_remote_client_call_finished (gpointer data)
{
  KdhRemoteCall *call = data;

  return call->done || call->client->phase == PHASE_LOST || call->client->phase == PHASE_CLOSED;
}

gchar *
_kdh_remote_client_lost_message (KdhRemoteClient *client)
{
  return g_strdup_printf (_("Not connected: the connection to the debugging server at %s was "
                            "lost. Connect again with -remote (File > Connect to Remote "
                            "Session)."), client->peer);
}

/* Waits for @call; on failure the error is the call's (remote errors with
 * the server's message alone). */
gboolean
_kdh_remote_client_call_wait (KdhRemoteClient *client,
                              KdhRemoteCall   *call,
                              GError         **error)
{
  if (!kdh_host_wait (client->host, _kdh_remote_client_call_finished, call, G_MAXINT64, error))
    return FALSE;
  if (!call->done)
    {
      g_autofree gchar *message = _kdh_remote_client_lost_message (client);

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

gboolean
_kdh_remote_client_require_connected (KdhRemoteClient *client,
                                      GError         **error)
{
  if (client->phase == PHASE_CONNECTED)
    return TRUE;
  if (client->phase == PHASE_LOST)
    {
      g_autofree gchar *message = _kdh_remote_client_lost_message (client);

      g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_NOT_CONNECTED,
                           message);
    }
  else
    g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_NOT_CONNECTED,
                         _("Not connected to a debugging server."));
  return FALSE;
}

/* ---- Commands ---------------------------------------------------------- */

gboolean
kdh_remote_client_execute (KdhRemoteClient *client,
                           const gchar     *line,
                           GError         **error)
{
  g_autofree gchar *trimmed = g_strstrip (g_strdup (line ? line : ""));
  gboolean success;
  const gchar *message;
  KdhRemoteCall *call;
  gboolean ok;

  /* KD's "q" on a client ends the client, not the server's session. */
  if (g_ascii_strcasecmp (trimmed, "q") == 0)
    {
      client->quit_requested = TRUE;
      return TRUE;
    }
  if (!_kdh_remote_client_require_connected (client, error))
    return FALSE;
  if (!g_utf8_validate (line, -1, NULL))
    {
      g_set_error_literal (error, KDH_REMOTE_CLIENT_ERROR, KDH_REMOTE_CLIENT_ERROR_FAILED,
                           _("The command is not valid UTF-8."));
      return FALSE;
    }
  /* No timeout: a command may run as long as the target takes; a dead
   * server ends the wait through the keepalive. */
  call = _kdh_remote_client_call_start (client, "Execute", g_variant_new ("(s)", line), G_VARIANT_TYPE ("(bss)"),
                     G_MAXINT, NULL, TRUE);
  ok = _kdh_remote_client_call_wait (client, call, error);
  if (ok)
    {
      g_variant_get (call->reply, "(b&s&s)", &success, NULL, &message);
      if (!success)
        {
          g_set_error_literal (error, KDH_BACKEND_ERROR, KDH_BACKEND_ERROR_REPORTED,
                               *message ? message : _("The command failed on the debugging "
                                                      "server."));
          ok = FALSE;
        }
      /* The command's output reached us as signals before its reply, but
       * part of it may still be on its way through GetOutput: finish
       * posting it, so that the command ends after its output. */
      kdh_host_wait (client->host, _kdh_remote_client_caught_up, client, g_get_monotonic_time () + CATCH_UP_US,
                       NULL);
    }
  _kdh_remote_client_call_unref (call);
  return ok;
}

gboolean
kdh_remote_client_quit_requested (KdhRemoteClient *client)
{
  return client->quit_requested;
}

static gboolean
simple_call (KdhRemoteClient *client,
             const gchar     *method,
             GError         **error)
{
  KdhRemoteCall *call;
  gboolean ok;

  if (!_kdh_remote_client_require_connected (client, error))
    return FALSE;
  call = _kdh_remote_client_call_start (client, method, NULL, NULL, G_MAXINT, NULL, TRUE);
  ok = _kdh_remote_client_call_wait (client, call, error);
  _kdh_remote_client_call_unref (call);
  return ok;
}

gboolean
kdh_remote_client_resync (KdhRemoteClient *client,
                          GError         **error)
{
  return simple_call (client, "Resync", error);
}

gboolean
kdh_remote_client_cycle_baud (KdhRemoteClient *client,
                              GError         **error)
{
  return simple_call (client, "CycleBaud", error);
}

gboolean
kdh_remote_client_restart (KdhRemoteClient *client,
                           GError         **error)
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
  kdh_host_printf (client->host, KDH_OUTPUT_ERROR, _("Break failed: %s\n"), stripped->message);
}

void
kdh_remote_client_interrupt (KdhRemoteClient *client)
{
  g_autoptr (GError) error = NULL;

  if (!_kdh_remote_client_require_connected (client, &error))
    {
      kdh_host_printf (client->host, KDH_OUTPUT_ERROR, "%s\n", error->message);
      return;
    }
  _kdh_remote_client_call_start (client, "Interrupt", NULL, NULL, KEEPALIVE_TIMEOUT_MS, on_interrupt_reply, FALSE);
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

/* ---- The client as the engine's backend -------------------------------- */

static KdhRemoteClient *
from_backend (KdhBackend *backend)
{
  return (KdhRemoteClient *) backend;
}

static void
backend_free (KdhBackend *backend)
{
  kdh_remote_client_free (from_backend (backend));
}

static gboolean
backend_execute (KdhBackend  *backend,
                 const gchar *line,
                 const gchar *origin,
                 GError     **error)
{
  return kdh_remote_client_execute (from_backend (backend), line, error);
}

static gboolean
backend_echoes_commands (KdhBackend *backend)
{
  /* The server echoes every command to everyone, with its sender. */
  return kdh_remote_client_is_connected (from_backend (backend));
}

static gboolean
backend_resync (KdhBackend *backend,
                GError    **error)
{
  return kdh_remote_client_resync (from_backend (backend), error);
}

static gboolean
backend_restart (KdhBackend *backend,
                 GError    **error)
{
  return kdh_remote_client_restart (from_backend (backend), error);
}

static gboolean
backend_cycle_baud (KdhBackend *backend,
                    GError    **error)
{
  return kdh_remote_client_cycle_baud (from_backend (backend), error);
}

static void
backend_interrupt (KdhBackend *backend,
                   gboolean    defer)
{
  kdh_remote_client_interrupt (from_backend (backend));
}

static gchar *
backend_dup_prompt (KdhBackend *backend,
                    gboolean   *ready)
{
  return kdh_remote_client_dup_prompt (from_backend (backend), ready);
}

static gchar *
backend_dup_connection (KdhBackend *backend)
{
  return kdh_remote_client_dup_string (from_backend (backend));
}

static gboolean
backend_wants_close (KdhBackend *backend)
{
  return kdh_remote_client_quit_requested (from_backend (backend));
}

/* A view's query, answered by the server's engine (Query). Bounded: a
 * view can ask again at the next stop. */
static GVariant *
backend_query (KdhBackend *backend,
               guint       query,
               guint64     address,
               guint       count,
               GError    **error)
{
  KdhRemoteClient *client = from_backend (backend);
  KdhRemoteCall *call;
  GVariant *result = NULL;

  if (!_kdh_remote_client_require_connected (client, error))
    return NULL;
  call = _kdh_remote_client_call_start (client, "Query", g_variant_new ("(utu)", query, address, count),
                                        G_VARIANT_TYPE ("(v)"), 60 * 1000, NULL, TRUE);
  if (_kdh_remote_client_call_wait (client, call, error))
    g_variant_get (call->reply, "(v)", &result);
  _kdh_remote_client_call_unref (call);
  return result;
}

const KdhBackendClass _kdh_remote_client_backend_class = {
  .name = "remote client",
  .free = backend_free,
  .execute = backend_execute,
  .echoes_commands = backend_echoes_commands,
  .resync = backend_resync,
  .restart = backend_restart,
  .cycle_baud = backend_cycle_baud,
  .interrupt = backend_interrupt,
  .dup_prompt = backend_dup_prompt,
  .dup_connection = backend_dup_connection,
  .wants_close = backend_wants_close,
  .query = backend_query,
};

KdhBackend *
kdh_remote_client_as_backend (KdhRemoteClient *client)
{
  return &client->backend;
}
