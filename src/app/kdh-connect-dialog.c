/* kdh-connect-dialog.c: File > Kernel Debug...
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each tab builds a connection string from its widgets; the string is then
 * run through the real parser and shown in its canonical spelling, so what
 * the dialog previews is exactly what the engine will be given, and any
 * error comes from the one place that knows the syntax.
 */
#include <string.h>

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <libserialport.h>

#include "transport/kdh-connection-string.h"
#include "sim/kdh-sim-transport.h"
#include "kdh-app-resources.h"
#include "kdh-local-kernel.h"

#include "kdh-connect-dialog-internal.h"
#include "kdh-connect-dialog-private.h"



G_DEFINE_FINAL_TYPE (KdhConnectDialog, kdh_connect_dialog, GTK_TYPE_DIALOG)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Building the string ---------------------------------------------------- */

/* The value a spin button shows, even while it is being typed (the
 * adjustment only catches up on Enter or focus-out), so the preview
 * follows every keystroke. */
static gdouble
spin_value (GtkSpinButton *spin)
{
  GtkAdjustment *adj = gtk_spin_button_get_adjustment (spin);
  const gchar *text = gtk_entry_get_text (GTK_ENTRY (spin));
  gchar *end = NULL;
  gdouble value;

  value = g_strtod (text, &end);
  if (end == text)
    return gtk_spin_button_get_value (spin);
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0')
    return gtk_spin_button_get_value (spin);

  return CLAMP (value, gtk_adjustment_get_lower (adj), gtk_adjustment_get_upper (adj));
}

static guint64
spin_whole (GtkSpinButton *spin)
{
  gdouble value = spin_value (spin);

  return value <= 0 ? 0 : (guint64) (value + 0.5);
}

/* Percent with one decimal, as the spin shows it, to a probability; done
 * in tenths so that 1 % is exactly the double nearest 0.01 and prints as
 * "0.01", not "0.010000000000000002". */
static gdouble
spin_probability (GtkSpinButton *spin)
{
  return (gdouble) (gint64) (spin_value (spin) * 10.0 + 0.5) / 1000.0;
}

/* Something is simply not filled in yet: a hint, not an error. */
static gpointer
incomplete (gboolean    *is_incomplete,
            GError     **error,
            const gchar *message)
{
  *is_incomplete = TRUE;
  g_set_error_literal (error, KDH_CONNECTION_STRING_ERROR,
                       KDH_CONNECTION_STRING_ERROR_MISSING, message);
  return NULL;
}

/* Connection strings have no quoting: a ',' would split the value. */
static gboolean
check_no_comma (const gchar  *value,
                GError      **error)
{
  if (strchr (value, ',') == NULL)
    return TRUE;

  g_set_error (error, KDH_CONNECTION_STRING_ERROR, KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
               _("'%s' contains a ',', which a connection string cannot carry"), value);
  return FALSE;
}

static gchar *
entry_dup_stripped (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_entry_get_text (entry)));
}

static gchar *
build_serial (KdhConnectDialog  *self,
              gboolean          *is_incomplete,
              GError           **error)
{
  g_autofree gchar *port = entry_dup_stripped (self->serial_port_entry);
  g_autofree gchar *baud = entry_dup_stripped (self->serial_baud_entry);

  if (*port == '\0')
    return incomplete (is_incomplete, error,
                       _("Choose a serial port, or type the path of a device."));
  if (*baud == '\0')
    return incomplete (is_incomplete, error, _("Choose a baud rate."));
  if (!check_no_comma (port, error) || !check_no_comma (baud, error))
    return NULL;

  return g_strdup_printf ("com:port=%s,baud=%s%s", port, baud,
                          gtk_toggle_button_get_active (self->serial_reconnect_check)
                          ? ",reconnect" : "");
}

static gchar *
build_pipe (KdhConnectDialog  *self,
            gboolean          *is_incomplete,
            GError           **error)
{
  g_autofree gchar *path = entry_dup_stripped (self->pipe_path_entry);
  GString *out;

  if (*path == '\0')
    return incomplete (is_incomplete, error,
                       _("Type or choose the path of the VM's serial port socket."));
  if (!check_no_comma (path, error))
    return NULL;

  out = g_string_new (NULL);
  g_string_append_printf (out, "com:pipe,port=%s", path);
  if (gtk_toggle_button_get_active (self->pipe_reconnect_check))
    g_string_append (out, ",reconnect");
  if (!gtk_toggle_button_get_active (self->pipe_resets_check))
    g_string_append (out, ",resets=0");

  return g_string_free (out, FALSE);
}

static gchar *
build_tcp (KdhConnectDialog  *self,
           gboolean          *is_incomplete,
           GError           **error)
{
  guint port = (guint) spin_whole (self->tcp_port_spin);
  g_autofree gchar *host = NULL;

  if (gtk_toggle_button_get_active (self->tcp_listen_radio))
    return g_strdup_printf ("com:ipport=%u,listen", port);

  host = entry_dup_stripped (self->tcp_host_entry);
  if (*host == '\0')
    return incomplete (is_incomplete, error,
                       _("Type the host name or address of the VM's serial port server."));
  if (!check_no_comma (host, error))
    return NULL;

  return g_strdup_printf ("com:ipport=%u,port=%s", port, host);
}

static gchar *
build_sim (KdhConnectDialog *self)
{
  g_autofree gchar *options = NULL;
  KdhSimOptions opts;

  kdh_sim_options_init (&opts);
  opts.drop = spin_probability (self->sim_drop_spin);
  opts.corrupt = spin_probability (self->sim_corrupt_spin);
  opts.dup = spin_probability (self->sim_dup_spin);
  opts.seed = spin_whole (self->sim_seed_spin);

  /* In a sim: string dbgprint-rate=0 means "flood", not "off": off is
   * simply the option left out. */
  if (gtk_toggle_button_get_active (self->sim_dbgprint_max_radio))
    opts.dbgprint_flood = TRUE;
  else if (gtk_toggle_button_get_active (self->sim_dbgprint_rate_radio))
    opts.dbgprint_rate = (gdouble) spin_whole (self->sim_dbgprint_rate_spin);

  options = kdh_sim_options_to_string (&opts);
  return g_strconcat ("sim:", options, NULL);
}

static gchar *
build_string (KdhConnectDialog  *self,
              gboolean          *is_incomplete,
              GError           **error)
{
  g_autofree gchar *text = entry_dup_stripped (self->string_entry);

  if (*text == '\0')
    return incomplete (is_incomplete, error, _("Type or paste a connection string."));
  if (kdh_local_kernel_requested (text))
    {
      g_set_error_literal (error, KDH_CONNECTION_STRING_ERROR,
                           KDH_CONNECTION_STRING_ERROR_UNSUPPORTED, kdh_local_kernel_explain ());
      return NULL;
    }

  return g_steal_pointer (&text);
}

static gchar *
build_recent (KdhConnectDialog  *self,
              gboolean          *is_incomplete,
              GError           **error)
{
  const gchar *connection;

  connection = kdh_connect_dialog_row_get_connection (gtk_list_box_get_selected_row (self->recent_list));
  if (connection != NULL)
    return g_strdup (connection);

  if (gtk_list_box_get_row_at_index (self->recent_list, 0) == NULL)
    return incomplete (is_incomplete, error, _("No connections have been made yet."));
  return incomplete (is_incomplete, error, _("Choose a recent connection."));
}

/* What the current tab says, before parsing (NULL when incomplete). */
static gchar *
build_raw (KdhConnectDialog  *self,
           gboolean          *is_incomplete,
           GError           **error)
{
  const gchar *page = _kdh_connect_dialog_get_page (self);

  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_SERIAL) == 0)
    return build_serial (self, is_incomplete, error);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_PIPE) == 0)
    return build_pipe (self, is_incomplete, error);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_TCP) == 0)
    return build_tcp (self, is_incomplete, error);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_NET) == 0)
    return kdh_connect_dialog_build_net (self, is_incomplete, error);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_SIM) == 0)
    return build_sim (self);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_STRING) == 0)
    return build_string (self, is_incomplete, error);
  return build_recent (self, is_incomplete, error);
}

/* The canonical string, or NULL with @error; @raw_out gets the text that
 * was parsed (also when it failed to parse), @is_incomplete whether a
 * field is merely empty. */
static gchar *
build (KdhConnectDialog  *self,
       gchar            **raw_out,
       gboolean          *is_incomplete,
       GError           **error)
{
  g_autoptr(KdhConnectionString) cs = NULL;
  g_autofree gchar *raw = NULL;
  gboolean dummy = FALSE;

  if (is_incomplete == NULL)
    is_incomplete = &dummy;
  *is_incomplete = FALSE;

  raw = build_raw (self, is_incomplete, error);
  if (raw != NULL)
    cs = kdh_connection_string_parse (raw, error);
  if (raw_out != NULL)
    *raw_out = g_steal_pointer (&raw);
  if (cs == NULL)
    return NULL;

  return kdh_connection_string_to_string (cs);
}

gchar *
kdh_connect_dialog_build_connection (KdhConnectDialog  *self,
                                     GError           **error)
{
  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return build (self, NULL, NULL, error);
}

void
kdh_connect_dialog_update (KdhConnectDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *raw = NULL;
  g_autofree gchar *connection = NULL;
  GtkStyleContext *style;
  gboolean is_incomplete = FALSE;
  gboolean rate;

  /* Signals fire while the template is built and torn down. */
  if (self->stack == NULL || self->message_label == NULL)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->tcp_host_entry),
                            gtk_toggle_button_get_active (self->tcp_connect_radio));
  rate = gtk_toggle_button_get_active (self->sim_dbgprint_rate_radio);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sim_dbgprint_rate_spin), rate);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sim_dbgprint_rate_label), rate);
  kdh_connect_dialog_update_net (self);

  connection = build (self, &raw, &is_incomplete, &error);

  if (connection != NULL)
    gtk_label_set_text (self->preview_label, connection);
  else
    gtk_label_set_text (self->preview_label, raw != NULL ? raw : "");
  gtk_widget_set_visible (GTK_WIDGET (self->preview_label),
                          *gtk_label_get_text (self->preview_label) != '\0');

  gtk_label_set_text (self->message_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), error != NULL);
  self->message_is_error = error != NULL && !is_incomplete;

  style = gtk_widget_get_style_context (GTK_WIDGET (self->message_label));
  if (self->message_is_error)
    {
      gtk_style_context_add_class (style, "error");
      gtk_style_context_remove_class (style, "dim-label");
    }
  else
    {
      gtk_style_context_remove_class (style, "error");
      gtk_style_context_add_class (style, "dim-label");
    }

  style = gtk_widget_get_style_context (GTK_WIDGET (self->string_entry));
  if (self->message_is_error
      && g_strcmp0 (_kdh_connect_dialog_get_page (self), KDH_CONNECT_DIALOG_PAGE_STRING) == 0)
    gtk_style_context_add_class (style, "error");
  else
    gtk_style_context_remove_class (style, "error");

  gtk_dialog_set_response_sensitive (GTK_DIALOG (self), GTK_RESPONSE_ACCEPT, connection != NULL);
}

static void
kdh_connect_dialog_input_changed (KdhConnectDialog *self)
{
  kdh_connect_dialog_update (self);
}

/* Filling the tabs from a string ----------------------------------------- */

static void
set_baud (KdhConnectDialog *self,
          guint             baud)
{
  g_autofree gchar *text = g_strdup_printf ("%u", baud);

  if (!gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->serial_baud_combo), text))
    gtk_entry_set_text (self->serial_baud_entry, text);
}

/* Puts what @cs says into the widgets of its tab; returns that tab. */
static const gchar *
fill_page (KdhConnectDialog          *self,
           const KdhConnectionString *cs)
{
  const gchar *port = cs->port != NULL ? cs->port : "";

  switch (cs->kind)
    {
    case KDH_TRANSPORT_SERIAL:
      gtk_entry_set_text (self->serial_port_entry, port);
      set_baud (self, cs->baud);
      gtk_toggle_button_set_active (self->serial_reconnect_check, cs->reconnect);
      return KDH_CONNECT_DIALOG_PAGE_SERIAL;

    case KDH_TRANSPORT_PIPE:
      gtk_entry_set_text (self->pipe_path_entry, port);
      gtk_toggle_button_set_active (self->pipe_reconnect_check, cs->reconnect);
      gtk_toggle_button_set_active (self->pipe_resets_check, cs->resets != 0);
      return KDH_CONNECT_DIALOG_PAGE_PIPE;

    case KDH_TRANSPORT_TCP_CONNECT:
      gtk_toggle_button_set_active (self->tcp_connect_radio, TRUE);
      gtk_entry_set_text (self->tcp_host_entry, port);
      gtk_spin_button_set_value (self->tcp_port_spin, cs->tcp_port);
      return KDH_CONNECT_DIALOG_PAGE_TCP;

    case KDH_TRANSPORT_TCP_LISTEN:
      gtk_toggle_button_set_active (self->tcp_listen_radio, TRUE);
      gtk_spin_button_set_value (self->tcp_port_spin, cs->tcp_port);
      return KDH_CONNECT_DIALOG_PAGE_TCP;

    case KDH_TRANSPORT_NET:
      kdh_connect_dialog_fill_net (self, cs);
      return KDH_CONNECT_DIALOG_PAGE_NET;

    case KDH_TRANSPORT_REGISTERED:
      {
        const KdhSimOptions *sim = kdh_sim_transport_get_options (cs);

        if (sim == NULL)
          return KDH_CONNECT_DIALOG_PAGE_STRING;
        gtk_spin_button_set_value (self->sim_drop_spin, sim->drop * 100.0);
        gtk_spin_button_set_value (self->sim_corrupt_spin, sim->corrupt * 100.0);
        gtk_spin_button_set_value (self->sim_dup_spin, sim->dup * 100.0);
        if (sim->seed <= G_MAXUINT32)
          gtk_spin_button_set_value (self->sim_seed_spin, (gdouble) sim->seed);
        if (sim->dbgprint_flood)
          gtk_toggle_button_set_active (self->sim_dbgprint_max_radio, TRUE);
        else if (sim->dbgprint_rate > 0)
          {
            gtk_toggle_button_set_active (self->sim_dbgprint_rate_radio, TRUE);
            gtk_spin_button_set_value (self->sim_dbgprint_rate_spin, sim->dbgprint_rate);
          }
        else
          gtk_toggle_button_set_active (self->sim_dbgprint_off_radio, TRUE);
        return KDH_CONNECT_DIALOG_PAGE_SIM;
      }

    default:
      return KDH_CONNECT_DIALOG_PAGE_STRING;
    }
}

void
kdh_connect_dialog_set_connection (KdhConnectDialog *self,
                                   const gchar      *connection)
{
  g_autoptr(KdhConnectionString) cs = NULL;
  g_autofree gchar *canonical = NULL;
  const gchar *page = KDH_CONNECT_DIALOG_PAGE_STRING;

  g_return_if_fail (KDH_IS_CONNECT_DIALOG (self));
  g_return_if_fail (connection != NULL);

  cs = kdh_connection_string_parse (connection, NULL);
  if (cs != NULL)
    {
      g_autofree gchar *built = NULL;

      canonical = kdh_connection_string_to_string (cs);
      page = fill_page (self, cs);
      _kdh_connect_dialog_set_page (self, page);

      /* Options a tab has no widget for (a bind address, resets=3,
       * stall-ms=...) would be lost there: such strings go to the
       * Connection String tab whole. */
      built = kdh_connect_dialog_build_connection (self, NULL);
      if (g_strcmp0 (built, canonical) != 0)
        page = KDH_CONNECT_DIALOG_PAGE_STRING;
    }

  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_STRING) == 0)
    gtk_entry_set_text (self->string_entry, canonical != NULL ? canonical : connection);

  _kdh_connect_dialog_set_page (self, page);
}

/* Private API ------------------------------------------------------------ */

GtkWidget *
_kdh_connect_dialog_get_child (KdhConnectDialog *self,
                               const gchar      *name)
{
  GObject *child;

  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  child = gtk_widget_get_template_child (GTK_WIDGET (self), KDH_TYPE_CONNECT_DIALOG, name);
  return GTK_IS_WIDGET (child) ? GTK_WIDGET (child) : NULL;
}

void
_kdh_connect_dialog_set_page (KdhConnectDialog *self,
                              const gchar      *page)
{
  g_return_if_fail (KDH_IS_CONNECT_DIALOG (self));

  gtk_stack_set_visible_child_name (self->stack, page);
}

const gchar *
_kdh_connect_dialog_get_page (KdhConnectDialog *self)
{
  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

const gchar *
_kdh_connect_dialog_get_preview (KdhConnectDialog *self)
{
  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), NULL);

  return gtk_label_get_text (self->preview_label);
}

const gchar *
_kdh_connect_dialog_get_message (KdhConnectDialog *self)
{
  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), NULL);

  return gtk_label_get_text (self->message_label);
}

gboolean
_kdh_connect_dialog_message_is_error (KdhConnectDialog *self)
{
  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), FALSE);

  return self->message_is_error;
}

gboolean
_kdh_connect_dialog_is_listing_ports (KdhConnectDialog *self)
{
  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), FALSE);

  return self->ports_cancellable != NULL;
}

guint
_kdh_connect_dialog_get_n_recent (KdhConnectDialog *self)
{
  g_autoptr(GList) rows = NULL;

  g_return_val_if_fail (KDH_IS_CONNECT_DIALOG (self), 0);

  rows = gtk_container_get_children (GTK_CONTAINER (self->recent_list));
  return g_list_length (rows);
}

/* GObject ---------------------------------------------------------------- */

static GtkWidget *
page_focus_widget (KdhConnectDialog *self,
                   const gchar      *page)
{
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_SERIAL) == 0)
    return GTK_WIDGET (self->serial_port_entry);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_PIPE) == 0)
    return GTK_WIDGET (self->pipe_path_entry);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_TCP) == 0)
    return GTK_WIDGET (self->tcp_host_entry);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_SIM) == 0)
    return GTK_WIDGET (self->sim_drop_spin);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_NET) == 0)
    return GTK_WIDGET (self->net_key_entry);
  if (g_strcmp0 (page, KDH_CONNECT_DIALOG_PAGE_STRING) == 0)
    return GTK_WIDGET (self->string_entry);
  return GTK_WIDGET (self->recent_list);
}

static void
kdh_connect_dialog_constructed (GObject *object)
{
  KdhConnectDialog *self = KDH_CONNECT_DIALOG (object);
  g_auto(GStrv) recent = NULL;
  GtkWidget *button;
  GtkWidget *focus;

  G_OBJECT_CLASS (kdh_connect_dialog_parent_class)->constructed (object);

  /* After chaining up: only then does GtkDialog know whether the buttons
   * go into a header bar. */
  gtk_dialog_add_button (GTK_DIALOG (self), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (self), _("C_onnect"), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (button), "suggested-action");
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_ACCEPT);

  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::" KDH_CONNECT_DIALOG_RECENT_KEY,
                               G_CALLBACK (kdh_connect_dialog_reload_recent), self,
                               G_CONNECT_SWAPPED);
      kdh_connect_dialog_reload_recent (self);
      recent = g_settings_get_strv (self->settings, KDH_CONNECT_DIALOG_RECENT_KEY);
    }

  /* Open where the user left off: the tab of the last connection. */
  if (recent != NULL && recent[0] != NULL)
    kdh_connect_dialog_set_connection (self, recent[0]);

  focus = page_focus_widget (self, _kdh_connect_dialog_get_page (self));
  if (gtk_widget_get_sensitive (focus))
    gtk_widget_grab_focus (focus);

  kdh_connect_dialog_list_ports (self);
  kdh_connect_dialog_update (self);
}

static void
kdh_connect_dialog_dispose (GObject *object)
{
  KdhConnectDialog *self = KDH_CONNECT_DIALOG (object);

  if (self->ports_cancellable != NULL)
    g_cancellable_cancel (self->ports_cancellable);
  g_clear_object (&self->ports_cancellable);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (kdh_connect_dialog_parent_class)->dispose (object);
}

static void
kdh_connect_dialog_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KdhConnectDialog *self = KDH_CONNECT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kdh_connect_dialog_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KdhConnectDialog *self = KDH_CONNECT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kdh_connect_dialog_class_init (KdhConnectDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = kdh_connect_dialog_constructed;
  object_class->dispose = kdh_connect_dialog_dispose;

  /* Its Simulator page builds sim: strings. */
  kdh_sim_transport_register ();
  object_class->get_property = kdh_connect_dialog_get_property;
  object_class->set_property = kdh_connect_dialog_set_property;

  /* Where the recent connections are kept ("recent-connections"). */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-connect-dialog.ui");

  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, preview_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_ports);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_port_combo);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_port_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_baud_combo);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_baud_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_refresh_button);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_ports_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, serial_reconnect_check);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, pipe_path_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, pipe_choose_button);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, pipe_reconnect_check);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, pipe_resets_check);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, tcp_connect_radio);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, tcp_listen_radio);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, tcp_host_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, tcp_port_spin);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, net_key_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, net_new_key_button);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, net_port_spin);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, net_target_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, net_setup_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_drop_spin);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_corrupt_spin);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_dup_spin);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_dbgprint_off_radio);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_dbgprint_rate_radio);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_dbgprint_max_radio);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_dbgprint_rate_spin);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_dbgprint_rate_label);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, sim_seed_spin);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, string_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhConnectDialog, recent_list);

  gtk_widget_class_bind_template_callback (widget_class, kdh_connect_dialog_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, kdh_connect_dialog_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, kdh_connect_dialog_choose_clicked);
  gtk_widget_class_bind_template_callback (widget_class, kdh_connect_dialog_new_key_clicked);
  gtk_widget_class_bind_template_callback (widget_class, kdh_connect_dialog_recent_activated);
}

static void
kdh_connect_dialog_init (KdhConnectDialog *self)
{
  PangoAttrList *attrs;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* GtkBuilder has no syntax for an entry's Pango attributes. */
  attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_family_new ("monospace"));
  gtk_entry_set_attributes (self->string_entry, attrs);
  pango_attr_list_unref (attrs);

  kdh_connect_dialog_setup_port_cells (self);
}

GtkWidget *
kdh_connect_dialog_new (GtkWindow *parent,
                        GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (KDH_TYPE_CONNECT_DIALOG,
                       "use-header-bar", TRUE,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}
