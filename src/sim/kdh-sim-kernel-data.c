/* kdh-sim-kernel-data.c: what the boot loader prepares for the simulated kernel
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As winload does for Windows: the KLDR_DATA_TABLE_ENTRY records of
 * PsLoadedModuleList, a few EPROCESS records on PsActiveProcessHead, per
 * processor a KPCR/KPRCB, an idle KTHREAD, a kernel stack, a GDT and TSS,
 * KSPECIAL_REGISTERS and a CONTEXT at nt's entry point, KUSER_SHARED_DATA
 * and the loader block. The kernel's own variables (KdDebuggerDataBlock
 * among them) are the image's. Offsets of the fields a host relies on come
 * from docs/protocol.md (§3.4, §3.7a, §4.2, §4.4, §4.5); EPROCESS, KTHREAD and
 * KUSER_SHARED_DATA use Windows 10 2004 offsets.
 */

#include <string.h>

#include <glib.h>

#include "kdh-sim-kernel-private.h"

/* KLDR_DATA_TABLE_ENTRY (x64) */
#define LDR_SIZE            0xA0
#define LDR_DLL_BASE        0x30
#define LDR_ENTRY_POINT     0x38
#define LDR_SIZE_OF_IMAGE   0x40
#define LDR_FULL_DLL_NAME   0x48
#define LDR_BASE_DLL_NAME   0x58
#define LDR_FLAGS           0x68
#define LDR_LOAD_COUNT      0x6C
#define LDR_CHECKSUM        0x78
#define LDR_TIMESTAMP       0x9C

/* EPROCESS / KTHREAD, Windows 10 2004 */
#define EPROCESS_SIZE       0xA40
#define EPROCESS_DTB        0x028
#define EPROCESS_PID        0x440
#define EPROCESS_LINKS      0x448
#define EPROCESS_IMAGE_NAME 0x5A8
#define ETHREAD_SIZE        0x898
#define KTHREAD_INITIAL_STACK 0x028
#define KTHREAD_STACK_LIMIT 0x030
#define KTHREAD_STACK_BASE  0x038
#define KTHREAD_KERNEL_STACK 0x058
#define KTHREAD_APC_PROCESS 0x0B8
#define KTHREAD_STATE       0x184
#define KTHREAD_PROCESS     0x220

/* KPCR / KPRCB (docs/protocol.md §4.5 for Prcb and CurrentThread) */
#define KPCR_GDT_BASE       0x000
#define KPCR_TSS_BASE       0x008
#define KPCR_USER_RSP       0x010
#define KPCR_SELF           0x018
#define KPCR_CURRENT_PRCB   0x020
#define KPCR_IDT_BASE       0x038
#define KPCR_IRQL           0x050
#define KPCR_MAJOR_VERSION  0x060
#define KPCR_MINOR_VERSION  0x062
#define KPCR_PRCB           0x180
#define KPRCB_MXCSR         0x000
#define KPRCB_LEGACY_NUMBER 0x004
#define KPRCB_CURRENT_THREAD 0x008
#define KPRCB_IDLE_THREAD   0x018
#define KPRCB_NUMBER        0x024
#define KPRCB_RSP_BASE      0x028

/* Inside each processor's slot at KDH_SIM_PCR_BASE + n * stride. */
#define SLOT_GDT            0xA000
#define SLOT_TSS            0xB000
#define SLOT_IDT            0xC000
#define SLOT_CONTEXT        0xD000   /* the frozen processor's CONTEXT */
#define KPRCB_CONTEXT       0x70     /* KPRCB.Context (guest/kdh-guest.h) */
#define GDT_LIMIT           0x57
#define IDT_LIMIT           0xFFF


typedef struct {
  const gchar *name;
  guint32 pid;
} ProcessSpec;

static const ProcessSpec processes[] = {
  { "System", 4 }, { "Registry", 104 }, { "smss.exe", 344 }, { "csrss.exe", 468 },
  { "wininit.exe", 548 }, { "services.exe", 636 }, { "lsass.exe", 656 },
  { "svchost.exe", 792 }, { "explorer.exe", 5032 },
};

static void
link_list (KdhSimKernel  *k,
           guint64        head,
           const guint64 *links,
           guint          n)
{
  for (guint i = 0; i < n; i++)
    {
      _kdh_sim_poke_u64 (k, links[i], i + 1 < n ? links[i + 1] : head);
      _kdh_sim_poke_u64 (k, links[i] + 8, i > 0 ? links[i - 1] : head);
    }
  _kdh_sim_poke_u64 (k, head, n > 0 ? links[0] : head);
  _kdh_sim_poke_u64 (k, head + 8, n > 0 ? links[n - 1] : head);
}

static void
poke_unicode_string (KdhSimKernel *k,
                     guint64       at,
                     const gchar  *s,
                     const gchar  *tag)
{
  gsize chars = g_utf8_strlen (s, -1);
  guint64 buffer = _kdh_sim_pool_alloc (k, 2 * chars + 2, tag);
  gsize len = _kdh_sim_poke_utf16 (k, buffer, s);

  _kdh_sim_poke_u16 (k, at, (guint16) len);
  _kdh_sim_poke_u16 (k, at + 2, (guint16) (len + 2));
  _kdh_sim_poke_u64 (k, at + 8, buffer);
}

guint64
_kdh_sim_new_ldr_entry (KdhSimKernel      *k,
                        const KdhSimImage *image)
{
  const KdhSimModule *m = &image->m;
  guint64 e = _kdh_sim_pool_alloc (k, LDR_SIZE, "MmLd");

  _kdh_sim_poke_u64 (k, e + LDR_DLL_BASE, m->base);
  _kdh_sim_poke_u64 (k, e + LDR_ENTRY_POINT, image->entry_point);
  _kdh_sim_poke_u32 (k, e + LDR_SIZE_OF_IMAGE, m->size_of_image);
  poke_unicode_string (k, e + LDR_FULL_DLL_NAME, m->full_path, "MmLn");
  poke_unicode_string (k, e + LDR_BASE_DLL_NAME, m->file_name, "MmLn");
  _kdh_sim_poke_u32 (k, e + LDR_FLAGS, 0x49104000);
  _kdh_sim_poke_u16 (k, e + LDR_LOAD_COUNT, 1);
  _kdh_sim_poke_u32 (k, e + LDR_CHECKSUM, m->checksum);
  _kdh_sim_poke_u32 (k, e + LDR_TIMESTAMP, m->timestamp);
  return e;
}

static void
build_module_list (KdhSimKernel *k)
{
  guint n = k->images->len;
  g_autofree guint64 *links = g_new (guint64, n);

  for (guint i = 0; i < n; i++)
    {
      KdhSimImage *image = k->images->pdata[i];

      links[i] = image->ldr_entry = _kdh_sim_new_ldr_entry (k, image);
    }
  link_list (k, k->sym.ps_loaded_module_list, links, n);
}

static guint64
new_process (KdhSimKernel *k,
             const gchar  *name,
             guint32       pid,
             guint64       dtb)
{
  guint64 p = _kdh_sim_pool_alloc (k, EPROCESS_SIZE, "Proc");

  _kdh_sim_poke_u8 (k, p, 3);                  /* ProcessObject */
  _kdh_sim_poke_u64 (k, p + EPROCESS_DTB, dtb);
  _kdh_sim_poke_u64 (k, p + EPROCESS_PID, pid);
  _kdh_sim_poke (k, p + EPROCESS_IMAGE_NAME, name, MIN (strlen (name), 14));
  return p;
}

/* Returns the Idle process, which is on no list. */
static guint64
build_processes (KdhSimKernel *k)
{
  guint64 links[G_N_ELEMENTS (processes)];
  guint64 idle = new_process (k, "Idle", 0, k->pml4);

  for (guint i = 0; i < G_N_ELEMENTS (processes); i++)
    {
      guint64 dtb = i == 0 ? k->pml4 : G_GUINT64_CONSTANT (0x2A00000) + 0x13000 * i;
      guint64 p = new_process (k, processes[i].name, processes[i].pid, dtb);

      links[i] = p + EPROCESS_LINKS;
      if (i == 0)
        _kdh_sim_poke_u64 (k, k->sym.ps_initial_system_process, p);
    }
  link_list (k, k->sym.ps_active_process_head, links, G_N_ELEMENTS (links));
  return idle;
}

static guint64
noise (KdhSimKernel *k)
{
  return (guint64) g_rand_int (k->rand) << 32 | g_rand_int (k->rand);
}

/* A user-mode address, page aligned, such as a TEB. */
static guint64
user_page (KdhSimKernel *k)
{
  return ((guint64) g_rand_int_range (k->rand, 0x10, 0x7F00) << 32)
         | (g_rand_int (k->rand) & 0xFFFFF000u);
}

static void
build_gdt (KdhSimKernel *k,
           KdhSimCpu    *c)
{
  guint64 tss = c->tss;
  guint64 tss_low = 0x67                           /* limit */
                    | (tss & 0xFFFFFF) << 16
                    | G_GUINT64_CONSTANT (0x8B) << 40   /* present, busy 64-bit TSS */
                    | (tss >> 24 & 0xFF) << 56;

  _kdh_sim_poke_u64 (k, c->gdt + 0x10, G_GUINT64_CONSTANT (0x00209B0000000000)); /* R0 code */
  _kdh_sim_poke_u64 (k, c->gdt + 0x18, G_GUINT64_CONSTANT (0x00CF93000000FFFF)); /* R0 data */
  _kdh_sim_poke_u64 (k, c->gdt + 0x20, G_GUINT64_CONSTANT (0x00CFFB000000FFFF)); /* R3 code32 */
  _kdh_sim_poke_u64 (k, c->gdt + 0x28, G_GUINT64_CONSTANT (0x00CFF3000000FFFF)); /* R3 data */
  _kdh_sim_poke_u64 (k, c->gdt + 0x30, G_GUINT64_CONSTANT (0x0020FB0000000000)); /* R3 code */
  _kdh_sim_poke_u64 (k, c->gdt + 0x40, tss_low);
  _kdh_sim_poke_u64 (k, c->gdt + 0x48, tss >> 32);
  _kdh_sim_poke_u64 (k, c->gdt + 0x50, G_GUINT64_CONSTANT (0x0040F30000003C00)); /* R3 TEB */
  _kdh_sim_poke_u64 (k, tss + 4, c->stack_base);                                  /* Rsp0 */
}

static void
build_special_registers (KdhSimKernel *k,
                         KdhSimCpu    *c)
{
  guint8 *s = c->special;

  _kdh_sim_set (s, KSR_CR0, 8, 0x80050033);
  _kdh_sim_set (s, KSR_CR2, 8, user_page (k) + (g_rand_int (k->rand) & 0xFF8));
  _kdh_sim_set (s, KSR_CR3, 8, k->pml4);
  _kdh_sim_set (s, KSR_CR4, 8, 0x350EF8);
  _kdh_sim_set (s, KSR_KDR6, 8, 0xFFFF0FF0);
  _kdh_sim_set (s, KSR_KDR7, 8, 0x400);
  _kdh_sim_set (s, KSR_GDTR_LIMIT, 2, GDT_LIMIT);
  _kdh_sim_set (s, KSR_GDTR_BASE, 8, c->gdt);
  _kdh_sim_set (s, KSR_IDTR_LIMIT, 2, IDT_LIMIT);
  _kdh_sim_set (s, KSR_IDTR_BASE, 8, c->idt);
  _kdh_sim_set (s, KSR_TR, 2, 0x40);
  _kdh_sim_set (s, KSR_LDTR, 2, 0);
  _kdh_sim_set (s, KSR_MXCSR, 4, 0x1F80);
  _kdh_sim_set (s, KSR_CR8, 8, 0);
  _kdh_sim_set (s, KSR_GS_BASE, 8, c->kpcr);
  _kdh_sim_set (s, KSR_GS_SWAP, 8, c->user_gs_base);
  /* STAR, LSTAR, CSTAR and SFMASK are what the kernel writes at boot
   * (kdh-sim-cpu.c reads them back). */
  _kdh_sim_set (s, KSR_XCR0, 8, 0x7);          /* x87 SSE AVX */
  _kdh_sim_set (s, KSR_FS_BASE, 8, 0);
}

/* A processor about to enter nt's entry point on its own stack (at a
 * call's alignment), with the loader block in rcx when it is known. */
static void
build_context (KdhSimKernel *k,
               KdhSimCpu    *c)
{
  guint8 *ctx = CPU_CTX (c);

  memset (ctx, 0, KDH_CONTEXT_AMD64_SIZE);
  _kdh_sim_set (ctx, CTX_FLAGS, 4, KDH_CONTEXT_AMD64_ALL);
  _kdh_sim_set (ctx, CTX_MXCSR, 4, 0x1F80);
  _kdh_sim_set (ctx, CTX_SEG_CS, 2, 0x10);
  _kdh_sim_set (ctx, CTX_SEG_DS, 2, 0x2B);
  _kdh_sim_set (ctx, CTX_SEG_ES, 2, 0x2B);
  _kdh_sim_set (ctx, CTX_SEG_FS, 2, 0x53);
  _kdh_sim_set (ctx, CTX_SEG_GS, 2, 0x2B);
  _kdh_sim_set (ctx, CTX_SEG_SS, 2, 0x18);
  _kdh_sim_set (ctx, CTX_EFLAGS, 4, 0x246);   /* IF ZF PF */
  _kdh_sim_set (ctx, CTX_DR6, 8, 0xFFFF0FF0);
  _kdh_sim_set (ctx, CTX_DR7, 8, 0x400);
  _kdh_sim_set (ctx, CTX_RAX, 8, noise (k) & 0xFFFFFFFF);
  _kdh_sim_set (ctx, CTX_RCX, 8, 0);
  _kdh_sim_set (ctx, CTX_RDX, 8, noise (k) & 0xFFFF);
  _kdh_sim_set (ctx, CTX_RBX, 8, c->kprcb);
  _kdh_sim_set (ctx, CTX_RSP, 8, c->stack_base - 0x28);
  _kdh_sim_set (ctx, CTX_RBP, 8, 0);
  _kdh_sim_set (ctx, CTX_RSI, 8, 0);
  _kdh_sim_set (ctx, CTX_RDI, 8, c->kthread);
  _kdh_sim_set (ctx, CTX_R8, 8, noise (k) & 0xFFFFFFFF);
  _kdh_sim_set (ctx, CTX_R9, 8, 0);
  _kdh_sim_set (ctx, CTX_R10, 8, noise (k) & 0x0000FFFFFFFFFFFF);
  _kdh_sim_set (ctx, CTX_R11, 8, c->stack_base - 0x1E0);
  _kdh_sim_set (ctx, CTX_R12, 8, 0);
  _kdh_sim_set (ctx, CTX_R13, 8, 0);
  _kdh_sim_set (ctx, CTX_R14, 8, 0);
  _kdh_sim_set (ctx, CTX_R15, 8, c->kpcr);
  _kdh_sim_set (ctx, CTX_RIP, 8, k->sym.system_startup);
  /* FXSAVE area: FPU control word and MXCSR at their reset values */
  _kdh_sim_set (ctx, CTX_FLTSAVE + 0x00, 2, 0x027F);
  _kdh_sim_set (ctx, CTX_FLTSAVE + 0x18, 4, 0x1F80);
  _kdh_sim_set (ctx, CTX_FLTSAVE + 0x1C, 4, 0xFFFF);
}

static void
build_processors (KdhSimKernel *k,
                  guint64       idle_process)
{
  for (guint i = 0; i < k->n_cpus; i++)
    {
      KdhSimCpu *c = &k->cpus[i];
      guint64 slot = KDH_SIM_PCR_BASE + i * KDH_SIM_CPU_STRIDE;
      guint64 stack_slot = KDH_SIM_STACK_AREA + i * KDH_SIM_CPU_STRIDE;
      guint64 t;

      /* One page above and below each stack stays unmapped, as guard pages. */
      c->stack_base = stack_slot + 0xA000;
      _kdh_sim_map (k, c->stack_base - KDH_SIM_STACK_SIZE, KDH_SIM_STACK_SIZE, FALSE);
      _kdh_sim_map (k, slot, KDH_SIM_CPU_STRIDE, FALSE);
      c->kpcr = slot;
      c->kprcb = slot + KPCR_PRCB;
      c->gdt = slot + SLOT_GDT;
      c->tss = slot + SLOT_TSS;
      c->idt = slot + SLOT_IDT;
      c->user_gs_base = user_page (k);

      t = c->kthread = _kdh_sim_pool_alloc (k, ETHREAD_SIZE, "Thre");
      _kdh_sim_poke_u8 (k, t, 6);                /* ThreadObject */
      _kdh_sim_poke_u64 (k, t + KTHREAD_INITIAL_STACK, c->stack_base);
      _kdh_sim_poke_u64 (k, t + KTHREAD_STACK_LIMIT, c->stack_base - KDH_SIM_STACK_SIZE);
      _kdh_sim_poke_u64 (k, t + KTHREAD_STACK_BASE, c->stack_base);
      _kdh_sim_poke_u64 (k, t + KTHREAD_KERNEL_STACK, c->stack_base - 0x200);
      _kdh_sim_poke_u64 (k, t + KTHREAD_APC_PROCESS, idle_process);
      _kdh_sim_poke_u8 (k, t + KTHREAD_STATE, 2);  /* Running */
      _kdh_sim_poke_u64 (k, t + KTHREAD_PROCESS, idle_process);

      _kdh_sim_poke_u64 (k, c->kpcr + KPCR_GDT_BASE, c->gdt);
      _kdh_sim_poke_u64 (k, c->kpcr + KPCR_TSS_BASE, c->tss);
      _kdh_sim_poke_u64 (k, c->kpcr + KPCR_USER_RSP, user_page (k) + 0xE38);
      _kdh_sim_poke_u64 (k, c->kpcr + KPCR_SELF, c->kpcr);
      _kdh_sim_poke_u64 (k, c->kpcr + KPCR_CURRENT_PRCB, c->kprcb);
      _kdh_sim_poke_u64 (k, c->kpcr + KPCR_IDT_BASE, c->idt);
      _kdh_sim_poke_u8 (k, c->kpcr + KPCR_IRQL, 0);
      /* The KPCR's own version, 1.1 on every x64 Windows. */
      _kdh_sim_poke_u16 (k, c->kpcr + KPCR_MAJOR_VERSION, 1);
      _kdh_sim_poke_u16 (k, c->kpcr + KPCR_MINOR_VERSION, 1);
      _kdh_sim_poke_u32 (k, c->kprcb + KPRCB_MXCSR, 0x1F80);
      _kdh_sim_poke_u8 (k, c->kprcb + KPRCB_LEGACY_NUMBER, (guint8) i);
      _kdh_sim_poke_u64 (k, c->kprcb + KPRCB_CURRENT_THREAD, t);
      _kdh_sim_poke_u64 (k, c->kprcb + KPRCB_IDLE_THREAD, t);
      _kdh_sim_poke_u32 (k, c->kprcb + KPRCB_NUMBER, i);
      _kdh_sim_poke_u64 (k, c->kprcb + KPRCB_RSP_BASE, c->stack_base);
      _kdh_sim_poke_u64 (k, c->kprcb + KPRCB_CONTEXT, slot + SLOT_CONTEXT);

      build_gdt (k, c);
      build_special_registers (k, c);
      build_context (k, c);
    }
}

static void
poke_system_time (KdhSimKernel *k,
                  guint64       at,
                  guint64       value)
{
  guint8 b[12];

  /* KSYSTEM_TIME: LowPart, High1Time, High2Time (== High1Time) */
  _kdh_sim_set (b, 0, 4, value);
  _kdh_sim_set (b, 4, 4, value >> 32);
  _kdh_sim_set (b, 8, 4, value >> 32);
  _kdh_sim_poke (k, at, b, sizeof b);
}

static void
build_kuser_shared_data (KdhSimKernel *k)
{
  guint64 u = KDH_SIM_KUSER_BASE;
  guint64 uptime;

  _kdh_sim_map (k, u, KDH_SIM_PAGE_SIZE, FALSE);
  _kdh_sim_poke_u32 (k, u + 0x004, 0x0FA00000);   /* TickCountMultiplier */
  _kdh_sim_poke_u16 (k, u + 0x02C, 0x8664);       /* ImageNumberLow */
  _kdh_sim_poke_u16 (k, u + 0x02E, 0x8664);       /* ImageNumberHigh */
  _kdh_sim_poke_utf16 (k, u + 0x030, "C:\\Windows");
  _kdh_sim_poke_u32 (k, u + 0x260, KDH_SIM_BUILD);
  _kdh_sim_poke_u32 (k, u + 0x264, 1);            /* NtProductWinNt */
  _kdh_sim_poke_u8 (k, u + 0x268, 1);             /* ProductTypeIsValid */
  _kdh_sim_poke_u16 (k, u + 0x26A, 9);            /* PROCESSOR_ARCHITECTURE_AMD64 */
  _kdh_sim_poke_u32 (k, u + 0x26C, 10);
  _kdh_sim_poke_u32 (k, u + 0x270, 0);
  _kdh_sim_poke_u8 (k, u + 0x2D4, 3);             /* KdDebuggerEnabled */
  _kdh_sim_poke_u32 (k, u + 0x2E8, (guint32) (KDH_SIM_PHYS_SIZE / KDH_SIM_PAGE_SIZE));
  _kdh_sim_poke_u32 (k, u + 0x3C0, k->n_cpus);    /* ActiveProcessorCount */

  /* Booted a few minutes ago on 2026-01-15; the exact moment is "live".
   * From here on the kernel keeps these clocks itself. */
  uptime = (guint64) g_rand_int_range (k->rand, 60, 900) * 10000000;
  k->boot_system_time = (G_GUINT64_CONSTANT (11644473600) + 1768467600
                         + g_rand_int_range (k->rand, 0, 86400)) * 10000000;
  poke_system_time (k, u + 0x008, uptime);                          /* InterruptTime */
  poke_system_time (k, u + 0x014, k->boot_system_time + uptime);    /* SystemTime */
  poke_system_time (k, u + 0x320, uptime / 156250);                 /* TickCount */
}

/* KDH_LOADER_BLOCK (guest/nt.h): processors, pool, boot drivers. */
guint64
_kdh_sim_build_loader_block (KdhSimKernel *k)
{
  static const gchar *const boot_drivers[] = { "kdhtest", "ACPI", "Ntfs" };
  guint64 block = _kdh_sim_pool_alloc (k, 0x60, "Ldr ");
  guint n = 0;

  _kdh_sim_poke_u32 (k, block + 0x00, k->n_cpus);
  for (guint i = 0; i < G_N_ELEMENTS (boot_drivers); i++)
    for (guint j = 0; j < k->images->len; j++)
      {
        const KdhSimImage *image = k->images->pdata[j];

        if (g_str_equal (image->base_name, boot_drivers[i]))
          _kdh_sim_poke_u64 (k, block + 0x18 + 8 * n++, image->ldr_entry);
      }
  _kdh_sim_poke_u32 (k, block + 0x04, n);
  /* The rest of the pool is the kernel's, but for the top, which the
   * loader keeps for what it loads later. */
  _kdh_sim_poke_u64 (k, block + 0x08, k->pool_next);
  _kdh_sim_poke_u64 (k, block + 0x10, KDH_SIM_LOADER_POOL);
  k->pool_next = KDH_SIM_LOADER_POOL;
  return block;
}

void
_kdh_sim_build_data (KdhSimKernel *k)
{
  guint64 idle;

  _kdh_sim_map (k, KDH_SIM_POOL_BASE, KDH_SIM_POOL_SIZE, FALSE);
  build_module_list (k);
  idle = build_processes (k);
  build_processors (k, idle);
  build_kuser_shared_data (k);
  _kdh_sim_build_memory_block (k);
}

/* Each processor's registers into its KPRCB's context area, as Windows
 * saves a frozen processor's state: a dump written at this stop then
 * holds every processor's registers, not only the current one's. */
void
kdh_sim_kernel_save_contexts (KdhSimKernel *k)
{
  for (guint i = 0; i < k->n_cpus; i++)
    {
      KdhSimCpu *c = &k->cpus[i];

      _kdh_sim_raw_write (k, c->kpcr + SLOT_CONTEXT, CPU_CTX (c), KDH_CONTEXT_AMD64_SIZE);
    }
}
