/* bench-stop.c: what a stop costs on the wire
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against kdhost-sim over a Unix socket, with a breakpoint in the test
 * driver's tick routine: `g` until it is hit, several times. From the
 * packet trace: the requests (round trips: the protocol has one packet in
 * flight) that letting the target run costs, those from its state change
 * to the prompt, and those the window's five views (registers, stack,
 * disassembly of 32 instructions, modules, breakpoints) cost to refresh at
 * that stop, and once more without a stop in between. Each line is one
 * stop; the first after attaching has nothing cached yet.
 */
#include <stdio.h>
#include <string.h>

#include "kdh-bench.h"

#define STOPS 5
#define VIEW_INSTRUCTIONS 32

/* Requests in the trace from @from: data packets we sent ("Manipulate"),
 * up to the last state change when @to_stop (a `g` from a breakpoint
 * first steps off it: two state changes). */
static guint
count_requests (const gchar *from,
                gboolean     to_stop,
                const gchar **stop_at,
                GString      *names)
{
  guint n = 0;

  for (const gchar *line = from; *line; )
    {
      const gchar *nl = strchr (line, '\n');
      gsize len = nl ? (gsize) (nl - line) : strlen (line);
      g_autofree gchar *text = g_strndup (line, len);
      const gchar *what = strstr (text, ": ");

      if (to_stop && g_str_has_prefix (text, "<<") && strstr (text, ": StateChange")
          && strstr (nl ? nl : "", ": StateChange") == NULL)
        {
          *stop_at = nl ? nl + 1 : line + len;
          return n;
        }
      if (g_str_has_prefix (text, ">>") && what && g_str_has_prefix (what + 2, "Manipulate"))
        {
          if (names)
            g_string_append_printf (names, "\n    %s", what + 2 + strlen ("Manipulate "));
          n++;
        }
      line += len + (nl ? 1 : 0);
    }
  if (stop_at)
    *stop_at = NULL;
  return n;
}

static guint
refresh_views (KdhBenchEngine *b,
               GString        *names)
{
  static const KdhViewQuery views[] = {
    KDH_VIEW_QUERY_REGISTERS, KDH_VIEW_QUERY_STACK, KDH_VIEW_QUERY_DISASSEMBLY,
    KDH_VIEW_QUERY_MODULES, KDH_VIEW_QUERY_BREAKPOINTS,
  };
  guint tokens[G_N_ELEMENTS (views)];

  g_string_truncate (b->packets, 0);
  /* Posted together, as the window does at a stop. */
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    tokens[i] = kdh_engine_query (b->engine, views[i],
                                  views[i] == KDH_VIEW_QUERY_DISASSEMBLY ? G_MAXUINT64 : 0,
                                  views[i] == KDH_VIEW_QUERY_DISASSEMBLY ? VIEW_INSTRUCTIONS : 0);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    if (!kdh_bench_wait_token (b, tokens[i], 60))
      {
        fprintf (stderr, "bench-stop: a view's query failed\n");
        exit (1);
      }
  return count_requests (b->packets->str, FALSE, NULL, names);
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *dir = kdh_bench_make_tmpdir ();
  g_autofree gchar *socket = g_build_filename (dir, "sim.sock", NULL);
  g_autofree gchar *listen = g_strdup_printf ("--listen=unix:%s", socket);
  g_autofree gchar *connection = g_strdup_printf ("com:pipe,port=%s", socket);
  g_autofree gchar *where = NULL;
  const gchar *args[] = { listen, "--quiet", NULL };
  gboolean verbose = argc > 1 && g_str_equal (argv[1], "-v");
  KdhBenchEngine b;
  GSubprocess *sim;

  sim = kdh_bench_start_sim (args, &where);
  kdh_bench_engine_init (&b);
  kdh_bench_attach (&b, connection);
  kdh_bench_run (&b, "bp kdhtest!KdhTestTick", 60);
  kdh_engine_set_trace (b.engine, TRUE);
  for (guint i = 0; i < STOPS; i++)
    {
      g_autoptr (GString) run_names = g_string_new (NULL);
      g_autoptr (GString) stop_names = g_string_new (NULL);
      g_autoptr (GString) view_names = g_string_new (NULL);
      g_autoptr (GString) again_names = g_string_new (NULL);
      const gchar *after = NULL;
      guint to_run, to_prompt, views, again;
      gint64 start = g_get_monotonic_time ();
      gdouble ms;

      g_string_truncate (b.packets, 0);
      kdh_bench_run (&b, "g", 60);
      kdh_bench_wait_state (&b, KDH_CONN_BREAK, 60);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      to_run = count_requests (b.packets->str, TRUE, &after, run_names);
      if (after == NULL)
        {
          fprintf (stderr, "bench-stop: no state change in the trace\n");
          return 1;
        }
      to_prompt = count_requests (after, FALSE, NULL, stop_names);
      views = refresh_views (&b, view_names);
      again = refresh_views (&b, again_names);
      printf ("stop %u%s  to run %u requests, state change to prompt %u, views %u, "
              "views again %u (g to prompt %.1f ms)\n", i + 1, i == 0 ? " (first)" : "        ",
              to_run, to_prompt, views, again, ms);
      if (verbose)
        printf ("  run:%s\n  stop:%s\n  views:%s\n  again:%s\n", run_names->str,
                stop_names->str, view_names->str, again_names->str);
    }
  kdh_engine_set_trace (b.engine, FALSE);
  kdh_bench_detach (&b);
  kdh_bench_engine_clear (&b);
  kdh_bench_stop_process (sim);
  kdh_bench_remove_tree (dir);
  return 0;
}
