/* test-app-window.c: the window's rough edges, as a new user meets them
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real KdhWindows on the in-process simulator (sim:), driven through their
 * actions and widgets: asking before a live target is let go, the Edit
 * menu's actions and .cls, typing into the output, the output's colours
 * and cursor, reconnecting. The word-wrap cases need no display.
 */
#define _GNU_SOURCE   /* posix_openpt(), ptsname() */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <gtk/gtk.h>

#include "kdh-test-engine.h"
#include "kdh-test-gtk.h"
#include "kdh-test-net.h"
#include "kdh-app-resources.h"
#include "kdh-connect-dialog.h"
#include "kdh-remote-dialog.h"
#include "kdh-window-private.h"
#include "kdh-word-wrap.h"

static gboolean have_display;

/* Runs the test @data (a function without arguments) when there is a
 * display, and skips it otherwise. */
static void
with_display (gconstpointer data)
{
  void (*test) (void) = (void (*) (void)) data;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  test ();
}

static void
add_display_test (const gchar *path,
                  void       (*test) (void))
{
  g_test_add_data_func (path, (gconstpointer) test, with_display);
}

/* A new window on no connection, shown. */
static KdhWindow *
shown_window (void)
{
  KdhWindow *window = kdh_window_new (NULL);

  gtk_widget_show (GTK_WIDGET (window));
  return window;
}

/* ---- Word wrap (no display) ------------------------------------------- */

static gchar *
wrap (const gchar *text,
      guint        columns,
      guint        start)
{
  GString *out = g_string_new (NULL);
  guint column = start;

  kdh_word_wrap_append (out, text, columns, &column);
  return g_string_free (out, FALSE);
}

static void
test_word_wrap (void)
{
  g_autofree gchar *a = wrap ("the quick brown fox\n", 10, 0);
  g_autofree gchar *b = wrap ("abcdefghijklmnop xy", 10, 0);
  g_autofree gchar *c = wrap ("fox", 10, 8);
  g_autofree gchar *d = wrap ("no wrap at all here", 0, 0);
  g_autofree gchar *e = wrap ("a\tb", 10, 0);
  g_autofree gchar *f = wrap ("abcdefgh\tx", 10, 0);
  g_autofree gchar *g = wrap ("one two\n", 6, 0);
  g_autofree gchar *h = wrap ("abcdef ghi", 6, 0);
  g_autofree gchar *joined_edge = NULL;
  g_autofree gchar *joined = NULL, *joined_tab = NULL, *joined_word = NULL, *cut = NULL;
  g_autofree gchar *own = NULL;

  /* Broken between words, never inside one, each break marked; LF
   * becomes CR LF. */
  g_assert_cmpstr (a, ==, "the quick " KDH_WORD_WRAP_MARK "\r\nbrown fox\r\n");
  /* A word longer than a line is the terminal's to cut. */
  g_assert_cmpstr (b, ==, "abcdefghijklmnop xy");
  /* The cursor's column counts: a word that no longer fits goes down. */
  g_assert_cmpstr (c, ==, KDH_WORD_WRAP_MARK "\r\nfox");
  g_assert_cmpstr (d, ==, "no wrap at all here");
  g_assert_cmpstr (e, ==, "a\tb");
  /* A tab at the edge: the mark before it (a tab cell keeps none). */
  g_assert_cmpstr (f, ==, "abcdefgh" KDH_WORD_WRAP_MARK "\t\r\nx");
  g_assert_cmpstr (g, ==, "one " KDH_WORD_WRAP_MARK "\r\ntwo\r\n");
  /* A word that ends at the edge: the space has no cell left. */
  g_assert_cmpstr (h, ==, "abcdef" KDH_WORD_WRAP_SPACE KDH_WORD_WRAP_MARK "\r\nghi");

  /* What the terminal gives back (LF, trailing spaces of a row without a
   * mark trimmed) joins up to the text as it came; the text's own line
   * breaks stay. */
  joined = kdh_word_wrap_unwrap ("the quick " KDH_WORD_WRAP_MARK "\nbrown fox\nnext\n");
  g_assert_cmpstr (joined, ==, "the quick brown fox\nnext\n");
  joined_tab = kdh_word_wrap_unwrap ("abcdefgh" KDH_WORD_WRAP_MARK "\t\nx");
  g_assert_cmpstr (joined_tab, ==, "abcdefgh\tx");
  joined_word = kdh_word_wrap_unwrap ("fffff803" KDH_WORD_WRAP_MARK "\r\n`12345678");
  g_assert_cmpstr (joined_word, ==, "fffff803`12345678");
  joined_edge = kdh_word_wrap_unwrap ("abcdef" KDH_WORD_WRAP_SPACE KDH_WORD_WRAP_MARK "\nghi "
                                      KDH_WORD_WRAP_SPACE "x");
  g_assert_cmpstr (joined_edge, ==, "abcdef ghi " KDH_WORD_WRAP_SPACE "x");
  /* A selection that ends at a mark. */
  cut = kdh_word_wrap_unwrap ("the quick " KDH_WORD_WRAP_MARK);
  g_assert_cmpstr (cut, ==, "the quick ");
  own = kdh_word_wrap_unwrap ("a\nb\n\nc");
  g_assert_cmpstr (own, ==, "a\nb\n\nc");
}

/* ---- Windows on sim: -------------------------------------------------- */

static gboolean
state_is (gpointer data)
{
  gpointer *w = data;

  return kdh_window_get_state (w[0]) == (KdhConnState) GPOINTER_TO_INT (w[1]);
}

static void
wait_state (KdhWindow    *window,
            KdhConnState  state)
{
  gpointer w[2] = { window, GINT_TO_POINTER (state) };

  kdh_test_run_until (state_is, w, 60, kdh_conn_state_name (state));
}

static gboolean
text_shown (gpointer data)
{
  gpointer *w = data;
  g_autofree gchar *text = kdh_command_view_dup_text (((KdhWindow *) w[0])->command_view);

  return strstr (text, w[1]) != NULL;
}

static void
wait_text (KdhWindow   *window,
           const gchar *text)
{
  gpointer w[2] = { window, (gpointer) text };

  kdh_test_run_until (text_shown, w, 60, text);
}

static KdhWindow *
window_at_break (void)
{
  KdhWindow *window = kdh_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_window_attach (window, "sim:");
  wait_state (window, KDH_CONN_BREAK);
  return window;
}

static void
activate (KdhWindow   *window,
          const gchar *action)
{
  g_action_group_activate_action (G_ACTION_GROUP (window), action, NULL);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static gboolean
asking (gpointer data)
{
  return ((KdhWindow *) data)->confirm_dialog != NULL;
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* At a break, Stop Debugging asks and says the target stays frozen;
 * Cancel keeps the session; Go and Detach lets the target run, then
 * detaches. */
static void
test_confirm_stop (void)
{
  KdhWindow *window;
  GtkWidget *dialog;
  g_autofree gchar *secondary = NULL;

  window = window_at_break ();
  activate (window, "stop-debugging");
  dialog = window->confirm_dialog;
  g_assert_nonnull (dialog);
  g_assert_true (GTK_IS_MESSAGE_DIALOG (dialog));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_object_get (dialog, "secondary-text", &secondary, NULL);
  g_assert_nonnull (strstr (secondary, "frozen"));
  g_assert_nonnull (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), 1));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_assert_null (window->confirm_dialog);
  kdh_test_wait (never, NULL, 1);
  g_assert_cmpint (kdh_window_get_state (window), ==, KDH_CONN_BREAK);

  activate (window, "stop-debugging");
  g_assert_nonnull (window->confirm_dialog);
  gtk_dialog_response (GTK_DIALOG (window->confirm_dialog), 1 /* Go and Detach */);
  wait_state (window, KDH_CONN_DISCONNECTED);
  /* It went (the engine echoed g) before the connection closed. */
  wait_text (window, "kd> g\n");
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* Closing a window at a break asks; Detach closes it. A window with no
 * live target closes at once, and so does Stop Debugging there. */
static void
test_confirm_close (void)
{
  KdhWindow *window;
  GtkWidget *weak;

  window = window_at_break ();
  weak = GTK_WIDGET (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &weak);
  /* gtk_window_close() sends its delete event from an idle. */
  activate (window, "close");
  kdh_test_run_until (asking, window, 10, "the question");
  g_assert_nonnull (weak);
  gtk_dialog_response (GTK_DIALOG (window->confirm_dialog), 2 /* Detach */);
  kdh_test_run_until (is_null, &weak, 10, "the window closed");

  /* Disconnected: no question. */
  window = kdh_window_new (NULL);
  weak = GTK_WIDGET (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &weak);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_test_wait (never, NULL, 1);
  activate (window, "close");
  kdh_test_run_until (is_null, &weak, 10, "the window closed");
}

static gboolean
at_break_on (gpointer data)
{
  KdhWindow *window = data;

  return g_strcmp0 (window->connection, "sim:seed=4") == 0
         && kdh_window_get_state (window) == KDH_CONN_BREAK;
}

/* Connecting anew (File > Recent Connections, the Kernel Debug dialog)
 * at a break asks first, and Detach then connects; a crash dump is no
 * live target: stopping or closing it asks nothing. */
static void
test_confirm_connect_and_dump (void)
{
  KdhWindow *window;
  KdhTestEngine t;
  GtkWidget *weak;
  g_autofree gchar *path = NULL, *line = NULL, *primary = NULL;

  window = window_at_break ();
  g_action_group_activate_action (G_ACTION_GROUP (window), "connect-recent",
                                  g_variant_new_string ("sim:seed=4"));
  g_assert_nonnull (window->confirm_dialog);
  g_object_get (window->confirm_dialog, "text", &primary, NULL);
  g_assert_nonnull (strstr (primary, "connect anew"));
  gtk_dialog_response (GTK_DIALOG (window->confirm_dialog), 2 /* Detach */);
  kdh_test_run_until (at_break_on, window, 60, "a break on sim:seed=4");
  gtk_widget_destroy (GTK_WIDGET (window));

  kdh_test_engine_init (&t);
  kdh_test_engine_attach (&t, "sim:");
  path = g_build_filename (t.tmpdir, "window-not-asked.dmp", NULL);
  line = g_strdup_printf (".dump /f %s", path);
  g_free (kdh_test_engine_run (&t, line, FALSE));
  window = shown_window ();
  kdh_window_open_dump (window, path);
  wait_state (window, KDH_CONN_BREAK);
  activate (window, "stop-debugging");
  g_assert_null (window->confirm_dialog);
  wait_state (window, KDH_CONN_DISCONNECTED);
  kdh_window_open_dump (window, path);
  wait_state (window, KDH_CONN_BREAK);
  weak = GTK_WIDGET (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &weak);
  activate (window, "close");
  kdh_test_run_until (is_null, &weak, 10, "the dump's window closed without a question");
  kdh_test_engine_clear (&t);
}

/* After Stop Debugging, Reconnect (Ctrl+Shift+F5) opens the same
 * connection again; the title names the connection. */
static void
test_reconnect (void)
{
  KdhWindow *window;
  GtkWidget *dialog;

  window = window_at_break ();
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), window->last_transport));
  g_assert_cmpstr (window->last_transport, !=, "");
  activate (window, "stop-debugging");
  dialog = window->confirm_dialog;
  gtk_dialog_response (GTK_DIALOG (dialog), 2 /* Detach, leave stopped */);
  wait_state (window, KDH_CONN_DISCONNECTED);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "reconnect"));
  /* Disconnected: reconnecting asks nothing. */
  activate (window, "reconnect");
  g_assert_null (window->confirm_dialog);
  wait_state (window, KDH_CONN_BREAK);
  gtk_widget_destroy (GTK_WIDGET (window));
}

static GtkWidget *
find_toplevel (GType type)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkWidget *found = NULL;

  for (GList *l = toplevels; l; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

/* File > Kernel Debug… opens on this window's connection, whatever
 * connection another window or the dialog made last. */
static void
test_kernel_debug_dialog (void)
{
  KdhWindow *window;
  GtkWidget *dialog;
  g_autofree gchar *built = NULL;

  window = shown_window ();
  kdh_window_attach (window, "sim:seed=9");
  wait_state (window, KDH_CONN_BREAK);
  activate (window, "kernel-debug");
  dialog = find_toplevel (KDH_TYPE_CONNECT_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  built = kdh_connect_dialog_build_connection (KDH_CONNECT_DIALOG (dialog), NULL);
  g_assert_cmpstr (built, ==, "sim:seed=9");
  gtk_widget_destroy (dialog);
  gtk_widget_destroy (GTK_WIDGET (window));
}

static gchar *
clipboard_text (void)
{
  return gtk_clipboard_wait_for_text (gtk_clipboard_get (GDK_SELECTION_CLIPBOARD));
}

/* Select All and Copy put the output on the clipboard; .cls and Clear
 * Output empty it; with nothing selected, Ctrl+C's action breaks in. */
static void
test_edit_and_cls (void)
{
  KdhWindow *window;
  g_autofree gchar *copied = NULL;
  g_autofree gchar *after = NULL;
  g_autofree gchar *bad = NULL;
  g_autofree gchar *screen = NULL;

  window = window_at_break ();
  kdh_engine_execute (window->engine, "? 1234", NULL);
  wait_text (window, "Evaluate expression: 4660");
  kdh_test_wait (never, NULL, 1);
  gtk_widget_grab_focus (GTK_WIDGET (kdh_command_view_get_terminal (window->command_view)));
  activate (window, "select-all");
  activate (window, "copy");
  copied = clipboard_text ();
  g_assert_nonnull (copied);
  g_assert_nonnull (strstr (copied, "Evaluate expression: 4660"));

  kdh_engine_execute (window->engine, ".cls zzz", NULL);
  wait_text (window, ".cls takes no arguments");
  kdh_engine_execute (window->engine, ".cls", NULL);
  kdh_test_wait (never, NULL, 1);
  after = kdh_command_view_dup_text (window->command_view);
  g_assert_null (strstr (after, "4660"));
  /* The screen too, not only the text kept for D-Bus (VTE ignores a
   * reset while its input is off). */
  vte_terminal_select_all (kdh_command_view_get_terminal (window->command_view));
  screen = vte_terminal_get_text_selected (kdh_command_view_get_terminal (window->command_view),
                                           VTE_FORMAT_TEXT);
  g_assert_null (strstr (screen, "4660"));
  kdh_engine_execute (window->engine, "? 1", NULL);
  wait_text (window, "Evaluate expression: 1");
  activate (window, "clear");
  bad = kdh_command_view_dup_text (window->command_view);
  g_assert_cmpstr (bad, ==, "");

  /* Nothing selected, target running: Copy is Ctrl+C, a break-in. */
  vte_terminal_unselect_all (kdh_command_view_get_terminal (window->command_view));
  kdh_engine_execute (window->engine, "g", NULL);
  wait_state (window, KDH_CONN_RUNNING);
  activate (window, "copy");
  wait_state (window, KDH_CONN_BREAK);
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* A long line the output broke between words copies as the one line it
 * was: a DbgPrint sentence and a run of addresses, from a narrow window. */
static void
test_copy_wrapped (void)
{
  static const gchar *lines[] = {
    "KDHTEST: the driver found eleven devices on the bus and configured every one of "
    "them with its default settings",
    "fffff803`12340000 fffff803`12350000 fffff803`12360000 fffff803`12370000 "
    "fffff803`12380000 fffff803`12390000",
  };
  KdhWindow *window;
  VteTerminal *terminal;

  window = kdh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 520, 400);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_test_wait (never, NULL, 1);
  terminal = kdh_command_view_get_terminal (window->command_view);
  g_assert_cmpint (vte_terminal_get_column_count (terminal), <, 70);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autofree gchar *line = g_strconcat (lines[i], "\n", NULL);
      g_autofree gchar *shown = NULL, *copied = NULL;

      activate (window, "clear");
      kdh_command_view_append (window->command_view, KDH_OUTPUT_TARGET, line);
      kdh_test_wait (never, NULL, 1);
      /* The terminal shows it on several rows, broken between words. */
      vte_terminal_select_all (terminal);
      shown = vte_terminal_get_text_selected (terminal, VTE_FORMAT_TEXT);
      g_assert_nonnull (strchr (shown, '\n'));
      g_assert_true (strchr (shown, '\n') < shown + strlen (lines[i]));
      /* The marks draw nothing ($KDH_TEST_ARTIFACTS/app-window-wrapped-N.png). */
      {
        g_autofree gchar *name = g_strdup_printf ("app-window-wrapped-%u", i);

        gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
        cairo_surface_destroy (kdh_test_gtk_draw (GTK_WIDGET (terminal), name));
      }
      activate (window, "copy");
      copied = clipboard_text ();
      g_assert_nonnull (copied);
      g_strchomp (copied);
      g_assert_cmpstr (copied, ==, lines[i]);
    }
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* A window that is a debugging client: .cls clears that window (the
 * server has no .cls to run), its title, remote dialog and Reconnect know
 * its session; a client of a window that serves cannot clear the
 * server's window. */
static void
test_remote_window (void)
{
  KdhTestEngine server, client;
  guint16 port = kdh_test_free_port ();
  g_autofree gchar *start = g_strdup_printf (".server tcp:port=%u,bind=127.0.0.1", port);
  g_autofree gchar *remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  g_autofree gchar *started = NULL, *text = NULL, *screen = NULL, *refused = NULL;
  KdhWindow *window;
  VteTerminal *terminal;
  guint token;

  kdh_test_engine_init (&server);
  kdh_test_engine_attach (&server, "sim:");
  kdh_test_engine_wait_state (&server, KDH_CONN_BREAK, 60);
  started = kdh_test_engine_run (&server, start, FALSE);
  g_assert_nonnull (strstr (started, "-remote"));

  window = shown_window ();
  terminal = kdh_command_view_get_terminal (window->command_view);
  kdh_window_connect_remote (window, remote);
  wait_state (window, KDH_CONN_BREAK);
  g_signal_emit_by_name (window->command_view, "command", "? 1234");
  wait_text (window, "Evaluate expression: 4660");
  g_signal_emit_by_name (window->command_view, "command", ".cls");
  g_signal_emit_by_name (window->command_view, "command", "? 99");
  wait_text (window, "Evaluate expression: 153");
  kdh_test_wait (never, NULL, 1);
  text = kdh_command_view_dup_text (window->command_view);
  g_test_message ("the client window's output:\n%s", text);
  g_assert_null (strstr (text, "4660"));
  g_assert_null (strstr (text, "Unknown"));
  vte_terminal_select_all (terminal);
  screen = vte_terminal_get_text_selected (terminal, VTE_FORMAT_TEXT);
  g_assert_null (strstr (screen, "4660"));
  /* It never went to the server. */
  g_assert_null (strstr (server.echoes->str, ".cls"));

  /* The title names the session; File > Connect to Remote Session opens
   * on it; after Stop Debugging (no question: the server's target is not
   * this window's to lose), Reconnect joins it again. */
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "remote tcp 127.0.0.1"));
  activate (window, "connect-remote");
  {
    GtkWidget *dialog = find_toplevel (KDH_TYPE_REMOTE_DIALOG);

    g_assert_nonnull (dialog);
    g_assert_cmpstr (kdh_remote_dialog_get_string (KDH_REMOTE_DIALOG (dialog)), ==, remote);
    gtk_widget_destroy (dialog);
  }
  activate (window, "stop-debugging");
  g_assert_null (window->confirm_dialog);
  wait_state (window, KDH_CONN_DISCONNECTED);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "reconnect"));
  activate (window, "reconnect");
  wait_state (window, KDH_CONN_BREAK);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "remote tcp 127.0.0.1"));
  gtk_widget_destroy (GTK_WIDGET (window));
  kdh_test_engine_clear (&server);

  /* The other way round: the window serves, a client types .cls. */
  port = kdh_test_free_port ();
  g_free (start);
  g_free (remote);
  start = g_strdup_printf (".server tcp:port=%u,bind=127.0.0.1", port);
  remote = g_strdup_printf ("tcp:Port=%u,Server=127.0.0.1", port);
  window = window_at_break ();
  kdh_engine_execute (window->engine, start, NULL);
  wait_text (window, "-remote");
  kdh_engine_execute (window->engine, "? 1234", NULL);
  wait_text (window, "Evaluate expression: 4660");
  kdh_test_engine_init (&client);
  token = kdh_engine_connect_remote (client.engine, remote);
  g_assert_true (kdh_test_engine_wait_token (&client, token, 60));
  kdh_test_engine_wait_state (&client, KDH_CONN_BREAK, 60);
  refused = kdh_test_engine_run (&client, ".cls", TRUE);
  g_assert_nonnull (strstr (refused, ".cls clears"));
  g_free (text);
  text = kdh_command_view_dup_text (window->command_view);
  g_assert_nonnull (strstr (text, "4660"));
  kdh_test_engine_clear (&client);
  gtk_widget_destroy (GTK_WIDGET (window));
}

static void
collect_labels (GtkWidget *widget,
                gpointer   data)
{
  if (GTK_IS_MENU_ITEM (widget))
    {
      const gchar *label = gtk_menu_item_get_label (GTK_MENU_ITEM (widget));

      g_string_append_printf (data, "%s|", label ? label : "");
    }
}

/* The output's context menu (the Menu key, Shift+F10, a right click) and
 * the menu bar's Edit menu: Copy, Select All, Find and Clear Output. */
static void
test_context_menu (void)
{
  KdhWindow *window;
  GtkWidget *terminal;
  GList *menus;
  g_autoptr (GString) labels = g_string_new (NULL);

  window = shown_window ();
  kdh_test_wait (never, NULL, 1);
  terminal = GTK_WIDGET (kdh_command_view_get_terminal (window->command_view));
  gtk_widget_grab_focus (terminal);
  /* The Menu key, as GTK gets it from the display (a popup needs the
   * event that asked for it). */
  {
    GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);
    GdkKeymapKey *keys = NULL;
    gint n = 0;

    event->key.window = g_object_ref (gtk_widget_get_window (GTK_WIDGET (window)));
    event->key.keyval = GDK_KEY_Menu;
    event->key.time = GDK_CURRENT_TIME;
    if (gdk_keymap_get_entries_for_keyval (gdk_keymap_get_for_display (gdk_display_get_default ()),
                                           GDK_KEY_Menu, &keys, &n) && n > 0)
      event->key.hardware_keycode = (guint16) keys[0].keycode;
    g_free (keys);
    gdk_event_set_device (event, gdk_seat_get_keyboard (gdk_display_get_default_seat (
                                    gdk_display_get_default ())));
    gtk_main_do_event (event);
    gdk_event_free (event);
  }
  kdh_test_wait (never, NULL, 1);
  menus = gtk_menu_get_for_attach_widget (terminal);
  g_assert_cmpuint (g_list_length (menus), ==, 1);
  g_assert_true (gtk_widget_get_visible (menus->data));
  gtk_container_foreach (GTK_CONTAINER (menus->data), collect_labels, labels);
  g_test_message ("context menu: %s", labels->str);
  g_assert_nonnull (strstr (labels->str, "_Copy|"));
  g_assert_nonnull (strstr (labels->str, "Select _All|"));
  g_assert_nonnull (strstr (labels->str, "_Find…|"));
  g_assert_nonnull (strstr (labels->str, "C_lear Output|"));
  gtk_menu_shell_deactivate (GTK_MENU_SHELL (menus->data));

  /* The menu bar's Edit menu has the same, Copy with Ctrl+C. */
  {
    g_autoptr (GtkBuilder) builder = NULL;
    GMenuModel *menubar, *edit = NULL;
    g_autoptr (GString) actions = g_string_new (NULL);

    kdh_app_ensure_resources ();
    builder = gtk_builder_new_from_resource ("/org/kdhost/Kdhost/gtk/menus.ui");
    menubar = G_MENU_MODEL (gtk_builder_get_object (builder, "menubar"));
    for (gint i = 0; i < g_menu_model_get_n_items (menubar); i++)
      {
        g_autofree gchar *label = NULL;

        g_menu_model_get_item_attribute (menubar, i, "label", "s", &label);
        if (g_strcmp0 (label, "_Edit") == 0)
          edit = g_menu_model_get_item_link (menubar, i, G_MENU_LINK_SUBMENU);
      }
    g_assert_nonnull (edit);
    for (gint i = 0; i < g_menu_model_get_n_items (edit); i++)
      {
        g_autoptr (GMenuModel) section = g_menu_model_get_item_link (edit, i, G_MENU_LINK_SECTION);

        for (gint j = 0; section && j < g_menu_model_get_n_items (section); j++)
          {
            g_autofree gchar *action = NULL, *accel = NULL;

            g_menu_model_get_item_attribute (section, j, "action", "s", &action);
            g_menu_model_get_item_attribute (section, j, "accel", "s", &accel);
            g_string_append_printf (actions, "%s %s|", action, accel ? accel : "");
          }
      }
    g_object_unref (edit);
    g_test_message ("Edit: %s", actions->str);
    g_assert_nonnull (strstr (actions->str, "win.copy <Control>c|"));
    g_assert_nonnull (strstr (actions->str, "win.select-all "));
    g_assert_nonnull (strstr (actions->str, "win.find <Control>f|"));
    g_assert_nonnull (strstr (actions->str, "win.clear "));
  }
  kdh_test_wait (never, NULL, 1);
  g_assert_null (gtk_menu_get_for_attach_widget (terminal));
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* The shortcuts window (Ctrl+?) says what Ctrl+C does in the window, and
 * lists the keys the issue asked for. */
static void
test_shortcuts_window (void)
{
  g_autoptr (GtkBuilder) builder = NULL;
  g_autoptr (GHashTable) titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GSList *objects;
  const gchar *copy;

  kdh_app_ensure_resources ();
  builder = gtk_builder_new_from_resource ("/org/kdhost/Kdhost/gtk/help-overlay.ui");
  objects = gtk_builder_get_objects (builder);
  for (GSList *l = objects; l; l = l->next)
    if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
      {
        gchar *accel = NULL, *title = NULL;

        g_object_get (l->data, "accelerator", &accel, "title", &title, NULL);
        g_hash_table_replace (titles, accel, title);
      }
  g_slist_free (objects);
  copy = g_hash_table_lookup (titles, "<Control>c");
  g_assert_nonnull (copy);
  g_assert_nonnull (strstr (copy, "Copy"));
  g_assert_nonnull (strstr (copy, "break in"));
  g_assert_true (g_hash_table_contains (titles, "<Control>f"));
  g_assert_true (g_hash_table_contains (titles, "<Control>w"));
  g_assert_true (g_hash_table_contains (titles, "<Control><Shift>F5"));
  g_assert_true (g_hash_table_contains (titles, "<Control>Break"));
  g_assert_true (g_hash_table_contains (titles, "<Control><Alt>d"));
  /* The window of the shortcuts, not a console's. */
  g_assert_false (g_hash_table_contains (titles, "<Control>r"));
}

static void
send_key (GtkWidget *widget,
          guint      keyval)
{
  GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);
  GdkKeymapKey *keys = NULL;
  gint n = 0;

  event->key.window = g_object_ref (gtk_widget_get_window (widget));
  event->key.keyval = keyval;
  event->key.time = GDK_CURRENT_TIME;
  if (gdk_keymap_get_entries_for_keyval (gdk_keymap_get_for_display (gdk_display_get_default ()),
                                         keyval, &keys, &n) && n > 0)
    event->key.hardware_keycode = (guint16) keys[0].keycode;
  g_free (keys);
  gdk_event_set_device (event, gdk_seat_get_keyboard (gdk_display_get_default_seat (
                                  gdk_display_get_default ())));
  gtk_widget_event (widget, event);
  gdk_event_free (event);
}

/* Keys typed while the output has the focus land in the command line. */
static void
test_typing_in_output (void)
{
  KdhWindow *window;
  GtkWidget *terminal;
  GtkEntry *entry;

  window = shown_window ();
  kdh_test_wait (never, NULL, 1);
  terminal = GTK_WIDGET (kdh_command_view_get_terminal (window->command_view));
  entry = kdh_command_view_get_entry (window->command_view);
  gtk_widget_grab_focus (terminal);
  send_key (terminal, GDK_KEY_r);
  send_key (terminal, GDK_KEY_m);
  g_assert_cmpstr (gtk_entry_get_text (entry), ==, "rm");
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (entry)));
  gtk_widget_destroy (GTK_WIDGET (window));
}

static gdouble
channel (gdouble v)
{
  return v <= 0.03928 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static gdouble
contrast (gdouble r1, gdouble g1, gdouble b1, gdouble r2, gdouble g2, gdouble b2)
{
  gdouble l1 = 0.2126 * channel (r1) + 0.7152 * channel (g1) + 0.0722 * channel (b1);
  gdouble l2 = 0.2126 * channel (r2) + 0.7152 * channel (g2) + 0.0722 * channel (b2);

  return (MAX (l1, l2) + 0.05) / (MIN (l1, l2) + 0.05);
}

/* The largest contrast between any pixel of the terminal and its
 * background pixel (top-left): the text's own colour, as drawn. */
static gdouble
drawn_contrast (GtkWidget *terminal,
                gboolean   reddish_only)
{
  cairo_surface_t *surface;
  gint w, h;
  guint8 br, bg, bb, ba, r, g, b, a;
  gdouble best = 1.0;

  gtk_test_widget_wait_for_draw (gtk_widget_get_toplevel (terminal));
  surface = kdh_test_gtk_draw (terminal, NULL);
  w = cairo_image_surface_get_width (surface);
  h = cairo_image_surface_get_height (surface);
  kdh_test_gtk_pixel (surface, 0, 0, &br, &bg, &bb, &ba);
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++)
      {
        kdh_test_gtk_pixel (surface, x, y, &r, &g, &b, &a);
        if (reddish_only && !(r > g + 40 && r > b + 40))
          continue;
        best = MAX (best, contrast (r / 255.0, g / 255.0, b / 255.0,
                                    br / 255.0, bg / 255.0, bb / 255.0));
      }
  cairo_surface_destroy (surface);
  return best;
}

/* An error line stands out from the background by 4.5:1 or more in the
 * light and in the dark theme, and the background follows the theme. No
 * cursor is drawn in the empty output. */
static void
test_colors_and_cursor (void)
{
  GtkSettings *settings = gtk_settings_get_default ();
  KdhWindow *window;
  GtkWidget *terminal;
  GdkRGBA light_bg, dark_bg;

  g_object_set (settings, "gtk-theme-name", "Adwaita", "gtk-application-prefer-dark-theme", FALSE,
                NULL);
  window = kdh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 400);
  gtk_widget_show (GTK_WIDGET (window));
  terminal = GTK_WIDGET (kdh_command_view_get_terminal (window->command_view));
  kdh_test_wait (never, NULL, 1);
  /* Empty, read-only output: nothing but background (no block cursor). */
  g_assert_cmpfloat (drawn_contrast (terminal, FALSE), ==, 1.0);

  kdh_command_view_append (window->command_view, KDH_OUTPUT_ERROR, "ERROR ERROR ERROR\n");
  kdh_test_wait (never, NULL, 1);
  kdh_command_view_get_color (window->command_view, KDH_COMMAND_VIEW_BACKGROUND, &light_bg);
  g_assert_cmpfloat (drawn_contrast (terminal, TRUE), >=, 4.5);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  cairo_surface_destroy (kdh_test_gtk_draw (GTK_WIDGET (window), "app-window-light"));

  g_object_set (settings, "gtk-application-prefer-dark-theme", TRUE, NULL);
  kdh_test_wait (never, NULL, 1);
  kdh_command_view_get_color (window->command_view, KDH_COMMAND_VIEW_BACKGROUND, &dark_bg);
  g_assert_cmpfloat (light_bg.red + light_bg.green + light_bg.blue, >,
                     dark_bg.red + dark_bg.green + dark_bg.blue + 1.0);
  g_assert_cmpfloat (drawn_contrast (terminal, TRUE), >=, 4.5);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  cairo_surface_destroy (kdh_test_gtk_draw (GTK_WIDGET (window), "app-window-dark"));
  g_object_set (settings, "gtk-application-prefer-dark-theme", FALSE, NULL);
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* Find (Ctrl+F) shows the find bar; typed text selects its match. */
static void
test_find (void)
{
  KdhWindow *window;
  VteTerminal *terminal;
  g_autofree gchar *selected = NULL;

  window = shown_window ();
  terminal = kdh_command_view_get_terminal (window->command_view);
  kdh_command_view_append (window->command_view, KDH_OUTPUT_DEBUGGER,
                           "alpha\nbeta NeedleX gamma\ndelta\n");
  kdh_test_wait (never, NULL, 1);
  activate (window, "find");
  g_assert_true (gtk_widget_has_focus (gtk_window_get_focus (GTK_WINDOW (window))));
  g_assert_true (GTK_IS_SEARCH_ENTRY (gtk_window_get_focus (GTK_WINDOW (window))));
  gtk_entry_set_text (GTK_ENTRY (gtk_window_get_focus (GTK_WINDOW (window))), "needlex");
  kdh_test_wait (never, NULL, 1);
  g_assert_true (vte_terminal_get_has_selection (terminal));
  activate (window, "copy");
  selected = clipboard_text ();
  g_assert_cmpstr (selected, ==, "NeedleX");
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* The application icon comes from the GResource (GtkApplication adds
 * its icons folder to the theme), not only from an installed path. */
static void
test_icon_from_resource (void)
{
  GtkIconTheme *theme;
  g_autoptr (GdkPixbuf) icon = NULL;
  g_autoptr (GError) error = NULL;

  kdh_app_ensure_resources ();
  theme = gtk_icon_theme_new ();
  gtk_icon_theme_add_resource_path (theme, "/org/kdhost/Kdhost/icons");
  icon = gtk_icon_theme_load_icon (theme, "org.kdhost.Kdhost", 128, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (icon), ==, 128);
  g_object_unref (theme);
}

/* The state's hover text is there in every state: the reason, or what
 * the state means. q in a window without a session says so. */
static void
test_state_tooltip_and_q (void)
{
  KdhWindow *window;
  g_autofree gchar *tip = NULL, *tip2 = NULL;

  window = shown_window ();
  g_signal_emit_by_name (window->command_view, "command", "q");
  wait_text (window, "There is no session to end");
  kdh_window_attach (window, "sim:");
  wait_state (window, KDH_CONN_BREAK);
  tip = kdh_status_bar_dup_state_tooltip (window->status_bar);
  g_assert_nonnull (tip);
  g_assert_cmpstr (tip, !=, "");
  kdh_engine_execute (window->engine, "g", NULL);
  wait_state (window, KDH_CONN_RUNNING);
  tip2 = kdh_status_bar_dup_state_tooltip (window->status_bar);
  g_assert_nonnull (tip2);
  g_assert_cmpstr (tip2, !=, tip);
  /* q with a live target asks, as Stop Debugging does. */
  g_signal_emit_by_name (window->command_view, "command", "q");
  g_assert_nonnull (window->confirm_dialog);
  gtk_dialog_response (GTK_DIALOG (window->confirm_dialog), 2 /* Detach */);
  wait_state (window, KDH_CONN_DISCONNECTED);
  gtk_widget_destroy (GTK_WIDGET (window));
}

static gboolean
initial_break_off (gpointer data)
{
  return !kdh_engine_get_initial_break (data);
}

static gboolean
connecting (gpointer data)
{
  return kdh_window_get_state (data) != KDH_CONN_DISCONNECTED;
}

/* Cycle Baud Rate is for serial lines only; Cycle Initial Break says
 * what it did and the Break on Connect and Reboot check box shows the state. */
static void
test_kernel_connection_items (void)
{
  KdhWindow *window;
  g_autoptr (GVariant) before = NULL, after = NULL;
  g_autofree gchar *text = NULL;

  window = window_at_break ();
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "cycle-baud"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "resync"));
  before = g_action_group_get_action_state (G_ACTION_GROUP (window), "initial-break");
  g_assert_null (g_action_group_get_action_state_type (G_ACTION_GROUP (window),
                                                       "cycle-initial-break"));
  activate (window, "cycle-initial-break");
  after = g_action_group_get_action_state (G_ACTION_GROUP (window), "initial-break");
  /* On by default (no settings here): cycled off. */
  g_assert_true (g_variant_get_boolean (before));
  g_assert_false (g_variant_get_boolean (after));
  /* The engine takes the switch on its own thread. */
  kdh_test_run_until (initial_break_off, window->engine, 10, "the engine's initial break off");
  text = kdh_command_view_dup_text (window->command_view);
  g_assert_nonnull (strstr (text, g_variant_get_boolean (after)
                                  ? "Will break in when the target connects and after it "
                                    "reboots."
                                  : "Will leave the target running when it connects and after "
                                    "it reboots."));
  gtk_widget_destroy (GTK_WIDGET (window));

  /* A serial line (a pseudo-terminal here, no target on it): enabled
   * while connecting, disabled again once disconnected. */
  {
    gint master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
    g_autofree gchar *connection = NULL;

    g_assert_cmpint (master, >=, 0);
    g_assert_cmpint (grantpt (master), ==, 0);
    g_assert_cmpint (unlockpt (master), ==, 0);
    connection = g_strdup_printf ("com:port=%s,baud=115200", ptsname (master));
    window = kdh_window_new (NULL);
    gtk_widget_show (GTK_WIDGET (window));
    g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "cycle-baud"));
    kdh_window_attach (window, connection);
    kdh_test_run_until (connecting, window, 30, "the serial connection under way");
    g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "cycle-baud"));
    activate (window, "stop-debugging");
    wait_state (window, KDH_CONN_DISCONNECTED);
    g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "cycle-baud"));
    gtk_widget_destroy (GTK_WIDGET (window));
    close (master);
  }
}

static void
find_label (GtkWidget *widget,
            gpointer   data)
{
  gpointer *found = data;

  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), found[0]))
    found[1] = widget;
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), find_label, data);
}

static gboolean
has_label (GtkWidget   *widget,
           const gchar *text)
{
  gpointer found[2] = { (gpointer) text, NULL };

  find_label (widget, found);
  return found[1] != NULL;
}

static void
collect_tree (GtkWidget *widget,
              gpointer   data)
{
  GtkWidget **tree = data;

  if (GTK_IS_TREE_VIEW (widget) && *tree == NULL)
    *tree = widget;
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), collect_tree, data);
}

/* The packet log's column titled @title. */
static GtkTreeViewColumn *
find_column (GtkWidget    *log,
             const gchar  *title,
             GtkTreeView **tree_out)
{
  GtkWidget *tree = NULL;
  GtkTreeViewColumn *found = NULL;
  GList *columns;

  collect_tree (log, &tree);
  g_assert_nonnull (tree);
  columns = gtk_tree_view_get_columns (GTK_TREE_VIEW (tree));
  for (GList *l = columns; l; l = l->next)
    if (g_strcmp0 (gtk_tree_view_column_get_title (l->data), title) == 0)
      found = l->data;
  g_list_free (columns);
  g_assert_nonnull (found);
  if (tree_out)
    *tree_out = GTK_TREE_VIEW (tree);
  return found;
}

/* The model column holding @text in the first row. */
static gint
model_column_of (GtkTreeView *tree,
                 const gchar *text)
{
  GtkTreeModel *model = gtk_tree_view_get_model (tree);
  GtkTreeIter iter;
  gint found = -1;

  g_assert_true (gtk_tree_model_get_iter_first (model, &iter));
  for (gint i = 0; i < gtk_tree_model_get_n_columns (model) && found < 0; i++)
    if (gtk_tree_model_get_column_type (model, i) == G_TYPE_STRING)
      {
        g_autofree gchar *value = NULL;

        gtk_tree_model_get (model, &iter, i, &value, -1);
        if (g_strcmp0 (value, text) == 0)
          found = i;
      }
  return found;
}

/* An empty packet log says that capture is off and how to start it;
 * with capture on it says so; the direction column has a title. */
static void
test_packet_log_capture_hint (void)
{
  KdhWindow *window;
  GtkTreeView *tree = NULL;
  GList *columns;

  window = shown_window ();
  g_assert_true (has_label (GTK_WIDGET (window->packet_log), "Ctrl+Alt+D"));
  g_action_group_change_action_state (G_ACTION_GROUP (window), "packet-capture",
                                      g_variant_new_boolean (TRUE));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->packet_log)));
  g_assert_true (has_label (GTK_WIDGET (window->packet_log), "Capturing"));
  g_assert_false (has_label (GTK_WIDGET (window->packet_log), "Ctrl+Alt+D"));
  /* Every column has a title (the direction's too). */
  {
    GtkWidget *w = GTK_WIDGET (window->packet_log);
    GList *stack = g_list_prepend (NULL, w);

    while (stack && tree == NULL)
      {
        GtkWidget *top = stack->data;

        stack = g_list_delete_link (stack, stack);
        if (GTK_IS_TREE_VIEW (top))
          tree = GTK_TREE_VIEW (top);
        else if (GTK_IS_CONTAINER (top))
          {
            GList *kids = gtk_container_get_children (GTK_CONTAINER (top));

            stack = g_list_concat (stack, kids);
          }
      }
    g_list_free (stack);
  }
  g_assert_nonnull (tree);
  columns = gtk_tree_view_get_columns (tree);
  for (GList *l = columns; l; l = l->next)
    {
      const gchar *title = gtk_tree_view_column_get_title (l->data);


      g_assert_nonnull (title);
      g_assert_cmpstr (title, !=, "");
    }
  g_list_free (columns);
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* The packet log's Meaning, the longest text, gets the room: wider than
 * the Verdict at the window's default size, and in full on hover. */
static void
test_packet_log_columns (void)
{
  KdhWindow *window;
  GtkTreeViewColumn *meaning, *verdict;
  GtkTreeView *tree;

  window = kdh_window_new (NULL);
  gtk_widget_show (GTK_WIDGET (window->packet_log));
  gtk_window_resize (GTK_WINDOW (window), 1100, 720);
  gtk_widget_show (GTK_WIDGET (window));
  kdh_test_wait (never, NULL, 1);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  meaning = find_column (GTK_WIDGET (window->packet_log), "Meaning", &tree);
  verdict = find_column (GTK_WIDGET (window->packet_log), "Verdict", NULL);
  g_test_message ("meaning %d px, verdict %d px", gtk_tree_view_column_get_width (meaning),
                  gtk_tree_view_column_get_width (verdict));
  g_assert_cmpint (gtk_tree_view_column_get_width (meaning), >,
                   gtk_tree_view_column_get_width (verdict));
  /* A long meaning, cut in its column, is the row's hover text. */
  {
    g_autoptr (KdhEvent) event = kdh_event_new (KDH_EVENT_PACKET);
    const gchar *text = "ReadVirtualMemory fffff803`12340000 0x1000 bytes, answered from the cache";

    event->packet_type = 2;
    event->packet_id = 0x80800001;
    event->byte_count = 56;
    event->meaning = g_strdup (text);
    event->verdict = g_strdup ("ok");
    kdh_packet_log_append (window->packet_log, event);
    /* Rows go in once a frame. */
    kdh_test_wait (never, NULL, 1);
    g_assert_cmpint (gtk_tree_view_get_tooltip_column (tree), ==, model_column_of (tree, text));
  }
  gtk_widget_destroy (GTK_WIDGET (window));
}

/* At 800×600 and at 1100×400, with the monitor and the packet log shown,
 * the output keeps the larger part of the window. */
static void
test_small_window_layout (void)
{
  static const gint sizes[][2] = { { 800, 600 }, { 1100, 400 }, { 1100, 720 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      KdhWindow *window = kdh_window_new (NULL);
      GtkAllocation out, log, win;

      gtk_widget_show (GTK_WIDGET (window->packet_log));
      gtk_widget_show (GTK_WIDGET (window->monitor));
      gtk_window_resize (GTK_WINDOW (window), sizes[i][0], sizes[i][1]);
      gtk_widget_show (GTK_WIDGET (window));
      kdh_test_wait (never, NULL, 1);
      gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
      gtk_widget_get_allocation (GTK_WIDGET (window), &win);
      gtk_widget_get_allocation (GTK_WIDGET (window->command_view), &out);
      gtk_widget_get_allocation (GTK_WIDGET (window->packet_log), &log);
      g_test_message ("%dx%d: output %dx%d, packet log %dx%d", win.width, win.height, out.width,
                      out.height, log.width, log.height);
      g_assert_cmpint (out.width, >=, win.width * 65 / 100);
      g_assert_cmpint (out.height, >, log.height);
      /* At the default size the throughput legend is in view, not below
       * the fold of the monitor's scrolled panel (on a serial line, pipe or
       * simulator: KDNET's datagram rows come in addition). */
      if (sizes[i][0] == 1100 && sizes[i][1] == 720)
        {
          GtkWidget *legend = (GtkWidget *) gtk_widget_get_template_child (GTK_WIDGET (window->monitor),
                                                             KDH_TYPE_CONNECTION_MONITOR,
                                                             "legend_label");
          GtkWidget *scrolled = gtk_widget_get_ancestor (legend, GTK_TYPE_SCROLLED_WINDOW);
          GtkWidget *frame = scrolled ? scrolled : GTK_WIDGET (window);
          gint x = 0, y = 0;

          g_assert_true (gtk_widget_get_mapped (legend));
          g_assert_true (gtk_widget_translate_coordinates (legend, frame, 0, 0, &x, &y));
          g_test_message ("legend at y %d..%d of %d", y, y + gtk_widget_get_allocated_height (legend),
                          gtk_widget_get_allocated_height (frame));
          g_assert_cmpint (y, >=, 0);
          /* With room to spare for the menu bar the application adds
           * (this window has no application: about 30 px). */
          g_assert_cmpint (y + gtk_widget_get_allocated_height (legend), <=,
                           gtk_widget_get_allocated_height (frame) - 30);
        }
      gtk_widget_destroy (GTK_WIDGET (window));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("NO_AT_BRIDGE", "1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);
  have_display = kdh_test_gtk_init (&argc, &argv);

  g_test_add_func ("/app/window/word-wrap", test_word_wrap);
  add_display_test ("/app/window/confirm-stop", test_confirm_stop);
  add_display_test ("/app/window/confirm-close", test_confirm_close);
  add_display_test ("/app/window/reconnect", test_reconnect);
  add_display_test ("/app/window/confirm-connect-and-dump", test_confirm_connect_and_dump);
  add_display_test ("/app/window/kernel-debug-dialog", test_kernel_debug_dialog);
  add_display_test ("/app/window/edit-and-cls", test_edit_and_cls);
  add_display_test ("/app/window/copy-wrapped", test_copy_wrapped);
  add_display_test ("/app/window/remote-window", test_remote_window);
  add_display_test ("/app/window/context-and-edit-menu", test_context_menu);
  add_display_test ("/app/window/shortcuts-window", test_shortcuts_window);
  add_display_test ("/app/window/typing-in-output", test_typing_in_output);
  add_display_test ("/app/window/colors-and-cursor", test_colors_and_cursor);
  add_display_test ("/app/window/find", test_find);
  add_display_test ("/app/window/small-window-layout", test_small_window_layout);
  add_display_test ("/app/window/packet-log-columns", test_packet_log_columns);
  add_display_test ("/app/window/packet-log-capture-hint", test_packet_log_capture_hint);
  add_display_test ("/app/window/kernel-connection-items", test_kernel_connection_items);
  add_display_test ("/app/window/icon-from-resource", test_icon_from_resource);
  add_display_test ("/app/window/state-tooltip-and-q", test_state_tooltip_and_q);

  return g_test_run ();
}
