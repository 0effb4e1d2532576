/* test-engine.c: the engine against the in-process simulated target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here goes through the front-end API only: commands in,
 * events out, exactly as the window and the console use the engine.
 */
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kdh-sim-kernel.h"
#include "kdh-test-engine.h"
#include "kdh-test-wait.h"

/* Where the simulated machine's images put @name, as the debugger should
 * print it ("fffff800`03001000"; with @plain, "fffff80003001000"). */
static gchar *
sim_address (const gchar *module,
             const gchar *name,
             gboolean     plain)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 a = name != NULL ? kdh_sim_kernel_lookup_export (k, module, name)
                           : kdh_sim_kernel_module (k, 0)->base
                             + kdh_sim_kernel_module (k, 0)->size_of_image;

  kdh_sim_kernel_free (k);
  g_assert_cmphex (a, !=, 0);
  return plain ? g_strdup_printf ("%016" G_GINT64_MODIFIER "x", a)
               : g_strdup_printf ("%08x`%08x", (guint32) (a >> 32), (guint32) a);
}

static void
test_attach_and_version (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL;
  g_autofree gchar *options = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  g_assert_cmpint (t.state, ==, KDH_CONN_BREAK);
  g_assert_true (kdh_test_engine_saw_state (&t, 0, KDH_CONN_OPENING));
  g_assert_true (kdh_test_engine_saw_state (&t, 0, KDH_CONN_SYNCHRONIZING));
  g_assert_true (t.ready);
  /* The WinDbg banner lines. */
  g_assert_nonnull (strstr (t.output->str, "Connected to Windows 10 19041 x64 target at ("));
  g_assert_nonnull (strstr (t.output->str, "), ptr64 TRUE\n"));
  g_assert_nonnull (strstr (t.output->str, "Kernel Debugger connection established.\n"));
  g_assert_nonnull (strstr (t.output->str, "Break instruction exception - code 80000003"));
  g_assert_nonnull (strstr (t.output->str, "nt!DbgBreakPointWithStatus:\n"));

  out = kdh_test_engine_run (&t, "vertarget", FALSE);
  g_assert_nonnull (strstr (out, "Windows 10 Kernel Version 19041 MP (2 procs) Free x64\n"));
  g_assert_nonnull (strstr (out, "Kernel base = 0xfffff800`02000000"));

  options = kdh_engine_dup_connection_options (t.engine);
  g_assert_cmpstr (options, ==, "sim:");

  /* The connect procedure of docs/protocol.md §2.7: one RESET (answered)
   * and one break-in. */
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).resets_received, ==, 1);
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).breakins, ==, 1);
  kdh_test_engine_clear (&t);
}

static void
test_registers (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL, *rax = NULL, *after = NULL;
  g_autofree gchar *rip = sim_address ("nt", "DbgBreakPointWithStatus", TRUE);
  g_autofree gchar *rip_text = g_strdup_printf ("rip=%s ", rip);

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  out = kdh_test_engine_run (&t, "r", FALSE);
  g_assert_nonnull (strstr (out, rip_text));
  g_assert_nonnull (strstr (out, "cs=0010  ss=0018"));
  g_assert_nonnull (strstr (out, "nt!DbgBreakPointWithStatus:\n"));
  g_assert_nonnull (strstr (out, "cc              int     3\n"));

  /* Set a register, read it back from the target (the cache is per stop,
   * and SetContext goes to the target). */
  g_free (kdh_test_engine_run (&t, "r rax=1234`5678abcd", FALSE));
  rax = kdh_test_engine_run (&t, "r rax", FALSE);
  g_assert_nonnull (strstr (rax, "rax=000012345678abcd"));
  after = kdh_test_engine_run (&t, "r rbx=0; r rbx", FALSE);
  g_assert_nonnull (strstr (after, "rbx=0000000000000000"));
  kdh_test_engine_clear (&t);
}

/* Pattern reads across page boundaries and packet (3944-byte) boundaries,
 * at an unaligned start. */
static void
test_memory_pattern (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL, *bytes = NULL, *edge = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  out = kdh_test_engine_run (&t, "dq fffff800`00400ff8 L1000", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, 0x1000);

  /* db at an odd address: bytes 1..7 of the u64 at ...400000
   * (5a5a5da5`a5e5a5a5, little-endian) and byte 0 of the next one. */
  bytes = kdh_test_engine_run (&t, "db fffff800`00400001 L8", FALSE);
  g_assert_cmpstr (bytes, ==,
                   "fffff800`00400001  a5 e5 a5 a5 5d 5a 5a ad                          "
                   "....]ZZ.\n");

  /* The end of the pattern region: the rest is unreadable and shown so. */
  edge = kdh_test_engine_run (&t, "dq fffff800`013ffff8 L2", FALSE);
  g_assert_nonnull (strstr (edge, "fffff800`013ffff8  5a5a5da5`a49a5a5d ????????`????????"));
  kdh_test_engine_clear (&t);
}

static void
test_symbols_and_modules (void)
{
  KdhTestEngine t;
  g_autofree gchar *lm = NULL, *eval = NULL, *bp = NULL;
  g_autofree gchar *nt_end = sim_address ("nt", NULL, FALSE);
  g_autofree gchar *nt_line =
    g_strdup_printf ("fffff800`02000000 %s   nt         (export symbols)       ntoskrnl.exe\n",
                     nt_end);
  g_autofree gchar *break_point = sim_address ("nt", "DbgBreakPointWithStatus", TRUE);
  g_autofree gchar *offset = g_strdup_printf ("= 00000000`%08" G_GINT64_MODIFIER "x",
                                              g_ascii_strtoull (break_point, NULL, 16)
                                              - G_GUINT64_CONSTANT (0xfffff80002000000));
  g_autofree gchar *tick = sim_address ("kdhtest", "KdhTestTick", FALSE);
  g_autofree gchar *bp_text = g_strdup_printf ("Breakpoint 0 set at %s (kdhtest!KdhTestTick)", tick);

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  lm = kdh_test_engine_run (&t, "lm", FALSE);
  g_assert_nonnull (strstr (lm, nt_line));
  /* The stop's location loaded nt's symbols (no symbol path: exports);
   * the others wait until used. */
  g_assert_nonnull (strstr (lm, "   hal        (deferred)\n"));
  g_assert_nonnull (strstr (lm, "   kdcom      (deferred)\n"));
  g_assert_nonnull (strstr (lm, "   kdhtest    (deferred)\n"));
  eval = kdh_test_engine_run (&t, "? nt!DbgBreakPointWithStatus - nt", FALSE);
  g_assert_nonnull (strstr (eval, offset));
  bp = kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE);
  g_assert_nonnull (strstr (bp, bp_text));
  kdh_test_engine_clear (&t);
}

/* g, then the test driver's tick routine hits the breakpoint. */
static gboolean
is_ready (gpointer data)
{
  return ((KdhTestEngine *) data)->ready;
}

static void
test_go_and_breakpoint (void)
{
  KdhTestEngine t;
  gsize mark;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  mark = t.output->len;
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  g_assert_true (t.state == KDH_CONN_RUNNING || t.state == KDH_CONN_BREAK);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  g_assert_nonnull (strstr (t.output->str + mark, "kdhtest!KdhTestTick:\n"));

  /* g from the breakpoint steps off it first; the front ends see only
   * Running and the next hit, not a Break for that step. */
  for (guint round = 0; round < 3; round++)
    {
      guint from = t.states->len;

      kdh_test_run_until (is_ready, &t, 60, "the prompt at the breakpoint");
      g_free (kdh_test_engine_run (&t, "g", FALSE));
      kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
      g_assert_cmpuint (t.states->len - from, ==, 2);
      g_assert_cmpint (g_array_index (t.states, KdhConnState, from), ==, KDH_CONN_RUNNING);
      g_assert_cmpint (g_array_index (t.states, KdhConnState, from + 1), ==, KDH_CONN_BREAK);
    }
  kdh_test_engine_clear (&t);
}

/* Break-in (Ctrl+C) while running. */
static void
test_break (void)
{
  KdhTestEngine t;
  guint from;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  g_assert_cmpint (t.state, ==, KDH_CONN_RUNNING);
  g_assert_false (t.ready);
  /* Commands that need a stopped target say so. */
  from = t.states->len;
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  g_assert_true (kdh_test_engine_saw_state (&t, from, KDH_CONN_BREAK));
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).breakins, ==, 2);
  kdh_test_engine_clear (&t);
}

/* The target takes a Continue but its ACK is lost on the way: it runs,
 * and a running target reads only break-in bytes, so no retransmission is
 * answered. The host says so and takes it as running, without a lost
 * connection or a resync; a break-in stops it, and the next request (with
 * the next id) and the next g work at once. */
static void
test_continue_ack_lost (void)
{
  KdhTestEngine t;
  g_autofree gchar *regs = NULL;
  const gchar *said, *notice = "The target did not acknowledge Continue2 (no acknowledgement";
  gsize said_at;
  guint from;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:lose-continue-acks=1");
  from = t.states->len;
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  g_assert_cmpint (t.state, ==, KDH_CONN_RUNNING);
  said = strstr (t.output->str, notice);
  g_assert_nonnull (said);
  said_at = said - t.output->str;   /* the string grows: keep an offset */
  g_assert_cmpstr (t.errors->str, ==, "");
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  regs = kdh_test_engine_run (&t, "r", FALSE);
  g_assert_nonnull (strstr (regs, "rip="));
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  g_assert_cmpint (t.state, ==, KDH_CONN_RUNNING);
  g_assert_null (strstr (t.output->str + said_at + 1, notice));
  for (guint i = from; i < t.states->len; i++)
    {
      KdhConnState state = g_array_index (t.states, KdhConnState, i);

      g_assert_cmpint (state, !=, KDH_CONN_LOST);
      g_assert_cmpint (state, !=, KDH_CONN_RESYNCHRONIZING);
    }
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).resets_received, ==, 1);
  kdh_test_engine_clear (&t);
}

static void
test_command_while_running (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  out = kdh_test_engine_run (&t, "r", TRUE);
  g_assert_nonnull (strstr (t.errors->str, "The target is running; break in first"));
  /* The console's key (the window names its own: test-app-keys). */
  g_free (kdh_test_engine_run (&t, "bd *", TRUE));
  g_assert_nonnull (strstr (t.errors->str, "The target is running; break in first (Ctrl+C)."));
  kdh_test_engine_clear (&t);
}

/* Resync while broken in: one RESET per resync reaches the target, no
 * break-in byte is sent (it would stop the target again later), and the
 * state ends at Break. */
static void
test_resync_broken_in (void)
{
  KdhTestEngine t;
  KdhSimCounters before, after;
  guint from;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  before = kdh_test_engine_sim_counters (&t);
  for (guint i = 1; i <= 3; i++)
    {
      from = t.states->len;
      g_assert_true (kdh_test_engine_wait_token (&t, kdh_engine_resync (t.engine), 60));
      g_assert_true (kdh_test_engine_saw_state (&t, from, KDH_CONN_RESYNCHRONIZING));
      g_assert_cmpint (t.state, ==, KDH_CONN_BREAK);
      after = kdh_test_engine_sim_counters (&t);
      g_assert_cmpuint (after.resets_received, ==, before.resets_received + i);
    }
  g_assert_cmpuint (after.breakins, ==, before.breakins);
  g_assert_nonnull (strstr (t.output->str, "Kernel debugger connection resynchronized.\n"));
  /* The link still works. */
  g_free (kdh_test_engine_run (&t, "dq fffff800`00400000 L1", FALSE));
  kdh_test_engine_clear (&t);
}

/* Resync while running: the target is broken into to get it to listen
 * and then resumed, so it ends Running. */
static void
test_resync_running (void)
{
  KdhTestEngine t;
  KdhSimCounters before, after;
  guint from;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  before = kdh_test_engine_sim_counters (&t);
  from = t.states->len;
  g_assert_true (kdh_test_engine_wait_token (&t, kdh_engine_resync (t.engine), 60));
  g_assert_true (kdh_test_engine_saw_state (&t, from, KDH_CONN_RESYNCHRONIZING));
  g_assert_cmpint (t.state, ==, KDH_CONN_RUNNING);
  after = kdh_test_engine_sim_counters (&t);
  g_assert_cmpuint (after.resets_received, >=, before.resets_received + 1);
  /* Break in afterwards: the connection works. */
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  kdh_test_engine_clear (&t);
}

static void
test_restart (void)
{
  KdhTestEngine t;
  guint from;
  gsize mark;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  from = t.states->len;
  mark = t.output->len;
  g_free (kdh_test_engine_run (&t, ".restart", FALSE));
  g_assert_true (kdh_test_engine_saw_state (&t, from, KDH_CONN_RESTARTING));
  g_assert_true (kdh_test_engine_saw_state (&t, from, KDH_CONN_OPENING));
  g_assert_cmpint (t.state, ==, KDH_CONN_BREAK);
  /* Reconnected as a new debugger would: the banner again. */
  g_assert_nonnull (strstr (t.output->str + mark, "Kernel Debugger connection established.\n"));
  g_free (kdh_test_engine_run (&t, "dq fffff800`00400000 L1", FALSE));
  /* From a remote client it is refused, and echoed with the client's name. */
  {
    guint token = kdh_engine_execute (t.engine, ".restart", "client1");

    g_assert_false (kdh_test_engine_wait_token (&t, token, 30));
    g_assert_nonnull (strstr (t.errors->str, ".restart is not allowed from a remote debugging client"));
    g_assert_nonnull (strstr (t.echoes->str, "client1: 0: kd> .restart\n"));
  }
  kdh_test_engine_clear (&t);
}

typedef struct {
  KdhTestEngine *t;
  gsize mark;
} BootBreakWait;

static gboolean
broken_in_after_boot (gpointer data)
{
  BootBreakWait *w = data;

  return strstr (w->t->output->str + w->mark, "Break instruction exception") != NULL
         && w->t->state == KDH_CONN_BREAK && w->t->ready;
}

/* .reboot: the target comes back with the SYNC id bit; the debugger says
 * so, drops its caches and reconnects, and with the initial break on (the
 * default, kd -b) breaks into the new machine once its kernel runs. The
 * Running between them can be over before the test looks: the states seen
 * since count. */
static void
test_reboot (void)
{
  KdhTestEngine t;
  BootBreakWait w = { &t, 0 };
  guint states;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  w.mark = t.output->len;
  states = t.states->len;
  g_free (kdh_test_engine_run (&t, ".reboot", FALSE));
  kdh_test_run_until (broken_in_after_boot, &w, 30, "the break after the reboot");
  g_assert_true (kdh_test_engine_saw_state (&t, states, KDH_CONN_RUNNING));
  g_assert_nonnull (strstr (t.output->str + w.mark, "The target rebooted"));
  g_assert_nonnull (strstr (t.output->str + w.mark, "Module loaded: \\SystemRoot\\system32\\ntoskrnl.exe"));
  g_assert_nonnull (strstr (t.output->str + w.mark, "Kernel Debugger connection established.\n"));
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).reboots, ==, 1);
  g_free (kdh_test_engine_run (&t, "dq fffff800`00400000 L1", FALSE));
  kdh_test_engine_clear (&t);
}

/* DbgPrint output: in order, exactly once. */
static void
test_dbgprint (void)
{
  KdhTestEngine t;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:dbgprint-rate=0");
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  while (kdh_test_check_dbgprint_sequence (t.target_output->str, 0) < 500)
    g_main_context_iteration (NULL, TRUE);
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  kdh_test_check_dbgprint_sequence (t.target_output->str, 0);
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).prints_dropped, ==, 0);
  kdh_test_engine_clear (&t);
}

/* A front end that takes no events for a while during a DbgPrint flood:
 * the engine's undelivered events stay bounded (it stops reading from the
 * target, which holds its DbgPrint until acknowledged), and once the front
 * end is back every line arrives exactly once and in order. */
static void
test_flood_backpressure (void)
{
  KdhTestEngine t;
  gsize peak = 0;
  guint lines;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:dbgprint-rate=0");
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  while (kdh_test_check_dbgprint_sequence (t.target_output->str, 0) < 200)
    g_main_context_iteration (NULL, TRUE);
  /* Long enough for the flood to overrun the bound many times over, and
   * for the engine to let a packet through a stuck front end's pause more
   * than once. */
  for (guint i = 0; i < 50; i++)
    {
      g_usleep (100 * 1000);
      kdh_engine_get_backlog (t.engine, &peak);
      g_assert_cmpuint (peak, <=, 2 * KDH_ENGINE_BACKLOG_HIGH_WATER);
    }
  lines = kdh_test_check_dbgprint_sequence (t.target_output->str, 0);
  while (kdh_test_check_dbgprint_sequence (t.target_output->str, 0) < lines + 20000)
    g_main_context_iteration (NULL, TRUE);
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  kdh_test_check_dbgprint_sequence (t.target_output->str, 0);
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).prints_dropped, ==, 0);
  kdh_engine_get_backlog (t.engine, &peak);
  g_assert_cmpuint (peak, <=, 2 * KDH_ENGINE_BACKLOG_HIGH_WATER);
  kdh_test_engine_clear (&t);
}

/* proc(5)'s stat fields of this process's one thread named @name, from
 * the state on (proc(5)'s field N is index N - 3). */
static GStrv
thread_stat (const gchar *name)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *tid;
  GStrv found = NULL;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree gchar *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree gchar *comm = NULL, *stat = NULL;
      const gchar *end;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL)
          || !g_file_get_contents (stat_path, &stat, NULL, NULL)
          || strcmp (g_strchomp (comm), name) != 0 || (end = strrchr (stat, ')')) == NULL)
        continue;
      g_assert_null (found);
      found = g_strsplit (end + 2, " ", 0);
      g_assert_cmpuint (g_strv_length (found), >, 16);
    }
  g_assert_nonnull (found);
  return found;
}

/* CPU seconds used so far by the thread named @name: utime and stime. */
static gdouble
thread_cpu_s (const gchar *name)
{
  g_auto (GStrv) fields = thread_stat (name);

  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10))
         / (gdouble) sysconf (_SC_CLK_TCK);
}

/* The window's engine yields to the main thread: after
 * kdh_engine_set_background() the engine thread and the simulator's it
 * starts run at a nice value 5 above the caller's. */
static void
test_background_priority (void)
{
  KdhTestEngine t;
  gint64 mine = getpriority (PRIO_PROCESS, 0);
  g_auto (GStrv) engine = NULL, sim = NULL;

  kdh_test_engine_init (&t);
  kdh_engine_set_background (t.engine);
  kdh_test_engine_attach (&t, "sim:");
  engine = thread_stat ("kdh-engine");
  sim = thread_stat ("kdh-sim");
  g_assert_cmpint (g_ascii_strtoll (engine[16], NULL, 10), ==, mine + 5);
  g_assert_cmpint (g_ascii_strtoll (sim[16], NULL, 10), ==, mine + 5);
  kdh_test_engine_clear (&t);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* A running target that prints now and then (@data: the connection), or
 * nothing: the engine looks for the next DbgPrint without sleeping only
 * for a short while after each line, and the simulator for its ACK, so
 * neither thread keeps a core busy. Not a timing assertion that load could
 * break: a thread spinning through the 2 s would use most of a core (all
 * of one on an idle machine); the bound is half of one, and load only ever
 * lowers what a thread gets. */
static void
test_print_spin_bounded (gconstpointer data)
{
  KdhTestEngine t;
  gdouble engine_before, sim_before;
  guint lines;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, data);
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  kdh_test_engine_wait_state (&t, KDH_CONN_RUNNING, 30);
  lines = kdh_test_check_dbgprint_sequence (t.target_output->str, 0);
  engine_before = thread_cpu_s ("kdh-engine");
  sim_before = thread_cpu_s ("kdh-sim");
  kdh_test_wait (never, NULL, 2);
  g_assert_cmpfloat (thread_cpu_s ("kdh-engine") - engine_before, <, 1.0);
  g_assert_cmpfloat (thread_cpu_s ("kdh-sim") - sim_before, <, 1.0);
  if (strstr (data, "dbgprint-rate") != NULL)
    g_assert_cmpuint (kdh_test_check_dbgprint_sequence (t.target_output->str, 0), >, lines);
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  kdh_test_engine_clear (&t);
}

/* A long dump while the front end is stuck: the engine reads and shows it
 * a piece at a time and waits for the front end, so what waits for
 * delivery stays bounded; then all of it arrives, correct and in order. */
static void
test_long_dump_backpressure (void)
{
  KdhTestEngine t;
  gsize mark, peak = 0;
  guint token;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  mark = t.output->len;
  /* 2 MiB of memory, some 7 MiB of text. */
  token = kdh_engine_execute (t.engine, "dq fffff800`00400000 L40000", NULL);
  for (guint i = 0; i < 30; i++)
    {
      g_usleep (100 * 1000);
      kdh_engine_get_backlog (t.engine, &peak);
      g_assert_cmpuint (peak, <=, 2 * KDH_ENGINE_BACKLOG_HIGH_WATER);
    }
  g_assert_true (kdh_test_engine_wait_token (&t, token, 120));
  g_assert_cmpuint (kdh_test_check_pattern_dump (t.output->str + mark), ==, 0x40000);
  kdh_engine_get_backlog (t.engine, &peak);
  g_assert_cmpuint (peak, <=, 2 * KDH_ENGINE_BACKLOG_HIGH_WATER);
  kdh_test_engine_clear (&t);
}

static void
test_bad_connection_strings (void)
{
  KdhTestEngine t;
  guint token;

  kdh_test_engine_init (&t);
  token = kdh_engine_attach (t.engine, "com:port=/dev/ttyS0,bad=1");
  g_assert_false (kdh_test_engine_wait_token (&t, token, 10));
  g_assert_nonnull (strstr (t.errors->str, "unknown option 'bad=1'"));
  g_assert_cmpint (kdh_engine_get_state (t.engine), ==, KDH_CONN_DISCONNECTED);

  token = kdh_engine_attach (t.engine, "com:pipe,port=/nonexistent/dir/vm.sock");
  g_assert_false (kdh_test_engine_wait_token (&t, token, 10));
  g_assert_nonnull (strstr (t.errors->str, "/nonexistent/dir/vm.sock"));
  g_assert_nonnull (strstr (t.errors->str, "No such file or directory"));
  g_assert_cmpint (t.state, ==, KDH_CONN_DISCONNECTED);
  kdh_test_engine_clear (&t);
}

/* Faults on the line (docs/protocol.md §2): the session attaches, reads
 * 1 MiB of correct data, and every DbgPrint line arrives exactly once in
 * order. */
static void
test_faults (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL;
  KdhSimCounters c;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:drop=0.01,corrupt=0.01,dup=0.01,seed=11,dbgprint-rate=0");
  out = kdh_test_engine_run (&t, "dq fffff800`00400000 L20000", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, 0x20000);
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  while (kdh_test_check_dbgprint_sequence (t.target_output->str, 0) < 1000)
    g_main_context_iteration (NULL, TRUE);
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  kdh_test_check_dbgprint_sequence (t.target_output->str, 0);
  c = kdh_test_engine_sim_counters (&t);
  g_assert_cmpuint (c.prints_dropped, ==, 0);
  /* The faults did happen and were recovered from. */
  g_assert_cmpuint (c.retransmits + c.resends_received, >, 0);
  kdh_test_engine_clear (&t);
}

/* ---- Recovering from a target that goes quiet or reboots ------------- */

typedef struct {
  KdhTestEngine *t;
  guint64 silences;
  guint64 reboots;
} SimWait;

static gboolean
sim_went_silent (gpointer data)
{
  SimWait *w = data;

  return kdh_test_engine_sim_counters (w->t).silences >= w->silences;
}

static gboolean
sim_rebooted (gpointer data)
{
  SimWait *w = data;

  return kdh_test_engine_sim_counters (w->t).reboots >= w->reboots;
}

/* A target that goes quiet right after sending a manipulate reply: the
 * next request is never acknowledged, the connection is Lost, and the
 * automatic resync's RESET makes the target send that stale reply again
 * rather than its state change (docs/protocol.md §2.5). The engine answers
 * it with RESEND, which gets the state change: one resync round, not a
 * second after "reported no state". */
static void
test_silent_after_reply (void)
{
  KdhTestEngine t;
  guint from, lost = 0;
  guint tries = 0;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:silent-after=60");
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).silences, ==, 0);
  from = t.states->len;
  while (kdh_conn_state_connected (t.state))
    {
      g_autofree gchar *out = kdh_test_engine_run (&t, "dq fffff800`00400000 L1", TRUE);

      g_assert_cmpuint (++tries, <=, 60);
    }
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  for (guint i = from; i < t.states->len; i++)
    lost += g_array_index (t.states, KdhConnState, i) == KDH_CONN_LOST;
  g_assert_cmpuint (lost, ==, 1);
  g_assert_null (strstr (t.errors->str, "reported no state"));
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).silences, ==, 1);
  g_free (kdh_test_engine_run (&t, "dq fffff800`00400000 L1", FALSE));
  kdh_test_engine_clear (&t);
}

/* A flooding target goes quiet after a DbgPrint whose ACK it then ignores;
 * the user resyncs. The RESET makes it send that print again with the
 * initial id: it is acknowledged but not shown a second time. */
static void
test_silent_print_resync (void)
{
  KdhTestEngine t;
  SimWait w = { &t, 1, 0 };
  guint lines;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:silent-after=300,dbgprint-rate=0");
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  kdh_test_run_until (sim_went_silent, &w, 30, "the target to go quiet");
  lines = kdh_test_check_dbgprint_sequence (t.target_output->str, 0);
  g_assert_true (kdh_test_engine_wait_token (&t, kdh_engine_resync (t.engine), 60));
  g_assert_cmpint (t.state, ==, KDH_CONN_RUNNING);
  while (kdh_test_check_dbgprint_sequence (t.target_output->str, 0) < lines + 100)
    g_main_context_iteration (NULL, TRUE);
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  /* Exactly once, in order, across the resync. */
  kdh_test_check_dbgprint_sequence (t.target_output->str, 0);
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).prints_dropped, ==, 0);
  kdh_test_engine_clear (&t);
}

/* Ctrl+C while the target reboots: the break-in byte is lost (a booting
 * machine does not read its serial port), and the first stop after the
 * reboot is a module load that the debugger would resume. The user's
 * break-in is still outstanding, so the debugger stays at that stop
 * instead, without sending the target another break-in. */
static void
test_break_during_reboot (void)
{
  KdhTestEngine t;
  SimWait w = { &t, 0, 1 };
  guint64 breakins;
  gsize mark;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:reboot-after=400,dbgprint-rate=0");
  breakins = kdh_test_engine_sim_counters (&t).breakins;
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  mark = t.output->len;
  /* The counters say so as the reboot begins; booting takes 500 ms. */
  kdh_test_run_until (sim_rebooted, &w, 30, "the target to reboot");
  kdh_engine_break (t.engine);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 30);
  g_assert_nonnull (strstr (t.output->str + mark, "The target rebooted: "));
  g_assert_nonnull (strstr (t.output->str + mark, "Module loaded: "));
  g_assert_cmpuint (kdh_test_engine_sim_counters (&t).breakins, ==, breakins);
  g_free (kdh_test_engine_run (&t, "dq fffff800`00400000 L1", FALSE));
  kdh_test_engine_clear (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/sim/attach-and-version", test_attach_and_version);
  g_test_add_func ("/engine/sim/registers", test_registers);
  g_test_add_func ("/engine/sim/memory-pattern", test_memory_pattern);
  g_test_add_func ("/engine/sim/symbols-and-modules", test_symbols_and_modules);
  g_test_add_func ("/engine/sim/go-and-breakpoint", test_go_and_breakpoint);
  g_test_add_func ("/engine/sim/break", test_break);
  g_test_add_func ("/engine/sim/continue-ack-lost", test_continue_ack_lost);
  g_test_add_func ("/engine/sim/command-while-running", test_command_while_running);
  g_test_add_func ("/engine/sim/resync-broken-in", test_resync_broken_in);
  g_test_add_func ("/engine/sim/resync-running", test_resync_running);
  g_test_add_func ("/engine/sim/restart", test_restart);
  g_test_add_func ("/engine/sim/reboot", test_reboot);
  g_test_add_func ("/engine/sim/dbgprint", test_dbgprint);
  g_test_add_func ("/engine/sim/flood-backpressure", test_flood_backpressure);
  g_test_add_data_func ("/engine/sim/print-spin-bounded/idle", "sim:", test_print_spin_bounded);
  g_test_add_func ("/engine/sim/background-priority", test_background_priority);
  g_test_add_data_func ("/engine/sim/print-spin-bounded/printing", "sim:dbgprint-rate=50",
                        test_print_spin_bounded);
  g_test_add_func ("/engine/sim/long-dump-backpressure", test_long_dump_backpressure);
  g_test_add_func ("/engine/sim/bad-connection-strings", test_bad_connection_strings);
  g_test_add_func ("/engine/sim/faults", test_faults);
  g_test_add_func ("/engine/sim/silent-after-reply", test_silent_after_reply);
  g_test_add_func ("/engine/sim/silent-print-resync", test_silent_print_resync);
  g_test_add_func ("/engine/sim/break-during-reboot", test_break_during_reboot);
  return g_test_run ();
}
