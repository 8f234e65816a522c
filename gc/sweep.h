// gc/sweep.h — sweeping spans after a mark (gc/sweep.cc explains it).
#pragma once

#include <atomic>
#include <cstdint>

namespace gort::gc {

struct Span;

struct SweepTotals {
  std::uint64_t freed_objects = 0, freed_bytes = 0;
  std::uint64_t live_objects = 0, live_bytes = 0;
  std::uint64_t revived_objects = 0, revived_bytes = 0;  // kept for their finalizers
};

// Set when a sweep queued a finalizer: finalizers_wake_if_queued()
// (gc/special.h) wakes the finalizer goroutine, which a sweep cannot do
// itself (it may run inside allocation, or with the world stopped).
extern std::atomic<bool> g_finalizers_queued;

// Mark termination, world stopped, caches released: every span becomes
// "unswept" and the sweep list is the list of all spans.
void sweep_begin();
// Sweeps the next span of the list (the background sweeper, and allocation
// when its central has nothing). False when the list is done.
bool sweep_one();
// Makes sure s is swept before a cache allocates from it (s was popped from
// a partial list: it is not freed even if empty).
void ensure_swept(Span* s);
// Sweeps whatever is left and waits for sweeps in flight. From a goroutine
// or with the world stopped.
void finish_sweep();
bool sweep_finished();

// Everything at once with the world stopped (GODEBUG=gcstoptheworld=1 and
// tests): sweep_begin, then finish_sweep.
void sweep_all_stopped();

}  // namespace gort::gc
