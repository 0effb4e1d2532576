/* test-symbol-server.c: symbol servers over HTTP, against a loopback server
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test serves the guest images' PDBs in symsrv's layout with a
 * libsoup server on its own main context (which the test runs while it
 * waits for the engine). The engine on `sim:` downloads into a fresh
 * cache with progress lines, then uses the cache with the server gone; a
 * 404 or an unreachable server moves on to the next element; a name.pd_
 * (a CAB the test makes with libgcab) is expanded; a server that stalls is
 * cancelled by Ctrl+C and the module keeps its exports.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "kdh-test-engine.h"
#include "kdh-test-symsrv.h"

static void
assert_same_file (const gchar *path,
                  const gchar *pdb)
{
  g_autofree gchar *want = NULL, *got = NULL;
  gsize want_len, got_len;

  want = kdh_test_symsrv_guest_file (pdb, &want_len);
  g_assert_true (g_file_get_contents (path, &got, &got_len, NULL));
  g_assert_cmpmem (got, got_len, want, want_len);
}

static gchar *
run (KdhTestEngine *t,
     gboolean       may_fail,
     const gchar   *format,
     ...) G_GNUC_PRINTF (3, 4);

static gchar *
run (KdhTestEngine *t,
     gboolean       may_fail,
     const gchar   *format,
     ...)
{
  va_list ap;
  g_autofree gchar *line = NULL;

  va_start (ap, format);
  line = g_strdup_vprintf (format, ap);
  va_end (ap);
  return kdh_test_engine_run (t, line, may_fail);
}

/* The first .reload downloads into a fresh cache, with progress; the
 * second finds the file there with the server gone. */
static void
test_download_then_cache (void)
{
  KdhTestEngine t;
  Server s = { 0 };
  g_autofree gchar *root = NULL, *cache = NULL, *cached = NULL, *key = kdh_test_symsrv_store_key ("ntoskrnl.pdb");
  g_autofree gchar *first = NULL, *second = NULL, *lm = NULL, *x = NULL, *progress = NULL;
  g_autofree gchar *want = NULL;
  gsize len;

  kdh_test_engine_init (&t);
  root = g_build_filename (t.tmpdir, "www", NULL);
  cache = g_build_filename (t.tmpdir, "cache", NULL);
  kdh_test_symsrv_publish (root, "ntoskrnl.pdb", FALSE);
  g_free (kdh_test_symsrv_guest_file ("ntoskrnl.pdb", &len));
  kdh_test_symsrv_start (&s, root);
  kdh_test_engine_attach (&t, "sim:");

  g_free (run (&t, FALSE, ".sympath srv*%s*%s", cache, s.url));
  first = kdh_test_engine_run (&t, ".reload /f nt", FALSE);
  progress = g_strdup_printf ("SYMSRV:  %s/ntoskrnl.pdb/%s/ntoskrnl.pdb: %" G_GSIZE_FORMAT " of %"
                              G_GSIZE_FORMAT " bytes\n", s.url, key, len, len);
  g_assert_nonnull (strstr (first, progress));
  g_assert_null (strstr (first, "ERROR"));
  cached = g_build_filename (cache, "ntoskrnl.pdb", key, "ntoskrnl.pdb", NULL);
  assert_same_file (cached, "ntoskrnl.pdb");
  g_assert_true (kdh_test_symsrv_requested (&s, "GET /ntoskrnl.pdb/%s/ntoskrnl.pdb -> 200", key));
  want = g_strdup_printf ("   nt         (pdb symbols)          %s\n", cached);
  lm = kdh_test_engine_run (&t, "lm m nt", FALSE);
  g_assert_nonnull (strstr (lm, want));

  kdh_test_symsrv_stop (&s);
  second = kdh_test_engine_run (&t, ".reload /f nt", FALSE);
  g_assert_null (strstr (second, "SYMSRV"));
  g_assert_null (strstr (second, "ERROR"));
  g_free (lm);
  lm = kdh_test_engine_run (&t, "lm m nt", FALSE);
  g_assert_nonnull (strstr (lm, want));
  x = kdh_test_engine_run (&t, "x nt!KiIdleLoop", FALSE);
  g_assert_nonnull (strstr (x, " nt!KiIdleLoop ("));
  kdh_test_engine_clear (&t);
}

/* A 404 (for the file and its compressed form) and a server that refuses
 * connections each move on to the next element; a name.pd_ is expanded. */
static void
test_next_element_and_compressed (void)
{
  KdhTestEngine t;
  Server s = { 0 };
  g_autofree gchar *root = NULL, *cache = NULL, *key = kdh_test_symsrv_store_key ("kdhtest.pdb");
  g_autofree gchar *out = NULL, *lm = NULL, *cached = NULL, *want = NULL;
  g_autoptr (GSocketListener) closed = g_socket_listener_new ();
  guint16 dead_port;

  /* A port that was just free: nothing listens there. */
  dead_port = g_socket_listener_add_any_inet_port (closed, NULL, NULL);
  g_socket_listener_close (closed);

  kdh_test_engine_init (&t);
  root = g_build_filename (t.tmpdir, "www", NULL);
  cache = g_build_filename (t.tmpdir, "cache", NULL);
  {
    g_autofree gchar *packed = g_build_filename (root, "packed", NULL);

    kdh_test_symsrv_publish (packed, "kdhtest.pdb", TRUE);
  }
  kdh_test_symsrv_start (&s, root);
  kdh_test_engine_attach (&t, "sim:");
  g_free (run (&t, FALSE, ".sympath srv*%s*%s/empty;srv*%s*http://127.0.0.1:%u;srv*%s*%s/packed",
               cache, s.url, cache, dead_port, cache, s.url));
  out = kdh_test_engine_run (&t, ".reload /f kdhtest", FALSE);
  g_assert_true (kdh_test_symsrv_requested (&s, "GET /empty/kdhtest.pdb/%s/kdhtest.pdb -> 404", key));
  g_assert_true (kdh_test_symsrv_requested (&s, "GET /empty/kdhtest.pdb/%s/kdhtest.pd_ -> 404", key));
  g_assert_true (kdh_test_symsrv_requested (&s, "GET /packed/kdhtest.pdb/%s/kdhtest.pdb -> 404", key));
  g_assert_true (kdh_test_symsrv_requested (&s, "GET /packed/kdhtest.pdb/%s/kdhtest.pd_ -> 200", key));
  /* The refused connection is reported, and is not the end. */
  {
    g_autofree gchar *refused = g_strdup_printf ("*** WARNING: http://127.0.0.1:%u/", dead_port);

    g_assert_nonnull (strstr (out, refused));
  }
  cached = g_build_filename (cache, "kdhtest.pdb", key, "kdhtest.pdb", NULL);
  assert_same_file (cached, "kdhtest.pdb");
  want = g_strdup_printf ("   kdhtest    (pdb symbols)          %s\n", cached);
  lm = kdh_test_engine_run (&t, "lm m kdhtest", FALSE);
  g_assert_nonnull (strstr (lm, want));
  kdh_test_symsrv_stop (&s);
  kdh_test_engine_clear (&t);
}

typedef struct {
  Server *server;
  KdhTestEngine *t;
  guint token;
} Stall;

static gboolean
stalled (gpointer data)
{
  return ((Stall *) data)->server->stalled->len > 0;
}

/* A server that takes the request and never answers: Ctrl+C ends the
 * download, the command ends, and the module keeps its exports. */
static void
test_stall_cancelled (void)
{
  KdhTestEngine t;
  Server s = { 0 };
  g_autofree gchar *root = NULL, *cache = NULL, *lm = NULL, *eval = NULL;
  Stall st = { &s, &t, 0 };
  gsize start;

  kdh_test_engine_init (&t);
  root = g_build_filename (t.tmpdir, "www", NULL);
  cache = g_build_filename (t.tmpdir, "cache", NULL);
  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  kdh_test_symsrv_start (&s, root);
  kdh_test_engine_attach (&t, "sim:");
  g_free (run (&t, FALSE, ".sympath srv*%s*%s/stall", cache, s.url));
  start = t.output->len;
  st.token = kdh_engine_execute (t.engine, ".reload /f hal", NULL);
  kdh_test_run_until (stalled, &st, 60, "the download to reach the server");
  kdh_engine_break (t.engine);
  g_assert_true (kdh_test_engine_wait_token (&t, st.token, 60));
  g_assert_nonnull (strstr (t.output->str + start, ": cancelled\n"));
  /* Nothing more was asked of the server after Ctrl+C. */
  g_assert_cmpuint (s.requests->len, ==, 1);
  g_assert_nonnull (strstr (t.output->str + start, "Defaulted to export symbols for hal.dll"));
  lm = kdh_test_engine_run (&t, "lm m hal", FALSE);
  g_assert_nonnull (strstr (lm, "   hal        (export symbols)       hal.dll\n"));
  /* The target is still there to talk to (a bare name would load the
   * other modules' symbols, from the stalling server). */
  eval = kdh_test_engine_run (&t, "db fffff800`01c00000 L2", FALSE);
  g_assert_nonnull (strstr (eval, "fffff800`01c00000  4d 5a"));
  kdh_test_symsrv_stop (&s);
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *cache = g_dir_make_tmp ("kdh-symbols-XXXXXX", NULL);

  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_unsetenv ("_NT_SYMBOL_PATH");
  /* A proxy from the environment would take the loopback requests. */
  g_unsetenv ("http_proxy");
  g_unsetenv ("HTTP_PROXY");
  g_setenv ("no_proxy", "127.0.0.1,localhost", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/symbol-server/download-then-cache", test_download_then_cache);
  g_test_add_func ("/symbol-server/next-element-and-compressed", test_next_element_and_compressed);
  g_test_add_func ("/symbol-server/stall-cancelled", test_stall_cancelled);
  return g_test_run ();
}
