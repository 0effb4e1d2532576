/* kdh-test-symsrv.c: a loopback symbol server for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-test-symsrv.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libgcab.h>

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           data)
{
  Server *s = data;
  g_autofree gchar *file = g_build_filename (s->root, path, NULL);
  g_autofree gchar *contents = NULL;
  gsize len;

  if (g_str_has_prefix (path, "/stall/"))
    {
      /* Accept the request and never answer it. */
      g_ptr_array_add (s->requests, g_strdup_printf ("GET %s -> stalled", path));
      g_ptr_array_add (s->stalled, g_object_ref (msg));
      soup_server_message_pause (msg);
      return;
    }
  if (g_str_has_prefix (path, "/slow/"))
    {
      g_autofree gchar *real = g_build_filename (s->root, path + strlen ("/slow"), NULL);

      if (g_file_get_contents (real, &contents, &len, NULL))
        {
          SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
          SoupMessageBody *body = soup_server_message_get_response_body (msg);

          /* The size up front, half the bytes now, the rest on release:
           * the client sees a transfer under way that goes no further. */
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_message_headers_set_encoding (headers, SOUP_ENCODING_CONTENT_LENGTH);
          soup_message_headers_set_content_length (headers, (goffset) len);
          soup_message_body_set_accumulate (body, FALSE);
          soup_message_body_append (body, SOUP_MEMORY_COPY, contents, len / 2);
          g_ptr_array_add (s->slow, g_object_ref (msg));
          g_ptr_array_add (s->slow_rest, g_bytes_new (contents + len / 2, len - len / 2));
          g_ptr_array_add (s->requests, g_strdup_printf ("GET %s -> slow", path));
          return;
        }
    }
  if (g_file_get_contents (file, &contents, &len, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        contents, len);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  g_ptr_array_add (s->requests, g_strdup_printf ("GET %s -> %u", path,
                                                 soup_server_message_get_status (msg)));
}

void
kdh_test_symsrv_start (Server      *s,
                       const gchar *root)
{
  g_autoptr (GError) error = NULL;
  GSList *uris;

  s->root = g_strdup (root);
  s->requests = g_ptr_array_new_with_free_func (g_free);
  s->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  s->slow = g_ptr_array_new_with_free_func (g_object_unref);
  s->slow_rest = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  s->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (s->server, NULL, handle, s, NULL);
  g_assert_true (soup_server_listen_local (s->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (s->server);
  g_assert_nonnull (uris);
  s->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

void
kdh_test_symsrv_stop (Server *s)
{
  if (s->server == NULL)
    return;
  soup_server_disconnect (s->server);
  g_ptr_array_unref (s->stalled);
  g_ptr_array_unref (s->slow);
  g_ptr_array_unref (s->slow_rest);
  g_clear_object (&s->server);
  g_ptr_array_unref (s->requests);
  g_free (s->root);
  g_free (s->url);
  memset (s, 0, sizeof *s);
}

void
kdh_test_symsrv_release (Server *s)
{
  for (guint i = 0; i < s->slow->len; i++)
    {
      SoupServerMessage *msg = s->slow->pdata[i];
      SoupMessageBody *body = soup_server_message_get_response_body (msg);

      soup_message_body_append_bytes (body, s->slow_rest->pdata[i]);
      soup_message_body_complete (body);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (s->slow, 0);
  g_ptr_array_set_size (s->slow_rest, 0);
}

gboolean
kdh_test_symsrv_requested (Server      *s,
                           const gchar *format,
                           ...)
{
  va_list ap;
  g_autofree gchar *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  for (guint i = 0; i < s->requests->len; i++)
    if (strcmp (s->requests->pdata[i], text) == 0)
      return TRUE;
  return FALSE;
}

/* Not inlined: GCC then mistakes the output buffer for a local. */
static G_GNUC_NO_INLINE gchar *
pdbutil_summary (const gchar *pdb)
{
  g_autofree gchar *program = g_find_program_in_path ("llvm-pdbutil");
  g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, pdb, NULL);
  const gchar *argv[] = { NULL, "dump", "-summary", path, NULL };
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint status = 0;

  if (program == NULL)
    program = g_find_program_in_path ("llvm-pdbutil-14");
  g_assert_nonnull (program);
  argv[0] = program;
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* symsrv's directory for @pdb: GUID digits and age, from llvm-pdbutil. */
gchar *
kdh_test_symsrv_store_key (const gchar *pdb)
{
  g_autofree gchar *summary = pdbutil_summary (pdb);
  gchar g[5][13];
  guint age;

  g_assert_cmpint (sscanf (strstr (summary, "Age:"), "Age: %u", &age), ==, 1);
  g_assert_cmpint (sscanf (strstr (summary, "GUID:"), "GUID: {%8[0-9A-F]-%4[0-9A-F]-%4[0-9A-F]-"
                           "%4[0-9A-F]-%12[0-9A-F]}", g[0], g[1], g[2], g[3], g[4]), ==, 5);
  return g_strdup_printf ("%s%s%s%s%s%X", g[0], g[1], g[2], g[3], g[4], age);
}

gchar *
kdh_test_symsrv_guest_file (const gchar *name,
                            gsize       *len)
{
  g_autofree gchar *path = g_build_filename (KDH_SIM_GUEST_DIR, name, NULL);
  gchar *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, NULL));
  return data;
}

/* Puts @pdb into the store under @root, as is or as a CAB (name.pd_). */
void
kdh_test_symsrv_publish (const gchar *root,
                         const gchar *pdb,
                         gboolean     compressed)
{
  g_autofree gchar *key = kdh_test_symsrv_store_key (pdb);
  g_autofree gchar *dir = g_build_filename (root, pdb, key, NULL);
  g_autofree gchar *data = NULL;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  data = kdh_test_symsrv_guest_file (pdb, &len);
  if (!compressed)
    {
      g_autofree gchar *dest = g_build_filename (dir, pdb, NULL);

      g_assert_true (g_file_set_contents (dest, data, len, NULL));
      return;
    }
  {
    g_autofree gchar *packed_name = g_strdup (pdb);
    g_autofree gchar *dest = NULL;
    g_autoptr (GCabCabinet) cab = gcab_cabinet_new ();
    g_autoptr (GCabFolder) folder = gcab_folder_new (GCAB_COMPRESSION_MSZIP);
    g_autoptr (GBytes) bytes = g_bytes_new (data, len);
    g_autoptr (GCabFile) file = gcab_file_new_with_bytes (pdb, bytes);
    g_autoptr (GFile) out = NULL;
    g_autoptr (GFileOutputStream) stream = NULL;
    g_autoptr (GError) error = NULL;

    packed_name[strlen (packed_name) - 1] = '_';
    dest = g_build_filename (dir, packed_name, NULL);
    out = g_file_new_for_path (dest);
    g_assert_true (gcab_folder_add_file (folder, file, FALSE, NULL, &error));
    g_assert_true (gcab_cabinet_add_folder (cab, folder, &error));
    stream = g_file_replace (out, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (gcab_cabinet_write_simple (cab, G_OUTPUT_STREAM (stream), NULL, NULL, NULL,
                                              &error));
    g_assert_no_error (error);
    g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, &error));
  }
}

