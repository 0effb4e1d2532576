/* fuzz-remote-string.c: libFuzzer harness for .server and -remote strings
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input, up to its first NUL, is parsed as a server string
 * ("tcp:port=5005,password=P") and as a client string
 * ("tcp:Port=5005,Server=HOST").
 *
 * Checks: what parses has consistent fields; the client command a server
 * advertises parses as a client string naming the same port, host and
 * password; errors have the right domain and valid UTF-8 messages for
 * valid UTF-8 input; and no message ever quotes a password. The last one
 * is differential: the same text with the password's letters and digits
 * changed must give the very same message.
 */
#include <string.h>

#include "remote/kdh-remote-string.h"
#include "kdh-fuzz.h"

typedef KdhRemoteString *(*ParseFunc) (const gchar *text, GError **error);

/* Letters and digits changed, everything else kept, so that the parser
 * takes the same path. */
static gchar *
disguise (const gchar *text,
          gsize        start,
          gsize        len)
{
  gchar *copy = g_strdup (text);

  for (gsize i = start; i < start + len; i++)
    {
      gchar c = copy[i];

      if (g_ascii_isdigit (c))
        copy[i] = c == '9' ? '0' : c + 1;
      else if (g_ascii_isalpha (c))
        copy[i] = (c == 'q' || c == 'Q') ? c + 1 : (g_ascii_isupper (c) ? 'Q' : 'q');
    }
  return copy;
}

static gchar *
error_message (ParseFunc    parse,
               const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhRemoteString) rs = parse (text, &error);

  return rs == NULL ? g_strdup (error->message) : NULL;
}

/* Every "password=VALUE" in the text, wherever it sits (also before the
 * transport, or in a string without one): the parser never looks into a
 * password, so disguising VALUE may change the message only by quoting
 * it. */
static void
check_no_password_leak (ParseFunc    parse,
                        const gchar *text,
                        const gchar *message)
{
  const gchar *item = text;

  while (item != NULL && *item != '\0')
    {
      const gchar *comma = strchr (item, ',');
      const gchar *end = comma != NULL ? comma : item + strlen (item);
      const gchar *eq = memchr (item, '=', end - item);

      if (eq != NULL)
        {
          const gchar *key = item;
          const gchar *v = eq + 1;
          const gchar *v_end = end;
          g_autofree gchar *key_text = NULL;
          guint alnum = 0;

          /* "tcp:password=..." names the key after the colon. */
          for (const gchar *p = item; p < eq; p++)
            if (*p == ':')
              key = p + 1;
          key_text = g_strstrip (g_strndup (key, eq - key));
          while (v < v_end && g_ascii_isspace (*v))
            v++;
          while (v_end > v && g_ascii_isspace (v_end[-1]))
            v_end--;
          for (const gchar *p = v; p < v_end; p++)
            alnum += g_ascii_isalnum (*p) ? 1 : 0;

          if (g_ascii_strcasecmp (key_text, "password") == 0 && alnum > 0)
            {
              g_autofree gchar *other_text = disguise (text, v - text, v_end - v);
              g_autofree gchar *other = error_message (parse, other_text);

              if (g_strcmp0 (message, other) != 0)
                g_error ("the message for '%s' depends on its password: '%s', but '%s' for '%s'",
                         text, message, other != NULL ? other : "(parses)", other_text);
            }
        }
      item = comma != NULL ? comma + 1 : NULL;
    }
}

static void
check_client (const KdhRemoteString *rs)
{
  g_assert_cmpuint (rs->port, ==, rs->port_last);
  g_assert_false (rs->hidden);
  g_assert_null (rs->bind);
  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
      g_assert_cmpuint (rs->port, >=, 1);
      g_assert_true ((rs->server != NULL) != (rs->clicon != NULL));
      break;
    case KDH_REMOTE_SSL:
      g_assert_cmpuint (rs->port, >=, 1);
      g_assert_nonnull (rs->server);
      break;
    case KDH_REMOTE_NPIPE:
      g_assert_nonnull (rs->pipe);
      break;
    case KDH_REMOTE_COM:
      g_assert_nonnull (rs->device);
      g_assert_cmpuint (rs->baud, >=, 1);
      g_assert_cmpuint (rs->channel, <=, 254);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The command .servers shows for this server must work for a client. */
static void
check_client_command (const KdhRemoteString *rs,
                      const gchar           *host,
                      gboolean               hide_password)
{
  g_autofree gchar *command = kdh_remote_string_client_command (rs, host, rs->port,
                                                                hide_password);
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhRemoteString) client = NULL;

  g_assert_nonnull (command);
  client = kdh_remote_string_parse_client (command, &error);
  if (client == NULL)
    g_error ("the client command '%s' of server string '%s' does not parse: %s", command,
             rs->original, error->message);
  check_client (client);
  g_assert_cmpint (client->kind, ==, rs->kind);
  if (rs->password == NULL)
    g_assert_null (client->password);
  else if (hide_password)
    g_assert_cmpstr (client->password, ==, "*");
  else
    g_assert_cmpstr (client->password, ==, rs->password);

  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
    case KDH_REMOTE_SSL:
      g_assert_cmpuint (client->port, ==, rs->port);
      if (host != NULL)
        g_assert_cmpstr (rs->clicon != NULL ? client->clicon : client->server, ==, host);
      break;
    case KDH_REMOTE_COM:
      g_assert_cmpstr (client->device, ==, rs->device);
      g_assert_cmpuint (client->baud, ==, rs->baud);
      g_assert_cmpuint (client->channel, ==, rs->channel);
      break;
    default:
      break;
    }
}

static void
fuzz_server (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhRemoteString) rs = kdh_remote_string_parse_server (text, &error);

  if (rs == NULL)
    {
      kdh_fuzz_check_error (error, KDH_REMOTE_STRING_ERROR, text);
      check_no_password_leak (kdh_remote_string_parse_server, text, error->message);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (rs->original);
  g_assert_null (rs->server);
  switch (rs->kind)
    {
    case KDH_REMOTE_TCP:
    case KDH_REMOTE_SSL:
      g_assert_cmpuint (rs->port, >=, 1);
      g_assert_cmpuint (rs->port, <=, rs->port_last);
      if (rs->kind == KDH_REMOTE_SSL)
        g_assert_nonnull (rs->cert);
      break;
    case KDH_REMOTE_NPIPE:
      g_assert_nonnull (rs->pipe);
      {
        g_autofree gchar *path = kdh_remote_string_pipe_path (rs->pipe, 4242);

        g_assert_nonnull (path);
      }
      break;
    case KDH_REMOTE_COM:
      g_assert_nonnull (rs->device);
      break;
    default:
      g_assert_not_reached ();
    }

  /* npipe advertises this machine (the only host it accepts) by default;
   * the others name any host, IPv6 literals included. */
  check_client_command (rs, NULL, FALSE);
  check_client_command (rs, NULL, TRUE);
  if (rs->kind != KDH_REMOTE_NPIPE)
    {
      check_client_command (rs, "debugger.example", FALSE);
      check_client_command (rs, "fe80::1", TRUE);
    }
}

static void
fuzz_client (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhRemoteString) rs = kdh_remote_string_parse_client (text, &error);

  if (rs == NULL)
    {
      kdh_fuzz_check_error (error, KDH_REMOTE_STRING_ERROR, text);
      check_no_password_leak (kdh_remote_string_parse_client, text, error->message);
      return;
    }
  g_assert_no_error (error);
  check_client (rs);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree gchar *text = kdh_fuzz_strndup (data, size);

  fuzz_server (text);
  fuzz_client (text);
  return 0;
}
