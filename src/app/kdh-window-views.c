/* kdh-window-views.c: the debugger views docked beside the command window
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Registers (Alt+4), Memory (Alt+5), Call Stack (Alt+6), Disassembly (Alt+7),
 * Modules, Processors (Alt+9) and Breakpoints (Alt+F9) open as
 * pages of a notebook to the right of the command window, and WinDbg's
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
  GtkWidget *notebook = gtk_widget_get_parent (view);

  gtk_container_remove (GTK_CONTAINER (notebook), view);
  if (gtk_notebook_get_n_pages (GTK_NOTEBOOK (notebook)) == 0)
    gtk_widget_hide (notebook);
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

static GtkWidget *
find_view (KdhWindow *self,
           GType      type)
{
  for (gint i = 0; i < gtk_notebook_get_n_pages (self->views); i++)
    {
      GtkWidget *page = gtk_notebook_get_nth_page (self->views, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (page, type))
        return page;
    }
  return NULL;
}

static void
half_width (GtkWidget     *paned,
            GdkRectangle  *allocation,
            gpointer       data)
{
  g_signal_handlers_disconnect_by_func (paned, half_width, data);
  kdh_window_layout_place_views (data);
}

/* Opens (or finds) the view whose action is @name; returns its content. */
static GtkWidget *
open_view (KdhWindow   *self,
           const gchar *name)
{
  for (guint k = 0; k < G_N_ELEMENTS (view_kinds); k++)
    {
      GType type;
      GtkWidget *view;
      gint page;

      if (!g_str_equal (name, view_kinds[k].action))
        continue;
      type = view_kinds[k].get_type ();
      if ((view = find_view (self, type)) == NULL)
        {
          const gchar *title = _(view_kinds[k].title);

          view = g_object_new (type, NULL);
          gtk_widget_show (view);
          gtk_notebook_append_page (self->views, view, tab_label (title, view));
          gtk_notebook_set_tab_reorderable (self->views, view, TRUE);
          kdh_view_set_engine (KDH_VIEW (view), self->engine);
        }
      if (!gtk_widget_get_visible (GTK_WIDGET (self->views)))
        {
          GtkWidget *paned = gtk_widget_get_parent (GTK_WIDGET (self->views));

          /* Opening the first view shares the width with the command window
           * (once the window has one, when views are restored), or takes
           * the width the user gave the views. */
          gtk_widget_show (GTK_WIDGET (self->views));
          if (gtk_widget_get_allocated_width (paned) > 1)
            kdh_window_layout_place_views (self);
          else
            g_signal_connect (paned, "size-allocate", G_CALLBACK (half_width), self);
        }
      page = gtk_notebook_page_num (self->views, view);
      gtk_notebook_set_current_page (self->views, page);
      return kdh_view_get_content (KDH_VIEW (view));
    }
  return NULL;
}

static void
show_view_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  KdhWindow *self = data;
  GtkWidget *content = open_view (self, g_action_get_name (G_ACTION (action)));

  if (content)
    gtk_widget_grab_focus (content);
}

/* The open views, in tab order, for the next run. */
static void
remember_views (GtkNotebook *notebook,
                GtkWidget   *child,
                guint        page_num,
                gpointer     data)
{
  KdhWindow *self = data;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  if (self->settings == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  for (gint i = 0; i < gtk_notebook_get_n_pages (notebook); i++)
    {
      GtkWidget *page = gtk_notebook_get_nth_page (notebook, i);

      for (guint k = 0; k < G_N_ELEMENTS (view_kinds); k++)
        if (G_TYPE_CHECK_INSTANCE_TYPE (page, view_kinds[k].get_type ()))
          g_ptr_array_add (names, (gpointer) (view_kinds[k].action + strlen ("show-")));
    }
  g_ptr_array_add (names, NULL);
  g_settings_set_strv (self->settings, "open-views", (const gchar *const *) names->pdata);
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
  if (self->views == NULL)
    return;
  if (event->kind == KDH_EVENT_STATE)
    set_stepping_enabled (self, event->state == KDH_CONN_BREAK);
  kdh_view_probe_before (self->views, event);
  for (gint i = 0; i < gtk_notebook_get_n_pages (self->views); i++)
    kdh_view_handle_event (KDH_VIEW (gtk_notebook_get_nth_page (self->views, i)), event);
  kdh_view_probe_after (self->views, event);
}

void
kdh_window_views_setup (KdhWindow *self)
{
  GtkWidget *command = gtk_paned_get_child1 (self->left_paned);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);

  /* The views go to the right of the command window, in the pane that
   * already holds it above the packet log. */
  g_object_ref (command);
  gtk_container_remove (GTK_CONTAINER (self->left_paned), command);
  gtk_paned_pack1 (GTK_PANED (paned), command, TRUE, FALSE);
  g_object_unref (command);
  self->views = GTK_NOTEBOOK (gtk_notebook_new ());
  gtk_notebook_set_scrollable (self->views, TRUE);
  gtk_widget_set_no_show_all (GTK_WIDGET (self->views), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self->views), 320, -1);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->views)), _("Views"));
  gtk_paned_pack2 (GTK_PANED (paned), GTK_WIDGET (self->views), FALSE, TRUE);
  gtk_widget_show (paned);
  gtk_paned_pack1 (self->left_paned, paned, TRUE, FALSE);

  g_action_map_add_action_entries (G_ACTION_MAP (self), view_actions, G_N_ELEMENTS (view_actions),
                                    self);
  set_stepping_enabled (self, FALSE);
  if (self->settings)
    {
      g_auto (GStrv) open = g_settings_get_strv (self->settings, "open-views");

      for (guint i = 0; open[i]; i++)
        {
          g_autofree gchar *action = g_strdup_printf ("show-%s", open[i]);

          open_view (self, action);
        }
    }
  g_signal_connect (self->views, "page-added", G_CALLBACK (remember_views), self);
  g_signal_connect (self->views, "page-removed", G_CALLBACK (remember_views), self);
  g_signal_connect (self->views, "page-reordered", G_CALLBACK (remember_views), self);
  /* F10 is WinDbg's step over, not the menu bar's key. NULL, not "":
   * GTK 3.24 frees the string it reads back only when it is not empty,
   * leaking one per accelerator key handled. */
  g_object_set (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-menu-bar-accel", NULL, NULL);
}
