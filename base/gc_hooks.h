// base/gc_hooks.h — what the scheduler tells the collector without depending
// on it (gc/ sits above sched/).
//
// While the collector marks, values that move between goroutines outside the
// heap — channel elements, the captures of a new goroutine — are shaded as
// they move (the write barrier's job for memory that has no gc::Ptr): a
// goroutine whose stack was already scanned can receive a pointer only in a
// way the collector sees.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" bool gort_gc_barrier_on;  // include/gort/gc.h

namespace gort::base {

// Set by the collector at boot; never null afterwards.
extern void (*gc_shade_range_hook)(const void* p, std::size_t n);

// Called by sysmon on every tick (and when its deep sleep ends): starts the
// periodic collection when one is due; returns the nanotime at which it
// wants to be called next (sysmon's deep sleep ends by then).
extern std::int64_t (*gc_sysmon_hook)(std::int64_t now);

inline bool gc_marking() { return __atomic_load_n(&gort_gc_barrier_on, __ATOMIC_RELAXED); }

inline void gc_shade_range(const void* p, std::size_t n) {
  if (gc_marking()) [[unlikely]] {
    if (gc_shade_range_hook != nullptr) gc_shade_range_hook(p, n);
  }
}

}  // namespace gort::base
