/* fuzz-connection-string.c: libFuzzer harness for -k strings and sim options
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input, up to its first NUL, is a connection string ("com:...",
 * "sim:...") and also a simulator option list ("drop=0.1,seed=7").
 *
 * Checks: a string that parses has a canonical form that parses again to
 * an equal result and is stable; a string that does not parse fails with
 * an error of the right domain whose message is valid UTF-8 when the
 * string is; a failed option parse leaves the options untouched.
 */
#include <math.h>
#include <string.h>

#include "transport/kdh-connection-string.h"
#include "sim/kdh-sim-options.h"
#include "sim/kdh-sim-transport.h"
#include "kdh-fuzz.h"

static void
check_sim_equal (const KdhSimOptions *a,
                 const KdhSimOptions *b)
{
  /* Exact comparison on purpose: the canonical form must read back as
   * the very same double. */
  g_assert_true (a->drop == b->drop);
  g_assert_true (a->corrupt == b->corrupt);
  g_assert_true (a->dup == b->dup);
  g_assert_true (a->reorder == b->reorder);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpuint (a->stall_ms, ==, b->stall_ms);
  g_assert_cmpuint (a->silent_after, ==, b->silent_after);
  g_assert_cmpuint (a->reboot_after, ==, b->reboot_after);
  g_assert_true (a->dbgprint_rate == b->dbgprint_rate);
  g_assert_cmpint (a->dbgprint_flood, ==, b->dbgprint_flood);
  g_assert_cmpuint (a->baud, ==, b->baud);
  g_assert_cmpuint (a->cpus, ==, b->cpus);
}

static void
check_sim_sane (const KdhSimOptions *o)
{
  g_assert_true (isfinite (o->drop) && o->drop >= 0 && o->drop <= 1);
  g_assert_true (isfinite (o->corrupt) && o->corrupt >= 0 && o->corrupt <= 1);
  g_assert_true (isfinite (o->dup) && o->dup >= 0 && o->dup <= 1);
  g_assert_true (isfinite (o->reorder) && o->reorder >= 0 && o->reorder <= 1);
  g_assert_true (isfinite (o->dbgprint_rate) && o->dbgprint_rate >= 0);
  g_assert_cmpuint (o->cpus, >=, 1);
  g_assert_cmpuint (o->cpus, <=, 64);
}

/* The simulator's options, or the defaults for another kind. */
static const KdhSimOptions *
sim_options (const KdhConnectionString *cs)
{
  static KdhSimOptions defaults;
  const KdhSimOptions *opts = kdh_sim_transport_get_options (cs);

  if (opts)
    return opts;
  kdh_sim_options_init (&defaults);
  return &defaults;
}

static void
fuzz_connection_string (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhConnectionString) cs = NULL;
  g_autoptr (KdhConnectionString) again = NULL;
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *canonical2 = NULL;
  g_autofree gchar *describe = NULL;

  kdh_sim_transport_register ();
  cs = kdh_connection_string_parse (text, &error);
  if (cs == NULL)
    {
      kdh_fuzz_check_error (error, KDH_CONNECTION_STRING_ERROR, text);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (cs->original);

  describe = kdh_connection_string_describe (cs);
  g_assert_nonnull (describe);
  check_sim_sane (sim_options (cs));

  canonical = kdh_connection_string_to_string (cs);
  g_assert_nonnull (canonical);
  again = kdh_connection_string_parse (canonical, &error);
  if (again == NULL)
    g_error ("'%s' parses, but its canonical form '%s' does not: %s", text, canonical,
             error->message);
  g_assert_no_error (error);

  g_assert_cmpint (cs->kind, ==, again->kind);
  g_assert_cmpstr (cs->port, ==, again->port);
  g_assert_cmpuint (cs->baud, ==, again->baud);
  g_assert_cmpuint (cs->tcp_port, ==, again->tcp_port);
  g_assert_cmpint (cs->reconnect, ==, again->reconnect);
  g_assert_cmpint (cs->resets, ==, again->resets);
  check_sim_equal (sim_options (cs), sim_options (again));

  canonical2 = kdh_connection_string_to_string (again);
  g_assert_cmpstr (canonical, ==, canonical2);
}

static void
fuzz_sim_options (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  KdhSimOptions opts, before, again;
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *canonical2 = NULL;

  /* Parse over non-default options, to see that a failure leaves them. */
  kdh_sim_options_init (&opts);
  opts.seed = 99;
  opts.cpus = 3;
  opts.drop = 0.25;
  before = opts;

  if (!kdh_sim_options_parse (text, &opts, &error))
    {
      kdh_fuzz_check_error (error, KDH_SIM_OPTIONS_ERROR, text);
      g_assert_true (memcmp (&opts, &before, sizeof opts) == 0);
      return;
    }
  g_assert_no_error (error);
  check_sim_sane (&opts);

  /* The canonical form lists what differs from the defaults, so it reads
   * back over defaults. */
  canonical = kdh_sim_options_to_string (&opts);
  g_assert_nonnull (canonical);
  kdh_sim_options_init (&again);
  if (!kdh_sim_options_parse (canonical, &again, &error))
    g_error ("'%s' parses, but its canonical form '%s' does not: %s", text, canonical,
             error->message);
  check_sim_equal (&opts, &again);
  canonical2 = kdh_sim_options_to_string (&again);
  g_assert_cmpstr (canonical, ==, canonical2);

  /* The same text through the full entry point. */
  kdh_sim_options_init (&again);
  g_assert_true (kdh_sim_options_parse_full (text, "sim:whole", &again, &error));
  g_assert_no_error (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree gchar *text = kdh_fuzz_strndup (data, size);

  fuzz_connection_string (text);
  fuzz_sim_options (text);
  return 0;
}
