/* kdh-sim-target.c: the target side of the KD protocol, simulated
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The packet layer follows the NT4 reference target (docs/protocol.md §2.1,
 * §2.2): one data packet in flight, retransmitted on RESEND, RESET or
 * timeout; a data packet seen while waiting for an ACK is an implicit ACK
 * when it carries the expected id. The stub above it follows RO-K64's
 * KdpSendWaitContinue: after a state change it serves manipulate requests,
 * one at a time, until Continue.
 */
#include "kdh-sim-target.h"

#include <string.h>

#include "kd/kdh-context.h"
#include "kd/kdh-dbgkd.h"
#include "kd/kdh-packet.h"
#include "kd/kdh-packet-ids.h"

#define US_PER_MS 1000
/* Retries for a packet that may be dropped: NT4 allows 5 until the first
 * successful exchange, then 20. */
#define RETRIES_PRESENT 20
#define RETRIES_ABSENT 5
/* A rebooting machine does not read its serial port for a while. */
#define BOOT_TIME_MS 500
/* How often the running kernel is advanced (breakpoint hits). */
#define RUN_QUANTUM_MS 10


struct _KdhSimTarget
{
  KdhSimOptions opts;
  KdhSimKernel *kernel;
  KdhPacketParser *parser;
  GByteArray *inbuf;            /* bytes not yet read by the kernel */
  GQueue output;                /* GBytes units to write */
  KdhSimRunState state;
  gint64 now_us;

  guint32 next_id;              /* NextIdToSend */
  guint32 expected_id;          /* ExpectedId; over KDNET the last id taken */
  gboolean kdnet;               /* kdnet.dll's packet ids */
  gboolean any_id;              /* KDNET: nothing taken since a RESET, any id is new */
  gboolean debugger_present;
  gboolean breakin_pending;

  /* The packet in flight. */
  gboolean sending;
  guint16 send_type;
  GBytes *send_payload;
  gboolean send_droppable;
  guint retries_left;
  gint64 ack_deadline_us;
  guint ack_timeout_ms;
  guint byte_time_us;
  gint64 partial_start_us;      /* a packet half-received since then, or 0 */

  /* The current stop. */
  guint cpu;                    /* the reporting processor */
  GBytes *state_change;         /* re-sent on RESEND/RESET while stopped */
  gboolean context_read[64];    /* GetContext done during this stop, per CPU */

  /* Running. */
  gint64 last_run_us;
  gint64 next_print_us;
  guint64 print_seq;
  gint64 boot_done_us;

  /* Fault behaviours. */
  guint fresh_packets;          /* counted for silent-after / reboot-after */
  gboolean silent;

  KdhSimCounters counters;
};

static void start_send (KdhSimTarget *t, guint16 type, GBytes *payload, gboolean droppable);
static void report_exception (KdhSimTarget *t, guint cpu, guint32 code);

KdhSimTarget *
kdh_sim_target_new (const KdhSimOptions *opts,
                    gint64               now_us)
{
  KdhSimTarget *t = g_new0 (KdhSimTarget, 1);
  guint packet_ms;

  t->opts = *opts;
  t->kernel = kdh_sim_kernel_new (MAX (opts->cpus, 1), opts->seed);
  t->parser = kdh_packet_parser_new (KDH_PACKET_MAX_SIZE);
  t->inbuf = g_byte_array_new ();
  g_queue_init (&t->output);
  t->state = KDH_SIM_RUNNING;
  t->now_us = now_us;
  /* A freshly booted kernel: its first packet carries the SYNC bit. */
  t->next_id = KDH_PACKET_ID_INITIAL | KDH_PACKET_ID_SYNC;
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->last_run_us = now_us;
  t->next_print_us = now_us;
  packet_ms = opts->baud ? (guint) ((guint64) 10 * 1000 * (KDH_PACKET_MAX_SIZE + 17) / opts->baud)
                         : 0;
  t->ack_timeout_ms = 500 + 2 * packet_ms;
  t->byte_time_us = opts->baud ? (guint) (10u * G_USEC_PER_SEC / opts->baud) : 0;
  return t;
}

void
kdh_sim_target_free (KdhSimTarget *t)
{
  if (t == NULL)
    return;
  kdh_sim_kernel_free (t->kernel);
  kdh_packet_parser_free (t->parser);
  g_byte_array_unref (t->inbuf);
  g_queue_clear_full (&t->output, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  g_clear_pointer (&t->state_change, g_bytes_unref);
  g_free (t);
}

KdhSimRunState
kdh_sim_target_get_state (KdhSimTarget *t)
{
  return t->state;
}

const KdhSimCounters *
kdh_sim_target_get_counters (KdhSimTarget *t)
{
  return &t->counters;
}

KdhSimKernel *
kdh_sim_target_get_kernel (KdhSimTarget *t)
{
  return t->kernel;
}

gchar *
kdh_sim_counters_format (const KdhSimCounters *c)
{
  return g_strdup_printf ("resets_received=%" G_GUINT64_FORMAT " resets_sent=%" G_GUINT64_FORMAT
                          " packets_received=%" G_GUINT64_FORMAT " packets_sent=%" G_GUINT64_FORMAT
                          " retransmits=%" G_GUINT64_FORMAT " acks_received=%" G_GUINT64_FORMAT
                          " acks_sent=%" G_GUINT64_FORMAT " resends_received=%" G_GUINT64_FORMAT
                          " resends_sent=%" G_GUINT64_FORMAT " breakins=%" G_GUINT64_FORMAT
                          " state_changes=%" G_GUINT64_FORMAT " prints=%" G_GUINT64_FORMAT
                          " prints_dropped=%" G_GUINT64_FORMAT " reboots=%" G_GUINT64_FORMAT
                          " silences=%" G_GUINT64_FORMAT " bytes_discarded=%" G_GUINT64_FORMAT
                          " manipulates=%" G_GUINT64_FORMAT,
                          c->resets_received, c->resets_sent, c->packets_received, c->packets_sent,
                          c->retransmits, c->acks_received, c->acks_sent, c->resends_received,
                          c->resends_sent, c->breakins, c->state_changes, c->prints,
                          c->prints_dropped, c->reboots, c->silences, c->bytes_discarded,
                          c->manipulates);
}

GBytes *
kdh_sim_target_pop_output (KdhSimTarget *t)
{
  return g_queue_pop_head (&t->output);
}

static void
emit (KdhSimTarget *t,
      GByteArray   *unit)
{
  g_queue_push_tail (&t->output, g_byte_array_free_to_bytes (unit));
}

static void
send_control (KdhSimTarget *t,
              guint16       type,
              guint32       id)
{
  GByteArray *unit;

  if (t->silent)
    return;
  unit = g_byte_array_new ();
  kdh_packet_write_control (unit, type, id);
  emit (t, unit);
  switch (type)
    {
    case KDH_PACKET_TYPE_ACKNOWLEDGE: t->counters.acks_sent++; break;
    case KDH_PACKET_TYPE_RESEND: t->counters.resends_sent++; break;
    case KDH_PACKET_TYPE_RESET: t->counters.resets_sent++; break;
    default: break;
    }
}

static void transmit (KdhSimTarget *t);

static void
retransmit (KdhSimTarget *t)
{
  t->counters.retransmits++;
  transmit (t);
}

static void
transmit (KdhSimTarget *t)
{
  GByteArray *unit;
  gsize len;
  const guint8 *data;

  t->ack_deadline_us = t->now_us + (gint64) t->ack_timeout_ms * US_PER_MS;
  if (t->silent)
    return;
  data = g_bytes_get_data (t->send_payload, &len);
  unit = g_byte_array_sized_new (len + 17);
  kdh_packet_write_data (unit, t->send_type, t->next_id, data, len, NULL, 0);
  emit (t, unit);
  t->counters.packets_sent++;
}

static void
reset_ids (KdhSimTarget *t)
{
  /* kdnet.dll keeps counting its own ids across a RESET (a capture of
   * Windows 8 answering WinDbg's RESET, docs/protocol.md §5). */
  if (!t->kdnet)
    t->next_id = KDH_PACKET_ID_INITIAL;
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->any_id = TRUE;
}

void
kdh_sim_target_use_kdnet_ids (KdhSimTarget *t)
{
  t->kdnet = TRUE;
  t->next_id = kdh_packet_id_first (TRUE, FALSE);
  t->any_id = TRUE;
}

/* ---- Running ----------------------------------------------------------- */

static void
resume (KdhSimTarget *t)
{
  t->state = KDH_SIM_RUNNING;
  t->last_run_us = t->now_us;
  g_clear_pointer (&t->state_change, g_bytes_unref);
  memset (t->context_read, 0, sizeof t->context_read);
}

static void
maybe_print (KdhSimTarget *t)
{
  g_autoptr (GByteArray) payload = NULL;
  g_autofree gchar *line = NULL;

  if (t->state != KDH_SIM_RUNNING || t->sending || !t->debugger_present)
    return;
  if (!t->opts.dbgprint_flood && t->opts.dbgprint_rate <= 0)
    return;
  if (!t->opts.dbgprint_flood && t->now_us < t->next_print_us)
    return;

  line = g_strdup_printf ("kdhtest: dbgprint seq=%08" G_GUINT64_FORMAT "\n", t->print_seq++);
  payload = g_byte_array_new ();
  kdh_debug_io_encode_print (payload, (guint16) t->cpu, line, strlen (line));
  start_send (t, KDH_PACKET_TYPE_DEBUG_IO, g_byte_array_free_to_bytes (g_steal_pointer (&payload)),
              TRUE);
  if (!t->opts.dbgprint_flood)
    {
      gint64 period = (gint64) (G_USEC_PER_SEC / t->opts.dbgprint_rate);

      t->next_print_us = MAX (t->next_print_us + period, t->now_us - 10 * period);
    }
}

/* The running kernel looks at the line only for the break-in byte; every
 * other byte is read and lost, as a real target's poll loop does. Bytes
 * after the break-in byte stay for the packet layer. */
static void
poll_breakin (KdhSimTarget *t)
{
  gboolean found = FALSE;
  gsize i;

  for (i = 0; i < t->inbuf->len; i++)
    if (t->inbuf->data[i] == KDH_BREAKIN_BYTE)
      {
        t->breakin_pending = TRUE;
        found = TRUE;
        i++;
        break;
      }
  /* Only this scan's break-in byte is not discarded: one left pending
   * from the packet layer (seen while stopped) was never in inbuf. */
  t->counters.bytes_discarded += i - (found ? 1 : 0);
  g_byte_array_remove_range (t->inbuf, 0, i);
}

/* Back from the packet layer to the poll loop: bytes the parser holds are
 * read as the poll loop would read them. */
static void
drain_parser (KdhSimTarget *t)
{
  KdhParseEvent ev;

  while (kdh_packet_parser_next (t->parser, &ev))
    if (ev.kind == KDH_PARSE_BREAKIN)
      t->breakin_pending = TRUE;
  kdh_packet_parser_reset (t->parser);
}

static void
run (KdhSimTarget *t)
{
  guint cpu;
  guint64 address;

  while (t->now_us - t->last_run_us >= RUN_QUANTUM_MS * US_PER_MS)
    {
      t->last_run_us += RUN_QUANTUM_MS * US_PER_MS;
      if (kdh_sim_kernel_run (t->kernel, RUN_QUANTUM_MS, &cpu, &address))
        {
          report_exception (t, cpu, KDH_STATUS_BREAKPOINT);
          return;
        }
    }
  if (t->breakin_pending && !t->sending)
    {
      t->breakin_pending = FALSE;
      t->counters.breakins++;
      cpu = 0;
      kdh_sim_kernel_prepare_break_in (t->kernel, cpu);
      report_exception (t, cpu, KDH_STATUS_BREAKPOINT);
      return;
    }
  maybe_print (t);
}

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
  memset (t->context_read, 0, sizeof t->context_read);
  g_clear_pointer (&t->state_change, g_bytes_unref);
  t->state_change = g_byte_array_free_to_bytes (payload);
  t->counters.state_changes++;
  start_send (t, KDH_PACKET_TYPE_STATE_CHANGE64, g_bytes_ref (t->state_change), droppable);
}

static void
report_exception (KdhSimTarget *t,
                  guint         cpu,
                  guint32       code)
{
  KdhStateChange sc;
  KdhControlReport report;
  GByteArray *payload = g_byte_array_new ();

  fill_state_header (t, &sc, cpu, KDH_STATE_EXCEPTION);
  sc.u.exception.code = code;
  sc.u.exception.address = sc.program_counter;
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

static void
report_load_symbols (KdhSimTarget *t,
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

/* ---- Reboot ------------------------------------------------------------ */

static void
begin_reboot (KdhSimTarget *t)
{
  t->counters.reboots++;
  t->state = KDH_SIM_BOOTING;
  t->boot_done_us = t->now_us + BOOT_TIME_MS * US_PER_MS;
  kdh_sim_target_line_dropped (t);
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  t->sending = FALSE;
  t->silent = FALSE;
  t->breakin_pending = FALSE;
  g_clear_pointer (&t->state_change, g_bytes_unref);
}

static void
finish_reboot (KdhSimTarget *t)
{
  kdh_sim_kernel_reboot (t->kernel);
  t->next_id = kdh_packet_id_first (t->kdnet, FALSE);
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->any_id = TRUE;
  t->debugger_present = FALSE;
  resume (t);
  /* The kernel reports its own image as it initialises the debugger. */
  report_load_symbols (t, 0);
}

/* ---- Sending ----------------------------------------------------------- */

static void
count_fresh_packet (KdhSimTarget *t)
{
  t->fresh_packets++;
  if (t->opts.reboot_after && t->fresh_packets % t->opts.reboot_after == 0)
    {
      begin_reboot (t);
      return;
    }
  if (t->opts.silent_after && t->fresh_packets % t->opts.silent_after == 0 && !t->silent)
    {
      t->silent = TRUE;
      t->counters.silences++;
    }
}

static void
start_send (KdhSimTarget *t,
            guint16       type,
            GBytes       *payload,
            gboolean      droppable)
{
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  t->sending = TRUE;
  t->send_type = type;
  t->send_payload = payload;
  t->send_droppable = droppable;
  t->retries_left = t->debugger_present ? RETRIES_PRESENT : RETRIES_ABSENT;
  transmit (t);
  count_fresh_packet (t);
}

static void
send_done (KdhSimTarget *t,
           gboolean      delivered)
{
  t->sending = FALSE;
  if (t->send_type == KDH_PACKET_TYPE_DEBUG_IO)
    {
      if (delivered)
        t->counters.prints++;
      else
        t->counters.prints_dropped++;
    }
  g_clear_pointer (&t->send_payload, g_bytes_unref);
  /* A LoadSymbols given up on: nobody is there to continue us. */
  if (!delivered && t->state == KDH_SIM_STOPPED)
    resume (t);
}

static void
acknowledged (KdhSimTarget *t)
{
  t->next_id = kdh_packet_id_next (t->kdnet, t->next_id);
  send_done (t, TRUE);
}

static void
give_up (KdhSimTarget *t)
{
  /* §2.1 step 3: mark the debugger absent and start over with fresh ids. */
  t->debugger_present = FALSE;
  if (!t->kdnet)
    t->next_id = kdh_packet_id_first (FALSE, FALSE);
  t->expected_id = KDH_PACKET_ID_INITIAL;
  t->any_id = TRUE;
  send_done (t, FALSE);
}

/* ---- Manipulate requests ----------------------------------------------- */

static void
reply (KdhSimTarget  *t,
       KdhManipulate *m,
       guint32        status,
       const guint8  *data,
       gsize          data_len)
{
  GByteArray *payload = g_byte_array_new ();

  m->return_status = status;
  kdh_manipulate_encode (payload, m, data, data_len);
  start_send (t, KDH_PACKET_TYPE_STATE_MANIPULATE, g_byte_array_free_to_bytes (payload), FALSE);
}

typedef gsize (*MemoryRead) (KdhSimKernel *k, guint64 address, guint8 *buf, gsize len);
typedef gsize (*MemoryWrite) (KdhSimKernel *k, guint64 address, const guint8 *buf, gsize len);

static void
serve_read_memory (KdhSimTarget  *t,
                   KdhManipulate *m,
                   MemoryRead     read_fn)
{
  guint64 address = kdh_manipulate_memory_address (m);
  guint32 count = MIN (kdh_manipulate_memory_count (m), KDH_MAX_MEMORY_TRANSFER);
  g_autofree guint8 *buf = g_malloc (MAX (count, 1));
  gsize actual = read_fn (t->kernel, address, buf, count);

  kdh_manipulate_set_u32 (m, 0x0C, (guint32) actual);
  reply (t, m, actual == count ? KDH_STATUS_SUCCESS : KDH_STATUS_UNSUCCESSFUL, buf, actual);
}

static void
serve_write_memory (KdhSimTarget  *t,
                    KdhManipulate *m,
                    MemoryWrite    write_fn)
{
  guint64 address = kdh_manipulate_memory_address (m);
  gsize count = MIN (kdh_manipulate_memory_count (m), m->data_len);
  gsize actual = write_fn (t->kernel, address, m->data, count);

  kdh_manipulate_set_u32 (m, 0x0C, (guint32) actual);
  reply (t, m, actual == count ? KDH_STATUS_SUCCESS : KDH_STATUS_UNSUCCESSFUL, NULL, 0);
}

static void
serve_control_space (KdhSimTarget  *t,
                     KdhManipulate *m,
                     gboolean       write)
{
  guint64 index = kdh_manipulate_memory_address (m);
  guint32 count = MIN (kdh_manipulate_memory_count (m), KDH_MAX_MEMORY_TRANSFER);
  g_autofree guint8 *buf = g_malloc0 (MAX (count, 1));
  gsize actual = 0;
  gboolean ok;

  if (write)
    ok = kdh_sim_kernel_write_control_space (t->kernel, m->processor, index, m->data,
                                             MIN (count, m->data_len), &actual);
  else
    ok = kdh_sim_kernel_read_control_space (t->kernel, m->processor, index, buf, count, &actual);
  actual = MIN (actual, count);
  kdh_manipulate_set_u32 (m, 0x0C, (guint32) actual);
  reply (t, m, ok ? KDH_STATUS_SUCCESS : KDH_STATUS_UNSUCCESSFUL, write ? NULL : buf,
         write ? 0 : actual);
}

static void
serve_context_ex (KdhSimTarget  *t,
                  KdhManipulate *m,
                  gboolean       write)
{
  guint32 offset = kdh_manipulate_get_u32 (m, 0x00);
  guint32 count = kdh_manipulate_get_u32 (m, 0x04);
  guint8 *ctx = kdh_sim_kernel_context (t->kernel, m->processor);

  if (ctx == NULL || offset > KDH_CONTEXT_AMD64_SIZE || count > KDH_CONTEXT_AMD64_SIZE - offset
      || (write && (!t->context_read[m->processor] || m->data_len < count)))
    {
      kdh_manipulate_set_u32 (m, 0x08, 0);
      reply (t, m, KDH_STATUS_UNSUCCESSFUL, NULL, 0);
      return;
    }
  kdh_manipulate_set_u32 (m, 0x08, count);
  if (write)
    {
      memcpy (ctx + offset, m->data, count);
      reply (t, m, KDH_STATUS_SUCCESS, NULL, 0);
    }
  else
    {
      t->context_read[m->processor] = TRUE;
      reply (t, m, KDH_STATUS_SUCCESS, ctx + offset, count);
    }
}

static void
serve_manipulate (KdhSimTarget *t,
                  const guint8 *payload,
                  gsize         len)
{
  KdhManipulate m;
  guint8 *ctx;
  guint32 handle;
  guint64 value;

  if (!kdh_manipulate_decode (payload, len, &m, NULL))
    return;   /* too short to answer; the host's timer will notice */
  t->counters.manipulates++;

  switch (m.api)
    {
    case KDH_API_GET_VERSION:
      {
        KdhVersion v;

        kdh_sim_kernel_get_version (t->kernel, &v);
        kdh_version_encode (&m, &v);
        reply (t, &m, KDH_STATUS_SUCCESS, NULL, 0);
      }
      break;

    case KDH_API_READ_VIRTUAL_MEMORY:
      serve_read_memory (t, &m, kdh_sim_kernel_read_virtual);
      break;
    case KDH_API_WRITE_VIRTUAL_MEMORY:
      serve_write_memory (t, &m, kdh_sim_kernel_write_virtual);
      break;
    case KDH_API_READ_PHYSICAL_MEMORY:
      serve_read_memory (t, &m, kdh_sim_kernel_read_physical);
      break;
    case KDH_API_WRITE_PHYSICAL_MEMORY:
      serve_write_memory (t, &m, kdh_sim_kernel_write_physical);
      break;
    case KDH_API_READ_CONTROL_SPACE:
      serve_control_space (t, &m, FALSE);
      break;
    case KDH_API_WRITE_CONTROL_SPACE:
      serve_control_space (t, &m, TRUE);
      break;

    case KDH_API_GET_CONTEXT:
      ctx = kdh_sim_kernel_context (t->kernel, m.processor);
      if (ctx == NULL)
        reply (t, &m, KDH_STATUS_UNSUCCESSFUL, NULL, 0);
      else
        {
          t->context_read[m.processor] = TRUE;
          reply (t, &m, KDH_STATUS_SUCCESS, ctx, KDH_CONTEXT_AMD64_SIZE);
        }
      break;

    case KDH_API_SET_CONTEXT:
      ctx = kdh_sim_kernel_context (t->kernel, m.processor);
      /* RO-K64 refuses a SetContext not preceded by a GetContext. */
      if (ctx == NULL || !t->context_read[m.processor] || m.data_len < KDH_CONTEXT_AMD64_SIZE)
        reply (t, &m, KDH_STATUS_UNSUCCESSFUL, NULL, 0);
      else
        {
          memcpy (ctx, m.data, KDH_CONTEXT_AMD64_SIZE);
          reply (t, &m, KDH_STATUS_SUCCESS, NULL, 0);
        }
      break;

    case KDH_API_GET_CONTEXT_EX:
      serve_context_ex (t, &m, FALSE);
      break;
    case KDH_API_SET_CONTEXT_EX:
      serve_context_ex (t, &m, TRUE);
      break;

    case KDH_API_WRITE_BREAKPOINT:
      handle = kdh_sim_kernel_write_breakpoint (t->kernel, kdh_manipulate_get_u64 (&m, 0x00));
      kdh_manipulate_set_u32 (&m, 0x08, handle);
      reply (t, &m, handle ? KDH_STATUS_SUCCESS : KDH_STATUS_UNSUCCESSFUL, NULL, 0);
      break;

    case KDH_API_RESTORE_BREAKPOINT:
      handle = kdh_manipulate_get_u32 (&m, 0x00);
      reply (t, &m, kdh_sim_kernel_restore_breakpoint (t->kernel, handle)
                    ? KDH_STATUS_SUCCESS : KDH_STATUS_UNSUCCESSFUL, NULL, 0);
      break;

    case KDH_API_READ_MSR:
      if (kdh_sim_kernel_read_msr (t->kernel, m.processor, kdh_manipulate_get_u32 (&m, 0x00),
                                   &value))
        {
          kdh_manipulate_set_u32 (&m, 0x04, (guint32) value);
          kdh_manipulate_set_u32 (&m, 0x08, (guint32) (value >> 32));
          reply (t, &m, KDH_STATUS_SUCCESS, NULL, 0);
        }
      else
        reply (t, &m, 0xC000000Eu /* STATUS_NO_SUCH_DEVICE */, NULL, 0);
      break;

    case KDH_API_QUERY_MEMORY:
      {
        guint8 probe;

        if (kdh_manipulate_get_u32 (&m, 0x10) != 0)
          reply (t, &m, KDH_STATUS_INVALID_PARAMETER, NULL, 0);
        else if (kdh_sim_kernel_read_virtual (t->kernel, kdh_manipulate_get_u64 (&m, 0x00),
                                              &probe, 1) == 1)
          {
            kdh_manipulate_set_u32 (&m, 0x10, 2);       /* kernel space */
            kdh_manipulate_set_u32 (&m, 0x14, 1 | 2 | 4); /* read, write, execute */
            reply (t, &m, KDH_STATUS_SUCCESS, NULL, 0);
          }
        else
          reply (t, &m, KDH_STATUS_ACCESS_VIOLATION, NULL, 0);
      }
      break;

    case KDH_API_CONTINUE:
    case KDH_API_CONTINUE2:
      /* No reply: the target resumes. A trace flag (single step) is not
       * simulated; the kernel simply runs. */
      resume (t);
      break;

    case KDH_API_SWITCH_PROCESSOR:
      if (m.processor < kdh_sim_kernel_n_cpus (t->kernel))
        report_exception (t, m.processor, KDH_STATUS_WAKE_SYSTEM_DEBUGGER);
      else
        report_exception (t, t->cpu, KDH_STATUS_WAKE_SYSTEM_DEBUGGER);
      break;

    case KDH_API_REBOOT:
      begin_reboot (t);
      break;

    case KDH_API_CLEAR_ALL_INTERNAL_BREAKPOINTS:
      break;   /* no reply, nothing to clear */

    default:
      reply (t, &m, KDH_STATUS_UNSUCCESSFUL, NULL, 0);
      break;
    }
}

/* ---- Receiving --------------------------------------------------------- */

static void
handle_control (KdhSimTarget          *t,
                const KdhPacketHeader *h)
{
  switch (h->type)
    {
    case KDH_PACKET_TYPE_ACKNOWLEDGE:
      t->counters.acks_received++;
      if (t->sending && kdh_packet_id_acks (t->kdnet, t->next_id, h->id))
        acknowledged (t);
      break;

    case KDH_PACKET_TYPE_RESEND:
      t->counters.resends_received++;
      if (t->sending)
        retransmit (t);
      else if (t->state == KDH_SIM_STOPPED && t->state_change)
        start_send (t, KDH_PACKET_TYPE_STATE_CHANGE64, g_bytes_ref (t->state_change), FALSE);
      break;

    case KDH_PACKET_TYPE_RESET:
      /* §2.5: reset the ids, answer, and send again whatever was pending
       * (or the state change we are stopped on). Any id is accepted. */
      t->counters.resets_received++;
      t->silent = FALSE;
      reset_ids (t);
      send_control (t, KDH_PACKET_TYPE_RESET, kdh_packet_id_for_reset (t->kdnet, t->next_id));
      if (t->sending)
        retransmit (t);
      else if (t->state == KDH_SIM_STOPPED && t->state_change)
        start_send (t, KDH_PACKET_TYPE_STATE_CHANGE64, g_bytes_ref (t->state_change), FALSE);
      break;

    default:
      break;
    }
}

static void
handle_data (KdhSimTarget          *t,
             const KdhPacketHeader *h,
             const guint8          *payload,
             gsize                  len)
{
  gboolean is_new = kdh_packet_id_is_new (t->kdnet, t->expected_id, t->any_id, h->id);

  if (t->sending)
    {
      /* §2.2 step 5: the host has moved on, so our packet got through. */
      if (is_new)
        {
          send_control (t, KDH_PACKET_TYPE_RESEND, 0);
          acknowledged (t);
        }
      else
        send_control (t, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id);
      return;
    }

  if (!t->kdnet && h->id != KDH_PACKET_ID_INITIAL && h->id != (KDH_PACKET_ID_INITIAL | 1))
    {
      send_control (t, KDH_PACKET_TYPE_RESEND, 0);
      return;
    }
  if (!is_new)
    {
      send_control (t, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id);   /* a duplicate */
      return;
    }
  if (!kdh_dbgkd_payload_plausible (h->type, payload, len))
    {
      send_control (t, KDH_PACKET_TYPE_RESEND, 0);   /* a garbled type byte */
      return;
    }
  send_control (t, KDH_PACKET_TYPE_ACKNOWLEDGE, h->id);
  t->expected_id = kdh_packet_id_taken (t->kdnet, t->expected_id, h->id);
  t->any_id = FALSE;
  t->counters.packets_received++;
  if (h->type == KDH_PACKET_TYPE_STATE_MANIPULATE && t->state == KDH_SIM_STOPPED)
    serve_manipulate (t, payload, len);
}

/* How long a half-received packet may take before it is given up (§2.8:
 * a timeout inside a packet is answered with RESEND). The cap matters
 * when a garbled byte count makes the parser wait for bytes that are in
 * fact the host's retransmissions. */
static gint64
partial_deadline (KdhSimTarget *t)
{
  gsize needed;

  if (t->partial_start_us == 0 || !kdh_packet_parser_in_packet (t->parser, &needed))
    return G_MAXINT64;
  return t->partial_start_us + (gint64) t->ack_timeout_ms * US_PER_MS
         + 2 * (gint64) t->byte_time_us * (gint64) (needed + KDH_PACKET_MAX_SIZE);
}

static void
track_partial (KdhSimTarget *t,
               gboolean      progressed)
{
  if (!kdh_packet_parser_in_packet (t->parser, NULL))
    t->partial_start_us = 0;
  else if (progressed || t->partial_start_us == 0)
    t->partial_start_us = t->now_us;
}

static void
process_packets (KdhSimTarget *t)
{
  KdhParseEvent ev;
  gboolean progressed = FALSE;

  while ((t->state == KDH_SIM_STOPPED || t->sending) && t->state != KDH_SIM_BOOTING)
    {
      if (t->inbuf->len)
        {
          kdh_packet_parser_feed (t->parser, t->inbuf->data, t->inbuf->len);
          g_byte_array_set_size (t->inbuf, 0);
        }
      if (!kdh_packet_parser_next (t->parser, &ev))
        {
          track_partial (t, progressed);
          return;
        }
      progressed = TRUE;
      if (ev.kind == KDH_PARSE_BREAKIN)
        {
          t->breakin_pending = TRUE;
          continue;
        }
      t->debugger_present = TRUE;
      if (t->silent)
        {
          if (ev.kind == KDH_PARSE_PACKET && ev.header.control
              && ev.header.type == KDH_PACKET_TYPE_RESET)
            handle_control (t, &ev.header);
          continue;
        }
      if (ev.kind == KDH_PARSE_BAD_PACKET)
        {
          if (!ev.header.control)
            send_control (t, KDH_PACKET_TYPE_RESEND, 0);
          continue;
        }
      if (ev.header.control)
        handle_control (t, &ev.header);
      else
        handle_data (t, &ev.header, ev.payload, ev.payload_len);
    }
}

/* Runs whatever the current state allows until nothing changes. */
static void
step (KdhSimTarget *t)
{
  for (guint guard = 0; guard < 64; guard++)
    {
      KdhSimRunState state = t->state;
      gboolean sending = t->sending;

      if (t->state == KDH_SIM_BOOTING)
        {
          g_byte_array_set_size (t->inbuf, 0);
          if (t->now_us < t->boot_done_us)
            return;
          finish_reboot (t);
        }
      if (t->state == KDH_SIM_RUNNING && !t->sending)
        {
          drain_parser (t);
          poll_breakin (t);
          run (t);
        }
      process_packets (t);
      if (state == t->state && sending == t->sending)
        return;
    }
}

void
kdh_sim_target_receive (KdhSimTarget *t,
                        const guint8 *data,
                        gsize         len,
                        gint64        now_us)
{
  t->now_us = now_us;
  g_byte_array_append (t->inbuf, data, len);
  step (t);
}

void
kdh_sim_target_tick (KdhSimTarget *t,
                     gint64        now_us)
{
  KdhParseEvent ev;

  t->now_us = now_us;
  if (now_us >= partial_deadline (t))
    {
      t->partial_start_us = 0;
      if (kdh_packet_parser_abandon (t->parser, &ev) && !t->silent)
        send_control (t, KDH_PACKET_TYPE_RESEND, 0);
    }
  if (t->sending && !t->silent && now_us >= t->ack_deadline_us)
    {
      if (t->send_droppable && t->retries_left <= 1)
        give_up (t);
      else
        {
          if (t->retries_left > 0)
            t->retries_left--;
          retransmit (t);
        }
    }
  step (t);
}

gint64
kdh_sim_target_next_deadline (KdhSimTarget *t)
{
  gint64 deadline = G_MAXINT64;

  if (t->state == KDH_SIM_BOOTING)
    return t->boot_done_us;
  if (t->sending && !t->silent)
    deadline = MIN (deadline, t->ack_deadline_us);
  deadline = MIN (deadline, partial_deadline (t));
  if (t->state == KDH_SIM_RUNNING && !t->sending)
    {
      deadline = MIN (deadline, t->last_run_us + RUN_QUANTUM_MS * US_PER_MS);
      if (t->debugger_present && (t->opts.dbgprint_flood || t->opts.dbgprint_rate > 0))
        deadline = MIN (deadline, t->opts.dbgprint_flood ? t->now_us : t->next_print_us);
    }
  return deadline;
}

void
kdh_sim_target_line_dropped (KdhSimTarget *t)
{
  kdh_packet_parser_reset (t->parser);
  t->partial_start_us = 0;
  g_byte_array_set_size (t->inbuf, 0);
}
