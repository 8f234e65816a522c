#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — build the libFuzzer targets and run each one.
#
# Installs clang and libFuzzer's runtime if missing, builds build-fuzz/
# (clang, -DGORT_FUZZ=ON: ASan + UBSan + libFuzzer), then for each target in
# fuzz/: replays every file of fuzz/regressions/<target>/, and fuzzes for
# SECONDS (default 60) with build-fuzz/corpus/<target>/ as its corpus, seeded
# from fuzz/corpus/<target>/. Crash inputs land in build-fuzz/artifacts/.
# Prints each target's executions at the end; exits non-zero on any crash.
#
# Environment: JOBS (build jobs, default 2), FUZZ_TARGETS (default: all),
# FUZZ_ARGS (extra libFuzzer flags, e.g. FUZZ_ARGS=-jobs=2).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
# shellcheck source=lib/deps.sh
source scripts/lib/deps.sh

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || gort_die "usage: scripts/fuzz.sh [SECONDS]"
targets=(${FUZZ_TARGETS:-map_fuzz chan_fuzz env_fuzz})
dir=build-fuzz

gort_ensure_deps
gort_ensure_fuzz_deps
gort_build_targets "${targets[@]}"
CC=${FUZZ_CC:-clang} CXX=${FUZZ_CXX:-clang++} gort_build "$dir" -DGORT_FUZZ=ON \
  -DGORT_BUILD_TESTS=OFF -DGORT_BUILD_BENCH=OFF -DGORT_BUILD_EXAMPLES=OFF

mkdir -p "$dir/artifacts"
failed=()
summary=()
for t in "${targets[@]}"; do
  bin=$dir/bin/$t
  [[ -x $bin ]] || gort_die "$bin was not built"
  flags=(-timeout=30 -rss_limit_mb=4096 -max_len=4096 -len_control=10 "-artifact_prefix=$dir/artifacts/$t-")

  # 1. The regression inputs: each must run clean.
  shopt -s nullglob
  regs=(fuzz/regressions/"$t"/*)
  shopt -u nullglob
  if ((${#regs[@]})); then
    gort_say "$t: replaying ${#regs[@]} regression input(s)"
    if ! "$bin" "${flags[@]}" "${regs[@]}" >"$dir/$t.regressions.log" 2>&1; then
      tail -n 40 "$dir/$t.regressions.log" >&2
      gort_say "$t: a regression input fails (log: $dir/$t.regressions.log)"
      failed+=("$t (regressions)")
      continue
    fi
  fi

  # 2. Fuzz, on a corpus seeded from fuzz/corpus/<target>/.
  corpus=$dir/corpus/$t
  mkdir -p "$corpus"
  [[ -d fuzz/corpus/$t ]] && cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  gort_say "$t: fuzzing for ${seconds}s (corpus $corpus/)"
  log=$dir/$t.log
  # shellcheck disable=SC2086
  "$bin" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -n 1)
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -n 1)
  size=$(find "$corpus" -type f | wc -l)
  if ((rc != 0)); then
    grep -E 'fuzz check failed|ERROR:|SUMMARY|Test unit written|saved it as' "$log" | head -n 20 >&2
    gort_say "$t: CRASH (exit $rc; log: $log; inputs: $dir/artifacts/$t-*)"
    failed+=("$t")
  fi
  summary+=("$(printf '%-10s %10s execs  %7s exec/s  corpus %5s  %s' "$t" "${execs:-?}" "${rate:-?}" "$size" \
    "$( ((rc == 0)) && echo ok || echo CRASH)")")
done

printf '\nfuzz summary (%ss per target):\n' "$seconds"
for s in "${summary[@]}"; do printf '  %s\n' "$s"; done
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[*]}"
  exit 1
fi
