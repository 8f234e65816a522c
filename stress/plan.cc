// stress/plan.cc — see plan.h.
//
// mixed: the live heap is shared 25% binary-trees, 25% latency-window, 20%
// graph-mutation, 20% map-churn, 10% finalizers (goroutine-churn keeps little
// alive). Goroutines are dealt round-robin in that order plus
// goroutine-churn, every workload getting at least one, so `mixed` may run
// more goroutines than --goroutines when it is below six.
#include "plan.h"

namespace stress {

WorkloadFn find_workload(const std::string& name) {
  if (name == "binary-trees") return run_binary_trees;
  if (name == "latency-window") return run_latency_window;
  if (name == "graph-mutation") return run_graph_mutation;
  if (name == "map-churn") return run_map_churn;
  if (name == "goroutine-churn") return run_goroutine_churn;
  if (name == "finalizers") return run_finalizers;
  return nullptr;
}

std::vector<PlannedWorkload> plan_workloads(const Options& o) {
  const std::int64_t live = o.live_mb << 20;
  if (o.workload != "mixed") return {{o.workload, find_workload(o.workload), o.goroutines, live}};

  struct Share {
    const char* name;
    int percent;
  };
  static constexpr Share kShares[] = {{"binary-trees", 25}, {"latency-window", 25}, {"graph-mutation", 20},
                                      {"map-churn", 20},    {"finalizers", 10},     {"goroutine-churn", 0}};
  std::vector<PlannedWorkload> plan;
  for (const Share& s : kShares) {
    std::int64_t bytes = live * s.percent / 100;
    if (bytes < (1 << 20)) bytes = 1 << 20;
    plan.push_back({s.name, find_workload(s.name), 0, bytes});
  }
  int n = o.goroutines < static_cast<int>(plan.size()) ? static_cast<int>(plan.size()) : o.goroutines;
  for (int i = 0; i < n; i++) plan[static_cast<std::size_t>(i) % plan.size()].goroutines++;
  return plan;
}

}  // namespace stress
