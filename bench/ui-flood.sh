#!/bin/sh
# Floods the kdhost window with DbgPrint output from the simulated target
# (as fast as the link allows) and prints how the window coped: DbgPrint
# lines shown per second, the longest main-loop stall and its 99th
# percentile (from the opt-in probe, KDH_MAINLOOP_PROBE), and peak memory.
#
#   bench/ui-flood.sh [BUILD_DIR] [SECONDS]
#
# Needs Xvfb and dbus (scripts/install-deps installs them). Figures, not a
# pass/fail: the machine's load changes them.
set -eu
cd "$(dirname "$0")/.."
build="$(cd "${1:-build}" && pwd)"
seconds="${2:-20}"
probe="$(mktemp)"
trap 'rm -f "$probe"' EXIT

export KDH_MAINLOOP_PROBE="$probe" GSETTINGS_BACKEND=memory BUILD="$build" SECONDS_TO_RUN="$seconds"
xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- sh -c '
  "$BUILD/src/app/kdhost" -k "sim:dbgprint-rate=0" --no-initial-break &
  pid=$!
  sleep "$SECONDS_TO_RUN"
  hwm=$(grep VmHWM /proc/$pid/status | tr -s " " | cut -d" " -f2)
  kill $pid
  wait $pid || true
  echo "peak_memory_kib=$hwm" >> "$KDH_MAINLOOP_PROBE"
'

lines=$(sed -n 's/^target-lines=//p' "$probe")
echo "kdhost window, DbgPrint flood for ${seconds} s ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo "  lines shown:        ${lines:-0} ($(( ${lines:-0} / seconds )) lines/s)"
echo "  longest stall:      $(sed -n 's/^max_stall_ms=//p' "$probe") ms"
echo "  99th percentile:    $(sed -n 's/^p99_stall_ms=//p' "$probe") ms"
echo "  probe samples:      $(sed -n 's/^samples=//p' "$probe")"
echo "  peak memory:        $(sed -n 's/^peak_memory_kib=//p' "$probe") KiB"
