/* kdh-view-probe.c: how long after a stop the open views show it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-view-probe.h"

#include "kdh-view.h"

typedef struct {
  guint views;
  guint results;
  guint errors;
  gint64 shown_us;              /* after the Break event; -1: not yet */
  gint64 painted_us;
  gint64 settled_us;
} Stop;

typedef struct {
  gchar *path;
  GArray *stops;                /* of Stop */
  gboolean in_stop;             /* from a Break to the next other state */
  gboolean busy;                /* a view had a query in flight after the last event */
  gboolean view_result;         /* the event in hand answers a view's query */
  gint64 break_us;
  guint n_views;                /* open after the last event */
  GdkFrameClock *clock;
  gulong paint_handler;
} ViewProbe;

static ViewProbe *probe;

gboolean
kdh_view_probe_enabled (void)
{
  static gint enabled = -1;

  if (G_UNLIKELY (enabled < 0))
    {
      const gchar *path = g_getenv ("KDH_VIEW_PROBE");

      enabled = path != NULL && *path != '\0';
      if (enabled)
        {
          probe = g_new0 (ViewProbe, 1);
          probe->path = g_strdup (path);
          probe->stops = g_array_new (FALSE, TRUE, sizeof (Stop));
        }
    }
  return enabled;
}

static void
append_ms (GString     *text,
           const gchar *key,
           gint64       us)
{
  if (us < 0)
    g_string_append_printf (text, " %s=-", key);
  else
    g_string_append_printf (text, " %s=%.1f", key, us / 1000.0);
}

static void
write_report (void)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_string_append_printf (text, "views=%u\n", probe->n_views);
  for (guint i = 0; i < probe->stops->len; i++)
    {
      Stop *stop = &g_array_index (probe->stops, Stop, i);

      g_string_append_printf (text, "stop=%u views=%u", i + 1, stop->views);
      append_ms (text, "shown_ms", stop->shown_us);
      append_ms (text, "painted_ms", stop->painted_us);
      append_ms (text, "settled_ms", stop->settled_us);
      g_string_append_printf (text, " results=%u errors=%u\n", stop->results, stop->errors);
    }
  g_file_set_contents (probe->path, text->str, (gssize) text->len, NULL);
}

static Stop *
current_stop (void)
{
  return &g_array_index (probe->stops, Stop, probe->stops->len - 1);
}

static void
stop_painting_watch (void)
{
  if (probe->paint_handler)
    g_signal_handler_disconnect (probe->clock, probe->paint_handler);
  probe->paint_handler = 0;
  g_clear_object (&probe->clock);
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  if (probe->in_stop && current_stop ()->painted_us < 0)
    {
      current_stop ()->painted_us = g_get_monotonic_time () - probe->break_us;
      write_report ();
    }
  stop_painting_watch ();
}

/* The first frame drawn once every view has its data is when the screen
 * shows it. */
static void
watch_painting (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  stop_painting_watch ();
  if (clock == NULL)
    return;
  probe->clock = g_object_ref (clock);
  probe->paint_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint),
                                           NULL);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
}

void
kdh_view_probe_before (GPtrArray      *views,
                       const KdhEvent *event)
{
  if (!kdh_view_probe_enabled ())
    return;
  probe->view_result = FALSE;
  if (event->kind == KDH_EVENT_STATE && event->state == KDH_CONN_BREAK && !probe->in_stop)
    probe->break_us = g_get_monotonic_time ();
  else if (event->kind == KDH_EVENT_QUERY_RESULT && event->token != 0)
    for (guint i = 0; i < views->len; i++)
      if (kdh_view_get_query (KDH_VIEW (views->pdata[i])) == event->token)
        probe->view_result = TRUE;
}

void
kdh_view_probe_after (GPtrArray      *views,
                      GtkWidget      *window,
                      const KdhEvent *event)
{
  gboolean busy = FALSE;
  guint n;
  Stop *stop;
  gint64 now;

  if (!kdh_view_probe_enabled ())
    return;
  n = views->len;
  probe->n_views = n;
  if (event->kind == KDH_EVENT_STATE)
    {
      if (event->state != KDH_CONN_BREAK)
        {
          probe->in_stop = FALSE;
          stop_painting_watch ();
          return;
        }
      if (!probe->in_stop)
        {
          Stop fresh = { n, 0, 0, -1, -1, -1 };

          g_array_append_val (probe->stops, fresh);
          probe->in_stop = TRUE;
          probe->busy = TRUE;
        }
    }
  if (!probe->in_stop)
    return;
  stop = current_stop ();
  if (probe->view_result)
    {
      stop->results++;
      stop->errors += event->result == NULL;
    }
  for (guint i = 0; i < n && !busy; i++)
    busy = kdh_view_get_query (KDH_VIEW (views->pdata[i])) != 0;
  /* Only the moment they go quiet counts, not every event after it. */
  if (busy || !probe->busy)
    {
      probe->busy = busy;
      if (probe->view_result)
        write_report ();
      return;
    }
  probe->busy = FALSE;
  now = g_get_monotonic_time () - probe->break_us;
  if (stop->shown_us < 0)
    {
      stop->shown_us = now;
      watch_painting (window);
    }
  stop->settled_us = now;
  write_report ();
}
