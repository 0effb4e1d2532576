/* kdh-fuzz.h: helpers shared by the libFuzzer harnesses
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each harness splits its input into a few leading control bytes (modes,
 * a seed for a small PRNG that decides fragmentation and timing) and the
 * data proper. Everything is deterministic: the same input always takes
 * the same path, so a crash file replays exactly.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

G_BEGIN_DECLS

/* kdh-fuzz-init.c defines the first for every harness (it calls
 * kdh_fuzz_init()); each harness defines the second. */
int LLVMFuzzerInitialize   (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* GLib's slice allocator (GString, GError, GByteArray, GBytes, list
 * nodes ...) would hide use-after-free and leaks from AddressSanitizer.
 * GLib reads G_SLICE as it loads, before any code of ours runs, so when it
 * is not in the environment the harness sets it and starts itself again.
 * A GLib critical (a g_return_if_fail) or warning means a broken contract
 * somewhere: it becomes a crash the fuzzer reports. */
static inline void
kdh_fuzz_init (char ***argv)
{
  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0)
    {
      g_setenv ("G_SLICE", "always-malloc", TRUE);
      execv ("/proc/self/exe", *argv);
      g_printerr ("could not restart with G_SLICE=always-malloc; carrying on\n");
    }
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* Reads control bytes off the front of the input; zeros once it runs out,
 * so that short inputs still mean something. */
typedef struct {
  const guint8 *data;
  gsize len;
} KdhFuzzInput;

static inline guint8
kdh_fuzz_take_u8 (KdhFuzzInput *in)
{
  guint8 v;

  if (in->len == 0)
    return 0;
  v = in->data[0];
  in->data++;
  in->len--;
  return v;
}

static inline guint32
kdh_fuzz_take_u32 (KdhFuzzInput *in)
{
  guint32 v = 0;

  for (guint i = 0; i < 4; i++)
    v |= (guint32) kdh_fuzz_take_u8 (in) << (8 * i);
  return v;
}

static inline guint64
kdh_fuzz_take_u64 (KdhFuzzInput *in)
{
  guint64 lo = kdh_fuzz_take_u32 (in);

  return lo | (guint64) kdh_fuzz_take_u32 (in) << 32;
}

/* splitmix64: small, fast, and good enough to pick fragment sizes. */
typedef struct {
  guint64 state;
} KdhFuzzRng;

static inline guint64
kdh_fuzz_rng_next (KdhFuzzRng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* 0 .. n-1 (0 when n is 0). */
static inline guint64
kdh_fuzz_rng_below (KdhFuzzRng *rng,
                    guint64     n)
{
  return n == 0 ? 0 : kdh_fuzz_rng_next (rng) % n;
}

/* TRUE about once in @n calls. */
static inline gboolean
kdh_fuzz_rng_chance (KdhFuzzRng *rng,
                     guint64     n)
{
  return kdh_fuzz_rng_below (rng, n) == 0;
}

/* The input up to its first NUL, as a string (text parsers take C strings). */
static inline gchar *
kdh_fuzz_strndup (const guint8 *data,
                  gsize         len)
{
  return g_strndup ((const gchar *) data, len);
}

/* Error messages end up in terminals, GTK labels and D-Bus strings: for
 * valid UTF-8 input they must be valid UTF-8 too. */
static inline void
kdh_fuzz_check_error (const GError *error,
                      GQuark        domain,
                      const gchar  *input)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == domain);
  g_assert_nonnull (error->message);
  if (g_utf8_validate (input, -1, NULL))
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

G_END_DECLS
