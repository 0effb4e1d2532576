/* kdh-bench.c: what the benchmarks share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-bench.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static void
on_event (KdhEngine      *engine,
          const KdhEvent *event,
          gpointer        data)
{
  KdhBenchEngine *b = data;

  switch (event->kind)
    {
    case KDH_EVENT_OUTPUT:
      if (event->output_kind == KDH_OUTPUT_TARGET)
        {
          for (const gchar *p = event->text; (p = strchr (p, '\n')) != NULL; p++)
            b->target_lines++;
        }
      else if (event->output_kind != KDH_OUTPUT_ECHO)
        {
          b->output_bytes += strlen (event->text);
          if (b->keep_output)
            g_string_append (b->output, event->text);
        }
      if (event->output_kind == KDH_OUTPUT_ERROR)
        g_string_append (b->errors, event->text);
      break;
    case KDH_EVENT_STATE:
      b->state = event->state;
      break;
    case KDH_EVENT_PACKET:
      g_string_append (b->packets, event->text);
      break;
    case KDH_EVENT_QUERY_RESULT:
    case KDH_EVENT_COMMAND_DONE:
      {
        gint64 *now = g_new (gint64, 1);

        *now = g_get_monotonic_time ();
        g_hash_table_insert (b->done, GUINT_TO_POINTER (event->token),
                             GINT_TO_POINTER (event->success ? 1 : 2));
        g_hash_table_insert (b->done_us, GUINT_TO_POINTER (event->token), now);
      }
      break;
    case KDH_EVENT_STATS:
      b->stats = event->stats;
      break;
    default:
      break;
    }
}

void
kdh_bench_engine_init (KdhBenchEngine *b)
{
  memset (b, 0, sizeof *b);
  b->done = g_hash_table_new (NULL, NULL);
  b->done_us = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  b->errors = g_string_new (NULL);
  b->output = g_string_new (NULL);
  b->packets = g_string_new (NULL);
  kdh_sim_transport_register ();
  b->engine = kdh_engine_new (NULL, on_event, b);
  b->servers = kdh_server_set_new (b->engine);
}

void
kdh_bench_engine_clear (KdhBenchEngine *b)
{
  kdh_server_set_free (b->servers);
  kdh_engine_free (b->engine);
  g_hash_table_unref (b->done);
  g_hash_table_unref (b->done_us);
  g_string_free (b->errors, TRUE);
  g_string_free (b->output, TRUE);
  g_string_free (b->packets, TRUE);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_poll (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
kdh_bench_run_until (gboolean    (*done) (gpointer data),
                     gpointer      data,
                     guint         timeout_s,
                     const gchar  *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, on_timeout, &timed_out);
  guint poll_id = g_timeout_add (20, on_poll, NULL);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (poll_id);
  if (timed_out)
    {
      fprintf (stderr, "benchmark: timed out after %u s waiting for %s\n", timeout_s, what);
      exit (1);
    }
  g_source_remove (id);
}

typedef struct {
  KdhBenchEngine *b;
  guint token;
  KdhConnState state;
} Wait;

static gboolean
token_done (gpointer data)
{
  Wait *w = data;

  return g_hash_table_contains (w->b->done, GUINT_TO_POINTER (w->token));
}

gboolean
kdh_bench_wait_token (KdhBenchEngine *b,
                      guint           token,
                      guint           timeout_s)
{
  Wait w = { b, token, 0 };

  kdh_bench_run_until (token_done, &w, timeout_s, "a command to finish");
  return GPOINTER_TO_INT (g_hash_table_lookup (b->done, GUINT_TO_POINTER (token))) == 1;
}

gint64
kdh_bench_done_time (KdhBenchEngine *b,
                     guint           token)
{
  gint64 *t = g_hash_table_lookup (b->done_us, GUINT_TO_POINTER (token));

  return t ? *t : 0;
}

void
kdh_bench_attach (KdhBenchEngine *b,
                  const gchar    *connection)
{
  if (!kdh_bench_wait_token (b, kdh_engine_attach (b->engine, connection), 120))
    {
      fprintf (stderr, "benchmark: attach to %s failed: %s\n", connection, b->errors->str);
      exit (1);
    }
}

void
kdh_bench_run (KdhBenchEngine *b,
               const gchar    *line,
               guint           timeout_s)
{
  if (!kdh_bench_wait_token (b, kdh_engine_execute (b->engine, line, NULL), timeout_s))
    {
      fprintf (stderr, "benchmark: '%s' failed: %s\n", line, b->errors->str);
      exit (1);
    }
}

static gboolean
state_is (gpointer data)
{
  Wait *w = data;

  return w->b->state == w->state;
}

void
kdh_bench_wait_state (KdhBenchEngine *b,
                      KdhConnState    state,
                      guint           timeout_s)
{
  Wait w = { b, 0, state };

  kdh_bench_run_until (state_is, &w, timeout_s, kdh_conn_state_name (state));
}

void
kdh_bench_detach (KdhBenchEngine *b)
{
  kdh_bench_wait_token (b, kdh_engine_detach (b->engine), 30);
}

gchar *
kdh_bench_build_path (const gchar *relative)
{
  const gchar *build = g_getenv ("KDH_BUILD_DIR");

  return g_build_filename (build && *build ? build : KDH_BENCH_BUILD_DIR, relative, NULL);
}

typedef struct {
  GDataInputStream *in;
  gchar *line;
  gboolean finished;
} LineRead;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  LineRead *r = data;

  r->line = g_data_input_stream_read_line_finish_utf8 (r->in, result, NULL, NULL);
  r->finished = TRUE;
}

static gboolean
line_read (gpointer data)
{
  return ((LineRead *) data)->finished;
}

/* A benchmark that exits or dies takes its simulators with it. Only
 * async-signal-safe calls here. */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
kdh_bench_start_sim (const gchar *const *args,
                     gchar              **where)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *path = kdh_bench_build_path ("src/sim/kdhost-sim");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  GSubprocess *process;
  LineRead r = { 0 };

  g_ptr_array_add (argv, path);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  if (process == NULL)
    {
      fprintf (stderr, "benchmark: cannot start %s: %s\n", path, error->message);
      exit (1);
    }
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  r.in = in;
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, on_line, &r);
  kdh_bench_run_until (line_read, &r, 30, "kdhost-sim's first line");
  if (r.line == NULL || !g_str_has_prefix (r.line, "kdhost-sim: "))
    {
      fprintf (stderr, "benchmark: kdhost-sim said '%s'\n", r.line ? r.line : "(nothing)");
      exit (1);
    }
  *where = g_strdup (r.line + strlen ("kdhost-sim: "));
  g_free (r.line);
  return process;
}

void
kdh_bench_stop_process (GSubprocess *process)
{
  if (process == NULL)
    return;
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  g_object_unref (process);
}

static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

gdouble
kdh_bench_quantile (GArray  *values,
                    gdouble  p)
{
  guint rank;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  /* Nearest rank: the smallest value with at least p of them at or below. */
  rank = (guint) MAX (1.0, (p * values->len) + 0.999999);
  return g_array_index (values, gdouble, MIN (rank, values->len) - 1);
}

gchar *
kdh_bench_make_tmpdir (void)
{
  gchar *dir = g_dir_make_tmp ("kdh-bench-XXXXXX", NULL);

  if (dir == NULL)
    {
      fprintf (stderr, "benchmark: cannot make a temporary directory\n");
      exit (1);
    }
  return dir;
}

void
kdh_bench_remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

gdouble
kdh_bench_thread_cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
