/* kdh-window-layout.c: the output keeps its room when the window is small
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The side panels (connection monitor, packet log) take at most a share
 * of the window, so that at 800×600 or 400 px high the output is still the
 * larger part; what does not fit in a panel scrolls. Once the user drags a
 * divider, the window leaves that divider alone.
 */
#include "kdh-window-private.h"

/* The most a side panel takes: this many pixels, or this share. */
#define MONITOR_MAX_PX 320
#define MONITOR_MAX_SHARE 0.3
#define PACKET_LOG_MAX_PX 240
#define PACKET_LOG_MAX_SHARE 0.35

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
  set_position (self, self->main_paned, allocation->width - side);
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
  set_position (self, self->left_paned, allocation->height - side);
}

static void
on_position (GObject    *paned,
             GParamSpec *pspec,
             gpointer    data)
{
  KdhWindow *self = data;

  /* A change the window did not make is the user's. */
  if (self->layout_setting)
    return;
  if (GTK_PANED (paned) == self->main_paned && gtk_widget_get_mapped (GTK_WIDGET (paned)))
    self->main_moved = TRUE;
  else if (GTK_PANED (paned) == self->left_paned && gtk_widget_get_mapped (GTK_WIDGET (paned)))
    self->left_moved = TRUE;
}

void
kdh_window_layout_init (KdhWindow *self)
{
  g_signal_connect (self->main_paned, "size-allocate", G_CALLBACK (on_main_allocate), self);
  g_signal_connect (self->left_paned, "size-allocate", G_CALLBACK (on_left_allocate), self);
  g_signal_connect (self->main_paned, "notify::position", G_CALLBACK (on_position), self);
  g_signal_connect (self->left_paned, "notify::position", G_CALLBACK (on_position), self);
}
