/* kdh-command-view.h: the command window: output terminal and command line
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <vte/vte.h>

#include "target/kdh-event.h"

G_BEGIN_DECLS

/* The colours the output uses, from the theme (light or dark). */
typedef enum {
  KDH_COMMAND_VIEW_BACKGROUND,
  KDH_COMMAND_VIEW_FOREGROUND,
  KDH_COMMAND_VIEW_ERROR,
  KDH_COMMAND_VIEW_TARGET,
  KDH_COMMAND_VIEW_N_COLORS
} KdhCommandViewColor;

#define KDH_TYPE_COMMAND_VIEW (kdh_command_view_get_type ())
G_DECLARE_FINAL_TYPE (KdhCommandView, kdh_command_view, KDH, COMMAND_VIEW, GtkBox)

/* A read-only VteTerminal showing all debugger and target output, and an
 * entry below it with the kd> prompt, history (Up/Down, kept across runs)
 * and KD's Enter-repeats-the-last-command. Output is buffered and written
 * to the terminal once per frame, a bounded amount at a time, so a flood
 * of target output costs one small terminal update per frame. Nothing is
 * dropped: while more than a few hundred KiB wait, the "backlogged"
 * property is TRUE and the owner should stop appending (the window holds
 * the engine's delivery). Emits "command" (gchar *line) when the user
 * enters a line; an empty line is passed on as "" for the engine to
 * repeat the last command. */
GtkWidget   *kdh_command_view_new            (void);
void         kdh_command_view_append         (KdhCommandView *self,
                                              KdhOutputKind   kind,
                                              const gchar    *text);
gboolean     kdh_command_view_get_backlogged (KdhCommandView *self);
/* "0: kd> " while @ready; shown as *BUSY* otherwise. */
void         kdh_command_view_set_prompt     (KdhCommandView *self,
                                              const gchar    *prompt,
                                              gboolean        ready);
void         kdh_command_view_set_scrollback (KdhCommandView *self,
                                              glong           lines);
void         kdh_command_view_focus_entry    (KdhCommandView *self);
/* Where history is kept (NULL: not kept); set before the first command. */
void         kdh_command_view_set_history_file (KdhCommandView *self,
                                                const gchar    *path);
VteTerminal *kdh_command_view_get_terminal   (KdhCommandView *self);
GtkEntry    *kdh_command_view_get_entry      (KdhCommandView *self);
/* The Edit menu's and the context menu's. Copy copies the output's
 * selection, or the command line's when it has the focus; FALSE when
 * there was nothing selected to copy. */
gboolean     kdh_command_view_copy           (KdhCommandView *self);
void         kdh_command_view_select_all     (KdhCommandView *self);
/* Empties the output (.cls, Clear Output). */
void         kdh_command_view_clear          (KdhCommandView *self);
/* Shows the find bar (Ctrl+F) and puts the focus in it. */
void         kdh_command_view_find           (KdhCommandView *self);
/* The output's context menu (actions resolved from the view's toplevel). */
void         kdh_command_view_set_context_menu (KdhCommandView *self,
                                                GMenuModel     *menu);
void         kdh_command_view_get_color      (KdhCommandView      *self,
                                              KdhCommandViewColor  which,
                                              GdkRGBA             *color);
/* Everything shown so far, as plain text (tests, export). */
gchar       *kdh_command_view_dup_text       (KdhCommandView *self);

G_END_DECLS
