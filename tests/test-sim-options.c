/* test-sim-options.c: tests for the simulated target's option parser
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include <glib.h>

#include "kdh-sim-options.h"

static void
assert_opts_equal (const KdhSimOptions *a,
                   const KdhSimOptions *b)
{
  /* Exact comparison on purpose: to_string must round-trip doubles. */
  g_assert_true (a->drop == b->drop);
  g_assert_true (a->corrupt == b->corrupt);
  g_assert_true (a->dup == b->dup);
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
assert_round_trip (const KdhSimOptions *opts)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = kdh_sim_options_to_string (opts);
  KdhSimOptions again;

  kdh_sim_options_init (&again);
  if (!kdh_sim_options_parse (text, &again, &error))
    g_error ("'%s' does not re-parse: %s", text, error->message);
  assert_opts_equal (opts, &again);
}

static void
test_defaults (void)
{
  g_autofree gchar *text = NULL;
  KdhSimOptions opts;

  memset (&opts, 0xa5, sizeof opts);
  kdh_sim_options_init (&opts);
  g_assert_cmpfloat (opts.drop, ==, 0);
  g_assert_cmpfloat (opts.corrupt, ==, 0);
  g_assert_cmpfloat (opts.dup, ==, 0);
  g_assert_cmpuint (opts.seed, ==, 1);
  g_assert_cmpuint (opts.stall_ms, ==, 0);
  g_assert_cmpuint (opts.silent_after, ==, 0);
  g_assert_cmpuint (opts.reboot_after, ==, 0);
  g_assert_cmpfloat (opts.dbgprint_rate, ==, 0);
  g_assert_false (opts.dbgprint_flood);
  g_assert_cmpuint (opts.baud, ==, 0);
  g_assert_cmpuint (opts.cpus, ==, 2);

  text = kdh_sim_options_to_string (&opts);
  g_assert_cmpstr (text, ==, "");
}

typedef struct {
  const gchar *text;
  gdouble drop, corrupt, dup;
  guint64 seed;
  guint stall_ms, silent_after, reboot_after;
  gdouble rate;
  gboolean flood;
  guint baud, cpus;
  const gchar *canonical;   /* expected kdh_sim_options_to_string () */
} GoodCase;

static const GoodCase good_cases[] = {
  { "",                    0, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 2, "" },
  { "   ",                 0, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 2, "" },
  { "drop=0.01",           0.01, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 2, "drop=0.01" },
  { "drop=0.01,seed=7",    0.01, 0, 0, 7, 0, 0, 0, 0, FALSE, 0, 2, "drop=0.01,seed=7" },
  { "seed=7,drop=0.01",    0.01, 0, 0, 7, 0, 0, 0, 0, FALSE, 0, 2, "drop=0.01,seed=7" },
  { "DROP=0.5,Seed=7,CPUS=4", 0.5, 0, 0, 7, 0, 0, 0, 0, FALSE, 0, 4,
    "drop=0.5,seed=7,cpus=4" },
  { "drop=0,corrupt=1,dup=0.25", 0, 1, 0.25, 1, 0, 0, 0, 0, FALSE, 0, 2,
    "corrupt=1,dup=0.25" },
  { "drop=1e-3",           0.001, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 2, "drop=0.001" },
  { "dup=.5",              0, 0, 0.5, 1, 0, 0, 0, 0, FALSE, 0, 2, "dup=0.5" },
  { "seed=0",              0, 0, 0, 0, 0, 0, 0, 0, FALSE, 0, 2, "seed=0" },
  { "seed=1",              0, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 2, "" },
  { "seed=18446744073709551615", 0, 0, 0, G_MAXUINT64, 0, 0, 0, 0, FALSE, 0, 2,
    "seed=18446744073709551615" },
  { "stall-ms=250,silent-after=10,reboot-after=3", 0, 0, 0, 1, 250, 10, 3, 0, FALSE, 0, 2,
    "stall-ms=250,silent-after=10,reboot-after=3" },
  { "stall-ms=4294967295", 0, 0, 0, 1, G_MAXUINT, 0, 0, 0, FALSE, 0, 2,
    "stall-ms=4294967295" },
  { "dbgprint-rate=max",   0, 0, 0, 1, 0, 0, 0, 0, TRUE, 0, 2, "dbgprint-rate=max" },
  { "dbgprint-rate=MAX",   0, 0, 0, 1, 0, 0, 0, 0, TRUE, 0, 2, "dbgprint-rate=max" },
  { "dbgprint-rate=2.5",   0, 0, 0, 1, 0, 0, 0, 2.5, FALSE, 0, 2, "dbgprint-rate=2.5" },
  { "dbgprint-rate=1000",  0, 0, 0, 1, 0, 0, 0, 1000, FALSE, 0, 2, "dbgprint-rate=1000" },
  { "dbgprint-rate=0",     0, 0, 0, 1, 0, 0, 0, 0, TRUE, 0, 2, "dbgprint-rate=max" },
  { "baud=0",              0, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 2, "" },
  { "baud=9600",           0, 0, 0, 1, 0, 0, 0, 0, FALSE, 9600, 2, "baud=9600" },
  { "baud=4000000",        0, 0, 0, 1, 0, 0, 0, 0, FALSE, 4000000, 2, "baud=4000000" },
  { "cpus=1",              0, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 1, "cpus=1" },
  { "cpus=64",             0, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 64, "cpus=64" },
  { "cpus=007",            0, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 7, "cpus=7" },
  { " drop = 0.1 , cpus = 4 ", 0.1, 0, 0, 1, 0, 0, 0, 0, FALSE, 0, 4, "drop=0.1,cpus=4" },
  { "cpus=8,baud=115200,dbgprint-rate=max,reboot-after=9,silent-after=8,stall-ms=5,"
    "seed=42,dup=0.3,corrupt=0.2,drop=0.1",
    0.1, 0.2, 0.3, 42, 5, 8, 9, 0, TRUE, 115200, 8,
    "drop=0.1,corrupt=0.2,dup=0.3,seed=42,stall-ms=5,silent-after=8,reboot-after=9,"
    "dbgprint-rate=max,baud=115200,cpus=8" },
};

static void
test_parse_good (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      const GoodCase *c = &good_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree gchar *text = NULL;
      KdhSimOptions opts;

      g_test_message ("parsing '%s'", c->text);
      kdh_sim_options_init (&opts);
      g_assert_true (kdh_sim_options_parse (c->text, &opts, &error));
      g_assert_no_error (error);

      g_assert_cmpfloat (opts.drop, ==, c->drop);
      g_assert_cmpfloat (opts.corrupt, ==, c->corrupt);
      g_assert_cmpfloat (opts.dup, ==, c->dup);
      g_assert_cmpuint (opts.seed, ==, c->seed);
      g_assert_cmpuint (opts.stall_ms, ==, c->stall_ms);
      g_assert_cmpuint (opts.silent_after, ==, c->silent_after);
      g_assert_cmpuint (opts.reboot_after, ==, c->reboot_after);
      g_assert_cmpfloat (opts.dbgprint_rate, ==, c->rate);
      g_assert_cmpint (opts.dbgprint_flood, ==, c->flood);
      g_assert_cmpuint (opts.baud, ==, c->baud);
      g_assert_cmpuint (opts.cpus, ==, c->cpus);

      text = kdh_sim_options_to_string (&opts);
      g_assert_cmpstr (text, ==, c->canonical);
      assert_round_trip (&opts);
    }
}

typedef struct {
  const gchar *text;
  KdhSimOptionsError code;
  const gchar *needle;   /* must appear in the message: it names the bad part */
} BadCase;

static const BadCase bad_cases[] = {
  { "drop=2",                 KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "drop probability '2'" },
  { "drop=-0.1",              KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "drop probability '-0.1'" },
  { "drop=1.0000001",         KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "'1.0000001'" },
  { "corrupt=nan",            KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "corrupt probability 'nan'" },
  { "dup=inf",                KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "dup probability 'inf'" },
  { "dup=0.1x",               KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "'0.1x'" },
  { "drop=0,1",               KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION, "unknown option '1'" },
  { "drop=",                  KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "drop probability ''" },
  { "drop",                   KDH_SIM_OPTIONS_ERROR_SYNTAX, "missing value for 'drop'" },
  { "seed=-1",                KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "seed '-1'" },
  { "seed=+1",                KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "seed '+1'" },
  { "seed=18446744073709551616", KDH_SIM_OPTIONS_ERROR_BAD_VALUE,
    "seed '18446744073709551616'" },
  { "seed=0x10",              KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "seed '0x10'" },
  { "stall-ms=4294967296",    KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "stall time '4294967296'" },
  { "silent-after=1.5",       KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "silent-after count '1.5'" },
  { "reboot-after=many",      KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "reboot-after count 'many'" },
  { "dbgprint-rate=-1",       KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "DbgPrint rate '-1'" },
  { "dbgprint-rate=fast",     KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "DbgPrint rate 'fast'" },
  { "dbgprint-rate=maximum",  KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "DbgPrint rate 'maximum'" },
  { "baud=4000001",           KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "baud rate '4000001'" },
  { "baud=-5",                KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "baud rate '-5'" },
  { "cpus=0",                 KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "CPU count '0'" },
  { "cpus=65",                KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "CPU count '65'" },
  { "cpus=two",               KDH_SIM_OPTIONS_ERROR_BAD_VALUE, "CPU count 'two'" },
  { "bad=1",                  KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION, "unknown option 'bad=1'" },
  { "drop=0.1,bogus",         KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION, "unknown option 'bogus'" },
  { "drop_rate=0.1",          KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION, "'drop_rate=0.1'" },
  { "drop=0.1,,seed=1",       KDH_SIM_OPTIONS_ERROR_SYNTAX, "empty option" },
  { "drop=0.1,",              KDH_SIM_OPTIONS_ERROR_SYNTAX, "empty option" },
  { ",drop=0.1",              KDH_SIM_OPTIONS_ERROR_SYNTAX, "empty option" },
  { ",",                      KDH_SIM_OPTIONS_ERROR_SYNTAX, "empty option" },
  { "=5",                     KDH_SIM_OPTIONS_ERROR_SYNTAX, "option '=5' has no name" },
  { "seed=1,SEED=2",          KDH_SIM_OPTIONS_ERROR_DUPLICATE, "'seed' given twice" },
  { "dbgprint-rate=max,dbgprint-rate=1", KDH_SIM_OPTIONS_ERROR_DUPLICATE,
    "'dbgprint-rate' given twice" },
};

static void
test_parse_bad (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree gchar *quoted = g_strdup_printf ("'%s'", c->text);
      KdhSimOptions opts, before;

      g_test_message ("parsing '%s'", c->text);

      /* Start from non-default options: a failed parse must keep them. */
      kdh_sim_options_init (&opts);
      opts.drop = 0.5;
      opts.seed = 99;
      opts.cpus = 3;
      before = opts;

      g_assert_false (kdh_sim_options_parse (c->text, &opts, &error));
      g_assert_error (error, KDH_SIM_OPTIONS_ERROR, (gint) c->code);
      g_assert_nonnull (strstr (error->message, c->needle));
      g_assert_nonnull (strstr (error->message, quoted));
      assert_opts_equal (&opts, &before);
    }
}

static void
test_parse_over (void)
{
  g_autoptr(GError) error = NULL;
  KdhSimOptions opts;

  /* Parsing sets only the keys it names; the rest stay as they were. */
  kdh_sim_options_init (&opts);
  opts.cpus = 8;
  opts.stall_ms = 100;
  g_assert_true (kdh_sim_options_parse ("drop=0.25", &opts, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (opts.drop, ==, 0.25);
  g_assert_cmpuint (opts.cpus, ==, 8);
  g_assert_cmpuint (opts.stall_ms, ==, 100);

  g_assert_true (kdh_sim_options_parse (NULL, &opts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (opts.cpus, ==, 8);

  /* A number after "max" turns the flood off again. */
  g_assert_true (kdh_sim_options_parse ("dbgprint-rate=max", &opts, &error));
  g_assert_true (opts.dbgprint_flood);
  g_assert_true (kdh_sim_options_parse ("dbgprint-rate=3", &opts, &error));
  g_assert_no_error (error);
  g_assert_false (opts.dbgprint_flood);
  g_assert_cmpfloat (opts.dbgprint_rate, ==, 3);
}

static void
test_parse_full (void)
{
  g_autoptr(GError) error = NULL;
  KdhSimOptions opts;

  kdh_sim_options_init (&opts);
  g_assert_false (kdh_sim_options_parse_full ("seed=7,cpus=100", "sim:seed=7,cpus=100",
                                              &opts, &error));
  g_assert_error (error, KDH_SIM_OPTIONS_ERROR, KDH_SIM_OPTIONS_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "bad CPU count '100' in 'sim:seed=7,cpus=100' "
                   "(expected a whole number from 1 to 64)");
  g_assert_cmpuint (opts.seed, ==, 1);
}

static void
test_set (void)
{
  g_autoptr(GError) error = NULL;
  KdhSimOptions opts;

  kdh_sim_options_init (&opts);
  g_assert_true (kdh_sim_options_set (&opts, "Drop", "0.5", &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (opts.drop, ==, 0.5);

  g_assert_true (kdh_sim_options_set (&opts, "reboot-after", "12", &error));
  g_assert_cmpuint (opts.reboot_after, ==, 12);

  g_assert_false (kdh_sim_options_set (&opts, "drop", NULL, &error));
  g_assert_error (error, KDH_SIM_OPTIONS_ERROR, KDH_SIM_OPTIONS_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "'drop'"));
  g_clear_error (&error);

  g_assert_false (kdh_sim_options_set (&opts, "nope", "1", &error));
  g_assert_error (error, KDH_SIM_OPTIONS_ERROR, KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION);
  g_assert_nonnull (strstr (error->message, "'nope=1'"));
  g_clear_error (&error);

  g_assert_false (kdh_sim_options_set (&opts, "cpus", "0", &error));
  g_assert_error (error, KDH_SIM_OPTIONS_ERROR, KDH_SIM_OPTIONS_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==, "bad CPU count '0' (expected a whole number from 1 to 64)");
  g_assert_cmpuint (opts.cpus, ==, 2);
  g_clear_error (&error);

  /* The command line passes values untrimmed; blanks are not numbers. */
  g_assert_false (kdh_sim_options_set (&opts, "drop", " 0.1", &error));
  g_assert_error (error, KDH_SIM_OPTIONS_ERROR, KDH_SIM_OPTIONS_ERROR_BAD_VALUE);
  g_assert_cmpfloat (opts.drop, ==, 0.5);
}

static void
test_round_trip_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);

  /* Random doubles exercise to_string's promise of exact round-trips far
   * better than hand-picked decimal values. */
  for (guint i = 0; i < 2000; i++)
    {
      KdhSimOptions opts;

      kdh_sim_options_init (&opts);
      if (g_rand_boolean (rand))
        opts.drop = g_rand_double (rand);
      if (g_rand_boolean (rand))
        opts.corrupt = g_rand_double (rand) * 1e-6;
      if (g_rand_boolean (rand))
        opts.dup = g_rand_int_range (rand, 0, 2);
      if (g_rand_boolean (rand))
        opts.seed = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
      if (g_rand_boolean (rand))
        opts.stall_ms = g_rand_int (rand);
      if (g_rand_boolean (rand))
        opts.silent_after = g_rand_int (rand);
      if (g_rand_boolean (rand))
        opts.reboot_after = g_rand_int_range (rand, 0, 100);
      if (g_rand_boolean (rand))
        opts.dbgprint_rate = g_rand_double_range (rand, 0, 1e9);
      else if (g_rand_int_range (rand, 0, 4) == 0)
        opts.dbgprint_flood = TRUE;
      if (g_rand_boolean (rand))
        opts.baud = g_rand_int_range (rand, 0, 4000001);
      if (g_rand_boolean (rand))
        opts.cpus = g_rand_int_range (rand, 1, 65);

      assert_round_trip (&opts);
    }
}

static void
test_fuzz (void)
{
  static const gchar *const pieces[] = {
    "drop", "corrupt", "dup", "seed", "stall-ms", "silent-after", "reboot-after",
    "dbgprint-rate", "baud", "cpus", "DROP", "max", "=", "=", ",", ",", " ", "0", "1",
    "0.5", "-", "+", ".", "e", "e-9", "nan", "inf", "x", "99999999999999999999", "\t",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint ok = 0, failed = 0;

  for (guint i = 0; i < 5000; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      guint n = g_rand_int_range (rand, 0, 10);
      KdhSimOptions opts;

      for (guint j = 0; j < n; j++)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);

      kdh_sim_options_init (&opts);
      if (kdh_sim_options_parse (text->str, &opts, &error))
        {
          g_assert_no_error (error);
          assert_round_trip (&opts);
          ok++;
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == KDH_SIM_OPTIONS_ERROR);
          g_assert_nonnull (error->message);
          g_assert_cmpstr (error->message, !=, "");
          failed++;
        }
    }

  /* Both paths must actually be taken, or the loop proves little. */
  g_assert_cmpuint (ok, >, 50);
  g_assert_cmpuint (failed, >, 50);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/options/defaults", test_defaults);
  g_test_add_func ("/sim/options/parse-good", test_parse_good);
  g_test_add_func ("/sim/options/parse-bad", test_parse_bad);
  g_test_add_func ("/sim/options/parse-over", test_parse_over);
  g_test_add_func ("/sim/options/parse-full", test_parse_full);
  g_test_add_func ("/sim/options/set", test_set);
  g_test_add_func ("/sim/options/round-trip-random", test_round_trip_random);
  g_test_add_func ("/sim/options/fuzz", test_fuzz);

  return g_test_run ();
}
