#include "base/lock.h"

#include "base/futex.h"

namespace gort::base {

void lock_word_slow(std::atomic<std::uint32_t>& key) {
  // Spin a little: runtime critical sections are short.
  for (int i = 0; i < 100; i++) {
    std::uint32_t expected = 0;
    if (key.load(std::memory_order_relaxed) == 0 &&
        key.compare_exchange_weak(expected, 1, std::memory_order_acquire,
                                  std::memory_order_relaxed))
      return;
    cpu_relax();
  }
  // Mark the lock contended and sleep until the holder wakes us.
  while (key.exchange(2, std::memory_order_acquire) != 0) futex_wait(&key, 2);
}

void unlock_word_slow(std::atomic<std::uint32_t>& key) { futex_wake(&key, 1); }

void stop_deferred_now() {
  tls_stop_deferred.store(false, std::memory_order_relaxed);
  // Null only before boot, when nothing sets the flag.
  if (void (*stop)() = g_stop_here; stop != nullptr) stop();
}

}  // namespace gort::base
