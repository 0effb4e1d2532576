/* bench-startup.c: from starting kdhost to its first kd> prompt
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console: `kdhost-cli -k sim:` on a pseudo-terminal, timed from the
 * spawn to "0: kd> " on the terminal. The window: `kdhost -k sim:` on a
 * private session bus, timed from the spawn to its session's StateChanged
 * signal saying "break" (org.kdhost.Window1; the prompt is shown as the
 * target reports the stop). The window needs an X display (run this under
 * xvfb-run); without one only the console is measured. Several runs each,
 * the median and the spread are printed.
 */
/* posix_openpt(), grantpt(), unlockpt(), ptsname_r() */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kdh-bench.h"

static gint runs = 9;

/* On the pty's slave: a session of its own with the terminal as its
 * controlling terminal, as in a terminal emulator. Only async-signal-safe
 * calls here. */
static void
terminal_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  setsid ();
  ioctl (STDIN_FILENO, TIOCSCTTY, 0);
}

static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Milliseconds from spawn to "0: kd> ". */
static gdouble
cli_once (void)
{
  g_autofree gchar *cli = kdh_bench_build_path ("src/cli/kdhost-cli");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  gchar slave_name[128];
  gint64 start, end = 0, give_up;
  int master, slave;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0
      || ptsname_r (master, slave_name, sizeof slave_name) != 0
      || (slave = open (slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
    {
      fprintf (stderr, "bench-startup: no pseudo-terminal: %s\n", g_strerror (errno));
      exit (1);
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdin_fd (launcher, dup (slave));
  g_subprocess_launcher_take_stdout_fd (launcher, dup (slave));
  g_subprocess_launcher_take_stderr_fd (launcher, dup (slave));
  g_subprocess_launcher_set_child_setup (launcher, terminal_child_setup, NULL, NULL);
  start = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, &error, cli, "-k", "sim:", NULL);
  if (process == NULL)
    {
      fprintf (stderr, "bench-startup: cannot start %s: %s\n", cli, error->message);
      exit (1);
    }
  close (slave);
  give_up = start + 30 * G_USEC_PER_SEC;
  while (end == 0 && g_get_monotonic_time () < give_up)
    {
      struct pollfd pfd = { master, POLLIN, 0 };
      gchar buf[4096];
      ssize_t n;

      if (poll (&pfd, 1, 100) <= 0)
        continue;
      n = read (master, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (seen, buf, n);
      if (strstr (seen->str, "0: kd> ") != NULL)
        end = g_get_monotonic_time ();
    }
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  close (master);
  if (end == 0)
    {
      fprintf (stderr, "bench-startup: no prompt from kdhost-cli within 30 s:\n%s\n", seen->str);
      exit (1);
    }
  return (end - start) / 1000.0;
}

typedef struct {
  gint64 break_us;
} WindowRun;

static void
on_state_changed (GDBusConnection *connection,
                  const gchar     *sender,
                  const gchar     *path,
                  const gchar     *interface,
                  const gchar     *signal,
                  GVariant        *parameters,
                  gpointer         data)
{
  WindowRun *run = data;
  const gchar *state = NULL;

  g_variant_get (parameters, "(&s&su)", &state, NULL, NULL);
  if (run->break_us == 0 && g_strcmp0 (state, "break") == 0)
    run->break_us = g_get_monotonic_time ();
}

static gboolean
window_at_break (gpointer data)
{
  return ((WindowRun *) data)->break_us != 0;
}

static gboolean
process_gone (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
}

/* Milliseconds from spawn to the window's session at Break. */
static gdouble
window_once (GDBusConnection *bus,
             const gchar     *display)
{
  g_autofree gchar *kdhost = kdh_bench_build_path ("src/app/kdhost");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  WindowRun run = { 0 };
  guint subscription;
  gint64 start;

  subscription = g_dbus_connection_signal_subscribe (bus, NULL, "org.kdhost.Window1",
                                                     "StateChanged", NULL, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, on_state_changed,
                                                     &run, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", display, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_AT_BRIDGE", "1", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  start = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, &error, kdhost, "-k", "sim:", NULL);
  if (process == NULL)
    {
      fprintf (stderr, "bench-startup: cannot start %s: %s\n", kdhost, error->message);
      exit (1);
    }
  g_subprocess_wait_async (process, NULL, on_exited, NULL);
  kdh_bench_run_until (window_at_break, &run, 60, "the kdhost window's session at Break");
  g_subprocess_send_signal (process, SIGTERM);
  kdh_bench_run_until (process_gone, process, 30, "kdhost to exit");
  g_dbus_connection_signal_unsubscribe (bus, subscription);
  return (run.break_us - start) / 1000.0;
}

static void
report (const gchar *what,
        GArray      *ms)
{
  gdouble median = kdh_bench_quantile (ms, 0.5);

  printf ("startup %-21s median %.0f ms over %u runs (min %.0f, max %.0f)\n", what, median,
          ms->len, g_array_index (ms, gdouble, 0), g_array_index (ms, gdouble, ms->len - 1));
}

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Runs of each (9)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- time to the first prompt");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) cli_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) window_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autofree gchar *display = g_strdup (g_getenv ("DISPLAY"));
  g_autofree gchar *kdhost = kdh_bench_build_path ("src/app/kdhost");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || runs < 1)
    {
      fprintf (stderr, "bench-startup: %s\n", error ? error->message : "--runs must be >= 1");
      return 2;
    }

  /* One unmeasured run of each first: the page cache, not the program. */
  cli_once ();
  for (gint i = 0; i < runs; i++)
    {
      gdouble ms = cli_once ();

      g_array_append_val (cli_ms, ms);
    }
  report ("kdhost-cli (pty)", cli_ms);

  if (display == NULL || *display == '\0' || !g_file_test (kdhost, G_FILE_TEST_IS_EXECUTABLE))
    {
      printf ("startup kdhost window         not measured (%s)\n",
              display && *display ? "kdhost was not built" : "no X display; run under xvfb-run");
      return 0;
    }
  {
    /* A bus of our own: the window is a single-instance application, and
     * must not find another kdhost (or hand over to it). GTestDBus unsets
     * DISPLAY; the window gets it back explicitly. */
    g_autoptr (GTestDBus) private_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
    g_autoptr (GDBusConnection) bus = NULL;

    g_test_dbus_up (private_bus);
    bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
    if (bus == NULL)
      {
        fprintf (stderr, "bench-startup: no private bus: %s\n", error->message);
        return 1;
      }
    window_once (bus, display);
    for (gint i = 0; i < runs; i++)
      {
        gdouble ms = window_once (bus, display);

        g_array_append_val (window_ms, ms);
      }
    g_dbus_connection_close_sync (bus, NULL, NULL);
    g_clear_object (&bus);
    g_test_dbus_down (private_bus);
  }
  report ("kdhost window (Xvfb)", window_ms);
  return 0;
}
