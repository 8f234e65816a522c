#!/usr/bin/env bash
# scripts/bench.sh — build gort-bench and the Go peers, run every benchmark
# side by side with its Go twin (../shared/peers/pair.py: A and B alternately,
# medians, median of the pairwise ratios), and print a Markdown table.
#
#   scripts/bench.sh                      all groups, REPS=5, full sizes
#   REPS=3 scripts/bench.sh               fewer repetitions
#   ONLY="skynet ctxswitch" scripts/bench.sh
#   QUICK=1 scripts/bench.sh              reduced sizes (smoke test; not for quoting)
#
# Groups: skynet ctxswitch spawn pipeline ctxswitch-p1 defer binary-trees gc-latency alloc
#   skynet        gort-bench skynet 1000000        vs  GOMAXPROCS=2 skynet_go 1000000
#   ctxswitch     gort-bench ctxswitch 1000000 10000000  vs  GOMAXPROCS=2 ctxswitch_go ...
#   spawn         gort-bench spawn 1000000         vs  GOMAXPROCS=2 spawn_go (bench/go/spawn.go)
#   pipeline      gort-bench pipeline 1000000      vs  GOMAXPROCS=2 pipeline_go (bench/go/pipeline.go)
#   defer         gort-bench defer 100000000       vs  GOMAXPROCS=2 defer_go (bench/go/defer/main.go)
#   ctxswitch-p1  both at GOMAXPROCS=1 (informational: every yield must switch)
#   binary-trees  gort-bench binary-trees 21       vs  GOMAXPROCS=2 bt_go 21 (QUICK: 16)
#   gc-latency    gort-bench gc-latency 2000000 200000  vs  msgwin_go (QUICK: 200000 20000)
#   alloc         gort-bench alloc 10000000        vs  GOMAXPROCS=2 alloc_go (QUICK: 1000000)
# gort runs with its defaults (GOMAXPROCS from the environment, else all CPUs).
#
# Other knobs: BUILD_DIR (default build), PEERS_BUILD (default build-peers),
# SHARED (default ../shared), GO_PROCS (default 2), PAIR_TIMEOUT (seconds per
# group, default 300*REPS).
# Exit status: 0 when everything built and ran (missed bars do not fail it),
# 1 when a build or a run failed (crash, CHECK FAILED, timeout).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=$(cd "${SHARED:-$ROOT/../shared}" 2>/dev/null && pwd) || { echo "bench.sh: ../shared not found (set SHARED=)"; exit 1; }
PEERS=$SHARED/peers
BUILD_DIR=${BUILD_DIR:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
PEERS_BUILD=${PEERS_BUILD:-$ROOT/build-peers}
case $PEERS_BUILD in /*) ;; *) PEERS_BUILD=$ROOT/$PEERS_BUILD ;; esac
REPS=${REPS:-5}
QUICK=${QUICK:-0}
ONLY=${ONLY:-"skynet ctxswitch spawn pipeline ctxswitch-p1 defer binary-trees gc-latency alloc"}
GO_PROCS=${GO_PROCS:-2}
PAIR_TIMEOUT=${PAIR_TIMEOUT:-$((300 * REPS))}
OUT=$BUILD_DIR/bench-results
BENCH=$BUILD_DIR/bin/gort-bench

if [ "$QUICK" = 1 ]; then
  SKY=100000; CS="200000 1000000"; SPN=200000; PIPE=200000
  BT=16; MSGWIN="200000 20000"; ALLOC=1000000
else
  SKY=1000000; CS="1000000 10000000"; SPN=1000000; PIPE=1000000   # the Go programs' defaults
  BT=21; MSGWIN="2000000 200000"; ALLOC=10000000
fi

want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
for g in $ONLY; do
  case $g in skynet|ctxswitch|spawn|pipeline|ctxswitch-p1|defer|binary-trees|gc-latency|alloc) ;; *) echo "bench.sh: unknown group '$g' (skynet ctxswitch spawn pipeline ctxswitch-p1 defer binary-trees gc-latency alloc)"; exit 1 ;; esac
done
mkdir -p "$OUT" || exit 1
rm -f "$OUT"/*.pair "$OUT"/*.status

# ---- build gort-bench --------------------------------------------------------
echo "== building gort-bench in $BUILD_DIR"
if ! { cmake -S "$ROOT" -B "$BUILD_DIR" >"$OUT/cmake.log" 2>&1 &&
       cmake --build "$BUILD_DIR" -j"$(nproc)" --target gort-bench >>"$OUT/cmake.log" 2>&1; }; then
  tail -40 "$OUT/cmake.log"
  echo "bench.sh: building gort-bench failed (log: $OUT/cmake.log)"
  exit 1
fi

# ---- build the peers (Go programs and C++ baselines) ---------------------------
echo "== building the peers in $PEERS_BUILD"
if ! BUILD_ONLY=1 PEERS_BUILD="$PEERS_BUILD" "$PEERS/run_all.sh" >"$OUT/peers.log" 2>&1; then
  tail -40 "$OUT/peers.log"
  echo "bench.sh: building the peers failed (log: $OUT/peers.log)"
  exit 1
fi
# spawn and pipeline have no program in ../shared/peers: their Go twins live
# in bench/go/.
build_go_twin() {  # build_go_twin NAME [SOURCE]
  local src=${2:-$ROOT/bench/go/$1.go}
  mkdir -p "$BUILD_DIR/bench-go"
  if ! GOCACHE=${GOCACHE:-$PEERS_BUILD/gocache} GOPATH=${GOPATH:-$PEERS_BUILD/gopath} GO111MODULE=off \
       go build -o "$BUILD_DIR/bench-go/$1_go" "$src" >>"$OUT/peers.log" 2>&1; then
    tail -20 "$OUT/peers.log"
    echo "bench.sh: building $src failed"
    exit 1
  fi
}
SPAWN_GO=$BUILD_DIR/bench-go/spawn_go
PIPELINE_GO=$BUILD_DIR/bench-go/pipeline_go
want spawn && build_go_twin spawn
want pipeline && build_go_twin pipeline
DEFER_GO=$BUILD_DIR/bench-go/defer_go
want defer && build_go_twin defer "$ROOT/bench/go/defer/main.go"

# ---- environment -----------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "go: $(go version 2>/dev/null)"
  echo "reps: $REPS  quick: $QUICK  Go GOMAXPROCS: $GO_PROCS  gort GOMAXPROCS: ${GOMAXPROCS:-default}"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/env.txt"

# ---- runs ------------------------------------------------------------------
FAIL=0
pair() {  # pair GROUP -- CMD_A ... --vs CMD_B ...
  local group=$1; shift 2
  echo
  echo "== $group"
  # timeout signals its whole process group: pair.py and the benchmark it runs.
  timeout --kill-after=10 "$PAIR_TIMEOUT" python3 "$PEERS/pair.py" --reps "$REPS" -- "$@" 2>&1 |
    tee "$OUT/$group.pair"
  local rc=${PIPESTATUS[0]}
  echo "$rc" >"$OUT/$group.status"
  if [ "$rc" != 0 ]; then
    [ "$rc" = 124 ] && echo "bench.sh: $group timed out after ${PAIR_TIMEOUT}s"
    echo "bench.sh: $group FAILED (exit $rc)"
    FAIL=1
  fi
}

want skynet && pair skynet -- "$BENCH" skynet $SKY \
  --vs env GOMAXPROCS="$GO_PROCS" "$PEERS_BUILD/skynet_go" $SKY
want ctxswitch && pair ctxswitch -- "$BENCH" ctxswitch $CS \
  --vs env GOMAXPROCS="$GO_PROCS" "$PEERS_BUILD/ctxswitch_go" $CS
want spawn && pair spawn -- "$BENCH" spawn $SPN \
  --vs env GOMAXPROCS="$GO_PROCS" "$SPAWN_GO" $SPN
want pipeline && pair pipeline -- "$BENCH" pipeline $PIPE \
  --vs env GOMAXPROCS="$GO_PROCS" "$PIPELINE_GO" $PIPE
want defer && pair defer -- "$BENCH" defer \
  --vs env GOMAXPROCS="$GO_PROCS" "$DEFER_GO"
want ctxswitch-p1 && pair ctxswitch-p1 -- env GOMAXPROCS=1 "$BENCH" ctxswitch $CS \
  --vs env GOMAXPROCS=1 "$PEERS_BUILD/ctxswitch_go" $CS
want binary-trees && pair binary-trees -- "$BENCH" binary-trees $BT \
  --vs env GOMAXPROCS="$GO_PROCS" "$PEERS_BUILD/bt_go" $BT
want gc-latency && pair gc-latency -- "$BENCH" gc-latency $MSGWIN \
  --vs env GOMAXPROCS="$GO_PROCS" "$PEERS_BUILD/msgwin_go" $MSGWIN
want alloc && pair alloc -- "$BENCH" alloc $ALLOC \
  --vs env GOMAXPROCS="$GO_PROCS" "$PEERS_BUILD/alloc_go" $ALLOC

# ---- table -----------------------------------------------------------------
echo
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/env.txt"
echo
GO_PROCS=$GO_PROCS python3 - "$OUT" "$REPS" $ONLY <<'EOF' | tee "$OUT/table.md"
import os, re, sys
out, reps, groups = sys.argv[1], sys.argv[2], sys.argv[3:]
# The bars of issue 2, as ratios gort/Go (Go at GOMAXPROCS=2); other rows have none.
BARS = {("skynet", "time"): 0.5, ("skynet", "maxrss"): 1.0,
        ("ctxswitch", "pingpong_roundtrip"): 0.5, ("ctxswitch", "gosched1_call"): 0.5,
        ("ctxswitch", "gosched2_call"): 0.5,
        ("binary-trees", "time_internal"): 0.5, ("binary-trees", "maxrss"): 1.0,
        ("gc-latency", "push_max"): 0.5, ("gc-latency", "push_p999"): 1.0,
        ("alloc", "per_alloc"): 0.5}
RATIO = re.compile(r"^RATIO metric=(\S+) a=(\S+) b=(\S+) unit=(\S+) ratio=(\S+)")
LAST = ("maxrss", "wall_ext")  # /usr/bin/time's figures after the program's own

def num(x):
    v = float(x)
    if v == 0: return "0"
    a = abs(v)
    if a >= 100: return "%.0f" % v
    if a >= 10: return "%.1f" % v
    if a >= 1: return "%.2f" % v
    return "%.3g" % v

print("| benchmark | metric | gort median | Go median | ratio (gort/Go) | bar |")
print("|---|---|---:|---:|---:|---|")
for g in groups:
    try:
        status = open(os.path.join(out, g + ".status")).read().strip()
        lines = open(os.path.join(out, g + ".pair")).read().splitlines()
    except OSError:
        status, lines = "not run", []
    rows = [m.groups() for m in map(RATIO.match, lines) if m]
    if status != "0" or not rows:
        print("| %s | — | FAILED (%s) | | | |" % (g, "exit " + status if status.isdigit() else status))
        continue
    rows.sort(key=lambda r: r[0] in LAST)
    for metric, a, b, unit, ratio in rows:
        bar = BARS.get((g, metric))
        if bar is None:
            verdict = "—"
        else:
            verdict = "≤ %g %s" % (bar, "met" if float(ratio) <= bar else "**missed**")
        print("| %s | %s | %s %s | %s %s | %s | %s |" % (g, metric, num(a), unit, num(b), unit, ratio, verdict))
print()
print("Medians of %s alternating runs each (pair.py); ratio = median of the per-run ratios." % reps)
print("Go at GOMAXPROCS=%s, gort at its default (ctxswitch-p1: both at GOMAXPROCS=1); "
      "maxrss (peak RSS) and wall_ext (whole process) from /usr/bin/time." % os.environ.get("GO_PROCS", "2"))
EOF

if [ "$FAIL" != 0 ]; then
  echo "SOME RUNS FAILED (logs in $OUT)"
  exit 1
fi
