/* kdh-guest-kdbg.h: KDDEBUGGER_DATA64, the block a debugger finds through
 * DebuggerDataList (docs/protocol.md §3.4; the published wdbgexts.h layout,
 * Windows 10 size 0x368)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "kdh-guest.h"

typedef struct _DBGKD_DEBUG_DATA_HEADER64 {
  LIST_ENTRY List;
  ULONG OwnerTag;
  ULONG Size;
} DBGKD_DEBUG_DATA_HEADER64;

typedef struct _KDDEBUGGER_DATA64 {
  DBGKD_DEBUG_DATA_HEADER64 Header;     /* 0x000 */
  ULONG64 KernBase;                     /* 0x018 */
  ULONG64 BreakpointWithStatus;
  ULONG64 SavedContext;
  USHORT ThCallbackStack;               /* 0x030 */
  USHORT NextCallback;
  USHORT FramePointer;
  USHORT PaeEnabled;
  ULONG64 KiCallUserMode;               /* 0x038 */
  ULONG64 KeUserCallbackDispatcher;
  ULONG64 PsLoadedModuleList;           /* 0x048 */
  ULONG64 PsActiveProcessHead;
  ULONG64 PspCidTable;
  ULONG64 ExpSystemResourcesList;
  ULONG64 ExpPagedPoolDescriptor;
  ULONG64 ExpNumberOfPagedPools;
  ULONG64 KeTimeIncrement;              /* 0x078 */
  ULONG64 KeBugCheckCallbackListHead;
  ULONG64 KiBugcheckData;               /* 0x088 */
  ULONG64 IopErrorLogListHead;
  ULONG64 ObpRootDirectoryObject;
  ULONG64 ObpTypeObjectType;
  ULONG64 MmSystemCacheStart;
  ULONG64 MmSystemCacheEnd;
  ULONG64 MmSystemCacheWs;
  ULONG64 MmPfnDatabase;                /* 0x0C0 */
  ULONG64 MmSystemPtesStart;
  ULONG64 MmSystemPtesEnd;
  ULONG64 MmSubsectionBase;
  ULONG64 MmNumberOfPagingFiles;
  ULONG64 MmLowestPhysicalPage;
  ULONG64 MmHighestPhysicalPage;
  ULONG64 MmNumberOfPhysicalPages;
  ULONG64 MmMaximumNonPagedPoolInBytes;
  ULONG64 MmNonPagedSystemStart;
  ULONG64 MmNonPagedPoolStart;
  ULONG64 MmNonPagedPoolEnd;
  ULONG64 MmPagedPoolStart;
  ULONG64 MmPagedPoolEnd;
  ULONG64 MmPagedPoolInformation;
  ULONG64 MmPageSize;
  ULONG64 MmSizeOfPagedPoolInBytes;
  ULONG64 MmTotalCommitLimit;
  ULONG64 MmTotalCommittedPages;
  ULONG64 MmSharedCommit;
  ULONG64 MmDriverCommit;
  ULONG64 MmProcessCommit;
  ULONG64 MmPagedPoolCommit;
  ULONG64 MmExtendedCommit;
  ULONG64 MmZeroedPageListHead;
  ULONG64 MmFreePageListHead;
  ULONG64 MmStandbyPageListHead;
  ULONG64 MmModifiedPageListHead;
  ULONG64 MmModifiedNoWritePageListHead;
  ULONG64 MmAvailablePages;
  ULONG64 MmResidentAvailablePages;
  ULONG64 PoolTrackTable;
  ULONG64 NonPagedPoolDescriptor;
  ULONG64 MmHighestUserAddress;         /* 0x1C8 */
  ULONG64 MmSystemRangeStart;
  ULONG64 MmUserProbeAddress;
  ULONG64 KdPrintCircularBuffer;
  ULONG64 KdPrintCircularBufferEnd;
  ULONG64 KdPrintWritePointer;
  ULONG64 KdPrintRolloverCount;
  ULONG64 MmLoadedUserImageList;
  ULONG64 NtBuildLab;                   /* 0x208 */
  ULONG64 KiNormalSystemCall;
  ULONG64 KiProcessorBlock;             /* 0x218 */
  ULONG64 MmUnloadedDrivers;
  ULONG64 MmLastUnloadedDriver;
  ULONG64 MmTriageActionTaken;
  ULONG64 MmSpecialPoolTag;
  ULONG64 KernelVerifier;
  ULONG64 MmVerifierData;
  ULONG64 MmAllocatedNonPagedPool;
  ULONG64 MmPeakCommitment;
  ULONG64 MmTotalCommitLimitMaximum;
  ULONG64 CmNtCSDVersion;               /* 0x268 */
  ULONG64 MmPhysicalMemoryBlock;
  ULONG64 MmSessionBase;
  ULONG64 MmSessionSize;
  ULONG64 MmSystemParentTablePage;
  ULONG64 MmVirtualTranslationBase;
  USHORT OffsetKThreadNextProcessor;    /* 0x298 */
  USHORT OffsetKThreadTeb;
  USHORT OffsetKThreadKernelStack;
  USHORT OffsetKThreadInitialStack;
  USHORT OffsetKThreadApcProcess;
  USHORT OffsetKThreadState;
  USHORT OffsetKThreadBStore;
  USHORT OffsetKThreadBStoreLimit;
  USHORT SizeEProcess;                  /* 0x2A8 */
  USHORT OffsetEprocessPeb;
  USHORT OffsetEprocessParentCID;
  USHORT OffsetEprocessDirectoryTableBase;
  USHORT SizePrcb;
  USHORT OffsetPrcbDpcRoutine;
  USHORT OffsetPrcbCurrentThread;
  USHORT OffsetPrcbMhz;
  USHORT OffsetPrcbCpuType;
  USHORT OffsetPrcbVendorString;
  USHORT OffsetPrcbProcStateContext;
  USHORT OffsetPrcbNumber;
  USHORT SizeEThread;                   /* 0x2C0 */
  UCHAR L1tfHighPhysicalBitIndex;
  UCHAR L1tfSwizzleBitIndex;
  ULONG Padding0;
  ULONG64 KdPrintCircularBufferPtr;     /* 0x2C8 */
  ULONG64 KdPrintBufferSize;
  ULONG64 KeLoaderBlock;
  USHORT SizePcr;                       /* 0x2E0 */
  USHORT OffsetPcrSelfPcr;
  USHORT OffsetPcrCurrentPrcb;
  USHORT OffsetPcrContainedPrcb;
  USHORT OffsetPcrInitialBStore;
  USHORT OffsetPcrBStoreLimit;
  USHORT OffsetPcrInitialStack;
  USHORT OffsetPcrStackLimit;
  USHORT OffsetPrcbPcrPage;
  USHORT OffsetPrcbProcStateSpecialReg;
  USHORT GdtR0Code;                     /* 0x2F4 */
  USHORT GdtR0Data;
  USHORT GdtR0Pcr;
  USHORT GdtR3Code;
  USHORT GdtR3Data;
  USHORT GdtR3Teb;
  USHORT GdtLdt;
  USHORT GdtTss;
  USHORT Gdt64R3CmCode;
  USHORT Gdt64R3CmTeb;
  ULONG64 IopNumTriageDumpDataBlocks;   /* 0x308 */
  ULONG64 IopTriageDumpDataBlocks;
  ULONG64 VfCrashDataBlock;
  ULONG64 MmBadPagesDetected;
  ULONG64 MmZeroedPageSingleBitErrorsDetected;
  ULONG64 EtwpDebuggerData;
  USHORT OffsetPrcbContext;             /* 0x338 */
  USHORT OffsetPrcbMaxBreakpoints;
  USHORT OffsetPrcbMaxWatchpoints;
  ULONG OffsetKThreadStackLimit;        /* 0x340 */
  ULONG OffsetKThreadStackBase;
  ULONG OffsetKThreadQueueListEntry;
  ULONG OffsetEThreadIrpList;
  USHORT OffsetPrcbIdleThread;          /* 0x350 */
  USHORT OffsetPrcbNormalDpcState;
  USHORT OffsetPrcbDpcStack;
  USHORT OffsetPrcbIsrStack;
  USHORT SizeKDPC_STACK_FRAME;
  USHORT OffsetKPriQueueThreadListHead;
  USHORT OffsetKThreadWaitReason;
  USHORT Padding1;
  ULONG64 PteBase;                      /* 0x360 */
} KDDEBUGGER_DATA64;

STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, KiBugcheckData) == 0x088);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, MmPfnDatabase) == 0x0C0);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, MmPhysicalMemoryBlock) == 0x270);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, MmHighestUserAddress) == 0x1C8);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, NtBuildLab) == 0x208);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, KiProcessorBlock) == 0x218);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, CmNtCSDVersion) == 0x268);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, SizeEProcess) == 0x2A8);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, SizePcr) == 0x2E0);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, GdtR0Code) == 0x2F4);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, OffsetKThreadStackLimit) == 0x340);
STATIC_ASSERT (offsetof (KDDEBUGGER_DATA64, OffsetPrcbIdleThread) == 0x350);
STATIC_ASSERT (sizeof (KDDEBUGGER_DATA64) == 0x368);
