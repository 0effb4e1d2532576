/* kdh-sim-guest.c: the simulated machine's Windows images, embedded
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-sim-guest.h"

#include <gio/gio.h>

/* Made by glib-compile-resources from src/sim/guest/'s build output. */
GResource *kdh_sim_guest_get_resource (void);
void kdh_sim_guest_register_resource (void);

static GResource *
get_resource (void)
{
  static gsize once;

  /* Registered once for the life of the process, never unregistered:
   * the data is static. */
  if (g_once_init_enter (&once))
    {
      kdh_sim_guest_register_resource ();
      g_once_init_leave (&once, 1);
    }
  return kdh_sim_guest_get_resource ();
}

GBytes *
kdh_sim_guest_image (const gchar *file_name)
{
  g_autofree gchar *path = NULL;

  g_return_val_if_fail (file_name != NULL, NULL);

  path = g_strconcat ("/org/kdhost/sim/guest/", file_name, NULL);
  return g_resource_lookup_data (get_resource (), path,
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}
