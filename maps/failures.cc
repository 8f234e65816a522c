// maps/failures.cc — how a map fails: Go's fatal errors for concurrent misuse
// (user errors: fatal, on the g0 stack, exit 2), the nil-map assignment panic
// (a recoverable runtime error), and a broken table invariant (a throw).
#include "base/fail.h"
#include "gort/maps/table.h"

namespace gort::maps::detail {

void fatal_concurrent_writes() { gort::detail::fatal_("concurrent map writes"); }
void fatal_concurrent_read_write() { gort::detail::fatal_("concurrent map read and map write"); }
void fatal_concurrent_iteration_write() { gort::detail::fatal_("concurrent map iteration and map write"); }
void fatal_concurrent_clone_write() { gort::detail::fatal_("concurrent map clone and map write"); }

// Go's plainError: a runtime.Error whose text has no "runtime error: " prefix.
void panic_nil_map_assignment() { gort::detail::panic_runtime_error("assignment to entry in nil map"); }

void throw_bad_map_state() { gort::detail::throw_("bad map state"); }

}  // namespace gort::maps::detail
