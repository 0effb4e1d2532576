/* kdh-cli-readline.c: kdhost-cli's line editor on a terminal (GNU Readline)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Readline owns the line being typed, our code owns everything above it.
 * Output hides the line (rl_clear_visible_line), is written, and the line
 * is drawn again below it, so target output never lands inside what the
 * user is typing. While the debugger is busy the prompt is empty and the
 * line is only drawn once something has been typed ahead, so that output
 * arriving in pieces stays on one screen line.
 */
#include "kdh-cli-readline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <readline/history.h>
#include <readline/readline.h>

#define KDH_CTRL(c) ((c) & 0x1F)

typedef struct {
  gboolean started;
  KdhCliLineFunc on_line;
  gpointer data;
  guint stdin_watch;
  guint winch_watch;
  gchar *prompt;
  gchar *history_path;         /* NULL: history not kept across runs */
  gboolean history_failed;     /* said once that it could not be saved */
  gboolean shown;              /* prompt and line are drawn on the screen */
  gboolean line_open;          /* our output did not end with a newline */
  gboolean in_handler;         /* inside Readline's line handler */
  gboolean ctrl_d_inserted;    /* the Ctrl+D being read is already in the line */
  gboolean at_eof;
} Editor;

static Editor editor;

/* ---- History ------------------------------------------------------------ */

gchar *
kdh_cli_history_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "kdhost", "history", NULL);
}

static void
history_load (const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  int fd;
  int err;

  using_history ();
  stifle_history (KDH_CLI_HISTORY_MAX);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_printerr (_("kdhost-cli: cannot create %s (%s); the command history is not kept\n"),
                  dir, g_strerror (errno));
      return;
    }
  /* append_history() does not create the file; private like a shell's. */
  fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_printerr (_("kdhost-cli: cannot open %s (%s); the command history is not kept\n"),
                  path, g_strerror (errno));
      return;
    }
  close (fd);
  err = read_history (path);
  if (err != 0)
    {
      g_printerr (_("kdhost-cli: cannot read %s (%s); the command history is not kept\n"),
                  path, g_strerror (err));
      return;
    }
  editor.history_path = g_strdup (path);
}

/* Not KD's control keys (nor lines holding one), not empty lines (Enter
 * repeats the last command anyway), not the quit command, and not the
 * same line twice in a row. */
static gboolean
worth_remembering (const gchar *line)
{
  HIST_ENTRY *last;

  if (*line == '\0' || g_ascii_strcasecmp (line, "q") == 0)
    return FALSE;
  for (const gchar *p = line; *p; p++)
    if (((guchar) *p < 0x20 && *p != '\t') || *p == 0x7f)
      return FALSE;
  last = history_get (history_base + history_length - 1);
  return last == NULL || strcmp (last->line, line) != 0;
}

static void
history_remember (const gchar *typed)
{
  g_autofree gchar *line = g_strstrip (g_strdup (typed));
  int err;

  if (!worth_remembering (line))
    return;
  add_history (line);
  if (editor.history_path == NULL)
    return;
  /* Each line at once: a session that is killed keeps its history, and
   * two sessions at a time both add theirs. */
  err = append_history (1, editor.history_path);
  if (err == 0)
    err = history_truncate_file (editor.history_path, KDH_CLI_HISTORY_MAX);
  if (err != 0 && !editor.history_failed)
    {
      editor.history_failed = TRUE;
      /* Between lines, at the start of a fresh screen line. */
      g_printerr (_("kdhost-cli: cannot save the command history in %s: %s\n"),
                  editor.history_path, g_strerror (err));
    }
}

/* ---- Drawing ------------------------------------------------------------ */

static gboolean
has_visible_content (void)
{
  return rl_end > 0 || (editor.prompt != NULL && editor.prompt[0] != '\0');
}

static void
show (void)
{
  if (editor.shown)
    return;
  if (editor.line_open)
    {
      fputc ('\n', stdout);
      editor.line_open = FALSE;
    }
  rl_on_new_line ();
  rl_redisplay ();
  editor.shown = TRUE;
}

static void
hide (void)
{
  if (!editor.shown)
    return;
  /* Leaves the cursor at the start of the prompt's first screen line. */
  rl_clear_visible_line ();
  editor.shown = FALSE;
}

void
kdh_cli_readline_print (const gchar *text)
{
  gsize len = strlen (text);

  if (len == 0)
    return;
  if (!editor.started)
    {
      fwrite (text, 1, len, stdout);
      fflush (stdout);
      return;
    }
  /* In the line handler Readline has just ended the line; it draws the
   * next prompt itself once the handler returns. */
  if (!editor.in_handler)
    hide ();
  fwrite (text, 1, len, stdout);
  editor.line_open = text[len - 1] != '\n';
  if (!editor.in_handler && has_visible_content ())
    show ();
  fflush (stdout);
}

void
kdh_cli_readline_set_prompt (const gchar *prompt)
{
  if (g_strcmp0 (editor.prompt, prompt) == 0)
    return;
  g_free (editor.prompt);
  editor.prompt = g_strdup (prompt);
  if (!editor.started)
    return;
  if (editor.in_handler)
    {
      rl_set_prompt (prompt);
      return;
    }
  hide ();
  rl_set_prompt (prompt);
  if (has_visible_content ())
    show ();
  fflush (stdout);
}

void
kdh_cli_readline_interrupt (gboolean discard_line)
{
  if (!editor.started)
    return;
  /* Any search, numeric argument or key sequence under way ends here. */
  rl_callback_sigcleanup ();
  if (discard_line && rl_end > 0)
    {
      show ();
      rl_point = rl_end;
      rl_redisplay ();
      fputs ("^C", stdout);
      rl_crlf ();
      rl_free_line_state ();
      rl_replace_line ("", 1);
      rl_point = rl_mark = 0;
      using_history ();          /* Up starts from the newest line again */
      editor.shown = FALSE;
    }
  else
    hide ();                     /* redrawn below: a search had its own prompt */
  if (has_visible_content ())
    show ();
  fflush (stdout);
}

/* ---- Keys --------------------------------------------------------------- */

/* Readline takes Ctrl+D on an empty line for end of file, before any key
 * binding is consulted; in KD it is the packet trace switch, typed before
 * Enter. So a Ctrl+D read as a command key on an empty line goes into the
 * line here, and its binding (insert_ctrl_d) then skips that one. */
static int
getc_keeping_ctrl_d (FILE *stream)
{
  int c = rl_getc (stream);

  editor.ctrl_d_inserted = FALSE;
  if (c == KDH_CTRL ('D') && rl_end == 0 && RL_ISSTATE (RL_STATE_READCMD))
    {
      rl_insert_text ("\x04");
      editor.ctrl_d_inserted = TRUE;
    }
  return c;
}

static int
insert_ctrl_d (int count,
               int key)
{
  if (editor.ctrl_d_inserted)
    {
      editor.ctrl_d_inserted = FALSE;
      count--;
    }
  return count > 0 ? rl_insert (count, key) : 0;
}

static void
bind_keys (void)
{
  static const gchar *const maps[] = { "emacs", "vi-insert" };

  for (guint i = 0; i < G_N_ELEMENTS (maps); i++)
    {
      Keymap map = rl_get_keymap_by_name (maps[i]);

      if (map == NULL)
        continue;
      /* KD's keys are characters of the line, acted on at Enter: not
       * reverse search, backward-char, delete-char and kill-line. */
      rl_bind_key_in_map (KDH_CTRL ('R'), rl_insert, map);
      rl_bind_key_in_map (KDH_CTRL ('B'), rl_insert, map);
      rl_bind_key_in_map (KDH_CTRL ('K'), rl_insert, map);
      rl_bind_key_in_map (KDH_CTRL ('D'), insert_ctrl_d, map);
      /* File names mean nothing to the debugger's commands. */
      rl_bind_key_in_map ('\t', rl_insert, map);
    }
}

/* ---- Input -------------------------------------------------------------- */

static void
on_readline_line (char *line)
{
  editor.in_handler = TRUE;
  if (line != NULL)
    history_remember (line);
  else
    editor.at_eof = TRUE;
  editor.on_line (line, editor.data);
  editor.in_handler = FALSE;
  /* Readline draws the next prompt once this returns. */
  editor.shown = TRUE;
  free (line);
}

static gboolean
on_stdin (gint         fd,
          GIOCondition condition,
          gpointer     data)
{
  if (!(condition & G_IO_IN))
    {
      /* Hung up, nothing left to read. */
      editor.stdin_watch = 0;
      on_readline_line (NULL);
      return G_SOURCE_REMOVE;
    }
  /* A key: the line goes back on the screen (below output that did not
   * end its line) before Readline acts on it. */
  show ();
  rl_callback_read_char ();
  if (editor.at_eof)
    {
      editor.stdin_watch = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigwinch (gpointer data)
{
  /* Redrawing now would wipe output that has not ended its line. */
  if (editor.shown)
    rl_resize_terminal ();
  else
    rl_reset_screen_size ();
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

void
kdh_cli_readline_start (const gchar   *history_path,
                        KdhCliLineFunc on_line,
                        gpointer       data)
{
  g_return_if_fail (!editor.started);

  editor.on_line = on_line;
  editor.data = data;
  rl_readline_name = "kdhost";     /* for $if kdhost in ~/.inputrc */
  rl_instream = stdin;
  rl_outstream = stdout;
  /* SIGINT is the caller's (break-in); window size changes come through
   * the main loop. */
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_change_environment = 0;
  rl_initialize ();                /* reads ~/.inputrc: our keys come after */
  bind_keys ();
  /* Pasted commands run one by one, as if typed, as in KD. */
  rl_variable_bind ("enable-bracketed-paste", "off");
  rl_getc_function = getc_keeping_ctrl_d;
  if (history_path != NULL)
    history_load (history_path);
  if (editor.prompt == NULL)
    editor.prompt = g_strdup ("");
  rl_callback_handler_install (editor.prompt, on_readline_line);
  editor.shown = TRUE;
  editor.started = TRUE;
  editor.stdin_watch = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin,
                                      NULL);
  editor.winch_watch = g_unix_signal_add (SIGWINCH, on_sigwinch, NULL);
  fflush (stdout);
}

void
kdh_cli_readline_stop (void)
{
  if (!editor.started)
    return;
  if (editor.stdin_watch != 0)
    g_source_remove (editor.stdin_watch);
  g_source_remove (editor.winch_watch);
  /* The cursor goes below whatever is left on the screen. */
  if ((editor.shown && has_visible_content ()) || (!editor.shown && editor.line_open))
    {
      rl_point = rl_end;
      if (editor.shown)
        rl_redisplay ();
      fputc ('\n', stdout);
    }
  rl_callback_handler_remove ();
  rl_getc_function = rl_getc;
  clear_history ();
  g_clear_pointer (&editor.prompt, g_free);
  g_clear_pointer (&editor.history_path, g_free);
  fflush (stdout);
  memset (&editor, 0, sizeof editor);
}
