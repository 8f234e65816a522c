// gc/barrier.h — where the write barrier's slow path puts the pointers it
// shades (gc/work.cc): the running P's buffer, flushed into the mark queue.
#pragma once

#include <cstdint>

namespace gort::gc {

// Records two pointers (old and new value; 0 for none) for shading, those
// that are heap objects not yet marked or allocated black (gc/wbbuf.cc).
// While marking, inside a no-suspend stretch.
void barrier_record(std::uintptr_t a, std::uintptr_t b);

}  // namespace gort::gc
