// gc/workers.h — the background mark workers and the end of the mark
// (gc/workers.cc explains the scheduling).
#pragma once

#include <cstdint>

#include "gc/mark.h"

namespace gort::gc {

// From a goroutine before a cycle starts: one worker goroutine per P
// (GOMAXPROCS), each parked in `GC worker (idle)`.
void workers_ensure();
// In the start pause of a concurrent cycle: splits the 25% background
// utilisation into dedicated and fractional workers for `procs` Ps, clears
// the Ps' fractional time, and lets the scheduler choose workers.
void workers_cycle_start(int procs, std::int64_t mark_start);
// In the termination pause: no more workers are chosen this cycle.
void workers_cycle_stop();
// Whether this cycle's concurrent mark is on and has not been declared done
// (Go's gcBlackenEnabled): assists may wait for the workers only then.
bool workers_enabled();
// Whether an idle-priority worker is in a turn (gc/assist.cc: allocating
// goroutines then carry their debt below the goal), or a test says so
// (gc/testing.h, g_testing_assume_idle_marking).
bool idle_workers_marking();

// Go's split of the 25% background utilisation for `procs` Ps: whole
// dedicated workers, and the fraction of each P's time for fractional ones.
struct WorkerSplit {
  int dedicated = 0;
  double fractional = 0;
};
WorkerSplit worker_split(int procs);

// CPU time the workers spent this cycle: dedicated and fractional
// ("background"), and idle-priority.
struct WorkerTimes {
  std::int64_t background_ns = 0;
  std::int64_t idle_ns = 0;
};
WorkerTimes workers_times();

// A marker that ran out of work and was the last one marking: if the queue,
// the root jobs and every P's barrier buffer are empty, ends the mark (Go's
// gcMarkDone) — mark termination runs on the calling goroutine. Returns true
// if it found more work instead (flushed from barrier buffers).
bool try_mark_done();

// Scans up to `budget` grey objects from ms and the shared queue; false when
// both are empty. Shares work when the queue is empty, and keeps the pacer
// informed.
bool drain_some(MarkState& ms, std::size_t budget);

// Every marker (worker turn, assist) counts itself before it takes grey
// objects and until it has none, so that the end of the mark is never
// concluded while one holds some. marker_exit returns true for the last one
// out: if it found no work either, it calls try_mark_done.
void marker_enter();
bool marker_exit();
bool markers_active();

// cycle.cc: what follows the decision that the mark is done — the
// termination pause, then waking the sweeper and finalizers, gctrace, and
// waking collect().
void complete_mark();

}  // namespace gort::gc
