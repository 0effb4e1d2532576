/* kdh-session-crash.c: making a stopped target bug check (.crash)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DbgKdCauseBugCheckApi has no reply: the stopped processor calls
 * KeBugCheckEx(MANUALLY_INITIATED_CRASH) and the target runs until the bug
 * check breaks into the debugger, which then arrives as a stop like any
 * other. So the session treats it as a Continue.
 */
#include "kdh-session-private.h"

gboolean
kdh_session_cause_bugcheck (KdhSession *s,
                            GError    **error)
{
  KdhManipulate m = { 0 };

  m.api = KDH_API_CAUSE_BUGCHECK;
  m.processor = (guint16) s->cpu;
  m.return_status = KDH_STATUS_PENDING;   /* as the NT host marks requests */
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  if (!kdh_session_request (s, &m, NULL, 0, NULL, NULL, error))
    return FALSE;
  kdh_target_forget_stop (s->target);
  s->target_running = TRUE;
  kdh_session_set_state (s, KDH_CONN_RUNNING, NULL, 0);
  return TRUE;
}
