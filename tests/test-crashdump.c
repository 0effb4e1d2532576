/* test-crashdump.c: .dump /f writes a complete dump, -z opens it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the in-process simulated target: a dump written at a stop is
 * checked field by field by an independent reader (tests/crashdump.py,
 * Python's struct, with its own page-table walk), then opened as the
 * target: registers, modules and memory are those of the live target at
 * that stop. A bitmap dump made from it by the Python converter reads the
 * same. Malformed files are refused with what is wrong.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "dump/kdh-dump-write.h"
#include "kdh-test-engine.h"
#include "sim/kdh-sim-kernel.h"

#define PATTERN "fffff800`00400000"

/* ---- The independent reader --------------------------------------------- */

static gchar *
python (const gchar *command,
        const gchar *a,
        const gchar *b,
        const gchar *c)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "crashdump.py", NULL);
  const gchar *argv[] = { "python3", script, command, a, b, c, NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  gint status = 0;
  g_autoptr (GError) error = NULL;

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    g_error ("python3: %s", error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("crashdump.py %s failed: %s", command, err);
  return g_steal_pointer (&out);
}

static GHashTable *
python_header (const gchar *path)
{
  g_autofree gchar *out = python ("header", path, NULL, NULL);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; lines[i]; i++)
    {
      gchar *eq = strchr (lines[i], '=');

      if (eq)
        g_hash_table_insert (h, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  return h;
}

static guint64
field (GHashTable  *h,
       const gchar *key)
{
  const gchar *v = g_hash_table_lookup (h, key);

  if (v == NULL)
    g_error ("the reader gave no %s", key);
  return g_ascii_strtoull (v, NULL, 16);
}

/* "? EXPR" on the engine: the value. */
static guint64
evaluate (KdhTestEngine *t,
          const gchar   *expr)
{
  g_autofree gchar *line = g_strdup_printf ("? %s", expr);
  g_autofree gchar *out = kdh_test_engine_run (t, line, FALSE);
  const gchar *eq = strstr (out, "= ");
  g_autofree gchar *hex = NULL;

  g_assert_nonnull (eq);
  hex = g_strndup (eq + 2, 17);
  memmove (hex + 8, hex + 9, 9);
  return g_ascii_strtoull (hex, NULL, 16);
}

static guint64
evaluatef (KdhTestEngine *t,
           const gchar   *format,
           ...) G_GNUC_PRINTF (2, 3);

static guint64
evaluatef (KdhTestEngine *t,
           const gchar   *format,
           ...)
{
  va_list ap;
  g_autofree gchar *expr = NULL;

  va_start (ap, format);
  expr = g_strdup_vprintf (format, ap);
  va_end (ap);
  return evaluate (t, expr);
}

/* The output of a command, without its echo. */
static gchar *
run (KdhTestEngine *t,
     const gchar   *line)
{
  return kdh_test_engine_run (t, line, FALSE);
}

static void
open_dump (KdhTestEngine *t,
           const gchar   *path)
{
  guint token = kdh_engine_open_dump (t->engine, path);

  g_assert_true (kdh_test_engine_wait_token (t, token, 120));
}

/* What the live target and a dump of it must agree on. */
typedef struct {
  gchar *r, *lm, *dq, *nt, *bugcheck, *stack, *exr, *k, *u;
} Views;

static void
views_take (KdhTestEngine *t,
            Views         *v)
{
  v->r = run (t, "r");
  v->lm = run (t, "lm");
  v->dq = run (t, "dq " PATTERN " L40");
  v->nt = run (t, "db nt L80");
  v->bugcheck = run (t, ".bugcheck");
  v->stack = run (t, "dq @rsp L20");
  v->exr = run (t, ".exr -1");
  v->k = run (t, "kn");
  v->u = run (t, "u @rip L8");
}

static void
views_clear (Views *v)
{
  g_free (v->r);
  g_free (v->lm);
  g_free (v->dq);
  g_free (v->nt);
  g_free (v->bugcheck);
  g_free (v->stack);
  g_free (v->exr);
  g_free (v->k);
  g_free (v->u);
}

static void
views_assert_equal (const Views *a,
                    const Views *b)
{
  g_assert_cmpstr (a->r, ==, b->r);
  g_assert_cmpstr (a->lm, ==, b->lm);
  g_assert_cmpstr (a->dq, ==, b->dq);
  g_assert_cmpstr (a->nt, ==, b->nt);
  g_assert_cmpstr (a->bugcheck, ==, b->bugcheck);
  g_assert_cmpstr (a->stack, ==, b->stack);
  g_assert_cmpstr (a->exr, ==, b->exr);
  g_assert_cmpstr (a->k, ==, b->k);
  g_assert_cmpstr (a->u, ==, b->u);
}

/* The line of @text that starts with @prefix. */
static gchar *
line_of (const gchar *text,
         const gchar *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  g_error ("no line '%s...' in '%s'", prefix, text);
}

static void
assert_same_line (const gchar *a,
                  const gchar *b,
                  const gchar *prefix)
{
  g_autofree gchar *la = line_of (a, prefix), *lb = line_of (b, prefix);

  g_assert_cmpstr (la, ==, lb);
}

static void
assert_refused (KdhTestEngine *t,
                const gchar   *line,
                const gchar   *why)
{
  g_autofree gchar *out = kdh_test_engine_run (t, line, TRUE);

  if (strstr (out, why) == NULL)
    g_error ("'%s' on a dump said '%s', not '%s'", line, out, why);
}

/* ---- Tests -------------------------------------------------------------- */

static void
test_full_dump (void)
{
  KdhTestEngine t;
  Views live = { 0 }, dump = { 0 }, again = { 0 }, bitmap = { 0 };
  g_autofree gchar *path = NULL, *bitmap_path = NULL, *out = NULL, *pattern = NULL, *line = NULL;
  g_autofree gchar *live_vt = NULL, *dump_vt = NULL;
  g_autofree gchar *live_r1 = NULL, *live_k1 = NULL, *dump_r1 = NULL, *dump_k1 = NULL;
  g_autoptr (GHashTable) h = NULL;
  guint64 block, n_runs, pages = 0, rip, rsp;
  const gchar *transport;

  kdh_test_engine_init (&t);
  path = g_build_filename (t.tmpdir, "full.dmp", NULL);
  bitmap_path = g_build_filename (t.tmpdir, "bitmap.dmp", NULL);
  kdh_test_engine_attach (&t, "sim:");
  views_take (&t, &live);
  live_vt = run (&t, "vertarget");
  g_assert_nonnull (strstr (live.bugcheck, "Bugcheck code 00000000"));
  g_assert_nonnull (strstr (live.exr, "ExceptionCode: 80000003 (Break instruction exception)"));
  rip = evaluate (&t, "@rip");
  rsp = evaluate (&t, "@rsp");
  block = evaluate (&t, "poi(poi(nt!KdDebuggerDataBlock+0x270))");

  assert_refused (&t, ".dump /f /nonexistent-dir/x.dmp", "Cannot create");
  line = g_strdup_printf (".dump /f %s", path);
  out = run (&t, line);
  g_assert_nonnull (strstr (out, "Dump successfully written"));
  /* The other processor, frozen at the same stop. */
  g_free (run (&t, "~1"));
  live_r1 = run (&t, "r");
  live_k1 = run (&t, "kn");
  g_free (run (&t, "~0"));

  /* The header, field by field, as the independent reader sees it. */
  h = python_header (path);
  g_assert_cmphex (field (h, "major"), ==, 0xF);
  g_assert_cmpuint (field (h, "minor"), ==, KDH_SIM_BUILD);
  g_assert_cmphex (field (h, "machine"), ==, 0x8664);
  g_assert_cmpuint (field (h, "processors"), ==, 2);
  g_assert_cmphex (field (h, "module_list"), ==, evaluate (&t, "nt!PsLoadedModuleList"));
  g_assert_cmphex (field (h, "process_head"), ==, evaluate (&t, "nt!PsActiveProcessHead"));
  g_assert_cmphex (field (h, "kddebugger_data"), ==, evaluate (&t, "nt!KdDebuggerDataBlock"));
  g_assert_cmphex (field (h, "pfn_database"), ==, evaluate (&t, "poi(poi(nt!KdDebuggerDataBlock+0xc0))"));
  g_assert_cmphex (field (h, "bugcheck_code"), ==, 0);
  g_assert_cmphex (field (h, "dump_type"), ==, 1);
  g_assert_cmphex (field (h, "rip"), ==, rip);
  g_assert_cmphex (field (h, "rsp"), ==, rsp);
  g_assert_cmphex (field (h, "context_flags") & 0x00100000, ==, 0x00100000);
  g_assert_cmphex (field (h, "exception_code"), ==, 0x80000003);
  g_assert_cmphex (field (h, "exception_address"), ==, rip);
  g_assert_cmphex (field (h, "kd_secondary"), ==, 2);
  g_assert_cmpuint (field (h, "system_time"), >, G_GUINT64_CONSTANT (116444736000000000));
  /* The runs are the kernel's MmPhysicalMemoryBlock. */
  n_runs = evaluatef (&t, "dwo(%" G_GINT64_MODIFIER "x)", block);
  g_assert_cmpuint (field (h, "runs"), ==, n_runs);
  for (guint i = 0; i < n_runs; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("run%u", i);
      g_autofree gchar *want = g_strdup_printf (
        "%" G_GINT64_MODIFIER "x:%" G_GINT64_MODIFIER "x",
        evaluatef (&t, "poi(%" G_GINT64_MODIFIER "x)", block + 0x10 + 0x10 * i),
        evaluatef (&t, "poi(%" G_GINT64_MODIFIER "x)", block + 0x18 + 0x10 * i));

      g_assert_cmpstr (g_hash_table_lookup (h, key), ==, want);
      pages += evaluatef (&t, "poi(%" G_GINT64_MODIFIER "x)", block + 0x18 + 0x10 * i);
    }
  g_assert_cmphex (field (h, "pages"), ==, pages);
  g_assert_cmphex (field (h, "file_size"), ==, 0x2000 + pages * 0x1000);
  g_assert_cmphex (field (h, "required_space"), ==, field (h, "file_size"));
  /* The pattern region through the reader's own page walk from the
   * header's DirectoryTableBase: the u64 at A is A ^ the pattern's XOR. */
  pattern = python ("read", path, "fffff80000400000", "100");
  for (guint i = 0; i < 0x100 / 8; i++)
    {
      guint64 a = KDH_SIM_PATTERN_BASE + 8 * i, v = 0;

      for (guint j = 0; j < 8; j++)
        {
          gchar hex[3] = { pattern[16 * i + 2 * j], pattern[16 * i + 2 * j + 1], 0 };

          v |= g_ascii_strtoull (hex, NULL, 16) << (8 * j);
        }
      g_assert_cmphex (v, ==, a ^ KDH_SIM_PATTERN_XOR);
    }

  /* -z: the same views, and the connection says what it is; the link
   * counters start again from zero (a dump has no link). */
  g_assert_cmpuint (t.stats.packets_in, >, 0);
  open_dump (&t, path);
  g_assert_cmpuint (t.stats.packets_in, ==, 0);
  g_assert_cmpuint (t.stats.bytes_out, ==, 0);
  g_assert_cmpint (t.state, ==, KDH_CONN_BREAK);
  transport = g_ptr_array_index (t.transports, t.transports->len - 1);
  g_assert_nonnull (strstr (transport, "Dump file"));
  g_assert_nonnull (strstr (transport, path));
  g_assert_nonnull (strstr (t.output->str, "Kernel Complete Dump File"));
  views_take (&t, &dump);
  views_assert_equal (&live, &dump);
  /* ~1: processor 1's registers from its KPRCB, its stack from them. */
  g_free (run (&t, "~1"));
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  dump_r1 = run (&t, "r");
  dump_k1 = run (&t, "kn");
  g_assert_cmpstr (dump_r1, ==, live_r1);
  g_assert_cmpstr (dump_k1, ==, live_k1);
  g_assert_cmpstr (dump_r1, !=, dump.r);
  assert_refused (&t, "~2", "no processor 2");
  g_free (run (&t, "~0"));
  g_assert_cmpstr (t.prompt, ==, "0: kd> ");
  {
    g_autofree gchar *r0 = run (&t, "r");

    g_assert_cmpstr (r0, ==, dump.r);
  }
  /* What GetVersion gives, from the header and the debugger data block. */
  dump_vt = run (&t, "vertarget");
  assert_same_line (live_vt, dump_vt, "Windows 10 Kernel Version");
  assert_same_line (live_vt, dump_vt, "Kernel base =");
  assert_same_line (live_vt, dump_vt, "Debugger data list =");
  assert_same_line (live_vt, dump_vt, "Product:");
  assert_refused (&t, "g", "crash dump");
  assert_refused (&t, "bp nt!KeBugCheckEx", "crash dump");
  assert_refused (&t, ".reboot", "crash dump");
  assert_refused (&t, "r rax=1", "crash dump");
  assert_refused (&t, ".dump /f /tmp/never.dmp", "live target");
  {
    guint token = kdh_engine_resync (t.engine);

    g_assert_false (kdh_test_engine_wait_token (&t, token, 60));
  }
  /* .restart closes and reopens the file as a new debugger would. */
  g_clear_pointer (&out, g_free);
  out = run (&t, ".restart");
  g_assert_nonnull (strstr (out, "Loading Dump File"));
  views_take (&t, &again);
  views_assert_equal (&live, &again);

  /* A bitmap full dump (FDMP) made from it by the independent converter. */
  g_free (python ("bitmap", path, bitmap_path, NULL));
  open_dump (&t, bitmap_path);
  g_assert_nonnull (strstr (t.output->str, "Kernel Bitmap Dump File"));
  views_take (&t, &bitmap);
  views_assert_equal (&live, &bitmap);

  views_clear (&live);
  views_clear (&dump);
  views_clear (&again);
  views_clear (&bitmap);
  kdh_test_engine_clear (&t);
}

/* .dump /ka: a kernel summary dump (type 2, SDMP bitmap) of the pages the
 * kernel's page tables map, smaller than the complete one and showing the
 * same kernel memory. */
static void
test_kernel_dump (void)
{
  KdhTestEngine t;
  Views live = { 0 }, dump = { 0 };
  g_autofree gchar *full = NULL, *kernel = NULL, *line = NULL, *pattern = NULL, *nt = NULL;
  g_autofree gchar *full_pattern = NULL, *pcr_live = NULL, *pcr_dump = NULL;
  g_autoptr (GHashTable) hf = NULL, hk = NULL;

  kdh_test_engine_init (&t);
  full = g_build_filename (t.tmpdir, "full.dmp", NULL);
  kernel = g_build_filename (t.tmpdir, "kernel.dmp", NULL);
  kdh_test_engine_attach (&t, "sim:");
  views_take (&t, &live);
  pcr_live = run (&t, "!pcr 1");
  line = g_strdup_printf (".dump /f %s", full);
  g_free (run (&t, line));
  g_free (line);
  line = g_strdup_printf (".dump /ka %s", kernel);
  g_free (run (&t, line));
  hf = python_header (full);
  hk = python_header (kernel);
  g_assert_cmphex (field (hk, "dump_type"), ==, 2);
  g_assert_cmphex (field (hk, "required_space"), ==, field (hk, "file_size"));
  g_assert_cmpuint (field (hk, "file_size"), <, field (hf, "file_size"));
  g_assert_cmphex (field (hk, "dtb"), ==, field (hf, "dtb"));
  g_assert_cmphex (field (hk, "rip"), ==, field (hf, "rip"));
  /* The independent reader finds the same kernel bytes through the bitmap. */
  pattern = python ("read", kernel, "fffff80000400000", "1000");
  full_pattern = python ("read", full, "fffff80000400000", "1000");
  g_assert_cmpuint (strlen (pattern), ==, 2 * 0x1000 + 1);
  g_assert_cmpstr (pattern, ==, full_pattern);
  nt = python ("read", kernel, "fffff80002000000", "2");
  g_assert_cmpstr (nt, ==, "4d5a\n");

  open_dump (&t, kernel);
  g_assert_nonnull (strstr (t.output->str, "Kernel Summary Dump File"));
  /* !pcr finds the KPCR through KiProcessorBlock in a dump (control
   * space on the live target): the same block and fields. */
  pcr_dump = run (&t, "!pcr 1");
  {
    static const gchar *const same[] = { "KPCR for Processor 1 at ", " SelfPcr: ", " Prcb: ",
                                         " CurrentThread: ", " IdleThread: " };

    for (guint i = 0; i < G_N_ELEMENTS (same); i++)
      {
        const gchar *a = strstr (pcr_live, same[i]), *b = strstr (pcr_dump, same[i]);

        g_assert_nonnull (a);
        g_assert_nonnull (b);
        g_assert_cmpint (strcspn (a, "\n"), ==, strcspn (b, "\n"));
        g_assert_cmpint (strncmp (a, b, strcspn (a, "\n")), ==, 0);
      }
  }
  views_take (&t, &dump);
  views_assert_equal (&live, &dump);
  views_clear (&live);
  views_clear (&dump);
  kdh_test_engine_clear (&t);
}

static guint
count_partial_files (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint n = 0;

  while ((name = g_dir_read_name (d)))
    if (strstr (name, ".partial"))
      n++;
  return n;
}

static void
test_overwrite_and_cancel (void)
{
  KdhTestEngine t;
  g_autofree gchar *path = NULL, *other = NULL, *out = NULL, *line = NULL;
  GStatBuf before, after;
  guint token;

  kdh_test_engine_init (&t);
  path = g_build_filename (t.tmpdir, "a.dmp", NULL);
  other = g_build_filename (t.tmpdir, "b.dmp", NULL);
  kdh_test_engine_attach (&t, "sim:");

  assert_refused (&t, ".dump", "Usage");
  assert_refused (&t, ".dump /f", "Usage");
  assert_refused (&t, ".dump /x a.dmp", "not supported");
  line = g_strdup_printf (".dump %s", path);
  assert_refused (&t, line, "/ka");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_free (line);
  line = g_strdup_printf (".dump /f %s", path);
  g_free (run (&t, line));
  g_assert_cmpint (g_stat (path, &before), ==, 0);
  assert_refused (&t, line, "/o");
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpint (before.st_mtime, ==, after.st_mtime);
  g_assert_cmpint (before.st_ino, ==, after.st_ino);
  g_free (line);
  line = g_strdup_printf (".dump /o /f %s", path);
  out = run (&t, line);
  g_assert_nonnull (strstr (out, "Dump successfully written"));
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpint (before.st_ino, !=, after.st_ino);

  /* Ctrl+C right after: cancelled, and nothing left under either name. */
  g_free (line);
  line = g_strdup_printf (".dump /f %s", other);
  token = kdh_engine_execute (t.engine, line, NULL);
  kdh_engine_break (t.engine);
  g_assert_false (kdh_test_engine_wait_token (&t, token, 120));
  g_assert_nonnull (strstr (t.errors->str, "cancelled"));
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (t.tmpdir), ==, 0);
  /* The target is still stopped and answers. */
  g_free (run (&t, "r rip"));
  kdh_test_engine_clear (&t);
}

/* .crash, then .dump: the dump holds the bug check 0xE2 and the stack of
 * the processor that bug checked. */
static void
test_bug_check (void)
{
  KdhTestEngine t;
  Views live = { 0 }, dump = { 0 };
  g_autofree gchar *path = NULL, *line = NULL;
  g_autoptr (GHashTable) h = NULL;
  gsize banner;

  kdh_test_engine_init (&t);
  path = g_build_filename (t.tmpdir, "crash.dmp", NULL);
  kdh_test_engine_attach (&t, "sim:");
  assert_refused (&t, ".crash now", "no arguments");
  g_free (run (&t, ".crash"));
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  views_take (&t, &live);
  g_assert_nonnull (strstr (live.bugcheck, "Bugcheck code 000000E2"));
  line = g_strdup_printf (".dump /f %s", path);
  g_free (run (&t, line));
  h = python_header (path);
  g_assert_cmphex (field (h, "bugcheck_code"), ==, 0xE2);
  g_assert_cmphex (field (h, "rsp"), ==, evaluate (&t, "@rsp"));

  /* A live target has no exception context record. */
  assert_refused (&t, ".ecxr", "Unable to get exception context");

  banner = t.output->len;
  open_dump (&t, path);
  g_assert_nonnull (strstr (t.output->str + banner, "BugCheck E2, {0, 0, 0, 0}"));
  views_take (&t, &dump);
  views_assert_equal (&live, &dump);
  /* .ecxr: the header's context (rsp as Python reads it), which is the
   * crashed processor's, so the same text as r; after .frame 1, .ecxr
   * goes back to it. */
  {
    g_autofree gchar *ecxr = run (&t, ".ecxr");
    g_autofree gchar *rsp = g_strdup_printf ("rsp=%016" G_GINT64_MODIFIER "x", field (h, "rsp"));
    g_autofree gchar *again = NULL;

    g_assert_cmpstr (ecxr, ==, dump.r);
    g_assert_nonnull (strstr (ecxr, rsp));
    g_free (run (&t, ".frame 1"));
    again = run (&t, ".ecxr");
    g_assert_cmpstr (again, ==, ecxr);
    g_assert_cmpuint (evaluate (&t, "@rsp"), ==, field (h, "rsp"));
    assert_refused (&t, ".ecxr now", "no arguments");
  }
  views_clear (&live);
  views_clear (&dump);
  kdh_test_engine_clear (&t);
}

/* A 32-bit PAGEDUMP (x86, PAE) full dump written by the independent
 * writer in tests/crashdump.py: the x86 context, the module on
 * PsLoadedModuleList, memory through the PAE tables, the bug check. */
static void
test_x86_dump (void)
{
  KdhTestEngine t;
  g_autofree gchar *path = NULL, *r = NULL, *lm = NULL, *db = NULL, *bc = NULL, *exr = NULL;
  g_autofree gchar *vt = NULL, *k = NULL, *kb = NULL, *ecxr = NULL;

  kdh_test_engine_init (&t);
  path = g_build_filename (t.tmpdir, "x86.dmp", NULL);
  g_free (python ("make32", path, NULL, NULL));
  open_dump (&t, path);
  g_assert_nonnull (strstr (t.output->str, "BugCheck E2, {1, 2, 3, 4}"));
  vt = run (&t, "vertarget");
  g_assert_nonnull (strstr (vt, "Kernel Version 2600 UP (1 procs) Free x86"));
  g_assert_nonnull (strstr (vt, "Kernel base = 0x80401000 PsLoadedModuleList = 0x80400000"));
  r = run (&t, "r");
  g_assert_nonnull (strstr (r, "eax=12345678 ebx=00000033 ecx=00000055 edx=00000044"));
  g_assert_nonnull (strstr (r, "eip=80401010 esp=80400e00 ebp=80400f00"));
  lm = run (&t, "lm");
  g_assert_nonnull (strstr (lm, "80401000 80403000   nt         "));
  g_assert_nonnull (strstr (lm, "ntkrnlpa.exe"));
  db = run (&t, "db nt+0x10 L4");
  g_assert_nonnull (strstr (db, "80401010  cc 90 90 c3"));
  bc = run (&t, ".bugcheck");
  g_assert_nonnull (strstr (bc, "Arguments 00000001 00000002 00000003 00000004"));
  exr = run (&t, ".exr -1");
  g_assert_nonnull (strstr (exr, "ExceptionAddress: 80401010 (nt+0x10)"));
  /* The EBP chain the writer planted: nt+0x10 called from nt+0x20. */
  k = run (&t, "k");
  g_assert_cmpstr (k, ==, "ChildEBP RetAddr  \n"
                          "80400f00 80401020 nt+0x10\n"
                          "80400f40 00000000 nt+0x20\n");
  kb = run (&t, "kb");
  g_assert_nonnull (strstr (kb, "80400f00 80401020 000000a1 000000a2 000000a3 nt+0x10\n"));
  /* The header's exception context. */
  ecxr = run (&t, ".ecxr");
  g_assert_nonnull (strstr (ecxr, "eip=80401010 esp=80400e00 ebp=80400f00"));
  g_assert_nonnull (strstr (ecxr, "80401010 cc              int     3"));
  assert_refused (&t, "g", "crash dump");
  /* Outside what the tables map. */
  assert_refused (&t, "db 80410000 L4", "80410000  ?? ?? ?? ??");
  g_free (run (&t, ".restart"));
  g_clear_pointer (&r, g_free);
  r = run (&t, "r eip");
  g_assert_nonnull (strstr (r, "eip=80401010"));
  kdh_test_engine_clear (&t);
}

/* A dump written while processor 1 is the current one opens on
 * processor 1 with its registers, and processor 0's come from its KPRCB:
 * the header's context is the current processor's, not always 0's. */
static void
test_other_processor (void)
{
  KdhTestEngine t;
  g_autofree gchar *path = NULL, *line = NULL;
  g_autofree gchar *live_r0 = NULL, *live_r1 = NULL, *live_k1 = NULL;
  g_autofree gchar *dump_r0 = NULL, *dump_r1 = NULL, *dump_k1 = NULL;

  kdh_test_engine_init (&t);
  path = g_build_filename (t.tmpdir, "cpu1.dmp", NULL);
  kdh_test_engine_attach (&t, "sim:");
  live_r0 = run (&t, "r");
  g_free (run (&t, "~1"));
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  live_r1 = run (&t, "r");
  live_k1 = run (&t, "kn");
  g_assert_cmpstr (live_r1, !=, live_r0);
  line = g_strdup_printf (".dump /f %s", path);
  g_free (run (&t, line));
  /* The independent reader: processor 1's registers, the break's record. */
  {
    g_autoptr (GHashTable) h = python_header (path);

    g_assert_cmphex (field (h, "rip"), ==, evaluate (&t, "@rip"));
    g_assert_cmphex (field (h, "exception_code"), ==, 0x80000003);
  }

  open_dump (&t, path);
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  {
    g_autofree gchar *last = run (&t, ".lastevent");

    /* The break's, not the processor switch's (~1) that came after. */
    g_assert_true (g_str_has_prefix (last, "Last event: Break instruction exception - code "
                                           "80000003 (first/second chance not available)\n"));
  }
  dump_r1 = run (&t, "r");
  dump_k1 = run (&t, "kn");
  g_assert_cmpstr (dump_r1, ==, live_r1);
  g_assert_cmpstr (dump_k1, ==, live_k1);
  g_free (run (&t, "~0"));
  g_assert_cmpstr (t.prompt, ==, "0: kd> ");
  dump_r0 = run (&t, "r");
  g_assert_cmpstr (dump_r0, ==, live_r0);
  kdh_test_engine_clear (&t);
}

/* The physical address !vtop gives for @address ("none" when it fails). */
static gchar *
vtop (KdhTestEngine *t,
      const gchar   *address)
{
  g_autofree gchar *line = g_strdup_printf ("!vtop 0 %s", address);
  g_autofree gchar *out = run (t, line);
  const gchar *to = strstr (out, "translates to physical address ");

  if (to == NULL)
    {
      g_assert_nonnull (strstr (out, "translation fails"));
      return g_strdup ("none");
    }
  to += strlen ("translates to physical address ");
  return g_strndup (to, strcspn (to, "."));
}

/* !vtop, live and on a dump of the same stop, agrees with crashdump.py's
 * own page walk from the header's directory base, and the physical
 * address holds the virtual one's bytes. */
static void
test_vtop (void)
{
  static const gchar *const addresses[] = {
    "fffff800`02001010", "fffff800`00400123", "fffff800`00400000", "0", "ffff8000`00000000",
  };
  KdhTestEngine t;
  g_autofree gchar *path = NULL, *line = NULL, *rsp = NULL;
  g_autoptr (GPtrArray) live = g_ptr_array_new_with_free_func (g_free);

  kdh_test_engine_init (&t);
  path = g_build_filename (t.tmpdir, "vtop.dmp", NULL);
  kdh_test_engine_attach (&t, "sim:");
  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    g_ptr_array_add (live, vtop (&t, addresses[i]));
  rsp = g_strdup_printf ("%" G_GINT64_MODIFIER "x", evaluate (&t, "@rsp"));
  g_ptr_array_add (live, vtop (&t, rsp));
  /* A 4 KiB page (the code) and a large page (the pattern region). */
  {
    g_autofree gchar *code = run (&t, "!vtop 0 fffff800`02001010");
    g_autofree gchar *pattern = run (&t, "!vtop 0 fffff800`00400123");
    g_autofree gchar *virt = g_strstrip (run (&t, "dq fffff800`00400120 L1"));
    g_autofree gchar *phys = g_strstrip (run (&t, "!dq 400120 L1"));

    g_assert_nonnull (strstr (code, "Amd64VtoP: Mapped phys "));
    g_assert_nonnull (strstr (pattern, "Amd64VtoP: Large page mapped phys "));
    g_assert_cmpstr (live->pdata[1], ==, "400123");
    /* The same quadword at both addresses: the last word of each line. */
    g_assert_cmpstr (strrchr (phys, ' '), ==, strrchr (virt, ' '));
  }
  g_assert_cmpstr (live->pdata[3], ==, "none");

  line = g_strdup_printf (".dump /f %s", path);
  g_free (run (&t, line));
  for (guint i = 0; i < live->len; i++)
    {
      const gchar *va = i < G_N_ELEMENTS (addresses) ? addresses[i] : rsp;
      g_autofree gchar *bare = g_strdup (va);
      g_autofree gchar *reader = NULL;
      gchar *tick = strchr (bare, '`');

      if (tick)
        memmove (tick, tick + 1, strlen (tick));
      reader = python ("translate", path, bare, NULL);
      g_strstrip (reader);
      g_assert_cmpstr (reader, ==, live->pdata[i]);
    }

  open_dump (&t, path);
  for (guint i = 0; i < live->len; i++)
    {
      const gchar *va = i < G_N_ELEMENTS (addresses) ? addresses[i] : rsp;
      g_autofree gchar *pa = vtop (&t, va);

      g_assert_cmpstr (pa, ==, live->pdata[i]);
    }
  kdh_test_engine_clear (&t);
}

static gboolean
progress_shown (gpointer data)
{
  KdhTestEngine *t = data;

  return strstr (t->output->str, "Dumping physical memory: ") != NULL;
}

/* On a slow line (the simulator at 921600 baud) the dump prints its
 * progress with the rate and the time left; Ctrl+C in the middle cancels
 * it and leaves no file. */
static void
test_progress_and_cancel (void)
{
  KdhTestEngine t;
  g_autofree gchar *path = NULL, *line = NULL;
  const gchar *progress;
  guint token;

  kdh_test_engine_init (&t);
  path = g_build_filename (t.tmpdir, "slow.dmp", NULL);
  kdh_test_engine_attach (&t, "sim:baud=921600");
  line = g_strdup_printf (".dump /f %s", path);
  token = kdh_engine_execute (t.engine, line, NULL);
  kdh_test_run_until (progress_shown, &t, 120, "the dump's progress line");
  progress = strstr (t.output->str, "Dumping physical memory: ");
  g_assert_nonnull (strstr (progress, " MiB ("));
  g_assert_nonnull (strstr (progress, " MB/s, about "));
  g_assert_nonnull (strstr (progress, " s left\n"));
  kdh_engine_break (t.engine);
  g_assert_false (kdh_test_engine_wait_token (&t, token, 120));
  g_assert_nonnull (strstr (t.errors->str, "cancelled"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (t.tmpdir), ==, 0);
  g_free (run (&t, "r rip"));
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crashdump/full", test_full_dump);
  g_test_add_func ("/crashdump/overwrite-and-cancel", test_overwrite_and_cancel);
  g_test_add_func ("/crashdump/bug-check", test_bug_check);
  g_test_add_func ("/crashdump/other-processor", test_other_processor);
  g_test_add_func ("/crashdump/vtop", test_vtop);
  g_test_add_func ("/crashdump/kernel", test_kernel_dump);
  g_test_add_func ("/crashdump/x86", test_x86_dump);
  g_test_add_func ("/crashdump/progress-and-cancel", test_progress_and_cancel);
  return g_test_run ();
}
