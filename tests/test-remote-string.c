/* test-remote-string.c: tests for the .server and -remote string parsers
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "remote/kdh-remote-string.h"

#define TCP   KDH_REMOTE_TCP
#define NPIPE KDH_REMOTE_NPIPE
#define SSL   KDH_REMOTE_SSL
#define COM   KDH_REMOTE_COM

typedef struct {
  const gchar *text;
  KdhRemoteKind kind;
  guint16 port, port_last;
  const gchar *server, *clicon, *bind, *pipe, *cert, *key, *device;
  guint baud, channel;
  const gchar *password;
  gboolean hidden;
} Good;

static const Good good_server[] = {
  { "tcp:port=5005", TCP, 5005, 5005 },
  { "TCP:PORT=5005,PASSWORD=Secret", TCP, 5005, 5005, .password = "Secret" },
  { " tcp: port = 5005 , hidden ", TCP, 5005, 5005, .hidden = TRUE },
  { "tcp:port=5005:5010", TCP, 5005, 5010 },
  { "tcp:port=7:7", TCP, 7, 7 },
  { "tcp:port=5005,clicon=client.example", TCP, 5005, 5005, .clicon = "client.example" },
  { "tcp:port=5005,clicon=[::1]", TCP, 5005, 5005, .clicon = "::1" },
  { "tcp:port=5005,bind=127.0.0.1", TCP, 5005, 5005, .bind = "127.0.0.1" },
  { "tcp:port=1,password=a=b:c", TCP, 1, 1, .password = "a=b:c" },
  { "npipe:pipe=kdsrv", NPIPE, .pipe = "kdsrv" },
  { "npipe:pipe=kd%d,password=p,hidden", NPIPE, .pipe = "kd%d", .password = "p", .hidden = TRUE },
  { "ssl:port=5006,cert=/etc/kd/server.pem", SSL, 5006, 5006, .cert = "/etc/kd/server.pem" },
  { "ssl:port=5006:5007,cert=/a.pem,key=/a.key,password=x,bind=::1", SSL, 5006, 5007,
    .cert = "/a.pem", .key = "/a.key", .password = "x", .bind = "::1" },
  { "com:port=/dev/ttyS1,baud=115200", COM, .device = "/dev/ttyS1", .baud = 115200 },
  { "Com:Port=/dev/pts/4,Baud=9600,Channel=254,Password=p", COM, .device = "/dev/pts/4",
    .baud = 9600, .channel = 254, .password = "p" },
};

static const Good good_client[] = {
  { "tcp:Port=5005,Server=HOSTNAME", TCP, 5005, 5005, .server = "HOSTNAME" },
  { "tcp:server=10.200.0.1,port=5005,password=P", TCP, 5005, 5005, .server = "10.200.0.1",
    .password = "P" },
  { "tcp:Port=5005,Server=[::1]", TCP, 5005, 5005, .server = "::1" },
  { "tcp:clicon=srv,Port=5005", TCP, 5005, 5005, .clicon = "srv" },
  { "npipe:Pipe=kdsrv", NPIPE, .pipe = "kdsrv" },
  { "npipe:Pipe=kdsrv,Server=localhost", NPIPE, .pipe = "kdsrv", .server = "localhost" },
  { "npipe:Pipe=kdsrv,Server=.,Password=q", NPIPE, .pipe = "kdsrv", .server = ".",
    .password = "q" },
  { "ssl:Port=5006,Server=127.0.0.1", SSL, 5006, 5006, .server = "127.0.0.1" },
  { "ssl:Port=5006,Server=h,Cert=/ca.pem,Password=z", SSL, 5006, 5006, .server = "h",
    .cert = "/ca.pem", .password = "z" },
  { "com:Port=/dev/ttyS0,Baud=57600,Channel=3", COM, .device = "/dev/ttyS0", .baud = 57600,
    .channel = 3 },
};

static void
check_good (const Good *c,
            gboolean    server_side)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KdhRemoteString) rs = NULL;

  g_test_message ("parsing '%s'", c->text);
  rs = server_side ? kdh_remote_string_parse_server (c->text, &error)
                   : kdh_remote_string_parse_client (c->text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rs);
  g_assert_cmpint (rs->kind, ==, c->kind);
  g_assert_cmpuint (rs->port, ==, c->port);
  g_assert_cmpuint (rs->port_last, ==, c->port_last);
  g_assert_cmpstr (rs->server, ==, c->server);
  g_assert_cmpstr (rs->clicon, ==, c->clicon);
  g_assert_cmpstr (rs->bind, ==, c->bind);
  g_assert_cmpstr (rs->pipe, ==, c->pipe);
  g_assert_cmpstr (rs->cert, ==, c->cert);
  g_assert_cmpstr (rs->key, ==, c->key);
  g_assert_cmpstr (rs->device, ==, c->device);
  g_assert_cmpuint (rs->baud, ==, c->baud);
  g_assert_cmpuint (rs->channel, ==, c->channel);
  g_assert_cmpstr (rs->password, ==, c->password);
  g_assert_cmpint (rs->hidden, ==, c->hidden);
  g_assert_cmpstr (rs->original, ==, c->text);
}

static void
test_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good_server); i++)
    check_good (&good_server[i], TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (good_client); i++)
    check_good (&good_client[i], FALSE);
}

typedef struct {
  gboolean server_side;
  const gchar *text;
  KdhRemoteStringError code;
  const gchar *needle;     /* names the bad part */
} Bad;

#define S TRUE
#define C FALSE

static const Bad bad_cases[] = {
  /* Shape. */
  { S, "", KDH_REMOTE_STRING_ERROR_SYNTAX, "empty server string" },
  { C, "  ", KDH_REMOTE_STRING_ERROR_SYNTAX, "empty remote string" },
  { S, "tcp", KDH_REMOTE_STRING_ERROR_SYNTAX, "missing ':'" },
  { S, ":port=1", KDH_REMOTE_STRING_ERROR_SYNTAX, "missing transport" },
  { S, "udp:port=1", KDH_REMOTE_STRING_ERROR_UNKNOWN_KIND, "unknown transport 'udp'" },
  { C, "spipe:Pipe=x", KDH_REMOTE_STRING_ERROR_UNKNOWN_KIND, "'spipe'" },
  { S, "tcp:port=1,,hidden", KDH_REMOTE_STRING_ERROR_SYNTAX, "empty option" },
  { S, "tcp:port=1,", KDH_REMOTE_STRING_ERROR_SYNTAX, "empty option" },
  { S, "tcp:=1", KDH_REMOTE_STRING_ERROR_SYNTAX, "no name" },
  { S, "tcp:port", KDH_REMOTE_STRING_ERROR_SYNTAX, "'port' needs a value" },
  { S, "tcp:port=", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "empty value for 'port'" },
  { S, "tcp:port=1,hidden=yes", KDH_REMOTE_STRING_ERROR_SYNTAX, "'hidden' takes no value" },
  { S, "tcp:port=1,PORT=2", KDH_REMOTE_STRING_ERROR_CONFLICT, "'port' given twice" },

  /* Options that belong to the other side or another transport. */
  { S, "tcp:port=1,server=h", KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, "unknown option 'server'" },
  { C, "tcp:Port=1,Server=h,hidden", KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, "'hidden'" },
  { C, "tcp:Port=1,Server=h,bind=x", KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, "'bind'" },
  { S, "npipe:pipe=x,port=1", KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, "'port'" },
  { S, "com:port=/dev/ttyS0,baud=1,hidden", KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, "'hidden'" },
  { S, "tcp:port=1,cert=x", KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, "'cert'" },
  { S, "tcp:port=1,bogus=2", KDH_REMOTE_STRING_ERROR_UNKNOWN_OPTION, "'bogus'" },

  /* Values. */
  { S, "tcp:port=0", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad port '0'" },
  { S, "tcp:port=65536", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad port '65536'" },
  { S, "tcp:port=http", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad port 'http'" },
  { S, "tcp:port=5010:5005", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad port '5010:5005'" },
  { S, "tcp:port=5005:", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad port '5005:'" },
  { S, "tcp:port=5005:5006,clicon=h", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "'5005:5006'" },
  { C, "tcp:Port=5005:5006,Server=h", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad port '5005:5006'" },
  { S, "npipe:pipe=../x", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad pipe name '../x'" },
  { S, "npipe:pipe=..", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad pipe name '..'" },
  /* 16 characters, but 72 once each %d is a PID: too long for the name
   * the server advertises (found by fuzz-remote-string). */
  { S, "npipe:pipe=kd%d%d%d%d%d%d%d", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad pipe name" },
  { C, "npipe:Pipe=a/b", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "'a/b'" },
  { C, "npipe:Pipe=x,Server=far.example", KDH_REMOTE_STRING_ERROR_BAD_VALUE,
    "bad server 'far.example'" },
  { S, "com:port=/dev/ttyS0,baud=fast", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "bad baud rate 'fast'" },
  { S, "com:port=/dev/ttyS0,baud=0", KDH_REMOTE_STRING_ERROR_BAD_VALUE, "baud rate '0'" },
  { C, "com:Port=/dev/ttyS0,Baud=1,Channel=255", KDH_REMOTE_STRING_ERROR_BAD_VALUE,
    "bad channel '255'" },

  /* Missing and conflicting parts. */
  { S, "tcp:", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'port='" },
  { S, "tcp:hidden", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'port='" },
  { C, "tcp:Server=h", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'Port='" },
  { C, "tcp:Port=5005", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'Server='" },
  { C, "ssl:Port=5005", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'Server='" },
  { S, "ssl:port=5005", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'cert='" },
  { S, "npipe:", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'pipe='" },
  { C, "npipe:Server=.", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'Pipe='" },
  { S, "com:baud=9600", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'port='" },
  { S, "com:port=/dev/ttyS0", KDH_REMOTE_STRING_ERROR_MISSING, "missing 'baud='" },
  { C, "tcp:Port=1,Server=h,clicon=h", KDH_REMOTE_STRING_ERROR_CONFLICT,
    "'Server=' and 'clicon='" },
  { S, "tcp:port=1,clicon=h,bind=127.0.0.1", KDH_REMOTE_STRING_ERROR_CONFLICT,
    "'bind=' and 'clicon='" },
};

static void
test_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const Bad *c = &bad_cases[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (KdhRemoteString) rs = NULL;
      g_autofree gchar *stripped = g_strstrip (g_strdup (c->text));
      g_autofree gchar *quoted = g_strdup_printf ("'%s'", stripped);

      g_test_message ("parsing '%s'", c->text);
      rs = c->server_side ? kdh_remote_string_parse_server (c->text, &error)
                          : kdh_remote_string_parse_client (c->text, &error);
      g_assert_null (rs);
      g_assert_error (error, KDH_REMOTE_STRING_ERROR, (gint) c->code);
      g_test_message ("  -> %s", error->message);
      g_assert_nonnull (strstr (error->message, c->needle));
      /* Every message also quotes the string it came from (with the value
       * of an unknown option hidden: it may be a mistyped password). */
      if (*stripped != '\0' && strstr (error->message, quoted) == NULL)
        g_assert_nonnull (strstr (error->message, "=*"));
    }

  g_assert_null (kdh_remote_string_parse_server (NULL, NULL));
  g_assert_null (kdh_remote_string_parse_client ("tcp:bad", NULL));
}

/* A password never appears in an error message, whatever else is wrong. */
static void
test_password_not_in_messages (void)
{
  static const gchar *const cases[] = {
    "tcp:port=abc,password=hunter2",
    "tcp:password=hunter2,port=0",
    "tcp:password=hunter2",
    "tcp:port=1,password=hunter2,bogus=1",
    "tcp:port=1,password=hunter2,password=hunter2",
    "ssl:port=1,PassWord = hunter2",
    "com:port=/dev/x,password=hunter2",
    "tcp:port=1,passwd=hunter2",
    /* Before the transport, or without one (found by fuzz-remote-string). */
    "password=hunter2,tcp:port=1",
    "password=hunter2",
    "port=1,password=hunter2",
    "password=hunter2:x,tcp:port=1",
    "tcp:password=hunter2",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) e1 = NULL;
      g_autoptr (GError) e2 = NULL;

      g_assert_null (kdh_remote_string_parse_server (cases[i], &e1));
      g_assert_null (kdh_remote_string_parse_client (cases[i], &e2));
      g_test_message ("%s -> %s / %s", cases[i], e1->message, e2->message);
      g_assert_null (strstr (e1->message, "hunter2"));
      g_assert_null (strstr (e2->message, "hunter2"));
    }

  {
    g_autoptr (GError) error = NULL;

    g_assert_null (kdh_remote_string_parse_server ("tcp:port=x,password=hunter2", &error));
    g_assert_cmpstr (error->message, ==,
                     "bad port 'x' in 'tcp:port=x,password=*' "
                     "(expected a number from 1 to 65535, or a range such as 5005:5010)");
  }
}

/* The exact wording promised by the headers. */
static void
test_messages (void)
{
  static const struct {
    gboolean server_side;
    const gchar *text;
    const gchar *message;
  } cases[] = {
    { S, "tcp:port=5005,bogus=1",
      "unknown option 'bogus' in 'tcp:port=5005,bogus=*' "
      "(expected port, password, hidden, clicon or bind)" },
    { S, "foo:port=1", "unknown transport 'foo' in 'foo:port=1' "
      "(expected tcp:, npipe:, ssl: or com:)" },
    { C, "tcp:Port=5005", "missing 'Server=' in 'tcp:Port=5005' "
      "(expected Server=HOST or clicon=HOST)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      if (cases[i].server_side)
        g_assert_null (kdh_remote_string_parse_server (cases[i].text, &error));
      else
        g_assert_null (kdh_remote_string_parse_client (cases[i].text, &error));
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* What .server prints parses as a -remote string and leads back to the
 * same server. */
static void
test_client_command (void)
{
  static const struct {
    const gchar *server;
    const gchar *host;
    guint16 port;
    const gchar *full;
    const gchar *hidden;
  } cases[] = {
    { "tcp:port=5005", "box", 5005, "tcp:Port=5005,Server=box", "tcp:Port=5005,Server=box" },
    { "tcp:port=5005:5010,password=pw", "box", 5007, "tcp:Port=5007,Server=box,Password=pw",
      "tcp:Port=5007,Server=box,Password=*" },
    { "tcp:port=5005,clicon=client", "srv", 5005, "tcp:clicon=srv,Port=5005",
      "tcp:clicon=srv,Port=5005" },
    { "tcp:port=5005", "::1", 5005, "tcp:Port=5005,Server=[::1]", "tcp:Port=5005,Server=[::1]" },
    { "ssl:port=443,cert=/c.pem,password=s", "h.example", 443,
      "ssl:Port=443,Server=h.example,Password=s", "ssl:Port=443,Server=h.example,Password=*" },
    { "npipe:pipe=dbg", "localhost", 0, "npipe:Pipe=dbg,Server=localhost",
      "npipe:Pipe=dbg,Server=localhost" },
    { "com:port=/dev/ttyS1,baud=9600,channel=2,password=c", "x", 0,
      "com:Port=/dev/ttyS1,Baud=9600,Channel=2,Password=c",
      "com:Port=/dev/ttyS1,Baud=9600,Channel=2,Password=*" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (KdhRemoteString) srv = kdh_remote_string_parse_server (cases[i].server, NULL);
      g_autoptr (KdhRemoteString) cli = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree gchar *full = NULL, *hidden = NULL;

      g_assert_nonnull (srv);
      full = kdh_remote_string_client_command (srv, cases[i].host, cases[i].port, FALSE);
      hidden = kdh_remote_string_client_command (srv, cases[i].host, cases[i].port, TRUE);
      g_assert_cmpstr (full, ==, cases[i].full);
      g_assert_cmpstr (hidden, ==, cases[i].hidden);

      cli = kdh_remote_string_parse_client (full, &error);
      g_assert_no_error (error);
      g_assert_cmpint (cli->kind, ==, srv->kind);
      g_assert_cmpstr (cli->password, ==, srv->password);
      switch (srv->kind)
        {
        case KDH_REMOTE_TCP:
        case KDH_REMOTE_SSL:
          g_assert_cmpuint (cli->port, ==, cases[i].port);
          if (srv->clicon)
            g_assert_cmpstr (cli->clicon, ==, cases[i].host);
          else
            g_assert_cmpstr (cli->server, ==, cases[i].host);
          break;
        case KDH_REMOTE_NPIPE:
          g_assert_cmpstr (cli->pipe, ==, srv->pipe);
          break;
        case KDH_REMOTE_COM:
          g_assert_cmpstr (cli->device, ==, srv->device);
          g_assert_cmpuint (cli->baud, ==, srv->baud);
          g_assert_cmpuint (cli->channel, ==, srv->channel);
          break;
        }
    }

  /* NULL host: this machine's name, which npipe accepts as local. */
  {
    g_autoptr (KdhRemoteString) srv = kdh_remote_string_parse_server ("npipe:pipe=a", NULL);
    g_autofree gchar *text = kdh_remote_string_client_command (srv, NULL, 0, FALSE);
    g_autoptr (KdhRemoteString) cli = kdh_remote_string_parse_client (text, NULL);
    g_autofree gchar *want = g_strdup_printf ("npipe:Pipe=a,Server=%s", g_get_host_name ());

    g_assert_cmpstr (text, ==, want);
    g_assert_nonnull (cli);
  }
}

/* %d is the server's PID, in the listed name and in the socket path. */
static void
test_pipe_path (void)
{
  g_autoptr (KdhRemoteString) srv = kdh_remote_string_parse_server ("npipe:pipe=kd%d-x", NULL);
  g_autofree gchar *text = kdh_remote_string_client_command (srv, "localhost", 0, TRUE);
  g_autofree gchar *want_text = g_strdup_printf ("npipe:Pipe=kd%d-x,Server=localhost", getpid ());
  g_autoptr (KdhRemoteString) cli = kdh_remote_string_parse_client (text, NULL);
  g_autofree gchar *server_path = kdh_remote_string_pipe_path (srv->pipe, getpid ());
  g_autofree gchar *client_path = NULL;
  g_autofree gchar *want = NULL;
  g_autofree gchar *plain = kdh_remote_string_pipe_path ("name", 42);
  g_autofree gchar *two = kdh_remote_string_pipe_path ("%d.%d%", 7);
  g_autofree gchar *want_plain = g_build_filename (g_get_user_runtime_dir (), "kdhost", "name",
                                                   NULL);
  g_autofree gchar *want_two = g_build_filename (g_get_user_runtime_dir (), "kdhost", "7.7%",
                                                 NULL);

  g_assert_cmpstr (text, ==, want_text);
  g_assert_nonnull (cli);
  /* The client, with no %d left, finds the same socket whatever its PID. */
  client_path = kdh_remote_string_pipe_path (cli->pipe, 1);
  want = g_strdup_printf ("%s/kdhost/kd%d-x", g_get_user_runtime_dir (), getpid ());
  g_assert_cmpstr (server_path, ==, want);
  g_assert_cmpstr (client_path, ==, want);
  g_assert_cmpstr (plain, ==, want_plain);
  g_assert_cmpstr (two, ==, want_two);
}

static void
test_mask_passwords (void)
{
  static const struct {
    const gchar *text;
    const gchar *masked;
  } cases[] = {
    { ".server tcp:port=5005,password=s3cret", ".server tcp:port=5005,password=*" },
    { ".server tcp:PassWord = s3cret,hidden", ".server tcp:PassWord = *,hidden" },
    { "a password=x; b Password=y z", "a password=*; b Password=* z" },
    { "the password is long", "the password is long" },
    { "password=", "password=*" },
    { "vertarget", "vertarget" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *masked = kdh_remote_string_mask_passwords (cases[i].text);

      g_assert_cmpstr (masked, ==, cases[i].masked);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote-string/good", test_good);
  g_test_add_func ("/remote-string/bad", test_bad);
  g_test_add_func ("/remote-string/password-not-in-messages", test_password_not_in_messages);
  g_test_add_func ("/remote-string/messages", test_messages);
  g_test_add_func ("/remote-string/client-command", test_client_command);
  g_test_add_func ("/remote-string/pipe-path", test_pipe_path);
  g_test_add_func ("/remote-string/mask-passwords", test_mask_passwords);
  return g_test_run ();
}
