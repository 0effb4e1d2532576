/* kdh-window-views.c: the debugger views docked beside the command window
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Registers (Alt+4), Memory (Alt+5), Call Stack (Alt+6), Disassembly (Alt+7),
 * Modules, Processors (Alt+9) and Breakpoints (Alt+F9) open as pages of
 * the notebook right of the command window, or where they were docked
 * (kdh-window-dock.c) last time; a view already open is shown and
 * focused where it is. WinDbg's
 * stepping keys (F10, F11, Shift+F11) run p, t and gu as if typed. Each
 * view gets every engine event and asks the engine for its own data.
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "kdh-view-breakpoints.h"
#include "kdh-view-disassembly.h"
#include "kdh-view-memory.h"
#include "kdh-view-modules.h"
#include "kdh-view-probe.h"
#include "kdh-view-processors.h"
#include "kdh-view-registers.h"
#include "kdh-view-stack.h"

typedef struct {
  const gchar *action;          /* "show-" and the name kept in open-views */
  const gchar *title;
  GType (*get_type) (void);
} ViewKind;

static const ViewKind view_kinds[] = {
  { "show-registers", N_("Registers"), kdh_view_registers_get_type },
  { "show-stack", N_("Call Stack"), kdh_view_stack_get_type },
  { "show-disassembly", N_("Disassembly"), kdh_view_disassembly_get_type },
  { "show-modules", N_("Modules"), kdh_view_modules_get_type },
  { "show-breakpoints", N_("Breakpoints"), kdh_view_breakpoints_get_type },
  { "show-memory", N_("Memory"), kdh_view_memory_get_type },
  { "show-processors", N_("Processors"), kdh_view_processors_get_type },
};
static void
on_close_clicked (GtkButton *button,
                  gpointer   data)
{
  GtkWidget *view = data;

  gtk_container_remove (GTK_CONTAINER (gtk_widget_get_parent (view)), view);
}

static GtkWidget *
tab_label (const gchar *title,
           GtkWidget   *view)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *close = gtk_button_new_from_icon_name ("window-close-symbolic", GTK_ICON_SIZE_MENU);
  g_autofree gchar *close_name = g_strdup_printf (_("Close %s"), title);

  gtk_button_set_relief (GTK_BUTTON (close), GTK_RELIEF_NONE);
  gtk_widget_set_focus_on_click (close, FALSE);
  atk_object_set_name (gtk_widget_get_accessible (close), close_name);
  gtk_widget_set_tooltip_text (close, close_name);
  g_signal_connect (close, "clicked", G_CALLBACK (on_close_clicked), view);
  gtk_box_pack_start (GTK_BOX (box), gtk_label_new (title), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), close, FALSE, FALSE, 0);
  gtk_widget_show_all (box);
  return box;
}

/* Opens the view whose action is @name in the right notebook (@bottom:
 * the bottom one), or finds it wherever it is docked; returns its
 * content. */
static GtkWidget *
open_view (KdhWindow   *self,
           const gchar *name,
           gboolean     bottom)
{
  for (guint k = 0; k < G_N_ELEMENTS (view_kinds); k++)
    {
      GType type;
      GtkWidget *view;

      if (!g_str_equal (name, view_kinds[k].action))
        continue;
      type = view_kinds[k].get_type ();
      if ((view = kdh_window_dock_find (self, type)) == NULL)
        {
          const gchar *title = _(view_kinds[k].title);

          view = g_object_new (type, NULL);
          gtk_widget_show (view);
          kdh_window_dock_add (self, view, tab_label (title, view), bottom);
          kdh_view_set_engine (KDH_VIEW (view), self->engine);
        }
      kdh_window_dock_present (self, view);
      return kdh_view_get_content (KDH_VIEW (view));
    }
  return NULL;
}

void
kdh_window_views_reset (KdhWindow *self)
{
  gint position = 0;

  for (guint k = 0; k < G_N_ELEMENTS (view_kinds); k++)
    {
      GtkWidget *view = kdh_window_dock_find (self, view_kinds[k].get_type ());

      if (view)
        kdh_window_dock_move (self, view, self->views, position++);
    }
}

static void
show_view_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  KdhWindow *self = data;
  GtkWidget *content = open_view (self, g_action_get_name (G_ACTION (action)), FALSE);

  if (content)
    gtk_widget_grab_focus (content);
}

/* The open views, in tab order, and which of them are in the bottom
 * notebook, for the next run. */
static void
remember_views (GtkNotebook *notebook,
                GtkWidget   *child,
                guint        page_num,
                gpointer     data)
{
  KdhWindow *self = data;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GPtrArray) bottom = g_ptr_array_new ();
  g_autoptr (GPtrArray) views = NULL;

  if (self->settings == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  views = kdh_window_dock_views (self);
  for (guint i = 0; i < views->len; i++)
    for (guint k = 0; k < G_N_ELEMENTS (view_kinds); k++)
      if (G_TYPE_CHECK_INSTANCE_TYPE (views->pdata[i], view_kinds[k].get_type ()))
        {
          gpointer name = (gpointer) (view_kinds[k].action + strlen ("show-"));

          g_ptr_array_add (names, name);
          if (gtk_widget_get_parent (views->pdata[i]) == GTK_WIDGET (self->views_bottom))
            g_ptr_array_add (bottom, name);
        }
  g_ptr_array_add (names, NULL);
  g_ptr_array_add (bottom, NULL);
  g_settings_set_strv (self->settings, "open-views", (const gchar *const *) names->pdata);
  g_settings_set_strv (self->settings, "bottom-views", (const gchar *const *) bottom->pdata);
}

static void
step_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  KdhWindow *self = data;
  const gchar *name = g_action_get_name (G_ACTION (action));

  /* As typed: the command window shows the step and where it ended. */
  if (g_str_equal (name, "step-over"))
    kdh_engine_execute (self->engine, "p", NULL);
  else if (g_str_equal (name, "step-into"))
    kdh_engine_execute (self->engine, "t", NULL);
  else
    kdh_engine_execute (self->engine, "gu", NULL);
}

static const GActionEntry view_actions[] = {
  { "show-registers", show_view_action },
  { "show-stack", show_view_action },
  { "show-disassembly", show_view_action },
  { "show-modules", show_view_action },
  { "show-breakpoints", show_view_action },
  { "show-memory", show_view_action },
  { "show-processors", show_view_action },
  { "step-over", step_action },
  { "step-into", step_action },
  { "step-out", step_action },
};

static void
set_stepping_enabled (KdhWindow *self,
                      gboolean   enabled)
{
  static const gchar *const steps[] = { "step-over", "step-into", "step-out" };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), steps[i]);

      if (action)
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
    }
}

void
kdh_window_views_event (KdhWindow      *self,
                        const KdhEvent *event)
{
  g_autoptr (GPtrArray) views = NULL;

  if (self->views == NULL)
    return;
  views = kdh_window_dock_views (self);
  if (event->kind == KDH_EVENT_STATE)
    set_stepping_enabled (self, event->state == KDH_CONN_BREAK);
  kdh_view_probe_before (views, event);
  for (guint i = 0; i < views->len; i++)
    kdh_view_handle_event (KDH_VIEW (views->pdata[i]), event);
  kdh_view_probe_after (views, GTK_WIDGET (self), event);
}

void
kdh_window_views_setup (KdhWindow *self)
{
  GtkNotebook *notebooks[2];

  kdh_window_dock_setup (self);
  g_action_map_add_action_entries (G_ACTION_MAP (self), view_actions, G_N_ELEMENTS (view_actions),
                                    self);
  set_stepping_enabled (self, FALSE);
  if (self->settings)
    {
      g_auto (GStrv) open = g_settings_get_strv (self->settings, "open-views");
      g_auto (GStrv) bottom = g_settings_get_strv (self->settings, "bottom-views");

      for (guint i = 0; open[i]; i++)
        {
          g_autofree gchar *action = g_strdup_printf ("show-%s", open[i]);

          open_view (self, action, g_strv_contains ((const gchar *const *) bottom, open[i]));
        }
    }
  notebooks[0] = self->views;
  notebooks[1] = self->views_bottom;
  for (guint n = 0; n < G_N_ELEMENTS (notebooks); n++)
    {
      g_signal_connect (notebooks[n], "page-added", G_CALLBACK (remember_views), self);
      g_signal_connect (notebooks[n], "page-removed", G_CALLBACK (remember_views), self);
      g_signal_connect (notebooks[n], "page-reordered", G_CALLBACK (remember_views), self);
    }
  /* F10 is WinDbg's step over, not the menu bar's key. NULL, not "":
   * GTK 3.24 frees the string it reads back only when it is not empty,
   * leaking one per accelerator key handled. */
  g_object_set (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-menu-bar-accel", NULL, NULL);
}
