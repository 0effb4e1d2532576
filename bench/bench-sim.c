/* bench-sim.c: the simulated machine's emulator: instruction rate and CPU use
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In process, on the kernel model alone:
 *   - the emulated instruction rate, with processor 1 spinning on a
 *     `jmp $` (it runs its whole per-tick budget, an exact count) while
 *     processor 0 idles;
 *   - the host CPU time the idle machine (two processors taking their
 *     1 ms clock ticks) costs per simulated second.
 * The target's side of a memory read: a host link and the simulated
 * target in this thread with no I/O between them (tests/kdh-test-sim.c's
 * loop), CPU time per 3944-byte ReadVirtualMemory, to set beside
 * bench-memread's time per request on a socket.
 * A server in this process with that spinning processor, under two CPU
 * budgets. Then kdhost-sim as a process, running with a debugger attached
 * (`g`): its CPU use, idle and while printing DbgPrint lines, from /proc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kdh-bench.h"
#include "kdh-test-sim.h"
#include "sim/kdh-sim-kernel.h"
#include "sim/kdh-sim-server.h"

/* kdh-sim-kernel-private.h's budget: instructions per processor per tick. */
#define TICK_INSTRUCTIONS 400000.0
#define SPIN_AT G_GUINT64_CONSTANT (0xFFFFF800043FF000)   /* the loader's pool page */

static gint seconds = 5;

static gdouble
process_cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* utime + stime of another process, in seconds. */
static gdouble
child_cpu_s (GSubprocess *process)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (process));
  g_autofree gchar *text = NULL;
  g_auto (GStrv) fields = NULL;
  const gchar *after;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    {
      fprintf (stderr, "benchmark: cannot read %s\n", path);
      exit (1);
    }
  /* Fields after the command name, which may hold spaces: utime is the
   * 12th of them, stime the 13th. */
  after = strrchr (text, ')');
  fields = g_strsplit (after + 2, " ", -1);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
         / sysconf (_SC_CLK_TCK);
}

static void make_busy (KdhSimKernel *k);

static void
instruction_rate (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  guint ticks = 200;
  gdouble cpu0, cpu1, wall0, wall1;
  KdhSimEvent ev;

  make_busy (k);
  cpu0 = process_cpu_s ();
  wall0 = g_get_monotonic_time () / 1e6;
  for (guint i = 0; i < ticks; i++)
    if (kdh_sim_kernel_execute (k, 4000, &ev))
      {
        fprintf (stderr, "benchmark: the spinning machine stopped (event %d)\n", ev.kind);
        exit (1);
      }
  cpu1 = process_cpu_s ();
  wall1 = g_get_monotonic_time () / 1e6;
  printf ("emulated instruction rate (a `jmp $` loop, instruction-counted): %.1f M instructions/s "
          "of host CPU (%u ticks x %.0f instructions in %.2f s CPU, %.2f s wall)\n",
          ticks * TICK_INSTRUCTIONS / (cpu1 - cpu0) / 1e6, ticks, TICK_INSTRUCTIONS,
          cpu1 - cpu0, wall1 - wall0);
  printf ("  a processor that never idles would need %.0f %% of a core at real time; "
          "--cpu-budget (default 25 %%) holds it back\n",
          100.0 * (cpu1 - cpu0) / (ticks * 0.004));
  kdh_sim_kernel_free (k);
}

static void
idle_cost (void)
{
  KdhSimKernel *k = kdh_sim_kernel_new (2, 1);
  guint ticks = 500;
  gdouble cpu0, cpu1;
  KdhSimEvent ev;

  cpu0 = process_cpu_s ();
  for (guint i = 0; i < ticks; i++)
    if (kdh_sim_kernel_execute (k, 4000, &ev))
      {
        fprintf (stderr, "benchmark: the idle machine stopped (event %d)\n", ev.kind);
        exit (1);
      }
  cpu1 = process_cpu_s ();
  printf ("idle machine (2 processors, a tick every 4 ms, kdhtest's tick routine on each): "
          "%.1f ms of host CPU per simulated second (%.1f %% of a core at real time), "
          "%.1f us per tick\n",
          (cpu1 - cpu0) * 1e3 / (ticks * 0.004), 100.0 * (cpu1 - cpu0) / (ticks * 0.004),
          (cpu1 - cpu0) * 1e6 / ticks);
  kdh_sim_kernel_free (k);
}

/* Processor 1 spinning on a `jmp $`. */
static void
make_busy (KdhSimKernel *k)
{
  static const guint8 spin[] = { 0xEB, 0xFE };
  guint8 *ctx = kdh_sim_kernel_context (k, 1);
  guint64 rip = GUINT64_TO_LE (SPIN_AT);

  g_assert (kdh_sim_kernel_write_virtual (k, SPIN_AT, spin, sizeof spin) == sizeof spin);
  memcpy (ctx + 0xF8, &rip, 8);                           /* CONTEXT.Rip */
}

static gboolean quit_after (gpointer data);
static gboolean flag_set (gpointer data);

/* A server in this process whose machine has a processor that never
 * idles: how much of a core the budget lets it take. */
static void
budget (guint percent)
{
  g_autofree gchar *option = g_strdup_printf ("cpu-budget=%u", percent);
  KdhSimOptions opts;
  KdhSimServer *server;
  gboolean done = FALSE;
  gdouble before, after;

  kdh_sim_options_init (&opts);
  g_assert (kdh_sim_options_parse (option, &opts, NULL));
  server = kdh_sim_server_new (&opts);
  make_busy (kdh_sim_target_get_kernel (kdh_sim_server_get_target (server)));
  before = process_cpu_s ();
  g_timeout_add_seconds (seconds, quit_after, &done);
  kdh_bench_run_until (flag_set, &done, seconds + 30, "the measuring time");
  after = process_cpu_s ();
  printf ("a processor that never idles, --cpu-budget=%u: the simulator used %.1f %% of a core\n",
          percent, 100.0 * (after - before) / seconds);
  kdh_sim_server_free (server);
}

static gboolean
quit_after (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* kdhost-sim with @options, a debugger attached and the target running:
 * the process's CPU use over the measuring time. */
static void
process_cpu (const gchar *label,
             const gchar *options)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *socket = g_build_filename (dir, "sim.sock", NULL);
  g_autofree gchar *listen = g_strdup_printf ("--listen=unix:%s", socket);
  g_autofree gchar *connection = g_strdup_printf ("com:pipe,port=%s", socket);
  g_autofree gchar *where = NULL;
  const gchar *args[] = { listen, "--quiet", options, NULL };
  KdhBenchEngine b;
  GSubprocess *sim;
  gboolean done = FALSE;
  gdouble before, after;
  guint64 lines;

  sim = kdh_bench_start_sim (args, &where);
  kdh_bench_engine_init (&b);
  kdh_bench_attach (&b, connection);
  kdh_bench_run (&b, "g", 30);
  lines = b.target_lines;
  before = child_cpu_s (sim);
  g_timeout_add_seconds (seconds, quit_after, &done);
  kdh_bench_run_until (flag_set, &done, seconds + 30, "the measuring time");
  after = child_cpu_s (sim);
  printf ("kdhost-sim running, %s: %.1f %% of a core (%.2f s CPU in %d s)",
          label, 100.0 * (after - before) / seconds, after - before, seconds);
  if (b.target_lines > lines)
    printf (", %.0f DbgPrint lines/s", (b.target_lines - lines) / (gdouble) seconds);
  printf ("\n");
  kdh_bench_detach (&b);
  kdh_bench_engine_clear (&b);
  kdh_bench_stop_process (sim);
  kdh_bench_remove_tree (dir);
}

/* The simulator must never be what limits a memory read: its cost per
 * request, with the host's link, and no line between them. */
static void
request_cost (void)
{
  const gsize total = 16 * 1024 * 1024;
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("", FALSE);
  g_autofree guint8 *buf = g_malloc (total);
  KdhStateChange sc;
  gdouble start, cpu;
  guint requests = (guint) ((total + KDH_MAX_MEMORY_TRANSFER - 1) / KDH_MAX_MEMORY_TRANSFER);

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  start = kdh_bench_thread_cpu_s ();
  kdh_test_sim_read_memory (s, KDH_SIM_PATTERN_BASE, buf, total);
  cpu = kdh_bench_thread_cpu_s () - start;
  kdh_test_check_pattern_bytes (KDH_SIM_PATTERN_BASE, buf, 4096);
  printf ("sim request cost              %u ReadVirtualMemory of %u bytes: %.1f µs of CPU each "
          "(host link and target, no I/O), %.0f MB/s\n", requests, KDH_MAX_MEMORY_TRANSFER,
          cpu * 1e6 / requests, total / cpu / 1e6);
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds to measure kdhost-sim's CPU use", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- the simulated machine's emulator");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  instruction_rate ();
  request_cost ();
  idle_cost ();
  budget (25);
  budget (10);
  process_cpu ("idle kernel, debugger attached", "--dbgprint-rate=0.0001");
  process_cpu ("kdhtest printing 100 lines/s", "--dbgprint-rate=100");
  process_cpu ("kdhtest printing as fast as the link allows", "--dbgprint-rate=max");
  return 0;
}
