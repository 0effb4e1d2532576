/* fuzz-dump-file.c: libFuzzer harness for the crash dump reader
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the bytes of a dump file (the seeds are small dumps the tests
 * make, and the header of the simulator's .dump). A file the reader
 * accepts is then read physically and virtually at addresses taken from
 * its own header and tail.
 *
 * Checks, besides "no crash, no leak, no undefined behaviour, no read
 * outside the input": a refused file has an error in KDH_DUMP_ERROR; the
 * reader never claims more bytes than were asked for; what it reads
 * twice is the same.
 */
#include "dump/kdh-dump-file.h"
#include "common/kdh-le.h"
#include "kdh-fuzz.h"

static void
read_around (KdhDumpFile *d,
             guint64      address,
             gboolean     virtual)
{
  guint8 a[0x2100], b[0x2100];
  gsize len = (address & 0x3) ? 0x2100 : 64;
  gsize n = virtual ? kdh_dump_file_read_virtual (d, address, a, len)
                    : kdh_dump_file_read_physical (d, address, a, len);
  gsize m = virtual ? kdh_dump_file_read_virtual (d, address, b, len)
                    : kdh_dump_file_read_physical (d, address, b, len);

  if (n > len || n != m || memcmp (a, b, n) != 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  KdhDumpFile *d = kdh_dump_file_new_from_bytes (bytes, &error);
  const KdhDumpHeader *h;
  guint64 pa;

  if (d == NULL)
    {
      if (error == NULL || error->domain != KDH_DUMP_ERROR)
        abort ();
      return 0;
    }
  h = kdh_dump_file_get_header (d);
  read_around (d, h->directory_table_base, FALSE);
  read_around (d, h->ps_loaded_module_list, TRUE);
  read_around (d, h->kd_debugger_data_block, TRUE);
  for (gsize off = size >= 64 ? size - 64 : 0; off + 8 <= size; off += 8)
    {
      guint64 address = kdh_read_le64 (data + off);

      read_around (d, address, FALSE);
      read_around (d, address, TRUE);
      kdh_dump_file_translate (d, address, h->ps_loaded_module_list, &pa);
    }
  kdh_dump_file_free (d);
  return 0;
}
