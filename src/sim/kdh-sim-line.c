/* kdh-sim-line.c: the simulated serial line between host and target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-sim-line.h"

/* The host side has no packet boundaries: its per-byte rate is the
 * per-packet rate spread over a packet of this many bytes. */
#define HOST_BYTES_PER_PACKET 64
/* One stall, on average, every this many packets from the target. */
#define PACKETS_PER_STALL 64

/* On a throttled line byte number N of a burst (counted from 0) leaves at
 * start_us + N byte times, with the byte time exact (86.8 us at 115200
 * baud): rounding it to whole microseconds would make the line 1 % fast. */
typedef struct {
  GByteArray *bytes;
  gint64 start_us;      /* when the current burst began */
  guint64 sent;         /* bytes of the burst gone so far */
} Direction;

struct _KdhSimLine
{
  KdhSimOptions opts;
  GRand *rand;
  guint baud;           /* 0: unthrottled */
  gint64 stall_until_us;
  Direction to_host;
  Direction from_host;
  KdhSimLineStats stats;
};

KdhSimLine *
kdh_sim_line_new (const KdhSimOptions *opts)
{
  KdhSimLine *line = g_new0 (KdhSimLine, 1);

  line->opts = *opts;
  /* Mix the seed so the line's faults differ from the kernel's noise. */
  line->rand = g_rand_new_with_seed ((guint32) (opts->seed ^ (opts->seed >> 32) ^ 0x11E5EED5u));
  line->baud = opts->baud;
  line->to_host.bytes = g_byte_array_new ();
  line->from_host.bytes = g_byte_array_new ();
  return line;
}

void
kdh_sim_line_free (KdhSimLine *line)
{
  if (line == NULL)
    return;
  g_rand_free (line->rand);
  g_byte_array_unref (line->to_host.bytes);
  g_byte_array_unref (line->from_host.bytes);
  g_free (line);
}

const KdhSimLineStats *
kdh_sim_line_get_stats (KdhSimLine *line)
{
  return &line->stats;
}

static gboolean
chance (KdhSimLine *line,
        gdouble     p)
{
  return p > 0 && g_rand_double (line->rand) < p;
}

/* Appends @data to @dir and hits it with at most one fault, each kind with
 * its own probability. One fault per packet, not one of each: a byte
 * dropped and an equal byte repeated in the same packet leave its length
 * and its byte sum unchanged, which the KD checksum cannot see, and the
 * host would take shifted data for good. */
static void
append_with_faults (KdhSimLine   *line,
                    Direction    *dir,
                    const guint8 *data,
                    gsize         len,
                    gdouble       scale)
{
  gsize start = dir->bytes->len;
  gdouble p_corrupt = line->opts.corrupt * scale;
  gdouble p_dup = line->opts.dup * scale;
  gdouble p_drop = line->opts.drop * scale;
  gdouble r;

  g_byte_array_append (dir->bytes, data, len);
  if (len == 0 || !chance (line, p_corrupt + p_dup + p_drop))
    return;
  /* Which one, in proportion to the three probabilities. */
  r = g_rand_double (line->rand) * (p_corrupt + p_dup + p_drop);
  if (r < p_corrupt)
    {
      gsize at = start + g_rand_int_range (line->rand, 0, (gint32) len);

      dir->bytes->data[at] ^= (guint8) g_rand_int_range (line->rand, 1, 256);
      line->stats.corrupted++;
    }
  else if (r < p_corrupt + p_dup)
    {
      gsize at = start + g_rand_int_range (line->rand, 0, (gint32) len);
      guint8 b = dir->bytes->data[at];

      g_array_insert_vals ((GArray *) dir->bytes, at + 1, &b, 1);
      line->stats.duplicated++;
    }
  else
    {
      gsize at = start + g_rand_int_range (line->rand, 0, (gint32) len);

      g_byte_array_remove_index (dir->bytes, at);
      line->stats.dropped++;
    }
}

/* When byte number @index of the current burst may leave: 10 bits a byte
 * (start, 8 data, stop), rounded up to the microsecond. */
static gint64
leave_time (KdhSimLine *line,
            Direction  *dir,
            guint64     index)
{
  return dir->start_us + (gint64) ((index * 10 * G_USEC_PER_SEC + line->baud - 1) / line->baud);
}

/* An idle line accrues no credit: bytes that find the line empty start
 * leaving now, not at the time the previous ones would have. (Done here,
 * not in take(): a caller that is merely late, as every main-loop timer
 * is by up to a millisecond, must not lose the time it was late by.) */
static void
wake_if_idle (KdhSimLine *line,
              Direction  *dir,
              gint64      now_us)
{
  if (line->baud == 0 || dir->bytes->len > 0 || leave_time (line, dir, dir->sent) >= now_us)
    return;
  dir->start_us = now_us;
  dir->sent = 0;
}

void
kdh_sim_line_to_host (KdhSimLine   *line,
                      const guint8 *unit,
                      gsize         len,
                      gint64        now_us)
{
  wake_if_idle (line, &line->to_host, now_us);
  append_with_faults (line, &line->to_host, unit, len, 1.0);
  if (line->opts.stall_ms > 0 && now_us >= line->stall_until_us
      && g_rand_int_range (line->rand, 0, PACKETS_PER_STALL) == 0)
    {
      line->stall_until_us = now_us + (gint64) line->opts.stall_ms * 1000;
      line->stats.stalls++;
    }
}

void
kdh_sim_line_from_host (KdhSimLine   *line,
                        const guint8 *data,
                        gsize         len,
                        gint64        now_us)
{
  gdouble scale = 1.0 / HOST_BYTES_PER_PACKET;

  wake_if_idle (line, &line->from_host, now_us);
  for (gsize i = 0; i < len; i++)
    append_with_faults (line, &line->from_host, data + i, 1, scale);
}

static gboolean
take (KdhSimLine *line,
      Direction  *dir,
      gint64      now_us,
      GByteArray *out)
{
  gsize n;

  if (dir->bytes->len == 0 || now_us < line->stall_until_us)
    return FALSE;
  if (line->baud == 0)
    n = dir->bytes->len;
  else
    {
      guint64 due;

      /* The first byte after a pause goes at once (wake_if_idle()) and
       * the rest follow at the line rate. */
      if (now_us < leave_time (line, dir, dir->sent))
        return FALSE;
      /* Every byte whose leave time has come: those up to this index. */
      due = (guint64) (now_us - dir->start_us) * line->baud / (10 * G_USEC_PER_SEC) + 1;
      n = (gsize) MIN (due - dir->sent, (guint64) dir->bytes->len);
      dir->sent += n;
    }
  g_byte_array_append (out, dir->bytes->data, n);
  g_byte_array_remove_range (dir->bytes, 0, n);
  return TRUE;
}

gboolean
kdh_sim_line_take_to_host (KdhSimLine *line,
                           gint64      now_us,
                           GByteArray *out)
{
  return take (line, &line->to_host, now_us, out);
}

gboolean
kdh_sim_line_take_from_host (KdhSimLine *line,
                             gint64      now_us,
                             GByteArray *out)
{
  return take (line, &line->from_host, now_us, out);
}

static gint64
direction_deadline (KdhSimLine *line,
                    Direction  *dir)
{
  gint64 t;

  if (dir->bytes->len == 0)
    return G_MAXINT64;
  t = line->baud ? leave_time (line, dir, dir->sent) : 0;
  return MAX (t, line->stall_until_us);
}

gint64
kdh_sim_line_next_deadline (KdhSimLine *line)
{
  return MIN (direction_deadline (line, &line->to_host),
              direction_deadline (line, &line->from_host));
}

void
kdh_sim_line_flush (KdhSimLine *line)
{
  g_byte_array_set_size (line->to_host.bytes, 0);
  g_byte_array_set_size (line->from_host.bytes, 0);
}
