// gc/stats.cc — see stats.h.
#include "gc/stats.h"

#include <time.h>

#include "base/clock.h"
#include "gc/collector.h"
#include "sched/sched.h"

namespace gort::gc {

namespace {
std::uint64_t unix_now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

void stats_record_cycle(std::int64_t pause_ns, std::int64_t gc_wall_ns, int procs) {
  Stats& s = stats();
  std::uint32_t n = collector().cycles.load(std::memory_order_relaxed) + 1;
  base::Guard<base::Lock> g(s.lock);
  std::uint64_t end = unix_now();
  s.pause_total_ns += static_cast<std::uint64_t>(pause_ns);
  s.pause_ns[(n + 255) % 256] = static_cast<std::uint64_t>(pause_ns);
  s.pause_end[(n + 255) % 256] = end;
  s.last_gc_unix = end;
  s.gc_cpu_ns += static_cast<double>(gc_wall_ns) * procs;
}

double stats_cpu_fraction() {
  Stats& s = stats();
  std::int64_t elapsed = base::nanotime() - s.process_start;
  int procs = gort::detail::gomaxprocs_now();
  if (elapsed <= 0 || procs <= 0) return 0;
  base::Guard<base::Lock> g(s.lock);
  return s.gc_cpu_ns / (static_cast<double>(elapsed) * procs);
}

}  // namespace gort::gc
