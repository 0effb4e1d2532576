/* kdh-test-symsrv.h: a loopback symbol server for tests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serves files under a root in symsrv's layout with a libsoup server on
 * the test's main context: GET /PATH answers ROOT/PATH or 404;
 * /stall/... is accepted and never answered; /slow/PATH sends the first
 * half of ROOT/PATH and holds the rest until kdh_test_symsrv_release().
 * The guest images' PDBs are published with the GUID and age that
 * llvm-pdbutil reads (KDH_SIM_GUEST_DIR must be defined).
 */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  SoupServer *server;
  gchar *root;                 /* what /PATH serves: ROOT/PATH */
  gchar *url;                  /* http://127.0.0.1:PORT */
  GPtrArray *requests;         /* "GET /path -> status" */
  GPtrArray *stalled;          /* SoupServerMessage held without an answer */
  GPtrArray *slow;             /* SoupServerMessage sent half of its file */
  GPtrArray *slow_rest;        /* GBytes: the other half of each */
} Server;

void      kdh_test_symsrv_start     (Server      *s,
                                     const gchar *root);
void      kdh_test_symsrv_stop      (Server *s);
/* The server answered "GET /path -> status" (or "-> stalled"). */
gboolean  kdh_test_symsrv_requested (Server      *s,
                                     const gchar *format,
                                     ...) G_GNUC_PRINTF (2, 3);
/* Sends the rest of every /slow/ file. */
void      kdh_test_symsrv_release   (Server *s);
/* symsrv's directory for @pdb: GUID digits and age, from llvm-pdbutil. */
gchar    *kdh_test_symsrv_store_key (const gchar *pdb);
gchar    *kdh_test_symsrv_guest_file (const gchar *name,
                                      gsize       *len);
/* Puts @pdb into the store under @root, as is or as a CAB (name.pd_). */
void      kdh_test_symsrv_publish   (const gchar *root,
                                     const gchar *pdb,
                                     gboolean     compressed);

G_END_DECLS
