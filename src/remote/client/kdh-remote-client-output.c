/* kdh-remote-client-output.c: the server's output, every chunk once, in order
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server numbers its output; Output signals bring it as it happens,
 * GetOutput fetches what a client missed. Chunks that arrive ahead of a
 * gap are held (bounded) until it is filled; what was acknowledged the
 * server may forget.
 */
#include "kdh-remote-client-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "remote/kdh-remote-protocol.h"

#define FETCH_TIMEOUT_MS        30000
#define ACK_BYTES               (64 * 1024)
/* Chunks held ahead of a gap; past this they are dropped and fetched
 * again with GetOutput once the gap is filled. */
#define HELD_MAX_BYTES          (8 * 1024 * 1024)

typedef struct {
  KdhOutputKind kind;
  gchar *origin;
  gchar *text;
} Chunk;

void
_kdh_remote_client_chunk_free (gpointer data)
{
  Chunk *chunk = data;

  g_free (chunk->origin);
  g_free (chunk->text);
  g_free (chunk);
}

gint
_kdh_remote_client_compare_seq (gconstpointer a,
                                gconstpointer b,
                                gpointer      data)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static KdhOutputKind
kind_from_id (const gchar *id)
{
  if (g_strcmp0 (id, "target") == 0)
    return KDH_OUTPUT_TARGET;
  if (g_strcmp0 (id, "error") == 0)
    return KDH_OUTPUT_ERROR;
  if (g_strcmp0 (id, "echo") == 0)
    return KDH_OUTPUT_ECHO;
  return KDH_OUTPUT_DEBUGGER;
}

/* ---- Output ------------------------------------------------------------ */


void
_kdh_remote_client_send_ack (KdhRemoteClient *client)
{
  if (client->phase != PHASE_CONNECTED || client->expected <= client->acked)
    return;
  _kdh_remote_client_call_start (client, "Ack", g_variant_new ("(t)", client->expected - 1), NULL,
              KEEPALIVE_TIMEOUT_MS, NULL, FALSE);
  client->acked = client->expected;
  client->unacked_bytes = 0;
}

static void
post_chunk (KdhRemoteClient *client,
            const gchar     *kind,
            const gchar     *origin,
            const gchar     *text)
{
  KdhEvent *event;

  client->expected++;
  if (*text == '\0')
    return;
  event = kdh_event_new (KDH_EVENT_OUTPUT);
  event->output_kind = kind_from_id (kind);
  event->text = g_strdup (text);
  /* The server's own user types without a name; to a client that is
   * somebody else, so the echo says who. */
  if (origin && *origin)
    event->origin = g_strdup (origin);
  else if (event->output_kind == KDH_OUTPUT_ECHO)
    event->origin = g_strdup (client->server_name ? client->server_name : "server");
  kdh_host_post (client->host, event);
  client->unacked_bytes += strlen (text);
  if (client->unacked_bytes >= ACK_BYTES)
    _kdh_remote_client_send_ack (client);
}

static const gchar *
kind_id (KdhOutputKind kind)
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

static gboolean
first_held (gpointer key,
            gpointer value,
            gpointer data)
{
  *(guint64 *) data = *(guint64 *) key;
  return TRUE;
}

static gboolean
held_min (KdhRemoteClient *client,
          guint64         *seq)
{
  if (g_tree_nnodes (client->held) == 0)
    return FALSE;
  g_tree_foreach (client->held, first_held, seq);
  return TRUE;
}

/* Posts the held chunks that are next in line and forgets older ones. */
static void
drain_held (KdhRemoteClient *client)
{
  guint64 seq;

  while (held_min (client, &seq) && seq <= client->expected)
    {
      Chunk *chunk = g_tree_lookup (client->held, &seq);

      client->held_bytes -= strlen (chunk->text);
      if (seq == client->expected)
        post_chunk (client, kind_id (chunk->kind), chunk->origin, chunk->text);
      g_tree_remove (client->held, &seq);
    }
}

static void
hold_chunk (KdhRemoteClient *client,
            guint64          seq,
            const gchar     *kind,
            const gchar     *origin,
            const gchar     *text)
{
  Chunk *chunk;
  guint64 *key;

  if (g_tree_lookup (client->held, &seq) || client->held_bytes + strlen (text) > HELD_MAX_BYTES)
    return;
  chunk = g_new0 (Chunk, 1);
  chunk->kind = kind_from_id (kind);
  chunk->origin = g_strdup (origin);
  chunk->text = g_strdup (text);
  key = g_new (guint64, 1);
  *key = seq;
  g_tree_insert (client->held, key, chunk);
  client->held_bytes += strlen (text);
}

static void
report_lost_chunks (KdhRemoteClient *client,
                    guint64          count)
{
  kdh_host_printf (client->host, KDH_OUTPUT_ERROR,
                     g_dngettext (NULL, "[kdhost] %" G_GUINT64_FORMAT
                                  " piece of output is missing: the debugging server no longer "
                                  "keeps it.\n",
                                  "[kdhost] %" G_GUINT64_FORMAT
                                  " pieces of output are missing: the debugging server no longer "
                                  "keeps them.\n", count),
                     count);
}

static void
on_output_fetched (KdhRemoteClient *client,
                   GVariant        *reply,
                   const GError    *error)
{
  g_autoptr (GVariant) chunks = NULL;
  guint64 first, before = client->expected, seq, min;
  const gchar *kind, *origin, *text;
  GVariantIter iter;

  client->fetching = FALSE;
  if (error || client->phase != PHASE_CONNECTED)
    return;   /* a dead server is the keepalive's business; a gap is fetched again */
  g_variant_get (reply, "(t@a(tsss))", &first, &chunks);
  if (first > client->expected)
    {
      /* The history of a server that has run a while starts later. */
      if (!client->initial_fetch)
        report_lost_chunks (client, first - client->expected);
      client->expected = first;
    }
  client->initial_fetch = FALSE;
  g_variant_iter_init (&iter, chunks);
  while (g_variant_iter_next (&iter, "(t&s&s&s)", &seq, &kind, &origin, &text))
    {
      if (seq < client->expected)
        continue;
      if (seq > client->expected)
        {
          report_lost_chunks (client, seq - client->expected);
          client->expected = seq;
        }
      post_chunk (client, kind, origin, text);
    }
  drain_held (client);
  if (held_min (client, &min))
    {
      /* No progress although later chunks exist: the ones between are
       * gone from the server. */
      if (client->expected == before)
        {
          report_lost_chunks (client, min - client->expected);
          client->expected = min;
          drain_held (client);
        }
      if (g_tree_nnodes (client->held) > 0)
        _kdh_remote_client_fetch_output (client);
    }
}

void
_kdh_remote_client_fetch_output (KdhRemoteClient *client)
{
  if (client->fetching || client->phase != PHASE_CONNECTED)
    return;
  client->fetching = TRUE;
  _kdh_remote_client_call_start (client, "GetOutput", g_variant_new ("(t)", client->expected),
              G_VARIANT_TYPE ("(ta(tsss))"), FETCH_TIMEOUT_MS, on_output_fetched, FALSE);
}

void
_kdh_remote_client_receive_chunk (KdhRemoteClient *client,
                                  guint64          seq,
                                  const gchar     *kind,
                                  const gchar     *origin,
                                  const gchar     *text)
{
  if (seq < client->expected)
    return;   /* already posted (from GetOutput) */
  if (seq == client->expected && !client->fetching)
    {
      post_chunk (client, kind, origin, text);
      drain_held (client);
      return;
    }
  hold_chunk (client, seq, kind, origin, text);
  _kdh_remote_client_fetch_output (client);
}

gboolean
_kdh_remote_client_caught_up (gpointer data)
{
  KdhRemoteClient *client = data;

  return client->phase != PHASE_CONNECTED
         || (!client->fetching && g_tree_nnodes (client->held) == 0);
}

