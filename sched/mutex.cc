// sched/mutex.cc — gort::Mutex: a word of state and a semaphore.
//
// state = locked bit | woken bit | waiter count << 3. lock() is one CAS when
// uncontended. Contended, a goroutine spins briefly (only worthwhile when
// another P may be running the holder), then counts itself as a waiter and
// parks on the semaphore. unlock() clears the locked bit with one atomic add
// and wakes one waiter only if there are waiters and none is already awake
// and on its way (the woken bit). A woken waiter competes again for the lock
// (no FIFO hand-off: throughput over fairness; Go adds a starvation mode after
// 1 ms of waiting, which gort does not have yet).
#include <thread>

#include "gort/sync.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort {

void Mutex::lock_slow() {
  bool awoke = false;
  int spins = 0;
  for (;;) {
    std::int32_t s = state_.load(std::memory_order_relaxed);
    if ((s & kLocked) == 0) {
      std::int32_t ns = s | kLocked;
      if (awoke) ns &= ~kWoken;
      if (state_.compare_exchange_weak(s, ns, std::memory_order_acquire)) return;
      continue;
    }
    if (spins < 4 && detail::gomaxprocs_now() > 1) {
      // Tell unlock() not to wake anyone while we spin.
      if (!awoke && (s & kWoken) == 0 && (s >> kWaiterShift) != 0 &&
          state_.compare_exchange_weak(s, s | kWoken, std::memory_order_relaxed))
        awoke = true;
      for (int i = 0; i < 30; i++) base::cpu_relax();
      spins++;
      continue;
    }
    std::int32_t ns = s + (1 << kWaiterShift);
    if (awoke) ns &= ~kWoken;
    if (state_.compare_exchange_weak(s, ns, std::memory_order_relaxed)) {
      sema_.acquire(static_cast<int>(detail::WaitReason::semacquire));
      awoke = true;
      spins = 0;
    }
  }
}

void Mutex::unlock_slow(std::int32_t now) {
  if (((now + kLocked) & kLocked) == 0) detail::fatal_("sync: unlock of unlocked mutex");
  for (;;) {
    std::int32_t s = state_.load(std::memory_order_relaxed);
    if ((s >> kWaiterShift) == 0 || (s & (kLocked | kWoken)) != 0) return;
    if (state_.compare_exchange_weak(s, (s - (1 << kWaiterShift)) | kWoken,
                                     std::memory_order_release)) {
      sema_.release();
      return;
    }
  }
}

}  // namespace gort
