/* kdh-sim-transport.c: the in-process simulated target, as a connection
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulator runs on a thread of its own and serves one end of a socket
 * pair; the other end is this transport's stream, so the session drives it
 * exactly as it drives a VM's pipe.
 */
#include "kdh-sim-transport.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kdh-sim-server.h"
#include "transport/kdh-transport-kind.h"

typedef struct {
  KdhTransport parent;
  KdhSimThread *thread;
} KdhSimTransport;

/* ---- Counters ------------------------------------------------------------ */

#define COUNTER(name) { #name, G_STRUCT_OFFSET (KdhSimCounters, name) }

static const struct {
  const gchar *name;
  gsize offset;
} counter_fields[] = {
  COUNTER (resets_received), COUNTER (resets_sent), COUNTER (packets_received),
  COUNTER (packets_sent), COUNTER (retransmits), COUNTER (acks_received), COUNTER (acks_sent),
  COUNTER (resends_received), COUNTER (resends_sent), COUNTER (breakins),
  COUNTER (state_changes), COUNTER (prints), COUNTER (prints_dropped), COUNTER (reboots),
  COUNTER (silences), COUNTER (bytes_discarded), COUNTER (manipulates),
};

GVariant *
kdh_sim_counters_to_variant (const KdhSimCounters *counters)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{st}"));
  for (gsize i = 0; i < G_N_ELEMENTS (counter_fields); i++)
    g_variant_builder_add (&builder, "{st}", counter_fields[i].name,
                           G_STRUCT_MEMBER (guint64, counters, counter_fields[i].offset));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

gboolean
kdh_sim_counters_from_variant (GVariant       *variant,
                               KdhSimCounters *counters)
{
  memset (counters, 0, sizeof *counters);
  if (variant == NULL || !g_variant_is_of_type (variant, G_VARIANT_TYPE ("a{st}")))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (counter_fields); i++)
    {
      guint64 value = 0;

      if (!g_variant_lookup (variant, counter_fields[i].name, "t", &value))
        return FALSE;
      G_STRUCT_MEMBER (guint64, counters, counter_fields[i].offset) = value;
    }
  return TRUE;
}

/* ---- The transport ------------------------------------------------------- */

static gboolean
sim_open (KdhTransport *transport,
          GError      **error)
{
  KdhSimTransport *self = (KdhSimTransport *) transport;
  g_autoptr(GError) local_error = NULL;
  int fd = -1;

  self->thread = kdh_sim_thread_start (transport->cs->options, &fd, &local_error);
  if (self->thread == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("cannot start the simulated target: %s"),
                   local_error != NULL ? local_error->message : _("unknown error"));
      return FALSE;
    }

  kdh_transport_stream_up (transport, fd, TRUE, _("the simulated target"));
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
  return ((const KdhSimOptions *) transport->cs->options)->baud;
}

static GVariant *
sim_dup_peer_counters (KdhTransport *transport)
{
  KdhSimTransport *self = (KdhSimTransport *) transport;
  KdhSimCounters counters;

  if (self->thread == NULL)
    return NULL;
  kdh_sim_thread_get_counters (self->thread, &counters);
  return kdh_sim_counters_to_variant (&counters);
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
  .dup_peer_counters = sim_dup_peer_counters,
  .finalize = sim_finalize,
};

/* ---- The kind of connection string --------------------------------------- */

static KdhTransport *
kind_create (const KdhConnectionString *cs)
{
  KdhSimTransport *self = g_new0 (KdhSimTransport, 1);

  self->parent.klass = &sim_class;
  return &self->parent;
}

static gpointer
kind_parse (const gchar *text,
            const gchar *whole,
            GError     **error)
{
  g_autofree KdhSimOptions *opts = g_new (KdhSimOptions, 1);
  g_autoptr(GError) local = NULL;
  KdhConnectionStringError code;

  kdh_sim_options_init (opts);
  if (kdh_sim_options_parse_full (text, whole, opts, &local))
    return g_steal_pointer (&opts);

  switch (local->code)
    {
    case KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION:
      code = KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION;
      break;
    case KDH_SIM_OPTIONS_ERROR_BAD_VALUE:
      code = KDH_CONNECTION_STRING_ERROR_BAD_VALUE;
      break;
    case KDH_SIM_OPTIONS_ERROR_DUPLICATE:
      code = KDH_CONNECTION_STRING_ERROR_CONFLICT;
      break;
    case KDH_SIM_OPTIONS_ERROR_SYNTAX:
    default:
      code = KDH_CONNECTION_STRING_ERROR_SYNTAX;
      break;
    }
  g_set_error_literal (error, KDH_CONNECTION_STRING_ERROR, code, local->message);
  return NULL;
}

static gpointer
kind_copy (gconstpointer options)
{
  return g_memdup2 (options, sizeof (KdhSimOptions));
}

static gchar *
kind_to_string (gconstpointer options)
{
  return kdh_sim_options_to_string (options);
}

static guint
kind_line_baud (gconstpointer options)
{
  return ((const KdhSimOptions *) options)->baud;
}

static const KdhConnectionKind sim_kind = {
  .name = "sim",
  .bare = TRUE,
  .parse = kind_parse,
  .copy = kind_copy,
  .free = g_free,
  .to_string = kind_to_string,
  .line_baud = kind_line_baud,
  .create = kind_create,
};

void
kdh_sim_transport_register (void)
{
  kdh_connection_kind_register (&sim_kind);
}

const KdhSimOptions *
kdh_sim_transport_get_options (const KdhConnectionString *cs)
{
  if (cs == NULL || cs->kind != KDH_TRANSPORT_REGISTERED || cs->registered != &sim_kind)
    return NULL;
  return cs->options;
}
