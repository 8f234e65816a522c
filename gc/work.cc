// gc/work.cc — see work.h.
#include "gc/work.h"

#include <string.h>

#include <cstring>

#include "base/lock.h"
#include "sched/sched.h"

namespace gort::gc {

namespace {
base::Lock g_lock;
WorkStack g_queue;
}  // namespace

void work_put(const std::uintptr_t* objs, std::size_t n) {
  if (n == 0) return;
  base::Guard<base::Lock> g(g_lock);
  for (std::size_t i = 0; i < n; i++) g_queue.push(objs[i]);
}

std::size_t work_get(MarkState& ms, std::size_t max) {
  base::Guard<base::Lock> g(g_lock);
  std::size_t n = 0;
  std::uintptr_t obj;
  while (n < max && g_queue.pop(&obj)) {
    ms.work.push(obj);
    n++;
  }
  return n;
}

bool work_empty() {
  base::Guard<base::Lock> g(g_lock);
  return g_queue.len == 0;
}

// A no-suspend stretch: the grey objects it finds sit in a local buffer until
// they reach the queue, and mark termination must not begin in between.
void shade_batch(const std::uintptr_t* vals, std::size_t n) {
  base::NoSuspend ns;
  constexpr std::size_t kChunk = 128;
  std::uintptr_t grey[kChunk];
  MarkState tmp;
  tmp.work.data = grey;  // one push per value at most: never fills
  tmp.work.cap = kChunk;
  tmp.work.fixed = true;
  for (std::size_t i = 0; i < n; i += kChunk) {
    std::size_t end = n - i < kChunk ? n : i + kChunk;
    for (std::size_t j = i; j < end; j++) {
      std::uintptr_t v = vals[j];
      if (v - detail::g_heap_base < detail::g_heap_size) mark_conservative(tmp, v);
    }
    work_put(grey, tmp.work.len);
    explicit_bzero(grey, tmp.work.len * sizeof grey[0]);  // no dead addresses left on the stack
    tmp.work.len = 0;
  }
  flush_mark_counts(tmp);
  tmp.work.data = nullptr;
  tmp.work.cap = 0;
  tmp.work.fixed = false;
}

bool g_testing_barrier_broken = false;

void shade_range(const void* p, std::size_t n) {
  if (g_testing_barrier_broken) return;
  // Elements of any type: every aligned word (a value may hold pointers at
  // any 8-byte offset).
  auto a = (reinterpret_cast<std::uintptr_t>(p) + 7) & ~std::uintptr_t{7};
  auto b = (reinterpret_cast<std::uintptr_t>(p) + n) & ~std::uintptr_t{7};
  if (a >= b) return;
  shade_batch(reinterpret_cast<const std::uintptr_t*>(a), (b - a) / 8);
}

namespace {

void lock_wb(gort::detail::P* p) {
  while (p->wb_lock.exchange(1, std::memory_order_acquire) != 0) base::cpu_relax();
}
void unlock_wb(gort::detail::P* p) { p->wb_lock.store(0, std::memory_order_release); }

}  // namespace

std::size_t flush_all_barrier_buffers() {
  using namespace gort::detail;
  Sched& s = sched();
  std::size_t total = 0;
  std::uintptr_t local[sizeof(P::wb_buf) / sizeof(std::uintptr_t)];
  for (std::int32_t i = 0; i < s.nallp; i++) {
    P* p = s.allp[i];
    if (p == nullptr) continue;
    std::uint32_t n;
    {
      base::NoSuspend ns;
      lock_wb(p);
      n = p->wb_n;
      std::memcpy(local, p->wb_buf, n * sizeof(std::uintptr_t));
      p->wb_n = 0;
      unlock_wb(p);
    }
    shade_batch(local, n);
    explicit_bzero(local, n * sizeof local[0]);  // no dead addresses left on the stack
    total += n;
  }
  return total;
}

// ---- the barrier's slow path: record into the P's buffer --------------------------

void barrier_record(std::uintptr_t a, std::uintptr_t b) {
  using namespace gort::detail;
  if (g_testing_barrier_broken) return;
  M* m = tls_m;
  P* p = m != nullptr ? m->p : nullptr;
  if (p == nullptr) {
    // A thread with no P (a foreign thread assigning a Root): straight to the queue.
    std::uintptr_t v[2] = {a, b};
    shade_batch(v, 2);
    return;
  }
  constexpr std::uint32_t kCap = sizeof(P::wb_buf) / sizeof(std::uintptr_t);
  std::uintptr_t full[kCap];
  std::uint32_t nfull = 0;
  lock_wb(p);
  if (p->wb_n + 2 > kCap) {
    nfull = p->wb_n;
    std::memcpy(full, p->wb_buf, nfull * sizeof(std::uintptr_t));
    p->wb_n = 0;
  }
  p->wb_buf[p->wb_n++] = a;
  p->wb_buf[p->wb_n++] = b;
  unlock_wb(p);
  if (nfull != 0) {
    shade_batch(full, nfull);
    explicit_bzero(full, nfull * sizeof full[0]);  // no dead addresses left on the mutator's stack
  }
}

}  // namespace gort::gc
