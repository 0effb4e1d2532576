/* kdh-bench-raw.c: the link's own limit, with no debugger around it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A minimal host on one thread: the pure link state machine (src/kd/)
 * over a blocking Unix socket, sending ReadVirtualMemory requests of the
 * largest size one after the other and doing nothing with the replies.
 * What it reaches is the stop-and-wait limit of this link and this
 * simulator on this machine: payload per request / (round trip +
 * transfer time), measured rather than computed.
 *
 * It waits as the best host on this link would: it looks at the socket
 * without sleeping for RAW_SPIN_US after each packet it sends or gets, and
 * only then blocks in poll(). On a VM an idle vCPU halts, and waking it
 * costs more than the exchange itself; a host that slept for every
 * answer would measure the wake-ups, not the link (kdhost and kdhost-sim
 * look the same way on a fast link, src/target/kdh-session-request.c).
 *
 * It also counts the DbgPrint lines it can take from a target printing
 * as fast as it can (each one a packet the target holds until it is
 * acknowledged): the link's limit for a DbgPrint flood.
 */
#include "kdh-bench.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kd/kdh-dbgkd.h"
#include "kd/kdh-link.h"

/* The largest read one packet carries: 4000 bytes of payload minus the
 * 56-byte manipulate header. */
#define RAW_READ_BYTES 3944
/* As kdhost's own look on a fast link (SPIN_US there). */
#define RAW_SPIN_US 200

typedef struct {
  int fd;
  KdhLink *link;
  GByteArray *out;
  GBytes *packet;               /* the last data packet received */
  guint16 packet_type;
  gboolean sent;                /* our data packet was acknowledged */
  gboolean count_prints;        /* count DbgPrint packets rather than keep them */
  guint64 prints;
  gint64 spin_until;            /* look without sleeping until then */
} Raw;

static void
raw_fail (const gchar *what)
{
  fprintf (stderr, "benchmark: raw link: %s\n", what);
  exit (1);
}

/* Sends what the link has to send; TRUE if there was something. */
static gboolean
raw_flush (Raw *r)
{
  g_byte_array_set_size (r->out, 0);
  if (!kdh_link_take_output (r->link, r->out))
    return FALSE;
  for (guint done = 0; done < r->out->len; )
    {
      ssize_t n = send (r->fd, r->out->data + done, r->out->len - done, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        raw_fail (g_strerror (errno));
      done += (guint) n;
    }
  return TRUE;
}

/* Whether the socket has bytes within @timeout_ms: first without sleeping
 * while r->spin_until lasts. */
static gboolean
raw_poll (Raw *r,
          int  timeout_ms)
{
  struct pollfd pfd = { r->fd, POLLIN, 0 };

  while (g_get_monotonic_time () < r->spin_until)
    {
      if (poll (&pfd, 1, 0) > 0)
        return TRUE;
      g_thread_yield ();
    }
  return poll (&pfd, 1, timeout_ms) > 0;
}

/* Runs the link until a data packet arrives (for @want_synced: the sync
 * ends; for @until_us != 0: that time comes); bounded by 10 s. */
static void
raw_wait_until (Raw     *r,
                gboolean want_synced,
                gint64   until_us)
{
  gint64 give_up = MAX (g_get_monotonic_time (), until_us) + 10 * G_USEC_PER_SEC;

  g_clear_pointer (&r->packet, g_bytes_unref);
  for (;;)
    {
      KdhLinkEvent ev;
      gboolean synced = FALSE;
      guint8 buf[65536];
      gint64 now = g_get_monotonic_time (), deadline;
      ssize_t n;

      while (kdh_link_next_event (r->link, &ev))
        {
          if (ev.kind == KDH_LINK_EVENT_PACKET)
            r->spin_until = g_get_monotonic_time () + RAW_SPIN_US;
          r->sent = r->sent || ev.kind == KDH_LINK_EVENT_SENT;
          if (ev.kind == KDH_LINK_EVENT_PACKET && r->count_prints
              && ev.packet_type == KDH_PACKET_TYPE_DEBUG_IO)
            r->prints++;
          else if (ev.kind == KDH_LINK_EVENT_PACKET && r->packet == NULL)
            {
              r->packet = g_bytes_ref (ev.payload);
              r->packet_type = ev.packet_type;
            }
          synced = synced || ev.kind == KDH_LINK_EVENT_SYNCED;
          kdh_link_event_clear (&ev);
        }
      if (raw_flush (r))
        r->spin_until = g_get_monotonic_time () + RAW_SPIN_US;
      if (until_us != 0 ? now >= until_us : want_synced ? synced : r->packet != NULL)
        return;
      if (now > give_up)
        raw_fail ("no answer in 10 s");
      deadline = MIN (kdh_link_next_deadline (r->link), until_us != 0 ? until_us : give_up);
      if (raw_poll (r, (int) CLAMP ((deadline - now + 999) / 1000, 0, 1000)))
        {
          n = recv (r->fd, buf, sizeof buf, 0);
          if (n <= 0)
            raw_fail ("the simulator closed the socket");
          kdh_link_receive (r->link, buf, (gsize) n, g_get_monotonic_time ());
        }
      kdh_link_tick (r->link, g_get_monotonic_time ());
    }
}

static void
raw_wait (Raw     *r,
          gboolean want_synced)
{
  raw_wait_until (r, want_synced, 0);
}

static void
raw_read (Raw    *r,
          guint64 address)
{
  g_autoptr (GByteArray) payload = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  KdhManipulate m;

  kdh_manipulate_init_memory (&m, KDH_API_READ_VIRTUAL_MEMORY, 0, address, RAW_READ_BYTES);
  kdh_manipulate_encode (payload, &m, NULL, 0);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&payload));
  if (!kdh_link_send (r->link, KDH_PACKET_TYPE_STATE_MANIPULATE, bytes, g_get_monotonic_time ()))
    raw_fail ("the link refused a request");
  if (raw_flush (r))
    r->spin_until = g_get_monotonic_time () + RAW_SPIN_US;
  do
    raw_wait (r, FALSE);
  while (r->packet_type != KDH_PACKET_TYPE_STATE_MANIPULATE);
}

/* Connects, breaks in and synchronizes; the target then reports its stop. */
static void
raw_attach (Raw         *r,
            const gchar *socket_path)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  KdhLinkConfig config;

  g_strlcpy (sa.sun_path, socket_path, sizeof sa.sun_path);
  r->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (r->fd < 0 || connect (r->fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    raw_fail (g_strerror (errno));
  kdh_link_config_init (&config, 0);
  r->link = kdh_link_new (&config);
  r->out = g_byte_array_new ();
  kdh_link_start_sync (r->link, KDH_SYNC_BREAKIN_FIRST, g_get_monotonic_time ());
  raw_flush (r);
  raw_wait (r, TRUE);
  while (r->packet == NULL || r->packet_type != KDH_PACKET_TYPE_STATE_CHANGE64)
    raw_wait (r, FALSE);
}

static void
raw_close (Raw *r)
{
  g_clear_pointer (&r->packet, g_bytes_unref);
  g_byte_array_unref (r->out);
  kdh_link_free (r->link);
  close (r->fd);
}

gdouble
kdh_bench_raw_read_rate (const gchar *socket_path,
                         guint64      address,
                         guint64      bytes)
{
  Raw r = { 0 };
  guint64 requests = (bytes + RAW_READ_BYTES - 1) / RAW_READ_BYTES;
  gint64 start;
  gdouble seconds;

  raw_attach (&r, socket_path);
  start = g_get_monotonic_time ();
  for (guint64 i = 0; i < requests; i++)
    raw_read (&r, address + (i * RAW_READ_BYTES) % (bytes - RAW_READ_BYTES + 1));
  seconds = (g_get_monotonic_time () - start) / 1e6;
  raw_close (&r);
  return requests * RAW_READ_BYTES / seconds;
}

gdouble
kdh_bench_raw_dbgprint_rate (const gchar *socket_path,
                             gdouble      seconds)
{
  g_autoptr (GByteArray) payload = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  Raw r = { 0 };
  KdhManipulate m;
  gint64 start, end;
  guint64 first;

  raw_attach (&r, socket_path);
  kdh_manipulate_init_continue2 (&m, KDH_MACHINE_AMD64, KDH_DBG_CONTINUE, FALSE, 0, 1, 0);
  kdh_manipulate_encode (payload, &m, NULL, 0);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&payload));
  r.count_prints = TRUE;
  if (!kdh_link_send (r.link, KDH_PACKET_TYPE_STATE_MANIPULATE, bytes, g_get_monotonic_time ()))
    raw_fail ("the link refused the continue");
  raw_flush (&r);
  while (!r.sent)
    raw_wait_until (&r, FALSE, g_get_monotonic_time () + 1000);
  /* Counted from the first line on, as bench-flood-cli does. */
  while (r.prints == 0)
    raw_wait_until (&r, FALSE, g_get_monotonic_time () + 1000);
  first = r.prints;
  start = g_get_monotonic_time ();
  end = start + (gint64) (seconds * G_USEC_PER_SEC);
  raw_wait_until (&r, FALSE, end);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  first = r.prints - first;
  raw_close (&r);
  return first / seconds;
}
