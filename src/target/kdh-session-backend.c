/* kdh-session-backend.c: a kernel connection as the engine's backend
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine drives whatever it talks to through KdhBackendClass
 * (kdh-backend.h); these are the session's entries.
 */
#include "kdh-session-private.h"
#include "kdh-target-symbols.h"

static KdhSession *
from_backend (KdhBackend *backend)
{
  return (KdhSession *) backend;
}

static void
backend_free (KdhBackend *backend)
{
  KdhSession *s = from_backend (backend);

  kdh_session_close (s);
  kdh_session_free (s);
}

static gboolean
backend_resync (KdhBackend *backend,
                GError    **error)
{
  return kdh_session_resync (from_backend (backend), error);
}

static gboolean
backend_restart (KdhBackend *backend,
                 GError    **error)
{
  return kdh_session_restart (from_backend (backend), error);
}

static gboolean
backend_cycle_baud (KdhBackend *backend,
                    GError    **error)
{
  return kdh_session_cycle_baud (from_backend (backend), error);
}

static void
backend_interrupt (KdhBackend *backend,
                   gboolean    defer)
{
  /* Ctrl+C also stops a symbol download the current command waits for. */
  kdh_target_cancel_symbol_downloads (kdh_session_get_target (from_backend (backend)));
  kdh_session_break (from_backend (backend), defer);
}

static void
backend_set_trace (KdhBackend *backend,
                   gboolean    enabled)
{
  kdh_session_set_trace (from_backend (backend), enabled);
}

static gchar *
backend_dup_prompt (KdhBackend *backend,
                    gboolean   *ready)
{
  KdhSession *s = from_backend (backend);

  *ready = s->state == KDH_CONN_BREAK || s->state == KDH_CONN_DISCONNECTED
           || s->state == KDH_CONN_LOST;
  if (s->state == KDH_CONN_BREAK)
    return g_strdup_printf ("%u: kd> ", s->cpu);
  return g_strdup ("kd> ");
}

static gchar *
backend_dup_connection (KdhBackend *backend)
{
  return kdh_connection_string_to_string (from_backend (backend)->cs);
}

static void
backend_command_finished (KdhBackend *backend)
{
  kdh_session_command_finished (from_backend (backend));
}

static gint64
backend_next_poll (KdhBackend *backend)
{
  return kdh_session_next_poll (from_backend (backend));
}

static void
backend_poll (KdhBackend *backend)
{
  KdhSession *s = from_backend (backend);

  kdh_session_poll (s);
  /* A stop's last ACK leaves before the engine shows the prompt. */
  if (s->transport != NULL && s->transport_open)
    kdh_transport_flush (s->transport);
}

static gint64
backend_spin_until (KdhBackend *backend)
{
  return kdh_session_spin_until (from_backend (backend));
}

static gboolean
backend_look (KdhBackend *backend,
              gboolean   *delivered)
{
  KdhSession *s = from_backend (backend);

  return s->transport != NULL && s->transport_open && kdh_transport_look (s->transport, delivered);
}

static gint64
backend_throttle_input (KdhBackend *backend,
                        gboolean    backlogged)
{
  return kdh_session_throttle_input (from_backend (backend), backlogged);
}

const KdhBackendClass kdh_session_backend_class = {
  .name = "session",
  .free = backend_free,
  .resync = backend_resync,
  .restart = backend_restart,
  .cycle_baud = backend_cycle_baud,
  .interrupt = backend_interrupt,
  .set_trace = backend_set_trace,
  .dup_prompt = backend_dup_prompt,
  .dup_connection = backend_dup_connection,
  .command_finished = backend_command_finished,
  .next_poll = backend_next_poll,
  .poll = backend_poll,
  .throttle_input = backend_throttle_input,
  .spin_until = backend_spin_until,
  .look = backend_look,
};

KdhBackend *
kdh_session_as_backend (KdhSession *s)
{
  return &s->backend;
}
