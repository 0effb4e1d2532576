/* test-link.c: the host link state machine, driven byte by byte
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test plays the target (kdh-test-link.h): it writes packets into the
 * link, reads what the link writes back, and moves a fake clock. This file:
 * the packet exchange. RESET, resync and reboots are test-link-sync.c.
 */
#include <string.h>

#include "kdh-test-link.h"

static void
test_ack_and_deliver (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GString) payloads = g_string_new (NULL);
  g_autofree gchar *kinds = NULL;

  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "one");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800001, "two");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  /* A retransmission of "two" (our ACK was lost): ACKed again, dropped. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800001, "two");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "three");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);

  kinds = kdh_test_link_take_events (f, payloads);
  g_assert_cmpstr (kinds, ==, "PPP");
  g_assert_cmpstr (payloads->str, ==, "one|two|three|");
  g_assert_cmpuint (kdh_link_get_stats (f->link)->duplicates, ==, 1);
  g_assert_cmpuint (kdh_link_get_stats (f->link)->acks_out, ==, 4);
}

static void
test_resend_on_damage (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  kdh_packet_write_data (bytes, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, (const guint8 *) "hello", 5,
                         NULL, 0);
  bytes->data[17] ^= 1;
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESEND, 0);
  kdh_test_link_assert_events (f, "");
  g_assert_cmpuint (kdh_link_get_stats (f->link)->checksum_errors, ==, 1);

  /* The retransmission is accepted as new: nothing was delivered before. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "hello");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "P");
}

static void
test_bad_id (KdhTestLink *f, gconstpointer data)
{
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x12345678, "x");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESEND, 0);
  kdh_test_link_assert_events (f, "");
}

static void
test_send_and_ack (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GBytes) a = kdh_test_bytes ("request-a");
  g_autoptr (GBytes) b = kdh_test_bytes ("request-b");

  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, a, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);
  /* One at a time. */
  g_assert_false (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, b, f->now));

  /* An ACK for the other id is not ours. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  kdh_test_link_assert_events (f, "");
  g_assert_true (kdh_link_is_sending (f->link));

  f->now += MS (5);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "S");
  g_assert_false (kdh_link_is_sending (f->link));
  g_assert_cmpint (kdh_link_get_stats (f->link)->last_rtt_us, ==, MS (5));

  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, b, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001);
}

static void
test_retransmit_until_failed (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GBytes) a = kdh_test_bytes ("request");
  KdhLinkEvent ev;

  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, a, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);

  /* Before the deadline nothing happens. */
  g_assert_cmpint (kdh_link_next_deadline (f->link), >, f->now);
  kdh_test_link_advance (f, MS (f->config.ack_timeout_ms) / 2);
  kdh_test_link_expect_nothing (f);

  /* RESEND from the target: retransmit at once, not counted as a try. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESEND, 0);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);

  for (guint i = 1; i < f->config.max_send_tries; i++)
    {
      f->now = kdh_link_next_deadline (f->link);
      kdh_link_tick (f->link, f->now);
      kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);
    }
  kdh_test_link_assert_events (f, "");
  f->now = kdh_link_next_deadline (f->link);
  kdh_link_tick (f->link, f->now);
  kdh_test_link_expect_nothing (f);
  g_assert_true (kdh_link_next_event (f->link, &ev));
  g_assert_cmpint (ev.kind, ==, KDH_LINK_EVENT_SEND_FAILED);
  g_assert_cmpuint (ev.tries, ==, f->config.max_send_tries);
  kdh_link_event_clear (&ev);
  g_assert_false (kdh_link_is_sending (f->link));
  g_assert_cmpuint (kdh_link_get_stats (f->link)->retransmits, ==, f->config.max_send_tries);
  g_assert_cmpuint (kdh_link_get_stats (f->link)->timeouts, ==, f->config.max_send_tries);
  g_assert_cmpint (kdh_link_next_deadline (f->link), ==, G_MAXINT64);
}

/* The ACK for our request was lost but the reply arrived: the reply is an
 * implicit ACK (the target only answers what it received). */
static void
test_implicit_ack (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GBytes) a = kdh_test_bytes ("request");
  g_autoptr (GBytes) b = kdh_test_bytes ("next");

  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, a, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, "reply");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "SP");
  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, b, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001);
}

/* A stopped target that asked for a RESEND sends the state change it is
 * stopped on again, under a new id (docs/protocol.md §2.2): that does not
 * acknowledge our pending request, which it may never have had; the
 * request goes again on its ACK timeout. A different state change still
 * is an implicit ACK. */
static void
test_resent_stop_is_no_ack (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GBytes) a = kdh_test_bytes ("request");
  g_autoptr (GBytes) b = kdh_test_bytes ("continue");

  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, "stop");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "P");
  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, a, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800001, "stop");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  kdh_test_link_assert_events (f, "P");
  kdh_test_link_advance (f, MS (f->config.ack_timeout_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "S");

  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, b, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, "another stop");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "SP");
}

/* A garbled ByteCount above 4000 on a serial line is refused at once with
 * RESEND, rather than waited for while the target's retransmissions pour
 * into the false packet (at 115200 baud a 64 KiB wait took seconds). A
 * socket accepts larger counts (Xen kdd) and waits for the bytes. */
static void
test_serial_max_length (KdhTestLink *f, gconstpointer data)
{
  KdhLinkConfig serial;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (KdhLink) link = NULL;
  g_autoptr (KdhLink) socket = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  KdhLinkEvent ev;

  kdh_link_config_init (&serial, 115200);
  g_assert_cmpuint (serial.max_payload, ==, KDH_PACKET_MAX_SIZE);
  g_assert_cmpuint (f->config.max_payload, ==, KDH_PACKET_MAX_SIZE_LENIENT);

  kdh_packet_write_data (bytes, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, (const guint8 *) "line", 4,
                         NULL, 0);
  bytes->data[7] ^= 0x40;   /* ByteCount 4 -> 0x4004 */

  link = kdh_link_new (&serial);
  kdh_link_receive (link, bytes->data, bytes->len, f->now);
  g_assert_true (kdh_link_take_output (link, out));
  g_assert_cmpuint (out->len, ==, KDH_PACKET_HEADER_SIZE);
  g_assert_cmpuint (out->data[4], ==, KDH_PACKET_TYPE_RESEND);
  g_assert_cmpuint (kdh_link_get_stats (link)->checksum_errors, ==, 1);
  while (kdh_link_next_event (link, &ev))
    kdh_link_event_clear (&ev);

  socket = kdh_link_new (&f->config);
  kdh_link_receive (socket, bytes->data, bytes->len, f->now);
  g_assert_false (kdh_link_has_output (socket));
  g_assert_cmpint (kdh_link_next_deadline (socket), <, G_MAXINT64);
}

/* A data packet cut short (bytes lost, then silence): abandoned after the
 * partial timeout and answered with RESEND. */
static void
test_partial_packet (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  kdh_packet_write_data (bytes, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000,
                         (const guint8 *) "0123456789", 10, NULL, 0);
  kdh_link_receive (f->link, bytes->data, 20, f->now);
  kdh_test_link_expect_nothing (f);
  g_assert_cmpint (kdh_link_next_deadline (f->link), ==,
                   f->now + MS (f->config.partial_timeout_ms));
  kdh_test_link_advance (f, MS (f->config.partial_timeout_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESEND, 0);
  g_assert_cmpuint (kdh_link_get_stats (f->link)->checksum_errors, ==, 1);
  /* The whole retransmission then goes through. */
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "P");
}

static void
test_trace (KdhTestLink *f, gconstpointer data)
{
  KdhLinkEvent ev;
  guint in = 0, out = 0;

  kdh_link_set_trace (f->link, TRUE);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "traced");
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "traced");
  while (kdh_link_next_event (f->link, &ev))
    {
      if (ev.kind == KDH_LINK_EVENT_TRACE)
        {
          if (ev.trace.outgoing)
            {
              out++;
              g_assert_cmpuint (ev.trace.header.type, ==, KDH_PACKET_TYPE_ACKNOWLEDGE);
            }
          else
            {
              in++;
              g_assert_nonnull (ev.trace.payload);
              g_assert_cmpint (ev.trace.verdict, ==, in == 1 ? KDH_TRACE_OK : KDH_TRACE_DUPLICATE);
            }
        }
      kdh_link_event_clear (&ev);
    }
  g_assert_cmpuint (in, ==, 2);
  g_assert_cmpuint (out, ==, 2);
}

/* A print whose type byte was garbled into a state change: not ACKed,
 * not delivered, RESEND asked for; the retransmission goes through. */
static void
test_garbled_type (KdhTestLink *f, gconstpointer data)
{
  guint8 print[20] = { 0x30, 0x32, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 't', 'e', 's', 't' };
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  f->config.check_payloads = TRUE;
  kdh_link_set_config (f->link, &f->config);
  kdh_packet_write_data (bytes, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, print, sizeof print,
                         NULL, 0);
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESEND, 0);
  kdh_test_link_assert_events (f, "");
  g_byte_array_set_size (bytes, 0);
  kdh_packet_write_data (bytes, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, print, sizeof print, NULL, 0);
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "P");
}

/* A link over a lossy line against a minimal scripted target: every packet
 * the target sends is delivered exactly once, in order. */
static void
test_lossy_line (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autoptr (GString) payloads = g_string_new (NULL);
  g_autoptr (GString) expected = g_string_new (NULL);
  guint32 target_next = 0x80800000;
  guint n = 0;

  while (n < 300)
    {
      g_autofree gchar *text = g_strdup_printf ("line %u", n);
      g_autoptr (GByteArray) bytes = g_byte_array_new ();
      g_autoptr (GArray) sent = NULL;
      gboolean acked = FALSE;

      kdh_packet_write_data (bytes, KDH_PACKET_TYPE_DEBUG_IO, target_next,
                             (const guint8 *) text, strlen (text), NULL, 0);
      /* Damage one byte in a third of the transmissions, drop a tenth. */
      if (g_rand_int_range (rand, 0, 3) == 0)
        bytes->data[g_rand_int_range (rand, 0, bytes->len)] ^= 0x5A;
      if (g_rand_int_range (rand, 0, 10) != 0)
        kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
      f->now += MS (1000);
      kdh_link_tick (f->link, f->now);

      sent = kdh_test_link_take_sent (f);
      for (guint i = 0; i < sent->len; i++)
        {
          KdhTestSent *s = &g_array_index (sent, KdhTestSent, i);
          /* The ACK itself may be lost on the way back. */
          if (s->type == KDH_PACKET_TYPE_ACKNOWLEDGE && s->id == target_next
              && g_rand_int_range (rand, 0, 8) != 0)
            acked = TRUE;
        }
      if (acked)
        {
          g_string_append_printf (expected, "%s|", text);
          target_next ^= 1;
          n++;
        }
    }
  g_free (kdh_test_link_take_events (f, payloads));
  g_assert_cmpstr (payloads->str, ==, expected->str);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) \
  g_test_add ("/kd/link/" path, KdhTestLink, NULL, kdh_test_link_setup, fn, kdh_test_link_teardown)
  ADD ("ack-and-deliver", test_ack_and_deliver);
  ADD ("resend-on-damage", test_resend_on_damage);
  ADD ("bad-id", test_bad_id);
  ADD ("send-and-ack", test_send_and_ack);
  ADD ("retransmit-until-failed", test_retransmit_until_failed);
  ADD ("implicit-ack", test_implicit_ack);
  ADD ("resent-stop-is-no-ack", test_resent_stop_is_no_ack);
  ADD ("serial-max-length", test_serial_max_length);
  ADD ("partial-packet", test_partial_packet);
  ADD ("trace", test_trace);
  ADD ("garbled-type", test_garbled_type);
  ADD ("lossy-line", test_lossy_line);
#undef ADD
  return g_test_run ();
}
