// stress/plan.h — which workloads run, with how many goroutines and how much
// live heap each. A single workload gets everything --goroutines and
// --live-mb give; `mixed` runs all six at once and splits them (see plan.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options.h"
#include "workloads.h"

namespace stress {

struct PlannedWorkload {
  std::string name;
  WorkloadFn fn;
  int goroutines;
  std::int64_t live_bytes;
};

std::vector<PlannedWorkload> plan_workloads(const Options& o);

}  // namespace stress
