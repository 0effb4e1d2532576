/* kdh-option-text.c: WinDbg-style option text ("key=value,flag,...")
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-option-text.h"

#include <glib/gi18n.h>
#include <string.h>

/* GLib's g_ascii_strto*() make their C locale on first use, under a
 * g_once. A thread that has to wait there can come back with errno set by
 * the wait, which g_ascii_string_to_unsigned() then takes for a bad
 * number: kdhost-cli -remote said "bad port '5005'" now and then, when its
 * engine thread parsed the remote string while the main thread made its
 * first conversion too. Made here once, before main() and any thread. */
__attribute__ ((constructor)) static void
make_c_locale_early (void)
{
  g_ascii_strtoull ("0", NULL, 10);
}

static void
item_free (gpointer data)
{
  KdhOptionItem *item = data;

  g_free (item->item);
  g_free (item->key);
  g_free (item->value);
  g_free (item);
}

GPtrArray *
kdh_option_text_split (const gchar          *text,
                       KdhOptionSplitFault  *fault,
                       gchar               **bad_item)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (item_free);
  g_auto (GStrv) parts = NULL;

  *fault = KDH_OPTION_SPLIT_OK;
  *bad_item = NULL;
  if (text == NULL || *text == '\0')
    return g_steal_pointer (&items);

  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gchar *part = g_strstrip (parts[i]);
      const gchar *eq = strchr (part, '=');
      KdhOptionItem *item;

      if (*part == '\0')
        {
          *fault = KDH_OPTION_SPLIT_EMPTY_ITEM;
          return NULL;
        }
      item = g_new0 (KdhOptionItem, 1);
      item->item = g_strdup (part);
      if (eq != NULL)
        {
          item->key = g_strstrip (g_strndup (part, eq - part));
          item->value = g_strstrip (g_strdup (eq + 1));
        }
      else
        item->key = g_strdup (part);
      g_ptr_array_add (items, item);
      if (*item->key == '\0')
        {
          *fault = KDH_OPTION_SPLIT_NO_NAME;
          *bad_item = g_strdup (part);
          return NULL;
        }
    }
  return g_steal_pointer (&items);
}

static gboolean fail_valist (GError **error, GQuark domain, gint code, const gchar *whole,
                             const gchar *hint, const gchar *format, va_list args)
  G_GNUC_PRINTF (6, 0);

static gboolean
fail_valist (GError      **error,
             GQuark        domain,
             gint          code,
             const gchar  *whole,
             const gchar  *hint,
             const gchar  *format,
             va_list       args)
{
  g_autofree gchar *what = g_strdup_vprintf (format, args);
  GString *msg = g_string_new (what);

  if (whole != NULL && *whole != '\0')
    g_string_append_printf (msg, _(" in '%s'"), whole);
  if (hint != NULL)
    g_string_append_printf (msg, _(" (expected %s)"), hint);
  g_set_error_literal (error, domain, code, msg->str);
  g_string_free (msg, TRUE);
  return FALSE;
}

gboolean
kdh_option_fail (GError      **error,
                 GQuark        domain,
                 gint          code,
                 const gchar  *whole,
                 const gchar  *hint,
                 const gchar  *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  fail_valist (error, domain, code, whole, hint, format, args);
  va_end (args);
  return FALSE;
}

gboolean
kdh_option_fail_split (GError              **error,
                       GQuark                domain,
                       gint                  code,
                       const gchar          *whole,
                       KdhOptionSplitFault   fault,
                       const gchar          *bad_item)
{
  if (fault == KDH_OPTION_SPLIT_NO_NAME)
    return kdh_option_fail (error, domain, code, whole, NULL, _("option '%s' has no name"),
                            bad_item ? bad_item : "");
  return kdh_option_fail (error, domain, code, whole, NULL, _("empty option (an extra ',')"));
}
