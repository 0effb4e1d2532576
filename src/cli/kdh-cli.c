/* kdh-cli.c: kdhost-cli, the console kernel debugger (KD's role)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A front end of KdhEngine on a terminal or a pipe, on a kernel connection
 * of its own (-k) or on a debugging server's session (-remote), which it
 * can share in turn (-server). Commands come from -c
 * and from standard input; KD's control keys work as in KD: Ctrl+C breaks
 * in, and a line holding only Ctrl+R (resync), Ctrl+B (quit) or Ctrl+D
 * (packet trace) does what KD does with it. On a terminal, lines are
 * edited with Readline (kdh-cli-readline.c) and kept in a history; when
 * standard input is not a terminal, each line waits for the debugger to
 * be ready, so a script runs in order.
 */
#include <glib.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "engine/kdh-engine.h"
#include "commands/kdh-command-line.h"
#include "common/kdh-symbol-setting.h"
#include "kdh-cli-readline.h"
#include "remote/server/kdh-server.h"
#include "transport/kdh-kdnet-setup.h"
#include "sim/kdh-sim-transport.h"

#define KDH_CTRL(c) ((c) & 0x1F)

typedef struct {
  KdhEngine *engine;
  GMainLoop *loop;
  GQueue pending;              /* lines waiting for the prompt */
  gboolean interactive;        /* stdin is a terminal */
  gboolean ready;              /* the engine shows a prompt */
  gchar *prompt;
  guint attach_token;
  GHashTable *server_tokens;   /* the -server commands */
  guint last_token;            /* the last line sent */
  gboolean last_done;
  gboolean input_done;         /* stdin reached EOF */
  gboolean quitting;
  gboolean trace;
  gboolean initial_break;
  gboolean line_open;          /* output did not end with a newline (pipe) */
  gint exit_code;
  GDataInputStream *input;     /* standard input when it is not a terminal */
  GCancellable *cancellable;
  struct termios saved_termios;
  gboolean termios_saved;
} Cli;

static void read_next_line (Cli *cli);

static void
cli_quit (Cli *cli,
          gint exit_code)
{
  if (cli->quitting)
    return;
  cli->quitting = TRUE;
  cli->exit_code = exit_code;
  g_main_loop_quit (cli->loop);
}

static void
write_out (Cli         *cli,
           const gchar *text)
{
  gsize len = strlen (text);

  if (len == 0)
    return;
  if (cli->interactive)
    {
      kdh_cli_readline_print (text);
      return;
    }
  fwrite (text, 1, len, stdout);
  cli->line_open = text[len - 1] != '\n';
  fflush (stdout);
}

/* The debugger waits for a command: not before the attach (or the last
 * line) has finished, since a "kd> " in front of the connection messages
 * would only confuse. */
static gboolean
at_prompt (Cli *cli)
{
  return cli->ready && !cli->quitting && (cli->last_token == 0 || cli->last_done);
}

/* On a terminal the prompt is in front of the line being edited; while the
 * debugger is busy there is none, as in KD, but typing ahead works. */
static void
update_prompt (Cli *cli)
{
  if (cli->interactive)
    kdh_cli_readline_set_prompt (at_prompt (cli) ? cli->prompt : "");
}

/* A line from the user or a script: control lines act at once, others go
 * to the engine. */
static void
run_line (Cli         *cli,
          const gchar *line)
{
  g_autofree gchar *text = g_strdup (line);

  g_strchomp (text);
  if (strcmp (text, "\x12") == 0)          /* Ctrl+R: resync */
    {
      kdh_engine_resync (cli->engine);
      return;
    }
  if (strcmp (text, "\x02") == 0)          /* Ctrl+B: quit */
    {
      cli_quit (cli, 0);
      return;
    }
  if (strcmp (text, "\x04") == 0)          /* Ctrl+D: packet trace */
    {
      cli->trace = !cli->trace;
      kdh_engine_set_trace (cli->engine, cli->trace);
      return;
    }
  if (strcmp (text, "\x0b") == 0)          /* Ctrl+K: initial break (and after a reboot) */
    {
      cli->initial_break = !cli->initial_break;
      kdh_engine_set_initial_break (cli->engine, cli->initial_break);
      return;
    }
  if (strcmp (text, "\x03") == 0)          /* Ctrl+C from a pipe */
    {
      kdh_engine_break (cli->engine);
      return;
    }
  if (g_ascii_strcasecmp (g_strstrip (text), "q") == 0)
    {
      cli_quit (cli, 0);
      return;
    }
  cli->ready = FALSE;
  cli->last_done = FALSE;
  cli->last_token = kdh_engine_execute (cli->engine, text, NULL);
}

static gboolean
is_control_line (const gchar *line)
{
  return line[0] != '\0' && line[1] == '\0'
         && (line[0] == KDH_CTRL ('R') || line[0] == KDH_CTRL ('B') || line[0] == KDH_CTRL ('D')
             || line[0] == KDH_CTRL ('K') || line[0] == KDH_CTRL ('C'));
}

/* Lines wait for the prompt (scripts run in order); control lines don't. */
static void
dispatch_pending (Cli *cli)
{
  while (!cli->quitting && !g_queue_is_empty (&cli->pending))
    {
      g_autofree gchar *line = NULL;
      const gchar *head = g_queue_peek_head (&cli->pending);

      /* The next line waits until the previous one (or the attach) has
         finished and the debugger shows its prompt. */
      if (!is_control_line (head)
          && (!cli->ready || (cli->last_token != 0 && !cli->last_done)))
        break;
      line = g_queue_pop_head (&cli->pending);
      run_line (cli, line);
    }
  if (cli->input_done && g_queue_is_empty (&cli->pending) && (cli->last_token == 0 || cli->last_done))
    cli_quit (cli, cli->exit_code);
}

static void
on_event (KdhEngine      *engine,
          const KdhEvent *event,
          gpointer        data)
{
  Cli *cli = data;

  switch (event->kind)
    {
    case KDH_EVENT_OUTPUT:
      /* The engine echoes every command; on a terminal the user's own
       * typing is already there. Others' commands say whose they are. */
      if (event->output_kind == KDH_OUTPUT_ECHO && event->origin == NULL && cli->interactive)
        break;
      /* In one piece: on a terminal the line being edited is drawn again
       * after each piece. */
      if (event->output_kind == KDH_OUTPUT_ECHO && event->origin != NULL)
        {
          g_autofree gchar *text = g_strdup_printf ("[%s] %s", event->origin, event->text);

          write_out (cli, text);
        }
      else
        write_out (cli, event->text);
      break;

    case KDH_EVENT_PACKET:
      if (cli->trace)
        write_out (cli, event->text);
      break;

    case KDH_EVENT_PROMPT:
      g_free (cli->prompt);
      cli->prompt = g_strdup (event->prompt);
      cli->ready = event->ready;
      update_prompt (cli);
      dispatch_pending (cli);
      break;

    case KDH_EVENT_COMMAND_DONE:
      if (event->token == cli->attach_token && !event->success && !cli->interactive)
        {
          cli_quit (cli, 1);
          break;
        }
      /* A server that did not start is worth a failed exit, not more. */
      if (!event->success && g_hash_table_contains (cli->server_tokens,
                                                    GUINT_TO_POINTER (event->token)))
        cli->exit_code = 1;
      if (event->token == cli->last_token)
        {
          cli->last_done = TRUE;
          if (!event->success)
            cli->exit_code = 1;
          update_prompt (cli);
          dispatch_pending (cli);
        }
      break;

    case KDH_EVENT_STATE:
    case KDH_EVENT_STATS:
    default:
      break;
    }
}

/* A line from a pipe: queued behind the ones before it. */
static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Cli *cli = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, &error);

  if (line == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (error)
        g_printerr ("kdhost-cli: reading standard input: %s\n", error->message);
      cli->input_done = TRUE;
      dispatch_pending (cli);
      return;
    }
  g_queue_push_tail (&cli->pending, g_steal_pointer (&line));
  dispatch_pending (cli);
  read_next_line (cli);
}

static void
read_next_line (Cli *cli)
{
  if (cli->quitting)
    return;
  g_data_input_stream_read_line_async (cli->input, G_PRIORITY_DEFAULT, cli->cancellable, on_line,
                                       cli);
}

/* A line from the terminal: a person at the keyboard, so now, not queued
 * (the engine queues commands typed ahead itself). NULL: the terminal is
 * gone. */
static void
on_terminal_line (const gchar *line,
                  gpointer     data)
{
  Cli *cli = data;

  if (line == NULL)
    {
      cli->input_done = TRUE;
      dispatch_pending (cli);
      return;
    }
  run_line (cli, line);
  update_prompt (cli);
}

static gboolean
on_sigint (gpointer data)
{
  Cli *cli = data;
  gboolean discard_line = at_prompt (cli);

  kdh_engine_break (cli->engine);
  /* At the prompt Ctrl+C drops the line being typed, as a shell does;
   * while the target runs it is aimed at the target, and a line typed
   * ahead stays. */
  if (cli->interactive)
    kdh_cli_readline_interrupt (discard_line);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer data)
{
  cli_quit (data, 0);
  return G_SOURCE_CONTINUE;
}

/* KD reads Ctrl+R and Ctrl+D as part of a line, so the terminal must not
 * take them for reprint and end-of-file; Ctrl+C stays a signal. Readline
 * starts from these settings and goes back to them between lines. */
static void
setup_terminal (Cli *cli)
{
  struct termios t;

  if (tcgetattr (STDIN_FILENO, &t) != 0)
    return;
  cli->saved_termios = t;
  cli->termios_saved = TRUE;
#ifdef VREPRINT
  t.c_cc[VREPRINT] = _POSIX_VDISABLE;
#endif
  t.c_cc[VEOF] = _POSIX_VDISABLE;
#ifdef VDISCARD
  t.c_cc[VDISCARD] = _POSIX_VDISABLE;
#endif
  tcsetattr (STDIN_FILENO, TCSANOW, &t);
}

static void
restore_terminal (Cli *cli)
{
  if (cli->termios_saved)
    tcsetattr (STDIN_FILENO, TCSANOW, &cli->saved_termios);
}

/* KD's -kl (local kernel debugging) before the options are parsed, where
 * GOption would read it as -k with a missing argument. */
static gboolean
asks_for_local_kernel (gchar **args)
{
  for (guint i = 1; args[i]; i++)
    {
      if (strcmp (args[i], "--") == 0)
        return FALSE;
      if (strcmp (args[i], "-kl") == 0)
        return TRUE;
    }
  return FALSE;
}

static void
explain_local_kernel (void)
{
  g_printerr ("%s", _("kdhost-cli: -kl is KD's local kernel debugging: it debugs the Windows "
                      "kernel that the\n"
                      "debugger itself runs on. On Linux there is no local Windows kernel to "
                      "debug.\n"
                      "\n"
                      "Debug Windows in a virtual machine instead. In the guest, as "
                      "administrator:\n"
                      "  bcdedit /debug on\n"
                      "  bcdedit /dbgsettings serial debugport:1 baudrate:115200\n"
                      "then give the VM a serial port and attach to it, e.g. with QEMU:\n"
                      "  qemu-system-x86_64 ... -serial unix:/tmp/win.sock,server,nowait\n"
                      "  kdhost-cli -k com:pipe,port=/tmp/win.sock,reconnect\n"
                      "or\n"
                      "  qemu-system-x86_64 ... -serial tcp::4445,server,nowait\n"
                      "  kdhost-cli -k com:ipport=4445,port=127.0.0.1\n"
                      "(README: \"Setting up a VM\"). kdhost-cli -k sim: debugs a simulated "
                      "target.\n"));
}

/* WinDbg spells -remote and -server with one dash; GOption wants two. */
static void
accept_windbg_options (gchar **args)
{
  static const gchar *const names[] = { "-remote", "-server" };

  for (guint i = 1; args[i]; i++)
    {
      if (strcmp (args[i], "--") == 0)
        return;
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        {
          gsize len = strlen (names[n]);

          if (strncmp (args[i], names[n], len) == 0
              && (args[i][len] == '\0' || args[i][len] == '='))
            {
              gchar *two = g_strconcat ("-", args[i], NULL);

              g_free (args[i]);
              args[i] = two;
            }
        }
    }
}

/* --kdnet-key: a key, and what to do with it on both machines. */
static int
print_kdnet_key (const gchar *connection)
{
  g_autoptr (KdhConnectionString) cs = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *text = NULL;
  guint16 port = KDH_KDNET_DEFAULT_PORT;

  if (connection)
    {
      cs = kdh_connection_string_parse (connection, &error);
      if (cs == NULL || cs->kind != KDH_TRANSPORT_NET)
        {
          g_printerr ("kdhost-cli: %s\n", cs == NULL ? error->message
                      : _("--kdnet-key takes its port from a net: connection string"));
          return 2;
        }
      port = cs->tcp_port;
    }
  key = kdh_kdnet_setup_new_key ();
  text = kdh_kdnet_setup_instructions (key, port);
  g_print ("%s", text);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *connection = NULL;
  g_autofree gchar *remote = NULL;
  g_autofree gchar *dump = NULL;
  g_auto (GStrv) servers = NULL;
  g_auto (GStrv) args = NULL;
  g_autofree gchar *commands = NULL;
  gboolean no_initial_break = FALSE;
  gboolean trace = FALSE;
  gboolean version = FALSE;
  gboolean kdnet_key = FALSE;
  GOptionEntry entries[] = {
    { "kernel", 'k', 0, G_OPTION_ARG_STRING, &connection,
      N_("Kernel connection, e.g. com:pipe,port=/run/vm.sock or sim:"), N_("CONNECTION") },
    { "dump", 'z', 0, G_OPTION_ARG_FILENAME, &dump,
      N_("Open a kernel crash dump file"), N_("FILE") },
    { "remote", 0, 0, G_OPTION_ARG_STRING, &remote,
      N_("Join a debugging server's session, e.g. tcp:Port=5005,Server=HOST (also -remote)"),
      N_("STRING") },
    { "server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &servers,
      N_("Share this session as a debugging server, e.g. tcp:port=5005 (also -server; "
         "repeatable)"), N_("STRING") },
    { "command", 'c', 0, G_OPTION_ARG_STRING, &commands,
      N_("Commands to run first, separated by ';'"), N_("COMMANDS") },
    { "no-initial-break", 'n', 0, G_OPTION_ARG_NONE, &no_initial_break,
      N_("Leave the target running once connected and after it reboots"), NULL },
    { "trace", 'd', 0, G_OPTION_ARG_NONE, &trace, N_("Show every packet (as Ctrl+D)"), NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "kdnet-key", 0, 0, G_OPTION_ARG_NONE, &kdnet_key,
      N_("Print a new KDNET key and how to set a target up with it (the port of -k net:, "
         "or 50000), and exit"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) stdin_stream = NULL;
  Cli cli = { 0 };
  KdhServerSet *server_set;

  setlocale (LC_ALL, "");
  /* The settings' symbol path, passed to the engine as _NT_SYMBOL_PATH;
   * first, before any thread. */
  g_free (kdh_symbol_setting_apply ());
  kdh_sim_transport_register ();
  context = g_option_context_new (_("- console kernel debugger for Windows targets"));
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    _("Control keys as in KD: Ctrl+C breaks in; Ctrl+R then Enter resynchronizes;\n"
      "Ctrl+D then Enter toggles the packet trace; Ctrl+K then Enter toggles the initial\n"
      "break (on connecting and after a reboot); Ctrl+B then Enter (or q) quits.\n"));
  args = g_strdupv (argv);
  if (asks_for_local_kernel (args))
    {
      explain_local_kernel ();
      return 2;
    }
  accept_windbg_options (args);
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      g_printerr ("kdhost-cli: %s\n", error->message);
      return 2;
    }
  if ((connection != NULL) + (remote != NULL) + (dump != NULL) > 1)
    {
      g_printerr ("kdhost-cli: %s\n", _("-k, -z and -remote cannot be used together"));
      return 2;
    }
  if (version)
    {
      g_print ("kdhost-cli %s\n", KDH_VERSION);
      return 0;
    }
  if (kdnet_key)
    return print_kdnet_key (connection);

  g_queue_init (&cli.pending);
  cli.loop = g_main_loop_new (NULL, FALSE);
  /* Readline draws on standard output: with that a pipe or a file (a log),
   * lines typed at the terminal are read as a script's are, echoed after
   * the prompt in the output. */
  cli.interactive = isatty (STDIN_FILENO) && isatty (STDOUT_FILENO);
  cli.trace = trace;
  cli.initial_break = !no_initial_break;
  cli.prompt = g_strdup ("kd> ");
  cli.cancellable = g_cancellable_new ();
  cli.server_tokens = g_hash_table_new (NULL, NULL);
  cli.engine = kdh_engine_new (NULL, on_event, &cli);
  server_set = kdh_server_set_new (cli.engine);
  if (no_initial_break)
    kdh_engine_set_initial_break (cli.engine, FALSE);
  if (trace)
    kdh_engine_set_trace (cli.engine, TRUE);

  /* Split as the engine splits a line (not inside quotes), each part a
   * line of its own, so that each is echoed and waited for. */
  if (commands)
    {
      g_autoptr (GPtrArray) parts = kdh_command_line_split (commands);

      for (guint i = 0; i < parts->len; i++)
        {
          const gchar *part = g_ptr_array_index (parts, i);

          if (*part != '\0')
            g_queue_push_tail (&cli.pending, g_strdup (part));
        }
    }
  /* Servers first, as KD starts them: clients can join while the kernel
   * connection is still being made. */
  for (guint i = 0; servers && servers[i]; i++)
    {
      g_autofree gchar *line = g_strdup_printf (".server %s", servers[i]);

      g_hash_table_add (cli.server_tokens,
                        GUINT_TO_POINTER (kdh_engine_execute (cli.engine, line, NULL)));
    }
  if (connection)
    cli.last_token = cli.attach_token = kdh_engine_attach (cli.engine, connection);
  else if (remote)
    cli.last_token = cli.attach_token = kdh_engine_connect_remote (cli.engine, remote);
  else if (dump)
    cli.last_token = cli.attach_token = kdh_engine_open_dump (cli.engine, dump);
  else if (servers == NULL)
    g_print ("%s", _("No kernel connection given (-k CONNECTION, or -remote STRING for a "
                     "debugging server's session); try -k sim: for the simulated target.\n"));

  if (isatty (STDIN_FILENO))
    setup_terminal (&cli);
  if (cli.interactive)
    {
      g_autofree gchar *history = kdh_cli_history_path ();

      kdh_cli_readline_start (history, on_terminal_line, &cli);
    }
  else
    {
      stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      cli.input = g_data_input_stream_new (stdin_stream);
      read_next_line (&cli);
    }
  g_unix_signal_add (SIGINT, on_sigint, &cli);
  g_unix_signal_add (SIGTERM, on_sigterm, &cli);
  g_unix_signal_add (SIGHUP, on_sigterm, &cli);

  g_main_loop_run (cli.loop);

  g_cancellable_cancel (cli.cancellable);
  kdh_cli_readline_stop ();
  restore_terminal (&cli);
  kdh_server_set_free (server_set);
  kdh_engine_free (cli.engine);
  if (cli.line_open)
    write_out (&cli, "\n");
  g_queue_clear_full (&cli.pending, g_free);
  g_hash_table_unref (cli.server_tokens);
  g_clear_object (&cli.input);
  g_clear_object (&cli.cancellable);
  g_main_loop_unref (cli.loop);
  g_free (cli.prompt);
  return cli.exit_code;
}
