# shellcheck shell=bash
# scripts/lib/deps.sh — shared by scripts/demo.sh and scripts/test.sh.
#
#   gort_ensure_deps            install the Debian packages gort needs, if any are missing
#   gort_build DIR [ARGS...]    configure DIR (RelWithDebInfo) with extra cmake ARGS, then build
#   gort_build_targets TARGET.. restrict the next gort_build to these targets
#
# Environment: JOBS (parallel build jobs, default 2).

# The packages gort builds, tests and runs with (Debian 12 names).
GORT_DEPS=(
  build-essential cmake pkg-config make ccache
  libboost-context-dev libmimalloc-dev libunwind-dev libgtest-dev libdw-dev
  time
)

gort_say() { printf 'gort: %s\n' "$*" >&2; }
gort_die() { printf 'gort: error: %s\n' "$*" >&2; exit 1; }

gort_pkg_installed() {
  local st
  st=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ $st == "install ok installed" ]]
}

# Prints the packages of GORT_DEPS that are not installed, one a line.
gort_missing_packages() {
  local p
  for p in "${GORT_DEPS[@]}"; do
    gort_pkg_installed "$p" || printf '%s\n' "$p"
  done
}

gort_ensure_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    gort_say "not a Debian-like system (no dpkg-query/apt-get): not checking packages; need ${GORT_DEPS[*]}"
    return 0
  fi

  local -a missing
  mapfile -t missing < <(gort_missing_packages)
  ((${#missing[@]} == 0)) && return 0   # quiet when there is nothing to do

  local -a as_root=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      gort_die "missing packages: ${missing[*]}. Install them as root, then run this again:
    sudo apt-get install --no-install-recommends ${missing[*]}"
    fi
  fi

  # libunwind-14-dev (LLVM's libunwind) conflicts with libunwind-dev; it also
  # "provides" libunwind-dev, so dpkg-query reports libunwind-dev missing.
  # Ask apt to remove it explicitly (the trailing '-') so the swap is allowed.
  local -a remove=()
  local p
  for p in "${missing[@]}"; do
    if [[ $p == libunwind-dev ]] && gort_pkg_installed libunwind-14-dev; then
      remove+=(libunwind-14-dev-)
    fi
  done

  gort_say "installing missing packages: ${missing[*]}${remove:+ (replacing libunwind-14-dev)}"
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/gort-apt.XXXXXX")
  local -a apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
                -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef
                -o Dpkg::Options::=--force-confold)
  if ! "${apt[@]}" update -q </dev/null >"$log" 2>&1; then
    gort_say "apt-get update failed (continuing with the cached package lists):"
    tail -n 5 "$log" | sed 's/^/    /' >&2
  fi
  local install_log=$log.install
  if ! "${apt[@]}" install -y -q --no-install-recommends "${missing[@]}" "${remove[@]}" \
       </dev/null >"$install_log" 2>&1; then
    # apt's own reasons ("E: ..." lines), or the end of its output.
    { grep -E '^E:' "$install_log" || tail -n 10 "$install_log"; } | sed 's/^/    /' >&2
  fi
  cat "$install_log" >>"$log"
  rm -f "$install_log"

  # Whatever apt said, the packages are either there now or not.
  local -a still
  mapfile -t still < <(gort_missing_packages)
  if ((${#still[@]} != 0)); then
    gort_die "could not install: ${still[*]} (apt log: $log)"
  fi
  rm -f "$log"
  gort_say "installed: ${missing[*]}"
}

GORT_BUILD_TARGETS=()
gort_build_targets() { GORT_BUILD_TARGETS=("$@"); }

# Hides make's "[ 42%] Building ..." progress lines; warnings and errors pass.
gort_filter_build_output() {
  awk '!/^\[ *[0-9]+%\]/ && !/^Consolidate compiler generated dependencies/ && !/^gmake(\[[0-9]+\])?: (Entering|Leaving) directory/ {print; fflush()}'
}

# gort_build DIR [extra cmake -D arguments...] — run from the repository root.
gort_build() {
  local dir=$1
  shift
  local jobs=${JOBS:-2}
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/gort-cmake.XXXXXX")
  # Re-running the configure step on an existing tree is cheap and keeps the
  # cache in line with the options asked for here.
  if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    gort_die "cmake configure of $dir/ failed"
  fi
  rm -f "$log"

  local -a targets=()
  local t
  for t in "${GORT_BUILD_TARGETS[@]}"; do targets+=(--target "$t"); done
  gort_say "building in $dir/ ($jobs jobs)${GORT_BUILD_TARGETS[*]:+: ${GORT_BUILD_TARGETS[*]}}"
  local start=$SECONDS
  if ! cmake --build "$dir" -j "$jobs" "${targets[@]}" 2>&1 | gort_filter_build_output; then
    gort_die "build in $dir/ failed (see the errors above)"
  fi
  gort_say "build done in $((SECONDS - start))s"
}

# What scripts/fuzz.sh needs on top of GORT_DEPS: clang and libFuzzer's
# runtime (Debian 12: clang 14; libclang-rt-14-dev holds libclang_rt.fuzzer).
GORT_FUZZ_DEPS=(clang libclang-rt-14-dev)

# gort_ensure_fuzz_deps — like gort_ensure_deps, for GORT_FUZZ_DEPS.
gort_ensure_fuzz_deps() {
  local -a saved=("${GORT_DEPS[@]}")
  GORT_DEPS=("${GORT_FUZZ_DEPS[@]}")
  gort_ensure_deps
  GORT_DEPS=("${saved[@]}")
}
