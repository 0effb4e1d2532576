/* kdh-test-link.h: play the target against a KdhLink, with a fake clock
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A test writes the target's packets into the link, reads what the link
 * writes back with a packet parser of its own, and moves the clock.
 */
#pragma once

#include <glib.h>

#include "kd/kdh-link.h"

G_BEGIN_DECLS

#define MS(x) ((gint64) (x) * 1000)

typedef struct {
  KdhLink *link;
  KdhLinkConfig config;
  KdhPacketParser *wire;     /* parses what the host wrote */
  gint64 now;
  guint breakins;            /* 0x62 bytes the host wrote */
} KdhTestLink;

/* One packet the host wrote. */
typedef struct {
  guint16 type;
  guint32 id;
  gboolean control;
  GBytes *payload;           /* data packets */
} KdhTestSent;

/* A socket's link (no baud rate), with the payload type check off: the
 * tests carry text payloads. The clock starts at 1 s. */
void     kdh_test_link_setup            (KdhTestLink   *f,
                                         gconstpointer  data);
void     kdh_test_link_teardown         (KdhTestLink   *f,
                                         gconstpointer  data);

/* Everything the host wrote since the last call, as KdhTestSent. */
GArray  *kdh_test_link_take_sent        (KdhTestLink   *f);
/* The host wrote exactly one packet, of @type (and @id, unless a RESET or
 * a RESEND, whose ids carry nothing). */
void     kdh_test_link_expect_one       (KdhTestLink   *f,
                                         guint16        type,
                                         guint32        id);
void     kdh_test_link_expect_nothing   (KdhTestLink   *f);

/* The target sends a data packet with @text as its payload, or a control
 * packet. */
void     kdh_test_link_target_send      (KdhTestLink   *f,
                                         guint16        type,
                                         guint32        id,
                                         const gchar   *text);
void     kdh_test_link_target_control   (KdhTestLink   *f,
                                         guint16        type,
                                         guint32        id);

/* Pops events, skipping traces; returns the kinds as a string of letters:
 * P packet, S sent, F send failed, A sync attempt, Y synced, N sync failed,
 * R target reset, B target rebooted. Packet payloads are appended to
 * @payloads when given, each followed by '|'. */
gchar   *kdh_test_link_take_events      (KdhTestLink   *f,
                                         GString       *payloads);
void     kdh_test_link_assert_events    (KdhTestLink   *f,
                                         const gchar   *expected);

/* Moves the clock on by @us and lets the link act on it. */
void     kdh_test_link_advance          (KdhTestLink   *f,
                                         gint64         us);

GBytes  *kdh_test_bytes                 (const gchar   *text);

G_END_DECLS
