/* kdh-commands-session.c: .echotime, .lastevent and version
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * (The log file commands, .logopen and friends, belong to the engine:
 * only it sees every front end's output.)
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <capstone/capstone.h>
#include <unistd.h>

#include "target/kdh-stop.h"

static gboolean
refuse_arguments (KdhCommandCall *inv,
                  GError        **error)
{
  if (*inv->args == '\0')
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("%s takes no arguments, not '%s'."),
               inv->name, inv->args);
  return TRUE;
}

static gboolean
cmd_echotime (KdhCommandCall *inv,
              gpointer        data,
              GError        **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *when = kdh_stop_format_time (now);

  if (refuse_arguments (inv, error))
    return FALSE;
  kdh_command_call_print (inv, "Debugger (not debuggee) time: %s\n", when);
  return TRUE;
}

/* KD's version: the target's (as vertarget), then the debugger's. */
static gboolean
cmd_version (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhSession *s = inv->commands->session;
  gint cs_major = 0, cs_minor = 0;

  if (refuse_arguments (inv, error))
    return FALSE;
  if (s == NULL || kdh_target_get_version (kdh_session_get_target (s)) == NULL)
    kdh_commands_say (inv, _("No target: there is no kernel connection yet.\n"));
  else if (!kdh_commands_run_one (inv->commands, "vertarget", inv->origin, error))
    return FALSE;
  cs_version (&cs_major, &cs_minor);
  kdh_command_call_print (inv, "kdhost %s, a kernel debugger host for Windows targets\n",
                          KDH_VERSION);
  kdh_command_call_print (inv, "Debugger process 0x%x on %s, GLib %u.%u.%u, Capstone %d.%d\n",
                          (guint) getpid (), g_get_host_name (), glib_major_version,
                          glib_minor_version, glib_micro_version, cs_major, cs_minor);
  return TRUE;
}

static gboolean
cmd_lastevent (KdhCommandCall *inv,
               gpointer        data,
               GError        **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);
  GDateTime *when = NULL;
  const gchar *what;
  g_autofree gchar *time = NULL;

  if (s == NULL || refuse_arguments (inv, error))
    return FALSE;
  what = kdh_target_get_last_event (kdh_session_get_target (s), &when);
  if (what == NULL)
    {
      kdh_command_call_print (inv, "%s\n", _("Last event: none yet"));
      return TRUE;
    }
  time = kdh_stop_format_time (when);
  kdh_command_call_print (inv, "Last event: %s\n  debugger time: %s\n", what, time);
  return TRUE;
}

void
kdh_commands_add_session (KdhCommands *c)
{
  kdh_commands_add (c, ".lastevent", ".lastevent        what the last stop was, and when",
                    cmd_lastevent, NULL, NULL);
  kdh_commands_add (c, ".echotime", ".echotime         show the debugger's time", cmd_echotime,
                    NULL, NULL);
  kdh_commands_add (c, "version", "version           the target's and the debugger's versions",
                    cmd_version, NULL, NULL);
}
