/* kdh-fuzz-init.c: the libFuzzer start-up hook every harness shares
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-fuzz.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  kdh_fuzz_init (argv);
  return 0;
}
