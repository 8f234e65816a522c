// gort/time.h — timers on the per-P timer heaps (Go's time.NewTimer, time.After,
// time.AfterFunc). gort::sleep is in gort/sched.h.
//
//   gort::select(gort::case_recv(results, [&](int v) { ... }),
//                gort::case_recv(gort::after(std::chrono::seconds(1)), [&] { timed_out = true; }));
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

#include "gort/chan.h"

namespace gort {

using Clock = std::chrono::steady_clock;

namespace detail {
struct Timer;
// Creates and starts a timer that calls fn(arg, now) on a system stack (it must
// not block) once `delay_ns` has passed. The timer keeps one reference for the
// handle; timer_release drops it.
Timer* timer_start(std::int64_t delay_ns, void (*fn)(void* arg, std::int64_t now_ns), void* arg,
                   void (*free_arg)(void* arg));
bool timer_stop(Timer* t);  // true if the call stopped it before it fired
void timer_release(Timer* t);
}  // namespace detail

// A one-shot timer handle. Dropping the handle does not stop the timer.
class Timer {
 public:
  Timer() = default;
  explicit Timer(detail::Timer* t, Chan<Clock::time_point> c = {}) : t_(t), c(std::move(c)) {}
  Timer(Timer&& o) noexcept : t_(std::exchange(o.t_, nullptr)), c(std::move(o.c)) {}
  Timer& operator=(Timer&& o) noexcept {
    std::swap(t_, o.t_);
    std::swap(c, o.c);
    return *this;
  }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer() {
    if (t_) detail::timer_release(t_);
  }
  // Prevents the timer from firing; true if it was stopped before it fired.
  bool stop() { return t_ && detail::timer_stop(t_); }

 private:
  detail::Timer* t_ = nullptr;

 public:
  Chan<Clock::time_point> c;  // receives the fire time (new_timer / after only)
};

// time.NewTimer: the time is sent on timer.c (buffered, capacity 1) when it fires.
Timer new_timer(std::chrono::nanoseconds d);

// time.After: new_timer(d).c
inline Chan<Clock::time_point> after(std::chrono::nanoseconds d) { return new_timer(d).c; }

// time.AfterFunc: runs fn in its own goroutine once d has passed.
Timer after_func(std::chrono::nanoseconds d, std::function<void()> fn);

}  // namespace gort
