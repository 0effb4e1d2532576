/* ntoskrnl.c: the simulated kernel's processors, clock, debugger services and bug check
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every processor enters KiSystemStartup from the loader and ends in
 * KiIdleLoop, halted until the host raises one of its request lines
 * (KPRCB.KdhRequests): a clock tick, or a driver to load. A tick goes
 * KiIdleLoop -> KiClockInterrupt -> KeUpdateSystemTime, which keeps the
 * clocks in KUSER_SHARED_DATA (on processor 0, which also polls kdcom for
 * the debugger's break-in byte) and calls the registered tick routines on
 * every processor. Debugger services go through int 2Dh as on Windows.
 */
#define KDH_GUEST_NT
#include "nt.h"

#define MAX_TICK_ROUTINES 8


static PKDH_TICK_ROUTINE KiTickRoutines[MAX_TICK_ROUTINES];
static volatile LONG KiBugCheckActive;
static volatile ULONG KiBugCheckProcessor;

typedef struct _KSYSTEM_TIME {
  ULONG LowPart;
  LONG High1Time;
  LONG High2Time;
} KSYSTEM_TIME;

static ULONG64
read_system_time (volatile KSYSTEM_TIME *t)
{
  return ((ULONG64) (ULONG) t->High1Time << 32) | t->LowPart;
}

static void
write_system_time (volatile KSYSTEM_TIME *t,
                   ULONG64                value)
{
  /* High2Time first, as readers compare it with High1Time. */
  t->High2Time = (LONG) (value >> 32);
  t->LowPart = (ULONG) value;
  t->High1Time = (LONG) (value >> 32);
}

#define KUSER_INTERRUPT_TIME ((volatile KSYSTEM_TIME *) (KUSER_SHARED_DATA_ADDRESS + 0x008))
#define KUSER_SYSTEM_TIME    ((volatile KSYSTEM_TIME *) (KUSER_SHARED_DATA_ADDRESS + 0x014))
#define KUSER_TICK_COUNT     ((volatile KSYSTEM_TIME *) (KUSER_SHARED_DATA_ADDRESS + 0x320))

/* ---- Debugger services ------------------------------------------------- */

/* First in the image, so that they keep their addresses (nt+0x1000 and
 * nt+0x1010) whatever else changes: the debugger's tests and its users'
 * scripts know the break-in address. */
NTKERNELAPI __attribute__ ((naked)) VOID
DbgBreakPoint (void)
{
  __asm__ volatile ("int3\n\tret");
}

NTKERNELAPI __attribute__ ((naked)) VOID
DbgBreakPointWithStatus (ULONG Status)
{
  __asm__ volatile ("int3\n\tret");
}


/* int 2Dh with the service in eax; the int 3 after it is stepped over by
 * the trap handler (here: the host), as on Windows. */
__attribute__ ((naked)) ULONG_PTR
DebugService (ULONG Service, PVOID Argument1, PVOID Argument2, ULONG_PTR Argument3,
              ULONG_PTR Argument4)
{
  __asm__ volatile ("movl %ecx, %eax\n\t"
                    "movq %rdx, %rcx\n\t"
                    "movq %r8, %rdx\n\t"
                    "movq %r9, %r8\n\t"
                    "int $0x2d\n\t"
                    "int3\n\t"
                    "ret");
}

ULONG
vDbgPrintExWithPrefix (const CHAR *Prefix,
                       ULONG       ComponentId,
                       ULONG       Level,
                       const CHAR *Format,
                       va_list     ap)
{
  CHAR buffer[512];
  ULONG n = 0, status;

  while (Prefix != NULL && *Prefix != 0 && n < sizeof buffer - 1)
    buffer[n++] = *Prefix++;
  n += KdhFormatString (buffer + n, sizeof buffer - n, Format, ap);
  if (KdDebuggerNotPresent)
    return STATUS_SUCCESS;
  status = (ULONG) DebugService (BREAKPOINT_PRINT, buffer, (PVOID) (ULONG_PTR) n, ComponentId,
                                 Level);
  /* The debugger's break-in byte came while the line went out. */
  if (status == STATUS_BREAKPOINT)
    {
      DbgBreakPointWithStatus (DBG_STATUS_CONTROL_C);
      status = STATUS_SUCCESS;
    }
  return status;
}

NTKERNELAPI ULONG
DbgPrint (const CHAR *Format, ...)
{
  va_list ap;
  ULONG status;

  va_start (ap, Format);
  status = vDbgPrintExWithPrefix ("", 101 /* DPFLTR_DEFAULT_ID */, 0, Format, ap);
  va_end (ap);
  return status;
}

NTKERNELAPI ULONG
DbgPrintEx (ULONG ComponentId, ULONG Level, const CHAR *Format, ...)
{
  va_list ap;
  ULONG status;

  va_start (ap, Format);
  status = vDbgPrintExWithPrefix ("", ComponentId, Level, Format, ap);
  va_end (ap);
  return status;
}

BOOLEAN
KdPollBreakIn (void)
{
  return KdReceivePacket (PACKET_TYPE_KD_POLL_BREAKIN, NULL, NULL, NULL, NULL)
         == KDP_PACKET_RECEIVED;
}

/* COM1's receive interrupt: the debugger's byte is looked at now rather
 * than on the next clock tick. */
static NOINLINE VOID
KdpSerialInterrupt (void)
{
  if (KdPollBreakIn ())
    DbgBreakPointWithStatus (DBG_STATUS_CONTROL_C);
}

/* ---- Bug check ---------------------------------------------------------- */

NTKERNELAPI VOID
KeBugCheckEx (ULONG     BugCheckCode,
              ULONG_PTR P1,
              ULONG_PTR P2,
              ULONG_PTR P3,
              ULONG_PTR P4)
{
  __asm__ volatile ("cli");
  KiBugCheckProcessor = KeGetCurrentPrcb ()->Number;
  KiBugCheckActive = 1;
  KiBugCheckData[0] = BugCheckCode;
  KiBugCheckData[1] = P1;
  KiBugCheckData[2] = P2;
  KiBugCheckData[3] = P3;
  KiBugCheckData[4] = P4;
  DbgPrint ("\n*** Fatal System Error: 0x%08lx\n"
            "                       (0x%p,0x%p,0x%p,0x%p)\n\n",
            BugCheckCode, (PVOID) P1, (PVOID) P2, (PVOID) P3, (PVOID) P4);
  DbgBreakPointWithStatus (DBG_STATUS_BUGCHECK_FIRST);
  /* No dump to write and nothing to restart: stay here, answering the
   * debugger's break-in on the clock. */
  for (;;)
    {
      PKPRCB prcb = KeGetCurrentPrcb ();

      /* Halted as idle processors are: the host wakes it for a tick. */
      prcb->IdleHalt = TRUE;
      __asm__ volatile ("hlt" : : : "memory");
      prcb->IdleHalt = FALSE;
      prcb->KdhRequests = 0;
      if (KdPollBreakIn ())
        DbgBreakPointWithStatus (DBG_STATUS_CONTROL_C);
    }
}

NTKERNELAPI VOID
KeBugCheck (ULONG BugCheckCode)
{
  KeBugCheckEx (BugCheckCode, 0, 0, 0, 0);
}

/* ---- The clock ---------------------------------------------------------- */

NTKERNELAPI NTSTATUS
KdhRegisterTickRoutine (PKDH_TICK_ROUTINE Routine)
{
  for (ULONG i = 0; i < MAX_TICK_ROUTINES; i++)
    if (KiTickRoutines[i] == NULL)
      {
        KiTickRoutines[i] = Routine;
        return STATUS_SUCCESS;
      }
  return STATUS_INSUFFICIENT_RESOURCES;
}

NTKERNELAPI ULONG
KeGetCurrentProcessorNumber (void)
{
  return KeGetCurrentPrcb ()->Number;
}

/* The interrupt time in 100 ns units, from KUSER_SHARED_DATA. */
NTKERNELAPI ULONG64
KeQueryInterruptTime (void)
{
  return read_system_time (KUSER_INTERRUPT_TIME);
}

/* Counts at 10 MHz, as Windows 10's does on a machine with an invariant TSC. */
NTKERNELAPI LONG64
KeQueryPerformanceCounter (LONG64 *PerformanceFrequency)
{
  if (PerformanceFrequency != NULL)
    *PerformanceFrequency = 10000000;
  return (LONG64) KeQueryInterruptTime ();
}

NTKERNELAPI VOID
KeUpdateSystemTime (ULONG Increment)
{
  PKPRCB prcb = KeGetCurrentPrcb ();
  ULONG64 interrupt_time;

  if (prcb->Number == 0)
    {
      write_system_time (KUSER_INTERRUPT_TIME, read_system_time (KUSER_INTERRUPT_TIME) + Increment);
      write_system_time (KUSER_SYSTEM_TIME, read_system_time (KUSER_SYSTEM_TIME) + Increment);
      write_system_time (KUSER_TICK_COUNT, read_system_time (KUSER_INTERRUPT_TIME) / 156250);
      if (KdPollBreakIn ())
        DbgBreakPointWithStatus (DBG_STATUS_CONTROL_C);
    }
  interrupt_time = read_system_time (KUSER_INTERRUPT_TIME);
  prcb->InterruptCount++;
  prcb->KeTickCount++;
  prcb->InterruptTime = interrupt_time;
  for (ULONG i = 0; i < MAX_TICK_ROUTINES; i++)
    if (KiTickRoutines[i] != NULL)
      KiTickRoutines[i] (prcb->Number, interrupt_time);
}

static NOINLINE VOID
KiClockInterrupt (PKPRCB Prcb)
{
  Prcb->InterruptRequest = TRUE;
  KeUpdateSystemTime (KeTimeIncrement);
  Prcb->InterruptRequest = FALSE;
}

/* ---- Processors --------------------------------------------------------- */

VOID
KiIdleLoop (void)
{
  PKPRCB prcb = KeGetCurrentPrcb ();

  for (;;)
    {
      ULONG64 requests = prcb->KdhRequests;

      prcb->IdleCount++;
      if (KiBugCheckActive && KiBugCheckProcessor != prcb->Number)
        {
          /* Frozen by the bug check, as by its IPI. */
          prcb->KdhRequests = 0;
          prcb->IdleHalt = TRUE;
          __asm__ volatile ("hlt" : : : "memory");
          prcb->IdleHalt = FALSE;
          continue;
        }
      if (requests == 0)
        {
          prcb->IdleHalt = TRUE;
          __asm__ volatile ("hlt" : : : "memory");
          prcb->IdleHalt = FALSE;
          continue;
        }
      prcb->KdhRequests = 0;
      if (requests & KDH_REQUEST_SERIAL)
        KdpSerialInterrupt ();
      if (requests & KDH_REQUEST_LOAD_DRIVER)
        IopLoadDriver ((PKLDR_DATA_TABLE_ENTRY) prcb->KdhRequestParameter);
      if (requests & KDH_REQUEST_CLOCK)
        KiClockInterrupt (prcb);
    }
}

/* A driver the host has placed in memory, relocated and bound: announce
 * it to the debugger, list it and start it. */
VOID
IopLoadDriver (PKLDR_DATA_TABLE_ENTRY Entry)
{
  CHAR name[128];
  STRING file_name = { 0, sizeof name, name };
  KD_SYMBOLS_INFO info = { Entry->DllBase, 0, Entry->CheckSum, Entry->SizeOfImage };
  UNICODE_STRING registry_path;
  PLIST_ENTRY tail = PsLoadedModuleList.Blink;

  for (USHORT i = 0; i < Entry->FullDllName.Length / 2 && i < sizeof name - 1; i++)
    name[file_name.Length++] = (CHAR) Entry->FullDllName.Buffer[i];
  name[file_name.Length] = 0;

  Entry->InLoadOrderLinks.Flink = &PsLoadedModuleList;
  Entry->InLoadOrderLinks.Blink = tail;
  tail->Flink = &Entry->InLoadOrderLinks;
  PsLoadedModuleList.Blink = &Entry->InLoadOrderLinks;

  if (!KdDebuggerNotPresent)
    DebugService (BREAKPOINT_LOAD_SYMBOLS, &file_name, &info, 0, 0);
  RtlInitUnicodeString (&registry_path, u"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\kdhtest");
  ((PDRIVER_INITIALIZE) Entry->EntryPoint) (NULL, &registry_path);
}

/* Never called: KDDEBUGGER_DATA64 names it. */
__attribute__ ((naked)) VOID
KiCallUserMode (void)
{
  __asm__ volatile ("int3\n\tret");
}

/* System calls: the simulated machine runs no user mode, so every
 * service number is invalid; the stack switch and return are the real
 * ones. */
__attribute__ ((naked)) VOID
KiSystemCall64 (void)
{
  __asm__ volatile ("swapgs\n\t"
                    "movq %rsp, %gs:0x10\n\t"          /* KPCR.UserRsp */
                    "movq %gs:0x1a8, %rsp\n\t"         /* KPRCB.RspBase */
                    "movl $0xC000001C, %eax\n\t"       /* STATUS_INVALID_SYSTEM_SERVICE */
                    "movq %gs:0x10, %rsp\n\t"
                    "swapgs\n\t"
                    "sysretq");
}

__attribute__ ((naked)) VOID
KiSystemCall32 (void)
{
  __asm__ volatile ("swapgs\n\t"
                    "movl $0xC000001C, %eax\n\t"
                    "swapgs\n\t"
                    "sysretl");
}

static VOID
wrmsr (ULONG msr, ULONG64 value)
{
  __asm__ volatile ("wrmsr" : : "c" (msr), "a" ((ULONG) value), "d" ((ULONG) (value >> 32)));
}

static VOID
KiInitializeSystemCalls (void)
{
  wrmsr (0xC0000081, 0x0023001000000000ull);       /* STAR: syscall cs 0x10, sysret 0x23 */
  wrmsr (0xC0000082, (ULONG64) KiSystemCall64);    /* LSTAR */
  wrmsr (0xC0000083, (ULONG64) KiSystemCall32);    /* CSTAR */
  wrmsr (0xC0000084, 0x4700);                      /* SFMASK: TF IF DF NT */
}

/* The entry point of every processor. Processor 0 starts the boot drivers
 * the loader lists; then each goes idle. */
VOID
KiSystemStartup (PKDH_LOADER_BLOCK LoaderBlock)
{
  /* Through the KPCR (which also puts its type in the PDB, for !pcr). */
  PKPRCB prcb = KeGetPcr ()->CurrentPrcb;

  KiInitializeSystemCalls ();
  if (prcb->Number == 0)
    {
      UNICODE_STRING registry_path;

      KeNumberProcessors = LoaderBlock->NumberProcessors;
      MmNonPagedPoolNext = LoaderBlock->PoolStart;
      MmNonPagedPoolEnd = LoaderBlock->PoolEnd;
      RtlInitUnicodeString (&registry_path, u"\\Registry\\Machine\\System\\CurrentControlSet\\Services");
      for (ULONG i = 0; i < LoaderBlock->BootDriverCount; i++)
        ((PDRIVER_INITIALIZE) LoaderBlock->BootDrivers[i]->EntryPoint) (NULL, &registry_path);
    }
  KiProcessorBlock[prcb->Number] = prcb;
  KiIdleLoop ();
}
