/* kdh-remote-protocol.h: the wire between a debugging server and its clients
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * D-Bus, peer to peer, over the accepted stream (TCP, a Unix socket, TLS,
 * or a serial line between the two debuggers): GDBus gives framing,
 * marshalling and error replies, and `gdbus call --address ...` can script
 * a server. The server authenticates the D-Bus connection anonymously and
 * the client with Hello (the password, when the server has one).
 *
 * One object, KDH_REMOTE_OBJECT_PATH, interface org.kdhost.Session1:
 *
 *   Hello (a{sv} info) -> (u protocol, s server, t next_seq)
 *     info: "password" s, "name" s (user@machine), "user" s, "machine" s,
 *           "protocol" u (KDH_REMOTE_PROTOCOL_VERSION). Must come first when
 *           the server has a password; any other call before it is refused
 *           with org.kdhost.Error.AuthenticationRequired. A wrong password
 *           is refused (org.kdhost.Error.WrongPassword) and the connection
 *           closed. A different protocol version is refused
 *           (org.kdhost.Error.VersionMismatch) naming both versions.
 *           next_seq: the sequence number the next Output signal will carry;
 *           history before it comes from GetOutput.
 *   Execute (s command) -> (b success, s output, s error)
 *           runs the command line as if typed (in arrival order with all
 *           other commands), echoed to everyone with the caller's name; the
 *           reply carries the output it produced (also sent as Output).
 *   Interrupt ()          break in (Ctrl+C)
 *   Resync ()             resynchronize the kernel connection (Ctrl+R)
 *   CycleBaud ()          cycle the serial line rate
 *   Restart ()            always refused from a client (KD's rule):
 *                         org.kdhost.Error.NotAllowed
 *   GetState () -> (s state, s reason, u attempt, s transport, s target,
 *                   s prompt, b ready)
 *           state as kdh_conn_state_id ("break", "running", ...)
 *   Query (u query, t address, u count) -> (v result)
 *           a view's typed data of the stopped target (commands/kdh-view-query.h
 *           gives the kinds and each answer's type); a D-Bus error says why
 *           there is none (running, not connected). Prints nothing.
 *   GetOutput (t from_seq) -> (t first_seq, a(tsss) chunks)
 *           the kept history from from_seq on (bounded); first_seq > from_seq
 *           means older output is gone. A reply carries at most
 *           KDH_REMOTE_HISTORY_BYTES of text (Output signals go on from
 *           where it ends), and a client's history reaches back that far
 *           from its Hello. Chunk: (seq, kind, origin, text),
 *           kind "debugger", "target", "error" or "echo"; origin "" unless
 *           an echo of someone's command.
 *   Ack (t seq)           the client has everything up to seq; a client
 *                         more than KDH_REMOTE_MAX_UNACKED bytes behind gets
 *                         no more Output signals until it acks or catches up
 *                         with GetOutput (a stalled client cannot make the
 *                         server grow without bound). The server counts a
 *                         chunk as what holding its signal costs (about
 *                         twice its text plus 1 KiB), so a client acks every
 *                         64 KiB of text and at least once a second while
 *                         output arrives; the server resumes once a paused
 *                         client is back under half the limit.
 *
 *   signal Output (t seq, s kind, s origin, s text)
 *   signal StateChanged (s state, s reason, u attempt, s transport, s target)
 *   signal Prompt (s prompt, b ready)
 *
 * Sequence numbers are per server and increase by one per chunk, so a
 * client sees every chunk exactly once and in order, and detects a gap.
 *
 * A chunk is not a line: while output flows the server gathers what is
 * printed, of one kind and origin, for up to 1 ms and 16 KiB into one
 * chunk (output after a quiet spell goes out at once, an echo is always a
 * chunk of its own), so that a DbgPrint flood costs each client one
 * message per batch rather than per line. A chunk may hold many lines,
 * or end inside one. Output batched so far is sent before a StateChanged
 * or Prompt signal, before a command's Execute reply, and before a
 * GetOutput reply is made up, so these keep the server's order.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KDH_REMOTE_PROTOCOL_VERSION 1
#define KDH_REMOTE_INTERFACE        "org.kdhost.Session1"
#define KDH_REMOTE_OBJECT_PATH      "/org/kdhost/Session"

#define KDH_REMOTE_ERROR_AUTH_REQUIRED   "org.kdhost.Error.AuthenticationRequired"
#define KDH_REMOTE_ERROR_WRONG_PASSWORD  "org.kdhost.Error.WrongPassword"
#define KDH_REMOTE_ERROR_VERSION         "org.kdhost.Error.VersionMismatch"
#define KDH_REMOTE_ERROR_NOT_ALLOWED     "org.kdhost.Error.NotAllowed"
#define KDH_REMOTE_ERROR_FAILED          "org.kdhost.Error.Failed"

/* Bounds against hostile or stalled clients. */
#define KDH_REMOTE_MAX_CLIENTS        32
#define KDH_REMOTE_MAX_MESSAGE        (256 * 1024)     /* one D-Bus message */
#define KDH_REMOTE_MAX_UNACKED        (4 * 1024 * 1024)
#define KDH_REMOTE_HISTORY_BYTES      (1024 * 1024)    /* replayed to late joiners */
#define KDH_REMOTE_HELLO_TIMEOUT_MS   10000           /* silent before Hello: closed */

/* The introspection XML of org.kdhost.Session1, shared by both sides. */
extern const gchar kdh_remote_introspection_xml[];

G_END_DECLS
