/* kdh-guest.h: types and helpers shared by the simulated Windows images
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * These sources are compiled for x86_64-pc-windows-msvc, freestanding, and
 * linked by lld-link into the PE images that kdhost-sim loads and runs on
 * its emulated processors. Layouts the host also builds or reads (KPCR,
 * KPRCB, KLDR_DATA_TABLE_ENTRY, KDDEBUGGER_DATA64) follow the offsets in
 * docs/protocol.md and are checked at compile time here and in
 * ../kdh-sim-layout.h.
 */
#pragma once

typedef unsigned char UCHAR, BOOLEAN;
typedef char CHAR;
typedef unsigned short USHORT, WCHAR;
typedef short SHORT;
typedef unsigned int ULONG;
typedef int LONG, NTSTATUS;
typedef unsigned long long ULONG64, ULONG_PTR, SIZE_T;
typedef long long LONG64;
typedef void VOID, *PVOID;

#define NULL ((void *) 0)
#define TRUE 1
#define FALSE 0
#define STATUS_SUCCESS ((NTSTATUS) 0)
#define STATUS_UNSUCCESSFUL ((NTSTATUS) 0xC0000001)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS) 0xC000009A)
#define STATUS_BREAKPOINT 0x80000003u

#define offsetof(t, f) __builtin_offsetof (t, f)
#define CONTAINING_RECORD(p, t, f) ((t *) ((char *) (p) - offsetof (t, f)))
#define STATIC_ASSERT(e) _Static_assert (e, #e)
#define NOINLINE __attribute__ ((noinline))

#ifdef KDH_GUEST_NT
#define NTKERNELAPI __declspec (dllexport)
#else
#define NTKERNELAPI __declspec (dllimport)
#endif

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start (ap, last)
#define va_arg(ap, type) __builtin_va_arg (ap, type)
#define va_end(ap) __builtin_va_end (ap)

typedef struct _LIST_ENTRY {
  struct _LIST_ENTRY *Flink;
  struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY;

typedef struct _UNICODE_STRING {
  USHORT Length;
  USHORT MaximumLength;
  WCHAR *Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

typedef struct _STRING {
  USHORT Length;
  USHORT MaximumLength;
  CHAR *Buffer;
} STRING, *PSTRING;

/* KLDR_DATA_TABLE_ENTRY: the records of PsLoadedModuleList. */
typedef struct _KLDR_DATA_TABLE_ENTRY {
  LIST_ENTRY InLoadOrderLinks;          /* 0x00 */
  PVOID ExceptionTable;                 /* 0x10 */
  ULONG ExceptionTableSize;             /* 0x18 */
  PVOID GpValue;                        /* 0x20 */
  PVOID NonPagedDebugInfo;              /* 0x28 */
  PVOID DllBase;                        /* 0x30 */
  PVOID EntryPoint;                     /* 0x38 */
  ULONG SizeOfImage;                    /* 0x40 */
  UNICODE_STRING FullDllName;           /* 0x48 */
  UNICODE_STRING BaseDllName;           /* 0x58 */
  ULONG Flags;                          /* 0x68 */
  USHORT LoadCount;                     /* 0x6C */
  USHORT SignatureLevel;                /* 0x6E */
  PVOID SectionPointer;                 /* 0x70 */
  ULONG CheckSum;                       /* 0x78 */
  ULONG CoverageSectionSize;            /* 0x7C */
  PVOID CoverageSection;                /* 0x80 */
  PVOID LoadedImports;                  /* 0x88 */
  PVOID Spare;                          /* 0x90 */
  ULONG SizeOfImageNotRounded;          /* 0x98 */
  ULONG TimeDateStamp;                  /* 0x9C */
} KLDR_DATA_TABLE_ENTRY, *PKLDR_DATA_TABLE_ENTRY;
STATIC_ASSERT (sizeof (KLDR_DATA_TABLE_ENTRY) == 0xA0);

/* What the host asks a processor to do next time it looks (the idle loop
 * polls these, as an interrupt controller's request lines). */
#define KDH_REQUEST_CLOCK        0x1u   /* a clock tick is due */
#define KDH_REQUEST_LOAD_DRIVER  0x2u   /* load RequestParameter (a KLDR entry) */
#define KDH_REQUEST_SERIAL       0x4u   /* COM1 has received a byte */

/* KPRCB: the per-processor block, at KPCR + 0x180. */
typedef struct _KPRCB {
  ULONG MxCsr;                          /* 0x00 */
  UCHAR LegacyNumber;                   /* 0x04 */
  UCHAR ReservedMustBeZero;             /* 0x05 */
  BOOLEAN InterruptRequest;             /* 0x06 */
  BOOLEAN IdleHalt;                     /* 0x07 */
  PVOID CurrentThread;                  /* 0x08 */
  PVOID NextThread;                     /* 0x10 */
  PVOID IdleThread;                     /* 0x18 */
  UCHAR NestingLevel;                   /* 0x20 */
  UCHAR ClockOwner;                     /* 0x21 */
  UCHAR PendingTickFlags;               /* 0x22 */
  UCHAR IdleState;                      /* 0x23 */
  ULONG Number;                         /* 0x24 */
  ULONG64 RspBase;                      /* 0x28 */
  ULONG64 PrcbLock;                     /* 0x30 */
  ULONG64 KdhRequests;                  /* 0x38: KDH_REQUEST_* bits, set by the host */
  ULONG64 KdhRequestParameter;          /* 0x40 */
  ULONG64 InterruptCount;               /* 0x48: clock ticks seen */
  ULONG64 KeTickCount;                  /* 0x50 */
  ULONG64 IdleCount;                    /* 0x58: passes through the idle loop */
  ULONG64 DpcTime;                      /* 0x60 */
  ULONG64 InterruptTime;                /* 0x68 */
  PVOID Context;                        /* 0x70: the CONTEXT saved when the processor was
                                           frozen (the host writes it at each stop) */
} KPRCB, *PKPRCB;

/* KPCR: what gs points at in kernel mode. */
typedef struct _KPCR {
  PVOID GdtBase;                        /* 0x00 */
  PVOID TssBase;                        /* 0x08 */
  ULONG64 UserRsp;                      /* 0x10 */
  struct _KPCR *Self;                   /* 0x18 */
  PKPRCB CurrentPrcb;                   /* 0x20 */
  PVOID LockArray;                      /* 0x28 */
  PVOID Used_Self;                      /* 0x30 */
  PVOID IdtBase;                        /* 0x38 */
  ULONG64 Unused[2];                    /* 0x40 */
  UCHAR Irql;                           /* 0x50 */
  UCHAR SecondLevelCacheAssociativity;  /* 0x51 */
  UCHAR ObsoleteNumber;                 /* 0x52 */
  UCHAR Fill0;                          /* 0x53 */
  ULONG Unused0[3];                     /* 0x54 */
  USHORT MajorVersion;                  /* 0x60 */
  USHORT MinorVersion;                  /* 0x62 */
  ULONG StallScaleFactor;               /* 0x64 */
  PVOID Unused1[3];                     /* 0x68 */
  ULONG KernelReserved[15];             /* 0x80 */
  ULONG SecondLevelCacheSize;           /* 0xBC */
  ULONG HalReserved[16];                /* 0xC0 */
  ULONG Unused2;                        /* 0x100 */
  PVOID KdVersionBlock;                 /* 0x108 */
  PVOID Unused3;                        /* 0x110 */
  ULONG PcrAlign1[24];                  /* 0x118 */
  ULONG64 Pad;                          /* 0x178 */
  KPRCB Prcb;                           /* 0x180 */
} KPCR, *PKPCR;
STATIC_ASSERT (offsetof (KPCR, Self) == 0x18);
STATIC_ASSERT (offsetof (KPCR, Irql) == 0x50);
STATIC_ASSERT (offsetof (KPCR, Prcb) == 0x180);
STATIC_ASSERT (offsetof (KPRCB, Number) == 0x24);
STATIC_ASSERT (offsetof (KPRCB, KdhRequests) == 0x38);

/* KD_SYMBOLS_INFO, the second argument of the load-symbols debug service. */
typedef struct _KD_SYMBOLS_INFO {
  PVOID BaseOfDll;
  ULONG_PTR ProcessId;
  ULONG CheckSum;
  ULONG SizeOfImage;
} KD_SYMBOLS_INFO, *PKD_SYMBOLS_INFO;

/* Debug services (int 2Dh), as the NT kernel numbers them. */
#define BREAKPOINT_PRINT            1
#define BREAKPOINT_PROMPT           2
#define BREAKPOINT_LOAD_SYMBOLS     3
#define BREAKPOINT_UNLOAD_SYMBOLS   4

#define DBG_STATUS_CONTROL_C        1
#define DBG_STATUS_BUGCHECK_FIRST   3

#define MANUALLY_INITIATED_CRASH    0xE2

typedef VOID (*PKDH_TICK_ROUTINE) (ULONG Processor, ULONG64 InterruptTime);

static inline PKPRCB
KeGetCurrentPrcb (void)
{
  PKPRCB prcb;

  __asm__ volatile ("movq %%gs:0x20, %0" : "=r" (prcb));
  return prcb;
}

/* The KPCR through its Self field, as Windows' x64 KeGetPcr() reads it. */
static inline PKPCR
KeGetPcr (void)
{
  PKPCR pcr;

  __asm__ volatile ("movq %%gs:0x18, %0" : "=r" (pcr));
  return pcr;
}

/* ntoskrnl.exe's exports used by the drivers. */
#ifndef KDH_GUEST_NT
NTKERNELAPI extern BOOLEAN KdDebuggerNotPresent;
#endif
NTKERNELAPI ULONG DbgPrint (const CHAR *Format, ...);
NTKERNELAPI ULONG DbgPrintEx (ULONG ComponentId, ULONG Level, const CHAR *Format, ...);
NTKERNELAPI VOID DbgBreakPoint (void);
NTKERNELAPI VOID DbgBreakPointWithStatus (ULONG Status);
NTKERNELAPI VOID KeBugCheckEx (ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3,
                               ULONG_PTR P4);
NTKERNELAPI PVOID ExAllocatePoolWithTag (ULONG PoolType, SIZE_T NumberOfBytes, ULONG Tag);
NTKERNELAPI VOID ExFreePoolWithTag (PVOID P, ULONG Tag);
NTKERNELAPI VOID RtlInitUnicodeString (PUNICODE_STRING Destination, const WCHAR *Source);
NTKERNELAPI ULONG KeGetCurrentProcessorNumber (void);
NTKERNELAPI NTSTATUS KdhRegisterTickRoutine (PKDH_TICK_ROUTINE Routine);
