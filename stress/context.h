// stress/context.h — what a workload is given, and what it gives back.
//
// A workload is a function `void run_xxx(Context&)` (workloads.h) called on a
// goroutine. It starts ctx.goroutines worker goroutines, keeps about
// ctx.live_bytes of GC objects reachable, works until ctx.done(), waits for
// its workers, and returns. Along the way it:
//  * reports invariant violations through ctx.fail(check, detail) — always,
//    not only under --verify; --verify (ctx.verify) turns on the extra,
//    slower checks (full traversals, re-reading every object);
//  * counts its operations in ctx.ops and may add named figures to
//    ctx.metrics (latencies, objects finalized...) for the summary.
//
// The Context lives on the main goroutine's stack and holds no GC pointers:
// workloads keep theirs on their own stacks, in their goroutines' closures,
// or in gc::Root.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gort/gort.h"

namespace stress {

class Failures {
 public:
  // Records a failed check. `detail` names the object (and whatever helps);
  // the calling goroutine's id is added.
  void add(const std::string& workload, const std::string& check, const std::string& detail);
  std::size_t count() const { return total_.load(std::memory_order_relaxed); }
  // The first failures recorded (at most kKept), one line each.
  std::vector<std::string> lines();

 private:
  static constexpr std::size_t kKept = 20;
  gort::Mutex mu_;
  std::vector<std::string> lines_;
  std::atomic<std::size_t> total_{0};
};

struct Metric {
  std::string name;   // JSON key: lowercase, underscores
  double value;
  std::string unit;   // "ns", "ops", "" ...
};

struct Context {
  std::string name;  // the workload's name, for failures and the summary
  int goroutines = 1;
  std::int64_t live_bytes = 0;
  std::uint64_t seed = 1;
  bool verify = false;
  std::chrono::steady_clock::time_point deadline;
  Failures* failures = nullptr;

  std::atomic<std::uint64_t> ops{0};
  gort::Mutex metrics_mu;
  std::vector<Metric> metrics;

  bool done() const { return std::chrono::steady_clock::now() >= deadline; }
  void fail(const std::string& check, const std::string& detail) { failures->add(name, check, detail); }
  void add_metric(std::string n, double v, std::string unit) {
    std::lock_guard<gort::Mutex> l(metrics_mu);
    metrics.push_back({std::move(n), v, std::move(unit)});
  }
};

}  // namespace stress
