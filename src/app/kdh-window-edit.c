/* kdh-window-edit.c: the Edit menu, the output's context menu and .cls
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ctrl+C does two things, as in KD's console: with text selected it
 * copies, with nothing selected it breaks in (Ctrl+Break always breaks
 * in). .cls clears the output as WinDbg's does; it is the window's command,
 * added to its engine, since only a front end has a screen to clear.
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>

static void
copy_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  KdhWindow *self = data;

  if (!kdh_command_view_copy (self->command_view) && self->state == KDH_CONN_RUNNING)
    kdh_engine_break (self->engine);
}

static void
select_all_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       data)
{
  KdhWindow *self = data;

  kdh_command_view_select_all (self->command_view);
}

static void
find_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  KdhWindow *self = data;

  kdh_command_view_find (self->command_view);
}

static void
clear_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  KdhWindow *self = data;

  kdh_command_view_clear (self->command_view);
  kdh_command_view_focus_entry (self->command_view);
}

static const GActionEntry edit_actions[] = {
  { "copy", copy_action },
  { "select-all", select_all_action },
  { "find", find_action },
  { "clear", clear_action },
};

/* On the engine thread: the clear itself waits for the command's end on
 * the window's thread, so that the output printed before it goes too. */
static gboolean
cmd_cls (KdhCommandCall *call,
         gpointer        data,
         GError        **error)
{
  KdhWindow *self = data;

  if (*kdh_command_call_get_args (call) != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".cls takes no arguments (got '%s')."), kdh_command_call_get_args (call));
      return FALSE;
    }
  /* A debugging client's .cls clears its own window (its engine runs it);
   * one that reached the server, on a line with others, is refused. */
  if (kdh_command_call_get_origin (call) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _(".cls clears the window it is typed in; a remote client may not "
                             "clear the server's."));
      return FALSE;
    }
  g_atomic_int_set (&self->cls_pending, 1);
  return TRUE;
}

void
kdh_window_edit_command_done (KdhWindow *self)
{
  if (g_atomic_int_compare_and_exchange (&self->cls_pending, 1, 0))
    kdh_command_view_clear (self->command_view);
}

void
kdh_window_install_edit (KdhWindow *self)
{
  g_autoptr (GMenu) menu = g_menu_new ();
  g_autoptr (GMenu) clipboard = g_menu_new ();
  g_autoptr (GMenu) clear = g_menu_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), edit_actions,
                                   G_N_ELEMENTS (edit_actions), self);
  g_menu_append (clipboard, _("_Copy"), "win.copy");
  g_menu_append (clipboard, _("Select _All"), "win.select-all");
  g_menu_append (clipboard, _("_Find…"), "win.find");
  g_menu_append (clear, _("C_lear Output"), "win.clear");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (clipboard));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (clear));
  kdh_command_view_set_context_menu (self->command_view, G_MENU_MODEL (menu));
  kdh_engine_add_front_command (self->engine, ".cls",
                                ".cls              clear the output window", cmd_cls, self, NULL);
}
