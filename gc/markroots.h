// gc/markroots.h — a cycle's roots as jobs that any marker can claim (Go's
// markroot jobs): the global roots (root handles, registered ranges,
// finalizers) as one job, then every goroutine's stack as one job each.
//
// The list of goroutines is taken by the first marker that asks (not in the
// start pause, which must stay short with 100,000 goroutines). A stack whose
// goroutine cannot be held still right now (gc/stackscan.h) goes on a retry
// list; the roots are done when every job has run to completion.
#pragma once

#include <cstdint>

#include "gc/mark.h"

namespace gort::gc {

// In the start pause: a new set of jobs for cycle gen.
void roots_reset(std::uint32_t gen);
// In the termination pause: releases the goroutine list.
void roots_release();

enum class RootJob : std::uint8_t {
  scanned,   // ran one job into ms
  deferred,  // the goroutine it picked could not be stopped now: try later
  none,      // nothing left to claim (jobs may still be running elsewhere)
};
RootJob roots_scan_one(MarkState& ms);

// Whether any root job is unclaimed, waiting for a retry, or running.
bool roots_pending();

// Stack bytes scanned this cycle (gctrace's "MB stacks", the pacer's goal).
std::int64_t roots_stack_bytes();

}  // namespace gort::gc
