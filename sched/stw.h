// sched/stw.h — stopping the world.
//
// stop-the-world brings every P to a stop: idle Ps and Ps whose M is inside a
// blocking call are taken at once; each running P gets its preempt flag set
// and stops at its goroutine's next safepoint; and because a goroutine may
// spin in plain C++ with no safepoint at all, its thread also gets SIGURG.
// The handler suspends the thread in place (recording its registers for the
// collector) unless it is on g0 or holds a runtime lock, in which case it
// will reach the scheduler within a bounded number of steps and the stopper
// signals again 20 µs later. start_the_world puts every P back the way it
// found it and wakes every waiter with one futex broadcast.
#pragma once

#include <cstdint>

namespace gort::detail {

struct M;

void stw_install_signal_handler();
// From a goroutine or from g0 holding a P. Returns how long the stop took (ns).
std::int64_t stw_stop(M* m);
void stw_start(M* m);
// For a fatal report: stops every other running P where it stands (a
// safepoint or the stop signal), best effort, and keeps it stopped for good.
// Needs no lock, so it works whatever the dying thread holds.
void freeze_the_world();
// Serialises stop-the-world requests made from goroutines (gort::stop_the_world,
// the collector): lock it on the goroutine before stw_stop, unlock after
// stw_start.
void stw_mutex_lock();
void stw_mutex_unlock();

}  // namespace gort::detail
