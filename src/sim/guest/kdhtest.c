/* kdhtest.c: the test driver of the simulated machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DriverEntry builds a list of devices and registers KdhTestTick with the
 * kernel, which calls it on every clock tick on every processor. A tick
 * counts itself in KdhTestTickCount, walks the devices three calls deep
 * (so a breakpoint there shows a real stack) and, on processor 0, prints
 * the DbgPrint lines kdhost-sim's --dbgprint-rate asks for, numbered.
 * A second tick routine, KdhTestNestEntry, calls KdhTestNest recursively
 * KDHTEST_NEST_DEPTH times down to KdhTestNestLeaf: a deep stack for
 * debuggers, with a parameter passed on the stack (the fifth).
 */
#include "kdh-guest.h"

#define KDHTEST_TAG 0x7448444B          /* 'KDHt' */
#define KDHTEST_DEVICES 3
#define KDHTEST_SAMPLES 4
/* At most this many lines from one tick while catching up (or flooding). */
#define KDHTEST_BURST 10
#define KDHTEST_FLOOD_BURST 1024
#define KDHTEST_NEST_DEPTH 8

typedef enum _KDHTEST_DEVICE_KIND {
  KdhTestDeviceTimer = 1,
  KdhTestDeviceCounter = 2,
  KdhTestDeviceLogger = 3,
} KDHTEST_DEVICE_KIND;

typedef struct _KDHTEST_STATISTICS {
  ULONG64 Updates;
  ULONG LastProcessor;
  LONG MinDelta;
  LONG MaxDelta;
  ULONG64 LastInterruptTime;
} KDHTEST_STATISTICS;

typedef struct _KDHTEST_DEVICE {
  struct _KDHTEST_DEVICE *Next;
  ULONG Id;
  KDHTEST_DEVICE_KIND Kind;
  USHORT Flags;
  UCHAR Enabled;
  CHAR Name[16];
  const CHAR *Description;
  KDHTEST_STATISTICS Statistics;
  ULONG64 Samples[KDHTEST_SAMPLES];
  ULONG SampleIndex;
} KDHTEST_DEVICE, *PKDHTEST_DEVICE;

/* Set by the loader from kdhost-sim's --dbgprint-rate, as a driver reads a
 * registry value: the time between lines in 100 ns units; 0 prints
 * nothing; 1 prints as fast as the debugger takes them. */
__declspec (dllexport) ULONG64 KdhTestPrintInterval;
__declspec (dllexport) volatile ULONG64 KdhTestTickCount;
__declspec (dllexport) ULONG64 KdhTestPrintSequence;
__declspec (dllexport) PKDHTEST_DEVICE KdhTestDeviceList;

static ULONG64 KdhTestPrintStart;
static ULONG64 KdhTestPrintSlots;

static const CHAR *const KdhTestDescriptions[KDHTEST_DEVICES] = {
  "periodic timer", "event counter", "line logger",
};

static NOINLINE VOID
KdhTestRecordSample (KDHTEST_STATISTICS *Statistics,
                     ULONG64             Sample,
                     ULONG               Processor)
{
  LONG delta = (LONG) (Sample - Statistics->LastInterruptTime);

  if (Statistics->Updates > 0)
    {
      if (delta < Statistics->MinDelta || Statistics->Updates == 1)
        Statistics->MinDelta = delta;
      if (delta > Statistics->MaxDelta)
        Statistics->MaxDelta = delta;
    }
  Statistics->LastInterruptTime = Sample;
  Statistics->LastProcessor = Processor;
  Statistics->Updates++;
}

static NOINLINE VOID
KdhTestUpdateDevice (PKDHTEST_DEVICE Device,
                     ULONG           Processor,
                     ULONG64         InterruptTime)
{
  Device->Samples[Device->SampleIndex] = InterruptTime;
  Device->SampleIndex = (Device->SampleIndex + 1) % KDHTEST_SAMPLES;
  KdhTestRecordSample (&Device->Statistics, InterruptTime, Processor);
}

static NOINLINE ULONG
KdhTestWalkDevices (ULONG   Processor,
                    ULONG64 InterruptTime)
{
  ULONG updated = 0;

  for (PKDHTEST_DEVICE d = KdhTestDeviceList; d != NULL; d = d->Next)
    if (d->Enabled)
      {
        KdhTestUpdateDevice (d, Processor, InterruptTime);
        updated++;
      }
  return updated;
}

static NOINLINE VOID
KdhTestPrintDue (ULONG64 InterruptTime)
{
  ULONG64 interval = KdhTestPrintInterval;
  ULONG64 due, burst;

  /* Numbered lines for a debugger that listens: none are made (and no
   * number is used) while nobody does. */
  if (interval == 0 || KdDebuggerNotPresent)
    return;
  if (KdhTestPrintStart == 0)
    KdhTestPrintStart = InterruptTime;
  if (interval == 1)
    {
      due = KdhTestPrintSlots + KDHTEST_FLOOD_BURST;
      burst = KDHTEST_FLOOD_BURST;
    }
  else
    {
      due = (InterruptTime - KdhTestPrintStart) / interval + 1;
      burst = KDHTEST_BURST;
    }
  /* Behind by more than a burst (the debugger held the machine): the
   * lines of the missed time are not made up for. */
  if (due > KdhTestPrintSlots + burst)
    KdhTestPrintSlots = due - burst;
  while (KdhTestPrintSlots < due)
    {
      KdhTestPrintSlots++;
      DbgPrint ("kdhtest: dbgprint seq=%08I64u\n", KdhTestPrintSequence++);
    }
}

__declspec (dllexport) VOID
KdhTestTick (ULONG   Processor,
             ULONG64 InterruptTime)
{
  __atomic_fetch_add (&KdhTestTickCount, 1, __ATOMIC_SEQ_CST);
  KdhTestWalkDevices (Processor, InterruptTime);
  if (Processor == 0)
    KdhTestPrintDue (InterruptTime);
}

/* After DriverEntry, so that the code before it keeps its place. */
__declspec (dllexport) VOID KdhTestNestEntry (ULONG   Processor,
                                             ULONG64 InterruptTime);

NTSTATUS
DriverEntry (PVOID           DriverObject,
             PUNICODE_STRING RegistryPath)
{
  PKDHTEST_DEVICE *tail = &KdhTestDeviceList;

  for (ULONG i = 0; i < KDHTEST_DEVICES; i++)
    {
      PKDHTEST_DEVICE d = ExAllocatePoolWithTag (0, sizeof *d, KDHTEST_TAG);

      if (d == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
      d->Id = 0x100 + i;
      d->Kind = (KDHTEST_DEVICE_KIND) (i + 1);
      d->Flags = (USHORT) (1u << i);
      d->Enabled = TRUE;
      d->Name[0] = 'k';
      d->Name[1] = 'd';
      d->Name[2] = 'h';
      d->Name[3] = (CHAR) ('0' + i);
      d->Description = KdhTestDescriptions[i];
      *tail = d;
      tail = &d->Next;
    }
  if (KdhRegisterTickRoutine (KdhTestNestEntry) != STATUS_SUCCESS)
    return STATUS_INSUFFICIENT_RESOURCES;
  return KdhRegisterTickRoutine (KdhTestTick);
}

/* What each level of the recursion returned, so that each call does work
 * after its callee returns and stays a real call. */
__declspec (dllexport) ULONG64 KdhTestNestTrail[KDHTEST_NEST_DEPTH + 1];

static NOINLINE ULONG64
KdhTestNestLeaf (ULONG64 Seed,
                 ULONG   Stride)
{
  return Seed ^ ((ULONG64) Stride << 32);
}

/* Exported, so that the compiler keeps its five parameters as declared
 * (the fifth on the stack, as x64 passes every one after the fourth). */
__declspec (dllexport) NOINLINE ULONG64
KdhTestNest (ULONG   Depth,
             ULONG   Processor,
             ULONG64 InterruptTime,
             ULONG64 Seed,
             ULONG   Stride)
{
  ULONG64 r;

  if (Depth == 0)
    return KdhTestNestLeaf (Seed + InterruptTime, Stride + Processor);
  r = KdhTestNest (Depth - 1, Processor, InterruptTime, Seed * 3 + Depth, Stride + 1);
  KdhTestNestTrail[Depth] = r;
  return r + Depth;
}

__declspec (dllexport) VOID
KdhTestNestEntry (ULONG   Processor,
                 ULONG64 InterruptTime)
{
  KdhTestNestTrail[0] = KdhTestNest (KDHTEST_NEST_DEPTH, Processor, InterruptTime,
                                     KdhTestTickCount, (ULONG) InterruptTime & 0xFF);
}
