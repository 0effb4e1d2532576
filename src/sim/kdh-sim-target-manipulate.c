/* kdh-sim-target-manipulate.c: the simulated target serves the debugger's requests
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As RO-K64's KdpSendWaitContinue does: one request at a time while
 * stopped, each answered with the request's header echoed, until a
 * Continue (or a reboot, or a bug check) lets the machine go.
 */
#include <string.h>

#include "kd/kdh-dbgkd.h"
#include "kd/kdh-packet.h"
#include "kdh-sim-target-private.h"

#define MANUALLY_INITIATED_CRASH 0xE2u

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
  _kdh_sim_target_start_send (t, KDH_PACKET_TYPE_STATE_MANIPULATE, g_byte_array_free_to_bytes (payload), FALSE);
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

void
_kdh_sim_target_serve_manipulate (KdhSimTarget *t,
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
        if (!t->opts.ptr64_flag)
          v.flags &= ~KDH_VERS_FLAG_PTR64;
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
      /* No reply: the target resumes. */
      kdh_sim_kernel_resume (t->kernel, t->cpu);
      _kdh_sim_target_resume (t);
      break;

    case KDH_API_CONTINUE2:
      /* The control set (RO-K64 KdpGetStateChange): DR7 for every
       * processor; with the trace flag, one instruction on this one. */
      kdh_sim_kernel_resume (t->kernel, t->cpu);
      kdh_sim_kernel_set_dr7 (t->kernel, kdh_manipulate_get_u64 (&m, 0x08));
      if (kdh_manipulate_get_u32 (&m, 0x04) != 0)
        {
          KdhSimEvent ev;
          guint cpu = t->cpu;

          _kdh_sim_target_resume (t);
          kdh_sim_kernel_step (t->kernel, cpu, &ev);
          _kdh_sim_target_handle_event (t, &ev);
          kdh_sim_event_clear (&ev);
        }
      else
        _kdh_sim_target_resume (t);
      break;

    case KDH_API_CAUSE_BUGCHECK:
      /* No reply: the stopped processor bug checks (RO-K64 KdpCauseBugCheck). */
      kdh_sim_kernel_bug_check (t->kernel, t->cpu, MANUALLY_INITIATED_CRASH);
      _kdh_sim_target_resume (t);
      break;

    case KDH_API_SWITCH_PROCESSOR:
      {
        guint cpu = m.processor < kdh_sim_kernel_n_cpus (t->kernel) ? m.processor : t->cpu;
        guint64 rip;

        ctx = kdh_sim_kernel_context (t->kernel, cpu);
        memcpy (&rip, ctx + 0xF8, 8);                 /* CONTEXT.Rip */
        _kdh_sim_target_report_exception (t, cpu, KDH_STATUS_WAKE_SYSTEM_DEBUGGER, GUINT64_FROM_LE (rip));
      }
      break;

    case KDH_API_REBOOT:
      _kdh_sim_target_begin_reboot (t);
      break;

    case KDH_API_CLEAR_ALL_INTERNAL_BREAKPOINTS:
      break;   /* no reply, nothing to clear */

    default:
      reply (t, &m, KDH_STATUS_UNSUCCESSFUL, NULL, 0);
      break;
    }
}

