/* kdh-msf.c: the MSF 7.00 container that a PDB file is
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-msf.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "common/kdh-le.h"

static const guint8 msf_magic[32] = "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0\0";

#define SUPERBLOCK_SIZE 56
/* Bounds: no real PDB has more streams, and a directory this large would
 * only be a way to make us allocate. */
#define MAX_STREAMS 0x100000

struct _KdhMsf
{
  const guint8 *data;
  gsize length;
  guint32 block_size;
  guint32 n_blocks;            /* blocks the file really holds */
  guint32 n_streams;
  guint32 *sizes;              /* per stream; 0 for nil streams */
  guint32 **blocks;            /* per stream: its block indices */
  guint32 *block_store;        /* what blocks[] point into */
};

static gboolean
corrupt (GError     **error,
         const gchar *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The PDB file is corrupt: %s."),
               what);
  return FALSE;
}

static guint32
blocks_for (guint32 size,
            guint32 block_size)
{
  return size / block_size + (size % block_size != 0);
}

/* Copies @length bytes at byte @offset of the data spread over @blocks. */
static gboolean
gather (const KdhMsf   *msf,
        const guint32  *blocks,
        guint32         n_blocks,
        guint8         *out,
        gsize           length,
        GError        **error)
{
  gsize done = 0;

  for (guint32 i = 0; i < n_blocks && done < length; i++)
    {
      gsize n = MIN (msf->block_size, length - done);

      if (blocks[i] >= msf->n_blocks)
        return corrupt (error, _("a stream block lies beyond the end of the file"));
      memcpy (out + done, msf->data + (gsize) blocks[i] * msf->block_size, n);
      done += n;
    }
  if (done < length)
    return corrupt (error, _("a stream has fewer blocks than its size needs"));
  return TRUE;
}

KdhMsf *
kdh_msf_new (const guint8  *data,
             gsize          length,
             GError       **error)
{
  g_autoptr (KdhMsf) msf = g_new0 (KdhMsf, 1);
  guint32 dir_bytes, map_block, n_dir_blocks, total_blocks = 0;
  g_autofree guint32 *dir_block_list = NULL;
  g_autofree guint8 *dir = NULL;
  gsize pos;

  if (length < SUPERBLOCK_SIZE || memcmp (data, msf_magic, sizeof msf_magic) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("This is not a PDB file (no MSF 7.00 signature)."));
      return NULL;
    }
  msf->data = data;
  msf->length = length;
  msf->block_size = kdh_read_le32 (data + 32);
  if (msf->block_size != 512 && msf->block_size != 1024 && msf->block_size != 2048
      && msf->block_size != 4096)
    return corrupt (error, _("its block size is not 512, 1024, 2048 or 4096")), NULL;
  msf->n_blocks = (guint32) MIN (length / msf->block_size, (gsize) kdh_read_le32 (data + 40));
  dir_bytes = kdh_read_le32 (data + 44);
  map_block = kdh_read_le32 (data + 52);
  n_dir_blocks = blocks_for (dir_bytes, msf->block_size);
  if (dir_bytes < 4 || (guint64) n_dir_blocks * 4 > msf->block_size
      || map_block >= msf->n_blocks)
    return corrupt (error, _("its stream directory is out of bounds")), NULL;

  /* The block map: one block of directory block indices. */
  dir_block_list = g_new (guint32, n_dir_blocks);
  for (guint32 i = 0; i < n_dir_blocks; i++)
    dir_block_list[i] = kdh_read_le32 (data + (gsize) map_block * msf->block_size + 4 * i);
  dir = g_malloc (dir_bytes);
  if (!gather (msf, dir_block_list, n_dir_blocks, dir, dir_bytes, error))
    return NULL;

  msf->n_streams = kdh_read_le32 (dir);
  if (msf->n_streams > MAX_STREAMS || 4 + (guint64) msf->n_streams * 4 > dir_bytes)
    return corrupt (error, _("its stream directory lists more streams than it holds")), NULL;
  msf->sizes = g_new0 (guint32, msf->n_streams);
  for (guint32 i = 0; i < msf->n_streams; i++)
    {
      guint32 size = kdh_read_le32 (dir + 4 + 4 * (gsize) i);

      /* 0xFFFFFFFF marks a nil (deleted) stream. */
      msf->sizes[i] = size == 0xFFFFFFFFu ? 0 : size;
      total_blocks += blocks_for (msf->sizes[i], msf->block_size);
      if (total_blocks > msf->n_blocks)
        return corrupt (error, _("its streams need more blocks than the file has")), NULL;
    }
  pos = 4 + (gsize) msf->n_streams * 4;
  if (pos + (gsize) total_blocks * 4 > dir_bytes)
    return corrupt (error, _("its stream directory is truncated")), NULL;
  msf->block_store = g_new (guint32, MAX (total_blocks, 1));
  msf->blocks = g_new0 (guint32 *, msf->n_streams);
  for (guint32 i = 0, k = 0; i < msf->n_streams; i++)
    {
      guint32 n = blocks_for (msf->sizes[i], msf->block_size);

      msf->blocks[i] = msf->block_store + k;
      for (guint32 j = 0; j < n; j++, k++)
        msf->block_store[k] = kdh_read_le32 (dir + pos + 4 * (gsize) k);
    }
  return g_steal_pointer (&msf);
}

void
kdh_msf_free (KdhMsf *msf)
{
  if (msf == NULL)
    return;
  g_free (msf->sizes);
  g_free (msf->blocks);
  g_free (msf->block_store);
  g_free (msf);
}

guint32
kdh_msf_get_n_streams (const KdhMsf *msf)
{
  return msf->n_streams;
}

guint32
kdh_msf_get_block_size (const KdhMsf *msf)
{
  return msf->block_size;
}

gboolean
kdh_msf_get_stream_size (const KdhMsf *msf,
                         guint32       index,
                         guint32      *size)
{
  if (index >= msf->n_streams)
    return FALSE;
  *size = msf->sizes[index];
  return TRUE;
}

GBytes *
kdh_msf_read_stream (const KdhMsf  *msf,
                     guint32        index,
                     GError       **error)
{
  g_autofree guint8 *buf = NULL;
  guint32 size;

  if (index >= msf->n_streams)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The PDB file is corrupt: it has no stream %u."), index);
      return NULL;
    }
  size = msf->sizes[index];
  buf = g_malloc (MAX (size, 1));
  if (!gather (msf, msf->blocks[index], blocks_for (size, msf->block_size), buf, size, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&buf), size);
}
