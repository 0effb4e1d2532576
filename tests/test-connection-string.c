/* test-connection-string.c: tests for the -k connection-string parser
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include <glib.h>

#include "sim/kdh-sim-transport.h"
#include "transport/kdh-connection-string.h"

#define SERIAL      KDH_TRANSPORT_SERIAL
#define PIPE        KDH_TRANSPORT_PIPE
#define TCP_CONNECT KDH_TRANSPORT_TCP_CONNECT
#define TCP_LISTEN  KDH_TRANSPORT_TCP_LISTEN
#define SIM         KDH_TRANSPORT_REGISTERED

/* The simulator's options, or the defaults for a string of another kind. */
static const KdhSimOptions *
sim_options (const KdhConnectionString *cs)
{
  static KdhSimOptions defaults;
  const KdhSimOptions *opts = kdh_sim_transport_get_options (cs);

  if (opts)
    return opts;
  kdh_sim_options_init (&defaults);
  return &defaults;
}

static void
assert_sim_equal (const KdhSimOptions *a,
                  const KdhSimOptions *b)
{
  g_assert_true (a->drop == b->drop);
  g_assert_true (a->corrupt == b->corrupt);
  g_assert_true (a->dup == b->dup);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpuint (a->stall_ms, ==, b->stall_ms);
  g_assert_cmpuint (a->silent_after, ==, b->silent_after);
  g_assert_cmpuint (a->reboot_after, ==, b->reboot_after);
  g_assert_true (a->dbgprint_rate == b->dbgprint_rate);
  g_assert_cmpint (a->dbgprint_flood, ==, b->dbgprint_flood);
  g_assert_cmpuint (a->baud, ==, b->baud);
  g_assert_cmpuint (a->cpus, ==, b->cpus);
}

/* Equal in everything but the original text. */
static void
assert_cs_equal (const KdhConnectionString *a,
                 const KdhConnectionString *b)
{
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpstr (a->port, ==, b->port);
  g_assert_cmpuint (a->baud, ==, b->baud);
  g_assert_cmpuint (a->tcp_port, ==, b->tcp_port);
  g_assert_cmpint (a->reconnect, ==, b->reconnect);
  g_assert_cmpint (a->resets, ==, b->resets);
  assert_sim_equal (sim_options (a), sim_options (b));
}

/* parse (to_string (cs)) must give back @cs, and to_string must be stable. */
static void
assert_round_trip (const KdhConnectionString *cs)
{
  g_autoptr(KdhConnectionString) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = kdh_connection_string_to_string (cs);
  g_autofree gchar *text2 = NULL;

  again = kdh_connection_string_parse (text, &error);
  if (again == NULL)
    g_error ("'%s' does not re-parse: %s", text, error->message);
  assert_cs_equal (cs, again);

  text2 = kdh_connection_string_to_string (again);
  g_assert_cmpstr (text, ==, text2);
}

typedef struct {
  const gchar *text;
  KdhTransportKind kind;
  const gchar *port;
  guint baud;
  guint16 tcp_port;
  gboolean reconnect;
  gint resets;
  const gchar *sim;          /* kdh_sim_options_to_string () of the result */
  const gchar *describe;
  const gchar *canonical;
} GoodCase;

static const GoodCase good_cases[] = {
  /* Serial devices and pseudo-terminals. */
  { "com:port=/dev/ttyS0,baud=115200", SERIAL, "/dev/ttyS0", 115200, 0, FALSE, -1, "",
    "com /dev/ttyS0 115200", "com:port=/dev/ttyS0,baud=115200" },
  { "com:port=/dev/pts/3", SERIAL, "/dev/pts/3", 115200, 0, FALSE, -1, "",
    "com /dev/pts/3 115200", "com:port=/dev/pts/3,baud=115200" },
  { "com:port=/dev/ttyUSB0,baud=9600", SERIAL, "/dev/ttyUSB0", 9600, 0, FALSE, -1, "",
    "com /dev/ttyUSB0 9600", "com:port=/dev/ttyUSB0,baud=9600" },
  { "com:baud=57600,port=/dev/ttyS1", SERIAL, "/dev/ttyS1", 57600, 0, FALSE, -1, "",
    "com /dev/ttyS1 57600", "com:port=/dev/ttyS1,baud=57600" },
  { "COM:PORT=/dev/ttyS0,BAUD=9600", SERIAL, "/dev/ttyS0", 9600, 0, FALSE, -1, "",
    "com /dev/ttyS0 9600", "com:port=/dev/ttyS0,baud=9600" },
  { "  com:port=/dev/ttyS0  ", SERIAL, "/dev/ttyS0", 115200, 0, FALSE, -1, "",
    "com /dev/ttyS0 115200", "com:port=/dev/ttyS0,baud=115200" },
  { "com: port = /dev/ttyS0 , baud = 38400 ", SERIAL, "/dev/ttyS0", 38400, 0, FALSE, -1, "",
    "com /dev/ttyS0 38400", "com:port=/dev/ttyS0,baud=38400" },
  { "com:port=/dev/serial/by-id/usb-FTDI_FT232R-if00-port0,baud=4000000", SERIAL,
    "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", 4000000, 0, FALSE, -1, "",
    "com /dev/serial/by-id/usb-FTDI_FT232R-if00-port0 4000000",
    "com:port=/dev/serial/by-id/usb-FTDI_FT232R-if00-port0,baud=4000000" },
  { "com:port=/dev/ttyS0,baud=1", SERIAL, "/dev/ttyS0", 1, 0, FALSE, -1, "",
    "com /dev/ttyS0 1", "com:port=/dev/ttyS0,baud=1" },
  { "com:port=/odd:path", SERIAL, "/odd:path", 115200, 0, FALSE, -1, "",
    "com /odd:path 115200", "com:port=/odd:path,baud=115200" },
  { "com:port=/dev/ttyUSB0,baud=115200,reconnect", SERIAL, "/dev/ttyUSB0", 115200, 0, TRUE,
    -1, "", "com /dev/ttyUSB0 115200", "com:port=/dev/ttyUSB0,baud=115200,reconnect" },
  { "com:Reconnect,port=/dev/pts/7,baud=9600", SERIAL, "/dev/pts/7", 9600, 0, TRUE, -1, "",
    "com /dev/pts/7 9600", "com:port=/dev/pts/7,baud=9600,reconnect" },

  /* VM serial ports exposed as Unix sockets. */
  { "com:pipe,port=/run/vm.sock", PIPE, "/run/vm.sock", 115200, 0, FALSE, -1, "",
    "pipe /run/vm.sock", "com:pipe,port=/run/vm.sock" },
  { "com:pipe,port=/run/vm.sock,reconnect,resets=0", PIPE, "/run/vm.sock", 115200, 0,
    TRUE, 0, "", "pipe /run/vm.sock", "com:pipe,port=/run/vm.sock,resets=0,reconnect" },
  { "com:port=/tmp/My VM.sock,PIPE,Reconnect", PIPE, "/tmp/My VM.sock", 115200, 0,
    TRUE, -1, "", "pipe /tmp/My VM.sock", "com:pipe,port=/tmp/My VM.sock,reconnect" },
  { "com:pipe,port=/tmp/a=b.sock", PIPE, "/tmp/a=b.sock", 115200, 0, FALSE, -1, "",
    "pipe /tmp/a=b.sock", "com:pipe,port=/tmp/a=b.sock" },
  { "com:pipe,port=/run/vm.sock,baud=115200,resets=5", PIPE, "/run/vm.sock", 115200, 0,
    FALSE, 5, "", "pipe /run/vm.sock", "com:pipe,port=/run/vm.sock,resets=5" },
  { "com:pipe,port=/run/vm.sock,baud=9600", PIPE, "/run/vm.sock", 9600, 0, FALSE, -1, "",
    "pipe /run/vm.sock", "com:pipe,port=/run/vm.sock,baud=9600" },
  { "com:pipe,port=/run/vm.sock,resets=2147483647", PIPE, "/run/vm.sock", 115200, 0, FALSE,
    G_MAXINT, "", "pipe /run/vm.sock", "com:pipe,port=/run/vm.sock,resets=2147483647" },

  /* TCP, both ways. */
  { "com:ipport=4445,port=127.0.0.1", TCP_CONNECT, "127.0.0.1", 115200, 4445, FALSE, -1, "",
    "tcp 127.0.0.1:4445", "com:ipport=4445,port=127.0.0.1" },
  { "com:port=localhost,ipport=65535", TCP_CONNECT, "localhost", 115200, 65535, FALSE, -1, "",
    "tcp localhost:65535", "com:ipport=65535,port=localhost" },
  { "com:ipport=4445,port=::1", TCP_CONNECT, "::1", 115200, 4445, FALSE, -1, "",
    "tcp [::1]:4445", "com:ipport=4445,port=::1" },
  { "com:ipport=4445,port=[fe80::1%eth0]", TCP_CONNECT, "fe80::1%eth0", 115200, 4445, FALSE,
    -1, "", "tcp [fe80::1%eth0]:4445", "com:ipport=4445,port=fe80::1%eth0" },
  { "com:ipport=1,port=VM-Host.example", TCP_CONNECT, "VM-Host.example", 115200, 1, FALSE,
    -1, "", "tcp VM-Host.example:1", "com:ipport=1,port=VM-Host.example" },
  { "com:ipport=4445,listen", TCP_LISTEN, NULL, 115200, 4445, FALSE, -1, "",
    "tcp listen :4445", "com:ipport=4445,listen" },
  { "com:LISTEN,ipport=1,port=0.0.0.0", TCP_LISTEN, "0.0.0.0", 115200, 1, FALSE, -1, "",
    "tcp listen 0.0.0.0:1", "com:ipport=1,listen,port=0.0.0.0" },
  { "com:ipport=4445,listen,port=::", TCP_LISTEN, "::", 115200, 4445, FALSE, -1, "",
    "tcp listen [::]:4445", "com:ipport=4445,listen,port=::" },

  /* The simulated target. */
  { "sim:", SIM, NULL, 0, 0, FALSE, -1, "", "sim", "sim:" },
  { "sim", SIM, NULL, 0, 0, FALSE, -1, "", "sim", "sim:" },
  { "SIM", SIM, NULL, 0, 0, FALSE, -1, "", "sim", "sim:" },
  { "  sim:  ", SIM, NULL, 0, 0, FALSE, -1, "", "sim", "sim:" },
  { "sim:drop=0.01,seed=7", SIM, NULL, 0, 0, FALSE, -1, "drop=0.01,seed=7",
    "sim drop=0.01,seed=7", "sim:drop=0.01,seed=7" },
  { "Sim:CPUS=4,dbgprint-rate=MAX", SIM, NULL, 0, 0, FALSE, -1, "dbgprint-rate=max,cpus=4",
    "sim dbgprint-rate=max,cpus=4", "sim:dbgprint-rate=max,cpus=4" },
  { "sim:seed=1,cpus=2", SIM, NULL, 0, 0, FALSE, -1, "", "sim", "sim:" },
};

static void
test_good (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      const GoodCase *c = &good_cases[i];
      g_autoptr(KdhConnectionString) cs = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *sim = NULL;
      g_autofree gchar *describe = NULL;
      g_autofree gchar *canonical = NULL;

      g_test_message ("parsing '%s'", c->text);
      cs = kdh_connection_string_parse (c->text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (cs);

      g_assert_cmpint (cs->kind, ==, c->kind);
      g_assert_cmpstr (cs->port, ==, c->port);
      g_assert_cmpuint (cs->baud, ==, c->baud);
      g_assert_cmpuint (cs->tcp_port, ==, c->tcp_port);
      g_assert_cmpint (cs->reconnect, ==, c->reconnect);
      g_assert_cmpint (cs->resets, ==, c->resets);
      g_assert_cmpstr (cs->original, ==, c->text);

      sim = kdh_sim_options_to_string (sim_options (cs));
      g_assert_cmpstr (sim, ==, c->sim);

      describe = kdh_connection_string_describe (cs);
      g_assert_cmpstr (describe, ==, c->describe);

      canonical = kdh_connection_string_to_string (cs);
      g_assert_cmpstr (canonical, ==, c->canonical);
    }
}

typedef struct {
  const gchar *text;
  KdhConnectionStringError code;
  const gchar *needle;   /* must appear in the message: it names the bad part */
} BadCase;

static const BadCase bad_cases[] = {
  /* The shape of the string. */
  { "",                          KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty connection string" },
  { "   ",                       KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty connection string" },
  { "com",                       KDH_CONNECTION_STRING_ERROR_SYNTAX, "missing ':'" },
  { "/dev/ttyS0",                KDH_CONNECTION_STRING_ERROR_SYNTAX, "missing ':'" },
  { ":port=/dev/ttyS0",          KDH_CONNECTION_STRING_ERROR_SYNTAX, "missing connection kind" },
  { "foo:bar",                   KDH_CONNECTION_STRING_ERROR_UNKNOWN_KIND,
    "unknown connection kind 'foo'" },
  { "tcp:port=5005",             KDH_CONNECTION_STRING_ERROR_UNKNOWN_KIND, "'tcp'" },
  { "simulator:",                KDH_CONNECTION_STRING_ERROR_UNKNOWN_KIND, "'simulator'" },
  { "com:port=/dev/ttyS0,,baud=9600", KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty option" },
  { "com:port=/dev/ttyS0,",      KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty option" },
  { "com:,port=/dev/ttyS0",      KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty option" },
  { "com:port=/dev/ttyS0, ,baud=1", KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty option" },
  { "com:=x",                    KDH_CONNECTION_STRING_ERROR_SYNTAX, "option '=x' has no name" },
  { "com:port",                  KDH_CONNECTION_STRING_ERROR_SYNTAX, "'port' needs a value" },
  { "com:port=",                 KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "empty value for 'port'" },

  /* com: options. */
  { "com:",                      KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'port='" },
  { "com:baud=9600",             KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'port='" },
  { "com:pipe",                  KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'port='" },
  { "com:ipport=4445",           KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'port='" },
  { "com:port=/dev/ttyS0,bad=1", KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION,
    "unknown option 'bad=1'" },
  { "com:port=/dev/ttyS0,speed=9600", KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION,
    "'speed=9600'" },
  { "com:port=/dev/ttyS0,key=a.b.c.d", KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION,
    "'key=a.b.c.d'" },
  { "com:port=/dev/ttyS0,baud=fast", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "bad baud rate 'fast'" },
  { "com:port=/dev/ttyS0,baud=0", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "baud rate '0'" },
  { "com:port=/dev/ttyS0,baud=-9600", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "baud rate '-9600'" },
  { "com:port=/dev/ttyS0,baud=4000001", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "baud rate '4000001'" },
  { "com:port=/dev/ttyS0,baud=9600.5", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "baud rate '9600.5'" },
  { "com:port=/dev/ttyS0,baud=99999999999999999999", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "baud rate '99999999999999999999'" },
  { "com:port=/dev/ttyS0,baud= ", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "empty value for 'baud'" },
  { "com:port=/dev/ttyS0,port=/dev/ttyS1", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'port' given twice" },
  { "com:port=/a,BAUD=1,baud=2", KDH_CONNECTION_STRING_ERROR_CONFLICT, "'baud' given twice" },
  { "com:pipe,PIPE,port=/a",     KDH_CONNECTION_STRING_ERROR_CONFLICT, "'pipe' given twice" },
  { "com:pipe=1,port=/a",        KDH_CONNECTION_STRING_ERROR_SYNTAX, "'pipe' takes no value" },
  { "com:pipe,port=/a,reconnect=1", KDH_CONNECTION_STRING_ERROR_SYNTAX,
    "'reconnect' takes no value, but got 'reconnect=1'" },
  { "com:ipport=4445,listen=yes", KDH_CONNECTION_STRING_ERROR_SYNTAX,
    "'listen' takes no value" },
  { "com:pipe,ipport=4445,port=h", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'pipe' and 'ipport='" },
  { "com:ipport=4445,port=h,reconnect", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'reconnect' applies only to com:pipe and serial (com:port=) connections" },
  { "com:ipport=4445,listen,reconnect", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'reconnect' applies only" },
  { "com:port=/dev/ttyS0,reconnect,reconnect", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'reconnect' given twice" },
  { "com:port=/dev/ttyS0,reconnect=yes", KDH_CONNECTION_STRING_ERROR_SYNTAX,
    "'reconnect' takes no value" },
  { "com:reconnect,baud=9600", KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'port='" },
  { "com:port=/dev/ttyS0,resets=0", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'resets=' applies only to com:pipe connections" },
  { "com:port=/dev/ttyS0,listen", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'listen' applies only to com:ipport= connections" },
  { "com:pipe,listen,port=/a",   KDH_CONNECTION_STRING_ERROR_CONFLICT, "'listen'" },
  { "com:pipe,port=/a,resets=-1", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "bad resets count '-1'" },
  { "com:pipe,port=/a,resets=x", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "resets count 'x'" },
  { "com:pipe,port=/a,resets=2147483648", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "resets count '2147483648'" },
  { "com:ipport=0,port=h",       KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "bad TCP port '0'" },
  { "com:ipport=65536,port=h",   KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "TCP port '65536'" },
  { "com:ipport=http,port=h",    KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "TCP port 'http'" },
  { "com:ipport=-1,listen",      KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "TCP port '-1'" },

  /* sim: options, reported through the sim parser. */
  { "sim:drop=2",                KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "drop probability '2'" },
  { "sim:cpus=0",                KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "CPU count '0'" },
  { "sim:seed=-1",               KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "seed '-1'" },
  { "sim:dbgprint-rate=lots",    KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "DbgPrint rate 'lots'" },
  { "sim:bad=1",                 KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION,
    "unknown option 'bad=1'" },
  { "sim:port=/dev/ttyS0",       KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION,
    "unknown option 'port=/dev/ttyS0'" },
  { "sim:seed=1,Seed=2",         KDH_CONNECTION_STRING_ERROR_CONFLICT, "'seed' given twice" },
  { "sim:drop",                  KDH_CONNECTION_STRING_ERROR_SYNTAX, "'drop'" },
  { "sim:,,",                    KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty option" },
  { "sim:=1",                    KDH_CONNECTION_STRING_ERROR_SYNTAX, "option '=1' has no name" },

  /* net: (KDNET) */
  { "net:port=0,key=a.b.c.d",    KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "bad UDP port '0'" },
  { "net:port=70000,key=a.b.c.d", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "port '70000'" },
  { "net:port=50000,key=a.b.c",  KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "bad KDNET key 'a.b.c'" },
  { "net:port=50000,key=a.b..d", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "key 'a.b..d'" },
  { "net:port=50000,key=a.b.c.d.e", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "'a.b.c.d.e'" },
  { "net:port=50000,key=a.b.c.d.", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "'a.b.c.d.'" },
  { "net:port=50000,key=.a.b.c", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "'.a.b.c'" },
  { "net:port=50000,key=a-b.c.d.e", KDH_CONNECTION_STRING_ERROR_BAD_VALUE, "'a-b.c.d.e'" },
  { "net:port=50000",            KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'key='" },
  { "net:key=a.b.c.d",           KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'port='" },
  { "net:",                      KDH_CONNECTION_STRING_ERROR_MISSING, "missing 'port='" },
  { "net:port=50000,key=zzzzzzzzzzzzz.0.0.0", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "part 1 is larger than 64 bits" },
  { "net:port=50000,key=a.b.c.d,bind=somewhere", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "bad bind address 'somewhere'" },
  { "net:port=50000,key=a.b.c.d,target=", KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
    "empty value for 'target'" },
  { "net:port=50000,key=a.b.c.d,busparams=1.2.3", KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION,
    "unknown option 'busparams=1.2.3'" },
  { "net:port=1,port=2,key=a.b.c.d", KDH_CONNECTION_STRING_ERROR_CONFLICT,
    "'port' given twice" },
  { "net:port=50000,,key=a.b.c.d", KDH_CONNECTION_STRING_ERROR_SYNTAX, "empty option" },
};

static void
test_bad (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(KdhConnectionString) cs = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *stripped = g_strstrip (g_strdup (c->text));
      g_autofree gchar *quoted = g_strdup_printf ("'%s'", stripped);

      g_test_message ("parsing '%s'", c->text);
      cs = kdh_connection_string_parse (c->text, &error);
      g_assert_null (cs);
      g_assert_error (error, KDH_CONNECTION_STRING_ERROR, (gint) c->code);
      g_test_message ("  -> %s", error->message);
      g_assert_nonnull (strstr (error->message, c->needle));

      /* Every syntax problem also quotes the whole string. */
      if (c->code != KDH_CONNECTION_STRING_ERROR_UNSUPPORTED && *stripped != '\0')
        g_assert_nonnull (strstr (error->message, quoted));
    }

  /* NULL is an empty string, not a crash. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (kdh_connection_string_parse (NULL, &error));
    g_assert_error (error, KDH_CONNECTION_STRING_ERROR, KDH_CONNECTION_STRING_ERROR_SYNTAX);
  }

  /* Callers may not care why. */
  g_assert_null (kdh_connection_string_parse ("com:bad", NULL));
}

/* The exact wording of the messages the design and header promise. */
static void
test_messages (void)
{
  static const struct {
    const gchar *text;
    const gchar *message;
  } cases[] = {
    { "com:port=/dev/ttyS0,bad=1",
      "unknown option 'bad=1' in 'com:port=/dev/ttyS0,bad=1' "
      "(expected port, baud, pipe, reconnect, resets, ipport or listen)" },
    { "com:port=/dev/ttyS0,baud=fast",
      "bad baud rate 'fast' in 'com:port=/dev/ttyS0,baud=fast' "
      "(expected a positive number of bits per second, at most 4000000)" },
    { "foo:bar",
      "unknown connection kind 'foo' in 'foo:bar' (expected com:, sim: or net:)" },
    { "com:baud=9600",
      "missing 'port=' in 'com:baud=9600'" },
    { "com:ipport=4445,port=h,reconnect",
      "'reconnect' applies only to com:pipe and serial (com:port=) connections "
      "in 'com:ipport=4445,port=h,reconnect'" },
    { "  sim:drop=2  ",
      "bad drop probability '2' in 'sim:drop=2' (expected a number from 0 to 1)" },
    { "net:port=50000,key=a.b.c",
      "bad KDNET key 'a.b.c': it has fewer than four parts in 'net:port=50000,key=a.b.c' "
      "(expected four base-36 numbers separated by dots, such as 1a2b3c.4d5e6f.7g8h.9i0j)" },
    { "net:port=0,key=a.b.c.d",
      "bad UDP port '0' in 'net:port=0,key=a.b.c.d' "
      "(expected a number from 1 to 65535; Windows takes 49152 to 65535)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KdhConnectionString) cs = NULL;
      g_autoptr(GError) error = NULL;

      cs = kdh_connection_string_parse (cases[i].text, &error);
      g_assert_null (cs);
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      g_autoptr(KdhConnectionString) cs = NULL;

      cs = kdh_connection_string_parse (good_cases[i].text, NULL);
      g_assert_nonnull (cs);
      assert_round_trip (cs);
    }
}

static void
test_case_insensitive (void)
{
  static const struct {
    const gchar *lower;
    const gchar *mixed;
  } pairs[] = {
    { "com:port=/dev/ttyS0,baud=9600", "COM:PORT=/dev/ttyS0,BAUD=9600" },
    { "com:pipe,port=/run/vm.sock,reconnect,resets=3",
      "Com:Pipe,Port=/run/vm.sock,RECONNECT,ReSets=3" },
    { "com:ipport=4445,port=Host", "cOm:IPPORT=4445,pOrT=Host" },
    { "com:ipport=4445,listen", "COM:IPPORT=4445,LISTEN" },
    { "sim:drop=0.5,stall-ms=10", "SIM:DROP=0.5,STALL-MS=10" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autoptr(KdhConnectionString) a = kdh_connection_string_parse (pairs[i].lower, NULL);
      g_autoptr(KdhConnectionString) b = kdh_connection_string_parse (pairs[i].mixed, NULL);

      g_assert_nonnull (a);
      g_assert_nonnull (b);
      assert_cs_equal (a, b);
    }

  /* Values keep their case: a path is not a key. */
  {
    g_autoptr(KdhConnectionString) cs = NULL;

    cs = kdh_connection_string_parse ("COM:PORT=/dev/TTYs0,BAUD=9600", NULL);
    g_assert_nonnull (cs);
    g_assert_cmpstr (cs->port, ==, "/dev/TTYs0");
    g_assert_cmpuint (cs->baud, ==, 9600);
  }
}

static void
test_equals_in_value (void)
{
  static const struct {
    const gchar *text;
    const gchar *port;
  } cases[] = {
    { "com:pipe,port=/tmp/a=b.sock", "/tmp/a=b.sock" },
    { "com:port=/tmp/a=b.sock,pipe", "/tmp/a=b.sock" },
    { "com:port=/dev/x==y", "/dev/x==y" },
    { "com:port==lead", "=lead" },
    { "com:port=/tmp/k=v:w=z,baud=9600", "/tmp/k=v:w=z" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KdhConnectionString) cs = NULL;
      g_autoptr(GError) error = NULL;

      cs = kdh_connection_string_parse (cases[i].text, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (cs->port, ==, cases[i].port);
      assert_round_trip (cs);
    }
}

/* Brackets come off IPv6 literals only; anything else keeps them, so
 * that the canonical string reads back the same (found by
 * fuzz-connection-string: "[\t[:2]" became "\t[:2", then "[:2"). */
static void
test_brackets (void)
{
  static const struct {
    const gchar *text;
    const gchar *port;
  } cases[] = {
    { "com:ipport=1,port=[::1]", "::1" },
    { "com:ipport=1,port=[fe80::1%eth0]", "fe80::1%eth0" },
    { "com:ipport=1,port=[::ffff:192.0.2.1]", "::ffff:192.0.2.1" },
    { "com:ipport=445,port=[\t[:2]", "[\t[:2]" },
    { "com:ipport=1,port=[[::1]]", "[[::1]]" },
    { "com:ipport=1,port=[ ::1 ]", "[ ::1 ]" },
    { "com:ipport=1,port=[vm.example]", "[vm.example]" },
    { "com:ipport=1,port=[::1%]", "[::1%]" },
    { "com:pipe,port=[::1]", "[::1]" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KdhConnectionString) cs = NULL;
      g_autoptr(GError) error = NULL;

      cs = kdh_connection_string_parse (cases[i].text, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (cs->port, ==, cases[i].port);
      assert_round_trip (cs);
    }
}

static void
test_sim_options (void)
{
  g_autoptr(KdhConnectionString) cs = NULL;
  const KdhSimOptions *opts;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  cs = kdh_connection_string_parse ("sim:drop=0.01,corrupt=0.02,dup=0.03,seed=7,stall-ms=50,"
                                    "silent-after=100,reboot-after=200,dbgprint-rate=2.5,"
                                    "baud=9600,cpus=4", &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs->kind, ==, KDH_TRANSPORT_REGISTERED);
  opts = kdh_sim_transport_get_options (cs);
  g_assert_nonnull (opts);
  g_assert_cmpfloat (opts->drop, ==, 0.01);
  g_assert_cmpfloat (opts->corrupt, ==, 0.02);
  g_assert_cmpfloat (opts->dup, ==, 0.03);
  g_assert_cmpuint (opts->seed, ==, 7);
  g_assert_cmpuint (opts->stall_ms, ==, 50);
  g_assert_cmpuint (opts->silent_after, ==, 100);
  g_assert_cmpuint (opts->reboot_after, ==, 200);
  g_assert_cmpfloat (opts->dbgprint_rate, ==, 2.5);
  g_assert_false (opts->dbgprint_flood);
  g_assert_cmpuint (opts->baud, ==, 9600);
  g_assert_cmpuint (opts->cpus, ==, 4);
  g_assert_null (cs->port);

  text = kdh_connection_string_to_string (cs);
  g_assert_cmpstr (text, ==,
                   "sim:drop=0.01,corrupt=0.02,dup=0.03,seed=7,stall-ms=50,silent-after=100,"
                   "reboot-after=200,dbgprint-rate=2.5,baud=9600,cpus=4");
  assert_round_trip (cs);

  /* com: strings carry no simulator options. */
  {
    g_autoptr(KdhConnectionString) com = kdh_connection_string_parse ("com:port=/dev/ttyS0",
                                                                      NULL);

    g_assert_null (kdh_sim_transport_get_options (com));
    g_assert_null (com->registered);
  }
}

/* A kind another part registers: its options are parsed, copied, printed
 * and freed through its functions, and its name is matched in any case. */
static guint fake_frees;

static gpointer
fake_parse (const gchar  *text,
            const gchar  *whole,
            GError      **error)
{
  if (g_strcmp0 (text, "bad") == 0)
    {
      g_set_error (error, KDH_CONNECTION_STRING_ERROR, KDH_CONNECTION_STRING_ERROR_BAD_VALUE,
                   "bad fake option in '%s'", whole);
      return NULL;
    }
  return g_strdup (text);
}

static void
fake_free (gpointer options)
{
  fake_frees++;
  g_free (options);
}

static gchar *
fake_to_string (gconstpointer options)
{
  return g_strdup (options);
}

static guint
fake_line_baud (gconstpointer options)
{
  return 9600;
}

static const KdhConnectionKind fake_kind = {
  .name = "fake",
  .parse = fake_parse,
  .copy = (gpointer (*) (gconstpointer)) g_strdup,
  .free = fake_free,
  .to_string = fake_to_string,
  .line_baud = fake_line_baud,
};

static void
test_registered_kind (void)
{
  g_autoptr(GError) error = NULL;
  KdhConnectionString *cs, *copy;
  g_autofree gchar *text = NULL, *describe = NULL;

  /* Unknown until registered. */
  g_assert_null (kdh_connection_string_parse ("fake:x=1", &error));
  g_assert_error (error, KDH_CONNECTION_STRING_ERROR, KDH_CONNECTION_STRING_ERROR_UNKNOWN_KIND);
  g_clear_error (&error);

  kdh_connection_kind_register (&fake_kind);
  kdh_connection_kind_register (&fake_kind);
  cs = kdh_connection_string_parse ("FAKE:x=1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs->kind, ==, KDH_TRANSPORT_REGISTERED);
  g_assert_true (cs->registered == &fake_kind);
  g_assert_cmpstr (cs->options, ==, "x=1");
  g_assert_cmpuint (kdh_connection_string_line_baud (cs), ==, 9600);
  text = kdh_connection_string_to_string (cs);
  g_assert_cmpstr (text, ==, "fake:x=1");
  describe = kdh_connection_string_describe (cs);
  g_assert_cmpstr (describe, ==, "fake x=1");
  /* Not bare: "fake" alone needs its ':'. */
  g_assert_null (kdh_connection_string_parse ("fake", &error));
  g_assert_error (error, KDH_CONNECTION_STRING_ERROR, KDH_CONNECTION_STRING_ERROR_SYNTAX);
  g_clear_error (&error);
  /* Its errors come through. */
  g_assert_null (kdh_connection_string_parse ("fake:bad", &error));
  g_assert_error (error, KDH_CONNECTION_STRING_ERROR, KDH_CONNECTION_STRING_ERROR_BAD_VALUE);
  g_assert_nonnull (strstr (error->message, "fake:bad"));

  copy = kdh_connection_string_copy (cs);
  g_assert_true (copy->options != cs->options);
  g_assert_cmpstr (copy->options, ==, "x=1");
  kdh_connection_string_free (cs);
  kdh_connection_string_free (copy);
  g_assert_cmpuint (fake_frees, ==, 2);
}

static void
test_net (void)
{
  static const struct {
    const gchar *text;
    guint16 port;
    const gchar *key, *target, *bind;
    const gchar *canonical, *described;
  } cases[] = {
    { "net:port=50000,key=a.b.c.d", 50000, "a.b.c.d", NULL, NULL,
      "net:port=50000,key=a.b.c.d", "net :50000" },
    { "NET:Key=1X.2y.3Z.40w,Port=49152", 49152, "1x.2y.3z.40w", NULL, NULL,
      "net:port=49152,key=1x.2y.3z.40w", "net :49152" },
    { "net:port=50001,key=3w5e11264sgsf.0.0.0,target=192.0.2.5,bind=0.0.0.0", 50001,
      "3w5e11264sgsf.0.0.0", "192.0.2.5", "0.0.0.0",
      "net:port=50001,key=3w5e11264sgsf.0.0.0,target=192.0.2.5,bind=0.0.0.0",
      "net 0.0.0.0:50001 target 192.0.2.5" },
    { "net:port=50002,key=1.2.3.4,target=[2001:db8::5],bind=[::1]", 50002, "1.2.3.4",
      "2001:db8::5", "::1", "net:port=50002,key=1.2.3.4,target=2001:db8::5,bind=::1",
      "net [::1]:50002 target 2001:db8::5" },
    { "net:port=50003,key=1.2.3.4,target=winvm.example", 50003, "1.2.3.4", "winvm.example",
      NULL, "net:port=50003,key=1.2.3.4,target=winvm.example", "net :50003 target winvm.example" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KdhConnectionString) cs = kdh_connection_string_parse (cases[i].text, &error);
      g_autoptr (KdhConnectionString) again = NULL;
      g_autoptr (KdhConnectionString) copy = NULL;
      g_autofree gchar *canonical = NULL, *described = NULL, *canonical2 = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (cs->kind, ==, KDH_TRANSPORT_NET);
      g_assert_cmpuint (cs->tcp_port, ==, cases[i].port);
      g_assert_cmpstr (cs->net_key, ==, cases[i].key);
      g_assert_cmpstr (cs->net_target, ==, cases[i].target);
      g_assert_cmpstr (cs->net_bind, ==, cases[i].bind);
      g_assert_cmpuint (kdh_connection_string_line_baud (cs), ==, 0);
      canonical = kdh_connection_string_to_string (cs);
      g_assert_cmpstr (canonical, ==, cases[i].canonical);
      described = kdh_connection_string_describe (cs);
      g_assert_cmpstr (described, ==, cases[i].described);
      /* The canonical form reads back the same; a copy owns its strings. */
      again = kdh_connection_string_parse (canonical, &error);
      g_assert_no_error (error);
      canonical2 = kdh_connection_string_to_string (again);
      g_assert_cmpstr (canonical2, ==, canonical);
      copy = kdh_connection_string_copy (cs);
      g_assert_true (copy->net_key != cs->net_key);
      g_assert_cmpstr (copy->net_key, ==, cs->net_key);
      g_assert_cmpstr (copy->net_target, ==, cs->net_target);
    }
}

static void
test_original (void)
{
  g_autoptr(KdhConnectionString) cs = NULL;

  cs = kdh_connection_string_parse ("  COM:Port=/dev/ttyS0 ", NULL);
  g_assert_nonnull (cs);
  g_assert_cmpstr (cs->original, ==, "  COM:Port=/dev/ttyS0 ");
  g_assert_cmpstr (cs->port, ==, "/dev/ttyS0");

  kdh_connection_string_free (NULL);
}

static void
test_fuzz (void)
{
  static const gchar *const kinds[] = { "com:", "sim:", "net:", "COM:", "sim", "x:", "" };
  static const gchar *const pieces[] = {
    ":", ",", ",", ",", "=", "=", " ", "[", "]", ".", "-",
    "port", "port", "baud", "pipe", "reconnect", "resets", "ipport", "listen", "key",
    "drop", "seed", "cpus", "dbgprint-rate", "max", "PORT",
    "/dev/ttyS0", "/tmp/a=b", "::1", "0", "1", "4445", "115200", "65536", "-1", "0.5",
    "a.b.c.d", "1e9", "nan",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (4445);
  guint ok = 0, failed = 0;

  for (guint i = 0; i < 5000; i++)
    {
      g_autoptr(KdhConnectionString) cs = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) text = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 0, 12);

      /* Mostly start with a kind, so the option parsers get exercised. */
      if (g_rand_int_range (rand, 0, 8) != 0)
        g_string_append (text, kinds[g_rand_int_range (rand, 0, G_N_ELEMENTS (kinds))]);
      for (guint j = 0; j < n; j++)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);

      cs = kdh_connection_string_parse (text->str, &error);
      if (cs != NULL)
        {
          g_autofree gchar *describe = kdh_connection_string_describe (cs);

          g_assert_no_error (error);
          g_assert_cmpstr (describe, !=, "");
          assert_round_trip (cs);
          ok++;
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == KDH_CONNECTION_STRING_ERROR);
          g_assert_cmpint (error->code, >=, KDH_CONNECTION_STRING_ERROR_SYNTAX);
          g_assert_cmpint (error->code, <=, KDH_CONNECTION_STRING_ERROR_UNSUPPORTED);
          g_assert_nonnull (error->message);
          g_assert_cmpstr (error->message, !=, "");
          failed++;
        }
    }

  g_test_message ("fuzz: %u parsed, %u rejected", ok, failed);
  g_assert_cmpuint (ok, >, 50);
  g_assert_cmpuint (failed, >, 50);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  kdh_sim_transport_register ();

  g_test_add_func ("/transport/connection-string/good", test_good);
  g_test_add_func ("/transport/connection-string/bad", test_bad);
  g_test_add_func ("/transport/connection-string/messages", test_messages);
  g_test_add_func ("/transport/connection-string/round-trip", test_round_trip);
  g_test_add_func ("/transport/connection-string/case-insensitive", test_case_insensitive);
  g_test_add_func ("/transport/connection-string/equals-in-value", test_equals_in_value);
  g_test_add_func ("/transport/connection-string/brackets", test_brackets);
  g_test_add_func ("/transport/connection-string/sim-options", test_sim_options);
  g_test_add_func ("/transport/connection-string/net", test_net);
  g_test_add_func ("/transport/connection-string/original", test_original);
  g_test_add_func ("/transport/connection-string/fuzz", test_fuzz);
  g_test_add_func ("/transport/connection-string/registered-kind", test_registered_kind);

  return g_test_run ();
}
