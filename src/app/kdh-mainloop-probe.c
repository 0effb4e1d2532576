/* kdh-mainloop-probe.c: measures how long the main loop stalls
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-mainloop-probe.h"

#include <string.h>
#include <time.h>

#define PERIOD_MS 4
#define HISTOGRAM_MS 1000   /* stalls are binned per millisecond up to this */

typedef struct {
  gchar *path;
  guint timer_id;
  guint report_id;
  gint64 due_us;
  gint64 warmup_until_us;      /* 0: no warm-up, or over */
  guint warmup_ms;
  gint64 startup_max_stall_us;
  gint64 max_stall_us;
  gint64 max_cpu_stall_us;     /* the part of a stall the main thread spent on a CPU */
  gint64 startup_max_cpu_stall_us;
  gint64 cpu_us;               /* the main thread's CPU time at the last tick */
  guint64 samples;
  guint64 histogram[HISTOGRAM_MS + 1];
  GHashTable *counters;      /* name -> guint64* */
} Probe;

static Probe *probe;

/* On a shared machine a stall may be the loop's own work or a wait for a
 * core; the thread's CPU time tells them apart. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
on_tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 late = MAX (0, now - probe->due_us);
  gint64 cpu = thread_cpu_us ();
  gint64 cpu_late = MIN (late, cpu - probe->cpu_us);

  probe->cpu_us = cpu;

  if (probe->warmup_until_us != 0 && now >= probe->warmup_until_us)
    {
      /* Start-up (building the window, the first burst of output) is
       * over: the figures from here on are the steady state's. */
      probe->startup_max_stall_us = MAX (probe->max_stall_us, late);
      probe->startup_max_cpu_stall_us = MAX (probe->max_cpu_stall_us, cpu_late);
      probe->max_stall_us = 0;
      probe->max_cpu_stall_us = 0;
      probe->samples = 0;
      memset (probe->histogram, 0, sizeof probe->histogram);
      probe->warmup_until_us = 0;
      late = 0;
      cpu_late = 0;
    }
  probe->max_stall_us = MAX (probe->max_stall_us, late);
  probe->max_cpu_stall_us = MAX (probe->max_cpu_stall_us, cpu_late);
  probe->histogram[MIN (late / 1000, HISTOGRAM_MS)]++;
  probe->samples++;
  probe->due_us = now + PERIOD_MS * 1000;
  return G_SOURCE_CONTINUE;
}

static guint64
percentile_ms (gdouble p)
{
  guint64 target = (guint64) (probe->samples * p), seen = 0;

  for (guint i = 0; i <= HISTOGRAM_MS; i++)
    {
      seen += probe->histogram[i];
      if (seen > target)
        return i;
    }
  return HISTOGRAM_MS;
}

static void
write_report (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_string_append_printf (text, "max_stall_ms=%.1f\nmax_cpu_stall_ms=%.1f\np99_stall_ms=%"
                          G_GUINT64_FORMAT "\nsamples=%" G_GUINT64_FORMAT "\n",
                          probe->max_stall_us / 1000.0, probe->max_cpu_stall_us / 1000.0,
                          percentile_ms (0.99), probe->samples);
  if (probe->warmup_ms > 0)
    g_string_append_printf (text, "warmup_ms=%u\nstartup_max_stall_ms=%.1f\n"
                            "startup_max_cpu_stall_ms=%.1f\n", probe->warmup_ms,
                            probe->startup_max_stall_us / 1000.0,
                            probe->startup_max_cpu_stall_us / 1000.0);
  g_hash_table_iter_init (&iter, probe->counters);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_string_append_printf (text, "%s=%" G_GUINT64_FORMAT "\n", (const gchar *) key,
                            *(guint64 *) value);
  g_file_set_contents (probe->path, text->str, (gssize) text->len, NULL);
}

static gboolean
on_report (gpointer data)
{
  write_report ();
  return G_SOURCE_CONTINUE;
}

gboolean
kdh_mainloop_probe_start (void)
{
  const gchar *path = g_getenv ("KDH_MAINLOOP_PROBE");
  const gchar *warmup = g_getenv ("KDH_MAINLOOP_PROBE_WARMUP_MS");
  guint64 warmup_ms = 0;

  if (path == NULL || *path == '\0' || probe != NULL)
    return FALSE;
  probe = g_new0 (Probe, 1);
  probe->path = g_strdup (path);
  probe->counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  probe->due_us = g_get_monotonic_time () + PERIOD_MS * 1000;
  probe->cpu_us = thread_cpu_us ();
  if (warmup && g_ascii_string_to_unsigned (warmup, 10, 1, 600000, &warmup_ms, NULL))
    {
      probe->warmup_ms = (guint) warmup_ms;
      probe->warmup_until_us = g_get_monotonic_time () + (gint64) warmup_ms * 1000;
    }
  /* Above GTK's redraw priority: it measures the loop, not the drawing. */
  probe->timer_id = g_timeout_add_full (G_PRIORITY_HIGH, PERIOD_MS, on_tick, NULL, NULL);
  probe->report_id = g_timeout_add_seconds (1, on_report, NULL);
  return TRUE;
}

void
kdh_mainloop_probe_stop (void)
{
  if (probe == NULL)
    return;
  write_report ();
  g_source_remove (probe->timer_id);
  g_source_remove (probe->report_id);
  g_hash_table_unref (probe->counters);
  g_free (probe->path);
  g_clear_pointer (&probe, g_free);
}

gboolean
kdh_mainloop_probe_enabled (void)
{
  return probe != NULL;
}

void
kdh_mainloop_probe_count (const gchar *name,
                          guint64      n)
{
  guint64 *value;

  if (probe == NULL)
    return;
  value = g_hash_table_lookup (probe->counters, name);
  if (value == NULL)
    {
      value = g_new0 (guint64, 1);
      g_hash_table_insert (probe->counters, g_strdup (name), value);
    }
  *value += n;
}
