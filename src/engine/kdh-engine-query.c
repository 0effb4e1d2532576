/* kdh-engine-query.c: the views' typed queries, answered on the engine thread
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A query waits its turn behind the commands posted before it (so it sees
 * their effect: a bp, a .frame, a step) and answers with one QUERY_RESULT
 * event; it prints nothing, so the command window is not disturbed. A
 * debugging client's engine forwards it to its server.
 */
#include "kdh-engine-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

void
kdh_engine_run_query (KdhEngine        *engine,
                      KdhEngineCommand *cmd)
{
  g_autoptr (GError) error = NULL;
  KdhEvent *event = kdh_event_new (KDH_EVENT_QUERY_RESULT);

  if (cmd->query == KDH_VIEW_QUERY_EVALUATE && engine->backend != NULL
      && engine->backend->klass->query != NULL)
    /* Query carries no text: the server cannot be asked for this one. */
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _("A debugging client cannot evaluate a view's expression; "
                           "type a hexadecimal address instead."));
  else if (cmd->query == KDH_VIEW_QUERY_EVALUATE)
    event->result = kdh_commands_view_evaluate (engine->cmds, cmd->text, &error);
  else if (engine->backend != NULL && engine->backend->klass->query != NULL)
    /* A debugging client asks its server (Query). */
    event->result = engine->backend->klass->query (engine->backend, cmd->query, cmd->address,
                                                   cmd->count, &error);
  else
    event->result = kdh_commands_view_query (engine->cmds, cmd->query, cmd->address, cmd->count,
                                             &error);
  event->token = cmd->token;
  event->query = cmd->query;
  event->success = event->result != NULL;
  event->error = error ? g_strdup (error->message) : NULL;
  kdh_engine_post (engine, event);
}
