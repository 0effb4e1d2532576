/* kdh-test-sim.h: a host and the simulated target on a fake clock, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KdhLink plays the host and a KdhSimTarget the target; a loop moves the
 * bytes between them, directly or through a KdhSimLine with faults, and a
 * fake clock jumps to the next deadline whenever nothing moves. On top of
 * the link sits a small host: attach, one request at a time with a
 * bounded wait and re-issue (docs/protocol.md §2.7), continue, break-in.
 */
#pragma once

#include <string.h>

#include "kd/kdh-context.h"
#include "kd/kdh-dbgkd.h"
#include "kd/kdh-link.h"
#include "kdh-sim-line.h"
#include "kdh-sim-target.h"

#define MS(x) ((gint64) (x) * 1000)
#define SECONDS(x) ((gint64) (x) * G_USEC_PER_SEC)
#define PRINT_FORMAT "kdhtest: dbgprint seq=%08u\n"

typedef struct {
  guint16 type;
  guint32 id;                   /* as on the wire, SYNC bit included */
  GBytes *payload;
} KdhTestPacket;

typedef struct {
  KdhSimOptions opts;
  KdhSimTarget *target;
  KdhLink *link;
  KdhSimLine *line;             /* NULL: a perfect wire */
  gint64 now;
  guint32 last_rx_id;
  GQueue packets;               /* KdhTestPacket *, DbgPrints excepted */
  GPtrArray *prints;            /* gchar *, in arrival order */
  guint synced;
  guint send_failed;
  guint target_rebooted;
  guint64 rounds;               /* loop iterations, against runaway loops */
  gboolean trace;               /* KDH_TEST_TRACE set: print every packet */
} KdhTestSim;

typedef gboolean (*KdhTestPredicate) (KdhTestSim *s, gconstpointer data);

void kdh_test_packet_free (gpointer data);
KdhTestSim * kdh_test_sim_new (const gchar *options, gboolean with_line);
void kdh_test_sim_free (KdhTestSim *s);
gboolean kdh_test_sim_pump_once (KdhTestSim *s);
void kdh_test_sim_advance (KdhTestSim *s);
gboolean kdh_test_sim_run_until (KdhTestSim *s, KdhTestPredicate pred, gconstpointer data, gint64 timeout);
void kdh_test_sim_settle (KdhTestSim *s);
gboolean kdh_test_pred_packet (KdhTestSim *s, gconstpointer data);
gboolean kdh_test_pred_not_sending (KdhTestSim *s, gconstpointer data);
gboolean kdh_test_pred_prints (KdhTestSim *s, gconstpointer data);
gboolean kdh_test_pred_synced (KdhTestSim *s, gconstpointer data);
gboolean kdh_test_pred_send_failed (KdhTestSim *s, gconstpointer data);
gboolean kdh_test_pred_never (KdhTestSim *s, gconstpointer data);
KdhTestPacket * kdh_test_sim_wait_packet (KdhTestSim *s, guint16 type, gint64 timeout);
void kdh_test_decode_state_change (KdhTestPacket *p, KdhStateChange *sc);
void kdh_test_sim_attach (KdhTestSim *s, KdhStateChange *sc);
GBytes * kdh_test_sim_request (KdhTestSim *s, const KdhManipulate *req, const guint8 *data, gsize data_len, KdhManipulate *reply);
void kdh_test_sim_get_version (KdhTestSim *s, KdhVersion *v);
gsize kdh_test_sim_read_once (KdhTestSim *s, guint64 address, guint32 count, guint8 *out, guint32 *status);
void kdh_test_sim_read_memory (KdhTestSim *s, guint64 address, guint8 *out, gsize len);
void kdh_test_check_pattern_bytes (guint64 address, const guint8 *data, gsize len);
void kdh_test_sim_continue (KdhTestSim *s);
void kdh_test_sim_send_no_reply (KdhTestSim *s, const KdhManipulate *req);
void kdh_test_sim_break_in (KdhTestSim *s, KdhStateChange *sc);
void kdh_test_sim_check_counters_mirror (KdhTestSim *s);
void kdh_test_sim_check_prints (KdhTestSim *s, guint first);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhTestPacket, kdh_test_packet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhTestSim, kdh_test_sim_free)
