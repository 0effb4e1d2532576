/* kdh-throughput.c: bytes per second from the link's byte counters
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rates come from fixed one-second columns, never from the gap between two
 * snapshots: two snapshots a few milliseconds apart around a connect would
 * otherwise turn 5 kB into megabytes per second.
 */
#include "kdh-throughput.h"

#include <math.h>

/* The engine posts a snapshot at most every 250 ms while counters change; a
 * longer gap was quiet until its last moments. */
#define MAX_SPAN_US   G_USEC_PER_SEC
/* Snapshots still come while the last one is younger than this. */
#define FRESH_US      (G_USEC_PER_SEC / 2)
#define MAX_SPANS     1200

typedef struct {
  gint64 start_us;
  gint64 end_us;
  guint64 in;
  guint64 out;
} Span;

struct _KdhThroughput
{
  GArray *spans;               /* Span, oldest first, not overlapping */
  gboolean have_last;
  guint64 last_in;
  guint64 last_out;
  gint64 last_us;
};

KdhThroughput *
kdh_throughput_new (void)
{
  KdhThroughput *self = g_new0 (KdhThroughput, 1);

  self->spans = g_array_new (FALSE, FALSE, sizeof (Span));
  return self;
}

void
kdh_throughput_free (KdhThroughput *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->spans);
  g_free (self);
}

static guint64
counter_delta (guint64 now,
               guint64 before)
{
  return now >= before ? now - before : now;
}

void
kdh_throughput_add (KdhThroughput *self,
                    guint64        bytes_in,
                    guint64        bytes_out,
                    gint64         time_us)
{
  Span span;
  guint drop = 0;

  g_return_if_fail (self != NULL);

  if (!self->have_last)
    {
      self->have_last = TRUE;
      self->last_in = bytes_in;
      self->last_out = bytes_out;
      self->last_us = time_us;
      return;
    }
  span.in = counter_delta (bytes_in, self->last_in);
  span.out = counter_delta (bytes_out, self->last_out);
  /* A late snapshot with an older time counts as now's. */
  span.end_us = MAX (time_us, self->last_us);
  span.start_us = MAX (self->last_us, span.end_us - MAX_SPAN_US);
  if (span.start_us >= span.end_us)
    span.start_us = span.end_us - 1;
  self->last_in = bytes_in;
  self->last_out = bytes_out;
  self->last_us = span.end_us;
  if (span.in == 0 && span.out == 0)
    return;
  /* Spans do not overlap, so that no byte counts twice. */
  if (self->spans->len > 0)
    {
      const Span *last = &g_array_index (self->spans, Span, self->spans->len - 1);

      if (span.start_us < last->end_us)
        span.start_us = MIN (last->end_us, span.end_us - 1);
    }
  g_array_append_val (self->spans, span);

  while (drop < self->spans->len
         && g_array_index (self->spans, Span, drop).end_us
            < span.end_us - KDH_THROUGHPUT_WINDOW_US - KDH_THROUGHPUT_BUCKET_US)
    drop++;
  if (self->spans->len - drop > MAX_SPANS)
    drop = self->spans->len - MAX_SPANS;
  if (drop > 0)
    g_array_remove_range (self->spans, 0, drop);
}

void
kdh_throughput_rate (KdhThroughput *self,
                     gint64         from_us,
                     gint64         to_us,
                     gdouble       *in_rate,
                     gdouble       *out_rate)
{
  gdouble in = 0, out = 0;

  g_return_if_fail (self != NULL);

  if (to_us <= from_us)
    {
      *in_rate = *out_rate = 0;
      return;
    }
  /* Each span's bytes are taken as spread evenly over it. */
  for (guint i = 0; i < self->spans->len; i++)
    {
      const Span *span = &g_array_index (self->spans, Span, i);
      gint64 start = MAX (span->start_us, from_us);
      gint64 end = MIN (span->end_us, to_us);
      gdouble part;

      if (end <= start)
        continue;
      part = (gdouble) (end - start) / (span->end_us - span->start_us);
      in += span->in * part;
      out += span->out * part;
    }
  *in_rate = in * G_USEC_PER_SEC / (to_us - from_us);
  *out_rate = out * G_USEC_PER_SEC / (to_us - from_us);
}

void
kdh_throughput_current (KdhThroughput *self,
                        gint64         now_us,
                        gdouble       *in_rate,
                        gdouble       *out_rate)
{
  gint64 end = now_us;

  g_return_if_fail (self != NULL);

  /* What happened since the latest snapshot is not known yet; do not take
   * it for silence. */
  if (self->have_last && self->last_us <= now_us && now_us - self->last_us < FRESH_US)
    end = self->last_us;
  kdh_throughput_rate (self, end - KDH_THROUGHPUT_CURRENT_US, end, in_rate, out_rate);
}

gint64
kdh_throughput_bucket_start (gint64 time_us)
{
  gint64 start = time_us / KDH_THROUGHPUT_BUCKET_US * KDH_THROUGHPUT_BUCKET_US;

  if (start > time_us)
    start -= KDH_THROUGHPUT_BUCKET_US;
  return start;
}

gdouble
kdh_throughput_peak (KdhThroughput *self,
                     gint64         now_us)
{
  gdouble peak = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (gint64 b = kdh_throughput_bucket_start (now_us - KDH_THROUGHPUT_WINDOW_US); b <= now_us;
       b += KDH_THROUGHPUT_BUCKET_US)
    {
      gdouble in, out;

      kdh_throughput_rate (self, b, b + KDH_THROUGHPUT_BUCKET_US, &in, &out);
      peak = MAX (peak, MAX (in, out));
    }
  return peak;
}

gdouble
kdh_throughput_scale_top (gdouble peak)
{
  gdouble top = KDH_THROUGHPUT_MIN_TOP;

  while (top < peak && top < 1e15)
    top *= 10;
  return top;
}

gdouble
kdh_throughput_scale_position (gdouble rate,
                               gdouble top)
{
  /* log(1 + rate): 0 at 0, and within a hair of the decades above 10. */
  gdouble position = log10 (1 + MAX (rate, 0)) / log10 (1 + MAX (top, 1));

  return CLAMP (position, 0, 1);
}

gdouble *
kdh_throughput_axis_ticks (gdouble top,
                           guint  *n_ticks)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (gdouble tick = 10; tick <= top * 1.0001; tick *= 10)
    g_array_append_val (ticks, tick);
  *n_ticks = ticks->len;
  return (gdouble *) g_array_free (ticks, FALSE);
}
