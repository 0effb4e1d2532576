/* kdh-view.c: what every debugger view does with the engine's events
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-view.h"

#include <glib/gi18n.h>

typedef struct
{
  KdhEngine *engine;
  GtkLabel *status;             /* why the values are dimmed or missing */
  GtkWidget *content;
  guint token;                  /* the query in flight; 0: none */
  gboolean again;               /* asked again while one was in flight */
  gboolean stopped;
} KdhViewPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (KdhView, kdh_view, GTK_TYPE_BOX)

static void
set_status (KdhView     *self,
            const gchar *text)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  gtk_label_set_text (priv->status, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (priv->status), text != NULL);
}

void
kdh_view_refresh (KdhView *self)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  if (priv->engine == NULL || !priv->stopped)
    return;
  if (priv->token != 0)
    {
      /* One query at a time: the answer in flight may be stale. */
      priv->again = TRUE;
      return;
    }
  priv->token = KDH_VIEW_GET_CLASS (self)->query (self, priv->engine);
}

static void
set_stopped (KdhView  *self,
             gboolean  stopped,
             gboolean  connected)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  if (stopped && !priv->stopped && KDH_VIEW_GET_CLASS (self)->new_stop)
    KDH_VIEW_GET_CLASS (self)->new_stop (self);
  priv->stopped = stopped;
  if (priv->content)
    gtk_widget_set_sensitive (priv->content, stopped);
  if (!stopped)
    set_status (self, connected ? _("The target is running; these are the last values.")
                                : _("No target is stopped."));
}

void
kdh_view_handle_event (KdhView        *self,
                       const KdhEvent *event)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  switch (event->kind)
    {
    case KDH_EVENT_STATE:
      set_stopped (self, event->state == KDH_CONN_BREAK, kdh_conn_state_connected (event->state));
      kdh_view_refresh (self);
      break;
    case KDH_EVENT_COMMAND_DONE:
      /* A command may have changed what the view shows (bp, r rax=1, .frame). */
      if (KDH_VIEW_GET_CLASS (self)->command_done)
        KDH_VIEW_GET_CLASS (self)->command_done (self);
      kdh_view_refresh (self);
      break;
    case KDH_EVENT_QUERY_RESULT:
      if (event->token != priv->token)
        break;
      priv->token = 0;
      if (event->result)
        {
          set_status (self, NULL);
          KDH_VIEW_GET_CLASS (self)->show (self, event->result);
        }
      else if (priv->stopped)
        set_status (self, event->error);
      if (priv->again)
        {
          priv->again = FALSE;
          kdh_view_refresh (self);
        }
      break;
    default:
      break;
    }
}

void
kdh_view_set_engine (KdhView   *self,
                     KdhEngine *engine)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);
  KdhConnState state;

  priv->engine = engine;
  priv->token = 0;
  state = engine ? kdh_engine_get_state (engine) : KDH_CONN_DISCONNECTED;
  set_stopped (self, state == KDH_CONN_BREAK, kdh_conn_state_connected (state));
  kdh_view_refresh (self);
}

guint
kdh_view_get_query (KdhView *self)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  return priv->token;
}

KdhEngine *
kdh_view_get_engine (KdhView *self)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  return priv->engine;
}

void
kdh_view_set_content (KdhView   *self,
                      GtkWidget *content)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  priv->content = content;
  gtk_widget_set_sensitive (content, priv->stopped);
}

GtkWidget *
kdh_view_get_content (KdhView *self)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  return priv->content;
}

void
kdh_view_name_accessible (GtkWidget   *widget,
                          const gchar *name,
                          const gchar *description)
{
  AtkObject *accessible = gtk_widget_get_accessible (widget);

  atk_object_set_name (accessible, name);
  if (description)
    atk_object_set_description (accessible, description);
}

static void
kdh_view_init (KdhView *self)
{
  KdhViewPrivate *priv = kdh_view_get_instance_private (self);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  priv->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (priv->status, 0);
  gtk_label_set_line_wrap (priv->status, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (priv->status), 6);
  gtk_widget_set_no_show_all (GTK_WIDGET (priv->status), TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (priv->status)),
                               "dim-label");
  gtk_box_pack_start (GTK_BOX (self), GTK_WIDGET (priv->status), FALSE, FALSE, 0);
  set_status (self, _("No target is stopped."));
}

static void
kdh_view_class_init (KdhViewClass *klass)
{
}
