/* test-sim-exec.c: the simulated machine really runs, seen through the protocol
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The compiled kernel and test driver execute on the emulated processors:
 * a host (kdh-test-sim, on a fake clock) lets them run, breaks in, sets
 * breakpoints in code and in the debug registers, single-steps, makes the
 * kernel bug check and waits for a driver to load. Instruction lengths come
 * from Capstone, addresses from the images' export tables.
 */
#include <capstone/capstone.h>

#include "kdh-sim-kernel.h"
#include "kdh-test-sim.h"

#define STATUS_SINGLE_STEP 0x80000004u
#define KSR_KDR0 0x20
#define KSR_KDR6 0x40
#define KSR_KDR7 0x48
#define CTX_RCX  0x80
#define CTX_RSP  0x98
#define CTX_DR6  0x68

static guint64
export (KdhTestSim  *s,
        const gchar *module,
        const gchar *name)
{
  guint64 a = kdh_sim_kernel_lookup_export (kdh_sim_target_get_kernel (s->target), module, name);

  g_assert_cmphex (a, !=, 0);
  return a;
}

static guint64
read_u64 (KdhTestSim *s,
          guint64     address)
{
  guint8 b[8];
  guint64 v = 0;

  kdh_test_sim_read_memory (s, address, b, 8);
  for (guint i = 0; i < 8; i++)
    v |= (guint64) b[i] << (8 * i);
  return v;
}

static guint64
le64 (const guint8 *p)
{
  guint64 v = 0;

  for (guint i = 0; i < 8; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

/* The next state change; its exception code and address, processor. */
static void
wait_stop (KdhTestSim     *s,
           KdhStateChange *sc,
           gint64          timeout)
{
  g_autoptr (KdhTestPacket) p = kdh_test_sim_wait_packet (s, KDH_PACKET_TYPE_STATE_CHANGE64,
                                                          timeout);

  g_assert_nonnull (p);
  kdh_test_decode_state_change (p, sc);
}

static void
run_for (KdhTestSim *s,
         gint64      duration)
{
  kdh_test_sim_run_until (s, kdh_test_pred_never, NULL, duration);
}

static void
continue2 (KdhTestSim *s,
           gboolean    trace,
           guint64     dr7)
{
  KdhManipulate req;

  kdh_manipulate_init_continue2 (&req, KDH_MACHINE_AMD64, KDH_DBG_CONTINUE, trace, dr7, 1, 0);
  kdh_test_sim_send_no_reply (s, &req);
}

static guint32
write_breakpoint (KdhTestSim *s,
                  guint64     address)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;

  kdh_manipulate_init_write_breakpoint (&req, address);
  keep = kdh_test_sim_request (s, &req, NULL, 0, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
  return kdh_manipulate_get_u32 (&reply, 0x08);
}

static void
restore_breakpoint (KdhTestSim *s,
                    guint32     handle)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;

  kdh_manipulate_init_restore_breakpoint (&req, handle);
  keep = kdh_test_sim_request (s, &req, NULL, 0, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
}

/* KSPECIAL_REGISTERS of @cpu through control space (index 2). */
static void
read_special (KdhTestSim *s,
              guint       cpu,
              guint8     *special)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;

  kdh_manipulate_init_memory (&req, KDH_API_READ_CONTROL_SPACE, (guint16) cpu, 2,
                              KDH_KSPECIAL_AMD64_SIZE);
  keep = kdh_test_sim_request (s, &req, NULL, 0, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
  g_assert_cmpuint (reply.data_len, ==, KDH_KSPECIAL_AMD64_SIZE);
  memcpy (special, reply.data, KDH_KSPECIAL_AMD64_SIZE);
}

static void
write_special (KdhTestSim   *s,
               guint         cpu,
               const guint8 *special)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;

  kdh_manipulate_init_memory (&req, KDH_API_WRITE_CONTROL_SPACE, (guint16) cpu, 2,
                              KDH_KSPECIAL_AMD64_SIZE);
  keep = kdh_test_sim_request (s, &req, special, KDH_KSPECIAL_AMD64_SIZE, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
}

static void
get_context (KdhTestSim *s,
             guint       cpu,
             guint8     *ctx)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;

  kdh_manipulate_init_get_context (&req, (guint16) cpu);
  keep = kdh_test_sim_request (s, &req, NULL, 0, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
  g_assert_cmpuint (reply.data_len, ==, KDH_CONTEXT_AMD64_SIZE);
  memcpy (ctx, reply.data, KDH_CONTEXT_AMD64_SIZE);
}

/* The length of the instruction at @address, by Capstone from the bytes
 * the target reports there. */
static gsize
instruction_length (KdhTestSim *s,
                    guint64     address)
{
  guint8 code[16];
  csh cs;
  cs_insn *insn = NULL;
  gsize n, size;

  kdh_test_sim_read_memory (s, address, code, sizeof code);
  g_assert_cmpint (cs_open (CS_ARCH_X86, CS_MODE_64, &cs), ==, CS_ERR_OK);
  n = cs_disasm (cs, code, sizeof code, address, 1, &insn);
  g_assert_cmpuint (n, ==, 1);
  size = insn[0].size;
  g_test_message ("%" G_GINT64_MODIFIER "x: %s %s (%zu bytes)", address, insn[0].mnemonic,
                  insn[0].op_str, size);
  cs_free (insn, n);
  cs_close (&cs);
  return size;
}

/* ---- Tests ------------------------------------------------------------- */

/* After g and a while, the tick count has grown, and the break-in stops
 * processor 0 in DbgBreakPointWithStatus, called from the kernel. */
static void
test_running (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("", FALSE);
  KdhStateChange sc;
  guint64 count = 0, before, ret, target;
  guint8 ctx[KDH_CONTEXT_AMD64_SIZE];
  guint8 call[5];

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  count = export (s, "kdhtest", "KdhTestTickCount");
  target = export (s, "nt", "DbgBreakPointWithStatus");
  before = read_u64 (s, count);

  kdh_test_sim_continue (s);
  run_for (s, MS (100));
  kdh_test_sim_break_in (s, &sc);
  g_assert_cmpuint (sc.processor, ==, 0);
  g_assert_cmphex (sc.program_counter, ==, target);
  kdh_state_change_clear (&sc);

  /* A tick every 4 ms on 2 processors for at least 100 ms. */
  g_assert_cmpuint (read_u64 (s, count), >=, before + 50);
  get_context (s, 0, ctx);
  g_assert_cmphex (le64 (ctx + CTX_RCX), ==, 1);          /* DBG_STATUS_CONTROL_C */
  /* The return address is in nt, right after a call to it. */
  ret = read_u64 (s, le64 (ctx + CTX_RSP));
  g_assert_cmphex (ret, >, KDH_SIM_NT_BASE);
  g_assert_cmphex (ret, <, KDH_SIM_NT_BASE + 0x10000);
  kdh_test_sim_read_memory (s, ret - 5, call, 5);
  g_assert_cmphex (call[0], ==, 0xE8);
  g_assert_cmphex (ret + (gint32) (call[1] | call[2] << 8 | call[3] << 16 | (guint32) call[4] << 24),
                   ==, target);
}

/* A breakpoint on KdhTestTick stops each processor in turn: the host steps
 * over it (restore, trace, write again) as a debugger does. */
static void
test_breakpoint_every_cpu (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("cpus=3", FALSE);
  KdhStateChange sc;
  guint64 tick;
  guint32 handle;
  gboolean seen[3] = { FALSE, FALSE, FALSE };

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  tick = export (s, "kdhtest", "KdhTestTick");
  handle = write_breakpoint (s, tick);
  kdh_test_sim_continue (s);

  for (guint hit = 0; hit < 6; hit++)
    {
      wait_stop (s, &sc, SECONDS (5));
      g_assert_cmphex (sc.new_state, ==, KDH_STATE_EXCEPTION);
      g_assert_cmphex (sc.u.exception.code, ==, KDH_STATUS_BREAKPOINT);
      g_assert_cmphex (sc.program_counter, ==, tick);
      g_assert_cmpuint (sc.processor, <, 3);
      /* Processors take the tick in order. */
      g_assert_cmpuint (sc.processor, ==, hit % 3);
      seen[sc.processor] = TRUE;
      kdh_state_change_clear (&sc);

      restore_breakpoint (s, handle);
      continue2 (s, TRUE, 0);
      wait_stop (s, &sc, SECONDS (5));
      g_assert_cmphex (sc.u.exception.code, ==, STATUS_SINGLE_STEP);
      kdh_state_change_clear (&sc);
      handle = write_breakpoint (s, tick);
      kdh_test_sim_continue (s);
    }
  g_assert_true (seen[0] && seen[1] && seen[2]);
}

/* Each traced step moves rip by the length of the instruction there. */
static void
test_single_step (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("", FALSE);
  KdhStateChange sc;
  guint64 tick, rip;
  guint32 handle;

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  tick = export (s, "kdhtest", "KdhTestTick");
  handle = write_breakpoint (s, tick);
  kdh_test_sim_continue (s);
  wait_stop (s, &sc, SECONDS (5));
  g_assert_cmphex (sc.program_counter, ==, tick);
  kdh_state_change_clear (&sc);
  restore_breakpoint (s, handle);

  rip = tick;
  for (guint i = 0; i < 5; i++)
    {
      gsize len = instruction_length (s, rip);

      continue2 (s, TRUE, 0);
      wait_stop (s, &sc, SECONDS (5));
      g_assert_cmphex (sc.u.exception.code, ==, STATUS_SINGLE_STEP);
      g_assert_cmpuint (sc.processor, ==, 0);
      g_assert_cmphex (sc.program_counter, ==, rip + len);
      rip = sc.program_counter;
      kdh_state_change_clear (&sc);
    }
}

/* DR0 on KdhTestTickCount (write, 8 bytes) fires right after the
 * instruction that writes it, with DR6.B0 set; DR1 on KdhTestTick
 * (execute) fires before its first instruction with DR6.B1. */
static void
test_debug_registers (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("", FALSE);
  KdhStateChange sc;
  guint8 special[KDH_KSPECIAL_AMD64_SIZE];
  guint8 ctx[KDH_CONTEXT_AMD64_SIZE];
  guint64 count, tick, value, rip;
  /* L0, R/W0 = 01 (write), LEN0 = 10 (8 bytes) */
  const guint64 dr7_write = 0x1 | (G_GUINT64_CONSTANT (1) << 16) | (G_GUINT64_CONSTANT (2) << 18);
  /* L1, R/W1 = 00 (execute), LEN1 = 00 */
  const guint64 dr7_execute = 0x4;

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  count = export (s, "kdhtest", "KdhTestTickCount");
  tick = export (s, "kdhtest", "KdhTestTick");
  for (guint cpu = 0; cpu < 2; cpu++)
    {
      read_special (s, cpu, special);
      for (guint i = 0; i < 8; i++)
        {
          special[KSR_KDR0 + i] = (guint8) (count >> (8 * i));
          special[KSR_KDR0 + 8 + i] = (guint8) (tick >> (8 * i));
        }
      write_special (s, cpu, special);
    }
  value = read_u64 (s, count);

  continue2 (s, FALSE, dr7_write);
  wait_stop (s, &sc, SECONDS (5));
  g_assert_cmphex (sc.u.exception.code, ==, STATUS_SINGLE_STEP);
  rip = sc.program_counter;
  kdh_state_change_clear (&sc);
  /* The write has happened; rip is after the instruction in KdhTestTick. */
  g_assert_cmpuint (read_u64 (s, count), ==, value + 1);
  g_assert_cmphex (rip, >, tick);
  g_assert_cmphex (rip, <, tick + 0x40);
  read_special (s, 0, special);
  g_assert_cmphex (le64 (special + KSR_KDR6) & 0xF, ==, 0x1);
  g_assert_cmphex (le64 (special + KSR_KDR7), ==, dr7_write);
  get_context (s, 0, ctx);
  g_assert_cmphex (le64 (ctx + CTX_DR6) & 0xF, ==, 0x1);

  continue2 (s, FALSE, dr7_execute);
  wait_stop (s, &sc, SECONDS (5));
  g_assert_cmphex (sc.u.exception.code, ==, STATUS_SINGLE_STEP);
  g_assert_cmphex (sc.program_counter, ==, tick);
  kdh_state_change_clear (&sc);
  read_special (s, sc.processor, special);
  g_assert_cmphex (le64 (special + KSR_KDR6) & 0xF, ==, 0x2);

  /* Continuing from it does not stop there again at once (RF), but on the
   * next processor's tick. */
  continue2 (s, FALSE, dr7_execute);
  wait_stop (s, &sc, SECONDS (5));
  g_assert_cmphex (sc.program_counter, ==, tick);
  kdh_state_change_clear (&sc);

  /* DR7 cleared: the machine runs freely again. */
  continue2 (s, FALSE, 0);
  run_for (s, MS (20));
  g_assert_cmpint (kdh_sim_target_get_state (s->target), ==, KDH_SIM_RUNNING);
}

/* CauseBugCheck: the stopped processor calls KeBugCheckEx (0xE2), which
 * prints the banner and breaks in DbgBreakPointWithStatus. */
static void
test_bug_check (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("", FALSE);
  KdhStateChange sc;
  KdhManipulate req;
  guint8 ctx[KDH_CONTEXT_AMD64_SIZE];
  gboolean banner = FALSE;

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  kdh_manipulate_init_continue (&req, KDH_DBG_CONTINUE);
  req.api = KDH_API_CAUSE_BUGCHECK;
  kdh_test_sim_send_no_reply (s, &req);

  wait_stop (s, &sc, SECONDS (5));
  g_assert_cmphex (sc.u.exception.code, ==, KDH_STATUS_BREAKPOINT);
  g_assert_cmphex (sc.program_counter, ==, export (s, "nt", "DbgBreakPointWithStatus"));
  kdh_state_change_clear (&sc);
  get_context (s, 0, ctx);
  g_assert_cmphex (le64 (ctx + CTX_RCX), ==, 3);           /* DBG_STATUS_BUGCHECK_FIRST */
  g_assert_cmphex (read_u64 (s, export (s, "nt", "KiBugCheckData")), ==, 0xE2);
  for (guint i = 0; i < s->prints->len; i++)
    if (strstr (g_ptr_array_index (s->prints, i), "*** Fatal System Error: 0x000000e2"))
      banner = TRUE;
  g_assert_true (banner);
}

/* --load-driver-after: a second copy of the test driver announces itself
 * with a load-symbols state change, then ticks as the first one does. */
static void
test_load_driver (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("load-driver-after=1", FALSE);
  KdhStateChange sc;
  guint64 count1, count2, base;

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  kdh_test_sim_continue (s);
  wait_stop (s, &sc, SECONDS (3));
  g_assert_cmphex (sc.new_state, ==, KDH_STATE_LOAD_SYMBOLS);
  g_assert_cmpstr (sc.path, ==, "\\SystemRoot\\system32\\drivers\\kdhtest2.sys");
  base = sc.u.load_symbols.base_of_dll;
  g_assert_cmphex (base, ==, G_GUINT64_CONSTANT (0xFFFFF80003800000));
  g_assert_cmphex (export (s, "kdhtest2", "KdhTestTick"), ==,
                   base + (export (s, "kdhtest", "KdhTestTick") - G_GUINT64_CONSTANT (0xFFFFF80003000000)));
  g_assert_cmpuint (sc.u.load_symbols.size_of_image,  >, 0);
  kdh_state_change_clear (&sc);

  count1 = export (s, "kdhtest", "KdhTestTickCount");
  count2 = export (s, "kdhtest2", "KdhTestTickCount");
  g_assert_cmpuint (read_u64 (s, count2), ==, 0);
  kdh_test_sim_continue (s);
  run_for (s, MS (50));
  kdh_test_sim_break_in (s, &sc);
  kdh_state_change_clear (&sc);
  /* Both copies tick, each on its own counter. */
  g_assert_cmpuint (read_u64 (s, count2), >=, 2 * 12);
  g_assert_cmpuint (read_u64 (s, count1), >, read_u64 (s, count2));
}

static guint64
read_physical_u64 (KdhTestSim *s,
                   guint64     address)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;

  kdh_manipulate_init_memory (&req, KDH_API_READ_PHYSICAL_MEMORY, 0, address, 8);
  keep = kdh_test_sim_request (s, &req, NULL, 0, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
  g_assert_cmpuint (reply.data_len, ==, 8);
  return le64 (reply.data);
}

/* x64 4-level translation, from CR3, by reading physical memory only;
 * *@large tells whether a 2 MiB page ended the walk. */
static guint64
walk (KdhTestSim *s,
      guint64     cr3,
      guint64     va,
      gboolean   *large)
{
  guint64 table = cr3 & G_GUINT64_CONSTANT (0x000FFFFFFFFFF000);

  *large = FALSE;
  for (gint level = 3; level >= 0; level--)
    {
      guint64 e = read_physical_u64 (s, table + 8 * ((va >> (12 + 9 * level)) & 0x1FF));

      g_assert_true (e & 1);                                  /* present */
      if (level == 1 && (e & 0x80))
        {
          *large = TRUE;
          return (e & G_GUINT64_CONSTANT (0x000FFFFFFFE00000)) | (va & 0x1FFFFF);
        }
      table = e & G_GUINT64_CONSTANT (0x000FFFFFFFFFF000);
    }
  return table | (va & 0xFFF);
}

/* A break-in while kdhtest prints without pause: DbgPrint finds the byte
 * (KdpPrint's STATUS_BREAKPOINT) and breaks in after the line on the
 * wire, not at the end of the driver's burst of lines. */
static void
test_break_in_flood (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("dbgprint-rate=max", FALSE);
  KdhStateChange sc;
  guint before;

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  kdh_test_sim_continue (s);
  g_assert_true (kdh_test_sim_run_until (s, kdh_test_pred_prints, GUINT_TO_POINTER (50),
                                         SECONDS (10)));
  before = s->prints->len;
  kdh_link_send_breakin (s->link);
  wait_stop (s, &sc, SECONDS (5));
  g_assert_cmphex (sc.u.exception.code, ==, KDH_STATUS_BREAKPOINT);
  g_assert_cmphex (sc.program_counter, ==, export (s, "nt", "DbgBreakPointWithStatus"));
  kdh_state_change_clear (&sc);
  g_assert_cmpuint (s->prints->len, <=, before + 2);
  kdh_test_sim_check_prints (s, 0);
}

/* Every kind of mapping reads the same through the page tables in
 * physical memory as through the virtual address. */
static void
test_page_tables (void)
{
  g_autoptr (KdhTestSim) s = kdh_test_sim_new ("", FALSE);
  KdhStateChange sc;
  guint8 special[KDH_KSPECIAL_AMD64_SIZE];
  guint8 ctx[KDH_CONTEXT_AMD64_SIZE];
  guint64 cr3, pml4_self;
  struct {
    const gchar *what;
    guint64 va;
    gboolean large;
  } places[] = {
    { "kernel image code", 0, FALSE },
    { "driver data", 0, FALSE },
    { "pattern region", KDH_SIM_PATTERN_BASE + 0x345678, TRUE },
    { "kernel stack", 0, FALSE },
    { "KUSER_SHARED_DATA", G_GUINT64_CONSTANT (0xFFFFF78000000014), FALSE },
    { "pool (a loader entry)", 0, FALSE },
  };

  kdh_test_sim_attach (s, &sc);
  kdh_state_change_clear (&sc);
  places[0].va = export (s, "nt", "KeUpdateSystemTime");
  places[1].va = export (s, "kdhtest", "KdhTestDeviceList");
  get_context (s, 1, ctx);
  places[3].va = le64 (ctx + CTX_RSP);
  places[5].va = read_u64 (s, export (s, "nt", "PsLoadedModuleList"));
  read_special (s, 0, special);
  cr3 = le64 (special + 0x10);

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      gboolean large;
      guint64 pa = walk (s, cr3, places[i].va, &large);
      guint64 virt = read_u64 (s, places[i].va);

      g_test_message ("%s: %" G_GINT64_MODIFIER "x -> %" G_GINT64_MODIFIER "x%s",
                      places[i].what, places[i].va, pa, large ? " (2 MiB page)" : "");
      g_assert_cmphex (read_physical_u64 (s, pa), ==, virt);
      g_assert_cmpint (large, ==, places[i].large);
    }
  /* The self-map: the PML4 seen at PteBase's PML4 slot is CR3's page. */
  pml4_self = G_GUINT64_CONSTANT (0xFFFFB30000000000) | (G_GUINT64_CONSTANT (0x166) << 30)
              | (G_GUINT64_CONSTANT (0x166) << 21) | (G_GUINT64_CONSTANT (0x166) << 12);
  g_assert_cmphex (read_u64 (s, pml4_self + 8 * 0x1F0), ==, read_physical_u64 (s, cr3 + 8 * 0x1F0));
}

/* Runs @k for @total_us of simulated time in slices of @slice_us, breaks
 * in, and returns every processor's CONTEXT and the tick count. */
static GBytes *
run_and_capture (KdhSimKernel *k,
                guint64       total_us,
                guint64       slice_us)
{
  GString *state = g_string_new (NULL);
  KdhSimEvent ev;
  guint8 count[8];

  for (guint64 t = 0; t < total_us; t += slice_us)
    {
      g_assert_false (kdh_sim_kernel_execute (k, slice_us, &ev));
      kdh_sim_event_clear (&ev);
    }
  kdh_sim_kernel_break_in (k);
  g_assert_true (kdh_sim_kernel_execute (k, 4000, &ev));
  kdh_sim_event_clear (&ev);
  for (guint cpu = 0; cpu < kdh_sim_kernel_n_cpus (k); cpu++)
    g_string_append_len (state, (const gchar *) kdh_sim_kernel_context (k, cpu),
                         KDH_CONTEXT_AMD64_SIZE);
  g_assert_cmpuint (kdh_sim_kernel_read_virtual (
                      k, kdh_sim_kernel_lookup_export (k, "kdhtest", "KdhTestTickCount"),
                      count, 8), ==, 8);
  g_string_append_len (state, (const gchar *) count, 8);
  return g_string_free_to_bytes (state);
}

/* What the processors do depends on the simulated time only, not on how it
 * is handed out nor on the host's speed. */
static void
test_deterministic (void)
{
  KdhSimKernel *a = kdh_sim_kernel_new (2, 7);
  KdhSimKernel *b = kdh_sim_kernel_new (2, 7);
  KdhSimKernel *c = kdh_sim_kernel_new (2, 7);
  g_autoptr (GBytes) da = run_and_capture (a, 30000, 30000);
  g_autoptr (GBytes) db = run_and_capture (b, 30000, 250);
  g_autoptr (GBytes) dc = run_and_capture (c, 34000, 34000);

  g_assert_true (g_bytes_equal (da, db));
  g_assert_false (g_bytes_equal (da, dc));   /* a tick more is another state */
  kdh_sim_kernel_free (a);
  kdh_sim_kernel_free (b);
  kdh_sim_kernel_free (c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/exec/running", test_running);
  g_test_add_func ("/sim/exec/breakpoint-every-cpu", test_breakpoint_every_cpu);
  g_test_add_func ("/sim/exec/single-step", test_single_step);
  g_test_add_func ("/sim/exec/debug-registers", test_debug_registers);
  g_test_add_func ("/sim/exec/bug-check", test_bug_check);
  g_test_add_func ("/sim/exec/load-driver", test_load_driver);
  g_test_add_func ("/sim/exec/break-in-flood", test_break_in_flood);
  g_test_add_func ("/sim/exec/page-tables", test_page_tables);
  g_test_add_func ("/sim/exec/deterministic", test_deterministic);

  return g_test_run ();
}
