/* kdh-commands-paging.c: !vtop and !pte, an address's way through the page tables
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * !vtop PFN ADDR (0 for the current processor's cr3) walks an x64 target's
 * four-level tables by physical reads, live or in a dump, and prints each
 * entry's physical address as WinDbg's kdexts does. As there, a directory
 * base given whole rather than as a PFN is taken when the PFN reading of
 * it is beyond physical memory.
 *
 * !pte ADDR shows the four entries where the kernel sees them, in the
 * page tables' self-map at KdDebuggerDataBlock's PteBase, read as virtual
 * memory, with their flags as WinDbg spells them.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "common/kdh-le.h"
#include "kdh-commands-crashdump.h"
#include "kd/kdh-context.h"
#include "common/kdh-paging.h"

typedef struct {
  KdhSession *session;
  GError *error;                /* a request failed (not a page that is not there) */
} PhysicalReader;

static gboolean
read_entry (guint64  physical,
            guint64 *entry,
            gpointer data)
{
  PhysicalReader *r = data;
  guint8 raw[8];
  gsize got = 0;

  if (r->error != NULL
      || !kdh_commands_read_physical (r->session, physical, raw, sizeof raw, &got, &r->error)
      || got < sizeof raw)
    return FALSE;
  *entry = kdh_read_le64 (raw);
  return TRUE;
}

static gboolean
cmd_vtop (KdhCommandCall *inv,
          gpointer        data,
          GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  PhysicalReader reader = { inv->commands->session, NULL };
  const gchar *rest = NULL;
  KdhExprScope scope;
  KdhPageWalk walk;
  KdhPagingResult result;
  guint64 base, address, directory;

  if (target == NULL || !kdh_target_ensure_version (target, error))
    return FALSE;
  if (kdh_target_get_machine (target) != KDH_MACHINE_AMD64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("!vtop walks x64 page tables only."));
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (*inv->args == '\0' || !kdh_expr_evaluate_prefix (inv->args, &scope, &base, &rest, error)
      || *rest == '\0')
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("!vtop needs a directory base's PFN (0: the current one) and an "
                               "address, e.g. '!vtop 0 nt'."));
      return FALSE;
    }
  if (!kdh_expr_evaluate (rest, &scope, &address, error))
    return FALSE;
  if (base == 0 && kdh_session_get_dump_header (inv->commands->session) != NULL)
    /* A dump has no control space: the header's, the stop's process. */
    directory = kdh_session_get_dump_header (inv->commands->session)->directory_table_base;
  else if (base == 0)
    {
      if (!kdh_target_get_register (target, "cr3", &directory, error))
        return FALSE;
    }
  else
    directory = base << 12;

  result = kdh_paging_walk_amd64 (directory, address, read_entry, &reader, &walk);
  if (result == KDH_PAGING_UNREADABLE && walk.levels == 1 && base != 0 && (base & 0xFFF) == 0
      && reader.error == NULL)
    {
      /* Beyond physical memory as a PFN: a whole directory base. */
      directory = base;
      result = kdh_paging_walk_amd64 (directory, address, read_entry, &reader, &walk);
    }
  if (reader.error != NULL)
    {
      g_propagate_error (error, reader.error);
      return FALSE;
    }

  kdh_command_call_print (inv, "Amd64VtoP: Virt %016" G_GINT64_MODIFIER "x, pagedir %016"
                          G_GINT64_MODIFIER "x\n", address, walk.directory);
  for (guint level = 0; level < walk.levels; level++)
    {
      const gchar *name = kdh_paging_level_name (level);

      if (result == KDH_PAGING_UNREADABLE && level == walk.levels - 1)
        kdh_command_call_print (inv, "Amd64VtoP: %s at %016" G_GINT64_MODIFIER "x cannot be "
                                "read\n", name, walk.entry_address[level]);
      else
        kdh_command_call_print (inv, "Amd64VtoP: %s %016" G_GINT64_MODIFIER "x\n", name,
                                walk.entry_address[level]);
    }
  if (result == KDH_PAGING_NOT_PRESENT)
    {
      guint64 entry = walk.entry[walk.levels - 1];
      const gchar *name = kdh_paging_level_name (walk.levels - 1);

      if (entry == 0)
        kdh_command_call_print (inv, "Amd64VtoP: zero %s\n", name);
      else
        kdh_command_call_print (inv, "Amd64VtoP: %s %016" G_GINT64_MODIFIER "x not present\n",
                                name, entry);
    }
  if (result != KDH_PAGING_MAPPED)
    {
      kdh_command_call_print (inv, "Virtual address %" G_GINT64_MODIFIER "x translation fails, "
                              "error 0xD0000147.\n", address);
      return TRUE;
    }
  kdh_command_call_print (inv, "Amd64VtoP: %s %016" G_GINT64_MODIFIER "x\n",
                          walk.large ? "Large page mapped phys" : "Mapped phys", walk.physical);
  kdh_command_call_print (inv, "Virtual address %" G_GINT64_MODIFIER "x translates to physical "
                          "address %" G_GINT64_MODIFIER "x.\n", address, walk.physical);
  return TRUE;
}

/* ---- !pte ----------------------------------------------------------------- */

/* KDDEBUGGER_DATA64.PteBase (Windows 10 1607 on); before it the self-map
 * was always here. */
#define KDBG_PTE_BASE     0x360
#define FIXED_PTE_BASE    G_GUINT64_CONSTANT (0xFFFFF68000000000)
#define ENTRY_PFN(e)      (((e) & KDH_PTE_FRAME) >> 12)
#define COLUMN            27

/* Where the self-map shows the entry that maps @address. */
static guint64
self_map_entry (guint64 pte_base,
                guint64 address)
{
  return pte_base + ((address >> 9) & G_GUINT64_CONSTANT (0x7FFFFFFFF8));
}

/* WinDbg's flags, most significant first: copy-on-write, global, large,
 * dirty, accessed, cache disabled, write-through, kernel or user, write
 * or read, executable, valid. */
static gchar *
entry_flags (guint64 entry)
{
  return g_strdup_printf ("%c%c%c%c%c%c%c%c%c%c%c", (entry & 0x200) ? 'C' : '-',
                          (entry & 0x100) ? 'G' : '-', (entry & KDH_PTE_LARGE) ? 'L' : '-',
                          (entry & 0x40) ? 'D' : '-', (entry & 0x20) ? 'A' : '-',
                          (entry & 0x10) ? 'N' : '-', (entry & 0x8) ? 'T' : '-',
                          (entry & 0x4) ? 'U' : 'K', (entry & 0x2) ? 'W' : 'R',
                          (entry & KDH_PTE_NO_EXECUTE) ? '-' : 'E', 'V');
}

static void
pad (GString *line,
     gsize    start,
     guint    column)
{
  while (line->len - start < COLUMN * column)
    g_string_append_c (line, ' ');
}

static gboolean
cmd_pte (KdhCommandCall *inv,
         gpointer        data,
         GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  static const gchar *const names[KDH_PAGING_LEVELS] = { "PXE", "PPE", "PDE", "PTE" };
  g_autoptr (GString) at = g_string_new (NULL), contains = g_string_new (NULL);
  g_autoptr (GString) pfns = g_string_new (NULL);
  guint64 address, kdbg, pte_base, where[KDH_PAGING_LEVELS];
  guint8 raw[8];
  gsize got = 0;
  KdhExprScope scope;

  if (target == NULL || !kdh_target_ensure_version (target, error))
    return FALSE;
  if (kdh_target_get_machine (target) != KDH_MACHINE_AMD64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("!pte shows x64 page tables only."));
      return FALSE;
    }
  if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("!pte needs an address, e.g. '!pte nt'."));
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &address, error)
      || !kdh_crashdump_find_debugger_data (target, &kdbg, error)
      || !kdh_target_read_virtual (target, kdbg + KDBG_PTE_BASE, raw, sizeof raw, &got, error))
    return FALSE;
  pte_base = got == sizeof raw && kdh_read_le64 (raw) != 0 ? kdh_read_le64 (raw) : FIXED_PTE_BASE;
  /* The PTE's address, then the entry that maps it, up to the PXE. */
  where[3] = self_map_entry (pte_base, address);
  for (gint level = 2; level >= 0; level--)
    where[level] = self_map_entry (pte_base, where[level + 1]);

  for (guint level = 0; level < KDH_PAGING_LEVELS; level++)
    {
      pad (at, 0, level);
      g_string_append_printf (at, "%s at %016" G_GINT64_MODIFIER "X", names[level], where[level]);
    }
  for (guint level = 0; level < KDH_PAGING_LEVELS; level++)
    {
      g_autofree gchar *flags = NULL;
      guint64 entry;

      if (!kdh_target_read_virtual (target, where[level], raw, sizeof raw, &got, error))
        return FALSE;
      pad (contains, 0, level);
      pad (pfns, 0, level);
      if (got < sizeof raw)
        {
          g_string_append_printf (contains, "contains ????????????????");
          g_string_append (pfns, _("cannot be read"));
          break;
        }
      entry = kdh_read_le64 (raw);
      g_string_append_printf (contains, "contains %016" G_GINT64_MODIFIER "X", entry);
      if (!(entry & KDH_PTE_PRESENT))
        {
          g_string_append (pfns, "not valid");
          break;
        }
      flags = entry_flags (entry);
      g_string_append_printf (pfns, "pfn %-9" G_GINT64_MODIFIER "x %s", ENTRY_PFN (entry), flags);
      if ((level == 1 || level == 2) && (entry & KDH_PTE_LARGE))
        {
          /* The 4 KiB frame within the large page that holds @address. */
          guint64 pages = G_GUINT64_CONSTANT (1) << (9 * (KDH_PAGING_LEVELS - 1 - level));
          guint64 frame = (ENTRY_PFN (entry) & ~(pages - 1)) + ((address >> 12) & (pages - 1));

          pad (pfns, 0, level + 1);
          g_string_append_printf (pfns, "LARGE PAGE pfn %" G_GINT64_MODIFIER "x", frame);
          break;
        }
    }
  kdh_command_call_print (inv, "%*sVA %016" G_GINT64_MODIFIER "x\n%s\n%s\n%s\n", 43, "", address,
                          at->str, contains->str, pfns->str);
  return TRUE;
}

void
kdh_commands_add_paging (KdhCommands *c)
{
  kdh_commands_add (c, "!vtop", "!vtop PFN ADDR    translate a virtual address (PFN 0: cr3)",
                    cmd_vtop, NULL, NULL);
  kdh_commands_add (c, "!pte", "!pte ADDR         the page-table entries that map ADDR",
                    cmd_pte, NULL, NULL);
}
