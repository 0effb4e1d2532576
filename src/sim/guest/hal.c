/* hal.c: the simulated hardware abstraction layer
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-guest.h"

NTKERNELAPI ULONG64 KeQueryInterruptTime (void);

typedef struct _TIME_FIELDS {
  SHORT Year, Month, Day, Hour, Minute, Second, Milliseconds, Weekday;
} TIME_FIELDS;

/* Waits by the interrupt time: on the simulated machine the clock is the
 * only thing that tells time. Returns early if the clock is stopped, after
 * a bounded number of polls. */
__declspec (dllexport) VOID
KeStallExecutionProcessor (ULONG MicroSeconds)
{
  ULONG64 end = KeQueryInterruptTime () + (ULONG64) MicroSeconds * 10;

  for (ULONG i = 0; i < 1000000 && KeQueryInterruptTime () < end; i++)
    __asm__ volatile ("pause");
}

/* The real-time clock, from the system time (100 ns since 1601) in
 * KUSER_SHARED_DATA, by the proleptic Gregorian calendar. */
__declspec (dllexport) BOOLEAN
HalQueryRealTimeClock (TIME_FIELDS *Time)
{
  ULONG64 t = *(volatile ULONG64 *) 0xFFFFF78000000014ull / 10000;
  ULONG64 days = t / 86400000;
  ULONG ms = (ULONG) (t % 86400000);
  ULONG year = 1601;

  for (;;)
    {
      ULONG len = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 366 : 365;

      if (days < len)
        break;
      days -= len;
      year++;
    }
  Time->Year = (SHORT) year;
  Time->Milliseconds = (SHORT) (ms % 1000);
  Time->Second = (SHORT) (ms / 1000 % 60);
  Time->Minute = (SHORT) (ms / 60000 % 60);
  Time->Hour = (SHORT) (ms / 3600000);
  for (Time->Month = 1; Time->Month <= 12; Time->Month++)
    {
      static const UCHAR length[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
      ULONG len = length[Time->Month - 1];

      if (Time->Month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        len++;
      if (days < len)
        break;
      days -= len;
    }
  Time->Day = (SHORT) (days + 1);
  Time->Weekday = 0;
  return TRUE;
}

__declspec (dllexport) BOOLEAN
HalMakeBeep (ULONG Frequency)
{
  return FALSE;
}

__declspec (dllexport) VOID
HalReturnToFirmware (ULONG Routine)
{
  for (;;)
    __asm__ volatile ("cli; hlt");
}

NTSTATUS
HalDllInitialize (PVOID Reserved)
{
  return STATUS_SUCCESS;
}
