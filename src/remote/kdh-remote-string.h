/* kdh-remote-string.h: WinDbg's .server / -server and -remote strings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Server side (.server, kdhost -server), keys case-insensitive:
 *   tcp:port=N[,password=P][,hidden][,clicon=HOST][,bind=ADDR]
 *                                  port may be a range a:b (the first free
 *                                  one); bind= (kdhost's own) listens on one
 *                                  local address only, e.g. 127.0.0.1
 *   npipe:pipe=NAME[,password=P][,hidden]            a Unix socket in
 *                                                    $XDG_RUNTIME_DIR/kdhost/;
 *                                                    %d in NAME is the PID
 *   ssl:port=N,cert=FILE[,key=FILE][,password=P][,hidden][,bind=ADDR]
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
 * the string, as kdh-connection-string.h does; the quoted string has the
 * password written as '*', and an unknown option is named by its key only
 * (its value might be a mistyped password). IPv6 literals may be written
 * in brackets ("Server=[::1]"); the fields hold the bare address.
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
  gchar *bind;               /* tcp, ssl server: the one local address to listen on */
  gchar *pipe;               /* npipe name as given (%d not expanded) */
  gchar *cert;               /* ssl: server certificate (server), trusted cert (client) */
  gchar *key;                /* ssl server: private key file, when not in cert */
  gchar *device;             /* com: the serial device */
  guint baud;                /* com (required) */
  guint channel;             /* com: 0 to 254, 0 when not given */
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
 * machine (NULL: g_get_host_name ()); @port is the port actually in use (a
 * range picks one). clicon gives "tcp:clicon=HOST,Port=N"; npipe gives
 * "npipe:Pipe=NAME,Server=HOST" with %d expanded to this process's PID
 * (the server's, since the server calls it); com gives
 * "com:Port=DEV,Baud=N[,Channel=N]" with the server's device. The result
 * parses with kdh_remote_string_parse_client(). */
gchar *kdh_remote_string_client_command (const KdhRemoteString *server_side,
                                         const gchar           *host,
                                         guint16                port,
                                         gboolean               hide_password);
/* The Unix socket path of an npipe name, %d expanded to @pid:
 * g_get_user_runtime_dir ()/kdhost/NAME. A client passes the name from its
 * -remote string (which has no %d left when it came from the server's
 * listing) and any pid. */
gchar *kdh_remote_string_pipe_path      (const gchar *pipe,
                                         gint         pid);

/* @text with the value of every "password=..." (any case, up to ',', ';'
 * or a space) written as "*": the engine echoes command lines such as
 * ".server tcp:port=5005,password=P" to every front end and client. */
gchar *kdh_remote_string_mask_passwords (const gchar *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KdhRemoteString, kdh_remote_string_free)

G_END_DECLS
