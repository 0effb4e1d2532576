/* test-kdnet.c: KDNET keys, datagrams and the data channel's framing
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The known answers come from tests/kdnet-vectors.py, which computes them
 * with Python's hashlib and hmac and python3-cryptography's AES (OpenSSL),
 * not with the GHmac and nettle that kdhost uses.
 */
#include <string.h>

#include <nettle/aes.h>
#include <nettle/cbc.h>

#include "kd/kdh-kdnet.h"
#include "kd/kdh-packet.h"

static GHashTable *vectors;   /* name -> value, from kdnet-vectors.py */

static void
load_vectors (void)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "kdnet-vectors.py", NULL);
  const gchar *argv[] = { "python3", script, NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto (GStrv) lines = NULL;
  gint status = 0;
  g_autoptr (GError) error = NULL;

  vectors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    g_error ("cannot run %s: %s", script, error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s", script, error->message, err);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const gchar *eq = strchr (lines[i], '=');

      if (eq)
        g_hash_table_insert (vectors, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  g_assert_cmpuint (g_hash_table_size (vectors), >=, 20);
}

static const gchar *
vec (const gchar *name)
{
  const gchar *v = g_hash_table_lookup (vectors, name);

  if (v == NULL)
    g_error ("kdnet-vectors.py gave no %s", name);
  return v;
}

static GBytes *
vec_bytes (const gchar *name)
{
  const gchar *hex = vec (name);
  gsize len = strlen (hex) / 2;
  guint8 *data = g_malloc (len);

  g_assert_cmpuint (strlen (hex) % 2, ==, 0);
  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4
                        | g_ascii_xdigit_value (hex[2 * i + 1]));
  return g_bytes_new_take (data, len);
}

static guint64
vec_u64 (const gchar *name)
{
  return g_ascii_strtoull (vec (name), NULL, 10);
}

static void
assert_bytes (const guint8 *data,
              gsize         len,
              GBytes       *expected)
{
  gsize elen;
  const guint8 *edata = g_bytes_get_data (expected, &elen);

  g_assert_cmpmem (data, len, edata, elen);
}

static void
session_keys (guint8 control[KDH_KDNET_KEY_SIZE],
              guint8 hmac[KDH_KDNET_KEY_SIZE])
{
  g_assert_true (kdh_kdnet_key_parse (vec ("session.key"), control, NULL));
  kdh_kdnet_hmac_key (control, hmac);
}

/* ---- Known answers ----------------------------------------------------- */

static void
test_kat_keys (void)
{
  for (guint i = 0; i < 3; i++)
    {
      g_autofree gchar *tname = g_strdup_printf ("key%u.text", i);
      g_autofree gchar *cname = g_strdup_printf ("key%u.control", i);
      g_autofree gchar *hname = g_strdup_printf ("key%u.hmac", i);
      g_autoptr (GBytes) control = vec_bytes (cname);
      g_autoptr (GBytes) hmac = vec_bytes (hname);
      g_autoptr (GError) error = NULL;
      g_autofree gchar *canonical = NULL;
      g_autofree gchar *lower = g_ascii_strdown (vec (tname), -1);
      guint8 key[KDH_KDNET_KEY_SIZE];
      guint8 hkey[KDH_KDNET_KEY_SIZE];

      g_assert_true (kdh_kdnet_key_parse (vec (tname), key, &error));
      g_assert_no_error (error);
      assert_bytes (key, sizeof key, control);
      kdh_kdnet_hmac_key (key, hkey);
      assert_bytes (hkey, sizeof hkey, hmac);
      canonical = kdh_kdnet_key_format (key);
      g_assert_cmpstr (canonical, ==, lower);
    }
}

static void
test_kat_handshake (void)
{
  guint8 control[KDH_KDNET_KEY_SIZE], hmac[KDH_KDNET_KEY_SIZE], data_key[KDH_KDNET_KEY_SIZE];
  guint8 response[KDH_KDNET_RESPONSE_SIZE];
  g_autoptr (GBytes) poke_dgram = vec_bytes ("poke.datagram");
  g_autoptr (GBytes) client_key = vec_bytes ("poke.client_key");
  g_autoptr (GBytes) host_key = vec_bytes ("response.host_key");
  g_autoptr (GBytes) response_dgram = vec_bytes ("response.datagram");
  g_autoptr (GBytes) expected_data_key = vec_bytes ("data.key");
  g_autoptr (GByteArray) sealed = g_byte_array_new ();
  g_autoptr (GByteArray) poke = g_byte_array_new ();
  g_autofree guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (poke_dgram), &(gsize){ 0 });
  KdhKdnetDatagram d;
  KdhKdnetPoke parsed, mine = { { 0 }, 0 };

  session_keys (control, hmac);

  /* The target's poke opens with the control key and carries its key. */
  g_assert_cmpint (kdh_kdnet_open (copy, g_bytes_get_size (poke_dgram), control, NULL, hmac, &d),
                   ==, KDH_KDNET_OK);
  g_assert_cmpuint (d.channel, ==, KDH_KDNET_CHANNEL_CONTROL);
  g_assert_cmpuint (d.version, ==, 2);
  g_assert_cmpuint (d.sequence, ==, vec_u64 ("poke.sequence"));
  g_assert_false (d.from_host);
  g_assert_cmpuint (d.payload_len, ==, KDH_KDNET_POKE_SIZE);
  g_assert_true (kdh_kdnet_poke_parse (d.payload, d.payload_len, &parsed));
  assert_bytes (parsed.client_key, sizeof parsed.client_key, client_key);
  g_assert_cmpuint (parsed.host_port, ==, 0);

  /* ... and ours seals to the same bytes. */
  memcpy (mine.client_key, g_bytes_get_data (client_key, NULL), sizeof mine.client_key);
  kdh_kdnet_poke_build (poke, &mine);
  kdh_kdnet_seal (sealed, 2, KDH_KDNET_CHANNEL_CONTROL, vec_u64 ("poke.sequence"), FALSE,
                  poke->data, poke->len, control, hmac);
  assert_bytes (sealed->data, sealed->len, poke_dgram);

  /* The host's response, and the data key both sides derive from it. */
  kdh_kdnet_response_build (response, g_bytes_get_data (client_key, NULL),
                            g_bytes_get_data (host_key, NULL));
  g_byte_array_set_size (sealed, 0);
  kdh_kdnet_seal (sealed, 2, KDH_KDNET_CHANNEL_CONTROL, vec_u64 ("poke.sequence"), TRUE,
                  response, sizeof response, control, hmac);
  assert_bytes (sealed->data, sealed->len, response_dgram);
  kdh_kdnet_data_key (control, response, data_key);
  assert_bytes (data_key, sizeof data_key, expected_data_key);
}

/* Seals @payload and checks it against @dgram_name; opens the known
 * datagram and checks its payload. */
static void
check_data_datagram (const gchar *prefix,
                     gboolean     from_host)
{
  guint8 control[KDH_KDNET_KEY_SIZE], hmac[KDH_KDNET_KEY_SIZE];
  g_autofree gchar *pname = g_strconcat (prefix, ".payload", NULL);
  g_autofree gchar *sname = g_strconcat (prefix, ".sequence", NULL);
  g_autofree gchar *dname = g_strconcat (prefix, ".datagram", NULL);
  g_autoptr (GBytes) payload = vec_bytes (pname);
  g_autoptr (GBytes) dgram = vec_bytes (dname);
  g_autoptr (GBytes) data_key = vec_bytes ("data.key");
  g_autoptr (GByteArray) sealed = g_byte_array_new ();
  gsize len;
  g_autofree guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (dgram), &len);
  KdhKdnetDatagram d;

  session_keys (control, hmac);
  kdh_kdnet_seal (sealed, 2, KDH_KDNET_CHANNEL_DATA, vec_u64 (sname), from_host,
                  g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                  g_bytes_get_data (data_key, NULL), hmac);
  assert_bytes (sealed->data, sealed->len, dgram);

  g_assert_cmpint (kdh_kdnet_open (copy, len, control, g_bytes_get_data (data_key, NULL), hmac, &d),
                   ==, KDH_KDNET_OK);
  g_assert_cmpuint (d.channel, ==, KDH_KDNET_CHANNEL_DATA);
  g_assert_cmpuint (d.sequence, ==, vec_u64 (sname));
  g_assert_cmpint (d.from_host, ==, from_host);
  assert_bytes (d.payload, d.payload_len, payload);
  g_assert_cmpint (kdh_kdnet_kd_classify (d.payload, d.payload_len), ==, KDH_KDNET_KD_PACKET);
  /* The control key does not open a data datagram. */
  g_free (copy);
  copy = g_bytes_unref_to_data (g_bytes_ref (dgram), &len);
  g_assert_cmpint (kdh_kdnet_open (copy, len, control, control, hmac, &d), ==, KDH_KDNET_BAD_TAG);
}

static void
test_kat_host_datagram (void)
{
  check_data_datagram ("host", TRUE);
}

static void
test_kat_target_datagram (void)
{
  check_data_datagram ("target", FALSE);
}

static void
test_kat_breakin (void)
{
  guint8 control[KDH_KDNET_KEY_SIZE], hmac[KDH_KDNET_KEY_SIZE];
  static const guint8 breakin = KDH_BREAKIN_BYTE;
  g_autoptr (GBytes) data_key = vec_bytes ("data.key");
  g_autoptr (GBytes) dgram = vec_bytes ("breakin.datagram");
  g_autoptr (GByteArray) sealed = g_byte_array_new ();

  session_keys (control, hmac);
  kdh_kdnet_seal (sealed, 2, KDH_KDNET_CHANNEL_DATA, 2, TRUE, &breakin, 1,
                  g_bytes_get_data (data_key, NULL), hmac);
  assert_bytes (sealed->data, sealed->len, dgram);
  g_assert_cmpuint (sealed->len, ==, KDH_KDNET_MIN_DATAGRAM);
}

/* ---- Keys -------------------------------------------------------------- */

static void
test_key_errors (void)
{
  static const struct {
    const gchar *text;
    const gchar *says;
  } cases[] = {
    { "1.2.3", "bad KDNET key '1.2.3': it has fewer than four parts" },
    { "1.2.3.4.5", "it has more than four parts" },
    { "1..3.4", "bad KDNET key '1..3.4': part 2 is empty" },
    { "1.2.3.!", "part 4 has '!', which is not a base-36 digit" },
    { "1.2.3.3w5e11264sgsg", "part 4 is larger than 64 bits" },
    { "12345678901234.1.1.1", "part 1 has 14 characters" },
    { "", "fewer than four parts" },
    { "1.2.\xc3\xa9.4", "part 3 has '\xc3\xa9', which is not a base-36 digit" },
    { "1.2.\xc3.4", "part 3 has '\\xc3'" },
  };
  guint8 key[KDH_KDNET_KEY_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      memset (key, 0xEE, sizeof key);
      g_assert_false (kdh_kdnet_key_parse (cases[i].text, key, &error));
      g_assert_error (error, KDH_KDNET_ERROR, KDH_KDNET_ERROR_BAD_KEY);
      if (strstr (error->message, cases[i].says) == NULL)
        g_error ("'%s': message '%s' does not say '%s'", cases[i].text, error->message,
                 cases[i].says);
      /* Nothing written on failure. */
      g_assert_cmpuint (key[0], ==, 0xEE);
    }
}

static void
test_key_format_round_trip (void)
{
  guint8 key[KDH_KDNET_KEY_SIZE], again[KDH_KDNET_KEY_SIZE];
  g_autoptr (GRand) rand = g_rand_new_with_seed (15);

  for (guint n = 0; n < 200; n++)
    {
      g_autofree gchar *text = NULL;
      g_auto (GStrv) words = NULL;

      for (guint i = 0; i < sizeof key; i++)
        key[i] = (guint8) g_rand_int_range (rand, 0, 256);
      if (n == 0)
        memset (key, 0, sizeof key);
      if (n == 1)
        memset (key, 0xFF, sizeof key);
      text = kdh_kdnet_key_format (key);
      words = g_strsplit (text, ".", -1);
      g_assert_cmpuint (g_strv_length (words), ==, 4);
      for (guint i = 0; i < 4; i++)
        g_assert_cmpuint (strlen (words[i]), <=, 13);
      g_assert_true (kdh_kdnet_key_parse (text, again, NULL));
      g_assert_cmpmem (key, sizeof key, again, sizeof again);
    }
}

/* ---- Datagrams the parser must refuse ---------------------------------- */

static GByteArray *
sealed_datagram (guint8       channel,
                 const guint8 key[KDH_KDNET_KEY_SIZE],
                 const guint8 hmac[KDH_KDNET_KEY_SIZE])
{
  GByteArray *out = g_byte_array_new ();
  static const guint8 payload[] = "a payload of some length";

  kdh_kdnet_seal (out, 6, channel, 77, FALSE, payload, sizeof payload, key, hmac);
  return out;
}

static KdhKdnetVerdict
open_copy (const GByteArray *dgram,
           gsize             len,
           const guint8     *control,
           const guint8     *data_key,
           const guint8     *hmac)
{
  g_autofree guint8 *copy = g_memdup2 (dgram->data, dgram->len);
  KdhKdnetDatagram d;

  return kdh_kdnet_open (copy, len, control, data_key, hmac, &d);
}

static void
test_open_refuses (void)
{
  guint8 control[KDH_KDNET_KEY_SIZE], hmac[KDH_KDNET_KEY_SIZE], data_key[KDH_KDNET_KEY_SIZE];
  g_autoptr (GByteArray) ctl = NULL;
  g_autoptr (GByteArray) dat = NULL;

  session_keys (control, hmac);
  memset (data_key, 0x5A, sizeof data_key);
  ctl = sealed_datagram (KDH_KDNET_CHANNEL_CONTROL, control, hmac);
  dat = sealed_datagram (KDH_KDNET_CHANNEL_DATA, data_key, hmac);

  g_assert_cmpint (open_copy (ctl, ctl->len, control, NULL, hmac), ==, KDH_KDNET_OK);
  g_assert_cmpint (open_copy (dat, dat->len, control, data_key, hmac), ==, KDH_KDNET_OK);
  /* Data before a session, and under the wrong key. */
  g_assert_cmpint (open_copy (dat, dat->len, control, NULL, hmac), ==, KDH_KDNET_NO_KEY);
  g_assert_cmpint (open_copy (dat, dat->len, control, control, hmac), ==, KDH_KDNET_BAD_TAG);
  /* Cut short, cut by a block, one byte more, far too short. */
  g_assert_cmpint (open_copy (ctl, ctl->len - 1, control, NULL, hmac), ==, KDH_KDNET_BAD_LENGTH);
  g_assert_cmpint (open_copy (ctl, ctl->len - 16, control, NULL, hmac), ==, KDH_KDNET_BAD_TAG);
  g_assert_cmpint (open_copy (ctl, 20, control, NULL, hmac), ==, KDH_KDNET_BAD_LENGTH);
  g_assert_cmpint (open_copy (ctl, 0, control, NULL, hmac), ==, KDH_KDNET_BAD_LENGTH);
  /* Every single flipped bit after the signature is caught by the tag
   * (the channel byte by the channel check or the other key). */
  for (guint i = 0; i < ctl->len; i++)
    for (guint bit = 0; bit < 8; bit++)
      {
        g_autoptr (GByteArray) bad = g_byte_array_new ();
        KdhKdnetVerdict v;

        g_byte_array_append (bad, ctl->data, ctl->len);
        bad->data[i] ^= (guint8) (1u << bit);
        v = open_copy (bad, bad->len, control, data_key, hmac);
        if (i < 4)
          g_assert_cmpint (v, ==, KDH_KDNET_BAD_SIGNATURE);
        else if (i == 5 && bit > 0)
          g_assert_cmpint (v, ==, KDH_KDNET_BAD_CHANNEL);
        else
          g_assert_cmpint (v, ==, KDH_KDNET_BAD_TAG);
      }
}

/* A datagram whose tag is right but whose pad length runs past its body:
 * built by hand (HMAC, then AES-CBC with the tag as IV). */
static void
test_open_bad_padding (void)
{
  guint8 control[KDH_KDNET_KEY_SIZE], hmac[KDH_KDNET_KEY_SIZE];
  guint8 d[KDH_KDNET_MIN_DATAGRAM] = { 'M', 'D', 'B', 'G', 6, KDH_KDNET_CHANNEL_CONTROL };
  guint8 digest[32], iv[16];
  gsize dlen = sizeof digest;
  g_autoptr (GHmac) mac = NULL;
  struct aes256_ctx aes;
  KdhKdnetDatagram out;

  session_keys (control, hmac);
  d[13] = 0x0F;    /* sequence 0, from the target, 15 pad bytes: only 8 fit */
  mac = g_hmac_new (G_CHECKSUM_SHA256, hmac, sizeof hmac);
  g_hmac_update (mac, d, 22);
  g_hmac_get_digest (mac, digest, &dlen);
  memcpy (d + 22, digest, 16);
  memcpy (iv, digest, 16);
  aes256_set_encrypt_key (&aes, control);
  cbc_encrypt (&aes, (nettle_cipher_func *) aes256_encrypt, 16, iv, 16, d + 6, d + 6);
  g_assert_cmpint (kdh_kdnet_open (d, sizeof d, control, NULL, hmac, &out), ==,
                   KDH_KDNET_BAD_LENGTH);
}

static void
test_window (void)
{
  KdhKdnetWindow w;

  kdh_kdnet_window_reset (&w);
  g_assert_true (kdh_kdnet_window_take (&w, 5));
  g_assert_false (kdh_kdnet_window_take (&w, 5));    /* a repeat */
  g_assert_false (kdh_kdnet_window_take (&w, 4));    /* overtaken */
  g_assert_true (kdh_kdnet_window_take (&w, 9));     /* gaps are fine */
  g_assert_false (kdh_kdnet_window_take (&w, 6));
  kdh_kdnet_window_reset (&w);
  g_assert_true (kdh_kdnet_window_take (&w, 0));     /* a new session starts anywhere */
  g_assert_false (kdh_kdnet_window_take (&w, 0));
}

/* ---- The data channel -------------------------------------------------- */

static void
test_classify (void)
{
  g_autoptr (GByteArray) pkt = g_byte_array_new ();
  static const guint8 data[] = { 1, 2, 3 };
  static const guint8 check[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0x00, 0xa8, 0xc0 };
  static const guint8 breakin = KDH_BREAKIN_BYTE;

  kdh_packet_write_data (pkt, KDH_PACKET_TYPE_DEBUG_IO, 7, data, 3, NULL, 0);
  /* With its trailer it is not whole as KDNET carries it. */
  g_assert_cmpint (kdh_kdnet_kd_classify (pkt->data, pkt->len), ==, KDH_KDNET_KD_MALFORMED);
  g_assert_cmpint (kdh_kdnet_kd_classify (pkt->data, pkt->len - 1), ==, KDH_KDNET_KD_PACKET);
  g_assert_cmpint (kdh_kdnet_kd_classify (pkt->data, pkt->len - 2), ==, KDH_KDNET_KD_MALFORMED);
  g_byte_array_set_size (pkt, 0);
  kdh_packet_write_control (pkt, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80000000);
  g_assert_cmpint (kdh_kdnet_kd_classify (pkt->data, pkt->len), ==, KDH_KDNET_KD_PACKET);
  g_assert_cmpint (kdh_kdnet_kd_classify (pkt->data, 15), ==, KDH_KDNET_KD_MALFORMED);
  g_assert_cmpint (kdh_kdnet_kd_classify (check, sizeof check), ==,
                   KDH_KDNET_KD_CONNECTION_CHECK);
  g_assert_cmpint (kdh_kdnet_kd_classify (&breakin, 1), ==, KDH_KDNET_KD_BREAKIN);
  g_assert_cmpint (kdh_kdnet_kd_classify (data, 3), ==, KDH_KDNET_KD_MALFORMED);
}

static void
test_splitter (void)
{
  static const guint8 data[] = "hello";
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  KdhKdnetSplitter sp;
  GBytes *unit;
  gsize first_len;

  kdh_packet_write_data (stream, KDH_PACKET_TYPE_DEBUG_IO, 0x80000000, data, 5, NULL, 0);
  first_len = stream->len;
  g_byte_array_append (stream, (const guint8 *) "b", 1);
  kdh_packet_write_control (stream, KDH_PACKET_TYPE_RESET, 0x80000000);
  g_byte_array_append (stream, (const guint8 *) "zz", 2);   /* not ours: skipped */
  kdh_packet_write_control (stream, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x926);

  /* Fed one byte at a time: a packet comes out only when it is whole. */
  kdh_kdnet_splitter_init (&sp);
  for (guint i = 0; i < first_len - 1; i++)
    {
      kdh_kdnet_splitter_feed (&sp, stream->data + i, 1);
      g_assert_null (kdh_kdnet_splitter_next (&sp));
    }
  kdh_kdnet_splitter_feed (&sp, stream->data + first_len - 1, stream->len - first_len + 1);
  unit = kdh_kdnet_splitter_next (&sp);
  g_assert_cmpmem (g_bytes_get_data (unit, NULL), g_bytes_get_size (unit), stream->data,
                   first_len - 1);
  g_bytes_unref (unit);
  unit = kdh_kdnet_splitter_next (&sp);
  g_assert_cmpuint (g_bytes_get_size (unit), ==, 1);
  g_bytes_unref (unit);
  unit = kdh_kdnet_splitter_next (&sp);
  g_assert_cmpmem (g_bytes_get_data (unit, NULL), g_bytes_get_size (unit),
                   stream->data + first_len + 1, 16);
  g_bytes_unref (unit);
  unit = kdh_kdnet_splitter_next (&sp);
  g_assert_cmpmem (g_bytes_get_data (unit, NULL), g_bytes_get_size (unit),
                   stream->data + first_len + 19, 16);
  g_bytes_unref (unit);
  g_assert_null (kdh_kdnet_splitter_next (&sp));
  g_assert_cmpuint (sp.skipped, ==, 2);
  kdh_kdnet_splitter_clear (&sp);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  load_vectors ();

  g_test_add_func ("/kdnet/known-answer/keys", test_kat_keys);
  g_test_add_func ("/kdnet/known-answer/handshake", test_kat_handshake);
  g_test_add_func ("/kdnet/known-answer/host-datagram", test_kat_host_datagram);
  g_test_add_func ("/kdnet/known-answer/target-datagram", test_kat_target_datagram);
  g_test_add_func ("/kdnet/known-answer/breakin", test_kat_breakin);
  g_test_add_func ("/kdnet/key/errors", test_key_errors);
  g_test_add_func ("/kdnet/key/format-round-trip", test_key_format_round_trip);
  g_test_add_func ("/kdnet/open/refuses", test_open_refuses);
  g_test_add_func ("/kdnet/open/bad-padding", test_open_bad_padding);
  g_test_add_func ("/kdnet/window", test_window);
  g_test_add_func ("/kdnet/classify", test_classify);
  g_test_add_func ("/kdnet/splitter", test_splitter);

  {
    int ret = g_test_run ();

    g_hash_table_unref (vectors);
    return ret;
  }
}
