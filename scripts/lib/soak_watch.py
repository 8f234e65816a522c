#!/usr/bin/env python3
"""scripts/lib/soak_watch.py — runs one gort-stress soak and judges it.

  soak_watch.py NAME SECONDS [--max-peak-heap-mib N] -- COMMAND...

COMMAND is a gort-stress run with --json. While it runs, its resident set
(VmRSS from /proc/PID/status) is sampled every second. At the end:
  * the exit status must be 0 and the JSON's verification ok with no
    failures (gort-stress names the failing object and goroutine otherwise);
  * no RSS growth after warm-up: the run is cut into the warm-up (its first
    quarter) and the rest, which is halved; the median RSS of the second
    half may exceed the median of the first half by at most 10% + 16 MiB
    (a collector that leaks grows without bound and raises the median of
    every later stretch; one that holds its heap goal plateaus). Medians,
    not maxima: the mixed workload's heap swings for a few seconds at a
    time (GOGC=10 wants more than half the CPU, so the CPU limiter lets the
    heap run past its goal), and a largest-value rule failed whenever such
    a swing fell in the second half (docs/RELIABILITY.md, Soak);
  * with --max-peak-heap-mib, the JSON's peak heap (HeapAlloc sampled every
    200 ms) at most N MiB: for a run under GOMEMLIMIT, a bound somewhat
    above the limit (the CPU limiter may let the heap pass it for a while,
    as Go's does; an accounting or pacing fault goes far past it).
Prints one line of figures (and the failure reasons); exits 0 or 1.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    args = sys.argv[1:]
    max_peak_heap_mib = None
    if len(args) >= 4 and args[2] == "--max-peak-heap-mib":
        try:
            max_peak_heap_mib = float(args[3])
        except ValueError:
            print(f"soak_watch.py: --max-peak-heap-mib wants a number, got {args[3]!r}", file=sys.stderr)
            return 2
        args = args[:2] + args[4:]
    if len(args) < 4 or args[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    name, seconds, cmd = args[0], float(args[1]), args[3:]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = []  # (seconds since start, KiB)
    # Read stdout/stderr in the background so the pipes never fill.
    import threading
    out_chunks, err_chunks = [], []
    t_out = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()))
    t_err = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    t_out.start()
    t_err.start()
    while proc.poll() is None:
        r = rss_kib(proc.pid)
        if r is not None:
            samples.append((time.monotonic() - start, r))
        time.sleep(1.0)
    t_out.join()
    t_err.join()
    elapsed = time.monotonic() - start
    out, err = "".join(out_chunks), "".join(err_chunks)
    problems = []
    if proc.returncode != 0:
        problems.append(f"exit status {proc.returncode}")
    summary = None
    try:
        summary = json.loads(out)
    except ValueError:
        problems.append("no JSON summary on stdout")
    if summary is not None:
        v = summary.get("verification", {})
        if not v.get("ok") or v.get("failures", 1) != 0:
            problems.append(f"verification failed: {v.get('messages')}")
        peak_mib = summary.get("peak_heap_bytes", 0) / 2**20
        if max_peak_heap_mib is not None and peak_mib > max_peak_heap_mib:
            problems.append(f"peak heap {peak_mib:.0f} MiB above its bound of {max_peak_heap_mib:.0f} MiB")
    warm = seconds / 4
    rest = [kib for (t, kib) in samples if t >= warm]
    early_max = late_max = early_med = late_med = 0
    if len(rest) < 4:
        problems.append(f"too few RSS samples after warm-up ({len(rest)})")
    else:
        half = len(rest) // 2
        early_max, late_max = max(rest[:half]), max(rest[half:])
        early_med, late_med = statistics.median(rest[:half]), statistics.median(rest[half:])
        allowed = early_med * 1.10 + 16 * 1024
        if late_med > allowed:
            problems.append(f"RSS grew after warm-up: median {early_med // 1024:.0f} MiB -> {late_med // 1024:.0f} MiB")
    fig = ""
    if summary is not None:
        p = summary.get("pause_ns", {})
        fig = (f"cycles {summary.get('gc_cycles')}, pauses p50 {p.get('p50', 0) / 1e6:.2f} ms "
               f"p99 {p.get('p99', 0) / 1e6:.2f} ms max {p.get('max', 0) / 1e6:.2f} ms, "
               f"GC CPU {summary.get('gc_cpu_percent', 0):.1f}%, peak heap "
               f"{summary.get('peak_heap_bytes', 0) / 2**20:.0f} MiB, ")
    print(f"soak {name}: {elapsed:.0f} s, {fig}RSS after warm-up: median {early_med // 1024:.0f} / "
          f"{late_med // 1024:.0f} MiB, max {early_max // 1024} / {late_max // 1024} MiB (first / second half), "
          f"{len(samples)} samples: "
          + ("ok" if not problems else "FAILED: " + "; ".join(problems)))
    if problems:
        # The report's head names the failure (a fatal error's first lines,
        # a failed check); its tail is the end of the summary or traceback.
        lines = [l for l in err.splitlines() if not l.startswith("[")]  # no progress lines
        text = "\n".join(lines)
        sys.stderr.write(text if len(text) <= 6000 else text[:4000] + "\n...\n" + text[-2000:])
        sys.stderr.write("\n")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
