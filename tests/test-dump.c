/* test-dump.c: tests for the db/dw/dd/dq/dc/dp display formats
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected lines follow the layout of published WinDbg output: address,
 * two spaces, values, and for db/dc two spaces and the text column.
 */

#include <string.h>

#include <glib.h>

#include "commands/kdh-dump.h"

#define U64(x) G_GUINT64_CONSTANT (x)

/* The first 64 bytes of a PE image. */
static const guint8 image[64] = {
  0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,
  0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x0e, 0x1f, 0xba, 0x0e, 0x00, 0xb4, 0x09, 0xcd, 0x21, 0xb8, 0x01, 0x4c, 0xcd, 0x21, 0x54, 0x68,
  0x69, 0x73, 0x20, 0x70, 0x72, 0x6f, 0x67, 0x72, 0x61, 0x6d, 0x20, 0x63, 0x61, 0x6e, 0x6e, 0x6f,
};

#define BASE64 U64 (0xfffff80000400000)
#define BASE32 U64 (0xffffffff8054a000)

static void
check (guint64       address,
       const guint8 *data,
       gsize         len,
       gsize         valid_len,
       gchar         format,
       gboolean      pointer64,
       const gchar  *expected)
{
  GString *out = g_string_new ("(before)\n");

  kdh_dump_format (out, address, data, len, valid_len, format, pointer64);
  /* Output is appended, never replaces what is there. */
  g_assert_true (g_str_has_prefix (out->str, "(before)\n"));
  g_assert_cmpstr (out->str + strlen ("(before)\n"), ==, expected);
  g_string_free (out, TRUE);
}

static void
test_db (void)
{
  check (BASE64, image, 64, 64, 'b', TRUE,
         "fffff800`00400000  4d 5a 90 00 03 00 00 00-04 00 00 00 ff ff 00 00  MZ..............\n"
         "fffff800`00400010  b8 00 00 00 00 00 00 00-40 00 00 00 00 00 00 00  ........@.......\n"
         "fffff800`00400020  0e 1f ba 0e 00 b4 09 cd-21 b8 01 4c cd 21 54 68  ........!..L.!Th\n"
         "fffff800`00400030  69 73 20 70 72 6f 67 72-61 6d 20 63 61 6e 6e 6f  is program canno\n");

  /* A 32-bit target's address column has 8 digits. */
  check (BASE32, image, 16, 16, 'b', FALSE,
         "8054a000  4d 5a 90 00 03 00 00 00-04 00 00 00 ff ff 00 00  MZ..............\n");
}

static void
test_db_text_column (void)
{
  static const guint8 chars[16] = {
    0x1f, 0x20, 0x21, 0x41, 0x7e, 0x7f, 0x80, 0xff, 0x00, 0x0a, 0x0d, 0x09, 0x5c, 0x27, 0x22, 0x60,
  };

  /* Only 0x20..0x7e print as themselves. */
  check (0x1000, chars, 16, 16, 'b', FALSE,
         "00001000  1f 20 21 41 7e 7f 80 ff-00 0a 0d 09 5c 27 22 60  . !A~.......\\'\"`\n");
}

static void
test_db_partial (void)
{
  /* Short last lines pad the hex area so the text column stays put; the
   * '-' only appears once a ninth byte does. */
  check (BASE64, image, 5, 5, 'b', TRUE,
         "fffff800`00400000  4d 5a 90 00 03                                   MZ...\n");
  check (BASE64, image, 8, 8, 'b', TRUE,
         "fffff800`00400000  4d 5a 90 00 03 00 00 00                          MZ......\n");
  check (BASE64, image, 9, 9, 'b', TRUE,
         "fffff800`00400000  4d 5a 90 00 03 00 00 00-04                       MZ.......\n");
  check (BASE64, image, 1, 1, 'b', TRUE,
         "fffff800`00400000  4d                                               M\n");
  check (BASE32, image, 0x18, 0x18, 'b', FALSE,
         "8054a000  4d 5a 90 00 03 00 00 00-04 00 00 00 ff ff 00 00  MZ..............\n"
         "8054a010  b8 00 00 00 00 00 00 00                          ........\n");
}

static void
test_db_unaligned (void)
{
  /* Lines start at the given address and cover 16 bytes from there. */
  check (BASE64 + 3, image + 3, 0x20, 0x20, 'b', TRUE,
         "fffff800`00400003  00 03 00 00 00 04 00 00-00 ff ff 00 00 b8 00 00  ................\n"
         "fffff800`00400013  00 00 00 00 00 40 00 00-00 00 00 00 00 0e 1f ba  .....@..........\n");
}

static void
test_db_unreadable (void)
{
  static const guint8 tail[4] = { 0x30, 0x31, 0x32, 0x33 };

  /* The end of a page: what was read, then "??" and '?' for the rest. */
  check (0x00dbfffc, tail, 0x20, 4, 'b', FALSE,
         "00dbfffc  30 31 32 33 ?? ?? ?? ?\?-?? ?? ?? ?? ?? ?? ?? ??  0123????????????\n"
         "00dc000c  ?? ?? ?? ?? ?? ?? ?? ?\?-?? ?? ?? ?? ?? ?? ?? ??  ????????????????\n");

  /* Nothing readable at all; data may then be NULL. */
  check (U64 (0xffffffff00000090), NULL, 0x10, 0, 'b', TRUE,
         "ffffffff`00000090  ?? ?? ?? ?? ?? ?? ?? ?\?-?? ?? ?? ?? ?? ?? ?? ??  ????????????????\n");

  /* Unreadable bytes on a short last line. */
  check (BASE64, image, 3, 2, 'b', TRUE,
         "fffff800`00400000  4d 5a ??                                         MZ?\n");
}

static void
test_dw (void)
{
  check (BASE64, image, 32, 32, 'w', TRUE,
         "fffff800`00400000  5a4d 0090 0003 0000 0004 0000 ffff 0000\n"
         "fffff800`00400010  00b8 0000 0000 0000 0040 0000 0000 0000\n");
  /* Partial line, unaligned start, unreadable words. */
  check (BASE32 + 1, image + 1, 6, 3, 'w', FALSE,
         "8054a001  905a ???? ????\n");
}

static void
test_dd (void)
{
  check (BASE64, image, 32, 32, 'd', TRUE,
         "fffff800`00400000  00905a4d 00000003 00000004 0000ffff\n"
         "fffff800`00400010  000000b8 00000000 00000040 00000000\n");
  check (BASE32, image, 8, 8, 'd', FALSE,
         "8054a000  00905a4d 00000003\n");
  /* A dword with any unreadable byte is unreadable as a whole. */
  check (BASE32, image, 12, 6, 'd', FALSE,
         "8054a000  00905a4d ???????? ????????\n");
  /* A length that is not a whole number of dwords shows whole ones. */
  check (BASE32, image, 7, 7, 'd', FALSE,
         "8054a000  00905a4d\n");
  check (BASE32, image, 3, 3, 'd', FALSE, "");
}

static void
test_dq (void)
{
  check (BASE64, image, 32, 32, 'q', TRUE,
         "fffff800`00400000  00000003`00905a4d 0000ffff`00000004\n"
         "fffff800`00400010  00000000`000000b8 00000000`00000040\n");
  /* A partly readable region, as published for a kernel stack's edge. */
  check (U64 (0xfffff88005873ff0), image, 0x30, 0x18, 'q', TRUE,
         "fffff880`05873ff0  00000003`00905a4d 0000ffff`00000004\n"
         "fffff880`05874000  00000000`000000b8 ????????`????????\n"
         "fffff880`05874010  ????????`???????? ????????`????????\n");
  check (BASE64, image, 8, 8, 'q', TRUE,
         "fffff800`00400000  00000003`00905a4d\n");
}

static void
test_dc (void)
{
  check (BASE64, image, 64, 64, 'c', TRUE,
         "fffff800`00400000  00905a4d 00000003 00000004 0000ffff  MZ..............\n"
         "fffff800`00400010  000000b8 00000000 00000040 00000000  ........@.......\n"
         "fffff800`00400020  0eba1f0e cd09b400 4c01b821 685421cd  ........!..L.!Th\n"
         "fffff800`00400030  70207369 72676f72 63206d61 6f6e6e61  is program canno\n");
  /* Short last line: padded so the text column lines up. */
  check (BASE32, image, 4, 4, 'c', FALSE,
         "8054a000  00905a4d                             MZ..\n");
  check (BASE32, image, 0x18, 0x18, 'c', FALSE,
         "8054a000  00905a4d 00000003 00000004 0000ffff  MZ..............\n"
         "8054a010  000000b8 00000000                    ........\n");
  /* An unreadable dword is '?' in both columns, even if some of its
   * bytes could be read. */
  check (BASE32, image, 16, 10, 'c', FALSE,
         "8054a000  00905a4d 00000003 ???????? ????????  MZ......????????\n");
}

static void
test_dp (void)
{
  check (BASE64, image, 16, 16, 'p', TRUE,
         "fffff800`00400000  00000003`00905a4d 0000ffff`00000004\n");
  check (BASE32, image, 16, 16, 'p', FALSE,
         "8054a000  00905a4d 00000003 00000004 0000ffff\n");
}

static void
test_empty (void)
{
  check (BASE64, image, 0, 0, 'b', TRUE, "");
  check (BASE64, NULL, 0, 0, 'q', TRUE, "");
  /* valid_len past len is clamped. */
  check (BASE64, image, 2, 64, 'b', TRUE,
         "fffff800`00400000  4d 5a                                            MZ\n");
}

/* Every full line of db and dc has its text column at the same place as
 * a partial one; checked over all lengths rather than by eye. */
static void
test_text_column_alignment (void)
{
  for (gsize len = 1; len <= 32; len++)
    for (guint f = 0; f < 2; f++)
      {
        gchar format = f == 0 ? 'b' : 'c';
        GString *out = g_string_new (NULL);
        g_auto(GStrv) lines = NULL;

        kdh_dump_format (out, BASE64, image, len, len, format, TRUE);
        lines = g_strsplit (out->str, "\n", -1);
        for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
          {
            /* 17 address characters, 2 spaces, 47 or 35 of values, 2 spaces. */
            gsize column = 17 + 2 + (format == 'b' ? 47 : 35) + 2;

            g_assert_cmpuint (strlen (lines[i]), >, column);
            g_assert_cmpint (lines[i][column - 1], ==, ' ');
            g_assert_cmpint (lines[i][column - 2], ==, ' ');
            g_assert_cmpint (lines[i][column], !=, ' ');
          }
        g_string_free (out, TRUE);
      }
}

/* Addresses wrap like the target's: the last line of a 32-bit dump at
 * the top of memory shows 00000000. */
static void
test_address_wrap (void)
{
  check (U64 (0xfffffff0), image, 32, 32, 'd', FALSE,
         "fffffff0  00905a4d 00000003 00000004 0000ffff\n"
         "00000000  000000b8 00000000 00000040 00000000\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/dump/db", test_db);
  g_test_add_func ("/engine/dump/db-text-column", test_db_text_column);
  g_test_add_func ("/engine/dump/db-partial", test_db_partial);
  g_test_add_func ("/engine/dump/db-unaligned", test_db_unaligned);
  g_test_add_func ("/engine/dump/db-unreadable", test_db_unreadable);
  g_test_add_func ("/engine/dump/dw", test_dw);
  g_test_add_func ("/engine/dump/dd", test_dd);
  g_test_add_func ("/engine/dump/dq", test_dq);
  g_test_add_func ("/engine/dump/dc", test_dc);
  g_test_add_func ("/engine/dump/dp", test_dp);
  g_test_add_func ("/engine/dump/empty", test_empty);
  g_test_add_func ("/engine/dump/text-column-alignment", test_text_column_alignment);
  g_test_add_func ("/engine/dump/address-wrap", test_address_wrap);

  return g_test_run ();
}
