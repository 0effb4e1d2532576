/* kdh-packet.c: KDCOM packet framing: incremental parser and writer
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-packet.h"

#include <string.h>

#include "common/kdh-le.h"

struct _KdhPacketParser
{
  GByteArray *buf;
  gsize pos;            /* next byte to scan */
  gsize max_payload;
  gboolean in_packet;
  gsize packet_start;   /* offset of the 4-byte leader in use */
  gsize quiet_until;    /* bytes before this offset belonged to a failed packet */
  guint64 garbage;
};

gboolean
kdh_packet_type_is_data (guint16 type)
{
  switch (type)
    {
    case KDH_PACKET_TYPE_STATE_CHANGE32:
    case KDH_PACKET_TYPE_STATE_MANIPULATE:
    case KDH_PACKET_TYPE_DEBUG_IO:
    case KDH_PACKET_TYPE_STATE_CHANGE64:
    case KDH_PACKET_TYPE_TRACE_IO:
    case KDH_PACKET_TYPE_CONTROL_REQUEST:
    case KDH_PACKET_TYPE_FILE_IO:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
type_is_control (guint16 type)
{
  return type == KDH_PACKET_TYPE_ACKNOWLEDGE
         || type == KDH_PACKET_TYPE_RESEND
         || type == KDH_PACKET_TYPE_RESET;
}

const gchar *
kdh_packet_type_name (guint16 type)
{
  static const gchar *names[] = {
    "Unused", "StateChange32", "StateManipulate", "DebugIo", "Ack", "Resend",
    "Reset", "StateChange64", "PollBreakin", "TraceIo", "ControlRequest", "FileIo",
  };

  if (type < G_N_ELEMENTS (names))
    return names[type];
  return "Unknown";
}

guint32
kdh_packet_checksum (const guint8 *data,
                     gsize         len)
{
  guint32 sum = 0;

  for (gsize i = 0; i < len; i++)
    sum += data[i];
  return sum;
}

KdhPacketParser *
kdh_packet_parser_new (gsize max_payload)
{
  KdhPacketParser *parser = g_new0 (KdhPacketParser, 1);

  parser->buf = g_byte_array_sized_new (8192);
  parser->max_payload = MIN (max_payload, (gsize) KDH_PACKET_MAX_SIZE_LENIENT);
  return parser;
}

void
kdh_packet_parser_free (KdhPacketParser *parser)
{
  if (parser == NULL)
    return;
  g_byte_array_unref (parser->buf);
  g_free (parser);
}

/* Drops the bytes before the scan position. Payload pointers handed out by
 * the previous call stay valid until here, which is why this runs at the
 * start of the next call rather than at the end of the current one. */
static void
compact (KdhPacketParser *parser)
{
  gsize keep_from = parser->in_packet ? parser->packet_start : parser->pos;

  if (keep_from == 0)
    return;
  g_byte_array_remove_range (parser->buf, 0, keep_from);
  parser->pos -= keep_from;
  parser->quiet_until = parser->quiet_until > keep_from ? parser->quiet_until - keep_from : 0;
  if (parser->in_packet)
    parser->packet_start = 0;
}

void
kdh_packet_parser_feed (KdhPacketParser *parser,
                        const guint8    *data,
                        gsize            len)
{
  compact (parser);
  g_byte_array_append (parser->buf, data, len);
}

void
kdh_packet_parser_reset (KdhPacketParser *parser)
{
  g_byte_array_set_size (parser->buf, 0);
  parser->pos = 0;
  parser->in_packet = FALSE;
  parser->packet_start = 0;
  parser->quiet_until = 0;
}

guint64
kdh_packet_parser_garbage (KdhPacketParser *parser)
{
  return parser->garbage;
}

/* Gives up the current candidate packet and resumes scanning one byte after
 * its leader: a false leader (payload bytes, line noise) or a packet cut
 * short may hide the start of a real packet inside the bytes we consumed. */
static void
rescan_after_leader (KdhPacketParser *parser)
{
  parser->garbage += 1;
  parser->pos = parser->packet_start + 1;
  parser->in_packet = FALSE;
  /* Payload bytes of a failed packet are searched for leaders again, but a
   * 0x62 among them is data, not a break-in request. */
  parser->quiet_until = parser->buf->len;
}

static void
read_header (const guint8 *p, KdhPacketHeader *h)
{
  h->control = p[0] == KDH_CONTROL_LEADER_BYTE;
  h->type = kdh_read_le16 (p + 4);
  h->byte_count = kdh_read_le16 (p + 6);
  h->id = kdh_read_le32 (p + 8);
  h->checksum = kdh_read_le32 (p + 12);
}

/* Looks for four identical leader bytes. Longer runs are allowed (the NT
 * host skips extra leader bytes): the last four of the run are the leader.
 * Returns TRUE with in_packet set, or FALSE when more bytes are needed or
 * a break-in byte was found (*breakin). */
static gboolean
scan_for_leader (KdhPacketParser *parser,
                 gboolean        *breakin)
{
  const guint8 *b = parser->buf->data;
  gsize len = parser->buf->len;

  *breakin = FALSE;
  while (parser->pos < len)
    {
      guint8 c = b[parser->pos];

      if (c == KDH_PACKET_LEADER_BYTE || c == KDH_CONTROL_LEADER_BYTE)
        {
          gsize run = 1;

          while (parser->pos + run < len && b[parser->pos + run] == c)
            run++;
          if (parser->pos + run == len)
            return FALSE;   /* the run may go on in bytes not yet received */
          if (run >= 4)
            {
              parser->garbage += run - 4;
              parser->packet_start = parser->pos + run - 4;
              parser->pos = parser->packet_start;
              parser->in_packet = TRUE;
              return TRUE;
            }
          parser->garbage += run;
          parser->pos += run;
          continue;
        }
      parser->pos++;
      if (c == KDH_BREAKIN_BYTE && parser->pos > parser->quiet_until)
        {
          *breakin = TRUE;
          return FALSE;
        }
      parser->garbage++;
    }
  return FALSE;
}

gboolean
kdh_packet_parser_next (KdhPacketParser *parser,
                        KdhParseEvent   *event)
{
  compact (parser);

  for (;;)
    {
      const guint8 *p;
      gsize avail, total;
      KdhPacketHeader h;

      if (!parser->in_packet)
        {
          gboolean breakin;

          if (!scan_for_leader (parser, &breakin))
            {
              if (breakin)
                {
                  memset (event, 0, sizeof *event);
                  event->kind = KDH_PARSE_BREAKIN;
                  return TRUE;
                }
              return FALSE;
            }
        }

      avail = parser->buf->len - parser->packet_start;
      if (avail < KDH_PACKET_HEADER_SIZE)
        return FALSE;
      p = parser->buf->data + parser->packet_start;
      read_header (p, &h);

      if (h.control)
        {
          if (!type_is_control (h.type))
            {
              rescan_after_leader (parser);
              continue;
            }
          /* Control packets carry no payload and no trailer. Their byte
           * count and checksum are not checked: real hosts leave them
           * uninitialised in RESET and RESEND. */
          memset (event, 0, sizeof *event);
          event->kind = KDH_PARSE_PACKET;
          event->header = h;
          parser->pos = parser->packet_start + KDH_PACKET_HEADER_SIZE;
          parser->in_packet = FALSE;
          return TRUE;
        }

      if (!kdh_packet_type_is_data (h.type))
        {
          rescan_after_leader (parser);
          continue;
        }
      if (h.byte_count > parser->max_payload)
        {
          memset (event, 0, sizeof *event);
          event->kind = KDH_PARSE_BAD_PACKET;
          event->header = h;
          event->fault = KDH_PACKET_FAULT_LENGTH;
          rescan_after_leader (parser);
          return TRUE;
        }

      total = KDH_PACKET_HEADER_SIZE + (gsize) h.byte_count + 1;
      if (avail < total)
        return FALSE;

      memset (event, 0, sizeof *event);
      event->header = h;
      if (p[total - 1] != KDH_PACKET_TRAILER)
        {
          event->kind = KDH_PARSE_BAD_PACKET;
          event->fault = KDH_PACKET_FAULT_TRAILER;
          rescan_after_leader (parser);
          return TRUE;
        }

      parser->pos = parser->packet_start + total;
      parser->in_packet = FALSE;
      if (kdh_packet_checksum (p + KDH_PACKET_HEADER_SIZE, h.byte_count) != h.checksum)
        {
          event->kind = KDH_PARSE_BAD_PACKET;
          event->fault = KDH_PACKET_FAULT_CHECKSUM;
          return TRUE;
        }
      event->kind = KDH_PARSE_PACKET;
      event->payload = p + KDH_PACKET_HEADER_SIZE;
      event->payload_len = h.byte_count;
      return TRUE;
    }
}

gboolean
kdh_packet_parser_in_packet (KdhPacketParser *parser,
                             gsize           *needed)
{
  gsize avail, total;

  if (!parser->in_packet)
    {
      if (needed)
        *needed = 0;
      return FALSE;
    }
  avail = parser->buf->len - parser->packet_start;
  total = KDH_PACKET_HEADER_SIZE;
  if (avail >= KDH_PACKET_HEADER_SIZE
      && parser->buf->data[parser->packet_start] == KDH_PACKET_LEADER_BYTE)
    total += kdh_read_le16 (parser->buf->data + parser->packet_start + 6) + 1;
  if (needed)
    *needed = total > avail ? total - avail : 0;
  return TRUE;
}

gboolean
kdh_packet_parser_abandon (KdhPacketParser *parser,
                           KdhParseEvent   *event)
{
  const guint8 *p;
  gboolean data;

  if (!parser->in_packet)
    return FALSE;
  p = parser->buf->data + parser->packet_start;
  data = p[0] == KDH_PACKET_LEADER_BYTE;
  memset (event, 0, sizeof *event);
  event->kind = KDH_PARSE_BAD_PACKET;
  event->fault = KDH_PACKET_FAULT_TRUNCATED;
  if (parser->buf->len - parser->packet_start >= KDH_PACKET_HEADER_SIZE)
    read_header (p, &event->header);
  else
    event->header.control = !data;
  rescan_after_leader (parser);
  return data;
}

void
kdh_packet_write_data (GByteArray   *out,
                       guint16       type,
                       guint32       id,
                       const guint8 *part1,
                       gsize         len1,
                       const guint8 *part2,
                       gsize         len2)
{
  guint8 header[KDH_PACKET_HEADER_SIZE];
  static const guint8 trailer = KDH_PACKET_TRAILER;

  g_return_if_fail (len1 + len2 <= KDH_PACKET_MAX_SIZE_LENIENT);

  memset (header, KDH_PACKET_LEADER_BYTE, 4);
  kdh_write_le16 (header + 4, type);
  kdh_write_le16 (header + 6, (guint16) (len1 + len2));
  kdh_write_le32 (header + 8, id);
  kdh_write_le32 (header + 12, kdh_packet_checksum (part1, len1) + kdh_packet_checksum (part2, len2));
  g_byte_array_append (out, header, sizeof header);
  if (len1)
    g_byte_array_append (out, part1, len1);
  if (len2)
    g_byte_array_append (out, part2, len2);
  g_byte_array_append (out, &trailer, 1);
}

void
kdh_packet_write_control (GByteArray *out,
                          guint16     type,
                          guint32     id)
{
  guint8 header[KDH_PACKET_HEADER_SIZE] = { 0 };

  memset (header, KDH_CONTROL_LEADER_BYTE, 4);
  kdh_write_le16 (header + 4, type);
  kdh_write_le32 (header + 8, id);
  g_byte_array_append (out, header, sizeof header);
}
