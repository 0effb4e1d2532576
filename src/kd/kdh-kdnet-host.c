/* kdh-kdnet-host.c: the host's end of KDNET, as a pure state machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-kdnet-host.h"

#include <arpa/inet.h>
#include <string.h>

#include "kdh-packet.h"

#define US_PER_MS 1000
/* A fresh poke from the session's target is answered with a new session,
 * which replaces the old one only once the target uses it: a poke replayed
 * by somebody else then costs nothing. Unused, it is forgotten after this. */
#define PENDING_SESSION_MS 10000
/* Bad tags from one machine in a row before it is reported as keyed
 * differently: one could be a damaged datagram. */
#define WRONG_KEY_RUN 2
/* Asking an unknown sender for a poke, at most this often. */
#define HOST_POKE_INTERVAL_MS 500

typedef struct {
  gboolean active;
  KdhKdnetPeer peer;
  guint8 data_key[KDH_KDNET_KEY_SIZE];
  KdhKdnetWindow rx;
  gboolean used;                 /* the target has sent data under it */
  gint64 started_us;
} Session;

typedef struct {
  KdhKdnetPeer to;
  GBytes *datagram;
} Outgoing;

struct _KdhKdnetHost
{
  guint8 control_key[KDH_KDNET_KEY_SIZE];
  guint8 hmac_key[KDH_KDNET_KEY_SIZE];
  GArray *only;                  /* of KdhKdnetPeer; empty: any machine */
  KdhKdnetRandomFunc random;
  gpointer random_data;

  guint8 version;                /* the target's, echoed */
  guint64 send_sequence;         /* never goes back: the target drops repeats */
  Session current;
  Session pending;               /* a new session offered to current.peer */
  gboolean had_session;
  gboolean have_poke_sequence;
  guint64 last_poke_sequence;

  KdhKdnetPeer bad_peer;         /* the machine of the last bad tags */
  guint bad_run;
  gboolean bad_reported;
  gint64 last_host_poke_us;

  KdhKdnetSplitter splitter;
  GQueue out;                    /* of Outgoing* */
  GQueue events;                 /* of KdhKdnetHostEvent* */
  KdhKdnetHostStats stats;
};

/* ---- Peers ------------------------------------------------------------- */

gboolean
kdh_kdnet_peer_same_machine (const KdhKdnetPeer *a,
                             const KdhKdnetPeer *b)
{
  return memcmp (a->address, b->address, sizeof a->address) == 0;
}

gboolean
kdh_kdnet_peer_equal (const KdhKdnetPeer *a,
                      const KdhKdnetPeer *b)
{
  return kdh_kdnet_peer_same_machine (a, b) && a->port == b->port;
}

gchar *
kdh_kdnet_peer_to_string (const KdhKdnetPeer *peer)
{
  static const guint8 v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
  char text[INET6_ADDRSTRLEN];

  if (memcmp (peer->address, v4_prefix, sizeof v4_prefix) == 0)
    {
      inet_ntop (AF_INET, peer->address + 12, text, sizeof text);
      return g_strdup_printf ("%s:%u", text, peer->port);
    }
  inet_ntop (AF_INET6, peer->address, text, sizeof text);
  return g_strdup_printf ("[%s]:%u", text, peer->port);
}

/* ---- Life -------------------------------------------------------------- */

static void
outgoing_free (Outgoing *o)
{
  g_bytes_unref (o->datagram);
  g_free (o);
}

KdhKdnetHost *
kdh_kdnet_host_new (const guint8        control_key[KDH_KDNET_KEY_SIZE],
                    const KdhKdnetPeer *only,
                    guint               n_only,
                    KdhKdnetRandomFunc  random,
                    gpointer            random_data)
{
  KdhKdnetHost *host = g_new0 (KdhKdnetHost, 1);

  memcpy (host->control_key, control_key, KDH_KDNET_KEY_SIZE);
  kdh_kdnet_hmac_key (control_key, host->hmac_key);
  host->only = g_array_new (FALSE, FALSE, sizeof (KdhKdnetPeer));
  if (n_only > 0)
    g_array_append_vals (host->only, only, n_only);
  host->random = random;
  host->random_data = random_data;
  host->send_sequence = 1;
  kdh_kdnet_splitter_init (&host->splitter);
  g_queue_init (&host->out);
  g_queue_init (&host->events);
  return host;
}

void
kdh_kdnet_host_free (KdhKdnetHost *host)
{
  if (host == NULL)
    return;
  kdh_kdnet_splitter_clear (&host->splitter);
  g_array_unref (host->only);
  g_queue_clear_full (&host->out, (GDestroyNotify) outgoing_free);
  g_queue_clear_full (&host->events, g_free);
  /* The keys do not outlive the connection in freed memory. */
  memset (host, 0, sizeof *host);
  g_free (host);
}

gboolean
kdh_kdnet_host_has_session (KdhKdnetHost *host)
{
  return host->current.active;
}

const KdhKdnetPeer *
kdh_kdnet_host_get_peer (KdhKdnetHost *host)
{
  return host->current.active ? &host->current.peer : NULL;
}

const KdhKdnetHostStats *
kdh_kdnet_host_get_stats (KdhKdnetHost *host)
{
  return &host->stats;
}

guint64
kdh_kdnet_host_stats_dropped (const KdhKdnetHostStats *s)
{
  guint64 n = s->stale + s->wrong_direction + s->foreign + s->malformed;

  for (guint i = 0; i < KDH_KDNET_N_VERDICTS; i++)
    n += s->rejected[i];
  return n;
}

static void
push_event (KdhKdnetHost          *host,
            KdhKdnetHostEventKind  kind,
            const KdhKdnetPeer    *peer)
{
  KdhKdnetHostEvent *event = g_new0 (KdhKdnetHostEvent, 1);

  event->kind = kind;
  event->peer = *peer;
  g_queue_push_tail (&host->events, event);
}

gboolean
kdh_kdnet_host_next_event (KdhKdnetHost      *host,
                           KdhKdnetHostEvent *event)
{
  KdhKdnetHostEvent *head = g_queue_pop_head (&host->events);

  if (head == NULL)
    return FALSE;
  *event = *head;
  g_free (head);
  return TRUE;
}

/* ---- Sending ----------------------------------------------------------- */

static void
queue_datagram (KdhKdnetHost       *host,
                const KdhKdnetPeer *to,
                guint8              channel,
                guint64             sequence,
                const guint8       *payload,
                gsize               len,
                const guint8       *key)
{
  GByteArray *d = g_byte_array_new ();
  Outgoing *o = g_new0 (Outgoing, 1);

  kdh_kdnet_seal (d, host->version, channel, sequence, TRUE, payload, len, key, host->hmac_key);
  o->to = *to;
  o->datagram = g_byte_array_free_to_bytes (d);
  g_queue_push_tail (&host->out, o);
  host->stats.datagrams_out++;
}

gboolean
kdh_kdnet_host_pop_datagram (KdhKdnetHost  *host,
                             KdhKdnetPeer  *to,
                             GBytes       **datagram)
{
  Outgoing *o = g_queue_pop_head (&host->out);

  if (o == NULL)
    return FALSE;
  *to = o->to;
  *datagram = g_steal_pointer (&o->datagram);
  g_free (o);
  return TRUE;
}

void
kdh_kdnet_host_send (KdhKdnetHost *host,
                     const guint8 *bytes,
                     gsize         len)
{
  GBytes *unit;

  kdh_kdnet_splitter_feed (&host->splitter, bytes, len);
  while ((unit = kdh_kdnet_splitter_next (&host->splitter)) != NULL)
    {
      gsize n;
      const guint8 *p = g_bytes_get_data (unit, &n);

      /* Before a target has poked there is nobody to send to. */
      if (host->current.active)
        queue_datagram (host, &host->current.peer, KDH_KDNET_CHANNEL_DATA,
                        host->send_sequence++, p, n, host->current.data_key);
      g_bytes_unref (unit);
    }
}

void
kdh_kdnet_host_poke (KdhKdnetHost       *host,
                     const KdhKdnetPeer *to,
                     guint8              version)
{
  if (!host->current.active)
    host->version = version;
  queue_datagram (host, to, KDH_KDNET_CHANNEL_CONTROL, host->send_sequence++, NULL, 0,
                  host->control_key);
}

/* ---- Receiving --------------------------------------------------------- */

/* Answers @poke with a new session for @from: in @session. */
static void
answer_poke (KdhKdnetHost       *host,
             const KdhKdnetPoke *poke,
             const KdhKdnetDatagram *d,
             const KdhKdnetPeer *from,
             gint64              now_us,
             Session            *session)
{
  guint8 host_key[KDH_KDNET_SESSION_KEY_SIZE];
  guint8 response[KDH_KDNET_RESPONSE_SIZE];

  host->random (host_key, sizeof host_key, host->random_data);
  kdh_kdnet_response_build (response, poke->client_key, host_key);
  memset (session, 0, sizeof *session);
  session->active = TRUE;
  session->peer = *from;
  session->started_us = now_us;
  kdh_kdnet_data_key (host->control_key, response, session->data_key);
  kdh_kdnet_window_reset (&session->rx);
  host->version = d->version;
  /* The response carries the poke's own sequence number, as WinDbg's. */
  queue_datagram (host, from, KDH_KDNET_CHANNEL_CONTROL, d->sequence, response,
                  sizeof response, host->control_key);
  host->stats.responses++;
  memset (host_key, 0, sizeof host_key);
  memset (response, 0, sizeof response);
}

static void
handle_poke (KdhKdnetHost           *host,
             const KdhKdnetDatagram *d,
             const KdhKdnetPeer     *from,
             gint64                  now_us)
{
  KdhKdnetPoke poke;
  gboolean advances;

  if (!kdh_kdnet_poke_parse (d->payload, d->payload_len, &poke))
    {
      host->stats.malformed++;
      return;
    }
  if (!host->current.active)
    {
      answer_poke (host, &poke, d, from, now_us, &host->current);
      host->have_poke_sequence = TRUE;
      host->last_poke_sequence = d->sequence;
      if (!host->had_session)
        push_event (host, KDH_KDNET_HOST_EVENT_SESSION, from);
      host->had_session = TRUE;
      return;
    }
  /* Another machine with the same key must not take the session over. */
  if (!kdh_kdnet_peer_same_machine (from, &host->current.peer))
    {
      host->stats.foreign++;
      return;
    }
  /* kdnet.dll pokes every few seconds whether it has a session or not, and
   * takes any answer to a recent poke as a new session. A target with a
   * session says whose (the host port) and numbers on; a fresh one (it
   * rebooted, or lost our answer) has no host port or starts its numbers
   * again. Only the fresh one is answered. */
  /* Numbers are compared with the same sender's only: another port's
   * pokes (a rebooted target's new one, or anyone's) say nothing about
   * the session's target. */
  if (kdh_kdnet_peer_equal (from, &host->current.peer))
    {
      advances = !host->have_poke_sequence || d->sequence > host->last_poke_sequence;
      host->have_poke_sequence = TRUE;
      host->last_poke_sequence = d->sequence;
    }
  else
    advances = FALSE;
  if (poke.host_port != 0 && advances && !host->current.used
      && kdh_kdnet_peer_equal (from, &host->current.peer))
    {
      /* A fresh keepalive, and nothing came under our answer's key: the
       * target still holds an older session (ours before a .restart, or a
       * debugger's before us), so the answer was lost on the way. Answer
       * again, in place of the unused one: nothing to keep. */
      kdh_kdnet_splitter_clear (&host->splitter);
      kdh_kdnet_splitter_init (&host->splitter);
      answer_poke (host, &poke, d, from, now_us, &host->current);
      return;
    }
  if (poke.host_port != 0)
    {
      /* A target that names a host port has its session. A keepalive
       * repeated or overtaken on the way (not above the last number) is
       * stale: answering it would hand the target a new session it takes
       * up, which reads as a reboot. */
      if (advances)
        host->stats.keepalives++;
      else
        host->stats.stale++;
      return;
    }
  if (host->current.used || !kdh_kdnet_peer_equal (from, &host->current.peer))
    answer_poke (host, &poke, d, from, now_us, &host->pending);
  else
    {
      /* Our answer never got there: nothing to keep. */
      kdh_kdnet_splitter_clear (&host->splitter);
      kdh_kdnet_splitter_init (&host->splitter);
      answer_poke (host, &poke, d, from, now_us, &host->current);
    }
}

static void
note_bad_tag (KdhKdnetHost       *host,
              const KdhKdnetPeer *from)
{
  /* Only a machine we have no session with can be keyed differently;
   * a bad tag from the target itself is damage or a forgery. */
  if (host->current.active && kdh_kdnet_peer_same_machine (from, &host->current.peer))
    return;
  if (host->bad_run == 0 || !kdh_kdnet_peer_equal (from, &host->bad_peer))
    {
      host->bad_peer = *from;
      host->bad_run = 0;
      host->bad_reported = FALSE;
    }
  host->bad_run++;
  if (host->bad_run >= WRONG_KEY_RUN && !host->bad_reported)
    {
      host->bad_reported = TRUE;
      push_event (host, KDH_KDNET_HOST_EVENT_WRONG_KEY, from);
    }
}

/* Opens a data datagram under @session's key; @scratch is a copy to use
 * when the first attempt has altered @datagram. */
static KdhKdnetVerdict
open_data (KdhKdnetHost     *host,
           guint8           *datagram,
           gsize             len,
           Session          *session,
           KdhKdnetDatagram *d)
{
  return kdh_kdnet_open (datagram, len, host->control_key,
                         session->active ? session->data_key : NULL, host->hmac_key, d);
}

static void
take_data (KdhKdnetHost           *host,
           const KdhKdnetDatagram *d,
           GByteArray             *stream)
{
  static const guint8 trailer = KDH_PACKET_TRAILER;

  if (!kdh_kdnet_window_take (&host->current.rx, d->sequence))
    {
      host->stats.stale++;
      return;
    }
  switch (kdh_kdnet_kd_classify (d->payload, d->payload_len))
    {
    case KDH_KDNET_KD_PACKET:
      g_byte_array_append (stream, d->payload, (guint) d->payload_len);
      /* The link parses KDCOM's framing, where a data packet ends in a
       * trailer byte that KDNET leaves out. */
      if (d->payload[0] == KDH_PACKET_LEADER_BYTE)
        g_byte_array_append (stream, &trailer, 1);
      break;
    case KDH_KDNET_KD_CONNECTION_CHECK:
      host->stats.connection_checks++;
      break;
    case KDH_KDNET_KD_BREAKIN:
    case KDH_KDNET_KD_MALFORMED:
    default:
      host->stats.malformed++;
      break;
    }
}

static void
handle_data (KdhKdnetHost       *host,
             guint8             *datagram,
             gsize               len,
             const KdhKdnetPeer *from,
             gint64              now_us,
             GByteArray         *stream)
{
  g_autofree guint8 *copy = NULL;
  KdhKdnetDatagram d;
  KdhKdnetVerdict v;
  gboolean under_pending = FALSE;

  if (!host->current.active)
    {
      guint8 version = 0;

      host->stats.rejected[KDH_KDNET_NO_KEY]++;
      /* A target still sending for a session we do not hold (after a
       * .restart, or a debugger before us): ask it to offer one now. */
      kdh_kdnet_peek (datagram, len, &version, NULL);
      if (host->last_host_poke_us == 0
          || now_us - host->last_host_poke_us >= HOST_POKE_INTERVAL_MS * US_PER_MS)
        {
          host->last_host_poke_us = now_us;
          kdh_kdnet_host_poke (host, from, version);
        }
      return;
    }
  if (!kdh_kdnet_peer_equal (from, &host->current.peer)
      && !(host->pending.active && kdh_kdnet_peer_equal (from, &host->pending.peer)))
    {
      host->stats.foreign++;
      return;
    }
  if (host->pending.active)
    copy = g_memdup2 (datagram, len);
  v = open_data (host, datagram, len, &host->current, &d);
  if (v == KDH_KDNET_BAD_TAG && host->pending.active)
    {
      v = open_data (host, copy, len, &host->pending, &d);
      under_pending = v == KDH_KDNET_OK;
    }
  if (v != KDH_KDNET_OK)
    {
      host->stats.rejected[v]++;
      return;
    }
  if (d.from_host)
    {
      host->stats.wrong_direction++;
      return;
    }
  if (under_pending)
    {
      /* The target took the new session: it is a new machine. */
      host->current = host->pending;
      memset (&host->pending, 0, sizeof host->pending);
      host->have_poke_sequence = FALSE;
      kdh_kdnet_splitter_clear (&host->splitter);
      kdh_kdnet_splitter_init (&host->splitter);
      push_event (host, KDH_KDNET_HOST_EVENT_RESTARTED, from);
    }
  else if (host->pending.active
           && now_us - host->pending.started_us > PENDING_SESSION_MS * US_PER_MS)
    memset (&host->pending, 0, sizeof host->pending);
  if (!host->current.used)
    {
      host->current.used = TRUE;
      host->stats.sessions++;
    }
  take_data (host, &d, stream);
}

void
kdh_kdnet_host_receive (KdhKdnetHost       *host,
                        guint8             *datagram,
                        gsize               len,
                        const KdhKdnetPeer *from,
                        gint64              now_us,
                        GByteArray         *stream)
{
  guint8 channel;
  KdhKdnetDatagram d;
  KdhKdnetVerdict v;

  host->stats.datagrams_in++;
  if (host->only->len > 0)
    {
      guint i;

      for (i = 0; i < host->only->len; i++)
        if (kdh_kdnet_peer_same_machine (from, &g_array_index (host->only, KdhKdnetPeer, i)))
          break;
      if (i == host->only->len)
        {
          host->stats.foreign++;
          return;
        }
    }
  if (!kdh_kdnet_peek (datagram, len, NULL, &channel))
    {
      /* Which check failed, for the counters. */
      v = kdh_kdnet_open (datagram, len, host->control_key, NULL, host->hmac_key, &d);
      host->stats.rejected[v == KDH_KDNET_OK ? KDH_KDNET_BAD_LENGTH : v]++;
      return;
    }
  if (channel == KDH_KDNET_CHANNEL_DATA)
    {
      handle_data (host, datagram, len, from, now_us, stream);
      return;
    }

  v = kdh_kdnet_open (datagram, len, host->control_key, NULL, host->hmac_key, &d);
  if (v == KDH_KDNET_BAD_TAG)
    note_bad_tag (host, from);
  if (v != KDH_KDNET_OK)
    {
      host->stats.rejected[v]++;
      return;
    }
  if (kdh_kdnet_peer_equal (from, &host->bad_peer))
    host->bad_run = 0;
  if (d.from_host)
    {
      host->stats.wrong_direction++;
      return;
    }
  handle_poke (host, &d, from, now_us);
}
