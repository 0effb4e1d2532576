/* kdh-view.h: a debugger view docked beside the command window
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The base of Registers, Call Stack, Disassembly...: it asks the engine
 * for its typed data (kdh_engine_query()) at every stop and after every
 * command, shows the answer through its class's show(), and while the
 * target runs keeps the last values dimmed under a line saying so. It
 * never reads command text.
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/kdh-engine.h"

G_BEGIN_DECLS

#define KDH_TYPE_VIEW (kdh_view_get_type ())
G_DECLARE_DERIVABLE_TYPE (KdhView, kdh_view, KDH, VIEW, GtkBox)

struct _KdhViewClass
{
  GtkBoxClass parent_class;

  /* Posts the view's query; returns its token. */
  guint (*query) (KdhView   *self,
                  KdhEngine *engine);
  /* Shows an answer (never NULL). */
  void  (*show)  (KdhView   *self,
                  GVariant  *result);
  /* The target stopped again (values now are "since the last stop"). */
  void  (*new_stop) (KdhView *self);
  /* A command finished: it may have changed what the view keeps (e*). */
  void  (*command_done) (KdhView *self);
};

void        kdh_view_set_engine   (KdhView        *self,
                                   KdhEngine      *engine);
KdhEngine  *kdh_view_get_engine   (KdhView        *self);
/* Every engine event goes here; the view picks what concerns it. */
void        kdh_view_handle_event (KdhView        *self,
                                   const KdhEvent *event);
/* The token of the view's query in flight; 0 when it waits for none. */
guint       kdh_view_get_query    (KdhView        *self);
/* Asks again now (when stopped). */
void        kdh_view_refresh      (KdhView        *self);
/* Where the view's content lives: focused when the view is shown. */
void        kdh_view_set_content  (KdhView        *self,
                                   GtkWidget      *content);
GtkWidget  *kdh_view_get_content  (KdhView        *self);

/* A tree view's accessible name and description, for screen readers
 * and the tests that read the views. */
void        kdh_view_name_accessible (GtkWidget   *widget,
                                      const gchar *name,
                                      const gchar *description);

G_END_DECLS
