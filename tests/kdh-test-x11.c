/* kdh-test-x11.c: driving kdhost windows through the X server, for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-x11.h"

#include <stdio.h>
#include <string.h>

#include <gtk/gtk.h>
#include <glib/gstdio.h>

gboolean
kdh_test_x11_have_xdotool (void)
{
  g_autofree gchar *path = g_find_program_in_path ("xdotool");

  return path != NULL;
}

gchar *
kdh_test_x11_run (const gchar *const *argv)
{
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint status;

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                     &status, &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s", argv[0], error->message);
  return out;
}

gchar *
kdh_test_x11_window_of (GSubprocess *process)
{
  g_autofree gchar *pid = g_strdup (g_subprocess_get_identifier (process));
  const gchar *argv[] = { "xdotool", "search", "--sync", "--onlyvisible", "--pid", pid,
                          "--name", "kdhost", NULL };
  g_autofree gchar *ids = kdh_test_x11_run (argv);
  gchar *id = g_strndup (ids, strcspn (ids, "\n"));

  g_assert_cmpstr (id, !=, "");
  return id;
}

void
kdh_test_x11_focus (const gchar *window_id)
{
  const gchar *argv[] = { "xdotool", "windowfocus", "--sync", window_id, NULL };

  g_free (kdh_test_x11_run (argv));
}

void
kdh_test_x11_key (const gchar *keys)
{
  const gchar *argv[] = { "xdotool", "key", "--clearmodifiers", "--delay", "60", keys, NULL };

  g_free (kdh_test_x11_run (argv));
}

void
kdh_test_x11_type (const gchar *text,
                   guint        delay_ms)
{
  g_autofree gchar *delay = g_strdup_printf ("%u", delay_ms);
  const gchar *argv[] = { "xdotool", "type", "--delay", delay, text, NULL };

  g_free (kdh_test_x11_run (argv));
}

void
kdh_test_x11_screenshot (const gchar *window_id,
                         const gchar *name)
{
  const gchar *dir = g_getenv ("KDH_TEST_ARTIFACTS");
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (GError) error = NULL;
  GdkWindow *root;
  gint x = 0, y = 0, width = 0, height = 0;

  if (dir == NULL)
    return;
  g_mkdir_with_parents (dir, 0755);
  /* Let the windows draw what they were just told. */
  for (guint i = 0; i < 20; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
  if (window_id != NULL)
    {
      const gchar *argv[] = { "xdotool", "getwindowgeometry", "--shell", window_id, NULL };
      g_autofree gchar *geometry = kdh_test_x11_run (argv);
      const gchar *field;

      if ((field = strstr (geometry, "X=")))
        sscanf (field, "X=%d", &x);
      if ((field = strstr (geometry, "Y=")))
        sscanf (field, "Y=%d", &y);
      if ((field = strstr (geometry, "WIDTH=")))
        sscanf (field, "WIDTH=%d", &width);
      if ((field = strstr (geometry, "HEIGHT=")))
        sscanf (field, "HEIGHT=%d", &height);
    }
  root = gdk_get_default_root_window ();
  if (width <= 0 || height <= 0)
    {
      x = y = 0;
      width = gdk_window_get_width (root);
      height = gdk_window_get_height (root);
    }
  pixbuf = gdk_pixbuf_get_from_window (root, x, y, width, height);
  path = g_strdup_printf ("%s/kdhost-%s.png", dir, name);
  if (!gdk_pixbuf_save (pixbuf, path, "png", &error, NULL))
    g_warning ("screenshot %s: %s", path, error->message);
}
