/* kdh-dbgkd.c: DbgKd message codecs (state change, manipulate, debug I/O)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layouts are those of kd-protocol.md §3; fields are read and written with
 * kdh-le.h (any alignment, little-endian). Descriptions for the packet log
 * are in kdh-dbgkd-describe.c.
 */

#include <string.h>

#include <glib.h>

#include "kdh-dbgkd.h"
#include "kdh-le.h"

G_DEFINE_QUARK (kdh-dbgkd-error-quark, kdh_dbgkd_error)

/* Offsets inside DBGKD_ANY_WAIT_STATE_CHANGE. */
#define SC_UNION            0x20
#define SC_CONTROL_REPORT   0xC0
#define SC_REPORT_SIZE      0x30

/* The union of DBGKD_MANIPULATE_STATE64 starts here. */
#define M_UNION             0x10
#define M_UNION_SIZE        40

static gboolean
check_length (gsize         len,
              gsize         need,
              const gchar  *what,
              GError      **error)
{
  if (len >= need)
    return TRUE;

  g_set_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED,
               "%s: %" G_GSIZE_FORMAT " bytes, need %" G_GSIZE_FORMAT, what, len, need);
  return FALSE;
}

/* ---- Names ------------------------------------------------------------ */

typedef struct {
  guint32 value;
  const gchar *name;
} NameEntry;

static const NameEntry api_names[] = {
  { 0x3130, "ReadVirtualMemory" },
  { 0x3131, "WriteVirtualMemory" },
  { 0x3132, "GetContext" },
  { 0x3133, "SetContext" },
  { 0x3134, "WriteBreakPoint" },
  { 0x3135, "RestoreBreakPoint" },
  { 0x3136, "Continue" },
  { 0x3137, "ReadControlSpace" },
  { 0x3138, "WriteControlSpace" },
  { 0x3139, "ReadIoSpace" },
  { 0x313A, "WriteIoSpace" },
  { 0x313B, "Reboot" },
  { 0x313C, "Continue2" },
  { 0x313D, "ReadPhysicalMemory" },
  { 0x313E, "WritePhysicalMemory" },
  { 0x313F, "QuerySpecialCalls" },
  { 0x3140, "SetSpecialCall" },
  { 0x3141, "ClearSpecialCalls" },
  { 0x3142, "SetInternalBreakPoint" },
  { 0x3143, "GetInternalBreakPoint" },
  { 0x3144, "ReadIoSpaceExtended" },
  { 0x3145, "WriteIoSpaceExtended" },
  { 0x3146, "GetVersion" },
  { 0x3147, "WriteBreakPointEx" },
  { 0x3148, "RestoreBreakPointEx" },
  { 0x3149, "CauseBugCheck" },
  { 0x3150, "SwitchProcessor" },
  { 0x3151, "PageIn" },
  { 0x3152, "ReadMachineSpecificRegister" },
  { 0x3153, "WriteMachineSpecificRegister" },
  { 0x3154, "OldVlm1" },
  { 0x3155, "OldVlm2" },
  { 0x3156, "SearchMemory" },
  { 0x3157, "GetBusData" },
  { 0x3158, "SetBusData" },
  { 0x3159, "CheckLowMemory" },
  { 0x315A, "ClearAllInternalBreakpoints" },
  { 0x315B, "FillMemory" },
  { 0x315C, "QueryMemory" },
  { 0x315D, "SwitchPartition" },
  { 0x315E, "WriteCustomBreakpoint" },
  { 0x315F, "GetContextEx" },
  { 0x3160, "SetContextEx" },
  { 0x3230, "PrintString" },
  { 0x3231, "GetString" },
  { 0x3330, "PrintTrace" },
  { 0x3430, "CreateFile" },
  { 0x3431, "ReadFile" },
  { 0x3432, "WriteFile" },
  { 0x3433, "CloseFile" },
  { 0x4300, "RequestHardwareBp" },
  { 0x4301, "ReleaseHardwareBp" },
};

static const NameEntry state_names[] = {
  { KDH_STATE_EXCEPTION, "Exception" },
  { KDH_STATE_LOAD_SYMBOLS, "LoadSymbols" },
  { KDH_STATE_COMMAND_STRING, "CommandString" },
};

static const NameEntry status_names[] = {
  { 0x00000000u, "STATUS_SUCCESS" },
  { 0x00000103u, "STATUS_PENDING" },
  { 0x80000002u, "STATUS_DATATYPE_MISALIGNMENT" },
  { 0x80000003u, "STATUS_BREAKPOINT" },
  { 0x80000004u, "STATUS_SINGLE_STEP" },
  { 0x80000005u, "STATUS_BUFFER_OVERFLOW" },
  { 0x80000007u, "STATUS_WAKE_SYSTEM_DEBUGGER" },
  { 0xC0000001u, "STATUS_UNSUCCESSFUL" },
  { 0xC0000002u, "STATUS_NOT_IMPLEMENTED" },
  { 0xC0000005u, "STATUS_ACCESS_VIOLATION" },
  { 0xC000000Du, "STATUS_INVALID_PARAMETER" },
  { 0xC000000Eu, "STATUS_NO_SUCH_DEVICE" },
  { 0xC000000Fu, "STATUS_NO_SUCH_FILE" },
  { 0x00010001u, "DBG_EXCEPTION_HANDLED" },
  { 0x00010002u, "DBG_CONTINUE" },
  { 0x80010001u, "DBG_EXCEPTION_NOT_HANDLED" },
};

static const gchar *
lookup_name (const NameEntry *table,
             gsize            n,
             guint32          value)
{
  for (gsize i = 0; i < n; i++)
    if (table[i].value == value)
      return table[i].name;
  return NULL;
}

const gchar *
kdh_api_name (guint32 api)
{
  return lookup_name (api_names, G_N_ELEMENTS (api_names), api);
}

const gchar *
kdh_state_name (guint32 new_state)
{
  return lookup_name (state_names, G_N_ELEMENTS (state_names),
                      new_state & ~(guint32) KDH_STATE_ALTERNATE_FLAG);
}

const gchar *
kdh_status_name (guint32 status)
{
  return lookup_name (status_names, G_N_ELEMENTS (status_names), status);
}

const gchar *
kdh_machine_name (guint16 machine_type)
{
  switch (machine_type)
    {
    case KDH_MACHINE_AMD64:
      return "x64";
    case KDH_MACHINE_I386:
      return "x86";
    default:
      return NULL;
    }
}

/* ---- State change ----------------------------------------------------- */

/* Copies at most @max bytes, stopping at the first NUL: a missing
 * terminator (or a lying length) must not make us read further. */
static gchar *
dup_bounded (const guint8 *p,
             gsize         max)
{
  return g_strndup ((const gchar *) p, max);
}

static void
decode_command_strings (const guint8   *extra,
                        gsize           extra_len,
                        KdhStateChange *out)
{
  const guint8 *nul;
  gsize name_len;

  if (extra_len == 0)
    return;

  nul = memchr (extra, 0, extra_len);
  name_len = nul ? (gsize) (nul - extra) : extra_len;
  out->command_name = dup_bounded (extra, name_len);

  /* A name without its NUL leaves no room for the command. */
  if (nul != NULL && name_len + 1 < extra_len)
    out->command = dup_bounded (extra + name_len + 1, extra_len - name_len - 1);
}

gboolean
kdh_state_change_decode (const guint8    *payload,
                         gsize            len,
                         KdhStateChange  *out,
                         GError         **error)
{
  const guint8 *u;
  const guint8 *extra;
  gsize extra_len;
  guint32 raw_state;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (payload != NULL || len == 0, FALSE);

  memset (out, 0, sizeof *out);

  if (!check_length (len, KDH_STATE_CHANGE64_SIZE, "state change", error))
    return FALSE;

  raw_state = kdh_read_le32 (payload + 0x00);
  out->new_state = raw_state & ~(guint32) KDH_STATE_ALTERNATE_FLAG;
  out->alternate = (raw_state & KDH_STATE_ALTERNATE_FLAG) != 0;
  out->processor_level = kdh_read_le16 (payload + 0x04);
  out->processor = kdh_read_le16 (payload + 0x06);
  out->number_processors = kdh_read_le32 (payload + 0x08);
  out->thread = kdh_read_le64 (payload + 0x10);
  out->program_counter = kdh_read_le64 (payload + 0x18);
  memcpy (out->raw_control_report, payload + SC_CONTROL_REPORT, SC_REPORT_SIZE);

  u = payload + SC_UNION;
  extra = payload + KDH_STATE_CHANGE64_SIZE;
  extra_len = len - KDH_STATE_CHANGE64_SIZE;

  switch (out->new_state)
    {
    case KDH_STATE_EXCEPTION:
      {
        KdhException64 *e = &out->u.exception;

        e->code = kdh_read_le32 (u + 0x00);
        e->flags = kdh_read_le32 (u + 0x04);
        e->record = kdh_read_le64 (u + 0x08);
        e->address = kdh_read_le64 (u + 0x10);
        e->number_parameters = MIN (kdh_read_le32 (u + 0x18), 15u);
        for (guint i = 0; i < 15; i++)
          e->information[i] = kdh_read_le64 (u + 0x20 + 8 * i);
        e->first_chance = kdh_read_le32 (u + 0x98);
        /* Trailing data (ReactOS's 4 bytes of trace data) is ignored. */
      }
      break;

    case KDH_STATE_LOAD_SYMBOLS:
      {
        KdhLoadSymbols64 *ls = &out->u.load_symbols;
        gsize n;

        ls->path_name_length = kdh_read_le32 (u + 0x00);
        ls->base_of_dll = kdh_read_le64 (u + 0x08);
        ls->process_id = kdh_read_le64 (u + 0x10);
        ls->checksum = kdh_read_le32 (u + 0x18);
        ls->size_of_image = kdh_read_le32 (u + 0x1C);
        ls->unload = u[0x20] != 0;

        /* Like the NT host, take the path from the last PathNameLength
         * bytes of the payload; a length larger than what arrived is
         * clipped to the data actually present. */
        n = MIN ((gsize) ls->path_name_length, extra_len);
        if (n > 0)
          out->path = dup_bounded (extra + extra_len - n, n);
      }
      break;

    case KDH_STATE_COMMAND_STRING:
      decode_command_strings (extra, extra_len, out);
      break;

    default:
      g_set_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED,
                   "state change: unknown NewState 0x%x", out->new_state);
      return FALSE;
    }

  return TRUE;
}

void
kdh_state_change_clear (KdhStateChange *sc)
{
  if (sc == NULL)
    return;

  g_clear_pointer (&sc->path, g_free);
  g_clear_pointer (&sc->command_name, g_free);
  g_clear_pointer (&sc->command, g_free);
}

gboolean
kdh_control_report_decode (const guint8      raw[0x30],
                           guint16           machine,
                           KdhControlReport *out,
                           GError          **error)
{
  g_return_val_if_fail (raw != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);

  switch (machine)
    {
    case KDH_MACHINE_AMD64:
      out->dr6 = kdh_read_le64 (raw + 0x00);
      out->dr7 = kdh_read_le64 (raw + 0x08);
      out->eflags = kdh_read_le32 (raw + 0x10);
      out->instruction_count = MIN (kdh_read_le16 (raw + 0x14), KDH_DBGKD_MAXSTREAM);
      out->report_flags = kdh_read_le16 (raw + 0x16);
      memcpy (out->instruction_stream, raw + 0x18, KDH_DBGKD_MAXSTREAM);
      out->seg_cs = kdh_read_le16 (raw + 0x28);
      out->seg_ds = kdh_read_le16 (raw + 0x2A);
      out->seg_es = kdh_read_le16 (raw + 0x2C);
      out->seg_fs = kdh_read_le16 (raw + 0x2E);
      return TRUE;

    case KDH_MACHINE_I386:
      out->dr6 = kdh_read_le32 (raw + 0x00);
      out->dr7 = kdh_read_le32 (raw + 0x04);
      out->instruction_count = MIN (kdh_read_le16 (raw + 0x08), KDH_DBGKD_MAXSTREAM);
      out->report_flags = kdh_read_le16 (raw + 0x0A);
      memcpy (out->instruction_stream, raw + 0x0C, KDH_DBGKD_MAXSTREAM);
      out->seg_cs = kdh_read_le16 (raw + 0x1C);
      out->seg_ds = kdh_read_le16 (raw + 0x1E);
      out->seg_es = kdh_read_le16 (raw + 0x20);
      out->seg_fs = kdh_read_le16 (raw + 0x22);
      out->eflags = kdh_read_le32 (raw + 0x24);
      return TRUE;

    default:
      g_set_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED,
                   "control report: unknown machine 0x%04x", machine);
      return FALSE;
    }
}

static void
encode_control_report (guint8                  dst[SC_REPORT_SIZE],
                       const KdhStateChange   *sc,
                       guint16                 machine,
                       const KdhControlReport *r)
{
  /* Without a decoded report, resend the raw bytes: this keeps a decoded
   * state change byte-exact when encoded again. */
  if (r == NULL)
    {
      memcpy (dst, sc->raw_control_report, SC_REPORT_SIZE);
      return;
    }

  memset (dst, 0, SC_REPORT_SIZE);

  switch (machine)
    {
    case KDH_MACHINE_AMD64:
      kdh_write_le64 (dst + 0x00, r->dr6);
      kdh_write_le64 (dst + 0x08, r->dr7);
      kdh_write_le32 (dst + 0x10, r->eflags);
      kdh_write_le16 (dst + 0x14, r->instruction_count);
      kdh_write_le16 (dst + 0x16, r->report_flags);
      memcpy (dst + 0x18, r->instruction_stream, KDH_DBGKD_MAXSTREAM);
      kdh_write_le16 (dst + 0x28, r->seg_cs);
      kdh_write_le16 (dst + 0x2A, r->seg_ds);
      kdh_write_le16 (dst + 0x2C, r->seg_es);
      kdh_write_le16 (dst + 0x2E, r->seg_fs);
      break;

    case KDH_MACHINE_I386:
      kdh_write_le32 (dst + 0x00, (guint32) r->dr6);
      kdh_write_le32 (dst + 0x04, (guint32) r->dr7);
      kdh_write_le16 (dst + 0x08, r->instruction_count);
      kdh_write_le16 (dst + 0x0A, r->report_flags);
      memcpy (dst + 0x0C, r->instruction_stream, KDH_DBGKD_MAXSTREAM);
      kdh_write_le16 (dst + 0x1C, r->seg_cs);
      kdh_write_le16 (dst + 0x1E, r->seg_ds);
      kdh_write_le16 (dst + 0x20, r->seg_es);
      kdh_write_le16 (dst + 0x22, r->seg_fs);
      kdh_write_le32 (dst + 0x24, r->eflags);
      break;

    default:
      /* Unknown layout: an all-zero report says "nothing to report". */
      break;
    }
}

static void
encode_state_header (guint8               *buf,
                     guint32               new_state,
                     const KdhStateChange *sc)
{
  kdh_write_le32 (buf + 0x00, new_state | (sc->alternate ? KDH_STATE_ALTERNATE_FLAG : 0));
  kdh_write_le16 (buf + 0x04, sc->processor_level);
  kdh_write_le16 (buf + 0x06, sc->processor);
  kdh_write_le32 (buf + 0x08, sc->number_processors);
  kdh_write_le64 (buf + 0x10, sc->thread);
  kdh_write_le64 (buf + 0x18, sc->program_counter);
}

void
kdh_state_change_encode_exception (GByteArray             *out,
                                   const KdhStateChange   *sc,
                                   guint16                 machine,
                                   const KdhControlReport *report)
{
  guint8 buf[KDH_STATE_CHANGE64_SIZE] = { 0 };
  const KdhException64 *e;
  guint8 *u = buf + SC_UNION;

  g_return_if_fail (out != NULL);
  g_return_if_fail (sc != NULL);

  e = &sc->u.exception;
  encode_state_header (buf, KDH_STATE_EXCEPTION, sc);
  kdh_write_le32 (u + 0x00, e->code);
  kdh_write_le32 (u + 0x04, e->flags);
  kdh_write_le64 (u + 0x08, e->record);
  kdh_write_le64 (u + 0x10, e->address);
  kdh_write_le32 (u + 0x18, e->number_parameters);
  for (guint i = 0; i < 15; i++)
    kdh_write_le64 (u + 0x20 + 8 * i, e->information[i]);
  kdh_write_le32 (u + 0x98, e->first_chance);
  encode_control_report (buf + SC_CONTROL_REPORT, sc, machine, report);

  g_byte_array_append (out, buf, sizeof buf);
}

void
kdh_state_change_encode_load_symbols (GByteArray             *out,
                                      const KdhStateChange   *sc,
                                      guint16                 machine,
                                      const KdhControlReport *report,
                                      const gchar            *path)
{
  guint8 buf[KDH_STATE_CHANGE64_SIZE] = { 0 };
  const KdhLoadSymbols64 *ls;
  guint8 *u = buf + SC_UNION;
  gsize path_len;

  g_return_if_fail (out != NULL);
  g_return_if_fail (sc != NULL);

  if (path == NULL)
    path = sc->path;
  /* PathNameLength counts the NUL, which is sent too. */
  path_len = path != NULL ? strlen (path) + 1 : 0;

  ls = &sc->u.load_symbols;
  encode_state_header (buf, KDH_STATE_LOAD_SYMBOLS, sc);
  kdh_write_le32 (u + 0x00, (guint32) path_len);
  kdh_write_le64 (u + 0x08, ls->base_of_dll);
  kdh_write_le64 (u + 0x10, ls->process_id);
  kdh_write_le32 (u + 0x18, ls->checksum);
  kdh_write_le32 (u + 0x1C, ls->size_of_image);
  u[0x20] = ls->unload ? 1 : 0;
  encode_control_report (buf + SC_CONTROL_REPORT, sc, machine, report);

  g_byte_array_append (out, buf, sizeof buf);
  if (path_len > 0)
    g_byte_array_append (out, (const guint8 *) path, (guint) path_len);
}

/* ---- Manipulate ------------------------------------------------------- */

gboolean
kdh_manipulate_decode (const guint8   *payload,
                       gsize           len,
                       KdhManipulate  *out,
                       GError        **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (payload != NULL || len == 0, FALSE);

  memset (out, 0, sizeof *out);

  if (!check_length (len, KDH_MANIPULATE64_SIZE, "manipulate", error))
    return FALSE;

  out->api = kdh_read_le32 (payload + 0x00);
  out->processor_level = kdh_read_le16 (payload + 0x04);
  out->processor = kdh_read_le16 (payload + 0x06);
  out->return_status = kdh_read_le32 (payload + 0x08);
  memcpy (out->u, payload + M_UNION, M_UNION_SIZE);
  out->data_len = len - KDH_MANIPULATE64_SIZE;
  out->data = out->data_len > 0 ? payload + KDH_MANIPULATE64_SIZE : NULL;

  return TRUE;
}

void
kdh_manipulate_encode (GByteArray          *out,
                       const KdhManipulate *m,
                       const guint8        *data,
                       gsize                data_len)
{
  guint8 buf[KDH_MANIPULATE64_SIZE] = { 0 };

  g_return_if_fail (out != NULL);
  g_return_if_fail (m != NULL);
  g_return_if_fail (data != NULL || data_len == 0);
  g_return_if_fail (data_len <= G_MAXUINT);

  kdh_write_le32 (buf + 0x00, m->api);
  kdh_write_le16 (buf + 0x04, m->processor_level);
  kdh_write_le16 (buf + 0x06, m->processor);
  kdh_write_le32 (buf + 0x08, m->return_status);
  memcpy (buf + M_UNION, m->u, M_UNION_SIZE);

  g_byte_array_append (out, buf, sizeof buf);
  if (data_len > 0)
    g_byte_array_append (out, data, (guint) data_len);
}

guint64
kdh_manipulate_get_u64 (const KdhManipulate *m,
                        guint                offset_in_union)
{
  g_return_val_if_fail (m != NULL, 0);
  g_return_val_if_fail (offset_in_union <= M_UNION_SIZE - 8, 0);

  return kdh_read_le64 (m->u + offset_in_union);
}

guint32
kdh_manipulate_get_u32 (const KdhManipulate *m,
                        guint                offset_in_union)
{
  g_return_val_if_fail (m != NULL, 0);
  g_return_val_if_fail (offset_in_union <= M_UNION_SIZE - 4, 0);

  return kdh_read_le32 (m->u + offset_in_union);
}

void
kdh_manipulate_set_u64 (KdhManipulate *m,
                        guint          offset_in_union,
                        guint64        v)
{
  g_return_if_fail (m != NULL);
  g_return_if_fail (offset_in_union <= M_UNION_SIZE - 8);

  kdh_write_le64 (m->u + offset_in_union, v);
}

void
kdh_manipulate_set_u32 (KdhManipulate *m,
                        guint          offset_in_union,
                        guint32        v)
{
  g_return_if_fail (m != NULL);
  g_return_if_fail (offset_in_union <= M_UNION_SIZE - 4);

  kdh_write_le32 (m->u + offset_in_union, v);
}

static void
manipulate_reset (KdhManipulate *m,
                  guint32        api,
                  guint16        processor)
{
  memset (m, 0, sizeof *m);
  m->api = api;
  m->processor = processor;
  /* The NT host marks requests pending; targets overwrite it. */
  m->return_status = KDH_STATUS_PENDING;
}

void
kdh_manipulate_init_get_version (KdhManipulate *m)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_GET_VERSION, 0);
}

void
kdh_manipulate_init_memory (KdhManipulate *m,
                            guint32        api,
                            guint16        processor,
                            guint64        address,
                            guint32        transfer_count)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, api, processor);
  kdh_manipulate_set_u64 (m, 0x00, address);
  kdh_manipulate_set_u32 (m, 0x08, transfer_count);
}

void
kdh_manipulate_init_get_context (KdhManipulate *m,
                                 guint16        processor)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_GET_CONTEXT, processor);
}

void
kdh_manipulate_init_set_context (KdhManipulate *m,
                                 guint16        processor,
                                 guint32        context_flags)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_SET_CONTEXT, processor);
  kdh_manipulate_set_u32 (m, 0x00, context_flags);
}

void
kdh_manipulate_init_write_breakpoint (KdhManipulate *m,
                                      guint64        address)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_WRITE_BREAKPOINT, 0);
  kdh_manipulate_set_u64 (m, 0x00, address);
}

void
kdh_manipulate_init_restore_breakpoint (KdhManipulate *m,
                                        guint32        handle)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_RESTORE_BREAKPOINT, 0);
  kdh_manipulate_set_u32 (m, 0x00, handle);
}

void
kdh_manipulate_init_continue (KdhManipulate *m,
                              guint32        continue_status)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_CONTINUE, 0);
  /* As the NT host does; targets read only the union field. */
  m->return_status = continue_status;
  kdh_manipulate_set_u32 (m, 0x00, continue_status);
}

void
kdh_manipulate_init_continue2 (KdhManipulate *m,
                               guint16        machine,
                               guint32        continue_status,
                               gboolean       trace,
                               guint64        dr7,
                               guint64        symbol_start,
                               guint64        symbol_end)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_CONTINUE2, 0);
  kdh_manipulate_set_u32 (m, 0x00, continue_status);
  kdh_manipulate_set_u32 (m, 0x04, trace ? 1 : 0);

  if (machine == KDH_MACHINE_I386)
    {
      kdh_manipulate_set_u32 (m, 0x08, (guint32) dr7);
      kdh_manipulate_set_u32 (m, 0x0C, (guint32) symbol_start);
      kdh_manipulate_set_u32 (m, 0x10, (guint32) symbol_end);
    }
  else
    {
      /* The AMD64 control set is packed to 4: Dr7 sits at union + 8. */
      kdh_manipulate_set_u64 (m, 0x08, dr7);
      kdh_manipulate_set_u64 (m, 0x10, symbol_start);
      kdh_manipulate_set_u64 (m, 0x18, symbol_end);
    }
}

void
kdh_manipulate_init_reboot (KdhManipulate *m)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_REBOOT, 0);
}

void
kdh_manipulate_init_switch_processor (KdhManipulate *m,
                                      guint16        processor)
{
  g_return_if_fail (m != NULL);

  manipulate_reset (m, KDH_API_SWITCH_PROCESSOR, processor);
}

gboolean
kdh_manipulate_api_has_reply (guint32 api)
{
  switch (api)
    {
    case KDH_API_CONTINUE:
    case KDH_API_CONTINUE2:
    case KDH_API_REBOOT:
    case KDH_API_CAUSE_BUGCHECK:
    case KDH_API_SWITCH_PROCESSOR:
    case KDH_API_CLEAR_ALL_INTERNAL_BREAKPOINTS:
      return FALSE;
    default:
      return TRUE;
    }
}

gboolean
kdh_manipulate_api_is_memory (guint32 api)
{
  switch (api)
    {
    case KDH_API_READ_VIRTUAL_MEMORY:
    case KDH_API_WRITE_VIRTUAL_MEMORY:
    case KDH_API_READ_PHYSICAL_MEMORY:
    case KDH_API_WRITE_PHYSICAL_MEMORY:
    case KDH_API_READ_CONTROL_SPACE:
    case KDH_API_WRITE_CONTROL_SPACE:
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- GetVersion ------------------------------------------------------- */

gboolean
kdh_version_decode (const KdhManipulate  *reply,
                    KdhVersion           *out,
                    GError              **error)
{
  const guint8 *u;

  g_return_val_if_fail (reply != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);

  if (reply->api != KDH_API_GET_VERSION)
    {
      g_set_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_INVALID,
                   "version: ApiNumber is 0x%x, not GetVersion", reply->api);
      return FALSE;
    }

  u = reply->u;
  out->major_version = kdh_read_le16 (u + 0x00);
  out->minor_version = kdh_read_le16 (u + 0x02);
  out->protocol_version = u[0x04];
  out->kd_secondary_version = u[0x05];
  out->flags = kdh_read_le16 (u + 0x06);
  out->machine_type = kdh_read_le16 (u + 0x08);
  out->max_packet_type = u[0x0A];
  out->max_state_change = u[0x0B];
  out->max_manipulate = u[0x0C];
  out->simulation = u[0x0D];
  out->kern_base = kdh_read_le64 (u + 0x10);
  out->ps_loaded_module_list = kdh_read_le64 (u + 0x18);
  out->debugger_data_list = kdh_read_le64 (u + 0x20);

  return TRUE;
}

void
kdh_version_encode (KdhManipulate    *reply,
                    const KdhVersion *v)
{
  guint8 *u;

  g_return_if_fail (reply != NULL);
  g_return_if_fail (v != NULL);

  u = reply->u;
  memset (u, 0, M_UNION_SIZE);
  kdh_write_le16 (u + 0x00, v->major_version);
  kdh_write_le16 (u + 0x02, v->minor_version);
  u[0x04] = v->protocol_version;
  u[0x05] = v->kd_secondary_version;
  kdh_write_le16 (u + 0x06, v->flags);
  kdh_write_le16 (u + 0x08, v->machine_type);
  u[0x0A] = v->max_packet_type;
  u[0x0B] = v->max_state_change;
  u[0x0C] = v->max_manipulate;
  u[0x0D] = v->simulation;
  kdh_write_le64 (u + 0x10, v->kern_base);
  kdh_write_le64 (u + 0x18, v->ps_loaded_module_list);
  kdh_write_le64 (u + 0x20, v->debugger_data_list);
}

/* ---- Debug I/O -------------------------------------------------------- */

gboolean
kdh_debug_io_decode (const guint8  *payload,
                     gsize          len,
                     KdhDebugIo    *out,
                     GError       **error)
{
  gsize present;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (payload != NULL || len == 0, FALSE);

  memset (out, 0, sizeof *out);

  if (!check_length (len, KDH_DEBUG_IO_SIZE, "debug I/O", error))
    return FALSE;

  out->api = kdh_read_le32 (payload + 0x00);
  out->processor_level = kdh_read_le16 (payload + 0x04);
  out->processor = kdh_read_le16 (payload + 0x06);
  out->length = kdh_read_le32 (payload + 0x08);
  out->length_read = kdh_read_le32 (payload + 0x0C);

  if (out->api != KDH_API_PRINT_STRING && out->api != KDH_API_GET_STRING)
    {
      g_set_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED,
                   "debug I/O: unknown ApiNumber 0x%x", out->api);
      return FALSE;
    }

  present = len - KDH_DEBUG_IO_SIZE;
  out->data_len = MIN ((gsize) out->length, present);
  out->data = out->data_len > 0 ? payload + KDH_DEBUG_IO_SIZE : NULL;

  return TRUE;
}

static void
encode_debug_io (GByteArray   *out,
                 guint32       api,
                 guint16       processor_level,
                 guint16       processor,
                 guint32       length,
                 guint32       length_read,
                 const guint8 *data,
                 gsize         data_len)
{
  guint8 buf[KDH_DEBUG_IO_SIZE] = { 0 };

  kdh_write_le32 (buf + 0x00, api);
  kdh_write_le16 (buf + 0x04, processor_level);
  kdh_write_le16 (buf + 0x06, processor);
  kdh_write_le32 (buf + 0x08, length);
  kdh_write_le32 (buf + 0x0C, length_read);

  g_byte_array_append (out, buf, sizeof buf);
  if (data_len > 0)
    g_byte_array_append (out, data, (guint) data_len);
}

void
kdh_debug_io_encode_print (GByteArray  *out,
                           guint16      processor,
                           const gchar *text,
                           gsize        len)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (text != NULL || len == 0);
  g_return_if_fail (len <= G_MAXUINT32);

  encode_debug_io (out, KDH_API_PRINT_STRING, 0, processor, (guint32) len, 0,
                   (const guint8 *) text, len);
}

void
kdh_debug_io_encode_get_string_reply (GByteArray       *out,
                                      const KdhDebugIo *prompt,
                                      const gchar      *reply,
                                      gsize             len)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (prompt != NULL);
  g_return_if_fail (reply != NULL || len == 0);
  g_return_if_fail (len <= G_MAXUINT32);

  /* The prompt's header goes back with LengthOfStringRead filled in; the
   * target takes the reply length from the packet's data length. */
  encode_debug_io (out, KDH_API_GET_STRING, prompt->processor_level, prompt->processor,
                   prompt->length, (guint32) len, (const guint8 *) reply, len);
}
