/* test-windows-name.c: what a Windows build is called, and when we cannot say
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>

#include "target/kdh-windows-name.h"

static void
test_names (void)
{
  static const struct {
    guint build;
    KdhProductType product;
    const gchar *name;
  } cases[] = {
    { 19041, KDH_PRODUCT_WIN_NT, "Windows 10" },
    { 22631, KDH_PRODUCT_WIN_NT, "Windows 11" },
    { 7601, KDH_PRODUCT_WIN_NT, "Windows 7" },
    /* The same builds as servers are other products. */
    { 20348, KDH_PRODUCT_SERVER_NT, "Windows Server 2022" },
    { 17763, KDH_PRODUCT_LANMAN_NT, "Windows Server 2019" },
    { 7601, KDH_PRODUCT_SERVER_NT, "Windows Server 2008 R2" },
    { 26100, KDH_PRODUCT_SERVER_NT, "Windows Server 2025" },
    /* Unknown: no guess from the build. */
    { 19041, KDH_PRODUCT_UNKNOWN, "Windows" },
    { 20348, KDH_PRODUCT_UNKNOWN, "Windows" },
    { 100, KDH_PRODUCT_WIN_NT, "Windows" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (kdh_windows_name (cases[i].build, cases[i].product), ==, cases[i].name);
}

static void
test_product_and_suite (void)
{
  g_autofree gchar *suites = kdh_windows_suite_names (0x110);
  g_autofree gchar *none = kdh_windows_suite_names (0);

  g_assert_cmpstr (kdh_windows_product_name (KDH_PRODUCT_WIN_NT), ==, "WinNt");
  g_assert_cmpstr (kdh_windows_product_name (KDH_PRODUCT_LANMAN_NT), ==, "LanManNt");
  g_assert_cmpstr (kdh_windows_product_name (KDH_PRODUCT_SERVER_NT), ==, "ServerNt");
  g_assert_null (kdh_windows_product_name (KDH_PRODUCT_UNKNOWN));
  g_assert_cmpstr (suites, ==, "TerminalServer SingleUserTS");
  g_assert_cmpstr (none, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/target/windows-name/names", test_names);
  g_test_add_func ("/target/windows-name/product-and-suite", test_product_and_suite);
  return g_test_run ();
}
