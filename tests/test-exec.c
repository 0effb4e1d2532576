/* test-exec.c: breakpoints, stacks and stepping on the executing simulator
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine against the in-process simulated machine (sim:), whose guest
 * images really run. What the commands show is checked against readers
 * that are not ours: function ranges from llvm-pdbutil over the guest
 * PDBs, instruction lengths from Capstone over the image files' bytes, and
 * export addresses from the simulator's own loader.
 */
#include <capstone/capstone.h>
#include <string.h>

#include "kdh-sim-kernel.h"
#include "kdh-test-engine.h"
#include "kdh-test-net.h"

/* ---- Independent facts about the guest images ---------------------------- */

typedef struct {
  gchar *name;
  guint64 start;
  guint64 size;
} Function;

static KdhSimKernel *
sim_kernel (void)
{
  return kdh_sim_kernel_new (1, 1);
}

static guint64
module_base (const gchar *name)
{
  KdhSimKernel *k = sim_kernel ();
  guint64 base = 0;

  for (guint i = 0; i < kdh_sim_kernel_n_modules (k); i++)
    if (g_strcmp0 (kdh_sim_kernel_module (k, i)->base_name, name) == 0)
      base = kdh_sim_kernel_module (k, i)->base;
  kdh_sim_kernel_free (k);
  g_assert_cmphex (base, !=, 0);
  return base;
}

static guint64
sim_export (const gchar *module,
            const gchar *name)
{
  KdhSimKernel *k = sim_kernel ();
  guint64 a = kdh_sim_kernel_lookup_export (k, module, name);

  kdh_sim_kernel_free (k);
  g_assert_cmphex (a, !=, 0);
  return a;
}

static gchar *
run_tool (const gchar *const *argv)
{
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint status = 0;
  g_autofree gchar *program = g_find_program_in_path (argv[0]);

  if (program == NULL)
    g_error ("%s is not installed (scripts/install-deps installs llvm)", argv[0]);
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* Every procedure in @stem's PDB (llvm-pdbutil), at its load address. */
static GArray *
pdb_functions (const gchar *stem,
               const gchar *module)
{
  g_autofree gchar *pdb = g_strdup_printf ("%s/%s.pdb", KDH_SIM_GUEST_DIR, stem);
  const gchar *argv[] = { "llvm-pdbutil", "dump", "--symbols", pdb, NULL };
  g_autofree gchar *out = run_tool (argv);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  GArray *functions = g_array_new (FALSE, FALSE, sizeof (Function));
  guint64 base = module_base (module);

  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    {
      const gchar *tick, *addr, *size;
      Function f;

      if (strstr (lines[i], "S_GPROC32") == NULL && strstr (lines[i], "S_LPROC32") == NULL)
        continue;
      tick = strchr (lines[i], '`');
      addr = strstr (lines[i + 1], "addr = 0001:");
      size = strstr (lines[i + 1], "code size = ");
      g_assert_nonnull (tick);
      g_assert_nonnull (addr);
      g_assert_nonnull (size);
      f.name = g_strndup (tick + 1, strcspn (tick + 1, "`"));
      /* lld puts .text, section 1, at RVA 0x1000. */
      f.start = base + 0x1000 + g_ascii_strtoull (addr + strlen ("addr = 0001:"), NULL, 10);
      f.size = g_ascii_strtoull (size + strlen ("code size = "), NULL, 10);
      g_array_append_val (functions, f);
    }
  g_assert_cmpuint (functions->len, >, 3);
  return functions;
}

static const gchar *
function_at (GArray  *functions,
             guint64  address)
{
  for (guint i = 0; i < functions->len; i++)
    {
      Function *f = &g_array_index (functions, Function, i);

      if (address >= f->start && address < f->start + f->size)
        return f->name;
    }
  return NULL;
}

static guint64
function_start (GArray      *functions,
                const gchar *name)
{
  for (guint i = 0; i < functions->len; i++)
    if (strcmp (g_array_index (functions, Function, i).name, name) == 0)
      return g_array_index (functions, Function, i).start;
  g_error ("no function %s in the PDB", name);
  return 0;
}

static void
functions_free (GArray *functions)
{
  for (guint i = 0; i < functions->len; i++)
    g_free (g_array_index (functions, Function, i).name);
  g_array_unref (functions);
}

/* The bytes of the image file at @address (kdhtest.sys is loaded at
 * @base, sections at their RVAs). */
static void
file_bytes (const gchar *file,
            guint64      base,
            guint64      address,
            guint8      *out,
            gsize        len)
{
  g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, file, NULL);
  g_autofree gchar *data = NULL;
  gsize size;
  const guint8 *p;
  guint32 pe, n_sections, opt_size;
  guint64 rva = address - base;

  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  p = (const guint8 *) data;
  pe = p[0x3C] | p[0x3D] << 8 | p[0x3E] << 16 | (guint32) p[0x3F] << 24;
  n_sections = p[pe + 6] | p[pe + 7] << 8;
  opt_size = p[pe + 20] | p[pe + 21] << 8;
  for (guint i = 0; i < n_sections; i++)
    {
      const guint8 *s = p + pe + 24 + opt_size + 40 * i;
      guint32 va = s[12] | s[13] << 8 | s[14] << 16 | (guint32) s[15] << 24;
      guint32 raw_size = s[16] | s[17] << 8 | s[18] << 16 | (guint32) s[19] << 24;
      guint32 raw = s[20] | s[21] << 8 | s[22] << 16 | (guint32) s[23] << 24;

      if (rva >= va && rva + len <= (guint64) va + raw_size)
        {
          memcpy (out, p + raw + (rva - va), len);
          return;
        }
    }
  g_error ("%" G_GINT64_MODIFIER "x is in no section of %s", address, file);
}

/* Capstone over the file's bytes: the instruction's length and mnemonic. */
static gsize
decode (guint64   address,
        gchar   **mnemonic)
{
  guint8 code[16];
  csh handle;
  cs_insn *insn = NULL;
  gsize length;

  file_bytes ("kdhtest.sys", module_base ("kdhtest"), address, code, sizeof code);
  g_assert_cmpint (cs_open (CS_ARCH_X86, CS_MODE_64, &handle), ==, CS_ERR_OK);
  g_assert_cmpuint (cs_disasm (handle, code, sizeof code, address, 1, &insn), ==, 1);
  length = insn->size;
  if (mnemonic)
    *mnemonic = g_strdup (insn->mnemonic);
  cs_free (insn, 1);
  cs_close (&handle);
  return length;
}

/* ---- Driving the debugger ------------------------------------------------ */

static guint
count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static gchar *
hex (guint64 a)
{
  return g_strdup_printf ("%08x`%08x", (guint32) (a >> 32), (guint32) a);
}

static guint64
parse_address (const gchar *text)
{
  g_autofree gchar *copy = g_strndup (text, 17);

  g_assert_cmpint (copy[8], ==, '`');
  memmove (copy + 8, copy + 9, 9);
  return g_ascii_strtoull (copy, NULL, 16);
}

static guint64
reg (KdhTestEngine *t,
     const gchar   *name)
{
  g_autofree gchar *line = g_strdup_printf ("r %s", name);
  g_autofree gchar *out = kdh_test_engine_run (t, line, FALSE);
  const gchar *eq = strchr (out, '=');

  g_assert_nonnull (eq);
  return g_ascii_strtoull (eq + 1, NULL, 16);
}

static gboolean
is_ready (gpointer data)
{
  return ((KdhTestEngine *) data)->ready;
}

/* Runs @line (g and friends) and waits for the stop it ends in; returns
 * the output from the command to the stop. */
static gchar *
run_to_stop (KdhTestEngine *t,
             const gchar   *line)
{
  gsize start = t->output->len;
  g_autofree gchar *out = kdh_test_engine_run (t, line, FALSE);

  kdh_test_engine_wait_state (t, KDH_CONN_BREAK, 60);
  /* The prompt follows the state. */
  kdh_test_run_until (is_ready, t, 60, "the prompt");
  /* The place is shown before the state becomes Break. */
  return g_strdup (t->output->str + start);
}

typedef struct {
  KdhTestEngine *t;
  const gchar *needle;
} OutputWait;

static gboolean
output_has (gpointer data)
{
  OutputWait *w = data;

  return strstr (w->t->output->str, w->needle) != NULL;
}

static void
wait_output (KdhTestEngine *t,
             const gchar   *needle)
{
  OutputWait w = { t, needle };

  kdh_test_run_until (output_has, &w, 60, needle);
}

typedef struct {
  guint64 child_sp;
  guint64 ret;
  guint64 ip;
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
attach (KdhTestEngine *t,
        const gchar   *connection)
{
  kdh_test_engine_init (t);
  kdh_test_engine_attach (t, connection);
  g_assert_cmpint (t->state, ==, KDH_CONN_BREAK);
}

static guint64
read_u64 (KdhTestEngine *t,
          guint64        address)
{
  g_autofree gchar *a = hex (address);
  g_autofree gchar *line = g_strdup_printf ("dq %s L1", a);
  g_autofree gchar *out = kdh_test_engine_run (t, line, FALSE);

  g_assert_cmpuint (strlen (out), >=, 36);
  return parse_address (out + 19);
}

typedef struct {
  KdhTestEngine *t;
  guint from;
} SawRunning;

static gboolean
saw_running_then_break (gpointer data)
{
  SawRunning *w = data;

  return kdh_test_engine_saw_state (w->t, w->from, KDH_CONN_RUNNING)
         && w->t->state == KDH_CONN_BREAK;
}

/* .reboot: the new machine runs, then stops. Its Running may be over by
 * the time the test looks (a breakpoint hit at once), so the states seen
 * since are what count. */
static void
reboot_and_wait (KdhTestEngine *t)
{
  SawRunning w = { t, t->states->len };

  g_free (kdh_test_engine_run (t, ".reboot", FALSE));
  kdh_test_run_until (saw_running_then_break, &w, 120, "Running, then Break after .reboot");
}

/* ---- Tests --------------------------------------------------------------- */

/* bp on the tick routine, g: it stops there as KD says; g again steps off
 * it and it is hit on the next tick. */
static void
test_breakpoint_hit (void)
{
  KdhTestEngine t;
  guint64 tick = sim_export ("kdhtest", "KdhTestTick");
  guint64 count_at = sim_export ("kdhtest", "KdhTestTickCount");
  g_autofree gchar *at = hex (tick);
  g_autofree gchar *set = NULL, *hit = NULL, *again = NULL, *expect = NULL, *bl = NULL;
  g_autofree gchar *mem = NULL;
  guint64 before, after;
  guint8 original;

  attach (&t, "sim:");
  set = kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE);
  expect = g_strdup_printf ("Breakpoint 0 set at %s (kdhtest!KdhTestTick)\n", at);
  g_assert_cmpstr (set, ==, expect);

  hit = run_to_stop (&t, "g");
  g_clear_pointer (&expect, g_free);
  expect = g_strdup_printf ("Breakpoint 0 hit\nkdhtest!KdhTestTick:\n%s ", at);
  g_assert_nonnull (strstr (hit, expect));
  g_assert_null (strstr (hit, "Break instruction exception"));
  g_assert_cmphex (reg (&t, "rip"), ==, tick);
  /* Stopped, the breakpoint is out of memory: the original byte shows. */
  file_bytes ("kdhtest.sys", module_base ("kdhtest"), tick, &original, 1);
  mem = kdh_test_engine_run (&t, "db kdhtest!KdhTestTick L1", FALSE);
  {
    g_autofree gchar *byte = g_strdup_printf (" %02x", original);

    g_assert_nonnull (strstr (mem, byte));
    g_assert_cmpint (original, !=, 0xCC);
  }

  /* g again: off the breakpoint (one step with it out of memory), then
   * hit on the next tick, which counted once more. */
  before = read_u64 (&t, count_at);
  again = run_to_stop (&t, "g");
  g_assert_nonnull (strstr (again, "Breakpoint 0 hit\nkdhtest!KdhTestTick:\n"));
  after = read_u64 (&t, count_at);
  g_assert_cmpuint (after, ==, before + 1);
  g_assert_cmphex (reg (&t, "rip"), ==, tick);

  bl = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_nonnull (strstr (bl, " 0 e"));
  g_assert_nonnull (strstr (bl, at));
  kdh_test_engine_clear (&t);
}

/* k at the tick routine: its real callers, as the PDB places them, down
 * to the idle loop; asked again, no packet goes to the target. */
static void
test_stack (void)
{
  KdhTestEngine t;
  g_autoptr (GArray) frames = NULL;
  g_autofree gchar *hit = NULL, *kn = NULL, *again = NULL, *k = NULL, *kb = NULL, *l2 = NULL;
  GArray *nt = pdb_functions ("ntoskrnl", "nt");
  GArray *drv = pdb_functions ("kdhtest", "kdhtest");
  static const gchar *const chain[] = { "KdhTestTick", "KeUpdateSystemTime", "KiClockInterrupt",
                                        "KiIdleLoop" };
  KdhSimCounters before, after;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  hit = run_to_stop (&t, "g");
  before = kdh_test_engine_sim_counters (&t);
  kn = kdh_test_engine_run (&t, "kn", FALSE);
  after = kdh_test_engine_sim_counters (&t);
  /* A figure, not a limit: bench/ is where costs are judged. */
  g_test_message ("kn on a fresh stop: %" G_GUINT64_FORMAT " requests",
                  after.packets_received - before.packets_received);
  g_assert_true (g_str_has_prefix (kn, " # Child-SP          RetAddr               Call Site\n"));
  frames = parse_kn (kn);
  g_assert_cmpuint (frames->len, >=, G_N_ELEMENTS (chain));
  g_array_index (frames, Frame, 0).ip = reg (&t, "rip");
  for (guint i = 1; i < frames->len; i++)
    g_array_index (frames, Frame, i).ip = g_array_index (frames, Frame, i - 1).ret;
  for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
    {
      guint64 ip = g_array_index (frames, Frame, i).ip;
      const gchar *name = function_at (i == 0 ? drv : nt, ip);

      g_assert_cmpstr (name, ==, chain[i]);
    }
  g_assert_cmphex (g_array_index (frames, Frame, 0).child_sp, ==, reg (&t, "rsp"));
  for (guint i = 1; i < frames->len; i++)
    g_assert_cmphex (g_array_index (frames, Frame, i).child_sp, >,
                     g_array_index (frames, Frame, i - 1).child_sp);

  /* The same stop, the same stack: from the cache. */
  before = kdh_test_engine_sim_counters (&t);
  again = kdh_test_engine_run (&t, "kn", FALSE);
  k = kdh_test_engine_run (&t, "k", FALSE);
  kb = kdh_test_engine_run (&t, "kb", FALSE);
  after = kdh_test_engine_sim_counters (&t);
  g_assert_cmpstr (again, ==, kn);
  g_assert_cmpuint (after.packets_received, ==, before.packets_received);
  g_assert_true (g_str_has_prefix (k, "Child-SP          RetAddr               Call Site\n"));
  g_assert_nonnull (strstr (kb, ": Args to Child"));

  /* kp: the same frames, each function with its parameters as the
   * sources declare them (kdhtest.c, ntoskrnl.c). */
  {
    g_autofree gchar *sympath = g_strdup_printf (".sympath %s", KDH_SIM_GUEST_DIR);
    g_autofree gchar *kp = (g_free (kdh_test_engine_run (&t, sympath, FALSE)),
                            g_free (kdh_test_engine_run (&t, ".reload", FALSE)),
                            kdh_test_engine_run (&t, "kp", FALSE));
    g_autoptr (GArray) typed = parse_kn (kp);
    g_autofree gchar *kpn = kdh_test_engine_run (&t, "kpn L2", FALSE);

    g_assert_true (g_str_has_prefix (kp, "Child-SP          RetAddr               Call Site\n"));
    /* With names and values from the PDB's records (test-exec-scope
     * checks the values). */
    g_assert_nonnull (strstr (kp, " kdhtest!KdhTestTick(unsigned int Processor = "));
    g_assert_nonnull (strstr (kp, ", unsigned __int64 InterruptTime = "));
    g_assert_nonnull (strstr (kp, " nt!KeUpdateSystemTime(unsigned int Increment = "));
    g_assert_nonnull (strstr (kp, " nt!KiIdleLoop(void)+0x"));
    g_assert_nonnull (strstr (kpn, "00 "));
    g_assert_nonnull (strstr (kpn, "01 "));
    g_assert_null (strstr (kpn, "02 "));
    (void) typed;
  }

  /* L n: that many frames. */
  l2 = kdh_test_engine_run (&t, "kn L2", FALSE);
  {
    g_autoptr (GArray) two = parse_kn (l2);

    g_assert_cmpuint (two->len, ==, 2);
  }
  functions_free (nt);
  functions_free (drv);
  kdh_test_engine_clear (&t);
}

/* .frame 1 then r: the caller's registers (KD's local context), rip in
 * the caller as the PDB places it and rsp its Child-SP; the next stop
 * goes back to frame 0. */
static void
test_frame_scope (void)
{
  KdhTestEngine t;
  g_autoptr (GArray) frames = NULL;
  g_autofree gchar *kn = NULL, *r = NULL, *want_rip = NULL, *want_rsp = NULL, *hit = NULL;
  g_autofree gchar *r0 = NULL;
  GArray *nt = pdb_functions ("ntoskrnl", "nt");
  guint64 tick = sim_export ("kdhtest", "KdhTestTick");

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  g_free (run_to_stop (&t, "g"));
  kn = kdh_test_engine_run (&t, "kn", FALSE);
  frames = parse_kn (kn);
  g_assert_cmpuint (frames->len, >=, 2);
  g_free (kdh_test_engine_run (&t, ".frame 1", FALSE));
  g_assert_cmphex (reg (&t, "rip"), ==, g_array_index (frames, Frame, 0).ret);
  g_assert_cmphex (reg (&t, "rsp"), ==, g_array_index (frames, Frame, 1).child_sp);
  g_assert_cmpstr (function_at (nt, reg (&t, "rip")), ==, "KeUpdateSystemTime");
  r = kdh_test_engine_run (&t, "r", FALSE);
  want_rip = g_strdup_printf ("rip=%016" G_GINT64_MODIFIER "x", g_array_index (frames, Frame, 0).ret);
  want_rsp = g_strdup_printf ("rsp=%016" G_GINT64_MODIFIER "x",
                              g_array_index (frames, Frame, 1).child_sp);
  g_assert_nonnull (strstr (r, want_rip));
  g_assert_nonnull (strstr (r, want_rsp));
  /* The place shown is the frame's: the call site in the caller. */
  g_assert_nonnull (strstr (r, "nt!KeUpdateSystemTime+0x"));

  /* The next stop: frame 0 again. */
  hit = run_to_stop (&t, "g");
  g_assert_cmphex (reg (&t, "rip"), ==, tick);
  r0 = kdh_test_engine_run (&t, "r", FALSE);
  g_assert_nonnull (strstr (r0, "kdhtest!KdhTestTick:"));
  functions_free (nt);
  kdh_test_engine_clear (&t);
}

/* A return address in no module: the frame is shown and marked, and the
 * stack ends there instead of going on from a guess. */
static void
test_stack_unexplained (void)
{
  KdhTestEngine t;
  g_autofree gchar *kn = NULL;
  g_autoptr (GArray) frames = NULL;

  attach (&t, "sim:");
  /* rip in no module (a leaf as far as anyone can tell), and rsp on the
   * simulator's pattern region, whose qwords are no code addresses. */
  g_free (kdh_test_engine_run (&t, "r rip=1000", FALSE));
  g_free (kdh_test_engine_run (&t, "r rsp=fffff800`00400000", FALSE));
  kn = kdh_test_engine_run (&t, "kn", FALSE);
  frames = parse_kn (kn);
  g_assert_cmpuint (frames->len, ==, 2);
  g_assert_nonnull (strstr (kn, "00 fffff800`00400000 "));
  g_assert_nonnull (strstr (kn, "01 fffff800`00400008 ????????`????????"));
  g_assert_nonnull (strstr (kn, "no unwind data explains"));
  kdh_test_engine_clear (&t);
}

/* A breakpoint in the deepest helper: at least three kdhtest frames. */
static void
test_stack_deep (void)
{
  KdhTestEngine t;
  GArray *drv = pdb_functions ("kdhtest", "kdhtest");
  guint64 helper = function_start (drv, "KdhTestRecordSample");
  g_autofree gchar *at = hex (helper), *line = g_strdup_printf ("bp %s", at);
  g_autofree gchar *hit = NULL, *kn = NULL;
  g_autoptr (GArray) frames = NULL;
  static const gchar *const chain[] = { "KdhTestRecordSample", "KdhTestUpdateDevice",
                                        "KdhTestWalkDevices", "KdhTestTick" };
  guint64 ip;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, line, FALSE));
  hit = run_to_stop (&t, "g");
  g_assert_nonnull (strstr (hit, "Breakpoint 0 hit\n"));
  kn = kdh_test_engine_run (&t, "kn", FALSE);
  frames = parse_kn (kn);
  g_assert_cmpuint (frames->len, >=, G_N_ELEMENTS (chain));
  ip = reg (&t, "rip");
  for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
    {
      g_assert_cmpstr (function_at (drv, ip), ==, chain[i]);
      ip = g_array_index (frames, Frame, i).ret;
    }
  functions_free (drv);
  kdh_test_engine_clear (&t);
}

/* KDHTEST_DEVICE.Statistics.Updates (guest/kdhtest.c): after Next, Id,
 * Kind, Flags, Enabled, Name[16] and Description. */
#define DEVICE_UPDATES 0x30

/* t moves rip by the instruction's length; p over a call lands after it
 * with the callee run; t N takes N steps. */
static void
test_step (void)
{
  KdhTestEngine t;
  guint64 tick = sim_export ("kdhtest", "KdhTestTick");
  GArray *drv = pdb_functions ("kdhtest", "kdhtest");
  g_autofree gchar *hit = NULL, *out = NULL, *three = NULL;
  guint64 rip, rsp, updates;
  guint64 devices = sim_export ("kdhtest", "KdhTestDeviceList");
  gboolean stepped_over = FALSE;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  hit = run_to_stop (&t, "g");
  g_free (kdh_test_engine_run (&t, "bc *", FALSE));
  rip = reg (&t, "rip");
  g_assert_cmphex (rip, ==, tick);

  out = kdh_test_engine_run (&t, "t", FALSE);
  g_assert_nonnull (strstr (out, "rax="));
  g_assert_nonnull (strstr (out, "kdhtest!KdhTestTick+0x"));
  g_assert_cmphex (reg (&t, "rip"), ==, rip + decode (rip, NULL));

  /* Step on to the call of KdhTestWalkDevices, then over it. */
  for (guint i = 0; i < 40 && !stepped_over; i++)
    {
      g_autofree gchar *mnemonic = NULL;
      gsize length;

      rip = reg (&t, "rip");
      length = decode (rip, &mnemonic);
      if (strcmp (mnemonic, "call") == 0)
        {
          g_autofree gchar *p = NULL;
          guint8 code[5];

          file_bytes ("kdhtest.sys", module_base ("kdhtest"), rip, code, 5);
          g_assert_cmpint (code[0], ==, 0xE8);
          rsp = reg (&t, "rsp");
          updates = read_u64 (&t, read_u64 (&t, devices) + DEVICE_UPDATES);
          p = kdh_test_engine_run (&t, "p", FALSE);
          g_assert_cmphex (reg (&t, "rip"), ==, rip + length);
          g_assert_cmphex (reg (&t, "rsp"), ==, rsp);
          {
            guint64 target = rip + 5 + (guint64) (gint64) (gint32) (code[1] | code[2] << 8
                                                                   | code[3] << 16
                                                                   | (guint32) code[4] << 24);

            g_assert_cmpstr (function_at (drv, target), ==, "KdhTestWalkDevices");
          }
          /* It updated the first device's statistics once more. */
          g_assert_cmpuint (read_u64 (&t, read_u64 (&t, devices) + DEVICE_UPDATES), ==,
                            updates + 1);
          stepped_over = TRUE;
        }
      else
        {
          g_autofree gchar *s = kdh_test_engine_run (&t, "t", FALSE);
        }
    }
  g_assert_true (stepped_over);

  three = kdh_test_engine_run (&t, "t 3", FALSE);
  {
    guint n = 0;

    for (const gchar *p = three; (p = strstr (p, "rax=")); p++)
      n++;
    g_assert_cmpuint (n, ==, 3);
  }
  functions_free (drv);
  kdh_test_engine_clear (&t);
}

/* tc stops on the next call (tracing into calls), pt on the next return
 * (stepping over calls). */
static void
test_step_to (void)
{
  KdhTestEngine t;
  GArray *drv = pdb_functions ("kdhtest", "kdhtest");
  g_autofree gchar *hit = NULL, *m1 = NULL, *m2 = NULL, *m3 = NULL;
  g_autofree gchar *o1 = NULL, *o2 = NULL, *o3 = NULL;
  guint64 rip;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  hit = run_to_stop (&t, "g");
  g_free (kdh_test_engine_run (&t, "bc *", FALSE));
  o1 = kdh_test_engine_run (&t, "tc", FALSE);
  rip = reg (&t, "rip");
  decode (rip, &m1);
  g_assert_cmpstr (m1, ==, "call");
  g_assert_cmpstr (function_at (drv, rip), ==, "KdhTestTick");
  o2 = kdh_test_engine_run (&t, "tc", FALSE);
  rip = reg (&t, "rip");
  decode (rip, &m2);
  g_assert_cmpstr (m2, ==, "call");
  g_assert_cmpstr (function_at (drv, rip), ==, "KdhTestWalkDevices");
  o3 = kdh_test_engine_run (&t, "pt", FALSE);
  rip = reg (&t, "rip");
  decode (rip, &m3);
  g_assert_cmpstr (m3, ==, "ret");
  g_assert_cmpstr (function_at (drv, rip), ==, "KdhTestWalkDevices");
  functions_free (drv);
  kdh_test_engine_clear (&t);
}

/* gu on processor 1 while processor 0, stopped earlier in the same
 * routine, runs first and passes the same return address: only processor
 * 1's return ends the step. */
static void
test_step_other_processor (void)
{
  KdhTestEngine t;
  guint64 tick = sim_export ("kdhtest", "KdhTestTick"), rip = 0, ret;
  g_autofree gchar *kn = NULL, *gu = NULL;
  g_autoptr (GArray) frames = NULL;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  for (guint i = 0; i < 4; i++)
    {
      g_free (run_to_stop (&t, "g"));
      if (g_strcmp0 (t.prompt, "0: kd> ") == 0)
        break;
    }
  g_assert_cmpstr (t.prompt, ==, "0: kd> ");
  g_free (kdh_test_engine_run (&t, "bc *", FALSE));

  /* Processor 1 has this tick still to run: trace it into the routine. */
  g_free (kdh_test_engine_run (&t, "~1", FALSE));
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  for (guint i = 0; i < 16 && rip != tick; i++)
    {
      g_free (kdh_test_engine_run (&t, "tc", FALSE));
      g_free (kdh_test_engine_run (&t, "t", FALSE));
      rip = reg (&t, "rip");
    }
  g_assert_cmphex (rip, ==, tick);
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  kn = kdh_test_engine_run (&t, "kn", FALSE);
  frames = parse_kn (kn);
  ret = g_array_index (frames, Frame, 0).ret;

  gu = kdh_test_engine_run (&t, "gu", FALSE);
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  g_assert_cmphex (reg (&t, "rip"), ==, ret);
  g_assert_cmphex (reg (&t, "rsp"), ==, g_array_index (frames, Frame, 1).child_sp);
  kdh_test_engine_clear (&t);
}

/* gu: back in the caller at the return address k shows; g ADDR: a
 * one-shot breakpoint that is gone afterwards. */
static void
test_go_up_and_go_to (void)
{
  KdhTestEngine t;
  GArray *nt = pdb_functions ("ntoskrnl", "nt");
  GArray *drv = pdb_functions ("kdhtest", "kdhtest");
  g_autofree gchar *hit = NULL, *kn = NULL, *gu = NULL, *to = NULL, *bl = NULL;
  g_autofree gchar *line = NULL, *at = NULL;
  g_autoptr (GArray) frames = NULL;
  guint64 ret, walk = function_start (drv, "KdhTestWalkDevices");

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  hit = run_to_stop (&t, "g");
  g_free (kdh_test_engine_run (&t, "bc 0", FALSE));
  kn = kdh_test_engine_run (&t, "kn", FALSE);
  frames = parse_kn (kn);
  ret = g_array_index (frames, Frame, 0).ret;
  gu = kdh_test_engine_run (&t, "gu", FALSE);
  g_assert_cmphex (reg (&t, "rip"), ==, ret);
  g_assert_cmpstr (function_at (nt, ret), ==, "KeUpdateSystemTime");
  g_assert_null (strstr (gu, "Breakpoint"));

  at = hex (walk);
  line = g_strdup_printf ("g %s", at);
  to = run_to_stop (&t, line);
  g_assert_cmphex (reg (&t, "rip"), ==, walk);
  g_assert_null (strstr (to, "Breakpoint"));
  g_assert_null (strstr (to, "Break instruction exception"));
  bl = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_cmpstr (bl, ==, "");
  functions_free (nt);
  functions_free (drv);
  kdh_test_engine_clear (&t);
}

/* A breakpoint's commands run after its hit is shown. */
static void
test_breakpoint_commands (void)
{
  KdhTestEngine t;
  g_autofree gchar *hit = NULL, *bad = NULL;
  const gchar *shown, *ran;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick \".echo tick-commands-ran; r rip\"",
                              FALSE));
  hit = run_to_stop (&t, "g");
  /* The state becomes Break before the commands run: wait for them. */
  wait_output (&t, "tick-commands-ran");
  (void) hit;
  shown = strstr (t.output->str, "Breakpoint 0 hit");
  ran = strstr (t.output->str, "tick-commands-ran");
  g_assert_nonnull (shown);
  g_assert_nonnull (ran);
  g_assert_cmpuint ((gsize) (ran - t.output->str), >, (gsize) (shown - t.output->str));

  /* An unterminated command string changes nothing. */
  bad = kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick+1 \"k", TRUE);
  g_assert_nonnull (strstr (bad, "one quoted string"));
  kdh_test_engine_clear (&t);
}

/* ba w8 on the tick counter: a stop right after the instruction that
 * wrote it, through the debug registers; a fifth one is refused. */
static void
test_data_breakpoint (void)
{
  KdhTestEngine t;
  GArray *drv = pdb_functions ("kdhtest", "kdhtest");
  guint64 count_at = sim_export ("kdhtest", "KdhTestTickCount");
  guint64 tick = function_start (drv, "KdhTestTick");
  g_autofree gchar *hit = NULL, *fifth = NULL, *bl = NULL, *misaligned = NULL;
  g_autofree gchar *last = NULL;
  guint64 before, rip, at;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "ba w8 kdhtest!KdhTestTickCount", FALSE));
  before = read_u64 (&t, count_at);
  hit = run_to_stop (&t, "g");
  g_assert_nonnull (strstr (hit, "Breakpoint 0 hit\nkdhtest!KdhTestTick+0x"));
  g_assert_cmpuint (read_u64 (&t, count_at), ==, before + 1);
  rip = reg (&t, "rip");
  g_assert_cmpstr (function_at (drv, rip), ==, "KdhTestTick");
  /* rip is on an instruction boundary, right after one that adds to
   * memory (Capstone over the file, from the function's start). */
  for (at = tick; at < rip;)
    {
      g_free (last);
      last = NULL;
      at += decode (at, &last);
    }
  g_assert_cmphex (at, ==, rip);
  g_assert_nonnull (last);
  g_assert_true (strstr (last, "add") != NULL || strstr (last, "inc") != NULL);

  /* Four debug registers: the fifth data breakpoint changes nothing. */
  g_free (kdh_test_engine_run (&t, "ba r8 kdhtest!KdhTestTickCount+8", FALSE));
  g_free (kdh_test_engine_run (&t, "ba w4 kdhtest!KdhTestTickCount+0x10", FALSE));
  g_free (kdh_test_engine_run (&t, "ba e1 kdhtest!KdhTestTick", FALSE));
  fifth = kdh_test_engine_run (&t, "ba w8 kdhtest!KdhTestTickCount+0x18", TRUE);
  g_assert_nonnull (strstr (fifth, "Too many data breakpoints"));
  misaligned = kdh_test_engine_run (&t, "ba w8 kdhtest!KdhTestTickCount+4", TRUE);
  g_assert_nonnull (strstr (misaligned, "must be aligned"));
  bl = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_cmpuint (count_lines (bl), ==, 4);
  functions_free (drv);
  kdh_test_engine_clear (&t);
}

/* bu on a driver that loads later: pending until it loads, then hit at
 * its export; pending again after a reboot. */
static void
test_deferred_breakpoint (void)
{
  KdhTestEngine t;
  guint64 tick = sim_export ("kdhtest", "KdhTestTick"), base2;
  g_autofree gchar *set = NULL, *bl = NULL, *hit = NULL, *bl2 = NULL, *bl3 = NULL;
  const gchar *loaded, *after;

  attach (&t, "sim:load-driver-after=1");
  set = kdh_test_engine_run (&t, "bu kdhtest2!KdhTestTick", FALSE);
  g_assert_nonnull (strstr (set, "Breakpoint 0 deferred"));
  bl = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_nonnull (strstr (bl, " 0 eu "));
  g_assert_nonnull (strstr (bl, "(kdhtest2!KdhTestTick)"));

  hit = run_to_stop (&t, "g");
  loaded = strstr (hit, "kdhtest2.sys at ");
  g_assert_nonnull (loaded);
  base2 = parse_address (loaded + strlen ("kdhtest2.sys at "));
  g_assert_nonnull (strstr (hit, "Breakpoint 0 hit\nkdhtest2!KdhTestTick:\n"));
  g_assert_cmphex (reg (&t, "rip"), ==, base2 + (tick - module_base ("kdhtest")));
  bl2 = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_null (strstr (bl2, " 0 eu "));

  /* A new machine: the breakpoint is pending again until the driver
   * loads there once more, then resolved and hit again. */
  reboot_and_wait (&t);
  after = strstr (t.output->str, "The target rebooted");
  g_assert_nonnull (after);
  /* The initial break is on: the new machine stops once its kernel has
   * started (kd -b), before the driver loads. */
  g_assert_nonnull (strstr (after, "Break instruction exception"));
  g_assert_null (strstr (after, "kdhtest2.sys at "));
  g_free (run_to_stop (&t, "g"));
  wait_output (&t, "Breakpoint 0 hit\nkdhtest2!KdhTestTick:\n");
  after = strstr (t.output->str, "The target rebooted");
  {
    const gchar *load = strstr (after, "kdhtest2.sys at ");
    const gchar *resolved = strstr (after, "Breakpoint 0 resolved");
    const gchar *again = strstr (after, "Breakpoint 0 hit");

    g_assert_nonnull (load);
    g_assert_nonnull (resolved);
    g_assert_nonnull (again);
    g_assert_true (load < resolved && resolved < again);
  }
  (void) bl3;
  kdh_test_engine_clear (&t);
}

/* Breakpoints outlive .restart and a reboot: hit again afterwards. */
static void
test_breakpoints_survive (void)
{
  KdhTestEngine t;
  g_autofree gchar *hit = NULL, *hit2 = NULL;

  attach (&t, "sim:");
  g_free (kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE));
  g_free (kdh_test_engine_run (&t, ".restart", FALSE));
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  hit = run_to_stop (&t, "g");
  g_assert_nonnull (strstr (hit, "Breakpoint 0 hit\nkdhtest!KdhTestTick:\n"));

  reboot_and_wait (&t);
  /* The rebooted machine's first stop may be the breakpoint already (it
   * is written again when the debugger lets the new machine run). */
  if (strstr (strstr (t.output->str, "The target rebooted"), "Breakpoint 0 hit") == NULL)
    g_free (run_to_stop (&t, "g"));
  hit2 = g_strdup (strstr (strstr (t.output->str, "The target rebooted"), "Breakpoint 0 hit"));
  g_assert_nonnull (hit2);
  g_assert_true (g_str_has_prefix (hit2, "Breakpoint 0 hit\nkdhtest!KdhTestTick:\n"));
  g_assert_cmphex (reg (&t, "rip"), ==, sim_export ("kdhtest", "KdhTestTick"));
  kdh_test_engine_clear (&t);
}

/* bd/be with lists; bm on a pattern; bp on unreadable memory is refused. */
static void
test_breakpoint_editing (void)
{
  KdhTestEngine t;
  g_autofree gchar *bm = NULL, *bl = NULL, *bl2 = NULL, *bad = NULL, *bl3 = NULL, *hit = NULL;
  g_autofree gchar *none = NULL;

  attach (&t, "sim:");
  bm = kdh_test_engine_run (&t, "bm kdhtest!KdhTest*Tick", FALSE);
  g_assert_nonnull (strstr (bm, "@!\"kdhtest!KdhTestTick\""));
  g_assert_cmpuint (count_lines (bm), ==, 1);
  none = kdh_test_engine_run (&t, "bm kdhtest!NoSuch*", TRUE);
  g_assert_nonnull (strstr (none, "No matching code symbols"));
  g_free (kdh_test_engine_run (&t, "bp nt!KeUpdateSystemTime", FALSE));
  g_free (kdh_test_engine_run (&t, "bd 0-1", FALSE));
  bl = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_nonnull (strstr (bl, " 0 d "));
  g_assert_nonnull (strstr (bl, " 1 d "));
  g_free (kdh_test_engine_run (&t, "be 1", FALSE));
  bl2 = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_nonnull (strstr (bl2, " 1 e "));

  /* Disabled, 0 does not stop the target; 1 does. */
  hit = run_to_stop (&t, "g");
  g_assert_nonnull (strstr (hit, "Breakpoint 1 hit\nnt!KeUpdateSystemTime:\n"));

  bad = kdh_test_engine_run (&t, "bp 0", TRUE);
  g_assert_nonnull (strstr (bad, "the memory cannot be read"));
  bl3 = kdh_test_engine_run (&t, "bl", FALSE);
  g_assert_cmpstr (bl3, ==, bl2);
  kdh_test_engine_clear (&t);
}

/* ~1: processor 1 reports; the prompt, r and k follow it. */
static void
test_processor_switch (void)
{
  KdhTestEngine t;
  g_autofree gchar *kn0 = NULL, *kn1 = NULL, *out = NULL;
  g_autoptr (GArray) f0 = NULL, f1 = NULL;
  guint64 rsp0, rsp1;

  attach (&t, "sim:");
  g_assert_cmpstr (t.prompt, ==, "0: kd> ");
  rsp0 = reg (&t, "rsp");
  kn0 = kdh_test_engine_run (&t, "kn", FALSE);
  out = kdh_test_engine_run (&t, "~1", FALSE);
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  rsp1 = reg (&t, "rsp");
  g_assert_cmphex (rsp1, !=, rsp0);
  kn1 = kdh_test_engine_run (&t, "kn", FALSE);
  f0 = parse_kn (kn0);
  f1 = parse_kn (kn1);
  g_assert_cmphex (g_array_index (f0, Frame, 0).child_sp, ==, rsp0);
  g_assert_cmphex (g_array_index (f1, Frame, 0).child_sp, ==, rsp1);
  g_free (out);
  out = kdh_test_engine_run (&t, "~7", TRUE);
  g_assert_nonnull (strstr (out, "There is no processor 7"));
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  kdh_test_engine_clear (&t);
}

/* Closing the connection while the target runs takes our breakpoints out
 * of its memory first: attached again, the byte is the original. */
static void
test_detach_running (void)
{
  KdhTestEngine t;
  g_autofree gchar *socket = NULL, *listen = NULL, *where = NULL, *connection = NULL;
  g_autofree gchar *db = NULL, *want = NULL;
  guint64 bug_check = sim_export ("nt", "KeBugCheckEx");
  guint8 original;
  guint token;

  kdh_test_engine_init (&t);
  socket = g_build_filename (t.tmpdir, "sim.sock", NULL);
  listen = g_strdup_printf ("--listen=unix:%s", socket);
  {
    const gchar *args[] = { listen, "--quiet", NULL };

    where = kdh_test_start_sim (&t, args);
  }
  connection = g_strdup_printf ("com:pipe,port=%s", socket);
  kdh_test_engine_attach (&t, connection);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  /* A breakpoint that is never hit, and a running target. */
  g_free (kdh_test_engine_run (&t, "bp nt!KeBugCheckEx", FALSE));
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  g_assert_cmpint (t.state, ==, KDH_CONN_RUNNING);
  token = kdh_engine_detach (t.engine);
  g_assert_true (kdh_test_engine_wait_token (&t, token, 60));
  g_assert_nonnull (strstr (t.output->str, "Taking the breakpoints out"));

  kdh_test_engine_attach (&t, connection);
  kdh_test_engine_wait_state (&t, KDH_CONN_BREAK, 60);
  file_bytes ("ntoskrnl.exe", module_base ("nt"), bug_check, &original, 1);
  g_assert_cmpint (original, !=, 0xCC);
  db = kdh_test_engine_run (&t, "db nt!KeBugCheckEx L1", FALSE);
  want = g_strdup_printf (" %02x", original);
  g_assert_nonnull (strstr (db, want));
  kdh_test_engine_clear (&t);
}

/* bp, g and k from a debugging client (-remote): the server's session
 * stops at the breakpoint and the client sees what the server sees. */
static void
test_remote_client (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *line = g_strdup_printf (".server tcp:port=%u,bind=127.0.0.1", port);
  g_autofree gchar *started = NULL, *set = NULL, *kn = NULL, *server_kn = NULL;
  guint token;

  attach (&server, "sim:");
  started = kdh_test_engine_run (&server, line, FALSE);
  g_assert_nonnull (strstr (started, "-remote"));
  kdh_test_engine_init (&client);
  token = kdh_engine_connect_remote (client.engine, remote);
  g_assert_true (kdh_test_engine_wait_token (&client, token, 60));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, 60);

  set = kdh_test_engine_run (&client, "bp kdhtest!KdhTestTick", FALSE);
  g_assert_nonnull (strstr (set, "Breakpoint 0 set at"));
  g_free (kdh_test_engine_run (&client, "g", FALSE));
  wait_output (&client, "Breakpoint 0 hit\nkdhtest!KdhTestTick:\n");
  kdh_test_engine_wait_state (&server, KDH_CONN_BREAK, 60);
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, 60);
  kn = kdh_test_engine_run (&client, "kn", FALSE);
  server_kn = kdh_test_engine_run (&server, "kn", FALSE);
  g_assert_cmpstr (kn, ==, server_kn);
  {
    g_autoptr (GArray) frames = parse_kn (kn);

    g_assert_cmpuint (frames->len, >=, 4);
  }
  kdh_test_engine_clear (&client);
  kdh_test_engine_clear (&server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/breakpoint-hit", test_breakpoint_hit);
  g_test_add_func ("/exec/stack", test_stack);
  g_test_add_func ("/exec/stack-deep", test_stack_deep);
  g_test_add_func ("/exec/frame-scope", test_frame_scope);
  g_test_add_func ("/exec/stack-unexplained", test_stack_unexplained);
  g_test_add_func ("/exec/step", test_step);
  g_test_add_func ("/exec/step-to", test_step_to);
  g_test_add_func ("/exec/go-up-and-go-to", test_go_up_and_go_to);
  g_test_add_func ("/exec/step-other-processor", test_step_other_processor);
  g_test_add_func ("/exec/breakpoint-commands", test_breakpoint_commands);
  g_test_add_func ("/exec/data-breakpoint", test_data_breakpoint);
  g_test_add_func ("/exec/deferred-breakpoint", test_deferred_breakpoint);
  g_test_add_func ("/exec/breakpoints-survive", test_breakpoints_survive);
  g_test_add_func ("/exec/breakpoint-editing", test_breakpoint_editing);
  g_test_add_func ("/exec/processor-switch", test_processor_switch);
  g_test_add_func ("/exec/detach-running", test_detach_running);
  g_test_add_func ("/exec/remote-client", test_remote_client);
  return g_test_run ();
}
