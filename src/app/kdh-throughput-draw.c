/* kdh-throughput-draw.c: the connection monitor's throughput graph
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-throughput-draw.h"

#include <glib/gi18n.h>

#include "kdh-monitor-draw.h"

const GdkRGBA kdh_throughput_in_color = { 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0, 1.0 };
const GdkRGBA kdh_throughput_out_color = { 0xe6 / 255.0, 0x61 / 255.0, 0x00 / 255.0, 1.0 };

gchar *
kdh_throughput_format_tick (gdouble rate)
{
  /* TRANSLATORS: units of a data rate on the throughput graph's axis */
  const gchar *units[] = { N_("B/s"), N_("kB/s"), N_("MB/s"), N_("GB/s"), N_("TB/s") };
  guint unit = 0;

  while (rate >= 999.5 && unit + 1 < G_N_ELEMENTS (units))
    {
      rate /= 1000;
      unit++;
    }
  return g_strdup_printf ("%.0f %s", rate, _(units[unit]));
}

static gdouble
row_of (gdouble rate,
        gdouble top,
        gdouble height)
{
  return height - 1 - (height - 2) * kdh_throughput_scale_position (rate, top);
}

/* One step per one-second column; the column still filling shows the
 * current rate, so that the right edge does not dip while data flows. */
static void
plot (cairo_t       *cr,
      KdhThroughput *model,
      gboolean       incoming,
      gint64         now,
      gdouble        top,
      gdouble        width,
      gdouble        height)
{
  const GdkRGBA *color = incoming ? &kdh_throughput_in_color : &kdh_throughput_out_color;
  gint64 from = now - KDH_THROUGHPUT_WINDOW_US;
  gdouble last_x = 0;

  cairo_move_to (cr, 0, height);
  for (gint64 b = kdh_throughput_bucket_start (from); b <= now; b += KDH_THROUGHPUT_BUCKET_US)
    {
      gint64 start = MAX (b, from);
      gint64 end = MIN (b + KDH_THROUGHPUT_BUCKET_US, now);
      gdouble in, out, y;

      if (b + KDH_THROUGHPUT_BUCKET_US > now)
        kdh_throughput_current (model, now, &in, &out);
      else
        kdh_throughput_rate (model, b, b + KDH_THROUGHPUT_BUCKET_US, &in, &out);
      y = row_of (incoming ? in : out, top, height);
      cairo_line_to (cr, width * (start - from) / KDH_THROUGHPUT_WINDOW_US, y);
      last_x = width * (end - from) / KDH_THROUGHPUT_WINDOW_US;
      cairo_line_to (cr, last_x, y);
    }
  cairo_line_to (cr, last_x, height);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.25);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
}

/* A faint line at each decade, labelled at the left where there is room
 * for the label between it and the one above. */
static void
axis (cairo_t       *cr,
      GtkWidget     *area,
      const GdkRGBA *fg,
      gdouble        top,
      gdouble        width,
      gdouble        height,
      gboolean       labels)
{
  guint n = 0;
  g_autofree gdouble *ticks = kdh_throughput_axis_ticks (top, &n);
  gdouble taken = 0;

  cairo_set_line_width (cr, 1);
  for (guint i = 0; i < n; i++)
    {
      gdouble y = (gint) row_of (ticks[i], top, height) + 0.5;

      if (!labels)
        {
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.12);
          cairo_move_to (cr, 0, y);
          cairo_line_to (cr, width, y);
          cairo_stroke (cr);
        }
    }
  if (!labels)
    return;
  /* From the top down, so that the top of the scale always has its label;
   * a label that would run into the one above it is left out. */
  for (guint i = n; i-- > 0;)
    {
      gdouble y = (gint) row_of (ticks[i], top, height) + 0.5;
      g_autofree gchar *text = kdh_throughput_format_tick (ticks[i]);
      PangoLayout *layout = gtk_widget_create_pango_layout (area, text);
      PangoAttrList *attrs = pango_attr_list_new ();
      gint text_width, text_height;
      gdouble text_y = y + 1;  /* just below its line */

      pango_attr_list_insert (attrs, pango_attr_scale_new (0.75));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      if (text_y >= taken && text_y + text_height <= height - 1)
        {
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7);
          cairo_move_to (cr, 3, text_y);
          pango_cairo_show_layout (cr, layout);
          taken = text_y + text_height;
        }
      g_object_unref (layout);
    }
}

void
kdh_throughput_draw (cairo_t       *cr,
                     GtkWidget     *area,
                     KdhThroughput *model,
                     gint64         now_us,
                     gdouble        top)
{
  gdouble width = gtk_widget_get_allocated_width (area);
  gdouble height = gtk_widget_get_allocated_height (area);
  GdkRGBA fg;

  kdh_monitor_get_foreground (area, &fg);
  kdh_monitor_begin_trough (cr, &fg, width, height);
  axis (cr, area, &fg, top, width, height, FALSE);
  kdh_monitor_vertical_ticks (cr, &fg, width, height, 6);
  plot (cr, model, FALSE, now_us, top, width, height);
  plot (cr, model, TRUE, now_us, top, width, height);
  /* Labels over the lines, so that a high rate does not hide the scale. */
  axis (cr, area, &fg, top, width, height, TRUE);
  kdh_monitor_end_trough (cr, &fg, width, height);
}
