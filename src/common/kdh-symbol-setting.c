/* kdh-symbol-setting.c: the symbol path from kdhost's settings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-symbol-setting.h"

#include <gio/gio.h>

gchar *
kdh_symbol_setting_apply (void)
{
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettings) settings = NULL;
  g_autofree gchar *path = NULL;

  /* The variable wins, as it does for WinDbg. */
  if (g_getenv ("_NT_SYMBOL_PATH") != NULL)
    return NULL;
  /* Without the schema GSettings would abort: the console debugger also
   * runs where kdhost is not installed. */
  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (), KDH_APP_ID,
                                            TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "symbol-path"))
    return NULL;
  settings = g_settings_new_full (schema, NULL, NULL);
  path = g_settings_get_string (settings, "symbol-path");
  if (*path == '\0')
    return NULL;
  g_setenv ("_NT_SYMBOL_PATH", path, TRUE);
  return g_steal_pointer (&path);
}
