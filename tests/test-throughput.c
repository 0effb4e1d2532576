/* test-throughput.c: the throughput graph's model (rates, scale, axis),
 * without widgets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Expected figures are worked out here from the bytes fed and the times
 * they were fed at.
 */
#include <math.h>
#include <glib.h>

#include "kdh-throughput.h"

#define SEC G_USEC_PER_SEC
/* A base on a column boundary, far from zero. */
#define BASE (1000 * SEC)

/* A connect: 5 kB within a few milliseconds of the snapshot before. */
static void
test_connect_burst (void)
{
  KdhThroughput *t = kdh_throughput_new ();
  gdouble in, out, peak;

  kdh_throughput_add (t, 0, 0, BASE + SEC / 2);
  kdh_throughput_add (t, 5000, 300, BASE + SEC / 2 + 2500);
  peak = kdh_throughput_peak (t, BASE + SEC / 2 + 2500);
  /* 5000 bytes in one second's column: 5 kB/s, not 5000 / 2.5 ms. */
  g_assert_cmpfloat_with_epsilon (peak, 5000, 1e-6);
  g_assert_cmpfloat (kdh_throughput_scale_top (peak), ==, 10000);
  kdh_throughput_current (t, BASE + SEC / 2 + 2500, &in, &out);
  /* Averaged over the last two seconds. */
  g_assert_cmpfloat_with_epsilon (in, 2500, 1e-6);
  g_assert_cmpfloat_with_epsilon (out, 150, 1e-6);
  kdh_throughput_free (t);
}

/* DbgPrint output: 120 bytes a second in snapshots 250 ms apart. */
static void
test_steady_trickle (void)
{
  KdhThroughput *t = kdh_throughput_new ();
  guint64 in_bytes = 0;
  gint64 now = BASE;
  gdouble in, out;

  kdh_throughput_add (t, 0, 0, now);
  for (guint i = 0; i < 40; i++)
    {
      now += SEC / 4;
      in_bytes += 30;
      kdh_throughput_add (t, in_bytes, in_bytes / 10, now);
    }
  /* Just after the latest snapshot: not yet taken for silence. */
  kdh_throughput_current (t, now + SEC / 10, &in, &out);
  g_assert_cmpfloat_with_epsilon (in, 120, 1e-6);
  g_assert_cmpfloat_with_epsilon (out, 12, 1e-6);
  /* Each whole column holds 120. */
  kdh_throughput_rate (t, BASE + 3 * SEC, BASE + 4 * SEC, &in, &out);
  g_assert_cmpfloat_with_epsilon (in, 120, 1e-6);
  g_assert_cmpfloat_with_epsilon (kdh_throughput_peak (t, now), 120, 1e-6);
  /* Nothing more for 10 s: the rate falls to zero, the minute keeps it. */
  kdh_throughput_current (t, now + 10 * SEC, &in, &out);
  g_assert_cmpfloat (in, ==, 0);
  g_assert_cmpfloat (out, ==, 0);
  g_assert_cmpfloat_with_epsilon (kdh_throughput_peak (t, now + 10 * SEC), 120, 1e-6);
  /* Out of the window after a minute. */
  g_assert_cmpfloat (kdh_throughput_peak (t, now + 62 * SEC), ==, 0);

  /* Next to a burst of 2 MB/s the trickle keeps a third of the height. */
  kdh_throughput_add (t, in_bytes + 2000000, 0, now + SEC);
  g_assert_cmpfloat (kdh_throughput_scale_top (kdh_throughput_peak (t, now + SEC)), ==, 1e7);
  g_assert_cmpfloat (kdh_throughput_scale_position (120, 1e7), >, 0.29);
  g_assert_cmpfloat_with_epsilon (kdh_throughput_scale_position (120, 1e7),
                                  log10 (121) / log10 (1e7 + 1), 1e-12);
  kdh_throughput_free (t);
}

/* A gap: a snapshot after 10 quiet seconds spreads over the last second
 * only; counters that start again count from zero. */
static void
test_gaps_and_restarts (void)
{
  KdhThroughput *t = kdh_throughput_new ();
  gdouble in, out;

  kdh_throughput_add (t, 100, 100, BASE);
  kdh_throughput_add (t, 1100, 100, BASE + 10 * SEC);
  kdh_throughput_rate (t, BASE, BASE + 9 * SEC, &in, &out);
  g_assert_cmpfloat (in, ==, 0);
  kdh_throughput_rate (t, BASE + 9 * SEC, BASE + 10 * SEC, &in, &out);
  g_assert_cmpfloat_with_epsilon (in, 1000, 1e-6);
  g_assert_cmpfloat (out, ==, 0);
  /* A new link: 40 bytes, not a negative or huge number. */
  kdh_throughput_add (t, 40, 0, BASE + 11 * SEC);
  kdh_throughput_rate (t, BASE + 10 * SEC, BASE + 11 * SEC, &in, &out);
  g_assert_cmpfloat_with_epsilon (in, 40, 1e-6);
  /* A late snapshot with an older time counts no byte twice. */
  kdh_throughput_add (t, 100, 0, BASE + 10 * SEC);
  kdh_throughput_rate (t, BASE, BASE + 20 * SEC, &in, &out);
  g_assert_cmpfloat_with_epsilon (in * 20, 1000 + 40 + 60, 1e-6);
  kdh_throughput_free (t);
}

static void
test_scale (void)
{
  guint n = 0;
  g_autofree gdouble *ticks = NULL;

  g_assert_cmpfloat (kdh_throughput_scale_top (0), ==, 1000);
  g_assert_cmpfloat (kdh_throughput_scale_top (999), ==, 1000);
  g_assert_cmpfloat (kdh_throughput_scale_top (1001), ==, 10000);
  g_assert_cmpfloat (kdh_throughput_scale_top (11520), ==, 100000);
  g_assert_cmpfloat (kdh_throughput_scale_position (0, 1000), ==, 0);
  g_assert_cmpfloat (kdh_throughput_scale_position (1000, 1000), ==, 1);
  g_assert_cmpfloat (kdh_throughput_scale_position (5000, 1000), ==, 1);
  /* Decades evenly spaced, within a hair. */
  g_assert_cmpfloat (fabs (kdh_throughput_scale_position (100, 10000) - 0.5), <, 0.002);

  ticks = kdh_throughput_axis_ticks (100000, &n);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpfloat (ticks[0], ==, 10);
  g_assert_cmpfloat (ticks[4], ==, 100000);
  g_assert_cmpint (kdh_throughput_bucket_start (BASE + SEC / 2), ==, BASE);
  g_assert_cmpint (kdh_throughput_bucket_start (-SEC / 2), ==, -SEC);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/throughput/connect-burst", test_connect_burst);
  g_test_add_func ("/throughput/steady-trickle", test_steady_trickle);
  g_test_add_func ("/throughput/gaps-and-restarts", test_gaps_and_restarts);
  g_test_add_func ("/throughput/scale", test_scale);

  return g_test_run ();
}
