/* kdh-session.c: one kernel connection: transport, link, connection state
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This file: the state, the transport's callbacks, the link pump and what
 * arrives on it, and the housekeeping between commands.
 * kdh-session-sync.c connects, resynchronizes and handles stops;
 * kdh-session-request.c sends requests and waits for their replies;
 * kdh-session-backend.c is the session as the engine's backend.
 */
#include "kdh-exec.h"
#include "kdh-session-private.h"
#include "kdh-target-symbols.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "common/kdh-front-end-keys.h"
#include "common/kdh-le.h"
#include "kd/kdh-packet.h"


/* ---- State ------------------------------------------------------------- */

void
kdh_session_set_state (KdhSession  *s,
                       KdhConnState state,
                       const gchar *reason,
                       guint        attempt)
{
  g_autofree gchar *target = s->target ? kdh_target_describe (s->target) : NULL;

  /* The counters first, so that a front end sees them as of the change. */
  if (s->link)
    kdh_session_publish_stats (s, TRUE);
  s->state = state;
  g_free (s->state_reason);
  s->state_reason = g_strdup (reason);
  if (s->quiet_state && (state == KDH_CONN_RUNNING || state == KDH_CONN_BREAK))
    return;
  /* The automatic retries after a loss count on across their rounds, each
   * of which counts its RESETs from one again (@attempt). */
  kdh_host_publish_state (s->host, state, reason, attempt, s->lost_attempts,
                          state == KDH_CONN_LOST && s->lost_retry_us != G_MAXINT64
                          ? s->lost_retry_us : 0,
                          s->description, target);
}

KdhConnState
kdh_session_get_state (KdhSession *s)
{
  return s->state;
}

const gchar *
kdh_session_get_state_reason (KdhSession *s)
{
  return s->state_reason;
}

KdhTarget *
kdh_session_get_target (KdhSession *s)
{
  return s->target;
}

const KdhConnectionString *
kdh_session_get_connection (KdhSession *s)
{
  return s->cs;
}

const gchar *
kdh_session_describe_transport (KdhSession *s)
{
  return s->description;
}

guint
kdh_session_get_cpu (KdhSession *s)
{
  return s->cpu;
}

void
kdh_session_set_trace (KdhSession *s,
                       gboolean    enabled)
{
  kdh_link_set_trace (s->link, enabled);
}

/* ---- Transport callbacks ----------------------------------------------- */

static void
on_opened (KdhTransport *transport,
           gpointer      data)
{
  KdhSession *s = data;

  s->transport_open = TRUE;
  s->transport_dead = FALSE;
  g_clear_pointer (&s->transport_error, g_free);
  g_clear_pointer (&s->waiting_reason, g_free);
  kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, _("Opened %s\n"), s->description);
  /* A VM that came back: the target behind it knows nothing of us. */
  if (s->announced)
    s->reconnect_pending = TRUE;
}

static void
on_received (KdhTransport *transport,
             const guint8 *data,
             gsize         len,
             gpointer      user_data)
{
  KdhSession *s = user_data;

  kdh_link_receive (s->link, data, len, g_get_monotonic_time ());
  kdh_session_pump (s);
}

static void
on_waiting (KdhTransport *transport,
            const gchar  *reason,
            gboolean      retrying,
            gpointer      data)
{
  KdhSession *s = data;

  if (g_strcmp0 (reason, s->waiting_reason) != 0)
    {
      g_free (s->waiting_reason);
      s->waiting_reason = g_strdup (reason);
      kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, "%s\n", reason);
    }
  s->transport_dead = !retrying;
  if (!retrying)
    {
      g_free (s->transport_error);
      s->transport_error = g_strdup (reason);
    }
  kdh_session_set_state (s, KDH_CONN_WAITING, reason, 0);
}

static void
on_closed (KdhTransport *transport,
           const GError *error,
           gpointer      data)
{
  KdhSession *s = data;
  gboolean comes_back = kdh_session_note_closed (s, error);

  s->transport_open = FALSE;
  g_free (s->transport_error);
  s->transport_error = g_strdup (error ? error->message : _("connection closed"));
  /* Half-received bytes belong to a stream that is gone, and so do the
   * answers to the RESETs we wrote into it. */
  kdh_link_reset (s->link);
  s->sync_answer_due = FALSE;
  if (!comes_back)
    s->transport_dead = TRUE;
  if (!comes_back && s->announced)
    kdh_session_set_lost (s, s->transport_error, FALSE);   /* says why */
  else
    kdh_host_printf (s->host, KDH_OUTPUT_ERROR, _("Kernel connection lost: %s\n"),
                       s->transport_error);
}

const KdhTransportCallbacks kdh_session_transport_callbacks = {
  on_opened, on_received, on_waiting, on_closed,
};

/* ---- Link -------------------------------------------------------------- */

static gboolean
on_link_timer (gpointer data)
{
  KdhSession *s = data;

  g_clear_pointer (&s->link_timer, g_source_unref);
  kdh_link_tick (s->link, g_get_monotonic_time ());
  kdh_session_pump (s);
  return G_SOURCE_REMOVE;
}

static void
rearm_link_timer (KdhSession *s)
{
  gint64 deadline = kdh_link_next_deadline (s->link);
  gint64 ms;

  if (s->link_timer)
    {
      g_source_destroy (s->link_timer);
      g_clear_pointer (&s->link_timer, g_source_unref);
    }
  if (deadline == G_MAXINT64)
    return;
  ms = (deadline - g_get_monotonic_time () + 999) / US_PER_MS;
  s->link_timer = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXINT));
  g_source_set_callback (s->link_timer, on_link_timer, s, NULL);
  g_source_set_name (s->link_timer, "[kdhost] link timer");
  g_source_attach (s->link_timer, g_main_context_get_thread_default ());
}

static void
post_trace (KdhSession           *s,
            const KdhPacketTrace *trace)
{
  KdhEvent *event = kdh_event_new (KDH_EVENT_PACKET);
  g_autofree gchar *meaning = NULL;
  gsize len = 0;
  const guint8 *payload = trace->payload ? g_bytes_get_data (trace->payload, &len) : NULL;

  if (trace->breakin)
    meaning = g_strdup_printf ("break-in byte 0x%02x", KDH_BREAKIN_BYTE);
  else if (trace->header.control)
    meaning = g_strdup (kdh_packet_type_name (trace->header.type));
  else if (payload)
    meaning = kdh_dbgkd_describe (trace->header.type, payload, len);
  else
    meaning = g_strdup_printf ("%s (checksum error)", kdh_packet_type_name (trace->header.type));
  event->outgoing = trace->outgoing;
  event->control = trace->header.control;
  event->packet_type = trace->header.type;
  event->packet_id = trace->header.id;
  event->byte_count = trace->breakin ? 1 : trace->header.byte_count;
  event->breakin = trace->breakin;
  event->verdict = g_strdup (kdh_trace_verdict_name (trace->verdict));
  if (trace->breakin)
    event->text = g_strdup_printf (">> break-in len=1 %s: %s\n", event->verdict, meaning);
  else
    event->text = g_strdup_printf ("%s id=%08x len=%u %s: %s\n", trace->outgoing ? ">>" : "<<",
                                   trace->header.id, trace->header.byte_count, event->verdict,
                                   meaning);
  event->meaning = g_steal_pointer (&meaning);
  kdh_host_post (s->host, event);
}

static void
handle_debug_io (KdhSession *s,
                 GBytes     *payload)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  g_autoptr (GError) error = NULL;
  KdhDebugIo io;

  if (!kdh_debug_io_decode (data, len, &io, &error))
    {
      kdh_host_printf (s->host, KDH_OUTPUT_ERROR, _("Malformed debug output from the target: %s\n"),
                         error->message);
      return;
    }
  if (io.api == KDH_API_PRINT_STRING)
    {
      g_autofree gchar *text = g_utf8_make_valid ((const gchar *) io.data, io.data_len);

      kdh_host_output (s->host, KDH_OUTPUT_TARGET, text);
      kdh_session_note_print (s);
    }
  else if (io.api == KDH_API_GET_STRING)
    {
      g_autofree gchar *prompt = g_utf8_make_valid ((const gchar *) io.data, io.data_len);
      g_autoptr (GByteArray) answer = g_byte_array_new ();
      g_autoptr (GBytes) bytes = NULL;

      /* DbgPrompt is answered with an empty line so that the target does
       * not wait for ever; reading a reply from the user is not done yet. */
      kdh_host_printf (s->host, KDH_OUTPUT_TARGET, "%s\n", prompt);
      kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                         _("(DbgPrompt answered with an empty line)\n"));
      kdh_debug_io_encode_get_string_reply (answer, &io, "", 0);
      bytes = g_byte_array_free_to_bytes (g_steal_pointer (&answer));
      if (!kdh_link_send (s->link, KDH_PACKET_TYPE_DEBUG_IO, bytes, g_get_monotonic_time ()))
        kdh_host_output (s->host, KDH_OUTPUT_ERROR,
                           _("Could not answer DbgPrompt: a request is in flight.\n"));
    }
}

static void
handle_packet (KdhSession *s,
               guint16     type,
               GBytes     *payload)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  switch (type)
    {
    case KDH_PACKET_TYPE_DEBUG_IO:
      handle_debug_io (s, payload);
      break;

    case KDH_PACKET_TYPE_STATE_CHANGE64:
      /* A stopped target sends its state change again for every RESEND it
       * gets (docs/protocol.md §2.2), including ours for a damaged copy of a
       * packet we already had: at Break, outside a resync, that is the
       * same stop, not a new one to report. */
      if (s->state == KDH_CONN_BREAK && s->current_stop != NULL
          && g_bytes_equal (s->current_stop, payload))
        {
          g_debug ("ignoring the current state change, sent again");
          break;
        }
      /* Keep the latest: a state change re-sent after a RESET replaces
       * the one it repeats. */
      g_clear_pointer (&s->stop, g_bytes_unref);
      s->stop = g_bytes_ref (payload);
      s->target_running = FALSE;
      s->breakin_retry_us = G_MAXINT64;
      break;

    case KDH_PACKET_TYPE_STATE_MANIPULATE:
      if (s->awaiting_api && len >= 4
          && kdh_read_le32 (data) == s->awaiting_api)
        {
          g_clear_pointer (&s->reply, g_bytes_unref);
          s->reply = g_bytes_ref (payload);
        }
      else if (s->awaiting_stop)
        {
          /* After the RESET of a resync the target sent again the reply
           * it was delivering (docs/protocol.md §2.5), not its state change:
           * it now waits for a request, and a RESEND makes it send the
           * state change (§2.4) without a second resync round. */
          g_debug ("a stale manipulate reply after RESET; asking for the state change");
          kdh_link_send_resend (s->link, g_get_monotonic_time ());
        }
      else
        g_debug ("dropping a manipulate reply nobody waits for (%zu bytes)", len);
      break;

    default:
      g_debug ("ignoring a %s packet from the target", kdh_packet_type_name (type));
      break;
    }
}

static void
handle_link_event (KdhSession   *s,
                   KdhLinkEvent *ev)
{
  switch (ev->kind)
    {
    case KDH_LINK_EVENT_PACKET:
      handle_packet (s, ev->packet_type, ev->payload);
      break;
    case KDH_LINK_EVENT_SENT:
      s->sent = TRUE;
      break;
    case KDH_LINK_EVENT_SEND_FAILED:
      s->send_failed = TRUE;
      g_free (s->send_error);
      s->send_error = g_strdup_printf (_("no acknowledgement from the target after %u tries over %.1f s"),
                                       ev->tries, ev->elapsed_us / 1e6);
      break;
    case KDH_LINK_EVENT_SYNC_ATTEMPT:
      if (ev->attempt > 1)
        kdh_session_set_state (s, s->state, _("sending RESET again"), ev->attempt);
      break;
    case KDH_LINK_EVENT_SYNCED:
      s->synced = TRUE;
      if (s->sync_answer_due)
        {
          /* The answer to a sync that had given up: the target was frozen
           * and has read our RESETs now. Its state change follows, maybe in
           * this very read. */
          s->sync_answer_due = FALSE;
          s->late_synced = TRUE;
          s->awaiting_stop = TRUE;
        }
      break;
    case KDH_LINK_EVENT_SYNC_FAILED:
      s->sync_failed = TRUE;
      g_free (s->sync_error);
      s->sync_error = g_strdup_printf (_("no RESET answer after %u tries over %.1f s"),
                                       ev->attempt, ev->elapsed_us / 1e6);
      break;
    case KDH_LINK_EVENT_TARGET_RESET:
      kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                         _("The target reset the packet ids (RESET received).\n"));
      break;
    case KDH_LINK_EVENT_TARGET_REBOOTED:
      s->rebooted = TRUE;
      /* A rebooted target holds no break-in byte of ours (the sync that
       * finds it arms again if it sends one). */
      s->stale_breakin_armed = FALSE;
      break;
    case KDH_LINK_EVENT_TRACE:
      if (kdh_host_trace_enabled (s->host))
        post_trace (s, &ev->trace);
      break;
    default:
      break;
    }
}

static gboolean
stats_changed (const KdhLinkStats *a,
               const KdhLinkStats *b)
{
  return a->bytes_in != b->bytes_in || a->bytes_out != b->bytes_out || a->timeouts != b->timeouts
         || a->checksum_errors != b->checksum_errors || a->datagrams_in != b->datagrams_in;
}

/* Building them costs more than handling a packet: in a DbgPrint flood
 * they went with every one. */
#define PEER_INTERVAL_US 2000

void
kdh_session_publish_peer_counters (KdhSession *s)
{
  g_autoptr (GVariant) peer = s->transport ? kdh_transport_dup_peer_counters (s->transport) : NULL;

  s->next_peer_us = g_get_monotonic_time () + PEER_INTERVAL_US;
  if (peer)
    kdh_host_peer_counters (s->host, peer);
}

void
kdh_session_publish_stats (KdhSession *s,
                           gboolean    force)
{
  KdhLinkStats stats = kdh_session_collect_stats (s);
  gint64 now = g_get_monotonic_time ();
  KdhEvent *event;

  if (force || now >= s->next_peer_us)
    kdh_session_publish_peer_counters (s);
  if (!force && (now < s->next_stats_us || !stats_changed (&stats, &s->last_stats)))
    return;
  s->next_stats_us = now + STATS_INTERVAL_US;
  s->last_stats = stats;
  event = kdh_event_new (KDH_EVENT_STATS);
  event->stats = stats;
  kdh_host_post (s->host, event);
}

void
kdh_session_pump (KdhSession *s)
{
  KdhLinkEvent ev;

  for (;;)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      gboolean any = FALSE;

      if (kdh_link_take_output (s->link, out) && s->transport_open)
        {
          g_autoptr (GError) error = NULL;

          if (!kdh_transport_write (s->transport, out->data, out->len, &error))
            g_debug ("write failed: %s", error->message);
        }
      while (kdh_link_next_event (s->link, &ev))
        {
          any = TRUE;
          handle_link_event (s, &ev);
          kdh_link_event_clear (&ev);
        }
      /* Handling an event may have queued bytes (a DbgPrompt answer). */
      if (!any && !kdh_link_has_output (s->link))
        break;
    }
  rearm_link_timer (s);
  kdh_session_publish_stats (s, FALSE);
}

/* ---- Waiting ----------------------------------------------------------- */

void
kdh_session_make_link (KdhSession *s)
{
  guint baud = kdh_connection_string_line_baud (s->cs);

  kdh_session_link_config (s, baud);
  g_clear_pointer (&s->link, kdh_link_free);
  s->link = kdh_link_new (&s->link_config);
  kdh_link_set_trace (s->link, kdh_host_trace_enabled (s->host));
}

static gboolean
target_request (gpointer             data,
                const KdhManipulate *request,
                const guint8        *request_data,
                gsize                data_len,
                KdhManipulate       *reply,
                GBytes             **reply_payload,
                GError             **error)
{
  return kdh_session_request (data, request, request_data, data_len, reply, reply_payload, error);
}

KdhSession *
kdh_session_new (KdhHost             *host,
                 KdhConnectionString *cs)
{
  KdhSession *s = g_new0 (KdhSession, 1);

  s->backend.klass = &kdh_session_backend_class;
  s->host = host;
  s->cs = cs;
  s->description = kdh_connection_string_describe (cs);
  s->state = KDH_CONN_DISCONNECTED;
  s->target = kdh_target_new (target_request, s);
  kdh_target_set_symbol_host (s->target, host);
  s->lost_retry_us = G_MAXINT64;
  s->breakin_retry_us = G_MAXINT64;
  kdh_session_make_link (s);
  return s;
}

void
kdh_session_close (KdhSession *s)
{
  _kdh_session_exec_detach (s);
  if (s->link_timer)
    {
      g_source_destroy (s->link_timer);
      g_clear_pointer (&s->link_timer, g_source_unref);
    }
  g_clear_pointer (&s->transport, kdh_transport_free);
  s->transport_open = FALSE;
  if (s->state != KDH_CONN_DISCONNECTED)
    {
      kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, _("Closed %s\n"), s->description);
      kdh_session_set_state (s, KDH_CONN_DISCONNECTED, _("closed by the user"), 0);
    }
}

void
kdh_session_free (KdhSession *s)
{
  if (s == NULL)
    return;
  kdh_session_close (s);
  kdh_target_free (s->target);
  _kdh_session_exec_free (s);
  kdh_link_free (s->link);
  kdh_connection_string_free (s->cs);
  g_free (s->description);
  g_free (s->state_reason);
  g_free (s->transport_error);
  g_free (s->waiting_reason);
  g_free (s->sync_error);
  g_free (s->send_error);
  g_clear_pointer (&s->reply, g_bytes_unref);
  g_clear_pointer (&s->stop, g_bytes_unref);
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  kdh_dump_file_free (s->dump);
  g_free (s->dump_path);
  g_free (s);
}


void
kdh_session_break (KdhSession *s,
                   gboolean    defer)
{
  if (!s->transport_open)
    {
      kdh_host_output (s->host, KDH_OUTPUT_ERROR,
                         _("Cannot break in: the kernel connection is not open.\n"));
      return;
    }
  if (s->state == KDH_CONN_BREAK)
    {
      /* Stopped: a break-in byte now would stay pending in the target and
       * stop it again later. But a `g` may be on its way (the user pressed
       * Break right after Go): then remember the request for when it runs. */
      if (defer)
        s->break_requested = TRUE;
      return;
    }
  s->break_requested = FALSE;
  s->break_outstanding = TRUE;
  kdh_link_send_breakin (s->link);
  kdh_session_pump (s);
  s->breakin_tries = 1;
  s->breakin_retry_us = g_get_monotonic_time () + BREAKIN_RETRY_MS * US_PER_MS;
}

gboolean
kdh_session_cycle_baud (KdhSession  *s,
                        GError     **error)
{
  static const guint rates[] = { 19200, 38400, 57600, 115200 };
  guint current, next = rates[0];

  if (s->cs->kind != KDH_TRANSPORT_SERIAL || s->transport == NULL)
    {
      kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER,
                         _("%s is not a serial line; there is no baud rate to cycle.\n"),
                         s->description);
      return TRUE;
    }
  current = kdh_transport_get_baud (s->transport);
  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    if (rates[i] == current)
      next = rates[(i + 1) % G_N_ELEMENTS (rates)];
  if (!kdh_transport_set_baud (s->transport, next, error))
    return FALSE;
  s->cs->baud = next;
  kdh_link_config_init (&s->link_config, next);
  kdh_link_set_config (s->link, &s->link_config);
  g_free (s->description);
  s->description = kdh_connection_string_describe (s->cs);
  kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, _("Baud rate changed to %u.\n"), next);
  kdh_session_set_state (s, s->state, NULL, 0);
  return TRUE;
}

gint64
kdh_session_next_poll (KdhSession *s)
{
  gint64 next = MIN (s->lost_retry_us, s->breakin_retry_us);

  if (s->stop != NULL || s->late_synced || (s->reconnect_pending && s->transport_open))
    return 0;
  if (s->next_stats_us > 0)
    next = MIN (next, s->next_stats_us);
  return next;
}

/* Flow control: a backlogged front end stops reading from the target.
 * Only where the pause is invisible to the protocol: the target runs and
 * is the one talking (a DbgPrint it holds and retransmits until we ACK
 * it), the link has no timer running (no packet of ours waiting for its
 * ACK, no resync, no half-received packet), and nothing waits for the
 * target (a request's reply, a state change, a break-in). Anything else
 * resumes reading at once, so no timeout of ours can expire over a pause.
 * A pause lasts INPUT_PAUSE_MAX_MS at most; then one more packet is read
 * and acknowledged, which keeps the target's retry budget from running out
 * while a front end is stuck. */
gint64
kdh_session_throttle_input (KdhSession *s,
                            gboolean    backlogged)
{
  gint64 now = g_get_monotonic_time ();
  guint64 packets = kdh_link_get_stats (s->link)->packets_in;
  gboolean pause;

  s->backlogged = backlogged;
  if (s->transport == NULL || !s->transport_open)
    {
      s->input_paused_us = 0;
      return G_MAXINT64;
    }
  pause = backlogged && s->state == KDH_CONN_RUNNING && s->awaiting_api == 0
          && !s->awaiting_stop && !s->break_outstanding && !s->break_requested
          && s->stop == NULL && !s->reconnect_pending
          && kdh_link_get_mode (s->link) == KDH_LINK_IDLE
          && kdh_link_next_deadline (s->link) == G_MAXINT64
          && packets >= s->input_resume_packets;
  if (pause && s->input_paused_us != 0
      && now - s->input_paused_us >= INPUT_PAUSE_MAX_MS * US_PER_MS)
    {
      /* Long enough: let the next packet through. */
      s->input_resume_packets = packets + 1;
      pause = FALSE;
    }
  if (!pause)
    {
      s->input_paused_us = 0;
      kdh_transport_pause_input (s->transport, FALSE);
      return G_MAXINT64;
    }
  if (s->input_paused_us == 0 || !kdh_transport_input_paused (s->transport))
    {
      s->input_paused_us = now;
      kdh_transport_pause_input (s->transport, TRUE);
    }
  return s->input_paused_us + INPUT_PAUSE_MAX_MS * US_PER_MS;
}

void
kdh_session_poll (KdhSession *s)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_monotonic_time ();

  kdh_session_publish_stats (s, FALSE);
  if (s->next_stats_us <= now)
    s->next_stats_us = kdh_session_next_stats_look (s, now);   /* or on the next packet */

  if (s->reconnect_pending && s->transport_open)
    {
      s->reconnect_pending = FALSE;
      if (!kdh_session_sync (s, SYNC_RECONNECT, &error))
        kdh_host_printf (s->host, KDH_OUTPUT_ERROR, "%s\n", error->message);
      return;
    }
  if (s->late_synced)
    {
      s->late_synced = FALSE;
      if (!kdh_session_sync_late (s, &error)
          && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("finishing a late resync failed: %s", error->message);
      return;
    }
  if (s->stop != NULL)
    {
      if (!kdh_session_handle_stop (s, &error))
        kdh_host_printf (s->host, KDH_OUTPUT_ERROR, "%s\n", error->message);
      return;
    }
  if (s->state == KDH_CONN_LOST && now >= s->lost_retry_us)
    {
      s->lost_retry_us = G_MAXINT64;
      if (!s->transport_open)
        return;
      if (!kdh_session_sync (s, s->announced ? SYNC_RESYNC : SYNC_ATTACH, &error)
          && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("automatic resync failed: %s", error->message);
      return;
    }
  if (now >= s->breakin_retry_us)
    {
      if (s->state != KDH_CONN_RUNNING)
        s->breakin_retry_us = G_MAXINT64;
      else if (s->breakin_tries < BREAKIN_MAX_TRIES)
        {
          s->breakin_tries++;
          kdh_link_send_breakin (s->link);
          kdh_session_pump (s);
          s->breakin_retry_us = now + BREAKIN_RETRY_MS * US_PER_MS;
        }
      else
        {
          s->breakin_retry_us = G_MAXINT64;
          kdh_host_printf (s->host, KDH_OUTPUT_ERROR,
                             _("The target did not answer %u break-in requests; "
                               "%s resynchronizes.\n"),
                             BREAKIN_MAX_TRIES, kdh_front_end_key_name (KDH_FRONT_END_KEY_RESYNC));
        }
    }
}
