/* kdh-connect-dialog-recent.c: the Kernel Debug dialog's recent connections
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Kept in GSettings (recent-connections), most recent first.
 */
#include "kdh-connect-dialog-internal.h"
#include "kdh-connect-dialog-private.h"

#include <glib/gi18n.h>

#include "transport/kdh-connection-string.h"

#define RECENT_MAX 10

/* Recent connections ----------------------------------------------------- */

const gchar *
kdh_connect_dialog_row_get_connection (GtkListBoxRow *row)
{
  return row != NULL ? g_object_get_data (G_OBJECT (row), "connection") : NULL;
}

void
kdh_connect_dialog_reload_recent (KdhConnectDialog *self)
{
  g_auto(GStrv) recent = NULL;
  g_autoptr(GList) rows = NULL;

  rows = gtk_container_get_children (GTK_CONTAINER (self->recent_list));
  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);

  recent = self->settings != NULL ? g_settings_get_strv (self->settings, KDH_CONNECT_DIALOG_RECENT_KEY) : NULL;
  for (guint i = 0; recent != NULL && recent[i] != NULL; i++)
    {
      PangoAttrList *attrs = pango_attr_list_new ();
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *label = gtk_label_new (recent[i]);

      pango_attr_list_insert (attrs, pango_attr_family_new ("monospace"));
      gtk_label_set_attributes (GTK_LABEL (label), attrs);
      pango_attr_list_unref (attrs);

      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_set_tooltip_text (label, recent[i]);
      g_object_set (label,
                    "margin-start", 12,
                    "margin-end", 12,
                    "margin-top", 8,
                    "margin-bottom", 8,
                    NULL);
      gtk_container_add (GTK_CONTAINER (row), label);

      g_object_set_data_full (G_OBJECT (row), "connection", g_strdup (recent[i]), g_free);
      gtk_widget_show_all (row);
      gtk_container_add (GTK_CONTAINER (self->recent_list), row);
    }

  /* The newest is the likeliest choice; the list only changes when a
   * connection is made, so there is no choice of the user's to keep. */
  gtk_list_box_select_row (self->recent_list, gtk_list_box_get_row_at_index (self->recent_list, 0));
}

void
kdh_connect_dialog_recent_activated (KdhConnectDialog *self,
                                     GtkListBoxRow    *row)
{
  g_autofree gchar *connection = NULL;

  gtk_list_box_select_row (self->recent_list, row);
  _kdh_connect_dialog_set_page (self, KDH_CONNECT_DIALOG_PAGE_RECENT);

  connection = kdh_connect_dialog_build_connection (self, NULL);
  if (connection != NULL)
    gtk_dialog_response (GTK_DIALOG (self), GTK_RESPONSE_ACCEPT);
}

void
kdh_connect_dialog_remember (GSettings   *settings,
                             const gchar *connection)
{
  g_autoptr(KdhConnectionString) cs = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_auto(GStrv) old = NULL;
  g_autofree gchar *text = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (connection != NULL);

  /* Canonical, so that "COM:Port=..." and "com:port=..." are one entry. */
  cs = kdh_connection_string_parse (connection, NULL);
  text = cs != NULL ? kdh_connection_string_to_string (cs) : g_strstrip (g_strdup (connection));
  if (*text == '\0')
    return;

  old = g_settings_get_strv (settings, KDH_CONNECT_DIALOG_RECENT_KEY);
  list = g_ptr_array_new ();
  g_ptr_array_add (list, text);
  for (guint i = 0; old[i] != NULL && list->len < RECENT_MAX; i++)
    if (strcmp (old[i], text) != 0)
      g_ptr_array_add (list, old[i]);
  g_ptr_array_add (list, NULL);

  g_settings_set_strv (settings, KDH_CONNECT_DIALOG_RECENT_KEY, (const gchar * const *) list->pdata);
}

