/* kdh-target-symbols.c: PDB symbols matched to the target's modules
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-target-symbols.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "common/kdh-le.h"
#include "kdh-symbol-download.h"
#include "kdh-symbol-path.h"
#include "kdh-target-private.h"

#define IMAGE_DEBUG_TYPE_CODEVIEW 2
#define DEBUG_ENTRY_SIZE 28
#define MAX_DEBUG_ENTRIES 32
#define MAX_CODEVIEW_BYTES 1024

struct _KdhSymbolSettings
{
  gchar *path;
  gboolean noisy;
  KdhHost *host;
  GCancellable *download;      /* the download under way, if any */
  gboolean cancelled;          /* Ctrl+C during this module's search */
};

struct _KdhModuleSymbols
{
  KdhSymbolState state;
  gchar *pdb_path;
  gchar *reason;
  gboolean have_rsds;
  guint8 guid[16];
  guint32 age;
  gchar *pdb_name;
  gboolean cancelled;          /* the search was stopped by Ctrl+C */
  GMappedFile *file;           /* what pdb was read from */
  KdhPdb *pdb;
};

KdhSymbolSettings *
kdh_symbol_settings_new (void)
{
  KdhSymbolSettings *s = g_new0 (KdhSymbolSettings, 1);
  const gchar *env = g_getenv ("_NT_SYMBOL_PATH");

  /* A path from the environment that does not parse is ignored, not
   * fatal: .sympath shows it and a new one can be set. */
  s->path = g_strdup (env != NULL && kdh_symbol_path_check (env, NULL) ? env : "");
  return s;
}

void
kdh_symbol_settings_free (KdhSymbolSettings *s)
{
  if (s == NULL)
    return;
  g_free (s->path);
  g_free (s);
}

void
kdh_module_symbols_free (KdhModuleSymbols *ms)
{
  if (ms == NULL)
    return;
  g_free (ms->pdb_path);
  g_free (ms->reason);
  g_free (ms->pdb_name);
  kdh_pdb_free (ms->pdb);
  g_clear_pointer (&ms->file, g_mapped_file_unref);
  g_free (ms);
}

void
kdh_target_set_symbol_host (KdhTarget *t,
                            KdhHost   *host)
{
  kdh_target_get_symbol_settings (t)->host = host;
}

void
kdh_target_cancel_symbol_downloads (KdhTarget *t)
{
  KdhSymbolSettings *s = kdh_target_get_symbol_settings (t);

  if (s->download != NULL)
    g_cancellable_cancel (s->download);
}

const gchar *
kdh_target_get_symbol_path (KdhTarget *t)
{
  return kdh_target_get_symbol_settings (t)->path;
}

gboolean
kdh_target_set_symbol_path (KdhTarget    *t,
                            const gchar  *path,
                            GError      **error)
{
  KdhSymbolSettings *s = kdh_target_get_symbol_settings (t);

  if (!kdh_symbol_path_check (path, error))
    return FALSE;
  g_free (s->path);
  s->path = g_strdup (path);
  return TRUE;
}

void
kdh_target_set_symbols_noisy (KdhTarget *t,
                              gboolean   noisy)
{
  kdh_target_get_symbol_settings (t)->noisy = noisy;
}

gboolean
kdh_target_get_symbols_noisy (KdhTarget *t)
{
  return kdh_target_get_symbol_settings (t)->noisy;
}

static void
say (KdhTarget   *t,
     const gchar *text)
{
  KdhSymbolSettings *s = kdh_target_get_symbol_settings (t);

  if (s->host != NULL && *text != '\0')
    kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER, text);
}

/* ---- The image's CodeView record --------------------------------------- */

static gboolean
read_all (KdhTarget *t,
          guint64    address,
          guint8    *buf,
          gsize      len)
{
  gsize got = 0;

  return kdh_target_read_virtual (t, address, buf, len, &got, NULL) && got == len;
}

/* The RSDS record the debug directory of the image in memory points at;
 * FALSE with the reason in ms->reason. */
static gboolean
read_rsds (KdhTarget        *t,
           KdhModule        *m,
           KdhModuleSymbols *ms)
{
  guint8 dos[0x40], nt[0x108], entries[MAX_DEBUG_ENTRIES * DEBUG_ENTRY_SIZE];
  guint8 cv[MAX_CODEVIEW_BYTES];
  guint32 pe_offset, dir_rva, dir_size, n;
  gboolean pe32plus;

  if (!read_all (t, m->base, dos, sizeof dos) || dos[0] != 'M' || dos[1] != 'Z'
      || (pe_offset = kdh_read_le32 (dos + 0x3C)) > 0x10000
      || !read_all (t, m->base + pe_offset, nt, sizeof nt) || memcmp (nt, "PE\0\0", 4) != 0)
    {
      ms->reason = g_strdup (_("its PE header could not be read"));
      return FALSE;
    }
  pe32plus = kdh_read_le16 (nt + 0x18) == 0x20B;
  dir_rva = kdh_read_le32 (nt + 0x18 + (pe32plus ? 0x70 : 0x60) + 6 * 8);
  dir_size = kdh_read_le32 (nt + 0x18 + (pe32plus ? 0x74 : 0x64) + 6 * 8);
  n = MIN (dir_size / DEBUG_ENTRY_SIZE, MAX_DEBUG_ENTRIES);
  if (dir_rva == 0 || n == 0 || dir_rva >= m->size)
    {
      ms->reason = g_strdup (_("the image has no debug directory"));
      return FALSE;
    }
  if (!read_all (t, m->base + dir_rva, entries, (gsize) n * DEBUG_ENTRY_SIZE))
    {
      ms->reason = g_strdup (_("its debug directory could not be read"));
      return FALSE;
    }
  for (guint32 i = 0; i < n; i++)
    {
      const guint8 *e = entries + i * DEBUG_ENTRY_SIZE;
      guint32 size = kdh_read_le32 (e + 16), rva = kdh_read_le32 (e + 20);
      gsize len = MIN (size, sizeof cv);
      const guint8 *name_end;

      if (kdh_read_le32 (e + 12) != IMAGE_DEBUG_TYPE_CODEVIEW || size < 25 || rva == 0
          || rva >= m->size)
        continue;
      if (!read_all (t, m->base + rva, cv, len) || memcmp (cv, "RSDS", 4) != 0)
        continue;
      name_end = memchr (cv + 24, 0, len - 24);
      if (name_end == NULL)
        continue;
      memcpy (ms->guid, cv + 4, 16);
      ms->age = kdh_read_le32 (cv + 20);
      /* The store wants the file name only, whichever separator the
       * linker wrote. */
      {
        const gchar *name = (const gchar *) cv + 24;
        const gchar *slash = strrchr (name, '\\');

        if (slash == NULL || (strrchr (name, '/') != NULL && strrchr (name, '/') > slash))
          slash = strrchr (name, '/');
        ms->pdb_name = g_strdup (slash != NULL ? slash + 1 : name);
      }
      ms->have_rsds = *ms->pdb_name != '\0';
      if (ms->have_rsds)
        return TRUE;
    }
  ms->reason = g_strdup (_("the image has no RSDS (CodeView) record"));
  return FALSE;
}

/* ---- Loading ----------------------------------------------------------- */

typedef struct {
  KdhModuleSymbols *ms;
  GString *log;
  GString *refusals;
} Attempt;

static gboolean
try_file (const gchar *path,
          gpointer     data)
{
  Attempt *a = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  g_autoptr (KdhPdb) pdb = NULL;
  g_autofree gchar *why = NULL;

  if (file != NULL)
    pdb = kdh_pdb_new ((const guint8 *) g_mapped_file_get_contents (file),
                       g_mapped_file_get_length (file), &error);
  if (pdb == NULL)
    why = g_strdup_printf (_("%s could not be read: %s"), path, error->message);
  else if (memcmp (kdh_pdb_get_guid (pdb), a->ms->guid, 16) != 0
           || kdh_pdb_get_age (pdb) != a->ms->age)
    {
      g_autofree gchar *want = kdh_pdb_format_guid (a->ms->guid);
      g_autofree gchar *have = kdh_pdb_format_guid (kdh_pdb_get_guid (pdb));

      why = g_strdup_printf (_("%s does not match the image: the image wants %s age %u, the "
                               "file is %s age %u"), path, want, a->ms->age, have,
                             kdh_pdb_get_age (pdb));
    }
  if (why != NULL)
    {
      g_string_append_printf (a->log, "DBGHELP: %s\n", why);
      g_string_append_printf (a->refusals, "*** WARNING: %s.\n", why);
      g_free (a->ms->reason);
      a->ms->reason = g_steal_pointer (&why);
      return FALSE;
    }
  a->ms->file = g_steal_pointer (&file);
  a->ms->pdb = g_steal_pointer (&pdb);
  return TRUE;
}

/* A server element's file: downloaded through the host's wait, so that
 * Ctrl+C cancels it. The search's log is shown as it goes, so the
 * progress lines come in order. */
static gboolean
fetch (const gchar *url,
       const gchar *dest,
       gboolean     compressed,
       gpointer     data,
       GString     *log)
{
  KdhTarget *t = data;
  KdhSymbolSettings *s = kdh_target_get_symbol_settings (t);
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (s->host == NULL || s->cancelled)
    {
      /* After Ctrl+C the search goes no further than local files. */
      g_string_append_printf (log, "SYMSRV:  %s: %s\n", url,
                              s->cancelled ? "skipped: cancelled" : "no way to wait for a download here");
      return FALSE;
    }
  say (t, s->noisy ? log->str : "");
  g_string_truncate (log, 0);
  s->download = g_cancellable_new ();
  ok = kdh_symbol_download (s->host, s->download, url, dest, compressed, &error);
  g_clear_object (&s->download);
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    s->cancelled = TRUE;
  if (!ok)
    {
      g_string_append_printf (log, "SYMSRV:  %s: %s\n", url, error->message);
      /* Not finding a file is the normal way to move on; failing to
       * download one is worth a word even when quiet. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) && !s->noisy)
        {
          g_autofree gchar *line = g_strdup_printf ("*** WARNING: %s: %s\n", url,
                                                    error->message);

          say (t, line);
        }
    }
  return ok;
}

void
kdh_target_load_symbols (KdhTarget *t,
                         KdhModule *m)
{
  KdhSymbolSettings *s = kdh_target_get_symbol_settings (t);
  g_autoptr (GString) log = g_string_new (NULL);
  g_autoptr (GString) refusals = g_string_new (NULL);
  KdhModuleSymbols *ms;

  if (m->symbols != NULL)
    return;
  ms = m->symbols = g_new0 (KdhModuleSymbols, 1);
  ms->state = KDH_SYMBOLS_EXPORT;
  s->cancelled = FALSE;
  kdh_target_ensure_exports (t, m, NULL);
  if (read_rsds (t, m, ms))
    {
      g_autofree gchar *key = kdh_pdb_store_key (ms->guid, ms->age);
      KdhSymbolQuery q = { s->path, ms->pdb_name, m->name, key, fetch, t };
      Attempt a = { ms, log, refusals };

      ms->pdb_path = kdh_symbol_path_find (&q, try_file, &a, log);
      ms->cancelled = s->cancelled;
      if (ms->pdb_path != NULL)
        {
          ms->state = KDH_SYMBOLS_PDB;
          g_clear_pointer (&ms->reason, g_free);
        }
      else if (ms->cancelled)
        {
          g_free (ms->reason);
          ms->reason = g_strdup (_("the download was cancelled"));
        }
      else if (ms->reason == NULL)
        {
          g_autofree gchar *guid = kdh_pdb_format_guid (ms->guid);

          ms->reason = *s->path == '\0'
                         ? g_strdup (_("the symbol path is empty"))
                         : g_strdup_printf (_("no %s with %s age %u in the symbol path"),
                                            ms->pdb_name, guid, ms->age);
        }
    }
  if (ms->state == KDH_SYMBOLS_PDB)
    g_string_append_printf (log, "DBGHELP: %s - private symbols\n        %s\n", m->short_name,
                            ms->pdb_path);
  else
    g_string_append_printf (log, "DBGHELP: %s - export symbols (%s)\n", m->short_name,
                            ms->reason);
  /* A refused file is never passed over in silence; the search is shown
   * only when asked for. */
  say (t, s->noisy ? log->str : refusals->str);
}

KdhPdb *
kdh_target_get_pdb (KdhTarget *t,
                    KdhModule *m)
{
  kdh_target_load_symbols (t, m);
  return m->symbols->pdb;
}

void
kdh_target_unload_symbols (KdhTarget *t,
                           KdhModule *m)
{
  g_clear_pointer (&m->symbols, kdh_module_symbols_free);
}

void
kdh_target_get_module_symbols (KdhTarget           *t,
                               KdhModule           *m,
                               KdhModuleSymbolInfo *info)
{
  const KdhModuleSymbols *ms = m->symbols;

  memset (info, 0, sizeof *info);
  if (ms == NULL)
    return;
  info->state = ms->state;
  info->pdb_path = ms->pdb_path;
  info->pdb = ms->pdb;
  info->reason = ms->reason;
  info->have_rsds = ms->have_rsds;
  memcpy (info->guid, ms->guid, 16);
  info->age = ms->age;
  info->pdb_name = ms->pdb_name;
  info->cancelled = ms->cancelled;
}

/* ---- Names and addresses ----------------------------------------------- */

KdhModule *
kdh_target_module_at (KdhTarget *t,
                      guint64    address)
{
  GPtrArray *modules = kdh_target_get_modules (t);

  if (modules == NULL)
    return NULL;
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = modules->pdata[i];

      if (address >= m->base && address - m->base < m->size)
        return m;
    }
  return NULL;
}

static gchar *
format_symbol (const KdhModule *m,
               const gchar     *name,
               guint64          offset)
{
  if (offset == 0)
    return g_strdup_printf ("%s!%s", m->short_name, name);
  return g_strdup_printf ("%s!%s+0x%" G_GINT64_MODIFIER "x", m->short_name, name, offset);
}

gchar *
kdh_target_symbolize (KdhTarget *t,
                      guint64    address)
{
  KdhModule *m;
  const KdhExport *best = NULL;

  if (!kdh_target_ensure_modules (t, NULL))
    return NULL;
  m = kdh_target_module_at (t, address);
  if (m == NULL)
    return NULL;
  kdh_target_load_symbols (t, m);
  if (m->symbols->pdb != NULL)
    {
      const KdhPdbSymbol *s = kdh_pdb_lookup_address (m->symbols->pdb,
                                                      (guint32) (address - m->base), NULL);

      if (s != NULL)
        return format_symbol (m, s->name, address - m->base - s->rva);
    }
  for (guint lo = 0, hi = m->exports->len; lo < hi;)
    {
      guint mid = (lo + hi) / 2;
      const KdhExport *e = &g_array_index (m->exports, KdhExport, mid);

      if (e->address <= address)
        best = e, lo = mid + 1;
      else
        hi = mid;
    }
  if (best == NULL)
    return address == m->base ? g_strdup (m->short_name)
                              : g_strdup_printf ("%s+0x%" G_GINT64_MODIFIER "x", m->short_name,
                                                 address - m->base);
  return format_symbol (m, best->name, address - best->address);
}

gboolean
kdh_target_module_matches (const KdhModule *m,
                           const gchar     *name)
{
  gsize n = strlen (name);

  return g_ascii_strcasecmp (m->short_name, name) == 0 || g_ascii_strcasecmp (m->name, name) == 0
         || (g_ascii_strncasecmp (m->name, name, n) == 0 && m->name[n] == '.');
}

static gboolean
find_name (KdhTarget   *t,
           KdhModule   *m,
           const gchar *name,
           guint64     *address)
{
  kdh_target_load_symbols (t, m);
  if (m->symbols->pdb != NULL)
    {
      const KdhPdbSymbol *s = kdh_pdb_lookup_name (m->symbols->pdb, name);

      if (s != NULL && s->has_address)
        {
          *address = m->base + s->rva;
          return TRUE;
        }
    }
  if (m->exports == NULL)
    return FALSE;
  for (guint i = 0; i < m->exports->len; i++)
    {
      const KdhExport *e = &g_array_index (m->exports, KdhExport, i);

      if (g_ascii_strcasecmp (e->name, name) == 0)
        {
          *address = e->address;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
kdh_target_lookup_symbol (KdhTarget   *t,
                          const gchar *module,
                          const gchar *name,
                          guint64     *address)
{
  GPtrArray *modules;

  if (!kdh_target_ensure_modules (t, NULL))
    return FALSE;
  modules = kdh_target_get_modules (t);
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = modules->pdata[i];

      if (module && !kdh_target_module_matches (m, module))
        continue;
      if (name == NULL)
        {
          *address = m->base;
          return TRUE;
        }
      if (find_name (t, m, name, address))
        return TRUE;
    }
  return FALSE;
}
