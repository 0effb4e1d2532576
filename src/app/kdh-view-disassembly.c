/* kdh-view-disassembly.c: the code at rip, as u shows it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Follows rip at every stop: the current instruction in bold with an
 * arrow, breakpoints with a dot in the gutter. F9 toggles a breakpoint
 * at the selected instruction through bp and bc, so the command window
 * (and bl) see it as typed.
 */
#include "kdh-view-disassembly.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>
#include <pango/pango.h>

/* Enough to fill a tall pane; one read of target memory. */
#define VIEW_INSTRUCTIONS 32

enum { COL_GUTTER, COL_TEXT, COL_ADDRESS, COL_BP, COL_WEIGHT, COL_LABEL };

struct _KdhViewDisassembly
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
};

G_DEFINE_FINAL_TYPE (KdhViewDisassembly, kdh_view_disassembly, KDH_TYPE_VIEW)

static guint
disassembly_query (KdhView   *view,
                   KdhEngine *engine)
{
  return kdh_engine_query (engine, KDH_VIEW_QUERY_DISASSEMBLY, G_MAXUINT64, VIEW_INSTRUCTIONS);
}

static void
disassembly_show (KdhView  *view,
                  GVariant *result)
{
  KdhViewDisassembly *self = KDH_VIEW_DISASSEMBLY (view);
  g_autoptr (GVariantIter) iter = NULL;
  const gchar *label, *line, *insn;
  g_autoptr (GtkTreePath) selected = NULL;
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->tree);
  GtkTreeModel *model;
  GtkTreeIter row, current_row;
  guint64 rip, address, selected_address = G_MAXUINT64;
  gboolean current, have_current = FALSE;
  gint bp;

  /* Keep the selection on its instruction (F9 twice toggles twice). */
  if (gtk_tree_selection_get_selected (selection, &model, &row))
    gtk_tree_model_get (model, &row, COL_ADDRESS, &selected_address, -1);
  g_variant_get (result, "(ta(tsssib))", &rip, &iter);
  gtk_list_store_clear (self->store);
  while (g_variant_iter_next (iter, "(t&s&s&sib)", &address, &label, &line, &insn, &bp, &current))
    {
      g_autofree gchar *gutter = g_strdup_printf ("%s%s", bp >= 0 ? "●" : " ", current ? "▶" : " ");

      if (*label)
        {
          g_autofree gchar *text = g_strdup_printf ("%s:", label);

          gtk_list_store_insert_with_values (self->store, &row, -1, COL_GUTTER, "", COL_TEXT, text,
                                             COL_ADDRESS, address, COL_BP, bp,
                                             COL_WEIGHT, PANGO_WEIGHT_NORMAL, COL_LABEL, TRUE, -1);
        }
      gtk_list_store_insert_with_values (self->store, &row, -1, COL_GUTTER, gutter, COL_TEXT, line,
                                         COL_ADDRESS, address, COL_BP, bp,
                                         COL_WEIGHT, current ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL,
                                         COL_LABEL, FALSE, -1);
      if (current)
        {
          current_row = row;
          have_current = TRUE;
        }
      if (address == selected_address)
        gtk_tree_selection_select_iter (selection, &row);
    }
  if (have_current && selected_address == G_MAXUINT64)
    {
      g_autoptr (GtkTreePath) path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->store),
                                                              &current_row);
      g_autoptr (GtkTreePath) above = gtk_tree_path_copy (path);

      gtk_tree_view_set_cursor (self->tree, path, NULL, FALSE);
      /* The current line at the top, with its label (or the line before) above it. */
      gtk_tree_path_prev (above);
      gtk_tree_view_scroll_to_cell (self->tree, above, NULL, TRUE, 0, 0);
    }
}

static gboolean
on_key_press (GtkWidget   *widget,
              GdkEventKey *event,
              gpointer     data)
{
  KdhViewDisassembly *self = data;
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->tree);
  g_autofree gchar *line = NULL;
  GtkTreeModel *model;
  GtkTreeIter row;
  guint64 address;
  gint bp;

  if (event->keyval != GDK_KEY_F9 || (event->state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return GDK_EVENT_PROPAGATE;
  if (engine == NULL || !gtk_tree_selection_get_selected (selection, &model, &row))
    return GDK_EVENT_STOP;
  gtk_tree_model_get (model, &row, COL_ADDRESS, &address, COL_BP, &bp, -1);
  if (bp >= 0)
    line = g_strdup_printf ("bc %x", bp);
  else
    line = g_strdup_printf ("bp 0x%" G_GINT64_MODIFIER "x", address);
  kdh_engine_execute (engine, line, NULL);
  return GDK_EVENT_STOP;
}

static void
kdh_view_disassembly_class_init (KdhViewDisassemblyClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  view_class->query = disassembly_query;
  view_class->show = disassembly_show;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-disassembly.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewDisassembly, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewDisassembly, store);
}

static void
kdh_view_disassembly_init (KdhViewDisassembly *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  g_signal_connect (self->tree, "key-press-event", G_CALLBACK (on_key_press), self);
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Disassembly"),
                            _("The code at the current instruction; F9 toggles a breakpoint at the selected line"));
}

gboolean
kdh_view_disassembly_get_selected (KdhViewDisassembly *self,
                                   guint64            *address)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->tree);
  GtkTreeModel *model;
  GtkTreeIter row;

  if (!gtk_tree_selection_get_selected (selection, &model, &row))
    return FALSE;
  gtk_tree_model_get (model, &row, COL_ADDRESS, address, -1);
  return TRUE;
}

GtkWidget *
kdh_view_disassembly_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_DISASSEMBLY, NULL);
}
