/* kdh-commands-file.c: .writemem, .readmem and the physical dumps !db !dd !dq
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Long transfers go a piece at a time and show a progress line: a dot per
 * piece after "Writing N bytes", as KD does. Files are on the machine the
 * engine runs on, so a debugging client may not name them.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "kdh-dump.h"

#define MAX_RANGE_BYTES (256u * 1024 * 1024)
#define PIECE (64u * 1024)

/* ---- Physical memory --------------------------------------------------- */

gboolean
kdh_commands_read_physical (KdhSession  *s,
                            guint64      address,
                            guint8      *buffer,
                            gsize        length,
                            gsize       *got,
                            GError     **error)
{
  *got = 0;
  while (*got < length)
    {
      guint32 chunk = (guint32) MIN (length - *got, KDH_MAX_MEMORY_TRANSFER);
      KdhManipulate request, reply;
      g_autoptr (GBytes) payload = NULL;
      gsize n;

      kdh_manipulate_init_memory (&request, KDH_API_READ_PHYSICAL_MEMORY, 0, address + *got,
                                  chunk);
      if (!kdh_session_request (s, &request, NULL, 0, &reply, &payload, error))
        return FALSE;
      n = MIN (MIN ((gsize) kdh_manipulate_memory_actual (&reply), reply.data_len), chunk);
      if (reply.return_status != KDH_STATUS_SUCCESS)
        n = 0;
      if (n > 0)
        memcpy (buffer + *got, reply.data, n);
      *got += n;
      if (n < chunk)
        break;
    }
  return TRUE;
}

/* !db ADDR [L n]: as db, each line "#" and the physical address. */
static gboolean
cmd_physical (KdhCommandCall *inv,
              gpointer        data,
              GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  gchar format = inv->name[2];
  guint unit = format == 'q' ? 8 : format == 'd' ? 4 : format == 'w' ? 2 : 1;
  KdhExprScope scope;
  guint64 address, count;
  gsize len, got = 0;
  g_autofree guint8 *bytes = NULL;
  g_autoptr (GString) dump = g_string_new (NULL);
  g_autoptr (GString) out = g_string_new (NULL);

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0' || *inv->args == '[')
    {
      if (*inv->args)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                     _("%s: caching flags ([c], [uc], [wc]) are not supported."), inv->name);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("%s needs a physical address, e.g. '%s 1000 L20'."), inv->name,
                     inv->name);
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_parse_range (inv->args, &scope, unit, 128 / unit, 0x10000 / unit, &address,
                             &count, error))
    return FALSE;
  len = (gsize) (count * unit);
  bytes = g_malloc0 (len);
  if (!kdh_commands_read_physical (inv->commands->session, address, bytes, len, &got, error))
    return FALSE;
  if (got == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Physical memory read at %" G_GINT64_MODIFIER "x failed."), address);
      return FALSE;
    }
  kdh_dump_format (dump, address, bytes, len, got, format, FALSE);
  /* "fffff800`00400000  4d 5a ..." becomes "#  400000 4d 5a ...". */
  for (const gchar *line = dump->str; *line; )
    {
      const gchar *eol = strchr (line, '\n');
      const gchar *values = strstr (line, "  ");
      g_autofree gchar *hex = g_strndup (line, values - line);
      gchar *tick = strchr (hex, '`');

      if (tick)
        memmove (tick, tick + 1, strlen (tick));
      g_string_append_printf (out, "#%8" G_GINT64_MODIFIER "x %.*s\n",
                              g_ascii_strtoull (hex, NULL, 16), (int) (eol - values - 2),
                              values + 2);
      line = eol + 1;
    }
  kdh_commands_say (inv, out->str);
  return TRUE;
}

/* ---- .writemem, .readmem ------------------------------------------------- */

/* FILE (in double quotes when it has spaces), then the range. */
static gboolean
parse_file_and_range (KdhCommandCall *inv,
                      KdhTarget      *target,
                      gchar         **file,
                      guint64        *address,
                      guint64        *count,
                      GError        **error)
{
  const gchar *args = inv->args, *rest;
  KdhExprScope scope;

  if (inv->origin != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("%s names a file on the debugging server's machine; a remote client "
                     "may not use it."), inv->name);
      return FALSE;
    }
  if (*args == '"')
    {
      const gchar *close = strchr (args + 1, '"');

      if (close == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("%s: the file name's closing quote is missing."), inv->name);
          return FALSE;
        }
      *file = g_strndup (args + 1, close - args - 1);
      rest = close + 1;
    }
  else
    {
      *file = g_strndup (args, strcspn (args, " \t"));
      rest = args + strlen (*file);
    }
  while (*rest == ' ' || *rest == '\t')
    rest++;
  if (**file == '\0' || *rest == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s needs a file and a range, e.g. '%s dump.bin nt L1000'."), inv->name,
                   inv->name);
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  return kdh_expr_parse_range (rest, &scope, 1, 1, MAX_RANGE_BYTES, address, count, error);
}

/* A dot for each piece of a transfer longer than one. */
static void
progress (KdhCommandCall *inv,
          guint64         length)
{
  if (length > PIECE)
    kdh_commands_say (inv, ".");
}

static gboolean
cmd_writemem (KdhCommandCall *inv,
              gpointer        data,
              GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  g_autofree gchar *path = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileOutputStream) stream = NULL;
  g_autoptr (GCancellable) abandon = g_cancellable_new ();
  guint64 address, length;
  gboolean existed;

  if (target == NULL || !parse_file_and_range (inv, target, &path, &address, &length, error))
    return FALSE;
  file = g_file_new_for_path (path);
  existed = g_file_query_exists (file, NULL);
  /* The file is replaced only when everything was written. */
  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (stream == NULL)
    return FALSE;
  kdh_command_call_print (inv, "Writing %" G_GINT64_MODIFIER "x bytes", length);
  buffer = g_malloc (MIN (length, PIECE));
  for (guint64 done = 0; done < length; )
    {
      gsize n = (gsize) MIN (length - done, PIECE), got = 0;

      if ((done > 0 && !kdh_host_wait_for_front_ends (inv->commands->host, error))
          || !kdh_target_read_virtual (target, address + done, buffer, n, &got, error))
        goto fail;
      if (got < n)
        {
          g_autofree gchar *where = kdh_commands_format_address (target, address + done + got);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Memory access error at %s; %s was not written."), where, path);
          goto fail;
        }
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (stream), buffer, n, NULL, NULL, error))
        goto fail;
      progress (inv, length);
      done += n;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, error))
    goto fail;
  kdh_commands_say (inv, ".\n");
  return TRUE;

fail:
  kdh_commands_say (inv, "\n");
  g_cancellable_cancel (abandon);
  g_output_stream_close (G_OUTPUT_STREAM (stream), abandon, NULL);
  /* A new file is written in place: remove what there is of it. */
  if (!existed)
    g_file_delete (file, NULL, NULL);
  return FALSE;
}

static gboolean
cmd_readmem (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  g_autofree gchar *path = NULL;
  g_autoptr (GMappedFile) mapped = NULL;
  const guint8 *contents;
  guint64 address, length;

  if (target == NULL || !parse_file_and_range (inv, target, &path, &address, &length, error))
    return FALSE;
  mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return FALSE;
  contents = (const guint8 *) g_mapped_file_get_contents (mapped);
  /* The range, or less when the file is shorter. */
  length = MIN (length, g_mapped_file_get_length (mapped));
  if (!kdh_commands_check_readable (target, address, length, error))
    return FALSE;
  kdh_command_call_print (inv, "Reading %" G_GINT64_MODIFIER "x bytes", length);
  for (guint64 done = 0; done < length; )
    {
      gsize n = (gsize) MIN (length - done, PIECE);

      if ((done > 0 && !kdh_host_wait_for_front_ends (inv->commands->host, error))
          || !kdh_commands_write (target, address + done, contents + done, n, error))
        {
          kdh_commands_say (inv, "\n");
          return FALSE;
        }
      progress (inv, length);
      done += n;
    }
  kdh_commands_say (inv, ".\n");
  return TRUE;
}

void
kdh_commands_add_file (KdhCommands *c)
{
  kdh_commands_add (c, "!db", "!db ADDR [L n]    physical memory (also !dw, !dd, !dq, !dc)",
                    cmd_physical, NULL, NULL);
  kdh_commands_add (c, "!dw", NULL, cmd_physical, NULL, NULL);
  kdh_commands_add (c, "!dd", NULL, cmd_physical, NULL, NULL);
  kdh_commands_add (c, "!dq", NULL, cmd_physical, NULL, NULL);
  kdh_commands_add (c, "!dc", NULL, cmd_physical, NULL, NULL);
  kdh_commands_add (c, ".writemem", ".writemem FILE RANGE   write memory to a file", cmd_writemem,
                    NULL, NULL);
  kdh_commands_add (c, ".readmem", ".readmem FILE RANGE    read a file into memory", cmd_readmem,
                    NULL, NULL);
}
