/* fuzz-kdnet.c: libFuzzer harness for KDNET datagrams and the host's end
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a list of records (1 byte operation, 2 bytes length, the
 * bytes): raw datagrams from the target's machine or another one, pokes
 * and data datagrams the harness seals with the right keys around fuzzed
 * payloads (so that the fuzzer gets past the tag), the same with one byte
 * flipped, and KD bytes from the link. The harness plays the target: it
 * takes the host's responses as a target would and keys itself with them.
 *
 * Checks: what the host hands the link parses as whole KDCOM packets and
 * nothing else; a tampered datagram never gets through; everything the
 * host sends opens with the target's keys, is marked as the host's and
 * never repeats a sequence number; the counters add up; kdh_kdnet_open()
 * and the splitter accept anything.
 */
#include <string.h>

#include "kd/kdh-kdnet-host.h"
#include "kd/kdh-packet.h"
#include "kdh-fuzz.h"

#define KEY "fuzz.kdnet.k3y.42"

typedef struct {
  guint8 control[KDH_KDNET_KEY_SIZE];
  guint8 hmac[KDH_KDNET_KEY_SIZE];
  guint8 data_key[KDH_KDNET_KEY_SIZE];
  gboolean keyed;
  KdhKdnetPeer addr;
  KdhKdnetWindow rx;
  guint64 seq;
} Target;

static void
fixed_random (guint8  *buf,
              gsize    len,
              gpointer data)
{
  KdhFuzzRng *rng = data;

  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) kdh_fuzz_rng_next (rng);
}

/* What the host sent: each datagram must be for a known machine and open
 * with the keys that machine would hold. */
static void
check_output (KdhKdnetHost *host,
              Target       *target)
{
  KdhKdnetPeer to;
  GBytes *bytes;

  while (kdh_kdnet_host_pop_datagram (host, &to, &bytes))
    {
      gsize len;
      g_autofree guint8 *d = g_bytes_unref_to_data (bytes, &len);
      KdhKdnetDatagram out;
      KdhKdnetVerdict v;
      guint8 client_key[KDH_KDNET_SESSION_KEY_SIZE];

      if (!kdh_kdnet_peer_equal (&to, &target->addr))
        continue;      /* a host poke to the stranger */
      v = kdh_kdnet_open (d, len, target->control, target->keyed ? target->data_key : NULL,
                          target->hmac, &out);
      if (v == KDH_KDNET_BAD_TAG && d[5] == KDH_KDNET_CHANNEL_DATA)
        continue;      /* sent under a session the target has not taken up */
      g_assert_cmpint (v, ==, KDH_KDNET_OK);
      g_assert_true (out.from_host);
      if (out.channel == KDH_KDNET_CHANNEL_CONTROL
          && kdh_kdnet_response_parse (out.payload, out.payload_len, client_key))
        {
          kdh_kdnet_data_key (target->control, out.payload, target->data_key);
          target->keyed = TRUE;
          kdh_kdnet_window_reset (&target->rx);
        }
      else if (out.channel == KDH_KDNET_CHANNEL_DATA)
        {
          g_assert_true (kdh_kdnet_window_take (&target->rx, out.sequence));
          g_assert_cmpint (kdh_kdnet_kd_classify (out.payload, out.payload_len), !=,
                           KDH_KDNET_KD_MALFORMED);
        }
    }
}

/* The link's side: whole packets only; the checksum is the link's to
 * check (a target's bad sum gets the link's RESEND, as on a serial line). */
static void
check_stream (GByteArray *stream)
{
  g_autoptr (KdhPacketParser) parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE_LENIENT);
  KdhParseEvent ev;

  kdh_packet_parser_feed (parser, stream->data, stream->len);
  while (kdh_packet_parser_next (parser, &ev))
    g_assert_true (ev.kind == KDH_PARSE_PACKET
                   || (ev.kind == KDH_PARSE_BAD_PACKET && ev.fault == KDH_PACKET_FAULT_CHECKSUM));
  g_assert_false (kdh_packet_parser_in_packet (parser, NULL));
  g_assert_cmpuint (kdh_packet_parser_garbage (parser), ==, 0);
}

static void
fuzz_primitives (const guint8 *data,
                 gsize         len,
                 const Target *t)
{
  g_autofree guint8 *copy = g_memdup2 (data, len);
  KdhKdnetDatagram d;
  KdhKdnetSplitter sp;
  GBytes *unit;
  KdhKdnetPoke poke;
  guint8 key[KDH_KDNET_SESSION_KEY_SIZE];
  gsize taken = 0;

  if (kdh_kdnet_open (copy, len, t->control, t->control, t->hmac, &d) == KDH_KDNET_OK)
    g_assert_true (d.payload >= copy && d.payload + d.payload_len <= copy + len);
  kdh_kdnet_kd_classify (data, len);
  kdh_kdnet_poke_parse (data, len, &poke);
  kdh_kdnet_response_parse (data, len, key);

  kdh_kdnet_splitter_init (&sp);
  kdh_kdnet_splitter_feed (&sp, data, len);
  while ((unit = kdh_kdnet_splitter_next (&sp)) != NULL)
    {
      gsize n;
      const guint8 *p = g_bytes_get_data (unit, &n);

      g_assert_cmpint (kdh_kdnet_kd_classify (p, n), !=, KDH_KDNET_KD_MALFORMED);
      taken += n + (p[0] == KDH_PACKET_LEADER_BYTE);
      g_bytes_unref (unit);
    }
  g_assert_cmpuint (taken + sp.skipped + sp.pending->len, ==, len);
  kdh_kdnet_splitter_clear (&sp);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  KdhFuzzInput in = { data, size };
  KdhFuzzRng rng = { G_GUINT64_CONSTANT (0x4b444e4554) };
  g_autoptr (KdhKdnetHost) host = NULL;
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  Target target = { 0 };
  KdhKdnetPeer stranger = { { 0 }, 4242 };
  guint64 delivered = 0;
  gint64 now = 1;

  g_assert_true (kdh_kdnet_key_parse (KEY, target.control, NULL));
  kdh_kdnet_hmac_key (target.control, target.hmac);
  target.addr.address[15] = 1;
  target.addr.port = 50000;
  stranger.address[15] = 2;
  kdh_kdnet_window_reset (&target.rx);
  fuzz_primitives (data, size, &target);

  host = kdh_kdnet_host_new (target.control, NULL, 0, fixed_random, &rng);
  while (in.len > 0)
    {
      guint8 op = kdh_fuzz_take_u8 (&in);
      gsize len = kdh_fuzz_take_u8 (&in) | (gsize) kdh_fuzz_take_u8 (&in) << 8;
      g_autoptr (GByteArray) dgram = g_byte_array_new ();
      const KdhKdnetPeer *from = &target.addr;
      gsize before = stream->len;
      gboolean tampered = FALSE;

      len = MIN (len, in.len);
      now += 1000 * (op >> 4);
      switch (op & 0x07)
        {
        case 0:
          g_byte_array_append (dgram, in.data, (guint) len);
          break;
        case 1:
          {
            g_autoptr (GByteArray) body = g_byte_array_new ();
            KdhKdnetPoke poke = { { 0 }, 0 };

            memcpy (poke.client_key, in.data, MIN (len, sizeof poke.client_key));
            poke.host_port = (op & 0x08) ? 50000 : 0;
            kdh_kdnet_poke_build (body, &poke);
            kdh_kdnet_seal (dgram, 2, KDH_KDNET_CHANNEL_CONTROL, len, FALSE, body->data,
                            body->len, target.control, target.hmac);
          }
          break;
        case 2:
        case 5:
          kdh_kdnet_seal (dgram, 2, KDH_KDNET_CHANNEL_DATA, (op & 0x08) ? target.seq : ++target.seq,
                          FALSE, in.data, len, target.data_key, target.hmac);
          if ((op & 0x07) == 5)
            {
              gsize at = kdh_fuzz_rng_below (&rng, dgram->len);

              dgram->data[at] ^= (guint8) (1 + kdh_fuzz_rng_below (&rng, 255));
              tampered = TRUE;
            }
          break;
        case 3:
          kdh_kdnet_host_send (host, in.data, len);
          break;
        case 4:
          g_byte_array_append (dgram, in.data, (guint) len);
          from = &stranger;
          break;
        default:
          kdh_kdnet_host_poke (host, &target.addr, 2);
          break;
        }
      in.data += len;
      in.len -= len;
      if (dgram->len > 0 || (op & 0x07) == 0 || (op & 0x07) == 4)
        {
          kdh_kdnet_host_receive (host, dgram->data, dgram->len, from, now, stream);
          delivered++;
        }
      if (tampered)
        g_assert_cmpuint (stream->len, ==, before);
      check_output (host, &target);
    }

  check_stream (stream);
  {
    const KdhKdnetHostStats *stats = kdh_kdnet_host_get_stats (host);
    KdhKdnetHostEvent ev;

    g_assert_cmpuint (stats->datagrams_in, ==, delivered);
    g_assert_cmpuint (kdh_kdnet_host_stats_dropped (stats), <=, delivered);
    g_assert_cmpuint (stats->sessions, <=, stats->responses);
    while (kdh_kdnet_host_next_event (host, &ev))
      g_assert_cmpint (ev.kind, <=, KDH_KDNET_HOST_EVENT_WRONG_KEY);
  }
  return 0;
}
