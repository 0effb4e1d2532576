/* kdh-session-exec.c: running the target under the debugger's breakpoints
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * See kdh-exec.h. The breakpoints are the engine's; the target only ever
 * holds them while it runs.
 */
#include "kdh-exec.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "common/kdh-address.h"
#include "kd/kdh-context.h"
#include "kdh-session-private.h"
#include "kdh-stack.h"

#define STATUS_BREAKPOINT  0x80000003u
#define STATUS_SINGLE_STEP 0x80000004u
/* A single instruction comes back at once; a step over a call or to a
 * return address may take the callee's time. */
#define TRACE_WAIT_MS      5000
#define RUN_TO_WAIT_MS     10000
/* KSPECIAL_REGISTERS.KernelDr0 (AMD64), DR0-DR3 one after the other. */
#define KSR_KERNEL_DR0     0x20

struct _KdhSessionExec
{
  KdhBreakpoints *bps;
  KdhSessionHitFunc hit_func;
  gpointer hit_data;

  gboolean have_one_shot;       /* g ADDR, gu, p: taken out at any stop */
  guint64 one_shot;
  guint32 one_shot_handle;
  guint one_shot_cpu;           /* with one_shot_sp: only this processor ... */
  guint64 one_shot_sp;          /* ... with rsp at least this; 0: any hit */
  gboolean resume;              /* the stop was a wrong instance's: go on */
  gboolean tracing;             /* our trace flag: its single step is expected */
  gboolean waiting;             /* a command waits for that stop and shows it itself */
  gboolean last_was_ours;       /* the last stop was the trace's or the one-shot's */
  gchar *pending_command;       /* the hit breakpoint's commands */

  KdhStackCache *stacks;        /* for the current stop */
  guint frame;                  /* .frame: the frame r and the k marker use */

  guint64 running_dr7;          /* the DR7 the target was last let run with */
  gboolean dr_valid;            /* dr_written is what every processor holds */
  guint64 dr_written[KDH_BREAKPOINT_MAX_HARDWARE];
};

static KdhSessionExec *
get_exec (KdhSession *s)
{
  if (s->exec == NULL)
    {
      s->exec = g_new0 (KdhSessionExec, 1);
      s->exec->bps = kdh_breakpoints_new ();
      s->exec->stacks = kdh_stack_cache_new ();
    }
  return s->exec;
}

void
_kdh_session_exec_free (KdhSession *s)
{
  if (s->exec == NULL)
    return;
  kdh_breakpoints_free (s->exec->bps);
  kdh_stack_cache_free (s->exec->stacks);
  g_free (s->exec->pending_command);
  g_clear_pointer (&s->exec, g_free);
}

KdhBreakpoints *
kdh_session_get_breakpoints (KdhSession *s)
{
  return get_exec (s)->bps;
}

void
kdh_session_set_hit_func (KdhSession        *s,
                          KdhSessionHitFunc  func,
                          gpointer           data)
{
  KdhSessionExec *x = get_exec (s);

  x->hit_func = func;
  x->hit_data = data;
}

/* ---- Writing and removing ------------------------------------------------- */

static guint32
write_breakpoint (KdhSession *s,
                  guint64     address,
                  GError    **error)
{
  KdhManipulate request, reply;
  guint32 handle;

  kdh_manipulate_init_write_breakpoint (&request, address);
  if (!kdh_session_request (s, &request, NULL, 0, &reply, NULL, error))
    return 0;
  handle = kdh_manipulate_get_u32 (&reply, 0x08);
  if (reply.return_status != KDH_STATUS_SUCCESS || handle == 0)
    {
      g_autofree gchar *where = kdh_format_address (address, kdh_target_is_ptr64 (s->target));

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Unable to write a breakpoint at %s (status 0x%08x): the memory is not "
                     "there or not writable."), where, reply.return_status);
      return 0;
    }
  return handle;
}

static void
restore_breakpoint (KdhSession *s,
                    guint32     handle)
{
  KdhManipulate request, reply;
  g_autoptr (GError) error = NULL;

  kdh_manipulate_init_restore_breakpoint (&request, handle);
  if (!kdh_session_request (s, &request, NULL, 0, &reply, NULL, &error))
    g_debug ("restoring breakpoint handle %u: %s", handle, error->message);
}

/* Takes every breakpoint we wrote out of the target's memory. */
static void
remove_all (KdhSession *s)
{
  KdhSessionExec *x = get_exec (s);
  GPtrArray *list = kdh_breakpoints_list (x->bps);

  for (guint i = 0; i < list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (list, i);

      if (bp->handle != 0)
        restore_breakpoint (s, bp->handle);
      bp->handle = 0;
    }
  if (x->one_shot_handle != 0)
    restore_breakpoint (s, x->one_shot_handle);
  x->one_shot_handle = 0;
}

/* "kdhtest!KdhTestTick" or "kdhtest!KdhTestTick+0x10" once the module is
 * loaded; bu keeps it until then. */
static gboolean
resolve_deferred (KdhSession    *s,
                  KdhBreakpoint *bp)
{
  g_autofree gchar *text = g_strdup (bp->expression);
  gchar *bang = strchr (text, '!');
  gchar *plus = strchr (bang ? bang : text, '+');
  guint64 address, offset = 0;

  if (plus != NULL)
    {
      gchar *end = NULL;

      *plus = '\0';
      offset = g_ascii_strtoull (plus + 1, &end, 16);
      if (end == plus + 1 || *end != '\0')
        return FALSE;
    }
  if (bang != NULL)
    {
      *bang = '\0';
      if (!kdh_target_lookup_symbol (s->target, text, bang + 1, &address))
        return FALSE;
    }
  else if (!kdh_target_lookup_symbol (s->target, NULL, text, &address))
    return FALSE;
  bp->address = address + offset;
  bp->resolved = TRUE;
  return TRUE;
}

static gboolean
write_debug_registers (KdhSession *s,
                       guint64     dr[KDH_BREAKPOINT_MAX_HARDWARE],
                       GError    **error)
{
  guint n = MAX (kdh_target_get_n_cpus (s->target), 1);

  for (guint cpu = 0; cpu < n; cpu++)
    {
      KdhManipulate request, reply;
      g_autoptr (GBytes) payload = NULL;
      guint8 special[KDH_KSPECIAL_AMD64_SIZE];

      kdh_manipulate_init_memory (&request, KDH_API_READ_CONTROL_SPACE, (guint16) cpu, 2,
                                  sizeof special);
      if (!kdh_session_request (s, &request, NULL, 0, &reply, &payload, error))
        return FALSE;
      if (reply.return_status != KDH_STATUS_SUCCESS || reply.data_len < sizeof special)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The debug registers of processor %u cannot be read (status 0x%08x)."),
                       cpu, reply.return_status);
          return FALSE;
        }
      memcpy (special, reply.data, sizeof special);
      for (guint i = 0; i < KDH_BREAKPOINT_MAX_HARDWARE; i++)
        for (guint b = 0; b < 8; b++)
          special[KSR_KERNEL_DR0 + 8 * i + b] = (guint8) (dr[i] >> (8 * b));
      kdh_manipulate_init_memory (&request, KDH_API_WRITE_CONTROL_SPACE, (guint16) cpu, 2,
                                  sizeof special);
      if (!kdh_session_request (s, &request, special, sizeof special, &reply, NULL, error))
        return FALSE;
      if (reply.return_status != KDH_STATUS_SUCCESS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The debug registers of processor %u cannot be written (status 0x%08x)."),
                       cpu, reply.return_status);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- Stopping ------------------------------------------------------------- */

static gboolean
stop_arrived (KdhSession *s)
{
  return s->stop != NULL || !s->transport_open;
}

/* Waits for the stop the trace or one-shot we sent leads to and handles
 * it (shown unless it is the expected one). */
static gboolean
wait_own_stop (KdhSession    *s,
               guint          timeout_ms,
               KdhStepResult *result,
               GError       **error)
{
  KdhSessionExec *x = get_exec (s);
  g_autoptr (GError) local = NULL;
  gboolean ok;

  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  x->waiting = TRUE;
  do
    {
      ok = kdh_session_wait (s, stop_arrived, deadline, &local);
      if (!ok || s->stop == NULL)
        {
          x->waiting = FALSE;
          if (local != NULL && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          /* Still running: its stop is shown when it comes, like g's. */
          *result = KDH_STEP_RUNNING;
          return TRUE;
        }
      ok = kdh_session_handle_stop (s, error);
    }
  /* A stop that was resumed (a module load, another processor at the
   * one-shot) is not the end of the step. */
  while (ok && s->state == KDH_CONN_RUNNING);
  x->waiting = FALSE;
  if (!ok)
    return FALSE;
  *result = x->last_was_ours ? KDH_STEP_DONE : KDH_STEP_STOPPED_ELSEWHERE;
  return TRUE;
}

static gboolean
hardware_hit (KdhSession           *s,
              const KdhStateChange *sc,
              guint                *id)
{
  KdhSessionExec *x = get_exec (s);
  GPtrArray *list = kdh_breakpoints_list (x->bps);
  KdhControlReport report;
  guint slot = 0;

  if (!kdh_control_report_decode (sc->raw_control_report, KDH_MACHINE_AMD64, &report, NULL)
      || (report.dr6 & 0xF) == 0)
    return FALSE;
  /* Slots go to the armed hardware breakpoints in id order, as
   * kdh_breakpoints_debug_registers() hands them out. */
  for (guint i = 0; i < list->len && slot < KDH_BREAKPOINT_MAX_HARDWARE; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (list, i);

      if (bp->kind != KDH_BREAKPOINT_HARDWARE || !kdh_breakpoint_is_armed (bp))
        continue;
      if (report.dr6 & (G_GUINT64_CONSTANT (1) << slot))
        {
          bp->hits++;
          *id = bp->id;
          g_free (x->pending_command);
          x->pending_command = g_strdup (bp->command);
          return TRUE;
        }
      slot++;
    }
  return FALSE;
}

/* The one-shot's processor, with the frame of the function being left
 * returned from (rsp at or above where it will be). */
static gboolean
right_instance (KdhSession           *s,
                const KdhStateChange *sc)
{
  KdhSessionExec *x = get_exec (s);
  guint64 rsp = 0;
  g_autoptr (GBytes) context = NULL;
  gsize len;
  const guint8 *data;

  if (x->one_shot_sp == 0)
    return TRUE;
  if (sc->processor != x->one_shot_cpu)
    return FALSE;
  context = kdh_target_get_context (s->target, sc->processor, NULL);
  if (context == NULL)
    return TRUE;                /* cannot tell: stop rather than run on */
  data = g_bytes_get_data (context, &len);
  if (len < 0xA0)
    return TRUE;
  for (guint i = 0; i < 8; i++)
    rsp |= (guint64) data[0x98 + i] << (8 * i);     /* CONTEXT.Rsp */
  return rsp >= x->one_shot_sp;
}

gboolean
_kdh_session_exec_take_resume (KdhSession *s)
{
  KdhSessionExec *x = get_exec (s);
  gboolean resume = x->resume;

  x->resume = FALSE;
  return resume;
}

void
_kdh_session_exec_stopped (KdhSession *s,
                           GBytes     *payload,
                           gboolean    rebooted,
                           gchar     **headline,
                           gboolean   *quiet)
{
  KdhSessionExec *x = get_exec (s);
  KdhStateChange sc;
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  gboolean tracing = x->tracing, one_shot = x->have_one_shot;
  guint64 one_shot_at = x->one_shot;
  KdhBreakpoint *bp;
  guint id;

  *headline = NULL;
  *quiet = FALSE;
  x->last_was_ours = FALSE;
  kdh_stack_cache_clear (x->stacks);
  x->frame = 0;
  g_clear_pointer (&x->pending_command, g_free);
  if (rebooted)
    {
      /* A new machine: nothing of ours is in its memory. */
      kdh_breakpoints_reset (x->bps);
      x->one_shot_handle = 0;
      x->have_one_shot = x->tracing = FALSE;
      x->dr_valid = FALSE;
      return;
    }
  remove_all (s);
  if (!kdh_state_change_decode (data, len, &sc, NULL))
    {
      kdh_state_change_clear (&sc);
      return;
    }
  if (sc.new_state != KDH_STATE_EXCEPTION)
    {
      kdh_state_change_clear (&sc);
      return;
    }
  x->tracing = FALSE;
  x->have_one_shot = FALSE;
  if (sc.u.exception.code == STATUS_BREAKPOINT
      && (bp = kdh_breakpoints_find_at (x->bps, sc.program_counter)) != NULL)
    {
      bp->hits++;
      *headline = g_strdup_printf ("Breakpoint %x hit\n", bp->id);
      x->pending_command = g_strdup (bp->command);
    }
  else if (sc.u.exception.code == STATUS_SINGLE_STEP && hardware_hit (s, &sc, &id))
    *headline = g_strdup_printf ("Breakpoint %x hit\n", id);
  else if (sc.u.exception.code == STATUS_BREAKPOINT && one_shot
           && sc.program_counter == one_shot_at && !s->break_outstanding
           && !right_instance (s, &sc))
    {
      /* Another processor, or a deeper call of the same function: not
       * where the step meant to stop. */
      x->have_one_shot = TRUE;
      x->resume = TRUE;
      *quiet = TRUE;
    }
  else if ((sc.u.exception.code == STATUS_BREAKPOINT && one_shot
            && sc.program_counter == one_shot_at)
           || (sc.u.exception.code == STATUS_SINGLE_STEP && tracing))
    {
      /* Where g ADDR, gu, t or p meant to go: only the place is shown
       * (by the command itself when it waits for it). */
      x->last_was_ours = TRUE;
      *quiet = x->waiting;
      *headline = g_strdup ("");
    }
  kdh_state_change_clear (&sc);
}

void
_kdh_session_exec_after_stop (KdhSession *s)
{
  KdhSessionExec *x = get_exec (s);
  g_autofree gchar *commands = g_steal_pointer (&x->pending_command);

  if (commands != NULL && *commands != '\0' && x->hit_func != NULL && !x->waiting)
    x->hit_func (x->hit_data, commands);
}

/* ---- Running -------------------------------------------------------------- */

/* Executes the instruction under a breakpoint at the current address with
 * the breakpoint out of memory. *stopped: it stopped for another reason
 * (shown). */
/* After a quiet step went wrong: the front ends learn the state it left. */
static void
publish_state_as_is (KdhSession *s)
{
  g_autofree gchar *reason = g_strdup (s->state_reason);

  kdh_session_set_state (s, s->state, reason, 0);
}

static gboolean
step_over_breakpoint (KdhSession *s,
                      gboolean   *stopped,
                      GError    **error)
{
  g_autoptr (GBytes) payload = NULL;
  KdhStateChange sc;
  gsize len;
  const guint8 *data;
  gboolean ours;

  /* The front ends see the user's g, not this step: no Running and Break
   * for it (the views would ask at a stop that lasts a moment). Whatever
   * goes wrong is shown as it is. */
  s->quiet_state = TRUE;
  if (!_kdh_session_continue (s, TRUE, 0, error)
      || !kdh_session_wait (s, stop_arrived, g_get_monotonic_time () + TRACE_WAIT_MS * 1000,
                            error))
    {
      s->quiet_state = FALSE;
      publish_state_as_is (s);
      return FALSE;
    }
  s->quiet_state = FALSE;
  if (s->stop == NULL)
    {
      publish_state_as_is (s);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The target did not stop after stepping over a breakpoint."));
      return FALSE;
    }
  data = g_bytes_get_data (s->stop, &len);
  ours = kdh_state_change_decode (data, len, &sc, NULL) && sc.new_state == KDH_STATE_EXCEPTION
         && sc.u.exception.code == STATUS_SINGLE_STEP;
  if (!ours)
    {
      kdh_state_change_clear (&sc);
      *stopped = TRUE;
      return kdh_session_handle_stop (s, error);
    }
  /* Our own step: quietly the new current stop. */
  kdh_stack_cache_clear (get_exec (s)->stacks);
  get_exec (s)->frame = 0;
  payload = g_steal_pointer (&s->stop);
  kdh_target_set_stop (s->target, &sc);
  kdh_state_change_clear (&sc);
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  s->current_stop = g_bytes_ref (payload);
  s->cpu = kdh_target_get_cpu (s->target);
  s->quiet_state = TRUE;
  kdh_session_set_state (s, KDH_CONN_BREAK, NULL, 0);
  s->quiet_state = FALSE;
  return TRUE;
}

gboolean
_kdh_session_exec_prepare (KdhSession *s,
                           guint64    *dr7,
                           gboolean   *stopped,
                           GError    **error)
{
  KdhSessionExec *x = get_exec (s);
  GPtrArray *list = kdh_breakpoints_list (x->bps);
  const KdhStateChange *stop = kdh_target_get_stop (s->target);
  guint64 dr[KDH_BREAKPOINT_MAX_HARDWARE];

  *stopped = FALSE;
  *dr7 = 0;
  for (guint i = 0; i < list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (list, i);

      if (bp->deferred && !bp->resolved && bp->enabled && resolve_deferred (s, bp))
        {
          g_autofree gchar *where = kdh_format_address (bp->address,
                                                        kdh_target_is_ptr64 (s->target));

          kdh_host_printf (s->host, KDH_OUTPUT_DEBUGGER,
                           _("Breakpoint %x resolved: %s at %s\n"), bp->id, bp->expression, where);
        }
    }
  if (stop != NULL && stop->new_state == KDH_STATE_EXCEPTION
      && (kdh_breakpoints_find_at (x->bps, stop->program_counter) != NULL
          || (x->have_one_shot && x->one_shot == stop->program_counter)))
    {
      if (!step_over_breakpoint (s, stopped, error))
        return FALSE;
      if (*stopped)
        return TRUE;
    }
  for (guint i = 0; i < list->len; i++)
    {
      KdhBreakpoint *bp = g_ptr_array_index (list, i);
      g_autoptr (GError) local = NULL;

      if (bp->kind != KDH_BREAKPOINT_SOFTWARE || !kdh_breakpoint_is_armed (bp)
          || bp->handle != 0)
        continue;
      bp->handle = write_breakpoint (s, bp->address, &local);
      if (bp->handle == 0)
        {
          remove_all (s);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Breakpoint %x: %s The target stays stopped."), bp->id, local->message);
          return FALSE;
        }
    }
  if (x->have_one_shot && kdh_breakpoints_find_at (x->bps, x->one_shot) == NULL)
    {
      x->one_shot_handle = write_breakpoint (s, x->one_shot, error);
      if (x->one_shot_handle == 0)
        {
          x->have_one_shot = FALSE;
          remove_all (s);
          return FALSE;
        }
    }
  *dr7 = kdh_breakpoints_debug_registers (x->bps, dr);
  x->running_dr7 = *dr7;
  if (*dr7 != 0 && (!x->dr_valid || memcmp (dr, x->dr_written, sizeof dr) != 0))
    {
      if (!write_debug_registers (s, dr, error))
        {
          remove_all (s);
          return FALSE;
        }
      memcpy (x->dr_written, dr, sizeof dr);
      x->dr_valid = TRUE;
    }
  return TRUE;
}

gboolean
kdh_session_trace (KdhSession     *s,
                   KdhStepResult  *result,
                   GError        **error)
{
  KdhSessionExec *x = get_exec (s);
  guint64 dr[KDH_BREAKPOINT_MAX_HARDWARE];
  guint64 dr7 = kdh_breakpoints_debug_registers (x->bps, dr);

  /* One instruction cannot reach another breakpoint's int 3, and the one
   * under it must not fire: none are written for a trace. */
  *result = KDH_STEP_STOPPED_ELSEWHERE;
  x->tracing = TRUE;
  if (!_kdh_session_continue (s, TRUE, x->dr_valid ? dr7 : 0, error))
    {
      x->tracing = FALSE;
      return FALSE;
    }
  return wait_own_stop (s, TRACE_WAIT_MS, result, error);
}

gboolean
kdh_session_run_to (KdhSession     *s,
                    guint64         address,
                    guint64         frame_sp,
                    gboolean        wait,
                    KdhStepResult  *result,
                    GError        **error)
{
  KdhSessionExec *x = get_exec (s);

  *result = KDH_STEP_RUNNING;
  x->have_one_shot = TRUE;
  x->one_shot = address;
  x->one_shot_sp = frame_sp;
  x->one_shot_cpu = kdh_target_get_cpu (s->target);
  if (!kdh_session_go (s, error))
    {
      x->have_one_shot = FALSE;
      return FALSE;
    }
  if (s->state == KDH_CONN_BREAK)
    {
      /* Stepping off the current breakpoint stopped somewhere else. */
      x->have_one_shot = FALSE;
      *result = KDH_STEP_STOPPED_ELSEWHERE;
      return TRUE;
    }
  if (!wait)
    return TRUE;
  return wait_own_stop (s, RUN_TO_WAIT_MS, result, error);
}

/* ---- Stacks --------------------------------------------------------------- */

const GArray *
kdh_session_get_stack (KdhSession *s,
                       guint       cpu,
                       GError    **error)
{
  return kdh_stack_get (s->target, get_exec (s)->stacks, cpu, error);
}

guint
kdh_session_get_frame (KdhSession *s)
{
  return get_exec (s)->frame;
}

void
kdh_session_set_frame (KdhSession *s,
                       guint       frame)
{
  get_exec (s)->frame = frame;
}

/* ---- Processors ----------------------------------------------------------- */

gboolean
kdh_session_switch_processor (KdhSession *s,
                              guint       cpu,
                              GError    **error)
{
  KdhManipulate m;
  KdhStepResult result;

  if (s->dump != NULL)
    {
      kdh_session_set_frame (s, 0);
      return kdh_session_dump_switch_processor (s, cpu, error);
    }
  /* The target answers with a state change from that processor. */
  kdh_manipulate_init_switch_processor (&m, (guint16) cpu);
  g_clear_pointer (&s->current_stop, g_bytes_unref);
  if (!kdh_session_request (s, &m, NULL, 0, NULL, NULL, error))
    return FALSE;
  kdh_target_forget_stop (s->target);
  s->target_running = TRUE;
  if (!wait_own_stop (s, TRACE_WAIT_MS, &result, error))
    return FALSE;
  if (result == KDH_STEP_RUNNING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   _("Processor %u did not report; the target may be running."), cpu);
      return FALSE;
    }
  return TRUE;
}

/* ---- Detaching ------------------------------------------------------------ */

/* The connection is closing while the target runs with our breakpoints
 * in memory or in its debug registers: break in, take them out and let it
 * run free, so that nothing stops a machine no debugger listens to. */
void
_kdh_session_exec_detach (KdhSession *s)
{
  KdhSessionExec *x = s->exec;
  GPtrArray *list;
  gboolean inserted;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) error = NULL;
  KdhStateChange sc;
  gsize len;
  const guint8 *data;

  if (x == NULL || !s->transport_open || s->state != KDH_CONN_RUNNING)
    return;
  list = kdh_breakpoints_list (x->bps);
  inserted = x->one_shot_handle != 0 || x->running_dr7 != 0;
  for (guint i = 0; i < list->len; i++)
    inserted |= ((KdhBreakpoint *) g_ptr_array_index (list, i))->handle != 0;
  if (!inserted)
    return;
  kdh_host_output (s->host, KDH_OUTPUT_DEBUGGER,
                   _("Taking the breakpoints out of the running target before closing.\n"));
  kdh_session_break (s, FALSE);
  if (!kdh_session_wait (s, stop_arrived, g_get_monotonic_time () + TRACE_WAIT_MS * 1000,
                         &error) || s->stop == NULL)
    {
      kdh_host_printf (s->host, KDH_OUTPUT_ERROR,
                       _("The target did not stop; its breakpoints stay in its memory%s%s\n"),
                       error ? ": " : ".", error ? error->message : "");
      return;
    }
  payload = g_steal_pointer (&s->stop);
  s->break_outstanding = FALSE;
  data = g_bytes_get_data (payload, &len);
  if (kdh_state_change_decode (data, len, &sc, NULL))
    kdh_target_set_stop (s->target, &sc);
  kdh_state_change_clear (&sc);
  remove_all (s);
  x->running_dr7 = 0;
  if (!_kdh_session_continue (s, FALSE, 0, &error))
    kdh_host_printf (s->host, KDH_OUTPUT_ERROR, "%s\n", error->message);
}
