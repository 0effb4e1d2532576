/* kdh-main.c: kdhost's entry point
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "kdh-application.h"

/* Run from the build tree, kdhost finds its settings schema next to it
 * (build/data); installed, in the system's schema directory. Without a
 * schema GSettings would abort, so say what is missing instead. */
static gboolean
find_settings_schema (const gchar *argv0)
{
  g_autofree gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *dir = exe ? g_path_get_dirname (exe) : NULL;
  g_autoptr (GSettingsSchema) schema = NULL;

  if (dir && g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    {
      g_autofree gchar *build_data = g_build_filename (dir, "..", "..", "data", NULL);
      g_autofree gchar *compiled = g_build_filename (build_data, "gschemas.compiled", NULL);

      if (g_file_test (compiled, G_FILE_TEST_EXISTS))
        g_setenv ("GSETTINGS_SCHEMA_DIR", build_data, TRUE);
    }
  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (), KDH_APP_ID,
                                            TRUE);
  if (schema == NULL)
    {
      fprintf (stderr, "%s: the settings schema %s is not installed; install kdhost "
               "(cmake --install) or set GSETTINGS_SCHEMA_DIR\n", argv0, KDH_APP_ID);
      return FALSE;
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (KdhApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain ("kdhost", KDH_LOCALEDIR);
  bind_textdomain_codeset ("kdhost", "UTF-8");
  textdomain ("kdhost");
  if (!find_settings_schema (argv[0]))
    return 1;
  app = kdh_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
