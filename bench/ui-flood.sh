#!/bin/sh
# Floods the kdhost window with DbgPrint output from the simulated target
# (as fast as the link allows) and prints how the window coped: DbgPrint
# lines shown per second, the longest main-loop stall and its 99th
# percentile (from the opt-in probe, KDH_MAINLOOP_PROBE), and peak memory.
# The stall figures are the steady state's: the probe starts them over
# after a warm-up (KDH_MAINLOOP_PROBE_WARMUP_MS, 3 s by default) and
# reports what start-up cost separately.
#
#   bench/ui-flood.sh [BUILD_DIR] [SECONDS]
#
# Needs Xvfb and dbus (scripts/install-deps installs them). Figures, not a
# pass/fail: the machine's load changes them.
set -eu
cd "$(dirname "$0")/.."
build="$(cd "${1:-build}" && pwd)"
seconds="${2:-20}"
warmup_ms="${KDH_MAINLOOP_PROBE_WARMUP_MS:-3000}"
probe="$(mktemp)"
trap 'rm -f "$probe"' EXIT

export KDH_MAINLOOP_PROBE="$probe" KDH_MAINLOOP_PROBE_WARMUP_MS="$warmup_ms" \
       GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 BUILD="$build" SECONDS_TO_RUN="$seconds"
# shellcheck disable=SC2016  # expanded by the inner shell
xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- sh -c '
  "$BUILD/src/app/kdhost" -k "sim:dbgprint-rate=0" --no-initial-break 2>/dev/null &
  pid=$!
  sleep "$SECONDS_TO_RUN"
  hwm=$(grep VmHWM /proc/$pid/status | tr -s " " | cut -d" " -f2)
  kill $pid
  wait $pid || true
  echo "peak_memory_kib=$hwm" >> "$KDH_MAINLOOP_PROBE"
' 2>/dev/null

value() { sed -n "s/^$1=//p" "$probe"; }
lines=$(value target-lines)
echo "kdhost window, DbgPrint flood for ${seconds} s ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo "  lines shown:        ${lines:-0} ($(( ${lines:-0} / seconds )) lines/s)"
echo "  longest stall:      $(value max_stall_ms) ms (after the first $((warmup_ms / 1000)) s; target 16 ms)"
echo "  99th percentile:    $(value p99_stall_ms) ms"
echo "  start-up stall:     $(value startup_max_stall_ms) ms (longest in the first $((warmup_ms / 1000)) s)"
echo "  probe samples:      $(value samples)"
echo "  peak memory:        $(value peak_memory_kib) KiB"
