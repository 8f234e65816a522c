// gc/sweep.h — sweeping spans after a mark (gc/sweep.cc).
#pragma once

#include <cstdint>

namespace gort::gc {

struct Span;

struct SweepTotals {
  std::uint64_t freed_objects = 0, freed_bytes = 0;
  std::uint64_t live_objects = 0, live_bytes = 0;
};

// Sweeps one span (not in a cache); false if it was freed.
bool sweep_span(Span* s, SweepTotals& t, bool poison);
// Sweeps every span. World stopped, caches released.
SweepTotals sweep_all();

}  // namespace gort::gc
