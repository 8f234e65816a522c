// sched/runq.cc — the per-P run queue and the global run queue.
//
// The local queue is a 256-entry ring. Only the owning P writes at the tail
// (a release store publishes the new entry); the owner and thieves take from
// the head with a CAS, so a thief that copied entries and lost the CAS simply
// retries. runnext is a one-slot LIFO in front of the ring: a goroutine just
// readied (or a parent whose child was just started) runs next on this P,
// keeping ping-pong pairs and spawn trees on one P with hot caches.
// When the ring is full, half of it moves to the global queue in one batch.
#include "base/lock.h"
#include "sched/fatal.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

// Moves half of p's ring plus gp to the global queue. False if a thief got in
// first (the caller retries runqput).
bool runqput_slow(P* p, G* gp, std::uint32_t h, std::uint32_t t) {
  constexpr std::uint32_t kHalf = kRunqSize / 2;
  if (t - h != kRunqSize) throw_("runqput_slow: queue is not full");
  G* batch[kHalf + 1];
  for (std::uint32_t i = 0; i < kHalf; i++)
    batch[i] = p->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
  if (!p->runqhead.compare_exchange_strong(h, h + kHalf, std::memory_order_release,
                                           std::memory_order_relaxed))
    return false;
  batch[kHalf] = gp;
  for (std::uint32_t i = 0; i < kHalf; i++) batch[i]->schedlink = batch[i + 1];
  base::Guard<base::Lock> g(sched().lock);
  globrunqput_batch(batch[0], batch[kHalf], kHalf + 1);
  return true;
}

// Copies up to half of victim's ring into batch (a ring at batch_head).
std::uint32_t runqgrab(P* victim, std::atomic<G*>* batch, std::uint32_t batch_head,
                       bool steal_runnext) {
  for (;;) {
    std::uint32_t h = victim->runqhead.load(std::memory_order_acquire);
    std::uint32_t t = victim->runqtail.load(std::memory_order_acquire);
    std::uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (steal_runnext) {
        G* next = victim->runnext.load(std::memory_order_acquire);
        if (next != nullptr &&
            victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
          batch[batch_head % kRunqSize].store(next, std::memory_order_relaxed);
          return 1;
        }
      }
      return 0;
    }
    if (n > kRunqSize / 2) continue;  // h and t read inconsistently; retry
    for (std::uint32_t i = 0; i < n; i++) {
      G* g = victim->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
      batch[(batch_head + i) % kRunqSize].store(g, std::memory_order_relaxed);
    }
    if (victim->runqhead.compare_exchange_strong(h, h + n, std::memory_order_release,
                                                 std::memory_order_relaxed))
      return n;
  }
}

}  // namespace

void runqput(P* p, G* gp, bool next) {
  if (next) {
    G* old = p->runnext.exchange(gp, std::memory_order_acq_rel);
    if (old == nullptr) return;
    gp = old;  // the displaced runnext goes to the tail
  }
  for (;;) {
    std::uint32_t h = p->runqhead.load(std::memory_order_acquire);
    std::uint32_t t = p->runqtail.load(std::memory_order_relaxed);
    if (t - h < kRunqSize) {
      p->runq[t % kRunqSize].store(gp, std::memory_order_relaxed);
      p->runqtail.store(t + 1, std::memory_order_release);
      return;
    }
    if (runqput_slow(p, gp, h, t)) return;
  }
}

G* runqget(P* p) {
  G* next = p->runnext.load(std::memory_order_relaxed);
  if (next != nullptr &&
      p->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))
    return next;
  for (;;) {
    std::uint32_t h = p->runqhead.load(std::memory_order_acquire);
    std::uint32_t t = p->runqtail.load(std::memory_order_relaxed);
    if (t == h) return nullptr;
    G* gp = p->runq[h % kRunqSize].load(std::memory_order_relaxed);
    if (p->runqhead.compare_exchange_strong(h, h + 1, std::memory_order_release,
                                            std::memory_order_relaxed))
      return gp;
  }
}

bool runq_empty(const P* p) {
  // runnext is read between two consistent reads of head/tail (Go's runqempty).
  for (;;) {
    std::uint32_t h = p->runqhead.load(std::memory_order_acquire);
    std::uint32_t t = p->runqtail.load(std::memory_order_acquire);
    G* next = p->runnext.load(std::memory_order_acquire);
    if (p->runqtail.load(std::memory_order_acquire) == t) return h == t && next == nullptr;
  }
}

std::uint32_t runq_len(const P* p) {
  std::uint32_t h = p->runqhead.load(std::memory_order_acquire);
  std::uint32_t t = p->runqtail.load(std::memory_order_acquire);
  return t - h + (p->runnext.load(std::memory_order_relaxed) != nullptr ? 1 : 0);
}

G* runqsteal(P* p, P* victim, bool steal_runnext) {
  std::uint32_t t = p->runqtail.load(std::memory_order_relaxed);
  std::uint32_t n = runqgrab(victim, p->runq, t, steal_runnext);
  if (n == 0) return nullptr;
  n--;
  G* gp = p->runq[(t + n) % kRunqSize].load(std::memory_order_relaxed);
  if (n == 0) return gp;
  std::uint32_t h = p->runqhead.load(std::memory_order_acquire);
  if (t - h + n >= kRunqSize) throw_("runqsteal: runq overflow");
  p->runqtail.store(t + n, std::memory_order_release);
  return gp;
}

void runq_drain_to_global(P* p) {
  for (G* gp = runqget(p); gp != nullptr; gp = runqget(p)) {
    base::Guard<base::Lock> g(sched().lock);
    globrunqput(gp);
  }
}

// ---- global queue (sched.lock held) ----------------------------------------------

void globrunqput(G* gp) {
  Sched& s = sched();
  gp->schedlink = nullptr;
  if (s.runq_tail != nullptr) {
    s.runq_tail->schedlink = gp;
  } else {
    s.runq_head = gp;
  }
  s.runq_tail = gp;
  s.runq_size.fetch_add(1, std::memory_order_release);
}

void globrunqput_batch(G* head, G* tail, std::int32_t n) {
  Sched& s = sched();
  tail->schedlink = nullptr;
  if (s.runq_tail != nullptr) {
    s.runq_tail->schedlink = head;
  } else {
    s.runq_head = head;
  }
  s.runq_tail = tail;
  s.runq_size.fetch_add(n, std::memory_order_release);
}

// Takes a fair share of the global queue: one to return, the rest into p's ring.
G* globrunqget(P* p, std::int32_t max) {
  Sched& s = sched();
  std::int32_t size = s.runq_size.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  std::int32_t n = size / gomaxprocs_now() + 1;
  if (n > size) n = size;
  if (max > 0 && n > max) n = max;
  if (n > static_cast<std::int32_t>(kRunqSize / 2)) n = kRunqSize / 2;
  s.runq_size.fetch_sub(n, std::memory_order_relaxed);
  G* gp = s.runq_head;
  s.runq_head = gp->schedlink;
  for (std::int32_t i = 1; i < n; i++) {
    G* g = s.runq_head;
    s.runq_head = g->schedlink;
    runqput(p, g, false);
  }
  if (s.runq_head == nullptr) s.runq_tail = nullptr;
  return gp;
}

}  // namespace gort::detail
