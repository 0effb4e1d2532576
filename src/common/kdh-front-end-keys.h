/* kdh-front-end-keys.h: the keys a message names, as the front end has them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Break in first (Ctrl+C)" is right in the console and wrong in the
 * window, where Ctrl+Break does it. Messages from below the front end ask
 * here for the names; each program sets its own once, at start-up, before
 * any engine thread runs (they are read without a lock afterwards).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  KDH_FRONT_END_KEY_BREAK,     /* break in */
  KDH_FRONT_END_KEY_RESYNC,    /* resynchronize */
  KDH_FRONT_END_KEY_TRACE,     /* packet trace on or off */
  KDH_FRONT_END_KEY_QUIT,      /* end the session */
  KDH_FRONT_END_N_KEYS
} KdhFrontEndKey;

/* @names: KDH_FRONT_END_N_KEYS strings, kept (static storage). Until set,
 * the console's (KD's) keys. */
void         kdh_front_end_keys_set  (const gchar *const *names);
const gchar *kdh_front_end_key_name  (KdhFrontEndKey key);

G_END_DECLS
