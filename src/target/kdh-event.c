/* kdh-event.c: what the engine tells its front ends
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-event.h"

#include <glib/gi18n.h>

const gchar *
kdh_conn_state_name (KdhConnState state)
{
  switch (state)
    {
    case KDH_CONN_DISCONNECTED: return _("Disconnected");
    case KDH_CONN_OPENING: return _("Opening");
    case KDH_CONN_WAITING: return _("Waiting for target");
    case KDH_CONN_SYNCHRONIZING: return _("Synchronizing");
    case KDH_CONN_BREAK: return _("Break");
    case KDH_CONN_RUNNING: return _("Running");
    case KDH_CONN_RESYNCHRONIZING: return _("Resynchronizing");
    case KDH_CONN_RESTARTING: return _("Restarting");
    case KDH_CONN_LOST: return _("Lost");
    default: return "?";
    }
}

const gchar *
kdh_conn_state_id (KdhConnState state)
{
  static const gchar *ids[] = {
    "disconnected", "opening", "waiting", "synchronizing", "break", "running",
    "resynchronizing", "restarting", "lost",
  };

  return (guint) state < G_N_ELEMENTS (ids) ? ids[state] : "unknown";
}

gboolean
kdh_conn_state_connected (KdhConnState state)
{
  return state == KDH_CONN_BREAK || state == KDH_CONN_RUNNING;
}

KdhEvent *
kdh_event_new (KdhEventKind kind)
{
  KdhEvent *event = g_new0 (KdhEvent, 1);

  event->ref_count = 1;
  event->kind = kind;
  event->time_us = g_get_monotonic_time ();
  event->real_time_us = g_get_real_time ();
  return event;
}

KdhEvent *
kdh_event_ref (KdhEvent *event)
{
  g_atomic_int_inc (&event->ref_count);
  return event;
}

void
kdh_event_unref (KdhEvent *event)
{
  if (event == NULL || !g_atomic_int_dec_and_test (&event->ref_count))
    return;
  g_free (event->reason);
  g_free (event->transport);
  g_free (event->target);
  g_free (event->text);
  g_free (event->origin);
  g_free (event->prompt);
  g_free (event->error);
  g_free (event->verdict);
  g_free (event->meaning);
  g_clear_pointer (&event->result, g_variant_unref);
  g_free (event);
}
