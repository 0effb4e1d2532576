/* kdh-dbgkd-describe.c: one-line descriptions of DbgKd packets, and their
 * plausibility
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For the packet log and the link: what a packet means, in a line a person
 * reads ("Manipulate ReadVirtualMemory 0xfffff800... 0x1000"), and whether a
 * payload looks like its packet type at all (the header is not covered by
 * the checksum, docs/protocol.md §2.1).
 */

#include <string.h>

#include <glib.h>

#include "kdh-dbgkd.h"
#include "common/kdh-le.h"

/* ---- Packet descriptions ---------------------------------------------- */

/* Strings from the wire go into a one-line log: keep them printable and
 * short. */
static void
append_sanitized (GString     *s,
                  const gchar *str,
                  gsize        max)
{
  gsize i;

  for (i = 0; str[i] != '\0' && i < max; i++)
    {
      guchar c = (guchar) str[i];

      g_string_append_c (s, c >= 0x20 && c < 0x7F ? (gchar) c : '?');
    }
  if (str[i] != '\0')
    g_string_append (s, "...");
}

static const gchar *
base_name (const gchar *path)
{
  const gchar *p = path;

  for (const gchar *q = path; *q != '\0'; q++)
    if (*q == '\\' || *q == '/')
      p = q + 1;
  return p;
}

static void
append_status (GString *s,
               guint32  status)
{
  const gchar *name = kdh_status_name (status);

  if (name != NULL)
    g_string_append (s, name);
  else
    g_string_append_printf (s, "0x%08x", status);
}

static void
describe_state_change (GString      *s,
                       const guint8 *payload,
                       gsize         len)
{
  KdhStateChange sc;
  g_autoptr(GError) error = NULL;
  gboolean with_cpu = TRUE;

  if (!kdh_state_change_decode (payload, len, &sc, &error)
      && !g_error_matches (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED))
    {
      g_string_append_printf (s, "malformed StateChange: %" G_GSIZE_FORMAT " bytes, need %d",
                              len, KDH_STATE_CHANGE64_SIZE);
      return;
    }

  switch (sc.new_state)
    {
    case KDH_STATE_EXCEPTION:
      g_string_append_printf (s, "StateChange Exception 0x%08x at 0x%016" G_GINT64_MODIFIER "x",
                              sc.u.exception.code, sc.u.exception.address);
      break;

    case KDH_STATE_LOAD_SYMBOLS:
      g_string_append (s, sc.u.load_symbols.unload ? "StateChange UnloadSymbols "
                                                   : "StateChange LoadSymbols ");
      if (sc.path != NULL && sc.path[0] != '\0')
        append_sanitized (s, base_name (sc.path), 64);
      else
        g_string_append (s, "(no path)");
      g_string_append_printf (s, " 0x%016" G_GINT64_MODIFIER "x", sc.u.load_symbols.base_of_dll);
      with_cpu = FALSE;
      break;

    case KDH_STATE_COMMAND_STRING:
      g_string_append (s, "StateChange CommandString ");
      append_sanitized (s, sc.command_name != NULL ? sc.command_name : "", 32);
      g_string_append (s, ": ");
      append_sanitized (s, sc.command != NULL ? sc.command : "", 64);
      with_cpu = FALSE;
      break;

    default:
      g_string_append_printf (s, "StateChange 0x%x at 0x%016" G_GINT64_MODIFIER "x",
                              sc.new_state, sc.program_counter);
      break;
    }

  if (with_cpu)
    g_string_append_printf (s, " cpu %u/%u", sc.processor, sc.number_processors);
  if (sc.alternate)
    g_string_append (s, " alternate");

  kdh_state_change_clear (&sc);
}

static void
describe_manipulate (GString      *s,
                     const guint8 *payload,
                     gsize         len)
{
  KdhManipulate m;
  g_autoptr(GError) error = NULL;
  const gchar *name;
  gboolean request;

  if (!kdh_manipulate_decode (payload, len, &m, &error))
    {
      g_string_append_printf (s, "malformed Manipulate: %" G_GSIZE_FORMAT " bytes, need %d",
                              len, KDH_MANIPULATE64_SIZE);
      return;
    }

  name = kdh_api_name (m.api);
  if (name != NULL)
    g_string_append_printf (s, "Manipulate %s", name);
  else
    g_string_append_printf (s, "Manipulate 0x%08x", m.api);

  /* The payload does not say which way it travels. This host marks its
   * requests STATUS_PENDING; APIs that are never answered are requests. */
  request = m.return_status == KDH_STATUS_PENDING || !kdh_manipulate_api_has_reply (m.api);
  if (!request)
    {
      g_string_append (s, " reply ");
      append_status (s, m.return_status);
    }

  if (kdh_manipulate_api_is_memory (m.api))
    {
      g_string_append_printf (s, " 0x%" G_GINT64_MODIFIER "x 0x%x",
                              kdh_manipulate_memory_address (&m),
                              request ? kdh_manipulate_memory_count (&m)
                                      : kdh_manipulate_memory_actual (&m));
      return;
    }
  switch (m.api)
    {
    case KDH_API_GET_CONTEXT:
    case KDH_API_SET_CONTEXT:
    case KDH_API_SWITCH_PROCESSOR:
      g_string_append_printf (s, " cpu %u", m.processor);
      if (m.data_len > 0)
        g_string_append_printf (s, " %" G_GSIZE_FORMAT " bytes", m.data_len);
      break;

    case KDH_API_GET_CONTEXT_EX:
    case KDH_API_SET_CONTEXT_EX:
      g_string_append_printf (s, " cpu %u 0x%x 0x%x", m.processor,
                              kdh_manipulate_get_u32 (&m, 0x00),
                              request ? kdh_manipulate_get_u32 (&m, 0x04)
                                      : kdh_manipulate_get_u32 (&m, 0x08));
      break;

    case KDH_API_WRITE_BREAKPOINT:
      g_string_append_printf (s, " 0x%" G_GINT64_MODIFIER "x", kdh_manipulate_get_u64 (&m, 0x00));
      if (!request)
        g_string_append_printf (s, " handle %u", kdh_manipulate_get_u32 (&m, 0x08));
      break;

    case KDH_API_RESTORE_BREAKPOINT:
      g_string_append_printf (s, " handle %u", kdh_manipulate_get_u32 (&m, 0x00));
      break;

    case KDH_API_CONTINUE:
      g_string_append_c (s, ' ');
      append_status (s, kdh_manipulate_get_u32 (&m, 0x00));
      break;

    case KDH_API_CONTINUE2:
      /* The layout depends on the machine, which is not known here; the
       * first two fields are common to both. */
      g_string_append_c (s, ' ');
      append_status (s, kdh_manipulate_get_u32 (&m, 0x00));
      if (kdh_manipulate_get_u32 (&m, 0x04) != 0)
        g_string_append (s, " trace");
      break;

    case KDH_API_READ_MSR:
    case KDH_API_WRITE_MSR:
      g_string_append_printf (s, " 0x%x", kdh_manipulate_get_u32 (&m, 0x00));
      if (m.api == KDH_API_WRITE_MSR || !request)
        g_string_append_printf (s, " 0x%08x%08x", kdh_manipulate_get_u32 (&m, 0x08),
                                kdh_manipulate_get_u32 (&m, 0x04));
      break;

    case KDH_API_READ_IO_SPACE:
    case KDH_API_WRITE_IO_SPACE:
      g_string_append_printf (s, " 0x%" G_GINT64_MODIFIER "x size %u",
                              kdh_manipulate_get_u64 (&m, 0x00), kdh_manipulate_get_u32 (&m, 0x08));
      break;

    case KDH_API_SEARCH_MEMORY:
      g_string_append_printf (s, " 0x%" G_GINT64_MODIFIER "x", kdh_manipulate_get_u64 (&m, 0x00));
      if (request)
        g_string_append_printf (s, " 0x%" G_GINT64_MODIFIER "x pattern %u",
                                kdh_manipulate_get_u64 (&m, 0x08),
                                kdh_manipulate_get_u32 (&m, 0x10));
      break;

    case KDH_API_QUERY_MEMORY:
      g_string_append_printf (s, " 0x%" G_GINT64_MODIFIER "x", kdh_manipulate_get_u64 (&m, 0x00));
      break;

    default:
      if (m.data_len > 0)
        g_string_append_printf (s, " %" G_GSIZE_FORMAT " bytes", m.data_len);
      break;
    }
}

static void
describe_debug_io (GString      *s,
                   const guint8 *payload,
                   gsize         len)
{
  KdhDebugIo io;
  g_autoptr(GError) error = NULL;

  if (!kdh_debug_io_decode (payload, len, &io, &error))
    {
      if (g_error_matches (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED))
        g_string_append_printf (s, "DebugIo 0x%08x %" G_GSIZE_FORMAT " bytes",
                                io.api, len - KDH_DEBUG_IO_SIZE);
      else
        g_string_append_printf (s, "malformed DebugIo: %" G_GSIZE_FORMAT " bytes, need %d",
                                len, KDH_DEBUG_IO_SIZE);
      return;
    }

  if (io.api == KDH_API_PRINT_STRING)
    g_string_append_printf (s, "DebugIo Print %" G_GSIZE_FORMAT " bytes", io.data_len);
  else
    g_string_append_printf (s, "DebugIo GetString %" G_GSIZE_FORMAT " bytes read %u",
                            io.data_len, io.length_read);

  if (io.data_len < io.length)
    g_string_append_printf (s, " (length says %u)", io.length);
}

static const gchar *
packet_type_name (guint16 packet_type)
{
  static const gchar * const names[] = {
    "Unused", "StateChange32", "Manipulate", "DebugIo", "Acknowledge", "Resend", "Reset",
    "StateChange", "PollBreakin", "TraceIo", "ControlRequest", "FileIo",
  };

  return packet_type < G_N_ELEMENTS (names) ? names[packet_type] : NULL;
}

gchar *
kdh_dbgkd_describe (guint16       packet_type,
                    const guint8 *payload,
                    gsize         len)
{
  GString *s = g_string_new (NULL);
  const gchar *type_name;

  if (payload == NULL)
    len = 0;

  switch (packet_type)
    {
    case 2:
      describe_manipulate (s, payload, len);
      break;

    case 3:
      describe_debug_io (s, payload, len);
      break;

    case 7:
      describe_state_change (s, payload, len);
      break;

    default:
      type_name = packet_type_name (packet_type);
      if (type_name != NULL)
        g_string_append (s, type_name);
      else
        g_string_append_printf (s, "PacketType%u", packet_type);
      /* FILE_IO, TRACE_IO and CONTROL_REQUEST all start with an ApiNumber. */
      if (len >= 4 && kdh_api_name (kdh_read_le32 (payload)) != NULL)
        g_string_append_printf (s, " %s", kdh_api_name (kdh_read_le32 (payload)));
      g_string_append_printf (s, " %" G_GSIZE_FORMAT " bytes", len);
      break;
    }

  return g_string_free (s, FALSE);
}

gboolean
kdh_dbgkd_payload_plausible (guint16       packet_type,
                             const guint8 *payload,
                             gsize         len)
{
  guint32 first;

  if (len < 4)
    return FALSE;
  first = kdh_read_le32 (payload);
  switch (packet_type)
    {
    case 1:   /* StateChange32: legacy and shorter */
      first &= ~KDH_STATE_ALTERNATE_FLAG;
      return first >= KDH_STATE_EXCEPTION && first <= KDH_STATE_COMMAND_STRING;
    case 7:   /* StateChange64: 0xF0 bytes on every architecture (§3.1) */
      first &= ~KDH_STATE_ALTERNATE_FLAG;
      return len >= KDH_STATE_CHANGE64_SIZE && first >= KDH_STATE_EXCEPTION
             && first <= KDH_STATE_COMMAND_STRING;
    case 2:   /* StateManipulate */
      return len >= KDH_MANIPULATE64_SIZE && first >= KDH_API_MANIPULATE_MIN
             && first < KDH_API_MANIPULATE_LIMIT;
    case 3:   /* DebugIo */
      return len >= KDH_DEBUG_IO_SIZE && (first == KDH_API_PRINT_STRING || first == KDH_API_GET_STRING);
    case 9:   /* TraceIo */
      return first == 0x3330;
    case 10:  /* ControlRequest */
      return first == 0x4300 || first == 0x4301;
    case 11:  /* FileIo */
      return first >= 0x3430 && first <= 0x3433;
    default:
      return TRUE;
    }
}
