/* test-commands-disasm.c: u, ub and uf against an independent disassembler
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulated machine runs the build's kdhtest.sys; what u shows of it
 * is compared instruction by instruction with llvm-objdump's disassembly
 * of the same file (mnemonics, call and jump targets, RIP-relative
 * addresses), moved to the base `lm` reports. uf's bounds are checked
 * against llvm-readobj's reading of the image's .pdata.
 */
#include <string.h>

#include "kdh-test-engine.h"

typedef struct {
  guint64 address;
  gchar *mnemonic;             /* "lock add", "int3" as objdump spells them */
  guint64 target;              /* a branch's destination or a RIP-relative address; 0: none */
} Insn;

static void
insn_clear (gpointer data)
{
  g_free (((Insn *) data)->mnemonic);
}

static gchar *
tool (const gchar *name,
      const gchar *const *args)
{
  g_autofree gchar *path = g_find_program_in_path (name);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  for (guint v = 19; path == NULL && v >= 11; v--)
    {
      g_autofree gchar *versioned = g_strdup_printf ("%s-%u", name, v);

      path = g_find_program_in_path (versioned);
    }
  if (path == NULL)
    g_error ("%s is not installed (scripts/install-deps installs llvm)", name);
  g_ptr_array_add (argv, path);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

static gchar *
image (const gchar *name)
{
  return g_build_filename (KDH_SIM_GUEST_DIR, name, NULL);
}

static guint64
hex (const gchar *text)
{
  g_autofree gchar *copy = g_strdup (text);
  gchar *tick = strchr (copy, '`');

  if (tick)
    memmove (tick, tick + 1, strlen (tick));
  return g_ascii_strtoull (copy, NULL, 16);
}

/* llvm-objdump -d --x86-asm-syntax=intel, by address (file addresses). A
 * lone "lock" line is the prefix of the next instruction, as Capstone and
 * KD show it. */
static GArray *
objdump (const gchar *file)
{
  const gchar *args[] = { "-d", "--x86-asm-syntax=intel", "--no-show-raw-insn", file, NULL };
  g_autofree gchar *text = tool ("llvm-objdump", args);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GArray *insns = g_array_new (FALSE, TRUE, sizeof (Insn));
  gchar *prefix = NULL;
  guint64 prefix_address = 0;

  g_array_set_clear_func (insns, insn_clear);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) parts = NULL;
      Insn insn = { 0 };
      const gchar *ops, *comment;
      gchar *colon = strstr (lines[i], ": ");

      /* Instruction lines only: "fffff80003001000:      \tpush\trsi". */
      if (colon == NULL || !g_ascii_isxdigit (lines[i][0]))
        continue;
      parts = g_strsplit (colon + 2, "\t", 3);
      if (parts[0] == NULL || parts[1] == NULL)
        continue;
      insn.address = g_ascii_strtoull (lines[i], NULL, 16);
      if (g_str_equal (g_strstrip (parts[1]), "lock"))
        {
          prefix = g_strdup ("lock ");
          prefix_address = insn.address;
          continue;
        }
      insn.mnemonic = g_strconcat (prefix ? prefix : "", parts[1], NULL);
      if (prefix)
        insn.address = prefix_address;
      g_clear_pointer (&prefix, g_free);
      ops = parts[2] ? parts[2] : "";
      comment = strstr (ops, "# 0x");
      if (comment)
        insn.target = g_ascii_strtoull (comment + 2, NULL, 16);
      else if (g_str_has_prefix (ops, "0x") && (g_str_has_prefix (insn.mnemonic, "j")
                                                || g_str_equal (insn.mnemonic, "call")))
        insn.target = g_ascii_strtoull (ops, NULL, 16);
      g_array_append_val (insns, insn);
    }
  g_free (prefix);
  return insns;
}

static const Insn *
find (GArray  *insns,
      guint64  address)
{
  for (guint i = 0; i < insns->len; i++)
    if (g_array_index (insns, Insn, i).address == address)
      return &g_array_index (insns, Insn, i);
  return NULL;
}

/* Our instruction lines: "fffff800`03001000 56              push    rsi". */
static GArray *
parse_u (const gchar *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GArray *insns = g_array_new (FALSE, TRUE, sizeof (Insn));

  g_array_set_clear_func (insns, insn_clear);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) words = NULL;
      g_autoptr (GPtrArray) w = g_ptr_array_new ();
      Insn insn = { 0 };
      const gchar *paren;

      if (strlen (lines[i]) < 20 || lines[i][8] != '`' || lines[i][17] != ' ')
        continue;
      words = g_strsplit_set (lines[i], " ", -1);
      for (guint k = 0; words[k]; k++)
        if (*words[k])
          g_ptr_array_add (w, words[k]);
      g_assert_cmpuint (w->len, >=, 3);
      insn.address = hex (w->pdata[0]);
      if (g_str_equal (w->pdata[2], "lock") || g_str_has_prefix (w->pdata[2], "rep"))
        insn.mnemonic = g_strdup_printf ("%s %s", (gchar *) w->pdata[2], (gchar *) w->pdata[3]);
      else if (g_str_equal (w->pdata[2], "int") && w->len > 3 && g_str_equal (w->pdata[3], "3"))
        insn.mnemonic = g_strdup ("int3");
      else
        insn.mnemonic = g_strdup (w->pdata[2]);
      /* "sym (fffff800`03001030)", "[sym (addr)]", or a bare address. */
      paren = strrchr (lines[i], '(');
      if (paren && paren[1] != '\0' && lines[i][strlen (lines[i]) - 1] != '?')
        insn.target = hex (paren + 1);
      else if (w->len == 4 && strchr (w->pdata[3], '`'))
        insn.target = hex (w->pdata[3]);
      g_array_append_val (insns, insn);
    }
  return insns;
}

static guint64
module_base (KdhTestEngine *t,
             const gchar   *name)
{
  g_autofree gchar *cmd = g_strdup_printf ("lm m %s", name);
  g_autofree gchar *out = kdh_test_engine_run (t, cmd, FALSE);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);

  g_assert_nonnull (lines[0]);
  g_assert_nonnull (lines[1]);
  return hex (lines[1]);
}

static guint64
image_base (const gchar *file)
{
  const gchar *args[] = { "--file-headers", file, NULL };
  g_autofree gchar *text = tool ("llvm-readobj", args);
  const gchar *p = strstr (text, "ImageBase: 0x");

  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen ("ImageBase: "), NULL, 16);
}

/* Each of @ours is at an instruction boundary of @theirs, with the same
 * mnemonic and target, moved by @delta (loaded minus file address). */
static void
compare (GArray  *ours,
         GArray  *theirs,
         guint64  delta)
{
  for (guint i = 0; i < ours->len; i++)
    {
      const Insn *a = &g_array_index (ours, Insn, i);
      const Insn *b = find (theirs, a->address - delta);

      g_test_message ("%" G_GINT64_MODIFIER "x %s", a->address, a->mnemonic);
      g_assert_nonnull (b);
      g_assert_cmpstr (a->mnemonic, ==, b->mnemonic);
      g_assert_cmphex (a->target, ==, b->target ? b->target + delta : 0);
      /* The next one follows at objdump's next boundary. */
      if (i + 1 < ours->len)
        g_assert_true (b + 1 == find (theirs, g_array_index (ours, Insn, i + 1).address - delta));
    }
}

static void
test_u_matches_objdump (void)
{
  KdhTestEngine t;
  g_autofree gchar *file = image ("kdhtest.sys");
  g_autoptr (GArray) theirs = objdump (file);
  g_autoptr (GArray) ours = NULL, more = NULL;
  g_autofree gchar *out = NULL, *again = NULL;
  guint64 delta, tick;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  delta = module_base (&t, "kdhtest") - image_base (file);

  /* 0x30 instructions: three functions, with calls, branches and
   * RIP-relative operands. */
  out = kdh_test_engine_run (&t, "u kdhtest!KdhTestTick L30", FALSE);
  g_assert_true (g_str_has_prefix (out, "kdhtest!KdhTestTick:\n"));
  ours = parse_u (out);
  g_assert_cmpuint (ours->len, ==, 0x30);
  tick = g_array_index (ours, Insn, 0).address;
  g_assert_cmphex (tick - delta, ==, g_array_index (theirs, Insn, 0).address);
  compare (ours, theirs, delta);
  /* Targets are shown symbolically. */
  g_assert_nonnull (strstr (out, "call    kdhtest!KdhTestTick+0x30 (fffff800`"));
  g_assert_nonnull (strstr (out, "[kdhtest!KdhTestTickCount (fffff800`"));
  g_assert_nonnull (strstr (out, "sub     rsp,28h\n"));

  /* Enter goes on where u ended. */
  again = kdh_test_engine_run (&t, "", FALSE);
  more = parse_u (again);
  g_assert_cmpuint (more->len, ==, 8);
  {
    const Insn *last = &g_array_index (ours, Insn, ours->len - 1);
    const Insn *next = find (theirs, last->address - delta) + 1;

    g_assert_cmphex (g_array_index (more, Insn, 0).address, ==, next->address + delta);
  }
  compare (more, theirs, delta);
  kdh_test_engine_clear (&t);
}

/* u alone goes on too; another command in between keeps Enter for itself. */
static void
test_u_continues (void)
{
  KdhTestEngine t;
  g_autofree gchar *first = NULL, *second = NULL, *r = NULL, *enter = NULL, *ip = NULL;
  g_autoptr (GArray) a = NULL, b = NULL, c = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  /* At a new stop u starts at the instruction pointer. */
  ip = kdh_test_engine_run (&t, "u", FALSE);
  c = parse_u (ip);
  g_assert_cmpuint (c->len, ==, 8);
  g_assert_true (g_str_has_prefix (ip, "nt!DbgBreakPointWithStatus:\n"));
  first = kdh_test_engine_run (&t, "u kdhtest!KdhTestTick L3", FALSE);
  a = parse_u (first);
  g_assert_cmpuint (a->len, ==, 3);
  second = kdh_test_engine_run (&t, "u", FALSE);
  b = parse_u (second);
  g_assert_cmpuint (b->len, ==, 8);
  /* push rsi; push rdi; sub rsp,28h (4 bytes): the fourth at +6. */
  g_assert_cmphex (g_array_index (b, Insn, 0).address, ==,
                   g_array_index (a, Insn, 0).address + 6);
  r = kdh_test_engine_run (&t, "? 1", FALSE);
  enter = kdh_test_engine_run (&t, "", FALSE);
  g_assert_cmpstr (enter, ==, r);
  kdh_test_engine_clear (&t);
}

/* 16 instructions are one read, once the module's symbols are known. */
static void
test_u_round_trips (void)
{
  KdhTestEngine t;
  g_autofree gchar *warm = NULL, *out = NULL;
  KdhSimCounters before, after;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  warm = kdh_test_engine_run (&t, "u kdhtest!KdhTestTick L10", FALSE);
  before = kdh_test_engine_sim_counters (&t);
  out = kdh_test_engine_run (&t, "u kdhtest!KdhTestTick+0x30 L10", FALSE);
  after = kdh_test_engine_sim_counters (&t);
  g_assert_cmpstr (strstr (out, "kdhtest!KdhTestTick+0x30:\n"), ==, out);
  g_assert_cmpuint (after.manipulates - before.manipulates, ==, 1);
  kdh_test_engine_clear (&t);
}

static void
test_ub (void)
{
  KdhTestEngine t;
  g_autofree gchar *file = image ("kdhtest.sys");
  g_autoptr (GArray) theirs = objdump (file);
  g_autoptr (GArray) ours = NULL;
  g_autofree gchar *out = NULL;
  guint64 delta, tick;
  const Insn *at;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  delta = module_base (&t, "kdhtest") - image_base (file);
  tick = g_array_index (theirs, Insn, 0).address + delta;
  /* The five instructions before the call at +0x66 of the second
   * function, which follows the first one's padding. */
  at = find (theirs, tick - delta + 0x66);
  g_assert_nonnull (at);
  g_assert_cmpstr (at->mnemonic, ==, "call");
  out = kdh_test_engine_run (&t, "ub kdhtest!KdhTestTick+0x66 L5", FALSE);
  ours = parse_u (out);
  g_assert_cmpuint (ours->len, ==, 5);
  compare (ours, theirs, delta);
  g_assert_true (find (theirs, g_array_index (ours, Insn, 4).address - delta) + 1 == at);
  kdh_test_engine_clear (&t);
}

/* uf: the function's bounds from .pdata, as llvm-readobj reads them. */
static void
test_uf (void)
{
  KdhTestEngine t;
  g_autofree gchar *file = image ("kdhtest.sys");
  const gchar *args[] = { "--unwind", file, NULL };
  g_autofree gchar *unwind = tool ("llvm-readobj", args);
  g_autoptr (GArray) theirs = objdump (file);
  g_autoptr (GArray) ours = NULL;
  g_autofree gchar *out = NULL, *err = NULL, *opt = NULL;
  const gchar *second = strstr (strstr (unwind, "RuntimeFunction") + 1, "RuntimeFunction");
  guint64 delta, start, end;
  const Insn *last;

  g_assert_nonnull (second);
  start = g_ascii_strtoull (strstr (second, "StartAddress: (") + 15, NULL, 16);
  end = g_ascii_strtoull (strstr (second, "EndAddress: (") + 13, NULL, 16);
  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  delta = module_base (&t, "kdhtest") - image_base (file);
  /* An address inside the second function. */
  {
    g_autofree gchar *cmd = g_strdup_printf ("uf %" G_GINT64_MODIFIER "x", start + delta + 0x10);

    out = kdh_test_engine_run (&t, cmd, FALSE);
  }
  ours = parse_u (out);
  compare (ours, theirs, delta);
  g_assert_cmphex (g_array_index (ours, Insn, 0).address, ==, start + delta);
  last = find (theirs, g_array_index (ours, Insn, ours->len - 1).address - delta);
  g_assert_cmphex ((last + 1)->address, ==, end);
  g_assert_cmpstr (last->mnemonic, ==, "ret");
  /* Blocks: a blank line and a label, "Branch" after a conditional jump. */
  g_assert_nonnull (strstr (out, "  Branch\n\nkdhtest!KdhTestTick+0x"));

  err = kdh_test_engine_run (&t, "uf 10", TRUE);
  g_assert_nonnull (strstr (err, "No module holds 00000000`00000010"));
  opt = kdh_test_engine_run (&t, "uf /c kdhtest!KdhTestTick", TRUE);
  g_assert_nonnull (strstr (opt, "uf options ('/c kdhtest!KdhTestTick') are not supported yet"));
  kdh_test_engine_clear (&t);
}

static void
test_errors (void)
{
  KdhTestEngine t;
  g_autofree gchar *bad = NULL, *unreadable = NULL, *big = NULL;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  bad = kdh_test_engine_run (&t, "u nosuch!thing", TRUE);
  g_assert_nonnull (strstr (bad, "unknown symbol"));
  big = kdh_test_engine_run (&t, "u nt L100000", TRUE);
  g_assert_nonnull (strstr (big, "ange"));
  /* Unreadable memory shows as KD shows it, one byte at a time. */
  unreadable = kdh_test_engine_run (&t, "u 1000 L2", FALSE);
  g_assert_cmpstr (unreadable, ==, "00000000`00001000 ??              ???\n"
                                   "00000000`00001001 ??              ???\n");
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/commands/u/objdump", test_u_matches_objdump);
  g_test_add_func ("/commands/u/continues", test_u_continues);
  g_test_add_func ("/commands/u/round-trips", test_u_round_trips);
  g_test_add_func ("/commands/ub", test_ub);
  g_test_add_func ("/commands/uf", test_uf);
  g_test_add_func ("/commands/u/errors", test_errors);
  return g_test_run ();
}
