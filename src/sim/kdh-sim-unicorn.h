/* kdh-sim-unicorn.h: the Unicorn CPU emulator, loaded on first use
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Debian's libunicorn.so.2 exports its own copies of 85 GLib functions
 * (g_hash_table_new, g_free, ...). Linked normally, whichever library the
 * dynamic linker meets first serves every caller, so GObject would build
 * its tables with Unicorn's copy and crash in GLib's. Loaded with
 * dlopen(RTLD_LOCAL) after GLib, Unicorn's symbols stay private and its
 * own calls to those functions bind to GLib, which implements the same
 * API. Calls go through the table below.
 */
#pragma once

#include <glib.h>
#include <unicorn/unicorn.h>

G_BEGIN_DECLS

typedef struct {
  uc_err (*open) (uc_arch arch, uc_mode mode, uc_engine **uc);
  uc_err (*close) (uc_engine *uc);
  uc_err (*mem_map_ptr) (uc_engine *uc, uint64_t address, size_t size, uint32_t perms, void *ptr);
  uc_err (*reg_read) (uc_engine *uc, int regid, void *value);
  uc_err (*reg_write) (uc_engine *uc, int regid, const void *value);
  uc_err (*emu_start) (uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout,
                       size_t count);
  uc_err (*emu_stop) (uc_engine *uc);
  uc_err (*hook_add) (uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data,
                      uint64_t begin, uint64_t end, ...);
  uc_err (*hook_del) (uc_engine *uc, uc_hook hh);
  uc_err (*ctl) (uc_engine *uc, uc_control_type control, ...);
  const char *(*strerror) (uc_err code);
} KdhUnicorn;

/* The loaded library, or NULL with @error set (not installed, or too old). */
const KdhUnicorn *kdh_unicorn_get (GError **error);

G_END_DECLS
