// base/futex.h — raw futex(2) wait and wake. Both are plain system calls and so
// are safe to use from signal handlers.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace gort::base {

// Sleeps while *addr == expected, at most timeout_ns (< 0: no limit).
// Returns spuriously; callers re-check their condition.
inline void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t expected,
                       std::int64_t timeout_ns = -1) {
  struct timespec ts, *tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = timeout_ns / 1000000000;
    ts.tv_nsec = timeout_ns % 1000000000;
    tsp = &ts;
  }
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_PRIVATE, expected, tsp,
          nullptr, 0);
}

inline void futex_wake(std::atomic<std::uint32_t>* addr, int n) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAKE_PRIVATE, n, nullptr,
          nullptr, 0);
}

}  // namespace gort::base
