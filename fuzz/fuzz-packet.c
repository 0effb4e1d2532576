/* fuzz-packet.c: libFuzzer harness for the KDCOM packet parser and host link
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a flags byte, a 4-byte seed, then the byte stream a target (or the
 * line) sends. The seed drives a PRNG that cuts the stream into fragments,
 * moves a fake clock and, when the flags ask for it, abandons half-received
 * packets or makes the host send, resync and break in.
 *
 * Checks, besides "no crash, no leak, no undefined behaviour":
 *  - every event the parser returns is consistent (a good data packet's
 *    checksum and length match, control packets have control types ...);
 *  - without abandons, the packets found do not depend on how the stream
 *    was cut: a fragmented run finds what a run over the whole stream finds;
 *  - everything the link writes parses back into whole, valid packets;
 *  - the link's events and counters agree with what went in and out, and
 *    the link settles (no deadline left) in a bounded number of ticks once
 *    the target goes quiet.
 */
#include <string.h>

#include "kd/kdh-dbgkd.h"
#include "kd/kdh-link.h"
#include "kd/kdh-packet.h"
#include "kdh-fuzz.h"

#define FLAG_FRAGMENTS_MASK  0x03   /* 0: bytes, 1: up to 16, 2: up to 512, 3: any */
#define FLAG_ABANDON         0x04   /* abandon half-received packets now and then */
#define FLAG_TARGET_LIMIT    0x08   /* a target's 4000-byte limit, not the host's */
#define FLAG_TRACE           0x10   /* link: packet trace events on */
#define FLAG_SERIAL          0x20   /* link: timeouts of a 115200-baud line */
#define FLAG_HOST_ACTIVITY   0x40   /* link: the host sends, resyncs, breaks in */
#define FLAG_NO_TYPE_CHECK   0x80   /* link: check_payloads off */

#define MS(x) ((gint64) (x) * 1000)

/* What the parser reported, minus break-ins (see compare_runs ()). */
typedef struct {
  KdhParseKind kind;
  KdhPacketHeader header;
  KdhPacketFault fault;
  GBytes *payload;
} Seen;

static void
seen_clear (gpointer data)
{
  Seen *seen = data;

  g_clear_pointer (&seen->payload, g_bytes_unref);
}

typedef struct {
  GArray *events;           /* of Seen */
  guint64 breakins;
  guint64 garbage;
  gboolean in_packet;
} ParserRun;

static void
parser_run_init (ParserRun *run)
{
  run->events = g_array_new (FALSE, TRUE, sizeof (Seen));
  g_array_set_clear_func (run->events, seen_clear);
  run->breakins = 0;
  run->garbage = 0;
  run->in_packet = FALSE;
}

static void
parser_run_clear (ParserRun *run)
{
  g_array_unref (run->events);
}

static gsize
fragment_size (KdhFuzzRng *rng,
               guint       mode,
               gsize       left)
{
  gsize n;

  switch (mode)
    {
    case 0: n = 1; break;
    case 1: n = 1 + kdh_fuzz_rng_below (rng, 16); break;
    case 2: n = 1 + kdh_fuzz_rng_below (rng, 512); break;
    default: n = 1 + kdh_fuzz_rng_below (rng, left); break;
    }
  return MIN (n, left);
}

static void
check_event (const KdhParseEvent *ev,
             gsize                max_payload)
{
  const KdhPacketHeader *h = &ev->header;

  switch (ev->kind)
    {
    case KDH_PARSE_PACKET:
      g_assert_cmpint (ev->fault, ==, KDH_PACKET_FAULT_NONE);
      if (h->control)
        {
          g_assert_true (h->type == KDH_PACKET_TYPE_ACKNOWLEDGE
                         || h->type == KDH_PACKET_TYPE_RESEND
                         || h->type == KDH_PACKET_TYPE_RESET);
          g_assert_cmpuint (ev->payload_len, ==, 0);
        }
      else
        {
          g_assert_true (kdh_packet_type_is_data (h->type));
          g_assert_cmpuint (ev->payload_len, ==, h->byte_count);
          g_assert_cmpuint (ev->payload_len, <=, max_payload);
          g_assert_true (ev->payload != NULL || ev->payload_len == 0);
          g_assert_cmpuint (kdh_packet_checksum (ev->payload, ev->payload_len), ==, h->checksum);
        }
      break;

    case KDH_PARSE_BAD_PACKET:
      g_assert_cmpint (ev->fault, !=, KDH_PACKET_FAULT_NONE);
      g_assert_null (ev->payload);
      if (ev->fault == KDH_PACKET_FAULT_LENGTH)
        g_assert_cmpuint (h->byte_count, >, max_payload);
      if (ev->fault == KDH_PACKET_FAULT_CHECKSUM || ev->fault == KDH_PACKET_FAULT_TRAILER
          || ev->fault == KDH_PACKET_FAULT_LENGTH)
        {
          /* Only data packets have a body that can be wrong. */
          g_assert_false (h->control);
          g_assert_true (kdh_packet_type_is_data (h->type));
        }
      break;

    case KDH_PARSE_BREAKIN:
      break;

    default:
      g_assert_not_reached ();
    }
  g_assert_nonnull (kdh_packet_type_name (h->type));
}

static void
record_event (ParserRun           *run,
              const KdhParseEvent *ev,
              gsize                max_payload)
{
  Seen seen = { 0 };

  check_event (ev, max_payload);
  if (ev->kind == KDH_PARSE_BREAKIN)
    {
      run->breakins++;
      return;
    }
  seen.kind = ev->kind;
  seen.header = ev->header;
  seen.fault = ev->fault;
  if (ev->kind == KDH_PARSE_PACKET && !ev->header.control)
    seen.payload = g_bytes_new (ev->payload, ev->payload_len);
  g_array_append_val (run->events, seen);
}

static void
drain_parser (KdhPacketParser *parser,
              ParserRun       *run,
              gsize            max_payload)
{
  KdhParseEvent ev;

  while (kdh_packet_parser_next (parser, &ev))
    record_event (run, &ev, max_payload);
}

static void
finish_run (KdhPacketParser *parser,
            ParserRun       *run)
{
  gsize needed;

  run->garbage = kdh_packet_parser_garbage (parser);
  run->in_packet = kdh_packet_parser_in_packet (parser, &needed);
  if (!run->in_packet)
    g_assert_cmpuint (needed, ==, 0);
}

/* A 0x62 counts as a break-in or as garbage depending on whether it sits in
 * bytes already searched as part of a failed packet, which depends on how
 * far the stream had arrived when the packet failed. Everything else must
 * not depend on the cuts. */
static void
compare_runs (const ParserRun *whole,
              const ParserRun *cut)
{
  g_assert_cmpuint (whole->events->len, ==, cut->events->len);
  for (guint i = 0; i < whole->events->len; i++)
    {
      const Seen *a = &g_array_index (whole->events, Seen, i);
      const Seen *b = &g_array_index (cut->events, Seen, i);

      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpint (a->fault, ==, b->fault);
      g_assert_cmpint (a->header.control, ==, b->header.control);
      g_assert_cmpuint (a->header.type, ==, b->header.type);
      g_assert_cmpuint (a->header.byte_count, ==, b->header.byte_count);
      g_assert_cmpuint (a->header.id, ==, b->header.id);
      g_assert_cmpuint (a->header.checksum, ==, b->header.checksum);
      g_assert_true ((a->payload == NULL) == (b->payload == NULL));
      if (a->payload != NULL)
        g_assert_true (g_bytes_equal (a->payload, b->payload));
    }
  g_assert_cmpuint (whole->garbage + whole->breakins, ==, cut->garbage + cut->breakins);
  g_assert_cmpint (whole->in_packet, ==, cut->in_packet);
}

static void
fuzz_parser (guint8        flags,
             guint32       seed,
             const guint8 *stream,
             gsize         len)
{
  gsize max_payload = (flags & FLAG_TARGET_LIMIT) ? KDH_PACKET_MAX_SIZE
                                                  : KDH_PACKET_MAX_SIZE_LENIENT;
  gboolean abandon = (flags & FLAG_ABANDON) != 0;
  KdhFuzzRng rng = { seed };
  g_autoptr (KdhPacketParser) whole = kdh_packet_parser_new (max_payload);
  g_autoptr (KdhPacketParser) cut = kdh_packet_parser_new (max_payload);
  ParserRun whole_run, cut_run;
  gsize at = 0;

  parser_run_init (&whole_run);
  parser_run_init (&cut_run);

  kdh_packet_parser_feed (whole, stream, len);
  drain_parser (whole, &whole_run, max_payload);
  finish_run (whole, &whole_run);

  while (at < len)
    {
      gsize n = fragment_size (&rng, flags & FLAG_FRAGMENTS_MASK, len - at);

      kdh_packet_parser_feed (cut, stream + at, n);
      at += n;
      drain_parser (cut, &cut_run, max_payload);

      if (abandon && kdh_fuzz_rng_chance (&rng, 4))
        {
          KdhParseEvent ev;
          gboolean was_in_packet = kdh_packet_parser_in_packet (cut, NULL);
          gboolean data = kdh_packet_parser_abandon (cut, &ev);

          if (!was_in_packet)
            g_assert_false (data);
          if (data)
            {
              g_assert_cmpint (ev.kind, ==, KDH_PARSE_BAD_PACKET);
              g_assert_cmpint (ev.fault, ==, KDH_PACKET_FAULT_TRUNCATED);
              g_assert_false (ev.header.control);
            }
          g_assert_false (kdh_packet_parser_in_packet (cut, NULL));
          drain_parser (cut, &cut_run, max_payload);
        }
    }
  finish_run (cut, &cut_run);

  if (!abandon)
    compare_runs (&whole_run, &cut_run);

  /* A reset parser is a new parser. */
  kdh_packet_parser_reset (cut);
  g_assert_false (kdh_packet_parser_in_packet (cut, NULL));
  {
    KdhParseEvent ev;

    g_assert_false (kdh_packet_parser_next (cut, &ev));
  }

  parser_run_clear (&whole_run);
  parser_run_clear (&cut_run);
}

/* ---- The host link ---------------------------------------------------- */

typedef struct {
  KdhLinkConfig config;
  KdhLink *link;
  KdhPacketParser *wire;      /* parses what the link writes */
  GByteArray *out;
  GBytes *requests[2];        /* what the host may send */
  gint64 now;

  guint64 bytes_in;
  guint64 bytes_out;
  guint64 steps;
  guint64 sends_accepted;
  guint64 sent_events;
  guint64 send_failed_events;
  guint64 acks_out, resends_out, resets_out, breakins_out, data_out;
  /* The last sync ran out of rounds: the link waits in SYNCING, with no
   * deadline, for an answer that may still come (kdh-link.h). */
  gboolean sync_given_up;
} LinkRun;

static GBytes *
make_request (gboolean version)
{
  KdhManipulate m;
  GByteArray *payload = g_byte_array_new ();

  if (version)
    kdh_manipulate_init_get_version (&m);
  else
    kdh_manipulate_init_memory (&m, KDH_API_READ_VIRTUAL_MEMORY, 0,
                                G_GUINT64_CONSTANT (0xfffff80000400000), 0x100);
  kdh_manipulate_encode (payload, &m, NULL, 0);
  return g_byte_array_free_to_bytes (payload);
}

/* Whatever the link writes must be whole packets (and break-in bytes). */
static void
check_output (LinkRun *run)
{
  KdhParseEvent ev;

  g_byte_array_set_size (run->out, 0);
  if (!kdh_link_take_output (run->link, run->out))
    {
      g_assert_false (kdh_link_has_output (run->link));
      return;
    }
  g_assert_cmpuint (run->out->len, >, 0);
  g_assert_false (kdh_link_has_output (run->link));
  run->bytes_out += run->out->len;

  kdh_packet_parser_feed (run->wire, run->out->data, run->out->len);
  while (kdh_packet_parser_next (run->wire, &ev))
    {
      check_event (&ev, KDH_PACKET_MAX_SIZE);
      g_assert_cmpint (ev.kind, !=, KDH_PARSE_BAD_PACKET);
      if (ev.kind == KDH_PARSE_BREAKIN)
        {
          run->breakins_out++;
          continue;
        }
      if (ev.header.control)
        {
          switch (ev.header.type)
            {
            case KDH_PACKET_TYPE_ACKNOWLEDGE:
              /* Only ids the protocol uses, SYNC bit removed. */
              g_assert_true (ev.header.id == KDH_PACKET_ID_INITIAL
                             || ev.header.id == (KDH_PACKET_ID_INITIAL | 1));
              run->acks_out++;
              break;
            case KDH_PACKET_TYPE_RESEND:
              run->resends_out++;
              break;
            case KDH_PACKET_TYPE_RESET:
              run->resets_out++;
              break;
            default:
              g_assert_not_reached ();
            }
          continue;
        }
      /* The host sends only what it was given. */
      {
        g_autoptr (GBytes) payload = g_bytes_new (ev.payload, ev.payload_len);

        g_assert_cmpuint (ev.header.type, ==, KDH_PACKET_TYPE_STATE_MANIPULATE);
        g_assert_true (g_bytes_equal (payload, run->requests[0])
                       || g_bytes_equal (payload, run->requests[1]));
        g_assert_true ((ev.header.id & ~KDH_PACKET_ID_SYNC) == KDH_PACKET_ID_INITIAL
                       || (ev.header.id & ~KDH_PACKET_ID_SYNC) == (KDH_PACKET_ID_INITIAL | 1));
        run->data_out++;
      }
    }
  /* The link never stops in the middle of a packet. */
  g_assert_false (kdh_packet_parser_in_packet (run->wire, NULL));
  g_assert_cmpuint (kdh_packet_parser_garbage (run->wire), ==, 0);
}

static void
check_events (LinkRun *run)
{
  KdhLinkEvent ev;

  while (kdh_link_next_event (run->link, &ev))
    {
      switch (ev.kind)
        {
        case KDH_LINK_EVENT_PACKET:
          {
            gsize len;
            const guint8 *data;

            g_assert_true (kdh_packet_type_is_data (ev.packet_type));
            g_assert_nonnull (ev.payload);
            data = g_bytes_get_data (ev.payload, &len);
            g_assert_cmpuint (len, <=, run->config.max_payload);
            if (run->config.check_payloads)
              g_assert_true (kdh_dbgkd_payload_plausible (ev.packet_type, data, len));
          }
          break;

        case KDH_LINK_EVENT_SENT:
          run->sent_events++;
          break;

        case KDH_LINK_EVENT_SEND_FAILED:
          g_assert_cmpuint (ev.tries, ==, run->config.max_send_tries);
          g_assert_cmpint (ev.elapsed_us, >=, 0);
          run->send_failed_events++;
          break;

        case KDH_LINK_EVENT_SYNC_ATTEMPT:
          run->sync_given_up = FALSE;
          g_assert_cmpuint (ev.attempt, >=, 1);
          g_assert_cmpuint (ev.attempt, <=, run->config.sync_max_rounds);
          break;

        case KDH_LINK_EVENT_SYNC_FAILED:
          g_assert_cmpuint (ev.attempt, ==, run->config.sync_max_rounds);
          run->sync_given_up = TRUE;
          break;

        case KDH_LINK_EVENT_SYNCED:
          run->sync_given_up = FALSE;
          g_assert_cmpint (ev.elapsed_us, >=, 0);
          break;

        case KDH_LINK_EVENT_TARGET_RESET:
        case KDH_LINK_EVENT_TARGET_REBOOTED:
          break;

        case KDH_LINK_EVENT_TRACE:
          g_assert_true (kdh_link_get_trace (run->link));
          if (ev.trace.header.control)
            g_assert_null (ev.trace.payload);
          g_assert_nonnull (kdh_trace_verdict_name (ev.trace.verdict));
          g_assert_cmpstr (kdh_trace_verdict_name (ev.trace.verdict), !=, "?");
          break;

        default:
          g_assert_not_reached ();
        }
      kdh_link_event_clear (&ev);
    }
  /* One packet in flight at a time; each ends at most once. */
  g_assert_cmpuint (run->sent_events + run->send_failed_events, <=, run->sends_accepted);
}

/* The host's own moves, now and then. */
static void
host_activity (LinkRun    *run,
               KdhFuzzRng *rng)
{
  switch (kdh_fuzz_rng_below (rng, 16))
    {
    case 0:
    case 1:
    case 2:
      {
        gboolean busy = kdh_link_is_sending (run->link)
                        || kdh_link_get_mode (run->link) == KDH_LINK_SYNCING;
        gboolean ok = kdh_link_send (run->link, KDH_PACKET_TYPE_STATE_MANIPULATE,
                                     run->requests[kdh_fuzz_rng_below (rng, 2)], run->now);

        g_assert_cmpint (ok, ==, !busy);
        if (ok)
          {
            run->sends_accepted++;
            g_assert_true (kdh_link_is_sending (run->link));
          }
      }
      break;
    case 3:
      kdh_link_start_sync (run->link, (KdhSyncBreakin) kdh_fuzz_rng_below (rng, 3), run->now);
      g_assert_false (kdh_link_is_sending (run->link));
      break;
    case 4:
      kdh_link_send_breakin (run->link);
      break;
    case 5:
      kdh_link_assume_synced (run->link);
      run->sync_given_up = FALSE;
      g_assert_cmpint (kdh_link_get_mode (run->link), ==, KDH_LINK_IDLE);
      break;
    case 6:
      kdh_link_cancel_send (run->link);
      g_assert_false (kdh_link_is_sending (run->link));
      break;
    case 7:
      kdh_link_send_resend (run->link, run->now);
      break;
    default:
      break;
    }
}

static void
advance_clock (LinkRun    *run,
               KdhFuzzRng *rng)
{
  gint64 deadline;

  switch (kdh_fuzz_rng_below (rng, 6))
    {
    case 0: break;
    case 1: run->now += 1 + (gint64) kdh_fuzz_rng_below (rng, MS (2)); break;
    case 2: run->now += MS (100); break;
    case 3: run->now += MS (1000) + (gint64) kdh_fuzz_rng_below (rng, MS (2000)); break;
    default:
      deadline = kdh_link_next_deadline (run->link);
      if (deadline != G_MAXINT64 && deadline > run->now)
        run->now = deadline;
      break;
    }
}

static void
fuzz_link (guint8        flags,
           guint32       seed,
           const guint8 *stream,
           gsize         len)
{
  KdhFuzzRng rng = { (guint64) seed << 1 | 1 };
  LinkRun run = { 0 };
  const KdhLinkStats *stats;
  gsize at = 0;
  guint settle;

  kdh_link_config_init (&run.config, (flags & FLAG_SERIAL) ? 115200 : 0);
  if (flags & FLAG_NO_TYPE_CHECK)
    run.config.check_payloads = FALSE;
  run.link = kdh_link_new (&run.config);
  kdh_link_set_trace (run.link, (flags & FLAG_TRACE) != 0);
  run.wire = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  run.out = g_byte_array_new ();
  run.requests[0] = make_request (TRUE);
  run.requests[1] = make_request (FALSE);
  /* Not 0: the link takes 0 for "never". */
  run.now = MS (1000);

  if (flags & FLAG_HOST_ACTIVITY)
    {
      kdh_link_start_sync (run.link, KDH_SYNC_BREAKIN_FIRST, run.now);
      check_output (&run);
      check_events (&run);
    }

  while (at < len)
    {
      gsize n = fragment_size (&rng, flags & FLAG_FRAGMENTS_MASK, len - at);

      advance_clock (&run, &rng);
      kdh_link_receive (run.link, stream + at, n, run.now);
      at += n;
      run.bytes_in += n;
      run.steps++;
      if (kdh_fuzz_rng_chance (&rng, 2))
        {
          kdh_link_tick (run.link, run.now);
          run.steps++;
        }
      if ((flags & FLAG_HOST_ACTIVITY) && kdh_fuzz_rng_chance (&rng, 4))
        {
          host_activity (&run, &rng);
          run.steps++;
        }
      check_output (&run);
      check_events (&run);
    }

  /* The target has gone quiet: retransmissions, resync rounds and partial
   * packets must all run out. Each abandon moves past at least one byte. */
  for (settle = 0; settle < len + 1000; settle++)
    {
      gint64 deadline = kdh_link_next_deadline (run.link);

      if (deadline == G_MAXINT64)
        break;
      run.now = MAX (run.now, deadline);
      kdh_link_tick (run.link, run.now);
      run.steps++;
      check_output (&run);
      check_events (&run);
    }
  g_assert_cmpuint (settle, <, len + 1000);
  g_assert_false (kdh_link_is_sending (run.link));
  /* Idle, unless the last sync gave up: then the link may still wait in
   * SYNCING for a late answer, or have taken one (or a packet that ends
   * it) on the way. */
  if (!run.sync_given_up)
    g_assert_cmpint (kdh_link_get_mode (run.link), ==, KDH_LINK_IDLE);

  /* Counters agree with what crossed the line. */
  stats = kdh_link_get_stats (run.link);
  g_assert_cmpuint (stats->bytes_in, ==, run.bytes_in);
  g_assert_cmpuint (stats->bytes_out, ==, run.bytes_out);
  g_assert_cmpuint (stats->acks_out, ==, run.acks_out);
  g_assert_cmpuint (stats->resends_out, ==, run.resends_out);
  g_assert_cmpuint (stats->resets_out, ==, run.resets_out);
  g_assert_cmpuint (stats->breakins_sent, ==, run.breakins_out);
  g_assert_cmpuint (stats->packets_out, ==, run.data_out);
  g_assert_cmpuint (stats->garbage_bytes, <=, run.bytes_in);
  /* No amplification loop: every 16 bytes in or clock step may cost at most
   * a few packets out (a RESEND costs a whole retransmission). */
  g_assert_cmpuint (run.bytes_out, <=,
                    (run.bytes_in / 4 + 4 * run.steps + 4)
                    * (KDH_PACKET_MAX_SIZE + 3 * KDH_PACKET_HEADER_SIZE + 2));

  kdh_link_reset (run.link);
  g_assert_false (kdh_link_has_output (run.link));
  g_assert_cmpint (kdh_link_next_deadline (run.link), ==, G_MAXINT64);

  kdh_link_free (run.link);
  kdh_packet_parser_free (run.wire);
  g_byte_array_unref (run.out);
  g_bytes_unref (run.requests[0]);
  g_bytes_unref (run.requests[1]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  KdhFuzzInput in = { data, size };
  guint8 flags = kdh_fuzz_take_u8 (&in);
  guint32 seed = kdh_fuzz_take_u32 (&in);

  fuzz_parser (flags, seed, in.data, in.len);
  fuzz_link (flags, seed, in.data, in.len);
  return 0;
}
