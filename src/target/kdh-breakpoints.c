/* kdh-breakpoints.c: the debugger's own breakpoint table
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-breakpoints.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

struct _KdhBreakpoints
{
  GPtrArray *list;              /* KdhBreakpoint *, sorted by id */
};

static void
breakpoint_free (gpointer data)
{
  KdhBreakpoint *bp = data;

  g_free (bp->expression);
  g_free (bp->command);
  g_free (bp);
}

KdhBreakpoints *
kdh_breakpoints_new (void)
{
  KdhBreakpoints *bps = g_new0 (KdhBreakpoints, 1);

  bps->list = g_ptr_array_new_with_free_func (breakpoint_free);
  return bps;
}

void
kdh_breakpoints_free (KdhBreakpoints *bps)
{
  if (bps == NULL)
    return;
  g_ptr_array_unref (bps->list);
  g_free (bps);
}

KdhBreakpoint *
kdh_breakpoints_add (KdhBreakpoints   *bps,
                     KdhBreakpointKind kind)
{
  KdhBreakpoint *bp = g_new0 (KdhBreakpoint, 1);
  guint id = 0, i;

  /* The lowest id no breakpoint has, as KD numbers them. */
  for (i = 0; i < bps->list->len; i++)
    {
      KdhBreakpoint *other = g_ptr_array_index (bps->list, i);

      if (other->id != id)
        break;
      id++;
    }
  bp->id = id;
  bp->kind = kind;
  bp->enabled = TRUE;
  bp->access = 'e';
  bp->size = 1;
  g_ptr_array_insert (bps->list, (gint) i, bp);
  return bp;
}

void
kdh_breakpoints_remove (KdhBreakpoints *bps,
                        guint           id)
{
  for (guint i = 0; i < bps->list->len; i++)
    if (((KdhBreakpoint *) g_ptr_array_index (bps->list, i))->id == id)
      {
        g_ptr_array_remove_index (bps->list, i);
        return;
      }
}

KdhBreakpoint *
kdh_breakpoints_get (KdhBreakpoints *bps,
                     guint           id)
{
  for (guint i = 0; i < bps->list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (bps->list, i);

      if (bp->id == id)
        return bp;
    }
  return NULL;
}

gboolean
kdh_breakpoint_is_armed (const KdhBreakpoint *bp)
{
  return bp->enabled && (!bp->deferred || bp->resolved);
}

KdhBreakpoint *
kdh_breakpoints_find_at (KdhBreakpoints *bps,
                         guint64         address)
{
  for (guint i = 0; i < bps->list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (bps->list, i);

      if (bp->kind == KDH_BREAKPOINT_SOFTWARE && kdh_breakpoint_is_armed (bp)
          && bp->address == address)
        return bp;
    }
  return NULL;
}

GPtrArray *
kdh_breakpoints_list (KdhBreakpoints *bps)
{
  return bps->list;
}

guint
kdh_breakpoints_count_hardware (KdhBreakpoints      *bps,
                                const KdhBreakpoint *except)
{
  guint n = 0;

  for (guint i = 0; i < bps->list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (bps->list, i);

      n += bp != except && bp->kind == KDH_BREAKPOINT_HARDWARE && bp->enabled;
    }
  return n;
}

void
kdh_breakpoints_reset (KdhBreakpoints *bps)
{
  for (guint i = 0; i < bps->list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (bps->list, i);

      bp->handle = 0;
      if (bp->deferred)
        bp->resolved = FALSE;
    }
}

static gboolean
parse_id (const gchar *text,
          guint64     *id)
{
  gchar *end = NULL;

  if (!g_ascii_isxdigit (*text))
    return FALSE;
  /* KD reads breakpoint ids in the default radix, 16. */
  *id = g_ascii_strtoull (text, &end, 16);
  return end != NULL && *end == '\0' && *id <= G_MAXUINT;
}

static gint
compare_ids (gconstpointer a,
             gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

GArray *
kdh_breakpoints_parse_list (KdhBreakpoints *bps,
                            const gchar    *text,
                            GError        **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto (GStrv) words = g_strsplit_set (text, " \t,", -1);

  for (guint w = 0; words[w]; w++)
    {
      const gchar *word = words[w];
      const gchar *dash;
      guint64 lo, hi;

      if (*word == '\0')
        continue;
      if (strcmp (word, "*") == 0)
        {
          for (guint i = 0; i < bps->list->len; i++)
            g_array_append_val (ids, ((KdhBreakpoint *) g_ptr_array_index (bps->list, i))->id);
          continue;
        }
      dash = strchr (word, '-');
      if (dash != NULL)
        {
          g_autofree gchar *first = g_strndup (word, (gsize) (dash - word));

          if (!parse_id (first, &lo) || !parse_id (dash + 1, &hi) || hi < lo)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("'%s' is not a breakpoint number, a range (1-3) or '*'."), word);
              return NULL;
            }
          /* A range takes the breakpoints it holds. */
          for (guint i = 0; i < bps->list->len; i++)
            {
              KdhBreakpoint *bp = g_ptr_array_index (bps->list, i);

              if (bp->id >= lo && bp->id <= hi)
                g_array_append_val (ids, bp->id);
            }
          continue;
        }
      if (!parse_id (word, &lo))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("'%s' is not a breakpoint number, a range (1-3) or '*'."), word);
          return NULL;
        }
      if (kdh_breakpoints_get (bps, (guint) lo) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("There is no breakpoint %" G_GINT64_MODIFIER "x (bl lists them)."), lo);
          return NULL;
        }
      {
        guint id = (guint) lo;

        g_array_append_val (ids, id);
      }
    }
  g_array_sort (ids, compare_ids);
  for (guint i = 1; i < ids->len;)
    if (g_array_index (ids, guint, i) == g_array_index (ids, guint, i - 1))
      g_array_remove_index (ids, i);
    else
      i++;
  return g_steal_pointer (&ids);
}

guint64
kdh_breakpoints_debug_registers (KdhBreakpoints *bps,
                                 guint64         dr[KDH_BREAKPOINT_MAX_HARDWARE])
{
  guint64 dr7 = 0;
  guint slot = 0;

  memset (dr, 0, sizeof (guint64) * KDH_BREAKPOINT_MAX_HARDWARE);
  for (guint i = 0; i < bps->list->len && slot < KDH_BREAKPOINT_MAX_HARDWARE; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (bps->list, i);
      guint64 rw, len;

      if (bp->kind != KDH_BREAKPOINT_HARDWARE || !kdh_breakpoint_is_armed (bp))
        continue;
      /* R/W: 00 execute, 01 write, 10 I/O, 11 read or write; LEN: 00 one
       * byte, 01 two, 11 four, 10 eight. */
      rw = bp->access == 'e' ? 0 : bp->access == 'w' ? 1 : bp->access == 'i' ? 2 : 3;
      len = bp->size == 2 ? 1 : bp->size == 4 ? 3 : bp->size == 8 ? 2 : 0;
      dr[slot] = bp->address;
      dr7 |= G_GUINT64_CONSTANT (1) << (2 * slot);
      dr7 |= (rw | (len << 2)) << (16 + 4 * slot);
      slot++;
    }
  return dr7;
}
