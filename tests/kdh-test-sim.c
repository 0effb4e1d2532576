/* kdh-test-sim.c: a host and the simulated target on a fake clock, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-sim.h"

void
kdh_test_packet_free (gpointer data)
{
  KdhTestPacket *p = data;

  g_bytes_unref (p->payload);
  g_free (p);
}


KdhTestSim *
kdh_test_sim_new (const gchar *options,
         gboolean     with_line)
{
  KdhTestSim *s = g_new0 (KdhTestSim, 1);
  g_autoptr (GError) error = NULL;
  KdhLinkConfig config;

  kdh_sim_options_init (&s->opts);
  kdh_sim_options_parse (options, &s->opts, &error);
  g_assert_no_error (error);
  s->now = SECONDS (100);
  s->target = kdh_sim_target_new (&s->opts, s->now);
  kdh_link_config_init (&config, s->opts.baud);
  s->link = kdh_link_new (&config);
  /* Traces carry the wire ids, which tell the SYNC bit. */
  kdh_link_set_trace (s->link, TRUE);
  s->trace = g_getenv ("KDH_TEST_TRACE") != NULL;
  if (with_line)
    s->line = kdh_sim_line_new (&s->opts);
  g_queue_init (&s->packets);
  s->prints = g_ptr_array_new_with_free_func (g_free);
  return s;
}

void
kdh_test_sim_free (KdhTestSim *s)
{
  kdh_sim_target_free (s->target);
  kdh_link_free (s->link);
  kdh_sim_line_free (s->line);
  g_queue_clear_full (&s->packets, kdh_test_packet_free);
  g_ptr_array_unref (s->prints);
  g_free (s);
}


static gboolean
handle_events (KdhTestSim *s)
{
  KdhLinkEvent ev;
  gboolean any = FALSE;

  while (kdh_link_next_event (s->link, &ev))
    {
      any = TRUE;
      switch (ev.kind)
        {
        case KDH_LINK_EVENT_TRACE:
          if (!ev.trace.outgoing && !ev.trace.header.control)
            s->last_rx_id = ev.trace.header.id;
          if (s->trace)
            {
              g_autofree gchar *what = NULL;

              if (ev.trace.payload != NULL && ev.trace.header.type == KDH_PACKET_TYPE_DEBUG_IO
                  && g_bytes_get_size (ev.trace.payload) > KDH_DEBUG_IO_SIZE)
                what = g_strndup ((const gchar *) g_bytes_get_data (ev.trace.payload, NULL)
                                  + KDH_DEBUG_IO_SIZE,
                                  g_bytes_get_size (ev.trace.payload) - KDH_DEBUG_IO_SIZE - 1);
              else if (ev.trace.payload != NULL)
                what = kdh_dbgkd_describe (ev.trace.header.type,
                                           g_bytes_get_data (ev.trace.payload, NULL),
                                           g_bytes_get_size (ev.trace.payload));
              g_printerr ("%9.3f %s %-15s %08x %-10s %s\n", s->now / 1e6,
                          ev.trace.outgoing ? "host>" : "host<",
                          kdh_packet_type_name (ev.trace.header.type), ev.trace.header.id,
                          kdh_trace_verdict_name (ev.trace.verdict), what ? what : "");
            }
          break;

        case KDH_LINK_EVENT_PACKET:
          if (ev.packet_type == KDH_PACKET_TYPE_DEBUG_IO)
            {
              KdhDebugIo io;
              gsize len;
              const guint8 *data = g_bytes_get_data (ev.payload, &len);
              g_autoptr (GError) error = NULL;

              kdh_debug_io_decode (data, len, &io, &error);
              g_assert_no_error (error);
              g_assert_cmpuint (io.api, ==, KDH_API_PRINT_STRING);
              g_ptr_array_add (s->prints, g_strndup ((const gchar *) io.data, io.data_len));
            }
          else
            {
              KdhTestPacket *p = g_new0 (KdhTestPacket, 1);

              p->type = ev.packet_type;
              p->id = s->last_rx_id;
              p->payload = g_bytes_ref (ev.payload);
              g_queue_push_tail (&s->packets, p);
            }
          break;

        case KDH_LINK_EVENT_SYNCED:
          s->synced++;
          break;
        case KDH_LINK_EVENT_SEND_FAILED:
          s->send_failed++;
          break;
        case KDH_LINK_EVENT_TARGET_REBOOTED:
          s->target_rebooted++;
          break;
        case KDH_LINK_EVENT_SYNC_FAILED:
          g_error ("the target never answered RESET");
          break;
        default:
          break;
        }
      kdh_link_event_clear (&ev);
    }
  return any;
}

/* One round of moving bytes both ways; FALSE when nothing moved. */
gboolean
kdh_test_sim_pump_once (KdhTestSim *s)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  gboolean moved = FALSE;
  GBytes *unit;

  g_assert_cmpuint (++s->rounds, <, 50000000);

  if (kdh_link_take_output (s->link, buf))
    {
      moved = TRUE;
      if (s->line != NULL)
        kdh_sim_line_from_host (s->line, buf->data, buf->len, s->now);
      else
        kdh_sim_target_receive (s->target, buf->data, buf->len, s->now);
    }
  if (s->line != NULL)
    {
      g_byte_array_set_size (buf, 0);
      if (kdh_sim_line_take_from_host (s->line, s->now, buf))
        {
          moved = TRUE;
          kdh_sim_target_receive (s->target, buf->data, buf->len, s->now);
        }
    }

  while ((unit = kdh_sim_target_pop_output (s->target)) != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (unit, &len);

      moved = TRUE;
      if (s->line != NULL)
        kdh_sim_line_to_host (s->line, data, len, s->now);
      else
        kdh_link_receive (s->link, data, len, s->now);
      g_bytes_unref (unit);
    }
  if (s->line != NULL)
    {
      g_byte_array_set_size (buf, 0);
      if (kdh_sim_line_take_to_host (s->line, s->now, buf))
        {
          moved = TRUE;
          kdh_link_receive (s->link, buf->data, buf->len, s->now);
        }
    }

  if (handle_events (s))
    moved = TRUE;
  return moved;
}

/* Nothing moves: jump the clock to the next deadline of anybody. */
void
kdh_test_sim_advance (KdhTestSim *s)
{
  gint64 next = MIN (kdh_link_next_deadline (s->link), kdh_sim_target_next_deadline (s->target));

  if (s->line != NULL)
    next = MIN (next, kdh_sim_line_next_deadline (s->line));
  if (next == G_MAXINT64)
    next = s->now + MS (10);
  s->now = MAX (next, s->now + 1);
  kdh_link_tick (s->link, s->now);
  kdh_sim_target_tick (s->target, s->now);
}


/* Runs until @pred holds (TRUE) or @timeout of fake time passes (FALSE).
 * The predicate is checked after every round, so that a target that
 * prints as fast as the link allows (no clock needed) still stops. */
gboolean
kdh_test_sim_run_until (KdhTestSim           *s,
           KdhTestPredicate      pred,
           gconstpointer  data,
           gint64         timeout)
{
  gint64 end = s->now + timeout;

  for (;;)
    {
      gboolean moved = kdh_test_sim_pump_once (s);

      if (pred (s, data))
        return TRUE;
      if (!moved)
        {
          if (s->now >= end)
            return FALSE;
          kdh_test_sim_advance (s);
        }
    }
}

/* Lets everything in flight land without letting time pass. */
void
kdh_test_sim_settle (KdhTestSim *s)
{
  while (kdh_test_sim_pump_once (s))
    ;
}

gboolean
kdh_test_pred_packet (KdhTestSim *s, gconstpointer data)
{
  return !g_queue_is_empty (&s->packets);
}

gboolean
kdh_test_pred_not_sending (KdhTestSim *s, gconstpointer data)
{
  return !kdh_link_is_sending (s->link);
}

gboolean
kdh_test_pred_prints (KdhTestSim *s, gconstpointer data)
{
  return s->prints->len >= GPOINTER_TO_UINT (data);
}

gboolean
kdh_test_pred_synced (KdhTestSim *s, gconstpointer data)
{
  return s->synced >= GPOINTER_TO_UINT (data);
}

gboolean
kdh_test_pred_send_failed (KdhTestSim *s, gconstpointer data)
{
  return s->send_failed >= GPOINTER_TO_UINT (data);
}

gboolean
kdh_test_pred_never (KdhTestSim *s, gconstpointer data)
{
  return FALSE;
}

/* The next data packet of @type; others (a state change sent again, a
 * stale reply) are dropped. NULL on timeout. */
KdhTestPacket *
kdh_test_sim_wait_packet (KdhTestSim     *s,
             guint16  type,
             gint64   timeout)
{
  gint64 end = s->now + timeout;

  while (kdh_test_sim_run_until (s, kdh_test_pred_packet, NULL, MAX (end - s->now, 0)))
    {
      KdhTestPacket *p = g_queue_pop_head (&s->packets);

      if (p->type == type)
        return p;
      kdh_test_packet_free (p);
    }
  return NULL;
}

void
kdh_test_decode_state_change (KdhTestPacket         *p,
                     KdhStateChange *sc)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (p->payload, &len);

  kdh_state_change_decode (data, len, sc, &error);
  g_assert_no_error (error);
}

/* The recommended connect (docs/protocol.md §2.7): break-in and RESET until
 * answered, then the exception state change. */
void
kdh_test_sim_attach (KdhTestSim            *s,
        KdhStateChange *sc)
{
  g_autoptr (KdhTestPacket) p = NULL;
  guint synced = s->synced;

  kdh_link_start_sync (s->link, KDH_SYNC_BREAKIN_FIRST, s->now);
  g_assert_true (kdh_test_sim_run_until (s, kdh_test_pred_synced, GUINT_TO_POINTER (synced + 1), SECONDS (30)));
  p = kdh_test_sim_wait_packet (s, KDH_PACKET_TYPE_STATE_CHANGE64, SECONDS (30));
  g_assert_nonnull (p);
  kdh_test_decode_state_change (p, sc);
  g_assert_cmphex (sc->new_state, ==, KDH_STATE_EXCEPTION);
  g_assert_cmphex (sc->u.exception.code, ==, KDH_STATUS_BREAKPOINT);
}

static gboolean
is_memory_api (guint32 api)
{
  return api == KDH_API_READ_VIRTUAL_MEMORY || api == KDH_API_READ_PHYSICAL_MEMORY
         || api == KDH_API_WRITE_VIRTUAL_MEMORY || api == KDH_API_WRITE_PHYSICAL_MEMORY;
}

/* Sends @req and returns the reply's payload (@reply borrows from it).
 * A reply that does not match (a stale one re-sent after a RESET) is
 * dropped; a wait that expires re-issues the kdh_test_sim_request (§2.2, the RO-KD
 * note), at most a few times. */
GBytes *
kdh_test_sim_request (KdhTestSim                 *s,
         const KdhManipulate *req,
         const guint8        *data,
         gsize                data_len,
         KdhManipulate       *reply)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GBytes) payload = NULL;

  kdh_manipulate_encode (buf, req, data, data_len);
  payload = g_byte_array_free_to_bytes (g_steal_pointer (&buf));

  for (guint attempt = 0; attempt < 8; attempt++)
    {
      gint64 end;

      g_assert_true (kdh_test_sim_run_until (s, kdh_test_pred_not_sending, NULL, SECONDS (30)));
      g_assert_true (kdh_link_send (s->link, KDH_PACKET_TYPE_STATE_MANIPULATE, payload, s->now));
      end = s->now + SECONDS (5);
      for (;;)
        {
          g_autoptr (KdhTestPacket) p = kdh_test_sim_wait_packet (s, KDH_PACKET_TYPE_STATE_MANIPULATE,
                                              MAX (end - s->now, 0));
          g_autoptr (GError) error = NULL;
          const guint8 *pdata;
          gsize plen;

          if (p == NULL)
            break;
          pdata = g_bytes_get_data (p->payload, &plen);
          kdh_manipulate_decode (pdata, plen, reply, &error);
          g_assert_no_error (error);
          if (reply->api != req->api || reply->return_status == KDH_STATUS_PENDING)
            continue;
          if (is_memory_api (req->api)
              && kdh_manipulate_memory_address (reply) != kdh_manipulate_memory_address (req))
            continue;
          /* @reply points into the payload: the caller keeps it alive. */
          return g_bytes_ref (p->payload);
        }
      kdh_link_cancel_send (s->link);
    }
  g_error ("no reply to %s", kdh_api_name (req->api));
  return NULL;
}

void
kdh_test_sim_get_version (KdhTestSim        *s,
             KdhVersion *v)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;
  g_autoptr (GError) error = NULL;

  kdh_manipulate_init_get_version (&req);
  keep = kdh_test_sim_request (s, &req, NULL, 0, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
  kdh_version_decode (&reply, v, &error);
  g_assert_no_error (error);
}

/* One read request; returns the actual byte count and fills @out. */
gsize
kdh_test_sim_read_once (KdhTestSim     *s,
           guint64  address,
           guint32  count,
           guint8  *out,
           guint32 *status)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;
  gsize actual;

  kdh_manipulate_init_memory (&req, KDH_API_READ_VIRTUAL_MEMORY, 0, address, count);
  keep = kdh_test_sim_request (s, &req, NULL, 0, &reply);
  actual = kdh_manipulate_memory_actual (&reply);
  g_assert_cmpuint (reply.data_len, ==, actual);
  g_assert_cmpuint (actual, <=, KDH_MAX_MEMORY_TRANSFER);
  memcpy (out, reply.data, actual);
  *status = reply.return_status;
  return actual;
}

/* Reads @len bytes in requests of at most 3944 bytes. */
void
kdh_test_sim_read_memory (KdhTestSim     *s,
             guint64  address,
             guint8  *out,
             gsize    len)
{
  gsize done = 0;

  while (done < len)
    {
      guint32 count = (guint32) MIN (len - done, KDH_MAX_MEMORY_TRANSFER);
      guint32 status;
      gsize actual = kdh_test_sim_read_once (s, address + done, count, out + done, &status);

      g_assert_cmphex (status, ==, KDH_STATUS_SUCCESS);
      g_assert_cmpuint (actual, ==, count);
      done += actual;
    }
}

/* Byte by byte: the aligned u64 at A holds A ^ KDH_SIM_PATTERN_XOR. */
void
kdh_test_check_pattern_bytes (guint64       address,
               const guint8 *data,
               gsize         len)
{
  for (gsize i = 0; i < len; i++)
    {
      guint64 b = address + i;
      guint64 word = (b & ~G_GUINT64_CONSTANT (7)) ^ KDH_SIM_PATTERN_XOR;
      guint8 expected = (guint8) (word >> (8 * (b & 7)));

      if (data[i] != expected)
        g_error ("pattern byte at 0x%" G_GINT64_MODIFIER "x is 0x%02x, expected 0x%02x",
                 b, data[i], expected);
    }
}

void
kdh_test_sim_continue (KdhTestSim *s)
{
  KdhManipulate req;

  kdh_manipulate_init_continue (&req, KDH_DBG_CONTINUE);
  kdh_test_sim_send_no_reply (s, &req);
}

/* A request the target answers with no reply (Continue, Continue2,
 * CauseBugCheck): sent, and acknowledged. */
void
kdh_test_sim_send_no_reply (KdhTestSim          *s,
                            const KdhManipulate *req)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GBytes) payload = NULL;

  kdh_manipulate_encode (buf, req, NULL, 0);
  payload = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
  g_assert_true (kdh_test_sim_run_until (s, kdh_test_pred_not_sending, NULL, SECONDS (30)));
  g_assert_true (kdh_link_send (s->link, KDH_PACKET_TYPE_STATE_MANIPULATE, payload, s->now));
  g_assert_true (kdh_test_sim_run_until (s, kdh_test_pred_not_sending, NULL, SECONDS (30)));
  g_assert_cmpuint (s->send_failed, ==, 0);
}

/* Break-in while running: the byte may be lost on a faulty line, so it is
 * sent again until a state change comes. */
void
kdh_test_sim_break_in (KdhTestSim            *s,
          KdhStateChange *sc)
{
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_autoptr (KdhTestPacket) p = NULL;

      kdh_link_send_breakin (s->link);
      p = kdh_test_sim_wait_packet (s, KDH_PACKET_TYPE_STATE_CHANGE64, SECONDS (3));
      if (p == NULL)
        continue;
      kdh_test_decode_state_change (p, sc);
      g_assert_cmphex (sc->u.exception.code, ==, KDH_STATUS_BREAKPOINT);
      return;
    }
  g_error ("the target did not stop on a break-in");
}

/* On a perfect wire every count on one side has its mirror on the other,
 * but for RESETs sent while the target runs: the kernel only polls the line
 * for the break-in byte on its clock tick and throws the rest away. */
void
kdh_test_sim_check_counters_mirror (KdhTestSim *s)
{
  const KdhSimCounters *c = kdh_sim_target_get_counters (s->target);
  const KdhLinkStats *ls = kdh_link_get_stats (s->link);

  kdh_test_sim_settle (s);
  g_assert_cmpuint (c->resets_received, <=, ls->resets_out);
  g_assert_cmpuint (c->resets_received + c->bytes_discarded / KDH_PACKET_HEADER_SIZE, >=,
                    ls->resets_out);
  g_assert_cmpuint (c->resets_sent, ==, ls->resets_in);
  g_assert_cmpuint (c->acks_received, ==, ls->acks_out);
  g_assert_cmpuint (c->acks_sent, ==, ls->acks_in);
  g_assert_cmpuint (c->resends_received, ==, ls->resends_out);
  g_assert_cmpuint (c->resends_sent, ==, ls->resends_in);
  g_assert_cmpuint (c->packets_sent, ==, ls->packets_in);
  g_assert_cmpuint (c->packets_received, ==, ls->packets_out);
  g_assert_cmpuint (c->breakins, ==, ls->breakins_sent);
  g_assert_cmpuint (ls->checksum_errors, ==, 0);
  g_assert_cmpuint (ls->garbage_bytes, ==, 0);
}

void
kdh_test_sim_check_prints (KdhTestSim   *s,
              guint  first)
{
  for (guint i = 0; i < s->prints->len; i++)
    {
      g_autofree gchar *expected = g_strdup_printf (PRINT_FORMAT, first + i);

      g_assert_cmpstr (g_ptr_array_index (s->prints, i), ==, expected);
    }
}

