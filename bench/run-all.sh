#!/bin/sh
# Runs every benchmark in bench/ and writes bench/RESULTS.md: the figures,
# the machine (cores, CPU model, memory, load) and the date.
#
#   bench/run-all.sh [BUILD_DIR]      (default: build)
#
# Builds what it needs first. The window's figures need Xvfb and dbus
# (scripts/install-deps installs them); without them those lines say so.
# Figures, not pass/fail: run it on a quiet machine, the load changes them.
set -u
cd "$(dirname "$0")/.." || exit 2
src="$(pwd)"
build="${1:-build}"
if [ ! -d "$build" ]; then
  echo "run-all.sh: no build directory '$build' (scripts/build makes one)" >&2
  exit 2
fi
build="$(cd "$build" && pwd)"
out="$src/bench/RESULTS.md"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT

echo "Building..."
targets="kdhost-sim kdhost-cli bench-resync bench-memread bench-exec bench-stop bench-flood-cli bench-startup bench-fanout bench-sim bench-kdnet bench-pdb bench-symbols bench-dump"
grep -q '^KDH_BUILD_APP:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && targets="$targets kdhost"
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $targets > "$log/build" 2>&1 \
  || { cat "$log/build" >&2; exit 1; }

have_display=no
command -v xvfb-run > /dev/null && command -v dbus-run-session > /dev/null \
  && [ -x "$build/src/app/kdhost" ] && have_display=yes

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME COMMAND...: runs one benchmark, keeps its output in $log/NAME.
run() {
  name="$1"
  shift
  echo "== $name: $*"
  if "$@" > "$log/$name" 2> "$log/$name.err"; then
    cat "$log/$name"
  else
    echo "(failed: $(tail -n 3 "$log/$name.err" | tr '\n' ' '))" | tee -a "$log/$name"
  fi
}

export KDH_BUILD_DIR="$build" GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1
run resync "$build/bench/bench-resync" --count 50
run memread "$build/bench/bench-memread"
run exec "$build/bench/bench-exec"
run stop "$build/bench/bench-stop"
run kdnet "$build/bench/bench-kdnet"
run flood-cli "$build/bench/bench-flood-cli" --seconds 20
if [ "$have_display" = yes ]; then
  run flood-window sh "$src/bench/ui-flood.sh" "$build" 20
  run views-stop sh "$src/bench/ui-views-stop.sh" "$build" 20
  run startup xvfb-run -a -s "-screen 0 1280x1024x24" "$build/bench/bench-startup" --runs 9
else
  echo "(not run: needs xvfb-run, dbus-run-session and the kdhost window)" > "$log/flood-window"
  cp "$log/flood-window" "$log/views-stop"
  run startup "$build/bench/bench-startup" --runs 9
fi
if [ -x "$build/bench/bench-fanout" ]; then
  run fanout "$build/bench/bench-fanout"
else
  echo "(not built)" > "$log/fanout"
fi
run sim "$build/bench/bench-sim"
run pdb "$build/bench/bench-pdb" "$build/bench/pdb-input/bench-publics.pdb"
run symbols "$build/bench/bench-symbols"
run dump "$build/bench/bench-dump"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- The headline figures, picked out of the outputs ----------------------

pick() {   # pick FILE SED-EXPRESSION
  sed -n "$2" "$1" | head -n 1
}
resync_unix="$(pick "$log/resync" 's/^resync unix socket .*p50=\([0-9.]*\) ms  p99=\([0-9.]*\) ms.*/p50 \1 ms, p99 \2 ms/p')"
resync_pty="$(pick "$log/resync" 's/^resync pty at 115200 baud .*p50=\([0-9.]*\) ms  p99=\([0-9.]*\) ms.*/p50 \1 ms, p99 \2 ms/p')"
resync_limit="$(pick "$log/resync" 's/^resync pty.*that is \([0-9.]*\) ms$/\1 ms/p')"
memread_unix="$(pick "$log/memread" 's/^memread unix socket .*: \([0-9.]*\) MB\/s.*/\1 MB\/s/p')"
memread_limit="$(pick "$log/memread" 's/^memread link limit (socket) *\([0-9.]*\) MB\/s.*/\1 MB\/s/p')"
memread_cli="$(pick "$log/memread" 's/^memread kdhost-cli to a pipe *1 MiB dq: median [0-9.]* ms = \([0-9.]*\) MB\/s, \([0-9]*\) lines\/s.*/\1 MB\/s, \2 lines\/s/p')"
stop_later="$(pick "$log/stop" 's/^stop 2 *to run [0-9]* requests, state change to prompt \([0-9]*\), views \([0-9]*\),.*/\1 request to the prompt, \2 for the five views/p')"
memread_pty="$(pick "$log/memread" 's/^memread pty.* = \([0-9.]*\) % of the line rate.*/\1 %/p')"
memread_kdnet="$(pick "$log/kdnet" 's/^memread kdnet loopback .*: \([0-9.]*\) MB\/s.*/\1 MB\/s/p')"
resync_kdnet="$(pick "$log/kdnet" 's/^resync kdnet loopback .*p50=\([0-9.]*\) ms  p99=\([0-9.]*\) ms.*/p50 \1 ms, p99 \2 ms/p')"
crypto_small="$(pick "$log/kdnet" 's/^kdnet crypto request (72 bytes) *seal \([0-9.]*\) µs, open \([0-9.]*\) µs.*/seal \1 µs, open \2 µs/p')"
crypto_large="$(pick "$log/kdnet" 's/^kdnet crypto reply (4016 bytes) *seal \([0-9.]*\) µs, open \([0-9.]*\) µs.*/seal \1 µs, open \2 µs/p')"
flood_cli="$(pick "$log/flood-cli" 's/^flood kdhost-cli (pipe) .*: \([0-9]*\) lines\/s.*/\1 lines\/s/p')"
flood_cli_pct="$(pick "$log/flood-cli" 's/^flood kdhost-cli (pipe) *\([0-9]*\) % of the link.*/\1 %/p')"
flood_limit="$(pick "$log/flood-cli" 's/^flood link limit (socket) *\([0-9]*\) lines\/s.*/\1 lines\/s/p')"
writemem_pct="$(pick "$log/memread" 's/^memread .writemem, socket .* runs: \([0-9.]*\) MB\/s;.*: median \([0-9]*\) % of the link.*/\2 % (median of the runs; \1 MB\/s)/p')"
flood_win="$(pick "$log/flood-window" 's/^  lines shown: *[0-9]* (\([0-9]*\) lines\/s)/\1 lines\/s/p')"
stall_max="$(pick "$log/flood-window" 's/^  longest stall: *\([0-9.]*\) ms.*/\1 ms/p')"
stall_p99="$(pick "$log/flood-window" 's/^  99th percentile: *\([0-9.]*\) ms.*/\1 ms/p')"
peak_mem="$(pick "$log/flood-window" 's/^  peak memory: *\([0-9]*\) KiB = \([0-9]*\) MB.*/\1 KiB (\2 MB)/p')"
# The same, from the run with every view open (the second in the output).
all_views() { sed -n '/all 7 views open/,$p' "$log/flood-window" | sed -n "$1" | head -n 1; }
stall_max_all="$(all_views 's/^  longest stall: *\([0-9.]*\) ms.*/\1 ms/p')"
stall_cpu="$(pick "$log/flood-window" 's/^  on its own CPU: *\([0-9.]*\) ms.*/\1 ms/p')"
stall_cpu_all="$(all_views 's/^  on its own CPU: *\([0-9.]*\) ms.*/\1 ms/p')"
stall_p99_all="$(all_views 's/^  99th percentile: *\([0-9.]*\) ms.*/\1 ms/p')"
peak_mem_all="$(all_views 's/^  peak memory: *\([0-9]*\) KiB = \([0-9]*\) MB.*/\1 KiB (\2 MB)/p')"
views_shown="$(pick "$log/views-stop" 's/^  all views shown: *\(median [0-9.]* ms, worst [0-9.]* ms\).*/\1/p')"
views_painted="$(pick "$log/views-stop" 's/^  next frame painted: *\(median [0-9.]* ms, worst [0-9.]* ms\).*/\1/p')"
startup_cli="$(pick "$log/startup" 's/^startup kdhost-cli (pty) *median \([0-9]*\) ms.*/\1 ms/p')"
startup_win="$(pick "$log/startup" 's/^startup kdhost window (Xvfb) *median \([0-9]*\) ms.*/\1 ms/p')"
fanout_lat="$(pick "$log/fanout" 's/^fanout .*added latency per line: p50=\([0-9.]*\) ms  p99=\([0-9.]*\) ms.*/p50 \1 ms, p99 \2 ms/p')"
fanout_rate="$(pick "$log/fanout" 's/^fanout .*flood .*slowest client \([0-9]*\) lines\/s.*/\1 lines\/s/p')"
fanout_rate_server="$(pick "$log/fanout" 's/^fanout .*flood *server \([0-9]*\) lines\/s.*/\1 lines\/s/p')"
dump_open="$(pick "$log/dump" 's/^dump open, 4 GiB sparse complete dump *\([0-9.]*\) ms, memory +\([0-9]*\) KiB anonymous.*/\1 ms, +\2 KiB anonymous memory/p')"
dump_reads="$(pick "$log/dump" 's/^dump random 4 KiB virtual reads *\([0-9]*\) reads\/s.*/\1 reads\/s/p')"
dump_write="$(pick "$log/dump" 's/^dump .dump \/f over a Unix socket .*: \([0-9.]*\) MB\/s.*/\1 MB\/s/p')"
dump_line="$(pick "$log/dump" 's/^dump .dump \/f over a 115200-baud pty .* = \([0-9.]*\) % of the line rate.*/\1 %/p')"
exec_k_fresh="$(pick "$log/exec" 's/^exec unix socket *kn, fresh stop *\([0-9]*\) round trips.*(\([0-9]*\) frames)/\1 round trips (\2 frames)/p')"
exec_k_again="$(pick "$log/exec" 's/^exec unix socket *kn, again *\([0-9]*\) round trips.*/\1 round trips/p')"
exec_u="$(pick "$log/exec" 's/^exec unix socket *u, 16 instrs *\([0-9]*\) round trips.*/\1 round trips/p')"
exec_t="$(pick "$log/exec" 's/^exec unix socket *t  *\([0-9]*\) round trips.*/\1 round trips/p')"
exec_t_pty="$(pick "$log/exec" 's/^exec pty at 115200 baud *t  *[0-9]* round trips, *\([0-9.]*\) ms.*/\1 ms/p')"
sim_rate="$(pick "$log/sim" 's/^emulated instruction rate.*: \([0-9.]*\) M instructions\/s.*/\1 M instructions\/s/p')"
sim_request="$(pick "$log/sim" 's/^sim request cost .*: \([0-9.]*\) µs of CPU each.*/\1 µs/p')"
sim_idle="$(pick "$log/sim" 's/^kdhost-sim running, idle kernel.*: \([0-9.]*\) % of a core.*/\1 %/p')"
na() { [ -n "$1" ] && echo "$1" || echo "n/a"; }
# verdict FIGURE LIMIT: whether the figure's first number is within the limit.
verdict() {
  if [ -z "$1" ]; then echo "n/a"; return; fi
  echo "$1" | awk -v limit="$2" '{ print ($1 + 0 <= limit ? "met" : "**not met**") }'
}
peak_mb_all="$(echo "$peak_mem_all" | sed -n 's/.*(\([0-9]*\) MB).*/\1/p')"
views_worst="$(echo "$views_shown" | sed -n 's/.*worst \([0-9.]*\) ms.*/\1/p')"
painted_worst="$(echo "$views_painted" | sed -n 's/.*worst \([0-9.]*\) ms.*/\1/p')"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
[ -n "$cpu" ] || cpu="$(uname -m)"
mem="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")"
# CMakeLists.txt picks RelWithDebInfo when none is given.
[ -n "$build_type" ] || build_type="RelWithDebInfo (the default)"
sanitize="$(sed -n 's/^KDH_SANITIZE:BOOL=//p' "$build/CMakeCache.txt")"

section() {   # section NAME: the benchmark's own output, verbatim
  echo '```'
  cat "$log/$1"
  echo '```'
}

{
  echo "# kdhost benchmark results"
  echo
  echo "Written by \`bench/run-all.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Figures, not"
  echo "pass/fail limits: they depend on the machine and on what else it was doing."
  echo
  echo "| machine | |"
  echo "|---|---|"
  echo "| cores (\`nproc\`) | $(nproc) |"
  echo "| CPU | $cpu |"
  echo "| memory | $mem |"
  echo "| load average (1, 5, 15 min) | $load_before before, $load_after after |"
  echo "| kernel | $(uname -sr) |"
  echo "| build | $build_type${sanitize:+, KDH_SANITIZE=$sanitize} |"
  echo
  echo "## Headline figures"
  echo
  echo "| what | figure | for scale |"
  echo "|---|---|---|"
  echo "| resync, Unix socket | $(na "$resync_unix") | |"
  echo "| resync, 115200-baud pty | $(na "$resync_pty") | line-rate limit $(na "$resync_limit") |"
  echo "| memory read, Unix socket (16 MiB with \`dq\`) | $(na "$memread_unix") | the link's measured limit: $(na "$memread_limit") |"
  echo "| kdhost-cli, 1 MiB \`dq\` to a pipe, Unix socket (median) | $(na "$memread_cli") | target ≥ 50 MB/s, ≥ 100 000 lines/s |"
  echo "| a breakpoint hit (not the first): requests | $(na "$stop_later") | target: ≤ 2 round trips plus what the commands need |"
  echo "| memory read, 115200-baud pty | $(na "$memread_pty") of the line rate | target ≥ 90 %; the protocol's ceiling is 95.7 % |"
  echo "| memory read, KDNET on loopback (16 MiB with \`dq\`) | $(na "$memread_kdnet") | |"
  echo "| resync, KDNET on loopback | $(na "$resync_kdnet") | |"
  echo "| KDNET crypto per datagram, 72-byte request / 4016-byte reply | $(na "$crypto_small") / $(na "$crypto_large") | |"
  echo "| \`.writemem\` of 16 MiB, Unix socket | $(na "$writemem_pct") of the link's measured limit | target ≥ 80 % |"
  echo "| DbgPrint flood shown by kdhost-cli (pipe) | $(na "$flood_cli") = $(na "$flood_cli_pct") of the link's limit | link-bound: the link's limit (a minimal host acknowledging each line) was $(na "$flood_limit") |"
  echo "| DbgPrint flood shown by the window | $(na "$flood_win") | |"
  echo "| window's longest main-loop stall in the flood | $(na "$stall_max") (p99 $(na "$stall_p99"); on its own CPU at most $(na "$stall_cpu")) | target: one frame, 16 ms |"
  echo "| window's peak memory in the flood | $(na "$peak_mem") | |"
  echo "| the same, all seven views open: longest stall | $(na "$stall_max_all") (p99 $(na "$stall_p99_all"); on its own CPU at most $(na "$stall_cpu_all")) | target 16 ms: $(verdict "$stall_max_all" 16); on its own CPU: $(verdict "$stall_cpu_all" 16) |"
  echo "| the same, all seven views open: peak memory | $(na "$peak_mem_all") | target ≤ 150 MB: $(verdict "$peak_mb_all" 150) |"
  echo "| breakpoint hit to all seven open views shown, Unix socket | $(na "$views_shown"); next frame painted: $(na "$views_painted") | target 100 ms (worst shown): $(verdict "$views_worst" 100) |"
  echo "| start-up to the first prompt, kdhost-cli | $(na "$startup_cli") (median) | |"
  echo "| start-up to the first prompt, window | $(na "$startup_win") (median) | |"
  if [ -n "$fanout_lat" ]; then
    echo "| remote fan-out, 8 clients: added latency per line | $fanout_lat | at 500 lines/s |"
    echo "| remote fan-out, 8 clients: lines/s | $(na "$fanout_rate") at the slowest client | server alone: $(na "$fanout_rate_server") |"
  else
    echo "| remote fan-out, 8 clients | TODO: pending (bench-fanout did not run) | |"
  fi
  echo "| opening a 4 GiB (sparse) complete crash dump | $(na "$dump_open") | target < 1 s, < 50 MB |"
  echo "| random 4 KiB virtual reads from that dump | $(na "$dump_reads") | target ≥ 50 000 |"
  echo "| \`.dump /f\` of kdhost-sim over a Unix socket | $(na "$dump_write") | target ≥ 20 MB/s |"
  echo "| \`.dump /f\` over a 115200-baud pty | $(na "$dump_line") of the line rate | target ≥ 90 %; measured over 60 s of it, then cancelled |"
  echo "| \`k\` on a fresh stop (15 frames) | $(na "$exec_k_fresh") | target ≤ 12 |"
  echo "| \`k\` again at the same stop | $(na "$exec_k_again") | target 0 |"
  echo "| \`u\` of 16 instructions | $(na "$exec_u") | target 1 |"
  echo "| \`t\`, key to prompt | $(na "$exec_t"); $(na "$exec_t_pty") on the 115200-baud pty | target ≤ 3 round trips |"
  echo "| emulated instruction rate (simulated target) | $(na "$sim_rate") | a spinning processor, instruction-counted |"
  echo "| the simulated target's cost per 3944-byte memory read, with the host's link, no I/O | $(na "$sim_request") of CPU | the simulator is not what bounds a read |"
  echo "| kdhost-sim's CPU use, running, debugger attached | $(na "$sim_idle") of a core | --cpu-budget caps it at 25 % |"
  echo
  echo "## The window's targets (issue 13)"
  echo
  echo "- With every view open, the longest main-loop stall in the DbgPrint flood ≤ 16 ms:"
  echo "  $(verdict "$stall_max_all" 16) as wall-clock time ($(na "$stall_max_all")); $(verdict "$stall_cpu_all" 16) for the"
  echo "  window's own work ($(na "$stall_cpu_all") at most of one stall on the main thread's CPU). The"
  echo "  wall-clock figure is the longest single wait of the run, so it moves with whatever"
  echo "  else the machine does (other builds, Xvfb, kdhost-sim); compare the run with no view"
  echo "  open: $(na "$stall_max") wall clock, $(na "$stall_cpu") on its own CPU."
  echo "- With every view open, memory ≤ 150 MB: $(verdict "$peak_mb_all" 150) ($(na "$peak_mem_all") peak; $(na "$peak_mem") with none)."
  echo "- After a stop, every open view shows the new state within 100 ms on a Unix socket:"
  echo "  $(verdict "$views_worst" 100) for the views' data ($(na "$views_shown") over 20 breakpoint hits);"
  echo "  $(verdict "$painted_worst" 100) if the window's next frame must be painted too: $(na "$views_painted")."
  echo
  echo "## Resync latency (\`bench-resync\`)"
  echo
  echo "50 resyncs (\`kdh_engine_resync()\`, as Ctrl+R) with the target stopped, each timed"
  echo "from the call to its COMMAND_DONE event, against kdhost-sim on a Unix socket and on"
  echo "a pty limited to 115200 baud (\`kdhost-sim --pty --baud=115200\`,"
  echo "\`com:port=...,baud=115200\`). The bytes come from the link's counters; the"
  echo "line-rate limit is those bytes, both directions (the exchange is one packet at a"
  echo "time), at 11520 bytes/s: the fastest a resync could possibly be on that line."
  echo
  section resync
  echo
  echo "## Memory-read throughput (\`bench-memread\`)"
  echo
  echo "\`dq\` over the simulator's pattern region, as a user reads memory (the output is"
  echo "formatted and then dropped): 16 MiB on a Unix socket, and 256 KiB on the"
  echo "115200-baud pty (16 MiB would take some 25 minutes there; the percentage does not"
  echo "depend on the amount, \`--line-kib\` reads more). Each 3944 bytes of memory cost"
  echo "4122 bytes on the line (request, ACK, reply, ACK), so 95.7 % is the protocol's"
  echo "ceiling before any turnaround time. On the socket the bench also measures the"
  echo "link's own limit (a minimal single-threaded host, \`kdh-bench-raw.c\`, sending"
  echo "3944-byte reads one after the other) and kdhost-cli printing a 1 MiB \`dq\` to a"
  echo "pipe (65536 lines), from the command to its last line, with its CPU time."
  echo
  echo "Where a request's time went (issue 16, profiled with \`perf record\` and \`strace -c\`"
  echo "on a 16 MiB \`dq\` from kdhost-cli): per 3944-byte read the engine thread made two"
  echo "\`send()\`s (the ACK of a reply, then the next request: each woke the simulator),"
  echo "two passes of its main loop (the bytes went to the session through an idle source)"
  echo "and GLib signalled its own eventfd twice per packet (a source that cannot recurse"
  echo "leaves the poll set while it dispatches, which wakes the context), kdhost-sim the"
  echo "same plus a wake-up for each changing ready time; formatting the lines was about a"
  echo "fifth of the engine's CPU, the front end's one write per 64 KiB chunk next to"
  echo "nothing. Now: one \`send()\` per request (writes are gathered until the loop polls),"
  echo "one pass, no eventfd writes; both sides look for the reply for up to 200 µs before"
  echo "sleeping (only on links whose round trip is under 1 ms), since on this VM an idle"
  echo "vCPU halts (guest halt-polling is off) and waking it costs more than the exchange:"
  echo "that is why this figure was lowest on a quiet machine (21 MB/s at load 1, against"
  echo "about 100 MB/s at load 8 with the same build)."
  echo
  echo "\`.writemem\` (the same reads, no formatting, into a file) was 72 to 78 % of the"
  echo "link's limit. A syscall trace of its engine thread (\`perf record -e raw_syscalls:*\`)"
  echo "showed no system call between a reply's \`read()\` and the next request's \`send()\`,"
  echo "and the profile where the rest went: each look for the reply was a pass of the"
  echo "whole main loop (prepare, poll and check every source, a dozen clock reads), and"
  echo "every 64 KiB piece flushed its progress dot to the front ends, waking a sleeping"
  echo "thread (an eventfd write that cost the engine about as much as a whole request)."
  echo "Now most looks read the socket alone (\`kdh_transport_look()\`; one in eight is still"
  echo "a pass of the loop), and a command's small output waits up to 2 ms like any other"
  echo "before it goes. Measured in turns on one machine, each run beside the link's limit"
  echo "just before it (medians of 11 runs): before 75, 75 and 78 %, after 85, 85 and 85 %."
  echo "On this VM the limit itself moves by a third from second to second, hence the"
  echo "pairs."
  echo
  section memread
  echo
  echo "## Stacks and steps (\`bench-exec\`)"
  echo
  echo "Stopped at a breakpoint in the leaf of the test driver's recursion"
  echo "(\`kdhtest!KdhTestNestLeaf\`, 15 frames deep), with the build's PDBs on the symbol"
  echo "path: the round trips (manipulate requests the simulator served, from its counters"
  echo "file) and the time to the prompt of \`kn\` on a fresh stop (the second hit; modules"
  echo "and symbols are kept across stops, memory and stacks are not) and again, \`u\` of"
  echo "16 instructions, \`t\` and \`p\`, on a Unix socket and the 115200-baud pty. Targets:"
  echo "\`k\` ≤ 12 fresh and 0 again, \`u\` 1, \`t\` ≤ 3."
  echo
  section exec
  echo
  echo "## Stops (\`bench-stop\`)"
  echo
  echo "A breakpoint in the test driver's tick routine, hit five times with \`g\` over a"
  echo "Unix socket; from the packet trace, the requests (round trips: one packet is in"
  echo "flight at a time) to let the target run, from its state change to the prompt (the"
  echo "console's stop), for the window's five views (registers, stack, 32 instructions,"
  echo "modules, breakpoints) at that stop, and for the views once more without a stop."
  echo "Code, \`.pdata\` and unwind data in the modules' read-only sections are kept"
  echo "across stops (until the module list changes or the debugger writes memory); the"
  echo "version, the module list and symbols were already kept."
  echo
  section stop
  echo
  echo "## KDNET (\`bench-kdnet\`)"
  echo
  echo "What sealing (HMAC-SHA256 with GLib's GHmac, then AES-256-CBC with nettle) and"
  echo "opening cost per datagram; then \`dq\` over 16 MiB and 50 resyncs through a KDNET"
  echo "connection to \`kdhost-sim --kdnet\` on loopback."
  echo
  section kdnet
  echo
  echo "## DbgPrint flood (\`bench-flood-cli\`, \`bench/ui-flood.sh\`)"
  echo
  echo "The in-process simulated target prints as fast as the link allows"
  echo "(\`sim:dbgprint-rate=0\`) for 20 s. kdhost-cli writes to a pipe and its lines are"
  echo "counted from the first; the window runs under Xvfb with its main-loop probe"
  echo "(\`KDH_MAINLOOP_PROBE\`), whose stall figures start over after a 6 s warm-up"
  echo "(the start-up stall is shown on its own), twice: with no debugger view open and"
  echo "with all seven (preset in a private GSettings key file, \`bench/ui-all-views.sh\`)."
  echo "Each window run stops at the initial break (the open views fill in), then \`g\`,"
  echo "typed through D-Bus, starts the flood; the views keep that stop's values,"
  echo "dimmed, as for a user who pressed F5. A stall is wall-clock time, so on a machine"
  echo "shared with other work it includes waits for a core; the probe also takes the main"
  echo "thread's CPU time over each stall (\`CLOCK_THREAD_CPUTIME_ID\`): \"on its own CPU\" is"
  echo "the most of any one stall that was the window's own work (a wait for the X server"
  echo "is not in it either). Each DbgPrint line is a packet the"
  echo "target holds until it is acknowledged, one at a time: the link's round trip and"
  echo "the simulated processor's time per line bound the rate, not the output path"
  echo "(output waits up to 2 ms for more lines, so a flood costs the front ends one"
  echo "event per many lines)."
  echo
  echo "\`bench-flood-cli\` first measures that limit: the minimal host of"
  echo "\`kdh-bench-raw.c\`, waiting as well as it can (it looks at the socket without"
  echo "sleeping for 200 µs after each packet, then blocks), breaks in to"
  echo "\`kdhost-sim --dbgprint-rate=0\` on a Unix socket, continues it and only"
  echo "acknowledges its lines: one round trip plus the simulator's own time per line"
  echo "(bench-sim: the simulator alone prints some 23 000 lines/s). The flood is"
  echo "link-bound, and issue 16's 100 000 lines/s is out of reach on this link whatever"
  echo "the host does. Then kdhost-cli on that socket, and kdhost-cli with the in-process"
  echo "simulator, each as a percentage of the limit (over 100 % when the limit's run got"
  echo "less of the machine than kdhost-cli's)."
  echo
  echo "Where the time went before the change (profiled 2026-12-07 with \`perf record -g\`,"
  echo "kdhost-cli with the in-process simulator flooding, load about 2): the simulator's"
  echo "thread had 66 % of the samples, the engine's 32 %, kdhost-cli's output 1.2 %. Half"
  echo "of the engine's and the simulator's were the kernel waking a sleeping thread,"
  echo "some 25 000 context switches a second, two per line: the engine slept in \`poll()\`"
  echo "for each next DbgPrint and kdhost-sim slept for each ACK, and on this VM waking an"
  echo "idle vCPU costs more than the exchange (the flood was slowest on a quiet machine:"
  echo "6553 lines/s at load 0.7, 15410 at load 2.4). Since then, on a link without a byte"
  echo "time, after a DbgPrint from a running target the engine looks for the next one"
  echo "without sleeping for up to 200 µs, but not while a front end is behind or reading"
  echo "is paused (a stuck front end still stops the target's output) and never when no"
  echo "line came (a target that prints nothing costs no CPU); kdhost-sim waits for its"
  echo "line's ACK the same way on a socket, never on a pty."
  echo
  section flood-cli
  echo
  section flood-window
  echo
  echo "## Views after a stop (\`bench/ui-views-stop.sh\`)"
  echo
  echo "The window with all seven views open (Disassembly on screen, Memory following"
  echo "\`@rsp\`), on kdhost-sim over a Unix socket, under Xvfb; a breakpoint in"
  echo "\`kdhtest!KdhTestTick\` hit 20 times with \`g\` typed through D-Bus. The window's"
  echo "opt-in view probe (\`KDH_VIEW_PROBE\`, \`src/app/kdh-view-probe.c\`) times each"
  echo "stop from its Break state event reaching the window: *shown* when every open view"
  echo "has applied the answers to its queries (none has one in flight), *painted* the"
  echo "window's next frame after that, *settled* the last answer before the next \`g\`."
  echo "A \`g\` from a breakpoint first steps off it; the engine keeps that step's"
  echo "Running and Break to itself, so the views ask once per hit (8 answers for the"
  echo "seven views; the Memory view's are an evaluation of \`@rsp\` and a read), and the"
  echo "probe counts any Break that lasted only a moment as a transient stop."
  echo
  section views-stop
  echo
  echo "## Start-up (\`bench-startup\`)"
  echo
  echo "From spawning \`kdhost-cli -k sim:\` on a pty to \"0: kd> \" on it, and from spawning"
  echo "\`kdhost -k sim:\` (Xvfb, a private session bus) to its session's StateChanged"
  echo "\"break\" on org.kdhost.Window1, which is when the first prompt is shown. One"
  echo "unmeasured run each first; 9 runs, median."
  echo
  section startup
  echo
  echo "## Remote fan-out (\`bench-fanout\`)"
  echo
  if [ -n "$fanout_lat" ]; then
    echo "A server engine on the in-process simulator runs \`.server tcp:...\` on loopback;"
    echo "8 client engines connect with \`kdh_engine_connect_remote()\`, all in one process."
    echo "Added latency per line: the time a client's engine posted a DbgPrint line minus"
    echo "the time the server's engine posted it, over every line and client, with the"
    echo "target printing 500 lines/s. Lines/s: the target printing as fast as it can."
    echo
    section fanout
  else
    echo "TODO: pending. The debugging server (\`.server\`) and remote client"
    echo "(\`kdh_engine_connect_remote()\`) are not in this build; \`bench-fanout\` will"
    echo "measure the added latency per line (p50/p99) and lines/s with 8 clients."
    echo
    section fanout
  fi
  echo
  echo "## The simulated machine (\`bench-sim\`)"
  echo
  echo "The emulated processors (Unicorn, one engine per processor): the instruction rate"
  echo "with one processor spinning through its per-tick budget, the host CPU the idle"
  echo "machine costs per simulated second, and kdhost-sim's CPU use from /proc while it"
  echo "runs with a debugger attached."
  echo
  section sim
  echo
  echo "## The PDB reader (\`bench-pdb\`)"
  echo
  echo "A PDB with 100 000 publics (50 000 functions and the globals they use, generated"
  echo "by \`bench/gen-pdb-source.py\`, compiled by clang and linked by lld-link as the"
  echo "guest images are): the median of 9 loads from a mapped file already in memory,"
  echo "every symbol looked up by name and by address in a shuffled order, and the"
  echo "resident memory one loaded PDB adds. Targets: load ≤ 300 ms, a lookup ≤ 2 µs,"
  echo "memory ≤ 3 × the file."
  echo
  section pdb
  echo
  echo "## Symbols for all simulated modules (\`bench-symbols\`)"
  echo
  echo "The build's PDBs in a symbol cache laid out as symsrv does, the cache alone on the"
  echo "symbol path: \`.reload /f\` on the in-process simulated target loads every module's"
  echo "PDB from it (RSDS records read from target memory, each PDB opened and matched)."
  echo "Target: ≤ 100 ms."
  echo
  section symbols
  echo
  echo "## Crash dumps (\`bench-dump\`)"
  echo
  echo "A 4 GiB complete dump, sparse on disk, whose page tables map 4 GiB with 4 KiB pages:"
  echo "the time and memory \`kdh_dump_file_open()\` takes, and random 4 KiB virtual reads"
  echo "(each a 4-level walk through the mapped file). Then \`.dump /f\` of kdhost-sim over"
  echo "a Unix socket, and over the 115200-baud pty: the whole dump would take about an hour"
  echo "there, so 60 s of its pages are measured (the ReadPhysicalMemory requests the link"
  echo "sent, 3944 bytes each) and the dump is then cancelled as Ctrl+C does, leaving no file."
  echo
  section dump
} > "$out"
echo "Wrote $out"
