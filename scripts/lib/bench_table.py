#!/usr/bin/env python3
"""Print scripts/bench.sh's Markdown tables from its results directory.

  bench_table.py OUT_DIR

Reads OUT_DIR/env.tsv (key<TAB>value), OUT_DIR/groups.tsv (group, gort
command, note) and OUT_DIR/runs.tsv (group, peer id, peer label, status,
result file, peer command, seconds), and the result files: pair.py's output
(RATIO lines) or bench_solo.py's (SOLO lines). One table per group, rows
metric by metric and, within a metric, peer by peer in the order they ran.
"""
import os
import re
import sys

RATIO = re.compile(r"^RATIO metric=(\S+) a=(\S+) b=(\S+) unit=(\S+) ratio=(\S+)")
SOLO = re.compile(r"^SOLO metric=(\S+) a=(\S+) min=(\S+) max=(\S+) unit=(\S+)")
LAST = ("maxrss", "wall_ext")  # /usr/bin/time's figures after the program's own

MAP_OPS = ["int_insert", "int_insert_presized", "int_lookup_hit", "int_lookup_miss", "int_iterate",
           "int_delete", "str_insert", "str_lookup_hit", "str_lookup_miss"]

# The bars of /work/shared/DESIGN.md section 7 ("Figures we hold ourselves to").
# Ratio bars: (group, peer id, metric) -> (operator, limit) on the median of
# the per-run ratios gort/peer. All are against Go at GOMAXPROCS=2, except
# the maps bar against abseil.
RATIO_BARS = {
    ("skynet", "go", "time"): ("≤", 0.5), ("skynet", "go", "maxrss"): ("≤", 1.0),
    ("ctxswitch", "go", "pingpong_roundtrip"): ("≤", 0.5),
    ("ctxswitch", "go", "gosched1_call"): ("≤", 0.5),
    ("ctxswitch", "go", "gosched2_call"): ("≤", 0.5),
    ("binary-trees", "go", "time_internal"): ("≤", 0.5), ("binary-trees", "go", "maxrss"): ("≤", 1.0),
    ("gc-latency", "go", "push_max"): ("≤", 0.5), ("gc-latency", "go", "push_p999"): ("≤", 1.0),
    ("alloc", "go", "per_alloc"): ("≤", 0.5),
}
for op in MAP_OPS:
    RATIO_BARS[("maps", "go", op)] = ("<", 1.0)          # faster than Go on every operation
    if op.startswith("int_"):
        RATIO_BARS[("maps", "absl", op)] = ("≤", 1.5)   # within 1.5x of abseil on int64
# Absolute bars on gort's own median: (group, metric) -> (operator, limit, unit).
ABS_BARS = {
    ("gc-latency", "gc_pause_max"): ("≤", 0.1, "ms"),    # STW ≤ 100 µs
    ("stw", "pause_p99"): ("<", 100.0, "us"),            # p99 under 100 µs
    ("stw-100k", "pause_p99"): ("<", 100.0, "us"),
}
UNITS = {"us": "µs"}


def num(x):
    v = float(x)
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3g" % v


def val(x, u):
    if u == "count":
        return "%.0f" % float(x)
    return "%s %s" % (num(x), UNITS.get(u, u))


def unit(u):
    return UNITS.get(u, u)


def holds(op, value, limit):
    return value <= limit if op == "≤" else value < limit


def read_tsv(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except OSError:
        return []


def main(out):
    env = {r[0]: r[1] for r in read_tsv(os.path.join(out, "env.tsv")) if len(r) >= 2}
    groups = read_tsv(os.path.join(out, "groups.tsv"))
    runs = read_tsv(os.path.join(out, "runs.tsv"))
    p = print
    p("## gort-bench against its peers")
    p()
    p("- run: %s, gort %s, REPS=%s, %s, %s" % (
        env.get("date", "?"), env.get("commit", "?"), env.get("reps", "?"),
        "QUICK=1 (reduced sizes)" if env.get("quick") == "1" else "full sizes", env.get("elapsed", "?")))
    p("- machine: %s; load average %s at the start, %s at the end" % (
        env.get("machine", "?"), env.get("load_start", "?"), env.get("load_end", "?")))
    p("- Go %s at GOMAXPROCS=%s; gort at GOMAXPROCS %s; Boehm with BOEHM_PARMARK=1" % (
        env.get("go", "?"), env.get("go_procs", "?"), env.get("gort_procs", "?")))
    if env.get("warmup") == "1":
        p("- one untimed run of the peer before each pair (WARMUP=1, scripts/bench.sh), so that gort's "
          "first timed run follows a peer run as all the others do")
    p()
    if env.get("quick") == "1":
        p("> **QUICK=1: reduced sizes, a smoke test of the script. Not for quoting.**")
        p()
    met, missed = [], []
    for g in groups:
        group, title, note = (g + ["", ""])[:3]
        p("### %s — %s" % (group, title))
        p()
        gruns = [r for r in runs if r[0] == group]
        cmds = ["%s: `%s`" % (r[2], r[5]) for r in gruns if len(r) > 5 and r[5]]
        line = "; ".join(cmds)
        if note:
            line = (line + ". " if line else "") + note
        if line:
            p(line.rstrip(".") + ".")
            p()
        p("| metric | peer | gort median | peer median | ratio gort/peer | bar |")
        p("|---|---|---:|---:|---:|---|")
        rows = {}      # metric -> list of rows
        order = []     # metrics in order of first appearance
        failed = []
        for r in gruns:
            _, pid, label, status, path = (r + [""] * 5)[:5]
            if status not in ("ok", "solo"):
                failed.append((label, status))
                continue
            try:
                lines = open(os.path.join(out, path)).read().splitlines()
            except OSError:
                failed.append((label, "no output"))
                continue
            got = 0
            for line in lines:
                m = RATIO.match(line)
                if m:
                    metric, a, b, u, ratio = m.groups()
                    rows.setdefault(metric, []).append((pid, label, a, b, u, ratio))
                else:
                    m = SOLO.match(line)
                    if not m:
                        continue
                    metric, a, lo, hi, u = m.groups()
                    rows.setdefault(metric, []).append((pid, label, a, None, u, None))
                if metric not in order:
                    order.append(metric)
                got += 1
            if not got:
                failed.append((label, "no shared metric"))
        order.sort(key=lambda m: m in LAST)
        for metric in order:
            abs_bar = ABS_BARS.get((group, metric))
            for i, (pid, label, a, b, u, ratio) in enumerate(rows[metric]):
                verdict = "—"
                if ratio == "nan":   # pair.py: every peer run measured 0 (e.g. wall_ext under 10 ms)
                    ratio = "n/a"
                bar = RATIO_BARS.get((group, pid, metric))
                if bar and ratio not in (None, "n/a"):
                    op, limit = bar
                    ok = holds(op, float(ratio), limit)
                    verdict = "%s %g: %s" % (op, limit, "met" if ok else "**not met**")
                    (met if ok else missed).append("%s %s vs %s: %s" % (group, metric, label, ratio))
                elif abs_bar and i == 0:
                    op, limit, bu = abs_bar
                    ok = u == bu and holds(op, float(a), limit)
                    verdict = "gort %s %g %s: %s" % (op, limit, unit(bu), "met" if ok else "**not met**")
                    (met if ok else missed).append("%s %s: %s %s" % (group, metric, num(a), unit(u)))
                if b is None:
                    p("| %s | %s | %s | — | — | %s |" % (metric, label, val(a, u), verdict))
                else:
                    p("| %s | %s | %s | %s | %s | %s |" % (metric, label, val(a, u), val(b, u), ratio, verdict))
        for label, status in failed:
            p("| — | %s | %s | | | |" % (label, status.replace("|", "/")))
        p()
    p("Medians of REPS=%s runs of each side, gort and peer alternating (`../shared/peers/pair.py`); "
      "ratio = median of the per-run ratios gort/peer, below 1 when gort's figure is smaller "
      "(faster, less memory). `maxrss` (peak RSS) and `wall_ext` (whole process) are "
      "/usr/bin/time's. Bars: `../shared/DESIGN.md` §7 (ratios against Go at GOMAXPROCS=%s; "
      "maps also against abseil; STW bars on gort's own figure)." % (env.get("reps", "?"), env.get("go_procs", "?")))
    p()
    p("Bars: %d met, %d not met%s" % (len(met), len(missed), (": " + "; ".join(missed) + ".") if missed else "."))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: bench_table.py OUT_DIR")
    main(sys.argv[1])
