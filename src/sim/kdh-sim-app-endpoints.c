/* kdh-sim-app-endpoints.c: where hosts reach kdhost-sim's target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* posix_openpt(), grantpt(), unlockpt(), ptsname_r() */
#define _GNU_SOURCE

#include "kdh-sim-app.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>

#include "common/kdh-serial-line.h"

/* Splits "HOST:PORT" (HOST may be a bracketed IPv6 address). */
static gboolean
parse_host_port (const gchar *text,
                 const gchar *whole,
                 gchar      **host,
                 guint16     *port,
                 GError     **error)
{
  const gchar *colon = strrchr (text, ':');
  g_autofree gchar *h = NULL;
  guint64 p;

  if (colon == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "missing port in '%s' (expected tcp:HOST:PORT)", whole);
      return FALSE;
    }
  h = g_strndup (text, colon - text);
  if (h[0] == '[')
    {
      gsize len = strlen (h);

      if (len < 2 || h[len - 1] != ']')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "bad host '%s' in '%s'", h, whole);
          return FALSE;
        }
      memmove (h, h + 1, len - 2);
      h[len - 2] = '\0';
    }
  if (*h == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "missing host in '%s' (expected tcp:HOST:PORT)", whole);
      return FALSE;
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "bad port '%s' in '%s' (expected 0 to 65535)", colon + 1, whole);
      return FALSE;
    }
  *host = g_steal_pointer (&h);
  *port = (guint16) p;
  return TRUE;
}

/* ---- Attaching a host -------------------------------------------------- */

/* The GIO object keeps its own descriptor; the server gets a duplicate. */
static void
attach_socket (App               *app,
               GSocketConnection *conn)
{
  int fd = dup (g_socket_get_fd (g_socket_connection_get_socket (conn)));

  if (fd < 0)
    {
      g_printerr ("kdhost-sim: dup: %s\n", g_strerror (errno));
      return;
    }
  kdh_sim_server_attach_fd (app->server, fd);
}

static gchar *
describe_peer (GSocketConnection *conn)
{
  g_autoptr (GSocketAddress) addr = g_socket_connection_get_remote_address (conn, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (addr))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (addr);
      g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));

      return g_strdup_printf (" from %s:%u", ip, g_inet_socket_address_get_port (inet));
    }
  return g_strdup ("");
}


static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  App *app = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  g_autofree gchar *peer = NULL;

  conn = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (conn == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_printerr ("kdhost-sim: accept: %s\n", error->message);
      kdh_sim_app_accept_next (app);
      return;
    }

  peer = describe_peer (conn);
  /* The current host may have hung up a moment ago without us having
   * read its EOF yet: a host that reconnects at once is not refused. */
  if (kdh_sim_server_refresh (app->server))
    {
      /* One serial port, one host; dropping the connection (the unref
       * below) tells the newcomer at once. */
      g_printerr ("kdhost-sim: refused a second host%s: one is already connected\n", peer);
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }
  else
    {
      attach_socket (app, conn);
      kdh_sim_app_say (app, "host connected%s", peer);
    }
  kdh_sim_app_accept_next (app);
}

void
kdh_sim_app_accept_next (App *app)
{
  g_socket_listener_accept_async (app->listener, app->cancellable, on_accepted, app);
}


static gboolean
on_connect_retry (gpointer data)
{
  App *app = data;

  app->retry_id = 0;
  kdh_sim_app_start_connect (app);
  return G_SOURCE_REMOVE;
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  App *app = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) conn = NULL;

  conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (conn == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Said once per outage, not every 500 ms. */
      if (!app->connect_failed_once)
        kdh_sim_app_say (app, "%s: %s; retrying every %u ms", app->remote_text, error->message,
             CONNECT_RETRY_MS);
      app->connect_failed_once = TRUE;
      app->retry_id = g_timeout_add (CONNECT_RETRY_MS, on_connect_retry, app);
      return;
    }
  app->connect_failed_once = FALSE;
  attach_socket (app, conn);
  kdh_sim_app_say (app, "host connected (%s)", app->remote_text);
}

void
kdh_sim_app_start_connect (App *app)
{
  g_socket_client_connect_async (app->client, app->remote, app->cancellable, on_connected, app);
}

void
kdh_sim_app_attach_pty (App *app)
{
  int fd = dup (app->pty_master);

  if (fd < 0)
    {
      g_printerr ("kdhost-sim: dup: %s\n", g_strerror (errno));
      return;
    }
  kdh_sim_server_attach_fd (app->server, fd);
}

/* While nobody has the slave open, the master polls as hung up (and reads
 * fail with EIO): look every PTY_PROBE_MS rather than spin. poll() tells
 * without consuming any byte the new host may already have written. */
static gboolean
on_pty_probe (gpointer data)
{
  App *app = data;
  struct pollfd pfd = { app->pty_master, POLLIN, 0 };

  if (poll (&pfd, 1, 0) < 0 || (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
    return G_SOURCE_CONTINUE;
  app->retry_id = 0;
  /* Drop what was written towards the slave while it was closed: the new
   * host should not read the previous session's packets. */
  tcflush (app->pty_master, TCOFLUSH);
  kdh_serial_line_set_raw (app->pty_master, 0, KDH_SERIAL_LINE_LENIENT, "pseudo-terminal", NULL);
  kdh_sim_app_attach_pty (app);
  kdh_sim_app_say (app, "host connected (%s opened)", app->pty_path);
  return G_SOURCE_REMOVE;
}

void
kdh_sim_app_on_detached (KdhSimServer *server,
                         gpointer      data)
{
  App *app = data;

  switch (app->mode)
    {
    case MODE_LISTEN_UNIX:
    case MODE_LISTEN_TCP:
      kdh_sim_app_say (app, "host disconnected");
      break;
    case MODE_CONNECT_TCP:
      /* After a pause: a host that accepts and hangs up at once must not
       * turn this into a busy loop. */
      kdh_sim_app_say (app, "host disconnected; dialling %s again", app->remote_text);
      if (app->retry_id == 0)
        app->retry_id = g_timeout_add (CONNECT_RETRY_MS, on_connect_retry, app);
      break;
    case MODE_PTY:
      kdh_sim_app_say (app, "host disconnected (%s closed)", app->pty_path);
      if (app->retry_id == 0)
        app->retry_id = g_timeout_add (PTY_PROBE_MS, on_pty_probe, app);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- Endpoints --------------------------------------------------------- */

gboolean
kdh_sim_app_start_listen_unix (App         *app,
                               const gchar *path,
                               GError     **error)
{
  g_autoptr (GSocketAddress) addr = NULL;
  struct stat st;

  if (*path == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "missing path in '--listen unix:' (expected unix:PATH)");
      return FALSE;
    }
  /* A socket file left by an earlier run would make bind() fail; anything
   * that is not a socket is somebody's file and stays. */
  if (lstat (path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "%s exists and is not a socket", path);
          return FALSE;
        }
      unlink (path);
    }

  addr = g_unix_socket_address_new (path);
  if (!g_socket_listener_add_address (app->listener, addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  app->unix_path = g_strdup (path);
  printf ("kdhost-sim: listening on unix:%s\n", path);
  return TRUE;
}

static GInetAddress *
resolve_host (const gchar *host,
              GError     **error)
{
  GInetAddress *addr = g_inet_address_new_from_string (host);
  g_autoptr (GResolver) resolver = NULL;
  GList *list;

  if (addr != NULL)
    return addr;
  resolver = g_resolver_get_default ();
  list = g_resolver_lookup_by_name (resolver, host, NULL, error);
  if (list == NULL)
    {
      g_prefix_error (error, "cannot resolve '%s': ", host);
      return NULL;
    }
  addr = g_object_ref (list->data);
  g_resolver_free_addresses (list);
  return addr;
}

gboolean
kdh_sim_app_start_listen_tcp (App         *app,
                              const gchar *spec,
                              GError     **error)
{
  g_autofree gchar *host = NULL;
  g_autofree gchar *whole = g_strconcat ("tcp:", spec, NULL);
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autofree gchar *ip = NULL;
  guint16 port;
  GInetSocketAddress *eff;

  if (!parse_host_port (spec, whole, &host, &port, error))
    return FALSE;
  inet = resolve_host (host, error);
  if (inet == NULL)
    return FALSE;
  addr = g_inet_socket_address_new (inet, port);
  if (!g_socket_listener_add_address (app->listener, addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    {
      g_prefix_error (error, "%s: ", whole);
      return FALSE;
    }
  /* With port 0 the kernel picked one: print that, not 0. */
  eff = G_INET_SOCKET_ADDRESS (effective);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (eff));
  if (g_inet_address_get_family (g_inet_socket_address_get_address (eff)) == G_SOCKET_FAMILY_IPV6)
    printf ("kdhost-sim: listening on tcp:[%s]:%u\n", ip, g_inet_socket_address_get_port (eff));
  else
    printf ("kdhost-sim: listening on tcp:%s:%u\n", ip, g_inet_socket_address_get_port (eff));
  return TRUE;
}

gboolean
kdh_sim_app_start_connect_tcp (App         *app,
                               const gchar *spec,
                               GError     **error)
{
  g_autofree gchar *host = NULL;
  guint16 port;

  app->remote_text = g_strconcat ("tcp:", spec, NULL);
  if (!parse_host_port (spec, app->remote_text, &host, &port, error))
    return FALSE;
  if (port == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "bad port '0' in '%s' (expected 1 to 65535)", app->remote_text);
      return FALSE;
    }
  app->remote = g_network_address_new (host, port);
  app->client = g_socket_client_new ();
  printf ("kdhost-sim: connecting to %s\n", app->remote_text);
  return TRUE;
}

gboolean
kdh_sim_app_start_pty (App     *app,
                       GError **error)
{
  char name[128];
  int err;

  app->pty_master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (app->pty_master < 0 || grantpt (app->pty_master) < 0 || unlockpt (app->pty_master) < 0
      || (errno = ptsname_r (app->pty_master, name, sizeof name)) != 0)
    {
      err = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "pseudo-terminal: %s",
                   g_strerror (err));
      return FALSE;
    }
  /* No echo, no line discipline: the bytes are packets, not text. */
  if (!kdh_serial_line_set_raw (app->pty_master, 0, KDH_SERIAL_LINE_LENIENT, "pseudo-terminal",
                                error))
    return FALSE;
  app->pty_path = g_strdup (name);
  printf ("kdhost-sim: pty %s\n", name);
  return TRUE;
}

