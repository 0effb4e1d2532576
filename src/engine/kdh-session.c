/* kdh-session.c: one kernel connection: transport, link, connection state
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-session.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "kd/kdh-packet.h"
#include "kdh-stop.h"
#include "kdh-target.h"
#include "kdh-transport.h"

#define US_PER_MS 1000
#define STATS_INTERVAL_US (250 * US_PER_MS)
/* Re-issue an acknowledged but unanswered request this many times. */
#define REQUEST_TRIES 3
/* Lost: retry the resync after 1, 2, 4 ... up to 30 s, this many times. */
#define LOST_MAX_ATTEMPTS 8
#define LOST_MAX_BACKOFF_MS 30000
/* Break-in: repeat the byte if no state change follows within this time. */
#define BREAKIN_RETRY_MS 2000
#define BREAKIN_MAX_TRIES 3
/* The longest pause in reading from the target (flow control): well
 * inside the retry budget a target has for a DbgPrint before it gives the
 * debugger up (kd-protocol.md §2.1 step 3; 20 tries 0.5 s apart on the
 * simulator, and Windows is not more patient). */
#define INPUT_PAUSE_MAX_MS 2000

typedef enum {
  SYNC_ATTACH,
  SYNC_RESYNC,
  SYNC_RECONNECT,
} SyncKind;

struct _KdhSession
{
  KdhEngine *engine;
  KdhConnectionString *cs;
  gchar *description;
  KdhTransport *transport;
  KdhLink *link;
  KdhLinkConfig link_config;
  GSource *link_timer;
  KdhTarget *target;
  KdhConnState state;
  gchar *state_reason;            /* why, as last published; may be NULL */

  /* Transport. */
  gboolean transport_open;
  gboolean transport_dead;        /* closed and not coming back by itself */
  gchar *transport_error;
  gchar *waiting_reason;
  gboolean reconnect_pending;     /* reopened after a drop: resync at top level */

  /* Link results, watched by waits. */
  gboolean synced;
  gboolean sync_failed;
  gchar *sync_error;
  gboolean sent;
  gboolean send_failed;
  gchar *send_error;
  guint32 awaiting_api;
  GBytes *reply;
  GBytes *stop;                   /* a state change not yet handled */
  GBytes *current_stop;           /* the one we are stopped on, while at Break */
  gboolean rebooted;

  /* What we believe. */
  gboolean target_running;        /* last known: running (TRUE) or stopped */
  gboolean auto_continue;         /* the pending stop is one we caused */
  gboolean announced;             /* the connection banner has been printed */
  guint cpu;

  /* Top-level housekeeping. */
  gint64 next_stats_us;
  KdhLinkStats last_stats;
  gint64 lost_retry_us;
  guint lost_attempts;
  gint64 breakin_retry_us;
  guint breakin_tries;
  gboolean break_requested;       /* a break-in asked for before the target ran */
  gboolean break_outstanding;     /* a break-in byte sent, no stop seen since */
  gboolean awaiting_stop;         /* a resync waits for the target's state change */

  /* A break-in byte a sync sent to a target that was already stopped stays
   * pending there and stops it again right after the first Continue
   * (kd-protocol.md §2.7, cautions). That one stop is recognised (same
   * break-in instruction, Ctrl-C status, soon after the Continue, no break
   * asked for) and resumed. */
  gboolean believe_stopped;       /* a .restart from Break: the target is stopped */
  gboolean stale_breakin_armed;   /* the sync sent break-in bytes; waiting for the Continue */
  guint64 stale_breakin_pc;       /* where the sync's stop was */
  gint64 stale_breakin_until_us;  /* after that Continue: the window, or 0 */

  /* Flow control (kdh_session_throttle_input). */
  gint64 input_paused_us;         /* since when reading is paused, or 0 */
  guint64 input_resume_packets;   /* after a forced resume: read until past this */
};

#define STALE_BREAKIN_WINDOW_MS 5000

static void pump (KdhSession *s);
static void set_lost (KdhSession *s, const gchar *reason, gboolean retry);
static void publish_stats (KdhSession *s, gboolean force);

/* ---- State ------------------------------------------------------------- */

static void
set_state (KdhSession   *s,
           KdhConnState  state,
           const gchar  *reason,
           guint         attempt)
{
  g_autofree gchar *target = s->target ? kdh_target_describe (s->target) : NULL;

  /* The counters first, so that a front end sees them as of the change. */
  if (s->link)
    publish_stats (s, TRUE);
  s->state = state;
  g_free (s->state_reason);
  s->state_reason = g_strdup (reason);
  kdh_engine_publish_state (s->engine, state, reason, attempt, s->description, target);
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

gboolean
kdh_session_get_sim_counters (KdhSession *s,
                              gpointer    counters_out)
{
  return s->transport && kdh_transport_get_sim_counters (s->transport, counters_out);
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
  kdh_engine_printf (s->engine, KDH_OUTPUT_DEBUGGER, _("Opened %s\n"), s->description);
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
  pump (s);
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
      kdh_engine_printf (s->engine, KDH_OUTPUT_DEBUGGER, "%s\n", reason);
    }
  s->transport_dead = !retrying;
  if (!retrying)
    {
      g_free (s->transport_error);
      s->transport_error = g_strdup (reason);
    }
  set_state (s, KDH_CONN_WAITING, reason, 0);
}

static void
on_closed (KdhTransport *transport,
           const GError *error,
           gpointer      data)
{
  KdhSession *s = data;
  gboolean comes_back = s->cs->reconnect || s->cs->kind == KDH_TRANSPORT_TCP_LISTEN;

  s->transport_open = FALSE;
  g_free (s->transport_error);
  s->transport_error = g_strdup (error ? error->message : _("connection closed"));
  /* Half-received bytes belong to a stream that is gone. */
  kdh_link_reset (s->link);
  if (!comes_back)
    s->transport_dead = TRUE;
  if (!comes_back && s->announced)
    set_lost (s, s->transport_error, FALSE);   /* says why */
  else
    kdh_engine_printf (s->engine, KDH_OUTPUT_ERROR, _("Kernel connection lost: %s\n"),
                       s->transport_error);
}

static const KdhTransportCallbacks transport_callbacks = {
  on_opened, on_received, on_waiting, on_closed,
};

/* ---- Link -------------------------------------------------------------- */

static gboolean
on_link_timer (gpointer data)
{
  KdhSession *s = data;

  g_clear_pointer (&s->link_timer, g_source_unref);
  kdh_link_tick (s->link, g_get_monotonic_time ());
  pump (s);
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

  if (trace->header.control)
    meaning = g_strdup (kdh_packet_type_name (trace->header.type));
  else if (payload)
    meaning = kdh_dbgkd_describe (trace->header.type, payload, len);
  else
    meaning = g_strdup_printf ("%s (damaged)", kdh_packet_type_name (trace->header.type));
  event->outgoing = trace->outgoing;
  event->control = trace->header.control;
  event->packet_type = trace->header.type;
  event->packet_id = trace->header.id;
  event->byte_count = trace->header.byte_count;
  event->verdict = g_strdup (kdh_trace_verdict_name (trace->verdict));
  event->text = g_strdup_printf ("%s id=%08x len=%u %s: %s\n", trace->outgoing ? ">>" : "<<",
                                 trace->header.id, trace->header.byte_count, event->verdict,
                                 meaning);
  event->meaning = g_steal_pointer (&meaning);
  kdh_engine_post (s->engine, event);
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
      kdh_engine_printf (s->engine, KDH_OUTPUT_ERROR, _("Malformed debug output from the target: %s\n"),
                         error->message);
      return;
    }
  if (io.api == KDH_API_PRINT_STRING)
    {
      g_autofree gchar *text = g_utf8_make_valid ((const gchar *) io.data, io.data_len);

      kdh_engine_output (s->engine, KDH_OUTPUT_TARGET, text);
    }
  else if (io.api == KDH_API_GET_STRING)
    {
      g_autofree gchar *prompt = g_utf8_make_valid ((const gchar *) io.data, io.data_len);
      g_autoptr (GByteArray) answer = g_byte_array_new ();
      g_autoptr (GBytes) bytes = NULL;

      /* DbgPrompt is answered with an empty line so that the target does
       * not wait for ever; reading a reply from the user is not done yet. */
      kdh_engine_printf (s->engine, KDH_OUTPUT_TARGET, "%s\n", prompt);
      kdh_engine_output (s->engine, KDH_OUTPUT_DEBUGGER,
                         _("(DbgPrompt answered with an empty line)\n"));
      kdh_debug_io_encode_get_string_reply (answer, &io, "", 0);
      bytes = g_byte_array_free_to_bytes (g_steal_pointer (&answer));
      if (!kdh_link_send (s->link, KDH_PACKET_TYPE_DEBUG_IO, bytes, g_get_monotonic_time ()))
        kdh_engine_output (s->engine, KDH_OUTPUT_ERROR,
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
       * gets (kd-protocol.md §2.2), including ours for a damaged copy of a
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
          && (guint32) (data[0] | data[1] << 8 | data[2] << 16 | (guint32) data[3] << 24)
             == s->awaiting_api)
        {
          g_clear_pointer (&s->reply, g_bytes_unref);
          s->reply = g_bytes_ref (payload);
        }
      else if (s->awaiting_stop)
        {
          /* After the RESET of a resync the target sent again the reply
           * it was delivering (kd-protocol.md §2.5), not its state change:
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
        set_state (s, s->state, _("sending RESET again"), ev->attempt);
      break;
    case KDH_LINK_EVENT_SYNCED:
      s->synced = TRUE;
      break;
    case KDH_LINK_EVENT_SYNC_FAILED:
      s->sync_failed = TRUE;
      g_free (s->sync_error);
      s->sync_error = g_strdup_printf (_("no RESET answer after %u tries over %.1f s"),
                                       ev->attempt, ev->elapsed_us / 1e6);
      break;
    case KDH_LINK_EVENT_TARGET_RESET:
      kdh_engine_output (s->engine, KDH_OUTPUT_DEBUGGER,
                         _("The target reset the packet ids (RESET received).\n"));
      break;
    case KDH_LINK_EVENT_TARGET_REBOOTED:
      s->rebooted = TRUE;
      break;
    case KDH_LINK_EVENT_TRACE:
      if (kdh_engine_trace_enabled (s->engine))
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
  return a->bytes_in != b->bytes_in || a->bytes_out != b->bytes_out
         || a->checksum_errors != b->checksum_errors || a->timeouts != b->timeouts;
}

static void
publish_stats (KdhSession *s,
               gboolean    force)
{
  const KdhLinkStats *stats = kdh_link_get_stats (s->link);
  gint64 now = g_get_monotonic_time ();
  KdhSimCounters counters;
  KdhEvent *event;

  if (kdh_session_get_sim_counters (s, &counters))
    kdh_engine_store_sim_counters (s->engine, &counters);
  if (!force && (now < s->next_stats_us || !stats_changed (stats, &s->last_stats)))
    return;
  s->next_stats_us = now + STATS_INTERVAL_US;
  s->last_stats = *stats;
  event = kdh_event_new (KDH_EVENT_STATS);
  event->stats = *stats;
  kdh_engine_post (s->engine, event);
}

static void
pump (KdhSession *s)
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
  publish_stats (s, FALSE);
}

/* ---- Waiting ----------------------------------------------------------- */

typedef gboolean (*SessionPredicate) (KdhSession *s);

typedef struct {
  KdhSession *session;
  SessionPredicate predicate;
} WaitData;

static gboolean
wait_done (gpointer data)
{
  WaitData *w = data;

  return w->session->transport_dead || w->predicate (w->session);
}

/* Waits for @predicate, failing when the transport dies for good. */
static gboolean
session_wait (KdhSession       *s,
              SessionPredicate  predicate,
              gint64            deadline_us,
              GError          **error)
{
  WaitData w = { s, predicate };

  if (!kdh_engine_wait (s->engine, wait_done, &w, deadline_us, error))
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
      SessionPredicate until = request_acknowledged;
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
      pump (s);

      deadline = g_get_monotonic_time () + send_timeout_us (s);
      for (;;)
        {
          g_autoptr (GError) local = NULL;

          if (!session_wait (s, until, deadline, &local))
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
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           _("The target rebooted while %s was in progress."), name);
              return FALSE;
            }
          if (s->send_failed)
            {
              g_autofree gchar *reason = g_strdup_printf ("%s: %s", name, s->send_error);

              s->awaiting_api = 0;
              set_lost (s, reason, TRUE);
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, reason);
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
      /* Acknowledged but never answered (kd-protocol.md §2.2, the RO-KD
       * note): issue it again with the next id. */
      g_debug ("%s: no reply, re-issuing (attempt %u)", name, attempt + 2);
    }
  s->awaiting_api = 0;
  {
    g_autofree gchar *reason = g_strdup_printf (_("%s: no reply from the target after %u tries"),
                                                name, REQUEST_TRIES);
    set_lost (s, reason, TRUE);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, reason);
  }
  return FALSE;
}

gboolean
kdh_session_go (KdhSession  *s,
                GError     **error)
{
  KdhManipulate m;
  guint16 machine = kdh_target_get_machine (s->target);

  kdh_manipulate_init_continue2 (&m, machine ? machine : KDH_MACHINE_AMD64, KDH_DBG_CONTINUE,
                                 FALSE, 0, 1, 0);
  m.processor = (guint16) s->cpu;
  /* Before sending: a stop that comes with the acknowledgement is a new
   * one, even if it looks the same (a break-in left pending). */
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  if (!kdh_session_request (s, &m, NULL, 0, NULL, NULL, error))
    return FALSE;
  if (s->stale_breakin_armed)
    {
      s->stale_breakin_armed = FALSE;
      s->stale_breakin_until_us = g_get_monotonic_time () + STALE_BREAKIN_WINDOW_MS * US_PER_MS;
    }
  kdh_target_forget_stop (s->target);
  s->target_running = TRUE;
  set_state (s, KDH_CONN_RUNNING, NULL, 0);
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
}

/* ---- Stops ------------------------------------------------------------- */

static gboolean
handle_stop (KdhSession  *s,
             GError     **error)
{
  g_autoptr (GBytes) payload = g_steal_pointer (&s->stop);
  gboolean auto_continue = s->auto_continue;
  guint64 stale_breakin_pc = 0;
  KdhStopAction action;

  s->auto_continue = FALSE;
  if (s->stale_breakin_until_us && g_get_monotonic_time () <= s->stale_breakin_until_us
      && !s->break_outstanding && !s->break_requested)
    stale_breakin_pc = s->stale_breakin_pc;
  s->stale_breakin_until_us = 0;
  if (s->rebooted)
    {
      s->rebooted = FALSE;
      kdh_target_forget_all (s->target);
      if (s->announced)
        kdh_engine_output (s->engine, KDH_OUTPUT_DEBUGGER,
                           _("The target rebooted: its first packet carried the SYNC id bit. "
                             "Cached target state was dropped.\n"));
      /* A rebooted machine is a new connection: announce it again. */
      s->announced = FALSE;
    }
  if (!kdh_stop_handle (s->engine, s, s->target, payload, !s->announced, auto_continue,
                        stale_breakin_pc,
                        &action, error))
    return FALSE;
  s->announced = TRUE;
  s->cpu = kdh_target_get_cpu (s->target);
  s->lost_attempts = 0;
  s->lost_retry_us = G_MAXINT64;
  /* The user asked to break in and this stop came first (a module load, a
   * reboot's first stop, our own resync break-in): stay here. Resuming
   * would need another break-in, and a target that keeps rebooting or
   * loading modules can lose every one of them. */
  if (action == KDH_STOP_CONTINUE && s->break_outstanding)
    {
      action = KDH_STOP_BREAK;
      kdh_stop_print_location (s->engine, s->target);
    }
  s->break_outstanding = FALSE;
  if (action == KDH_STOP_CONTINUE)
    return kdh_session_go (s, error);
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  s->current_stop = g_bytes_ref (payload);
  set_state (s, KDH_CONN_BREAK, NULL, 0);
  return TRUE;
}

/* ---- Connecting -------------------------------------------------------- */

static void
set_lost (KdhSession  *s,
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
             : g_strdup_printf (_("%s; gave up (Ctrl+Alt+R resynchronizes, .restart reconnects)"),
                                reason);
    }
  kdh_engine_printf (s->engine, KDH_OUTPUT_ERROR, _("Kernel connection lost: %s\n"), text);
  set_state (s, KDH_CONN_LOST, text, s->lost_attempts);
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

static gboolean
synchronize (KdhSession  *s,
             SyncKind     kind,
             GError     **error)
{
  gboolean was_running = s->target_running || !s->announced;
  /* Only a resync knows the target's state. Behind a reopened transport
   * there is most likely a new target (a restarted VM), running and so
   * deaf to RESET, whatever the old one was doing. */
  gboolean with_breakin = kind != SYNC_RESYNC || was_running;
  KdhSyncBreakin breakin = !with_breakin ? KDH_SYNC_NO_BREAKIN
                           : s->believe_stopped ? KDH_SYNC_BREAKIN_LATER : KDH_SYNC_BREAKIN_FIRST;
  guint64 breakins_before = kdh_link_get_stats (s->link)->breakins_sent;
  KdhConnState state = kind == SYNC_ATTACH ? KDH_CONN_SYNCHRONIZING : KDH_CONN_RESYNCHRONIZING;
  g_autoptr (GError) local = NULL;
  gint64 deadline;
  gboolean ok;

  set_state (s, state, kind == SYNC_ATTACH ? _("waiting for the target") : NULL, 1);
  if (kind == SYNC_ATTACH)
    kdh_engine_output (s->engine, KDH_OUTPUT_DEBUGGER, _("Waiting to reconnect...\n"));
  else
    kdh_engine_output (s->engine, KDH_OUTPUT_DEBUGGER, _("Resynchronizing the kernel connection...\n"));

  s->synced = FALSE;
  s->sync_failed = FALSE;
  s->rebooted = FALSE;
  s->believe_stopped = FALSE;
  s->stale_breakin_armed = FALSE;
  s->stale_breakin_until_us = 0;
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
  pump (s);

  deadline = g_get_monotonic_time () + sync_timeout_us (s);
  ok = session_wait (s, sync_finished, deadline, &local) && s->transport_open;
  if (!ok || s->sync_failed)
    s->awaiting_stop = FALSE;
  if (!ok)
    {
      if (local == NULL)
        local = g_error_new (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, _("connection lost: %s"),
                             s->transport_error ? s->transport_error : _("closed"));
      if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_lost (s, local->message, !s->transport_dead);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (s->sync_failed)
    {
      set_lost (s, s->sync_error, TRUE);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, s->sync_error);
      return FALSE;
    }

  /* The target re-sends the state change it is stopped on, or reports
   * the break-in (kd-protocol.md §2.7 step 2). */
  deadline = g_get_monotonic_time () + sync_timeout_us (s);
  ok = session_wait (s, stop_arrived, deadline, &local);
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
      set_lost (s, reason, TRUE);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, reason);
      return FALSE;
    }

  if (kdh_link_get_stats (s->link)->breakins_sent > breakins_before)
    remember_sync_stop (s, s->stop);

  /* A break-in we caused only to get the target talking is undone. */
  s->auto_continue = kind == SYNC_ATTACH ? !kdh_engine_initial_break (s->engine)
                                         : (with_breakin && was_running && s->announced);
  if (!handle_stop (s, error))
    return FALSE;
  if (kind != SYNC_ATTACH)
    kdh_engine_output (s->engine, KDH_OUTPUT_DEBUGGER,
                       _("Kernel debugger connection resynchronized.\n"));
  return TRUE;
}

static void
make_link (KdhSession *s)
{
  guint baud = s->cs->kind == KDH_TRANSPORT_SERIAL ? s->cs->baud
               : s->cs->kind == KDH_TRANSPORT_SIM ? s->cs->sim.baud : 0;

  kdh_link_config_init (&s->link_config, baud);
  g_clear_pointer (&s->link, kdh_link_free);
  s->link = kdh_link_new (&s->link_config);
  kdh_link_set_trace (s->link, kdh_engine_trace_enabled (s->engine));
}

KdhSession *
kdh_session_new (KdhEngine           *engine,
                 KdhConnectionString *cs)
{
  KdhSession *s = g_new0 (KdhSession, 1);

  s->engine = engine;
  s->cs = cs;
  s->description = kdh_connection_string_describe (cs);
  s->state = KDH_CONN_DISCONNECTED;
  s->target = kdh_target_new (s);
  s->lost_retry_us = G_MAXINT64;
  s->breakin_retry_us = G_MAXINT64;
  make_link (s);
  return s;
}

void
kdh_session_close (KdhSession *s)
{
  if (s->link_timer)
    {
      g_source_destroy (s->link_timer);
      g_clear_pointer (&s->link_timer, g_source_unref);
    }
  g_clear_pointer (&s->transport, kdh_transport_free);
  s->transport_open = FALSE;
  if (s->state != KDH_CONN_DISCONNECTED)
    {
      kdh_engine_printf (s->engine, KDH_OUTPUT_DEBUGGER, _("Closed %s\n"), s->description);
      set_state (s, KDH_CONN_DISCONNECTED, _("closed by the user"), 0);
    }
}

void
kdh_session_free (KdhSession *s)
{
  if (s == NULL)
    return;
  kdh_session_close (s);
  kdh_target_free (s->target);
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
  g_free (s);
}

static gboolean
open_transport (KdhSession  *s,
                GError     **error)
{
  s->transport = kdh_transport_new (s->cs, &transport_callbacks, s);
  s->transport_dead = FALSE;
  s->reconnect_pending = FALSE;
  set_state (s, KDH_CONN_OPENING, NULL, 0);
  if (!kdh_transport_open (s->transport, error))
    {
      set_state (s, KDH_CONN_DISCONNECTED, (*error)->message, 0);
      g_clear_pointer (&s->transport, kdh_transport_free);
      return FALSE;
    }
  if (!session_wait (s, transport_ready, G_MAXINT64, error))
    {
      g_autofree gchar *reason = g_strdup ((*error)->message);

      g_clear_pointer (&s->transport, kdh_transport_free);
      s->transport_open = FALSE;
      set_state (s, KDH_CONN_DISCONNECTED, reason, 0);
      return FALSE;
    }
  return TRUE;
}

gboolean
kdh_session_attach (KdhSession  *s,
                    GError     **error)
{
  if (!open_transport (s, error))
    return FALSE;
  return synchronize (s, SYNC_ATTACH, error);
}

gboolean
kdh_session_resync (KdhSession  *s,
                    GError     **error)
{
  if (!s->transport_open)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("Cannot resynchronize: the kernel connection is not open (%s)."),
                   s->transport_error ? s->transport_error
                   : s->waiting_reason ? s->waiting_reason : kdh_conn_state_name (s->state));
      return FALSE;
    }
  s->lost_attempts = 0;
  return synchronize (s, s->announced ? SYNC_RESYNC : SYNC_ATTACH, error);
}

gboolean
kdh_session_restart (KdhSession  *s,
                     GError     **error)
{
  /* The target behind the reopened transport is most likely the same one,
   * still stopped where we left it. */
  gboolean was_stopped = s->state == KDH_CONN_BREAK;

  set_state (s, KDH_CONN_RESTARTING, NULL, 0);
  kdh_engine_output (s->engine, KDH_OUTPUT_DEBUGGER, _("Restarting the kernel connection...\n"));
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
  make_link (s);
  s->believe_stopped = was_stopped;
  return kdh_session_attach (s, error);
}

void
kdh_session_break (KdhSession *s,
                   gboolean    defer)
{
  if (!s->transport_open)
    {
      kdh_engine_output (s->engine, KDH_OUTPUT_ERROR,
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
  pump (s);
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
      kdh_engine_printf (s->engine, KDH_OUTPUT_DEBUGGER,
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
  kdh_engine_printf (s->engine, KDH_OUTPUT_DEBUGGER, _("Baud rate changed to %u.\n"), next);
  set_state (s, s->state, NULL, 0);
  return TRUE;
}

gint64
kdh_session_next_poll (KdhSession *s)
{
  gint64 next = MIN (s->lost_retry_us, s->breakin_retry_us);

  if (s->stop != NULL || (s->reconnect_pending && s->transport_open))
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

  publish_stats (s, FALSE);
  if (s->next_stats_us <= now)
    s->next_stats_us = 0;   /* nothing changed; look again on the next packet */

  if (s->reconnect_pending && s->transport_open)
    {
      s->reconnect_pending = FALSE;
      if (!synchronize (s, SYNC_RECONNECT, &error))
        kdh_engine_printf (s->engine, KDH_OUTPUT_ERROR, "%s\n", error->message);
      return;
    }
  if (s->stop != NULL)
    {
      if (!handle_stop (s, &error))
        kdh_engine_printf (s->engine, KDH_OUTPUT_ERROR, "%s\n", error->message);
      return;
    }
  if (s->state == KDH_CONN_LOST && now >= s->lost_retry_us)
    {
      s->lost_retry_us = G_MAXINT64;
      if (!s->transport_open)
        return;
      if (!synchronize (s, s->announced ? SYNC_RESYNC : SYNC_ATTACH, &error)
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
          pump (s);
          s->breakin_retry_us = now + BREAKIN_RETRY_MS * US_PER_MS;
        }
      else
        {
          s->breakin_retry_us = G_MAXINT64;
          kdh_engine_printf (s->engine, KDH_OUTPUT_ERROR,
                             _("The target did not answer %u break-in requests; "
                               "Ctrl+Alt+R (Ctrl+R in the console) resynchronizes.\n"),
                             BREAKIN_MAX_TRIES);
        }
    }
}
