// gc/stats.h — what the collector records about its cycles, for gctrace,
// gort::debug::read_gc_stats and read_mem_stats (Go's MemStats fields).
#pragma once

#include <cstdint>

#include "base/lock.h"

namespace gort::gc {

struct Stats {
  base::Lock lock;
  std::int64_t process_start = 0;  // nanotime at boot
  std::uint64_t pause_total_ns = 0;
  std::uint64_t pause_ns[256] = {};   // indexed as Go's: cycle n at (n+255) % 256
  std::uint64_t pause_end[256] = {};  // unix ns
  std::uint64_t last_gc_unix = 0;
  double gc_cpu_ns = 0;  // CPU time spent collecting (all Ps)
};

Stats& stats();
// Records cycle number cycles()+1: its total pause and its GC CPU time.
void stats_record_cycle(std::int64_t pause_ns, double gc_cpu_ns);
double stats_cpu_fraction();

}  // namespace gort::gc
