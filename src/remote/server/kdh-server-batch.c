/* kdh-server-batch.c: output gathered into chunks for the clients
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-server-batch.h"

#include <string.h>

void
kdh_server_batch_init (KdhServerBatch     *batch,
                       KdhServerBatchFunc  func,
                       gpointer            data)
{
  memset (batch, 0, sizeof *batch);
  batch->text = g_string_new (NULL);
  batch->func = func;
  batch->data = data;
  /* Long ago: the first output goes out at once. */
  batch->last_sent_us = G_MININT64 / 2;
}

void
kdh_server_batch_clear (KdhServerBatch *batch)
{
  if (batch->text)
    g_string_free (batch->text, TRUE);
  g_free (batch->origin);
  memset (batch, 0, sizeof *batch);
}

void
kdh_server_batch_send (KdhServerBatch *batch,
                       gint64          now_us)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *origin = NULL;

  if (batch->text->len == 0)
    return;
  /* Empty before the chunk goes on, so that whatever the callback does
   * (more output, another send) starts from an empty batch. */
  text = g_strndup (batch->text->str, batch->text->len);
  origin = g_steal_pointer (&batch->origin);
  g_string_truncate (batch->text, 0);
  batch->last_sent_us = now_us;
  batch->func (batch->kind, origin, text, batch->data);
}

gint64
kdh_server_batch_add (KdhServerBatch *batch,
                      KdhOutputKind   kind,
                      const gchar    *origin,
                      const gchar    *text,
                      gint64          now_us)
{
  gsize len = strlen (text);

  origin = origin ? origin : "";
  if (len > 0)
    {
      if (batch->text->len > 0
          && (kind != batch->kind || g_strcmp0 (origin, batch->origin) != 0
              || batch->text->len + len > KDH_SERVER_BATCH_BYTES))
        kdh_server_batch_send (batch, now_us);
      if (batch->text->len == 0)
        {
          batch->kind = kind;
          batch->origin = g_strdup (origin);
        }
      g_string_append_len (batch->text, text, (gssize) len);

      /* An echo is one command line of its own (front ends prefix it with
       * its sender); output after a quiet spell is not held either. */
      if (kind == KDH_OUTPUT_ECHO || batch->text->len >= KDH_SERVER_BATCH_BYTES
          || now_us - batch->last_sent_us >= KDH_SERVER_BATCH_DELAY_US)
        kdh_server_batch_send (batch, now_us);
    }
  return batch->text->len > 0 ? batch->last_sent_us + KDH_SERVER_BATCH_DELAY_US : 0;
}
