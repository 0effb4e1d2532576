/* test-fault-matrix.h: what the fault matrix's parent and its cases share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-fault-matrix.c   the scenarios, the parent (one child process per
 *                       case) and the table
 * test-fault-matrix-case.c  one case, in its child process
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a user does about one incident that needs them: a retry of the
 * command it broke and a break-in (a reboot leaves the target running), or
 * one resync of a target gone quiet. */
#define ACTIONS_PER_INCIDENT 2

typedef enum {
  TRANSPORT_PTY,
  TRANSPORT_UNIX,
  N_TRANSPORTS
} Transport;

extern const gchar *const transport_names[N_TRANSPORTS];

typedef struct {
  const gchar *id;          /* test path component */
  const gchar *name;        /* table */
  const gchar *options;     /* kdhost-sim options, space-separated */
  guint read_kib;
  guint prints;
  /* The simulator's counter of incidents a user has to answer, or NULL:
   * the engine must come through by itself, with no user action. */
  const gchar *user_incidents;
} Scenario;

/* What the test does as a user, in the table's words. */
typedef enum {
  ACTION_RETRY,              /* a command failed: run it again */
  ACTION_BREAK,              /* break in (again) */
  ACTION_RESYNC,             /* Ctrl+R */
  ACTION_GO,                 /* g, for a target left stopped */
  N_ACTIONS
} Action;

extern const gchar *const action_names[N_ACTIONS];

typedef struct {
  gboolean ran;
  gboolean failed;
  GSubprocess *child;        /* parent: the process running the case */
  gchar *row_path;           /* parent: where the child writes its results */
  gchar *log_path;           /* parent: the child's output */
  guint read_kib;
  guint prints;
  guint recoveries;          /* Lost episodes the engine came back from, and reboots */
  guint reboots;
  guint user_actions;        /* retried commands, break-ins and resyncs by the test */
  guint actions[N_ACTIONS];  /* the same by kind */
  guint64 user_incidents;    /* the simulator's count of scenario->user_incidents */
  guint64 syncs;             /* completed link resyncs (the attach and the test's own included) */
  guint64 retransmits_host, retransmits_target;
  guint64 resends_host, resends_target;   /* RESENDs sent */
  guint64 checksum_errors;   /* damaged packets the host received */
  guint incidents;
  gdouble max_recover_s;
  gdouble total_recover_s;
  gdouble total_s;
} Row;

/* Runs @scenario over @transport and fills @row; fails the test when the
 * case fails. Writes the row to $KDH_FAULT_MATRIX_ROW (see
 * kdh_fault_matrix_save_row) before judging its user actions. */
void   kdh_fault_matrix_run_case   (const Scenario *scenario,
                                    Transport       transport,
                                    Row            *row);
/* The row as a line of the table. */
gchar *kdh_fault_matrix_format_row (const Scenario *scenario,
                                    Transport       transport,
                                    const Row      *row);
void   kdh_fault_matrix_save_row   (const Row   *row,
                                    const gchar *path);

G_END_DECLS
