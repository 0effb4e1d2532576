/* kdh-server-history.c: the debugging server's numbered output history
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every piece of output the server fans out gets the next sequence number
 * and stays here until the history's byte budget pushes it out. Clients
 * fetch from it (GetOutput: a late joiner's backlog, a gap), and a client
 * that fell behind is fed from it, so the budget is larger than what a
 * late joiner is shown: a client paused at its unacknowledged limit must
 * still find its next chunk here when it resumes. Chunks sit in a ring
 * indexed by sequence number, so finding one is O(1).
 */
#include "kdh-server-private.h"

#include <string.h>

/* Each chunk costs its text and this much more against the budget, so
 * that a flood of tiny chunks cannot keep an unbounded number of them. */
#define CHUNK_OVERHEAD 64
/* Where each chunk ended is kept longer than its text: acknowledgements
 * refer to chunks a client received up to KDH_REMOTE_MAX_UNACKED bytes
 * ago, which may be older than the history. */
#define ENDS_BYTES     (4 * (guint64) KDH_REMOTE_MAX_UNACKED)
#define ENDS_MAX       (1u << 18)

struct _KdhServerHistory
{
  gsize max_bytes;
  gsize bytes;
  KdhServerChunk **ring;
  gsize capacity;                /* a power of two */
  gsize head;                    /* index of the oldest */
  gsize count;
  guint64 next_seq;
  guint64 end;                   /* cost of all chunks ever added */
  guint64 *ends;                 /* ring: chunk ends, from seq ends_first on */
  gsize ends_capacity;           /* a power of two */
  gsize ends_head;
  gsize ends_count;
  guint64 ends_first;
};

static void
chunk_free (KdhServerChunk *chunk)
{
  g_free (chunk->origin);
  g_free (chunk->text);
  g_free (chunk);
}

KdhServerHistory *
kdh_server_history_new (gsize max_bytes)
{
  KdhServerHistory *h = g_new0 (KdhServerHistory, 1);

  h->max_bytes = max_bytes;
  h->capacity = 64;
  h->ring = g_new0 (KdhServerChunk *, h->capacity);
  h->ends_capacity = 64;
  h->ends = g_new0 (guint64, h->ends_capacity);
  return h;
}

void
kdh_server_history_free (KdhServerHistory *h)
{
  if (h == NULL)
    return;
  for (gsize i = 0; i < h->count; i++)
    chunk_free (h->ring[(h->head + i) & (h->capacity - 1)]);
  g_free (h->ring);
  g_free (h->ends);
  g_free (h);
}

static void
push_end (KdhServerHistory *h,
          guint64           end)
{
  if (h->ends_count == h->ends_capacity && h->ends_count < ENDS_MAX)
    {
      guint64 *ends = g_new0 (guint64, h->ends_capacity * 2);

      for (gsize i = 0; i < h->ends_count; i++)
        ends[i] = h->ends[(h->ends_head + i) & (h->ends_capacity - 1)];
      g_free (h->ends);
      h->ends = ends;
      h->ends_head = 0;
      h->ends_capacity *= 2;
    }
  if (h->ends_count == h->ends_capacity)
    {
      h->ends_head = (h->ends_head + 1) & (h->ends_capacity - 1);
      h->ends_count--;
      h->ends_first++;
    }
  h->ends[(h->ends_head + h->ends_count) & (h->ends_capacity - 1)] = end;
  h->ends_count++;
  while (h->ends_count > 1 && end - h->ends[h->ends_head] > ENDS_BYTES)
    {
      h->ends_head = (h->ends_head + 1) & (h->ends_capacity - 1);
      h->ends_count--;
      h->ends_first++;
    }
}

gboolean
kdh_server_history_end_of (KdhServerHistory *h,
                           guint64           seq,
                           guint64          *end)
{
  if (seq < h->ends_first || seq >= h->ends_first + h->ends_count)
    return FALSE;
  *end = h->ends[(h->ends_head + (gsize) (seq - h->ends_first)) & (h->ends_capacity - 1)];
  return TRUE;
}

static void
drop_oldest (KdhServerHistory *h)
{
  KdhServerChunk *chunk = h->ring[h->head];

  h->bytes -= chunk->len + CHUNK_OVERHEAD;
  h->ring[h->head] = NULL;
  h->head = (h->head + 1) & (h->capacity - 1);
  h->count--;
  chunk_free (chunk);
}

static void
push (KdhServerHistory *h,
      KdhServerChunk   *chunk)
{
  if (h->count == h->capacity)
    {
      KdhServerChunk **ring = g_new0 (KdhServerChunk *, h->capacity * 2);

      for (gsize i = 0; i < h->count; i++)
        ring[i] = h->ring[(h->head + i) & (h->capacity - 1)];
      g_free (h->ring);
      h->ring = ring;
      h->head = 0;
      h->capacity *= 2;
    }
  h->ring[(h->head + h->count) & (h->capacity - 1)] = chunk;
  h->count++;
  h->bytes += chunk->len + CHUNK_OVERHEAD;
  while (h->bytes > h->max_bytes && h->count > 1)
    drop_oldest (h);
}

/* Where to end a piece of at most @max bytes of @text (which is longer):
 * after the last line end inside it, else at a character boundary. */
static gsize
piece_length (const gchar *text,
              gsize        max)
{
  const gchar *cut;

  for (gsize i = max; i > max / 2; i--)
    if (text[i - 1] == '\n')
      return i;
  cut = g_utf8_find_prev_char (text, text + max + 1);
  return cut && cut > text ? (gsize) (cut - text) : max;
}

guint
kdh_server_history_append (KdhServerHistory *h,
                           KdhOutputKind     kind,
                           const gchar      *origin,
                           const gchar      *text)
{
  /* D-Bus strings must be UTF-8; target output need not be. */
  g_autofree gchar *valid = g_utf8_make_valid (text, -1);
  const gchar *p = valid;
  gsize left = strlen (valid);
  guint added = 0;

  while (left > 0)
    {
      KdhServerChunk *chunk = g_new0 (KdhServerChunk, 1);
      gsize n = left > KDH_SERVER_CHUNK_MAX ? piece_length (p, KDH_SERVER_CHUNK_MAX) : left;

      chunk->seq = h->next_seq++;
      chunk->kind = kind;
      chunk->origin = g_utf8_make_valid (origin ? origin : "", -1);
      chunk->text = g_strndup (p, n);
      chunk->len = n;
      chunk->cost = KDH_SERVER_SIGNAL_COST (n);
      h->end += chunk->cost;
      chunk->end = h->end;
      push (h, chunk);
      push_end (h, h->end);
      p += n;
      left -= n;
      added++;
    }
  return added;
}

guint64
kdh_server_history_next_seq (KdhServerHistory *h)
{
  return h->next_seq;
}

guint64
kdh_server_history_recent_seq (KdhServerHistory *h,
                               gsize             bytes)
{
  gsize total = 0;
  gsize i = h->count;

  while (i > 0)
    {
      KdhServerChunk *chunk = h->ring[(h->head + i - 1) & (h->capacity - 1)];

      total += chunk->len + CHUNK_OVERHEAD;
      if (total > bytes)
        break;
      i--;
    }
  return i == h->count ? h->next_seq : h->ring[(h->head + i) & (h->capacity - 1)]->seq;
}

guint64
kdh_server_history_end (KdhServerHistory *h)
{
  return h->end;
}

guint64
kdh_server_history_first_seq (KdhServerHistory *h)
{
  return h->count ? h->ring[h->head]->seq : h->next_seq;
}

const KdhServerChunk *
kdh_server_history_get (KdhServerHistory *h,
                        guint64           seq)
{
  guint64 first = kdh_server_history_first_seq (h);

  if (seq < first || seq >= h->next_seq)
    return NULL;
  return h->ring[(h->head + (gsize) (seq - first)) & (h->capacity - 1)];
}

const gchar *
kdh_server_output_kind_id (KdhOutputKind kind)
{
  switch (kind)
    {
    case KDH_OUTPUT_TARGET: return "target";
    case KDH_OUTPUT_ERROR: return "error";
    case KDH_OUTPUT_ECHO: return "echo";
    case KDH_OUTPUT_DEBUGGER:
    default: return "debugger";
    }
}
