/* bench-kdnet.c: KDNET on loopback: crypto per datagram, memory reads, resync
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three figures, beside bench-memread's and bench-resync's for the serial
 * transports:
 *   - what sealing (HMAC-SHA256, then AES-256-CBC) and opening (the other
 *     way round) cost per datagram, in µs, for an ACK, a 56-byte request
 *     and a full 4016-byte reply, in this thread's CPU time;
 *   - `dq` over the pattern region through a KDNET connection to
 *     kdhost-sim --kdnet on loopback, in MB/s (16 MiB);
 *   - resyncs with the target stopped, p50 and p99 in ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kd/kdh-kdnet.h"
#include "kdh-bench.h"

#define KEY "bench.1a2b3c.4d5e6f.7g8h"
#define PATTERN_BASE G_GUINT64_CONSTANT (0xfffff80000400000)
#define CHUNK_BYTES (256 * 1024)

static gint crypto_rounds = 20000;
static gint mib = 16;
static gint n_resyncs = 50;

static void
crypto_cost (void)
{
  static const gsize sizes[] = { 16, 72, 4016 };
  static const gchar *const names[] = { "ACK (16 bytes)", "request (72 bytes)",
                                        "reply (4016 bytes)" };
  guint8 control[KDH_KDNET_KEY_SIZE], hmac[KDH_KDNET_KEY_SIZE], data_key[KDH_KDNET_KEY_SIZE];

  g_assert_true (kdh_kdnet_key_parse (KEY, control, NULL));
  kdh_kdnet_hmac_key (control, hmac);
  memset (data_key, 0x5A, sizeof data_key);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autofree guint8 *payload = g_malloc0 (sizes[s]);
      g_autoptr (GByteArray) d = g_byte_array_new ();
      g_autofree guint8 *copy = NULL;
      gdouble start, seal_us, open_us;
      KdhKdnetDatagram out;

      start = kdh_bench_thread_cpu_s ();
      for (gint i = 0; i < crypto_rounds; i++)
        {
          g_byte_array_set_size (d, 0);
          kdh_kdnet_seal (d, 2, KDH_KDNET_CHANNEL_DATA, (guint64) i, TRUE, payload, sizes[s],
                          data_key, hmac);
        }
      seal_us = (kdh_bench_thread_cpu_s () - start) * 1e6 / crypto_rounds;
      copy = g_malloc (d->len);
      start = kdh_bench_thread_cpu_s ();
      for (gint i = 0; i < crypto_rounds; i++)
        {
          memcpy (copy, d->data, d->len);
          if (kdh_kdnet_open (copy, d->len, control, data_key, hmac, &out) != KDH_KDNET_OK)
            {
              fprintf (stderr, "bench-kdnet: a sealed datagram did not open\n");
              exit (1);
            }
        }
      open_us = (kdh_bench_thread_cpu_s () - start) * 1e6 / crypto_rounds;
      printf ("kdnet crypto %-20s seal %.2f µs, open %.2f µs per datagram (%u bytes on the wire)\n",
              names[s], seal_us, open_us, d->len);
    }
}

static guint16
free_udp_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, address, FALSE, NULL)
      || (bound = g_socket_get_local_address (socket, NULL)) == NULL)
    {
      fprintf (stderr, "bench-kdnet: no free UDP port\n");
      exit (1);
    }
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
over_loopback (void)
{
  guint16 port = free_udp_port ();
  g_autofree gchar *connection = g_strdup_printf ("net:port=%u,key=%s", port, KEY);
  g_autofree gchar *kdnet = g_strdup_printf ("--kdnet=127.0.0.1:%u,key=%s", port, KEY);
  const gchar *args[] = { kdnet, "--quiet", NULL };
  g_autofree gchar *where = NULL;
  g_autoptr (GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint64 bytes = (guint64) mib * 1024 * 1024;
  KdhBenchEngine b;
  GSubprocess *sim;
  guint token;
  gint64 start;
  gdouble seconds;

  kdh_bench_engine_init (&b);
  /* The host listens; the target pokes it. */
  token = kdh_engine_attach (b.engine, connection);
  kdh_bench_wait_state (&b, KDH_CONN_WAITING, 30);
  sim = kdh_bench_start_sim (args, &where);
  if (!kdh_bench_wait_token (&b, token, 60))
    {
      fprintf (stderr, "bench-kdnet: attach to '%s' failed: %s\n", connection, b.errors->str);
      exit (1);
    }

  start = g_get_monotonic_time ();
  for (guint64 done = 0; done < bytes; done += CHUNK_BYTES)
    {
      guint64 address = PATTERN_BASE + done;
      g_autofree gchar *line = g_strdup_printf ("dq %08x`%08x L%x", (guint32) (address >> 32),
                                                (guint32) address, CHUNK_BYTES / 8);

      kdh_bench_run (&b, line, 600);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;
  printf ("memread kdnet loopback        %d MiB in %.2f s: %.1f MB/s (%.1f MiB/s)\n", mib, seconds,
          bytes / seconds / 1e6, bytes / seconds / 1048576.0);

  kdh_bench_wait_token (&b, kdh_engine_resync (b.engine), 60);
  for (gint i = 0; i < n_resyncs; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      gdouble took;

      token = kdh_engine_resync (b.engine);
      if (!kdh_bench_wait_token (&b, token, 60))
        {
          fprintf (stderr, "bench-kdnet: resync failed: %s\n", b.errors->str);
          exit (1);
        }
      took = (kdh_bench_done_time (&b, token) - t0) / 1000.0;
      g_array_append_val (ms, took);
    }
  printf ("resync kdnet loopback         %d resyncs: p50=%.2f ms  p99=%.2f ms\n", n_resyncs,
          kdh_bench_quantile (ms, 0.5), kdh_bench_quantile (ms, 0.99));
  printf ("kdnet datagrams              in %" G_GUINT64_FORMAT ", out %" G_GUINT64_FORMAT
          ", dropped %" G_GUINT64_FORMAT "\n", b.stats.datagrams_in, b.stats.datagrams_out,
          b.stats.datagrams_dropped);

  kdh_bench_detach (&b);
  kdh_bench_engine_clear (&b);
  kdh_bench_stop_process (sim);
}

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "crypto-rounds", 0, 0, G_OPTION_ARG_INT, &crypto_rounds,
      "Datagrams sealed and opened per size (20000)", "N" },
    { "mib", 0, 0, G_OPTION_ARG_INT, &mib, "MiB to read over KDNET (16)", "N" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &n_resyncs, "Resyncs to time (50)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- KDNET on loopback");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || crypto_rounds < 1 || mib < 1
      || n_resyncs < 1)
    {
      fprintf (stderr, "bench-kdnet: %s\n", error ? error->message : "counts must be >= 1");
      return 2;
    }
  crypto_cost ();
  over_loopback ();
  return 0;
}
