/* kdh-test-gtk.h: widgets of the application under a real display, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every wait is bounded. Set KDH_TEST_ARTIFACTS to a directory to keep a
 * PNG of each widget as drawn.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KDH_TEST_GTK_WAIT_MS 5000

/* gtk_init_check() and the application's style sheet; FALSE without a
 * display (the tests then skip). */
gboolean         kdh_test_gtk_init          (int     *argc,
                                             char ***argv);
/* Runs the default main context until @cond holds or @timeout_ms pass;
 * returns whether it holds. */
gboolean         kdh_test_gtk_iterate_until (gboolean (*cond) (gpointer data),
                                             gpointer   data,
                                             guint      timeout_ms);
void             kdh_test_gtk_iterate_for   (guint ms);
/* Puts @widget in a real toplevel on the test's X server (frame clocks
 * tick there as in the application) and waits until it is mapped. */
GtkWidget       *kdh_test_gtk_show          (GtkWidget *widget,
                                             gint       width,
                                             gint       height);
/* Draws @widget (background included) into an image of its allocated
 * size, as it would be on screen; kept as $KDH_TEST_ARTIFACTS/@name.png
 * when @name is given and the variable set. */
cairo_surface_t *kdh_test_gtk_draw          (GtkWidget   *widget,
                                             const gchar *name);
/* The pixel at @x, @y of an image from kdh_test_gtk_draw(), 0 to 255
 * each (premultiplied, as Cairo keeps it). */
void             kdh_test_gtk_pixel         (cairo_surface_t *surface,
                                             gint             x,
                                             gint             y,
                                             guint8          *r,
                                             guint8          *g,
                                             guint8          *b,
                                             guint8          *a);
/* Destroys the toplevel and checks that @widget went with it: nothing
 * (a timer, a signal handler, a pending write) holds it alive. */
void             kdh_test_gtk_destroy       (GtkWidget *window,
                                             GtkWidget *widget);

G_END_DECLS
