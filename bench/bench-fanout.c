/* bench-fanout.c: a debugging server and 8 clients: what each line costs
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A server engine on the in-process simulated target runs `.server` on
 * loopback TCP; 8 client engines connect to it (kdh_engine_connect_remote,
 * as `kdhost -remote`), all in this process, each on its own thread. The
 * target then prints DbgPrint lines, each with a sequence number.
 *
 * Added latency per line: for every line, the time the client's engine
 * posted it to its front end minus the time the server's engine posted it
 * to its own (both KdhEvent.time_us, one monotonic clock), over all
 * clients: p50 and p99. Measured at a steady --rate (500 lines/s, a busy
 * driver's output), so that it is the latency of the path rather than of
 * a queue. Lines per second:
 * with the target printing as fast as the link allows, the lines the
 * slowest client received per second, next to the server's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdh-bench.h"

#define NEEDLE "kdhtest: dbgprint seq="

static gint n_clients = 8;
static gint seconds = 10;
static gint rate = 500;

typedef struct {
  KdhEngine *engine;
  KdhServerSet *servers;
  KdhConnState state;
  GHashTable *done;
  GArray *times;           /* gint64 per sequence number; 0 = not seen */
  guint64 lines;
  GString *errors;
} Peer;

static void
on_event (KdhEngine      *engine,
          const KdhEvent *event,
          gpointer        data)
{
  Peer *p = data;

  switch (event->kind)
    {
    case KDH_EVENT_OUTPUT:
      if (event->output_kind == KDH_OUTPUT_TARGET)
        {
          for (const gchar *s = event->text; (s = strstr (s, NEEDLE)) != NULL; s++)
            {
              guint64 seq = g_ascii_strtoull (s + strlen (NEEDLE), NULL, 10);

              if (seq < 50000000)
                {
                  if (seq >= p->times->len)
                    g_array_set_size (p->times, (guint) seq + 1024);
                  if (g_array_index (p->times, gint64, seq) == 0)
                    g_array_index (p->times, gint64, seq) = event->time_us;
                }
              p->lines++;
            }
        }
      else if (event->output_kind == KDH_OUTPUT_ERROR)
        g_string_append (p->errors, event->text);
      break;
    case KDH_EVENT_STATE:
      p->state = event->state;
      break;
    case KDH_EVENT_COMMAND_DONE:
      g_hash_table_insert (p->done, GUINT_TO_POINTER (event->token),
                           GINT_TO_POINTER (event->success ? 1 : 2));
      break;
    default:
      break;
    }
}

static void
peer_init (Peer *p)
{
  memset (p, 0, sizeof *p);
  p->done = g_hash_table_new (NULL, NULL);
  p->times = g_array_new (FALSE, TRUE, sizeof (gint64));
  p->errors = g_string_new (NULL);
  kdh_sim_transport_register ();
  p->engine = kdh_engine_new (NULL, on_event, p);
  p->servers = kdh_server_set_new (p->engine);
}

static void
peer_clear (Peer *p)
{
  kdh_server_set_free (p->servers);
  kdh_engine_free (p->engine);
  g_hash_table_unref (p->done);
  g_array_unref (p->times);
  g_string_free (p->errors, TRUE);
}

typedef struct {
  Peer *p;
  guint token;
} TokenWait;

static gboolean
token_done (gpointer data)
{
  TokenWait *w = data;

  return g_hash_table_contains (w->p->done, GUINT_TO_POINTER (w->token));
}

static void
wait_ok (Peer        *p,
         guint        token,
         const gchar *what)
{
  TokenWait w = { p, token };

  kdh_bench_run_until (token_done, &w, 60, what);
  if (GPOINTER_TO_INT (g_hash_table_lookup (p->done, GUINT_TO_POINTER (token))) != 1)
    {
      fprintf (stderr, "bench-fanout: %s failed: %s\n", what, p->errors->str);
      exit (1);
    }
}

static gboolean
on_elapsed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static guint16
free_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, TRUE, NULL)
      || (bound = g_socket_get_local_address (socket, NULL)) == NULL)
    {
      fprintf (stderr, "bench-fanout: no free loopback port\n");
      exit (1);
    }
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* One run: a server on a target printing at @lines_per_s (0: as fast as
 * the link allows) for --seconds, with the clients. */
static void
run (gint      lines_per_s,
     GArray   *latency_ms,
     gdouble  *server_rate,
     gdouble  *slowest_rate)
{
  g_autofree gchar *connection = lines_per_s
    ? g_strdup_printf ("sim:dbgprint-rate=%d", lines_per_s) : g_strdup ("sim:dbgprint-rate=0");
  guint16 port = free_port ();
  g_autofree gchar *server_line = g_strdup_printf (".server tcp:port=%u,bind=127.0.0.1", port);
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  Peer server;
  Peer *clients = g_new0 (Peer, n_clients);
  gboolean elapsed = FALSE;
  guint64 server_start, *client_start = g_new0 (guint64, n_clients);

  peer_init (&server);
  wait_ok (&server, kdh_engine_attach (server.engine, connection), "attach");
  wait_ok (&server, kdh_engine_execute (server.engine, server_line, NULL), ".server");
  for (gint i = 0; i < n_clients; i++)
    {
      peer_init (&clients[i]);
      wait_ok (&clients[i], kdh_engine_connect_remote (clients[i].engine, remote),
               "a client's connection");
    }

  wait_ok (&server, kdh_engine_execute (server.engine, "g", NULL), "g");
  server_start = server.lines;
  for (gint i = 0; i < n_clients; i++)
    client_start[i] = clients[i].lines;
  g_timeout_add_seconds (seconds, on_elapsed, &elapsed);
  kdh_bench_run_until (flag_set, &elapsed, seconds + 30, "the run to end");
  *server_rate = (server.lines - server_start) / (gdouble) seconds;
  *slowest_rate = G_MAXDOUBLE;
  for (gint i = 0; i < n_clients; i++)
    *slowest_rate = MIN (*slowest_rate, (clients[i].lines - client_start[i]) / (gdouble) seconds);

  kdh_engine_break (server.engine);
  {
    gboolean stopped = FALSE;

    while (!stopped)
      {
        g_main_context_iteration (NULL, TRUE);
        stopped = server.state == KDH_CONN_BREAK;
      }
  }
  /* Lines all clients have had by now. */
  if (latency_ms != NULL)
    for (gint i = 0; i < n_clients; i++)
      for (guint seq = 0; seq < MIN (server.times->len, clients[i].times->len); seq++)
        {
          gint64 at_server = g_array_index (server.times, gint64, seq);
          gint64 at_client = g_array_index (clients[i].times, gint64, seq);
          gdouble ms;

          if (at_server == 0 || at_client == 0)
            continue;
          ms = (at_client - at_server) / 1000.0;
          g_array_append_val (latency_ms, ms);
        }

  for (gint i = 0; i < n_clients; i++)
    {
      TokenWait w = { &clients[i], kdh_engine_detach (clients[i].engine) };

      kdh_bench_run_until (token_done, &w, 30, "a client to leave");
      peer_clear (&clients[i]);
    }
  {
    TokenWait w = { &server, kdh_engine_detach (server.engine) };

    kdh_bench_run_until (token_done, &w, 30, "the server to close");
  }
  peer_clear (&server);
  g_free (clients);
  g_free (client_start);
}

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "clients", 'c', 0, G_OPTION_ARG_INT, &n_clients, "Clients (8)", "N" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "Seconds per run (10)", "N" },
    { "rate", 'r', 0, G_OPTION_ARG_INT, &rate, "Lines/s for the latency run (500)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- remote fan-out");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) latency = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gdouble server_rate, slowest, flood_server, flood_slowest, p50, p99, max;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_clients < 1 || seconds < 1
      || rate < 1)
    {
      fprintf (stderr, "bench-fanout: %s\n", error ? error->message : "values must be >= 1");
      return 2;
    }

  run (rate, latency, &server_rate, &slowest);
  if (latency->len == 0)
    {
      fprintf (stderr, "bench-fanout: no line reached both the server and a client\n");
      return 1;
    }
  p50 = kdh_bench_quantile (latency, 0.5);
  p99 = kdh_bench_quantile (latency, 0.99);
  max = g_array_index (latency, gdouble, latency->len - 1);
  printf ("fanout %d clients, %d lines/s   added latency per line: p50=%.2f ms  p99=%.2f ms  "
          "max=%.2f ms (%u line deliveries)\n", n_clients, rate, p50, p99, max, latency->len);
  printf ("fanout %d clients, %d lines/s   server %.0f lines/s, slowest client %.0f lines/s\n",
          n_clients, rate, server_rate, slowest);
  run (0, NULL, &flood_server, &flood_slowest);
  printf ("fanout %d clients, flood          server %.0f lines/s, slowest client %.0f lines/s "
          "(%d s)\n", n_clients, flood_server, flood_slowest, seconds);
  return 0;
}
