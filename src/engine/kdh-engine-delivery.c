/* kdh-engine-delivery.c: events from the engine thread to its subscribers
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every subscriber (the front end that made the engine, the debugging
 * server) has its own queue and its own main context. A dispatch of a
 * subscriber's delivery source hands it events for at most
 * DELIVERY_BUDGET_US and then yields, so that a backlog costs its main
 * loop a few milliseconds at a time rather than one long stall.
 * Undelivered events are counted in bytes (their text plus EVENT_COST
 * each); when any subscriber is above KDH_ENGINE_BACKLOG_HIGH_WATER the
 * engine is backlogged and the backend stops reading from the target
 * (kdh_session_throttle_input()) until every subscriber has drained below
 * BACKLOG_LOW_WATER. The target keeps its DbgPrint and sends it again
 * until it is acknowledged, so memory stays bounded and nothing is lost.
 */
#include "kdh-engine-private.h"

#include <stdarg.h>
#include <string.h>

#define DELIVERY_BUDGET_US 3000
#define BACKLOG_LOW_WATER (KDH_ENGINE_BACKLOG_HIGH_WATER / 4)
#define EVENT_COST 128

struct _KdhEngineSubscription
{
  gint ref_count;
  KdhEngine *engine;
  GMainContext *context;
  KdhEngineEventFunc func;
  gpointer user_data;
  GQueue events;                  /* KdhEvent* */
  GSource *source;                /* pending delivery, or NULL */
  gboolean held;                  /* the subscriber asked to hold delivery */
  gboolean gone;                  /* unsubscribed: never called again */
  gsize bytes;                    /* what events costs, see EVENT_COST */
  gsize bytes_peak;
};

static gsize
event_cost (const KdhEvent *event)
{
  return EVENT_COST + (event->text ? strlen (event->text) : 0);
}

void
kdh_engine_subscription_unref (KdhEngineSubscription *sub)
{
  if (!g_atomic_int_dec_and_test (&sub->ref_count))
    return;
  g_queue_clear_full (&sub->events, (GDestroyNotify) kdh_event_unref);
  g_main_context_unref (sub->context);
  g_free (sub);
}

static KdhEngineSubscription *
subscription_new (KdhEngine         *engine,
                  GMainContext      *context,
                  KdhEngineEventFunc func,
                  gpointer           user_data)
{
  KdhEngineSubscription *sub = g_new0 (KdhEngineSubscription, 1);

  sub->ref_count = 1;
  sub->engine = engine;
  sub->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  sub->func = func;
  sub->user_data = user_data;
  g_queue_init (&sub->events);
  return sub;
}

/* Under out_lock: the engine is backlogged while any subscriber is above
 * the high-water mark, and stays so until every one is below the low. */
static void
update_backlog (KdhEngine *engine)
{
  gboolean high = FALSE, low = TRUE;

  for (guint i = 0; i < engine->subscriptions->len; i++)
    {
      KdhEngineSubscription *sub = engine->subscriptions->pdata[i];

      high = high || sub->bytes > KDH_ENGINE_BACKLOG_HIGH_WATER;
      low = low && sub->bytes < BACKLOG_LOW_WATER;
    }
  if (high)
    g_atomic_int_set (&engine->backlogged, TRUE);
  else if (low && g_atomic_int_get (&engine->backlogged))
    {
      /* The engine looks at this before it sleeps again. */
      g_atomic_int_set (&engine->backlogged, FALSE);
      g_main_context_wakeup (engine->context);
    }
}

static gboolean deliver_events (gpointer data);

/* Under out_lock. */
static void
schedule_delivery (KdhEngineSubscription *sub)
{
  if (sub->source || sub->held || sub->gone || sub->engine->shutting_down
      || g_queue_is_empty (&sub->events))
    return;
  sub->source = g_idle_source_new ();
  g_source_set_priority (sub->source, G_PRIORITY_DEFAULT);
  g_atomic_int_inc (&sub->ref_count);
  g_source_set_callback (sub->source, deliver_events, sub, (GDestroyNotify) kdh_engine_subscription_unref);
  g_source_set_name (sub->source, "[kdhost] engine events");
  g_source_attach (sub->source, sub->context);
}

static gboolean
deliver_events (gpointer data)
{
  KdhEngineSubscription *sub = data;
  KdhEngine *engine = sub->engine;
  gint64 deadline = g_get_monotonic_time () + DELIVERY_BUDGET_US;
  gboolean more;

  g_mutex_lock (&engine->out_lock);
  for (;;)
    {
      KdhEvent *event;

      if (sub->held || sub->gone || engine->shutting_down
          || (event = g_queue_pop_head (&sub->events)) == NULL)
        break;
      sub->bytes -= event_cost (event);
      update_backlog (engine);
      /* Unlocked: the handler may post commands or hold delivery. */
      g_mutex_unlock (&engine->out_lock);
      if (sub->func)
        sub->func (engine, event, sub->user_data);
      kdh_event_unref (event);
      g_mutex_lock (&engine->out_lock);
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  /* Still something to deliver: the same source runs again after the main
   * loop has seen to everything else (input, drawing) once. */
  more = !sub->held && !sub->gone && !engine->shutting_down && !g_queue_is_empty (&sub->events);
  if (!more)
    g_clear_pointer (&sub->source, g_source_unref);
  g_mutex_unlock (&engine->out_lock);
  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Under out_lock. */
static void
enqueue (KdhEngineSubscription *sub,
         KdhEvent              *event)
{
  g_queue_push_tail (&sub->events, kdh_event_ref (event));
  sub->bytes += event_cost (event);
  sub->bytes_peak = MAX (sub->bytes_peak, sub->bytes);
  /* One pending source delivers what is queued by the time it runs, a
   * time budget at a time: bursts cost the subscriber few dispatches. */
  schedule_delivery (sub);
}

static void
queue_event (KdhEngine *engine,
             KdhEvent  *event)
{
  kdh_engine_log_event (engine, event);
  g_mutex_lock (&engine->out_lock);
  for (guint i = 0; i < engine->subscriptions->len; i++)
    enqueue (engine->subscriptions->pdata[i], event);
  update_backlog (engine);
  g_mutex_unlock (&engine->out_lock);
  kdh_event_unref (event);
}

/* ---- Posting, on the engine thread -------------------------------------- */

void
kdh_engine_flush_output (KdhEngine *engine)
{
  KdhEvent *event;

  if (engine->pending_output->len == 0)
    return;
  event = kdh_event_new (KDH_EVENT_OUTPUT);
  event->output_kind = engine->pending_kind;
  event->text = g_strndup (engine->pending_output->str, engine->pending_output->len);
  g_string_truncate (engine->pending_output, 0);
  queue_event (engine, event);
}

/* Output between commands (DbgPrint) comes a packet, often a line, at a
 * time: it waits this long for more before it goes, so that a flood costs
 * the front ends one event per many lines rather than one per line, and
 * the ACK of each packet does not wait behind their wake-ups. A state
 * change, a prompt or a command's end flushes it at once. */
#define OUTPUT_LINGER_US 2000

gint64
kdh_engine_linger_output (KdhEngine *engine)
{
  gint64 due;

  if (engine->pending_output->len == 0)
    return G_MAXINT64;
  due = engine->pending_since + OUTPUT_LINGER_US;
  if (g_get_monotonic_time () < due)
    return due;
  kdh_engine_flush_output (engine);
  return G_MAXINT64;
}

void
kdh_engine_post (KdhEngine *engine,
                 KdhEvent  *event)
{
  kdh_engine_flush_output (engine);
  if (event->kind == KDH_EVENT_STATE)
    {
      g_clear_pointer (&engine->last_state, kdh_event_unref);
      engine->last_state = kdh_event_ref (event);
    }
  queue_event (engine, event);
}

void
kdh_engine_output (KdhEngine    *engine,
                   KdhOutputKind kind,
                   const gchar  *text)
{
  if (text == NULL || *text == '\0')
    return;
  if (engine->pending_output->len > 0
      && (engine->pending_kind != kind
          || engine->pending_output->len > KDH_ENGINE_OUTPUT_CHUNK_MAX))
    kdh_engine_flush_output (engine);
  if (engine->pending_output->len == 0)
    engine->pending_since = g_get_monotonic_time ();
  engine->pending_kind = kind;
  g_string_append (engine->pending_output, text);
}

void
kdh_engine_printf (KdhEngine     *engine,
                   KdhOutputKind  kind,
                   const gchar   *format,
                   ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  kdh_engine_output (engine, kind, text);
}

/* ---- Subscriptions ------------------------------------------------------- */

void
kdh_engine_delivery_init (KdhEngine *engine)
{
  g_mutex_init (&engine->out_lock);
  engine->subscriptions = g_ptr_array_new_with_free_func ((GDestroyNotify) kdh_engine_subscription_unref);
  engine->pending_output = g_string_new (NULL);
}

KdhEngineSubscription *
kdh_engine_subscribe_front_end (KdhEngine         *engine,
                                GMainContext      *context,
                                KdhEngineEventFunc func,
                                gpointer           user_data)
{
  KdhEngineSubscription *sub = subscription_new (engine, context, func, user_data);

  /* Before the thread starts: it sees every event from the first. */
  g_ptr_array_add (engine->subscriptions, sub);
  return sub;
}

void
kdh_engine_add_subscription (KdhEngine             *engine,
                             KdhEngineSubscription *sub)
{
  g_autofree gchar *prompt = g_strdup (engine->last_prompt ? engine->last_prompt : "kd> ");
  KdhEvent *state = NULL;
  KdhEvent *prompt_event = kdh_event_new (KDH_EVENT_PROMPT);

  kdh_engine_flush_output (engine);
  if (engine->last_state)
    state = kdh_event_ref (engine->last_state);
  else
    {
      state = kdh_event_new (KDH_EVENT_STATE);
      state->state = engine->state;
    }
  prompt_event->prompt = g_steal_pointer (&prompt);
  prompt_event->ready = engine->last_ready == 1;
  g_mutex_lock (&engine->out_lock);
  if (!sub->gone)
    {
      enqueue (sub, state);
      enqueue (sub, prompt_event);
      g_ptr_array_add (engine->subscriptions, sub);
    }
  else
    kdh_engine_subscription_unref (sub);
  g_mutex_unlock (&engine->out_lock);
  kdh_event_unref (state);
  kdh_event_unref (prompt_event);
}

KdhEngineSubscription *
kdh_engine_subscribe_new (KdhEngine         *engine,
                          GMainContext      *context,
                          KdhEngineEventFunc func,
                          gpointer           user_data)
{
  KdhEngineSubscription *sub = subscription_new (engine, context, func, user_data);

  /* One reference for the caller, one for the engine's list. */
  g_atomic_int_inc (&sub->ref_count);
  return sub;
}

void
kdh_engine_unsubscribe (KdhEngine             *engine,
                        KdhEngineSubscription *sub)
{
  if (sub == NULL)
    return;
  g_mutex_lock (&engine->out_lock);
  sub->gone = TRUE;
  if (sub->source)
    {
      g_source_destroy (sub->source);
      g_clear_pointer (&sub->source, g_source_unref);
    }
  g_queue_clear_full (&sub->events, (GDestroyNotify) kdh_event_unref);
  sub->bytes = 0;
  /* Not in the list yet when the engine thread has not taken it: it will
   * see it gone and drop it. */
  g_ptr_array_remove (engine->subscriptions, sub);
  update_backlog (engine);
  g_mutex_unlock (&engine->out_lock);
  kdh_engine_subscription_unref (sub);
}

void
kdh_engine_hold_delivery (KdhEngine *engine,
                          gboolean   hold)
{
  g_mutex_lock (&engine->out_lock);
  engine->front_end->held = hold;
  schedule_delivery (engine->front_end);
  g_mutex_unlock (&engine->out_lock);
}

gsize
kdh_engine_get_backlog (KdhEngine *engine,
                        gsize     *peak)
{
  gsize bytes;

  g_mutex_lock (&engine->out_lock);
  bytes = engine->front_end->bytes;
  if (peak)
    *peak = engine->front_end->bytes_peak;
  g_mutex_unlock (&engine->out_lock);
  return bytes;
}

void
kdh_engine_delivery_shutdown (KdhEngine *engine)
{
  g_mutex_lock (&engine->out_lock);
  engine->shutting_down = TRUE;
  for (guint i = 0; i < engine->subscriptions->len; i++)
    {
      KdhEngineSubscription *sub = engine->subscriptions->pdata[i];

      if (sub->source)
        {
          g_source_destroy (sub->source);
          g_clear_pointer (&sub->source, g_source_unref);
        }
      g_queue_clear_full (&sub->events, (GDestroyNotify) kdh_event_unref);
    }
  g_mutex_unlock (&engine->out_lock);
}

void
kdh_engine_delivery_clear (KdhEngine *engine)
{
  g_ptr_array_unref (engine->subscriptions);
  g_mutex_clear (&engine->out_lock);
  g_string_free (engine->pending_output, TRUE);
  g_clear_pointer (&engine->last_state, kdh_event_unref);
}
