/* kdh-view-modules.c: the loaded modules, as lm lists them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sortable by any column (click its header). The symbol state is lm's
 * column; a row's menu (right click, Shift+F10 or the Menu key) reloads
 * the module's symbols as `.reload /f MODULE` typed would.
 */
#include "kdh-view-modules.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

enum { COL_NAME, COL_START, COL_END, COL_IMAGE, COL_STAMP, COL_START_VALUE, COL_STATE, COL_FILE,
       COL_END_VALUE };

struct _KdhViewModules
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
  GtkWidget *menu;
};

G_DEFINE_FINAL_TYPE (KdhViewModules, kdh_view_modules, KDH_TYPE_VIEW)

static guint
modules_query (KdhView   *view,
               KdhEngine *engine)
{
  return kdh_engine_query (engine, KDH_VIEW_QUERY_MODULES, 0, 0);
}

static gchar *
address_text (guint64 address)
{
  return g_strdup_printf ("%08x`%08x", (guint) (address >> 32), (guint) address);
}

static void
modules_show (KdhView  *view,
              GVariant *result)
{
  KdhViewModules *self = KDH_VIEW_MODULES (view);
  const gchar *name, *short_name, *state, *file;
  GVariantIter iter;
  GtkTreeIter row;
  guint64 start, end;
  guint32 stamp;

  gtk_list_store_clear (self->store);
  g_variant_iter_init (&iter, result);
  while (g_variant_iter_next (&iter, "(tt&s&su&s&s)", &start, &end, &name, &short_name, &stamp,
                              &state, &file))
    {
      g_autofree gchar *s = address_text (start), *e = address_text (end);
      g_autofree gchar *stamp_text = g_strdup_printf ("%08x", stamp);

      gtk_list_store_insert_with_values (self->store, &row, -1, COL_NAME, *short_name ? short_name : name,
                                         COL_START, s, COL_END, e, COL_IMAGE, name,
                                         COL_STAMP, stamp_text, COL_START_VALUE, start,
                                         COL_STATE, state, COL_FILE, file, COL_END_VALUE, end,
                                         -1);
    }
}

static void
reload_activate (GtkMenuItem *item,
                 gpointer     data)
{
  KdhViewModules *self = data;
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->tree);
  g_autofree gchar *name = NULL, *line = NULL;
  GtkTreeModel *model;
  GtkTreeIter row;

  if (engine == NULL || !gtk_tree_selection_get_selected (selection, &model, &row))
    return;
  gtk_tree_model_get (model, &row, COL_NAME, &name, -1);
  /* As typed: the command window shows what the search found. */
  line = g_strdup_printf (".reload /f %s", name);
  kdh_engine_execute (engine, line, NULL);
}

static void
popup (KdhViewModules *self,
       const GdkEvent *event)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->tree);

  if (!gtk_tree_selection_get_selected (selection, NULL, NULL))
    return;
  if (event != NULL)
    gtk_menu_popup_at_pointer (GTK_MENU (self->menu), event);
  else
    {
      GdkRectangle cell;
      g_autoptr (GtkTreePath) path = NULL;

      gtk_tree_view_get_cursor (self->tree, &path, NULL);
      if (path == NULL)
        return;
      gtk_tree_view_get_cell_area (self->tree, path, NULL, &cell);
      gtk_tree_view_convert_bin_window_to_widget_coords (self->tree, cell.x, cell.y, &cell.x,
                                                         &cell.y);
      gtk_menu_popup_at_rect (GTK_MENU (self->menu), gtk_widget_get_window (GTK_WIDGET (self->tree)),
                              &cell, GDK_GRAVITY_SOUTH_WEST, GDK_GRAVITY_NORTH_WEST, NULL);
      /* From the keyboard, Enter takes the first item. */
      gtk_menu_shell_select_first (GTK_MENU_SHELL (self->menu), FALSE);
    }
}

static gboolean
on_button_press (GtkWidget      *widget,
                 GdkEventButton *event,
                 gpointer        data)
{
  KdhViewModules *self = data;
  g_autoptr (GtkTreePath) path = NULL;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event))
    return GDK_EVENT_PROPAGATE;
  /* The menu is for the row under the pointer. */
  if (!gtk_tree_view_get_path_at_pos (self->tree, (gint) event->x, (gint) event->y, &path, NULL,
                                      NULL, NULL))
    return GDK_EVENT_PROPAGATE;
  gtk_tree_view_set_cursor (self->tree, path, NULL, FALSE);
  popup (self, (GdkEvent *) event);
  return GDK_EVENT_STOP;
}

static gboolean
on_popup_menu (GtkWidget *widget,
               gpointer   data)
{
  popup (data, NULL);
  return TRUE;
}

static void
kdh_view_modules_dispose (GObject *object)
{
  KdhViewModules *self = KDH_VIEW_MODULES (object);

  if (self->menu)
    gtk_widget_destroy (g_steal_pointer (&self->menu));
  G_OBJECT_CLASS (kdh_view_modules_parent_class)->dispose (object);
}

static void
kdh_view_modules_class_init (KdhViewModulesClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = kdh_view_modules_dispose;
  view_class->query = modules_query;
  view_class->show = modules_show;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-modules.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewModules, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewModules, store);
}

static void
kdh_view_modules_init (KdhViewModules *self)
{
  GtkWidget *reload;

  gtk_widget_init_template (GTK_WIDGET (self));
  reload = gtk_menu_item_new_with_mnemonic (_("_Reload Symbols"));
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Modules"),
                            _("The loaded modules; click a column header to sort; Shift+F10 "
                              "opens a module's menu"));
  self->menu = gtk_menu_new ();
  gtk_menu_attach_to_widget (GTK_MENU (self->menu), GTK_WIDGET (self->tree), NULL);
  g_signal_connect (reload, "activate", G_CALLBACK (reload_activate), self);
  gtk_widget_show (reload);
  gtk_menu_shell_append (GTK_MENU_SHELL (self->menu), reload);
  g_signal_connect (self->tree, "button-press-event", G_CALLBACK (on_button_press), self);
  g_signal_connect (self->tree, "popup-menu", G_CALLBACK (on_popup_menu), self);
}

GtkWidget *
kdh_view_modules_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_MODULES, NULL);
}
