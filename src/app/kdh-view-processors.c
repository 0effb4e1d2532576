/* kdh-view-processors.c: every processor's state and instruction pointer
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Activating a processor runs ~N, as if typed: the prompt becomes
 * "N: kd> " and the other views follow at the command's end.
 */
#include "kdh-view-processors.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>
#include <pango/pango.h>

#include "common/kdh-address.h"

enum { COL_NUMBER, COL_STATE, COL_IP, COL_WHERE, COL_CPU, COL_WEIGHT };

struct _KdhViewProcessors
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
};

G_DEFINE_FINAL_TYPE (KdhViewProcessors, kdh_view_processors, KDH_TYPE_VIEW)

static guint
processors_query (KdhView   *view,
                  KdhEngine *engine)
{
  return kdh_engine_query (engine, KDH_VIEW_QUERY_PROCESSORS, 0, 0);
}

static void
processors_show (KdhView  *view,
                 GVariant *result)
{
  KdhViewProcessors *self = KDH_VIEW_PROCESSORS (view);
  g_autoptr (GVariantIter) iter = NULL;
  const gchar *state, *where;
  GtkTreeIter row;
  guint current, cpu;
  guint64 ip;

  g_variant_get (result, "(ua(usts))", &current, &iter);
  gtk_list_store_clear (self->store);
  while (g_variant_iter_next (iter, "(u&st&s)", &cpu, &state, &ip, &where))
    {
      g_autofree gchar *number = g_strdup_printf ("%x", cpu);
      /* A kernel's instruction pointer tells its width. */
      g_autofree gchar *address = kdh_format_address (ip, ip > G_MAXUINT32);

      gtk_list_store_insert_with_values (self->store, &row, -1, COL_NUMBER, number,
                                         COL_STATE, state, COL_IP, address, COL_WHERE, where,
                                         COL_CPU, cpu,
                                         COL_WEIGHT, cpu == current ? PANGO_WEIGHT_BOLD
                                                                    : PANGO_WEIGHT_NORMAL, -1);
      if (cpu == current)
        {
          g_autoptr (GtkTreePath) path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->store), &row);

          gtk_tree_view_set_cursor (self->tree, path, NULL, FALSE);
        }
    }
}

static void
on_row_activated (GtkTreeView       *tree,
                  GtkTreePath       *path,
                  GtkTreeViewColumn *column,
                  gpointer           data)
{
  KdhViewProcessors *self = data;
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  g_autofree gchar *line = NULL;
  GtkTreeIter row;
  guint cpu;

  if (engine == NULL || !gtk_tree_model_get_iter (GTK_TREE_MODEL (self->store), &row, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &row, COL_CPU, &cpu, -1);
  line = g_strdup_printf ("~%x", cpu);
  kdh_engine_execute (engine, line, NULL);
}

static void
kdh_view_processors_class_init (KdhViewProcessorsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  view_class->query = processors_query;
  view_class->show = processors_show;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-processors.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewProcessors, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewProcessors, store);
}

static void
kdh_view_processors_init (KdhViewProcessors *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  g_signal_connect (self->tree, "row-activated", G_CALLBACK (on_row_activated), self);
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Processors"),
                            _("Every processor's state and instruction pointer; activate one to "
                              "switch to it (~N)"));
}

GtkWidget *
kdh_view_processors_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_PROCESSORS, NULL);
}
