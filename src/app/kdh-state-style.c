/* kdh-state-style.c: how connection states look
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-state-style.h"

void
kdh_state_style_get_color (KdhConnState  state,
                           GdkRGBA      *color)
{
  /* GNOME palette: grey idle, blues while connecting, amber stopped,
   * green running, violet resynchronizing, red lost. */
  static const gchar *colors[] = {
    [KDH_CONN_DISCONNECTED] = "#9a9996",
    [KDH_CONN_OPENING] = "#99c1f1",
    [KDH_CONN_WAITING] = "#62a0ea",
    [KDH_CONN_SYNCHRONIZING] = "#1c71d8",
    [KDH_CONN_BREAK] = "#e5a50a",
    [KDH_CONN_RUNNING] = "#2ec27e",
    [KDH_CONN_RESYNCHRONIZING] = "#9141ac",
    [KDH_CONN_RESTARTING] = "#c061cb",
    [KDH_CONN_LOST] = "#e01b24",
  };

  if ((guint) state >= G_N_ELEMENTS (colors) || !gdk_rgba_parse (color, colors[state]))
    gdk_rgba_parse (color, "#9a9996");
}
