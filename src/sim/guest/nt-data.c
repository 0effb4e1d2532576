/* nt-data.c: the simulated kernel's global variables and its debugger data block
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KdDebuggerDataBlock is initialised by the compiler and the linker from
 * the kernel's own symbols, so the addresses a debugger reads in it are
 * the image's. The loader (kdh-sim-loader.c) fills what a boot loader
 * would: the module and process lists, the processor blocks, the pool.
 * EPROCESS/KTHREAD offsets are Windows 10 2004's; the host builds those
 * records with the same values (kdh-sim-kernel-data.c).
 */
#define KDH_GUEST_NT
#include "kdh-guest-kdbg.h"
#include "nt.h"

#define KDH_MAX_CPUS 64

NTKERNELAPI LIST_ENTRY PsLoadedModuleList = { &PsLoadedModuleList, &PsLoadedModuleList };
NTKERNELAPI LIST_ENTRY PsActiveProcessHead = { &PsActiveProcessHead, &PsActiveProcessHead };
NTKERNELAPI ULONG KeNumberProcessors;
NTKERNELAPI ULONG NtBuildNumber = 0xF0000000u | 19041;
NTKERNELAPI BOOLEAN KdDebuggerEnabled = TRUE;
NTKERNELAPI BOOLEAN KdDebuggerNotPresent;
NTKERNELAPI ULONG InitSafeBootMode;
NTKERNELAPI ULONG NtGlobalFlag;
NTKERNELAPI PVOID PsInitialSystemProcess;
NTKERNELAPI PVOID MmHighestUserAddress = (PVOID) 0x7FFFFFFEFFFFull;
NTKERNELAPI PVOID MmSystemRangeStart = (PVOID) 0xFFFF800000000000ull;
NTKERNELAPI ULONG64 MmUserProbeAddress = 0x7FFFFFFF0000ull;
NTKERNELAPI PKPRCB KiProcessorBlock[KDH_MAX_CPUS];
NTKERNELAPI ULONG_PTR KiBugCheckData[5];

ULONG KeTimeIncrement = KDH_CLOCK_INCREMENT;
ULONG CmNtCSDVersion;
ULONG64 MmPfnDatabase = 0xFFFFC68000000000ull;
/* The RAM's runs (PHYSICAL_MEMORY_DESCRIPTOR), built by the host at boot
 * as a boot loader's memory map gives them to Windows. */
PVOID MmPhysicalMemoryBlock;
ULONG64 KeUserCallbackDispatcher = 0x00007FFB3C8D3A40ull;
CHAR NtBuildLab[64] = "19041.1.amd64fre.vb_release.191206-1406";
/* The nonpaged pool the loader hands over: [next, end). */
ULONG64 MmNonPagedPoolNext;
ULONG64 MmNonPagedPoolEnd;

extern const char __ImageBase;
extern LIST_ENTRY KdpDebuggerDataListHead;

NTKERNELAPI KDDEBUGGER_DATA64 KdDebuggerDataBlock = {
  .Header = { { &KdpDebuggerDataListHead, &KdpDebuggerDataListHead },
              0x4742444B /* 'KDBG' */, sizeof (KDDEBUGGER_DATA64) },
  .KernBase = (ULONG64) &__ImageBase,
  .BreakpointWithStatus = (ULONG64) DbgBreakPointWithStatus,
  .KiCallUserMode = (ULONG64) KiCallUserMode,
  .KeUserCallbackDispatcher = (ULONG64) &KeUserCallbackDispatcher,
  .PsLoadedModuleList = (ULONG64) &PsLoadedModuleList,
  .PsActiveProcessHead = (ULONG64) &PsActiveProcessHead,
  .KeTimeIncrement = (ULONG64) &KeTimeIncrement,
  .KiBugcheckData = (ULONG64) KiBugCheckData,
  .MmPfnDatabase = (ULONG64) &MmPfnDatabase,
  .MmPageSize = 0x1000,
  .MmHighestUserAddress = (ULONG64) &MmHighestUserAddress,
  .MmSystemRangeStart = (ULONG64) &MmSystemRangeStart,
  .MmUserProbeAddress = (ULONG64) &MmUserProbeAddress,
  .NtBuildLab = (ULONG64) NtBuildLab,
  .KiProcessorBlock = (ULONG64) KiProcessorBlock,
  .CmNtCSDVersion = (ULONG64) &CmNtCSDVersion,
  .MmPhysicalMemoryBlock = (ULONG64) &MmPhysicalMemoryBlock,
  /* Structure offsets for hosts without symbols */
  .OffsetKThreadKernelStack = 0x58,
  .OffsetKThreadInitialStack = 0x28,
  .OffsetKThreadApcProcess = 0xB8,
  .OffsetKThreadState = 0x184,
  .SizeEProcess = 0xA40,
  .OffsetEprocessDirectoryTableBase = 0x28,
  .SizePrcb = sizeof (KPRCB),
  .OffsetPrcbCurrentThread = offsetof (KPRCB, CurrentThread),
  .OffsetPrcbNumber = offsetof (KPRCB, Number),
  .OffsetPrcbContext = offsetof (KPRCB, Context),
  .SizeEThread = 0x898,
  .SizePcr = sizeof (KPCR),
  .OffsetPcrSelfPcr = offsetof (KPCR, Self),
  .OffsetPcrCurrentPrcb = offsetof (KPCR, CurrentPrcb),
  .OffsetPcrContainedPrcb = offsetof (KPCR, Prcb),
  .GdtR0Code = 0x10,
  .GdtR0Data = 0x18,
  .GdtR3Code = 0x33,
  .GdtR3Data = 0x2B,
  .GdtR3Teb = 0x53,
  .GdtTss = 0x40,
  .Gdt64R3CmCode = 0x23,
  .Gdt64R3CmTeb = 0x53,
  .OffsetKThreadStackLimit = 0x30,
  .OffsetKThreadStackBase = 0x38,
  .OffsetPrcbIdleThread = offsetof (KPRCB, IdleThread),
  .PteBase = 0xFFFFB30000000000ull,
};

LIST_ENTRY KdpDebuggerDataListHead = { &KdDebuggerDataBlock.Header.List,
                                       &KdDebuggerDataBlock.Header.List };
