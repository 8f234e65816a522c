#!/bin/sh
# scripts/lib/rename_metrics.sh OLD=NEW [OLD=NEW...] -- CMD [ARGS...]
#
# Runs CMD and prints its standard output with the RESULT lines' metric names
# OLD renamed to NEW, so that ../shared/peers/pair.py pairs a peer's metric
# with gort's differently named one (Boost.Fiber's yield1_call is the
# counterpart of Go's and gort's gosched1_call). Exits with CMD's status.
#
# Plain sh, and CMD's output goes to a file rather than a pipe, so the only
# processes alive while CMD runs are this small shell and CMD: the peak RSS
# that /usr/bin/time reports (the largest of the process tree) stays CMD's
# unless CMD is under about 1-2 MiB.
map=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    *=*) map="$map $1" ;;
    *) echo "usage: rename_metrics.sh OLD=NEW [OLD=NEW...] -- CMD [ARGS...]" >&2; exit 2 ;;
  esac
  shift
done
[ $# -gt 1 ] || { echo "usage: rename_metrics.sh OLD=NEW [OLD=NEW...] -- CMD [ARGS...]" >&2; exit 2; }
shift
tmp=$(mktemp "${TMPDIR:-/tmp}/rename_metrics.XXXXXX") || exit 1
trap 'rm -f "$tmp"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
"$@" >"$tmp"
rc=$?
set --
for p in $map; do
  set -- "$@" -e "s/^\(RESULT .* metric=\)${p%%=*} /\1${p#*=} /"
done
sed "$@" "$tmp"
exit $rc
