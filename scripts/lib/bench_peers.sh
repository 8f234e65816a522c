# shellcheck shell=bash
# shellcheck disable=SC2034  # BENCH_PEER_ERROR and BENCH_PEER_BUILT are read by scripts/bench.sh
# scripts/lib/bench_peers.sh — the peer programs scripts/bench.sh compares
# gort-bench with, and how each is built (sourced by scripts/bench.sh).
#
#   bench_peer_packages NAME...   the Debian packages those peers need, one a line
#   bench_peer_build NAME         build NAME into $PEERS_BUILD unless its cached
#                                 copy is current; 0 when the binary is there
#
# The compile commands are those of ../shared/peers/run_all.sh (same sources,
# same flags: g++ -O2 -std=c++17, pkg-config for Boehm and abseil), plus the Go
# twins of gort-bench's own benchmarks in bench/go/. Each built binary has a
# stamp in $PEERS_BUILD/.stamps/NAME: its build command, the SHA-256 of its
# sources, the compiler's version and the versions of the Debian packages it
# links with. A peer is rebuilt only when its stamp changes or the binary is
# missing.
#
# Needs: ROOT (repository root), PEERS (../shared/peers), PEERS_BUILD, and
# BENCH_LOG (the file the build commands' output is appended to). Sets
# BENCH_PEER_ERROR to a one-line reason when a build fails.

BENCH_PEER_CXX=${CXX:-g++}
BENCH_PEER_CXXFLAGS="-O2 -std=c++17"

# bench_peer_recipe NAME: sets P_KIND (go|cxx), P_SRCS (sources that go into
# the stamp), P_PKGS (Debian packages), P_ARGS (compiler arguments; for cxx,
# pkg-config libraries are given as @pkg:NAME,NAME... and expanded at build
# time). Returns 1 for an unknown NAME.
bench_peer_recipe() {
  local n=$1 p=$PEERS
  P_KIND=cxx P_SRCS=() P_PKGS=() P_ARGS=()
  local gc=(@pkg:bdw-gc) fiber=(-lboost_fiber -lboost_context -pthread)
  case $n in
    bt_go)           P_KIND=go P_SRCS=("$p/binary-trees/bt.go") ;;
    msgwin_go)       P_KIND=go P_SRCS=("$p/gc-latency/msgwin.go") ;;
    skynet_go)       P_KIND=go P_SRCS=("$p/skynet/skynet.go") ;;
    ctxswitch_go)    P_KIND=go P_SRCS=("$p/ctxswitch/ctxswitch.go") ;;
    maps_go)         P_KIND=go P_SRCS=("$p/maps/maps.go") ;;
    alloc_go)        P_KIND=go P_SRCS=("$p/alloc/alloc.go") ;;
    spawn_go)        P_KIND=go P_SRCS=("$ROOT/bench/go/spawn.go") ;;
    pipeline_go)     P_KIND=go P_SRCS=("$ROOT/bench/go/pipeline.go") ;;
    defer_go)        P_KIND=go P_SRCS=("$ROOT/bench/go/defer/main.go") ;;
    maps_cpp)        P_SRCS=("$p/maps/maps.cpp") P_PKGS=(libabsl-dev pkg-config)
                     P_ARGS=("@pkg:absl_flat_hash_map,absl_hash") ;;
    bt_boehm)        P_SRCS=("$p/binary-trees/bt_boehm.cpp") P_PKGS=(libgc-dev pkg-config) P_ARGS=("${gc[@]}") ;;
    bt_mimalloc)     P_SRCS=("$p/binary-trees/bt_manual.cpp") P_PKGS=(libmimalloc-dev)
                     P_ARGS=(-DUSE_MIMALLOC -lmimalloc) ;;
    bt_glibc)        P_SRCS=("$p/binary-trees/bt_manual.cpp") ;;
    msgwin_boehm)    P_SRCS=("$p/gc-latency/msgwin.cpp") P_PKGS=(libgc-dev pkg-config)
                     P_ARGS=(-DUSE_BOEHM "${gc[@]}") ;;
    msgwin_mimalloc) P_SRCS=("$p/gc-latency/msgwin.cpp") P_PKGS=(libmimalloc-dev)
                     P_ARGS=(-DUSE_MIMALLOC -lmimalloc) ;;
    skynet_fiber)    P_SRCS=("$p/skynet/skynet_fiber.cpp") P_PKGS=(libboost-fiber-dev libboost-context-dev)
                     P_ARGS=("${fiber[@]}") ;;
    ctxswitch_fiber) P_SRCS=("$p/ctxswitch/ctxswitch_fiber.cpp") P_PKGS=(libboost-fiber-dev libboost-context-dev)
                     P_ARGS=("${fiber[@]}") ;;
    alloc_boehm)     P_SRCS=("$p/alloc/alloc.cpp") P_PKGS=(libgc-dev pkg-config) P_ARGS=(-DUSE_BOEHM "${gc[@]}") ;;
    alloc_mimalloc)  P_SRCS=("$p/alloc/alloc.cpp") P_PKGS=(libmimalloc-dev) P_ARGS=(-DUSE_MIMALLOC -lmimalloc) ;;
    alloc_glibc)     P_SRCS=("$p/alloc/alloc.cpp") ;;
    *) return 1 ;;
  esac
  if [[ $P_KIND == go ]]; then
    P_PKGS=(golang-go)
  else
    # The C++ peers include ../common/bench.hpp.
    P_SRCS+=("$p/common/bench.hpp")
    P_PKGS=(g++ "${P_PKGS[@]}")
  fi
  return 0
}

bench_peer_packages() {
  local n
  for n in "$@"; do
    bench_peer_recipe "$n" && printf '%s\n' "${P_PKGS[@]}"
  done | sort -u
}

# The stamp: everything that, when it changes, calls for a rebuild.
bench_peer_stamp() {  # NAME TOOL_VERSION COMMAND...
  local n=$1 tool=$2
  shift 2
  printf 'command: %s\n' "$*"
  printf 'tool: %s\n' "$tool"
  local pkg
  for pkg in "${P_PKGS[@]}"; do
    printf 'package: %s %s\n' "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo '?')"
  done
  sha256sum "${P_SRCS[@]}" 2>&1
}

bench_peer_build() {
  local n=$1 out=$PEERS_BUILD/$1
  BENCH_PEER_ERROR=
  bench_peer_recipe "$n" || { BENCH_PEER_ERROR="no recipe for peer '$n'"; return 1; }
  local src
  for src in "${P_SRCS[@]}"; do
    [[ -f $src ]] || { BENCH_PEER_ERROR="source $src not found"; return 1; }
  done

  local -a cmd env=()
  local tool
  if [[ $P_KIND == go ]]; then
    command -v go >/dev/null 2>&1 || { BENCH_PEER_ERROR="go not found (Debian package golang-go)"; return 1; }
    tool=$(go version 2>&1)
    cmd=(go build -o "$out" "${P_SRCS[0]}")
    # The peers' own cache directories, as run_all.sh sets them; bench/go's
    # single-file programs build outside any module.
    env=(GOCACHE="${GOCACHE:-$PEERS_BUILD/gocache}" GOPATH="${GOPATH:-$PEERS_BUILD/gopath}" GO111MODULE=off)
  else
    command -v "$BENCH_PEER_CXX" >/dev/null 2>&1 || { BENCH_PEER_ERROR="$BENCH_PEER_CXX not found (Debian package g++)"; return 1; }
    tool=$("$BENCH_PEER_CXX" --version 2>&1 | head -n 1)
    local -a args=()
    local a flags
    for a in "${P_ARGS[@]}"; do
      if [[ $a == @pkg:* ]]; then
        command -v pkg-config >/dev/null 2>&1 || { BENCH_PEER_ERROR="pkg-config not found (Debian package pkg-config)"; return 1; }
        local -a mods
        IFS=, read -ra mods <<<"${a#@pkg:}"
        if ! flags=$(pkg-config --cflags --libs "${mods[@]}" 2>&1); then
          BENCH_PEER_ERROR="pkg-config ${mods[*]}: ${flags//$'\n'/ }"
          return 1
        fi
        # shellcheck disable=SC2206  # pkg-config's flags are words
        args+=($flags)
      else
        args+=("$a")
      fi
    done
    # Sources first, as run_all.sh: $CXX $CXXFLAGS [-D...] -o OUT SRC LIBS.
    local -a defs=() libs=()
    for a in "${args[@]}"; do
      if [[ $a == -D* ]]; then defs+=("$a"); else libs+=("$a"); fi
    done
    # shellcheck disable=SC2206
    cmd=("$BENCH_PEER_CXX" $BENCH_PEER_CXXFLAGS "${defs[@]}" -o "$out" "${P_SRCS[0]}" "${libs[@]}")
  fi

  local stamp_dir=$PEERS_BUILD/.stamps
  local want
  want=$(bench_peer_stamp "$n" "$tool" "${cmd[@]}")
  if [[ -x $out && -f $stamp_dir/$n ]] && [[ $(cat "$stamp_dir/$n") == "$want" ]]; then
    return 0   # cached and current
  fi
  mkdir -p "$stamp_dir" || { BENCH_PEER_ERROR="cannot create $stamp_dir"; return 1; }
  rm -f "$stamp_dir/$n"
  printf '$ %s\n' "${cmd[*]}" >>"$BENCH_LOG"
  if ! env "${env[@]}" "${cmd[@]}" >>"$BENCH_LOG" 2>&1; then
    rm -f "$out"
    BENCH_PEER_ERROR="the compiler failed (command and errors in $BENCH_LOG)"
    return 1
  fi
  printf '%s\n' "$want" >"$stamp_dir/$n"
  BENCH_PEER_BUILT=1
  return 0
}
