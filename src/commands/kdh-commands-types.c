/* kdh-commands-types.c: dt, types from the modules' PDBs
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * dt [mod!]Type [Field] [Address] [-r[N]], and dt [mod!]Global: a
 * structure's layout in KD's format ("   +0x008 Id               : Uint4B"),
 * or with an address its members' values read from target memory.
 */
#include "kdh-commands-private.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "symbols/kdh-pdb-types.h"
#include "target/kdh-target-symbols.h"

#define say kdh_command_call_print
/* WinDbg's deepest -r. */
#define MAX_DEPTH 9
#define MAX_STRING 64

typedef struct {
  KdhCommandCall *inv;
  KdhTarget *target;
  KdhPdb *pdb;
  gboolean have_address;
  const gchar *field;          /* only this member; NULL: all */
} Dump;

static gboolean
read_bytes (KdhTarget *target,
            guint64    address,
            guint8    *buf,
            gsize      len)
{
  gsize got = 0;

  return kdh_target_read_virtual (target, address, buf, len, &got, NULL) && got == len;
}

static guint64
little_endian (const guint8 *buf,
               gsize         len)
{
  guint64 v = 0;

  for (gsize i = len; i > 0; i--)
    v = v << 8 | buf[i - 1];
  return v;
}

static gint64
sign_extend (guint64 v,
             gsize   len)
{
  guint bits = 8 * (guint) len;

  return bits >= 64 ? (gint64) v : (gint64) (v << (64 - bits)) >> (64 - bits);
}

/* Through modifiers and forward references to what the type really is. */
static guint32
strip (KdhPdb  *pdb,
       guint32  index,
       KdhType *t)
{
  for (guint depth = 0; depth < 16; depth++)
    {
      index = kdh_pdb_resolve_type (pdb, index);
      if (!kdh_pdb_get_type (pdb, index, t) || t->kind != KDH_TYPE_MODIFIER)
        break;
      index = t->element;
    }
  return index;
}

static void
append_char (GString *out,
             guint64  c)
{
  if (c >= 0x20 && c < 0x7F)
    g_string_append_printf (out, " '%c'", (gchar) c);
  else
    g_string_append (out, " ''");
}

static void
append_enumerator (KdhPdb  *pdb,
                   GString *out,
                   guint32  field_list,
                   gint64   value)
{
  g_autoptr (GArray) members = kdh_pdb_get_members (pdb, field_list);

  for (guint i = 0; members != NULL && i < members->len; i++)
    if ((gint64) g_array_index (members, KdhTypeMember, i).value == value)
      {
        g_string_append_printf (out, " ( %s )", g_array_index (members, KdhTypeMember, i).name);
        return;
      }
}

/* One value of type @index at @address, as dt writes it after the ':'. */
static void
append_value (Dump    *d,
              GString *out,
              guint32  index,
              guint64  address)
{
  KdhType t;
  guint8 buf[8];
  gsize size;

  index = strip (d->pdb, index, &t);
  size = (gsize) MIN (t.size, sizeof buf);
  switch (t.kind)
    {
    case KDH_TYPE_BASE:
    case KDH_TYPE_ENUM:
      {
        guint64 v;

        if (t.kind == KDH_TYPE_ENUM)
          size = (gsize) MIN (kdh_pdb_type_size (d->pdb, t.element), sizeof buf);
        if (size == 0 || !read_bytes (d->target, address, buf, size))
          {
            g_string_append (out, "??");
            return;
          }
        v = little_endian (buf, size);
        if (t.kind == KDH_TYPE_ENUM)
          {
            g_string_append_printf (out, "0n%" G_GINT64_FORMAT, sign_extend (v, size));
            append_enumerator (d->pdb, out, t.field_list, sign_extend (v, size));
          }
        else if (strcmp (t.name, "Float") == 0 || strcmp (t.name, "Double") == 0)
          {
            gdouble f;
            gfloat g;

            if (size == 4)
              memcpy (&g, buf, 4), f = g;
            else
              memcpy (&f, buf, 8);
            g_string_append_printf (out, "%g", f);
          }
        else if (t.is_signed)
          {
            g_string_append_printf (out, t.is_char ? "%" G_GINT64_FORMAT : "0n%" G_GINT64_FORMAT,
                                    sign_extend (v, size));
            if (t.is_char)
              append_char (out, v);
          }
        else
          {
            g_string_append_printf (out, "0x%" G_GINT64_MODIFIER "x", v);
            if (t.is_char && size == 1)
              append_char (out, v);
          }
        return;
      }
    case KDH_TYPE_POINTER:
      {
        g_autofree gchar *where = NULL;
        guint64 p;
        KdhType to;

        if (size == 0 || !read_bytes (d->target, address, buf, size))
          {
            g_string_append (out, "??");
            return;
          }
        p = size == 4 ? (guint64) sign_extend (little_endian (buf, 4), 4) : little_endian (buf, 8);
        where = kdh_commands_format_address (d->target, p);
        g_string_append_printf (out, "0x%s", where);
        strip (d->pdb, t.element, &to);
        if (to.kind == KDH_TYPE_BASE && to.is_char && to.size == 1 && p != 0)
          {
            guint8 text[MAX_STRING + 1] = { 0 };
            gsize got = 0;

            /* What a char pointer points at, as KD shows it. */
            kdh_target_read_virtual (d->target, p, text, MAX_STRING, &got, NULL);
            text[MIN (got, MAX_STRING)] = 0;
            g_string_append_printf (out, "  \"%s\"", (const gchar *) text);
          }
        else
          {
            g_autofree gchar *name = kdh_pdb_type_name (d->pdb, t.element);

            g_string_append_printf (out, " %s", name);
          }
        return;
      }
    case KDH_TYPE_ARRAY:
      {
        guint64 element = kdh_pdb_type_size (d->pdb, t.element);
        KdhType e;

        g_string_append_printf (out, "[%" G_GUINT64_FORMAT "] ", element ? t.size / element : 0);
        strip (d->pdb, t.element, &e);
        if (e.kind == KDH_TYPE_BASE && e.is_char && e.size == 1)
          {
            guint8 text[MAX_STRING + 1] = { 0 };
            gsize n = (gsize) MIN (t.size, MAX_STRING);

            if (read_bytes (d->target, address, text, n))
              g_string_append_printf (out, " \"%s\"", (const gchar *) text);
            else
              g_string_append (out, "??");
          }
        else if (e.kind == KDH_TYPE_STRUCT || e.kind == KDH_TYPE_UNION)
          g_string_append (out, e.name != NULL ? e.name : "<unnamed>");
        else
          append_value (d, out, t.element, address);
        return;
      }
    case KDH_TYPE_BITFIELD:
      {
        gsize base = (gsize) MIN (kdh_pdb_type_size (d->pdb, t.element), sizeof buf);
        guint64 v;

        if (base == 0 || !read_bytes (d->target, address, buf, base))
          {
            g_string_append (out, "??");
            return;
          }
        v = little_endian (buf, base) >> t.bit_position;
        g_string_append (out, "0y");
        for (guint i = t.bit_length; i > 0; i--)
          g_string_append_c (out, (v >> (i - 1)) & 1 ? '1' : '0');
        return;
      }
    case KDH_TYPE_STRUCT:
    case KDH_TYPE_UNION:
      {
        guint8 links[16];

        /* A list head shows where it points, as KD's does. */
        if (t.name != NULL && strcmp (t.name, "_LIST_ENTRY") == 0 && t.size == 16
            && read_bytes (d->target, address, links, 16))
          {
            g_autofree gchar *flink = kdh_commands_format_address (d->target,
                                                                   little_endian (links, 8));
            g_autofree gchar *blink = kdh_commands_format_address (d->target,
                                                                   little_endian (links + 8, 8));

            g_string_append_printf (out, "_LIST_ENTRY [ 0x%s - 0x%s ]", flink, blink);
            return;
          }
        g_string_append (out, t.name != NULL ? t.name : "<unnamed>");
        return;
      }
    default:
      {
        g_autofree gchar *name = kdh_pdb_type_name (d->pdb, index);

        g_string_append (out, name);
      }
    }
}

static void
dump_members (Dump    *d,
              guint32  index,
              guint64  address,
              guint    indent,
              guint    depth)
{
  g_autoptr (GArray) members = NULL;
  KdhType t;

  index = strip (d->pdb, index, &t);
  if ((t.kind != KDH_TYPE_STRUCT && t.kind != KDH_TYPE_UNION) || t.field_list == 0)
    return;
  members = kdh_pdb_get_members (d->pdb, t.field_list);
  for (guint i = 0; members != NULL && i < members->len; i++)
    {
      const KdhTypeMember *m = &g_array_index (members, KdhTypeMember, i);
      g_autoptr (GString) line = g_string_new (NULL);
      KdhType mt;

      if (indent == 0 && d->field != NULL && g_ascii_strcasecmp (m->name, d->field) != 0)
        continue;
      g_string_append_printf (line, "%*s   +0x%03" G_GINT64_MODIFIER "x %-16s : ", indent, "",
                              m->value, m->name);
      if (d->have_address)
        append_value (d, line, m->type, address + m->value);
      else
        {
          g_autofree gchar *name = kdh_pdb_type_name (d->pdb, m->type);

          g_string_append (line, name);
        }
      say (d->inv, "%s\n", line->str);
      strip (d->pdb, m->type, &mt);
      if (depth > 0 && (mt.kind == KDH_TYPE_STRUCT || mt.kind == KDH_TYPE_UNION))
        dump_members (d, m->type, address + m->value, indent + 3, depth - 1);
    }
}

/* The module and type (or global) @name names; FALSE with an error. */
static gboolean
find_name (KdhTarget    *target,
           const gchar  *spec,
           KdhModule   **module,
           KdhPdb      **pdb,
           guint32      *type,
           const KdhPdbSymbol **global,
           GError      **error)
{
  const gchar *bang = strchr (spec, '!');
  g_autofree gchar *mod = bang != NULL ? g_strndup (spec, bang - spec) : NULL;
  const gchar *name = bang != NULL ? bang + 1 : spec;
  GPtrArray *modules;

  if (!kdh_target_ensure_modules (target, error))
    return FALSE;
  modules = kdh_target_get_modules (target);
  for (guint i = 0; i < modules->len; i++)
    {
      KdhModule *m = modules->pdata[i];
      const KdhPdbSymbol *s;
      KdhPdb *p;

      if (mod != NULL && !kdh_target_module_matches (m, mod))
        continue;
      p = kdh_target_get_pdb (target, m);
      if (p == NULL || !kdh_pdb_load_types (p, NULL))
        continue;
      *module = m, *pdb = p, *global = NULL;
      if ((*type = kdh_pdb_find_type (p, name)) != 0)
        return TRUE;
      s = kdh_pdb_lookup_name (p, name);
      if (s != NULL && (s->kind == KDH_PDB_UDT || (s->kind == KDH_PDB_DATA && s->has_address)))
        {
          *type = s->type_index;
          *global = s->kind == KDH_PDB_DATA ? s : NULL;
          return TRUE;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("Symbol %s not found (dt needs a module with PDB symbols: lm shows which have "
                 "them)."), spec);
  return FALSE;
}

static gboolean
cmd_display_type (KdhCommandCall *inv,
                  gpointer        data,
                  GError        **error)
{
  KdhTarget *target = kdh_commands_need_stopped (inv, error);
  g_auto (GStrv) words = g_strsplit_set (inv->args, " \t", -1);
  const gchar *spec = NULL, *address_text = NULL;
  Dump d = { inv, target, NULL, FALSE, NULL };
  const KdhPdbSymbol *global = NULL;
  KdhModule *module = NULL;
  guint depth = 0;
  guint32 type = 0;
  guint64 address = 0;
  KdhType t;

  if (target == NULL)
    return FALSE;
  for (guint i = 0; words[i]; i++)
    {
      const gchar *w = words[i];

      if (*w == '\0')
        continue;
      if (w[0] == '-' && w[1] == 'r' && (w[2] == '\0' || (w[2] >= '1' && w[2] <= '9' && !w[3])))
        depth = w[2] ? (guint) (w[2] - '0') : MAX_DEPTH;
      else if (w[0] == '-')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("dt option '%s' is not supported yet (dt takes -r and -rN, N from 1 "
                         "to 9)."), w);
          return FALSE;
        }
      else if (spec == NULL)
        spec = w;
      else if (d.field == NULL && address_text == NULL && g_ascii_isalpha (w[0])
               && strchr (w, '!') == NULL && strchr (w, '(') == NULL)
        d.field = w;   /* checked against the members below */
      else if (address_text == NULL)
        address_text = w;
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("dt takes one address, not '%s' and '%s'."), address_text, w);
          return FALSE;
        }
    }
  if (spec == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("dt needs a type or a global, e.g. 'dt nt!_LIST_ENTRY'."));
      return FALSE;
    }
  if (!find_name (target, spec, &module, &d.pdb, &type, &global, error))
    return FALSE;
  strip (d.pdb, type, &t);
  /* A word after the type that is not one of its members is the address
   * ("dt _FOO Flink" vs "dt _FOO rcx"). */
  if (d.field != NULL)
    {
      g_autoptr (GArray) members = t.field_list ? kdh_pdb_get_members (d.pdb, t.field_list)
                                                : NULL;
      gboolean is_member = FALSE;

      for (guint i = 0; members != NULL && i < members->len; i++)
        is_member |= g_ascii_strcasecmp (g_array_index (members, KdhTypeMember, i).name,
                                         d.field) == 0;
      if (!is_member)
        {
          if (address_text != NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("%s has no member '%s'."), spec, d.field);
              return FALSE;
            }
          address_text = d.field;
          d.field = NULL;
        }
    }
  if (address_text != NULL)
    {
      KdhExprScope scope;

      kdh_commands_init_scope (&scope, target);
      if (!kdh_expr_evaluate (address_text, &scope, &address, error))
        return FALSE;
      d.have_address = TRUE;
    }
  else if (global != NULL)
    {
      address = module->base + global->rva;
      d.have_address = TRUE;
    }

  if (global != NULL && address_text == NULL
      && t.kind != KDH_TYPE_STRUCT && t.kind != KDH_TYPE_UNION)
    {
      g_autoptr (GString) line = g_string_new (NULL);
      KdhType to;

      /* A global that is not a structure: its value; a pointer to one is
       * followed, as KD's dt does. */
      append_value (&d, line, type, address);
      say (inv, "%s\n", line->str);
      if (t.kind != KDH_TYPE_POINTER)
        return TRUE;
      {
        guint8 buf[8];
        gsize size = (gsize) MIN (t.size, sizeof buf);

        strip (d.pdb, t.element, &to);
        if ((to.kind != KDH_TYPE_STRUCT && to.kind != KDH_TYPE_UNION) || size == 0
            || !read_bytes (target, address, buf, size) || little_endian (buf, size) == 0)
          return TRUE;
        address = little_endian (buf, size);
        type = t.element;
      }
    }
  else if (!d.have_address)
    say (inv, "%s!%s\n", module->short_name,
         t.name != NULL ? t.name : (global != NULL ? global->name : spec));
  strip (d.pdb, type, &t);
  if (t.kind != KDH_TYPE_STRUCT && t.kind != KDH_TYPE_UNION)
    {
      g_autoptr (GString) line = g_string_new (NULL);

      if (d.have_address)
        append_value (&d, line, type, address);
      else
        {
          g_autofree gchar *name = kdh_pdb_type_name (d.pdb, type);

          g_string_append (line, name);
        }
      if (global == NULL || address_text != NULL)
        say (inv, "%s\n", line->str);
      return TRUE;
    }
  dump_members (&d, type, address, 0, depth);
  return TRUE;
}

gchar *
kdh_commands_format_value (KdhTarget *target,
                           KdhPdb    *pdb,
                           guint32    type,
                           guint64    address)
{
  Dump d = { NULL, target, pdb, TRUE, NULL };
  GString *out = g_string_new (NULL);

  append_value (&d, out, type, address);
  return g_string_free (out, FALSE);
}

void
kdh_commands_add_types (KdhCommands *c)
{
  kdh_commands_add (c, "dt", "dt [MOD!]TYPE [FIELD] [ADDR] [-r[N]]   display a type or global",
                    cmd_display_type, NULL, NULL);
}
