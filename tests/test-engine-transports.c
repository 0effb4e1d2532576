/* test-engine-transports.c: the engine against kdhost-sim over real transports
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test starts its own kdhost-sim process and drives a KdhEngine at
 * it through the front-end API only, over a pseudo-terminal, a Unix socket
 * (a VM pipe), a TCP connection or a TCP listener that the simulator dials.
 * What the target saw is read from the simulator's --counters-file, which
 * it rewrites within 100 ms of a change, so every look at it is a bounded
 * poll rather than a single read.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "kd/kdh-packet.h"
#include "kdh-test-engine.h"
#include "kdh-test-net.h"

/* The pattern region's first page starts at fffff800`00400000; this read
 * starts 8 bytes before a page boundary and covers 32 KiB, so it crosses
 * pages and several 3944-byte packets at odd offsets. */
#define PATTERN_READ "dq fffff800`00400ff8 L1000"
#define PATTERN_QWORDS 0x1000

typedef enum {
  KIND_PTY,
  KIND_PIPE,
  KIND_TCP,
  KIND_LISTEN,       /* the engine listens, the simulator dials out */
} Kind;

static const gchar *const kind_names[] = { "pty", "pipe", "tcp", "tcp-listen" };

typedef struct {
  KdhTestEngine t;
  Kind kind;
  const gchar *options;     /* appended to the connection string */
  gchar *counters_path;
  gchar *socket_path;       /* pipe */
  guint16 listen_port;      /* tcp-listen: the engine's port */
  guint sim_port;           /* tcp: the simulator's port */
  gchar *connection;        /* known once the simulator has said where */
  gchar *device_link;       /* pty: a symlink named instead of /dev/pts/N */
  GSubprocess *sim;         /* the current simulator; t.processes owns it */
} Fixture;

static void
fixture_init (Fixture     *f,
              Kind         kind,
              const gchar *options)
{
  memset (f, 0, sizeof *f);
  kdh_test_engine_init (&f->t);
  f->kind = kind;
  f->options = options ? options : "";
  f->counters_path = g_build_filename (f->t.tmpdir, "counters", NULL);
  f->socket_path = g_build_filename (f->t.tmpdir, "vm.sock", NULL);
}

static gboolean
sim_exited (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_sim_exited (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

/* The engine lets go first; then the simulator is asked to quit rather
 * than killed, so that it cleans up and exits with a status that says
 * whether it did (a sanitizer build fails it on leaks and errors). */
static void
fixture_clear (Fixture *f)
{
  gboolean exited = FALSE;

  g_assert_true (kdh_test_engine_wait_token (&f->t, kdh_engine_detach (f->t.engine), 30));
  if (f->sim != NULL && g_subprocess_get_identifier (f->sim) != NULL)
    {
      g_subprocess_send_signal (f->sim, SIGTERM);
      g_subprocess_wait_async (f->sim, NULL, on_sim_exited, &exited);
      kdh_test_run_until (sim_exited, &exited, 30, "kdhost-sim to exit");
      g_assert_true (g_subprocess_get_if_exited (f->sim));
      g_assert_cmpint (g_subprocess_get_exit_status (f->sim), ==, 0);
    }
  kdh_test_engine_clear (&f->t);
  g_free (f->counters_path);
  g_free (f->socket_path);
  g_free (f->connection);
  g_free (f->device_link);
}

/* ---- The simulator's counters file ------------------------------------- */

/* "key=value key=value ...": NULL while the file does not exist. */
static GHashTable *
read_counters (const gchar *path)
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

static guint64
counter (GHashTable  *counters,
         const gchar *key)
{
  guint64 *value = g_hash_table_lookup (counters, key);

  if (value == NULL)
    g_error ("the counters file has no '%s'", key);
  return *value;
}

typedef struct {
  const gchar *path;
  const gchar *key;
  guint64 min;
  guint64 seen;
} CounterWait;

static gboolean
counter_reached (gpointer data)
{
  CounterWait *w = data;
  g_autoptr (GHashTable) counters = read_counters (w->path);

  if (counters == NULL)
    return FALSE;
  if (w->key == NULL)
    return TRUE;
  w->seen = counter (counters, w->key);
  return w->seen >= w->min;
}

/* Only wakes the main context up: the file changes without telling us. */
static gboolean
on_poll_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Polls the counters file until @key is at least @min (or, with a NULL
 * @key, until the file exists); returns the value seen. */
static guint64
wait_counter (Fixture     *f,
              const gchar *key,
              guint64      min,
              guint        timeout_s)
{
  CounterWait w = { f->counters_path, key, min, 0 };
  g_autofree gchar *what = key
    ? g_strdup_printf ("%s >= %" G_GUINT64_FORMAT " in %s", key, min, f->counters_path)
    : g_strdup_printf ("%s to be written", f->counters_path);
  guint tick = g_timeout_add (20, on_poll_tick, NULL);

  kdh_test_run_until (counter_reached, &w, timeout_s, what);
  g_source_remove (tick);
  return w.seen;
}

/* The counters as they are now rather than up to 100 ms ago: the file is
 * removed and the simulator asked (SIGUSR1) to write it again, so whatever
 * is read back was taken after this call began. Only once the simulator
 * has served a host: it installs its signal handlers before that. */
static GHashTable *
sim_counters_now (Fixture *f)
{
  g_remove (f->counters_path);
  g_subprocess_send_signal (f->sim, SIGUSR1);
  wait_counter (f, NULL, 0, 10);
  return read_counters (f->counters_path);
}

static guint64
sim_counter_now (Fixture     *f,
                 const gchar *key)
{
  g_autoptr (GHashTable) counters = sim_counters_now (f);

  return counter (counters, key);
}

/* ---- Starting the simulator and attaching ------------------------------ */

/* Starts a kdhost-sim for @f's transport with @extra arguments (NULL or
 * NULL-terminated) and works out the connection string from what it
 * says. */
static void
start_sim (Fixture            *f,
           const gchar *const *extra)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *where = NULL;
  g_autofree gchar *connection = NULL;

  switch (f->kind)
    {
    case KIND_PTY:
      g_ptr_array_add (args, g_strdup ("--pty"));
      break;
    case KIND_PIPE:
      g_ptr_array_add (args, g_strdup_printf ("--listen=unix:%s", f->socket_path));
      break;
    case KIND_TCP:
      g_ptr_array_add (args, g_strdup ("--listen=tcp:127.0.0.1:0"));
      break;
    case KIND_LISTEN:
      g_assert_cmpuint (f->listen_port, !=, 0);
      g_ptr_array_add (args, g_strdup_printf ("--connect=tcp:127.0.0.1:%u", f->listen_port));
      break;
    default:
      g_assert_not_reached ();
    }
  g_ptr_array_add (args, g_strdup_printf ("--counters-file=%s", f->counters_path));
  /* Connects and disconnects on stderr are only noise in a passing run. */
  if (!g_test_verbose ())
    g_ptr_array_add (args, g_strdup ("--quiet"));
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (args, g_strdup (extra[i]));
  g_ptr_array_add (args, NULL);

  where = kdh_test_start_sim (&f->t, (const gchar *const *) args->pdata);
  f->sim = g_ptr_array_index (f->t.processes, f->t.processes->len - 1);

  switch (f->kind)
    {
    case KIND_PTY:
      g_assert_true (g_str_has_prefix (where, "pty /dev/pts/"));
      if (f->device_link != NULL)
        {
          /* Repointed in one step, as udev replaces a device node. */
          g_autofree gchar *tmp = g_strconcat (f->device_link, ".new", NULL);

          g_assert_cmpint (symlink (where + strlen ("pty "), tmp), ==, 0);
          g_assert_cmpint (g_rename (tmp, f->device_link), ==, 0);
          connection = g_strdup_printf ("com:port=%s%s", f->device_link, f->options);
        }
      else
        connection = g_strdup_printf ("com:port=%s%s", where + strlen ("pty "), f->options);
      break;
    case KIND_PIPE:
      {
        g_autofree gchar *expected = g_strdup_printf ("listening on unix:%s", f->socket_path);

        g_assert_cmpstr (where, ==, expected);
        connection = g_strdup_printf ("com:pipe,port=%s%s", f->socket_path, f->options);
      }
      break;
    case KIND_TCP:
      {
        guint64 port;

        g_assert_true (g_str_has_prefix (where, "listening on tcp:127.0.0.1:"));
        g_assert_true (g_ascii_string_to_unsigned (where + strlen ("listening on tcp:127.0.0.1:"),
                                                   10, 1, 65535, &port, NULL));
        f->sim_port = (guint) port;
        connection = g_strdup_printf ("com:ipport=%u,port=127.0.0.1%s", f->sim_port, f->options);
      }
      break;
    case KIND_LISTEN:
      {
        g_autofree gchar *expected = g_strdup_printf ("connecting to tcp:127.0.0.1:%u",
                                                      f->listen_port);

        g_assert_cmpstr (where, ==, expected);
        connection = g_strdup (f->connection);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  g_free (f->connection);
  f->connection = g_steal_pointer (&connection);
}

static void
assert_banner (const gchar *text)
{
  g_assert_nonnull (strstr (text, "Connected to Windows 10 19041 x64 target at ("));
  g_assert_nonnull (strstr (text, "), ptr64 TRUE\n"));
  g_assert_nonnull (strstr (text, "Kernel Debugger connection established.\n"));
  g_assert_nonnull (strstr (text, "Break instruction exception - code 80000003"));
  g_assert_nonnull (strstr (text, "nt!DbgBreakPointWithStatus:\n"));
}

/* Starts the simulator and attaches to it, in the order the transport
 * needs: a listening engine first, then the simulator that dials it. */
static void
start_and_attach (Fixture            *f,
                  const gchar *const *sim_args)
{
  gsize mark = f->t.output->len;

  if (f->kind == KIND_LISTEN)
    {
      g_autofree gchar *where = NULL;
      guint token;

      /* Bound to loopback (port=), not to every interface. */
      f->listen_port = kdh_test_free_port ();
      f->connection = g_strdup_printf ("com:ipport=%u,port=127.0.0.1,listen%s", f->listen_port,
                                       f->options);
      token = kdh_engine_attach (f->t.engine, f->connection);
      kdh_test_engine_wait_state (&f->t, KDH_CONN_WAITING, 30);
      where = g_strdup_printf ("waiting for a target to connect on 127.0.0.1:%u", f->listen_port);
      g_assert_cmpstr (g_ptr_array_index (f->t.reasons, f->t.reasons->len - 1), ==, where);
      start_sim (f, sim_args);
      if (!kdh_test_engine_wait_token (&f->t, token, 60))
        g_error ("attach to '%s' failed: %s", f->connection, f->t.output->str);
    }
  else
    {
      start_sim (f, sim_args);
      kdh_test_engine_attach (&f->t, f->connection);
    }
  g_assert_cmpint (f->t.state, ==, KDH_CONN_BREAK);
  g_assert_true (kdh_test_engine_saw_state (&f->t, 0, KDH_CONN_OPENING));
  g_assert_true (kdh_test_engine_saw_state (&f->t, 0, KDH_CONN_SYNCHRONIZING));
  g_assert_true (f->t.ready);
  assert_banner (f->t.output->str + mark);
}

static void
check_pattern_read (Fixture *f)
{
  g_autofree gchar *out = kdh_test_engine_run (&f->t, PATTERN_READ, FALSE);

  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, PATTERN_QWORDS);
}

/* g. The target must really run: a break-in byte left pending in it
 * would stop it again at once, and the simulator counts that stop before
 * it acknowledges the Continue, so the count is final when g is done. */
static void
go (Fixture *f)
{
  guint64 breakins = sim_counter_now (f, "breakins");

  g_free (kdh_test_engine_run (&f->t, "g", FALSE));
  g_assert_cmpint (f->t.state, ==, KDH_CONN_RUNNING);
  g_assert_cmpuint (sim_counter_now (f, "breakins"), ==, breakins);
}

/* Runs @line, which must fail; returns the error output it produced. */
static gchar *
run_fails (Fixture     *f,
           const gchar *line)
{
  gsize mark = f->t.errors->len;
  guint token = kdh_engine_execute (f->t.engine, line, NULL);

  g_assert_false (kdh_test_engine_wait_token (&f->t, token, 60));
  return g_strdup (f->t.errors->str + mark);
}

/* Break in while running; the target's break-in counter says it was our
 * byte that stopped it. */
static void
break_in (Fixture *f)
{
  guint64 before = sim_counter_now (f, "breakins");
  guint from = f->t.states->len;

  g_assert_cmpint (f->t.state, ==, KDH_CONN_RUNNING);
  kdh_engine_break (f->t.engine);
  kdh_test_engine_wait_state (&f->t, KDH_CONN_BREAK, 30);
  g_assert_true (kdh_test_engine_saw_state (&f->t, from, KDH_CONN_BREAK));
  /* The target sent the state change before the engine saw it, so the
   * count is final: exactly one stop for it. */
  g_assert_cmpuint (sim_counter_now (f, "breakins"), ==, before + 1);
}

/* One resynchronization; the target must have received a RESET for it. */
static void
resync (Fixture      *f,
        KdhConnState  expected)
{
  guint64 before = sim_counter_now (f, "resets_received");
  guint from = f->t.states->len;
  gsize mark = f->t.output->len;

  g_assert_true (kdh_test_engine_wait_token (&f->t, kdh_engine_resync (f->t.engine), 60));
  g_assert_true (kdh_test_engine_saw_state (&f->t, from, KDH_CONN_RESYNCHRONIZING));
  g_assert_cmpint (f->t.state, ==, expected);
  g_assert_nonnull (strstr (f->t.output->str + mark,
                            "Kernel debugger connection resynchronized.\n"));
  wait_counter (f, "resets_received", before + 1, 10);
}

/* ---- Per transport ----------------------------------------------------- */

/* Attach, version, a pattern read across pages and packets, registers. */
static void
test_session (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  Fixture f;
  g_autofree gchar *version = NULL, *regs = NULL, *options = NULL;
  g_autofree gchar *expected = NULL, *described = NULL;
  g_autoptr (GHashTable) counters = NULL;

  fixture_init (&f, kind, NULL);
  start_and_attach (&f, NULL);

  /* The canonical spelling of what was given. */
  options = kdh_engine_dup_connection_options (f.t.engine);
  switch (kind)
    {
    case KIND_PTY:
      expected = g_strconcat (f.connection, ",baud=115200", NULL);
      described = g_strdup_printf ("Kernel connection: com %s 115200 (Break)\n",
                                   f.connection + strlen ("com:port="));
      break;
    case KIND_PIPE:
      expected = g_strdup (f.connection);
      described = g_strdup_printf ("Kernel connection: pipe %s (Break)\n", f.socket_path);
      break;
    case KIND_TCP:
      expected = g_strdup (f.connection);
      described = g_strdup_printf ("Kernel connection: tcp 127.0.0.1:%u (Break)\n", f.sim_port);
      break;
    case KIND_LISTEN:
      expected = g_strdup_printf ("com:ipport=%u,listen,port=127.0.0.1", f.listen_port);
      described = g_strdup_printf ("Kernel connection: tcp listen 127.0.0.1:%u (Break)\n",
                                   f.listen_port);
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpstr (options, ==, expected);

  version = kdh_test_engine_run (&f.t, "vertarget", FALSE);
  g_assert_nonnull (strstr (version, "Windows 10 Kernel Version 19041 MP (2 procs) Free x64\n"));
  g_assert_nonnull (strstr (version, "Kernel base = 0xfffff800`02000000"));
  g_assert_nonnull (strstr (version, described));

  check_pattern_read (&f);

  regs = kdh_test_engine_run (&f.t, "r", FALSE);
  g_assert_nonnull (strstr (regs, "rip=fffff80002001010 "));
  g_assert_nonnull (strstr (regs, "cs=0010  ss=0018"));
  g_assert_nonnull (strstr (regs, "nt!DbgBreakPointWithStatus:\n"));

  /* The connect procedure of docs/protocol.md §2.7, as the target saw it:
   * at least one RESET, exactly one break-in, no reboot. */
  counters = sim_counters_now (&f);
  g_assert_cmpuint (counter (counters, "resets_received"), >=, 1);
  g_assert_cmpuint (counter (counters, "breakins"), ==, 1);
  g_assert_cmpuint (counter (counters, "reboots"), ==, 0);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

/* Resync while broken in (three times) and while running. */
static void
test_resync (gconstpointer data)
{
  Fixture f;
  guint64 breakins;

  fixture_init (&f, GPOINTER_TO_INT (data), NULL);
  start_and_attach (&f, NULL);

  /* Broken in: RESET only, no break-in byte (it would stay pending and
   * stop the target again later); the state comes back to Break. */
  breakins = sim_counter_now (&f, "breakins");
  for (guint i = 0; i < 3; i++)
    resync (&f, KDH_CONN_BREAK);
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, breakins);
  g_free (kdh_test_engine_run (&f.t, "dq fffff800`00400000 L1", FALSE));

  /* Running: the target is broken into to make it listen, then resumed. */
  go (&f);
  resync (&f, KDH_CONN_RUNNING);
  break_in (&f);
  check_pattern_read (&f);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

/* .restart: closes and reopens the transport and connects as a new
 * debugger would. The simulator is a separate process here, so the target
 * behind the transport is the same one: not rebooted, and still holding
 * what was written to it. Then g and a break-in. */
static void
test_restart (gconstpointer data)
{
  Fixture f;
  guint from;
  gsize mark;
  guint64 resets, breakins;
  g_autofree gchar *rax = NULL;
  g_autoptr (GHashTable) counters = NULL;

  fixture_init (&f, GPOINTER_TO_INT (data), NULL);
  start_and_attach (&f, NULL);
  g_free (kdh_test_engine_run (&f.t, "r rax=1234`5678abcd", FALSE));
  counters = sim_counters_now (&f);
  resets = counter (counters, "resets_received");
  breakins = counter (counters, "breakins");
  g_clear_pointer (&counters, g_hash_table_unref);

  from = f.t.states->len;
  mark = f.t.output->len;
  g_free (kdh_test_engine_run (&f.t, ".restart", FALSE));
  g_assert_true (kdh_test_engine_saw_state (&f.t, from, KDH_CONN_RESTARTING));
  g_assert_true (kdh_test_engine_saw_state (&f.t, from, KDH_CONN_OPENING));
  g_assert_true (kdh_test_engine_saw_state (&f.t, from, KDH_CONN_SYNCHRONIZING));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  assert_banner (f.t.output->str + mark);
  g_assert_null (strstr (f.t.output->str + mark, "The target rebooted"));

  counters = sim_counters_now (&f);
  g_assert_cmpuint (counter (counters, "resets_received"), >=, resets + 1);
  g_assert_cmpuint (counter (counters, "reboots"), ==, 0);
  /* Stopped all along: nothing it could have broken in on. */
  g_assert_cmpuint (counter (counters, "breakins"), ==, breakins);
  rax = kdh_test_engine_run (&f.t, "r rax", FALSE);
  g_assert_nonnull (strstr (rax, "rax=000012345678abcd"));
  check_pattern_read (&f);

  /* The restart knew the target was stopped and sent it no break-in
   * byte, which would have stayed pending there: g runs it. */
  go (&f);
  break_in (&f);
  g_free (kdh_test_engine_run (&f.t, "dq fffff800`00400000 L1", FALSE));
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

static gboolean
output_contains (gpointer data)
{
  gpointer *args = data;
  KdhTestEngine *t = args[0];

  return strstr (t->output->str + GPOINTER_TO_SIZE (args[1]), args[2]) != NULL;
}

/* A new debugger attaches to a target another one left stopped. It cannot
 * know that, so its break-in byte stays pending in the target, which
 * stops again at its first poll after g (docs/protocol.md §2.7, cautions).
 * The engine recognises that stop, says so and resumes it: the user's g
 * runs the target. A break-in of the user's own still stops it. */
static void
test_attach_to_stopped (void)
{
  Fixture f;
  guint64 breakins;
  gsize mark;
  gpointer args[3];

  fixture_init (&f, KIND_PIPE, NULL);
  start_and_attach (&f, NULL);
  g_assert_true (kdh_test_engine_wait_token (&f.t, kdh_engine_detach (f.t.engine), 30));
  breakins = sim_counter_now (&f, "breakins");

  mark = f.t.output->len;
  kdh_test_engine_attach (&f.t, f.connection);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, breakins);

  g_free (kdh_test_engine_run (&f.t, "g", FALSE));
  args[0] = &f.t;
  args[1] = GSIZE_TO_POINTER (mark);
  args[2] = "that the connection's break-in byte had left pending";
  kdh_test_run_until (output_contains, args, 30, "the pending break-in to be resumed");
  /* The target did stop for it, once, and was resumed. */
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, breakins + 1);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_RUNNING, 30);
  break_in (&f);
  go (&f);
  break_in (&f);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

/* The same, with a resync between the attach and the Continue: the resync
 * of a stopped target sends no break-in byte, and the one the attach left
 * pending is still the target's; it must still be recognised (the fault
 * matrix met this as a stop nobody asked for). */
static void
test_attach_to_stopped_then_resync (void)
{
  Fixture f;
  guint64 breakins;
  gsize mark;
  gpointer args[3];

  fixture_init (&f, KIND_PIPE, NULL);
  start_and_attach (&f, NULL);
  g_assert_true (kdh_test_engine_wait_token (&f.t, kdh_engine_detach (f.t.engine), 30));
  breakins = sim_counter_now (&f, "breakins");

  mark = f.t.output->len;
  kdh_test_engine_attach (&f.t, f.connection);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  g_assert_true (kdh_test_engine_wait_token (&f.t, kdh_engine_resync (f.t.engine), 30));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);

  g_free (kdh_test_engine_run (&f.t, "g", FALSE));
  args[0] = &f.t;
  args[1] = GSIZE_TO_POINTER (mark);
  args[2] = "that the connection's break-in byte had left pending";
  kdh_test_run_until (output_contains, args, 30, "the pending break-in to be resumed");
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, breakins + 1);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_RUNNING, 30);
  break_in (&f);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

/* .restart while the target runs: the new connection has to break in,
 * and ends in Break; no break-in is left over for later. */
static void
test_restart_running (gconstpointer data)
{
  Fixture f;
  guint64 breakins;
  gsize mark;

  fixture_init (&f, GPOINTER_TO_INT (data), NULL);
  start_and_attach (&f, NULL);
  go (&f);
  breakins = sim_counter_now (&f, "breakins");
  mark = f.t.output->len;
  g_free (kdh_test_engine_run (&f.t, ".restart", FALSE));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  assert_banner (f.t.output->str + mark);
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, breakins + 1);
  check_pattern_read (&f);
  go (&f);
  break_in (&f);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

/* ---- Reboots ----------------------------------------------------------- */

typedef struct {
  Fixture *f;
  gsize mark;
  const gchar *text;
} OutputWait;

static gboolean
output_has (gpointer data)
{
  OutputWait *w = data;

  return strstr (w->f->t.output->str + w->mark, w->text) != NULL;
}

/* Output that follows an event the test waited for, or that comes with
 * no command to wait for. */
static void
wait_output (Fixture     *f,
             gsize        mark,
             const gchar *text)
{
  OutputWait w = { f, mark, text };
  g_autofree gchar *what = g_strdup_printf ("output '%s'", text);

  kdh_test_run_until (output_has, &w, 30, what);
}

static gboolean
saw_reboot (gpointer data)
{
  Fixture *f = data;

  return strstr (f->t.output->str, "The target rebooted: ") != NULL;
}

static gboolean
at_break_prompt (gpointer data)
{
  KdhTestEngine *t = data;

  return t->ready && g_strcmp0 (t->prompt, "0: kd> ") == 0;
}

/* --reboot-after=N: the target reboots by itself after its Nth packet. N
 * is more than an attach takes (checked), and reads are issued one at a
 * time until it happens. */
#define REBOOT_AFTER 40

static void
test_reboot_after (void)
{
  Fixture f;
  const gchar *const args[] = { "--reboot-after=" G_STRINGIFY (REBOOT_AFTER), NULL };
  g_autoptr (GHashTable) counters = NULL;
  guint reads = 0;
  gboolean failed_by_reboot = FALSE;
  guint states_mark;
  gsize mark;

  fixture_init (&f, KIND_PIPE, NULL);
  start_and_attach (&f, args);
  counters = sim_counters_now (&f);
  g_assert_cmpuint (counter (counters, "reboots"), ==, 0);
  g_assert_cmpuint (counter (counters, "packets_sent"), <, REBOOT_AFTER);
  g_clear_pointer (&counters, g_hash_table_unref);

  /* The read whose reply is the Nth packet gets it; the next one meets a
   * rebooting target and fails, saying why. */
  mark = f.t.output->len;
  states_mark = f.t.states->len;
  while (!saw_reboot (&f) && f.t.state == KDH_CONN_BREAK)
    {
      g_autofree gchar *out = kdh_test_engine_run (&f.t, "dq fffff800`00400000 L1", TRUE);

      g_assert_cmpuint (++reads, <=, REBOOT_AFTER);
      /* The rebooting target runs: the failed command ends on a prompt
       * that takes no command, not on the old stop's. */
      if (strstr (out, "The target rebooted while ReadVirtualMemory was in progress.") != NULL)
        {
          g_assert_false (f.t.ready_at_done);
          failed_by_reboot = TRUE;
        }
    }
  wait_output (&f, mark, "The target rebooted: its first packet carried the SYNC id bit. "
                        "Cached target state was dropped.\n");
  g_assert_true (failed_by_reboot);
  /* The initial break is on (the default, kd -b): once the kernel's
   * first stop has been continued the debugger breaks in, as KD does
   * after a reboot. */
  wait_output (&f, mark, "Break instruction exception - code 80000003 (first chance)\n");
  kdh_test_engine_wait_state (&f.t, KDH_CONN_BREAK, 30);
  g_assert_true (kdh_test_engine_saw_state (&f.t, states_mark, KDH_CONN_RUNNING));
  g_assert_nonnull (strstr (f.t.output->str + mark,
                            "Module loaded: \\SystemRoot\\system32\\ntoskrnl.exe"));
  g_assert_nonnull (strstr (f.t.output->str + mark, "Kernel Debugger connection established.\n"));
  g_assert_true (strstr (f.t.output->str + mark, "Module loaded: ")
                 < strstr (f.t.output->str + mark, "Break instruction exception"));
  /* The prompt comes after the state. */
  kdh_test_run_until (at_break_prompt, &f.t, 30, "the break's prompt");
  counters = sim_counters_now (&f);
  g_assert_cmpuint (counter (counters, "reboots"), ==, 1);
  /* The attach's, then the reboot's (more if a slow target made the
   * session send its byte again). */
  g_assert_cmpuint (counter (counters, "breakins"), >=, 2);

  check_pattern_read (&f);
  fixture_clear (&f);
}

/* .reboot over a socket with the initial break off: the debugger says
 * so and ends Running. */
static void
test_reboot_command (void)
{
  Fixture f;
  gsize mark;

  fixture_init (&f, KIND_TCP, NULL);
  start_and_attach (&f, NULL);
  kdh_engine_set_initial_break (f.t.engine, FALSE);
  mark = f.t.output->len;
  g_free (kdh_test_engine_run (&f.t, ".reboot", FALSE));
  wait_output (&f, mark, "The target rebooted: ");
  kdh_test_engine_wait_state (&f.t, KDH_CONN_RUNNING, 30);
  g_assert_nonnull (strstr (f.t.output->str + mark,
                            "Module loaded: \\SystemRoot\\system32\\ntoskrnl.exe"));
  g_assert_nonnull (strstr (f.t.output->str + mark, "Kernel Debugger connection established.\n"));
  g_assert_cmpuint (sim_counter_now (&f, "reboots"), ==, 1);
  g_assert_null (strstr (f.t.output->str + mark, "Break instruction exception"));
  break_in (&f);
  check_pattern_read (&f);
  fixture_clear (&f);
}

/* ---- Losing the pipe --------------------------------------------------- */

static void
kill_sim (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_force_exit (f->sim);
  g_assert_true (g_subprocess_wait (f->sim, NULL, &error));
  g_assert_no_error (error);
}

/* Why the pipe went: the simulator was killed, so the socket either
 * reads its end, or is reset when the simulator died with bytes of ours
 * unread (Linux's Unix sockets do that). Either way the reason names the
 * pipe. */
static void
assert_pipe_lost (Fixture     *f,
                  const gchar *text)
{
  g_autofree gchar *closed = g_strdup_printf ("pipe %s was closed by the other end",
                                              f->socket_path);
  g_autofree gchar *reset = g_strdup_printf ("pipe %s failed: Connection reset by peer",
                                             f->socket_path);

  if (!g_str_has_prefix (text, closed) && !g_str_has_prefix (text, reset))
    g_error ("unexpected reason for the lost pipe: '%s'", text);
}

typedef struct {
  Fixture *f;
  guint from;
} StateWait;

static gboolean
connected_since (gpointer data)
{
  StateWait *w = data;

  return w->f->t.states->len > w->from && kdh_conn_state_connected (w->f->t.state);
}

/* ,reconnect: the simulator dies and a new one comes up on the same path,
 * as a VM restarted with the same serial pipe. The engine waits for the
 * pipe, reconnects by itself and resynchronizes.
 *
 * Behind the pipe is a new target (a new process), running and deaf to
 * RESET, so the engine has to break in. It then leaves the target as it
 * last knew it: stopped (@running FALSE) ends in Break, with the new
 * target's break-in stop shown; running ends in Running, the break-in
 * undone. Either way the new target's first packet carries the SYNC bit,
 * which the engine reports as a reboot. */
static void
test_pipe_reconnect (gconstpointer data)
{
  gboolean running = GPOINTER_TO_INT (data);
  Fixture f;
  StateWait w = { &f, 0 };
  const gchar *reason;
  g_autofree gchar *waiting = NULL, *refused = NULL, *expected = NULL;
  const gchar *lost;
  gsize mark;

  fixture_init (&f, KIND_PIPE, ",reconnect");
  start_and_attach (&f, NULL);
  if (running)
    go (&f);

  mark = f.t.output->len;
  kill_sim (&f);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_WAITING, 30);
  reason = g_ptr_array_index (f.t.reasons, f.t.reasons->len - 1);
  waiting = g_strdup_printf ("waiting to reconnect to %s", f.socket_path);
  g_assert_cmpstr (reason, ==, waiting);
  lost = strstr (f.t.errors->str, "Kernel connection lost: ");
  g_assert_nonnull (lost);
  assert_pipe_lost (&f, lost + strlen ("Kernel connection lost: "));
  /* Meanwhile a command fails at once, and says why. */
  refused = run_fails (&f, "dq fffff800`00400000 L1");
  expected = g_strdup_printf ("The target is not connected (Waiting for target: %s).\n", waiting);
  g_assert_cmpstr (refused, ==, expected);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_WAITING);

  w.from = f.t.states->len;
  start_sim (&f, NULL);
  kdh_test_run_until (connected_since, &w, 60, "the engine to reconnect");
  g_assert_true (kdh_test_engine_saw_state (&f.t, w.from, KDH_CONN_RESYNCHRONIZING));
  g_assert_cmpint (f.t.state, ==, running ? KDH_CONN_RUNNING : KDH_CONN_BREAK);
  g_assert_nonnull (strstr (f.t.output->str + mark, "Opened pipe "));
  g_assert_nonnull (strstr (f.t.output->str + mark, "The target rebooted: "));
  g_assert_nonnull (strstr (f.t.output->str + mark, "Kernel Debugger connection established.\n"));
  /* Said after the state changed. */
  wait_output (&f, mark, "Kernel debugger connection resynchronized.\n");
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, 1);

  if (running)
    break_in (&f);
  check_pattern_read (&f);
  fixture_clear (&f);
}

/* Without ,reconnect the connection is lost for good, with a reason, and
 * .restart reconnects once a target is back. */
static void
test_pipe_lost (void)
{
  Fixture f;
  g_autofree gchar *refused = NULL, *expected = NULL;
  const gchar *reason;
  gsize mark;

  fixture_init (&f, KIND_PIPE, NULL);
  start_and_attach (&f, NULL);
  kill_sim (&f);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_LOST, 30);
  reason = g_ptr_array_index (f.t.reasons, f.t.reasons->len - 1);
  assert_pipe_lost (&f, reason);
  g_assert_true (g_str_has_suffix (reason, "; use .restart to reconnect"));
  g_assert_nonnull (strstr (f.t.errors->str, reason));

  refused = run_fails (&f, "dq fffff800`00400000 L1");
  expected = g_strdup_printf ("The target is not connected (Lost: %s).\n", reason);
  g_assert_cmpstr (refused, ==, expected);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_LOST);

  start_sim (&f, NULL);
  mark = f.t.output->len;
  g_free (kdh_test_engine_run (&f.t, ".restart", FALSE));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  assert_banner (f.t.output->str + mark);
  check_pattern_read (&f);
  fixture_clear (&f);
}

/* ---- Losing the serial adapter ----------------------------------------- */

/* The pty stands for a USB serial adapter; the connection string names a
 * symlink to it, as /dev/ttyUSB0 names whatever adapter is plugged in.
 * Pulling the adapter out removes the name first, then the line. */
static void
unplug (Fixture *f)
{
  g_assert_cmpint (g_unlink (f->device_link), ==, 0);
  kill_sim (f);
}

/* ,reconnect on a serial port: the adapter goes, the engine says why and
 * waits for it; it comes back under the same name, with a new target
 * behind it, and the engine reopens it and resynchronizes by itself,
 * ending as the pipe does (see test_pipe_reconnect). */
static void
test_pty_reconnect (gconstpointer data)
{
  gboolean running = GPOINTER_TO_INT (data);
  Fixture f;
  StateWait w = { &f, 0 };
  g_autofree gchar *waiting = NULL, *lost = NULL, *opened = NULL, *refused = NULL;
  g_autofree gchar *expected = NULL;
  gsize mark;

  fixture_init (&f, KIND_PTY, ",reconnect");
  f.device_link = g_build_filename (f.t.tmpdir, "ttyFAKE", NULL);
  start_and_attach (&f, NULL);
  if (running)
    go (&f);

  mark = f.t.output->len;
  unplug (&f);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_WAITING, 30);
  waiting = g_strdup_printf ("waiting for %s to come back", f.device_link);
  g_assert_cmpstr (g_ptr_array_index (f.t.reasons, f.t.reasons->len - 1), ==, waiting);
  lost = g_strdup_printf ("Kernel connection lost: serial port %s failed: Input/output error\n",
                          f.device_link);
  g_assert_nonnull (strstr (f.t.errors->str, lost));
  refused = run_fails (&f, "dq fffff800`00400000 L1");
  expected = g_strdup_printf ("The target is not connected (Waiting for target: %s).\n", waiting);
  g_assert_cmpstr (refused, ==, expected);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_WAITING);

  /* Plugged in again. */
  w.from = f.t.states->len;
  start_sim (&f, NULL);
  kdh_test_run_until (connected_since, &w, 60, "the engine to reopen the serial port");
  g_assert_true (kdh_test_engine_saw_state (&f.t, w.from, KDH_CONN_RESYNCHRONIZING));
  g_assert_cmpint (f.t.state, ==, running ? KDH_CONN_RUNNING : KDH_CONN_BREAK);
  opened = g_strdup_printf ("Opened com %s 115200\n", f.device_link);
  g_assert_nonnull (strstr (f.t.output->str + mark, opened));
  g_assert_nonnull (strstr (f.t.output->str + mark, "Kernel Debugger connection established.\n"));
  wait_output (&f, mark, "Kernel debugger connection resynchronized.\n");
  g_assert_cmpuint (sim_counter_now (&f, "breakins"), ==, 1);

  if (running)
    break_in (&f);
  check_pattern_read (&f);
  fixture_clear (&f);
}

/* Without ,reconnect: Lost, naming the device and why; .restart opens it
 * again once it is back. */
static void
test_pty_lost (void)
{
  Fixture f;
  g_autofree gchar *failed = NULL;
  const gchar *reason;
  gsize mark;

  fixture_init (&f, KIND_PTY, NULL);
  f.device_link = g_build_filename (f.t.tmpdir, "ttyFAKE", NULL);
  start_and_attach (&f, NULL);
  unplug (&f);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_LOST, 30);
  reason = g_ptr_array_index (f.t.reasons, f.t.reasons->len - 1);
  failed = g_strdup_printf ("serial port %s failed: Input/output error; "
                            "use .restart to reconnect", f.device_link);
  g_assert_cmpstr (reason, ==, failed);
  g_assert_nonnull (strstr (f.t.errors->str, reason));

  start_sim (&f, NULL);
  mark = f.t.output->len;
  g_free (kdh_test_engine_run (&f.t, ".restart", FALSE));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  assert_banner (f.t.output->str + mark);
  check_pattern_read (&f);
  fixture_clear (&f);
}

/* ---- A target that repeats its stop ------------------------------------ */

/* Between the engine and kdhost-sim, forwarding every byte, and able to
 * slip a RESEND to the target as if the host had sent it. A stopped
 * target answers a RESEND by sending its state change again
 * (docs/protocol.md §2.2); a host sends one for any damaged packet, even a
 * copy of one it already has, so on a faulty line this happens at
 * random (faults/seed-33 usually). Here it happens on cue. */
typedef struct {
  int listen_fd;
  int host_fd;                  /* the engine's connection */
  int target_fd;                /* ours to kdhost-sim */
  guint listen_id, host_id, target_id;
  KdhPacketParser *from_host;   /* copies of the streams, to see packets */
  KdhPacketParser *from_target;
  gboolean armed;               /* hold the next request, RESEND first */
  gboolean holding;
  GByteArray *held;             /* host bytes held back meanwhile */
  guint state_changes;          /* STATE_CHANGE64 packets passed on to the host */
  guint host_acks;              /* ACKs from the host */
  gboolean target_waits;        /* a data packet of the target, no ACK since */
  guint resends;                /* RESENDs slipped in */
} Proxy;

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      data += n;
      len -= (gsize) n;
    }
}

static void
proxy_inject_resend (Proxy *p)
{
  g_autoptr (GByteArray) packet = g_byte_array_new ();

  kdh_packet_write_control (packet, KDH_PACKET_TYPE_RESEND, 0);
  write_all (p->target_fd, packet->data, packet->len);
  p->resends++;
}

static gboolean
on_proxy_host (gint         fd,
               GIOCondition condition,
               gpointer     data)
{
  Proxy *p = data;
  guint8 buf[65536];
  gssize n = read (fd, buf, sizeof buf);
  KdhParseEvent ev;

  if (n <= 0)
    {
      p->host_id = 0;
      return G_SOURCE_REMOVE;
    }
  kdh_packet_parser_feed (p->from_host, buf, (gsize) n);
  if (p->armed)
    g_byte_array_append (p->held, buf, (gsize) n);
  else
    write_all (p->target_fd, buf, (gsize) n);
  while (kdh_packet_parser_next (p->from_host, &ev))
    {
      if (ev.kind != KDH_PARSE_PACKET)
        continue;
      if (ev.header.control && ev.header.type == KDH_PACKET_TYPE_ACKNOWLEDGE)
        {
          p->host_acks++;
          p->target_waits = FALSE;
        }
      if (p->armed && !p->holding && !ev.header.control
          && ev.header.type == KDH_PACKET_TYPE_STATE_MANIPULATE)
        {
          p->holding = TRUE;
          proxy_inject_resend (p);
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_proxy_target (gint         fd,
                 GIOCondition condition,
                 gpointer     data)
{
  Proxy *p = data;
  guint8 buf[65536];
  gssize n = read (fd, buf, sizeof buf);
  KdhParseEvent ev;

  if (n <= 0)
    {
      p->target_id = 0;
      return G_SOURCE_REMOVE;
    }
  write_all (p->host_fd, buf, (gsize) n);
  kdh_packet_parser_feed (p->from_target, buf, (gsize) n);
  while (kdh_packet_parser_next (p->from_target, &ev))
    {
      if (ev.kind == KDH_PARSE_PACKET && !ev.header.control)
        p->target_waits = TRUE;
      if (ev.kind != KDH_PARSE_PACKET || ev.header.type != KDH_PACKET_TYPE_STATE_CHANGE64)
        continue;
      {
        p->state_changes++;
        /* The state change is on its way to the host: now the request,
         * which the target receives while it waits for that packet's
         * acknowledgement. */
        if (p->holding)
          {
            write_all (p->target_fd, p->held->data, p->held->len);
            g_byte_array_set_size (p->held, 0);
            p->holding = p->armed = FALSE;
          }
      }
    }
  return G_SOURCE_CONTINUE;
}

static int
unix_socket (const gchar *path,
             gboolean     listening)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (strlen (path), <, sizeof addr.sun_path);
  strcpy (addr.sun_path, path);
  if (listening)
    {
      g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
      g_assert_cmpint (listen (fd, 1), ==, 0);
    }
  else
    g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  return fd;
}

static gboolean
on_proxy_accept (gint         fd,
                 GIOCondition condition,
                 gpointer     data)
{
  Proxy *p = data;

  p->host_fd = accept (fd, NULL, NULL);
  g_assert_cmpint (p->host_fd, >=, 0);
  p->host_id = g_unix_fd_add (p->host_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_proxy_host, p);
  p->target_id = g_unix_fd_add (p->target_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_proxy_target,
                                p);
  p->listen_id = 0;
  return G_SOURCE_REMOVE;
}

/* Listens on @path for the engine; connects to the simulator at
 * @target_path when the engine comes. */
static Proxy *
proxy_new (const gchar *path,
           const gchar *target_path)
{
  Proxy *p = g_new0 (Proxy, 1);

  p->host_fd = -1;
  p->listen_fd = unix_socket (path, TRUE);
  p->target_fd = unix_socket (target_path, FALSE);
  p->listen_id = g_unix_fd_add (p->listen_fd, G_IO_IN, on_proxy_accept, p);
  p->from_host = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE_LENIENT);
  p->from_target = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE_LENIENT);
  p->held = g_byte_array_new ();
  return p;
}

static void
proxy_free (Proxy *p)
{
  if (p->listen_id)
    g_source_remove (p->listen_id);
  if (p->host_id)
    g_source_remove (p->host_id);
  if (p->target_id)
    g_source_remove (p->target_id);
  close (p->listen_fd);
  if (p->host_fd >= 0)
    close (p->host_fd);
  close (p->target_fd);
  kdh_packet_parser_free (p->from_host);
  kdh_packet_parser_free (p->from_target);
  g_byte_array_unref (p->held);
  g_free (p);
}

typedef struct {
  Proxy *p;
  guint state_changes;
  guint host_acks;
} ProxyWait;

/* The target's last packet acknowledged, through the proxy: the target
 * waits for nothing, so a RESEND now gets its state change (one that
 * still waited for an ACK would send that packet again instead). */
static gboolean
proxy_all_acknowledged (gpointer data)
{
  Proxy *p = data;

  return !p->target_waits;
}

static gboolean
proxy_counts_reached (gpointer data)
{
  ProxyWait *w = data;

  return w->p->state_changes >= w->state_changes && w->p->host_acks >= w->host_acks;
}

/* The stopped target sends its state change again: once while the engine
 * is idle at Break, once while a read is under way. The engine reports
 * no new stop either time, and the read, whose request the target
 * received while it waited for the acknowledgement of that packet (and
 * so asked for again, docs/protocol.md §2.2), is issued again until
 * answered rather than failing. */
static void
test_resend_while_stopped (void)
{
  Fixture f;
  Proxy *p;
  g_autofree gchar *proxy_path = NULL, *connection = NULL;
  g_autofree gchar *rip = NULL, *read = NULL;
  ProxyWait w;
  gsize mark;

  fixture_init (&f, KIND_PIPE, NULL);
  start_sim (&f, NULL);
  proxy_path = g_build_filename (f.t.tmpdir, "proxy.sock", NULL);
  p = proxy_new (proxy_path, f.socket_path);
  connection = g_strdup_printf ("com:pipe,port=%s", proxy_path);
  kdh_test_engine_attach (&f.t, connection);
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);

  /* Idle: the engine acknowledges the packet (and has then handled it)
   * before it sends anything else. */
  mark = f.t.output->len;
  kdh_test_run_until (proxy_all_acknowledged, p, 30, "the attach's last reply acknowledged");
  w = (ProxyWait) { p, p->state_changes + 1, p->host_acks + 1 };
  proxy_inject_resend (p);
  kdh_test_run_until (proxy_counts_reached, &w, 30, "the state change sent again, acknowledged");
  rip = kdh_test_engine_run (&f.t, "r rip", FALSE);
  g_assert_cmpstr (rip, ==, "rip=fffff80002001010\n");
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);

  /* During a read. */
  w = (ProxyWait) { p, p->state_changes + 1, 0 };
  p->armed = TRUE;
  read = kdh_test_engine_run (&f.t, "dq fffff800`00400000 L2", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (read), ==, 2);
  g_assert_true (proxy_counts_reached (&w));
  g_assert_false (p->armed);
  g_assert_cmpuint (p->resends, ==, 2);

  g_assert_null (strstr (f.t.output->str + mark, "Break instruction exception"));
  g_assert_cmpint (f.t.state, ==, KDH_CONN_BREAK);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  check_pattern_read (&f);
  fixture_clear (&f);
  proxy_free (p);
}

/* ---- A rate-limited serial line ---------------------------------------- */

/* 115200 baud on a pty: about 11.5 KB/s, so 64 KiB takes seconds. Only
 * correctness is checked, no timing. */
static void
test_pty_115200 (void)
{
  Fixture f;
  const gchar *const args[] = { "--baud=115200", NULL };
  g_autofree gchar *out = NULL;

  fixture_init (&f, KIND_PTY, ",baud=115200");
  start_and_attach (&f, args);
  out = kdh_test_engine_run (&f.t, "dq fffff800`00400000 L2000", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, 0x2000);
  g_assert_cmpstr (f.t.errors->str, ==, "");
  fixture_clear (&f);
}

/* ---- Faults on a real socket ------------------------------------------- */

#define FAULT_PRINTS 300

static gboolean
enough_prints (gpointer data)
{
  Fixture *f = data;

  return kdh_test_check_dbgprint_sequence (f->t.target_output->str, 0) >= FAULT_PRINTS;
}

/* Dropped, garbled and repeated bytes (docs/protocol.md §2): the session
 * attaches, reads 256 KiB correctly, and every DbgPrint line arrives
 * exactly once and in order. */
static void
test_faults (gconstpointer data)
{
  guint seed = GPOINTER_TO_UINT (data);
  Fixture f;
  g_autofree gchar *seed_arg = g_strdup_printf ("--seed=%u", seed);
  const gchar *const args[] = {
    "--drop=0.01", "--corrupt=0.01", "--dup=0.01", seed_arg, "--dbgprint-rate=0", NULL
  };
  g_autofree gchar *out = NULL;
  g_autoptr (GHashTable) counters = NULL;

  fixture_init (&f, KIND_PIPE, NULL);
  start_and_attach (&f, args);
  out = kdh_test_engine_run (&f.t, "dq fffff800`00400000 L8000", FALSE);
  g_assert_cmpuint (kdh_test_check_pattern_dump (out), ==, 0x8000);

  go (&f);
  kdh_test_run_until (enough_prints, &f, 120, G_STRINGIFY (FAULT_PRINTS) " DbgPrint lines");
  kdh_engine_break (f.t.engine);
  kdh_test_engine_wait_state (&f.t, KDH_CONN_BREAK, 60);
  /* The whole sequence again, with whatever came before the stop. */
  g_assert_cmpuint (kdh_test_check_dbgprint_sequence (f.t.target_output->str, 0), >=,
                    FAULT_PRINTS);

  counters = sim_counters_now (&f);
  g_assert_cmpuint (counter (counters, "prints_dropped"), ==, 0);
  g_assert_cmpuint (counter (counters, "prints"), >=, FAULT_PRINTS);
  /* The faults did happen and were recovered from. */
  g_assert_cmpuint (counter (counters, "retransmits") + counter (counters, "resends_received"),
                    >, 0);
  g_free (kdh_test_engine_run (&f.t, "dq fffff800`00400000 L1", FALSE));
  fixture_clear (&f);
}

int
main (int    argc,
      char **argv)
{
  static const struct {
    const gchar *name;
    GTestDataFunc func;
  } per_kind[] = {
    { "session", test_session },
    { "resync", test_resync },
    { "restart", test_restart },
    { "restart-running", test_restart_running },
  };
  /* 33 usually has the target resend its state change for a RESEND that
   * was meant for a damaged duplicate, in the middle of a read: the read
   * must be issued again and the repeated stop not reported. */
  static const guint seeds[] = { 3, 7, 11, 33 };

  g_test_init (&argc, &argv, NULL);
  for (Kind kind = KIND_PTY; kind <= KIND_LISTEN; kind++)
    for (guint i = 0; i < G_N_ELEMENTS (per_kind); i++)
      {
        g_autofree gchar *path = g_strdup_printf ("/engine/transport-sim/%s/%s",
                                                  kind_names[kind], per_kind[i].name);

        g_test_add_data_func (path, GINT_TO_POINTER (kind), per_kind[i].func);
      }
  g_test_add_data_func ("/engine/transport-sim/pipe/reconnect-break", GINT_TO_POINTER (FALSE),
                        test_pipe_reconnect);
  g_test_add_data_func ("/engine/transport-sim/pipe/reconnect-running", GINT_TO_POINTER (TRUE),
                        test_pipe_reconnect);
  g_test_add_func ("/engine/transport-sim/pipe/lost", test_pipe_lost);
  g_test_add_func ("/engine/transport-sim/pipe/attach-to-stopped", test_attach_to_stopped);
  g_test_add_func ("/engine/transport-sim/pipe/attach-to-stopped-then-resync",
                   test_attach_to_stopped_then_resync);
  g_test_add_func ("/engine/transport-sim/pipe/resend-while-stopped", test_resend_while_stopped);
  g_test_add_data_func ("/engine/transport-sim/pty/reconnect-break", GINT_TO_POINTER (FALSE),
                        test_pty_reconnect);
  g_test_add_data_func ("/engine/transport-sim/pty/reconnect-running", GINT_TO_POINTER (TRUE),
                        test_pty_reconnect);
  g_test_add_func ("/engine/transport-sim/pty/lost", test_pty_lost);
  g_test_add_func ("/engine/transport-sim/pty/115200", test_pty_115200);
  g_test_add_func ("/engine/transport-sim/reboot/after-n-packets", test_reboot_after);
  g_test_add_func ("/engine/transport-sim/reboot/command", test_reboot_command);
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/engine/transport-sim/faults/seed-%u", seeds[i]);

      g_test_add_data_func (path, GUINT_TO_POINTER (seeds[i]), test_faults);
    }
  return g_test_run ();
}
