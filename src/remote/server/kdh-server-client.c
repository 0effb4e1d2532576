/* kdh-server-client.c: one client of the debugging server
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A client's life: accepted (or dialed, or a serial line opened), maybe a
 * TLS handshake, D-Bus authentication (anonymous: the password comes with
 * Hello), Hello, then a participant until it goes. Whatever ends it — a
 * disconnect, a wrong password, garbage, silence, the server shutting
 * down — ends in kdh_server_client_finish(), which is idempotent; async
 * operations still under way hold references and find the client GONE.
 *
 * Output reaches a client as Output signals, in sequence order, from the
 * shared history. GDBus queues signals without limit, so a client that
 * does not kdh_server_client_acknowledge (Ack, or catching up with GetOutput) more than
 * KDH_REMOTE_MAX_UNACKED bytes stops getting them; it is fed again from
 * the history once it catches up. The bytes counted are what a queued
 * signal costs (KDH_SERVER_SIGNAL_COST), not just its text. With the
 * stream's back-pressure on its requests, that keeps what the server holds
 * for any one client bounded.
 */
#include "kdh-server-private.h"

#include <glib/gi18n.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#define NAME_MAX_CHARS 64

KdhServerClient *
kdh_server_client_ref (KdhServerClient *client)
{
  g_atomic_int_inc (&client->ref_count);
  return client;
}

void
kdh_server_client_unref (KdhServerClient *client)
{
  if (client == NULL || !g_atomic_int_dec_and_test (&client->ref_count))
    return;
  g_free (client->transport);
  g_free (client->peer);
  g_free (client->name);
  if (client->password)
    {
      memset (client->password, 0, strlen (client->password));
      g_free (client->password);
    }
  g_clear_object (&client->raw);
  g_clear_object (&client->socket);
  g_clear_object (&client->stream);
  g_clear_object (&client->cancellable);
  g_clear_object (&client->connection);
  g_free (client);
}

const gchar *
kdh_server_client_name (KdhServerClient *client)
{
  return client->name ? client->name : client->peer;
}

static void
destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static GSource *
add_timeout (guint        ms,
             GSourceFunc  func,
             gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, kdh_server_client_ref (data),
                         (GDestroyNotify) kdh_server_client_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

/* ---- Ending ------------------------------------------------------------ */

void
kdh_server_client_finish (KdhServerClient *client,
                          const gchar     *reason)
{
  KdhServerSet *set = client->set;
  KdhClientPhase was = client->phase;

  if (was == KDH_CLIENT_GONE)
    return;
  kdh_server_client_ref (client);
  client->phase = KDH_CLIENT_GONE;

  if (set)
    {
      GHashTableIter iter;
      gpointer value;

      if (client->announced)
        kdh_server_set_notice (set, KDH_OUTPUT_DEBUGGER, _("Client %s disconnected (%s)%s%s\n"),
                               kdh_server_client_name (client), client->transport,
                               reason ? ": " : "", reason ? reason : "");
      else if (reason && was != KDH_CLIENT_REFUSED)
        kdh_server_set_notice (set, KDH_OUTPUT_DEBUGGER, _("Dropped a connection (%s): %s\n"),
                               client->transport, reason);

      /* Its commands still run, in their turn; nobody waits for the
       * replies any more. */
      g_hash_table_iter_init (&iter, set->pending);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          KdhServerPending *p = value;

          if (p->client != client)
            continue;
          if (p->invocation)
            g_dbus_method_invocation_return_dbus_error (g_steal_pointer (&p->invocation),
                                                        KDH_REMOTE_ERROR_FAILED,
                                                        _("The client disconnected."));
          g_clear_pointer (&p->client, kdh_server_client_unref);
        }
      set->clients = g_list_remove (set->clients, client);
      client->set = NULL;
    }

  destroy_source (&client->hello_timer);
  destroy_source (&client->refuse_timer);
  if (client->connection)
    {
      if (client->registration)
        g_dbus_connection_unregister_object (client->connection, client->registration);
      client->registration = 0;
      if (client->bus_shim)
        g_dbus_connection_unregister_object (client->connection, client->bus_shim);
      client->bus_shim = 0;
      g_clear_signal_handler (&client->closed_handler, client->connection);
    }
  /* Every operation on the stream fails from here on, including a TLS
   * close or a write the peer never reads; shutting the socket down makes
   * sure nothing waits on it. */
  g_cancellable_cancel (client->cancellable);
  if (client->socket)
    g_socket_shutdown (client->socket, TRUE, TRUE, NULL);
  if (client->connection)
    g_dbus_connection_close (client->connection, NULL, NULL, NULL);

  if (client->server)
    {
      KdhServer *server = client->server;

      client->server = NULL;
      kdh_server_single_gone (server, client);
    }
  if (set)
    kdh_server_client_unref (client);   /* the set's */
  kdh_server_client_unref (client);
}

static gboolean
on_hello_timeout (gpointer data)
{
  KdhServerClient *client = data;
  g_autofree gchar *reason = g_strdup_printf (_("no Hello within %d s"),
                                              KDH_REMOTE_HELLO_TIMEOUT_MS / 1000);

  g_clear_pointer (&client->hello_timer, g_source_unref);
  kdh_server_client_finish (client, reason);
  return G_SOURCE_REMOVE;
}

static gboolean
on_refuse_timeout (gpointer data)
{
  KdhServerClient *client = data;

  g_clear_pointer (&client->refuse_timer, g_source_unref);
  kdh_server_client_finish (client, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_refused_flushed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  KdhServerClient *client = data;

  g_dbus_connection_flush_finish (G_DBUS_CONNECTION (source), result, NULL);
  kdh_server_client_finish (client, NULL);
  kdh_server_client_unref (client);
}

/* Answers @invocation with an error, logs why (never the password), and
 * closes the connection once the answer is out, or after a grace period
 * if the client does not read it. */
static void
refuse (KdhServerClient       *client,
        GDBusMethodInvocation *invocation,
        const gchar           *error_name,
        const gchar           *message,
        const gchar           *log_reason)
{
  g_dbus_method_invocation_return_dbus_error (invocation, error_name, message);
  if (client->set)
    kdh_server_set_notice (client->set, KDH_OUTPUT_DEBUGGER, _("Refused client %s (%s): %s\n"),
                           kdh_server_client_name (client), client->transport, log_reason);
  client->phase = KDH_CLIENT_REFUSED;
  destroy_source (&client->hello_timer);
  client->refuse_timer = add_timeout (KDH_SERVER_REFUSE_GRACE_MS, on_refuse_timeout, client);
  g_dbus_connection_flush (client->connection, client->cancellable, on_refused_flushed,
                           kdh_server_client_ref (client));
}

/* ---- Hello ------------------------------------------------------------- */

static gchar *
sanitize_name (const gchar *text)
{
  g_autofree gchar *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const gchar *p = valid; *p && n < NAME_MAX_CHARS; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (out, g_unichar_isprint (c) ? c : '?');
    }
  return g_string_free (out, FALSE);
}

static gchar *
name_from_info (KdhServerClient *client,
                GVariantDict    *info)
{
  const gchar *name = NULL, *user = NULL, *machine = NULL;

  if (g_variant_dict_lookup (info, "name", "&s", &name) && *name)
    return sanitize_name (name);
  g_variant_dict_lookup (info, "user", "&s", &user);
  g_variant_dict_lookup (info, "machine", "&s", &machine);
  if ((user && *user) || (machine && *machine))
    {
      g_autofree gchar *joined = g_strdup_printf ("%s@%s", user && *user ? user : "unknown",
                                                  machine && *machine ? machine : client->peer);

      return sanitize_name (joined);
    }
  return g_strdup_printf ("anonymous@%s", client->peer);
}

/* Compares every byte of two SHA-256 digests: neither the position of the
 * first difference nor the password's length shows in the time taken. */
static gboolean
password_matches (const gchar *expected,
                  const gchar *given)
{
  g_autoptr (GChecksum) a = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GChecksum) b = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 da[32], db[32];
  gsize la = sizeof da, lb = sizeof db;
  guint8 diff = 0;

  g_checksum_update (a, (const guchar *) expected, -1);
  g_checksum_update (b, (const guchar *) (given ? given : ""), -1);
  g_checksum_get_digest (a, da, &la);
  g_checksum_get_digest (b, db, &lb);
  for (gsize i = 0; i < sizeof da; i++)
    diff |= da[i] ^ db[i];
  memset (da, 0, sizeof da);
  memset (db, 0, sizeof db);
  return diff == 0;
}

/* Makes the client a participant; FALSE when the server is full. */
static gboolean
greet (KdhServerClient *client)
{
  KdhServerSet *set = client->set;

  if (kdh_server_set_count_clients (set, KDH_CLIENT_GREETED) >= KDH_REMOTE_MAX_CLIENTS)
    return FALSE;
  client->phase = KDH_CLIENT_GREETED;
  destroy_source (&client->hello_timer);
  if (client->name == NULL)
    client->name = g_strdup_printf ("anonymous@%s", client->peer);
  /* Output signals start here; what came before is for GetOutput, which
   * shows a newcomer the recent part of the history. */
  client->next_seq = kdh_server_history_next_seq (set->history);
  client->floor_seq = kdh_server_history_recent_seq (set->history, KDH_REMOTE_HISTORY_BYTES);
  client->sent_end = client->acked_end = kdh_server_history_end (set->history);
  client->announced = TRUE;
  kdh_server_set_notice (set, KDH_OUTPUT_DEBUGGER, _("Client %s connected (%s)\n"),
                         kdh_server_client_name (client), client->transport);
  return TRUE;
}

static gchar *
too_many_message (void)
{
  return g_strdup_printf (_("The debugging server already has its maximum of %d clients."),
                          KDH_REMOTE_MAX_CLIENTS);
}

static void
handle_hello (KdhServerClient       *client,
              GVariant              *parameters,
              GDBusMethodInvocation *invocation)
{
  g_autoptr (GVariant) info_value = g_variant_get_child_value (parameters, 0);
  g_auto (GVariantDict) info;
  const gchar *password = NULL;
  guint32 protocol = KDH_REMOTE_PROTOCOL_VERSION;
  g_autofree gchar *server = NULL;

  g_variant_dict_init (&info, info_value);
  if (client->phase != KDH_CLIENT_GREETED)
    {
      g_free (client->name);
      client->name = name_from_info (client, &info);
      g_variant_dict_lookup (&info, "protocol", "u", &protocol);
      if (protocol != KDH_REMOTE_PROTOCOL_VERSION)
        {
          g_autofree gchar *message =
            g_strdup_printf (_("This debugging server speaks kdhost remote protocol %u; the "
                               "client speaks %u."), KDH_REMOTE_PROTOCOL_VERSION, protocol);
          g_autofree gchar *why = g_strdup_printf (_("protocol %u (this server speaks %u)"),
                                                   protocol, KDH_REMOTE_PROTOCOL_VERSION);

          refuse (client, invocation, KDH_REMOTE_ERROR_VERSION, message, why);
          return;
        }
      if (client->password)
        {
          g_variant_dict_lookup (&info, "password", "&s", &password);
          if (!password_matches (client->password, password))
            {
              refuse (client, invocation, KDH_REMOTE_ERROR_WRONG_PASSWORD,
                      _("Wrong password for this debugging server."), _("wrong password"));
              return;
            }
        }
      if (!greet (client))
        {
          g_autofree gchar *message = too_many_message ();

          refuse (client, invocation, KDH_REMOTE_ERROR_FAILED, message, _("too many clients"));
          return;
        }
    }
  server = g_strdup_printf ("kdhost %s on %s", KDH_VERSION, g_get_host_name ());
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(ust)", KDH_REMOTE_PROTOCOL_VERSION,
                                                        server, client->next_seq));
}

/* ---- The other methods -------------------------------------------------- */

static void
handle_get_output (KdhServerClient       *client,
                   guint64                from,
                   GDBusMethodInvocation *invocation)
{
  KdhServerHistory *history = client->set->history;
  guint64 first, start, next;
  gsize bytes = 0;
  GVariantBuilder chunks;

  /* Everything printed so far, batched or not. */
  kdh_server_set_seal_output (client->set);
  first = MAX (kdh_server_history_first_seq (history), client->floor_seq);
  start = MAX (from, first);
  next = start;

  /* At most KDH_REMOTE_HISTORY_BYTES of text per reply: the signals (or
   * another GetOutput) carry on from where it ends. */
  g_variant_builder_init (&chunks, G_VARIANT_TYPE ("a(tsss)"));
  for (; next < kdh_server_history_next_seq (history); next++)
    {
      const KdhServerChunk *chunk = kdh_server_history_get (history, next);

      if (bytes > 0 && bytes + chunk->len > KDH_REMOTE_HISTORY_BYTES)
        break;
      bytes += chunk->len;
      g_variant_builder_add (&chunks, "(tsss)", chunk->seq, kdh_server_output_kind_id (chunk->kind),
                             chunk->origin, chunk->text);
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ta(tsss))", start, &chunks));

  /* Catching up with GetOutput counts as acknowledging what it returned,
   * and the signals go on after it. */
  if (start < next)
    {
      const KdhServerChunk *last = kdh_server_history_get (history, next - 1);

      if (client->next_seq < next)
        {
          client->next_seq = next;
          client->sent_end = last->end;
        }
      kdh_server_client_acknowledge (client, next - 1);
    }
  kdh_server_client_pump (client);
}

static void
on_method_call (GDBusConnection       *connection,
                const gchar           *sender,
                const gchar           *object_path,
                const gchar           *interface_name,
                const gchar           *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               data)
{
  KdhServerClient *client = data;
  KdhServerSet *set = client->set;

  client->last_activity = g_get_monotonic_time ();
  if (set == NULL || client->phase == KDH_CLIENT_GONE || client->phase == KDH_CLIENT_REFUSED)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, KDH_REMOTE_ERROR_FAILED,
                                                  _("This connection is closing."));
      return;
    }
  if (g_strcmp0 (method, "Hello") == 0)
    {
      handle_hello (client, parameters, invocation);
      return;
    }
  if (client->phase != KDH_CLIENT_GREETED)
    {
      if (client->password)
        {
          g_dbus_method_invocation_return_dbus_error (invocation, KDH_REMOTE_ERROR_AUTH_REQUIRED,
                                                      _("This debugging server has a password: "
                                                        "call Hello with it first."));
          return;
        }
      /* No password: a script may call Execute straight away. */
      if (!greet (client))
        {
          g_autofree gchar *message = too_many_message ();

          refuse (client, invocation, KDH_REMOTE_ERROR_FAILED, message, _("too many clients"));
          return;
        }
    }

  if (g_strcmp0 (method, "Execute") == 0)
    {
      const gchar *line;

      g_variant_get (parameters, "(&s)", &line);
      if (strpbrk (line, "\r\n"))
        g_dbus_method_invocation_return_dbus_error (invocation, KDH_REMOTE_ERROR_FAILED,
                                                    _("Execute takes one command line, without "
                                                      "line breaks (separate commands with ';')."));
      else if (client->n_executes >= KDH_SERVER_MAX_EXECUTES)
        g_dbus_method_invocation_return_dbus_error (invocation, KDH_REMOTE_ERROR_FAILED,
                                                    _("Too many commands waiting from this "
                                                      "client; wait for their replies."));
      else
        {
          client->n_executes++;
          kdh_server_set_execute (set, client, invocation, line);
        }
    }
  else if (g_strcmp0 (method, "Query") == 0)
    {
      guint32 query, count;
      guint64 address;

      g_variant_get (parameters, "(utu)", &query, &address, &count);
      kdh_server_set_query (set, client, invocation, query, address, count);
    }
  else if (g_strcmp0 (method, "Interrupt") == 0)
    {
      kdh_server_set_notice (set, KDH_OUTPUT_DEBUGGER, _("Break-in requested by %s.\n"),
                             kdh_server_client_name (client));
      kdh_engine_break (set->engine);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_strcmp0 (method, "Resync") == 0)
    {
      kdh_server_set_notice (set, KDH_OUTPUT_DEBUGGER, _("Resynchronization requested by %s.\n"),
                             kdh_server_client_name (client));
      kdh_engine_resync (set->engine);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_strcmp0 (method, "CycleBaud") == 0)
    {
      kdh_server_set_notice (set, KDH_OUTPUT_DEBUGGER, _("Baud rate change requested by %s.\n"),
                             kdh_server_client_name (client));
      kdh_engine_cycle_baud (set->engine);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_strcmp0 (method, "Restart") == 0)
    g_dbus_method_invocation_return_dbus_error (invocation, KDH_REMOTE_ERROR_NOT_ALLOWED,
                                                _(".restart is not allowed from a remote "
                                                  "debugging client; run it on the debugging "
                                                  "server."));
  else if (g_strcmp0 (method, "GetState") == 0)
    g_dbus_method_invocation_return_value (invocation, kdh_server_set_get_state (set));
  else if (g_strcmp0 (method, "GetOutput") == 0)
    {
      guint64 from;

      g_variant_get (parameters, "(t)", &from);
      handle_get_output (client, from, invocation);
    }
  else if (g_strcmp0 (method, "Ack") == 0)
    {
      guint64 seq;

      g_variant_get (parameters, "(t)", &seq);
      kdh_server_client_acknowledge (client, seq);
      g_dbus_method_invocation_return_value (invocation, NULL);
      kdh_server_client_pump (client);
    }
  else
    g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.UnknownMethod",
                                                _("No such method."));
}

static const GDBusInterfaceVTable vtable = { on_method_call, NULL, NULL, { 0 } };

/* gdbus before GLib 2.78 treats every --address as a message bus and says
 * Hello to org.freedesktop.DBus first; answering that one call (with a
 * unique name, as a bus would) lets `gdbus call --address ...` drive a
 * server. Nothing else of the bus is there. */
static const gchar bus_shim_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.DBus'>"
  "    <method name='Hello'><arg type='s' name='unique_name' direction='out'/></method>"
  "  </interface>"
  "</node>";

static void
on_bus_shim_call (GDBusConnection       *connection,
                  const gchar           *sender,
                  const gchar           *object_path,
                  const gchar           *interface_name,
                  const gchar           *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               data)
{
  KdhServerClient *client = data;
  g_autofree gchar *name = g_strdup_printf (":1.%u", client->id);

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", name));
}

static const GDBusInterfaceVTable bus_shim_vtable = { on_bus_shim_call, NULL, NULL, { 0 } };

static void
register_bus_shim (KdhServerClient *client)
{
  static GDBusNodeInfo *node;

  if (g_once_init_enter (&node))
    g_once_init_leave (&node, g_dbus_node_info_new_for_xml (bus_shim_xml, NULL));
  client->bus_shim = g_dbus_connection_register_object (client->connection,
                                                        "/org/freedesktop/DBus",
                                                        node->interfaces[0], &bus_shim_vtable,
                                                        kdh_server_client_ref (client),
                                                        (GDestroyNotify) kdh_server_client_unref,
                                                        NULL);
}

/* ---- Starting ---------------------------------------------------------- */

static void
on_closed (GDBusConnection *connection,
           gboolean         remote_peer_vanished,
           GError          *error,
           gpointer         data)
{
  KdhServerClient *client = data;
  g_autofree gchar *violation = kdh_server_stream_dup_violation (client->stream);

  kdh_server_client_finish (client, violation);
}

static void
on_connection (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  KdhServerClient *client = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) connection = g_dbus_connection_new_finish (result, &error);
  GDBusInterfaceInfo *iface;

  if (client->phase == KDH_CLIENT_GONE)
    {
      if (connection)
        g_dbus_connection_close (connection, NULL, NULL, NULL);
    }
  else if (connection == NULL)
    {
      g_autofree gchar *violation = kdh_server_stream_dup_violation (client->stream);
      g_autofree gchar *reason = violation ? g_steal_pointer (&violation)
                                           : g_strdup (_("not a D-Bus client (authentication "
                                                         "failed)"));

      kdh_server_client_finish (client, reason);
    }
  else
    {
      client->connection = g_steal_pointer (&connection);
      iface = g_dbus_node_info_lookup_interface (client->set->node, KDH_REMOTE_INTERFACE);
      client->registration =
        g_dbus_connection_register_object (client->connection, KDH_REMOTE_OBJECT_PATH, iface,
                                           &vtable, kdh_server_client_ref (client),
                                           (GDestroyNotify) kdh_server_client_unref, &error);
      g_assert (client->registration != 0);
      register_bus_shim (client);
      client->closed_handler = g_signal_connect (client->connection, "closed",
                                                 G_CALLBACK (on_closed), client);
      client->phase = KDH_CLIENT_HELLO;
      g_dbus_connection_start_message_processing (client->connection);
    }
  kdh_server_client_unref (client);
}

KdhServerClient *
kdh_server_client_new (KdhServerSet *set,
                       KdhServer    *server,
                       const gchar  *transport,
                       const gchar  *peer)
{
  KdhServerClient *client = g_new0 (KdhServerClient, 1);

  client->ref_count = 1;             /* the set's */
  client->set = set;
  client->server = server;
  client->id = ++set->next_client_id;
  client->server_id = server->id;
  client->kind = server->rs->kind;
  client->transport = g_strdup (transport);
  client->peer = g_strdup (peer);
  client->password = g_strdup (server->rs->password);
  client->cancellable = g_cancellable_new ();
  client->phase = KDH_CLIENT_HANDSHAKE;
  client->last_activity = g_get_monotonic_time ();
  /* A serial line is a private cable whose other end may start much
   * later; everything else that stays silent is dropped. */
  if (client->kind != KDH_REMOTE_COM)
    client->hello_timer = add_timeout (KDH_REMOTE_HELLO_TIMEOUT_MS, on_hello_timeout, client);
  set->clients = g_list_append (set->clients, client);
  return client;
}

void
kdh_server_client_start (KdhServerClient *client,
                         GIOStream       *raw,
                         GSocket         *socket)
{
  g_autofree gchar *guid = g_dbus_generate_guid ();

  g_return_if_fail (client->phase == KDH_CLIENT_HANDSHAKE);
  g_set_object (&client->raw, raw);
  g_set_object (&client->socket, socket);
  /* Output is batched here (kdh-server.c) already; Nagle's algorithm
   * would hold each batch until the previous one was acknowledged, which
   * with the peer's delayed ACKs adds up to 40 ms. */
  if (socket && (g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV4
                 || g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV6))
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  client->stream = kdh_server_stream_new (raw, client->cancellable, KDH_REMOTE_MAX_MESSAGE);
  /* Message processing waits until the object is exported, so that no
   * early call meets "no such object". */
  g_dbus_connection_new (G_IO_STREAM (client->stream), guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER
                         | G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS
                         | G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                         client->set->observer, client->cancellable, on_connection,
                         kdh_server_client_ref (client));
}

static gchar *
format_ago (gint64 us)
{
  gint64 s = MAX (us, 0) / G_USEC_PER_SEC;

  if (s < 120)
    return g_strdup_printf (_("%" G_GINT64_FORMAT " s ago"), s);
  if (s < 2 * 3600)
    return g_strdup_printf (_("%" G_GINT64_FORMAT " min ago"), s / 60);
  return g_strdup_printf (_("%" G_GINT64_FORMAT " h ago"), s / 3600);
}

gchar *
kdh_server_client_describe (KdhServerClient *client)
{
  g_autofree gchar *ago = format_ago (g_get_monotonic_time () - client->last_activity);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, _("%s (%s), last active %s"), kdh_server_client_name (client),
                          client->transport, ago);
  if (client->stalled)
    g_string_append_printf (out, _(", output paused: %" G_GUINT64_FORMAT " bytes unacknowledged"),
                            kdh_server_client_unacked (client));
  if (client->stream && kdh_server_stream_write_blocked (client->stream))
    g_string_append (out, _(", not reading"));
  return g_string_free (out, FALSE);
}
