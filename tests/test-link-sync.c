/* test-link-sync.c: the host link's RESETs, resyncs and reboots
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test plays the target (kdh-test-link.h) against a link with a fake
 * clock: RESETs of the target's own and the answers to ours (kd-protocol.md
 * §2.5), the resync procedure (§2.7), the SYNC id bit (§2.9).
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
 * the initial id (kd-protocol.md §2.5). It is acknowledged but not
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
  g_assert_cmpint (kdh_link_get_mode (f->link), ==, KDH_LINK_IDLE);
  g_assert_cmpuint (kdh_link_get_stats (f->link)->resets_out, ==, f->config.sync_max_rounds);
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
#undef ADD
  return g_test_run ();
}
