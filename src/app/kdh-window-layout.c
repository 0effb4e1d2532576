/* kdh-window-layout.c: the panes' sizes, kept across runs
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The side panels (connection monitor, packet log) take at most a share
 * of the window, so that at 800×600 or 400 px high the output is still the
 * larger part; what does not fit in a panel scrolls. The debugger views
 * start at half the command window's width on its right, a third of its
 * height below it. Once the user drags a
 * divider, the window leaves that divider alone and keeps the panel's
 * size in GSettings (monitor-width, packet-log-height, views-width,
 * views-height) for the next run. View > Reset Layout forgets all that:
 * the views open all in the right notebook, the default panels and sizes.
 */
#include "kdh-window-private.h"

#include <glib/gi18n.h>

/* The most a side panel takes: this many pixels, or this share. */
#define MONITOR_MAX_PX 320
#define MONITOR_MAX_SHARE 0.3
#define PACKET_LOG_MAX_PX 240
#define PACKET_LOG_MAX_SHARE 0.35
/* What a remembered size leaves to the command window, at least. */
#define MIN_MAIN_PX 120

/* GTK moves a divider itself when it lays the window out (a child shown
 * or hidden, a window resized, a child kept at its smallest): such moves
 * happen inside a frame's layout, this flag says so. */
static gboolean in_layout;

static gboolean
layout_done (gpointer data)
{
  in_layout = FALSE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_layout_emission (GSignalInvocationHint *hint,
                    guint                  n_values,
                    const GValue          *values,
                    gpointer               data)
{
  /* Until the frame is over: an idle runs after the frame's dispatch. */
  if (!in_layout)
    g_idle_add_full (G_PRIORITY_HIGH, layout_done, NULL, NULL);
  in_layout = TRUE;
  return TRUE;
}

static void
set_position (KdhWindow *self,
              GtkPaned  *paned,
              gint       position)
{
  if (gtk_paned_get_position (paned) == position)
    return;
  self->layout_setting = TRUE;
  gtk_paned_set_position (paned, position);
  self->layout_setting = FALSE;
}

/* The panel's remembered size in pixels, or -1. */
static gint
saved_size (KdhWindow   *self,
            const gchar *key)
{
  return self->settings ? g_settings_get_int (self->settings, key) : -1;
}

/* Where the divider goes for a panel of the remembered @key's size, or of
 * @fallback pixels, in a pane of @total pixels. */
static gint
place (KdhWindow   *self,
       const gchar *key,
       gint         total,
       gint         fallback)
{
  gint side = saved_size (self, key);

  if (side < 0)
    side = fallback;
  return MAX (MIN_MAIN_PX, total - side);
}

static GtkPaned *
views_paned (KdhWindow *self)
{
  GtkWidget *parent = self->views ? gtk_widget_get_parent (GTK_WIDGET (self->views)) : NULL;

  return GTK_IS_PANED (parent) ? GTK_PANED (parent) : NULL;
}

static GtkPaned *
bottom_paned (KdhWindow *self)
{
  GtkWidget *parent = self->views_bottom ? gtk_widget_get_parent (GTK_WIDGET (self->views_bottom))
                                         : NULL;

  return GTK_IS_PANED (parent) ? GTK_PANED (parent) : NULL;
}

static void
on_main_allocate (GtkWidget     *widget,
                  GtkAllocation *allocation,
                  gpointer       data)
{
  KdhWindow *self = data;
  gint side;

  if (self->main_moved || allocation->width <= 1)
    return;
  side = (gint) MIN (MONITOR_MAX_PX, allocation->width * MONITOR_MAX_SHARE);
  set_position (self, self->main_paned, place (self, "monitor-width", allocation->width, side));
}

static void
on_left_allocate (GtkWidget     *widget,
                  GtkAllocation *allocation,
                  gpointer       data)
{
  KdhWindow *self = data;
  gint side;

  if (self->left_moved || allocation->height <= 1)
    return;
  side = (gint) MIN (PACKET_LOG_MAX_PX, allocation->height * PACKET_LOG_MAX_SHARE);
  set_position (self, self->left_paned, place (self, "packet-log-height", allocation->height, side));
}

void
kdh_window_layout_place_views (KdhWindow *self)
{
  GtkPaned *paned = views_paned (self);
  gint width;

  if (paned == NULL || (width = gtk_widget_get_allocated_width (GTK_WIDGET (paned))) <= 1)
    return;
  set_position (self, paned, place (self, "views-width", width, width / 2));
}

void
kdh_window_layout_place_bottom (KdhWindow *self)
{
  GtkPaned *paned = bottom_paned (self);
  gint height;

  /* A third: the output keeps the larger part. */
  if (paned == NULL || (height = gtk_widget_get_allocated_height (GTK_WIDGET (paned))) <= 1)
    return;
  set_position (self, paned, place (self, "views-height", height, height / 3));
}

/* A user's move: the panel keeps its size from now on, in this run and
 * the next. */
static void
remember (KdhWindow   *self,
          GtkPaned    *paned,
          const gchar *key,
          gint         total)
{
  gint side = total - gtk_paned_get_position (paned);

  if (self->settings == NULL || total <= 1 || side < 0)
    return;
  if (g_settings_get_int (self->settings, key) != side)
    g_settings_set_int (self->settings, key, side);
}

static void
on_position (GObject    *object,
             GParamSpec *pspec,
             gpointer    data)
{
  KdhWindow *self = data;
  GtkPaned *paned = GTK_PANED (object);

  /* A change neither the window nor GTK's layout made is the user's
   * (a drag, the keyboard, a screen reader). */
  if (self->layout_setting || in_layout || !gtk_widget_get_mapped (GTK_WIDGET (paned))
      || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  if (paned == self->main_paned && gtk_widget_get_visible (GTK_WIDGET (self->monitor)))
    {
      self->main_moved = TRUE;
      remember (self, paned, "monitor-width", gtk_widget_get_allocated_width (GTK_WIDGET (paned)));
    }
  else if (paned == self->left_paned && gtk_widget_get_visible (GTK_WIDGET (self->packet_log)))
    {
      self->left_moved = TRUE;
      remember (self, paned, "packet-log-height",
                gtk_widget_get_allocated_height (GTK_WIDGET (paned)));
    }
  else if (paned == views_paned (self) && gtk_widget_get_visible (GTK_WIDGET (self->views)))
    remember (self, paned, "views-width", gtk_widget_get_allocated_width (GTK_WIDGET (paned)));
  else if (paned == bottom_paned (self) && gtk_widget_get_visible (GTK_WIDGET (self->views_bottom)))
    remember (self, paned, "views-height", gtk_widget_get_allocated_height (GTK_WIDGET (paned)));
}

static void
reset_layout_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       data)
{
  static const gchar *const keys[] = { "monitor-width", "packet-log-height", "views-width",
                                       "views-height" };
  KdhWindow *self = data;
  GtkAllocation allocation;

  if (self->settings == NULL)
    return;
  /* The open views stay open, all in the right notebook, in the View
   * menu's order (which open-views and bottom-views then say). */
  if (self->views)
    kdh_window_views_reset (self);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (self->settings, keys[i]);
  /* The default panels, through their View menu items. */
  g_settings_reset (self->settings, "show-monitor");
  g_settings_reset (self->settings, "show-packet-log");
  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-monitor",
                                      g_variant_new_boolean (g_settings_get_boolean (self->settings, "show-monitor")));
  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-packet-log",
                                      g_variant_new_boolean (g_settings_get_boolean (self->settings, "show-packet-log")));
  /* The default sizes, now. */
  self->main_moved = self->left_moved = FALSE;
  gtk_widget_get_allocation (GTK_WIDGET (self->main_paned), &allocation);
  on_main_allocate (GTK_WIDGET (self->main_paned), &allocation, self);
  gtk_widget_get_allocation (GTK_WIDGET (self->left_paned), &allocation);
  on_left_allocate (GTK_WIDGET (self->left_paned), &allocation, self);
  kdh_window_layout_place_views (self);
  kdh_command_view_focus_entry (self->command_view);
}

static const GActionEntry layout_actions[] = {
  { "reset-layout", reset_layout_action },
};

void
kdh_window_layout_init (KdhWindow *self)
{
  static gsize hooked;

  if (g_once_init_enter (&hooked))
    {
      guint layout = g_signal_lookup ("layout", GDK_TYPE_FRAME_CLOCK);

      g_signal_add_emission_hook (layout, 0, on_layout_emission, NULL, NULL);
      g_once_init_leave (&hooked, 1);
    }
  g_signal_connect (self->main_paned, "size-allocate", G_CALLBACK (on_main_allocate), self);
  g_signal_connect (self->left_paned, "size-allocate", G_CALLBACK (on_left_allocate), self);
  g_signal_connect (self->main_paned, "notify::position", G_CALLBACK (on_position), self);
  g_signal_connect (self->left_paned, "notify::position", G_CALLBACK (on_position), self);
}

void
kdh_window_layout_setup (KdhWindow *self)
{
  GtkPaned *views = views_paned (self), *bottom = bottom_paned (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), layout_actions,
                                   G_N_ELEMENTS (layout_actions), self);
  /* Named for screen readers, which can move them too (and the tests). */
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->main_paned)),
                       _("Connection monitor divider"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->left_paned)),
                       _("Packet log divider"));
  if (views)
    {
      atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (views)), _("Views divider"));
      g_signal_connect (views, "notify::position", G_CALLBACK (on_position), self);
    }
  if (bottom)
    {
      atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (bottom)),
                           _("Bottom views divider"));
      g_signal_connect (bottom, "notify::position", G_CALLBACK (on_position), self);
    }
}
