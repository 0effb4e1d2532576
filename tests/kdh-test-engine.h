/* kdh-test-engine.h: drive a KdhEngine from a test, as a front end does
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's events arrive on the test's main context; the helpers here
 * run that context until something happens, with a bound on every wait.
 */
#pragma once

#include <glib.h>

#include "kdh-test-wait.h"

#include "engine/kdh-engine.h"
#include "engine/kdh-engine-testing.h"
#include "remote/server/kdh-server.h"
#include "sim/kdh-sim-target.h"
#include "sim/kdh-sim-transport.h"

G_BEGIN_DECLS

typedef struct {
  KdhEngine *engine;
  KdhServerSet *servers;    /* .server, as the front ends offer it */
  GString *output;          /* debugger and error output */
  GString *target_output;   /* DbgPrint output */
  GString *errors;          /* error output only */
  GString *echoes;          /* echoed commands, "origin: " in front when remote */
  GArray *states;           /* KdhConnState, every STATE event in order */
  GPtrArray *reasons;       /* reason of each STATE event ("" when none) */
  GPtrArray *transports;    /* transport of each STATE event ("" when none) */
  GPtrArray *chunks;        /* every OUTPUT event in order, as "kind|origin|text" */
  GArray *state_times;      /* gint64 time_us of each STATE event */
  KdhConnState state;
  GHashTable *done;         /* token -> GINT_TO_POINTER (1 ok, 2 failed) */
  gboolean ready;
  gboolean ready_at_done;   /* ready as the latest COMMAND_DONE came (its prompt's) */
  guint prompt_events;
  gchar *prompt;            /* the latest PROMPT event's text ("0: kd> ") */
  KdhLinkStats stats;       /* the latest STATS event */
  guint stats_events;
  GString *packets;         /* the packet trace's lines (kdh_engine_set_trace()) */
  GPtrArray *processes;     /* GSubprocess started by the test */
  gchar *tmpdir;
} KdhTestEngine;

void     kdh_test_engine_init   (KdhTestEngine *t);
void     kdh_test_engine_clear  (KdhTestEngine *t);

/* Runs the default main context until @done returns TRUE, failing the test
 * after @timeout_s seconds. */
void     kdh_test_run_until     (gboolean    (*done) (gpointer data),
                                 gpointer      data,
                                 guint         timeout_s,
                                 const gchar  *what);
/* Waits for the command with @token to finish; returns its success. */
gboolean kdh_test_engine_wait_token (KdhTestEngine *t,
                                     guint          token,
                                     guint          timeout_s);
/* Posts @line, waits for it, returns the output it produced (debugger
 * and error kinds). Asserts success unless @may_fail. */
gchar   *kdh_test_engine_run    (KdhTestEngine *t,
                                 const gchar   *line,
                                 gboolean       may_fail);
void     kdh_test_engine_attach (KdhTestEngine *t,
                                 const gchar   *connection);
void     kdh_test_engine_wait_state (KdhTestEngine *t,
                                     KdhConnState   state,
                                     guint          timeout_s);
/* The state events seen since index @from contain @state. */
gboolean kdh_test_engine_saw_state (KdhTestEngine *t,
                                    guint          from,
                                    KdhConnState   state);
KdhSimCounters kdh_test_engine_sim_counters (KdhTestEngine *t);

/* Checks `dq` output lines against the pattern region: every value at A is
 * A ^ 0xA5A5A5A5A5A5A5A5. Returns the number of qwords checked. */
guint64  kdh_test_check_pattern_dump (const gchar *dump);

/* The first occurrence of @needle in @text that lies within one line, or
 * NULL. Unlike a loop of strstr() it stays linear under AddressSanitizer,
 * whose strstr() measures the whole rest of the haystack on every call. */
const gchar *kdh_test_find_in_lines (const gchar *text,
                                     const gchar *needle);

/* DbgPrint lines "kdhtest: dbgprint seq=N" in @text: returns how many
 * complete lines there are, asserting the sequence numbers run on from
 * @first without gaps or repeats. */
guint    kdh_test_check_dbgprint_sequence (const gchar *text,
                                           guint64      first);

/* kdhost-sim as a separate process: starts it with @args (NULL-terminated)
 * and returns the value of its first "kdhost-sim: ..." line after the
 * prefix ("listening on unix:/tmp/x", "pty /dev/pts/3"). */
gchar   *kdh_test_start_sim     (KdhTestEngine *t,
                                 const gchar  *const *args);
gchar   *kdh_test_sim_path      (void);

/* kdhost-sim's --counters-file ("key=value key=value ..."): a table of
 * guint64 values by name, or NULL while the file does not exist. */
GHashTable *kdh_test_read_counters (const gchar *path);
/* One value of that table; fails the test when it is missing. */
guint64  kdh_test_counter       (GHashTable  *counters,
                                 const gchar *key);

G_END_DECLS
