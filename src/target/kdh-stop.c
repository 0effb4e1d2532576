/* kdh-stop.c: what the debugger does and says when the target stops
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-stop.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "common/kdh-address.h"
#include "kd/kdh-context.h"

/* The status DbgBreakPointWithStatus gets for a Ctrl-C break-in. */
#define DBG_STATUS_CONTROL_C 1

gchar *
kdh_stop_format_time (GDateTime *now)
{
  /* Not %e: GLib pads it with U+2007 (a figure space); KD with a space. */
  g_autofree gchar *day = g_date_time_format (now, "%a %b");
  g_autofree gchar *clock = g_date_time_format (now, "%H:%M:%S");
  g_autofree gchar *stamp = g_strdup_printf ("%s %2d %s", day,
                                             g_date_time_get_day_of_month (now), clock);
  g_autofree gchar *year = g_date_time_format (now, "%Y");
  gint64 offset_min = g_date_time_get_utc_offset (now) / G_TIME_SPAN_MINUTE;

  return g_strdup_printf ("%s.%03d %s (UTC %c %d:%02d)", stamp,
                          g_date_time_get_microsecond (now) / 1000, year,
                          offset_min < 0 ? '-' : '+', (gint) (ABS (offset_min) / 60),
                          (gint) (ABS (offset_min) % 60));
}

/* The lines WinDbg and KD print when a kernel connection comes up. */
static void
announce (KdhHost   *host,
          KdhTarget *target)
{
  const KdhVersion *v = kdh_target_get_version (target);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *when = kdh_stop_format_time (now);
  g_autofree gchar *kernbase = kdh_format_address (v->kern_base, kdh_target_is_ptr64 (target));
  g_autofree gchar *modlist = kdh_format_address (v->ps_loaded_module_list,
                                                       kdh_target_is_ptr64 (target));
  const gchar *os = kdh_target_get_os_name (target);
  const gchar *arch = kdh_machine_name (v->machine_type);
  guint n_cpus = kdh_target_get_n_cpus (target);

  kdh_host_printf (host, KDH_OUTPUT_DEBUGGER,
                     "Connected to %s %u %s target at (%s), ptr64 %s\n",
                     os, v->minor_version, arch, when, kdh_target_is_ptr64 (target) ? "TRUE" : "FALSE");
  kdh_host_output (host, KDH_OUTPUT_DEBUGGER, "Kernel Debugger connection established.\n");
  kdh_host_printf (host, KDH_OUTPUT_DEBUGGER, "%s Kernel Version %u %s (%u procs) %s %s\n",
                     os, v->minor_version,
                     (v->flags & KDH_VERS_FLAG_MP) ? "MP" : "UP", n_cpus,
                     (v->major_version & 0xFF) == 0x0C ? "Checked" : "Free", arch);
  kdh_host_printf (host, KDH_OUTPUT_DEBUGGER, "Kernel base = 0x%s PsLoadedModuleList = 0x%s\n",
                     kernbase, modlist);
  kdh_host_printf (host, KDH_OUTPUT_DEBUGGER, "Debug session time: %s\n", when);
}

static const gchar *
exception_name (guint32 code)
{
  switch (code)
    {
    case 0x80000003: return "Break instruction exception";
    case 0x80000004: return "Single step exception";
    case 0xC0000005: return "Access violation";
    case 0xC0000094: return "Integer divide-by-zero";
    case 0xC000001D: return "Illegal instruction";
    case 0xC0000096: return "Privileged instruction";
    case 0xC00000FD: return "Stack overflow";
    default: return "Unknown exception";
    }
}

/* A Ctrl-C break-in (x64: DbgBreakPointWithStatus with DBG_STATUS_CONTROL_C
 * in rcx) at the same instruction as the sync's stop. A bug check breaks at
 * the same instruction with another status, and is never resumed. */
static gboolean
is_stale_breakin (KdhTarget            *target,
                  const KdhStateChange *sc,
                  guint64               stale_breakin_pc)
{
  const KdhRegisterInfo *rcx;
  g_autoptr (GBytes) context = NULL;
  guint64 status = 0;
  gsize len;
  const guint8 *data;

  if (sc->u.exception.code != KDH_STATUS_BREAKPOINT || sc->program_counter != stale_breakin_pc
      || kdh_target_get_machine (target) != KDH_MACHINE_AMD64)
    return FALSE;
  rcx = kdh_context_find_register (KDH_MACHINE_AMD64, "rcx");
  context = kdh_target_get_context (target, sc->processor, NULL);
  if (context == NULL || rcx == NULL)
    return FALSE;
  data = g_bytes_get_data (context, &len);
  return kdh_context_get (data, len, rcx, &status) && status == DBG_STATUS_CONTROL_C;
}

gchar *
kdh_stop_describe_exception (const KdhStateChange *sc)
{
  return g_strdup_printf ("%s - code %08x (%s)", exception_name (sc->u.exception.code),
                          sc->u.exception.code,
                          sc->u.exception.first_chance ? "first chance" : "!!! second chance !!!");
}

/* .lastevent's words for a stop the user is shown: WinDbg's "Hit
 * breakpoint N" for ours, else the exception. */
static void
note_event (KdhTarget            *target,
            const KdhStateChange *sc,
            const gchar          *headline)
{
  g_autofree gchar *what = NULL;
  guint id;

  if (headline != NULL && sscanf (headline, "Breakpoint %x hit", &id) == 1)
    what = g_strdup_printf ("Hit breakpoint %x", id);
  else
    what = kdh_stop_describe_exception (sc);
  kdh_target_set_last_event (target, what);
}

gboolean
kdh_stop_handle (KdhHost       *host,
                 KdhTarget     *target,
                 GBytes        *payload,
                 gboolean       first,
                 gboolean       auto_continue,
                 guint64        stale_breakin_pc,
                 const gchar   *headline,
                 gboolean       quiet,
                 KdhStopAction *action,
                 GError       **error)
{
  KdhStateChange sc;
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  g_autoptr (GError) decode_error = NULL;

  *action = KDH_STOP_BREAK;
  if (!kdh_state_change_decode (data, len, &sc, &decode_error)
      && !g_error_matches (decode_error, KDH_DBGKD_ERROR, KDH_DBGKD_ERROR_UNSUPPORTED))
    {
      /* The target is stopped and waiting for requests even so. */
      kdh_host_printf (host, KDH_OUTPUT_ERROR, _("Malformed state change from the target: %s\n"),
                         decode_error->message);
      kdh_state_change_clear (&sc);
      if (!kdh_target_ensure_version (target, error))
        return FALSE;
      if (first)
        announce (host, target);
      return TRUE;
    }
  kdh_target_set_stop (target, &sc);
  kdh_state_change_clear (&sc);
  sc = *kdh_target_get_stop (target);

  if (!kdh_target_ensure_version (target, error))
    return FALSE;
  if (first)
    announce (host, target);

  switch (sc.new_state)
    {
    case KDH_STATE_LOAD_SYMBOLS:
      {
        g_autofree gchar *base = kdh_format_address (sc.u.load_symbols.base_of_dll,
                                                          kdh_target_is_ptr64 (target));

        kdh_host_printf (host, KDH_OUTPUT_DEBUGGER, sc.u.load_symbols.unload
                           ? _("Module unloaded: %s at %s\n") : _("Module loaded: %s at %s\n"),
                           sc.path ? sc.path : "?", base);
        *action = KDH_STOP_CONTINUE;
      }
      break;

    case KDH_STATE_COMMAND_STRING:
      kdh_host_printf (host, KDH_OUTPUT_TARGET, "%s: %s\n",
                         sc.command_name ? sc.command_name : "", sc.command ? sc.command : "");
      *action = KDH_STOP_CONTINUE;
      break;

    case KDH_STATE_EXCEPTION:
      /* One of the user's breakpoints hit before our break-in is news,
       * not a stop we caused. */
      if (auto_continue && sc.u.exception.code == KDH_STATUS_BREAKPOINT && headline == NULL)
        {
          *action = KDH_STOP_CONTINUE;
          break;
        }
      if (stale_breakin_pc && is_stale_breakin (target, &sc, stale_breakin_pc))
        {
          g_autofree gchar *where = kdh_format_address (sc.program_counter,
                                                             kdh_target_is_ptr64 (target));

          kdh_host_printf (host, KDH_OUTPUT_DEBUGGER,
                             _("Resumed a break-in at %s that the connection's break-in byte "
                               "had left pending in the target.\n"), where);
          *action = KDH_STOP_CONTINUE;
          break;
        }
      /* A processor switch (~N) is no event. */
      if (sc.u.exception.code != KDH_STATUS_WAKE_SYSTEM_DEBUGGER)
        note_event (target, &sc, headline);
      if (quiet)
        break;
      if (headline != NULL)
        kdh_host_output (host, KDH_OUTPUT_DEBUGGER, headline);
      else if (sc.u.exception.code != KDH_STATUS_WAKE_SYSTEM_DEBUGGER)
        {
          g_autofree gchar *what = kdh_stop_describe_exception (&sc);

          kdh_host_printf (host, KDH_OUTPUT_DEBUGGER, "%s\n", what);
        }
      kdh_host_show_location (host, target);
      break;

    default:
      kdh_host_printf (host, KDH_OUTPUT_ERROR, _("The target stopped with unknown state 0x%x.\n"),
                         sc.new_state);
      break;
    }
  return TRUE;
}

const gchar *
kdh_stop_exception_name (guint32 code)
{
  return exception_name (code);
}
