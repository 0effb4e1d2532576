/* kdh-engine-sleep.c: how the engine thread waits between looks at the target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Most of the time the engine sleeps in its GMainContext until a source
 * is ready. On a fast link it spins instead while a reply or the next
 * DbgPrint is due within microseconds (kdh_session_spin_until()): there a
 * pass of the whole main loop (prepare, poll and check every source) cost
 * several microseconds per look, a third of a 3944-byte read's round trip
 * (issue 16), so most looks read the link alone (the backend's look()),
 * and every LOOPS_EVERY-th look is a pass of the loop, which keeps timers,
 * output and every other source running while the spin lasts.
 */
#include "kdh-engine-private.h"

/* One look in this many is a pass of the whole main loop. */
#define LOOPS_EVERY 8

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_REMOVE;
}

gint64
kdh_engine_throttle_input (KdhEngine *engine)
{
  if (engine->backend == NULL || engine->backend->klass->throttle_input == NULL)
    return G_MAXINT64;
  return engine->backend->klass->throttle_input (engine->backend,
                                                 g_atomic_int_get (&engine->backlogged));
}

/* The backend expects a reply or a DbgPrint within microseconds (a fast
 * link, kdh_session_spin_until()). */
static gboolean
spinning (KdhEngine *engine)
{
  gint64 until;

  if (engine->backend == NULL || engine->backend->klass->spin_until == NULL)
    return FALSE;
  until = engine->backend->klass->spin_until (engine->backend);
  return until != 0 && g_get_monotonic_time () < until;
}

/* One look while spinning: the link alone when the backend can, else (and
 * every LOOPS_EVERY-th time) the whole loop without blocking; the
 * processor to whoever wants it when nothing came. */
static void
spin_once (KdhEngine *engine)
{
  gboolean delivered = FALSE;

  if (++engine->spin_looks % LOOPS_EVERY != 0 && engine->backend->klass->look != NULL
      && engine->backend->klass->look (engine->backend, &delivered))
    {
      if (!delivered)
        g_thread_yield ();
      return;
    }
  if (!g_main_context_iteration (engine->context, FALSE))
    g_thread_yield ();
}

void
kdh_engine_sleep_until (KdhEngine *engine,
                        gint64     wake_us)
{
  GSource *timer = NULL;

  if (spinning (engine))
    {
      spin_once (engine);
      return;
    }
  if (wake_us != G_MAXINT64)
    {
      gint64 ms = (wake_us - g_get_monotonic_time () + 999) / 1000;

      timer = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXINT));
      g_source_set_callback (timer, wake_up, NULL, NULL);
      g_source_attach (timer, engine->context);
    }
  g_main_context_iteration (engine->context, TRUE);
  if (timer)
    {
      g_source_destroy (timer);
      g_source_unref (timer);
    }
}
