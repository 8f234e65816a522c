// stress/summary.h — the end-of-run figures, as a table and as JSON.
//
// Collected once, after the workloads returned (collect_summary), from:
//  * gort::debug::read_gc_stats — cycles and the pause ring (the quantiles
//    are exact over the ring's pauses for cycles of this run; the ring holds
//    the last 256, so with more cycles the older pauses are not counted,
//    and pauses_counted says how many were);
//  * gort::debug::read_mem_stats — allocation since the start, gc_cpu_fraction
//    (the GC's share of the CPU time available since the process began);
//  * the Monitor — peak heap (sampled) and the worst pause seen;
//  * getrusage(RUSAGE_SELF).ru_maxrss — the peak RSS;
//  * each workload's Context — operations and its own figures;
//  * Failures — verification result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "context.h"
#include "monitor.h"
#include "options.h"

namespace stress {

struct WorkloadSummary {
  std::string name;
  int goroutines;
  std::int64_t live_bytes;
  std::uint64_t ops;
  std::vector<Metric> metrics;
};

struct Summary {
  const Options* options;
  int procs;
  double elapsed_s;
  std::uint64_t gc_cycles;
  std::uint64_t pauses_counted;
  std::int64_t pause_p50_ns, pause_p99_ns, pause_max_ns;
  std::int64_t pause_total_ns;
  double gc_cpu_percent;
  std::uint64_t alloc_bytes;
  double alloc_rate;  // bytes/s
  std::uint64_t peak_heap;
  std::uint64_t peak_rss;
  std::vector<WorkloadSummary> workloads;
  std::size_t failure_count;
  std::vector<std::string> failures;
};

// Call from a goroutine, after the workloads returned and the monitor stopped.
Summary collect_summary(const Options& o, Monitor& mon, std::vector<Context*> const& contexts, Failures& f);

// The table's rows (name, value), shared by the text table and the report.
struct SummaryRow {
  std::string name, value;
};
std::vector<SummaryRow> summary_rows(const Summary& s);

std::string summary_table(const Summary& s);
std::string summary_json(const Summary& s);

}  // namespace stress
