/* test-transport.c: byte transports over pseudo-terminals, as serial ports
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pty stands for the serial adapter: its slave is the port kdhost
 * opens, the test holds the master; the write queue's bound and a free()
 * inside a callback are tested on one too. Unix sockets, TCP and the
 * simulator are test-transport-stream.c's; the fixture is
 * kdh-test-transport.c's.
 */

/* posix_openpt(), grantpt(), unlockpt(), ptsname() */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "kdh-test-transport.h"

/* Pseudo-terminals */

static gboolean
on_master_readable (gint         fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  KdhTransportFixture *f = user_data;
  guint8 buf[65536];
  gssize n = read (fd, buf, sizeof buf);

  if (n > 0)
    {
      g_byte_array_append (f->master_data, buf, (guint) n);
      return G_SOURCE_CONTINUE;
    }
  if (n < 0 && errno == EAGAIN)
    return G_SOURCE_CONTINUE;

  /* EIO: no slave open any more. */
  f->master_eof = TRUE;
  g_clear_pointer (&f->master_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
pty_setup (KdhTransportFixture *f)
{
  f->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (f->master, >=, 0);
  g_assert_cmpint (grantpt (f->master), ==, 0);
  g_assert_cmpint (unlockpt (f->master), ==, 0);
  f->slave_path = g_strdup (ptsname (f->master));
  g_assert_nonnull (f->slave_path);
  g_assert_true (g_unix_set_fd_nonblocking (f->master, TRUE, NULL));
}

/* Reads the master side from now on; only once a slave is open, since
 * before that the master reads EIO. */
static void
pty_watch_master (KdhTransportFixture *f)
{
  f->master_source = g_unix_fd_source_new (f->master, G_IO_IN);
  g_source_set_callback (f->master_source, G_SOURCE_FUNC (on_master_readable), f, NULL);
  g_source_attach (f->master_source, f->context);
}

static void
pty_write_master (KdhTransportFixture *f,
                  const gchar         *text)
{
  g_assert_cmpint (write (f->master, text, strlen (text)), ==, (gssize) strlen (text));
}

static void
pty_open_transport (KdhTransportFixture *f,
                    guint                baud)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  pty_setup (f);
  text = g_strdup_printf ("com:port=%s,baud=%u", f->slave_path, baud);
  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  g_assert_true (kdh_transport_is_open (f->transport));
  pty_watch_master (f);
  WAIT_FOR (f, f->opened == 1);
}

static void
test_pty_both_ways (KdhTransportFixture *f,
                    gconstpointer        data)
{
  g_autofree gchar *prefix = NULL;
  g_autofree gchar *description = NULL;

  pty_open_transport (f, 115200);
  description = g_strdup_printf ("com %s 115200", f->slave_path);
  g_assert_cmpstr (kdh_transport_describe (f->transport), ==, description);

  pty_write_master (f, "hello");
  WAIT_FOR (f, f->received->len >= 5);
  g_assert_true (kdh_test_transport_received_is (f, "hello"));

  kdh_test_transport_write (f, "world");
  WAIT_FOR (f, f->master_data->len >= 5);
  g_assert_true (kdh_test_bytes_are (f->master_data, "world"));

  /* The far end goes away: closed() with the errno text, once, and then
   * nothing left to dispatch (no watch spinning on the hangup). */
  g_source_destroy (f->master_source);
  g_clear_pointer (&f->master_source, g_source_unref);
  close (f->master);
  f->master = -1;
  WAIT_FOR (f, f->closed == 1);

  prefix = g_strdup_printf ("serial port %s failed: ", f->slave_path);
  g_assert_nonnull (f->closed_error);
  g_assert_true (g_str_has_prefix (f->closed_error->message, prefix));
  g_assert_nonnull (strstr (f->closed_error->message, g_strerror (EIO)));
  g_assert_false (kdh_transport_is_open (f->transport));
  kdh_test_transport_drain (f);
  g_assert_false (g_main_context_pending (f->context));
  g_assert_cmpstr (f->log->str, ==, "opened;closed;");
}

static guint
slave_speed (KdhTransportFixture *f)
{
  struct termios tio;
  int fd = open (f->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  speed_t speed;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (tcgetattr (fd, &tio), ==, 0);
  close (fd);
  speed = cfgetospeed (&tio);
  switch (speed)
    {
    case B9600:
      return 9600;
    case B57600:
      return 57600;
    case B115200:
      return 115200;
    default:
      return 0;
    }
}

static void
test_pty_baud (KdhTransportFixture *f,
               gconstpointer        data)
{
  g_autoptr(GError) error = NULL;

  pty_open_transport (f, 115200);
  g_assert_cmpuint (kdh_transport_get_baud (f->transport), ==, 115200);
  g_assert_cmpuint (slave_speed (f), ==, 115200);

  g_assert_true (kdh_transport_set_baud (f->transport, 9600, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kdh_transport_get_baud (f->transport), ==, 9600);
  g_assert_cmpuint (slave_speed (f), ==, 9600);

  /* Set while closed: used by the next open. */
  kdh_transport_close (f->transport);
  g_assert_true (kdh_transport_set_baud (f->transport, 57600, &error));
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 2);
  g_assert_cmpuint (slave_speed (f), ==, 57600);

  /* Still a working raw line at the new rate. */
  pty_write_master (f, "\x62");
  WAIT_FOR (f, f->received->len >= 1);
  g_assert_cmpuint (f->received->data[0], ==, 0x62);
}

static void
test_serial_missing (KdhTransportFixture *f,
                     gconstpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *text = NULL;

  kdh_test_transport_new (f, "com:port=/dev/ttyUSB-kdhost-no-such-device");
  g_assert_false (kdh_test_transport_open (f, &error));
  expected = g_strdup_printf ("cannot open serial port /dev/ttyUSB-kdhost-no-such-device: %s",
                              g_strerror (ENOENT));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_clear_pointer (&f->transport, kdh_transport_free);
  g_clear_error (&error);

  /* A file that is not a device at all. */
  f->tmpdir = g_dir_make_tmp ("kdh-transport-XXXXXX", &error);
  g_assert_no_error (error);
  file = g_build_filename (f->tmpdir, "plain", NULL);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  text = g_strdup_printf ("com:port=%s", file);
  kdh_test_transport_new (f, text);
  g_assert_false (kdh_test_transport_open (f, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, file));

  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "");
}

/* Serial reconnection. A pty's slave name cannot be chosen, so the
 * connection string names a symlink standing for the device node: removed
 * when the "adapter" is pulled out, pointed at a new pty when it is back
 * under the same name. */

/* Points @link at @target in one step, as udev replaces a node. */
static void
point_link (const gchar *link,
            const gchar *target)
{
  g_autofree gchar *tmp = g_strconcat (link, ".new", NULL);

  g_assert_cmpint (symlink (target, tmp), ==, 0);
  g_assert_cmpint (g_rename (tmp, link), ==, 0);
}

static gchar *
make_device_link (KdhTransportFixture *f)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("kdh-transport-XXXXXX", &error);
  g_assert_no_error (error);
  return g_build_filename (f->tmpdir, "ttyFAKE", NULL);
}

/* The adapter goes: its node first, then the line. */
static void
pty_unplug (KdhTransportFixture *f,
            const gchar         *link)
{
  g_assert_cmpint (g_unlink (link), ==, 0);
  if (f->master_source != NULL)
    {
      g_source_destroy (f->master_source);
      g_clear_pointer (&f->master_source, g_source_unref);
    }
  close (f->master);
  f->master = -1;
  g_clear_pointer (&f->slave_path, g_free);
}

static void
pty_exchange (KdhTransportFixture *f)
{
  gsize before = f->received->len;

  g_byte_array_set_size (f->master_data, 0);
  pty_write_master (f, "ping");
  WAIT_FOR (f, f->received->len >= before + 4);
  g_assert_cmpmem (f->received->data + before, 4, "ping", 4);

  kdh_test_transport_write (f, "pong");
  WAIT_FOR (f, f->master_data->len >= 4);
  g_assert_true (kdh_test_bytes_are (f->master_data, "pong"));
}

static void
test_serial_reconnect (KdhTransportFixture *f,
                       gconstpointer        data)
{
  g_autofree gchar *link = make_device_link (f);
  g_autofree gchar *text = g_strdup_printf ("com:port=%s,reconnect", link);
  g_autofree gchar *failed = g_strdup_printf ("serial port %s failed: %s", link,
                                              g_strerror (EIO));
  g_autofree gchar *gone = g_strdup_printf ("waiting for %s to come back", link);
  g_autofree gchar *not_device = NULL;
  g_autofree gchar *plain = NULL;
  g_autoptr(GError) error = NULL;

  pty_setup (f);
  point_link (link, f->slave_path);
  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1);
  pty_watch_master (f);
  pty_exchange (f);

  /* Unplugged: closed() naming the device and why, then waiting() for it
   * to come back, retrying by itself. */
  pty_unplug (f, link);
  WAIT_FOR (f, f->closed == 1 && f->waiting == 1);
  g_assert_nonnull (f->closed_error);
  g_assert_cmpstr (f->closed_error->message, ==, failed);
  g_assert_cmpstr (f->waiting_reason, ==, gone);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));
  g_assert_cmpstr (f->log->str, ==, "opened;closed;waiting;");

  /* A node that is there but cannot be opened yet: it keeps trying and
   * says why. */
  plain = g_build_filename (f->tmpdir, "plain", NULL);
  g_assert_true (g_file_set_contents (plain, "", 0, NULL));
  point_link (link, plain);
  not_device = g_strdup_printf ("%s; cannot open serial port %s: not a character device",
                                gone, link);
  WAIT_FOR (f, f->waiting == 2);
  g_assert_cmpstr (f->waiting_reason, ==, not_device);
  g_assert_true (f->waiting_retrying);

  /* Plugged in again under the same name: opened() again, and the line
   * works both ways. */
  pty_setup (f);
  point_link (link, f->slave_path);
  WAIT_FOR (f, f->opened == 2);
  g_assert_true (kdh_transport_is_open (f->transport));
  pty_watch_master (f);
  pty_exchange (f);
  g_assert_cmpuint (f->closed, ==, 1);
  g_assert_cmpstr (f->log->str, ==, "opened;closed;waiting;waiting;opened;");

  /* And again, which the first reopen must not have spoiled. */
  pty_unplug (f, link);
  WAIT_FOR (f, f->closed == 2 && f->waiting == 3);
  g_assert_cmpstr (f->waiting_reason, ==, gone);
  pty_setup (f);
  point_link (link, f->slave_path);
  WAIT_FOR (f, f->opened == 3);
  pty_watch_master (f);
  pty_exchange (f);
}

/* With ",reconnect" a device that is not there yet is waited for; close()
 * stops the waiting, silently. */
static void
test_serial_absent_reconnect (KdhTransportFixture *f,
                              gconstpointer        data)
{
  g_autofree gchar *link = make_device_link (f);
  g_autofree gchar *text = g_strdup_printf ("com:port=%s,reconnect", link);
  g_autofree gchar *expected = g_strdup_printf ("waiting for %s to appear", link);
  g_autoptr(GError) error = NULL;

  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->waiting == 1);
  g_assert_cmpstr (f->waiting_reason, ==, expected);
  g_assert_true (f->waiting_retrying);
  g_assert_false (kdh_transport_is_open (f->transport));

  /* Closed while waiting: no more attempts, so the device that turns up
   * now is not opened (the transport retries every 500 ms). */
  kdh_transport_close (f->transport);
  pty_setup (f);
  point_link (link, f->slave_path);
  kdh_test_transport_run_for (f, 1500);
  g_assert_cmpstr (f->log->str, ==, "waiting;");

  /* Opened again, the device is there now. */
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);
  WAIT_FOR (f, f->opened == 1);
  pty_watch_master (f);
  pty_exchange (f);
  g_assert_cmpstr (f->log->str, ==, "waiting;opened;");
}

/* free() from inside a callback, with bytes queued behind it: nothing
 * more may arrive, and ASan watches the freed struct. */
static void
test_free_in_callback (KdhTransportFixture *f,
                       gconstpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  pty_setup (f);
  text = g_strdup_printf ("com:port=%s", f->slave_path);
  kdh_test_transport_new (f, text);
  g_assert_true (kdh_test_transport_open (f, &error));
  g_assert_no_error (error);

  /* Before the context runs: the bytes are read in the same iteration
   * that delivers opened(), and queued behind it. */
  pty_write_master (f, "late");
  f->free_on_opened = TRUE;
  WAIT_FOR (f, f->opened == 1);
  g_assert_null (f->transport);
  kdh_test_transport_drain (f);
  g_assert_cmpstr (f->log->str, ==, "opened;");
  g_assert_cmpuint (f->received->len, ==, 0);
}

static void
test_write_queue_bound (KdhTransportFixture *f,
                        gconstpointer        data)
{
  enum { CHUNK = 65536 };
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *chunk = g_malloc (CHUNK);
  gsize total = 0;
  gsize i;

  /* Not open yet: refused. */
  pty_setup (f);
  {
    g_autofree gchar *text = g_strdup_printf ("com:port=%s", f->slave_path);

    kdh_test_transport_new (f, text);
  }
  g_assert_false (kdh_transport_write (f->transport, (const guint8 *) "x", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  g_assert_true (kdh_test_transport_open (f, &error));
  WAIT_FOR (f, f->opened == 1);

  /* Nobody reads the master: the kernel's buffer fills, then the queue,
   * up to its bound. Every byte accepted must come out, in order. */
  for (;;)
    {
      for (i = 0; i < CHUNK; i++)
        chunk[i] = (guint8) ((total + i) % 251);
      if (!kdh_transport_write (f->transport, chunk, CHUNK, &error))
        break;
      total += CHUNK;
      g_assert_cmpuint (total, <=, 64 * KDH_TRANSPORT_MAX_QUEUED);
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_cmpuint (total, >, KDH_TRANSPORT_MAX_QUEUED - CHUNK);
  g_assert_true (kdh_transport_is_open (f->transport));

  pty_watch_master (f);
  WAIT_FOR (f, f->master_data->len >= total);
  g_assert_cmpuint (f->master_data->len, ==, total);
  for (i = 0; i < total; i++)
    if (f->master_data->data[i] != (guint8) (i % 251))
      g_error ("byte %" G_GSIZE_FORMAT " is wrong", i);

  /* Drained: it takes data again. */
  kdh_test_transport_write (f, "more");
  WAIT_FOR (f, f->master_data->len >= total + 4);
  g_assert_cmpmem (f->master_data->data + total, 4, "more", 4);
  g_assert_cmpuint (f->closed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/transport/" path, KdhTransportFixture, NULL, kdh_test_transport_setup, func, \
              kdh_test_transport_teardown)

  ADD ("pty/both-ways", test_pty_both_ways);
  ADD ("pty/baud", test_pty_baud);
  ADD ("serial/missing", test_serial_missing);
  ADD ("serial/reconnect", test_serial_reconnect);
  ADD ("serial/absent-reconnect", test_serial_absent_reconnect);
  ADD ("free-in-callback", test_free_in_callback);
  ADD ("write-queue-bound", test_write_queue_bound);

#undef ADD

  return g_test_run ();
}
