/* kdh-view-stack.c: the current processor's call stack, as k shows it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Activating a frame runs .frame with its number, so the command window
 * shows the scope change as if it had been typed.
 */
#include "kdh-view-stack.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

enum { COL_NUMBER, COL_SP, COL_RET, COL_SITE, COL_IP };

struct _KdhViewStack
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
};

G_DEFINE_FINAL_TYPE (KdhViewStack, kdh_view_stack, KDH_TYPE_VIEW)

static guint
stack_query (KdhView   *view,
             KdhEngine *engine)
{
  return kdh_engine_query (engine, KDH_VIEW_QUERY_STACK, 0, 0);
}

static void
stack_show (KdhView  *view,
            GVariant *result)
{
  KdhViewStack *self = KDH_VIEW_STACK (view);
  const gchar *sp, *ret, *site, *note;
  GVariantIter iter;
  GtkTreeIter row;
  guint64 ip;
  guint n = 0;

  gtk_list_store_clear (self->store);
  g_variant_iter_init (&iter, result);
  while (g_variant_iter_next (&iter, "(t&s&s&s&s)", &ip, &sp, &ret, &site, &note))
    {
      g_autofree gchar *number = g_strdup_printf ("%02x", n++);
      g_autofree gchar *where = *note ? g_strdup_printf ("%s  <- %s", site, note) : g_strdup (site);

      gtk_list_store_insert_with_values (self->store, &row, -1, COL_NUMBER, number, COL_SP, sp,
                                         COL_RET, ret, COL_SITE, where, COL_IP, ip, -1);
    }
}

static void
on_row_activated (GtkTreeView       *tree,
                  GtkTreePath       *path,
                  GtkTreeViewColumn *column,
                  gpointer           data)
{
  KdhView *view = data;
  KdhEngine *engine = kdh_view_get_engine (view);
  g_autofree gchar *line = NULL;

  if (engine == NULL || gtk_tree_path_get_depth (path) != 1)
    return;
  line = g_strdup_printf (".frame %x", gtk_tree_path_get_indices (path)[0]);
  kdh_engine_execute (engine, line, NULL);
}

static void
kdh_view_stack_class_init (KdhViewStackClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  view_class->query = stack_query;
  view_class->show = stack_show;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-stack.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewStack, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewStack, store);
}

static void
kdh_view_stack_init (KdhViewStack *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  g_signal_connect (self->tree, "row-activated", G_CALLBACK (on_row_activated), self);
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Call Stack"),
                            _("The current processor's frames; activate one to make it the scope"));
}

GtkWidget *
kdh_view_stack_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_STACK, NULL);
}
