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
 */
#include "kdh-guest.h"

#define KDHTEST_TAG 0x7448444B          /* 'KDHt' */
#define KDHTEST_DEVICES 3
#define KDHTEST_SAMPLES 4
/* At most this many lines from one tick while catching up (or flooding). */
#define KDHTEST_BURST 10
#define KDHTEST_FLOOD_BURST 1024

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
  return KdhRegisterTickRoutine (KdhTestTick);
}
