/* fuzz-command-line.c: libFuzzer harness for KD command lines
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input, up to its first NUL, is a command line as typed at kd>. It is
 * split into commands, and each into its name and arguments, as the engine
 * does before it runs anything.
 *
 * Checks: the parts and the ';' between them give back the line (modulo
 * the whitespace each part is stripped of); no part holds a ';' outside
 * double quotes; a name is lower case, holds no blank and is "?" or a
 * first word; name and arguments give back the command (case aside).
 */
#include <string.h>

#include "commands/kdh-command-line.h"
#include "kdh-fuzz.h"

/* The line with the blanks around every ';'-separated part removed, as
 * the parts come back: computed here independently of the splitter. */
static void
check_split (const gchar *line,
             GPtrArray   *parts)
{
  g_autoptr (GString) rebuilt = g_string_new (NULL);
  gsize semicolons = 0;
  gboolean quoted = FALSE;

  const gchar *last = NULL;
  gboolean rest_of_line;
  gsize kept = 0;

  g_assert (parts->len >= 1);
  for (const gchar *p = line; *p; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (*p == ';' && !quoted)
        semicolons++;
    }
  /* .sympath takes the rest of the line: its ';' stay in the last part
   * (which starts outside quotes, as every part does). */
  last = parts->pdata[parts->len - 1];
  rest_of_line = g_ascii_strncasecmp (last, ".sympath", 8) == 0
                 && (last[8] == '+' || last[8] == '\0' || g_ascii_isspace (last[8]));
  quoted = FALSE;
  for (const gchar *p = last; rest_of_line && *p; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (*p == ';' && !quoted)
        kept++;
    }
  g_assert (parts->len + kept == semicolons + 1);
  for (guint i = 0; i + 1 < parts->len; i++)
    {
      const gchar *part = parts->pdata[i];

      /* Only the last part can be a .sympath with arguments (".sympath;r"
       * is two commands). */
      g_assert (!(g_ascii_strncasecmp (part, ".sympath", 8) == 0
                  && (part[8] == '+' || g_ascii_isspace (part[8]))));
    }

  for (guint i = 0; i < parts->len; i++)
    {
      const gchar *part = parts->pdata[i];
      gsize len = strlen (part);
      gboolean in_quotes = FALSE;

      if (len > 0)
        g_assert (!g_ascii_isspace (part[0]) && !g_ascii_isspace (part[len - 1]));
      for (const gchar *p = part; *p; p++)
        {
          if (*p == '"')
            in_quotes = !in_quotes;
          /* A part starts outside quotes (the line is only cut there). */
          g_assert (*p != ';' || in_quotes || (rest_of_line && i == parts->len - 1));
        }
      if (i > 0)
        g_string_append_c (rebuilt, ';');
      g_string_append (rebuilt, part);
    }
  /* Every byte of the line that is not blank comes back, in order. */
  {
    const gchar *a = line, *b = rebuilt->str;

    for (;;)
      {
        while (*a && g_ascii_isspace (*a))
          a++;
        while (*b && g_ascii_isspace (*b))
          b++;
        if (*a == '\0' || *b == '\0')
          break;
        g_assert (*a == *b);
        a++;
        b++;
      }
    g_assert (*a == '\0' && *b == '\0');
  }
}

static void
check_name (const gchar *command)
{
  const gchar *args = NULL;
  g_autofree gchar *name = kdh_command_line_name (command, &args);
  gsize name_len = strlen (name);

  g_assert (args >= command && args <= command + strlen (command));
  g_assert (!g_ascii_isspace (*args));
  for (const gchar *p = name; *p; p++)
    g_assert (!g_ascii_isspace (*p) && !g_ascii_isupper (*p));
  g_assert (g_ascii_strncasecmp (command, name, name_len) == 0);
  if (command[0] == '?')
    g_assert (strcmp (name, "?") == 0);
  /* Only blanks between the name and the arguments. */
  for (const gchar *p = command + name_len; p < args; p++)
    g_assert (g_ascii_isspace (*p));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree gchar *line = kdh_fuzz_strndup (data, size);
  g_autoptr (GPtrArray) parts = kdh_command_line_split (line);

  check_split (line, parts);
  for (guint i = 0; i < parts->len; i++)
    check_name (parts->pdata[i]);
  return 0;
}
