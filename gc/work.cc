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
      // Values already marked (since they were recorded, or, for the
      // callers that do not go through barrier_record, at all) are passed
      // over by the inline test, without mark_conservative's call.
      if (may_need_shading(v)) mark_conservative(tmp, v);
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

}  // namespace gort::gc
