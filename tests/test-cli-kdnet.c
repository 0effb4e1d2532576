/* test-cli-kdnet.c: kdhost-cli and KDNET
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * --kdnet-key (a fresh key every time, the bcdedit line for the target,
 * the -k string for here), and a script over -k net: against a kdhost-sim
 * that pokes it.
 */
#include <string.h>

#include "kd/kdh-kdnet.h"
#include "transport/kdh-connection-string.h"
#include "kdh-test-net.h"
#include "kdh-test-proc.h"

/* The key --kdnet-key printed: the line after its heading. */
static gchar *
run_kdnet_key (const gchar *port_arg,
               guint16      port)
{
  g_autoptr (KdhTestProc) cli = NULL;
  g_autofree gchar *bcdedit = NULL, *minus_k = NULL, *k_line = NULL;
  g_autoptr (KdhConnectionString) cs = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *text, *start;
  gchar *key;
  guint8 control[KDH_KDNET_KEY_SIZE];

  if (port_arg)
    cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "--kdnet-key", "-k", port_arg, NULL);
  else
    cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "--kdnet-key", NULL);
  if (cli == NULL)
    return NULL;
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
  text = cli->text->str;
  start = strstr (text, "can debug the target):\n  ");
  g_assert_nonnull (start);
  start += strlen ("can debug the target):\n  ");
  key = g_strndup (start, strcspn (start, "\n"));
  g_assert_true (kdh_kdnet_key_parse (key, control, &error));
  g_assert_no_error (error);

  g_assert_nonnull (strstr (text, "  bcdedit /debug on\n"));
  bcdedit = g_strdup_printf (" port:%u key:%s\n", port, key);
  g_assert_nonnull (strstr (text, "  bcdedit /dbgsettings net hostip:"));
  g_assert_nonnull (strstr (text, bcdedit));
  minus_k = g_strdup_printf ("net:port=%u,key=%s", port, key);
  k_line = g_strdup_printf ("  kdhost-cli -k %s\n", minus_k);
  g_assert_nonnull (strstr (text, k_line));
  cs = kdh_connection_string_parse (minus_k, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs->kind, ==, KDH_TRANSPORT_NET);
  return key;
}

static void
test_kdnet_key (void)
{
  g_autofree gchar *a = run_kdnet_key (NULL, 50000);
  g_autofree gchar *b = NULL;
  g_autofree gchar *c = NULL;

  if (a == NULL)
    return;
  b = run_kdnet_key (NULL, 50000);
  g_assert_cmpstr (a, !=, b);
  c = run_kdnet_key ("net:port=50123,key=1.2.3.4", 50123);
  g_assert_cmpstr (c, !=, "1.2.3.4");
}

static void
test_kdnet_key_refuses (void)
{
  g_autoptr (KdhTestProc) cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "--kdnet-key",
                                                           "-k", "sim:", NULL);

  if (cli == NULL)
    return;
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 2);
  g_assert_nonnull (strstr (cli->text->str,
                            "--kdnet-key takes its port from a net: connection string"));
}

/* A script over KDNET, as in a terminal session. */
static void
test_script (void)
{
  guint16 port = kdh_test_free_udp_port ();
  g_autofree gchar *connection = g_strdup_printf ("net:port=%u,key=1.2.3.4", port);
  g_autofree gchar *kdnet = g_strdup_printf ("--kdnet=127.0.0.1:%u,key=1.2.3.4", port);
  g_autofree gchar *waiting = g_strdup_printf ("waiting for a KDNET target on UDP port %u\n",
                                               port);
  g_autofree gchar *described = g_strdup_printf ("Kernel connection: net :%u (Break)\n", port);
  g_autoptr (KdhTestProc) cli = NULL;
  g_autoptr (KdhTestProc) sim = NULL;

  cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", connection, "-c", "vertarget", NULL);
  if (cli == NULL)
    return;
  kdh_test_proc_expect (cli, waiting);
  sim = kdh_test_proc_spawn_piped ("sim", "kdhost-sim", kdnet, "--quiet", NULL);
  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_expect (cli, "0: kd> vertarget\n");
  kdh_test_proc_expect (cli, described);
  kdh_test_proc_send (cli, "db nt L10\n");
  /* nt's image starts with its DOS header, MZ. */
  kdh_test_proc_expect (cli, "fffff800`02000000  4d 5a ");
  kdh_test_proc_send (cli, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

/* A KDNET session shared with -server: a -remote client reads the
 * target's memory through it and resynchronizes the KDNET link. */
static void
test_shared (void)
{
  guint16 port = kdh_test_free_udp_port ();
  guint16 server_port = kdh_test_free_port ();
  g_autofree gchar *connection = g_strdup_printf ("net:port=%u,key=1.2.3.4", port);
  g_autofree gchar *kdnet = g_strdup_printf ("--kdnet=127.0.0.1:%u,key=1.2.3.4", port);
  g_autofree gchar *server = g_strdup_printf ("tcp:port=%u,bind=127.0.0.1", server_port);
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", server_port);
  g_autoptr (KdhTestProc) cli = NULL;
  g_autoptr (KdhTestProc) sim = NULL;
  g_autoptr (KdhTestProc) client = NULL;

  cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", connection, "-server", server,
                                   NULL);
  if (cli == NULL)
    return;
  sim = kdh_test_proc_spawn_piped ("sim", "kdhost-sim", kdnet, "--quiet", NULL);
  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_expect (cli, "nt!DbgBreakPointWithStatus:\n");

  client = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-remote", remote, NULL);
  kdh_test_proc_expect (client, "Connected to the debugging server");
  kdh_test_proc_send (client, "db nt L10\n");
  kdh_test_proc_expect (client, "fffff800`02000000  4d 5a ");
  /* Ran on the server's session: its owner sees it too. */
  kdh_test_proc_expect (cli, "fffff800`02000000  4d 5a ");

  /* The client's Ctrl+R Enter: a resync of the KDNET link, for both. */
  kdh_test_proc_send (client, "\x12\n");
  kdh_test_proc_expect (cli, "resynchronized");
  kdh_test_proc_expect (client, "resynchronized");
  kdh_test_proc_send (client, "db nt L10\n");
  kdh_test_proc_expect (client, "fffff800`02000000  4d 5a ");

  kdh_test_proc_send (client, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (client), ==, 0);
  kdh_test_proc_send (cli, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

/* target= by name (localhost: ::1 and 127.0.0.1 both) and bind=. */
static void
test_target_and_bind (void)
{
  guint16 port = kdh_test_free_udp_port ();
  g_autofree gchar *connection = g_strdup_printf ("net:port=%u,key=1.2.3.4,target=localhost,"
                                                  "bind=127.0.0.1", port);
  g_autofree gchar *kdnet = g_strdup_printf ("--kdnet=127.0.0.1:%u,key=1.2.3.4", port);
  g_autofree gchar *described = g_strdup_printf ("Kernel connection: net 127.0.0.1:%u target "
                                                 "localhost (Break)\n", port);
  g_autoptr (KdhTestProc) cli = NULL;
  g_autoptr (KdhTestProc) sim = NULL;

  cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", connection, "-c", "vertarget", NULL);
  if (cli == NULL)
    return;
  kdh_test_proc_expect (cli, "waiting for KDNET target localhost on UDP port ");
  sim = kdh_test_proc_spawn_piped ("sim", "kdhost-sim", kdnet, "--quiet", NULL);
  kdh_test_proc_expect (cli, "Kernel Debugger connection established.\n");
  kdh_test_proc_expect (cli, described);
  kdh_test_proc_send (cli, "q\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 0);
}

/* A port somebody else has: said in one line, naming the port. */
static void
test_port_taken (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree gchar *connection = NULL, *expected = NULL;
  g_autoptr (KdhTestProc) cli = NULL;
  guint16 port;

  g_assert_true (g_socket_bind (socket, any_port, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  connection = g_strdup_printf ("net:port=%u,key=1.2.3.4,bind=127.0.0.1", port);
  expected = g_strdup_printf ("cannot listen on UDP 127.0.0.1 port %u: Address already in use\n",
                              port);
  cli = kdh_test_proc_spawn_piped ("cli", "kdhost-cli", "-k", connection, "-c", "q", NULL);
  if (cli == NULL)
    return;
  kdh_test_proc_expect (cli, expected);
  g_assert_cmpint (kdh_test_proc_wait_exit (cli), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/kdnet/key", test_kdnet_key);
  g_test_add_func ("/cli/kdnet/key-refuses", test_kdnet_key_refuses);
  g_test_add_func ("/cli/kdnet/script", test_script);
  g_test_add_func ("/cli/kdnet/shared", test_shared);
  g_test_add_func ("/cli/kdnet/target-and-bind", test_target_and_bind);
  g_test_add_func ("/cli/kdnet/port-taken", test_port_taken);
  return g_test_run ();
}
