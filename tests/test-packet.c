/* test-packet.c: KDCOM packet parser and writer
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "kd/kdh-packet.h"

typedef struct {
  guint packets;
  guint bad;
  guint breakins;
  GPtrArray *payloads;        /* GBytes of each good data packet */
  GArray *headers;            /* KdhPacketHeader of each good packet */
  GArray *faults;             /* KdhPacketFault of each bad packet */
} Collected;

static void
collected_init (Collected *c)
{
  memset (c, 0, sizeof *c);
  c->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->headers = g_array_new (FALSE, FALSE, sizeof (KdhPacketHeader));
  c->faults = g_array_new (FALSE, FALSE, sizeof (KdhPacketFault));
}

static void
collected_clear (Collected *c)
{
  g_ptr_array_unref (c->payloads);
  g_array_unref (c->headers);
  g_array_unref (c->faults);
}

static void
drain (KdhPacketParser *parser,
       Collected       *c)
{
  KdhParseEvent ev;

  while (kdh_packet_parser_next (parser, &ev))
    {
      switch (ev.kind)
        {
        case KDH_PARSE_PACKET:
          c->packets++;
          g_array_append_val (c->headers, ev.header);
          g_ptr_array_add (c->payloads, g_bytes_new (ev.payload, ev.payload_len));
          break;
        case KDH_PARSE_BAD_PACKET:
          c->bad++;
          g_array_append_val (c->faults, ev.fault);
          break;
        case KDH_PARSE_BREAKIN:
          c->breakins++;
          break;
        }
    }
}

static void
feed_all (KdhPacketParser *parser,
          const guint8    *data,
          gsize            len,
          Collected       *c)
{
  kdh_packet_parser_feed (parser, data, len);
  drain (parser, c);
}

static void
test_ack_bytes (void)
{
  static const guint8 expected[] = {
    0x69, 0x69, 0x69, 0x69, 0x04, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x80, 0x80, 0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr (GByteArray) out = g_byte_array_new ();

  kdh_packet_write_control (out, KDH_PACKET_TYPE_ACKNOWLEDGE, KDH_PACKET_ID_INITIAL);
  g_assert_cmpmem (out->data, out->len, expected, sizeof expected);
}

static void
test_reset_bytes (void)
{
  static const guint8 expected[] = {
    0x69, 0x69, 0x69, 0x69, 0x06, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr (GByteArray) out = g_byte_array_new ();

  kdh_packet_write_control (out, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpmem (out->data, out->len, expected, sizeof expected);
}

/* docs/protocol.md §1.8: GetVersion request, checksum 0x7B. */
static void
test_get_version_bytes (void)
{
  guint8 payload[56] = { 0x46, 0x31, 0, 0, 0, 0, 0, 0, 0x03, 0x01 };
  static const guint8 header[] = {
    0x30, 0x30, 0x30, 0x30, 0x02, 0x00, 0x38, 0x00,
    0x00, 0x00, 0x80, 0x80, 0x7B, 0x00, 0x00, 0x00,
  };
  g_autoptr (GByteArray) out = g_byte_array_new ();

  kdh_packet_write_data (out, KDH_PACKET_TYPE_STATE_MANIPULATE, KDH_PACKET_ID_INITIAL,
                         payload, sizeof payload, NULL, 0);
  g_assert_cmpuint (out->len, ==, 16 + 56 + 1);
  g_assert_cmpmem (out->data, 16, header, sizeof header);
  g_assert_cmpmem (out->data + 16, 56, payload, 56);
  g_assert_cmpuint (out->data[out->len - 1], ==, 0xAA);
}

static void
test_two_part_checksum (void)
{
  const guint8 a[] = { 1, 2, 3 }, b[] = { 0xFF, 0xFF };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (KdhPacketParser) parser = NULL;
  Collected c;

  kdh_packet_write_data (out, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001, a, 3, b, 2);
  g_assert_cmpuint (out->data[12] | (out->data[13] << 8), ==, 1 + 2 + 3 + 0xFF + 0xFF);

  parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  collected_init (&c);
  feed_all (parser, out->data, out->len, &c);
  g_assert_cmpuint (c.packets, ==, 1);
  g_assert_cmpuint (g_array_index (c.headers, KdhPacketHeader, 0).id, ==, 0x80800001);
  g_assert_cmpuint (g_bytes_get_size (c.payloads->pdata[0]), ==, 5);
  collected_clear (&c);
}

static GBytes *
random_payload (GRand *rand,
                gsize  max)
{
  gsize len = g_rand_int_range (rand, 0, (gint) max + 1);
  guint8 *data = g_malloc (len ? len : 1);

  for (gsize i = 0; i < len; i++)
    data[i] = g_rand_int_range (rand, 0, 256);
  return g_bytes_new_take (data, len);
}

static const guint16 data_types[] = {
  KDH_PACKET_TYPE_STATE_MANIPULATE, KDH_PACKET_TYPE_DEBUG_IO, KDH_PACKET_TYPE_STATE_CHANGE64,
};

/* Garbage that contains near-leaders and break-in bytes but no four
 * identical leader bytes. */
static void
append_garbage (GByteArray *out,
                GRand      *rand,
                guint      *breakins)
{
  static const guint8 alphabet[] = { 0x30, 0x30, 0x30, 0x69, 0x69, 0x62, 0x00, 0xAA, 0x41 };
  guint n = g_rand_int_range (rand, 0, 12);
  guint8 prev = 0;
  guint run = 0;

  for (guint i = 0; i < n; i++)
    {
      guint8 b = alphabet[g_rand_int_range (rand, 0, G_N_ELEMENTS (alphabet))];

      run = b == prev ? run + 1 : 1;
      if ((b == 0x30 || b == 0x69) && run >= 3)
        b = 0x41, run = 1;
      if (b == 0x62)
        (*breakins)++;
      g_byte_array_append (out, &b, 1);
      prev = b;
    }
  /* Never end on a leader byte: it would merge with the next leader. */
  if (out->len && (out->data[out->len - 1] == 0x30 || out->data[out->len - 1] == 0x69))
    {
      guint8 b = 0x41;
      g_byte_array_append (out, &b, 1);
    }
}

static void
test_fragmentation (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  for (guint round = 0; round < 50; round++)
    {
      g_autoptr (GByteArray) stream = g_byte_array_new ();
      g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
      guint breakins = 0, controls = 0;
      Collected c;
      gsize pos = 0;

      for (guint i = 0; i < 40; i++)
        {
          append_garbage (stream, rand, &breakins);
          if (g_rand_boolean (rand))
            {
              GBytes *p = random_payload (rand, g_rand_boolean (rand) ? 64 : KDH_PACKET_MAX_SIZE);
              gsize len;
              const guint8 *d = g_bytes_get_data (p, &len);

              kdh_packet_write_data (stream, data_types[i % 3], 0x80800000 | (i & 1), d, len,
                                     NULL, 0);
              g_ptr_array_add (sent, p);
            }
          else
            {
              kdh_packet_write_control (stream, KDH_PACKET_TYPE_ACKNOWLEDGE + i % 3, i);
              controls++;
            }
        }

      collected_init (&c);
      while (pos < stream->len)
        {
          /* Drawn once: MIN() evaluates its arguments twice. */
          gsize want = g_rand_int_range (rand, 1, 64);
          gsize chunk = MIN (want, stream->len - pos);

          feed_all (parser, stream->data + pos, chunk, &c);
          pos += chunk;
        }

      g_assert_cmpuint (c.bad, ==, 0);
      g_assert_cmpuint (c.breakins, ==, breakins);
      g_assert_cmpuint (c.packets, ==, sent->len + controls);
      for (guint i = 0, d = 0; i < c.packets; i++)
        {
          KdhPacketHeader *h = &g_array_index (c.headers, KdhPacketHeader, i);

          if (h->control)
            continue;
          g_assert_true (g_bytes_equal (c.payloads->pdata[i], sent->pdata[d]));
          d++;
        }
      g_assert_false (kdh_packet_parser_in_packet (parser, NULL));
      collected_clear (&c);
    }
}

static void
test_extra_leader_bytes (void)
{
  const guint8 payload[] = { 9, 8, 7 };
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  Collected c;

  g_byte_array_append (stream, (const guint8 *) "000", 3);
  kdh_packet_write_data (stream, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, payload, 3, NULL, 0);
  g_byte_array_append (stream, (const guint8 *) "ii", 2);
  kdh_packet_write_control (stream, KDH_PACKET_TYPE_RESEND, 0);
  collected_init (&c);
  feed_all (parser, stream->data, stream->len, &c);
  g_assert_cmpuint (c.packets, ==, 2);
  g_assert_cmpuint (kdh_packet_parser_garbage (parser), ==, 5);
  g_assert_cmpuint (g_array_index (c.headers, KdhPacketHeader, 1).type, ==, KDH_PACKET_TYPE_RESEND);
  collected_clear (&c);
}

/* "0000" or "iiii" followed by a type that cannot be: skipped silently, and
 * the real packet right behind it is found. */
static void
test_false_leader_bad_type (void)
{
  const guint8 payload[] = { 1, 2, 3, 4 };
  static const guint8 false_data[] = { '0', '0', '0', '0', 0x08, 0x00, 0x04, 0x00 };
  static const guint8 false_control[] = { 'i', 'i', 'i', 'i', 0x02, 0x00, 0x00, 0x00 };
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  Collected c;

  g_byte_array_append (stream, false_data, sizeof false_data);
  g_byte_array_append (stream, false_control, sizeof false_control);
  kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload, 4,
                         NULL, 0);
  collected_init (&c);
  /* Byte by byte, the hardest fragmentation. */
  for (guint i = 0; i < stream->len; i++)
    feed_all (parser, stream->data + i, 1, &c);
  g_assert_cmpuint (c.bad, ==, 0);
  g_assert_cmpuint (c.packets, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (c.payloads->pdata[0], NULL), 4, payload, 4);
  collected_clear (&c);
}

/* A false leader whose byte count exceeds the maximum is reported (a host
 * answers RESEND) and scanning resumes inside it. */
static void
test_false_leader_oversize (void)
{
  const guint8 payload[] = { 0x55 };
  static const guint8 bogus[] = { '0', '0', '0', '0', 0x02, 0x00, 0xA1, 0x0F, 0, 0, 0x80, 0x80 };
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  Collected c;

  g_byte_array_append (stream, bogus, sizeof bogus);
  kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001, payload, 1,
                         NULL, 0);
  collected_init (&c);
  feed_all (parser, stream->data, stream->len, &c);
  g_assert_cmpuint (c.bad, ==, 1);
  g_assert_cmpint (g_array_index (c.faults, KdhPacketFault, 0), ==, KDH_PACKET_FAULT_LENGTH);
  g_assert_cmpuint (c.packets, ==, 1);
  g_assert_cmpuint (g_array_index (c.headers, KdhPacketHeader, 0).id, ==, 0x80800001);
  collected_clear (&c);
}

static void
test_length_limits (void)
{
  gsize sizes[] = { 0, 1, 56, KDH_PACKET_MAX_SIZE };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree guint8 *payload = g_malloc0 (sizes[i] + 1);
      g_autoptr (GByteArray) stream = g_byte_array_new ();
      g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
      Collected c;

      kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload,
                             sizes[i], NULL, 0);
      collected_init (&c);
      feed_all (parser, stream->data, stream->len, &c);
      g_assert_cmpuint (c.packets, ==, 1);
      g_assert_cmpuint (g_bytes_get_size (c.payloads->pdata[0]), ==, sizes[i]);
      collected_clear (&c);
    }

  /* One byte over the limit of a target's parser, and the lenient host
   * parser accepting a kdd-sized packet. */
  {
    g_autofree guint8 *payload = g_malloc0 (8192);
    g_autoptr (GByteArray) stream = g_byte_array_new ();
    g_autoptr (KdhPacketParser) strict = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
    g_autoptr (KdhPacketParser) lenient = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE_LENIENT);
    Collected c;

    kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload,
                           KDH_PACKET_MAX_SIZE + 1, NULL, 0);
    collected_init (&c);
    feed_all (strict, stream->data, stream->len, &c);
    g_assert_cmpuint (c.packets, ==, 0);
    g_assert_cmpuint (c.bad, ==, 1);
    g_assert_cmpint (g_array_index (c.faults, KdhPacketFault, 0), ==, KDH_PACKET_FAULT_LENGTH);
    collected_clear (&c);

    g_byte_array_set_size (stream, 0);
    kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload,
                           8192, NULL, 0);
    collected_init (&c);
    feed_all (lenient, stream->data, stream->len, &c);
    g_assert_cmpuint (c.packets, ==, 1);
    g_assert_cmpuint (g_bytes_get_size (c.payloads->pdata[0]), ==, 8192);
    collected_clear (&c);
  }
}

static void
test_bad_checksum (void)
{
  guint8 payload[40];
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  Collected c;

  for (guint i = 0; i < sizeof payload; i++)
    payload[i] = i * 7;
  kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload,
                         sizeof payload, NULL, 0);
  stream->data[16 + 5] ^= 0x10;
  kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001, payload,
                         sizeof payload, NULL, 0);
  collected_init (&c);
  feed_all (parser, stream->data, stream->len, &c);
  g_assert_cmpuint (c.bad, ==, 1);
  g_assert_cmpint (g_array_index (c.faults, KdhPacketFault, 0), ==, KDH_PACKET_FAULT_CHECKSUM);
  g_assert_cmpuint (c.packets, ==, 1);
  g_assert_cmpuint (g_array_index (c.headers, KdhPacketHeader, 0).id, ==, 0x80800001);
  collected_clear (&c);
}

/* Every way a packet can be cut short or lengthened: a copy of packet A
 * truncated to each possible length (bytes lost on the line), then a whole
 * packet B. B must always come through, and nothing else may pass as good. */
static void
test_every_truncation (void)
{
  guint8 payload_a[64], payload_b[24];
  guint cut, lost = 0;
  g_autoptr (GByteArray) a = g_byte_array_new ();
  g_autoptr (GByteArray) b = g_byte_array_new ();

  for (guint i = 0; i < sizeof payload_a; i++)
    payload_a[i] = 0x10 + i;
  for (guint i = 0; i < sizeof payload_b; i++)
    payload_b[i] = 0xC0 + i;
  kdh_packet_write_data (a, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload_a,
                         sizeof payload_a, NULL, 0);
  kdh_packet_write_data (b, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001, payload_b,
                         sizeof payload_b, NULL, 0);

  for (cut = 0; cut < a->len; cut++)
    {
      g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
      Collected c;

      collected_init (&c);
      feed_all (parser, a->data, cut, &c);
      feed_all (parser, b->data, b->len, &c);
      /* When A's surviving byte count swallows B, only the stall timer of
       * the layer above can tell: it abandons the packet, and the rescan
       * finds B. */
      if (kdh_packet_parser_in_packet (parser, NULL))
        {
          KdhParseEvent ev;

          g_assert_true (kdh_packet_parser_abandon (parser, &ev));
          drain (parser, &c);
        }
      /* B is delivered, or, when A's stale byte count happens to put a
       * 0xAA exactly at B's end, both fail the checksum together and are
       * reported bad (the target's retransmission then recovers B). */
      g_assert_cmpuint (c.packets, <=, 1);
      if (c.packets == 0)
        {
          g_assert_cmpuint (c.bad, >=, 1);
          lost++;
        }
      else
        {
          g_assert_cmpuint (g_array_index (c.headers, KdhPacketHeader, 0).id, ==, 0x80800001);
          g_assert_cmpmem (g_bytes_get_data (c.payloads->pdata[0], NULL),
                           g_bytes_get_size (c.payloads->pdata[0]), payload_b, sizeof payload_b);
        }
      collected_clear (&c);
    }
  /* Exactly one cut lines A's trailer up with B's: cut = |A| - |B|. */
  g_assert_cmpuint (lost, ==, 1);

  /* A byte count changed upwards (by one byte, by a lot): the trailer check
   * fails and the next packet is recovered by rescanning. */
  for (guint delta = 1; delta < 200; delta += 13)
    {
      g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
      g_autoptr (GByteArray) stream = g_byte_array_new ();
      Collected c;

      g_byte_array_append (stream, a->data, a->len);
      stream->data[6] += delta;
      g_byte_array_append (stream, b->data, b->len);
      g_byte_array_append (stream, b->data, b->len);
      g_byte_array_append (stream, b->data, b->len);
      g_byte_array_append (stream, b->data, b->len);
      collected_init (&c);
      feed_all (parser, stream->data, stream->len, &c);
      if (kdh_packet_parser_in_packet (parser, NULL))
        {
          KdhParseEvent ev;

          g_assert_true (kdh_packet_parser_abandon (parser, &ev));
          c.bad++;
          drain (parser, &c);
        }
      g_assert_cmpuint (c.bad, >=, 1);
      g_assert_cmpuint (c.packets, >=, 3);
      for (guint i = 0; i < c.packets; i++)
        g_assert_cmpuint (g_array_index (c.headers, KdhPacketHeader, i).id, ==, 0x80800001);
      collected_clear (&c);
    }
}

static void
test_abandon (void)
{
  guint8 payload[100] = { 0 };
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  KdhParseEvent ev;
  gsize needed;
  Collected c;

  kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload,
                         sizeof payload, NULL, 0);
  collected_init (&c);
  feed_all (parser, stream->data, 10, &c);
  g_assert_true (kdh_packet_parser_in_packet (parser, &needed));
  g_assert_cmpuint (needed, ==, 6);
  feed_all (parser, stream->data + 10, 20, &c);
  g_assert_true (kdh_packet_parser_in_packet (parser, &needed));
  g_assert_cmpuint (needed, ==, stream->len - 30);

  g_assert_true (kdh_packet_parser_abandon (parser, &ev));
  g_assert_cmpint (ev.kind, ==, KDH_PARSE_BAD_PACKET);
  g_assert_cmpint (ev.fault, ==, KDH_PACKET_FAULT_TRUNCATED);
  g_assert_cmpuint (ev.header.byte_count, ==, 100);
  g_assert_false (kdh_packet_parser_in_packet (parser, NULL));
  g_assert_false (kdh_packet_parser_abandon (parser, &ev));

  feed_all (parser, stream->data, stream->len, &c);
  g_assert_cmpuint (c.packets, ==, 1);

  /* An abandoned control packet asks for no RESEND. */
  g_byte_array_set_size (stream, 0);
  kdh_packet_write_control (stream, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  feed_all (parser, stream->data, 8, &c);
  g_assert_false (kdh_packet_parser_abandon (parser, &ev));
  collected_clear (&c);
}

/* A 0x62 inside the payload of a damaged packet is payload, not a
 * break-in request, even though the bytes are scanned again. */
static void
test_no_breakin_from_failed_packet (void)
{
  guint8 payload[32];
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  Collected c;

  memset (payload, KDH_BREAKIN_BYTE, sizeof payload);
  kdh_packet_write_data (stream, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000, payload,
                         sizeof payload, NULL, 0);
  stream->data[stream->len - 1] = 0x00;   /* bad trailer: rescanned */
  collected_init (&c);
  feed_all (parser, stream->data, stream->len, &c);
  g_assert_cmpuint (c.bad, ==, 1);
  g_assert_cmpuint (c.breakins, ==, 0);
  /* A break-in byte sent afterwards still counts. */
  feed_all (parser, (const guint8 *) "b", 1, &c);
  g_assert_cmpuint (c.breakins, ==, 1);
  collected_clear (&c);
}

/* Real hosts leave the id and checksum of RESET/RESEND uninitialised. */
static void
test_control_garbage_fields (void)
{
  static const guint8 reset[] = {
    'i', 'i', 'i', 'i', 0x06, 0x00, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0x12, 0x34, 0x56, 0x78,
  };
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  Collected c;

  collected_init (&c);
  feed_all (parser, reset, sizeof reset, &c);
  g_assert_cmpuint (c.packets, ==, 1);
  g_assert_true (g_array_index (c.headers, KdhPacketHeader, 0).control);
  g_assert_cmpuint (g_array_index (c.headers, KdhPacketHeader, 0).type, ==, KDH_PACKET_TYPE_RESET);
  collected_clear (&c);
}

/* Random bytes, including random lengths and leaders: the parser must
 * never crash and never report a good packet whose checksum is wrong. */
static void
test_random_noise (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);

  for (guint i = 0; i < 2000; i++)
    {
      guint8 chunk[97];
      gsize len = g_rand_int_range (rand, 1, sizeof chunk);
      KdhParseEvent ev;

      for (gsize j = 0; j < len; j++)
        {
          guint r = g_rand_int_range (rand, 0, 10);
          chunk[j] = r < 3 ? 0x30 : r < 5 ? 0x69 : g_rand_int_range (rand, 0, 256);
        }
      kdh_packet_parser_feed (parser, chunk, len);
      while (kdh_packet_parser_next (parser, &ev))
        if (ev.kind == KDH_PARSE_PACKET && !ev.header.control)
          g_assert_cmpuint (kdh_packet_checksum (ev.payload, ev.payload_len), ==,
                            ev.header.checksum);
      if (g_rand_int_range (rand, 0, 20) == 0)
        kdh_packet_parser_abandon (parser, &ev);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kd/packet/ack-bytes", test_ack_bytes);
  g_test_add_func ("/kd/packet/reset-bytes", test_reset_bytes);
  g_test_add_func ("/kd/packet/get-version-bytes", test_get_version_bytes);
  g_test_add_func ("/kd/packet/two-part-checksum", test_two_part_checksum);
  g_test_add_func ("/kd/packet/fragmentation", test_fragmentation);
  g_test_add_func ("/kd/packet/extra-leader-bytes", test_extra_leader_bytes);
  g_test_add_func ("/kd/packet/false-leader-bad-type", test_false_leader_bad_type);
  g_test_add_func ("/kd/packet/false-leader-oversize", test_false_leader_oversize);
  g_test_add_func ("/kd/packet/length-limits", test_length_limits);
  g_test_add_func ("/kd/packet/bad-checksum", test_bad_checksum);
  g_test_add_func ("/kd/packet/every-truncation", test_every_truncation);
  g_test_add_func ("/kd/packet/abandon", test_abandon);
  g_test_add_func ("/kd/packet/control-garbage-fields", test_control_garbage_fields);
  g_test_add_func ("/kd/packet/no-breakin-from-failed-packet", test_no_breakin_from_failed_packet);
  g_test_add_func ("/kd/packet/random-noise", test_random_noise);
  return g_test_run ();
}
