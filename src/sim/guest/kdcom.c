/* kdcom.c: the simulated kernel debugger transport DLL
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The packets themselves are the host's business (kdh-sim-target.c plays
 * the kernel's debugger stub); what runs here is the poll the kernel makes
 * on every clock tick for the break-in byte, reading COM1's registers as
 * kdcom does: the line status register's data-ready bit, then the byte.
 */
#include "kdh-guest.h"

#define COM1_BASE 0x3F8
#define COM_RBR   0    /* receive buffer */
#define COM_LSR   5    /* line status */
#define LSR_DR    0x01 /* data ready */

#define PACKET_TYPE_KD_POLL_BREAKIN 8
#define KDP_PACKET_RECEIVED 0
#define KDP_PACKET_TIMEOUT 1
#define KDP_PACKET_RESEND 2
#define BREAKIN_PACKET_BYTE 0x62

static UCHAR
read_port (USHORT port)
{
  UCHAR value;

  __asm__ volatile ("inb %1, %0" : "=a" (value) : "Nd" (port));
  return value;
}

__declspec (dllexport) NTSTATUS
KdDebuggerInitialize0 (PVOID LoaderBlock)
{
  return STATUS_SUCCESS;
}

__declspec (dllexport) NTSTATUS
KdDebuggerInitialize1 (PVOID LoaderBlock)
{
  return STATUS_SUCCESS;
}

__declspec (dllexport) NTSTATUS
KdSave (BOOLEAN SleepTransition)
{
  return STATUS_SUCCESS;
}

__declspec (dllexport) NTSTATUS
KdRestore (BOOLEAN SleepTransition)
{
  return STATUS_SUCCESS;
}

/* Only the break-in poll is served here; anything else times out. */
__declspec (dllexport) ULONG
KdReceivePacket (ULONG  PacketType,
                 PVOID  MessageHeader,
                 PVOID  MessageData,
                 ULONG *DataLength,
                 PVOID  Context)
{
  if (PacketType != PACKET_TYPE_KD_POLL_BREAKIN)
    return KDP_PACKET_TIMEOUT;
  if (!(read_port (COM1_BASE + COM_LSR) & LSR_DR))
    return KDP_PACKET_TIMEOUT;
  return read_port (COM1_BASE + COM_RBR) == BREAKIN_PACKET_BYTE ? KDP_PACKET_RECEIVED
                                                                : KDP_PACKET_TIMEOUT;
}

NTSTATUS
KdComDllInitialize (PVOID Reserved)
{
  return STATUS_SUCCESS;
}
