/* test-remote-commands.c: disassembly and memory commands through a debugging client
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A debugging server on the simulated target and a client (-remote) in
 * the same process: each command gives the client exactly the output it
 * gives the server's own user, and what names a file on the server's
 * machine is refused to the client.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-test-net.h"

#define WAIT_S 60

static gboolean
is_ready (gpointer data)
{
  return ((KdhTestEngine *) data)->ready;
}

static gboolean
server_saw_client (gpointer data)
{
  KdhTestEngine *t = data;

  return strstr (t->output->str, "from the client\n") != NULL;
}

static void
test_same_output (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *listen = g_strdup_printf (".server tcp:port=%u,bind=127.0.0.1", port);
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *started = NULL;
  static const gchar *const commands[] = {
    "u kdhtest!KdhTestTick",
    "",                                  /* Enter: u goes on */
    "ub kdhtest!KdhTestTick+0x25 L3",
    "uf kdhtest!KdhTestTick",
    "eb fffff800`00400100 11 22 33",
    "db fffff800`00400100 L10",
    "s -b fffff800`00400000 L1000 11 22 33",
    "dps fffff800`00400100 L2",
    "!dd 400100 L4",
    "!pcr 1",
    ".frame 1",
    "? @rsp",                            /* frame 1's */
    ".frame 0",
    "kp L3",
    "u nosuch!thing",
  };
  g_autoptr (GPtrArray) theirs = g_ptr_array_new_with_free_func (g_free);
  guint token;

  kdh_test_engine_init (&server);
  kdh_test_engine_attach (&server, "sim:");
  kdh_test_engine_wait_state (&server, KDH_CONN_BREAK, WAIT_S);
  started = kdh_test_engine_run (&server, listen, FALSE);
  kdh_test_engine_init (&client);
  token = kdh_engine_connect_remote (client.engine, remote);
  g_assert_true (kdh_test_engine_wait_token (&client, token, WAIT_S));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, WAIT_S);
  kdh_test_run_until (is_ready, &client, WAIT_S, "the client's prompt");

  /* The whole sequence from the client, then from the server's user (an
   * Enter goes on from the u just before it on either). */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_ptr_array_add (theirs, kdh_test_engine_run (&client, commands[i],
                                                  g_str_has_prefix (commands[i], "u nosuch")));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *ours = kdh_test_engine_run (&server, commands[i],
                                                    g_str_has_prefix (commands[i], "u nosuch"));

      g_test_message ("%s:\n%s", commands[i], ours);
      if (!g_str_has_prefix (commands[i], "eb"))
        g_assert_cmpstr (ours, !=, "");
      /* The client may be shown the server's history (its start, our
       * connection, or only the latter when the start came earlier) just
       * before its first command's output. */
      if (i == 0 && (g_str_has_prefix (theirs->pdata[i], "Server started.")
                     || g_str_has_prefix (theirs->pdata[i], "Client ")))
        {
          const gchar *line = strstr (theirs->pdata[i], " connected (");

          g_assert_nonnull (line);
          g_assert_cmpstr (strchr (line, '\n') + 1, ==, ours);
        }
      else
        g_assert_cmpstr (theirs->pdata[i], ==, ours);
    }

  /* Files are on the server's machine: not for a client. */
  {
    g_autofree gchar *refused = kdh_test_engine_run (&client,
                                                     ".writemem /tmp/kdh-client.bin nt L10",
                                                     TRUE);

    g_assert_nonnull (strstr (refused, "a remote client may not use it"));
    g_assert_false (g_file_test ("/tmp/kdh-client.bin", G_FILE_TEST_EXISTS));
  }
  /* The server's log shows who typed a client's command. */
  {
    g_autofree gchar *dir = g_dir_make_tmp ("kdh-server-log-XXXXXX", NULL);
    g_autofree gchar *path = g_build_filename (dir, "server.log", NULL);
    g_autofree gchar *cmd = g_strdup_printf (".logopen %s", path);
    g_autofree gchar *open = kdh_test_engine_run (&server, cmd, FALSE);
    g_autofree gchar *echo = kdh_test_engine_run (&client, ".echo from the client", FALSE);
    g_autofree gchar *close = NULL;
    g_autofree gchar *log = NULL;
    g_autofree gchar *who = g_strdup_printf ("] 0: kd> .echo from the client\nfrom the client\n");

    /* The client's command is done before the server has written its
     * echo: wait for the server to have shown it. */
    kdh_test_run_until (server_saw_client, &server, WAIT_S, "the client's command on the server");
    close = kdh_test_engine_run (&server, ".logclose", FALSE);
    g_assert_true (g_file_get_contents (path, &log, NULL, NULL));
    g_assert_nonnull (strstr (log, who));
    g_assert_nonnull (strstr (log, "\n["));
    g_remove (path);
    g_rmdir (dir);
  }

  /* A client keeps its own log of what it is shown, as KD's clients do. */
  {
    g_autofree gchar *dir = g_dir_make_tmp ("kdh-client-log-XXXXXX", NULL);
    g_autofree gchar *path = g_build_filename (dir, "client.log", NULL);
    g_autofree gchar *cmd = g_strdup_printf (".logopen %s", path);
    g_autofree gchar *open = kdh_test_engine_run (&client, cmd, FALSE);
    g_autofree gchar *db = kdh_test_engine_run (&client, "db fffff800`00400100 L10", FALSE);
    g_autofree gchar *close = kdh_test_engine_run (&client, ".logclose", FALSE);
    g_autofree gchar *log = NULL;

    g_assert_true (g_file_get_contents (path, &log, NULL, NULL));
    g_assert_true (g_str_has_prefix (log, "Opened log file"));
    g_assert_nonnull (strstr (log, "0: kd> db fffff800`00400100 L10\n"));
    /* (The client may also be shown the server user's .logclose.) */
    g_assert_nonnull (strstr (db, "fffff800`00400100  11 22 33 "));
    g_assert_nonnull (strstr (log, "fffff800`00400100  11 22 33 "));
    {
      g_autofree gchar *last = g_strdup_printf ("Closing open log file %s\n", path);

      g_assert_nonnull (strstr (close, last));
      g_assert_true (g_str_has_suffix (log, last));
    }
    g_remove (path);
    g_rmdir (dir);
  }
  kdh_test_engine_clear (&client);
  kdh_test_engine_clear (&server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote/commands/same-output", test_same_output);
  return g_test_run ();
}
