/* kdh-transport-serial.c: serial devices and pseudo-terminals
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real serial devices go through libserialport: 8 data bits, no parity,
 * one stop bit, no flow control. Its handle is watched with an fd source
 * on the engine's context and read with read() (sp_nonblocking_read()
 * folds "nothing yet" and a hung-up tty's end of file into the same 0);
 * writes use sp_nonblocking_write().
 *
 * Pseudo-terminals (QEMU's -serial pty) cannot go through libserialport
 * 0.1.x: sp_get_port_by_name() looks the device up under /sys/class/tty,
 * where /dev/pts/N has no entry, and fails with ENOENT; sp_open() would
 * then fail too, because a pty does not answer TIOCMGET. Upstream
 * considers ptys out of scope (sigrokproject/libserialport pull request
 * #4). So when libserialport refuses a device that is a pty slave, it is
 * opened with plain termios instead; a newer libserialport that accepts
 * ptys is used as it is.
 *
 * With ",reconnect", a device that fails mid-session (a USB adapter pulled
 * out, the far end of a pty closed) is reopened by name every
 * SERIAL_RETRY_MS until that works again: the node may vanish and come
 * back, or exist for a while before it can be opened (udev has not set
 * its permissions yet). A device missing at open() is waited for the same
 * way.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <gio/gio.h>
#include <libserialport.h>

#include "common/kdh-serial-line.h"
#include "kdh-transport-private.h"

/* Linux's Unix98 pty slaves: majors 136 to 143 (devices.txt). */
#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST  143

#define SERIAL_RETRY_MS 500

typedef struct {
  KdhTransport parent;
  struct sp_port *port;   /* NULL on the termios path (ptys) */
  guint baud;             /* the current rate, or the next open's */
  GSource *retry_source;  /* reconnect: the next attempt to reopen */
  gboolean was_lost;      /* reconnect: the device went away after opening */
  gchar *last_reason;     /* the last waiting() said, so it is said once */
} KdhSerialTransport;

static gboolean
is_pty_slave (const struct stat *st)
{
  return S_ISCHR (st->st_mode)
         && major (st->st_rdev) >= PTY_SLAVE_MAJOR_FIRST
         && major (st->st_rdev) <= PTY_SLAVE_MAJOR_LAST;
}

/* libserialport's reason for @ret, which must be an error. errno (@errsv)
 * only means something for SP_ERR_FAIL. */
static GError *
sp_error (enum sp_return  ret,
          int             errsv,
          const gchar    *format,
          ...) G_GNUC_PRINTF (3, 4);

static GError *
sp_error (enum sp_return  ret,
          int             errsv,
          const gchar    *format,
          ...)
{
  g_autofree gchar *what = NULL;
  const gchar *why;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  switch (ret)
    {
    case SP_ERR_FAIL:
      return g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s%s",
                          what, g_strerror (errsv),
                          errsv == EACCES ? _(" (is your user in the dialout group?)") : "");
    case SP_ERR_ARG:
      why = _("libserialport does not accept it");
      break;
    case SP_ERR_SUPP:
      why = _("not supported by libserialport on this system");
      break;
    case SP_ERR_MEM:
      why = _("libserialport ran out of memory");
      break;
    default:
      why = _("unknown libserialport error");
      break;
    }

  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, why);
}

static gboolean
sp_configure (struct sp_port  *port,
              guint            baud,
              enum sp_return  *ret)
{
  if ((*ret = sp_set_baudrate (port, (int) baud)) != SP_OK
      || (*ret = sp_set_bits (port, 8)) != SP_OK
      || (*ret = sp_set_parity (port, SP_PARITY_NONE)) != SP_OK
      || (*ret = sp_set_stopbits (port, 1)) != SP_OK
      || (*ret = sp_set_flowcontrol (port, SP_FLOWCONTROL_NONE)) != SP_OK)
    return FALSE;
  return TRUE;
}

/* Opens @path through libserialport and sets it up; on failure sets
 * *@error (never NULL here). */
static gboolean
open_with_libserialport (KdhSerialTransport  *self,
                         const gchar         *path,
                         int                 *fd_out,
                         GError             **error)
{
  struct sp_port *port = NULL;
  enum sp_return ret;
  int fd = -1;

  ret = sp_get_port_by_name (path, &port);
  if (ret != SP_OK)
    {
      *error = sp_error (ret, errno, _("cannot open serial port %s"), path);
      return FALSE;
    }

  ret = sp_open (port, SP_MODE_READ_WRITE);
  if (ret != SP_OK)
    {
      *error = sp_error (ret, errno, _("cannot open serial port %s"), path);
      sp_free_port (port);
      return FALSE;
    }

  if (!sp_configure (port, self->baud, &ret))
    {
      *error = sp_error (ret, errno, _("cannot set serial port %s to %u baud, 8N1"),
                         path, self->baud);
      sp_close (port);
      sp_free_port (port);
      return FALSE;
    }

  ret = sp_get_port_handle (port, &fd);
  if (ret != SP_OK)
    {
      *error = sp_error (ret, errno, _("cannot open serial port %s"), path);
      sp_close (port);
      sp_free_port (port);
      return FALSE;
    }

  self->port = port;
  *fd_out = fd;
  return TRUE;
}

static gboolean
open_pty (KdhSerialTransport  *self,
          const gchar         *path,
          int                 *fd_out,
          GError             **error)
{
  int fd;
  int errsv;

  g_autofree gchar *what = g_strdup_printf (_("pseudo-terminal %s"), path);

  fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      errsv = errno;
      *error = kdh_transport_errno_error (errsv, _("cannot open serial port %s"), path);
      return FALSE;
    }

  /* A pty has no line: a rate termios has no constant for is only
   * recorded; a standard one is set so that the other end can read it. */
  if (!kdh_serial_line_set_raw (fd, self->baud, KDH_SERIAL_LINE_LENIENT, what, error))
    {
      close (fd);
      return FALSE;
    }

  *fd_out = fd;
  return TRUE;
}

/* One attempt to open the device and bring the stream up. */
static gboolean
serial_attempt (KdhSerialTransport  *self,
                GError             **error)
{
  KdhTransport *transport = &self->parent;
  const gchar *path = transport->cs->port;
  g_autoptr(GError) sp_failure = NULL;
  g_autofree gchar *what = NULL;
  struct stat st;
  int fd = -1;

  /* Checked here first so that a missing device is reported as such: for
   * a path it cannot look up, libserialport's own errno describes the
   * /sys lookup instead. */
  if (stat (path, &st) < 0)
    {
      int errsv = errno;

      g_propagate_error (error, kdh_transport_errno_error (errsv,
                                                            _("cannot open serial port %s"),
                                                            path));
      return FALSE;
    }
  if (!S_ISCHR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("cannot open serial port %s: not a character device"), path);
      return FALSE;
    }

  if (!open_with_libserialport (self, path, &fd, &sp_failure))
    {
      if (!is_pty_slave (&st))
        {
          g_propagate_error (error, g_steal_pointer (&sp_failure));
          return FALSE;
        }
      g_debug ("libserialport refused pseudo-terminal %s (%s); using termios",
               path, sp_failure->message);
      if (!open_pty (self, path, &fd, error))
        return FALSE;
    }

  what = g_strdup_printf (_("serial port %s"), path);
  g_clear_pointer (&self->last_reason, g_free);
  kdh_transport_stream_up (transport, fd, FALSE, what);
  return TRUE;
}

static gboolean on_serial_retry (gpointer user_data);

/* Says why the device is not open (once per distinct reason) and tries
 * again later: a timer rather than a watch, since nothing signals that a
 * device node has come back or become openable. */
static void
serial_schedule_retry (KdhSerialTransport *self,
                       const GError       *failure)
{
  const gchar *path = self->parent.cs->port;
  g_autofree gchar *base = NULL;
  gchar *reason;

  base = self->was_lost ? g_strdup_printf (_("waiting for %s to come back"), path)
                        : g_strdup_printf (_("waiting for %s to appear"), path);
  /* A missing node is the expected case; anything else is worth seeing. */
  if (failure == NULL || g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    reason = g_steal_pointer (&base);
  else
    reason = g_strdup_printf ("%s; %s", base, failure->message);

  if (g_strcmp0 (reason, self->last_reason) != 0)
    {
      g_free (self->last_reason);
      self->last_reason = reason;
      kdh_transport_emit_waiting (&self->parent, reason, TRUE);
    }
  else
    g_free (reason);

  g_assert (self->retry_source == NULL);
  self->retry_source = kdh_transport_add_timeout (&self->parent, SERIAL_RETRY_MS,
                                                   on_serial_retry);
}

static gboolean
on_serial_retry (gpointer user_data)
{
  KdhSerialTransport *self = user_data;
  g_autoptr(GError) failure = NULL;

  kdh_transport_clear_source (&self->retry_source);
  if (!serial_attempt (self, &failure))
    serial_schedule_retry (self, failure);
  return G_SOURCE_REMOVE;
}

static gboolean
serial_open (KdhTransport  *transport,
             GError       **error)
{
  KdhSerialTransport *self = (KdhSerialTransport *) transport;
  g_autoptr(GError) failure = NULL;

  self->was_lost = FALSE;
  if (serial_attempt (self, &failure))
    return TRUE;

  /* Without ",reconnect" a device that cannot be opened is an error now;
   * with it, the adapter may simply not be plugged in yet. */
  if (!transport->cs->reconnect)
    {
      g_propagate_error (error, g_steal_pointer (&failure));
      return FALSE;
    }
  serial_schedule_retry (self, failure);
  return TRUE;
}

static void
serial_close (KdhTransport *transport)
{
  KdhSerialTransport *self = (KdhSerialTransport *) transport;

  /* The device itself is released with the stream (serial_release_fd). */
  kdh_transport_clear_source (&self->retry_source);
  g_clear_pointer (&self->last_reason, g_free);
}

static gboolean
serial_lost (KdhTransport *transport)
{
  KdhSerialTransport *self = (KdhSerialTransport *) transport;

  if (!transport->cs->reconnect)
    return FALSE;

  /* Not at once: the node of a device that has just failed is usually
   * still there, and reopening it would only fail (or hang up) again. */
  self->was_lost = TRUE;
  serial_schedule_retry (self, NULL);
  return TRUE;
}

static void
serial_finalize (KdhTransport *transport)
{
  serial_close (transport);
}

static void
serial_release_fd (KdhTransport *transport,
                   int           fd)
{
  KdhSerialTransport *self = (KdhSerialTransport *) transport;

  if (self->port != NULL)
    {
      sp_close (self->port);
      g_clear_pointer (&self->port, sp_free_port);
    }
  else
    {
      close (fd);
    }
}

static gssize
serial_write (KdhTransport *transport,
              int           fd,
              const guint8 *data,
              gsize         len)
{
  KdhSerialTransport *self = (KdhSerialTransport *) transport;
  enum sp_return ret;

  if (self->port == NULL)
    return write (fd, data, len);

  /* libserialport reports "would block" as 0 bytes written. */
  ret = sp_nonblocking_write (self->port, data, len);
  if (ret > 0)
    return ret;
  if (ret == 0)
    errno = EAGAIN;
  else if (ret != SP_ERR_FAIL)
    errno = EINVAL;
  return -1;
}

static guint
serial_get_baud (KdhTransport *transport)
{
  return ((KdhSerialTransport *) transport)->baud;
}

static gboolean
serial_set_baud (KdhTransport  *transport,
                 guint          baud,
                 GError       **error)
{
  KdhSerialTransport *self = (KdhSerialTransport *) transport;

  if (transport->fd < 0)
    {
      self->baud = baud;
      return TRUE;
    }

  if (self->port != NULL)
    {
      enum sp_return ret = sp_set_baudrate (self->port, (int) baud);

      if (ret != SP_OK)
        {
          g_propagate_error (error, sp_error (ret, errno, _("cannot set serial port %s to %u baud"),
                                              transport->cs->port, baud));
          return FALSE;
        }
    }
  else
    {
      g_autofree gchar *what = g_strdup_printf (_("pseudo-terminal %s"), transport->cs->port);

      if (!kdh_serial_line_set_baud (transport->fd, baud, KDH_SERIAL_LINE_LENIENT, what, error))
        return FALSE;
    }

  self->baud = baud;
  return TRUE;
}

static const KdhTransportClass serial_class = {
  .name = "serial",
  .open = serial_open,
  .close = serial_close,
  .lost = serial_lost,
  .release_fd = serial_release_fd,
  .write = serial_write,
  .eof_is_failure = TRUE,
  .get_baud = serial_get_baud,
  .set_baud = serial_set_baud,
  .finalize = serial_finalize,
};

KdhTransport *
kdh_transport_serial_new (const KdhConnectionString *cs)
{
  KdhSerialTransport *self = g_new0 (KdhSerialTransport, 1);

  self->parent.klass = &serial_class;
  self->baud = cs->baud;
  return &self->parent;
}
