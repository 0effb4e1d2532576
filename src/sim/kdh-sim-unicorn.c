/* kdh-sim-unicorn.c: the Unicorn CPU emulator, loaded on first use
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-sim-unicorn.h"

#include <dlfcn.h>

#include <gio/gio.h>

static KdhUnicorn api;
static gchar *load_error;

static gpointer
load (gpointer data)
{
  static const gchar *const names[] = { "libunicorn.so.2", "libunicorn.so" };
  void *lib = NULL;
  unsigned int major = 0, minor = 0;
  unsigned int (*version) (unsigned int *, unsigned int *);

  for (guint i = 0; i < G_N_ELEMENTS (names) && lib == NULL; i++)
    lib = dlopen (names[i], RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL)
    {
      load_error = g_strdup_printf ("the Unicorn CPU emulator could not be loaded (%s); "
                                    "install libunicorn2 (scripts/install-deps)", dlerror ());
      return NULL;
    }
  /* The library stays loaded for the life of the process. */
#define SYM(field, name) \
  if ((*(void **) &api.field = dlsym (lib, name)) == NULL) \
    { \
      load_error = g_strdup_printf ("the Unicorn library has no %s", name); \
      return NULL; \
    }
  *(void **) &version = dlsym (lib, "uc_version");
  if (version == NULL)
    {
      load_error = g_strdup ("the Unicorn library has no uc_version");
      return NULL;
    }
  version (&major, &minor);
  if (major < 2)
    {
      load_error = g_strdup_printf ("Unicorn %u.%u is too old: kdhost-sim needs 2.0 or later",
                                    major, minor);
      return NULL;
    }
  SYM (open, "uc_open");
  SYM (close, "uc_close");
  SYM (mem_map_ptr, "uc_mem_map_ptr");
  SYM (reg_read, "uc_reg_read");
  SYM (reg_write, "uc_reg_write");
  SYM (emu_start, "uc_emu_start");
  SYM (emu_stop, "uc_emu_stop");
  SYM (hook_add, "uc_hook_add");
  SYM (hook_del, "uc_hook_del");
  SYM (ctl, "uc_ctl");
  SYM (strerror, "uc_strerror");
#undef SYM
  return &api;
}

const KdhUnicorn *
kdh_unicorn_get (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  const KdhUnicorn *result = g_once (&once, load, NULL);

  if (result == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, load_error);
  return result;
}
