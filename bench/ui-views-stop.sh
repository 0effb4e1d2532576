#!/bin/sh
# After a stop, how long until every open view of the kdhost window shows
# it. The window opens with all seven debugger views (bench/ui-all-views.sh)
# on kdhost-sim over a Unix socket, under Xvfb with a private session bus;
# a breakpoint in kdhtest!KdhTestTick is hit again and again with `g`,
# typed through the window's org.kdhost.Window1.Execute. The window's
# opt-in view probe (KDH_VIEW_PROBE, src/app/kdh-view-probe.c) times each
# stop from its Break state event reaching the window:
#   shown    every open view has applied the answers to its queries
#   painted  the window's next frame after that
#   settled  the views' last query answered before the next `g` (the `g`
#            finishing after the stop makes them ask again)
# Per stop, then the median and the worst over the breakpoint hits (the
# first stop, the attach's, has nothing cached and is shown on its own).
#
#   bench/ui-views-stop.sh [BUILD_DIR] [STOPS]
#
# Needs Xvfb, dbus and gsettings. Figures, not a pass/fail.
set -eu
cd "$(dirname "$0")/.."
build="$(cd "${1:-build}" && pwd)"
stops="${2:-20}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
# shellcheck source=bench/ui-all-views.sh
. bench/ui-all-views.sh
all_views_settings "$build" "$dir/config"

export KDH_VIEW_PROBE="$dir/probe" NO_AT_BRIDGE=1 BUILD="$build" DIR="$dir" STOPS="$stops"
# shellcheck disable=SC2016  # expanded by the inner shell
xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- sh -c '
  set -u
  pid= sim=
  trap "kill \$pid \$sim 2> /dev/null" EXIT
  fail() { echo "ui-views-stop: $*" >&2; exit 1; }
  # until_ok SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds.
  until_ok() {
    n=$(( $1 * 20 )); shift
    while ! "$@" > /dev/null 2>&1; do
      n=$((n - 1)); [ $n -gt 0 ] || return 1
      sleep 0.05
    done
  }
  window() {
    gdbus call --session --dest org.kdhost.Kdhost --object-path /org/kdhost/Kdhost/session/1 \
      --method "org.kdhost.Window1.$@"
  }
  n_stops() { grep -c "^stop=" "$DIR/probe" 2> /dev/null || echo 0; }
  # A stop after the first $1 that the views have shown, the window at it.
  new_stop_shown() {
    [ "$(n_stops)" -gt "$1" ] && tail -n 1 "$DIR/probe" | grep -q "painted_ms=[0-9]" \
      && window GetState | grep -q "^(.break."
  }

  "$BUILD/src/sim/kdhost-sim" --listen="unix:$DIR/sim.sock" --quiet > /dev/null 2>&1 &
  sim=$!
  until_ok 30 test -S "$DIR/sim.sock" || fail "kdhost-sim did not listen"
  "$BUILD/src/app/kdhost" -k "com:pipe,port=$DIR/sim.sock" > /dev/null 2> "$DIR/kdhost.err" &
  pid=$!
  until_ok 60 new_stop_shown 0 || fail "the views did not show the initial break"
  window Execute "bp kdhtest!KdhTestTick" > /dev/null
  sleep 1
  i=1
  while [ $i -le "$STOPS" ]; do
    before=$(n_stops)
    window Execute g > /dev/null
    until_ok 60 new_stop_shown "$before" || fail "breakpoint hit $i not shown"
    n_stops >> "$DIR/hits"
    # Let the views settle before the next g.
    sleep 0.5
    i=$((i + 1))
  done
' || { cat "$dir/probe" "$dir/kdhost.err" >&2 2>/dev/null; exit 1; }

# The probe's lines of the breakpoint hits: "N shown painted settled answers errors".
sed -n 's/^stop=\([0-9]*\) views=[0-9]* shown_ms=\([^ ]*\) painted_ms=\([^ ]*\) settled_ms=\([^ ]*\) results=\([0-9]*\) errors=\([0-9]*\)$/\1 \2 \3 \4 \5 \6/p' \
  "$dir/probe" > "$dir/stops"
awk 'NR == FNR { hit[$1] = 1; next } FNR == 1 || $1 in hit' "$dir/hits" "$dir/stops" > "$dir/shown"
summary() {   # summary COLUMN: "median M ms, worst W ms" over the hits
  tail -n +2 "$dir/shown" | awk -v c="$1" '$c != "-" { print $c }' | sort -n | awk '
    { v[NR] = $1 }
    END { if (NR == 0) { print "n/a"; exit }
          printf "median %.1f ms, worst %.1f ms\n", v[int((NR + 1) / 2)], v[NR] }'
}
transient=$(awk 'NR == FNR { hit[$1] = 1; next } FNR > 1 && !($1 in hit)' "$dir/hits" "$dir/stops" | wc -l)
errors=$(awk '{ s += $6 } END { print s + 0 }' "$dir/stops")
echo "kdhost window, $(sed -n 's/^views=//p' "$dir/probe") views open, $stops breakpoint hits over a Unix socket ($(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  per stop, ms after its Break event reached the window:"
awk '{ printf "    %-13s  shown %6s  painted %6s  settled %6s  (%s answers)\n",
       NR == 1 ? "initial break" : "hit " NR - 1, $2, $3, $4, $5 }' "$dir/shown"
echo "  all views shown:      $(summary 2) (target 100 ms)"
echo "  next frame painted:   $(summary 3)"
echo "  views settled:        $(summary 4)"
echo "  answers without data: $errors"
echo "  transient stops:      $transient (Break events while g stepped off the breakpoint; the"
echo "                        views asked, and had their answers only at the hit)"
