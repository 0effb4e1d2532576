/* test-engine-query.c: the views' typed queries against r, k, u and bl
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * At a breakpoint hit on the executing simulator (sim:), each query's
 * answer (kdh_engine_query(), a QUERY_RESULT event) must say what the
 * command says for the same stop, and a query must not disturb the
 * command window.
 */
#include <gio/gio.h>
#include <string.h>

#include "kdh-test-engine.h"
#include "kdh-test-net.h"

typedef struct {
  guint token;
  KdhEvent *event;
} Answer;

static void
on_event (KdhEngine      *engine,
          const KdhEvent *event,
          gpointer        data)
{
  Answer *a = data;

  if (event->kind == KDH_EVENT_QUERY_RESULT && event->token == a->token)
    a->event = kdh_event_ref ((KdhEvent *) event);
}

static gboolean
answered (gpointer data)
{
  return ((Answer *) data)->event != NULL;
}

static gboolean
is_ready (gpointer data)
{
  return ((KdhTestEngine *) data)->ready;
}

/* The answer to one query; the caller unrefs it. */
static KdhEvent *
ask (KdhTestEngine *t,
     KdhViewQuery   query,
     guint64        address,
     guint          count)
{
  Answer a = { 0 };
  KdhEngineSubscription *sub = kdh_engine_subscribe (t->engine, NULL, on_event, &a);

  a.token = kdh_engine_query (t->engine, query, address, count);
  kdh_test_run_until (answered, &a, 60, "the query's answer");
  kdh_engine_unsubscribe (t->engine, sub);
  g_assert_cmpuint (a.event->query, ==, query);
  return a.event;
}

static void
stop_at_tick (KdhTestEngine *t)
{
  kdh_test_engine_init (t);
  kdh_test_engine_attach (t, "sim:");
  g_free (kdh_test_engine_run (t, "bp kdhtest!KdhTestTick", FALSE));
  g_free (kdh_test_engine_run (t, "g", FALSE));
  kdh_test_engine_wait_state (t, KDH_CONN_BREAK, 60);
  kdh_test_run_until (is_ready, t, 60, "the prompt");
}

static void
test_registers (void)
{
  KdhTestEngine t;
  g_autofree gchar *r = NULL;
  g_autoptr (KdhEvent) answer = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  const gchar *name, *text;
  guint64 value;
  guint cpu, checked = 0;
  gsize before;

  stop_at_tick (&t);
  r = kdh_test_engine_run (&t, "r", FALSE);
  before = t.output->len;
  answer = ask (&t, KDH_VIEW_QUERY_REGISTERS, 0, 0);
  g_assert_nonnull (answer->result);
  /* Nothing printed. */
  g_assert_cmpuint (t.output->len, ==, before);
  g_variant_get (answer->result, "(ua(sts))", &cpu, &iter);
  g_assert_cmpuint (cpu, ==, 0);
  while (g_variant_iter_next (iter, "(&st&s)", &name, &value, &text))
    {
      g_autofree gchar *needle = g_strdup_printf ("%s=", name);
      const gchar *at = strstr (r, needle);
      g_autofree gchar *expect = NULL;

      g_assert_cmpuint (strtoull (text, NULL, 16), ==, value);
      if (at == NULL || (at > r && g_ascii_isalnum (at[-1])))
        continue;
      /* r prints what the view shows, digit for digit. */
      expect = g_strndup (at + strlen (needle), strlen (text));
      g_assert_cmpstr (text, ==, expect);
      checked++;
    }
  /* rax..r15, rip, the segments and efl at least. */
  g_assert_cmpuint (checked, >=, 18);
  kdh_test_engine_clear (&t);
}

static void
test_stack (void)
{
  KdhTestEngine t;
  g_autofree gchar *k = NULL;
  g_autoptr (KdhEvent) answer = NULL;
  g_autoptr (GString) text = g_string_new ("Child-SP          RetAddr               Call Site\n");
  GVariantIter iter;
  const gchar *sp, *ret, *site, *note;
  guint64 ip;
  guint n = 0;

  stop_at_tick (&t);
  /* k shows 20 frames at most; the view shows them all. */
  k = kdh_test_engine_run (&t, "k 100", FALSE);
  answer = ask (&t, KDH_VIEW_QUERY_STACK, 0, 0);
  g_variant_iter_init (&iter, answer->result);
  while (g_variant_iter_next (&iter, "(t&s&s&s&s)", &ip, &sp, &ret, &site, &note))
    {
      g_string_append_printf (text, "%s %s     %s%s%s\n", sp, ret, site, *note ? "  <- " : "", note);
      n++;
    }
  g_assert_cmpuint (n, >=, 4);
  g_assert_cmpstr (text->str, ==, k);
  kdh_test_engine_clear (&t);
}

static void
test_disassembly (void)
{
  KdhTestEngine t;
  g_autofree gchar *u = NULL, *bl = NULL;
  g_autoptr (KdhEvent) answer = NULL, bps = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  const gchar *label, *line, *insn;
  gint bp;
  gboolean current;
  guint64 rip, address, first = 0;
  guint n = 0;

  stop_at_tick (&t);
  u = kdh_test_engine_run (&t, "u", FALSE);
  answer = ask (&t, KDH_VIEW_QUERY_DISASSEMBLY, G_MAXUINT64, 8);
  g_variant_get (answer->result, "(ta(tsssib))", &rip, &iter);
  while (g_variant_iter_next (iter, "(t&s&s&sib)", &address, &label, &line, &insn, &bp, &current))
    {
      if (*label)
        g_string_append_printf (text, "%s:\n", label);
      g_string_append_printf (text, "%s\n", line);
      /* The instruction column is the end of u's line. */
      g_assert_true (*insn != '\0' && g_str_has_suffix (line, insn));
      /* bp kdhtest!KdhTestTick is at the first one, which is rip. */
      g_assert_cmpint (bp, ==, n == 0 ? 0 : -1);
      g_assert_cmpint (current, ==, n == 0);
      if (n++ == 0)
        first = address;
    }
  g_assert_cmphex (first, ==, rip);
  g_assert_cmpstr (text->str, ==, u);

  /* Disabled, the gutter has no breakpoint; bl's table is the answer's. */
  g_free (kdh_test_engine_run (&t, "bd 0", FALSE));
  g_clear_pointer (&answer, kdh_event_unref);
  g_clear_pointer (&iter, g_variant_iter_free);
  answer = ask (&t, KDH_VIEW_QUERY_DISASSEMBLY, rip, 1);
  g_variant_get (answer->result, "(ta(tsssib))", &rip, &iter);
  g_assert_true (g_variant_iter_next (iter, "(t&s&s&sib)", &address, &label, &line, &insn, &bp,
                                      &current));
  g_assert_cmpint (bp, ==, -1);
  bps = ask (&t, KDH_VIEW_QUERY_BREAKPOINTS, 0, 0);
  g_assert_cmpstr (g_variant_get_type_string (bps->result), ==, "a(ubbstu)");
  g_assert_cmpuint (g_variant_n_children (bps->result), ==, 1);
  {
    guint id, hits;
    gboolean enabled, deferred;
    const gchar *expr;
    guint64 at;

    g_variant_get_child (bps->result, 0, "(ubb&stu)", &id, &enabled, &deferred, &expr, &at, &hits);
    g_assert_cmpuint (id, ==, 0);
    g_assert_false (enabled);
    g_assert_cmphex (at, ==, rip);
    g_assert_cmpuint (hits, ==, 1);
  }
  kdh_test_engine_clear (&t);
}

/* Modules: lm's list; and running or unconnected, a query says why. */
static void
test_modules_and_errors (void)
{
  KdhTestEngine t;
  g_autoptr (KdhEvent) none = NULL, modules = NULL, running = NULL;
  g_autofree gchar *lm = NULL;
  GVariantIter iter;
  const gchar *name, *short_name, *state, *file;
  guint64 start, end;
  guint32 stamp;
  guint n = 0;

  kdh_test_engine_init (&t);
  none = ask (&t, KDH_VIEW_QUERY_REGISTERS, 0, 0);
  g_assert_null (none->result);
  g_assert_nonnull (none->error);
  kdh_test_engine_attach (&t, "sim:");
  lm = kdh_test_engine_run (&t, "lm", FALSE);
  modules = ask (&t, KDH_VIEW_QUERY_MODULES, 0, 0);
  g_variant_iter_init (&iter, modules->result);
  while (g_variant_iter_next (&iter, "(tt&s&su&s&s)", &start, &end, &name, &short_name, &stamp,
                              &state, &file))
    {
      g_autofree gchar *s = g_strdup_printf ("%08x`%08x", (guint) (start >> 32), (guint) start);
      g_autofree gchar *column = *file ? g_strdup_printf ("(%s)", state) : g_strdup ("(deferred)");
      const gchar *line = strstr (lm, s);

      g_assert_nonnull (line);
      g_assert_nonnull (strstr (lm, short_name));
      /* lm's symbol column on the module's line: its state and file. */
      g_assert_true (g_str_equal (state, "deferred") || *file != '\0');
      g_assert_nonnull (strstr (line, column));
      g_assert_true (strstr (line, column) < strchr (line, '\n'));
      if (*file)
        g_assert_nonnull (strstr (line, file));
      g_assert_cmphex (end, >, start);
      n++;
    }
  g_assert_cmpuint (n, >=, 2);
  g_free (kdh_test_engine_run (&t, "g", FALSE));
  kdh_test_engine_wait_state (&t, KDH_CONN_RUNNING, 60);
  running = ask (&t, KDH_VIEW_QUERY_STACK, 0, 0);
  g_assert_null (running->result);
  g_assert_nonnull (strstr (running->error, "running"));
  kdh_test_engine_clear (&t);
}

/* A debugging client's engine forwards the queries to its server (Query
 * on org.kdhost.Session1): the same answers as the server's own, and the
 * server's reason when there is none. */
static void
test_remote_client (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *line = g_strdup_printf (".server tcp:port=%u,bind=127.0.0.1", port);
  static const KdhViewQuery queries[] = { KDH_VIEW_QUERY_REGISTERS, KDH_VIEW_QUERY_STACK,
                                          KDH_VIEW_QUERY_DISASSEMBLY, KDH_VIEW_QUERY_MODULES,
                                          KDH_VIEW_QUERY_BREAKPOINTS };
  g_autoptr (KdhEvent) running = NULL;
  guint token;

  stop_at_tick (&server);
  g_free (kdh_test_engine_run (&server, line, FALSE));
  kdh_test_engine_init (&client);
  token = kdh_engine_connect_remote (client.engine, remote);
  g_assert_true (kdh_test_engine_wait_token (&client, token, 60));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, 60);
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr (KdhEvent) here = ask (&server, queries[i], G_MAXUINT64, 8);
      g_autoptr (KdhEvent) there = ask (&client, queries[i], G_MAXUINT64, 8);

      g_assert_nonnull (there->result);
      g_assert_true (g_variant_equal (here->result, there->result));
    }
  /* Without the breakpoint it runs until told otherwise. */
  g_free (kdh_test_engine_run (&client, "bc *", FALSE));
  g_free (kdh_test_engine_run (&client, "g", FALSE));
  kdh_test_engine_wait_state (&server, KDH_CONN_RUNNING, 60);
  running = ask (&client, KDH_VIEW_QUERY_REGISTERS, 0, 0);
  g_assert_null (running->result);
  g_assert_nonnull (strstr (running->error, "running"));
  kdh_test_engine_clear (&client);
  kdh_test_engine_clear (&server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine-query/registers", test_registers);
  g_test_add_func ("/engine-query/stack", test_stack);
  g_test_add_func ("/engine-query/disassembly", test_disassembly);
  g_test_add_func ("/engine-query/modules-and-errors", test_modules_and_errors);
  g_test_add_func ("/engine-query/remote-client", test_remote_client);
  return g_test_run ();
}
