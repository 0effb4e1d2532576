/* test-stop-requests.c: what a stop costs on the wire, counted
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine against the in-process simulated machine (sim:) with the
 * packet trace on, stopping at a breakpoint in the test driver's tick
 * routine again and again. Counts come from the trace (every request we
 * sent), addresses are checked against the simulator's own module table.
 * No timing is asserted.
 */
#include <string.h>

#include "kdh-sim-kernel.h"
#include "kdh-test-engine.h"

typedef struct {
  guint total;                  /* requests ("Manipulate ...") */
  guint reads;                  /* ReadVirtualMemory */
  guint image_reads;            /* ReadVirtualMemory inside a loaded module */
  guint others;                 /* neither a read nor GetContext */
} Requests;

static gboolean
in_a_module (guint64 address)
{
  KdhSimKernel *k = kdh_sim_kernel_new (1, 1);
  gboolean found = FALSE;

  for (guint i = 0; i < kdh_sim_kernel_n_modules (k); i++)
    {
      const KdhSimModule *m = kdh_sim_kernel_module (k, i);

      found = found || (address >= m->base && address - m->base < m->size_of_image);
    }
  kdh_sim_kernel_free (k);
  return found;
}

/* The requests in the trace from @from on; with @after_stop, only those
 * after the last state change. */
static Requests
count (const gchar *from,
       gboolean     after_stop)
{
  g_auto (GStrv) lines = g_strsplit (from, "\n", -1);
  Requests r = { 0 };
  guint first = 0;

  if (after_stop)
    for (guint i = 0; lines[i]; i++)
      if (g_str_has_prefix (lines[i], "<<") && strstr (lines[i], ": StateChange "))
        first = i + 1;
  for (guint i = first; lines[i]; i++)
    {
      const gchar *what = strstr (lines[i], ": Manipulate ");

      if (!g_str_has_prefix (lines[i], ">>") || what == NULL)
        continue;
      what += strlen (": Manipulate ");
      r.total++;
      if (g_str_has_prefix (what, "ReadVirtualMemory 0x"))
        {
          r.reads++;
          if (in_a_module (g_ascii_strtoull (what + strlen ("ReadVirtualMemory 0x"), NULL, 16)))
            r.image_reads++;
        }
      else if (!g_str_has_prefix (what, "GetContext"))
        r.others++;
    }
  return r;
}

static gboolean
is_ready (gpointer data)
{
  return ((KdhTestEngine *) data)->ready;
}

/* g to the breakpoint; the trace from the command to the prompt. */
static gchar *
stop (KdhTestEngine *t)
{
  g_autofree gchar *out = NULL;

  g_string_truncate (t->packets, 0);
  out = kdh_test_engine_run (t, "g", FALSE);
  kdh_test_engine_wait_state (t, KDH_CONN_BREAK, 60);
  kdh_test_run_until (is_ready, t, 60, "the prompt");
  g_assert_nonnull (strstr (t->output->str, "Breakpoint 0 hit"));
  return g_strdup (t->packets->str);
}

static Requests
stack (KdhTestEngine *t)
{
  g_autofree gchar *out = NULL;

  g_string_truncate (t->packets, 0);
  out = kdh_test_engine_run (t, "k", FALSE);
  g_assert_nonnull (strstr (out, "kdhtest!KdhTestTick"));
  return count (t->packets->str, FALSE);
}

/* From the state change to the prompt a breakpoint hit costs one request
 * (taking the breakpoint out of memory). k at the first stop reads the
 * modules' headers, unwind data and code; at later stops only the
 * registers and the stack, since nothing in a module's read-only sections
 * changes while the target runs. A memory write by the debugger drops
 * that: the next stop's k reads the modules again. */
static void
test_stop_requests (void)
{
  KdhTestEngine t;
  g_autofree gchar *set = NULL, *edit = NULL;
  Requests first, later, after_write;

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  set = kdh_test_engine_run (&t, "bp kdhtest!KdhTestTick", FALSE);
  kdh_engine_set_trace (t.engine, TRUE);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree gchar *trace = stop (&t);
      Requests r = count (trace, TRUE);

      g_assert_cmpuint (r.total, ==, 1);
      g_assert_nonnull (strstr (trace, ">> "));
      g_assert_nonnull (strstr (trace, "Manipulate RestoreBreakPoint"));
      if (i == 0)
        first = stack (&t);
      else
        later = stack (&t);
    }
  /* The first k had to read the images; the later ones only the stack. */
  g_assert_cmpuint (first.image_reads, >, 0);
  g_assert_cmpuint (later.image_reads, ==, 0);
  g_assert_cmpuint (later.reads, >=, 1);
  g_assert_cmpuint (later.others, ==, 0);
  g_assert_cmpuint (later.total, <, first.total);

  /* The same byte written back is still a write. */
  edit = kdh_test_engine_run (&t, "eb kdhtest!KdhTestTick 56", FALSE);
  g_assert_cmpstr (t.errors->str, ==, "");
  g_free (stop (&t));
  after_write = stack (&t);
  g_assert_cmpuint (after_write.image_reads, >, 0);

  kdh_engine_set_trace (t.engine, FALSE);
  g_assert_cmpstr (t.errors->str, ==, "");
  kdh_test_engine_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stop-requests/breakpoint", test_stop_requests);
  return g_test_run ();
}
