// gort/trace.h — the execution tracer: a Chrome Trace Event Format file
// (JSON) that Perfetto (ui.perfetto.dev) and chrome://tracing open.
//
// Any gort program traces when started with GORT_TRACE=FILE in its
// environment: tracing starts at boot and the file is completed when
// gort::run returns (or at gort::exit). GORT_TRACE_LIMIT=BYTES caps the file
// (default 512 MiB; suffixes K, M, G, KiB, MiB, GiB; 0 means no cap): when the
// cap is reached recording stops and the file ends with an instant event
// "trace truncated: ..." on the GC track. A GORT_TRACE file that cannot be
// created, or a malformed GORT_TRACE_LIMIT, is reported in one line on
// stderr naming the variable and the program exits with status 2 before
// main runs (Go exits 2 on a bad GODEBUG-style setting; running on without
// the trace asked for would hide the mistake).
//
// What the file holds ({"traceEvents":[...],"displayTimeUnit":"ns"};
// "ts"/"dur" in microseconds from the start of tracing, with ns decimals):
//   - one track per P ("P0", "P1", ...): a complete ("X") slice for every
//     stretch a goroutine ran there, named "G<goid>" (runtime goroutines by
//     their role: "GC mark worker", "GC sweeper", "GC forcegc", "finalizer"), with
//     args.goid. A goroutine in a blocking call (gort::blocking) has no slice
//     while it is in the call. Nested inside: "GC mark assist" slices (an
//     allocating goroutine paying its assist debt, one per burst) and "GC
//     mark worker (dedicated|fractional|idle)" (a worker's turn). A nested
//     slice that its goroutine leaves (preempted, stopped by a pause) ends
//     there.
//   - track "GC": the phases, one slice each — "GC sweep termination", "GC
//     concurrent mark", "GC mark termination", "GC sweep" (until the
//     background sweeper is done or the next cycle starts) — with
//     args.cycle; counters "heap in use" and "heap goal" (args.bytes), at
//     each cycle's start and end and at most every millisecond from sysmon.
//   - track "STW (stop the world)": every pause, named by its reason ("GC
//     sweep termination", "GC mark termination"; "stop the world" for the
//     others: gort::stop_the_world, GOMAXPROCS changes, ReadMemStats), from
//     the moment the stopper starts stopping Ps to the restart. The final
//     stop when main returns is not recorded (it never ends).
//   - metadata naming the process and every track, with sort indices.
//   - if the writer fell behind and events were lost: a final instant
//     "events dropped: ..." with their number. Nothing is dropped silently.
//
// Events are recorded in per-thread buffers without locks and written by a
// writer thread every 100 ms; after each write the file is valid JSON. A
// process that ends without stopping the trace (a fatal error, a signal,
// _exit) therefore leaves a valid file with everything up to the last write
// (best effort: the last ~100 ms are lost). Slices still open when tracing
// stops (goroutines running on other threads) are not in the file; after a
// start from a running program, a goroutine's slices begin at its next
// switch.
//
// Cost: off, each hook is one relaxed load of a global flag and a branch.
// On, a goroutine switch costs a clock read and a 40-byte append to the
// thread's buffer; a writer thread formats and writes (about 115 bytes of
// JSON per goroutine slice: skynet's 1.1 million goroutines make ~250 MB).
#pragma once

#include <string>

namespace gort::trace {

// Starts writing a trace to path (created or truncated). False, with *error
// (if not null) set to a one-line reason, if tracing is already on or the
// file cannot be created. May be called from a goroutine or before
// gort::run. The size cap is GORT_TRACE_LIMIT's (default 512 MiB).
bool start(const std::string& path, std::string* error);

// Stops tracing, writes what is buffered and completes and closes the file.
// Does nothing if not tracing. Call it from a goroutine or after gort::run.
void stop();

// True from a successful start until stop (also once the size cap has
// stopped the recording: the file stays open until stop).
bool enabled();

}  // namespace gort::trace
