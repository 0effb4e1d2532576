/* bootdrv.c: a boot driver of the simulated machine that only starts
 * (ACPI.sys and Ntfs.sys are built from it, under their names, so that the
 * module list looks like a Windows machine's).
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-guest.h"

static ULONG DriverStarted;

NTSTATUS
DriverEntry (PVOID DriverObject, PUNICODE_STRING RegistryPath)
{
  DriverStarted++;
  return STATUS_SUCCESS;
}
