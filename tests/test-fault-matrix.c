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
 * Break. Where a command fails while the connection recovers, the test
 * does what a user would (waits for the automatic resync, breaks in,
 * retries the command, or resynchronizes a target that has gone quiet
 * while running) and counts it: the table shows every such action.
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
/* The bound on a whole case, within CTest's 900 s. */
#define CASE_TIMEOUT_S 840

typedef enum {
  TRANSPORT_PTY,
  TRANSPORT_UNIX,
  N_TRANSPORTS
} Transport;

static const gchar *const transport_names[] = { "pty", "unix socket" };
static const gchar *const transport_ids[] = { "pty", "unix" };

typedef struct {
  const gchar *id;          /* test path component */
  const gchar *name;        /* table */
  const gchar *options;     /* kdhost-sim options, space-separated */
  guint read_kib;
  guint prints;
} Scenario;

/* Fixed seeds, so that a failure can be replayed. Two scenarios move less
 * data, to keep the program within about four minutes: at 5 % a quarter
 * of the volume (every dropped byte costs a timeout of about 0.5 s, and
 * the full volume takes some 330 s), and with stalls also a quarter (a
 * 2 s stall comes about once in 64 packets from the target: the full
 * volume, some 7000 packets, would stall for about four minutes). */
static const Scenario scenarios[] = {
  { "faults-0.1", "faults 0.1 %", "--drop=0.001 --corrupt=0.001 --dup=0.001 --seed=101",
    4096, 5000 },
  { "faults-1", "faults 1 %", "--drop=0.01 --corrupt=0.01 --dup=0.01 --seed=102", 4096, 5000 },
  { "faults-5", "faults 5 %", "--drop=0.05 --corrupt=0.05 --dup=0.05 --seed=103", 1024, 1250 },
  { "stall-2s", "stalls 2 s", "--stall-ms=2000 --seed=104", 1024, 1250 },
  { "silent", "silent every 800", "--silent-after=800 --seed=105", 4096, 5000 },
  { "reboot", "reboot every 700", "--reboot-after=700 --seed=106", 4096, 5000 },
};

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
  guint64 syncs;             /* completed link resyncs (the attach and the test's own included) */
  guint64 retransmits_host, retransmits_target;
  guint64 resends_host, resends_target;   /* RESENDs sent */
  guint64 checksum_errors;   /* damaged packets the host received */
  guint incidents;
  gdouble max_recover_s;
  gdouble total_recover_s;
  gdouble total_s;
} Row;

static Row rows[G_N_ELEMENTS (scenarios)][N_TRANSPORTS];

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

static gboolean
user_resync (Case *c)
{
  c->row->user_actions++;
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
            user_resync (c);
          continue;
        }
      if (!need_break || c->t.state == KDH_CONN_BREAK)
        return;
      /* Running (a reboot ends there, after its LoadSymbols stop). */
      c->row->user_actions++;
      kdh_engine_break (c->t.engine);
      if (wait_for (state_is, &brk, 30, "Break"))
        return;
      if (kdh_conn_state_connected (c->t.state))
        user_resync (c);
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
      c->row->user_actions++;
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
      c->row->user_actions++;
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
        user_resync (c);
      recover (c, FALSE);
      if (c->t.state == KDH_CONN_BREAK)
        {
          c->row->user_actions++;
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
          c->row->user_actions++;
        if (c->t.state == KDH_CONN_RUNNING)
          kdh_engine_break (c->t.engine);
        if (!wait_for (state_is, &brk, 30, "Break after the prints"))
          recover (c, TRUE);
      }
  }
  c->row->prints = kdh_test_check_dbgprint_sequence (c->t.target_output->str, 0);
  g_assert_cmpuint (c->row->prints, >=, want);
}

/* ---- One case ----------------------------------------------------------- */

static void
print_header (FILE *out)
{
  fprintf (out, "| scenario | transport | read | prints | recoveries | user actions | resyncs "
                "| retransmits host/target | resends host/target | checksum errors "
                "| time to recover max (mean, n) | total |\n");
  fprintf (out, "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
}

static gchar *
format_row (const Scenario *s,
            Transport       transport,
            const Row      *r)
{
  g_autofree gchar *recover = r->incidents
    ? g_strdup_printf ("%.1f s (%.1f s, %u)", r->max_recover_s, r->total_recover_s / r->incidents,
                       r->incidents)
    : g_strdup ("-");
  g_autofree gchar *reboots = r->reboots ? g_strdup_printf (" (%u reboots)", r->reboots)
                                         : g_strdup ("");

  return g_strdup_printf ("| %s | %s | %u KiB | %u | %u%s | %u | %" G_GUINT64_FORMAT
                          " | %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                          " | %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT
                          " | %s | %.1f s |",
                          s->name, transport_names[transport], r->read_kib, r->prints,
                          r->recoveries, reboots,
                          r->user_actions, r->syncs, r->retransmits_host, r->retransmits_target,
                          r->resends_host, r->resends_target, r->checksum_errors, recover,
                          r->total_s);
}

static void
save_row (const Row   *r,
          const gchar *path)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_key_file_set_uint64 (kf, "row", "read_kib", r->read_kib);
  g_key_file_set_uint64 (kf, "row", "prints", r->prints);
  g_key_file_set_uint64 (kf, "row", "recoveries", r->recoveries);
  g_key_file_set_uint64 (kf, "row", "reboots", r->reboots);
  g_key_file_set_uint64 (kf, "row", "user_actions", r->user_actions);
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

/* The case itself, in the child process. */
static void
run_case (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  const Scenario *scenario = &scenarios[index / N_TRANSPORTS];
  Transport transport = index % N_TRANSPORTS;
  Row *row = &rows[index / N_TRANSPORTS][transport];
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GHashTable) counters = NULL;
  g_autofree gchar *line = NULL;
  Case c;

  memset (&c, 0, sizeof c);
  memset (row, 0, sizeof *row);
  kdh_test_engine_init (&c.t);
  c.scenario = scenario;
  c.transport = transport;
  c.row = row;
  c.counters_path = g_build_filename (c.t.tmpdir, "counters", NULL);
  c.socket_path = g_build_filename (c.t.tmpdir, "sim.sock", NULL);
  c.last_progress_us = start;
  start_sim (&c);

  /* Attach: as a user would, once more when it fails. */
  if (!kdh_test_engine_wait_token (&c.t, kdh_engine_attach (c.t.engine, c.connection),
                                   COMMAND_TIMEOUT_S))
    {
      incident (&c);
      recover (&c, TRUE);
    }
  g_assert_cmpint (c.t.state, ==, KDH_CONN_BREAK);
  progress (&c);

  /* Resync, as Ctrl+R. */
  if (!kdh_test_engine_wait_token (&c.t, kdh_engine_resync (c.t.engine), COMMAND_TIMEOUT_S))
    {
      incident (&c);
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
  row->total_s = (g_get_monotonic_time () - start) / 1e6;
  row->ran = TRUE;

  line = format_row (scenario, transport, row);
  g_test_message ("%s", line);
  save_row (row, g_getenv ("KDH_FAULT_MATRIX_ROW"));

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
  g_free (c.counters_path);
  g_free (c.socket_path);
  g_free (c.connection);
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
      g_test_fail ();
      return;
    }
  load_row (row, row->row_path);
  row->ran = TRUE;
  line = format_row (scenario, transport, row);
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
          g_autofree gchar *line = format_row (&scenarios[s], tr, &rows[s][tr]);

          fprintf (mem, "%s\n", line);
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
                              child ? run_case : test_case);
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
