/* kdh-target-symbols.h: PDB symbols matched to the target's modules
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each module starts deferred, as in WinDbg. The first time a name or an
 * address in it is wanted, its RSDS record (GUID, age, PDB name) is read
 * from the image in target memory, the symbol path searched
 * (kdh-symbol-path.h), and a PDB taken only when its GUID and age match;
 * otherwise the module has its export symbols, with the reason kept. A
 * module's symbols go when the module list does (a reboot, a module load)
 * or on .reload. Engine thread only.
 */
#pragma once

#include "kdh-host.h"
#include "kdh-target.h"
#include "symbols/kdh-pdb.h"

G_BEGIN_DECLS

typedef enum {
  KDH_SYMBOLS_DEFERRED,
  KDH_SYMBOLS_PDB,
  KDH_SYMBOLS_EXPORT,
} KdhSymbolState;

typedef struct {
  KdhSymbolState state;
  const gchar *pdb_path;       /* PDB: the file */
  const KdhPdb *pdb;           /* PDB */
  const gchar *reason;         /* EXPORT: why no PDB; NULL when none was searched */
  gboolean have_rsds;          /* the image's CodeView record was read */
  guint8 guid[16];
  guint32 age;
  const gchar *pdb_name;       /* from the RSDS record */
  gboolean cancelled;          /* Ctrl+C stopped the search */
} KdhModuleSymbolInfo;

/* Where messages about symbol loading go (refusals always, the search
 * when noisy, download progress) and how downloads wait: the session's
 * host. */
void         kdh_target_set_symbol_host   (KdhTarget    *target,
                                           KdhHost      *host);
/* Ctrl+C: stops the download the current command waits for, if any. */
void         kdh_target_cancel_symbol_downloads (KdhTarget *target);
/* The symbol path; "" when there is none. Starts as $_NT_SYMBOL_PATH. */
const gchar *kdh_target_get_symbol_path   (KdhTarget    *target);
/* Checks the grammar first; modules keep what they have until reloaded. */
gboolean     kdh_target_set_symbol_path   (KdhTarget    *target,
                                           const gchar  *path,
                                           GError      **error);
void         kdh_target_set_symbols_noisy (KdhTarget    *target,
                                           gboolean      noisy);
gboolean     kdh_target_get_symbols_noisy (KdhTarget    *target);

/* Fills @info without loading anything. */
void         kdh_target_get_module_symbols (KdhTarget           *target,
                                            KdhModule           *module,
                                            KdhModuleSymbolInfo *info);
/* Loads a deferred module's symbols now (PDB or exports). */
void         kdh_target_load_symbols      (KdhTarget *target,
                                           KdhModule *module);
/* The module's PDB, loading the module's symbols if deferred; NULL when
 * it has export symbols only. */
KdhPdb      *kdh_target_get_pdb           (KdhTarget *target,
                                           KdhModule *module);
/* Back to deferred: the next use searches again. */
void         kdh_target_unload_symbols    (KdhTarget *target,
                                           KdhModule *module);

/* The module holding @address, or NULL. */
KdhModule   *kdh_target_module_at         (KdhTarget *target,
                                           guint64    address);
/* "nt", "ntoskrnl", "ntoskrnl.exe", any case. */
gboolean     kdh_target_module_matches    (const KdhModule *module,
                                           const gchar     *name);

G_END_DECLS
