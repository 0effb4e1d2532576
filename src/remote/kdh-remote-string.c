/* kdh-remote-string.c: parse WinDbg's .server / -server and -remote strings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same shape as kdh-connection-string.c ("kind:key=value,flag"), with
 * one difference that matters: these strings carry passwords, and every
 * message quotes the string it came from. So the quoted copy always has
 * the password's value replaced by '*' (and the value of an unknown
 * option, which may be a mistyped "password"), and options are named by
 * their key only.
 */
#include "kdh-remote-string.h"
#include "common/kdh-option-text.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK (kdh-remote-string-error-quark, kdh_remote_string_error)

#define MAX_BAUD     4000000u
#define MAX_CHANNEL  254u
#define KINDS_HINT   N_("tcp:, npipe:, ssl: or com:")

typedef enum {
  KEY_PORT,
  KEY_PASSWORD,
  KEY_HIDDEN,
  KEY_CLICON,
  KEY_SERVER,
  KEY_PIPE,
  KEY_CERT,
  KEY_KEY,
  KEY_BAUD,
  KEY_CHANNEL,
  KEY_BIND,
  N_KEYS
} Key;

typedef struct {
  const gchar *name;       /* as printed in hints, WinDbg's capitals */
  gboolean flag;           /* takes no value */
} KeyInfo;

static const KeyInfo keys[N_KEYS] = {
  [KEY_PORT]     = { "port", FALSE },
  [KEY_PASSWORD] = { "password", FALSE },
  [KEY_HIDDEN]   = { "hidden", TRUE },
  [KEY_CLICON]   = { "clicon", FALSE },
  [KEY_SERVER]   = { "server", FALSE },
  [KEY_PIPE]     = { "pipe", FALSE },
  [KEY_CERT]     = { "cert", FALSE },
  [KEY_KEY]      = { "key", FALSE },
  [KEY_BAUD]     = { "baud", FALSE },
  [KEY_CHANNEL]  = { "channel", FALSE },
  [KEY_BIND]     = { "bind", FALSE },
};

/* Which keys each kind accepts, on each side. */
#define K(k) (1u << (k))
static const struct {
  const gchar *name;
  KdhRemoteKind kind;
  guint server_keys;
  guint client_keys;
  const gchar *server_hint;
  const gchar *client_hint;
} kinds[] = {
  { "tcp", KDH_REMOTE_TCP,
    K (KEY_PORT) | K (KEY_PASSWORD) | K (KEY_HIDDEN) | K (KEY_CLICON) | K (KEY_BIND),
    K (KEY_PORT) | K (KEY_SERVER) | K (KEY_CLICON) | K (KEY_PASSWORD),
    N_("port, password, hidden, clicon or bind"), N_("Port, Server, clicon or Password") },
  { "npipe", KDH_REMOTE_NPIPE,
    K (KEY_PIPE) | K (KEY_PASSWORD) | K (KEY_HIDDEN),
    K (KEY_PIPE) | K (KEY_SERVER) | K (KEY_PASSWORD),
    N_("pipe, password or hidden"), N_("Pipe, Server or Password") },
  { "ssl", KDH_REMOTE_SSL,
    K (KEY_PORT) | K (KEY_CERT) | K (KEY_KEY) | K (KEY_PASSWORD) | K (KEY_HIDDEN) | K (KEY_BIND),
    K (KEY_PORT) | K (KEY_SERVER) | K (KEY_CERT) | K (KEY_PASSWORD),
    N_("port, cert, key, password, hidden or bind"), N_("Port, Server, Cert or Password") },
  { "com", KDH_REMOTE_COM,
    K (KEY_PORT) | K (KEY_BAUD) | K (KEY_CHANNEL) | K (KEY_PASSWORD),
    K (KEY_PORT) | K (KEY_BAUD) | K (KEY_CHANNEL) | K (KEY_PASSWORD),
    N_("port, baud, channel or password"), N_("Port, Baud, Channel or Password") },
};
#undef K

/* "<what> in '<string, password hidden>' (expected <hint>)", in the words
 * of every option parser (kdh-option-text.h); NULL, for returning. */
#define fail(error, code, shown, hint, ...) \
  (kdh_option_fail (error, KDH_REMOTE_STRING_ERROR, code, shown, hint, __VA_ARGS__), NULL)

/* Whether the value of @key may be quoted: the known keys but the
 * password. An unknown key may be a mistyped "password", so its value is
 * hidden too. */
static gboolean
value_may_show (const gchar *key)
{
  if (g_ascii_strcasecmp (key, "password") == 0)
    return FALSE;
  for (guint k = 0; k < N_KEYS; k++)
    if (g_ascii_strcasecmp (keys[k].name, key) == 0)
      return TRUE;
  return FALSE;
}

/* The string as it may be quoted: password=VALUE becomes password=*, and
 * so does the value of any unknown option. Every item counts, also one
 * before the transport's ':' or in a string without one: a user who put
 * the password first or forgot "tcp:" still typed it ("password=P,
 * tcp:port=1" was quoted whole; found by fuzz-remote-string). */
static gchar *
hide_passwords (const gchar *whole)
{
  g_auto (GStrv) items = g_strsplit (whole, ",", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; items[i] != NULL; i++)
    {
      const gchar *eq = strchr (items[i], '=');
      const gchar *key_start = items[i];
      g_autofree gchar *key = NULL;

      if (i > 0)
        g_string_append_c (out, ',');
      if (eq == NULL)
        {
          g_string_append (out, items[i]);
          continue;
        }
      /* "tcp:password=P": the key is what follows the transport. */
      for (const gchar *p = items[i]; p < eq; p++)
        if (*p == ':')
          key_start = p + 1;
      key = g_strstrip (g_strndup (key_start, eq - key_start));
      if (value_may_show (key))
        g_string_append (out, items[i]);
      else
        g_string_append_printf (out, "%.*s=*", (int) (eq - items[i]), items[i]);
    }
  return g_string_free (out, FALSE);
}

static gboolean
parse_number (const gchar *text,
              guint64      min,
              guint64      max,
              guint64     *out)
{
  return g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

/* "5005" or, on the server side, "5005:5010" (the first free one). */
static gboolean
parse_port (const gchar *text,
            gboolean     range,
            guint16     *first,
            guint16     *last)
{
  const gchar *colon = range ? strchr (text, ':') : NULL;
  guint64 a, b;

  if (colon == NULL)
    {
      if (!parse_number (text, 1, G_MAXUINT16, &a))
        return FALSE;
      *first = *last = (guint16) a;
      return TRUE;
    }
  {
    g_autofree gchar *low = g_strndup (text, colon - text);

    if (!parse_number (low, 1, G_MAXUINT16, &a) || !parse_number (colon + 1, 1, G_MAXUINT16, &b)
        || b < a)
      return FALSE;
  }
  *first = (guint16) a;
  *last = (guint16) b;
  return TRUE;
}

/* A pipe is a name inside the runtime directory, never a path. The length
 * limit holds for the name with each %d expanded to a PID (counted as 10
 * digits): otherwise the name a server advertises, "kd%d%d..." expanded,
 * could be one its clients refuse (found by fuzz-remote-string). */
static gboolean
valid_pipe_name (const gchar *name)
{
  gsize expanded = 0;

  for (const gchar *p = name; *p != '\0'; p++)
    {
      if (p[0] == '%' && p[1] == 'd')
        {
          expanded += 10;
          p++;
        }
      else
        expanded++;
    }
  return strchr (name, '/') == NULL && strcmp (name, ".") != 0 && strcmp (name, "..") != 0
         && expanded <= 64;
}

/* Host names as typed, with the URL spelling of IPv6 literals ("[::1]")
 * reduced to the bare address the resolver wants. */
static gchar *
host_value (const gchar *text)
{
  gsize len = strlen (text);

  if (len > 2 && text[0] == '[' && text[len - 1] == ']')
    return g_strndup (text + 1, len - 2);
  return g_strdup (text);
}

/* npipe is a Unix socket: the "server" can only be this machine. */
static gboolean
is_local_host (const gchar *host)
{
  static const gchar *const local[] = { ".", "localhost", "127.0.0.1", "::1" };

  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    if (g_ascii_strcasecmp (host, local[i]) == 0)
      return TRUE;
  return g_ascii_strcasecmp (host, g_get_host_name ()) == 0;
}

static KdhRemoteString *
parse (const gchar  *text,
       gboolean      server_side,
       GError      **error)
{
  g_autoptr (KdhRemoteString) rs = NULL;
  g_autofree gchar *whole = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree gchar *shown = NULL, *kind = NULL;
  g_auto (GStrv) items = NULL;
  const gchar *v[N_KEYS] = { NULL, };
  const gchar *colon, *hint;
  guint allowed, k_index;
  guint64 n;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*whole == '\0')
    return fail (error, KDH_REMOTE_STRING_ERROR_SYNTAX, NULL, _(KINDS_HINT),
                 server_side ? _("empty server string") : _("empty remote string"));
  shown = hide_passwords (whole);
  colon = strchr (whole, ':');
  if (colon == NULL)
    return fail (error, KDH_REMOTE_STRING_ERROR_SYNTAX, shown, _(KINDS_HINT),
                 _("missing ':' after the transport"));
  kind = g_strstrip (g_strndup (whole, colon - whole));
  if (*kind == '\0')
    return fail (error, KDH_REMOTE_STRING_ERROR_SYNTAX, shown, _(KINDS_HINT),
                 _("missing transport before ':'"));
  for (k_index = 0; k_index < G_N_ELEMENTS (kinds); k_index++)
    if (g_ascii_strcasecmp (kinds[k_index].name, kind) == 0)
      break;
  if (k_index == G_N_ELEMENTS (kinds))
    {
      /* Named from the hidden copy: an unknown "transport" may be a
       * password typed before it ("password=P,tcp"). */
      const gchar *shown_colon = strchr (shown, ':');
      g_autofree gchar *shown_kind = g_strstrip (shown_colon != NULL
                                                 ? g_strndup (shown, shown_colon - shown)
                                                 : g_strdup (shown));

      return fail (error, KDH_REMOTE_STRING_ERROR_UNKNOWN_KIND, shown, _(KINDS_HINT),
                   _("unknown transport '%s'"), shown_kind);
    }
  allowed = server_side ? kinds[k_index].server_keys : kinds[k_index].client_keys;
  hint = _(server_side ? kinds[k_index].server_hint : kinds[k_index].client_hint);

  /* WinDbg has no quoting, so values cannot hold ','; they may hold '='
   * and ':' (paths, IPv6 addresses, port ranges). */
  items = g_strsplit (colon + 1, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      gchar *item = g_strstrip (items[i]);
      gchar *eq = strchr (item, '=');
      g_autofree gchar *key = NULL;
      gchar *value = NULL;
      guint k;

      if (*item == '\0')
        {
          /* "tcp:" alone: nothing given; reported below as what is missing. */
          if (items[1] == NULL && i == 0)
            break;
          return fail (error, KDH_REMOTE_STRING_ERROR_SYNTAX, shown, NULL,
                       _("empty option (an extra ',')"));
        }
      key = g_strstrip (eq ? g_strndup (item, eq - item) : g_strdup (item));
      if (eq)
        value = g_strstrip (eq + 1);
      if (*key == '\0')
        return fail (error, KDH_REMOTE_STRING_ERROR_SYNTAX, shown, NULL,
                     _("an option has no name before '='"));
      for (k = 0; k < N_KEYS; k++)
        if (g_ascii_strcasecmp (keys[k].name, key) == 0)
          break;
      if (k == N_KEYS || !(allowed & (1u << k)))
        return fail (error, KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, shown, hint,
                     _("unknown option '%s'"), key);
      if (v[k] != NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_CONFLICT, shown, NULL,
                     _("'%s' given twice"), keys[k].name);
      if (keys[k].flag)
        {
          if (value != NULL)
            return fail (error, KDH_REMOTE_STRING_ERROR_SYNTAX, shown, NULL,
                         _("'%s' takes no value"), keys[k].name);
          v[k] = keys[k].name;
          continue;
        }
      if (value == NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_SYNTAX, shown, NULL,
                     _("'%s' needs a value (%s=...)"), keys[k].name, keys[k].name);
      if (*value == '\0')
        return fail (error, KDH_REMOTE_STRING_ERROR_BAD_VALUE, shown, NULL,
                     _("empty value for '%s'"), keys[k].name);
      v[k] = value;
    }

  rs = g_new0 (KdhRemoteString, 1);
  rs->kind = kinds[k_index].kind;
  rs->original = g_strdup (text);

  /* Values first, so that "port=abc" is reported as such even when the
   * string also misses something. */
  if (v[KEY_PORT] != NULL && rs->kind != KDH_REMOTE_COM
      && !parse_port (v[KEY_PORT], server_side && v[KEY_CLICON] == NULL, &rs->port,
                      &rs->port_last))
    return fail (error, KDH_REMOTE_STRING_ERROR_BAD_VALUE, shown,
                 server_side && v[KEY_CLICON] == NULL
                 ? _("a number from 1 to 65535, or a range such as 5005:5010")
                 : _("a number from 1 to 65535"),
                 _("bad port '%s'"), v[KEY_PORT]);
  if (v[KEY_BAUD] != NULL)
    {
      if (!parse_number (v[KEY_BAUD], 1, MAX_BAUD, &n))
        return fail (error, KDH_REMOTE_STRING_ERROR_BAD_VALUE, shown,
                     _("a positive number of bits per second, at most 4000000"),
                     _("bad baud rate '%s'"), v[KEY_BAUD]);
      rs->baud = (guint) n;
    }
  if (v[KEY_CHANNEL] != NULL)
    {
      if (!parse_number (v[KEY_CHANNEL], 0, MAX_CHANNEL, &n))
        return fail (error, KDH_REMOTE_STRING_ERROR_BAD_VALUE, shown, _("a number from 0 to 254"),
                     _("bad channel '%s'"), v[KEY_CHANNEL]);
      rs->channel = (guint) n;
    }
  if (v[KEY_PIPE] != NULL && !valid_pipe_name (v[KEY_PIPE]))
    return fail (error, KDH_REMOTE_STRING_ERROR_BAD_VALUE, shown,
                 _("a name of at most 64 characters (a PID counts as 10), without '/'"),
                 _("bad pipe name '%s'"), v[KEY_PIPE]);
  if (v[KEY_SERVER] != NULL && rs->kind == KDH_REMOTE_NPIPE)
    {
      g_autofree gchar *host = host_value (v[KEY_SERVER]);

      if (!is_local_host (host))
        return fail (error, KDH_REMOTE_STRING_ERROR_BAD_VALUE, shown,
                     _("this machine: npipe is a local socket; use tcp: or ssl: across machines"),
                     _("bad server '%s'"), v[KEY_SERVER]);
    }

  if (v[KEY_SERVER] != NULL && v[KEY_CLICON] != NULL)
    return fail (error, KDH_REMOTE_STRING_ERROR_CONFLICT, shown, NULL,
                 _("'Server=' and 'clicon=' cannot be used together"));
  if (v[KEY_BIND] != NULL && v[KEY_CLICON] != NULL)
    return fail (error, KDH_REMOTE_STRING_ERROR_CONFLICT, shown, NULL,
                 _("'bind=' and 'clicon=' cannot be used together"));

  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
    case KDH_REMOTE_SSL:
      if (v[KEY_PORT] == NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_MISSING, shown, NULL,
                     server_side ? _("missing 'port='") : _("missing 'Port='"));
      if (!server_side && v[KEY_SERVER] == NULL && v[KEY_CLICON] == NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_MISSING, shown,
                     rs->kind == KDH_REMOTE_TCP ? _("Server=HOST or clicon=HOST")
                                                : _("Server=HOST"),
                     _("missing 'Server='"));
      if (rs->kind == KDH_REMOTE_SSL && server_side && v[KEY_CERT] == NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_MISSING, shown,
                     _("cert=FILE, a PEM certificate (and its key, or key=FILE)"),
                     _("missing 'cert='"));
      break;
    case KDH_REMOTE_NPIPE:
      if (v[KEY_PIPE] == NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_MISSING, shown, NULL,
                     server_side ? _("missing 'pipe='") : _("missing 'Pipe='"));
      break;
    case KDH_REMOTE_COM:
      if (v[KEY_PORT] == NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_MISSING, shown, _("a serial device"),
                     server_side ? _("missing 'port='") : _("missing 'Port='"));
      if (v[KEY_BAUD] == NULL)
        return fail (error, KDH_REMOTE_STRING_ERROR_MISSING, shown, NULL,
                     server_side ? _("missing 'baud='") : _("missing 'Baud='"));
      rs->device = g_strdup (v[KEY_PORT]);
      break;
    default:
      g_assert_not_reached ();
    }

  rs->server = v[KEY_SERVER] ? host_value (v[KEY_SERVER]) : NULL;
  rs->clicon = v[KEY_CLICON] ? host_value (v[KEY_CLICON]) : NULL;
  rs->bind = v[KEY_BIND] ? host_value (v[KEY_BIND]) : NULL;
  rs->pipe = g_strdup (v[KEY_PIPE]);
  rs->cert = g_strdup (v[KEY_CERT]);
  rs->key = g_strdup (v[KEY_KEY]);
  rs->password = g_strdup (v[KEY_PASSWORD]);
  rs->hidden = v[KEY_HIDDEN] != NULL;
  return g_steal_pointer (&rs);
}

KdhRemoteString *
kdh_remote_string_parse_server (const gchar  *text,
                                GError      **error)
{
  return parse (text, TRUE, error);
}

KdhRemoteString *
kdh_remote_string_parse_client (const gchar  *text,
                                GError      **error)
{
  return parse (text, FALSE, error);
}

void
kdh_remote_string_free (KdhRemoteString *rs)
{
  if (rs == NULL)
    return;
  g_free (rs->server);
  g_free (rs->clicon);
  g_free (rs->bind);
  g_free (rs->pipe);
  g_free (rs->cert);
  g_free (rs->key);
  g_free (rs->device);
  if (rs->password)
    {
      /* Not left lying in freed memory. */
      memset (rs->password, 0, strlen (rs->password));
      g_free (rs->password);
    }
  g_free (rs->original);
  g_free (rs);
}

/* IPv6 literals go in brackets, as the parser accepts them. */
static void
append_host (GString     *out,
             const gchar *host)
{
  if (strchr (host, ':') != NULL)
    g_string_append_printf (out, "[%s]", host);
  else
    g_string_append (out, host);
}

static gchar *
expand_pid (const gchar *pipe,
            gint         pid)
{
  GString *out = g_string_new (NULL);

  for (const gchar *p = pipe; *p; p++)
    {
      if (p[0] == '%' && p[1] == 'd')
        {
          g_string_append_printf (out, "%d", pid);
          p++;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

gchar *
kdh_remote_string_client_command (const KdhRemoteString *rs,
                                  const gchar           *host,
                                  guint16                port,
                                  gboolean               hide_password)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (rs != NULL, NULL);
  if (host == NULL)
    host = g_get_host_name ();

  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
      if (rs->clicon != NULL)
        {
          /* The server dials the client, which waits for this machine. */
          g_string_append (out, "tcp:clicon=");
          append_host (out, host);
          g_string_append_printf (out, ",Port=%u", port);
        }
      else
        {
          g_string_append_printf (out, "tcp:Port=%u,Server=", port);
          append_host (out, host);
        }
      break;
    case KDH_REMOTE_SSL:
      g_string_append_printf (out, "ssl:Port=%u,Server=", port);
      append_host (out, host);
      break;
    case KDH_REMOTE_NPIPE:
      {
        g_autofree gchar *name = expand_pid (rs->pipe, getpid ());

        g_string_append_printf (out, "npipe:Pipe=%s,Server=", name);
        append_host (out, host);
      }
      break;
    case KDH_REMOTE_COM:
      g_string_append_printf (out, "com:Port=%s,Baud=%u", rs->device, rs->baud);
      if (rs->channel != 0)
        g_string_append_printf (out, ",Channel=%u", rs->channel);
      break;
    default:
      g_return_val_if_reached (g_string_free (out, FALSE));
    }
  if (rs->password != NULL)
    g_string_append_printf (out, ",Password=%s", hide_password ? "*" : rs->password);
  return g_string_free (out, FALSE);
}

gchar *
kdh_remote_string_pipe_path (const gchar *pipe,
                             gint         pid)
{
  g_autofree gchar *name = expand_pid (pipe, pid);

  return g_build_filename (g_get_user_runtime_dir (), "kdhost", name, NULL);
}

gchar *
kdh_remote_string_mask_passwords (const gchar *text)
{
  GString *out = g_string_new (NULL);
  const gchar *p = text;

  while (*p)
    {
      const gchar *v;

      if (g_ascii_strncasecmp (p, "password", 8) != 0)
        {
          g_string_append_c (out, *p++);
          continue;
        }
      g_string_append_len (out, p, 8);
      v = p + 8;
      while (*v == ' ' || *v == '\t')
        v++;
      if (*v != '=')
        {
          p += 8;
          continue;
        }
      v++;
      while (*v == ' ' || *v == '\t')
        v++;
      g_string_append_len (out, p + 8, v - (p + 8));
      g_string_append_c (out, '*');
      while (*v && *v != ',' && *v != ';' && !g_ascii_isspace (*v))
        v++;
      p = v;
    }
  return g_string_free (out, FALSE);
}
