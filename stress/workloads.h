// stress/workloads.h — the workloads gort-stress runs (see context.h for the
// contract each follows, and each file's header for its design).
#pragma once

#include <string>

#include "context.h"

namespace stress {

void run_binary_trees(Context& ctx);     // binary_trees.cc
void run_latency_window(Context& ctx);   // latency_window.cc
void run_graph_mutation(Context& ctx);   // graph_mutation.cc
void run_map_churn(Context& ctx);        // map_churn.cc
void run_goroutine_churn(Context& ctx);  // goroutine_churn.cc
void run_finalizers(Context& ctx);       // finalizers.cc

// The single workload of that name (not "mixed"); null if there is none.
using WorkloadFn = void (*)(Context&);
WorkloadFn find_workload(const std::string& name);

}  // namespace stress
