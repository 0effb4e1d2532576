/* kdh-pdb-types.h: the types of a PDB's TPI stream
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Structures, classes, unions and enums with their members (offsets,
 * bitfields, enumerators), arrays, pointers, modifiers and procedures, by
 * type index; forward references resolve to their definitions by name.
 * Read on first use and bounds-checked like the rest of the PDB.
 */
#pragma once

#include "kdh-pdb.h"

G_BEGIN_DECLS

typedef enum {
  KDH_TYPE_BASE,               /* a simple type: Uint4B, Char, Void, ... */
  KDH_TYPE_POINTER,
  KDH_TYPE_MODIFIER,           /* const, volatile */
  KDH_TYPE_ARRAY,
  KDH_TYPE_STRUCT,             /* also classes */
  KDH_TYPE_UNION,
  KDH_TYPE_ENUM,
  KDH_TYPE_PROCEDURE,
  KDH_TYPE_BITFIELD,
  KDH_TYPE_OTHER,              /* a leaf this reader does not describe */
} KdhTypeKind;

typedef struct {
  KdhTypeKind kind;
  const gchar *name;           /* KD's name for base types; tags; NULL otherwise */
  guint64 size;                /* in bytes; 0 when unknown (void, forward) */
  guint32 element;             /* referent, element, modified, underlying, return type */
  guint32 field_list;          /* structs, unions, enums */
  gboolean is_signed;          /* base types */
  gboolean is_char;            /* base types that hold characters */
  gboolean is_forward;         /* a declaration without members */
  gboolean is_const;
  guint8 bit_position;         /* bitfields */
  guint8 bit_length;
} KdhType;

typedef struct {
  const gchar *name;
  guint32 type;                /* LF_MEMBER: its type; enumerators: 0 */
  guint64 value;               /* LF_MEMBER: its offset; enumerators: the value */
} KdhTypeMember;

/* Reads the TPI stream (once); FALSE with why when it is damaged. */
gboolean kdh_pdb_load_types      (KdhPdb      *pdb,
                                  GError     **error);
/* What @index is (simple types included); FALSE for an index outside the
 * stream. Needs kdh_pdb_load_types(). */
gboolean kdh_pdb_get_type        (KdhPdb      *pdb,
                                  guint32      index,
                                  KdhType     *type);
/* A forward reference's definition (same name, with members), or @index. */
guint32  kdh_pdb_resolve_type    (KdhPdb      *pdb,
                                  guint32      index);
/* A struct, union or enum by name (any case), its definition preferred; 0
 * when there is none. */
guint32  kdh_pdb_find_type       (KdhPdb      *pdb,
                                  const gchar *name);
/* The members of a field list, in order (data members and enumerators),
 * following continuations; NULL when @field_list is not one. */
GArray  *kdh_pdb_get_members     (KdhPdb      *pdb,
                                  guint32      field_list);
/* Its size in bytes, through modifiers and forward references. */
guint64  kdh_pdb_type_size       (KdhPdb      *pdb,
                                  guint32      index);
/* The type as KD's dt writes it: "Uint4B", "Ptr64 _LIST_ENTRY",
 * "[16] Char", "_KDHTEST_STATISTICS", "Pos 0, 3 Bits". */
gchar   *kdh_pdb_type_name       (KdhPdb      *pdb,
                                  guint32      index);

/* kdh-pdb-cnames.c: as C writes it: "unsigned long", "char *",
 * "struct _KDHTEST_DEVICE *". */
gchar   *kdh_pdb_c_type_name     (KdhPdb      *pdb,
                                  guint32      index);
/* A procedure type's parameters as x shows them: "(void)",
 * "(const char *, ...)"; NULL when @procedure is not a procedure. */
gchar   *kdh_pdb_procedure_arguments (KdhPdb  *pdb,
                                      guint32  procedure);

G_END_DECLS
