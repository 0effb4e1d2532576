/* kdh-commands-vtop.c: !vtop, a virtual address's way through the page tables
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * !vtop PFN ADDR (0 for the current processor's cr3) walks an x64 target's
 * four-level tables by physical reads, live or in a dump, and prints each
 * entry's physical address as WinDbg's kdexts does. As there, a directory
 * base given whole rather than as a PFN is taken when the PFN reading of
 * it is beyond physical memory.
 */
#include "kdh-commands-private.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "common/kdh-le.h"
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

void
kdh_commands_add_vtop (KdhCommands *c)
{
  kdh_commands_add (c, "!vtop", "!vtop PFN ADDR     translate a virtual address (PFN 0: cr3)",
                    cmd_vtop, NULL, NULL);
}
