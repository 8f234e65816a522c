// sched/runq.cc — the per-P run queue and the global run queue.
//
// The local queue is a 256-entry ring used as a deque (see p.h): its head,
// tail and a version live in one 64-bit word that every operation changes
// with a CAS. The owner pushes at the back (readied and yielding goroutines:
// FIFO, as Go) or at the front (goroutines displaced from runnext by a
// spawn: LIFO, so spawn trees are explored depth first and few stacks are
// live);
// the owner pops from the front; thieves copy the front half and claim it
// with one CAS, which fails if anything changed meanwhile (the version rules
// out ABA). When the ring is full, half of it moves to the global queue.
#include "base/lock.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

struct QState {
  std::uint16_t head;
  std::uint16_t tail;
  std::uint32_t version;
  std::uint32_t size() const { return static_cast<std::uint16_t>(tail - head); }
};

inline QState unpack(std::uint64_t w) {
  return QState{static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(w >> 16),
                static_cast<std::uint32_t>(w >> 32)};
}
inline std::uint64_t pack(std::uint16_t head, std::uint16_t tail, std::uint32_t version) {
  return std::uint64_t{head} | (std::uint64_t{tail} << 16) | (std::uint64_t{version} << 32);
}
inline std::atomic<G*>& slot(P* p, std::uint32_t i) { return p->runq[i % kRunqSize]; }

// Moves the front half of p's full ring plus gp to the global queue. False if
// the ring changed meanwhile (the caller retries).
bool runqput_slow(P* p, G* gp, std::uint64_t w) {
  constexpr std::uint32_t kHalf = kRunqSize / 2;
  QState q = unpack(w);
  G* batch[kHalf + 1];
  for (std::uint32_t i = 0; i < kHalf; i++)
    batch[i] = slot(p, q.head + i).load(std::memory_order_relaxed);
  if (!p->runq_state.compare_exchange_strong(
          w, pack(static_cast<std::uint16_t>(q.head + kHalf), q.tail, q.version + 1),
          std::memory_order_acq_rel))
    return false;
  batch[kHalf] = gp;
  for (std::uint32_t i = 0; i < kHalf; i++) batch[i]->schedlink = batch[i + 1];
  base::Guard<base::Lock> g(sched().lock);
  globrunqput_batch(batch[0], batch[kHalf], kHalf + 1);
  return true;
}

// Pushes gp at the back (FIFO) or the front (LIFO) of p's ring (owner only).
template <bool kFront>
void push(P* p, G* gp) {
  std::uint64_t w = p->runq_state.load(std::memory_order_acquire);
  for (;;) {
    QState q = unpack(w);
    if (q.size() >= kRunqSize) {
      if (runqput_slow(p, gp, w)) return;
      w = p->runq_state.load(std::memory_order_acquire);
      continue;
    }
    std::uint16_t head = kFront ? static_cast<std::uint16_t>(q.head - 1) : q.head;
    std::uint16_t tail = kFront ? q.tail : static_cast<std::uint16_t>(q.tail + 1);
    slot(p, kFront ? head : q.tail).store(gp, std::memory_order_relaxed);
    if (p->runq_state.compare_exchange_weak(w, pack(head, tail, q.version + 1),
                                            std::memory_order_acq_rel))
      return;
  }
}
void push_back(P* p, G* gp) { push<false>(p, gp); }
void push_front(P* p, G* gp) { push<true>(p, gp); }

// Copies the front half of victim's ring into p's ring at p's tail.
std::uint32_t runqgrab(P* victim, P* p, std::uint16_t at, bool steal_runnext) {
  for (;;) {
    std::uint64_t w = victim->runq_state.load(std::memory_order_acquire);
    QState q = unpack(w);
    std::uint32_t n = q.size();
    n = n - n / 2;
    if (n == 0) {
      if (steal_runnext) {
        G* next = victim->runnext.load(std::memory_order_acquire);
        if (next != nullptr &&
            victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
          slot(p, at).store(next, std::memory_order_relaxed);
          return 1;
        }
      }
      return 0;
    }
    if (n > kRunqSize / 2) continue;
    for (std::uint32_t i = 0; i < n; i++)
      slot(p, at + i).store(slot(victim, q.head + i).load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
    if (victim->runq_state.compare_exchange_strong(
            w, pack(static_cast<std::uint16_t>(q.head + n), q.tail, q.version + 1),
            std::memory_order_acq_rel))
      return n;
  }
}

// Only the owner fills runnext; everyone else (thieves, sysmon's rescue)
// only empties it, by CAS from the goroutine they saw. So runnext, once seen
// empty by its owner, stays empty until the owner stores into it: a plain
// release store does, one locked instruction fewer per hand-off (two per
// channel ping-pong round trip). A full runnext needs the exchange: a thief
// may be taking the old goroutine at that moment.
G* put_runnext(P* p, G* gp) {
  if (p->runnext.load(std::memory_order_relaxed) == nullptr) {
    p->runnext.store(gp, std::memory_order_release);
    return nullptr;
  }
  return p->runnext.exchange(gp, std::memory_order_acq_rel);
}

}  // namespace

void runqput(P* p, G* gp, bool next) {
  if (next) {
    G* old = put_runnext(p, gp);
    if (old == nullptr) return;
    gp = old;  // the displaced runnext goes to the back
  }
  push_back(p, gp);
}

void runqput_spawn(P* p, G* newg) {
  G* old = put_runnext(p, newg);
  if (old != nullptr) push_front(p, old);
}

G* runqget(P* p) {
  G* next = p->runnext.load(std::memory_order_relaxed);
  if (next != nullptr &&
      p->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))
    return next;
  std::uint64_t w = p->runq_state.load(std::memory_order_acquire);
  for (;;) {
    QState q = unpack(w);
    if (q.size() == 0) return nullptr;
    G* gp = slot(p, q.head).load(std::memory_order_relaxed);
    if (p->runq_state.compare_exchange_weak(
            w, pack(static_cast<std::uint16_t>(q.head + 1), q.tail, q.version + 1),
            std::memory_order_acq_rel))
      return gp;
  }
}

G* runqget_started(P* p) {
  G* next = p->runnext.load(std::memory_order_relaxed);
  if (next != nullptr) {
    if (peek_has_run(next) &&
        p->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))
      return next;
    return nullptr;
  }
  std::uint64_t w = p->runq_state.load(std::memory_order_acquire);
  QState q = unpack(w);
  if (q.size() == 0) return nullptr;
  G* gp = slot(p, q.head).load(std::memory_order_relaxed);
  if (!peek_has_run(gp)) return nullptr;
  if (p->runq_state.compare_exchange_strong(
          w, pack(static_cast<std::uint16_t>(q.head + 1), q.tail, q.version + 1),
          std::memory_order_acq_rel))
    return gp;
  return nullptr;
}

bool runq_empty(const P* p) {
  // runnext is read between two reads of the state word (Go's runqempty).
  for (;;) {
    std::uint64_t w = p->runq_state.load(std::memory_order_acquire);
    G* next = p->runnext.load(std::memory_order_acquire);
    if (p->runq_state.load(std::memory_order_acquire) == w)
      return unpack(w).size() == 0 && next == nullptr;
  }
}

std::uint32_t runq_len(const P* p) {
  return unpack(p->runq_state.load(std::memory_order_acquire)).size() +
         (p->runnext.load(std::memory_order_relaxed) != nullptr ? 1 : 0);
}

G* runqsteal(P* p, P* victim, bool steal_runnext) {
  // Only p's owner (us) writes p's slots and tail, so the copy lands beyond
  // our tail and is published with one CAS.
  std::uint64_t w = p->runq_state.load(std::memory_order_acquire);
  QState q = unpack(w);
  if (q.size() > kRunqSize / 2) return nullptr;  // no room for a stolen half
  std::uint32_t n = runqgrab(victim, p, q.tail, steal_runnext);
  if (n == 0) return nullptr;
  n--;
  G* gp = slot(p, q.tail + n).load(std::memory_order_relaxed);
  if (n == 0) return gp;
  for (;;) {
    QState cur = unpack(w);
    if (p->runq_state.compare_exchange_weak(
            w, pack(cur.head, static_cast<std::uint16_t>(cur.tail + n), cur.version + 1),
            std::memory_order_acq_rel))
      return gp;
  }
}

int runq_rescue(P* victim) {
  // Take entries one at a time with the thieves' protocol (CAS on the state
  // word, runnext by CAS), so the owner may keep running meanwhile.
  int n = 0;
  for (;;) {
    G* gp = victim->runnext.load(std::memory_order_acquire);
    if (gp == nullptr || !victim->runnext.compare_exchange_strong(gp, nullptr, std::memory_order_acq_rel)) {
      gp = nullptr;
      std::uint64_t w = victim->runq_state.load(std::memory_order_acquire);
      QState q = unpack(w);
      if (q.size() == 0) break;
      G* cand = slot(victim, q.head).load(std::memory_order_relaxed);
      if (!victim->runq_state.compare_exchange_strong(
              w, pack(static_cast<std::uint16_t>(q.head + 1), q.tail, q.version + 1),
              std::memory_order_acq_rel))
        continue;
      gp = cand;
    }
    base::Guard<base::Lock> g(sched().lock);
    globrunqput(gp);
    n++;
  }
  return n;
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

// Takes a fair share of the global queue: one to return, the rest into p's
// ring. Called only when p's ring is empty (so the pushes cannot overflow it
// and re-enter sched.lock), or with max == 1.
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
    push_back(p, g);
  }
  if (s.runq_head == nullptr) s.runq_tail = nullptr;
  return gp;
}

}  // namespace gort::detail
