// tests/spread_check.h — "work stealing spreads work over all Ps".
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>

#include "gort/gort.h"
#include "test_util.h"

namespace gort_test {

// Spawns CPU-bound goroutines from a single goroutine and checks that `procs`
// of them ran at the same time on `procs` different OS threads (so every P
// got work: the spawner's P alone can run one at a time). Each goroutine spins
// with no safepoint until that has been observed or a deadline passes. With
// spawner_keeps_running the spawning goroutine itself spins too, so its P
// never comes back to the queue it filled: the others must steal.
inline bool expect_work_spreads(int procs, bool spawner_keeps_running,
                               std::chrono::milliseconds patience = std::chrono::milliseconds(10000)) {
  EXPECT_EQ(gort::gomaxprocs(), procs);
  constexpr int kG = 32;
  std::mutex mu;  // held only briefly, never across a safepoint
  std::multiset<std::int64_t> running_tids;
  std::set<std::int64_t> all_tids;
  std::atomic<int> max_distinct{0};
  const auto deadline = Clock::now() + patience;

  auto body = [&] {
    std::int64_t tid = os_tid();
    {
      std::lock_guard<std::mutex> lk(mu);
      running_tids.insert(tid);
      all_tids.insert(tid);
      std::set<std::int64_t> distinct(running_tids.begin(), running_tids.end());
      int d = static_cast<int>(distinct.size());
      if (d > max_distinct.load()) max_distinct.store(d);
    }
    while (max_distinct.load(std::memory_order_relaxed) < procs && Clock::now() < deadline) burn(2000);
    std::lock_guard<std::mutex> lk(mu);
    running_tids.erase(running_tids.find(tid));
  };

  gort::WaitGroup wg;
  wg.add(kG + 1);
  gort::go([&] {
    for (int i = 0; i < kG; i++) {
      gort::go([&] {
        body();
        wg.done();
      });
    }
    if (spawner_keeps_running) body();
    wg.done();
  });
  wg.wait();
  EXPECT_EQ(max_distinct.load(), procs)
      << "CPU-bound goroutines spawned by one goroutine never ran on " << procs << " threads at once";
  EXPECT_GE(static_cast<int>(all_tids.size()), procs);
  std::printf("GOMAXPROCS=%d: max %d goroutines running at once on distinct threads, %zu threads used\n", procs,
              max_distinct.load(), all_tids.size());
  return max_distinct.load() == procs;
}

}  // namespace gort_test
