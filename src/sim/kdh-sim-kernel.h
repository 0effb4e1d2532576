/* kdh-sim-kernel.h: the simulated Windows x64 machine behind kdhost-sim
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real Windows images (src/sim/guest/, built by clang and lld-link) loaded
 * into simulated physical memory and run on emulated x64 processors
 * (Unicorn), with the state a debugger sees through the KD protocol:
 * virtual memory through real 4-level page tables, physical memory,
 * per-processor CONTEXTs and control space, software breakpoints, debug
 * registers. It knows nothing of packets; the simulated target's protocol
 * layer (kdh-sim-target.c) calls into it. Execution is deterministic: what
 * the processors do depends only on the simulated time given to
 * kdh_sim_kernel_execute() and the host's requests.
 *
 * Address map (x64, canonical kernel addresses):
 *   0xFFFFB30000000000                the page tables, self-mapped (PteBase)
 *   0xFFFFF78000000000                KUSER_SHARED_DATA (one page, clocks)
 *   KDH_SIM_PATTERN_BASE .. +16 MiB   pattern region (2 MiB pages): the
 *                                     aligned u64 at A holds A ^ KDH_SIM_PATTERN_XOR
 *   0xFFFFF80001C00000                hal.dll
 *   0xFFFFF80001D00000                kdcom.dll
 *   KDH_SIM_NT_BASE                   ntoskrnl.exe
 *   0xFFFFF80003000000                kdhtest.sys, then CI.dll (0xFFFFF80003100000),
 *                                     ACPI.sys (...3200000), Ntfs.sys (...3400000);
 *                                     drivers loaded later from ...3800000 on
 *   0xFFFFF80004000000 .. +4 MiB      nonpaged pool: loader entries, names,
 *                                     EPROCESS and KTHREAD blocks, drivers' allocations
 *   0xFFFFF80005000000 + n * 64 KiB   CPU n: KPCR (KPRCB at +0x180), GDT
 *                                     (+0xA000), TSS (+0xB000), IDT (+0xC000)
 *   0xFFFFF80006000000 + n * 64 KiB   CPU n's kernel stack, +0x4000..+0xA000
 * Every image is mapped for its whole SizeOfImage. Everything else is
 * unmapped: reads stop at the first unmapped byte.
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

/* What stopped the processors, or a debugger service they asked for. */
typedef enum {
  KDH_SIM_EVENT_NONE,
  KDH_SIM_EVENT_EXCEPTION,      /* int 3, a single step, a debug register, a fault */
  KDH_SIM_EVENT_PRINT,          /* DbgPrint (int 2Dh, BREAKPOINT_PRINT) */
  KDH_SIM_EVENT_LOAD_SYMBOLS,   /* a driver loaded (int 2Dh, BREAKPOINT_LOAD_SYMBOLS) */
} KdhSimEventKind;

typedef struct {
  KdhSimEventKind kind;
  guint cpu;
  guint32 code;                 /* exception: STATUS_BREAKPOINT, STATUS_SINGLE_STEP, ... */
  guint64 address;              /* exception: where */
  gchar *text;                  /* print: the line; load symbols: the image's path */
  gsize text_len;
  guint64 base;                 /* load symbols */
  guint32 checksum;
  guint32 size_of_image;
} KdhSimEvent;

void kdh_sim_event_clear (KdhSimEvent *ev);

/* Builds and boots the whole machine: every processor runs from nt's entry
 * point until it idles. @cpus is 1..64. @seed varies nothing that a test
 * relies on (the pattern region and module list are fixed); it seeds only
 * the "live" parts such as clocks and register noise. Aborts with a clear
 * message when the CPU emulator cannot be loaded. */
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
/* Physical memory: 256 MiB, of which only the pages that back a mapping or
 * a page table exist (reads stop at the others). The kernel's range is
 * mapped 1:1 (physical P is virtual KDH_SIM_NT_BASE - 0x2000000 + P), so
 * virtual reads through the page tables and physical reads agree. */
gsize kdh_sim_kernel_read_physical  (KdhSimKernel *k, guint64 address, guint8 *buf, gsize len);
gsize kdh_sim_kernel_write_physical (KdhSimKernel *k, guint64 address, const guint8 *buf, gsize len);

/* The AMD64 CONTEXT (KDH_CONTEXT_AMD64_SIZE bytes) of @cpu, writable. NULL
 * when @cpu is out of range. Plausible values: kernel selectors (cs 0x10,
 * ss 0x18, ds/es/gs 0x2b, fs 0x53), eflags with IF, rsp in that CPU's
 * kernel stack, rip in nt. */
guint8       *kdh_sim_kernel_context (KdhSimKernel *k, guint cpu);
/* At a stop: every processor's CONTEXT into its KPRCB (KPRCB.Context). */
void          kdh_sim_kernel_save_contexts (KdhSimKernel *k);

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
 * ACPI, Ntfs, then drivers loaded later. */
guint               kdh_sim_kernel_n_modules (KdhSimKernel *k);
const KdhSimModule *kdh_sim_kernel_module    (KdhSimKernel *k, guint index);

/* Addresses of exported routines and variables by name ("DbgPrint" in nt,
 * "KdhTestTick" in kdhtest, ...), from the images' export tables. 0 when
 * unknown. */
guint64  kdh_sim_kernel_lookup_export (KdhSimKernel *k,
                                       const gchar  *module_base_name,
                                       const gchar  *export_name);

/* ---- Execution ----------------------------------------------------------- */

/* Lets the machine run for @elapsed_us more of simulated time: a clock tick
 * every 4 ms on every processor (kdhtest's KdhTestTick runs on each), each
 * processor running until it idles again. Returns TRUE at the first event,
 * with *@ev filled (kdh_sim_event_clear() it); the rest of the time is
 * kept for the next call, which carries on where this one stopped. Time
 * beyond a backlog of 100 ms is dropped. */
gboolean kdh_sim_kernel_execute (KdhSimKernel *k,
                                 guint64       elapsed_us,
                                 KdhSimEvent  *ev);
/* Whether processors have work left from a call that stopped early (then
 * execute() should be called again at once), and the simulated time until
 * the next tick. */
gboolean kdh_sim_kernel_has_work   (KdhSimKernel *k);
guint64  kdh_sim_kernel_until_tick (KdhSimKernel *k);

/* Executes one instruction on @cpu alone, as the trace flag does: the
 * event is STATUS_SINGLE_STEP at the next instruction unless the
 * instruction itself raised one. */
void     kdh_sim_kernel_step (KdhSimKernel *k,
                              guint         cpu,
                              KdhSimEvent  *ev);
/* Before resuming @cpu after a stop: steps over an int 3 that the code
 * itself holds (DbgBreakPointWithStatus), as Windows does, and after an
 * unhandled exception makes the kernel bug check (KMODE_EXCEPTION_NOT_HANDLED). */
void     kdh_sim_kernel_resume (KdhSimKernel *k,
                                guint         cpu);
/* Continue2's control set: DR7 for every processor, DR6 cleared. */
void     kdh_sim_kernel_set_dr7 (KdhSimKernel *k,
                                 guint64       dr7);

/* What the debug service @cpu last asked for returns (its rax), such as
 * STATUS_BREAKPOINT from a print during which the break-in byte came. */
void     kdh_sim_kernel_set_service_status (KdhSimKernel *k,
                                            guint         cpu,
                                            guint32       status);
/* Whether a debugger answers: the kernel's KdDebuggerNotPresent, which
 * decides whether DbgPrint and driver loads call the debugger at all. */
void     kdh_sim_kernel_set_debugger_present (KdhSimKernel *k,
                                              gboolean      present);
/* The debugger's break-in byte arrives at kdcom's UART: its interrupt makes
 * processor 0 poll it at once (as does every clock tick), and break in. */
void     kdh_sim_kernel_break_in (KdhSimKernel *k);
/* Whether that byte is still waiting for the kernel's poll. */
gboolean kdh_sim_kernel_break_in_pending (KdhSimKernel *k);
/* Reads it from the UART as the kernel's print path does: whether it was
 * there. */
gboolean kdh_sim_kernel_take_break_in (KdhSimKernel *k);
/* Makes @cpu call KeBugCheckEx (@code, 0, 0, 0, 0) when it resumes, as the
 * kernel debugger does for DbgKdCauseBugCheckApi. */
void     kdh_sim_kernel_bug_check (KdhSimKernel *k,
                                   guint         cpu,
                                   guint32       code);
/* kdhtest's DbgPrint lines: one every @interval_100ns of simulated time,
 * 0 for none, 1 for as fast as the debugger takes them. */
void     kdh_sim_kernel_set_print_interval (KdhSimKernel *k,
                                            guint64       interval_100ns);
/* Loads another copy of a built-in driver (such as "kdhtest.sys") under
 * @as_name: it is relocated, bound and handed to processor 0, which lists
 * it, reports it to the debugger (a load-symbols event) and starts it. */
gboolean kdh_sim_kernel_load_driver (KdhSimKernel *k,
                                     const gchar  *file_name,
                                     const gchar  *as_name,
                                     GError      **error);

/* Fills the AMD64 control report for @cpu's current rip: dr6/dr7, eflags,
 * up to 16 instruction bytes at rip with breakpoints shown as the original
 * bytes, segment selectors and REPORT_INCLUDES_SEGS|REPORT_STANDARD_CS. */
void     kdh_sim_kernel_control_report (KdhSimKernel     *k,
                                        guint             cpu,
                                        KdhControlReport *out);

/* Forgets breakpoints, memory writes and drivers loaded later, and boots
 * again, as a reboot would. */
void     kdh_sim_kernel_reboot (KdhSimKernel *k);

G_END_DECLS
