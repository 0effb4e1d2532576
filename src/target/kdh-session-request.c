/* kdh-session-request.c: requests to the target and their replies
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-exec.h"
#include "kdh-session-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

typedef gboolean (*KdhSessionPredicate) (KdhSession *s);

typedef struct {
  KdhSession *session;
  KdhSessionPredicate predicate;
} WaitData;

static gboolean
wait_done (gpointer data)
{
  WaitData *w = data;

  return w->session->transport_dead || w->predicate (w->session);
}

/* Waits for @predicate, failing when the transport dies for good. */
gboolean
kdh_session_wait (KdhSession         *s,
                  KdhSessionPredicate predicate,
                  gint64              deadline_us,
                  GError            **error)
{
  WaitData w = { s, predicate };

  if (!kdh_host_wait (s->host, wait_done, &w, deadline_us, error))
    return FALSE;
  if (!predicate (s) && s->transport_dead)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, _("connection lost: %s"),
                   s->transport_error ? s->transport_error : _("closed"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
request_finished (KdhSession *s)
{
  if (s->send_failed || !s->transport_open || s->rebooted)
    return TRUE;
  return s->awaiting_api ? s->reply != NULL : s->sent;
}

/* Finished, or at least acknowledged: the reply's own time starts. */
static gboolean
request_acknowledged (KdhSession *s)
{
  return request_finished (s) || s->sent;
}

/* ---- Requests ---------------------------------------------------------- */

/* On a fast link (a socket to a local VM or kdhost-sim) a reply comes
 * within tens of microseconds, and sleeping for it costs more than that
 * where an idle processor is slow to wake (a VM's vCPU that halted): the
 * engine looks for it without sleeping for a short while first. The far
 * end's processor stays awake too: a target in the debugger polls its
 * port. Serial lines never spin: their replies take milliseconds.
 *
 * The same after a DbgPrint from a running target: a target that prints
 * usually prints again within microseconds of our ACK (a flood is one
 * round trip per line). Not while the front ends are behind (then reading
 * pauses, kdh_session_throttle_input()), and a target that prints nothing
 * is never waited for this way: the spin starts only with a line. */
#define SPIN_US 200
#define FAST_LINK_RTT_US 1000

static gboolean request_finished (KdhSession *s);

gint64
kdh_session_spin_until (KdhSession *s)
{
  if (s->spin_until_us != 0 && !request_finished (s))
    return s->spin_until_us;
  if (s->print_spin_until_us != 0 && s->state == KDH_CONN_RUNNING && !s->backlogged
      && s->transport != NULL && !kdh_transport_input_paused (s->transport))
    return s->print_spin_until_us;
  return 0;
}

static gboolean
fast_link (KdhSession *s)
{
  const KdhLinkStats *stats = kdh_link_get_stats (s->link);

  return s->link_config.byte_time_us == 0 && stats->last_rtt_us > 0
         && stats->last_rtt_us <= FAST_LINK_RTT_US;
}

static void
start_spin (KdhSession *s)
{
  s->spin_until_us = fast_link (s) ? g_get_monotonic_time () + SPIN_US : 0;
}

void
kdh_session_note_print (KdhSession *s)
{
  /* Not only where a round trip was seen to be fast: a flood attached to
   * without a break-in has measured one at most, often slow as the target
   * was busy. On a slower link without a byte time this costs SPIN_US per
   * line received, a small part of a round trip. */
  s->print_spin_until_us = s->state == KDH_CONN_RUNNING && s->link_config.byte_time_us == 0
                           ? g_get_monotonic_time () + SPIN_US : 0;
}

/* How long an acknowledged request may wait for its reply: the reply's
 * time on the line, a few retransmissions by the target, slack. */
static gint64
reply_timeout_us (KdhSession *s)
{
  gint64 packet_us = (gint64) s->link_config.byte_time_us * (KDH_PACKET_MAX_SIZE + 17);

  return 2 * G_USEC_PER_SEC + 4 * packet_us + 2 * (gint64) s->link_config.ack_timeout_ms * US_PER_MS;
}

static gint64
send_timeout_us (KdhSession *s)
{
  return (gint64) s->link_config.max_send_tries * (s->link_config.ack_timeout_ms * US_PER_MS
                                                   + (gint64) s->link_config.byte_time_us
                                                     * (KDH_PACKET_MAX_SIZE + 17))
         + G_USEC_PER_SEC;
}

static gboolean
resumes (guint32 api)
{
  return api == KDH_API_CONTINUE || api == KDH_API_CONTINUE2;
}

static gboolean
reply_matches (const KdhManipulate *request,
               const KdhManipulate *reply)
{
  if (reply->api != request->api)
    return FALSE;
  /* A late reply to an earlier attempt at another address is stale. */
  if (kdh_manipulate_api_is_memory (request->api))
    return kdh_manipulate_memory_address (reply) == kdh_manipulate_memory_address (request);
  switch (request->api)
    {
    case KDH_API_GET_CONTEXT:
    case KDH_API_SET_CONTEXT:
      return reply->processor == request->processor;
    default:
      return TRUE;
    }
}

gboolean
kdh_session_request (KdhSession          *s,
                     const KdhManipulate *request,
                     const guint8        *data,
                     gsize                data_len,
                     KdhManipulate       *reply,
                     GBytes             **reply_payload,
                     GError             **error)
{
  g_autoptr (GByteArray) packet = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  gboolean wants_reply = kdh_manipulate_api_has_reply (request->api);
  const gchar *name = kdh_api_name (request->api);

  if (s->dump_path)
    return kdh_session_dump_request (s, request, reply, reply_payload, error);
  if (!s->transport_open)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("The kernel connection is not open (%s)."),
                   s->transport_error ? s->transport_error : kdh_conn_state_name (s->state));
      return FALSE;
    }
  kdh_manipulate_encode (packet, request, data, data_len);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&packet));
  s->rebooted = FALSE;

  for (guint attempt = 0; attempt < REQUEST_TRIES; attempt++)
    {
      KdhSessionPredicate until = request_acknowledged;
      gint64 deadline;

      s->sent = FALSE;
      s->send_failed = FALSE;
      s->awaiting_api = wants_reply ? request->api : 0;
      g_clear_pointer (&s->reply, g_bytes_unref);
      kdh_link_cancel_send (s->link);
      if (!kdh_link_send (s->link, KDH_PACKET_TYPE_STATE_MANIPULATE, bytes, g_get_monotonic_time ()))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       _("Cannot send %s while the link is resynchronizing."), name);
          return FALSE;
        }
      kdh_session_pump (s);
      start_spin (s);

      deadline = g_get_monotonic_time () + send_timeout_us (s);
      for (;;)
        {
          g_autoptr (GError) local = NULL;

          if (!kdh_session_wait (s, until, deadline, &local))
            {
              /* No reply in time: issue it again, below. */
              if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
                break;
              s->awaiting_api = 0;
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          if (s->rebooted)
            {
              s->awaiting_api = 0;
              /* A rebooting machine runs: the command ends on a prompt that
               * takes none, until its first stop is handled. */
              kdh_target_forget_stop (s->target);
              s->target_running = TRUE;
              kdh_session_set_state (s, KDH_CONN_RUNNING, _("the target rebooted"), 0);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           _("The target rebooted while %s was in progress."), name);
              return FALSE;
            }
          if (s->send_failed && !wants_reply && resumes (request->api))
            {
              /* A target that took a Continue runs, and a running target
               * reads nothing but break-in bytes (docs/protocol.md §2.10):
               * once its ACK is lost, no retransmission gets another. So
               * the target is taken to be running, and the user told; a
               * break-in finds out (a dead link then goes Lost). */
              s->resume_unconfirmed = TRUE;
              kdh_link_take_as_delivered (s->link);
              return TRUE;
            }
          if (s->send_failed)
            {
              g_autofree gchar *reason = g_strdup_printf ("%s: %s", name, s->send_error);

              s->awaiting_api = 0;
              kdh_session_set_lost (s, reason, TRUE);
              g_set_error_literal (error, KDH_BACKEND_ERROR, KDH_BACKEND_ERROR_REPORTED, reason);
              return FALSE;
            }
          if (!wants_reply)
            return TRUE;
          if (s->reply)
            {
              KdhManipulate m;
              gsize len;
              const guint8 *p = g_bytes_get_data (s->reply, &len);

              if (kdh_manipulate_decode (p, len, &m, NULL) && reply_matches (request, &m))
                {
                  s->awaiting_api = 0;
                  if (reply)
                    *reply = m;
                  if (reply_payload)
                    *reply_payload = g_steal_pointer (&s->reply);
                  g_clear_pointer (&s->reply, g_bytes_unref);
                  return TRUE;
                }
              g_clear_pointer (&s->reply, g_bytes_unref);
              continue;
            }
          if (until == request_acknowledged && s->sent && s->transport_open)
            {
              until = request_finished;
              deadline = g_get_monotonic_time () + reply_timeout_us (s);
              continue;
            }
          break;
        }
      /* Acknowledged but never answered (docs/protocol.md §2.2, the RO-KD
       * note): issue it again with the next id. */
      g_debug ("%s: no reply, re-issuing (attempt %u)", name, attempt + 2);
    }
  s->awaiting_api = 0;
  {
    g_autofree gchar *reason = g_strdup_printf (_("%s: no reply from the target after %u tries"),
                                                name, REQUEST_TRIES);
    kdh_session_set_lost (s, reason, TRUE);
    g_set_error_literal (error, KDH_BACKEND_ERROR, KDH_BACKEND_ERROR_REPORTED, reason);
  }
  return FALSE;
}

gboolean
kdh_session_go (KdhSession *s,
                GError    **error)
{
  guint64 dr7 = 0;
  gboolean stopped = FALSE;

  /* The breakpoints go in first (kdh-session-exec.c); stepping off one at
   * the current address may end in another stop, shown already. */
  if (!_kdh_session_exec_prepare (s, &dr7, &stopped, error))
    return FALSE;
  if (stopped)
    return TRUE;
  return _kdh_session_continue (s, FALSE, dr7, error);
}

gboolean
_kdh_session_continue (KdhSession *s,
                       gboolean    trace,
                       guint64     dr7,
                       GError    **error)
{
  KdhManipulate m;
  guint16 machine = kdh_target_get_machine (s->target);

  kdh_manipulate_init_continue2 (&m, machine ? machine : KDH_MACHINE_AMD64, KDH_DBG_CONTINUE,
                                 trace, dr7, 1, 0);
  m.processor = (guint16) s->cpu;
  /* Before sending: a stop that comes with the acknowledgement is a new
   * one, even if it looks the same (a break-in left pending). */
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  s->resume_unconfirmed = FALSE;
  if (!kdh_session_request (s, &m, NULL, 0, NULL, NULL, error))
    return FALSE;
  if (s->resume_unconfirmed)
    kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER,
                     _("The target did not acknowledge %s (%s); it is taken to be running, as a "
                       "target that took it no longer answers. Break in to check.\n"),
                     kdh_api_name (m.api), s->send_error);
  if (s->stale_breakin_armed)
    {
      s->stale_breakin_armed = FALSE;
      s->stale_breakin_open = TRUE;
    }
  kdh_target_forget_stop (s->target);
  s->target_running = TRUE;
  kdh_session_set_state (s, KDH_CONN_RUNNING, NULL, 0);
  if (s->break_requested)
    kdh_session_break (s, FALSE);
  return TRUE;
}

void
kdh_session_command_finished (KdhSession *s)
{
  /* A break asked for during a command that did not let the target run
   * is moot: it is stopped. */
  s->break_requested = FALSE;
  /* The last ACK leaves before the prompt says the command is over, and
   * the far end's counters are as of its end. */
  if (s->transport != NULL && s->transport_open)
    kdh_transport_flush (s->transport);
  kdh_session_publish_peer_counters (s);
}

/* ---- Stops ------------------------------------------------------------- */
