/* kdh-command-line.c: a KD command line into its commands, names and
 * arguments
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-command-line.h"

/* Commands whose argument is the rest of the line, semicolons and all:
 * a symbol path separates its elements with them. */
static gboolean
takes_rest_of_line (const gchar *command)
{
  while (g_ascii_isspace (*command))
    command++;
  return g_ascii_strncasecmp (command, ".sympath", 8) == 0
         && (command[8] == '+' || command[8] == '\0' || g_ascii_isspace (command[8]));
}

GPtrArray *
kdh_command_line_split (const gchar *line)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  GString *current = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const gchar *p = line; *p; p++)
    {
      if (current->len == 0 && takes_rest_of_line (p))
        {
          g_string_append (current, p);
          break;
        }
      if (*p == '"')
        quoted = !quoted;
      if (*p == ';' && !quoted)
        {
          g_ptr_array_add (parts, g_strstrip (g_string_free (current, FALSE)));
          current = g_string_new (NULL);
          continue;
        }
      g_string_append_c (current, *p);
    }
  g_ptr_array_add (parts, g_strstrip (g_string_free (current, FALSE)));
  return parts;
}

gchar *
kdh_command_line_name (const gchar  *command,
                       const gchar **args)
{
  const gchar *p = command;
  gchar *name;

  if (*p == '?' || *p == '~')   /* "?1+2", "~1": no space needed */
    p++;
  else
    while (*p && !g_ascii_isspace (*p))
      p++;
  name = g_ascii_strdown (command, p - command);
  while (g_ascii_isspace (*p))
    p++;
  *args = p;
  return name;
}
