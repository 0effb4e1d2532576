/* test-connect-dialog.c: the File > Kernel Debug... dialog, driven through its widgets
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Needs a display (run under xvfb-run; every test skips without one) and
 * the compiled org.kdhost.Kdhost schema: GSETTINGS_SCHEMA_DIR, or
 * KDH_BUILD_DIR/data as CTest sets it. Settings live in a private memory
 * backend per test. With KDH_TEST_ARTIFACTS set, /app/connect-dialog/screenshots
 * saves a PNG of every tab there.
 */
#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <gtk/gtk.h>
#include <libserialport.h>

#include "app/kdh-connect-dialog-private.h"
#include "kdh-test-proc.h"
#include "transport/kdh-connection-string.h"

#define WAIT_TIMEOUT_US (10 * G_USEC_PER_SEC)

static gboolean have_display;

typedef struct {
  GSettings        *settings;
  KdhConnectDialog *dialog;
  guint             n_responses;
  gint              last_response;
} Fixture;

/* Runs the main context until @cond holds, for at most WAIT_TIMEOUT_US. */
#define WAIT_UNTIL(cond)                                                  \
  G_STMT_START {                                                          \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_TIMEOUT_US;         \
    while (!(cond) && g_get_monotonic_time () < deadline_)                \
      g_main_context_iteration (NULL, FALSE);                             \
    g_assert_true (cond);                                                 \
  } G_STMT_END

static void
spin_main_loop (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static GSettingsSchema *
lookup_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  GSettingsSchema *schema = NULL;
  const gchar *build_dir;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "org.kdhost.Kdhost", TRUE);

  build_dir = g_getenv ("KDH_BUILD_DIR");
  if (schema == NULL && build_dir != NULL)
    {
      g_autofree gchar *dir = g_build_filename (build_dir, "data", NULL);
      GSettingsSchemaSource *own;

      own = g_settings_schema_source_new_from_directory (dir, source, FALSE, NULL);
      if (own != NULL)
        {
          schema = g_settings_schema_source_lookup (own, "org.kdhost.Kdhost", TRUE);
          g_settings_schema_source_unref (own);
        }
    }

  return schema;
}

static GSettings *
new_settings (void)
{
  g_autoptr(GSettingsSchema) schema = lookup_schema ();
  g_autoptr(GSettingsBackend) backend = NULL;

  if (schema == NULL)
    return NULL;

  backend = g_memory_settings_backend_new ();
  return g_settings_new_full (schema, backend, NULL);
}

static void
on_response (GtkDialog *dialog,
             gint       response,
             Fixture   *f)
{
  f->n_responses++;
  f->last_response = response;
}

static KdhConnectDialog *
fixture_new_dialog (Fixture *f)
{
  KdhConnectDialog *dialog;

  dialog = KDH_CONNECT_DIALOG (kdh_connect_dialog_new (NULL, f->settings));
  g_object_ref (dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), f);
  /* Let the port listing land first, so that it cannot race the test. */
  WAIT_UNTIL (!_kdh_connect_dialog_is_listing_ports (dialog));

  return dialog;
}

static gboolean
weak_ref_is_clear (GWeakRef *ref)
{
  GObject *object = g_weak_ref_get (ref);

  if (object == NULL)
    return TRUE;
  g_object_unref (object);
  return FALSE;
}

/* Destroys the dialog and checks that it is finalized: nothing (a port
 * listing, a settings handler) keeps it alive. GWeakRef rather than a weak
 * pointer, which destroy (run_dispose) would clear at once. */
static void
fixture_destroy_dialog (KdhConnectDialog **dialog)
{
  KdhConnectDialog *d = g_steal_pointer (dialog);
  GWeakRef ref;

  if (d == NULL)
    return;

  g_weak_ref_init (&ref, d);
  gtk_widget_destroy (GTK_WIDGET (d));
  g_object_unref (d);
  WAIT_UNTIL (weak_ref_is_clear (&ref));
  g_weak_ref_clear (&ref);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!have_display)
    return;

  f->settings = new_settings ();
  if (f->settings == NULL)
    return;

  f->dialog = fixture_new_dialog (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_destroy_dialog (&f->dialog);
  g_clear_object (&f->settings);
}

#define REQUIRE_DIALOG(f)                                                          \
  G_STMT_START {                                                                   \
    if (!have_display)                                                             \
      {                                                                            \
        g_test_skip ("no display (run under xvfb-run)");                           \
        return;                                                                    \
      }                                                                            \
    if ((f)->settings == NULL)                                                     \
      {                                                                            \
        g_test_fail_printf ("schema org.kdhost.Kdhost not found: set "             \
                            "GSETTINGS_SCHEMA_DIR to a directory with the "        \
                            "compiled schema");                                    \
        return;                                                                    \
      }                                                                            \
  } G_STMT_END

static GtkWidget *
child (Fixture     *f,
       const gchar *name)
{
  GtkWidget *widget = _kdh_connect_dialog_get_child (f->dialog, name);

  g_assert_nonnull (widget);
  return widget;
}

static gboolean
connect_sensitive (Fixture *f)
{
  GtkWidget *button;

  button = gtk_dialog_get_widget_for_response (GTK_DIALOG (f->dialog), GTK_RESPONSE_ACCEPT);
  g_assert_nonnull (button);
  return gtk_widget_get_sensitive (button);
}

static gboolean
has_class (GtkWidget   *widget,
           const gchar *name)
{
  return gtk_style_context_has_class (gtk_widget_get_style_context (widget), name);
}

/* The current tab builds @expected: build_connection() returns it, the
 * preview shows it, there is no message, and Connect is sensitive. */
static void
assert_builds (Fixture     *f,
               const gchar *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *built = NULL;

  built = kdh_connect_dialog_build_connection (f->dialog, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (built, ==, expected);
  g_assert_cmpstr (_kdh_connect_dialog_get_preview (f->dialog), ==, expected);
  g_assert_cmpstr (_kdh_connect_dialog_get_message (f->dialog), ==, "");
  g_assert_true (gtk_widget_get_visible (child (f, "preview_label")));
  g_assert_false (gtk_widget_get_visible (child (f, "message_label")));
  g_assert_false (_kdh_connect_dialog_message_is_error (f->dialog));
  g_assert_false (has_class (child (f, "message_label"), "error"));
  g_assert_true (connect_sensitive (f));
}

/* The current tab cannot build a string: NULL with @code, the message
 * shown (as an error or as a hint), and Connect insensitive. */
static void
assert_fails (Fixture                  *f,
              KdhConnectionStringError  code,
              gboolean                  is_error)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *built = NULL;

  built = kdh_connect_dialog_build_connection (f->dialog, &error);
  g_assert_null (built);
  g_assert_error (error, KDH_CONNECTION_STRING_ERROR, (gint) code);
  g_assert_cmpstr (_kdh_connect_dialog_get_message (f->dialog), ==, error->message);
  g_assert_true (gtk_widget_get_visible (child (f, "message_label")));
  g_assert_true (_kdh_connect_dialog_message_is_error (f->dialog) == is_error);
  g_assert_true (has_class (child (f, "message_label"), "error") == is_error);
  g_assert_false (connect_sensitive (f));
}

static void
set_page (Fixture     *f,
          const gchar *page)
{
  _kdh_connect_dialog_set_page (f->dialog, page);
  g_assert_cmpstr (_kdh_connect_dialog_get_page (f->dialog), ==, page);
}

static void
set_text (Fixture     *f,
          const gchar *name,
          const gchar *text)
{
  gtk_entry_set_text (GTK_ENTRY (child (f, name)), text);
}

static void
set_active (Fixture     *f,
            const gchar *name,
            gboolean     active)
{
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (f, name)), active);
}

static void
set_value (Fixture     *f,
           const gchar *name,
           gdouble      value)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (f, name)), value);
}

static gboolean
get_active (Fixture     *f,
            const gchar *name)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (child (f, name)));
}

static gchar **
get_recent (Fixture *f)
{
  return g_settings_get_strv (f->settings, "recent-connections");
}

/* Tests ------------------------------------------------------------------ */

static void
test_serial (Fixture       *f,
             gconstpointer  data)
{
  struct sp_port **ports = NULL;
  GtkComboBox *port_combo;
  guint n_ports = 0;

  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_SERIAL);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (child (f, "serial_baud_entry"))), ==, "115200");

  /* The list holds what libserialport finds, one row per port. */
  if (sp_list_ports (&ports) == SP_OK)
    {
      while (ports[n_ports] != NULL)
        n_ports++;
      sp_free_port_list (ports);
    }
  port_combo = GTK_COMBO_BOX (child (f, "serial_port_combo"));
  g_assert_cmpint (gtk_tree_model_iter_n_children (gtk_combo_box_get_model (port_combo), NULL),
                   ==, n_ports);

  set_text (f, "serial_port_entry", "/dev/ttyS1");
  assert_builds (f, "com:port=/dev/ttyS1,baud=115200");

  g_assert_true (gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (f, "serial_baud_combo")),
                                              "57600"));
  assert_builds (f, "com:port=/dev/ttyS1,baud=57600");

  /* The baud combo takes rates that are not in its list... */
  set_text (f, "serial_baud_entry", "14400");
  assert_builds (f, "com:port=/dev/ttyS1,baud=14400");

  /* ...and the parser judges them. */
  set_text (f, "serial_baud_entry", "fast");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, TRUE);
  g_assert_true (g_str_has_prefix (_kdh_connect_dialog_get_message (f->dialog),
                                   "bad baud rate 'fast'"));
  g_assert_cmpstr (_kdh_connect_dialog_get_preview (f->dialog), ==,
                   "com:port=/dev/ttyS1,baud=fast");

  g_assert_true (gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (f, "serial_baud_combo")),
                                              "57600"));

  /* A pseudo-terminal is typed in. */
  set_text (f, "serial_port_entry", "/dev/pts/3");
  assert_builds (f, "com:port=/dev/pts/3,baud=57600");

  /* Nothing chosen is a hint, not an error. */
  set_text (f, "serial_port_entry", "");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_MISSING, FALSE);
  g_assert_cmpstr (_kdh_connect_dialog_get_preview (f->dialog), ==, "");
  g_assert_false (gtk_widget_get_visible (child (f, "preview_label")));

  /* Refresh lists the ports again and keeps what was typed. */
  set_text (f, "serial_port_entry", "/dev/ttyS1");
  gtk_button_clicked (GTK_BUTTON (child (f, "serial_refresh_button")));
  g_assert_true (_kdh_connect_dialog_is_listing_ports (f->dialog));
  g_assert_false (gtk_widget_get_sensitive (child (f, "serial_refresh_button")));
  WAIT_UNTIL (!_kdh_connect_dialog_is_listing_ports (f->dialog));
  g_assert_true (gtk_widget_get_sensitive (child (f, "serial_refresh_button")));
  g_assert_cmpint (gtk_tree_model_iter_n_children (gtk_combo_box_get_model (port_combo), NULL),
                   ==, n_ports);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (child (f, "serial_port_entry"))), ==,
                   "/dev/ttyS1");
  assert_builds (f, "com:port=/dev/ttyS1,baud=57600");

  /* A USB adapter that may be unplugged: reopen it when it comes back. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (f, "serial_reconnect_check")), TRUE);
  assert_builds (f, "com:port=/dev/ttyS1,baud=57600,reconnect");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (f, "serial_reconnect_check")), FALSE);
  assert_builds (f, "com:port=/dev/ttyS1,baud=57600");
}

static void
test_pipe (Fixture       *f,
           gconstpointer  data)
{
  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_PIPE);

  /* Both checks start on. */
  g_assert_true (get_active (f, "pipe_reconnect_check"));
  g_assert_true (get_active (f, "pipe_resets_check"));
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_MISSING, FALSE);

  set_text (f, "pipe_path_entry", "/run/user/1000/vm-com1.sock");
  assert_builds (f, "com:pipe,port=/run/user/1000/vm-com1.sock,reconnect");

  set_active (f, "pipe_resets_check", FALSE);
  assert_builds (f, "com:pipe,port=/run/user/1000/vm-com1.sock,resets=0,reconnect");

  set_active (f, "pipe_reconnect_check", FALSE);
  assert_builds (f, "com:pipe,port=/run/user/1000/vm-com1.sock,resets=0");

  set_active (f, "pipe_resets_check", TRUE);
  assert_builds (f, "com:pipe,port=/run/user/1000/vm-com1.sock");

  /* A ',' cannot be carried in a connection string. */
  set_text (f, "pipe_path_entry", "/tmp/a,b.sock");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, TRUE);
  g_assert_nonnull (strstr (_kdh_connect_dialog_get_message (f->dialog), "/tmp/a,b.sock"));

  /* Surrounding blanks are not part of a path. */
  set_text (f, "pipe_path_entry", "  /tmp/vm.sock ");
  assert_builds (f, "com:pipe,port=/tmp/vm.sock");
}

static void
test_tcp (Fixture       *f,
          gconstpointer  data)
{
  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_TCP);
  assert_builds (f, "com:ipport=4445,port=127.0.0.1");
  g_assert_true (gtk_widget_get_sensitive (child (f, "tcp_host_entry")));

  set_text (f, "tcp_host_entry", "vmhost.example.org");
  set_value (f, "tcp_port_spin", 5005);
  assert_builds (f, "com:ipport=5005,port=vmhost.example.org");

  /* The preview follows a port number as it is typed, before Enter. */
  set_text (f, "tcp_port_spin", "6000");
  assert_builds (f, "com:ipport=6000,port=vmhost.example.org");

  set_active (f, "tcp_listen_radio", TRUE);
  assert_builds (f, "com:ipport=6000,listen");
  g_assert_false (gtk_widget_get_sensitive (child (f, "tcp_host_entry")));

  set_active (f, "tcp_connect_radio", TRUE);
  set_text (f, "tcp_host_entry", "");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_MISSING, FALSE);

  /* Only the connecting side needs a host. */
  set_active (f, "tcp_listen_radio", TRUE);
  assert_builds (f, "com:ipport=6000,listen");

  set_active (f, "tcp_connect_radio", TRUE);
  set_text (f, "tcp_host_entry", "::1");
  set_value (f, "tcp_port_spin", 1);
  assert_builds (f, "com:ipport=1,port=::1");
}

static void
test_net (Fixture       *f,
          gconstpointer  data)
{
  const gchar *setup;
  const gchar *key;
  g_autofree gchar *expected = NULL, *bcdedit = NULL;
  g_autoptr (KdhConnectionString) cs = NULL;

  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_NET);
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_MISSING, FALSE);
  set_text (f, "net_key_entry", "1A2B.3c4d.5E6F.7g8h");
  assert_builds (f, "net:port=50000,key=1a2b.3c4d.5e6f.7g8h");
  /* What the target needs, for this key and port. */
  set_text (f, "net_port_spin", "50001");
  assert_builds (f, "net:port=50001,key=1a2b.3c4d.5e6f.7g8h");
  setup = gtk_label_get_text (GTK_LABEL (child (f, "net_setup_label")));
  g_assert_nonnull (strstr (setup, "bcdedit /debug on"));
  g_assert_nonnull (strstr (setup, " port:50001 key:1A2B.3c4d.5E6F.7g8h"));
  set_text (f, "net_target_entry", "192.0.2.5");
  assert_builds (f, "net:port=50001,key=1a2b.3c4d.5e6f.7g8h,target=192.0.2.5");

  /* The parser names a bad part of the key. */
  set_text (f, "net_key_entry", "1.2.3");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, TRUE);
  g_assert_nonnull (strstr (_kdh_connect_dialog_get_message (f->dialog), "fewer than four parts"));

  /* New Key: a fresh key that parses, shown in the command too. */
  gtk_button_clicked (GTK_BUTTON (child (f, "net_new_key_button")));
  key = gtk_entry_get_text (GTK_ENTRY (child (f, "net_key_entry")));
  expected = g_strdup_printf ("net:port=50001,key=%s,target=192.0.2.5", key);
  assert_builds (f, expected);
  cs = kdh_connection_string_parse (expected, NULL);
  g_assert_nonnull (cs);
  bcdedit = g_strdup_printf (" port:50001 key:%s", key);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (f, "net_setup_label"))),
                            bcdedit));

  /* A string from elsewhere opens this tab, filled in. */
  kdh_connect_dialog_set_connection (f->dialog, "net:key=1.2.3.4,port=50002");
  g_assert_cmpstr (_kdh_connect_dialog_get_page (f->dialog), ==, KDH_CONNECT_DIALOG_PAGE_NET);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (child (f, "net_target_entry"))), ==, "");
  assert_builds (f, "net:port=50002,key=1.2.3.4");
  /* bind= has no widget: the whole string goes to the string tab. */
  kdh_connect_dialog_set_connection (f->dialog, "net:port=50002,key=1.2.3.4,bind=127.0.0.1");
  g_assert_cmpstr (_kdh_connect_dialog_get_page (f->dialog), ==, KDH_CONNECT_DIALOG_PAGE_STRING);
}

static void
test_sim (Fixture       *f,
          gconstpointer  data)
{
  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_SIM);
  assert_builds (f, "sim:");
  g_assert_false (gtk_widget_get_sensitive (child (f, "sim_dbgprint_rate_spin")));

  /* Percent in the dialog, probabilities in the string. */
  set_value (f, "sim_drop_spin", 1);
  set_value (f, "sim_corrupt_spin", 2.5);
  set_value (f, "sim_dup_spin", 0.5);
  set_value (f, "sim_seed_spin", 7);
  assert_builds (f, "sim:drop=0.01,corrupt=0.025,dup=0.005,seed=7");

  /* "N lines per second" is the only choice that takes a number. */
  set_active (f, "sim_dbgprint_rate_radio", TRUE);
  g_assert_true (gtk_widget_get_sensitive (child (f, "sim_dbgprint_rate_spin")));
  set_value (f, "sim_dbgprint_rate_spin", 20);
  assert_builds (f, "sim:drop=0.01,corrupt=0.025,dup=0.005,seed=7,dbgprint-rate=20");

  /* As fast as possible is dbgprint-rate=max (0 would mean the same). */
  set_active (f, "sim_dbgprint_max_radio", TRUE);
  g_assert_false (gtk_widget_get_sensitive (child (f, "sim_dbgprint_rate_spin")));
  assert_builds (f, "sim:drop=0.01,corrupt=0.025,dup=0.005,seed=7,dbgprint-rate=max");

  /* Off leaves the option out. */
  set_active (f, "sim_dbgprint_off_radio", TRUE);
  assert_builds (f, "sim:drop=0.01,corrupt=0.025,dup=0.005,seed=7");

  set_value (f, "sim_drop_spin", 100);
  set_value (f, "sim_corrupt_spin", 0);
  set_value (f, "sim_dup_spin", 0);
  set_value (f, "sim_seed_spin", 1);
  assert_builds (f, "sim:drop=1");

  /* Typed, not yet committed, is what the preview shows. */
  set_text (f, "sim_drop_spin", "12.5");
  assert_builds (f, "sim:drop=0.125");
}

static void
test_string (Fixture       *f,
             gconstpointer  data)
{
  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_STRING);
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_MISSING, FALSE);

  /* Pasted strings come back canonical. */
  set_text (f, "string_entry", "  COM:Port=/dev/ttyS0,Baud=9600 ");
  assert_builds (f, "com:port=/dev/ttyS0,baud=9600");

  set_text (f, "string_entry", "sim");
  assert_builds (f, "sim:");

  set_text (f, "string_entry", "com:pipe,port=/run/vm.sock,reconnect,resets=0");
  assert_builds (f, "com:pipe,port=/run/vm.sock,resets=0,reconnect");

  set_text (f, "string_entry", "sim:seed=7,drop=0.01");
  assert_builds (f, "sim:drop=0.01,seed=7");

  set_text (f, "string_entry", "com:ipport=4445,listen,port=0.0.0.0");
  assert_builds (f, "com:ipport=4445,listen,port=0.0.0.0");
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  static const gchar *bad = "com:port=/dev/ttyS0,bad=1";
  g_autoptr(GError) parser_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KdhConnectionString) cs = NULL;
  g_autofree gchar *built = NULL;
  GtkWidget *message;

  REQUIRE_DIALOG (f);

  cs = kdh_connection_string_parse (bad, &parser_error);
  g_assert_null (cs);
  g_assert_nonnull (parser_error);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_STRING);
  set_text (f, "string_entry", bad);

  /* build_connection() gives the parser's own error... */
  built = kdh_connect_dialog_build_connection (f->dialog, &error);
  g_assert_null (built);
  g_assert_error (error, KDH_CONNECTION_STRING_ERROR, KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION);
  g_assert_cmpstr (error->message, ==, parser_error->message);
  g_assert_true (g_str_has_prefix (error->message,
                                   "unknown option 'bad=1' in 'com:port=/dev/ttyS0,bad=1'"));

  /* ...the dialog shows it in the error style... */
  message = child (f, "message_label");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (message)), ==, parser_error->message);
  g_assert_true (gtk_widget_get_visible (message));
  g_assert_true (has_class (message, "error"));
  g_assert_true (has_class (child (f, "string_entry"), "error"));
  g_assert_true (_kdh_connect_dialog_message_is_error (f->dialog));
  g_assert_cmpstr (_kdh_connect_dialog_get_preview (f->dialog), ==, bad);

  /* ...and Connect cannot be chosen, not even with Enter in the entry
   * (a button activated by a key "clicks" after a short delay). */
  g_assert_false (connect_sensitive (f));
  gtk_widget_show (GTK_WIDGET (f->dialog));
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->dialog)));
  gtk_widget_grab_focus (child (f, "string_entry"));
  gtk_widget_activate (child (f, "string_entry"));
  spin_main_loop (500);
  g_assert_cmpuint (f->n_responses, ==, 0);

  /* A KDNET string with a bad key: also an error, naming the part. */
  set_text (f, "string_entry", "net:port=50000,key=1.2.3.!");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_BAD_VALUE, TRUE);
  g_assert_nonnull (strstr (_kdh_connect_dialog_get_message (f->dialog), "part 4 has '!'"));

  /* Fixing the string clears it all. */
  set_text (f, "string_entry", "com:port=/dev/ttyS0,baud=115200");
  assert_builds (f, "com:port=/dev/ttyS0,baud=115200");
  g_assert_false (has_class (child (f, "string_entry"), "error"));

  /* With Connect sensitive, Enter connects. */
  gtk_widget_activate (child (f, "string_entry"));
  WAIT_UNTIL (f->n_responses == 1);
  g_assert_cmpint (f->last_response, ==, GTK_RESPONSE_ACCEPT);
}

/* KD's -kl, or WinDbg's Local, typed as a connection string: there is no
 * local Windows kernel on Linux, said plainly, with the way to a VM. */
static void
test_local_kernel (Fixture       *f,
                   gconstpointer  data)
{
  static const gchar *const typed[] = { "-kl", "kl", " KL: ", "local", "Local:" };

  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_STRING);
  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      const gchar *message;

      set_text (f, "string_entry", typed[i]);
      assert_fails (f, KDH_CONNECTION_STRING_ERROR_UNSUPPORTED, TRUE);
      message = _kdh_connect_dialog_get_message (f->dialog);
      g_assert_nonnull (strstr (message, "no local Windows kernel to debug"));
      g_assert_nonnull (strstr (message, "-serial unix:/tmp/win.sock,server,nowait"));
      g_assert_nonnull (strstr (message, "VM Pipe tab"));
      g_assert_true (has_class (child (f, "string_entry"), "error"));
    }

  /* What only looks like it is a connection string like any other. */
  set_text (f, "string_entry", "klx");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_SYNTAX, TRUE);
  g_assert_null (strstr (_kdh_connect_dialog_get_message (f->dialog), "local Windows kernel"));

  /* The string the message proposes is one the dialog takes. */
  set_text (f, "string_entry", "com:pipe,port=/tmp/win.sock,reconnect");
  assert_builds (f, "com:pipe,port=/tmp/win.sock,reconnect");
}

/* `kdhost -kl` says the same on the command line, without a display, and
 * fails. */
static void
test_local_kernel_command_line (void)
{
  g_autoptr (KdhTestProc) app = kdh_test_proc_spawn_piped ("app", "kdhost", "-kl", NULL);

  if (app == NULL)
    return;
  kdh_test_proc_expect (app, "kdhost: -kl is KD's local kernel debugging");
  kdh_test_proc_expect (app, "On Linux there is no local Windows kernel to debug.");
  kdh_test_proc_expect (app, "-serial unix:/tmp/win.sock,server,nowait\n");
  kdh_test_proc_expect (app, "kdhost -k com:pipe,port=/tmp/win.sock,reconnect\n");
  g_assert_cmpint (kdh_test_proc_wait_exit (app), ==, 2);
  g_assert_null (strstr (app->text->str, "Missing argument"));
}

static void
test_remember (Fixture       *f,
               gconstpointer  data)
{
  g_auto(GStrv) recent = NULL;

  REQUIRE_DIALOG (f);

  recent = get_recent (f);
  g_assert_cmpuint (g_strv_length (recent), ==, 0);
  g_clear_pointer (&recent, g_strfreev);
  g_assert_cmpuint (_kdh_connect_dialog_get_n_recent (f->dialog), ==, 0);

  kdh_connect_dialog_remember (f->settings, "com:port=/dev/ttyS0,baud=115200");
  kdh_connect_dialog_remember (f->settings, "com:pipe,port=/run/vm.sock,reconnect");
  kdh_connect_dialog_remember (f->settings, "sim:");
  recent = get_recent (f);
  {
    const gchar *expected[] = {
      "sim:", "com:pipe,port=/run/vm.sock,reconnect", "com:port=/dev/ttyS0,baud=115200", NULL
    };
    g_assert_cmpstrv (recent, expected);
  }
  g_clear_pointer (&recent, g_strfreev);

  /* The open dialog follows the setting. */
  g_assert_cmpuint (_kdh_connect_dialog_get_n_recent (f->dialog), ==, 3);

  /* A duplicate moves to the front, however it is spelt. */
  kdh_connect_dialog_remember (f->settings, "COM:Port=/dev/ttyS0");
  recent = get_recent (f);
  {
    const gchar *expected[] = {
      "com:port=/dev/ttyS0,baud=115200", "sim:", "com:pipe,port=/run/vm.sock,reconnect", NULL
    };
    g_assert_cmpstrv (recent, expected);
  }
  g_clear_pointer (&recent, g_strfreev);
  g_assert_cmpuint (_kdh_connect_dialog_get_n_recent (f->dialog), ==, 3);

  /* At most ten, newest first. */
  for (guint i = 0; i < 12; i++)
    {
      g_autofree gchar *connection = g_strdup_printf ("sim:seed=%u", 100 + i);

      kdh_connect_dialog_remember (f->settings, connection);
    }
  recent = get_recent (f);
  g_assert_cmpuint (g_strv_length (recent), ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree gchar *expected = g_strdup_printf ("sim:seed=%u", 111 - i);

      g_assert_cmpstr (recent[i], ==, expected);
    }
  g_clear_pointer (&recent, g_strfreev);
  g_assert_cmpuint (_kdh_connect_dialog_get_n_recent (f->dialog), ==, 10);

  /* Blank strings are not remembered. */
  kdh_connect_dialog_remember (f->settings, "  ");
  recent = get_recent (f);
  g_assert_cmpstr (recent[0], ==, "sim:seed=111");
  g_assert_cmpuint (g_strv_length (recent), ==, 10);
}

static void
test_recent (Fixture       *f,
             gconstpointer  data)
{
  GtkListBox *list;
  GtkListBoxRow *row;

  REQUIRE_DIALOG (f);

  set_page (f, KDH_CONNECT_DIALOG_PAGE_RECENT);
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_MISSING, FALSE);

  kdh_connect_dialog_remember (f->settings, "com:port=/dev/ttyS0,baud=115200");
  kdh_connect_dialog_remember (f->settings, "com:ipport=4445,port=127.0.0.1");
  kdh_connect_dialog_remember (f->settings, "sim:seed=7");

  /* The newest is selected, and Connect would use it. */
  assert_builds (f, "sim:seed=7");

  list = GTK_LIST_BOX (child (f, "recent_list"));
  row = gtk_list_box_get_row_at_index (list, 2);
  g_assert_nonnull (row);
  gtk_list_box_select_row (list, row);
  assert_builds (f, "com:port=/dev/ttyS0,baud=115200");
  g_assert_cmpuint (f->n_responses, ==, 0);

  /* Double-click (row activation) connects at once. */
  row = gtk_list_box_get_row_at_index (list, 1);
  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_cmpuint (f->n_responses, ==, 1);
  g_assert_cmpint (f->last_response, ==, GTK_RESPONSE_ACCEPT);
  assert_builds (f, "com:ipport=4445,port=127.0.0.1");
}

/* A new dialog opens on the tab of the last connection, filled in. */
static void
test_prefill (Fixture       *f,
              gconstpointer  data)
{
  REQUIRE_DIALOG (f);

  kdh_connect_dialog_remember (f->settings, "com:pipe,port=/tmp/vm.sock,resets=0");
  fixture_destroy_dialog (&f->dialog);
  f->dialog = fixture_new_dialog (f);

  g_assert_cmpstr (_kdh_connect_dialog_get_page (f->dialog), ==, KDH_CONNECT_DIALOG_PAGE_PIPE);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (child (f, "pipe_path_entry"))), ==,
                   "/tmp/vm.sock");
  g_assert_false (get_active (f, "pipe_reconnect_check"));
  g_assert_false (get_active (f, "pipe_resets_check"));
  assert_builds (f, "com:pipe,port=/tmp/vm.sock,resets=0");
  g_assert_cmpuint (_kdh_connect_dialog_get_n_recent (f->dialog), ==, 1);
}

static void
test_set_connection (Fixture       *f,
                     gconstpointer  data)
{
  static const struct {
    const gchar *connection;
    const gchar *page;
    const gchar *canonical;
  } cases[] = {
    { "com:port=/dev/ttyUSB0,baud=921600", KDH_CONNECT_DIALOG_PAGE_SERIAL,
      "com:port=/dev/ttyUSB0,baud=921600" },
    { "com:port=/dev/pts/7", KDH_CONNECT_DIALOG_PAGE_SERIAL, "com:port=/dev/pts/7,baud=115200" },
    { "com:port=/dev/ttyS0,baud=14400", KDH_CONNECT_DIALOG_PAGE_SERIAL,
      "com:port=/dev/ttyS0,baud=14400" },
    { "com:pipe,port=/run/vm.sock,reconnect", KDH_CONNECT_DIALOG_PAGE_PIPE,
      "com:pipe,port=/run/vm.sock,reconnect" },
    { "com:ipport=4446,port=10.0.0.2", KDH_CONNECT_DIALOG_PAGE_TCP,
      "com:ipport=4446,port=10.0.0.2" },
    { "com:ipport=4447,listen", KDH_CONNECT_DIALOG_PAGE_TCP, "com:ipport=4447,listen" },
    { "sim:drop=0.02,dbgprint-rate=0,seed=9", KDH_CONNECT_DIALOG_PAGE_SIM,
      "sim:drop=0.02,seed=9,dbgprint-rate=max" },
    { "sim:dbgprint-rate=50", KDH_CONNECT_DIALOG_PAGE_SIM, "sim:dbgprint-rate=50" },
    { "sim:", KDH_CONNECT_DIALOG_PAGE_SIM, "sim:" },
    /* What no tab has a widget for goes to the string tab whole. */
    { "com:pipe,port=/run/vm.sock,resets=3", KDH_CONNECT_DIALOG_PAGE_STRING,
      "com:pipe,port=/run/vm.sock,resets=3" },
    { "com:ipport=4445,listen,port=0.0.0.0", KDH_CONNECT_DIALOG_PAGE_STRING,
      "com:ipport=4445,listen,port=0.0.0.0" },
    { "sim:stall-ms=50", KDH_CONNECT_DIALOG_PAGE_STRING, "sim:stall-ms=50" },
    { "sim:drop=0.0125", KDH_CONNECT_DIALOG_PAGE_STRING, "sim:drop=0.0125" },
  };

  REQUIRE_DIALOG (f);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].connection);
      kdh_connect_dialog_set_connection (f->dialog, cases[i].connection);
      g_assert_cmpstr (_kdh_connect_dialog_get_page (f->dialog), ==, cases[i].page);
      assert_builds (f, cases[i].canonical);
    }

  /* A string that does not parse is shown as it is, with its error. */
  kdh_connect_dialog_set_connection (f->dialog, "com:port=/dev/ttyS0,bad=1");
  g_assert_cmpstr (_kdh_connect_dialog_get_page (f->dialog), ==, KDH_CONNECT_DIALOG_PAGE_STRING);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (child (f, "string_entry"))), ==,
                   "com:port=/dev/ttyS0,bad=1");
  assert_fails (f, KDH_CONNECTION_STRING_ERROR_UNKNOWN_OPTION, TRUE);
}

/* Screenshots ------------------------------------------------------------ */

static void
save_screenshot (Fixture     *f,
                 const gchar *dir,
                 const gchar *name)
{
  g_autofree gchar *file = NULL;
  g_autofree gchar *path = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  gint width, height;

  /* Let size requests, allocation and drawing settle. */
  gtk_widget_queue_resize (GTK_WIDGET (f->dialog));
  spin_main_loop (150);

  width = gtk_widget_get_allocated_width (GTK_WIDGET (f->dialog));
  height = gtk_widget_get_allocated_height (GTK_WIDGET (f->dialog));
  g_assert_cmpint (width, >, 100);
  g_assert_cmpint (height, >, 100);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  gtk_widget_draw (GTK_WIDGET (f->dialog), cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);

  if (dir != NULL)
    {
      file = g_strdup_printf ("connect-dialog-%s.png", name);
      path = g_build_filename (dir, file, NULL);
      g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
      g_test_message ("saved %s", path);
    }

  cairo_surface_destroy (surface);
}

static void
test_screenshots (Fixture       *f,
                  gconstpointer  data)
{
  const gchar *dir = g_getenv ("KDH_TEST_ARTIFACTS");

  REQUIRE_DIALOG (f);

  if (dir != NULL)
    g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);

  kdh_connect_dialog_remember (f->settings, "com:port=/dev/ttyS0,baud=115200");
  kdh_connect_dialog_remember (f->settings,
                               "com:pipe,port=/run/user/1000/win11-com1.sock,reconnect");
  kdh_connect_dialog_remember (f->settings, "com:ipport=4445,port=127.0.0.1");
  kdh_connect_dialog_remember (f->settings, "sim:drop=0.01,corrupt=0.01,dup=0.01,seed=7");

  gtk_widget_show (GTK_WIDGET (f->dialog));
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->dialog)));

  set_page (f, KDH_CONNECT_DIALOG_PAGE_SERIAL);
  set_text (f, "serial_port_entry", "/dev/ttyUSB0");
  save_screenshot (f, dir, "serial");

  set_page (f, KDH_CONNECT_DIALOG_PAGE_PIPE);
  save_screenshot (f, dir, "pipe-empty");
  set_text (f, "pipe_path_entry", "/run/user/1000/win11-com1.sock");
  save_screenshot (f, dir, "pipe");

  set_page (f, KDH_CONNECT_DIALOG_PAGE_TCP);
  save_screenshot (f, dir, "tcp");

  set_page (f, KDH_CONNECT_DIALOG_PAGE_NET);
  set_text (f, "net_key_entry", "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p");
  save_screenshot (f, dir, "net");

  set_page (f, KDH_CONNECT_DIALOG_PAGE_SIM);
  set_value (f, "sim_drop_spin", 1);
  set_value (f, "sim_corrupt_spin", 1);
  set_active (f, "sim_dbgprint_rate_radio", TRUE);
  set_value (f, "sim_seed_spin", 7);
  save_screenshot (f, dir, "sim");

  set_page (f, KDH_CONNECT_DIALOG_PAGE_STRING);
  set_text (f, "string_entry", "com:port=/dev/ttyS0,bad=1");
  save_screenshot (f, dir, "string-error");

  set_text (f, "string_entry", "com:pipe,port=/run/vm.sock,reconnect");
  save_screenshot (f, dir, "string");

  set_page (f, KDH_CONNECT_DIALOG_PAGE_RECENT);
  save_screenshot (f, dir, "recent");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/app/connect-dialog/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("serial", test_serial);
  ADD ("pipe", test_pipe);
  ADD ("tcp", test_tcp);
  ADD ("net", test_net);
  ADD ("sim", test_sim);
  ADD ("string", test_string);
  ADD ("malformed", test_malformed);
  ADD ("local-kernel", test_local_kernel);
  ADD ("remember", test_remember);
  ADD ("recent", test_recent);
  ADD ("prefill", test_prefill);
  ADD ("set-connection", test_set_connection);
  ADD ("screenshots", test_screenshots);

#undef ADD
  g_test_add_func ("/app/connect-dialog/local-kernel-command-line",
                   test_local_kernel_command_line);

  return g_test_run ();
}
