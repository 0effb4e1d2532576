/* kdh-sim-target.h: the target side of the KD protocol, simulated
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Behaves as a Windows kernel's debugger transport and KD stub do
 * (docs/protocol.md §2.1, §2.2, §2.5, §2.10, §3): while running it only polls
 * the line for the break-in byte and throws other bytes away; it sends each
 * packet until it is acknowledged (giving up, after a bounded number of
 * tries, only on packets that may be dropped); it answers RESET; it stops
 * with a state change for a break-in, a breakpoint or a module load, and
 * then serves one manipulate request at a time until told to continue.
 *
 * Pure like the host link: bytes and a clock in, bytes out. The line's
 * faults and rate limit are kdh-sim-line's business; the transport is
 * kdh-sim-server's.
 */
#pragma once

#include <glib.h>

#include "kdh-sim-kernel.h"
#include "kdh-sim-options.h"

G_BEGIN_DECLS

typedef struct {
  guint64 resets_received;
  guint64 resets_sent;
  guint64 packets_received;      /* data packets accepted (new, not duplicates) */
  guint64 packets_sent;          /* data packets, retransmissions included */
  guint64 retransmits;
  guint64 acks_received;
  guint64 acks_sent;
  guint64 resends_received;
  guint64 resends_sent;
  guint64 breakins;              /* break-in bytes that stopped the target */
  guint64 state_changes;         /* fresh state changes reported */
  guint64 prints;                /* DbgPrint lines delivered (acknowledged) */
  guint64 prints_dropped;        /* DbgPrint lines given up on (no debugger) */
  guint64 reboots;
  guint64 silences;              /* silent-after episodes */
  guint64 bytes_discarded;       /* bytes thrown away while running */
  guint64 manipulates;           /* manipulate requests served */
} KdhSimCounters;

typedef enum {
  KDH_SIM_RUNNING,
  KDH_SIM_STOPPED,               /* waiting for manipulate requests */
  KDH_SIM_BOOTING,               /* rebooting: deaf to the line */
} KdhSimRunState;

typedef struct _KdhSimTarget KdhSimTarget;

KdhSimTarget *kdh_sim_target_new  (const KdhSimOptions *opts,
                                   gint64               now_us);
void          kdh_sim_target_free (KdhSimTarget *target);
/* Numbers packets as kdnet.dll does (kd/kdh-packet-ids.h) instead of as
 * kdcom.dll: for a target behind KDNET (kdh-sim-kdnet.h). Before any
 * byte is exchanged. */
void          kdh_sim_target_use_kdnet_ids (KdhSimTarget *target);

/* Bytes that crossed the line from the host. */
void     kdh_sim_target_receive       (KdhSimTarget *target,
                                       const guint8 *data,
                                       gsize         len,
                                       gint64        now_us);
/* Timers, and the processors' run up to @now_us (receive() alone never
 * runs them: call tick() when next_deadline() says). */
void     kdh_sim_target_tick          (KdhSimTarget *target,
                                       gint64        now_us);
gint64   kdh_sim_target_next_deadline (KdhSimTarget *target);
/* Pops the next unit to write (one packet or one byte), or NULL. */
GBytes  *kdh_sim_target_pop_output    (KdhSimTarget *target);

/* The host went away (socket closed): forget half-received bytes. The
 * target itself carries on as a real one would with a cable pulled. */
void     kdh_sim_target_line_dropped  (KdhSimTarget *target);

KdhSimRunState kdh_sim_target_get_state   (KdhSimTarget *target);
/* A DbgPrint line is out and waits for the host's ACK (the processor
 * that printed it waits too). */
gboolean kdh_sim_target_is_printing   (KdhSimTarget *target);
const KdhSimCounters *kdh_sim_target_get_counters (KdhSimTarget *target);
/* "resets_received=3 resets_sent=3 packets_received=..." on one line. */
gchar   *kdh_sim_counters_format      (const KdhSimCounters *counters);
KdhSimKernel *kdh_sim_target_get_kernel (KdhSimTarget *target);

/* The processors do not run before @until_us (the time they would have
 * had is dropped beyond a short backlog): how kdh-sim-server keeps the
 * emulator within its CPU budget. The protocol goes on meanwhile. */
void     kdh_sim_target_hold          (KdhSimTarget *target,
                                       gint64        until_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhSimTarget, kdh_sim_target_free)

G_END_DECLS
