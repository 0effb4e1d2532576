/* kdh-target.h: the debugger's model of the target machine
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the debugger knows about the target (version, processors, the
 * current stop, registers, loaded modules and their exports) and the
 * DbgKd operations that read and change it, built on a request function
 * (the session's). Engine thread only. Per-stop state (registers)
 * is dropped when the target runs; everything is dropped when it reboots
 * or the connection restarts.
 */
#pragma once

#include <glib.h>

#include "kd/kdh-dbgkd.h"
#include "kdh-windows-name.h"

G_BEGIN_DECLS

/* The module's PDB or why it has none (kdh-target-symbols.h); NULL while
 * deferred. */
typedef struct _KdhModuleSymbols KdhModuleSymbols;

typedef struct {
  gchar *name;                 /* "ntoskrnl.exe" */
  gchar *short_name;           /* "nt" as WinDbg names it */
  guint64 base;
  guint32 size;
  guint32 checksum;
  guint32 timestamp;
  GArray *exports;             /* KdhExport, sorted by address; NULL until loaded */
  KdhModuleSymbols *symbols;
} KdhModule;

typedef struct {
  gchar *name;
  guint64 address;
} KdhExport;

typedef struct _KdhTarget KdhTarget;

/* One manipulate request and its reply, as kdh_session_request() does it. */
typedef gboolean (*KdhTargetRequestFunc) (gpointer             request_data,
                                          const KdhManipulate *request,
                                          const guint8        *data,
                                          gsize                data_len,
                                          KdhManipulate       *reply,
                                          GBytes             **reply_payload,
                                          GError             **error);

KdhTarget *kdh_target_new  (KdhTargetRequestFunc  request,
                            gpointer              request_data);
void       kdh_target_free (KdhTarget  *target);

/* The target ran or rebooted: forget what no longer holds. */
void       kdh_target_forget_stop (KdhTarget *target);
void       kdh_target_forget_all  (KdhTarget *target);

/* A state change arrived: remember it as the current stop. */
void       kdh_target_set_stop    (KdhTarget            *target,
                                   const KdhStateChange *stop);
const KdhStateChange *kdh_target_get_stop (KdhTarget *target);   /* NULL when running */
/* What the last stop the user was shown was ("Hit breakpoint 0"), and
 * when the debugger saw it, for .lastevent; NULL when none yet. Set after
 * kdh_target_set_stop() for that stop. */
void         kdh_target_set_last_event (KdhTarget   *target,
                                        const gchar *what);
const gchar *kdh_target_get_last_event (KdhTarget   *target,
                                        GDateTime  **when);
/* The exception of that stop (NULL: it was none): a processor switch
 * since is not an event. */
const KdhException64 *kdh_target_get_last_exception (KdhTarget *target);
guint      kdh_target_get_cpu     (KdhTarget *target);
guint      kdh_target_get_n_cpus  (KdhTarget *target);

gboolean   kdh_target_ensure_version (KdhTarget  *target,
                                      GError    **error);
const KdhVersion *kdh_target_get_version (KdhTarget *target);  /* NULL until known */
guint16    kdh_target_get_machine (KdhTarget *target);          /* 0 until known */
/* Pointer width, from the machine type (AMD64 is 64-bit even when a stub
 * leaves DBGKD_VERS_FLAG_PTR64 clear); TRUE until the version is known. */
gboolean   kdh_target_is_ptr64    (KdhTarget *target);
/* "Windows 10" for the target's build and product type ("Windows" when the
 * target does not say which product it is); NULL until the version is known. */
const gchar *kdh_target_get_os_name (KdhTarget *target);
/* The product type (workstation, server) and suite mask the target offers
 * in KUSER_SHARED_DATA, read with the version. */
KdhProductType kdh_target_get_product (KdhTarget *target,
                                       guint32   *suite_mask);
/* "Windows 10 19041 x64, 2 CPUs"; NULL until the version is known. */
gchar     *kdh_target_describe    (KdhTarget *target);

/* Memory, in chunks the protocol allows. Reads stop at the first byte that
 * cannot be read: *bytes_read says how far they got, and that is not an
 * error; failing to talk to the target is. */
gboolean   kdh_target_read_virtual  (KdhTarget  *target,
                                     guint64     address,
                                     guint8     *buffer,
                                     gsize       length,
                                     gsize      *bytes_read,
                                     GError    **error);
gboolean   kdh_target_write_virtual (KdhTarget    *target,
                                     guint64       address,
                                     const guint8 *buffer,
                                     gsize         length,
                                     gsize        *bytes_written,
                                     GError      **error);

/* The CONTEXT of @cpu at the current stop (cached until the target runs). */
GBytes    *kdh_target_get_context (KdhTarget  *target,
                                   guint       cpu,
                                   GError    **error);
/* @cpu's KSPECIAL_REGISTERS (x64; cached until the target runs). */
GBytes    *kdh_target_get_special (KdhTarget  *target,
                                   guint       cpu,
                                   GError    **error);
/* A register of the current processor by WinDbg's name: the CONTEXT's,
 * a flag of EFLAGS (zf, iopl), or a control register (cr3, gdtr; x64).
 * Setting a flag writes EFLAGS; control registers are not written. */
gboolean   kdh_target_get_register (KdhTarget   *target,
                                    const gchar *name,
                                    guint64     *value,
                                    GError     **error);
gboolean   kdh_target_set_register (KdhTarget   *target,
                                    const gchar *name,
                                    guint64      value,
                                    GError     **error);

/* Loaded modules from PsLoadedModuleList (walked once per stop at most,
 * bounded against a corrupt list). */
gboolean   kdh_target_ensure_modules (KdhTarget  *target,
                                      GError    **error);
GPtrArray *kdh_target_get_modules    (KdhTarget *target);  /* of KdhModule; may be empty */
/* How many memory writes the debugger has made: a cache of target memory
 * that sees it change drops what it holds. */
guint64    kdh_target_get_memory_writes (KdhTarget *target);
/* Exports from the module's PE export directory, read on first use. */
gboolean   kdh_target_ensure_exports (KdhTarget  *target,
                                      KdhModule  *module,
                                      GError    **error);
/* "nt!DbgBreakPointWithStatus+0x4", "nt+0x1234", or NULL when the address
 * is in no module. Reads module data as needed (loading a deferred
 * module's PDB, kdh-target-symbols.c); failures give NULL. */
gchar     *kdh_target_symbolize      (KdhTarget *target,
                                      guint64    address);
/* "nt!DbgPrint", "DbgPrint" (@module NULL: any module), or "nt" (@name
 * NULL: the module base); PDB names where the module has its PDB, else
 * exports. */
gboolean   kdh_target_lookup_symbol  (KdhTarget   *target,
                                      const gchar *module,
                                      const gchar *name,
                                      guint64     *address);

/* Software breakpoints the debugger wrote (bp), by the handle the target
 * gave each; forgotten with everything else when the target reboots or
 * the connection restarts. */
typedef struct {
  guint32 handle;
  guint64 address;
} KdhBreakpointRecord;

void       kdh_target_add_breakpoint    (KdhTarget *target,
                                         guint32    handle,
                                         guint64    address);
void       kdh_target_remove_breakpoint (KdhTarget *target,
                                         guint32    handle);
/* Sorted by handle; never NULL. */
const GArray *kdh_target_get_breakpoints (KdhTarget *target);

G_END_DECLS
