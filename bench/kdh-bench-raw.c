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

typedef struct {
  int fd;
  KdhLink *link;
  GByteArray *out;
  GBytes *packet;               /* the last data packet received */
  guint16 packet_type;
} Raw;

static void
raw_fail (const gchar *what)
{
  fprintf (stderr, "benchmark: raw link: %s\n", what);
  exit (1);
}

static void
raw_flush (Raw *r)
{
  g_byte_array_set_size (r->out, 0);
  if (!kdh_link_take_output (r->link, r->out))
    return;
  for (guint done = 0; done < r->out->len; )
    {
      ssize_t n = send (r->fd, r->out->data + done, r->out->len - done, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        raw_fail (g_strerror (errno));
      done += (guint) n;
    }
}

/* Runs the link until a data packet arrives (and, for @synced, the sync
 * ends); bounded by 10 s. */
static void
raw_wait (Raw     *r,
          gboolean want_synced)
{
  gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_clear_pointer (&r->packet, g_bytes_unref);
  for (;;)
    {
      KdhLinkEvent ev;
      gboolean synced = FALSE;
      guint8 buf[65536];
      struct pollfd pfd = { r->fd, POLLIN, 0 };
      gint64 now = g_get_monotonic_time (), deadline;
      ssize_t n;

      while (kdh_link_next_event (r->link, &ev))
        {
          if (ev.kind == KDH_LINK_EVENT_PACKET && r->packet == NULL)
            {
              r->packet = g_bytes_ref (ev.payload);
              r->packet_type = ev.packet_type;
            }
          synced = synced || ev.kind == KDH_LINK_EVENT_SYNCED;
          kdh_link_event_clear (&ev);
        }
      raw_flush (r);
      if (want_synced ? synced : r->packet != NULL)
        return;
      if (now > give_up)
        raw_fail ("no answer in 10 s");
      deadline = MIN (kdh_link_next_deadline (r->link), give_up);
      if (poll (&pfd, 1, (int) CLAMP ((deadline - now + 999) / 1000, 0, 1000)) > 0)
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
  raw_flush (r);
  do
    raw_wait (r, FALSE);
  while (r->packet_type != KDH_PACKET_TYPE_STATE_MANIPULATE);
}

gdouble
kdh_bench_raw_read_rate (const gchar *socket_path,
                         guint64      address,
                         guint64      bytes)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  KdhLinkConfig config;
  Raw r = { 0 };
  guint64 requests = (bytes + RAW_READ_BYTES - 1) / RAW_READ_BYTES;
  gint64 start;
  gdouble seconds;

  g_strlcpy (sa.sun_path, socket_path, sizeof sa.sun_path);
  r.fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (r.fd < 0 || connect (r.fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    raw_fail (g_strerror (errno));
  kdh_link_config_init (&config, 0);
  r.link = kdh_link_new (&config);
  r.out = g_byte_array_new ();
  /* Break in and synchronize; the target then reports its stop. */
  kdh_link_start_sync (r.link, KDH_SYNC_BREAKIN_FIRST, g_get_monotonic_time ());
  raw_flush (&r);
  raw_wait (&r, TRUE);
  while (r.packet == NULL || r.packet_type != KDH_PACKET_TYPE_STATE_CHANGE64)
    raw_wait (&r, FALSE);

  start = g_get_monotonic_time ();
  for (guint64 i = 0; i < requests; i++)
    raw_read (&r, address + (i * RAW_READ_BYTES) % (bytes - RAW_READ_BYTES + 1));
  seconds = (g_get_monotonic_time () - start) / 1e6;

  g_clear_pointer (&r.packet, g_bytes_unref);
  g_byte_array_unref (r.out);
  kdh_link_free (r.link);
  close (r.fd);
  return requests * RAW_READ_BYTES / seconds;
}
