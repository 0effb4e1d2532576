/* kdh-status-bar.c: the connection at a glance, at the bottom of the window
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-status-bar.h"
#include "kdh-app-resources.h"

#include <glib/gi18n.h>

#include "kdh-state-style.h"

struct _KdhStatusBar
{
  GtkBox parent_instance;

  GtkDrawingArea *indicator;
  GtkLabel *state_label;
  GtkLabel *transport_label;
  GtkLabel *target_label;
  GtkLabel *last_packet_label;
  GtkWidget *state_box;
  GtkWidget *progress_box;
  GtkLabel *progress_label;
  GtkProgressBar *progress_bar;

  KdhConnState state;
  guint attempt;
  guint retry;
  gint64 retry_at_us;
  gint64 last_rx_us;
  guint refresh_id;
  guint countdown_id;
};

G_DEFINE_FINAL_TYPE (KdhStatusBar, kdh_status_bar, GTK_TYPE_BOX)

static gboolean
draw_indicator (GtkWidget *widget,
                cairo_t   *cr,
                gpointer   data)
{
  KdhStatusBar *self = data;
  gdouble w = gtk_widget_get_allocated_width (widget);
  gdouble h = gtk_widget_get_allocated_height (widget);
  GdkRGBA color;

  kdh_state_style_get_color (self->state, &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_arc (cr, w / 2, h / 2, MIN (w, h) / 2 - 0.5, 0, 2 * G_PI);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  return FALSE;
}

static void
refresh_last_packet (KdhStatusBar *self)
{
  g_autofree gchar *text = NULL;
  gdouble seconds;

  if (self->last_rx_us == 0 || !kdh_conn_state_connected (self->state))
    {
      gtk_label_set_text (self->last_packet_label, "");
      return;
    }
  seconds = (g_get_monotonic_time () - self->last_rx_us) / 1e6;
  if (seconds < 1)
    text = g_strdup (_("Last packet: just now"));
  else if (seconds < 120)
    text = g_strdup_printf (_("Last packet: %.0f s ago"), seconds);
  else
    text = g_strdup_printf (_("Last packet: %.0f min ago"), seconds / 60);
  gtk_label_set_text (self->last_packet_label, text);
}

static gboolean
on_refresh (gpointer data)
{
  refresh_last_packet (data);
  return G_SOURCE_CONTINUE;
}

/* What a state means and what to do about it, for a change that came
 * without a reason of its own (the hover always says something). */
static const gchar *
state_description (KdhConnState state)
{
  switch (state)
    {
    case KDH_CONN_DISCONNECTED:
      return _("No kernel connection: File > Kernel Debug (Ctrl+K) opens one, "
               "File > Reconnect (Ctrl+Shift+F5) opens the last one again.");
    case KDH_CONN_OPENING: return _("Opening the connection to the target.");
    case KDH_CONN_WAITING: return _("Waiting for the target to appear.");
    case KDH_CONN_SYNCHRONIZING: return _("Synchronizing with the target.");
    case KDH_CONN_BREAK: return _("The target is stopped and takes commands; F5 lets it run.");
    case KDH_CONN_RUNNING: return _("The target is running; Ctrl+Break breaks in.");
    case KDH_CONN_RESYNCHRONIZING: return _("Resynchronizing with the target.");
    case KDH_CONN_RESTARTING: return _("Restarting the connection.");
    case KDH_CONN_LOST: return _("The connection to the target is lost.");
    default: return NULL;
    }
}

gchar *
kdh_status_bar_dup_state_tooltip (KdhStatusBar *self)
{
  return gtk_widget_get_tooltip_text (self->state_box);
}

static gboolean on_countdown (gpointer data);

/* The state's name with the retry it is in or waits for: the number goes
 * on across back-off rounds, and a countdown shows when the next starts. */
static void
show_state (KdhStatusBar *self)
{
  const gchar *name = kdh_conn_state_name (self->state);
  g_autofree gchar *label = NULL;

  g_clear_handle_id (&self->countdown_id, g_source_remove);
  if (self->state == KDH_CONN_LOST && self->retry_at_us > 0)
    {
      gint64 left = self->retry_at_us - g_get_monotonic_time ();

      if (left > 0)
        {
          gint64 seconds = (left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

          /* TRANSLATORS: "Lost, retrying in 3 s (retry 2)" */
          label = g_strdup_printf (_("%s, retrying in %u s (retry %u)"), name, (guint) seconds,
                                   self->retry);
          /* Again when the whole seconds left change. */
          self->countdown_id = g_timeout_add ((guint) ((left - (seconds - 1) * G_USEC_PER_SEC
                                                        + 999) / 1000),
                                              on_countdown, self);
        }
      else
        /* TRANSLATORS: "Lost, retrying now (retry 2)" */
        label = g_strdup_printf (_("%s, retrying now (retry %u)"), name, self->retry);
    }
  else if (self->retry > 0 && (self->state == KDH_CONN_RESYNCHRONIZING
                               || self->state == KDH_CONN_SYNCHRONIZING))
    label = g_strdup_printf (_("%s (retry %u)"), name, self->retry);
  /* A user's resync counts its RESETs; Lost with no retry to come (given
   * up, or a debugging server's, which sends no countdown) its losses. */
  else if (self->attempt > 1 && (self->state == KDH_CONN_RESYNCHRONIZING
                                 || self->state == KDH_CONN_SYNCHRONIZING
                                 || self->state == KDH_CONN_LOST))
    label = g_strdup_printf (_("%s (attempt %u)"), name, self->attempt);
  else
    label = g_strdup (name);
  gtk_label_set_text (self->state_label, label);
}

static gboolean
on_countdown (gpointer data)
{
  KdhStatusBar *self = data;

  self->countdown_id = 0;
  show_state (self);
  return G_SOURCE_REMOVE;
}

void
kdh_status_bar_set_state (KdhStatusBar   *self,
                          const KdhEvent *event)
{
  g_return_if_fail (KDH_IS_STATUS_BAR (self));
  self->state = event->state;
  self->attempt = event->attempt;
  self->retry = event->retry;
  self->retry_at_us = event->retry_at_us;
  show_state (self);
  /* Nothing waits for a download without a connection. */
  if (event->state == KDH_CONN_DISCONNECTED)
    gtk_widget_hide (self->progress_box);
  /* The reason of the last transition, on hover; in every state. */
  gtk_widget_set_tooltip_text (self->state_box, event->reason && *event->reason
                                                ? event->reason : state_description (event->state));
  gtk_label_set_text (self->transport_label,
                      event->transport ? event->transport : _("No kernel connection"));
  gtk_label_set_text (self->target_label, event->target ? event->target : "");
  gtk_widget_queue_draw (GTK_WIDGET (self->indicator));
  refresh_last_packet (self);
}

void
kdh_status_bar_set_progress (KdhStatusBar   *self,
                             const KdhEvent *event)
{
  g_autofree gchar *what = NULL;
  g_autofree gchar *done = NULL;
  g_autofree gchar *amount = NULL;

  g_return_if_fail (KDH_IS_STATUS_BAR (self));
  if (event->progress_end)
    {
      gtk_widget_hide (self->progress_box);
      return;
    }
  /* TRANSLATORS: %s is a file, "ntkrnlmp.pdb" */
  what = g_strdup_printf (_("Downloading %s"), event->text ? event->text : "");
  gtk_label_set_text (self->progress_label, what);
  /* Where from, in full, on hover. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->progress_label), event->reason);
  done = g_format_size ((guint64) MAX (event->progress_done, 0));
  if (event->progress_total > 0)
    {
      g_autofree gchar *total = g_format_size ((guint64) event->progress_total);

      /* TRANSLATORS: "1.2 MB of 3.4 MB" */
      amount = g_strdup_printf (_("%s of %s"), done, total);
      gtk_progress_bar_set_fraction (self->progress_bar,
                                     CLAMP ((gdouble) event->progress_done
                                            / event->progress_total, 0, 1));
    }
  else
    {
      /* No size from the server: it moves, and says how much so far. */
      amount = g_strdup (done);
      gtk_progress_bar_pulse (self->progress_bar);
    }
  gtk_progress_bar_set_text (self->progress_bar, amount);
  gtk_widget_show (self->progress_box);
}

void
kdh_status_bar_set_stats (KdhStatusBar       *self,
                          const KdhLinkStats *stats)
{
  self->last_rx_us = stats->last_rx_us;
  refresh_last_packet (self);
}

KdhConnState
kdh_status_bar_get_state (KdhStatusBar *self)
{
  return self->state;
}

const gchar *
kdh_status_bar_get_state_text (KdhStatusBar *self)
{
  return gtk_label_get_text (self->state_label);
}

static void
kdh_status_bar_dispose (GObject *object)
{
  KdhStatusBar *self = KDH_STATUS_BAR (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  G_OBJECT_CLASS (kdh_status_bar_parent_class)->dispose (object);
}

static void
kdh_status_bar_class_init (KdhStatusBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kdh_status_bar_dispose;
  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-status-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, indicator);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, state_label);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, transport_label);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, target_label);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, last_packet_label);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, state_box);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, progress_box);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, progress_label);
  gtk_widget_class_bind_template_child (widget_class, KdhStatusBar, progress_bar);
  /* Not kept, but named for tests and accessibility tools. */
  gtk_widget_class_bind_template_child_full (widget_class, "progress_cancel", FALSE, 0);
}

static void
kdh_status_bar_init (KdhStatusBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->state = KDH_CONN_DISCONNECTED;
  g_signal_connect (self->indicator, "draw", G_CALLBACK (draw_indicator), self);
  self->refresh_id = g_timeout_add_seconds (1, on_refresh, self);
}

GtkWidget *
kdh_status_bar_new (void)
{
  return g_object_new (KDH_TYPE_STATUS_BAR, NULL);
}
