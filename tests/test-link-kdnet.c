/* test-link-kdnet.c: the host link with KDNET's packet ids
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ids of a Windows 8 target and WinDbg in a published KDNET capture
 * (docs/protocol.md §5): the host numbers from 0x80000000 in steps of 2,
 * the target counts on from wherever it is (0x926, 0x928 ...), ACKs carry
 * the id exactly, and bit 0x800 is a digit, not the SYNC flag.
 */
#include <string.h>

#include "kd/kdh-link.h"

#define MS(x) ((gint64) (x) * 1000)

typedef struct {
  KdhLink *link;
  KdhPacketParser *wire;
  gint64 now;
} Fixture;

typedef struct {
  guint16 type;
  guint32 id;
  gboolean control;
} Sent;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  KdhLinkConfig config;

  kdh_link_config_init (&config, 0);
  config.check_payloads = FALSE;
  config.kdnet_ids = TRUE;
  f->link = kdh_link_new (&config);
  f->wire = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  f->now = MS (1000);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  kdh_link_free (f->link);
  kdh_packet_parser_free (f->wire);
}

static GArray *
take_sent (Fixture *f)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  GArray *sent = g_array_new (FALSE, TRUE, sizeof (Sent));
  KdhParseEvent ev;

  kdh_link_take_output (f->link, out);
  kdh_packet_parser_feed (f->wire, out->data, out->len);
  while (kdh_packet_parser_next (f->wire, &ev))
    {
      Sent s = { ev.header.type, ev.header.id, ev.header.control };

      if (ev.kind == KDH_PARSE_BREAKIN)
        continue;
      g_assert_cmpint (ev.kind, ==, KDH_PARSE_PACKET);
      g_array_append_val (sent, s);
    }
  return sent;
}

static void
expect_one (Fixture *f,
            guint16  type,
            guint32  id)
{
  g_autoptr (GArray) sent = take_sent (f);

  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpuint (g_array_index (sent, Sent, 0).type, ==, type);
  g_assert_cmphex (g_array_index (sent, Sent, 0).id, ==, id);
}

static void
target_send (Fixture     *f,
             guint32      id,
             const gchar *text)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  kdh_packet_write_data (bytes, KDH_PACKET_TYPE_DEBUG_IO, id, (const guint8 *) text,
                         strlen (text), NULL, 0);
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
}

static void
target_control (Fixture *f,
                guint16  type,
                guint32  id)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  kdh_packet_write_control (bytes, type, id);
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
}

/* The payloads of the packets delivered, joined with '|'; other events
 * are left out except T (target rebooted) and S (sent). */
static gchar *
take_events (Fixture *f)
{
  GString *s = g_string_new (NULL);
  KdhLinkEvent ev;

  while (kdh_link_next_event (f->link, &ev))
    {
      if (ev.kind == KDH_LINK_EVENT_PACKET)
        {
          gsize len;
          const gchar *p = g_bytes_get_data (ev.payload, &len);

          g_string_append_len (s, p, (gssize) len);
          g_string_append_c (s, '|');
        }
      else if (ev.kind == KDH_LINK_EVENT_TARGET_REBOOTED)
        g_string_append (s, "T|");
      else if (ev.kind == KDH_LINK_EVENT_SENT)
        g_string_append (s, "S|");
      kdh_link_event_clear (&ev);
    }
  return g_string_free (s, FALSE);
}

static void
send_request (Fixture     *f,
              const gchar *text)
{
  g_autoptr (GBytes) payload = g_bytes_new (text, strlen (text));

  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, payload, f->now));
}

static void
test_host_ids_count_by_two (Fixture      *f,
                            gconstpointer data)
{
  g_autofree gchar *events = NULL;

  for (guint32 i = 0; i < 4; i++)
    {
      guint32 id = 0x80000000u + 2 * i;

      send_request (f, "req");
      expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, id);
      /* An ACK for another id, even one differing only in bit 0x800,
       * acknowledges nothing. */
      target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, id | 0x800);
      target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, id ^ 1);
      g_assert_true (kdh_link_is_sending (f->link));
      target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, id);
      g_assert_false (kdh_link_is_sending (f->link));
    }
  events = take_events (f);
  g_assert_cmpstr (events, ==, "S|S|S|S|");
}

static void
test_target_ids (Fixture      *f,
                 gconstpointer data)
{
  g_autofree gchar *events = NULL;

  target_send (f, 0x926, "a");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x926);
  target_send (f, 0x926, "a");            /* our ACK was lost: re-ACKed, dropped */
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x926);
  target_send (f, 0x928, "b");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x928);
  target_send (f, 0x924, "old");          /* below the last one: a duplicate */
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x924);
  /* 0x80A has the KDCOM SYNC bit set, but it is below 0x928: an old
   * packet, not a rebooted target's first. */
  target_send (f, 0x80A, "c");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80A);
  target_send (f, 0xA00, "d");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0xA00);
  target_send (f, 0xA02, "e");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0xA02);
  events = take_events (f);
  g_assert_cmpstr (events, ==, "a|b|d|e|");
  g_assert_cmpuint (kdh_link_get_stats (f->link)->duplicates, ==, 3);
  g_assert_cmpuint (kdh_link_get_stats (f->link)->target_reboots, ==, 0);
}

static void
test_sync_bit_is_a_digit (Fixture      *f,
                          gconstpointer data)
{
  g_autofree gchar *events = NULL;

  target_send (f, 0x7FE, "a");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x7FE);
  target_send (f, 0x800, "b");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x800);
  target_send (f, 0x802, "c");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x802);
  events = take_events (f);
  g_assert_cmpstr (events, ==, "a|b|c|");
}

/* WinDbg's RESET in the capture carries 0x80000000, its next id; the
 * target answers with a RESET and sends its pending packet again under
 * the id it had. */
static void
test_reset (Fixture      *f,
            gconstpointer data)
{
  g_autofree gchar *events = NULL;

  send_request (f, "x");
  expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80000000);
  target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80000000);
  target_send (f, 0x930, "reply");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x930);

  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  expect_one (f, KDH_PACKET_TYPE_RESET, 0x80000000);
  target_control (f, KDH_PACKET_TYPE_RESET, 0x926);
  g_assert_cmpint (kdh_link_get_mode (f->link), ==, KDH_LINK_IDLE);
  /* After a RESET any id is new; ours start again. */
  target_send (f, 0x926, "stop");
  expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x926);
  send_request (f, "y");
  expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80000000);
  events = take_events (f);
  g_assert_cmpstr (events, ==, "S|reply|stop|");

  /* A RESET of the target's own is answered with our next id. */
  target_control (f, KDH_PACKET_TYPE_RESET, 0x940);
  {
    g_autoptr (GArray) sent = take_sent (f);

    g_assert_cmpuint (sent->len, ==, 2);
    g_assert_cmpuint (g_array_index (sent, Sent, 0).type, ==, KDH_PACKET_TYPE_RESET);
    g_assert_cmphex (g_array_index (sent, Sent, 0).id, ==, 0x80000000);
    /* ... and the pending request goes again, under that id. */
    g_assert_cmphex (g_array_index (sent, Sent, 1).id, ==, 0x80000000);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/link-kdnet/host-ids-count-by-two", test_host_ids_count_by_two);
  ADD ("/link-kdnet/target-ids", test_target_ids);
  ADD ("/link-kdnet/sync-bit-is-a-digit", test_sync_bit_is_a_digit);
  ADD ("/link-kdnet/reset", test_reset);
#undef ADD
  return g_test_run ();
}
