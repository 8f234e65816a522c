// gc/collector.h — the collector's global state and the entry points the
// allocator and the runtime call (the algorithm is in gc/README.md).
#pragma once

#include <atomic>
#include <cstdint>

#include "gort/gc.h"  // parse_byte_count

namespace gort::gc {

enum class Phase : std::uint8_t { off, mark, mark_termination };

struct Settings {
  // GODEBUG
  bool checkmark = false;       // gccheckmark=1
  bool stoptheworld = false;    // gcstoptheworld=1
  bool poison = false;          // gcpoison=1: fill freed slots with kPoisonByte
  int trace = 0;                // gctrace=1
  std::int64_t stress_every = 0;  // gcstress=N: a cycle every N allocations (GORT extension)
};

struct Collector {
  std::atomic<Phase> phase{Phase::off};
  Settings settings;
  std::atomic<int> gc_percent{100};  // GOGC; negative: off
  // The heap size (live_bytes) that starts the next cycle, and its goal.
  std::atomic<std::int64_t> trigger{4 << 20};
  std::atomic<std::int64_t> goal{4 << 20};
  std::atomic<std::uint32_t> cycles{0};  // completed
  std::atomic<std::uint32_t> forced_cycles{0};
  std::int64_t last_marked = 0;  // live bytes found by the last mark
  std::atomic<std::int64_t> stress_countdown{0};
  std::atomic<bool> trigger_pending{false};
  // What the current mark has marked (flushed from each marker's MarkState)
  // plus what was allocated black: the live heap at mark termination.
  std::atomic<std::int64_t> marked_bytes{0};
  std::atomic<std::int64_t> marked_objects{0};
  // Pacer (gc/pacer.cc).
  std::atomic<std::int64_t> scanned{0};        // scan work done this cycle (bytes)
  std::atomic<std::int64_t> scan_expected{0};  // scan work the last cycle did
  std::atomic<std::int64_t> heap_at_start{0};  // the heap when this cycle began (Go's triggered)
  std::atomic<double> assist_ratio{0};         // scan bytes owed per byte allocated
  std::atomic<std::uint32_t> cycle_gen{0};     // the cycle marking now
  std::atomic<std::int64_t> assist_ns{0};      // time goroutines spent assisting this cycle
  std::int64_t last_stack_bytes = 0;
  // GOMEMLIMIT (bytes; INT64_MAX: none).
  std::atomic<std::int64_t> memory_limit{INT64_MAX};
  // The periodic cycle: one starts when none has ended for this long (Go's
  // forcegcperiod, two minutes; tests shorten it).
  std::atomic<std::int64_t> force_period_ns{120'000'000'000};
  std::atomic<std::int64_t> last_cycle_end{0};  // nanotime
  double runway_fraction = 0.3;  // of (goal - marked): where the trigger sits below the goal
  // The scavenger's memory of the goals (cycle.cc, scavenge; under its lock):
  // the goal of cycle scavenge_cycle and the one before it.
  std::int64_t scavenge_goal = 0;
  std::int64_t scavenge_prev_goal = 0;
  std::uint32_t scavenge_cycle = 0;
};

// Constant-initialised (no guard on the allocation fast path).
extern Collector g_collector;
inline Collector& collector() { return g_collector; }

// Reads GODEBUG, GOGC and GOMEMLIMIT (once, at boot).
void collector_init_from_env();

// Starts the collector's goroutines if they do not exist yet (from a
// goroutine; a no-op elsewhere).
void ensure_gc_goroutines();

// Called by the allocator (outside its no-suspend stretch) when live bytes
// reached the trigger or the stress countdown ran out: runs a cycle now if
// the caller may (a goroutine), or leaves it pending.
void maybe_collect();
// A full cycle waited for, as collect() but not counted as forced (the
// gcstress knob). From a goroutine; elsewhere a no-op.
void collect_unforced();
// The trigger is INT64_MAX when neither GOGC nor GOMEMLIMIT sets a goal.
inline bool should_collect(std::int64_t live) {
  return live >= collector().trigger.load(std::memory_order_relaxed);
}

// Tests: called with the world stopped right after the mark (before
// gccheckmark's pass), e.g. to simulate a missed object with testing_unmark.
extern void (*g_testing_after_mark)();
void testing_unmark(const void* p);

}  // namespace gort::gc
