/* bench-flood-cli.c: DbgPrint lines per second that kdhost-cli shows
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs `kdhost-cli -k sim:dbgprint-rate=0 --no-initial-break` (the
 * in-process simulated target printing as fast as the link allows) with
 * its output on a pipe, and counts the DbgPrint lines it writes during
 * --seconds (20) from the first one. The sequence numbers in the lines
 * also tell whether every line the target sent was shown, once.
 *
 * Beside it, the link's limit for a DbgPrint flood: a minimal host
 * (kdh-bench-raw.c) that only acknowledges the lines of kdhost-sim
 * printing as fast as it can over a Unix socket, and kdhost-cli on that
 * same socket, as a percentage of it. Each DbgPrint is a packet the
 * target holds until it is acknowledged: one round trip per line.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "kdh-bench.h"

#define NEEDLE "kdhtest: dbgprint seq="

static gint seconds = 20;

/* Runs kdhost-cli with @argv (NULL-terminated, after its path) and counts
 * the DbgPrint lines on its stdout for --seconds from the first one; prints
 * the figure as @label. Returns lines/s, or -1. */
static gdouble
count_cli (const gchar        *label,
           const gchar *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cli = kdh_bench_build_path ("src/cli/kdhost-cli");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GString) pending = g_string_new (NULL);
  guint8 buf[65536];
  gint64 first_us = 0, deadline_us, give_up_us;
  guint64 lines = 0, first_seq = 0, last_seq = 0, out_of_order = 0;
  gboolean have_first = FALSE;
  int fd;

  g_ptr_array_add (argv, cli);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  /* stdin stays open (a pipe nobody writes to): the console waits for
   * commands while the target prints. */
  process = g_subprocess_newv ((const gchar *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  if (process == NULL)
    {
      fprintf (stderr, "bench-flood-cli: cannot start %s: %s\n", cli, error->message);
      return -1;
    }
  fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (process)));
  give_up_us = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  deadline_us = G_MAXINT64;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 until = MIN (deadline_us, give_up_us);
      ssize_t n;
      gchar *line, *eol;

      if (now >= until)
        break;
      if (poll (&pfd, 1, (int) MIN ((until - now) / 1000 + 1, 1000)) <= 0)
        continue;
      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (pending, (const gchar *) buf, n);
      now = g_get_monotonic_time ();
      line = pending->str;
      while ((eol = strchr (line, '\n')) != NULL)
        {
          const gchar *p = strstr (line, NEEDLE);

          if (p != NULL && p < eol && now < deadline_us)
            {
              guint64 seq = g_ascii_strtoull (p + strlen (NEEDLE), NULL, 10);

              if (!have_first)
                {
                  have_first = TRUE;
                  first_us = now;
                  first_seq = seq;
                  deadline_us = first_us + (gint64) seconds * G_USEC_PER_SEC;
                }
              else if (seq != last_seq + 1)
                out_of_order++;
              last_seq = seq;
              lines++;
            }
          line = eol + 1;
        }
      g_string_erase (pending, 0, line - pending->str);
    }

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  if (!have_first)
    {
      fprintf (stderr, "bench-flood-cli: %s: no DbgPrint line within 60 s\n", label);
      return -1;
    }
  printf ("flood %-23s %" G_GUINT64_FORMAT " lines in %d s: %.0f lines/s; "
          "sequence %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
          " gaps or repeats\n", label, lines, seconds, lines / (gdouble) seconds, first_seq,
          last_seq, out_of_order);
  fflush (stdout);
  return lines / (gdouble) seconds;
}

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "How long to count (20)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- DbgPrint flood in kdhost-cli");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *where = NULL, *dir = NULL, *socket = NULL, *listen = NULL, *connection = NULL;
  g_autoptr (GArray) raw = g_array_new (FALSE, FALSE, sizeof (gdouble));
  const gchar *sim_args[] = { NULL, "--quiet", "--dbgprint-rate=0", NULL };
  const gchar *in_process[] = { "-k", "sim:dbgprint-rate=0", "--no-initial-break", NULL };
  const gchar *on_socket[] = { "-k", NULL, "--no-initial-break", NULL };
  GSubprocess *sim;
  gdouble limit, rate;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || seconds < 1)
    {
      fprintf (stderr, "bench-flood-cli: %s\n", error ? error->message : "--seconds must be >= 1");
      return 2;
    }

  /* The link's limit, then kdhost-cli on the same kind of link. */
  dir = kdh_bench_make_tmpdir ();
  socket = g_build_filename (dir, "sim.sock", NULL);
  listen = g_strdup_printf ("--listen=unix:%s", socket);
  connection = g_strdup_printf ("com:pipe,port=%s", socket);
  sim_args[0] = listen;
  on_socket[1] = connection;
  sim = kdh_bench_start_sim (sim_args, &where);
  for (guint i = 0; i < 3; i++)
    {
      gdouble r = kdh_bench_raw_dbgprint_rate (socket, MAX (seconds / 4.0, 1.0));

      g_array_append_val (raw, r);
    }
  limit = kdh_bench_quantile (raw, 0.5);
  printf ("flood link limit (socket)     %.0f lines/s: a minimal host acknowledging kdhost-sim's "
          "DbgPrints, one round trip each (median of 3 x %.0f s)\n", limit,
          MAX (seconds / 4.0, 1.0));
  fflush (stdout);
  rate = count_cli ("kdhost-cli (socket)", on_socket);
  kdh_bench_stop_process (sim);
  kdh_bench_remove_tree (dir);
  if (rate < 0)
    return 1;
  printf ("flood kdhost-cli (socket)     %.0f %% of the link's limit above\n", 100 * rate / limit);
  rate = count_cli ("kdhost-cli (pipe)", in_process);
  if (rate < 0)
    return 1;
  printf ("flood kdhost-cli (pipe)       %.0f %% of the link's limit above (the simulator in "
          "kdhost-cli's process, over a socket pair)\n", 100 * rate / limit);
  return 0;
}
