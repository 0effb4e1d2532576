/* kdh-server-commands.c: .server, .servers, .endsrv and .clients
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine runs these on its thread; the servers live on the set's. Each
 * command hands its work to the set's thread as a job and waits for it, a
 * bounded time: starting a server binds a socket or opens a device, which
 * takes moments; what the work prints comes back as the command's output.
 */
#include "kdh-server-private.h"

#include <glib/gi18n.h>
#include <string.h>

/* A job the set's thread does not finish in this time is abandoned, with an
 * error (the thread is stuck, or shutting down). */
#define JOB_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef gboolean (*JobFunc) (KdhServerSet  *set,
                             const gchar   *args,
                             gboolean       local,
                             GString       *out,
                             GError       **error);

typedef struct {
  gint ref_count;
  KdhServerSet *set;
  JobFunc func;
  gchar *args;
  gboolean local;              /* the local user asked (sees hidden servers) */
  GString *out;
  GError *error;
  gboolean ok;
  gboolean done;               /* under the set's job_lock */
} Job;

static void
job_unref (Job *job)
{
  if (!g_atomic_int_dec_and_test (&job->ref_count))
    return;
  g_free (job->args);
  g_string_free (job->out, TRUE);
  g_clear_error (&job->error);
  g_free (job);
}


static gboolean
is_loopback_host (const gchar *host)
{
  g_autoptr (GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
start_server (KdhServerSet *set,
              const gchar  *text,
              gboolean      local,
              GString      *out,
              GError      **error)
{
  KdhRemoteString *rs = kdh_remote_string_parse_server (text, error);
  g_autoptr (GPtrArray) hosts = NULL;
  KdhServer *server;

  if (rs == NULL)
    return FALSE;
  server = kdh_server_start (set, rs, error);
  if (server == NULL)
    return FALSE;
  set->servers = g_list_append (set->servers, server);
  set->recording = TRUE;

  hosts = kdh_server_hosts (server);
  g_string_append (out,
                   _("Server started.  Client can connect with any of these command lines\n"));
  for (guint i = 0; i < hosts->len; i++)
    {
      g_autofree gchar *remote = kdh_remote_string_client_command (server->rs, hosts->pdata[i],
                                                                   server->port, TRUE);

      g_string_append_printf (out, "%u: kdhost -remote %s\n", i, remote);
    }
  if (server->rs->kind == KDH_REMOTE_COM && server->rs->channel != 0)
    g_string_append_printf (out, _("(channel %u is accepted but not multiplexed: this line "
                                   "carries one session)\n"), server->rs->channel);
  if (server->rs->password == NULL
      && (server->rs->kind == KDH_REMOTE_TCP || server->rs->kind == KDH_REMOTE_SSL)
      && !is_loopback_host (server->rs->clicon ? server->rs->clicon : server->rs->bind))
    g_string_append_printf (out, _("Warning: server %u (%s) is reachable from other machines "
                                   "and has no password: anyone who reaches it controls the "
                                   "target. Add password=..., or bind=127.0.0.1 for this "
                                   "machine only.\n"),
                            server->id, server->describe);
  return TRUE;
}

static gboolean
list_servers (KdhServerSet *set,
              const gchar  *text,
              gboolean      show_hidden,
              GString      *out,
              GError      **error)
{
  guint shown = 0;

  for (GList *l = set->servers; l; l = l->next)
    {
      KdhServer *server = l->data;

      if (server->rs->hidden && !show_hidden)
        continue;
      g_string_append_printf (out, "%u - kdhost -remote %s%s\n", server->id, server->remote,
                              server->rs->hidden ? _(" (hidden)") : "");
      shown++;
    }
  if (shown == 0)
    g_string_append (out, _("No debugging servers are running.\n"));
  return TRUE;
}

static gboolean
end_server (KdhServerSet *set,
            const gchar  *text,
            gboolean      local,
            GString      *out,
            GError      **error)
{
  guint64 number;
  guint id;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &number, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _(".endsrv needs a server number as .servers lists it, not '%s'."), text);
      return FALSE;
    }
  id = (guint) number;
  for (GList *l = set->servers; l; l = l->next)
    {
      KdhServer *server = l->data;
      g_autofree gchar *describe = NULL;
      guint attached = 0;

      if (server->id != id)
        continue;
      for (GList *c = set->clients; c; c = c->next)
        if (((KdhServerClient *) c->data)->server_id == id
            && ((KdhServerClient *) c->data)->phase == KDH_CLIENT_GREETED)
          attached++;
      describe = g_strdup (server->describe);
      set->servers = g_list_delete_link (set->servers, l);
      kdh_server_stop (server);
      g_string_append_printf (out,
                              g_dngettext (NULL, "Server %u (%s) accepts no new clients; its %u "
                                           "client stays connected.\n",
                                           "Server %u (%s) accepts no new clients; its %u "
                                           "clients stay connected.\n", attached),
                              id, describe, attached);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("There is no debugging server %u (.servers lists them)."), id);
  return FALSE;
}

static gboolean
list_clients (KdhServerSet *set,
              const gchar  *text,
              gboolean      local,
              GString      *out,
              GError      **error)
{
  guint shown = 0;

  for (GList *l = set->clients; l; l = l->next)
    {
      KdhServerClient *client = l->data;
      g_autofree gchar *line = NULL;

      if (client->phase != KDH_CLIENT_GREETED)
        continue;
      line = kdh_server_client_describe (client);
      g_string_append_printf (out, "%u - %s\n", client->id, line);
      shown++;
    }
  if (shown == 0)
    g_string_append (out, _("No clients are connected.\n"));
  return TRUE;
}

/* ---- Running a job on the set's thread ------------------------------------ */

static gboolean
run_job (gpointer data)
{
  Job *job = data;
  KdhServerSet *set = job->set;

  if (set->closing || !g_main_loop_is_running (set->loop))
    {
      g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                           _("The debugging servers are shutting down."));
      job->ok = FALSE;
    }
  else
    {
      set->job_output = job->out;
      job->ok = job->func (set, job->args, job->local, job->out, &job->error);
      set->job_output = NULL;
    }
  g_mutex_lock (&set->job_lock);
  job->done = TRUE;
  g_cond_broadcast (&set->job_cond);
  g_mutex_unlock (&set->job_lock);
  return G_SOURCE_REMOVE;
}

/* On the engine thread: hands @func to the set's thread and waits. */
static gboolean
run_on_server_thread (KdhServerSet   *set,
                      KdhCommandCall *call,
                      JobFunc         func,
                      GError        **error)
{
  Job *job = g_new0 (Job, 1);
  gint64 deadline = g_get_monotonic_time () + JOB_TIMEOUT_US;
  gboolean done, ok;

  job->ref_count = 2;
  job->set = set;
  job->func = func;
  job->args = g_strdup (kdh_command_call_get_args (call));
  job->local = kdh_command_call_get_origin (call) == NULL;
  job->out = g_string_new (NULL);
  g_main_context_invoke_full (set->context, G_PRIORITY_DEFAULT, run_job, job,
                              (GDestroyNotify) job_unref);
  g_mutex_lock (&set->job_lock);
  while (!job->done)
    if (!g_cond_wait_until (&set->job_cond, &set->job_lock, deadline))
      break;
  done = job->done;
  g_mutex_unlock (&set->job_lock);
  if (!done)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("The debugging servers did not answer within 10 s."));
      job_unref (job);
      return FALSE;
    }
  if (job->out->len > 0)
    kdh_command_call_print (call, "%s", job->out->str);
  ok = job->ok;
  if (!ok && job->error)
    g_propagate_error (error, g_steal_pointer (&job->error));
  job_unref (job);
  return ok;
}

static gboolean
cmd_server (KdhCommandCall *call,
            gpointer        data,
            GError        **error)
{
  if (*kdh_command_call_get_args (call) == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _(".server needs a transport, e.g. '.server tcp:port=5005' "
                             "(also npipe:pipe=NAME, ssl:port=N,cert=FILE, com:port=DEV,baud=N)."));
      return FALSE;
    }
  return run_on_server_thread (data, call, start_server, error);
}

static gboolean
cmd_servers (KdhCommandCall *call,
             gpointer        data,
             GError        **error)
{
  return run_on_server_thread (data, call, list_servers, error);
}

static gboolean
cmd_endsrv (KdhCommandCall *call,
            gpointer        data,
            GError        **error)
{
  return run_on_server_thread (data, call, end_server, error);
}

static gboolean
cmd_clients (KdhCommandCall *call,
             gpointer        data,
             GError        **error)
{
  return run_on_server_thread (data, call, list_clients, error);
}

void
kdh_server_set_add_commands (KdhServerSet *set)
{
  set->command_ids[0] = kdh_engine_add_command (set->engine, ".server",
                                                ".server STRING    start a debugging server "
                                                "(tcp:port=5005, ...)", cmd_server, set, NULL);
  set->command_ids[1] = kdh_engine_add_command (set->engine, ".servers",
                                                ".servers          list the debugging servers",
                                                cmd_servers, set, NULL);
  set->command_ids[2] = kdh_engine_add_command (set->engine, ".endsrv",
                                                ".endsrv N         stop debugging server N "
                                                "accepting clients", cmd_endsrv, set, NULL);
  set->command_ids[3] = kdh_engine_add_command (set->engine, ".clients",
                                                ".clients          list the connected debugging "
                                                "clients", cmd_clients, set, NULL);
}

void
kdh_server_set_remove_commands (KdhServerSet *set)
{
  for (guint i = 0; i < G_N_ELEMENTS (set->command_ids); i++)
    if (set->command_ids[i])
      kdh_engine_remove_command (set->engine, set->command_ids[i]);
}
