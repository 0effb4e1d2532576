/* kdh-sim-main.c: kdhost-sim, a simulated Windows x64 kernel debug target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serves the target side of the KD protocol on a Unix or TCP socket (as a
 * VM's serial port exposed by QEMU or VirtualBox), by dialling out to a
 * debugger (as Xen kdd does), or on a pseudo-terminal (QEMU -serial pty).
 * The first line on stdout says where, for scripts and tests; counters
 * are printed on SIGUSR1 and at exit, and kept in --counters-file.
 */
/* posix_openpt(), grantpt(), unlockpt(), ptsname_r() */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>

#include "kdh-sim-kdnet.h"
#include "kdh-sim-options.h"
#include "kdh-sim-server.h"
#include "kdh-sim-target.h"

#define EXIT_USAGE 2
#define CONNECT_RETRY_MS 500
#define PTY_PROBE_MS 100
#define COUNTERS_POLL_MS 100

typedef enum {
  MODE_LISTEN_UNIX,
  MODE_LISTEN_TCP,
  MODE_CONNECT_TCP,
  MODE_PTY,
  MODE_KDNET,
} Mode;

typedef struct {
  KdhSimOptions opts;
  gchar *listen;
  gchar *connect;
  gboolean pty;
  gchar *kdnet_spec;
  KdhSimKdnet *kdnet;
  gchar *counters_file;
  gboolean quiet;

  Mode mode;
  GMainLoop *loop;
  KdhSimServer *server;
  GCancellable *cancellable;

  GSocketListener *listener;
  gchar *unix_path;             /* the socket file to remove at exit */

  GSocketClient *client;
  GSocketConnectable *remote;
  gchar *remote_text;
  gboolean connect_failed_once;

  int pty_master;
  gchar *pty_path;

  guint retry_id;               /* connect retry or pty probe */
  KdhSimCounters written;       /* what --counters-file holds */
  gboolean have_written;
} App;

static void
say (App         *app,
     const gchar *format,
     ...) G_GNUC_PRINTF (2, 3);

/* Connection events, on stderr unless --quiet. */
static void
say (App         *app,
     const gchar *format,
     ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  if (app->quiet)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "kdhost-sim: %s\n", text);
}

/* ---- Options ----------------------------------------------------------- */

static gboolean
on_sim_option (const gchar  *option_name,
               const gchar  *value,
               gpointer      data,
               GError      **error)
{
  App *app = data;
  const gchar *key = option_name;
  g_autoptr (GError) local = NULL;

  while (*key == '-')
    key++;
  /* The same setter as the `sim:` connection string: same spelling, same
   * checks, same messages. */
  if (!kdh_sim_options_set (&app->opts, key, value, &local))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s", option_name,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_options_string (const gchar  *option_name,
                   const gchar  *value,
                   gpointer      data,
                   GError      **error)
{
  App *app = data;
  g_autoptr (GError) local = NULL;

  if (!kdh_sim_options_parse (value, &app->opts, &local))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s", option_name,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

/* Splits "HOST:PORT" (HOST may be a bracketed IPv6 address). */
static gboolean
parse_host_port (const gchar  *text,
                 const gchar  *whole,
                 gchar       **host,
                 guint16      *port,
                 GError      **error)
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

/* ---- Counters ---------------------------------------------------------- */

static void
write_counters_file (App                  *app,
                     const KdhSimCounters *counters)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr (GError) error = NULL;

  app->written = *counters;
  app->have_written = TRUE;
  if (app->counters_file == NULL)
    return;
  text = kdh_sim_counters_format (counters);
  line = g_strconcat (text, "\n", NULL);
  /* g_file_set_contents() renames a temporary file into place, so a
   * reader never sees half a report. */
  if (!g_file_set_contents (app->counters_file, line, -1, &error))
    g_printerr ("kdhost-sim: %s\n", error->message);
}

static void
report_counters (App *app)
{
  KdhSimCounters counters;
  g_autofree gchar *text = NULL;

  if (app->kdnet)
    kdh_sim_kdnet_get_counters (app->kdnet, &counters, NULL);
  else
    kdh_sim_server_get_counters (app->server, &counters);
  text = kdh_sim_counters_format (&counters);
  printf ("kdhost-sim: counters %s\n", text);
  fflush (stdout);
  write_counters_file (app, &counters);
}

static gboolean
on_counters_poll (gpointer data)
{
  App *app = data;
  KdhSimCounters counters;

  if (app->kdnet)
    kdh_sim_kdnet_get_counters (app->kdnet, &counters, NULL);
  else
    kdh_sim_server_get_counters (app->server, &counters);
  if (!app->have_written || memcmp (&counters, &app->written, sizeof counters) != 0)
    write_counters_file (app, &counters);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigusr1 (gpointer data)
{
  report_counters (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit_signal (gpointer data)
{
  App *app = data;

  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
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

static void accept_next (App *app);

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
      accept_next (app);
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
      say (app, "host connected%s", peer);
    }
  accept_next (app);
}

static void
accept_next (App *app)
{
  g_socket_listener_accept_async (app->listener, app->cancellable, on_accepted, app);
}

static void start_connect (App *app);

static gboolean
on_connect_retry (gpointer data)
{
  App *app = data;

  app->retry_id = 0;
  start_connect (app);
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
        say (app, "%s: %s; retrying every %u ms", app->remote_text, error->message,
             CONNECT_RETRY_MS);
      app->connect_failed_once = TRUE;
      app->retry_id = g_timeout_add (CONNECT_RETRY_MS, on_connect_retry, app);
      return;
    }
  app->connect_failed_once = FALSE;
  attach_socket (app, conn);
  say (app, "host connected (%s)", app->remote_text);
}

static void
start_connect (App *app)
{
  g_socket_client_connect_async (app->client, app->remote, app->cancellable, on_connected, app);
}

static gboolean
make_raw (int      fd,
          GError **error)
{
  struct termios tio;

  if (tcgetattr (fd, &tio) < 0)
    {
      int err = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "tcgetattr: %s",
                   g_strerror (err));
      return FALSE;
    }
  /* No echo, no line discipline: the bytes are packets, not text. */
  cfmakeraw (&tio);
  if (tcsetattr (fd, TCSANOW, &tio) < 0)
    {
      int err = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "tcsetattr: %s",
                   g_strerror (err));
      return FALSE;
    }
  return TRUE;
}

static void
attach_pty (App *app)
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
  make_raw (app->pty_master, NULL);
  attach_pty (app);
  say (app, "host connected (%s opened)", app->pty_path);
  return G_SOURCE_REMOVE;
}

static void
on_detached (KdhSimServer *server,
             gpointer      data)
{
  App *app = data;

  switch (app->mode)
    {
    case MODE_LISTEN_UNIX:
    case MODE_LISTEN_TCP:
      say (app, "host disconnected");
      break;
    case MODE_CONNECT_TCP:
      /* After a pause: a host that accepts and hangs up at once must not
       * turn this into a busy loop. */
      say (app, "host disconnected; dialling %s again", app->remote_text);
      if (app->retry_id == 0)
        app->retry_id = g_timeout_add (CONNECT_RETRY_MS, on_connect_retry, app);
      break;
    case MODE_PTY:
      say (app, "host disconnected (%s closed)", app->pty_path);
      if (app->retry_id == 0)
        app->retry_id = g_timeout_add (PTY_PROBE_MS, on_pty_probe, app);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- Endpoints --------------------------------------------------------- */

static gboolean
start_listen_unix (App          *app,
                   const gchar  *path,
                   GError      **error)
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
resolve_host (const gchar  *host,
              GError      **error)
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

static gboolean
start_listen_tcp (App          *app,
                  const gchar  *spec,
                  GError      **error)
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

static gboolean
start_connect_tcp (App          *app,
                   const gchar  *spec,
                   GError      **error)
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

static gboolean
start_pty (App     *app,
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
  if (!make_raw (app->pty_master, error))
    return FALSE;
  app->pty_path = g_strdup (name);
  printf ("kdhost-sim: pty %s\n", name);
  return TRUE;
}

/* ---- main -------------------------------------------------------------- */

static void
app_clear (App *app)
{
  if (app->retry_id)
    g_source_remove (app->retry_id);
  if (app->cancellable)
    {
      /* Let the cancelled accept or connect finish, so that nothing it
       * holds is left behind. */
      g_cancellable_cancel (app->cancellable);
      for (guint i = 0; i < 100 && g_main_context_pending (NULL); i++)
        g_main_context_iteration (NULL, FALSE);
    }
  if (app->listener)
    g_socket_listener_close (app->listener);
  if (app->unix_path)
    unlink (app->unix_path);
  g_clear_pointer (&app->server, kdh_sim_server_free);
  g_clear_pointer (&app->kdnet, kdh_sim_kdnet_free);
  g_free (app->kdnet_spec);
  g_clear_object (&app->listener);
  g_clear_object (&app->client);
  g_clear_object (&app->remote);
  g_clear_object (&app->cancellable);
  g_clear_pointer (&app->loop, g_main_loop_unref);
  if (app->pty_master >= 0)
    close (app->pty_master);
  g_free (app->unix_path);
  g_free (app->remote_text);
  g_free (app->pty_path);
  g_free (app->listen);
  g_free (app->connect);
  g_free (app->counters_file);
}

static int
usage_error (App         *app,
             const gchar *message)
{
  g_printerr ("kdhost-sim: %s\n", message);
  g_printerr ("Try 'kdhost-sim --help' for more information.\n");
  app_clear (app);
  return EXIT_USAGE;
}

int
main (int    argc,
      char **argv)
{
  App app = { 0 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  GOptionGroup *group;
  guint n_modes;
  gboolean ok;
  guint sig_ids[4];
  guint poll_id;
  const GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &app.listen,
      "Wait for a host on a Unix socket or TCP port (default tcp:127.0.0.1:0)",
      "unix:PATH|tcp:HOST:PORT" },
    { "connect", 0, 0, G_OPTION_ARG_STRING, &app.connect,
      "Dial a host that listens (com:ipport=N,listen), retrying every 500 ms", "tcp:HOST:PORT" },
    { "pty", 0, 0, G_OPTION_ARG_NONE, &app.pty,
      "Serve a new pseudo-terminal and print its path", NULL },
    { "kdnet", 0, 0, G_OPTION_ARG_STRING, &app.kdnet_spec,
      "Be a KDNET target: poke the debugger at HOST:PORT with the key, as "
      "bcdedit /dbgsettings net hostip:HOST port:PORT key:W.X.Y.Z sets up Windows",
      "HOST:PORT,key=W.X.Y.Z[,poke-ms=N]" },
    { "reorder", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "KDNET: probability that a datagram is overtaken by the next", "P" },
    { "drop", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Probability that a packet loses a byte", "P" },
    { "corrupt", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Probability that a packet gets a garbled byte", "P" },
    { "dup", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Probability that a packet gets a repeated byte", "P" },
    { "seed", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Seed for faults and data (reproducible runs)", "N" },
    { "stall-ms", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Stall the line now and then for N ms", "N" },
    { "silent-after", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Stop answering after N packets, until a RESET", "N" },
    { "reboot-after", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Reboot after N packets sent", "N" },
    { "dbgprint-rate", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "DbgPrint lines per second while running (0 or max: as fast as the link allows)",
      "N|max" },
    { "baud", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Limit the line to the rate of a serial port at N baud", "N" },
    { "cpus", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Number of processors (1 to 64)", "N" },
    { "options", 0, 0, G_OPTION_ARG_CALLBACK, on_options_string,
      "Options as in a sim: connection string", "KEY=VALUE,..." },
    { "counters-file", 0, 0, G_OPTION_ARG_FILENAME, &app.counters_file,
      "Keep the target's counters in this file", "PATH" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &app.quiet,
      "Do not report connects and disconnects on stderr", NULL },
    { NULL }
  };

  app.pty_master = -1;
  kdh_sim_options_init (&app.opts);

  context = g_option_context_new ("- simulated Windows x64 kernel debug target");
  g_option_context_set_summary (context,
                                "Speaks the target side of the Windows kernel debugger "
                                "protocol (KDCOM) for kdhost and other debuggers.");
  group = g_option_group_new ("kdhost-sim", "kdhost-sim options", "Show kdhost-sim options",
                              &app, NULL);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (&app, error->message);
  if (argc > 1)
    {
      g_autofree gchar *msg = g_strdup_printf ("unexpected argument '%s'", argv[1]);

      return usage_error (&app, msg);
    }

  n_modes = (app.listen != NULL) + (app.connect != NULL) + (app.pty != FALSE)
            + (app.kdnet_spec != NULL);
  if (n_modes > 1)
    return usage_error (&app, "give only one of --listen, --connect, --pty and --kdnet");
  if (n_modes == 0)
    app.listen = g_strdup ("tcp:127.0.0.1:0");

  /* Writes to a host that has gone must fail with EPIPE, not kill us. */
  signal (SIGPIPE, SIG_IGN);

  app.loop = g_main_loop_new (NULL, FALSE);
  app.cancellable = g_cancellable_new ();

  if (app.kdnet_spec != NULL)
    {
      app.mode = MODE_KDNET;
      app.kdnet = kdh_sim_kdnet_start (&app.opts, app.kdnet_spec, &error);
      ok = app.kdnet != NULL;
    }
  else if (app.listen != NULL)
    {
      app.listener = g_socket_listener_new ();
      if (g_str_has_prefix (app.listen, "unix:"))
        {
          app.mode = MODE_LISTEN_UNIX;
          ok = start_listen_unix (&app, app.listen + 5, &error);
        }
      else if (g_str_has_prefix (app.listen, "tcp:"))
        {
          app.mode = MODE_LISTEN_TCP;
          ok = start_listen_tcp (&app, app.listen + 4, &error);
        }
      else
        {
          g_autofree gchar *msg =
            g_strdup_printf ("bad --listen '%s' (expected unix:PATH or tcp:HOST:PORT)",
                             app.listen);

          return usage_error (&app, msg);
        }
    }
  else if (app.connect != NULL)
    {
      if (!g_str_has_prefix (app.connect, "tcp:"))
        {
          g_autofree gchar *msg =
            g_strdup_printf ("bad --connect '%s' (expected tcp:HOST:PORT)", app.connect);

          return usage_error (&app, msg);
        }
      app.mode = MODE_CONNECT_TCP;
      ok = start_connect_tcp (&app, app.connect + 4, &error);
    }
  else
    {
      app.mode = MODE_PTY;
      ok = start_pty (&app, &error);
    }
  if (!ok)
    return usage_error (&app, error->message);
  fflush (stdout);

  if (app.kdnet == NULL)
    {
      app.server = kdh_sim_server_new (&app.opts);
      kdh_sim_server_set_detached_func (app.server, on_detached, &app);
    }
  switch (app.mode)
    {
    case MODE_LISTEN_UNIX:
    case MODE_LISTEN_TCP:
      accept_next (&app);
      break;
    case MODE_CONNECT_TCP:
      start_connect (&app);
      break;
    case MODE_PTY:
      /* Until a host first opens the slave, the master neither hangs up
       * nor reads: it can be served at once. */
      attach_pty (&app);
      break;
    case MODE_KDNET:
      break;
    default:
      g_assert_not_reached ();
    }

  sig_ids[0] = g_unix_signal_add (SIGINT, on_quit_signal, &app);
  sig_ids[1] = g_unix_signal_add (SIGTERM, on_quit_signal, &app);
  sig_ids[2] = g_unix_signal_add (SIGHUP, on_quit_signal, &app);
  sig_ids[3] = g_unix_signal_add (SIGUSR1, on_sigusr1, &app);
  on_counters_poll (&app);
  poll_id = g_timeout_add (COUNTERS_POLL_MS, on_counters_poll, &app);

  g_main_loop_run (app.loop);

  g_source_remove (poll_id);
  for (guint i = 0; i < G_N_ELEMENTS (sig_ids); i++)
    g_source_remove (sig_ids[i]);
  report_counters (&app);
  app_clear (&app);
  return EXIT_SUCCESS;
}
