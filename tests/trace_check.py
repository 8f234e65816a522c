#!/usr/bin/env python3
"""tests/trace_check.py — checks a gort execution trace (GORT_TRACE's JSON).

  trace_check.py FILE [--full] [--truncated]

Always: the file is one JSON object {"traceEvents":[...],"displayTimeUnit":"ns"};
every event has the fields its phase needs ("X": name, ts, dur, pid, tid; "C":
numeric args; "i": scope; "M": the metadata's args); the process and every
track used are named; on each track, complete slices never partially overlap
(they only nest); a nested GC slice (assist, worker turn) lies inside a slice
of its own goroutine; the GC and STW tracks and the counters are in time order
in the file, and GC phases never overlap.

--full: the expected kinds are present: goroutine slices ("G<n>", args.goid)
on P tracks, each GC phase (sweep termination, concurrent mark, mark
termination, sweep) in that order within a cycle, an STW slice named by its
GC reason, a mark assist, a mark worker turn, "heap in use" and "heap goal"
counters, and the named runtime goroutines.

--truncated: the last event is the "trace truncated" instant.
Exits 1 with one line per problem (at most 20).
"""
import json
import re
import sys

PHASES = ["GC sweep termination", "GC concurrent mark", "GC mark termination", "GC sweep"]
GC_TRACK = 1 << 20
STW_TRACK = GC_TRACK + 1


def ns(us):
    """Microseconds (three decimals) to integer nanoseconds."""
    return int(round(us * 1000))


def main():
    args = sys.argv[1:]
    full = "--full" in args
    truncated = "--truncated" in args
    paths = [a for a in args if not a.startswith("--")]
    if len(paths) != 1:
        print(__doc__)
        return 2
    problems = []

    def bad(msg):
        problems.append(msg)

    with open(paths[0], encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            print(f"{paths[0]}: not valid JSON: {e}")
            return 1
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        print("top level is not an object with a traceEvents array")
        return 1
    if doc.get("displayTimeUnit") != "ns":
        bad(f"displayTimeUnit is {doc.get('displayTimeUnit')!r}, want 'ns'")
    events = doc["traceEvents"]

    named_tracks, process_named = set(), False
    slices = {}  # tid -> [(start_ns, end_ns, event)]
    ordered = {}  # key -> last ts (tracks/counters that must be in file order)
    used_tids = set()
    for i, e in enumerate(events):
        where = f"event {i} ({json.dumps(e)[:120]})"
        if not isinstance(e, dict):
            bad(f"{where}: not an object")
            continue
        ph = e.get("ph")
        if not isinstance(e.get("name"), str) or not isinstance(e.get("pid"), int) or not isinstance(e.get("tid"), int):
            bad(f"{where}: name, pid and tid are required")
            continue
        if ph == "M":
            a = e.get("args", {})
            if e["name"] == "process_name":
                process_named = isinstance(a.get("name"), str)
            elif e["name"] == "thread_name":
                if isinstance(a.get("name"), str):
                    named_tracks.add(e["tid"])
                else:
                    bad(f"{where}: thread_name without args.name")
            elif e["name"] in ("thread_sort_index", "process_sort_index"):
                if not isinstance(a.get("sort_index"), int):
                    bad(f"{where}: sort index without args.sort_index")
            else:
                bad(f"{where}: unknown metadata event")
            continue
        ts = e.get("ts")
        if not isinstance(ts, (int, float)) or isinstance(ts, bool) or ts < 0:
            bad(f"{where}: ts must be a non-negative number")
            continue
        used_tids.add(e["tid"])
        if ph == "X":
            dur = e.get("dur")
            if not isinstance(dur, (int, float)) or dur < 0:
                bad(f"{where}: X without a non-negative dur")
                continue
            slices.setdefault(e["tid"], []).append((ns(ts), ns(ts) + ns(dur), e))
            if e["tid"] in (GC_TRACK, STW_TRACK):
                key = ("track", e["tid"])
                if ts < ordered.get(key, 0):
                    bad(f"{where}: out of time order on its track")
                ordered[key] = ts
        elif ph == "C":
            a = e.get("args")
            if not isinstance(a, dict) or not a or not all(isinstance(v, (int, float)) for v in a.values()):
                bad(f"{where}: counter without numeric args")
            key = ("counter", e["name"])
            if ts < ordered.get(key, 0):
                bad(f"{where}: counter out of time order")
            ordered[key] = ts
        elif ph == "i":
            if e.get("s") not in ("g", "p", "t"):
                bad(f"{where}: instant without a valid scope")
        else:
            bad(f"{where}: unexpected phase {ph!r} (the tracer writes only X, C, i and M)")

    if not process_named:
        bad("no process_name metadata")
    for tid in sorted(used_tids - named_tracks):
        bad(f"track {tid} has events but no thread_name")

    # Slices on one track only nest.
    for tid, ss in slices.items():
        ss.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for s in ss:
            while stack and stack[-1][1] <= s[0]:
                stack.pop()
            if stack and s[1] > stack[-1][1]:
                p = stack[-1][2]
                bad(f"track {tid}: {s[2]['name']} at {s[2]['ts']} (dur {s[2]['dur']}) partially overlaps "
                    f"{p['name']} at {p['ts']} (dur {p['dur']})")
            if s[2].get("cat") == "gc" and tid not in (GC_TRACK, STW_TRACK):
                parent = stack[-1][2] if stack else None
                if parent is None or parent.get("cat") != "goroutine" or parent["args"].get("goid") != s[2]["args"].get("goid"):
                    bad(f"track {tid}: {s[2]['name']} at {s[2]['ts']} is not inside a slice of goroutine "
                        f"{s[2]['args'].get('goid')}")
            stack.append(s)
    # GC phases follow one another.
    gc = sorted(slices.get(GC_TRACK, []), key=lambda s: s[0])
    for a, b in zip(gc, gc[1:]):
        if b[0] < a[1]:
            bad(f"GC phases overlap: {a[2]['name']} and {b[2]['name']} at {b[2]['ts']}")

    if full:
        gslices = [s[2] for tid, ss in slices.items() if tid < GC_TRACK for s in ss if s[2].get("cat") == "goroutine"]
        if not any(re.fullmatch(r"G\d+", e["name"]) and isinstance(e.get("args", {}).get("goid"), int) for e in gslices):
            bad("no goroutine slice named G<n> with args.goid on a P track")
        for name in ("GC mark worker", "GC sweeper"):
            if not any(e["name"] == name for e in gslices):
                bad(f"no slice of the runtime goroutine {name!r}")
        names = {s[2]["name"] for ss in slices.values() for s in ss}
        for p in PHASES:
            if p not in names:
                bad(f"no {p!r} phase")
        stw = {s[2]["name"] for s in slices.get(STW_TRACK, [])}
        for r in ("GC sweep termination", "GC mark termination"):
            if r not in stw:
                bad(f"no stop-the-world slice named {r!r} (have {sorted(stw)})")
        if "GC mark assist" not in names:
            bad("no 'GC mark assist' slice")
        if not any(n.startswith("GC mark worker (") for n in names):
            bad("no 'GC mark worker (...)' turn")
        counters = {e["name"] for e in events if e.get("ph") == "C"}
        for c in ("heap in use", "heap goal"):
            if c not in counters:
                bad(f"no {c!r} counter")
        # Within each cycle, the phases come in order.
        by_cycle = {}
        for s in gc:
            by_cycle.setdefault(s[2]["args"]["cycle"], []).append(s[2]["name"])
        complete = 0
        for cycle, seq in by_cycle.items():
            idx = [PHASES.index(n) for n in seq if n in PHASES]
            if idx != sorted(idx):
                bad(f"cycle {cycle}: phases out of order: {seq}")
            if idx[:4] == [0, 1, 2, 3]:
                complete += 1
        if complete == 0:
            bad("no cycle with all four phases in order")

    if truncated:
        last = events[-1] if events else {}
        if last.get("ph") != "i" or not last.get("name", "").startswith("trace truncated"):
            bad(f"the last event is not the 'trace truncated' instant: {json.dumps(last)[:200]}")

    for p in problems[:20]:
        print(p)
    if len(problems) > 20:
        print(f"... and {len(problems) - 20} more")
    if not problems:
        xs = sum(len(v) for v in slices.values())
        print(f"ok: {len(events)} events, {xs} slices on {len(slices)} tracks")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
