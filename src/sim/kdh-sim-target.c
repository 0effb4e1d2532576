/* kdh-sim-target.c: the target side of the KD protocol, simulated
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The packet layer follows the NT4 reference target (docs/protocol.md §2.1,
 * §2.2): one data packet in flight, retransmitted on RESEND, RESET or
 * timeout; a data packet seen while waiting for an ACK is an implicit ACK
 * when it carries the expected id. The stub above it follows RO-K64's
 * KdpSendWaitContinue: after a state change it serves manipulate requests,
 * one at a time, until Continue.
 */
#include "kdh-sim-target-private.h"

#include <string.h>

#include "common/kdh-le.h"
#include "kd/kdh-context.h"
#include "kd/kdh-dbgkd.h"
#include "kd/kdh-packet.h"
#include "kd/kdh-packet-ids.h"

#define US_PER_MS 1000
/* Retries for a packet that may be dropped: NT4 allows 5 until the first
 * successful exchange, then 20. */
#define RETRIES_PRESENT 20
#define RETRIES_ABSENT 5
/* A rebooting machine does not read its serial port for a while. */
#define BOOT_TIME_MS 500
#define RUN_BATCH_US (10 * US_PER_MS)




/* kdhtest's lines: --dbgprint-rate as the time between two, in 100 ns. */
static guint64
print_interval (const KdhSimOptions *opts)
{
  if (opts->dbgprint_flood)
    return 1;
  if (opts->dbgprint_rate <= 0)
    return 0;
  return MAX ((guint64) (1e7 / opts->dbgprint_rate), 2);
}

KdhSimTarget *
kdh_sim_target_new (const KdhSimOptions *opts,
                    gint64               now_us)
{
  KdhSimTarget *t = g_new0 (KdhSimTarget, 1);
  guint packet_ms;

  t->opts = *opts;
  t->kernel = kdh_sim_kernel_new (MAX (opts->cpus, 1), opts->seed);
  t->parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  t->inbuf = g_byte_array_new ();
  g_queue_init (&t->output);
  t->state = KDH_SIM_RUNNING;
  t->now_us = now_us;
  /* A freshly booted kernel: its first packet carries the SYNC bit. */
  t->next_id = KDH_PACKET_ID_INITIAL | KDH_PACKET_ID_SYNC;
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->last_run_us = now_us;
  t->booted_us = now_us;
  kdh_sim_kernel_set_print_interval (t->kernel, print_interval (opts));
  packet_ms = opts->baud ? (guint) ((guint64) 10 * 1000 * (KDH_PACKET_MAX_SIZE + 17) / opts->baud)
                         : 0;
  t->ack_timeout_ms = 500 + 2 * packet_ms;
  t->byte_time_us = opts->baud ? (guint) (10u * G_USEC_PER_SEC / opts->baud) : 0;
  return t;
}

void
kdh_sim_target_free (KdhSimTarget *t)
{
  if (t == NULL)
    return;
  kdh_sim_kernel_free (t->kernel);
  kdh_packet_parser_free (t->parser);
  g_byte_array_unref (t->inbuf);
  g_queue_clear_full (&t->output, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  g_clear_pointer (&t->state_change, g_bytes_unref);
  g_free (t);
}

KdhSimRunState
kdh_sim_target_get_state (KdhSimTarget *t)
{
  return t->state;
}

gboolean
kdh_sim_target_is_printing (KdhSimTarget *t)
{
  return t->sending && t->send_type == KDH_PACKET_TYPE_DEBUG_IO;
}

const KdhSimCounters *
kdh_sim_target_get_counters (KdhSimTarget *t)
{
  return &t->counters;
}

KdhSimKernel *
kdh_sim_target_get_kernel (KdhSimTarget *t)
{
  return t->kernel;
}

gchar *
kdh_sim_counters_format (const KdhSimCounters *c)
{
  return g_strdup_printf ("resets_received=%" G_GUINT64_FORMAT " resets_sent=%" G_GUINT64_FORMAT
                          " packets_received=%" G_GUINT64_FORMAT " packets_sent=%" G_GUINT64_FORMAT
                          " retransmits=%" G_GUINT64_FORMAT " acks_received=%" G_GUINT64_FORMAT
                          " acks_sent=%" G_GUINT64_FORMAT " resends_received=%" G_GUINT64_FORMAT
                          " resends_sent=%" G_GUINT64_FORMAT " breakins=%" G_GUINT64_FORMAT
                          " state_changes=%" G_GUINT64_FORMAT " prints=%" G_GUINT64_FORMAT
                          " prints_dropped=%" G_GUINT64_FORMAT " reboots=%" G_GUINT64_FORMAT
                          " silences=%" G_GUINT64_FORMAT " bytes_discarded=%" G_GUINT64_FORMAT
                          " manipulates=%" G_GUINT64_FORMAT,
                          c->resets_received, c->resets_sent, c->packets_received, c->packets_sent,
                          c->retransmits, c->acks_received, c->acks_sent, c->resends_received,
                          c->resends_sent, c->breakins, c->state_changes, c->prints,
                          c->prints_dropped, c->reboots, c->silences, c->bytes_discarded,
                          c->manipulates);
}

GBytes *
kdh_sim_target_pop_output (KdhSimTarget *t)
{
  return g_queue_pop_head (&t->output);
}

static void
emit (KdhSimTarget *t,
      GByteArray   *unit)
{
  g_queue_push_tail (&t->output, g_byte_array_free_to_bytes (unit));
}

static void
send_control (KdhSimTarget *t,
              guint16       type,
              guint32       id)
{
  GByteArray *unit;

  if (t->silent)
    return;
  unit = g_byte_array_new ();
  kdh_packet_write_control (unit, type, id);
  emit (t, unit);
  switch (type)
    {
    case KDH_PACKET_TYPE_ACKNOWLEDGE: t->counters.acks_sent++; break;
    case KDH_PACKET_TYPE_RESEND: t->counters.resends_sent++; break;
    case KDH_PACKET_TYPE_RESET: t->counters.resets_sent++; break;
    default: break;
    }
}

static void transmit (KdhSimTarget *t);

static void
retransmit (KdhSimTarget *t)
{
  t->counters.retransmits++;
  transmit (t);
}

static void
transmit (KdhSimTarget *t)
{
  GByteArray *unit;
  gsize len;
  const guint8 *data;

  t->ack_deadline_us = t->now_us + (gint64) t->ack_timeout_ms * US_PER_MS;
  if (t->silent)
    return;
  data = g_bytes_get_data (t->send_payload, &len);
  unit = g_byte_array_sized_new (len + 17);
  kdh_packet_write_data (unit, t->send_type, t->next_id, data, len, NULL, 0);
  emit (t, unit);
  t->counters.packets_sent++;
}

static void
reset_ids (KdhSimTarget *t)
{
  /* kdnet.dll keeps counting its own ids across a RESET (a capture of
   * Windows 8 answering WinDbg's RESET, docs/protocol.md §5). */
  if (!t->kdnet)
    t->next_id = KDH_PACKET_ID_INITIAL;
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->any_id = TRUE;
}

void
kdh_sim_target_use_kdnet_ids (KdhSimTarget *t)
{
  t->kdnet = TRUE;
  t->next_id = kdh_packet_id_first (TRUE, FALSE);
  t->any_id = TRUE;
}

/* ---- Running ----------------------------------------------------------- */

void
_kdh_sim_target_resume (KdhSimTarget *t)
{
  t->state = KDH_SIM_RUNNING;
  t->last_run_us = t->now_us;
  g_clear_pointer (&t->state_change, g_bytes_unref);
  memset (t->context_read, 0, sizeof t->context_read);
}

/* The running kernel looks at the line only for the break-in byte; every
 * other byte is read and lost, as a real target's poll loop does. Bytes
 * after the break-in byte stay for the packet layer. */
static void
poll_breakin (KdhSimTarget *t)
{
  gboolean found = FALSE;
  gsize i;

  /* A break-in byte the kernel has not read yet: what follows it waits in
   * the UART behind it (a RESET, typically), for the debugger stub. */
  if (t->breakin_pending || kdh_sim_kernel_break_in_pending (t->kernel))
    return;

  for (i = 0; i < t->inbuf->len; i++)
    if (t->inbuf->data[i] == KDH_BREAKIN_BYTE)
      {
        t->breakin_pending = TRUE;
        found = TRUE;
        i++;
        break;
      }
  /* Only this scan's break-in byte is not discarded: one left pending
   * from the packet layer (seen while stopped) was never in inbuf. */
  t->counters.bytes_discarded += i - (found ? 1 : 0);
  g_byte_array_remove_range (t->inbuf, 0, i);
}

/* Back from the packet layer to the poll loop: bytes the parser holds are
 * read as the poll loop would read them. */
static void
drain_parser (KdhSimTarget *t)
{
  KdhParseEvent ev;

  while (kdh_packet_parser_next (t->parser, &ev))
    if (ev.kind == KDH_PARSE_BREAKIN)
      t->breakin_pending = TRUE;
  kdh_packet_parser_reset (t->parser);
}

/* --load-driver-after: a second copy of the test driver, once per boot. */
static void
maybe_load_driver (KdhSimTarget *t)
{
  g_autoptr (GError) error = NULL;

  if (t->opts.load_driver_after == 0 || t->driver_loaded
      || t->now_us - t->booted_us < (gint64) t->opts.load_driver_after * G_USEC_PER_SEC)
    return;
  t->driver_loaded = TRUE;
  if (!kdh_sim_kernel_load_driver (t->kernel, "kdhtest.sys", "kdhtest2.sys", &error))
    g_warning ("cannot load the second test driver: %s", error->message);
}

/* The processors run for the simulated time since the last call; the
 * first event stops them. */
static void
run (KdhSimTarget *t)
{
  KdhSimEvent ev;
  gint64 elapsed;

  if (t->breakin_pending)
    {
      /* Into kdcom's UART: the kernel polls it on its next clock tick. */
      t->breakin_pending = FALSE;
      t->counters.breakins++;
      kdh_sim_kernel_break_in (t->kernel);
    }
  if (t->kernel_sees_debugger != t->debugger_present)
    {
      /* As KdDebuggerNotPresent follows the debugger's answers. */
      t->kernel_sees_debugger = t->debugger_present;
      kdh_sim_kernel_set_debugger_present (t->kernel, t->debugger_present);
    }
  maybe_load_driver (t);
  /* Held back by the CPU budget, but for a break-in (the debugger waits
   * for that one tick) and for the rest of a tick that stopped for a
   * debugger service: a DbgPrint flood is paced by the line. */
  if (t->now_us < t->hold_until_us && !kdh_sim_kernel_break_in_pending (t->kernel)
      && !kdh_sim_kernel_has_work (t->kernel))
    return;
  elapsed = MAX (t->now_us - t->last_run_us, 0);
  t->last_run_us = t->now_us;
  if (kdh_sim_kernel_execute (t->kernel, (guint64) elapsed, &ev))
    _kdh_sim_target_handle_event (t, &ev);
  kdh_sim_event_clear (&ev);
}

/* ---- Reboot ------------------------------------------------------------ */

void
_kdh_sim_target_begin_reboot (KdhSimTarget *t)
{
  t->counters.reboots++;
  t->state = KDH_SIM_BOOTING;
  t->boot_done_us = t->now_us + BOOT_TIME_MS * US_PER_MS;
  kdh_sim_target_line_dropped (t);
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  t->sending = FALSE;
  t->silent = FALSE;
  t->breakin_pending = FALSE;
  g_clear_pointer (&t->state_change, g_bytes_unref);
}

static void
finish_reboot (KdhSimTarget *t)
{
  kdh_sim_kernel_reboot (t->kernel);
  t->next_id = kdh_packet_id_first (t->kdnet, FALSE);
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->any_id = TRUE;
  t->debugger_present = FALSE;
  t->kernel_sees_debugger = FALSE;
  t->booted_us = t->now_us;
  t->driver_loaded = FALSE;
  kdh_sim_kernel_set_print_interval (t->kernel, print_interval (&t->opts));
  _kdh_sim_target_resume (t);
  /* The kernel reports its own image as it initialises the debugger. */
  _kdh_sim_target_report_load_symbols (t, 0);
}

/* ---- Sending ----------------------------------------------------------- */

static void
count_fresh_packet (KdhSimTarget *t)
{
  t->fresh_packets++;
  if (t->opts.reboot_after && t->fresh_packets % t->opts.reboot_after == 0)
    {
      _kdh_sim_target_begin_reboot (t);
      return;
    }
  if (t->opts.silent_after && t->fresh_packets % t->opts.silent_after == 0 && !t->silent)
    {
      t->silent = TRUE;
      t->counters.silences++;
    }
}

void
_kdh_sim_target_start_send (KdhSimTarget *t,
            guint16       type,
            GBytes       *payload,
            gboolean      droppable)
{
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  t->sending = TRUE;
  t->send_type = type;
  t->send_payload = payload;
  t->send_droppable = droppable;
  t->retries_left = t->debugger_present ? RETRIES_PRESENT : RETRIES_ABSENT;
  transmit (t);
  count_fresh_packet (t);
}

static void
send_done (KdhSimTarget *t,
           gboolean      delivered)
{
  t->sending = FALSE;
  if (t->send_type == KDH_PACKET_TYPE_DEBUG_IO)
    {
      if (delivered)
        t->counters.prints++;
      else
        t->counters.prints_dropped++;
      /* A break-in byte that came while the line was printing, or waits
       * in the UART: KdpPrint finds it, returns STATUS_BREAKPOINT, and
       * DbgPrint breaks in (a driver that prints without pause would
       * otherwise keep the processor from its idle loop). */
      if (t->state == KDH_SIM_RUNNING
          && (t->breakin_pending || kdh_sim_kernel_take_break_in (t->kernel)))
        {
          if (t->breakin_pending)
            t->counters.breakins++;
          t->breakin_pending = FALSE;
          kdh_sim_kernel_set_service_status (t->kernel, t->print_cpu, KDH_STATUS_BREAKPOINT);
        }
    }
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  /* A LoadSymbols given up on: nobody is there to continue us. */
  if (!delivered && t->state == KDH_SIM_STOPPED)
    _kdh_sim_target_resume (t);
}

static void
acknowledged (KdhSimTarget *t)
{
  t->next_id = kdh_packet_id_next (t->kdnet, t->next_id);
  send_done (t, TRUE);
}

static void
give_up (KdhSimTarget *t)
{
  /* §2.1 step 3: mark the debugger absent and start over with fresh ids. */
  t->debugger_present = FALSE;
  if (!t->kdnet)
    t->next_id = kdh_packet_id_first (FALSE, FALSE);
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->any_id = TRUE;
  send_done (t, FALSE);
}

/* ---- Receiving --------------------------------------------------------- */

static void
handle_control (KdhSimTarget          *t,
                const KdhPacketHeader *h)
{
  switch (h->type)
    {
    case KDH_PACKET_TYPE_ACKNOWLEDGE:
      t->counters.acks_received++;
      if (t->sending && kdh_packet_id_acks (t->kdnet, t->next_id, h->id))
        acknowledged (t);
      break;

    case KDH_PACKET_TYPE_RESEND:
      t->counters.resends_received++;
      if (t->sending)
        retransmit (t);
      else if (t->state == KDH_SIM_STOPPED && t->state_change)
        _kdh_sim_target_start_send (t, KDH_PACKET_TYPE_STATE_CHANGE64, g_bytes_ref (t->state_change), FALSE);
      break;

    case KDH_PACKET_TYPE_RESET:
      /* §2.5: reset the ids, answer, and send again whatever was pending
       * (or the state change we are stopped on). Any id is accepted. */
      t->counters.resets_received++;
      t->silent = FALSE;
      reset_ids (t);
      send_control (t, KDH_PACKET_TYPE_RESET, kdh_packet_id_for_reset (t->kdnet, t->next_id));
      if (t->sending)
        retransmit (t);
      else if (t->state == KDH_SIM_STOPPED && t->state_change)
        _kdh_sim_target_start_send (t, KDH_PACKET_TYPE_STATE_CHANGE64, g_bytes_ref (t->state_change), FALSE);
      break;

    default:
      break;
    }
}

static gboolean
is_continue (guint16       type,
             const guint8 *payload,
             gsize         len)
{
  guint32 api;

  if (type != KDH_PACKET_TYPE_STATE_MANIPULATE || len < 4)
    return FALSE;
  api = kdh_read_le32 (payload);
  return api == KDH_API_CONTINUE || api == KDH_API_CONTINUE2;
}

static void
handle_data (KdhSimTarget          *t,
             const KdhPacketHeader *h,
             const guint8          *payload,
             gsize                  len)
{
  gboolean is_new = kdh_packet_id_is_new (t->kdnet, t->expected_id, t->any_id, h->id);

  if (t->sending)
    {
      /* §2.2 step 5: the host has moved on, so our packet got through. */
      if (is_new)
        {
          send_control (t, KDH_PACKET_TYPE_RESEND, 0);
          acknowledged (t);
        }
      else
        send_control (t, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id);
      return;
    }

  if (!t->kdnet && h->id != KDH_PACKET_ID_INITIAL && h->id != (KDH_PACKET_ID_INITIAL | 1))
    {
      send_control (t, KDH_PACKET_TYPE_RESEND, 0);
      return;
    }
  if (!is_new)
    {
      send_control (t, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id);   /* a duplicate */
      return;
    }
  if (!kdh_dbgkd_payload_plausible (h->type, payload, len))
    {
      send_control (t, KDH_PACKET_TYPE_RESEND, 0);   /* a garbled type byte */
      return;
    }
  if (t->opts.lose_continue_acks > 0 && is_continue (h->type, payload, len))
    t->opts.lose_continue_acks--;   /* taken, but the host never hears so */
  else
    send_control (t, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id);
  t->expected_id = kdh_packet_id_taken (t->kdnet, t->expected_id, h->id);
  t->any_id = FALSE;
  t->counters.packets_received++;
  if (h->type == KDH_PACKET_TYPE_STATE_MANIPULATE && t->state == KDH_SIM_STOPPED)
    _kdh_sim_target_serve_manipulate (t, payload, len);
}

/* How long a half-received packet may take before it is given up (§2.8:
 * a timeout inside a packet is answered with RESEND). The cap matters
 * when a garbled byte count makes the parser wait for bytes that are in
 * fact the host's retransmissions. */
static gint64
partial_deadline (KdhSimTarget *t)
{
  gsize needed;

  if (t->partial_start_us == 0 || !kdh_packet_parser_in_packet (t->parser, &needed))
    return G_MAXINT64;
  return t->partial_start_us + (gint64) t->ack_timeout_ms * US_PER_MS
         + 2 * (gint64) t->byte_time_us * (gint64) (needed + KDH_PACKET_MAX_SIZE);
}

static void
track_partial (KdhSimTarget *t,
               gboolean      progressed)
{
  if (!kdh_packet_parser_in_packet (t->parser, NULL))
    t->partial_start_us = 0;
  else if (progressed || t->partial_start_us == 0)
    t->partial_start_us = t->now_us;
}

static void
process_packets (KdhSimTarget *t)
{
  KdhParseEvent ev;
  gboolean progressed = FALSE;

  while ((t->state == KDH_SIM_STOPPED || t->sending) && t->state != KDH_SIM_BOOTING)
    {
      if (t->inbuf->len)
        {
          kdh_packet_parser_feed (t->parser, t->inbuf->data, t->inbuf->len);
          g_byte_array_set_size (t->inbuf, 0);
        }
      if (!kdh_packet_parser_next (t->parser, &ev))
        {
          track_partial (t, progressed);
          return;
        }
      progressed = TRUE;
      if (ev.kind == KDH_PARSE_BREAKIN)
        {
          t->breakin_pending = TRUE;
          continue;
        }
      t->debugger_present = TRUE;
      if (t->silent)
        {
          if (ev.kind == KDH_PARSE_PACKET && ev.header.control
              && ev.header.type == KDH_PACKET_TYPE_RESET)
            handle_control (t, &ev.header);
          continue;
        }
      if (ev.kind == KDH_PARSE_BAD_PACKET)
        {
          if (!ev.header.control)
            send_control (t, KDH_PACKET_TYPE_RESEND, 0);
          continue;
        }
      if (ev.header.control)
        handle_control (t, &ev.header);
      else
        handle_data (t, &ev.header, ev.payload, ev.payload_len);
    }
}

/* Runs whatever the current state allows until nothing changes. The
 * processors run only from kdh_sim_target_tick() (@may_run), so that the
 * server can bound what they cost apart from what the protocol does. */
static void
step (KdhSimTarget *t,
      gboolean      may_run)
{
  for (guint guard = 0; guard < 64; guard++)
    {
      KdhSimRunState state = t->state;
      gboolean sending = t->sending;

      if (t->state == KDH_SIM_BOOTING)
        {
          g_byte_array_set_size (t->inbuf, 0);
          if (t->now_us < t->boot_done_us)
            return;
          finish_reboot (t);
        }
      if (t->state == KDH_SIM_RUNNING && !t->sending)
        {
          drain_parser (t);
          poll_breakin (t);
          if (may_run)
            run (t);
        }
      process_packets (t);
      if (state == t->state && sending == t->sending)
        return;
    }
}

void
kdh_sim_target_receive (KdhSimTarget *t,
                        const guint8 *data,
                        gsize         len,
                        gint64        now_us)
{
  t->now_us = now_us;
  g_byte_array_append (t->inbuf, data, len);
  step (t, FALSE);
}

void
kdh_sim_target_tick (KdhSimTarget *t,
                     gint64        now_us)
{
  KdhParseEvent ev;

  t->now_us = now_us;
  if (now_us >= partial_deadline (t))
    {
      t->partial_start_us = 0;
      if (kdh_packet_parser_abandon (t->parser, &ev) && !t->silent)
        send_control (t, KDH_PACKET_TYPE_RESEND, 0);
    }
  if (t->sending && !t->silent && now_us >= t->ack_deadline_us)
    {
      if (t->send_droppable && t->retries_left <= 1)
        give_up (t);
      else
        {
          if (t->retries_left > 0)
            t->retries_left--;
          retransmit (t);
        }
    }
  step (t, TRUE);
}

gint64
kdh_sim_target_next_deadline (KdhSimTarget *t)
{
  gint64 deadline = G_MAXINT64;

  if (t->state == KDH_SIM_BOOTING)
    return t->boot_done_us;
  if (t->sending && !t->silent)
    deadline = MIN (deadline, t->ack_deadline_us);
  deadline = MIN (deadline, partial_deadline (t));
  if (t->state == KDH_SIM_RUNNING && !t->sending)
    {
      /* Ticks are run RUN_BATCH_US at a time when nothing is waiting: the
       * same simulated time, a tenth of the wake-ups. */
      gint64 until_tick = (gint64) kdh_sim_kernel_until_tick (t->kernel);
      gint64 run_at = kdh_sim_kernel_has_work (t->kernel) || t->breakin_pending
                      ? t->now_us
                      : kdh_sim_kernel_break_in_pending (t->kernel)
                      ? t->last_run_us + until_tick
                      : t->last_run_us + MAX (until_tick, RUN_BATCH_US);

      if (!t->breakin_pending && !kdh_sim_kernel_break_in_pending (t->kernel)
          && !kdh_sim_kernel_has_work (t->kernel))
        run_at = MAX (run_at, t->hold_until_us);
      deadline = MIN (deadline, run_at);
    }
  return deadline;
}

void
kdh_sim_target_hold (KdhSimTarget *t,
                     gint64        until_us)
{
  t->hold_until_us = until_us;
}

void
kdh_sim_target_line_dropped (KdhSimTarget *t)
{
  kdh_packet_parser_reset (t->parser);
  t->partial_start_us = 0;
  g_byte_array_set_size (t->inbuf, 0);
}
