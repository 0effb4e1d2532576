/* test-sim-server.c: the simulated target on real descriptors
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small host (a KdhLink pumped by the main loop over a non-blocking
 * descriptor) talks to KdhSimServer and KdhSimThread over socket pairs,
 * and to the kdhost-sim executable over a Unix socket, TCP (both ways)
 * and a pseudo-terminal. Every wait is bounded and fails the test when it
 * runs out; nothing sleeps for a fixed time.
 */
#define _GNU_SOURCE   /* posix_openpt(), O_CLOEXEC with open() */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "kdh-test-wait.h"
#include "kd/kdh-dbgkd.h"
#include "kd/kdh-link.h"
#include "kdh-sim-kernel.h"
#include "kdh-sim-server.h"

#define WAIT_SECONDS 10

/* ---- Bounded waiting ---------------------------------------------------- */

typedef gboolean (*Predicate) (gpointer data);

static gboolean
wait_until (Predicate pred,
            gpointer  data)
{
  return kdh_test_wait (pred, data, WAIT_SECONDS);
}

#define WAIT_FOR(pred, data) g_assert_true (wait_until ((Predicate) (pred), (data)))

/* ---- A host on a descriptor --------------------------------------------- */

typedef struct {
  guint16 type;
  GBytes *payload;
} Packet;

typedef struct {
  GSource parent;
  gpointer host;
} HostSource;

typedef struct {
  int fd;
  KdhLink *link;
  GSource *source;
  gpointer tag;
  GByteArray *out;
  gboolean eof;
  GQueue packets;              /* Packet *, DbgPrints excepted */
  guint prints;
  guint synced;
} Host;

static void
packet_free (gpointer data)
{
  Packet *p = data;

  g_bytes_unref (p->payload);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Packet, packet_free)

static void
host_handle_events (Host *h)
{
  KdhLinkEvent ev;

  while (kdh_link_next_event (h->link, &ev))
    {
      if (ev.kind == KDH_LINK_EVENT_TRACE)
        g_printerr ("%.3f %s %s %08x %s len %u\n", g_get_monotonic_time () / 1e6,
                    ev.trace.outgoing ? "host>" : "host<",
                    kdh_packet_type_name (ev.trace.header.type), ev.trace.header.id,
                    kdh_trace_verdict_name (ev.trace.verdict), ev.trace.header.byte_count);
      if (ev.kind == KDH_LINK_EVENT_SYNCED)
        h->synced++;
      else if (ev.kind == KDH_LINK_EVENT_PACKET && ev.packet_type == KDH_PACKET_TYPE_DEBUG_IO)
        h->prints++;
      else if (ev.kind == KDH_LINK_EVENT_PACKET)
        {
          Packet *p = g_new0 (Packet, 1);

          p->type = ev.packet_type;
          p->payload = g_bytes_ref (ev.payload);
          g_queue_push_tail (&h->packets, p);
        }
      kdh_link_event_clear (&ev);
    }
}

static void
host_hang_up (Host *h)
{
  h->eof = TRUE;
  if (h->tag != NULL)
    g_source_remove_unix_fd (h->source, h->tag);
  h->tag = NULL;
}

/* Writes what the link has to say and re-arms the descriptor and timer. */
static void
host_kick (Host *h)
{
  gint64 now = g_get_monotonic_time ();

  if (kdh_link_next_deadline (h->link) <= now)
    kdh_link_tick (h->link, now);
  kdh_link_take_output (h->link, h->out);
  while (h->tag != NULL && h->out->len > 0)
    {
      ssize_t n = write (h->fd, h->out->data, h->out->len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n < 0)
        {
          host_hang_up (h);
          break;
        }
      g_byte_array_remove_range (h->out, 0, (guint) n);
    }
  if (h->tag != NULL)
    g_source_modify_unix_fd (h->source, h->tag, G_IO_IN | (h->out->len ? G_IO_OUT : 0));
  host_handle_events (h);
  g_source_set_ready_time (h->source, kdh_link_next_deadline (h->link) == G_MAXINT64
                                      ? -1 : kdh_link_next_deadline (h->link));
}

static gboolean
host_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  Host *h = ((HostSource *) source)->host;

  if (h->tag != NULL
      && (g_source_query_unix_fd (source, h->tag) & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    {
      guint8 buf[65536];
      ssize_t n = read (h->fd, buf, sizeof buf);

      if (n > 0)
        kdh_link_receive (h->link, buf, (gsize) n, g_get_monotonic_time ());
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        host_hang_up (h);
    }
  host_kick (h);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs host_source_funcs = { NULL, NULL, host_dispatch, NULL, NULL, NULL };

/* @baud: the line rate the target throttles to, so that the link's
 * timeouts allow for it (0: a socket). */
static Host *
host_new_full (int   fd,
               guint baud)
{
  Host *h = g_new0 (Host, 1);
  KdhLinkConfig config;

  g_assert_cmpint (fd, >=, 0);
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  h->fd = fd;
  kdh_link_config_init (&config, baud);
  h->link = kdh_link_new (&config);
  kdh_link_set_trace (h->link, g_getenv ("KDH_TEST_TRACE") != NULL);
  h->out = g_byte_array_new ();
  g_queue_init (&h->packets);
  h->source = g_source_new (&host_source_funcs, sizeof (HostSource));
  ((HostSource *) h->source)->host = h;
  h->tag = g_source_add_unix_fd (h->source, fd, G_IO_IN);
  g_source_attach (h->source, NULL);
  return h;
}

static Host *
host_new (int fd)
{
  return host_new_full (fd, 0);
}

static void
host_free (Host *h)
{
  g_source_destroy (h->source);
  g_source_unref (h->source);
  close (h->fd);
  kdh_link_free (h->link);
  g_byte_array_unref (h->out);
  g_queue_clear_full (&h->packets, packet_free);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Host, host_free)

static gboolean
host_has_packet (Host *h)
{
  return !g_queue_is_empty (&h->packets) || h->eof;
}

static gboolean
host_is_eof (Host *h)
{
  return h->eof;
}

static gboolean
host_synced_and_stopped (Host *h)
{
  return h->synced > 0 && !g_queue_is_empty (&h->packets);
}

static Packet *
host_wait_packet (Host    *h,
                  guint16  type)
{
  for (;;)
    {
      Packet *p;

      WAIT_FOR (host_has_packet, h);
      g_assert_false (h->eof);
      p = g_queue_pop_head (&h->packets);
      if (p->type == type)
        return p;
      packet_free (p);
    }
}

/* Break-in and RESET until answered, then the break-in state change. */
static void
host_attach (Host *h)
{
  g_autoptr (Packet) p = NULL;
  KdhStateChange sc;
  g_autoptr (GError) error = NULL;

  h->synced = 0;
  kdh_link_start_sync (h->link, KDH_SYNC_BREAKIN_FIRST, g_get_monotonic_time ());
  host_kick (h);
  WAIT_FOR (host_synced_and_stopped, h);
  p = host_wait_packet (h, KDH_PACKET_TYPE_STATE_CHANGE64);
  kdh_state_change_decode (g_bytes_get_data (p->payload, NULL), g_bytes_get_size (p->payload),
                           &sc, &error);
  g_assert_no_error (error);
  g_assert_cmphex (sc.new_state, ==, KDH_STATE_EXCEPTION);
  g_assert_cmphex (sc.u.exception.code, ==, KDH_STATUS_BREAKPOINT);
  kdh_state_change_clear (&sc);
}

static GBytes *
host_request (Host                *h,
              const KdhManipulate *req,
              KdhManipulate       *reply)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) error = NULL;

  kdh_manipulate_encode (buf, req, NULL, 0);
  payload = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
  g_assert_true (kdh_link_send (h->link, KDH_PACKET_TYPE_STATE_MANIPULATE, payload,
                                g_get_monotonic_time ()));
  host_kick (h);
  for (;;)
    {
      g_autoptr (Packet) p = host_wait_packet (h, KDH_PACKET_TYPE_STATE_MANIPULATE);

      kdh_manipulate_decode (g_bytes_get_data (p->payload, NULL), g_bytes_get_size (p->payload),
                             reply, &error);
      g_assert_no_error (error);
      if (reply->api == req->api && reply->return_status != KDH_STATUS_PENDING)
        return g_bytes_ref (p->payload);
    }
}

static void
host_check_version (Host *h)
{
  KdhManipulate req, reply;
  g_autoptr (GBytes) keep = NULL;
  g_autoptr (GError) error = NULL;
  KdhVersion v;

  kdh_manipulate_init_get_version (&req);
  keep = host_request (h, &req, &reply);
  g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
  kdh_version_decode (&reply, &v, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (v.minor_version, ==, KDH_SIM_BUILD);
  g_assert_cmphex (v.machine_type, ==, KDH_MACHINE_AMD64);
  g_assert_cmphex (v.kern_base, ==, KDH_SIM_NT_BASE);
}

/* Reads @len bytes of the pattern region and checks every aligned u64. */
static void
host_check_pattern (Host    *h,
                    guint64  address,
                    gsize    len)
{
  gsize done = 0;

  while (done < len)
    {
      guint32 count = (guint32) MIN (len - done, KDH_MAX_MEMORY_TRANSFER);
      KdhManipulate req, reply;
      g_autoptr (GBytes) keep = NULL;

      kdh_manipulate_init_memory (&req, KDH_API_READ_VIRTUAL_MEMORY, 0, address + done, count);
      keep = host_request (h, &req, &reply);
      g_assert_cmphex (reply.return_status, ==, KDH_STATUS_SUCCESS);
      g_assert_cmpuint (kdh_manipulate_memory_actual (&reply), ==, count);
      g_assert_cmpuint (reply.data_len, ==, count);
      for (guint64 a = (address + done + 7) & ~G_GUINT64_CONSTANT (7);
           a + 8 <= address + done + count; a += 8)
        {
          guint64 v;

          memcpy (&v, reply.data + (a - address - done), 8);
          g_assert_cmphex (GUINT64_FROM_LE (v), ==, a ^ KDH_SIM_PATTERN_XOR);
        }
      done += count;
    }
}

/* ---- In-process: KdhSimThread and KdhSimServer ------------------------- */

typedef struct {
  KdhSimThread *thread;
  guint64 manipulates;
} ThreadWait;

static gboolean
thread_served (ThreadWait *w)
{
  KdhSimCounters c;

  kdh_sim_thread_get_counters (w->thread, &c);
  return c.manipulates >= w->manipulates;
}

static void
test_thread (void)
{
  KdhSimOptions opts;
  g_autoptr (GError) error = NULL;
  g_autoptr (Host) h = NULL;
  KdhSimThread *thread;
  KdhSimCounters c;
  ThreadWait w;
  int fd = -1;

  kdh_sim_options_init (&opts);
  thread = kdh_sim_thread_start (&opts, &fd, &error);
  g_assert_no_error (error);
  g_assert_nonnull (thread);

  h = host_new (fd);
  host_attach (h);
  host_check_version (h);
  host_check_pattern (h, KDH_SIM_PATTERN_BASE + 0x7F3, 16 * 1024);

  /* The counters are published after each step of the target's thread. */
  w.thread = thread;
  w.manipulates = 1 + (16 * 1024 + KDH_MAX_MEMORY_TRANSFER - 1) / KDH_MAX_MEMORY_TRANSFER;
  WAIT_FOR (thread_served, &w);
  kdh_sim_thread_get_counters (thread, &c);
  g_assert_cmpuint (c.resets_received, ==, 1);
  g_assert_cmpuint (c.breakins, ==, 1);
  g_assert_cmpuint (c.state_changes, ==, 1);
  g_assert_cmpuint (c.manipulates, ==, w.manipulates);

  /* Stopping with the host end still open is fine; the host end stays
   * ours and sees EOF. */
  kdh_sim_thread_stop (thread);
  WAIT_FOR (host_is_eof, h);
}

/* A line throttled to 115200 baud: the server's timer follows the line's
 * deadlines byte by byte. Only correctness is checked, not the time. */
static void
test_thread_baud (void)
{
  KdhSimOptions opts;
  g_autoptr (GError) error = NULL;
  g_autoptr (Host) h = NULL;
  KdhSimThread *thread;
  KdhSimCounters c;
  int fd = -1;

  kdh_sim_options_init (&opts);
  kdh_sim_options_parse ("baud=115200", &opts, &error);
  g_assert_no_error (error);
  thread = kdh_sim_thread_start (&opts, &fd, &error);
  g_assert_no_error (error);

  h = host_new_full (fd, 115200);
  host_attach (h);
  host_check_version (h);
  host_check_pattern (h, KDH_SIM_PATTERN_BASE + 0x10000, 12 * 1024);
  kdh_sim_thread_get_counters (thread, &c);
  g_assert_cmpuint (c.resets_received, >=, 1);
  kdh_sim_thread_stop (thread);
}

static void
test_thread_stop_at_once (void)
{
  KdhSimOptions opts;
  g_autoptr (GError) error = NULL;
  KdhSimThread *thread;
  int fd = -1;

  kdh_sim_options_init (&opts);
  kdh_sim_options_parse ("dbgprint-rate=max,cpus=4", &opts, &error);
  g_assert_no_error (error);
  thread = kdh_sim_thread_start (&opts, &fd, &error);
  g_assert_no_error (error);
  kdh_sim_thread_stop (thread);
  close (fd);
}

typedef struct {
  KdhSimServer *server;
  guint detached;
} ServerFixture;

static void
on_detached (KdhSimServer *server,
             gpointer      data)
{
  ServerFixture *f = data;

  g_assert_false (kdh_sim_server_is_attached (server));
  f->detached++;
}

static gboolean
server_detached_once (ServerFixture *f)
{
  return f->detached > 0;
}

/* One host hangs up, the next one finds the target still stopped and gets
 * its state change again after RESET. */
static void
test_server_reattach (void)
{
  KdhSimOptions opts;
  ServerFixture f = { 0 };
  KdhSimCounters c;
  int fds[2];

  kdh_sim_options_init (&opts);
  f.server = kdh_sim_server_new (&opts);
  kdh_sim_server_set_detached_func (f.server, on_detached, &f);
  g_assert_false (kdh_sim_server_is_attached (f.server));

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr (Host) h = NULL;

      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
      kdh_sim_server_attach_fd (f.server, fds[1]);
      g_assert_true (kdh_sim_server_is_attached (f.server));
      h = host_new (fds[0]);
      host_attach (h);
      host_check_version (h);
      g_clear_pointer (&h, host_free);

      f.detached = 0;
      WAIT_FOR (server_detached_once, &f);
      g_assert_false (kdh_sim_server_is_attached (f.server));
    }

  kdh_sim_server_get_counters (f.server, &c);
  g_assert_cmpuint (c.resets_received, ==, 2);
  g_assert_cmpuint (c.state_changes, ==, 1);   /* still the first stop */
  g_assert_cmpuint (c.manipulates, ==, 2);

  /* An explicit detach does not call back. */
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  kdh_sim_server_attach_fd (f.server, fds[1]);
  kdh_sim_server_detach (f.server);
  g_assert_false (kdh_sim_server_is_attached (f.server));
  g_assert_cmpuint (f.detached, ==, 1);
  close (fds[0]);
  kdh_sim_server_free (f.server);
}

/* ---- The kdhost-sim executable ------------------------------------------ */

typedef struct {
  GSubprocess *proc;
  GDataInputStream *out;
  GDataInputStream *err;       /* NULL unless stderr is piped */
  GPtrArray *out_lines;
  GPtrArray *err_lines;
  gboolean out_eof;
  gboolean err_eof;
  gboolean exited;
  gchar *dir;                  /* a private temporary directory */
} Sim;

static void
child_setup (gpointer data)
{
  /* If the test dies half-way, so does the simulator. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void read_next_line (Sim *sim, gboolean err);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Sim *sim = data;
  gboolean err = G_DATA_INPUT_STREAM (source) == sim->err;
  g_autoptr (GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                           NULL, &error);

  if (line == NULL)
    {
      if (err)
        sim->err_eof = TRUE;
      else
        sim->out_eof = TRUE;
      return;
    }
  g_test_message ("kdhost-sim %s: %s", err ? "stderr" : "stdout", line);
  g_ptr_array_add (err ? sim->err_lines : sim->out_lines, line);
  read_next_line (sim, err);
}

static void
read_next_line (Sim      *sim,
                gboolean  err)
{
  g_data_input_stream_read_line_async (err ? sim->err : sim->out, G_PRIORITY_DEFAULT, NULL,
                                       on_line, sim);
}

static gboolean
sim_has_first_line (Sim *sim)
{
  return sim->out_lines->len > 0 || sim->out_eof;
}

static gchar *
sim_binary (void)
{
  const gchar *dir = g_getenv ("KDH_BUILD_DIR");

  if (dir == NULL)
    return NULL;
  return g_build_filename (dir, "src", "sim", "kdhost-sim", NULL);
}

/* Starts kdhost-sim with @args (NULL-terminated) and returns once its
 * first line is out; NULL (test skipped) when the binary is not found. */
static Sim *
sim_spawn (gboolean      pipe_stderr,
           const gchar  *first_arg,
           ...)
{
  g_autofree gchar *binary = sim_binary ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Sim *sim;
  va_list ap;

  if (binary == NULL || !g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("kdhost-sim not found (KDH_BUILD_DIR unset or not built)");
      return NULL;
    }

  sim = g_new0 (Sim, 1);
  sim->out_lines = g_ptr_array_new_with_free_func (g_free);
  sim->err_lines = g_ptr_array_new_with_free_func (g_free);
  sim->dir = g_dir_make_tmp ("kdh-sim-XXXXXX", &error);
  g_assert_no_error (error);

  g_ptr_array_add (argv, binary);
  va_start (ap, first_arg);
  for (const gchar *arg = first_arg; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | (pipe_stderr ? G_SUBPROCESS_FLAGS_STDERR_PIPE : 0));
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  sim->proc = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata,
                                            &error);
  g_assert_no_error (error);
  sim->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->proc));
  read_next_line (sim, FALSE);
  if (pipe_stderr)
    {
      sim->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (sim->proc));
      read_next_line (sim, TRUE);
    }
  WAIT_FOR (sim_has_first_line, sim);
  g_assert_cmpuint (sim->out_lines->len, >, 0);
  return sim;
}

static const gchar *
sim_first_line (Sim *sim)
{
  return g_ptr_array_index (sim->out_lines, 0);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Sim *sim = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  sim->exited = TRUE;
}

static gboolean
sim_is_done (Sim *sim)
{
  return sim->exited && sim->out_eof && (sim->err == NULL || sim->err_eof);
}

/* SIGTERM, then a clean exit with the counters as the last line. Returns
 * that line. */
static gchar *
sim_stop (Sim *sim)
{
  const gchar *last;

  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_subprocess_wait_async (sim->proc, NULL, on_exited, sim);
  WAIT_FOR (sim_is_done, sim);
  g_assert_true (g_subprocess_get_if_exited (sim->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (sim->proc), ==, 0);
  last = g_ptr_array_index (sim->out_lines, sim->out_lines->len - 1);
  g_assert_true (g_str_has_prefix (last, "kdhost-sim: counters resets_received="));
  return g_strdup (last);
}

static void
sim_free (Sim *sim)
{
  if (!sim->exited)
    {
      g_subprocess_force_exit (sim->proc);
      g_subprocess_wait_async (sim->proc, NULL, on_exited, sim);
      wait_until ((Predicate) sim_is_done, sim);
    }
  g_object_unref (sim->proc);
  g_object_unref (sim->out);
  g_clear_object (&sim->err);
  g_ptr_array_unref (sim->out_lines);
  g_ptr_array_unref (sim->err_lines);
  g_rmdir (sim->dir);
  g_free (sim->dir);
  g_free (sim);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sim, sim_free)

/* The value of @key in a counters report, -1 if absent. */
static gint64
counter_value (const gchar *report,
               const gchar *key)
{
  g_autofree gchar *needle = g_strconcat (key, "=", NULL);
  const gchar *at = report;

  while ((at = strstr (at, needle)) != NULL)
    {
      if (at == report || at[-1] == ' ')
        return (gint64) g_ascii_strtoull (at + strlen (needle), NULL, 10);
      at++;
    }
  return -1;
}

typedef struct {
  const gchar *path;
  const gchar *key;
  gint64 at_least;
} FileWait;

static gboolean
file_counter_reached (FileWait *w)
{
  g_autofree gchar *text = NULL;

  if (!g_file_get_contents (w->path, &text, NULL, NULL))
    return FALSE;
  return counter_value (text, w->key) >= w->at_least;
}

typedef struct {
  Sim *sim;
  const gchar *text;
  guint from;
} LineWait;

static gboolean
stderr_has (LineWait *w)
{
  for (guint i = w->from; i < w->sim->err_lines->len; i++)
    if (strstr (g_ptr_array_index (w->sim->err_lines, i), w->text) != NULL)
      return TRUE;
  return FALSE;
}

static int
connect_to (GSocketAddress *addr)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;

  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &error);
  g_assert_no_error (error);
  /* The host keeps a duplicate; the GIO object closes its own. */
  return dup (g_socket_get_fd (g_socket_connection_get_socket (conn)));
}

static void
test_binary_unix (void)
{
  g_autoptr (Sim) sim = NULL;
  g_autofree gchar *socket_path = NULL;
  g_autofree gchar *counters = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *last = NULL;
  g_autofree gchar *tmp = g_dir_make_tmp ("kdh-sim-XXXXXX", NULL);
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (Host) h = NULL;
  g_autoptr (Host) second = NULL;
  FileWait fw;

  g_assert_nonnull (tmp);
  socket_path = g_build_filename (tmp, "sim.sock", NULL);
  counters = g_build_filename (tmp, "counters", NULL);
  expected = g_strconcat ("kdhost-sim: listening on unix:", socket_path, NULL);
  {
    g_autofree gchar *listen = g_strconcat ("unix:", socket_path, NULL);
    g_autofree gchar *cf = g_strconcat ("--counters-file=", counters, NULL);

    sim = sim_spawn (FALSE, "--listen", listen, cf, "--quiet", "--cpus=4", NULL);
  }
  if (sim == NULL)
    return;
  g_assert_cmpstr (sim_first_line (sim), ==, expected);

  addr = g_unix_socket_address_new (socket_path);
  h = host_new (connect_to (addr));
  host_attach (h);
  host_check_version (h);
  host_check_pattern (h, KDH_SIM_PATTERN_BASE, 8192);

  /* The counters file catches up without any signal. */
  fw.path = counters;
  fw.key = "resets_received";
  fw.at_least = 1;
  WAIT_FOR (file_counter_reached, &fw);
  fw.key = "manipulates";
  fw.at_least = 4;
  WAIT_FOR (file_counter_reached, &fw);

  /* One host at a time: a second one is hung up on at once. */
  second = host_new (connect_to (addr));
  WAIT_FOR (host_is_eof, second);
  g_assert_false (h->eof);
  host_check_version (h);

  /* After the first host leaves, the next one is served. */
  g_clear_pointer (&h, host_free);
  g_clear_pointer (&second, host_free);
  h = host_new (connect_to (addr));
  host_attach (h);
  host_check_version (h);
  fw.key = "resets_received";
  fw.at_least = 2;
  WAIT_FOR (file_counter_reached, &fw);

  last = sim_stop (sim);
  g_assert_cmpint (counter_value (last, "resets_received"), ==, 2);
  g_assert_cmpint (counter_value (last, "manipulates"), ==, 6);
  g_assert_false (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  g_remove (counters);
  g_rmdir (tmp);
}

static void
test_binary_tcp (void)
{
  g_autoptr (Sim) sim = sim_spawn (FALSE, "--listen", "tcp:127.0.0.1:0", "--quiet", NULL);
  g_autoptr (GInetAddress) loopback = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (Host) h = NULL;
  g_autofree gchar *last = NULL;
  const gchar *prefix = "kdhost-sim: listening on tcp:127.0.0.1:";
  guint64 port;

  if (sim == NULL)
    return;
  g_assert_true (g_str_has_prefix (sim_first_line (sim), prefix));
  g_assert_true (g_ascii_string_to_unsigned (sim_first_line (sim) + strlen (prefix), 10, 1,
                                             65535, &port, NULL));

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  addr = g_inet_socket_address_new (loopback, (guint16) port);
  h = host_new (connect_to (addr));
  host_attach (h);
  host_check_version (h);
  last = sim_stop (sim);
  g_assert_cmpint (counter_value (last, "resets_received"), ==, 1);
}

static int
open_slave (const gchar *path)
{
  struct termios tio;
  int fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (tcgetattr (fd, &tio), ==, 0);
  cfmakeraw (&tio);
  g_assert_cmpint (tcsetattr (fd, TCSANOW, &tio), ==, 0);
  return fd;
}

static void
test_binary_pty (void)
{
  g_autoptr (Sim) sim = NULL;
  g_autoptr (Host) h = NULL;
  g_autofree gchar *last = NULL;
  const gchar *prefix = "kdhost-sim: pty ";
  const gchar *path;
  LineWait lw;
  int probe = posix_openpt (O_RDWR | O_NOCTTY);

  if (probe < 0)
    {
      g_test_skip ("no pseudo-terminals here");
      return;
    }
  close (probe);

  sim = sim_spawn (TRUE, "--pty", NULL);
  if (sim == NULL)
    return;
  g_assert_true (g_str_has_prefix (sim_first_line (sim), prefix));
  path = sim_first_line (sim) + strlen (prefix);

  h = host_new (open_slave (path));
  host_attach (h);
  host_check_version (h);

  /* Closing the slave makes the master fail with EIO; the simulator keeps
   * it and serves whoever opens the slave next. */
  g_clear_pointer (&h, host_free);
  lw.sim = sim;
  lw.text = "host disconnected";
  lw.from = 0;
  WAIT_FOR (stderr_has, &lw);
  h = host_new (open_slave (path));
  lw.text = "host connected";
  WAIT_FOR (stderr_has, &lw);
  host_attach (h);
  host_check_version (h);
  host_check_pattern (h, KDH_SIM_PATTERN_BASE + 0x100, 4096);

  last = sim_stop (sim);
  g_assert_cmpint (counter_value (last, "resets_received"), ==, 2);
}

typedef struct {
  GSocketConnection *conn;
} AcceptWait;

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  AcceptWait *w = data;
  g_autoptr (GError) error = NULL;

  w->conn = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
accepted (AcceptWait *w)
{
  return w->conn != NULL;
}

static int
accept_target (GSocketListener *listener)
{
  AcceptWait w = { NULL };
  int fd;

  g_socket_listener_accept_async (listener, NULL, on_accepted, &w);
  WAIT_FOR (accepted, &w);
  fd = dup (g_socket_get_fd (g_socket_connection_get_socket (w.conn)));
  g_object_unref (w.conn);
  return fd;
}

/* Like Xen kdd: the target dials a debugger that waits (com:ipport=N,listen). */
static void
test_binary_connect (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (Sim) sim = NULL;
  g_autoptr (Host) h = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *last = NULL;

  g_socket_listener_add_address (listener, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  target = g_strdup_printf ("tcp:127.0.0.1:%u",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  expected = g_strconcat ("kdhost-sim: connecting to ", target, NULL);

  sim = sim_spawn (FALSE, "--connect", target, "--quiet", NULL);
  if (sim == NULL)
    return;
  g_assert_cmpstr (sim_first_line (sim), ==, expected);

  h = host_new (accept_target (listener));
  host_attach (h);
  host_check_version (h);

  /* Hang up: the target dials again. */
  g_clear_pointer (&h, host_free);
  h = host_new (accept_target (listener));
  host_attach (h);
  host_check_version (h);

  last = sim_stop (sim);
  g_assert_cmpint (counter_value (last, "resets_received"), ==, 2);
}

typedef struct {
  gboolean done;
  gchar *err;
} Communicate;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Communicate *c = data;
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, NULL, &c->err, &error);
  g_assert_no_error (error);
  c->done = TRUE;
}

static gboolean
communicated (Communicate *c)
{
  return c->done;
}

/* Bad command lines name the bad part and exit with status 2. */
static void
test_binary_usage (void)
{
  static const struct {
    const gchar *args[3];
    const gchar *mention;
  } cases[] = {
    { { "--drop=2", NULL }, "'2'" },
    { { "--cpus=0", NULL }, "--cpus" },
    { { "--dbgprint-rate=fast", NULL }, "'fast'" },
    { { "--options=drop=0.1,bogus=1", NULL }, "bogus" },
    { { "--listen", "serial:/dev/ttyS0", NULL }, "serial:/dev/ttyS0" },
    { { "--listen", "tcp:127.0.0.1:99999", NULL }, "99999" },
    { { "--connect", "tcp:localhost", NULL }, "missing port" },
    { { "--pty", "--listen=tcp:127.0.0.1:0", NULL }, "only one" },
    { { "extra", NULL }, "extra" },
  };
  g_autofree gchar *binary = sim_binary ();

  if (binary == NULL || !g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("kdhost-sim not found (KDH_BUILD_DIR unset or not built)");
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const gchar *argv[5] = { binary, NULL };
      g_autoptr (GSubprocess) proc = NULL;
      g_autoptr (GError) error = NULL;
      Communicate c = { FALSE, NULL };

      for (guint j = 0; cases[i].args[j] != NULL; j++)
        argv[j + 1] = cases[i].args[j];
      proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                      | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8_async (proc, NULL, NULL, on_communicated, &c);
      WAIT_FOR (communicated, &c);
      g_test_message ("%s: %s", cases[i].args[0], c.err);
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
      g_assert_nonnull (strstr (c.err, cases[i].mention));
      g_free (c.err);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/sim/server/thread", test_thread);
  g_test_add_func ("/sim/server/thread-baud", test_thread_baud);
  g_test_add_func ("/sim/server/thread-stop-at-once", test_thread_stop_at_once);
  g_test_add_func ("/sim/server/reattach", test_server_reattach);
  g_test_add_func ("/sim/server/binary/unix", test_binary_unix);
  g_test_add_func ("/sim/server/binary/tcp", test_binary_tcp);
  g_test_add_func ("/sim/server/binary/pty", test_binary_pty);
  g_test_add_func ("/sim/server/binary/connect", test_binary_connect);
  g_test_add_func ("/sim/server/binary/usage", test_binary_usage);

  return g_test_run ();
}
