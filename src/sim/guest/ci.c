/* ci.c: the simulated code integrity DLL: present in the module list, as on
 * Windows; nothing on the simulated machine asks it anything.
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-guest.h"

static ULONG CiPolicy;

__declspec (dllexport) NTSTATUS
CiInitialize (ULONG Flags, PVOID Reserved)
{
  CiPolicy = Flags;
  return STATUS_SUCCESS;
}

__declspec (dllexport) ULONG
CiQueryPolicy (void)
{
  return CiPolicy;
}

NTSTATUS
CiDllInitialize (PVOID Reserved)
{
  return STATUS_SUCCESS;
}
