#!/usr/bin/env bash
# Rebuild every example under this directory with the installed Go toolchain
# and re-capture its merged stdout+stderr into expected*.txt, followed by a
# final "exit status: N" line (N is the shell's $?, so a process killed by
# SIGABRT shows 134 = 128+6).
# Absolute source paths are rewritten: this directory -> $DIR, GOROOT -> $GOROOT.
# Addresses, pcs, offsets and register values stay as captured.
#
# Usage: ./run.sh            (re-capture everything)
#        ./run.sh NAME...    (only the named examples)
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
GOROOT=$(go env GOROOT)
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
ulimit -c 0 # no core files from GOTRACEBACK=crash
unset GOTRACEBACK GODEBUG # captures must not inherit these

# normalize <file>: rewrite absolute path prefixes in place.
normalize() {
	sed -i -e "s|$DIR|\$DIR|g" -e "s|$GOROOT|\$GOROOT|g" "$1"
}

# capture <name> <outfile> [VAR=value...] [-- args...]
capture() {
	local name=$1 file=$2 out=$DIR/$1/$2
	shift 2
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	env ${envs[@]+"${envs[@]}"} "$BIN/$name" "$@" >"$out" 2>&1
	echo "exit status: $?" >>"$out"
	normalize "$out"
	echo "captured $name/$file"
}

# capture_sigquit <name> <outfile> [VAR=value...]: wait for "ready", then
# send SIGQUIT.
capture_sigquit() {
	local name=$1 file=$2 out=$DIR/$1/$2
	shift 2
	env "$@" "$BIN/$name" >"$out" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do grep -q '^ready$' "$out" && break; sleep 0.05; done
	sleep 0.5
	kill -QUIT "$pid"
	wait "$pid"
	echo "exit status: $?" >>"$out"
	normalize "$out"
	echo "captured $name/$file"
}

ALL="panic_in_goroutine nested_panic recover_rules deadlock stack_overflow
sigquit_dump goexit_deadlock throw_vs_fatal nil_deref runtime_errors value_printing
concurrent_map_writes map_read_write_gc map_iterate_write nil_map_recover safe_map_patterns"
NAMES=${*:-$ALL}

for n in $NAMES; do
	(cd "$DIR/$n" && GO111MODULE=off go build -o "$BIN/$n" .) || exit 1
	case $n in
	panic_in_goroutine)
		capture $n expected.txt
		for tb in none all system crash; do
			capture $n expected_$tb.txt GOTRACEBACK=$tb
		done
		;;
	nested_panic)
		capture $n expected.txt
		capture $n expected_repanic.txt -- repanic
		;;
	sigquit_dump)
		capture_sigquit $n expected.txt
		capture_sigquit $n expected_none.txt GOTRACEBACK=none
		;;
	throw_vs_fatal)
		for m in unlock printpanic; do
			capture $n expected_$m.txt -- $m
			capture $n expected_${m}_none.txt GOTRACEBACK=none -- $m
		done
		;;
	value_printing)
		for m in string int float error stringer struct namedstring nil \
			bool uint8 int64neg float32 complex; do
			capture $n expected_$m.txt -- $m
		done
		;;
	*)
		capture $n expected.txt
		;;
	esac
done
