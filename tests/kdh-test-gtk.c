/* kdh-test-gtk.c: widgets of the application under a real display, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-gtk.h"

#include <glib/gstdio.h>

#include "kdh-app-resources.h"

gboolean
kdh_test_gtk_init (int     *argc,
                   char ***argv)
{
  g_autoptr (GtkCssProvider) css = NULL;

  g_setenv ("NO_AT_BRIDGE", "1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  if (!gtk_init_check (argc, argv))
    return FALSE;
  /* The application's small touches on top of the theme. */
  css = gtk_css_provider_new ();
  kdh_app_ensure_resources ();
  gtk_css_provider_load_from_resource (css, "/org/kdhost/Kdhost/style.css");
  gtk_style_context_add_provider_for_screen (gdk_screen_get_default (), GTK_STYLE_PROVIDER (css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  return TRUE;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
kdh_test_gtk_iterate_until (gboolean (*cond) (gpointer data),
                            gpointer   data,
                            guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (5, wake_cb, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return ok;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
kdh_test_gtk_iterate_for (guint ms)
{
  kdh_test_gtk_iterate_until (never, NULL, ms);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

GtkWidget *
kdh_test_gtk_show (GtkWidget *widget,
                   gint       width,
                   gint       height)
{
  GtkWidget *window = gtk_window_new (GTK_WINDOW_TOPLEVEL);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_container_add (GTK_CONTAINER (window), widget);
  gtk_widget_show (widget);
  gtk_widget_show (window);
  g_assert_true (kdh_test_gtk_iterate_until (is_mapped, widget, KDH_TEST_GTK_WAIT_MS));
  kdh_test_gtk_iterate_for (50);
  return window;
}

cairo_surface_t *
kdh_test_gtk_draw (GtkWidget   *widget,
                   const gchar *name)
{
  gint width = gtk_widget_get_allocated_width (widget);
  gint height = gtk_widget_get_allocated_height (widget);
  const gchar *dir = g_getenv ("KDH_TEST_ARTIFACTS");
  cairo_surface_t *surface;
  cairo_t *cr;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  gtk_widget_draw (widget, cr);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  if (name != NULL && dir != NULL && *dir)
    {
      g_autofree gchar *file = g_strconcat (name, ".png", NULL);
      g_autofree gchar *path = g_build_filename (dir, file, NULL);

      g_mkdir_with_parents (dir, 0755);
      g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
      g_test_message ("wrote %s", path);
    }
  /* What the X server shows, too: gtk_widget_draw() leaves out the tree
   * view's column headers, which live in a window of their own. */
  if (name != NULL && dir != NULL && *dir && gtk_widget_is_toplevel (widget))
    {
      g_autofree gchar *file = g_strconcat (name, "-screen.png", NULL);
      g_autofree gchar *path = g_build_filename (dir, file, NULL);
      g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_get_from_window (gtk_widget_get_window (widget),
                                                                 0, 0, width, height);

      if (pixbuf != NULL)
        g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL));
    }
  return surface;
}

void
kdh_test_gtk_pixel (cairo_surface_t *surface,
                    gint             x,
                    gint             y,
                    guint8          *r,
                    guint8          *g,
                    guint8          *b,
                    guint8          *a)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  gint stride = cairo_image_surface_get_stride (surface);
  guint32 pixel;

  g_assert_cmpint (cairo_image_surface_get_format (surface), ==, CAIRO_FORMAT_ARGB32);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (surface));
  /* ARGB32 is a native-endian 32-bit word per pixel. */
  pixel = *(const guint32 *) (data + (gsize) y * stride + (gsize) x * 4);
  *a = pixel >> 24;
  *r = (pixel >> 16) & 0xff;
  *g = (pixel >> 8) & 0xff;
  *b = pixel & 0xff;
}

void
kdh_test_gtk_destroy (GtkWidget *window,
                      GtkWidget *widget)
{
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &widget);
  gtk_widget_destroy (window);
  kdh_test_gtk_iterate_for (20);
  g_assert_null (widget);
}
