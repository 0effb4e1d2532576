/* kdh-view-breakpoints.c: the breakpoint table, as bl lists it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The check box runs be or bd, Delete runs bc, the entry below the table
 * runs bp with what is typed there, as if typed, so the command window
 * shows every change and every refusal. The table is the engine's and can
 * be listed while the target runs.
 */
#include "kdh-view-breakpoints.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

enum { COL_ID, COL_ENABLED, COL_ID_TEXT, COL_ADDRESS, COL_EXPRESSION, COL_HITS };

struct _KdhViewBreakpoints
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
  GtkCellRendererToggle *toggle;
  GtkEntry *new_entry;
};

G_DEFINE_FINAL_TYPE (KdhViewBreakpoints, kdh_view_breakpoints, KDH_TYPE_VIEW)

static guint
breakpoints_query (KdhView   *view,
                   KdhEngine *engine)
{
  return kdh_engine_query (engine, KDH_VIEW_QUERY_BREAKPOINTS, 0, 0);
}

static void
breakpoints_show (KdhView  *view,
                  GVariant *result)
{
  KdhViewBreakpoints *self = KDH_VIEW_BREAKPOINTS (view);
  gboolean enabled, deferred;
  const gchar *expression;
  GVariantIter iter;
  GtkTreeIter row;
  guint64 address;
  guint id, hits;

  gtk_list_store_clear (self->store);
  g_variant_iter_init (&iter, result);
  while (g_variant_iter_next (&iter, "(ubb&stu)", &id, &enabled, &deferred, &expression, &address,
                              &hits))
    {
      g_autofree gchar *id_text = g_strdup_printf ("%x", id);
      g_autofree gchar *where = deferred ? g_strdup (_("deferred"))
                                         : g_strdup_printf ("%08x`%08x", (guint) (address >> 32),
                                                            (guint) address);
      g_autofree gchar *hit_text = g_strdup_printf ("%u", hits);

      gtk_list_store_insert_with_values (self->store, &row, -1, COL_ID, id, COL_ENABLED, enabled,
                                         COL_ID_TEXT, id_text, COL_ADDRESS, where,
                                         COL_EXPRESSION, expression, COL_HITS, hit_text, -1);
    }
}

static void
run (KdhViewBreakpoints *self,
     const gchar        *command,
     guint               id)
{
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  g_autofree gchar *line = g_strdup_printf ("%s %x", command, id);

  if (engine)
    kdh_engine_execute (engine, line, NULL);
}

static void
on_toggled (GtkCellRendererToggle *toggle,
            gchar                 *path,
            gpointer               data)
{
  KdhViewBreakpoints *self = data;
  GtkTreeIter row;
  gboolean enabled;
  guint id;

  if (!gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (self->store), &row, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &row, COL_ID, &id, COL_ENABLED, &enabled, -1);
  run (self, enabled ? "bd" : "be", id);
}

static void
on_new_activate (GtkEntry *entry,
                 gpointer  data)
{
  KdhViewBreakpoints *self = data;
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  g_autofree gchar *expression = g_strstrip (g_strdup (gtk_entry_get_text (entry)));
  g_autofree gchar *line = NULL;

  if (engine == NULL || *expression == '\0')
    return;
  line = g_strdup_printf ("bp %s", expression);
  kdh_engine_execute (engine, line, NULL);
  gtk_entry_set_text (entry, "");
}

static gboolean
on_key_press (GtkWidget   *widget,
              GdkEventKey *event,
              gpointer     data)
{
  KdhViewBreakpoints *self = data;
  GtkTreeModel *model;
  GtkTreeIter row;
  guint id;

  if (event->keyval != GDK_KEY_Delete
      || !gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->tree), &model, &row))
    return GDK_EVENT_PROPAGATE;
  gtk_tree_model_get (model, &row, COL_ID, &id, -1);
  run (self, "bc", id);
  return GDK_EVENT_STOP;
}

static void
kdh_view_breakpoints_class_init (KdhViewBreakpointsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  view_class->query = breakpoints_query;
  view_class->show = breakpoints_show;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-breakpoints.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewBreakpoints, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewBreakpoints, store);
  gtk_widget_class_bind_template_child (widget_class, KdhViewBreakpoints, toggle);
  gtk_widget_class_bind_template_child (widget_class, KdhViewBreakpoints, new_entry);
}

static void
kdh_view_breakpoints_init (KdhViewBreakpoints *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  g_signal_connect (self->toggle, "toggled", G_CALLBACK (on_toggled), self);
  g_signal_connect (self->tree, "key-press-event", G_CALLBACK (on_key_press), self);
  g_signal_connect (self->new_entry, "activate", G_CALLBACK (on_new_activate), self);
  kdh_view_name_accessible (GTK_WIDGET (self->new_entry), _("New breakpoint"),
                            _("An address or symbol; Enter sets a breakpoint there (bp)"));
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Breakpoints"),
                            _("The breakpoints; the check box enables or disables one, Delete clears it"));
}

GtkWidget *
kdh_view_breakpoints_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_BREAKPOINTS, NULL);
}
