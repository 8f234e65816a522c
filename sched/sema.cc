// sched/sema.cc — the runtime semaphore under gort's sync types (Go's
// semacquire/semrelease). The count is taken without a lock when positive;
// otherwise the goroutine queues itself under the semaphore's lock and parks,
// the lock being released on g0 after the switch. release() hands the token
// straight to the first waiter (FIFO) rather than incrementing the count.
#include "base/lock.h"
#include "gort/sync.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort::detail {

struct SemaWaiter {
  G* g;
  SemaWaiter* next;
};

namespace {

struct SemaPark {
  std::atomic<std::uint32_t>* lock;
};

bool sema_commit(G*, void* arg) {
  base::unlock_word(*static_cast<SemaPark*>(arg)->lock);
  return true;
}

// Takes a token if the count has one, by CAS: other acquirers take tokens
// without the lock, so no path may decrement with a plain store.
bool take_token(std::atomic<std::uint32_t>& count) {
  std::uint32_t c = count.load(std::memory_order_relaxed);
  while (c > 0) {
    if (count.compare_exchange_weak(c, c - 1, std::memory_order_acquire)) return true;
  }
  return false;
}

}  // namespace

void Sema::acquire(int reason) {
  if (take_token(count_)) return;
  base::lock_word(lock_);
  // A token released since the look above. The lock keeps releases out, not
  // the lock-free takes: take it the same way. (A plain store of c - 1 here
  // overwrote a take made between its load and store, so two acquirers got
  // through on one token: an RWMutex reader beside its writer in the TSan
  // build.)
  if (take_token(count_)) {
    base::unlock_word(lock_);
    return;
  }
  G* gp = getg();
  if (gp == nullptr) {
    base::unlock_word(lock_);
    fatal_("gort: sync primitive blocks outside a goroutine");
  }
  SemaWaiter w{gp, nullptr};
  if (tail_ != nullptr) {
    tail_->next = &w;
  } else {
    head_ = &w;
  }
  tail_ = &w;
  SemaPark park{&lock_};
  gopark(sema_commit, &park, static_cast<WaitReason>(reason));
}

void Sema::release(bool) {
  base::lock_word(lock_);
  SemaWaiter* w = head_;
  if (w == nullptr) {
    count_.fetch_add(1, std::memory_order_release);
    base::unlock_word(lock_);
    return;
  }
  head_ = w->next;
  if (head_ == nullptr) tail_ = nullptr;
  G* gp = w->g;
  base::unlock_word(lock_);
  goready(gp);
}

}  // namespace gort::detail
