/* kdh-connection-string.h: parse WinDbg-style -k connection strings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Accepted spellings (keys and transport names are case-insensitive, as in
 * WinDbg; values such as paths keep their case):
 *
 *   com:port=/dev/ttyS0,baud=115200       serial device or pty (libserialport)
 *   com:port=/dev/pts/3                   baud defaults to 115200
 *   com:port=/dev/ttyUSB0,reconnect       reopened when the adapter comes back
 *   com:pipe,port=/run/vm.sock[,reconnect][,resets=0]   Unix socket (VM pipe)
 *   com:ipport=4445,port=127.0.0.1        TCP client to a VM's serial server
 *   com:ipport=4445,listen                wait for a target that dials out
 *   net:port=50000,key=W.X.Y.Z[,target=HOST][,bind=ADDR]
 *                                         KDNET: listen on UDP for a target that
 *                                         proves the key (only HOST's when given)
 *   NAME:options                          a kind registered by another part
 *                                         (the simulator registers sim:)
 *
 * A malformed string fails with KDH_CONNECTION_STRING_ERROR and a message
 * that quotes the offending part, for example
 *   "unknown option 'bad=1' in 'com:port=/dev/ttyS0,bad=1'".
 */
#pragma once

#include <glib.h>


G_BEGIN_DECLS

#define KDH_CONNECTION_STRING_ERROR (kdh_connection_string_error_quark ())
GQuark kdh_connection_string_error_quark (void);

typedef enum {
  KDH_CONNECTION_STRING_ERROR_SYNTAX,       /* empty, missing ':' or '=' ... */
  KDH_CONNECTION_STRING_ERROR_UNKNOWN_KIND, /* "foo:..." */
  KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION,
  KDH_CONNECTION_STRING_ERROR_BAD_VALUE,    /* baud=fast, drop=2 ... */
  KDH_CONNECTION_STRING_ERROR_MISSING,      /* com: without port= ... */
  KDH_CONNECTION_STRING_ERROR_CONFLICT,     /* pipe with ipport, ... */
  KDH_CONNECTION_STRING_ERROR_UNSUPPORTED,  /* a kind this build cannot serve */
} KdhConnectionStringError;

typedef enum {
  KDH_TRANSPORT_SERIAL,      /* com:port=DEV[,baud=N] */
  KDH_TRANSPORT_PIPE,        /* com:pipe,port=PATH */
  KDH_TRANSPORT_TCP_CONNECT, /* com:ipport=N,port=HOST */
  KDH_TRANSPORT_TCP_LISTEN,  /* com:ipport=N,listen */
  KDH_TRANSPORT_NET,         /* net:port=N,key=K: KDNET over UDP */
  KDH_TRANSPORT_REGISTERED,  /* NAME:... of a registered kind (sim:) */
} KdhTransportKind;

typedef struct _KdhTransport KdhTransport;
typedef struct _KdhConnectionString KdhConnectionString;

/* A kind of connection that another part of kdhost provides (the
 * simulator's in-process "sim:"), so that this library needs nothing of
 * it. Its options are its own business: parsed, copied, printed and freed
 * through these functions. */
typedef struct {
  const gchar *name;          /* "sim": the text before ':' (any case) */
  gboolean bare;              /* "sim" alone, without ':', means "sim:" */
  /* Parses the text after "name:"; errors in KDH_CONNECTION_STRING_ERROR
   * quote @whole. Returns the kind's options. */
  gpointer      (*parse)      (const gchar  *text,
                               const gchar  *whole,
                               GError      **error);
  gpointer      (*copy)       (gconstpointer options);
  void          (*free)       (gpointer      options);
  /* The canonical option text ("drop=0.01,seed=7"; "" for the defaults). */
  gchar        *(*to_string)  (gconstpointer options);
  /* The rate of the line it simulates in bits per second, 0 for none:
   * the link's timeouts follow it. */
  guint         (*line_baud)  (gconstpointer options);
  /* The transport (see kdh-transport-kind.h). */
  KdhTransport *(*create)     (const KdhConnectionString *cs);
} KdhConnectionKind;

/* Makes NAME: strings parse. Any thread; registering the same kind again
 * does nothing. */
void kdh_connection_kind_register (const KdhConnectionKind *kind);


struct _KdhConnectionString {
  KdhTransportKind kind;
  gchar *port;               /* device path, socket path or host name */
  guint baud;                /* serial: bits per second */
  guint16 tcp_port;          /* ipport=; for net: the UDP port= */
  gboolean reconnect;        /* pipe, serial: reopen when the VM or device comes back */
  gint resets;               /* pipe: resets=N; -1 when not given */
  gchar *net_key;            /* net: key=, in lower case */
  gchar *net_target;         /* net: target=HOST, the only machine listened to; or NULL */
  gchar *net_bind;           /* net: bind=ADDR, the local address; or NULL (all) */
  const KdhConnectionKind *registered;  /* KDH_TRANSPORT_REGISTERED: which */
  gpointer options;          /* ... and its options */
  gchar *original;           /* the string as given, for messages */
};

KdhConnectionString *kdh_connection_string_parse (const gchar  *text,
                                                  GError      **error);
KdhConnectionString *kdh_connection_string_copy  (const KdhConnectionString *cs);
void                 kdh_connection_string_free  (KdhConnectionString *cs);
/* The line rate the link's timing must allow for: a serial port's baud, a
 * simulated line's, 0 for sockets. */
guint                kdh_connection_string_line_baud (const KdhConnectionString *cs);

/* A short human description such as "pipe /run/vm.sock", "com /dev/ttyS0
 * 115200", "tcp 127.0.0.1:4445", "tcp listen :4445", "net :50000", "sim". */
gchar *kdh_connection_string_describe (const KdhConnectionString *cs);

/* The canonical string (what WinDbg's "get connection options" returns),
 * re-parseable by kdh_connection_string_parse(). */
gchar *kdh_connection_string_to_string (const KdhConnectionString *cs);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhConnectionString, kdh_connection_string_free)

G_END_DECLS
