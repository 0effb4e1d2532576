/* kdh-test-lsan-chooser.c: LeakSanitizer settings for tests that open a
 * GtkFileChooserDialog in their own process
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As kdh-test-lsan.c (Fontconfig keeps its configuration until exit), and:
 * the file chooser makes GLib create more than 2048 quarks, and GLib then
 * drops its first quark block on purpose (lookups stay lock-free; see
 * g_quark_new). That block was allocated in GLib's constructor, so leaks
 * from library constructors (_dl_init) are not reported; telling them
 * apart needs the full stack, hence the slow unwinder. Our own leaks still
 * show. Compiled into the test as a source, in place of kdh-test-lsan.c.
 */

const char *__lsan_default_suppressions (void);
const char *__asan_default_options (void);

const char *
__lsan_default_suppressions (void)
{
  return "leak:libfontconfig.so\nleak:_dl_init\n";
}

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}
