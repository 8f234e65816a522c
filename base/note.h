// base/note.h — a one-shot event on which one thread sleeps until another wakes
// it (Go's note). wakeup() before sleep() makes sleep() return at once; clear()
// re-arms it. Futex-based and signal-safe.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/clock.h"
#include "base/futex.h"

namespace gort::base {

class Note {
 public:
  void clear() { key_.store(0, std::memory_order_relaxed); }
  void wakeup() {
    if (key_.exchange(1, std::memory_order_release) == 0) futex_wake(&key_, 1);
  }
  void sleep() {
    while (key_.load(std::memory_order_acquire) == 0) futex_wait(&key_, 0);
  }
  // Returns true if woken, false on timeout.
  bool sleep_for(std::int64_t ns) {
    std::int64_t deadline = nanotime() + ns;
    while (key_.load(std::memory_order_acquire) == 0) {
      std::int64_t left = deadline - nanotime();
      if (left <= 0) return false;
      futex_wait(&key_, 0, left);
    }
    return true;
  }
  bool woken() const { return key_.load(std::memory_order_acquire) != 0; }

 private:
  std::atomic<std::uint32_t> key_{0};
};

}  // namespace gort::base
