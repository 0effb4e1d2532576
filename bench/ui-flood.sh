#!/bin/sh
# Floods the kdhost window with DbgPrint output from the simulated target
# (as fast as the link allows) and prints how the window coped: DbgPrint
# lines shown per second, the longest main-loop stall, how much of a stall
# the main thread spent on a CPU (on a shared machine the rest is mostly
# waiting for a core), the 99th percentile (from the opt-in probe,
# KDH_MAINLOOP_PROBE), and peak memory.
# Twice: with no debugger view open, and with all seven open
# (bench/ui-all-views.sh presets them in a private settings key file).
# Each run stops at the attach's initial break (the open views fill
# in), then `g` (typed through org.kdhost.Window1.Execute) lets the
# target flood; the views keep the stop's values, dimmed. The stall
# figures are the steady state's: the probe starts them over after a
# warm-up (KDH_MAINLOOP_PROBE_WARMUP_MS, 6 s by default, which covers
# start-up, the stop and the `g`) and reports what came before separately.
#
#   bench/ui-flood.sh [BUILD_DIR] [SECONDS]
#
# SECONDS (default 20) is each run's length from start-up. Needs Xvfb,
# dbus and gsettings (scripts/install-deps installs them). Figures, not a
# pass/fail: the machine's load changes them.
set -eu
cd "$(dirname "$0")/.."
build="$(cd "${1:-build}" && pwd)"
seconds="${2:-20}"
warmup_ms="${KDH_MAINLOOP_PROBE_WARMUP_MS:-6000}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
# shellcheck source=bench/ui-all-views.sh
. bench/ui-all-views.sh

# flood VIEWS PROBE: one run, its figures in PROBE.
flood() (
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)" > "$2.end"
  if [ "$1" = all ]; then
    all_views_settings "$build" "$dir/config-$1" || exit 1
  else
    export GSETTINGS_BACKEND=memory
  fi
  export KDH_MAINLOOP_PROBE="$2" KDH_MAINLOOP_PROBE_WARMUP_MS="$warmup_ms" \
         NO_AT_BRIDGE=1 BUILD="$build" SECONDS_TO_RUN="$seconds"
  # shellcheck disable=SC2016  # expanded by the inner shell
  xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- sh -c '
    start=$(date +%s%N)
    "$BUILD/src/app/kdhost" -k "sim:dbgprint-rate=0" 2>/dev/null &
    pid=$!
    window() {
      gdbus call --session --dest org.kdhost.Kdhost --object-path /org/kdhost/Kdhost/session/1 \
        --method "org.kdhost.Window1.$@"
    }
    n=1200
    until window GetState 2> /dev/null | grep -q "^(.break."; do
      n=$((n - 1)); [ $n -gt 0 ] || { echo "ui-flood: no initial break" >&2; kill $pid; exit 1; }
      sleep 0.05
    done
    sleep 1   # the views fill in
    window Execute g > /dev/null
    go_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    left=$(( SECONDS_TO_RUN * 1000 - go_ms ))
    [ $left -gt 1000 ] || left=1000
    sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
    hwm=$(grep VmHWM /proc/$pid/status | tr -s " " | cut -d" " -f2)
    kill $pid
    wait $pid || true
    echo "peak_memory_kib=$hwm" >> "$KDH_MAINLOOP_PROBE.end"
    echo "go_ms=$go_ms" >> "$KDH_MAINLOOP_PROBE.end"
    echo "flood_ms=$left" >> "$KDH_MAINLOOP_PROBE.end"
  ' 2>/dev/null
  cat "$2.end" >> "$2"
)

# report TITLE PROBE
report() {
  value() { sed -n "s/^$1=//p" "$2"; }
  lines=$(value target-lines "$2")
  go_ms=$(value go_ms "$2")
  flood_ms=$(value flood_ms "$2")
  echo "kdhost window, $1, DbgPrint flood for $((flood_ms / 1000)) s ($(date -u +%Y-%m-%d), $(nproc) cores, load $(value load "$2") at its start)"
  echo "  lines shown:        ${lines:-0} ($(( ${lines:-0} * 1000 / flood_ms )) lines/s)"
  echo "  longest stall:      $(value max_stall_ms "$2") ms (after the first $((warmup_ms / 1000)) s; target 16 ms)"
  echo "  on its own CPU:     $(value max_cpu_stall_ms "$2") ms (the most of any stall the main thread spent on a CPU; the rest of a stall waits for a core or for the X server)"
  echo "  99th percentile:    $(value p99_stall_ms "$2") ms"
  echo "  start-up stall:     $(value startup_max_stall_ms "$2") ms (longest in the first $((warmup_ms / 1000)) s: start-up, the initial break, g at $go_ms ms)"
  if [ "$go_ms" -gt $((warmup_ms - 1000)) ]; then
    echo "  (g came late, less than 1 s before the warm-up ended: the stall figures may include the stop)"
  fi
  echo "  probe samples:      $(value samples "$2")"
  kib=$(value peak_memory_kib "$2")
  echo "  peak memory:        ${kib:-0} KiB = $(( ${kib:-0} * 1024 / 1000000 )) MB (target 150 MB with all views open)"
}

flood none "$dir/none"
flood all "$dir/all"
report "no view open" "$dir/none"
report "all 7 views open" "$dir/all"
