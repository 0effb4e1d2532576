/* kdh-connection-string.c: parse WinDbg-style -k connection strings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "kdh-connection-string.h"
#include "common/kdh-option-text.h"
#include "kd/kdh-kdnet.h"

G_DEFINE_QUARK (kdh-connection-string-error-quark, kdh_connection_string_error)

#define DEFAULT_BAUD 115200u
#define MAX_BAUD     4000000u
#define KINDS_HINT   N_("com:, sim: or net:")

typedef enum {
  COM_PORT,
  COM_BAUD,
  COM_PIPE,
  COM_RECONNECT,
  COM_RESETS,
  COM_IPPORT,
  COM_LISTEN,
  N_COM_KEYS
} ComKey;

typedef enum {
  NET_PORT,
  NET_KEY,
  NET_TARGET,
  NET_BIND,
  N_NET_KEYS
} NetKey;

typedef struct {
  const gchar *name;
  gboolean     flag;   /* takes no value: "pipe", not "pipe=1" */
} KeyInfo;

static const KeyInfo com_keys[N_COM_KEYS] = {
  [COM_PORT]      = { "port", FALSE },
  [COM_BAUD]      = { "baud", FALSE },
  [COM_PIPE]      = { "pipe", TRUE },
  [COM_RECONNECT] = { "reconnect", TRUE },
  [COM_RESETS]    = { "resets", FALSE },
  [COM_IPPORT]    = { "ipport", FALSE },
  [COM_LISTEN]    = { "listen", TRUE },
};

static const KeyInfo net_keys[N_NET_KEYS] = {
  [NET_PORT] = { "port", FALSE },
  [NET_KEY]  = { "key", FALSE },
  [NET_TARGET] = { "target", FALSE },
  [NET_BIND] = { "bind", FALSE },
};

/* One "key=value" or "flag" item of the option list. */
typedef KdhOptionItem Option;

#define fail(error, code, whole, hint, ...) \
  kdh_option_fail (error, KDH_CONNECTION_STRING_ERROR, code, whole, hint, __VA_ARGS__)

static gboolean
split_options (const gchar  *text,
               const gchar  *whole,
               GPtrArray   **options,
               GError      **error)
{
  KdhOptionSplitFault fault;
  g_autofree gchar *bad_item = NULL;

  *options = kdh_option_text_split (text, &fault, &bad_item);
  if (*options == NULL)
    return kdh_option_fail_split (error, KDH_CONNECTION_STRING_ERROR,
                                  KDH_CONNECTION_STRING_ERROR_SYNTAX, whole, fault, bad_item);
  return TRUE;
}

/* Matches each option against @keys (case-insensitively) and fills
 * @values by key index; a flag that is present gets its key name as value
 * so that "present" is simply "values[i] != NULL". */
static gboolean
match_options (GPtrArray      *options,
               const KeyInfo  *keys,
               guint           n_keys,
               const gchar    *hint,
               const gchar    *whole,
               const gchar   **values,
               GError        **error)
{
  for (guint i = 0; i < options->len; i++)
    {
      const Option *opt = g_ptr_array_index (options, i);
      guint k;

      for (k = 0; k < n_keys; k++)
        if (g_ascii_strcasecmp (keys[k].name, opt->key) == 0)
          break;

      if (k == n_keys)
        return fail (error, KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION, whole, hint,
                     _("unknown option '%s'"), opt->item);
      if (values[k] != NULL)
        return fail (error, KDH_CONNECTION_STRING_ERROR_CONFLICT, whole, NULL,
                     _("'%s' given twice"), keys[k].name);

      if (keys[k].flag)
        {
          if (opt->value != NULL)
            return fail (error, KDH_CONNECTION_STRING_ERROR_SYNTAX, whole, NULL,
                         _("'%s' takes no value, but got '%s'"), keys[k].name, opt->item);
          values[k] = keys[k].name;
        }
      else
        {
          if (opt->value == NULL)
            return fail (error, KDH_CONNECTION_STRING_ERROR_SYNTAX, whole, NULL,
                         _("'%s' needs a value (%s=...)"), keys[k].name, keys[k].name);
          if (*opt->value == '\0')
            return fail (error, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, whole, NULL,
                         _("empty value for '%s'"), keys[k].name);
          values[k] = opt->value;
        }
    }

  return TRUE;
}

static gboolean
parse_number (const gchar *text,
              guint64      min,
              guint64      max,
              guint64     *out)
{
  return g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

/* Only what can be an IPv6 address (with a zone, "fe80::1%eth0") loses
 * its brackets. Anything else keeps them, so that the canonical string
 * reads back the same: "[\t[:2]" stripped to "\t[:2" would come back as
 * "[:2" (found by fuzz-connection-string). */
static gboolean
is_ipv6_literal (const gchar *text,
                 gsize        len)
{
  gboolean colon = FALSE;
  gsize i;

  for (i = 0; i < len && text[i] != '%'; i++)
    {
      if (text[i] == ':')
        colon = TRUE;
      else if (!g_ascii_isxdigit (text[i]) && text[i] != '.')
        return FALSE;
    }
  if (i < len && i + 1 == len)
    return FALSE;   /* an empty zone */
  for (i++; i < len; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '_' && text[i] != '-' && text[i] != '.')
      return FALSE;
  return colon;
}

static gboolean
parse_com (KdhConnectionString  *cs,
           GPtrArray            *options,
           const gchar          *whole,
           GError              **error)
{
  const gchar *v[N_COM_KEYS] = { NULL, };
  guint64 n;

  if (!match_options (options, com_keys, N_COM_KEYS,
                      _("port, baud, pipe, reconnect, resets, ipport or listen"),
                      whole, v, error))
    return FALSE;

  /* Values first, so that "baud=fast" is reported as such even when the
   * string has other problems too. */
  if (v[COM_BAUD] != NULL)
    {
      if (!parse_number (v[COM_BAUD], 1, MAX_BAUD, &n))
        return fail (error, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, whole,
                     _("a positive number of bits per second, at most 4000000"),
                     _("bad baud rate '%s'"), v[COM_BAUD]);
      cs->baud = (guint) n;
    }

  if (v[COM_RESETS] != NULL)
    {
      if (!parse_number (v[COM_RESETS], 0, G_MAXINT, &n))
        return fail (error, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, whole,
                     _("a whole number, 0 or more"),
                     _("bad resets count '%s'"), v[COM_RESETS]);
      cs->resets = (gint) n;
    }

  if (v[COM_IPPORT] != NULL)
    {
      if (!parse_number (v[COM_IPPORT], 1, G_MAXUINT16, &n))
        return fail (error, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, whole,
                     _("a number from 1 to 65535"),
                     _("bad TCP port '%s'"), v[COM_IPPORT]);
      cs->tcp_port = (guint16) n;
    }

  if (v[COM_PIPE] != NULL && v[COM_IPPORT] != NULL)
    return fail (error, KDH_CONNECTION_STRING_ERROR_CONFLICT, whole, NULL,
                 _("'pipe' and 'ipport=' cannot be used together"));
  /* A pipe's VM and a serial port's USB adapter can both go and come
   * back under the same name; a TCP peer has no such identity. */
  if (v[COM_RECONNECT] != NULL && v[COM_IPPORT] != NULL)
    return fail (error, KDH_CONNECTION_STRING_ERROR_CONFLICT, whole, NULL,
                 _("'reconnect' applies only to com:pipe and serial (com:port=) connections"));
  if (v[COM_RESETS] != NULL && v[COM_PIPE] == NULL)
    return fail (error, KDH_CONNECTION_STRING_ERROR_CONFLICT, whole, NULL,
                 _("'resets=' applies only to com:pipe connections"));
  if (v[COM_LISTEN] != NULL && v[COM_IPPORT] == NULL)
    return fail (error, KDH_CONNECTION_STRING_ERROR_CONFLICT, whole, NULL,
                 _("'listen' applies only to com:ipport= connections"));

  /* Only a listener may omit port=; for it, port= is the bind address. */
  if (v[COM_PORT] == NULL && v[COM_LISTEN] == NULL)
    return fail (error, KDH_CONNECTION_STRING_ERROR_MISSING, whole,
                 v[COM_IPPORT] != NULL ? _("port=HOST, or listen") : NULL,
                 _("missing 'port='"));

  if (v[COM_PIPE] != NULL)
    cs->kind = KDH_TRANSPORT_PIPE;
  else if (v[COM_LISTEN] != NULL)
    cs->kind = KDH_TRANSPORT_TCP_LISTEN;
  else if (v[COM_IPPORT] != NULL)
    cs->kind = KDH_TRANSPORT_TCP_CONNECT;
  else
    cs->kind = KDH_TRANSPORT_SERIAL;

  cs->reconnect = v[COM_RECONNECT] != NULL;

  if (v[COM_PORT] != NULL)
    {
      gsize len = strlen (v[COM_PORT]);

      /* Accept the URL spelling of IPv6 literals, "port=[::1]", but keep
       * the bare address: that is what the resolver wants. */
      if (v[COM_IPPORT] != NULL && len > 2
          && v[COM_PORT][0] == '[' && v[COM_PORT][len - 1] == ']'
          && is_ipv6_literal (v[COM_PORT] + 1, len - 2))
        cs->port = g_strndup (v[COM_PORT] + 1, len - 2);
      else
        cs->port = g_strdup (v[COM_PORT]);
    }

  return TRUE;
}

/* An address literal, with or without the URL's brackets around IPv6:
 * its plain spelling, or NULL when @text is not one. */
static gchar *
address_literal (const gchar *text)
{
  gsize len = strlen (text);
  g_autofree gchar *bare = NULL;
  g_autoptr (GInetAddress) addr = NULL;

  if (len > 2 && text[0] == '[' && text[len - 1] == ']')
    bare = g_strndup (text + 1, len - 2);
  else
    bare = g_strdup (text);
  addr = g_inet_address_new_from_string (bare);
  return addr != NULL ? g_inet_address_to_string (addr) : NULL;
}

static gboolean
parse_net (KdhConnectionString  *cs,
           GPtrArray            *options,
           const gchar          *whole,
           GError              **error)
{
  const gchar *v[N_NET_KEYS] = { NULL, };
  guint8 key[KDH_KDNET_KEY_SIZE];
  g_autoptr (GError) key_error = NULL;
  guint64 n = 0;

  if (!match_options (options, net_keys, N_NET_KEYS, _("port, key, target or bind"), whole, v,
                      error))
    return FALSE;

  if (v[NET_PORT] != NULL && !parse_number (v[NET_PORT], 1, G_MAXUINT16, &n))
    return fail (error, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, whole,
                 _("a number from 1 to 65535; Windows takes 49152 to 65535"),
                 _("bad UDP port '%s'"), v[NET_PORT]);
  cs->tcp_port = (guint16) n;
  if (v[NET_KEY] != NULL && !kdh_kdnet_key_parse (v[NET_KEY], key, &key_error))
    return fail (error, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, whole, _(KDH_KDNET_KEY_HINT),
                 "%s", key_error->message);
  memset (key, 0, sizeof key);
  if (v[NET_BIND] != NULL)
    {
      cs->net_bind = address_literal (v[NET_BIND]);
      if (cs->net_bind == NULL)
        return fail (error, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, whole,
                     _("an IPv4 or IPv6 address of this machine"),
                     _("bad bind address '%s'"), v[NET_BIND]);
    }
  if (v[NET_TARGET] != NULL)
    {
      /* A literal in its plain spelling; a name is resolved when opened. */
      cs->net_target = address_literal (v[NET_TARGET]);
      if (cs->net_target == NULL)
        cs->net_target = g_strdup (v[NET_TARGET]);
    }
  if (v[NET_PORT] == NULL)
    return fail (error, KDH_CONNECTION_STRING_ERROR_MISSING, whole, NULL,
                 _("missing 'port='"));
  if (v[NET_KEY] == NULL)
    return fail (error, KDH_CONNECTION_STRING_ERROR_MISSING, whole, NULL,
                 _("missing 'key='"));
  cs->kind = KDH_TRANSPORT_NET;
  cs->net_key = g_ascii_strdown (v[NET_KEY], -1);
  return TRUE;
}

/* ---- Registered kinds --------------------------------------------------- */

static GMutex kinds_lock;
static GPtrArray *kinds;            /* const KdhConnectionKind* */

void
kdh_connection_kind_register (const KdhConnectionKind *kind)
{
  g_mutex_lock (&kinds_lock);
  if (kinds == NULL)
    kinds = g_ptr_array_new ();
  if (!g_ptr_array_find (kinds, kind, NULL))
    g_ptr_array_add (kinds, (gpointer) kind);
  g_mutex_unlock (&kinds_lock);
}

static const KdhConnectionKind *
find_kind (const gchar *name,
           gboolean     bare)
{
  const KdhConnectionKind *found = NULL;

  g_mutex_lock (&kinds_lock);
  for (guint i = 0; kinds && i < kinds->len && !found; i++)
    {
      const KdhConnectionKind *k = kinds->pdata[i];

      if (g_ascii_strcasecmp (k->name, name) == 0 && (!bare || k->bare))
        found = k;
    }
  g_mutex_unlock (&kinds_lock);
  return found;
}

KdhConnectionString *
kdh_connection_string_parse (const gchar  *text,
                             GError      **error)
{
  g_autoptr(KdhConnectionString) cs = NULL;
  g_autoptr(GPtrArray) options = NULL;
  g_autofree gchar *whole = NULL;
  g_autofree gchar *kind = NULL;
  const gchar *colon;
  const gchar *rest;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  whole = g_strstrip (g_strdup (text != NULL ? text : ""));
  if (*whole == '\0')
    {
      fail (error, KDH_CONNECTION_STRING_ERROR_SYNTAX, NULL, _(KINDS_HINT),
            _("empty connection string"));
      return NULL;
    }

  colon = strchr (whole, ':');
  if (colon != NULL)
    {
      kind = g_strstrip (g_strndup (whole, colon - whole));
      rest = colon + 1;
    }
  else if (find_kind (whole, TRUE) != NULL)
    {
      /* A kind that needs no options reads naturally without ':'. */
      kind = g_strdup (whole);
      rest = "";
    }
  else
    {
      fail (error, KDH_CONNECTION_STRING_ERROR_SYNTAX, whole, _(KINDS_HINT),
            _("missing ':' after the connection kind"));
      return NULL;
    }

  if (*kind == '\0')
    {
      fail (error, KDH_CONNECTION_STRING_ERROR_SYNTAX, whole, _(KINDS_HINT),
            _("missing connection kind before ':'"));
      return NULL;
    }

  cs = g_new0 (KdhConnectionString, 1);
  cs->original = g_strdup (text);
  cs->resets = -1;
  cs->registered = find_kind (kind, FALSE);

  if (cs->registered != NULL)
    {
      cs->kind = KDH_TRANSPORT_REGISTERED;
      cs->options = cs->registered->parse (rest, whole, error);
      if (cs->options == NULL)
        return NULL;
      return g_steal_pointer (&cs);
    }

  if (g_ascii_strcasecmp (kind, "com") != 0 && g_ascii_strcasecmp (kind, "net") != 0)
    {
      fail (error, KDH_CONNECTION_STRING_ERROR_UNKNOWN_KIND, whole, _(KINDS_HINT),
            _("unknown connection kind '%s'"), kind);
      return NULL;
    }

  if (!split_options (rest, whole, &options, error))
    return NULL;

  if (g_ascii_strcasecmp (kind, "net") == 0)
    {
      if (!parse_net (cs, options, whole, error))
        return NULL;
      return g_steal_pointer (&cs);
    }

  cs->baud = DEFAULT_BAUD;
  if (!parse_com (cs, options, whole, error))
    return NULL;

  return g_steal_pointer (&cs);
}

void
kdh_connection_string_free (KdhConnectionString *cs)
{
  if (cs == NULL)
    return;

  g_free (cs->port);
  g_free (cs->original);
  g_free (cs->net_key);
  g_free (cs->net_target);
  g_free (cs->net_bind);
  if (cs->registered != NULL && cs->options != NULL)
    cs->registered->free (cs->options);
  g_free (cs);
}

KdhConnectionString *
kdh_connection_string_copy (const KdhConnectionString *cs)
{
  KdhConnectionString *copy = g_new (KdhConnectionString, 1);

  *copy = *cs;
  copy->port = g_strdup (cs->port);
  copy->original = g_strdup (cs->original);
  copy->net_key = g_strdup (cs->net_key);
  copy->net_target = g_strdup (cs->net_target);
  copy->net_bind = g_strdup (cs->net_bind);
  if (cs->registered != NULL && cs->options != NULL)
    copy->options = cs->registered->copy (cs->options);
  return copy;
}

guint
kdh_connection_string_line_baud (const KdhConnectionString *cs)
{
  switch (cs->kind)
    {
    case KDH_TRANSPORT_SERIAL:
      return cs->baud;
    case KDH_TRANSPORT_REGISTERED:
      return cs->registered->line_baud ? cs->registered->line_baud (cs->options) : 0;
    default:
      return 0;
    }
}

/* "host:port", with IPv6 literals in brackets so the port stays apart. */
static void
append_host_port (GString     *out,
                  const gchar *host,
                  guint16      port)
{
  if (host != NULL && strchr (host, ':') != NULL)
    g_string_append_printf (out, "[%s]:%u", host, port);
  else
    g_string_append_printf (out, "%s:%u", host != NULL ? host : "", port);
}

gchar *
kdh_connection_string_describe (const KdhConnectionString *cs)
{
  g_autofree gchar *options = NULL;
  const gchar *port;
  GString *out;

  g_return_val_if_fail (cs != NULL, NULL);

  port = cs->port != NULL ? cs->port : "";
  out = g_string_new (NULL);

  switch (cs->kind)
    {
    case KDH_TRANSPORT_SERIAL:
      g_string_append_printf (out, "com %s %u", port, cs->baud);
      break;

    case KDH_TRANSPORT_PIPE:
      g_string_append_printf (out, "pipe %s", port);
      break;

    case KDH_TRANSPORT_TCP_CONNECT:
      g_string_append (out, "tcp ");
      append_host_port (out, port, cs->tcp_port);
      break;

    case KDH_TRANSPORT_TCP_LISTEN:
      g_string_append (out, "tcp listen ");
      append_host_port (out, port, cs->tcp_port);
      break;

    case KDH_TRANSPORT_NET:
      g_string_append (out, "net ");
      append_host_port (out, cs->net_bind, cs->tcp_port);
      if (cs->net_target != NULL)
        g_string_append_printf (out, " target %s", cs->net_target);
      break;

    case KDH_TRANSPORT_REGISTERED:
      options = cs->registered->to_string (cs->options);
      g_string_append (out, cs->registered->name);
      if (*options != '\0')
        g_string_append_printf (out, " %s", options);
      break;

    default:
      g_string_append (out, "?");
      break;
    }

  return g_string_free (out, FALSE);
}

gchar *
kdh_connection_string_to_string (const KdhConnectionString *cs)
{
  g_autofree gchar *options = NULL;
  const gchar *port;
  GString *out;

  g_return_val_if_fail (cs != NULL, NULL);

  port = cs->port != NULL ? cs->port : "";
  out = g_string_new (NULL);

  switch (cs->kind)
    {
    case KDH_TRANSPORT_SERIAL:
      g_string_append_printf (out, "com:port=%s,baud=%u", port, cs->baud);
      if (cs->reconnect)
        g_string_append (out, ",reconnect");
      return g_string_free (out, FALSE);

    case KDH_TRANSPORT_PIPE:
      g_string_append_printf (out, "com:pipe,port=%s", port);
      break;

    case KDH_TRANSPORT_TCP_CONNECT:
      g_string_append_printf (out, "com:ipport=%u,port=%s", cs->tcp_port, port);
      break;

    case KDH_TRANSPORT_TCP_LISTEN:
      g_string_append_printf (out, "com:ipport=%u,listen", cs->tcp_port);
      if (*port != '\0')
        g_string_append_printf (out, ",port=%s", port);
      break;

    case KDH_TRANSPORT_NET:
      g_string_append_printf (out, "net:port=%u,key=%s", cs->tcp_port, cs->net_key);
      if (cs->net_target != NULL)
        g_string_append_printf (out, ",target=%s", cs->net_target);
      if (cs->net_bind != NULL)
        g_string_append_printf (out, ",bind=%s", cs->net_bind);
      return g_string_free (out, FALSE);

    case KDH_TRANSPORT_REGISTERED:
      options = cs->registered->to_string (cs->options);
      g_string_append_printf (out, "%s:%s", cs->registered->name, options);
      return g_string_free (out, FALSE);

    default:
      g_return_val_if_reached (g_string_free (out, FALSE));
    }

  /* WinDbg users often add baud= to pipe and TCP strings out of habit; it
   * means nothing there, but keep it so that the string round-trips. */
  if (cs->baud != DEFAULT_BAUD)
    g_string_append_printf (out, ",baud=%u", cs->baud);
  if (cs->resets >= 0)
    g_string_append_printf (out, ",resets=%d", cs->resets);
  if (cs->reconnect)
    g_string_append (out, ",reconnect");

  return g_string_free (out, FALSE);
}
