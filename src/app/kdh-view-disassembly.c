/* kdh-view-disassembly.c: the code at rip, as u shows it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Follows rip at every stop: the current instruction in bold with an
 * arrow, breakpoints with a dot in the gutter. F9 toggles a breakpoint
 * at the selected instruction through bp and bc, so the command window
 * (and bl) see it as typed. Scrolling above the first line (the wheel,
 * Up or Page Up on it) loads the instructions before it as ub finds
 * them; from then on the view keeps its first line until the next stop.
 */
#include "kdh-view-disassembly.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>
#include <pango/pango.h>

/* Enough to fill a tall pane; one read of target memory. */
#define VIEW_INSTRUCTIONS 32
/* Loaded at a time when scrolling backwards, and the most kept. */
#define BACK_INSTRUCTIONS 16
#define MAX_INSTRUCTIONS 480

enum { COL_GUTTER, COL_TEXT, COL_ADDRESS, COL_BP, COL_WEIGHT, COL_LABEL };

struct _KdhViewDisassembly
{
  KdhView parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
  GtkScrolledWindow *scrolled;

  guint64 start;               /* the first instruction; G_MAXUINT64: rip */
  guint count;
  gboolean want_back;          /* load the instructions before the first line */
  gboolean back_in_flight;     /* the query in flight is that */
  gboolean back_cursor;        /* ... asked by the keyboard: the cursor goes up */
  guint64 anchor;              /* the first line's address when asked */
  gboolean show_anchor;        /* the next answer scrolls to the anchor */
};

G_DEFINE_FINAL_TYPE (KdhViewDisassembly, kdh_view_disassembly, KDH_TYPE_VIEW)

static guint
disassembly_query (KdhView   *view,
                   KdhEngine *engine)
{
  KdhViewDisassembly *self = KDH_VIEW_DISASSEMBLY (view);

  self->back_in_flight = self->want_back;
  if (self->want_back)
    {
      self->want_back = FALSE;
      return kdh_engine_query (engine, KDH_VIEW_QUERY_DISASSEMBLY_BACK, self->anchor,
                               BACK_INSTRUCTIONS);
    }
  return kdh_engine_query (engine, KDH_VIEW_QUERY_DISASSEMBLY, self->start, self->count);
}

static void
disassembly_new_stop (KdhView *view)
{
  KdhViewDisassembly *self = KDH_VIEW_DISASSEMBLY (view);

  /* Back to following rip. */
  self->start = G_MAXUINT64;
  self->count = VIEW_INSTRUCTIONS;
  self->want_back = self->show_anchor = FALSE;
}

static gboolean
first_address (KdhViewDisassembly *self,
               guint64            *address)
{
  GtkTreeIter row;

  if (!gtk_tree_model_get_iter_first (GTK_TREE_MODEL (self->store), &row))
    return FALSE;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &row, COL_ADDRESS, address, -1);
  return TRUE;
}

/* The instructions before the first line: found by a backward query (as
 * ub decodes onto an address), then shown by the forward one from there. */
static void
request_back (KdhViewDisassembly *self,
              gboolean            cursor)
{
  guint64 first;

  if (self->want_back || self->count >= MAX_INSTRUCTIONS || !first_address (self, &first)
      || first == 0 || !gtk_widget_is_sensitive (GTK_WIDGET (self->tree)))
    return;
  self->want_back = TRUE;
  self->back_cursor = cursor;
  self->anchor = first;
  kdh_view_refresh (KDH_VIEW (self));
}

static void
show_back (KdhViewDisassembly *self,
           GVariant           *result)
{
  g_autoptr (GVariantIter) iter = NULL;
  guint64 rip, address, first, start = G_MAXUINT64;
  guint n = 0;

  g_variant_get (result, "(ta(tsssib))", &rip, &iter);
  while (g_variant_iter_next (iter, "(t&s&s&sib)", &address, NULL, NULL, NULL, NULL, NULL))
    {
      if (n++ == 0)
        start = address;
    }
  /* Stale (the view moved on meanwhile) or nothing before it. */
  if (n == 0 || !first_address (self, &first) || first != self->anchor)
    return;
  if (self->start == G_MAXUINT64)
    self->count = VIEW_INSTRUCTIONS;
  self->start = start;
  self->count = MIN (self->count + n, MAX_INSTRUCTIONS);
  self->show_anchor = TRUE;
  kdh_view_refresh (KDH_VIEW (self));
}

/* The row of the first line at @address (its label, if it has one). */
static GtkTreePath *
find_row (KdhViewDisassembly *self,
          guint64             address)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter row;
  gboolean more;

  for (more = gtk_tree_model_get_iter_first (model, &row); more;
       more = gtk_tree_model_iter_next (model, &row))
    {
      guint64 at;

      gtk_tree_model_get (model, &row, COL_ADDRESS, &at, -1);
      if (at == address)
        return gtk_tree_model_get_path (model, &row);
    }
  return NULL;
}

/* After the answer that added lines above: the line before the old first
 * one gets the cursor (keyboard), or a few lines of the new ones show
 * above it (wheel). Otherwise the first visible line stays. */
static void
keep_place (KdhViewDisassembly *self,
            guint64             top)
{
  g_autoptr (GtkTreePath) path = NULL;

  if (self->show_anchor)
    {
      self->show_anchor = FALSE;
      path = find_row (self, self->anchor);
      if (path == NULL)
        return;
      if (self->back_cursor)
        {
          if (gtk_tree_path_prev (path))
            gtk_tree_view_set_cursor (self->tree, path, NULL, FALSE);
          return;
        }
      for (guint i = 0; i < 4 && gtk_tree_path_prev (path); i++)
        ;
      gtk_tree_view_scroll_to_cell (self->tree, path, NULL, TRUE, 0, 0);
      return;
    }
  if (top != G_MAXUINT64 && (path = find_row (self, top)) != NULL)
    gtk_tree_view_scroll_to_cell (self->tree, path, NULL, TRUE, 0, 0);
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
  guint64 rip, address, selected_address = G_MAXUINT64, top = G_MAXUINT64;
  gboolean current, have_current = FALSE;
  gint bp;

  if (self->back_in_flight)
    {
      self->back_in_flight = FALSE;
      show_back (self, result);
      return;
    }
  if (self->start != G_MAXUINT64)
    {
      g_autoptr (GtkTreePath) first_visible = NULL;
      GtkTreeIter at;

      if (gtk_tree_view_get_visible_range (self->tree, &first_visible, NULL)
          && gtk_tree_model_get_iter (GTK_TREE_MODEL (self->store), &at, first_visible))
        gtk_tree_model_get (GTK_TREE_MODEL (self->store), &at, COL_ADDRESS, &top, -1);
    }
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
  if (self->start != G_MAXUINT64)
    keep_place (self, top);
  else if (have_current && selected_address == G_MAXUINT64)
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

/* bp at the row's address, or bc of the breakpoint there, as if typed. */
static void
toggle_breakpoint (KdhViewDisassembly *self,
                   GtkTreeModel       *model,
                   GtkTreeIter        *row)
{
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  g_autofree gchar *line = NULL;
  guint64 address;
  gint bp;

  if (engine == NULL)
    return;
  gtk_tree_model_get (model, row, COL_ADDRESS, &address, COL_BP, &bp, -1);
  if (bp >= 0)
    line = g_strdup_printf ("bc %x", bp);
  else
    line = g_strdup_printf ("bp 0x%" G_GINT64_MODIFIER "x", address);
  kdh_engine_execute (engine, line, NULL);
}

static gboolean
on_key_press (GtkWidget   *widget,
              GdkEventKey *event,
              gpointer     data)
{
  KdhViewDisassembly *self = data;
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->tree);
  GtkTreeModel *model;
  GtkTreeIter row;

  if ((event->keyval == GDK_KEY_Up || event->keyval == GDK_KEY_KP_Up
       || event->keyval == GDK_KEY_Page_Up || event->keyval == GDK_KEY_KP_Page_Up)
      && (event->state & gtk_accelerator_get_default_mod_mask ()) == 0)
    {
      g_autoptr (GtkTreePath) cursor = NULL;

      gtk_tree_view_get_cursor (self->tree, &cursor, NULL);
      if (cursor == NULL || gtk_tree_path_get_indices (cursor)[0] != 0)
        return GDK_EVENT_PROPAGATE;
      request_back (self, TRUE);
      return GDK_EVENT_STOP;
    }
  if (event->keyval != GDK_KEY_F9 || (event->state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return GDK_EVENT_PROPAGATE;
  if (gtk_tree_selection_get_selected (selection, &model, &row))
    toggle_breakpoint (self, model, &row);
  return GDK_EVENT_STOP;
}

/* A click in the gutter toggles the line's breakpoint, as F9 does. */
static gboolean
on_button_press (GtkWidget      *widget,
                 GdkEventButton *event,
                 gpointer        data)
{
  KdhViewDisassembly *self = data;
  g_autoptr (GtkTreePath) path = NULL;
  GtkTreeViewColumn *column = NULL;
  GtkTreeIter row;

  if (event->type != GDK_BUTTON_PRESS || event->button != GDK_BUTTON_PRIMARY
      || !gtk_tree_view_get_path_at_pos (self->tree, (gint) event->x, (gint) event->y, &path,
                                         &column, NULL, NULL)
      || column != gtk_tree_view_get_column (self->tree, 0)
      || !gtk_tree_model_get_iter (GTK_TREE_MODEL (self->store), &row, path))
    return GDK_EVENT_PROPAGATE;
  gtk_tree_view_set_cursor (self->tree, path, NULL, FALSE);
  toggle_breakpoint (self, GTK_TREE_MODEL (self->store), &row);
  return GDK_EVENT_STOP;
}

static gboolean
on_scroll (GtkWidget      *widget,
           GdkEventScroll *event,
           gpointer        data)
{
  KdhViewDisassembly *self = data;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled);
  gdouble dx = 0, dy = 0;
  gboolean up = event->direction == GDK_SCROLL_UP
                || (gdk_event_get_scroll_deltas ((GdkEvent *) event, &dx, &dy) && dy < 0);

  if (up && gtk_adjustment_get_value (adjustment) <= gtk_adjustment_get_lower (adjustment))
    request_back (self, FALSE);
  return GDK_EVENT_PROPAGATE;
}

static void
on_edge_overshot (GtkScrolledWindow *scrolled,
                  GtkPositionType    position,
                  gpointer           data)
{
  if (position == GTK_POS_TOP)
    request_back (data, FALSE);
}

static void
kdh_view_disassembly_class_init (KdhViewDisassemblyClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  view_class->query = disassembly_query;
  view_class->show = disassembly_show;
  view_class->new_stop = disassembly_new_stop;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-disassembly.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewDisassembly, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewDisassembly, store);
  gtk_widget_class_bind_template_child (widget_class, KdhViewDisassembly, scrolled);
}

static void
kdh_view_disassembly_init (KdhViewDisassembly *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  self->start = G_MAXUINT64;
  self->count = VIEW_INSTRUCTIONS;
  g_signal_connect (self->tree, "key-press-event", G_CALLBACK (on_key_press), self);
  g_signal_connect (self->tree, "button-press-event", G_CALLBACK (on_button_press), self);
  g_signal_connect (self->tree, "scroll-event", G_CALLBACK (on_scroll), self);
  g_signal_connect (self->scrolled, "edge-overshot", G_CALLBACK (on_edge_overshot), self);
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Disassembly"),
                            _("The code at the current instruction; F9 (or a click in the gutter) toggles a breakpoint at the selected line, "
                              "F7 runs to it; Up on the first line shows the code before it"));
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
