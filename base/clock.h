// base/clock.h — the runtime's clock: monotonic nanoseconds (same epoch as
// std::chrono::steady_clock on Linux).
#pragma once

#include <time.h>

#include <cstdint>

namespace gort::base {

inline std::int64_t nanotime() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace gort::base
