/* kdh-transport.h: byte transports between the engine and a target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One transport per connection string kind: a serial device or pty
 * (libserialport), a VM's Unix-socket pipe, a TCP client, a TCP listener
 * waiting for a target that dials out, KDNET over UDP (the datagrams'
 * KD packets as the KDCOM byte stream), and the kinds other parts register
 * (the in-process simulated target).
 * All of them are non-blocking and driven by the thread-default main
 * context of the thread that created them (the engine thread); callbacks
 * are always invoked from that main context, never from inside a call into
 * the transport, so callers need not worry about re-entrancy.
 */
#pragma once

#include <glib.h>

#include "kdh-connection-string.h"

G_BEGIN_DECLS

#define KDH_TRANSPORT_ERROR (kdh_transport_error_quark ())
GQuark kdh_transport_error_quark (void);

typedef enum {
  /* closed(): the machine behind the stream is a new one (a KDNET target
   * that rebooted); opened() follows at once. */
  KDH_TRANSPORT_ERROR_PEER_RESTARTED,
} KdhTransportError;

typedef struct {
  /* The byte stream is up (device opened, socket connected or accepted). */
  void (*opened)   (KdhTransport *transport, gpointer user_data);
  /* Bytes from the target, in order; often called straight from the read
   * watch, so it must not run the main loop (nor wait). */
  void (*received) (KdhTransport *transport, const guint8 *data, gsize len, gpointer user_data);
  /* Not connected, and why, e.g. "/run/vm.sock: Connection refused" or
   * "waiting for a target to connect on port 4445". @retrying is TRUE when
   * the transport keeps trying by itself (pipe or serial reconnect, listen). */
  void (*waiting)  (KdhTransport *transport, const gchar *reason, gboolean retrying,
                    gpointer user_data);
  /* The stream failed or the peer closed it, with the reason (errno text
   * included), e.g. "serial port /dev/ttyUSB0 failed: Input/output error".
   * Also ends an open that failed after open() returned, without an
   * opened() before it: "cannot connect to 127.0.0.1:4445: Connection
   * refused". When the transport can reopen by itself (",reconnect" on a
   * pipe or serial port, listen) it says so through waiting() next and
   * later opened() again; otherwise the transport is closed, and open()
   * may be called again. */
  void (*closed)   (KdhTransport *transport, const GError *error, gpointer user_data);
} KdhTransportCallbacks;

/* Creates the transport for @cs (registered kinds included; @cs is copied).
 * Nothing is opened yet. The transport belongs to the calling thread's
 * thread-default main context from now on. free() closes everything and
 * may be called from inside a callback. */
KdhTransport *kdh_transport_new   (const KdhConnectionString   *cs,
                                   const KdhTransportCallbacks *callbacks,
                                   gpointer                     user_data);
void          kdh_transport_free  (KdhTransport *transport);

/* Starts opening. Immediate failures (no such device, bad address) are
 * returned here with a message naming what failed; everything that takes
 * time (connect, accept, waiting for a pipe or, with ",reconnect", a
 * serial device to appear) ends in opened(),
 * waiting() or closed() later. */
gboolean      kdh_transport_open  (KdhTransport  *transport,
                                   GError       **error);
/* Closes the stream and stops any retrying; no callback runs after it,
 * not even for events already on their way. open() may be called again. */
void          kdh_transport_close (KdhTransport *transport);
/* TRUE while the byte stream is up and write() accepts bytes: from the
 * moment it connects (opened() is then on its way) until it fails (closed()
 * on its way) or close(). FALSE while connecting or waiting. */
gboolean      kdh_transport_is_open (KdhTransport *transport);

/* Stops (@paused TRUE) or resumes reading from the stream, for flow
 * control: bytes already read are still delivered, and the peer's further
 * bytes wait in the kernel's buffers (or, on a serial line, are lost as
 * its FIFO overruns; the KD target sends them again). Hangups are not seen
 * while paused. A new stream (after a reconnect) starts reading. */
void          kdh_transport_pause_input (KdhTransport *transport,
                                         gboolean      paused);
gboolean      kdh_transport_input_paused (KdhTransport *transport);
/* The most bytes write() keeps waiting for the stream. */
#define KDH_TRANSPORT_MAX_QUEUED (1024 * 1024)

/* Queues bytes for writing; never blocks. Fails with
 * G_IO_ERROR_NOT_CONNECTED when the stream is not up. The queue is bounded
 * (the protocol never has much in flight): a write that would take it
 * beyond KDH_TRANSPORT_MAX_QUEUED (1 MiB) fails with G_IO_ERROR_NO_SPACE
 * and queues nothing. A write error found here is reported through
 * closed(), like one found later. On a byte stream (not a serial line, not
 * KDNET) writes are gathered: they leave together just before the owner's
 * main loop polls next, or at kdh_transport_flush(), or when the stream is
 * closed; elsewhere at once. */
gboolean      kdh_transport_write (KdhTransport  *transport,
                                   const guint8  *data,
                                   gsize          len,
                                   GError       **error);
/* Writes what gathered writes hold now (before telling anyone that an
 * exchange is over). */
void          kdh_transport_flush (KdhTransport  *transport);
/* Sends what is gathered and reads what the stream has now, outside the
 * main loop (a host spinning for a reply on a fast link, where a pass of
 * the whole loop costs more than the look). *@delivered: something came
 * (bytes, or the end of the stream). FALSE: this transport cannot look
 * this way now (not a stream, input paused, events queued); run the loop. */
gboolean      kdh_transport_look  (KdhTransport  *transport,
                                   gboolean      *delivered);

/* Serial lines only: the line rate in bits per second (0 for sockets; for
 * sim: the simulated line's throttle, 0 when unthrottled) and changing it
 * (KD's "cycle baud rate"). On a serial transport that is not open,
 * set_baud() only sets the rate the next open() uses. Others fail with
 * G_IO_ERROR_NOT_SUPPORTED and a message saying why: "pipe /run/vm.sock is
 * not a serial line; there is no baud rate to cycle". */
guint         kdh_transport_get_baud (KdhTransport *transport);
gboolean      kdh_transport_set_baud (KdhTransport  *transport,
                                      guint          baud,
                                      GError       **error);

/* TCP listen only: the port actually listened on once open() has
 * succeeded (the connection string's, or the one the system chose when
 * its tcp_port was set to 0, which tests do), 0 otherwise. */
guint16       kdh_transport_get_listen_port (KdhTransport *transport);

/* Datagram transports (net:): datagrams received and sent, and those
 * dropped (a bad tag, signature or length, a stale sequence number, a
 * stranger's). FALSE, and zeros, for byte streams. */
gboolean      kdh_transport_get_datagram_counts (KdhTransport *transport,
                                                 guint64      *in,
                                                 guint64      *out,
                                                 guint64      *dropped);

/* "com /dev/ttyS0 115200", "pipe /run/vm.sock", "tcp 127.0.0.1:4445",
 * "tcp listen :4445", "net :50000", "sim". */
const gchar  *kdh_transport_describe (KdhTransport *transport);

/* The far end's own counters where the transport knows them (the
 * in-process simulator): a new a{st} GVariant, or NULL. */
GVariant     *kdh_transport_dup_peer_counters (KdhTransport *transport);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhTransport, kdh_transport_free)

G_END_DECLS
