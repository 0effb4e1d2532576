/* kdh-test-proc.h: a program under test, on a pipe or a pseudo-terminal
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts a built program (found under $KDH_BUILD_DIR, which CTest sets)
 * and talks to it the way a script or a person does: lines on a pipe, or
 * keys on a pseudo-terminal that is the program's controlling terminal, so
 * that Ctrl+C reaches it as SIGINT from the line discipline. Output is read
 * as it comes and searched in order from a mark; every wait is bounded and
 * fails with the output so far, and nothing sleeps.
 */
#pragma once

#include <termios.h>

#include <gio/gio.h>

G_BEGIN_DECLS

#define KDH_TEST_PROC_WAIT_SECONDS 30

typedef struct {
  const gchar *name;           /* for messages */
  GSubprocess *proc;
  GOutputStream *input;        /* its stdin pipe, or NULL */
  GInputStream *output;        /* its stdout (and stderr) pipe, or a pty master */
  gboolean output_is_pipe;     /* a pipe, also when its stdin is a terminal */
  int master;                  /* the pseudo-terminal's master, or -1 */
  int slave;                   /* our own descriptor of its slave, or -1 */
  struct termios initial;      /* the slave's settings before the child ran */
  GString *text;               /* all output so far */
  gsize mark;                  /* where the next expectation is searched from */
  gboolean reading;            /* a read is under way */
  gboolean eof;
  gboolean exited;
  GCancellable *cancellable;
  guint8 buf[4096];
} KdhTestProc;

/* Bounded wait on the default main context (KDH_TEST_PROC_WAIT_SECONDS). */
gboolean     kdh_test_proc_wait_until     (gboolean   (*pred) (gpointer data),
                                           gpointer     data);

/* The full path of @program, a tool from Debian package @package that
 * scripts/install-deps installs. Without it the test fails and says so:
 * it does not quietly test less. */
gchar       *kdh_test_require_program     (const gchar *program,
                                           const gchar *package);

/* $KDH_BUILD_DIR/src/@dir/@name; NULL (and the test skipped) outside
 * CTest, a failure when the program is not built. */
gchar       *kdh_test_proc_find_binary    (const gchar *dir,
                                           const gchar *name);

/* Starts src/@dir/@name with its stdin a pipe and its stdout and stderr
 * one pipe; NULL when the test is skipped. */
KdhTestProc *kdh_test_proc_spawn_piped    (const gchar *dir,
                                           const gchar *name,
                                           const gchar *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;

/* The same with @env changed for it: "KEY=VALUE" sets, "KEY" unsets. */
KdhTestProc *kdh_test_proc_spawn_piped_env (const gchar *const *env,
                                            const gchar        *dir,
                                            const gchar        *name,
                                            const gchar        *first_arg,
                                            ...) G_GNUC_NULL_TERMINATED;

/* Starts kdhost-cli on a new 100x30 pseudo-terminal that becomes its
 * controlling terminal, as TERM=xterm with no inputrc (Readline's own
 * defaults) and $XDG_STATE_HOME at @state_home (its history goes there,
 * never into the user's). NULL when the test is skipped. */
KdhTestProc *kdh_test_proc_spawn_terminal (const gchar *state_home,
                                           const gchar *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;

/* The same with only its standard input on the terminal; its stdout and
 * stderr are one pipe, as when its output goes to a log. */
KdhTestProc *kdh_test_proc_spawn_terminal_input (const gchar *state_home,
                                                 const gchar *first_arg,
                                                 ...) G_GNUC_NULL_TERMINATED;

/* Kills it if it still runs, and frees it. */
void         kdh_test_proc_free           (KdhTestProc *p);

/* Bytes to its stdin (a pipe) or typed on its terminal. */
void         kdh_test_proc_send           (KdhTestProc *p,
                                           const gchar *bytes);
/* End of file on its stdin pipe. */
void         kdh_test_proc_close_input    (KdhTestProc *p);

/* Waits until the output after the mark holds @text, then moves the mark
 * past it: successive expectations check the order of the output. */
void         kdh_test_proc_expect_at      (KdhTestProc *p,
                                           const gchar *text,
                                           const gchar *file,
                                           int          line,
                                           const gchar *func);
/* Waits for @text like kdh_test_proc_expect(), and asserts that the
 * output between the mark and @text does not hold @absent; the mark
 * stays. */
void         kdh_test_proc_assert_absent_before_at (KdhTestProc *p,
                                                    const gchar *absent,
                                                    const gchar *text,
                                                    const gchar *file,
                                                    int          line,
                                                    const gchar *func);
/* Waits for it to exit (and its output to end) and returns its exit
 * status; fails if it does not, if a signal killed it, or if a sanitizer
 * reported something. */
gint         kdh_test_proc_wait_exit_at   (KdhTestProc *p,
                                           const gchar *file,
                                           int          line,
                                           const gchar *func);
/* Fails the test with @what and the output before and after the mark. */
void         kdh_test_proc_fail_at        (KdhTestProc *p,
                                           const gchar *file,
                                           int          line,
                                           const gchar *func,
                                           const gchar *what) G_GNUC_NORETURN;

#define kdh_test_proc_expect(p, text) \
  kdh_test_proc_expect_at ((p), (text), __FILE__, __LINE__, G_STRFUNC)
#define kdh_test_proc_assert_absent_before(p, absent, text) \
  kdh_test_proc_assert_absent_before_at ((p), (absent), (text), __FILE__, __LINE__, G_STRFUNC)
#define kdh_test_proc_wait_exit(p) \
  kdh_test_proc_wait_exit_at ((p), __FILE__, __LINE__, G_STRFUNC)
#define kdh_test_proc_fail(p, what) \
  kdh_test_proc_fail_at ((p), __FILE__, __LINE__, G_STRFUNC, (what))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhTestProc, kdh_test_proc_free)

/* SIGSTOP, and back only when every thread of @proc has stopped: kill()
 * only makes the signal pending, and a thread running on another processor
 * can still read and answer a packet before it takes the signal. */
void         kdh_test_proc_freeze         (GSubprocess *proc);

G_END_DECLS
