/* kdh-command-view.c: the command window: output terminal and command line
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-command-view.h"
#include "kdh-app-resources.h"
#include "kdh-word-wrap.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* Output not yet on screen is never cut: with an unlimited scrollback (a
 * setting) the terminal keeps everything, and whether it would drop a line
 * is the terminal's business. Instead, above PENDING_HIGH bytes the view
 * says it is backlogged (the window then holds the engine's delivery, and
 * the engine stops reading from the target) until a flush takes it below
 * PENDING_LOW. */
#define PENDING_HIGH (512 * 1024)
#define PENDING_LOW (128 * 1024)
/* The terminal is fed at most this much per frame: VTE parses and lays
 * out what it is fed before the next frame, and that must fit in one. */
#define FEED_MAX (48 * 1024)
/* The plain-text copy kept for dup_text(): about this much, trimmed by
 * TEXT_COPY_STEP at a time so that appending costs no memmove. */
#define MAX_TEXT_COPY (4 * 1024 * 1024)
#define TEXT_COPY_STEP (1024 * 1024)
#define MAX_HISTORY 1000
/* When the view is not mapped there are no frames; flush on a timer, and
 * often while output waits. */
#define UNMAPPED_FLUSH_MS 100
#define UNMAPPED_BUSY_FLUSH_MS 16

struct _KdhCommandView
{
  GtkBox parent_instance;

  VteTerminal *terminal;
  GtkLabel *prompt_label;
  GtkEntry *entry;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkButton *search_prev;
  GtkButton *search_next;
  GtkLabel *search_status;
  GMenuModel *context_menu;    /* NULL: no context menu */
  GdkRGBA colors[KDH_COMMAND_VIEW_N_COLORS];
  guint column;                /* where the terminal's cursor is, for word wrap */

  GString *pending;            /* bytes for the terminal, SGR and \r\n included */
  gboolean backlogged;         /* pending went over PENDING_HIGH, not yet under PENDING_LOW */
  GString *text_copy;          /* the same as plain text */
  guint tick_id;
  guint timeout_id;
  KdhOutputKind last_kind;
  gboolean at_line_start;

  gchar *prompt;
  gboolean ready;

  GPtrArray *history;          /* gchar*, oldest first */
  gint history_pos;            /* == history->len when not browsing */
  gchar *history_file;
};

enum {
  SIGNAL_COMMAND,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_BACKLOGGED,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KdhCommandView, kdh_command_view, GTK_TYPE_BOX)

static void schedule_flush (KdhCommandView *self);

static void
update_backlogged (KdhCommandView *self)
{
  gboolean backlogged = self->backlogged ? self->pending->len > PENDING_LOW
                                         : self->pending->len > PENDING_HIGH;

  if (backlogged == self->backlogged)
    return;
  self->backlogged = backlogged;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKLOGGED]);
}

/* One bounded terminal write; what is left waits for the next frame. VTE
 * takes a sequence cut anywhere (its parser keeps state across feeds). */
static void
flush (KdhCommandView *self)
{
  gsize n = MIN (self->pending->len, FEED_MAX);

  if (n == 0)
    return;
  vte_terminal_feed (self->terminal, self->pending->str, (gssize) n);
  g_string_erase (self->pending, 0, (gssize) n);
  update_backlogged (self);
  if (self->pending->len > 0)
    schedule_flush (self);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  KdhCommandView *self = data;

  self->tick_id = 0;
  flush (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_flush_timeout (gpointer data)
{
  KdhCommandView *self = data;

  self->timeout_id = 0;
  flush (self);
  return G_SOURCE_REMOVE;
}

/* One terminal write per frame, however much output arrives in it. */
static void
schedule_flush (KdhCommandView *self)
{
  if (self->tick_id || self->timeout_id)
    return;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, self, NULL);
  else
    self->timeout_id = g_timeout_add (self->pending->len > FEED_MAX ? UNMAPPED_BUSY_FLUSH_MS
                                                                    : UNMAPPED_FLUSH_MS,
                                      on_flush_timeout, self);
}

/* Keeps the last MAX_TEXT_COPY bytes or so, cut at a line start; cutting
 * only once TEXT_COPY_STEP more has come in keeps the memmove rare. */
static void
trim_text_copy (GString *s)
{
  const gchar *cut;

  if (s->len <= MAX_TEXT_COPY + TEXT_COPY_STEP)
    return;
  cut = strchr (s->str + (s->len - MAX_TEXT_COPY), '\n');
  g_string_erase (s, 0, cut ? (gssize) (cut + 1 - s->str) : (gssize) (s->len - MAX_TEXT_COPY));
}

static const gchar *
style_for (KdhOutputKind kind)
{
  switch (kind)
    {
    case KDH_OUTPUT_ERROR: return "\033[1;31m";
    case KDH_OUTPUT_ECHO: return "\033[1m";
    case KDH_OUTPUT_TARGET: return "\033[36m";
    case KDH_OUTPUT_DEBUGGER:
    default: return NULL;
    }
}

void
kdh_command_view_append (KdhCommandView *self,
                         KdhOutputKind   kind,
                         const gchar    *text)
{
  const gchar *style = style_for (kind);

  g_return_if_fail (KDH_IS_COMMAND_VIEW (self));
  if (text == NULL || *text == '\0')
    return;
  g_string_append (self->text_copy, text);
  trim_text_copy (self->text_copy);

  /* An echoed command starts on a line of its own. */
  if (kind == KDH_OUTPUT_ECHO && !self->at_line_start)
    {
      g_string_append (self->pending, "\r\n");
      self->column = 0;
    }
  if (style)
    g_string_append (self->pending, style);
  /* The terminal needs CR LF (the engine speaks in LF) and cuts lines
   * mid-word: break them between words instead. */
  kdh_word_wrap_append (self->pending, text, (guint) vte_terminal_get_column_count (self->terminal),
                        &self->column);
  if (style)
    g_string_append (self->pending, "\033[0m");
  self->at_line_start = text[strlen (text) - 1] == '\n';
  self->last_kind = kind;
  update_backlogged (self);
  schedule_flush (self);
}

gboolean
kdh_command_view_get_backlogged (KdhCommandView *self)
{
  g_return_val_if_fail (KDH_IS_COMMAND_VIEW (self), FALSE);
  return self->backlogged;
}

gchar *
kdh_command_view_dup_text (KdhCommandView *self)
{
  return g_strndup (self->text_copy->str, self->text_copy->len);
}

void
kdh_command_view_set_prompt (KdhCommandView *self,
                             const gchar    *prompt,
                             gboolean        ready)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self->prompt_label));
  g_autofree gchar *trimmed = g_strstrip (g_strdup (prompt ? prompt : "kd>"));

  g_free (self->prompt);
  self->prompt = g_strdup (prompt ? prompt : "kd> ");
  self->ready = ready;
  gtk_label_set_text (self->prompt_label, ready ? trimmed : "*BUSY*");
  if (ready)
    gtk_style_context_remove_class (context, "busy");
  else
    gtk_style_context_add_class (context, "busy");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->prompt_label),
                               ready ? NULL : _("The debugger is busy or the target is running; "
                                                "Ctrl+Break breaks in"));
}

void
kdh_command_view_set_scrollback (KdhCommandView *self,
                                 glong           lines)
{
  vte_terminal_set_scrollback_lines (self->terminal, lines);
}

void
kdh_command_view_focus_entry (KdhCommandView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

VteTerminal *
kdh_command_view_get_terminal (KdhCommandView *self)
{
  return self->terminal;
}

GtkEntry *
kdh_command_view_get_entry (KdhCommandView *self)
{
  return self->entry;
}

/* ---- History ----------------------------------------------------------- */

static void
save_history (KdhCommandView *self)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree gchar *dir = NULL;
  g_autoptr (GError) error = NULL;

  if (self->history_file == NULL)
    return;
  for (guint i = 0; i < self->history->len; i++)
    {
      g_string_append (text, self->history->pdata[i]);
      g_string_append_c (text, '\n');
    }
  dir = g_path_get_dirname (self->history_file);
  g_mkdir_with_parents (dir, 0700);
  if (!g_file_set_contents (self->history_file, text->str, (gssize) text->len, &error))
    g_warning ("Could not save the command history: %s", error->message);
}

void
kdh_command_view_set_history_file (KdhCommandView *self,
                                   const gchar    *path)
{
  g_autofree gchar *contents = NULL;

  g_free (self->history_file);
  self->history_file = g_strdup (path);
  g_ptr_array_set_size (self->history, 0);
  if (path && g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);

      for (guint i = 0; lines[i]; i++)
        if (*lines[i])
          g_ptr_array_add (self->history, g_strdup (lines[i]));
    }
  while (self->history->len > MAX_HISTORY)
    g_ptr_array_remove_index (self->history, 0);
  self->history_pos = (gint) self->history->len;
}

static void
remember (KdhCommandView *self,
          const gchar    *line)
{
  if (*line == '\0')
    return;
  if (self->history->len > 0
      && strcmp (self->history->pdata[self->history->len - 1], line) == 0)
    return;
  g_ptr_array_add (self->history, g_strdup (line));
  if (self->history->len > MAX_HISTORY)
    g_ptr_array_remove_index (self->history, 0);
  save_history (self);
}

static void
show_history (KdhCommandView *self)
{
  const gchar *text = self->history_pos < (gint) self->history->len
                      ? self->history->pdata[self->history_pos] : "";

  gtk_entry_set_text (self->entry, text);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
}

static gboolean
on_entry_key_press (GtkWidget   *widget,
                    GdkEventKey *event,
                    gpointer     data)
{
  KdhCommandView *self = data;

  if (event->state & (GDK_CONTROL_MASK | GDK_MOD1_MASK))
    return GDK_EVENT_PROPAGATE;
  switch (event->keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (self->history_pos > 0)
        {
          self->history_pos--;
          show_history (self);
        }
      return GDK_EVENT_STOP;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (self->history_pos < (gint) self->history->len)
        {
          self->history_pos++;
          show_history (self);
        }
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
on_entry_activate (GtkEntry *entry,
                   gpointer  data)
{
  KdhCommandView *self = data;
  g_autofree gchar *line = g_strdup (gtk_entry_get_text (entry));

  /* No local echo: the engine echoes every command, in order with the
   * output and with everyone else's commands. */
  g_strstrip (line);
  remember (self, line);
  self->history_pos = (gint) self->history->len;
  gtk_entry_set_text (entry, "");
  g_signal_emit (self, signals[SIGNAL_COMMAND], 0, line);
}

/* ---- Edit: copy, select all, clear, find -------------------------------- */

gboolean
kdh_command_view_copy (KdhCommandView *self)
{
  GtkWidget *toplevel, *focus;
  g_autofree gchar *selected = NULL, *text = NULL;

  g_return_val_if_fail (KDH_IS_COMMAND_VIEW (self), FALSE);
  /* The command line's or the find bar's selection, when it has the focus. */
  toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  focus = GTK_IS_WINDOW (toplevel) ? gtk_window_get_focus (GTK_WINDOW (toplevel)) : NULL;
  if (GTK_IS_EDITABLE (focus) && gtk_widget_is_ancestor (focus, GTK_WIDGET (self))
      && gtk_editable_get_selection_bounds (GTK_EDITABLE (focus), NULL, NULL))
    {
      gtk_editable_copy_clipboard (GTK_EDITABLE (focus));
      return TRUE;
    }
  if (!vte_terminal_get_has_selection (self->terminal))
    return FALSE;
  /* The lines as they came, not as the word wrap broke them. */
  selected = vte_terminal_get_text_selected (self->terminal, VTE_FORMAT_TEXT);
  text = kdh_word_wrap_unwrap (selected ? selected : "");
  gtk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self->terminal),
                                                    GDK_SELECTION_CLIPBOARD), text, -1);
  return TRUE;
}

void
kdh_command_view_select_all (KdhCommandView *self)
{
  g_return_if_fail (KDH_IS_COMMAND_VIEW (self));
  if (gtk_widget_has_focus (GTK_WIDGET (self->entry))
      && gtk_entry_get_text_length (self->entry) > 0)
    gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
  else
    vte_terminal_select_all (self->terminal);
}

/* DECTCEM off: the output is read only, a cursor there would say
 * otherwise. A reset turns it on again. */
#define HIDE_CURSOR "\033[?25l"

void
kdh_command_view_clear (KdhCommandView *self)
{
  g_return_if_fail (KDH_IS_COMMAND_VIEW (self));
  /* What was about to be shown goes too: it was printed before the clear. */
  g_string_truncate (self->pending, 0);
  g_string_truncate (self->text_copy, 0);
  update_backlogged (self);
  /* VTE ignores a reset while input is off, as it is in this output. */
  vte_terminal_set_input_enabled (self->terminal, TRUE);
  vte_terminal_reset (self->terminal, TRUE, TRUE);
  vte_terminal_set_input_enabled (self->terminal, FALSE);
  vte_terminal_feed (self->terminal, HIDE_CURSOR, -1);
  self->column = 0;
  self->at_line_start = TRUE;
}

static void
search (KdhCommandView *self,
        gboolean        backwards)
{
  const gchar *text = gtk_entry_get_text (GTK_ENTRY (self->search_entry));
  gboolean found;

  if (*text == '\0')
    {
      gtk_label_set_text (self->search_status, "");
      return;
    }
  found = backwards ? vte_terminal_search_find_previous (self->terminal)
                    : vte_terminal_search_find_next (self->terminal);
  gtk_label_set_text (self->search_status, found ? "" : _("Not found"));
}

static void
on_search_changed (GtkSearchEntry *entry,
                   gpointer        data)
{
  KdhCommandView *self = data;
  const gchar *text = gtk_entry_get_text (GTK_ENTRY (entry));
  g_autofree gchar *pattern = g_regex_escape_string (text, -1);
  VteRegex *regex = NULL;

  /* A plain, case-insensitive search: what a user types is text, not a
   * regular expression (addresses are full of characters PCRE treats). */
  if (*text)
    regex = vte_regex_new_for_search (pattern, -1, 0x00000008u /* PCRE2_CASELESS */
                                      | 0x00080000u /* PCRE2_UTF */
                                      | 0x00000400u /* PCRE2_MULTILINE */, NULL);
  vte_terminal_search_set_regex (self->terminal, regex, 0);
  vte_terminal_search_set_wrap_around (self->terminal, TRUE);
  if (regex)
    vte_regex_unref (regex);
  vte_terminal_unselect_all (self->terminal);
  /* From the end: the latest output is the likeliest target. */
  search (self, TRUE);
}

static void
on_search_activate (GtkEntry *entry,
                    gpointer  data)
{
  search (data, TRUE);
}

static void
on_search_next (GtkButton *button,
                gpointer   data)
{
  search (data, FALSE);
}

static void
on_search_prev (GtkButton *button,
                gpointer   data)
{
  search (data, TRUE);
}

static gboolean
on_search_key_press (GtkWidget   *widget,
                     GdkEventKey *event,
                     gpointer     data)
{
  KdhCommandView *self = data;

  if (event->keyval == GDK_KEY_Escape)
    {
      gtk_search_bar_set_search_mode (self->search_bar, FALSE);
      kdh_command_view_focus_entry (self);
      return GDK_EVENT_STOP;
    }
  if ((event->keyval == GDK_KEY_Return || event->keyval == GDK_KEY_KP_Enter)
      && (event->state & GDK_SHIFT_MASK))
    {
      search (self, FALSE);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

void
kdh_command_view_find (KdhCommandView *self)
{
  g_return_if_fail (KDH_IS_COMMAND_VIEW (self));
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
kdh_command_view_set_context_menu (KdhCommandView *self,
                                   GMenuModel     *menu)
{
  g_set_object (&self->context_menu, menu);
}

static gboolean
on_terminal_button_press (GtkWidget      *widget,
                          GdkEventButton *event,
                          gpointer        data)
{
  KdhCommandView *self = data;
  GtkWidget *menu;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event) || self->context_menu == NULL)
    return GDK_EVENT_PROPAGATE;
  menu = gtk_menu_new_from_model (self->context_menu);
  gtk_menu_attach_to_widget (GTK_MENU (menu), widget, NULL);
  g_signal_connect (menu, "deactivate", G_CALLBACK (gtk_widget_destroy), NULL);
  gtk_menu_popup_at_pointer (GTK_MENU (menu), (GdkEvent *) event);
  return GDK_EVENT_STOP;
}

static gboolean
on_terminal_popup_menu (GtkWidget *widget,
                        gpointer   data)
{
  KdhCommandView *self = data;
  GtkWidget *menu;

  if (self->context_menu == NULL)
    return FALSE;
  menu = gtk_menu_new_from_model (self->context_menu);
  gtk_menu_attach_to_widget (GTK_MENU (menu), widget, NULL);
  g_signal_connect (menu, "deactivate", G_CALLBACK (gtk_widget_destroy), NULL);
  gtk_menu_popup_at_widget (GTK_MENU (menu), widget, GDK_GRAVITY_CENTER, GDK_GRAVITY_NORTH_WEST,
                            NULL);
  return TRUE;
}

/* Typing in the output goes to the command line: the output takes no
 * input, and a key lost silently would be a surprise. Keys that select,
 * scroll or carry a modifier (the window's shortcuts) stay. */
static gboolean
on_terminal_key_press (GtkWidget   *widget,
                       GdkEventKey *event,
                       gpointer     data)
{
  KdhCommandView *self = data;
  gboolean text = gdk_keyval_to_unicode (event->keyval) != 0
                  && !g_unichar_iscntrl (gdk_keyval_to_unicode (event->keyval));

  if (event->state & (GDK_CONTROL_MASK | GDK_MOD1_MASK | GDK_SUPER_MASK))
    return GDK_EVENT_PROPAGATE;
  if (!text && event->keyval != GDK_KEY_Return && event->keyval != GDK_KEY_KP_Enter
      && event->keyval != GDK_KEY_BackSpace)
    return GDK_EVENT_PROPAGATE;
  gtk_entry_grab_focus_without_selecting (self->entry);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
  return gtk_widget_event (GTK_WIDGET (self->entry), (GdkEvent *) event);
}

/* ---- Colours ------------------------------------------------------------- */

static gdouble
luminance (const GdkRGBA *c)
{
  gdouble v[3] = { c->red, c->green, c->blue };

  for (guint i = 0; i < 3; i++)
    v[i] = v[i] <= 0.03928 ? v[i] / 12.92 : pow ((v[i] + 0.055) / 1.055, 2.4);
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

/* The output's colours follow the theme: its own base and text colours,
 * and GNOME's palette for errors and target output, the light or the dark
 * shade so that each keeps a contrast of 4.5:1 or more (WCAG AA). */
static void
update_colors (KdhCommandView *self)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self->entry));
  GdkRGBA bg, fg, palette[8];
  gboolean dark;
  /* GNOME palette: dark-3, red, green, yellow, blue, purple, blue (for
   * cyan: the palette has none), light-1; the first set for a light
   * background, the second for a dark one. */
  static const gchar *light[8] = { "#3d3846", "#c01c28", "#26a269", "#9c6e03",
                                   "#1a5fb4", "#813d9c", "#1a5fb4", "#5e5c64" };
  static const gchar *dark_set[8] = { "#77767b", "#ff7b63", "#8ff0a4", "#f9f06b",
                                      "#99c1f1", "#dc8add", "#99c1f1", "#ffffff" };

  if (!gtk_style_context_lookup_color (context, "theme_base_color", &bg))
    gdk_rgba_parse (&bg, "#ffffff");
  if (!gtk_style_context_lookup_color (context, "theme_text_color", &fg))
    gtk_style_context_get_color (context, GTK_STATE_FLAG_NORMAL, &fg);
  bg.alpha = fg.alpha = 1.0;
  dark = luminance (&bg) < 0.2;
  for (guint i = 0; i < 8; i++)
    gdk_rgba_parse (&palette[i], (dark ? dark_set : light)[i]);
  vte_terminal_set_colors (self->terminal, &fg, &bg, palette, 8);
  self->colors[KDH_COMMAND_VIEW_BACKGROUND] = bg;
  self->colors[KDH_COMMAND_VIEW_FOREGROUND] = fg;
  self->colors[KDH_COMMAND_VIEW_ERROR] = palette[1];
  self->colors[KDH_COMMAND_VIEW_TARGET] = palette[6];
}

void
kdh_command_view_get_color (KdhCommandView      *self,
                            KdhCommandViewColor  which,
                            GdkRGBA             *color)
{
  g_return_if_fail (KDH_IS_COMMAND_VIEW (self) && which < KDH_COMMAND_VIEW_N_COLORS);
  *color = self->colors[which];
}

static void
on_style_updated (GtkWidget *widget,
                  gpointer   data)
{
  update_colors (data);
}

/* ---- GObject ----------------------------------------------------------- */

static void
kdh_command_view_dispose (GObject *object)
{
  KdhCommandView *self = KDH_COMMAND_VIEW (object);

  if (self->tick_id)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_object (&self->context_menu);
  G_OBJECT_CLASS (kdh_command_view_parent_class)->dispose (object);
}

static void
kdh_command_view_finalize (GObject *object)
{
  KdhCommandView *self = KDH_COMMAND_VIEW (object);

  g_string_free (self->pending, TRUE);
  g_string_free (self->text_copy, TRUE);
  g_ptr_array_unref (self->history);
  g_free (self->history_file);
  g_free (self->prompt);
  G_OBJECT_CLASS (kdh_command_view_parent_class)->finalize (object);
}

static void
kdh_command_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KdhCommandView *self = KDH_COMMAND_VIEW (object);

  switch (prop_id)
    {
    case PROP_BACKLOGGED:
      g_value_set_boolean (value, self->backlogged);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kdh_command_view_class_init (KdhCommandViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kdh_command_view_dispose;
  object_class->finalize = kdh_command_view_finalize;
  object_class->get_property = kdh_command_view_get_property;

  properties[PROP_BACKLOGGED] =
    g_param_spec_boolean ("backlogged", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_COMMAND] = g_signal_new ("command", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (VTE_TYPE_TERMINAL);
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-command-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, terminal);
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, entry);
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, search_prev);
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, search_next);
  gtk_widget_class_bind_template_child (widget_class, KdhCommandView, search_status);
}

static void
kdh_command_view_init (KdhCommandView *self)
{
  PangoFontDescription *font;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->pending = g_string_new (NULL);
  self->text_copy = g_string_new (NULL);
  self->history = g_ptr_array_new_with_free_func (g_free);
  self->at_line_start = TRUE;
  self->prompt = g_strdup ("kd> ");
  self->ready = TRUE;

  font = pango_font_description_from_string ("Monospace 10");
  vte_terminal_set_font (self->terminal, font);
  pango_font_description_free (font);
  vte_terminal_set_scrollback_lines (self->terminal, 10000);
  vte_terminal_set_cursor_blink_mode (self->terminal, VTE_CURSOR_BLINK_OFF);
  /* Output only: the terminal shows text and lets you select and copy it,
   * and never takes keys meant for the window's shortcuts. */
  vte_terminal_set_input_enabled (self->terminal, FALSE);
  vte_terminal_feed (self->terminal, HIDE_CURSOR, -1);
  update_colors (self);
  g_signal_connect (self->entry, "style-updated", G_CALLBACK (on_style_updated), self);
  g_signal_connect (self->terminal, "key-press-event", G_CALLBACK (on_terminal_key_press), self);
  g_signal_connect (self->terminal, "button-press-event", G_CALLBACK (on_terminal_button_press),
                    self);
  g_signal_connect (self->terminal, "popup-menu", G_CALLBACK (on_terminal_popup_menu), self);
  gtk_search_bar_connect_entry (self->search_bar, GTK_ENTRY (self->search_entry));
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
  g_signal_connect (self->search_entry, "key-press-event", G_CALLBACK (on_search_key_press), self);
  g_signal_connect (self->search_next, "clicked", G_CALLBACK (on_search_next), self);
  g_signal_connect (self->search_prev, "clicked", G_CALLBACK (on_search_prev), self);

  g_signal_connect (self->entry, "activate", G_CALLBACK (on_entry_activate), self);
  g_signal_connect (self->entry, "key-press-event", G_CALLBACK (on_entry_key_press), self);
}

GtkWidget *
kdh_command_view_new (void)
{
  return g_object_new (KDH_TYPE_COMMAND_VIEW, NULL);
}
