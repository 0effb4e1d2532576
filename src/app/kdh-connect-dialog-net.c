/* kdh-connect-dialog-net.c: the Kernel Debug dialog's Network (KDNET) tab
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The key, the UDP port and, optionally, the one machine to listen to; a
 * button for a new key; and, below, the bcdedit command that gives the
 * target this key and this machine's address, as `kdhost-cli --kdnet-key`
 * prints it.
 */
#include <string.h>

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "transport/kdh-kdnet-setup.h"

#include "kdh-connect-dialog-internal.h"

static gchar *
entry_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_entry_get_text (entry)));
}

static guint16
port_value (KdhConnectDialog *self)
{
  gint value = gtk_spin_button_get_value_as_int (self->net_port_spin);
  const gchar *text = gtk_entry_get_text (GTK_ENTRY (self->net_port_spin));
  guint64 typed;

  /* What is being typed, before the adjustment catches up. */
  if (g_ascii_string_to_unsigned (text, 10, 1, 65535, &typed, NULL))
    value = (gint) typed;
  return (guint16) CLAMP (value, 1, 65535);
}

gchar *
kdh_connect_dialog_build_net (KdhConnectDialog  *self,
                              gboolean          *is_incomplete,
                              GError           **error)
{
  g_autofree gchar *key = entry_text (self->net_key_entry);
  g_autofree gchar *target = entry_text (self->net_target_entry);
  GString *out;

  if (*key == '\0')
    {
      *is_incomplete = TRUE;
      g_set_error_literal (error, KDH_CONNECTION_STRING_ERROR,
                           KDH_CONNECTION_STRING_ERROR_MISSING,
                           _("Type the target's key, or make a new one and give it to the "
                             "target."));
      return NULL;
    }
  if (strchr (key, ',') || strchr (target, ','))
    {
      g_set_error_literal (error, KDH_CONNECTION_STRING_ERROR,
                           KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
                           _("A ',' cannot be part of a key or a machine's name."));
      return NULL;
    }
  out = g_string_new (NULL);
  g_string_append_printf (out, "net:port=%u,key=%s", port_value (self), key);
  if (*target != '\0')
    g_string_append_printf (out, ",target=%s", target);
  return g_string_free (out, FALSE);
}

void
kdh_connect_dialog_fill_net (KdhConnectDialog          *self,
                             const KdhConnectionString *cs)
{
  gtk_entry_set_text (self->net_key_entry, cs->net_key);
  gtk_spin_button_set_value (self->net_port_spin, cs->tcp_port);
  gtk_entry_set_text (self->net_target_entry, cs->net_target ? cs->net_target : "");
}

void
kdh_connect_dialog_update_net (KdhConnectDialog *self)
{
  g_autofree gchar *key = entry_text (self->net_key_entry);
  g_autofree gchar *text = NULL;

  if (*key == '\0')
    text = g_strdup (_("Windows is set up for KDNET with bcdedit on the target; New Key "
                       "makes a key and shows the command."));
  else
    text = kdh_kdnet_setup_instructions (key, port_value (self));
  gtk_label_set_text (self->net_setup_label, text);
}

void
kdh_connect_dialog_new_key_clicked (KdhConnectDialog *self)
{
  g_autofree gchar *key = kdh_kdnet_setup_new_key ();

  gtk_entry_set_text (self->net_key_entry, key);
}
