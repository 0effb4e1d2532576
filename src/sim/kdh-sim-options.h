/* kdh-sim-options.h: options of the simulated target
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the in-process `sim:` connection string and kdhost-sim's command
 * line, so both spell the options the same way:
 *   drop=P,corrupt=P,dup=P     fault probabilities (0..1) per packet crossing
 *                              the line, both ways: the packet loses, garbles
 *                              or repeats one byte (see kdh-sim-line.h for why
 *                              not per byte); over KDNET (kdh-sim-kdnet.h) a
 *                              whole datagram is lost, damaged or sent twice
 *   reorder=P                  KDNET: a datagram is held back and sent after
 *                              the next one
 *   seed=N                     fault and data seed (reproducible runs)
 *   stall-ms=N                 occasional stalls of N ms
 *   silent-after=N             stop answering after N packets, until a RESET
 *   reboot-after=N             reboot after N packets sent
 *   lose-continue-acks=N       the ACKs of the first N Continue requests are
 *                              lost on the way to the host (the target runs)
 *   dbgprint-rate=N|max        DbgPrint lines per second while running; 0 or
 *                              max: as fast as the link allows
 *   baud=N                     throttle output to the rate of a serial line
 *   cpus=N                     processor count (1..64)
 *   load-driver-after=SECONDS  load a second copy of the test driver
 *                              (kdhtest2.sys) that long after boot
 *   cpu-budget=PERCENT         the most of one core the emulated processors
 *                              may use on average (default 25)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_SIM_OPTIONS_ERROR (kdh_sim_options_error_quark ())
GQuark kdh_sim_options_error_quark (void);

typedef enum {
  KDH_SIM_OPTIONS_ERROR_UNKNOWN_OPTION,
  KDH_SIM_OPTIONS_ERROR_BAD_VALUE,
  KDH_SIM_OPTIONS_ERROR_SYNTAX,      /* empty option (",,"), missing '=' */
  KDH_SIM_OPTIONS_ERROR_DUPLICATE,   /* the same key twice in one string */
} KdhSimOptionsError;

typedef struct {
  gdouble drop;              /* per-packet probability, 0..1 */
  gdouble corrupt;
  gdouble dup;
  gdouble reorder;           /* KDNET only: per-datagram probability */
  guint64 seed;
  guint stall_ms;            /* occasional stalls of this length, 0 = none */
  guint silent_after;        /* stop answering after N packets until a RESET */
  guint reboot_after;        /* reboot after N packets sent */
  guint lose_continue_acks;  /* ACKs of the first N Continue requests lost */
  gdouble dbgprint_rate;     /* DbgPrint lines per second while running */
  gboolean dbgprint_flood;   /* dbgprint-rate=0 or max: as fast as the link allows */
  guint baud;                /* throttle output to a serial line rate, 0 = none */
  guint cpus;                /* processors, 1..64 */
  guint load_driver_after;   /* seconds after boot to load kdhtest2.sys, 0 = never */
  guint cpu_budget;          /* percent of one core the emulator may use, 1..100 */
  /* GetVersion's DBGKD_VERS_FLAG_PTR64: 0 plays a hypervisor stub that
   * reports an AMD64 machine with the flag clear. */
  guint ptr64_flag;
} KdhSimOptions;

/* Defaults: no faults, seed 1, no DbgPrint generator, no throttle, 2 CPUs,
 * no late driver, a CPU budget of 25 %. */
void     kdh_sim_options_init  (KdhSimOptions  *opts);

/* Parses "key=value,key=value" (no "sim:" prefix) over @opts; an empty
 * string is valid. Keys are case-insensitive. Errors quote the bad part.
 * On error @opts is left unchanged. */
gboolean kdh_sim_options_parse (const gchar    *text,
                                KdhSimOptions  *opts,
                                GError        **error);

/* Like kdh_sim_options_parse(), but messages quote @whole (the string @text
 * was cut from, such as a whole "sim:..." connection string) instead of
 * @text. @whole may be NULL. */
gboolean kdh_sim_options_parse_full (const gchar    *text,
                                     const gchar    *whole,
                                     KdhSimOptions  *opts,
                                     GError        **error);

/* Sets one option; used by the parser and by kdhost-sim's --key=value
 * command-line options. @value may be NULL (a bare key), which is an error
 * for every option. On error @opts is left unchanged. */
gboolean kdh_sim_options_set   (KdhSimOptions  *opts,
                                const gchar    *key,
                                const gchar    *value,
                                GError        **error);

/* The options that differ from the defaults, as "key=value,..." ("" when
 * none); re-parseable. */
gchar   *kdh_sim_options_to_string (const KdhSimOptions *opts);

G_END_DECLS
