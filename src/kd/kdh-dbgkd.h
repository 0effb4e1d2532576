/* kdh-dbgkd.h: DbgKd message codecs (state change, manipulate, debug I/O)
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure encoders and decoders for the payloads carried inside KDCOM data
 * packets (docs/protocol.md §3). No I/O. Every decoder checks every length and
 * offset it reads against the buffer it was given and fails with a
 * KDH_DBGKD_ERROR rather than read past the end.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_DBGKD_ERROR (kdh_dbgkd_error_quark ())
GQuark kdh_dbgkd_error_quark (void);

typedef enum {
  KDH_DBGKD_ERROR_TRUNCATED,   /* the buffer is shorter than the structure */
  KDH_DBGKD_ERROR_INVALID,     /* a field holds a value that cannot be right */
  KDH_DBGKD_ERROR_UNSUPPORTED, /* a valid message this code does not decode */
} KdhDbgkdError;

/* Sizes on the wire. */
#define KDH_STATE_CHANGE64_SIZE   0xF0  /* DBGKD_ANY_WAIT_STATE_CHANGE */
#define KDH_MANIPULATE64_SIZE     0x38  /* DBGKD_MANIPULATE_STATE64 */
#define KDH_DEBUG_IO_SIZE         0x10  /* DBGKD_DEBUG_IO */
#define KDH_MAX_MEMORY_TRANSFER   (4000 - KDH_MANIPULATE64_SIZE) /* 3944 */
#define KDH_DBGKD_MAXSTREAM       16

/* State-change NewState values. */
#define KDH_STATE_EXCEPTION       0x3030
#define KDH_STATE_LOAD_SYMBOLS    0x3031
#define KDH_STATE_COMMAND_STRING  0x3032
#define KDH_STATE_ALTERNATE_FLAG  0x00010000

/* Manipulate ApiNumbers (docs/protocol.md §3.3). */
typedef enum {
  KDH_API_READ_VIRTUAL_MEMORY = 0x3130,
  KDH_API_WRITE_VIRTUAL_MEMORY = 0x3131,
  KDH_API_GET_CONTEXT = 0x3132,
  KDH_API_SET_CONTEXT = 0x3133,
  KDH_API_WRITE_BREAKPOINT = 0x3134,
  KDH_API_RESTORE_BREAKPOINT = 0x3135,
  KDH_API_CONTINUE = 0x3136,
  KDH_API_READ_CONTROL_SPACE = 0x3137,
  KDH_API_WRITE_CONTROL_SPACE = 0x3138,
  KDH_API_READ_IO_SPACE = 0x3139,
  KDH_API_WRITE_IO_SPACE = 0x313A,
  KDH_API_REBOOT = 0x313B,
  KDH_API_CONTINUE2 = 0x313C,
  KDH_API_READ_PHYSICAL_MEMORY = 0x313D,
  KDH_API_WRITE_PHYSICAL_MEMORY = 0x313E,
  KDH_API_GET_VERSION = 0x3146,
  KDH_API_CAUSE_BUGCHECK = 0x3149,
  KDH_API_SWITCH_PROCESSOR = 0x3150,
  KDH_API_READ_MSR = 0x3152,
  KDH_API_WRITE_MSR = 0x3153,
  KDH_API_SEARCH_MEMORY = 0x3156,
  KDH_API_CLEAR_ALL_INTERNAL_BREAKPOINTS = 0x315A,
  KDH_API_QUERY_MEMORY = 0x315C,
  KDH_API_GET_CONTEXT_EX = 0x315F,
  KDH_API_SET_CONTEXT_EX = 0x3160,
} KdhManipulateApi;

#define KDH_API_MANIPULATE_MIN    0x3130
#define KDH_API_MANIPULATE_LIMIT  0x3161  /* exclusive */
#define KDH_API_PRINT_STRING      0x3230
#define KDH_API_GET_STRING        0x3231

/* NTSTATUS and continue codes (docs/protocol.md §3.8). */
#define KDH_STATUS_SUCCESS                0x00000000u
#define KDH_STATUS_PENDING                0x00000103u
#define KDH_STATUS_BREAKPOINT             0x80000003u
#define KDH_STATUS_SINGLE_STEP            0x80000004u
#define KDH_STATUS_WAKE_SYSTEM_DEBUGGER   0x80000007u
#define KDH_STATUS_UNSUCCESSFUL           0xC0000001u
#define KDH_STATUS_NOT_IMPLEMENTED        0xC0000002u
#define KDH_STATUS_ACCESS_VIOLATION       0xC0000005u
#define KDH_STATUS_INVALID_PARAMETER      0xC000000Du
#define KDH_DBG_EXCEPTION_HANDLED         0x00010001u
#define KDH_DBG_CONTINUE                  0x00010002u
#define KDH_DBG_EXCEPTION_NOT_HANDLED     0x80010001u

/* IMAGE_FILE_MACHINE_* values seen in GetVersion. */
#define KDH_MACHINE_I386   0x014C
#define KDH_MACHINE_AMD64  0x8664

/* DBGKD_VERS_FLAG_* */
#define KDH_VERS_FLAG_MP     0x0001
#define KDH_VERS_FLAG_DATA   0x0002
#define KDH_VERS_FLAG_PTR64  0x0004
#define KDH_VERS_FLAG_NOMM   0x0008

/* ---- State change (packet type 7) ------------------------------------- */

typedef struct {
  guint32 code;
  guint32 flags;
  guint64 record;
  guint64 address;
  guint32 number_parameters;   /* clamped to 15 when decoding */
  guint64 information[15];
  guint32 first_chance;
} KdhException64;

typedef struct {
  guint32 path_name_length;    /* as on the wire, NUL included */
  guint64 base_of_dll;
  guint64 process_id;
  guint32 checksum;
  guint32 size_of_image;
  gboolean unload;
} KdhLoadSymbols64;

/* The control report is kept both raw and decoded for the architecture the
 * decoder was told; before GetVersion the host may not know it yet. */
typedef struct {
  guint64 dr6;
  guint64 dr7;
  guint32 eflags;
  guint16 instruction_count;   /* clamped to 16 when decoding */
  guint16 report_flags;
  guint8 instruction_stream[KDH_DBGKD_MAXSTREAM];
  guint16 seg_cs, seg_ds, seg_es, seg_fs;
} KdhControlReport;

typedef struct {
  guint32 new_state;           /* with the alternate flag removed */
  gboolean alternate;
  guint16 processor_level;
  guint16 processor;
  guint32 number_processors;
  guint64 thread;
  guint64 program_counter;
  union {
    KdhException64 exception;
    KdhLoadSymbols64 load_symbols;
  } u;
  guint8 raw_control_report[0x30];
  /* Extra bytes after the 240-byte structure: the DLL path for load
   * symbols (NUL-terminated copy, valid UTF-8 not guaranteed), or the two
   * command strings. NULL when there were none. */
  gchar *path;                 /* load symbols: the image path */
  gchar *command_name;         /* command string */
  gchar *command;
} KdhStateChange;

/* Decodes DBGKD_ANY_WAIT_STATE_CHANGE. Accepts and ignores trailing data after
 * the 240 bytes for exceptions (ReactOS appends 4 bytes). Does not decode the
 * control report: call kdh_control_report_decode() once the machine is known.
 * Load symbols: like the NT host, the path is the last PathNameLength bytes of
 * the payload, clipped to the bytes present and cut at the first NUL (a
 * missing NUL is tolerated). Command string: name and command are cut at their
 * NULs or at the end of the payload. An unknown NewState fills the common
 * fields and fails with KDH_DBGKD_ERROR_UNSUPPORTED. @out is always
 * initialised, so kdh_state_change_clear() is safe after a failure too. */
gboolean kdh_state_change_decode (const guint8    *payload,
                                  gsize            len,
                                  KdhStateChange  *out,
                                  GError         **error);
void     kdh_state_change_clear  (KdhStateChange  *sc);

/* machine: KDH_MACHINE_AMD64 or KDH_MACHINE_I386 (§3.1 control reports). */
gboolean kdh_control_report_decode (const guint8      raw[0x30],
                                    guint16           machine,
                                    KdhControlReport *out,
                                    GError          **error);

/* Encoders (for the simulated target). Append to @out. The path or command
 * strings are appended after the structure as the protocol requires. NewState
 * is the one the function is named for (sc->new_state is not read); the
 * alternate flag comes from sc->alternate. A NULL @report sends
 * sc->raw_control_report as it is. A NULL @path falls back to sc->path;
 * PathNameLength is computed from the path (NUL included), not taken from
 * sc->u.load_symbols.path_name_length. */
void kdh_state_change_encode_exception (GByteArray             *out,
                                        const KdhStateChange   *sc,
                                        guint16                 machine,
                                        const KdhControlReport *report);
void kdh_state_change_encode_load_symbols (GByteArray             *out,
                                           const KdhStateChange   *sc,
                                           guint16                 machine,
                                           const KdhControlReport *report,
                                           const gchar            *path);

/* ---- Manipulate (packet type 2) --------------------------------------- */

typedef struct {
  guint32 api;
  guint16 processor_level;
  guint16 processor;
  guint32 return_status;
  guint8 u[40];                /* the union, raw; use the accessors below */
  const guint8 *data;          /* bytes after the 56-byte header (borrowed) */
  gsize data_len;
} KdhManipulate;

/* Splits a manipulate payload into header and trailing data. The data pointer
 * borrows from @payload. */
gboolean kdh_manipulate_decode (const guint8   *payload,
                                gsize           len,
                                KdhManipulate  *out,
                                GError        **error);

/* Writes the 56-byte header followed by @data (may be NULL/0) to @out. */
void kdh_manipulate_encode (GByteArray          *out,
                            const KdhManipulate *m,
                            const guint8        *data,
                            gsize                data_len);

/* Request builders. Each resets @m (api, processor, STATUS_PENDING as the NT
 * host sets it, union) for the named API. Hosts then call
 * kdh_manipulate_encode(). Continue is the exception: like the NT host it
 * also copies ContinueStatus into ReturnStatus. */
void kdh_manipulate_init_get_version (KdhManipulate *m);
void kdh_manipulate_init_memory (KdhManipulate *m,
                                 guint32        api,          /* read/write virt/phys/control */
                                 guint16        processor,
                                 guint64        address,
                                 guint32        transfer_count);
void kdh_manipulate_init_get_context (KdhManipulate *m, guint16 processor);
void kdh_manipulate_init_set_context (KdhManipulate *m, guint16 processor, guint32 context_flags);
void kdh_manipulate_init_write_breakpoint (KdhManipulate *m, guint64 address);
void kdh_manipulate_init_restore_breakpoint (KdhManipulate *m, guint32 handle);
void kdh_manipulate_init_continue (KdhManipulate *m, guint32 continue_status);
/* Continue2 with the control set for @machine (AMD64 packs Dr7 and the symbol
 * range as u64; x86 as u32). symbol_start = 1 means "no change". */
void kdh_manipulate_init_continue2 (KdhManipulate *m,
                                    guint16        machine,
                                    guint32        continue_status,
                                    gboolean       trace,
                                    guint64        dr7,
                                    guint64        symbol_start,
                                    guint64        symbol_end);
void kdh_manipulate_init_reboot (KdhManipulate *m);
void kdh_manipulate_init_switch_processor (KdhManipulate *m, guint16 processor);

/* Whether the target answers request @api with a manipulate reply. Continue,
 * reboot, bug check and switch-processor answer with a state change (or not
 * at all), so a host must not wait for a reply to them. */
gboolean kdh_manipulate_api_has_reply (guint32 api);
/* Whether request @api reads or writes memory (virtual, physical or control
 * space): it carries an address and a length. */
gboolean kdh_manipulate_api_is_memory (guint32 api);

/* Union field accessors (offsets from the start of the 56-byte structure as
 * in docs/protocol.md §3.2, minus 0x10). */
guint64 kdh_manipulate_get_u64 (const KdhManipulate *m, guint offset_in_union);
guint32 kdh_manipulate_get_u32 (const KdhManipulate *m, guint offset_in_union);
void    kdh_manipulate_set_u64 (KdhManipulate *m, guint offset_in_union, guint64 v);
void    kdh_manipulate_set_u32 (KdhManipulate *m, guint offset_in_union, guint32 v);

/* Memory requests and replies (DBGKD_READ_MEMORY64 / WRITE_MEMORY64). */
#define kdh_manipulate_memory_address(m)  kdh_manipulate_get_u64 ((m), 0x00)
#define kdh_manipulate_memory_count(m)    kdh_manipulate_get_u32 ((m), 0x08)
#define kdh_manipulate_memory_actual(m)   kdh_manipulate_get_u32 ((m), 0x0C)

/* DBGKD_GET_VERSION64 */
typedef struct {
  guint16 major_version;
  guint16 minor_version;        /* the OS build number */
  guint8 protocol_version;
  guint8 kd_secondary_version;
  guint16 flags;
  guint16 machine_type;
  guint8 max_packet_type;
  guint8 max_state_change;
  guint8 max_manipulate;
  guint8 simulation;
  guint64 kern_base;
  guint64 ps_loaded_module_list;
  guint64 debugger_data_list;
} KdhVersion;

/* Decode fails with KDH_DBGKD_ERROR_INVALID when @reply is not a GetVersion
 * message; it does not look at ReturnStatus. Encode writes only the union. */
gboolean kdh_version_decode (const KdhManipulate *reply, KdhVersion *out, GError **error);
void     kdh_version_encode (KdhManipulate *reply, const KdhVersion *v);
const gchar *kdh_machine_name (guint16 machine_type);   /* "x64", "x86", or NULL */

/* ---- Debug I/O (packet type 3) ---------------------------------------- */

typedef struct {
  guint32 api;                  /* KDH_API_PRINT_STRING or KDH_API_GET_STRING */
  guint16 processor_level;
  guint16 processor;
  guint32 length;               /* LengthOfString / LengthOfPromptString */
  guint32 length_read;          /* GetString: LengthOfStringRead */
  const guint8 *data;           /* string bytes, borrowed, not NUL-terminated */
  gsize data_len;               /* min(length, bytes present) */
} KdhDebugIo;

/* Another ApiNumber fills the header fields and fails with
 * KDH_DBGKD_ERROR_UNSUPPORTED. A host's GetString reply echoes the prompt's
 * length field, so a target decoding it takes the reply text from the bytes
 * after the header, min(length_read, len - 16), not from data_len. */
gboolean kdh_debug_io_decode (const guint8 *payload, gsize len, KdhDebugIo *out, GError **error);
void     kdh_debug_io_encode_print (GByteArray *out, guint16 processor, const gchar *text, gsize len);
/* The host's answer to a GetString prompt: the prompt's header with
 * LengthOfStringRead = @len, then the reply bytes. */
void     kdh_debug_io_encode_get_string_reply (GByteArray *out, const KdhDebugIo *prompt,
                                               const gchar *reply, gsize len);

/* Names for logs and packet traces. */
const gchar *kdh_api_name (guint32 api);            /* "ReadVirtualMemory" or NULL */
const gchar *kdh_state_name (guint32 new_state);    /* "Exception" or NULL */
const gchar *kdh_status_name (guint32 status);      /* "STATUS_SUCCESS" or NULL */

/* One line describing a data packet, for the packet log, such as
 * "Manipulate ReadVirtualMemory 0xfffff80000400000 0x1000" or
 * "StateChange Exception 0x80000003 at 0xfffff8000012a0b0 cpu 0/2". Never
 * fails; malformed payloads are described as "malformed ...". A manipulate
 * payload is taken as a request when its ReturnStatus is STATUS_PENDING (as
 * this host sends them) or its API never gets a reply, otherwise as a reply
 * ("Manipulate GetVersion reply STATUS_SUCCESS"). */
gchar *kdh_dbgkd_describe (guint16 packet_type, const guint8 *payload, gsize len);

/* Whether a data packet's payload fits its type: DebugIo packets start with
 * a DebugIo ApiNumber, manipulate packets with a manipulate one, state
 * changes with a NewState, each at least as long as its header. The KDCOM
 * checksum covers the payload but not the header, so a garbled type byte
 * passes every packet-level check; this catches it. Types it does not know
 * are accepted. */
gboolean kdh_dbgkd_payload_plausible (guint16 packet_type, const guint8 *payload, gsize len);

G_END_DECLS
