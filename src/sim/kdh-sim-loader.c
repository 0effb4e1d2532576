/* kdh-sim-loader.c: loads the built-in PE images into the simulated machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a boot loader (and MmLoadSystemImage for a driver loaded later)
 * does with a PE32+ image: maps SizeOfImage at the image's base, copies the
 * headers and sections, applies base relocations when the base is not the
 * linked one, and binds the import address table to the exports of images
 * already loaded. The images come from kdh-sim-guest (embedded); the
 * export tables are read back from memory as a debugger would.
 */
#include <string.h>

#include <gio/gio.h>

#include "kdh-sim-guest.h"
#include "kdh-sim-kernel-private.h"

#define IMAGE_REL_BASED_ABSOLUTE 0
#define IMAGE_REL_BASED_DIR64    10

typedef struct {
  const gchar *file_name;
  const gchar *base_name;
  const gchar *full_path;
} BootImage;

/* Load order, as PsLoadedModuleList lists them. */
static const BootImage boot_images[] = {
  { "ntoskrnl.exe", "nt", "\\SystemRoot\\system32\\ntoskrnl.exe" },
  { "hal.dll", "hal", "\\SystemRoot\\system32\\hal.dll" },
  { "kdcom.dll", "kdcom", "\\SystemRoot\\system32\\kdcom.dll" },
  { "kdhtest.sys", "kdhtest", "\\SystemRoot\\system32\\drivers\\kdhtest.sys" },
  { "CI.dll", "CI", "\\SystemRoot\\system32\\CI.dll" },
  { "ACPI.sys", "ACPI", "\\SystemRoot\\System32\\drivers\\ACPI.sys" },
  { "Ntfs.sys", "Ntfs", "\\SystemRoot\\System32\\Drivers\\Ntfs.sys" },
};

typedef struct {
  const guint8 *data;
  gsize len;
  guint32 nt;              /* offset of "PE\0\0" */
  guint16 n_sections;
  guint32 sections;        /* offset of the section table */
  guint64 image_base;
  guint32 size_of_image;
  guint32 size_of_headers;
} PeFile;

static guint32
file_u32 (const PeFile *pe, gsize off)
{
  return off + 4 <= pe->len ? (guint32) _kdh_sim_get (pe->data, (guint) off, 4) : 0;
}

static gboolean
pe_open (PeFile       *pe,
         GBytes       *bytes,
         const gchar  *name,
         GError      **error)
{
  guint32 oh;

  pe->data = g_bytes_get_data (bytes, &pe->len);
  if (pe->len < 0x40 || pe->data[0] != 'M' || pe->data[1] != 'Z')
    goto bad;
  pe->nt = file_u32 (pe, 0x3C);
  if (pe->nt > pe->len - 24 - 0xF0 || file_u32 (pe, pe->nt) != 0x00004550
      || _kdh_sim_get (pe->data, pe->nt + 4, 2) != 0x8664)
    goto bad;
  oh = pe->nt + 24;
  if (_kdh_sim_get (pe->data, oh, 2) != 0x20B)
    goto bad;
  pe->n_sections = (guint16) _kdh_sim_get (pe->data, pe->nt + 6, 2);
  pe->sections = oh + (guint32) _kdh_sim_get (pe->data, pe->nt + 20, 2);
  if (pe->sections + 40u * pe->n_sections > pe->len)
    goto bad;
  pe->image_base = _kdh_sim_get (pe->data, oh + 0x18, 8);
  pe->size_of_image = file_u32 (pe, oh + 0x38);
  pe->size_of_headers = file_u32 (pe, oh + 0x3C);
  if (pe->size_of_headers > pe->len || pe->size_of_headers > pe->size_of_image)
    goto bad;
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s is not an x64 PE32+ image", name);
  return FALSE;
}

static guint32
mem_u32 (KdhSimKernel *k, guint64 a)
{
  return _kdh_sim_peek_u32 (k, a);
}

static guint16
mem_u16 (KdhSimKernel *k, guint64 a)
{
  guint8 b[2] = { 0 };

  _kdh_sim_raw_read (k, a, b, 2);
  return (guint16) _kdh_sim_get (b, 0, 2);
}

static gchar *
mem_string (KdhSimKernel *k, guint64 a)
{
  GString *s = g_string_new (NULL);
  guint8 c;

  while (s->len < 256 && _kdh_sim_raw_read (k, a + s->len, &c, 1) == 1 && c != 0)
    g_string_append_c (s, (gchar) c);
  return g_string_free (s, FALSE);
}

static guint32
data_directory (KdhSimKernel *k, guint64 base, guint index, guint32 *size)
{
  guint64 oh = base + mem_u32 (k, base + 0x3C) + 24;

  if (size != NULL)
    *size = mem_u32 (k, oh + 0x74 + 8 * index);
  return mem_u32 (k, oh + 0x70 + 8 * index);
}

static gint
compare_exports (gconstpointer a, gconstpointer b)
{
  return strcmp (((const KdhSimExport *) a)->name, ((const KdhSimExport *) b)->name);
}

/* The export table as it is in memory. */
static void
read_exports (KdhSimKernel *k,
              KdhSimImage  *image)
{
  guint64 base = image->m.base;
  guint32 size, rva = data_directory (k, base, 0, &size);
  guint32 n_functions, n_names, functions, names, ordinals;

  image->exports = g_array_new (FALSE, FALSE, sizeof (KdhSimExport));
  if (rva == 0 || size == 0)
    return;
  n_functions = mem_u32 (k, base + rva + 0x14);
  n_names = mem_u32 (k, base + rva + 0x18);
  functions = mem_u32 (k, base + rva + 0x1C);
  names = mem_u32 (k, base + rva + 0x20);
  ordinals = mem_u32 (k, base + rva + 0x24);
  for (guint32 i = 0; i < n_names; i++)
    {
      guint16 ordinal = mem_u16 (k, base + ordinals + 2 * i);
      KdhSimExport e;

      if (ordinal >= n_functions)
        continue;
      e.name = mem_string (k, base + mem_u32 (k, base + names + 4 * i));
      e.address = base + mem_u32 (k, base + functions + 4 * ordinal);
      g_array_append_val (image->exports, e);
    }
  g_array_sort (image->exports, compare_exports);
}

guint64
_kdh_sim_image_export (const KdhSimImage *image,
                       const gchar       *name)
{
  KdhSimExport key = { (gchar *) name, 0 };
  guint index;

  if (image->exports != NULL
      && g_array_binary_search (image->exports, &key, compare_exports, &index))
    return g_array_index (image->exports, KdhSimExport, index).address;
  return 0;
}

void
_kdh_sim_image_free (KdhSimImage *image)
{
  if (image == NULL)
    return;
  if (image->exports != NULL)
    {
      for (guint i = 0; i < image->exports->len; i++)
        g_free (g_array_index (image->exports, KdhSimExport, i).name);
      g_array_unref (image->exports);
    }
  g_free (image->base_name);
  g_free (image->file_name);
  g_free (image->full_path);
  g_free (image);
}

static gboolean
apply_relocations (KdhSimKernel  *k,
                   guint64        base,
                   guint64        delta,
                   const gchar   *name,
                   GError       **error)
{
  guint32 size, rva = data_directory (k, base, 5, &size);
  guint32 at = 0;

  while (delta != 0 && rva != 0 && at + 8 <= size)
    {
      guint32 page = mem_u32 (k, base + rva + at);
      guint32 block = mem_u32 (k, base + rva + at + 4);

      if (block < 8 || at + block > size)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: a base relocation block has a bad size (%u)", name, block);
          return FALSE;
        }
      for (guint32 i = 8; i + 2 <= block; i += 2)
        {
          guint16 entry = mem_u16 (k, base + rva + at + i);
          guint64 target = base + page + (entry & 0xFFF);

          switch (entry >> 12)
            {
            case IMAGE_REL_BASED_ABSOLUTE:
              break;
            case IMAGE_REL_BASED_DIR64:
              _kdh_sim_poke_u64 (k, target, _kdh_sim_peek_u64 (k, target) + delta);
              break;
            default:
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "%s: base relocation type %u is not an x64 one", name, entry >> 12);
              return FALSE;
            }
        }
      at += block;
    }
  return TRUE;
}

static const KdhSimImage *
find_image (KdhSimKernel *k,
            const gchar  *file_name)
{
  for (guint i = 0; i < k->images->len; i++)
    {
      const KdhSimImage *image = k->images->pdata[i];

      if (g_ascii_strcasecmp (image->file_name, file_name) == 0)
        return image;
    }
  return NULL;
}

/* Fills the import address table from the exports of loaded images. */
static gboolean
bind_imports (KdhSimKernel  *k,
              KdhSimImage   *image,
              GError       **error)
{
  guint64 base = image->m.base;
  guint32 rva = data_directory (k, base, 1, NULL);

  for (guint64 d = base + rva; rva != 0; d += 20)
    {
      guint32 lookup = mem_u32 (k, d), name_rva = mem_u32 (k, d + 12), iat = mem_u32 (k, d + 16);
      g_autofree gchar *dll = NULL;
      const KdhSimImage *from;

      if (name_rva == 0 && iat == 0)
        break;
      dll = mem_string (k, base + name_rva);
      from = find_image (k, dll);
      if (from == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "%s imports from %s, which is not loaded", image->file_name, dll);
          return FALSE;
        }
      if (lookup == 0)
        lookup = iat;
      for (guint i = 0;; i++)
        {
          guint64 thunk = _kdh_sim_peek_u64 (k, base + lookup + 8 * i);
          g_autofree gchar *symbol = NULL;
          guint64 address;

          if (thunk == 0)
            break;
          if (thunk >> 63)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "%s imports from %s by ordinal, which the loader does not do",
                           image->file_name, dll);
              return FALSE;
            }
          symbol = mem_string (k, base + (guint32) thunk + 2);
          address = _kdh_sim_image_export (from, symbol);
          if (address == 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "%s imports %s!%s, which it does not export", image->file_name, dll,
                           symbol);
              return FALSE;
            }
          _kdh_sim_poke_u64 (k, base + iat + 8 * i, address);
        }
    }
  return TRUE;
}

/* Copies the image into memory at @base; relocations and imports follow. */
static KdhSimImage *
map_image (KdhSimKernel  *k,
           const gchar   *file_name,
           const gchar   *as_name,
           const gchar   *base_name,
           const gchar   *full_path,
           guint64        base,
           GError       **error)
{
  g_autoptr (GBytes) bytes = kdh_sim_guest_image (file_name);
  KdhSimImage *image;
  PeFile pe;
  guint64 oh;

  if (bytes == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "no built-in image is called %s", file_name);
      return NULL;
    }
  if (!pe_open (&pe, bytes, file_name, error))
    return NULL;
  if (base == 0)
    base = pe.image_base;

  _kdh_sim_map (k, base, (pe.size_of_image + KDH_SIM_PAGE_SIZE - 1) & ~(guint64) (KDH_SIM_PAGE_SIZE - 1),
                FALSE);
  _kdh_sim_poke (k, base, pe.data, pe.size_of_headers);
  for (guint i = 0; i < pe.n_sections; i++)
    {
      guint32 sh = pe.sections + 40 * i;
      guint32 vsize = file_u32 (&pe, sh + 8), va = file_u32 (&pe, sh + 12);
      guint32 raw = file_u32 (&pe, sh + 16), ptr = file_u32 (&pe, sh + 20);
      guint32 n = MIN (raw, vsize);

      if ((guint64) ptr + n > pe.len || (guint64) va + n > pe.size_of_image)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: section %u lies outside the file or the image", file_name, i);
          return NULL;
        }
      _kdh_sim_poke (k, base + va, pe.data + ptr, n);
    }

  image = g_new0 (KdhSimImage, 1);
  image->base_name = g_strdup (base_name);
  image->file_name = g_strdup (as_name);
  image->full_path = g_strdup (full_path);
  image->m.base_name = image->base_name;
  image->m.file_name = image->file_name;
  image->m.full_path = image->full_path;
  image->m.base = base;
  image->m.size_of_image = pe.size_of_image;
  oh = base + pe.nt + 24;
  image->m.timestamp = mem_u32 (k, base + pe.nt + 8);
  image->m.checksum = mem_u32 (k, oh + 0x40);
  image->entry_point = base + mem_u32 (k, oh + 0x10);
  if (base != pe.image_base)
    {
      if (!apply_relocations (k, base, base - pe.image_base, file_name, error))
        {
          _kdh_sim_image_free (image);
          return NULL;
        }
      _kdh_sim_poke_u64 (k, oh + 0x18, base);
    }
  read_exports (k, image);
  return image;
}

void
_kdh_sim_load_boot_images (KdhSimKernel *k)
{
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (boot_images); i++)
    {
      const BootImage *b = &boot_images[i];
      KdhSimImage *image = map_image (k, b->file_name, b->file_name, b->base_name, b->full_path,
                                      0, &error);

      if (image == NULL)
        g_error ("kdhost-sim: the built-in image %s cannot be loaded: %s", b->file_name,
                 error->message);
      g_ptr_array_add (k->images, image);
    }
  /* Bound once all are in memory: ntoskrnl imports from kdcom, which is
   * listed after it. */
  for (guint i = 0; i < k->images->len; i++)
    if (!bind_imports (k, k->images->pdata[i], &error))
      g_error ("kdhost-sim: %s", error->message);
}

KdhSimImage *
_kdh_sim_load_image (KdhSimKernel  *k,
                     const gchar   *file_name,
                     const gchar   *as_name,
                     guint64        base,
                     GError       **error)
{
  g_autofree gchar *dot = NULL;
  g_autofree gchar *base_name = NULL;
  g_autofree gchar *full_path = NULL;
  KdhSimImage *image;

  if (find_image (k, as_name) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s is already loaded", as_name);
      return NULL;
    }
  base_name = g_strdup (as_name);
  if ((dot = g_strdup (strrchr (base_name, '.'))) != NULL)
    base_name[strlen (base_name) - strlen (dot)] = 0;
  full_path = g_strconcat ("\\SystemRoot\\system32\\drivers\\", as_name, NULL);
  image = map_image (k, file_name, as_name, base_name, full_path, base, error);
  if (image == NULL)
    return NULL;
  if (!bind_imports (k, image, error))
    {
      _kdh_sim_image_free (image);
      return NULL;
    }
  return image;
}
