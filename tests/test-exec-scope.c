/* test-exec-scope.c: a frame's scope, kp's parameters and !pcr on the
 * executing simulator
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine against the in-process simulated machine (sim:). Expressions
 * after .frame N are checked against the frames kn prints and the
 * registers .frame /r prints; kp's parameter names and types against
 * llvm-pdbutil's dump of the guest PDBs.
 */
#include <string.h>

#include "kdh-test-engine.h"

/* ---- Driving the debugger ------------------------------------------------ */

static gchar *
hex (guint64 a)
{
  return g_strdup_printf ("%08x`%08x", (guint32) (a >> 32), (guint32) a);
}

/* "fffff800`06009e40" at @text. */
static guint64
parse_address (const gchar *text)
{
  g_autofree gchar *copy = g_strndup (text, 17);

  g_assert_cmpint (copy[8], ==, '`');
  memmove (copy + 8, copy + 9, 9);
  return g_ascii_strtoull (copy, NULL, 16);
}

/* "? EXPR": the value after '=' in "Evaluate expression: N = X`Y". */
static guint64
evaluate (KdhTestEngine *t,
          const gchar   *expression)
{
  g_autofree gchar *line = g_strdup_printf ("? %s", expression);
  g_autofree gchar *out = kdh_test_engine_run (t, line, FALSE);
  const gchar *eq = strstr (out, " = ");

  g_assert_true (g_str_has_prefix (out, "Evaluate expression: "));
  g_assert_nonnull (eq);
  return parse_address (eq + 3);
}

/* "name=VALUE" in @text (r's and .frame /r's lines). */
static guint64
register_in (const gchar *text,
             const gchar *name)
{
  g_autofree gchar *needle = g_strdup_printf ("%s=", name);
  const gchar *at = text;

  /* Not "rsp=" inside another name: the name starts a word. */
  while ((at = strstr (at, needle)) != NULL && at != text && at[-1] != ' ' && at[-1] != '\n')
    at++;
  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (needle), NULL, 16);
}

static gboolean
is_ready (gpointer data)
{
  return ((KdhTestEngine *) data)->ready;
}

static void
run_to_stop (KdhTestEngine *t,
             const gchar   *line)
{
  g_free (kdh_test_engine_run (t, line, FALSE));
  kdh_test_engine_wait_state (t, KDH_CONN_BREAK, 60);
  kdh_test_run_until (is_ready, t, 60, "the prompt");
}

typedef struct {
  guint64 child_sp;
  guint64 ret;
} Frame;

/* The frames of "kn" output. */
static GArray *
parse_kn (const gchar *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (Frame));

  for (guint i = 0; lines[i]; i++)
    {
      Frame f = { 0 };

      if (strlen (lines[i]) < 40 || !g_ascii_isxdigit (lines[i][0]) || lines[i][2] != ' '
          || lines[i][11] != '`')
        continue;
      f.child_sp = parse_address (lines[i] + 3);
      f.ret = parse_address (lines[i] + 21);
      g_array_append_val (frames, f);
    }
  return frames;
}

static void
attach_at (KdhTestEngine *t,
           const gchar   *breakpoint)
{
  g_autofree gchar *bp = g_strdup_printf ("bp %s", breakpoint);
  g_autofree gchar *sympath = g_strdup_printf (".sympath %s", KDH_SIM_GUEST_DIR);

  kdh_test_engine_init (t);
  kdh_test_engine_attach (t, "sim:");
  g_assert_cmpint (t->state, ==, KDH_CONN_BREAK);
  g_free (kdh_test_engine_run (t, sympath, FALSE));
  g_free (kdh_test_engine_run (t, ".reload", FALSE));
  g_free (kdh_test_engine_run (t, bp, FALSE));
  run_to_stop (t, "g");
}

/* ---- .frame N: expressions in the frame's scope -------------------------- */

/* After .frame 2, @rsp, @rip, $ip and "." are frame 2's (its Child-SP and
 * the return address frame 1 goes back to), a nonvolatile register is the
 * value .frame /r shows, and dq @rsp reads the frame's stack; .frame 0
 * gives the processor's registers back. */
static void
test_frame_expressions (void)
{
  KdhTestEngine t;
  g_autofree gchar *kn = NULL, *frame_r = NULL, *r0 = NULL, *dq = NULL, *dq_literal = NULL;
  g_autofree gchar *sp = NULL, *line = NULL;
  g_autoptr (GArray) frames = NULL;
  guint64 rsp0, rip0;

  attach_at (&t, "kdhtest!KdhTestRecordSample");
  r0 = kdh_test_engine_run (&t, "r", FALSE);
  rsp0 = register_in (r0, "rsp");
  rip0 = register_in (r0, "rip");
  kn = kdh_test_engine_run (&t, "kn", FALSE);
  frames = parse_kn (kn);
  g_assert_cmpuint (frames->len, >=, 4);
  g_assert_cmphex (g_array_index (frames, Frame, 0).child_sp, ==, rsp0);
  g_assert_cmphex (evaluate (&t, "@rsp"), ==, rsp0);

  g_free (kdh_test_engine_run (&t, ".frame 2", FALSE));
  g_assert_cmphex (evaluate (&t, "@rsp"), ==, g_array_index (frames, Frame, 2).child_sp);
  g_assert_cmphex (evaluate (&t, "@rip"), ==, g_array_index (frames, Frame, 1).ret);
  g_assert_cmphex (evaluate (&t, "@$ip"), ==, g_array_index (frames, Frame, 1).ret);
  g_assert_cmphex (evaluate (&t, "."), ==, g_array_index (frames, Frame, 1).ret);
  g_assert_cmphex (evaluate (&t, "rsp+8"), ==, g_array_index (frames, Frame, 2).child_sp + 8);
  g_assert_cmphex (g_array_index (frames, Frame, 2).child_sp, !=, rsp0);

  /* The unwound nonvolatile registers, as .frame /r shows them. */
  frame_r = kdh_test_engine_run (&t, ".frame /r 2", FALSE);
  g_assert_cmphex (register_in (frame_r, "rsp"), ==, g_array_index (frames, Frame, 2).child_sp);
  g_assert_cmphex (evaluate (&t, "@rbx"), ==, register_in (frame_r, "rbx"));
  g_assert_cmphex (evaluate (&t, "@rsi"), ==, register_in (frame_r, "rsi"));
  g_assert_cmphex (evaluate (&t, "@r14"), ==, register_in (frame_r, "r14"));

  /* Memory at the frame's rsp: the same bytes as at its address. */
  dq = kdh_test_engine_run (&t, "dq @rsp L2", FALSE);
  sp = hex (g_array_index (frames, Frame, 2).child_sp);
  g_assert_true (g_str_has_prefix (dq, sp));
  line = g_strdup_printf ("dq %s L2", sp);
  dq_literal = kdh_test_engine_run (&t, line, FALSE);
  g_assert_cmpstr (dq, ==, dq_literal);
  /* poi() reads through the scope's rsp too. */
  g_assert_cmphex (evaluate (&t, "poi(@rsp+8)"), ==, parse_address (dq + 37));

  /* Frame 0 again: the processor's registers. */
  g_free (kdh_test_engine_run (&t, ".frame 0", FALSE));
  g_assert_cmphex (evaluate (&t, "@rsp"), ==, rsp0);
  g_assert_cmphex (evaluate (&t, "@rip"), ==, rip0);
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec-scope/frame-expressions", test_frame_expressions);
  return g_test_run ();
}
