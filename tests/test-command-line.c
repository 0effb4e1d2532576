/* test-command-line.c: KD command lines into commands, names and arguments
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>

#include "commands/kdh-command-line.h"

static gchar *
joined (const gchar *line)
{
  g_autoptr (GPtrArray) parts = kdh_command_line_split (line);

  g_ptr_array_add (parts, NULL);
  return g_strjoinv ("|", (gchar **) parts->pdata);
}

static void
test_split (void)
{
  static const struct {
    const gchar *line;
    const gchar *parts;
  } cases[] = {
    { "", "" },
    { "r", "r" },
    { "r rax; g", "r rax|g" },
    { "  dq nt L2 ;;  g  ", "dq nt L2||g" },
    { ".echo \"a;b\"; r", ".echo \"a;b\"|r" },
    { ".echo \"unclosed;quote", ".echo \"unclosed;quote" },
    { ";", "|" },
    /* A symbol path's elements are separated by ';'. */
    { ".sympath a;srv*b*c; r", ".sympath a;srv*b*c; r" },
    { "r; .SYMPATH+ x;y", "r|.SYMPATH+ x;y" },
    { ".sympathy; r", ".sympathy|r" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *got = joined (cases[i].line);

      g_assert_cmpstr (got, ==, cases[i].parts);
    }
}

static void
test_name (void)
{
  static const struct {
    const gchar *command;
    const gchar *name;
    const gchar *args;
  } cases[] = {
    { "r", "r", "" },
    { "DQ  fffff800`00400000 L2", "dq", "fffff800`00400000 L2" },
    { "?1+2", "?", "1+2" },
    { "? 1 + 2", "?", "1 + 2" },
    { ".server tcp:port=5005", ".server", "tcp:port=5005" },
    { "", "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const gchar *args = NULL;
      g_autofree gchar *name = kdh_command_line_name (cases[i].command, &args);

      g_assert_cmpstr (name, ==, cases[i].name);
      g_assert_cmpstr (args, ==, cases[i].args);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/command-line/split", test_split);
  g_test_add_func ("/engine/command-line/name", test_name);
  return g_test_run ();
}
