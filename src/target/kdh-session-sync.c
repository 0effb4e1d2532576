/* kdh-session-sync.c: connecting, resynchronizing, and the target's stops
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-exec.h"
#include "kdh-session-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "common/kdh-front-end-keys.h"
#include "kdh-stop.h"

static gboolean
transport_ready (KdhSession *s)
{
  return s->transport_open;
}

static gboolean
sync_finished (KdhSession *s)
{
  return s->synced || s->sync_failed || !s->transport_open;
}

static gboolean
stop_arrived (KdhSession *s)
{
  return s->stop != NULL || !s->transport_open;
}

gboolean
kdh_session_handle_stop (KdhSession *s,
                         GError    **error)
{
  g_autoptr (GBytes) payload = g_steal_pointer (&s->stop);
  gboolean auto_continue = s->auto_continue;
  guint64 stale_breakin_pc = 0;
  KdhStopAction action;
  g_autofree gchar *headline = NULL;
  gboolean quiet = FALSE, rebooted = s->rebooted, boot_break = FALSE;

  s->auto_continue = FALSE;
  /* Only the first stop after that Continue, however late it comes: a
   * loaded host or a lossy line can delay it by seconds, and the other
   * conditions (kdh_stop_handle) tell it from any stop of the target's own. */
  if (s->stale_breakin_open && !s->break_outstanding && !s->break_requested)
    stale_breakin_pc = s->stale_breakin_pc;
  s->stale_breakin_open = FALSE;
  if (s->rebooted)
    {
      s->rebooted = FALSE;
      kdh_target_forget_all (s->target);
      if (s->announced && s->cs->kind == KDH_TRANSPORT_NET)
        kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                           _("The target rebooted: it started a new KDNET session. "
                             "Cached target state was dropped.\n"));
      else if (s->announced)
        kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                           _("The target rebooted: its first packet carried the SYNC id bit. "
                             "Cached target state was dropped.\n"));
      /* The initial break (KD's -b and Ctrl+K, Ctrl+Alt+K in the window)
       * is also KD's post-reboot break: a machine that rebooted under the
       * debugger is broken into once its first stop is seen to. Not in
       * a sync: an attach breaks in as asked, a resync keeps the state. */
      boot_break = s->announced && !s->sync_stop && kdh_host_initial_break (s->host);
      /* A rebooted machine is a new connection: announce it again. */
      s->announced = FALSE;
    }
  _kdh_session_exec_stopped (s, payload, rebooted, &headline, &quiet);
  if (!kdh_stop_handle (s->host, s->target, payload, !s->announced, auto_continue,
                        stale_breakin_pc, headline, quiet,
                        &action, error))
    return FALSE;
  s->announced = TRUE;
  s->cpu = kdh_target_get_cpu (s->target);
  s->lost_attempts = 0;
  s->lost_retry_us = G_MAXINT64;
  if (action == KDH_STOP_BREAK && _kdh_session_exec_take_resume (s))
    action = KDH_STOP_CONTINUE;
  /* The user asked to break in and this stop came first (a module load, a
   * reboot's first stop, our own resync break-in): stay here. Resuming
   * would need another break-in, and a target that keeps rebooting or
   * loading modules can lose every one of them. */
  if (action == KDH_STOP_CONTINUE && s->break_outstanding)
    {
      action = KDH_STOP_BREAK;
      kdh_host_show_location (s->host, s->target);
    }
  s->break_outstanding = FALSE;
  if (action == KDH_STOP_CONTINUE)
    {
      s->break_requested = s->break_requested || boot_break;
      return kdh_session_go (s, error);
    }
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  s->current_stop = g_bytes_ref (payload);
  kdh_session_set_state (s, KDH_CONN_BREAK, NULL, 0);
  _kdh_session_exec_after_stop (s);
  return TRUE;
}

/* ---- Connecting -------------------------------------------------------- */

void
kdh_session_set_lost (KdhSession  *s,
                      const gchar *reason,
                      gboolean     retry)
{
  g_autofree gchar *text = NULL;

  s->lost_attempts++;
  if (retry && s->lost_attempts <= LOST_MAX_ATTEMPTS && !s->transport_dead)
    {
      guint backoff = MIN (1000u << MIN (s->lost_attempts - 1, 5u), LOST_MAX_BACKOFF_MS);

      s->lost_retry_us = g_get_monotonic_time () + (gint64) backoff * US_PER_MS;
      text = g_strdup_printf (_("%s; retrying in %.0f s"), reason, backoff / 1000.0);
    }
  else
    {
      s->lost_retry_us = G_MAXINT64;
      text = s->transport_dead
             ? g_strdup_printf (_("%s; use .restart to reconnect"), reason)
             : g_strdup_printf (_("%s; gave up (%s resynchronizes, .restart reconnects)"),
                                reason, kdh_front_end_key_name (KDH_FRONT_END_KEY_RESYNC));
    }
  kdh_host_printf (s->host, KDH_OUTPUT_ERROR, _("Kernel connection lost: %s\n"), text);
  kdh_session_set_state (s, KDH_CONN_LOST, text, s->lost_attempts);
}

static gint64
sync_timeout_us (KdhSession *s)
{
  return (gint64) (s->link_config.sync_max_rounds + 1) * s->link_config.sync_reset_interval_ms
         * US_PER_MS;
}

/* The stop a sync that sent break-in bytes got. Whether the target broke
 * in for one of them, or was stopped already and keeps one pending, cannot
 * be told; the first stop after the next Continue will tell. */
static void
remember_sync_stop (KdhSession *s,
                    GBytes     *payload)
{
  KdhStateChange sc;
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  if (kdh_state_change_decode (data, len, &sc, NULL) && sc.new_state == KDH_STATE_EXCEPTION
      && sc.u.exception.code == KDH_STATUS_BREAKPOINT)
    {
      s->stale_breakin_armed = TRUE;
      s->stale_breakin_pc = sc.program_counter;
    }
  kdh_state_change_clear (&sc);
}

/* After the RESET answer: the target re-sends the state change it is
 * stopped on, or reports the break-in (docs/protocol.md §2.7 step 2); the
 * stop is handled as the sync that began meant. */
static gboolean
sync_complete (KdhSession *s,
               GError    **error)
{
  g_autoptr (GError) local = NULL;
  gint64 deadline = g_get_monotonic_time () + sync_timeout_us (s);
  gboolean ok = kdh_session_wait (s, stop_arrived, deadline, &local);

  s->awaiting_stop = FALSE;
  if (!ok || s->stop == NULL)
    {
      g_autofree gchar *reason = NULL;

      if (local && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      reason = g_strdup_printf (_("the target answered RESET but reported no state within %.1f s"),
                                sync_timeout_us (s) / 1e6);
      kdh_session_set_lost (s, reason, TRUE);
      g_set_error_literal (error, KDH_BACKEND_ERROR, KDH_BACKEND_ERROR_REPORTED, reason);
      return FALSE;
    }

  if (kdh_link_get_stats (s->link)->breakins_sent > s->sync_breakins_before)
    remember_sync_stop (s, s->stop);

  /* A break-in we caused only to get the target talking is undone. */
  s->auto_continue = s->sync_kind == SYNC_ATTACH
                     ? !kdh_host_initial_break (s->host)
                     : (s->sync_with_breakin && s->sync_was_running && s->announced);
  s->sync_stop = TRUE;
  ok = kdh_session_handle_stop (s, error);
  s->sync_stop = FALSE;
  if (!ok)
    return FALSE;
  if (s->sync_kind != SYNC_ATTACH)
    kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                       _("Kernel debugger connection resynchronized.\n"));
  return TRUE;
}

gboolean
kdh_session_sync (KdhSession *s,
                  KdhSyncKind kind,
                  GError    **error)
{
  gboolean was_running = s->target_running || !s->announced;
  /* Only a resync knows the target's state. Behind a reopened transport
   * there is most likely a new target (a restarted VM), running and so
   * deaf to RESET, whatever the old one was doing. */
  gboolean with_breakin = kind != SYNC_RESYNC || was_running;
  /* A rebooted KDNET target is in its packet layer, sending its first
   * packet: a break-in byte would stay pending there. */
  KdhSyncBreakin breakin = !with_breakin ? KDH_SYNC_NO_BREAKIN
                           : s->believe_stopped || s->peer_restarted ? KDH_SYNC_BREAKIN_LATER
                           : KDH_SYNC_BREAKIN_FIRST;
  KdhConnState state = kind == SYNC_ATTACH ? KDH_CONN_SYNCHRONIZING : KDH_CONN_RESYNCHRONIZING;
  g_autoptr (GError) local = NULL;
  gint64 deadline;
  gboolean ok;

  kdh_session_set_state (s, state, kind == SYNC_ATTACH ? _("waiting for the target") : NULL, 1);
  if (kind == SYNC_ATTACH)
    kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER, _("Waiting to reconnect...\n"));
  else
    kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER, _("Resynchronizing the kernel connection...\n"));

  s->sync_kind = kind;
  s->sync_with_breakin = with_breakin;
  s->sync_was_running = was_running;
  s->sync_breakins_before = kdh_link_get_stats (s->link)->breakins_sent;
  s->sync_answer_due = FALSE;
  s->late_synced = FALSE;
  s->synced = FALSE;
  s->sync_failed = FALSE;
  s->rebooted = s->peer_restarted;
  s->peer_restarted = FALSE;
  s->believe_stopped = FALSE;
  /* A break-in byte an earlier sync left pending stays pending through
   * this one (which may send none): only a Continue (or a reboot) ends
   * what stale_breakin_armed remembers. */
  s->stale_breakin_open = FALSE;
  g_clear_pointer (&s->stop, g_bytes_unref);
  /* From here until the state change arrives (the RESET answer and the
   * target's pending packet often come in one read). */
  s->awaiting_stop = TRUE;
  if (s->cs->resets == 0)
    {
      /* resets=0: the target must not be sent RESET; a break-in and the
       * next packet it sends are all there is. */
      kdh_link_assume_synced (s->link);
      kdh_link_send_breakin (s->link);
      s->synced = TRUE;
    }
  else
    kdh_link_start_sync (s->link, breakin, g_get_monotonic_time ());
  kdh_session_pump (s);

  deadline = g_get_monotonic_time () + sync_timeout_us (s);
  ok = kdh_session_wait (s, sync_finished, deadline, &local) && s->transport_open;
  if (!ok || s->sync_failed)
    s->awaiting_stop = FALSE;
  if (!ok)
    {
      if (local == NULL)
        local = g_error_new (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, _("connection lost: %s"),
                             s->transport_error ? s->transport_error : _("closed"));
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* Said once, as the connection's loss. */
      kdh_session_set_lost (s, local->message, !s->transport_dead);
      g_set_error_literal (error, KDH_BACKEND_ERROR, KDH_BACKEND_ERROR_REPORTED, local->message);
      return FALSE;
    }
  if (s->sync_failed)
    {
      /* The link still waits: an answer that comes later (a target that
       * was frozen) finishes this sync (kdh_session_sync_late). */
      s->sync_answer_due = TRUE;
      kdh_session_set_lost (s, s->sync_error, TRUE);
      g_set_error_literal (error, KDH_BACKEND_ERROR, KDH_BACKEND_ERROR_REPORTED, s->sync_error);
      return FALSE;
    }
  return sync_complete (s, error);
}

gboolean
kdh_session_sync_late (KdhSession *s,
                       GError    **error)
{
  KdhConnState state = s->sync_kind == SYNC_ATTACH ? KDH_CONN_SYNCHRONIZING
                                                   : KDH_CONN_RESYNCHRONIZING;

  /* No automatic attempt while this one finishes. */
  s->lost_retry_us = G_MAXINT64;
  kdh_session_set_state (s, state, _("the target answered RESET"), 0);
  return sync_complete (s, error);
}

static gboolean
open_transport (KdhSession *s,
                GError    **error)
{
  s->transport = kdh_transport_new (s->cs, &kdh_session_transport_callbacks, s);
  s->transport_dead = FALSE;
  s->reconnect_pending = FALSE;
  kdh_session_set_state (s, KDH_CONN_OPENING, NULL, 0);
  if (!kdh_transport_open (s->transport, error))
    {
      kdh_session_set_state (s, KDH_CONN_DISCONNECTED, (*error)->message, 0);
      g_clear_pointer (&s->transport, kdh_transport_free);
      return FALSE;
    }
  if (!kdh_session_wait (s, transport_ready, G_MAXINT64, error))
    {
      g_autofree gchar *reason = g_strdup ((*error)->message);

      g_clear_pointer (&s->transport, kdh_transport_free);
      s->transport_open = FALSE;
      kdh_session_set_state (s, KDH_CONN_DISCONNECTED, reason, 0);
      return FALSE;
    }
  return TRUE;
}

gboolean
kdh_session_attach (KdhSession *s,
                    GError    **error)
{
  if (!open_transport (s, error))
    return FALSE;
  return kdh_session_sync (s, SYNC_ATTACH, error);
}

gboolean
kdh_session_resync (KdhSession *s,
                    GError    **error)
{
  if (s->dump_path)
    return s->backend.klass->resync (&s->backend, error);
  if (!s->transport_open)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("Cannot resynchronize: the kernel connection is not open (%s)."),
                   s->transport_error ? s->transport_error
                   : s->waiting_reason ? s->waiting_reason : kdh_conn_state_name (s->state));
      return FALSE;
    }
  s->lost_attempts = 0;
  return kdh_session_sync (s, s->announced ? SYNC_RESYNC : SYNC_ATTACH, error);
}

gboolean
kdh_session_restart (KdhSession *s,
                     GError    **error)
{
  if (s->dump_path)
    return s->backend.klass->restart (&s->backend, error);
  /* The target behind the reopened transport is most likely the same one,
   * still stopped where we left it. */
  gboolean was_stopped = s->state == KDH_CONN_BREAK;

  kdh_session_set_state (s, KDH_CONN_RESTARTING, NULL, 0);
  kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER, _("Restarting the kernel connection...\n"));
  if (s->link_timer)
    {
      g_source_destroy (s->link_timer);
      g_clear_pointer (&s->link_timer, g_source_unref);
    }
  g_clear_pointer (&s->transport, kdh_transport_free);
  s->transport_open = FALSE;
  g_clear_pointer (&s->stop, g_bytes_unref);
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  g_clear_pointer (&s->reply, g_bytes_unref);
  kdh_target_forget_all (s->target);
  s->announced = FALSE;
  s->target_running = FALSE;
  s->break_outstanding = FALSE;
  s->lost_attempts = 0;
  s->lost_retry_us = G_MAXINT64;
  kdh_session_make_link (s);
  s->believe_stopped = was_stopped;
  return kdh_session_attach (s, error);
}