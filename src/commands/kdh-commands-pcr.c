/* kdh-commands-pcr.c: !pcr, the processor's KPCR and KPRCB
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The KPCR's address comes from control space (what a live x64 target
 * answers for index 0) or, where that is not served (a crash dump), from
 * KdDebuggerDataBlock's KiProcessorBlock less the KPRCB's offset in the
 * KPCR. Each field's offset comes from nt's PDB types (_KPCR, _KPRCB)
 * where the symbols have them, else from the offsets KdDebuggerDataBlock
 * publishes; the processor's special registers (IDTR, GDTR, TR, CR8) fill
 * in what neither gives. A field nothing gives is named as not shown.
 */
#include "kdh-commands-crashdump.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-le.h"
#include "kd/kdh-context.h"
#include "kd/kdh-special.h"
#include "symbols/kdh-pdb-types.h"
#include "target/kdh-target-symbols.h"

#define say kdh_command_call_print

/* Control space on x64: indexes, and KSPECIAL_REGISTERS' fields. */
#define CONTROL_KPCR      0
#define CONTROL_KTHREAD   3

/* KDDEBUGGER_DATA64 (the published wdbgexts.h layout). */
#define KDBG_SIZE                      0x014
#define KDBG_KI_PROCESSOR_BLOCK        0x218
#define KDBG_OFFSET_PRCB_CURRENT_THREAD 0x2B4
#define KDBG_OFFSET_PCR_SELF_PCR       0x2E2
#define KDBG_OFFSET_PCR_CURRENT_PRCB   0x2E4
#define KDBG_OFFSET_PCR_CONTAINED_PRCB 0x2E6
#define KDBG_OFFSET_PRCB_IDLE_THREAD   0x350
#define KDBG_READ                      0x358

/* The fields !pcr shows. */
enum {
  F_MAJOR, F_MINOR, F_SELF, F_PRCB, F_IRQL, F_IDT, F_GDT, F_TSS, F_CONTAINED,
  F_CURRENT_THREAD, F_NEXT_THREAD, F_IDLE_THREAD, N_FIELDS
};

static const struct {
  const gchar *label;           /* as KD's !pcr names it; NULL: not shown */
  const gchar *member;          /* in _KPCR or _KPRCB */
  gboolean in_prcb;
} fields[N_FIELDS] = {
  [F_MAJOR] = { "Major", "MajorVersion", FALSE },
  [F_MINOR] = { "Minor", "MinorVersion", FALSE },
  [F_SELF] = { "SelfPcr", "Self", FALSE },
  [F_PRCB] = { "Prcb", "CurrentPrcb", FALSE },
  [F_IRQL] = { "Irql", "Irql", FALSE },
  [F_IDT] = { "IDT", "IdtBase", FALSE },
  [F_GDT] = { "GDT", "GdtBase", FALSE },
  [F_TSS] = { "TSS", "TssBase", FALSE },
  [F_CONTAINED] = { NULL, "Prcb", FALSE },
  [F_CURRENT_THREAD] = { "CurrentThread", "CurrentThread", TRUE },
  [F_NEXT_THREAD] = { "NextThread", "NextThread", TRUE },
  [F_IDLE_THREAD] = { "IdleThread", "IdleThread", TRUE },
};

typedef struct {
  gboolean known;
  guint32 offset;
  guint size;
} Layout;

typedef struct {
  gboolean known;
  guint64 value;
  const gchar *source;          /* where it came from when not the KPCR ("CR8") */
} Value;

/* Offsets of the members of nt's @type_name from its PDB. */
static void
layout_from_pdb (KdhPdb      *pdb,
                 const gchar *type_name,
                 gboolean     in_prcb,
                 Layout       layout[N_FIELDS])
{
  guint32 index = pdb != NULL ? kdh_pdb_find_type (pdb, type_name) : 0;
  g_autoptr (GArray) members = NULL;
  KdhType type;

  if (index == 0 || !kdh_pdb_get_type (pdb, index, &type) || type.is_forward)
    return;
  members = kdh_pdb_get_members (pdb, type.field_list);
  for (guint i = 0; members != NULL && i < members->len; i++)
    {
      const KdhTypeMember *m = &g_array_index (members, KdhTypeMember, i);
      guint64 size = kdh_pdb_type_size (pdb, m->type);

      for (guint f = 0; f < N_FIELDS; f++)
        if (fields[f].in_prcb == in_prcb && g_str_equal (fields[f].member, m->name)
            && !layout[f].known && m->value < 0x10000 && size >= 1 && size <= 8)
          layout[f] = (Layout) { TRUE, (guint32) m->value, (guint) size };
      /* The contained KPRCB: its offset, whatever its size. */
      if (!in_prcb && g_str_equal (m->name, "Prcb") && !layout[F_CONTAINED].known)
        layout[F_CONTAINED] = (Layout) { TRUE, (guint32) m->value, 0 };
    }
}

/* Offsets KdDebuggerDataBlock publishes, for fields the PDB did not give;
 * @kdbg holds its first KDBG_READ bytes (@size of them valid). */
static void
layout_from_kdbg (const guint8 *kdbg,
                  gsize         size,
                  Layout        layout[N_FIELDS])
{
  static const struct { guint field; guint32 at; guint width; } published[] = {
    { F_SELF, KDBG_OFFSET_PCR_SELF_PCR, 8 },
    { F_PRCB, KDBG_OFFSET_PCR_CURRENT_PRCB, 8 },
    { F_CONTAINED, KDBG_OFFSET_PCR_CONTAINED_PRCB, 0 },
    { F_CURRENT_THREAD, KDBG_OFFSET_PRCB_CURRENT_THREAD, 8 },
    { F_IDLE_THREAD, KDBG_OFFSET_PRCB_IDLE_THREAD, 8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (published); i++)
    {
      guint f = published[i].field;
      guint16 offset;

      if (layout[f].known || published[i].at + 2 > size)
        continue;
      offset = kdh_read_le16 (kdbg + published[i].at);
      /* A zero offset is "not published" except for a field that is
       * first in its block, which none of these is. */
      if (offset != 0)
        layout[f] = (Layout) { TRUE, offset, published[i].width };
    }
}

static gboolean
read_control (KdhSession *s,
              guint       cpu,
              guint64     index,
              guint8     *buffer,
              gsize       length)
{
  KdhManipulate request, reply;
  g_autoptr (GBytes) payload = NULL;

  kdh_manipulate_init_memory (&request, KDH_API_READ_CONTROL_SPACE, (guint16) cpu, index,
                              (guint32) length);
  if (!kdh_session_request (s, &request, NULL, 0, &reply, &payload, NULL))
    return FALSE;
  if (reply.return_status != KDH_STATUS_SUCCESS || reply.data_len < length)
    return FALSE;
  memcpy (buffer, reply.data, length);
  return TRUE;
}

/* A register of @cpu's KSPECIAL_REGISTERS ("idtr", "cr8"), read once per
 * stop by the target layer; FALSE when the target did not give it. */
static gboolean
special_register (KdhTarget   *target,
                  guint        cpu,
                  const gchar *name,
                  guint64     *value)
{
  g_autoptr (GBytes) special = kdh_target_get_special (target, cpu, NULL);
  const KdhRegisterInfo *reg = kdh_special_find (kdh_target_get_machine (target), name);

  return special != NULL && reg != NULL
         && kdh_context_get (g_bytes_get_data (special, NULL), g_bytes_get_size (special), reg,
                             value);
}

/* All of [@address, +@length) or FALSE. */
static gboolean
read_all (KdhTarget *target,
          guint64    address,
          guint8    *buffer,
          gsize      length,
          GError   **error)
{
  gsize got = 0;

  if (!kdh_target_read_virtual (target, address, buffer, length, &got, error))
    return FALSE;
  if (got < length)
    {
      g_autofree gchar *where = kdh_commands_format_address (target, address + got);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Memory access error at %s."), where);
      return FALSE;
    }
  return TRUE;
}

/* The fields of @layout in [base, base + read) of the block at @base. */
static gboolean
read_fields (KdhTarget    *target,
             guint64       base,
             gboolean      in_prcb,
             const Layout  layout[N_FIELDS],
             Value         values[N_FIELDS],
             GError      **error)
{
  g_autofree guint8 *block = NULL;
  guint32 end = 0;

  for (guint f = 0; f < N_FIELDS; f++)
    if (fields[f].in_prcb == in_prcb && layout[f].known && layout[f].size > 0)
      end = MAX (end, layout[f].offset + layout[f].size);
  if (end == 0)
    return TRUE;
  block = g_malloc (end);
  if (!read_all (target, base, block, end, error))
    return FALSE;
  for (guint f = 0; f < N_FIELDS; f++)
    if (fields[f].in_prcb == in_prcb && layout[f].known && layout[f].size > 0)
      {
        guint64 v = 0;

        for (guint b = 0; b < layout[f].size; b++)
          v |= (guint64) block[layout[f].offset + b] << (8 * b);
        values[f] = (Value) { TRUE, v, NULL };
      }
  return TRUE;
}

/* The base of the TSS the TR selector names in the GDT (a 16-byte system
 * descriptor in long mode). */
static gboolean
tss_base (KdhTarget *target,
          guint64    gdt,
          guint16    tr,
          guint64   *base)
{
  guint8 d[16];

  if ((tr & ~7u) == 0 || !read_all (target, gdt + (tr & ~7u), d, sizeof d, NULL))
    return FALSE;
  *base = (guint64) d[2] | (guint64) d[3] << 8 | (guint64) d[4] << 16 | (guint64) d[7] << 24
          | (guint64) kdh_read_le32 (d + 8) << 32;
  return TRUE;
}

static KdhPdb *
nt_pdb (KdhTarget *target)
{
  GPtrArray *modules;

  if (!kdh_target_ensure_modules (target, NULL))
    return NULL;
  modules = kdh_target_get_modules (target);
  for (guint i = 0; i < modules->len; i++)
    if (kdh_target_module_matches (modules->pdata[i], "nt"))
      {
        KdhPdb *pdb = kdh_target_get_pdb (target, modules->pdata[i]);

        return pdb != NULL && kdh_pdb_load_types (pdb, NULL) ? pdb : NULL;
      }
  return NULL;
}

static gboolean
cmd_pcr (KdhCommandCall *inv,
         gpointer        data,
         GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhSession *s = inv->commands->session;
  Layout layout[N_FIELDS] = { { 0 } };
  Value values[N_FIELDS] = { { 0 } };
  guint8 raw[8], kdbg_data[KDBG_READ];
  guint64 tr;
  gsize kdbg_size = 0;
  g_autoptr (GString) missing = g_string_new (NULL);
  g_autofree gchar *at = NULL;
  guint64 cpu, kpcr = 0, kdbg = 0, prcb;
  KdhExprScope scope;
  KdhPdb *pdb;

  if (target == NULL || !kdh_target_ensure_version (target, error))
    return FALSE;
  cpu = kdh_target_get_cpu (target);
  if (*inv->args != '\0')
    {
      kdh_commands_init_scope (&scope, NULL);
      if (!kdh_expr_evaluate (inv->args, &scope, &cpu, error))
        return FALSE;
    }
  if (cpu >= kdh_target_get_n_cpus (target))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("There is no processor %" G_GINT64_MODIFIER "x: the target has %u."), cpu,
                   kdh_target_get_n_cpus (target));
      return FALSE;
    }
  if (kdh_target_get_machine (target) != KDH_MACHINE_AMD64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("!pcr reads an x64 processor's KPCR; this target is not x64."));
      return FALSE;
    }

  /* Where each field is: the PDB's types, then KdDebuggerDataBlock's. */
  pdb = nt_pdb (target);
  layout_from_pdb (pdb, "_KPCR", FALSE, layout);
  layout_from_pdb (pdb, "_KPRCB", TRUE, layout);
  if (kdh_crashdump_find_debugger_data (target, &kdbg, NULL)
      && read_all (target, kdbg, kdbg_data, KDBG_SIZE + 4, NULL))
    {
      kdbg_size = MIN (kdh_read_le32 (kdbg_data + KDBG_SIZE), (guint32) sizeof kdbg_data);
      if (!read_all (target, kdbg, kdbg_data, kdbg_size, NULL))
        kdbg_size = 0;
      layout_from_kdbg (kdbg_data, kdbg_size, layout);
    }

  /* Where the KPCR is. */
  if (read_control (s, (guint) cpu, CONTROL_KPCR, raw, 8))
    kpcr = kdh_read_le64 (raw);
  else if (kdbg_size >= KDBG_KI_PROCESSOR_BLOCK + 8 && layout[F_CONTAINED].known)
    {
      guint64 block = kdh_read_le64 (kdbg_data + KDBG_KI_PROCESSOR_BLOCK);

      if (!read_all (target, block + 8 * cpu, raw, 8, error))
        return FALSE;
      if (kdh_read_le64 (raw) != 0)
        kpcr = kdh_read_le64 (raw) - layout[F_CONTAINED].offset;
    }
  if (kpcr == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The KPCR of processor %" G_GINT64_MODIFIER "x cannot be found: the target "
                     "does not answer for it in control space and KdDebuggerDataBlock does not "
                     "lead to it."), cpu);
      return FALSE;
    }
  if (!read_fields (target, kpcr, FALSE, layout, values, error))
    return FALSE;
  prcb = values[F_PRCB].known ? values[F_PRCB].value
         : layout[F_CONTAINED].known ? kpcr + layout[F_CONTAINED].offset : 0;
  if (prcb != 0 && !read_fields (target, prcb, TRUE, layout, values, error))
    return FALSE;

  /* What the processor itself says, where the blocks' layout is not known. */
  if (!values[F_IDT].known && special_register (target, (guint) cpu, "idtr", &values[F_IDT].value))
    values[F_IDT] = (Value) { TRUE, values[F_IDT].value, "IDTR" };
  if (!values[F_GDT].known && special_register (target, (guint) cpu, "gdtr", &values[F_GDT].value))
    values[F_GDT] = (Value) { TRUE, values[F_GDT].value, "GDTR" };
  if (!values[F_TSS].known && values[F_GDT].known
      && special_register (target, (guint) cpu, "tr", &tr)
      && tss_base (target, values[F_GDT].value, (guint16) tr, &values[F_TSS].value))
    values[F_TSS] = (Value) { TRUE, values[F_TSS].value, "TR" };
  /* x64 keeps the IRQL in CR8. */
  if (!values[F_IRQL].known && special_register (target, (guint) cpu, "cr8", &values[F_IRQL].value))
    values[F_IRQL] = (Value) { TRUE, values[F_IRQL].value, "CR8" };
  if (!values[F_CURRENT_THREAD].known && read_control (s, (guint) cpu, CONTROL_KTHREAD, raw, 8))
    values[F_CURRENT_THREAD] = (Value) { TRUE, kdh_read_le64 (raw), "control space" };

  if (!values[F_MAJOR].known || !values[F_MINOR].known)
    g_string_append (missing, "Major, Minor");
  at = kdh_commands_format_address (target, kpcr);
  say (inv, "KPCR for Processor %" G_GINT64_MODIFIER "u at %s:\n", cpu, at);
  if (values[F_MAJOR].known && values[F_MINOR].known)
    say (inv, "    Major %" G_GINT64_MODIFIER "u Minor %" G_GINT64_MODIFIER "u\n",
         values[F_MAJOR].value, values[F_MINOR].value);
  for (guint f = F_SELF; f < N_FIELDS; f++)
    {
      if (fields[f].label == NULL)
        continue;
      if (f == F_CURRENT_THREAD)
        say (inv, "\n");
      if (!values[f].known)
        {
          g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", fields[f].label);
          continue;
        }
      say (inv, "\t%19s: %016" G_GINT64_MODIFIER "x%s%s%s\n", fields[f].label, values[f].value,
           values[f].source ? " (from " : "", values[f].source ? values[f].source : "",
           values[f].source ? ")" : "");
    }
  if (missing->len > 0)
    say (inv, _("\tNot shown: %s (nt's symbols have no _KPCR or _KPRCB type giving them, and "
                "KdDebuggerDataBlock publishes no offset for them).\n"), missing->str);
  return TRUE;
}

void
kdh_commands_add_pcr (KdhCommands *c)
{
  kdh_commands_add (c, "!pcr", "!pcr [N]          processor N's KPCR and KPRCB (default: the "
                    "current one)", cmd_pcr, NULL, NULL);
}
