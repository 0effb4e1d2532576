/* kdh-backend.h: what an engine drives: a kernel connection of its own, or
 * a debugging server's session
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine holds at most one backend and never asks which kind it is:
 * a KdhSession (a -k connection) and a KdhRemoteClient (-remote) both
 * implement this. Engine thread only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KdhBackend KdhBackend;

#define KDH_BACKEND_ERROR (kdh_backend_error_quark ())
GQuark kdh_backend_error_quark (void);

typedef enum {
  /* The backend has already shown this failure to every front end (the
   * connection's loss with its reason, a debugging server's own error
   * message): the engine must not print it a second time. */
  KDH_BACKEND_ERROR_REPORTED,
} KdhBackendError;

typedef struct {
  const gchar *name;             /* "session", "remote client" */
  void     (*free)             (KdhBackend  *backend);
  /* Runs a command line elsewhere (a debugging server); NULL: the
   * engine's own command language runs it, here. */
  gboolean (*execute)          (KdhBackend  *backend,
                                const gchar *line,
                                const gchar *origin,
                                GError     **error);
  /* Whether the engine shows the command line itself: a connected
   * debugging server echoes it to everyone, with the sender's name. */
  gboolean (*echoes_commands)  (KdhBackend  *backend);
  gboolean (*resync)           (KdhBackend  *backend,
                                GError     **error);
  gboolean (*restart)          (KdhBackend  *backend,
                                GError     **error);
  gboolean (*cycle_baud)       (KdhBackend  *backend,
                                GError     **error);
  /* Break in (Ctrl+C). @defer: a command that may let the target run is
   * running or queued; a break asked for at a break is kept for it. */
  void     (*interrupt)        (KdhBackend  *backend,
                                gboolean     defer);
  void     (*set_trace)        (KdhBackend  *backend,
                                gboolean     enabled);
  /* The prompt ("0: kd> ") and whether the target side is ready for a
   * command (the engine adds whether it is busy itself). */
  gchar   *(*dup_prompt)       (KdhBackend  *backend,
                                gboolean    *ready);
  /* The connection or -remote string, canonical (passwords hidden). */
  gchar   *(*dup_connection)   (KdhBackend  *backend);
  /* A command has ended (a break asked for during it is moot now). */
  void     (*command_finished) (KdhBackend  *backend);
  /* Housekeeping between commands: when it wants to run next
   * (G_MAXINT64: nothing to do), and running it. */
  gint64   (*next_poll)        (KdhBackend  *backend);
  void     (*poll)             (KdhBackend  *backend);
  /* Reading from the target follows the front ends' backlog; returns when
   * to look again. */
  gint64   (*throttle_input)   (KdhBackend  *backend,
                                gboolean     backlogged);
  /* A reply is due within microseconds: until when (monotonic) the
   * engine should look for it without sleeping; 0 or NULL: sleep. */
  gint64   (*spin_until)       (KdhBackend  *backend);
  /* While it spins: one look at the link alone, outside the main loop
   * (*delivered: something came). FALSE or NULL: it cannot now; the
   * engine runs its loop instead. */
  gboolean (*look)             (KdhBackend  *backend,
                                gboolean    *delivered);
  /* The backend asked to be closed (a debugging client's "q"). */
  gboolean (*wants_close)      (KdhBackend  *backend);
  /* Answers a view's query elsewhere (a debugging server; the query
   * kinds of commands/kdh-view-query.h); NULL: the engine's own
   * commands answer it, here. */
  GVariant *(*query)           (KdhBackend  *backend,
                                guint        query,
                                guint64      address,
                                guint        count,
                                GError     **error);
} KdhBackendClass;

struct _KdhBackend {
  const KdhBackendClass *klass;
};

G_END_DECLS
