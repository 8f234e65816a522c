// maps/failures.cc — how a map fails: Go's fatal errors for concurrent misuse
// (user errors: fatal, on the g0 stack, exit 2), the nil-map assignment panic
// (a recoverable runtime error), and a broken table invariant (a throw).
#include "base/fail.h"
#include "gort/maps/table.h"
#include "sched/m.h"

#include <string>

namespace gort::maps::detail {

void fatal_concurrent_writes() { gort::detail::fatal_("concurrent map writes"); }
void fatal_concurrent_read_write() { gort::detail::fatal_("concurrent map read and map write"); }
void fatal_concurrent_iteration_write() { gort::detail::fatal_("concurrent map iteration and map write"); }
void fatal_concurrent_clone_write() { gort::detail::fatal_("concurrent map clone and map write"); }

// Go's plainError: a runtime.Error whose text has no "runtime error: " prefix.
void panic_nil_map_assignment() { gort::detail::panic_runtime_error("assignment to entry in nil map"); }

bool on_runtime_thread() noexcept {
  gort::detail::M* m = gort::detail::tls_m;
  return m != nullptr && m->p != nullptr;
}

void fatal_off_runtime_thread(const char* op) {
  gort::detail::M* m = gort::detail::tls_m;
  static std::string msg;  // fatal_ never returns; built once
  msg = std::string(op) + (m == nullptr || !m->in_syscall ? " called from a thread the runtime does not own (use maps from goroutines)"
                                        : " called inside gort::blocking (use maps outside the blocking call)");
  gort::detail::fatal_(msg.c_str());
}

void throw_bad_map_state() { gort::detail::throw_("bad map state"); }

}  // namespace gort::maps::detail
