// gc/stackscan.h — scanning one goroutine's stack during concurrent mark
// (gc/stackscan.cc explains how the goroutine is held still).
#pragma once

#include <cstdint>

#include "gc/mark.h"

namespace gort::detail {
struct G;
struct M;
}  // namespace gort::detail

namespace gort::gc {

// Scans gp's stack, registers and entry closure into ms if gp can be held
// still right now, and records it as scanned for cycle gen (G::gcscan_gen);
// false means "try again later". self: the caller's M.
bool scan_goroutine_stack(MarkState& ms, gort::detail::G* gp, gort::detail::M* self,
                          std::uint32_t gen);

}  // namespace gort::gc
