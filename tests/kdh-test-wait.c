/* kdh-test-wait.c: bounded waiting on the default main context, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-wait.h"

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_poll (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
kdh_test_wait (gboolean (*done) (gpointer data),
               gpointer   data,
               guint      timeout_s)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (timeout_s, on_timeout, &timed_out);
  guint poll_id = g_timeout_add (20, on_poll, NULL);
  gboolean ok;

  while (!(ok = done (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (poll_id);
  if (!timed_out)
    g_source_remove (timeout_id);
  return ok;
}
