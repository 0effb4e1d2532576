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
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>

#include "kdh-sim-app.h"

/* Connection events, on stderr unless --quiet. */
void
kdh_sim_app_say (App         *app,
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
on_sim_option (const gchar *option_name,
               const gchar *value,
               gpointer     data,
               GError     **error)
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
on_options_string (const gchar *option_name,
                   const gchar *value,
                   gpointer     data,
                   GError     **error)
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
    { "lose-continue-acks", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Lose the ACKs of the first N Continue requests (the target runs; the host hears nothing)",
      "N" },
    { "dbgprint-rate", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "DbgPrint lines per second while running (0 or max: as fast as the link allows)",
      "N|max" },
    { "baud", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Limit the line to the rate of a serial port at N baud", "N" },
    { "cpus", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Number of processors (1 to 64)", "N" },
    { "load-driver-after", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "Load a second copy of the test driver (kdhtest2.sys) this long after boot", "SECONDS" },
    { "cpu-budget", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "The most of one core the emulated processors may use (default 25)", "PERCENT" },
    { "ptr64-flag", 0, 0, G_OPTION_ARG_CALLBACK, on_sim_option,
      "0: GetVersion leaves DBGKD_VERS_FLAG_PTR64 clear, as hypervisor stubs do", "0|1" },
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

  if (app.listen != NULL && !g_str_has_prefix (app.listen, "unix:")
      && !g_str_has_prefix (app.listen, "tcp:"))
    {
      g_autofree gchar *msg =
        g_strdup_printf ("bad --listen '%s' (expected unix:PATH or tcp:HOST:PORT)", app.listen);

      return usage_error (&app, msg);
    }
  if (app.listen == NULL && app.connect != NULL && !g_str_has_prefix (app.connect, "tcp:"))
    {
      g_autofree gchar *msg =
        g_strdup_printf ("bad --connect '%s' (expected tcp:HOST:PORT)", app.connect);

      return usage_error (&app, msg);
    }

  /* The machine boots before the endpoint is announced, so that a host
   * that connects at once finds it answering. (Over KDNET the simulator
   * runs a machine of its own.) */
  if (app.kdnet_spec == NULL)
    {
      app.server = kdh_sim_server_new (&app.opts);
      kdh_sim_server_set_detached_func (app.server, kdh_sim_app_on_detached, &app);
    }

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
          ok = kdh_sim_app_start_listen_unix (&app, app.listen + 5, &error);
        }
      else
        {
          app.mode = MODE_LISTEN_TCP;
          ok = kdh_sim_app_start_listen_tcp (&app, app.listen + 4, &error);
        }
    }
  else if (app.connect != NULL)
    {
      app.mode = MODE_CONNECT_TCP;
      ok = kdh_sim_app_start_connect_tcp (&app, app.connect + 4, &error);
    }
  else
    {
      app.mode = MODE_PTY;
      ok = kdh_sim_app_start_pty (&app, &error);
    }
  if (!ok)
    return usage_error (&app, error->message);
  fflush (stdout);

  switch (app.mode)
    {
    case MODE_LISTEN_UNIX:
    case MODE_LISTEN_TCP:
      kdh_sim_app_accept_next (&app);
      break;
    case MODE_CONNECT_TCP:
      kdh_sim_app_start_connect (&app);
      break;
    case MODE_PTY:
      /* Until a host first opens the slave, the master neither hangs up
       * nor reads: it can be served at once. */
      kdh_sim_app_attach_pty (&app);
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
