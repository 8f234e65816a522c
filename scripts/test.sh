#!/usr/bin/env bash
# scripts/test.sh — install what is missing, build, run the whole test suite.
#
#   scripts/test.sh [--sanitize] [CTEST ARGS...]
#
#   --sanitize   build in build-asan/ with -DGORT_SANITIZE=ON (ASan + UBSan)
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
for arg in "$@"; do
  case $arg in
    --sanitize)
      build_dir=${GORT_BUILD_DIR:-build}-asan
      cmake_args+=(-DGORT_SANITIZE=ON)
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

gort_ensure_deps
gort_build "$build_dir" "${cmake_args[@]}"

rc=0
ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" "${ctest_args[@]}" || rc=$?
exit "$rc"
