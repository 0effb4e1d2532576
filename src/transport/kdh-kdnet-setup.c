/* kdh-kdnet-setup.c: what a user needs to set a target up for KDNET
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-kdnet-setup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gi18n.h>

#include "kd/kdh-kdnet.h"

gchar *
kdh_kdnet_setup_new_key (void)
{
  guint8 key[KDH_KDNET_KEY_SIZE];
  gsize done = 0;
  gchar *text;

  /* Not g_random_*(): the key is the only secret KDNET has. */
  while (done < sizeof key)
    {
      gssize n = getrandom (key + done, sizeof key - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom: %s", g_strerror (errno));
      done += (gsize) n;
    }
  text = kdh_kdnet_key_format (key);
  memset (key, 0, sizeof key);
  return text;
}

GStrv
kdh_kdnet_setup_host_addresses (void)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) == 0)
    {
      for (struct ifaddrs *i = list; i; i = i->ifa_next)
        {
          char text[INET_ADDRSTRLEN];

          if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET
              || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
            continue;
          if (inet_ntop (AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, text,
                         sizeof text))
            g_strv_builder_add (builder, text);
        }
      freeifaddrs (list);
    }
  return g_strv_builder_end (builder);
}

gchar *
kdh_kdnet_setup_bcdedit (const gchar *host_ip,
                         guint16      port,
                         const gchar *key)
{
  return g_strdup_printf ("bcdedit /dbgsettings net hostip:%s port:%u key:%s", host_ip, port, key);
}

gchar *
kdh_kdnet_setup_instructions (const gchar *key,
                              guint16      port)
{
  g_auto (GStrv) addresses = kdh_kdnet_setup_host_addresses ();
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, _("The KDNET key (anyone who has it can debug the target):\n"
                                 "  %s\n\n"), key);
  g_string_append (out, _("On the target, from an elevated command prompt, then restart it:\n"
                          "  bcdedit /debug on\n"));
  if (addresses[0] == NULL)
    {
      g_autofree gchar *line = kdh_kdnet_setup_bcdedit (_("<this machine's IPv4 address>"), port,
                                                        key);

      g_string_append_printf (out, "  %s\n", line);
    }
  for (guint i = 0; addresses[i]; i++)
    {
      g_autofree gchar *line = kdh_kdnet_setup_bcdedit (addresses[i], port, key);

      if (i == 1)
        g_string_append (out, _("  (or, to reach this machine at another of its addresses)\n"));
      g_string_append_printf (out, "  %s\n", line);
    }
  g_string_append_printf (out, _("\nThen debug it from here with:\n"
                                 "  kdhost-cli -k net:port=%u,key=%s\n"), port, key);
  return g_string_free (out, FALSE);
}
