/* kdh-symbol-path.h: WinDbg's symbol path and the symbol stores it names
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A symbol path is elements separated by ';', tried in order: a plain
 * directory; cache*DIR (a local cache, also searched, that the server
 * elements after it copy into); srv*STORE*...*STORE (a symbol server
 * chain: the first stores are downstream caches, the last the server; an
 * empty store means the default cache). Stores use symsrv's layout,
 * NAME/KEY/NAME with KEY the PDB's GUID digits and age, file.ptr, and on
 * servers NAME with its last letter '_' (a CAB). A server's files are
 * downloaded into the nearest cache before it in the chain.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Offered each file that may be the PDB: TRUE takes it and ends the
 * search; FALSE (with a line in the log saying why) goes on. */
typedef gboolean (*KdhSymbolTryFunc) (const gchar *file,
                                      gpointer     data);

/* Downloads @url into @dest (@compressed: a CAB to expand into it);
 * FALSE (with a line in the log) to go on. */
typedef gboolean (*KdhSymbolFetchFunc) (const gchar *url,
                                        const gchar *dest,
                                        gboolean     compressed,
                                        gpointer     data,
                                        GString     *log);

typedef struct {
  const gchar *path;           /* the symbol path; NULL or "" searches nothing */
  const gchar *pdb_name;       /* "ntoskrnl.pdb": the RSDS record's, without folders */
  const gchar *image_name;     /* "ntoskrnl.exe": for DIR/exe/NAME */
  const gchar *key;            /* kdh_pdb_store_key() */
  KdhSymbolFetchFunc fetch;    /* for http:// and https:// stores; NULL: skip them */
  gpointer fetch_data;
} KdhSymbolQuery;

/* The file that @try took (in the nearest cache when it came from further
 * up a server chain and could be copied there), or NULL. @log receives a
 * line for each place looked at, as `!sym noisy` shows them. */
gchar   *kdh_symbol_path_find   (const KdhSymbolQuery *query,
                                 KdhSymbolTryFunc      try_file,
                                 gpointer              data,
                                 GString              *log);
/* $XDG_CACHE_HOME/kdhost/symbols */
gchar   *kdh_symbol_default_cache (void);
/* Checks @path's grammar: an element such as "srv" without '*' or an
 * empty store in the middle of a chain is refused with the reason. */
gboolean kdh_symbol_path_check  (const gchar  *path,
                                 GError      **error);

G_END_DECLS
