// gc/barrier.h — what the write barrier's slow path does with the pointers it
// shades (gc/barrier.cc has the slow path itself).
#pragma once

#include <cstdint>

namespace gort::gc {

struct MarkState;

// Greys the object p points into (if any). While marking.
void shade_from_barrier(void* p);
// Moves what the barrier shaded onto ms's work stack. World stopped or
// marker only.
void take_barrier_work(MarkState& ms);

}  // namespace gort::gc
