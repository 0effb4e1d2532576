/* test-link-sync.c: the host link's RESETs, resyncs and reboots
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test plays the target (kdh-test-link.h) against a link with a fake
 * clock: RESETs of the target's own and the answers to ours (docs/protocol.md
 * §2.5, §7.2), the resync procedure (§2.7), the SYNC id bit (§2.9).
 */
#include <string.h>

#include "kdh-test-link.h"

static void
test_unsolicited_reset (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GBytes) a = kdh_test_bytes ("request");
  g_autoptr (GBytes) b = kdh_test_bytes ("second");

  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "x");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, a, f->now));
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, b, f->now));
  {
    g_autoptr (GArray) sent = kdh_test_link_take_sent (f);
    g_assert_cmpuint (sent->len, ==, 2);
    g_assert_cmpuint (g_array_index (sent, KdhTestSent, 1).id, ==, 0x80800001);
  }

  /* RESET: answered with RESET, and the pending packet goes again with the
   * initial id. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  {
    g_autoptr (GArray) sent = kdh_test_link_take_sent (f);
    g_assert_cmpuint (sent->len, ==, 2);
    g_assert_cmpuint (g_array_index (sent, KdhTestSent, 0).type, ==, KDH_PACKET_TYPE_RESET);
    g_assert_cmpuint (g_array_index (sent, KdhTestSent, 1).type, ==,
                      KDH_PACKET_TYPE_STATE_MANIPULATE);
    g_assert_cmpuint (g_array_index (sent, KdhTestSent, 1).id, ==, 0x80800000);
  }
  /* The target answers our answer: consumed, not answered again (no
   * RESET ping-pong), and the ids stay as they are. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_expect_nothing (f);
  /* The target's next packet is expected with the initial id too. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "y");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "PSRSP");
  g_assert_cmpuint (kdh_link_get_stats (f->link)->resets_out, ==, 1);
}

/* docs/protocol.md §2.9: a SYNC-flagged packet means a fresh target. */
static void
test_sync_bit (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GString) payloads = g_string_new (NULL);
  g_autofree gchar *kinds = NULL;
  g_autoptr (GBytes) a = kdh_test_bytes ("request");

  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "before");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, a, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);

  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800800, "boot");
  /* ACKed with the SYNC bit cleared. */
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  g_assert_false (kdh_link_is_sending (f->link));
  /* Its retransmission (the ACK was lost) is not delivered twice. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800800, "boot");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  /* Then the normal alternation resumes at 0x80800001. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800001, "after");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  /* A second reboot with a different first packet is a new packet. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800800, "boot again");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);

  kinds = kdh_test_link_take_events (f, payloads);
  g_assert_cmpstr (kinds, ==, "PBPPBP");
  g_assert_cmpstr (payloads->str, ==, "before|boot|after|boot again|");
  g_assert_cmpuint (kdh_link_get_stats (f->link)->target_reboots, ==, 2);

  /* A fresh link meeting a fresh target: the SYNC bit is reported (the
   * engine needs to know) but it is not counted as a reboot. */
  {
    KdhLink *fresh = kdh_link_new (&f->config);
    g_autoptr (GByteArray) bytes = g_byte_array_new ();
    KdhLinkEvent ev;
    gboolean rebooted = FALSE;

    kdh_packet_write_data (bytes, KDH_PACKET_TYPE_DEBUG_IO, 0x80800800, (const guint8 *) "hi", 2,
                           NULL, 0);
    kdh_link_receive (fresh, bytes->data, bytes->len, f->now);
    while (kdh_link_next_event (fresh, &ev))
      {
        rebooted |= ev.kind == KDH_LINK_EVENT_TARGET_REBOOTED;
        kdh_link_event_clear (&ev);
      }
    g_assert_true (rebooted);
    g_assert_cmpuint (kdh_link_get_stats (fresh)->target_reboots, ==, 0);
    kdh_link_free (fresh);
  }

  /* Our ids were reset as well. */
  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, a, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);
}

static void
test_sync (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GString) payloads = g_string_new (NULL);
  g_autofree gchar *kinds = NULL;

  /* Some traffic first, so that ids are not at their initial values. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "x");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "P");

  kdh_link_start_sync (f->link, KDH_SYNC_BREAKIN_FIRST, f->now);
  g_assert_cmpint (kdh_link_get_mode (f->link), ==, KDH_LINK_SYNCING);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 1);
  kdh_test_link_assert_events (f, "A");

  /* The target, not yet reset, sends its state change: not ACKed, and a
   * RESET goes out again. */
  f->now += MS (150);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800001, "state");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  /* Not more than one extra RESET per 100 ms. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800001, "state");
  kdh_test_link_expect_nothing (f);

  /* The next round sends RESET without a break-in byte: the target has
   * talked, so it is stopped and a break-in would stay pending. */
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 1);
  kdh_test_link_assert_events (f, "A");

  /* Its RESET answer completes the sync. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_expect_nothing (f);
  g_assert_cmpint (kdh_link_get_mode (f->link), ==, KDH_LINK_IDLE);
  /* The answer to our second RESET is consumed, not answered. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_expect_nothing (f);

  /* The retransmitted state change with the initial id is accepted. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, "state");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kinds = kdh_test_link_take_events (f, payloads);
  g_assert_cmpstr (kinds, ==, "YP");
  g_assert_cmpstr (payloads->str, ==, "state|");
  g_assert_cmpuint (kdh_link_get_stats (f->link)->syncs, ==, 1);
}

/* A sync for a target believed stopped: the first round is RESET alone
 * (a break-in byte would stay pending in a stopped target); a silent
 * target is running after all, and later rounds send the break-in byte
 * first. Once it talks, no more break-in bytes. */
static void
test_sync_breakin_later (KdhTestLink *f, gconstpointer data)
{
  kdh_link_start_sync (f->link, KDH_SYNC_BREAKIN_LATER, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 0);
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 1);
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 2);

  /* The break-in woke it: it sends its state change before the answer. */
  f->now += MS (150);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800001, "state");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 2);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpint (kdh_link_get_mode (f->link), ==, KDH_LINK_IDLE);
}

/* A target that missed our ACK for a DbgPrint (it went quiet, or the ACK
 * was lost) sends that print again after the RESET of a resync, now with
 * the initial id (docs/protocol.md §2.5). It is acknowledged but not
 * delivered twice; a different print, or the same text once another
 * packet came in between, is delivered. */
static void
test_sync_resent_print (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GString) payloads = g_string_new (NULL);
  g_autofree gchar *kinds = NULL;

  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "one");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800001, "two");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);

  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  /* "two" again, with the initial id: ACKed, dropped, and the ids move
   * on as for a new packet. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "two");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800001, "three");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  g_assert_cmpuint (kdh_link_get_stats (f->link)->duplicates, ==, 1);

  /* Another resync: this time the first packet is a new one. */
  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "four");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  /* Only the first packet after a RESET is compared. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800001, "four");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);

  /* An unsolicited RESET from the target works the same way: the second
   * "four" comes again and is dropped. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_DEBUG_IO, 0x80800000, "four");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);

  /* A state change sent again after a RESET is what a resync waits for:
   * always delivered. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800001, "state");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, "state");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);

  kinds = kdh_test_link_take_events (f, payloads);
  g_assert_cmpstr (kinds, ==, "PPAYPAYPPRPAYP");
  g_assert_cmpstr (payloads->str, ==, "one|two|three|four|four|state|state|");
  g_assert_cmpuint (kdh_link_get_stats (f->link)->duplicates, ==, 2);
}

static void
test_sync_rounds_and_failure (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GBytes) request = kdh_test_bytes ("request");
  KdhLinkEvent ev;

  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 0);
  kdh_test_link_assert_events (f, "A");
  for (guint round = 2; round <= f->config.sync_max_rounds; round++)
    {
      kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms) - 1);
      kdh_test_link_expect_nothing (f);
      kdh_test_link_advance (f, 1);
      kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
      kdh_test_link_assert_events (f, "A");
    }
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_nothing (f);
  g_assert_true (kdh_link_next_event (f->link, &ev));
  g_assert_cmpint (ev.kind, ==, KDH_LINK_EVENT_SYNC_FAILED);
  g_assert_cmpuint (ev.attempt, ==, f->config.sync_max_rounds);
  g_assert_cmpint (ev.elapsed_us, ==,
                   MS (f->config.sync_reset_interval_ms) * f->config.sync_max_rounds);
  kdh_link_event_clear (&ev);
  g_assert_cmpuint (kdh_link_get_stats (f->link)->resets_out, ==, f->config.sync_max_rounds);
  /* No more rounds, but still waiting for an answer (test_late_answer):
   * nothing to send, nothing on the clock. */
  g_assert_cmpint (kdh_link_get_mode (f->link), ==, KDH_LINK_SYNCING);
  g_assert_cmpint (kdh_link_next_deadline (f->link), ==, G_MAXINT64);
  g_assert_false (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, request, f->now));
  kdh_test_link_advance (f, MS (10 * f->config.sync_reset_interval_ms));
  kdh_test_link_expect_nothing (f);
  kdh_test_link_assert_events (f, "");
}

static void
test_sync_sees_reboot (KdhTestLink *f, gconstpointer data)
{
  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  f->now += MS (200);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800800, "boot");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_assert_events (f, "AYB");
}

/* Every RESET we send in a sync round, as the target reads it. */
static guint
fail_a_sync (KdhTestLink *f)
{
  KdhLinkEvent ev;

  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  for (guint round = 2; round <= f->config.sync_max_rounds; round++)
    {
      kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
      kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
    }
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_nothing (f);
  for (guint round = 1; round <= f->config.sync_max_rounds; round++)
    {
      g_assert_true (kdh_link_next_event (f->link, &ev));
      g_assert_cmpint (ev.kind, ==, KDH_LINK_EVENT_SYNC_ATTEMPT);
      kdh_link_event_clear (&ev);
    }
  kdh_test_link_assert_events (f, "N");
  return f->config.sync_max_rounds;
}

/* The target answers @n RESETs that waited in its input, and after each
 * sends the state change it is stopped on again under the initial id
 * (§2.5). Every copy gets its ACK. */
static void
answer_queued_resets (KdhTestLink *f,
                      guint        n)
{
  for (guint i = 0; i < n; i++)
    {
      kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
      kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, "stop");
      kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
    }
}

/* Once every answer owed has come, the link is in step with the target
 * (our next packet has the initial id, its reply the next), and a RESET is
 * the target's own: answered, and reported. */
static void
assert_in_step (KdhTestLink *f)
{
  g_autoptr (GBytes) request = kdh_test_bytes ("request");

  g_assert_true (kdh_link_send (f->link, KDH_PACKET_TYPE_STATE_MANIPULATE, request, f->now));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800000);
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_MANIPULATE, 0x80800001, "reply");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800001);
  kdh_test_link_assert_events (f, "SP");
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_assert_events (f, "R");
}

/* docs/protocol.md §7.2: a target frozen (a VM stopped with SIGSTOP)
 * through a whole failed sync and the start of the next keeps every RESET
 * of both in its input. When it wakes it answers each one, and after each
 * sends its state change again. That is one resync: one SYNCED, the state
 * change delivered once and its copies dropped, not one RESET answered,
 * no "target reset", no reboot. */
static void
test_frozen_target (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GString) payloads = g_string_new (NULL);
  g_autofree gchar *kinds = NULL;
  const KdhLinkStats *stats = kdh_link_get_stats (f->link);
  guint resets;

  /* Some traffic first, so that the ids are not the initial ones. */
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, "stop");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "P");

  resets = fail_a_sync (f);
  /* The session tries again later: two more rounds. */
  kdh_test_link_advance (f, MS (1000));
  kdh_link_start_sync (f->link, KDH_SYNC_NO_BREAKIN, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_assert_events (f, "AA");
  resets += 2;
  g_assert_cmpuint (stats->resets_out, ==, resets);

  f->now += MS (20);
  answer_queued_resets (f, resets);
  kinds = kdh_test_link_take_events (f, payloads);
  g_assert_cmpstr (kinds, ==, "YP");
  g_assert_cmpstr (payloads->str, ==, "stop|");
  g_assert_cmpint (kdh_link_get_mode (f->link), ==, KDH_LINK_IDLE);
  stats = kdh_link_get_stats (f->link);
  g_assert_cmpuint (stats->resets_in, ==, resets);
  g_assert_cmpuint (stats->resets_out, ==, resets);
  g_assert_cmpuint (stats->syncs, ==, 1);
  g_assert_cmpuint (stats->duplicates, ==, resets - 1);
  g_assert_cmpuint (stats->target_reboots, ==, 0);
  assert_in_step (f);
}

/* The target wakes after a sync has failed, while the session waits to
 * try again. Its state change, sent before it read our RESETs, is not
 * acknowledged but answered with one more RESET (§2.7 step 5), and the
 * first answer still ends the failed sync: SYNCED after SYNC_FAILED, however
 * long after. */
static void
test_late_answer (KdhTestLink *f, gconstpointer data)
{
  g_autoptr (GString) payloads = g_string_new (NULL);
  g_autofree gchar *kinds = NULL;
  const KdhLinkStats *stats;
  guint resets = fail_a_sync (f);

  f->now += MS (30000);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800001, "stop");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  resets++;
  answer_queued_resets (f, resets);
  kinds = kdh_test_link_take_events (f, payloads);
  g_assert_cmpstr (kinds, ==, "YP");
  g_assert_cmpstr (payloads->str, ==, "stop|");
  stats = kdh_link_get_stats (f->link);
  g_assert_cmpuint (stats->resets_in, ==, resets);
  g_assert_cmpuint (stats->resets_out, ==, resets);
  g_assert_cmpuint (stats->syncs, ==, 1);
  g_assert_cmpuint (stats->target_reboots, ==, 0);
  assert_in_step (f);
}

/* A running target reads nothing but break-in bytes: the RESETs of the
 * rounds before the break-in byte that stopped it are never answered. The
 * ACK of a packet we sent after our last RESET shows that no answer is on
 * its way any more: a RESET after it is the target's own. */
static void
test_unheard_resets (KdhTestLink *f, gconstpointer data)
{
  kdh_link_start_sync (f->link, KDH_SYNC_BREAKIN_FIRST, f->now);
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_advance (f, MS (f->config.sync_reset_interval_ms));
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_RESET, 0);
  g_assert_cmpuint (f->breakins, ==, 3);
  kdh_test_link_assert_events (f, "AAA");

  /* The third break-in byte stopped it; it answers the third RESET. */
  kdh_test_link_target_control (f, KDH_PACKET_TYPE_RESET, 0);
  kdh_test_link_target_send (f, KDH_PACKET_TYPE_STATE_CHANGE64, 0x80800000, "stop");
  kdh_test_link_expect_one (f, KDH_PACKET_TYPE_ACKNOWLEDGE, 0x80800000);
  kdh_test_link_assert_events (f, "YP");
  assert_in_step (f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) \
  g_test_add ("/kd/link/" path, KdhTestLink, NULL, kdh_test_link_setup, fn, kdh_test_link_teardown)
  ADD ("unsolicited-reset", test_unsolicited_reset);
  ADD ("sync-bit", test_sync_bit);
  ADD ("sync", test_sync);
  ADD ("sync-breakin-later", test_sync_breakin_later);
  ADD ("sync-resent-print", test_sync_resent_print);
  ADD ("sync-rounds-and-failure", test_sync_rounds_and_failure);
  ADD ("sync-sees-reboot", test_sync_sees_reboot);
  ADD ("reset/frozen-target", test_frozen_target);
  ADD ("reset/late-answer", test_late_answer);
  ADD ("reset/unheard-resets", test_unheard_resets);
#undef ADD
  return g_test_run ();
}
