/* fuzz-dbgkd.c: libFuzzer harness for the DbgKd codecs and CONTEXT formatting
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is one packet payload, as a hostile target could send it. It
 * goes through every decoder (state change, both control report layouts,
 * manipulate, GetVersion, debug I/O), the packet-log description and the
 * plausibility check for every packet type, and the `r` display for both
 * machines, with the input as the CONTEXT.
 *
 * Checks: decoders fail cleanly and only when they must; what decodes
 * encodes back to the same thing; the plausibility check never lets
 * through what the decoder then refuses; descriptions are one printable
 * line; register reads stay inside the buffer.
 */
#include <string.h>

#include "kd/kdh-context.h"
#include "kd/kdh-dbgkd.h"
#include "kd/kdh-packet.h"
#include "kdh-fuzz.h"

#define PAD_START 0x0C   /* the manipulate header's padding, not encoded */
#define PAD_END   0x10

static const guint16 machines[] = { KDH_MACHINE_AMD64, KDH_MACHINE_I386 };

static void
check_report_round_trip (const KdhStateChange *sc,
                         guint16               machine)
{
  KdhControlReport report, again;
  KdhStateChange sc2;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (kdh_control_report_decode (sc->raw_control_report, machine, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report.instruction_count, <=, KDH_DBGKD_MAXSTREAM);

  /* Encoded with the decoded report, the report decodes the same. */
  kdh_state_change_encode_exception (out, sc, machine, &report);
  g_assert_cmpuint (out->len, ==, KDH_STATE_CHANGE64_SIZE);
  g_assert_true (kdh_state_change_decode (out->data, out->len, &sc2, &error));
  g_assert_no_error (error);
  g_assert_true (kdh_control_report_decode (sc2.raw_control_report, machine, &again, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (&report, &again, sizeof report) == 0);
  kdh_state_change_clear (&sc2);
}

static void
check_common_equal (const KdhStateChange *a,
                    const KdhStateChange *b)
{
  g_assert_cmpuint (a->new_state, ==, b->new_state);
  g_assert_cmpint (a->alternate, ==, b->alternate);
  g_assert_cmpuint (a->processor_level, ==, b->processor_level);
  g_assert_cmpuint (a->processor, ==, b->processor);
  g_assert_cmpuint (a->number_processors, ==, b->number_processors);
  g_assert_cmpuint (a->thread, ==, b->thread);
  g_assert_cmpuint (a->program_counter, ==, b->program_counter);
  g_assert_true (memcmp (a->raw_control_report, b->raw_control_report,
                         sizeof a->raw_control_report) == 0);
}

static void
fuzz_state_change (const guint8 *data,
                   gsize         len)
{
  KdhStateChange sc, sc2;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gboolean ok = kdh_state_change_decode (data, len, &sc, &error);

  if (len < KDH_STATE_CHANGE64_SIZE)
    {
      g_assert_false (ok);
      g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
      g_assert_null (sc.path);
      g_assert_null (sc.command_name);
      g_assert_null (sc.command);
      kdh_state_change_clear (&sc);
      return;
    }

  /* The control report decodes for either machine, and for no other. */
  for (guint i = 0; i < G_N_ELEMENTS (machines); i++)
    check_report_round_trip (&sc, machines[i]);
  {
    KdhControlReport report;
    g_autoptr (GError) machine_error = NULL;

    g_assert_false (kdh_control_report_decode (sc.raw_control_report, 0x1234, &report,
                                               &machine_error));
    g_assert_error (machine_error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED);
  }

  if (!ok)
    {
      g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED);
      g_assert_cmpuint (sc.new_state, !=, KDH_STATE_EXCEPTION);
      g_assert_cmpuint (sc.new_state, !=, KDH_STATE_LOAD_SYMBOLS);
      g_assert_cmpuint (sc.new_state, !=, KDH_STATE_COMMAND_STRING);
      kdh_state_change_clear (&sc);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (sc.new_state & KDH_STATE_ALTERNATE_FLAG, ==, 0);
  g_assert_nonnull (kdh_state_name (sc.new_state));

  switch (sc.new_state)
    {
    case KDH_STATE_EXCEPTION:
      g_assert_cmpuint (sc.u.exception.number_parameters, <=, 15);
      g_assert_null (sc.path);
      g_assert_null (sc.command_name);
      kdh_state_change_encode_exception (out, &sc, KDH_MACHINE_AMD64, NULL);
      g_assert_cmpuint (out->len, ==, KDH_STATE_CHANGE64_SIZE);
      g_assert_true (kdh_state_change_decode (out->data, out->len, &sc2, &error));
      g_assert_no_error (error);
      check_common_equal (&sc, &sc2);
      g_assert_true (memcmp (&sc.u.exception, &sc2.u.exception, sizeof sc.u.exception) == 0);
      kdh_state_change_clear (&sc2);
      break;

    case KDH_STATE_LOAD_SYMBOLS:
      g_assert_null (sc.command_name);
      if (sc.path != NULL)
        {
          gsize path_len = strlen (sc.path);

          /* The NUL may be missing; the length is never exceeded. */
          g_assert_cmpuint (path_len, <=, sc.u.load_symbols.path_name_length);
          g_assert_cmpuint (path_len, <=, len - KDH_STATE_CHANGE64_SIZE);
        }
      kdh_state_change_encode_load_symbols (out, &sc, KDH_MACHINE_AMD64, NULL, NULL);
      g_assert_true (kdh_state_change_decode (out->data, out->len, &sc2, &error));
      g_assert_no_error (error);
      check_common_equal (&sc, &sc2);
      g_assert_cmpstr (sc.path, ==, sc2.path);
      g_assert_cmpuint (sc.u.load_symbols.base_of_dll, ==, sc2.u.load_symbols.base_of_dll);
      g_assert_cmpuint (sc.u.load_symbols.process_id, ==, sc2.u.load_symbols.process_id);
      g_assert_cmpuint (sc.u.load_symbols.checksum, ==, sc2.u.load_symbols.checksum);
      g_assert_cmpuint (sc.u.load_symbols.size_of_image, ==, sc2.u.load_symbols.size_of_image);
      g_assert_cmpint (sc.u.load_symbols.unload, ==, sc2.u.load_symbols.unload);
      kdh_state_change_clear (&sc2);
      break;

    case KDH_STATE_COMMAND_STRING:
      g_assert_null (sc.path);
      if (sc.command_name != NULL)
        g_assert_cmpuint (strlen (sc.command_name), <=, len - KDH_STATE_CHANGE64_SIZE);
      if (sc.command != NULL)
        {
          g_assert_nonnull (sc.command_name);
          g_assert_cmpuint (strlen (sc.command_name) + 1 + strlen (sc.command), <=,
                            len - KDH_STATE_CHANGE64_SIZE);
        }
      break;

    default:
      g_assert_not_reached ();
    }
  kdh_state_change_clear (&sc);
}

static void
fuzz_version (const KdhManipulate *m)
{
  KdhManipulate copy = *m, again;
  KdhVersion v, v2;
  g_autoptr (GError) error = NULL;
  gboolean ok = kdh_version_decode (m, &v, &error);

  if (m->api != KDH_API_GET_VERSION)
    {
      g_assert_false (ok);
      g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_INVALID);
      g_clear_error (&error);
      copy.api = KDH_API_GET_VERSION;
      g_assert_true (kdh_version_decode (&copy, &v, &error));
    }
  else
    g_assert_true (ok);
  g_assert_no_error (error);

  /* What decodes encodes back to the same version. */
  again = copy;
  kdh_version_encode (&again, &v);
  g_assert_true (kdh_version_decode (&again, &v2, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (&v, &v2, sizeof v) == 0);
  (void) kdh_machine_name (v.machine_type);
}

static void
fuzz_manipulate (const guint8 *data,
                 gsize         len)
{
  KdhManipulate m;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (!kdh_manipulate_decode (data, len, &m, &error))
    {
      g_assert_cmpuint (len, <, KDH_MANIPULATE64_SIZE);
      g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (m.data_len, ==, len - KDH_MANIPULATE64_SIZE);
  if (m.data_len > 0)
    g_assert_true (m.data == data + KDH_MANIPULATE64_SIZE);
  else
    g_assert_null (m.data);

  /* Every union accessor stays inside the union. */
  for (guint offset = 0; offset + 8 <= 40; offset++)
    (void) kdh_manipulate_get_u64 (&m, offset);
  for (guint offset = 0; offset + 4 <= 40; offset++)
    (void) kdh_manipulate_get_u32 (&m, offset);
  (void) kdh_api_name (m.api);
  (void) kdh_status_name (m.return_status);

  /* Encoding gives back the input, padding aside. */
  kdh_manipulate_encode (out, &m, m.data, m.data_len);
  g_assert_cmpuint (out->len, ==, len);
  g_assert_true (memcmp (out->data, data, PAD_START) == 0);
  g_assert_true (memcmp (out->data + PAD_END, data + PAD_END, len - PAD_END) == 0);

  fuzz_version (&m);
}

static void
fuzz_debug_io (const guint8 *data,
               gsize         len)
{
  KdhDebugIo io, io2;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (!kdh_debug_io_decode (data, len, &io, &error))
    {
      if (len < KDH_DEBUG_IO_SIZE)
        g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
      else
        {
          g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED);
          g_assert_true (io.api != KDH_API_PRINT_STRING && io.api != KDH_API_GET_STRING);
        }
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (io.data_len, <=, io.length);
  g_assert_cmpuint (io.data_len, <=, len - KDH_DEBUG_IO_SIZE);
  g_assert_true (io.data_len == io.length || io.data_len == len - KDH_DEBUG_IO_SIZE);
  if (io.data_len > 0)
    g_assert_true (io.data == data + KDH_DEBUG_IO_SIZE);

  if (io.api == KDH_API_PRINT_STRING)
    {
      kdh_debug_io_encode_print (out, io.processor, (const gchar *) io.data, io.data_len);
      g_assert_true (kdh_debug_io_decode (out->data, out->len, &io2, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (io2.api, ==, KDH_API_PRINT_STRING);
      g_assert_cmpuint (io2.processor, ==, io.processor);
      g_assert_cmpuint (io2.data_len, ==, io.data_len);
      if (io.data_len > 0)
        g_assert_true (memcmp (io2.data, io.data, io.data_len) == 0);
    }
  else
    {
      /* Answer the prompt with its own text. */
      kdh_debug_io_encode_get_string_reply (out, &io, (const gchar *) io.data, io.data_len);
      g_assert_true (kdh_debug_io_decode (out->data, out->len, &io2, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (io2.api, ==, KDH_API_GET_STRING);
      g_assert_cmpuint (io2.length, ==, io.length);
      g_assert_cmpuint (io2.length_read, ==, io.data_len);
      g_assert_cmpuint (out->len, ==, KDH_DEBUG_IO_SIZE + io.data_len);
    }
}

/* The packet log shows these: one printable line. */
static void
check_description (guint16       type,
                   const guint8 *data,
                   gsize         len)
{
  g_autofree gchar *text = kdh_dbgkd_describe (type, data, len);

  g_assert_nonnull (text);
  g_assert_cmpuint (strlen (text), >, 0);
  g_assert_cmpuint (strlen (text), <, 512);
  for (const gchar *p = text; *p != '\0'; p++)
    g_assert_true (*p >= 0x20 && *p < 0x7F);
}

static void
fuzz_plausible (guint16       type,
                const guint8 *data,
                gsize         len)
{
  gboolean plausible = kdh_dbgkd_payload_plausible (type, data, len);

  if (!plausible)
    return;
  /* What the link lets through, the decoders take. */
  switch (type)
    {
    case KDH_PACKET_TYPE_STATE_MANIPULATE:
      {
        KdhManipulate m;

        g_assert_true (kdh_manipulate_decode (data, len, &m, NULL));
        g_assert_cmpuint (m.api, >=, KDH_API_MANIPULATE_MIN);
        g_assert_cmpuint (m.api, <, KDH_API_MANIPULATE_LIMIT);
      }
      break;
    case KDH_PACKET_TYPE_DEBUG_IO:
      {
        KdhDebugIo io;

        g_assert_true (kdh_debug_io_decode (data, len, &io, NULL));
      }
      break;
    case KDH_PACKET_TYPE_STATE_CHANGE64:
      if (len >= KDH_STATE_CHANGE64_SIZE)
        {
          KdhStateChange sc;

          g_assert_true (kdh_state_change_decode (data, len, &sc, NULL));
          kdh_state_change_clear (&sc);
        }
      break;
    default:
      break;
    }
}

static void
fuzz_context (const guint8 *data,
              gsize         len)
{
  for (guint i = 0; i < G_N_ELEMENTS (machines); i++)
    {
      guint16 machine = machines[i];
      gsize size = kdh_context_size (machine);
      guint n_registers = 0;
      const KdhRegisterInfo *regs = kdh_context_registers (machine, &n_registers);
      g_autofree gchar *text = kdh_context_format (data, len, machine);
      g_autofree guint8 *copy = g_memdup2 (data, len);

      g_assert_nonnull (text);
      g_assert_nonnull (regs);
      g_assert_cmpuint (size, >, 0);
      if (len >= size)
        {
          /* A whole CONTEXT shows every register; the layout is fixed. */
          g_autofree guint8 *zero = g_malloc0 (size);
          g_autofree gchar *reference = kdh_context_format (zero, size, machine);

          g_assert_null (strchr (text, '?'));
          g_assert_cmpuint (strlen (text), ==, strlen (reference));
        }

      for (guint r = 0; r < n_registers; r++)
        {
          const KdhRegisterInfo *reg = &regs[r];
          gboolean fits = (gsize) reg->offset + reg->size <= len;
          guint64 mask = reg->size < 8 ? (G_GUINT64_CONSTANT (1) << (8 * reg->size)) - 1
                                       : G_MAXUINT64;
          guint64 v = 0, v2 = 0;

          g_assert_cmpint (kdh_context_get (data, len, reg, &v), ==, fits);
          g_assert_true (kdh_context_find_register (machine, reg->name) != NULL);
          if (!fits)
            continue;
          /* Write the complement and read it back, within the copy. */
          g_assert_true (kdh_context_set (copy, len, reg, ~v));
          g_assert_true (kdh_context_get (copy, len, reg, &v2));
          g_assert_cmpuint (v, <=, mask);
          g_assert_cmpuint (v2, ==, ~v & mask);
          g_assert_true (kdh_context_set (copy, len, reg, v));
        }
      if (len > 0)
        g_assert_true (memcmp (copy, data, len) == 0);
    }
  {
    g_autofree gchar *text = kdh_context_format (data, len, 0x1234);

    g_assert_nonnull (text);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* A private copy: decoders may keep pointers into it, and ASan then
   * catches reads past its end exactly. */
  g_autofree guint8 *payload = g_memdup2 (data, size);
  guint16 odd_type = size >= 2 ? (guint16) (data[0] | data[1] << 8) : 0;

  fuzz_state_change (payload, size);
  fuzz_manipulate (payload, size);
  fuzz_debug_io (payload, size);

  for (guint16 type = 0; type <= KDH_PACKET_TYPE_MAX; type++)
    {
      check_description (type, payload, size);
      fuzz_plausible (type, payload, size);
    }
  check_description (odd_type, payload, size);
  fuzz_plausible (odd_type, payload, size);
  check_description (KDH_PACKET_TYPE_STATE_MANIPULATE, NULL, 0);

  fuzz_context (payload, size);
  return 0;
}
