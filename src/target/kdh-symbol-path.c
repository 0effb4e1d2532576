/* kdh-symbol-path.c: WinDbg's symbol path and the symbol stores it names
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-symbol-path.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#define MAX_PTR_BYTES 4096

gchar *
kdh_symbol_default_cache (void)
{
  return g_build_filename (g_get_user_cache_dir (), "kdhost", "symbols", NULL);
}

static gboolean
is_url (const gchar *store)
{
  return g_ascii_strncasecmp (store, "http://", 7) == 0
         || g_ascii_strncasecmp (store, "https://", 8) == 0;
}

/* The element's prefix ("srv*", "symsrv*symsrv.dll*", "cache*") and what
 * follows it; NULL when it is a plain directory. */
static const gchar *
element_kind (const gchar  *element,
              const gchar **rest)
{
  static const gchar *const prefixes[] = { "srv*", "symsrv*symsrv.dll*", "cache*" };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_ascii_strncasecmp (element, prefixes[i], strlen (prefixes[i])) == 0)
      {
        *rest = element + strlen (prefixes[i]);
        return i == 2 ? "cache" : "srv";
      }
  if (g_ascii_strcasecmp (element, "srv") == 0 || g_ascii_strcasecmp (element, "cache") == 0)
    {
      *rest = element + strlen (element);
      return element[0] == 's' || element[0] == 'S' ? "srv" : "cache";
    }
  return NULL;
}

gboolean
kdh_symbol_path_check (const gchar  *path,
                       GError      **error)
{
  g_auto (GStrv) elements = g_strsplit (path != NULL ? path : "", ";", -1);

  for (guint i = 0; elements[i]; i++)
    {
      g_autofree gchar *e = g_strstrip (g_strdup (elements[i]));
      const gchar *rest;
      const gchar *kind = element_kind (e, &rest);

      if (kind == NULL && strchr (e, '*') != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Symbol path element '%s' is neither a directory nor srv*STORE or "
                         "cache*DIR."), e);
          return FALSE;
        }
      if (kind != NULL && strcmp (kind, "cache") == 0 && strchr (rest, '*') != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Symbol path element '%s': cache* takes one directory."), e);
          return FALSE;
        }
      if (kind != NULL && strcmp (kind, "srv") == 0)
        {
          g_auto (GStrv) stores = g_strsplit (rest, "*", -1);
          guint n = g_strv_length (stores);

          for (guint k = 0; k + 1 < n; k++)
            if (is_url (stores[k]))
              {
                g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("Symbol path element '%s': only the last store of a chain can "
                               "be a server (%s)."), e, stores[k]);
                return FALSE;
              }
        }
    }
  return TRUE;
}

/* file.ptr: "PATH:FILE" points at the real file; "MSG:..." says why
 * there is none. */
static gchar *
follow_ptr (const gchar *ptr,
            GString     *log)
{
  g_autofree gchar *text = NULL;
  gsize len;

  if (!g_file_get_contents (ptr, &text, &len, NULL) || len > MAX_PTR_BYTES)
    return NULL;
  g_strstrip (text);
  if (g_str_has_prefix (text, "PATH:"))
    return g_strdup (text + 5);
  g_string_append_printf (log, "SYMSRV:  %s: %s\n", ptr, text);
  return NULL;
}

/* Looks in one store (symsrv's layout); returns the file @try took. */
static gchar *
try_store (const KdhSymbolQuery *q,
           const gchar          *store,
           KdhSymbolTryFunc      try_file,
           gpointer              data,
           GString              *log)
{
  g_autofree gchar *file = g_build_filename (store, q->pdb_name, q->key, q->pdb_name, NULL);
  g_autofree gchar *ptr = g_build_filename (store, q->pdb_name, q->key, "file.ptr", NULL);
  g_autofree gchar *target = NULL;

  if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_string_append_printf (log, "SYMSRV:  %s - found\n", file);
      return try_file (file, data) ? g_steal_pointer (&file) : NULL;
    }
  if (g_file_test (ptr, G_FILE_TEST_IS_REGULAR) && (target = follow_ptr (ptr, log)) != NULL)
    {
      g_string_append_printf (log, "SYMSRV:  %s -> %s\n", ptr, target);
      return try_file (target, data) ? g_steal_pointer (&target) : NULL;
    }
  g_string_append_printf (log, "SYMSRV:  %s not found\n", file);
  return NULL;
}

/* Copies what a store further up the chain had into @cache, as symsrv
 * fills its downstream stores; the copy's path, or NULL. */
static gchar *
copy_to_cache (const KdhSymbolQuery *q,
               const gchar          *file,
               const gchar          *cache,
               GString              *log)
{
  g_autofree gchar *dir = g_build_filename (cache, q->pdb_name, q->key, NULL);
  g_autofree gchar *dest = g_build_filename (dir, q->pdb_name, NULL);
  g_autofree gchar *tmp = g_strconcat (dest, ".part", NULL);
  g_autoptr (GFile) from = g_file_new_for_path (file);
  g_autoptr (GFile) to = g_file_new_for_path (tmp);
  g_autoptr (GError) error = NULL;

  /* Through a temporary name, so a reader never sees half a file. */
  if (g_mkdir_with_parents (dir, 0755) != 0
      || !g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error)
      || g_rename (tmp, dest) != 0)
    {
      g_string_append_printf (log, "SYMSRV:  could not copy %s into the cache %s: %s\n", file,
                              cache, error ? error->message : g_strerror (errno));
      g_unlink (tmp);
      return NULL;
    }
  g_string_append_printf (log, "SYMSRV:  %s copied to %s\n", file, dest);
  return g_steal_pointer (&dest);
}

/* Downloads NAME, or else NAME compressed, from the server @url into
 * @cache; the file @try took. A file refused is deleted again, so that the
 * cache never answers with it. */
static gchar *
try_server (const KdhSymbolQuery *q,
            const gchar          *url,
            const gchar          *cache,
            KdhSymbolTryFunc      try_file,
            gpointer              data,
            GString              *log)
{
  g_autofree gchar *dir = NULL, *dest = NULL, *packed = NULL;
  gboolean got;

  if (cache == NULL || q->fetch == NULL)
    {
      g_string_append_printf (log, "SYMSRV:  %s: %s\n", url,
                              cache == NULL ? "no cache before it to download into"
                                            : "downloads are not available here");
      return NULL;
    }
  dir = g_build_filename (cache, q->pdb_name, q->key, NULL);
  dest = g_build_filename (dir, q->pdb_name, NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_string_append_printf (log, "SYMSRV:  %s: %s\n", dir, g_strerror (errno));
      return NULL;
    }
  {
    g_autofree gchar *base = g_str_has_suffix (url, "/") ? g_strdup (url)
                                                         : g_strconcat (url, "/", NULL);
    g_autofree gchar *file_url = g_strconcat (base, q->pdb_name, "/", q->key, "/", q->pdb_name,
                                              NULL);

    packed = g_strdup (file_url);
    packed[strlen (packed) - 1] = '_';
    got = q->fetch (file_url, dest, FALSE, q->fetch_data, log)
          || (strlen (q->pdb_name) > 1 && q->fetch (packed, dest, TRUE, q->fetch_data, log));
  }
  if (!got)
    return NULL;
  g_string_append_printf (log, "SYMSRV:  %s - downloaded\n", dest);
  if (try_file (dest, data))
    return g_steal_pointer (&dest);
  g_unlink (dest);
  return NULL;
}

static gchar *
search_chain (const KdhSymbolQuery *q,
              gchar               **stores,
              KdhSymbolTryFunc      try_file,
              gpointer              data,
              GString              *log)
{
  for (guint i = 0; stores[i]; i++)
    {
      const gchar *cache = NULL;
      g_autofree gchar *found = NULL;

      if (is_url (stores[i]))
        {
          for (guint k = 0; k < i; k++)
            if (!is_url (stores[k]))
              cache = stores[k];
          found = try_server (q, stores[i], cache, try_file, data, log);
          if (found != NULL)
            return g_steal_pointer (&found);
          continue;
        }
      found = try_store (q, stores[i], try_file, data, log);

      if (found == NULL)
        continue;
      for (guint k = 0; k < i; k++)
        if (!is_url (stores[k]))
          {
            g_autofree gchar *copy = copy_to_cache (q, found, stores[k], log);

            if (copy != NULL && k == 0)
              {
                g_free (found);
                found = g_steal_pointer (&copy);
              }
          }
      return g_steal_pointer (&found);
    }
  return NULL;
}

static gchar *
try_plain (const KdhSymbolQuery *q,
           const gchar          *dir,
           KdhSymbolTryFunc      try_file,
           gpointer              data,
           GString              *log)
{
  const gchar *dot = strrchr (q->image_name, '.');
  g_autofree gchar *ext = g_ascii_strdown (dot != NULL ? dot + 1 : "", -1);
  g_autofree gchar *in_store = g_build_filename (dir, q->pdb_name, q->key, q->pdb_name, NULL);
  gchar *candidates[] = {
    g_build_filename (dir, q->pdb_name, NULL),
    g_build_filename (dir, ext, q->pdb_name, NULL),
    g_build_filename (dir, "symbols", ext, q->pdb_name, NULL),
  };
  gchar *found = NULL;

  /* A directory may hold a symbol store too (WinDbg looks there). */
  if (g_file_test (in_store, G_FILE_TEST_IS_REGULAR))
    found = try_store (q, dir, try_file, data, log);
  for (guint i = 0; found == NULL && i < G_N_ELEMENTS (candidates); i++)
    {
      if (!g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR))
        {
          g_string_append_printf (log, "DBGHELP: %s - file not found\n", candidates[i]);
          continue;
        }
      if (try_file (candidates[i], data))
        found = g_strdup (candidates[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    g_free (candidates[i]);
  return found;
}

gchar *
kdh_symbol_path_find (const KdhSymbolQuery *q,
                      KdhSymbolTryFunc      try_file,
                      gpointer              data,
                      GString              *log)
{
  g_auto (GStrv) elements = g_strsplit (q->path != NULL ? q->path : "", ";", -1);
  g_autofree gchar *cache = NULL;     /* the latest cache*DIR */
  g_autofree gchar *default_cache = kdh_symbol_default_cache ();

  for (guint i = 0; elements[i]; i++)
    {
      g_autofree gchar *e = g_strstrip (g_strdup (elements[i]));
      const gchar *rest;
      const gchar *kind = element_kind (e, &rest);
      gchar *found = NULL;

      if (*e == '\0')
        continue;
      if (kind == NULL)
        found = try_plain (q, e, try_file, data, log);
      else if (strcmp (kind, "cache") == 0)
        {
          g_free (cache);
          cache = g_strdup (*rest != '\0' ? rest : default_cache);
          found = try_store (q, cache, try_file, data, log);
        }
      else
        {
          g_auto (GStrv) stores = g_strsplit (rest, "*", -1);
          g_autoptr (GPtrArray) chain = g_ptr_array_new ();

          /* srv*STORE alone caches in an earlier cache*DIR, and a server
           * must download somewhere: the default cache. A local store
           * alone is read where it is. An empty store is the default
           * cache. */
          if (g_strv_length (stores) <= 1 && (cache != NULL || is_url (rest)))
            g_ptr_array_add (chain, cache != NULL ? cache : default_cache);
          for (guint k = 0; stores[k]; k++)
            if (*stores[k] != '\0' || stores[k + 1] != NULL)
              g_ptr_array_add (chain, *stores[k] != '\0' ? stores[k] : default_cache);
          g_ptr_array_add (chain, NULL);
          found = search_chain (q, (gchar **) chain->pdata, try_file, data, log);
        }
      if (found != NULL)
        return found;
    }
  return NULL;
}
