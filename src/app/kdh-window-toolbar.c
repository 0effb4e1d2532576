/* kdh-window-toolbar.c: the debugging toolbar and Run to Cursor
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The toolbar's buttons (ui/kdh-window.ui) are the win.* actions the
 * Debug menu has, so their sensitivity is the actions' and follows the
 * connection state: Go, the steps and Run to Cursor at a break, Break
 * while running; a crash dump is stopped for good and cannot run or
 * step. Run to Cursor (F7, Ctrl+F10, as in WinDbg) runs `g ADDR` to the
 * line selected in the Disassembly view; pressed when it cannot run, the
 * key says why instead of doing nothing.
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>

#include "kdh-view-disassembly.h"

/* A refusal of a window action: in the command window and to the bus's
 * watchers, as the engine's own errors are. */
static void
say_error (KdhWindow   *self,
           const gchar *text)
{
  kdh_command_view_append (self->command_view, KDH_OUTPUT_ERROR, text);
  kdh_window_bus_output (self, KDH_OUTPUT_ERROR, text);
}

static KdhViewDisassembly *
find_disassembly (KdhWindow *self)
{
  GtkWidget *view = self->views ? kdh_window_dock_find (self, KDH_TYPE_VIEW_DISASSEMBLY) : NULL;

  return view ? KDH_VIEW_DISASSEMBLY (view) : NULL;
}

static void
run_to_cursor_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       data)
{
  KdhWindow *self = data;
  KdhViewDisassembly *view = find_disassembly (self);
  g_autofree gchar *line = NULL;
  guint64 address;

  if (view == NULL || !kdh_view_disassembly_get_selected (view, &address))
    {
      say_error (self, _("Run to Cursor: select a line in the Disassembly view (Alt+7) first.\n"));
      return;
    }
  /* As typed, so the command window shows where it went. */
  line = g_strdup_printf ("g 0x%" G_GINT64_MODIFIER "x", address);
  kdh_engine_execute (self->engine, line, NULL);
}

static const GActionEntry toolbar_actions[] = {
  { "run-to-cursor", run_to_cursor_action },
};

static gboolean
action_enabled (KdhWindow   *self,
                const gchar *name)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  return action != NULL && g_action_get_enabled (action);
}

/* F7 and Ctrl+F10 reach here before the accelerators: when Run to Cursor
 * cannot run, the key says why. */
static gboolean
on_key_press (GtkWidget   *widget,
              GdkEventKey *event,
              gpointer     data)
{
  KdhWindow *self = data;
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();
  gboolean run_to = (event->keyval == GDK_KEY_F7 && mods == 0)
                    || (event->keyval == GDK_KEY_F10 && mods == GDK_CONTROL_MASK);

  if (!run_to || action_enabled (self, "run-to-cursor"))
    return GDK_EVENT_PROPAGATE;
  if (self->state == KDH_CONN_BREAK && self->is_dump)
    say_error (self, _("Run to Cursor: a crash dump cannot run.\n"));
  else if (self->state == KDH_CONN_BREAK || self->state == KDH_CONN_DISCONNECTED)
    say_error (self, _("Run to Cursor: there is no stopped target.\n"));
  else
    say_error (self, _("Run to Cursor: the target is running; break in first (Ctrl+Break).\n"));
  return GDK_EVENT_STOP;
}

static void
set_enabled (KdhWindow   *self,
             const gchar *name,
             gboolean     enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
kdh_window_toolbar_update (KdhWindow *self)
{
  static const gchar *const runs[] = { "go", "step-over", "step-into", "step-out",
                                       "run-to-cursor" };
  gboolean can_run = self->state == KDH_CONN_BREAK && !self->is_dump;

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    set_enabled (self, runs[i], can_run);
  set_enabled (self, "break", self->state == KDH_CONN_RUNNING && !self->is_dump);
}

/* The buttons show icons only: their names for screen readers (and the
 * tests) are their labels. */
static void
name_button (GtkWidget *item,
             gpointer   data)
{
  GtkWidget *button;
  const gchar *label;

  if (!GTK_IS_TOOL_BUTTON (item))
    return;
  label = gtk_tool_button_get_label (GTK_TOOL_BUTTON (item));
  button = gtk_bin_get_child (GTK_BIN (item));
  atk_object_set_name (gtk_widget_get_accessible (item), label);
  if (button)
    {
      g_autofree gchar *tooltip = gtk_widget_get_tooltip_text (item);

      atk_object_set_name (gtk_widget_get_accessible (button), label);
      atk_object_set_description (gtk_widget_get_accessible (button), tooltip);
    }
}

void
kdh_window_toolbar_setup (KdhWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), toolbar_actions,
                                   G_N_ELEMENTS (toolbar_actions), self);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->toolbar)), _("Debug"));
  gtk_container_foreach (GTK_CONTAINER (self->toolbar), name_button, NULL);
  g_signal_connect (self, "key-press-event", G_CALLBACK (on_key_press), self);
  kdh_window_toolbar_update (self);
}
