// gc/pacer.h — when to start a cycle and how much marking an allocating
// goroutine owes while one runs (gc/pacer.cc explains the model).
#pragma once

#include <cstdint>

namespace gort::gc {

// At the start pause: sets the assist ratio for this cycle.
void pacer_cycle_start(std::int64_t live_now);
// From the markers now and then: refreshes the assist ratio.
void pacer_refresh(std::int64_t live_now);
// At mark termination: the next goal and trigger from what the mark found.
// mutator_share: of the Ps' time during the mark not taken by mark workers,
// the part the program ran rather than assisted (1 when not known).
void pacer_cycle_end(std::int64_t marked, std::int64_t stack_bytes, std::int64_t heap_at_start,
                     std::int64_t heap_at_end, double mutator_share);
// Recomputes goal and trigger from the last mark (after set_gc_percent).
void pacer_recompute();
// Adds scan work done by any marker this cycle.
void pacer_add_scanned(std::int64_t bytes);

}  // namespace gort::gc
