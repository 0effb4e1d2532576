/* test-fault-matrix-case.c: one case of the fault matrix, in its own process
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A kdhost-sim process with the scenario's faults, an engine attached to it
 * over the case's transport, and the session test-fault-matrix.c describes,
 * with what a user would do when something fails counted as user actions.
 */
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "kdh-test-engine.h"
#include "test-fault-matrix.h"

#define PATTERN_BASE G_GUINT64_CONSTANT (0xfffff80000400000)
/* One `dq` reads 64 KiB: 17 packets of 3944 bytes; 64 of them are 4 MiB. */
#define CHUNK_BYTES (64 * 1024)
#define CHUNK_QWORDS (CHUNK_BYTES / 8)
/* Tries of one command before the case fails. */
#define MAX_TRIES 8
/* A flooding target that sends nothing for this long has gone quiet:
 * the user resynchronizes (the engine cannot tell a silent running target
 * from an idle one). Longer than a 2 s stall. */
#define PRINT_WATCHDOG_US (5 * G_USEC_PER_SEC)
/* Bounds on single waits, far above what they take. */
#define COMMAND_TIMEOUT_S 300
#define RECOVER_TIMEOUT_S 180

typedef struct {
  KdhTestEngine t;
  const Scenario *scenario;
  Transport transport;
  Row *row;
  GSubprocess *sim;
  gchar *counters_path;
  gchar *socket_path;
  gchar *connection;

  /* Time to recover: from the last progress (a read done, a new DbgPrint
   * line) before an incident (a failed command, a Lost state, a reboot,
   * a quiet target) to the first progress after it. */
  gint64 last_progress_us;
  gboolean in_incident;
  guint lost_seen;           /* state events looked at for Lost */
  gsize reboot_scan;         /* output looked at for reboot messages */
  GString *actions;          /* every user action, why and when, for the failure message */
  gint64 start_us;
} Case;

/* ---- The simulator and its counters ------------------------------------ */

static void
start_sim (Case *c)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) options = g_strsplit (c->scenario->options, " ", -1);
  g_autofree gchar *where = NULL;

  if (c->transport == TRANSPORT_PTY)
    g_ptr_array_add (args, g_strdup ("--pty"));
  else
    g_ptr_array_add (args, g_strdup_printf ("--listen=unix:%s", c->socket_path));
  g_ptr_array_add (args, g_strdup_printf ("--counters-file=%s", c->counters_path));
  g_ptr_array_add (args, g_strdup ("--dbgprint-rate=0"));
  if (!g_test_verbose ())
    g_ptr_array_add (args, g_strdup ("--quiet"));
  for (guint i = 0; options[i]; i++)
    g_ptr_array_add (args, g_strdup (options[i]));
  g_ptr_array_add (args, NULL);

  where = kdh_test_start_sim (&c->t, (const gchar *const *) args->pdata);
  c->sim = g_ptr_array_index (c->t.processes, c->t.processes->len - 1);
  if (c->transport == TRANSPORT_PTY)
    {
      g_assert_true (g_str_has_prefix (where, "pty /dev/pts/"));
      c->connection = g_strdup_printf ("com:port=%s", where + strlen ("pty "));
    }
  else
    {
      g_assert_true (g_str_has_prefix (where, "listening on unix:"));
      c->connection = g_strdup_printf ("com:pipe,port=%s", c->socket_path);
    }
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* The simulator's counters as of now: the file is removed and rewritten
 * on SIGUSR1. */
static GHashTable *
sim_counters_now (Case *c)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) fields = NULL;
  GHashTable *counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_remove (c->counters_path);
  g_subprocess_send_signal (c->sim, SIGUSR1);
  kdh_test_run_until (file_exists, c->counters_path, 10, "kdhost-sim's counters file");
  g_assert_true (g_file_get_contents (c->counters_path, &text, NULL, NULL));
  fields = g_strsplit_set (g_strstrip (text), " \n", -1);
  for (guint i = 0; fields[i]; i++)
    {
      const gchar *eq = strchr (fields[i], '=');
      guint64 *value = g_new (guint64, 1);

      if (eq == NULL || !g_ascii_string_to_unsigned (eq + 1, 10, 0, G_MAXUINT64, value, NULL))
        {
          g_free (value);
          continue;
        }
      g_hash_table_insert (counters, g_strndup (fields[i], eq - fields[i]), value);
    }
  return counters;
}

static guint64
counter (GHashTable  *counters,
         const gchar *key)
{
  guint64 *value = g_hash_table_lookup (counters, key);

  if (value == NULL)
    g_error ("kdhost-sim's counters have no '%s'", key);
  return *value;
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

/* ---- Incidents and progress ------------------------------------------- */

/* Lost episodes and reboots the engine went through since the last look;
 * either is an incident, and a recovery. */
static void
look_for_incidents (Case *c)
{
  static const gchar needle[] = "The target rebooted: ";
  const gchar *p;
  guint reboots = 0;

  /* Only the output that came since the last look (minus a needle's
   * length, for a message cut in two). */
  for (p = c->t.output->str + c->reboot_scan; (p = strstr (p, needle)) != NULL;
       p += strlen (needle))
    reboots++;
  if (c->t.output->len >= sizeof needle)
    c->reboot_scan = MAX (c->reboot_scan, c->t.output->len - (sizeof needle - 2));

  for (; c->lost_seen < c->t.states->len; c->lost_seen++)
    {
      KdhConnState s = g_array_index (c->t.states, KdhConnState, c->lost_seen);
      KdhConnState before = c->lost_seen > 0
                            ? g_array_index (c->t.states, KdhConnState, c->lost_seen - 1)
                            : KDH_CONN_DISCONNECTED;

      /* Lost, Resynchronizing, Lost ... is one episode. */
      if (s == KDH_CONN_LOST && before != KDH_CONN_LOST && before != KDH_CONN_RESYNCHRONIZING)
        {
          c->row->recoveries++;
          c->in_incident = TRUE;
        }
    }
  if (reboots > 0)
    {
      c->row->recoveries += reboots;
      c->row->reboots += reboots;
      c->in_incident = TRUE;
    }
}

static void
incident (Case *c)
{
  c->in_incident = TRUE;
}

static void
progress (Case *c)
{
  gint64 now = g_get_monotonic_time ();

  look_for_incidents (c);
  if (c->in_incident)
    {
      gdouble gap = (now - c->last_progress_us) / 1e6;

      c->row->incidents++;
      c->row->total_recover_s += gap;
      c->row->max_recover_s = MAX (c->row->max_recover_s, gap);
      c->in_incident = FALSE;
    }
  c->last_progress_us = now;
}

/* ---- Waiting ------------------------------------------------------------ */

typedef struct {
  Case *c;
  KdhConnState state;
} StateWait;

static gboolean
is_connected (gpointer data)
{
  return kdh_conn_state_connected (((Case *) data)->t.state);
}

static gboolean
state_is (gpointer data)
{
  StateWait *w = data;

  return w->c->t.state == w->state;
}

typedef struct {
  gboolean expired;
  gpointer data;
  gboolean (*done) (gpointer data);
} SoftWait;

static gboolean
on_soft_timeout (gpointer data)
{
  ((SoftWait *) data)->expired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
soft_done (gpointer data)
{
  SoftWait *w = data;

  return w->expired || w->done (w->data);
}

/* Like kdh_test_run_until(), but a timeout is an answer (FALSE), not a
 * failure: the caller then does what a user would. */
static gboolean
wait_for (gboolean    (*done) (gpointer data),
          gpointer      data,
          guint         timeout_s,
          const gchar  *what)
{
  SoftWait w = { FALSE, data, done };
  guint id = g_timeout_add_seconds (timeout_s, on_soft_timeout, &w);

  kdh_test_run_until (soft_done, &w, timeout_s + 5, what);
  if (!w.expired)
    g_source_remove (id);
  return done (data);
}

static const gchar *
last_reason (Case *c)
{
  return c->t.reasons->len ? g_ptr_array_index (c->t.reasons, c->t.reasons->len - 1) : "";
}

/* Counts what the test is about to do as a user, and notes why: the state
 * and reason the engine showed, and @what it was doing. */
static void
user_action (Case        *c,
             Action       action,
             const gchar *what)
{
  g_autofree gchar *line = NULL;

  c->row->user_actions++;
  c->row->actions[action]++;
  line = g_strdup_printf ("%.1f s: %s (%s; state %s: %s)\n",
                          (g_get_monotonic_time () - c->start_us) / 1e6, action_names[action],
                          what, kdh_conn_state_name (c->t.state), last_reason (c));
  g_string_append (c->actions, line);
  if (g_test_verbose ())
    g_printerr ("[user action %s", line);
}

static gboolean
user_resync (Case        *c,
             const gchar *what)
{
  user_action (c, ACTION_RESYNC, what);
  return kdh_test_engine_wait_token (&c->t, kdh_engine_resync (c->t.engine), COMMAND_TIMEOUT_S);
}

/* After a failure: gets the session back to Connected (and to Break when
 * @need_break) as a user would: wait while the engine retries by itself,
 * resynchronize when it has given up or the target stays quiet, break in
 * when it runs. */
static void
recover (Case     *c,
         gboolean  need_break)
{
  StateWait brk = { c, KDH_CONN_BREAK };

  for (guint round = 0;; round++)
    {
      if (round >= MAX_TRIES)
        g_error ("%s over %s: no recovery after %u rounds (state %s: %s)\n%s",
                 c->scenario->name, transport_names[c->transport], round,
                 kdh_conn_state_name (c->t.state), last_reason (c), c->t.errors->str);

      /* Lost with a retry pending, or a resync or reboot under way. */
      if (!wait_for (is_connected, c, RECOVER_TIMEOUT_S, "the connection to come back"))
        {
          if (c->t.state == KDH_CONN_LOST && strstr (last_reason (c), "gave up"))
            user_resync (c, "the engine gave up");
          continue;
        }
      if (!need_break || c->t.state == KDH_CONN_BREAK)
        return;
      /* Running (a reboot ends there, after its LoadSymbols stop). */
      user_action (c, ACTION_BREAK, "running after a failed command");
      kdh_engine_break (c->t.engine);
      if (wait_for (state_is, &brk, 30, "Break"))
        return;
      if (kdh_conn_state_connected (c->t.state))
        user_resync (c, "no Break after a break-in");
    }
}

/* ---- Commands ----------------------------------------------------------- */

static gboolean
run_command (Case         *c,
             const gchar  *line,
             gchar       **out)
{
  gsize start = c->t.output->len;
  guint token = kdh_engine_execute (c->t.engine, line, NULL);
  gboolean ok = kdh_test_engine_wait_token (&c->t, token, COMMAND_TIMEOUT_S);

  *out = g_strdup (c->t.output->str + start);
  if (g_test_verbose () && !ok)
    g_printerr ("[%s failed: %s]\n", line, c->t.output->str + start);
  return ok;
}

/* The `dq` lines of the pattern region in @text ("fffff800`00400000
 * 5a5a5da5`a5e5a5a5 5a5a5da5`a5e5a5ad"), leaving out whatever else the
 * command's output holds (messages about the connection, a stop's
 * disassembly line). */
static gchar *
pattern_lines (const gchar *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++)
    {
      const gchar *l = lines[i];

      if (strlen (l) >= 19 && g_str_has_prefix (l, "fffff800`") && l[17] == ' ' && l[18] == ' '
          && strchr (l + 19, '`') != NULL)
        {
          g_string_append (out, l);
          g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}

static gchar *
format_address (guint64 address)
{
  return g_strdup_printf ("%08x`%08x", (guint32) (address >> 32), (guint32) address);
}

/* Reads one 64 KiB chunk until it succeeds. A failed try may show
 * nothing or correct data, never wrong data. */
static void
read_chunk (Case    *c,
            guint64  address)
{
  g_autofree gchar *where = format_address (address);
  g_autofree gchar *line = g_strdup_printf ("dq %s L%x", where, CHUNK_QWORDS);

  for (guint tries = 1;; tries++)
    {
      g_autofree gchar *out = NULL, *dump = NULL;
      gboolean ok = run_command (c, line, &out);

      dump = pattern_lines (out);
      if (ok)
        {
          g_assert_true (g_str_has_prefix (dump, where));
          g_assert_cmpuint (kdh_test_check_pattern_dump (dump), ==, CHUNK_QWORDS);
          progress (c);
          return;
        }
      if (*dump != '\0')
        kdh_test_check_pattern_dump (dump);
      if (tries >= MAX_TRIES)
        g_error ("%s over %s: '%s' failed %u times: %s", c->scenario->name,
                 transport_names[c->transport], line, tries, out);
      incident (c);
      user_action (c, ACTION_RETRY, line);
      recover (c, TRUE);
    }
}

/* A command that changes the target's state (g): retried only when it
 * did not take effect. */
static void
go (Case *c)
{
  for (guint tries = 1;; tries++)
    {
      g_autofree gchar *out = NULL;

      if (run_command (c, "g", &out) || c->t.state == KDH_CONN_RUNNING)
        return;
      if (tries >= MAX_TRIES)
        g_error ("%s over %s: g failed %u times: %s", c->scenario->name,
                 transport_names[c->transport], tries, out);
      incident (c);
      user_action (c, ACTION_RETRY, "g");
      recover (c, TRUE);
    }
}

/* ---- DbgPrint ----------------------------------------------------------- */

typedef struct {
  Case *c;
  gsize offset;            /* into target_output: counted up to here */
  guint lines;
  gint64 last_line_us;
  guint want;
} PrintWait;

/* Counts complete DbgPrint lines since the last look; the order is
 * checked once at the end over the whole output. */
static gboolean
prints_arrived (gpointer data)
{
  PrintWait *w = data;
  GString *text = w->c->t.target_output;
  const gchar *needle = "kdhtest: dbgprint seq=";
  guint before = w->lines;

  for (;;)
    {
      const gchar *p = strstr (text->str + w->offset, needle);
      const gchar *eol = p ? strchr (p, '\n') : NULL;

      if (eol == NULL)
        break;
      w->lines++;
      w->offset = eol + 1 - text->str;
    }
  if (w->lines > before)
    {
      w->last_line_us = g_get_monotonic_time ();
      progress (w->c);
    }
  return w->lines >= w->want
         || g_get_monotonic_time () - w->last_line_us >= PRINT_WATCHDOG_US;
}

static void
receive_prints (Case  *c,
                guint  want)
{
  PrintWait w = { c, 0, 0, g_get_monotonic_time (), want };

  go (c);
  for (guint quiet = 0; w.lines < want; quiet++)
    {
      kdh_test_run_until (prints_arrived, &w, COMMAND_TIMEOUT_S, "DbgPrint lines");
      if (w.lines >= want)
        break;
      if (quiet >= 3 * MAX_TRIES)
        g_error ("%s over %s: DbgPrint stopped at %u lines (state %s: %s)", c->scenario->name,
                 transport_names[c->transport], w.lines, kdh_conn_state_name (c->t.state),
                 last_reason (c));
      /* Quiet for a while. A Lost connection comes back by itself; a
       * running target that has gone silent needs the user's resync
       * (Ctrl+R); a target left stopped needs g. */
      incident (c);
      if (g_test_verbose ())
        g_printerr ("[quiet after %u lines, state %s]\n", w.lines,
                    kdh_conn_state_name (c->t.state));
      if (c->t.state == KDH_CONN_RUNNING)
        user_resync (c, "DbgPrint went quiet");
      recover (c, FALSE);
      if (c->t.state == KDH_CONN_BREAK)
        {
          user_action (c, ACTION_GO, "stopped while DbgPrint was awaited");
          go (c);
        }
      w.last_line_us = g_get_monotonic_time ();
    }

  /* Stop the flood and end in Break. */
  {
    StateWait brk = { c, KDH_CONN_BREAK };

    for (guint tries = 1; c->t.state != KDH_CONN_BREAK; tries++)
      {
        if (tries > MAX_TRIES)
          g_error ("%s over %s: no break-in after %u tries", c->scenario->name,
                   transport_names[c->transport], tries);
        if (tries > 1)
          user_action (c, ACTION_BREAK, "no Break after the prints");
        if (c->t.state == KDH_CONN_RUNNING)
          kdh_engine_break (c->t.engine);
        if (!wait_for (state_is, &brk, 30, "Break after the prints"))
          recover (c, TRUE);
      }
  }
  c->row->prints = kdh_test_check_dbgprint_sequence (c->t.target_output->str, 0);
  g_assert_cmpuint (c->row->prints, >=, want);
}

void
kdh_fault_matrix_run_case (const Scenario *scenario,
                           Transport       transport,
                           Row            *row)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GHashTable) counters = NULL;
  g_autofree gchar *line = NULL;
  Case c;

  memset (&c, 0, sizeof c);
  memset (row, 0, sizeof *row);
  kdh_test_engine_init (&c.t);
  c.actions = g_string_new (NULL);
  c.start_us = start;
  c.scenario = scenario;
  c.transport = transport;
  c.row = row;
  c.counters_path = g_build_filename (c.t.tmpdir, "counters", NULL);
  c.socket_path = g_build_filename (c.t.tmpdir, "sim.sock", NULL);
  c.last_progress_us = start;
  start_sim (&c);

  /* Attach: a failure is one the user sees, then waits out. */
  if (!kdh_test_engine_wait_token (&c.t, kdh_engine_attach (c.t.engine, c.connection),
                                   COMMAND_TIMEOUT_S))
    {
      incident (&c);
      user_action (&c, ACTION_RETRY, "attach failed");
      recover (&c, TRUE);
    }
  g_assert_cmpint (c.t.state, ==, KDH_CONN_BREAK);
  progress (&c);

  /* Resync, as Ctrl+R (the scenario's own, not a user action). */
  if (!kdh_test_engine_wait_token (&c.t, kdh_engine_resync (c.t.engine), COMMAND_TIMEOUT_S))
    {
      incident (&c);
      user_action (&c, ACTION_RETRY, "resync failed");
      recover (&c, TRUE);
    }
  recover (&c, TRUE);
  progress (&c);

  for (guint64 offset = 0; offset < (guint64) scenario->read_kib * 1024; offset += CHUNK_BYTES)
    {
      read_chunk (&c, PATTERN_BASE + offset);
      row->read_kib += CHUNK_BYTES / 1024;
      if (g_test_verbose ())
        g_printerr ("[%.1f s: %u KiB read]\n", (g_get_monotonic_time () - start) / 1e6,
                    row->read_kib);
    }

  receive_prints (&c, scenario->prints);

  /* Connected, and the link still works. The read also lets the engine
   * publish its latest counters. */
  g_usleep (300 * 1000);
  read_chunk (&c, PATTERN_BASE);
  g_assert_cmpint (c.t.state, ==, KDH_CONN_BREAK);
  look_for_incidents (&c);

  counters = sim_counters_now (&c);
  if (counter (counters, "prints_dropped") != 0)
    g_error ("%s over %s: the target gave up on %" G_GUINT64_FORMAT " DbgPrint lines: the "
             "scenario is harsher than the target's retry budget", scenario->name,
             transport_names[transport], counter (counters, "prints_dropped"));
  g_assert_cmpuint (c.t.stats_events, >, 0);
  row->syncs = c.t.stats.syncs;
  row->retransmits_host = c.t.stats.retransmits;
  row->retransmits_target = counter (counters, "retransmits");
  row->resends_host = c.t.stats.resends_out;
  row->resends_target = counter (counters, "resends_sent");
  row->checksum_errors = c.t.stats.checksum_errors;
  row->user_incidents = scenario->user_incidents ? counter (counters, scenario->user_incidents)
                                                 : 0;
  row->total_s = (g_get_monotonic_time () - start) / 1e6;
  row->ran = TRUE;

  line = kdh_fault_matrix_format_row (scenario, transport, row);
  g_test_message ("%s", line);
  /* Saved before the verdict on user actions, so that the table shows
   * them for a case that fails on them. */
  kdh_fault_matrix_save_row (row, g_getenv ("KDH_FAULT_MATRIX_ROW"));
  if (scenario->user_incidents == NULL && row->user_actions > 0)
    g_error ("%s over %s: the engine needed the user %u times; it must come through %s by "
             "itself:\n%s", scenario->name, transport_names[transport], row->user_actions,
             scenario->name, c.actions->str);
  if (row->user_actions > ACTIONS_PER_INCIDENT * row->user_incidents)
    g_error ("%s over %s: %u user actions for %" G_GUINT64_FORMAT " %s (at most %u each):\n%s",
             scenario->name, transport_names[transport], row->user_actions, row->user_incidents,
             scenario->user_incidents, ACTIONS_PER_INCIDENT, c.actions->str);

  /* The engine lets go first; then the simulator is asked to quit and
   * must exit cleanly. */
  {
    gboolean exited = FALSE;

    g_assert_true (kdh_test_engine_wait_token (&c.t, kdh_engine_detach (c.t.engine), 30));
    g_subprocess_send_signal (c.sim, SIGTERM);
    g_subprocess_wait_async (c.sim, NULL, on_sim_exited, &exited);
    kdh_test_run_until (sim_exited, &exited, 30, "kdhost-sim to exit");
    g_assert_true (g_subprocess_get_if_exited (c.sim));
    g_assert_cmpint (g_subprocess_get_exit_status (c.sim), ==, 0);
  }
  kdh_test_engine_clear (&c.t);
  g_string_free (c.actions, TRUE);
  g_free (c.counters_path);
  g_free (c.socket_path);
  g_free (c.connection);
}

