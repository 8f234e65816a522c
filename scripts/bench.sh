#!/usr/bin/env bash
# scripts/bench.sh — run every gort-bench benchmark side by side with its Go
# and C++ peers and print the Markdown tables of medians and ratios that
# bench/README.md carries.
#
#   scripts/bench.sh [--out FILE]         all groups, REPS=5, full sizes
#   REPS=3 scripts/bench.sh               fewer repetitions
#   ONLY="skynet maps" scripts/bench.sh   some groups
#   QUICK=1 REPS=1 scripts/bench.sh       reduced sizes: a smoke test, not for quoting
#
# It installs the Debian packages it is missing (as scripts/lib/deps.sh does:
# gort's own, then golang-go, g++, pkg-config, libgc-dev, libmimalloc-dev,
# libboost-fiber-dev, libboost-context-dev, libabsl-dev for the peers; as root
# or with password-less sudo), builds gort-bench in BUILD_DIR, builds the
# peers the chosen groups need into PEERS_BUILD (scripts/lib/bench_peers.sh:
# ../shared/peers/run_all.sh's compile commands, cached, rebuilt only when a
# source, the command, the compiler or a library package changes), then runs
# each pair with ../shared/peers/pair.py (gort and the peer alternately, REPS
# runs each, /usr/bin/time adds maxrss and wall_ext) and prints one table per
# group: metric, peer, gort median, peer median, ratio gort/peer (median of
# the per-run ratios), and the bar of ../shared/DESIGN.md §7 where one applies.
#
# Groups (full size; QUICK size) and peers:
#   skynet        skynet 1000000 (100000)     Go skynet_go; Boost.Fiber skynet_fiber
#                                             work_stealing x2 and a LIFO scheduler x1
#   ctxswitch     ctxswitch 1000000 10000000 (200000 1000000)
#                                             Go ctxswitch_go; Boost.Fiber ctxswitch_fiber
#                                             (round_robin, one thread; its yield1/2_call
#                                             paired with gosched1/2_call)
#   ctxswitch-p1  the same with gort and Go at GOMAXPROCS=1 (informational)
#   spawn         spawn 1000000 (200000)      Go bench/go/spawn.go; no C++ peer
#   pipeline      pipeline 1000000 (200000)   Go bench/go/pipeline.go; no C++ peer
#   defer         defer (100M calls, also QUICK: the Go twin's size is fixed)
#                                             Go bench/go/defer/main.go; no C++ peer
#   maps          maps 1000000 (200000)       Go maps_go; abseil flat_hash_map (maps_cpp absl)
#   maps-marking  maps 1000000 1 (200000 1)   gort inside an open mark against Go maps_go (informational)
#   binary-trees  binary-trees 21 (16)        Go bt_go; Boehm bt_boehm (parallel mark);
#                                             new/delete on mimalloc and on glibc malloc
#   gc-latency    gc-latency 2000000 200000 (200000 20000)
#                                             Go msgwin_go; Boehm (parallel mark); mimalloc (manual free)
#   alloc         alloc 10000000 (1000000)    Go alloc_go; Boehm (parallel mark); mimalloc; glibc
#   stw           stw 100 10 50 (20 10 10)    no peer (absolute bar: p99 < 100 us)
#   stw-100k      stw 100 100000 50 (20 10000 10)  no peer, 100,000 parked goroutines
# Go runs at GOMAXPROCS=$GO_PROCS; gort at its default (GOMAXPROCS from the
# environment, else all CPUs); Boehm with BOEHM_PARMARK=1 (one marker per core).
#
# Knobs (environment): REPS (default 5), ONLY (groups, default all), QUICK
# (1: reduced sizes), BUILD_DIR (default build), PEERS_BUILD (default
# build-peers), SHARED (default ../shared), GO_PROCS (default 2), PAIR_TIMEOUT
# (seconds for one pair run, default 300*REPS), JOBS (gort build jobs, default 2),
# WARMUP (1, the default: one untimed run of the peer before each pair; 0: none).
#
# The warm-up: pair.py runs gort first, so without it gort's first run is the
# one that follows whatever ran before (another pair, or a pause), and every
# other run follows a run of the other side. On this VM that first run pays
# for memory the host has taken back: the guest returns free 2 MiB blocks to
# the host a few seconds after they are freed (virtio-balloon free page
# reporting, /sys/module/page_reporting), and a process that then faults in
# huge pages waits for the host to back them. Measured 2026-12-01 with
# `maps 1000000`, 8 s of sleep before each run against none: Go's int_insert
# 393-472 ns/op against 199-227, presized 188-241 against 77; gort's the same
# way (286-310 against 115-122). One peer run before pair.py puts gort's
# first timed run in the same place as all the others.
#
# Output: the tables on stdout (and in FILE with --out FILE, and in
# BUILD_DIR/bench-results/table.md), progress on stderr; raw pair.py output
# and logs in BUILD_DIR/bench-results/.
# Exit status: 0 when everything built and ran (missed bars do not fail it);
# 1 when something failed to build or run (a peer that cannot be built, a
# crash, CHECK FAILED, a pair exceeding PAIR_TIMEOUT) — the table is still
# printed, with the failure in the group's rows; 2 for a usage error (unknown
# group or option, bad REPS).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
# shellcheck source=scripts/lib/deps.sh
source "$ROOT/scripts/lib/deps.sh"
# shellcheck source=scripts/lib/bench_peers.sh
source "$ROOT/scripts/lib/bench_peers.sh"

ALL_GROUPS="skynet ctxswitch ctxswitch-p1 spawn pipeline defer maps maps-marking binary-trees gc-latency alloc stw stw-100k"
say() { printf 'bench.sh: %s\n' "$*" >&2; }
usage() {
  sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}
usage_error() { say "$*"; say "usage: [REPS=N] [ONLY=\"GROUP...\"] [QUICK=1] scripts/bench.sh [--out FILE] (--help for more)"; exit 2; }

OUT_FILE=
while (($#)); do
  case $1 in
    --out) (($# >= 2)) || usage_error "--out needs a file name"; OUT_FILE=$2; shift 2 ;;
    --out=*) OUT_FILE=${1#--out=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done

REPS=${REPS:-5}
QUICK=${QUICK:-0}
ONLY=${ONLY:-$ALL_GROUPS}
GO_PROCS=${GO_PROCS:-2}
[[ $REPS =~ ^[1-9][0-9]*$ ]] || usage_error "REPS must be a positive integer, not '$REPS'"
[[ $QUICK == 0 || $QUICK == 1 ]] || usage_error "QUICK must be 0 or 1, not '$QUICK'"
[[ $GO_PROCS =~ ^[1-9][0-9]*$ ]] || usage_error "GO_PROCS must be a positive integer, not '$GO_PROCS'"
PAIR_TIMEOUT=${PAIR_TIMEOUT:-$((300 * REPS))}
[[ $PAIR_TIMEOUT =~ ^[1-9][0-9]*$ ]] || usage_error "PAIR_TIMEOUT must be a positive number of seconds, not '$PAIR_TIMEOUT'"
WARMUP=${WARMUP:-1}
[[ $WARMUP == 0 || $WARMUP == 1 ]] || usage_error "WARMUP must be 0 or 1, not '$WARMUP'"
for g in $ONLY; do
  case " $ALL_GROUPS " in *" $g "*) ;; *) usage_error "unknown group '$g' in ONLY (groups: $ALL_GROUPS)" ;; esac
done
[[ -n ${ONLY// /} ]] || usage_error "ONLY names no group (groups: $ALL_GROUPS)"
if [[ -n $OUT_FILE ]]; then
  case $OUT_FILE in /*) ;; *) OUT_FILE=$(pwd -P)/$OUT_FILE ;; esac   # (cwd is ROOT here)
fi

SHARED=$(cd "${SHARED:-$ROOT/../shared}" 2>/dev/null && pwd) || { say "../shared not found (set SHARED=)"; exit 1; }
PEERS=$SHARED/peers
[[ -f $PEERS/pair.py ]] || { say "$PEERS/pair.py not found (set SHARED=)"; exit 1; }
BUILD_DIR=${BUILD_DIR:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
PEERS_BUILD=${PEERS_BUILD:-$ROOT/build-peers}
case $PEERS_BUILD in /*) ;; *) PEERS_BUILD=$ROOT/$PEERS_BUILD ;; esac
OUT=$BUILD_DIR/bench-results
BENCH=$BUILD_DIR/bin/gort-bench
BENCH_LOG=$OUT/peers.log
LIB=$ROOT/scripts/lib

if [[ $QUICK == 1 ]]; then
  SKY=(100000) CS=(200000 1000000) SPN=(200000) PIPE=(200000) MAPN=(200000)
  BT=(16) MSGWIN=(200000 20000) ALLOC=(1000000) STW=(20 10 10) STW100K=(20 10000 10)
else   # the Go programs' defaults
  SKY=(1000000) CS=(1000000 10000000) SPN=(1000000) PIPE=(1000000) MAPN=(1000000)
  BT=(21) MSGWIN=(2000000 200000) ALLOC=(10000000) STW=(100 10 50) STW100K=(100 100000 50)
fi

# ---- the groups ---------------------------------------------------------------
# define_group GROUP sets G_GORT (gort-bench's command, an array), G_NOTE, and
# the peers: PEER_IDS, PEER_LABELS, PEER_BINS (what must be built) and
# PEER_CMDS (each command as one shell-quoted string).
add_peer() {  # add_peer ID LABEL BINARY -- COMMAND...
  PEER_IDS+=("$1"); PEER_LABELS+=("$2"); PEER_BINS+=("$3")
  shift 4
  local q
  printf -v q '%q ' "$@"
  PEER_CMDS+=("${q% }")
}
define_group() {
  local g=$1 B=$PEERS_BUILD gp=(env GOMAXPROCS="$GO_PROCS")
  PEER_IDS=() PEER_LABELS=() PEER_BINS=() PEER_CMDS=() G_NOTE='' G_GORT=()
  case $g in
    skynet)
      G_GORT=("$BENCH" skynet "${SKY[@]}")
      add_peer go Go skynet_go -- "${gp[@]}" "$B/skynet_go" "${SKY[@]}"
      add_peer fiber-ws2 "Boost.Fiber work_stealing ×2" skynet_fiber -- "$B/skynet_fiber" "${SKY[@]}" 2 ws 16 dispatch
      add_peer fiber-lifo1 "Boost.Fiber LIFO ×1" skynet_fiber -- "$B/skynet_fiber" "${SKY[@]}" 1 lifo 16 dispatch
      G_NOTE="Boost.Fiber's work_stealing scheduler is bimodal run to run (../shared/peers/README.md); the LIFO one is the peers' own depth-first scheduler" ;;
    ctxswitch|ctxswitch-p1)
      if [[ $g == ctxswitch ]]; then
        G_GORT=("$BENCH" ctxswitch "${CS[@]}")
        add_peer go Go ctxswitch_go -- "${gp[@]}" "$B/ctxswitch_go" "${CS[@]}"
      else
        G_GORT=(env GOMAXPROCS=1 "$BENCH" ctxswitch "${CS[@]}")
        add_peer go "Go, GOMAXPROCS=1" ctxswitch_go -- env GOMAXPROCS=1 "$B/ctxswitch_go" "${CS[@]}"
      fi
      add_peer fiber "Boost.Fiber round_robin ×1" ctxswitch_fiber -- \
        "$LIB/rename_metrics.sh" yield1_call=gosched1_call yield2_call=gosched2_call -- "$B/ctxswitch_fiber" "${CS[@]}"
      G_NOTE="Boost.Fiber's this_fiber::yield figures (yield1_call, yield2_call) are its rows gosched1_call and gosched2_call"
      [[ $g == ctxswitch-p1 ]] && G_NOTE="$G_NOTE; gort and Go at GOMAXPROCS=1, where every gosched2 yield is a switch (no bar)" ;;
    spawn)
      G_GORT=("$BENCH" spawn "${SPN[@]}")
      add_peer go Go spawn_go -- "${gp[@]}" "$B/spawn_go" "${SPN[@]}"
      G_NOTE="No C++ peer" ;;
    pipeline)
      G_GORT=("$BENCH" pipeline "${PIPE[@]}")
      add_peer go Go pipeline_go -- "${gp[@]}" "$B/pipeline_go" "${PIPE[@]}"
      G_NOTE="No C++ peer" ;;
    defer)
      G_GORT=("$BENCH" defer)
      add_peer go Go defer_go -- "${gp[@]}" "$B/defer_go"
      G_NOTE="No C++ peer; 100M calls per case even with QUICK=1 (the Go twin's size is fixed)" ;;
    maps)
      G_GORT=("$BENCH" maps "${MAPN[@]}")
      add_peer go Go maps_go -- "${gp[@]}" "$B/maps_go" "${MAPN[@]}"
      add_peer absl "abseil flat_hash_map" maps_cpp -- "$B/maps_cpp" absl "${MAPN[@]}" ;;
    maps-marking)
      G_GORT=("$BENCH" maps "${MAPN[@]}" 1)
      add_peer go "Go (not marking)" maps_go -- "${gp[@]}" "$B/maps_go" "${MAPN[@]}"
      G_NOTE="gort's operations inside one open mark (write barrier on, new buckets allocated black) against Go's ordinary run (informational, no bar); no C++ peer" ;;
    binary-trees)
      G_GORT=("$BENCH" binary-trees "${BT[@]}")
      add_peer go Go bt_go -- "${gp[@]}" "$B/bt_go" "${BT[@]}"
      add_peer boehm "Boehm, parallel mark" bt_boehm -- env BOEHM_PARMARK=1 "$B/bt_boehm" "${BT[@]}"
      add_peer mimalloc "mimalloc new/delete" bt_mimalloc -- "$B/bt_mimalloc" "${BT[@]}"
      add_peer glibc "glibc new/delete" bt_glibc -- "$B/bt_glibc" "${BT[@]}" ;;
    gc-latency)
      G_GORT=("$BENCH" gc-latency "${MSGWIN[@]}")
      add_peer go Go msgwin_go -- "${gp[@]}" "$B/msgwin_go" "${MSGWIN[@]}"
      add_peer boehm "Boehm, parallel mark" msgwin_boehm -- env BOEHM_PARMARK=1 "$B/msgwin_boehm" "${MSGWIN[@]}"
      add_peer mimalloc "mimalloc, manual free" msgwin_mimalloc -- "$B/msgwin_mimalloc" "${MSGWIN[@]}" ;;
    alloc)
      G_GORT=("$BENCH" alloc "${ALLOC[@]}")
      add_peer go Go alloc_go -- "${gp[@]}" "$B/alloc_go" "${ALLOC[@]}"
      add_peer boehm "Boehm, parallel mark" alloc_boehm -- env BOEHM_PARMARK=1 "$B/alloc_boehm" "${ALLOC[@]}"
      add_peer mimalloc "mimalloc malloc/free" alloc_mimalloc -- "$B/alloc_mimalloc" "${ALLOC[@]}"
      add_peer glibc "glibc malloc/free" alloc_glibc -- "$B/alloc_glibc" "${ALLOC[@]}" ;;
    stw)
      G_GORT=("$BENCH" stw "${STW[@]}")
      G_NOTE="No peer: the bar is absolute (../shared/DESIGN.md: p99 under 100 µs)" ;;
    stw-100k)
      G_GORT=("$BENCH" stw "${STW100K[@]}")
      G_NOTE="No peer: the bar is absolute (../shared/DESIGN.md: p99 under 100 µs, independent of the goroutine count)" ;;
  esac
}
rel() {  # a command for the table: paths under ROOT relative to it
  local s=$1
  s=${s//"$PEERS/"/../shared/peers/}
  s=${s//"$ROOT/"/}
  printf '%s' "$s"
}

if ! { rm -rf "$OUT" && mkdir -p "$OUT"; }; then say "cannot create $OUT"; exit 1; fi
: >"$BENCH_LOG"
FAIL=0
T0=$SECONDS

# ---- packages ------------------------------------------------------------------
declare -A NEED_BIN=()
for g in $ONLY; do
  define_group "$g"
  for b in "${PEER_BINS[@]}"; do NEED_BIN[$b]=1; done
done
say "checking packages"
gort_ensure_deps || exit 1
mapfile -t PEER_PKGS < <(bench_peer_packages "${!NEED_BIN[@]}")
PEER_PKGS+=(python3)
# In a subshell: gort_ensure_deps exits when it cannot install. A peer whose
# package is still missing then fails to build and says why in its row.
if ! ( GORT_DEPS=("${PEER_PKGS[@]}"); gort_ensure_deps ); then
  say "some peer packages are missing; the peers that need them will not be built"
fi
for tool in python3 /usr/bin/time timeout; do
  command -v "$tool" >/dev/null 2>&1 || { say "$tool not found (Debian packages python3, time, coreutils)"; exit 1; }
done

# ---- gort-bench --------------------------------------------------------------------
say "building gort-bench in $BUILD_DIR"
gort_build_targets gort-bench
if ! ( gort_build "$BUILD_DIR" ) >&2; then
  say "building gort-bench failed"
  exit 1
fi

# ---- peers ---------------------------------------------------------------------------
say "building the peers in $PEERS_BUILD (log: $BENCH_LOG)"
mkdir -p "$PEERS_BUILD" || { say "cannot create $PEERS_BUILD"; exit 1; }
declare -A PEER_ERR=()
for b in $(printf '%s\n' "${!NEED_BIN[@]}" | sort); do
  BENCH_PEER_BUILT=0
  t=$SECONDS
  if bench_peer_build "$b"; then
    ((BENCH_PEER_BUILT)) && say "  built $b ($((SECONDS - t)) s)"
  else
    PEER_ERR[$b]=$BENCH_PEER_ERROR
    say "  $b: $BENCH_PEER_ERROR"
    FAIL=1
  fi
done
if [[ ${PEER_ERR[*]} == *"compiler failed"* ]]; then tail -n 20 "$BENCH_LOG" >&2; fi

# ---- environment ---------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || commit="$commit (+ uncommitted changes)"
{
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'machine\t%s\n' "${cpu:-?} × $(nproc) (nproc), $(free -g | awk '/Mem:/{print $2}') GiB, Linux $(uname -r)"
  printf 'commit\t%s\n' "$commit"
  printf 'reps\t%s\n' "$REPS"
  printf 'quick\t%s\n' "$QUICK"
  printf 'warmup\t%s\n' "$WARMUP"
  printf 'go\t%s\n' "$(go version 2>/dev/null | awk '{print $3}' || echo '?')"
  printf 'go_procs\t%s\n' "$GO_PROCS"
  printf 'gort_procs\t%s\n' "${GOMAXPROCS:-default ($(nproc))}"
  printf 'load_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/env.tsv"
sed 's/\t/: /' "$OUT/env.tsv" >&2

# ---- runs ----------------------------------------------------------------------------
: >"$OUT/groups.tsv"
: >"$OUT/runs.tsv"
record() {  # record GROUP ID LABEL STATUS FILE COMMAND SECONDS
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$OUT/runs.tsv"
}
run_timed() {  # run_timed LOG -- COMMAND...: sets RC; output to LOG and stderr
  local log=$1
  shift 2
  # timeout signals its whole process group: pair.py and the benchmark it runs.
  timeout --kill-after=10 "$PAIR_TIMEOUT" "$@" 2>&1 | tee "$log" >&2
  RC=${PIPESTATUS[0]}
}
status_of() {  # status_of RC LOG: "ok" or what failed, for the table
  local how
  case $1 in
    0) echo ok; return ;;
    124|137) echo "TIMED OUT after ${PAIR_TIMEOUT} s"; return ;;
  esac
  # pair.py and bench_solo.py say "command failed (RC): COMMAND" (a negative
  # RC is a signal); the benchmarks exit 1 on a failed checksum (CHECK FAILED).
  # shellcheck disable=SC2016  # the backquotes are Markdown
  how=$(grep -m1 -o '^command failed ([-0-9]*): .*' "$2" 2>/dev/null |
        sed -E 's/^command failed \(([-0-9]+)\): (.*)/`\2` exited \1/')
  how=$(rel "$how")
  [[ $how == *' exited 1' ]] && how="$how (the benchmarks' status for CHECK FAILED)"
  echo "FAILED: ${how:-exit $1} (log: $(rel "$2"))"
}
for g in $ONLY; do
  define_group "$g"
  gort_cmd=$(printf '%q ' "${G_GORT[@]}")
  gort_cmd=${gort_cmd% }
  printf '%s\t%s\t%s\n' "$g" "\`$(rel "$gort_cmd")\`" "$G_NOTE" >>"$OUT/groups.tsv"
  if ((${#PEER_IDS[@]} == 0)); then
    say "== $g (no peer)"
    f=$g.solo
    t=$SECONDS
    run_timed "$OUT/$f" -- python3 "$LIB/bench_solo.py" --peers "$PEERS" --reps "$REPS" -- "${G_GORT[@]}"
    st=$(status_of "$RC" "$OUT/$f")
    if [[ $st == ok ]]; then st=solo; else FAIL=1; say "$g: $st"; fi
    record "$g" none "no peer" "$st" "$f" "" "$((SECONDS - t))"
    continue
  fi
  for i in "${!PEER_IDS[@]}"; do
    id=${PEER_IDS[$i]} label=${PEER_LABELS[$i]} bin=${PEER_BINS[$i]} pcmd=${PEER_CMDS[$i]}
    f=$g.$id.pair
    if [[ -n ${PEER_ERR[$bin]:-} ]]; then
      record "$g" "$id" "$label" "not built: $(rel "${PEER_ERR[$bin]}")" "$f" "$(rel "$pcmd")" 0
      continue
    fi
    say "== $g vs $label"
    t=$SECONDS
    eval "peer=($pcmd)"
    st=ok
    if ((WARMUP)); then
      # One untimed peer run (see WARMUP above); its failure is the pair's.
      # shellcheck disable=SC2154  # peer is set by the eval
      timeout --kill-after=10 "$PAIR_TIMEOUT" "${peer[@]}" >"$OUT/$f.warmup" 2>&1
      RC=$?
      case $RC in
        0) ;;
        124|137) st="TIMED OUT after ${PAIR_TIMEOUT} s (the warm-up run; log: $(rel "$OUT/$f.warmup"))" ;;
        *) st="FAILED: the warm-up run \`$(rel "$pcmd")\` exited $RC (log: $(rel "$OUT/$f.warmup"))" ;;
      esac
    fi
    if [[ $st == ok ]]; then
      run_timed "$OUT/$f" -- python3 "$PEERS/pair.py" --reps "$REPS" -- "${G_GORT[@]}" --vs "${peer[@]}"
      st=$(status_of "$RC" "$OUT/$f")
    fi
    [[ $st == ok ]] || { FAIL=1; say "$g vs $label: $st"; }
    record "$g" "$id" "$label" "$st" "$f" "$(rel "$pcmd")" "$((SECONDS - t))"
    say "   ($((SECONDS - t)) s)"
  done
done

# ---- table ---------------------------------------------------------------------------
printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env.tsv"
el=$((SECONDS - T0))
printf 'elapsed\t%s\n' "ran in $((el / 60)) min $((el % 60)) s" >>"$OUT/env.tsv"
if ! python3 "$LIB/bench_table.py" "$OUT" >"$OUT/table.md"; then
  say "writing the table failed"
  exit 1
fi
cat "$OUT/table.md"
if [[ -n $OUT_FILE ]]; then
  cp "$OUT/table.md" "$OUT_FILE" || { say "cannot write $OUT_FILE"; FAIL=1; }
fi
if ((FAIL)); then
  say "SOME BUILDS OR RUNS FAILED (logs in $OUT)"
  exit 1
fi
say "done in $((el / 60)) min $((el % 60)) s; raw results in $OUT"
exit 0
