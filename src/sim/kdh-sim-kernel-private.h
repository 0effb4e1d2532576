/* kdh-sim-kernel-private.h: internals shared by the simulated kernel's files
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-sim-kernel.c owns the public API, processors and breakpoints;
 * kdh-sim-kernel-memory.c the sparse memory;
 * kdh-sim-pe.c builds the module images (PE headers, code, export tables);
 * kdh-sim-kernel-data.c builds the kernel's data structures (module list,
 * debugger data block, processes, per-processor state).
 */
#pragma once

#include <glib.h>

#include "kd/kdh-context.h"
#include "kdh-sim-kernel.h"

G_BEGIN_DECLS

#define KDH_SIM_PAGE_SIZE   0x1000u

/* Physical P is virtual KDH_SIM_PHYS_BASE + P for P below KDH_SIM_PHYS_SIZE. */
#define KDH_SIM_PHYS_BASE   (KDH_SIM_NT_BASE - G_GUINT64_CONSTANT (0x2000000))
#define KDH_SIM_PHYS_SIZE   G_GUINT64_CONSTANT (0x10000000)

/* The rest of the address map (kdh-sim-pe.c places the images). */
#define KDH_SIM_KUSER_BASE  G_GUINT64_CONSTANT (0xFFFFF78000000000)
#define KDH_SIM_POOL_BASE   G_GUINT64_CONSTANT (0xFFFFF80004000000)
#define KDH_SIM_POOL_SIZE   G_GUINT64_CONSTANT (0x400000)
#define KDH_SIM_PCR_BASE    G_GUINT64_CONSTANT (0xFFFFF80005000000)
#define KDH_SIM_STACK_AREA  G_GUINT64_CONSTANT (0xFFFFF80006000000)
#define KDH_SIM_CPU_STRIDE  G_GUINT64_CONSTANT (0x10000)
#define KDH_SIM_STACK_SIZE  0x6000u   /* KERNEL_STACK_SIZE on x64 */

/* Layout of kdhtest!KdhTestTimerRoutine's code (kdh-sim-pe.c), so that a
 * breakpoint inside it stops with the right stack and call count. */
#define KDH_SIM_TIMER_SIZE        17u  /* sub rsp,28h; lock inc [count]; add rsp,28h; ret */
#define KDH_SIM_TIMER_FRAME_START 4u   /* after the sub */
#define KDH_SIM_TIMER_COUNTED     12u  /* after the lock inc */
#define KDH_SIM_TIMER_FRAME_END   16u  /* after the add */
#define KDH_SIM_TIMER_FRAME       0x28u

#define KDH_SIM_MAX_CPUS    64u
#define KDH_SIM_N_MODULES   7u

/* AMD64 CONTEXT offsets (docs/protocol.md §4.2). */
#define CTX_P1HOME     0x000
#define CTX_FLAGS      0x030
#define CTX_MXCSR      0x034
#define CTX_SEG_CS     0x038
#define CTX_SEG_DS     0x03A
#define CTX_SEG_ES     0x03C
#define CTX_SEG_FS     0x03E
#define CTX_SEG_GS     0x040
#define CTX_SEG_SS     0x042
#define CTX_EFLAGS     0x044
#define CTX_DR0        0x048
#define CTX_DR6        0x068
#define CTX_DR7        0x070
#define CTX_RAX        0x078
#define CTX_RCX        0x080
#define CTX_RDX        0x088
#define CTX_RBX        0x090
#define CTX_RSP        0x098
#define CTX_RBP        0x0A0
#define CTX_RSI        0x0A8
#define CTX_RDI        0x0B0
#define CTX_R8         0x0B8
#define CTX_R9         0x0C0
#define CTX_R10        0x0C8
#define CTX_R11        0x0D0
#define CTX_R12        0x0D8
#define CTX_R13        0x0E0
#define CTX_R14        0x0E8
#define CTX_R15        0x0F0
#define CTX_RIP        0x0F8
#define CTX_FLTSAVE    0x100

/* AMD64 KSPECIAL_REGISTERS offsets (docs/protocol.md §4.4). */
#define KSR_CR0        0x00
#define KSR_CR2        0x08
#define KSR_CR3        0x10
#define KSR_CR4        0x18
#define KSR_KDR6       0x40
#define KSR_KDR7       0x48
#define KSR_GDTR_LIMIT 0x56
#define KSR_GDTR_BASE  0x58
#define KSR_IDTR_LIMIT 0x66
#define KSR_IDTR_BASE  0x68
#define KSR_TR         0x70
#define KSR_LDTR       0x72
#define KSR_MXCSR      0x74
#define KSR_CR8        0xA0
#define KSR_GS_BASE    0xA8
#define KSR_GS_SWAP    0xB0
#define KSR_STAR       0xB8
#define KSR_LSTAR      0xC0
#define KSR_CSTAR      0xC8
#define KSR_SFMASK     0xD0
#define KSR_XCR0       0xD8
#define KSR_FS_BASE    0xE0

/* Where things are, learnt while the images are built. */
typedef struct {
  /* nt data */
  guint64 ps_loaded_module_list;
  guint64 ps_active_process_head;
  guint64 debugger_data_list;        /* KdpDebuggerDataListHead */
  guint64 kd_debugger_data_block;
  guint64 ke_number_processors;
  guint64 nt_build_number;
  guint64 ki_processor_block;        /* KDH_SIM_MAX_CPUS pointers */
  guint64 kd_debugger_enabled;
  guint64 kd_debugger_not_present;
  guint64 ps_initial_system_process;
  guint64 mm_highest_user_address;
  guint64 mm_system_range_start;
  guint64 mm_user_probe_address;
  guint64 mm_pfn_database;
  guint64 nt_build_lab;
  guint64 cm_nt_csd_version;
  guint64 ke_time_increment;
  /* nt code */
  guint64 dbg_break_point_with_status;
  guint64 break_in_return;           /* after the call in the break-in poll */
  guint64 dpc_return;                /* after the call in the DPC dispatcher */
  guint64 idle_rip;                  /* after the hlt in the idle loop */
  guint64 system_call64;             /* LSTAR */
  guint64 system_call32;             /* CSTAR */
  guint64 ki_call_user_mode;
  guint64 ke_user_callback_dispatcher;
  /* kdhtest */
  guint64 timer_routine;             /* KdhTestTimerRoutine */
  guint64 timer_call_count;          /* KdhTestCallCount, a u64 */
  guint64 timer_dpc;                 /* the KDPC whose routine it is */
} KdhSimSymbols;

typedef struct {
  const gchar *name;
  guint64 address;
} KdhSimExport;

typedef struct {
  guint64 context[KDH_CONTEXT_AMD64_SIZE / 8];   /* 8-byte aligned bytes */
  guint8 special[KDH_KSPECIAL_AMD64_SIZE];
  guint64 kpcr;
  guint64 kprcb;
  guint64 kthread;
  guint64 stack_base;                /* initial (highest) stack address */
  guint64 gdt;
  guint64 idt;
  guint64 tss;
  guint64 user_gs_base;              /* IA32_KERNEL_GS_BASE while in kernel */
} KdhSimCpu;

typedef struct {
  gboolean active;
  guint64 address;
  guint8 original;
} KdhSimBreakpoint;

struct _KdhSimKernel {
  guint n_cpus;
  guint64 seed;
  GRand *rand;

  GHashTable *pages;                 /* &KdhSimPage.address -> KdhSimPage */
  GArray *regions;                   /* KdhSimRegion */
  guint64 pool_next;

  GArray *exports[KDH_SIM_N_MODULES]; /* KdhSimExport per module, EAT order */
  guint64 entry_points[KDH_SIM_N_MODULES];
  KdhSimSymbols sym;
  KdhSimCpu *cpus;
  KdhSimBreakpoint breakpoints[KDH_SIM_MAX_BREAKPOINTS];

  /* Clocks. */
  guint64 uptime_100ns;              /* KUSER_SHARED_DATA.InterruptTime */
  guint64 boot_system_time;          /* FILETIME at boot */
  guint64 tsc;
  guint timer_elapsed_ms;            /* run time since the routine last ran */
  gboolean timer_pending;            /* stopped at its breakpoint, not yet run */
  guint next_cpu;
};

/* kdh-sim-kernel-memory.c. The raw accessors ignore breakpoints; the
 * _kdh_sim_poke* family is for building the machine and asserts that the
 * target is mapped. */
void    _kdh_sim_memory_init  (KdhSimKernel *k);
void    _kdh_sim_memory_reset (KdhSimKernel *k);
void    _kdh_sim_memory_clear (KdhSimKernel *k);
gsize   _kdh_sim_raw_read   (KdhSimKernel *k, guint64 address, guint8 *buf, gsize len);
gsize   _kdh_sim_raw_write  (KdhSimKernel *k, guint64 address, const guint8 *buf, gsize len);
void    _kdh_sim_map        (KdhSimKernel *k, guint64 start, guint64 size, gboolean pattern);
void    _kdh_sim_poke       (KdhSimKernel *k, guint64 address, const void *data, gsize len);
void    _kdh_sim_poke_u8    (KdhSimKernel *k, guint64 address, guint8 v);
void    _kdh_sim_poke_u16   (KdhSimKernel *k, guint64 address, guint16 v);
void    _kdh_sim_poke_u32   (KdhSimKernel *k, guint64 address, guint32 v);
void    _kdh_sim_poke_u64   (KdhSimKernel *k, guint64 address, guint64 v);
guint64 _kdh_sim_peek_u64   (KdhSimKernel *k, guint64 address);
/* Writes @s as NUL-terminated UTF-16LE; returns its length in bytes
 * without the NUL. */
gsize   _kdh_sim_poke_utf16 (KdhSimKernel *k, guint64 address, const gchar *s);
/* A nonpaged pool block with a POOL_HEADER carrying @tag ("MmLd"). */
guint64 _kdh_sim_pool_alloc (KdhSimKernel *k, gsize size, const gchar *tag);

/* kdh-sim-pe.c */
guint               _kdh_sim_n_modules (void);
const KdhSimModule *_kdh_sim_module    (guint index);
void                _kdh_sim_build_images (KdhSimKernel *k);

/* kdh-sim-kernel-data.c */
void _kdh_sim_build_data (KdhSimKernel *k);
void _kdh_sim_update_clocks (KdhSimKernel *k);

/* Little-endian access to CONTEXT / KSPECIAL_REGISTERS bytes. */
static inline guint64
_kdh_sim_get (const guint8 *p, guint off, guint size)
{
  guint64 v = 0;

  for (guint i = 0; i < size; i++)
    v |= (guint64) p[off + i] << (8 * i);
  return v;
}

static inline void
_kdh_sim_set (guint8 *p, guint off, guint size, guint64 v)
{
  for (guint i = 0; i < size; i++)
    p[off + i] = (guint8) (v >> (8 * i));
}

#define CPU_CTX(cpu) ((guint8 *) (cpu)->context)

G_END_DECLS
