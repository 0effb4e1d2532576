/* kdh-front-end-keys.c: the keys a message names, as the front end has them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-front-end-keys.h"

/* KD's, in the console; not translated (key names are as printed on keys). */
static const gchar *const console_keys[KDH_FRONT_END_N_KEYS] = {
  "Ctrl+C", "Ctrl+R then Enter", "Ctrl+D then Enter", "Ctrl+B then Enter",
};

static const gchar *const *names = console_keys;

void
kdh_front_end_keys_set (const gchar *const *front_end_names)
{
  names = front_end_names ? front_end_names : console_keys;
}

const gchar *
kdh_front_end_key_name (KdhFrontEndKey key)
{
  g_return_val_if_fail (key < KDH_FRONT_END_N_KEYS, "");
  return names[key];
}
