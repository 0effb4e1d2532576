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

/* Simulated physical memory: one host buffer. The kernel's address range
 * is mapped 1:1 onto it (physical P is virtual KDH_SIM_PHYS_BASE + P);
 * page tables and the other pages without such a twin (KUSER_SHARED_DATA)
 * come from the top KDH_SIM_PHYS_EXTRA bytes. */
#define KDH_SIM_PHYS_BASE   (KDH_SIM_NT_BASE - G_GUINT64_CONSTANT (0x2000000))
#define KDH_SIM_PHYS_SIZE   G_GUINT64_CONSTANT (0x10000000)
#define KDH_SIM_PHYS_EXTRA  G_GUINT64_CONSTANT (0x1000000)
/* The page-table self-map, as KdDebuggerDataBlock.PteBase says. */
#define KDH_SIM_PTE_BASE    G_GUINT64_CONSTANT (0xFFFFB30000000000)

/* The rest of the address map. */
#define KDH_SIM_KUSER_BASE  G_GUINT64_CONSTANT (0xFFFFF78000000000)
#define KDH_SIM_POOL_BASE   G_GUINT64_CONSTANT (0xFFFFF80004000000)
#define KDH_SIM_POOL_SIZE   G_GUINT64_CONSTANT (0x400000)
/* The top 256 KiB of the pool stay the loader's (drivers loaded later). */
#define KDH_SIM_LOADER_POOL (KDH_SIM_POOL_BASE + KDH_SIM_POOL_SIZE - 0x40000)
#define KDH_SIM_PCR_BASE    G_GUINT64_CONSTANT (0xFFFFF80005000000)
#define KDH_SIM_STACK_AREA  G_GUINT64_CONSTANT (0xFFFFF80006000000)
#define KDH_SIM_CPU_STRIDE  G_GUINT64_CONSTANT (0x10000)
#define KDH_SIM_STACK_SIZE  0x6000u   /* KERNEL_STACK_SIZE on x64 */
/* Where drivers loaded after boot go, one after the other. */
#define KDH_SIM_LATE_BASE   G_GUINT64_CONSTANT (0xFFFFF80003800000)

#define KDH_SIM_MAX_CPUS    64u

/* Clock and execution: one tick per 4 ms of simulated time (guest/nt.h's
 * KDH_CLOCK_INCREMENT); each processor runs at most this many instructions
 * per tick. */
#define KDH_SIM_TICK_US           4000u
#define KDH_SIM_TICK_INSTRUCTIONS 400000u
/* Simulated time not yet run beyond this is dropped (the machine lost
 * those ticks, as a descheduled VM does). */
#define KDH_SIM_MAX_BACKLOG_US    (25u * KDH_SIM_TICK_US)

/* KPRCB fields the host uses (guest/kdh-guest.h has the type). */
#define KPRCB_KDH_REQUESTS  0x38
#define KPRCB_KDH_PARAMETER 0x40
#define KPRCB_IDLE_HALT     0x07
#define KDH_REQUEST_CLOCK        0x1u
#define KDH_REQUEST_LOAD_DRIVER  0x2u
#define KDH_REQUEST_SERIAL       0x4u

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

/* Where things are, read from the loaded images' exports. */
typedef struct {
  guint64 ps_loaded_module_list;
  guint64 ps_active_process_head;
  guint64 debugger_data_list;        /* KdpDebuggerDataListHead */
  guint64 kd_debugger_data_block;
  guint64 ki_processor_block;
  guint64 ps_initial_system_process;
  guint64 kd_debugger_not_present;
  guint64 dbg_break_point_with_status;
  guint64 ke_bug_check_ex;
  guint64 system_startup;            /* nt's entry point */
  guint64 print_interval;            /* kdhtest!KdhTestPrintInterval */
} KdhSimSymbols;

typedef struct {
  gchar *name;
  guint64 address;
} KdhSimExport;

/* A loaded image: what the module list shows and the loader learnt. */
typedef struct {
  KdhSimModule m;                    /* names point into the strings below */
  gchar *base_name;
  gchar *file_name;
  gchar *full_path;
  guint64 entry_point;
  GArray *exports;                   /* KdhSimExport, in name order */
  guint64 ldr_entry;                 /* its KLDR_DATA_TABLE_ENTRY */
} KdhSimImage;

typedef struct _KdhSimCpu KdhSimCpu;

/* A data or execute breakpoint in the debug registers, as armed. */
typedef struct {
  guint64 address;
  guint64 length;                    /* 1, 2, 4, 8 */
  guint type;                        /* DR7 R/W bits: 0 execute, 1 write, 3 read/write */
  gboolean enabled;
  gsize hook;                        /* uc_hook of a data breakpoint */
} KdhSimDebugRegister;

struct _KdhSimCpu {
  guint64 context[KDH_CONTEXT_AMD64_SIZE / 8];   /* 8-byte aligned bytes */
  guint8 special[KDH_KSPECIAL_AMD64_SIZE];
  guint index;
  KdhSimKernel *kernel;
  gpointer uc;                       /* uc_engine */
  gsize hooks[2];                    /* interrupts, port input */
  guint64 kpcr;
  guint64 kprcb;
  guint64 kthread;
  guint64 stack_base;                /* initial (highest) stack address */
  guint64 gdt;
  guint64 idt;
  guint64 tss;
  guint64 user_gs_base;              /* IA32_KERNEL_GS_BASE while in kernel */

  /* Execution state. */
  gboolean halted;                   /* in a hlt, until a request comes */
  gboolean stopped_on_fault;         /* the last stop was an unhandled exception */
  guint32 fault_code;
  guint64 fault_address;
  guint64 rip_after;                 /* where a hook wants the run to go on, or 0 */
  gboolean clear_rax;                /* a debug service's return value */
  gboolean resume_flag;              /* EFLAGS.RF: no execute breakpoint on the next instruction */
  KdhSimDebugRegister dr[4];
  guint64 dr_hits;                   /* DR6 B0-B3 bits of data breakpoints hit */
  KdhSimEvent *event;                /* what a hook saw, for the run in progress */
};

typedef struct {
  gboolean active;
  guint64 address;
  guint8 original;
} KdhSimBreakpoint;

typedef struct {
  guint64 va;
  guint64 size;
  guint64 pa;
} KdhSimRegion;

struct _KdhSimKernel {
  guint n_cpus;
  guint64 seed;
  GRand *rand;

  /* Memory (kdh-sim-kernel-memory.c). */
  guint8 *phys;
  guint8 *present;                   /* a byte per physical page */
  GArray *regions;                   /* KdhSimRegion, in mapping order */
  guint64 phys_extra_next;
  guint64 pml4;                      /* physical address of the PML4 (CR3) */
  guint64 pool_next;

  GPtrArray *images;                 /* KdhSimImage, load order */
  guint64 late_next;                 /* where the next late driver goes */
  KdhSimSymbols sym;
  KdhSimCpu *cpus;
  KdhSimBreakpoint breakpoints[KDH_SIM_MAX_BREAKPOINTS];
  guint64 print_interval;            /* 100 ns units, 0 = none, 1 = flood */

  /* Clocks and the scheduler (kdh-sim-cpu.c). */
  guint64 boot_system_time;          /* FILETIME at boot */
  guint64 pending_us;                /* simulated time not yet run */
  guint tick_cpu;                    /* next processor of the tick in progress */
  gboolean tick_in_progress;
  gboolean breakin_pending;          /* the break-in byte is in kdcom's UART */
};

/* kdh-sim-kernel-memory.c. The _kdh_sim_poke* family is for building the
 * machine and asserts that the target is mapped. */
void    _kdh_sim_memory_init  (KdhSimKernel *k);
void    _kdh_sim_memory_reset (KdhSimKernel *k);
void    _kdh_sim_memory_clear (KdhSimKernel *k);
/* Through the page tables, ignoring page protections as a debugger does;
 * no breakpoint bookkeeping. */
gsize   _kdh_sim_raw_read   (KdhSimKernel *k, guint64 address, guint8 *buf, gsize len);
gsize   _kdh_sim_raw_write  (KdhSimKernel *k, guint64 address, const guint8 *buf, gsize len);
/* Maps [va, va + size) to fresh physical pages (zeros, or the pattern),
 * in the page tables and on every processor. */
void    _kdh_sim_map        (KdhSimKernel *k, guint64 va, guint64 size, gboolean pattern);
/* Virtual to physical through the page tables at CR3; FALSE when not
 * present. */
gboolean _kdh_sim_translate (KdhSimKernel *k, guint64 va, guint64 *pa);
void    _kdh_sim_poke       (KdhSimKernel *k, guint64 address, const void *data, gsize len);
void    _kdh_sim_poke_u8    (KdhSimKernel *k, guint64 address, guint8 v);
void    _kdh_sim_poke_u16   (KdhSimKernel *k, guint64 address, guint16 v);
void    _kdh_sim_poke_u32   (KdhSimKernel *k, guint64 address, guint32 v);
void    _kdh_sim_poke_u64   (KdhSimKernel *k, guint64 address, guint64 v);
guint64 _kdh_sim_peek_u64   (KdhSimKernel *k, guint64 address);
/* For data the processors never execute: leaves their translated code. */
void    _kdh_sim_poke_data_u64 (KdhSimKernel *k, guint64 address, guint64 v);
guint32 _kdh_sim_peek_u32   (KdhSimKernel *k, guint64 address);
/* Writes @s as NUL-terminated UTF-16LE; returns its length in bytes
 * without the NUL. */
gsize   _kdh_sim_poke_utf16 (KdhSimKernel *k, guint64 address, const gchar *s);
/* A nonpaged pool block with a POOL_HEADER carrying @tag ("MmLd"). */
guint64 _kdh_sim_pool_alloc (KdhSimKernel *k, gsize size, const gchar *tag);
/* MmPhysicalMemoryBlock: the machine's RAM runs, once everything is mapped. */
void    _kdh_sim_build_memory_block (KdhSimKernel *k);

/* kdh-sim-loader.c */
void                _kdh_sim_load_boot_images (KdhSimKernel *k);
/* Maps a copy of the built-in image @file_name at the next late base,
 * relocated and bound, under @as_name; NULL with @error set. */
KdhSimImage        *_kdh_sim_load_image (KdhSimKernel *k, const gchar *file_name,
                                         const gchar *as_name, guint64 base, GError **error);
void                _kdh_sim_image_free (KdhSimImage *image);
guint64             _kdh_sim_image_export (const KdhSimImage *image, const gchar *name);

/* kdh-sim-kernel-data.c */
void    _kdh_sim_build_data (KdhSimKernel *k);
/* A KLDR_DATA_TABLE_ENTRY for @image in pool, not linked anywhere. */
guint64 _kdh_sim_new_ldr_entry (KdhSimKernel *k, const KdhSimImage *image);
/* The loader block KiSystemStartup gets. */
guint64 _kdh_sim_build_loader_block (KdhSimKernel *k);

/* kdh-sim-cpu.c: the emulated processors. */
gboolean _kdh_sim_cpus_start (KdhSimKernel *k, GError **error);
void     _kdh_sim_cpus_stop  (KdhSimKernel *k);
/* A new mapping, for every processor. */
void     _kdh_sim_cpus_map   (KdhSimKernel *k, const KdhSimRegion *r);
/* Host bytes changed: drop translated code there. */
void     _kdh_sim_cpus_invalidate (KdhSimKernel *k, guint64 va, gsize len);
/* Runs @cpu from its CONTEXT for at most @count instructions (until it
 * halts or a hook stops it); TRUE with *@ev filled if it stopped on an
 * event. */
gboolean _kdh_sim_cpu_run (KdhSimKernel *k, KdhSimCpu *c, guint64 count, KdhSimEvent *ev);
/* An MSR as the processor has it (0 when unknown to the emulator). */
guint64  _kdh_sim_cpu_read_msr (KdhSimCpu *c, guint32 msr);

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
