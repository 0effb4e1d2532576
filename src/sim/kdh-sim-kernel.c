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

/* The TSC runs at 2.9952 GHz, read off the kernel's interrupt time. */
#define TSC_PER_100NS        G_GUINT64_CONSTANT (300)

#define STATUS_BREAKPOINT    0x80000003u
#define KMODE_EXCEPTION_NOT_HANDLED 0x1Eu
/* Enough for any processor to get from nt's entry point to its idle loop. */
#define BOOT_INSTRUCTIONS    G_GUINT64_CONSTANT (5000000)

/* ---- Building and lifetime ---------------------------------------------- */

void
kdh_sim_event_clear (KdhSimEvent *ev)
{
  if (ev == NULL)
    return;
  g_free (ev->text);
  memset (ev, 0, sizeof *ev);
}

static KdhSimImage *
find_image (KdhSimKernel *k,
            const gchar  *name)
{
  for (guint i = 0; i < k->images->len; i++)
    {
      KdhSimImage *image = k->images->pdata[i];
      const gchar *dot = strrchr (image->file_name, '.');

      /* The debugger's module name ("nt"), the file name ("ntoskrnl.exe")
       * or the file name without extension, in any case. */
      if (g_ascii_strcasecmp (name, image->base_name) == 0
          || g_ascii_strcasecmp (name, image->file_name) == 0
          || (dot != NULL && strlen (name) == (gsize) (dot - image->file_name)
              && g_ascii_strncasecmp (name, image->file_name, dot - image->file_name) == 0))
        return image;
    }
  return NULL;
}

static guint64
need_export (KdhSimKernel *k,
             const gchar  *module,
             const gchar  *name)
{
  guint64 a = kdh_sim_kernel_lookup_export (k, module, name);

  if (a == 0)
    g_error ("kdhost-sim: the built-in %s does not export %s", module, name);
  return a;
}

static void
resolve_symbols (KdhSimKernel *k)
{
  KdhSimSymbols *sym = &k->sym;

  sym->ps_loaded_module_list = need_export (k, "nt", "PsLoadedModuleList");
  sym->ps_active_process_head = need_export (k, "nt", "PsActiveProcessHead");
  sym->kd_debugger_data_block = need_export (k, "nt", "KdDebuggerDataBlock");
  sym->ki_processor_block = need_export (k, "nt", "KiProcessorBlock");
  sym->ps_initial_system_process = need_export (k, "nt", "PsInitialSystemProcess");
  sym->kd_debugger_not_present = need_export (k, "nt", "KdDebuggerNotPresent");
  sym->dbg_break_point_with_status = need_export (k, "nt", "DbgBreakPointWithStatus");
  sym->ke_bug_check_ex = need_export (k, "nt", "KeBugCheckEx");
  sym->print_interval = need_export (k, "kdhtest", "KdhTestPrintInterval");
  sym->system_startup = find_image (k, "nt")->entry_point;
  /* The block is on the list whose head the debugger gets: its Flink. */
  sym->debugger_data_list = _kdh_sim_peek_u64 (k, sym->kd_debugger_data_block);
}

/* Every processor from nt's entry point to its idle loop, one after the
 * other, processor 0 (which starts the boot drivers) first. */
static void
boot (KdhSimKernel *k)
{
  guint64 loader_block = _kdh_sim_build_loader_block (k);

  /* No debugger is listening yet (kdh_sim_kernel_set_debugger_present()
   * says when one does). */
  _kdh_sim_poke_u8 (k, k->sym.kd_debugger_not_present, 1);
  for (guint i = 0; i < k->n_cpus; i++)
    {
      KdhSimCpu *c = &k->cpus[i];
      KdhSimEvent ev;

      _kdh_sim_set (CPU_CTX (c), CTX_RCX, 8, loader_block);
      if (_kdh_sim_cpu_run (k, c, BOOT_INSTRUCTIONS, &ev) || !c->halted)
        g_error ("kdhost-sim: processor %u did not reach its idle loop (event %d, code 0x%08x "
                 "at %" G_GINT64_MODIFIER "x)", i, ev.kind, ev.code, ev.address);
      kdh_sim_event_clear (&ev);
      /* What the kernel wrote into the system call MSRs. */
      _kdh_sim_set (c->special, KSR_STAR, 8, _kdh_sim_cpu_read_msr (c, 0xC0000081));
      _kdh_sim_set (c->special, KSR_LSTAR, 8, _kdh_sim_cpu_read_msr (c, 0xC0000082));
      _kdh_sim_set (c->special, KSR_CSTAR, 8, _kdh_sim_cpu_read_msr (c, 0xC0000083));
      _kdh_sim_set (c->special, KSR_SFMASK, 8, _kdh_sim_cpu_read_msr (c, 0xC0000084));
    }
}

static void
build (KdhSimKernel *k)
{
  guint32 seed[2] = { (guint32) k->seed, (guint32) (k->seed >> 32) };
  g_autoptr (GError) error = NULL;

  g_rand_set_seed_array (k->rand, seed, 2);
  _kdh_sim_cpus_stop (k);
  _kdh_sim_memory_reset (k);
  g_ptr_array_set_size (k->images, 0);
  memset (k->breakpoints, 0, sizeof k->breakpoints);
  memset (k->cpus, 0, sizeof (KdhSimCpu) * k->n_cpus);
  for (guint i = 0; i < k->n_cpus; i++)
    {
      k->cpus[i].index = i;
      k->cpus[i].kernel = k;
    }
  k->pending_us = 0;
  k->tick_in_progress = FALSE;
  k->tick_cpu = 0;
  k->breakin_pending = FALSE;
  k->late_next = KDH_SIM_LATE_BASE;

  _kdh_sim_map (k, KDH_SIM_PATTERN_BASE, KDH_SIM_PATTERN_SIZE, TRUE);
  _kdh_sim_load_boot_images (k);
  resolve_symbols (k);
  _kdh_sim_build_data (k);
  if (!_kdh_sim_cpus_start (k, &error))
    g_error ("kdhost-sim: %s", error->message);
  boot (k);
  kdh_sim_kernel_set_print_interval (k, k->print_interval);
}

KdhSimKernel *
kdh_sim_kernel_new (guint   cpus,
                    guint64 seed)
{
  KdhSimKernel *k = g_new0 (KdhSimKernel, 1);

  k->n_cpus = CLAMP (cpus, 1, KDH_SIM_MAX_CPUS);
  k->seed = seed;
  k->rand = g_rand_new ();
  k->images = g_ptr_array_new_with_free_func ((GDestroyNotify) _kdh_sim_image_free);
  k->cpus = g_new0 (KdhSimCpu, k->n_cpus);
  _kdh_sim_memory_init (k);
  build (k);
  return k;
}

void
kdh_sim_kernel_free (KdhSimKernel *k)
{
  if (k == NULL)
    return;
  _kdh_sim_cpus_stop (k);
  _kdh_sim_memory_clear (k);
  g_ptr_array_unref (k->images);
  g_rand_free (k->rand);
  g_free (k->cpus);
  g_free (k);
}

void
kdh_sim_kernel_reboot (KdhSimKernel *k)
{
  g_return_if_fail (k != NULL);

  guint64 sequence = _kdh_sim_peek_u64 (k, kdh_sim_kernel_lookup_export (k, "kdhtest",
                                                                        "KdhTestPrintSequence"));

  /* The CPU array stays where it is: callers may hold context pointers.
   * kdhtest numbers its lines on from where it was, as a driver that
   * keeps the number in the registry would. */
  build (k);
  _kdh_sim_poke_u64 (k, kdh_sim_kernel_lookup_export (k, "kdhtest", "KdhTestPrintSequence"),
                     sequence);
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
  g_return_val_if_fail (k != NULL, 0);

  return k->images->len;
}

const KdhSimModule *
kdh_sim_kernel_module (KdhSimKernel *k,
                       guint         index)
{
  g_return_val_if_fail (k != NULL, NULL);

  return index < k->images->len ? &((KdhSimImage *) k->images->pdata[index])->m : NULL;
}

guint64
kdh_sim_kernel_lookup_export (KdhSimKernel *k,
                              const gchar  *module_base_name,
                              const gchar  *export_name)
{
  KdhSimImage *image;

  g_return_val_if_fail (k != NULL, 0);
  g_return_val_if_fail (module_base_name != NULL && export_name != NULL, 0);

  image = find_image (k, module_base_name);
  return image != NULL ? _kdh_sim_image_export (image, export_name) : 0;
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
      *value = _kdh_sim_peek_u64 (k, KDH_SIM_KUSER_BASE + 0x008) * TSC_PER_100NS;
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

static void
post_request (KdhSimKernel *k,
              KdhSimCpu    *c,
              guint64       request,
              guint64       parameter)
{
  guint64 requests = _kdh_sim_peek_u64 (k, c->kprcb + KPRCB_KDH_REQUESTS);

  /* Data, not code: no translated code to drop (a thousand times a second). */
  if (request == KDH_REQUEST_LOAD_DRIVER)
    _kdh_sim_poke_data_u64 (k, c->kprcb + KPRCB_KDH_PARAMETER, parameter);
  _kdh_sim_poke_data_u64 (k, c->kprcb + KPRCB_KDH_REQUESTS, requests | request);
  c->halted = FALSE;
}

gboolean
kdh_sim_kernel_execute (KdhSimKernel *k,
                        guint64       elapsed_us,
                        KdhSimEvent  *ev)
{
  g_return_val_if_fail (k != NULL && ev != NULL, FALSE);

  memset (ev, 0, sizeof *ev);
  k->pending_us = MIN (k->pending_us + elapsed_us, (guint64) KDH_SIM_MAX_BACKLOG_US);
  for (;;)
    {
      /* The processors in turn, each until it idles again: one stopped
       * early carries on next time from where it is. */
      while (k->tick_in_progress && k->tick_cpu < k->n_cpus)
        {
          KdhSimCpu *c = &k->cpus[k->tick_cpu];

          if (!c->halted && _kdh_sim_cpu_run (k, c, KDH_SIM_TICK_INSTRUCTIONS, ev))
            return TRUE;
          k->tick_cpu++;
        }
      k->tick_in_progress = FALSE;
      if (k->pending_us < KDH_SIM_TICK_US)
        return FALSE;
      k->pending_us -= KDH_SIM_TICK_US;
      for (guint i = 0; i < k->n_cpus; i++)
        post_request (k, &k->cpus[i], KDH_REQUEST_CLOCK, 0);
      k->tick_in_progress = TRUE;
      k->tick_cpu = 0;
    }
}

gboolean
kdh_sim_kernel_has_work (KdhSimKernel *k)
{
  return k->tick_in_progress;
}

guint64
kdh_sim_kernel_until_tick (KdhSimKernel *k)
{
  return k->pending_us >= KDH_SIM_TICK_US ? 0 : KDH_SIM_TICK_US - k->pending_us;
}

void
kdh_sim_kernel_step (KdhSimKernel *k,
                     guint         cpu,
                     KdhSimEvent  *ev)
{
  KdhSimCpu *c = get_cpu (k, cpu);

  g_return_if_fail (c != NULL && ev != NULL);

  if (!_kdh_sim_cpu_run (k, c, 1, ev))
    {
      guint8 *ctx = CPU_CTX (c);
      guint64 dr6 = _kdh_sim_get (c->special, KSR_KDR6, 8) | 0x4000;   /* BS */

      ev->kind = KDH_SIM_EVENT_EXCEPTION;
      ev->cpu = cpu;
      ev->code = 0x80000004u;                  /* STATUS_SINGLE_STEP */
      ev->address = _kdh_sim_get (ctx, CTX_RIP, 8);
      _kdh_sim_set (c->special, KSR_KDR6, 8, dr6);
      _kdh_sim_set (ctx, CTX_DR6, 8, dr6);
    }
}

/* Makes @c call @function (@a1, @a2, @a3, @a4): a frame below its stack
 * pointer, the interrupted rip as the return address. When that frame
 * cannot be written (a debugger set the stack pointer into unmapped
 * memory), the processor keeps its registers and goes on where it was, to
 * fault again: the simulator has no double fault to raise. */
static void
inject_call (KdhSimKernel *k,
             KdhSimCpu    *c,
             guint64       function,
             guint64       a1,
             guint64       a2,
             guint64       a3,
             guint64       a4)
{
  guint8 *ctx = CPU_CTX (c);
  guint64 rsp = ((_kdh_sim_get (ctx, CTX_RSP, 8) - 0x100) & ~G_GUINT64_CONSTANT (0xF)) - 0x38;
  guint8 ret[8], none[8] = { 0 };

  _kdh_sim_set (ret, 0, 8, _kdh_sim_get (ctx, CTX_RIP, 8));
  if (_kdh_sim_raw_write (k, rsp, ret, 8) != 8
      || _kdh_sim_raw_write (k, rsp + 0x28, none, 8) != 8)   /* a fifth argument: none */
    return;
  _kdh_sim_set (ctx, CTX_RSP, 8, rsp);
  _kdh_sim_set (ctx, CTX_RIP, 8, function);
  _kdh_sim_set (ctx, CTX_RCX, 8, a1);
  _kdh_sim_set (ctx, CTX_RDX, 8, a2);
  _kdh_sim_set (ctx, CTX_R8, 8, a3);
  _kdh_sim_set (ctx, CTX_R9, 8, a4);
  c->halted = FALSE;
}

void
kdh_sim_kernel_resume (KdhSimKernel *k,
                       guint         cpu)
{
  KdhSimCpu *c = get_cpu (k, cpu);
  guint64 rip;
  guint8 byte = 0;

  g_return_if_fail (c != NULL);

  rip = _kdh_sim_get (CPU_CTX (c), CTX_RIP, 8);
  if (c->stopped_on_fault)
    {
      /* Not handled, second chance: the kernel bug checks. */
      c->stopped_on_fault = FALSE;
      inject_call (k, c, k->sym.ke_bug_check_ex, KMODE_EXCEPTION_NOT_HANDLED, c->fault_code,
                   c->fault_address, 0);
      return;
    }
  if (_kdh_sim_raw_read (k, rip, &byte, 1) == 1 && byte == 0xCC
      && !kdh_sim_kernel_breakpoint_at (k, rip))
    _kdh_sim_set (CPU_CTX (c), CTX_RIP, 8, rip + 1);
  /* EFLAGS.RF: an execute breakpoint here does not fire again at once. */
  c->resume_flag = TRUE;
}

void
kdh_sim_kernel_set_dr7 (KdhSimKernel *k,
                        guint64       dr7)
{
  for (guint i = 0; i < k->n_cpus; i++)
    {
      _kdh_sim_set (k->cpus[i].special, KSR_KDR7, 8, dr7);
      _kdh_sim_set (k->cpus[i].special, KSR_KDR6, 8, 0);
    }
}

void
kdh_sim_kernel_set_service_status (KdhSimKernel *k,
                                   guint         cpu,
                                   guint32       status)
{
  KdhSimCpu *c = get_cpu (k, cpu);

  g_return_if_fail (c != NULL);

  /* An NTSTATUS in eax, as the trap handler leaves it. */
  _kdh_sim_set (CPU_CTX (c), CTX_RAX, 8, status);
}

void
kdh_sim_kernel_set_debugger_present (KdhSimKernel *k,
                                     gboolean      present)
{
  _kdh_sim_poke_u8 (k, k->sym.kd_debugger_not_present, present ? 0 : 1);
}

void
kdh_sim_kernel_break_in (KdhSimKernel *k)
{
  k->breakin_pending = TRUE;
  /* COM1 interrupts processor 0, which runs at once (in a tick of its own
   * if none is under way). */
  post_request (k, &k->cpus[0], KDH_REQUEST_SERIAL, 0);
  if (!k->tick_in_progress)
    {
      k->tick_in_progress = TRUE;
      k->tick_cpu = 0;
    }
}

gboolean
kdh_sim_kernel_break_in_pending (KdhSimKernel *k)
{
  return k->breakin_pending;
}

gboolean
kdh_sim_kernel_take_break_in (KdhSimKernel *k)
{
  gboolean was = k->breakin_pending;

  k->breakin_pending = FALSE;
  return was;
}

void
kdh_sim_kernel_bug_check (KdhSimKernel *k,
                          guint         cpu,
                          guint32       code)
{
  KdhSimCpu *c = get_cpu (k, cpu);

  g_return_if_fail (c != NULL);

  c->stopped_on_fault = FALSE;
  inject_call (k, c, k->sym.ke_bug_check_ex, code, 0, 0, 0);
}

void
kdh_sim_kernel_set_print_interval (KdhSimKernel *k,
                                   guint64       interval_100ns)
{
  k->print_interval = interval_100ns;
  _kdh_sim_poke_u64 (k, k->sym.print_interval, interval_100ns);
}

gboolean
kdh_sim_kernel_load_driver (KdhSimKernel *k,
                            const gchar  *file_name,
                            const gchar  *as_name,
                            GError      **error)
{
  KdhSimImage *image = _kdh_sim_load_image (k, file_name, as_name, k->late_next, error);

  if (image == NULL)
    return FALSE;
  k->late_next += (image->m.size_of_image + 0xFFFFF) & ~G_GUINT64_CONSTANT (0xFFFFF);
  image->ldr_entry = _kdh_sim_new_ldr_entry (k, image);
  g_ptr_array_add (k->images, image);
  post_request (k, &k->cpus[0], KDH_REQUEST_LOAD_DRIVER, image->ldr_entry);
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
