/* kdh-packet.h: KDCOM packet framing: incremental parser and writer
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bytes in, packets out (docs/protocol.md §1). The parser takes the byte
 * stream in any fragmentation, finds leaders, skips garbage and false
 * leaders, and checks length, trailer and checksum. It has no clock: a
 * caller that sees the stream stall in the middle of a packet calls
 * kdh_packet_parser_abandon().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_PACKET_LEADER_BYTE   0x30   /* "0000": data packet */
#define KDH_CONTROL_LEADER_BYTE  0x69   /* "iiii": control packet */
#define KDH_BREAKIN_BYTE         0x62   /* 'b': the host's break-in request */
#define KDH_PACKET_TRAILER       0xAA
#define KDH_PACKET_HEADER_SIZE   16
/* The largest ByteCount a Windows target sends or accepts. */
#define KDH_PACKET_MAX_SIZE      4000
/* Xen kdd sends up to 64 KiB; a host accepts that much. */
#define KDH_PACKET_MAX_SIZE_LENIENT 0xFFFF

#define KDH_PACKET_ID_INITIAL    0x80800000u
#define KDH_PACKET_ID_SYNC       0x00000800u

typedef enum {
  KDH_PACKET_TYPE_UNUSED = 0,
  KDH_PACKET_TYPE_STATE_CHANGE32 = 1,
  KDH_PACKET_TYPE_STATE_MANIPULATE = 2,
  KDH_PACKET_TYPE_DEBUG_IO = 3,
  KDH_PACKET_TYPE_ACKNOWLEDGE = 4,
  KDH_PACKET_TYPE_RESEND = 5,
  KDH_PACKET_TYPE_RESET = 6,
  KDH_PACKET_TYPE_STATE_CHANGE64 = 7,
  KDH_PACKET_TYPE_POLL_BREAKIN = 8,
  KDH_PACKET_TYPE_TRACE_IO = 9,
  KDH_PACKET_TYPE_CONTROL_REQUEST = 10,
  KDH_PACKET_TYPE_FILE_IO = 11,
  KDH_PACKET_TYPE_MAX = 12,
} KdhPacketType;

typedef struct {
  gboolean control;     /* "iiii" leader */
  guint16 type;
  guint16 byte_count;
  guint32 id;
  guint32 checksum;
} KdhPacketHeader;

typedef enum {
  KDH_PACKET_FAULT_NONE,
  KDH_PACKET_FAULT_CHECKSUM,   /* body and trailer in place, sum wrong */
  KDH_PACKET_FAULT_TRAILER,    /* no 0xAA where the byte count says */
  KDH_PACKET_FAULT_LENGTH,     /* ByteCount above the configured maximum */
  KDH_PACKET_FAULT_TRUNCATED,  /* abandoned: the stream stalled mid-packet */
} KdhPacketFault;

typedef enum {
  KDH_PARSE_PACKET,      /* a complete, valid data or control packet */
  KDH_PARSE_BAD_PACKET,  /* a data packet that failed a check: answer RESEND */
  KDH_PARSE_BREAKIN,     /* a 0x62 byte between packets (not inside a failed one) */
} KdhParseKind;

typedef struct {
  KdhParseKind kind;
  KdhPacketHeader header;      /* as read; for BAD_PACKET possibly garbled */
  const guint8 *payload;       /* PACKET: valid until the next parser call */
  gsize payload_len;
  KdhPacketFault fault;        /* BAD_PACKET: why */
} KdhParseEvent;

typedef struct _KdhPacketParser KdhPacketParser;

/* @max_payload: the largest ByteCount accepted (KDH_PACKET_MAX_SIZE for a
 * target, KDH_PACKET_MAX_SIZE_LENIENT for a host). */
KdhPacketParser *kdh_packet_parser_new     (gsize            max_payload);
void             kdh_packet_parser_free    (KdhPacketParser *parser);
void             kdh_packet_parser_feed    (KdhPacketParser *parser,
                                            const guint8    *data,
                                            gsize            len);
/* Returns the next event, or FALSE when more bytes are needed. */
gboolean         kdh_packet_parser_next    (KdhPacketParser *parser,
                                            KdhParseEvent   *event);
/* TRUE while a leader has been found and the packet is not complete;
 * *needed (optional) is how many more bytes complete it, as far as known. */
gboolean         kdh_packet_parser_in_packet (KdhPacketParser *parser,
                                              gsize           *needed);
/* The stream stalled inside a packet: give it up and rescan its bytes from
 * just after its first leader byte. Returns TRUE and fills @event (a
 * BAD_PACKET with KDH_PACKET_FAULT_TRUNCATED) when the abandoned packet was
 * a data packet, which the receiver should answer with RESEND. */
gboolean         kdh_packet_parser_abandon (KdhPacketParser *parser,
                                            KdhParseEvent   *event);
/* Drops every buffered byte. */
void             kdh_packet_parser_reset   (KdhPacketParser *parser);
/* Bytes skipped outside packets since creation (noise, false leaders). */
guint64          kdh_packet_parser_garbage (KdhPacketParser *parser);

/* Writer. Appends a whole packet to @out. The payload may come in two parts
 * (message header + data); the checksum covers both. */
void    kdh_packet_write_data    (GByteArray   *out,
                                  guint16       type,
                                  guint32       id,
                                  const guint8 *part1,
                                  gsize         len1,
                                  const guint8 *part2,
                                  gsize         len2);
void    kdh_packet_write_control (GByteArray   *out,
                                  guint16       type,
                                  guint32       id);
guint32 kdh_packet_checksum      (const guint8 *data,
                                  gsize         len);

gboolean     kdh_packet_type_is_data (guint16 type);
/* "StateManipulate", "Ack", ...; "Type12" style for unknown values (static). */
const gchar *kdh_packet_type_name    (guint16 type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhPacketParser, kdh_packet_parser_free)

G_END_DECLS
