/* kdh-sim-kdnet.c: the simulated target over KDNET (UDP)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What it does as kdnet.dll, and where that comes from (docs/protocol.md
 * §5): pokes of 344 bytes every 3 s, the host port at offset 86 once a
 * session exists (ntoseye's reading); a response is taken when it echoes
 * our client key, and zeroes the mark of the host's sequence numbers; the
 * first data datagram is a 12-byte connection check (the Windows 8
 * capture); a host datagram whose sequence number does not advance is
 * dropped; an empty control datagram from the host gets a poke at once.
 */
#include "kdh-sim-kdnet.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>

#include "kd/kdh-kdnet.h"
#include "kd/kdh-packet.h"

#define US_PER_MS 1000
/* How long a datagram held back for reordering waits for another to
 * overtake it. */
#define REORDER_HOLD_MS 20

typedef struct {
  GBytes *datagram;
  gint64 until_us;
} Held;

struct _KdhSimKdnet
{
  KdhSimOptions opts;
  KdhSimTarget *target;
  GRand *rand;
  guint poke_ms;

  GSocket *socket;
  GSocketAddress *host;
  GSource *read_source;
  GSource *timer;

  guint8 control_key[KDH_KDNET_KEY_SIZE];
  guint8 hmac_key[KDH_KDNET_KEY_SIZE];
  guint8 data_key[KDH_KDNET_KEY_SIZE];
  guint8 client_key[KDH_KDNET_SESSION_KEY_SIZE];
  gboolean session;
  guint16 host_port;             /* the host whose session we took, for pokes */
  guint64 control_sequence;
  guint64 data_sequence;
  KdhKdnetWindow host_window;
  guint64 reboots_seen;
  gint64 next_poke_us;

  Held out_held;                 /* reordering, each way */
  Held in_held;
  KdhSimKdnetCounters counters;
};

static void rearm (KdhSimKdnet *sim);
static void process (KdhSimKdnet *sim, GBytes *datagram);

/* ---- The spec ---------------------------------------------------------- */

gboolean
kdh_sim_kdnet_spec_parse (const gchar      *text,
                          KdhSimKdnetSpec  *spec,
                          GError          **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  const gchar *hostport = parts[0];
  const gchar *colon = strrchr (hostport, ':');
  guint64 port, ms;
  guint8 key[KDH_KDNET_KEY_SIZE];

  memset (spec, 0, sizeof *spec);
  spec->poke_ms = KDH_SIM_KDNET_POKE_MS;
  if (colon == NULL || colon == hostport
      || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "bad '%s' in '--kdnet %s' (expected HOST:PORT,key=W.X.Y.Z)", hostport, text);
      return FALSE;
    }
  spec->host = g_strndup (hostport, colon - hostport);
  if (spec->host[0] == '[' && strlen (spec->host) > 2
      && spec->host[strlen (spec->host) - 1] == ']')
    {
      gchar *bare = g_strndup (spec->host + 1, strlen (spec->host) - 2);

      g_free (spec->host);
      spec->host = bare;
    }
  spec->port = (guint16) port;
  for (guint i = 1; parts[i]; i++)
    {
      if (g_str_has_prefix (parts[i], "key="))
        {
          g_autoptr (GError) local = NULL;

          if (!kdh_kdnet_key_parse (parts[i] + 4, key, &local))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s in '--kdnet %s'",
                           local->message, text);
              kdh_sim_kdnet_spec_clear (spec);
              return FALSE;
            }
          g_free (spec->key);
          spec->key = g_strdup (parts[i] + 4);
        }
      else if (g_str_has_prefix (parts[i], "poke-ms=")
               && g_ascii_string_to_unsigned (parts[i] + 8, 10, 10, 600000, &ms, NULL))
        spec->poke_ms = (guint) ms;
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "unknown option '%s' in '--kdnet %s' (expected key=W.X.Y.Z or "
                       "poke-ms=N)", parts[i], text);
          kdh_sim_kdnet_spec_clear (spec);
          return FALSE;
        }
    }
  if (spec->key == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "missing 'key=' in '--kdnet %s'", text);
      kdh_sim_kdnet_spec_clear (spec);
      return FALSE;
    }
  return TRUE;
}

void
kdh_sim_kdnet_spec_clear (KdhSimKdnetSpec *spec)
{
  g_clear_pointer (&spec->host, g_free);
  g_clear_pointer (&spec->key, g_free);
}

/* ---- Datagrams out ----------------------------------------------------- */

static gboolean
chance (KdhSimKdnet *sim,
        gdouble      p)
{
  return p > 0 && g_rand_double (sim->rand) < p;
}

static void
send_raw (KdhSimKdnet *sim,
          GBytes      *datagram)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (datagram, &len);

  sim->counters.datagrams_out++;
  if (g_socket_send_to (sim->socket, sim->host, (const gchar *) data, len, NULL, &error) < 0)
    g_debug ("KDNET datagram not sent: %s", error->message);
}

static void
release_held (Held        *held,
              KdhSimKdnet *sim,
              gboolean     out)
{
  g_autoptr (GBytes) datagram = g_steal_pointer (&held->datagram);

  if (datagram == NULL)
    return;
  if (out)
    send_raw (sim, datagram);
  else
    process (sim, datagram);
}

/* The line's faults on one datagram, either way: @deliver gets what
 * survives, in the order it arrives. */
static void
with_faults (KdhSimKdnet *sim,
             GBytes      *datagram,
             Held        *held,
             gboolean     out,
             void       (*deliver) (KdhSimKdnet *, GBytes *))
{
  g_autoptr (GBytes) d = g_bytes_ref (datagram);

  if (chance (sim, sim->opts.drop))
    {
      sim->counters.dropped++;
      return;
    }
  if (chance (sim, sim->opts.corrupt))
    {
      gsize len;
      guint8 *copy = g_bytes_unref_to_data (g_steal_pointer (&d), &len);

      copy[g_rand_int_range (sim->rand, 0, (gint32) len)] ^=
        (guint8) g_rand_int_range (sim->rand, 1, 256);
      d = g_bytes_new_take (copy, len);
      sim->counters.corrupted++;
    }
  if (held->datagram == NULL && chance (sim, sim->opts.reorder))
    {
      held->datagram = g_steal_pointer (&d);
      held->until_us = g_get_monotonic_time () + REORDER_HOLD_MS * US_PER_MS;
      sim->counters.reordered++;
      return;
    }
  deliver (sim, d);
  if (chance (sim, sim->opts.dup))
    {
      sim->counters.duplicated++;
      deliver (sim, d);
    }
  release_held (held, sim, out);
}

static void
send_datagram (KdhSimKdnet  *sim,
               guint8        channel,
               guint64       sequence,
               const guint8 *payload,
               gsize         len,
               const guint8 *key)
{
  g_autoptr (GByteArray) d = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;

  kdh_kdnet_seal (d, KDH_SIM_KDNET_VERSION, channel, sequence, FALSE, payload, len, key,
                  sim->hmac_key);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&d));
  with_faults (sim, bytes, &sim->out_held, TRUE, send_raw);
}

static void
send_poke (KdhSimKdnet *sim)
{
  g_autoptr (GByteArray) body = g_byte_array_new ();
  KdhKdnetPoke poke;

  memcpy (poke.client_key, sim->client_key, sizeof poke.client_key);
  poke.host_port = sim->session ? sim->host_port : 0;
  kdh_kdnet_poke_build (body, &poke);
  send_datagram (sim, KDH_KDNET_CHANNEL_CONTROL, ++sim->control_sequence, body->data, body->len,
                 sim->control_key);
  sim->counters.pokes++;
  sim->next_poke_us = g_get_monotonic_time () + (gint64) sim->poke_ms * US_PER_MS;
}

/* The target's packets, one datagram each, without the trailer. */
static void
pump_target (KdhSimKdnet *sim)
{
  GBytes *unit;

  while ((unit = kdh_sim_target_pop_output (sim->target)) != NULL)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (unit, &len);

      if (len > KDH_PACKET_HEADER_SIZE && p[0] == KDH_PACKET_LEADER_BYTE
          && p[len - 1] == KDH_PACKET_TRAILER)
        len--;
      if (sim->session)
        send_datagram (sim, KDH_KDNET_CHANNEL_DATA, ++sim->data_sequence, p, len, sim->data_key);
      else
        sim->counters.unsent++;
      g_bytes_unref (unit);
    }
}

/* ---- Datagrams in ------------------------------------------------------ */

static void
take_response (KdhSimKdnet            *sim,
               const KdhKdnetDatagram *d)
{
  guint8 echoed[KDH_KDNET_SESSION_KEY_SIZE];
  guint8 check[12] = { 0 };
  g_autoptr (GInetAddress) ip = NULL;

  if (!kdh_kdnet_response_parse (d->payload, d->payload_len, echoed)
      || memcmp (echoed, sim->client_key, sizeof echoed) != 0)
    {
      sim->counters.rejected++;
      return;
    }
  kdh_kdnet_data_key (sim->control_key, d->payload, sim->data_key);
  sim->session = TRUE;
  sim->host_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sim->host));
  sim->data_sequence = 0;
  kdh_kdnet_window_reset (&sim->host_window);
  sim->counters.sessions++;
  /* As in the capture: the host's IPv4 address, last byte first, in the
   * last four bytes. */
  ip = g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sim->host)));
  if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV4)
    {
      const guint8 *b = g_inet_address_to_bytes (ip);

      for (guint i = 0; i < 4; i++)
        check[8 + i] = b[3 - i];
    }
  send_datagram (sim, KDH_KDNET_CHANNEL_DATA, ++sim->data_sequence, check, sizeof check,
                 sim->data_key);
}

static void
take_data (KdhSimKdnet            *sim,
           const KdhKdnetDatagram *d)
{
  static const guint8 trailer = KDH_PACKET_TRAILER;

  if (!kdh_kdnet_window_take (&sim->host_window, d->sequence))
    {
      sim->counters.rejected++;
      return;
    }
  switch (kdh_kdnet_kd_classify (d->payload, d->payload_len))
    {
    case KDH_KDNET_KD_PACKET:
    case KDH_KDNET_KD_BREAKIN:
      {
        g_autoptr (GByteArray) bytes = g_byte_array_new ();

        g_byte_array_append (bytes, d->payload, (guint) d->payload_len);
        if (d->payload[0] == KDH_PACKET_LEADER_BYTE)
          g_byte_array_append (bytes, &trailer, 1);
        kdh_sim_target_receive (sim->target, bytes->data, bytes->len, g_get_monotonic_time ());
      }
      break;
    default:
      sim->counters.rejected++;
      break;
    }
}

static void
process (KdhSimKdnet *sim,
         GBytes      *datagram)
{
  gsize len;
  g_autofree guint8 *buf = g_bytes_unref_to_data (g_bytes_ref (datagram), &len);
  KdhKdnetDatagram d;

  /* A booting machine's debugger is not listening yet. */
  if (kdh_sim_target_get_state (sim->target) == KDH_SIM_BOOTING)
    return;
  if (kdh_kdnet_open (buf, len, sim->control_key, sim->session ? sim->data_key : NULL,
                      sim->hmac_key, &d) != KDH_KDNET_OK || !d.from_host)
    {
      sim->counters.rejected++;
      return;
    }
  if (d.channel == KDH_KDNET_CHANNEL_CONTROL && d.payload_len == 0)
    send_poke (sim);       /* the host asks for one */
  else if (d.channel == KDH_KDNET_CHANNEL_CONTROL)
    take_response (sim, &d);
  else
    take_data (sim, &d);
}

/* ---- The clock --------------------------------------------------------- */

static void
check_reboot (KdhSimKdnet *sim)
{
  const KdhSimCounters *c = kdh_sim_target_get_counters (sim->target);

  if (c->reboots == sim->reboots_seen)
    return;
  /* A fresh kdnet.dll: no session, a new key, numbers from the start, and
   * a poke as soon as it runs. */
  sim->reboots_seen = c->reboots;
  sim->session = FALSE;
  sim->host_port = 0;
  sim->control_sequence = 0;
  for (guint i = 0; i < sizeof sim->client_key; i++)
    sim->client_key[i] = (guint8) g_rand_int_range (sim->rand, 0, 256);
  sim->next_poke_us = 0;
}

static void
step (KdhSimKdnet *sim)
{
  gint64 now = g_get_monotonic_time ();

  kdh_sim_target_tick (sim->target, now);
  check_reboot (sim);
  pump_target (sim);
  if (kdh_sim_target_get_state (sim->target) != KDH_SIM_BOOTING && now >= sim->next_poke_us)
    send_poke (sim);
  if (sim->out_held.datagram && now >= sim->out_held.until_us)
    release_held (&sim->out_held, sim, TRUE);
  if (sim->in_held.datagram && now >= sim->in_held.until_us)
    release_held (&sim->in_held, sim, FALSE);
  pump_target (sim);
  rearm (sim);
}

static gboolean
on_timer (gpointer data)
{
  KdhSimKdnet *sim = data;

  g_clear_pointer (&sim->timer, g_source_unref);
  step (sim);
  return G_SOURCE_REMOVE;
}

static void
rearm (KdhSimKdnet *sim)
{
  gint64 deadline = MIN (kdh_sim_target_next_deadline (sim->target), sim->next_poke_us);
  gint64 ms;

  if (sim->out_held.datagram)
    deadline = MIN (deadline, sim->out_held.until_us);
  if (sim->in_held.datagram)
    deadline = MIN (deadline, sim->in_held.until_us);
  if (sim->timer)
    {
      g_source_destroy (sim->timer);
      g_clear_pointer (&sim->timer, g_source_unref);
    }
  ms = (deadline - g_get_monotonic_time () + 999) / US_PER_MS;
  sim->timer = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXINT));
  g_source_set_callback (sim->timer, on_timer, sim, NULL);
  g_source_attach (sim->timer, g_main_context_get_thread_default ());
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      data)
{
  KdhSimKdnet *sim = data;

  for (guint i = 0; i < 64; i++)
    {
      g_autoptr (GSocketAddress) from = NULL;
      g_autoptr (GError) error = NULL;
      guint8 buf[KDH_KDNET_MAX_DATAGRAM];
      gssize n = g_socket_receive_from (socket, &from, (gchar *) buf, sizeof buf, NULL, &error);
      g_autoptr (GBytes) datagram = NULL;

      if (n < 0)
        break;
      sim->counters.datagrams_in++;
      datagram = g_bytes_new (buf, (gsize) n);
      with_faults (sim, datagram, &sim->in_held, FALSE, process);
    }
  step (sim);
  return G_SOURCE_CONTINUE;
}

/* ---- Life -------------------------------------------------------------- */

KdhSimKdnet *
kdh_sim_kdnet_new (const KdhSimOptions   *opts,
                   const KdhSimKdnetSpec *spec,
                   GError               **error)
{
  g_autoptr (KdhSimKdnet) sim = g_new0 (KdhSimKdnet, 1);
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (spec->host);
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GInetAddress) any = NULL;

  sim->opts = *opts;
  sim->poke_ms = spec->poke_ms;
  sim->rand = g_rand_new_with_seed ((guint32) (opts->seed ^ (opts->seed >> 32) ^ 0x4B444E54));
  if (!kdh_kdnet_key_parse (spec->key, sim->control_key, error))
    return NULL;
  kdh_kdnet_hmac_key (sim->control_key, sim->hmac_key);
  for (guint i = 0; i < sizeof sim->client_key; i++)
    sim->client_key[i] = (guint8) g_rand_int_range (sim->rand, 0, 256);
  kdh_kdnet_window_reset (&sim->host_window);

  if (ip == NULL)
    {
      g_autoptr (GResolver) resolver = g_resolver_get_default ();
      GList *list = g_resolver_lookup_by_name (resolver, spec->host, NULL, error);

      if (list == NULL)
        {
          g_prefix_error (error, "cannot resolve '%s': ", spec->host);
          return NULL;
        }
      ip = g_object_ref (list->data);
      g_resolver_free_addresses (list);
    }
  sim->host = g_inet_socket_address_new (ip, spec->port);
  sim->socket = g_socket_new (g_inet_address_get_family (ip), G_SOCKET_TYPE_DATAGRAM,
                              G_SOCKET_PROTOCOL_UDP, error);
  if (sim->socket == NULL)
    return NULL;
  g_socket_set_blocking (sim->socket, FALSE);
  any = g_inet_address_new_any (g_inet_address_get_family (ip));
  local = g_inet_socket_address_new (any, 0);
  if (!g_socket_bind (sim->socket, local, FALSE, error))
    return NULL;

  sim->target = kdh_sim_target_new (opts, g_get_monotonic_time ());
  kdh_sim_target_use_kdnet_ids (sim->target);
  sim->read_source = g_socket_create_source (sim->socket, G_IO_IN, NULL);
  g_source_set_callback (sim->read_source, G_SOURCE_FUNC (on_readable), sim, NULL);
  g_source_attach (sim->read_source, g_main_context_get_thread_default ());
  step (sim);
  return g_steal_pointer (&sim);
}

KdhSimKdnet *
kdh_sim_kdnet_start (const KdhSimOptions *opts,
                     const gchar         *spec_text,
                     GError             **error)
{
  KdhSimKdnetSpec spec;
  KdhSimKdnet *sim;

  if (!kdh_sim_kdnet_spec_parse (spec_text, &spec, error))
    return NULL;
  sim = kdh_sim_kdnet_new (opts, &spec, error);
  if (sim != NULL)
    printf (strchr (spec.host, ':') ? "kdhost-sim: kdnet to [%s]:%u from port %u\n"
                                    : "kdhost-sim: kdnet to %s:%u from port %u\n",
            spec.host, spec.port, kdh_sim_kdnet_get_local_port (sim));
  kdh_sim_kdnet_spec_clear (&spec);
  return sim;
}

void
kdh_sim_kdnet_free (KdhSimKdnet *sim)
{
  if (sim == NULL)
    return;
  if (sim->read_source)
    g_source_destroy (sim->read_source);
  g_clear_pointer (&sim->read_source, g_source_unref);
  if (sim->timer)
    g_source_destroy (sim->timer);
  g_clear_pointer (&sim->timer, g_source_unref);
  g_clear_pointer (&sim->out_held.datagram, g_bytes_unref);
  g_clear_pointer (&sim->in_held.datagram, g_bytes_unref);
  g_clear_pointer (&sim->target, kdh_sim_target_free);
  g_clear_object (&sim->socket);
  g_clear_object (&sim->host);
  g_clear_pointer (&sim->rand, g_rand_free);
  g_free (sim);
}

guint16
kdh_sim_kdnet_get_local_port (KdhSimKdnet *sim)
{
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (sim->socket, NULL);

  return local ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

void
kdh_sim_kdnet_get_counters (KdhSimKdnet         *sim,
                            KdhSimCounters      *target,
                            KdhSimKdnetCounters *kdnet)
{
  if (target)
    *target = *kdh_sim_target_get_counters (sim->target);
  if (kdnet)
    *kdnet = sim->counters;
}

gchar *
kdh_sim_kdnet_counters_format (const KdhSimKdnetCounters *c)
{
  return g_strdup_printf ("pokes=%" G_GUINT64_FORMAT " sessions=%" G_GUINT64_FORMAT
                          " datagrams_in=%" G_GUINT64_FORMAT " datagrams_out=%" G_GUINT64_FORMAT
                          " rejected=%" G_GUINT64_FORMAT " unsent=%" G_GUINT64_FORMAT
                          " dropped=%" G_GUINT64_FORMAT " duplicated=%" G_GUINT64_FORMAT
                          " reordered=%" G_GUINT64_FORMAT " corrupted=%" G_GUINT64_FORMAT,
                          c->pokes, c->sessions, c->datagrams_in, c->datagrams_out, c->rejected,
                          c->unsent, c->dropped, c->duplicated, c->reordered, c->corrupted);
}
