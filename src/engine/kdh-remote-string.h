/* kdh-remote-string.h: WinDbg's .server / -server and -remote strings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Server side (.server, kdhost -server), keys case-insensitive:
 *   tcp:port=N[,password=P][,hidden][,clicon=HOST]   port may be a range a:b
 *                                                    (the first free one)
 *   npipe:pipe=NAME[,password=P][,hidden]            a Unix socket in
 *                                                    $XDG_RUNTIME_DIR/kdhost/;
 *                                                    %d in NAME is the PID
 *   ssl:port=N,cert=FILE[,key=FILE][,password=P][,hidden]
 *   com:port=DEV,baud=N[,channel=N][,password=P]
 * Client side (kdhost-cli -remote, kdhost -remote):
 *   tcp:Port=N,Server=HOST[,Password=P]
 *   tcp:clicon=HOST,Port=N[,Password=P]     wait for a server that dials out
 *   npipe:Pipe=NAME[,Server=HOST][,Password=P]   (local socket; Server is
 *                                                 accepted and must be local)
 *   ssl:Port=N,Server=HOST[,Cert=FILE][,Password=P]   Cert: the server's
 *                                 certificate or its CA; without it any
 *                                 certificate is accepted and its SHA-256
 *                                 fingerprint is printed
 *   com:Port=DEV,Baud=N[,Channel=N][,Password=P]
 * Malformed strings fail with a message naming the bad part and quoting
 * the string, as kdh-connection-string.h does.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_REMOTE_STRING_ERROR (kdh_remote_string_error_quark ())
GQuark kdh_remote_string_error_quark (void);

typedef enum {
  KDH_REMOTE_STRING_ERROR_SYNTAX,
  KDH_REMOTE_STRING_ERROR_UNKNOWN_KIND,
  KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION,
  KDH_REMOTE_STRING_ERROR_BAD_VALUE,
  KDH_REMOTE_STRING_ERROR_MISSING,
  KDH_REMOTE_STRING_ERROR_CONFLICT,
} KdhRemoteStringError;

typedef enum {
  KDH_REMOTE_TCP,
  KDH_REMOTE_NPIPE,
  KDH_REMOTE_SSL,
  KDH_REMOTE_COM,
} KdhRemoteKind;

typedef struct {
  KdhRemoteKind kind;
  guint16 port;              /* tcp, ssl; server: first of the range */
  guint16 port_last;         /* server: last of the range (== port when none) */
  gchar *server;             /* client: the host to connect to */
  gchar *clicon;             /* tcp: the other side dials out to this host */
  gchar *pipe;               /* npipe name as given (%d not expanded) */
  gchar *cert;               /* ssl: server certificate (server), trusted cert (client) */
  gchar *key;                /* ssl server: private key file, when not in cert */
  gchar *device;             /* com: the serial device */
  guint baud;                /* com */
  guint channel;             /* com */
  gchar *password;           /* NULL: none */
  gboolean hidden;           /* server: not listed to other clients */
  gchar *original;
} KdhRemoteString;

KdhRemoteString *kdh_remote_string_parse_server (const gchar  *text,
                                                 GError      **error);
KdhRemoteString *kdh_remote_string_parse_client (const gchar  *text,
                                                 GError      **error);
void             kdh_remote_string_free         (KdhRemoteString *rs);

/* The -remote string a client uses for this server, WinDbg style:
 * "tcp:Port=5005,Server=HOST", with the password written as "*" when
 * @hide_password (what .servers shows), or in full. @host names this
 * machine; @port is the port actually in use (a range picks one). */
gchar *kdh_remote_string_client_command (const KdhRemoteString *server_side,
                                         const gchar           *host,
                                         guint16                port,
                                         gboolean               hide_password);
/* The Unix socket path of an npipe name, %d expanded to @pid. */
gchar *kdh_remote_string_pipe_path      (const gchar *pipe,
                                         gint         pid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhRemoteString, kdh_remote_string_free)

G_END_DECLS
