/* kdh-transport-kind.h: for implementing a kind of transport
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built-in kinds (serial, pipe, TCP) and the ones other parts
 * register (kdh_connection_kind_register(): the simulator's in-process
 * sim:) implement a transport through this header. Front ends and the
 * session use kdh-transport.h only.
 *
 * Every kind ends up with one connected, non-blocking file descriptor (a
 * tty, a Unix or TCP socket, or one end of the simulator's socket pair), so
 * the common part owns the stream machinery: the read watch, the bounded
 * write queue and its POLLOUT watch, and the queue of events that reaches
 * the callbacks through an idle source. A kind only has to get an fd
 * (kdh_transport_stream_up()) and decide what happens after it is lost.
 */
#pragma once

#include <glib.h>
#include <glib-unix.h>

#include "kdh-transport.h"

G_BEGIN_DECLS

typedef struct {
  const gchar *name;
  /* Starts opening; see kdh_transport_open(). */
  gboolean (*open)       (KdhTransport  *self,
                          GError       **error);
  /* Stops connecting, accepting and retrying and frees per-open state.
   * The stream, if any, is already down. */
  void     (*close)      (KdhTransport  *self);
  /* The stream went down by itself and closed() has been queued. Returns
   * TRUE when the kind keeps trying by itself (reconnect, listen). */
  gboolean (*lost)       (KdhTransport  *self);
  /* Closes the stream's fd; NULL means close(). */
  void     (*release_fd) (KdhTransport  *self,
                          int            fd);
  /* Non-blocking write; -1 with errno set on failure (EAGAIN included).
   * NULL means write(), or send() without SIGPIPE for sockets. */
  gssize   (*write)      (KdhTransport  *self,
                          int            fd,
                          const guint8  *data,
                          gsize          len);
  /* Non-blocking read of what the stream carries; -1 with errno set on
   * failure, EAGAIN when nothing is there for the stream (a datagram that
   * carried none). NULL means read(). */
  gssize   (*read)       (KdhTransport  *self,
                          int            fd,
                          guint8        *buf,
                          gsize          len);
  /* A read of 0 bytes (or a hangup without an error) means the device
   * went away rather than an orderly end of stream: a tty reads 0 after a
   * hangup. */
  gboolean eof_is_failure;
  guint    (*get_baud)   (KdhTransport  *self);
  gboolean (*set_baud)   (KdhTransport  *self,
                          guint          baud,
                          GError       **error);
  guint16  (*get_listen_port)  (KdhTransport *self);
  /* The far end's own counters, when the transport can know them (the
   * in-process simulator): a{st}, e.g. {"resets_received": 3}; NULL when
   * it cannot. Called on the transport's thread. */
  GVariant *(*dup_peer_counters) (KdhTransport *self);
  /* Datagram transports: see kdh_transport_get_datagram_counts(). */
  gboolean (*get_datagram_counts) (KdhTransport *self,
                                   guint64      *in,
                                   guint64      *out,
                                   guint64      *dropped);
  void     (*finalize)   (KdhTransport  *self);
} KdhTransportClass;

struct _KdhTransport {
  const KdhTransportClass *klass;
  gint ref_count;                 /* the owner's, plus one per dispatch */
  gboolean disposed;              /* kdh_transport_free() was called */

  /* A private copy of the connection string. */
  KdhConnectionString *cs;
  gchar *description;
  KdhTransportCallbacks callbacks;
  gpointer user_data;
  GMainContext *context;

  gboolean active;                /* between open() and close() or a final closed() */

  /* The stream, while it is up. */
  int fd;
  gboolean fd_is_socket;
  gchar *stream_what;             /* "pipe /run/vm.sock", for messages */
  GSource *read_source;
  gboolean input_paused;          /* kdh_transport_pause_input() */
  GSource *write_source;
  GByteArray *write_queue;
  gsize write_offset;             /* bytes of write_queue already written */
  GSource *flush_source;          /* streams: writes leave when the loop polls */

  GQueue events;
  GSource *event_source;
};

/* A kind's constructor (the built-in ones and KdhConnectionKind.create)
 * allocates its own struct beginning with a KdhTransport and fills in
 * klass only; kdh_transport_new() does the rest. */

/* For asynchronous operations that may complete after free(): the
 * struct stays allocated (everything else released) until the last
 * reference goes. */
KdhTransport *kdh_transport_ref   (KdhTransport *self);
void          kdh_transport_unref (KdhTransport *self);

/* Takes @fd (made non-blocking) as the stream and queues opened().
 * @what names the stream in messages ("serial port /dev/ttyS0"). */
void     kdh_transport_stream_up   (KdhTransport *self,
                                     int           fd,
                                     gboolean      is_socket,
                                     const gchar  *what);
/* Tears the stream down without any event (close(), free()). */
void     kdh_transport_stream_down (KdhTransport *self);
/* The far end behind the stream was replaced (a KDNET target rebooted
 * and took up a new session): queues closed(@error), taking it, and then
 * opened(); the stream stays up. */
void     kdh_transport_stream_restarted (KdhTransport *self,
                                         GError       *error);

void     kdh_transport_emit_waiting (KdhTransport *self,
                                     const gchar  *reason,
                                     gboolean      retrying);
/* An asynchronous open failed (TCP connect refused): calls the kind's
 * close(), ends the open and queues closed(@error), taking @error. */
void     kdh_transport_fail_open    (KdhTransport *self,
                                      GError       *error);

/* A G_IO_ERROR from @errsv whose message is the formatted text, ": " and
 * the errno text. */
GError  *kdh_transport_errno_error  (int           errsv,
                                      const gchar  *format,
                                      ...) G_GNUC_PRINTF (2, 3);

GSource *kdh_transport_add_fd_watch  (KdhTransport      *self,
                                       int                fd,
                                       GIOCondition       condition,
                                       GUnixFDSourceFunc  func);
GSource *kdh_transport_add_timeout   (KdhTransport *self,
                                       guint         interval_ms,
                                       GSourceFunc   func);
void     kdh_transport_clear_source  (GSource **source);

G_END_DECLS
