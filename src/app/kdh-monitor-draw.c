/* kdh-monitor-draw.c: numbers and shapes the connection monitor draws
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-monitor-draw.h"

#include <glib/gi18n.h>

gchar *
kdh_monitor_format_duration (gint64 us)
{
  gint64 s = us / G_USEC_PER_SEC;

  if (us < G_USEC_PER_SEC)
    return g_strdup_printf (_("%u ms"), (guint) (us / 1000));
  if (s < 60)
    return g_strdup_printf (_("%u s"), (guint) s);
  if (s < 3600)
    return g_strdup_printf (_("%u min %02u s"), (guint) (s / 60), (guint) (s % 60));
  return g_strdup_printf (_("%u h %02u min"), (guint) (s / 3600), (guint) (s / 60 % 60));
}

gchar *
kdh_monitor_format_rate (gdouble bytes_per_second)
{
  g_autofree gchar *size = NULL;

  if (bytes_per_second < 1000)
    return g_strdup_printf (_("%.0f B/s"), bytes_per_second);
  size = g_format_size ((guint64) bytes_per_second);
  /* TRANSLATORS: a data rate, such as "1.2 kB/s" */
  return g_strdup_printf (_("%s/s"), size);
}

gchar *
kdh_monitor_format_wall_clock (gint64 real_us)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_local (real_us / G_USEC_PER_SEC);

  return dt ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("?");
}

gchar *
kdh_monitor_color_to_hex (const GdkRGBA *color)
{
  return g_strdup_printf ("#%02x%02x%02x", (guint) (color->red * 255 + 0.5),
                          (guint) (color->green * 255 + 0.5), (guint) (color->blue * 255 + 0.5));
}

gdouble
kdh_monitor_nice_ceiling (gdouble value)
{
  gdouble power = 1;
  gdouble mantissa;

  /* The power of ten at or below @value (which is at least 1). */
  while (power * 10 <= value)
    power *= 10;
  mantissa = value / power;

  if (mantissa <= 1)
    return power;
  if (mantissa <= 2)
    return 2 * power;
  if (mantissa <= 5)
    return 5 * power;
  return 10 * power;
}

void
kdh_monitor_rounded_rectangle (cairo_t *cr,
                               gdouble  x,
                               gdouble  y,
                               gdouble  width,
                               gdouble  height,
                               gdouble  radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
kdh_monitor_get_foreground (GtkWidget *widget,
                            GdkRGBA   *color)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  gtk_style_context_get_color (context, gtk_style_context_get_state (context), color);
}

/* The trough both graphs are drawn in: a faint fill, clipped to rounded corners. */
void
kdh_monitor_begin_trough (cairo_t       *cr,
                          const GdkRGBA *fg,
                          gdouble        width,
                          gdouble        height)
{
  kdh_monitor_rounded_rectangle (cr, 0, 0, width, height, 4);
  cairo_clip (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.06);
  cairo_paint (cr);
}

void
kdh_monitor_end_trough (cairo_t       *cr,
                        const GdkRGBA *fg,
                        gdouble        width,
                        gdouble        height)
{
  cairo_reset_clip (cr);
  kdh_monitor_rounded_rectangle (cr, 0.5, 0.5, width - 1, height - 1, 3.5);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.2);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

void
kdh_monitor_vertical_ticks (cairo_t       *cr,
                            const GdkRGBA *fg,
                            gdouble        width,
                            gdouble        height,
                            guint          n)
{
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.12);
  cairo_set_line_width (cr, 1);
  for (guint i = 1; i < n; i++)
    {
      gdouble x = (gint) (width * i / n) + 0.5;

      cairo_move_to (cr, x, 0);
      cairo_line_to (cr, x, height);
    }
  cairo_stroke (cr);
}

