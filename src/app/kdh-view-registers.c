/* kdh-view-registers.c: the current processor's registers, changes marked
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A value that differs from the one at the previous stop is shown in red,
 * as WinDbg does; within one stop the comparison stays with that stop.
 * A value edited in place is written with r NAME=VALUE, as if typed, so
 * the command window shows it and refuses it as r would (running, bad
 * number).
 */
#include "kdh-view-registers.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

enum { COL_NAME, COL_VALUE, COL_CHANGED, COL_CHANGED_TEXT };

struct _KdhViewRegisters
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
  GtkCellRendererText *value_renderer;
  GtkTreeViewColumn *value_column;
  GHashTable *previous;         /* name -> value text at the previous stop */
  GHashTable *current;          /* name -> value text at this stop */
};

G_DEFINE_FINAL_TYPE (KdhViewRegisters, kdh_view_registers, KDH_TYPE_VIEW)

static guint
registers_query (KdhView   *view,
                 KdhEngine *engine)
{
  return kdh_engine_query (engine, KDH_VIEW_QUERY_REGISTERS, 0, 0);
}

static void
registers_new_stop (KdhView *view)
{
  KdhViewRegisters *self = KDH_VIEW_REGISTERS (view);

  /* What this stop showed becomes what the next one is compared with. */
  if (g_hash_table_size (self->current) > 0)
    {
      g_hash_table_unref (self->previous);
      self->previous = self->current;
      self->current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }
}

static void
registers_show (KdhView  *view,
                GVariant *result)
{
  KdhViewRegisters *self = KDH_VIEW_REGISTERS (view);
  g_autoptr (GVariantIter) iter = NULL;
  const gchar *name, *text;
  GtkTreeIter row;
  guint64 value;
  guint cpu;

  g_variant_get (result, "(ua(sts))", &cpu, &iter);
  gtk_list_store_clear (self->store);
  while (g_variant_iter_next (iter, "(&st&s)", &name, &value, &text))
    {
      const gchar *before = g_hash_table_lookup (self->previous, name);
      gboolean changed = before && g_strcmp0 (before, text) != 0;

      g_hash_table_insert (self->current, g_strdup (name), g_strdup (text));
      gtk_list_store_insert_with_values (self->store, &row, -1, COL_NAME, name, COL_VALUE, text,
                                         COL_CHANGED, changed,
                                         COL_CHANGED_TEXT, changed ? _("changed") : "", -1);
    }
}

static void
on_value_edited (GtkCellRendererText *renderer,
                 gchar               *path,
                 gchar               *text,
                 gpointer             data)
{
  KdhViewRegisters *self = data;
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  g_autofree gchar *name = NULL, *old = NULL, *line = NULL;
  g_autofree gchar *value = g_strstrip (g_strdup (text));
  GtkTreeIter row;

  if (engine == NULL
      || !gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (self->store), &row, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &row, COL_NAME, &name, COL_VALUE, &old, -1);
  if (*value == '\0' || g_strcmp0 (value, old) == 0)
    return;
  /* Registers are shown in hex without a prefix; a bare number is read
   * the same way (r's default radix is 16). */
  line = g_strdup_printf ("r %s=%s", name, value);
  kdh_engine_execute (engine, line, NULL);
}

/* Enter (or a double click) on a row edits its value. */
static void
on_row_activated (GtkTreeView       *tree,
                  GtkTreePath       *path,
                  GtkTreeViewColumn *column,
                  gpointer           data)
{
  KdhViewRegisters *self = data;

  gtk_tree_view_set_cursor (tree, path, self->value_column, TRUE);
}

static void
kdh_view_registers_finalize (GObject *object)
{
  KdhViewRegisters *self = KDH_VIEW_REGISTERS (object);

  g_hash_table_unref (self->previous);
  g_hash_table_unref (self->current);
  G_OBJECT_CLASS (kdh_view_registers_parent_class)->finalize (object);
}

static void
kdh_view_registers_class_init (KdhViewRegistersClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = kdh_view_registers_finalize;
  view_class->query = registers_query;
  view_class->show = registers_show;
  view_class->new_stop = registers_new_stop;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-registers.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewRegisters, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewRegisters, store);
  gtk_widget_class_bind_template_child (widget_class, KdhViewRegisters, value_renderer);
  gtk_widget_class_bind_template_child (widget_class, KdhViewRegisters, value_column);
}

static void
kdh_view_registers_init (KdhViewRegisters *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->previous = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  g_signal_connect (self->value_renderer, "edited", G_CALLBACK (on_value_edited), self);
  g_signal_connect (self->tree, "row-activated", G_CALLBACK (on_row_activated), self);
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Registers"),
                            _("The current processor's registers; values changed since the last stop are red; "
                              "Enter edits the selected value"));
}

GtkWidget *
kdh_view_registers_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_REGISTERS, NULL);
}
