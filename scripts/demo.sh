#!/usr/bin/env bash
# scripts/demo.sh — install what is missing, build, run the main job.
#
#   scripts/demo.sh [ARGS...]      ARGS go to build/bin/gort-demo
#
# The main job is, for now, the scheduler demo (examples/demo.cc): goroutines
# spread over threads, a channel pipeline, select with a timeout, and a
# 1M-goroutine spawn tree, with timings. GOMAXPROCS=N in the environment sets
# the number of Ps; JOBS sets the build parallelism (default 2); GORT_BUILD_DIR
# the build directory (default build).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

gort_ensure_deps
gort_build_targets gort-demo
build_dir=${GORT_BUILD_DIR:-build}
gort_build "$build_dir"
exec "$build_dir/bin/gort-demo" "$@"
