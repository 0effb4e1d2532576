/* kdh-host.h: what a kernel connection needs from whoever drives it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session, the target model, the command language and the debugging
 * client all run on the engine thread and talk up to it through this small
 * interface rather than through the engine itself: output and events for
 * the front ends, the connection state, the one bounded way to wait, and
 * the user's switches. KdhEngine implements it (kdh-engine.c); tests can
 * implement it too.
 */
#pragma once

#include <glib.h>

#include "kdh-event.h"

G_BEGIN_DECLS

typedef struct _KdhHost KdhHost;
typedef struct _KdhTarget KdhTarget;

typedef struct {
  /* Text for the front ends; output of one kind is coalesced. */
  void     (*output)         (KdhHost       *host,
                              KdhOutputKind  kind,
                              const gchar   *text);
  /* Any other event; takes ownership. Output so far goes first. */
  void     (*post)           (KdhHost       *host,
                              KdhEvent      *event);
  /* The connection state changed (an event, and the snapshot other
   * threads read). @retry and @retry_at_us as KdhEvent's. */
  void     (*publish_state)  (KdhHost       *host,
                              KdhConnState   state,
                              const gchar   *reason,
                              guint          attempt,
                              guint          retry,
                              gint64         retry_at_us,
                              const gchar   *transport,
                              const gchar   *target);
  /* The one way to wait: runs the engine thread's main context until
   * @done returns TRUE, @deadline_us (monotonic; G_MAXINT64 for a wait
   * only an urgent command can end) passes, or an urgent command (break
   * is handled during the wait; resync, restart, detach, quit are not)
   * asks the current work to stop. FALSE with G_IO_ERROR_TIMED_OUT or
   * G_IO_ERROR_CANCELLED ("interrupted by .restart"). */
  gboolean (*wait)           (KdhHost       *host,
                              gboolean     (*done) (gpointer data),
                              gpointer       data,
                              gint64         deadline_us,
                              GError       **error);
  /* Between two pieces of a long output: waits (a few seconds at most)
   * while the front ends are behind. FALSE only when interrupted. */
  gboolean (*wait_for_front_ends) (KdhHost  *host,
                                   GError  **error);
  /* The prompt may have changed (a debugging server's did). */
  void     (*prompt_changed) (KdhHost       *host);
  /* The user's switches. */
  gboolean (*trace_enabled)  (KdhHost       *host);
  gboolean (*initial_break)  (KdhHost       *host);
  /* The far end's own counters (a{st}; the in-process simulator's), each
   * time they may have changed; NULL when the connection has none. For
   * the tests' checks of what the target saw. */
  void     (*peer_counters)  (KdhHost       *host,
                              GVariant      *counters);
  /* Shows where @target is stopped ("nt!DbgBreakPointWithStatus:" and
   * the instruction), as the command language formats code. */
  void     (*show_location)  (KdhHost       *host,
                              KdhTarget     *target);
} KdhHostFuncs;

struct _KdhHost {
  const KdhHostFuncs *funcs;
};

static inline void
kdh_host_output (KdhHost      *host,
                 KdhOutputKind kind,
                 const gchar  *text)
{
  host->funcs->output (host, kind, text);
}

void kdh_host_printf (KdhHost       *host,
                      KdhOutputKind  kind,
                      const gchar   *format,
                      ...) G_GNUC_PRINTF (3, 4);

static inline void
kdh_host_post (KdhHost  *host,
               KdhEvent *event)
{
  host->funcs->post (host, event);
}

static inline void
kdh_host_publish_state (KdhHost     *host,
                        KdhConnState state,
                        const gchar *reason,
                        guint        attempt,
                        guint        retry,
                        gint64       retry_at_us,
                        const gchar *transport,
                        const gchar *target)
{
  host->funcs->publish_state (host, state, reason, attempt, retry, retry_at_us, transport, target);
}

static inline gboolean
kdh_host_wait (KdhHost   *host,
               gboolean (*done) (gpointer data),
               gpointer   data,
               gint64     deadline_us,
               GError   **error)
{
  return host->funcs->wait (host, done, data, deadline_us, error);
}

static inline gboolean
kdh_host_wait_for_front_ends (KdhHost *host,
                              GError **error)
{
  return host->funcs->wait_for_front_ends (host, error);
}

static inline void
kdh_host_prompt_changed (KdhHost *host)
{
  host->funcs->prompt_changed (host);
}

static inline gboolean
kdh_host_trace_enabled (KdhHost *host)
{
  return host->funcs->trace_enabled (host);
}

static inline gboolean
kdh_host_initial_break (KdhHost *host)
{
  return host->funcs->initial_break (host);
}

static inline void
kdh_host_peer_counters (KdhHost  *host,
                        GVariant *counters)
{
  host->funcs->peer_counters (host, counters);
}

static inline void
kdh_host_show_location (KdhHost   *host,
                        KdhTarget *target)
{
  host->funcs->show_location (host, target);
}

G_END_DECLS
