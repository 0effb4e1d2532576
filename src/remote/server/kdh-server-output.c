/* kdh-server-output.c: the output flow to one client of the debugging server
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 * * Output reaches a client as Output signals, in sequence order, from the
 * shared history. GDBus queues signals without limit, so a client that
 * does not acknowledge (Ack, or catching up with GetOutput) more than
 * KDH_REMOTE_MAX_UNACKED bytes stops getting them; it is fed again from
 * the history once it catches up. The bytes counted are what a queued
 * signal costs (KDH_SERVER_SIGNAL_COST), not just its text. With the
 * stream's back-pressure on its requests, that keeps what the server holds
 * for any one client bounded.
 */
#include "kdh-server-private.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- Output flow ------------------------------------------------------- */

guint64
kdh_server_client_unacked (KdhServerClient *client)
{
  return client->sent_end - client->acked_end;
}

static void
emit (KdhServerClient *client,
      const gchar     *member,
      GVariant        *parameters)
{
  /* A closed connection refuses; its "closed" handler cleans up. */
  g_dbus_connection_emit_signal (client->connection, NULL, KDH_REMOTE_OBJECT_PATH,
                                 KDH_REMOTE_INTERFACE, member, parameters, NULL);
}

void
kdh_server_client_signal_state (KdhServerClient *client)
{
  if (client->phase != KDH_CLIENT_GREETED || client->set == NULL || client->set->state == NULL)
    return;
  if (client->stalled)
    {
      client->state_missed = TRUE;
      return;
    }
  client->state_missed = FALSE;
  emit (client, "StateChanged", client->set->state);
}

void
kdh_server_client_signal_prompt (KdhServerClient *client)
{
  if (client->phase != KDH_CLIENT_GREETED || client->set == NULL)
    return;
  if (client->stalled)
    {
      client->prompt_missed = TRUE;
      return;
    }
  client->prompt_missed = FALSE;
  emit (client, "Prompt", g_variant_new ("(sb)", client->set->prompt, client->set->ready));
}

static void
stall (KdhServerClient *client)
{
  client->stalled = TRUE;
  kdh_server_set_notice (client->set, KDH_OUTPUT_DEBUGGER,
                         _("Client %s is not keeping up: its output is paused until it "
                           "catches up.\n"), kdh_server_client_name (client));
}

void
kdh_server_client_pump (KdhServerClient *client)
{
  KdhServerHistory *history;

  if (client->phase != KDH_CLIENT_GREETED || client->set == NULL)
    return;
  history = client->set->history;
  if (client->stalled)
    {
      /* Some slack before it is fed again, so that a slow reader is not
       * paused and resumed for every chunk. */
      if (kdh_server_client_unacked (client) > KDH_REMOTE_MAX_UNACKED / 2)
        return;
      client->stalled = FALSE;
      if (client->state_missed)
        kdh_server_client_signal_state (client);
      if (client->prompt_missed)
        kdh_server_client_signal_prompt (client);
    }
  while (client->next_seq < kdh_server_history_next_seq (history))
    {
      const KdhServerChunk *chunk;

      if (kdh_server_client_unacked (client) > KDH_REMOTE_MAX_UNACKED)
        {
          stall (client);
          return;
        }
      chunk = kdh_server_history_get (history, client->next_seq);
      if (chunk == NULL)
        {
          /* Gone from the history while the client was behind: it sees
           * the gap in the sequence numbers. What was skipped was never
           * sent, so it does not count as unacknowledged. */
          guint64 first = kdh_server_history_first_seq (history);
          const KdhServerChunk *oldest = kdh_server_history_get (history, first);
          guint64 skipped = oldest->end - oldest->cost - client->sent_end;

          client->sent_end += skipped;
          client->acked_end += skipped;
          client->next_seq = first;
          continue;
        }
      emit (client, "Output",
            g_variant_new ("(tsss)", chunk->seq, kdh_server_output_kind_id (chunk->kind),
                           chunk->origin, chunk->text));
      client->next_seq = chunk->seq + 1;
      client->sent_end = chunk->end;
    }
}

/* The client has everything up to @seq (an Ack, or a GetOutput reply). */
void
kdh_server_client_acknowledge (KdhServerClient *client,
                               guint64          seq)
{
  guint64 end;

  const KdhServerChunk *chunk;

  if (client->next_seq == 0)
    return;
  if (seq >= client->next_seq - 1)
    client->acked_end = client->sent_end;     /* no credit for the future */
  else if ((chunk = kdh_server_history_get (client->set->history, seq)))
    client->acked_end = CLAMP (chunk->end, client->acked_end, client->sent_end);
  else if (kdh_server_history_end_of (client->set->history, seq, &end))
    client->acked_end = CLAMP (end, client->acked_end, client->sent_end);
}

