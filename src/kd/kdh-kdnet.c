/* kdh-kdnet.c: KDNET datagrams and keys
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-kdnet.h"

#include <string.h>

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/hmac.h>

#include "common/kdh-le.h"
#include "kdh-packet.h"

G_DEFINE_QUARK (kdh-kdnet-error-quark, kdh_kdnet_error)

#define BASE36_MAX_DIGITS 13

static const gchar base36_digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* ---- Keys -------------------------------------------------------------- */

static gboolean
parse_word (const gchar  *word,
            gsize         len,
            guint         index,
            const gchar  *whole,
            guint64      *value,
            GError      **error)
{
  guint64 v = 0;

  if (len == 0)
    {
      g_set_error (error, KDH_KDNET_ERROR, KDH_KDNET_ERROR_BAD_KEY,
                   "bad KDNET key '%s': part %u is empty", whole, index + 1);
      return FALSE;
    }
  if (len > BASE36_MAX_DIGITS)
    {
      g_set_error (error, KDH_KDNET_ERROR, KDH_KDNET_ERROR_BAD_KEY,
                   "bad KDNET key '%s': part %u has %" G_GSIZE_FORMAT " characters, "
                   "at most 13 fit in 64 bits", whole, index + 1, len);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      gint digit = g_ascii_digit_value (word[i]);

      if (digit < 0 && g_ascii_isalpha (word[i]))
        digit = 10 + g_ascii_tolower (word[i]) - 'a';
      if (digit < 0)
        {
          /* The whole character, so that a message about UTF-8 text is
           * UTF-8 too (found by fuzz-connection-string). */
          gunichar c = g_utf8_get_char_validated (word + i, (gssize) (len - i));
          gchar shown[8] = { 0 };

          if ((guchar) word[i] < 0x80)
            shown[0] = word[i];
          else if (c == (gunichar) -1 || c == (gunichar) -2)
            g_snprintf (shown, sizeof shown, "\\x%02x", (guchar) word[i]);
          else
            g_unichar_to_utf8 (c, shown);
          g_set_error (error, KDH_KDNET_ERROR, KDH_KDNET_ERROR_BAD_KEY,
                       "bad KDNET key '%s': part %u has '%s', which is not a base-36 digit "
                       "(0-9, a-z)", whole, index + 1, shown);
          return FALSE;
        }
      if (v > (G_MAXUINT64 - (guint64) digit) / 36)
        {
          g_set_error (error, KDH_KDNET_ERROR, KDH_KDNET_ERROR_BAD_KEY,
                       "bad KDNET key '%s': part %u is larger than 64 bits "
                       "(at most 3w5e11264sgsf)", whole, index + 1);
          return FALSE;
        }
      v = v * 36 + (guint64) digit;
    }
  *value = v;
  return TRUE;
}

gboolean
kdh_kdnet_key_parse (const gchar  *text,
                     guint8        control_key[KDH_KDNET_KEY_SIZE],
                     GError      **error)
{
  const gchar *p = text;
  guint8 key[KDH_KDNET_KEY_SIZE];

  g_return_val_if_fail (text != NULL, FALSE);

  for (guint i = 0; i < 4; i++)
    {
      const gchar *end = strchr (p, '.');
      guint64 value;

      if (end == NULL)
        end = p + strlen (p);
      if ((i < 3 && *end != '.') || (i == 3 && *end != '\0'))
        {
          g_set_error (error, KDH_KDNET_ERROR, KDH_KDNET_ERROR_BAD_KEY,
                       "bad KDNET key '%s': it has %s four parts", text,
                       i < 3 ? "fewer than" : "more than");
          return FALSE;
        }
      if (!parse_word (p, (gsize) (end - p), i, text, &value, error))
        return FALSE;
      kdh_write_le64 (key + 8 * i, value);
      p = end + (*end == '.');
    }
  memcpy (control_key, key, sizeof key);
  return TRUE;
}

gchar *
kdh_kdnet_key_format (const guint8 control_key[KDH_KDNET_KEY_SIZE])
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < 4; i++)
    {
      guint64 v = kdh_read_le64 (control_key + 8 * i);
      gchar digits[BASE36_MAX_DIGITS + 1];
      guint n = 0;

      do
        {
          digits[n++] = base36_digits[v % 36];
          v /= 36;
        }
      while (v != 0);
      if (i > 0)
        g_string_append_c (out, '.');
      while (n > 0)
        g_string_append_c (out, digits[--n]);
    }
  return g_string_free (out, FALSE);
}

void
kdh_kdnet_hmac_key (const guint8 control_key[KDH_KDNET_KEY_SIZE],
                    guint8       hmac_key[KDH_KDNET_KEY_SIZE])
{
  for (guint i = 0; i < KDH_KDNET_KEY_SIZE; i++)
    hmac_key[i] = (guint8) ~control_key[i];
}

void
kdh_kdnet_data_key (const guint8 control_key[KDH_KDNET_KEY_SIZE],
                    const guint8 response[KDH_KDNET_RESPONSE_SIZE],
                    guint8       data_key[KDH_KDNET_KEY_SIZE])
{
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = KDH_KDNET_KEY_SIZE;

  g_checksum_update (sha, control_key, KDH_KDNET_KEY_SIZE);
  g_checksum_update (sha, response, KDH_KDNET_RESPONSE_SIZE);
  g_checksum_get_digest (sha, data_key, &len);
}

/* ---- Datagrams --------------------------------------------------------- */

const gchar *
kdh_kdnet_verdict_name (KdhKdnetVerdict verdict)
{
  switch (verdict)
    {
    case KDH_KDNET_OK: return "ok";
    case KDH_KDNET_BAD_LENGTH: return "bad length";
    case KDH_KDNET_BAD_SIGNATURE: return "bad signature";
    case KDH_KDNET_BAD_CHANNEL: return "bad channel";
    case KDH_KDNET_NO_KEY: return "no session key";
    case KDH_KDNET_BAD_TAG: return "bad tag";
    case KDH_KDNET_N_VERDICTS:
    default: return "?";
    }
}

/* Nettle's HMAC rather than GHmac: GLib's SHA-256 is portable C and GHmac
 * allocates per use, which cost ~30 µs per full datagram; nettle's uses the
 * CPU's SHA extensions where it has them. */
static void
compute_tag (const guint8 *data,
             gsize         len,
             const guint8  hmac_key[KDH_KDNET_KEY_SIZE],
             guint8        tag[KDH_KDNET_TAG_SIZE])
{
  struct hmac_sha256_ctx hmac;

  hmac_sha256_set_key (&hmac, KDH_KDNET_KEY_SIZE, hmac_key);
  hmac_sha256_update (&hmac, len, data);
  hmac_sha256_digest (&hmac, KDH_KDNET_TAG_SIZE, tag);
}

void
kdh_kdnet_seal (GByteArray   *out,
                guint8        version,
                guint8        channel,
                guint64       sequence,
                gboolean      from_host,
                const guint8 *payload,
                gsize         payload_len,
                const guint8  key[KDH_KDNET_KEY_SIZE],
                const guint8  hmac_key[KDH_KDNET_KEY_SIZE])
{
  gsize pad = (KDH_KDNET_BLOCK_SIZE - (KDH_KDNET_WORD_SIZE + payload_len) % KDH_KDNET_BLOCK_SIZE)
              % KDH_KDNET_BLOCK_SIZE;
  gsize body = KDH_KDNET_WORD_SIZE + payload_len + pad;
  gsize start = out->len;
  guint64 word = ((sequence & KDH_KDNET_SEQUENCE_MAX) << 8)
                 | (from_host ? KDH_KDNET_DIRECTION_HOST : 0) | pad;
  guint8 *d;
  guint8 tag[KDH_KDNET_TAG_SIZE];
  guint8 iv[KDH_KDNET_BLOCK_SIZE];
  struct aes256_ctx aes;

  g_return_if_fail (payload_len <= KDH_KDNET_MAX_PAYLOAD);

  g_byte_array_set_size (out, start + KDH_KDNET_HEADER_SIZE + body + KDH_KDNET_TAG_SIZE);
  d = out->data + start;
  memset (d, 0, KDH_KDNET_HEADER_SIZE + body);
  d[0] = 'M';
  d[1] = 'D';
  d[2] = 'B';
  d[3] = 'G';
  d[4] = version;
  d[5] = channel;
  for (guint i = 0; i < 8; i++)
    d[6 + i] = (guint8) (word >> (56 - 8 * i));
  if (payload_len)
    memcpy (d + KDH_KDNET_HEADER_SIZE + KDH_KDNET_WORD_SIZE, payload, payload_len);

  compute_tag (d, KDH_KDNET_HEADER_SIZE + body, hmac_key, tag);
  memcpy (iv, tag, sizeof iv);
  aes256_set_encrypt_key (&aes, key);
  cbc_encrypt (&aes, (nettle_cipher_func *) aes256_encrypt, KDH_KDNET_BLOCK_SIZE, iv, body,
               d + KDH_KDNET_HEADER_SIZE, d + KDH_KDNET_HEADER_SIZE);
  memcpy (d + KDH_KDNET_HEADER_SIZE + body, tag, KDH_KDNET_TAG_SIZE);
}

static gboolean
possible_length (gsize len)
{
  return len >= KDH_KDNET_MIN_DATAGRAM && len <= KDH_KDNET_MAX_DATAGRAM
         && (len - KDH_KDNET_HEADER_SIZE - KDH_KDNET_TAG_SIZE) % KDH_KDNET_BLOCK_SIZE == 0;
}

gboolean
kdh_kdnet_peek (const guint8 *datagram,
                gsize         len,
                guint8       *version,
                guint8       *channel)
{
  if (!possible_length (len) || datagram[0] != 'M' || datagram[1] != 'D'
      || datagram[2] != 'B' || datagram[3] != 'G' || datagram[5] > KDH_KDNET_CHANNEL_CONTROL)
    return FALSE;
  if (version)
    *version = datagram[4];
  if (channel)
    *channel = datagram[5];
  return TRUE;
}

KdhKdnetVerdict
kdh_kdnet_open (guint8           *datagram,
                gsize             len,
                const guint8      control_key[KDH_KDNET_KEY_SIZE],
                const guint8     *data_key,
                const guint8      hmac_key[KDH_KDNET_KEY_SIZE],
                KdhKdnetDatagram *out)
{
  gsize body;
  guint8 iv[KDH_KDNET_BLOCK_SIZE];
  guint8 tag[KDH_KDNET_TAG_SIZE];
  guint8 diff = 0;
  guint64 word = 0;
  gsize pad;
  struct aes256_ctx aes;
  const guint8 *key;

  if (!possible_length (len))
    return KDH_KDNET_BAD_LENGTH;
  if (datagram[0] != 'M' || datagram[1] != 'D' || datagram[2] != 'B' || datagram[3] != 'G')
    return KDH_KDNET_BAD_SIGNATURE;
  if (datagram[5] > KDH_KDNET_CHANNEL_CONTROL)
    return KDH_KDNET_BAD_CHANNEL;
  key = datagram[5] == KDH_KDNET_CHANNEL_CONTROL ? control_key : data_key;
  if (key == NULL)
    return KDH_KDNET_NO_KEY;

  body = len - KDH_KDNET_HEADER_SIZE - KDH_KDNET_TAG_SIZE;
  memcpy (iv, datagram + len - KDH_KDNET_TAG_SIZE, sizeof iv);
  aes256_set_decrypt_key (&aes, key);
  cbc_decrypt (&aes, (nettle_cipher_func *) aes256_decrypt, KDH_KDNET_BLOCK_SIZE, iv, body,
               datagram + KDH_KDNET_HEADER_SIZE, datagram + KDH_KDNET_HEADER_SIZE);

  /* Compared in constant time: how much of a forged tag matched must not
   * show in how long the check takes. */
  compute_tag (datagram, KDH_KDNET_HEADER_SIZE + body, hmac_key, tag);
  for (guint i = 0; i < KDH_KDNET_TAG_SIZE; i++)
    diff |= tag[i] ^ datagram[len - KDH_KDNET_TAG_SIZE + i];
  if (diff != 0)
    return KDH_KDNET_BAD_TAG;

  for (guint i = 0; i < 8; i++)
    word = (word << 8) | datagram[KDH_KDNET_HEADER_SIZE + i];
  pad = word & 0x0F;
  if (pad > body - KDH_KDNET_WORD_SIZE)
    return KDH_KDNET_BAD_LENGTH;

  out->version = datagram[4];
  out->channel = datagram[5];
  out->sequence = word >> 8;
  out->from_host = (word & KDH_KDNET_DIRECTION_HOST) != 0;
  out->payload = datagram + KDH_KDNET_HEADER_SIZE + KDH_KDNET_WORD_SIZE;
  out->payload_len = body - KDH_KDNET_WORD_SIZE - pad;
  return KDH_KDNET_OK;
}

/* ---- Sequence numbers -------------------------------------------------- */

void
kdh_kdnet_window_reset (KdhKdnetWindow *window)
{
  window->last = 0;
  window->any = FALSE;
}

gboolean
kdh_kdnet_window_take (KdhKdnetWindow *window,
                       guint64         sequence)
{
  if (window->any && sequence <= window->last)
    return FALSE;
  window->last = sequence;
  window->any = TRUE;
  return TRUE;
}

/* ---- Control messages -------------------------------------------------- */

void
kdh_kdnet_poke_build (GByteArray         *out,
                      const KdhKdnetPoke *poke)
{
  gsize start = out->len;
  guint8 *d;

  g_byte_array_set_size (out, start + KDH_KDNET_POKE_SIZE);
  d = out->data + start;
  memset (d, 0, KDH_KDNET_POKE_SIZE);
  d[0] = 1;
  d[1] = 1;
  memcpy (d + KDH_KDNET_CLIENT_KEY_OFFSET, poke->client_key, KDH_KDNET_SESSION_KEY_SIZE);
  d[KDH_KDNET_POKE_HOST_PORT_OFFSET] = (guint8) (poke->host_port >> 8);
  d[KDH_KDNET_POKE_HOST_PORT_OFFSET + 1] = (guint8) poke->host_port;
}

gboolean
kdh_kdnet_poke_parse (const guint8 *payload,
                      gsize         len,
                      KdhKdnetPoke *poke)
{
  if (len < KDH_KDNET_CLIENT_KEY_OFFSET + KDH_KDNET_SESSION_KEY_SIZE
      || payload[0] != 1 || payload[1] != 1)
    return FALSE;
  memcpy (poke->client_key, payload + KDH_KDNET_CLIENT_KEY_OFFSET, KDH_KDNET_SESSION_KEY_SIZE);
  poke->host_port = len >= KDH_KDNET_POKE_HOST_PORT_OFFSET + 2
                    ? (guint16) (payload[KDH_KDNET_POKE_HOST_PORT_OFFSET] << 8
                                 | payload[KDH_KDNET_POKE_HOST_PORT_OFFSET + 1])
                    : 0;
  return TRUE;
}

void
kdh_kdnet_response_build (guint8       response[KDH_KDNET_RESPONSE_SIZE],
                          const guint8 client_key[KDH_KDNET_SESSION_KEY_SIZE],
                          const guint8 host_key[KDH_KDNET_SESSION_KEY_SIZE])
{
  memset (response, 0, KDH_KDNET_RESPONSE_SIZE);
  response[0] = 1;
  response[1] = 2;
  memcpy (response + KDH_KDNET_CLIENT_KEY_OFFSET, client_key, KDH_KDNET_SESSION_KEY_SIZE);
  memcpy (response + KDH_KDNET_HOST_KEY_OFFSET, host_key, KDH_KDNET_SESSION_KEY_SIZE);
}

gboolean
kdh_kdnet_response_parse (const guint8 *payload,
                          gsize         len,
                          guint8        client_key[KDH_KDNET_SESSION_KEY_SIZE])
{
  if (len != KDH_KDNET_RESPONSE_SIZE || payload[0] != 1 || payload[1] != 2)
    return FALSE;
  memcpy (client_key, payload + KDH_KDNET_CLIENT_KEY_OFFSET, KDH_KDNET_SESSION_KEY_SIZE);
  return TRUE;
}

/* ---- The data channel -------------------------------------------------- */

static gboolean
has_leader (const guint8 *p,
            gsize         len,
            guint8        byte)
{
  return len >= 4 && p[0] == byte && p[1] == byte && p[2] == byte && p[3] == byte;
}

/* A KD packet header whose leader and type go together (the link's
 * parser takes anything else for a false leader). */
static gboolean
known_packet (const guint8 *p,
              gsize         len)
{
  guint16 type;

  if (len < KDH_PACKET_HEADER_SIZE)
    return FALSE;
  type = kdh_read_le16 (p + 4);
  if (has_leader (p, len, KDH_CONTROL_LEADER_BYTE))
    return type == KDH_PACKET_TYPE_ACKNOWLEDGE || type == KDH_PACKET_TYPE_RESEND
           || type == KDH_PACKET_TYPE_RESET;
  return has_leader (p, len, KDH_PACKET_LEADER_BYTE) && kdh_packet_type_is_data (type);
}

KdhKdnetKdKind
kdh_kdnet_kd_classify (const guint8 *payload,
                       gsize         len)
{
  if (len == 1 && payload[0] == KDH_BREAKIN_BYTE)
    return KDH_KDNET_KD_BREAKIN;
  if (len == 12 && kdh_read_le32 (payload) == 0 && kdh_read_le16 (payload + 4) == 0)
    return KDH_KDNET_KD_CONNECTION_CHECK;
  if (!known_packet (payload, len))
    return KDH_KDNET_KD_MALFORMED;
  if (has_leader (payload, len, KDH_CONTROL_LEADER_BYTE))
    return len == KDH_PACKET_HEADER_SIZE ? KDH_KDNET_KD_PACKET : KDH_KDNET_KD_MALFORMED;
  if (has_leader (payload, len, KDH_PACKET_LEADER_BYTE))
    return len == (gsize) KDH_PACKET_HEADER_SIZE + kdh_read_le16 (payload + 6)
           ? KDH_KDNET_KD_PACKET : KDH_KDNET_KD_MALFORMED;
  return KDH_KDNET_KD_MALFORMED;
}

void
kdh_kdnet_splitter_init (KdhKdnetSplitter *splitter)
{
  splitter->pending = g_byte_array_new ();
  splitter->skipped = 0;
}

void
kdh_kdnet_splitter_clear (KdhKdnetSplitter *splitter)
{
  g_clear_pointer (&splitter->pending, g_byte_array_unref);
}

void
kdh_kdnet_splitter_feed (KdhKdnetSplitter *splitter,
                         const guint8     *data,
                         gsize             len)
{
  g_byte_array_append (splitter->pending, data, (guint) len);
}

/* TRUE when @p could still become a leader once more bytes come. */
static gboolean
leader_prefix (const guint8 *p,
               gsize         len)
{
  for (gsize i = 1; i < len && i < 4; i++)
    if (p[i] != p[0])
      return FALSE;
  return p[0] == KDH_PACKET_LEADER_BYTE || p[0] == KDH_CONTROL_LEADER_BYTE;
}

GBytes *
kdh_kdnet_splitter_next (KdhKdnetSplitter *splitter)
{
  GByteArray *buf = splitter->pending;

  while (buf->len > 0)
    {
      const guint8 *p = buf->data;
      GBytes *unit;

      if (p[0] == KDH_BREAKIN_BYTE)
        {
          unit = g_bytes_new (p, 1);
          g_byte_array_remove_range (buf, 0, 1);
          return unit;
        }
      if (buf->len < KDH_PACKET_HEADER_SIZE && leader_prefix (p, buf->len))
        return NULL;
      if (has_leader (p, buf->len, KDH_CONTROL_LEADER_BYTE) && known_packet (p, buf->len))
        {
          unit = g_bytes_new (p, KDH_PACKET_HEADER_SIZE);
          g_byte_array_remove_range (buf, 0, KDH_PACKET_HEADER_SIZE);
          return unit;
        }
      if (has_leader (p, buf->len, KDH_PACKET_LEADER_BYTE) && known_packet (p, buf->len))
        {
          gsize count = kdh_read_le16 (p + 6);

          if (buf->len < KDH_PACKET_HEADER_SIZE + count + 1)
            return NULL;
          if (p[KDH_PACKET_HEADER_SIZE + count] == KDH_PACKET_TRAILER)
            {
              unit = g_bytes_new (p, KDH_PACKET_HEADER_SIZE + count);
              g_byte_array_remove_range (buf, 0, (guint) (KDH_PACKET_HEADER_SIZE + count + 1));
              return unit;
            }
        }
      /* Not the start of anything we write: skip one byte and look again. */
      splitter->skipped++;
      g_byte_array_remove_range (buf, 0, 1);
    }
  return NULL;
}
