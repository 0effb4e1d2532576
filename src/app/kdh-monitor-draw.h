/* kdh-monitor-draw.h: numbers and shapes the connection monitor draws
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* "250 ms", "12 s", "3 min 05 s", "2 h 10 min". */
gchar   *kdh_monitor_format_duration   (gint64 us);
/* "512 B/s", "1.2 kB/s". */
gchar   *kdh_monitor_format_rate       (gdouble bytes_per_second);
/* "14:03:59", local time. */
gchar   *kdh_monitor_format_wall_clock (gint64 real_us);
/* "#3584e4", for Pango markup. */
gchar   *kdh_monitor_color_to_hex      (const GdkRGBA *color);
/* The next 1, 2 or 5 times a power of ten at or above @value (>= 1): a
 * graph's scale. */
gdouble  kdh_monitor_nice_ceiling      (gdouble value);

void     kdh_monitor_rounded_rectangle (cairo_t *cr,
                                        gdouble  x,
                                        gdouble  y,
                                        gdouble  width,
                                        gdouble  height,
                                        gdouble  radius);
void     kdh_monitor_get_foreground    (GtkWidget *widget,
                                        GdkRGBA   *color);
/* The trough both graphs are drawn in: a faint fill, clipped to rounded
 * corners; end draws its outline. */
void     kdh_monitor_begin_trough      (cairo_t       *cr,
                                        const GdkRGBA *fg,
                                        gdouble        width,
                                        gdouble        height);
void     kdh_monitor_end_trough        (cairo_t       *cr,
                                        const GdkRGBA *fg,
                                        gdouble        width,
                                        gdouble        height);
/* @n - 1 evenly spaced vertical grid lines. */
void     kdh_monitor_vertical_ticks    (cairo_t       *cr,
                                        const GdkRGBA *fg,
                                        gdouble        width,
                                        gdouble        height,
                                        guint          n);

G_END_DECLS
