/* test-cli.c: kdhost-cli as a script runs it, on a pipe
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts the kdhost-cli executable (and, for one of them, a
 * kdhost-sim process) and gives it lines on a pipe (kdh-test-proc.c);
 * test-cli-terminal.c has it on a terminal. Output is read as it comes and
 * searched in order; every wait is bounded and fails with the output so
 * far, and nothing sleeps.
 */
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "kdh-test-proc.h"

/* The simulated target's pattern region: the qword at A holds A ^ this. */
#define PATTERN_BASE G_GUINT64_CONSTANT (0xfffff80000400000)
#define PATTERN_XOR  G_GUINT64_CONSTANT (0xa5a5a5a5a5a5a5a5)

/* The line `dq` prints for the two pattern qwords at @addr, without its
 * end (a terminal ends it with CR LF). */
static gchar *
dq_line (guint64 addr)
{
  guint64 a = addr ^ PATTERN_XOR;
  guint64 b = (addr + 8) ^ PATTERN_XOR;

  return g_strdup_printf ("%08x`%08x  %08x`%08x %08x`%08x", (guint) (addr >> 32), (guint) addr,
                          (guint) (a >> 32), (guint) a, (guint) (b >> 32), (guint) b);
}

/* Expects @n_lines lines of `dq` output from @addr on, on a pipe. */
static void
expect_dq_lines (KdhTestProc    *p,
                 guint64  addr,
                 guint    n_lines)
{
  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree gchar *text = dq_line (addr + 16 * i);
      g_autofree gchar *line = g_strconcat (text, "\n", NULL);

      kdh_test_proc_expect (p, line);
    }
}

/* ---- Pipe mode ---------------------------------------------------------- */

/* A whole session as a script on a pipe would run it, one line at a time,
 * each sent once the previous one's output is there. */
static void
test_pipe_session (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);

  if (cli == NULL)
    return;

  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");

  /* A script's lines are echoed after the prompt, as KD echoes input. */
  kdh_test_proc_send (cli, "vertarget\n");
  kdh_test_proc_expect (cli, "0: kd> vertarget\n");
  kdh_test_proc_expect (cli, "Windows 10 Kernel Version 19041 MP (2 procs) Free x64\n");
  kdh_test_proc_expect (cli, "Kernel base = 0xfffff800`02000000");
  kdh_test_proc_expect (cli, "Kernel connection: sim (Break)\n");

  kdh_test_proc_send (cli, "r\n");
  kdh_test_proc_expect (cli, "0: kd> r\n");
  kdh_test_proc_expect (cli, "rax=");
  kdh_test_proc_expect (cli, "rip=fffff80002001010 ");
  kdh_test_proc_expect (cli, "cs=0010  ss=0018");
  kdh_test_proc_expect (cli, "nt!DbgBreakPointWithStatus:\n");

  kdh_test_proc_send (cli, "dq fffff800`00400000 L4\n");
  kdh_test_proc_expect (cli, "0: kd> dq fffff800`00400000 L4\n");
  expect_dq_lines (cli, PATTERN_BASE, 2);

  /* Ctrl+R alone on a line. */
  kdh_test_proc_send (cli, "\x12\n");
  kdh_test_proc_expect (cli, "Kernel debugger connection resynchronized.\n");

  /* Go, then Ctrl+C alone on a line breaks in again. */
  kdh_test_proc_send (cli, "g\n");
  kdh_test_proc_expect (cli, "0: kd> g\n");
  kdh_test_proc_send (cli, "\x03\n");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  kdh_test_proc_expect (cli, "nt!DbgBreakPointWithStatus:\n");

  /* Ctrl+K: the initial break (on by default), off and on again. */
  kdh_test_proc_send (cli, "\x0b\n");
  kdh_test_proc_expect (cli, "No initial break will be requested.\n");
  kdh_test_proc_send (cli, "\x0b\n");
  kdh_test_proc_expect (cli, "Will request an initial break at the next connection and after "
                             "the target reboots.\n");

  /* Ctrl+D: the packet trace, for the next command only while it is on. */
  kdh_test_proc_send (cli, "\x04\n");
  kdh_test_proc_expect (cli, "Packet trace on.\n");
  kdh_test_proc_send (cli, "dq fffff800`00400100 L2\n");
  kdh_test_proc_expect (cli, "0: kd> dq fffff800`00400100 L2\n");
  kdh_test_proc_expect (cli, ">> id=");
  kdh_test_proc_expect (cli, "Manipulate ReadVirtualMemory");
  kdh_test_proc_expect (cli, "<< id=");
  expect_dq_lines (cli, PATTERN_BASE + 0x100, 1);
  kdh_test_proc_send (cli, "\x04\n");
  kdh_test_proc_expect (cli, "Packet trace off.\n");
  /* Memory not read before, so that it takes packets. */
  kdh_test_proc_send (cli, "dq fffff800`00400200 L2\n");
  kdh_test_proc_expect (cli, "0: kd> dq fffff800`00400200 L2\n");
  {
    g_autofree gchar *text = dq_line (PATTERN_BASE + 0x200);

    kdh_test_proc_assert_absent_before (cli, ">> ", text);
    kdh_test_proc_assert_absent_before (cli, "<< ", text);
    expect_dq_lines (cli, PATTERN_BASE + 0x200, 1);
  }

  /* An empty line repeats the dump where the last one ended. */
  kdh_test_proc_send (cli, "dq fffff800`00400000 L4\n");
  kdh_test_proc_expect (cli, "0: kd> dq fffff800`00400000 L4\n");
  expect_dq_lines (cli, PATTERN_BASE, 2);
  kdh_test_proc_send (cli, "\n");
  expect_dq_lines (cli, PATTERN_BASE + 0x20, 2);
  kdh_test_proc_send (cli, "\n");
  expect_dq_lines (cli, PATTERN_BASE + 0x40, 2);

  /* Ctrl+B quits. */
  kdh_test_proc_send (cli, "\x02\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

/* `q` quits with status 0. */
static void
test_pipe_quit (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);

  if (cli == NULL)
    return;

  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_send (cli, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

/* -c commands run first, then standard input's lines, in order; end of
 * file ends the program once the last command has finished. */
static void
test_pipe_commands_then_eof (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:", "-c", "vertarget; r",
                                      NULL);

  if (cli == NULL)
    return;

  /* All of the input at once, then end of file: each line still waits for
   * the one before it. */
  kdh_test_proc_send (cli, "r rip\ndq fffff800`00400000 L4\n");
  kdh_test_proc_close_input (cli);

  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_expect (cli, "0: kd> vertarget\n");
  kdh_test_proc_expect (cli, "Kernel connection: sim (Break)\n");
  kdh_test_proc_expect (cli, "0: kd> r\n");
  kdh_test_proc_expect (cli, "rax=");
  kdh_test_proc_expect (cli, "nt!DbgBreakPointWithStatus:\n");
  kdh_test_proc_expect (cli, "0: kd> r rip\n");
  kdh_test_proc_expect (cli, "rip=fffff80002001010\n");
  kdh_test_proc_expect (cli, "0: kd> dq fffff800`00400000 L4\n");
  expect_dq_lines (cli, PATTERN_BASE, 2);
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

/* The "symbol-path" settings key (a keyfile backend here) is the symbol
 * path kdhost-cli starts with; $_NT_SYMBOL_PATH, when set, wins. */
static void
test_symbol_path_setting (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("kdh-cli-settings-XXXXXX", NULL);
  g_autofree gchar *settings_dir = g_build_filename (dir, "glib-2.0", "settings", NULL);
  g_autofree gchar *keyfile = g_build_filename (settings_dir, "keyfile", NULL);
  g_autofree gchar *config = g_strdup_printf ("XDG_CONFIG_HOME=%s", dir);
  const gchar *from_settings[] = { "GSETTINGS_BACKEND=keyfile", config, "_NT_SYMBOL_PATH", NULL };
  const gchar *from_env[] = { "GSETTINGS_BACKEND=keyfile", config,
                              "_NT_SYMBOL_PATH=/tmp/from-the-environment", NULL };
  g_autoptr (KdhTestProc) cli = NULL, env = NULL;

  g_assert_cmpint (g_mkdir_with_parents (settings_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (keyfile, "[org/kdhost/Kdhost]\n"
                                      "symbol-path='srv*/tmp/kdh-cache*https://example.invalid/symbols'\n",
                                      -1, NULL));
  cli = kdh_test_proc_spawn_piped_env (from_settings, "cli", "kdhost-cli", "-k", "sim:", "-c",
                                       ".sympath", NULL);
  env = kdh_test_proc_spawn_piped_env (from_env, "cli", "kdhost-cli", "-k", "sim:", "-c",
                                       ".sympath", NULL);
  if (cli == NULL || env == NULL)
    return;
  kdh_test_proc_close_input (cli);
  kdh_test_proc_expect (cli, "Symbol search path is: "
                        "srv*/tmp/kdh-cache*https://example.invalid/symbols\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
  kdh_test_proc_close_input (env);
  kdh_test_proc_expect (env, "Symbol search path is: /tmp/from-the-environment\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (env), ==, 0);
  g_unlink (keyfile);
  g_rmdir (settings_dir);
  {
    g_autofree gchar *glib_dir = g_build_filename (dir, "glib-2.0", NULL);

    g_rmdir (glib_dir);
  }
  g_rmdir (dir);
}

/* -c is split as the engine splits a line: a ';' inside quotes is text. */
static void
test_pipe_command_option_split (void)
{
  g_autoptr (KdhTestProc) quoted = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:",
                                                              "-c", ".echo \"a;b\"", NULL);
  g_autoptr (KdhTestProc) two = NULL;

  if (quoted == NULL)
    return;
  kdh_test_proc_close_input (quoted);
  kdh_test_proc_expect (quoted, "0: kd> .echo \"a;b\"\n");
  kdh_test_proc_assert_absent_before (quoted, "Unknown command", "a;b");
  kdh_test_proc_expect (quoted, "a;b");
  g_assert_cmpint (kdh_test_proc_wait_exit (quoted), ==, 0);
  g_assert_null (strstr (quoted->text->str, "Unknown command"));

  /* Two commands are still two, each run after the one before. */
  two = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:", "-c", "r rip; .echo x",
                                   NULL);
  kdh_test_proc_close_input (two);
  kdh_test_proc_expect (two, "0: kd> r rip\n");
  kdh_test_proc_expect (two, "rip=fffff80002001010\n");
  kdh_test_proc_expect (two, "0: kd> .echo x\n");
  kdh_test_proc_expect (two, "x\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (two), ==, 0);
}

/* A script that goes and breaks in at once: the break must wait for the
 * `g` before it, or it would find the target still stopped, be dropped,
 * and leave the target running. */
static void
test_pipe_go_break_script (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);

  if (cli == NULL)
    return;

  kdh_test_proc_send (cli, "g\n\x03\nr rip\n");
  kdh_test_proc_close_input (cli);
  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  kdh_test_proc_expect (cli, "0: kd> g\n");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  kdh_test_proc_expect (cli, "0: kd> r rip\n");
  kdh_test_proc_expect (cli, "rip=fffff80002001010\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

/* ---- Errors ------------------------------------------------------------- */

static void
test_error_bad_connection_string (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "com:port=/dev/ttyS0,bad=1",
                                      NULL);

  if (cli == NULL)
    return;

  /* Standard input stays open: the failed attach alone ends it. */
  kdh_test_proc_expect (cli, "bad=1");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), !=, 0);
}

static void
test_error_no_socket (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k",
                                      "com:pipe,port=/nonexistent/x.sock", NULL);

  if (cli == NULL)
    return;

  kdh_test_proc_expect (cli, "/nonexistent/x.sock");
  kdh_test_proc_expect (cli, "No such file or directory");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), !=, 0);
}

/* KD's -kl (local kernel debugging) has nothing to debug on Linux: said
 * plainly, with the way to a VM instead, and a failed exit. */
static void
test_error_local_kernel (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-kl", NULL);

  if (cli == NULL)
    return;
  kdh_test_proc_expect (cli, "local kernel debugging");
  kdh_test_proc_expect (cli, "On Linux there is no local Windows kernel to debug.");
  kdh_test_proc_expect (cli, "-serial unix:/tmp/win.sock,server,nowait\n");
  kdh_test_proc_expect (cli, "kdhost-cli -k com:pipe,port=/tmp/win.sock,reconnect\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), !=, 0);
  g_assert_null (strstr (cli->text->str, "Missing argument"));
}

/* An unknown command is reported and the session goes on; a script whose
 * last command failed ends with a failure status. */
static void
test_error_unknown_command (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);
  g_autoptr (KdhTestProc) script = NULL;

  if (cli == NULL)
    return;

  kdh_test_proc_send (cli, "frobnicate 1 2\n");
  kdh_test_proc_expect (cli, "0: kd> frobnicate 1 2\n");
  kdh_test_proc_expect (cli, "Unknown command");
  kdh_test_proc_send (cli, "vertarget\n");
  kdh_test_proc_expect (cli, "Kernel connection: sim (Break)\n");
  kdh_test_proc_send (cli, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);

  script = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", "sim:", NULL);
  kdh_test_proc_send (script, "frobnicate\n");
  kdh_test_proc_close_input (script);
  kdh_test_proc_expect (script, "Unknown command");
  g_assert_cmpint (kdh_test_proc_wait_exit (script), !=, 0);
}

/* ---- Against a kdhost-sim process --------------------------------------- */

typedef struct {
  const gchar *path;
  guint64 value;
} Counter;

/* resets_received from a counters file; FALSE while it is not there. */
static gboolean
read_resets_received (const gchar *path,
                      guint64     *value)
{
  g_autofree gchar *contents = NULL;
  const gchar *key = "resets_received=";
  const gchar *at;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  at = strstr (contents, key);
  if (at == NULL)
    return FALSE;
  *value = g_ascii_strtoull (at + strlen (key), NULL, 10);
  return TRUE;
}

static gboolean
counter_changed (gpointer data)
{
  Counter *c = data;
  guint64 now;

  return read_resets_received (c->path, &now) && now != c->value;
}

static void
test_sim_process_resync (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = NULL, *socket_path = NULL, *counters_path = NULL;
  g_autofree gchar *listen = NULL, *counters_arg = NULL, *connection = NULL;
  g_autofree gchar *listening = NULL, *sim_binary = NULL;
  g_autoptr (KdhTestProc) sim = NULL;
  g_autoptr (KdhTestProc) cli = NULL;
  Counter counter;
  guint64 baseline, after;

  sim_binary = kdh_test_proc_find_binary ("sim", "kdhost-sim");
  if (sim_binary == NULL)
    return;
  dir = g_dir_make_tmp ("kdh-cli-XXXXXX", &error);
  g_assert_no_error (error);
  socket_path = g_build_filename (dir, "sim.sock", NULL);
  counters_path = g_build_filename (dir, "counters", NULL);
  listen = g_strconcat ("unix:", socket_path, NULL);
  counters_arg = g_strconcat ("--counters-file=", counters_path, NULL);
  connection = g_strconcat ("com:pipe,port=", socket_path, NULL);

  sim = kdh_test_proc_spawn_piped ("sim", "kdhost-sim", "--listen", listen, counters_arg, "--quiet", NULL);
  listening = g_strconcat ("kdhost-sim: listening on unix:", socket_path, "\n", NULL);
  kdh_test_proc_expect (sim, listening);

  cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", connection, NULL);
  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  /* A command after the attach: by the time its answer is back, the
   * target has counted every RESET the attach sent. */
  kdh_test_proc_send (cli, "r rip\n");
  kdh_test_proc_expect (cli, "rip=fffff80002001010\n");

  /* SIGUSR1 makes the target print its counters (and write the file). */
  g_subprocess_send_signal (sim->proc, SIGUSR1);
  kdh_test_proc_expect (sim, "kdhost-sim: counters resets_received=");
  baseline = g_ascii_strtoull (sim->text->str + sim->mark, NULL, 10);
  g_assert_cmpuint (baseline, >=, 1);

  kdh_test_proc_send (cli, "\x12\n");
  kdh_test_proc_expect (cli, "Kernel debugger connection resynchronized.\n");

  counter.path = counters_path;
  counter.value = baseline;
  g_assert_true (kdh_test_proc_wait_until (counter_changed, &counter));
  g_assert_true (read_resets_received (counters_path, &after));
  g_assert_cmpuint (after, ==, baseline + 1);

  /* Still connected; and once a command has gone through after the
   * resync, the target has still seen exactly one more RESET. */
  kdh_test_proc_send (cli, "r rip\n");
  kdh_test_proc_expect (cli, "0: kd> r rip\n");
  kdh_test_proc_expect (cli, "rip=fffff80002001010\n");
  g_subprocess_send_signal (sim->proc, SIGUSR1);
  kdh_test_proc_expect (sim, "kdhost-sim: counters resets_received=");
  g_assert_cmpuint (g_ascii_strtoull (sim->text->str + sim->mark, NULL, 10), ==, baseline + 1);
  kdh_test_proc_send (cli, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);

  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_assert_cmpint (kdh_test_proc_wait_exit (sim), ==, 0);
  g_unlink (counters_path);
  g_unlink (socket_path);
  g_rmdir (dir);
}

/* A resync that fails is said once, as the connection's loss with its
 * reason, and not a second time as the command's error. */
static void
test_sim_process_failed_resync (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = NULL, *socket_path = NULL, *listen = NULL, *connection = NULL;
  g_autofree gchar *listening = NULL, *sim_binary = NULL;
  g_autoptr (KdhTestProc) sim = NULL;
  g_autoptr (KdhTestProc) cli = NULL;
  const gchar *lost;

  sim_binary = kdh_test_proc_find_binary ("sim", "kdhost-sim");
  if (sim_binary == NULL)
    return;
  dir = g_dir_make_tmp ("kdh-cli-XXXXXX", &error);
  g_assert_no_error (error);
  socket_path = g_build_filename (dir, "sim.sock", NULL);
  listen = g_strconcat ("unix:", socket_path, NULL);
  connection = g_strconcat ("com:pipe,port=", socket_path, NULL);
  sim = kdh_test_proc_spawn_piped ("sim", "kdhost-sim", "--listen", listen, "--quiet", NULL);
  listening = g_strconcat ("kdhost-sim: listening on unix:", socket_path, "\n", NULL);
  kdh_test_proc_expect (sim, listening);

  cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", connection, NULL);
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  kdh_test_proc_send (cli, "r rip\n");
  kdh_test_proc_expect (cli, "rip=fffff80002001010\n");

  kdh_test_proc_freeze (sim->proc);
  kdh_test_proc_send (cli, "\x12\n");
  kdh_test_proc_expect (cli, "Kernel connection lost: no RESET answer after ");
  kdh_test_proc_send (cli, ".echo after the loss\n");
  kdh_test_proc_expect (cli, "after the loss\n");
  lost = strstr (cli->text->str, "Kernel connection lost: no RESET answer after ");
  g_assert_nonnull (lost);
  g_assert_null (strstr (lost, "\nno RESET answer after "));

  g_subprocess_send_signal (sim->proc, SIGCONT);
  kdh_test_proc_send (cli, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_assert_cmpint (kdh_test_proc_wait_exit (sim), ==, 0);
  g_unlink (socket_path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A child that has gone must fail our writes, not kill us. */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/cli/pipe/session", test_pipe_session);
  g_test_add_func ("/cli/pipe/quit", test_pipe_quit);
  g_test_add_func ("/cli/pipe/commands-then-eof", test_pipe_commands_then_eof);
  g_test_add_func ("/cli/symbol-path-setting", test_symbol_path_setting);
  g_test_add_func ("/cli/pipe/command-option-split", test_pipe_command_option_split);
  g_test_add_func ("/cli/pipe/go-break-script", test_pipe_go_break_script);
  g_test_add_func ("/cli/errors/bad-connection-string", test_error_bad_connection_string);
  g_test_add_func ("/cli/errors/no-socket", test_error_no_socket);
  g_test_add_func ("/cli/errors/local-kernel", test_error_local_kernel);
  g_test_add_func ("/cli/errors/unknown-command", test_error_unknown_command);
  g_test_add_func ("/cli/sim-process/failed-resync", test_sim_process_failed_resync);
  g_test_add_func ("/cli/sim-process/resync", test_sim_process_resync);

  return g_test_run ();
}
