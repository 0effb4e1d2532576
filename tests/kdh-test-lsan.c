/* kdh-test-lsan.c: LeakSanitizer suppressions for tests that draw text
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fontconfig keeps its configuration until exit (nothing calls FcFini()
 * while Pango may still use it), which LeakSanitizer reports as leaks in
 * any program that draws text. LSan reads this hook in sanitizer builds;
 * otherwise it is unused. Our own leaks still show. Compiled into each
 * GUI test as a source (a static library member nobody references would
 * not be linked).
 */

const char *__lsan_default_suppressions (void);

const char *
__lsan_default_suppressions (void)
{
  return "leak:libfontconfig.so\n";
}
