/* kdh-remote-dialog.c: File > Connect to Remote Session...
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The string goes through the same parser the engine uses, so the dialog
 * accepts exactly what will connect and its error names the bad part.
 */
#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "remote/kdh-remote-string.h"
#include "kdh-app-resources.h"

#include "kdh-remote-dialog.h"

struct _KdhRemoteDialog
{
  GtkDialog  parent_instance;

  GtkEntry  *string_entry;
  GtkLabel  *message_label;
  gchar     *trimmed;
};

G_DEFINE_FINAL_TYPE (KdhRemoteDialog, kdh_remote_dialog, GTK_TYPE_DIALOG)

static void
kdh_remote_dialog_changed (KdhRemoteDialog *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhRemoteString) rs = NULL;
  GtkStyleContext *style;

  /* Signals fire while the template is built. */
  if (self->message_label == NULL)
    return;
  g_free (self->trimmed);
  self->trimmed = g_strstrip (g_strdup (gtk_entry_get_text (self->string_entry)));
  if (*self->trimmed != '\0')
    rs = kdh_remote_string_parse_client (self->trimmed, &error);
  gtk_label_set_text (self->message_label, error ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), error != NULL);
  style = gtk_widget_get_style_context (GTK_WIDGET (self->string_entry));
  if (error)
    gtk_style_context_add_class (style, "error");
  else
    gtk_style_context_remove_class (style, "error");
  gtk_dialog_set_response_sensitive (GTK_DIALOG (self), GTK_RESPONSE_ACCEPT, rs != NULL);
}

static void
kdh_remote_dialog_constructed (GObject *object)
{
  KdhRemoteDialog *self = KDH_REMOTE_DIALOG (object);
  GtkWidget *button;

  G_OBJECT_CLASS (kdh_remote_dialog_parent_class)->constructed (object);

  /* After chaining up: only then does GtkDialog know whether the buttons
   * go into a header bar. */
  gtk_dialog_add_button (GTK_DIALOG (self), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (self), _("C_onnect"), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (button), "suggested-action");
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_ACCEPT);
  kdh_remote_dialog_changed (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->string_entry));
}

static void
kdh_remote_dialog_finalize (GObject *object)
{
  KdhRemoteDialog *self = KDH_REMOTE_DIALOG (object);

  g_free (self->trimmed);
  G_OBJECT_CLASS (kdh_remote_dialog_parent_class)->finalize (object);
}

static void
kdh_remote_dialog_class_init (KdhRemoteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = kdh_remote_dialog_constructed;
  object_class->finalize = kdh_remote_dialog_finalize;

  kdh_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/kdhost/Kdhost/ui/kdh-remote-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KdhRemoteDialog, string_entry);
  gtk_widget_class_bind_template_child (widget_class, KdhRemoteDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, kdh_remote_dialog_changed);
}

static void
kdh_remote_dialog_init (KdhRemoteDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
kdh_remote_dialog_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (KDH_TYPE_REMOTE_DIALOG,
                       "use-header-bar", TRUE,
                       "transient-for", parent,
                       NULL);
}

const gchar *
kdh_remote_dialog_get_string (KdhRemoteDialog *self)
{
  g_return_val_if_fail (KDH_IS_REMOTE_DIALOG (self), NULL);
  return self->trimmed ? self->trimmed : "";
}

void
kdh_remote_dialog_set_string (KdhRemoteDialog *self,
                              const gchar     *text)
{
  g_return_if_fail (KDH_IS_REMOTE_DIALOG (self));
  gtk_entry_set_text (self->string_entry, text ? text : "");
}

const gchar *
kdh_remote_dialog_get_message (KdhRemoteDialog *self)
{
  g_return_val_if_fail (KDH_IS_REMOTE_DIALOG (self), NULL);
  return gtk_label_get_text (self->message_label);
}
