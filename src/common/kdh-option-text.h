/* kdh-option-text.h: WinDbg-style option text ("key=value,flag,...")
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Connection strings (-k), remote strings (.server, -remote) and the
 * simulator's options share one syntax and one shape of error message;
 * each parser keeps its own keys, checks and error domain.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *item;    /* the whole item as typed, trimmed */
  gchar *key;     /* before the first '=', trimmed */
  gchar *value;   /* after it, trimmed; NULL for a bare flag */
} KdhOptionItem;

typedef enum {
  KDH_OPTION_SPLIT_OK,
  KDH_OPTION_SPLIT_EMPTY_ITEM,   /* an extra ',' */
  KDH_OPTION_SPLIT_NO_NAME,      /* "=value" */
} KdhOptionSplitFault;

/* Splits @text on ',' (WinDbg has no quoting, so values cannot hold a ',';
 * they may hold '=' and ':', as socket paths and IPv6 addresses do) and
 * each item on its first '='. Empty @text gives no items. On a fault,
 * returns NULL and sets *@fault and *@bad_item (the offending item, to be
 * freed). */
GPtrArray *kdh_option_text_split (const gchar          *text,
                                  KdhOptionSplitFault  *fault,
                                  gchar               **bad_item);

/* Sets @error to "<what> in '<whole>' (expected <hint>)": the bad part
 * first, then the string it came from (omitted when NULL or empty), so a
 * long command line still shows which of its strings was wrong. Returns
 * FALSE, for `return kdh_option_fail (...)`. */
gboolean kdh_option_fail (GError      **error,
                          GQuark        domain,
                          gint          code,
                          const gchar  *whole,
                          const gchar  *hint,
                          const gchar  *format,
                          ...) G_GNUC_PRINTF (6, 7);

/* Sets @error for a split fault, in the same words for every parser. */
gboolean kdh_option_fail_split (GError              **error,
                                GQuark                domain,
                                gint                  code,
                                const gchar          *whole,
                                KdhOptionSplitFault   fault,
                                const gchar          *bad_item);

G_END_DECLS
