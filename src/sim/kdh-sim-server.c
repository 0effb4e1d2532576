/* kdh-sim-server.c: runs a simulated target on a byte stream
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One GSource per server watches the descriptor and carries the timer (its
 * poll timeout is the earlier of the target's and the line's deadlines), so
 * that every wake-up, whatever caused it, runs the same pump: bytes read
 * go through the line into the target, the target's output goes through
 * the line into a write buffer, and the buffer is written as far as the
 * descriptor takes it.
 */
#include "kdh-sim-server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>

#include "kdh-sim-line.h"

#define READ_CHUNK 65536
/* Above this much unwritten output we stop reading: a host that does not
 * read gets no more answers to produce output for. */
#define OUTBUF_SOFT_MAX (64 * 1024)
/* The target still retransmits on its own timer; beyond this a host that
 * never reads loses bytes, as a UART's FIFO overruns. */
#define OUTBUF_HARD_MAX (1024 * 1024)
/* The CPU budget is an average: a burst of this much CPU time is allowed
 * before the processors are held back. */
#define BUDGET_BURST_US (100 * 1000)

typedef struct {
  GSource parent;
  KdhSimServer *server;
  gint64 deadline;              /* when to dispatch without I/O; G_MAXINT64: never */
} ServerSource;

struct _KdhSimServer
{
  KdhSimTarget *target;
  KdhSimLine *line;
  GMainContext *context;
  GSource *source;
  gpointer fd_tag;              /* NULL while detached */

  int fd;                       /* -1 while detached */
  gboolean is_socket;           /* send() with MSG_NOSIGNAL rather than write() */
  GIOCondition events;          /* what fd_tag currently polls for */
  GByteArray *outbuf;           /* bytes for the host not yet written */
  guint64 sent_bytes;           /* written to the host so far */
  GByteArray *scratch;
  guint8 *readbuf;

  void (*detached_func) (KdhSimServer *server, gpointer user_data);
  gpointer detached_data;

  GMutex counters_lock;
  KdhSimCounters counters;      /* copy for other threads, under the lock */

  /* --cpu-budget: a token bucket of CPU time, refilled at budget % of
   * wall time, drawn by every wake-up while the target runs. */
  guint budget_percent;
  gint64 budget_tokens_us;
  gint64 budget_refilled_us;
};

static gboolean server_dispatch (KdhSimServer *server,
                                 GIOCondition  revents);

/* The deadline as a poll timeout rather than a ready time: a source's
 * ready time that changes wakes its context with an eventfd write, and the
 * line's deadline changes with every packet (the ACK timer). */
static gboolean
server_source_prepare (GSource *source,
                       gint    *timeout)
{
  gint64 deadline = ((ServerSource *) source)->deadline;
  gint64 now;

  *timeout = -1;
  if (deadline == G_MAXINT64)
    return FALSE;
  now = g_source_get_time (source);
  if (now >= deadline)
    return TRUE;
  *timeout = (gint) MIN ((deadline - now + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
server_source_check (GSource *source)
{
  gint64 deadline = ((ServerSource *) source)->deadline;

  return deadline != G_MAXINT64 && g_source_get_time (source) >= deadline;
}

/* A target stopped in the debugger polls its port for the host's next
 * packet rather than sleeping: after an answer, the host's ACK and next
 * request come within microseconds on a socket, and waking a halted
 * processor for them costs more than that on a VM. Bounded: SPIN_US after
 * each answer, SPIN_EXCHANGES answers, then back to the main loop.
 *
 * A running target that printed a DbgPrint line polls for its ACK the same
 * way on a socket (KdpPrint waits for it with the processor held; a real
 * serial line is slow enough to sleep on, so a pty never spins). A target
 * that prints nothing never spins, and a host that does not ACK (its front
 * end is behind) costs SPIN_US per retransmission. */
#define SPIN_US 200
#define SPIN_EXCHANGES 64

static gboolean
waits_for_host (KdhSimServer *server)
{
  if (server->fd < 0 || server->outbuf->len != 0)
    return FALSE;
  if (kdh_sim_target_get_state (server->target) != KDH_SIM_RUNNING)
    return TRUE;
  return server->is_socket && kdh_sim_target_is_printing (server->target);
}

static void
spin_for_host (KdhSimServer *server)
{
  gint64 until = g_get_monotonic_time () + SPIN_US;

  for (guint n = 0; n < SPIN_EXCHANGES && waits_for_host (server); )
    {
      struct pollfd pfd = { server->fd, POLLIN, 0 };
      guint64 sent = server->sent_bytes;

      if (poll (&pfd, 1, 0) > 0)
        {
          server_dispatch (server, pfd.revents & POLLIN ? G_IO_IN : G_IO_HUP);
          if (server->sent_bytes != sent)
            {
              until = g_get_monotonic_time () + SPIN_US;
              n++;
            }
        }
      else
        g_thread_yield ();
      /* Bytes that bring no answer do not keep it here either. */
      if (g_get_monotonic_time () >= until)
        break;
    }
}

static gboolean
server_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  KdhSimServer *server = ((ServerSource *) source)->server;
  GIOCondition revents = 0;
  guint64 sent = server->sent_bytes;

  if (server->fd >= 0)
    revents = g_source_query_unix_fd (source, server->fd_tag);
  server_dispatch (server, revents);
  if (server->sent_bytes != sent)
    spin_for_host (server);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs server_source_funcs = {
  server_source_prepare, server_source_check, server_source_dispatch, NULL, NULL, NULL,
};

static void
publish_counters (KdhSimServer *server)
{
  g_mutex_lock (&server->counters_lock);
  server->counters = *kdh_sim_target_get_counters (server->target);
  g_mutex_unlock (&server->counters_lock);
}

KdhSimServer *
kdh_sim_server_new (const KdhSimOptions *opts)
{
  KdhSimServer *server = g_new0 (KdhSimServer, 1);

  server->target = kdh_sim_target_new (opts, g_get_monotonic_time ());
  server->budget_percent = CLAMP (opts->cpu_budget, 1, 100);
  server->budget_tokens_us = BUDGET_BURST_US;
  server->budget_refilled_us = g_get_monotonic_time ();
  server->line = kdh_sim_line_new (opts);
  server->context = g_main_context_ref_thread_default ();
  server->fd = -1;
  server->outbuf = g_byte_array_new ();
  server->scratch = g_byte_array_new ();
  server->readbuf = g_malloc (READ_CHUNK);
  g_mutex_init (&server->counters_lock);

  server->source = g_source_new (&server_source_funcs, sizeof (ServerSource));
  ((ServerSource *) server->source)->server = server;
  ((ServerSource *) server->source)->deadline = G_MAXINT64;
  g_source_set_static_name (server->source, "kdh-sim-server");
  /* As the host's transport: a blocked source's fd leaves the poll set and
   * comes back, which wakes the context twice per packet. */
  g_source_set_can_recurse (server->source, TRUE);
  g_source_attach (server->source, server->context);

  /* The target runs from the start, with or without a host. */
  server_dispatch (server, 0);
  return server;
}

static void
close_fd (KdhSimServer *server)
{
  if (server->fd < 0)
    return;
  g_source_remove_unix_fd (server->source, server->fd_tag);
  server->fd_tag = NULL;
  close (server->fd);
  server->fd = -1;
  g_byte_array_set_size (server->outbuf, 0);
  /* Like a cable pulled out: half-received bytes are forgotten, bytes on
   * the wire are lost, and the machine carries on. */
  kdh_sim_target_line_dropped (server->target);
  kdh_sim_line_flush (server->line);
}

void
kdh_sim_server_free (KdhSimServer *server)
{
  if (server == NULL)
    return;
  close_fd (server);
  g_source_destroy (server->source);
  g_source_unref (server->source);
  g_main_context_unref (server->context);
  kdh_sim_target_free (server->target);
  kdh_sim_line_free (server->line);
  g_byte_array_unref (server->outbuf);
  g_byte_array_unref (server->scratch);
  g_free (server->readbuf);
  g_mutex_clear (&server->counters_lock);
  g_free (server);
}

void
kdh_sim_server_attach_fd (KdhSimServer *server,
                          int           fd)
{
  struct stat st;
  int flags;

  g_return_if_fail (fd >= 0);

  close_fd (server);
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK))
    fcntl (fd, F_SETFL, flags | O_NONBLOCK);
  server->fd = fd;
  server->is_socket = fstat (fd, &st) == 0 && S_ISSOCK (st.st_mode);
  server->events = G_IO_IN;
  server->fd_tag = g_source_add_unix_fd (server->source, fd, server->events);
  server_dispatch (server, 0);
}

void
kdh_sim_server_detach (KdhSimServer *server)
{
  close_fd (server);
}

gboolean
kdh_sim_server_is_attached (KdhSimServer *server)
{
  return server->fd >= 0;
}

void
kdh_sim_server_set_detached_func (KdhSimServer *server,
                                  void        (*func) (KdhSimServer *server,
                                                       gpointer      user_data),
                                  gpointer      user_data)
{
  server->detached_func = func;
  server->detached_data = user_data;
}

KdhSimTarget *
kdh_sim_server_get_target (KdhSimServer *server)
{
  return server->target;
}

void
kdh_sim_server_get_counters (KdhSimServer   *server,
                             KdhSimCounters *out)
{
  g_mutex_lock (&server->counters_lock);
  *out = server->counters;
  g_mutex_unlock (&server->counters_lock);
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Charges @used_us of CPU time to the budget; when it is spent, the
 * target's processors wait until it has refilled. */
static void
charge_budget (KdhSimServer *server,
               gint64        now,
               gint64        used_us)
{
  gint64 refill = (now - server->budget_refilled_us) * server->budget_percent / 100;

  server->budget_refilled_us = now;
  server->budget_tokens_us = MIN (server->budget_tokens_us + refill, BUDGET_BURST_US) - used_us;
  if (server->budget_tokens_us < 0)
    kdh_sim_target_hold (server->target,
                         now + (-server->budget_tokens_us) * 100 / server->budget_percent);
}

/* Moves bytes between the line and the target until neither has anything
 * more to give at @now. */
static void
pump (KdhSimServer *server,
      gint64        now)
{
  GBytes *unit;

  for (guint guard = 0; guard < 1000; guard++)
    {
      gboolean moved = FALSE;

      if (kdh_sim_target_next_deadline (server->target) <= now)
        {
          /* The budget is charged with what the processors cost, which is
           * what tick() runs while the target runs. */
          gboolean running = kdh_sim_target_get_state (server->target) == KDH_SIM_RUNNING;
          gint64 cpu_before = running ? thread_cpu_us () : 0;

          kdh_sim_target_tick (server->target, now);
          if (running)
            charge_budget (server, now, thread_cpu_us () - cpu_before);
        }

      g_byte_array_set_size (server->scratch, 0);
      if (kdh_sim_line_take_from_host (server->line, now, server->scratch))
        {
          kdh_sim_target_receive (server->target, server->scratch->data, server->scratch->len,
                                  now);
          moved = TRUE;
        }

      while ((unit = kdh_sim_target_pop_output (server->target)) != NULL)
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (unit, &len);

          /* A serial port with nobody listening: the bytes go nowhere. */
          if (server->fd >= 0)
            kdh_sim_line_to_host (server->line, data, len, now);
          g_bytes_unref (unit);
          moved = TRUE;
        }

      if (!moved)
        break;
    }

  g_byte_array_set_size (server->scratch, 0);
  if (kdh_sim_line_take_to_host (server->line, now, server->scratch) && server->fd >= 0
      && server->outbuf->len + server->scratch->len <= OUTBUF_HARD_MAX)
    g_byte_array_append (server->outbuf, server->scratch->data, server->scratch->len);
}

static gboolean
is_hangup_errno (int err)
{
  return err == EIO || err == ECONNRESET || err == EPIPE || err == ENOTCONN
         || err == ETIMEDOUT || err == EBADF;
}

/* Returns FALSE when the host has gone (EOF or a fatal error). */
static gboolean
read_some (KdhSimServer *server)
{
  ssize_t n;

  do
    n = read (server->fd, server->readbuf, READ_CHUNK);
  while (n < 0 && errno == EINTR);

  if (n > 0)
    {
      kdh_sim_line_from_host (server->line, server->readbuf, (gsize) n, g_get_monotonic_time ());
      return TRUE;
    }
  if (n == 0)
    return FALSE;
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return TRUE;
  if (!is_hangup_errno (errno))
    g_debug ("read: %s", g_strerror (errno));
  return FALSE;
}

static gboolean
write_some (KdhSimServer *server)
{
  while (server->outbuf->len > 0)
    {
      ssize_t n;

      if (server->is_socket)
        n = send (server->fd, server->outbuf->data, server->outbuf->len, MSG_NOSIGNAL);
      else
        n = write (server->fd, server->outbuf->data, server->outbuf->len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return TRUE;
          if (!is_hangup_errno (errno))
            g_debug ("write: %s", g_strerror (errno));
          return FALSE;
        }
      g_byte_array_remove_range (server->outbuf, 0, (guint) n);
      server->sent_bytes += (guint64) n;
    }
  return TRUE;
}

static void
host_gone (KdhSimServer *server)
{
  close_fd (server);
  if (server->detached_func != NULL)
    server->detached_func (server, server->detached_data);
}

static gboolean
server_dispatch (KdhSimServer *server,
                 GIOCondition  revents)
{
  gint64 now, deadline;

  /* HUP and ERR are reported even while reading is paused; reading then
   * is what finds the EOF or the error. */
  if (server->fd >= 0 && (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !read_some (server))
    host_gone (server);

  /* The target's timers run whether or not a host is attached (the
   * detached function may also have attached a new one already). */
  now = g_get_monotonic_time ();
  pump (server, now);
  /* Counters before the bytes go out: whoever sees the target's answer can
   * then rely on the counters already showing what caused it. */
  publish_counters (server);
  if (server->fd >= 0 && !write_some (server))
    host_gone (server);

  if (server->fd >= 0)
    {
      GIOCondition events = server->outbuf->len < OUTBUF_SOFT_MAX ? G_IO_IN : 0;

      if (server->outbuf->len > 0)
        events |= G_IO_OUT;
      if (events != server->events)
        {
          g_source_modify_unix_fd (server->source, server->fd_tag, events);
          server->events = events;
        }
    }

  deadline = MIN (kdh_sim_target_next_deadline (server->target),
                  kdh_sim_line_next_deadline (server->line));
  ((ServerSource *) server->source)->deadline = deadline;
  return G_SOURCE_CONTINUE;
}

gboolean
kdh_sim_server_refresh (KdhSimServer *server)
{
  /* A bounded number of reads: a host that writes without pause must not
   * keep us here. */
  for (guint i = 0; i < 16 && server->fd >= 0; i++)
    {
      struct pollfd pfd = { server->fd, POLLIN, 0 };
      GIOCondition revents = 0;

      if (poll (&pfd, 1, 0) <= 0)
        break;
      if (pfd.revents & POLLIN)
        revents |= G_IO_IN;
      if (pfd.revents & POLLHUP)
        revents |= G_IO_HUP;
      if (pfd.revents & (POLLERR | POLLNVAL))
        revents |= G_IO_ERR;
      server_dispatch (server, revents);
    }
  return server->fd >= 0;
}

/* ---- A server on a thread of its own ---------------------------------- */

struct _KdhSimThread
{
  KdhSimOptions opts;
  int fd;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  KdhSimServer *server;

  GMutex lock;
  GCond cond;
  gboolean ready;
};

static gboolean
thread_signal_ready (gpointer data)
{
  KdhSimThread *st = data;

  g_mutex_lock (&st->lock);
  st->ready = TRUE;
  g_cond_signal (&st->cond);
  g_mutex_unlock (&st->lock);
  return G_SOURCE_REMOVE;
}

static gpointer
thread_main (gpointer data)
{
  KdhSimThread *st = data;
  GSource *idle;

  g_main_context_push_thread_default (st->context);
  st->server = kdh_sim_server_new (&st->opts);
  kdh_sim_server_attach_fd (st->server, st->fd);

  /* Ready once the loop really runs, so that the caller's later quit
   * request finds a loop to stop. */
  idle = g_idle_source_new ();
  g_source_set_callback (idle, thread_signal_ready, st, NULL);
  g_source_attach (idle, st->context);
  g_source_unref (idle);

  g_main_loop_run (st->loop);

  g_clear_pointer (&st->server, kdh_sim_server_free);
  g_main_context_pop_thread_default (st->context);
  return NULL;
}

KdhSimThread *
kdh_sim_thread_start (const KdhSimOptions *opts,
                      int                 *host_fd,
                      GError             **error)
{
  KdhSimThread *st;
  int fds[2];

  g_return_val_if_fail (opts != NULL, NULL);
  g_return_val_if_fail (host_fd != NULL, NULL);

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int err = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                   "socketpair: %s", g_strerror (err));
      return NULL;
    }

  st = g_new0 (KdhSimThread, 1);
  st->opts = *opts;
  st->fd = fds[1];
  st->context = g_main_context_new ();
  st->loop = g_main_loop_new (st->context, FALSE);
  g_mutex_init (&st->lock);
  g_cond_init (&st->cond);
  st->thread = g_thread_new ("kdh-sim", thread_main, st);

  g_mutex_lock (&st->lock);
  while (!st->ready)
    g_cond_wait (&st->cond, &st->lock);
  g_mutex_unlock (&st->lock);

  *host_fd = fds[0];
  return st;
}

static gboolean
thread_quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
kdh_sim_thread_stop (KdhSimThread *st)
{
  if (st == NULL)
    return;
  /* The context is owned by the thread, so this queues an idle source
   * there rather than calling thread_quit() here. */
  g_main_context_invoke (st->context, thread_quit, st->loop);
  g_thread_join (st->thread);
  g_main_loop_unref (st->loop);
  g_main_context_unref (st->context);
  g_mutex_clear (&st->lock);
  g_cond_clear (&st->cond);
  g_free (st);
}

void
kdh_sim_thread_get_counters (KdhSimThread   *st,
                             KdhSimCounters *out)
{
  kdh_sim_server_get_counters (st->server, out);
}
