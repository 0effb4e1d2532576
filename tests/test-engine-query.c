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

/* Registers r names beyond the CONTEXT: EFLAGS's bits and, from the
 * processor's KSPECIAL_REGISTERS, cr0..cr8 and the descriptor tables,
 * against the values kdhost-sim gives its processors (kdh-sim-kernel-data.c);
 * the Registers view's query lists them as r prints them. */
static void
test_control_registers (void)
{
  KdhTestEngine t;
  g_autofree gchar *out = NULL, *efl = NULL, *efl_set = NULL, *efl_clear = NULL, *cr3 = NULL;
  g_autofree gchar *eval = NULL, *refused = NULL, *gdt0 = NULL, *gdt1 = NULL, *zf = NULL;
  g_autoptr (KdhEvent) answer = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  const gchar *name, *text;
  guint64 value, eflags;
  guint cpu, seen = 0;

  stop_at_tick (&t);
  out = kdh_test_engine_run (&t, "r cr0, cr4, gdtl, iopl", FALSE);
  g_assert_nonnull (strstr (out, "cr0=0000000080050033\n"));
  g_assert_nonnull (strstr (out, "cr4=0000000000350ef8\n"));
  g_assert_nonnull (strstr (out, "iopl=0\n"));
  g_assert_nonnull (strstr (out, "gdtl="));
  g_assert_cmpuint (strcspn (strstr (out, "gdtl=") + 5, "\n"), ==, 4);   /* 16 bits */

  /* zf is bit 6 of efl; setting it writes efl. */
  efl = kdh_test_engine_run (&t, "r efl", FALSE);
  g_assert_true (g_str_has_prefix (efl, "efl="));
  eflags = g_ascii_strtoull (efl + 4, NULL, 16);
  zf = kdh_test_engine_run (&t, "r zf", FALSE);
  g_assert_cmpstr (zf, ==, (eflags & 0x40) ? "zf=1\n" : "zf=0\n");
  g_free (kdh_test_engine_run (&t, "r zf=1", FALSE));
  efl_set = kdh_test_engine_run (&t, "r efl", FALSE);
  g_assert_cmphex (g_ascii_strtoull (efl_set + 4, NULL, 16), ==, eflags | 0x40);
  g_free (kdh_test_engine_run (&t, "r zf=0", FALSE));
  efl_clear = kdh_test_engine_run (&t, "r efl", FALSE);
  g_assert_cmphex (g_ascii_strtoull (efl_clear + 4, NULL, 16), ==, eflags & ~(guint64) 0x40);
  refused = kdh_test_engine_run (&t, "r cr0=1", TRUE);
  g_assert_nonnull (strstr (t.errors->str, "cr0 cannot be set"));

  /* Expressions name them too. */
  cr3 = kdh_test_engine_run (&t, "r cr3", FALSE);
  eval = kdh_test_engine_run (&t, "? @cr3", FALSE);
  g_assert_cmphex (g_ascii_strtoull (cr3 + 4, NULL, 16), !=, 0);
  {
    g_autofree gchar *hex = g_strdup_printf ("%08x`%08x", (guint) (g_ascii_strtoull (cr3 + 4, NULL, 16) >> 32),
                                             (guint) g_ascii_strtoull (cr3 + 4, NULL, 16));

    g_assert_nonnull (strstr (eval, hex));
  }

  /* The view's rows: as r prints them. */
  answer = ask (&t, KDH_VIEW_QUERY_REGISTERS, 0, 0);
  g_assert_nonnull (answer->result);
  g_variant_get (answer->result, "(ua(sts))", &cpu, &iter);
  while (g_variant_iter_next (iter, "(&st&s)", &name, &value, &text))
    {
      g_autofree gchar *line = NULL, *printed = NULL, *expect = NULL;

      if (!g_str_equal (name, "cr0") && !g_str_equal (name, "cr3") && !g_str_equal (name, "zf")
          && !g_str_equal (name, "gdtl"))
        continue;
      line = g_strdup_printf ("r %s", name);
      printed = kdh_test_engine_run (&t, line, FALSE);
      expect = g_strdup_printf ("%s=%s\n", name, text);
      g_assert_cmpstr (printed, ==, expect);
      seen++;
    }
  g_assert_cmpuint (seen, ==, 4);

  /* Each processor has its own. */
  gdt0 = kdh_test_engine_run (&t, "r gdtr", FALSE);
  g_free (kdh_test_engine_run (&t, "~1", FALSE));
  gdt1 = kdh_test_engine_run (&t, "r gdtr", FALSE);
  g_assert_true (g_str_has_prefix (gdt1, "gdtr=fffff8"));
  g_assert_cmpstr (gdt0, !=, gdt1);
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

#define PATTERN G_GUINT64_CONSTANT (0xFFFFF80000400000)
#define PATTERN_END (PATTERN + 16 * 1024 * 1024)

/* The answer's bytes as db's lines: "??" where unreadable. Written
 * here, not with kdh-dump.c, so the two are checked against each other. */
static gchar *
as_db (GVariant *result)
{
  g_autoptr (GVariant) data = NULL, readable = NULL;
  GString *out = g_string_new (NULL);
  const guint8 *bytes, *flags;
  guint64 address;
  gsize n, n_flags;

  g_variant_get (result, "(t@ay@ayb)", &address, &data, &readable, NULL);
  bytes = g_variant_get_fixed_array (data, &n, 1);
  flags = g_variant_get_fixed_array (readable, &n_flags, 1);
  g_assert_cmpuint (n, ==, n_flags);
  for (gsize line = 0; line < n; line += 16)
    {
      guint64 at = address + line;

      g_string_append_printf (out, "%08x`%08x  ", (guint) (at >> 32), (guint) at);
      for (gsize i = line; i < line + 16 && i < n; i++)
        {
          if (i > line)
            g_string_append_c (out, i - line == 8 ? '-' : ' ');
          if (flags[i])
            g_string_append_printf (out, "%02x", bytes[i]);
          else
            g_string_append (out, "??");
        }
      g_string_append (out, "  ");
      for (gsize i = line; i < line + 16 && i < n; i++)
        g_string_append_c (out, !flags[i] ? '?' : bytes[i] >= 0x20 && bytes[i] < 0x7f ? bytes[i] : '.');
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* Memory: db's bytes for the pattern region and across its end into the
 * unmapped gap; an unreadable page does not hide the readable one after
 * it (which db, reading on from the hole, cannot show). */
static void
test_memory (void)
{
  KdhTestEngine t;
  g_autoptr (KdhEvent) pattern = NULL, end = NULL, hole = NULL;
  g_autofree gchar *db = NULL, *db_end = NULL, *view = NULL, *view_end = NULL, *line = NULL;
  g_autofree gchar *line_end = NULL, *dq = NULL;
  g_autoptr (GVariant) data = NULL, readable = NULL;
  const guint8 *flags;
  guint64 address;
  gsize n;

  stop_at_tick (&t);
  line = g_strdup_printf ("db %" G_GINT64_MODIFIER "x+0x120 L40", PATTERN);
  db = kdh_test_engine_run (&t, line, FALSE);
  pattern = ask (&t, KDH_VIEW_QUERY_MEMORY, PATTERN + 0x120, 0x40);
  view = as_db (pattern->result);
  g_assert_cmpstr (view, ==, db);
  /* And the pattern's formula, independent of both. */
  dq = kdh_test_engine_run (&t, "dq fffff800`00400120 L8", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (dq), ==, 8);
  g_assert_true (g_str_has_prefix (db, "fffff800`00400120  85 a4 e5 a5 a5 5d 5a 5a-"));

  line_end = g_strdup_printf ("db %" G_GINT64_MODIFIER "x L20", PATTERN_END - 0x10);
  db_end = kdh_test_engine_run (&t, line_end, FALSE);
  g_assert_nonnull (strstr (db_end, "?? ??"));
  end = ask (&t, KDH_VIEW_QUERY_MEMORY, PATTERN_END - 0x10, 0x20);
  view_end = as_db (end->result);
  g_assert_cmpstr (view_end, ==, db_end);

  hole = ask (&t, KDH_VIEW_QUERY_MEMORY, PATTERN - 0x10, 0x20);
  g_variant_get (hole->result, "(t@ay@ayb)", &address, &data, &readable, NULL);
  flags = g_variant_get_fixed_array (readable, &n, 1);
  g_assert_cmphex (address, ==, PATTERN - 0x10);
  g_assert_cmpuint (n, ==, 0x20);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (flags[i], ==, i >= 0x10);
  kdh_test_engine_clear (&t);
}

/* The value of an expression, as r and u see it; a bad one says why. */
static void
test_evaluate (void)
{
  KdhTestEngine t;
  g_autofree gchar *r = NULL, *u = NULL;
  g_autoptr (KdhEvent) rsp = NULL, tick = NULL, bad = NULL;
  Answer a = { 0 };
  KdhEngineSubscription *sub;
  guint64 value;

  stop_at_tick (&t);
  r = kdh_test_engine_run (&t, "r rsp", FALSE);
  u = kdh_test_engine_run (&t, "u kdhtest!KdhTestTick L1", FALSE);
  sub = kdh_engine_subscribe (t.engine, NULL, on_event, &a);
  a.token = kdh_engine_query_expression (t.engine, " @rsp ");
  kdh_test_run_until (answered, &a, 60, "the value of @rsp");
  rsp = g_steal_pointer (&a.event);
  a.token = kdh_engine_query_expression (t.engine, "kdhtest!KdhTestTick");
  kdh_test_run_until (answered, &a, 60, "the value of a symbol");
  tick = g_steal_pointer (&a.event);
  a.token = kdh_engine_query_expression (t.engine, "@nosuchregister+");
  kdh_test_run_until (answered, &a, 60, "an error");
  bad = g_steal_pointer (&a.event);
  kdh_engine_unsubscribe (t.engine, sub);

  g_assert_cmpuint (rsp->query, ==, KDH_VIEW_QUERY_EVALUATE);
  g_variant_get (rsp->result, "(t)", &value);
  g_assert_cmpuint (value, ==, g_ascii_strtoull (r + strlen ("rsp="), NULL, 16));
  g_variant_get (tick->result, "(t)", &value);
  {
    /* u's first line after the label: "fffff800`0300xxxx ..." */
    const gchar *at = strchr (u, '\n') + 1;
    g_autofree gchar *hex = g_strdup_printf ("%.8s%.8s", at, at + 9);

    g_assert_cmpuint (value, ==, g_ascii_strtoull (hex, NULL, 16));
  }
  g_assert_null (bad->result);
  g_assert_nonnull (bad->error);
  kdh_test_engine_clear (&t);
}

/* Processors: the simulator's two, each one's rip as r shows it after
 * ~N, and the current one following ~1. */
static void
test_processors (void)
{
  KdhTestEngine t;
  g_autofree gchar *rip0 = NULL, *rip1 = NULL;
  g_autoptr (KdhEvent) before = NULL, after = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  const gchar *state, *where;
  guint current, cpu, n = 0;
  guint64 rip;

  stop_at_tick (&t);
  rip0 = kdh_test_engine_run (&t, "r rip", FALSE);
  before = ask (&t, KDH_VIEW_QUERY_PROCESSORS, 0, 0);
  g_free (kdh_test_engine_run (&t, "~1", FALSE));
  g_assert_cmpstr (t.prompt, ==, "1: kd> ");
  rip1 = kdh_test_engine_run (&t, "r rip", FALSE);
  after = ask (&t, KDH_VIEW_QUERY_PROCESSORS, 0, 0);

  g_variant_get (before->result, "(ua(usts))", &current, &iter);
  g_assert_cmpuint (current, ==, 0);
  while (g_variant_iter_next (iter, "(u&st&s)", &cpu, &state, &rip, &where))
    {
      g_assert_cmpuint (cpu, ==, n++);
      if (cpu == 0)
        {
          g_assert_cmpuint (rip, ==, g_ascii_strtoull (rip0 + strlen ("rip="), NULL, 16));
          g_assert_nonnull (strstr (where, "kdhtest!KdhTestTick"));
        }
      else
        g_assert_cmpuint (rip, ==, g_ascii_strtoull (rip1 + strlen ("rip="), NULL, 16));
    }
  g_assert_cmpuint (n, ==, 2);
  g_clear_pointer (&iter, g_variant_iter_free);
  g_variant_get (after->result, "(ua(usts))", &current, &iter);
  g_assert_cmpuint (current, ==, 1);
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
                                          KDH_VIEW_QUERY_BREAKPOINTS, KDH_VIEW_QUERY_MEMORY,
                                          KDH_VIEW_QUERY_PROCESSORS };
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
      guint64 at = queries[i] == KDH_VIEW_QUERY_MEMORY ? PATTERN : G_MAXUINT64;
      g_autoptr (KdhEvent) here = ask (&server, queries[i], at, 8);
      g_autoptr (KdhEvent) there = ask (&client, queries[i], at, 8);

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
  g_test_add_func ("/engine-query/control-registers", test_control_registers);
  g_test_add_func ("/engine-query/stack", test_stack);
  g_test_add_func ("/engine-query/disassembly", test_disassembly);
  g_test_add_func ("/engine-query/memory", test_memory);
  g_test_add_func ("/engine-query/evaluate", test_evaluate);
  g_test_add_func ("/engine-query/processors", test_processors);
  g_test_add_func ("/engine-query/modules-and-errors", test_modules_and_errors);
  g_test_add_func ("/engine-query/remote-client", test_remote_client);
  return g_test_run ();
}
