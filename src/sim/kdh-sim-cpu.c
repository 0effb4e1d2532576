/* kdh-sim-cpu.c: the simulated machine's processors, on the Unicorn emulator
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One uc_engine per processor, each mapping every region of the machine
 * onto the same host bytes (Unicorn translates guest virtual addresses
 * directly; the page tables in memory describe the same mappings for the
 * host and the debugger). While a processor is not running its CONTEXT is
 * the truth: it is loaded into the engine before each run and read back
 * after, so the debugger's GetContext and SetContext act on it directly.
 *
 * Hooks: int 3 is a breakpoint; int 2Dh a debug service (print, load
 * symbols), whose trailing int 3 is stepped over as Windows' trap handler
 * does; other interrupts and emulator errors are faults. COM1's registers
 * answer kdcom's break-in poll. With a debug register armed the processor
 * runs one instruction at a time so that execute breakpoints stop before
 * and data breakpoints right after the instruction, as on x64.
 */
#include <string.h>

#include <gio/gio.h>

#include "kdh-sim-kernel-private.h"
#include "kdh-sim-unicorn.h"

#define STATUS_BREAKPOINT               0x80000003u
#define STATUS_SINGLE_STEP              0x80000004u
#define STATUS_ACCESS_VIOLATION         0xC0000005u
#define STATUS_ILLEGAL_INSTRUCTION      0xC000001Du
#define STATUS_INTEGER_DIVIDE_BY_ZERO   0xC0000094u
#define STATUS_PRIVILEGED_INSTRUCTION   0xC0000096u

#define BREAKPOINT_PRINT         1
#define BREAKPOINT_LOAD_SYMBOLS  3
#define MAX_PRINT                512

#define COM1_RBR 0x3F8
#define COM1_LSR 0x3FD

#define DR6_BS   0x4000
#define DR6_IDLE G_GUINT64_CONSTANT (0xFFFF0FF0)

static const KdhUnicorn *uc;

typedef struct {
  int reg;
  guint offset;
} RegisterMap;

static const RegisterMap registers[] = {
  { UC_X86_REG_RAX, CTX_RAX }, { UC_X86_REG_RCX, CTX_RCX }, { UC_X86_REG_RDX, CTX_RDX },
  { UC_X86_REG_RBX, CTX_RBX }, { UC_X86_REG_RSP, CTX_RSP }, { UC_X86_REG_RBP, CTX_RBP },
  { UC_X86_REG_RSI, CTX_RSI }, { UC_X86_REG_RDI, CTX_RDI }, { UC_X86_REG_R8, CTX_R8 },
  { UC_X86_REG_R9, CTX_R9 }, { UC_X86_REG_R10, CTX_R10 }, { UC_X86_REG_R11, CTX_R11 },
  { UC_X86_REG_R12, CTX_R12 }, { UC_X86_REG_R13, CTX_R13 }, { UC_X86_REG_R14, CTX_R14 },
  { UC_X86_REG_R15, CTX_R15 }, { UC_X86_REG_RIP, CTX_RIP },
};

static void
load_context (KdhSimCpu *c)
{
  const guint8 *ctx = CPU_CTX (c);
  guint64 eflags;

  for (guint i = 0; i < G_N_ELEMENTS (registers); i++)
    {
      guint64 v = _kdh_sim_get (ctx, registers[i].offset, 8);

      uc->reg_write (c->uc, registers[i].reg, &v);
    }
  /* The trace flag is the host's business (kdh_sim_kernel_step). */
  eflags = _kdh_sim_get (ctx, CTX_EFLAGS, 4) & ~G_GUINT64_CONSTANT (0x10100);
  uc->reg_write (c->uc, UC_X86_REG_EFLAGS, &eflags);
}

static void
save_context (KdhSimCpu *c)
{
  guint8 *ctx = CPU_CTX (c);
  guint64 eflags = 0;

  for (guint i = 0; i < G_N_ELEMENTS (registers); i++)
    {
      guint64 v = 0;

      uc->reg_read (c->uc, registers[i].reg, &v);
      _kdh_sim_set (ctx, registers[i].offset, 8, v);
    }
  uc->reg_read (c->uc, UC_X86_REG_EFLAGS, &eflags);
  _kdh_sim_set (ctx, CTX_EFLAGS, 4, eflags);
}

static guint64
read_reg (KdhSimCpu *c,
          int        reg)
{
  guint64 v = 0;

  uc->reg_read (c->uc, reg, &v);
  return v;
}

/* ---- Hooks ------------------------------------------------------------- */

static void
set_exception (KdhSimCpu *c,
               guint32    code,
               guint64    address)
{
  KdhSimEvent *ev = c->event;

  ev->kind = KDH_SIM_EVENT_EXCEPTION;
  ev->cpu = c->index;
  ev->code = code;
  ev->address = address;
}

static gchar *
read_guest (KdhSimKernel *k,
            guint64       address,
            gsize         len,
            gsize        *got)
{
  gchar *text = g_malloc (len + 1);

  *got = _kdh_sim_raw_read (k, address, (guint8 *) text, len);
  text[*got] = 0;
  return text;
}

/* int 2Dh: eax the service, rcx/rdx its arguments (guest/ntoskrnl.c's
 * DebugService). RIP is after the int 2Dh, on the int 3 that follows. */
static void
debug_service (KdhSimCpu *c,
               guint64    rip)
{
  KdhSimKernel *k = c->kernel;
  KdhSimEvent *ev = c->event;
  guint32 service = (guint32) read_reg (c, UC_X86_REG_RAX);
  guint64 arg1 = read_reg (c, UC_X86_REG_RCX), arg2 = read_reg (c, UC_X86_REG_RDX);
  guint8 name[16];

  c->rip_after = rip + 1;
  c->clear_rax = TRUE;
  switch (service)
    {
    case BREAKPOINT_PRINT:
      ev->kind = KDH_SIM_EVENT_PRINT;
      ev->cpu = c->index;
      ev->text = read_guest (k, arg1, MIN (arg2 & 0xFFFF, MAX_PRINT), &ev->text_len);
      break;
    case BREAKPOINT_LOAD_SYMBOLS:
      /* rcx: a STRING with the path; rdx: KD_SYMBOLS_INFO */
      if (_kdh_sim_raw_read (k, arg1, name, 16) != 16)
        break;
      ev->kind = KDH_SIM_EVENT_LOAD_SYMBOLS;
      ev->cpu = c->index;
      ev->text = read_guest (k, _kdh_sim_get (name, 8, 8),
                             MIN (_kdh_sim_get (name, 0, 2), MAX_PRINT), &ev->text_len);
      ev->base = _kdh_sim_peek_u64 (k, arg2);
      ev->checksum = _kdh_sim_peek_u32 (k, arg2 + 16);
      ev->size_of_image = _kdh_sim_peek_u32 (k, arg2 + 20);
      break;
    default:
      break;                          /* nothing the host serves: carry on */
    }
}

static void
hook_interrupt (uc_engine *engine,
                uint32_t   intno,
                void      *user_data)
{
  KdhSimCpu *c = user_data;
  guint64 rip = read_reg (c, UC_X86_REG_RIP);

  switch (intno)
    {
    case 3:
      set_exception (c, STATUS_BREAKPOINT, rip - 1);
      c->rip_after = rip - 1;
      break;
    case 0x2D:
      debug_service (c, rip);
      break;
    case 0:
      set_exception (c, STATUS_INTEGER_DIVIDE_BY_ZERO, rip);
      break;
    case 6:
      set_exception (c, STATUS_ILLEGAL_INSTRUCTION, rip);
      break;
    case 13:
      set_exception (c, STATUS_PRIVILEGED_INSTRUCTION, rip);
      break;
    default:
      set_exception (c, STATUS_ACCESS_VIOLATION, rip);
      break;
    }
  /* A debug service the host does not serve stops the run too: it goes on
   * after the int 3 next time. */
  uc->emu_stop (engine);
}

/* COM1 as kdcom polls it: the line status says whether the break-in byte
 * has arrived; reading the receive buffer takes it. */
static uint32_t
hook_in (uc_engine *engine,
         uint32_t   port,
         int        size,
         void      *user_data)
{
  KdhSimCpu *c = user_data;
  KdhSimKernel *k = c->kernel;

  switch (port)
    {
    case COM1_LSR:
      return 0x60 | (k->breakin_pending ? 0x01 : 0x00);   /* THRE TEMT [DR] */
    case COM1_RBR:
      if (!k->breakin_pending)
        return 0;
      k->breakin_pending = FALSE;
      return 0x62;
    default:
      return 0xFF;                                          /* nothing there */
    }
}

static void
hook_data_breakpoint (uc_engine  *engine,
                      uc_mem_type type,
                      uint64_t    address,
                      int         size,
                      int64_t     value,
                      void       *user_data)
{
  KdhSimCpu *c = user_data;

  for (guint i = 0; i < 4; i++)
    {
      const KdhSimDebugRegister *dr = &c->dr[i];

      if (!dr->enabled || dr->type == 0 || dr->hook == 0)
        continue;
      if (dr->type == 1 && type != UC_MEM_WRITE)
        continue;
      if (address < dr->address + dr->length && dr->address < address + (guint64) size)
        c->dr_hits |= G_GUINT64_CONSTANT (1) << i;
    }
}

/* ---- Debug registers ----------------------------------------------------- */

/* Brings the engine's hooks in line with DR0-DR3/DR7 in the processor's
 * special registers (where the debugger's control space writes and
 * Continue2 put them); TRUE when any is enabled. */
static gboolean
arm_debug_registers (KdhSimCpu *c)
{
  guint64 dr7 = _kdh_sim_get (c->special, KSR_KDR7, 8);
  gboolean any = FALSE;

  for (guint i = 0; i < 4; i++)
    {
      static const guint64 lengths[4] = { 1, 2, 8, 4 };
      KdhSimDebugRegister want = { 0 };
      KdhSimDebugRegister *dr = &c->dr[i];

      want.enabled = ((dr7 >> (2 * i)) & 3) != 0;
      want.type = (guint) (dr7 >> (16 + 4 * i)) & 3;
      want.length = want.type == 0 ? 1 : lengths[(dr7 >> (18 + 4 * i)) & 3];
      want.address = _kdh_sim_get (c->special, 0x20 + 8 * i, 8) & ~(want.length - 1);
      if (want.type == 2)
        want.enabled = FALSE;                 /* I/O breakpoints: not on this machine */
      any |= want.enabled;
      if (want.enabled == dr->enabled && want.type == dr->type && want.length == dr->length
          && want.address == dr->address)
        continue;
      if (dr->hook != 0)
        uc->hook_del (c->uc, dr->hook);
      want.hook = 0;
      if (want.enabled && want.type != 0)
        {
          uc_hook hook = 0;
          int types = want.type == 1 ? UC_HOOK_MEM_WRITE : UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE;

          /* An access that starts up to 7 bytes before still overlaps. */
          if (uc->hook_add (c->uc, &hook, types, hook_data_breakpoint, c,
                            want.address - 7, want.address + want.length - 1) == UC_ERR_OK)
            want.hook = hook;
        }
      *dr = want;
    }
  return any;
}

/* The debug registers as Windows reports them with a stop: the kernel's
 * DR0-DR3, DR6 and DR7 in the CONTEXT too. */
static void
publish_debug_registers (KdhSimCpu *c,
                         guint64    dr6_bits)
{
  guint8 *ctx = CPU_CTX (c);
  guint64 dr6 = DR6_IDLE | dr6_bits;

  _kdh_sim_set (c->special, KSR_KDR6, 8, dr6);
  for (guint i = 0; i < 4; i++)
    _kdh_sim_set (ctx, CTX_DR0 + 8 * i, 8, _kdh_sim_get (c->special, 0x20 + 8 * i, 8));
  _kdh_sim_set (ctx, CTX_DR6, 8, dr6);
  _kdh_sim_set (ctx, CTX_DR7, 8, _kdh_sim_get (c->special, KSR_KDR7, 8));
}

/* ---- Running ------------------------------------------------------------- */

static void
error_to_event (KdhSimCpu *c,
                uc_err     err)
{
  guint64 rip = read_reg (c, UC_X86_REG_RIP);

  switch (err)
    {
    case UC_ERR_INSN_INVALID:
      set_exception (c, STATUS_ILLEGAL_INSTRUCTION, rip);
      break;
    default:
      set_exception (c, STATUS_ACCESS_VIOLATION, rip);
      break;
    }
}

static gboolean
halted (KdhSimKernel *k,
        KdhSimCpu    *c)
{
  guint8 idle = 0, before = 0;
  guint64 rip = _kdh_sim_get (CPU_CTX (c), CTX_RIP, 8);

  /* The kernel marks its halts in KPRCB.IdleHalt; the instruction just
   * executed was the hlt. */
  _kdh_sim_raw_read (k, c->kprcb + KPRCB_IDLE_HALT, &idle, 1);
  _kdh_sim_raw_read (k, rip - 1, &before, 1);
  return idle != 0 && before == 0xF4;
}

/* One instruction at a time, checking the debug registers. */
static uc_err
run_watched (KdhSimKernel *k,
             KdhSimCpu    *c,
             guint64       count)
{
  for (guint64 n = 0; n < count; n++)
    {
      guint64 rip = read_reg (c, UC_X86_REG_RIP);
      uc_err err;

      if (!c->resume_flag)
        for (guint i = 0; i < 4; i++)
          if (c->dr[i].enabled && c->dr[i].type == 0 && c->dr[i].address == rip)
            {
              set_exception (c, STATUS_SINGLE_STEP, rip);
              publish_debug_registers (c, G_GUINT64_CONSTANT (1) << i);
              return UC_ERR_OK;
            }
      c->resume_flag = FALSE;
      c->dr_hits = 0;
      err = uc->emu_start (c->uc, rip, 0, 0, 1);
      if (err != UC_ERR_OK || c->event->kind != KDH_SIM_EVENT_NONE)
        return err;
      if (c->dr_hits != 0)
        {
          rip = read_reg (c, UC_X86_REG_RIP);
          set_exception (c, STATUS_SINGLE_STEP, rip);
          publish_debug_registers (c, c->dr_hits);
          return UC_ERR_OK;
        }
      save_context (c);
      if (halted (k, c))
        return UC_ERR_OK;
    }
  return UC_ERR_OK;
}

gboolean
_kdh_sim_cpu_run (KdhSimKernel *k,
                  KdhSimCpu    *c,
                  guint64       count,
                  KdhSimEvent  *ev)
{
  gboolean watched = arm_debug_registers (c);
  uc_err err;

  memset (ev, 0, sizeof *ev);
  c->event = ev;
  c->rip_after = 0;
  c->clear_rax = FALSE;
  c->halted = FALSE;
  load_context (c);
  if (watched)
    err = run_watched (k, c, count);
  else
    {
      c->resume_flag = FALSE;
      err = uc->emu_start (c->uc, _kdh_sim_get (CPU_CTX (c), CTX_RIP, 8), 0, 0, count);
    }
  save_context (c);
  if (err != UC_ERR_OK && ev->kind == KDH_SIM_EVENT_NONE)
    error_to_event (c, err);
  if (c->rip_after != 0)
    _kdh_sim_set (CPU_CTX (c), CTX_RIP, 8, c->rip_after);
  if (c->clear_rax)
    _kdh_sim_set (CPU_CTX (c), CTX_RAX, 8, 0);
  c->event = NULL;

  if (ev->kind == KDH_SIM_EVENT_EXCEPTION)
    {
      c->stopped_on_fault = ev->code != STATUS_BREAKPOINT && ev->code != STATUS_SINGLE_STEP;
      c->fault_code = ev->code;
      c->fault_address = ev->address;
      if (ev->code != STATUS_SINGLE_STEP)
        publish_debug_registers (c, 0);
      return TRUE;
    }
  if (ev->kind != KDH_SIM_EVENT_NONE)
    return TRUE;
  c->halted = halted (k, c);
  return FALSE;
}

/* ---- Engines ------------------------------------------------------------- */

static void
map_region (KdhSimKernel       *k,
            KdhSimCpu          *c,
            const KdhSimRegion *r)
{
  uc_err err = uc->mem_map_ptr (c->uc, r->va, r->size, UC_PROT_ALL, k->phys + r->pa);

  if (err != UC_ERR_OK)
    g_error ("kdhost-sim: processor %u cannot map %" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER
             "x: %s", c->index, r->va, r->size, uc->strerror (err));
}

void
_kdh_sim_cpus_map (KdhSimKernel       *k,
                   const KdhSimRegion *r)
{
  for (guint i = 0; k->cpus != NULL && i < k->n_cpus; i++)
    if (k->cpus[i].uc != NULL)
      map_region (k, &k->cpus[i], r);
}

void
_kdh_sim_cpus_invalidate (KdhSimKernel *k,
                          guint64       va,
                          gsize         len)
{
  for (guint i = 0; k->cpus != NULL && i < k->n_cpus; i++)
    if (k->cpus[i].uc != NULL)
      uc->ctl (k->cpus[i].uc, UC_CTL_WRITE (UC_CTL_TB_REMOVE_CACHE, 2), va, va + len);
}

static void
write_msr (KdhSimCpu *c,
           guint32    msr,
           guint64    value)
{
  uc_x86_msr m = { msr, value };

  uc->reg_write (c->uc, UC_X86_REG_MSR, &m);
}

guint64
_kdh_sim_cpu_read_msr (KdhSimCpu *c,
                       guint32    msr)
{
  uc_x86_msr m = { msr, 0 };

  if (c->uc != NULL)
    uc->reg_read (c->uc, UC_X86_REG_MSR, &m);
  return m.value;
}

gboolean
_kdh_sim_cpus_start (KdhSimKernel  *k,
                     GError       **error)
{
  uc = kdh_unicorn_get (error);
  if (uc == NULL)
    return FALSE;
  for (guint i = 0; i < k->n_cpus; i++)
    {
      KdhSimCpu *c = &k->cpus[i];
      uc_engine *engine = NULL;
      uc_hook hook;
      uc_err err = uc->open (UC_ARCH_X86, UC_MODE_64, &engine);

      if (err != UC_ERR_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the CPU emulator cannot start processor %u: %s", i, uc->strerror (err));
          return FALSE;
        }
      c->uc = engine;
      c->kernel = k;
      c->index = i;
      memset (c->dr, 0, sizeof c->dr);
      for (guint r = 0; r < k->regions->len; r++)
        map_region (k, c, &g_array_index (k->regions, KdhSimRegion, r));
      uc->hook_add (engine, &hook, UC_HOOK_INTR, hook_interrupt, c, 1, 0);
      c->hooks[0] = hook;
      uc->hook_add (engine, &hook, UC_HOOK_INSN, hook_in, c, 1, 0, UC_X86_INS_IN);
      c->hooks[1] = hook;
      write_msr (c, 0xC0000101, _kdh_sim_get (c->special, KSR_GS_BASE, 8));
      write_msr (c, 0xC0000102, _kdh_sim_get (c->special, KSR_GS_SWAP, 8));
    }
  return TRUE;
}

void
_kdh_sim_cpus_stop (KdhSimKernel *k)
{
  for (guint i = 0; k->cpus != NULL && i < k->n_cpus; i++)
    if (k->cpus[i].uc != NULL)
      {
        uc->close (k->cpus[i].uc);
        k->cpus[i].uc = NULL;
      }
}
