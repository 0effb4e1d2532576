/* kdh-main.c: kdhost's entry point
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "common/kdh-symbol-setting.h"
#include "kdh-application.h"
#include "kdh-local-kernel.h"

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

/* KD's -kl (local kernel debugging), before GOption would read it as -k
 * with a missing argument, and before anything needs a display. */
static gboolean
asks_for_local_kernel (int    argc,
                       char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        return FALSE;
      if (strcmp (argv[i], "-kl") == 0)
        return TRUE;
    }
  return FALSE;
}

/* A copy of argv in which WinDbg's one-dash -remote and -server have the
 * two dashes GOption wants. */
static gchar **
accept_windbg_options (int    argc,
                       char **argv)
{
  static const gchar *const names[] = { "-remote", "-server" };
  gchar **args = g_new0 (gchar *, argc + 1);
  gboolean options = TRUE;

  for (int i = 0; i < argc; i++)
    {
      args[i] = g_strdup (argv[i]);
      if (g_strcmp0 (argv[i], "--") == 0)
        options = FALSE;
      for (guint n = 0; options && i > 0 && n < G_N_ELEMENTS (names); n++)
        {
          gsize len = strlen (names[n]);

          if (strncmp (argv[i], names[n], len) == 0
              && (argv[i][len] == '\0' || argv[i][len] == '='))
            {
              g_free (args[i]);
              args[i] = g_strconcat ("-", argv[i], NULL);
            }
        }
    }
  return args;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (KdhApplication) app = NULL;
  g_auto (GStrv) args = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain ("kdhost", KDH_LOCALEDIR);
  bind_textdomain_codeset ("kdhost", "UTF-8");
  textdomain ("kdhost");
  if (asks_for_local_kernel (argc, argv))
    {
      fputs (kdh_local_kernel_explain_command_line (), stderr);
      return 2;
    }
  if (!find_settings_schema (argv[0]))
    return 1;
  /* The settings' symbol path, passed to the engine as _NT_SYMBOL_PATH
   * (kept when already set); before any thread starts. */
  g_free (kdh_symbol_setting_apply ());
  args = accept_windbg_options (argc, argv);
  app = kdh_application_new ();
  return g_application_run (G_APPLICATION (app), argc, args);
}
