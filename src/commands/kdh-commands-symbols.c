/* kdh-commands-symbols.c: the symbol commands: .sympath, .symfix, .reload,
 * !sym, x, ln, and lm's symbol column and lmv's details
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-commands-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "symbols/kdh-pdb-types.h"
#include "target/kdh-target-symbols.h"

#define say kdh_command_call_print
#define MICROSOFT_SYMBOLS "https://msdl.microsoft.com/download/symbols"

/* The target for commands that need no stop (the symbol path). */
static KdhTarget *
need_target (KdhCommandCall  *inv,
             GError         **error)
{
  KdhSession *s = kdh_commands_need_session (inv, error);

  return s != NULL ? kdh_session_get_target (s) : NULL;
}

/* ---- .sympath, .symfix, !sym --------------------------------------------- */

static void
show_path (KdhCommandCall *inv,
           KdhTarget      *target)
{
  const gchar *path = kdh_target_get_symbol_path (target);

  say (inv, "Symbol search path is: %s\n", *path != '\0' ? path : "<empty>");
}

static gboolean
set_path (KdhCommandCall  *inv,
          KdhTarget       *target,
          const gchar     *path,
          gboolean         append,
          GError         **error)
{
  const gchar *old = kdh_target_get_symbol_path (target);
  g_autofree gchar *joined = append && *old != '\0' ? g_strconcat (old, ";", path, NULL)
                                                    : g_strdup (path);

  if (!kdh_target_set_symbol_path (target, joined, error))
    return FALSE;
  show_path (inv, target);
  return TRUE;
}

static gboolean
cmd_sympath (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhTarget *target = need_target (inv, error);
  gboolean append = strcmp (inv->name, ".sympath+") == 0;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      if (append)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _(".sympath+ needs a path to add."));
          return FALSE;
        }
      show_path (inv, target);
      return TRUE;
    }
  return set_path (inv, target, inv->args, append, error);
}

static gboolean
cmd_symfix (KdhCommandCall *inv,
            gpointer        data,
            GError        **error)
{
  KdhTarget *target = need_target (inv, error);
  g_autofree gchar *element = NULL;

  if (target == NULL)
    return FALSE;
  if (strchr (inv->args, ' ') != NULL || strchr (inv->args, ';') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s takes one cache directory, not '%s'."), inv->name, inv->args);
      return FALSE;
    }
  element = *inv->args != '\0' ? g_strdup_printf ("srv*%s*%s", inv->args, MICROSOFT_SYMBOLS)
                               : g_strdup ("srv*" MICROSOFT_SYMBOLS);
  return set_path (inv, target, element, strcmp (inv->name, ".symfix+") == 0, error);
}

static gboolean
cmd_sym (KdhCommandCall *inv,
         gpointer        data,
         GError        **error)
{
  KdhTarget *target = need_target (inv, error);

  if (target == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (inv->args, "noisy") == 0)
    kdh_target_set_symbols_noisy (target, TRUE);
  else if (g_ascii_strcasecmp (inv->args, "quiet") == 0)
    kdh_target_set_symbols_noisy (target, FALSE);
  else if (*inv->args != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("!sym takes noisy or quiet, not '%s'."), inv->args);
      return FALSE;
    }
  say (inv, "%s mode - symbol prompts off\n",
       kdh_target_get_symbols_noisy (target) ? "noisy" : "quiet");
  return TRUE;
}

/* ---- .reload ----------------------------------------------------------- */

static gboolean
cmd_reload (KdhCommandCall *inv,
            gpointer        data,
            GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  g_auto (GStrv) words = g_strsplit_set (inv->args, " \t", -1);
  const gchar *module = NULL;
  gboolean now = FALSE, unload = FALSE;
  GPtrArray *modules;
  guint matched = 0;

  if (target == NULL)
    return FALSE;
  for (guint i = 0; words[i]; i++)
    {
      if (*words[i] == '\0')
        continue;
      if (g_ascii_strcasecmp (words[i], "/f") == 0)
        now = TRUE;
      else if (g_ascii_strcasecmp (words[i], "/u") == 0)
        unload = TRUE;
      else if (words[i][0] == '/')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _(".reload option '%s' is not supported yet (.reload takes /f or /u and "
                         "a module name)."), words[i]);
          return FALSE;
        }
      else if (module != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _(".reload takes one module, not '%s' and '%s'."), module, words[i]);
          return FALSE;
        }
      else
        module = words[i];
    }
  if (now && unload)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _(".reload /f loads symbols and /u unloads them: give one of them."));
      return FALSE;
    }
  if (!kdh_target_ensure_modules (target, error))
    return FALSE;
  modules = kdh_target_get_modules (target);
  for (guint i = 0; i < modules->len; i++)
    if (module == NULL || kdh_target_module_matches (modules->pdata[i], module))
      matched++;
  if (matched == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Module '%s' is not loaded (lm lists the modules)."), module);
      return FALSE;
    }
  if (module == NULL && !unload)
    say (inv, "Loading Kernel Symbols\n");
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = modules->pdata[i];
      KdhModuleSymbolInfo info;

      if (module != NULL && !kdh_target_module_matches (m, module))
        continue;
      kdh_target_unload_symbols (target, m);
      /* /u: the symbol file is let go; the module is deferred until a
       * name in it is needed again. */
      if (unload)
        say (inv, "Unloaded symbols for %s\n", m->name);
      if (!now)
        continue;
      kdh_target_load_symbols (target, m);
      kdh_target_get_module_symbols (target, m, &info);
      if (info.state != KDH_SYMBOLS_PDB)
        say (inv, "*** ERROR: Symbol file could not be found.  Defaulted to export symbols for "
             "%s - %s\n", m->name, info.reason);
      if (info.cancelled)
        {
          /* Ctrl+C is for the whole command: the rest stay deferred. */
          say (inv, "Symbol loading stopped; the other modules stay deferred.\n");
          break;
        }
    }
  return TRUE;
}

/* ---- lm's column, lmv -------------------------------------------------- */

gchar *
kdh_commands_symbol_column (KdhTarget *target,
                            KdhModule *m)
{
  KdhModuleSymbolInfo info;

  kdh_target_get_module_symbols (target, m, &info);
  switch (info.state)
    {
    case KDH_SYMBOLS_PDB:
      return g_strdup_printf ("%-22s %s", "(pdb symbols)", info.pdb_path);
    case KDH_SYMBOLS_EXPORT:
      return g_strdup_printf ("%-22s %s", "(export symbols)", m->name);
    case KDH_SYMBOLS_DEFERRED:
    default:
      return g_strdup ("(deferred)");
    }
}

void
kdh_commands_print_module_details (KdhCommandCall *inv,
                                   KdhTarget      *target,
                                   KdhModule      *m)
{
  KdhModuleSymbolInfo info;

  kdh_target_load_symbols (target, m);
  kdh_target_get_module_symbols (target, m, &info);
  say (inv, "    Image name: %s\n", m->name);
  say (inv, "    Timestamp:        %08X\n", m->timestamp);
  say (inv, "    CheckSum:         %08X\n", m->checksum);
  say (inv, "    ImageSize:        %08X\n", m->size);
  if (info.have_rsds)
    {
      g_autofree gchar *guid = kdh_pdb_format_guid (info.guid);

      say (inv, "    PDB name:         %s\n", info.pdb_name);
      say (inv, "    PDB GUID:         %s\n", guid);
      say (inv, "    PDB age:          %u\n", info.age);
    }
  if (info.state == KDH_SYMBOLS_PDB)
    say (inv, "    Symbol file:      %s\n", info.pdb_path);
  else
    say (inv, "    Symbols:          export symbols (%s)\n", info.reason);
}

/* ---- x, ln ------------------------------------------------------------- */

typedef struct {
  guint64 address;
  const gchar *name;
  gboolean is_code;
  gboolean is_data;
  guint32 type;                /* from the PDB's function or variable; 0: none */
} Listed;

static gint
by_address (gconstpointer a,
            gconstpointer b)
{
  const Listed *x = a, *y = b;

  if (x->address != y->address)
    return x->address < y->address ? -1 : 1;
  return g_ascii_strcasecmp (x->name, y->name);
}

/* Every named place of @m with its address, sorted, each once. */
static GArray *
module_symbols (KdhTarget *target,
                KdhModule *m)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Listed));
  KdhModuleSymbolInfo info;
  guint kept = 0;

  kdh_target_load_symbols (target, m);
  kdh_target_get_module_symbols (target, m, &info);
  if (info.pdb != NULL)
    for (guint i = 0; i < kdh_pdb_get_n_symbols (info.pdb); i++)
      {
        const KdhPdbSymbol *s = kdh_pdb_get_symbol (info.pdb, i);
        Listed l = { m->base + s->rva, s->name, s->is_code, s->kind == KDH_PDB_DATA,
                     s->kind == KDH_PDB_PUBLIC ? 0 : s->type_index };

        if (s->has_address && s->kind != KDH_PDB_CONSTANT && s->kind != KDH_PDB_UDT)
          g_array_append_val (out, l);
      }
  else if (m->exports != NULL)
    for (guint i = 0; i < m->exports->len; i++)
      {
        const KdhExport *e = &g_array_index (m->exports, KdhExport, i);
        Listed l = { e->address, e->name, FALSE, FALSE, 0 };

        g_array_append_val (out, l);
      }
  g_array_sort (out, by_address);
  /* A public and the function or variable it names are one place. */
  for (guint i = 0; i < out->len; i++)
    {
      Listed *l = &g_array_index (out, Listed, i);

      if (kept > 0 && by_address (&g_array_index (out, Listed, kept - 1), l) == 0)
        {
          Listed *prev = &g_array_index (out, Listed, kept - 1);

          prev->is_code |= l->is_code;
          prev->is_data |= l->is_data;
          if (prev->type == 0)
            prev->type = l->type;
          continue;
        }
      g_array_index (out, Listed, kept++) = *l;
    }
  g_array_set_size (out, kept);
  return out;
}

/* What x and ln write after a name: a function's parameters, a
 * variable's value (dt's format), or that the PDB has no types for it. */
static gchar *
describe (KdhTarget    *target,
          KdhModule    *m,
          const Listed *l)
{
  KdhPdb *pdb = l->type != 0 ? kdh_target_get_pdb (target, m) : NULL;

  if (pdb != NULL && kdh_pdb_load_types (pdb, NULL))
    {
      if (l->is_code)
        {
          g_autofree gchar *args = kdh_pdb_procedure_arguments (pdb, l->type);

          if (args != NULL)
            return g_strconcat (" ", args, NULL);
        }
      else if (l->is_data)
        {
          g_autofree gchar *value = kdh_commands_format_value (target, pdb, l->type, l->address);

          return g_strconcat (" = ", value, NULL);
        }
    }
  return g_strdup (l->is_code ? " (<no parameter info>)"
                   : l->is_data ? " = <no type information>" : "");
}

static void
print_listed (KdhCommandCall *inv,
              KdhTarget      *target,
              KdhModule      *m,
              const Listed   *l,
              gboolean        with_address)
{
  g_autofree gchar *where = kdh_commands_format_address (target, l->address);
  g_autofree gchar *what = describe (target, m, l);

  if (with_address)
    say (inv, "%s %s!%s%s\n", where, m->short_name, l->name, what);
  else
    say (inv, "    %s!%s%s\n", m->short_name, l->name, what);
}

static gboolean
cmd_examine (KdhCommandCall *inv,
             gpointer        data,
             GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  const gchar *bang = strchr (inv->args, '!');
  g_autofree gchar *module_pattern = NULL, *name_pattern = NULL;
  g_autoptr (GPatternSpec) module_spec = NULL, name_spec = NULL;
  GPtrArray *modules;
  guint modules_matched = 0;

  if (target == NULL)
    return FALSE;
  if (bang == NULL || bang == inv->args || bang[1] == '\0' || strchr (inv->args, ' ') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("x needs MODULE!PATTERN, e.g. 'x nt!Ki*', not '%s'."), inv->args);
      return FALSE;
    }
  module_pattern = g_ascii_strdown (inv->args, bang - inv->args);
  name_pattern = g_ascii_strdown (bang + 1, -1);
  module_spec = g_pattern_spec_new (module_pattern);
  name_spec = g_pattern_spec_new (name_pattern);
  if (!kdh_target_ensure_modules (target, error))
    return FALSE;
  modules = kdh_target_get_modules (target);
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = modules->pdata[i];
      g_autofree gchar *short_name = g_ascii_strdown (m->short_name, -1);
      g_autoptr (GArray) listed = NULL;

      if (!g_pattern_spec_match_string (module_spec, short_name)
          && !kdh_target_module_matches (m, module_pattern))
        continue;
      modules_matched++;
      listed = module_symbols (target, m);
      for (guint k = 0; k < listed->len; k++)
        {
          const Listed *l = &g_array_index (listed, Listed, k);
          g_autofree gchar *name = g_ascii_strdown (l->name, -1);

          if (g_pattern_spec_match_string (name_spec, name))
            print_listed (inv, target, m, l, TRUE);
        }
    }
  if (modules_matched == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No loaded module matches '%s' (lm lists the modules)."), module_pattern);
      return FALSE;
    }
  return TRUE;
}

static gboolean
cmd_list_near (KdhCommandCall *inv,
               gpointer        data,
               GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  KdhExprScope scope;
  guint64 address;
  g_autoptr (GArray) listed = NULL;
  g_autofree gchar *here = NULL, *where = NULL;
  KdhModule *m;
  const Listed *below = NULL, *above = NULL;

  if (target == NULL)
    return FALSE;
  if (*inv->args == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("ln needs an address, e.g. 'ln nt!KiIdleLoop+0x10'."));
      return FALSE;
    }
  kdh_commands_init_scope (&scope, target);
  if (!kdh_expr_evaluate (inv->args, &scope, &address, error)
      || !kdh_target_ensure_modules (target, error))
    return FALSE;
  m = kdh_target_module_at (target, address);
  where = kdh_commands_format_address (target, address);
  if (m == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No module holds %s: no symbols near it."), where);
      return FALSE;
    }
  listed = module_symbols (target, m);
  for (guint i = 0; i < listed->len; i++)
    {
      const Listed *l = &g_array_index (listed, Listed, i);

      if (l->address <= address)
        below = l;
      else if (above == NULL)
        above = l;
    }
  here = kdh_target_symbolize (target, address);
  if (below != NULL)
    {
      g_autofree gchar *at = kdh_commands_format_address (target, below->address);
      g_autofree gchar *text = address == below->address
        ? g_strdup_printf ("%s!%s", m->short_name, below->name)
        : g_strdup_printf ("%s!%s+0x%" G_GINT64_MODIFIER "x", m->short_name, below->name,
                           address - below->address);

      say (inv, "(%s)   %s", at, text);
    }
  else
    say (inv, "(%s)   %s", where, here);
  if (above != NULL)
    {
      g_autofree gchar *next = kdh_commands_format_address (target, above->address);

      say (inv, "   |  (%s)   %s!%s", next, m->short_name, above->name);
    }
  say (inv, "\n");
  if (below != NULL && below->address == address)
    {
      say (inv, "Exact matches:\n");
      for (guint i = 0; i < listed->len; i++)
        if (g_array_index (listed, Listed, i).address == address)
          print_listed (inv, target, m, &g_array_index (listed, Listed, i), FALSE);
    }
  return TRUE;
}

/* ---- The table --------------------------------------------------------- */

void
kdh_commands_add_symbols (KdhCommands *c)
{
  kdh_commands_add (c, ".sympath", ".sympath [PATH]   show or set the symbol path",
                    cmd_sympath, NULL, NULL);
  kdh_commands_add (c, ".sympath+", ".sympath+ PATH    add to the symbol path", cmd_sympath,
                    NULL, NULL);
  kdh_commands_add (c, ".symfix", ".symfix [CACHE]   use Microsoft's symbol server", cmd_symfix,
                    NULL, NULL);
  kdh_commands_add (c, ".symfix+", NULL, cmd_symfix, NULL, NULL);
  kdh_commands_add (c, ".reload", ".reload [/f|/u] [MOD] reload symbols (/f: now, /u: unload)", cmd_reload,
                    NULL, NULL);
  kdh_commands_add (c, "!sym", "!sym noisy|quiet  show the symbol search or not", cmd_sym, NULL,
                    NULL);
  kdh_commands_add (c, "x", "x MOD!PATTERN     list symbols (wildcards)", cmd_examine, NULL,
                    NULL);
  kdh_commands_add (c, "ln", "ln ADDR           nearest symbols", cmd_list_near, NULL, NULL);
  kdh_commands_add_types (c);
}
