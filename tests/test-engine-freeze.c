/* test-engine-freeze.c: the engine against a kdhost-sim that freezes
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A target that stops reading for a while (a paused VM; here a kdhost-sim
 * process stopped with SIGSTOP) while the engine resynchronizes keeps every
 * RESET sent to it, and when it wakes it answers each one and sends its
 * pending packet again after each (docs/protocol.md §7.2). These tests
 * freeze the simulator through a resync that fails, and check that what
 * comes back is one resync: said once, counted once, no RESET of ours
 * taken for the target's own, no reboot, and a session that works after
 * it. What the target saw comes from the simulator's --counters-file.
 */
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "kdh-test-engine.h"
#include "kdh-test-proc.h"

/* 0x200 qwords of the simulator's pattern region, across a page boundary. */
#define PATTERN_READ "dq fffff800`00400f00 L200"
#define PATTERN_QWORDS 0x200

#define RESYNCED "Kernel debugger connection resynchronized.\n"
#define TARGET_RESET "The target reset the packet ids"
#define REBOOTED "The target rebooted"
#define LOST_NO_ANSWER "Kernel connection lost: no RESET answer"

typedef struct {
  KdhTestEngine t;
  gchar *socket_path;
  gchar *counters_path;
  GSubprocess *sim;
  gsize mark;                 /* output before the freeze */
  KdhLinkStats before;        /* the link's counters before the freeze */
} Fixture;

/* Starts kdhost-sim on a Unix socket (a VM's serial pipe) with @extra
 * (NULL or one more argument) and attaches to it: stopped at the initial
 * break. */
static void
fixture_start (Fixture     *f,
               const gchar *extra)
{
  g_autofree gchar *listen = NULL, *counters = NULL, *where = NULL, *expected = NULL;
  g_autofree gchar *connection = NULL;
  const gchar *args[5] = { NULL };
  guint n = 0;

  memset (f, 0, sizeof *f);
  kdh_test_engine_init (&f->t);
  f->socket_path = g_build_filename (f->t.tmpdir, "vm.sock", NULL);
  f->counters_path = g_build_filename (f->t.tmpdir, "counters", NULL);
  listen = g_strdup_printf ("--listen=unix:%s", f->socket_path);
  counters = g_strdup_printf ("--counters-file=%s", f->counters_path);
  args[n++] = listen;
  args[n++] = counters;
  if (!g_test_verbose ())
    args[n++] = "--quiet";
  if (extra != NULL)
    args[n++] = extra;
  where = kdh_test_start_sim (&f->t, args);
  expected = g_strdup_printf ("listening on unix:%s", f->socket_path);
  g_assert_cmpstr (where, ==, expected);
  f->sim = g_ptr_array_index (f->t.processes, f->t.processes->len - 1);
  connection = g_strdup_printf ("com:pipe,port=%s", f->socket_path);
  kdh_test_engine_attach (&f->t, connection);
  g_assert_cmpint (f->t.state, ==, KDH_CONN_BREAK);
}

static gboolean
sim_exited (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_sim_exited (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

/* The engine lets go first; the simulator is asked to quit, so that a
 * sanitizer build of it reports leaks and errors in its exit status. */
static void
fixture_clear (Fixture *f)
{
  gboolean exited = FALSE;

  g_assert_true (kdh_test_engine_wait_token (&f->t, kdh_engine_detach (f->t.engine), 30));
  g_subprocess_send_signal (f->sim, SIGCONT);
  g_subprocess_send_signal (f->sim, SIGTERM);
  g_subprocess_wait_async (f->sim, NULL, on_sim_exited, &exited);
  kdh_test_run_until (sim_exited, &exited, 30, "kdhost-sim to exit");
  g_assert_true (g_subprocess_get_if_exited (f->sim));
  g_assert_cmpint (g_subprocess_get_exit_status (f->sim), ==, 0);
  kdh_test_engine_clear (&f->t);
  g_free (f->socket_path);
  g_free (f->counters_path);
}

/* ---- Waiting ----------------------------------------------------------- */

typedef struct {
  Fixture *f;
  guint from;
  KdhConnState state;
  const gchar *reason;        /* NULL: any */
  guint found;
} StateWait;

static gboolean
state_seen (gpointer data)
{
  StateWait *w = data;

  for (guint i = w->from; i < w->f->t.states->len; i++)
    if (g_array_index (w->f->t.states, KdhConnState, i) == w->state
        && (w->reason == NULL
            || g_str_equal (g_ptr_array_index (w->f->t.reasons, i), w->reason)))
      {
        w->found = i;
        return TRUE;
      }
  return FALSE;
}

/* Waits for a STATE event @state (with @reason, unless NULL) at index
 * @from or later; returns the index after it. */
static guint
wait_state_from (Fixture      *f,
                 guint         from,
                 KdhConnState  state,
                 const gchar  *reason,
                 guint         timeout_s)
{
  StateWait w = { f, from, state, reason, 0 };
  g_autofree gchar *what = g_strdup_printf ("state %s%s%s", kdh_conn_state_name (state),
                                            reason ? ": " : "", reason ? reason : "");

  kdh_test_run_until (state_seen, &w, timeout_s, what);
  return w.found + 1;
}

typedef struct {
  Fixture *f;
  const gchar *needle;
} OutputWait;

static gboolean
output_has (gpointer data)
{
  OutputWait *w = data;

  return strstr (w->f->t.output->str + w->f->mark, w->needle) != NULL;
}

static gboolean
poll_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* The simulator's counters as they are now: the file is removed and the
 * simulator asked (SIGUSR1) to write it again. */
static GHashTable *
sim_counters_now (Fixture *f)
{
  g_autoptr (GHashTable) counters = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_remove (f->counters_path);
  g_subprocess_send_signal (f->sim, SIGUSR1);
  while ((counters = kdh_test_read_counters (f->counters_path)) == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("kdhost-sim did not write %s within 10 s", f->counters_path);
      g_usleep (20000);
    }
  return g_steal_pointer (&counters);
}

typedef struct {
  Fixture *f;
  guint64 resets_in;
} StatsWait;

static gboolean
stats_caught_up (gpointer data)
{
  StatsWait *w = data;

  return w->f->t.stats.resets_in == w->resets_in;
}

/* The engine publishes the link's counters at most four times a second;
 * waits until they show every RESET the simulator sent. */
static void
wait_stats (Fixture *f,
            guint64  resets_in)
{
  StatsWait w = { f, resets_in };
  guint tick = g_timeout_add (50, poll_tick, NULL);

  kdh_test_run_until (stats_caught_up, &w, 30, "the link's counters to catch up");
  g_source_remove (tick);
}

/* How often @needle occurs in the output since the freeze. */
static guint
count_since_mark (Fixture     *f,
                  const gchar *needle)
{
  const gchar *p = f->t.output->str + f->mark;
  guint n = 0;

  while ((p = strstr (p, needle)) != NULL)
    {
      n++;
      p += strlen (needle);
    }
  return n;
}

/* ---- Checks ------------------------------------------------------------ */

static void
freeze (Fixture *f)
{
  f->mark = f->t.output->len;
  f->before = f->t.stats;
  kdh_test_proc_freeze (f->sim);
}

static void
thaw (Fixture *f)
{
  g_subprocess_send_signal (f->sim, SIGCONT);
}

/* One resync, said once; none of our RESETs' answers taken for the
 * target's own; no reboot; every RESET the target sent came in, and it
 * sent no more than it had from us. Returns the link's counters since
 * the freeze; *@counters the simulator's. */
static KdhLinkStats
check_one_resync (Fixture     *f,
                  GHashTable **counters_out)
{
  g_autoptr (GHashTable) counters = sim_counters_now (f);
  KdhLinkStats stats;
  guint64 resets_out, resets_in;

  wait_stats (f, kdh_test_counter (counters, "resets_sent"));
  stats = f->t.stats;
  resets_out = stats.resets_out - f->before.resets_out;
  resets_in = stats.resets_in - f->before.resets_in;
  g_test_message ("after the freeze: %" G_GUINT64_FORMAT " RESETs out in %" G_GUINT64_FORMAT
                  " rounds, %" G_GUINT64_FORMAT " in, %" G_GUINT64_FORMAT " duplicates, %"
                  G_GUINT64_FORMAT " resyncs, %" G_GUINT64_FORMAT " reboots",
                  resets_out, stats.sync_rounds - f->before.sync_rounds, resets_in,
                  stats.duplicates - f->before.duplicates, stats.syncs - f->before.syncs,
                  stats.target_reboots);

  g_assert_cmpuint (count_since_mark (f, RESYNCED), ==, 1);
  /* Every RESET that came was an answer to one of ours. */
  g_assert_cmpuint (count_since_mark (f, TARGET_RESET), ==, 0);
  g_assert_cmpuint (count_since_mark (f, REBOOTED), ==, 0);
  /* The first attempt failed while the target was frozen. */
  g_assert_cmpuint (count_since_mark (f, LOST_NO_ANSWER), ==, 1);

  g_assert_cmpuint (stats.syncs - f->before.syncs, ==, 1);
  g_assert_cmpuint (stats.target_reboots, ==, 0);
  g_assert_cmpuint (kdh_test_counter (counters, "reboots"), ==, 0);
  g_assert_cmpuint (kdh_test_counter (counters, "prints_dropped"), ==, 0);
  g_assert_cmpuint (stats.resets_in, ==, kdh_test_counter (counters, "resets_sent"));
  g_assert_cmpuint (resets_in, <=, resets_out);
  /* (Duplicates are not bounded here: after each answer the target sends
   * its pending packet again, but a loaded machine adds retransmissions of
   * its own. test-link-sync counts them exactly.) */

  stats.resets_out = resets_out;
  stats.resets_in = resets_in;
  stats.sync_rounds -= f->before.sync_rounds;
  *counters_out = g_steal_pointer (&counters);
  return stats;
}

static void
check_pattern_read (Fixture *f)
{
  g_autofree gchar *out = kdh_test_engine_run (&f->t, PATTERN_READ, FALSE);

  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, PATTERN_QWORDS);
}

/* ---- Tests ------------------------------------------------------------- */

/* Stopped at a break, frozen through a whole failed resync and the first
 * rounds of the automatic one after it: the RESETs of both syncs wait in
 * its input. The second sync ends on the first answer; the others are
 * consumed. */
static void
test_frozen_through_failed_resync (void)
{
  Fixture f;
  OutputWait resynced = { &f, RESYNCED };
  g_autoptr (GHashTable) counters = NULL;
  KdhLinkStats stats;
  guint from;

  fixture_start (&f, NULL);
  freeze (&f);
  from = f.t.states->len;
  g_assert_false (kdh_test_engine_wait_token (&f.t, kdh_engine_resync (f.t.engine), 60));
  from = wait_state_from (&f, from, KDH_CONN_LOST, NULL, 60);
  /* The automatic attempt, one second later, and its second round. */
  from = wait_state_from (&f, from, KDH_CONN_RESYNCHRONIZING, NULL, 30);
  from = wait_state_from (&f, from, KDH_CONN_RESYNCHRONIZING, "sending RESET again", 30);
  thaw (&f);
  wait_state_from (&f, from, KDH_CONN_BREAK, NULL, 60);
  kdh_test_run_until (output_has, &resynced, 60, "the resync to be reported");

  /* Usable: memory reads exact (the reply to a request sent after every
   * RESET, so every answer has come by now). */
  check_pattern_read (&f);
  stats = check_one_resync (&f, &counters);
  /* A stopped target reads every RESET and answers each once; it sends
   * nothing before its answer, so every RESET we sent was a round's: we
   * answered none of the target's. */
  g_assert_cmpuint (f.t.stats.resets_out, ==, kdh_test_counter (counters, "resets_received"));
  g_assert_cmpuint (stats.resets_in, ==, stats.resets_out);
  g_assert_cmpuint (stats.resets_out, ==, stats.sync_rounds);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  fixture_clear (&f);
}

static guint64
first_seq (const gchar *text)
{
  const gchar *p = strstr (text, "kdhtest: dbgprint seq=");

  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen ("kdhtest: dbgprint seq="), NULL, 10);
}

static gboolean
has_prints (gpointer data)
{
  Fixture *f = data;
  const gchar *text = f->t.target_output->str;

  return strstr (text, "kdhtest: dbgprint seq=") != NULL
         && kdh_test_check_dbgprint_sequence (text, first_seq (text)) >= 3;
}

/* Running and printing, frozen through a resync that fails, and woken
 * while the session waits to try again: the answer to the failed sync
 * still ends it, late (the link kept waiting for it), and the target runs
 * again as before. Every DbgPrint is shown once, in order. */
static void
test_thaw_while_lost (void)
{
  Fixture f;
  OutputWait resynced = { &f, RESYNCED };
  g_autoptr (GHashTable) counters = NULL;
  KdhLinkStats stats;
  guint from;

  fixture_start (&f, "--dbgprint-rate=20");
  g_free (kdh_test_engine_run (&f.t, "g", FALSE));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_RUNNING);
  {
    guint tick = g_timeout_add (50, poll_tick, NULL);

    g_test_message ("waiting for the first DbgPrint lines");
    kdh_test_run_until (has_prints, &f, 30, "three DbgPrint lines");
    g_source_remove (tick);
  }

  freeze (&f);
  from = f.t.states->len;
  g_assert_false (kdh_test_engine_wait_token (&f.t, kdh_engine_resync (f.t.engine), 60));
  from = wait_state_from (&f, from, KDH_CONN_LOST, NULL, 60);
  thaw (&f);
  kdh_test_run_until (output_has, &resynced, 60, "the resync to be reported");
  /* Normally by the late answer; the automatic attempt a second after
   * the failure would do as well, if the simulator took that long. */
  g_test_message ("resync finished %s",
                  g_ptr_array_find_with_equal_func (f.t.reasons, "the target answered RESET",
                                                    g_str_equal, NULL)
                  ? "by the late answer" : "by the next attempt");
  /* It was running: the break-in that woke it is undone. */
  wait_state_from (&f, from, KDH_CONN_RUNNING, NULL, 30);

  kdh_engine_break (f.t.engine);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_BREAK, 30);
  check_pattern_read (&f);
  stats = check_one_resync (&f, &counters);
  /* A running target reads only break-in bytes: RESETs that came with
   * other break-in bytes may be lost; at least the one after the byte
   * that stopped it was answered. */
  g_assert_cmpuint (stats.resets_in, >=, 1);
  g_assert_cmpuint (kdh_test_check_dbgprint_sequence (f.t.target_output->str,
                                                      first_seq (f.t.target_output->str)),
                    >=, 3);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/freeze/through-failed-resync", test_frozen_through_failed_resync);
  g_test_add_func ("/engine/freeze/thaw-while-lost", test_thaw_while_lost);
  return g_test_run ();
}
