/* kdh-session-net.c: what a datagram transport (KDNET) adds to a session
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KDNET numbers its packets differently (kd/kdh-packet-ids.h), counts
 * datagrams the link never sees, and is the only one that can tell that
 * a target rebooted: a KDNET packet id has no SYNC bit, but a rebooted
 * target takes up a new session (docs/protocol.md §5).
 */
#include "kdh-session-private.h"

#include <gio/gio.h>

void
kdh_session_link_config (KdhSession *s,
                         guint       baud)
{
  kdh_link_config_init (&s->link_config, baud);
  s->link_config.kdnet_ids = s->cs->kind == KDH_TRANSPORT_NET;
}

gboolean
kdh_session_note_closed (KdhSession   *s,
                         const GError *error)
{
  if (g_error_matches (error, KDH_TRANSPORT_ERROR, KDH_TRANSPORT_ERROR_PEER_RESTARTED))
    {
      /* A request in flight ends with "the target rebooted"; the next
       * sync's stop is a rebooted target's. */
      s->peer_restarted = s->rebooted = TRUE;
      s->stale_breakin_armed = FALSE;
      s->peer_reboots++;
    }
  return s->cs->reconnect || s->cs->kind == KDH_TRANSPORT_TCP_LISTEN
         || s->cs->kind == KDH_TRANSPORT_NET;
}

gint64
kdh_session_next_stats_look (KdhSession *s,
                             gint64      now_us)
{
  if (s->cs->kind == KDH_TRANSPORT_NET && s->transport_open)
    return now_us + STATS_INTERVAL_US;
  return 0;
}

KdhLinkStats
kdh_session_collect_stats (KdhSession *s)
{
  KdhLinkStats stats = *kdh_link_get_stats (s->link);

  if (s->transport)
    kdh_transport_get_datagram_counts (s->transport, &stats.datagrams_in, &stats.datagrams_out,
                                       &stats.datagrams_dropped);
  stats.target_reboots += s->peer_reboots;
  return stats;
}
