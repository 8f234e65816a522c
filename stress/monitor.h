// stress/monitor.h — the progress line and the figures sampled during a run.
//
// A goroutine wakes every kSample (200 ms), reads gort::debug::read_mem_stats
// (a brief stop-the-world, as Go's ReadMemStats) to track the peak heap, and
// once a second also reads read_gc_stats for the worst pause and prints:
//
//   [  3.0s] gc 41  heap 52.3 MiB / goal 88.0 MiB  worst pause 212us  alloc 812.5 MiB/s  ops 1.2M
//
// On a terminal (isatty(stderr)) the line is redrawn in place with '\r';
// otherwise one plain line per second. The peak heap is the largest sampled
// heap_alloc, so a peak shorter than the sampling interval can be missed.
// The worst pause is the largest in the 256-entry pause ring at each read:
// with more than 256 cycles in one second, some pauses are not seen here
// (the summary says the same of its quantiles).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "gort/gort.h"

namespace stress {

class Monitor {
 public:
  // ops() is called once a second for the progress line's operation count.
  Monitor(bool tty, std::function<std::uint64_t()> ops);
  void start();
  void stop();  // prints the final progress line's newline on a terminal

  std::uint64_t peak_heap() const { return peak_heap_.load(std::memory_order_relaxed); }
  std::int64_t worst_pause_ns() const { return worst_pause_.load(std::memory_order_relaxed); }
  std::uint64_t start_num_gc() const { return start_num_gc_; }
  std::uint64_t start_total_alloc() const { return start_total_alloc_; }
  std::chrono::steady_clock::time_point start_time() const { return start_; }

  // Folds one more read of the GC stats into the worst pause (the summary's
  // final read goes through here too).
  void note_pauses(const gort::debug::GCStats& s);

 private:
  static constexpr auto kSample = std::chrono::milliseconds(200);
  void loop();
  void print_line(const gort::debug::MemStats& m, double alloc_rate);

  bool tty_;
  std::function<std::uint64_t()> ops_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t start_num_gc_ = 0;
  std::uint64_t start_total_alloc_ = 0;
  std::atomic<std::uint64_t> peak_heap_{0};
  std::atomic<std::int64_t> worst_pause_{0};
  gort::Chan<bool> stop_;
  gort::WaitGroup done_;
};

}  // namespace stress
