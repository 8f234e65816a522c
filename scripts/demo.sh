#!/usr/bin/env bash
# scripts/demo.sh — install what is missing, build, run the main job.
#
#   scripts/demo.sh [ARGS...]      ARGS go to build/bin/gort-stress, after the
#                                  demo's own flags (so they win: --duration 5s)
#
# The main job (issue 6):
#  1. gort-stress --workload mixed --duration 20s --report
#     build/gort-stress-report.html --trace build/gort-stress-trace.json:
#     every workload at once against gort's collector, with the progress
#     line once a second, the summary table, a self-contained HTML report
#     (heap and goal over time, pauses, pause histogram, GC CPU, the
#     summary), and an execution trace (Chrome Trace Event JSON: goroutines
#     on each P, GC phases, pauses, assists, heap and goal) for Perfetto;
#  2. the concurrent_map_writes example: two goroutines write one map and
#     gort dies with Go's `fatal error: concurrent map writes` and every
#     goroutine's traceback (exit status 2, expected);
#  3. where the report and the trace are and how to open them.
# The script's exit status is gort-stress's: 0, 1 if a check failed, 3 if the
# report could not be written. The trace grows by about 5 MB per second of a
# mixed run (10.6 MB for 2 s measured; GORT_TRACE_LIMIT caps it, default
# 512 MiB).
# GOMAXPROCS=N in the environment sets the number of Ps; JOBS sets the build
# parallelism (default 2); GORT_BUILD_DIR the build directory (default build).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

gort_ensure_deps
gort_build_targets gort-stress concurrent_map_writes
build_dir=${GORT_BUILD_DIR:-build}
gort_build "$build_dir"

report=$build_dir/gort-stress-report.html
trace=$build_dir/gort-stress-trace.json

printf '\n== 1. gort-stress: every workload at once for 20 s, with the report and a trace ==\n\n'
stress_status=0
"$build_dir/bin/gort-stress" --workload mixed --duration 20s --report "$report" --trace "$trace" "$@" ||
  stress_status=$?
if ((stress_status == 2)); then
  exit 2  # a bad command line: gort-stress said what is wrong
fi

printf '\n== 2. concurrent_map_writes: two goroutines write one map ==\n\n'
map_status=0
"$build_dir/bin/concurrent_map_writes" || map_status=$?
printf '\n(concurrent_map_writes exited with status %d; Go exits with 2 on a fatal error)\n' "$map_status"

printf '\n== 3. the report and the trace ==\n\n'
if [[ -f $report ]]; then
  abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
  printf 'report:  %s\n' "$abs_report"
  printf 'open it: xdg-open %q   (or file://%s in any browser)\n' "$abs_report" "$abs_report"
  printf 'or take a screenshot of it with headless Chromium:\n'
  printf '         scripts/report-screenshot.sh --html %q\n' "$report"
else
  printf 'no report: gort-stress did not write %s (see above)\n' "$report"
fi
if [[ -f $trace ]]; then
  abs_trace=$(cd "$(dirname "$trace")" && pwd)/$(basename "$trace")
  printf 'trace:   %s (%s)\n' "$abs_trace" "$(du -h "$trace" | cut -f1)"
  printf 'open it: https://ui.perfetto.dev -> "Open trace file" (or chrome://tracing -> Load);\n'
  printf '         one track per P (goroutines, assists, worker turns), GC phases, pauses, heap and goal\n'
else
  printf 'no trace: gort-stress did not write %s (see above)\n' "$trace"
fi
exit "$stress_status"
