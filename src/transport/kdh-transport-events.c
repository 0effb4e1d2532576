/* kdh-transport-events.c: what a transport tells its owner, delivered from its main loop
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Callbacks never run inside a call into the transport: opened(),
 * waiting() and closed() (and bytes that arrive behind them) are queued
 * and delivered by an idle source on the owner's context, in order.
 */
#include <glib.h>

#include "kdh-transport-events.h"

typedef enum {
  EVENT_OPENED,
  EVENT_RECEIVED,
  EVENT_WAITING,
  EVENT_CLOSED,
} EventKind;

typedef struct {
  EventKind kind;
  GByteArray *data;
  gchar *reason;
  gboolean retrying;
  GError *error;
} Event;

static void
event_free (Event *event)
{
  g_clear_pointer (&event->data, g_byte_array_unref);
  g_free (event->reason);
  g_clear_error (&event->error);
  g_free (event);
}

static gboolean
dispatch_events (gpointer user_data)
{
  KdhTransport *self = user_data;
  Event *event;

  kdh_transport_clear_source (&self->event_source);

  /* A callback may free the transport; the extra reference keeps the
   * struct alive until the loop has noticed. close() empties the queue,
   * which ends the loop just as well. */
  self->ref_count++;
  while (!self->disposed && (event = g_queue_pop_head (&self->events)) != NULL)
    {
      switch (event->kind)
        {
        case EVENT_OPENED:
          if (self->callbacks.opened != NULL)
            self->callbacks.opened (self, self->user_data);
          break;

        case EVENT_RECEIVED:
          if (self->callbacks.received != NULL)
            self->callbacks.received (self, event->data->data, event->data->len,
                                      self->user_data);
          break;

        case EVENT_WAITING:
          if (self->callbacks.waiting != NULL)
            self->callbacks.waiting (self, event->reason, event->retrying, self->user_data);
          break;

        case EVENT_CLOSED:
          if (self->callbacks.closed != NULL)
            self->callbacks.closed (self, event->error, self->user_data);
          break;

        default:
          g_assert_not_reached ();
        }
      event_free (event);
    }
  kdh_transport_unref (self);

  return G_SOURCE_REMOVE;
}

static void
queue_event (KdhTransport *self,
             Event        *event)
{
  g_queue_push_tail (&self->events, event);

  if (self->event_source == NULL)
    {
      self->event_source = g_idle_source_new ();
      /* Same priority as the fd watches, so that a busy stream cannot
       * keep its own bytes from being delivered. */
      g_source_set_priority (self->event_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->event_source, dispatch_events, self, NULL);
      g_source_attach (self->event_source, self->context);
    }
}

static void
queue_simple_event (KdhTransport *self,
                    EventKind     kind)
{
  Event *event = g_new0 (Event, 1);

  event->kind = kind;
  queue_event (self, event);
}

void
kdh_transport_queue_received (KdhTransport *self,
                              const guint8 *data,
                              gsize         len)
{
  Event *tail = g_queue_peek_tail (&self->events);

  /* Bytes that arrive before the last batch was delivered join it. */
  if (tail != NULL && tail->kind == EVENT_RECEIVED)
    {
      g_byte_array_append (tail->data, data, len);
      return;
    }

  tail = g_new0 (Event, 1);
  tail->kind = EVENT_RECEIVED;
  tail->data = g_byte_array_sized_new (len);
  g_byte_array_append (tail->data, data, len);
  queue_event (self, tail);
}

void
kdh_transport_emit_waiting (KdhTransport *self,
                            const gchar  *reason,
                            gboolean      retrying)
{
  Event *event = g_new0 (Event, 1);

  event->kind = EVENT_WAITING;
  event->reason = g_strdup (reason);
  event->retrying = retrying;
  queue_event (self, event);
}

void
kdh_transport_queue_closed (KdhTransport *self,
                            GError       *error)
{
  Event *event = g_new0 (Event, 1);

  event->kind = EVENT_CLOSED;
  event->error = error;
  queue_event (self, event);
}

void
kdh_transport_fail_open (KdhTransport *self,
                         GError       *error)
{
  self->klass->close (self);
  self->active = FALSE;
  kdh_transport_queue_closed (self, error);
}

void
kdh_transport_queue_opened (KdhTransport *self)
{
  queue_simple_event (self, EVENT_OPENED);
}

void
kdh_transport_clear_events (KdhTransport *self)
{
  g_queue_clear_full (&self->events, (GDestroyNotify) event_free);
  kdh_transport_clear_source (&self->event_source);
}
