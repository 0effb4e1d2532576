/* kdh-sim-kdnet.h: the simulated target over KDNET (UDP)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plays kdnet.dll in front of a KdhSimTarget (docs/protocol.md §5): it
 * pokes the host every few seconds (at once on start, after a reboot, and
 * when the host asks with an empty control datagram), takes the host's
 * response as its session, sends a connection check, and then carries the
 * target's KD packets one per datagram (kdnet.dll's packet ids, no
 * trailer). A rebooted target starts over with a new client key. The
 * options' drop, dup, corrupt and reorder apply to whole datagrams, both
 * ways. Runs on the thread-default main context of its creator.
 */
#pragma once

#include <glib.h>

#include "kdh-sim-options.h"
#include "kdh-sim-target.h"

G_BEGIN_DECLS

#define KDH_SIM_KDNET_POKE_MS 3000   /* kdnet.dll's interval (ntoseye) */
#define KDH_SIM_KDNET_VERSION 2      /* the version byte of the one published capture */

typedef struct {
  guint64 pokes;
  guint64 sessions;            /* responses taken */
  guint64 datagrams_in, datagrams_out;
  guint64 rejected;            /* the host's datagrams that failed a check or were stale */
  guint64 unsent;              /* packets with no session to carry them */
  guint64 dropped, duplicated, reordered, corrupted;   /* faults, both ways */
} KdhSimKdnetCounters;

/* What --kdnet HOST:PORT,key=K[,poke-ms=N] asks for. */
typedef struct {
  gchar *host;
  guint16 port;
  gchar *key;
  guint poke_ms;
} KdhSimKdnetSpec;

gboolean kdh_sim_kdnet_spec_parse (const gchar      *text,
                                   KdhSimKdnetSpec  *spec,
                                   GError          **error);
void     kdh_sim_kdnet_spec_clear (KdhSimKdnetSpec  *spec);

typedef struct _KdhSimKdnet KdhSimKdnet;

/* Resolves the host, opens a UDP socket and starts poking. */
KdhSimKdnet *kdh_sim_kdnet_new  (const KdhSimOptions   *opts,
                                 const KdhSimKdnetSpec *spec,
                                 GError               **error);
void         kdh_sim_kdnet_free (KdhSimKdnet *sim);
/* kdhost-sim --kdnet SPEC: parses it, starts, and says so on stdout
 * ("kdhost-sim: kdnet to HOST:PORT from port N"). */
KdhSimKdnet *kdh_sim_kdnet_start (const KdhSimOptions *opts,
                                  const gchar         *spec_text,
                                  GError             **error);

/* The local UDP port the pokes come from. */
guint16      kdh_sim_kdnet_get_local_port (KdhSimKdnet *sim);
void         kdh_sim_kdnet_get_counters   (KdhSimKdnet         *sim,
                                           KdhSimCounters      *target,
                                           KdhSimKdnetCounters *kdnet);
/* "pokes=3 sessions=1 ..." on one line. */
gchar       *kdh_sim_kdnet_counters_format (const KdhSimKdnetCounters *counters);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhSimKdnet, kdh_sim_kdnet_free)

G_END_DECLS
