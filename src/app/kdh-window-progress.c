/* kdh-window-progress.c: the Cancel button next to a download's progress bar
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The status bar shows a symbol download's progress (KDH_EVENT_PROGRESS);
 * its Cancel does what Ctrl+C does in the console and Ctrl+Break here: the
 * engine's break, which stops the download the command waits for. Unlike
 * win.break it is there at a break too, where .reload runs.
 */
#include "kdh-window-private.h"

static void
cancel_download_action (GSimpleAction *action,
                        GVariant      *param,
                        gpointer       data)
{
  KdhWindow *self = data;

  kdh_engine_break (self->engine);
}

static const GActionEntry progress_actions[] = {
  { "cancel-download", cancel_download_action },
};

void
kdh_window_install_progress (KdhWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), progress_actions,
                                   G_N_ELEMENTS (progress_actions), self);
}
