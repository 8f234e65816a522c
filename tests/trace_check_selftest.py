#!/usr/bin/env python3
"""tests/trace_check_selftest.py — trace_check.py must reject broken traces.

Takes a good trace (argv[1], written by gort-test-trace-program), checks that
trace_check.py accepts it, then breaks it in one way at a time and checks
that each is rejected: invalid JSON, a slice partially overlapping another
on its track, a nested slice outside its goroutine's slice, a missing
thread_name, a negative dur, GC phases out of order, a counter out of time
order, a missing kind (--full), no truncation instant (--truncated).
"""
import json
import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trace_check.py")


def run(doc_or_text, *flags):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))
        path = f.name
    try:
        return subprocess.run([sys.executable, CHECKER, path, *flags], capture_output=True, text=True).returncode
    finally:
        os.unlink(path)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        good = json.load(f)
    failures = []
    if run(good, "--full") != 0:
        failures.append("the good trace is rejected")
    ev = good["traceEvents"]

    def mutated(name, fn, *flags):
        doc = json.loads(json.dumps(good))
        fn(doc["traceEvents"])
        if run(doc, *flags) == 0:
            failures.append(f"not rejected: {name}")

    def first(events, pred):
        return next(e for e in events if pred(e))

    gslice = lambda e: e.get("cat") == "goroutine"

    def overlap(events):
        a = first(events, lambda e: gslice(e) and e["dur"] > 1)
        b = dict(a)
        b["ts"] = a["ts"] + a["dur"] / 2
        b["dur"] = a["dur"]
        events.append(b)

    def nested_outside(events):
        n = first(events, lambda e: e.get("name") == "GC mark assist")
        n["ts"] += 1e7

    def unnamed_track(events):
        events[:] = [e for e in events if not (e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"]["name"] == "P0")]

    def negative_dur(events):
        first(events, gslice)["dur"] = -1

    def phases_reordered(events):
        mark = first(events, lambda e: e.get("name") == "GC concurrent mark")
        sweep_term = first(events, lambda e: e.get("name") == "GC sweep termination" and e["args"]["cycle"] == mark["args"]["cycle"])
        mark["name"], sweep_term["name"] = sweep_term["name"], mark["name"]

    def counter_back_in_time(events):
        c = [e for e in events if e.get("ph") == "C" and e["name"] == "heap in use"]
        c[-1]["ts"] = c[0]["ts"] - 1 if c[0]["ts"] >= 1 else 0
        c[0]["ts"] = c[-1]["ts"] + 5

    def no_assist(events):
        events[:] = [e for e in events if e.get("name") != "GC mark assist"]

    mutated("a partial overlap", overlap)
    mutated("a nested slice outside its goroutine", nested_outside)
    mutated("a track without thread_name", unnamed_track)
    mutated("a negative dur", negative_dur)
    mutated("GC phases out of order", phases_reordered, "--full")
    mutated("a counter out of time order", counter_back_in_time)
    mutated("no assist", no_assist, "--full")
    mutated("no truncation instant", lambda events: None, "--truncated")
    if run(json.dumps(good)[:-100]) == 0:
        failures.append("not rejected: invalid JSON")
    for f in failures:
        print(f)
    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
