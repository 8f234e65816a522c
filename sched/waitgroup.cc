// sched/waitgroup.cc — gort::WaitGroup: one 64-bit word (counter in the high
// half, number of waiters in the low half) and a semaphore. When add() brings
// the counter to zero with waiters present it resets the word and releases
// each waiter once.
#include "gort/sync.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort {

void WaitGroup::add(int delta) {
  std::uint64_t d = static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)) << 32;
  std::uint64_t s = state_.fetch_add(d, std::memory_order_acq_rel) + d;
  auto v = static_cast<std::int32_t>(s >> 32);
  auto w = static_cast<std::uint32_t>(s);
  if (v < 0) detail::panic_runtime_error("sync: negative WaitGroup counter");
  if (w != 0 && delta > 0 && v == delta)
    detail::panic_runtime_error("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (v > 0 || w == 0) return;
  // Counter is zero with waiters: nobody may touch the state now but us.
  if (state_.load(std::memory_order_relaxed) != s)
    detail::panic_runtime_error("sync: WaitGroup misuse: Add called concurrently with Wait");
  state_.store(0, std::memory_order_relaxed);
  for (; w != 0; w--) sema_.release();
}

void WaitGroup::wait() {
  for (;;) {
    std::uint64_t s = state_.load(std::memory_order_acquire);
    if ((s >> 32) == 0) return;
    if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
      sema_.acquire(static_cast<int>(detail::WaitReason::semacquire));
      if (state_.load(std::memory_order_acquire) != 0)
        detail::panic_runtime_error("sync: WaitGroup is reused before previous Wait has returned");
      return;
    }
  }
}

}  // namespace gort
