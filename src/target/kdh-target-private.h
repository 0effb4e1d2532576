/* kdh-target-private.h: what the target model's files share
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kdh-target.c          the model: version, memory, registers, modules
 * kdh-target-registers.c  flags and control registers by name
 * kdh-target-symbols.c  PDBs matched to modules, names and addresses
 * kdh-symbol-path.c     the symbol path and the stores it names
 */
#pragma once

#include "kdh-target.h"

G_BEGIN_DECLS

typedef struct _KdhSymbolSettings KdhSymbolSettings;

KdhSymbolSettings *kdh_symbol_settings_new  (void);
void               kdh_symbol_settings_free (KdhSymbolSettings *settings);
KdhSymbolSettings *kdh_target_get_symbol_settings (KdhTarget *target);
void               kdh_module_symbols_free  (KdhModuleSymbols *symbols);

/* The model's insides that kdh-target-registers.c needs. */
GHashTable *_kdh_target_special_cache (KdhTarget           *target);
gboolean    _kdh_target_request       (KdhTarget           *target,
                                       const KdhManipulate *request,
                                       KdhManipulate       *reply,
                                       GBytes             **payload,
                                       GError             **error);
gboolean    _kdh_target_need_stop     (KdhTarget           *target,
                                       GError             **error);
void        _kdh_target_bad_register  (GError             **error,
                                       const gchar         *name);

G_END_DECLS
