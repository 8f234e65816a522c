// stress/monitor.h — the progress line and the figures sampled during a run.
//
// A goroutine wakes every kSample (200 ms) and reads
// gort::debug::read_mem_stats (a brief stop-the-world, as Go's ReadMemStats).
// Each read is one point of the time series (series.h) that --report draws:
// heap in use, heap goal, cumulative allocation and GC CPU time; and the
// pauses of the cycles that ended since the previous read are taken from the
// read's 256-entry pause ring (pause_ns/pause_end, indexed by cycle number,
// so each cycle is recorded once). Once a second it also reads read_gc_stats
// and prints:
//
//   [  3.0s] gc 41  heap 52.3 MiB / goal 88.0 MiB  worst pause 212us  alloc 812.5 MiB/s  ops 1.2M
//
// On a terminal (isatty(stderr)) the line is redrawn in place with '\r';
// otherwise one plain line per second. stop() takes one last sample, so the
// series ends when the workloads did.
//
// The peak heap is the largest sampled heap_alloc, so a peak shorter than the
// sampling interval can be missed. The worst pause is the largest pause
// recorded; with more than 256 cycles between two reads (200 ms) the older
// ones are gone from the ring and are counted as missed in the series.
//
// GC CPU: the public API gives only MemStats.gc_cpu_fraction, the GC's CPU
// time over all the CPU time available since gort booted:
//     fraction = gc_cpu_ns / ((now - boot) * GOMAXPROCS now)
// so each sample recovers gc_cpu_ns = fraction * (now - boot) * GOMAXPROCS,
// with `boot` the steady-clock time main() took just before gort::run (gort
// starts its own clock a little later, during boot: an error of fraction x
// that gap, microseconds of CPU time). gort adds a cycle's GC CPU time when
// the cycle ends, so the per-interval figure the report draws puts all of a
// cycle's GC work in the interval where it ended.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "gort/gort.h"
#include "series.h"

namespace stress {

class Monitor {
 public:
  // ops() is called once a second for the progress line's operation count.
  // boot: when gort::run was called (for the GC CPU time, see above).
  Monitor(bool tty, std::function<std::uint64_t()> ops, std::chrono::steady_clock::time_point boot);
  void start();
  void stop();  // prints the final progress line's newline on a terminal

  std::uint64_t peak_heap() const { return peak_heap_.load(std::memory_order_relaxed); }
  std::int64_t worst_pause_ns() const { return worst_pause_.load(std::memory_order_relaxed); }
  std::uint64_t start_num_gc() const { return start_num_gc_; }
  std::uint64_t start_total_alloc() const { return start_total_alloc_; }
  std::chrono::steady_clock::time_point start_time() const { return start_; }
  std::chrono::system_clock::time_point start_wall_time() const { return start_wall_; }
  // The recorded time series; read it after stop().
  const Series& series() const { return series_; }

  // Folds one more read of the GC stats into the worst pause (the summary's
  // final read goes through here too).
  void note_pauses(const gort::debug::GCStats& s);

 private:
  static constexpr auto kSample = std::chrono::milliseconds(200);
  void loop();
  // Records one read: a series point, and the pauses of the cycles that
  // ended since the previous one.
  void record(const gort::debug::MemStats& m, std::chrono::steady_clock::time_point now);
  void print_line(const gort::debug::MemStats& m, double alloc_rate);

  bool tty_;
  std::function<std::uint64_t()> ops_;
  std::chrono::steady_clock::time_point boot_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::system_clock::time_point start_wall_;
  std::int64_t start_unix_ns_ = 0;
  std::uint64_t last_cycle_recorded_ = 0;
  Series series_;
  std::uint64_t start_num_gc_ = 0;
  std::uint64_t start_total_alloc_ = 0;
  std::atomic<std::uint64_t> peak_heap_{0};
  std::atomic<std::int64_t> worst_pause_{0};
  gort::Chan<bool> stop_;
  gort::WaitGroup done_;
};

}  // namespace stress
