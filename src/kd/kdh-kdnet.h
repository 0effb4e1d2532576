/* kdh-kdnet.h: KDNET datagrams and keys (the kernel debugger over UDP)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/protocol.md §5. A datagram is a 6-byte plain header ("MDBG",
 * version, channel), an AES-256-CBC encrypted body (a big-endian word with
 * the sequence number, the direction and the pad length, the payload, zero
 * padding to a whole block) and a 16-byte tag: the first half of the
 * HMAC-SHA256 of the plain datagram up to the tag, which is also the
 * body's IV. The control channel is keyed by the four base-36 words the
 * user types; the data channel by a key both ends derive from the
 * handshake. Pure: no I/O and no randomness; callers bring both.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_KDNET_SIGNATURE      0x4D444247u   /* "MDBG", big-endian on the wire */
#define KDH_KDNET_HEADER_SIZE    6             /* signature, version, channel */
#define KDH_KDNET_WORD_SIZE      8             /* sequence | direction | pad length */
#define KDH_KDNET_TAG_SIZE       16
#define KDH_KDNET_BLOCK_SIZE     16
#define KDH_KDNET_KEY_SIZE       32
/* The smallest datagram: header, one block (the word and padding), tag. */
#define KDH_KDNET_MIN_DATAGRAM   (KDH_KDNET_HEADER_SIZE + KDH_KDNET_BLOCK_SIZE + KDH_KDNET_TAG_SIZE)
/* The largest UDP payload over IPv4. */
#define KDH_KDNET_MAX_DATAGRAM   65507
#define KDH_KDNET_MAX_PAYLOAD    (KDH_KDNET_MAX_DATAGRAM - KDH_KDNET_HEADER_SIZE \
                                  - KDH_KDNET_WORD_SIZE - KDH_KDNET_TAG_SIZE - 15)

#define KDH_KDNET_CHANNEL_DATA    0
#define KDH_KDNET_CHANNEL_CONTROL 1
/* The direction nibble of the word: 8 from the host, 0 from the target. */
#define KDH_KDNET_DIRECTION_HOST  0x80u
/* Sequence numbers fill the word's upper 56 bits. */
#define KDH_KDNET_SEQUENCE_MAX    G_GUINT64_CONSTANT (0x00FFFFFFFFFFFFFF)

/* Control messages (the first two bytes of a control payload). */
#define KDH_KDNET_POKE_SIZE       344          /* as Windows sends it */
#define KDH_KDNET_RESPONSE_SIZE   322
#define KDH_KDNET_CLIENT_KEY_OFFSET 2
#define KDH_KDNET_HOST_KEY_OFFSET   34
#define KDH_KDNET_SESSION_KEY_SIZE  32
/* In a poke: the port of the host the target's data channel belongs to,
 * big-endian; zero while it has none (a freshly booted target). */
#define KDH_KDNET_POKE_HOST_PORT_OFFSET 86

#define KDH_KDNET_ERROR (kdh_kdnet_error_quark ())
GQuark kdh_kdnet_error_quark (void);

typedef enum {
  KDH_KDNET_ERROR_BAD_KEY,
} KdhKdnetError;

/* ---- Keys -------------------------------------------------------------- */

/* Parses "W.X.Y.Z": four words of 1 to 13 base-36 digits ([0-9a-z], any
 * case), each at most 2^64 - 1, into the 32-byte control key (each word
 * 8 bytes little-endian, in order). The error ("bad KDNET key 'K': ...")
 * names the bad word. */
#define KDH_KDNET_KEY_HINT "four base-36 numbers separated by dots, such as 1a2b3c.4d5e6f.7g8h.9i0j"

gboolean kdh_kdnet_key_parse  (const gchar  *text,
                               guint8        control_key[KDH_KDNET_KEY_SIZE],
                               GError      **error);
/* The canonical "w.x.y.z" (lower case, no leading zeros) of a key. */
gchar   *kdh_kdnet_key_format (const guint8  control_key[KDH_KDNET_KEY_SIZE]);

/* The HMAC key: every byte of the control key inverted. */
void     kdh_kdnet_hmac_key   (const guint8  control_key[KDH_KDNET_KEY_SIZE],
                               guint8        hmac_key[KDH_KDNET_KEY_SIZE]);
/* The data channel's key: SHA-256 of the control key followed by the
 * host's whole 322-byte response. */
void     kdh_kdnet_data_key   (const guint8  control_key[KDH_KDNET_KEY_SIZE],
                               const guint8  response[KDH_KDNET_RESPONSE_SIZE],
                               guint8        data_key[KDH_KDNET_KEY_SIZE]);

/* ---- Datagrams --------------------------------------------------------- */

typedef struct {
  guint8 version;
  guint8 channel;
  guint64 sequence;
  gboolean from_host;
  const guint8 *payload;       /* kdh_kdnet_open(): into the caller's buffer */
  gsize payload_len;
} KdhKdnetDatagram;

typedef enum {
  KDH_KDNET_OK,
  KDH_KDNET_BAD_LENGTH,        /* too short or long, not whole blocks, padding past the body */
  KDH_KDNET_BAD_SIGNATURE,     /* not "MDBG" */
  KDH_KDNET_BAD_CHANNEL,       /* neither data nor control */
  KDH_KDNET_NO_KEY,            /* a data datagram and no data key yet */
  KDH_KDNET_BAD_TAG,           /* the tag does not match: another key, or damaged */
  KDH_KDNET_N_VERDICTS
} KdhKdnetVerdict;

/* "bad tag" ... (static). */
const gchar *kdh_kdnet_verdict_name (KdhKdnetVerdict verdict);

/* Appends one sealed datagram to @out. @key is the control key for the
 * control channel, the data key for the data channel. */
void     kdh_kdnet_seal  (GByteArray   *out,
                          guint8        version,
                          guint8        channel,
                          guint64       sequence,
                          gboolean      from_host,
                          const guint8 *payload,
                          gsize         payload_len,
                          const guint8  key[KDH_KDNET_KEY_SIZE],
                          const guint8  hmac_key[KDH_KDNET_KEY_SIZE]);

/* Checks and decrypts @datagram in place. @data_key may be NULL (no
 * session yet). On KDH_KDNET_OK @out describes it, its payload pointing
 * into @datagram; otherwise @datagram may have been altered. Anything the
 * checks reject is never interpreted further. */
KdhKdnetVerdict kdh_kdnet_open (guint8           *datagram,
                                gsize             len,
                                const guint8      control_key[KDH_KDNET_KEY_SIZE],
                                const guint8     *data_key,
                                const guint8      hmac_key[KDH_KDNET_KEY_SIZE],
                                KdhKdnetDatagram *out);

/* The plain header of a datagram, before any key is tried: TRUE when it
 * has the signature and a known channel and a possible length. */
gboolean kdh_kdnet_peek  (const guint8 *datagram,
                          gsize         len,
                          guint8       *version,
                          guint8       *channel);

/* ---- Sequence numbers -------------------------------------------------- */

/* The receiving side of one channel: a datagram is taken only if its
 * sequence number is above every one taken before (a repeat, a replay or
 * one overtaken by a later datagram is stale). */
typedef struct {
  guint64 last;
  gboolean any;                /* something was taken since the reset */
} KdhKdnetWindow;

void     kdh_kdnet_window_reset (KdhKdnetWindow *window);
/* TRUE and remembered when @sequence is fresh. */
gboolean kdh_kdnet_window_take  (KdhKdnetWindow *window,
                                 guint64         sequence);

/* ---- Control messages -------------------------------------------------- */

typedef struct {
  guint8 client_key[KDH_KDNET_SESSION_KEY_SIZE];
  guint16 host_port;           /* 0: the target has no data channel */
} KdhKdnetPoke;

/* A poke as Windows sends it: 344 bytes, 01 01, the client key, zeros
 * (the address fields are left zero but for @host_port). */
void     kdh_kdnet_poke_build     (GByteArray         *out,
                                   const KdhKdnetPoke *poke);
/* FALSE when @payload is not a poke (too short, other message type). */
gboolean kdh_kdnet_poke_parse     (const guint8       *payload,
                                   gsize               len,
                                   KdhKdnetPoke       *poke);
/* The host's 322-byte response: 01 02, the client key, the host key,
 * zeros. */
void     kdh_kdnet_response_build (guint8              response[KDH_KDNET_RESPONSE_SIZE],
                                   const guint8        client_key[KDH_KDNET_SESSION_KEY_SIZE],
                                   const guint8        host_key[KDH_KDNET_SESSION_KEY_SIZE]);
/* FALSE when @payload is not a response. */
gboolean kdh_kdnet_response_parse (const guint8       *payload,
                                   gsize               len,
                                   guint8              client_key[KDH_KDNET_SESSION_KEY_SIZE]);

/* ---- The data channel -------------------------------------------------- */

typedef enum {
  KDH_KDNET_KD_PACKET,         /* a KD packet: header and data, no trailer */
  KDH_KDNET_KD_BREAKIN,        /* the single byte 0x62 */
  KDH_KDNET_KD_CONNECTION_CHECK, /* a target's first datagram: 12 bytes, type 0 */
  KDH_KDNET_KD_MALFORMED,      /* anything else */
} KdhKdnetKdKind;

/* What a data channel payload holds. A KD packet must be whole and of a
 * known type: a control packet (ACK, RESEND, RESET) exactly 16 bytes, a
 * data packet 16 plus its ByteCount. */
KdhKdnetKdKind kdh_kdnet_kd_classify (const guint8 *payload,
                                      gsize         len);

/* Cuts a KDCOM byte stream, as the host link or the simulated target
 * writes it (whole packets with trailers, single break-in bytes), into
 * the payloads of data datagrams: trailers are dropped. Bytes that start
 * no packet are skipped and counted. */
typedef struct {
  GByteArray *pending;
  guint64 skipped;
} KdhKdnetSplitter;

void     kdh_kdnet_splitter_init  (KdhKdnetSplitter *splitter);
void     kdh_kdnet_splitter_clear (KdhKdnetSplitter *splitter);
void     kdh_kdnet_splitter_feed  (KdhKdnetSplitter *splitter,
                                   const guint8     *data,
                                   gsize             len);
/* The next payload, or NULL when no whole packet is buffered. */
GBytes  *kdh_kdnet_splitter_next  (KdhKdnetSplitter *splitter);

G_END_DECLS
