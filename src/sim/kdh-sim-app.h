/* kdh-sim-app.h: what kdhost-sim's two files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-sim-main.c            options, counters, signals, main()
 * kdh-sim-app-endpoints.c   where hosts reach the simulated target: a Unix or
 *                           TCP socket, a dial-out, a pseudo-terminal
 */
#pragma once

#include <gio/gio.h>

#include "kdh-sim-kdnet.h"
#include "kdh-sim-options.h"
#include "kdh-sim-server.h"
#include "kdh-sim-target.h"

G_BEGIN_DECLS

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

/* Connection events, on stderr unless --quiet. */
void     kdh_sim_app_say               (App          *app,
                                        const gchar  *format,
                                        ...) G_GNUC_PRINTF (2, 3);

/* kdh-sim-app-endpoints.c */
/* Listening: takes the next host. */
void     kdh_sim_app_accept_next       (App          *app);
/* --connect: dials the debugger (again after a failure or hang-up). */
void     kdh_sim_app_start_connect     (App          *app);
/* --pty: serves the master from now on. */
void     kdh_sim_app_attach_pty        (App          *app);
/* The host went away: take the next one, dial again, or wait for the pty. */
void     kdh_sim_app_on_detached       (KdhSimServer *server,
                                        gpointer      user_data);
/* Each announces the endpoint on stdout ("kdhost-sim: listening on ..."). */
gboolean kdh_sim_app_start_listen_unix (App         *app,
                                        const gchar *path,
                                        GError     **error);
gboolean kdh_sim_app_start_listen_tcp  (App          *app,
                                        const gchar  *spec,
                                        GError      **error);
gboolean kdh_sim_app_start_connect_tcp (App         *app,
                                        const gchar *spec,
                                        GError     **error);
gboolean kdh_sim_app_start_pty         (App          *app,
                                        GError      **error);

G_END_DECLS
