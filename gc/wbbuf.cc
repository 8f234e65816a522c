// gc/wbbuf.cc — the write barrier's per-P buffer (Go's wbBuf).
//
// While the collector marks, every barriered store records the pointer it
// overwrites and the one it stores (barrier_record), those of the two that
// are heap objects not yet marked; the records go to a
// buffer in the P the goroutine runs on, and reach the mark queue in bulk —
// when the buffer fills, or when a marker that has run out of work empties
// every P's buffer to see whether the mark is done (flush_all_barrier_
// buffers, from try_mark_done and mark termination).
//
// Go empties other Ps' buffers by asking each P to do it at a safe point.
// Here the marker empties them itself, so owner and marker must not touch a
// buffer at once. A lock did that, but its locked instruction on every
// barrier call also waited for the allocating goroutine's pending stores
// (measured: two thirds of barrier_record's time, about a tenth of binary-
// trees' mutator time while marking). Now it is an asymmetric Dekker
// protocol (base/fence.h):
//
//   owner:   busy = 1; compiler fence; if (claimed) { busy = 0; shade directly }
//            else { append; busy = 0 (release) }
//   marker:  claimed += 1 on every P; heavy_fence (membarrier: a full fence
//            on every running thread); then per P: wait while busy, take the
//            records; at the end claimed -= 1 on every P.
//
// The heavy fence guarantees that an owner either sees its P claimed or has
// made busy = 1 visible to the marker, which then waits for the append to
// end. Markers take the records under a lock among themselves. An append,
// and a marker's taking and shading of one P's records, are no-suspend
// stretches, so no stop of the world falls inside either; the claims and the
// fence are not (the fence may take tens of microseconds).
#include <string.h>

#include <cstring>

#include "base/fence.h"
#include "base/lock.h"
#include "gc/mark.h"
#include "gc/testing.h"
#include "gc/work.h"
#include "sched/sched.h"

namespace gort::gc {

std::atomic<std::uint64_t> g_testing_barrier_give_backs{0};

namespace {
base::Lock g_flush_lock;  // one marker at a time empties the buffers
// wb_n is also read, as a hint, by schedulers looking for mark work on
// their P (gc/workers.cc, work_available: a relaxed atomic load with no
// claim and no lock), so every store to it is a relaxed atomic store (a plain
// move on x86-64), or that read is a data race (found by TSan). Its reads
// here, by the owner or by a flusher under the protocol above, stay plain.
void set_wb_n(gort::detail::P* p, std::uint32_t n) { __atomic_store_n(&p->wb_n, n, __ATOMIC_RELAXED); }
constexpr std::uint32_t kCap = sizeof(gort::detail::P::wb_buf) / sizeof(std::uintptr_t);

// Takes p's records (under the flushers' lock, once no append is under way
// there) and shades them. The caller has made sure the owner sees a claim or
// is itself. Taking and shading are one no-suspend stretch, so that mark
// termination never falls while the records are only in `local`.
std::uint32_t take_and_shade(gort::detail::P* p) {
  std::uintptr_t local[kCap];
  base::NoSuspend ns;
  std::uint32_t n;
  {
    base::Guard<base::Lock> g(g_flush_lock);
    while (p->wb_busy.load(std::memory_order_acquire) != 0) base::cpu_relax();
    n = p->wb_n;
    std::memcpy(local, p->wb_buf, n * sizeof(std::uintptr_t));
    set_wb_n(p, 0);
  }
  shade_batch(local, n);
  explicit_bzero(local, n * sizeof local[0]);  // no dead addresses left on the stack
  return n;
}

// Puts records back into p's buffer, by its owner, under the owner's side of
// the protocol above. False if a marker has claimed the buffer meanwhile.
bool give_back(gort::detail::P* p, const std::uintptr_t* vals, std::uint32_t n) {
  p->wb_busy.store(1, std::memory_order_relaxed);
  base::light_fence();
  // The claim first, as in barrier_record: only unclaimed is wb_n ours.
  if (p->wb_claimed.load(std::memory_order_acquire) != 0 || p->wb_n + n > kCap) {
    p->wb_busy.store(0, std::memory_order_release);
    return false;
  }
  std::uint32_t have = p->wb_n;
  std::memcpy(p->wb_buf + have, vals, n * sizeof(std::uintptr_t));
  set_wb_n(p, have + n);
  p->wb_busy.store(0, std::memory_order_release);
  return true;
}

// The owner shades the records of its full buffer, a chunk at a time. The
// whole is one no-suspend stretch (the records are only in `vals` here, and
// mark termination must not begin in between), up to 256 marks: 10-25 us,
// the stop of the world's wait when it falls in that stretch. So when a stop
// is waiting for this thread (base::stop_deferred), the records not yet
// shaded go back into the P's buffer, which mark termination empties, and
// the stretch ends.
void shade_full_buffer(gort::detail::P* p, const std::uintptr_t* vals, std::uint32_t n) {
  constexpr std::uint32_t kShadeChunk = 32;
  for (std::uint32_t done = 0; done < n;) {
    std::uint32_t k = n - done < kShadeChunk ? n - done : kShadeChunk;
    shade_batch(vals + done, k);
    done += k;
    if (done < n && base::stop_deferred() && give_back(p, vals + done, n - done)) {
      g_testing_barrier_give_backs.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}
}  // namespace

std::size_t flush_all_barrier_buffers(bool world_stopped) {
  using namespace gort::detail;
  Sched& s = sched();
  std::size_t total = 0;
  std::int32_t np = s.nallp;
  // Claim every P and fence outside any no-suspend stretch: the fence can
  // take tens of microseconds (it wakes idle CPUs), which a stop of the world
  // would otherwise wait for. Being stopped in between is harmless: owners
  // that see a claim shade directly, and the claims are counts, so that two
  // markers never release each other's.
  for (std::int32_t i = 0; i < np; i++)
    if (P* p = s.allp[i]; p != nullptr) p->wb_claimed.fetch_add(1, std::memory_order_relaxed);
  // With the world stopped no owner is inside an append (an append is a
  // no-suspend stretch), and the stop itself ordered their writes before
  // ours: no fence is needed.
  if (!world_stopped) base::heavy_fence();
  for (std::int32_t i = 0; i < np; i++)
    if (P* p = s.allp[i]; p != nullptr) total += take_and_shade(p);
  for (std::int32_t i = 0; i < np; i++)
    if (P* p = s.allp[i]; p != nullptr) p->wb_claimed.fetch_sub(1, std::memory_order_release);
  return total;
}

std::size_t flush_own_barrier_buffer() {
  using namespace gort::detail;
  base::NoSuspend ns;  // stays on this P throughout
  M* m = tls_m;
  P* p = m != nullptr ? m->p : nullptr;
  if (p == nullptr || __atomic_load_n(&p->wb_n, __ATOMIC_RELAXED) == 0) return 0;
  return take_and_shade(p);  // the owner is us, not appending
}

namespace {
// barrier_record's append to a full buffer, owner side with wb_busy set:
// the records move to this stack (the buffer is free again at once), the
// new ones start the emptied buffer, and the moved ones are shaded. Out of
// line: its 2 KiB frame stays off the common path.
[[gnu::noinline]] void append_to_full_buffer(gort::detail::P* p, std::uintptr_t a, std::uintptr_t b,
                                             std::uint32_t k) {
  std::uintptr_t full[kCap];
  std::uint32_t nfull = p->wb_n;
  std::memcpy(full, p->wb_buf, nfull * sizeof(std::uintptr_t));
  p->wb_buf[0] = a;
  if (k == 2) p->wb_buf[1] = b;
  set_wb_n(p, k);
  p->wb_busy.store(0, std::memory_order_release);
  shade_full_buffer(p, full, nfull);
  explicit_bzero(full, nfull * sizeof full[0]);  // no dead addresses left on the mutator's stack
}
}  // namespace

void barrier_record(std::uintptr_t a, std::uintptr_t b) {
  using namespace gort::detail;
  if (g_testing_barrier_broken) return;
  // Only values that shading could change are recorded: none outside the
  // heap, none already marked or allocated black. Most values a mutator
  // stores while marking are objects it has just allocated, black: deciding
  // here, on the object it has just touched, spares the append and, later,
  // shade_batch's second look at a span gone cold (binary-trees 21: 0.877-
  // 0.923x the time, bench/README.md). The answer is the one shade_batch
  // would get later: within a mark, mark bits are only ever set, black_from
  // and freeindex only grow, and a black run leaves a span only through
  // flush_black, which sets its mark bits before it clears black_from. A
  // stale read can only say "not marked", which records the value, as
  // before. A 0 is recorded as nothing.
  if (!may_need_shading(a)) a = 0;
  if (!may_need_shading(b)) b = 0;
  // An initialising store (a == 0) takes one slot, not two, and storing null
  // over null none.
  if (a == 0) {
    a = b;
    b = 0;
  }
  if (a == 0) return;
  const std::uint32_t k = b != 0 ? 2 : 1;
  M* m = tls_m;
  P* p = m != nullptr ? m->p : nullptr;
  std::uintptr_t pair[2] = {a, b};
  if (p == nullptr) {
    // A thread with no P (a foreign thread assigning a Root): straight to the queue.
    shade_batch(pair, k);
    return;
  }
  p->wb_busy.store(1, std::memory_order_relaxed);
  base::light_fence();
  // Acquire: seeing a flusher's claim dropped (its release decrement) must
  // also show its writes to this buffer (wb_n = 0), or the mutator could
  // append at a stale wb_n (found by TSan, docs/SANITIZERS.md; a plain load
  // on x86 either way).
  if (p->wb_claimed.load(std::memory_order_acquire) != 0) [[unlikely]] {
    // A marker is emptying the buffers: go to the queue directly.
    p->wb_busy.store(0, std::memory_order_release);
    shade_batch(pair, k);
    return;
  }
  std::uint32_t n = p->wb_n;
  if (n + k > kCap) [[unlikely]] {
    append_to_full_buffer(p, a, b, k);
    return;
  }
  p->wb_buf[n] = a;
  if (k == 2) p->wb_buf[n + 1] = b;
  set_wb_n(p, n + k);
  p->wb_busy.store(0, std::memory_order_release);
}

}  // namespace gort::gc
