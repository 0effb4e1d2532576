/* fuzz-sim-target.c: libFuzzer harness for the simulated target as a peer
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulated target is what kdhost-sim serves on a socket, so a hostile
 * or broken host can send it anything. Input: a flags byte (simulator
 * options), a mode byte, a 4-byte seed, then what the "host" sends: raw
 * bytes (even mode), or records (odd mode) that the harness turns into
 * packets with valid checksums, so that the fuzzer spends its time on the
 * requests rather than on the framing. The seed cuts the bytes into
 * fragments and moves a fake clock; the target is ticked now and then and
 * its output drained after every step.
 *
 * Checks: everything the target writes is whole, valid packets whose
 * payloads fit their types; its counters match what it wrote; no step
 * writes more than a few packets per packet received (no amplification,
 * no unbounded growth); and the same input gives the same output.
 */
#include <string.h>

#include "kd/kdh-dbgkd.h"
#include "kd/kdh-packet.h"
#include "sim/kdh-sim-target.h"
#include "kdh-fuzz.h"

#define FLAG_FRAGMENTS_MASK  0x03
#define FLAG_FLOOD           0x04   /* dbgprint-rate=max */
#define FLAG_PRINTS          0x08   /* dbgprint-rate=50 */
#define FLAG_SILENT          0x10   /* silent-after=7 */
#define FLAG_REBOOT          0x20   /* reboot-after=11 */
#define FLAG_ONE_CPU         0x40
#define FLAG_SERIAL          0x80   /* baud=115200 */

#define MS(x) ((gint64) (x) * 1000)
/* The most one incoming packet (at least 16 bytes) or one tick may cost:
 * an answer, a reply or retransmission, and a state change or print. */
#define STEP_COST (4 * (KDH_PACKET_MAX_SIZE + KDH_PACKET_HEADER_SIZE + 1))

typedef struct {
  KdhSimTarget *target;
  KdhPacketParser *wire;        /* parses what the target writes */
  gint64 now;
  guint64 digest;               /* of everything written, for the determinism check */
  guint64 bytes_out;
  guint64 acks, resends, resets, data;
} Run;

/* Records: an op byte, then
 *   0  raw bytes: a length byte and the bytes
 *   1  a data packet: type, id selector, 16-bit length, payload
 *   2  a control packet: type (ACK, RESEND, RESET, or any), id selector
 *   3  the break-in byte
 * An id selector with bit 7 set is followed by a raw 32-bit id; otherwise
 * its low bit picks 0x80800000 or 0x80800001, bit 1 adds the SYNC bit. */
static guint32
take_id (KdhFuzzInput *in)
{
  guint8 sel = kdh_fuzz_take_u8 (in);

  if (sel & 0x80)
    return kdh_fuzz_take_u32 (in);
  return (KDH_PACKET_ID_INITIAL | (sel & 1)) | ((sel & 2) ? KDH_PACKET_ID_SYNC : 0);
}

static GByteArray *
frame_records (KdhFuzzInput *in)
{
  GByteArray *out = g_byte_array_new ();

  while (in->len > 0)
    {
      guint8 op = kdh_fuzz_take_u8 (in);
      guint16 type;
      guint32 id;
      gsize n;

      switch (op % 4)
        {
        case 0:
          n = kdh_fuzz_take_u8 (in);
          n = MIN (n, in->len);
          g_byte_array_append (out, in->data, n);
          in->data += n;
          in->len -= n;
          break;
        case 1:
          type = kdh_fuzz_take_u8 (in);
          id = take_id (in);
          n = kdh_fuzz_take_u8 (in);
          n |= (gsize) kdh_fuzz_take_u8 (in) << 8;
          n = MIN (n, in->len);
          kdh_packet_write_data (out, type, id, in->data, n, NULL, 0);
          in->data += n;
          in->len -= n;
          break;
        case 2:
          type = kdh_fuzz_take_u8 (in);
          if (type < 0x80)
            type = KDH_PACKET_TYPE_ACKNOWLEDGE + type % 3;
          id = take_id (in);
          kdh_packet_write_control (out, type, id);
          break;
        default:
          g_byte_array_append (out, (const guint8 *) "b", 1);
          break;
        }
    }
  return out;
}

static gsize
fragment_size (KdhFuzzRng *rng,
               guint       mode,
               gsize       left)
{
  gsize n;

  switch (mode)
    {
    case 0: n = 1 + kdh_fuzz_rng_below (rng, 4); break;
    case 1: n = 1 + kdh_fuzz_rng_below (rng, 32); break;
    case 2: n = 1 + kdh_fuzz_rng_below (rng, 1024); break;
    default: n = left; break;
    }
  return MIN (n, left);
}

static void
check_packet (Run                 *run,
              const KdhParseEvent *ev)
{
  const KdhPacketHeader *h = &ev->header;
  guint32 raw = h->id & ~KDH_PACKET_ID_SYNC;

  g_assert_cmpint (ev->kind, ==, KDH_PARSE_PACKET);
  if (h->control)
    {
      switch (h->type)
        {
        case KDH_PACKET_TYPE_ACKNOWLEDGE: run->acks++; break;
        case KDH_PACKET_TYPE_RESEND: run->resends++; break;
        case KDH_PACKET_TYPE_RESET: run->resets++; break;
        default: g_assert_not_reached ();
        }
      return;
    }
  /* A Windows target sends these three, within its size limit. */
  g_assert_true (h->type == KDH_PACKET_TYPE_STATE_MANIPULATE
                 || h->type == KDH_PACKET_TYPE_DEBUG_IO
                 || h->type == KDH_PACKET_TYPE_STATE_CHANGE64);
  g_assert_cmpuint (ev->payload_len, <=, KDH_PACKET_MAX_SIZE);
  g_assert_cmpuint (kdh_packet_checksum (ev->payload, ev->payload_len), ==, h->checksum);
  g_assert_true (kdh_dbgkd_payload_plausible (h->type, ev->payload, ev->payload_len));
  g_assert_true (raw == KDH_PACKET_ID_INITIAL || raw == (KDH_PACKET_ID_INITIAL | 1));
  if (h->type == KDH_PACKET_TYPE_STATE_CHANGE64)
    {
      KdhStateChange sc;

      g_assert_true (kdh_state_change_decode (ev->payload, ev->payload_len, &sc, NULL));
      kdh_state_change_clear (&sc);
    }
  run->data++;
}

/* Drains the target's output; returns how many bytes it wrote. */
static guint64
drain (Run *run)
{
  GBytes *unit;
  guint64 written = 0;

  while ((unit = kdh_sim_target_pop_output (run->target)) != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (unit, &len);
      KdhParseEvent ev;

      g_assert_cmpuint (len, >, 0);
      written += len;
      run->digest = run->digest * 31 + g_bytes_hash (unit) + len;
      kdh_packet_parser_feed (run->wire, data, len);
      while (kdh_packet_parser_next (run->wire, &ev))
        check_packet (run, &ev);
      /* Each unit is whole: one packet (or one byte) and nothing else. */
      g_assert_false (kdh_packet_parser_in_packet (run->wire, NULL));
      g_assert_cmpuint (kdh_packet_parser_garbage (run->wire), ==, 0);
      g_bytes_unref (unit);
    }
  run->bytes_out += written;
  return written;
}

static void
advance_clock (Run        *run,
               KdhFuzzRng *rng)
{
  gint64 deadline;

  switch (kdh_fuzz_rng_below (rng, 6))
    {
    case 0: break;
    case 1: run->now += 1 + (gint64) kdh_fuzz_rng_below (rng, MS (5)); break;
    case 2: run->now += MS (10); break;
    case 3: run->now += MS (500) + (gint64) kdh_fuzz_rng_below (rng, MS (800)); break;
    default:
      deadline = kdh_sim_target_next_deadline (run->target);
      /* Bounded: a long jump only makes the running kernel spin through
       * its 10 ms quanta, which costs time and finds nothing. */
      if (deadline != G_MAXINT64 && deadline > run->now)
        run->now = MIN (deadline, run->now + MS (1500));
      break;
    }
}

static guint64
run_once (guint8        flags,
          guint32       seed,
          const guint8 *stream,
          gsize         len)
{
  KdhSimOptions opts;
  KdhFuzzRng rng = { seed };
  Run run = { 0 };
  const KdhSimCounters *counters;
  g_autofree gchar *counters_text = NULL;
  gsize at = 0;

  kdh_sim_options_init (&opts);
  opts.seed = seed;
  if (flags & FLAG_FLOOD)
    opts.dbgprint_flood = TRUE;
  else if (flags & FLAG_PRINTS)
    opts.dbgprint_rate = 50;
  if (flags & FLAG_SILENT)
    opts.silent_after = 7;
  if (flags & FLAG_REBOOT)
    opts.reboot_after = 11;
  opts.cpus = (flags & FLAG_ONE_CPU) ? 1 : 2;
  if (flags & FLAG_SERIAL)
    opts.baud = 115200;

  run.now = MS (1000);
  run.target = kdh_sim_target_new (&opts, run.now);
  run.wire = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);

  while (at < len)
    {
      gsize n = fragment_size (&rng, flags & FLAG_FRAGMENTS_MASK, len - at);
      guint64 written;

      advance_clock (&run, &rng);
      kdh_sim_target_receive (run.target, stream + at, n, run.now);
      at += n;
      if (kdh_fuzz_rng_chance (&rng, 2))
        kdh_sim_target_tick (run.target, run.now);
      if (kdh_fuzz_rng_chance (&rng, 64))
        kdh_sim_target_line_dropped (run.target);
      written = drain (&run);
      g_assert_cmpuint (written, <=, (n / KDH_PACKET_HEADER_SIZE + 2) * STEP_COST);
    }

  /* The host goes quiet; the target times out, retransmits, gives up. */
  for (guint i = 0; i < 32; i++)
    {
      gint64 deadline = kdh_sim_target_next_deadline (run.target);

      if (deadline == G_MAXINT64)
        break;
      run.now = MAX (run.now, MIN (deadline, run.now + MS (1500)));
      kdh_sim_target_tick (run.target, run.now);
      g_assert_cmpuint (drain (&run), <=, 2 * STEP_COST);
    }

  /* The counters tell the truth about what went out. */
  counters = kdh_sim_target_get_counters (run.target);
  g_assert_cmpuint (counters->acks_sent, ==, run.acks);
  g_assert_cmpuint (counters->resends_sent, ==, run.resends);
  g_assert_cmpuint (counters->resets_sent, ==, run.resets);
  g_assert_cmpuint (counters->packets_sent, ==, run.data);
  g_assert_cmpuint (counters->packets_received + counters->resets_received
                    + counters->acks_received + counters->resends_received, <=,
                    len / KDH_PACKET_HEADER_SIZE);
  counters_text = kdh_sim_counters_format (counters);
  g_assert_nonnull (counters_text);
  (void) kdh_sim_target_get_state (run.target);

  kdh_sim_target_free (run.target);
  kdh_packet_parser_free (run.wire);
  return run.digest ^ run.bytes_out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  KdhFuzzInput in = { data, size };
  guint8 flags = kdh_fuzz_take_u8 (&in);
  guint8 mode = kdh_fuzz_take_u8 (&in);
  guint32 seed = kdh_fuzz_take_u32 (&in);
  g_autoptr (GByteArray) framed = NULL;
  const guint8 *stream = in.data;
  gsize len = in.len;
  guint64 first;

  if (mode & 1)
    {
      framed = frame_records (&in);
      stream = framed->data;
      len = framed->len;
    }
  first = run_once (flags, seed, stream, len);

  /* Reproducible runs are what --seed promises: nothing may depend on
   * anything but the input. Checked for one input in four (by seed), as
   * a second run halves the speed. */
  if (seed % 4 == 0)
    g_assert_cmpuint (run_once (flags, seed, stream, len), ==, first);
  return 0;
}
