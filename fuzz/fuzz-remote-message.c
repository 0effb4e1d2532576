/* fuzz-remote-message.c: libFuzzer harness for the remote server's message guard
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A debugging server's clients are other machines. Their bytes reach GDBus
 * through KdhServerStream (kdh-server-stream.c), which watches the D-Bus
 * authentication lines and each message header and fails the read before
 * GDBus takes in a message over the size limit or bytes that are not
 * D-Bus. Here the stream sits on memory streams (no socket, no thread, no
 * GDBus): input is a mode byte, a limit selector, then the peer's bytes,
 * read back through the guard once a byte at a time and once in chunks
 * the input decides.
 *
 * Checks: the guard passes bytes through unchanged; what it lets through
 * never holds a whole header of an oversized or non-D-Bus message; once
 * it refuses, it says why and keeps refusing; and where it refuses does
 * not depend on how the peer's bytes were cut into reads.
 */
#include <string.h>

#include <gio/gio.h>

#include "remote/server/kdh-server-private.h"
#include "kdh-fuzz.h"

#define HEADER_SIZE 16

typedef struct {
  gboolean refused;
  gsize delivered;        /* bytes handed to the reader before the refusal or EOF */
  gsize refused_request;  /* the size of the read that was refused */
  gchar *violation;
} Outcome;

/* Reads everything through a fresh guard, @chunk_rng deciding the read
 * sizes (NULL: one byte at a time). */
static Outcome
read_through (const guint8 *data,
              gsize         len,
              gsize         max_message,
              KdhFuzzRng   *chunk_rng)
{
  Outcome o = { 0 };
  g_autoptr (GInputStream) mem_in = g_memory_input_stream_new_from_data (data, len, NULL);
  g_autoptr (GOutputStream) mem_out = g_memory_output_stream_new_resizable ();
  g_autoptr (GIOStream) base = g_simple_io_stream_new (mem_in, mem_out);
  g_autoptr (GCancellable) abort = g_cancellable_new ();
  g_autoptr (KdhServerStream) guard = kdh_server_stream_new (base, abort, max_message);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (guard));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (guard));
  guint8 buf[4096];
  static const gchar reply[] = "OK 1234deadbeef\r\n";

  g_assert_null (kdh_server_stream_dup_violation (guard));
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gsize want = chunk_rng != NULL ? 1 + kdh_fuzz_rng_below (chunk_rng, sizeof buf) : 1;
      gssize n = g_input_stream_read (in, buf, want, NULL, &error);

      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
          o.refused = TRUE;
          o.refused_request = want;
          o.violation = kdh_server_stream_dup_violation (guard);
          g_assert_nonnull (o.violation);
          g_assert_true (g_utf8_validate (o.violation, -1, NULL));
          break;
        }
      g_assert_no_error (error);
      if (n == 0)
        break;
      /* Unchanged, in order. */
      g_assert_cmpuint (o.delivered + (gsize) n, <=, len);
      g_assert_true (memcmp (buf, data + o.delivered, (gsize) n) == 0);
      o.delivered += (gsize) n;
      g_assert_null (kdh_server_stream_dup_violation (guard));
    }

  /* Refused for good: no more data (an error, or the end of the peer's
   * bytes). */
  if (o.refused)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, &error);

      g_assert_cmpint (n, <=, 0);
      if (n < 0)
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }

  /* The other direction is passed through and counted. */
  {
    g_autoptr (GError) error = NULL;
    gsize written = 0;

    g_assert_true (g_output_stream_write_all (out, reply, sizeof reply - 1, &written, NULL,
                                              &error));
    g_assert_no_error (error);
    g_assert_cmpuint (kdh_server_stream_get_written (guard), ==, sizeof reply - 1);
    g_assert_false (kdh_server_stream_write_blocked (guard));
    g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem_out)),
                      ==, sizeof reply - 1);
  }
  return o;
}

static guint32
header_u32 (const guint8 *h,
            gsize         offset)
{
  guint32 v;

  memcpy (&v, h + offset, 4);
  return h[0] == 'l' ? GUINT32_FROM_LE (v) : GUINT32_FROM_BE (v);
}

/* The D-Bus specification's framing, over the bytes the guard let
 * through: one byte, CR LF lines up to "BEGIN", then messages. No header
 * in there may announce more than the limit or fail to be D-Bus. */
static void
check_delivered (const guint8 *data,
                 gsize         len,
                 gsize         max_message)
{
  gsize i = 1;
  gsize line_start = 1;

  if (len == 0)
    return;
  /* Authentication: lines end in CR LF; "BEGIN" ends it. */
  for (;;)
    {
      if (i + 1 >= len)
        return;   /* still authenticating */
      if (data[i] == '\r' && data[i + 1] == '\n')
        {
          gboolean begin = i - line_start == 5 && memcmp (data + line_start, "BEGIN", 5) == 0;

          i += 2;
          line_start = i;
          if (begin)
            break;
          continue;
        }
      i++;
    }
  /* Messages. */
  while (i + HEADER_SIZE <= len)
    {
      const guint8 *h = data + i;
      guint64 body, fields, total;

      g_assert_true (h[0] == 'l' || h[0] == 'B');
      g_assert_true (h[1] >= 1 && h[1] <= 4);
      g_assert_cmpuint (h[3], ==, 1);
      body = header_u32 (h, 4);
      fields = header_u32 (h, 12);
      total = HEADER_SIZE + ((fields + 7) & ~(guint64) 7) + body;
      g_assert_cmpuint (total, <=, max_message);
      i += total;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  KdhFuzzInput in = { data, size };
  guint8 mode = kdh_fuzz_take_u8 (&in);
  guint8 limit = kdh_fuzz_take_u8 (&in);
  /* Small limits reach the refusal with small inputs; 0 is the real one. */
  gsize max_message = limit == 0 ? KDH_REMOTE_MAX_MESSAGE : HEADER_SIZE + 8 * (gsize) limit;
  g_autofree guint8 *peer = g_memdup2 (in.data, in.len);
  KdhFuzzRng rng = { (guint64) mode * 0x100000001u + in.len };
  Outcome bytewise, chunked;

  bytewise = read_through (peer, in.len, max_message, NULL);
  check_delivered (peer, bytewise.delivered, max_message);

  /* The byte that made it refuse is the same however the bytes come. */
  chunked = read_through (peer, in.len, max_message, &rng);
  check_delivered (peer, chunked.delivered, max_message);
  g_assert_cmpint (chunked.refused, ==, bytewise.refused);
  if (bytewise.refused)
    {
      g_assert_cmpstr (chunked.violation, ==, bytewise.violation);
      g_assert_cmpuint (chunked.delivered, <=, bytewise.delivered);
      g_assert_cmpuint (chunked.delivered + chunked.refused_request, >, bytewise.delivered);
    }
  else
    {
      g_assert_cmpuint (bytewise.delivered, ==, in.len);
      g_assert_cmpuint (chunked.delivered, ==, in.len);
    }

  g_free (bytewise.violation);
  g_free (chunked.violation);
  return 0;
}
