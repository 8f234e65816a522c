// sched/timer.h — timers on per-P heaps (Go's runtime timers).
//
// Each P owns a binary min-heap of timers ordered by `when`, guarded by a lock
// because other Ms may run a P's due timers (an idle M checking every P, or
// stop_timer from any thread). `next_when` caches the earliest deadline so
// that the scheduler and sysmon can poll every P without taking locks.
// Timer functions run on a system stack (g0) with the heap unlocked; they must
// not block: they ready a goroutine, do a non-blocking channel send, or start
// a goroutine.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "base/lock.h"

namespace gort::detail {

struct P;

enum class TimerState : std::uint32_t { idle, pending, firing, fired, stopped };

struct Timer {
  std::int64_t when = 0;
  void (*fn)(void* arg, std::int64_t now) = nullptr;
  void* arg = nullptr;
  void (*free_arg)(void* arg) = nullptr;
  std::atomic<TimerState> state{TimerState::idle};
  std::atomic<std::int32_t> refs{1};  // heap-allocated timers only
  bool heap_allocated = false;
  P* p = nullptr;       // heap it is on (while pending)
  std::int32_t index = -1;
};

struct TimerHeap {
  base::Lock lock;
  Timer** items = nullptr;
  std::int32_t len = 0;
  std::int32_t cap = 0;
  std::atomic<std::int64_t> next_when{INT64_MAX};
};

void timer_add(P* p, Timer* t);          // t->when set; t becomes pending on p
bool timer_delete(Timer* t);             // true if it was pending and is now stopped
// Runs p's timers that are due at `now`. Returns how many ran.
int run_timers(P* p, std::int64_t now);
// Moves every timer of `from` to `to` (GOMAXPROCS shrink).
void timers_move(P* from, P* to);

}  // namespace gort::detail
