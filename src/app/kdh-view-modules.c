/* kdh-view-modules.c: the loaded modules, as lm lists them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sortable by name, start, image and timestamp (click a column header).
 */
#include "kdh-view-modules.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

enum { COL_NAME, COL_START, COL_END, COL_IMAGE, COL_STAMP, COL_START_VALUE };

struct _KdhViewModules
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
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
  const gchar *name, *short_name;
  GVariantIter iter;
  GtkTreeIter row;
  guint64 start, end;
  guint32 stamp;

  gtk_list_store_clear (self->store);
  g_variant_iter_init (&iter, result);
  while (g_variant_iter_next (&iter, "(tt&s&su)", &start, &end, &name, &short_name, &stamp))
    {
      g_autofree gchar *s = address_text (start), *e = address_text (end);
      g_autofree gchar *stamp_text = g_strdup_printf ("%08x", stamp);

      gtk_list_store_insert_with_values (self->store, &row, -1, COL_NAME, *short_name ? short_name : name,
                                         COL_START, s, COL_END, e, COL_IMAGE, name,
                                         COL_STAMP, stamp_text, COL_START_VALUE, start, -1);
    }
}

static void
kdh_view_modules_class_init (KdhViewModulesClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

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
  gtk_widget_init_template (GTK_WIDGET (self));
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Modules"),
                            _("The loaded modules; click a column header to sort"));
}

GtkWidget *
kdh_view_modules_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_MODULES, NULL);
}
