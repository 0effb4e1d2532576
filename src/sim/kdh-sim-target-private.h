/* kdh-sim-target-private.h: what the simulated target's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-sim-target.c has the packet layer and running;
 * kdh-sim-target-stop.c turns the machine's events into state changes and prints;
 * kdh-sim-target-manipulate.c serves the debugger's requests while stopped.
 */
#pragma once

#include "kd/kdh-context.h"
#include "kd/kdh-packet.h"
#include "kdh-sim-target.h"

G_BEGIN_DECLS

struct _KdhSimTarget
{
  KdhSimOptions opts;
  KdhSimKernel *kernel;
  KdhPacketParser *parser;
  GByteArray *inbuf;            /* bytes not yet read by the kernel */
  GQueue output;                /* GBytes units to write */
  KdhSimRunState state;
  gint64 now_us;

  guint32 next_id;              /* NextIdToSend */
  guint32 expected_id;          /* ExpectedId; over KDNET the last id taken */
  gboolean kdnet;               /* kdnet.dll's packet ids */
  gboolean any_id;              /* KDNET: nothing taken since a RESET, any id is new */
  gboolean debugger_present;
  gboolean breakin_pending;

  /* The packet in flight. */
  gboolean sending;
  guint16 send_type;
  GBytes *send_payload;
  gboolean send_droppable;
  guint retries_left;
  gint64 ack_deadline_us;
  guint ack_timeout_ms;
  guint byte_time_us;
  gint64 partial_start_us;      /* a packet half-received since then, or 0 */

  guint print_cpu;              /* the processor whose DbgPrint is on the line */

  /* The current stop. */
  guint cpu;                    /* the reporting processor */
  GBytes *state_change;         /* re-sent on RESEND/RESET while stopped */
  gboolean context_read[64];    /* GetContext done during this stop, per CPU */

  /* Running. */
  gint64 last_run_us;
  gint64 hold_until_us;         /* the server's CPU budget: no emulation before */
  gint64 boot_done_us;
  gint64 booted_us;             /* when the machine last started */
  gboolean driver_loaded;       /* --load-driver-after done since then */
  gboolean kernel_sees_debugger;

  /* Fault behaviours. */
  guint fresh_packets;          /* counted for silent-after / reboot-after */
  gboolean silent;

  KdhSimCounters counters;
};

void _kdh_sim_target_start_send       (KdhSimTarget *t, guint16 type, GBytes *payload,
                                       gboolean droppable);
void _kdh_sim_target_resume           (KdhSimTarget *t);
void _kdh_sim_target_report_exception (KdhSimTarget *t, guint cpu, guint32 code, guint64 address);
void _kdh_sim_target_handle_event     (KdhSimTarget *t, const KdhSimEvent *ev);
/* A load-symbols state change for @module_index (a driver loaded late). */
void _kdh_sim_target_report_load_symbols (KdhSimTarget *t, guint module_index);
void _kdh_sim_target_begin_reboot     (KdhSimTarget *t);
/* One manipulate request (docs/protocol.md §3), answered or acted on. */
void _kdh_sim_target_serve_manipulate (KdhSimTarget *t, const guint8 *payload, gsize len);

G_END_DECLS
