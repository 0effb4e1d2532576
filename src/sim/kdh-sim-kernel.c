/* kdh-sim-kernel.c: the simulated Windows x64 kernel: lifetime, processors, breakpoints
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The public API of kdh-sim-kernel.h, apart from memory access
 * (kdh-sim-kernel-memory.c). Breakpoints behave as on a real target: the
 * 0xCC is in memory and reads return it; only the control report shows the
 * original bytes, as ReactOS's kernel debugger reports them.
 */

#include <string.h>

#include <glib.h>

#include "kdh-sim-kernel-private.h"

#define REPORT_INCLUDES_SEGS 0x0001
#define REPORT_STANDARD_CS   0x0002

#define MSR_TSC              0x00000010u
#define MSR_APIC_BASE        0x0000001Bu
#define MSR_SYSENTER_CS      0x00000174u
#define MSR_PAT              0x00000277u
#define MSR_EFER             0xC0000080u
#define MSR_STAR             0xC0000081u
#define MSR_LSTAR            0xC0000082u
#define MSR_CSTAR            0xC0000083u
#define MSR_SFMASK           0xC0000084u
#define MSR_FS_BASE          0xC0000100u
#define MSR_GS_BASE          0xC0000101u
#define MSR_KERNEL_GS_BASE   0xC0000102u
#define MSR_TSC_AUX          0xC0000103u

/* The TSC runs at 2.9952 GHz; rdtsc-based code sees it advance with run(). */
#define TSC_PER_MS           G_GUINT64_CONSTANT (2995200)

/* ---- Building and lifetime ---------------------------------------------- */

static void
build (KdhSimKernel *k)
{
  guint32 seed[2] = { (guint32) k->seed, (guint32) (k->seed >> 32) };

  g_rand_set_seed_array (k->rand, seed, 2);
  _kdh_sim_memory_reset (k);
  memset (k->breakpoints, 0, sizeof k->breakpoints);
  k->timer_elapsed_ms = 0;
  k->timer_pending = FALSE;
  k->next_cpu = 0;

  _kdh_sim_map (k, KDH_SIM_PATTERN_BASE, KDH_SIM_PATTERN_SIZE, TRUE);
  _kdh_sim_build_images (k);
  _kdh_sim_build_data (k);
}

KdhSimKernel *
kdh_sim_kernel_new (guint   cpus,
                    guint64 seed)
{
  KdhSimKernel *k = g_new0 (KdhSimKernel, 1);

  k->n_cpus = CLAMP (cpus, 1, KDH_SIM_MAX_CPUS);
  k->seed = seed;
  k->rand = g_rand_new ();
  _kdh_sim_memory_init (k);
  k->cpus = g_new0 (KdhSimCpu, k->n_cpus);
  build (k);
  return k;
}

void
kdh_sim_kernel_free (KdhSimKernel *k)
{
  if (k == NULL)
    return;
  for (guint i = 0; i < KDH_SIM_N_MODULES; i++)
    g_clear_pointer (&k->exports[i], g_array_unref);
  _kdh_sim_memory_clear (k);
  g_rand_free (k->rand);
  g_free (k->cpus);
  g_free (k);
}

void
kdh_sim_kernel_reboot (KdhSimKernel *k)
{
  g_return_if_fail (k != NULL);

  /* The CPU array stays where it is: callers may hold context pointers. */
  memset (k->cpus, 0, sizeof (KdhSimCpu) * k->n_cpus);
  build (k);
}

guint
kdh_sim_kernel_n_cpus (KdhSimKernel *k)
{
  g_return_val_if_fail (k != NULL, 0);

  return k->n_cpus;
}

void
kdh_sim_kernel_get_version (KdhSimKernel *k,
                            KdhVersion   *out)
{
  g_return_if_fail (k != NULL && out != NULL);

  memset (out, 0, sizeof *out);
  out->major_version = 0x000F;                 /* NT, free build */
  out->minor_version = KDH_SIM_BUILD;
  out->protocol_version = 6;
  out->kd_secondary_version = 2;
  out->flags = KDH_VERS_FLAG_MP | KDH_VERS_FLAG_DATA | KDH_VERS_FLAG_PTR64;
  out->machine_type = KDH_MACHINE_AMD64;
  out->max_packet_type = 12;
  out->max_state_change = 3;
  out->max_manipulate = 0x31;
  out->simulation = 0;
  out->kern_base = KDH_SIM_NT_BASE;
  out->ps_loaded_module_list = k->sym.ps_loaded_module_list;
  out->debugger_data_list = k->sym.debugger_data_list;
}

/* ---- Modules ------------------------------------------------------------ */

guint
kdh_sim_kernel_n_modules (KdhSimKernel *k)
{
  return _kdh_sim_n_modules ();
}

const KdhSimModule *
kdh_sim_kernel_module (KdhSimKernel *k,
                       guint         index)
{
  return _kdh_sim_module (index);
}

/* Accepts the debugger's module name ("nt"), the file name
 * ("ntoskrnl.exe") or the file name without extension, in any case. */
static gint
find_module (const gchar *name)
{
  for (guint i = 0; i < _kdh_sim_n_modules (); i++)
    {
      const KdhSimModule *m = _kdh_sim_module (i);
      const gchar *dot = strrchr (m->file_name, '.');

      if (g_ascii_strcasecmp (name, m->base_name) == 0
          || g_ascii_strcasecmp (name, m->file_name) == 0
          || (dot != NULL && strlen (name) == (gsize) (dot - m->file_name)
              && g_ascii_strncasecmp (name, m->file_name, dot - m->file_name) == 0))
        return (gint) i;
    }
  return -1;
}

guint64
kdh_sim_kernel_lookup_export (KdhSimKernel *k,
                              const gchar  *module_base_name,
                              const gchar  *export_name)
{
  gint index;
  GArray *exports;

  g_return_val_if_fail (k != NULL, 0);
  g_return_val_if_fail (module_base_name != NULL && export_name != NULL, 0);

  index = find_module (module_base_name);
  if (index < 0)
    return 0;
  exports = k->exports[index];
  for (guint i = 0; i < exports->len; i++)
    {
      const KdhSimExport *e = &g_array_index (exports, KdhSimExport, i);

      if (g_str_equal (e->name, export_name))
        return e->address;
    }
  return 0;
}

/* ---- Processors ----------------------------------------------------------- */

static KdhSimCpu *
get_cpu (KdhSimKernel *k,
         guint         cpu)
{
  return k != NULL && cpu < k->n_cpus ? &k->cpus[cpu] : NULL;
}

guint8 *
kdh_sim_kernel_context (KdhSimKernel *k,
                        guint         cpu)
{
  KdhSimCpu *c = get_cpu (k, cpu);

  return c != NULL ? CPU_CTX (c) : NULL;
}

gboolean
kdh_sim_kernel_read_control_space (KdhSimKernel *k,
                                   guint         cpu,
                                   guint64       index,
                                   guint8       *buf,
                                   gsize         len,
                                   gsize        *actual)
{
  KdhSimCpu *c = get_cpu (k, cpu);
  guint8 pointer[8];
  gsize n;

  g_return_val_if_fail (actual != NULL, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  *actual = 0;
  if (c == NULL)
    return FALSE;

  switch (index)
    {
    case 0:
    case 1:
    case 3:
      /* Pointer-sized answers, however much was asked for; a reply never
       * carries more than the caller's buffer holds. */
      _kdh_sim_set (pointer, 0, 8, index == 0 ? c->kpcr : index == 1 ? c->kprcb : c->kthread);
      n = MIN (len, sizeof pointer);
      memcpy (buf, pointer, n);
      *actual = n;
      return TRUE;
    case 2:
      n = MIN (len, (gsize) KDH_KSPECIAL_AMD64_SIZE);
      memcpy (buf, c->special, n);
      *actual = n;
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
kdh_sim_kernel_write_control_space (KdhSimKernel *k,
                                    guint         cpu,
                                    guint64       index,
                                    const guint8 *buf,
                                    gsize         len,
                                    gsize        *actual)
{
  KdhSimCpu *c = get_cpu (k, cpu);

  g_return_val_if_fail (actual != NULL, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  *actual = 0;
  if (c == NULL || index != 2 || len > KDH_KSPECIAL_AMD64_SIZE)
    return FALSE;
  memcpy (c->special, buf, len);
  *actual = len;
  return TRUE;
}

gboolean
kdh_sim_kernel_read_msr (KdhSimKernel *k,
                         guint         cpu,
                         guint32       msr,
                         guint64      *value)
{
  KdhSimCpu *c = get_cpu (k, cpu);
  guint ksr;

  g_return_val_if_fail (value != NULL, FALSE);

  if (c == NULL)
    return FALSE;

  /* MSRs kept in KSPECIAL_REGISTERS are read from there, so a write to
   * control space shows up here too. */
  switch (msr)
    {
    case MSR_STAR: ksr = KSR_STAR; break;
    case MSR_LSTAR: ksr = KSR_LSTAR; break;
    case MSR_CSTAR: ksr = KSR_CSTAR; break;
    case MSR_SFMASK: ksr = KSR_SFMASK; break;
    case MSR_FS_BASE: ksr = KSR_FS_BASE; break;
    case MSR_GS_BASE: ksr = KSR_GS_BASE; break;
    case MSR_KERNEL_GS_BASE: ksr = KSR_GS_SWAP; break;
    case MSR_EFER:
      *value = 0xD01;                          /* SCE | LME | LMA | NXE */
      return TRUE;
    case MSR_TSC:
      *value = k->tsc;
      return TRUE;
    case MSR_TSC_AUX:
      *value = cpu;
      return TRUE;
    case MSR_APIC_BASE:
      *value = G_GUINT64_CONSTANT (0xFEE00800) | (cpu == 0 ? 0x100 : 0);
      return TRUE;
    case MSR_SYSENTER_CS:
      *value = 0;
      return TRUE;
    case MSR_PAT:
      *value = G_GUINT64_CONSTANT (0x0007010600070106);
      return TRUE;
    default:
      return FALSE;
    }
  *value = _kdh_sim_get (c->special, ksr, 8);
  return TRUE;
}

guint64
kdh_sim_kernel_prepare_break_in (KdhSimKernel *k,
                                 guint         cpu)
{
  KdhSimCpu *c = get_cpu (k, cpu);
  guint8 *ctx;
  guint64 rsp;

  if (c == NULL)
    return 0;

  /* Stopped on the int 3 of DbgBreakPointWithStatus, called from the
   * break-in poll: rsp points at the return address, and rsp + 8 is 16-byte
   * aligned, as at any function's first instruction. */
  ctx = CPU_CTX (c);
  rsp = c->stack_base - 0x1F8;
  _kdh_sim_poke_u64 (k, rsp, k->sym.break_in_return);
  _kdh_sim_set (ctx, CTX_RSP, 8, rsp);
  _kdh_sim_set (ctx, CTX_RIP, 8, k->sym.dbg_break_point_with_status);
  _kdh_sim_set (ctx, CTX_RCX, 8, 1);          /* DBG_STATUS_CONTROL_C */
  return k->sym.dbg_break_point_with_status;
}

/* ---- Breakpoints ------------------------------------------------------------ */

static const KdhSimBreakpoint *
other_breakpoint_at (KdhSimKernel           *k,
                     guint64                 address,
                     const KdhSimBreakpoint *except)
{
  for (guint i = 0; i < KDH_SIM_MAX_BREAKPOINTS; i++)
    {
      const KdhSimBreakpoint *bp = &k->breakpoints[i];

      if (bp != except && bp->active && bp->address == address)
        return bp;
    }
  return NULL;
}

guint32
kdh_sim_kernel_write_breakpoint (KdhSimKernel *k,
                                 guint64       address)
{
  static const guint8 int3 = 0xCC;
  KdhSimBreakpoint *slot = NULL;
  const KdhSimBreakpoint *twin;
  guint8 original;

  g_return_val_if_fail (k != NULL, 0);

  for (guint i = 0; i < KDH_SIM_MAX_BREAKPOINTS && slot == NULL; i++)
    if (!k->breakpoints[i].active)
      slot = &k->breakpoints[i];
  if (slot == NULL || _kdh_sim_raw_read (k, address, &original, 1) != 1)
    return 0;

  /* A second breakpoint on the same byte must not save the first one's
   * 0xCC as the original. */
  twin = other_breakpoint_at (k, address, NULL);
  slot->active = TRUE;
  slot->address = address;
  slot->original = twin != NULL ? twin->original : original;
  _kdh_sim_raw_write (k, address, &int3, 1);
  return (guint32) (slot - k->breakpoints) + 1;
}

gboolean
kdh_sim_kernel_restore_breakpoint (KdhSimKernel *k,
                                   guint32       handle)
{
  KdhSimBreakpoint *bp;

  g_return_val_if_fail (k != NULL, FALSE);

  if (handle == 0 || handle > KDH_SIM_MAX_BREAKPOINTS)
    return FALSE;
  bp = &k->breakpoints[handle - 1];
  if (!bp->active)
    return FALSE;
  bp->active = FALSE;
  if (other_breakpoint_at (k, bp->address, bp) == NULL)
    _kdh_sim_raw_write (k, bp->address, &bp->original, 1);
  return TRUE;
}

gboolean
kdh_sim_kernel_breakpoint_at (KdhSimKernel *k,
                              guint64       address)
{
  g_return_val_if_fail (k != NULL, FALSE);

  return other_breakpoint_at (k, address, NULL) != NULL;
}

/* ---- Execution ------------------------------------------------------------- */

/* Writes through the breakpoint-aware path, for state that changes while
 * the target runs. */
static void
live_write_u64 (KdhSimKernel *k,
                guint64       address,
                guint64       v)
{
  guint8 b[8];

  _kdh_sim_set (b, 0, 8, v);
  kdh_sim_kernel_write_virtual (k, address, b, 8);
}

static void
timer_routine_ran (KdhSimKernel *k,
                   guint64       times)
{
  guint64 count = _kdh_sim_peek_u64 (k, k->sym.timer_call_count);

  live_write_u64 (k, k->sym.timer_call_count, count + times);
}

/* The routine runs straight through, so the breakpoint it meets first is
 * the lowest one inside it. */
static gboolean
first_timer_breakpoint (KdhSimKernel *k,
                        guint        *offset)
{
  for (guint i = 0; i < KDH_SIM_TIMER_SIZE; i++)
    if (kdh_sim_kernel_breakpoint_at (k, k->sym.timer_routine + i))
      {
        *offset = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
kdh_sim_kernel_run (KdhSimKernel *k,
                    guint         elapsed_ms,
                    guint        *cpu,
                    guint64      *address)
{
  guint64 calls, rsp;
  guint offset = 0;
  KdhSimCpu *c;
  guint8 *ctx;

  g_return_val_if_fail (k != NULL, FALSE);

  /* The routine we stopped in last time has now run. */
  if (k->timer_pending)
    {
      timer_routine_ran (k, 1);
      k->timer_pending = FALSE;
    }

  k->uptime_100ns += (guint64) elapsed_ms * 10000;
  k->tsc += (guint64) elapsed_ms * TSC_PER_MS;
  _kdh_sim_update_clocks (k);

  /* kdhtest's timer fires every KDH_SIM_TIMER_PERIOD_MS of run time. */
  calls = ((guint64) k->timer_elapsed_ms + elapsed_ms) / KDH_SIM_TIMER_PERIOD_MS;
  k->timer_elapsed_ms = (guint) (((guint64) k->timer_elapsed_ms + elapsed_ms)
                                 % KDH_SIM_TIMER_PERIOD_MS);
  if (calls == 0)
    return FALSE;
  if (!first_timer_breakpoint (k, &offset))
    {
      timer_routine_ran (k, calls);
      return FALSE;
    }

  /* Calls before the one that hits completed; the machine stops at the
   * breakpoint, so the rest of the interval never happened. Past the
   * lock inc, the stopped call has already counted itself. */
  if (offset >= KDH_SIM_TIMER_COUNTED)
    timer_routine_ran (k, calls);
  else
    {
      timer_routine_ran (k, calls - 1);
      k->timer_pending = TRUE;
    }
  k->timer_elapsed_ms = 0;

  c = &k->cpus[k->next_cpu];
  ctx = CPU_CTX (c);
  rsp = c->stack_base - 0x2F8;                 /* at entry: the return address */
  _kdh_sim_poke_u64 (k, rsp, k->sym.dpc_return);
  if (offset >= KDH_SIM_TIMER_FRAME_START && offset < KDH_SIM_TIMER_FRAME_END)
    rsp -= KDH_SIM_TIMER_FRAME;
  _kdh_sim_set (ctx, CTX_RSP, 8, rsp);
  _kdh_sim_set (ctx, CTX_RIP, 8, k->sym.timer_routine + offset);
  _kdh_sim_set (ctx, CTX_RCX, 8, k->sym.timer_dpc);       /* Dpc */
  _kdh_sim_set (ctx, CTX_RDX, 8, 0);                      /* DeferredContext */
  _kdh_sim_set (ctx, CTX_R8, 8, k->uptime_100ns & 0xFFFFFFFF);
  _kdh_sim_set (ctx, CTX_R9, 8, k->uptime_100ns >> 32);

  if (cpu != NULL)
    *cpu = k->next_cpu;
  if (address != NULL)
    *address = k->sym.timer_routine + offset;
  k->next_cpu = (k->next_cpu + 1) % k->n_cpus;
  return TRUE;
}

void
kdh_sim_kernel_control_report (KdhSimKernel     *k,
                               guint             cpu,
                               KdhControlReport *out)
{
  KdhSimCpu *c = get_cpu (k, cpu);
  const guint8 *ctx;
  guint64 rip;
  gsize n;

  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof *out);
  if (c == NULL)
    return;
  ctx = CPU_CTX (c);
  rip = _kdh_sim_get (ctx, CTX_RIP, 8);
  n = _kdh_sim_raw_read (k, rip, out->instruction_stream, KDH_DBGKD_MAXSTREAM);

  /* The host must see the code, not its own int 3s. */
  for (guint i = 0; i < KDH_SIM_MAX_BREAKPOINTS; i++)
    {
      const KdhSimBreakpoint *bp = &k->breakpoints[i];

      if (bp->active && bp->address - rip < n)
        out->instruction_stream[bp->address - rip] = bp->original;
    }

  out->dr6 = _kdh_sim_get (ctx, CTX_DR6, 8);
  out->dr7 = _kdh_sim_get (ctx, CTX_DR7, 8);
  out->eflags = (guint32) _kdh_sim_get (ctx, CTX_EFLAGS, 4);
  out->instruction_count = (guint16) n;
  out->seg_cs = (guint16) _kdh_sim_get (ctx, CTX_SEG_CS, 2);
  out->report_flags = REPORT_INCLUDES_SEGS | (out->seg_cs == 0x10 ? REPORT_STANDARD_CS : 0);
  out->seg_ds = (guint16) _kdh_sim_get (ctx, CTX_SEG_DS, 2);
  out->seg_es = (guint16) _kdh_sim_get (ctx, CTX_SEG_ES, 2);
  out->seg_fs = (guint16) _kdh_sim_get (ctx, CTX_SEG_FS, 2);
}
