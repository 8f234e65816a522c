#!/usr/bin/env python3
"""Run one benchmark command N times on its own and summarise its RESULT lines.

  bench_solo.py --peers DIR [--reps N] -- CMD ...

For benchmarks without a peer (scripts/bench.sh's stw groups): the same runs
as ../shared/peers/pair.py makes for one side (its run_once: /usr/bin/time
around each run, adding maxrss in MiB and wall_ext in s), then one line per
metric with the median, min and max over the runs:
  SOLO metric=<metric> a=<median> min=<min> max=<max> unit=<unit>
Exit status 1 if a run fails or prints no RESULT line.
"""
import statistics, shlex, sys, os


def main(argv):
    reps, peers = 5, None
    i = 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "--reps":
            reps = int(argv[i + 1]); i += 2
        elif argv[i] == "--peers":
            peers = argv[i + 1]; i += 2
        else:
            sys.exit("bench_solo.py: unknown option %s" % argv[i])
    cmd = argv[i + 1:]
    if not cmd or peers is None:
        sys.exit("usage: bench_solo.py --peers DIR [--reps N] -- CMD ...")
    sys.dont_write_bytecode = True  # leave no __pycache__ in ../shared/peers
    sys.path.insert(0, peers)
    from pair import run_once  # the same measurement as the paired runs
    runs = []
    for _ in range(reps):
        r = run_once(cmd, dict(os.environ))
        if r is None:
            return 1
        runs.append(r)
    metrics = [m for m in runs[0] if m not in ("maxrss", "wall_ext")] + ["maxrss", "wall_ext"]
    if len(metrics) == 2:
        sys.stderr.write("no RESULT line from %s\n" % shlex.join(cmd))
        return 1
    print("A: %s\nruns: %d, no peer" % (shlex.join(cmd), reps))
    for m in metrics:
        v = [r[m][0] for r in runs if m in r]
        print("SOLO metric=%s a=%.6g min=%.6g max=%.6g unit=%s" % (
            m, statistics.median(v), min(v), max(v), runs[0][m][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
