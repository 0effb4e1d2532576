/* kdh-sim-kernel.h: the simulated Windows x64 kernel behind kdhost-sim
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The machine state a debugger sees through the KD protocol: virtual and
 * physical memory, a kernel image with a PE header and export table, a
 * PsLoadedModuleList, a KdDebuggerDataBlock, per-processor CONTEXTs and
 * control space, and software breakpoints. It knows nothing of packets; the
 * simulated target's protocol layer (kdh-sim-target.c) calls into it.
 *
 * Address map (x64, canonical kernel addresses):
 *   0xFFFFF78000000000                KUSER_SHARED_DATA (one page, clocks)
 *   KDH_SIM_PATTERN_BASE .. +16 MiB   pattern region: the aligned u64 at A
 *                                     holds A ^ KDH_SIM_PATTERN_XOR
 *   0xFFFFF80001C00000                hal.dll
 *   0xFFFFF80001D00000                kdcom.dll
 *   KDH_SIM_NT_BASE                   ntoskrnl.exe image (MZ/PE, exports)
 *   0xFFFFF80003000000                kdhtest.sys, then CI.dll (0xFFFFF80003100000),
 *                                     ACPI.sys (...3200000), Ntfs.sys (...3400000)
 *   0xFFFFF80004000000 .. +4 MiB      nonpaged pool: loader entries, names,
 *                                     EPROCESS and KTHREAD blocks
 *   0xFFFFF80005000000 + n * 64 KiB   CPU n: KPCR (KPRCB at +0x180), GDT
 *                                     (+0xA000), TSS (+0xB000), IDT (+0xC000)
 *   0xFFFFF80006000000 + n * 64 KiB   CPU n's kernel stack, +0x4000..+0xA000
 * Every image is mapped for its whole SizeOfImage (unwritten parts read as
 * zeros). Everything else is unmapped: reads stop at the first unmapped
 * byte.
 */
#pragma once

#include <glib.h>

#include "kd/kdh-dbgkd.h"

G_BEGIN_DECLS

#define KDH_SIM_PATTERN_BASE  G_GUINT64_CONSTANT (0xFFFFF80000400000)
#define KDH_SIM_PATTERN_SIZE  (16u * 1024u * 1024u)
#define KDH_SIM_PATTERN_XOR   G_GUINT64_CONSTANT (0xA5A5A5A5A5A5A5A5)
#define KDH_SIM_NT_BASE       G_GUINT64_CONSTANT (0xFFFFF80002000000)
#define KDH_SIM_BUILD         19041     /* Windows 10 2004 */
#define KDH_SIM_MAX_BREAKPOINTS 32
/* kdhtest!KdhTestTimerRoutine runs once per this much simulated run time. */
#define KDH_SIM_TIMER_PERIOD_MS 100

typedef struct _KdhSimKernel KdhSimKernel;

typedef struct {
  const gchar *base_name;     /* "nt" style short name: "nt", "hal", "kdcom", "kdhtest" */
  const gchar *file_name;     /* "ntoskrnl.exe", "hal.dll", ... */
  const gchar *full_path;     /* "\\SystemRoot\\system32\\ntoskrnl.exe" */
  guint64 base;
  guint32 size_of_image;
  guint32 checksum;
  guint32 timestamp;
} KdhSimModule;

/* Builds the whole machine. @cpus is 1..64. @seed varies nothing that a test
 * relies on (the pattern region and module list are fixed); it seeds only
 * the "live" parts such as counters and register noise. */
KdhSimKernel *kdh_sim_kernel_new  (guint   cpus,
                                   guint64 seed);
void          kdh_sim_kernel_free (KdhSimKernel *k);

guint         kdh_sim_kernel_n_cpus (KdhSimKernel *k);

/* GetVersion reply contents: Windows 10 build KDH_SIM_BUILD, x64, protocol 6,
 * secondary version 2, flags MP|DATA|PTR64, KernBase, PsLoadedModuleList and
 * DebuggerDataList addresses that really lead to the structures in memory. */
void          kdh_sim_kernel_get_version (KdhSimKernel *k,
                                          KdhVersion   *out);

/* Memory. Reads and writes go as far as memory is mapped and return the
 * number of bytes transferred (less than @len when an unmapped page is hit).
 * Writes to the pattern region are kept (an overlay) and read back. */
gsize kdh_sim_kernel_read_virtual   (KdhSimKernel *k, guint64 address, guint8 *buf, gsize len);
gsize kdh_sim_kernel_write_virtual  (KdhSimKernel *k, guint64 address, const guint8 *buf, gsize len);
/* Physical memory is the kernel's virtual memory seen through a fixed
 * mapping: physical P is virtual KDH_SIM_NT_BASE - 0x2000000 + P for P below
 * 256 MiB, i.e. the first 256 MiB of the kernel's address map. */
gsize kdh_sim_kernel_read_physical  (KdhSimKernel *k, guint64 address, guint8 *buf, gsize len);
gsize kdh_sim_kernel_write_physical (KdhSimKernel *k, guint64 address, const guint8 *buf, gsize len);

/* The AMD64 CONTEXT (KDH_CONTEXT_AMD64_SIZE bytes) of @cpu, writable. NULL
 * when @cpu is out of range. Plausible values: kernel selectors (cs 0x10,
 * ss 0x18, ds/es/gs 0x2b, fs 0x53), eflags with IF, rsp in that CPU's
 * kernel stack, rip in nt. */
guint8       *kdh_sim_kernel_context (KdhSimKernel *k, guint cpu);

/* AMD64 control space (docs/protocol.md §4.5): index 0 KPCR address, 1 KPRCB
 * address, 2 KSPECIAL_REGISTERS (0xF0 bytes: cr0, cr2, cr3, cr4, gdtr, idtr,
 * tr, MSRs...), 3 current KTHREAD. Writes only to index 2 (at most 0xF0
 * bytes). Returns FALSE (STATUS_UNSUCCESSFUL) for a bad index or cpu. *actual
 * is the byte count the reply carries: min(len, 8) for indexes 0, 1, 3 and
 * min(len, 0xF0) for index 2 (never more than @buf holds). */
gboolean kdh_sim_kernel_read_control_space  (KdhSimKernel *k, guint cpu, guint64 index,
                                             guint8 *buf, gsize len, gsize *actual);
gboolean kdh_sim_kernel_write_control_space (KdhSimKernel *k, guint cpu, guint64 index,
                                             const guint8 *buf, gsize len, gsize *actual);

/* MSRs: EFER, STAR, LSTAR, GS base...; FALSE for an unknown MSR. */
gboolean kdh_sim_kernel_read_msr (KdhSimKernel *k, guint cpu, guint32 msr, guint64 *value);

/* Software breakpoints (int 3). Returns a 1-based handle (the lowest free
 * one), 0 when the address is not mapped or the table
 * (KDH_SIM_MAX_BREAKPOINTS) is full. Memory reads return the 0xCC; a memory
 * write over it changes the saved byte and keeps the 0xCC. Restoring puts the
 * original byte back; an unknown or already restored handle gives FALSE. */
guint32  kdh_sim_kernel_write_breakpoint   (KdhSimKernel *k, guint64 address);
gboolean kdh_sim_kernel_restore_breakpoint (KdhSimKernel *k, guint32 handle);
/* Is an active breakpoint at @address? */
gboolean kdh_sim_kernel_breakpoint_at      (KdhSimKernel *k, guint64 address);

/* Modules in load order: nt, hal, kdcom, kdhtest (a test driver), then CI,
 * ACPI, Ntfs. */
guint               kdh_sim_kernel_n_modules (KdhSimKernel *k);
const KdhSimModule *kdh_sim_kernel_module    (KdhSimKernel *k, guint index);

/* Addresses of exported routines by name ("DbgBreakPointWithStatus",
 * "KeBugCheckEx", "DbgPrint", "KdhTestTimerRoutine" in kdhtest, ...): the
 * same values the export tables in memory give. 0 when unknown. */
guint64  kdh_sim_kernel_lookup_export (KdhSimKernel *k,
                                       const gchar  *module_base_name,
                                       const gchar  *export_name);

/* Where a break-in stops: nt!DbgBreakPointWithStatus, whose first byte is
 * 0xCC. Sets @cpu's rip there (and a plausible rsp/return address). */
guint64  kdh_sim_kernel_prepare_break_in (KdhSimKernel *k, guint cpu);

/* Simulated execution while the target runs: advances clocks and counters
 * and, when a breakpoint has been set on the test driver's periodic routine
 * (kdhtest!KdhTestTimerRoutine, "called" every KDH_SIM_TIMER_PERIOD_MS of
 * run time), reports that it was hit: returns TRUE and sets *cpu and
 * *address, with that CPU's rip at the breakpoint. Hits go to the CPUs in
 * turn. A breakpoint inside the routine (not on its first byte) hits too,
 * at its own address. Each completed call increments kdhtest's exported
 * u64 KdhTestCallCount. */
gboolean kdh_sim_kernel_run (KdhSimKernel *k,
                             guint         elapsed_ms,
                             guint        *cpu,
                             guint64      *address);

/* Fills the AMD64 control report for @cpu's current rip: dr6/dr7, eflags,
 * up to 16 instruction bytes at rip with breakpoints shown as the original
 * bytes, segment selectors and REPORT_INCLUDES_SEGS|REPORT_STANDARD_CS. */
void     kdh_sim_kernel_control_report (KdhSimKernel     *k,
                                        guint             cpu,
                                        KdhControlReport *out);

/* Forgets breakpoints and memory writes, as a reboot would. */
void     kdh_sim_kernel_reboot (KdhSimKernel *k);

G_END_DECLS
