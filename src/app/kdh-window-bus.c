/* kdh-window-bus.c: a window's session on the session bus
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each window exports org.kdhost.Window1 at
 * /org/kdhost/Kdhost/session/<window id>: its connection state (a
 * property and a StateChanged signal), its output (an Output signal, the
 * kind being "debugger", "target", "error" or "echo") and the Execute,
 * Resync and Interrupt operations. Execute queues a command line as if
 * typed; its output comes as Output signals. Scripts can then tell whether the target is connected or
 * running without scraping the window, e.g.
 *   gdbus call --session --dest org.kdhost.Kdhost \
 *     --object-path /org/kdhost/Kdhost/session/1 --method org.kdhost.Window1.GetState
 * Output of one kind is batched (OUTPUT_BATCH_MS, OUTPUT_BATCH_MAX) so that
 * a DbgPrint flood costs the bus a few signals a second, not one per line;
 * one signal's text may hold many lines, and StateChanged comes after the
 * output that preceded it.
 */
#include "kdh-window-private.h"
#include "kdh-window-crash.h"

#define OUTPUT_BATCH_MS 20
#define OUTPUT_BATCH_MAX (64 * 1024)

static const gchar introspection_xml[] =
  "<node>"
  "  <interface name='org.kdhost.Window1'>"
  "    <method name='GetState'>"
  "      <arg type='s' name='state' direction='out'/>"
  "      <arg type='s' name='reason' direction='out'/>"
  "      <arg type='s' name='transport' direction='out'/>"
  "      <arg type='s' name='target' direction='out'/>"
  "    </method>"
  "    <method name='Execute'>"
  "      <arg type='s' name='command' direction='in'/>"
  "    </method>"
  "    <method name='Resync'/>"
  "    <method name='Interrupt'/>"
  "    <signal name='StateChanged'>"
  "      <arg type='s' name='state'/>"
  "      <arg type='s' name='reason'/>"
  "      <arg type='u' name='attempt'/>"
  "    </signal>"
  "    <property name='State' type='s' access='read'/>"
  "  </interface>"
  "</node>";

static GDBusNodeInfo *
node_info (void)
{
  static GDBusNodeInfo *info;

  if (g_once_init_enter (&info))
    g_once_init_leave (&info, g_dbus_node_info_new_for_xml (introspection_xml, NULL));
  return info;
}

static void
method_call (GDBusConnection       *connection,
             const gchar           *sender,
             const gchar           *path,
             const gchar           *interface,
             const gchar           *method,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation,
             gpointer               data)
{
  KdhWindow *self = data;

  if (g_str_equal (method, "GetState"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", kdh_conn_state_id (self->state),
                                                          self->last_reason ? self->last_reason : "",
                                                          self->last_transport ? self->last_transport : "",
                                                          self->last_target ? self->last_target : ""));
  else if (g_str_equal (method, "Execute"))
    {
      const gchar *command;

      g_variant_get (parameters, "(&s)", &command);
      /* As if typed: .crash is asked about first. */
      kdh_window_execute_line (self, command);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method, "Resync"))
    {
      kdh_engine_resync (self->engine);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method, "Interrupt"))
    {
      kdh_engine_break (self->engine);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method);
}

static GVariant *
get_property (GDBusConnection  *connection,
              const gchar      *sender,
              const gchar      *path,
              const gchar      *interface,
              const gchar      *property,
              GError          **error,
              gpointer          data)
{
  KdhWindow *self = data;

  return g_variant_new_string (kdh_conn_state_id (self->state));
}

static const GDBusInterfaceVTable vtable = { method_call, get_property, NULL };

void
kdh_window_bus_export (KdhWindow *self)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr (GError) error = NULL;
  GDBusConnection *bus = app ? g_application_get_dbus_connection (app) : NULL;

  if (bus == NULL)
    return;   /* not registered on a bus (tests, --gapplication-service-less runs) */
  self->bus_path = g_strdup_printf ("/org/kdhost/Kdhost/session/%u",
                                    gtk_application_window_get_id (GTK_APPLICATION_WINDOW (self)));
  self->bus_registration = g_dbus_connection_register_object (bus, self->bus_path,
                                                              node_info ()->interfaces[0], &vtable,
                                                              self, NULL, &error);
  if (self->bus_registration == 0)
    {
      g_warning ("Could not export the session on the bus: %s", error->message);
      g_clear_pointer (&self->bus_path, g_free);
      return;
    }
  self->bus = g_object_ref (bus);
}

void
kdh_window_bus_unexport (KdhWindow *self)
{
  kdh_window_bus_flush_output (self);
  if (self->bus_output)
    g_string_free (g_steal_pointer (&self->bus_output), TRUE);
  if (self->bus && self->bus_registration)
    g_dbus_connection_unregister_object (self->bus, self->bus_registration);
  self->bus_registration = 0;
  g_clear_object (&self->bus);
  g_clear_pointer (&self->bus_path, g_free);
}

void
kdh_window_bus_state_changed (KdhWindow      *self,
                              const KdhEvent *event)
{
  GVariantBuilder changed;

  if (self->bus == NULL)
    return;
  kdh_window_bus_flush_output (self);
  g_dbus_connection_emit_signal (self->bus, NULL, self->bus_path, "org.kdhost.Window1",
                                 "StateChanged",
                                 g_variant_new ("(ssu)", kdh_conn_state_id (event->state),
                                                event->reason ? event->reason : "", event->attempt),
                                 NULL);
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "State",
                         g_variant_new_string (kdh_conn_state_id (event->state)));
  g_dbus_connection_emit_signal (self->bus, NULL, self->bus_path,
                                 "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                 g_variant_new ("(sa{sv}as)", "org.kdhost.Window1", &changed, NULL),
                                 NULL);
}

static const gchar *
output_kind_id (KdhOutputKind kind)
{
  switch (kind)
    {
    case KDH_OUTPUT_TARGET: return "target";
    case KDH_OUTPUT_ERROR: return "error";
    case KDH_OUTPUT_ECHO: return "echo";
    case KDH_OUTPUT_DEBUGGER:
    default: return "debugger";
    }
}

void
kdh_window_bus_flush_output (KdhWindow *self)
{
  g_clear_handle_id (&self->bus_output_id, g_source_remove);
  if (self->bus == NULL || self->bus_output == NULL || self->bus_output->len == 0)
    return;
  g_dbus_connection_emit_signal (self->bus, NULL, self->bus_path, "org.kdhost.Window1", "Output",
                                 g_variant_new ("(ss)", output_kind_id (self->bus_output_kind),
                                                self->bus_output->str), NULL);
  g_string_truncate (self->bus_output, 0);
}

static gboolean
on_flush_output (gpointer data)
{
  KdhWindow *self = data;

  self->bus_output_id = 0;
  kdh_window_bus_flush_output (self);
  return G_SOURCE_REMOVE;
}

void
kdh_window_bus_output (KdhWindow     *self,
                       KdhOutputKind  kind,
                       const gchar   *text)
{
  if (self->bus == NULL)
    return;
  if (self->bus_output == NULL)
    self->bus_output = g_string_new (NULL);
  if (self->bus_output->len > 0 && kind != self->bus_output_kind)
    kdh_window_bus_flush_output (self);
  self->bus_output_kind = kind;
  g_string_append (self->bus_output, text);
  if (self->bus_output->len >= OUTPUT_BATCH_MAX)
    kdh_window_bus_flush_output (self);
  else if (self->bus_output_id == 0)
    self->bus_output_id = g_timeout_add (OUTPUT_BATCH_MS, on_flush_output, self);
}
