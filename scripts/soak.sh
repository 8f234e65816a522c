#!/usr/bin/env bash
# scripts/soak.sh — the soak stage (issue 7): gort-stress's mixed workload
# with every check (--verify: gccheckmark, gcpoison and the workloads' own
# invariants) for a few minutes, twice:
#   gogc10     GOGC=10: a cycle every few MB of allocation
#   memlimit   GOGC=off with GOMEMLIMIT 192 MiB against a 64 MiB live heap:
#              the limit alone paces the collector; its peak heap must stay
#              within 240 MiB (the limit + 25%)
# Each must end with zero verification failures and no RSS growth after
# warm-up (scripts/lib/soak_watch.py: the median RSS of the last 3/8 of the
# run at most 10% + 16 MiB above that of the 3/8 before it).
#
#   scripts/soak.sh [SECONDS]      seconds per run (default 120)
#
# Environment: GORT_BUILD_DIR (default build), JOBS (build parallelism).
# Exit status: 0 if both runs passed, 1 otherwise, 2 on a bad argument.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

seconds=${1:-120}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 8)); then
  printf 'usage: scripts/soak.sh [SECONDS]   (whole seconds per run, at least 8; got %q)\n' "$seconds" >&2
  exit 2
fi

gort_ensure_deps
gort_build_targets gort-stress
build_dir=${GORT_BUILD_DIR:-build}
gort_build "$build_dir"
stress=$build_dir/bin/gort-stress

status=0
run() {
  local name=$1 watch_args=$2
  shift 2
  gort_say "soak $name: ${seconds}s: $*"
  # shellcheck disable=SC2086  # watch_args: zero or two words
  python3 scripts/lib/soak_watch.py "$name" "$seconds" $watch_args -- \
    "$stress" --workload mixed --verify --json --duration "${seconds}s" "$@" || status=1
}
run gogc10 "" --gogc 10
run memlimit "--max-peak-heap-mib 240" --gogc off --memlimit 192MiB
exit "$status"
