/* test-cli-terminal.c: kdhost-cli on a terminal, as a person types at it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdhost-cli runs on a pseudo-terminal that is its controlling terminal
 * (kdh-test-proc.c), so keys go through the line discipline as typed:
 * Ctrl+C becomes SIGINT, arrows are escape sequences. Each test gets its
 * own $XDG_STATE_HOME, where the command history is kept; the history
 * file is read back here as plain text.
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kdh-test-proc.h"

#define KEY_CTRL(c) ((c) & 0x1F)
#define KEY_LEFT    "\x1b[D"
#define KEY_UP      "\x1b[A"
#define KEY_RUBOUT  "\x7f"

/* How many lines kdhost-cli keeps (README, "The console debugger"). */
#define HISTORY_MAX 1000

#define RIP_LINE "rip=fffff80002001010"

/* The simulated target's pattern region: the qword at A holds A ^ this. */
#define PATTERN_XOR G_GUINT64_CONSTANT (0xa5a5a5a5a5a5a5a5)

/* ---- A state directory per test ----------------------------------------- */

typedef struct {
  gchar *home;                 /* $XDG_STATE_HOME */
  gchar *history;              /* $XDG_STATE_HOME/kdhost/history */
} State;

static void
state_init (State *state)
{
  g_autoptr (GError) error = NULL;

  state->home = g_dir_make_tmp ("kdh-cli-state-XXXXXX", &error);
  g_assert_no_error (error);
  state->history = g_build_filename (state->home, "kdhost", "history", NULL);
}

static void
state_clear (State *state)
{
  g_autofree gchar *dir = g_path_get_dirname (state->history);

  g_unlink (state->history);
  g_rmdir (dir);
  g_assert_cmpint (g_rmdir (state->home), ==, 0);
  g_free (state->home);
  g_free (state->history);
}

/* The history file's lines. */
static gchar **
read_history_lines (State *state)
{
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;
  gchar **lines;
  guint n;

  g_file_get_contents (state->history, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (contents[0] == '\0' || g_str_has_suffix (contents, "\n"));
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  /* The text after the last newline is empty. */
  g_free (lines[n - 1]);
  lines[n - 1] = NULL;
  return lines;
}

static KdhTestProc *
start_cli (State       *state,
           const gchar *connection)
{
  KdhTestProc *cli = kdh_test_proc_spawn_terminal (state->home, "-k", connection, NULL);

  if (cli == NULL)
    return NULL;
  kdh_test_proc_expect (cli, "Kernel Debugger connection established.");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)");
  kdh_test_proc_expect (cli, "0: kd> ");
  return cli;
}

/* Ctrl+B, Enter: KD's quit, which the history does not keep. */
static void
quit_cli (KdhTestProc *cli)
{
  kdh_test_proc_send (cli, "\x02\r");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

static void
get_termios (KdhTestProc    *p,
             struct termios *t)
{
  g_assert_cmpint (tcgetattr (p->slave, t), ==, 0);
}

/* ---- Tests -------------------------------------------------------------- */

/* KD's keys on a real terminal: Ctrl+C through the line discipline as
 * SIGINT, and Ctrl+R and Ctrl+D as characters of a line, acted on at
 * Enter (not Readline's reverse search and end of file). The terminal's
 * reprint and end-of-file characters are off while kdhost-cli runs, and
 * everything is back as it was after. */
static void
test_keys (void)
{
  g_autoptr (KdhTestProc) cli = NULL;
  struct termios during, after;
  State state;

  state_init (&state);
  /* The target prints while it runs, which shows when `g` has gone. */
  cli = kdh_test_proc_spawn_terminal (state.home, "-k", "sim:dbgprint-rate=20", NULL);
  if (cli == NULL)
    {
      state_clear (&state);
      return;
    }
  /* A new terminal's defaults, which the test relies on. */
  g_assert_cmpint (cli->initial.c_cc[VREPRINT], ==, KEY_CTRL ('R'));
  g_assert_cmpint (cli->initial.c_cc[VEOF], ==, KEY_CTRL ('D'));

  kdh_test_proc_expect (cli, "Kernel Debugger connection established.");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)");
  kdh_test_proc_expect (cli, "0: kd> ");

  get_termios (cli, &during);
  g_assert_cmpint (during.c_cc[VREPRINT], ==, _POSIX_VDISABLE);
  g_assert_cmpint (during.c_cc[VEOF], ==, _POSIX_VDISABLE);
  g_assert_true (during.c_lflag & ISIG);
  g_assert_cmpint (during.c_cc[VINTR], ==, KEY_CTRL ('C'));

  kdh_test_proc_send (cli, "vertarget\r");
  kdh_test_proc_expect (cli, "Windows 10 Kernel Version 19041 MP (2 procs) Free x64");
  kdh_test_proc_expect (cli, "Kernel connection: sim dbgprint-rate=20 (Break)");
  kdh_test_proc_expect (cli, "0: kd> ");

  /* Go; once the target prints, Ctrl+C breaks in. */
  kdh_test_proc_send (cli, "g\r");
  kdh_test_proc_expect (cli, "kdhtest: dbgprint seq=");
  kdh_test_proc_send (cli, "\x03");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)");
  kdh_test_proc_expect (cli, "0: kd> ");

  /* Ctrl+R, Enter: shown as ^R, then the resync. */
  kdh_test_proc_send (cli, "\x12");
  kdh_test_proc_expect (cli, "^R");
  kdh_test_proc_send (cli, "\r");
  kdh_test_proc_expect (cli, "Kernel debugger connection resynchronized.");
  kdh_test_proc_expect (cli, "0: kd> ");

  /* Ctrl+K, Enter: shown as ^K (not Readline's kill-line), then the
   * initial break goes off. */
  kdh_test_proc_send (cli, "\x0b");
  kdh_test_proc_expect (cli, "^K");
  kdh_test_proc_send (cli, "\r");
  kdh_test_proc_expect (cli, "No initial break will be requested.");
  kdh_test_proc_expect (cli, "0: kd> ");

  /* Ctrl+D on the empty line, Enter, twice around a command: the trace,
   * not the end of input. */
  kdh_test_proc_send (cli, "\x04");
  kdh_test_proc_expect (cli, "^D");
  kdh_test_proc_send (cli, "\r");
  kdh_test_proc_expect (cli, "Packet trace on.");
  kdh_test_proc_expect (cli, "0: kd> ");
  kdh_test_proc_send (cli, "dq fffff800`00400100 L2\r");
  kdh_test_proc_expect (cli, ">> id=");
  kdh_test_proc_expect (cli, "<< id=");
  {
    guint64 addr = G_GUINT64_CONSTANT (0xfffff80000400100);
    guint64 a = addr ^ PATTERN_XOR, b = (addr + 8) ^ PATTERN_XOR;
    g_autofree gchar *line = g_strdup_printf ("fffff800`00400100  %08x`%08x %08x`%08x",
                                              (guint) (a >> 32), (guint) a,
                                              (guint) (b >> 32), (guint) b);

    kdh_test_proc_expect (cli, line);
  }
  kdh_test_proc_expect (cli, "0: kd> ");
  kdh_test_proc_send (cli, "\x04\r");
  kdh_test_proc_expect (cli, "Packet trace off.");
  kdh_test_proc_expect (cli, "0: kd> ");

  kdh_test_proc_send (cli, "q\r");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);

  /* The terminal is as it was. */
  get_termios (cli, &after);
  g_assert_cmpint (after.c_cc[VREPRINT], ==, cli->initial.c_cc[VREPRINT]);
  g_assert_cmpint (after.c_cc[VEOF], ==, cli->initial.c_cc[VEOF]);
  g_assert_cmpint (after.c_cc[VDISCARD], ==, cli->initial.c_cc[VDISCARD]);
  g_assert_cmpint (after.c_lflag, ==, cli->initial.c_lflag);
  g_assert_cmpint (after.c_iflag, ==, cli->initial.c_iflag);
  g_assert_cmpint (after.c_oflag, ==, cli->initial.c_oflag);

  /* Commands are remembered; control lines and q are not. */
  {
    g_auto (GStrv) lines = read_history_lines (&state);
    const gchar *expected[] = { "vertarget", "g", "dq fffff800`00400100 L2", NULL };

    g_assert_cmpstrv (lines, expected);
  }
  state_clear (&state);
}

/* A typo mended with Left and Backspace runs the mended command; Ctrl+C at
 * the prompt drops the line being typed. */
static void
test_editing (void)
{
  g_autoptr (KdhTestProc) cli = NULL;
  State state;

  state_init (&state);
  cli = start_cli (&state, "sim:");
  if (cli == NULL)
    {
      state_clear (&state);
      return;
    }

  /* "r rxp", back over the p, rub out the x, type i: "r rip". */
  kdh_test_proc_send (cli, "r rxp");
  kdh_test_proc_expect (cli, "r rxp");
  kdh_test_proc_send (cli, KEY_LEFT KEY_RUBOUT "i\r");
  kdh_test_proc_assert_absent_before (cli, "rror", RIP_LINE "\r\n");
  kdh_test_proc_expect (cli, RIP_LINE "\r\n");
  kdh_test_proc_expect (cli, "0: kd> ");

  /* Ctrl+C at the prompt: ^C, a fresh prompt, the line gone. */
  kdh_test_proc_send (cli, "vertarget");
  kdh_test_proc_expect (cli, "vertarget");
  kdh_test_proc_send (cli, "\x03");
  kdh_test_proc_expect (cli, "^C\r\n0: kd> ");
  kdh_test_proc_send (cli, "r rip\r");
  kdh_test_proc_assert_absent_before (cli, "rror", RIP_LINE "\r\n");
  kdh_test_proc_expect (cli, RIP_LINE "\r\n");
  kdh_test_proc_expect (cli, "0: kd> ");

  quit_cli (cli);
  {
    g_auto (GStrv) lines = read_history_lines (&state);
    const gchar *expected[] = { "r rip", NULL };

    g_assert_cmpstrv (lines, expected);
  }
  state_clear (&state);
}

/* The history outlives the program: Up in a new run brings back the last
 * command. It lives in $XDG_STATE_HOME/kdhost/history (the directory is
 * made, private), without empty or control lines. */
static void
test_history_across_runs (void)
{
  g_autoptr (KdhTestProc) first = NULL;
  g_autoptr (KdhTestProc) second = NULL;
  g_autofree gchar *dir = NULL;
  GStatBuf st;
  State state;

  state_init (&state);
  first = start_cli (&state, "sim:");
  if (first == NULL)
    {
      state_clear (&state);
      return;
    }
  kdh_test_proc_send (first, "r rip\r");
  kdh_test_proc_expect (first, RIP_LINE "\r\n");
  kdh_test_proc_expect (first, "0: kd> ");
  /* Enter on an empty line repeats it (and is not remembered). */
  kdh_test_proc_send (first, "\r");
  kdh_test_proc_expect (first, RIP_LINE "\r\n");
  kdh_test_proc_expect (first, "0: kd> ");
  kdh_test_proc_send (first, "\x12\r");
  kdh_test_proc_expect (first, "Kernel debugger connection resynchronized.");
  kdh_test_proc_expect (first, "0: kd> ");
  quit_cli (first);

  {
    g_auto (GStrv) lines = read_history_lines (&state);
    const gchar *expected[] = { "r rip", NULL };

    g_assert_cmpstrv (lines, expected);
  }
  dir = g_path_get_dirname (state.history);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (state.history, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);

  second = start_cli (&state, "sim:");
  kdh_test_proc_send (second, KEY_UP);
  kdh_test_proc_expect (second, "r rip");
  kdh_test_proc_send (second, "\r");
  kdh_test_proc_expect (second, RIP_LINE "\r\n");
  kdh_test_proc_expect (second, "0: kd> ");
  quit_cli (second);
  {
    g_auto (GStrv) lines = read_history_lines (&state);
    const gchar *expected[] = { "r rip", NULL };

    /* The same line again is not kept twice. */
    g_assert_cmpstrv (lines, expected);
  }
  state_clear (&state);
}

/* The history file keeps the newest HISTORY_MAX lines. */
static void
test_history_bounded (void)
{
  g_autoptr (KdhTestProc) cli = NULL;
  g_autoptr (GString) old = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = NULL;
  g_auto (GStrv) lines = NULL;
  guint n_old = HISTORY_MAX + 200;
  State state;

  state_init (&state);
  dir = g_path_get_dirname (state.history);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  for (guint i = 0; i < n_old; i++)
    g_string_append_printf (old, ".echo line %u\n", i);
  g_file_set_contents (state.history, old->str, -1, &error);
  g_assert_no_error (error);

  cli = start_cli (&state, "sim:");
  if (cli == NULL)
    {
      state_clear (&state);
      return;
    }
  /* The newest old line comes back first. */
  kdh_test_proc_send (cli, KEY_UP "\r");
  {
    g_autofree gchar *typed = g_strdup_printf (".echo line %u\r\n", n_old - 1);
    g_autofree gchar *printed = g_strdup_printf ("line %u\r\n", n_old - 1);

    kdh_test_proc_expect (cli, typed);
    kdh_test_proc_expect (cli, printed);
  }
  kdh_test_proc_expect (cli, "0: kd> ");
  kdh_test_proc_send (cli, ".echo newest\r");
  kdh_test_proc_expect (cli, ".echo newest\r\n");
  kdh_test_proc_expect (cli, "newest\r\n");
  kdh_test_proc_expect (cli, "0: kd> ");
  quit_cli (cli);

  lines = read_history_lines (&state);
  g_assert_cmpuint (g_strv_length (lines), ==, HISTORY_MAX);
  g_assert_cmpstr (lines[HISTORY_MAX - 1], ==, ".echo newest");
  {
    g_autofree gchar *first = g_strdup_printf (".echo line %u", n_old - HISTORY_MAX + 1);

    g_assert_cmpstr (lines[0], ==, first);
  }
  state_clear (&state);
}

/* Output that arrives while a line is typed ahead goes above it, whole
 * lines, and the line is drawn again below; Ctrl+C then breaks in and the
 * line stays, with the prompt in front of it, ready to be finished. */
static void
test_output_while_typing (void)
{
  g_autoptr (KdhTestProc) cli = NULL;
  State state;
  gsize typed_at;

  state_init (&state);
  cli = start_cli (&state, "sim:dbgprint-rate=50");
  if (cli == NULL)
    {
      state_clear (&state);
      return;
    }
  kdh_test_proc_send (cli, "g\r");
  kdh_test_proc_expect (cli, "kdhtest: dbgprint seq=");
  kdh_test_proc_send (cli, "r ri");
  kdh_test_proc_expect (cli, "r ri");
  typed_at = cli->mark;
  /* Three more lines of the target's while the line waits. */
  for (guint i = 0; i < 3; i++)
    {
      kdh_test_proc_expect (cli, "kdhtest: dbgprint seq=");
      kdh_test_proc_expect (cli, "\r\n");
      /* Drawn again below the output. */
      kdh_test_proc_expect (cli, "r ri");
    }
  /* Every line the target printed meanwhile starts a screen line. */
  for (const gchar *at = strstr (cli->text->str + typed_at, "kdhtest:"); at != NULL;
       at = strstr (at + 1, "kdhtest:"))
    if (at[-1] != '\r' && at[-1] != '\n')
      kdh_test_proc_fail (cli, "target output glued to the line being typed");

  kdh_test_proc_send (cli, "\x03");
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)");
  kdh_test_proc_expect (cli, "0: kd> r ri");
  kdh_test_proc_send (cli, "p\r");
  kdh_test_proc_expect (cli, RIP_LINE "\r\n");
  kdh_test_proc_expect (cli, "0: kd> ");
  quit_cli (cli);
  state_clear (&state);
}

/* Typed at a terminal with the output going to a log: no line editor
 * drawing into the log; lines are read as a script's are, echoed after
 * the prompt, and KD's keys still work. */
static void
test_output_to_pipe (void)
{
  g_autoptr (KdhTestProc) cli = NULL;
  g_autoptr (GDir) dir = NULL;
  State state;

  state_init (&state);
  cli = kdh_test_proc_spawn_terminal_input (state.home, "-k", "sim:", NULL);
  if (cli == NULL)
    {
      state_clear (&state);
      return;
    }
  kdh_test_proc_expect (cli, "Break instruction exception - code 80000003 (first chance)\n");
  kdh_test_proc_send (cli, "r rip\r");
  kdh_test_proc_expect (cli, "0: kd> r rip\n" RIP_LINE "\n");
  kdh_test_proc_send (cli, "\x04\r");
  kdh_test_proc_expect (cli, "Packet trace on.\n");
  kdh_test_proc_send (cli, "\x04\r");
  kdh_test_proc_expect (cli, "Packet trace off.\n");
  kdh_test_proc_send (cli, "q\r");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
  if (strchr (cli->text->str, '\x1b') != NULL || strchr (cli->text->str, '\r') != NULL)
    kdh_test_proc_fail (cli, "terminal control in the log");
  /* Nothing typed here is kept. */
  dir = g_dir_open (state.home, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
  state_clear (&state);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A child that has gone must fail our writes, not kill us. */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/cli/terminal/keys", test_keys);
  g_test_add_func ("/cli/terminal/editing", test_editing);
  g_test_add_func ("/cli/terminal/history-across-runs", test_history_across_runs);
  g_test_add_func ("/cli/terminal/history-bounded", test_history_bounded);
  g_test_add_func ("/cli/terminal/output-while-typing", test_output_while_typing);
  g_test_add_func ("/cli/terminal/output-to-pipe", test_output_to_pipe);

  return g_test_run ();
}
