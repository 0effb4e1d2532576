/* kdh-test-atspi.h: kdhost as a user and a screen reader meet it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The harness of the view tests (test-app-views, test-app-memview): kdhost
 * run on the executing simulator (sim:) on a private session bus, lines
 * typed and keys pressed through the X server (xdotool), its output and
 * states followed through org.kdhost.Window1's signals, and its widgets
 * read through the accessibility tree (AT-SPI, tests/read-views.py on
 * Debian's python3-pyatspi), as a screen reader would.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KDH_TEST_SESSION_PATH "/org/kdhost/Kdhost/session/1"

typedef struct {
  GTestDBus *bus_fixture;
  GDBusConnection *bus;
  GSubprocess *kdhost;
  gchar *window_id;
  GString *output;             /* every Output signal's text */
  guint breaks;                /* StateChanged to break */
  guint runs;                  /* ... to running */
  guint subscription;
} KdhTestApp;

/* After g_test_init(): opens the display (remembered for the fixtures,
 * which replace the session bus) and checks xdotool and pyatspi; FALSE,
 * with a message, when the tests must be skipped (exit status 77). */
gboolean kdh_test_app_can_run (int    *argc,
                               char ***argv);

/* A fresh session bus (with the accessibility bus's service), and kdhost
 * stopped at the simulator's first break; and the way back. */
void     kdh_test_app_setup    (KdhTestApp    *app,
                                gconstpointer  data);
void     kdh_test_app_teardown (KdhTestApp    *app,
                                gconstpointer  data);
/* A launcher for kdhost: readable through AT-SPI, and ended when the
 * test's process ends. */
GSubprocessLauncher *kdh_test_app_launcher_new (void);
/* A private session bus that can start the accessibility bus. */
GTestDBus *kdh_test_app_bus_new (void);
/* kdhost -k sim:. @config: its settings in a key file under this
 * XDG_CONFIG_HOME (NULL: in memory only). */
void     kdh_test_app_start    (KdhTestApp    *app,
                                const gchar   *config);
void     kdh_test_app_stop     (KdhTestApp    *app);

/* Types @line into the command line and returns what it printed (a
 * ".echo" typed after it marks the end). */
gchar   *kdh_test_app_run_typed (KdhTestApp  *app,
                                 const gchar *line);
/* Waits until the output since @from holds @text. */
void     kdh_test_app_wait_output (KdhTestApp  *app,
                                   gsize        from,
                                   const gchar *text);

/* What read-views.py prints for @arg (a table, toolbar:NAME, click:NAME,
 * pane:NAME...), whole. */
gchar   *kdh_test_app_run_atspi  (const gchar *arg);
/* Its lines after the line @header_line; empty when that is missing. */
gchar  **kdh_test_app_read_atspi (const gchar *arg,
                                  const gchar *header_line);
/* The rows of the table @name ("NAME" or "NAME@PREFIX:N"), "a\tb" each. */
gchar  **kdh_test_app_read_table (const gchar *name);
/* The rows, once one of them holds @needle. */
gchar  **kdh_test_app_wait_table (const gchar *table,
                                  const gchar *needle);

/* Presses the button or menu item @name through AT-SPI. */
void     kdh_test_app_click       (const gchar *name);
/* The split pane @name's divider position (and its size in @width, or
 * NULL), after moving the divider to @set first when @set >= 0. */
gint     kdh_test_app_pane        (const gchar *name,
                                   gint         set,
                                   gint        *width);
/* Waits until the divider of @name is at @value. */
void     kdh_test_app_wait_pane   (const gchar *name,
                                   gint         value);
/* Removes the settings key file kdh_test_app_start() used under @config,
 * and @config. */
void     kdh_test_app_remove_config (const gchar *config);

/* Checks the Registers view's rows against r's output, digit for digit;
 * how many registers both show. */
guint    kdh_test_app_registers_as_r (gchar       **rows,
                                      const gchar  *r);
/* Checks that the Call Stack view's rows are k's lines; how many frames. */
guint    kdh_test_app_stack_as_k     (gchar       **rows,
                                      const gchar  *k);

G_END_DECLS
