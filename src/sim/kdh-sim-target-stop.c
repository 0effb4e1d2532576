/* kdh-sim-target-stop.c: the simulated target's state changes and prints
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the machine's events (an exception, a module load, a DbgPrint)
 * become on the wire: DBGKD_ANY_WAIT_STATE_CHANGE64 with its control
 * report (docs/protocol.md §3.1), or debug I/O (§3.5).
 */
#include "kdh-sim-target-private.h"

#include <string.h>

#include "kd/kdh-context.h"
#include "kd/kdh-dbgkd.h"
#include "kd/kdh-packet.h"
#include "kd/kdh-packet-ids.h"

/* ---- State changes ----------------------------------------------------- */

static void
fill_state_header (KdhSimTarget   *t,
                   KdhStateChange *sc,
                   guint           cpu,
                   guint32         new_state)
{
  guint8 ctx_rip[8];
  const KdhRegisterInfo *rip = kdh_context_find_register (KDH_MACHINE_AMD64, "rip");
  guint64 pc = 0, thread = 0;
  gsize actual;

  memset (sc, 0, sizeof *sc);
  sc->new_state = new_state;
  sc->processor_level = 6;
  sc->processor = (guint16) cpu;
  sc->number_processors = kdh_sim_kernel_n_cpus (t->kernel);
  if (kdh_sim_kernel_read_control_space (t->kernel, cpu, 3, ctx_rip, 8, &actual) && actual == 8)
    memcpy (&thread, ctx_rip, 8), thread = GUINT64_FROM_LE (thread);
  kdh_context_get (kdh_sim_kernel_context (t->kernel, cpu), KDH_CONTEXT_AMD64_SIZE, rip, &pc);
  sc->thread = thread;
  sc->program_counter = pc;
}

static void
stop_with (KdhSimTarget *t,
           guint         cpu,
           GByteArray   *payload,
           gboolean      droppable)
{
  t->state = KDH_SIM_STOPPED;
  t->cpu = cpu;
  kdh_sim_kernel_save_contexts (t->kernel);
  memset (t->context_read, 0, sizeof t->context_read);
  g_clear_pointer (&t->state_change, g_bytes_unref);
  t->state_change = g_byte_array_free_to_bytes (payload);
  t->counters.state_changes++;
  _kdh_sim_target_start_send (t, KDH_PACKET_TYPE_STATE_CHANGE64, g_bytes_ref (t->state_change), droppable);
}

void
_kdh_sim_target_report_exception (KdhSimTarget *t,
                  guint         cpu,
                  guint32       code,
                  guint64       address)
{
  KdhStateChange sc;
  KdhControlReport report;
  GByteArray *payload = g_byte_array_new ();

  fill_state_header (t, &sc, cpu, KDH_STATE_EXCEPTION);
  sc.u.exception.code = code;
  sc.u.exception.address = address;
  sc.u.exception.first_chance = 1;
  if (code == KDH_STATUS_BREAKPOINT)
    {
      /* BREAKPOINT_BREAK: information[0] = 0 for int 3 and break-in. */
      sc.u.exception.number_parameters = 1;
    }
  kdh_sim_kernel_control_report (t->kernel, cpu, &report);
  kdh_state_change_encode_exception (payload, &sc, KDH_MACHINE_AMD64, &report);
  stop_with (t, cpu, payload, FALSE);
}

void
_kdh_sim_target_report_load_symbols (KdhSimTarget *t,
                                     guint         module_index)
{
  const KdhSimModule *mod = kdh_sim_kernel_module (t->kernel, module_index);
  KdhStateChange sc;
  KdhControlReport report;
  GByteArray *payload = g_byte_array_new ();

  fill_state_header (t, &sc, 0, KDH_STATE_LOAD_SYMBOLS);
  sc.u.load_symbols.path_name_length = (guint32) strlen (mod->full_path) + 1;
  sc.u.load_symbols.base_of_dll = mod->base;
  sc.u.load_symbols.checksum = mod->checksum;
  sc.u.load_symbols.size_of_image = mod->size_of_image;
  kdh_sim_kernel_control_report (t->kernel, 0, &report);
  kdh_state_change_encode_load_symbols (payload, &sc, KDH_MACHINE_AMD64, &report, mod->full_path);
  stop_with (t, 0, payload, TRUE);
}

/* A driver the kernel loaded announces itself (DbgLoadImageSymbols). */
static void
report_loaded_image (KdhSimTarget      *t,
                     const KdhSimEvent *ev)
{
  KdhStateChange sc;
  KdhControlReport report;
  GByteArray *payload = g_byte_array_new ();
  g_autofree gchar *path = g_strndup (ev->text, ev->text_len);

  fill_state_header (t, &sc, ev->cpu, KDH_STATE_LOAD_SYMBOLS);
  sc.u.load_symbols.path_name_length = (guint32) strlen (path) + 1;
  sc.u.load_symbols.base_of_dll = ev->base;
  sc.u.load_symbols.checksum = ev->checksum;
  sc.u.load_symbols.size_of_image = ev->size_of_image;
  kdh_sim_kernel_control_report (t->kernel, ev->cpu, &report);
  kdh_state_change_encode_load_symbols (payload, &sc, KDH_MACHINE_AMD64, &report, path);
  stop_with (t, ev->cpu, payload, TRUE);
}

static void
send_print (KdhSimTarget      *t,
            const KdhSimEvent *ev)
{
  GByteArray *payload;

  /* Nobody to print to: Windows' KdpPrint gives up at once too. */
  if (!t->debugger_present)
    return;
  payload = g_byte_array_new ();
  t->print_cpu = ev->cpu;
  kdh_debug_io_encode_print (payload, (guint16) ev->cpu, ev->text, ev->text_len);
  _kdh_sim_target_start_send (t, KDH_PACKET_TYPE_DEBUG_IO, g_byte_array_free_to_bytes (payload), TRUE);
}

void
_kdh_sim_target_handle_event (KdhSimTarget      *t,
              const KdhSimEvent *ev)
{
  switch (ev->kind)
    {
    case KDH_SIM_EVENT_EXCEPTION:
      _kdh_sim_target_report_exception (t, ev->cpu, ev->code, ev->address);
      break;
    case KDH_SIM_EVENT_PRINT:
      send_print (t, ev);
      break;
    case KDH_SIM_EVENT_LOAD_SYMBOLS:
      report_loaded_image (t, ev);
      break;
    case KDH_SIM_EVENT_NONE:
      break;
    }
}

