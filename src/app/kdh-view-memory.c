/* kdh-view-memory.c: target memory at an expression, as the d* commands show it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The address box takes what d* takes (@rsp, nt!KeBugCheckEx+10,
 * poi(...)); the engine evaluates it. The rows are a window of ROWS lines
 * of 16 bytes over the address space that moves when the cursor nears
 * one of its edges, and only the lines on screen are read, in blocks
 * kept until the next stop or command (a command may have written
 * memory). Cells are formatted with d*'s own unit formatting, so the view
 * and the command window agree digit for digit, question marks included.
 * An edited cell is written with e* as if typed: the command window shows
 * it, and refuses it as e* would (running, bad number).
 */
#include "kdh-view-memory.h"
#include "kdh-app-resources.h"
#include "kdh-application.h"

#include <glib/gi18n.h>
#include <string.h>

#include "commands/kdh-dump.h"
#include "common/kdh-address.h"

#define ROW_BYTES 16
#define N_CELLS 16
#define ROWS 256                /* lines in the model at a time */
#define ROWS_ABOVE 64           /* lines above the address, so Up and Page Up work */
#define EDGE_ROWS 16            /* this close to an end, the window moves... */
#define SHIFT_ROWS 128          /* ...by this much */
#define BLOCK 256               /* the cache's unit, in bytes */
#define MAX_QUERY (16u * 1024u)
/* Before the tree has been laid out: the lines assumed on screen. */
#define GUESS_ROWS 48

enum { COL_ADDRESS, COL_CELL0, COL_TEXT = COL_CELL0 + N_CELLS, COL_ROW_ADDRESS, N_COLUMNS };

typedef enum { FMT_BYTES, FMT_WORDS, FMT_DWORDS, FMT_QWORDS, FMT_ASCII, FMT_UNICODE } Format;

static const struct {
  const gchar *id;              /* the combo's id and the memory-format setting */
  guint unit;
  const gchar *enter;           /* the e* command that writes one unit */
} formats[] = {
  { "bytes", 1, "eb" }, { "words", 2, "ew" }, { "dwords", 4, "ed" }, { "qwords", 8, "eq" },
  { "ascii", 1, "eb" }, { "unicode", 2, "ew" },
};

struct _KdhViewMemory
{
  KdhView parent_instance;

  GtkEntry *address;
  GtkComboBoxText *format;
  GtkToggleButton *follow;
  GtkTreeView *tree;
  GtkListStore *store;
  GtkTreeViewColumn *cells[N_CELLS];
  GtkTreeViewColumn *text_column;
  GSettings *settings;
  GHashTable *cache;            /* block address -> GBytes: BLOCK bytes, BLOCK readable flags */
  gchar *expression;            /* what the address box said at Enter */
  guint64 base;                 /* its value */
  guint64 first;                /* the address of row 0 */
  guint n_rows;
  gboolean have_base;
  gboolean evaluate;            /* evaluate the expression at the next query */
  gboolean ptr64;
  gboolean shifting;
  guint shift_idle;
  Format fmt;
};

G_DEFINE_FINAL_TYPE (KdhViewMemory, kdh_view_memory, KDH_TYPE_VIEW)

/* The 16 bytes of a line from the cache; FALSE when a block is missing. */
static gboolean
fetch_row (KdhViewMemory *self,
           guint64        address,
           guint8        *data,
           gboolean      *readable)
{
  for (guint i = 0; i < ROW_BYTES; i++)
    {
      guint64 at = address + i;
      guint64 block = at & ~(guint64) (BLOCK - 1);
      GBytes *bytes = g_hash_table_lookup (self->cache, &block);
      const guint8 *p;

      if (bytes == NULL)
        return FALSE;
      p = g_bytes_get_data (bytes, NULL);
      data[i] = p[at - block];
      readable[i] = p[BLOCK + (at - block)] != 0;
    }
  return TRUE;
}

static gchar *
cell_text (Format          fmt,
           const guint8   *data,
           const gboolean *readable)
{
  guint unit = formats[fmt].unit;
  gboolean ok = TRUE;
  guint c;

  for (guint i = 0; i < unit; i++)
    ok &= readable[i];
  switch (fmt)
    {
    case FMT_ASCII:
      /* db's text column: printable or '.', '?' where unreadable. */
      return g_strdup_printf ("%c", !ok ? '?' : data[0] >= 0x20 && data[0] < 0x7f ? data[0] : '.');
    case FMT_UNICODE:
      if (!ok)
        return g_strdup ("?");
      c = data[0] | (data[1] << 8);
      /* As du shows characters. */
      if ((c >= 0x20 && c < 0x7f) || (c >= 0xa0 && !(c >= 0xd800 && c < 0xe000)))
        return g_ucs4_to_utf8 ((gunichar *) &c, 1, NULL, NULL, NULL);
      return g_strdup (".");
    default:
      return kdh_dump_format_unit (data, unit, ok);
    }
}

/* Fills the line at @row from the cache; a missing block leaves it as it
 * was (the last values), or empty when @force (the format changed). */
static void
render_row (KdhViewMemory *self,
            GtkTreeIter   *row,
            gboolean       force)
{
  guint64 address;
  guint8 data[ROW_BYTES];
  gboolean readable[ROW_BYTES];
  gboolean have;
  guint unit = formats[self->fmt].unit;
  gint columns[N_CELLS + 1];
  GValue values[N_CELLS + 1] = { G_VALUE_INIT };
  gchar text[ROW_BYTES + 1];

  gtk_tree_model_get (GTK_TREE_MODEL (self->store), row, COL_ROW_ADDRESS, &address, -1);
  have = fetch_row (self, address, data, readable);
  if (!have && !force)
    return;
  for (guint i = 0; i < N_CELLS; i++)
    {
      columns[i] = COL_CELL0 + i;
      g_value_init (&values[i], G_TYPE_STRING);
      if (have && i < ROW_BYTES / unit)
        g_value_take_string (&values[i], cell_text (self->fmt, data + i * unit, readable + i * unit));
      else
        g_value_set_static_string (&values[i], "");
    }
  for (guint i = 0; i < ROW_BYTES; i++)
    text[i] = !have || !readable[i] ? '?' : data[i] >= 0x20 && data[i] < 0x7f ? (gchar) data[i] : '.';
  text[ROW_BYTES] = '\0';
  columns[N_CELLS] = COL_TEXT;
  g_value_init (&values[N_CELLS], G_TYPE_STRING);
  g_value_set_string (&values[N_CELLS], have ? text : "");
  gtk_list_store_set_valuesv (self->store, row, columns, values, N_CELLS + 1);
  for (guint i = 0; i <= N_CELLS; i++)
    g_value_unset (&values[i]);
}

static void
render_rows (KdhViewMemory *self,
             gboolean       force)
{
  GtkTreeIter row;
  gboolean more = gtk_tree_model_get_iter_first (GTK_TREE_MODEL (self->store), &row);

  while (more)
    {
      render_row (self, &row, force);
      more = gtk_tree_model_iter_next (GTK_TREE_MODEL (self->store), &row);
    }
}

/* The lines of the window from self->first, with their addresses. The
 * rows are rewritten in place when their number stays: the tree keeps
 * its heights and the scroll position means the same line. */
static void
fill_rows (KdhViewMemory *self)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter row;
  /* Not past the top of the address space. */
  guint64 room = (G_MAXUINT64 - self->first) / ROW_BYTES + 1;
  guint n_rows = (guint) MIN ((guint64) ROWS, room);
  gboolean in_place = (guint) gtk_tree_model_iter_n_children (model, NULL) == n_rows;
  gboolean more = in_place && gtk_tree_model_get_iter_first (model, &row);

  if (!in_place)
    gtk_list_store_clear (self->store);
  self->n_rows = n_rows;
  for (guint i = 0; i < n_rows; i++)
    {
      guint64 address = self->first + (guint64) i * ROW_BYTES;
      g_autofree gchar *text = kdh_format_address (address, self->ptr64);

      if (!in_place)
        gtk_list_store_insert_with_values (self->store, &row, -1, COL_ADDRESS, text,
                                           COL_ROW_ADDRESS, address, -1);
      else if (more)
        {
          gtk_list_store_set (self->store, &row, COL_ADDRESS, text, COL_ROW_ADDRESS, address, -1);
          more = gtk_tree_model_iter_next (model, &row);
        }
    }
  render_rows (self, TRUE);
}

static GtkAdjustment *
vadjustment (KdhViewMemory *self)
{
  return gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->tree));
}

/* The lines on screen: the tree's own range once it is laid out. */
static void
visible_rows (KdhViewMemory *self,
              guint         *top,
              guint         *bottom)
{
  g_autoptr (GtkTreePath) start = NULL, end = NULL;

  if (!gtk_widget_get_realized (GTK_WIDGET (self->tree))
      || !gtk_tree_view_get_visible_range (self->tree, &start, &end))
    {
      *top = MIN (ROWS_ABOVE, self->n_rows);
      *bottom = MIN (*top + GUESS_ROWS, self->n_rows);
      return;
    }
  *top = MIN ((guint) gtk_tree_path_get_indices (start)[0], self->n_rows);
  *bottom = MIN ((guint) gtk_tree_path_get_indices (end)[0] + 1, self->n_rows);
}

/* The blocks on screen not read at this stop: [*from, *to). */
static gboolean
missing_range (KdhViewMemory *self,
               guint64       *from,
               guint64       *to)
{
  guint top, bottom;
  gboolean found = FALSE;
  guint64 start, end;

  visible_rows (self, &top, &bottom);
  if (!self->have_base || top >= bottom)
    return FALSE;
  start = (self->first + (guint64) top * ROW_BYTES) & ~(guint64) (BLOCK - 1);
  end = self->first + (guint64) bottom * ROW_BYTES - 1;    /* the last byte */
  for (guint64 block = start; block <= end && block >= start; block += BLOCK)
    {
      if (g_hash_table_contains (self->cache, &block))
        {
          if (found)
            break;
          continue;
        }
      if (!found)
        *from = block;
      found = TRUE;
      *to = block + BLOCK;
      if (*to - *from >= MAX_QUERY || *to == 0)
        break;
    }
  return found;
}

/* A hexadecimal number needs no stopped target: typed as such, it works
 * through a debugging server too. */
static gboolean
parse_plain_address (const gchar *text,
                     guint64     *value)
{
  g_autofree gchar *digits = NULL;
  const gchar *p = text;
  gchar *end = NULL;
  guint n = 0;

  if (g_str_has_prefix (p, "0x") || g_str_has_prefix (p, "0X"))
    p += 2;
  digits = g_strdup (p);
  for (const gchar *q = p; *q; q++)
    if (*q != '`')
      {
        if (!g_ascii_isxdigit (*q))
          return FALSE;
        digits[n++] = *q;
      }
  digits[n] = '\0';
  if (n == 0 || n > 16)
    return FALSE;
  *value = g_ascii_strtoull (digits, &end, 16);
  return *end == '\0';
}

static void
set_base (KdhViewMemory *self,
          guint64        base)
{
  g_autoptr (GtkTreePath) path = NULL;
  guint above = (guint) MIN ((guint64) ROWS_ABOVE, base / ROW_BYTES);

  self->base = base;
  self->have_base = TRUE;
  self->first = base - (guint64) above * ROW_BYTES;
  fill_rows (self);
  /* The address's line at the top, its first unit under the cursor
   * (Enter edits it). */
  path = gtk_tree_path_new_from_indices (above, -1);
  gtk_tree_view_set_cursor (self->tree, path, self->cells[0], FALSE);
  gtk_tree_view_scroll_to_cell (self->tree, path, NULL, TRUE, 0, 0);
}

static guint
memory_query (KdhView   *view,
              KdhEngine *engine)
{
  KdhViewMemory *self = KDH_VIEW_MEMORY (view);
  guint64 from = 0, to = 0, value;

  if (self->expression == NULL || *self->expression == '\0')
    return 0;
  if (self->evaluate || !self->have_base)
    {
      if (!parse_plain_address (self->expression, &value))
        return kdh_engine_query_expression (engine, self->expression);
      self->evaluate = FALSE;
      if (!self->have_base || value != self->base)
        set_base (self, value);
    }
  if (!missing_range (self, &from, &to))
    return 0;
  return kdh_engine_query (engine, KDH_VIEW_QUERY_MEMORY, from, (guint) (to - from));
}

static void
memory_show (KdhView  *view,
             GVariant *result)
{
  KdhViewMemory *self = KDH_VIEW_MEMORY (view);
  g_autoptr (GVariant) data = NULL, flags = NULL;
  const guint8 *bytes, *readable;
  gboolean ptr64, added = FALSE;
  guint64 address;
  gsize n, n_flags;

  if (g_variant_is_of_type (result, G_VARIANT_TYPE ("(t)")))
    {
      g_variant_get (result, "(t)", &address);
      self->evaluate = FALSE;
      /* Following, the same value leaves the lines where the user put them. */
      if (!self->have_base || address != self->base)
        set_base (self, address);
      kdh_view_refresh (view);
      return;
    }
  g_variant_get (result, "(t@ay@ayb)", &address, &data, &flags, &ptr64);
  bytes = g_variant_get_fixed_array (data, &n, 1);
  readable = g_variant_get_fixed_array (flags, &n_flags, 1);
  n = MIN (n, n_flags);
  for (gsize at = 0; at + BLOCK <= n; at += BLOCK)
    {
      guint64 *key = g_new (guint64, 1);
      guint8 *block = g_malloc (2 * BLOCK);

      *key = address + at;
      memcpy (block, bytes + at, BLOCK);
      memcpy (block + BLOCK, readable + at, BLOCK);
      g_hash_table_replace (self->cache, key, g_bytes_new_take (block, 2 * BLOCK));
      added = TRUE;
    }
  if (ptr64 != self->ptr64)
    {
      self->ptr64 = ptr64;
      fill_rows (self);
    }
  else
    render_rows (self, FALSE);
  /* Scrolled meanwhile: the lines now on screen. */
  if (added)
    kdh_view_refresh (view);
}

static void
memory_new_stop (KdhView *view)
{
  KdhViewMemory *self = KDH_VIEW_MEMORY (view);

  g_hash_table_remove_all (self->cache);
  if (gtk_toggle_button_get_active (self->follow))
    self->evaluate = TRUE;
}

static void
memory_command_done (KdhView *view)
{
  /* e*, f, .readmem or r rsp=... may have changed what is shown. */
  memory_new_stop (view);
}

/* Near an end of the window, the window moves and the lines stay put.
 * Done once GTK has finished the key press or scroll that got there, so
 * that its own scrolling to the cursor is over. */
static gboolean
shift_window (gpointer data)
{
  KdhViewMemory *self = data;
  g_autoptr (GtkTreePath) start = NULL, end = NULL, cursor = NULL, top_path = NULL;
  GtkTreeViewColumn *column = NULL;
  gint top, bottom, shift = 0;

  self->shift_idle = 0;
  if (!self->have_base || self->n_rows == 0
      || !gtk_tree_view_get_visible_range (self->tree, &start, &end))
    return G_SOURCE_REMOVE;
  top = gtk_tree_path_get_indices (start)[0];
  bottom = gtk_tree_path_get_indices (end)[0];
  if (top < EDGE_ROWS && self->first > 0)
    shift = -(gint) MIN ((guint64) SHIFT_ROWS, self->first / ROW_BYTES);
  else if (bottom + EDGE_ROWS >= (gint) self->n_rows && self->n_rows == ROWS
           && G_MAXUINT64 - self->first >= (guint64) (ROWS + SHIFT_ROWS) * ROW_BYTES)
    shift = SHIFT_ROWS;
  if (shift == 0)
    return G_SOURCE_REMOVE;
  gtk_tree_view_get_cursor (self->tree, &cursor, &column);
  self->shifting = TRUE;
  self->first += (gint64) shift * ROW_BYTES;
  fill_rows (self);
  /* The same addresses under the cursor and at the top as before. */
  if (cursor != NULL)
    {
      gint index = gtk_tree_path_get_indices (cursor)[0] - shift;
      g_autoptr (GtkTreePath) moved = gtk_tree_path_new_from_indices (CLAMP (index, 0, (gint) self->n_rows - 1), -1);

      gtk_tree_view_set_cursor (self->tree, moved, column, FALSE);
    }
  top_path = gtk_tree_path_new_from_indices (CLAMP (top - shift, 0, (gint) self->n_rows - 1), -1);
  gtk_tree_view_scroll_to_cell (self->tree, top_path, NULL, TRUE, 0, 0);
  self->shifting = FALSE;
  kdh_view_refresh (KDH_VIEW (self));
  return G_SOURCE_REMOVE;
}

static void
on_scrolled (GtkAdjustment *adj,
             gpointer       data)
{
  KdhViewMemory *self = data;

  if (!self->shifting && self->shift_idle == 0)
    self->shift_idle = g_idle_add (shift_window, self);
  kdh_view_refresh (KDH_VIEW (self));
}

static void
apply_format (KdhViewMemory *self)
{
  guint unit = formats[self->fmt].unit;

  for (guint i = 0; i < N_CELLS; i++)
    {
      g_autofree gchar *title = g_strdup_printf ("%x", i * unit);

      gtk_tree_view_column_set_visible (self->cells[i], i < ROW_BYTES / unit);
      gtk_tree_view_column_set_title (self->cells[i], title);
    }
  gtk_tree_view_column_set_visible (self->text_column, self->fmt == FMT_BYTES);
  render_rows (self, TRUE);
}

static void
on_format_changed (GtkComboBox *combo,
                   gpointer     data)
{
  KdhViewMemory *self = data;
  const gchar *id = gtk_combo_box_get_active_id (combo);

  for (guint i = 0; id && i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (id, formats[i].id))
      self->fmt = (Format) i;
  apply_format (self);
  if (self->settings && id)
    {
      g_autofree gchar *kept = g_settings_get_string (self->settings, "memory-format");

      if (!g_str_equal (kept, id))
        g_settings_set_string (self->settings, "memory-format", id);
    }
}

static void
on_address_activate (GtkEntry *entry,
                     gpointer  data)
{
  KdhViewMemory *self = data;

  g_free (self->expression);
  self->expression = g_strstrip (g_strdup (gtk_entry_get_text (entry)));
  self->evaluate = TRUE;
  /* To the address's line even when it did not change. */
  self->have_base = FALSE;
  if (self->settings)
    g_settings_set_string (self->settings, "memory-address", self->expression);
  kdh_view_refresh (KDH_VIEW (self));
}

static void
on_follow_toggled (GtkToggleButton *button,
                   gpointer         data)
{
  KdhViewMemory *self = data;

  if (self->settings)
    g_settings_set_boolean (self->settings, "memory-follow", gtk_toggle_button_get_active (button));
}

static void
on_cell_edited (GtkCellRendererText *renderer,
                gchar               *path,
                gchar               *text,
                gpointer             data)
{
  KdhViewMemory *self = data;
  KdhEngine *engine = kdh_view_get_engine (KDH_VIEW (self));
  guint cell = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (renderer), "kdh-cell"));
  guint unit = formats[self->fmt].unit;
  g_autofree gchar *old = NULL, *value = g_strstrip (g_strdup (text));
  g_autoptr (GString) line = NULL;
  GtkTreeIter row;
  guint64 address;

  if (engine == NULL
      || !gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (self->store), &row, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &row, COL_ROW_ADDRESS, &address,
                      COL_CELL0 + cell, &old, -1);
  if (*value == '\0' || g_strcmp0 (value, old) == 0)
    return;
  address += (guint64) cell * unit;
  line = g_string_new (NULL);
  g_string_append_printf (line, "%s 0x%" G_GINT64_MODIFIER "x", formats[self->fmt].enter, address);
  if (self->fmt == FMT_ASCII || self->fmt == FMT_UNICODE)
    {
      /* Characters as numbers: no quoting to get wrong. The cell's
       * character, and those typed after it go to the next units. */
      g_autofree gunichar2 *wide = self->fmt == FMT_UNICODE
                                   ? g_utf8_to_utf16 (value, -1, NULL, NULL, NULL) : NULL;

      if (self->fmt == FMT_UNICODE)
        for (guint i = 0; wide && wide[i]; i++)
          g_string_append_printf (line, " %x", wide[i]);
      else
        for (const guchar *p = (const guchar *) value; *p; p++)
          g_string_append_printf (line, " %x", *p);
    }
  else
    g_string_append_printf (line, " %s", value);
  kdh_engine_execute (engine, line->str, NULL);
}

/* Typing replaces the value, as in WinDbg's memory window. */
static void
on_editing_started (GtkCellRenderer *renderer,
                    GtkCellEditable *editable,
                    gchar           *path,
                    gpointer         data)
{
  if (GTK_IS_EDITABLE (editable))
    gtk_editable_select_region (GTK_EDITABLE (editable), 0, -1);
}

/* Enter (or a double click) on a cell edits it. */
static void
on_row_activated (GtkTreeView       *tree,
                  GtkTreePath       *path,
                  GtkTreeViewColumn *column,
                  gpointer           data)
{
  KdhViewMemory *self = data;

  for (guint i = 0; i < N_CELLS; i++)
    if (column == self->cells[i])
      gtk_tree_view_set_cursor (tree, path, column, TRUE);
}

static GtkTreeViewColumn *
text_column_new (KdhViewMemory *self,
                 const gchar   *title,
                 gint           model_column)
{
  GtkCellRenderer *renderer = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *column = gtk_tree_view_column_new_with_attributes (title, renderer, "text",
                                                                        model_column, NULL);

  g_object_set (renderer, "family", "monospace", "xpad", 1, NULL);
  gtk_tree_view_append_column (self->tree, column);
  return column;
}

static void
kdh_view_memory_dispose (GObject *object)
{
  KdhViewMemory *self = KDH_VIEW_MEMORY (object);

  g_clear_handle_id (&self->shift_idle, g_source_remove);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (kdh_view_memory_parent_class)->dispose (object);
}

static void
kdh_view_memory_finalize (GObject *object)
{
  KdhViewMemory *self = KDH_VIEW_MEMORY (object);

  g_hash_table_unref (self->cache);
  g_free (self->expression);
  G_OBJECT_CLASS (kdh_view_memory_parent_class)->finalize (object);
}

static void
kdh_view_memory_class_init (KdhViewMemoryClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KdhViewClass *view_class = KDH_VIEW_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = kdh_view_memory_dispose;
  G_OBJECT_CLASS (klass)->finalize = kdh_view_memory_finalize;
  view_class->query = memory_query;
  view_class->show = memory_show;
  view_class->new_stop = memory_new_stop;
  view_class->command_done = memory_command_done;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-view-memory.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhViewMemory, address);
  gtk_widget_class_bind_template_child (widget_class, KdhViewMemory, format);
  gtk_widget_class_bind_template_child (widget_class, KdhViewMemory, follow);
  gtk_widget_class_bind_template_child (widget_class, KdhViewMemory, tree);
  gtk_widget_class_bind_template_child (widget_class, KdhViewMemory, store);
}

static void
kdh_view_memory_init (KdhViewMemory *self)
{
  GApplication *app = g_application_get_default ();
  g_autofree gchar *format = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify) g_bytes_unref);
  self->ptr64 = TRUE;
  text_column_new (self, _("Address"), COL_ADDRESS);
  for (guint i = 0; i < N_CELLS; i++)
    {
      GList *renderers;

      self->cells[i] = text_column_new (self, "", COL_CELL0 + i);
      renderers = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (self->cells[i]));
      g_object_set (renderers->data, "editable", TRUE, NULL);
      g_object_set_data (G_OBJECT (renderers->data), "kdh-cell", GUINT_TO_POINTER (i));
      g_signal_connect (renderers->data, "edited", G_CALLBACK (on_cell_edited), self);
      g_signal_connect (renderers->data, "editing-started", G_CALLBACK (on_editing_started), self);
      g_list_free (renderers);
    }
  self->text_column = text_column_new (self, _("Text"), COL_TEXT);

  if (app != NULL && KDH_IS_APPLICATION (app) && kdh_application_get_settings (KDH_APPLICATION (app)))
    self->settings = g_object_ref (kdh_application_get_settings (KDH_APPLICATION (app)));
  if (self->settings)
    {
      self->expression = g_settings_get_string (self->settings, "memory-address");
      format = g_settings_get_string (self->settings, "memory-format");
      gtk_toggle_button_set_active (self->follow,
                                    g_settings_get_boolean (self->settings, "memory-follow"));
    }
  gtk_entry_set_text (self->address, self->expression ? self->expression : "");
  if (format == NULL || !gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->format), format))
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->format), "bytes");
  on_format_changed (GTK_COMBO_BOX (self->format), self);

  g_signal_connect (self->format, "changed", G_CALLBACK (on_format_changed), self);
  g_signal_connect (self->address, "activate", G_CALLBACK (on_address_activate), self);
  g_signal_connect (self->follow, "toggled", G_CALLBACK (on_follow_toggled), self);
  g_signal_connect (self->tree, "row-activated", G_CALLBACK (on_row_activated), self);
  g_signal_connect (vadjustment (self), "value-changed", G_CALLBACK (on_scrolled), self);
  kdh_view_set_content (KDH_VIEW (self), GTK_WIDGET (self->tree));
  kdh_view_name_accessible (GTK_WIDGET (self->tree), _("Memory"),
                            _("Target memory from the address above, 16 bytes a line; "
                              "Enter edits the selected value"));
  kdh_view_name_accessible (GTK_WIDGET (self->address), _("Address"),
                            _("An address or expression; Enter shows the memory there"));
  kdh_view_name_accessible (GTK_WIDGET (self->format), _("Display format"), NULL);
}

GtkWidget *
kdh_view_memory_new (void)
{
  return g_object_new (KDH_TYPE_VIEW_MEMORY, NULL);
}
