#!/usr/bin/env bash
# scripts/trace-devtools-check.sh — loads a gort execution trace into Chrome
# DevTools' own trace engine and checks what it makes of it; a check run by
# hand (issue 6), as scripts/report-screenshot.sh is for the HTML report.
#
#   scripts/trace-devtools-check.sh [--trace FILE] [GORT-STRESS ARGS...]
#
# Without --trace it builds gort-stress and runs it (`--workload mixed
# --duration 3s` unless ARGS say otherwise) with `--trace
# build/trace-devtools.json`, then checks that file. The engine is the parser
# of the DevTools Performance panel, published on npm as
# @paulirish/trace_engine (pinned below); it is installed with npm into
# build/trace-devtools/ (Debian's nodejs and npm are installed first if node
# is missing). scripts/lib/trace_devtools_check.mjs says what is checked.
#
# What this does not show: Perfetto's UI and chrome://tracing are not
# reachable here (no network but npm and Debian; Debian 12's Chromium 156 no
# longer serves chrome://tracing). The DevTools engine is lenient: a slice
# without a timestamp, or two slices that overlap in part, load without a
# warning. tests/trace_check.py, run by the test suite, checks the file's
# structure strictly.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

engine_version=0.0.65
build_dir=${GORT_BUILD_DIR:-build}
trace=""
stress_args=()
while (($#)); do
  case $1 in
    --trace) trace=${2:?--trace needs a file}; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) stress_args+=("$1"); shift ;;
  esac
done

gort_ensure_deps
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  GORT_DEPS=(nodejs npm)
  gort_ensure_deps
fi

if [[ -z $trace ]]; then
  gort_build_targets gort-stress
  gort_build "$build_dir"
  trace="$build_dir/trace-devtools.json"
  gort_say "running gort-stress --workload mixed --duration 3s ${stress_args[*]} --trace $trace"
  "$build_dir/bin/gort-stress" --workload mixed --duration 3s "${stress_args[@]}" --trace "$trace" >/dev/null
fi
[[ -f $trace ]] || gort_die "no trace at $trace"

engine_dir="$build_dir/trace-devtools"
pkg="$engine_dir/node_modules/@paulirish/trace_engine/package.json"
if [[ ! -f $pkg ]] || ! grep -q "\"version\": \"$engine_version\"" "$pkg"; then
  gort_say "installing @paulirish/trace_engine@$engine_version into $engine_dir/ (npm)"
  mkdir -p "$engine_dir"
  npm install --prefix "$engine_dir" --no-audit --no-fund --silent "@paulirish/trace_engine@$engine_version" >&2
fi
node scripts/lib/trace_devtools_check.mjs "$engine_dir" "$trace"
