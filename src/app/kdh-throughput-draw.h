/* kdh-throughput-draw.h: the connection monitor's throughput graph
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "kdh-throughput.h"

G_BEGIN_DECLS

/* GNOME palette: blue 3 for what comes in, orange 4 for what goes out. */
extern const GdkRGBA kdh_throughput_in_color;
extern const GdkRGBA kdh_throughput_out_color;

/* "10 B/s", "1 kB/s", "100 MB/s": an axis label for a power of ten. */
gchar *kdh_throughput_format_tick (gdouble rate);
/* The last minute in one-second columns up to @now_us on @area, on the
 * logarithmic scale up to @top, with a labelled line at each decade. */
void   kdh_throughput_draw        (cairo_t       *cr,
                                   GtkWidget     *area,
                                   KdhThroughput *model,
                                   gint64         now_us,
                                   gdouble        top);

G_END_DECLS
