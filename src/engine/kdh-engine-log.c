/* kdh-engine-log.c: .logopen, .logappend and .logclose
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The log holds what every front end is shown: the engine writes each
 * output event (echoed commands, the debugger's output and errors, the
 * target's DbgPrint lines) as it queues it for the subscribers, so the
 * file matches the command window whichever front end typed the command.
 * A debugging client keeps its own log, as KD's clients do: its engine
 * runs the log commands itself rather than send them to the server.
 */
#include "kdh-engine-private.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

void
kdh_engine_log_event (KdhEngine      *engine,
                      const KdhEvent *event)
{
  if (engine->log == NULL || event->kind != KDH_EVENT_OUTPUT || event->text == NULL)
    return;
  /* A client's command shows who typed it, as the front ends show it. */
  if (event->output_kind == KDH_OUTPUT_ECHO && event->origin
      && fprintf (engine->log, "[%s] ", event->origin) < 0)
    {
      g_warning ("writing the log %s failed: %s", engine->log_path, g_strerror (errno));
      kdh_engine_log_close (engine);
      return;
    }
  /* Written through at once: the log is for when the debugger dies. */
  if (fputs (event->text, engine->log) < 0 || fflush (engine->log) != 0)
    {
      g_warning ("writing the log %s failed: %s", engine->log_path, g_strerror (errno));
      kdh_engine_log_close (engine);
    }
}

void
kdh_engine_log_close (KdhEngine *engine)
{
  if (engine->log)
    fclose (engine->log);
  engine->log = NULL;
  g_clear_pointer (&engine->log_path, g_free);
}

/* .logopen /t: the process id and the time go into the name, before its
 * extension, as KD does: "kd_1a2b_2026-12-07_03-15-00-123.log". */
static gchar *
stamped_name (const gchar *path)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *stamp = g_date_time_format (now, "%Y-%m-%d_%H-%M-%S");
  g_autofree gchar *base = g_path_get_basename (path);
  const gchar *dot = strrchr (base, '.');
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *stem = g_strndup (base, dot ? (gsize) (dot - base) : strlen (base));
  g_autofree gchar *name = g_strdup_printf ("%s_%04x_%s-%03d%s", stem, (guint) getpid (), stamp,
                                            g_date_time_get_microsecond (now) / 1000,
                                            dot ? dot : "");

  return g_build_filename (dir, name, NULL);
}

static gboolean
open_log (KdhCommandCall *call,
          KdhEngine      *engine,
          gboolean        append,
          GError        **error)
{
  const gchar *args = kdh_command_call_get_args (call);
  const gchar *name = kdh_command_call_get_name (call);
  gboolean stamp = FALSE;
  g_autofree gchar *path = NULL;
  FILE *file;

  if (kdh_command_call_get_origin (call) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("%s names a file on the debugging server's machine; a remote client "
                     "may not use it."), name);
      return FALSE;
    }
  /* "/t " is an option; "/tmp/kd.log" is a file (a letter and a space
   * tell them apart). */
  while (args[0] == '/' && g_ascii_isalpha (args[1])
         && (args[2] == ' ' || args[2] == '\t' || args[2] == '\0'))
    {
      if (args[1] == 't' && (args[2] == ' ' || args[2] == '\t') && !append)
        stamp = TRUE;
      else
        {
          g_autofree gchar *option = g_strndup (args, strcspn (args, " \t"));

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("%s option '%s' is not supported%s."), name, option,
                       append ? "" : _(" (only /t is)"));
          return FALSE;
        }
      args += 2;
      while (*args == ' ' || *args == '\t')
        args++;
    }
  if (*args == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s needs a file name, e.g. '%s kd.log'."), name, name);
      return FALSE;
    }
  path = *args == '"' && args[strlen (args) - 1] == '"' && strlen (args) > 2
         ? g_strndup (args + 1, strlen (args) - 2) : g_strdup (args);
  if (stamp)
    {
      gchar *stamped = stamped_name (path);

      g_free (path);
      path = stamped;
    }
  file = g_fopen (path, append ? "a" : "w");
  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open log file '%s': %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (engine->log)
    {
      kdh_command_call_print (call, "Closing open log file %s\n", engine->log_path);
      kdh_engine_flush_output (engine);
      kdh_engine_log_close (engine);
    }
  engine->log = file;
  engine->log_path = g_steal_pointer (&path);
  kdh_command_call_print (call, "Opened log file '%s'\n", engine->log_path);
  return TRUE;
}

static gboolean
cmd_logopen (KdhCommandCall *call,
             gpointer        data,
             GError        **error)
{
  return open_log (call, data, FALSE, error);
}

static gboolean
cmd_logappend (KdhCommandCall *call,
               gpointer        data,
               GError        **error)
{
  return open_log (call, data, TRUE, error);
}

static gboolean
cmd_logclose (KdhCommandCall *call,
              gpointer        data,
              GError        **error)
{
  KdhEngine *engine = data;

  if (*kdh_command_call_get_args (call) != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".logclose takes no arguments, not '%s'."), kdh_command_call_get_args (call));
      return FALSE;
    }
  if (engine->log == NULL)
    {
      kdh_command_call_print (call, "No log file open\n");
      return TRUE;
    }
  kdh_command_call_print (call, "Closing open log file %s\n", engine->log_path);
  /* That line goes into the log too. */
  kdh_engine_flush_output (engine);
  kdh_engine_log_close (engine);
  return TRUE;
}

gboolean
kdh_engine_log_is_command (const gchar *line)
{
  g_autofree gchar *text = g_strstrip (g_strdup (line ? line : ""));
  gsize name_len = strcspn (text, " \t");

  /* One log command alone on its line (a ';' would send the rest to the
   * server too). */
  if (strchr (text, ';') != NULL)
    return FALSE;
  return (name_len == 8 && g_ascii_strncasecmp (text, ".logopen", 8) == 0)
         || (name_len == 10 && g_ascii_strncasecmp (text, ".logappend", 10) == 0)
         || (name_len == 9 && g_ascii_strncasecmp (text, ".logclose", 9) == 0);
}

void
kdh_engine_log_add_commands (KdhEngine *engine)
{
  kdh_commands_add (engine->cmds, ".logopen", ".logopen [/t] FILE  log the command window to FILE",
                    cmd_logopen, engine, NULL);
  kdh_commands_add (engine->cmds, ".logappend", ".logappend FILE   log, appending to FILE",
                    cmd_logappend, engine, NULL);
  kdh_commands_add (engine->cmds, ".logclose", ".logclose         close the log file",
                    cmd_logclose, engine, NULL);
}
