/* test-server-batch.c: the debugging server's output batching, on a clock
 * the test sets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How many Output signals a flood becomes depends on how fast lines arrive
 * compared with KDH_SERVER_BATCH_DELAY_US; on a real clock that is the
 * machine's speed (test-remote-server checks order and completeness end to
 * end, bench-fanout measures rates). Here time is whatever the test says,
 * so each case knows exactly which chunks must come out.
 */
#include <string.h>

#include "remote/server/kdh-server-batch.h"

#define DELAY KDH_SERVER_BATCH_DELAY_US
/* Any start will do; a monotonic clock is far from zero. */
#define T0 G_GINT64_CONSTANT (5000000000)

typedef struct {
  KdhOutputKind kind;
  gchar *origin;
  gchar *text;
  gint64 when_us;              /* the clock when it went out */
} Chunk;

typedef struct {
  KdhServerBatch batch;
  GArray *chunks;              /* Chunk, in the order they went out */
  gint64 now_us;               /* the test's clock */
} Fixture;

static void
chunk_clear (gpointer data)
{
  Chunk *c = data;

  g_free (c->origin);
  g_free (c->text);
}

static void
on_chunk (KdhOutputKind  kind,
          const gchar   *origin,
          const gchar   *text,
          gpointer       data)
{
  Fixture *f = data;
  Chunk c = { kind, g_strdup (origin), g_strdup (text), f->now_us };

  g_assert_cmpuint (strlen (text), >, 0);
  g_array_append_val (f->chunks, c);
}

static void
fixture_init (Fixture *f)
{
  kdh_server_batch_init (&f->batch, on_chunk, f);
  f->chunks = g_array_new (FALSE, TRUE, sizeof (Chunk));
  g_array_set_clear_func (f->chunks, chunk_clear);
  f->now_us = T0;
}

static void
fixture_clear (Fixture *f)
{
  kdh_server_batch_clear (&f->batch);
  g_array_unref (f->chunks);
}

static const Chunk *
chunk (Fixture *f,
       guint    i)
{
  g_assert_cmpuint (i, <, f->chunks->len);
  return &g_array_index (f->chunks, Chunk, i);
}

/* Adds @text at the test's clock, as the server's event handler does. */
static gint64
add (Fixture       *f,
     KdhOutputKind  kind,
     const gchar   *origin,
     const gchar   *text)
{
  return kdh_server_batch_add (&f->batch, kind, origin, text, f->now_us);
}

static gchar *
line_text (guint n)
{
  return g_strdup_printf ("kdhtest: dbgprint seq=%08u\n", n);
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* The first output after a quiet spell is not held: interactive use sees
 * no delay. Neither is output after the delay has passed. */
static void
test_quiet_goes_at_once (void)
{
  Fixture f;

  fixture_init (&f);
  g_assert_cmpint (add (&f, KDH_OUTPUT_DEBUGGER, NULL, "first\n"), ==, 0);
  g_assert_cmpuint (f.chunks->len, ==, 1);
  g_assert_cmpstr (chunk (&f, 0)->text, ==, "first\n");
  g_assert_cmpstr (chunk (&f, 0)->origin, ==, "");

  f.now_us += DELAY;
  g_assert_cmpint (add (&f, KDH_OUTPUT_DEBUGGER, NULL, "second\n"), ==, 0);
  g_assert_cmpuint (f.chunks->len, ==, 2);
  g_assert_cmpstr (chunk (&f, 1)->text, ==, "second\n");
  /* Nothing is held: sending now sends nothing. */
  kdh_server_batch_send (&f.batch, f.now_us);
  g_assert_cmpuint (f.chunks->len, ==, 2);
  fixture_clear (&f);
}

/* Lines faster than the delay are held, and the caller is told when they
 * are due: one chunk per delay holds every line that came in it. */
static void
test_flood_is_batched (void)
{
  Fixture f;
  g_autoptr (GString) sent = g_string_new (NULL);
  g_autoptr (GString) expected = g_string_new (NULL);
  const guint n = 1000;
  const gint64 gap = 10;      /* µs between lines: 100 lines per delay */
  gint64 due = 0;

  fixture_init (&f);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *line = line_text (i);

      /* The timer the server keeps fires when the held text is due. */
      if (due != 0 && f.now_us >= due)
        kdh_server_batch_send (&f.batch, f.now_us);
      g_string_append (expected, line);
      due = add (&f, KDH_OUTPUT_TARGET, NULL, line);
      if (i == 0)
        g_assert_cmpint (due, ==, 0);
      else
        {
          /* Held until a delay after the chunk before it. */
          g_assert_cmpint (due, ==, chunk (&f, f.chunks->len - 1)->when_us + DELAY);
          g_assert_cmpint (due, >, f.now_us);
        }
      f.now_us += gap;
    }
  g_assert_cmpint (due, !=, 0);
  f.now_us = due;
  kdh_server_batch_send (&f.batch, f.now_us);

  /* The first line alone, then one chunk per delay: 10 ms of lines in 11
   * chunks, not 1000. The second chunk holds the lines after the first
   * up to its delay, each other one a delay's worth. */
  g_assert_cmpuint (f.chunks->len, ==, 1 + (n * gap + DELAY - 1) / DELAY);
  for (guint i = 0; i < f.chunks->len; i++)
    {
      const Chunk *c = chunk (&f, i);

      g_assert_cmpint (c->kind, ==, KDH_OUTPUT_TARGET);
      g_assert_cmpuint (count_lines (c->text), ==,
                        i == 0 ? 1 : i == 1 ? DELAY / gap - 1 : DELAY / gap);
      /* Whole lines, and no chunk sooner than a delay after the last. */
      g_assert_true (g_str_has_suffix (c->text, "\n"));
      if (i > 0)
        g_assert_cmpint (c->when_us - chunk (&f, i - 1)->when_us, >=, DELAY);
      g_string_append (sent, c->text);
    }
  /* Every line exactly once, in order. */
  g_assert_cmpstr (sent->str, ==, expected->str);
  fixture_clear (&f);
}

/* However fast the lines come, a chunk holds at most
 * KDH_SERVER_BATCH_BYTES, made of whole pieces as added. */
static void
test_bytes_bound (void)
{
  Fixture f;
  g_autoptr (GString) sent = g_string_new (NULL);
  g_autoptr (GString) expected = g_string_new (NULL);
  const guint n = 4000;       /* about 120 KiB, all at one instant */
  g_autofree gchar *sample = line_text (0);
  const gsize line_len = strlen (sample);
  const guint per_chunk = KDH_SERVER_BATCH_BYTES / line_len;

  fixture_init (&f);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *line = line_text (i);

      g_string_append (expected, line);
      add (&f, KDH_OUTPUT_TARGET, NULL, line);
    }
  kdh_server_batch_send (&f.batch, f.now_us);

  /* The first line alone (the link was quiet), then chunks as full as
   * whole lines make them. */
  g_assert_cmpuint (f.chunks->len, ==, 1 + (n - 1 + per_chunk - 1) / per_chunk);
  for (guint i = 0; i < f.chunks->len; i++)
    {
      const Chunk *c = chunk (&f, i);
      gsize len = strlen (c->text);

      g_assert_cmpuint (len, <=, KDH_SERVER_BATCH_BYTES);
      g_assert_cmpuint (len % line_len, ==, 0);
      if (i == 0)
        g_assert_cmpuint (len, ==, line_len);
      else if (i + 1 < f.chunks->len)
        g_assert_cmpuint (len, ==, per_chunk * line_len);
      g_string_append (sent, c->text);
    }
  g_assert_cmpstr (sent->str, ==, expected->str);
  fixture_clear (&f);
}

/* A chunk is one kind from one origin; an echo (a command line, which
 * front ends show with its sender) is never joined to anything. */
static void
test_kind_and_origin (void)
{
  Fixture f;
  static const struct {
    KdhOutputKind kind;
    const gchar *origin;
    const gchar *text;
  } in[] = {
    { KDH_OUTPUT_DEBUGGER, NULL, "quiet\n" },          /* alone: the link was quiet */
    { KDH_OUTPUT_DEBUGGER, NULL, "a1\n" },
    { KDH_OUTPUT_DEBUGGER, NULL, "a2\n" },
    { KDH_OUTPUT_TARGET, NULL, "t1\n" },
    { KDH_OUTPUT_TARGET, NULL, "t2\n" },
    { KDH_OUTPUT_ECHO, "ann@box", "0: kd> r\n" },
    { KDH_OUTPUT_ECHO, "ann@box", "0: kd> k\n" },
    { KDH_OUTPUT_DEBUGGER, "", "b1\n" },
    { KDH_OUTPUT_DEBUGGER, "bob@box", "b2\n" },
    { KDH_OUTPUT_DEBUGGER, "bob@box", "b3\n" },
  };
  static const struct {
    KdhOutputKind kind;
    const gchar *origin;
    const gchar *text;
  } out[] = {
    { KDH_OUTPUT_DEBUGGER, "", "quiet\n" },
    { KDH_OUTPUT_DEBUGGER, "", "a1\na2\n" },
    { KDH_OUTPUT_TARGET, "", "t1\nt2\n" },
    { KDH_OUTPUT_ECHO, "ann@box", "0: kd> r\n" },
    { KDH_OUTPUT_ECHO, "ann@box", "0: kd> k\n" },
    { KDH_OUTPUT_DEBUGGER, "", "b1\n" },
    { KDH_OUTPUT_DEBUGGER, "bob@box", "b2\nb3\n" },
  };

  fixture_init (&f);
  /* All within one delay of the first. */
  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    {
      add (&f, in[i].kind, in[i].origin, in[i].text);
      f.now_us += 1;
    }
  g_assert_cmpuint (f.chunks->len, ==, G_N_ELEMENTS (out) - 1);
  kdh_server_batch_send (&f.batch, f.now_us);
  g_assert_cmpuint (f.chunks->len, ==, G_N_ELEMENTS (out));
  for (guint i = 0; i < G_N_ELEMENTS (out); i++)
    {
      g_assert_cmpint (chunk (&f, i)->kind, ==, out[i].kind);
      g_assert_cmpstr (chunk (&f, i)->origin, ==, out[i].origin);
      g_assert_cmpstr (chunk (&f, i)->text, ==, out[i].text);
    }
  /* Empty text changes nothing. */
  g_assert_cmpint (add (&f, KDH_OUTPUT_TARGET, NULL, ""), ==, 0);
  g_assert_cmpuint (f.chunks->len, ==, G_N_ELEMENTS (out));
  fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote/server/batch/quiet", test_quiet_goes_at_once);
  g_test_add_func ("/remote/server/batch/flood", test_flood_is_batched);
  g_test_add_func ("/remote/server/batch/bytes", test_bytes_bound);
  g_test_add_func ("/remote/server/batch/kind-and-origin", test_kind_and_origin);
  return g_test_run ();
}
