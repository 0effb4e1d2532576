/* test-commands.c: KD commands take what KD takes, and refuse the rest
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the in-process simulated target: every argument a command is
 * given either does what KD does with it or is refused with a message
 * saying so; none is silently ignored.
 */
#include <string.h>

#include "kdh-test-engine.h"

/* The lines of @text that look like `lm` rows (start, end, name, image). */
static GPtrArray *
module_rows (const gchar *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i]; i++)
    if (strlen (lines[i]) > 36 && lines[i][8] == '`' && lines[i][17] == ' ')
      g_ptr_array_add (rows, g_strdup (lines[i]));
  return rows;
}

static guint64
row_start (const gchar *row)
{
  g_autofree gchar *hex = g_strndup (row, 17);

  memmove (hex + 8, hex + 9, 9);
  return g_ascii_strtoull (hex, NULL, 16);
}

/* The module's short name: the third column. */
static gchar *
row_name (const gchar *row)
{
  g_auto (GStrv) words = g_strsplit_set (row, " ", -1);
  guint n = 0;

  for (guint i = 0; words[i]; i++)
    if (*words[i] && ++n == 3)
      return g_strdup (words[i]);
  return g_strdup ("");
}

static void
test_lm (void)
{
  KdhTestEngine t;
  g_autofree gchar *all = NULL, *k = NULL, *at = NULL, *by_name = NULL, *err = NULL;
  g_autoptr (GPtrArray) rows = NULL, k_rows = NULL, at_rows = NULL, name_rows = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");

  /* Sorted by address, as WinDbg lists them. */
  all = kdh_test_engine_run (&t, "lm", FALSE);
  rows = module_rows (all);
  g_assert_cmpuint (rows->len, >=, 4);
  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpuint (row_start (rows->pdata[i - 1]), <, row_start (rows->pdata[i]));

  /* m PATTERN: the short names that match, any case. */
  k = kdh_test_engine_run (&t, "lm m K*", FALSE);
  k_rows = module_rows (k);
  g_assert_cmpuint (k_rows->len, >=, 2);
  for (guint i = 0; i < k_rows->len; i++)
    {
      g_autofree gchar *name = row_name (k_rows->pdata[i]);

      g_assert_true (g_str_has_prefix (name, "k"));
    }
  g_assert_null (strstr (k, " nt "));

  /* a ADDRESS: the module that holds it. */
  at = kdh_test_engine_run (&t, "lm a nt+0x100", FALSE);
  at_rows = module_rows (at);
  g_assert_cmpuint (at_rows->len, ==, 1);
  {
    g_autofree gchar *name = row_name (at_rows->pdata[0]);

    g_assert_cmpstr (name, ==, "nt");
  }

  /* sm: by name. */
  by_name = kdh_test_engine_run (&t, "lm sm", FALSE);
  name_rows = module_rows (by_name);
  g_assert_cmpuint (name_rows->len, ==, rows->len);
  for (guint i = 1; i < name_rows->len; i++)
    {
      g_autofree gchar *a = row_name (name_rows->pdata[i - 1]);
      g_autofree gchar *b = row_name (name_rows->pdata[i]);

      g_assert_cmpint (g_ascii_strcasecmp (a, b), <=, 0);
    }

  /* What is not supported says so, and lists nothing. */
  err = kdh_test_engine_run (&t, "lm q", TRUE);
  g_assert_nonnull (strstr (err, "lm option 'q' is not supported yet"));
  {
    g_autoptr (GPtrArray) none = module_rows (err);

    g_assert_cmpuint (none->len, ==, 0);
  }
  g_free (err);
  err = kdh_test_engine_run (&t, "lm m", TRUE);
  g_assert_nonnull (strstr (err, "lm m needs a pattern"));
  kdh_test_engine_clear (&t);
}

static void
test_go_with_address (void)
{
  KdhTestEngine t;
  g_autofree gchar *err = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  err = kdh_test_engine_run (&t, "g =nt+0x1000", TRUE);
  g_assert_nonnull (strstr (err, "'g =ADDRESS' (start elsewhere) is not supported"));
  /* It did not let the target run. */
  g_assert_cmpint (t.state, ==, KDH_CONN_BREAK);
  g_assert_cmpint (kdh_engine_get_state (t.engine), ==, KDH_CONN_BREAK);
  kdh_test_engine_clear (&t);
}

/* The handle "Breakpoint N set at ..." gave. */
static guint
set_breakpoint (KdhTestEngine *t,
                const gchar   *where)
{
  g_autofree gchar *line = g_strdup_printf ("bp %s", where);
  g_autofree gchar *out = kdh_test_engine_run (t, line, FALSE);
  const gchar *p = strstr (out, "Breakpoint ");
  guint64 handle;

  g_assert_nonnull (p);
  /* KD numbers breakpoints from 0, in hex. */
  handle = g_ascii_strtoull (p + strlen ("Breakpoint "), NULL, 16);
  return (guint) handle;
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static void
test_breakpoint_lists (void)
{
  KdhTestEngine t;
  guint a, b, c;
  g_autofree gchar *bl = NULL, *range = NULL, *bl2 = NULL, *missing = NULL, *all = NULL;
  g_autofree gchar *bl3 = NULL, *empty = NULL, *cmd = NULL, *ordinal = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  a = set_breakpoint (&t, "nt+0x1000");
  b = set_breakpoint (&t, "nt+0x1010");
  c = set_breakpoint (&t, "nt+0x1020");
  g_assert_cmpuint (a, <, b);
  g_assert_cmpuint (b, <, c);

  bl = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_cmpuint (count_lines (bl), ==, 3);
  g_assert_nonnull (strstr (bl, "fffff800`02001010"));

  /* A range clears what it holds. */
  cmd = g_strdup_printf ("bc %u-%u", a, b);
  range = kdh_test_engine_run (&t, cmd, FALSE);
  g_assert_cmpuint (count_lines (range), ==, 2);
  bl2 = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_cmpuint (count_lines (bl2), ==, 1);
  g_assert_nonnull (strstr (bl2, "fffff800`02001020"));

  /* A number that is no breakpoint changes nothing. */
  missing = kdh_test_engine_run (&t, "bc 99", TRUE);
  g_assert_nonnull (strstr (missing, "There is no breakpoint 99"));
  ordinal = kdh_test_engine_run (&t, "bc x", TRUE);
  g_assert_nonnull (strstr (ordinal, "'x' is not a breakpoint number"));
  bl3 = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_cmpuint (count_lines (bl3), ==, 1);

  /* * clears every one. */
  all = kdh_test_engine_run (&t, "bc *", FALSE);
  g_assert_cmpuint (count_lines (all), ==, 1);
  empty = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_cmpstr (empty, ==, "");
  kdh_test_engine_clear (&t);
}

/* The product comes from the target, not from a guess on the build. */
static void
test_vertarget_product (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  out = kdh_test_engine_run (&t, "vertarget", FALSE);
  g_assert_nonnull (strstr (out, "Windows 10 Kernel Version 19041 MP"));
  g_assert_nonnull (strstr (out, "\nProduct: WinNt"));
  kdh_test_engine_clear (&t);
}

/* A hypervisor stub reports an AMD64 machine with DBGKD_VERS_FLAG_PTR64
 * clear: the machine type decides the pointer width, and no address is
 * shown cut to 32 bits. */
static void
test_stub_without_ptr64_flag (void)
{
  KdhTestEngine t;
  g_autofree gchar *ver = NULL, *lm = NULL, *dq = NULL, *pattern = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:ptr64-flag=0");
  g_assert_nonnull (strstr (t.output->str, "ptr64 TRUE"));
  g_assert_nonnull (strstr (t.output->str, "Kernel base = 0xfffff800`02000000"));
  ver = kdh_test_engine_run (&t, "vertarget", FALSE);
  g_assert_null (strstr (ver, "PTR64"));
  g_assert_nonnull (strstr (ver, "Machine type 0x8664"));
  lm = kdh_test_engine_run (&t, "lm", FALSE);
  g_assert_nonnull (strstr (lm, "fffff800`02000000 "));
  g_assert_nonnull (strstr (lm, "   nt         (export symbols)       ntoskrnl.exe\n"));
  g_assert_null (strstr (lm, "image0000000000000000"));
  dq = kdh_test_engine_run (&t, "dq 0xfffff80000100000 L1", FALSE);
  g_assert_true (g_str_has_prefix (dq, "fffff800`00100000  "));
  pattern = kdh_test_engine_run (&t, "dq fffff800`00400000 L2", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (pattern), ==, 2);
  kdh_test_engine_clear (&t);
}

/* .echo "a;b": one command, shown without its quotes, as KD does. */
static void
test_echo_quoted (void)
{
  KdhTestEngine t;
  g_autofree gchar *quoted = NULL, *plain = NULL;

  kdh_test_engine_init (&t);
  quoted = kdh_test_engine_run (&t, ".echo \"a;b\"", FALSE);
  g_assert_cmpstr (quoted, ==, "a;b\n");
  plain = kdh_test_engine_run (&t, ".echo it's \"here\"; .echo two", FALSE);
  g_assert_cmpstr (plain, ==, "it's \"here\"\ntwo\n");
  kdh_test_engine_clear (&t);
}

static void
test_no_arguments_ignored (void)
{
  KdhTestEngine t;
  g_autofree gchar *restart = NULL, *reboot = NULL, *bc = NULL, *bp = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  restart = kdh_test_engine_run (&t, ".restart now", TRUE);
  g_assert_nonnull (strstr (restart, ".restart takes no arguments"));
  reboot = kdh_test_engine_run (&t, ".reboot please", TRUE);
  g_assert_nonnull (strstr (reboot, ".reboot takes no arguments"));
  bc = kdh_test_engine_run (&t, "bc", TRUE);
  g_assert_nonnull (strstr (bc, "bc needs breakpoints to clear"));
  bp = kdh_test_engine_run (&t, "bp", TRUE);
  g_assert_nonnull (strstr (bp, "bp needs an address"));
  /* Still stopped and connected after all that. */
  g_assert_cmpint (kdh_engine_get_state (t.engine), ==, KDH_CONN_BREAK);
  kdh_test_engine_clear (&t);
}

/* .formats: each line as WinDbg writes it; the expected figures were
 * worked out with Python's struct and datetime, not with kdhost. */
static void
test_formats (void)
{
  KdhTestEngine t;
  g_autofree gchar *ten = NULL, *abcd = NULL, *filetime = NULL, *rip = NULL, *none = NULL;
  g_autofree gchar *rip_hex = NULL;

  kdh_test_engine_init (&t);
  ten = kdh_test_engine_run (&t, ".formats 0n10", FALSE);
  g_assert_cmpstr (ten, ==,
                   "Evaluate expression:\n"
                   "  Hex:     00000000`0000000a\n"
                   "  Decimal: 10\n"
                   "  Decimal (unsigned) : 10\n"
                   "  Octal:   0000000000000000000012\n"
                   "  Binary:  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00001010\n"
                   "  Chars:   ........\n"
                   "  Time:    Thu Jan  1 00:00:10 1970\n"
                   "  Float:   low 1.4013e-44 high 0\n"
                   "  Double:  4.94066e-323\n");
  abcd = kdh_test_engine_run (&t, ".formats 41424344", FALSE);
  g_assert_nonnull (strstr (abcd, "  Octal:   0000000000010120441504\n"));
  g_assert_nonnull (strstr (abcd, "  Chars:   ....ABCD\n"));
  g_assert_nonnull (strstr (abcd, "  Time:    Sat Sep 11 00:13:56 2004\n"));
  g_assert_nonnull (strstr (abcd, "  Float:   low 12.1414 high 0\n"));
  g_assert_nonnull (strstr (abcd, "  Double:  5.40934e-315\n"));
  /* Above 32 bits the time is a FILETIME. */
  filetime = kdh_test_engine_run (&t, ".formats 01d3a7e9`f3c1b2a0", FALSE);
  g_assert_nonnull (strstr (filetime, "  Decimal: 131633437382652576\n"));
  g_assert_nonnull (strstr (filetime, "  Time:    Sat Feb 17 12:22:18.265 2018 (UTC + 0:00)\n"));
  g_assert_nonnull (strstr (filetime, "  Float:   low -3.06926e+31 high 7.77501e-38\n"));
  g_assert_nonnull (strstr (filetime, "  Double:  7.33766e-300\n"));
  none = kdh_test_engine_run (&t, ".formats", TRUE);
  g_assert_nonnull (strstr (none, ".formats needs an expression"));

  /* With a stopped target, its registers and symbols. */
  kdh_test_engine_attach (&t, "sim:");
  rip = kdh_test_engine_run (&t, ".formats @rip", FALSE);
  {
    g_autofree gchar *r = kdh_test_engine_run (&t, "? @rip", FALSE);

    rip_hex = g_strdup_printf ("  Hex:     %.17s\n", strstr (r, " = ") + 3);
  }
  g_assert_nonnull (strstr (rip, rip_hex));
  g_assert_nonnull (strstr (rip, "  Time:    ***** Invalid FILETIME\n"));
  kdh_test_engine_clear (&t);
}

static gboolean
stopped (gpointer data)
{
  KdhTestEngine *t = data;

  return t->state == KDH_CONN_BREAK && t->ready;
}

/* .lastevent: the stop the user was last shown, in WinDbg's words, and
 * the debugger's time then. */
static void
test_lastevent (void)
{
  KdhTestEngine t;
  g_autofree gchar *first = NULL, *hit = NULL, *step = NULL, *args = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  first = kdh_test_engine_run (&t, ".lastevent", FALSE);
  g_assert_true (g_str_has_prefix (first, "Last event: Break instruction exception - code 80000003 "
                                          "(first chance)\n  debugger time: "));
  g_assert_nonnull (strstr (first, " (UTC "));
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  kdh_test_run_until (stopped, &t, 60, "the breakpoint");
  hit = kdh_test_engine_run (&t, ".lastevent", FALSE);
  g_assert_true (g_str_has_prefix (hit, "Last event: Hit breakpoint 0\n"));
  g_free (kdh_test_engine_run (&t, "t", FALSE));
  step = kdh_test_engine_run (&t, ".lastevent", FALSE);
  g_assert_true (g_str_has_prefix (step, "Last event: Single step exception - code 80000004 "
                                         "(first chance)\n"));
  args = kdh_test_engine_run (&t, ".lastevent now", TRUE);
  g_assert_nonnull (strstr (args, ".lastevent takes no arguments"));
  kdh_test_engine_clear (&t);
}

int
main (int   argc,
      char *argv[])
{
  /* .formats shows times in local time. */
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/commands/lm", test_lm);
  g_test_add_func ("/commands/formats", test_formats);
  g_test_add_func ("/commands/lastevent", test_lastevent);
  g_test_add_func ("/commands/go-with-address", test_go_with_address);
  g_test_add_func ("/commands/breakpoint-lists", test_breakpoint_lists);
  g_test_add_func ("/commands/no-arguments-ignored", test_no_arguments_ignored);
  g_test_add_func ("/commands/vertarget-product", test_vertarget_product);
  g_test_add_func ("/commands/echo-quoted", test_echo_quoted);
  g_test_add_func ("/commands/stub-without-ptr64-flag", test_stub_without_ptr64_flag);
  return g_test_run ();
}
