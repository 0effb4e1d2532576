/* kdh-window-dock.c: where the debugger views are docked
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two notebooks hold the views: one right of the command window, one
 * below it (the output keeps the room it needs; the views there take what
 * the user gives them). They share a group, so a tab dragged from one
 * drops into the other, and tabs reorder by dragging. Everything a drag
 * does the keyboard does too: each tab has a menu (right click, or
 * Shift+F10 / the Menu key on a focused tab) with Move to Right Pane or
 * Move to Bottom Pane, and Close; View > Move View to Other Pane moves the
 * view that has (or last had) the focus. A notebook with no view hides
 * and its pane gives the room back (during a tab's drag it shows, to be
 * dropped on).
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>

#include "kdh-view.h"

#define DOCK_GROUP "kdhost-views"

static GtkNotebook *
other_notebook (KdhWindow   *self,
                GtkNotebook *notebook)
{
  return notebook == self->views ? self->views_bottom : self->views;
}

static gboolean
is_docked (KdhWindow *self,
           GtkWidget *view)
{
  GtkWidget *parent = view ? gtk_widget_get_parent (view) : NULL;

  return parent != NULL && (parent == GTK_WIDGET (self->views)
                            || parent == GTK_WIDGET (self->views_bottom));
}

GPtrArray *
kdh_window_dock_views (KdhWindow *self)
{
  GPtrArray *views = g_ptr_array_new ();
  GtkNotebook *notebooks[] = { self->views, self->views_bottom };

  for (guint n = 0; n < G_N_ELEMENTS (notebooks); n++)
    for (gint i = 0; notebooks[n] && i < gtk_notebook_get_n_pages (notebooks[n]); i++)
      g_ptr_array_add (views, gtk_notebook_get_nth_page (notebooks[n], i));
  return views;
}

GtkWidget *
kdh_window_dock_find (KdhWindow *self,
                      GType      type)
{
  g_autoptr (GPtrArray) views = kdh_window_dock_views (self);

  for (guint i = 0; i < views->len; i++)
    if (G_TYPE_CHECK_INSTANCE_TYPE (views->pdata[i], type))
      return views->pdata[i];
  return NULL;
}

static void
place_divider (KdhWindow   *self,
               GtkNotebook *notebook)
{
  if (notebook == self->views)
    kdh_window_layout_place_views (self);
  else
    kdh_window_layout_place_bottom (self);
}

static void
place_when_allocated (GtkWidget    *paned,
                      GdkRectangle *allocation,
                      gpointer      data)
{
  KdhWindow *self = data;
  GtkNotebook *notebook = g_object_get_data (G_OBJECT (paned), "kdh-dock-notebook");

  g_signal_handlers_disconnect_by_func (paned, place_when_allocated, data);
  place_divider (self, notebook);
}

/* A notebook that gets its first view comes back, at the size the user
 * gave it (or the default one), once its pane has a size. */
static void
on_page_added (GtkNotebook *notebook,
               GtkWidget   *child,
               guint        page_num,
               gpointer     data)
{
  KdhWindow *self = data;
  GtkWidget *paned = gtk_widget_get_parent (GTK_WIDGET (notebook));

  gtk_notebook_set_tab_reorderable (notebook, child, TRUE);
  gtk_notebook_set_tab_detachable (notebook, child, TRUE);
  if (gtk_widget_get_visible (GTK_WIDGET (notebook)))
    return;
  gtk_widget_show (GTK_WIDGET (notebook));
  g_object_set_data (G_OBJECT (paned), "kdh-dock-notebook", notebook);
  if (gtk_widget_get_allocated_width (paned) > 1)
    place_divider (self, notebook);
  else
    g_signal_connect (paned, "size-allocate", G_CALLBACK (place_when_allocated), self);
}

/* A tab dragged from one notebook can be dropped on the other even when
 * that one is empty: it shows for the drag, and hides again after it if
 * nothing was dropped there. */
static void
on_drag_begin (GtkWidget      *widget,
               GdkDragContext *context,
               gpointer        data)
{
  KdhWindow *self = data;
  GtkNotebook *other = other_notebook (self, GTK_NOTEBOOK (widget));

  if (other == NULL || gtk_widget_get_visible (GTK_WIDGET (other)))
    return;
  gtk_widget_show (GTK_WIDGET (other));
  place_divider (self, other);
}

static void
on_drag_end (GtkWidget      *widget,
             GdkDragContext *context,
             gpointer        data)
{
  KdhWindow *self = data;
  GtkNotebook *notebooks[] = { self->views, self->views_bottom };

  for (guint n = 0; n < G_N_ELEMENTS (notebooks); n++)
    if (notebooks[n] && gtk_notebook_get_n_pages (notebooks[n]) == 0)
      gtk_widget_hide (GTK_WIDGET (notebooks[n]));
}

static void
on_page_removed (GtkNotebook *notebook,
                 GtkWidget   *child,
                 guint        page_num,
                 gpointer     data)
{
  KdhWindow *self = data;

  if (self->last_view == child)
    self->last_view = NULL;
  if (gtk_notebook_get_n_pages (notebook) == 0 && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    gtk_widget_hide (GTK_WIDGET (notebook));
}

void
kdh_window_dock_add (KdhWindow *self,
                     GtkWidget *view,
                     GtkWidget *tab_label,
                     gboolean   bottom)
{
  gtk_notebook_append_page (bottom ? self->views_bottom : self->views, view, tab_label);
}

void
kdh_window_dock_present (KdhWindow *self,
                         GtkWidget *view)
{
  GtkNotebook *notebook = GTK_NOTEBOOK (gtk_widget_get_parent (view));

  gtk_notebook_set_current_page (notebook, gtk_notebook_page_num (notebook, view));
}

void
kdh_window_dock_move (KdhWindow   *self,
                      GtkWidget   *view,
                      GtkNotebook *to,
                      gint         position)
{
  GtkNotebook *from = GTK_NOTEBOOK (gtk_widget_get_parent (view));
  GtkWidget *label = gtk_notebook_get_tab_label (from, view);

  if (from == to)
    {
      gtk_notebook_reorder_child (to, view, position);
      return;
    }
  /* The tab keeps its label (and its Close button), as a drag does. */
  g_object_ref (view);
  g_object_ref (label);
  gtk_container_remove (GTK_CONTAINER (from), view);
  gtk_notebook_insert_page (to, view, label, position);
  g_object_unref (label);
  g_object_unref (view);
}

/* Moves @view to the other notebook, shows it there and gives its
 * content the focus. */
static void
move_to_other (KdhWindow *self,
               GtkWidget *view)
{
  GtkNotebook *to = other_notebook (self, GTK_NOTEBOOK (gtk_widget_get_parent (view)));

  kdh_window_dock_move (self, view, to, -1);
  kdh_window_dock_present (self, view);
  gtk_widget_grab_focus (kdh_view_get_content (KDH_VIEW (view)));
}

static void
on_move_activate (GtkMenuItem *item,
                  gpointer     data)
{
  KdhWindow *self = data;
  GtkWidget *view = g_object_get_data (G_OBJECT (item), "kdh-dock-view");

  if (is_docked (self, view))
    move_to_other (self, view);
}

static void
on_close_activate (GtkMenuItem *item,
                   gpointer     data)
{
  KdhWindow *self = data;
  GtkWidget *view = g_object_get_data (G_OBJECT (item), "kdh-dock-view");

  if (is_docked (self, view))
    gtk_container_remove (GTK_CONTAINER (gtk_widget_get_parent (view)), view);
}

/* The tab's menu, built afresh for @view (one menu per notebook, kept
 * with it: an item's activate comes after the menu's deactivate). */
static GtkMenu *
tab_menu (KdhWindow   *self,
          GtkNotebook *notebook,
          GtkWidget   *view)
{
  GtkWidget *menu = g_object_get_data (G_OBJECT (notebook), "kdh-dock-menu");
  GtkWidget *move, *close;
  g_autoptr (GList) items = NULL;

  if (menu == NULL)
    {
      menu = gtk_menu_new ();
      gtk_menu_attach_to_widget (GTK_MENU (menu), GTK_WIDGET (notebook), NULL);
      g_object_set_data (G_OBJECT (notebook), "kdh-dock-menu", menu);
    }
  items = gtk_container_get_children (GTK_CONTAINER (menu));
  for (GList *l = items; l; l = l->next)
    gtk_widget_destroy (l->data);
  move = gtk_menu_item_new_with_mnemonic (notebook == self->views ? _("Move to _Bottom Pane")
                                                                  : _("Move to _Right Pane"));
  close = gtk_menu_item_new_with_mnemonic (_("_Close"));
  g_object_set_data (G_OBJECT (move), "kdh-dock-view", view);
  g_object_set_data (G_OBJECT (close), "kdh-dock-view", view);
  g_signal_connect (move, "activate", G_CALLBACK (on_move_activate), self);
  g_signal_connect (close, "activate", G_CALLBACK (on_close_activate), self);
  gtk_menu_shell_append (GTK_MENU_SHELL (menu), move);
  gtk_menu_shell_append (GTK_MENU_SHELL (menu), close);
  gtk_widget_show_all (menu);
  return GTK_MENU (menu);
}

/* The page whose tab is under the pointer of @event, or NULL. */
static GtkWidget *
tab_at (GtkNotebook    *notebook,
        GdkEventButton *event)
{
  GtkWidget *nearest = NULL;
  gdouble best = G_MAXDOUBLE;

  for (gint i = 0; i < gtk_notebook_get_n_pages (notebook); i++)
    {
      GtkWidget *page = gtk_notebook_get_nth_page (notebook, i);
      GtkWidget *label = gtk_notebook_get_tab_label (notebook, page);
      GtkAllocation box;
      gdouble dx, dy;
      gint x, y;

      if (label == NULL || !gtk_widget_get_mapped (label))
        continue;
      gtk_widget_get_allocation (label, &box);
      gdk_window_get_origin (gtk_widget_get_window (label), &x, &y);
      /* The tab is a little larger than its label (its padding); where
       * two tabs' paddings meet, the nearer label's. */
      dx = event->x_root - (x + box.x + box.width / 2.0);
      dy = event->y_root - (y + box.y + box.height / 2.0);
      if (ABS (dx) < box.width / 2.0 + 8 && ABS (dy) < box.height / 2.0 + 6 && ABS (dx) < best)
        {
          best = ABS (dx);
          nearest = page;
        }
    }
  return nearest;
}

static gboolean
on_button_press (GtkWidget      *widget,
                 GdkEventButton *event,
                 gpointer        data)
{
  KdhWindow *self = data;
  GtkNotebook *notebook = GTK_NOTEBOOK (widget);
  GtkWidget *view;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event) || event->type != GDK_BUTTON_PRESS
      || (view = tab_at (notebook, event)) == NULL)
    return FALSE;
  gtk_menu_popup_at_pointer (tab_menu (self, notebook, view), (GdkEvent *) event);
  return TRUE;
}

/* Shift+F10 or the Menu key: the focused tab's menu. The same keys in a
 * view's content are the view's (they reach here only unhandled). */
static gboolean
on_popup_menu (GtkWidget *widget,
               gpointer   data)
{
  KdhWindow *self = data;
  GtkNotebook *notebook = GTK_NOTEBOOK (widget);
  gint current = gtk_notebook_get_current_page (notebook);
  GtkWidget *view, *label;
  GtkMenu *menu;
  GdkEvent *key;

  if (!gtk_widget_is_focus (widget) || current < 0)
    return FALSE;
  view = gtk_notebook_get_nth_page (notebook, current);
  label = gtk_notebook_get_tab_label (notebook, view);
  menu = tab_menu (self, notebook, view);
  key = gtk_get_current_event ();
  gtk_menu_popup_at_widget (menu, label, GDK_GRAVITY_SOUTH_WEST, GDK_GRAVITY_NORTH_WEST, key);
  g_clear_pointer (&key, gdk_event_free);
  gtk_menu_shell_select_first (GTK_MENU_SHELL (menu), FALSE);
  return TRUE;
}

/* The view the focus is in, or was in last, or the one shown. */
static GtkWidget *
current_view (KdhWindow *self)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));
  GtkNotebook *notebooks[] = { self->views, self->views_bottom };

  for (GtkWidget *w = focus; w; w = gtk_widget_get_parent (w))
    if (KDH_IS_VIEW (w) && is_docked (self, w))
      return w;
  {
    g_autoptr (GPtrArray) views = kdh_window_dock_views (self);

    for (guint i = 0; i < views->len; i++)
      if (views->pdata[i] == self->last_view)
        return self->last_view;
  }
  for (guint n = 0; n < G_N_ELEMENTS (notebooks); n++)
    {
      gint page = notebooks[n] ? gtk_notebook_get_current_page (notebooks[n]) : -1;

      if (page >= 0)
        return gtk_notebook_get_nth_page (notebooks[n], page);
    }
  return NULL;
}

static void
on_set_focus (GtkWindow *window,
              GtkWidget *focus,
              gpointer   data)
{
  KdhWindow *self = data;

  for (GtkWidget *w = focus; w; w = gtk_widget_get_parent (w))
    if (KDH_IS_VIEW (w) && is_docked (self, w))
      {
        self->last_view = w;
        return;
      }
}

static void
move_view_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  KdhWindow *self = data;
  GtkWidget *view = current_view (self);

  if (view)
    move_to_other (self, view);
}

static void
update_move_action (KdhWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "move-view");

  g_autoptr (GPtrArray) views = NULL;

  if (action == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  views = kdh_window_dock_views (self);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), views->len > 0);
}

static void
on_pages_changed (GtkNotebook *notebook,
                  GtkWidget   *child,
                  guint        page_num,
                  gpointer     data)
{
  update_move_action (data);
}

/* The window's end destroys one notebook after the other: the other's
 * handlers must not reach the first. */
static void
on_notebook_destroy (GtkWidget *widget,
                     gpointer   data)
{
  KdhWindow *self = data;

  if (widget == GTK_WIDGET (self->views))
    self->views = NULL;
  else if (widget == GTK_WIDGET (self->views_bottom))
    self->views_bottom = NULL;
}

static const GActionEntry dock_actions[] = {
  { "move-view", move_view_action },
};

static GtkNotebook *
new_notebook (KdhWindow   *self,
              const gchar *name)
{
  GtkNotebook *notebook = GTK_NOTEBOOK (gtk_notebook_new ());

  gtk_notebook_set_scrollable (notebook, TRUE);
  gtk_notebook_set_group_name (notebook, DOCK_GROUP);
  gtk_widget_set_no_show_all (GTK_WIDGET (notebook), TRUE);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (notebook)), name);
  g_signal_connect (notebook, "page-added", G_CALLBACK (on_page_added), self);
  g_signal_connect (notebook, "page-removed", G_CALLBACK (on_page_removed), self);
  g_signal_connect_after (notebook, "page-added", G_CALLBACK (on_pages_changed), self);
  g_signal_connect_after (notebook, "page-removed", G_CALLBACK (on_pages_changed), self);
  g_signal_connect (notebook, "button-press-event", G_CALLBACK (on_button_press), self);
  g_signal_connect (notebook, "popup-menu", G_CALLBACK (on_popup_menu), self);
  g_signal_connect (notebook, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (notebook, "drag-end", G_CALLBACK (on_drag_end), self);
  g_signal_connect (notebook, "destroy", G_CALLBACK (on_notebook_destroy), self);
  return notebook;
}

void
kdh_window_dock_setup (KdhWindow *self)
{
  GtkWidget *command = gtk_paned_get_child1 (self->left_paned);
  GtkWidget *beside = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *below = gtk_paned_new (GTK_ORIENTATION_VERTICAL);

  /* [command window / bottom views | right views] in the pane that
   * already holds the command window above the packet log. */
  g_object_ref (command);
  gtk_container_remove (GTK_CONTAINER (self->left_paned), command);
  gtk_paned_pack1 (GTK_PANED (below), command, TRUE, FALSE);
  g_object_unref (command);

  self->views_bottom = new_notebook (self, _("Bottom views"));
  gtk_widget_set_size_request (GTK_WIDGET (self->views_bottom), -1, 120);
  gtk_paned_pack2 (GTK_PANED (below), GTK_WIDGET (self->views_bottom), FALSE, TRUE);
  gtk_widget_show (below);

  self->views = new_notebook (self, _("Right views"));
  gtk_widget_set_size_request (GTK_WIDGET (self->views), 320, -1);
  gtk_paned_pack1 (GTK_PANED (beside), below, TRUE, FALSE);
  gtk_paned_pack2 (GTK_PANED (beside), GTK_WIDGET (self->views), FALSE, TRUE);
  gtk_widget_show (beside);
  gtk_paned_pack1 (self->left_paned, beside, TRUE, FALSE);

  g_action_map_add_action_entries (G_ACTION_MAP (self), dock_actions, G_N_ELEMENTS (dock_actions),
                                   self);
  update_move_action (self);
  g_signal_connect (self, "set-focus", G_CALLBACK (on_set_focus), self);
}
