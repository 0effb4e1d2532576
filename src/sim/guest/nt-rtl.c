/* nt-rtl.c: the simulated kernel's run-time library: formatting, strings, pool
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define KDH_GUEST_NT
#include "nt.h"

/* ---- Memory and strings ------------------------------------------------- */

NTKERNELAPI void *
memset (void *s, int c, SIZE_T n)
{
  volatile UCHAR *p = s;

  while (n--)
    *p++ = (UCHAR) c;
  return s;
}

NTKERNELAPI void *
memcpy (void *d, const void *s, SIZE_T n)
{
  volatile UCHAR *dp = d;
  const UCHAR *sp = s;

  while (n--)
    *dp++ = *sp++;
  return d;
}

NTKERNELAPI SIZE_T
RtlCompareMemory (const void *a, const void *b, SIZE_T n)
{
  const UCHAR *pa = a, *pb = b;
  SIZE_T i = 0;

  while (i < n && pa[i] == pb[i])
    i++;
  return i;
}

NTKERNELAPI VOID
RtlInitUnicodeString (PUNICODE_STRING Destination,
                      const WCHAR    *Source)
{
  USHORT n = 0;

  while (Source != NULL && Source[n] != 0)
    n++;
  Destination->Length = (USHORT) (n * 2);
  Destination->MaximumLength = (USHORT) (n * 2 + 2);
  Destination->Buffer = (WCHAR *) Source;
}

/* ---- Nonpaged pool: a bump allocator over what the loader handed over,
 * each block after a POOL_HEADER carrying its tag. Freed blocks are not
 * reused: the simulated machine allocates only while starting drivers. */

NTKERNELAPI PVOID
ExAllocatePoolWithTag (ULONG  PoolType,
                       SIZE_T NumberOfBytes,
                       ULONG  Tag)
{
  SIZE_T blocks = (NumberOfBytes + 16 + 15) / 16;
  ULONG64 header = MmNonPagedPoolNext;
  UCHAR *h = (UCHAR *) header;

  if (header == 0 || blocks * 16 > MmNonPagedPoolEnd - header)
    return NULL;
  MmNonPagedPoolNext = header + blocks * 16;
  memset (h, 0, blocks * 16);
  h[2] = (UCHAR) (blocks > 0xFF ? 0xFF : blocks);   /* BlockSize */
  h[3] = 0x02;                                      /* PoolType: nonpaged */
  *(ULONG *) (h + 4) = Tag;
  return h + 16;
}

NTKERNELAPI VOID
ExFreePoolWithTag (PVOID P, ULONG Tag)
{
  if (P != NULL)
    ((UCHAR *) P)[-16 + 3] = 0;                     /* marked free */
}

/* ---- Exports by name, from our own export directory --------------------- */

extern const UCHAR __ImageBase[];

static int
str_equal (const CHAR *a, const CHAR *b)
{
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

NTKERNELAPI PVOID
MmGetSystemRoutineAddress (PUNICODE_STRING SystemRoutineName)
{
  const UCHAR *base = __ImageBase;
  ULONG nt = *(const ULONG *) (base + 0x3C);
  ULONG dir_rva = *(const ULONG *) (base + nt + 24 + 0x70);
  const ULONG *dir = (const ULONG *) (base + dir_rva);
  const ULONG *functions = (const ULONG *) (base + dir[7]);
  const ULONG *names = (const ULONG *) (base + dir[8]);
  const USHORT *ordinals = (const USHORT *) (base + dir[9]);
  CHAR wanted[64];
  USHORT n = SystemRoutineName->Length / 2;

  if (n >= sizeof wanted)
    return NULL;
  for (USHORT i = 0; i < n; i++)
    wanted[i] = (CHAR) SystemRoutineName->Buffer[i];
  wanted[n] = 0;
  for (ULONG i = 0; i < dir[6]; i++)
    if (str_equal ((const CHAR *) base + names[i], wanted))
      return (PVOID) (base + functions[ordinals[i]]);
  return NULL;
}

/* ---- DbgPrint's formatting: the conversions Windows' kernel printf knows
 * that drivers use (c s d i u x X p, with flags 0 and -, a width, and the
 * l, ll, I64, z size prefixes). */

typedef struct {
  CHAR *p;
  ULONG left;
  ULONG n;
} Out;

static void
put (Out *o, CHAR c)
{
  if (o->left > 1)
    {
      *o->p++ = c;
      o->left--;
    }
  o->n++;
}

static void
put_number (Out *o, ULONG64 v, ULONG radix, int upper, int negative, int width, int zero,
            int left)
{
  CHAR digits[24];
  int n = 0;
  const CHAR *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";

  do
    {
      digits[n++] = set[v % radix];
      v /= radix;
    }
  while (v != 0);
  if (negative)
    width--;
  if (!left && !zero)
    for (int i = n; i < width; i++)
      put (o, ' ');
  if (negative)
    put (o, '-');
  if (!left && zero)
    for (int i = n; i < width; i++)
      put (o, '0');
  while (n > 0)
    put (o, digits[--n]);
  if (left)
    for (int i = n; i < width; i++)
      put (o, ' ');
}

ULONG
KdhFormatString (CHAR *Buffer, ULONG Size, const CHAR *Format, va_list ap)
{
  Out o = { Buffer, Size, 0 };

  while (*Format)
    {
      int zero = 0, left = 0, width = 0, size = 0;
      const CHAR *s;
      LONG64 sv;
      ULONG64 uv;

      if (*Format != '%')
        {
          put (&o, *Format++);
          continue;
        }
      Format++;
      for (;; Format++)
        if (*Format == '0')
          zero = 1;
        else if (*Format == '-')
          left = 1;
        else
          break;
      while (*Format >= '0' && *Format <= '9')
        width = width * 10 + (*Format++ - '0');
      if (Format[0] == 'I' && Format[1] == '6' && Format[2] == '4')
        size = 8, Format += 3;
      else if (Format[0] == 'l' && Format[1] == 'l')
        size = 8, Format += 2;
      else if (*Format == 'z' || *Format == 'I')
        size = 8, Format++;
      else if (*Format == 'l' || *Format == 'h')
        Format++;
      switch (*Format)
        {
        case 'c':
          put (&o, (CHAR) va_arg (ap, int));
          break;
        case 's':
          s = va_arg (ap, const CHAR *);
          if (s == NULL)
            s = "(null)";
          while (*s)
            put (&o, *s++);
          break;
        case 'd':
        case 'i':
          sv = size == 8 ? va_arg (ap, LONG64) : va_arg (ap, int);
          put_number (&o, sv < 0 ? 0 - (ULONG64) sv : (ULONG64) sv, 10, 0, sv < 0, width, zero,
                      left);
          break;
        case 'u':
        case 'x':
        case 'X':
          uv = size == 8 ? va_arg (ap, ULONG64) : va_arg (ap, ULONG);
          put_number (&o, uv, *Format == 'u' ? 10 : 16, *Format == 'X', 0, width, zero, left);
          break;
        case 'p':
          put_number (&o, (ULONG64) va_arg (ap, PVOID), 16, 1, 0, 16, 1, 0);
          break;
        case '%':
          put (&o, '%');
          break;
        case 0:
          Format--;
          break;
        default:
          put (&o, '%');
          put (&o, *Format);
          break;
        }
      Format++;
    }
  if (o.left > 0)
    *o.p = 0;
  return o.n < Size ? o.n : Size - 1;
}
