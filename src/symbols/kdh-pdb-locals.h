/* kdh-pdb-locals.h: a procedure's parameters and where they live
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * From the procedure's records in its module's symbol stream: S_LOCAL
 * records flagged as parameters with their S_DEFRANGE_* location ranges
 * (what optimizing compilers such as clang emit), or, without them, the
 * first records of the procedure's argument count among S_REGREL32,
 * S_BPREL32 and S_REGISTER (older compilers and unoptimized code). Records
 * of inlined calls and nested blocks are not the procedure's own. Bounds-
 * checked like the rest of the PDB.
 */
#pragma once

#include "kdh-pdb.h"

G_BEGIN_DECLS

/* CodeView's register numbers (CV_AMD64_* and the x86 ones they extend). */
#define KDH_CV_REG_NONE 0

typedef enum {
  KDH_PDB_LOCATION_REGISTER,        /* the value is in @cv_register */
  KDH_PDB_LOCATION_REGISTER_REL,    /* in memory at @cv_register + @offset */
} KdhPdbLocationKind;

typedef struct {
  KdhPdbLocationKind kind;
  guint16 cv_register;
  gint32 offset;
  guint32 start;                /* RVAs where it holds: [start, end) */
  guint32 end;
} KdhPdbLocation;

typedef struct {
  gchar *name;
  guint32 type;
  gboolean optimized_away;      /* the compiler says it lives nowhere */
  GArray *locations;            /* KdhPdbLocation; ranges with their gaps cut out */
} KdhPdbParameter;

/* The parameters of @function (a KDH_PDB_FUNCTION of @pdb), in order, as
 * KdhPdbParameter*; empty when the PDB describes none (a public PDB).
 * Frame-pointer-relative locations are given relative to the register
 * the procedure's S_FRAMEPROC names for parameters (on x86 its virtual
 * frame is not one, and such locations are left out). NULL with @error
 * when the records are damaged. */
GPtrArray *kdh_pdb_get_parameters (KdhPdb             *pdb,
                                   const KdhPdbSymbol *function,
                                   GError            **error);

/* Where @parameter is at @rva; NULL when nowhere there. */
const KdhPdbLocation *kdh_pdb_parameter_location (const KdhPdbParameter *parameter,
                                                  guint32                rva);

/* The declared number of parameters of a procedure type; -1 when
 * @procedure is not one (types must be loaded). */
gint       kdh_pdb_procedure_n_parameters (KdhPdb  *pdb,
                                           guint32  procedure);

G_END_DECLS
