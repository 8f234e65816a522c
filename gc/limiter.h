// gc/limiter.h — the GC CPU limiter (Go 1.19's gcCPULimiter, go-reference
// §4.3): it keeps a memory limit set too low from turning the program into
// one long collection.
//
// A token bucket, one CPU-second per P deep, fills with the GC's CPU time and
// drains with the mutator's: every window (sysmon calls limiter_update about
// every 10 ms) adds gc - mutator, where gc is the assists' time, the start
// and termination pauses on every P, and 25% of all Ps while the mark runs
// (the background workers' share), and mutator is the rest of the window
// once idle time (idle Ps, idle-priority marking) is taken out. (One
// difference from Go: gccheckmark's stopped re-mark, a verification mode,
// is charged to neither side, so that a --verify soak paces as a normal
// run.) While the bucket is full the limiter is on and mark assists stop: the GC then gets
// its background 25% and no more from allocating goroutines, so its share of
// the CPU falls back towards half, at the price of the heap overrunning its
// goal (and the memory limit). Once the mutator has run enough to drain the
// bucket a little, assists resume.
#pragma once

#include <atomic>
#include <cstdint>

namespace gort::gc {

class CpuLimiter {
 public:
  static constexpr std::int64_t kCapacityPerProc = 1'000'000'000;  // ns

  void reset_capacity(int procs);
  // One window's CPU time, split: returns whether the limiter is on after it.
  bool accumulate(std::int64_t mutator_ns, std::int64_t gc_ns);
  bool limiting() const { return enabled_.load(std::memory_order_relaxed); }
  std::int64_t fill() const { return fill_; }
  std::int64_t capacity() const { return capacity_; }
  // GC time beyond the capacity while on (Go's overflow): CPU the limiter
  // would have wanted to refuse.
  std::int64_t overflow() const { return overflow_; }

 private:
  std::int64_t fill_ = 0;
  std::int64_t capacity_ = kCapacityPerProc;
  std::int64_t overflow_ = 0;
  std::atomic<bool> enabled_{false};
};

CpuLimiter& cpu_limiter();

// What the window's accounting needs, from wherever it happens.
void limiter_add_assist(std::int64_t ns);
void limiter_add_idle_mark(std::int64_t ns);
void limiter_add_pause(std::int64_t ns_times_procs);
// Time the window should not count at all (gccheckmark's stopped re-mark).
void limiter_add_uncharged(std::int64_t ns_times_procs);
// From sysmon: closes the window since the last update (at most one per 10 ms).
void limiter_update(std::int64_t now, bool marking);

}  // namespace gort::gc
