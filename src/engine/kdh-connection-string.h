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
 *   sim:                                  in-process simulated target
 *   sim:drop=0.01,corrupt=0.01,dup=0.01,seed=7,stall-ms=0,silent-after=0,
 *       reboot-after=0,dbgprint-rate=0,baud=0,cpus=2
 *   net:port=50000,key=a.b.c.d            KDNET: parsed, reported unsupported
 *
 * A malformed string fails with KDH_CONNECTION_STRING_ERROR and a message
 * that quotes the offending part, for example
 *   "unknown option 'bad=1' in 'com:port=/dev/ttyS0,bad=1'".
 */
#pragma once

#include <glib.h>

#include "kdh-sim-options.h"

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
  KDH_CONNECTION_STRING_ERROR_UNSUPPORTED,  /* net: (KDNET is planned) */
} KdhConnectionStringError;

typedef enum {
  KDH_TRANSPORT_SERIAL,      /* com:port=DEV[,baud=N] */
  KDH_TRANSPORT_PIPE,        /* com:pipe,port=PATH */
  KDH_TRANSPORT_TCP_CONNECT, /* com:ipport=N,port=HOST */
  KDH_TRANSPORT_TCP_LISTEN,  /* com:ipport=N,listen */
  KDH_TRANSPORT_SIM,         /* sim:... */
} KdhTransportKind;


typedef struct {
  KdhTransportKind kind;
  gchar *port;               /* device path, socket path or host name */
  guint baud;                /* serial: bits per second */
  guint16 tcp_port;          /* ipport= */
  gboolean reconnect;        /* pipe, serial: reopen when the VM or device comes back */
  gint resets;               /* pipe: resets=N; -1 when not given */
  KdhSimOptions sim;
  gchar *original;           /* the string as given, for messages */
} KdhConnectionString;

KdhConnectionString *kdh_connection_string_parse (const gchar  *text,
                                                  GError      **error);
void                 kdh_connection_string_free  (KdhConnectionString *cs);

/* A short human description such as "pipe /run/vm.sock", "com /dev/ttyS0
 * 115200", "tcp 127.0.0.1:4445", "tcp listen :4445", "sim". */
gchar *kdh_connection_string_describe (const KdhConnectionString *cs);

/* The canonical string (what WinDbg's "get connection options" returns),
 * re-parseable by kdh_connection_string_parse(). */
gchar *kdh_connection_string_to_string (const KdhConnectionString *cs);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhConnectionString, kdh_connection_string_free)

G_END_DECLS
