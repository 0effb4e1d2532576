/* kdh-dump-write.c: the header of a kernel crash dump, as Windows writes it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-dump-write.h"

#include <string.h>

#include "common/kdh-le.h"

gboolean
kdh_dump_header_build (guint8               header[KDH_DUMP_HEADER64_SIZE],
                       const KdhDumpHeader *f,
                       const KdhDumpRun    *runs,
                       guint                n_runs,
                       const guint8        *context,
                       gsize                context_len,
                       const guint8        *exception)
{
  guint8 *block = header + KDH_DUMP_OFF_PHYS_BLOCK;
  guint64 pages = 0;

  if (n_runs > KDH_DUMP_MAX_RUNS || context_len > KDH_DUMP_CONTEXT_SIZE)
    return FALSE;
  for (gsize i = 0; i < KDH_DUMP_HEADER64_SIZE; i += 4)
    kdh_write_le32 (header + i, KDH_DUMP_FILL);
  kdh_write_le32 (header + KDH_DUMP_OFF_VALID, KDH_DUMP_VALID64);
  kdh_write_le32 (header + KDH_DUMP_OFF_MAJOR, f->major_version);
  kdh_write_le32 (header + KDH_DUMP_OFF_MINOR, f->minor_version);
  kdh_write_le64 (header + KDH_DUMP_OFF_DTB, f->directory_table_base);
  kdh_write_le64 (header + KDH_DUMP_OFF_PFN_DATABASE, f->pfn_database);
  kdh_write_le64 (header + KDH_DUMP_OFF_MODULE_LIST, f->ps_loaded_module_list);
  kdh_write_le64 (header + KDH_DUMP_OFF_PROCESS_HEAD, f->ps_active_process_head);
  kdh_write_le32 (header + KDH_DUMP_OFF_MACHINE, f->machine_type);
  kdh_write_le32 (header + KDH_DUMP_OFF_N_PROCESSORS, f->number_processors);
  kdh_write_le32 (header + KDH_DUMP_OFF_BUGCHECK_CODE, f->bugcheck_code);
  kdh_write_le32 (header + KDH_DUMP_OFF_BUGCHECK_CODE + 4, 0);
  for (guint i = 0; i < 4; i++)
    kdh_write_le64 (header + KDH_DUMP_OFF_BUGCHECK_PARAMS + 8 * i, f->bugcheck_parameters[i]);
  kdh_write_le64 (header + KDH_DUMP_OFF_KDDEBUGGER_DATA, f->kd_debugger_data_block);

  memset (block, 0, KDH_DUMP_PHYS_BLOCK_SIZE);
  for (guint i = 0; i < n_runs; i++)
    {
      kdh_write_le64 (block + 0x10 + 0x10 * i, runs[i].base_page);
      kdh_write_le64 (block + 0x18 + 0x10 * i, runs[i].page_count);
      pages += runs[i].page_count;
    }
  kdh_write_le32 (block, n_runs);
  kdh_write_le64 (block + 8, pages);

  memset (header + KDH_DUMP_OFF_CONTEXT, 0, KDH_DUMP_CONTEXT_SIZE);
  if (context_len > 0)
    memcpy (header + KDH_DUMP_OFF_CONTEXT, context, context_len);
  if (exception)
    memcpy (header + KDH_DUMP_OFF_EXCEPTION, exception, KDH_DUMP_EXCEPTION_SIZE);
  kdh_write_le32 (header + KDH_DUMP_OFF_DUMP_TYPE, f->dump_type);
  kdh_write_le32 (header + KDH_DUMP_OFF_DUMP_TYPE + 4, 0);
  kdh_write_le64 (header + KDH_DUMP_OFF_REQUIRED_SPACE,
                  KDH_DUMP_HEADER64_SIZE + pages * KDH_DUMP_PAGE_SIZE);
  kdh_write_le64 (header + KDH_DUMP_OFF_SYSTEM_TIME, f->system_time);
  memset (header + KDH_DUMP_OFF_COMMENT, 0, 128);
  kdh_write_le64 (header + KDH_DUMP_OFF_SYSTEM_UP_TIME, f->system_up_time);
  kdh_write_le32 (header + KDH_DUMP_OFF_MINIDUMP_FIELDS, 0);
  kdh_write_le32 (header + KDH_DUMP_OFF_SECONDARY_STATE, 0);
  kdh_write_le32 (header + KDH_DUMP_OFF_PRODUCT_TYPE, f->product_type);
  kdh_write_le32 (header + KDH_DUMP_OFF_SUITE_MASK, f->suite_mask);
  kdh_write_le32 (header + KDH_DUMP_OFF_WRITER_STATUS, 0);
  header[KDH_DUMP_OFF_KD_SECONDARY - 1] = 0;
  header[KDH_DUMP_OFF_KD_SECONDARY] = f->kd_secondary_version;
  header[KDH_DUMP_OFF_KD_SECONDARY + 1] = 0;
  header[KDH_DUMP_OFF_KD_SECONDARY + 2] = 0;
  return TRUE;
}

void
kdh_dump_exception_build (guint8         record[KDH_DUMP_EXCEPTION_SIZE],
                          guint32        code,
                          guint32        flags,
                          guint64        address,
                          guint32        n_parameters,
                          const guint64 *information)
{
  memset (record, 0, KDH_DUMP_EXCEPTION_SIZE);
  kdh_write_le32 (record + 0x00, code);
  kdh_write_le32 (record + 0x04, flags);
  kdh_write_le64 (record + 0x10, address);
  n_parameters = MIN (n_parameters, 15u);
  kdh_write_le32 (record + 0x18, n_parameters);
  for (guint i = 0; i < n_parameters; i++)
    kdh_write_le64 (record + 0x20 + 8 * i, information[i]);
}
