/* kdh-commands-crashdump.c: .dump, .bugcheck, .crash and .exr
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * .dump /f writes a complete (full) kernel dump of a stopped live target:
 * the header as Windows fills it, then every page of the physical memory
 * runs the kernel describes (KdDebuggerDataBlock.MmPhysicalMemoryBlock),
 * read with ReadPhysicalMemory. It is written under a temporary name in
 * the same folder and renamed when complete, so Ctrl+C or a failure never
 * leaves a half-written file under the name asked for.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-le.h"
#include "kdh-commands-crashdump.h"
#include "kd/kdh-context.h"
#include "target/kdh-exec.h"
#include "target/kdh-stop.h"

#define say kdh_command_call_print

/* KDDEBUGGER_DATA64 offsets (the published wdbgexts.h layout). */
#define KDBG_OWNER_TAG              0x010
#define KDBG_PS_LOADED_MODULE_LIST  0x048
#define KDBG_PS_ACTIVE_PROCESS_HEAD 0x050
#define KDBG_KI_BUGCHECK_DATA       0x088
#define KDBG_MM_PFN_DATABASE        0x0C0
#define KDBG_MM_PHYSICAL_MEMORY     0x270
#define KDBG_TAG                    0x4742444Bu    /* "KDBG" */

#define KUSER_SHARED_DATA G_GUINT64_CONSTANT (0xFFFFF78000000000)
#define KUSER_INTERRUPT_TIME 0x08
#define KUSER_SYSTEM_TIME    0x14


static gboolean
read_u64 (KdhTarget  *target,
          guint64     address,
          guint64    *value,
          const gchar *what,
          GError    **error)
{
  guint8 raw[8];
  gsize got = 0;

  if (!kdh_target_read_virtual (target, address, raw, 8, &got, error))
    return FALSE;
  if (got < 8)
    {
      g_autofree gchar *where = kdh_commands_format_address (target, address);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Cannot read %s at %s."), what, where);
      return FALSE;
    }
  *value = kdh_read_le64 (raw);
  return TRUE;
}

gboolean
kdh_crashdump_find_debugger_data (KdhTarget  *target,
                                  guint64    *kdbg,
                                  GError    **error)
{
  const KdhVersion *v = kdh_target_get_version (target);
  guint8 tag[4];
  gsize got = 0;

  if (v->debugger_data_list == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The target gives no debugger data list (KdDebuggerDataBlock)."));
      return FALSE;
    }
  if (!read_u64 (target, v->debugger_data_list, kdbg, "KdpDebuggerDataListHead", error))
    return FALSE;
  if (!kdh_target_read_virtual (target, *kdbg + KDBG_OWNER_TAG, tag, 4, &got, error))
    return FALSE;
  if (got < 4 || kdh_read_le32 (tag) != KDBG_TAG)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The debugger data list does not lead to a KDBG block."));
      return FALSE;
    }
  return TRUE;
}

/* KiBugCheckData: the code and its four parameters (all 0 until the
 * machine bug checks). */
static gboolean
read_bugcheck (KdhTarget  *target,
               guint64     kdbg,
               guint64     data[5],
               GError    **error)
{
  guint64 address;
  guint8 raw[40];
  gsize got = 0;

  if (!read_u64 (target, kdbg + KDBG_KI_BUGCHECK_DATA, &address, "KdDebuggerDataBlock", error))
    return FALSE;
  if (!kdh_target_read_virtual (target, address, raw, sizeof raw, &got, error))
    return FALSE;
  if (got < sizeof raw)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot read KiBugCheckData."));
      return FALSE;
    }
  for (guint i = 0; i < 5; i++)
    data[i] = kdh_read_le64 (raw + 8 * i);
  return TRUE;
}

static gboolean
read_runs (KdhTarget   *target,
           guint64      kdbg,
           KdhDumpRun  *runs,
           guint       *n_runs,
           guint64     *n_pages,
           GError     **error)
{
  guint64 variable, block, count_pages = 0;
  guint8 head[16];
  guint8 raw[KDH_DUMP_MAX_RUNS * 16];
  gsize got = 0;
  guint32 n;

  if (!read_u64 (target, kdbg + KDBG_MM_PHYSICAL_MEMORY, &variable, "KdDebuggerDataBlock", error))
    return FALSE;
  if (variable == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("The target's KdDebuggerDataBlock gives no MmPhysicalMemoryBlock."));
      return FALSE;
    }
  if (!read_u64 (target, variable, &block, "MmPhysicalMemoryBlock", error))
    return FALSE;
  if (!kdh_target_read_virtual (target, block, head, sizeof head, &got, error))
    return FALSE;
  n = kdh_read_le32 (head);
  if (got < sizeof head || n == 0 || n > KDH_DUMP_MAX_RUNS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The physical memory descriptor has %u runs; a dump header holds 1 to %u."),
                   n, (guint) KDH_DUMP_MAX_RUNS);
      return FALSE;
    }
  if (!kdh_target_read_virtual (target, block + 16, raw, 16 * n, &got, error))
    return FALSE;
  if (got < 16 * n)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Cannot read the physical memory runs."));
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      runs[i].base_page = kdh_read_le64 (raw + 16 * i);
      runs[i].page_count = kdh_read_le64 (raw + 16 * i + 8);
      /* 52-bit physical addresses: 2^40 pages at most. */
      if (runs[i].page_count > (G_GUINT64_CONSTANT (1) << 40)
          || runs[i].base_page > (G_GUINT64_CONSTANT (1) << 40) - runs[i].page_count
          || (i > 0 && runs[i].base_page < runs[i - 1].base_page + runs[i - 1].page_count))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Physical memory run %u is out of order or too large."), i);
          return FALSE;
        }
      count_pages += runs[i].page_count;
    }
  *n_runs = n;
  *n_pages = count_pages;
  return TRUE;
}

/* The header as Windows fills it at a bug check, from the stopped target. */
gboolean
kdh_crashdump_build_header (KdhCommandCall *inv,
                            KdhTarget      *target,
                            guint8          header[KDH_DUMP_HEADER64_SIZE],
                            KdhDumpRun     *runs,
                            guint          *n_runs,
                            guint64        *n_pages,
                            KdhDumpType     type,
                            guint64        *dtb,
                            GError        **error)
{
  const KdhVersion *v = kdh_target_get_version (target);
  const KdhStateChange *stop = kdh_target_get_stop (target);
  const KdhException64 *last;
  KdhDumpHeader h = { 0 };
  guint64 kdbg, bugcheck[5], variable, kuser[3] = { 0 };
  guint8 exception[KDH_DUMP_EXCEPTION_SIZE];
  g_autoptr (GBytes) context = NULL;
  guint8 raw[24];
  gsize got = 0;

  if (v->machine_type != KDH_MACHINE_AMD64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only x64 targets can be dumped (a 64-bit PAGEDU64 dump)."));
      return FALSE;
    }
  if (!kdh_crashdump_find_debugger_data (target, &kdbg, error)
      || !read_runs (target, kdbg, runs, n_runs, n_pages, error)
      || !read_bugcheck (target, kdbg, bugcheck, error))
    return FALSE;
  context = kdh_target_get_context (target, kdh_target_get_cpu (target), error);
  if (context == NULL)
    return FALSE;
  h.major_version = v->major_version;
  h.minor_version = v->minor_version;
  if (!kdh_target_get_register (target, "cr3", &h.directory_table_base, error))
    return FALSE;
  if (!read_u64 (target, kdbg + KDBG_MM_PFN_DATABASE, &variable, "KdDebuggerDataBlock", error)
      || !read_u64 (target, variable, &h.pfn_database, "MmPfnDatabase", error)
      || !read_u64 (target, kdbg + KDBG_PS_LOADED_MODULE_LIST, &h.ps_loaded_module_list,
                    "KdDebuggerDataBlock", error)
      || !read_u64 (target, kdbg + KDBG_PS_ACTIVE_PROCESS_HEAD, &h.ps_active_process_head,
                    "KdDebuggerDataBlock", error))
    return FALSE;
  h.machine_type = v->machine_type;
  h.number_processors = kdh_target_get_n_cpus (target);
  h.bugcheck_code = (guint32) bugcheck[0];
  memcpy (h.bugcheck_parameters, bugcheck + 1, sizeof h.bugcheck_parameters);
  h.kd_debugger_data_block = kdbg;
  h.dump_type = type;
  *dtb = h.directory_table_base;
  /* KUSER_SHARED_DATA's InterruptTime and SystemTime (KSYSTEM_TIME: low
   * part, then the high part twice). */
  if (kdh_target_read_virtual (target, KUSER_SHARED_DATA + KUSER_INTERRUPT_TIME, raw, sizeof raw,
                               &got, NULL) && got == sizeof raw)
    {
      kuser[0] = kdh_read_le32 (raw) | ((guint64) kdh_read_le32 (raw + 4) << 32);
      kuser[1] = kdh_read_le32 (raw + 0x0C) | ((guint64) kdh_read_le32 (raw + 0x10) << 32);
    }
  h.system_up_time = kuser[0];
  h.system_time = kuser[1];
  h.product_type = kdh_target_get_product (target, &h.suite_mask);
  h.kd_secondary_version = v->kd_secondary_version;
  /* The last event's, as WinDbg writes it: not a processor switch's. */
  last = kdh_target_get_last_exception (target);
  if (last == NULL)
    last = &stop->u.exception;
  kdh_dump_exception_build (exception, last->code, last->flags, last->address,
                            last->number_parameters, last->information);
  if (!kdh_dump_header_build (header, &h, runs, *n_runs, g_bytes_get_data (context, NULL),
                              g_bytes_get_size (context), exception))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The dump header cannot hold this."));
      return FALSE;
    }
  return TRUE;
}

/* .dump [/o] /f|/ka FileName */
static gboolean
cmd_dump_file (KdhCommandCall *inv,
               gpointer        data,
               GError        **error)
{
  g_auto (GStrv) argv = NULL;
  KdhSession *s;
  KdhTarget *target;
  KdhDumpType type = 0;
  gboolean overwrite = FALSE;
  const gchar *path = NULL;
  g_autoptr (GError) parse_error = NULL;

  if (!g_shell_parse_argv (inv->args, NULL, &argv, &parse_error))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Usage: .dump [/o] /f|/ka FileName"));
      return FALSE;
    }
  for (guint i = 0; argv[i]; i++)
    {
      const gchar *a = argv[i];

      /* Options come before the name; "/tmp/x.dmp" is a name. */
      if (path == NULL && a[0] == '/' && a[1] != '\0' && strchr (a + 1, '/') == NULL)
        {
          if (g_str_equal (a, "/f"))
            type = KDH_DUMP_TYPE_FULL;
          else if (g_str_equal (a, "/ka"))
            type = KDH_DUMP_TYPE_KERNEL;
          else if (g_str_equal (a, "/o"))
            overwrite = TRUE;
          else
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _(".dump option '%s' is not supported (/f complete dump, /ka kernel "
                             "dump, /o overwrite)."), a);
              return FALSE;
            }
        }
      else if (path == NULL)
        path = a;
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Extra argument after the file name: '%s'."), a);
          return FALSE;
        }
    }
  if (path == NULL || type == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           path == NULL ? _("Usage: .dump [/o] /f|/ka FileName")
                                        : _("Say which dump: /f (complete) or /ka (kernel); small "
                                            "dumps (/m) are not supported: .dump [/o] /f|/ka FileName"));
      return FALSE;
    }
  s = kdh_commands_need_session (inv, error);
  if (s == NULL || (target = kdh_commands_need_stopped (inv, error)) == NULL)
    return FALSE;
  if (kdh_session_get_dump_header (s))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _(".dump needs a live target; this is a crash dump."));
      return FALSE;
    }
  if (!kdh_target_ensure_version (target, error))
    return FALSE;
  return kdh_crashdump_write (inv, s, target, path, type, overwrite, error);
}

/* .bugcheck: the bug check code and parameters, from the dump's header or
 * the live kernel's KiBugCheckData. */
static gboolean
cmd_bugcheck (KdhCommandCall *inv,
              gpointer        data,
              GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);
  const KdhDumpHeader *h;
  KdhTarget *target;
  guint64 code[5];

  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".bugcheck takes no arguments, not '%s'."), inv->args);
      return FALSE;
    }
  if (s == NULL || (target = kdh_commands_need_stopped (inv, error)) == NULL)
    return FALSE;
  h = kdh_session_get_dump_header (s);
  if (h)
    {
      code[0] = h->bugcheck_code;
      memcpy (code + 1, h->bugcheck_parameters, sizeof h->bugcheck_parameters);
    }
  else
    {
      guint64 kdbg;

      if (!kdh_target_ensure_version (target, error)
          || !kdh_crashdump_find_debugger_data (target, &kdbg, error)
          || !read_bugcheck (target, kdbg, code, error))
        return FALSE;
    }
  say (inv, "Bugcheck code %08X\n", (guint32) code[0]);
  if (kdh_target_is_ptr64 (target))
    say (inv, "Arguments %08x`%08x %08x`%08x %08x`%08x %08x`%08x\n",
         (guint32) (code[1] >> 32), (guint32) code[1], (guint32) (code[2] >> 32), (guint32) code[2],
         (guint32) (code[3] >> 32), (guint32) code[3], (guint32) (code[4] >> 32), (guint32) code[4]);
  else
    say (inv, "Arguments %08x %08x %08x %08x\n", (guint32) code[1], (guint32) code[2],
         (guint32) code[3], (guint32) code[4]);
  return TRUE;
}

/* .crash: the target bug checks with MANUALLY_INITIATED_CRASH (0xE2) and
 * breaks in again when it does. */
static gboolean
cmd_crash (KdhCommandCall *inv,
           gpointer        data,
           GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);

  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".crash takes no arguments, not '%s'."), inv->args);
      return FALSE;
    }
  if (s == NULL || kdh_commands_need_stopped (inv, error) == NULL)
    return FALSE;
  return kdh_session_cause_bugcheck (s, error);
}

/* .exr -1 (the exception of the current stop, or the dump's) or .exr ADDR
 * (an EXCEPTION_RECORD64 in memory). */
static gboolean
cmd_exr (KdhCommandCall *inv,
         gpointer        data,
         GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhException64 e = { 0 };
  g_autofree gchar *where = NULL, *symbol = NULL;

  if (target == NULL)
    return FALSE;
  if (g_str_equal (inv->args, "-1"))
    e = kdh_target_get_stop (target)->u.exception;
  else if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Usage: .exr -1 | .exr ADDRESS"));
      return FALSE;
    }
  else
    {
      KdhExprScope scope;
      guint64 address;
      guint8 raw[KDH_DUMP_EXCEPTION_SIZE];
      gsize got = 0;

      kdh_commands_init_scope (&scope, target);
      if (!kdh_expr_evaluate (inv->args, &scope, &address, error)
          || !kdh_target_read_virtual (target, address, raw, sizeof raw, &got, error))
        return FALSE;
      if (got < sizeof raw)
        {
          g_autofree gchar *at = kdh_commands_format_address (target, address);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Cannot read the exception record at %s."), at);
          return FALSE;
        }
      e.code = kdh_read_le32 (raw);
      e.flags = kdh_read_le32 (raw + 4);
      e.record = kdh_read_le64 (raw + 8);
      e.address = kdh_read_le64 (raw + 0x10);
      e.number_parameters = kdh_read_le32 (raw + 0x18);
      for (guint i = 0; i < MIN (e.number_parameters, 15u); i++)
        e.information[i] = kdh_read_le64 (raw + 0x20 + 8 * i);
    }
  /* .exr writes addresses whole, without the backtick. */
  where = kdh_target_is_ptr64 (target) ? g_strdup_printf ("%016" G_GINT64_MODIFIER "x", e.address)
                                         : g_strdup_printf ("%08x", (guint32) e.address);
  symbol = kdh_target_symbolize (target, e.address);
  if (symbol)
    say (inv, "ExceptionAddress: %s (%s)\n", where, symbol);
  else
    say (inv, "ExceptionAddress: %s\n", where);
  say (inv, "   ExceptionCode: %08x (%s)\n", e.code, kdh_stop_exception_name (e.code));
  say (inv, "  ExceptionFlags: %08x\n", e.flags);
  say (inv, "NumberParameters: %u\n", e.number_parameters);
  for (guint i = 0; i < MIN (e.number_parameters, 15u); i++)
    if (kdh_target_is_ptr64 (target))
      say (inv, "   Parameter[%u]: %016" G_GINT64_MODIFIER "x\n", i, e.information[i]);
    else
      say (inv, "   Parameter[%u]: %08x\n", i, (guint32) e.information[i]);
  return TRUE;
}

/* .ecxr: the context record of the dump's exception (the header's
 * CONTEXT, saved with the exception record), shown as r shows registers;
 * it becomes the register context, so .frame goes back to 0. Without an
 * exception record (a live target, a header without one) there is no
 * such context, and KD says so in these words. */
static gboolean
cmd_ecxr (KdhCommandCall *inv,
          gpointer        data,
          GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  const KdhDumpHeader *h;
  g_autoptr (GBytes) context = NULL;
  g_autofree gchar *text = NULL;

  if (target == NULL)
    return FALSE;
  if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".ecxr takes no arguments, not '%s'."), inv->args);
      return FALSE;
    }
  h = kdh_session_get_dump_header (s);
  if (h == NULL || !h->has_exception || h->context == NULL
      || h->context_size < kdh_context_size (kdh_target_get_machine (target)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           h == NULL ? _("Unable to get exception context, HRESULT 0x8000FFFF "
                                         "(a live target has no exception context record; "
                                         ".exr -1 shows the stop's exception)")
                                     : _("Unable to get exception context, HRESULT 0x8000FFFF "
                                         "(the dump's header holds no exception record)"));
      return FALSE;
    }
  context = g_bytes_new (h->context, kdh_context_size (kdh_target_get_machine (target)));
  text = kdh_context_format (g_bytes_get_data (context, NULL), g_bytes_get_size (context),
                             kdh_target_get_machine (target));
  kdh_session_set_frame (s, 0);
  say (inv, "%s", text);
  kdh_commands_show_scope_location (inv, target, context);
  return TRUE;
}

void
kdh_commands_add_crashdump (KdhCommands *c)
{
  kdh_commands_add (c, ".ecxr", ".ecxr             show the dump's exception context record",
                    cmd_ecxr, NULL, NULL);
  kdh_commands_add (c, ".exr", ".exr -1|ADDR     show an exception record (-1: the last one)",
                    cmd_exr, NULL, NULL);
  kdh_commands_add (c, ".crash", ".crash            make the target bug check (0xE2)",
                    cmd_crash, NULL, NULL);
  kdh_commands_add (c, ".dump", ".dump [/o] /f|/ka FILE   write a complete or kernel crash dump",
                    cmd_dump_file, NULL, NULL);
  kdh_commands_add (c, ".bugcheck", ".bugcheck         show the bug check code and parameters",
                    cmd_bugcheck, NULL, NULL);
}
