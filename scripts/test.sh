#!/usr/bin/env bash
# scripts/test.sh — install what is missing, build, run the whole test suite.
#
#   scripts/test.sh [--sanitize | --tsan] [CTEST ARGS...]
#
#   --sanitize   build in build-asan/ with -DGORT_SANITIZE=ON (ASan + UBSan)
#   --tsan       build in build-tsan/ with -DGORT_TSAN=ON (ThreadSanitizer) and
#                run the tests of the scheduler, channels, select,
#                sync, time, maps and their misuse detection, SyncMap, the
#                collector) minus the few TSan cannot run: docs/SANITIZERS.md
#   CTEST ARGS   passed to ctest, e.g.  scripts/test.sh -R chan  or  -L consumer
#
# Environment: JOBS (build and ctest parallelism, default 2), CTEST_ARGS (more
# ctest arguments, split on spaces), GORT_BUILD_DIR (default build; the
# sanitizer build uses <it>-asan). The exit status is ctest's.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

build_dir=${GORT_BUILD_DIR:-build}
cmake_args=()
ctest_args=()
tsan=0
for arg in "$@"; do
  case $arg in
    --sanitize)
      build_dir=${GORT_BUILD_DIR:-build}-asan
      cmake_args+=(-DGORT_SANITIZE=ON)
      ;;
    --tsan)
      tsan=1
      build_dir=${GORT_BUILD_DIR:-build}-tsan
      cmake_args+=(-DGORT_TSAN=ON)
      ;;
    -h|--help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *) ctest_args+=("$arg") ;;
  esac
done
if [[ -n ${CTEST_ARGS:-} ]]; then
  read -r -a extra <<<"$CTEST_ARGS"
  ctest_args=("${extra[@]}" "${ctest_args[@]}")
fi

if ((tsan)); then
  # Only the test programs of the subset are built (docs/SANITIZERS.md).
  gort_build_targets gort-test-sched gort-test-chan gort-test-select gort-test-sync gort-test-time \
    gort-test-map gort-test-map-death gort-test-sync-map gort-test-gc \
    gort-test-gc-barrier gort-test-gc-black-alloc gort-test-gc-wbbuf-stress gort-test-gc-finalizer \
    gort-test-gc-slice gort-test-gc-string gort-test-gc-stats gort-test-map-gc
  # The suites of those programs (each name is unique to its program).
  suites='Blocking|Fairness|Go|Gomaxprocs|Idle|Sched|Stealing|StopTheWorld|Systemstack|Yield'
  suites+='|Chan|Select|SelectFairness|Cond|Mutex|Once|RWMutex|WaitGroup|Sleep|Timer'
  suites+='|Map|MapDeathTest|SyncMap|SyncMapGC|SyncMapGCDeathTest|GC'
  suites+='|GCBarrier|GCBarrierDeathTest|GCAllocateBlack|GCBarrierBuffer|GCFinalizer|GCFinalizerDeathTest'
  suites+='|GCWeak|GCSlice|GCString|GCStats|GCStatsDeathTest|GCTraceback|MapGC|MapGCDeathTest'
  # Not run under TSan (docs/SANITIZERS.md, "Not run under TSan, and why"):
  #  - Chan.TokenChain10k, Idle.NoCpuWithManyParkedGoroutinesAndPendingTimers:
  #    10,000 goroutines alive at once are 10,000 TSan fibers, more than GCC
  #    12's TSan runtime can map traces for (or start within the test's 30 s).
  #    Their 1,000-goroutine twins (Chan.TokenChain1k,
  #    Idle.NoCpuWithAThousandParkedGoroutinesAndPendingTimers) do run.
  #  - GC.ObjectOnlyInARegisterOfASpinningGoroutineSurvives,
  #    GC.ObjectOnlyInTheUpperHalfOfAYmmRegisterOfASpinningGoroutineSurvives:
  #    they hold a pointer only in a register of a goroutine spinning without
  #    safepoints, and TSan defers the stop signal to the thread's next call
  #    into its runtime: never, in the ymm test's asm loop (the collection
  #    waits forever); in the other, inside the loop's __tsan_atomic32_load,
  #    where the handler records only callee-saved registers and the pointer
  #    is in r11 (caller-saved).
  #  - MapDeathTest.TwoGoroutinesHammeringOneMap: two goroutines write one map
  #    with no synchronisation on purpose, to test the "concurrent map writes"
  #    detection. That is a data race, and TSan rightly reports it whenever it
  #    sees it before the runtime's detector throws, so the death message no
  #    longer starts with "fatal error" (it did in one of the runs made for this).
  #  - GCBarrierDeathTest.DijkstraScenarioFailsWithoutTheBarrier,
  #    GCBarrierDeathTest.ChannelScenarioFailsWithoutShading,
  #    GCBarrierDeathTest.CrossStackReadScenarioFailsWithoutTheBarrier,
  #    MapGCDeathTest.TheBlackBucketScenarioFailsWithoutTheBarrier: they break
  #    the barrier on purpose and expect gccheckmark to find the object the
  #    mark then misses. In the TSan build they fail to die: the object is
  #    kept anyway. Under ASan they are skipped because instrumented frames
  #    keep stale copies of the pointer on a scanned stack; the same is the
  #    likely cause here (not proven). Their barrier-on twins do run.
  excluded='Chan\.TokenChain10k|Idle\.NoCpuWithManyParkedGoroutinesAndPendingTimers'
  excluded+='|GCBarrierDeathTest\.DijkstraScenarioFailsWithoutTheBarrier'
  excluded+='|GCBarrierDeathTest\.ChannelScenarioFailsWithoutShading'
  excluded+='|GCBarrierDeathTest\.CrossStackReadScenarioFailsWithoutTheBarrier'
  excluded+='|MapGCDeathTest\.TheBlackBucketScenarioFailsWithoutTheBarrier'
  excluded+='|MapDeathTest\.TwoGoroutinesHammeringOneMap'
  excluded+='|GC\.ObjectOnlyInARegisterOfASpinningGoroutineSurvives'
  excluded+='|GC\.ObjectOnlyInTheUpperHalfOfAYmmRegisterOfASpinningGoroutineSurvives'
  ctest_args=(-R "^($suites)\\." -E "^($excluded)\$" "${ctest_args[@]}")
  # Report every race (not just the first), and fail the test on any.
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0 exitcode=66 second_deadlock_stack=1}
fi

gort_ensure_deps
gort_build "$build_dir" "${cmake_args[@]}"

rc=0
ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" "${ctest_args[@]}" || rc=$?
exit "$rc"
