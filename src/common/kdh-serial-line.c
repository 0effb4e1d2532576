/* kdh-serial-line.c: a raw 8N1 serial line through termios
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-serial-line.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <unistd.h>

static const struct {
  guint baud;
  speed_t speed;
} speeds[] = {
  { 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 }, { 150, B150 },
  { 200, B200 }, { 300, B300 }, { 600, B600 }, { 1200, B1200 }, { 1800, B1800 },
  { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 },
  { 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
  { 460800, B460800 }, { 500000, B500000 }, { 576000, B576000 },
  { 921600, B921600 }, { 1000000, B1000000 }, { 1152000, B1152000 },
  { 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
  { 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

gboolean
kdh_serial_line_speed (guint    baud,
                       speed_t *speed)
{
  for (gsize i = 0; i < G_N_ELEMENTS (speeds); i++)
    if (speeds[i].baud == baud)
      {
        *speed = speeds[i].speed;
        return TRUE;
      }
  return FALSE;
}

static gboolean
unsupported_rate (guint        baud,
                  const gchar *what,
                  GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("cannot set %s to %u baud: not a rate a serial port can be set to "
                 "(for example 9600, 19200, 38400, 57600, 115200, 230400, 921600)"),
               what, baud);
  return FALSE;
}

static gboolean
errno_failure (int          errsv,
               const gchar *what,
               GError     **error)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("cannot set up %s: %s"),
               what, g_strerror (errsv));
  return FALSE;
}

static gboolean
configure (int               fd,
           guint             baud,
           KdhSerialLineRate rate,
           gboolean          raw,
           const gchar      *what,
           GError          **error)
{
  struct termios tio;
  speed_t speed;
  gboolean have_speed = kdh_serial_line_speed (baud, &speed);

  if (!have_speed && rate == KDH_SERIAL_LINE_STRICT)
    return unsupported_rate (baud, what, error);
  if (tcgetattr (fd, &tio) < 0)
    return errno_failure (errno, what, error);
  if (raw)
    {
      cfmakeraw (&tio);
      tio.c_cflag &= ~(tcflag_t) (CSTOPB | PARENB | CRTSCTS);
      tio.c_cflag |= CS8 | CLOCAL | CREAD;
      tio.c_iflag &= ~(tcflag_t) (IXON | IXOFF | IXANY);
      tio.c_cc[VMIN] = 1;
      tio.c_cc[VTIME] = 0;
    }
  if (have_speed)
    {
      cfsetispeed (&tio, speed);
      cfsetospeed (&tio, speed);
    }
  if (tcsetattr (fd, TCSANOW, &tio) < 0)
    return errno_failure (errno, what, error);
  return TRUE;
}

gboolean
kdh_serial_line_set_raw (int               fd,
                         guint             baud,
                         KdhSerialLineRate rate,
                         const gchar      *what,
                         GError          **error)
{
  return configure (fd, baud, rate, TRUE, what, error);
}

gboolean
kdh_serial_line_set_baud (int               fd,
                          guint             baud,
                          KdhSerialLineRate rate,
                          const gchar      *what,
                          GError          **error)
{
  return configure (fd, baud, rate, FALSE, what, error);
}

int
kdh_serial_line_open (const gchar *device,
                      guint        baud,
                      GError     **error)
{
  g_autofree gchar *what = g_strdup_printf (_("serial port %s"), device);
  speed_t speed;
  int fd;

  /* Before opening: a bad rate is the user's typo, not the device's fault. */
  if (!kdh_serial_line_speed (baud, &speed))
    {
      unsupported_rate (baud, what, error);
      return -1;
    }
  fd = open (device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("cannot open %s: %s"),
                   what, g_strerror (errsv));
      return -1;
    }
  if (!kdh_serial_line_set_raw (fd, baud, KDH_SERIAL_LINE_STRICT, what, error))
    {
      close (fd);
      return -1;
    }
  return fd;
}
