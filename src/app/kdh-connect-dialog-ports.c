/* kdh-connect-dialog-ports.c: the Kernel Debug dialog's serial ports and pipe
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serial ports are listed by libserialport in a worker thread (it reads
 * sysfs, which can be slow), so opening the dialog never waits for it.
 */
#include "kdh-connect-dialog-internal.h"

#include <glib/gi18n.h>
#include <libserialport.h>
#include <string.h>

/* Serial ports ----------------------------------------------------------- */

typedef struct {
  gchar *name;
  gchar *description;
  gchar *sort_key;
} PortInfo;

static void
port_info_free (gpointer data)
{
  PortInfo *info = data;

  g_free (info->name);
  g_free (info->description);
  g_free (info->sort_key);
  g_free (info);
}

static gint
port_info_compare (gconstpointer a,
                   gconstpointer b)
{
  const PortInfo *pa = *(const PortInfo * const *) a;
  const PortInfo *pb = *(const PortInfo * const *) b;

  return strcmp (pa->sort_key, pb->sort_key);
}

/* libserialport walks sysfs and may open devices to ask them what they
 * are; that stays off the GTK thread. */
static void
list_ports_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (port_info_free);
  struct sp_port **ports = NULL;

  if (sp_list_ports (&ports) == SP_OK)
    {
      for (guint i = 0; ports[i] != NULL; i++)
        {
          const gchar *name = sp_get_port_name (ports[i]);
          const gchar *description = sp_get_port_description (ports[i]);
          g_autofree gchar *base = NULL;
          PortInfo *info;

          if (name == NULL || !g_utf8_validate (name, -1, NULL))
            continue;

          info = g_new0 (PortInfo, 1);
          info->name = g_strdup (name);
          info->sort_key = g_utf8_collate_key_for_filename (name, -1);

          /* Built-in UARTs describe themselves by their own name; only a
           * real description ("FT232R USB UART") is worth showing. */
          base = g_path_get_basename (name);
          if (description != NULL && *description != '\0'
              && g_utf8_validate (description, -1, NULL)
              && strcmp (description, base) != 0 && strcmp (description, name) != 0)
            info->description = g_strdup (description);

          g_ptr_array_add (found, info);
        }
      sp_free_port_list (ports);
    }

  g_ptr_array_sort (found, port_info_compare);
  g_task_return_pointer (task, g_steal_pointer (&found), (GDestroyNotify) g_ptr_array_unref);
}

static void
list_ports_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KdhConnectDialog *self = KDH_CONNECT_DIALOG (source);
  g_autoptr(GPtrArray) ports = NULL;
  g_autofree gchar *typed = NULL;

  ports = g_task_propagate_pointer (G_TASK (result), NULL);
  if (ports == NULL)
    return;   /* cancelled: refreshed again, or the dialog is going away */

  g_clear_object (&self->ports_cancellable);

  /* Clearing the model must not lose what the user typed or picked. */
  typed = g_strdup (gtk_entry_get_text (self->serial_port_entry));
  gtk_list_store_clear (self->serial_ports);

  for (guint i = 0; i < ports->len; i++)
    {
      const PortInfo *info = g_ptr_array_index (ports, i);
      g_autofree gchar *markup = NULL;

      if (info->description != NULL)
        markup = g_markup_printf_escaped ("<span fgalpha=\"55%%\">— %s</span>",
                                          info->description);
      gtk_list_store_insert_with_values (self->serial_ports, NULL, -1,
                                         0, info->name,
                                         1, markup,
                                         -1);
    }

  if (ports->len == 0)
    gtk_label_set_text (self->serial_ports_label,
                        _("No serial ports found. Type the path of a device, such as "
                          "/dev/pts/3 for QEMU's -serial pty."));
  else
    {
      g_autofree gchar *text = NULL;

      text = g_strdup_printf (ngettext ("%u serial port found. A pseudo-terminal such as "
                                        "/dev/pts/3 can be typed in.",
                                        "%u serial ports found. A pseudo-terminal such as "
                                        "/dev/pts/3 can be typed in.",
                                        ports->len),
                              ports->len);
      gtk_label_set_text (self->serial_ports_label, text);
    }

  if (*typed != '\0')
    gtk_entry_set_text (self->serial_port_entry, typed);
  else if (ports->len > 0)
    gtk_combo_box_set_active (self->serial_port_combo, 0);

  gtk_widget_set_sensitive (GTK_WIDGET (self->serial_refresh_button), TRUE);
  kdh_connect_dialog_update (self);
}

void
kdh_connect_dialog_list_ports (KdhConnectDialog *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->ports_cancellable != NULL)
    g_cancellable_cancel (self->ports_cancellable);
  g_clear_object (&self->ports_cancellable);
  self->ports_cancellable = g_cancellable_new ();

  gtk_widget_set_sensitive (GTK_WIDGET (self->serial_refresh_button), FALSE);
  gtk_label_set_text (self->serial_ports_label, _("Looking for serial ports…"));

  task = g_task_new (self, self->ports_cancellable, list_ports_done, NULL);
  g_task_set_source_tag (task, kdh_connect_dialog_list_ports);
  g_task_run_in_thread (task, list_ports_thread);
}

void
kdh_connect_dialog_refresh_clicked (KdhConnectDialog *self)
{
  kdh_connect_dialog_list_ports (self);
}

/* The port combo shows "/dev/ttyUSB0 — FT232R USB UART" in its list while
 * its entry holds only the path: the entry's own text cell (column 0) is
 * followed by a second, dimmed cell for the description (column 1). */
void
kdh_connect_dialog_setup_port_cells (KdhConnectDialog *self)
{
  GtkCellLayout *layout = GTK_CELL_LAYOUT (self->serial_port_combo);
  g_autoptr(GList) cells = gtk_cell_layout_get_cells (layout);
  GtkCellRenderer *description;

  if (cells != NULL)
    gtk_cell_area_cell_set (gtk_cell_layout_get_area (layout), cells->data,
                            "expand", FALSE,
                            NULL);

  description = gtk_cell_renderer_text_new ();
  gtk_cell_layout_pack_start (layout, description, TRUE);
  gtk_cell_layout_add_attribute (layout, description, "markup", 1);
}

/* VM pipe ---------------------------------------------------------------- */

static void
chooser_response (GtkNativeDialog  *native,
                  gint              response,
                  KdhConnectDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree gchar *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (native));

      if (path != NULL)
        gtk_entry_set_text (self->pipe_path_entry, path);
    }

  g_clear_object (&self->chooser);
}

void
kdh_connect_dialog_choose_clicked (KdhConnectDialog *self)
{
  GtkFileFilter *filter;
  const gchar *current;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }

  self->chooser = gtk_file_chooser_native_new (_("Choose the VM's Serial Port Socket"),
                                               GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Choose"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_local_only (GTK_FILE_CHOOSER (self->chooser), TRUE);

  /* Sockets have no extension or MIME type to filter on. */
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);

  current = gtk_entry_get_text (self->pipe_path_entry);
  if (g_path_is_absolute (current))
    gtk_file_chooser_set_filename (GTK_FILE_CHOOSER (self->chooser), current);
  else
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser),
                                         g_get_user_runtime_dir ());

  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

