/* kdh-target.c: the debugger's model of the target machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-target.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-front-end-keys.h"
#include "common/kdh-le.h"
#include "kdh-target-private.h"
#include "kdh-windows-name.h"
#include "kd/kdh-context.h"
#include "kd/kdh-special.h"

/* Bounds against a corrupt or hostile target. */
#define MAX_MODULES 4096
#define MAX_EXPORTS 65536
#define MAX_EXPORT_DIRECTORY (4 * 1024 * 1024)
#define MAX_NAME_BYTES 1024

struct _KdhTarget
{
  KdhTargetRequestFunc request;
  gpointer request_data;
  gboolean have_version;
  KdhVersion version;
  gboolean have_stop;
  KdhStateChange stop;
  gchar *last_event;            /* .lastevent: what the last stop shown was */
  GDateTime *last_event_time;
  gboolean have_last_exception;
  KdhException64 last_exception;
  guint n_cpus;
  GHashTable *contexts;        /* cpu -> GBytes, this stop only */
  GHashTable *specials;        /* cpu -> GBytes (KSPECIAL_REGISTERS), this stop only */
  GPtrArray *modules;          /* KdhModule*, NULL until walked */
  GArray *breakpoints;         /* KdhBreakpointRecord, by handle */
  KdhProductType product;      /* from KUSER_SHARED_DATA, with the version */
  guint32 suite_mask;
  KdhSymbolSettings *symbol_settings;   /* kdh-target-symbols.c */
  guint64 memory_writes;       /* write requests so far: caches of memory compare it */
};

static void
module_free (gpointer data)
{
  KdhModule *m = data;

  g_free (m->name);
  g_free (m->short_name);
  kdh_module_symbols_free (m->symbols);
  if (m->exports)
    {
      for (guint i = 0; i < m->exports->len; i++)
        g_free (g_array_index (m->exports, KdhExport, i).name);
      g_array_unref (m->exports);
    }
  g_free (m);
}

KdhTarget *
kdh_target_new (KdhTargetRequestFunc request,
                gpointer             request_data)
{
  KdhTarget *t = g_new0 (KdhTarget, 1);

  t->request = request;
  t->request_data = request_data;
  t->contexts = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
  t->specials = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
  t->breakpoints = g_array_new (FALSE, FALSE, sizeof (KdhBreakpointRecord));
  t->symbol_settings = kdh_symbol_settings_new ();
  return t;
}

KdhSymbolSettings *
kdh_target_get_symbol_settings (KdhTarget *t)
{
  return t->symbol_settings;
}

void
kdh_target_forget_stop (KdhTarget *t)
{
  if (t->have_stop)
    kdh_state_change_clear (&t->stop);
  t->have_stop = FALSE;
  g_hash_table_remove_all (t->contexts);
  g_hash_table_remove_all (t->specials);
}

void
kdh_target_forget_all (KdhTarget *t)
{
  kdh_target_forget_stop (t);
  t->have_version = FALSE;
  t->n_cpus = 0;
  g_clear_pointer (&t->modules, g_ptr_array_unref);
  g_array_set_size (t->breakpoints, 0);
}

void
kdh_target_free (KdhTarget *t)
{
  if (t == NULL)
    return;
  kdh_target_forget_all (t);
  g_hash_table_unref (t->contexts);
  g_hash_table_unref (t->specials);
  g_array_unref (t->breakpoints);
  kdh_symbol_settings_free (t->symbol_settings);
  g_free (t->last_event);
  g_clear_pointer (&t->last_event_time, g_date_time_unref);
  g_free (t);
}

void
kdh_target_set_stop (KdhTarget            *t,
                     const KdhStateChange *stop)
{
  kdh_target_forget_stop (t);
  t->stop = *stop;
  t->stop.path = g_strdup (stop->path);
  t->stop.command_name = g_strdup (stop->command_name);
  t->stop.command = g_strdup (stop->command);
  t->have_stop = TRUE;
  if (stop->number_processors > 0)
    t->n_cpus = stop->number_processors;
  /* A module load changes the module list. */
  if (stop->new_state == KDH_STATE_LOAD_SYMBOLS)
    g_clear_pointer (&t->modules, g_ptr_array_unref);
}

const KdhStateChange *
kdh_target_get_stop (KdhTarget *t)
{
  return t->have_stop ? &t->stop : NULL;
}

void
kdh_target_set_last_event (KdhTarget   *t,
                           const gchar *what)
{
  t->have_last_exception = t->have_stop && t->stop.new_state == KDH_STATE_EXCEPTION;
  if (t->have_last_exception)
    t->last_exception = t->stop.u.exception;
  g_free (t->last_event);
  t->last_event = g_strdup (what);
  g_clear_pointer (&t->last_event_time, g_date_time_unref);
  t->last_event_time = g_date_time_new_now_local ();
}

const KdhException64 *
kdh_target_get_last_exception (KdhTarget *t)
{
  return t->have_last_exception ? &t->last_exception : NULL;
}

const gchar *
kdh_target_get_last_event (KdhTarget  *t,
                           GDateTime **when)
{
  *when = t->last_event_time;
  return t->last_event;
}

guint
kdh_target_get_cpu (KdhTarget *t)
{
  return t->have_stop ? t->stop.processor : 0;
}

guint
kdh_target_get_n_cpus (KdhTarget *t)
{
  return t->n_cpus;
}

/* KUSER_SHARED_DATA, mapped at the same address in every process and the
 * kernel: NtProductType (0x264), ProductTypeIsValid (0x268), SuiteMask
 * (0x2D0). A target that does not offer it leaves the product unknown,
 * which is said as such, not guessed from the build. */
#define KUSER_SHARED_DATA_AMD64 G_GUINT64_CONSTANT (0xFFFFF78000000000)
#define KUSER_SHARED_DATA_I386  G_GUINT64_CONSTANT (0xFFFFFFFFFFDF0000)

static void
read_product (KdhTarget *t)
{
  guint64 kuser = t->version.machine_type == KDH_MACHINE_I386 ? KUSER_SHARED_DATA_I386
                                                               : KUSER_SHARED_DATA_AMD64;
  guint8 product[8], suite[4];
  gsize got = 0;
  guint32 type;

  t->product = KDH_PRODUCT_UNKNOWN;
  t->suite_mask = 0;
  if (!kdh_target_read_virtual (t, kuser + 0x264, product, sizeof product, &got, NULL)
      || got < 5 || product[4] == 0)
    return;
  type = kdh_read_le32 (product);
  if (type < KDH_PRODUCT_WIN_NT || type > KDH_PRODUCT_SERVER_NT)
    return;
  t->product = type;
  if (kdh_target_read_virtual (t, kuser + 0x2D0, suite, sizeof suite, &got, NULL)
      && got == sizeof suite)
    t->suite_mask = kdh_read_le32 (suite);
}

gboolean
kdh_target_ensure_version (KdhTarget  *t,
                           GError    **error)
{
  KdhManipulate request, reply;
  g_autoptr (GBytes) payload = NULL;

  if (t->have_version)
    return TRUE;
  kdh_manipulate_init_get_version (&request);
  if (!t->request (t->request_data, &request, NULL, 0, &reply, &payload, error))
    return FALSE;
  if (!kdh_version_decode (&reply, &t->version, error))
    return FALSE;
  if (kdh_machine_name (t->version.machine_type) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The target's machine type 0x%04x is not supported (x64 and x86 are)."),
                   t->version.machine_type);
      return FALSE;
    }
  t->have_version = TRUE;
  read_product (t);
  return TRUE;
}

const KdhVersion *
kdh_target_get_version (KdhTarget *t)
{
  return t->have_version ? &t->version : NULL;
}

guint16
kdh_target_get_machine (KdhTarget *t)
{
  return t->have_version ? t->version.machine_type : 0;
}

gboolean
kdh_target_is_ptr64 (KdhTarget *t)
{
  if (!t->have_version)
    return TRUE;
  /* The machine type decides: hypervisor stubs report AMD64 without
   * DBGKD_VERS_FLAG_PTR64, and their pointers are 64-bit all the same. */
  switch (t->version.machine_type)
    {
    case KDH_MACHINE_AMD64:
      return TRUE;
    case KDH_MACHINE_I386:
      return FALSE;
    default:
      return (t->version.flags & KDH_VERS_FLAG_PTR64) != 0;
    }
}

const gchar *
kdh_target_get_os_name (KdhTarget *t)
{
  return t->have_version ? kdh_windows_name (t->version.minor_version, t->product) : NULL;
}

KdhProductType
kdh_target_get_product (KdhTarget *t,
                        guint32   *suite_mask)
{
  if (suite_mask)
    *suite_mask = t->suite_mask;
  return t->have_version ? t->product : KDH_PRODUCT_UNKNOWN;
}

gchar *
kdh_target_describe (KdhTarget *t)
{
  if (!t->have_version)
    return NULL;
  if (t->n_cpus > 0)
    return g_strdup_printf (_("%s %u %s, %u CPUs"), kdh_windows_name (t->version.minor_version, t->product),
                            t->version.minor_version, kdh_machine_name (t->version.machine_type),
                            t->n_cpus);
  return g_strdup_printf ("%s %u %s", kdh_windows_name (t->version.minor_version, t->product),
                          t->version.minor_version, kdh_machine_name (t->version.machine_type));
}

/* ---- Memory ------------------------------------------------------------ */

gboolean
kdh_target_read_virtual (KdhTarget  *t,
                         guint64     address,
                         guint8     *buffer,
                         gsize       length,
                         gsize      *bytes_read,
                         GError    **error)
{
  gsize done = 0;

  while (done < length)
    {
      guint32 chunk = (guint32) MIN (length - done, KDH_MAX_MEMORY_TRANSFER);
      KdhManipulate request, reply;
      g_autoptr (GBytes) payload = NULL;
      gsize got;

      kdh_manipulate_init_memory (&request, KDH_API_READ_VIRTUAL_MEMORY, 0, address + done, chunk);
      if (!t->request (t->request_data, &request, NULL, 0, &reply, &payload, error))
        {
          *bytes_read = done;
          return FALSE;
        }
      got = MIN (MIN ((gsize) kdh_manipulate_memory_actual (&reply), reply.data_len), chunk);
      if (got > 0)
        memcpy (buffer + done, reply.data, got);
      done += got;
      if (got < chunk)
        break;
    }
  *bytes_read = done;
  return TRUE;
}

gboolean
kdh_target_write_virtual (KdhTarget    *t,
                          guint64       address,
                          const guint8 *buffer,
                          gsize         length,
                          gsize        *bytes_written,
                          GError      **error)
{
  gsize done = 0;

  t->memory_writes++;
  while (done < length)
    {
      guint32 chunk = (guint32) MIN (length - done, KDH_MAX_MEMORY_TRANSFER);
      KdhManipulate request, reply;
      gsize put;

      kdh_manipulate_init_memory (&request, KDH_API_WRITE_VIRTUAL_MEMORY, 0, address + done, chunk);
      if (!t->request (t->request_data, &request, buffer + done, chunk, &reply, NULL, error))
        {
          *bytes_written = done;
          return FALSE;
        }
      put = MIN (kdh_manipulate_memory_actual (&reply), chunk);
      done += put;
      if (put < chunk)
        break;
    }
  *bytes_written = done;
  return TRUE;
}

/* ---- Registers --------------------------------------------------------- */

GBytes *
kdh_target_get_context (KdhTarget  *t,
                        guint       cpu,
                        GError    **error)
{
  GBytes *cached = g_hash_table_lookup (t->contexts, GUINT_TO_POINTER (cpu));
  KdhManipulate request, reply;
  g_autoptr (GBytes) payload = NULL;
  gsize size;

  if (cached)
    return g_bytes_ref (cached);
  if (!_kdh_target_need_stop (t, error))
    return NULL;
  size = kdh_context_size (t->version.machine_type);
  kdh_manipulate_init_get_context (&request, (guint16) cpu);
  if (!t->request (t->request_data, &request, NULL, 0, &reply, &payload, error))
    return NULL;
  if (reply.return_status != KDH_STATUS_SUCCESS || reply.data_len < size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The target did not return the registers of processor %u (status 0x%08x, "
                     "%zu of %zu bytes)."), cpu, reply.return_status, reply.data_len, size);
      return NULL;
    }
  cached = g_bytes_new (reply.data, size);
  g_hash_table_insert (t->contexts, GUINT_TO_POINTER (cpu), cached);
  return g_bytes_ref (cached);
}

/* For kdh-target-registers.c. */
GHashTable *
_kdh_target_special_cache (KdhTarget *t)
{
  return t->specials;
}

gboolean
_kdh_target_request (KdhTarget           *t,
                     const KdhManipulate *request,
                     KdhManipulate       *reply,
                     GBytes             **payload,
                     GError             **error)
{
  return t->request (t->request_data, request, NULL, 0, reply, payload, error);
}

/* A processor's state can be asked for: the target is stopped and its
 * version (machine type) known. */
gboolean
_kdh_target_need_stop (KdhTarget  *t,
                       GError    **error)
{
  if (!t->have_stop)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("The target is running; break in first (%s)."),
                   kdh_front_end_key_name (KDH_FRONT_END_KEY_BREAK));
      return FALSE;
    }
  return kdh_target_ensure_version (t, error);
}

void
_kdh_target_bad_register (GError     **error,
                          const gchar *name)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("Bad register error at '%s'"), name);
}

gboolean
kdh_target_set_register (KdhTarget   *t,
                         const gchar *name,
                         guint64      value,
                         GError     **error)
{
  guint cpu = kdh_target_get_cpu (t);
  g_autoptr (GBytes) ctx = kdh_target_get_context (t, cpu, error);
  const KdhRegisterInfo *reg;
  KdhManipulate request, reply;
  g_autofree guint8 *copy = NULL;
  const guint8 *data;
  gsize len;

  if (ctx == NULL)
    return FALSE;
  data = g_bytes_get_data (ctx, &len);
  reg = kdh_context_find_register (t->version.machine_type, name);
  if (reg == NULL && kdh_flag_find (name) != NULL)
    {
      /* A flag: EFLAGS with that bit changed. */
      const KdhRegisterInfo *efl = kdh_context_find_register (t->version.machine_type, "efl");
      guint64 eflags;

      if (efl == NULL || !kdh_context_get (data, len, efl, &eflags))
        {
          _kdh_target_bad_register (error, name);
          return FALSE;
        }
      if (!kdh_flag_set (kdh_flag_find (name), eflags, value, &eflags))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("%s cannot hold 0x%" G_GINT64_MODIFIER "x."), name, value);
          return FALSE;
        }
      reg = efl;
      value = eflags;
    }
  if (reg == NULL && kdh_special_find (t->version.machine_type, name) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s cannot be set: kdhost does not write control registers."), name);
      return FALSE;
    }
  if (reg == NULL)
    {
      _kdh_target_bad_register (error, name);
      return FALSE;
    }
  copy = g_memdup2 (data, len);
  kdh_context_set (copy, len, reg, value);
  kdh_manipulate_init_set_context (&request, (guint16) cpu,
                                   t->version.machine_type == KDH_MACHINE_AMD64
                                   ? KDH_CONTEXT_AMD64_ALL : KDH_CONTEXT_I386_ALL);
  if (!t->request (t->request_data, &request, copy, len, &reply, NULL, error))
    return FALSE;
  if (reply.return_status != KDH_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The target refused the new registers (status 0x%08x)."), reply.return_status);
      return FALSE;
    }
  g_hash_table_insert (t->contexts, GUINT_TO_POINTER (cpu), g_bytes_new_take (g_steal_pointer (&copy), len));
  return TRUE;
}

/* ---- Modules ----------------------------------------------------------- */

static gboolean
read_exact (KdhTarget  *t,
            guint64     address,
            guint8     *buffer,
            gsize       length,
            GError    **error)
{
  gsize got;

  if (!kdh_target_read_virtual (t, address, buffer, length, &got, error))
    return FALSE;
  if (got == length)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("Memory at 0x%016" G_GINT64_MODIFIER "x could not be read (%zu of %zu bytes)."),
               address, got, length);
  return FALSE;
}

static guint64
sign_extend32 (guint64 v)
{
  return (guint64) (gint64) (gint32) (guint32) v;
}

/* WinDbg's module names: "nt" for any kernel image, "hal" for any HAL,
 * otherwise the file name without extension. */
static gchar *
short_module_name (const gchar *file)
{
  g_autofree gchar *lower = g_ascii_strdown (file, -1);
  const gchar *dot;

  if (g_str_has_prefix (lower, "ntoskrnl") || g_str_has_prefix (lower, "ntkrnl")
      || g_str_has_prefix (lower, "ntkrpamp"))
    return g_strdup ("nt");
  if (g_str_has_prefix (lower, "hal") && g_str_has_suffix (lower, ".dll"))
    return g_strdup ("hal");
  dot = strrchr (file, '.');
  return dot ? g_strndup (file, dot - file) : g_strdup (file);
}

static gchar *
read_unicode_string (KdhTarget    *t,
                     const guint8 *us,
                     gboolean      ptr64)
{
  guint16 length = (guint16) kdh_read_le16 (us);
  guint64 buffer = ptr64 ? kdh_read_le64 (us + 8) : sign_extend32 (kdh_read_le32 (us + 4));
  g_autofree guint8 *bytes = NULL;
  gsize got;

  length = MIN (length, MAX_NAME_BYTES) & ~1u;
  if (length == 0 || buffer == 0)
    return NULL;
  bytes = g_malloc (length);
  if (!kdh_target_read_virtual (t, buffer, bytes, length, &got, NULL) || got != length)
    return NULL;
  return g_utf16_to_utf8 ((const gunichar2 *) bytes, length / 2, NULL, NULL, NULL);
}

gboolean
kdh_target_ensure_modules (KdhTarget  *t,
                           GError    **error)
{
  gboolean ptr64;
  guint ptr_size;
  guint8 entry[0x68];
  guint64 head, next;
  g_autoptr (GPtrArray) modules = NULL;
  /* KLDR_DATA_TABLE_ENTRY (docs/protocol.md §3.7a). */
  guint off_base, off_size, off_base_name, entry_size;

  if (t->modules)
    return TRUE;
  if (!kdh_target_ensure_version (t, error))
    return FALSE;
  ptr64 = kdh_target_is_ptr64 (t);
  ptr_size = ptr64 ? 8 : 4;
  off_base = ptr64 ? 0x30 : 0x18;
  off_size = ptr64 ? 0x40 : 0x20;
  off_base_name = ptr64 ? 0x58 : 0x2C;
  entry_size = ptr64 ? 0x68 : 0x34;

  head = t->version.ps_loaded_module_list;
  if (!ptr64)
    head = sign_extend32 (head);
  if (!read_exact (t, head, entry, ptr_size, error))
    return FALSE;
  next = ptr64 ? kdh_read_le64 (entry) : sign_extend32 (kdh_read_le32 (entry));
  modules = g_ptr_array_new_with_free_func (module_free);

  while (next != head && next != 0)
    {
      KdhModule *m;
      g_autofree gchar *base_name = NULL;

      if (modules->len >= MAX_MODULES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("PsLoadedModuleList has more than %u entries; the list looks corrupt."),
                       MAX_MODULES);
          return FALSE;
        }
      if (!read_exact (t, next, entry, entry_size, error))
        return FALSE;
      base_name = read_unicode_string (t, entry + off_base_name, ptr64);
      m = g_new0 (KdhModule, 1);
      m->base = ptr64 ? kdh_read_le64 (entry + off_base) : sign_extend32 (kdh_read_le32 (entry + off_base));
      m->size = (guint32) kdh_read_le32 (entry + off_size);
      m->name = base_name ? g_strdup (base_name)
                          : g_strdup_printf ("image%016" G_GINT64_MODIFIER "x", m->base);
      m->short_name = short_module_name (m->name);
      g_ptr_array_add (modules, m);
      next = ptr64 ? kdh_read_le64 (entry) : sign_extend32 (kdh_read_le32 (entry));
    }
  t->modules = g_steal_pointer (&modules);
  return TRUE;
}

GPtrArray *
kdh_target_get_modules (KdhTarget *t)
{
  return t->modules;
}

guint64
kdh_target_get_memory_writes (KdhTarget *t)
{
  return t->memory_writes;
}

static gint
compare_exports (gconstpointer a,
                 gconstpointer b)
{
  const KdhExport *x = a, *y = b;

  return x->address < y->address ? -1 : x->address > y->address;
}

gboolean
kdh_target_ensure_exports (KdhTarget  *t,
                           KdhModule  *m,
                           GError    **error)
{
  guint8 dos[0x40], nt[0x108], dir[0x28];
  guint32 pe_offset, export_rva, export_size, n_functions, n_names, functions_rva, names_rva,
    ordinals_rva;
  gboolean pe32plus;
  g_autofree guint8 *table = NULL;
  g_autoptr (GArray) exports = NULL;
  guint32 table_start, table_end;

  if (m->exports)
    return TRUE;
  /* Mark it loaded (empty) first, so a failure is not retried on every
   * symbol lookup. */
  m->exports = g_array_new (FALSE, FALSE, sizeof (KdhExport));

  if (!read_exact (t, m->base, dos, sizeof dos, error))
    return FALSE;
  pe_offset = (guint32) kdh_read_le32 (dos + 0x3C);
  if (dos[0] != 'M' || dos[1] != 'Z' || pe_offset > 0x10000)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s has no MZ header."), m->name);
      return FALSE;
    }
  if (!read_exact (t, m->base + pe_offset, nt, sizeof nt, error))
    return FALSE;
  if (memcmp (nt, "PE\0\0", 4) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s has no PE header."), m->name);
      return FALSE;
    }
  pe32plus = kdh_read_le16 (nt + 0x18) == 0x20B;
  export_rva = (guint32) kdh_read_le32 (nt + 0x18 + (pe32plus ? 0x70 : 0x60));
  export_size = (guint32) kdh_read_le32 (nt + 0x18 + (pe32plus ? 0x74 : 0x64));
  m->timestamp = (guint32) kdh_read_le32 (nt + 0x08);
  m->checksum = (guint32) kdh_read_le32 (nt + 0x18 + 0x40);
  if (export_rva == 0 || export_size < sizeof dir)
    return TRUE;   /* no exports: fine */

  if (!read_exact (t, m->base + export_rva, dir, sizeof dir, error))
    return FALSE;
  n_functions = (guint32) kdh_read_le32 (dir + 0x14);
  n_names = (guint32) kdh_read_le32 (dir + 0x18);
  functions_rva = (guint32) kdh_read_le32 (dir + 0x1C);
  names_rva = (guint32) kdh_read_le32 (dir + 0x20);
  ordinals_rva = (guint32) kdh_read_le32 (dir + 0x24);
  if (n_functions > MAX_EXPORTS || n_names > MAX_EXPORTS || n_names > n_functions)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s has an implausible export directory (%u functions, %u names)."),
                   m->name, n_functions, n_names);
      return FALSE;
    }

  /* Read everything from the lowest to the highest table in one go: on a
   * serial line one large read beats thousands of small ones. Names that
   * fall outside are read one by one. */
  table_start = MIN (MIN (functions_rva, names_rva), MIN (ordinals_rva, export_rva));
  table_end = MAX (MAX (functions_rva + 4 * n_functions, names_rva + 4 * n_names),
                   MAX (ordinals_rva + 2 * n_names, export_rva + export_size));
  if (table_end < table_start || table_end - table_start > MAX_EXPORT_DIRECTORY
      || table_end > m->size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s has an export directory outside its image."), m->name);
      return FALSE;
    }
  table = g_malloc (MAX (table_end - table_start, 1));
  if (!read_exact (t, m->base + table_start, table, table_end - table_start, error))
    return FALSE;

  exports = g_array_sized_new (FALSE, FALSE, sizeof (KdhExport), n_names);
  for (guint32 i = 0; i < n_names; i++)
    {
      guint32 name_rva = (guint32) kdh_read_le32 (table + names_rva - table_start + 4 * i);
      guint16 ordinal = (guint16) kdh_read_le16 (table + ordinals_rva - table_start + 2 * i);
      guint32 function_rva;
      KdhExport e;

      if (ordinal >= n_functions)
        continue;
      function_rva = (guint32) kdh_read_le32 (table + functions_rva - table_start + 4 * ordinal);
      /* A forwarder points back into the export directory: no code here. */
      if (function_rva >= export_rva && function_rva < export_rva + export_size)
        continue;
      if (name_rva >= table_start && name_rva < table_end)
        e.name = g_strndup ((const gchar *) table + name_rva - table_start,
                            MIN (table_end - name_rva, MAX_NAME_BYTES));
      else
        {
          guint8 buf[MAX_NAME_BYTES];
          gsize got;

          if (!kdh_target_read_virtual (t, m->base + name_rva, buf, 256, &got, error))
            return FALSE;
          e.name = g_strndup ((const gchar *) buf, got);
        }
      e.address = m->base + function_rva;
      g_array_append_val (exports, e);
    }
  g_array_sort (exports, compare_exports);
  g_array_unref (m->exports);
  m->exports = g_steal_pointer (&exports);
  return TRUE;
}

/* ---- Breakpoints ------------------------------------------------------- */

void
kdh_target_add_breakpoint (KdhTarget *t,
                           guint32    handle,
                           guint64    address)
{
  KdhBreakpointRecord record = { handle, address };
  guint i;

  kdh_target_remove_breakpoint (t, handle);
  for (i = 0; i < t->breakpoints->len; i++)
    if (g_array_index (t->breakpoints, KdhBreakpointRecord, i).handle > handle)
      break;
  g_array_insert_val (t->breakpoints, i, record);
}

void
kdh_target_remove_breakpoint (KdhTarget *t,
                              guint32    handle)
{
  for (guint i = 0; i < t->breakpoints->len; i++)
    if (g_array_index (t->breakpoints, KdhBreakpointRecord, i).handle == handle)
      {
        g_array_remove_index (t->breakpoints, i);
        return;
      }
}

const GArray *
kdh_target_get_breakpoints (KdhTarget *t)
{
  return t->breakpoints;
}
