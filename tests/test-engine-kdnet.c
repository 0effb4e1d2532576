/* test-engine-kdnet.c: the engine against kdhost-sim over KDNET (UDP)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine listens on a UDP port (net:port=N,key=K); a kdhost-sim
 * process plays kdnet.dll (--kdnet 127.0.0.1:N,key=K) and pokes it. What
 * the target saw is read from the simulator's --counters-file, which it
 * rewrites within 100 ms of a change; the KDNET counters the host keeps
 * come with the engine's STATS events.
 */
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "kd/kdh-kdnet.h"
#include "kdh-test-engine.h"
#include "kdh-test-net.h"

#define KEY "kdhost.1a2b3c.4d5e6f.7g8h"
#define OTHER_KEY "kdhost.1a2b3c.4d5e6f.7g8i"
/* The pattern region holds u64 A ^ 0xA5A5A5A5A5A5A5A5 at every A: 1 MiB. */
#define MIB_READ "dq fffff800`00400000 L20000"
#define MIB_QWORDS 0x20000
/* Faults on every datagram, both ways. */
#define FAULTS "--drop=0.01", "--dup=0.01", "--reorder=0.01"

typedef struct {
  KdhTestEngine t;
  guint16 port;
  gchar *connection;
  gchar *counters_path;
  GSubprocess *sim;
  guint attach_token;
} Fixture;

static void
fixture_init (Fixture     *f,
              const gchar *key)
{
  memset (f, 0, sizeof *f);
  kdh_test_engine_init (&f->t);
  f->port = kdh_test_free_udp_port ();
  f->connection = g_strdup_printf ("net:port=%u,key=%s", f->port, key);
  f->counters_path = g_build_filename (f->t.tmpdir, "counters", NULL);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_sim_exited (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static void
fixture_clear (Fixture *f)
{
  gboolean exited = FALSE;

  g_assert_true (kdh_test_engine_wait_token (&f->t, kdh_engine_detach (f->t.engine), 30));
  if (f->sim != NULL && g_subprocess_get_identifier (f->sim) != NULL)
    {
      g_subprocess_send_signal (f->sim, SIGTERM);
      g_subprocess_wait_async (f->sim, NULL, on_sim_exited, &exited);
      kdh_test_run_until (flag_set, &exited, 30, "kdhost-sim to exit");
      g_assert_true (g_subprocess_get_if_exited (f->sim));
      g_assert_cmpint (g_subprocess_get_exit_status (f->sim), ==, 0);
    }
  kdh_test_engine_clear (&f->t);
  g_free (f->connection);
  g_free (f->counters_path);
}

/* ---- The simulator's counters ------------------------------------------ */

static gboolean
on_poll_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* The target's counters as they are now (SIGUSR1 makes it write them). */
static guint64
sim_counter_now (Fixture     *f,
                 const gchar *key)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *needle = g_strconcat (" ", key, "=", NULL);
  g_autofree gchar *line = NULL;
  g_autofree gchar *number = NULL;
  const gchar *at;
  guint tick;
  guint64 value;

  g_remove (f->counters_path);
  g_subprocess_send_signal (f->sim, SIGUSR1);
  tick = g_timeout_add (20, on_poll_tick, NULL);
  kdh_test_run_until (file_exists, f->counters_path, 10, "the counters file");
  g_source_remove (tick);
  g_assert_true (g_file_get_contents (f->counters_path, &text, NULL, NULL));
  line = g_strconcat (" ", text, NULL);
  at = strstr (line, needle);
  if (at == NULL)
    g_error ("no '%s' in the counters: %s", key, text);
  at += strlen (needle);
  number = g_strndup (at, strcspn (at, " \n"));
  g_assert_true (g_ascii_string_to_unsigned (number, 10, 0, G_MAXUINT64, &value, NULL));
  return value;
}

/* ---- Attaching --------------------------------------------------------- */

static void
start_sim (Fixture            *f,
           const gchar        *key,
           const gchar *const *extra)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *where = NULL;
  g_autofree gchar *expected = NULL;

  g_ptr_array_add (args, g_strdup_printf ("--kdnet=127.0.0.1:%u,key=%s,poke-ms=1000", f->port,
                                          key));
  g_ptr_array_add (args, g_strdup_printf ("--counters-file=%s", f->counters_path));
  if (!g_test_verbose ())
    g_ptr_array_add (args, g_strdup ("--quiet"));
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (args, g_strdup (extra[i]));
  g_ptr_array_add (args, NULL);
  where = kdh_test_start_sim (&f->t, (const gchar *const *) args->pdata);
  f->sim = g_ptr_array_index (f->t.processes, f->t.processes->len - 1);
  expected = g_strdup_printf ("kdnet to 127.0.0.1:%u from port ", f->port);
  g_assert_true (g_str_has_prefix (where, expected));
}

static const gchar *
last_reason (Fixture *f)
{
  return g_ptr_array_index (f->t.reasons, f->t.reasons->len - 1);
}

/* The engine listens first; the simulator pokes it. */
static void
start_and_attach (Fixture            *f,
                  const gchar *const *sim_args)
{
  g_autofree gchar *waiting = g_strdup_printf ("waiting for a KDNET target on UDP port %u",
                                               f->port);
  gsize mark = f->t.output->len;

  f->attach_token = kdh_engine_attach (f->t.engine, f->connection);
  kdh_test_engine_wait_state (&f->t, KDH_CONN_WAITING, 30);
  g_assert_cmpstr (last_reason (f), ==, waiting);
  start_sim (f, KEY, sim_args);
  if (!kdh_test_engine_wait_token (&f->t, f->attach_token, 60))
    g_error ("attach to '%s' failed: %s", f->connection, f->t.output->str);
  g_assert_cmpint (f->t.state, ==, KDH_CONN_BREAK);
  g_assert_nonnull (strstr (f->t.output->str + mark, "Kernel Debugger connection established.\n"));
  g_assert_nonnull (strstr (f->t.output->str + mark, "nt!DbgBreakPointWithStatus:\n"));
}

static void
read_mib (Fixture *f)
{
  g_autofree gchar *out = kdh_test_engine_run (&f->t, MIB_READ, FALSE);

  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, MIB_QWORDS);
}

static void
go (Fixture *f)
{
  g_free (kdh_test_engine_run (&f->t, "g", FALSE));
  g_assert_cmpint (f->t.state, ==, KDH_CONN_RUNNING);
}

static void
break_in (Fixture *f)
{
  g_assert_cmpint (f->t.state, ==, KDH_CONN_RUNNING);
  kdh_engine_break (f->t.engine);
  kdh_test_engine_wait_state (&f->t, KDH_CONN_BREAK, 30);
}

static void
resync (Fixture      *f,
        KdhConnState  expected)
{
  guint from = f->t.states->len;
  gsize mark = f->t.output->len;

  g_assert_true (kdh_test_engine_wait_token (&f->t, kdh_engine_resync (f->t.engine), 60));
  g_assert_true (kdh_test_engine_saw_state (&f->t, from, KDH_CONN_RESYNCHRONIZING));
  g_assert_cmpint (f->t.state, ==, expected);
  g_assert_nonnull (strstr (f->t.output->str + mark,
                            "Kernel debugger connection resynchronized.\n"));
}

typedef struct {
  Fixture *f;
  guint64 min_in;
  guint64 min_dropped;
} StatsWait;

static gboolean
stats_reached (gpointer data)
{
  StatsWait *w = data;

  return w->f->t.stats.datagrams_in >= w->min_in
         && w->f->t.stats.datagrams_dropped >= w->min_dropped;
}

static void
wait_stats (Fixture *f,
            guint64  min_in,
            guint64  min_dropped)
{
  StatsWait w = { f, min_in, min_dropped };
  guint tick = g_timeout_add (50, on_poll_tick, NULL);

  kdh_test_run_until (stats_reached, &w, 30, "KDNET counters in a STATS event");
  g_source_remove (tick);
}

/* ---- Tests ------------------------------------------------------------- */

/* Attach, version, 1 MiB of pattern, registers; nothing dropped. */
static void
test_session (void)
{
  Fixture f;
  g_autofree gchar *version = NULL, *regs = NULL, *options = NULL, *described = NULL;

  fixture_init (&f, KEY);
  start_and_attach (&f, NULL);

  options = kdh_engine_dup_connection_options (f.t.engine);
  g_assert_cmpstr (options, ==, f.connection);
  version = kdh_test_engine_run (&f.t, "vertarget", FALSE);
  g_assert_nonnull (strstr (version, "Windows 10 Kernel Version 19041 MP (2 procs) Free x64\n"));
  described = g_strdup_printf ("Kernel connection: net :%u (Break)\n", f.port);
  g_assert_nonnull (strstr (version, described));
  read_mib (&f);
  regs = kdh_test_engine_run (&f.t, "r", FALSE);
  g_assert_nonnull (strstr (regs, "rip=fffff80002001010 "));

  /* Every packet went as a datagram each way; none was refused. */
  wait_stats (&f, 2 * MIB_QWORDS * 8 / 3944, 0);
  g_assert_cmpuint (f.t.stats.datagrams_out, >, MIB_QWORDS * 8 / 3944);
  g_assert_cmpuint (f.t.stats.datagrams_dropped, ==, 0);
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, 1);
  g_assert_cmpuint (sim_counter_now (&f, "reboots"), ==, 0);
  go (&f);
  break_in (&f);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

typedef struct {
  Fixture *f;
  guint lines;
} LinesWait;

static gboolean
enough_lines (gpointer data)
{
  LinesWait *w = data;
  guint n = 0;

  for (const gchar *p = w->f->t.target_output->str; (p = strchr (p, '\n')) != NULL; p++)
    n++;
  return n >= w->lines;
}

/* 1000 DbgPrint lines over a faulty network: each once, in order. */
static void
test_dbgprint (void)
{
  Fixture f;
  const gchar *const args[] = { "--dbgprint-rate=max", "--seed=15", FAULTS, NULL };
  LinesWait w = { &f, 1000 };
  const gchar *first;
  g_autofree gchar *number = NULL;
  guint64 seq;

  fixture_init (&f, KEY);
  start_and_attach (&f, args);
  g_string_truncate (f.t.target_output, 0);
  go (&f);
  kdh_test_run_until (enough_lines, &w, 120, "1000 DbgPrint lines");
  break_in (&f);
  first = strstr (f.t.target_output->str, "kdhtest: dbgprint seq=");
  g_assert_nonnull (first);
  number = g_strndup (first + strlen ("kdhtest: dbgprint seq="), 8);
  g_assert_true (g_ascii_string_to_unsigned (number, 10, 0, G_MAXUINT64, &seq, NULL));
  g_assert_cmpuint (kdh_test_check_dbgprint_sequence (first, seq), >=, 1000);
  /* The faults happened, and the host dropped the damaged datagrams. */
  g_assert_cmpuint (sim_counter_now (&f, "prints_dropped"), ==, 0);
  fixture_clear (&f);
}

/* Resync (stopped and running), .restart (stopped and running) and 1 MiB
 * reads, with 1 % of the datagrams lost, repeated and reordered. */
static void
test_faults_resync_restart (void)
{
  Fixture f;
  const gchar *const args[] = { "--seed=9", FAULTS, "--corrupt=0.01", NULL };
  gsize mark;

  fixture_init (&f, KEY);
  start_and_attach (&f, args);
  read_mib (&f);
  resync (&f, KDH_CONN_BREAK);
  resync (&f, KDH_CONN_BREAK);
  go (&f);
  resync (&f, KDH_CONN_RUNNING);
  break_in (&f);

  mark = f.t.output->len;
  g_free (kdh_test_engine_run (&f.t, ".restart", FALSE));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  g_assert_nonnull (strstr (f.t.output->str + mark, "Kernel Debugger connection established.\n"));
  g_assert_null (strstr (f.t.output->str + mark, "The target rebooted"));
  read_mib (&f);

  go (&f);
  mark = f.t.output->len;
  g_free (kdh_test_engine_run (&f.t, ".restart", FALSE));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  g_assert_nonnull (strstr (f.t.output->str + mark, "Kernel Debugger connection established.\n"));
  read_mib (&f);
  g_assert_cmpuint (sim_counter_now (&f, "reboots"), ==, 0);
  /* Corrupted datagrams fail their tag and are counted. */
  wait_stats (&f, 1, 1);
  fixture_clear (&f);
}

/* The target takes Continue2 and runs, but its ACK is lost: no datagram
 * answers the retransmissions. The host takes it as running and says so;
 * a break-in stops it, and the next Continue2 is acknowledged. */
static void
test_continue_ack_lost (void)
{
  Fixture f;
  const gchar *const args[] = { "--lose-continue-acks=1", NULL };
  const gchar *notice = "The target did not acknowledge Continue2";

  fixture_init (&f, KEY);
  start_and_attach (&f, args);
  go (&f);
  g_assert_nonnull (strstr (f.t.output->str, notice));
  break_in (&f);
  read_mib (&f);
  go (&f);
  g_assert_true (strstr (f.t.output->str, notice) == g_strrstr (f.t.output->str, notice));
  break_in (&f);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

static gboolean
reason_says (gpointer data)
{
  Fixture *f = data;

  return f->t.state == KDH_CONN_WAITING && strstr (last_reason (f), "do not match the key");
}

/* A target with another key: the connection says so, and keeps waiting. */
static void
test_wrong_key (void)
{
  Fixture f;
  gint64 start;

  fixture_init (&f, KEY);
  f.attach_token = kdh_engine_attach (f.t.engine, f.connection);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_WAITING, 30);
  start = g_get_monotonic_time ();
  start_sim (&f, OTHER_KEY, NULL);
  kdh_test_run_until (reason_says, &f, 15, "the wrong key to be reported");
  g_assert_true (g_str_has_prefix (last_reason (&f), "KDNET datagrams from 127.0.0.1:"));
  g_assert_nonnull (strstr (last_reason (&f), "that machine was set up with another key"));
  g_assert_nonnull (strstr (f.t.output->str, "do not match the key " KEY));
  /* Two pokes, a second apart: well inside the bound. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
  g_assert_cmpuint (sim_counter_now (&f, "packets_received"), ==, 0);
  fixture_clear (&f);
}

static gboolean
saw_reboot (gpointer data)
{
  Fixture *f = data;

  return strstr (f->t.output->str, "The target rebooted: it started a new KDNET session.") != NULL;
}

static gboolean
reboot_counted (gpointer data)
{
  return ((Fixture *) data)->t.stats.target_reboots >= 1;
}

/* --reboot-after: the target reboots, pokes as a fresh machine, and the
 * host renegotiates and attaches again; the monitor counts the reboot. */
static void
test_reboot (void)
{
  Fixture f;
  const gchar *const args[] = { "--reboot-after=60", NULL };
  g_autofree gchar *out = NULL;
  guint reads = 0;
  gsize mark;

  fixture_init (&f, KEY);
  start_and_attach (&f, args);
  mark = f.t.output->len;
  while (!saw_reboot (&f) && f.t.state == KDH_CONN_BREAK)
    {
      g_free (kdh_test_engine_run (&f.t, "dq fffff800`00400000 L1", TRUE));
      g_assert_cmpuint (++reads, <=, 60);
    }
  kdh_test_run_until (saw_reboot, &f, 30, "the reboot to be reported");
  kdh_test_engine_wait_state (&f.t, KDH_CONN_RUNNING, 30);
  g_assert_nonnull (strstr (f.t.output->str + mark,
                            "KDNET target 127.0.0.1:"));
  g_assert_nonnull (strstr (f.t.output->str + mark, "started a new session: it rebooted"));
  g_assert_nonnull (strstr (f.t.output->str + mark,
                            "Module loaded: \\SystemRoot\\system32\\ntoskrnl.exe"));
  g_assert_nonnull (strstr (f.t.output->str + mark, "Kernel Debugger connection established.\n"));
  g_assert_cmpuint (sim_counter_now (&f, "reboots"), ==, 1);
  kdh_test_run_until (reboot_counted, &f, 30, "the reboot in the link counters");
  break_in (&f);
  /* Less than the next reboot's worth of packets. */
  out = kdh_test_engine_run (&f.t, "dq fffff800`00400ff8 L1000", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, 0x1000);
  fixture_clear (&f);
}

/* A flood of forged datagrams at the host's port: junk, "MDBG" with
 * random bodies, data datagrams under no key, a poke under another key,
 * and authentic pokes from another port of the same machine (which get
 * an answer that nobody takes up). The session carries on untouched and
 * everything refused is counted. */
static void
test_forged_flood (void)
{
  Fixture f;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (15);
  guint8 key[KDH_KDNET_KEY_SIZE], other[KDH_KDNET_KEY_SIZE], hmac[KDH_KDNET_KEY_SIZE];
  guint64 dropped_before;
  guint sent = 0, to_drop = 0;

  fixture_init (&f, KEY);
  start_and_attach (&f, NULL);
  read_mib (&f);
  wait_stats (&f, 1, 0);
  /* A clean session so far: nothing dropped, whatever the counters'
   * lag. */
  dropped_before = f.t.stats.datagrams_dropped;
  g_assert_cmpuint (dropped_before, ==, 0);

  g_assert_true (kdh_kdnet_key_parse (KEY, key, NULL));
  g_assert_true (kdh_kdnet_key_parse (OTHER_KEY, other, NULL));
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         NULL);
  g_assert_nonnull (socket);
  to = g_inet_socket_address_new (loopback, f.port);
  for (guint i = 0; i < 5000; i++)
    {
      g_autoptr (GByteArray) d = g_byte_array_new ();
      guint kind = i % 5;

      if (kind == 3 || kind == 4)
        {
          g_autoptr (GByteArray) body = g_byte_array_new ();
          KdhKdnetPoke poke = { { 0 }, 0 };
          const guint8 *k = kind == 3 ? other : key;

          poke.client_key[0] = (guint8) i;
          kdh_kdnet_poke_build (body, &poke);
          kdh_kdnet_hmac_key (k, hmac);
          kdh_kdnet_seal (d, 2, KDH_KDNET_CHANNEL_CONTROL, i, FALSE, body->data, body->len, k,
                          hmac);
        }
      else
        {
          guint len = kind == 0 ? (guint) g_rand_int_range (rand, 1, 300)
                                : 38 + 16 * (guint) g_rand_int_range (rand, 0, 20);

          g_byte_array_set_size (d, len);
          for (guint j = 0; j < len; j++)
            d->data[j] = (guint8) g_rand_int_range (rand, 0, 256);
          if (kind != 0)
            memcpy (d->data, kind == 1 ? "MDBG\x02\x01" : "MDBG\x02\x00", 6);
        }
      if (g_socket_send_to (socket, to, (const gchar *) d->data, d->len, NULL, NULL) > 0)
        sent++;
      if (kind != 4)
        to_drop++;
      /* Not faster than the host reads: the socket's buffer would drop
       * them before anyone could count them. Everything but the
       * authentic pokes is dropped and counted, and the counters come
       * within a quarter of a second even with no packet for the link. */
      if (i % 100 == 99)
        wait_stats (&f, 1, dropped_before + to_drop);
    }
  g_assert_cmpuint (sent, ==, 5000);
  g_assert_cmpuint (to_drop, ==, 4000);
  wait_stats (&f, 1, dropped_before + 4000);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  read_mib (&f);
  go (&f);
  break_in (&f);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/kdnet/session", test_session);
  g_test_add_func ("/engine/kdnet/dbgprint", test_dbgprint);
  g_test_add_func ("/engine/kdnet/faults-resync-restart", test_faults_resync_restart);
  g_test_add_func ("/engine/kdnet/continue-ack-lost", test_continue_ack_lost);
  g_test_add_func ("/engine/kdnet/wrong-key", test_wrong_key);
  g_test_add_func ("/engine/kdnet/reboot", test_reboot);
  g_test_add_func ("/engine/kdnet/forged-flood", test_forged_flood);
  return g_test_run ();
}
