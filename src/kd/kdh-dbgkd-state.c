/* kdh-dbgkd-state.c: DbgKd state changes and control reports
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DBGKD_ANY_WAIT_STATE_CHANGE (docs/protocol.md §3.1): what a target sends
 * when it stops.
 */

#include <string.h>

#include <glib.h>

#include "kdh-dbgkd-private.h"
#include "common/kdh-le.h"

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
kdh_state_change_decode (const guint8   *payload,
                         gsize           len,
                         KdhStateChange *out,
                         GError        **error)
{
  const guint8 *u;
  const guint8 *extra;
  gsize extra_len;
  guint32 raw_state;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (payload != NULL || len == 0, FALSE);

  memset (out, 0, sizeof *out);

  if (!kdh_dbgkd_check_length (len, KDH_STATE_CHANGE64_SIZE, "state change", error))
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

