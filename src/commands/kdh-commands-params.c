/* kdh-commands-params.c: kp's parameters, with their names and values
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where the PDB says a frame's parameter lives at the frame's instruction
 * (kdh-pdb-locals.h), its value is read from the frame's registers or
 * stack. On x64 unwinding restores only the nonvolatile registers of a
 * caller's frame: a parameter that lives in rcx, rdx, r8 or the like at a
 * call site is not known there, and is shown as KD shows it,
 * "<Value unavailable error>", as is one the compiler optimized away.
 */
#include "kdh-commands-private.h"

#include <string.h>

#include "symbols/kdh-pdb-locals.h"
#include "symbols/kdh-pdb-types.h"
#include "target/kdh-stack.h"
#include "target/kdh-target-symbols.h"

#define UNAVAILABLE "<Value unavailable error>"

/* A CodeView register: which of the frame's registers, how many bytes of
 * it from which bit. */
typedef struct {
  gint index;                   /* KDH_UNWIND_*, -1: not an integer register */
  guint size;
  guint shift;
} CvRegister;

static CvRegister
cv_register (guint16 cv)
{
  /* The low numbers follow ax cx dx bx sp bp si di, KdhUnwindRegs' order. */
  static const gint amd64[] = { KDH_UNWIND_RAX, KDH_UNWIND_RBX, KDH_UNWIND_RCX, KDH_UNWIND_RDX,
                                KDH_UNWIND_RSI, KDH_UNWIND_RDI, KDH_UNWIND_RBP, KDH_UNWIND_RSP };
  static const gint byte_regs[] = { KDH_UNWIND_RSI, KDH_UNWIND_RDI, KDH_UNWIND_RBP,
                                    KDH_UNWIND_RSP };

  if (cv >= 1 && cv <= 4)                                    /* al cl dl bl */
    return (CvRegister) { cv - 1, 1, 0 };
  if (cv >= 5 && cv <= 8)                                    /* ah ch dh bh */
    return (CvRegister) { cv - 5, 1, 8 };
  if (cv >= 9 && cv <= 16)                                   /* ax .. di */
    return (CvRegister) { cv - 9, 2, 0 };
  if (cv >= 17 && cv <= 24)                                  /* eax .. edi */
    return (CvRegister) { cv - 17, 4, 0 };
  if (cv == 33)                                              /* eip, rip */
    return (CvRegister) { KDH_UNWIND_RIP, 8, 0 };
  if (cv >= 324 && cv <= 327)                                /* sil dil bpl spl */
    return (CvRegister) { byte_regs[cv - 324], 1, 0 };
  if (cv >= 328 && cv <= 335)                                /* rax .. rsp */
    return (CvRegister) { amd64[cv - 328], 8, 0 };
  if (cv >= 336 && cv <= 343)                                /* r8 .. r15 */
    return (CvRegister) { KDH_UNWIND_R8 + (cv - 336), 8, 0 };
  if (cv >= 344 && cv <= 351)                                /* r8b .. r15b */
    return (CvRegister) { KDH_UNWIND_R8 + (cv - 344), 1, 0 };
  if (cv >= 352 && cv <= 359)                                /* r8w .. r15w */
    return (CvRegister) { KDH_UNWIND_R8 + (cv - 352), 2, 0 };
  if (cv >= 360 && cv <= 367)                                /* r8d .. r15d */
    return (CvRegister) { KDH_UNWIND_R8 + (cv - 360), 4, 0 };
  return (CvRegister) { -1, 0, 0 };
}

/* Whether frame @n's value of register @index is known: all of them in
 * frame 0; in a caller's frame those unwinding restores (x64's
 * nonvolatile ones; on x86 the EBP chain gives ebp, esp and eip only). */
static gboolean
register_known (KdhTarget *target,
                guint      n,
                gint       index)
{
  if (index < 0)
    return FALSE;
  if (n == 0)
    return TRUE;
  switch (index)
    {
    case KDH_UNWIND_RSP: case KDH_UNWIND_RBP: case KDH_UNWIND_RIP:
      return TRUE;
    case KDH_UNWIND_RBX: case KDH_UNWIND_RSI: case KDH_UNWIND_RDI:
    case KDH_UNWIND_R12: case KDH_UNWIND_R13: case KDH_UNWIND_R14: case KDH_UNWIND_R15:
      return kdh_target_get_machine (target) != KDH_MACHINE_I386;
    default:
      return FALSE;
    }
}

static guint64
mask (guint64 value,
      guint   size)
{
  return size >= 8 ? value : value & ((G_GUINT64_CONSTANT (1) << (size * 8)) - 1);
}

/* The raw bytes of a parameter of @size bytes at @loc in frame @n. */
static gboolean
read_location (KdhTarget            *target,
               const KdhStackFrame  *f,
               guint                 n,
               const KdhPdbLocation *loc,
               guint                 size,
               guint64              *value)
{
  CvRegister reg = cv_register (loc->cv_register);
  guint8 bytes[8] = { 0 };
  gsize got = 0;
  guint64 at;

  if (!register_known (target, n, reg.index))
    return FALSE;
  if (loc->kind == KDH_PDB_LOCATION_REGISTER)
    {
      *value = mask (f->regs.r[reg.index] >> reg.shift, MIN (reg.size, size));
      return TRUE;
    }
  at = mask (f->regs.r[reg.index] >> reg.shift, reg.size) + (gint64) loc->offset;
  if (size == 0 || size > 8
      || !kdh_target_read_virtual (target, at, bytes, size, &got, NULL) || got != size)
    return FALSE;
  *value = 0;
  for (guint i = 0; i < size; i++)
    *value |= (guint64) bytes[i] << (8 * i);
  return TRUE;
}

static gchar *
format_unsigned (guint64 value)
{
  if (value == 0)
    return g_strdup ("0");
  if (value > G_MAXUINT32)
    return g_strdup_printf ("0x%08x`%08x", (guint32) (value >> 32), (guint32) value);
  return g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", value);
}

static gint64
sign_extend (guint64 value,
             guint   size)
{
  if (size >= 8)
    return (gint64) value;
  if (value & (G_GUINT64_CONSTANT (1) << (size * 8 - 1)))
    value |= ~((G_GUINT64_CONSTANT (1) << (size * 8)) - 1);
  return (gint64) value;
}

/* @index's type through const and volatile (a bounded chain). */
static gboolean
unmodified_type (KdhPdb  *pdb,
                 guint32 *index,
                 KdhType *type)
{
  *index = kdh_pdb_resolve_type (pdb, *index);
  for (guint i = 0; i < 8; i++)
    {
      if (!kdh_pdb_get_type (pdb, *index, type))
        return FALSE;
      if (type->kind != KDH_TYPE_MODIFIER)
        return TRUE;
      *index = kdh_pdb_resolve_type (pdb, type->element);
    }
  return FALSE;
}

/* A value of @index as KD's kp writes it. */
static gchar *
format_value (KdhTarget *target,
              KdhPdb    *pdb,
              guint32    index,
              guint64    value)
{
  KdhType type;

  if (!unmodified_type (pdb, &index, &type))
    return format_unsigned (value);
  switch (type.kind)
    {
    case KDH_TYPE_POINTER:
      {
        g_autofree gchar *a = kdh_commands_format_address (target, value);

        return g_strdup_printf ("0x%s", a);
      }
    case KDH_TYPE_ENUM:
      {
        g_autoptr (GArray) members = kdh_pdb_get_members (pdb, type.field_list);
        guint size = (guint) kdh_pdb_type_size (pdb, index);

        for (guint i = 0; members != NULL && i < members->len; i++)
          {
            const KdhTypeMember *m = &g_array_index (members, KdhTypeMember, i);

            if (mask (m->value, size ? size : 4) == mask (value, size ? size : 4))
              return g_strdup_printf ("%s (0n%" G_GINT64_FORMAT ")", m->name,
                                      sign_extend (value, size ? size : 4));
          }
        return g_strdup_printf ("0n%" G_GINT64_FORMAT, sign_extend (value, size ? size : 4));
      }
    case KDH_TYPE_BASE:
      if (type.name != NULL && g_str_equal (type.name, "Bool"))
        return g_strdup (value ? "true" : "false");
      if (type.name != NULL && g_str_equal (type.name, "Float") && type.size == 4)
        {
          guint32 bits = (guint32) value;
          gfloat f;

          memcpy (&f, &bits, sizeof f);
          return g_strdup_printf ("%g", (gdouble) f);
        }
      if (type.name != NULL && g_str_equal (type.name, "Double") && type.size == 8)
        {
          gdouble d;

          memcpy (&d, &value, sizeof d);
          return g_strdup_printf ("%g", d);
        }
      if (type.is_char)
        {
          gint64 c = type.is_signed ? sign_extend (value, (guint) type.size) : (gint64) value;

          if (c >= 0x20 && c < 0x7F)
            return g_strdup_printf ("0n%" G_GINT64_FORMAT " '%c'", c, (gchar) c);
          return g_strdup_printf ("0n%" G_GINT64_FORMAT " ''", c);
        }
      if (type.is_signed)
        return g_strdup_printf ("0n%" G_GINT64_FORMAT, sign_extend (value, (guint) type.size));
      return format_unsigned (value);
    default:
      return kdh_pdb_c_type_name (pdb, index);
    }
}

/* Frame @n's value of @p as text. */
static gchar *
parameter_value (KdhTarget             *target,
                 KdhPdb                *pdb,
                 const GArray          *frames,
                 guint                  n,
                 guint64                base,
                 const KdhPdbParameter *p)
{
  const KdhStackFrame *f = &g_array_index (frames, KdhStackFrame, n);
  guint64 size = kdh_pdb_type_size (pdb, p->type);
  gboolean at_call = n > 0 && !g_array_index (frames, KdhStackFrame, n - 1).trap_frame;
  const KdhPdbLocation *loc;
  guint32 index = p->type;
  KdhType type;
  guint64 value;

  if (p->optimized_away)
    return g_strdup (UNAVAILABLE);
  /* A caller is inside its call instruction: the locations at the byte
   * before the return address. Where that is a register unwinding does not
   * give back, the location the value has when the call returns holds it
   * too, as no instruction of the caller runs in between and the callee
   * keeps it. */
  loc = kdh_pdb_parameter_location (p, (guint32) (f->instruction - (at_call ? 1 : 0) - base));
  if (at_call && (loc == NULL || (loc->kind == KDH_PDB_LOCATION_REGISTER
                                  && !register_known (target, n,
                                                      cv_register (loc->cv_register).index))))
    {
      const KdhPdbLocation *after = kdh_pdb_parameter_location (p, (guint32) (f->instruction
                                                                              - base));

      if (after != NULL && register_known (target, n, cv_register (after->cv_register).index))
        loc = after;
    }
  if (loc == NULL)
    return g_strdup (UNAVAILABLE);
  /* Aggregates passed by value are shown by their type, as KD does. */
  if (unmodified_type (pdb, &index, &type)
      && (type.kind == KDH_TYPE_STRUCT || type.kind == KDH_TYPE_UNION
          || type.kind == KDH_TYPE_ARRAY))
    return kdh_pdb_c_type_name (pdb, p->type);
  if (!read_location (target, f, n, loc, size ? (guint) size : 8, &value))
    return g_strdup (UNAVAILABLE);
  return format_value (target, pdb, p->type, value);
}

gchar *
kdh_commands_kp_site (KdhTarget    *target,
                      const GArray *frames,
                      guint         n)
{
  const KdhStackFrame *f = &g_array_index (frames, KdhStackFrame, n);
  KdhModule *m = kdh_target_module_at (target, f->instruction);
  KdhPdb *pdb = m != NULL ? kdh_target_get_pdb (target, m) : NULL;
  g_autofree gchar *site = NULL;
  g_autoptr (GPtrArray) params = NULL;
  g_autoptr (GString) out = NULL;
  const KdhPdbSymbol *sym;
  const gchar *bang;

  if (pdb == NULL || !kdh_pdb_load_types (pdb, NULL))
    return NULL;
  sym = kdh_pdb_lookup_address (pdb, (guint32) (f->instruction - m->base), NULL);
  if (sym == NULL || sym->kind != KDH_PDB_FUNCTION || sym->type_index == 0
      || kdh_pdb_procedure_n_parameters (pdb, sym->type_index) <= 0)
    return NULL;
  params = kdh_pdb_get_parameters (pdb, sym, NULL);
  if (params == NULL || params->len == 0)
    return NULL;
  site = kdh_target_symbolize (target, f->instruction);
  bang = site != NULL ? strchr (site, '!') : NULL;
  if (bang == NULL || strncmp (bang + 1, sym->name, strlen (sym->name)) != 0)
    return NULL;
  out = g_string_new (NULL);
  g_string_append_len (out, site, bang + 1 + strlen (sym->name) - site);
  g_string_append_c (out, '(');
  for (guint i = 0; i < params->len; i++)
    {
      const KdhPdbParameter *p = params->pdata[i];
      g_autofree gchar *type = kdh_pdb_c_type_name (pdb, p->type);
      g_autofree gchar *value = parameter_value (target, pdb, frames, n, m->base, p);

      g_string_append_printf (out, "%s%s %s = %s", i ? ", " : "", type, p->name, value);
    }
  g_string_append_c (out, ')');
  g_string_append (out, bang + 1 + strlen (sym->name));
  return g_string_free (g_steal_pointer (&out), FALSE);
}
