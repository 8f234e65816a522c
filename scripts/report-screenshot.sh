#!/usr/bin/env bash
# scripts/report-screenshot.sh — render gort-stress's HTML report in headless
# Chromium and save a screenshot; a check, run by hand, that the report
# renders (issue 6).
#
#   scripts/report-screenshot.sh [--html REPORT.html] [--out SHOT.png] [GORT-STRESS ARGS...]
#
# Without --html it builds gort-stress, runs it (`--workload mixed --duration
# 10s` unless ARGS say otherwise; ARGS come after these, so they win) with
# `--report build/report-screenshot.html`, then screenshots that file. With
# --html it screenshots an existing report (e.g. the one scripts/demo.sh
# wrote). The PNG goes to --out (default build/report-screenshot.png), at
# WIDTH x HEIGHT (default 1280 x 2000). Installs Debian's `chromium` if it is
# missing (as scripts/lib/deps.sh installs gort's packages), and fails unless
# the PNG has the right size and is not blank: at least 5% of its pixels
# differ from the page background and there are at least 16 distinct colours.
# JOBS sets the build parallelism (default 2); GORT_BUILD_DIR the build
# directory (default build).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

build_dir=${GORT_BUILD_DIR:-build}
html=""
out="$build_dir/report-screenshot.png"
width=${WIDTH:-1280}
height=${HEIGHT:-2000}
stress_args=()
while (($#)); do
  case $1 in
    --html) html=${2:?--html needs a file}; shift 2 ;;
    --out) out=${2:?--out needs a file}; shift 2 ;;
    *) stress_args+=("$1"); shift ;;
  esac
done

gort_ensure_deps
# Chromium is needed only here, not to build or test gort.
GORT_DEPS=(chromium)
gort_ensure_deps
command -v chromium >/dev/null 2>&1 || gort_die "chromium is installed but not on PATH"

if [[ -z $html ]]; then
  gort_build_targets gort-stress
  gort_build "$build_dir"
  html="$build_dir/report-screenshot.html"
  gort_say "running gort-stress --workload mixed --duration 10s ${stress_args[*]} --report $html"
  "$build_dir/bin/gort-stress" --workload mixed --duration 10s "${stress_args[@]}" --report "$html" >/dev/null
fi
[[ -f $html ]] || gort_die "no report at $html"
mkdir -p "$(dirname "$out")"
rm -f "$out"

# Chromium needs a writable HOME for its profile; a throwaway one keeps the
# user's untouched. Its stderr is noisy (dbus, GPU); shown only on failure.
profile=$(mktemp -d "${TMPDIR:-/tmp}/gort-chromium.XXXXXX")
log=$profile/chromium.log
trap 'rm -rf "$profile"' EXIT
abs_html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
if ! HOME=$profile timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
       --user-data-dir="$profile/data" --window-size="$width,$height" \
       --screenshot="$abs_out" "file://$abs_html" >"$log" 2>&1 || [[ ! -s $out ]]; then
  cat "$log" >&2
  gort_die "chromium did not write $out"
fi

# Not blank: decode the PNG (8-bit RGB or RGBA, as Chromium writes) with
# python3's zlib and count the pixels unlike the top-left one (the page
# background) and the distinct colours.
python3 - "$out" "$width" "$height" <<'EOF'
import struct, sys, zlib
path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
assert w == want_w and h == want_h, 'size %dx%d, expected %dx%d' % (w, h, want_w, want_h)
assert depth == 8 and ctype in (2, 6), 'unexpected PNG format (depth %d, colour type %d)' % (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows = bytearray(stride), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
bg = rows[0][:3]
colours, differ = set(), 0
for line in rows:
    for x in range(0, stride, bpp):
        px = line[x:x + 3]
        colours.add(px)
        differ += px != bg
share = differ / (w * h)
print('report-screenshot: %s: %dx%d, %.1f%% of pixels differ from the background, %d colours'
      % (path, w, h, share * 100, len(colours)))
assert share >= 0.05 and len(colours) >= 16, 'the screenshot looks blank'
EOF
gort_say "screenshot: $out"
