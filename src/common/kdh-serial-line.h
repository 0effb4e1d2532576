/* kdh-serial-line.h: a raw 8N1 serial line through termios
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The kernel connection (com:port= on a pty), the debugging server's com:
 * transport and the debugging client's com: transport all want the same
 * line: raw bytes, 8 data bits, no parity, one stop bit, no flow control,
 * at a rate termios has a constant for. One set-up and one speed table,
 * so that a rate one of them accepts the others accept too.
 */
#pragma once

#include <glib.h>
#include <termios.h>

G_BEGIN_DECLS

/* The termios constant for @baud bits per second; FALSE when termios has
 * none (the rate cannot be set on a Linux serial port through termios). */
gboolean kdh_serial_line_speed     (guint    baud,
                                    speed_t *speed);

typedef enum {
  KDH_SERIAL_LINE_STRICT,       /* a rate without a constant is an error */
  KDH_SERIAL_LINE_LENIENT,      /* ...is left as the line has it (a pty has no line) */
} KdhSerialLineRate;

/* Sets @fd (a tty or pty) raw 8N1 without flow control at @baud. Errors
 * name @what ("serial port /dev/ttyS1"). */
gboolean kdh_serial_line_set_raw   (int                fd,
                                    guint              baud,
                                    KdhSerialLineRate  rate,
                                    const gchar       *what,
                                    GError           **error);
/* Changes only the rate of a line already set up. */
gboolean kdh_serial_line_set_baud  (int                fd,
                                    guint              baud,
                                    KdhSerialLineRate  rate,
                                    const gchar       *what,
                                    GError           **error);

/* Opens @device (non-blocking, close-on-exec, not as a controlling
 * terminal) and sets it up as kdh_serial_line_set_raw() does with
 * KDH_SERIAL_LINE_STRICT. Returns the descriptor, or -1 with @error
 * ("cannot open serial port /dev/ttyS1: No such file or directory",
 * "cannot set serial port /dev/ttyS1 to 12345 baud: ..."). */
int      kdh_serial_line_open      (const gchar  *device,
                                    guint         baud,
                                    GError      **error);

G_END_DECLS
