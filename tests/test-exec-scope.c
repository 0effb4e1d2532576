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
#include <stdio.h>
#include <string.h>

#include "kdh-sim-kernel.h"
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

/* ---- kp: parameters against llvm-pdbutil ------------------------------- */

typedef struct {
  gboolean frame_relative;      /* S_DEFRANGE_FRAMEPOINTER_REL, else a register */
  gchar *reg;                   /* "rcx" */
  guint size;                   /* of the register: ECX is 4 bytes of rcx */
  gint offset;
  guint start, end;             /* section offsets, gaps cut out */
} Location;

typedef struct {
  gchar *name;
  gchar *type;                  /* as llvm-pdbutil writes it: "unsigned", "_KPRCB*" */
  GArray *locations;
} Param;

typedef struct {
  gchar *name;
  guint start, size;            /* in section 1 */
  GPtrArray *params;
} Proc;

static void
param_free (gpointer data)
{
  Param *p = data;

  g_free (p->name);
  g_free (p->type);
  for (guint i = 0; i < p->locations->len; i++)
    g_free (g_array_index (p->locations, Location, i).reg);
  g_array_unref (p->locations);
  g_free (p);
}

static void
proc_free (gpointer data)
{
  Proc *p = data;

  g_free (p->name);
  g_ptr_array_unref (p->params);
  g_free (p);
}

/* "ECX" -> rcx, 4 bytes; "R8D" -> r8, 4; "RSI" -> rsi, 8. */
static gchar *
register_name (const gchar *cv,
               guint       *size)
{
  g_autofree gchar *lower = g_ascii_strdown (cv, -1);
  gsize len = strlen (lower);

  *size = 8;
  if (lower[0] == 'e' && len == 3)
    {
      *size = 4;
      return g_strdup_printf ("r%s", lower + 1);
    }
  if (lower[0] == 'r' && g_ascii_isdigit (lower[1]) && lower[len - 1] == 'd')
    {
      *size = 4;
      return g_strndup (lower, len - 1);
    }
  g_assert_true (lower[0] == 'r' && len <= 3);
  return g_steal_pointer (&lower);
}

static void
add_range (Param    *p,
           Location *loc,
           guint     start,
           guint     length,
           const gchar *gaps)
{
  GRegex *re = g_regex_new ("\\((\\d+),(\\d+)\\)", 0, 0, NULL);
  GMatchInfo *m = NULL;
  guint at = start;

  g_regex_match (re, gaps, 0, &m);
  while (g_match_info_matches (m))
    {
      g_autofree gchar *a = g_match_info_fetch (m, 1), *b = g_match_info_fetch (m, 2);
      guint gap = start + (guint) atoi (a), gap_length = (guint) atoi (b);

      if (gap > at)
        {
          loc->start = at;
          loc->end = gap;
          g_array_append_val (p->locations, *loc);
          loc->reg = g_strdup (loc->reg);
        }
      at = MAX (at, gap + gap_length);
      g_match_info_next (m, NULL);
    }
  loc->start = at;
  loc->end = start + length;
  g_array_append_val (p->locations, *loc);
  g_match_info_free (m);
  g_regex_unref (re);
}

/* Every procedure of @stem's PDB with its own parameters (not those of
 * calls inlined into it) and their location ranges, from llvm-pdbutil. */
static GPtrArray *
pdb_procs (const gchar *stem)
{
  g_autofree gchar *pdb = g_strdup_printf ("%s/%s.pdb", KDH_SIM_GUEST_DIR, stem);
  const gchar *argv[] = { "llvm-pdbutil", "dump", "--symbols", pdb, NULL };
  g_autofree gchar *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *procs = g_ptr_array_new_with_free_func (proc_free);
  GRegex *head = g_regex_new ("^\\s*\\d+ \\| (S_[A-Z0-9_]+) \\[size = \\d+\\](?: `(.*)`)?$", 0, 0,
                              NULL);
  Proc *proc = NULL;
  Param *param = NULL;
  gint depth = 0, status = 0;

  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    {
      g_autoptr (GMatchInfo) m = NULL;
      g_autofree gchar *kind = NULL, *name = NULL;
      const gchar *next = lines[i + 1];

      if (!g_regex_match (head, lines[i], 0, &m))
        continue;
      kind = g_match_info_fetch (m, 1);
      name = g_match_info_fetch (m, 2);
      if (g_str_equal (kind, "S_GPROC32") || g_str_equal (kind, "S_LPROC32"))
        {
          const gchar *addr = strstr (next, "addr = 0001:");
          const gchar *size = strstr (next, "code size = ");

          g_assert_nonnull (addr);
          g_assert_nonnull (size);
          proc = g_new0 (Proc, 1);
          proc->name = g_strdup (name);
          proc->start = (guint) atoi (addr + strlen ("addr = 0001:"));
          proc->size = (guint) atoi (size + strlen ("code size = "));
          proc->params = g_ptr_array_new_with_free_func (param_free);
          g_ptr_array_add (procs, proc);
          depth = 1;
          param = NULL;
        }
      else if (g_str_equal (kind, "S_BLOCK32") || g_str_equal (kind, "S_INLINESITE"))
        depth++, param = NULL;
      else if (g_str_equal (kind, "S_END") || g_str_equal (kind, "S_INLINESITE_END"))
        depth--, param = NULL;
      else if (proc != NULL && depth == 1 && g_str_equal (kind, "S_FRAMEPROC"))
        {
          /* Frame-relative offsets below are from rsp after the prologue. */
          g_assert_true (strstr (lines[i + 3], "param fp reg = RSP") != NULL
                         || strstr (lines[i + 3], "param fp reg = NONE") != NULL);
        }
      else if (proc != NULL && depth == 1 && g_str_equal (kind, "S_LOCAL"))
        {
          const gchar *paren = strchr (next, '(');
          const gchar *flags = strstr (next, "flags = ");

          param = NULL;
          g_assert_nonnull (paren);
          g_assert_nonnull (flags);
          if (strstr (flags, "param") == NULL)
            continue;
          param = g_new0 (Param, 1);
          param->name = g_strdup (name);
          param->type = g_strndup (paren + 1, strstr (next, "), flags") - paren - 1);
          param->locations = g_array_new (FALSE, FALSE, sizeof (Location));
          g_ptr_array_add (proc->params, param);
        }
      else if (param != NULL && depth == 1 && g_str_equal (kind, "S_DEFRANGE_REGISTER"))
        {
          Location loc = { FALSE };
          gchar reg[16];
          guint start, length;

          g_assert_cmpint (sscanf (next, " register = %15[A-Z0-9], may have no name = %*[a-z], "
                                   "range start = 0001:%u, length = %u", reg, &start, &length),
                           ==, 3);
          loc.reg = register_name (reg, &loc.size);
          add_range (param, &loc, start, length, lines[i + 2]);
        }
      else if (param != NULL && depth == 1 && g_str_equal (kind, "S_DEFRANGE_FRAMEPOINTER_REL"))
        {
          Location loc = { TRUE };
          guint start, length;

          g_assert_cmpint (sscanf (next, " offset = %d, range = [0001:%u,+%u)", &loc.offset,
                                   &start, &length), ==, 3);
          add_range (param, &loc, start, length, lines[i + 2]);
        }
      else if (param != NULL && depth == 1 && g_str_has_prefix (kind, "S_DEFRANGE"))
        g_error ("the test does not know %s (for %s)", kind, param->name);
    }
  g_regex_unref (head);
  return procs;
}

static const Proc *
proc_at (GPtrArray *procs,
         guint      offset)
{
  for (guint i = 0; i < procs->len; i++)
    {
      const Proc *p = procs->pdata[i];

      if (offset >= p->start && offset < p->start + p->size)
        return p;
    }
  return NULL;
}

static const Location *
location_at (const Param *p,
             guint        offset)
{
  for (guint i = 0; i < p->locations->len; i++)
    {
      const Location *l = &g_array_index (p->locations, Location, i);

      if (offset >= l->start && offset < l->end)
        return l;
    }
  return NULL;
}

/* What unwinding gives back in a caller's frame (x64's nonvolatile ones). */
static gboolean
nonvolatile (const gchar *reg)
{
  static const gchar *const names[] = { "rbx", "rbp", "rsi", "rdi", "rsp", "r12", "r13", "r14",
                                        "r15" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (reg, names[i]))
      return TRUE;
  return FALSE;
}

static guint64
module_base (const gchar *name)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  guint64 base = 0;

  for (guint i = 0; i < kdh_sim_kernel_n_modules (k); i++)
    if (g_strcmp0 (kdh_sim_kernel_module (k, i)->base_name, name) == 0)
      base = kdh_sim_kernel_module (k, i)->base;
  kdh_sim_kernel_free (k);
  g_assert_cmphex (base, !=, 0);
  return base;
}

/* KD's writing of an unsigned value or a pointer. */
static gchar *
kp_value (const gchar *type,
          guint64      value)
{
  if (strchr (type, '*') != NULL || value > G_MAXUINT32)
    return g_strdup_printf ("0x%08x`%08x", (guint32) (value >> 32), (guint32) value);
  g_assert_true (g_str_has_prefix (type, "unsigned"));
  return value == 0 ? g_strdup ("0") : g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", value);
}

/* The parameters "T a = 1, T b = <...>" of a kp line, as name -> value. */
static GHashTable *
kp_params (const gchar *line)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const gchar *open = strchr (strchr (line, '!'), '(');
  const gchar *close = strrchr (line, ')');
  g_autofree gchar *inner = g_strndup (open + 1, close - open - 1);
  g_auto (GStrv) items = g_strsplit (inner, ", ", -1);

  for (guint i = 0; items[i]; i++)
    {
      const gchar *eq = strstr (items[i], " = ");
      const gchar *name;

      g_assert_nonnull (eq);
      for (name = eq; name > items[i] && name[-1] != ' '; name--)
        ;
      g_hash_table_insert (values, g_strndup (name, eq - name), g_strdup (eq + 3));
      /* The order is the PDB's: remembered by position too. */
      g_hash_table_insert (values, g_strdup_printf ("#%u", i), g_strndup (name, eq - name));
    }
  return values;
}

/* Every frame of kpn in kdhtest and nt: each parameter's name in the
 * PDB's order, and its value where llvm-pdbutil's ranges put it in a
 * register unwinding gives back (read with .frame /r) or in the frame's
 * stack (read with dd/dq), "<Value unavailable error>" elsewhere.
 * Returns how many values were known. */
static guint
check_kp (KdhTestEngine *t)
{
  g_autofree gchar *kn = kdh_test_engine_run (t, "kn", FALSE);
  g_autofree gchar *kpn = kdh_test_engine_run (t, "kpn", FALSE);
  g_autoptr (GArray) frames = parse_kn (kn);
  g_auto (GStrv) lines = g_strsplit (kpn, "\n", -1);
  g_autoptr (GPtrArray) nt = pdb_procs ("ntoskrnl");
  g_autoptr (GPtrArray) drv = pdb_procs ("kdhtest");
  guint64 nt_base = module_base ("nt"), drv_base = module_base ("kdhtest");
  guint known = 0, n = 0;

  for (guint k = 0; lines[k]; k++)
    {
      g_autoptr (GHashTable) values = NULL;
      g_autofree gchar *frame_line = NULL, *regs = NULL;
      guint64 address, base;
      const Proc *proc;
      GPtrArray *procs;

      if (strlen (lines[k]) < 40 || !g_ascii_isxdigit (lines[k][0]) || lines[k][2] != ' ')
        continue;
      g_assert_cmpuint (n, <, frames->len);
      address = n == 0 ? evaluate (t, "@rip") : g_array_index (frames, Frame, n - 1).ret;
      procs = strstr (lines[k], " kdhtest!") ? drv : strstr (lines[k], " nt!") ? nt : NULL;
      if (procs == NULL)
        {
          n++;
          continue;
        }
      base = procs == drv ? drv_base : nt_base;
      /* lld puts .text, section 1, at RVA 0x1000. */
      proc = proc_at (procs, (guint) (address - (n ? 1 : 0) - base - 0x1000));
      g_assert_nonnull (proc);
      g_assert_nonnull (strstr (lines[k], proc->name));
      if (proc->params->len == 0)
        {
          n++;
          continue;
        }
      values = kp_params (lines[k]);
      frame_line = g_strdup_printf (".frame /r %x", n);
      regs = kdh_test_engine_run (t, frame_line, FALSE);
      for (guint i = 0; i < proc->params->len; i++)
        {
          const Param *p = proc->params->pdata[i];
          g_autofree gchar *position = g_strdup_printf ("#%u", i);
          guint offset = (guint) (address - base - 0x1000);
          const Location *loc = location_at (p, offset - (n ? 1 : 0));
          g_autofree gchar *want = NULL;

          g_assert_cmpstr (g_hash_table_lookup (values, position), ==, p->name);
          /* In a caller's frame a volatile register is not known; where
           * the call returns to, the value may be in one that is. */
          if (n > 0 && (loc == NULL || (!loc->frame_relative && !nonvolatile (loc->reg))))
            {
              const Location *after = location_at (p, offset);

              if (after != NULL && (after->frame_relative || nonvolatile (after->reg)))
                loc = after;
            }
          if (loc == NULL || (n > 0 && !loc->frame_relative && !nonvolatile (loc->reg)))
            want = g_strdup ("<Value unavailable error>");
          else if (!loc->frame_relative)
            {
              guint64 v = register_in (regs, loc->reg);

              want = kp_value (p->type, loc->size < 8 ? v & ((G_GUINT64_CONSTANT (1) << (8 * loc->size)) - 1) : v);
            }
          else
            {
              guint64 at = g_array_index (frames, Frame, n).child_sp + loc->offset;
              gboolean wide = strchr (p->type, '*') != NULL || strstr (p->type, "__int64");
              g_autofree gchar *a = hex (at);
              g_autofree gchar *cmd = g_strdup_printf ("%s %s L1", wide ? "dq" : "dd", a);
              g_autofree gchar *mem = kdh_test_engine_run (t, cmd, FALSE);

              want = kp_value (p->type, wide ? parse_address (mem + 19)
                                             : g_ascii_strtoull (mem + 19, NULL, 16));
            }
          if (!g_str_equal (want, "<Value unavailable error>"))
            known++;
          g_assert_cmpstr (g_hash_table_lookup (values, p->name), ==, want);
        }
      n++;
    }
  g_assert_cmpuint (n, ==, frames->len);
  return known;
}

/* kp at the leaf of kdhtest's recursion and in the device walk: names and
 * values as llvm-pdbutil's records place them; Depth counts down the
 * recursion as the sources say (kdhtest.c), and the fifth parameter,
 * passed on the stack, is read there in every frame. */
static void
test_kp_values (void)
{
  KdhTestEngine t;
  g_autofree gchar *kpn = NULL;
  guint known;

  attach_at (&t, "kdhtest!KdhTestNestLeaf");
  known = check_kp (&t);
  g_assert_cmpuint (known, >=, 10);
  kpn = kdh_test_engine_run (&t, "kpn", FALSE);
  {
    g_auto (GStrv) lines = g_strsplit (kpn, "\n", -1);
    const gchar *needle = " kdhtest!KdhTestNest(unsigned int Depth = 0x";
    guint depths = 0;

    /* Frame 1 is the call with Depth 0, frame 9 the first, Depth 8. */
    for (guint i = 0; lines[i]; i++)
      {
        const gchar *at = strstr (lines[i], needle);

        if (at == NULL)
          continue;
        g_assert_cmpuint (g_ascii_strtoull (at + strlen (needle), NULL, 16), ==,
                          g_ascii_strtoull (lines[i], NULL, 16) - 1);
        depths++;
      }
    g_assert_cmpuint (depths, ==, 8);
  }
  kdh_test_engine_clear (&t);

  attach_at (&t, "kdhtest!KdhTestRecordSample");
  known = check_kp (&t);
  g_assert_cmpuint (known, >=, 5);
  kdh_test_engine_clear (&t);
}

/* ---- !pcr ------------------------------------------------------------- */

typedef struct {
  guint offset;
  guint size;
} Member;

/* The members of @type_name (its definition, not a forward reference) in
 * @stem's PDB, from llvm-pdbutil: name -> Member*. */
static GHashTable *
pdb_members (const gchar *stem,
             const gchar *type_name)
{
  g_autofree gchar *pdb = g_strdup_printf ("%s/%s.pdb", KDH_SIM_GUEST_DIR, stem);
  const gchar *argv[] = { "llvm-pdbutil", "dump", "--types", pdb, NULL };
  g_autofree gchar *out = NULL, *head = g_strdup_printf ("LF_STRUCTURE [size = ");
  g_autofree gchar *tag = g_strdup_printf ("`%s`", type_name), *list = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  GHashTable *members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gint status = 0;
  gboolean in_list = FALSE;

  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] && lines[i + 1] && list == NULL; i++)
    {
      const gchar *field = strstr (lines[i + 1], "field list: 0x");

      if (strstr (lines[i], head) && g_str_has_suffix (lines[i], tag) && field != NULL)
        list = g_strdup_printf ("%.6s | LF_FIELDLIST", field + strlen ("field list: "));
    }
  g_assert_nonnull (list);
  for (guint i = 0; lines[i]; i++)
    {
      const gchar *name = strstr (lines[i], "- LF_MEMBER [name = `");
      const gchar *offset = strstr (lines[i], ", offset = ");
      Member *m;

      if (strstr (lines[i], list) != NULL)
        {
          in_list = TRUE;
          continue;
        }
      if (in_list && strstr (lines[i], " | LF_") != NULL)
        break;
      if (!in_list || name == NULL || offset == NULL)
        continue;
      name += strlen ("- LF_MEMBER [name = `");
      m = g_new0 (Member, 1);
      m->offset = (guint) atoi (offset + strlen (", offset = "));
      m->size = strstr (lines[i], "(unsigned char)") ? 1 : strstr (lines[i], "(unsigned short)") ? 2
                : strstr (lines[i], "(unsigned)") ? 4 : 8;
      g_hash_table_insert (members, g_strndup (name, strcspn (name, "`")), m);
    }
  g_assert_cmpuint (g_hash_table_size (members), >, 5);
  return members;
}

/* @size bytes at @address, read with db/dw/dq. */
static guint64
read_value (KdhTestEngine *t,
            guint64        address,
            guint          size)
{
  g_autofree gchar *a = hex (address);
  g_autofree gchar *line = g_strdup_printf ("%s %s L1", size == 1 ? "db" : size == 2 ? "dw" : "dq",
                                            a);
  g_autofree gchar *out = kdh_test_engine_run (t, line, FALSE);

  g_assert_true (g_str_has_prefix (out, a));
  return size == 8 ? parse_address (out + 19) : g_ascii_strtoull (out + 19, NULL, 16);
}

/* "\t  Label: 0000000000000000" in !pcr's output. */
static gboolean
pcr_field (const gchar *text,
           const gchar *label,
           guint64     *value)
{
  g_autofree gchar *needle = g_strdup_printf (" %s: ", label);
  const gchar *at = strstr (text, needle);

  if (at == NULL)
    return FALSE;
  *value = g_ascii_strtoull (at + strlen (needle), NULL, 16);
  return TRUE;
}

/* !pcr N for both processors: the KPCR where KiProcessorBlock's KPRCB
 * says (less _KPCR.Prcb's offset, from llvm-pdbutil), and each field the
 * memory at its offset in _KPCR or _KPRCB holds. Without nt's PDB the
 * same values where KdDebuggerDataBlock's offsets or the processor's
 * special registers give them, and what neither gives is named. */
static void
test_pcr (void)
{
  static const struct { const gchar *label, *member; gboolean prcb; } shown[] = {
    { "SelfPcr", "Self", FALSE }, { "Prcb", "CurrentPrcb", FALSE }, { "Irql", "Irql", FALSE },
    { "IDT", "IdtBase", FALSE }, { "GDT", "GdtBase", FALSE }, { "TSS", "TssBase", FALSE },
    { "CurrentThread", "CurrentThread", TRUE }, { "NextThread", "NextThread", TRUE },
    { "IdleThread", "IdleThread", TRUE },
  };
  g_autoptr (GHashTable) kpcr = pdb_members ("ntoskrnl", "_KPCR");
  g_autoptr (GHashTable) kprcb = pdb_members ("ntoskrnl", "_KPRCB");
  const Member *contained = g_hash_table_lookup (kpcr, "Prcb");
  g_autofree gchar *blocks = NULL, *empty = NULL, *sympath = NULL, *bad = NULL;
  gchar *with[2] = { NULL, NULL };
  KdhTestEngine t;

  g_assert_nonnull (contained);
  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  sympath = g_strdup_printf (".sympath %s", KDH_SIM_GUEST_DIR);
  g_free (kdh_test_engine_run (&t, sympath, FALSE));
  g_free (kdh_test_engine_run (&t, ".reload", FALSE));
  blocks = kdh_test_engine_run (&t, "dq nt!KiProcessorBlock L2", FALSE);
  for (guint cpu = 0; cpu < 2; cpu++)
    {
      guint64 prcb = parse_address (blocks + 19 + 18 * cpu), base = prcb - contained->offset;
      g_autofree gchar *line = g_strdup_printf ("!pcr %u", cpu);
      g_autofree gchar *head = NULL, *at = hex (base);
      const Member *major = g_hash_table_lookup (kpcr, "MajorVersion");
      const Member *minor = g_hash_table_lookup (kpcr, "MinorVersion");
      g_autofree gchar *version = NULL;

      with[cpu] = kdh_test_engine_run (&t, line, FALSE);
      head = g_strdup_printf ("KPCR for Processor %u at %s:\n", cpu, at);
      g_assert_true (g_str_has_prefix (with[cpu], head));
      version = g_strdup_printf ("    Major %" G_GUINT64_FORMAT " Minor %" G_GUINT64_FORMAT "\n",
                                 read_value (&t, base + major->offset, major->size),
                                 read_value (&t, base + minor->offset, minor->size));
      g_assert_nonnull (strstr (with[cpu], version));
      for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
        {
          const Member *m = g_hash_table_lookup (shown[i].prcb ? kprcb : kpcr, shown[i].member);
          guint64 value;

          g_assert_nonnull (m);
          g_assert_true (pcr_field (with[cpu], shown[i].label, &value));
          g_assert_cmphex (value, ==, read_value (&t, (shown[i].prcb ? prcb : base) + m->offset,
                                                  m->size));
        }
      g_assert_null (strstr (with[cpu], "Not shown"));
    }

  /* No PDB: KdDebuggerDataBlock's offsets and the special registers give
   * the same values, and what they cannot give is said. */
  empty = g_strdup_printf (".sympath %s", t.tmpdir);
  g_free (kdh_test_engine_run (&t, empty, FALSE));
  g_free (kdh_test_engine_run (&t, ".reload", FALSE));
  for (guint cpu = 0; cpu < 2; cpu++)
    {
      g_autofree gchar *line = g_strdup_printf ("!pcr %u", cpu);
      g_autofree gchar *without = kdh_test_engine_run (&t, line, FALSE);

      g_assert_true (g_str_has_prefix (without, "KPCR for Processor "));
      {
        g_autofree gchar *first = g_strndup (without, strchr (without, '\n') - without);

        g_assert_true (g_str_has_prefix (with[cpu], first));
      }
      for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
        {
          guint64 a, b;

          if (g_str_equal (shown[i].label, "NextThread"))
            {
              g_assert_false (pcr_field (without, shown[i].label, &b));
              continue;
            }
          g_assert_true (pcr_field (with[cpu], shown[i].label, &a));
          g_assert_true (pcr_field (without, shown[i].label, &b));
          g_assert_cmphex (a, ==, b);
        }
      g_assert_nonnull (strstr (without, "Not shown: Major, Minor, NextThread ("));
    }

  g_free (with[0]);
  g_free (with[1]);
  bad = kdh_test_engine_run (&t, "!pcr 2", TRUE);
  g_assert_nonnull (strstr (bad, "There is no processor 2: the target has 2."));
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec-scope/frame-expressions", test_frame_expressions);
  g_test_add_func ("/exec-scope/kp-values", test_kp_values);
  g_test_add_func ("/exec-scope/pcr", test_pcr);
  return g_test_run ();
}
