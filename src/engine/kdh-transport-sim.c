/* kdh-transport-sim.c: the in-process simulated target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulator runs on a thread of its own and serves one end of a socket
 * pair; the other end is this transport's stream, so the engine drives it
 * exactly as it drives a VM's pipe.
 */

#include <glib.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "kdh-sim-server.h"
#include "kdh-transport-private.h"

typedef struct {
  KdhTransport parent;
  KdhSimThread *thread;
} KdhSimTransport;

static gboolean
sim_open (KdhTransport  *transport,
          GError       **error)
{
  KdhSimTransport *self = (KdhSimTransport *) transport;
  g_autoptr(GError) local_error = NULL;
  int fd = -1;

  self->thread = kdh_sim_thread_start (&transport->cs.sim, &fd, &local_error);
  if (self->thread == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("cannot start the simulated target: %s"),
                   local_error != NULL ? local_error->message : _("unknown error"));
      return FALSE;
    }

  _kdh_transport_stream_up (transport, fd, TRUE, _("the simulated target"));
  return TRUE;
}

static void
sim_close (KdhTransport *transport)
{
  KdhSimTransport *self = (KdhSimTransport *) transport;

  /* The host end is already closed (the stream is down), so the
   * simulator's side sees the end of the stream before being stopped. */
  g_clear_pointer (&self->thread, kdh_sim_thread_stop);
}

static gboolean
sim_lost (KdhTransport *transport)
{
  return FALSE;
}

static guint
sim_get_baud (KdhTransport *transport)
{
  return transport->cs.sim.baud;
}

static gboolean
sim_get_counters (KdhTransport *transport,
                  gpointer      counters_out)
{
  KdhSimTransport *self = (KdhSimTransport *) transport;

  if (self->thread == NULL)
    return FALSE;
  kdh_sim_thread_get_counters (self->thread, counters_out);
  return TRUE;
}

static void
sim_finalize (KdhTransport *transport)
{
  sim_close (transport);
}

static const KdhTransportClass sim_class = {
  .name = "sim",
  .open = sim_open,
  .close = sim_close,
  .lost = sim_lost,
  .get_baud = sim_get_baud,
  .get_sim_counters = sim_get_counters,
  .finalize = sim_finalize,
};

KdhTransport *
_kdh_transport_sim_new (const KdhConnectionString *cs)
{
  KdhSimTransport *self = g_new0 (KdhSimTransport, 1);

  self->parent.klass = &sim_class;
  return &self->parent;
}
