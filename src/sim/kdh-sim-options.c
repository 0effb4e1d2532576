/* kdh-sim-options.c: parse and print the options of the simulated target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "kdh-sim-options.h"
#include "common/kdh-option-text.h"

G_DEFINE_QUARK (kdh-sim-options-error-quark, kdh_sim_options_error)

#define MAX_BAUD 4000000u
#define MAX_CPUS 64u

typedef enum {
  VALUE_PROBABILITY,   /* gdouble, 0..1 */
  VALUE_U64,           /* guint64 */
  VALUE_UINT,          /* guint */
  VALUE_RATE,          /* gdouble >= 0, or "max" (sets dbgprint_flood) */
  VALUE_BAUD,          /* guint, 0 or 1..MAX_BAUD */
  VALUE_CPUS,          /* guint, 1..MAX_CPUS */
  VALUE_PERCENT,       /* guint, 1..100 */
  VALUE_BIT,           /* guint, 0 or 1 */
} ValueType;

typedef struct {
  const gchar *key;
  ValueType    type;
  gsize        offset;
  const gchar *what;      /* "bad <what> '<value>'" */
  const gchar *expected;  /* "(expected <expected>)" */
} SimOption;

/* The order of this table is the order kdh_sim_options_to_string() prints. */
static const SimOption sim_options[] = {
  { "drop", VALUE_PROBABILITY, G_STRUCT_OFFSET (KdhSimOptions, drop),
    N_("drop probability"), N_("a number from 0 to 1") },
  { "corrupt", VALUE_PROBABILITY, G_STRUCT_OFFSET (KdhSimOptions, corrupt),
    N_("corrupt probability"), N_("a number from 0 to 1") },
  { "dup", VALUE_PROBABILITY, G_STRUCT_OFFSET (KdhSimOptions, dup),
    N_("dup probability"), N_("a number from 0 to 1") },
  { "reorder", VALUE_PROBABILITY, G_STRUCT_OFFSET (KdhSimOptions, reorder),
    N_("reorder probability"), N_("a number from 0 to 1") },
  { "seed", VALUE_U64, G_STRUCT_OFFSET (KdhSimOptions, seed),
    N_("seed"), N_("a whole number from 0 to 18446744073709551615") },
  { "stall-ms", VALUE_UINT, G_STRUCT_OFFSET (KdhSimOptions, stall_ms),
    N_("stall time"), N_("a whole number of milliseconds") },
  { "silent-after", VALUE_UINT, G_STRUCT_OFFSET (KdhSimOptions, silent_after),
    N_("silent-after count"), N_("a whole number of packets") },
  { "reboot-after", VALUE_UINT, G_STRUCT_OFFSET (KdhSimOptions, reboot_after),
    N_("reboot-after count"), N_("a whole number of packets") },
  { "lose-continue-acks", VALUE_UINT, G_STRUCT_OFFSET (KdhSimOptions, lose_continue_acks),
    N_("lost Continue ACK count"), N_("a whole number of requests") },
  { "dbgprint-rate", VALUE_RATE, G_STRUCT_OFFSET (KdhSimOptions, dbgprint_rate),
    N_("DbgPrint rate"), N_("a number of lines per second, or 0 or 'max' for as fast as the link allows") },
  { "baud", VALUE_BAUD, G_STRUCT_OFFSET (KdhSimOptions, baud),
    N_("baud rate"), N_("0 or a number of bits per second up to 4000000") },
  { "cpus", VALUE_CPUS, G_STRUCT_OFFSET (KdhSimOptions, cpus),
    N_("CPU count"), N_("a whole number from 1 to 64") },
  { "load-driver-after", VALUE_UINT, G_STRUCT_OFFSET (KdhSimOptions, load_driver_after),
    N_("driver load time"), N_("a whole number of seconds") },
  { "cpu-budget", VALUE_PERCENT, G_STRUCT_OFFSET (KdhSimOptions, cpu_budget),
    N_("CPU budget"), N_("a whole percentage from 1 to 100") },
  { "ptr64-flag", VALUE_BIT, G_STRUCT_OFFSET (KdhSimOptions, ptr64_flag),
    N_("PTR64 flag"), N_("0 or 1") },
};

#define KNOWN_KEYS "drop, corrupt, dup, reorder, seed, stall-ms, silent-after, reboot-after, " \
                   "lose-continue-acks, dbgprint-rate, baud, cpus, load-driver-after, cpu-budget or ptr64-flag"

void
kdh_sim_options_init (KdhSimOptions *opts)
{
  g_return_if_fail (opts != NULL);

  memset (opts, 0, sizeof *opts);
  opts->seed = 1;
  opts->cpus = 2;
  opts->cpu_budget = 25;
  opts->ptr64_flag = 1;
}

/* Every message has the same shape (kdh-option-text.h), so callers that
 * cut our text out of a longer string (the connection-string parser)
 * still quote what the user typed. */
#define fail(error, code, whole, hint, ...) \
  kdh_option_fail (error, KDH_SIM_OPTIONS_ERROR, code, whole, hint, __VA_ARGS__)

static const SimOption *
find_option (const gchar *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (sim_options); i++)
    if (g_ascii_strcasecmp (sim_options[i].key, key) == 0)
      return &sim_options[i];
  return NULL;
}

/* g_ascii_strtod() skips leading blanks and accepts "nan" and "inf"; a
 * probability or a rate must be a plain finite number and nothing else. */
static gboolean
parse_double (const gchar *text,
              gdouble     *out)
{
  gchar *end = NULL;
  gdouble v;

  if (*text == '\0' || g_ascii_isspace (*text))
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_unsigned (const gchar *text,
                guint64      min,
                guint64      max,
                guint64     *out)
{
  return g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

/* The shortest "%g" text that reads back as exactly @v, so that 0.1 prints
 * as "0.1" rather than g_ascii_dtostr()'s "0.10000000000000001"; 17
 * significant digits always suffice for a double. g_ascii_formatd() and
 * g_ascii_strtod() keep this independent of the locale. */
static const gchar *
format_double (gchar   *buf,
               gint     len,
               gdouble  v)
{
  /* Whole rates read better as "1000" than as "1e+03". (No floor(): the
   * sim library does not link libm.) */
  if (v >= 0 && v < 1e15 && v == (gdouble) (guint64) v)
    return g_ascii_formatd (buf, len, "%.0f", v);

  for (gint digits = 1; digits < 17; digits++)
    {
      gchar format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, len, format, v);
      if (g_ascii_strtod (buf, NULL) == v)
        return buf;
    }

  return g_ascii_formatd (buf, len, "%.17g", v);
}

static gboolean
set_option (KdhSimOptions  *opts,
            const gchar    *key,
            const gchar    *value,
            const gchar    *item,
            const gchar    *whole,
            GError        **error)
{
  const SimOption *opt = find_option (key);
  gpointer field;
  guint64 u = 0;
  gdouble d = 0;

  if (opt == NULL)
    return fail (error, KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION, whole, KNOWN_KEYS,
                 _("unknown option '%s'"), item);

  if (value == NULL)
    return fail (error, KDH_SIM_OPTIONS_ERROR_SYNTAX, whole, _(opt->expected),
                 _("missing value for '%s'"), opt->key);

  field = G_STRUCT_MEMBER_P (opts, opt->offset);

  switch (opt->type)
    {
    case VALUE_PROBABILITY:
      if (!parse_double (value, &d) || d < 0 || d > 1)
        break;
      *(gdouble *) field = d;
      return TRUE;

    case VALUE_U64:
      if (!parse_unsigned (value, 0, G_MAXUINT64, &u))
        break;
      *(guint64 *) field = u;
      return TRUE;

    case VALUE_UINT:
      if (!parse_unsigned (value, 0, G_MAXUINT, &u))
        break;
      *(guint *) field = (guint) u;
      return TRUE;

    case VALUE_RATE:
      if (g_ascii_strcasecmp (value, "max") == 0)
        {
          opts->dbgprint_rate = 0;
          opts->dbgprint_flood = TRUE;
          return TRUE;
        }
      if (!parse_double (value, &d) || d < 0)
        break;
      /* As kdhost-sim's --dbgprint-rate: 0 means as fast as the link
       * allows, the same as "max". */
      opts->dbgprint_rate = d;
      opts->dbgprint_flood = d == 0;
      return TRUE;

    case VALUE_BAUD:
      if (!parse_unsigned (value, 0, MAX_BAUD, &u))
        break;
      *(guint *) field = (guint) u;
      return TRUE;

    case VALUE_CPUS:
      if (!parse_unsigned (value, 1, MAX_CPUS, &u))
        break;
      *(guint *) field = (guint) u;
      return TRUE;

    case VALUE_PERCENT:
      if (!parse_unsigned (value, 1, 100, &u))
        break;
      *(guint *) field = (guint) u;
      return TRUE;

    case VALUE_BIT:
      if (!parse_unsigned (value, 0, 1, &u))
        break;
      *(guint *) field = (guint) u;
      return TRUE;

    default:
      g_assert_not_reached ();
    }

  return fail (error, KDH_SIM_OPTIONS_ERROR_BAD_VALUE, whole, _(opt->expected),
               _("bad %s '%s'"), _(opt->what), value);
}

gboolean
kdh_sim_options_set (KdhSimOptions  *opts,
                     const gchar    *key,
                     const gchar    *value,
                     GError        **error)
{
  g_autofree gchar *item = NULL;
  KdhSimOptions tmp;

  g_return_val_if_fail (opts != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  item = value != NULL ? g_strdup_printf ("%s=%s", key, value) : g_strdup (key);
  tmp = *opts;
  if (!set_option (&tmp, key, value, item, NULL, error))
    return FALSE;
  *opts = tmp;
  return TRUE;
}

gboolean
kdh_sim_options_parse_full (const gchar    *text,
                            const gchar    *whole,
                            KdhSimOptions  *opts,
                            GError        **error)
{
  g_autofree gchar *copy = NULL;
  g_autofree gchar *bad_item = NULL;
  g_autoptr (GPtrArray) items = NULL;
  gboolean seen[G_N_ELEMENTS (sim_options)] = { FALSE, };
  KdhOptionSplitFault fault;
  KdhSimOptions tmp;

  g_return_val_if_fail (opts != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    return TRUE;

  copy = g_strstrip (g_strdup (text));
  if (whole == NULL)
    whole = copy;
  items = kdh_option_text_split (copy, &fault, &bad_item);
  if (items == NULL)
    return kdh_option_fail_split (error, KDH_SIM_OPTIONS_ERROR, KDH_SIM_OPTIONS_ERROR_SYNTAX,
                                  whole, fault, bad_item);

  /* Work on a copy so that a bad option late in the string does not leave
   * the earlier ones half applied. */
  tmp = *opts;
  for (guint i = 0; i < items->len; i++)
    {
      const KdhOptionItem *item = g_ptr_array_index (items, i);
      const SimOption *opt = find_option (item->key);

      if (opt != NULL)
        {
          gsize idx = opt - sim_options;

          if (seen[idx])
            return fail (error, KDH_SIM_OPTIONS_ERROR_DUPLICATE, whole, NULL,
                         _("'%s' given twice"), opt->key);
          seen[idx] = TRUE;
        }

      if (!set_option (&tmp, item->key, item->value, item->item, whole, error))
        return FALSE;
    }

  *opts = tmp;
  return TRUE;
}

gboolean
kdh_sim_options_parse (const gchar    *text,
                       KdhSimOptions  *opts,
                       GError        **error)
{
  return kdh_sim_options_parse_full (text, NULL, opts, error);
}

gchar *
kdh_sim_options_to_string (const KdhSimOptions *opts)
{
  KdhSimOptions defaults;
  GString *out;

  g_return_val_if_fail (opts != NULL, NULL);

  kdh_sim_options_init (&defaults);
  out = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (sim_options); i++)
    {
      const SimOption *opt = &sim_options[i];
      gconstpointer field = G_STRUCT_MEMBER_P (opts, opt->offset);
      gconstpointer def = G_STRUCT_MEMBER_P (&defaults, opt->offset);
      gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
      const gchar *value = NULL;

      switch (opt->type)
        {
        case VALUE_PROBABILITY:
        case VALUE_RATE:
          if (opt->type == VALUE_RATE && opts->dbgprint_flood)
            value = "max";
          else if (*(const gdouble *) field != *(const gdouble *) def)
            value = format_double (buf, (gint) sizeof buf, *(const gdouble *) field);
          break;

        case VALUE_U64:
          if (*(const guint64 *) field != *(const guint64 *) def)
            {
              g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, *(const guint64 *) field);
              value = buf;
            }
          break;

        case VALUE_UINT:
        case VALUE_BAUD:
        case VALUE_CPUS:
        case VALUE_PERCENT:
        case VALUE_BIT:
          if (*(const guint *) field != *(const guint *) def)
            {
              g_snprintf (buf, sizeof buf, "%u", *(const guint *) field);
              value = buf;
            }
          break;

        default:
          g_assert_not_reached ();
        }

      if (value == NULL)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ',');
      g_string_append_printf (out, "%s=%s", opt->key, value);
    }

  return g_string_free (out, FALSE);
}
