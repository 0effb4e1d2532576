/* test-kdnet-host.c: the host's end of KDNET, without sockets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A scripted target built from kdh-kdnet.h's sealing talks to
 * KdhKdnetHost: the handshake, keepalives, a reboot, replays, strangers,
 * a wrong key and forged datagrams.
 */
#include <string.h>

#include "kd/kdh-kdnet-host.h"
#include "kd/kdh-packet.h"

#define KEY "1a2b3c.4d5e6f.7g8h9i.0j1k2l"
#define VERSION 2

typedef struct {
  guint8 control[KDH_KDNET_KEY_SIZE];
  guint8 hmac[KDH_KDNET_KEY_SIZE];
  guint8 data_key[KDH_KDNET_KEY_SIZE];
  guint8 client_key[KDH_KDNET_SESSION_KEY_SIZE];
  KdhKdnetPeer addr;
  guint64 control_seq;
  guint64 data_seq;
  gboolean have_session;
  KdhKdnetWindow rx;
} FakeTarget;

typedef struct {
  KdhKdnetHost *host;
  FakeTarget target;
  GByteArray *stream;          /* KD bytes the host gave the link */
  guint random_calls;
  gint64 now;
} Fixture;

static void
counting_random (guint8  *buf,
                 gsize    len,
                 gpointer data)
{
  Fixture *f = data;

  f->random_calls++;
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) (f->random_calls * 31 + i);
}

static void
peer_v4 (KdhKdnetPeer *p,
         guint8        last,
         guint16       port)
{
  memset (p, 0, sizeof *p);
  p->address[10] = 0xFF;
  p->address[11] = 0xFF;
  p->address[12] = 192;
  p->address[13] = 0;
  p->address[14] = 2;
  p->address[15] = last;
  p->port = port;
}

static void
target_init (FakeTarget *t,
             const gchar *key,
             guint8       client_byte)
{
  memset (t, 0, sizeof *t);
  g_assert_true (kdh_kdnet_key_parse (key, t->control, NULL));
  kdh_kdnet_hmac_key (t->control, t->hmac);
  memset (t->client_key, client_byte, sizeof t->client_key);
  peer_v4 (&t->addr, 5, 50000);
  t->control_seq = 100;
  kdh_kdnet_window_reset (&t->rx);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  guint8 key[KDH_KDNET_KEY_SIZE];

  g_assert_true (kdh_kdnet_key_parse (KEY, key, NULL));
  f->host = kdh_kdnet_host_new (key, NULL, 0, counting_random, f);
  f->stream = g_byte_array_new ();
  target_init (&f->target, KEY, 0x11);
  f->now = 1000000;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  kdh_kdnet_host_free (f->host);
  g_byte_array_unref (f->stream);
}

/* Hands @dgram to the host as if it came from @from. */
static void
deliver (Fixture            *f,
         GByteArray         *dgram,
         const KdhKdnetPeer *from)
{
  g_autofree guint8 *copy = g_memdup2 (dgram->data, dgram->len);

  f->now += 1000;
  kdh_kdnet_host_receive (f->host, copy, dgram->len, from, f->now, f->stream);
}

static void
send_poke (Fixture    *f,
           FakeTarget *t,
           guint16     host_port,
           guint64     sequence)
{
  g_autoptr (GByteArray) body = g_byte_array_new ();
  g_autoptr (GByteArray) dgram = g_byte_array_new ();
  KdhKdnetPoke poke;

  memcpy (poke.client_key, t->client_key, sizeof poke.client_key);
  poke.host_port = host_port;
  kdh_kdnet_poke_build (body, &poke);
  kdh_kdnet_seal (dgram, VERSION, KDH_KDNET_CHANNEL_CONTROL, sequence, FALSE, body->data,
                  body->len, t->control, t->hmac);
  deliver (f, dgram, &t->addr);
}

static void
send_data (Fixture      *f,
           FakeTarget   *t,
           const guint8 *payload,
           gsize         len)
{
  g_autoptr (GByteArray) dgram = g_byte_array_new ();

  kdh_kdnet_seal (dgram, VERSION, KDH_KDNET_CHANNEL_DATA, ++t->data_seq, FALSE, payload, len,
                  t->data_key, t->hmac);
  deliver (f, dgram, &t->addr);
}

/* Takes the datagrams the host sent: a response to @t, if any, becomes
 * its session; data datagrams' payloads go to @data (may be NULL).
 * Returns how many datagrams went to @t. */
static guint
collect (Fixture    *f,
         FakeTarget *t,
         GPtrArray  *data)
{
  KdhKdnetPeer to;
  GBytes *dgram;
  guint n = 0;

  while (kdh_kdnet_host_pop_datagram (f->host, &to, &dgram))
    {
      gsize len;
      g_autofree guint8 *buf = g_bytes_unref_to_data (dgram, &len);
      KdhKdnetDatagram d;
      guint8 echoed[KDH_KDNET_SESSION_KEY_SIZE];

      if (!kdh_kdnet_peer_equal (&to, &t->addr))
        continue;
      n++;
      g_assert_cmpint (kdh_kdnet_open (buf, len, t->control, t->have_session ? t->data_key : NULL,
                                       t->hmac, &d), ==, KDH_KDNET_OK);
      g_assert_true (d.from_host);
      g_assert_cmpuint (d.version, ==, VERSION);
      if (d.channel == KDH_KDNET_CHANNEL_CONTROL
          && kdh_kdnet_response_parse (d.payload, d.payload_len, echoed))
        {
          g_assert_cmpmem (echoed, sizeof echoed, t->client_key, sizeof t->client_key);
          kdh_kdnet_data_key (t->control, d.payload, t->data_key);
          t->have_session = TRUE;
          t->data_seq = 0;
          kdh_kdnet_window_reset (&t->rx);
        }
      else if (d.channel == KDH_KDNET_CHANNEL_DATA)
        {
          /* The host never repeats a sequence number. */
          g_assert_true (kdh_kdnet_window_take (&t->rx, d.sequence));
          if (data)
            g_ptr_array_add (data, g_bytes_new (d.payload, d.payload_len));
        }
    }
  return n;
}

static gboolean
pop_event (Fixture               *f,
           KdhKdnetHostEventKind  kind)
{
  KdhKdnetHostEvent ev;

  if (!kdh_kdnet_host_next_event (f->host, &ev))
    return FALSE;
  g_assert_cmpint (ev.kind, ==, kind);
  return TRUE;
}

/* A poke answered, and the target's first data datagram under the new
 * key (the 12-byte connection check kdnet sends at once). */
static void
handshake (Fixture *f)
{
  static const guint8 check[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x02, 0x00, 0xc0 };

  send_poke (f, &f->target, 0, ++f->target.control_seq);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 1);
  g_assert_true (f->target.have_session);
  g_assert_true (pop_event (f, KDH_KDNET_HOST_EVENT_SESSION));
  g_assert_true (kdh_kdnet_host_has_session (f->host));
  send_data (f, &f->target, check, sizeof check);
  g_assert_cmpuint (f->stream->len, ==, 0);
}

static GByteArray *
print_packet (guint32      id,
              const gchar *text)
{
  GByteArray *pkt = g_byte_array_new ();
  guint8 io[16] = { 0x30, 0x32 };

  io[12] = (guint8) strlen (text);
  kdh_packet_write_data (pkt, KDH_PACKET_TYPE_DEBUG_IO, id, io, sizeof io,
                         (const guint8 *) text, strlen (text));
  return pkt;     /* with its trailer, as the link expects it */
}

/* ---- Tests ------------------------------------------------------------- */

static void
test_handshake_and_data (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr (GByteArray) pkt = print_packet (0x926, "hi\n");
  g_autoptr (GByteArray) ack = g_byte_array_new ();
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  /* Nothing goes out before a target has poked. */
  kdh_kdnet_host_send (f->host, (const guint8 *) "b", 1);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 0);

  /* The connection check is no KD packet (handshake() sends it); a
   * print becomes KDCOM bytes, trailer included. */
  handshake (f);
  g_assert_cmpuint (f->random_calls, ==, 1);
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  g_assert_cmpmem (f->stream->data, f->stream->len, pkt->data, pkt->len);

  /* The link's ACK and a break-in go out as one datagram each. */
  kdh_packet_write_control (ack, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x926);
  g_byte_array_append (ack, (const guint8 *) "b", 1);
  kdh_kdnet_host_send (f->host, ack->data, ack->len);
  g_assert_cmpuint (collect (f, &f->target, sent), ==, 2);
  g_assert_cmpmem (g_bytes_get_data (sent->pdata[0], NULL), g_bytes_get_size (sent->pdata[0]),
                   ack->data, 16);
  g_assert_cmpuint (g_bytes_get_size (sent->pdata[1]), ==, 1);

  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->connection_checks, ==, 1);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->sessions, ==, 1);
  g_assert_cmpuint (kdh_kdnet_host_stats_dropped (kdh_kdnet_host_get_stats (f->host)), ==, 0);
}

static void
test_keepalive_not_answered (Fixture       *f,
                             gconstpointer  data)
{
  guint8 key_before[KDH_KDNET_KEY_SIZE];

  handshake (f);
  memcpy (key_before, f->target.data_key, sizeof key_before);
  /* A target with a session pokes on, naming its host's port: answering
   * would give it a new key under the running session. */
  for (guint i = 0; i < 5; i++)
    send_poke (f, &f->target, 50000, ++f->target.control_seq);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 0);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->keepalives, ==, 5);
  g_assert_false (pop_event (f, KDH_KDNET_HOST_EVENT_SESSION));
  g_assert_cmpmem (key_before, sizeof key_before, f->target.data_key, sizeof key_before);
}

static void
test_reboot_renegotiates (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr (GByteArray) before = print_packet (0x40, "before\n");
  g_autoptr (GByteArray) after = print_packet (0x0, "after\n");
  guint8 old_key[KDH_KDNET_KEY_SIZE];

  handshake (f);
  send_data (f, &f->target, before->data, before->len - 1);
  g_byte_array_set_size (f->stream, 0);
  memcpy (old_key, f->target.data_key, sizeof old_key);

  /* Rebooted: a new client key, no host port, numbering from the start. */
  memset (f->target.client_key, 0x22, sizeof f->target.client_key);
  f->target.have_session = FALSE;
  f->target.control_seq = 1;
  send_poke (f, &f->target, 0, f->target.control_seq);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 1);
  g_assert_true (f->target.have_session);
  g_assert_true (memcmp (old_key, f->target.data_key, sizeof old_key) != 0);
  /* Reported once the target uses the new session, not before. */
  g_assert_false (kdh_kdnet_host_next_event (f->host, &(KdhKdnetHostEvent){ 0 }));
  send_data (f, &f->target, after->data, after->len - 1);
  g_assert_true (pop_event (f, KDH_KDNET_HOST_EVENT_RESTARTED));
  g_assert_cmpmem (f->stream->data, f->stream->len, after->data, after->len);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->sessions, ==, 2);
}

/* A poke replayed from an old capture gets an answer (it is authentic),
 * but the target goes on with its session, which stays. */
static void
test_replayed_poke (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr (GByteArray) pkt = print_packet (0x10, "still here\n");
  FakeTarget replayer;

  handshake (f);
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  replayer = f->target;
  replayer.have_session = FALSE;
  send_poke (f, &replayer, 0, 3);      /* an old sequence number, no port */
  g_assert_cmpuint (collect (f, &replayer, NULL), ==, 1);
  g_byte_array_set_size (f->stream, 0);
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  g_assert_cmpmem (f->stream->data, f->stream->len, pkt->data, pkt->len);
  g_assert_false (kdh_kdnet_host_next_event (f->host, &(KdhKdnetHostEvent){ 0 }));
}

/* The answer is lost: the target keeps the session it had (with this
 * host before a .restart, so it names the same port) and pokes on. While
 * nothing came under the answer's key, a fresh poke is answered again, and
 * the target's data under the new key is read as the same session (no
 * restart reported); once used, keepalives are not answered (found by
 * test-engine-kdnet's .restart with 1 % of datagrams lost). */
static void
test_lost_answer_answered_again (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr (GByteArray) pkt = print_packet (0x10, "after restart\n");
  static const guint8 check[12] = { 0 };
  KdhKdnetPeer to;
  GBytes *lost;

  send_poke (f, &f->target, 50000, ++f->target.control_seq);
  g_assert_true (pop_event (f, KDH_KDNET_HOST_EVENT_SESSION));
  while (kdh_kdnet_host_pop_datagram (f->host, &to, &lost))
    g_bytes_unref (lost);
  /* The target goes on in its old session. */
  f->target.have_session = TRUE;
  memset (f->target.data_key, 0x77, sizeof f->target.data_key);
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  g_assert_cmpuint (f->stream->len, ==, 0);
  send_poke (f, &f->target, 50000, ++f->target.control_seq);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 1);
  send_data (f, &f->target, check, sizeof check);
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  g_assert_cmpmem (f->stream->data, f->stream->len, pkt->data, pkt->len);
  g_assert_false (kdh_kdnet_host_next_event (f->host, &(KdhKdnetHostEvent){ 0 }));
  /* In use now: its keepalives are not answered. */
  send_poke (f, &f->target, 50000, ++f->target.control_seq);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 0);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->responses, ==, 2);
}

/* A keepalive repeated or overtaken by the next one (a line that
 * duplicates and reorders datagrams) is not answered: the target would
 * take the answer as a new session, and the host would report a reboot
 * (found by test-engine-kdnet with 1 % duplicates and reordering). */
static void
test_stale_keepalive_not_answered (Fixture       *f,
                                   gconstpointer  data)
{
  guint64 first;

  handshake (f);
  first = ++f->target.control_seq;
  send_poke (f, &f->target, 50000, first);
  send_poke (f, &f->target, 50000, first);            /* duplicated */
  send_poke (f, &f->target, 50000, ++f->target.control_seq);
  send_poke (f, &f->target, 50000, first);            /* overtaken */
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 0);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->keepalives, ==, 2);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->stale, ==, 2);
  g_assert_false (kdh_kdnet_host_next_event (f->host, &(KdhKdnetHostEvent){ 0 }));
}

/* Pokes with the key from another port of the target's machine, numbered
 * far ahead, must not make the target's own next keepalive look like a
 * fresh start (found by test-engine-kdnet's flood). */
static void
test_other_port_pokes (Fixture       *f,
                       gconstpointer  data)
{
  FakeTarget other;

  handshake (f);
  send_poke (f, &f->target, 50000, ++f->target.control_seq);
  other = f->target;
  other.have_session = FALSE;
  other.addr.port = 40000;
  memset (other.client_key, 0x55, sizeof other.client_key);
  send_poke (f, &other, 0, 5000);
  g_assert_cmpuint (collect (f, &other, NULL), ==, 1);   /* answered, unused */
  send_poke (f, &f->target, 50000, ++f->target.control_seq);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 0);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->keepalives, ==, 2);
}

static void
test_stranger_ignored (Fixture       *f,
                       gconstpointer  data)
{
  FakeTarget stranger;

  handshake (f);
  target_init (&stranger, KEY, 0x33);
  peer_v4 (&stranger.addr, 77, 50000);
  send_poke (f, &stranger, 0, 1);
  g_assert_cmpuint (collect (f, &stranger, NULL), ==, 0);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->foreign, ==, 1);
  g_assert_cmpmem (kdh_kdnet_host_get_peer (f->host), sizeof (KdhKdnetPeer), &f->target.addr,
                   sizeof (KdhKdnetPeer));
}

static void
test_only_target (Fixture       *f,
                  gconstpointer  data)
{
  guint8 key[KDH_KDNET_KEY_SIZE];
  KdhKdnetPeer only[2];

  kdh_kdnet_host_free (f->host);
  g_assert_true (kdh_kdnet_key_parse (KEY, key, NULL));
  /* A name with two addresses: either will do. */
  peer_v4 (&only[0], 8, 0);
  peer_v4 (&only[1], 9, 0);
  f->host = kdh_kdnet_host_new (key, only, 2, counting_random, f);
  send_poke (f, &f->target, 0, 1);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 0);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->foreign, ==, 1);
  peer_v4 (&f->target.addr, 9, 50000);
  send_poke (f, &f->target, 0, 2);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 1);
}

static void
test_wrong_key (Fixture       *f,
                gconstpointer  data)
{
  FakeTarget other;

  target_init (&other, "1.2.3.4", 0x44);
  send_poke (f, &other, 0, 1);
  /* One could be a damaged datagram. */
  g_assert_false (kdh_kdnet_host_next_event (f->host, &(KdhKdnetHostEvent){ 0 }));
  send_poke (f, &other, 0, 2);
  g_assert_true (pop_event (f, KDH_KDNET_HOST_EVENT_WRONG_KEY));
  send_poke (f, &other, 0, 3);
  g_assert_false (kdh_kdnet_host_next_event (f->host, &(KdhKdnetHostEvent){ 0 }));
  g_assert_cmpuint (collect (f, &other, NULL), ==, 0);
  g_assert_false (kdh_kdnet_host_has_session (f->host));
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->rejected[KDH_KDNET_BAD_TAG], ==, 3);
}

static void
test_stale_and_forged (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr (GByteArray) pkt = print_packet (0x10, "once\n");
  g_autoptr (GByteArray) dgram = g_byte_array_new ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  const KdhKdnetHostStats *stats;
  FakeTarget forger;

  handshake (f);
  kdh_kdnet_seal (dgram, VERSION, KDH_KDNET_CHANNEL_DATA, 10, FALSE, pkt->data, pkt->len - 1,
                  f->target.data_key, f->target.hmac);
  deliver (f, dgram, &f->target.addr);
  deliver (f, dgram, &f->target.addr);     /* repeated: stale */
  g_assert_cmpmem (f->stream->data, f->stream->len, pkt->data, pkt->len);

  /* Random bytes, "MDBG" with random bodies, the right key but the wrong
   * direction, a data datagram under the control key. */
  forger = f->target;
  memcpy (forger.data_key, forger.control, sizeof forger.data_key);
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr (GByteArray) junk = g_byte_array_new ();
      guint len = (guint) g_rand_int_range (rand, 0, 200);

      for (guint j = 0; j < len; j++)
        {
          guint8 b = (guint8) g_rand_int_range (rand, 0, 256);

          g_byte_array_append (junk, &b, 1);
        }
      if (i % 2 && junk->len >= 6)
        memcpy (junk->data, "MDBG\x02\x00", 6);
      deliver (f, junk, &f->target.addr);
    }
  g_byte_array_set_size (dgram, 0);
  kdh_kdnet_seal (dgram, VERSION, KDH_KDNET_CHANNEL_DATA, 11, TRUE, pkt->data, pkt->len - 1,
                  f->target.data_key, f->target.hmac);
  deliver (f, dgram, &f->target.addr);
  send_data (f, &forger, pkt->data, pkt->len - 1);

  stats = kdh_kdnet_host_get_stats (f->host);
  g_assert_cmpuint (stats->stale, ==, 1);
  g_assert_cmpuint (stats->wrong_direction, ==, 1);
  g_assert_cmpuint (kdh_kdnet_host_stats_dropped (stats), ==, 1 + 1000 + 1 + 1);
  /* The handshake's poke and connection check, the print twice, ... */
  g_assert_cmpuint (stats->datagrams_in, ==, 2 + 2 + 1000 + 1 + 1);
  /* Nothing of it reached the link, and the session is the same. */
  g_assert_cmpuint (f->stream->len, ==, pkt->len);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 0);
  g_assert_cmpuint (stats->sessions, ==, 1);
}

static void
test_data_before_session (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr (GByteArray) pkt = print_packet (0x10, "old session\n");
  guint8 stale_key[KDH_KDNET_KEY_SIZE];

  /* A target with a session from before (a .restart): the host cannot
   * read it, and asks for a poke, at most every half second. */
  memset (stale_key, 0x99, sizeof stale_key);
  memcpy (f->target.data_key, stale_key, sizeof stale_key);
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 1);
  f->now += 600000;
  send_data (f, &f->target, pkt->data, pkt->len - 1);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 1);
  g_assert_cmpuint (kdh_kdnet_host_get_stats (f->host)->rejected[KDH_KDNET_NO_KEY], ==, 3);
  /* Its keepalive is answered: the host has no session to protect. */
  send_poke (f, &f->target, 50000, 500);
  g_assert_cmpuint (collect (f, &f->target, NULL), ==, 1);
  g_assert_true (pop_event (f, KDH_KDNET_HOST_EVENT_SESSION));
}

static void
test_peer_to_string (void)
{
  KdhKdnetPeer p;
  g_autofree gchar *v4 = NULL;
  g_autofree gchar *v6 = NULL;

  peer_v4 (&p, 5, 50000);
  v4 = kdh_kdnet_peer_to_string (&p);
  g_assert_cmpstr (v4, ==, "192.0.2.5:50000");
  memset (&p, 0, sizeof p);
  p.address[0] = 0x20;
  p.address[1] = 0x01;
  p.address[2] = 0x0d;
  p.address[3] = 0xb8;
  p.address[15] = 5;
  p.port = 50001;
  v6 = kdh_kdnet_peer_to_string (&p);
  g_assert_cmpstr (v6, ==, "[2001:db8::5]:50001");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/kdnet-host/handshake-and-data", test_handshake_and_data);
  ADD ("/kdnet-host/keepalive-not-answered", test_keepalive_not_answered);
  ADD ("/kdnet-host/lost-answer-answered-again", test_lost_answer_answered_again);
  ADD ("/kdnet-host/stale-keepalive-not-answered", test_stale_keepalive_not_answered);
  ADD ("/kdnet-host/reboot-renegotiates", test_reboot_renegotiates);
  ADD ("/kdnet-host/replayed-poke", test_replayed_poke);
  ADD ("/kdnet-host/other-port-pokes", test_other_port_pokes);
  ADD ("/kdnet-host/stranger-ignored", test_stranger_ignored);
  ADD ("/kdnet-host/only-target", test_only_target);
  ADD ("/kdnet-host/wrong-key", test_wrong_key);
  ADD ("/kdnet-host/stale-and-forged", test_stale_and_forged);
  ADD ("/kdnet-host/data-before-session", test_data_before_session);
#undef ADD
  g_test_add_func ("/kdnet-host/peer-to-string", test_peer_to_string);
  return g_test_run ();
}
