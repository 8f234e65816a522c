// sched/threads.cc — Go's limit on the number of OS threads (runtime/debug's
// SetMaxThreads and checkmcount). Every M counts, M0 included; sysmon, which
// is not an M here, does not (Go leaves its sysmon out of the count too).
// Ms are never destroyed, so the count only grows: each goroutine blocked in
// gort::blocking holds an M while another M runs its P's other goroutines.
#include "base/fail.h"
#include "base/print.h"
#include "gort/debug.h"
#include "sched/sched.h"

namespace gort::detail {

void thread_exhaustion(std::int32_t limit) {
  base::Printer().str("runtime: program exceeds ").i64(limit).str("-thread limit\n");
  throw_("thread exhaustion");
}

}  // namespace gort::detail

namespace gort::debug {

int set_max_threads(int threads) {
  using namespace gort::detail;
  Sched& s = sched();
  std::int32_t old, count;
  {
    base::Guard<base::Lock> g(s.lock);
    old = s.maxmcount;
    s.maxmcount = threads;
    count = s.mcount;
  }
  // Go checks at once: a limit below the threads already running is fatal.
  if (s.booted && count > threads) thread_exhaustion(threads);
  return old;
}

}  // namespace gort::debug
