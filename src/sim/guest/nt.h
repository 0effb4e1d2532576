/* nt.h: internals of the simulated ntoskrnl.exe
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-guest.h"

/* One clock tick is 4 ms (KeTimeIncrement, in 100 ns units): 250 Hz, as
 * the host's KDH_SIM_TICK_US (kdh-sim-kernel-private.h) has it. */
#define KDH_CLOCK_INCREMENT 40000

#define KUSER_SHARED_DATA_ADDRESS 0xFFFFF78000000000ull

/* What the boot loader (kdh-sim-loader.c) hands to KiSystemStartup. */
typedef struct _KDH_LOADER_BLOCK {
  ULONG NumberProcessors;
  ULONG BootDriverCount;
  ULONG64 PoolStart;
  ULONG64 PoolEnd;
  PKLDR_DATA_TABLE_ENTRY BootDrivers[8];
} KDH_LOADER_BLOCK, *PKDH_LOADER_BLOCK;

typedef NTSTATUS (*PDRIVER_INITIALIZE) (PVOID DriverObject, PUNICODE_STRING RegistryPath);

extern ULONG KeTimeIncrement;
extern ULONG64 MmNonPagedPoolNext;
extern ULONG64 MmNonPagedPoolEnd;
extern NTKERNELAPI BOOLEAN KdDebuggerNotPresent;
extern NTKERNELAPI PKPRCB KiProcessorBlock[64];
extern NTKERNELAPI ULONG KeNumberProcessors;
extern NTKERNELAPI ULONG_PTR KiBugCheckData[5];
extern NTKERNELAPI LIST_ENTRY PsLoadedModuleList;

VOID KiCallUserMode (void);
VOID KiIdleLoop (void);
ULONG vDbgPrintExWithPrefix (const CHAR *Prefix, ULONG ComponentId, ULONG Level,
                             const CHAR *Format, va_list ap);
ULONG KdhFormatString (CHAR *Buffer, ULONG Size, const CHAR *Format, va_list ap);
ULONG_PTR DebugService (ULONG Service, PVOID Argument1, PVOID Argument2, ULONG_PTR Argument3,
                        ULONG_PTR Argument4);
BOOLEAN KdPollBreakIn (void);
VOID IopLoadDriver (PKLDR_DATA_TABLE_ENTRY Entry);

/* kdcom.dll */
#define PACKET_TYPE_KD_POLL_BREAKIN 8
#define KDP_PACKET_RECEIVED 0
#define KDP_PACKET_TIMEOUT 1
__declspec (dllimport) ULONG KdReceivePacket (ULONG PacketType, PVOID MessageHeader,
                                              PVOID MessageData, ULONG *DataLength,
                                              PVOID Context);
