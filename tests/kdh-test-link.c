/* kdh-test-link.c: play the target against a KdhLink, with a fake clock
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-link.h"

#include <string.h>

void
kdh_test_link_setup (KdhTestLink *f, gconstpointer data)
{
  kdh_link_config_init (&f->config, 0);
  /* These tests carry text payloads; the type check has a test of its own. */
  f->config.check_payloads = FALSE;
  f->link = kdh_link_new (&f->config);
  f->wire = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  f->now = MS (1000);
}

void
kdh_test_link_teardown (KdhTestLink *f, gconstpointer data)
{
  kdh_link_free (f->link);
  kdh_packet_parser_free (f->wire);
}

static void
sent_clear (gpointer data)
{
  KdhTestSent *s = data;

  g_clear_pointer (&s->payload, g_bytes_unref);
}

GArray *
kdh_test_link_take_sent (KdhTestLink *f)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  GArray *sent = g_array_new (FALSE, TRUE, sizeof (KdhTestSent));
  KdhParseEvent ev;

  g_array_set_clear_func (sent, sent_clear);

  kdh_link_take_output (f->link, out);
  kdh_packet_parser_feed (f->wire, out->data, out->len);
  while (kdh_packet_parser_next (f->wire, &ev))
    {
      KdhTestSent s = { 0 };

      if (ev.kind == KDH_PARSE_BREAKIN)
        {
          f->breakins++;
          continue;
        }
      g_assert_cmpint (ev.kind, ==, KDH_PARSE_PACKET);
      s.type = ev.header.type;
      s.id = ev.header.id;
      s.control = ev.header.control;
      if (!s.control)
        s.payload = g_bytes_new (ev.payload, ev.payload_len);
      g_array_append_val (sent, s);
    }
  return sent;
}

void
kdh_test_link_expect_one (KdhTestLink *f, guint16 type, guint32 id)
{
  g_autoptr (GArray) sent = kdh_test_link_take_sent (f);

  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpuint (g_array_index (sent, KdhTestSent, 0).type, ==, type);
  if (type != KDH_PACKET_TYPE_RESET && type != KDH_PACKET_TYPE_RESEND)
    g_assert_cmpuint (g_array_index (sent, KdhTestSent, 0).id, ==, id);
}

void
kdh_test_link_expect_nothing (KdhTestLink *f)
{
  g_autoptr (GArray) sent = kdh_test_link_take_sent (f);

  g_assert_cmpuint (sent->len, ==, 0);
}

void
kdh_test_link_target_send (KdhTestLink *f, guint16 type, guint32 id, const gchar *text)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  kdh_packet_write_data (bytes, type, id, (const guint8 *) text, strlen (text), NULL, 0);
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
}

void
kdh_test_link_target_control (KdhTestLink *f, guint16 type, guint32 id)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  kdh_packet_write_control (bytes, type, id);
  kdh_link_receive (f->link, bytes->data, bytes->len, f->now);
}

gchar *
kdh_test_link_take_events (KdhTestLink *f, GString *payloads)
{
  GString *kinds = g_string_new (NULL);
  KdhLinkEvent ev;

  while (kdh_link_next_event (f->link, &ev))
    {
      static const char letters[] = "PSFAYNRBT";

      if (ev.kind != KDH_LINK_EVENT_TRACE)
        g_string_append_c (kinds, letters[ev.kind]);
      if (ev.kind == KDH_LINK_EVENT_PACKET && payloads)
        {
          gsize len;
          const gchar *d = g_bytes_get_data (ev.payload, &len);

          g_string_append_len (payloads, d, len);
          g_string_append_c (payloads, '|');
        }
      kdh_link_event_clear (&ev);
    }
  return g_string_free (kinds, FALSE);
}

void
kdh_test_link_assert_events (KdhTestLink *f, const gchar *expected)
{
  g_autofree gchar *kinds = kdh_test_link_take_events (f, NULL);

  g_assert_cmpstr (kinds, ==, expected);
}

void
kdh_test_link_advance (KdhTestLink *f, gint64 us)
{
  f->now += us;
  kdh_link_tick (f->link, f->now);
}

GBytes *
kdh_test_bytes (const gchar *s)
{
  return g_bytes_new (s, strlen (s));
}
