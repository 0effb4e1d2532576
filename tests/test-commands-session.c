/* test-commands-session.c: .logopen, .logappend, .logclose, .echotime, version
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The log must hold exactly what the front ends were sent while it was
 * open (every output event the test received, in order), commands and
 * errors included, and nothing after .logclose.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "kdh-test-engine.h"

/* The text of the output events from the one holding @first through the
 * one holding @last. */
static gchar *
events_between (KdhTestEngine *t,
                const gchar   *first,
                const gchar   *last)
{
  GString *text = g_string_new (NULL);
  gboolean in = FALSE;

  for (guint i = 0; i < t->chunks->len; i++)
    {
      g_auto (GStrv) parts = g_strsplit (t->chunks->pdata[i], "|", 3);

      if (!in && strstr (parts[2], first))
        in = TRUE;
      if (in)
        g_string_append (text, parts[2]);
      if (in && strstr (parts[2], last))
        break;
    }
  g_assert_true (in);
  return g_string_free (text, FALSE);
}

static void
test_log (void)
{
  KdhTestEngine t;
  g_autofree gchar *dir = g_dir_make_tmp ("kdh-log-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "kd session.log", NULL);
  g_autofree gchar *open = NULL, *db = NULL, *bad = NULL, *close = NULL, *after = NULL;
  g_autofree gchar *log = NULL, *sent = NULL, *again = NULL, *log2 = NULL, *none = NULL;
  g_autofree gchar *cmd = NULL, *append = NULL, *close2 = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  cmd = g_strdup_printf (".logopen \"%s\"", path);
  open = kdh_test_engine_run (&t, cmd, FALSE);
  g_assert_nonnull (strstr (open, "Opened log file '"));
  db = kdh_test_engine_run (&t, "db nt L20", FALSE);
  bad = kdh_test_engine_run (&t, "db nosuch!symbol", TRUE);
  close = kdh_test_engine_run (&t, ".logclose", FALSE);
  after = kdh_test_engine_run (&t, "? 1234", FALSE);

  g_assert_true (g_file_get_contents (path, &log, NULL, NULL));
  sent = events_between (&t, "Opened log file", "Closing open log file");
  g_assert_cmpstr (log, ==, sent);
  /* The commands, their output and the error are there; what came after
   * .logclose is not. */
  g_assert_nonnull (strstr (log, "0: kd> db nt L20\n"));
  g_assert_nonnull (strstr (log, db));
  g_assert_nonnull (strstr (log, bad));
  g_assert_null (strstr (log, "1234"));

  /* .logappend keeps what is there. */
  g_free (cmd);
  cmd = g_strdup_printf (".logappend \"%s\"", path);
  append = kdh_test_engine_run (&t, cmd, FALSE);
  again = kdh_test_engine_run (&t, "? 5678", FALSE);
  close2 = kdh_test_engine_run (&t, ".logclose", FALSE);
  g_assert_true (g_file_get_contents (path, &log2, NULL, NULL));
  g_assert_true (g_str_has_prefix (log2, log));
  g_assert_nonnull (strstr (log2 + strlen (log), "0: kd> ? 5678\n"));
  none = kdh_test_engine_run (&t, ".logclose", FALSE);
  g_assert_cmpstr (none, ==, "No log file open\n");
  g_remove (path);
  g_rmdir (dir);
  kdh_test_engine_clear (&t);
}

/* /t puts the process id and the time in the name. */
static void
test_log_stamped (void)
{
  KdhTestEngine t;
  g_autofree gchar *dir = g_dir_make_tmp ("kdh-log-XXXXXX", NULL);
  g_autofree gchar *cmd = g_strdup_printf (".logopen /t %s/kd.log", dir);
  g_autofree gchar *open = NULL, *close = NULL, *prefix = NULL;
  g_autoptr (GDir) listing = NULL;
  const gchar *name;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  open = kdh_test_engine_run (&t, cmd, FALSE);
  close = kdh_test_engine_run (&t, ".logclose", FALSE);
  listing = g_dir_open (dir, 0, NULL);
  name = g_dir_read_name (listing);
  g_assert_nonnull (name);
  prefix = g_strdup_printf ("kd_%04x_", (guint) getpid ());
  g_assert_true (g_str_has_prefix (name, prefix));
  g_assert_true (g_str_has_suffix (name, ".log"));
  g_assert_true (g_regex_match_simple ("^kd_[0-9a-f]+_\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d-\\d{3}"
                                       "\\.log$", name, 0, 0));
  g_assert_null (g_dir_read_name (listing));
  {
    g_autofree gchar *full = g_build_filename (dir, name, NULL);

    g_remove (full);
  }
  g_rmdir (dir);
  kdh_test_engine_clear (&t);
}

static void
test_log_errors (void)
{
  KdhTestEngine t;
  g_autofree gchar *missing = NULL, *option = NULL, *none = NULL, *remote = NULL, *bare = NULL;
  guint token;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  missing = kdh_test_engine_run (&t, ".logopen /nonexistent-dir/kd.log", TRUE);
  g_assert_nonnull (strstr (missing, "Cannot open log file '/nonexistent-dir/kd.log'"));
  option = kdh_test_engine_run (&t, ".logopen /u kd.log", TRUE);
  g_assert_nonnull (strstr (option, ".logopen option '/u' is not supported"));
  bare = kdh_test_engine_run (&t, ".logopen", TRUE);
  g_assert_nonnull (strstr (bare, ".logopen needs a file name"));
  none = kdh_test_engine_run (&t, ".logclose", FALSE);
  g_assert_cmpstr (none, ==, "No log file open\n");
  /* A debugging client may not name files on the server's machine. */
  {
    gsize start = t.output->len;

    token = kdh_engine_execute (t.engine, ".logopen /tmp/kdh-remote.log", "client");
    g_assert_false (kdh_test_engine_wait_token (&t, token, 60));
    remote = g_strdup (t.output->str + start);
  }
  g_assert_nonnull (strstr (remote, "a remote client may not use it"));
  g_assert_false (g_file_test ("/tmp/kdh-remote.log", G_FILE_TEST_EXISTS));
  kdh_test_engine_clear (&t);
}

static void
test_echotime_version (void)
{
  KdhTestEngine t;
  g_autofree gchar *time = NULL, *version = NULL, *before = NULL, *bad = NULL;

  kdh_test_engine_init (&t);
  before = kdh_test_engine_run (&t, "version", FALSE);
  g_assert_nonnull (strstr (before, "No target"));
  g_assert_nonnull (strstr (before, "kdhost " KDH_VERSION));
  kdh_test_engine_attach (&t, "sim:");
  time = kdh_test_engine_run (&t, ".echotime", FALSE);
  g_assert_true (g_regex_match_simple ("^Debugger \\(not debuggee\\) time: \\w{3} \\w{3} [ \\d]\\d "
                                       "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\d{4} \\(UTC [+-] \\d+:\\d\\d\\)\n$",
                                       time, 0, 0));
  version = kdh_test_engine_run (&t, "version", FALSE);
  /* The target's version as vertarget shows it, then the debugger's. */
  g_assert_true (g_str_has_prefix (version, "Windows 10 Kernel Version 19041 MP (2 procs)"));
  g_assert_nonnull (strstr (version, "Kernel base = 0xfffff800`02000000"));
  g_assert_nonnull (strstr (version, "kdhost " KDH_VERSION));
  g_assert_nonnull (strstr (version, "Capstone "));
  bad = kdh_test_engine_run (&t, "version x", TRUE);
  g_assert_nonnull (strstr (bad, "version takes no arguments"));
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/commands/session/log", test_log);
  g_test_add_func ("/commands/session/log-stamped", test_log_stamped);
  g_test_add_func ("/commands/session/log-errors", test_log_errors);
  g_test_add_func ("/commands/session/echotime-version", test_echotime_version);
  return g_test_run ();
}
