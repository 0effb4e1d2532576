/* kdh-dbgkd.c: DbgKd message codecs (manipulate, version, debug I/O)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layouts are those of docs/protocol.md §3; fields are read and written with
 * kdh-le.h (any alignment, little-endian). State changes are in
 * kdh-dbgkd-state.c, descriptions for the packet log in
 * kdh-dbgkd-describe.c.
 */

#include <string.h>

#include <glib.h>

#include "kdh-dbgkd-private.h"
#include "common/kdh-le.h"

G_DEFINE_QUARK (kdh-dbgkd-error-quark, kdh_dbgkd_error)

gboolean
kdh_dbgkd_check_length (gsize        len,
                        gsize        need,
                        const gchar *what,
                        GError     **error)
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

  if (!kdh_dbgkd_check_length (len, KDH_MANIPULATE64_SIZE, "manipulate", error))
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

  if (!kdh_dbgkd_check_length (len, KDH_DEBUG_IO_SIZE, "debug I/O", error))
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
