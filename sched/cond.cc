// sched/cond.cc — gort::Cond with Go's ticket-based notify list: wait() takes
// a ticket before unlocking L, so a signal() that happens between the unlock
// and the park is not lost; signal() wakes the waiter holding the oldest
// unnotified ticket, broadcast() all of them.
#include "base/lock.h"
#include "gort/sync.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort {

struct Cond::Waiter {
  detail::G* g;
  std::uint32_t ticket;
  Waiter* next;
};

namespace {
bool cond_commit(detail::G*, void* lock) {
  gort::base::unlock_word(*static_cast<std::atomic<std::uint32_t>*>(lock));
  return true;
}
// Ticket a is before b, with wrap-around.
bool less(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }
}  // namespace

void Cond::wait() {
  std::uint32_t t = wait_ticket_.fetch_add(1, std::memory_order_acq_rel);
  unlock_fn_(l_);
  base::lock_word(lock_);
  if (less(t, notify_ticket_)) {  // already notified
    base::unlock_word(lock_);
    lock_fn_(l_);
    return;
  }
  detail::G* gp = detail::getg();
  if (gp == nullptr) {
    base::unlock_word(lock_);
    detail::fatal_("gort: Cond.wait outside a goroutine");
  }
  Waiter w{gp, t, nullptr};
  if (tail_ != nullptr) {
    tail_->next = &w;
  } else {
    head_ = &w;
  }
  tail_ = &w;
  detail::gopark(cond_commit, &lock_, detail::WaitReason::sync_cond_wait);
  lock_fn_(l_);
}

void Cond::signal() {
  if (wait_ticket_.load(std::memory_order_acquire) == __atomic_load_n(&notify_ticket_, __ATOMIC_ACQUIRE))
    return;  // fast path: no waiters
  base::lock_word(lock_);
  if (wait_ticket_.load(std::memory_order_acquire) == notify_ticket_) {
    base::unlock_word(lock_);
    return;
  }
  std::uint32_t t = notify_ticket_;
  __atomic_store_n(&notify_ticket_, t + 1, __ATOMIC_RELEASE);
  Waiter* prev = nullptr;
  for (Waiter* w = head_; w != nullptr; prev = w, w = w->next) {
    if (w->ticket != t) continue;
    if (prev != nullptr) {
      prev->next = w->next;
    } else {
      head_ = w->next;
    }
    if (tail_ == w) tail_ = prev;
    detail::G* gp = w->g;
    base::unlock_word(lock_);
    detail::goready(gp);
    return;
  }
  // Ticket t's owner has not queued yet; it will see it was notified.
  base::unlock_word(lock_);
}

void Cond::broadcast() {
  if (wait_ticket_.load(std::memory_order_acquire) == __atomic_load_n(&notify_ticket_, __ATOMIC_ACQUIRE))
    return;
  base::lock_word(lock_);
  __atomic_store_n(&notify_ticket_, wait_ticket_.load(std::memory_order_acquire), __ATOMIC_RELEASE);
  Waiter* w = head_;
  head_ = tail_ = nullptr;
  base::unlock_word(lock_);
  while (w != nullptr) {
    Waiter* next = w->next;  // read before the waiter can run and return
    detail::goready(w->g);
    w = next;
  }
}

}  // namespace gort
