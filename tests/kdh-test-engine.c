/* kdh-test-engine.c: drive a KdhEngine from a test, as a front end does
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-engine.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#define PATTERN_XOR G_GUINT64_CONSTANT (0xA5A5A5A5A5A5A5A5)

static void
on_event (KdhEngine      *engine,
          const KdhEvent *event,
          gpointer        data)
{
  KdhTestEngine *t = data;

  switch (event->kind)
    {
    case KDH_EVENT_OUTPUT:
      g_ptr_array_add (t->chunks, g_strdup_printf ("%d|%s|%s", event->output_kind,
                                                   event->origin ? event->origin : "",
                                                   event->text));
      if (event->output_kind == KDH_OUTPUT_ECHO)
        {
          g_string_append_printf (t->echoes, "%s%s%s", event->origin ? event->origin : "",
                                  event->origin ? ": " : "", event->text);
          break;
        }
      if (event->output_kind == KDH_OUTPUT_TARGET)
        g_string_append (t->target_output, event->text);
      else
        g_string_append (t->output, event->text);
      if (event->output_kind == KDH_OUTPUT_ERROR)
        g_string_append (t->errors, event->text);
      if (g_test_verbose ())
        g_printerr ("%s", event->text);
      break;
    case KDH_EVENT_STATE:
      t->state = event->state;
      g_array_append_val (t->states, event->state);
      g_ptr_array_add (t->reasons, g_strdup (event->reason ? event->reason : ""));
      g_ptr_array_add (t->transports, g_strdup (event->transport ? event->transport : ""));
      g_array_append_val (t->state_times, event->time_us);
      if (g_test_verbose ())
        g_printerr ("[state %s%s%s]\n", kdh_conn_state_name (event->state),
                    event->reason ? ": " : "", event->reason ? event->reason : "");
      break;
    case KDH_EVENT_COMMAND_DONE:
      g_hash_table_insert (t->done, GUINT_TO_POINTER (event->token),
                           GINT_TO_POINTER (event->success ? 1 : 2));
      t->ready_at_done = t->ready;
      break;
    case KDH_EVENT_PROMPT:
      t->ready = event->ready;
      t->prompt_events++;
      g_free (t->prompt);
      t->prompt = g_strdup (event->prompt);
      break;
    case KDH_EVENT_STATS:
      t->stats = event->stats;
      t->stats_events++;
      break;
    case KDH_EVENT_PACKET:
      g_string_append (t->packets, event->text);
      break;
    default:
      break;
    }
}

void
kdh_test_engine_init (KdhTestEngine *t)
{
  memset (t, 0, sizeof *t);
  t->output = g_string_new (NULL);
  t->target_output = g_string_new (NULL);
  t->errors = g_string_new (NULL);
  t->packets = g_string_new (NULL);
  t->echoes = g_string_new (NULL);
  t->states = g_array_new (FALSE, FALSE, sizeof (KdhConnState));
  t->reasons = g_ptr_array_new_with_free_func (g_free);
  t->transports = g_ptr_array_new_with_free_func (g_free);
  t->chunks = g_ptr_array_new_with_free_func (g_free);
  t->state_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  t->done = g_hash_table_new (NULL, NULL);
  t->processes = g_ptr_array_new_with_free_func (g_object_unref);
  t->tmpdir = g_dir_make_tmp ("kdh-test-XXXXXX", NULL);
  kdh_sim_transport_register ();
  t->engine = kdh_engine_new (NULL, on_event, t);
  t->servers = kdh_server_set_new (t->engine);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

void
kdh_test_engine_clear (KdhTestEngine *t)
{
  kdh_server_set_free (t->servers);
  kdh_engine_free (t->engine);
  for (guint i = 0; i < t->processes->len; i++)
    {
      GSubprocess *p = t->processes->pdata[i];

      g_subprocess_force_exit (p);
      g_subprocess_wait (p, NULL, NULL);
    }
  g_ptr_array_unref (t->processes);
  g_clear_pointer (&t->prompt, g_free);
  g_string_free (t->output, TRUE);
  g_string_free (t->target_output, TRUE);
  g_string_free (t->errors, TRUE);
  g_string_free (t->packets, TRUE);
  g_string_free (t->echoes, TRUE);
  g_array_unref (t->states);
  g_ptr_array_unref (t->reasons);
  g_ptr_array_unref (t->transports);
  g_ptr_array_unref (t->chunks);
  g_array_unref (t->state_times);
  g_hash_table_unref (t->done);
  remove_tree (t->tmpdir);
  g_free (t->tmpdir);
}

void
kdh_test_run_until (gboolean    (*done) (gpointer data),
                    gpointer      data,
                    guint         timeout_s,
                    const gchar  *what)
{
  if (!kdh_test_wait (done, data, timeout_s))
    g_error ("timed out after %u s waiting for %s", timeout_s, what);
}

typedef struct {
  KdhTestEngine *t;
  guint token;
  KdhConnState state;
} Wait;

static gboolean
token_done (gpointer data)
{
  Wait *w = data;

  return g_hash_table_contains (w->t->done, GUINT_TO_POINTER (w->token));
}

gboolean
kdh_test_engine_wait_token (KdhTestEngine *t,
                            guint          token,
                            guint          timeout_s)
{
  Wait w = { t, token, 0 };
  g_autofree gchar *what = g_strdup_printf ("command %u", token);

  kdh_test_run_until (token_done, &w, timeout_s, what);
  return GPOINTER_TO_INT (g_hash_table_lookup (t->done, GUINT_TO_POINTER (token))) == 1;
}

gchar *
kdh_test_engine_run (KdhTestEngine *t,
                     const gchar   *line,
                     gboolean       may_fail)
{
  gsize start = t->output->len;
  guint token = kdh_engine_execute (t->engine, line, NULL);
  gboolean ok = kdh_test_engine_wait_token (t, token, 600);

  if (!ok && !may_fail)
    g_error ("command '%s' failed: %s", line, t->output->str + start);
  return g_strdup (t->output->str + start);
}

void
kdh_test_engine_attach (KdhTestEngine *t,
                        const gchar   *connection)
{
  guint token = kdh_engine_attach (t->engine, connection);

  if (!kdh_test_engine_wait_token (t, token, 120))
    g_error ("attach to '%s' failed: %s", connection, t->output->str);
}

static gboolean
state_is (gpointer data)
{
  Wait *w = data;

  return w->t->state == w->state;
}

void
kdh_test_engine_wait_state (KdhTestEngine *t,
                            KdhConnState   state,
                            guint          timeout_s)
{
  Wait w = { t, 0, state };
  g_autofree gchar *what = g_strdup_printf ("state %s", kdh_conn_state_name (state));

  kdh_test_run_until (state_is, &w, timeout_s, what);
}

gboolean
kdh_test_engine_saw_state (KdhTestEngine *t,
                           guint          from,
                           KdhConnState   state)
{
  for (guint i = from; i < t->states->len; i++)
    if (g_array_index (t->states, KdhConnState, i) == state)
      return TRUE;
  return FALSE;
}

KdhSimCounters
kdh_test_engine_sim_counters (KdhTestEngine *t)
{
  g_autoptr (GVariant) counters = kdh_engine_dup_peer_counters (t->engine);
  KdhSimCounters c;

  g_assert_true (kdh_sim_counters_from_variant (counters, &c));
  return c;
}

static guint64
parse_windbg_hex (const gchar *s)
{
  g_autoptr (GString) digits = g_string_new (NULL);

  for (; *s && !g_ascii_isspace (*s); s++)
    if (*s != '`')
      g_string_append_c (digits, *s);
  return g_ascii_strtoull (digits->str, NULL, 16);
}

guint64
kdh_test_check_pattern_dump (const gchar *dump)
{
  guint64 checked = 0, expected_address = 0;

  /* Line by line with strchr(): g_strsplit()'s strstr() would measure the
   * rest of a 7 MiB dump for every line under AddressSanitizer. */
  for (const gchar *p = dump; *p; )
    {
      const gchar *eol = strchr (p, '\n');
      gsize len = eol ? (gsize) (eol - p) : strlen (p);
      g_autofree gchar *line = g_strndup (p, len);
      g_auto (GStrv) fields = NULL;
      guint64 address;

      p += len + (eol != NULL);
      if (line[0] == '\0')
        continue;
      fields = g_strsplit_set (line, " ", -1);
      address = parse_windbg_hex (fields[0]);
      if (checked > 0)
        g_assert_cmphex (address, ==, expected_address);
      for (guint f = 1; fields[f]; f++)
        {
          guint64 value;

          if (fields[f][0] == '\0')
            continue;
          g_assert_null (strchr (fields[f], '?'));
          value = parse_windbg_hex (fields[f]);
          if (value != (address ^ PATTERN_XOR))
            g_error ("pattern mismatch at %016" G_GINT64_MODIFIER "x: %016" G_GINT64_MODIFIER
                     "x (line '%s')", address, value, line);
          address += 8;
          checked++;
        }
      expected_address = address;
    }
  return checked;
}

const gchar *
kdh_test_find_in_lines (const gchar *text,
                        const gchar *needle)
{
  const gchar *p = text;

  for (;;)
    {
      const gchar *eol = strchr (p, '\n');
      gssize len = eol ? eol - p : (gssize) strlen (p);
      const gchar *hit = g_strstr_len (p, len, needle);

      if (hit != NULL)
        return hit;
      if (eol == NULL)
        return NULL;
      p = eol + 1;
    }
}

guint
kdh_test_check_dbgprint_sequence (const gchar *text,
                                  guint64      first)
{
  const gchar *p = text;
  guint64 expected = first;
  guint n = 0;

  while ((p = kdh_test_find_in_lines (p, "kdhtest: dbgprint seq=")))
    {
      const gchar *eol = strchr (p, '\n');
      guint64 seq;

      if (eol == NULL)
        break;   /* the rest of the line has not arrived yet */
      seq = g_ascii_strtoull (p + strlen ("kdhtest: dbgprint seq="), NULL, 10);
      if (seq != expected)
        g_error ("DbgPrint line %u has seq %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT
                 " (lost or duplicated output)", n, seq, expected);
      expected++;
      n++;
      p = eol + 1;
    }
  return n;
}

gchar *
kdh_test_sim_path (void)
{
  const gchar *build = g_getenv ("KDH_BUILD_DIR");

  g_assert_nonnull (build);
  return g_build_filename (build, "src", "sim", "kdhost-sim", NULL);
}

typedef struct {
  GDataInputStream *in;
  gchar *line;
  gboolean finished;
} LineRead;

static void
on_sim_line (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  LineRead *r = data;

  r->line = g_data_input_stream_read_line_finish_utf8 (r->in, result, NULL, NULL);
  r->finished = TRUE;
}

static gboolean
line_read (gpointer data)
{
  return ((LineRead *) data)->finished;
}

/* A test that aborts never reaches kdh_test_engine_clear(); its
 * simulators must not outlive it (they would hold CTest's output pipe
 * open until the test's timeout). Only async-signal-safe calls here. */
static void
sim_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

gchar *
kdh_test_start_sim (KdhTestEngine      *t,
                    const gchar *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *path = kdh_test_sim_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  GSubprocess *process;
  LineRead r = { 0 };
  gchar *value;

  g_ptr_array_add (argv, path);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, sim_child_setup, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_ptr_array_add (t->processes, process);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  r.in = in;
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, on_sim_line, &r);
  kdh_test_run_until (line_read, &r, 30, "kdhost-sim's first line");
  g_assert_nonnull (r.line);
  g_assert_true (g_str_has_prefix (r.line, "kdhost-sim: "));
  value = g_strdup (r.line + strlen ("kdhost-sim: "));
  g_free (r.line);
  return value;
}

GHashTable *
kdh_test_read_counters (const gchar *path)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) fields = NULL;
  GHashTable *counters;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fields = g_strsplit_set (g_strstrip (text), " \n", -1);
  for (guint i = 0; fields[i]; i++)
    {
      const gchar *eq = strchr (fields[i], '=');
      guint64 *value;

      if (eq == NULL)
        continue;
      value = g_new (guint64, 1);
      g_assert_true (g_ascii_string_to_unsigned (eq + 1, 10, 0, G_MAXUINT64, value, NULL));
      g_hash_table_insert (counters, g_strndup (fields[i], eq - fields[i]), value);
    }
  return counters;
}

guint64
kdh_test_counter (GHashTable  *counters,
                  const gchar *key)
{
  guint64 *value = g_hash_table_lookup (counters, key);

  if (value == NULL)
    g_error ("the counters file has no '%s'", key);
  return *value;
}
