/* test-disasm.c: instructions written as KD writes them, x86 and x64
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hand-assembled bytes (encodings from the Intel manual) against the
 * lines KD prints for them: MASM operands without spaces, upper-case hex
 * with an 'h', 32-bit addresses on x86, call and jump targets and
 * RIP-relative or absolute memory with their symbol, "int 3", bytes that
 * do not decode as "???".
 */
#include "commands/kdh-disasm.h"
#include "kd/kdh-dbgkd.h"

static gchar *
symbolize (guint64  address,
           gpointer data)
{
  if (address == 0x80401010 || address == 0x80402000)
    return g_strdup ("nt!KiTimeIncrement");
  if (address == G_GUINT64_CONSTANT (0xfffff80002001000))
    return g_strdup ("nt!KiInitialPCR+0x10");
  return NULL;
}

static void
check (guint16             machine,
       guint64             address,
       const guint8       *code,
       gsize               len,
       const gchar *const *expected)
{
  g_autoptr (GArray) insns = kdh_disasm_decode (machine, address, code, len, len, 100, symbolize,
                                                NULL);
  guint n = g_strv_length ((gchar **) expected);

  g_assert_cmpuint (insns->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *line = kdh_instruction_format (&g_array_index (insns, KdhInstruction, i),
                                                       machine != KDH_MACHINE_I386);

      g_assert_cmpstr (line, ==, expected[i]);
    }
}

static void
test_x86 (void)
{
  static const guint8 code[] = {
    0xe8, 0x0b, 0x00, 0x00, 0x00,           /* call rel32 */
    0xa1, 0x00, 0x20, 0x40, 0x80,           /* mov eax, moffs32 */
    0x8b, 0x45, 0x08,                       /* mov eax, [ebp+8] */
    0x81, 0xec, 0xa0, 0x00, 0x00, 0x00,     /* sub esp, imm32 */
    0xc2, 0x08, 0x00,                       /* ret imm16 */
    0x75, 0xf0,                             /* jne rel8 (backwards) */
    0xcc,                                   /* int3 */
    0xff,                                   /* cut short */
  };
  static const gchar *const expected[] = {
    "80401000 e80b000000      call    nt!KiTimeIncrement (80401010)",
    "80401005 a100204080      mov     eax,dword ptr [nt!KiTimeIncrement (80402000)]",
    "8040100a 8b4508          mov     eax,dword ptr [ebp+8]",
    "8040100d 81eca0000000    sub     esp,0A0h",
    "80401013 c20800          ret     8",
    "80401016 75f0            jne     80401008",
    "80401018 cc              int     3",
    "80401019 ff              ???",
    NULL,
  };

  check (KDH_MACHINE_I386, 0x80401000, code, sizeof code, expected);
}

static void
test_x64 (void)
{
  static const guint8 code[] = {
    0x48, 0x8b, 0x05, 0xf9, 0x0f, 0x00, 0x00,                   /* mov rax, [rip+disp32] */
    0x65, 0x48, 0x8b, 0x04, 0x25, 0x20, 0x00, 0x00, 0x00,       /* mov rax, gs:[20h] */
    0x48, 0x83, 0xe4, 0xf0,                                     /* and rsp, imm8 (sign-extended) */
    0xff, 0x15, 0x10, 0x00, 0x00, 0x00,                         /* call [rip+disp32] */
    0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8,                         /* mov rax, imm64 */
    0x0f, 0x0b,                                                 /* ud2 */
  };
  static const gchar *const expected[] = {
    "fffff800`02000000 488b05f90f0000  mov     rax,qword ptr [nt!KiInitialPCR+0x10 (fffff800`02001000)]",
    "fffff800`02000007 65488b042520000000 mov     rax,qword ptr gs:[20h]",
    "fffff800`02000010 4883e4f0        and     rsp,0FFFFFFFFFFFFFFF0h",
    "fffff800`02000014 ff1510000000    call    qword ptr [fffff800`0200002a]",
    "fffff800`0200001a 48b80102030405060708 mov     rax,807060504030201h",
    "fffff800`02000024 0f0b            ud2",
    NULL,
  };

  check (KDH_MACHINE_AMD64, G_GUINT64_CONSTANT (0xfffff80002000000), code, sizeof code, expected);
}

/* Unreadable bytes: one "??" line each, as KD shows them. */
static void
test_unreadable (void)
{
  static const guint8 code[4] = { 0x90 };
  g_autoptr (GArray) insns = kdh_disasm_decode (KDH_MACHINE_AMD64, 0x1000, code, sizeof code, 1,
                                                8, NULL, NULL);
  g_autofree gchar *first = NULL, *second = NULL;

  g_assert_cmpuint (insns->len, ==, 4);
  first = kdh_instruction_format (&g_array_index (insns, KdhInstruction, 0), TRUE);
  second = kdh_instruction_format (&g_array_index (insns, KdhInstruction, 1), TRUE);
  g_assert_cmpstr (first, ==, "00000000`00001000 90              nop");
  g_assert_cmpstr (second, ==, "00000000`00001001 ??              ???");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/disasm/x86", test_x86);
  g_test_add_func ("/disasm/x64", test_x64);
  g_test_add_func ("/disasm/unreadable", test_unreadable);
  return g_test_run ();
}
