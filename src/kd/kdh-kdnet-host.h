/* kdh-kdnet-host.h: the host's end of KDNET, as a pure state machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Datagrams in (with the address they came from), KD bytes out for the
 * host link, and the other way round (docs/protocol.md §5): it answers the
 * poke of a target that proves the key, keeps that target's session, turns
 * its data datagrams into the KDCOM byte stream the link parses (a trailer
 * added to each data packet) and the link's bytes into one datagram per
 * packet. A target that pokes again as a fresh machine gets a new session,
 * reported once the target uses it. Everything that fails a check is
 * dropped and counted, never interpreted. No I/O: the transport owns the
 * socket and brings the randomness.
 */
#pragma once

#include <glib.h>

#include "kdh-kdnet.h"

G_BEGIN_DECLS

/* An IPv6 address (IPv4 ones mapped, ::ffff:a.b.c.d) and a UDP port. */
typedef struct {
  guint8 address[16];
  guint16 port;
} KdhKdnetPeer;

gboolean kdh_kdnet_peer_same_machine (const KdhKdnetPeer *a,
                                      const KdhKdnetPeer *b);
gboolean kdh_kdnet_peer_equal        (const KdhKdnetPeer *a,
                                      const KdhKdnetPeer *b);
/* "192.0.2.5:50000", "[2001:db8::5]:50000". */
gchar   *kdh_kdnet_peer_to_string    (const KdhKdnetPeer *peer);

/* Fills @buf with @len bytes from a cryptographically secure generator. */
typedef void (*KdhKdnetRandomFunc) (guint8   *buf,
                                    gsize     len,
                                    gpointer  user_data);

typedef struct {
  guint64 datagrams_in, datagrams_out;
  guint64 rejected[KDH_KDNET_N_VERDICTS]; /* by kdh_kdnet_open()'s verdict */
  guint64 stale;               /* sequence number not above the last one taken */
  guint64 wrong_direction;     /* marked as sent by a host */
  guint64 foreign;             /* from a machine that is not this session's target */
  guint64 malformed;           /* authentic, but neither a KD packet nor a known message */
  guint64 keepalives;          /* pokes of a target that has its session */
  guint64 connection_checks;   /* a target's first data datagram */
  guint64 responses;           /* pokes answered */
  guint64 sessions;            /* sessions the target took up */
} KdhKdnetHostStats;

/* Every datagram dropped, whatever the reason. */
guint64 kdh_kdnet_host_stats_dropped (const KdhKdnetHostStats *stats);

typedef enum {
  KDH_KDNET_HOST_EVENT_SESSION,   /* a target proved the key and was answered */
  KDH_KDNET_HOST_EVENT_RESTARTED, /* the target took up a new session: it rebooted */
  KDH_KDNET_HOST_EVENT_WRONG_KEY, /* a machine's datagrams fail the key */
} KdhKdnetHostEventKind;

typedef struct {
  KdhKdnetHostEventKind kind;
  KdhKdnetPeer peer;
} KdhKdnetHostEvent;

typedef struct _KdhKdnetHost KdhKdnetHost;

/* With @n_only > 0, only datagrams from the machines in @only (their
 * addresses; the ports are ignored: a name may resolve to several) are
 * looked at. */
KdhKdnetHost *kdh_kdnet_host_new  (const guint8        control_key[KDH_KDNET_KEY_SIZE],
                                   const KdhKdnetPeer *only,
                                   guint               n_only,
                                   KdhKdnetRandomFunc  random,
                                   gpointer            random_data);
void          kdh_kdnet_host_free (KdhKdnetHost *host);

/* One datagram from @from (decrypted in place, so @datagram is the
 * caller's scratch). The KD bytes it carried, if any, are appended to
 * @stream. */
void     kdh_kdnet_host_receive      (KdhKdnetHost       *host,
                                      guint8             *datagram,
                                      gsize               len,
                                      const KdhKdnetPeer *from,
                                      gint64              now_us,
                                      GByteArray         *stream);
/* KD bytes from the link. Sent only while there is a session; dropped
 * before one (a target has to poke first). */
void     kdh_kdnet_host_send         (KdhKdnetHost       *host,
                                      const guint8       *bytes,
                                      gsize               len);
/* Asks @to for a poke now rather than at its next one (kdnet.dll answers
 * an empty control datagram with a poke). */
void     kdh_kdnet_host_poke         (KdhKdnetHost       *host,
                                      const KdhKdnetPeer *to,
                                      guint8              version);
/* The next datagram to send and where; FALSE when none. */
gboolean kdh_kdnet_host_pop_datagram (KdhKdnetHost       *host,
                                      KdhKdnetPeer       *to,
                                      GBytes            **datagram);
gboolean kdh_kdnet_host_next_event   (KdhKdnetHost       *host,
                                      KdhKdnetHostEvent  *event);

gboolean kdh_kdnet_host_has_session  (KdhKdnetHost       *host);
/* The session's target, or NULL. */
const KdhKdnetPeer *kdh_kdnet_host_get_peer (KdhKdnetHost *host);
const KdhKdnetHostStats *kdh_kdnet_host_get_stats (KdhKdnetHost *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhKdnetHost, kdh_kdnet_host_free)

G_END_DECLS
