/* test-dbgkd.c: tests for the DbgKd message codecs
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Expected bytes are written out by hand from docs/protocol.md, not produced by
 * the encoders, so a wrong offset in the codec cannot hide in both places.
 * Decoders are always fed a g_malloc'd copy of exactly the length under test:
 * under ASan any read past it is caught.
 */

#include <string.h>

#include <glib.h>

#include "kd/kdh-dbgkd.h"

/* ---- Helpers ---------------------------------------------------------- */

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xFF;
  p[1] = v >> 8;
}

static void
put32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xFF;
}

static void
put64 (guint8 *p, guint64 v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (v >> (8 * i)) & 0xFF;
}

static guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint64
get64 (const guint8 *p)
{
  return (guint64) get32 (p) | ((guint64) get32 (p + 4) << 32);
}

static guint32
byte_sum (const guint8 *p,
          gsize         len)
{
  guint32 sum = 0;

  for (gsize i = 0; i < len; i++)
    sum += p[i];
  return sum;
}

/* An exact-length heap copy; NULL for length 0. */
static guint8 *
exact_copy (const guint8 *p,
            gsize         len)
{
  return g_memdup2 (p, len);
}

static gboolean
all_zero (const guint8 *p,
          gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (p[i] != 0)
      return FALSE;
  return TRUE;
}

/* A 240-byte state change with the common header filled in. */
static void
build_state_header (guint8  *buf,
                    guint32  new_state)
{
  memset (buf, 0, KDH_STATE_CHANGE64_SIZE);
  put32 (buf + 0x00, new_state);
  put16 (buf + 0x04, 6);
  put16 (buf + 0x06, 1);
  put32 (buf + 0x08, 2);
  put64 (buf + 0x10, G_GUINT64_CONSTANT (0xFFFFF80003C8A080));
  put64 (buf + 0x18, G_GUINT64_CONSTANT (0xFFFFF8000012A0B0));
}

/* ---- Manipulate ------------------------------------------------------- */

static void
test_get_version_request_bytes (void)
{
  static const guint8 expected[KDH_MANIPULATE64_SIZE] = {
    0x46, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* the union, 40 zero bytes */
  };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  KdhManipulate m;

  kdh_manipulate_init_get_version (&m);
  kdh_manipulate_encode (out, &m, NULL, 0);

  g_assert_cmpmem (out->data, out->len, expected, sizeof expected);
  g_assert_cmpuint (byte_sum (out->data, out->len), ==, 0x7B);
}

static void
test_read_virtual_request_bytes (void)
{
  static const guint8 expected[KDH_MANIPULATE64_SIZE] = {
    0x30, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0xFF, 0xFF,
    0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* then 24 zero bytes */
  };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  KdhManipulate m;

  kdh_manipulate_init_memory (&m, KDH_API_READ_VIRTUAL_MEMORY, 0,
                              G_GUINT64_CONSTANT (0xFFFFF80000000000), 0x10);
  kdh_manipulate_encode (out, &m, NULL, 0);

  g_assert_cmpmem (out->data, out->len, expected, sizeof expected);
  g_assert_cmpuint (byte_sum (out->data, out->len), ==, 0x36B);
}

static void
test_manipulate_roundtrip (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  guint8 data[100];
  KdhManipulate m, d;

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7 + 3);

  memset (&m, 0, sizeof m);
  m.api = KDH_API_WRITE_VIRTUAL_MEMORY;
  m.processor_level = 0x1234;
  m.processor = 3;
  m.return_status = KDH_STATUS_ACCESS_VIOLATION;
  for (guint i = 0; i < sizeof m.u; i++)
    m.u[i] = (guint8) (0xA0 + i);

  /* Encoding appends: existing bytes stay in front. */
  g_byte_array_append (out, (const guint8 *) "xy", 2);
  kdh_manipulate_encode (out, &m, data, sizeof data);
  g_assert_cmpuint (out->len, ==, 2 + KDH_MANIPULATE64_SIZE + sizeof data);
  g_assert_cmpmem (out->data, 2, "xy", 2);

  copy = exact_copy (out->data + 2, out->len - 2);
  g_assert_true (all_zero (copy + 0x0C, 4));   /* pad */
  g_assert_true (kdh_manipulate_decode (copy, out->len - 2, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (d.api, ==, m.api);
  g_assert_cmpuint (d.processor_level, ==, m.processor_level);
  g_assert_cmpuint (d.processor, ==, m.processor);
  g_assert_cmpuint (d.return_status, ==, m.return_status);
  g_assert_cmpmem (d.u, sizeof d.u, m.u, sizeof m.u);
  g_assert_true (d.data == copy + KDH_MANIPULATE64_SIZE);
  g_assert_cmpmem (d.data, d.data_len, data, sizeof data);
}

static void
test_manipulate_truncation (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  KdhManipulate m;

  kdh_manipulate_init_memory (&m, KDH_API_READ_VIRTUAL_MEMORY, 1, 0x1000, 0x20);
  kdh_manipulate_encode (out, &m, (const guint8 *) "0123456789", 10);

  for (gsize len = 0; len < out->len; len++)
    {
      g_autofree guint8 *copy = exact_copy (out->data, len);
      g_autoptr(GError) error = NULL;
      KdhManipulate d;
      gboolean ok = kdh_manipulate_decode (copy, len, &d, &error);

      if (len < KDH_MANIPULATE64_SIZE)
        {
          g_assert_false (ok);
          g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
        }
      else
        {
          g_assert_true (ok);
          g_assert_no_error (error);
          g_assert_cmpuint (d.data_len, ==, len - KDH_MANIPULATE64_SIZE);
          if (d.data_len == 0)
            g_assert_null (d.data);
          g_assert_cmpuint (kdh_manipulate_memory_count (&d), ==, 0x20);
        }
    }
}

static void
test_manipulate_accessors (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  KdhManipulate m;

  memset (&m, 0, sizeof m);
  kdh_manipulate_set_u64 (&m, 0x00, G_GUINT64_CONSTANT (0x0102030405060708));
  kdh_manipulate_set_u32 (&m, 0x08, 0x11223344);
  kdh_manipulate_set_u32 (&m, 0x0C, 0x55667788);
  kdh_manipulate_set_u64 (&m, 0x20, G_GUINT64_CONSTANT (0x99AABBCCDDEEFF00));

  g_assert_cmpuint (kdh_manipulate_get_u64 (&m, 0x00), ==, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmpuint (kdh_manipulate_memory_address (&m), ==,
                    G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmpuint (kdh_manipulate_memory_count (&m), ==, 0x11223344);
  g_assert_cmpuint (kdh_manipulate_memory_actual (&m), ==, 0x55667788);
  g_assert_cmpuint (kdh_manipulate_get_u64 (&m, 0x20), ==, G_GUINT64_CONSTANT (0x99AABBCCDDEEFF00));
  /* Unaligned reads across fields are fine too. */
  g_assert_cmpuint (kdh_manipulate_get_u32 (&m, 0x06), ==, 0x33440102);

  kdh_manipulate_encode (out, &m, NULL, 0);
  g_assert_cmpuint (get64 (out->data + 0x10), ==, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmpuint (get32 (out->data + 0x18), ==, 0x11223344);
  g_assert_cmpuint (get32 (out->data + 0x1C), ==, 0x55667788);
  g_assert_cmpuint (get64 (out->data + 0x30), ==, G_GUINT64_CONSTANT (0x99AABBCCDDEEFF00));
  g_assert_cmpuint (out->data[0x10], ==, 0x08);   /* little-endian */
}

/* Encodes @m and returns the 56 bytes. */
static GByteArray *
encode_header (const KdhManipulate *m)
{
  GByteArray *out = g_byte_array_new ();

  kdh_manipulate_encode (out, m, NULL, 0);
  g_assert_cmpuint (out->len, ==, KDH_MANIPULATE64_SIZE);
  return out;
}

static void
test_manipulate_init_requests (void)
{
  KdhManipulate m;

  {
    g_autoptr(GByteArray) b = NULL;

    kdh_manipulate_init_get_context (&m, 3);
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x3132);
    g_assert_cmpuint (b->data[0x06], ==, 3);
    g_assert_cmpuint (get32 (b->data + 0x08), ==, KDH_STATUS_PENDING);
    g_assert_true (all_zero (b->data + 0x10, 40));
  }
  {
    g_autoptr(GByteArray) b = NULL;

    kdh_manipulate_init_set_context (&m, 1, 0x0010001F);
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x3133);
    g_assert_cmpuint (b->data[0x06], ==, 1);
    g_assert_cmpuint (get32 (b->data + 0x10), ==, 0x0010001F);
    g_assert_true (all_zero (b->data + 0x14, 36));
  }
  {
    g_autoptr(GByteArray) b = NULL;

    kdh_manipulate_init_write_breakpoint (&m, G_GUINT64_CONSTANT (0xFFFFF80002001234));
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x3134);
    g_assert_cmpuint (get64 (b->data + 0x10), ==, G_GUINT64_CONSTANT (0xFFFFF80002001234));
    g_assert_cmpuint (get32 (b->data + 0x18), ==, 0);
  }
  {
    g_autoptr(GByteArray) b = NULL;

    kdh_manipulate_init_restore_breakpoint (&m, 7);
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x3135);
    g_assert_cmpuint (get32 (b->data + 0x10), ==, 7);
  }
  {
    g_autoptr(GByteArray) b = NULL;

    kdh_manipulate_init_continue (&m, KDH_DBG_CONTINUE);
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x3136);
    g_assert_cmpuint (get32 (b->data + 0x08), ==, KDH_DBG_CONTINUE);
    g_assert_cmpuint (get32 (b->data + 0x10), ==, KDH_DBG_CONTINUE);
    g_assert_true (all_zero (b->data + 0x14, 36));
  }
  {
    g_autoptr(GByteArray) b = NULL;

    kdh_manipulate_init_reboot (&m);
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x313B);
    g_assert_true (all_zero (b->data + 0x10, 40));
  }
  {
    g_autoptr(GByteArray) b = NULL;

    /* The target CPU travels in the header's Processor field. */
    kdh_manipulate_init_switch_processor (&m, 5);
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x3150);
    g_assert_cmpuint (b->data[0x06], ==, 5);
    g_assert_cmpuint (b->data[0x07], ==, 0);
    g_assert_true (all_zero (b->data + 0x10, 40));
  }
  {
    g_autoptr(GByteArray) b = NULL;

    kdh_manipulate_init_memory (&m, KDH_API_READ_CONTROL_SPACE, 2, 2, 0xF0);
    b = encode_header (&m);
    g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x3137);
    g_assert_cmpuint (b->data[0x06], ==, 2);
    g_assert_cmpuint (get64 (b->data + 0x10), ==, 2);
    g_assert_cmpuint (get32 (b->data + 0x18), ==, 0xF0);
    g_assert_cmpuint (get32 (b->data + 0x1C), ==, 0);
  }
}

static void
test_continue2_amd64 (void)
{
  g_autoptr(GByteArray) b = NULL;
  KdhManipulate m;

  kdh_manipulate_init_continue2 (&m, KDH_MACHINE_AMD64, KDH_DBG_CONTINUE, TRUE,
                                 G_GUINT64_CONSTANT (0x0000000100000401),
                                 G_GUINT64_CONSTANT (0xFFFFF80000001000),
                                 G_GUINT64_CONSTANT (0xFFFFF80000002000));
  b = encode_header (&m);

  g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x313C);
  g_assert_cmpuint (get32 (b->data + 0x10), ==, KDH_DBG_CONTINUE);
  g_assert_cmpuint (get32 (b->data + 0x14), ==, 1);
  g_assert_cmpuint (get64 (b->data + 0x18), ==, G_GUINT64_CONSTANT (0x0000000100000401));
  g_assert_cmpuint (get64 (b->data + 0x20), ==, G_GUINT64_CONSTANT (0xFFFFF80000001000));
  g_assert_cmpuint (get64 (b->data + 0x28), ==, G_GUINT64_CONSTANT (0xFFFFF80000002000));
  g_assert_true (all_zero (b->data + 0x30, 8));

  kdh_manipulate_init_continue2 (&m, KDH_MACHINE_AMD64, KDH_DBG_EXCEPTION_NOT_HANDLED, FALSE,
                                 0, 1, 0);
  g_clear_pointer (&b, g_byte_array_unref);
  b = encode_header (&m);
  g_assert_cmpuint (get32 (b->data + 0x10), ==, KDH_DBG_EXCEPTION_NOT_HANDLED);
  g_assert_cmpuint (get32 (b->data + 0x14), ==, 0);
  g_assert_cmpuint (get64 (b->data + 0x18), ==, 0);
  g_assert_cmpuint (get64 (b->data + 0x20), ==, 1);   /* "no change" */
}

static void
test_continue2_x86 (void)
{
  g_autoptr(GByteArray) b = NULL;
  KdhManipulate m;

  kdh_manipulate_init_continue2 (&m, KDH_MACHINE_I386, KDH_DBG_CONTINUE, TRUE,
                                 0x00000401, 0x80001000, 0x80002000);
  b = encode_header (&m);

  g_assert_cmpuint (get32 (b->data + 0x00), ==, 0x313C);
  g_assert_cmpuint (get32 (b->data + 0x10), ==, KDH_DBG_CONTINUE);
  g_assert_cmpuint (get32 (b->data + 0x14), ==, 1);
  g_assert_cmpuint (get32 (b->data + 0x18), ==, 0x00000401);
  g_assert_cmpuint (get32 (b->data + 0x1C), ==, 0x80001000);
  g_assert_cmpuint (get32 (b->data + 0x20), ==, 0x80002000);
  g_assert_true (all_zero (b->data + 0x24, 20));
}

/* ---- GetVersion ------------------------------------------------------- */

static void
test_version_roundtrip (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  KdhVersion v = {
    .major_version = 0x000F,
    .minor_version = 19041,
    .protocol_version = 6,
    .kd_secondary_version = 2,
    .flags = KDH_VERS_FLAG_MP | KDH_VERS_FLAG_DATA | KDH_VERS_FLAG_PTR64,
    .machine_type = KDH_MACHINE_AMD64,
    .max_packet_type = 12,
    .max_state_change = 3,
    .max_manipulate = 0x31,
    .simulation = 0,
    .kern_base = G_GUINT64_CONSTANT (0xFFFFF80002000000),
    .ps_loaded_module_list = G_GUINT64_CONSTANT (0xFFFFF80002345670),
    .debugger_data_list = G_GUINT64_CONSTANT (0xFFFFF80002456780),
  };
  KdhManipulate m, d;
  KdhVersion r;

  kdh_manipulate_init_get_version (&m);
  m.return_status = KDH_STATUS_SUCCESS;
  kdh_version_encode (&m, &v);
  kdh_manipulate_encode (out, &m, NULL, 0);

  /* Offsets in the packet, docs/protocol.md §3.4. */
  g_assert_cmpuint (out->data[0x10] | (out->data[0x11] << 8), ==, 0x000F);
  g_assert_cmpuint (out->data[0x12] | (out->data[0x13] << 8), ==, 19041);
  g_assert_cmpuint (out->data[0x14], ==, 6);
  g_assert_cmpuint (out->data[0x15], ==, 2);
  g_assert_cmpuint (out->data[0x16] | (out->data[0x17] << 8), ==, 0x0007);
  g_assert_cmpuint (out->data[0x18] | (out->data[0x19] << 8), ==, 0x8664);
  g_assert_cmpuint (out->data[0x1A], ==, 12);
  g_assert_cmpuint (out->data[0x1B], ==, 3);
  g_assert_cmpuint (out->data[0x1C], ==, 0x31);
  g_assert_cmpuint (out->data[0x1D], ==, 0);
  g_assert_true (all_zero (out->data + 0x1E, 2));
  g_assert_cmpuint (get64 (out->data + 0x20), ==, v.kern_base);
  g_assert_cmpuint (get64 (out->data + 0x28), ==, v.ps_loaded_module_list);
  g_assert_cmpuint (get64 (out->data + 0x30), ==, v.debugger_data_list);

  copy = exact_copy (out->data, out->len);
  g_assert_true (kdh_manipulate_decode (copy, out->len, &d, &error));
  g_assert_true (kdh_version_decode (&d, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.major_version, ==, v.major_version);
  g_assert_cmpuint (r.minor_version, ==, v.minor_version);
  g_assert_cmpuint (r.protocol_version, ==, v.protocol_version);
  g_assert_cmpuint (r.kd_secondary_version, ==, v.kd_secondary_version);
  g_assert_cmpuint (r.flags, ==, v.flags);
  g_assert_cmpuint (r.machine_type, ==, v.machine_type);
  g_assert_cmpuint (r.max_packet_type, ==, v.max_packet_type);
  g_assert_cmpuint (r.max_state_change, ==, v.max_state_change);
  g_assert_cmpuint (r.max_manipulate, ==, v.max_manipulate);
  g_assert_cmpuint (r.simulation, ==, v.simulation);
  g_assert_cmpuint (r.kern_base, ==, v.kern_base);
  g_assert_cmpuint (r.ps_loaded_module_list, ==, v.ps_loaded_module_list);
  g_assert_cmpuint (r.debugger_data_list, ==, v.debugger_data_list);
}

static void
test_version_flags (void)
{
  struct {
    guint16 flags;
    guint16 machine;
    gboolean mp, data, ptr64, nomm;
    const gchar *machine_name;
  } cases[] = {
    /* Windows 10 x64 as one third-party stub reports it (HAL_IN_NTOS 0x40). */
    { 0x0047, 0x8664, TRUE, TRUE, TRUE, FALSE, "x64" },
    /* ReactOS x86 uniprocessor. */
    { 0x0002, 0x014C, FALSE, TRUE, FALSE, FALSE, "x86" },
    /* Xen kdd's 64-bit flags: 0x08 is NOMM, not PTR64. */
    { 0x000B, 0x8664, TRUE, TRUE, FALSE, TRUE, "x64" },
    /* Singularity, with a machine this host does not know. */
    { 0x0008, 0x0200, FALSE, FALSE, FALSE, TRUE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 payload[KDH_MANIPULATE64_SIZE] = { 0 };
      g_autofree guint8 *copy = NULL;
      g_autoptr(GError) error = NULL;
      KdhManipulate m;
      KdhVersion v;

      put32 (payload + 0x00, KDH_API_GET_VERSION);
      put16 (payload + 0x16, cases[i].flags);
      put16 (payload + 0x18, cases[i].machine);
      copy = exact_copy (payload, sizeof payload);

      g_assert_true (kdh_manipulate_decode (copy, sizeof payload, &m, &error));
      g_assert_true (kdh_version_decode (&m, &v, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (v.flags, ==, cases[i].flags);
      g_assert_cmpuint (v.machine_type, ==, cases[i].machine);
      g_assert_cmpint (!!(v.flags & KDH_VERS_FLAG_MP), ==, cases[i].mp);
      g_assert_cmpint (!!(v.flags & KDH_VERS_FLAG_DATA), ==, cases[i].data);
      g_assert_cmpint (!!(v.flags & KDH_VERS_FLAG_PTR64), ==, cases[i].ptr64);
      g_assert_cmpint (!!(v.flags & KDH_VERS_FLAG_NOMM), ==, cases[i].nomm);
      g_assert_cmpstr (kdh_machine_name (v.machine_type), ==, cases[i].machine_name);
    }
}

static void
test_version_wrong_api (void)
{
  g_autoptr(GError) error = NULL;
  KdhManipulate m;
  KdhVersion v;

  kdh_manipulate_init_memory (&m, KDH_API_READ_VIRTUAL_MEMORY, 0, 0x1000, 4);
  g_assert_false (kdh_version_decode (&m, &v, &error));
  g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_INVALID);
}

/* ---- State change ----------------------------------------------------- */

static KdhControlReport
sample_report (guint16 machine)
{
  KdhControlReport r;

  memset (&r, 0, sizeof r);
  r.dr6 = machine == KDH_MACHINE_AMD64 ? G_GUINT64_CONSTANT (0x00000000FFFF0FF0) : 0xFFFF0FF0;
  r.dr7 = machine == KDH_MACHINE_AMD64 ? G_GUINT64_CONSTANT (0x0000000000000401) : 0x00000401;
  r.eflags = 0x00000246;
  r.instruction_count = 16;
  r.report_flags = 0x0003;
  for (guint i = 0; i < KDH_DBGKD_MAXSTREAM; i++)
    r.instruction_stream[i] = (guint8) (0xC0 + i);
  r.seg_cs = machine == KDH_MACHINE_AMD64 ? 0x10 : 0x08;
  r.seg_ds = 0x2B;
  r.seg_es = 0x2B;
  r.seg_fs = 0x53;
  return r;
}

static void
assert_report_equal (const KdhControlReport *a,
                     const KdhControlReport *b)
{
  g_assert_cmpuint (a->dr6, ==, b->dr6);
  g_assert_cmpuint (a->dr7, ==, b->dr7);
  g_assert_cmpuint (a->eflags, ==, b->eflags);
  g_assert_cmpuint (a->instruction_count, ==, b->instruction_count);
  g_assert_cmpuint (a->report_flags, ==, b->report_flags);
  g_assert_cmpmem (a->instruction_stream, KDH_DBGKD_MAXSTREAM,
                   b->instruction_stream, KDH_DBGKD_MAXSTREAM);
  g_assert_cmpuint (a->seg_cs, ==, b->seg_cs);
  g_assert_cmpuint (a->seg_ds, ==, b->seg_ds);
  g_assert_cmpuint (a->seg_es, ==, b->seg_es);
  g_assert_cmpuint (a->seg_fs, ==, b->seg_fs);
}

static KdhStateChange
sample_exception (void)
{
  KdhStateChange sc;

  memset (&sc, 0, sizeof sc);
  sc.new_state = KDH_STATE_EXCEPTION;
  sc.processor_level = 6;
  sc.processor = 1;
  sc.number_processors = 2;
  sc.thread = G_GUINT64_CONSTANT (0xFFFFF80003C8A080);
  sc.program_counter = G_GUINT64_CONSTANT (0xFFFFF8000012A0B0);
  sc.u.exception.code = KDH_STATUS_BREAKPOINT;
  sc.u.exception.flags = 0x10;
  sc.u.exception.record = G_GUINT64_CONSTANT (0xFFFFF80000ABCDEF);
  sc.u.exception.address = G_GUINT64_CONSTANT (0xFFFFF8000012A0B0);
  sc.u.exception.number_parameters = 3;
  for (guint i = 0; i < 15; i++)
    sc.u.exception.information[i] = G_GUINT64_CONSTANT (0x1111111100000000) * (i + 1) + i;
  sc.u.exception.first_chance = 1;
  return sc;
}

static void
test_exception_roundtrip (void)
{
  const guint16 machines[] = { KDH_MACHINE_AMD64, KDH_MACHINE_I386 };

  for (guint k = 0; k < G_N_ELEMENTS (machines); k++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *copy = NULL;
      KdhStateChange sc = sample_exception ();
      KdhControlReport report = sample_report (machines[k]);
      KdhControlReport r;
      KdhStateChange d;

      kdh_state_change_encode_exception (out, &sc, machines[k], &report);
      g_assert_cmpuint (out->len, ==, 240);

      /* Spot-check the documented offsets. */
      g_assert_cmpuint (get32 (out->data + 0x00), ==, 0x3030);
      g_assert_cmpuint (out->data[0x04], ==, 6);
      g_assert_cmpuint (out->data[0x06], ==, 1);
      g_assert_cmpuint (get32 (out->data + 0x08), ==, 2);
      g_assert_true (all_zero (out->data + 0x0C, 4));
      g_assert_cmpuint (get64 (out->data + 0x10), ==, sc.thread);
      g_assert_cmpuint (get64 (out->data + 0x18), ==, sc.program_counter);
      g_assert_cmpuint (get32 (out->data + 0x20), ==, 0x80000003);
      g_assert_cmpuint (get32 (out->data + 0x24), ==, 0x10);
      g_assert_cmpuint (get64 (out->data + 0x28), ==, sc.u.exception.record);
      g_assert_cmpuint (get64 (out->data + 0x30), ==, sc.u.exception.address);
      g_assert_cmpuint (get32 (out->data + 0x38), ==, 3);
      g_assert_cmpuint (get64 (out->data + 0x40), ==, sc.u.exception.information[0]);
      g_assert_cmpuint (get64 (out->data + 0xB0), ==, sc.u.exception.information[14]);
      g_assert_cmpuint (get32 (out->data + 0xB8), ==, 1);
      if (machines[k] == KDH_MACHINE_AMD64)
        {
          g_assert_cmpuint (get64 (out->data + 0xC0), ==, report.dr6);
          g_assert_cmpuint (get32 (out->data + 0xD0), ==, 0x246);
          g_assert_cmpuint (out->data[0xD8], ==, 0xC0);
          g_assert_cmpuint (out->data[0xE8], ==, 0x10);
        }
      else
        {
          g_assert_cmpuint (get32 (out->data + 0xC0), ==, report.dr6);
          g_assert_cmpuint (out->data[0xCC], ==, 0xC0);
          g_assert_cmpuint (out->data[0xDC], ==, 0x08);
          g_assert_cmpuint (get32 (out->data + 0xE4), ==, 0x246);
          g_assert_true (all_zero (out->data + 0xE8, 8));
        }

      copy = exact_copy (out->data, out->len);
      g_assert_true (kdh_state_change_decode (copy, out->len, &d, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (d.new_state, ==, KDH_STATE_EXCEPTION);
      g_assert_false (d.alternate);
      g_assert_cmpuint (d.processor_level, ==, sc.processor_level);
      g_assert_cmpuint (d.processor, ==, sc.processor);
      g_assert_cmpuint (d.number_processors, ==, sc.number_processors);
      g_assert_cmpuint (d.thread, ==, sc.thread);
      g_assert_cmpuint (d.program_counter, ==, sc.program_counter);
      g_assert_cmpuint (d.u.exception.code, ==, sc.u.exception.code);
      g_assert_cmpuint (d.u.exception.flags, ==, sc.u.exception.flags);
      g_assert_cmpuint (d.u.exception.record, ==, sc.u.exception.record);
      g_assert_cmpuint (d.u.exception.address, ==, sc.u.exception.address);
      g_assert_cmpuint (d.u.exception.number_parameters, ==, sc.u.exception.number_parameters);
      for (guint i = 0; i < 15; i++)
        g_assert_cmpuint (d.u.exception.information[i], ==, sc.u.exception.information[i]);
      g_assert_cmpuint (d.u.exception.first_chance, ==, sc.u.exception.first_chance);
      g_assert_null (d.path);
      g_assert_null (d.command_name);
      g_assert_null (d.command);
      g_assert_cmpmem (d.raw_control_report, 0x30, out->data + 0xC0, 0x30);

      g_assert_true (kdh_control_report_decode (d.raw_control_report, machines[k], &r, &error));
      g_assert_no_error (error);
      assert_report_equal (&r, &report);

      /* With no decoded report the raw bytes go out unchanged. */
      {
        g_autoptr(GByteArray) again = g_byte_array_new ();

        kdh_state_change_encode_exception (again, &d, machines[k], NULL);
        g_assert_cmpmem (again->data, again->len, out->data, out->len);
      }
      kdh_state_change_clear (&d);
    }
}

static void
test_exception_trailing_data (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  KdhStateChange sc = sample_exception ();
  KdhStateChange d;

  /* ReactOS appends 4 bytes of trace data. */
  kdh_state_change_encode_exception (out, &sc, KDH_MACHINE_AMD64, NULL);
  g_byte_array_append (out, (const guint8 *) "\x01\x00\x00\x00", 4);
  copy = exact_copy (out->data, out->len);

  g_assert_true (kdh_state_change_decode (copy, out->len, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (d.u.exception.code, ==, KDH_STATUS_BREAKPOINT);
  g_assert_null (d.path);
  kdh_state_change_clear (&d);
}

static void
test_state_change_alternate (void)
{
  guint8 buf[KDH_STATE_CHANGE64_SIZE];
  g_autofree guint8 *copy = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  KdhStateChange d;

  build_state_header (buf, KDH_STATE_EXCEPTION | KDH_STATE_ALTERNATE_FLAG);
  copy = exact_copy (buf, sizeof buf);
  g_assert_true (kdh_state_change_decode (copy, sizeof buf, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (d.new_state, ==, KDH_STATE_EXCEPTION);
  g_assert_true (d.alternate);

  kdh_state_change_encode_exception (out, &d, KDH_MACHINE_AMD64, NULL);
  g_assert_cmpuint (get32 (out->data), ==, 0x00013030);
  kdh_state_change_clear (&d);
}

static void
test_number_parameters_clamped (void)
{
  guint8 buf[KDH_STATE_CHANGE64_SIZE];
  g_autofree guint8 *copy = NULL;
  g_autoptr(GError) error = NULL;
  KdhStateChange d;

  build_state_header (buf, KDH_STATE_EXCEPTION);
  put32 (buf + 0x38, 99);
  copy = exact_copy (buf, sizeof buf);
  g_assert_true (kdh_state_change_decode (copy, sizeof buf, &d, &error));
  g_assert_cmpuint (d.u.exception.number_parameters, ==, 15);
  kdh_state_change_clear (&d);
}

static void
test_load_symbols_roundtrip (void)
{
  const gchar *path = "\\SystemRoot\\system32\\hal.dll";
  const gboolean unloads[] = { FALSE, TRUE };

  for (guint k = 0; k < G_N_ELEMENTS (unloads); k++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *copy = NULL;
      KdhControlReport report = sample_report (KDH_MACHINE_AMD64);
      KdhStateChange sc, d;
      gsize path_len = strlen (path) + 1;

      memset (&sc, 0, sizeof sc);
      sc.processor = 0;
      sc.number_processors = 1;
      sc.program_counter = G_GUINT64_CONSTANT (0xFFFFF80002001000);
      sc.u.load_symbols.path_name_length = 9999;   /* recomputed */
      sc.u.load_symbols.base_of_dll = G_GUINT64_CONSTANT (0xFFFFF80001C00000);
      sc.u.load_symbols.process_id = 4;
      sc.u.load_symbols.checksum = 0x0004ABCD;
      sc.u.load_symbols.size_of_image = 0x00067000;
      sc.u.load_symbols.unload = unloads[k];

      kdh_state_change_encode_load_symbols (out, &sc, KDH_MACHINE_AMD64, &report, path);
      g_assert_cmpuint (out->len, ==, 240 + path_len);
      g_assert_cmpuint (get32 (out->data + 0x00), ==, 0x3031);
      g_assert_cmpuint (get32 (out->data + 0x20), ==, path_len);
      g_assert_true (all_zero (out->data + 0x24, 4));
      g_assert_cmpuint (get64 (out->data + 0x28), ==, sc.u.load_symbols.base_of_dll);
      g_assert_cmpuint (get64 (out->data + 0x30), ==, 4);
      g_assert_cmpuint (get32 (out->data + 0x38), ==, 0x0004ABCD);
      g_assert_cmpuint (get32 (out->data + 0x3C), ==, 0x00067000);
      g_assert_cmpuint (out->data[0x40], ==, unloads[k] ? 1 : 0);
      g_assert_cmpmem (out->data + 240, path_len, path, path_len);   /* NUL included */

      copy = exact_copy (out->data, out->len);
      g_assert_true (kdh_state_change_decode (copy, out->len, &d, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (d.new_state, ==, KDH_STATE_LOAD_SYMBOLS);
      g_assert_cmpuint (d.u.load_symbols.path_name_length, ==, path_len);
      g_assert_cmpuint (d.u.load_symbols.base_of_dll, ==, sc.u.load_symbols.base_of_dll);
      g_assert_cmpuint (d.u.load_symbols.process_id, ==, 4);
      g_assert_cmpuint (d.u.load_symbols.checksum, ==, 0x0004ABCD);
      g_assert_cmpuint (d.u.load_symbols.size_of_image, ==, 0x00067000);
      g_assert_cmpint (d.u.load_symbols.unload, ==, unloads[k]);
      g_assert_cmpstr (d.path, ==, path);

      /* sc.path is the fallback when no path is passed. */
      {
        g_autoptr(GByteArray) again = g_byte_array_new ();

        kdh_state_change_encode_load_symbols (again, &d, KDH_MACHINE_AMD64, NULL, NULL);
        g_assert_cmpmem (again->data, again->len, out->data, out->len);
      }
      kdh_state_change_clear (&d);
      g_assert_null (d.path);
    }
}

/* Builds a load-symbols payload from raw pieces and decodes it. */
static gchar *
decode_path (guint32      path_name_length,
             const gchar *data,
             gsize        data_len)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autofree guint8 *copy = NULL;
  g_autoptr(GError) error = NULL;
  guint8 header[KDH_STATE_CHANGE64_SIZE];
  KdhStateChange d;
  gchar *path;

  build_state_header (header, KDH_STATE_LOAD_SYMBOLS);
  put32 (header + 0x20, path_name_length);
  g_byte_array_append (buf, header, sizeof header);
  if (data_len > 0)
    g_byte_array_append (buf, (const guint8 *) data, (guint) data_len);
  copy = exact_copy (buf->data, buf->len);

  g_assert_true (kdh_state_change_decode (copy, buf->len, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (d.u.load_symbols.path_name_length, ==, path_name_length);
  path = g_steal_pointer (&d.path);
  kdh_state_change_clear (&d);
  return path;
}

static void
test_load_symbols_path (void)
{
  gchar *p;

  /* The normal case: PathNameLength counts the NUL. */
  p = decode_path (8, "hal.dll", 8);
  g_assert_cmpstr (p, ==, "hal.dll");
  g_free (p);

  /* No NUL sent, and the length does not count one. */
  p = decode_path (7, "hal.dll", 7);
  g_assert_cmpstr (p, ==, "hal.dll");
  g_free (p);

  /* The length claims more than arrived: clipped to the data. */
  p = decode_path (500, "hal.dll", 7);
  g_assert_cmpstr (p, ==, "hal.dll");
  g_free (p);

  /* Extra bytes in front: the path is the last PathNameLength bytes. */
  p = decode_path (8, "XXXXhal.dll", 12);
  g_assert_cmpstr (p, ==, "hal.dll");
  g_free (p);

  /* An embedded NUL ends the path. */
  p = decode_path (12, "hal\0dll.xyz", 12);
  g_assert_cmpstr (p, ==, "hal");
  g_free (p);

  /* Nothing to take. */
  p = decode_path (0, "hal.dll", 8);
  g_assert_null (p);
  p = decode_path (8, NULL, 0);
  g_assert_null (p);
}

/* Every length of a payload with a trailing path: below 240 bytes it fails;
 * from there on the path is whatever prefix arrived. */
static void
test_load_symbols_truncated_path (void)
{
  const gchar *path = "\\SystemRoot\\system32\\drivers\\kdcom.dll";
  g_autoptr(GByteArray) out = g_byte_array_new ();
  KdhStateChange sc;

  memset (&sc, 0, sizeof sc);
  sc.u.load_symbols.base_of_dll = G_GUINT64_CONSTANT (0xFFFFF80001D00000);
  kdh_state_change_encode_load_symbols (out, &sc, KDH_MACHINE_AMD64, NULL, path);

  for (gsize len = 0; len <= out->len; len++)
    {
      g_autofree guint8 *copy = exact_copy (out->data, len);
      g_autoptr(GError) error = NULL;
      KdhStateChange d;
      gboolean ok = kdh_state_change_decode (copy, len, &d, &error);

      if (len < KDH_STATE_CHANGE64_SIZE)
        {
          g_assert_false (ok);
          g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
          g_assert_null (d.path);
        }
      else if (len == KDH_STATE_CHANGE64_SIZE)
        {
          g_assert_true (ok);
          g_assert_null (d.path);
        }
      else
        {
          g_autofree gchar *expected = g_strndup (path, len - KDH_STATE_CHANGE64_SIZE);

          g_assert_true (ok);
          g_assert_cmpstr (d.path, ==, expected);
          g_assert_cmpuint (d.u.load_symbols.base_of_dll, ==, sc.u.load_symbols.base_of_dll);
        }
      kdh_state_change_clear (&d);
    }
}

static void
test_command_string (void)
{
  static const gchar strings[] = "kdhost\0.reload /f\0";   /* both NULs sent */
  const gsize full = sizeof strings - 1;                  /* minus the literal's own */
  guint8 header[KDH_STATE_CHANGE64_SIZE];
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  build_state_header (header, KDH_STATE_COMMAND_STRING);
  g_byte_array_append (buf, header, sizeof header);
  g_byte_array_append (buf, (const guint8 *) strings, (guint) full);

  for (gsize len = 0; len <= buf->len; len++)
    {
      g_autofree guint8 *copy = exact_copy (buf->data, len);
      g_autoptr(GError) error = NULL;
      KdhStateChange d;
      gboolean ok = kdh_state_change_decode (copy, len, &d, &error);
      gsize extra = len > KDH_STATE_CHANGE64_SIZE ? len - KDH_STATE_CHANGE64_SIZE : 0;

      if (len < KDH_STATE_CHANGE64_SIZE)
        {
          g_assert_false (ok);
          g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
          continue;
        }

      g_assert_true (ok);
      g_assert_cmpuint (d.new_state, ==, KDH_STATE_COMMAND_STRING);
      g_assert_cmpuint (d.processor, ==, 1);
      if (extra == 0)
        {
          g_assert_null (d.command_name);
          g_assert_null (d.command);
        }
      else if (extra <= 6)
        {
          /* The name is cut short, with no NUL yet. */
          g_autofree gchar *expected = g_strndup ("kdhost", extra);

          g_assert_cmpstr (d.command_name, ==, expected);
          g_assert_null (d.command);
        }
      else if (extra == 7)
        {
          g_assert_cmpstr (d.command_name, ==, "kdhost");
          g_assert_null (d.command);
        }
      else
        {
          g_autofree gchar *expected = g_strndup (".reload /f", extra - 7);

          g_assert_cmpstr (d.command_name, ==, "kdhost");
          g_assert_cmpstr (d.command, ==, expected);
        }
      kdh_state_change_clear (&d);
      g_assert_null (d.command_name);
      g_assert_null (d.command);
    }
}

static void
test_state_change_truncation (void)
{
  g_autoptr(GByteArray) exc = g_byte_array_new ();
  KdhStateChange sc = sample_exception ();
  KdhControlReport report = sample_report (KDH_MACHINE_AMD64);

  kdh_state_change_encode_exception (exc, &sc, KDH_MACHINE_AMD64, &report);

  for (gsize len = 0; len < exc->len; len++)
    {
      g_autofree guint8 *copy = exact_copy (exc->data, len);
      g_autoptr(GError) error = NULL;
      KdhStateChange d;

      g_assert_false (kdh_state_change_decode (copy, len, &d, &error));
      g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
      kdh_state_change_clear (&d);
    }
}

static void
test_state_change_unknown (void)
{
  guint8 buf[KDH_STATE_CHANGE64_SIZE];
  g_autofree guint8 *copy = NULL;
  g_autoptr(GError) error = NULL;
  KdhStateChange d;

  build_state_header (buf, 0x3040);
  copy = exact_copy (buf, sizeof buf);
  g_assert_false (kdh_state_change_decode (copy, sizeof buf, &d, &error));
  g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED);
  g_assert_cmpuint (d.new_state, ==, 0x3040);
  g_assert_cmpuint (d.processor, ==, 1);
  g_assert_cmpuint (d.number_processors, ==, 2);
  kdh_state_change_clear (&d);
}

/* ---- Control report --------------------------------------------------- */

static void
fill_raw_report (guint8 raw[0x30])
{
  for (guint i = 0; i < 0x30; i++)
    raw[i] = (guint8) (0x40 + i);
}

static void
test_control_report_amd64 (void)
{
  guint8 raw[0x30];
  g_autoptr(GError) error = NULL;
  KdhControlReport r;

  fill_raw_report (raw);
  put16 (raw + 0x14, 12);   /* InstructionCount @0xD4 */

  g_assert_true (kdh_control_report_decode (raw, KDH_MACHINE_AMD64, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.dr6, ==, G_GUINT64_CONSTANT (0x4746454443424140));
  g_assert_cmpuint (r.dr7, ==, G_GUINT64_CONSTANT (0x4F4E4D4C4B4A4948));
  g_assert_cmpuint (r.eflags, ==, 0x53525150);
  g_assert_cmpuint (r.instruction_count, ==, 12);
  g_assert_cmpuint (r.report_flags, ==, 0x5756);
  g_assert_cmpmem (r.instruction_stream, 16, raw + 0x18, 16);
  g_assert_cmpuint (r.seg_cs, ==, 0x6968);
  g_assert_cmpuint (r.seg_ds, ==, 0x6B6A);
  g_assert_cmpuint (r.seg_es, ==, 0x6D6C);
  g_assert_cmpuint (r.seg_fs, ==, 0x6F6E);

  /* More than DBGKD_MAXSTREAM is clamped. */
  put16 (raw + 0x14, 36);
  g_assert_true (kdh_control_report_decode (raw, KDH_MACHINE_AMD64, &r, &error));
  g_assert_cmpuint (r.instruction_count, ==, 16);
}

static void
test_control_report_x86 (void)
{
  guint8 raw[0x30];
  g_autoptr(GError) error = NULL;
  KdhControlReport r;

  fill_raw_report (raw);
  put16 (raw + 0x08, 5);    /* InstructionCount @0xC8 */

  g_assert_true (kdh_control_report_decode (raw, KDH_MACHINE_I386, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.dr6, ==, 0x43424140);
  g_assert_cmpuint (r.dr7, ==, 0x47464544);
  g_assert_cmpuint (r.instruction_count, ==, 5);
  g_assert_cmpuint (r.report_flags, ==, 0x4B4A);
  g_assert_cmpmem (r.instruction_stream, 16, raw + 0x0C, 16);
  g_assert_cmpuint (r.seg_cs, ==, 0x5D5C);
  g_assert_cmpuint (r.seg_ds, ==, 0x5F5E);
  g_assert_cmpuint (r.seg_es, ==, 0x6160);
  g_assert_cmpuint (r.seg_fs, ==, 0x6362);
  g_assert_cmpuint (r.eflags, ==, 0x67666564);

  /* Xen kdd sends up to 36 "instruction" bytes in the x86 layout. */
  put16 (raw + 0x08, 36);
  g_assert_true (kdh_control_report_decode (raw, KDH_MACHINE_I386, &r, &error));
  g_assert_cmpuint (r.instruction_count, ==, 16);
}

static void
test_control_report_unknown_machine (void)
{
  guint8 raw[0x30] = { 0 };
  g_autoptr(GError) error = NULL;
  KdhControlReport r;

  g_assert_false (kdh_control_report_decode (raw, 0x0200, &r, &error));
  g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED);
}

/* ---- Debug I/O -------------------------------------------------------- */

static void
test_debug_io_print_roundtrip (void)
{
  const gchar *text = "Hello from the target\n";
  gsize text_len = strlen (text);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  KdhDebugIo io;

  kdh_debug_io_encode_print (out, 1, text, text_len);
  g_assert_cmpuint (out->len, ==, 16 + text_len);
  g_assert_cmpuint (get32 (out->data + 0x00), ==, 0x3230);
  g_assert_cmpuint (out->data[0x06], ==, 1);
  g_assert_cmpuint (get32 (out->data + 0x08), ==, text_len);
  g_assert_cmpuint (get32 (out->data + 0x0C), ==, 0);
  g_assert_cmpmem (out->data + 16, text_len, text, text_len);   /* no NUL */

  copy = exact_copy (out->data, out->len);
  g_assert_true (kdh_debug_io_decode (copy, out->len, &io, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (io.api, ==, KDH_API_PRINT_STRING);
  g_assert_cmpuint (io.processor, ==, 1);
  g_assert_cmpuint (io.length, ==, text_len);
  g_assert_cmpmem (io.data, io.data_len, text, text_len);
}

static void
test_debug_io_get_string (void)
{
  guint8 prompt[16 + 5];
  g_autofree guint8 *copy = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  KdhDebugIo io;

  memset (prompt, 0, sizeof prompt);
  put32 (prompt + 0x00, KDH_API_GET_STRING);
  put16 (prompt + 0x04, 6);
  put16 (prompt + 0x06, 1);
  put32 (prompt + 0x08, 5);
  put32 (prompt + 0x0C, 512);
  memcpy (prompt + 16, "kd> ?", 5);
  copy = exact_copy (prompt, sizeof prompt);

  g_assert_true (kdh_debug_io_decode (copy, sizeof prompt, &io, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (io.api, ==, KDH_API_GET_STRING);
  g_assert_cmpuint (io.length, ==, 5);
  g_assert_cmpuint (io.length_read, ==, 512);
  g_assert_cmpmem (io.data, io.data_len, "kd> ?", 5);

  kdh_debug_io_encode_get_string_reply (out, &io, "g", 1);
  g_assert_cmpuint (out->len, ==, 17);
  g_assert_cmpuint (get32 (out->data + 0x00), ==, 0x3231);
  g_assert_cmpuint (out->data[0x04], ==, 6);
  g_assert_cmpuint (out->data[0x06], ==, 1);
  g_assert_cmpuint (get32 (out->data + 0x0C), ==, 1);
  g_assert_cmpuint (out->data[16], ==, 'g');
}

static void
test_debug_io_truncation (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  kdh_debug_io_encode_print (out, 0, "0123456789", 10);

  for (gsize len = 0; len <= out->len; len++)
    {
      g_autofree guint8 *copy = exact_copy (out->data, len);
      g_autoptr(GError) error = NULL;
      KdhDebugIo io;
      gboolean ok = kdh_debug_io_decode (copy, len, &io, &error);

      if (len < KDH_DEBUG_IO_SIZE)
        {
          g_assert_false (ok);
          g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_TRUNCATED);
        }
      else
        {
          /* A short string is delivered as far as it arrived. */
          g_assert_true (ok);
          g_assert_cmpuint (io.length, ==, 10);
          g_assert_cmpuint (io.data_len, ==, len - KDH_DEBUG_IO_SIZE);
          g_assert_cmpmem (io.data, io.data_len, "0123456789", len - KDH_DEBUG_IO_SIZE);
        }
    }

  /* Bytes beyond LengthOfString are not part of the string. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree guint8 *copy = NULL;
    KdhDebugIo io;

    g_byte_array_append (out, (const guint8 *) "junk", 4);
    copy = exact_copy (out->data, out->len);
    g_assert_true (kdh_debug_io_decode (copy, out->len, &io, &error));
    g_assert_cmpuint (io.data_len, ==, 10);
  }
}

static void
test_debug_io_unknown_api (void)
{
  guint8 buf[16] = { 0 };
  g_autofree guint8 *copy = NULL;
  g_autoptr(GError) error = NULL;
  KdhDebugIo io;

  put32 (buf, 0x3330);
  copy = exact_copy (buf, sizeof buf);
  g_assert_false (kdh_debug_io_decode (copy, sizeof buf, &io, &error));
  g_assert_error (error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED);
  g_assert_cmpuint (io.api, ==, 0x3330);
}

/* ---- Names ------------------------------------------------------------ */

static void
test_names (void)
{
  g_assert_cmpstr (kdh_api_name (0x3130), ==, "ReadVirtualMemory");
  g_assert_cmpstr (kdh_api_name (0x313C), ==, "Continue2");
  g_assert_cmpstr (kdh_api_name (0x3146), ==, "GetVersion");
  g_assert_cmpstr (kdh_api_name (0x3160), ==, "SetContextEx");
  g_assert_cmpstr (kdh_api_name (0x3230), ==, "PrintString");
  g_assert_null (kdh_api_name (0x314A));   /* the gap */
  g_assert_null (kdh_api_name (0x3161));
  g_assert_null (kdh_api_name (0));

  /* Every API in the manipulate range outside the gap has a name. */
  for (guint32 api = KDH_API_MANIPULATE_MIN; api < KDH_API_MANIPULATE_LIMIT; api++)
    if (api < 0x314A || api > 0x314F)
      g_assert_nonnull (kdh_api_name (api));

  g_assert_cmpstr (kdh_state_name (0x3030), ==, "Exception");
  g_assert_cmpstr (kdh_state_name (0x3031), ==, "LoadSymbols");
  g_assert_cmpstr (kdh_state_name (0x3032), ==, "CommandString");
  g_assert_cmpstr (kdh_state_name (0x13030), ==, "Exception");
  g_assert_null (kdh_state_name (0x3033));

  g_assert_cmpstr (kdh_status_name (0), ==, "STATUS_SUCCESS");
  g_assert_cmpstr (kdh_status_name (0x103), ==, "STATUS_PENDING");
  g_assert_cmpstr (kdh_status_name (0x80000003), ==, "STATUS_BREAKPOINT");
  g_assert_cmpstr (kdh_status_name (0xC0000001), ==, "STATUS_UNSUCCESSFUL");
  g_assert_cmpstr (kdh_status_name (0x80010001), ==, "DBG_EXCEPTION_NOT_HANDLED");
  g_assert_null (kdh_status_name (0x12345678));

  g_assert_cmpstr (kdh_machine_name (KDH_MACHINE_AMD64), ==, "x64");
  g_assert_cmpstr (kdh_machine_name (KDH_MACHINE_I386), ==, "x86");
  g_assert_null (kdh_machine_name (0xAA64));
}

/* ---- describe() ------------------------------------------------------- */

static gchar *
describe_exact (guint16       type,
                const guint8 *data,
                gsize         len)
{
  g_autofree guint8 *copy = exact_copy (data, len);

  return kdh_dbgkd_describe (type, copy, len);
}

static void
test_describe_examples (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  gchar *s;
  KdhManipulate m;

  kdh_manipulate_init_memory (&m, KDH_API_READ_VIRTUAL_MEMORY, 0,
                              G_GUINT64_CONSTANT (0xFFFFF80000400000), 0x1000);
  kdh_manipulate_encode (b, &m, NULL, 0);
  s = describe_exact (2, b->data, b->len);
  g_assert_cmpstr (s, ==, "Manipulate ReadVirtualMemory 0xfffff80000400000 0x1000");
  g_free (s);

  /* The reply carries the bytes read. */
  m.return_status = KDH_STATUS_SUCCESS;
  kdh_manipulate_set_u32 (&m, 0x0C, 0x1000);
  g_byte_array_set_size (b, 0);
  kdh_manipulate_encode (b, &m, NULL, 0);
  s = describe_exact (2, b->data, b->len);
  g_assert_cmpstr (s, ==,
                   "Manipulate ReadVirtualMemory reply STATUS_SUCCESS 0xfffff80000400000 0x1000");
  g_free (s);

  kdh_manipulate_init_get_version (&m);
  g_byte_array_set_size (b, 0);
  kdh_manipulate_encode (b, &m, NULL, 0);
  s = describe_exact (2, b->data, b->len);
  g_assert_cmpstr (s, ==, "Manipulate GetVersion");
  g_free (s);

  m.return_status = KDH_STATUS_SUCCESS;
  g_byte_array_set_size (b, 0);
  kdh_manipulate_encode (b, &m, NULL, 0);
  s = describe_exact (2, b->data, b->len);
  g_assert_cmpstr (s, ==, "Manipulate GetVersion reply STATUS_SUCCESS");
  g_free (s);

  kdh_manipulate_init_continue (&m, KDH_DBG_CONTINUE);
  g_byte_array_set_size (b, 0);
  kdh_manipulate_encode (b, &m, NULL, 0);
  s = describe_exact (2, b->data, b->len);
  g_assert_cmpstr (s, ==, "Manipulate Continue DBG_CONTINUE");
  g_free (s);

  kdh_manipulate_init_continue2 (&m, KDH_MACHINE_AMD64, KDH_DBG_CONTINUE, TRUE, 0, 1, 0);
  g_byte_array_set_size (b, 0);
  kdh_manipulate_encode (b, &m, NULL, 0);
  s = describe_exact (2, b->data, b->len);
  g_assert_cmpstr (s, ==, "Manipulate Continue2 DBG_CONTINUE trace");
  g_free (s);

  s = describe_exact (2, b->data, 20);
  g_assert_cmpstr (s, ==, "malformed Manipulate: 20 bytes, need 56");
  g_free (s);

  {
    KdhStateChange sc = sample_exception ();

    sc.processor = 0;
    g_byte_array_set_size (b, 0);
    kdh_state_change_encode_exception (b, &sc, KDH_MACHINE_AMD64, NULL);
    s = describe_exact (7, b->data, b->len);
    g_assert_cmpstr (s, ==, "StateChange Exception 0x80000003 at 0xfffff8000012a0b0 cpu 0/2");
    g_free (s);

    s = describe_exact (7, b->data, 100);
    g_assert_cmpstr (s, ==, "malformed StateChange: 100 bytes, need 240");
    g_free (s);
  }

  {
    KdhStateChange sc;

    memset (&sc, 0, sizeof sc);
    sc.number_processors = 1;
    sc.u.load_symbols.base_of_dll = G_GUINT64_CONSTANT (0xFFFFF80001C00000);
    g_byte_array_set_size (b, 0);
    kdh_state_change_encode_load_symbols (b, &sc, KDH_MACHINE_AMD64, NULL,
                                          "\\SystemRoot\\system32\\hal.dll");
    s = describe_exact (7, b->data, b->len);
    g_assert_cmpstr (s, ==, "StateChange LoadSymbols hal.dll 0xfffff80001c00000");
    g_free (s);
  }

  {
    g_autofree gchar *text = g_strnfill (42, 'x');

    g_byte_array_set_size (b, 0);
    kdh_debug_io_encode_print (b, 0, text, 42);
    s = describe_exact (3, b->data, b->len);
    g_assert_cmpstr (s, ==, "DebugIo Print 42 bytes");
    g_free (s);

    s = describe_exact (3, b->data, 5);
    g_assert_cmpstr (s, ==, "malformed DebugIo: 5 bytes, need 16");
    g_free (s);
  }

  s = describe_exact (11, (const guint8 *) "\x30\x34\x00\x00", 4);
  g_assert_cmpstr (s, ==, "FileIo CreateFile 4 bytes");
  g_free (s);

  s = kdh_dbgkd_describe (42, NULL, 0);
  g_assert_cmpstr (s, ==, "PacketType42 0 bytes");
  g_free (s);
}

static void
assert_one_printable_line (const gchar *s)
{
  g_assert_nonnull (s);
  g_assert_cmpuint (strlen (s), >, 0);
  for (const gchar *p = s; *p != '\0'; p++)
    g_assert_true (*p >= 0x20 && *p < 0x7F);
}

static void
test_describe_garbage (void)
{
  static const guint32 firsts[] = {
    KDH_STATE_EXCEPTION, KDH_STATE_LOAD_SYMBOLS, KDH_STATE_COMMAND_STRING,
    KDH_STATE_LOAD_SYMBOLS | KDH_STATE_ALTERNATE_FLAG,
    KDH_API_READ_VIRTUAL_MEMORY, KDH_API_GET_CONTEXT, KDH_API_WRITE_BREAKPOINT,
    KDH_API_CONTINUE2, KDH_API_GET_VERSION, KDH_API_READ_MSR, KDH_API_SEARCH_MEMORY,
    KDH_API_GET_CONTEXT_EX, KDH_API_PRINT_STRING, KDH_API_GET_STRING, 0x3430,
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x6B64686F);

  for (guint iter = 0; iter < 5000; iter++)
    {
      gsize len;
      guint16 type;
      g_autofree guint8 *buf = NULL;
      g_autofree gchar *s = NULL;

      /* Favour the lengths around the structure sizes. */
      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          len = g_rand_int_range (rand, 0, 64);
          break;
        case 1:
          len = g_rand_int_range (rand, 200, 320);
          break;
        default:
          len = g_rand_int_range (rand, 0, 4100);
          break;
        }
      type = (guint16) g_rand_int_range (rand, 0, 14);

      buf = len > 0 ? g_malloc (len) : NULL;
      for (gsize i = 0; i < len; i++)
        buf[i] = (guint8) g_rand_int (rand);

      /* Half of the time make it look plausible so deeper paths run. */
      if (len >= 4 && g_rand_boolean (rand))
        put32 (buf, firsts[g_rand_int_range (rand, 0, G_N_ELEMENTS (firsts))]);
      if (len >= 0x24 && g_rand_boolean (rand))
        put32 (buf + 0x20, (guint32) g_rand_int_range (rand, 0, 64));
      if (len >= 0x0C && g_rand_boolean (rand))
        put32 (buf + 0x08, g_rand_boolean (rand) ? KDH_STATUS_PENDING : 0);

      s = kdh_dbgkd_describe (type, buf, len);
      assert_one_printable_line (s);
    }
}

/* Every prefix of a valid packet of each kind. */
static void
test_describe_truncated (void)
{
  g_autoptr(GByteArray) ls = g_byte_array_new ();
  g_autoptr(GByteArray) man = g_byte_array_new ();
  g_autoptr(GByteArray) io = g_byte_array_new ();
  KdhStateChange sc;
  KdhManipulate m;
  struct {
    guint16 type;
    GByteArray *b;
    gsize header;
    const gchar *malformed;
  } kinds[] = {
    { 7, ls, KDH_STATE_CHANGE64_SIZE, "malformed StateChange" },
    { 2, man, KDH_MANIPULATE64_SIZE, "malformed Manipulate" },
    { 3, io, KDH_DEBUG_IO_SIZE, "malformed DebugIo" },
  };

  memset (&sc, 0, sizeof sc);
  kdh_state_change_encode_load_symbols (ls, &sc, KDH_MACHINE_AMD64, NULL,
                                        "\\SystemRoot\\system32\\ntoskrnl.exe");
  kdh_manipulate_init_set_context (&m, 0, 0x10001F);
  kdh_manipulate_encode (man, &m, (const guint8 *) "0123456789abcdef", 16);
  kdh_debug_io_encode_print (io, 0, "text\n", 5);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (gsize len = 0; len <= kinds[k].b->len; len++)
      {
        g_autofree gchar *s = describe_exact (kinds[k].type, kinds[k].b->data, len);

        assert_one_printable_line (s);
        g_assert_cmpint (g_str_has_prefix (s, kinds[k].malformed), ==, len < kinds[k].header);
      }
}

/* Whether a payload fits its packet type: what catches a garbled type
 * byte, which the checksum does not cover. */
static void
test_payload_plausible (void)
{
  guint8 buf[KDH_STATE_CHANGE64_SIZE] = { 0 };

  buf[0] = 0x30; buf[1] = 0x30;            /* NewState: exception */
  g_assert_true (kdh_dbgkd_payload_plausible (7, buf, sizeof buf));
  g_assert_false (kdh_dbgkd_payload_plausible (7, buf, 0xC0));   /* short: not decodable */
  g_assert_false (kdh_dbgkd_payload_plausible (2, buf, sizeof buf));
  g_assert_false (kdh_dbgkd_payload_plausible (3, buf, sizeof buf));
  buf[2] = 0x01;                            /* the alternate flag */
  g_assert_true (kdh_dbgkd_payload_plausible (7, buf, sizeof buf));

  memset (buf, 0, sizeof buf);
  buf[0] = 0x30; buf[1] = 0x31;            /* ReadVirtualMemory */
  g_assert_true (kdh_dbgkd_payload_plausible (2, buf, KDH_MANIPULATE64_SIZE));
  g_assert_false (kdh_dbgkd_payload_plausible (2, buf, KDH_MANIPULATE64_SIZE - 1));
  g_assert_false (kdh_dbgkd_payload_plausible (7, buf, sizeof buf));
  buf[0] = 0x61;                            /* 0x3161: one past the last API */
  g_assert_false (kdh_dbgkd_payload_plausible (2, buf, KDH_MANIPULATE64_SIZE));

  memset (buf, 0, sizeof buf);
  buf[0] = 0x30; buf[1] = 0x32;            /* PrintString */
  g_assert_true (kdh_dbgkd_payload_plausible (3, buf, KDH_DEBUG_IO_SIZE));
  g_assert_false (kdh_dbgkd_payload_plausible (3, buf, KDH_DEBUG_IO_SIZE - 1));
  g_assert_false (kdh_dbgkd_payload_plausible (2, buf, KDH_MANIPULATE64_SIZE));
  g_assert_false (kdh_dbgkd_payload_plausible (3, buf, 3));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kd/dbgkd/manipulate/get-version-request-bytes",
                   test_get_version_request_bytes);
  g_test_add_func ("/kd/dbgkd/manipulate/read-virtual-request-bytes",
                   test_read_virtual_request_bytes);
  g_test_add_func ("/kd/dbgkd/manipulate/roundtrip", test_manipulate_roundtrip);
  g_test_add_func ("/kd/dbgkd/manipulate/truncation", test_manipulate_truncation);
  g_test_add_func ("/kd/dbgkd/manipulate/accessors", test_manipulate_accessors);
  g_test_add_func ("/kd/dbgkd/manipulate/init-requests", test_manipulate_init_requests);
  g_test_add_func ("/kd/dbgkd/manipulate/continue2-amd64", test_continue2_amd64);
  g_test_add_func ("/kd/dbgkd/manipulate/continue2-x86", test_continue2_x86);
  g_test_add_func ("/kd/dbgkd/version/roundtrip", test_version_roundtrip);
  g_test_add_func ("/kd/dbgkd/version/flags", test_version_flags);
  g_test_add_func ("/kd/dbgkd/version/wrong-api", test_version_wrong_api);
  g_test_add_func ("/kd/dbgkd/state-change/exception-roundtrip", test_exception_roundtrip);
  g_test_add_func ("/kd/dbgkd/state-change/exception-trailing-data", test_exception_trailing_data);
  g_test_add_func ("/kd/dbgkd/state-change/alternate", test_state_change_alternate);
  g_test_add_func ("/kd/dbgkd/state-change/number-parameters-clamped",
                   test_number_parameters_clamped);
  g_test_add_func ("/kd/dbgkd/state-change/load-symbols-roundtrip", test_load_symbols_roundtrip);
  g_test_add_func ("/kd/dbgkd/state-change/load-symbols-path", test_load_symbols_path);
  g_test_add_func ("/kd/dbgkd/state-change/load-symbols-truncated-path",
                   test_load_symbols_truncated_path);
  g_test_add_func ("/kd/dbgkd/state-change/command-string", test_command_string);
  g_test_add_func ("/kd/dbgkd/state-change/truncation", test_state_change_truncation);
  g_test_add_func ("/kd/dbgkd/state-change/unknown-state", test_state_change_unknown);
  g_test_add_func ("/kd/dbgkd/control-report/amd64", test_control_report_amd64);
  g_test_add_func ("/kd/dbgkd/control-report/x86", test_control_report_x86);
  g_test_add_func ("/kd/dbgkd/control-report/unknown-machine", test_control_report_unknown_machine);
  g_test_add_func ("/kd/dbgkd/debug-io/print-roundtrip", test_debug_io_print_roundtrip);
  g_test_add_func ("/kd/dbgkd/debug-io/get-string", test_debug_io_get_string);
  g_test_add_func ("/kd/dbgkd/debug-io/truncation", test_debug_io_truncation);
  g_test_add_func ("/kd/dbgkd/debug-io/unknown-api", test_debug_io_unknown_api);
  g_test_add_func ("/kd/dbgkd/names", test_names);
  g_test_add_func ("/kd/dbgkd/describe/examples", test_describe_examples);
  g_test_add_func ("/kd/dbgkd/describe/garbage", test_describe_garbage);
  g_test_add_func ("/kd/dbgkd/describe/truncated", test_describe_truncated);

  g_test_add_func ("/kd/dbgkd/payload-plausible", test_payload_plausible);
  return g_test_run ();
}
