/* test-fault-matrix.c: the engine over bad lines, and what recovering took
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every scenario (dropped, garbled and repeated packets at 0.1 %, 1 %
 * and 5 %; 2 s stalls; a target that goes silent until it gets a RESET; a
 * target that reboots by itself) and each of two transports (a pty and a
 * Unix socket, both to a kdhost-sim process, unthrottled), one session:
 * attach, resync, read 4 MiB of the pattern region with `dq`, let the
 * target run and receive 5000 DbgPrint lines, break in, and end Connected.
 *
 * Pass means: every read is either correct or fails with an error (never
 * wrong data); every DbgPrint line arrives exactly once and in order; the
 * target never gave up on a line (prints_dropped 0); the session ends in
 * Break. Where a command fails or the target goes quiet, the test does
 * what a user would (retries the command, breaks in, resynchronizes a
 * target that has gone quiet while running) and counts it: the table shows
 * every such action. Dropped, garbled and repeated packets and stalls
 * shorter than the engine's timeouts are the engine's to survive: there a
 * single user action fails the case. A target that goes silent for good
 * or reboots by itself is where a user really acts, and then at most
 * ACTIONS_PER_INCIDENT times for each such incident the simulator counted.
 *
 * Most of a case's time is spent waiting out timeouts (a byte lost on
 * the line costs half a second), so the cases run at the same time, each
 * in a child process of this program (the same binary, run for one test
 * path with KDH_FAULT_MATRIX_ROW naming the file for its results). The
 * first test starts them all; each case's test then checks its child and
 * prints its row; the last test prints the whole table (and writes it to
 * $KDH_TEST_ARTIFACTS/fault-matrix.md). Nothing here asserts a duration:
 * the times in the table are figures, not limits, and include the other
 * cases' load on the machine.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "kdh-test-engine.h"
#include "test-fault-matrix.h"

/* The bound on a whole case, within CTest's 900 s. */
#define CASE_TIMEOUT_S 840

const gchar *const transport_names[N_TRANSPORTS] = { "pty", "unix socket" };
static const gchar *const transport_ids[] = { "pty", "unix" };

/* Fixed seeds, so that a failure can be replayed. Two scenarios move less
 * data, to keep the program within about four minutes: at 5 % a quarter
 * of the volume (every dropped byte costs a timeout of about 0.5 s, and
 * the full volume takes some 330 s), and with stalls also a quarter (a
 * 2 s stall comes about once in 64 packets from the target: the full
 * volume, some 7000 packets, would stall for about four minutes). */
static const Scenario scenarios[] = {
  { "faults-0.1", "faults 0.1 %", "--drop=0.001 --corrupt=0.001 --dup=0.001 --seed=101",
    4096, 5000, NULL },
  { "faults-1", "faults 1 %", "--drop=0.01 --corrupt=0.01 --dup=0.01 --seed=102", 4096, 5000,
    NULL },
  { "faults-5", "faults 5 %", "--drop=0.05 --corrupt=0.05 --dup=0.05 --seed=103", 1024, 1250,
    NULL },
  /* 2 s is below every timeout of the engine (a request is retried for
   * some 20 s, a sync for 3 s). */
  { "stall-2s", "stalls 2 s", "--stall-ms=2000 --seed=104", 1024, 1250, NULL },
  /* Silent until a RESET: while it runs and prints, nothing tells the
   * engine that it should be hearing from it; a user presses Ctrl+R. */
  { "silent", "silent every 800", "--silent-after=800 --seed=105", 4096, 5000, "silences" },
  /* A reboot ends the command in progress and leaves the target running. */
  { "reboot", "reboot every 700", "--reboot-after=700 --seed=106", 4096, 5000, "reboots" },
};

const gchar *const action_names[N_ACTIONS] = { "retry", "break-in", "resync", "g" };
static const gchar *const action_keys[] = { "retries", "breakins", "resyncs", "gos" };

static Row rows[G_N_ELEMENTS (scenarios)][N_TRANSPORTS];

/* ---- The table ---------------------------------------------------------- */

static void
print_header (FILE *out)
{
  fprintf (out, "| scenario | transport | read | prints | recoveries | user actions | resyncs "
                "| retransmits host/target | resends host/target | checksum errors "
                "| time to recover max (mean, n) | total |\n");
  fprintf (out, "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
}

gchar *
kdh_fault_matrix_format_row (const Scenario *s,
                             Transport       transport,
                             const Row      *r)
{
  g_autofree gchar *recover = r->incidents
    ? g_strdup_printf ("%.1f s (%.1f s, %u)", r->max_recover_s, r->total_recover_s / r->incidents,
                       r->incidents)
    : g_strdup ("-");
  g_autofree gchar *reboots = r->reboots ? g_strdup_printf (" (%u reboots)", r->reboots)
                                         : g_strdup ("");
  g_autoptr (GString) actions = g_string_new (NULL);

  /* "3 (2 retry, 1 break-in) of at most 16 for 8 reboots", or "0 (none
   * allowed)". */
  g_string_append_printf (actions, "%u", r->user_actions);
  for (guint a = 0, n = 0; a < N_ACTIONS; a++)
    if (r->actions[a])
      g_string_append_printf (actions, "%s%u %s", n++ ? ", " : " (", r->actions[a],
                              action_names[a]);
  if (r->user_actions)
    g_string_append_c (actions, ')');
  if (s->user_incidents)
    g_string_append_printf (actions, " of at most %" G_GUINT64_FORMAT " for %" G_GUINT64_FORMAT
                            " %s", ACTIONS_PER_INCIDENT * r->user_incidents, r->user_incidents,
                            s->user_incidents);
  else
    g_string_append (actions, " (none allowed)");

  return g_strdup_printf ("| %s | %s | %u KiB | %u | %u%s | %s | %" G_GUINT64_FORMAT
                          " | %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                          " | %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT
                          " | %s | %.1f s |",
                          s->name, transport_names[transport], r->read_kib, r->prints,
                          r->recoveries, reboots,
                          actions->str, r->syncs, r->retransmits_host, r->retransmits_target,
                          r->resends_host, r->resends_target, r->checksum_errors, recover,
                          r->total_s);
}

void
kdh_fault_matrix_save_row (const Row   *r,
                           const gchar *path)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_key_file_set_uint64 (kf, "row", "read_kib", r->read_kib);
  g_key_file_set_uint64 (kf, "row", "prints", r->prints);
  g_key_file_set_uint64 (kf, "row", "recoveries", r->recoveries);
  g_key_file_set_uint64 (kf, "row", "reboots", r->reboots);
  g_key_file_set_uint64 (kf, "row", "user_actions", r->user_actions);
  for (guint a = 0; a < N_ACTIONS; a++)
    g_key_file_set_uint64 (kf, "row", action_keys[a], r->actions[a]);
  g_key_file_set_uint64 (kf, "row", "user_incidents", r->user_incidents);
  g_key_file_set_uint64 (kf, "row", "syncs", r->syncs);
  g_key_file_set_uint64 (kf, "row", "retransmits_host", r->retransmits_host);
  g_key_file_set_uint64 (kf, "row", "retransmits_target", r->retransmits_target);
  g_key_file_set_uint64 (kf, "row", "resends_host", r->resends_host);
  g_key_file_set_uint64 (kf, "row", "resends_target", r->resends_target);
  g_key_file_set_uint64 (kf, "row", "checksum_errors", r->checksum_errors);
  g_key_file_set_uint64 (kf, "row", "incidents", r->incidents);
  g_key_file_set_double (kf, "row", "max_recover_s", r->max_recover_s);
  g_key_file_set_double (kf, "row", "total_recover_s", r->total_recover_s);
  g_key_file_set_double (kf, "row", "total_s", r->total_s);
  g_key_file_save_to_file (kf, path, &error);
  g_assert_no_error (error);
}

static void
load_row (Row         *r,
          const gchar *path)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  r->read_kib = (guint) g_key_file_get_uint64 (kf, "row", "read_kib", NULL);
  r->prints = (guint) g_key_file_get_uint64 (kf, "row", "prints", NULL);
  r->recoveries = (guint) g_key_file_get_uint64 (kf, "row", "recoveries", NULL);
  r->reboots = (guint) g_key_file_get_uint64 (kf, "row", "reboots", NULL);
  r->user_actions = (guint) g_key_file_get_uint64 (kf, "row", "user_actions", NULL);
  for (guint a = 0; a < N_ACTIONS; a++)
    r->actions[a] = (guint) g_key_file_get_uint64 (kf, "row", action_keys[a], NULL);
  r->user_incidents = g_key_file_get_uint64 (kf, "row", "user_incidents", NULL);
  r->syncs = g_key_file_get_uint64 (kf, "row", "syncs", NULL);
  r->retransmits_host = g_key_file_get_uint64 (kf, "row", "retransmits_host", NULL);
  r->retransmits_target = g_key_file_get_uint64 (kf, "row", "retransmits_target", NULL);
  r->resends_host = g_key_file_get_uint64 (kf, "row", "resends_host", NULL);
  r->resends_target = g_key_file_get_uint64 (kf, "row", "resends_target", NULL);
  r->checksum_errors = g_key_file_get_uint64 (kf, "row", "checksum_errors", NULL);
  r->incidents = (guint) g_key_file_get_uint64 (kf, "row", "incidents", NULL);
  r->max_recover_s = g_key_file_get_double (kf, "row", "max_recover_s", NULL);
  r->total_recover_s = g_key_file_get_double (kf, "row", "total_recover_s", NULL);
  r->total_s = g_key_file_get_double (kf, "row", "total_s", NULL);
}

/* ---- The parent: one child per case ----------------------------------- */

static gchar *child_dir;

/* A child must not outlive this program (CTest would wait on its output
 * pipe until the timeout). Only async-signal-safe calls here. */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
start_child (guint index)
{
  const Scenario *scenario = &scenarios[index / N_TRANSPORTS];
  Transport transport = index % N_TRANSPORTS;
  Row *row = &rows[index / N_TRANSPORTS][transport];
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *path = g_strdup_printf ("/reliability/fault-matrix/%s/%s", scenario->id,
                                            transport_ids[transport]);
  g_autofree gchar *name = g_strdup_printf ("%s-%s", scenario->id, transport_ids[transport]);
  g_autofree gchar *row_name = g_strconcat (name, ".row", NULL);
  g_autofree gchar *log_name = g_strconcat (name, ".log", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (self);
  if (child_dir == NULL)
    child_dir = g_dir_make_tmp ("kdh-fault-matrix-XXXXXX", NULL);
  g_assert_nonnull (child_dir);
  row->row_path = g_build_filename (child_dir, row_name, NULL);
  row->log_path = g_build_filename (child_dir, log_name, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "KDH_FAULT_MATRIX_ROW", row->row_path, TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, row->log_path);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  row->child = g_test_verbose ()
               ? g_subprocess_launcher_spawn (launcher, &error, self, "-p", path, "--verbose", NULL)
               : g_subprocess_launcher_spawn (launcher, &error, self, "-p", path, NULL);
  g_assert_no_error (error);
}

static void
on_child_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  (*(guint *) data)--;
}

static gboolean
on_expired (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
none_running (gpointer data)
{
  return *(guint *) data == 0;
}

/* Waits for the children that are running; kills them all when the time
 * is up. */
static void
wait_children (void)
{
  guint running = 0;
  gboolean expired = FALSE;
  guint timer;

  for (guint s = 0; s < G_N_ELEMENTS (scenarios); s++)
    for (Transport tr = 0; tr < N_TRANSPORTS; tr++)
      if (rows[s][tr].child && g_subprocess_get_identifier (rows[s][tr].child) != NULL)
        {
          running++;
          g_subprocess_wait_async (rows[s][tr].child, NULL, on_child_exited, &running);
        }
  timer = g_timeout_add_seconds (CASE_TIMEOUT_S, on_expired, &expired);
  while (running > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timer);
  for (guint s = 0; s < G_N_ELEMENTS (scenarios); s++)
    for (Transport tr = 0; tr < N_TRANSPORTS; tr++)
      if (rows[s][tr].child && g_subprocess_get_identifier (rows[s][tr].child) != NULL)
        g_subprocess_force_exit (rows[s][tr].child);
  kdh_test_run_until (none_running, &running, 30, "the cases to end");
}

/* Starts every case at once. */
static void
test_start_all (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (scenarios) * N_TRANSPORTS; i++)
    start_child (i);
  wait_children ();
}

/* One case's result: its child passed and wrote its row. */
static void
test_case (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  const Scenario *scenario = &scenarios[index / N_TRANSPORTS];
  Transport transport = index % N_TRANSPORTS;
  Row *row = &rows[index / N_TRANSPORTS][transport];
  g_autofree gchar *line = NULL;

  if (row->child == NULL)
    {
      start_child (index);
      wait_children ();
    }
  if (!g_subprocess_get_if_exited (row->child) || g_subprocess_get_exit_status (row->child) != 0
      || !g_file_test (row->row_path, G_FILE_TEST_EXISTS))
    {
      g_autofree gchar *log = NULL;
      gsize len = 0;

      g_file_get_contents (row->log_path, &log, &len, NULL);
      g_test_message ("%s over %s failed; the end of its output:\n%s", scenario->name,
                      transport_names[transport],
                      log ? log + (len > 4000 ? len - 4000 : 0) : "(none)");
      row->failed = TRUE;
      /* It may have got as far as its figures (and failed on them). */
      if (g_file_test (row->row_path, G_FILE_TEST_EXISTS))
        {
          load_row (row, row->row_path);
          row->ran = TRUE;
        }
      g_test_fail ();
      return;
    }
  load_row (row, row->row_path);
  row->ran = TRUE;
  line = kdh_fault_matrix_format_row (scenario, transport, row);
  g_test_message ("%s", line);
}

/* The table of every case that ran, as a test comment and in the
 * artifacts directory. */
static void
test_summary (void)
{
  const gchar *artifacts = g_getenv ("KDH_TEST_ARTIFACTS");
  g_autofree gchar *path = NULL;
  g_autoptr (GString) table = g_string_new (NULL);
  FILE *mem;
  gchar *buf = NULL;
  gsize size = 0;

  mem = open_memstream (&buf, &size);
  print_header (mem);
  for (guint s = 0; s < G_N_ELEMENTS (scenarios); s++)
    for (Transport tr = 0; tr < N_TRANSPORTS; tr++)
      if (rows[s][tr].ran)
        {
          g_autofree gchar *line = kdh_fault_matrix_format_row (&scenarios[s], tr, &rows[s][tr]);

          fprintf (mem, "%s%s\n", line, rows[s][tr].failed ? " FAILED |" : "");
        }
      else if (rows[s][tr].failed)
        fprintf (mem, "| %s | %s | FAILED (see the test's output) |\n", scenarios[s].name,
                 transport_names[tr]);
  fclose (mem);
  g_string_append_len (table, buf, size);
  free (buf);

  {
    g_auto (GStrv) lines = g_strsplit (table->str, "\n", -1);

    for (guint i = 0; lines[i] && lines[i][0]; i++)
      printf ("# %s\n", lines[i]);
    fflush (stdout);
  }
  if (artifacts != NULL && g_mkdir_with_parents (artifacts, 0755) == 0)
    {
      path = g_build_filename (artifacts, "fault-matrix.md", NULL);
      g_file_set_contents (path, table->str, -1, NULL);
    }
}

/* The case itself, in the child process. */
static void
run_child_case (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);

  kdh_fault_matrix_run_case (&scenarios[index / N_TRANSPORTS], index % N_TRANSPORTS,
                             &rows[index / N_TRANSPORTS][index % N_TRANSPORTS]);
}

int
main (int    argc,
      char **argv)
{
  gboolean child = g_getenv ("KDH_FAULT_MATRIX_ROW") != NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* A suite's own test cases run before its sub-suites: this one first. */
  if (!child)
    g_test_add_func ("/reliability/fault-matrix/start-all", test_start_all);
  for (guint s = 0; s < G_N_ELEMENTS (scenarios); s++)
    for (Transport tr = 0; tr < N_TRANSPORTS; tr++)
      {
        g_autofree gchar *path = g_strdup_printf ("/reliability/fault-matrix/%s/%s",
                                                  scenarios[s].id, transport_ids[tr]);

        g_test_add_data_func (path, GUINT_TO_POINTER (s * N_TRANSPORTS + tr),
                              child ? run_child_case : test_case);
      }
  if (!child)
    g_test_add_func ("/reliability/fault-matrix/summary/table", test_summary);
  status = g_test_run ();

  for (guint s = 0; s < G_N_ELEMENTS (scenarios); s++)
    for (Transport tr = 0; tr < N_TRANSPORTS; tr++)
      {
        Row *r = &rows[s][tr];

        g_clear_object (&r->child);
        if (r->row_path)
          g_remove (r->row_path);
        if (r->log_path)
          g_remove (r->log_path);
        g_clear_pointer (&r->row_path, g_free);
        g_clear_pointer (&r->log_path, g_free);
      }
  if (child_dir)
    g_rmdir (child_dir);
  g_free (child_dir);
  return status;
}
