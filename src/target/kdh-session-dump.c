/* kdh-session-dump.c: a crash dump file as the engine's backend
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dump is a session with no transport: the target model's requests are
 * answered from the file (src/dump/) instead of the wire, so every command
 * that reads memory, registers and modules works on a dump as on a live
 * target stopped where the dump was taken. What needs a live target (go,
 * step, breakpoints, writes, reboot, resync) is refused with that reason.
 */
#include "kdh-session-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-address.h"
#include "common/kdh-le.h"
#include "kd/kdh-context.h"

/* KDDEBUGGER_DATA64.KernBase */
#define KDBG_KERN_BASE 0x18
/* KDDEBUGGER_DATA64.KiProcessorBlock and .OffsetPrcbContext */
#define KDBG_KI_PROCESSOR_BLOCK 0x218
#define KDBG_OFFSET_PRCB_CONTEXT 0x338

static GBytes *dump_context (KdhSession  *s,
                             guint        cpu,
                             GError     **error);

static KdhSession *
from_backend (KdhBackend *backend)
{
  return (KdhSession *) backend;
}

static gboolean
needs_live (GError     **error,
            const gchar *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("Cannot %s: this is a crash dump, not a live target."), what);
  return FALSE;
}

/* The header names KdDebuggerDataBlock; GetVersion names the list head it
 * hangs on (KdpDebuggerDataListHead), which is what the block's own list
 * entry points to when the block is the list's only one, as on Windows.
 * 0 when the dump does not bear that out. */
static guint64
debugger_data_list (KdhDumpFile         *dump,
                    const KdhDumpHeader *h)
{
  guint8 raw[8];
  guint64 head;
  gsize ptr = h->is_64 ? 8 : 4;

  if (kdh_dump_file_read_virtual (dump, h->kd_debugger_data_block, raw, ptr) != ptr)
    return 0;
  head = h->is_64 ? kdh_read_le64 (raw) : (guint64) (gint64) (gint32) kdh_read_le32 (raw);
  if (kdh_dump_file_read_virtual (dump, head, raw, ptr) != ptr)
    return 0;
  if ((h->is_64 ? kdh_read_le64 (raw) : (guint64) (gint64) (gint32) kdh_read_le32 (raw))
      != h->kd_debugger_data_block)
    return 0;
  return head;
}

/* The manipulate requests of kdh-target.c, answered from the dump. */
gboolean
kdh_session_dump_request (KdhSession          *s,
                          const KdhManipulate *request,
                          KdhManipulate       *reply,
                          GBytes             **reply_payload,
                          GError             **error)
{
  const KdhDumpHeader *h;
  KdhManipulate m = *request;
  g_autoptr (GBytes) bytes = NULL;
  const gchar *name = kdh_api_name (request->api);

  if (s->dump == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("The dump file %s is not open."), s->dump_path);
      return FALSE;
    }
  h = kdh_dump_file_get_header (s->dump);

  m.return_status = KDH_STATUS_SUCCESS;
  m.data = NULL;
  m.data_len = 0;
  switch (request->api)
    {
    case KDH_API_GET_VERSION:
      {
        KdhVersion v = { 0 };
        guint8 kernbase[8];

        v.major_version = (guint16) h->major_version;
        v.minor_version = (guint16) h->minor_version;
        v.protocol_version = 6;
        v.kd_secondary_version = h->kd_secondary_version;
        v.flags = KDH_VERS_FLAG_DATA | (h->is_64 ? KDH_VERS_FLAG_PTR64 : 0)
                  | (h->number_processors > 1 ? KDH_VERS_FLAG_MP : 0);
        v.machine_type = (guint16) h->machine_type;
        v.max_packet_type = 0x0C;   /* as a live Windows target says */
        v.max_state_change = 3;
        v.max_manipulate = (guint8) (KDH_API_MANIPULATE_LIMIT - KDH_API_MANIPULATE_MIN);
        if (kdh_dump_file_read_virtual (s->dump, h->kd_debugger_data_block + KDBG_KERN_BASE,
                                        kernbase, 8) == 8)
          v.kern_base = kdh_read_le64 (kernbase);
        v.ps_loaded_module_list = h->ps_loaded_module_list;
        v.debugger_data_list = debugger_data_list (s->dump, h);
        kdh_version_encode (&m, &v);
        break;
      }
    case KDH_API_READ_VIRTUAL_MEMORY:
    case KDH_API_READ_PHYSICAL_MEMORY:
      {
        guint64 address = kdh_manipulate_memory_address (request);
        guint32 count = MIN (kdh_manipulate_memory_count (request), KDH_MAX_MEMORY_TRANSFER);
        guint8 *buf = g_malloc (MAX (count, 1));
        gsize got = request->api == KDH_API_READ_VIRTUAL_MEMORY
                    ? kdh_dump_file_read_virtual (s->dump, address, buf, count)
                    : kdh_dump_file_read_physical (s->dump, address, buf, count);

        bytes = g_bytes_new_take (buf, got);
        kdh_manipulate_set_u32 (&m, 0x0C, (guint32) got);
        if (got == 0)
          m.return_status = KDH_STATUS_UNSUCCESSFUL;
        break;
      }
    case KDH_API_GET_CONTEXT:
      bytes = dump_context (s, request->processor, error);
      if (bytes == NULL)
        return FALSE;
      break;
    case KDH_API_CONTINUE:
    case KDH_API_CONTINUE2:
      return needs_live (error, _("run the target"));
    case KDH_API_WRITE_BREAKPOINT:
    case KDH_API_RESTORE_BREAKPOINT:
      return needs_live (error, _("set or clear a breakpoint"));
    case KDH_API_REBOOT:
      return needs_live (error, _("reboot"));
    case KDH_API_WRITE_VIRTUAL_MEMORY:
    case KDH_API_WRITE_PHYSICAL_MEMORY:
      return needs_live (error, _("write memory"));
    case KDH_API_SET_CONTEXT:
    case KDH_API_SET_CONTEXT_EX:
      return needs_live (error, _("change registers"));
    default:
      {
        g_autofree gchar *what = g_strdup_printf (_("send %s"), name ? name : "?");

        return needs_live (error, what);
      }
    }
  if (bytes)
    {
      m.data = g_bytes_get_data (bytes, &m.data_len);
      /* The reply's data borrows from the payload; keep it for a caller
       * that does not take it. */
      g_clear_pointer (&s->reply, g_bytes_unref);
      s->reply = g_bytes_ref (bytes);
      if (reply_payload)
        *reply_payload = g_steal_pointer (&bytes);
    }
  if (reply)
    *reply = m;
  return TRUE;
}

/* The CONTEXT processor @cpu's KPRCB saved when it was frozen
 * (KiProcessorBlock[cpu], then KPRCB.Context, both named by
 * KdDebuggerDataBlock), as in Windows' own dumps. x64 only. */
static GBytes *
prcb_context (KdhSession  *s,
              guint        cpu,
              gsize        size,
              GError     **error)
{
  const KdhDumpHeader *h = kdh_dump_file_get_header (s->dump);
  guint8 raw[8];
  guint8 *ctx;
  guint64 blocks, prcb, at;
  guint16 offset;

  if (!h->is_64 || cpu >= h->number_processors
      || kdh_dump_file_read_virtual (s->dump, h->kd_debugger_data_block + KDBG_KI_PROCESSOR_BLOCK,
                                     raw, 8) != 8
      || (blocks = kdh_read_le64 (raw)) == 0
      || kdh_dump_file_read_virtual (s->dump, blocks + 8 * (guint64) cpu, raw, 8) != 8
      || (prcb = kdh_read_le64 (raw)) == 0
      || kdh_dump_file_read_virtual (s->dump,
                                     h->kd_debugger_data_block + KDBG_OFFSET_PRCB_CONTEXT,
                                     raw, 2) != 2
      || (offset = kdh_read_le16 (raw)) == 0
      || kdh_dump_file_read_virtual (s->dump, prcb + offset, raw, 8) != 8
      || (at = kdh_read_le64 (raw)) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The dump holds no registers of processor %u (no saved context in its "
                     "KPRCB)."), cpu);
      return NULL;
    }
  ctx = g_malloc (size);
  if (kdh_dump_file_read_virtual (s->dump, at, ctx, size) != size)
    {
      g_free (ctx);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The saved context of processor %u is not in the dump."), cpu);
      return NULL;
    }
  return g_bytes_new_take (ctx, size);
}

/* The size of the header's context, 0 if it has none usable. */
static gsize
header_context_size (KdhSession *s)
{
  const KdhDumpHeader *h = kdh_dump_file_get_header (s->dump);
  gsize size = kdh_context_size ((guint16) h->machine_type);

  return size <= h->context_size ? size : 0;
}

/* Processor @cpu's registers: the header's for the processor they
 * belong to, the KPRCB's for the others. */
static GBytes *
dump_context (KdhSession  *s,
              guint        cpu,
              GError     **error)
{
  gsize size = header_context_size (s);

  if (size == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The dump's header holds no usable register context."));
      return NULL;
    }
  if (cpu == s->dump_header_cpu)
    return g_bytes_new (kdh_dump_file_get_header (s->dump)->context, size);
  return prcb_context (s, cpu, size, error);
}

static gboolean
same_register (KdhSession   *s,
               GBytes       *a,
               const guint8 *b,
               const gchar  *name)
{
  const KdhDumpHeader *h = kdh_dump_file_get_header (s->dump);
  const KdhRegisterInfo *reg = kdh_context_find_register ((guint16) h->machine_type, name);
  guint64 va = 0, vb = 0;

  return reg != NULL && kdh_context_get (g_bytes_get_data (a, NULL), g_bytes_get_size (a), reg, &va)
         && kdh_context_get (b, g_bytes_get_size (a), reg, &vb) && va == vb;
}

/* As many as x64 Windows runs on: a header that claims more is not
 * believed that far. */
#define MAX_PROCESSORS 2048

/* The processor whose registers the header holds: the one that stopped
 * (bug-checked, or was current when .dump wrote it). The header does not
 * say which; it is the one whose KPRCB saved the same rip and rsp, when
 * exactly one did, else processor 0. */
static guint
find_header_cpu (KdhSession *s)
{
  const KdhDumpHeader *h = kdh_dump_file_get_header (s->dump);
  gsize size = header_context_size (s);
  const gchar *pc = h->is_64 ? "rip" : "eip", *sp = h->is_64 ? "rsp" : "esp";
  guint found = 0, matches = 0;

  for (guint cpu = 0; size > 0 && cpu < MIN (h->number_processors, MAX_PROCESSORS); cpu++)
    {
      g_autoptr (GBytes) saved = prcb_context (s, cpu, size, NULL);

      if (saved != NULL && same_register (s, saved, h->context, pc)
          && same_register (s, saved, h->context, sp))
        {
          found = cpu;
          matches++;
        }
    }
  return matches == 1 ? found : 0;
}

/* The dump's moment as the target's current stop: the current processor
 * at the address in its context, with the exception record if any. */
static void
set_stop (KdhSession *s)
{
  const KdhDumpHeader *h = kdh_dump_file_get_header (s->dump);
  guint16 machine = (guint16) h->machine_type;
  const KdhRegisterInfo *pc_reg = kdh_context_find_register (machine, h->is_64 ? "rip" : "eip");
  g_autoptr (GBytes) context = dump_context (s, s->cpu, NULL);
  KdhStateChange sc = { 0 };
  guint64 pc = 0;

  if (pc_reg && context != NULL)
    kdh_context_get (g_bytes_get_data (context, NULL), g_bytes_get_size (context), pc_reg, &pc);
  if (!h->is_64)
    pc = (guint64) (gint64) (gint32) pc;
  sc.new_state = KDH_STATE_EXCEPTION;
  sc.processor = (guint16) s->cpu;
  sc.number_processors = h->number_processors;
  sc.program_counter = pc;
  if (h->has_exception)
    {
      sc.u.exception.code = h->exception_code;
      sc.u.exception.flags = h->exception_flags;
      sc.u.exception.record = h->exception_record;
      sc.u.exception.address = h->exception_address;
      sc.u.exception.number_parameters = h->exception_n_parameters;
      memcpy (sc.u.exception.information, h->exception_information,
              sizeof sc.u.exception.information);
    }
  kdh_target_set_stop (s->target, &sc);
  if (h->has_exception)
    {
      /* A dump's record does not say which chance it was, as WinDbg says. */
      g_autofree gchar *what = g_strdup_printf ("%s - code %08x (first/second chance not available)",
                                                kdh_stop_exception_name (h->exception_code),
                                                h->exception_code);

      kdh_target_set_last_event (s->target, what);
    }
}

static gboolean
dump_target_request (gpointer             data,
                     const KdhManipulate *request,
                     const guint8        *payload,
                     gsize                payload_len,
                     KdhManipulate       *reply,
                     GBytes             **reply_payload,
                     GError             **error)
{
  return kdh_session_request (data, request, payload, payload_len, reply, reply_payload, error);
}

static void
announce (KdhSession *s)
{
  const KdhDumpHeader *h = kdh_dump_file_get_header (s->dump);
  const KdhVersion *v = kdh_target_get_version (s->target);
  g_autofree gchar *kernbase = kdh_format_address (v->kern_base, kdh_target_is_ptr64 (s->target));
  g_autofree gchar *modlist = kdh_format_address (v->ps_loaded_module_list,
                                                  kdh_target_is_ptr64 (s->target));
  g_autoptr (GDateTime) utc = h->system_time >= G_GUINT64_CONSTANT (116444736000000000)
                              ? g_date_time_new_from_unix_utc ((gint64) ((h->system_time
                                  - G_GUINT64_CONSTANT (116444736000000000)) / 10000000))
                              : NULL;
  g_autofree gchar *when = utc ? g_date_time_format (utc, "%a %b %e %H:%M:%S.000 %Y (UTC + 0:00)")
                               : g_strdup (_("unknown"));
  guint64 up = h->system_up_time / 10000000;

  kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, "\nLoading Dump File [%s]\n", s->dump_path);
  switch (h->dump_type)
    {
    case KDH_DUMP_TYPE_FULL:
      kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                       "Kernel Complete Dump File: Full address space is available\n\n");
      break;
    case KDH_DUMP_TYPE_BITMAP_FULL:
      kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                       "Kernel Bitmap Dump File: Full address space is available\n\n");
      break;
    default:
      kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                       "Kernel Summary Dump File: Only kernel address space is available\n\n");
      break;
    }
  kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, "%s Kernel Version %u %s (%u procs) %s %s\n",
                   kdh_target_get_os_name (s->target), v->minor_version,
                   (v->flags & KDH_VERS_FLAG_MP) ? "MP" : "UP", h->number_processors,
                   (v->major_version & 0xFF) == 0x0C ? "Checked" : "Free",
                   kdh_machine_name (v->machine_type));
  kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, "Kernel base = 0x%s PsLoadedModuleList = 0x%s\n",
                   kernbase, modlist);
  kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, "Debug session time: %s\n", when);
  /* Unset fields hold "PAGE". */
  if (h->system_up_time == G_GUINT64_CONSTANT (0x4547415045474150))
    kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER, "System Uptime: not available\n");
  else
    kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER, "System Uptime: %" G_GUINT64_FORMAT
                     " days %u:%02u:%02u\n", up / 86400, (guint) (up / 3600 % 24),
                     (guint) (up / 60 % 60), (guint) (up % 60));
  if (h->bugcheck_code != 0)
    kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER,
                     "BugCheck %X, {%" G_GINT64_MODIFIER "x, %" G_GINT64_MODIFIER "x, %"
                     G_GINT64_MODIFIER "x, %" G_GINT64_MODIFIER "x}\n\n", h->bugcheck_code,
                     h->bugcheck_parameters[0], h->bugcheck_parameters[1],
                     h->bugcheck_parameters[2], h->bugcheck_parameters[3]);
}

/* Opens @path and makes it the target. */
static gboolean
load (KdhSession  *s,
      GError     **error)
{
  g_autofree gchar *reason = NULL;

  s->dump = kdh_dump_file_open (s->dump_path, error);
  if (s->dump == NULL)
    return FALSE;
  s->dump_header_cpu = find_header_cpu (s);
  s->cpu = s->dump_header_cpu;
  /* No link: the front ends' counters start from zero, as for a new
   * connection, rather than keep the last connection's. */
  kdh_host_post (s->host, kdh_event_new (KDH_EVENT_STATS));
  set_stop (s);
  if (!kdh_target_ensure_version (s->target, error))
    {
      g_clear_pointer (&s->dump, kdh_dump_file_free);
      return FALSE;
    }
  announce (s);
  reason = g_strdup_printf (_("%s dump"), kdh_dump_type_name (kdh_dump_file_get_header (s->dump)->dump_type));
  kdh_session_set_state (s, KDH_CONN_BREAK, reason, 0);
  kdh_host_show_location (s->host, s->target);
  return TRUE;
}

/* ---- The backend -------------------------------------------------------- */

static void
backend_free (KdhBackend *backend)
{
  KdhSession *s = from_backend (backend);

  kdh_session_close (s);
  kdh_session_free (s);
}

static gboolean
backend_resync (KdhBackend *backend,
                GError    **error)
{
  return needs_live (error, _("resynchronize"));
}

/* As KD does: the dump is closed and opened again, as a new debugger
 * would open it. */
static gboolean
backend_restart (KdhBackend *backend,
                 GError    **error)
{
  KdhSession *s = from_backend (backend);

  kdh_session_close (s);
  kdh_target_forget_all (s->target);
  g_clear_pointer (&s->dump, kdh_dump_file_free);
  kdh_session_set_state (s, KDH_CONN_RESTARTING, NULL, 0);
  if (!load (s, error))
    {
      kdh_session_set_state (s, KDH_CONN_DISCONNECTED, _("the dump file cannot be opened"), 0);
      return FALSE;
    }
  return TRUE;
}

static gboolean
backend_cycle_baud (KdhBackend *backend,
                    GError    **error)
{
  return needs_live (error, _("change the baud rate"));
}

static void
backend_interrupt (KdhBackend *backend,
                   gboolean    defer)
{
  /* A dump never runs: nothing to break into. */
}

static void
backend_set_trace (KdhBackend *backend,
                   gboolean    enabled)
{
}

static gchar *
backend_dup_prompt (KdhBackend *backend,
                    gboolean   *ready)
{
  KdhSession *s = from_backend (backend);

  *ready = TRUE;
  if (s->state == KDH_CONN_BREAK)
    return g_strdup_printf ("%u: kd> ", s->cpu);
  return g_strdup ("kd> ");
}

static gchar *
backend_dup_connection (KdhBackend *backend)
{
  return g_strdup_printf ("-z %s", from_backend (backend)->dump_path);
}

static gint64
backend_next_poll (KdhBackend *backend)
{
  return G_MAXINT64;
}

static void
backend_poll (KdhBackend *backend)
{
}

const KdhBackendClass kdh_session_dump_backend_class = {
  .name = "dump file",
  .free = backend_free,
  .resync = backend_resync,
  .restart = backend_restart,
  .cycle_baud = backend_cycle_baud,
  .interrupt = backend_interrupt,
  .set_trace = backend_set_trace,
  .dup_prompt = backend_dup_prompt,
  .dup_connection = backend_dup_connection,
  .next_poll = backend_next_poll,
  .poll = backend_poll,
};

KdhSession *
kdh_session_open_dump (KdhHost     *host,
                       const gchar *path,
                       GError     **error)
{
  KdhSession *s = g_new0 (KdhSession, 1);

  s->backend.klass = &kdh_session_dump_backend_class;
  s->host = host;
  s->dump_path = g_strdup (path);
  s->description = g_strdup_printf (_("Dump file %s"), path);
  s->state = KDH_CONN_DISCONNECTED;
  s->target = kdh_target_new (dump_target_request, s);
  s->lost_retry_us = G_MAXINT64;
  s->breakin_retry_us = G_MAXINT64;
  if (!load (s, error))
    {
      kdh_session_free (s);
      return NULL;
    }
  return s;
}

gboolean
kdh_session_take_break_request (KdhSession *s)
{
  gboolean requested = s->break_requested;

  s->break_requested = FALSE;
  return requested;
}

const KdhDumpHeader *
kdh_session_get_dump_header (KdhSession *s)
{
  return s->dump ? kdh_dump_file_get_header (s->dump) : NULL;
}

/* ~N on a dump: nothing runs; processor N's saved registers become the
 * current stop's. */
gboolean
kdh_session_dump_switch_processor (KdhSession  *s,
                                   guint        cpu,
                                   GError     **error)
{
  g_autoptr (GBytes) context = dump_context (s, cpu, error);

  if (context == NULL)
    return FALSE;
  s->cpu = cpu;
  kdh_target_forget_stop (s->target);
  set_stop (s);
  kdh_host_show_location (s->host, s->target);
  return TRUE;
}
